/**
 * kunci's custom elements in a portal that is not kunci's (issue 19, point 5): SIMPEG, the
 * example staff portal of examples/foreign-portal/, on its own origin with its own nonce CSP
 * and its own server forwarding to kunci-ams. A whole renewal, in headless Chromium as a
 * person does it: SIMPEG's login, its certificate list, "Perpanjang", <kunci-client-kit> (the
 * token filled in by the page, the password, the key made, its backup saved and proven, the
 * CSR sent through SIMPEG), SIMPEG's letter upload and agreement, the operator's approval in
 * kunci-ams's own operator page, then <kunci-p12-maker> (.pem and .p12, judged by OpenSSL: the
 * new certificate with the key made here; the old one superseded on the CRL). In Indonesian;
 * then the page's language switch to English and both elements again, in English. Every
 * `securitypolicyviolation` in the page fails the walk.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { PKG_DIR, ROOT } from '../common.mjs';
import {
  DEMO_PASSWORD, KEY_PASSWORD, PDF, approveInAnotherTab, assertOnCrl, download, holderWalk,
  openssl, skip, startPortal, tempFile,
} from './walker.mjs';

/** Starts SIMPEG's server (examples/foreign-portal/server.mjs) on a free port, pointed at `ams`. */
async function startForeign(ams) {
  const port = await new Promise((ok, ko) => {
    const s = createServer();
    s.on('error', ko);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => ok(p));
    });
  });
  let output = '';
  const child = spawn(process.execPath, [
    join(ROOT, 'examples/foreign-portal/server.mjs'), '--ams', ams, '--port', String(port), '--pkg', PKG_DIR,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((r) => child.on('exit', r));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 20_000; ;) {
    if (child.exitCode !== null) throw new Error(`SIMPEG's server exited: ${output}`);
    if (await fetch(`${url}/`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`SIMPEG's server did not answer: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('the elements in a foreign portal', { skip }, () => {
  it('renews a certificate through SIMPEG, its own page around both elements, in Indonesian and English', { timeout: 900_000 }, async () => {
    // As its README runs it: kunci-ams trusts SIMPEG's X-Forwarded-For (the holder's address).
    const ams = await startPortal(['--trusted-proxy', '127.0.0.1']);
    try {
      await walk(ams);
    } finally {
      await ams.stop();
    }
  });
});

/** The walk itself, on the kunci-ams `ams`. */
function walk(ams) {
  return holderWalk('foreign-portal', async (w, portal) => {
    const { page, step } = w;
    const simpeg = await startForeign(portal.url);
    try {
      // Every CSP report of every document the page loads reaches the walk.
      const violations = [];
      await page.exposeFunction('__cspViolation', (v) => violations.push(v));
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          window.__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
        });
        // What the elements hand the page at their end (kunci-done bubbles out, composed).
        window.__done = [];
        document.addEventListener('kunci-done', (e) => {
          const d = e.detail;
          window.__done.push({
            tag: e.target.localName, csr: d.csr, algorithm: d.algorithm, backup: d.backup, answer: d.answer,
            serial: d.serial, profile: d.profile, pem: d.pem, p12: d.p12 ? d.p12.length : null,
          });
        });
      });
      /** The n-th kunci-done of `tag` (from 1), once it has come. */
      const doneOf = async (tag, n) => {
        await page.waitForFunction(([t, k]) => window.__done.filter((d) => d.tag === t).length >= k, [tag, n], { timeout: 120_000 });
        return (await page.evaluate((t) => window.__done.filter((d) => d.tag === t), tag))[n - 1];
      };
      // Nothing of kunci's WebAssembly loads before an element is used.
      const wasm = [];
      page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url()); });

      // SIMPEG's own login, on its own origin, with its own strict policy and a fresh nonce.
      const first = await page.goto(`${simpeg.url}/`);
      const csp = first.headers()['content-security-policy'];
      assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic' 'wasm-unsafe-eval'/);
      assert.match(csp, /style-src 'self'; worker-src 'self'; connect-src 'self'/);
      const again = (await fetch(`${simpeg.url}/`)).headers.get('content-security-policy');
      assert.notEqual(again, csp, 'a fresh nonce per response');
      // The collector works: an image from elsewhere is refused (img-src) and reported.
      await page.evaluate(() => { new Image().src = 'http://192.0.2.1/probe.png'; });
      for (let i = 0; i < 100 && violations.length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
      assert.match(violations.join('\n'), /^img-src blocked http:\/\/192\.0\.2\.1\/probe\.png/);
      violations.length = 0;
      // Chromium logs that refusal as a console error: the walk's own, not a problem of the page.
      const probe = (p) => p.includes('192.0.2.1/probe.png');
      w.problems.splice(0, w.problems.length, ...w.problems.filter((p) => !probe(p)));
      await step('simpeg-masuk');
      await page.getByLabel('NIP atau nama pengguna').fill('demo');
      await page.getByLabel('Kata sandi').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Masuk' }).click();
      await page.waitForURL(/\/perpanjang$/);
      const cookies = await page.context().cookies(simpeg.url);
      const own = cookies.find((c) => c.name === 'simpeg_sid');
      assert.ok(own && own.httpOnly && own.sameSite === 'Strict', 'SIMPEG\'s own session cookie');
      assert.equal(cookies.find((c) => c.name === 'kunci_session'), undefined, 'kunci-ams\'s session stays on SIMPEG\'s server');

      // "Perpanjang sertifikat": the holder's certificates, as SIMPEG lists them.
      const listed = async () => page.evaluate(async () => (await (await fetch('/renew/certificates')).json()).certificates);
      const [old] = await listed();
      assert.equal(old.status, 'good');
      await page.locator(`#renew-${old.id}`).waitFor();
      assert.equal(await page.evaluate(() => customElements.get('kunci-client-kit') !== undefined
        && customElements.get('kunci-p12-maker') !== undefined), true, 'both elements are defined');
      await step('simpeg-perpanjang-sertifikat');
      assert.deepEqual(wasm, [], 'no .wasm before an element is used');
      await page.locator(`#renew-${old.id}`).click();

      // <kunci-client-kit>: the token the page filled in, the check, the key, the backup.
      const kit = page.locator('kunci-client-kit');
      await page.locator('#step-key').waitFor({ state: 'visible' });
      const token = await kit.getAttribute('token');
      assert.ok(token && token.length >= 22, 'SIMPEG hands the element the CSR token');
      assert.equal(await kit.getByLabel('Tempel token CSR di sini').inputValue(), token, 'the token is filled in');
      await step('kit-id-token');
      await kit.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
      await kit.getByText('Budi Santoso').first().waitFor();
      await kit.getByText('budi.santoso@example.go.id').first().waitFor();
      // Without the extension the USB-token choice is off, and the element says why.
      await kit.getByText(/belum terpasang/).waitFor();
      assert.equal(await kit.getByLabel('Ya — pada token USB (perangkat keras)').isDisabled(), true);
      await kit.getByLabel('Algoritme kunci').selectOption('p256');
      await kit.getByLabel('Tidak — di peramban (berkas terenkripsi)').check();
      await kit.getByLabel('Kata sandi kunci').pressSequentially(KEY_PASSWORD);
      await kit.getByLabel('Ulangi kata sandi').pressSequentially(KEY_PASSWORD);
      const generate = kit.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' });
      await page.waitForFunction(() => {
        const b = [...document.querySelector('kunci-client-kit').shadowRoot.querySelectorAll('button')]
          .find((x) => x.textContent.includes('(3)'));
        return b && !b.disabled;
      }, null, { timeout: 30_000 });
      await step('kit-id-kata-sandi');
      await generate.click();
      const saveBackup = kit.getByRole('link', { name: 'Simpan cadangan kunci' });
      await saveBackup.waitFor({ state: 'visible', timeout: 120_000 });
      const backup = await download(page, saveBackup);
      assert.match(backup.bytes.toString(), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      await kit.getByLabel('Berkas cadangan kunci (kunci-key-….pem)').setInputFiles({
        name: backup.name, mimeType: 'application/x-pem-file', buffer: backup.bytes,
      });
      await kit.getByLabel('Kata sandi berkas cadangan').fill(KEY_PASSWORD);
      await step('kit-id-cadangan');
      await kit.getByRole('button', { name: 'Periksa cadangan' }).click();
      const sent = await doneOf('kunci-client-kit', 1);
      assert.equal(sent.algorithm, 'p256');
      assert.deepEqual(sent.backup, { checked: true }, 'the backup was proven');
      assert.equal(sent.answer.status, 'uploaded', 'SIMPEG\'s answer: kunci-ams stored the CSR');
      assert.match(openssl(['req', '-noout', '-verify', '-text'], sent.csr), /Budi Santoso/);
      await kit.getByText('CSR telah diterima').waitFor();
      await step('kit-id-csr-diterima');
      await page.getByRole('button', { name: 'Lanjut ke surat rekomendasi' }).click();

      // SIMPEG's own letter upload and agreement.
      await page.locator('#step-letter').waitFor({ state: 'visible' });
      await page.getByLabel('Surat rekomendasi atasan (PDF)').setInputFiles({
        name: 'surat-rekomendasi.pdf', mimeType: 'application/pdf', buffer: PDF,
      });
      await page.locator('#letter-status').filter({ hasText: 'Terunggah' }).waitFor();
      await page.getByLabel('Saya menyetujui ketentuan penggunaan sertifikat elektronik').check();
      await step('simpeg-surat-dan-persetujuan');
      await page.getByRole('button', { name: 'Kirim permohonan' }).click();
      await page.locator('#status-text').filter({ hasText: 'menunggu persetujuan' }).waitFor();
      await step('simpeg-status-menunggu');
      assert.equal((await listed()).find((c) => c.id === old.id).status, 'good', 'no gap: the old one stays good while waiting');

      // The operator approves in kunci-ams's own operator page (another tab).
      await approveInAnotherTab(w, 'kunci-ams-operator-menyetujui');
      await page.getByRole('button', { name: 'Periksa status' }).click();
      await page.locator('#status-text').filter({ hasText: 'sudah terbit' }).waitFor();
      await step('simpeg-status-terbit');
      const certs = await listed();
      const renewed = certs.find((c) => c.id === old.id);
      assert.equal(renewed.status, 'revoked');
      assert.equal(renewed.reason, 'superseded');
      const fresh = certs.find((c) => c.status === 'good');
      assert.ok(fresh && fresh.serial !== old.serial, 'the new certificate is issued');
      await assertOnCrl(portal, old.serial, /Superseded/, 'the old certificate is on the CRL');
      await page.getByRole('button', { name: 'Lanjut ke unduhan' }).click();

      // <kunci-p12-maker>: the key kept in this browser, the certificate from SIMPEG's URL.
      const maker = page.locator('kunci-p12-maker');
      await page.locator('#step-download').waitFor({ state: 'visible' });
      let made = 0;
      const makeFiles = async (words) => {
        await maker.getByLabel(words.password, { exact: true }).fill(KEY_PASSWORD);
        await step(words.before);
        await maker.getByRole('button', { name: words.go, exact: true }).click();
        made += 1;
        const detail = await doneOf('kunci-p12-maker', made);
        await maker.getByRole('link', { name: words.savePem }).waitFor({ timeout: 120_000 });
        await step(words.after);
        const pem = await download(page, maker.getByRole('link', { name: words.savePem }));
        const p12 = await download(page, maker.getByRole('link', { name: words.saveP12 }));
        return { detail, pem, p12 };
      };
      const id = await makeFiles({
        password: 'Kata sandi kunci', go: 'Download', savePem: 'Simpan .pem', saveP12: 'Simpan .p12',
        before: 'p12-maker-id', after: 'p12-maker-id-berhasil',
      });
      await page.locator('#download-done').filter({ hasText: 'siap dipakai' }).waitFor();
      assert.equal(id.detail.profile, 'modern', 'Linux Chromium: the modern profile');
      assert.match(id.p12.name, /\.p12$/);
      await judgeP12(id, fresh, old);

      // The page's language switch: SIMPEG and both elements in English.
      await page.getByRole('button', { name: 'English' }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'en'
        && document.querySelector('kunci-p12-maker').getAttribute('lang') === 'en');
      await maker.getByText('Private key and .p12 file').first().waitFor();
      await page.locator('#download-done').filter({ hasText: 'is ready to use' }).waitFor();
      const en = await makeFiles({
        password: 'Key password', go: 'Download', savePem: 'Save .pem', saveP12: 'Save .p12',
        before: 'p12-maker-en', after: 'p12-maker-en-done',
      });
      await judgeP12(en, fresh, old);

      // Back to the list: the new certificate valid, the old one superseded; renewing the new
      // one shows the client kit in English (it stays open: the walk ends at the check).
      await page.getByRole('button', { name: 'Back to the certificate list' }).click();
      await page.locator(`#renew-${fresh.id}`).waitFor();
      assert.match(await page.locator('#cert-rows').innerText(), /Superseded/);
      await step('simpeg-certificates-en');
      await page.locator(`#renew-${fresh.id}`).click();
      await page.locator('#step-key').waitFor({ state: 'visible' });
      assert.equal(await kit.getAttribute('lang'), 'en');
      const next = await page.evaluate(async () => (await (await fetch('/renew/status')).json()).request.id);
      const nextToken = await kit.getAttribute('token');
      assert.notEqual(nextToken, token, 'a new token for the new renewal');
      await page.waitForFunction((tk) => document.querySelector('kunci-client-kit').shadowRoot.querySelector('input').value === tk, nextToken);
      await kit.getByRole('button', { name: '(2) Continue >>' }).click();
      await kit.getByText(`#${next}`).waitFor();
      await kit.getByText(/extension is not installed/).waitFor();
      await kit.getByLabel('Key password', { exact: true }).pressSequentially(KEY_PASSWORD);
      await kit.getByLabel('Repeat the password').pressSequentially(KEY_PASSWORD);
      await kit.getByText(/strong enough, accepted/).waitFor({ timeout: 30_000 });
      await step('kit-en');

      assert.deepEqual(violations, [], 'no Content-Security-Policy violation in the page');
      // SIMPEG's server kept the holder's secrets to itself and logged none.
      for (const secret of [DEMO_PASSWORD, KEY_PASSWORD, token]) {
        assert.equal(simpeg.log().includes(secret), false, 'a secret in SIMPEG\'s log');
      }
    } catch (e) {
      process.stderr.write(`SIMPEG's server said:\n${simpeg.log()}\nThe page said:\n${w.problems.join('\n')}\n`);
      throw e;
    } finally {
      await simpeg.stop();
    }
  }, { portal: ams, user: null });
}

/**
 * OpenSSL judges a `.p12` the p12 maker saved: the key password opens it, it holds the new
 * certificate (the saved .pem, the one SIMPEG lists as good, not the old one) and that
 * certificate's key, a P-256 key made in the page.
 */
async function judgeP12({ pem, p12, detail }, fresh, old) {
  const file = await tempFile('holder.p12', p12.bytes);
  const pass = `pass:${KEY_PASSWORD}`;
  const cert = openssl(['pkcs12', '-in', file, '-passin', pass, '-nokeys', '-clcerts']);
  const key = openssl(['pkcs12', '-in', file, '-passin', pass, '-nocerts', '-nodes']);
  const fp = (text) => openssl(['x509', '-noout', '-fingerprint', '-sha256'], text);
  assert.equal(fp(cert), fp(pem.bytes), 'the .p12 holds the saved certificate');
  assert.equal(fp(pem.bytes), fp(detail.pem));
  const serial = openssl(['x509', '-noout', '-serial'], cert).trim().split('=')[1].toLowerCase().replace(/^0+/, '');
  assert.equal(serial, fresh.serial.toLowerCase().replace(/^0+/, ''), 'the new certificate');
  assert.notEqual(serial, old.serial.toLowerCase().replace(/^0+/, ''), 'not the old one');
  assert.equal(openssl(['pkey', '-pubout'], key), openssl(['x509', '-noout', '-pubkey'], cert), 'its key is the certificate\'s');
  assert.match(openssl(['x509', '-noout', '-text'], cert), /NIST CURVE: P-256/);
  assert.throws(() => openssl(['pkcs12', '-in', file, '-passin', 'pass:wrong', '-noout']));
}

