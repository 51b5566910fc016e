/**
 * The USB token of the tests: a SoftHSM2 token in a folder of the test's own, and the kunci-host
 * binary that signs on it. Shared by the extension tests (extension.test.mjs) and the token
 * walks (walks/walker.mjs, which adds the helper's registration for a browser profile).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ROOT } from './common.mjs';

/** The helper the token walks register (`cargo build -p kunci-host`). */
export const HOST_BIN = process.env.KUNCI_HOST_BIN || join(ROOT, 'target/debug/kunci-host');
/** Debian's SoftHSM2 PKCS#11 module (package `softhsm2`): the walks' USB token. */
export const SOFTHSM_MODULE = process.env.KUNCI_SOFTHSM_MODULE || '/usr/lib/softhsm/libsofthsm2.so';
/** The test token's user PIN and security officer PIN. */
export const TOKEN_PIN = '739146';
export const TOKEN_SO_PIN = '55501234';

/** Runs a tool to its end and answers its output; throws with its words when it fails. */
export function runTool(cmd, args, env) {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * What the token walks need and this machine lacks, in words (empty when nothing): the helper
 * `hostBin` (how to get it: `hostHint`), SoftHSM2 and pkcs11-tool.
 */
export function tokenToolsMissing({ hostBin = HOST_BIN, hostHint = 'cargo build -p kunci-host' } = {}) {
  const missing = [];
  if (!existsSync(hostBin)) missing.push(`${hostBin} (${hostHint})`);
  for (const tool of ['softhsm2-util', 'pkcs11-tool']) {
    if (spawnSync('which', [tool]).status !== 0) missing.push(`${tool} (Debian softhsm2/opensc)`);
  }
  if (!existsSync(SOFTHSM_MODULE)) missing.push(SOFTHSM_MODULE);
  return missing;
}

/**
 * A fresh SoftHSM2 token labelled `label` (PIN `TOKEN_PIN`) in its own folder under `work`;
 * answers the environment that points SoftHSM2 (and pkcs11-tool, and the helper) at it.
 */
export async function softHsmToken({ work, label = 'kunci-walk' }) {
  const tokens = join(work, 'softhsm/tokens');
  await mkdir(tokens, { recursive: true });
  const conf = join(work, 'softhsm/softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const tokenEnv = { SOFTHSM2_CONF: conf };
  runTool('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', TOKEN_PIN, '--so-pin', TOKEN_SO_PIN], tokenEnv);
  return tokenEnv;
}
