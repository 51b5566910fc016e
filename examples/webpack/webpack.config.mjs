// webpack 5 needs nothing for kunci but an entry: it bundles the package's Web Worker and
// emits both .wasm files as assets by itself (it recognises `new Worker(new URL(…,
// import.meta.url))` and `new URL('….wasm', import.meta.url)`). The bundle goes to dist/.
export default {
  mode: 'production',
  entry: './main.js',
};
