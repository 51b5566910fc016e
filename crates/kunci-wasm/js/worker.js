/**
 * kunci's Web Worker entry: runs the whole API off the page's main thread.
 *
 * Keys generated or loaded here stay in this worker's WebAssembly memory; the page holds only
 * numeric handles (see client.js). Messages: `{id, op, args}` in, `{id, ok, result | error}` out.
 */
import * as kunci from './index.js';

const keys = new Map();
let nextHandle = 1;

function store(key) {
  const handle = nextHandle++;
  keys.set(handle, key);
  return { handle, kind: key.kind, publicKeySha256: key.publicKeySha256 };
}

function load(handle) {
  const key = keys.get(handle);
  if (!key) throw new kunci.KunciError('key.freed', 'this key was freed: load it again from its encrypted file');
  return key;
}

const ops = {
  init: (options) => kunci.init(options),
  generateKey: async (algorithm) => store(await kunci.KeyPair.generate(algorithm)),
  importEncrypted: async (pkcs8, password) => store(await kunci.KeyPair.importEncrypted(pkcs8, password)),
  exportEncrypted: (handle, password, options) => load(handle).exportEncrypted(password, options),
  publicKeyDer: (handle) => load(handle).publicKeyDer(),
  freeKey: (handle) => {
    keys.get(handle)?.free();
    keys.delete(handle);
  },
  createCsr: (handle, request) => kunci.createCsr(load(handle), request),
  verifyCsr: (csr) => kunci.verifyCsr(csr),
  parseCertificate: (cert) => kunci.parseCertificate(cert),
  certificateMatchesKey: (cert, handle) => kunci.certificateMatchesKey(cert, load(handle)),
  packPkcs12: (handle, cert, password, options) => kunci.packPkcs12(load(handle), cert, password, options),
  readPkcs12: async (p12, password) => {
    const r = await kunci.readPkcs12(p12, password);
    return { ...r, key: r.key ? store(r.key) : undefined };
  },
  passwordStrength: (password, inputs, lang) => kunci.passwordStrength(password, inputs, lang),
  warmUpStrength: () => kunci.warmUpStrength(),
};

self.addEventListener('message', async (event) => {
  const { id, op, args } = event.data ?? {};
  try {
    const fn = ops[op];
    if (!fn) throw new kunci.KunciError('worker.unknown_op', `unknown operation ${op}`);
    const result = await fn(...(args ?? []));
    self.postMessage({ id, ok: true, result });
  } catch (e) {
    self.postMessage({ id, ok: false, error: { code: e?.code ?? 'worker.failed', message: String(e?.message ?? e) } });
  }
});
