/**
 * The npm package works in every common setup, each with only what the npm README says it
 * needs: the examples under examples/ (a plain page with an import map and a strict CSP;
 * Vite 5, 6, 7 and 8, built and under the dev server; webpack 5; esbuild) are built and
 * opened in Chromium, where each page must show a P-256 CSR made on the page, one made in
 * kunci's Web Worker, and a password strength result. OpenSSL checks the CSRs.
 *
 * Each example is copied into a scratch folder with the built package copied (not linked)
 * into its node_modules/kunci, as `npm install kunci` leaves it: Vite's dev server treats a
 * linked package as source and would hide what its dependency optimizer does to a real one.
 * The bundlers come from tests/web/node_modules (one `npm ci`, with the Vite majors under
 * the aliases vite5, vite6, vite7 and vite 8 as `vite`), linked into the scratch
 * node_modules under their plain names, so the examples' own config files are what runs.
 *
 * Also here: a failed load names the URL it tried and the cause (404, an HTML page, a CSP
 * without 'wasm-unsafe-eval'), a .wasm served without `application/wasm` still loads, and
 * Vite 5-7's dev server without the README's one line fails with the message it documents.
 */

import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { forwardPageErrors, launch } from './browser.mjs';
import { BLANK_PAGE, NODE_MODULES, PKG_DIR, ROOT, packageSkipReason, runOk, tempDir } from './common.mjs';
import { startServer } from './server.mjs';

const skip = packageSkipReason();
const EXAMPLES = join(ROOT, 'examples');
/** Vite major → its package in tests/web/node_modules. */
const VITES = { 5: 'vite5', 6: 'vite6', 7: 'vite7', 8: 'vite' };
/** A page that allows its own scripts but not WebAssembly. */
const CSP_WITHOUT_WASM =
  '<!doctype html><html lang="en"><meta charset="utf-8">' +
  '<meta http-equiv="Content-Security-Policy" content="script-src \'self\'"><title>CSP</title></html>';

describe('the examples in every bundler', { skip, timeout: 600_000 }, () => {
  let scratch;
  let browser;
  const closers = [];

  before(async () => {
    scratch = await tempDir('kunci-bundlers-');
    browser = await launch();
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await browser?.close();
    await scratch?.remove();
  });

  /**
   * A copy of examples/<name> as an npm project (a package.json, which also puts Vite's cache
   * in node_modules/.vite as in any project) with kunci installed and `links` (name → package
   * in tests/web/node_modules) linked.
   */
  const app = (example, label, links = {}) => {
    const dir = join(scratch.dir, label);
    cpSync(join(EXAMPLES, example), dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
    const manifest = { name: `kunci-example-${label}`, private: true, type: 'module', dependencies: { kunci: '*' } };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    cpSync(PKG_DIR, join(dir, 'node_modules/kunci'), { recursive: true });
    for (const [name, target] of Object.entries(links)) symlinkSync(join(NODE_MODULES, target), join(dir, 'node_modules', name));
    return dir;
  };

  /** Opens `url` and returns the three results once the page has settled. */
  const shownAt = async (url, label) => {
    const tab = await browser.newPage();
    forwardPageErrors(tab, label);
    try {
      await tab.goto(url);
      const settled = (id, pending) =>
        tab.waitForFunction(([i, p]) => !document.getElementById(i).textContent.startsWith(p), [id, pending], {
          timeout: 60_000,
        });
      await Promise.all([settled('csr', 'membuat'), settled('worker-csr', 'membuat'), settled('strength', 'menilai')]);
      return await tab.evaluate(() =>
        Object.fromEntries(['csr', 'worker-csr', 'strength'].map((id) => [id, document.getElementById(id).textContent])),
      );
    } finally {
      await tab.close();
    }
  };

  /** Opens `url` and checks the three results. */
  const check = async (url, label) => {
    const shown = await shownAt(url, label);
    for (const id of ['csr', 'worker-csr']) checkCsr(shown[id], join(scratch.dir, `${label}-${id}.pem`), `${label} #${id}`);
    assert.match(shown.strength, /^\d+% \((diterima|ditolak)\)$/, `${label} #strength shows: ${shown.strength}`);
  };

  /**
   * Starts `pkg`'s dev server on `dir` (`configFile` false: none; undefined: the example's),
   * silent when `logLevel` says so.
   */
  const viteDev = async (pkg, dir, configFile, logLevel = 'warn') => {
    const vite = await import(pkg);
    const server = await vite.createServer({
      root: dir,
      configFile,
      logLevel,
      server: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    closers.push(() => server.close());
    await server.listen();
    return `http://127.0.0.1:${server.httpServer.address().port}/`;
  };

  const serve = async (dir) => {
    const server = await startServer({ routes: [{ prefix: '/', dir }] });
    closers.push(server.close);
    return server.url;
  };

  it('the examples share one main.js', () => {
    const main = readFileSync(join(EXAMPLES, 'vite/main.js'), 'utf8');
    for (const name of ['importmap', 'webpack', 'esbuild']) {
      assert.equal(readFileSync(join(EXAMPLES, name, 'main.js'), 'utf8'), main, `examples/${name}/main.js differs from examples/vite/main.js`);
    }
  });

  it('a plain page with an import map and a strict CSP, no bundler', async () => {
    await check(`${await serve(app('importmap', 'importmap'))}/`, 'importmap');
  });

  for (const [major, pkg] of Object.entries(VITES)) {
    // What the README promises: `vite build` needs no configuration in any of them, the dev
    // server none in Vite 8; Vite 5-7's dev server reads the example's vite.config.js (its one
    // line, optimizeDeps.exclude).
    it(`Vite ${major}: vite build, without a config file`, async () => {
      const dir = app('vite', `vite${major}-build`, { vite: pkg });
      const vite = await import(pkg);
      const dist = join(dir, 'dist');
      const printed = captureConsole();
      try {
        await vite.build({ root: dir, configFile: false, logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
      } finally {
        assert.deepEqual(printed.stop(), [], `vite ${major} build warned`);
      }
      const wasm = listFiles(dist).filter((f) => f.endsWith('.wasm'));
      const names = wasm.map((f) => /kunci_(core|extra|strength|pdf)_bg/.exec(f)?.[1]).sort();
      assert.deepEqual(names, ['core', 'extra', 'pdf', 'strength'], `expected the core, extra, strength and pdf .wasm in the build, got: ${wasm.join(', ')}`);
      await check(`${await serve(dist)}/`, `vite${major}-build`);
    });

    if (major !== '8') {
      it(`Vite ${major}: the dev server without optimizeDeps.exclude fails as the README says`, async () => {
        const dir = app('vite', `vite${major}-dev-bare`, { vite: pkg });
        const shown = await shownAt(await viteDev(pkg, dir, false, 'silent'), `vite${major}-dev-bare`);
        assert.match(shown.csr, /^wasm\.load_failed: cannot load kunci_core_bg\.wasm: got text\/html from http:\S*\/node_modules\/\.vite\/deps\/wasm\/kunci_core_bg\.wasm: the server answered with a page.*optimizeDeps: \{ exclude: \['kunci'\] \}/, shown.csr);
      });
    }

    const configFile = major === '8' ? false : undefined;
    it(`Vite ${major}: the dev server, ${configFile === false ? 'without a config file' : 'with the example\'s vite.config.js'}`, async () => {
      const dir = app('vite', `vite${major}-dev`, { vite: pkg });
      const printed = captureConsole();
      let lines;
      try {
        await check(await viteDev(pkg, dir, configFile), `vite${major}-dev`);
      } finally {
        lines = printed.stop();
      }
      assert.deepEqual(lines, [], `vite ${major} dev server warned`);
    });
  }

  it('webpack 5', async () => {
    const dir = app('webpack', 'webpack', { webpack: 'webpack' });
    const { default: webpack } = await import('webpack');
    const { default: config } = await import(pathToFileURL(join(dir, 'webpack.config.mjs')).href);
    const stats = await new Promise((ok, fail) =>
      // What running `webpack` in the example's folder does: context and dist/ relative to it.
      webpack({ ...config, context: dir, output: { path: join(dir, 'dist') } }, (err, result) => (err ? fail(err) : ok(result))),
    );
    assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
    // Its performance hints (any asset over 244 KiB, as both .wasm are) say nothing about kunci.
    const warnings = (stats.toJson('errors-warnings').warnings ?? []).filter((w) => !/size limit/.test(w.message));
    assert.deepEqual(warnings.map((w) => w.message), [], 'webpack warned');
    await check(`${await serve(dir)}/`, 'webpack');
  });

  it('esbuild', async () => {
    const dir = app('esbuild', 'esbuild', { esbuild: 'esbuild' });
    const out = runOk(process.execPath, ['build.mjs'], { cwd: dir });
    assert.equal(out.stderr.trim(), '', `esbuild said: ${out.stderr}`);
    await check(`${await serve(dir)}/`, 'esbuild');
  });

  it('a failed load names the URL and the cause (404, an HTML page, CSP)', async () => {
    // The package without its core .wasm (a 404), and an HTML page where the strength .wasm
    // should be (what a dev server's fallback answers).
    const broken = join(scratch.dir, 'broken-pkg');
    cpSync(PKG_DIR, broken, { recursive: true });
    rmSync(join(broken, 'wasm/kunci_core_bg.wasm'));
    const server = await startServer({
      routes: [
        { path: '/', body: BLANK_PAGE },
        { path: '/csp', body: CSP_WITHOUT_WASM },
        { prefix: '/good/', dir: PKG_DIR },
        { path: '/octet/wasm/kunci_core_bg.wasm', body: readFileSync(join(PKG_DIR, 'wasm/kunci_core_bg.wasm')), type: 'application/octet-stream' },
        { prefix: '/octet/', dir: PKG_DIR },
        { path: '/pkg/wasm/kunci_strength_bg.wasm', body: '<!doctype html><title>app</title>', type: 'text/html' },
        { prefix: '/pkg/', dir: broken },
      ],
    });
    closers.push(server.close);
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/`);
      const [core, strength] = await page.evaluate(async () => {
        const kunci = await import('/pkg/index.js');
        const outcome = (p) => p.then(() => 'resolved', (e) => `${e.code}: ${e.message}`);
        return [await outcome(kunci.KeyPair.generate('p256')), await outcome(kunci.passwordStrength('x'))];
      });
      assert.match(core, /^wasm\.load_failed: .* from http:\S*\/pkg\/wasm\/kunci_core_bg\.wasm: HTTP 404/, core);
      assert.match(strength, /^wasm\.load_failed: .*got text\/html from http:\S*\/pkg\/wasm\/kunci_strength_bg\.wasm: the server answered with a page/, strength);
      assert.match(strength, /optimizeDeps/, strength);

      // Not a failure: a .wasm served as application/octet-stream still loads, silently.
      const warnings = [];
      page.on('console', (m) => ['warning', 'error'].includes(m.type()) && warnings.push(m.text()));
      const octet = await page.evaluate(async () => {
        const kunci = await import('/octet/index.js');
        return kunci.KeyPair.generate('p256').then((k) => k.kind, (e) => `${e.code}: ${e.message}`);
      });
      assert.equal(octet, 'EC P-256');
      assert.deepEqual(warnings, []);

      // A page whose Content-Security-Policy lacks 'wasm-unsafe-eval', with the whole package.
      await page.goto(`${server.url}/csp`);
      const csp = await page.evaluate(async () => {
        const kunci = await import('/good/index.js');
        return kunci.KeyPair.generate('p256').then(() => 'resolved', (e) => `${e.code}: ${e.message}`);
      });
      assert.match(csp, /^wasm\.load_failed: .*\/good\/wasm\/kunci_core_bg\.wasm: .*'wasm-unsafe-eval'/, csp);
    } finally {
      await page.close();
    }
  });
});

/**
 * Collects what Vite prints at `logLevel: 'warn'` (warnings and errors, through
 * console.warn/console.error) until `stop()`, which restores the console and returns the lines.
 * Not `customLogger`: Vite 8's dependency optimizer logs through a logger of its own.
 */
function captureConsole() {
  const lines = [];
  const saved = { warn: console.warn, error: console.error };
  console.warn = (...args) => lines.push(args.join(' '));
  console.error = (...args) => lines.push(args.join(' '));
  return {
    stop() {
      Object.assign(console, saved);
      return lines;
    },
  };
}

function checkCsr(pem, file, what) {
  assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----/, `${what} shows: ${pem}`);
  writeFileSync(file, pem);
  const text = runOk('openssl', ['req', '-in', file, '-noout', '-verify', '-text']);
  assert.match(text.stdout + text.stderr, /verify OK/, what);
  assert.match(text.stdout, /NIST CURVE: P-256/, what);
  assert.match(text.stdout, /Budi Santoso/, what);
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
