//! Showing a CSR without judging it: [`show`] reads any well-formed PKCS#10 request, checks its
//! signature with every algorithm kunci can verify, and puts kunci's policy verdict *beside*
//! the contents instead of refusing to describe what it would not issue for.
//!
//! [`verify`](super::verify) is the gate the portal and the CA use: it fails on the first rule
//! a CSR breaks. A tool that *shows* a CSR (`kunci csr show`, the package's `verifyCsr`) must
//! instead describe a P-384 request or one without a common name, say whether its signature
//! holds, and list every rule it breaks. The verdict here is computed from the same checks as
//! `verify`, so `show(x).policy.accepted == verify(x).is_ok()` (a unit test holds them to it).

use der::{Decode, Encode};
use serde::Serialize;
use sha2::Digest;

use super::build::Csr;
use super::keykind::allowed_key_kind;
use super::subject::Subject;
use super::verify::{RawCsr, read_attributes};
use crate::key::{KeyKind, describe_spki};
use crate::sign::{VerifyAlgorithm, VerifyError};
use crate::x509text::{format_name, hex_lower, signature_algorithm_name};
use crate::{Error, Result};

/// Everything a CSR says, its signature's state and kunci's verdict on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsrReport {
    /// The subject as RFC 4514 text, whatever its attributes.
    pub subject_dn: String,
    /// The subject as kunci's structured fields, when it can be read that way (absent for a
    /// subject with attributes kunci does not know, or without a common name).
    pub subject: Option<Subject>,
    /// The public key in words, for any key (`RSA 2048`, `EC P-384`, `Ed25519`).
    pub key_algorithm: String,
    /// The key's kind when it is one kunci accepts in CSRs (RSA 2048-8192, P-256).
    pub key: Option<KeyKind>,
    /// SHA-256 of the DER `SubjectPublicKeyInfo`, lowercase hex.
    pub public_key_sha256: String,
    /// The signature algorithm's name (`ecdsa-with-SHA256`, ...) or dotted OID.
    pub signature_algorithm: String,
    /// Whether the signature holds.
    pub signature: SignatureCheck,
    /// The PKCS#9 challengePassword (the portal's CSR token), when readable. A secret.
    pub challenge_password: Option<String>,
    /// The rfc822Name entries of the requested subjectAltName.
    pub email_sans: Vec<String>,
    /// kunci's verdict: would the portal take this CSR (before its per-holder checks)?
    pub policy: PolicyVerdict,
}

/// The state of a CSR's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    /// `valid`, `invalid`, or `unchecked` (an algorithm or key kunci cannot verify).
    pub status: SignatureStatus,
    /// Why it is `invalid` or `unchecked`; absent when `valid`.
    pub detail: Option<String>,
}

/// See [`SignatureCheck::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureStatus {
    /// The signature verifies with the CSR's own key over the exact bytes received.
    Valid,
    /// It does not verify: the CSR was altered or not signed by its key.
    Invalid,
    /// kunci cannot verify this algorithm or key (e.g. Ed25519).
    Unchecked,
}

/// kunci's general rules for CSRs, each broken one listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyVerdict {
    /// True when no rule is broken (then [`verify`](super::verify) accepts the CSR).
    pub accepted: bool,
    /// The broken rules, with the codes [`verify`](super::verify) would fail with.
    pub problems: Vec<PolicyProblem>,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyProblem {
    /// The stable error code (`csr.algorithm_not_allowed`, `subject.invalid`, ...).
    pub code: &'static str,
    /// What is wrong, in English.
    pub message: String,
}

impl From<Error> for PolicyProblem {
    fn from(e: Error) -> Self {
        PolicyProblem {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Reads a CSR (PEM or DER) and reports it. Fails only when the input is not a CSR at all
/// (`csr.malformed`): a bad signature, an unusual key or subject are reported, not refused.
pub fn show(input: &[u8]) -> Result<CsrReport> {
    let csr = Csr::from_input(input)?;
    let info = &csr.req.info;
    let public_key_der = info
        .public_key
        .to_der()
        .map_err(|e| Error::CsrMalformed(format!("cannot re-encode the public key: {e}")))?;
    let raw = RawCsr::from_der(csr.der()).map_err(|e| Error::CsrMalformed(e.to_string()))?;
    let tbs = raw
        .info
        .to_der()
        .map_err(|e| Error::CsrMalformed(e.to_string()))?;
    let signature_bytes = csr.req.signature.as_bytes();

    let mut problems: Vec<PolicyProblem> = Vec::new();
    // The rules, in the order `Csr::verify` applies them.
    let sig_alg = VerifyAlgorithm::from_identifier(&csr.req.algorithm);
    if let Err(e) = &sig_alg {
        problems.push(super::verify::csr_error(e.clone()).into());
    }
    let key = allowed_key_kind(&public_key_der)
        .map_err(|e| problems.push(e.into()))
        .ok();
    if let (Ok(alg), Some(kind)) = (&sig_alg, &key)
        && alg.is_rsa() != matches!(kind, KeyKind::Rsa { .. })
    {
        problems.push(
            Error::CsrAlgorithmNotAllowed(format!(
                "signature algorithm {} does not fit a {kind} key",
                alg.name()
            ))
            .into(),
        );
    }
    if signature_bytes.is_none() {
        problems
            .push(Error::CsrMalformed("the signature BIT STRING has unused bits".into()).into());
    }
    let signature = check_signature(
        &public_key_der,
        &csr.req.algorithm,
        &tbs,
        signature_bytes.unwrap_or_default(),
    );
    if signature.status == SignatureStatus::Invalid {
        problems.push(Error::CsrBadSignature.into());
    }
    let subject = Subject::from_name(&info.subject)
        .map_err(|e| problems.push(e.into()))
        .ok();
    let (challenge_password, email_sans) = read_attributes(info)
        .map_err(|e| problems.push(e.into()))
        .unwrap_or_default();

    Ok(CsrReport {
        subject_dn: format_name(&info.subject),
        subject,
        key_algorithm: describe_spki(&public_key_der),
        key,
        public_key_sha256: hex_lower(&sha2::Sha256::digest(&public_key_der)),
        signature_algorithm: signature_algorithm_name(&csr.req.algorithm.oid),
        signature,
        challenge_password,
        email_sans,
        policy: PolicyVerdict {
            accepted: problems.is_empty(),
            problems,
        },
    })
}

/// Checks the signature with kunci's verifier, then (for what that refuses as outside the
/// portal's algorithms) with the wider set `show` knows.
fn check_signature(
    spki_der: &[u8],
    algorithm: &spki::AlgorithmIdentifierOwned,
    tbs: &[u8],
    signature: &[u8],
) -> SignatureCheck {
    let outcome = match crate::sign::verify_signature(spki_der, algorithm, tbs, signature) {
        Ok(()) => Ok(true),
        Err(VerifyError::BadSignature) => Ok(false),
        Err(e) => wider::verify(spki_der, &algorithm.oid, tbs, signature).ok_or(e.to_string()),
    };
    match outcome {
        Ok(true) => SignatureCheck {
            status: SignatureStatus::Valid,
            detail: None,
        },
        Ok(false) => SignatureCheck {
            status: SignatureStatus::Invalid,
            detail: Some("the signature does not verify with the CSR's key".into()),
        },
        Err(why) => SignatureCheck {
            status: SignatureStatus::Unchecked,
            detail: Some(format!("kunci cannot verify this signature: {why}")),
        },
    }
}

/// Signatures outside the portal's algorithms that are still common in CSRs from other tools:
/// ECDSA on P-384 and RSA with SHA-1. Compiled only with the `wide-verify` feature (the CLI
/// has it), so that the wasm module does not carry a second curve unless it is built so.
mod wider {
    use der::asn1::ObjectIdentifier;

    /// `Some(true|false)` when the algorithm and key are among the wider set, else `None`.
    #[cfg(feature = "wide-verify")]
    pub(super) fn verify(
        spki_der: &[u8],
        algorithm: &ObjectIdentifier,
        message: &[u8],
        signature: &[u8],
    ) -> Option<bool> {
        use p384::ecdsa::signature::hazmat::PrehashVerifier;
        use sha2::Digest;
        let info = spki::SubjectPublicKeyInfoRef::try_from(spki_der).ok()?;
        match algorithm.to_string().as_str() {
            // sha1WithRSAEncryption: still what old Windows and Java tools write.
            "1.2.840.113549.1.1.5" => {
                let key = rsa::PublicKey::try_from(info).ok()?;
                let digest = sha1::Sha1::digest(message);
                Some(
                    key.verify(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &digest, signature)
                        .is_ok(),
                )
            }
            // ecdsa-with-SHA256/384/512 on P-384 (RFC 5758).
            oid @ ("1.2.840.10045.4.3.2" | "1.2.840.10045.4.3.3" | "1.2.840.10045.4.3.4") => {
                let key = p384::PublicKey::try_from(info).ok()?;
                let key = p384::ecdsa::VerifyingKey::from(key);
                let Ok(sig) = p384::ecdsa::Signature::from_der(signature) else {
                    return Some(false);
                };
                let prehash = match oid {
                    "1.2.840.10045.4.3.2" => sha2::Sha256::digest(message).to_vec(),
                    "1.2.840.10045.4.3.3" => sha2::Sha384::digest(message).to_vec(),
                    _ => sha2::Sha512::digest(message).to_vec(),
                };
                Some(key.verify_prehash(&prehash, &sig).is_ok())
            }
            _ => None,
        }
    }

    /// Without `wide-verify`, nothing beyond the portal's algorithms is checked.
    #[cfg(not(feature = "wide-verify"))]
    pub(super) fn verify(
        _spki_der: &[u8],
        _algorithm: &ObjectIdentifier,
        _message: &[u8],
        _signature: &[u8],
    ) -> Option<bool> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::fixtures::{BUDI, rng};
    use crate::csr::{CsrBuilder, verify};
    use crate::key::{KeyAlgorithm, KeyPair};

    #[test]
    fn a_csr_kunci_accepts_is_shown_valid_and_accepted() {
        let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let csr = CsrBuilder::new(BUDI.parse().unwrap())
            .email_san(Some("budi@example.go.id".into()))
            .challenge_password(Some("tok-123".into()))
            .sign(&key)
            .unwrap();
        let report = show(csr.to_pem().as_bytes()).unwrap();
        let info = verify(csr.der()).unwrap();
        assert_eq!(report.signature.status, SignatureStatus::Valid);
        assert!(report.policy.accepted, "{:?}", report.policy);
        assert_eq!(report.subject.as_ref(), Some(&info.subject));
        assert_eq!(report.subject_dn, info.subject_dn);
        assert_eq!(report.key, Some(info.key));
        assert_eq!(report.key_algorithm, "EC P-256");
        assert_eq!(report.public_key_sha256, info.public_key_sha256);
        assert_eq!(report.challenge_password.as_deref(), Some("tok-123"));
        assert_eq!(report.email_sans, info.email_sans);
    }

    #[test]
    fn a_flipped_signature_bit_is_shown_invalid_and_refused() {
        let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let csr = CsrBuilder::new(BUDI.parse().unwrap()).sign(&key).unwrap();
        let mut der = csr.der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 1;
        let report = show(&der).unwrap();
        assert_eq!(report.signature.status, SignatureStatus::Invalid);
        assert!(!report.policy.accepted);
        assert_eq!(report.policy.problems[0].code, "csr.bad_signature");
        // The contents are still shown.
        assert!(report.subject_dn.contains("CN=Budi Santoso"));
        assert_eq!(verify(&der).unwrap_err().code(), "csr.bad_signature");
    }

    #[test]
    fn what_is_not_a_csr_is_still_an_error() {
        assert_eq!(
            show(b"\x30\x82\x01\x00garbage").unwrap_err().code(),
            "csr.malformed"
        );
        assert_eq!(show(b"").unwrap_err().code(), "input.empty");
    }
}
