/**
 * The portal's "what is missing" guidance (web/assets/js/tokenhelp.js) without a browser: the
 * OS and browser read from real user agents and client hints, the piece and fix for each
 * stable code, and which download each platform gets. The pages rendering it, with the
 * portal's /unduh/ files, are walked in walks/token-missing.test.mjs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { guidance, missingOf, platform } from '../../web/assets/js/tokenhelp.js';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  headlessLinux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
};

test('OS and browser from the user agent, platform and client hints', () => {
  assert.deepEqual(platform({ userAgent: UA.chromeWindows, platform: 'Win32' }), { os: 'windows', browser: 'chromium' });
  assert.deepEqual(platform({ userAgent: UA.edgeWindows, userAgentData: { platform: 'Windows', brands: [{ brand: 'Microsoft Edge' }] } }), { os: 'windows', browser: 'chromium' });
  assert.deepEqual(platform({ userAgent: UA.firefoxWindows, platform: 'Win32' }), { os: 'windows', browser: 'firefox' });
  assert.deepEqual(platform({ userAgent: UA.firefoxLinux, platform: 'Linux x86_64' }), { os: 'linux', browser: 'firefox' });
  assert.deepEqual(platform({ userAgent: UA.headlessLinux, platform: 'Linux x86_64' }), { os: 'linux', browser: 'chromium' });
  assert.deepEqual(platform({ userAgent: UA.safariMac, platform: 'MacIntel' }), { os: 'mac', browser: 'other' });
  assert.deepEqual(platform({ userAgent: UA.chromeAndroid, platform: 'Linux armv8l' }), { os: 'other', browser: 'chromium' });
});

test('each stable code names its piece; other codes name none', () => {
  assert.deepEqual(missingOf({ code: 'extension.absent' }), { missing: 'extension', code: 'extension.absent' });
  assert.deepEqual(missingOf({ code: 'extension.too_old' }), { missing: 'extension', code: 'extension.too_old' });
  assert.deepEqual(missingOf({ code: 'host.absent' }), { missing: 'helper', code: 'host.absent' });
  assert.deepEqual(missingOf({ code: 'host.too_old' }), { missing: 'helper', code: 'host.too_old' });
  assert.deepEqual(missingOf({ code: 'host.version' }), { missing: 'helper', code: 'host.version' });
  assert.deepEqual(missingOf({ code: 'module.not_found' }), { missing: 'module', code: 'module.not_found' });
  assert.deepEqual(missingOf({ code: 'token.absent' }), { missing: 'token', code: 'token.absent' });
  for (const code of ['token.expired', 'pin.incorrect', 'extension.failed', undefined]) assert.equal(missingOf({ code }), null);
});

test('the download per platform: the extension per browser, the helper per OS, nothing for the rest', () => {
  const linux = { os: 'linux', browser: 'chromium' };
  const win = { os: 'windows', browser: 'firefox' };
  const mac = { os: 'mac', browser: 'other' };
  assert.equal(guidance('extension', 'extension.absent', linux).file, 'kunci-extension-chromium.zip');
  assert.equal(guidance('extension', 'extension.absent', win).file, 'kunci-extension.xpi');
  assert.equal(guidance('extension', 'extension.absent', mac).fix, 'th.extension.other');
  assert.equal(guidance('extension', 'extension.absent', mac).file, undefined);
  assert.deepEqual(guidance('helper', 'host.absent', linux), { what: 'th.helper', fix: 'th.helper.linux', file: 'kunci-host_amd64.deb', options: true });
  assert.deepEqual(guidance('helper', 'host.too_old', win), { what: 'th.helper.old', fix: 'th.helper.windows', file: 'kunci-host-x64.msi', options: true });
  assert.equal(guidance('helper', 'host.absent', mac).fix, 'th.helper.mac');
  assert.equal(guidance('helper', 'host.absent', mac).file, undefined);
  assert.equal(guidance('module', 'module.not_found', linux).fix, 'th.module.linux');
  assert.equal(guidance('token', 'token.absent', linux).fix, 'th.token.fix');
});

test('every text the guidance names exists in both languages', async () => {
  const { has } = await import('../../web/assets/js/i18n.js');
  for (const missing of ['extension', 'helper', 'module', 'token']) {
    for (const code of ['extension.absent', 'extension.too_old', 'host.absent', 'host.too_old', 'module.not_found', 'token.absent']) {
      for (const os of ['windows', 'linux', 'mac', 'other']) {
        for (const browser of ['chromium', 'firefox', 'other']) {
          const g = guidance(missing, code, { os, browser });
          for (const key of [g.what, g.fix]) assert.ok(has(key), `${key} (${missing} ${code} ${os} ${browser})`);
        }
      }
    }
  }
});
