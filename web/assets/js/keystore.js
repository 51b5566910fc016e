/**
 * The portal's keys in this browser: the npm package's key store (IndexedDB `kunci`/`keys`,
 * encrypted PKCS#8 only), shared with the custom elements, which write the records.
 */
export * from '/pkg/keystore.js';
