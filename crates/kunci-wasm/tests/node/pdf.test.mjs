/**
 * `signPdf` and `verifyPdf` of the npm package in Node 20, judged by outside tools: poppler's
 * pdfsig (its output is read: it exits 0 on a digest mismatch too), pyHanko (`sign validate`;
 * `sign adesverify` for B-LT) and `qpdf --check`, and by kunci's own verifier. RSA-2048 and
 * P-256 file keys, B-B, B-T (timestamps from `openssl ts -reply` through the `timestamp` hook,
 * and over HTTP from a local server through `tsaUrl`) and B-LT (an OCSP answer from
 * `openssl ocsp` through `fetchRevocation`, and a CRL from `openssl ca -gencrl`); the worker
 * client; a tampered file, a file signed by pyHanko; the failures with their codes.
 *
 * The PKI is made by OpenSSL on each run (certificates expire); the PDFs are kunci-core's
 * vectors (crates/kunci-core/tests/vectors/pdf/gen.sh makes them with qpdf). Judges that are
 * not installed are skipped, unless KUNCI_REQUIRE_JUDGES=1 (as `cargo xtask ci` sets).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const kunci = await import(new URL('../../pkg/index.js', import.meta.url));
const { KeyPair, KunciError, pdfInfo, signPdf, verifyPdf } = kunci;

const VECTORS = new URL('../../../kunci-core/tests/vectors/pdf/', import.meta.url);
const vector = (name) => new Uint8Array(readFileSync(new URL(name, VECTORS)));
const REQUIRE = process.env.KUNCI_REQUIRE_JUDGES === '1';
const PASSWORD = 'kunci-pdf-node-1';
const OCSP_URL = 'http://ocsp.kunci.test/ocsp';

const dir = mkdtempSync(join(tmpdir(), 'kunci-pdf-node-'));
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const write = (name, text) => writeFileSync(join(dir, name), text);
const read = (name) => readFileSync(join(dir, name));

/** A judge program, or null (skipped) when it is not installed. */
function judge(name, candidates = [name]) {
  for (const c of candidates) {
    if (!c) continue;
    const found = c.includes('/') ? existsSync(c) : spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
    if (found) return c;
  }
  if (REQUIRE) throw new Error(`${name} is missing and KUNCI_REQUIRE_JUDGES=1`);
  console.log(`SKIPPED: ${name} is not installed`);
  return null;
}

const pdfsig = judge('pdfsig');
const qpdf = judge('qpdf');
const certutil = pdfsig ? judge('certutil') : null;
const pyhanko = judge('pyhanko', [
  process.env.KUNCI_PYHANKO,
  new URL('../../../../target/pyenv/bin/pyhanko', import.meta.url).pathname,
  'pyhanko',
]);

// ---- the PKI (OpenSSL) -------------------------------------------------------------------

openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
openssl('req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '3650', '-subj', '/C=ID/O=Kunci PDF Node/CN=Kunci PDF Node Root',
  '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  '-addext', 'subjectKeyIdentifier=hash', '-out', 'ca.pem');
write('signer.ext', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n'
  + 'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
// The same with the responder's URL (authorityInfoAccess), for B-LT's default; only kunci and
// pyHanko judge it, since NSS (pdfsig) fails a certificate whose responder it cannot reach.
write('aia.ext', `${readFileSync(join(dir, 'signer.ext'), 'utf8')}authorityInfoAccess=OCSP;URI:${OCSP_URL}\n`);
write('noku.ext', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyEncipherment\n');
write('tsa.ext', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n'
  + 'extendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
const SERIALS = { rsa: 11, p256: 12, noku: 13, tsa: 14, p256aia: 15 };
for (const [name, alg, cn, ext] of [
  ['rsa', 'RSA', 'Penanda Tangan RSA', 'signer.ext'],
  ['p256', 'EC', 'Penanda Tangan P-256', 'signer.ext'],
  ['noku', 'EC', 'Tanpa Tanda Tangan', 'noku.ext'],
  ['tsa', 'EC', 'Kunci PDF Node TSA', 'tsa.ext'],
]) {
  openssl('genpkey', '-algorithm', alg, '-pkeyopt', alg === 'RSA' ? 'rsa_keygen_bits:2048' : 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  openssl('req', '-new', '-key', `${name}.key`, '-subj', `/C=ID/O=Kunci PDF Node/CN=${cn}`, '-out', `${name}.csr`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(SERIALS[name]),
    '-days', '1000', '-sha256', '-extfile', ext, '-out', `${name}.pem`);
  openssl('pkcs8', '-topk8', '-in', `${name}.key`, '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256', '-iter', '100000',
    '-passout', `pass:${PASSWORD}`, '-out', `${name}.enc.pem`);
}
write('ts.cnf', '[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\nserial = ./tsaserial\nsigner_digest = sha256\n'
  + 'default_policy = 1.3.6.1.4.1.99999.1\ndigests = sha256\naccuracy = secs:1\ness_cert_id_alg = sha256\n'
  + 'signer_cert = ./tsa.pem\nsigner_key = ./tsa.key\ncerts = ./ca.pem\n');
write('tsaserial', '01\n');
openssl('x509', '-req', '-in', 'p256.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '15', '-days', '1000', '-sha256',
  '-extfile', 'aia.ext', '-out', 'p256aia.pem');
// The CA database `openssl ca -gencrl` and `openssl ocsp -index` read: every certificate valid.
write('index.txt', Object.entries(SERIALS).map(([name, serial]) => {
  const end = openssl('x509', '-in', `${name}.pem`, '-noout', '-enddate').trim().replace('notAfter=', '');
  const subject = openssl('x509', '-in', `${name}.pem`, '-noout', '-subject', '-nameopt', 'compat').trim().replace('subject=', '');
  return `V\t${indexDate(end)}\t\t${serial.toString(16).toUpperCase().padStart(2, '0')}\tunknown\t${subject}\n`;
}).join(''));
write('ca.cnf', '[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = ./index.txt\ncrlnumber = ./crlnumber\n'
  + 'default_md = sha256\ndefault_crl_days = 30\ncertificate = ./ca.pem\nprivate_key = ./ca.key\n');
write('crlnumber', '01\n');
write('index.txt.attr', 'unique_subject = no\n'); // p256 and p256aia share a subject
openssl('ca', '-config', 'ca.cnf', '-gencrl', '-out', 'ca.crl.pem');
if (certutil) {
  execFileSync('mkdir', ['-p', join(dir, 'nssdb')]);
  execFileSync(certutil, ['-N', '-d', `sql:${join(dir, 'nssdb')}`, '--empty-password']);
  execFileSync(certutil, ['-A', '-d', `sql:${join(dir, 'nssdb')}`, '-n', 'Kunci PDF Node Root', '-t', 'C,C,C', '-i', join(dir, 'ca.pem')]);
}

/** `Sep  2 10:50:00 2029 GMT` → `290902105000Z`, as index.txt writes dates. */
function indexDate(text) {
  const [mon, day, hms, year] = text.split(/\s+/);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(mon) + 1;
  return `${year.slice(2)}${String(month).padStart(2, '0')}${day.padStart(2, '0')}${hms.replaceAll(':', '')}Z`;
}

let counter = 0;
/** `openssl ts -reply` for a DER TimeStampReq: the TSA. */
function tsa(query) {
  const n = ++counter;
  writeFileSync(join(dir, `q${n}.tsq`), query);
  openssl('ts', '-reply', '-config', 'ts.cnf', '-queryfile', `q${n}.tsq`, '-out', `r${n}.tsr`);
  return new Uint8Array(read(`r${n}.tsr`));
}

/** `openssl ocsp` answering as the root's responder: the OCSP responder. */
function ocsp(request) {
  const n = ++counter;
  writeFileSync(join(dir, `q${n}.ocq`), request);
  openssl('ocsp', '-index', 'index.txt', '-CA', 'ca.pem', '-rsigner', 'ca.pem', '-rkey', 'ca.key', '-ndays', '7',
    '-reqin', `q${n}.ocq`, '-respout', `r${n}.ocr`);
  return new Uint8Array(read(`r${n}.ocr`));
}

const keys = {
  rsa: await KeyPair.importEncrypted(read('rsa.enc.pem'), PASSWORD),
  p256: await KeyPair.importEncrypted(read('p256.enc.pem'), PASSWORD),
};
const cert = (name) => read(`${name}.pem`).toString();
const CA = cert('ca');

async function rejectsWith(promise, code, message) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof KunciError, `expected KunciError, got ${e?.stack ?? e}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

function save(bytes, name) {
  const path = join(dir, `${++counter}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

const out = (r) => `${r.stdout}${r.stderr}`;

/** Every judge on a file that must hold `n` valid signatures (the newest of `level`). */
async function judgedValid(pdf, n, level) {
  const report = await verifyPdf(pdf, { trust: CA });
  assert.equal(report.valid, true, JSON.stringify(report, null, 1));
  assert.equal(report.signatures.length, n);
  const last = report.signatures[n - 1];
  assert.equal(last.level, level);
  const codes = last.findings.map((f) => f.code);
  for (const c of ['pdf.verify.digest_ok', 'pdf.verify.signature_ok', 'pdf.verify.chain_trusted', 'pdf.verify.signing_certificate_ok']) {
    assert.ok(codes.includes(c), `${c} missing: ${codes}`);
  }
  if (level === 'B-LT') assert.ok(codes.includes('pdf.verify.revocation_good'), codes.join(' '));
  if (level !== 'B-B') {
    assert.ok(codes.includes('pdf.verify.timestamp_ok'), codes.join(' '));
    assert.equal(typeof last.timestampTime, 'number');
  }
  const path = save(pdf, 'signed.pdf');
  if (qpdf) {
    const r = spawnSync(qpdf, ['--check', path], { encoding: 'utf8' });
    assert.ok(r.status === 0 && r.stdout.includes('No syntax or stream encoding errors'), `qpdf: ${out(r)}`);
  }
  if (pdfsig) {
    const args = certutil ? ['-nssdir', `sql:${join(dir, 'nssdb')}`, path] : [path];
    const text = out(spawnSync(pdfsig, args, { encoding: 'utf8' }));
    assert.equal(text.match(/Signature is Valid\./g)?.length ?? 0, n, `pdfsig: ${text}`);
    if (certutil) assert.equal(text.match(/Certificate is Trusted\./g)?.length ?? 0, n, `pdfsig: ${text}`);
    assert.equal(text.includes('Total document signed'), level !== 'B-LT', `pdfsig: ${text}`);
  }
  if (pyhanko) {
    const r = spawnSync(pyhanko, ['sign', 'validate', '--trust-replace', '--trust', join(dir, 'ca.pem'), path], { encoding: 'utf8' });
    assert.equal(r.status, 0, `pyHanko validate: ${out(r)}`);
    assert.equal(r.stdout.match(/:INTACT:TRUSTED/g)?.length ?? 0, n, `pyHanko: ${out(r)}`);
    if (level === 'B-LT') {
      const lt = spawnSync(pyhanko, ['sign', 'adesverify', '--trust-replace', '--trust', join(dir, 'ca.pem'), path], { encoding: 'utf8' });
      assert.equal(lt.status, 0, `pyHanko adesverify: ${out(lt)}`);
    }
  }
  return report;
}

const SIGNING_TIME = Date.UTC(2026, 11, 6, 10, 0, 0);

for (const who of ['rsa', 'p256']) {
  test(`${who}: B-B with a file key is accepted by kunci, pdfsig, pyHanko and qpdf`, async () => {
    const { pdf, report } = await signPdf(vector('plain.pdf'), { key: keys[who], certificate: cert(who), chain: CA }, {
      reason: 'Persetujuan dokumen', location: 'Jakarta', name: 'Budi Santoso', signingTime: SIGNING_TIME, trust: CA,
    });
    assert.ok(pdf instanceof Uint8Array);
    assert.equal(report.valid, true);
    const text = new TextDecoder('latin1').decode(pdf);
    assert.match(text, /\/Reason \(Persetujuan dokumen\)/);
    assert.match(text, /\/M \(D:20261206100000Z\)/);
    const judged = await judgedValid(pdf, 1, 'B-B');
    assert.equal(judged.signatures[0].claimedTime, SIGNING_TIME / 1000);
    assert.equal(judged.signatures[0].field, 'Signature1');
    assert.match(judged.signatures[0].signer, /Penanda Tangan/);
    for (const f of judged.signatures[0].findings) {
      assert.ok(f.id.length > 0 && f.en.length > 0 && ['ok', 'warning', 'error'].includes(f.severity));
      assert.ok(f.detail === null || typeof f.detail === 'string');
    }
  });

  test(`${who}: B-T with a timestamp from openssl ts through the timestamp hook`, async () => {
    const seen = [];
    const { pdf } = await signPdf(vector('objstm.pdf'), { key: keys[who], certificate: cert(who), chain: [CA] }, {
      profile: 'B-T', timestamp: async (query) => { seen.push(query); return tsa(query); },
    });
    assert.equal(seen.length, 1);
    await judgedValid(pdf, 1, 'B-T');
  });

  test(`${who}: B-LT with an OCSP answer (openssl ocsp, through fetchRevocation) and a CRL passes pyHanko's LTV check`, async () => {
    const asked = [];
    const { pdf } = await signPdf(vector('plain.pdf'), { key: keys[who], certificate: cert(who), chain: CA }, {
      profile: 'B-LT',
      timestamp: async (q) => tsa(q),
      ocsp: OCSP_URL,
      crls: read('ca.crl.pem').toString(),
      fetchRevocation: async (r) => {
        asked.push(r);
        assert.equal(r.type, 'ocsp');
        return ocsp(r.request);
      },
    });
    assert.deepEqual(asked.map((r) => r.url), [OCSP_URL]);
    const report = await judgedValid(pdf, 1, 'B-LT');
    assert.equal(report.signatures[0].coversWholeFile, false); // the DSS update follows it
  });
}

test('a visible stamp (text and a QR code) on page 2 of a form keeps every judge content', async () => {
  const { pdf } = await signPdf(vector('form.pdf'), { key: keys.p256, certificate: cert('p256'), chain: CA }, {
    page: 2, fieldName: 'TandaTangan', stamp: { x: 300, y: 80, lines: ['Ditandatangani oleh', 'Penanda Tangan P-256', '2026-12-06 10:00 UTC'], qrUrl: 'https://ams.example.go.id/verifikasi' },
  });
  const text = new TextDecoder('latin1').decode(pdf);
  assert.match(text, /\/Rect \[300 80 540 152\]/);
  const report = await judgedValid(pdf, 1, 'B-B');
  assert.equal(report.signatures[0].field, 'TandaTangan');
  await rejectsWith(signPdf(vector('plain.pdf'), { key: keys.p256, certificate: cert('p256') }, { stamp: { x: 1, y: 1, width: 5, lines: [] } }),
    'pdf.malformed', /between 20 and 2000/);
});

test('pdfInfo gives the pages; a stamp with a transparent PNG gets a soft mask and keeps every judge content', async () => {
  assert.deepEqual(await pdfInfo(vector('form.pdf')), {
    pages: [{ x: 0, y: 0, width: 595, height: 842, rotate: 0 }, { x: 0, y: 0, width: 595, height: 842, rotate: 0 }],
  });
  await rejectsWith(pdfInfo(vector('encrypted.pdf')), 'pdf.encrypted');
  // A 2 × 1 RGBA PNG (zlib from Node): one opaque blue pixel, one transparent.
  const { deflateSync } = await import('node:zlib');
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]); // CRC unchecked by kunci
  };
  const ihdr = Buffer.from([0, 0, 0, 2, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 0, 0, 255, 255, 255, 0, 0, 0]))), chunk('IEND', Buffer.alloc(0))]);
  const { pdf } = await signPdf(vector('plain.pdf'), { key: keys.p256, certificate: cert('p256'), chain: CA }, {
    stamp: { x: 50, y: 50, lines: ['Ditandatangani oleh', 'Penanda Tangan P-256'], image: new Uint8Array(png) },
  });
  const text = new TextDecoder('latin1').decode(pdf);
  assert.match(text, /\/SMask \d+ 0 R/);
  assert.match(text, /\/Im1 Do/);
  await judgedValid(pdf, 1, 'B-B');
  await rejectsWith(signPdf(vector('plain.pdf'), { key: keys.p256, certificate: cert('p256') }, { stamp: { x: 1, y: 1, lines: [], image: new TextEncoder().encode('GIF89a') } }),
    'pdf.stamp_image_unsupported');
});

test('B-LT asks the responder the certificate names when no CRL is given', async () => {
  const asked = [];
  const { pdf } = await signPdf(vector('plain.pdf'), { key: keys.p256, certificate: cert('p256aia'), chain: CA }, {
    profile: 'B-LT', timestamp: async (q) => tsa(q), fetchRevocation: async (r) => { asked.push(r.url); return ocsp(r.request); },
  });
  assert.deepEqual(asked, [OCSP_URL]);
  const report = await verifyPdf(pdf, { trust: CA });
  assert.equal(report.valid, true);
  assert.equal(report.signatures[0].level, 'B-LT');
  assert.ok(report.signatures[0].findings.some((f) => f.code === 'pdf.verify.revocation_good'));
  // Not judged by pyHanko's adesverify: it wants revocation data for the TSA's certificate
  // too, and uses an OCSP answer only for a certificate that names its responder, which this
  // PKI's TSA certificate does not (kunci-core's tests/pdf.rs judges OCSP alone with
  // certificates that do; the B-LT tests above carry a CRL and pass).
  // Without the issuer in the chain, or with no responder named and no CRL: refused.
  await rejectsWith(signPdf(vector('plain.pdf'), { key: keys.p256, certificate: cert('p256aia') },
    { profile: 'B-LT', timestamp: async (q) => tsa(q) }), 'pdf.revocation_unavailable', /issuer/);
  await rejectsWith(signPdf(vector('plain.pdf'), { key: keys.p256, certificate: cert('p256'), chain: CA },
    { profile: 'B-LT', timestamp: async (q) => tsa(q) }), 'pdf.revocation_unavailable', /names no OCSP responder/);
});

test('the worker client signs with a key that stays in the worker (B-T over HTTP from a same-host TSA) and verifies', async () => {
  const posts = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      posts.push(req.headers['content-type']);
      res.writeHead(200, { 'Content-Type': 'application/timestamp-reply' });
      res.end(tsa(Buffer.concat(chunks)));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const client = await kunci.createWorkerClient();
  try {
    const key = await client.KeyPair.importEncrypted(read('p256.enc.pem'), PASSWORD);
    const { pdf, report } = await client.signPdf(vector('form.pdf'), { key, certificate: cert('p256'), chain: CA }, {
      profile: 'B-T', tsaUrl: `http://127.0.0.1:${server.address().port}/tsa`, trust: CA,
    });
    assert.deepEqual(posts, ['application/timestamp-query']);
    assert.equal(report.valid, true);
    assert.equal(report.signatures[0].level, 'B-T');
    const again = await client.verifyPdf(pdf, { trust: [CA] });
    assert.equal(again.valid, true);
    await judgedValid(pdf, 1, 'B-T');
    // A second signer (main thread, RSA) keeps the first valid.
    const { pdf: twice } = await signPdf(pdf, { key: keys.rsa, certificate: cert('rsa'), chain: CA });
    const both = await judgedValid(twice, 2, 'B-B');
    assert.ok(both.signatures[0].findings.some((f) => f.code === 'pdf.verify.allowed_changes_since'));
    await key.free();
    await rejectsWith(client.signPdf(vector('plain.pdf'), { key, certificate: cert('p256') }), 'key.freed');
  } finally {
    client.terminate();
    server.close();
  }
});

test('a tampered file is reported by verifyPdf and by pdfsig', async () => {
  const { pdf } = await signPdf(vector('plain.pdf'), { key: keys.p256, certificate: cert('p256'), chain: CA });
  const tampered = pdf.slice();
  // The page's size, inside the first signed range: 595 → 596.
  const at = new TextDecoder('latin1').decode(tampered).indexOf('595 842');
  assert.ok(at > 0);
  tampered[at + 2] = '6'.charCodeAt(0);
  const report = await verifyPdf(tampered, { trust: CA });
  assert.equal(report.valid, false);
  const bad = report.signatures[0].findings.find((f) => f.code === 'pdf.verify.digest_mismatch');
  assert.equal(bad.severity, 'error');
  assert.match(bad.id, /diubah/);
  assert.match(bad.en, /altered/);
  if (pdfsig) {
    const text = out(spawnSync(pdfsig, [save(tampered, 'tampered.pdf')], { encoding: 'utf8' }));
    assert.match(text, /Digest Mismatch/);
  }
  // Untrusted without the root; no signatures in an unsigned file.
  const untrusted = await verifyPdf(pdf);
  assert.equal(untrusted.valid, false);
  assert.ok(untrusted.signatures[0].findings.some((f) => f.code === 'pdf.verify.chain_untrusted'));
  const none = await verifyPdf(vector('plain.pdf'));
  assert.deepEqual([none.valid, none.signatures.length, none.findings[0].code], [false, 0, 'pdf.verify.no_signatures']);
});

test('verifyPdf reads a file signed by pyHanko, and kunci signs after it', { skip: pyhanko ? false : 'pyHanko is not installed' }, async () => {
  const input = save(vector('plain.pdf'), 'in.pdf');
  const theirs = join(dir, 'pyhanko.pdf');
  execFileSync(pyhanko, ['sign', 'addsig', '--field', 'PyHanko1', 'pemder', '--key', join(dir, 'rsa.key'), '--cert', join(dir, 'rsa.pem'),
    '--chain', join(dir, 'ca.pem'), '--no-pass', input, theirs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const report = await verifyPdf(new Uint8Array(readFileSync(theirs)), { trust: CA });
  assert.equal(report.valid, true, JSON.stringify(report, null, 1));
  assert.equal(report.signatures[0].field, 'PyHanko1');
  const { pdf } = await signPdf(new Uint8Array(readFileSync(theirs)), { key: keys.p256, certificate: cert('p256'), chain: CA },
    { profile: 'B-T', timestamp: async (q) => tsa(q) });
  const both = await judgedValid(pdf, 2, 'B-T');
  assert.equal(both.signatures[0].field, 'PyHanko1');
});

test('bad PDFs, certificates, keys, TSAs and tokens are refused with their codes and no file', async () => {
  const signer = { key: keys.p256, certificate: cert('p256'), chain: CA };
  const plain = vector('plain.pdf');
  await rejectsWith(signPdf(vector('encrypted.pdf'), signer), 'pdf.encrypted');
  await rejectsWith(verifyPdf(vector('encrypted.pdf')), 'pdf.encrypted');
  await rejectsWith(signPdf(plain.slice(0, plain.length / 2), signer), 'pdf.malformed');
  await rejectsWith(verifyPdf(new TextEncoder().encode('%PDF-1.7\nnothing else')), 'pdf.malformed');
  await rejectsWith(verifyPdf(new Uint8Array(128 * 1024 * 1024 + 1)), 'pdf.limit.file_size');
  await rejectsWith(signPdf(plain, signer, { page: 2 }), 'pdf.no_such_page');
  // A certificate without digitalSignature / nonRepudiation.
  const noku = await KeyPair.importEncrypted(read('noku.enc.pem'), PASSWORD);
  await rejectsWith(signPdf(plain, { key: noku, certificate: cert('noku') }), 'pdf.cert_key_usage');
  // The key is not the certificate's.
  await rejectsWith(signPdf(plain, { key: keys.rsa, certificate: cert('p256') }), 'cert.key_mismatch');
  // A TSA that is down, failing, or answering with something else.
  await rejectsWith(signPdf(plain, signer, { profile: 'B-T', tsaUrl: 'http://127.0.0.1:9/tsa' }), 'tsa.unreachable', /127\.0\.0\.1:9/);
  await rejectsWith(signPdf(plain, signer, { profile: 'B-T', timestamp: async () => { throw new Error('TSA down'); } }),
    'tsa.unreachable', /TSA down/);
  await rejectsWith(signPdf(plain, signer, { profile: 'B-T', timestamp: async () => new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x02]) }),
    'pdf.bad_timestamp');
  await rejectsWith(signPdf(plain, signer, { profile: 'B-T', timestamp: async () => 'not bytes' }), 'pdf.bad_timestamp');
  // B-LT: a responder that fails or refuses, a CRL that cannot be fetched.
  const lt = { profile: 'B-LT', timestamp: async (q) => tsa(q), ocsp: OCSP_URL };
  await rejectsWith(signPdf(plain, signer, { ...lt, fetchRevocation: async () => { throw new Error('no'); } }), 'ocsp.unreachable');
  await rejectsWith(signPdf(plain, signer, { ...lt, fetchRevocation: async () => new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x06]) }),
    'ocsp.refused');
  await rejectsWith(signPdf(plain, signer, { ...lt, ocsp: false, crls: 'http://127.0.0.1:9/ca.crl' }), 'crl.unreachable');
  // A token signer in Node: no extension.
  await rejectsWith(signPdf(plain, { token: { keyId: '01ab', algorithm: 'p256' }, certificate: cert('p256') }, { documentName: 'surat.pdf' }),
    'extension.absent');
  await rejectsWith(signPdf(plain, { token: { keyId: '01ab', algorithm: 'rsa2048' }, certificate: cert('p256') }, { documentName: 'surat.pdf' }),
    'cert.key_mismatch');
  // Still working after all of it.
  const { pdf } = await signPdf(plain, signer);
  assert.equal((await verifyPdf(pdf, { trust: CA })).valid, true);
});

test('verifyPdf hashes ahead the ByteRanges written in the file, and only well-formed ones', async () => {
  const { byteRanges } = await import(new URL('../../pkg/pdf.js', import.meta.url));
  const text = '%PDF-1.7\n<< /ByteRange [0 10 20 30] >>\n' // within the file
    + '<</ByteRange[ 0 5\n25 5 ]>> '                        // other spacing
    + '/ByteRange [0 10 20 30] '                             // the same again: once
    + '/ByteRange [1 10 20 30] /ByteRange [0 20 10 5] '      // not from 0; b after c
    + '/ByteRange [0 10 20 9999] /ByteRange [0 10 20] /ByteRangeX [0 1 2 3]';
  assert.deepEqual(byteRanges(new TextEncoder().encode(text)), [0, 10, 20, 30, 0, 5, 25, 5]);
  // What kunci signs is found: its range ends at the end of the file.
  const { pdf } = await signPdf(vector('plain.pdf'), { key: keys.p256, certificate: cert('p256'), chain: CA });
  const ranges = byteRanges(pdf);
  assert.equal(ranges.length, 4);
  assert.equal(ranges[2] + ranges[3], pdf.length);
  assert.equal((await verifyPdf(pdf, { trust: CA })).valid, true);
});
