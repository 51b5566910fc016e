/**
 * Argument checks for every public call of the package, shared by the main-thread API
 * (index.js), the worker client (client.js, before it posts) and the token API (token.js).
 *
 * Why a JS layer of its own: a wrong type that reaches the wasm-bindgen glue either traps the
 * module (`RuntimeError: memory access out of bounds`, after which it is unusable), or comes back
 * as a bare TypeError or a Rust-named serde message; through a Worker it can also become a
 * DataCloneError. So every argument is checked here first, by JS names, and refused with a
 * `KunciError`:
 *
 * - `argument.invalid`: wrong type, missing, unknown option key (with "did you mean" when the
 *   key is close), extra argument;
 * - `argument.too_large`: over one of the {@link LIMITS}.
 *
 * A value of the right type that kunci does not support keeps its domain code from the core
 * (`key.unsupported_algorithm`, `input.unknown_language`, `kdf.iterations_too_low`, …) or, on
 * a token, the extension's (`request.bad` for an algorithm the token API does not make).
 *
 * Pure: no wasm, no DOM, so the worker client can check on the page side before posting.
 * Each `check*` returns the normalised arguments: optional values `null` → `undefined`, only
 * known keys kept, so what is posted to a worker is plain cloneable data.
 */
import { KunciError } from './errors.js';

/** The size limits, documented in index.d.ts and the npm README. */
export const LIMITS = Object.freeze({
  /** Passwords (key, .p12, strength check), in UTF-16 code units as `.length` counts. */
  passwordChars: 1024,
  /** Every other short text: subject fields, e-mail, challenge password, friendlyName, labels, holder data. */
  textChars: 1024,
  /** A subject given as one RFC 4514 string. */
  subjectChars: 4096,
  /** One PEM (characters) or DER (bytes) input: key, CSR, certificate, each chain entry. */
  fileBytes: 1024 * 1024,
  /** A .p12 file. */
  p12Bytes: 4 * 1024 * 1024,
  /** Certificates in a PKCS#12 chain option (list entries; a PEM bundle counts as given). */
  chainItems: 32,
  /** Entries of `passwordStrength`'s `inputs.other`. */
  otherItems: 64,
  /** PEM text sent to a token (certificate plus chain): the extension refuses more (its helper frames 1 MiB). */
  tokenPemChars: 512 * 1024,
  /** `token.generateCsr`'s texts, as the extension bounds them (it would answer `request.bad`). */
  tokenSubjectChars: 2048,
  tokenEmailChars: 320,
  tokenChallengeChars: 255,
  tokenLabelChars: 64,
  /** `token.signDigest`'s document name, shown in the extension's window (it refuses more). */
  tokenDocumentNameChars: 255,
  /** `token.detect`'s timeout, ms. */
  detectTimeoutMs: 600_000,
  /** PBKDF2 iterations are a u32 in the core. */
  iterations: 0xffffffff,
  /** A PDF to sign or verify: kunci-core's reader refuses more (`pdf.limit.file_size`). */
  pdfBytes: 128 * 1024 * 1024,
  /** Trusted certificates, CRLs or OCSP responses given to `verifyPdf` / `signPdf` (list entries). */
  pdfListItems: 64,
  /** A stamp's image (PNG or JPEG): kunci-core refuses more (`pdf.stamp_image_too_large`). */
  stampImageBytes: 1024 * 1024,
  /** A URL option (TSA, OCSP responder, CRL). */
  urlChars: 8192,
});

const INVALID = 'argument.invalid';
const TOO_LARGE = 'argument.too_large';

function fail(where, message, code = INVALID) {
  return new KunciError(code, `${where}: ${message}`);
}

/** What a value is, for messages: never its content (it may be a password). */
export function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'string': return `a string of ${v.length} characters`;
    case 'number': return Number.isNaN(v) ? 'NaN' : `a number (${v})`;
    case 'boolean': return `a boolean (${v})`;
    case 'bigint': return 'a bigint';
    case 'symbol': return 'a symbol';
    case 'function': return 'a function';
    default: break;
  }
  if (Array.isArray(v)) return `an array of ${v.length} items`;
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  if (tag === 'Module') return 'a module namespace object (is it the `token` API?)';
  if (v instanceof ArrayBuffer) return `an ArrayBuffer of ${v.byteLength} bytes`;
  if (ArrayBuffer.isView(v)) return `a ${tag} of ${v.byteLength} bytes`;
  if (tag === 'Object') {
    const name = Object.getPrototypeOf(v)?.constructor?.name;
    return name && name !== 'Object' ? `a ${name} object` : 'an object';
  }
  return `a ${tag} object`;
}

/** Levenshtein distance, small strings only (option keys). */
function distance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The known key closest to `key` (case-insensitive, `_`/`-` ignored, or Levenshtein ≤ 2), if any. */
export function suggest(key, known) {
  const norm = (s) => s.toLowerCase().replace(/[_-]/g, '');
  const k = norm(key);
  const same = known.find((c) => norm(c) === k);
  if (same) return same;
  let best;
  let bestD = 3;
  for (const c of known) {
    const d = distance(key.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

/** True for `{…}` literals and null-prototype objects; false for arrays, module namespaces, class instances of built-ins. */
function isPlainObject(v) {
  return typeof v === 'object' && v !== null && Object.prototype.toString.call(v) === '[object Object]';
}

/** Refuses arguments past the declared ones (trailing `undefined`s count as absent). */
export function arity(where, args, max) {
  for (let i = args.length - 1; i >= max; i--) {
    if (args[i] !== undefined) {
      throw fail(where, `takes at most ${max} argument${max === 1 ? '' : 's'}, got ${describe(args[i])} as argument ${i + 1}`);
    }
  }
}

/**
 * An options object: `undefined`/`null` → `{}`; otherwise a plain object whose keys are all in
 * `known` (an unknown key names the closest known one). Returns a copy with the known keys only.
 */
export function options(where, name, v, known) {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw fail(where, `${name} must be an object with ${list(known)} (got ${describe(v)})`);
  const out = {};
  for (const key of Object.keys(v)) {
    if (!known.includes(key)) {
      const close = suggest(key, known);
      throw fail(where, `${name}.${key} is not a known option${close ? `: did you mean \`${close}\`?` : ''} (known: ${list(known)})`);
    }
    out[key] = v[key];
  }
  return out;
}

function list(keys) {
  return keys.length ? keys.map((k) => `\`${k}\``).join(', ') : 'no keys';
}

/** A string of at most `max` characters; `optional` accepts `undefined`/`null` (→ `undefined`). */
export function text(where, name, v, { max = LIMITS.textChars, optional = false, nonEmpty = false } = {}) {
  if (optional && (v === undefined || v === null)) return undefined;
  if (typeof v !== 'string') {
    throw fail(where, `${name} must be a ${nonEmpty ? 'non-empty ' : ''}string${optional ? ' (or be left out)' : ''} (got ${describe(v)})`);
  }
  if (nonEmpty && v.length === 0) throw fail(where, `${name} must be a non-empty string`);
  if (v.length > max) throw fail(where, `${name} must be at most ${max} characters (got ${v.length})`, TOO_LARGE);
  return v;
}

export function password(where, name, v) {
  return text(where, name, v, { max: LIMITS.passwordChars });
}

function bool(where, name, v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw fail(where, `${name} must be true or false (or be left out) (got ${describe(v)})`);
  return v;
}

function iterations(where, name, v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw fail(where, `${name} must be a positive whole number such as 600000 (got ${describe(v)})`);
  }
  if (v > LIMITS.iterations) throw fail(where, `${name} must be at most ${LIMITS.iterations} (got ${v})`, TOO_LARGE);
  return v;
}

/**
 * PEM text or DER/PEM bytes (`Uint8Array`, `ArrayBuffer`, any other view). Returns a string or
 * a `Uint8Array` over the same bytes (cloneable, and what index.js hands to wasm).
 */
export function file(where, name, v, { max = LIMITS.fileBytes, allowText = true, what = 'a PEM string or bytes (Uint8Array or ArrayBuffer)' } = {}) {
  let size;
  let out;
  if (typeof v === 'string' && allowText) {
    size = v.length;
    out = v;
  } else if (v instanceof Uint8Array) {
    size = v.byteLength;
    out = v;
  } else if (v instanceof ArrayBuffer) {
    size = v.byteLength;
    out = new Uint8Array(v);
  } else if (ArrayBuffer.isView(v)) {
    size = v.byteLength;
    out = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  } else {
    throw fail(where, `${name} must be ${what} (got ${describe(v)})`);
  }
  if (size > max) throw fail(where, `${name} must be at most ${max} bytes (got ${size})`, TOO_LARGE);
  return out;
}

// ---- the public calls --------------------------------------------------------------------

const WASM_SOURCE = 'a URL, a URL string, the .wasm bytes or a WebAssembly.Module';

function wasmSource(where, name, v) {
  if (v === undefined || v === null) return undefined;
  const ok = typeof v === 'string' || v instanceof URL || v instanceof ArrayBuffer || ArrayBuffer.isView(v)
    || (typeof WebAssembly !== 'undefined' && v instanceof WebAssembly.Module)
    || (typeof Response !== 'undefined' && v instanceof Response)
    || (typeof Request !== 'undefined' && v instanceof Request);
  if (!ok) throw fail(where, `${name} must be ${WASM_SOURCE} (got ${describe(v)})`);
  if (typeof v === 'string') text(where, name, v, { max: 8192, nonEmpty: true });
  return v;
}

/** Keys `init` accepts. Exported so that a new loading option is added in one place. */
export const INIT_KEYS = ['coreWasm', 'extraWasm', 'strengthWasm', 'pdfWasm'];

export function checkInit(args, where = 'init', name = 'options') {
  arity(where, args, 1);
  const o = options(where, name, args[0], INIT_KEYS);
  const out = {};
  for (const k of INIT_KEYS) {
    const v = wasmSource(where, `${name}.${k}`, o[k]);
    if (v !== undefined) out[k] = v;
  }
  return [out];
}

export function checkGenerate(args) {
  const where = 'KeyPair.generate';
  arity(where, args, 1);
  return [text(where, 'algorithm', args[0], { max: 64, nonEmpty: true })];
}

export function checkImportEncrypted(args) {
  const where = 'KeyPair.importEncrypted';
  arity(where, args, 2);
  return [file(where, 'pkcs8', args[0]), password(where, 'password', args[1])];
}

/** `key.exportEncrypted(password, options?)` (the key itself is checked by the caller). */
export function checkExportEncrypted(args) {
  const where = 'key.exportEncrypted';
  arity(where, args, 2);
  const pw = password(where, 'password', args[0]);
  const o = options(where, 'options', args[1], ['iterations']);
  const it = iterations(where, 'options.iterations', o.iterations);
  return [pw, it === undefined ? {} : { iterations: it }];
}

export function checkPublicKeyDer(args) {
  arity('key.publicKeyDer', args, 0);
  return [];
}

export function checkFree(args) {
  arity('key.free', args, 0);
  return [];
}

/** Subject object keys, camelCase as the package names them. */
export const SUBJECT_KEYS = ['commonName', 'email', 'organization', 'organizationalUnit', 'locality', 'state', 'country', 'serialNumber'];

function subject(where, v) {
  if (typeof v === 'string') return text(where, 'request.subject', v, { max: LIMITS.subjectChars, nonEmpty: true });
  if (!isPlainObject(v)) {
    throw fail(where, `request.subject must be a DN string such as "CN=Budi Santoso,C=ID" or an object with commonName (got ${describe(v)})`);
  }
  const o = options(where, 'request.subject', v, SUBJECT_KEYS);
  const out = { commonName: text(where, 'request.subject.commonName', o.commonName, { nonEmpty: true }) };
  for (const k of SUBJECT_KEYS.slice(1)) {
    const s = text(where, `request.subject.${k}`, o[k], { optional: true });
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/**
 * `createCsr(key, request)` → `[key, {subject, email?, challengePassword?}]`. `token` is the
 * deprecated name of `challengePassword`; both with different values is refused.
 */
export function checkCreateCsr(args, checkKey) {
  const where = 'createCsr';
  arity(where, args, 2);
  const key = checkKey(where, 'key', args[0]);
  if (!isPlainObject(args[1])) {
    throw fail(where, `request must be an object such as {subject: "CN=Budi Santoso,C=ID"} (got ${describe(args[1])})`);
  }
  const o = options(where, 'request', args[1], ['subject', 'email', 'challengePassword', 'token']);
  if (o.subject === undefined || o.subject === null) throw fail(where, 'request.subject is required: a DN string or an object with commonName');
  const out = { subject: subject(where, o.subject) };
  const email = text(where, 'request.email', o.email, { optional: true });
  if (email !== undefined) out.email = email;
  const cp = text(where, 'request.challengePassword', o.challengePassword, { optional: true });
  const legacy = text(where, 'request.token (deprecated: use challengePassword)', o.token, { optional: true });
  if (cp !== undefined && legacy !== undefined && cp !== legacy) {
    throw fail(where, 'request.challengePassword and request.token (its deprecated name) differ: give only challengePassword');
  }
  const challenge = cp ?? legacy;
  if (challenge !== undefined) out.challengePassword = challenge;
  return [key, out];
}

export function checkVerifyCsr(args) {
  arity('verifyCsr', args, 1);
  return [file('verifyCsr', 'csr', args[0])];
}

export function checkParseCertificate(args) {
  arity('parseCertificate', args, 1);
  return [file('parseCertificate', 'cert', args[0])];
}

export function checkCertificateMatchesKey(args, checkKey) {
  const where = 'certificateMatchesKey';
  arity(where, args, 2);
  return [file(where, 'cert', args[0]), checkKey(where, 'key', args[1])];
}

export function checkPackPkcs12(args, checkKey) {
  const where = 'packPkcs12';
  arity(where, args, 4);
  const key = checkKey(where, 'key', args[0]);
  const cert = file(where, 'cert', args[1]);
  const pw = password(where, 'password', args[2]);
  const o = options(where, 'options', args[3], ['chain', 'legacy', 'iterations', 'friendlyName']);
  const out = {};
  if (o.chain !== undefined && o.chain !== null) {
    const items = Array.isArray(o.chain) ? o.chain : [o.chain];
    if (items.length > LIMITS.chainItems) {
      throw fail(where, `options.chain must have at most ${LIMITS.chainItems} certificates (got ${items.length})`, TOO_LARGE);
    }
    out.chain = items.map((c, i) => file(where, Array.isArray(o.chain) ? `options.chain[${i}]` : 'options.chain', c));
  }
  const legacy = bool(where, 'options.legacy', o.legacy);
  if (legacy !== undefined) out.legacy = legacy;
  const it = iterations(where, 'options.iterations', o.iterations);
  if (it !== undefined) out.iterations = it;
  const name = text(where, 'options.friendlyName', o.friendlyName, { optional: true });
  if (name !== undefined) out.friendlyName = name;
  return [key, cert, pw, out];
}

export function checkReadPkcs12(args) {
  const where = 'readPkcs12';
  arity(where, args, 2);
  return [
    file(where, 'p12', args[0], { max: LIMITS.p12Bytes, allowText: false, what: 'the .p12 bytes (Uint8Array or ArrayBuffer)' }),
    password(where, 'password', args[1]),
  ];
}

export const INPUT_KEYS = ['name', 'email', 'organization', 'nik', 'other'];

export function checkPasswordStrength(args) {
  const where = 'passwordStrength';
  arity(where, args, 3);
  const pw = password(where, 'password', args[0]);
  const o = options(where, 'inputs', args[1], INPUT_KEYS);
  const inputs = {};
  for (const k of INPUT_KEYS.slice(0, 4)) {
    const s = text(where, `inputs.${k}`, o[k], { optional: true });
    if (s !== undefined) inputs[k] = s;
  }
  if (o.other !== undefined && o.other !== null) {
    if (!Array.isArray(o.other)) throw fail(where, `inputs.other must be an array of strings (got ${describe(o.other)})`);
    if (o.other.length > LIMITS.otherItems) {
      throw fail(where, `inputs.other must have at most ${LIMITS.otherItems} entries (got ${o.other.length})`, TOO_LARGE);
    }
    inputs.other = o.other.map((s, i) => text(where, `inputs.other[${i}]`, s));
  }
  const lang = text(where, "lang ('id' or 'en')", args[2], { optional: true, max: 16 }) ?? 'id';
  return [pw, inputs, lang];
}

export function checkWarmUpStrength(args) {
  arity('warmUpStrength', args, 0);
  return [];
}

export function checkCreateWorkerClient(args) {
  const where = 'createWorkerClient';
  arity(where, args, 1);
  const o = options(where, 'options', args[0], ['url', 'init']);
  const out = {};
  if (o.url !== undefined && o.url !== null) {
    if (o.url instanceof URL) out.url = o.url;
    else out.url = text(where, 'options.url', o.url, { max: 8192, nonEmpty: true });
  }
  // What crosses to the worker must be cloneable: URLs travel as strings; Response/Request cannot.
  const [init] = checkInit([o.init], where, 'options.init');
  for (const [k, v] of Object.entries(init)) {
    if ((typeof Response !== 'undefined' && v instanceof Response) || (typeof Request !== 'undefined' && v instanceof Request)) {
      throw fail(where, `options.init.${k} must be a URL, the .wasm bytes or a WebAssembly.Module in a worker (got ${describe(v)})`);
    }
    if (v instanceof URL) init[k] = v.href;
  }
  out.init = init;
  return [out];
}

// ---- the token API -----------------------------------------------------------------------

export const TOKEN_ALGORITHMS = ['rsa2048', 'p256'];

export function checkDetect(args) {
  const where = 'token.detect';
  arity(where, args, 1);
  const o = options(where, 'options', args[0], ['timeout']);
  if (o.timeout === undefined || o.timeout === null) return [{}];
  if (typeof o.timeout !== 'number' || !Number.isFinite(o.timeout) || o.timeout < 0) {
    throw fail(where, `options.timeout must be a number of milliseconds ≥ 0 (got ${describe(o.timeout)})`);
  }
  if (o.timeout > LIMITS.detectTimeoutMs) {
    throw fail(where, `options.timeout must be at most ${LIMITS.detectTimeoutMs} ms (got ${o.timeout})`, TOO_LARGE);
  }
  return [{ timeout: o.timeout }];
}

export function checkNoArgs(where, args) {
  arity(where, args, 0);
  return [];
}

export function checkTokenGenerateCsr(args) {
  const where = 'token.generateCsr';
  arity(where, args, 1);
  if (!isPlainObject(args[0])) {
    throw fail(where, `request must be an object such as {algorithm: 'p256', subject: "CN=Budi Santoso,C=ID"} (got ${describe(args[0])})`);
  }
  const o = options(where, 'request', args[0], ['algorithm', 'subject', 'email', 'challengePassword', 'label']);
  const algorithm = text(where, `request.algorithm (${TOKEN_ALGORITHMS.map((a) => `'${a}'`).join(' or ')})`, o.algorithm, { max: 64, nonEmpty: true });
  if (!TOKEN_ALGORITHMS.includes(algorithm)) {
    // The token's own code for a parameter it does not support (the extension answers the same).
    throw new KunciError('request.bad', `${where}: request.algorithm must be ${TOKEN_ALGORITHMS.join(' or ')} on a token (got "${algorithm}")`);
  }
  const out = {
    algorithm,
    subject: text(where, 'request.subject (an RFC 4514 string such as "CN=Budi Santoso,C=ID")', o.subject, { max: LIMITS.tokenSubjectChars, nonEmpty: true }),
  };
  const max = { email: LIMITS.tokenEmailChars, challengePassword: LIMITS.tokenChallengeChars, label: LIMITS.tokenLabelChars };
  for (const k of ['email', 'challengePassword', 'label']) {
    const s = text(where, `request.${k}`, o[k], { optional: true, max: max[k] });
    if (s !== undefined) out[k] = s;
  }
  return [out];
}

export function checkImportCertificate(args) {
  const where = 'token.importCertificate';
  arity(where, args, 2);
  const pem = text(where, 'pem', args[0], { max: LIMITS.tokenPemChars, nonEmpty: true });
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw fail(where, 'pem must be the certificate as PEM text (-----BEGIN CERTIFICATE-----)');
  const o = options(where, 'options', args[1], ['chain']);
  const out = {};
  if (o.chain !== undefined && o.chain !== null) {
    const items = Array.isArray(o.chain) ? o.chain : [o.chain];
    items.forEach((c, i) => text(where, Array.isArray(o.chain) ? `options.chain[${i}]` : 'options.chain', c, { max: LIMITS.tokenPemChars, nonEmpty: true }));
    const total = pem.length + items.reduce((n, c) => n + c.length, 0);
    if (total > LIMITS.tokenPemChars) {
      throw fail(where, `pem and options.chain together must be at most ${LIMITS.tokenPemChars} characters (got ${total})`, TOO_LARGE);
    }
    out.chain = Array.isArray(o.chain) ? [...o.chain] : o.chain;
  }
  return [pem, out];
}

// ---- PDF signatures ----------------------------------------------------------------------

export const PDF_PROFILES = ['B-B', 'B-T', 'B-LT'];
const SIGN_PDF_OPTIONS = ['profile', 'tsaUrl', 'timestamp', 'ocsp', 'crls', 'fetchRevocation', 'reason', 'location',
  'name', 'fieldName', 'page', 'signingTime', 'documentName', 'trust', 'stamp'];
const STAMP_KEYS = ['x', 'y', 'width', 'height', 'lines', 'qrUrl', 'image'];

/** The PDF bytes: never text; over the reader's limit is the core's own code. */
function pdfBytes(where, v) {
  const out = file(where, 'pdf', v, { max: Infinity, allowText: false, what: 'the PDF bytes (Uint8Array or ArrayBuffer)' });
  if (out.byteLength > LIMITS.pdfBytes) {
    throw new KunciError('pdf.limit.file_size', `${where}: the PDF is ${out.byteLength} bytes, over the limit of ${LIMITS.pdfBytes}`);
  }
  return out;
}

/** A list of PEM/DER items (one item alone is a list of one); `undefined` when absent. */
function fileList(where, name, v, max = LIMITS.pdfListItems) {
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v : [v];
  if (items.length > max) throw fail(where, `${name} must have at most ${max} entries (got ${items.length})`, TOO_LARGE);
  return items.map((c, i) => file(where, Array.isArray(v) ? `${name}[${i}]` : name, c));
}

function fn(where, name, v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'function') throw fail(where, `${name} must be a function (or be left out) (got ${describe(v)})`);
  return v;
}

function url(where, name, v) {
  return text(where, name, v, { optional: true, max: LIMITS.urlChars, nonEmpty: true });
}

/** A time as a `Date` or milliseconds since 1970 (as `Date.now()`); returns milliseconds. */
function time(where, name, v) {
  if (v === undefined || v === null) return undefined;
  const ms = v instanceof Date ? v.getTime() : v;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 253402300799000) {
    throw fail(where, `${name} must be a Date or milliseconds since 1970 such as Date.now() (got ${describe(v)})`);
  }
  return Math.floor(ms);
}

/**
 * `signPdf(pdf, signer, options?)` → `[pdf, signer, options]`: `signer` is
 * `{key, certificate, chain?}` or `{token: {keyId, algorithm}, certificate, chain?}`.
 * Functions (the hooks) are kept: the worker client runs them on the page's side.
 */
export function checkSignPdf(args, checkKey) {
  const where = 'signPdf';
  arity(where, args, 3);
  const pdf = pdfBytes(where, args[0]);
  const proto = isPlainObject(args[1]) ? Object.getPrototypeOf(args[1]) : undefined;
  if (!isPlainObject(args[1]) || (proto !== Object.prototype && proto !== null)) {
    throw fail(where, `signer must be an object such as {key, certificate, chain} or {token: {keyId, algorithm}, certificate, chain} (got ${describe(args[1])})`);
  }
  const s = options(where, 'signer', args[1], ['key', 'token', 'certificate', 'chain']);
  const signer = {};
  const hasKey = s.key !== undefined && s.key !== null;
  const hasToken = s.token !== undefined && s.token !== null;
  if (hasKey === hasToken) throw fail(where, 'signer must have exactly one of `key` (a KeyPair) and `token` ({keyId, algorithm})');
  if (hasKey) signer.key = checkKey(where, 'signer.key', s.key);
  else {
    if (!isPlainObject(s.token)) throw fail(where, `signer.token must be an object {keyId, algorithm} (got ${describe(s.token)})`);
    const t = options(where, 'signer.token', s.token, ['keyId', 'algorithm']);
    const keyId = text(where, "signer.token.keyId (the key's id on the token, hex)", t.keyId, { max: 128, nonEmpty: true });
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(keyId)) throw fail(where, "signer.token.keyId must be the key's id as hex digits (from token.generateCsr or token.listCertificates)");
    const algorithm = text(where, `signer.token.algorithm (${TOKEN_ALGORITHMS.map((a) => `'${a}'`).join(' or ')})`, t.algorithm, { max: 64, nonEmpty: true });
    if (!TOKEN_ALGORITHMS.includes(algorithm)) {
      throw new KunciError('request.bad', `${where}: signer.token.algorithm must be ${TOKEN_ALGORITHMS.join(' or ')} on a token (got "${algorithm}")`);
    }
    signer.token = { keyId, algorithm };
  }
  if (s.certificate === undefined || s.certificate === null) throw fail(where, "signer.certificate is required: the signer's certificate as PEM or DER");
  signer.certificate = file(where, 'signer.certificate', s.certificate);
  signer.chain = fileList(where, 'signer.chain', s.chain, LIMITS.chainItems) ?? [];

  const o = options(where, 'options', args[2], SIGN_PDF_OPTIONS);
  const out = {};
  const profile = text(where, `options.profile (${PDF_PROFILES.map((p) => `'${p}'`).join(', ')})`, o.profile, { optional: true, max: 16 }) ?? 'B-B';
  if (!PDF_PROFILES.includes(profile)) throw fail(where, `options.profile must be ${PDF_PROFILES.join(', ')} (got "${profile}")`);
  out.profile = profile;
  const tsaUrl = url(where, 'options.tsaUrl', o.tsaUrl);
  const timestamp = fn(where, 'options.timestamp', o.timestamp);
  if (tsaUrl !== undefined && timestamp !== undefined) throw fail(where, 'give options.tsaUrl or options.timestamp, not both');
  if (profile !== 'B-B' && tsaUrl === undefined && timestamp === undefined) {
    throw fail(where, `options.profile '${profile}' needs a timestamp: options.tsaUrl (a same-origin URL such as the portal's /tsa) or options.timestamp (a function)`);
  }
  if (profile === 'B-B' && (tsaUrl !== undefined || timestamp !== undefined)) {
    throw fail(where, "options.tsaUrl and options.timestamp are for the profiles 'B-T' and 'B-LT' (options.profile is 'B-B')");
  }
  if (tsaUrl !== undefined) out.tsaUrl = tsaUrl;
  if (timestamp !== undefined) out.timestamp = timestamp;
  if (o.ocsp !== undefined && o.ocsp !== null) {
    if (typeof o.ocsp === 'boolean') out.ocsp = o.ocsp;
    else out.ocsp = text(where, "options.ocsp (true, false or the OCSP responder's URL)", o.ocsp, { max: LIMITS.urlChars, nonEmpty: true });
  }
  const crls = fileList(where, 'options.crls', o.crls);
  if (crls !== undefined) out.crls = crls;
  const fetchRevocation = fn(where, 'options.fetchRevocation', o.fetchRevocation);
  if (fetchRevocation !== undefined) out.fetchRevocation = fetchRevocation;
  if (profile !== 'B-LT' && (out.ocsp !== undefined || crls !== undefined || fetchRevocation !== undefined)) {
    throw fail(where, "options.ocsp, options.crls and options.fetchRevocation are for the profile 'B-LT'");
  }
  for (const k of ['reason', 'location', 'name', 'fieldName', 'documentName']) {
    const v = text(where, `options.${k}`, o[k], { optional: true, max: k === 'documentName' ? 255 : LIMITS.textChars });
    if (v !== undefined) out[k] = v;
  }
  if (o.page !== undefined && o.page !== null) {
    if (typeof o.page !== 'number' || !Number.isInteger(o.page) || o.page < 1 || o.page > 0xffffffff) {
      throw fail(where, `options.page must be a page number from 1 (got ${describe(o.page)})`);
    }
    out.page = o.page;
  }
  const at = time(where, 'options.signingTime', o.signingTime);
  if (at !== undefined) out.signingTime = at;
  const trust = fileList(where, 'options.trust', o.trust);
  if (trust !== undefined) out.trust = trust;
  if (o.stamp !== undefined && o.stamp !== null) {
    if (!isPlainObject(o.stamp)) throw fail(where, `options.stamp must be an object {x, y, width?, height?, lines, qrUrl?, image?} (got ${describe(o.stamp)})`);
    const st = options(where, 'options.stamp', o.stamp, STAMP_KEYS);
    const stamp = {};
    for (const k of ['x', 'y', 'width', 'height']) {
      const v = st[k];
      if ((k === 'x' || k === 'y') && (v === undefined || v === null)) throw fail(where, `options.stamp.${k} is required: points from the page's ${k === 'x' ? 'left' : 'bottom'} edge`);
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(where, `options.stamp.${k} must be a number of points (got ${describe(v)})`);
      stamp[k] = v;
    }
    if (!Array.isArray(st.lines)) throw fail(where, `options.stamp.lines must be an array of strings, top to bottom (got ${describe(st.lines)})`);
    if (st.lines.length > 5) throw fail(where, `options.stamp.lines must have at most 5 lines (got ${st.lines.length})`, TOO_LARGE);
    stamp.lines = st.lines.map((l, i) => text(where, `options.stamp.lines[${i}]`, l, { max: 200 }));
    const qr = url(where, 'options.stamp.qrUrl', st.qrUrl);
    if (qr !== undefined) stamp.qrUrl = qr;
    if (st.image !== undefined && st.image !== null) {
      const image = file(where, 'options.stamp.image', st.image, { max: Infinity, allowText: false, what: "a PNG or JPEG file's bytes (Uint8Array or ArrayBuffer)" });
      if (image.byteLength > LIMITS.stampImageBytes) {
        throw new KunciError('pdf.stamp_image_too_large', `${where}: the stamp image is ${image.byteLength} bytes, over the limit of ${LIMITS.stampImageBytes}: make it smaller`);
      }
      stamp.image = image;
    }
    out.stamp = stamp;
  }
  if (signer.token && out.documentName === undefined) {
    throw fail(where, "options.documentName is required with a token signer: the extension's window shows it to the holder");
  }
  return [pdf, signer, out];
}

/** `pdfInfo(pdf)` → `[pdf]`. */
export function checkPdfInfo(args) {
  arity('pdfInfo', args, 1);
  return [pdfBytes('pdfInfo', args[0])];
}

/** `verifyPdf(pdf, options?)` → `[pdf, {trust, crls, ocsps, now}]`. */
export function checkVerifyPdf(args) {
  const where = 'verifyPdf';
  arity(where, args, 2);
  const pdf = pdfBytes(where, args[0]);
  const o = options(where, 'options', args[1], ['trust', 'revocation', 'now']);
  const out = { trust: fileList(where, 'options.trust', o.trust) ?? [], crls: [], ocsps: [] };
  if (o.revocation !== undefined && o.revocation !== null) {
    const r = options(where, 'options.revocation', o.revocation, ['crls', 'ocsps']);
    out.crls = fileList(where, 'options.revocation.crls', r.crls) ?? [];
    out.ocsps = (fileList(where, 'options.revocation.ocsps', r.ocsps) ?? []).map((x, i) => {
      if (typeof x === 'string') throw fail(where, `options.revocation.ocsps[${i}] must be the OCSP response's DER bytes`);
      return x;
    });
  }
  const now = time(where, 'options.now', o.now);
  if (now !== undefined) out.now = now;
  return [pdf, out];
}

/** Characters the extension refuses in a shown name: C0/C1 controls, bidi marks and overrides. */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * `token.signDigest({keyId, algorithm, digest, document: {name, size?}})` → the request with
 * `digest` as 64 lowercase hex digits (what the page posts: a Uint8Array does not survive the
 * content script's JSON round trip).
 */
export function checkTokenSignDigest(args) {
  const where = 'token.signDigest';
  arity(where, args, 1);
  if (!isPlainObject(args[0])) {
    throw fail(where, `request must be an object such as {keyId, algorithm: 'p256', digest: Uint8Array(32), document: {name: 'surat.pdf'}} (got ${describe(args[0])})`);
  }
  const o = options(where, 'request', args[0], ['keyId', 'algorithm', 'digest', 'document']);
  const keyId = text(where, 'request.keyId (the hex CKA_ID token.generateCsr gave)', o.keyId, { max: 128, nonEmpty: true });
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(keyId)) throw fail(where, `request.keyId must be hex, an even number of digits (got ${describe(keyId)})`);
  const algorithm = text(where, `request.algorithm (${TOKEN_ALGORITHMS.map((a) => `'${a}'`).join(' or ')})`, o.algorithm, { max: 64, nonEmpty: true });
  if (!TOKEN_ALGORITHMS.includes(algorithm)) {
    throw new KunciError('request.bad', `${where}: request.algorithm must be ${TOKEN_ALGORITHMS.join(' or ')} on a token (got "${algorithm}")`);
  }
  const digest = o.digest;
  if (!(digest instanceof Uint8Array) || digest.byteLength !== 32) {
    throw fail(where, `request.digest must be the SHA-256 digest as a Uint8Array of 32 bytes (got ${describe(digest)})`);
  }
  const d = options(where, 'request.document', o.document, ['name', 'size']);
  if (o.document === undefined || o.document === null) throw fail(where, `request.document must be an object such as {name: 'surat.pdf'} (got ${describe(o.document)})`);
  const name = text(where, 'request.document.name', d.name, { max: LIMITS.tokenDocumentNameChars, nonEmpty: true });
  if (name.trim().length === 0) throw fail(where, 'request.document.name must not be blank');
  if (UNSHOWABLE.test(name)) throw fail(where, 'request.document.name must not contain control or text-direction characters (the holder reads it)');
  const out = {
    keyId,
    algorithm,
    digest: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
    document: { name },
  };
  if (d.size !== undefined && d.size !== null) {
    if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
      throw fail(where, `request.document.size must be a whole number of bytes ≥ 0 (or be left out) (got ${describe(d.size)})`);
    }
    out.document.size = d.size;
  }
  return [out];
}

/** An `argument.invalid` KunciError, for the checks index.js and client.js make themselves (keys). */
export function invalid(where, message) {
  return fail(where, message);
}
