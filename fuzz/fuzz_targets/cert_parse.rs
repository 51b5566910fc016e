//! Fuzz target: X.509 certificates through `kunci_core::cert::parse` (one certificate, DER or
//! PEM) and `kunci_core::cert::read_all_der` (a PEM bundle or a DER certificate), as the
//! portal and the token helper read what users and CAs hand them.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if let Ok(info) = kunci_core::cert::parse(input) {
        let _ = info.is_valid_at(1_790_000_000);
    }
    if let Ok(all) = kunci_core::cert::read_all_der(input) {
        for der in all {
            let _ = kunci_core::cert::parse(&der);
        }
    }
});
