//! The one signing trait every key in kunci signs through, and the one signature verifier.
//!
//! A key in memory ([`crate::KeyPair`]), a key behind WebCrypto (the npm package) and a key on a
//! PKCS#11 token (the native helper) all implement [`Signer`], so CSR code is written once.
//! Signers that can only sign asynchronously (WebCrypto) use the two-step form instead:
//! [`crate::csr::CsrBuilder::to_be_signed`] gives the bytes, the caller signs them however it
//! can, and [`crate::csr::TbsCsr::finish`] assembles the CSR.
//!
//! [`verify_signature`] checks a signature over signed bytes (a CSR's
//! `CertificationRequestInfo`, a certificate's or CRL's to-be-signed body) with a DER
//! `SubjectPublicKeyInfo`; the CSR code and the portal's CA both verify through it.

use der::asn1::ObjectIdentifier;
use der::{Tag, Tagged};
use serde::{Deserialize, Serialize};
use sha2::Digest;

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

const OID_SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_SHA384_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const OID_SHA512_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

/// Why [`verify_signature`] refused a signature. Callers map it to their own [`Error`]
/// (a CSR's `csr.*` codes, the CA's `ca.*` or `sign.failed`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signature algorithm is not one kunci verifies; carries its name or dotted OID.
    #[error(
        "signature algorithm {0} (accepted: sha256/384/512WithRSAEncryption, ecdsa-with-SHA256/384)"
    )]
    UnsupportedAlgorithm(String),
    /// The algorithm identifier carries parameters its algorithm does not allow; carries the
    /// algorithm's name.
    #[error("unexpected parameters for {0}")]
    BadParameters(&'static str),
    /// The `SubjectPublicKeyInfo` is not a key the algorithm can verify with (malformed, or an
    /// RSA key for ECDSA, a P-384 key for P-256 ECDSA, ...); carries what was wrong.
    #[error("{0}")]
    BadKey(String),
    /// The signature does not verify over the message with the key.
    #[error("the signature does not verify")]
    BadSignature,
}

/// The signature algorithms [`verify_signature`] accepts: PKCS#1 v1.5 RSA with SHA-256/384/512
/// (RFC 4055) and ECDSA on P-256 with SHA-256/384 (RFC 5758).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerifyAlgorithm {
    RsaSha256,
    RsaSha384,
    RsaSha512,
    EcdsaSha256,
    EcdsaSha384,
}

impl VerifyAlgorithm {
    /// Reads an `AlgorithmIdentifier`, refusing other algorithms and parameters the RFCs do
    /// not allow.
    pub(crate) fn from_identifier(
        alg: &spki::AlgorithmIdentifierOwned,
    ) -> core::result::Result<VerifyAlgorithm, VerifyError> {
        let found = match alg.oid {
            OID_SHA256_RSA => VerifyAlgorithm::RsaSha256,
            OID_SHA384_RSA => VerifyAlgorithm::RsaSha384,
            OID_SHA512_RSA => VerifyAlgorithm::RsaSha512,
            OID_ECDSA_SHA256 => VerifyAlgorithm::EcdsaSha256,
            OID_ECDSA_SHA384 => VerifyAlgorithm::EcdsaSha384,
            other => {
                return Err(VerifyError::UnsupportedAlgorithm(
                    crate::x509text::signature_algorithm_name(&other),
                ));
            }
        };
        // RFC 4055: RSA carries NULL (some writers omit it); RFC 5758: ECDSA carries nothing.
        let params_ok = match &alg.parameters {
            None => true,
            Some(p) => found.is_rsa() && p.tag() == Tag::Null && p.value().is_empty(),
        };
        if !params_ok {
            return Err(VerifyError::BadParameters(found.name()));
        }
        Ok(found)
    }

    /// True for the RSA algorithms.
    pub(crate) fn is_rsa(self) -> bool {
        matches!(
            self,
            VerifyAlgorithm::RsaSha256 | VerifyAlgorithm::RsaSha384 | VerifyAlgorithm::RsaSha512
        )
    }

    /// The name OpenSSL prints (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, ...).
    pub(crate) fn name(self) -> &'static str {
        match self {
            VerifyAlgorithm::RsaSha256 => "sha256WithRSAEncryption",
            VerifyAlgorithm::RsaSha384 => "sha384WithRSAEncryption",
            VerifyAlgorithm::RsaSha512 => "sha512WithRSAEncryption",
            VerifyAlgorithm::EcdsaSha256 => "ecdsa-with-SHA256",
            VerifyAlgorithm::EcdsaSha384 => "ecdsa-with-SHA384",
        }
    }
}

/// Verifies `signature` over `message` (the signed bytes exactly as they were signed, not a
/// digest) with the key in `spki_der` (a DER `SubjectPublicKeyInfo`), under `algorithm` (the
/// `AlgorithmIdentifier` as parsed from the signed structure).
///
/// Accepted: sha256/384/512WithRSAEncryption (PKCS#1 v1.5; parameters NULL or absent) and
/// ecdsa-with-SHA256/384 on P-256 (no parameters; the signature a DER `ECDSA-Sig-Value`).
/// A signature that is not a DER `ECDSA-Sig-Value` is [`VerifyError::BadSignature`], not a
/// malformed input.
pub fn verify_signature(
    spki_der: &[u8],
    algorithm: &spki::AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> core::result::Result<(), VerifyError> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let alg = VerifyAlgorithm::from_identifier(algorithm)?;
    let info = spki::SubjectPublicKeyInfoRef::try_from(spki_der)
        .map_err(|e| VerifyError::BadKey(format!("bad SubjectPublicKeyInfo: {e}")))?;
    let ok = match alg {
        VerifyAlgorithm::RsaSha256 | VerifyAlgorithm::RsaSha384 | VerifyAlgorithm::RsaSha512 => {
            let key = rsa::PublicKey::try_from(info)
                .map_err(|e| VerifyError::BadKey(format!("bad RSA public key: {e}")))?;
            let result = match alg {
                VerifyAlgorithm::RsaSha384 => key.verify(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    &sha2::Sha384::digest(message),
                    signature,
                ),
                VerifyAlgorithm::RsaSha512 => key.verify(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                    &sha2::Sha512::digest(message),
                    signature,
                ),
                _ => key.verify(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &sha2::Sha256::digest(message),
                    signature,
                ),
            };
            result.is_ok()
        }
        VerifyAlgorithm::EcdsaSha256 | VerifyAlgorithm::EcdsaSha384 => {
            let key = p256::PublicKey::try_from(info)
                .map_err(|e| VerifyError::BadKey(format!("bad P-256 public key: {e}")))?;
            let key = p256::ecdsa::VerifyingKey::from(key);
            let Ok(sig) = p256::ecdsa::Signature::from_der(signature) else {
                return Err(VerifyError::BadSignature);
            };
            let prehash = match alg {
                VerifyAlgorithm::EcdsaSha384 => sha2::Sha384::digest(message).to_vec(),
                _ => sha2::Sha256::digest(message).to_vec(),
            };
            key.verify_prehash(&prehash, &sig).is_ok()
        }
    };
    if ok {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_signature_accepts_the_signers_own_signature_only() {
        use crate::key::{KeyAlgorithm, KeyPair};
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng).unwrap();
        let spki = key.public_key_der();
        let alg = key.signature_algorithm().algorithm_identifier();
        let sig = Signer::sign(&key, b"signed bytes").unwrap();
        assert_eq!(verify_signature(&spki, &alg, b"signed bytes", &sig), Ok(()));
        assert_eq!(
            verify_signature(&spki, &alg, b"other bytes", &sig),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify_signature(&spki, &alg, b"signed bytes", b"not DER"),
            Err(VerifyError::BadSignature)
        );
        let rsa = SignatureAlgorithm::RsaPkcs1Sha256.algorithm_identifier();
        assert!(matches!(
            verify_signature(&spki, &rsa, b"signed bytes", &sig),
            Err(VerifyError::BadKey(_))
        ));
        let with_null = spki::AlgorithmIdentifierOwned {
            parameters: Some(der::asn1::Any::null()),
            ..alg.clone()
        };
        assert_eq!(
            verify_signature(&spki, &with_null, b"signed bytes", &sig),
            Err(VerifyError::BadParameters("ecdsa-with-SHA256"))
        );
        let sha1_rsa = spki::AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5"),
            parameters: None,
        };
        assert_eq!(
            verify_signature(&spki, &sha1_rsa, b"signed bytes", &sig),
            Err(VerifyError::UnsupportedAlgorithm(
                "sha1WithRSAEncryption".into()
            ))
        );
    }

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
