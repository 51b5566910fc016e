//! What the key-derivation hook suites (`tests/pkcs8.rs`, `tests/kdf_hooks.rs`) share: the
//! password they derive from, and PBKDF2 run "elsewhere", the way the npm package runs it.

use kunci_core::kdf::Pbkdf2Request;
use kunci_test_support as common;

/// Non-ASCII on purpose: the derivation elsewhere must get the same UTF-8 bytes.
pub const PASSWORD: &str = "Kata sandi: rahasia-ü€";

/// PBKDF2 as the browser would run it: by the WebCrypto hash name, and in Rust only for
/// SHA-224, which WebCrypto lacks (the fallback the npm package uses).
pub fn derive_elsewhere(request: &Pbkdf2Request, password: &[u8]) -> Vec<u8> {
    match request.prf.webcrypto_hash() {
        Some(hash) => common::webcrypto_pbkdf2(
            hash,
            password,
            &request.salt,
            request.iterations,
            request.key_len,
        ),
        None => request.derive(password).to_vec(),
    }
}
