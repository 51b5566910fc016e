/**
 * The options page's content (extension/src/options-view.js): for each state of the token
 * path (no helper, an old one, no module, doctor problems, no token, a locked PIN, everything
 * fine) the rows shown, each problem with its stable code and its fix in the holder's language
 * and for the holder's OS, with the installer's link on the holder's allowed portals. The
 * rendering in a real Chromium, against the real kunci-host and a SoftHSM2 token, is in
 * tests/web/extension.test.mjs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { langOf, osOf, view } from '../src/options-view.js';

const OK = {
  ok: true, extension: '0.1.0', protocol: 1, minHost: '0.1.0', origin: 'chrome-extension://abc', portals: ['https://ams.example.go.id'],
  host: { version: '0.1.0', protocol: 1, module: '/usr/lib/softhsm/libsofthsm2.so' },
  doctor: { checks: [{ id: 'config', ok: true, code: null, detail: 'config file present', fix: null }] },
  tokens: { tokens: [{ serial: 'S1', label: 'Budi', manufacturer: 'SoftHSM project', model: 'SoftHSM v2', pinLocked: false }] },
};
const rows = (page, id) => page.sections.find((s) => s.id === id)?.rows ?? [];
const problems = (page) => page.sections.flatMap((s) => s.rows).filter((r) => r.ok === false);

test('the language is the browser UI language: Indonesian for id, else English', () => {
  assert.equal(langOf('id'), 'id');
  assert.equal(langOf('id-ID'), 'id');
  assert.equal(langOf('en-US'), 'en');
  assert.equal(langOf('nl'), 'en');
  assert.equal(langOf(undefined), 'en');
});

test('the OS from client hints, platform or user agent', () => {
  assert.equal(osOf({ userAgentData: { platform: 'Windows' } }), 'windows');
  assert.equal(osOf({ platform: 'Win32' }), 'windows');
  assert.equal(osOf({ platform: 'Linux x86_64', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' }), 'linux');
  assert.equal(osOf({ platform: 'MacIntel' }), 'mac');
  assert.equal(osOf({ userAgent: 'Mozilla/5.0 (Linux; Android 14)' }), 'other');
  assert.equal(osOf({}), 'other');
});

test('all well: version, protocol, module, checks and the token, no problem', () => {
  const page = view(OK, { lang: 'en', os: 'linux' });
  assert.deepEqual(problems(page), []);
  assert.match(rows(page, 'host')[0].text, /kunci-host 0\.1\.0 answers \(protocol 1\)/);
  assert.match(rows(page, 'host')[1].text, /libsofthsm2\.so/);
  assert.match(rows(page, 'doctor')[0].text, /All checks pass/);
  assert.match(rows(page, 'tokens')[0].text, /Budi — SoftHSM project SoftHSM v2 \(S1\)/);
  assert.equal(view(OK, { lang: 'id', os: 'linux' }).title, 'kunci: keadaan token USB');
});

for (const [os, file, fix] of [
  ['windows', 'kunci-host-x64.msi', /run it \(double-click\)/],
  ['linux', 'kunci-host_amd64.deb', /sudo apt install \.\/kunci-host_amd64\.deb/],
]) {
  test(`no helper on ${os}: host.absent, the installer and its link on the allowed portal`, () => {
    const page = view({ ...OK, host: undefined, error: { code: 'host.absent', message: 'x' } }, { lang: 'en', os });
    const [row] = problems(page);
    assert.equal(row.code, 'host.absent');
    assert.match(row.fix, fix);
    assert.deepEqual(row.links, [{ href: `https://ams.example.go.id/unduh/${file}`, text: `https://ams.example.go.id/unduh/${file}` }]);
    assert.equal(page.sections.length, 2, 'nothing about doctor or tokens');
  });
}

test('no helper, no portal allowed yet: the plain sentence, no link; macOS and others get their own words', () => {
  const absent = { ...OK, host: undefined, portals: [], error: { code: 'host.absent' } };
  const [row] = problems(view(absent, { lang: 'id', os: 'windows' }));
  assert.equal(row.links, undefined);
  assert.match(row.fix, /kunci-host-x64\.msi.*admin TI/);
  assert.match(problems(view(absent, { lang: 'en', os: 'mac' }))[0].fix, /no kunci-host installer for macOS/);
  assert.match(problems(view(absent, { lang: 'en', os: 'other' }))[0].fix, /Windows and Linux/);
  // A portal that is not https is not linked.
  assert.equal(problems(view({ ...absent, portals: ['http://evil.example'] }, { lang: 'en', os: 'linux' }))[0].links, undefined);
});

test('an old helper: host.too_old with its version, the minimum and the update', () => {
  const page = view({ ...OK, host: undefined, error: { code: 'host.too_old', host: '0.0.5' } }, { lang: 'id', os: 'linux' });
  const [row] = problems(page);
  assert.equal(row.code, 'host.too_old');
  assert.match(row.text, /kunci-host 0\.0\.5 terlalu lama: ekstensi ini memerlukan versi 0\.1\.0/);
  assert.match(row.fix, /^Pasang kunci-host versi terbaru/);
  assert.equal(row.links.length, 1);
});

test('no module: module.not_found with the driver to install for the OS', () => {
  const status = { ...OK, host: { ...OK.host, module: null } };
  assert.match(problems(view(status, { lang: 'en', os: 'linux' }))[0].fix, /sudo apt install opensc/);
  assert.match(problems(view(status, { lang: 'en', os: 'windows' }))[0].fix, /OpenSC for Windows/);
  assert.equal(problems(view(status, { lang: 'en', os: 'linux' }))[0].code, 'module.not_found');
});

test("doctor's problems are shown with their code and fix; a helper without doctor says to update", () => {
  const checks = [
    { id: 'config', ok: true, code: null, detail: 'config file present', fix: null },
    { id: 'manifest.firefox', ok: false, code: 'manifest.missing', detail: 'no Firefox manifest', fix: 'kunci-host install' },
  ];
  const page = view({ ...OK, doctor: { checks } }, { lang: 'en', os: 'linux' });
  assert.deepEqual(problems(page), [{ ok: false, code: 'manifest.missing', text: 'no Firefox manifest', fix: 'kunci-host install' }]);
  assert.equal(rows(page, 'doctor').length, 2, 'no "all pass" line');
  const old = view({ ...OK, doctor: { error: { code: 'op.unknown', message: 'unknown op' } } }, { lang: 'en', os: 'linux' });
  assert.match(rows(old, 'doctor')[0].text, /no doctor op\): update kunci-host/);
  assert.deepEqual(problems(old), []);
});

test('tokens: none plugged in, refused to this page, a locked PIN', () => {
  const none = problems(view({ ...OK, tokens: { tokens: [] } }, { lang: 'id', os: 'linux' }))[0];
  assert.equal(none.code, 'token.absent');
  assert.match(none.fix, /Pasang token USB Anda/);
  const refused = problems(view({ ...OK, tokens: { error: { code: 'origin.not_allowed' } } }, { lang: 'en', os: 'linux' }))[0];
  assert.equal(refused.fix, 'Allow this page once: kunci-host install --allow-origin chrome-extension://abc');
  const locked = problems(view({ ...OK, tokens: { tokens: [{ ...OK.tokens.tokens[0], pinLocked: true }] } }, { lang: 'en', os: 'linux' }))[0];
  assert.equal(locked.code, 'pin.locked');
});

test("tokens refused to the extension's origin: the doctor's token checks stand in", () => {
  const checks = [
    { id: 'module', ok: true, code: null, detail: 'PKCS#11 module loads', fix: null },
    { id: 'token', ok: true, code: null, detail: 'token Budi (serial S1) is present, PIN not locked', fix: null },
  ];
  const page = view({ ...OK, doctor: { checks }, tokens: { error: { code: 'origin.not_allowed' } } }, { lang: 'en', os: 'linux' });
  assert.deepEqual(rows(page, 'tokens'), [{ ok: true, code: undefined, text: 'token Budi (serial S1) is present, PIN not locked', fix: undefined }]);
  assert.deepEqual(problems(page), []);
});

test('an extension older than the helper: extension.too_old, update the extension', () => {
  const [row] = problems(view({ ...OK, host: undefined, error: { code: 'extension.too_old', host: '0.3.0' } }, { lang: 'en', os: 'linux' }));
  assert.equal(row.code, 'extension.too_old');
  assert.match(row.text, /too old for kunci-host 0\.3\.0/);
  assert.match(row.fix, /Update the kunci extension/);
});
