//! PKCS#12 (RFC 7292): pack a key pair with its certificate and chain into a `.p12`, and read
//! one back.
//!
//! [`pack()`] writes one of two [`Profile`]s. [`Profile::Modern`] is what OpenSSL 3 writes by
//! default: the key in a pkcs8ShroudedKeyBag and the certificates in an EncryptedData, both
//! PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), and an HMAC-SHA256 MAC whose key comes from the
//! RFC 7292 Appendix B KDF over SHA-256, all at the caller's iteration count.
//! [`Profile::Legacy`] is Triple DES and an HMAC-SHA1 MAC, for old Windows only.
//!
//! [`read()`] verifies the MAC before anything else, so a wrong password is
//! [`Error::P12WrongPassword`] and never a garbled key. It reads PBES2 (any PBKDF2 PRF,
//! AES-CBC), the PKCS#12 Triple DES and RC2 schemes, unencrypted bags, BER as written by NSS
//! and Windows, and MACs over SHA-1/256/384/512. Every key derivation it runs is capped at
//! [`crate::pkcs8::MAX_ITERATIONS`], and a whole file at [`READ_WORK_BUDGET`].
//!
//! Both also come in steps, so that the PBKDF2 of the PBES2 bags can run outside Rust (see
//! [`crate::kdf`]): [`prepare_pack`] → [`PackJob::finish`], [`prepare_read`] →
//! [`ReadJob::finish`]. The MAC's PKCS#12 KDF and the legacy ciphers always run here.
//!
//! Passwords are bytes. PBKDF2 gets them as they are (UTF-8, as OpenSSL, Java and NSS do); the
//! PKCS#12 KDF (MAC, legacy ciphers) gets them as a BMPString, UTF-16BE plus two zero bytes.

use crate::{Error, KeyPair, Result};

mod asn1;
mod ber;
mod kdf;
mod pbe;
mod read;
mod write;

pub use read::{
    ReadJob, ReadStart, prepare_read, prepare_read_within, read, read_within, start_read,
    start_read_within,
};
pub use write::{PackJob, pack, prepare_pack};

/// How [`pack()`] protects a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Profile {
    /// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for key and certificates and an HMAC-SHA256
    /// MAC: OpenSSL 3's default, read by OpenSSL 1.1.1+, Java 8u301+, NSS, Python
    /// `cryptography`, macOS 10.15+ and Windows 10 1709+ / Server 2019+.
    #[default]
    Modern,
    /// **Insecure; for old Windows only.** pbeWithSHAAnd3-KeyTripleDES-CBC for key and
    /// certificates and an HMAC-SHA1 MAC, keyed by the SHA-1 PKCS#12 KDF, which RFC 7292
    /// itself deprecates. Triple DES has a 64-bit block and SHA-1 is broken for collisions;
    /// the iteration count is the only thing slowing a guesser. Use it only for a system that
    /// cannot read [`Profile::Modern`] (Windows 7/8, Server 2012/2016, old Java), and never
    /// send such a file over a channel you do not trust.
    Legacy,
}

/// What [`pack()`] writes besides the key and certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackOptions {
    /// Encryption and MAC algorithms.
    pub profile: Profile,
    /// The iteration count of every key derivation in the file (key, certificates and MAC).
    /// At least [`crate::pkcs8::MIN_ITERATIONS`], at most [`crate::pkcs8::MAX_ITERATIONS`].
    pub iterations: u32,
    /// The friendlyName on the key and its certificate: the alias Java shows, the nickname NSS
    /// imports under, the name Windows lists. `None` (or an empty string) writes none.
    pub friendly_name: Option<String>,
}

impl Default for PackOptions {
    /// The modern profile, [`crate::pkcs8::DEFAULT_ITERATIONS`], no friendly name.
    fn default() -> Self {
        PackOptions {
            profile: Profile::Modern,
            iterations: crate::pkcs8::DEFAULT_ITERATIONS,
            friendly_name: None,
        }
    }
}

/// The most key-derivation iterations [`read()`] runs for one file, summed over the MAC and
/// every encrypted bag (a legacy cipher counts twice: key and IV). Eight times
/// [`crate::pkcs8::MAX_ITERATIONS`]: a legacy file at the per-derivation cap needs five.
/// It stops files crafted with hundreds of encrypted bags from burning minutes of CPU.
pub const READ_WORK_BUDGET: u64 = 8 * crate::pkcs8::MAX_ITERATIONS as u64;

/// What [`read()`] found in a PKCS#12 file. Its `Debug` never shows key material.
#[derive(Debug)]
pub struct Pkcs12Contents {
    /// The private key (the first key bag), if the file holds one.
    pub key: Option<KeyPair>,
    /// The certificate (DER) whose public key is the key's; without such a match, the one
    /// whose localKeyId is the key's, else the first certificate in the file.
    pub certificate: Option<Vec<u8>>,
    /// Every other certificate (DER), in file order.
    pub chain: Vec<Vec<u8>>,
    /// The key bag's friendlyName, else the certificate's.
    pub friendly_name: Option<String>,
    /// The key bag's localKeyId, else the certificate's.
    pub local_key_id: Option<Vec<u8>>,
    /// `HMAC-SHA1`, `HMAC-SHA256`, `HMAC-SHA384`, `HMAC-SHA512`, or `none` for a file
    /// without a MAC (accepted only when its encrypted content decrypts).
    pub mac_algorithm: String,
    /// How the key was protected, e.g. `PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)`,
    /// `pbeWithSHAAnd3-KeyTripleDES-CBC`, or `none` (a plain keyBag, or no key).
    pub key_encryption: String,
    /// How the certificates were protected, e.g. `pbeWithSHAAnd40BitRC2-CBC`, or `none`.
    /// Several different schemes are joined with `, `.
    pub cert_encryption: String,
    /// The MAC's iteration count; for a file without a MAC, the highest count of its
    /// encryptions (0 when nothing is encrypted).
    pub iterations: u32,
}

impl Pkcs12Contents {
    /// The key with its certificate, or [`Error::P12Incomplete`] when the file lacks either,
    /// or [`Error::CertKeyMismatch`] when the certificate found is not the key's.
    pub fn require_key_and_cert(self) -> Result<KeyAndCertificate> {
        let Some(key) = self.key else {
            return Err(Error::P12Incomplete("it holds no private key".into()));
        };
        let Some(certificate) = self.certificate else {
            return Err(Error::P12Incomplete("it holds no certificate".into()));
        };
        if !write::cert_matches_key(&key, &certificate)? {
            return Err(Error::CertKeyMismatch);
        }
        Ok(KeyAndCertificate {
            key,
            certificate,
            chain: self.chain,
            friendly_name: self.friendly_name,
        })
    }
}

/// A key with its own certificate, from [`Pkcs12Contents::require_key_and_cert`].
#[derive(Debug)]
pub struct KeyAndCertificate {
    /// The private key.
    pub key: KeyPair,
    /// Its certificate (DER); its public key is the key's.
    pub certificate: Vec<u8>,
    /// The other certificates (DER), in file order.
    pub chain: Vec<Vec<u8>>,
    /// The friendlyName, if any.
    pub friendly_name: Option<String>,
}
