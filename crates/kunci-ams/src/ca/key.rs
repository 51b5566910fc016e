//! [`CaKey`]: the one signing abstraction of the CA. Every key the CA signs with (root,
//! issuing CA, OCSP responder, TSA) is a `CaKey`, so certificates, CRLs, OCSP responses and
//! timestamp tokens each have one code path whatever holds the key: a [`KeyPair`] decrypted
//! from the data folder (the default), or a non-extractable key on a PKCS#11 token
//! ([`super::pkcs11`], `serve --ca-pkcs11-*`). P-256 or RSA, as the CA uses them.

use core::fmt;

use der::Decode;
use kunci_core::key::KeyPair;
use kunci_core::{SignatureAlgorithm, Signer};
use spki::SubjectPublicKeyInfoOwned;

use super::pkcs11::TokenKey;
use super::x509;
use crate::Result;

/// A CA private key: in memory (from the data folder's encrypted file, or just made) or on a
/// PKCS#11 token, where it never leaves.
pub enum CaKey {
    /// A key in memory (zeroized on drop by [`KeyPair`]).
    File(KeyPair),
    /// A key on a PKCS#11 token: signing happens there.
    Token(TokenKey),
}

impl fmt::Debug for CaKey {
    // Neither variant shows key material: a KeyPair's Debug shows its kind, a token key its
    // label.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaKey::File(k) => f.debug_tuple("File").field(k).finish(),
            CaKey::Token(k) => f.debug_tuple("Token").field(k).finish(),
        }
    }
}

impl From<KeyPair> for CaKey {
    fn from(key: KeyPair) -> CaKey {
        CaKey::File(key)
    }
}

impl CaKey {
    /// The public key as a parsed `SubjectPublicKeyInfo` (what a certificate for it carries).
    pub fn spki(&self) -> Result<SubjectPublicKeyInfoOwned> {
        let der = match self {
            CaKey::File(k) => k.public_key_der(),
            CaKey::Token(k) => k.public_key_der().to_vec(),
        };
        SubjectPublicKeyInfoOwned::from_der(&der).map_err(x509::encoding)
    }

    /// Whether `spki_der` (a DER `SubjectPublicKeyInfo`) is this key's public key.
    pub fn matches_public_key(&self, spki_der: &[u8]) -> bool {
        match self {
            CaKey::File(k) => k.matches_public_key(spki_der),
            CaKey::Token(_) => SubjectPublicKeyInfoOwned::from_der(spki_der)
                .ok()
                .zip(self.spki().ok())
                .is_some_and(|(a, b)| a == b),
        }
    }

    /// True when the key lives on a token.
    pub fn is_token(&self) -> bool {
        matches!(self, CaKey::Token(_))
    }
}

impl Signer for CaKey {
    fn signature_algorithm(&self) -> SignatureAlgorithm {
        match self {
            CaKey::File(k) => k.signature_algorithm(),
            CaKey::Token(k) => k.signature_algorithm(),
        }
    }

    fn public_key_der(&self) -> kunci_core::Result<Vec<u8>> {
        match self {
            CaKey::File(k) => Signer::public_key_der(k),
            CaKey::Token(k) => Ok(k.public_key_der().to_vec()),
        }
    }

    fn sign(&self, message: &[u8]) -> kunci_core::Result<Vec<u8>> {
        match self {
            CaKey::File(k) => k.sign(message),
            CaKey::Token(k) => k.sign(message),
        }
    }
}
