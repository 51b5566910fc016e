/**
 * What the portal walks share: a real `kunci-ams` (the binary `cargo test`/`cargo build`
 * made) in a fresh data folder on a free port with the demo accounts, axe-core run inside each
 * page, numbered screenshots under `target/portal-walk/<walk>/`, and the OpenSSL judge.
 *
 * The server is the same program `cargo xtask serve` runs, with the same flags; only the data
 * folder, the port and the demo password differ (the password is fixed so the walk can type it).
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { NODE_MODULES, PKG_DIR, ROOT } from './common.mjs';

/** The binary under test; `KUNCI_AMS_BIN` overrides it. */
export const AMS_BIN = process.env.KUNCI_AMS_BIN || join(ROOT, 'target/debug/kunci-ams');

/** The demo accounts' password in walks. */
export const DEMO_PASSWORD = 'walk-demo-Pass-2026';

/** Whether the walks can run: a reason to skip, or undefined; throws when required (CI). */
export function portalSkipReason() {
  const missing = [];
  if (!existsSync(AMS_BIN)) missing.push(`${AMS_BIN} (cargo build -p kunci-ams)`);
  if (!existsSync(join(PKG_DIR, 'index.js'))) missing.push(`${PKG_DIR} (cargo xtask wasm)`);
  if (missing.length === 0) return undefined;
  const why = `missing ${missing.join(', ')}`;
  if (process.env.KUNCI_REQUIRE_PACKAGE === '1') throw new Error(`KUNCI_REQUIRE_PACKAGE=1 but ${why}`);
  return why;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts the portal. `flags` are more `kunci-ams serve` flags (e.g. `--auto-approve`).
 * @returns {Promise<{url: string, dataDir: string, log: () => string, stop: () => Promise<void>}>}
 */
export async function startPortal(flags = []) {
  const dataDir = await mkdtemp(join(tmpdir(), 'kunci-walk-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(
    AMS_BIN,
    ['--data-dir', dataDir, 'serve', '--listen', `127.0.0.1:${port}`, '--demo',
      '--web-dir', join(ROOT, 'web'), '--pkg-dir', PKG_DIR, ...flags],
    { env: { ...process.env, KUNCI_AMS_DEMO_PASSWORD: DEMO_PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kunci-ams exited: ${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kunci-ams did not answer within 60 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    dataDir,
    log: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const AXE_SOURCE = readFile(join(NODE_MODULES, 'axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, which the page's CSP
 * does not govern, so the page itself keeps its strict CSP) and returns the serious and
 * critical violations, each as "rule: target …".
 */
export async function axeViolations(page) {
  const source = await AXE_SOURCE;
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(source);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return result
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(' | ')}`);
}

/** Numbered full-page screenshots of one walk under target/portal-walk/<walk>/. */
export async function screenshots(walk) {
  const dir = join(ROOT, 'target/portal-walk', walk);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let n = 0;
  return {
    dir,
    shot: async (page, name) => {
      n += 1;
      const file = join(dir, `${String(n).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}

/** Runs `openssl` with `args`; returns stdout, throws with stderr on failure. */
export function openssl(args, input) {
  const data = typeof input === 'string' ? Buffer.from(input) : input;
  const r = spawnSync('openssl', args, { input: data });
  if (r.status !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr.toString()}`);
  }
  return r.stdout.toString();
}

/** Writes `bytes` to a file in a fresh temporary folder and returns its path. */
export async function tempFile(name, bytes) {
  const dir = await mkdtemp(join(tmpdir(), 'kunci-walk-file-'));
  const file = join(dir, name);
  await writeFile(file, bytes);
  return file;
}
