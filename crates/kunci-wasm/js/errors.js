/**
 * The package's one error class, in its own module so that every part (the wasm layer in
 * index.js, the token API in token.js) throws the same `KunciError` without importing each
 * other.
 */

/** An error from kunci, with a stable machine-readable `code` (e.g. "p12.wrong_password"). */
export class KunciError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'KunciError';
    this.code = code;
  }
}
