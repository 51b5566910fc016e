//! The one signing trait every key in kunci signs through.
//!
//! A key in memory ([`crate::KeyPair`]), a key behind WebCrypto (the npm package) and a key on a
//! PKCS#11 token (the native helper) all implement [`Signer`], so CSR code is written once.
//! Signers that can only sign asynchronously (WebCrypto) use the two-step form instead:
//! [`crate::csr::CsrBuilder::to_be_signed`] gives the bytes, the caller signs them however it
//! can, and [`crate::csr::TbsCsr::finish`] assembles the CSR.

use der::asn1::ObjectIdentifier;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The signature algorithms kunci signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`sha256WithRSAEncryption`).
    RsaPkcs1Sha256,
    /// ECDSA on P-256 with SHA-256 (`ecdsa-with-SHA256`).
    EcdsaP256Sha256,
}

impl SignatureAlgorithm {
    /// The algorithm's object identifier in X.509 and PKCS#10.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            SignatureAlgorithm::RsaPkcs1Sha256 => {
                const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION
            }
            SignatureAlgorithm::EcdsaP256Sha256 => const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
        }
    }

    /// The `AlgorithmIdentifier` as X.509 writes it: RSA carries an explicit NULL parameter
    /// (RFC 4055), ECDSA carries none (RFC 5758).
    pub fn algorithm_identifier(self) -> spki::AlgorithmIdentifierOwned {
        let parameters = match self {
            SignatureAlgorithm::RsaPkcs1Sha256 => Some(der::asn1::Any::null()),
            SignatureAlgorithm::EcdsaP256Sha256 => None,
        };
        spki::AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters,
        }
    }

    /// A short human name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`).
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::RsaPkcs1Sha256 => "sha256WithRSAEncryption",
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-with-SHA256",
        }
    }
}

/// Something that holds a private key and can sign with it.
pub trait Signer {
    /// The algorithm [`Signer::sign`] produces.
    fn signature_algorithm(&self) -> SignatureAlgorithm;

    /// The public key, as a DER `SubjectPublicKeyInfo`.
    fn public_key_der(&self) -> Result<Vec<u8>>;

    /// Signs `message` (the whole message, not a digest: the signer hashes it with SHA-256)
    /// and returns the signature as X.509 carries it: the PKCS#1 v1.5 signature bytes for
    /// RSA, a DER `ECDSA-Sig-Value` for ECDSA. Signers whose backend returns raw `r || s`
    /// (WebCrypto, PKCS#11 `CKM_ECDSA`) convert with [`ecdsa_p256_raw_to_der`].
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;
}

/// Converts a raw P-256 ECDSA signature (`r || s`, 64 bytes, as WebCrypto and PKCS#11 give it)
/// to the DER `ECDSA-Sig-Value` that X.509 and PKCS#10 carry.
pub fn ecdsa_p256_raw_to_der(raw: &[u8]) -> Result<Vec<u8>> {
    let sig = p256::ecdsa::Signature::from_slice(raw).map_err(|_| {
        Error::SigningFailed(format!(
            "a raw P-256 signature is 64 bytes, not {}",
            raw.len()
        ))
    })?;
    Ok(sig.to_der().as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_ecdsa_signature_converts_to_der_and_bad_length_is_refused() {
        let mut raw = [0u8; 64];
        raw[31] = 1;
        raw[63] = 2;
        let der = ecdsa_p256_raw_to_der(&raw).unwrap();
        assert_eq!(der, [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]);
        assert_eq!(
            ecdsa_p256_raw_to_der(&raw[..10]).unwrap_err().code(),
            "sign.failed"
        );
    }
}
