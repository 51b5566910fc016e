/**
 * The page side of kunci's worker: the same API as index.js, each call run in a Web Worker (a
 * browser) or a `worker_threads` Worker (Node), so key generation, PBKDF2 and PKCS#12 never
 * hold up the caller's thread.
 *
 * It behaves as the main-thread API does, so code can switch between the two:
 * - the same argument checks (args.js) run here, before anything is posted: a bad argument
 *   rejects with `argument.invalid`, and nothing that cannot be cloned (a function, the `token`
 *   namespace) ever reaches `postMessage`, where it would become a DataCloneError;
 * - errors are the package's one `KunciError` (errors.js), with the code the worker gave;
 * - `KeyPair` objects here are proxies holding a handle (the private key stays in the worker's
 *   WebAssembly memory); once freed, every method rejects and the `kind`/`publicKeySha256`
 *   getters throw with `key.freed`, as a freed main-thread key does.
 * If the worker dies, every pending call rejects with code `worker.crashed` instead of hanging.
 *
 * `signPdf` runs its flow (pdf.js) here, on the caller's side, and each wasm step in the
 * worker: the file key signs there, while the caller's hooks (`timestamp`, `fetchRevocation`)
 * and the token (the extension answers the page's window) stay on this side.
 */
import * as args from './args.js';
import { KunciError } from './errors.js';
import { signPdfFlow } from './pdf.js';

/** Starts a kunci worker and returns a client with the package's API. */
export async function createWorkerClient(options) {
  [options] = args.checkCreateWorkerClient(arguments);
  const worker = await startWorker(options.url);
  const pending = new Map();
  let nextId = 1;
  let dead = null;

  const failAll = (code, message) => {
    dead ??= new KunciError(code, message);
    for (const { reject } of pending.values()) reject(dead);
    pending.clear();
    worker.release();
  };
  worker.onMessage((data) => {
    const { id, ok, result, error } = data ?? {};
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    if (pending.size === 0) worker.release();
    if (ok) call.resolve(result);
    else call.reject(new KunciError(String(error?.code ?? 'worker.failed'), String(error?.message ?? 'the kunci worker failed')));
  });
  worker.onFailure((message) => failAll('worker.crashed', message || 'the kunci worker failed'));

  const call = (op, ...given) => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.hold();
      try {
        worker.post({ id, op, args: given });
      } catch (e) {
        // args.js let through only plain data, so this is a safety net, never the normal path.
        pending.delete(id);
        if (pending.size === 0) worker.release();
        reject(new KunciError('argument.invalid', `${op}: an argument cannot be sent to the worker (${e?.message ?? e})`));
      }
    });
  };

  // Per client: a key of another client (or of the main thread) is refused, as index.js refuses a worker's.
  const state = new WeakMap();

  const keyArg = (where, name, v) => {
    if (!state.has(v)) {
      throw args.invalid(where, `${name} must be a KeyPair of this worker client (from its KeyPair.generate, KeyPair.importEncrypted or readPkcs12) (got ${args.describe(v)})`);
    }
    return v;
  };

  const handleOf = (key) => {
    const s = state.get(keyArg('KeyPair', 'this', key));
    if (s.handle === undefined) throw new KunciError('key.freed', 'this key was freed: load it again from its encrypted file');
    return s.handle;
  };

  class WorkerKeyPair {
    /** @internal Made by the client from the worker's `{handle, kind, publicKeySha256}`. */
    constructor(info) {
      state.set(this, { ...info });
    }

    static async generate(algorithm) {
      [algorithm] = args.checkGenerate(arguments);
      return new WorkerKeyPair(await call('generateKey', algorithm));
    }

    static async importEncrypted(pkcs8, password) {
      [pkcs8, password] = args.checkImportEncrypted(arguments);
      return new WorkerKeyPair(await call('importEncrypted', pkcs8, password));
    }

    get kind() {
      handleOf(this);
      return state.get(this).kind;
    }

    get publicKeySha256() {
      handleOf(this);
      return state.get(this).publicKeySha256;
    }

    async publicKeyDer() {
      args.checkPublicKeyDer(arguments);
      return call('publicKeyDer', handleOf(this));
    }

    async exportEncrypted(password, opts) {
      [password, opts] = args.checkExportEncrypted(arguments);
      return call('exportEncrypted', handleOf(this), password, opts);
    }

    async free() {
      args.checkFree(arguments);
      const s = state.get(keyArg('KeyPair', 'this', this));
      if (s.handle === undefined) return;
      const h = s.handle;
      s.handle = undefined; // freed for the page at once, whatever the worker answers
      if (!dead) await call('freeKey', h);
    }
  }

  try {
    await call('init', options.init);
  } catch (e) {
    worker.terminate();
    failAll('worker.terminated', 'the kunci worker could not start');
    throw e;
  }

  // pdf.js's engine, each step posted to the worker (sessions are numbers there).
  const pdfEngine = {
    prepare: (pdf, certificate, chain, opts, key) =>
      call('pdfPrepare', pdf, certificate, chain, opts, key === undefined ? undefined : handleOf(key)),
    signWithKey: (session, key) => call('pdfSignWithKey', session, handleOf(key)),
    finish: (session, signature) => call('pdfFinish', session, signature),
    timestampRequest: (session, nonce) => call('pdfTimestampRequest', session, nonce),
    withTimestamp: (session, answer) => call('pdfWithTimestamp', session, answer),
    validationCertificates: (session) => call('pdfValidationCertificates', session),
    ocspPlan: (certificate, chain) => call('pdfOcspPlan', certificate, chain),
    crlDer: (crl) => call('pdfCrlDer', crl),
    complete: (session, dss, verify) => call('pdfComplete', session, dss, verify),
    drop: (session) => (dead ? Promise.resolve() : call('pdfDrop', session)),
  };

  return {
    KeyPair: WorkerKeyPair,
    async createCsr(key, request) {
      [key, request] = args.checkCreateCsr(arguments, keyArg);
      return call('createCsr', handleOf(key), request);
    },
    async verifyCsr(csr) {
      [csr] = args.checkVerifyCsr(arguments);
      return call('verifyCsr', csr);
    },
    async parseCertificate(cert) {
      [cert] = args.checkParseCertificate(arguments);
      return call('parseCertificate', cert);
    },
    async certificateMatchesKey(cert, key) {
      [cert, key] = args.checkCertificateMatchesKey(arguments, keyArg);
      return call('certificateMatchesKey', cert, handleOf(key));
    },
    async packPkcs12(key, cert, password, opts) {
      [key, cert, password, opts] = args.checkPackPkcs12(arguments, keyArg);
      return call('packPkcs12', handleOf(key), cert, password, opts);
    },
    async readPkcs12(p12, password) {
      [p12, password] = args.checkReadPkcs12(arguments);
      const r = await call('readPkcs12', p12, password);
      return { ...r, key: r.key ? new WorkerKeyPair(r.key) : null };
    },
    async passwordStrength(password, inputs, lang) {
      [password, inputs, lang] = args.checkPasswordStrength(arguments);
      return call('passwordStrength', password, inputs, lang);
    },
    async warmUpStrength() {
      args.checkWarmUpStrength(arguments);
      return call('warmUpStrength');
    },
    async signPdf(pdf, signer, opts) {
      [pdf, signer, opts] = args.checkSignPdf(arguments, keyArg);
      if (signer.key) handleOf(signer.key); // key.freed before any work
      return signPdfFlow(pdfEngine, pdf, signer, opts);
    },
    async verifyPdf(pdf, opts) {
      [pdf, opts] = args.checkVerifyPdf(arguments);
      // Posted as the caller would give it, so that the worker checks it again.
      return call('verifyPdf', pdf, { trust: opts.trust, revocation: { crls: opts.crls, ocsps: opts.ocsps }, now: opts.now });
    },
    async pdfInfo(pdf) {
      [pdf] = args.checkPdfInfo(arguments);
      return call('pdfInfo', pdf);
    },
    terminate() {
      args.checkNoArgs('terminate', arguments);
      worker.terminate();
      failAll('worker.terminated', 'the kunci worker was terminated');
    },
  };
}

/**
 * The worker, behind one small interface for both platforms: `post`, `onMessage(data)`,
 * `onFailure(message)`, `terminate`, and `hold`/`release` (Node: keep the process alive only
 * while a call is pending, so a forgotten client does not stop a script from exiting).
 */
async function startWorker(url) {
  if (typeof Worker === 'function') {
    // Written out literally: bundlers (Vite, webpack 5) recognise and bundle a worker only in
    // the exact form `new Worker(new URL('./worker.js', import.meta.url), …)`.
    const worker = url
      ? new Worker(url, { type: 'module' })
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    return {
      post: (m) => worker.postMessage(m),
      onMessage: (fn) => worker.addEventListener('message', (event) => fn(event.data)),
      onFailure: (fn) => {
        worker.addEventListener('error', (event) => fn(event.message));
        worker.addEventListener('messageerror', () => fn('a message from the kunci worker could not be read'));
      },
      terminate: () => worker.terminate(),
      hold() {},
      release() {},
    };
  }
  if (typeof process === 'object' && process?.versions?.node) {
    // Node has no global Worker (before 22 at least): worker_threads runs worker.js as an ES
    // module. A non-literal specifier and the ignore comments keep bundlers from following it.
    const name = ['node:', 'worker_threads'].join(''); // a constant would be folded by Vite 8
    const { Worker: NodeWorker } = await import(/* @vite-ignore */ /* webpackIgnore: true */ name);
    // Not `new URL('./worker.js', import.meta.url)`: bundlers would take that for an asset.
    const here = import.meta.url;
    const target = url === undefined ? new URL('worker.js', here)
      : url instanceof URL || /^[a-z][a-z0-9+.-]+:/i.test(url) ? new URL(url) : url;
    const worker = new NodeWorker(target);
    worker.unref();
    let stopping = false;
    return {
      post: (m) => worker.postMessage(m),
      onMessage: (fn) => worker.on('message', fn),
      onFailure: (fn) => {
        worker.on('error', (e) => fn(e?.message ?? String(e)));
        worker.on('messageerror', () => fn('a message from the kunci worker could not be read'));
        worker.on('exit', (code) => stopping || fn(`the kunci worker exited (code ${code})`));
      },
      terminate: () => {
        stopping = true;
        worker.terminate();
      },
      hold: () => worker.ref(),
      release: () => worker.unref(),
    };
  }
  throw new KunciError('worker.unsupported', 'createWorkerClient needs Web Workers (a browser) or Node worker_threads');
}
