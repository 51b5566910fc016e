/**
 * The USB-token path of the portal (docs/PROCESS.md step 16 "Ya" and step 24b "Token USB"), through
 * the npm package's `token` API, which talks to the kunci browser extension (docs/PROTOCOL.md).
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

/**
 * Step 15 with "Ya": the key pair is made on the token and the CSR signed there. Resolves to
 * `{token, keyId, csrPem, publicKeySha256}`.
 */
export async function generateCsrOnToken(params) {
  const t = await tokenApi();
  if (!t) throw Object.assign(new Error('extension absent'), { code: 'extension.absent' });
  return t.generateCsr(params);
}

/** Step 24b with "Token USB": the certificate is written onto the token beside its key. */
export async function importCertificateOnToken(pem, chain) {
  const t = await tokenApi();
  if (!t) throw Object.assign(new Error('extension absent'), { code: 'extension.absent' });
  return t.importCertificate(pem, chain ? { chain } : {});
}

/** The algorithms a token key may use (what kunci-host generates). */
export const TOKEN_ALGORITHMS = ['rsa2048', 'p256'];

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
