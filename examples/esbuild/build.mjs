// esbuild bundles JavaScript only: it leaves `new URL('./wasm/….wasm', import.meta.url)` and
// `new Worker(new URL('./worker.js', import.meta.url))` as they are, so those URLs are
// relative to the bundle. Hence two things: kunci's worker is bundled as a second entry
// point named worker.js beside main.js, and the package's .wasm files are copied to dist/wasm/.
// Run with `node build.mjs`; the page (index.html) loads dist/main.js.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: { main: './main.js', worker: 'kunci/worker' },
  bundle: true,
  format: 'esm',
  minify: true,
  outdir: 'dist',
  logLevel: 'warning',
});

mkdirSync('dist/wasm', { recursive: true });
for (const file of readdirSync('node_modules/kunci/wasm').filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(`node_modules/kunci/wasm/${file}`, `dist/wasm/${file}`);
}
