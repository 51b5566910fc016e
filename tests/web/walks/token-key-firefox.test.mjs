/**
 * The USB-token walk of token-key.test.mjs, in Firefox: Debian's firefox-esr, headless, driven
 * through geckodriver (tests/web/walks/firefox.mjs), the Firefox build of the extension
 * (target/extension/firefox) as a temporary add-on, and kunci-host registered for Firefox the
 * way a holder does it: `kunci-host install --browser firefox` in an isolated HOME, which writes
 * `~/.mozilla/native-messaging-hosts/id.kunci.host.json` (allowed_extensions: kunci@kunci.id)
 * and the helper's config. Firefox starts the helper with its own arguments (the manifest's
 * path and the add-on id), and a fresh SoftHSM2 token is the USB token.
 *
 * The holder renews with "Ya" (docs/PROCESS.md step 16): the extension asks once whether the
 * portal may use tokens, then the PIN in its own window; the key is made on the token and the
 * CSR signed there. After approval, "Tulis ke token USB" writes the certificate onto the token
 * (a wrong PIN first, refused and retried in the same window). pkcs11-tool then shows the
 * private key (sensitive, never extractable) and the certificate under one CKA_ID, chaining to
 * the portal's CA. A page on an origin the helper does not allow gets `origin.not_allowed`.
 * The portal is reached through a recording proxy: no request carried the PIN. The extension's
 * options page lists the token: Firefox started the helper for this add-on.
 * `cargo xtask walk --scenario token-key --browser firefox` runs this file alone.
 */

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  DEMO_PASSWORD, axeViolations, portalSkipReason, screenshots, startPortal, tempFile,
} from '../portal.mjs';
import {
  EXTENSION_ORIGIN, FIREFOX_EXTENSION_DIR, GECKO_ID, firefoxSkipReason, launchFirefox, recordingProxy,
} from './firefox.mjs';
import { assertCertificateOnToken, run } from './token-judge.mjs';
import {
  HOST_BIN, SOFTHSM_MODULE, TOKEN_PIN as PIN, softHsmToken, tokenToolsMissing,
} from './walker.mjs';

const TOKEN_LABEL = 'kunci-walk-ff';

function skipReason() {
  const base = portalSkipReason() ?? firefoxSkipReason();
  if (base) return base;
  const missing = tokenToolsMissing();
  if (missing.length === 0) return undefined;
  const why = `missing ${missing.join(', ')}`;
  if (process.env.KUNCI_REQUIRE_PACKAGE === '1') throw new Error(`KUNCI_REQUIRE_PACKAGE=1 but ${why}`);
  return why;
}

const skip = skipReason();

/** The extension's window in `mode` ("origin" or "pin"), once Firefox has opened it. */
function extensionWindow(firefox, mode, except) {
  return firefox.session.waitForWindow(
    (u) => u.startsWith(`${EXTENSION_ORIGIN}/src/pin.html`) && u.includes(`mode=${mode}`),
    { except: [firefox.tab.handle, ...except] },
  );
}

describe('USB token path: extension + kunci-host + SoftHSM2 in headless Firefox ESR', { skip }, () => {
  let portal;
  let proxy;
  let work;
  let tokenEnv;
  let firefox;
  const seenWindows = [];

  before(async () => {
    // The holder's browser reaches the portal through the recording proxy, its public origin.
    proxy = await recordingProxy();
    portal = await startPortal(['--public-origin', proxy.url]);
    proxy.forwardTo(portal.url);
    work = await mkdtemp(join(tmpdir(), 'kunci-token-walk-ff-'));
    const home = join(work, 'home');
    tokenEnv = await softHsmToken({ work, label: TOKEN_LABEL });
    // As a holder would: the helper registers itself for Firefox in this HOME and keeps its
    // config there (~/.config/kunci/host.json): only the portal's origin, SoftHSM as module.
    const env = { HOME: home, KUNCI_HOST_CONFIG: '' };
    run(HOST_BIN, ['install', '--browser', 'firefox', '--allow-origin', proxy.url, '--module', SOFTHSM_MODULE], env);
    const manifest = JSON.parse(await readFile(join(home, '.mozilla/native-messaging-hosts/id.kunci.host.json'), 'utf8'));
    assert.deepEqual(manifest.allowed_extensions, [GECKO_ID]);
    assert.equal(manifest.path, HOST_BIN);
    firefox = await launchFirefox({ home, dir: work, env: { ...tokenEnv, KUNCI_HOST_CONFIG: '' } });
    assert.equal(await firefox.session.installAddon(FIREFOX_EXTENSION_DIR), GECKO_ID);
  });

  after(async () => {
    await firefox?.close();
    await proxy?.stop();
    await portal?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('renews with the key made on the token and stores the certificate beside it', { timeout: 600_000 }, async () => {
    const page = firefox.tab;
    const shots = await screenshots('token-key-firefox');
    const step = async (label, tab = page) => {
      await shots.shot(tab, label);
      assert.deepEqual(await axeViolations(tab), [], `axe-core on step "${label}"`);
    };
    const login = async (user) => {
      await page.fill({ label: 'Nama pengguna' }, user);
      await page.fill({ label: 'Kata sandi' }, DEMO_PASSWORD);
      await page.click({ button: 'Masuk' });
    };
    const logout = async () => {
      await page.click({ css: '#logout' });
      await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
    };
    try {
      await page.goto(`${proxy.url}/`);
      await login('demo');
      await page.waitForURL(/dashboard/);

      // Steps 9-14.
      await page.click({ css: '#nav-new' });
      await page.click({ css: '#product-continue' });
      await page.waitFor({ css: '#step-token' });
      const csrToken = await page.prop({ css: '#csr-token' }, 'value');
      await page.click({ css: '#token-continue' });
      await page.waitFor({ css: '#step-kit' });
      await page.fill({ label: 'Tempel token CSR di sini' }, csrToken);
      await page.click({ button: '(2) Lanjutkan >>' });

      // Step 16 "Ya": the page found the extension (its content script answered the ping).
      await page.waitFor({ within: '#kit', css: '.hint', hasText: 'kunci terpasang' });
      await page.click({ label: 'Ya — pada token USB (perangkat keras)' });
      assert.equal(await page.isVisible({ label: 'Kata sandi kunci' }), false);
      await page.selectOption({ label: 'Algoritme kunci' }, 'p256');
      await step('ya-token-usb');

      // Step 15: generate on the token. First use: may this site use tokens? Then the PIN.
      await page.click({ button: '(3) BANGKITKAN DAN KIRIM CSR' });
      const ask = await extensionWindow(firefox, 'origin', seenWindows);
      seenWindows.push(ask.handle);
      await ask.waitFor({ css: '#origin-name', hasText: proxy.url.replace(/[.:/]/g, '\\$&') });
      await step('izin-situs', ask);
      await ask.click({ css: '#allow' });
      const pinWindow = await extensionWindow(firefox, 'pin', seenWindows);
      seenWindows.push(pinWindow.handle);
      await pinWindow.waitFor({ css: '#pin' });
      await step('jendela-pin', pinWindow);
      await pinWindow.fill({ css: '#pin' }, PIN);
      await pinWindow.click({ css: '#submit' });
      await page.waitFor({ css: '#csr-sent' }, 120_000);
      assert.equal(await page.isVisible({ text: '^Cadangan kunci$' }), false, 'no key file for a token key');
      await step('csr-dari-token');
      await page.click({ css: '#csr-ok' });

      // Steps 19-22.
      await page.click({ button: 'Check' });
      await page.waitFor({ css: '#check-result', hasText: 'Sudah Upload' });
      await page.click({ css: '#check-continue' });
      const pdf = await tempFile('surat.pdf', Buffer.from('%PDF-1.4\n%%EOF\n'));
      await page.setInputFile({ label: 'Surat Rekomendasi (PDF)' }, pdf);
      await page.click({ css: '#document-continue' });
      // The agreement is read to its end (scrolled), which enables the box.
      await page.waitFor({ css: '#agreement-text' });
      await page.waitUntil(() => page.evaluate(() => {
        const box = document.getElementById('agreement-text');
        box.scrollTop = box.scrollHeight;
        return !document.getElementById('agree').disabled;
      }), 10_000, 'the agreement box enabled');
      await page.click({ css: '#agree' });
      await page.click({ button: 'Setuju dan Submit' });
      await page.waitFor({ css: '#step-done' });

      // Step 23: the operator approves ("Setujui", then "Ya, setujui").
      await logout();
      await login('operator');
      await page.waitForURL(/operator/);
      await page.click({ css: '#queue-body button[id^="approve-"]' });
      await page.waitFor({ css: '#approve-dialog[open]' });
      await page.click({ css: '#approve-confirm' });
      await page.waitFor({ css: '#status', hasText: '#\\d+' });
      await logout();
      await login('demo');
      await page.waitForURL(/dashboard/);

      // Step 24b "Token USB": the certificate goes onto the token (PIN again).
      const certs = await page.evaluate(async () => (await (await fetch('/api/certificates')).json()).certificates);
      const fresh = certs.find((c) => c.status === 'good' && c.key === 'p256' && c.request_id !== 1);
      assert.ok(fresh, 'the token key got its certificate');
      await page.goto(`${proxy.url}/download.html?id=${fresh.id}`);
      const maker = 'kunci-p12-maker';
      await page.waitFor({ within: maker, text: 'Ekstensi peramban kunci terpasang' });
      assert.equal(await page.prop({ within: maker, label: 'Token USB' }, 'checked'), true, 'the token is preselected');
      assert.equal(await page.isVisible({ within: maker, label: 'Kata sandi kunci' }), false, 'no password for a token key');
      await page.click({ within: maker, button: 'Tulis ke token USB' });
      // A wrong PIN first: the token refuses it, the window says so and lets the holder retry.
      const retry = await extensionWindow(firefox, 'pin', seenWindows);
      seenWindows.push(retry.handle);
      await retry.fill({ css: '#pin' }, '000000');
      await retry.click({ css: '#submit' });
      await retry.waitFor({ css: '#pin-error', hasText: 'PIN salah' }, 60_000);
      await step('pin-salah', retry);
      await retry.fill({ css: '#pin' }, PIN);
      await retry.click({ css: '#submit' });
      await page.waitFor({ within: maker, text: '^Sertifikat siap disimpan$' }, 120_000);
      // "Selesai": the extension's window closed itself (window.close() in a Firefox popup).
      await page.waitUntil(async () => !(await firefox.session.handles()).includes(retry.handle), 10_000, 'the PIN window to close');
      assert.match(await page.prop({ within: maker, text: '^Berhasil:' }, 'textContent'), /ditulis ke token/);
      assert.equal(await page.isVisible({ within: maker, button: 'Simpan .p12' }), false, 'no .p12 for a token key');
      assert.equal(await page.isVisible({ within: maker, button: 'Simpan .pem' }), true, 'the .pem is offered');
      await step('sertifikat-di-token');

      // pkcs11-tool and OpenSSL: the key on the token, the issued certificate beside it.
      await assertCertificateOnToken({
        module: SOFTHSM_MODULE, pin: PIN, tokenEnv, dir: work, issuedPem: fresh.pem, portalUrl: portal.url,
      });

      // The PIN never reached the portal.
      assert.ok(proxy.requests.length > 20, 'the proxy saw the walk');
      assert.deepEqual(proxy.requests.filter((r) => r.includes(PIN)), [], 'no portal request carries the PIN');
    } catch (e) {
      await shots.shot(page, 'failure').catch(() => {});
      throw e;
    }
  });

  it('refuses a page whose origin the helper does not allow', { timeout: 120_000 }, async () => {
    // The same portal under another name: another origin, not on the helper's allow-list.
    const other = proxy.url.replace('127.0.0.1', 'localhost');
    const page = await firefox.session.newTab();
    await page.goto(`${other}/`);
    // WebDriver runs one command at a time: the outcome is left in the page, read later.
    await page.evaluate(() => {
      const done = (outcome) => { document.documentElement.dataset.kunciOutcome = outcome; };
      import('/pkg/index.js').then(({ token }) => token.list()).then(() => done('listed'), (e) => done(e.code ?? String(e)));
    });
    // The extension asks the holder first; even when the holder allows the site, the helper
    // refuses an origin that is not on its own list.
    const ask = await extensionWindow(firefox, 'origin', seenWindows);
    seenWindows.push(ask.handle);
    await ask.waitFor({ css: '#origin-name', hasText: 'localhost' });
    await ask.click({ css: '#allow' });
    const outcome = await page.waitUntil(() => page.evaluate(() => document.documentElement.dataset.kunciOutcome), 30_000, 'the answer');
    assert.equal(outcome, 'origin.not_allowed');
    await page.close();
  });

  it('the options page lists the token, though only the portal is on the helper\'s list', { timeout: 120_000 }, async () => {
    // Firefox started the helper for this add-on (the manifest's path, then its id), so the
    // add-on's own moz-extension:// page may list the tokens (docs/PROTOCOL.md). Refused, the
    // page would show doctor's token line instead ("token … is present"), not this one.
    const page = await firefox.session.openFromBrowser(`${EXTENSION_ORIGIN}/src/options.html?lang=en`);
    await page.waitFor({ css: 'body[data-state="done"]', state: 'attached' });
    const tokens = await page.prop({ css: '#s-tokens' }, 'textContent');
    assert.match(tokens, new RegExp(`${TOKEN_LABEL}\\s*—\\s*SoftHSM project SoftHSM v2`), tokens);
    assert.equal(await page.find({ css: '#s-tokens li.problem' }), null, tokens);
    await page.close();
  });
});
