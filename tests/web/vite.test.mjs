/**
 * Bundlers work: `vite build` of examples/vite-app (which depends on the built package as
 * `"kunci": "file:../../crates/kunci-wasm/pkg"`), its output served and opened in Chromium,
 * where the app must show a P-256 CSR made on the page, one made in kunci's Web Worker, and a
 * password strength result. OpenSSL checks the CSRs.
 *
 * `npm install` runs in the example first when its node_modules is missing or older than its
 * package.json / package-lock.json; it needs only Vite, which tests/web already pulled into
 * the npm cache, and the package itself is a symlink to the build. With `KUNCI_PKG` set (a
 * package built elsewhere), a copy of the example pointing at that package is built instead.
 */

import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { forwardPageErrors, launch } from './browser.mjs';
import { PKG_DIR, ROOT, packageSkipReason, run, runOk, tempDir } from './common.mjs';
import { startServer } from './server.mjs';

const skip = packageSkipReason();
const EXAMPLE = join(ROOT, 'examples/vite-app');

describe('a Vite app that imports kunci', { skip, timeout: 600_000 }, () => {
  let scratch;
  let server;
  let browser;
  let page;
  let dist;
  let app = EXAMPLE;

  before(async () => {
    scratch = await tempDir('kunci-vite-');
    dist = join(scratch.dir, 'dist');
    if (process.env.KUNCI_PKG) {
      app = join(scratch.dir, 'app');
      cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !src.includes('node_modules') });
      const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
      manifest.dependencies.kunci = `file:${PKG_DIR}`;
      writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    }
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await scratch?.remove();
  });

  it('installs and builds with vite build', () => {
    if (needsInstall(app)) {
      runOk('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: app,
        env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
      });
    }
    const out = run(process.execPath, [join(app, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', dist,
      '--emptyOutDir', '--logLevel', 'warn'], { cwd: app });
    assert.equal(out.status, 0, `vite build failed:\n${out.stdout}\n${out.stderr}`);
    const files = listFiles(dist);
    const wasm = files.filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 2, `expected the core and the strength .wasm in the build, got: ${files.join(', ')}`);
    assert.ok(files.includes('index.html'));
  });

  let shown;

  it('opens the built app in Chromium, which settles', async () => {
    assert.ok(existsSync(join(dist, 'index.html')), 'no build to serve (the build step failed)');
    server = await startServer({ routes: [{ prefix: '/', dir: dist }] });
    browser = await launch();
    page = await browser.newPage();
    forwardPageErrors(page, 'vite-app');
    await page.goto(`${server.url}/`);
    const settled = (id, pending) =>
      page.waitForFunction(
        ([i, p]) => !document.getElementById(i).textContent.startsWith(p),
        [id, pending],
        { timeout: 60_000 },
      );
    await settled('csr', 'membuat');
    await settled('worker-csr', 'membuat');
    await settled('strength', 'menilai');
    shown = await page.evaluate(() =>
      Object.fromEntries(['csr', 'worker-csr', 'strength'].map((id) => [id, document.getElementById(id).textContent])),
    );
  });

  const checkCsr = (id) => {
    assert.ok(shown, 'the app did not settle');
    assert.match(shown[id], /^-----BEGIN CERTIFICATE REQUEST-----/, `#${id} shows: ${shown[id]}`);
    const file = join(scratch.dir, `${id}.pem`);
    writeFileSync(file, shown[id]);
    const text = runOk('openssl', ['req', '-in', file, '-noout', '-verify', '-text']);
    assert.match(text.stdout + text.stderr, /verify OK/);
    assert.match(text.stdout, /NIST CURVE: P-256/);
    assert.match(text.stdout, /Budi Santoso/);
  };

  it('shows a P-256 CSR made on the page, which openssl verifies', () => checkCsr('csr'));

  it('shows a P-256 CSR made in the bundled Web Worker, which openssl verifies', () => checkCsr('worker-csr'));

  it('shows a password strength result', () => {
    assert.ok(shown, 'the app did not settle');
    assert.match(shown.strength, /^\d+% \((diterima|ditolak)\)$/, `#strength shows: ${shown.strength}`);
  });
});

function needsInstall(app) {
  const stamp = join(app, 'node_modules/.package-lock.json');
  if (!existsSync(stamp) || !existsSync(join(app, 'node_modules/kunci/package.json'))) return true;
  const installed = statSync(stamp).mtimeMs;
  return ['package.json', 'package-lock.json']
    .map((f) => join(app, f))
    .some((f) => existsSync(f) && statSync(f).mtimeMs > installed);
}

function listFiles(dir, prefix = '') {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out;
}
