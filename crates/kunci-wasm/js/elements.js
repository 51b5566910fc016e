/**
 * `kunci/elements`: defines `<kunci-client-kit>` (the key step) and `<kunci-p12-maker>` (the
 * download step), docs/ELEMENTS.md. Importing it loads no WebAssembly: the elements import the
 * package's worker client and token API on first use.
 */
export { KunciClientKit } from './kit-element.js';
export { KunciP12Maker } from './p12-element.js';
