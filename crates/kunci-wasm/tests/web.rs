//! The façade's exports, run inside headless Chromium by `wasm-bindgen-test`
//! (`cargo xtask ci` builds the matching runner, `xtask/test-runner`, and drives Debian's
//! chromedriver).
//!
//! These pin the low-level layer: errors carry their code, keys and jobs work in a real
//! browser's wasm engine with `crypto.getRandomValues` as the RNG. The idiomatic JS layer on
//! top is tested from Node and Playwright (tests/web/ at the top level).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kunci_wasm::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn code_of(err: JsValue) -> String {
    js_sys::Reflect::get(&err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(v, &k.into()).unwrap()
}

#[wasm_bindgen_test]
fn p256_key_signs_a_csr_that_verifies_with_token_and_email() {
    let key = Key::generate("p256").unwrap();
    assert_eq!(key.kind(), "EC P-256");
    let csr = create_csr(
        &key,
        "CN=Budi Santoso,O=Dinas Kominfo,C=ID".into(),
        Some("budi@example.go.id".into()),
        Some("TOKEN123456".into()),
    )
    .unwrap();
    let pem = get(&csr, "pem").as_string().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
    let info = verify_csr(pem.as_bytes()).unwrap();
    assert_eq!(
        get(&info, "challenge_password").as_string().unwrap(),
        "TOKEN123456"
    );
    assert_eq!(
        get(&info, "public_key_sha256").as_string().unwrap(),
        key.public_key_sha256()
    );
}

#[wasm_bindgen_test]
fn errors_reach_javascript_as_kunci_errors_with_codes() {
    let err = Key::generate("rsa1024").err().unwrap();
    assert_eq!(code_of(err.clone()), "key.unsupported_algorithm");
    assert_eq!(js_sys::Error::from(err).name(), "KunciError");
    let err = verify_csr(b"not a csr").err().unwrap();
    assert_eq!(code_of(err), "csr.malformed");
}

#[wasm_bindgen_test]
fn encrypted_key_round_trips_in_rust_and_a_wrong_password_is_refused() {
    let key = Key::generate("p256").unwrap();
    let pem = EncryptJob::prepare(&key, "kata sandi yang panjang", 100_000)
        .unwrap()
        .finish_in_rust("kata sandi yang panjang")
        .unwrap();
    let back = DecryptJob::prepare(pem.as_bytes())
        .unwrap()
        .finish_in_rust("kata sandi yang panjang")
        .unwrap();
    assert_eq!(back.public_key_sha256(), key.public_key_sha256());
    let err = DecryptJob::prepare(pem.as_bytes())
        .unwrap()
        .finish_in_rust("salah")
        .err()
        .unwrap();
    assert_eq!(code_of(err), "pkcs8.wrong_password");
    let err = EncryptJob::prepare(&key, "x", 99_999).err().unwrap();
    assert_eq!(code_of(err), "kdf.iterations_too_low");
}

#[wasm_bindgen_test]
fn a_key_moves_between_modules_as_pkcs8_der_and_keeps_its_public_key() {
    // What js/extra.js does with a key the extra module generated or read: its handle gives
    // the unencrypted PKCS#8 DER once, and the core module's `fromPkcs8Der` takes it in.
    for algorithm in ["p256", "rsa2048"] {
        let key = Key::generate(algorithm).unwrap();
        let fingerprint = key.public_key_sha256();
        let der = key.into_pkcs8_der().unwrap().to_vec();
        let back = Key::from_pkcs8_der(&der).unwrap();
        assert_eq!(back.public_key_sha256(), fingerprint);
    }
}
