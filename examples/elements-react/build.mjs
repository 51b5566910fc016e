// Builds the React page with esbuild (as examples/esbuild does for the package): JSX with
// React 19's automatic runtime, kunci's worker bundled as a second entry point worker.js
// beside main.js, and the package's .wasm files copied to dist/wasm/. `node build.mjs`.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: { main: './main.jsx', worker: 'kunci/worker' },
  bundle: true,
  format: 'esm',
  minify: true,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  outdir: 'dist',
  logLevel: 'warning',
});

mkdirSync('dist/wasm', { recursive: true });
for (const file of readdirSync('node_modules/kunci/wasm').filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(`node_modules/kunci/wasm/${file}`, `dist/wasm/${file}`);
}
