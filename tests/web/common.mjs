/**
 * What the browser tests and the benchmark share: where things are, whether the built `kunci`
 * package is there (and what to do when it is not), a page server for it, running the outside
 * judges (`openssl`, `keytool`) and moving bytes between Node and a page.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './server.mjs';

export const WEB_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(WEB_DIR, '../..');
/** The built npm package (`cargo xtask wasm`); `KUNCI_PKG` overrides it. */
export const PKG_DIR = process.env.KUNCI_PKG
  ? resolve(process.env.KUNCI_PKG)
  : join(ROOT, 'crates/kunci-wasm/pkg');
export const NODE_MODULES = join(WEB_DIR, 'node_modules');

/** A blank HTML page; tests and the benchmark load everything else into it with `import()`. */
export const BLANK_PAGE = '<!doctype html><html lang="en"><meta charset="utf-8"><title>kunci test page</title><body></body></html>';

export function packageBuilt() {
  return existsSync(join(PKG_DIR, 'index.js'));
}

/**
 * For a test file: `undefined` when the package is there (run), a skip reason when it is not
 * and `KUNCI_REQUIRE_PACKAGE` is not "1"; throws when it is required (CI) but missing.
 */
export function packageSkipReason() {
  if (packageBuilt()) return undefined;
  const why = `the kunci package is not built (${PKG_DIR}/index.js missing; run cargo xtask wasm)`;
  if (process.env.KUNCI_REQUIRE_PACKAGE === '1') throw new Error(`KUNCI_REQUIRE_PACKAGE=1 but ${why}`);
  return why;
}

/** Serves the blank page at `/` and the package at `/pkg/`, plus any extra routes. */
export function servePackage(extra = []) {
  return startServer({
    routes: [{ path: '/', body: BLANK_PAGE }, { prefix: '/pkg/', dir: PKG_DIR }, ...extra],
  });
}

/** A fresh temporary folder and a function that removes it. */
export async function tempDir(label = 'kunci-web-') {
  const dir = await mkdtemp(join(tmpdir(), label));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Runs a program and returns `{status, stdout, stderr}` (text). Never throws for a non-zero
 * exit; `runOk` does.
 */
export function run(program, args, options = {}) {
  const out = spawnSync(program, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (out.error) throw new Error(`cannot start ${program}: ${out.error.message}`);
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

export function runOk(program, args, options = {}) {
  const out = run(program, args, options);
  if (out.status !== 0) {
    throw new Error(
      `${program} ${args.join(' ')} exited with ${out.status}\n${out.stdout}\n${out.stderr}`,
    );
  }
  return out;
}

export function toBase64(bytes) {
  return Buffer.from(bytes).toString('base64');
}

export function fromBase64(text) {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * Page-side helpers as source text, for `page.addInitScript`: `globalThis.__b64(u8)` and
 * `globalThis.__unb64(text)` (Playwright moves strings reliably; typed arrays less so), and
 * `globalThis.__err(e)` that turns a rejection into a plain object the test can inspect.
 */
export const PAGE_HELPERS = `
globalThis.__b64 = (u8) => { let s = ''; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000)); return btoa(s); };
globalThis.__unb64 = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
globalThis.__err = (e) => ({ name: e && e.name, code: e && e.code, message: String(e && e.message), isError: e instanceof Error, ctor: e && e.constructor && e.constructor.name });
`;

/** Issue 19: `kunci/elements` before use, gzipped, at most this (on top of the package). */
export const ELEMENTS_GZ_GOAL = 15 * 1024;

/** elements.js's static import closure, as paths relative to the package. */
export function staticClosure(dir, entry = 'elements.js') {
  const seen = new Set();
  const visit = (rel) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const text = readFileSync(join(dir, rel), 'utf8');
    // `import … from './x.js'`, `import './x.js'`, `export … from './x.js'`; not `import('…')`.
    // The package's elements.js is minified (one line), so no line anchors.
    for (const m of text.matchAll(/\b(?:import|export)\b[^;()'"]*?\bfrom\s*['"](\.[^'"]+)['"]|\bimport\s*['"](\.[^'"]+)['"]/g)) {
      visit(normalize(join(rel, '..', m[1] || m[2])));
    }
  };
  visit(entry);
  return [...seen];
}
