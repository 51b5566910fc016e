//! Encrypted PKCS#8 private keys (RFC 5958 `EncryptedPrivateKeyInfo`, PBES2 of RFC 8018).
//!
//! Written as PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, a 16-byte random salt and IV,
//! and [`DEFAULT_ITERATIONS`] unless the caller asks for more (or for fewer, down to
//! [`MIN_ITERATIONS`]). Read: any PBES2 file with PBKDF2 (HMAC-SHA1/224/256/384/512) or scrypt
//! and AES-CBC, which covers what OpenSSL 3 writes by default (`openssl pkcs8 -topk8`,
//! `genpkey -aes256`: PBKDF2-SHA256, 2048 iterations, AES-256-CBC). Old PBES1 schemes
//! (`pbeWithMD5AndDES` and friends) are refused.
//!
//! Each direction also comes in steps, so that PBKDF2 can run outside Rust (see
//! [`crate::kdf`]): [`prepare_encrypt`] → [`EncryptJob::finish`] and [`prepare_decrypt`] →
//! [`DecryptJob::finish`]. The one-call functions are those steps with the derivation in Rust.
//! A scrypt file's derivation has no WebCrypto equivalent: [`DecryptJob::scrypt`] describes it
//! for [`crate::scrypt::ScryptTask`], which runs it in slices.

use der::{Decode, Encode};
use pkcs5::pbes2;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::kdf::{self, Pbkdf2Request, Prf};
use crate::scrypt::ScryptRequest;
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
///
/// The same as [`prepare_encrypt`], [`Pbkdf2Request::derive`] and [`EncryptJob::finish`].
pub fn encrypt_der<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    password: &[u8],
    iterations: u32,
    rng: &mut R,
) -> Result<Vec<u8>> {
    let job = prepare_encrypt(key, password, iterations, rng)?;
    job.finish(&job.derivation().derive(password))
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
///
/// The same as [`prepare_decrypt`] and [`DecryptJob::finish_with_password`].
pub fn decrypt(input: &[u8], password: &[u8]) -> Result<KeyPair> {
    prepare_decrypt(input)?.finish_with_password(password)
}

/// Starts encrypting `key` with its PBKDF2 left to the caller (see [`crate::kdf`]): picks
/// the salt and IV, and refuses an empty `password` ([`Error::EmptyPassword`]) and an
/// iteration count outside [`MIN_ITERATIONS`]..=[`MAX_ITERATIONS`]. `password` is only
/// checked, not kept: derive [`EncryptJob::derivation`] from the same bytes.
pub fn prepare_encrypt<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    password: &[u8],
    iterations: u32,
    rng: &mut R,
) -> Result<EncryptJob> {
    if password.is_empty() {
        return Err(Error::EmptyPassword);
    }
    let params = pbes2_params(iterations, rng)?;
    let request = hook_request(&params).ok_or_else(|| {
        // `pbes2_params` always makes PBKDF2-HMAC-SHA256 with AES-256-CBC, which the hook serves.
        Error::Pkcs8UnsupportedEncryption("internal: written scheme has no PBKDF2 hook".into())
    })?;
    Ok(EncryptJob {
        plain: key.to_pkcs8_der()?,
        params,
        request,
    })
}

/// A PKCS#8 encryption waiting for its key, from [`prepare_encrypt`]. It holds the key in
/// plaintext until dropped (then zeroized); its `Debug` shows only the derivation.
pub struct EncryptJob {
    plain: Zeroizing<Vec<u8>>,
    params: pbes2::Parameters,
    request: Pbkdf2Request,
}

impl EncryptJob {
    /// The derivation to run: PBKDF2-HMAC-SHA256, 32 bytes (the AES-256 key).
    pub fn derivation(&self) -> &Pbkdf2Request {
        &self.request
    }

    /// Encrypts with `derived_key` and returns the DER `EncryptedPrivateKeyInfo` (PEM:
    /// [`crate::pem::encode`] with [`PEM_LABEL`]).
    ///
    /// A key of the wrong length is [`Error::KdfResult`]. A key of the right length cannot be
    /// told from the right key without running PBKDF2 again, which is the work this avoids:
    /// a key derived from other bytes than the holder's password makes a file that opens
    /// only with those bytes. The caller must derive from exactly the password it asked for.
    /// Calling this twice gives the same file (same salt, IV and key).
    pub fn finish(&self, derived_key: &[u8]) -> Result<Vec<u8>> {
        kdf::check_result(&self.request, derived_key)?;
        let encrypted = pbes2_encrypt_with_key(&self.params, derived_key, &self.plain)?;
        let info = pkcs8::EncryptedPrivateKeyInfoRef {
            encryption_algorithm: pkcs5::EncryptionScheme::from(self.params.clone()),
            encrypted_data: der::asn1::OctetStringRef::new(&encrypted)?,
        };
        Ok(info.to_der()?)
    }
}

impl core::fmt::Debug for EncryptJob {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncryptJob")
            .field("derivation", &self.request)
            .finish_non_exhaustive()
    }
}

/// Starts decrypting an encrypted PKCS#8 key (DER or PEM) with its PBKDF2 left to the
/// caller (see [`crate::kdf`]). Everything that needs no password is checked here: the
/// structure ([`Error::BadDer`], [`Error::BadPem`], [`Error::EmptyInput`]), the scheme
/// ([`Error::Pkcs8UnsupportedEncryption`] for PBES1 and unknown ones) and the cost
/// ([`Error::IterationsTooHigh`] above [`MAX_ITERATIONS`]).
pub fn prepare_decrypt(input: &[u8]) -> Result<DecryptJob> {
    let der = pem::der_or_pem(input, &[PEM_LABEL])?;
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der)?;
    let scheme = info.encryption_algorithm;
    let params = pbes2_of(&scheme)?;
    check_read_cost(&params.kdf)?;
    Ok(DecryptJob {
        request: hook_request(params),
        scrypt: scrypt_request(params),
        scheme,
        ciphertext: info.encrypted_data.as_bytes().to_vec(),
    })
}

/// A PKCS#8 decryption waiting for its key, from [`prepare_decrypt`].
#[derive(Debug)]
pub struct DecryptJob {
    scheme: pkcs5::EncryptionScheme,
    ciphertext: Vec<u8>,
    request: Option<Pbkdf2Request>,
    scrypt: Option<ScryptRequest>,
}

impl DecryptJob {
    /// The PBKDF2 derivation to run, or `None` when the file's scheme is not PBKDF2 with a
    /// CBC cipher: then see [`DecryptJob::scrypt`], or use
    /// [`DecryptJob::finish_with_password`].
    pub fn derivation(&self) -> Option<&Pbkdf2Request> {
        self.request.as_ref()
    }

    /// The scrypt derivation to run (with [`ScryptRequest::start`], in slices) when the file
    /// is scrypt with a CBC cipher; `None` otherwise.
    pub fn scrypt(&self) -> Option<&ScryptRequest> {
        self.scrypt.as_ref()
    }

    /// Decrypts with `derived_key` (from [`DecryptJob::derivation`] or
    /// [`DecryptJob::scrypt`]). A wrong key (from a wrong password) is
    /// [`Error::Pkcs8WrongPassword`]; a key of the wrong length, or any key when both are
    /// `None`, is [`Error::KdfResult`].
    pub fn finish(&self, derived_key: &[u8]) -> Result<KeyPair> {
        if let Some(request) = &self.request {
            kdf::check_result(request, derived_key)?;
        } else if let Some(request) = &self.scrypt {
            if derived_key.len() != request.key_len {
                return Err(Error::KdfResult(format!(
                    "derived key of {} bytes, expected {}",
                    derived_key.len(),
                    request.key_len
                )));
            }
        } else {
            return Err(Error::KdfResult(
                "this file's key derivation runs only inside kunci: use finish_with_password"
                    .into(),
            ));
        }
        let params = pbes2_of(&self.scheme)?;
        let plain = pbes2_decrypt_with_key(params, derived_key, &self.ciphertext)
            .map_err(wrong_password_is_pkcs8s)?;
        key_from_plain(&plain)
    }

    /// Derives in Rust and decrypts: [`decrypt`] without parsing again.
    pub fn finish_with_password(&self, password: &[u8]) -> Result<KeyPair> {
        if let Some(request) = &self.request {
            return self.finish(&request.derive(password));
        }
        if let Some(request) = &self.scrypt {
            return self.finish(&request.derive(password)?);
        }
        let plain = decrypt_scheme(&self.scheme, password, &self.ciphertext)
            .map_err(wrong_password_is_pkcs8s)?;
        key_from_plain(&plain)
    }
}

/// Reads an unencrypted PKCS#8 `PRIVATE KEY` (DER or PEM), as `openssl genpkey` writes without
/// `-aes256`. kunci never writes one; this exists to take in keys made elsewhere.
pub fn read_unencrypted(input: &[u8]) -> Result<KeyPair> {
    let der = Zeroizing::new(pem::der_or_pem(input, &["PRIVATE KEY"])?);
    KeyPair::from_pkcs8_der(&der)
}

/// The key as an unencrypted PKCS#8 DER, the counterpart of [`read_unencrypted`]: only for
/// handing a key from one of the npm package's wasm modules to another (which is how a key
/// read or generated in the lazily loaded module reaches the core module). The copy is zeroed
/// when dropped; the caller zeroes any other.
pub fn write_unencrypted(key: &KeyPair) -> Result<Zeroizing<Vec<u8>>> {
    key.to_pkcs8_der()
}

/// Decrypts with a PBES2 scheme after checking that its cost is within
/// [`MAX_ITERATIONS`]. Failure to decrypt is reported as [`Error::P12WrongPassword`]; callers
/// map it to their own wrong-password error. Shared by [`crate::pkcs12`].
pub fn decrypt_scheme(
    scheme: &pkcs5::EncryptionScheme,
    password: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let params = pbes2_of(scheme)?;
    check_read_cost(&params.kdf)?;
    scheme
        .decrypt(password, ciphertext)
        .map(Zeroizing::new)
        .map_err(|e| match e {
            pkcs5::Error::DecryptFailed => Error::P12WrongPassword,
            other => Error::Pkcs8UnsupportedEncryption(other.to_string()),
        })
}

/// The PBKDF2 request that `params` needs, when the derived key can be handed in: PBKDF2
/// with a known PRF and iteration count ≥ 1, an AES-CBC or DES-EDE3-CBC cipher, and a
/// keyLength (if written) equal to the cipher's. Anything else is `None`, and runs whole in
/// `pkcs5` ([`decrypt_scheme`]), which also gives its errors. Shared by [`crate::pkcs12`].
pub(crate) fn hook_request(params: &pbes2::Parameters) -> Option<Pbkdf2Request> {
    let p = params.kdf.pbkdf2()?;
    let key_len = match params.encryption {
        pbes2::EncryptionScheme::Aes128Cbc { .. }
        | pbes2::EncryptionScheme::Aes192Cbc { .. }
        | pbes2::EncryptionScheme::Aes256Cbc { .. }
        | pbes2::EncryptionScheme::DesEde3Cbc { .. } => params.encryption.key_size(),
        _ => return None,
    };
    if p.iteration_count == 0 || p.key_length.is_some_and(|l| usize::from(l) != key_len) {
        return None;
    }
    Some(Pbkdf2Request {
        salt: p.salt.as_ref().to_vec(),
        iterations: p.iteration_count,
        prf: Prf::from_pkcs5(p.prf)?,
        key_len,
    })
}

/// The scrypt request that `params` needs, when the derived key can be handed in: scrypt
/// with N a power of two, an AES-CBC or DES-EDE3-CBC cipher and a keyLength (if written)
/// equal to the cipher's. Anything else is `None` and runs whole in `pkcs5`, as for
/// [`hook_request`]. The cost was checked by `check_read_cost`.
fn scrypt_request(params: &pbes2::Parameters) -> Option<ScryptRequest> {
    let s = params.kdf.scrypt()?;
    let key_len = match params.encryption {
        pbes2::EncryptionScheme::Aes128Cbc { .. }
        | pbes2::EncryptionScheme::Aes192Cbc { .. }
        | pbes2::EncryptionScheme::Aes256Cbc { .. }
        | pbes2::EncryptionScheme::DesEde3Cbc { .. } => params.encryption.key_size(),
        _ => return None,
    };
    let n = s.cost_parameter;
    if n < 2 || !n.is_power_of_two() || s.key_length.is_some_and(|l| usize::from(l) != key_len) {
        return None;
    }
    Some(ScryptRequest {
        salt: s.salt.as_ref().to_vec(),
        log_n: n.trailing_zeros().try_into().ok()?,
        r: s.block_size.into(),
        p: s.parallelization.into(),
        key_len,
    })
}

/// Encrypts `plain` with the cipher of `params` under `key` (derived for
/// [`hook_request`]`(params)`). Shared by [`crate::pkcs12`].
pub(crate) fn pbes2_encrypt_with_key(
    params: &pbes2::Parameters,
    key: &[u8],
    plain: &[u8],
) -> Result<Vec<u8>> {
    use cbc::cipher::KeyIvInit;
    use cbc::cipher::{BlockModeEncrypt, block_padding::Pkcs7};
    fn run<C: cbc::cipher::BlockCipherEncrypt + cbc::cipher::KeyInit>(
        key: &[u8],
        iv: &[u8],
        plain: &[u8],
    ) -> Result<Vec<u8>> {
        Ok(cbc::Encryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| key_does_not_fit())?
            .encrypt_padded_vec::<Pkcs7>(plain))
    }
    match &params.encryption {
        pbes2::EncryptionScheme::Aes128Cbc { iv } => run::<aes::Aes128>(key, iv, plain),
        pbes2::EncryptionScheme::Aes192Cbc { iv } => run::<aes::Aes192>(key, iv, plain),
        pbes2::EncryptionScheme::Aes256Cbc { iv } => run::<aes::Aes256>(key, iv, plain),
        pbes2::EncryptionScheme::DesEde3Cbc { iv } => run::<des::TdesEde3>(key, iv, plain),
        other => Err(Error::Pkcs8UnsupportedEncryption(format!(
            "cipher {} with a derived key",
            other.oid()
        ))),
    }
}

/// Decrypts `ciphertext` with the cipher of `params` under `key`. A padding failure (a wrong
/// key) is [`Error::P12WrongPassword`], as in [`decrypt_scheme`]; callers map it.
pub(crate) fn pbes2_decrypt_with_key(
    params: &pbes2::Parameters,
    key: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    use cbc::cipher::KeyIvInit;
    use cbc::cipher::{BlockModeDecrypt, block_padding::Pkcs7};
    fn run<C: cbc::cipher::BlockCipherDecrypt + cbc::cipher::KeyInit>(
        key: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        cbc::Decryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| key_does_not_fit())?
            .decrypt_padded_vec::<Pkcs7>(ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| Error::P12WrongPassword)
    }
    match &params.encryption {
        pbes2::EncryptionScheme::Aes128Cbc { iv } => run::<aes::Aes128>(key, iv, ciphertext),
        pbes2::EncryptionScheme::Aes192Cbc { iv } => run::<aes::Aes192>(key, iv, ciphertext),
        pbes2::EncryptionScheme::Aes256Cbc { iv } => run::<aes::Aes256>(key, iv, ciphertext),
        pbes2::EncryptionScheme::DesEde3Cbc { iv } => run::<des::TdesEde3>(key, iv, ciphertext),
        other => Err(Error::Pkcs8UnsupportedEncryption(format!(
            "cipher {} with a derived key",
            other.oid()
        ))),
    }
}

/// Lengths are checked against the request before any cipher is keyed, so this is a bug.
fn key_does_not_fit() -> Error {
    Error::KdfResult("the key length does not fit the cipher".into())
}

/// The PBES2 parameters of `scheme`, or the refusal of PBES1 that [`decrypt_scheme`] gives.
fn pbes2_of(scheme: &pkcs5::EncryptionScheme) -> Result<&pbes2::Parameters> {
    scheme.pbes2().ok_or_else(|| {
        Error::Pkcs8UnsupportedEncryption(format!(
            "PBES1 scheme {} (re-encrypt with PBES2: `openssl pkcs8 -topk8 -v2 aes-256-cbc`)",
            scheme.oid()
        ))
    })
}

fn wrong_password_is_pkcs8s(e: Error) -> Error {
    match e {
        Error::P12WrongPassword => Error::Pkcs8WrongPassword,
        other => other,
    }
}

/// A wrong password passes the CBC padding check about once in 256 tries; the garbage then
/// fails to parse as a key, which is the same verdict.
fn key_from_plain(plain: &[u8]) -> Result<KeyPair> {
    KeyPair::from_pkcs8_der(plain).map_err(|_| Error::Pkcs8WrongPassword)
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
