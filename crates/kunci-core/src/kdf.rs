//! PBKDF2 as a hook: the password-based key derivations of PKCS#8 and PKCS#12, described as
//! plain requests so that a host can run them outside Rust.
//!
//! Encrypting and decrypting with a password is split in three steps: *prepare* (parse or
//! build the file, pick salts, check costs), *derive* (PBKDF2, here or elsewhere), and
//! *finish* (the cipher work and the file around it). A browser runs the middle step with
//! WebCrypto's `deriveBits`, which is several times faster than PBKDF2 compiled to wasm and
//! asynchronous, so it cannot be called back from synchronous Rust. Everywhere else the
//! middle step is [`Pbkdf2Request::derive`], and the one-call functions
//! ([`crate::pkcs8::encrypt_der`], [`crate::pkcs8::decrypt`], [`crate::pkcs12::pack()`],
//! [`crate::pkcs12::read()`]) are exactly prepare → derive → finish, so both paths share
//! one code path.
//!
//! A request carries no password: the caller holds it and must feed the derivation the same
//! bytes it would give kunci (UTF-8, unnormalised). Derived keys come back to a job's
//! `finish`, which checks their count and length ([`Error::KdfResult`]); what else each job
//! can check is said on its `finish`.

use zeroize::Zeroizing;

use crate::{Error, Result};

/// The pseudo-random function of a PBKDF2 derivation (RFC 8018 appendix B.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prf {
    /// HMAC-SHA-1: the RFC 8018 default, found in older files.
    HmacSha1,
    /// HMAC-SHA-224: rare; WebCrypto has no SHA-224.
    HmacSha224,
    /// HMAC-SHA-256: what kunci and OpenSSL 3 write.
    HmacSha256,
    /// HMAC-SHA-384.
    HmacSha384,
    /// HMAC-SHA-512.
    HmacSha512,
}

impl Prf {
    /// The `hash` name WebCrypto's PBKDF2 takes (`"SHA-1"`, `"SHA-256"`, `"SHA-384"`,
    /// `"SHA-512"`), or `None` for [`Prf::HmacSha224`], which WebCrypto does not offer: run
    /// such a request with [`Pbkdf2Request::derive`] instead (files using it are rare, and it
    /// is never written).
    pub fn webcrypto_hash(&self) -> Option<&'static str> {
        match self {
            Prf::HmacSha1 => Some("SHA-1"),
            Prf::HmacSha224 => None,
            Prf::HmacSha256 => Some("SHA-256"),
            Prf::HmacSha384 => Some("SHA-384"),
            Prf::HmacSha512 => Some("SHA-512"),
        }
    }

    /// The name used in messages and in [`crate::pkcs12::Pkcs12Contents`], e.g.
    /// `PBKDF2-HMAC-SHA256`.
    pub fn pbkdf2_name(&self) -> &'static str {
        match self {
            Prf::HmacSha1 => "PBKDF2-HMAC-SHA1",
            Prf::HmacSha224 => "PBKDF2-HMAC-SHA224",
            Prf::HmacSha256 => "PBKDF2-HMAC-SHA256",
            Prf::HmacSha384 => "PBKDF2-HMAC-SHA384",
            Prf::HmacSha512 => "PBKDF2-HMAC-SHA512",
        }
    }

    /// The PRF named in PBES2 parameters, if it is one of ours.
    pub(crate) fn from_pkcs5(prf: pkcs5::pbes2::Pbkdf2Prf) -> Option<Self> {
        use pkcs5::pbes2::Pbkdf2Prf as P;
        match prf {
            P::HmacWithSha1 => Some(Prf::HmacSha1),
            P::HmacWithSha224 => Some(Prf::HmacSha224),
            P::HmacWithSha256 => Some(Prf::HmacSha256),
            P::HmacWithSha384 => Some(Prf::HmacSha384),
            P::HmacWithSha512 => Some(Prf::HmacSha512),
            _ => None,
        }
    }
}

/// One PBKDF2 derivation a job needs: `PBKDF2(prf, password, salt, iterations, key_len)`.
///
/// In WebCrypto terms: import the password bytes as a `"PBKDF2"` key, then
/// `deriveBits({ name: "PBKDF2", hash: prf.webcrypto_hash(), salt, iterations },
/// key, 8 * key_len)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pbkdf2Request {
    /// The salt, as written in the file.
    pub salt: Vec<u8>,
    /// The iteration count (at least 1; within [`crate::pkcs8::MAX_ITERATIONS`]).
    pub iterations: u32,
    /// The pseudo-random function.
    pub prf: Prf,
    /// Bytes to derive: the cipher's key length.
    pub key_len: usize,
}

impl Pbkdf2Request {
    /// Runs the derivation in Rust (the `pbkdf2` crate): the fallback where no faster
    /// PBKDF2 is at hand, and the path of every one-call function.
    pub fn derive(&self, password: &[u8]) -> Zeroizing<Vec<u8>> {
        use pbkdf2::pbkdf2_hmac;
        let mut out = Zeroizing::new(vec![0u8; self.key_len]);
        let (salt, n) = (&self.salt[..], self.iterations);
        match self.prf {
            Prf::HmacSha1 => pbkdf2_hmac::<sha1::Sha1>(password, salt, n, &mut out),
            Prf::HmacSha224 => pbkdf2_hmac::<sha2::Sha224>(password, salt, n, &mut out),
            Prf::HmacSha256 => pbkdf2_hmac::<sha2::Sha256>(password, salt, n, &mut out),
            Prf::HmacSha384 => pbkdf2_hmac::<sha2::Sha384>(password, salt, n, &mut out),
            Prf::HmacSha512 => pbkdf2_hmac::<sha2::Sha512>(password, salt, n, &mut out),
        }
        out
    }
}

/// Runs every request in Rust, in order: the middle step of the one-call functions.
pub(crate) fn derive_all(requests: &[Pbkdf2Request], password: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    requests.iter().map(|r| r.derive(password)).collect()
}

/// Checks that `derived` answers `requests`: one key each, in order, of the asked length.
pub(crate) fn check_results<K: AsRef<[u8]>>(
    requests: &[Pbkdf2Request],
    derived: &[K],
) -> Result<()> {
    if derived.len() != requests.len() {
        return Err(Error::KdfResult(format!(
            "{} derived keys given for {} derivations",
            derived.len(),
            requests.len()
        )));
    }
    for (i, (request, key)) in requests.iter().zip(derived).enumerate() {
        check_result(request, key.as_ref())
            .map_err(|_| bad_length(Some(i), request, key.as_ref()))?;
    }
    Ok(())
}

/// Checks that `derived` has the length `request` asked for.
pub(crate) fn check_result(request: &Pbkdf2Request, derived: &[u8]) -> Result<()> {
    if derived.len() != request.key_len {
        return Err(bad_length(None, request, derived));
    }
    Ok(())
}

fn bad_length(index: Option<usize>, request: &Pbkdf2Request, derived: &[u8]) -> Error {
    let which = index.map_or_else(String::new, |i| format!(" {}", i + 1));
    Error::KdfResult(format!(
        "derived key{which} is {} bytes, {} were asked for",
        derived.len(),
        request.key_len
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(prf: Prf, key_len: usize) -> Pbkdf2Request {
        Pbkdf2Request {
            salt: b"salt".to_vec(),
            iterations: 2,
            prf,
            key_len,
        }
    }

    #[test]
    fn derive_matches_rfc6070_and_rfc7914_vectors() {
        // RFC 6070 test 2 (HMAC-SHA1, c = 2) and RFC 7914 section 11 (HMAC-SHA256, c = 1).
        let k = request(Prf::HmacSha1, 20).derive(b"password");
        assert_eq!(k[..4], [0xea, 0x6c, 0x01, 0x4d]);
        let r = Pbkdf2Request {
            salt: b"salt".to_vec(),
            iterations: 1,
            prf: Prf::HmacSha256,
            key_len: 64,
        };
        assert_eq!(r.derive(b"passwd")[..4], [0x55, 0xac, 0x04, 0x6e]);
    }

    #[test]
    fn results_are_checked_for_count_and_length() {
        let reqs = [request(Prf::HmacSha256, 32), request(Prf::HmacSha512, 16)];
        assert!(check_results(&reqs, &[vec![0u8; 32], vec![0u8; 16]]).is_ok());
        let e = check_results(&reqs, &[vec![0u8; 32]]).unwrap_err();
        assert_eq!(e.code(), "kdf.bad_result");
        let e = check_results(&reqs, &[vec![0u8; 32], vec![0u8; 32]]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the derived key is not usable: derived key 2 is 32 bytes, 16 were asked for"
        );
        assert!(check_results::<Vec<u8>>(&[], &[]).is_ok());
    }
}
