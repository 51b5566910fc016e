/**
 * `signPdf` with a token signer, through the package's own `token.signDigest` and a stand-in
 * for the extension on a fake window (this file runs in its own process, so the window does
 * not leak into the other suites). The stand-in answers the protocol's ping and request as the
 * extension's content script does, and signs the digest it is given as PKCS#11 CKM_ECDSA does
 * (`openssl pkeyutl -sign` over the 32 bytes, for a P-256 key made by OpenSSL here); the
 * signed PDF must verify in kunci and pdfsig. What the extension is asked is checked: the key,
 * the algorithm, the digest (hex) and the document's name and size, and nothing else.
 * Skipped while the package's token API has no `signDigest` (it comes with the token work of
 * issue 17; extension/tests/ test the extension itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'kunci-pdf-token-'));
const openssl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
const seen = [];
const listeners = [];
const win = {
  location: { origin: 'https://ams.example.go.id', href: 'https://ams.example.go.id/' },
  addEventListener: (type, fn) => listeners.push(fn),
  postMessage(data) {
    setTimeout(() => {
      const emit = (d) => listeners.forEach((fn) => fn({ source: win, origin: win.location.origin, data: d }));
      if (data?.type === 'ping') emit({ kunci: 1, type: 'pong', extension: '0.1.0', protocol: 1 });
      if (data?.type !== 'request') return;
      seen.push({ op: data.op, params: data.params });
      writeFileSync(join(dir, 'digest.bin'), Buffer.from(data.params.digest, 'hex'));
      const signature = openssl('pkeyutl', '-sign', '-inkey', 'p256.key', '-in', 'digest.bin');
      emit({ kunci: 1, type: 'response', id: data.id, ok: true,
        result: { signature: signature.toString('base64'), algorithm: data.params.algorithm, keyId: data.params.keyId } });
    }, 0);
  },
};
globalThis.window = win;

const kunci = await import(new URL('../../pkg/index.js', import.meta.url));
const skip = typeof kunci.token.signDigest === 'function' ? false : 'the token API has no signDigest yet';

test('a token signer: only the digest goes to the extension, and the PDF verifies', { skip }, async () => {
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  openssl('req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '30', '-subj', '/C=ID/CN=Kunci Token Root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem');
  writeFileSync(join(dir, 'signer.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'p256.key');
  openssl('req', '-new', '-key', 'p256.key', '-subj', '/C=ID/CN=Penanda Tangan Token', '-out', 'p256.csr');
  openssl('x509', '-req', '-in', 'p256.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '7', '-days', '30', '-sha256',
    '-extfile', 'signer.ext', '-out', 'p256.pem');
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const pdf = new Uint8Array(readFileSync(new URL('../../../kunci-core/tests/vectors/pdf/plain.pdf', import.meta.url)));
  const { pdf: signed, report } = await kunci.signPdf(pdf,
    { token: { keyId: '0A1B', algorithm: 'p256' }, certificate: readFileSync(join(dir, 'p256.pem'), 'utf8'), chain: ca },
    { documentName: 'surat-keputusan.pdf', trust: ca });
  assert.equal(report.valid, true, JSON.stringify(report, null, 1));
  assert.equal(seen.length, 1);
  assert.equal(seen[0].op, 'token.signDigest');
  const p = seen[0].params;
  assert.deepEqual(Object.keys(p).sort(), ['algorithm', 'digest', 'document', 'keyId']);
  assert.equal(p.algorithm, 'p256');
  assert.match(p.digest, /^[0-9a-f]{64}$/);
  assert.deepEqual(p.document, { name: 'surat-keputusan.pdf', size: pdf.length });
  const path = join(dir, 'signed.pdf');
  writeFileSync(path, signed);
  const sig = spawnSync('pdfsig', [path], { encoding: 'utf8' });
  if (!sig.error) assert.match(`${sig.stdout}${sig.stderr}`, /Signature is Valid\./);
  // The token's key is not the certificate's (an RSA certificate for a P-256 token key): refused before the PIN.
  await assert.rejects(kunci.signPdf(pdf, { token: { keyId: '0a1b', algorithm: 'rsa2048' }, certificate: readFileSync(join(dir, 'p256.pem'), 'utf8') },
    { documentName: 'x.pdf' }), (e) => e.code === 'cert.key_mismatch');
  assert.equal(seen.length, 1);
});
