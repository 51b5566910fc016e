/**
 * The page side of kunci's Web Worker: the same API as index.js, each call run in the worker.
 *
 * `KeyPair` objects here are proxies holding a handle; the private key itself stays in the
 * worker's WebAssembly memory. If the worker dies, every pending call rejects with code
 * "worker.crashed" instead of hanging.
 */

class WorkerKunciError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'KunciError';
    this.code = code;
  }
}

/** Starts a kunci worker and returns a client with the package's API. */
export async function createWorkerClient(options = {}) {
  // Written out literally: bundlers (Vite, webpack 5) recognise and bundle a worker only in
  // the exact form `new Worker(new URL('./worker.js', import.meta.url), …)`.
  const worker = options.url
    ? new Worker(options.url, { type: 'module' })
    : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const pending = new Map();
  let nextId = 1;
  let dead = null;

  const failAll = (code, message) => {
    dead = new WorkerKunciError(code, message);
    for (const { reject } of pending.values()) reject(dead);
    pending.clear();
  };
  worker.addEventListener('message', (event) => {
    const { id, ok, result, error } = event.data ?? {};
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    if (ok) call.resolve(result);
    else call.reject(new WorkerKunciError(error.code, error.message));
  });
  worker.addEventListener('error', (event) => failAll('worker.crashed', event.message || 'the kunci worker failed'));

  const call = (op, ...args) => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args });
    });
  };

  const handleOf = (key) => {
    if (!(key instanceof WorkerKeyPair)) throw new WorkerKunciError('wasm.bad_argument', 'expected a KeyPair of this client');
    if (key.handle === undefined) throw new WorkerKunciError('key.freed', 'this key was freed');
    return key.handle;
  };

  class WorkerKeyPair {
    constructor(info) {
      this.handle = info.handle;
      this.kind = info.kind;
      this.publicKeySha256 = info.publicKeySha256;
    }
    static async generate(algorithm) {
      return new WorkerKeyPair(await call('generateKey', algorithm));
    }
    static async importEncrypted(pkcs8, password) {
      return new WorkerKeyPair(await call('importEncrypted', pkcs8, password));
    }
    publicKeyDer() {
      return call('publicKeyDer', handleOf(this));
    }
    exportEncrypted(password, opts) {
      return call('exportEncrypted', handleOf(this), password, opts);
    }
    free() {
      if (this.handle !== undefined) {
        const h = this.handle;
        this.handle = undefined;
        return call('freeKey', h);
      }
      return Promise.resolve();
    }
  }

  await call('init', options.init ?? {});
  return {
    KeyPair: WorkerKeyPair,
    createCsr: (key, request) => call('createCsr', handleOf(key), request),
    verifyCsr: (csr) => call('verifyCsr', csr),
    parseCertificate: (cert) => call('parseCertificate', cert),
    certificateMatchesKey: (cert, key) => call('certificateMatchesKey', cert, handleOf(key)),
    packPkcs12: (key, cert, password, opts) => call('packPkcs12', handleOf(key), cert, password, opts),
    readPkcs12: async (p12, password) => {
      const r = await call('readPkcs12', p12, password);
      return { ...r, key: r.key ? new WorkerKeyPair(r.key) : undefined };
    },
    passwordStrength: (password, inputs, lang) => call('passwordStrength', password, inputs, lang),
    warmUpStrength: () => call('warmUpStrength'),
    terminate: () => {
      worker.terminate();
      failAll('worker.terminated', 'the kunci worker was terminated');
    },
  };
}
