/**
 * The USB-token path end to end, everything real: headless Chromium with the unpacked kunci
 * extension (target/extension/chromium, `cargo xtask extension`), the native helper
 * `kunci-host` registered for this browser profile (`kunci-host install --manifest-dir
 * <profile>/NativeMessagingHosts`), a fresh SoftHSM2 token as the USB token, and the portal.
 *
 * The holder renews with "Ya" (docs/PROCESS.md step 16): the extension asks once whether the portal
 * may use tokens, then asks the PIN in its own window; the key is made on the token and the CSR
 * signed there. After approval, "Download Sertifikat Elektronik" with "Token USB" (step 24b)
 * writes the certificate onto the token. pkcs11-tool then shows the private key
 * (sensitive, never extractable) and the certificate under the same CKA_ID, and the
 * certificate chains to the portal's CA. A page on an origin the helper does not allow is
 * refused with `origin.not_allowed`. The page never sees the PIN: it is typed only in the
 * extension's window, and the test checks that no portal request carried it.
 *
 * `KUNCI_HOST_SYSTEM=1` (the `.deb` step of `cargo xtask ci`, after `dpkg -i`): no `kunci-host
 * install`; the profile has no NativeMessagingHosts folder, so Chromium must find the
 * system-wide manifest the package put in /etc/chromium/native-messaging-hosts/ and start
 * /usr/bin/kunci-host.
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from '../browser.mjs';
import { ROOT } from '../common.mjs';
import {
  axeViolations, portalSkipReason, screenshots, startPortal,
} from '../portal.mjs';
import { assertCertificateOnToken } from './token-judge.mjs';
import {
  HOST_BIN as DEFAULT_HOST_BIN, SOFTHSM_MODULE, TOKEN_PIN as PIN, certificatesSeen, extensionWindow, fillLogin, runTool as run, scrollAgreementToEnd,
  tokenSetup, tokenToolsMissing,
} from './walker.mjs';

/** The package's helper and manifest (KUNCI_HOST_SYSTEM=1), instead of a per-profile install. */
const SYSTEM = process.env.KUNCI_HOST_SYSTEM === '1';
const SYSTEM_MANIFEST = '/etc/chromium/native-messaging-hosts/id.kunci.host.json';
const HOST_BIN = SYSTEM ? '/usr/bin/kunci-host' : DEFAULT_HOST_BIN;
const EXTENSION_DIR = join(ROOT, 'target/extension/chromium');
const TOKEN_LABEL = 'kunci-walk';
/** The unpacked extension's id, fixed by the `key` in extension/manifest.json (extension/tools/id.mjs). */
const EXTENSION_ID = 'lkedgilnpaeaifpjefgmjdlmalokkipf';

function skipReason() {
  const base = portalSkipReason();
  if (base) return base;
  const missing = tokenToolsMissing({ hostBin: HOST_BIN, hostHint: SYSTEM ? 'dpkg -i the .deb' : 'cargo build -p kunci-host' });
  if (SYSTEM && !existsSync(SYSTEM_MANIFEST)) missing.push(`${SYSTEM_MANIFEST} (dpkg -i the .deb)`);
  if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) missing.push(`${EXTENSION_DIR} (cargo xtask extension)`);
  if (missing.length === 0) return undefined;
  const why = `missing ${missing.join(', ')}`;
  if (process.env.KUNCI_REQUIRE_PACKAGE === '1') throw new Error(`KUNCI_REQUIRE_PACKAGE=1 but ${why}`);
  return why;
}

const skip = skipReason();

/** Answers the PIN window: the first token is preselected; types the PIN, Continue. */
async function enterPin(context) {
  const win = await extensionWindow(context, 'pin');
  await win.locator('#pin').waitFor({ state: 'visible' });
  await win.locator('#pin').fill(PIN);
  await win.locator('#submit').click();
  return win;
}

describe('USB token path: extension + kunci-host + SoftHSM2 in headless Chromium', { skip }, () => {
  let portal;
  let work;
  let tokenEnv;
  let context;
  let profile;
  const portalRequests = [];

  before(async () => {
    portal = await startPortal();
    work = await mkdtemp(join(tmpdir(), 'kunci-token-walk-'));
    profile = join(work, 'profile');
    await mkdir(profile, { recursive: true });
    // The package's manifest (SYSTEM) or one for this profile; the browser starts the helper
    // with `browserEnv`, which is how the helper finds its config and SoftHSM2 its token.
    const setup = await tokenSetup({
      work, origin: portal.url, label: TOKEN_LABEL, hostBin: HOST_BIN,
      manifestDir: SYSTEM ? null : join(profile, 'NativeMessagingHosts'), installArgs: ['--extension-id', EXTENSION_ID],
    });
    tokenEnv = setup.tokenEnv;
    if (SYSTEM) {
      const manifest = JSON.parse(readFileSync(SYSTEM_MANIFEST, 'utf8'));
      assert.equal(manifest.path, HOST_BIN);
      assert.deepEqual(manifest.allowed_origins, [`chrome-extension://${EXTENSION_ID}/`]);
      assert.equal(existsSync(join(profile, 'NativeMessagingHosts')), false, 'no per-profile manifest');
    }
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`],
      ignoreDefaultArgs: ['--disable-extensions'],
      env: setup.browserEnv,
    });
    context.on('request', (r) => {
      if (r.url().startsWith(portal.url)) portalRequests.push(`${r.url()} ${r.postData() ?? ''}`);
    });
  });

  after(async () => {
    await context?.close();
    await portal?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('renews with the key made on the token and stores the certificate beside it', { timeout: 600_000 }, async () => {
    const page = context.pages()[0] ?? await context.newPage();
    const problems = [];
    page.on('pageerror', (err) => problems.push(`exception: ${err.message}`));
    const shots = await screenshots('token-key');
    const step = async (label, p = page) => {
      await shots.shot(p, label);
      assert.deepEqual(await axeViolations(p), [], `axe-core on step "${label}"`);
    };
    try {
      await page.goto(`${portal.url}/`);
      await fillLogin(page, 'demo');
      await page.waitForURL(/dashboard/);

      // Steps 9-14.
      await page.locator('#nav-new').click();
      await page.locator('#step-product').waitFor({ state: 'visible' });
      await page.locator('#product-continue').click();
      await page.locator('#step-token').waitFor({ state: 'visible' });
      const csrToken = await page.locator('#csr-token').inputValue();
      await page.locator('#token-continue').click();
      await page.locator('#step-kit').waitFor({ state: 'visible' });
      await page.getByLabel('Tempel token CSR di sini').fill(csrToken);
      await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
      await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();

      // Step 16 "Ya": the extension is there; no password fields (the token's PIN guards it).
      await page.locator('#kit .hint').filter({ hasText: /kunci terpasang/ }).waitFor();
      await page.getByLabel('Ya — pada token USB (perangkat keras)').check();
      assert.equal(await page.getByLabel('Kata sandi kunci').isHidden(), true);
      await page.getByLabel('Algoritme kunci').selectOption('p256');
      await step('ya-token-usb');

      // Step 15: generate on the token. First use: may this site use tokens? Then the PIN.
      await page.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' }).click();
      const ask = await extensionWindow(context, 'origin');
      await ask.locator('#allow').waitFor({ state: 'visible' });
      assert.match(await ask.locator('#origin-name').innerText(), new RegExp(portal.url.replace(/[.:/]/g, '\\$&')));
      await step('izin-situs', ask);
      await ask.locator('#allow').click();
      const pinWindow = await extensionWindow(context, 'pin');
      await pinWindow.locator('#pin').waitFor({ state: 'visible' });
      await step('jendela-pin', pinWindow);
      await enterPin(context);
      await page.locator('#csr-sent').waitFor({ state: 'visible', timeout: 120_000 });
      assert.equal(await page.getByRole('heading', { name: 'Cadangan kunci' }).isHidden(), true, 'no key file for a token key');
      await step('csr-dari-token');
      await page.locator('#csr-ok').click();

      // Steps 19-22.
      await page.getByRole('button', { name: 'Check' }).click();
      await page.locator('#check-result').filter({ hasText: 'Sudah Upload' }).waitFor();
      await page.locator('#check-continue').click();
      await page.getByLabel('Surat Rekomendasi (PDF)').setInputFiles({
        name: 'surat.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
      });
      await page.waitForFunction(() => !document.getElementById('document-continue').disabled);
      await page.locator('#document-continue').click();
      await scrollAgreementToEnd(page);
      await page.locator('#agree').check();
      await page.getByRole('button', { name: 'Setuju dan Submit' }).click();
      await page.locator('#step-done').waitFor({ state: 'visible' });

      // Step 23: the operator approves.
      await page.locator('#logout').click();
      await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
      await fillLogin(page, 'operator');
      await page.waitForURL(/operator/);
      await page.locator('#queue-body button[id^="approve-"]').first().click();
      // "Setujui" asks first (holder, kind, product): "Ya, setujui".
      await page.locator('#approve-dialog[open]').waitFor();
      await page.locator('#approve-confirm').click();
      await page.locator('#status').filter({ hasText: /#\d+/ }).waitFor();
      await page.locator('#logout').click();
      await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
      await fillLogin(page, 'demo');
      await page.waitForURL(/dashboard/);

      // Step 24b "Token USB": the certificate goes onto the token (PIN again).
      const certs = await certificatesSeen(page);
      const fresh = certs.find((c) => c.status === 'good' && c.key === 'p256' && c.request_id !== 1);
      assert.ok(fresh, 'the token key got its certificate');
      await page.goto(`${portal.url}/download.html?id=${fresh.id}`);
      const maker = page.locator('kunci-p12-maker');
      await maker.getByText(/Ekstensi peramban kunci terpasang/).waitFor();
      assert.equal(await maker.getByLabel('Token USB').isChecked(), true, 'the token is preselected');
      assert.equal(await maker.getByLabel('Kata sandi kunci').isVisible(), false, 'no password for a token key');
      await maker.getByRole('button', { name: 'Tulis ke token USB' }).click();
      // A wrong PIN first: the token refuses it, the window says so and lets the holder retry.
      const retry = await extensionWindow(context, 'pin');
      await retry.locator('#pin').waitFor({ state: 'visible' });
      await retry.locator('#pin').fill('000000');
      await retry.locator('#submit').click();
      await retry.locator('#pin-error').filter({ hasText: /PIN salah/ }).waitFor({ timeout: 60_000 });
      await step('pin-salah', retry);
      await retry.waitForFunction(() => !document.getElementById('submit').disabled);
      await retry.locator('#pin').fill(PIN);
      await retry.locator('#submit').click();
      await maker.getByRole('heading', { name: 'Sertifikat siap disimpan' }).waitFor({ timeout: 120_000 });
      assert.match(await maker.getByText(/^Berhasil:/).innerText(), /ditulis ke token/);
      assert.equal(await maker.getByRole('link', { name: 'Simpan .p12' }).isHidden(), true, 'no .p12 for a token key');
      assert.equal(await maker.getByRole('link', { name: 'Simpan .pem' }).isVisible(), true, 'the .pem is offered');
      await step('sertifikat-di-token');

      // pkcs11-tool and OpenSSL: the key on the token, the issued certificate beside it.
      await assertCertificateOnToken({
        module: SOFTHSM_MODULE, pin: PIN, tokenEnv, dir: work, issuedPem: fresh.pem, portalUrl: portal.url,
      });

      // The PIN never reached the portal.
      assert.equal(portalRequests.filter((r) => r.includes(PIN)).length, 0, 'no portal request carries the PIN');
      assert.deepEqual(problems, []);
    } catch (e) {
      await shots.shot(page, 'failure').catch(() => {});
      throw e;
    }
  });

  it('reads the policy the package installed', { skip: !SYSTEM, timeout: 60_000 }, async () => {
    const page = await context.newPage();
    await page.goto('chrome://policy');
    await page.getByText('ExtensionSettings', { exact: true }).first().waitFor();
    assert.match(await page.getByText(EXTENSION_ID).first().innerText(), /normal_installed/);
    await page.close();
  });

  it('refuses a page whose origin the helper does not allow', { timeout: 120_000 }, async () => {
    // The same portal under another name: another origin, not on the helper's allow-list.
    const other = portal.url.replace('127.0.0.1', 'localhost');
    const page = await context.newPage();
    await page.goto(`${other}/`);
    const outcome = page.evaluate(async () => {
      const { token } = await import('/pkg/index.js');
      try {
        await token.list();
        return 'listed';
      } catch (e) {
        return e.code;
      }
    });
    // The extension asks the holder first; even when the holder allows the site, the helper
    // refuses an origin that is not on its own list.
    const ask = await extensionWindow(context, 'origin');
    await ask.locator('#allow').click();
    assert.equal(await outcome, 'origin.not_allowed');
    await page.close();
  });
});
