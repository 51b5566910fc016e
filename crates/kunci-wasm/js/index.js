/**
 * kunci: certificate keys, CSRs, encrypted PKCS#8, PKCS#12, certificates, password strength
 * and PDF signatures in any web page, in Rust compiled to WebAssembly.
 *
 * This file is the idiomatic layer over the wasm-bindgen exports (./wasm/kunci_core.js,
 * ./wasm/kunci_strength.js and, through pdf.js, ./wasm/kunci_pdf.js, whose .wasm files load.js
 * fetches on first use): Promises
 * everywhere, camelCase reports, `KunciError` with the core's stable `code`, and the routing
 * of the heavy primitives to the browser's own WebCrypto where it is faster (RSA key
 * generation, PBKDF2, RSA signatures), with the pure-Rust path as the fallback. The USB-token API (`token`, talking to the kunci
 * browser extension) lives in token.js. Types and documentation: index.d.ts.
 */
import * as core from './wasm/kunci_core.js';

import * as args from './args.js';
import { runSliced } from './chunk.js';
import { KunciError } from './errors.js';
import { ensureExtra, generateInRust, intoCore } from './extra.js';
import { configure, ensureCore, ensureStrength } from './load.js';
import { engine as pdfEngine, signPdfFlow, useKeyHandles, verifyPdfFlow } from './pdf.js';
import { warmUp } from './strength.js';
import * as token from './token.js';

export { createWorkerClient } from './client.js';
export { KunciError, token };

const DEFAULT_ITERATIONS = 600000;
const RSA_BITS = { rsa2048: 2048, rsa3072: 3072, rsa4096: 4096 };

/** Loads the core module now (optional: every call does it on first use). */
export async function init(options) {
  [options] = args.checkInit(arguments);
  configure(options);
  return ensureCore();
}

/** Runs `fn`, turning wasm errors (plain Errors with a `code`) into KunciError. */
async function guard(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof KunciError) throw e;
    if (e && typeof e.code === 'string') throw new KunciError(e.code, e.message);
    throw e;
  }
}

const handles = new WeakMap();

/** The key argument check of args.js's `check*` for this thread's keys (a worker's are refused). */
function keyArg(where, name, v) {
  if (!(v instanceof KeyPair)) {
    throw args.invalid(where, `${name} must be a KeyPair made by KeyPair.generate, KeyPair.importEncrypted or readPkcs12 (got ${args.describe(v)})`);
  }
  return v;
}

function handleOf(key) {
  keyArg('KeyPair', 'this', key);
  const h = handles.get(key);
  if (!h) throw new KunciError('key.freed', 'this key was freed: load it again from its encrypted file');
  return h;
}

useKeyHandles(handleOf);

/**
 * A private key held inside WebAssembly memory; it leaves only encrypted. (An RSA key that
 * signs a CSR also gets a non-extractable WebCrypto copy, which no script can read back: see
 * rsaSignerOf. `free()` drops both.)
 */
export class KeyPair {
  /** @internal Use KeyPair.generate, KeyPair.importEncrypted or readPkcs12. */
  constructor(handle) {
    handles.set(this, handle);
  }

  static async generate(algorithm) {
    [algorithm] = args.checkGenerate(arguments);
    await ensureCore();
    const bits = RSA_BITS[algorithm];
    if (bits && subtle()) {
      try {
        return new KeyPair(await rsaFromWebCrypto(bits));
      } catch {
        // WebCrypto refused (an unusual browser policy): fall back to the pure-Rust path.
      }
    }
    return guard(async () => new KeyPair(bits ? await generateInRust(algorithm) : core.Key.generate(algorithm)));
  }

  static async importEncrypted(pkcs8, password) {
    [pkcs8, password] = args.checkImportEncrypted(arguments);
    await ensureCore();
    return guard(async () => {
      const job = (await ensureExtra()).DecryptJob.prepare(bytes(pkcs8));
      const request = job.derivation();
      if (request) {
        const derived = await deriveAll([request], password);
        return new KeyPair(intoCore(derived ? job.finish(derived[0]) : job.finishInRust(password)));
      }
      // scrypt (`openssl pkcs8 -topk8 -scrypt`): no WebCrypto equivalent, and about a quarter
      // of a second of wasm at OpenSSL's N = 16384, so it runs in slices that yield.
      const derived = await scryptInSlices(job, password);
      try {
        return new KeyPair(intoCore(derived ? job.finish(derived) : job.finishInRust(password)));
      } finally {
        derived?.fill(0);
      }
    });
  }

  get kind() {
    return handleOf(this).kind;
  }

  get publicKeySha256() {
    return handleOf(this).publicKeySha256;
  }

  publicKeyDer() {
    args.checkPublicKeyDer(arguments);
    return handleOf(this).publicKeyDer();
  }

  async exportEncrypted(password, options) {
    [password, options] = args.checkExportEncrypted(arguments);
    const key = handleOf(this);
    return guard(async () => {
      const job = core.EncryptJob.prepare(key, password, options.iterations ?? DEFAULT_ITERATIONS);
      const derived = await deriveAll([job.derivation()], password);
      return derived ? job.finish(derived[0]) : job.finishInRust(password);
    });
  }

  free() {
    args.checkFree(arguments);
    const h = handles.get(this);
    if (h) {
      handles.delete(this);
      rsaSigners.delete(this); // the WebCrypto copy goes with the wasm one (see rsaSignerOf)
      h.free();
    }
  }
}

export async function createCsr(key, request) {
  [key, request] = args.checkCreateCsr(arguments, keyArg);
  await ensureCore();
  const h = handleOf(key);
  const subject = typeof request.subject === 'string' ? request.subject : snakeKeys(request.subject);
  return guard(async () => {
    // RSA signs through WebCrypto, off the main thread (an RSA-4096 signature in wasm is
    // about 50 ms of it); P-256 signs in wasm (a few ms), and so does RSA without WebCrypto.
    const signer = await rsaSignerOf(key, h);
    const live = handleOf(key); // key.freed if free() ran while WebCrypto imported the key
    const tbs = core.CsrToSign.prepare(live, subject, request.email, request.challengePassword);
    let signature;
    try {
      signature = signer ? new Uint8Array(await subtle().sign('RSASSA-PKCS1-v1_5', signer, tbs.bytes())) : null;
    } catch {
      signature = null;
    }
    // In wasm beside the key: P-256, and RSA without WebCrypto (or when it refused).
    signature ??= handleOf(key).sign(tbs.bytes());
    return tbs.finish(signature); // checks the signature against the key
  });
}

export async function verifyCsr(csr) {
  [csr] = args.checkVerifyCsr(arguments);
  await ensureCore();
  return guard(() => camelKeys(core.verifyCsr(bytes(csr))));
}

export async function parseCertificate(cert) {
  [cert] = args.checkParseCertificate(arguments);
  await ensureCore();
  return guard(() => camelKeys(core.parseCertificate(bytes(cert))));
}

export async function certificateMatchesKey(cert, key) {
  [cert, key] = args.checkCertificateMatchesKey(arguments, keyArg);
  await ensureCore();
  return guard(() => core.certificateMatchesKey(bytes(cert), handleOf(key)));
}

export async function packPkcs12(key, cert, password, options) {
  [key, cert, password, options] = args.checkPackPkcs12(arguments, keyArg);
  await ensureCore();
  const h = handleOf(key);
  return guard(async () => {
    const chain = chainDer(options.chain);
    const job = core.PackJob.prepare(
      h, bytes(cert), chain, password, !!options.legacy,
      options.iterations ?? DEFAULT_ITERATIONS, options.friendlyName ?? undefined,
    );
    // The PKCS#12 KDF work (MAC key; legacy cipher keys) needs only the password and its
    // salts: start WebCrypto's PBKDF2 (on the browser's own threads) first, then run that
    // work here in slices that yield, instead of in one ~180 ms piece after them.
    const derivedSoon = deriveAll(Array.from(job.derivations()), password);
    await runSliced(job);
    const derived = await derivedSoon;
    return derived ? job.finish(derived) : job.finishInRust(password);
  });
}

export async function readPkcs12(p12, password) {
  [p12, password] = args.checkReadPkcs12(arguments);
  await ensureCore();
  return guard(async () => {
    // The MAC key first, in slices that yield (a wrong password stops there, before any
    // PBKDF2), then a legacy file's cipher keys, in slices too, while WebCrypto derives.
    const start = (await ensureExtra()).ReadStart.begin(bytes(p12), password);
    await runSliced(start);
    const job = start.verify();
    const derivedSoon = deriveAll(Array.from(job.derivations()), password);
    await runSliced(job);
    const derived = await derivedSoon;
    const result = derived ? job.finish(derived) : job.finishInRust(password);
    const handle = intoCore(result.takeKey());
    const report = camelKeys(result.report);
    result.free();
    return { ...report, key: handle ? new KeyPair(handle) : null };
  });
}

export async function passwordStrength(password, inputs, lang) {
  [password, inputs, lang] = args.checkPasswordStrength(arguments);
  const strength = await ensureStrength();
  await warmUp(strength, { urgent: true }); // the one-time set-up in pieces (strength.js)
  return guard(() => camelKeys(strength.passwordStrength(password, snakeKeys(inputs ?? {}), lang)));
}

/** Loads the strength module and builds its dictionaries in idle time, ahead of the first check. */
export async function warmUpStrength() {
  args.checkWarmUpStrength(arguments);
  await warmUp(await ensureStrength());
}

/**
 * Signs a PDF (PAdES B-B, B-T or B-LT) with a file key (here, in wasm) or a token (through
 * the extension: only the digest leaves the page). See pdf.js and index.d.ts.
 */
export async function signPdf(pdf, signer, options) {
  [pdf, signer, options] = args.checkSignPdf(arguments, keyArg);
  if (signer.key) handleOf(signer.key); // key.freed before any work
  return guard(() => signPdfFlow(pdfEngine, pdf, signer, options));
}

/** The pages of a PDF with their sizes in points: where {@link signPdf}'s stamp may go. */
export async function pdfInfo(pdf) {
  [pdf] = args.checkPdfInfo(arguments);
  return guard(() => pdfEngine.info(pdf));
}

/** Verifies every signature of a PDF into a report with stable codes, in Indonesian and English. */
export async function verifyPdf(pdf, options) {
  [pdf, options] = args.checkVerifyPdf(arguments);
  return guard(() => verifyPdfFlow(pdfEngine, pdf, options));
}

// ---- WebCrypto routing -------------------------------------------------------------------

function subtle() {
  return globalThis.crypto?.subtle;
}

async function rsaFromWebCrypto(bits) {
  const s = subtle();
  const pair = await s.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const der = new Uint8Array(await s.exportKey('pkcs8', pair.privateKey));
  try {
    return core.Key.fromPkcs8Der(der);
  } finally {
    der.fill(0); // the key now lives in wasm memory only
  }
}

/**
 * The WebCrypto signing key of an RSA KeyPair, or null (a P-256 key, no WebCrypto, or a
 * refusal: the caller signs in wasm). Made on first use by importing the key's PKCS#8 DER
 * as a non-extractable RSASSA-PKCS1-v1_5 SHA-256 key (the DER leaves wasm only for that
 * import and is zeroed at once, as in rsaFromWebCrypto), then kept per KeyPair until `free()`.
 * PKCS#1 v1.5 signatures are deterministic: the CSR is the one wasm would have signed.
 */
const rsaSigners = new WeakMap();

function rsaSignerOf(key, h) {
  if (!h.kind.startsWith('RSA') || !subtle()) return Promise.resolve(null);
  let signer = rsaSigners.get(key);
  if (!signer) {
    const der = h.rsaPkcs8DerForWebCrypto();
    try {
      signer = subtle()
        .importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
        .catch(() => null);
    } finally {
      der.fill(0); // importKey copied the bytes before returning its promise
    }
    rsaSigners.set(key, signer);
  }
  return signer;
}

/**
 * A PKCS#8 file's scrypt derivation in Rust, in slices that yield (see chunk.js), or null
 * when the file is not scrypt with a CBC cipher (the caller then finishes in Rust).
 */
async function scryptInSlices(job, password) {
  const task = job.scryptTask(password);
  if (!task) return null;
  try {
    // One BlockMix call (r = 8) is about 7 µs of wasm on a desktop: start small, so that the
    // first slice stays short on a slow phone too; runSliced sizes the rest.
    await runSliced(task, 256);
    return task.output();
  } finally {
    task.free(); // zeroes the 16 MiB table and the password copy in wasm
  }
}

/**
 * Runs a job's PBKDF2 derivations: with WebCrypto, all at once (on the browser's own
 * threads), and those WebCrypto cannot run (no WebCrypto, SHA-224, or a refusal) in Rust
 * on this thread, in slices that yield to the event loop (`Pbkdf2Task`), so that even the
 * fallback never blocks a page for the whole derivation. Returns null only for a request a
 * job could not describe, and the caller finishes in Rust instead.
 */
async function deriveAll(requests, password) {
  if (requests.some((r) => !r)) return null;
  if (requests.length === 0) return [];
  const s = subtle();
  let base;
  if (s && requests.some((r) => r.webcrypto !== false)) {
    try {
      base = await s.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
    } catch {
      base = undefined; // derive them all in Rust below
    }
  }
  const fromWebCrypto = requests.map((r) =>
    base && r.webcrypto !== false
      ? s
          .deriveBits({ name: 'PBKDF2', salt: r.salt, iterations: r.iterations, hash: r.hash }, base, r.keyLength * 8)
          .then((bits) => new Uint8Array(bits), () => null)
      : null,
  );
  const derived = [];
  for (const [i, r] of requests.entries()) {
    derived.push((await fromWebCrypto[i]) ?? (await deriveInSlices(r, password)));
  }
  return derived;
}

/** One PBKDF2 derivation in Rust, in slices that yield (see chunk.js). */
async function deriveInSlices(request, password) {
  const task = core.Pbkdf2Task.start(request.salt, request.iterations, request.hash, request.keyLength, password);
  try {
    await runSliced(task);
    return task.output();
  } finally {
    task.free();
  }
}

// ---- type translation --------------------------------------------------------------------

function bytes(input) {
  if (typeof input === 'string') return new TextEncoder().encode(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new KunciError('argument.invalid', 'expected a PEM string or bytes (Uint8Array)'); // args.js checks first
}

function chainDer(chain) {
  if (chain === undefined || chain === null) return [];
  const items = Array.isArray(chain) ? chain : [chain];
  return items.flatMap((c) => Array.from(core.certificatesDer(bytes(c))));
}

function camelKeys(value) {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camelKeys(v)]),
    );
  }
  return value;
}

function snakeKeys(value) {
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]),
  );
}
