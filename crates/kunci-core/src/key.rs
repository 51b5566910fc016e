//! Key pairs: RSA 2048/3072/4096 (e = 65537) and ECDSA P-256, generated from a caller's RNG.
//!
//! A [`KeyPair`] owns its private key; both backing types (`rsa::PrivateKey`,
//! `p256::ecdsa::SigningKey`) zeroize their secrets on drop, and every unencrypted
//! serialisation this module hands out is wrapped in [`Zeroizing`]. The key leaves this module
//! in clear only towards [`crate::pkcs8`] and [`crate::pkcs12`], which encrypt it at once.

use core::fmt;
use core::str::FromStr;

use pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rand_core::CryptoRng;
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::sign::{SignatureAlgorithm, Signer};
use crate::{Error, Result};

/// The key types kunci generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyAlgorithm {
    /// RSA with a 2048-bit modulus.
    Rsa2048,
    /// RSA with a 3072-bit modulus.
    Rsa3072,
    /// RSA with a 4096-bit modulus.
    Rsa4096,
    /// ECDSA on NIST P-256 (secp256r1).
    P256,
}

impl KeyAlgorithm {
    /// Every algorithm, in the order a UI should offer them.
    pub const ALL: [KeyAlgorithm; 4] = [
        KeyAlgorithm::Rsa2048,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::Rsa4096,
        KeyAlgorithm::P256,
    ];

    /// The name used on the command line and in every API (`rsa2048`, ..., `p256`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa2048 => "rsa2048",
            KeyAlgorithm::Rsa3072 => "rsa3072",
            KeyAlgorithm::Rsa4096 => "rsa4096",
            KeyAlgorithm::P256 => "p256",
        }
    }

    fn rsa_bits(self) -> Option<usize> {
        match self {
            KeyAlgorithm::Rsa2048 => Some(2048),
            KeyAlgorithm::Rsa3072 => Some(3072),
            KeyAlgorithm::Rsa4096 => Some(4096),
            KeyAlgorithm::P256 => None,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyAlgorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        KeyAlgorithm::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::UnsupportedAlgorithm(s.to_owned()))
    }
}

/// What a public key is, for display and policy checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum KeyKind {
    /// An RSA key with a modulus of `bits` bits.
    Rsa {
        /// Modulus length in bits.
        bits: u32,
    },
    /// An ECDSA key on P-256.
    #[serde(rename = "ec-p256")]
    EcP256,
}

impl KeyKind {
    /// Reads the kind from a DER `SubjectPublicKeyInfo`. Keys kunci does not use (other
    /// curves, Ed25519, DSA) are [`Error::UnsupportedKey`].
    pub fn from_spki_der(spki: &[u8]) -> Result<Self> {
        let info = spki::SubjectPublicKeyInfoRef::try_from(spki)
            .map_err(|e| Error::InvalidKey(format!("bad SubjectPublicKeyInfo: {e}")))?;
        if info.algorithm.oid == pkcs1_oid() {
            let key = rsa::PublicKey::try_from(info)
                .map_err(|e| Error::InvalidKey(format!("bad RSA public key: {e}")))?;
            Ok(KeyKind::Rsa {
                bits: key.n().bit_width_vartime(),
            })
        } else if info.algorithm.oid == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|_| Error::InvalidKey("EC key without a named curve".into()))?;
            if curve != const_oid::db::rfc5912::SECP_256_R_1 {
                return Err(Error::UnsupportedKey(format!(
                    "EC curve {curve} (only P-256 is used)"
                )));
            }
            p256::PublicKey::try_from(info)
                .map_err(|e| Error::InvalidKey(format!("bad P-256 public key: {e}")))?;
            Ok(KeyKind::EcP256)
        } else {
            Err(Error::UnsupportedKey(format!(
                "public-key algorithm {}",
                info.algorithm.oid
            )))
        }
    }

    /// The signature algorithm kunci uses with this kind of key.
    pub fn signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            KeyKind::Rsa { .. } => SignatureAlgorithm::RsaPkcs1Sha256,
            KeyKind::EcP256 => SignatureAlgorithm::EcdsaP256Sha256,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyKind::EcP256 => f.write_str("EC P-256"),
        }
    }
}

/// Names any public key in words (`RSA 2048`, `EC P-256`, `EC P-384`, `Ed25519`), including
/// kinds kunci does not use; an unknown algorithm is named by its OID.
pub fn describe_spki(spki: &[u8]) -> String {
    use const_oid::db::{rfc5912, rfc8410};
    if let Ok(kind) = KeyKind::from_spki_der(spki) {
        return kind.to_string();
    }
    let Ok(info) = spki::SubjectPublicKeyInfoRef::try_from(spki) else {
        return "unreadable key".into();
    };
    let oid = info.algorithm.oid;
    if oid == rfc5912::ID_EC_PUBLIC_KEY {
        match info.algorithm.parameters_oid() {
            Ok(c) if c == rfc5912::SECP_384_R_1 => "EC P-384".into(),
            Ok(c) if c == rfc5912::SECP_521_R_1 => "EC P-521".into(),
            Ok(c) => format!("EC {c}"),
            Err(_) => "EC (no named curve)".into(),
        }
    } else if oid == rfc8410::ID_ED_25519 {
        "Ed25519".into()
    } else if oid == rfc8410::ID_ED_448 {
        "Ed448".into()
    } else if oid == pkcs1_oid() {
        // from_spki_der refused it: an RSA key too small or too large for kunci.
        rsa::PublicKey::try_from(info)
            .map(|k| format!("RSA {}", k.n().bit_width_vartime()))
            .unwrap_or_else(|_| "RSA (unreadable)".into())
    } else {
        format!("public-key algorithm {oid}")
    }
}

pub(crate) fn pkcs1_oid() -> der::asn1::ObjectIdentifier {
    const_oid::db::rfc5912::RSA_ENCRYPTION
}

/// The smallest and largest RSA moduli kunci accepts when reading a key someone else made.
pub const RSA_IMPORT_BITS: core::ops::RangeInclusive<u32> = 2048..=8192;

/// A private key and its public half. The private key is zeroized on drop.
pub struct KeyPair {
    inner: Inner,
}

enum Inner {
    Rsa(Box<rsa::PrivateKey>),
    P256(Box<p256::ecdsa::SigningKey>),
}

impl fmt::Debug for KeyPair {
    // Never prints key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Generates a new key pair of `alg` from `rng`, which must be a cryptographic RNG
    /// (the OS's, or `crypto.getRandomValues` in a browser).
    pub fn generate<R: CryptoRng + ?Sized>(alg: KeyAlgorithm, rng: &mut R) -> Result<Self> {
        let inner = match alg.rsa_bits() {
            Some(bits) => {
                // `new` uses e = 65537, the only exponent anyone should use.
                let key = rsa::PrivateKey::new(rng, bits)
                    .map_err(|e| Error::KeyGeneration(e.to_string()))?;
                Inner::Rsa(Box::new(key))
            }
            None => return Ok(Self::generate_p256(rng)),
        };
        Ok(KeyPair { inner })
    }

    /// Generates a P-256 key pair: [`KeyPair::generate`] without RSA, for a build that must
    /// not carry RSA key generation (the npm package's core wasm module leaves it, with
    /// crypto-primes' sieve tables, to its lazily loaded extra module).
    pub fn generate_p256<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        KeyPair {
            inner: Inner::P256(Box::new(
                <p256::ecdsa::SigningKey as rsa::Generate>::generate_from_rng(rng),
            )),
        }
    }

    /// The kind of this key (RSA and its size, or P-256).
    pub fn kind(&self) -> KeyKind {
        match &self.inner {
            Inner::Rsa(k) => KeyKind::Rsa {
                bits: k.n().bit_width_vartime(),
            },
            Inner::P256(_) => KeyKind::EcP256,
        }
    }

    /// The public key as a DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> Vec<u8> {
        let doc = match &self.inner {
            Inner::Rsa(k) => k.to_public_key().to_public_key_der(),
            Inner::P256(k) => k.verifying_key().to_public_key_der(),
        };
        // Encoding a key we hold cannot fail: the only errors are for malformed keys,
        // which `KeyPair` never contains.
        doc.map(|d| d.into_vec()).unwrap_or_default()
    }

    /// The SHA-256 of the public key's DER `SubjectPublicKeyInfo`, lowercase hex: a short
    /// identity for a key that can be shown and compared without revealing anything.
    pub fn public_key_sha256(&self) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(self.public_key_der())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The unencrypted PKCS#8 `PrivateKeyInfo` DER. Only for the encrypting modules.
    pub(crate) fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = match &self.inner {
            Inner::Rsa(k) => k.to_pkcs8_der(),
            Inner::P256(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| Error::InvalidKey(e.to_string()))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// Reads an unencrypted PKCS#8 `PrivateKeyInfo` (after decryption). RSA keys must be
    /// 2048 to 8192 bits; EC keys must be on P-256.
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(der)
            .map_err(|e| Error::InvalidKey(format!("bad PrivateKeyInfo: {e}")))?;
        let oid = info.algorithm.oid;
        let inner = if oid == pkcs1_oid() {
            let key = rsa::PrivateKey::from_pkcs8_der(der)
                .map_err(|e| Error::InvalidKey(format!("bad RSA private key: {e}")))?;
            let bits = key.n().bit_width_vartime();
            if !RSA_IMPORT_BITS.contains(&bits) {
                return Err(Error::UnsupportedKey(format!(
                    "RSA {bits} (kunci uses RSA 2048 to 8192)"
                )));
            }
            Inner::Rsa(Box::new(key))
        } else if oid == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
            let curve = info.algorithm.parameters_oid().ok();
            if curve != Some(const_oid::db::rfc5912::SECP_256_R_1) {
                return Err(Error::UnsupportedKey(
                    "EC key on a curve other than P-256".into(),
                ));
            }
            let key = p256::ecdsa::SigningKey::from_pkcs8_der(der)
                .map_err(|e| Error::InvalidKey(format!("bad P-256 private key: {e}")))?;
            Inner::P256(Box::new(key))
        } else {
            return Err(Error::UnsupportedKey(format!(
                "private-key algorithm {oid}"
            )));
        };
        Ok(KeyPair { inner })
    }

    /// True when `spki_der` (a DER `SubjectPublicKeyInfo`) is this key pair's public key.
    /// Compares the decoded keys, not bytes, so that equivalent encodings match.
    pub fn matches_public_key(&self, spki_der: &[u8]) -> bool {
        let Ok(info) = spki::SubjectPublicKeyInfoRef::try_from(spki_der) else {
            return false;
        };
        match &self.inner {
            Inner::Rsa(k) => rsa::PublicKey::try_from(info)
                .map(|p| &p == k.as_public_key())
                .unwrap_or(false),
            Inner::P256(k) => p256::PublicKey::try_from(info)
                .map(|p| p == p256::PublicKey::from(k.verifying_key()))
                .unwrap_or(false),
        }
    }
}

impl Signer for KeyPair {
    fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.kind().signature_algorithm()
    }

    fn public_key_der(&self) -> Result<Vec<u8>> {
        Ok(KeyPair::public_key_der(self))
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        use sha2::Digest;
        match &self.inner {
            Inner::Rsa(k) => {
                let digest = sha2::Sha256::digest(message);
                k.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
                    .map_err(|e| Error::SigningFailed(e.to_string()))
            }
            Inner::P256(k) => {
                let sig: p256::ecdsa::Signature =
                    p256::ecdsa::signature::Signer::try_sign(k.as_ref(), message)
                        .map_err(|e| Error::SigningFailed(e.to_string()))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
        rand_core::UnwrapErr(getrandom::SysRng)
    }

    #[test]
    fn algorithm_names_round_trip_and_unknown_is_refused() {
        for a in KeyAlgorithm::ALL {
            assert_eq!(a.as_str().parse::<KeyAlgorithm>().ok(), Some(a));
        }
        let err = "rsa1024".parse::<KeyAlgorithm>().unwrap_err();
        assert_eq!(err.code(), "key.unsupported_algorithm");
    }

    #[test]
    fn generated_keys_have_the_asked_kind_and_round_trip_pkcs8() {
        for (alg, kind) in [
            (KeyAlgorithm::Rsa2048, KeyKind::Rsa { bits: 2048 }),
            (KeyAlgorithm::P256, KeyKind::EcP256),
        ] {
            let k = KeyPair::generate(alg, &mut rng()).unwrap();
            assert_eq!(k.kind(), kind);
            assert_eq!(KeyKind::from_spki_der(&k.public_key_der()).unwrap(), kind);
            let der = k.to_pkcs8_der().unwrap();
            let back = KeyPair::from_pkcs8_der(&der).unwrap();
            assert_eq!(back.public_key_der(), k.public_key_der());
            assert!(back.matches_public_key(&k.public_key_der()));
        }
    }

    #[test]
    fn a_key_does_not_match_another_keys_public_half() {
        let a = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let b = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        assert!(!a.matches_public_key(&b.public_key_der()));
        assert!(!a.matches_public_key(b"garbage"));
    }

    #[test]
    fn debug_output_never_shows_key_material() {
        let k = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        assert_eq!(format!("{k:?}"), "KeyPair { kind: EcP256, .. }");
    }
}
