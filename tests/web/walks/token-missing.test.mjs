/**
 * When the USB-token path lacks a piece, the portal says which and what to do (issue 13 §5),
 * in the page's language and for the holder's OS and browser, with the download that
 * `kunci-ams --downloads DIR` offers under a stable name (`/unduh/…`, web/assets/js/tokenhelp.js).
 *
 * 1. No extension (headless Chromium on Linux, as detected): "Tanda Tangani PDF" names the
 *    extension, links the Chromium `.zip` from the portal and the click saves the versioned
 *    file; as Firefox on Windows (the tests' override) the `.xpi` is not offered by this portal,
 *    so the page says to ask the agency instead of showing a broken link, and a typed
 *    `/unduh/kunci-extension.xpi` is the plain 404 page saying the same; in English after the
 *    language switch.
 * 2. The extension without its helper: the client kit's "Ya — pada token USB" ends in
 *    `host.absent`, the element fires `kunci-missing` (`helper`), and the page links the
 *    `.deb` on Linux, the `.msi` on Windows.
 *
 * Needs target/debug/kunci-ams, the npm package, and for 2 the built extension
 * (`cargo xtask extension`); 2 is skipped when a system-wide kunci-host manifest exists (then
 * the helper is not missing).
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { launch } from '../browser.mjs';
import { ROOT } from '../common.mjs';
import { fillLogin, holderWalk, screenshots, skip, startPortal, startRequestToToken } from './walker.mjs';

const EXTENSION_DIR = join(ROOT, 'target/extension/chromium');
const SYSTEM_HOST = ['/etc/chromium/native-messaging-hosts/id.kunci.host.json', '/etc/opt/chrome/native-messaging-hosts/id.kunci.host.json']
  .find((p) => existsSync(p));

/** What `cargo xtask dist` would have written, minus the .xpi (this portal does not offer it). */
const DIST = {
  'kunci-host_0.1.0_amd64.deb': 'deb bytes',
  'kunci-host-0.1.0-x64.msi': 'msi bytes',
  'kunci-extension-0.1.0-chromium.zip': 'zip bytes',
};

function extensionSkip() {
  if (skip) return skip;
  if (SYSTEM_HOST) return `a system-wide kunci-host manifest (${SYSTEM_HOST}) makes the helper present`;
  if (existsSync(join(EXTENSION_DIR, 'manifest.json'))) return undefined;
  const why = `the extension is not built (${EXTENSION_DIR}; cargo xtask extension)`;
  if (process.env.KUNCI_REQUIRE_PACKAGE === '1') throw new Error(`KUNCI_REQUIRE_PACKAGE=1 but ${why}`);
  return why;
}

describe('the portal says what the token path lacks, with the download for this platform', { skip }, () => {
  let dist;
  let portal;
  before(async () => {
    dist = await mkdtemp(join(tmpdir(), 'kunci-dist-'));
    for (const [name, text] of Object.entries(DIST)) await writeFile(join(dist, name), text);
    portal = await startPortal(['--downloads', dist]);
  });
  after(async () => {
    await portal?.stop();
    await rm(dist, { recursive: true, force: true });
  });

  it('no extension: the extension for this browser, its link, and no broken link where the portal lacks the file', async () => {
    const index = await (await fetch(`${portal.url}/unduh/index.json`)).json();
    assert.deepEqual(index, { base: '/unduh/', files: ['kunci-host-x64.msi', 'kunci-host_amd64.deb', 'kunci-extension-chromium.zip'] });
    const missing = await fetch(`${portal.url}/unduh/kunci-extension.xpi`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type'), /text\/html/);
    const page404 = await missing.text();
    assert.match(page404, /Berkas tidak tersedia/);
    assert.match(page404, /admin TI instansi Anda/);
    assert.match(page404, /Ask your agency's IT administrator/);

    await holderWalk('token-missing-extension', async (w) => {
      const { page, step } = w;
      await page.goto(`${portal.url}/tanda-tangan.html`);
      const help = page.locator('#token-help');
      await help.filter({ hasText: 'Ekstensi peramban kunci belum terpasang di peramban ini.' }).waitFor();
      assert.match(await help.innerText(), /chrome:\/\/extensions/);
      assert.equal(await help.locator('[data-code]').getAttribute('data-missing'), 'extension');
      const link = help.getByRole('link', { name: 'Unduh kunci-extension-chromium.zip' });
      assert.equal(await link.getAttribute('href'), '/unduh/kunci-extension-chromium.zip');
      assert.doesNotMatch(await help.innerText(), /null|undefined/);
      await step('tanpa-ekstensi-chromium-linux');
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      assert.equal(download.suggestedFilename(), 'kunci-extension-0.1.0-chromium.zip');
      const saved = await download.path();
      assert.equal((await import('node:fs')).readFileSync(saved, 'utf8'), 'zip bytes');

      // Firefox on Windows: the .xpi, which this portal does not offer: a sentence, no link.
      await page.evaluate(() => {
        localStorage.setItem('kunci-os', 'windows');
        localStorage.setItem('kunci-browser', 'firefox');
      });
      await page.reload();
      await help.filter({ hasText: /about:addons/ }).waitFor();
      assert.equal(await help.getByRole('link').count(), 0, 'no link to a file the portal lacks');
      assert.match(await help.locator('.th-nofile').innerText(), /Portal ini tidak menyediakan berkasnya/);
      await page.locator('#lang-toggle').click();
      await help.filter({ hasText: 'The kunci browser extension is not installed in this browser.' }).waitFor();
      assert.match(await help.innerText(), /This portal does not offer the file/);
      await step('no-extension-firefox-windows-en');
      // Back to Indonesian, saved for the account before the walk ends.
      await Promise.all([page.waitForResponse((r) => r.url().includes('/api/me/language')), page.locator('#lang-toggle').click()]);
    }, { portal, user: 'demo', expectedRefusals: [] });
  });

  it('the extension without kunci-host: the client kit ends in host.absent and the page links the .deb, then the .msi on Windows', { skip: extensionSkip(), timeout: 240_000 }, async () => {
    const browser = await launch({ extensionDir: EXTENSION_DIR });
    const { context } = browser;
    const page = await browser.newPage();
    const shots = await screenshots('token-missing-helper');
    const problems = [];
    page.on('pageerror', (err) => problems.push(`exception: ${err.message}`));
    page.on('console', (msg) => {
      // Chromium logs the element's failed token request itself; nothing else may fail.
      if (msg.type() === 'error' && !/host\.absent|kunci-host/.test(msg.text())) problems.push(msg.text());
    });
    try {
      await page.goto(`${portal.url}/`);
      await fillLogin(page, 'demo');
      await page.waitForURL(/dashboard/);
      // The account keeps the language it was last switched to (walk 1 switched back, but the
      // save may still be under way): this walk reads the Indonesian labels.
      if (await page.getAttribute('html', 'lang') === 'en') await page.locator('#lang-toggle').click();
      await page.locator('html[lang="id"]').waitFor({ state: 'attached' });
      const { token } = await startRequestToToken(page);
      await page.locator('#token-continue').click();
      await page.locator('#step-kit').waitFor({ state: 'visible' });
      await page.getByLabel('Tempel token CSR di sini').fill(token);
      await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
      await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();
      await page.locator('#kit .hint').filter({ hasText: /kunci terpasang/ }).waitFor();
      assert.equal(await page.locator('#token-help').isHidden(), true, 'the extension is there: nothing to say yet');
      await page.getByLabel('Ya — pada token USB (perangkat keras)').check();
      await page.getByLabel('Algoritme kunci').selectOption('p256');

      const asked = context.waitForEvent('page', { predicate: (p) => p.url().includes('mode=origin'), timeout: 30_000 });
      await page.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' }).click();
      const ask = await asked;
      await ask.locator('#allow').click();

      const help = page.locator('#token-help');
      await help.filter({ hasText: 'Program pembantu kunci-host belum terpasang' }).waitFor({ timeout: 60_000 });
      assert.equal(await help.locator('[data-code]').getAttribute('data-code'), 'host.absent');
      assert.equal(await help.locator('[data-code]').getAttribute('data-missing'), 'helper');
      assert.match(await help.innerText(), /sudo apt install \.\/kunci-host_amd64\.deb/);
      assert.equal(await help.getByRole('link', { name: 'Unduh kunci-host_amd64.deb' }).getAttribute('href'), '/unduh/kunci-host_amd64.deb');
      // The same holder on Windows (the override), in English: the .msi.
      await page.evaluate(() => localStorage.setItem('kunci-os', 'windows'));
      await page.locator('#lang-toggle').click();
      await help.filter({ hasText: 'The kunci-host helper is not installed' }).waitFor();
      assert.equal(await help.getByRole('link', { name: 'Download kunci-host-x64.msi' }).getAttribute('href'), '/unduh/kunci-host-x64.msi');
      assert.match(await help.innerText(), /run it \(double-click\)/);
      await shots.shot(page, 'tanpa-kunci-host-windows-en');
      assert.deepEqual(problems, []);
    } catch (e) {
      await shots.shot(page, 'failure').catch(() => {});
      throw new Error(`${e.message}\npage problems: ${problems.join('\n')}`, { cause: e });
    } finally {
      await browser.close();
    }
  });
});
