/**
 * What kunci makes in Chromium, judged by the programs people really use, and the other way
 * round: CSRs (RSA-2048 and P-256, with subject, e-mail and CSR token) verified by
 * `openssl req -verify`; certificates issued for them by OpenSSL acting as a CA, fed back into
 * the page and matched to their keys; `.p12` files (default and legacy profiles) read by
 * `openssl pkcs12` and `keytool`; encrypted PKCS#8 read by `openssl pkey`; OpenSSL's encrypted
 * keys and `.p12` files read by kunci; wrong passwords seen in the page as `KunciError` codes.
 *
 * Everything runs through the package's public API (`/pkg/index.js`) on the page's main
 * thread; the worker's copy of the API is exercised by raf.test.mjs.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { forwardPageErrors, launch } from './browser.mjs';
import {
  PAGE_HELPERS, fromBase64, packageSkipReason, run, runOk, servePackage, tempDir, toBase64,
} from './common.mjs';

const skip = packageSkipReason();
const TOKEN = 'Zq3vN8xK2pR7tW4yB6mD1fH9';
const EMAIL = 'budi.santoso@example.co.id';
const SUBJECT = { commonName: 'Budi Santoso', email: EMAIL, organization: 'PT Contoh Sejahtera', country: 'ID' };
const P12_PASSWORD = 'Sandi-P12-kuat-2024';
const KEY_PASSWORD = 'Sandi-Kunci-kuat-2024';
const ALGORITHMS = [
  ['rsa2048', 'RSA 2048'],
  ['p256', 'EC P-256'],
];

describe('interop with OpenSSL and keytool, from Chromium', { skip, timeout: 600_000 }, () => {
  let browser;
  let server;
  let page;
  let scratch;
  const file = (name) => join(scratch.dir, name);
  /** Runs `fn(arg)` in the page, where `k` is the kunci module and `keys` the page's keys. */
  const inPage = (fn, arg) => page.evaluate(fn, arg);

  before(async () => {
    server = await servePackage();
    browser = await launch();
    scratch = await tempDir('kunci-interop-');
    page = await browser.newPage();
    forwardPageErrors(page, 'interop');
    await page.addInitScript(PAGE_HELPERS);
    await page.goto(`${server.url}/`);
    await inPage(async () => {
      globalThis.k = await import('/pkg/index.js');
      globalThis.keys = {};
    });
    // The CA that issues certificates for kunci's CSRs.
    runOk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'),
      '-out', file('ca.pem'), '-subj', '/CN=kunci test CA/O=Test/C=ID', '-days', '2']);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await scratch?.remove();
  });

  for (const [algorithm, kind] of ALGORITHMS) {
    describe(algorithm, () => {
      it('generates a key and a CSR that openssl req -verify accepts, with subject, e-mail and token', async () => {
        const out = await inPage(
          async ([alg, request]) => {
            const key = await k.KeyPair.generate(alg);
            keys[alg] = key;
            const csr = await k.createCsr(key, request);
            const info = await k.verifyCsr(csr.pem);
            return { kind: key.kind, sha: key.publicKeySha256, pem: csr.pem, der: __b64(csr.der), info };
          },
          [algorithm, { subject: SUBJECT, email: EMAIL, token: TOKEN }],
        );
        assert.equal(out.kind, kind);
        assert.match(out.pem, /^-----BEGIN CERTIFICATE REQUEST-----\r?\n/);
        writeFileSync(file(`${algorithm}.csr`), out.pem);

        const verify = run('openssl', ['req', '-in', file(`${algorithm}.csr`), '-noout', '-verify']);
        assert.equal(verify.status, 0, verify.stderr);
        assert.match(verify.stdout + verify.stderr, /verify OK/);
        const text = runOk('openssl', ['req', '-in', file(`${algorithm}.csr`), '-noout', '-text',
          '-nameopt', 'RFC2253']).stdout;
        assert.match(text, /CN=Budi Santoso/);
        assert.match(text, /O=PT Contoh Sejahtera/);
        assert.match(text, /C=ID/);
        assert.match(text, new RegExp(`challengePassword\\s*:\\s*${TOKEN}`));
        assert.match(text, new RegExp(`email:${EMAIL.replace(/\./g, '\\.')}`));
        assert.match(text, algorithm === 'p256' ? /NIST CURVE: P-256/ : /Public-Key: \(2048 bit\)/);
        // The DER is the PEM's body.
        const der = runOk('openssl', ['req', '-in', file(`${algorithm}.csr`), '-outform', 'DER'], { encoding: 'buffer' });
        assert.equal(Buffer.from(fromBase64(out.der)).compare(der.stdout), 0);
        // The public key hash kunci reports is OpenSSL's SPKI's.
        assert.equal(out.sha, spkiSha256(['req', '-in', file(`${algorithm}.csr`), '-pubkey', '-noout']));
        // kunci's own reading of its CSR.
        assert.equal(out.info.challengePassword, TOKEN);
      });

      it('rejects a CSR whose signature was tampered with (csr.bad_signature)', async () => {
        const bytes = runOk('openssl', ['req', '-in', file(`${algorithm}.csr`), '-outform', 'DER'], { encoding: 'buffer' }).stdout;
        const tampered = Buffer.from(bytes);
        tampered[tampered.length - 3] ^= 0x01; // inside the signature BIT STRING
        const err = await inPage(async (b64) => {
          try {
            await k.verifyCsr(__unb64(b64));
            return null;
          } catch (e) {
            return __err(e);
          }
        }, toBase64(tampered));
        assert.ok(err, 'a tampered CSR was accepted');
        assert.equal(err.code, 'csr.bad_signature', JSON.stringify(err));
        assert.equal(err.name, 'KunciError');
        assert.equal(err.isError, true);
      });

      it('takes back a certificate OpenSSL issued for it, and matches it to its key only', async () => {
        runOk('openssl', ['x509', '-req', '-in', file(`${algorithm}.csr`), '-CA', file('ca.pem'),
          '-CAkey', file('ca.key'), '-set_serial', algorithm === 'p256' ? '2' : '1', '-days', '30',
          '-copy_extensions', 'copy', '-out', file(`${algorithm}.pem`)]);
        const ext = runOk('openssl', ['x509', '-in', file(`${algorithm}.pem`), '-noout', '-ext', 'subjectAltName']).stdout;
        assert.match(ext, /email:/, 'the CA did not copy the e-mail SAN');
        const other = ALGORITHMS.map(([a]) => a).find((a) => a !== algorithm);
        const out = await inPage(
          async ([alg, otherAlg, pem]) => {
            const info = await k.parseCertificate(pem);
            const mine = await k.certificateMatchesKey(pem, keys[alg]);
            const theirs = keys[otherAlg] ? await k.certificateMatchesKey(pem, keys[otherAlg]) : null;
            return { info, mine, theirs };
          },
          [algorithm, other, readFileSync(file(`${algorithm}.pem`), 'utf8')],
        );
        assert.equal(out.mine, true);
        if (out.theirs !== null) assert.equal(out.theirs, false);
        const fp = runOk('openssl', ['x509', '-in', file(`${algorithm}.pem`), '-noout', '-fingerprint', '-sha256'])
          .stdout.split('=')[1].trim();
        assert.equal(hex(out.info.sha256Fingerprint), hex(fp));
      });

      it('packs a .p12 (default profile) that openssl without -legacy and keytool read', async () => {
        const p12 = await inPage(
          async ([alg, pem, chain, password]) => __b64(await k.packPkcs12(keys[alg], pem, password, { chain, friendlyName: 'Budi' })),
          [algorithm, readFileSync(file(`${algorithm}.pem`), 'utf8'), readFileSync(file('ca.pem'), 'utf8'), P12_PASSWORD],
        );
        writeFileSync(file(`${algorithm}.p12`), fromBase64(p12));
        const info = run('openssl', ['pkcs12', '-info', '-noout', '-in', file(`${algorithm}.p12`), '-passin', `pass:${P12_PASSWORD}`]);
        assert.equal(info.status, 0, info.stderr);
        assert.match(info.stderr + info.stdout, /PBES2, PBKDF2, AES-256-CBC/);
        // The key inside is the page's key.
        const keyPem = runOk('openssl', ['pkcs12', '-in', file(`${algorithm}.p12`), '-passin', `pass:${P12_PASSWORD}`,
          '-nocerts', '-nodes']).stdout;
        writeFileSync(file(`${algorithm}.p12.key`), keyPem);
        const sha = await inPage((alg) => keys[alg].publicKeySha256, algorithm);
        assert.equal(spkiSha256(['pkey', '-in', file(`${algorithm}.p12.key`), '-pubout']), sha);
        assertKeytoolReads(file(`${algorithm}.p12`), P12_PASSWORD);
      });

      it('reads its own .p12 back, and refuses a wrong password (p12.wrong_password)', async () => {
        const out = await inPage(
          async ([b64, password]) => {
            const r = await k.readPkcs12(__unb64(b64), password);
            let wrong = null;
            try {
              await k.readPkcs12(__unb64(b64), `${password}x`);
            } catch (e) {
              wrong = __err(e);
            }
            return { sha: r.key?.publicKeySha256, fp: r.certificate?.sha256Fingerprint, chain: r.chain.length, friendlyName: r.friendlyName, wrong };
          },
          [toBase64(readFileSync(file(`${algorithm}.p12`))), P12_PASSWORD],
        );
        assert.equal(out.sha, await inPage((alg) => keys[alg].publicKeySha256, algorithm));
        assert.equal(out.chain, 1);
        assert.equal(out.friendlyName, 'Budi');
        assert.ok(out.wrong, 'a wrong password was accepted');
        assert.equal(out.wrong.code, 'p12.wrong_password', JSON.stringify(out.wrong));
        assert.equal(out.wrong.name, 'KunciError');
      });

      it('exports encrypted PKCS#8 that openssl pkey reads with the password', async () => {
        const pem = await inPage(([alg, pw]) => keys[alg].exportEncrypted(pw), [algorithm, KEY_PASSWORD]);
        assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\r?\n/);
        writeFileSync(file(`${algorithm}.enc.pem`), pem);
        const sha = await inPage((alg) => keys[alg].publicKeySha256, algorithm);
        assert.equal(spkiSha256(['pkey', '-in', file(`${algorithm}.enc.pem`), '-passin', `pass:${KEY_PASSWORD}`, '-pubout']), sha);
        const wrong = run('openssl', ['pkey', '-in', file(`${algorithm}.enc.pem`), '-passin', 'pass:wrong', '-noout']);
        assert.notEqual(wrong.status, 0, 'openssl read the key with a wrong password');
      });
    });
  }

  it('packs a legacy-profile .p12 (SHA-1 MAC, PKCS#12 PBE) that openssl -legacy and keytool read', async () => {
    const p12 = await inPage(
      async ([pem, password]) => __b64(await k.packPkcs12(keys.rsa2048, pem, password, { legacy: true })),
      [readFileSync(file('rsa2048.pem'), 'utf8'), P12_PASSWORD],
    );
    writeFileSync(file('legacy.p12'), fromBase64(p12));
    const legacy = run('openssl', ['pkcs12', '-legacy', '-info', '-noout', '-in', file('legacy.p12'),
      '-passin', `pass:${P12_PASSWORD}`]);
    assert.equal(legacy.status, 0, legacy.stderr);
    const info = legacy.stdout + legacy.stderr;
    // Old readers (Windows 7, old Java) need the PKCS#12 PBE schemes and a SHA-1 MAC, not PBES2.
    assert.match(info, /MAC: sha1/);
    assert.match(info, /Shrouded Keybag: pbeWithSHA1And(3-KeyTripleDES-CBC|40BitRC2-CBC)/);
    assert.doesNotMatch(info, /PBES2/);
    assertKeytoolReads(file('legacy.p12'), P12_PASSWORD);
  });

  it('imports keys from openssl genpkey -aes256, and refuses a wrong password (pkcs8.wrong_password)', async () => {
    for (const [name, opts] of [
      ['ossl-rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
      ['ossl-ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ]) {
      runOk('openssl', ['genpkey', ...opts, '-aes256', '-pass', `pass:${KEY_PASSWORD}`, '-out', file(`${name}.pem`)]);
      const out = await inPage(
        async ([pem, pw]) => {
          const key = await k.KeyPair.importEncrypted(pem, pw);
          let wrong = null;
          try {
            await k.KeyPair.importEncrypted(pem, `${pw}x`);
          } catch (e) {
            wrong = __err(e);
          }
          const r = { kind: key.kind, sha: key.publicKeySha256, wrong };
          key.free();
          return r;
        },
        [readFileSync(file(`${name}.pem`), 'utf8'), KEY_PASSWORD],
      );
      assert.equal(out.kind, name === 'ossl-rsa' ? 'RSA 2048' : 'EC P-256');
      assert.equal(out.sha, spkiSha256(['pkey', '-in', file(`${name}.pem`), '-passin', `pass:${KEY_PASSWORD}`, '-pubout']));
      assert.ok(out.wrong, 'a wrong password was accepted');
      assert.equal(out.wrong.code, 'pkcs8.wrong_password', JSON.stringify(out.wrong));
      assert.equal(out.wrong.name, 'KunciError');
    }
  });

  it('reads a .p12 made by openssl pkcs12 -export', async () => {
    runOk('openssl', ['req', '-x509', '-new', '-key', file('ossl-rsa.pem'), '-passin', `pass:${KEY_PASSWORD}`,
      '-subj', '/CN=Siti Rahayu/C=ID', '-days', '30', '-out', file('ossl.pem')]);
    runOk('openssl', ['pkcs12', '-export', '-inkey', file('ossl-rsa.pem'), '-passin', `pass:${KEY_PASSWORD}`,
      '-in', file('ossl.pem'), '-passout', `pass:${P12_PASSWORD}`, '-out', file('ossl.p12')]);
    const out = await inPage(
      async ([b64, pw]) => {
        const r = await k.readPkcs12(__unb64(b64), pw);
        // The contract names it subjectDn; the reports so far call it subject.
        return { sha: r.key?.publicKeySha256, subject: r.certificate?.subjectDn ?? r.certificate?.subject, iterations: r.iterations };
      },
      [toBase64(readFileSync(file('ossl.p12'))), P12_PASSWORD],
    );
    assert.equal(out.sha, spkiSha256(['pkey', '-in', file('ossl-rsa.pem'), '-passin', `pass:${KEY_PASSWORD}`, '-pubout']));
    assert.match(String(out.subject), /Siti Rahayu/);
    assert.equal(out.iterations, 2048);
  });
});

/** SHA-256 (lowercase hex) of the DER SPKI that `openssl <args>` prints as a PEM public key. */
function spkiSha256(args) {
  const pem = runOk('openssl', args).stdout;
  const body = pem.match(/-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/);
  assert.ok(body, `no public key in: openssl ${args.join(' ')}`);
  return createHash('sha256').update(Buffer.from(body[1].replace(/\s+/g, ''), 'base64')).digest('hex');
}

function hex(text) {
  return String(text).replace(/[^0-9a-fA-F]/g, '').toLowerCase();
}

function assertKeytoolReads(p12, password) {
  const out = run('keytool', ['-list', '-v', '-storetype', 'PKCS12', '-keystore', p12, '-storepass', password]);
  assert.equal(out.status, 0, out.stdout + out.stderr);
  assert.match(out.stdout, /Your keystore contains 1 entry/);
  assert.match(out.stdout, /PrivateKeyEntry/);
}
