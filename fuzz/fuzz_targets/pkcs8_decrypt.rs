//! Fuzz target: an encrypted PKCS#8 key (DER or PEM) through
//! `kunci_core::pkcs8::prepare_decrypt`, then decrypted with a fixed password when its key
//! derivation costs at most 10 000 iterations (PBKDF2) or scrypt work units. The core's own
//! ceiling ([`kunci_core::pkcs8::MAX_ITERATIONS`], ten million) is checked by
//! `prepare_decrypt` on every input; the tighter cap here only keeps one input from running
//! for seconds.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pkcs8::der::Decode;

/// The password of the seed key (crates/kunci-core/tests/vectors/pkcs12/gen.sh).
const PASSWORD: &[u8] = b"kunci-uji-p12";
/// The most derivation work one input may run.
const CAP: u64 = 10_000;

fuzz_target!(|input: &[u8]| {
    let Ok(job) = kunci_core::pkcs8::prepare_decrypt(input) else {
        return;
    };
    let cost = match job.derivation() {
        Some(request) => u64::from(request.iterations),
        None => scrypt_cost(input).unwrap_or(u64::MAX),
    };
    if cost <= CAP {
        let _ = job.finish_with_password(PASSWORD);
    }
});

/// scrypt's N·r·p for a DER input (PEM inputs with scrypt are not decrypted: `None`).
fn scrypt_cost(input: &[u8]) -> Option<u64> {
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(input).ok()?;
    let params = info.encryption_algorithm.pbes2()?;
    let s = params.kdf.scrypt()?;
    let n = 1u64.checked_shl(u32::from(s.cost_parameter.trailing_zeros().min(40)))?;
    Some(
        n.saturating_mul(u64::from(s.block_size))
            .saturating_mul(u64::from(s.parallelization)),
    )
}
