/**
 * `<kunci-p12-maker>` (crates/kunci-wasm/js/p12-element.js) in headless Chromium, on a small
 * test page of its own (not the portal) served by a tiny server here under a strict
 * Content-Security-Policy, with a `securitypolicyviolation` listener that must stay silent.
 * OpenSSL makes the keys (encrypted PKCS#8) and certificates (a CA of its own, a leaf for the
 * key, a leaf for another key); OpenSSL and keytool judge the saved `.p12` files: the modern
 * profile (PBES2 AES-256, SHA-256 MAC) and the legacy one (Triple DES, SHA-1 MAC) with its
 * stronger password rule. Also: the Mac preselection, a key kept in IndexedDB preselected by its
 * public key, the errors with their codes (wrong password, another key's certificate, not a
 * certificate, a 404), English, `strings`, and axe-core.
 */

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { launch } from './browser.mjs';
import { NODE_MODULES, PKG_DIR, packageSkipReason, run, runOk, tempDir } from './common.mjs';

const skip = packageSkipReason();

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'";
const STRONG = 'Gamelan-Hujan-Petir-7391-senja';
/** Scores over 50 % but not over 60 % (the key rule passes, the legacy .p12 rule does not). */
const MEDIUM = 'Senja#Lontar6';
const P12_OWN = 'Wayang-Kulit-Sungai-4820-fajar';
const HOLDER = { name: 'Budi Santoso', email: 'budi@example.go.id', organization: 'Dinas Kominfo' };

const PAGE = `<!doctype html><html lang="id"><head><meta charset="utf-8"><title>kunci p12 test</title>
<script type="module" src="/page.js"></script></head><body><main><h1>Download</h1></main></body></html>`;
// Collects the elements' events and any CSP report; the elements are mounted by the test.
const PAGE_JS = `import '/pkg/elements.js';
const b64 = (u8) => { let s = ''; for (const x of u8) s += String.fromCharCode(x); return btoa(s); };
window.events = [];
window.violations = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
for (const type of ['kunci-progress', 'kunci-error', 'kunci-done', 'kunci-missing']) {
  document.addEventListener(type, (e) => events.push({ type, detail: type === 'kunci-done' ? { ...e.detail, p12: e.detail.p12 && b64(e.detail.p12) } : e.detail }));
}
window.pageReady = true;
`;

const MIME = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.ts': 'text/plain' };

/** The test's own server: the page, the package, the certificate URLs; CSP on everything. */
async function serve(routes) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const head = { 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    let body = routes[path];
    let type = 'text/html; charset=utf-8';
    if (body === undefined && path.startsWith('/pkg/')) {
      const file = resolve(PKG_DIR, `.${sep}${path.slice(5)}`);
      if (file.startsWith(PKG_DIR + sep)) {
        body = await readFile(file).catch(() => undefined);
        type = MIME[extname(file)] || 'application/octet-stream';
      }
    } else if (typeof body === 'object' && body && !Buffer.isBuffer(body)) {
      ({ body, type } = body);
    } else if (path.endsWith('.js')) type = 'text/javascript';
    if (body === undefined) {
      res.writeHead(404, { ...head, 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { ...head, 'Content-Type': type });
    res.end(body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }) };
}

describe('<kunci-p12-maker> in Chromium under a strict CSP', { skip, timeout: 600_000 }, () => {
  let tmp;
  let server;
  let browser;
  const f = (name) => join(tmp.dir, name);
  const text = (name) => readFile(f(name), 'utf8');
  const pem = {};

  before(async () => {
    tmp = await tempDir('kunci-p12-element-');
    const ssl = (...args) => runOk('openssl', args);
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '30',
      '-subj', '/CN=Test CA/O=kunci test/C=ID', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    for (const who of ['leaf', 'other']) {
      ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f(`${who}.key`));
      ssl('req', '-new', '-key', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=Budi Santoso/O=Dinas Kominfo/C=ID`);
      ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '7', '-out', f(`${who}.pem`));
    }
    ssl('x509', '-in', f('leaf.pem'), '-outform', 'DER', '-out', f('leaf.der'));
    for (const [name, pw] of [['strong', STRONG], ['medium', MEDIUM]]) {
      ssl('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256', '-in', f('leaf.key'), '-out', f(`key-${name}.pem`), '-passout', `pass:${pw}`);
    }
    ssl('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256', '-in', f('other.key'), '-out', f('key-other.pem'), '-passout', `pass:${STRONG}`);
    for (const n of ['leaf', 'other', 'ca', 'key-strong', 'key-medium', 'key-other']) pem[n] = await text(`${n}.pem`);
    pem.serial = runOk('openssl', ['x509', '-in', f('leaf.pem'), '-noout', '-serial']).stdout.trim().split('=')[1].toLowerCase();
    server = await serve({
      '/': PAGE,
      '/page.js': PAGE_JS,
      '/cert.pem': pem.leaf,
      // As kunci-ams answers /chain: the leaf first, then the CA.
      '/chain.pem': pem.leaf + pem.ca,
    });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await tmp?.remove();
  });

  /** A fresh page (`init`: a script run before the page's own), the element mounted in it. */
  async function open({ init, attrs = {}, props = {}, lost = false } = {}) {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(m.text()); });
    if (init) await page.addInitScript(init);
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => window.pageReady === true);
    await mount(page, { attrs, props, lost });
    return { page, problems };
  }

  async function mount(page, { attrs = {}, props = {}, lost = false }) {
    await page.evaluate(({ attrs, props, lost }) => {
      document.querySelector('kunci-p12-maker')?.remove();
      window.events.length = 0;
      const el = document.createElement('kunci-p12-maker');
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      Object.assign(el, props);
      if (lost) {
        const p = document.createElement('p');
        p.slot = 'lost';
        p.id = 'lost-way';
        const a = document.createElement('a');
        a.href = '/kunci-hilang';
        a.textContent = 'Lupa kata sandi atau kunci hilang?';
        p.append(a);
        el.append(p);
      }
      document.querySelector('main').append(el);
    }, { attrs, props, lost });
  }

  const events = (page) => page.evaluate(() => window.events);
  const errorCodes = async (page) => (await events(page)).filter((e) => e.type === 'kunci-error').map((e) => e.detail.code);
  const done = async (page) => (await page.waitForFunction(() => window.events.find((e) => e.type === 'kunci-done')?.detail, null, { timeout: 120_000 })).jsonValue();
  const errorOf = async (page, code) => {
    await page.waitForFunction((c) => window.events.some((e) => e.type === 'kunci-error' && e.detail.code === c), code, { timeout: 120_000 });
    return (await events(page)).find((e) => e.type === 'kunci-error' && e.detail.code === code).detail;
  };
  /** What the element shows (its shadow root's rendered text). */
  const shownText = (page) => page.evaluate(() => [...document.querySelector('kunci-p12-maker').shadowRoot.children].map((n) => n.innerText).join('\n'));
  const alertText = (page) => page.locator('kunci-p12-maker [role=alert]').innerText();

  async function axeClean(page, label) {
    if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
      await page.evaluate(await readFile(join(NODE_MODULES, 'axe-core/axe.min.js'), 'utf8'));
    }
    const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`));
    assert.deepEqual(found, [], `axe-core: ${label}`);
  }

  async function finish(page, problems) {
    assert.deepEqual(await page.evaluate(() => window.violations), [], 'no CSP violation');
    assert.deepEqual(problems, [], 'the page logged no error');
    await page.close();
  }

  async function saved(page, name) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
    return { bytes: await readFile(await dl.path()), name: dl.suggestedFilename() };
  }

  const pickKeyFile = (page, which) => page.getByLabel('Atau pilih berkas cadangan kunci (kunci-key-….pem)').setInputFiles({
    name: `kunci-key-${which}.pem`, mimeType: 'application/x-pem-file', buffer: Buffer.from(pem[`key-${which}`]),
  });

  const p12Info = (file, pass, legacy) => {
    const out = run('openssl', ['pkcs12', ...(legacy ? ['-legacy'] : []), '-info', '-noout', '-in', file, '-passin', `pass:${pass}`]);
    return { ok: out.status === 0, text: out.stdout + out.stderr };
  };

  it('makes a modern .p12 from a backup file, certificate and chain from URLs (openssl reads it)', async () => {
    const { page, problems } = await open({ attrs: { 'certificate-url': '/cert.pem', 'chain-url': '/chain.pem' } });
    // Linux: the modern profile is preselected; nothing is typed yet, no WebAssembly loaded.
    await page.getByLabel('Berkas', { exact: true }).waitFor();
    assert.equal(await page.getByLabel(/^Windows 10\/11/).isChecked(), true);
    assert.equal(await page.getByLabel(/^macOS \/ aplikasi lama/).isChecked(), false);
    assert.equal(await page.getByLabel('Token USB').isDisabled(), true, 'no extension: the token choice is off');
    await page.locator('kunci-p12-maker').getByText(/belum terpasang/).waitFor();
    assert.deepEqual((await page.evaluate(() => window.events)).filter((e) => e.type === 'kunci-missing').map((e) => e.detail),
      [{ missing: 'extension', code: 'extension.absent' }], 'the piece of the token path that is missing');
    await page.locator('kunci-p12-maker').getByText(/Tidak ada kunci tersimpan/).waitFor();
    assert.equal(await page.evaluate(() => performance.getEntriesByType('resource').some((r) => r.name.endsWith('.wasm'))), false,
      'no WebAssembly before the holder uses the element');
    await axeClean(page, 'the form');
    await pickKeyFile(page, 'strong');
    await page.getByLabel('Kata sandi kunci').fill(STRONG);
    await page.getByLabel('Kata sandi kunci').press('Enter'); // the keyboard sends the form
    const detail = await done(page);
    assert.equal(detail.serial, pem.serial);
    assert.equal(detail.profile, 'modern');
    assert.equal(detail.onToken, false);
    assert.match(detail.pem, /^-----BEGIN CERTIFICATE-----/);
    // The result's heading has the focus; the links save <serial>.pem and <serial>.p12.
    assert.equal(await page.evaluate(() => document.querySelector('kunci-p12-maker').shadowRoot.activeElement?.textContent), 'Sertifikat siap disimpan');
    const steps = (await events(page)).filter((e) => e.type === 'kunci-progress').map((e) => e.detail.step);
    for (const s of ['fetch', 'read', 'unlock', 'match', 'pack']) assert.ok(steps.includes(s), `progress ${s} in ${steps}`);
    await axeClean(page, 'the result');
    const savedPem = await saved(page, 'Simpan .pem');
    const savedP12 = await saved(page, 'Simpan .p12');
    assert.equal(savedPem.name, `${pem.serial}.pem`);
    assert.equal(savedP12.name, `${pem.serial}.p12`);
    assert.equal(Buffer.from(detail.p12, 'base64').compare(savedP12.bytes), 0, 'kunci-done carries the saved .p12');
    await writeFile(f('modern.p12'), savedP12.bytes);
    const info = p12Info(f('modern.p12'), STRONG);
    assert.ok(info.ok, info.text);
    assert.match(info.text, /MAC: sha256/);
    assert.match(info.text, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
    assert.doesNotMatch(info.text, /3-KeyTripleDES|RC2/);
    assert.equal(p12Info(f('modern.p12'), 'wrong').ok, false, 'a wrong password does not open it');
    // Its key is the leaf's key, its certificates the leaf and the CA (the leaf not twice).
    const certs = runOk('openssl', ['pkcs12', '-in', f('modern.p12'), '-passin', `pass:${STRONG}`, '-nokeys']).stdout;
    assert.equal(certs.match(/BEGIN CERTIFICATE/g).length, 2);
    const keyOut = runOk('openssl', ['pkcs12', '-in', f('modern.p12'), '-passin', `pass:${STRONG}`, '-nocerts', '-nodes']).stdout;
    assert.equal(runOk('openssl', ['pkey', '-pubout'], { input: keyOut }).stdout, runOk('openssl', ['pkey', '-in', f('leaf.key'), '-pubout']).stdout);
    assert.match(runOk('openssl', ['pkcs12', '-in', f('modern.p12'), '-passin', `pass:${STRONG}`, '-nokeys', '-clcerts']).stdout, /friendlyName: Budi Santoso/);
    assert.equal(savedPem.bytes.toString().replace(/\s+/g, ''), pem.leaf.replace(/\s+/g, ''));
    await finish(page, problems);
  });

  it('preselects the legacy profile on a Mac; its .p12 is Triple DES + SHA-1 MAC (openssl -legacy, keytool)', async () => {
    const init = `Object.defineProperty(Navigator.prototype, 'platform', { get: () => 'MacIntel' });
Object.defineProperty(Navigator.prototype, 'userAgentData', { get: () => ({ platform: 'macOS', mobile: false, brands: [] }) });`;
    const { page, problems } = await open({ init, attrs: { 'file-name': 'budi-2026' }, props: { certificate: pem.leaf, chain: pem.ca, holder: HOLDER } });
    await page.getByLabel(/^macOS \/ aplikasi lama/).waitFor();
    assert.equal(await page.getByLabel(/^macOS \/ aplikasi lama/).isChecked(), true, 'a Mac preselects the legacy profile');
    const shown = await shownText(page);
    assert.match(shown, /Triple DES, MAC SHA-1/);
    assert.match(shown, /lebih dari 60 %/);
    await axeClean(page, 'the legacy choice');
    await pickKeyFile(page, 'strong');
    await page.getByLabel('Kata sandi kunci').fill(STRONG);
    await page.getByRole('button', { name: 'Download' }).click();
    const detail = await done(page);
    assert.equal(detail.profile, 'legacy');
    assert.equal(await page.getByLabel('Kata sandi berkas .p12', { exact: true }).isVisible(), false, 'a strong key password is used as it is');
    const savedP12 = await saved(page, 'Simpan .p12');
    assert.equal(savedP12.name, 'budi-2026.p12');
    await writeFile(f('legacy.p12'), savedP12.bytes);
    const info = p12Info(f('legacy.p12'), STRONG, true);
    assert.ok(info.ok, info.text);
    assert.match(info.text, /MAC: sha1/);
    assert.match(info.text, /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/);
    assert.doesNotMatch(info.text, /PBES2/);
    if (run('sh', ['-c', 'command -v keytool']).status === 0) {
      const out = run('keytool', ['-list', '-storetype', 'PKCS12', '-keystore', f('legacy.p12'), '-storepass', STRONG]);
      assert.equal(out.status, 0, out.stdout + out.stderr);
      assert.match(out.stdout, /PrivateKeyEntry/);
    }
    // The `profile` attribute wins over the platform.
    await mount(page, { attrs: { profile: 'modern' }, props: { certificate: pem.leaf } });
    await page.getByLabel(/^Windows 10\/11/).waitFor();
    assert.equal(await page.getByLabel(/^Windows 10\/11/).isChecked(), true);
    await finish(page, problems);
  });

  it('asks for another .p12 password when the key password does not pass the legacy rule', async () => {
    const { page, problems } = await open({ props: { certificate: pem.leaf, holder: HOLDER } });
    await page.getByLabel(/^macOS \/ aplikasi lama/).check();
    await pickKeyFile(page, 'medium');
    await page.getByLabel('Kata sandi kunci').fill(MEDIUM);
    const own = page.getByLabel('Kata sandi berkas .p12', { exact: true });
    await own.waitFor({ state: 'visible', timeout: 60_000 });
    const why = await page.locator('kunci-p12-maker').getByText(/Kata sandi kunci Anda bernilai/).innerText();
    const p = Number(why.match(/(\d+) %/)[1]);
    assert.ok(p > 50 && p <= 60, `the key password scores ${p} %`);
    await axeClean(page, 'the .p12 password');
    // Sent without it: refused with the reason, nothing saved.
    await page.getByRole('button', { name: 'Download' }).click();
    const refused = await errorOf(page, 'password.too_weak');
    assert.match(refused.message, /lebih dari 60 %/);
    assert.equal((await events(page)).some((e) => e.type === 'kunci-done'), false);
    assert.equal(await page.evaluate(() => document.querySelector('kunci-p12-maker').shadowRoot.activeElement?.type), 'password');
    await own.fill(P12_OWN);
    await page.getByLabel('Ulangi kata sandi berkas .p12').fill(P12_OWN);
    await page.locator('kunci-p12-maker').getByText(/cukup kuat, diterima/).waitFor();
    await page.getByRole('button', { name: 'Download' }).click();
    const detail = await done(page);
    assert.equal(detail.profile, 'legacy');
    assert.match(await shownText(page), /kata sandi \.p12 yang baru/);
    await writeFile(f('own.p12'), Buffer.from(detail.p12, 'base64'));
    const info = p12Info(f('own.p12'), P12_OWN, true);
    assert.ok(info.ok, info.text);
    assert.match(info.text, /MAC: sha1/);
    assert.equal(p12Info(f('own.p12'), MEDIUM, true).ok, false, 'the weaker key password does not open it');
    // The modern profile keeps the key's password: no second password asked.
    await mount(page, { props: { certificate: pem.leaf, holder: HOLDER } });
    await pickKeyFile(page, 'medium');
    await page.getByLabel('Kata sandi kunci').fill(MEDIUM);
    await page.getByRole('button', { name: 'Download' }).click();
    const modern = await done(page);
    assert.equal(modern.profile, 'modern');
    await writeFile(f('medium.p12'), Buffer.from(modern.p12, 'base64'));
    assert.ok(p12Info(f('medium.p12'), MEDIUM).ok);
    await finish(page, problems);
  });

  it('preselects the key kept in this browser by the certificate\'s public key', async () => {
    const { page, problems } = await open({ props: { certificate: pem.other } });
    const sha = (file) => runOk('sh', ['-c', `openssl pkey -in '${file}' -pubout -outform DER | openssl dgst -sha256 -r`]).stdout.split(' ')[0];
    await page.evaluate(async ([a, b]) => {
      const store = await import('/pkg/keystore.js');
      await store.saveKey({ requestId: 7, publicKeySha256: a.sha, encryptedPem: a.pem, createdAt: Date.now() - 1000, subject: 'CN=Budi Santoso' });
      await store.saveKey({ requestId: 'key:x', publicKeySha256: b.sha, encryptedPem: b.pem, createdAt: Date.now(), subject: 'CN=Lain' });
    }, [{ sha: sha(f('leaf.key')), pem: pem['key-strong'] }, { sha: 'ab'.repeat(32), pem: pem['key-other'] }]);
    // No stored key is the other certificate's: the element says so and selects none.
    await mount(page, { props: { certificate: pem.other } });
    const select = page.getByLabel('Kunci tersimpan di peramban ini');
    await page.locator('kunci-p12-maker').getByText(/Tidak ada kunci yang cocok/).waitFor();
    assert.equal(await select.inputValue(), '');
    // The leaf's key is selected, and named.
    await mount(page, { attrs: { certificate: pem.leaf } });
    await page.locator('kunci-p12-maker').getByText(/sudah dipilih: Permohonan #7./).waitFor();
    assert.equal(await select.inputValue(), '7');
    await axeClean(page, 'a kept key');
    await page.getByLabel('Kata sandi kunci').fill(STRONG);
    await page.getByRole('button', { name: 'Download' }).click();
    const detail = await done(page);
    assert.equal(detail.serial, pem.serial);
    await finish(page, problems);
  });

  it('offers a key kept after it was shown (by a client kit on the page) when the holder asks', async () => {
    const { page, problems } = await open({ attrs: { certificate: pem.leaf } });
    // The pages share one browser profile: start from an empty key store.
    await page.evaluate(() => new Promise((ok, no) => {
      const r = indexedDB.deleteDatabase('kunci');
      r.onsuccess = ok;
      r.onerror = () => no(r.error);
      // onblocked: another page's connection is still closing; the deletion waits for it.
    }));
    await mount(page, { attrs: { certificate: pem.leaf } });
    await page.locator('kunci-p12-maker').getByText(/Tidak ada kunci tersimpan/).waitFor();
    const sha = runOk('sh', ['-c', `openssl pkey -in '${f('leaf.key')}' -pubout -outform DER | openssl dgst -sha256 -r`]).stdout.split(' ')[0];
    await page.evaluate(async (rec) => (await import('/pkg/keystore.js')).saveKey({ ...rec, createdAt: Date.now() }),
      { requestId: 31, publicKeySha256: sha, encryptedPem: pem['key-strong'], subject: 'CN=Budi Santoso' });
    await page.getByLabel('Kata sandi kunci').fill(STRONG);
    await page.getByRole('button', { name: 'Download' }).click();
    const detail = await done(page);
    assert.equal(detail.serial, pem.serial, 'the key kept since was found and used');
    assert.equal(await page.getByLabel('Kunci tersimpan di peramban ini').inputValue(), '31');
    await finish(page, problems);
  });

  it('refuses a wrong password (pkcs8.wrong_password) and shows the lost-key way beside it; nothing saved', async () => {
    const { page, problems } = await open({ props: { certificate: pem.leaf }, lost: true });
    await pickKeyFile(page, 'strong');
    assert.equal(await page.locator('#lost-way').isVisible(), false, 'the way is shown only beside the error');
    await page.getByLabel('Kata sandi kunci').fill('kata-sandi-yang-terlupa');
    await page.getByRole('button', { name: 'Download' }).click();
    const e = await errorOf(page, 'pkcs8.wrong_password');
    assert.match(e.message, /Kata sandi salah/);
    assert.equal(e.step, 'unlock');
    assert.match(await alertText(page), /Kata sandi salah/);
    await page.locator('#lost-way').waitFor({ state: 'visible' });
    assert.equal((await events(page)).some((x) => x.type === 'kunci-done'), false);
    assert.equal(await page.getByRole('link', { name: 'Simpan .p12' }).count(), 0, 'no .p12 offered');
    assert.equal(await page.evaluate(() => document.querySelector('kunci-p12-maker').shadowRoot.activeElement?.type), 'password');
    await axeClean(page, 'the wrong password');
    await finish(page, problems);
  });

  it('refuses another key\'s certificate (key.mismatch)', async () => {
    const { page, problems } = await open({ props: { certificate: pem.other } });
    await pickKeyFile(page, 'strong');
    await page.getByLabel('Kata sandi kunci').fill(STRONG);
    await page.getByRole('button', { name: 'Download' }).click();
    const e = await errorOf(page, 'key.mismatch');
    assert.match(e.message, /bukan kunci sertifikat ini/);
    assert.match(await alertText(page), /sertifikat dibuat untuk kunci lain/);
    assert.equal((await events(page)).some((x) => x.type === 'kunci-done'), false);
    await finish(page, problems);
  });

  it('takes the certificate as an upload: refuses a file that is not one (cert.malformed), takes DER', async () => {
    const { page, problems } = await open();
    const certField = page.getByLabel('Sertifikat (.pem, .cer atau .crt)');
    // No certificate at all: cert.missing.
    await pickKeyFile(page, 'strong');
    await page.getByLabel('Kata sandi kunci').fill(STRONG);
    await page.getByRole('button', { name: 'Download' }).click();
    await errorOf(page, 'cert.missing');
    await certField.setInputFiles({ name: 'surat.pem', mimeType: 'text/plain', buffer: Buffer.from('bukan sertifikat\n') });
    const bad = await errorOf(page, 'cert.malformed');
    assert.match(bad.message, /bukan sertifikat/);
    assert.match(await alertText(page), /bukan sertifikat/);
    await certField.setInputFiles({ name: 'acak.cer', mimeType: 'application/pkix-cert', buffer: Buffer.from([0x30, 0x82, 0x01, 0x00, 1, 2, 3]) });
    await page.waitForFunction(() => window.events.filter((e) => e.detail.code === 'cert.malformed').length === 2, null, { timeout: 60_000 });
    await certField.setInputFiles({ name: 'budi.cer', mimeType: 'application/pkix-cert', buffer: await readFile(f('leaf.der')) });
    await page.getByLabel('Rantai CA (opsional)').setInputFiles({ name: 'chain.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(pem.ca) });
    await page.locator('kunci-p12-maker [role=alert]').filter({ hasText: /^$/ }).waitFor({ state: 'attached' });
    await axeClean(page, 'the upload');
    await page.getByRole('button', { name: 'Download' }).click();
    const detail = await done(page);
    assert.equal(detail.serial, pem.serial);
    await writeFile(f('upload.p12'), Buffer.from(detail.p12, 'base64'));
    const certs = runOk('openssl', ['pkcs12', '-in', f('upload.p12'), '-passin', `pass:${STRONG}`, '-nokeys']).stdout;
    assert.equal(certs.match(/BEGIN CERTIFICATE/g).length, 2, 'the uploaded chain is in the .p12');
    await finish(page, problems);
  });

  it('says when the certificate URL answers 404 (http.404)', async () => {
    const { page, problems } = await open({ attrs: { 'certificate-url': '/nowhere.pem' } });
    const e = await errorOf(page, 'http.404');
    assert.equal(e.step, 'fetch');
    assert.match(await alertText(page), /404/);
    await pickKeyFile(page, 'strong');
    await page.getByLabel('Kata sandi kunci').fill(STRONG);
    await page.getByRole('button', { name: 'Download' }).click();
    await page.waitForFunction(() => window.events.filter((x) => x.detail.code === 'http.404').length === 2, null, { timeout: 60_000 });
    assert.equal((await events(page)).some((x) => x.type === 'kunci-done'), false);
    await finish(page, problems);
  });

  it('speaks English with lang="en", switches in place, and takes `strings`', async () => {
    const { page, problems } = await open({ attrs: { lang: 'en' }, props: { certificate: pem.other } });
    await page.getByLabel('Key password').waitFor();
    const shown = await shownText(page);
    assert.match(shown, /Where is your key pair kept\?/);
    assert.match(shown, /Which devices is this \.p12 file for\?/);
    assert.doesNotMatch(shown, /Kata sandi|Berkas|Untuk perangkat/);
    await axeClean(page, 'English');
    await page.getByLabel('Key password').fill('typed');
    await page.getByLabel(/^macOS \/ older apps/).check();
    await page.evaluate(() => document.querySelector('kunci-p12-maker').setAttribute('lang', 'id'));
    await page.getByLabel('Kata sandi kunci').waitFor();
    assert.equal(await page.getByLabel('Kata sandi kunci').inputValue(), 'typed', 'what was typed stays');
    assert.equal(await page.getByLabel(/^macOS \/ aplikasi lama/).isChecked(), true, 'the choice stays');
    await page.evaluate(() => { document.querySelector('kunci-p12-maker').strings = { go: 'Buat berkas .p12', 'e.key.missing': 'Pilih kuncinya dulu.' }; });
    await page.getByLabel('Kata sandi kunci').fill('');
    await page.getByRole('button', { name: 'Buat berkas .p12' }).click();
    const e = await errorOf(page, 'key.missing');
    assert.equal(e.message, 'Pilih kuncinya dulu.');
    assert.equal(await alertText(page), 'Pilih kuncinya dulu.');
    await finish(page, problems);
  });

  it('hides the token choice with no-token', async () => {
    const { page, problems } = await open({ attrs: { 'no-token': '' }, props: { certificate: pem.leaf } });
    await page.getByLabel('Kata sandi kunci').waitFor();
    assert.equal(await page.getByLabel('Token USB').count(), 1);
    assert.equal(await page.getByLabel('Token USB').isVisible(), false);
    assert.doesNotMatch(await shownText(page), /ekstensi/i);
    await axeClean(page, 'no-token');
    await finish(page, problems);
  });
});
