/**
 * The walk kit: what every portal walk under `tests/web/walks/` shares. A walk is one
 * scenario in one file (`<scenario>.test.mjs`), clicked and typed as a person does on the real
 * pages of `web/`, served by a real `kunci-ams` with its own CA and SQLite file (`startPortal`),
 * no API shortcuts for the person's own actions. `walker()` gives a fresh headless Chromium
 * page whose console errors and exceptions are collected (`problems`: a walk ends by asserting
 * it is empty) and a `step(label)` that takes a numbered full-page screenshot under
 * `target/portal-walk/<walk>/` and fails on any serious or critical axe-core violation.
 *
 * `cargo xtask walk [--scenario NAME]` runs the walks alone, after building what they need;
 * `cargo xtask ci` runs them all.
 */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { launch } from '../browser.mjs';
import {
  DEMO_PASSWORD, axeViolations, openssl, portalSkipReason, screenshots, startPortal, tempFile,
} from '../portal.mjs';

export { DEMO_PASSWORD, axeViolations, openssl, screenshots, startPortal, tempFile };

/** Why the walks cannot run here (undefined when they can; throws in CI when they cannot). */
export const skip = portalSkipReason();

/** A phone's screen (the 375×812). */
export const PHONE = { width: 375, height: 812 };

/** The holder's key password: long, unrelated to the holder's data (passes the > 50 % rule). */
export const KEY_PASSWORD = 'Gamelan-Hujan-Petir-7391-senja';
/** A password the strength rule refuses (the holder's own name and birth year). */
export const WEAK_PASSWORD = 'budi1985';

/** A one-page PDF (the Surat Rekomendasi) and a PNG that claims to be a PDF. */
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n'
  + 'trailer<</Root 1 0 R>>\n%%EOF\n',
);
export const NOT_PDF = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/**
 * One walk's browser, page and checks. `viewport` sets the page's size (e.g. `PHONE`; the
 * default is Playwright's 1280×720).
 */
export async function walker(name, portal, { viewport } = {}) {
  const browser = await launch({ viewport });
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
    // On a phone the account's buttons are folded behind "Menu" (layout.js).
    if (await page.locator('#menu-toggle').isVisible()) {
      await page.locator('#menu-toggle[aria-expanded="false"]').click();
    }
    await page.locator('#logout').click();
    await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
  };
  /**
   * The operator approves every request in the queue, from the queue page: each "Setujui"
   * opens the confirmation dialog, which repeats holder, kind and product; "Ya, setujui" sends
   * the decision and the row leaves the queue.
   */
  const operatorApprovesAll = async (label) => {
    await logout();
    await login('operator');
    await page.goto(`${portal.url}/operator.html`);
    const rows = page.locator('#queue-body tr[id^="queue-row-"]');
    await rows.first().waitFor();
    await step(label);
    const approve = page.locator('button[id^="approve-"]:not(#approve-confirm):not(#approve-cancel)');
    const n = await approve.count();
    assert.ok(n >= 1, 'the queue shows the request');
    for (let i = 0; i < n; i += 1) {
      await approve.first().click();
      await page.locator('#approve-dialog[open]').waitFor();
      assert.match(await page.locator('#approve-summary').innerText(), /Pemohon/);
      await page.locator('#approve-confirm').click();
      await page.locator('#approve-dialog:not([open])').waitFor({ state: 'attached' });
      await page.waitForFunction((left) => document.querySelectorAll('#queue-body tr[id^="queue-row-"]').length === left, n - i - 1);
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
export async function download(page, locator) {
  const [dl] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const file = await dl.path();
  return { bytes: await readFile(file), name: dl.suggestedFilename() };
}

export async function fetchCrlText(portal) {
  const der = Buffer.from(await (await fetch(`${portal.url}/ca/issuing.crl`)).arrayBuffer());
  return { der, text: openssl(['crl', '-inform', 'DER', '-noout', '-text'], der) };
}

/** The serial as OpenSSL prints it in a CRL (upper-case hex). */
export const crlSerial = (hex) => hex.toUpperCase().replace(/^0+/, '');

/** The CRL entry of `serial` as OpenSSL prints it: its lines up to the next entry. */
export function crlEntry(text, serial) {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes('Serial Number:') && l.includes(crlSerial(serial)));
  if (at < 0) return null;
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((l) => /Serial Number:|Signature Algorithm:/.test(l));
  return [lines[at], ...rest.slice(0, end < 0 ? rest.length : end)].join('\n');
}

/**
 * Runs the Permohonan Baru wizard from the product step to the submitted request. `backup`:
 * after the key is made, `'prove'` opens the saved backup file with the password in the page
 * (a wrong password first), `'skip'` (the default) skips the check on the record.
 */
export async function newRequestWizard(w, { algorithm, checkWeakPassword, tryBadUpload, backup: backupCheck = 'skip' }) {
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
  const { backup } = await keyStepToSubmitted(w, { algorithm, checkWeakPassword, tryBadUpload, backup: backupCheck });
  return { token, backup };
}

/**
 * The wizard from the key step's "(2) Lanjutkan >>" (the CSR token already in its field) to
 * the submitted request: the key made in the page, the backup (see `newRequestWizard`), the
 * CSR, "Check", the Surat Rekomendasi, the agreement. Answers the saved backup file.
 */
export async function keyStepToSubmitted(w, { algorithm, checkWeakPassword, tryBadUpload, backup: backupCheck = 'skip' }) {
  const { page, step } = w;
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
  await proveOrSkipBackup(w, backup, backupCheck);
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
    // Chromium scrolls smoothly: let each page's scroll (and its scroll event) finish, or a
    // busy machine ends the 40 presses before the text has moved 40 pages.
    await page.waitForTimeout(60);
  }
  assert.equal(await page.locator('#agree').isDisabled(), false, 'scrolling to the end enables the box');
  await page.getByLabel('Saya telah membaca dan menyetujui perjanjian').check();
  await step('perjanjian');
  await page.getByRole('button', { name: 'Setuju dan Submit' }).click();
  await page.locator('#step-done').waitFor({ state: 'visible' });
  await step('permohonan-terkirim');
  return { backup };
}

/**
 * The key step's backup proof (issue 12): "OK" waits until the saved backup file is proven to
 * open with its password (in the page) and to hold the CSR's key, or the check is skipped.
 */
export async function proveOrSkipBackup(w, backup, how) {
  const { page, step } = w;
  await page.locator('#backup-proof').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#csr-ok').isDisabled(), true, 'OK waits for the backup proof or its skip');
  if (how === 'prove') {
    await page.getByLabel('Berkas cadangan kunci (kunci-key-….pem)').setInputFiles({
      name: backup.name, mimeType: 'application/x-pem-file', buffer: backup.bytes,
    });
    await page.getByLabel('Kata sandi berkas cadangan').fill(`${KEY_PASSWORD}-salah`);
    await page.getByRole('button', { name: 'Periksa cadangan' }).click();
    await page.locator('#backup-error').filter({ hasText: /Kata sandi salah/ }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#csr-ok').isDisabled(), true, 'a wrong password proves nothing');
    await step('cadangan-kata-sandi-salah');
    await page.getByLabel('Kata sandi berkas cadangan').fill(KEY_PASSWORD);
    await page.getByRole('button', { name: 'Periksa cadangan' }).click();
    await page.locator('#backup-status').filter({ hasText: 'Cadangan terbukti' }).waitFor({ timeout: 60_000 });
    await step('cadangan-terbukti');
  } else {
    await page.getByRole('button', { name: 'Lewati pemeriksaan' }).click();
    await page.locator('#backup-status').filter({ hasText: /dilewati/ }).waitFor();
    await step('cadangan-dilewati');
  }
  assert.equal(await page.locator('#csr-ok').isDisabled(), false, 'the key step can be left now');
}

/** The holder's certificates as the API lists them (read with the page's own session). */
export async function certificatesSeen(page) {
  return page.evaluate(async () => (await (await fetch('/api/certificates')).json()).certificates);
}

