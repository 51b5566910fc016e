//! Fuzz target: a PKCS#10 CSR (DER or PEM) through `kunci_core::csr::verify`, and what it
//! says through `CsrInfo::check` against a fixed portal policy (RSA 2048 or P-256, a
//! registered subject, a CSR token), as the portal does with every upload.

#![no_main]

use kunci_core::csr::{self, CsrPolicy};
use kunci_core::key::KeyKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if let Ok(info) = csr::verify(input) {
        let policy = CsrPolicy {
            allowed_keys: vec![KeyKind::Rsa { bits: 2048 }, KeyKind::EcP256],
            expected_subject: "CN=Budi Santoso,O=Kementerian Contoh,C=ID".parse().ok(),
            expected_token: Some("kunci-fuzz-token".to_owned()),
        };
        let _ = info.check(&policy);
    }
});
