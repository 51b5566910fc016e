/**
 * The package's TypeScript declarations (index.d.ts) type-check real usage under
 * `tsc --strict`, and reject misuse marked with @ts-expect-error (an unused expectation is an
 * error too, so a declaration that became too loose fails here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PKG_DIR, WEB_DIR, NODE_MODULES, packageSkipReason } from './common.mjs';

test('index.d.ts types real usage and refuses misuse', { skip: packageSkipReason() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kunci-types-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(PKG_DIR, join(dir, 'node_modules', 'kunci'), 'dir');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext',
      lib: ['ES2022', 'DOM'], skipLibCheck: false, types: [],
    },
    files: [join(WEB_DIR, 'types', 'usage.ts')],
  }));
  // usage.ts imports 'kunci': resolve it from the temp folder's node_modules.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const tsc = spawnSync(process.execPath, [join(NODE_MODULES, 'typescript', 'bin', 'tsc'), '-p', dir, '--typeRoots', join(dir, 'node_modules')], {
    cwd: dir, encoding: 'utf8',
  });
  assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}\n${tsc.stderr}`);
});
