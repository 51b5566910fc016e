/**
 * kunci's custom elements through the bundlers (issue 19, point 5): examples/elements-vite
 * (`import 'kunci/elements'` in a Vite app, built by `vite build`) and examples/elements-react
 * (a React 19 page built by esbuild), each with the package copied into node_modules/kunci
 * as a registry install leaves it (as bundlers.test.mjs does). Each build is served and opened
 * in headless Chromium: both elements are defined and render their shadow content (labelled
 * controls), no .wasm is fetched before an element is used, and the React page hears the
 * element's kunci-error through React 19's `onkunci-error` prop. The bundlers keep the
 * elements because package.json's `sideEffects` names their files; a copy of the package
 * that says `sideEffects: false` shows that Vite would otherwise drop them.
 */

import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { forwardPageErrors, launch } from './browser.mjs';
import { NODE_MODULES, PKG_DIR, ROOT, packageSkipReason, runOk, tempDir } from './common.mjs';
import { startServer } from './server.mjs';

const skip = packageSkipReason();
const EXAMPLES = join(ROOT, 'examples');
/** The elements' modules: the package ships them bundled as elements.js (cargo xtask wasm). */
const ELEMENT_FILES = ['./elements.js', './element-base.js', './kit-element.js', './p12-element.js'];

describe('the elements examples (Vite, React)', { skip, timeout: 300_000 }, () => {
  let scratch;
  let browser;
  const closers = [];

  before(async () => {
    scratch = await tempDir('kunci-elements-examples-');
    browser = await launch();
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await browser?.close();
    await scratch?.remove();
  });

  /** examples/<example> as an npm project with kunci copied in and `links` linked. */
  const app = (example, label, links = [], edit = (m) => m) => {
    const dir = join(scratch.dir, label);
    cpSync(join(EXAMPLES, example), dir, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('dist') });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `kunci-${label}`, private: true, type: 'module' }, null, 2));
    cpSync(PKG_DIR, join(dir, 'node_modules/kunci'), { recursive: true });
    const manifest = join(dir, 'node_modules/kunci/package.json');
    writeFileSync(manifest, JSON.stringify(edit(JSON.parse(readFileSync(manifest, 'utf8'))), null, 2));
    for (const name of links) symlinkSync(join(NODE_MODULES, name), join(dir, 'node_modules', name));
    return dir;
  };

  const viteBuild = async (dir) => {
    const vite = await import('vite');
    const dist = join(dir, 'dist');
    await vite.build({ root: dir, configFile: false, logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
    return dist;
  };

  const serve = async (dir) => {
    const server = await startServer({ routes: [{ prefix: '/', dir }] });
    closers.push(server.close);
    return server.url;
  };

  /**
   * Opens `url`; answers the page and the .wasm URLs it has fetched so far (a live list).
   * Both elements must be defined and show labelled controls in their shadow roots.
   */
  const open = async (url, label) => {
    const page = await browser.newPage();
    closers.push(() => page.close());
    forwardPageErrors(page, label);
    const wasm = [];
    page.on('request', (r) => { if (/\.wasm(\?|$)/.test(r.url())) wasm.push(r.url()); });
    await page.goto(url);
    await page.waitForFunction(() => customElements.get('kunci-client-kit') && customElements.get('kunci-p12-maker'));
    const kit = page.locator('kunci-client-kit');
    await kit.getByRole('button', { name: '(2) Lanjutkan >>' }).waitFor();
    await kit.getByLabel('Tempel token CSR di sini').waitFor();
    await page.locator('kunci-p12-maker').getByLabel('Kata sandi kunci', { exact: true }).waitFor({ state: 'attached' });
    const rendered = await page.evaluate(() => ['kunci-client-kit', 'kunci-p12-maker'].map((n) => {
      const el = document.querySelector(n);
      return { open: el.shadowRoot !== null, labels: el.shadowRoot ? el.shadowRoot.querySelectorAll('label').length : 0 };
    }));
    for (const r of rendered) assert.ok(r.open && r.labels > 0, `${label}: an element renders labelled controls in its shadow root`);
    await page.waitForTimeout(500);
    assert.deepEqual(wasm, [], `${label}: no .wasm before an element is used`);
    return { page, wasm };
  };

  it('package.json keeps the elements from tree shaking', () => {
    const manifest = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'));
    // Every file of the elements the package ships is marked as having side effects.
    const shipped = ELEMENT_FILES.filter((f) => existsSync(join(PKG_DIR, f)));
    assert.ok(shipped.includes('./elements.js'));
    for (const f of shipped) assert.ok(manifest.sideEffects.includes(f), `sideEffects lists ${f}`);
    assert.equal(manifest.exports['./elements'].default, './elements.js');
  });

  it('Vite: `import \'kunci/elements\'` in a built app', async () => {
    const dist = await viteBuild(app('elements-vite', 'elements-vite', ['vite']));
    const js = listFiles(dist).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
    // The elements' code is in the build (main.js names the tags too, so their texts say it).
    assert.ok(js.includes('attachShadow'), 'the build holds the elements');
    assert.ok(js.includes('(2) Lanjutkan >>'), 'the build holds <kunci-client-kit>');
    const { page, wasm } = await open(`${await serve(dist)}/`, 'elements-vite');
    // Using the element (the password meter judges in the worker) loads the WebAssembly.
    const kit = page.locator('kunci-client-kit');
    await kit.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await kit.getByLabel('Kata sandi kunci', { exact: true }).pressSequentially('Gamelan-Hujan-Petir-7391');
    await kit.getByText(/cukup kuat, diterima/).waitFor({ timeout: 60_000 });
    assert.ok(wasm.length > 0, 'the element loads the WebAssembly once used');
  });

  it('Vite drops the elements when the package says it has no side effects (why sideEffects lists them)', async () => {
    const dist = await viteBuild(app('elements-vite', 'elements-vite-no-side-effects', ['vite'], (m) => ({ ...m, sideEffects: false })));
    const js = listFiles(dist).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
    assert.ok(!js.includes('attachShadow'), 'tree-shaken away');
  });

  it('React 19 (esbuild): properties, and kunci-error heard through onkunci-error', async () => {
    const dir = app('elements-react', 'elements-react', ['esbuild', 'react', 'react-dom']);
    const out = runOk(process.execPath, ['build.mjs'], { cwd: dir });
    assert.equal(out.stderr.trim(), '', `esbuild said: ${out.stderr}`);
    const { page } = await open(`${await serve(dir)}/`, 'elements-react');
    // React 19 set `holder` as a property (the element defines it), not as an attribute.
    assert.deepEqual(await page.evaluate(() => {
      const kit = document.querySelector('kunci-client-kit');
      return [kit.holder && kit.holder.name, kit.hasAttribute('holder'), kit.hasAttribute('no-token')];
    }), ['Budi Santoso', false, true]);
    // "(2) Lanjutkan >>" without a token: the element says so, React's state shows the code.
    await page.locator('kunci-client-kit').getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await page.locator('#last-error').filter({ hasText: 'kunci-error: kit.token_missing' }).waitFor();
    // The page's language reaches the elements through React's `lang` prop.
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('kunci-client-kit').getByRole('button', { name: '(2) Continue >>' }).waitFor();
    assert.equal(await page.locator('kunci-p12-maker').getAttribute('lang'), 'en');
  });
});

function listFiles(dir, prefix = '') {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out;
}
