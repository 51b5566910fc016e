/**
 * The two end-to-end walks of the portal in headless Chromium, as a person does them: clicks
 * and typing on the real pages of `web/`, served by a real `kunci-ams` with its own CA and
 * SQLite file, no API shortcuts. Each step is screenshotted under `target/portal-walk/` and
 * checked with axe-core (no serious or critical violations); the page may log no error.
 *
 * 1. The browser-key path of docs/PROCESS.md, steps 1-24: revoke the old certificate with reason
 *    UNSPECIFIED, request the new one (token, key made in the page, password strength, CSR,
 *    Surat Rekomendasi, agreement), operator approvals, then the .pem and the in-page .p12.
 *    OpenSSL judges the .p12 (password, key matches certificate), the chain to the CA, and
 *    the CRL (the old certificate on it, without a reasonCode: RFC 5280 5.3.1 says the
 *    unspecified reason is written by leaving the extension out).
 * 2. The renewal without a gap: the old certificate stays good (not on the CRL) while the new
 *    request waits, and is on the CRL as superseded once the new one is issued.
 */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { launch } from './browser.mjs';
import {
  DEMO_PASSWORD, axeViolations, openssl, portalSkipReason, screenshots, startPortal, tempFile,
} from './portal.mjs';

const skip = portalSkipReason();

/** The holder's key password: long, unrelated to the holder's data (passes the > 50 % rule). */
const KEY_PASSWORD = 'Gamelan-Hujan-Petir-7391-senja';
/** A password the strength rule refuses (the holder's own name and birth year). */
const WEAK_PASSWORD = 'budi1985';

/** A one-page PDF (the Surat Rekomendasi) and a PNG that claims to be a PDF. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n'
  + 'trailer<</Root 1 0 R>>\n%%EOF\n',
);
const NOT_PDF = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/** One walk's browser, page and checks. */
async function walker(name, portal) {
  const browser = await launch();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: portal.url });
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (msg) => {
    // Chromium logs every 4xx answer itself; the walk's one expected refusal is the 415 for
    // the PNG sent as a PDF.
    if (msg.type() === 'error' && !/status of 415/.test(msg.text())) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`exception: ${err.message}`));
  const shots = await screenshots(name);
  /** Screenshot + axe on the page as it is now. */
  const step = async (label) => {
    await shots.shot(page, label);
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `axe-core on step "${label}"`);
  };
  const login = async (user) => {
    await page.goto(`${portal.url}/`);
    await page.getByLabel('Nama pengguna').fill(user);
    await page.getByLabel('Kata sandi').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(/dashboard|operator/);
  };
  const logout = async () => {
    await page.locator('#logout').click();
    await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
  };
  /** The operator approves every request in the queue, from the queue page. */
  const operatorApprovesAll = async (label) => {
    await logout();
    await login('operator');
    await page.goto(`${portal.url}/operator.html`);
    const rows = page.locator('#queue-body tr[id^="queue-row-"]');
    await rows.first().waitFor();
    await step(label);
    const approve = page.locator('button[id^="approve-"]');
    const n = await approve.count();
    assert.ok(n >= 1, 'the queue shows the request');
    for (let i = 0; i < n; i += 1) {
      await approve.first().click();
      await page.locator('#status').filter({ hasText: /#\d+/ }).waitFor();
    }
    await logout();
    await login('demo');
  };
  return {
    browser, page, step, login, logout, operatorApprovesAll, problems, shots,
    close: async () => browser.close(),
  };
}

/** Downloads what clicking `locator` saves; returns its bytes and suggested name. */
async function download(page, locator) {
  const [dl] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const file = await dl.path();
  return { bytes: await readFile(file), name: dl.suggestedFilename() };
}

async function fetchCrlText(portal) {
  const der = Buffer.from(await (await fetch(`${portal.url}/ca/issuing.crl`)).arrayBuffer());
  return { der, text: openssl(['crl', '-inform', 'DER', '-noout', '-text'], der) };
}

/** The serial as OpenSSL prints it in a CRL (upper-case hex). */
const crlSerial = (hex) => hex.toUpperCase().replace(/^0+/, '');

/** The CRL entry of `serial` as OpenSSL prints it: its lines up to the next entry. */
function crlEntry(text, serial) {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes('Serial Number:') && l.includes(crlSerial(serial)));
  if (at < 0) return null;
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((l) => /Serial Number:|Signature Algorithm:/.test(l));
  return [lines[at], ...rest.slice(0, end < 0 ? rest.length : end)].join('\n');
}

/** Runs the Permohonan Baru wizard from the product step to the submitted request. */
async function newRequestWizard(w, { algorithm, checkWeakPassword, tryBadUpload }) {
  const { page, step } = w;
  await page.locator('#step-product').waitFor({ state: 'visible' });
  await page.getByLabel('Jenis Sertifikat').selectOption({ label: 'Individu' });
  await page.getByLabel('Produk', { exact: true }).selectOption({ label: 'Sertifikat Elektronik Individu' });
  await step('permohonan-baru-produk');
  await page.locator('#product-continue').click();

  // 11. The CSR token, "Copy Token".
  await page.locator('#step-token').waitFor({ state: 'visible' });
  const token = await page.locator('#csr-token').inputValue();
  assert.ok(token.length >= 22, 'a CSR token of at least 128 bits is shown');
  await page.getByRole('button', { name: 'Copy Token' }).click();
  await step('token-csr');
  await page.locator('#token-continue').click();

  // 12-14. The client kit: "(1) Paste >>", "(2) Lanjutkan >>", the holder's data.
  await page.locator('#step-kit').waitFor({ state: 'visible' });
  await page.getByRole('button', { name: '(1) Paste >>' }).click();
  // The paste reads the clipboard asynchronously; its status line says when it is done.
  await page.locator('#paste-status').filter({ hasText: /\S/ }).waitFor();
  const pasted = await page.locator('#kit-token').inputValue();
  if (pasted !== token) {
    // Headless Chromium's clipboard may stay empty; the field is typeable, as a person would.
    await page.locator('#kit-token').fill('');
    await page.locator('#kit-token').pressSequentially(token);
  }
  await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
  await page.locator('#kit-details').waitFor({ state: 'visible' });
  const holderData = await page.locator('#holder-data').innerText();
  assert.match(holderData, /Budi Santoso/);
  assert.match(holderData, /budi\.santoso@example\.go\.id/);

  // 16. Where the key lives: "Yes" needs the extension, which is absent: the page says so.
  await page.locator('#key-alg').selectOption(algorithm);
  await page.locator('#extension-status').filter({ hasText: /belum terpasang/ }).waitFor();
  assert.equal(
    await page.getByLabel('Ya — pada token USB (perangkat keras)').isDisabled(),
    true,
    'without the extension the token choice is off, and the page says why',
  );
  await step('kunci-token-usb-tidak-tersedia');
  await page.getByLabel('Tidak — di peramban (berkas terenkripsi)').check();

  // 17. The password: a weak one is refused with the reason, a strong one accepted.
  const generate = page.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' });
  if (checkWeakPassword) {
    await page.getByLabel('Kata sandi kunci').pressSequentially(WEAK_PASSWORD);
    await page.getByLabel('Ulangi kata sandi').pressSequentially(WEAK_PASSWORD);
    await page.locator('#strength-summary').filter({ hasText: /%/ }).waitFor();
    const meter = Number(await page.locator('#strength-meter').getAttribute('value'));
    assert.ok(meter <= 50, `a weak password scores ${meter} %`);
    assert.equal(await generate.isDisabled(), true, 'a weak password cannot generate');
    await step('kata-sandi-lemah');
    await page.getByLabel('Kata sandi kunci').fill('');
    await page.getByLabel('Ulangi kata sandi').fill('');
  }
  await page.getByLabel('Kata sandi kunci').pressSequentially(KEY_PASSWORD);
  await page.getByLabel('Ulangi kata sandi').pressSequentially(KEY_PASSWORD);
  await page.waitForFunction(() => !document.getElementById('generate').disabled);
  const percent = Number(await page.locator('#strength-meter').getAttribute('value'));
  assert.ok(percent > 50, `the strong password scores ${percent} %`);
  await step('kata-sandi-kuat');

  // 15. "(3) BANGKITKAN DAN KIRIM CSR": progress, the key backup, 18. "CSR telah diterima".
  await generate.click();
  await page.locator('#backup-part').waitFor({ state: 'visible', timeout: 120_000 });
  const backup = await download(page, page.locator('#backup-link'));
  assert.match(backup.bytes.toString(), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  await page.locator('#csr-sent').waitFor({ state: 'visible', timeout: 60_000 });
  await step('csr-terkirim');
  assert.equal(await generate.isDisabled(), true, 'the CSR is sent once per token');
  await page.locator('#csr-ok').click();

  // 19. "Check" → "Sudah Upload" → "Continue".
  await page.locator('#step-check').waitFor({ state: 'visible' });
  await page.getByRole('button', { name: 'Check' }).click();
  await page.locator('#check-result').filter({ hasText: 'Sudah Upload' }).waitFor();
  await step('sudah-upload');
  await page.locator('#check-continue').click();

  // 20. The Surat Rekomendasi: a PNG named .pdf is refused by content, the PDF accepted.
  await page.locator('#step-document').waitFor({ state: 'visible' });
  if (tryBadUpload) {
    await page.getByLabel('Surat Rekomendasi (PDF)').setInputFiles({
      name: 'surat.pdf', mimeType: 'application/pdf', buffer: NOT_PDF,
    });
    await page.locator('#upload-error').filter({ hasText: /PDF/ }).waitFor();
    await step('unggah-bukan-pdf');
  }
  await page.getByLabel('Surat Rekomendasi (PDF)').setInputFiles({
    name: 'surat-rekomendasi.pdf', mimeType: 'application/pdf', buffer: PDF,
  });
  await page.waitForFunction(() => !document.getElementById('document-continue').disabled);
  await step('surat-rekomendasi');
  await page.locator('#document-continue').click();

  // 21-22. The agreement: the box is disabled until the text is scrolled to its end (by
  // keyboard here), then ticked, then "Setuju dan Submit".
  await page.locator('#step-agreement').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#agree').isDisabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Setuju dan Submit' }).isDisabled(), true);
  await page.locator('#agreement-text').focus();
  for (let i = 0; i < 40 && await page.locator('#agree').isDisabled(); i += 1) {
    await page.keyboard.press('PageDown');
  }
  assert.equal(await page.locator('#agree').isDisabled(), false, 'scrolling to the end enables the box');
  await page.getByLabel('Saya telah membaca dan menyetujui perjanjian').check();
  await step('perjanjian');
  await page.getByRole('button', { name: 'Setuju dan Submit' }).click();
  await page.locator('#step-done').waitFor({ state: 'visible' });
  await step('permohonan-terkirim');
  return { token, backup };
}

/** The holder's certificates as the API lists them (read with the page's own session). */
async function certificatesSeen(page) {
  return page.evaluate(async () => (await (await fetch('/api/certificates')).json()).certificates);
}

describe('portal walks in headless Chromium', { skip }, () => {
  let portal;
  before(async () => { portal = await startPortal(); });
  after(async () => { await portal?.stop(); });

  it('walks docs/PROCESS.md steps 1-24 with the key made in the browser', { timeout: 600_000 }, async () => {
    const w = await walker('browser-key', portal);
    const { page, step } = w;
    try {
      // 1-2. Login, dashboard.
      await page.goto(`${portal.url}/`);
      await step('login');
      await w.login('demo');
      await step('dasbor');
      // The English toggle: every string changes, <html lang> follows; then back.
      await page.getByRole('button', { name: 'English' }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      assert.match(await page.locator('main').innerText(), /certificate/i);
      await step('dashboard-english');
      await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'id');

      // 3. "Sertifikat Anda": serial and "Akhir Masa Berlaku".
      await page.locator('#nav-certificates').click();
      const [old] = await certificatesSeen(page);
      assert.equal(old.status, 'good');
      await page.locator(`#info-${old.id}`).waitFor();
      assert.match(await page.locator('#certificates-body').innerText(), new RegExp(old.serial, 'i'));
      await step('sertifikat-anda');

      // 4-5. "Info": the details.
      await page.locator(`#info-${old.id}`).click();
      await page.waitForURL(/certificate\.html/);
      await page.locator('#details').filter({ hasText: 'Budi Santoso' }).waitFor();
      const details = await page.locator('#details').innerText();
      assert.match(details, /Sertifikat Elektronik Individu/);
      assert.match(details, /budi\.santoso@example\.go\.id/);
      await step('info-sertifikat');

      // 6. "Revoke Reason": UNSPECIFIED (the data changed), "Revoke", confirm.
      await page.locator('#revoke-reason').selectOption('unspecified');
      await page.locator('#revoke').click();
      await page.locator('#revoke-dialog').waitFor({ state: 'visible' });
      await step('konfirmasi-revoke');
      await page.locator('#revoke-confirm').click();

      // 7. "Status Permohonan" shows the revocation request, "Enrollment" (pending).
      await page.waitForURL(/requests\.html/);
      await page.locator('#requests-body tr[id^="request-row-"]').first().waitFor();
      assert.match(await page.locator('#requests-body').innerText(), /Enrollment/);
      await step('status-permohonan-pencabutan');
      let crl = await fetchCrlText(portal);
      assert.equal(crlEntry(crl.text, old.serial), null, 'not on the CRL before approval');

      // 8. The operator approves; the request becomes "Success", the certificate is on the CRL.
      await w.operatorApprovesAll('antrian-operator-pencabutan');
      await page.goto(`${portal.url}/requests.html`);
      await page.locator('#requests-body').filter({ hasText: 'Success' }).waitFor();
      await step('pencabutan-success');
      crl = await fetchCrlText(portal);
      const entry = crlEntry(crl.text, old.serial);
      assert.ok(entry, `the old certificate ${old.serial} is on the CRL:\n${crl.text}`);
      assert.doesNotMatch(entry, /Reason Code/, 'unspecified: no reasonCode (RFC 5280 5.3.1)');

      // 9-22. "Permohonan Baru".
      await page.locator('#nav-new').click();
      const { token: csrToken } = await newRequestWizard(w, { algorithm: 'rsa2048', checkWeakPassword: true, tryBadUpload: true });

      // 23. The operator approves; the request becomes "Success"; the inbox has the notice.
      await w.operatorApprovesAll('antrian-operator-penerbitan');
      await page.goto(`${portal.url}/requests.html`);
      await page.locator('#requests-body tr[id^="request-row-"]').first().waitFor();
      const successes = await page.locator('#requests-body tr', { hasText: 'Success' }).count();
      // The demo's first enrollment, the revocation and the new enrollment.
      assert.equal(successes, 3, 'revocation and new enrollment both "Success"');
      await page.locator('#nav-inbox').click();
      await page.locator('main').filter({ hasText: /terbit|issued/i }).first().waitFor();
      await step('kotak-masuk');

      // 24a. "Sertifikat Anda" → "Download" → .pem.
      await page.locator('#nav-certificates').click();
      const fresh = (await certificatesSeen(page)).find((c) => c.status === 'good');
      assert.ok(fresh, 'a new good certificate');
      await page.locator(`#download-${fresh.id}`).waitFor();
      assert.notEqual(fresh.serial, old.serial);
      await page.locator(`#download-${fresh.id}`).click();
      await step('download-menu');
      const pemLink = page.locator(`#pem-${fresh.id}`);
      const pem = await download(page, pemLink);
      assert.match(pem.bytes.toString(), /^-----BEGIN CERTIFICATE-----/);

      // 24b. "Download Sertifikat Elektronik": key from IndexedDB, password, .pem + .p12.
      await page.goto(`${portal.url}/download.html?id=${fresh.id}`);
      await page.waitForFunction(() => !document.getElementById('unlock').disabled);
      await page.locator('#where-file').check();
      await page.locator('#key-password').fill(KEY_PASSWORD);
      await step('download-sertifikat');
      await page.locator('#unlock').click();
      await page.locator('#result').waitFor({ state: 'visible', timeout: 120_000 });
      await step('download-berhasil');
      const savedPem = await download(page, page.locator('#save-pem'));
      const savedP12 = await download(page, page.locator('#save-p12'));
      assert.match(savedP12.name, /\.p12$/);

      // OpenSSL judges the .p12: the password opens it, its certificate is the issued one,
      // its key is the certificate's key.
      const p12File = await tempFile('holder.p12', savedP12.bytes);
      const pass = `pass:${KEY_PASSWORD}`;
      const certOut = openssl(['pkcs12', '-in', p12File, '-passin', pass, '-nokeys', '-clcerts']);
      const keyOut = openssl(['pkcs12', '-in', p12File, '-passin', pass, '-nocerts', '-nodes']);
      const fp = (text) => openssl(['x509', '-noout', '-fingerprint', '-sha256'], text);
      assert.equal(fp(certOut), fp(savedPem.bytes), 'the .p12 holds the issued certificate');
      assert.equal(fp(savedPem.bytes), fp(fresh.pem));
      const certKey = openssl(['x509', '-noout', '-pubkey'], certOut);
      const keyPub = openssl(['pkey', '-pubout'], keyOut);
      assert.equal(keyPub, certKey, 'the .p12 key is the certificate key');
      assert.match(openssl(['x509', '-noout', '-text'], certOut), /Public-Key: \(2048 bit\)/);
      const wrong = await tempFile('x.p12', savedP12.bytes);
      assert.throws(() => openssl(['pkcs12', '-in', wrong, '-passin', 'pass:wrong', '-noout']));

      // The chain to the CA, and the old certificate revoked by the CRL.
      const root = await tempFile('root.der', Buffer.from(await (await fetch(`${portal.url}/ca/root.crt`)).arrayBuffer()));
      const rootPem = await tempFile('root.pem', openssl(['x509', '-inform', 'DER', '-in', root]));
      const issuingPem = await tempFile('issuing.pem', openssl(['x509', '-inform', 'DER', '-in',
        await tempFile('issuing.der', Buffer.from(await (await fetch(`${portal.url}/ca/issuing.crt`)).arrayBuffer()))]));
      const leaf = await tempFile('leaf.pem', savedPem.bytes);
      assert.match(openssl(['verify', '-CAfile', rootPem, '-untrusted', issuingPem, leaf]), /OK/);
      crl = await fetchCrlText(portal);
      const crlPem = await tempFile('crl.pem', openssl(['crl', '-inform', 'DER'], crl.der));
      assert.match(
        openssl(['verify', '-crl_check', '-CAfile', rootPem, '-untrusted', issuingPem, '-CRLfile', crlPem, leaf]),
        /OK/,
      );
      const oldPem = await tempFile('old.pem', old.pem);
      assert.throws(
        () => openssl(['verify', '-crl_check', '-CAfile', rootPem, '-untrusted', issuingPem, '-CRLfile', crlPem, oldPem]),
        /revoked/,
      );
      assert.deepEqual(w.problems, [], 'the pages logged no error');
      // Secrets never reach the server's log while it serves: the login password, the key
      // password, the CSR token (stored only as its hash). The demo's logins are printed once
      // at start, on purpose; everything after "serving on" is what the portal logged.
      const full = portal.log();
      const at = full.indexOf('serving on');
      assert.ok(at > 0, full);
      const log = full.slice(at);
      for (const secret of [DEMO_PASSWORD, KEY_PASSWORD, csrToken]) {
        assert.equal(log.includes(secret), false, 'a secret in the portal log');
      }
    } catch (e) {
      await w.shots.shot(page, 'failure').catch(() => {});
      throw e;
    } finally {
      await w.close();
    }
  });

  it('"log out everywhere" ends the account\'s session on another device too', { timeout: 120_000 }, async () => {
    // The other device: a session made over HTTP, with its own cookie.
    const other = await fetch(`${portal.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'demo', password: DEMO_PASSWORD }),
    });
    assert.equal(other.status, 200);
    const cookie = other.headers.get('set-cookie').split(';')[0];
    const meThere = async () => (await fetch(`${portal.url}/api/me`, { headers: { cookie } })).status;
    assert.equal(await meThere(), 200, 'the other device is logged in');

    const w = await walker('logout-everywhere', portal);
    try {
      await w.login('demo');
      await w.step('dasbor-sebelum-keluar-semua');
      await w.page.locator('#logout-all').click();
      await w.page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
      assert.deepEqual(w.problems, [], 'the pages logged no error');
      assert.equal(await meThere(), 401, 'the other device\'s session ended');
      const here = await w.page.evaluate(async () => (await fetch('/api/me')).status);
      assert.equal(here, 401, 'this session ended');
    } finally {
      await w.close();
    }
  });

  it('renews without a gap: the old certificate stays good until the new one is issued', { timeout: 600_000 }, async () => {
    const renewal = await startPortal();
    const w = await walker('no-gap-renewal', renewal);
    const { page, step } = w;
    try {
      await w.login('demo');
      await page.locator('#nav-certificates').click();
      const [old] = await certificatesSeen(page);
      await page.locator(`#info-${old.id}`).click();
      await page.locator('#renew-link').waitFor();
      await step('info-perpanjang');
      await page.locator('#renew-link').click();
      await page.waitForURL(/permohonan-baru\.html\?renews=/);
      await page.locator('#renews-note').waitFor({ state: 'visible' });
      await newRequestWizard(w, { algorithm: 'p256', checkWeakPassword: false, tryBadUpload: false });

      // Submitted, not yet approved: the old certificate is still good and not on the CRL.
      let [still] = (await certificatesSeen(page)).filter((c) => c.id === old.id);
      assert.equal(still.status, 'good');
      let crl = await fetchCrlText(renewal);
      assert.equal(crlEntry(crl.text, old.serial), null, 'no gap: not revoked while waiting');

      await w.operatorApprovesAll('antrian-operator-perpanjangan');
      const certs = await certificatesSeen(page);
      [still] = certs.filter((c) => c.id === old.id);
      assert.equal(still.status, 'revoked');
      assert.equal(still.revocation_reason, 'superseded');
      const fresh = certs.find((c) => c.status === 'good');
      assert.ok(fresh && fresh.id !== old.id, 'the new certificate is issued');
      assert.ok(fresh.not_before <= still.revoked_at + 300, 'the new one was valid when the old one ended');
      crl = await fetchCrlText(renewal);
      const entry = crlEntry(crl.text, old.serial);
      assert.ok(entry, 'the old certificate is on the CRL');
      assert.match(entry, /Superseded/);
      await page.locator('#nav-certificates').click();
      await page.locator(`#info-${fresh.id}`).waitFor();
      await step('sertifikat-setelah-perpanjangan');
      assert.deepEqual(w.problems, [], 'the pages logged no error');
    } catch (e) {
      await w.shots.shot(page, 'failure').catch(() => {});
      throw e;
    } finally {
      await w.close();
      await renewal.stop();
    }
  });
});
