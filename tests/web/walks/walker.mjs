/**
 * The walk kit: what every portal walk under `tests/web/walks/` shares. A walk is one
 * scenario in one file (`<scenario>.test.mjs`), clicked and typed as a person does on the real
 * pages of `web/`, served by a real `kunci-ams` with its own CA and SQLite file (`startPortal`),
 * no API shortcuts for the person's own actions. `walker()` gives a fresh headless Chromium
 * page whose console errors and exceptions are collected (`problems`: a walk ends by asserting
 * it is empty) and a `step(label)` that takes a numbered full-page screenshot under
 * `target/portal-walk/<walk>/` and fails on any serious or critical axe-core violation.
 * `holderWalk()` wraps one walk's opening and ending (portal, walker, login, the failure
 * screenshot, the empty `problems`); the helpers below it are the steps several walks take.
 *
 * The token walks (token-key, pdf-sign) share the USB token's set-up at the end: a fresh
 * SoftHSM2 token and `kunci-host` registered for a browser profile, written for any browser
 * (the caller gives the manifest folder and `kunci-host install`'s browser arguments).
 *
 * `cargo xtask walk [--scenario NAME]` runs the walks alone, after building what they need;
 * `cargo xtask ci` runs them all.
 */

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';

import { launch } from '../browser.mjs';
import { HOST_BIN, SOFTHSM_MODULE, TOKEN_PIN, TOKEN_SO_PIN, runTool, softHsmToken, tokenToolsMissing } from '../token.mjs';
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
 * Runs one walk from its opening to its end: starts a portal (or uses `portal`, shared by a
 * file's walks, which it then leaves running), makes the `walker`, logs in as `user` (the demo
 * holder unless told; `null` logs nobody in), runs `body(w, portal)`, and ends by asserting that
 * the pages logged no error. A failure leaves a `failure` screenshot; the browser, and the
 * portal it started, are closed either way. `viewport` and `expectedRefusals`: see `walker`.
 */
export async function holderWalk(name, body, {
  portal: shared, user = 'demo', viewport, expectedRefusals,
} = {}) {
  const portal = shared ?? await startPortal();
  try {
    const w = await walker(name, portal, { viewport, expectedRefusals });
    try {
      if (user) await w.login(user);
      await body(w, portal);
      assert.deepEqual(w.problems, [], 'the pages logged no error');
    } catch (e) {
      await w.shots.shot(w.page, 'failure').catch(() => {});
      throw e;
    } finally {
      await w.close();
    }
  } finally {
    if (!shared) await portal.stop();
  }
}

/**
 * One portal for all the walks of the `describe` this is called in: started before them,
 * stopped after them. Answers an object whose `portal` is that portal while the walks run
 * (pass it on as `holderWalk`'s `portal`).
 */
export function sharedPortal() {
  const shared = { portal: undefined };
  before(async () => { shared.portal = await startPortal(); });
  after(async () => { await shared.portal?.stop(); });
  return shared;
}

/**
 * One walk's browser, page and checks. `viewport` sets the page's size (e.g. `PHONE`; the
 * default is Playwright's 1280×720). `expectedRefusals`: the HTTP statuses a walk provokes on
 * purpose (e.g. `[409]`): their console errors go to `refusals`, in order, not to `problems`.
 */
export async function walker(name, portal, { viewport, expectedRefusals = [] } = {}) {
  const browser = await launch({ viewport });
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: portal.url });
  const page = await browser.newPage();
  const problems = [];
  const refusals = [];
  // Chromium logs every 4xx answer itself; every walk may meet the 415 for the PNG sent as a
  // PDF, and a walk names the refusals it provokes on purpose.
  const expected = [415, ...expectedRefusals].map((status) => new RegExp(`status of ${status}\\b`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const line = `console error: ${msg.text()}`;
    (expected.some((re) => re.test(msg.text())) ? refusals : problems).push(line);
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
    await fillLogin(page, user);
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
  /** Logs out and logs `user` in (the demo password). */
  const switchTo = async (user) => {
    await logout();
    await login(user);
  };
  const w = {
    browser, page, step, login, logout, switchTo, problems, refusals, shots, portal,
    close: async () => browser.close(),
  };
  /**
   * The operator (logged in for it, the demo holder again after) approves every request in
   * the queue: see `approveQueue`.
   */
  w.operatorApprovesAll = async (label) => {
    await switchTo('operator');
    await approveQueue(w, label);
    await switchTo('demo');
  };
  return w;
}

/**
 * The logged-in operator approves every request in the queue, from the queue page: each
 * "Setujui" opens the confirmation dialog, which repeats holder, kind and product; "Ya,
 * setujui" sends the decision and the row leaves the queue. `shown(approve)` runs once the
 * queue is shown (before its `label` step), `confirming(i)` while the i-th dialog is open.
 */
export async function approveQueue(w, label, { shown, confirming } = {}) {
  const { page } = w;
  await page.goto(`${w.portal.url}/operator.html`);
  const rows = page.locator('#queue-body tr[id^="queue-row-"]');
  await rows.first().waitFor();
  const approve = page.locator('button[id^="approve-"]:not(#approve-confirm):not(#approve-cancel)');
  await shown?.(approve);
  // `w.step`, not a copy: a walk may wrap its steps (the phone walk checks the fit too).
  await w.step(label);
  const n = await approve.count();
  assert.ok(n >= 1, 'the queue shows the request');
  for (let i = 0; i < n; i += 1) {
    await approve.first().click();
    await page.locator('#approve-dialog[open]').waitFor();
    assert.match(await page.locator('#approve-summary').innerText(), /Pemohon/);
    await confirming?.(i);
    await page.locator('#approve-confirm').click();
    await page.locator('#approve-dialog:not([open])').waitFor({ state: 'attached' });
    await page.waitForFunction((left) => document.querySelectorAll('#queue-body tr[id^="queue-row-"]').length === left, n - i - 1);
  }
}

/** Fills the login form on the page shown with `user` and the demo password, and sends it. */
export async function fillLogin(page, user) {
  await page.getByLabel('Nama pengguna').fill(user);
  await page.getByLabel('Kata sandi').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Masuk' }).click();
}

/** Opens "Sertifikat Anda" from the menu; answers the holder's certificates as the API lists them. */
export async function openCertificates(page) {
  await page.locator('#nav-certificates').click();
  return certificatesSeen(page);
}

/**
 * Starts a new request from the menu and leaves it at its token: "Permohonan Baru", the
 * product step (`certType` and `product` chosen by their labels when given, else the page's
 * defaults), "Lanjutkan". Answers the CSR token shown and the request's id.
 */
export async function startRequestToToken(page, { certType, product } = {}) {
  await page.locator('#nav-new').click();
  await page.locator('#step-product').waitFor({ state: 'visible' });
  if (certType) await page.getByLabel('Jenis Sertifikat').selectOption({ label: certType });
  if (product) await page.getByLabel('Produk', { exact: true }).selectOption({ label: product });
  await page.locator('#product-continue').click();
  await page.locator('#step-token').waitFor({ state: 'visible' });
  const token = await page.locator('#csr-token').inputValue();
  return { token, id: requestIdOf(page) };
}

/** The request id the wizard put in its URL (?request=N). */
export function requestIdOf(page) {
  return Number(new URL(page.url()).searchParams.get('request'));
}

/** What the server answers for one of the signed-in holder's requests. */
export function requestSeen(page, id) {
  return page.evaluate(async (n) => (await fetch(`/api/requests/${n}`)).json(), id);
}

/**
 * Scrolls the agreement to its end by keyboard, which enables its box. Chromium scrolls
 * smoothly: each page's scroll (and its scroll event) is let finish, or a busy machine ends the
 * 40 presses before the text has moved 40 pages.
 */
export async function scrollAgreementToEnd(page) {
  await page.locator('#agreement-text').focus();
  for (let i = 0; i < 40 && await page.locator('#agree').isDisabled(); i += 1) {
    await page.keyboard.press('PageDown');
    await page.waitForTimeout(60);
  }
}

/** Downloads what clicking `locator` saves; returns its bytes and suggested name. */
export async function download(page, locator) {
  const [dl] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const file = await dl.path();
  return { bytes: await readFile(file), name: dl.suggestedFilename() };
}

/**
 * Opens "Download Sertifikat Elektronik" for certificate `id` and waits until its
 * `<kunci-p12-maker>` has read the certificate and the keys kept in this browser (its hint says
 * which key is selected, or that none is). Answers the element's locator: the controls inside
 * it are found by role and label (Playwright's locators pierce its open shadow root).
 */
export async function openDownload(w, id) {
  await w.page.goto(`${w.portal.url}/download.html?id=${id}`);
  const maker = w.page.locator('kunci-p12-maker');
  await maker.getByText(/sudah dipilih|Tidak ada kunci/).waitFor();
  return maker;
}

/** Clicks the element's `button` ("Download" for a file key) and waits for its result heading. */
export async function makeP12(maker, button = 'Download') {
  await maker.getByRole('button', { name: button }).click();
  await maker.getByRole('heading', { name: 'Sertifikat siap disimpan' }).waitFor({ timeout: 120_000 });
}

/** The portal's CRL as it publishes it: its DER bytes and OpenSSL's text of it. */
export async function fetchCrlText(portal) {
  const der = Buffer.from(await (await fetch(`${portal.url}/ca/issuing.crl`)).arrayBuffer());
  return { der, text: openssl(['crl', '-inform', 'DER', '-noout', '-text'], der) };
}

/**
 * Asserts that the portal's CRL lists `serial` with `reason` (a pattern of OpenSSL's text,
 * e.g. `/Superseded/`); `message` says what the walk expects (the CRL's text follows it when
 * the entry is missing). Answers the CRL's text.
 */
export async function assertOnCrl(portal, serial, reason, message) {
  const crl = await fetchCrlText(portal);
  const entry = crlEntry(crl.text, serial);
  assert.ok(entry, `${message}:
${crl.text}`);
  assert.match(entry, reason);
  return crl.text;
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
 * after the key is made and stored, `'prove'` opens the saved backup file with the password in
 * the page (a wrong password first), `'skip'` (the default) skips the check; then the CSR leaves.
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

  // 12-14. The client kit (<kunci-client-kit id="kit">, its controls found by label and role
  // through its open shadow root): "(1) Paste >>", "(2) Lanjutkan >>", the holder's data.
  await page.locator('#step-kit').waitFor({ state: 'visible' });
  await page.getByRole('button', { name: '(1) Paste >>' }).click();
  // The paste reads the clipboard asynchronously; its status line says when it is done.
  await page.locator('#kit [role=status]').first().filter({ hasText: /\S/ }).waitFor();
  const field = page.getByLabel('Tempel token CSR di sini');
  if (await field.inputValue() !== token) {
    // Headless Chromium's clipboard may stay empty; the field is typeable, as a person would.
    await field.fill('');
    await field.pressSequentially(token);
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
  await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();
  const holderData = await page.locator('#kit dl').innerText();
  assert.match(holderData, /Budi Santoso/);
  assert.match(holderData, /budi\.santoso@example\.go\.id/);

  // 16. Where the key lives: "Yes" needs the extension, which is absent: the page says so.
  await page.getByLabel('Algoritme kunci').selectOption(algorithm);
  await page.locator('#kit .hint').filter({ hasText: /belum terpasang/ }).waitFor();
  assert.equal(
    await page.getByLabel('Ya — pada token USB (perangkat keras)').isDisabled(),
    true,
    'without the extension the token choice is off, and the page says why',
  );
  await step('kunci-token-usb-tidak-tersedia');
  await page.getByLabel('Tidak — di peramban (berkas terenkripsi)').check();

  // 17. The password: a weak one is refused with the reason, a strong one accepted.
  const generate = page.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' });
  const meter = page.locator('#kit meter');
  if (checkWeakPassword) {
    await page.getByLabel('Kata sandi kunci').pressSequentially(WEAK_PASSWORD);
    await page.getByLabel('Ulangi kata sandi').pressSequentially(WEAK_PASSWORD);
    await page.locator('#kit p.bad').filter({ hasText: /%/ }).waitFor();
    const weak = Number(await meter.getAttribute('value'));
    assert.ok(weak <= 50, `a weak password scores ${weak} %`);
    assert.equal(await generate.isDisabled(), true, 'a weak password cannot generate');
    await step('kata-sandi-lemah');
    await page.getByLabel('Kata sandi kunci').fill('');
    await page.getByLabel('Ulangi kata sandi').fill('');
  }
  await page.getByLabel('Kata sandi kunci').pressSequentially(KEY_PASSWORD);
  await page.getByLabel('Ulangi kata sandi').pressSequentially(KEY_PASSWORD);
  await generateEnabled(page);
  const percent = Number(await meter.getAttribute('value'));
  assert.ok(percent > 50, `the strong password scores ${percent} %`);
  await step('kata-sandi-kuat');

  // 15. "(3) BANGKITKAN DAN KIRIM CSR": the key made, stored and offered as a backup file; the
  // backup proven (or its check skipped) before the CSR leaves; 18. "CSR telah diterima".
  await generate.click();
  const backup = await saveBackup(page);
  assert.match(backup.bytes.toString(), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  assert.equal(await page.locator('#csr-sent').isHidden(), true, 'no CSR leaves before the backup');
  await step('cadangan-kunci');
  await proveOrSkipBackup(w, backup, backupCheck);
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
  await scrollAgreementToEnd(page);
  assert.equal(await page.locator('#agree').isDisabled(), false, 'scrolling to the end enables the box');
  await page.getByLabel('Saya telah membaca dan menyetujui perjanjian').check();
  await step('perjanjian');
  await page.getByRole('button', { name: 'Setuju dan Submit' }).click();
  await page.locator('#step-done').waitFor({ state: 'visible' });
  await step('permohonan-terkirim');
  return { backup };
}

/** Waits until the key step's "(3) BANGKITKAN DAN KIRIM CSR" can be pressed. */
export async function generateEnabled(page) {
  await page.locator('#kit button:not([disabled])', { hasText: '(3) BANGKITKAN DAN KIRIM CSR' }).waitFor({ timeout: 60_000 });
}

/** Waits for the key step's backup part and saves the backup file through its link. */
export async function saveBackup(page) {
  await page.getByRole('heading', { name: 'Cadangan kunci' }).waitFor({ timeout: 120_000 });
  return download(page, page.getByRole('link', { name: 'Simpan cadangan kunci' }));
}

/**
 * The key step's backup proof (issue 12; issue 19: before the CSR leaves): the saved backup
 * file is proven to open with its password (in the page) and to hold the key, a wrong password
 * refused first (`how` = 'prove'), or the check is skipped ('skip'). The CSR is sent then.
 */
export async function proveOrSkipBackup(w, backup, how) {
  const { page, step } = w;
  await page.getByRole('heading', { name: 'Cadangan kunci' }).waitFor({ timeout: 120_000 });
  if (how === 'prove') {
    await page.getByLabel('Berkas cadangan kunci (kunci-key-….pem)').setInputFiles({
      name: backup.name, mimeType: 'application/x-pem-file', buffer: backup.bytes,
    });
    await page.getByLabel('Kata sandi berkas cadangan').fill(`${KEY_PASSWORD}-salah`);
    await page.getByRole('button', { name: 'Periksa cadangan' }).click();
    await page.locator('#kit [role=alert]').filter({ hasText: /Kata sandi salah/ }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#csr-sent').isHidden(), true, 'a wrong password proves nothing, sends nothing');
    await step('cadangan-kata-sandi-salah');
    await page.getByLabel('Kata sandi berkas cadangan').fill(KEY_PASSWORD);
    await page.getByRole('button', { name: 'Periksa cadangan' }).click();
    await page.locator('#kit [role=status]').filter({ hasText: 'Cadangan terbukti' }).waitFor({ timeout: 60_000 });
    await step('cadangan-terbukti');
  } else {
    await page.getByRole('button', { name: 'Lewati pemeriksaan' }).click();
    await page.locator('#kit [role=status]').filter({ hasText: /dilewati/ }).waitFor();
    await step('cadangan-dilewati');
  }
}

/** The holder's certificates as the API lists them (read with the page's own session). */
export async function certificatesSeen(page) {
  return page.evaluate(async () => (await (await fetch('/api/certificates')).json()).certificates);
}


/**
 * The operator approves every request in the queue from a second tab of the walk's browser,
 * logged in to kunci-ams there, while the walk's own page stays where it is (for walks whose
 * holder is on another site, e.g. the foreign host's). Its `label` step is a screenshot of
 * that tab in the walk's folder, axe-checked as every step.
 */
export async function approveInAnotherTab(w, label) {
  const page = await w.browser.newPage();
  try {
    const tab = {
      page,
      portal: w.portal,
      step: async (name) => {
        await w.shots.shot(page, name);
        assert.deepEqual(await axeViolations(page), [], `axe-core on step "${name}"`);
      },
    };
    await page.goto(`${w.portal.url}/`);
    await fillLogin(page, 'operator');
    await page.waitForURL(/operator/);
    await approveQueue(tab, label);
    await page.locator('#logout').click();
    await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
  } finally {
    await page.close();
  }
}

// ---- the USB token: SoftHSM2 and kunci-host, for any browser ------------------------------

// The token and the helper binary (shared with extension.test.mjs), re-exported for the walks.
export { HOST_BIN, SOFTHSM_MODULE, TOKEN_PIN, TOKEN_SO_PIN, runTool, softHsmToken, tokenToolsMissing };

/**
 * The USB token and its helper for one browser profile, under `work`: a fresh SoftHSM2 token
 * labelled `label` (PIN `TOKEN_PIN`), and kunci-host's config (only `origin` allowed, SoftHSM2
 * as the module) registered in `manifestDir` by `hostBin install --manifest-dir` with
 * `installArgs` (Chromium: `['--extension-id', ID]`; Firefox: `['--browser', 'firefox', …]`);
 * a `manifestDir` of null installs nothing (a helper the system's package registered).
 * Answers `tokenEnv` (what points SoftHSM2 at the token, for pkcs11-tool) and `browserEnv`
 * (the environment to start the browser with: the browser starts the helper with its own
 * environment, which is how the helper finds its config and SoftHSM2 its token).
 */
export async function tokenSetup({ work, origin, manifestDir, installArgs = [], label = 'kunci-walk', hostBin = HOST_BIN }) {
  const tokenEnv = await softHsmToken({ work, label });
  const hostConfig = join(work, 'host.json');
  await writeFile(hostConfig, JSON.stringify({ allowed_origins: [origin], module: SOFTHSM_MODULE }));
  if (manifestDir) {
    await mkdir(manifestDir, { recursive: true });
    runTool(hostBin, ['install', '--manifest-dir', manifestDir, ...installArgs], { KUNCI_HOST_CONFIG: hostConfig });
  }
  return { tokenEnv, browserEnv: { ...process.env, ...tokenEnv, KUNCI_HOST_CONFIG: hostConfig } };
}

/** Waits for the extension's next window (`mode` `origin` or `pin`) and answers its page. */
export async function extensionWindow(context, mode, timeout = 60_000) {
  const isIt = (p) => /^(chrome|moz)-extension:\/\//.test(p.url()) && p.url().includes(`mode=${mode}`);
  const open = context.pages().find(isIt);
  if (open) return open;
  return context.waitForEvent('page', { predicate: isIt, timeout });
}
