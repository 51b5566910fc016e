//! Fuzz target: a PKCS#12 file (DER or BER) through `kunci_core::pkcs12::read_within` with
//! the password of the seed files, under a whole-file budget of 20 000 iterations instead of
//! the 80 million a user's file may spend, so that no one input runs for seconds (the budget
//! check itself is what the default budget relies on, and it is exercised the same way).

#![no_main]

use libfuzzer_sys::fuzz_target;

/// The seeds' password (crates/kunci-core/tests/vectors/pkcs12/password.txt).
const PASSWORD: &[u8] = b"kunci-uji-p12";
/// Iterations one input may spend, summed over the MAC and every encrypted bag.
const BUDGET: u64 = 20_000;

fuzz_target!(|input: &[u8]| {
    if let Ok(contents) = kunci_core::pkcs12::read_within(input, PASSWORD, BUDGET) {
        let _ = contents.require_key_and_cert();
    }
});
