//! Reading a CSR from anyone: [`Csr::verify`] and [`verify`] check its algorithms and its
//! signature over the exact bytes received, then read its subject and attributes into a
//! [`CsrInfo`].

use core::fmt;

use der::{Decode, Encode};
use serde::Serialize;
use sha2::Digest;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::request::CertReqInfo;

use super::build::Csr;
use super::keykind::allowed_key_kind;
use super::subject::Subject;
use super::{OID_CHALLENGE_PASSWORD, OID_EXTENSION_REQ, OID_SUBJECT_ALT_NAME};
use crate::key::KeyKind;
use crate::sign::{VerifyAlgorithm, VerifyError};
use crate::x509text::{any_to_string, format_name, hex_lower};
use crate::{Error, Result};

impl Csr {
    /// Checks the CSR's algorithms (sha256/384/512WithRSAEncryption, ecdsa-with-SHA256/384;
    /// RSA 2048 to 8192 bits or P-256) and its signature with its own public key, then reads
    /// its subject and attributes.
    pub fn verify(&self) -> Result<CsrInfo> {
        let info = &self.req.info;
        let sig_alg = VerifyAlgorithm::from_identifier(&self.req.algorithm).map_err(csr_error)?;
        let public_key_der = info
            .public_key
            .to_der()
            .map_err(|e| Error::CsrMalformed(format!("cannot re-encode the public key: {e}")))?;
        let key = allowed_key_kind(&public_key_der)?;
        if sig_alg.is_rsa() != matches!(key, KeyKind::Rsa { .. }) {
            return Err(Error::CsrAlgorithmNotAllowed(format!(
                "signature algorithm {} does not fit a {key} key",
                sig_alg.name()
            )));
        }
        let signature = self.req.signature.as_bytes().ok_or_else(|| {
            Error::CsrMalformed("the signature BIT STRING has unused bits".into())
        })?;
        // The signed bytes are the CertificationRequestInfo exactly as received: re-encoding
        // the parsed form is not enough, since `der` silently re-sorts a SET OF (attributes)
        // that a writer left unsorted, which would turn a good signature bad.
        let raw = RawCsr::from_der(&self.der).map_err(|e| Error::CsrMalformed(e.to_string()))?;
        let tbs = raw
            .info
            .to_der()
            .map_err(|e| Error::CsrMalformed(e.to_string()))?;
        crate::sign::verify_signature(&public_key_der, &self.req.algorithm, &tbs, signature)
            .map_err(csr_error)?;

        let subject = Subject::from_name(&info.subject)?;
        let (challenge_password, email_sans) = read_attributes(info)?;
        Ok(CsrInfo {
            subject_dn: format_name(&info.subject),
            subject,
            key,
            signature_algorithm: sig_alg.name().to_owned(),
            challenge_password,
            email_sans,
            public_key_sha256: hex_lower(&sha2::Sha256::digest(&public_key_der)),
            public_key_der,
        })
    }
}

/// A CSR split into its three parts without interpreting them, to reach the exact signed bytes.
#[derive(der::Sequence)]
pub(super) struct RawCsr<'a> {
    pub(super) info: der::asn1::AnyRef<'a>,
    _algorithm: der::asn1::AnyRef<'a>,
    _signature: der::asn1::AnyRef<'a>,
}

/// Parses a CSR (DER or PEM) and checks it: see [`Csr::verify`].
pub fn verify(input: &[u8]) -> Result<CsrInfo> {
    Csr::from_input(input)?.verify()
}

/// What a verified CSR says. `Debug` hides the challenge password (the CSR token).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct CsrInfo {
    /// The subject as structured fields.
    pub subject: Subject,
    /// The subject as RFC 4514 text, most specific attribute first.
    pub subject_dn: String,
    /// The public key's kind.
    pub key: KeyKind,
    /// The signature algorithm's name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, ...).
    pub signature_algorithm: String,
    /// The PKCS#9 challengePassword: the portal's CSR token. A secret.
    pub challenge_password: Option<String>,
    /// The rfc822Name entries of the requested subjectAltName.
    pub email_sans: Vec<String>,
    /// The public key as a DER `SubjectPublicKeyInfo`.
    #[serde(skip)]
    pub public_key_der: Vec<u8>,
    /// SHA-256 of [`CsrInfo::public_key_der`], lowercase hex.
    pub public_key_sha256: String,
}

impl fmt::Debug for CsrInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrInfo")
            .field("subject", &self.subject)
            .field("subject_dn", &self.subject_dn)
            .field("key", &self.key)
            .field("signature_algorithm", &self.signature_algorithm)
            .field(
                "challenge_password",
                &self.challenge_password.as_ref().map(|_| "<redacted>"),
            )
            .field("email_sans", &self.email_sans)
            .field("public_key_sha256", &self.public_key_sha256)
            .finish_non_exhaustive()
    }
}

/// A CSR's error for each way its signature can fail to verify: an algorithm kunci does not
/// accept is `csr.algorithm_not_allowed`, a damaged identifier or key `csr.malformed`, a
/// signature that does not verify `csr.bad_signature`.
pub(super) fn csr_error(e: VerifyError) -> Error {
    match e {
        VerifyError::UnsupportedAlgorithm(_) => Error::CsrAlgorithmNotAllowed(e.to_string()),
        VerifyError::BadParameters(_) | VerifyError::BadKey(_) => {
            Error::CsrMalformed(e.to_string())
        }
        VerifyError::BadSignature => Error::CsrBadSignature,
    }
}

/// The challengePassword and the e-mail subjectAltNames among a CSR's attributes. Other
/// attributes (OpenSSL's unstructuredName, Microsoft's) are ignored.
pub(super) fn read_attributes(info: &CertReqInfo) -> Result<(Option<String>, Vec<String>)> {
    let mut password = None;
    let mut emails = Vec::new();
    let mut seen_ext_req = false;
    for attr in info.attributes.iter() {
        if attr.oid == OID_CHALLENGE_PASSWORD {
            let mut values = attr.values.iter();
            let (Some(v), None, None) = (values.next(), values.next(), password.as_ref()) else {
                return Err(Error::CsrMalformed(
                    "challengePassword must appear once, with one value".into(),
                ));
            };
            let s = any_to_string(v).ok_or_else(|| {
                Error::CsrMalformed("challengePassword is not a readable string".into())
            })?;
            password = Some(s);
        } else if attr.oid == OID_EXTENSION_REQ {
            let mut values = attr.values.iter();
            let (Some(v), None, false) = (values.next(), values.next(), seen_ext_req) else {
                return Err(Error::CsrMalformed(
                    "extensionRequest must appear once, with one value".into(),
                ));
            };
            seen_ext_req = true;
            let exts: Vec<Extension> = v
                .decode_as()
                .map_err(|e| Error::CsrMalformed(format!("bad extensionRequest: {e}")))?;
            for ext in exts.iter().filter(|e| e.extn_id == OID_SUBJECT_ALT_NAME) {
                let san = SubjectAltName::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| Error::CsrMalformed(format!("bad subjectAltName: {e}")))?;
                for name in san.0 {
                    if let GeneralName::Rfc822Name(s) = name {
                        emails.push(s.to_string());
                    }
                }
            }
        }
    }
    Ok((password, emails))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::fixtures::{BUDI, rng};
    use crate::csr::{CsrBuilder, CsrPolicy};
    use crate::key::{KeyAlgorithm, KeyPair};

    #[test]
    fn built_csr_verifies_and_carries_token_and_san() {
        let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let subject: Subject = BUDI.parse().unwrap();
        let csr = CsrBuilder::new(subject.clone())
            .email_san(Some("budi@example.go.id".into()))
            .challenge_password(Some("tok-123".into()))
            .sign(&key)
            .unwrap();
        let info = verify(csr.to_pem().as_bytes()).unwrap();
        assert_eq!(info.subject, subject);
        assert_eq!(info.key, KeyKind::EcP256);
        assert_eq!(info.signature_algorithm, "ecdsa-with-SHA256");
        assert_eq!(info.challenge_password.as_deref(), Some("tok-123"));
        assert_eq!(info.email_sans, ["budi@example.go.id"]);
        assert_eq!(info.public_key_der, key.public_key_der());
        assert_eq!(
            info.public_key_sha256,
            hex_lower(&sha2::Sha256::digest(key.public_key_der()))
        );
        assert!(
            !format!("{info:?}").contains("tok-123"),
            "Debug must hide the token"
        );
        let debug = format!("{csr:?}");
        assert!(
            !debug.contains("tok-123") && !debug.contains("116, 111, 107"),
            "{debug}"
        );
        let policy = CsrPolicy {
            expected_token: Some("tok-123".into()),
            ..Default::default()
        };
        assert!(!format!("{policy:?}").contains("tok-123"));
        assert_eq!(verify(csr.der()).unwrap(), info);
    }
}
