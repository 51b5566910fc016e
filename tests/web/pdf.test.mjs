/**
 * `signPdf` and `verifyPdf` in Chromium (issue 17): a P-256 file key on the page's main thread
 * and an RSA-2048 key in the worker client (Web Worker), B-T from a same-origin `/tsa` that
 * this test serves with `openssl ts -reply` (as kunci-ams serves its own), judged by pdfsig
 * (its output read) and `qpdf --check`; the PDF module fetched only on the first PDF call; a
 * token signer without the extension (`extension.absent`). The Node suite
 * (crates/kunci-wasm/tests/node/pdf.test.mjs) covers B-LT, pyHanko and the failures in depth.
 */

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { forwardPageErrors, launch } from './browser.mjs';
import { PAGE_HELPERS, ROOT, fromBase64, packageSkipReason, run, runOk, servePackage, tempDir, toBase64 } from './common.mjs';

const skip = packageSkipReason();
const PASSWORD = 'kunci-pdf-web-1';

describe('PDF signatures in Chromium', { skip, timeout: 600_000 }, () => {
  let browser;
  let server;
  let page;
  let scratch;
  const file = (name) => join(scratch.dir, name);
  const openssl = (...a) => runOk('openssl', a, { cwd: scratch.dir });
  const fetched = [];

  before(async () => {
    scratch = await tempDir('kunci-pdf-web-');
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
    openssl('req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '30', '-subj', '/C=ID/CN=Kunci PDF Web Root',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem');
    writeFileSync(file('signer.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n');
    writeFileSync(file('tsa.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n');
    for (const [name, alg, opt] of [['p256', 'EC', 'ec_paramgen_curve:P-256'], ['rsa', 'RSA', 'rsa_keygen_bits:2048'], ['tsa', 'EC', 'ec_paramgen_curve:P-256']]) {
      openssl('genpkey', '-algorithm', alg, '-pkeyopt', opt, '-out', `${name}.key`);
      openssl('req', '-new', '-key', `${name}.key`, '-subj', `/C=ID/CN=Kunci PDF Web ${name}`, '-out', `${name}.csr`);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30',
        '-sha256', '-extfile', name === 'tsa' ? 'tsa.ext' : 'signer.ext', '-out', `${name}.pem`);
      openssl('pkcs8', '-topk8', '-in', `${name}.key`, '-v2', 'aes-256-cbc', '-iter', '100000', '-passout', `pass:${PASSWORD}`,
        '-out', `${name}.enc.pem`);
    }
    writeFileSync(file('ts.cnf'), '[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = ./tsaserial\nsigner_digest = sha256\n'
      + 'default_policy = 1.3.6.1.4.1.99999.1\ndigests = sha256\ness_cert_id_alg = sha256\nsigner_cert = ./tsa.pem\n'
      + 'signer_key = ./tsa.key\ncerts = ./ca.pem\n');
    writeFileSync(file('tsaserial'), '01\n');
    let n = 0;
    server = await servePackage([
      {
        // The portal's /tsa, same origin as the page: POST application/timestamp-query.
        path: '/tsa',
        handler: (req, body) => {
          fetched.push(req.headers['content-type']);
          n++;
          writeFileSync(file(`q${n}.tsq`), body);
          openssl('ts', '-reply', '-config', 'ts.cnf', '-queryfile', `q${n}.tsq`, '-out', `r${n}.tsr`);
          return { type: 'application/timestamp-reply', body: readFileSync(file(`r${n}.tsr`)) };
        },
      },
    ]);
    browser = await launch();
    page = await browser.newPage();
    forwardPageErrors(page, 'pdf');
    await page.addInitScript(PAGE_HELPERS);
    await page.goto(`${server.url}/`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await scratch?.remove();
  });

  const judged = (b64, name) => {
    const path = file(name);
    writeFileSync(path, fromBase64(b64));
    const sig = run('pdfsig', [path]);
    const text = `${sig.stdout}${sig.stderr}`;
    assert.match(text, /Signature is Valid\./, `pdfsig: ${text}`);
    const check = run('qpdf', ['--check', path]);
    assert.ok(check.status === 0 && check.stdout.includes('No syntax or stream encoding errors'), `qpdf: ${check.stdout}`);
  };

  it('signs B-T on the main thread (P-256) and in the worker (RSA-2048), fetching the PDF module only then', async () => {
    const input = toBase64(readFileSync(join(ROOT, 'crates/kunci-core/tests/vectors/pdf/form.pdf')));
    const r = await page.evaluate(async ([pdfB64, p256Key, p256Cert, rsaKey, rsaCert, ca, pw]) => {
      const k = await import('/pkg/index.js');
      const pdfWasm = () => performance.getEntriesByType('resource').filter((e) => e.name.includes('kunci_pdf_bg.wasm')).length;
      const key = await k.KeyPair.importEncrypted(p256Key, pw);
      const before = pdfWasm();
      const one = await k.signPdf(__unb64(pdfB64), { key, certificate: p256Cert, chain: ca },
        { profile: 'B-T', tsaUrl: '/tsa', trust: ca, reason: 'Uji Chromium' });
      const client = await k.createWorkerClient();
      try {
        const wkey = await client.KeyPair.importEncrypted(rsaKey, pw);
        const two = await client.signPdf(one.pdf, { key: wkey, certificate: rsaCert, chain: ca }, { profile: 'B-T', tsaUrl: '/tsa' });
        const report = await client.verifyPdf(two.pdf, { trust: ca });
        const token = await k.signPdf(__unb64(pdfB64), { token: { keyId: '0a1b', algorithm: 'p256' }, certificate: p256Cert },
          { documentName: 'surat.pdf' }).catch(__err);
        return {
          before, after: pdfWasm(), oneValid: one.report.valid, level: one.report.signatures[0].level,
          pdf: __b64(two.pdf), report, token,
        };
      } finally {
        client.terminate();
      }
    }, [input, readFileSync(file('p256.enc.pem'), 'utf8'), readFileSync(file('p256.pem'), 'utf8'),
      readFileSync(file('rsa.enc.pem'), 'utf8'), readFileSync(file('rsa.pem'), 'utf8'), readFileSync(file('ca.pem'), 'utf8'), PASSWORD]);
    assert.equal(r.before, 0, 'the PDF module was fetched before the first PDF call');
    assert.ok(r.after >= 1);
    assert.equal(r.oneValid, true);
    assert.equal(r.level, 'B-T');
    assert.deepEqual(fetched, ['application/timestamp-query', 'application/timestamp-query']);
    assert.equal(r.report.valid, true, JSON.stringify(r.report, null, 1));
    assert.deepEqual(r.report.signatures.map((s) => s.level), ['B-T', 'B-T']);
    assert.equal(r.token.code, 'extension.absent');
    judged(r.pdf, 'two.pdf');
  });
});
