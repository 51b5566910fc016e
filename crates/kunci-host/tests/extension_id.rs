//! The extension id `kunci-host install` allows by default is the id Chromium gives the
//! unpacked extension: SHA-256 of the `key` (DER SubjectPublicKeyInfo) in
//! extension/manifest.json, first 16 bytes, each hex digit 0-f written as a letter a-p.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use sha2::{Digest, Sha256};

#[test]
fn the_default_extension_id_is_the_manifest_keys_id() {
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../extension/manifest.json"),
    )
    .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let key = base64::engine::general_purpose::STANDARD
        .decode(manifest["key"].as_str().unwrap())
        .unwrap();
    let id: String = Sha256::digest(&key)[..16]
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0f])
        .map(|nibble| char::from(b'a' + nibble))
        .collect();
    assert_eq!(id, kunci_host::install::DEFAULT_EXTENSION_ID);
}
