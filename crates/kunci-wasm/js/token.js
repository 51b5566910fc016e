/**
 * The USB-token API: keys made and kept on the holder's token, through the kunci browser
 * extension and its native helper (kunci-host). This module is only the page's end of the
 * page ⇄ extension protocol (docs/PROTOCOL.md §1): it posts `kunci: 1` messages to its own
 * window, where the extension's content script picks them up, and matches the answers by id.
 *
 * What it does not do: it never sees the PIN (the extension asks for it in its own window),
 * never names the page's origin (the browser tells the extension), and holds no key. Without
 * the extension every operation rejects at once with `extension.absent`; an operation with no
 * answer rejects with `timeout` a little after the extension's own deadline, so that the
 * extension's more precise error normally arrives first.
 */
import * as args from './args.js';
import { KunciError } from './errors.js';

// Copies of extension/protocol.json (the package ships without the extension);
// extension/tests/protocol.test.mjs checks that they agree.
const PROTOCOL = 1;
const PING_TIMEOUT_MS = 1000;
// PROTOCOL.md §1: 5 minutes for operations that open the PIN window, 30 s for the others.
// The page waits a little longer than the extension (its content script adds 3 s).
const PIN_TIMEOUT_MS = 5 * 60_000 + 6000;
const PLAIN_TIMEOUT_MS = 30_000 + 6000;

const pending = new Map(); // request id → {resolve, reject, timer}
const pongWaiters = new Set();
let listening = false;
let found = null; // a Promise of the last positive detection (absence is not cached)
let counter = 0;

/**
 * Asks whether the extension is installed (and enabled on this page). Never rejects, except
 * with `argument.invalid` for a bad `options`.
 * @param {{timeout?: number}} [options] how long to wait for the answer, in ms (default 1000)
 */
export function detect(options) {
  let timeout;
  try {
    timeout = args.checkDetect(arguments)[0].timeout ?? PING_TIMEOUT_MS;
  } catch (e) {
    return Promise.reject(e);
  }
  if (!inPage()) return Promise.resolve({ ...ABSENT });
  listen();
  return new Promise((resolve) => {
    let timer;
    const finish = (value) => {
      clearTimeout(timer);
      pongWaiters.delete(onPong);
      resolve(value);
    };
    const onPong = (data) =>
      finish({
        present: true,
        extension: typeof data.extension === 'string' ? data.extension : String(data.extension ?? ''),
        protocol: typeof data.protocol === 'number' ? data.protocol : null,
      });
    timer = setTimeout(() => finish({ ...ABSENT }), timeout);
    pongWaiters.add(onPong);
    window.postMessage({ kunci: PROTOCOL, type: 'ping' }, window.location.origin);
  });
}

// Absent fields are null in every report of the package (index.d.ts), never left out.
const ABSENT = Object.freeze({ present: false, extension: null, protocol: null });

/** Runs the argument check `check` and then `fn`, as one Promise: a bad argument rejects, never throws. */
function checked(check, given, fn) {
  let a;
  try {
    a = check(given);
  } catch (e) {
    return Promise.reject(e);
  }
  return fn(...a);
}

/** The tokens plugged in now. */
export function list() {
  return checked((a) => args.checkNoArgs('token.list', a), arguments, () => request('token.list', {}, PLAIN_TIMEOUT_MS));
}

/**
 * Makes a key pair on a token (the holder picks it and types its PIN in the extension's
 * window) and a CSR signed there.
 */
export function generateCsr(options) {
  return checked(args.checkTokenGenerateCsr, arguments, async (o) => {
    const r = await request(
      'token.generateCsr',
      { algorithm: o.algorithm, subject: o.subject, email: o.email, challengePassword: o.challengePassword, label: o.label },
      PIN_TIMEOUT_MS,
    );
    return { ...r, label: r.label ?? null, algorithm: r.algorithm ?? null };
  });
}

/** Writes an issued certificate onto the token that holds its key. */
export function importCertificate(pem, options) {
  return checked(args.checkImportCertificate, arguments, (p, o) =>
    request('token.importCertificate', { certificate: p, chain: o.chain }, PIN_TIMEOUT_MS));
}

/** The certificates on a token (the holder picks it and types its PIN). */
export function listCertificates() {
  return checked((a) => args.checkNoArgs('token.listCertificates', a), arguments, () =>
    request('token.listCertificates', {}, PIN_TIMEOUT_MS));
}

/**
 * Signs a SHA-256 digest the page computed (of a document) with a key on the token: the
 * extension's window shows the document's name and the digest's first 16 hex digits, and the
 * holder chooses the token and types its PIN there. Only the digest leaves the page and only
 * the signature leaves the token: PKCS#1 v1.5 bytes (RSA) or raw `r || s`, 64 bytes (P-256).
 */
export function signDigest(toSign) {
  return checked(args.checkTokenSignDigest, arguments, async (o) => {
    const r = await request('token.signDigest', o, PIN_TIMEOUT_MS);
    return {
      token: r.token,
      signature: fromBase64(r.signature),
      algorithm: r.algorithm ?? o.algorithm,
      keyId: r.keyId ?? o.keyId,
      certificate: typeof r.certificate === 'string' ? r.certificate : null,
    };
  });
}

/** Base64 text → bytes; an answer that is not base64 is the extension's failure. */
function fromBase64(text) {
  let binary;
  try {
    binary = atob(String(text ?? ''));
  } catch {
    binary = '';
  }
  if (binary.length === 0) throw new KunciError('extension.failed', 'the kunci extension answered without a signature');
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// ---- the protocol ------------------------------------------------------------------------

async function request(op, params, timeoutMs) {
  await requireExtension();
  const id = `kunci-${Date.now().toString(36)}-${++counter}-${Math.random().toString(36).slice(2, 10)}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new KunciError('timeout', `the kunci extension did not answer ${op} in time`));
    }, timeoutMs);
    pending.set(id, { resolve, reject, timer });
    window.postMessage({ kunci: PROTOCOL, type: 'request', id, op, params: plain(params) }, window.location.origin);
  });
}

async function requireExtension() {
  if (!inPage()) throw new KunciError('extension.absent', 'the token API needs a browser page with the kunci extension');
  found ??= detect().then((d) => {
    if (!d.present) found = null; // ask again next time: the holder may install it meanwhile
    return d;
  });
  const d = await found;
  if (!d.present) {
    throw new KunciError('extension.absent', 'the kunci browser extension is not installed or not enabled on this page');
  }
  if (d.protocol !== PROTOCOL) {
    throw new KunciError('extension.version', `the kunci extension speaks protocol ${d.protocol}, this page ${PROTOCOL}: update the extension`);
  }
}

function listen() {
  if (listening) return;
  listening = true;
  window.addEventListener('message', (event) => {
    // Only this window's own messages (the content script posts on it, to our origin).
    if (event.source !== window || event.origin !== window.location.origin) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.kunci !== PROTOCOL) return;
    if (data.type === 'pong') {
      for (const waiter of [...pongWaiters]) waiter(data);
    } else if (data.type === 'response') {
      const call = pending.get(data.id);
      if (!call) return;
      pending.delete(data.id);
      clearTimeout(call.timer);
      if (data.ok) call.resolve(data.result ?? {});
      else call.reject(toError(data.error));
    }
  });
}

function toError(error) {
  const e = new KunciError(
    typeof error?.code === 'string' ? error.code : 'extension.failed',
    typeof error?.message === 'string' ? error.message : 'the kunci extension failed',
  );
  if (Number.isInteger(error?.tries_left)) e.triesLeft = error.tries_left;
  if (typeof error?.function === 'string') e.function = error.function;
  return e;
}

/** Drops undefined fields (postMessage would keep them as undefined). */
function plain(params) {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
}

function inPage() {
  return typeof window !== 'undefined' && typeof window.postMessage === 'function' && !!window.location?.origin
    && window.location.origin !== 'null';
}
