// kunci in a web page: a P-256 key and its CSR made on the page, another made in kunci's Web
// Worker, and a password judged in Indonesian. The same file serves every example (import
// map, Vite, webpack, esbuild): `kunci` is a bare import each setup resolves its own way.
import { KeyPair, createCsr, createWorkerClient, passwordStrength } from 'kunci';

const show = (id, text) => (document.getElementById(id).textContent = text);
const request = { subject: { commonName: 'Budi Santoso', country: 'ID' }, email: 'budi@example.co.id' };
// Errors are shown, not thrown, so that a reader (or the test) sees why a part failed.
const report = (id) => (e) => show(id, `${e.code ?? 'error'}: ${e.message}`);

KeyPair.generate('p256')
  .then((key) => createCsr(key, request))
  .then((csr) => show('csr', csr.pem), report('csr'));
createWorkerClient()
  .then(async (worker) => (await worker.createCsr(await worker.KeyPair.generate('p256'), request)).pem)
  .then((pem) => show('worker-csr', pem), report('worker-csr'));
passwordStrength('kucingku lucu sekali', { name: 'Budi Santoso' }, 'id')
  .then((s) => show('strength', `${s.percent}% (${s.accepted ? 'diterima' : 'ditolak'})`), report('strength'));
