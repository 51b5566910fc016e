/**
 * The page side of the extra wasm module (`wasm/kunci_extra_bg.wasm`): RSA key generation in
 * Rust (only for hosts without WebCrypto), PKCS#8 decryption and PKCS#12 reading. They used to
 * be in the core module, where they made about a third of its gzipped size although a renewal
 * rarely needs them; load.js fetches this module on their first use only.
 *
 * A key made or read there is moved into the core module, which every other call uses: as
 * unencrypted PKCS#8 DER, the way WebCrypto-generated keys come in. The extra module's copy
 * is zeroed when its handle is consumed, and the bytes in between are zeroed here.
 */
import * as core from './wasm/kunci_core.js';

import { ensureExtra } from './load.js';

export { ensureExtra };

/** Moves a key handle of the extra module into the core module; `undefined` stays so. */
export function intoCore(key) {
  if (!key) return key;
  const der = key.intoPkcs8Der(); // consumes the handle: the extra module drops (zeroes) it
  try {
    return core.Key.fromPkcs8Der(der);
  } finally {
    der.fill(0);
  }
}

/** Generates an RSA key in Rust (the fallback when WebCrypto cannot) as a core key handle. */
export async function generateInRust(algorithm) {
  const extra = await ensureExtra();
  return intoCore(extra.Key.generate(algorithm));
}
