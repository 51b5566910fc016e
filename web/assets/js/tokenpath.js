/**
 * The USB-token path of the portal's download step (docs/PROCESS.md step 24b "Token USB"), through
 * the npm package's `token` API, which talks to the kunci browser extension (docs/PROTOCOL.md),
 * and the record of which token holds a request's key (written when `<kunci-client-kit>` made the
 * key on a token, step 16 "Ya"; read by the download step).
 * The extension asks for the PIN in its own window: nothing here ever sees it.
 *
 * The package is imported lazily and its `token` export looked up at run time, so a page still
 * works (file path only) with a package built before the token API existed.
 */

let api = null;

async function tokenApi() {
  if (!api) {
    api = import('/pkg/index.js').then((m) => m.token ?? null).catch(() => null);
  }
  return api;
}

/** `{present, extension?}`; never throws (absent on any failure). */
export async function detectToken(timeoutMs = 1000) {
  const t = await tokenApi();
  if (!t) return { present: false };
  try {
    return await t.detect({ timeout: timeoutMs });
  } catch {
    return { present: false };
  }
}

/** Step 24b with "Token USB": the certificate is written onto the token beside its key. */
export async function importCertificateOnToken(pem, chain) {
  const t = await tokenApi();
  if (!t) throw Object.assign(new Error('extension absent'), { code: 'extension.absent' });
  return t.importCertificate(pem, chain ? { chain } : {});
}

const RECORD = 'kunci-token-key-';

/** Remembers (no secret) which token holds the key of request `requestId`. */
export function rememberTokenKey(requestId, record) {
  try {
    localStorage.setItem(`${RECORD}${requestId}`, JSON.stringify(record));
  } catch {
    // storage refused: the download page then asks the holder to choose "Token USB" by hand
  }
}

/** The token record of request `requestId`, or null. */
export function tokenKeyOf(requestId) {
  try {
    return JSON.parse(localStorage.getItem(`${RECORD}${requestId}`) || 'null');
  } catch {
    return null;
  }
}
