// Vite 8 needs no configuration for kunci, and `vite build` needs none in Vite 5 to 8.
// Vite 5, 6 and 7's dev server pre-bundles dependencies into node_modules/.vite/deps, where
// the package's `new URL('./wasm/….wasm', import.meta.url)` and its Web Worker's URL point at
// files that are not there (vitejs/vite#8427); excluding kunci serves it as installed.
// (Written without `defineConfig` so that it needs no import and runs under every version.)
export default {
  optimizeDeps: { exclude: ['kunci'] },
};
