/**
 * Issue 19's size rule for `kunci/elements`: what `<script type="module" src=".../elements.js">`
 * loads before either element is used (elements.js, which `cargo xtask wasm` bundles and
 * minifies with esbuild, and anything it imports statically) is at most 15 KiB gzipped (each
 * file gzip -9 on its own, as served), it defines both elements, and none of it is the
 * package's WebAssembly glue (index.js, load.js, client.js, wasm/…): the elements import the
 * worker client and the token API with `import()` on first use. Prints the table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { ELEMENTS_GZ_GOAL, PKG_DIR, packageSkipReason, staticClosure } from './common.mjs';

test('kunci/elements loads at most 15 KiB gzipped and no WebAssembly glue before use', { skip: packageSkipReason() }, () => {
  const sizes = staticClosure(PKG_DIR).map((file) => {
    const bytes = readFileSync(join(PKG_DIR, file));
    return { file, text: bytes.toString('utf8'), raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
  });
  const gz = sizes.reduce((s, f) => s + f.gz, 0);
  for (const f of sizes) console.log(`${f.file.padEnd(18)} ${String(f.raw).padStart(7)} B  ${String(f.gz).padStart(6)} B gzipped`);
  console.log(`${'total'.padEnd(18)} ${String(sizes.reduce((s, f) => s + f.raw, 0)).padStart(7)} B  ${String(gz).padStart(6)} B gzipped (goal ≤ ${ELEMENTS_GZ_GOAL})`);
  const all = sizes.map((f) => f.text).join('\n');
  for (const tag of ['kunci-client-kit', 'kunci-p12-maker']) {
    assert.ok(all.includes(`"${tag}"`) || all.includes(`'${tag}'`), `${tag} is defined by what elements.js loads`);
  }
  const files = sizes.map((f) => f.file);
  const glue = files.filter((f) => /^(index|load|client|worker|extra|strength|args|chunk|token)\.js$|^wasm\//.test(f));
  assert.deepEqual(glue, [], 'the elements import the package itself only on first use');
  for (const later of ['./client.js', './token.js']) {
    assert.ok(all.includes(`import("${later}")`), `${later} is imported on first use`);
  }
  assert.ok(gz <= ELEMENTS_GZ_GOAL, `the elements' JavaScript is ${gz} B gzipped, over the ${ELEMENTS_GZ_GOAL} B goal`);
});
