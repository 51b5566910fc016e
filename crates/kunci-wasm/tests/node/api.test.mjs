/**
 * The npm package `kunci` in Node 20, through its public API only (the built package in
 * crates/kunci-wasm/pkg, as `cargo xtask wasm` makes it). Node has WebCrypto, so the
 * WebCrypto routes (RSA generation, PBKDF2) run here as in browsers; OpenSSL judges the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pkg = new URL('../../pkg/index.js', import.meta.url);
const kunci = await import(pkg);
const { KeyPair, KunciError, createCsr, verifyCsr, packPkcs12, readPkcs12, parseCertificate,
        certificateMatchesKey, passwordStrength } = kunci;

const PASSWORD = 'Kunci-Uji 2026 tanpa-tebak!';
const dir = mkdtempSync(join(tmpdir(), 'kunci-node-'));
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
writeFileSync(join(dir, 'pw'), `${PASSWORD}\n`);

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof KunciError, `expected KunciError, got ${e}`);
    assert.equal(e.code, code);
    return true;
  });
}

test('RSA and P-256 keys make CSRs that OpenSSL verifies', async () => {
  for (const alg of ['rsa2048', 'p256']) {
    const key = await KeyPair.generate(alg);
    assert.equal(key.kind, alg === 'p256' ? 'EC P-256' : 'RSA 2048');
    const { pem, der } = await createCsr(key, {
      subject: { commonName: 'Budi Santoso', organization: 'Dinas Kominfo', country: 'ID' },
      email: 'budi@example.go.id', challengePassword: 'TOKEN-1234567890',
    });
    assert.ok(der instanceof Uint8Array && der.length > 100);
    writeFileSync(join(dir, `${alg}.csr`), pem);
    openssl('req', '-in', `${alg}.csr`, '-verify', '-noout');
    const info = await verifyCsr(pem);
    assert.equal(info.subject.commonName, 'Budi Santoso');
    assert.equal(info.challengePassword, 'TOKEN-1234567890');
    assert.deepEqual(info.emailSans, ['budi@example.go.id']);
    assert.equal(info.publicKeySha256, key.publicKeySha256);
    // `token`, the deprecated name, still works; both names with different values do not.
    const old = await createCsr(key, { subject: 'CN=x', token: 'T-OLD', challengePassword: 'T-OLD' });
    assert.equal((await verifyCsr(old.der)).challengePassword, 'T-OLD');
    await rejectsWith(createCsr(key, { subject: 'CN=x', token: 'T-1', challengePassword: 'T-2' }), 'argument.invalid');
    key.free();
    await rejectsWith(createCsr(key, { subject: 'CN=x' }), 'key.freed');
  }
});

test('encrypted PKCS#8 round-trips and OpenSSL reads it; wrong passwords are refused', async () => {
  const key = await KeyPair.generate('p256');
  const pem = await key.exportEncrypted(PASSWORD, { iterations: 100000 });
  assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  writeFileSync(join(dir, 'k.pem'), pem);
  assert.match(openssl('pkey', '-in', 'k.pem', '-passin', 'file:pw', '-noout', '-text'), /NIST CURVE: P-256/);
  const back = await KeyPair.importEncrypted(pem, PASSWORD);
  assert.equal(back.publicKeySha256, key.publicKeySha256);
  await rejectsWith(KeyPair.importEncrypted(pem, 'salah'), 'pkcs8.wrong_password');
  await rejectsWith(key.exportEncrypted(PASSWORD, { iterations: 1000 }), 'kdf.iterations_too_low');
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-aes256', '-pass', 'file:pw', '-out', 'o.pem');
  const theirs = await KeyPair.importEncrypted(readFileSync(join(dir, 'o.pem')), PASSWORD);
  assert.equal(theirs.kind, 'RSA 2048');
});

test('a certificate issued by OpenSSL matches its key and packs into a .p12 that OpenSSL opens', async () => {
  const key = await KeyPair.generate('rsa2048');
  writeFileSync(join(dir, 'h.csr'), (await createCsr(key, { subject: 'CN=Siti Aminah,O=BSSN,C=ID' })).pem);
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key',
          '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Node Test CA/C=ID');
  openssl('x509', '-req', '-in', 'h.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'h.crt');
  const cert = readFileSync(join(dir, 'h.crt'), 'utf8');
  const info = await parseCertificate(cert);
  assert.equal(info.subject, 'CN=Siti Aminah,O=BSSN,C=ID');
  assert.match(info.sha256Fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(await certificateMatchesKey(cert, key), true);
  const other = await KeyPair.generate('p256');
  assert.equal(await certificateMatchesKey(cert, other), false);
  await rejectsWith(packPkcs12(other, cert, PASSWORD, { iterations: 100000 }), 'cert.key_mismatch');

  const p12 = await packPkcs12(key, cert, PASSWORD, { chain: readFileSync(join(dir, 'ca.crt'), 'utf8'),
                                                      friendlyName: 'Siti 2026', iterations: 100000 });
  writeFileSync(join(dir, 'h.p12'), p12);
  const dump = execFileSync('openssl', ['pkcs12', '-in', 'h.p12', '-info', '-nodes', '-passin', 'file:pw'],
                            { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(dump.toString(), /friendlyName: Siti 2026/);
  const opened = await readPkcs12(p12, PASSWORD);
  assert.equal(opened.friendlyName, 'Siti 2026');
  assert.equal(opened.key.publicKeySha256, key.publicKeySha256);
  assert.equal(opened.chain.length, 1);
  assert.equal(opened.macAlgorithm, 'HMAC-SHA256');
  await rejectsWith(readPkcs12(p12, 'salah'), 'p12.wrong_password');
  const legacy = await packPkcs12(key, cert, PASSWORD, { legacy: true, iterations: 100000 });
  assert.equal((await readPkcs12(legacy, PASSWORD)).macAlgorithm, 'HMAC-SHA1');
});

test('password strength follows the over-50-percent rule, with the holder data and both languages', async () => {
  const weak = await passwordStrength('rahasia123', {}, 'en');
  assert.equal(weak.accepted, false);
  assert.ok(weak.percent <= 50);
  assert.match(weak.explanation, /%/);
  const strong = await passwordStrength(PASSWORD, {}, 'id');
  assert.equal(strong.accepted, true);
  assert.ok(strong.percent > 50);
  const personal = await passwordStrength('BudiSantoso1985', { name: 'Budi Santoso' }, 'id');
  assert.equal(personal.usesPersonalData, true);
  assert.equal(personal.accepted, false);
  // An office's abbreviation and the year (issue 12): guessable, with the reason, in words.
  for (const pw of ['Kominfo@2026', 'Diskominfo2025!', 'Pemkab#2026']) {
    const office = await passwordStrength(pw, {}, 'en');
    assert.equal(office.accepted, false, pw);
    assert.equal(office.usesOrganizationName, true, pw);
    assert.equal(office.warning.code, 'strength.organization_name', pw);
  }
  assert.equal(strong.usesOrganizationName, false);
  assert.doesNotMatch(weak.explanation, /\^/);
  assert.match((await passwordStrength(PASSWORD, {}, 'en')).explanation, /billion|trillion|quadrillion|quintillion/);
  await assert.rejects(passwordStrength('x', {}, 'fr'), (e) => e.code === 'input.unknown_language');
});

test('verifyCsr shows what kunci would not issue for, with the verdict beside it; a failing signature rejects', async () => {
  const vectors = new URL('../../../kunci-core/tests/vectors/csr/', import.meta.url);
  const read = (name) => readFileSync(new URL(name, vectors));
  const p384 = await verifyCsr(read('p384.csr.pem').toString());
  assert.equal(p384.keyAlgorithm, 'EC P-384');
  assert.equal(p384.key, null);
  assert.equal(p384.signature.status, 'unchecked'); // the package has no P-384 verifier
  assert.equal(p384.policy.accepted, false);
  assert.equal(p384.policy.problems[0].code, 'csr.algorithm_not_allowed');
  assert.equal(p384.subject.commonName, 'Budi Santoso');
  const noCn = await verifyCsr(read('no-cn.csr.pem'));
  assert.equal(noCn.signature.status, 'valid');
  assert.equal(noCn.subject, null);
  assert.equal(noCn.subjectDn, 'C=ID,O=Dinas Kominfo');
  assert.deepEqual(noCn.policy.problems.map((p) => p.code), ['subject.invalid']);
  const good = await verifyCsr(read('rsa2048.csr.pem'));
  assert.equal(good.signature.status, 'valid');
  assert.deepEqual(good.policy, { accepted: true, problems: [] });
  assert.deepEqual(good.key, { type: 'rsa', bits: 2048 });
  // One bit of the signature flipped: the contents are not to be trusted, so it rejects.
  const der = new Uint8Array(execFileSync('openssl', ['req', '-in', '-', '-outform', 'DER'], { input: read('p256.csr.pem') }));
  der[der.length - 1] ^= 1;
  await rejectsWith(verifyCsr(der), 'csr.bad_signature');
});

test('bad inputs reject with codes, never crash', async () => {
  await rejectsWith(KeyPair.generate('rsa1024'), 'key.unsupported_algorithm');
  await rejectsWith(verifyCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'), 'csr.malformed');
  await rejectsWith(parseCertificate(new Uint8Array([0x30, 0x03, 1, 2])), 'cert.malformed');
  await rejectsWith(readPkcs12(new Uint8Array(0), PASSWORD), 'input.empty');
  const key = await KeyPair.generate('p256');
  await rejectsWith(createCsr(key, { subject: 'O=No Common Name' }), 'subject.invalid');
});
