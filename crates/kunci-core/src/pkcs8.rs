//! Encrypted PKCS#8 private keys (RFC 5958 `EncryptedPrivateKeyInfo`, PBES2 of RFC 8018).
//!
//! Written as PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, a 16-byte random salt and IV,
//! and [`DEFAULT_ITERATIONS`] unless the caller asks for more (or for fewer, down to
//! [`MIN_ITERATIONS`]). Read: any PBES2 file with PBKDF2 (HMAC-SHA1/224/256/384/512) or scrypt
//! and AES-CBC, which covers what OpenSSL 3 writes by default (`openssl pkcs8 -topk8`,
//! `genpkey -aes256`: PBKDF2-SHA256, 2048 iterations, AES-256-CBC). Old PBES1 schemes
//! (`pbeWithMD5AndDES` and friends) are refused.

use der::{Decode, Encode};
use pkcs5::pbes2;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::{Error, KeyPair, Result, pem};

/// The default PBKDF2-HMAC-SHA256 iteration count: OWASP's current figure (Password Storage
/// Cheat Sheet, 2023 onward) for PBKDF2-HMAC-SHA256.
pub const DEFAULT_ITERATIONS: u32 = 600_000;

/// The fewest iterations kunci writes: one sixth of [`DEFAULT_ITERATIONS`]. Files travel (a
/// backup on a USB stick, a `.p12` by e-mail); below this an offline guesser gains too much.
/// Reading still accepts smaller counts, since OpenSSL writes 2048 by default.
pub const MIN_ITERATIONS: u32 = 100_000;

/// The most key-derivation work kunci agrees to do when reading a file (PBKDF2 iterations, or
/// scrypt's N × r × p): a guard against files crafted to burn minutes of CPU.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// The PEM label of an encrypted PKCS#8 key.
pub const PEM_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// Checks an iteration count for writing. Shared by [`crate::pkcs12`].
pub fn check_write_iterations(iterations: u32) -> Result<()> {
    if iterations < MIN_ITERATIONS {
        return Err(Error::IterationsTooLow {
            given: iterations,
            min: MIN_ITERATIONS,
        });
    }
    if iterations > MAX_ITERATIONS {
        return Err(Error::IterationsTooHigh {
            given: iterations.into(),
            max: MAX_ITERATIONS.into(),
        });
    }
    Ok(())
}

/// Builds PBES2 parameters (PBKDF2-HMAC-SHA256, AES-256-CBC) with a fresh salt and IV from
/// `rng`. Shared by [`crate::pkcs12`], whose default profile uses the same scheme.
pub fn pbes2_params<R: CryptoRng + ?Sized>(
    iterations: u32,
    rng: &mut R,
) -> Result<pbes2::Parameters> {
    check_write_iterations(iterations)?;
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut iv);
    pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &salt, iv)
        .map_err(|e| Error::Pkcs8UnsupportedEncryption(e.to_string()))
}

/// Encrypts `key` under `password` and returns the DER `EncryptedPrivateKeyInfo`.
pub fn encrypt_der<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    password: &[u8],
    iterations: u32,
    rng: &mut R,
) -> Result<Vec<u8>> {
    if password.is_empty() {
        return Err(Error::EmptyPassword);
    }
    let scheme = pkcs5::EncryptionScheme::from(pbes2_params(iterations, rng)?);
    let plain = key.to_pkcs8_der()?;
    let encrypted = scheme
        .encrypt(password, &plain)
        .map_err(|e| Error::Pkcs8UnsupportedEncryption(e.to_string()))?;
    let info = pkcs8::EncryptedPrivateKeyInfoRef {
        encryption_algorithm: scheme,
        encrypted_data: der::asn1::OctetStringRef::new(&encrypted)?,
    };
    Ok(info.to_der()?)
}

/// Encrypts `key` under `password` and returns `ENCRYPTED PRIVATE KEY` PEM.
pub fn encrypt_pem<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    password: &[u8],
    iterations: u32,
    rng: &mut R,
) -> Result<String> {
    Ok(pem::encode(
        PEM_LABEL,
        &encrypt_der(key, password, iterations, rng)?,
    ))
}

/// Decrypts an encrypted PKCS#8 key, DER or PEM. A wrong password is
/// [`Error::Pkcs8WrongPassword`], never a garbled key.
pub fn decrypt(input: &[u8], password: &[u8]) -> Result<KeyPair> {
    let der = pem::der_or_pem(input, &[PEM_LABEL])?;
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der)?;
    let plain = decrypt_scheme(
        &info.encryption_algorithm,
        password,
        info.encrypted_data.as_bytes(),
    )
    .map_err(|e| match e {
        Error::P12WrongPassword => Error::Pkcs8WrongPassword,
        other => other,
    })?;
    // A wrong password passes the CBC padding check about once in 256 tries; the garbage
    // then fails to parse as a key, which is the same verdict.
    KeyPair::from_pkcs8_der(&plain).map_err(|_| Error::Pkcs8WrongPassword)
}

/// Reads an unencrypted PKCS#8 `PRIVATE KEY` (DER or PEM), as `openssl genpkey` writes without
/// `-aes256`. kunci never writes one; this exists to take in keys made elsewhere.
pub fn read_unencrypted(input: &[u8]) -> Result<KeyPair> {
    let der = Zeroizing::new(pem::der_or_pem(input, &["PRIVATE KEY"])?);
    KeyPair::from_pkcs8_der(&der)
}

/// Decrypts with a PBES2 scheme after checking that its cost is within
/// [`MAX_ITERATIONS`]. Failure to decrypt is reported as [`Error::P12WrongPassword`]; callers
/// map it to their own wrong-password error. Shared by [`crate::pkcs12`].
pub fn decrypt_scheme(
    scheme: &pkcs5::EncryptionScheme,
    password: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let params = scheme.pbes2().ok_or_else(|| {
        Error::Pkcs8UnsupportedEncryption(format!(
            "PBES1 scheme {} (re-encrypt with PBES2: `openssl pkcs8 -topk8 -v2 aes-256-cbc`)",
            scheme.oid()
        ))
    })?;
    check_read_cost(&params.kdf)?;
    scheme
        .decrypt(password, ciphertext)
        .map(Zeroizing::new)
        .map_err(|e| match e {
            pkcs5::Error::DecryptFailed => Error::P12WrongPassword,
            other => Error::Pkcs8UnsupportedEncryption(other.to_string()),
        })
}

fn check_read_cost(kdf: &pbes2::Kdf) -> Result<()> {
    let cost: u64 = if let Some(p) = kdf.pbkdf2() {
        p.iteration_count.into()
    } else if let Some(s) = kdf.scrypt() {
        (1u64 << s.cost_parameter.trailing_zeros().min(40))
            .saturating_mul(s.block_size.into())
            .saturating_mul(s.parallelization.into())
    } else {
        return Err(Error::Pkcs8UnsupportedEncryption(format!(
            "key derivation {}",
            kdf.oid()
        )));
    };
    if cost > u64::from(MAX_ITERATIONS) {
        return Err(Error::IterationsTooHigh {
            given: cost,
            max: MAX_ITERATIONS.into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyAlgorithm;

    fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
        rand_core::UnwrapErr(getrandom::SysRng)
    }

    #[test]
    fn encrypts_and_decrypts_with_the_right_password_only() {
        let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let pem = encrypt_pem(&key, b"benar sekali", MIN_ITERATIONS, &mut rng()).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        let back = decrypt(pem.as_bytes(), b"benar sekali").unwrap();
        assert_eq!(back.public_key_der(), key.public_key_der());
        for wrong in [&b"salah"[..], b"benar sekali ", b""] {
            assert_eq!(
                decrypt(pem.as_bytes(), wrong).unwrap_err().code(),
                "pkcs8.wrong_password"
            );
        }
    }

    #[test]
    fn written_file_says_pbkdf2_sha256_aes256_and_the_iterations() {
        let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let der = encrypt_der(&key, b"pw", 123_456, &mut rng()).unwrap();
        let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).unwrap();
        let p = info.encryption_algorithm.pbes2().unwrap();
        let kdf = p.kdf.pbkdf2().unwrap();
        assert_eq!(kdf.iteration_count, 123_456);
        assert_eq!(kdf.prf, pbes2::Pbkdf2Prf::HmacWithSha256);
        assert_eq!(kdf.salt.as_ref().len(), 16);
        assert!(matches!(
            p.encryption,
            pbes2::EncryptionScheme::Aes256Cbc { .. }
        ));
    }

    #[test]
    fn too_few_or_too_many_iterations_are_refused_on_write() {
        let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let e = encrypt_der(&key, b"pw", MIN_ITERATIONS - 1, &mut rng()).unwrap_err();
        assert_eq!(
            e,
            Error::IterationsTooLow {
                given: MIN_ITERATIONS - 1,
                min: MIN_ITERATIONS
            }
        );
        let e = encrypt_der(&key, b"pw", MAX_ITERATIONS + 1, &mut rng()).unwrap_err();
        assert_eq!(e.code(), "kdf.iterations_too_high");
        assert_eq!(
            encrypt_der(&key, b"", MIN_ITERATIONS, &mut rng())
                .unwrap_err()
                .code(),
            "password.empty"
        );
    }

    #[test]
    fn truncated_and_garbled_files_are_errors_not_panics() {
        let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let der = encrypt_der(&key, b"pw", MIN_ITERATIONS, &mut rng()).unwrap();
        for cut in [1, 10, der.len() / 2, der.len() - 1] {
            assert_eq!(
                decrypt(&der[..cut], b"pw").unwrap_err().code(),
                "input.bad_der",
                "cut {cut}"
            );
        }
        let mut flipped = der.clone();
        let last = flipped.len() - 20;
        flipped[last] ^= 0x55;
        assert_eq!(
            decrypt(&flipped, b"pw").unwrap_err().code(),
            "pkcs8.wrong_password"
        );
        assert_eq!(decrypt(b"", b"pw").unwrap_err().code(), "input.empty");
    }
}
