/**
 * kunci's worker entry: runs the whole API off the caller's thread, as a module Web Worker in
 * browsers or a `worker_threads` module in Node (client.js starts it either way).
 *
 * Keys generated or loaded here stay in this worker's WebAssembly memory; the page holds only
 * numeric handles (see client.js). Messages: `{id, op, args}` in, `{id, ok, result | error}` out.
 * The client has already checked the arguments (args.js); index.js checks them again here, so
 * a message posted by other code cannot trap the module either.
 *
 * No top-level await: Vite 5-7 bundle this file as an iife worker by default, which cannot
 * hold one.
 */
import * as kunci from './index.js';
import { engine as pdf } from './pdf.js';

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

// PDF signings in progress (pdf.js's sessions), by number; the page's flow drives them.
const sessions = new Map();
let nextSession = 1;

function session(id) {
  const s = sessions.get(id);
  if (!s) throw new kunci.KunciError('wasm.bad_state', 'this PDF signing is over');
  return s;
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
    return { ...r, key: r.key ? store(r.key) : null };
  },
  passwordStrength: (password, inputs, lang) => kunci.passwordStrength(password, inputs, lang),
  warmUpStrength: () => kunci.warmUpStrength(),
  pdfPrepare: async (bytes, certificate, chain, options, handle) => {
    const { session: s, ...rest } = await pdf.prepare(bytes, certificate, chain, options, handle === undefined ? undefined : load(handle));
    const id = nextSession++;
    sessions.set(id, s);
    return { session: id, ...rest };
  },
  pdfSignWithKey: (id, handle) => pdf.signWithKey(session(id), load(handle)),
  pdfFinish: (id, signature) => pdf.finish(session(id), signature),
  pdfTimestampRequest: (id, nonce) => pdf.timestampRequest(session(id), nonce),
  pdfWithTimestamp: (id, answer) => pdf.withTimestamp(session(id), answer),
  pdfValidationCertificates: (id) => pdf.validationCertificates(session(id)),
  pdfOcspPlan: (certificate, chain) => pdf.ocspPlan(certificate, chain),
  pdfCrlDer: (crl) => pdf.crlDer(crl),
  pdfComplete: async (id, dss, verify) => {
    const s = session(id);
    sessions.delete(id);
    return pdf.complete(s, dss, verify);
  },
  pdfDrop: async (id) => {
    const s = sessions.get(id);
    sessions.delete(id);
    if (s) await pdf.drop(s);
  },
  verifyPdf: (bytes, options) => kunci.verifyPdf(bytes, options),
  pdfInfo: (bytes) => kunci.pdfInfo(bytes),
};

/** Runs one message and posts its answer with `post`. */
async function handle(data, post) {
  const { id, op, args } = data ?? {};
  let answer;
  try {
    const fn = Object.hasOwn(ops, op) ? ops[op] : undefined;
    if (!fn) throw new kunci.KunciError('worker.unknown_op', `unknown operation ${String(op)}`);
    const result = await fn(...(Array.isArray(args) ? args : []));
    answer = { id, ok: true, result };
  } catch (e) {
    answer = { id, ok: false, error: { code: typeof e?.code === 'string' ? e.code : 'worker.failed', message: String(e?.message ?? e) } };
  }
  try {
    post(answer);
  } catch (e) {
    post({ id, ok: false, error: { code: 'worker.failed', message: `the answer could not be sent: ${e?.message ?? e}` } });
  }
}

if (typeof self === 'object' && self !== null && typeof self.postMessage === 'function') {
  self.addEventListener('message', (event) => handle(event.data, (m) => self.postMessage(m)));
} else {
  // Node's worker_threads: parentPort instead of self. A non-literal specifier and the ignore
  // comments keep bundlers from following it (see load.js).
  const name = ['node:', 'worker_threads'].join(''); // a constant would be folded by Vite 8
  import(/* @vite-ignore */ /* webpackIgnore: true */ name).then(({ parentPort }) => {
    parentPort.on('message', (data) => handle(data, (m) => parentPort.postMessage(m)));
  });
}
