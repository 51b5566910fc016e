// kunci's Web Worker is an ES module that imports the package, so Vite must bundle workers
// as ES modules; and pre-bundling would move the package away from its .wasm files, whose
// URLs it computes from import.meta.url, so the dev server leaves it alone.
import { defineConfig } from 'vite';

export default defineConfig({
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['kunci'] },
});
