//! Writing a CSR: [`CsrBuilder`] (subject, e-mail subjectAltName, CSR token as the PKCS#9
//! challengePassword), the two-step form [`TbsCsr`] for asynchronous signers, and [`Csr`],
//! the encoded request (also what parsing gives).

use core::fmt;

use der::asn1::{Any, BitString, Ia5String, OctetString, SetOfVec};
use der::{Decode, Encode, Tag};
use x509_cert::attr::Attribute;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};

use super::subject::{Subject, is_printable_char};
use super::{MAX_CHALLENGE_PASSWORD_LEN, OID_CHALLENGE_PASSWORD, OID_SUBJECT_ALT_NAME};
use crate::key::KeyKind;
use crate::secret::CsrToken;
use crate::sign::{SignatureAlgorithm, Signer};
use crate::x509text::format_name;
use crate::{Error, Result};

/// Writes a CSR for a [`Subject`], optionally with an e-mail subjectAltName and a CSR token.
/// `Debug` shows the CSR token as `CsrToken(***)`.
#[derive(Clone, Debug)]
pub struct CsrBuilder {
    subject: Subject,
    email_san: Option<String>,
    challenge_password: Option<CsrToken>,
}

impl CsrBuilder {
    /// Starts a CSR for `subject` (checked when the CSR is written).
    pub fn new(subject: Subject) -> CsrBuilder {
        CsrBuilder {
            subject,
            email_san: None,
            challenge_password: None,
        }
    }

    /// Asks for `email` as an rfc822Name subjectAltName (in an `extensionRequest` attribute).
    pub fn email_san(mut self, email: Option<String>) -> Self {
        self.email_san = email;
        self
    }

    /// Carries `password` (the portal's CSR token) as the PKCS#9 `challengePassword`:
    /// PrintableString when its characters allow, else UTF8String; 1 to 255 characters.
    pub fn challenge_password(mut self, password: Option<String>) -> Self {
        self.challenge_password = password.map(CsrToken::from);
        self
    }

    /// The DER `CertificationRequestInfo` to be signed by the key whose DER
    /// `SubjectPublicKeyInfo` is `public_key_der`, with `alg`. For signers that cannot
    /// implement [`Signer`] synchronously: sign [`TbsCsr::bytes`], then [`TbsCsr::finish`].
    pub fn to_be_signed(&self, public_key_der: &[u8], alg: SignatureAlgorithm) -> Result<TbsCsr> {
        let subject = self.subject.to_name()?;
        let kind = KeyKind::from_spki_der(public_key_der)?;
        if kind.signature_algorithm() != alg {
            return Err(Error::InvalidKey(format!(
                "a {kind} key cannot sign with {}",
                alg.name()
            )));
        }
        let public_key = x509_cert::SubjectPublicKeyInfo::from_der(public_key_der)
            .map_err(|e| Error::InvalidKey(format!("bad SubjectPublicKeyInfo: {e}")))?;
        let bad = |e: der::Error| Error::CsrMalformed(format!("cannot encode an attribute: {e}"));

        let mut attributes = SetOfVec::new();
        if let Some(pw) = &self.challenge_password {
            let value = challenge_password_value(pw.expose())?;
            let values = SetOfVec::try_from(vec![value]).map_err(bad)?;
            attributes
                .insert(Attribute {
                    oid: OID_CHALLENGE_PASSWORD,
                    values,
                })
                .map_err(bad)?;
        }
        if let Some(email) = &self.email_san {
            crate::email::check(email)?;
            let ia5 = Ia5String::new(email).map_err(|_| Error::InvalidEmail(email.clone()))?;
            let san = SubjectAltName(vec![GeneralName::Rfc822Name(ia5)]);
            let extension = Extension {
                extn_id: OID_SUBJECT_ALT_NAME,
                // Not critical: the subject DN is never empty (CN is required), RFC 5280 4.2.1.6.
                critical: false,
                extn_value: OctetString::new(san.to_der().map_err(bad)?).map_err(bad)?,
            };
            let attr = Attribute::try_from(ExtensionReq(vec![extension])).map_err(bad)?;
            attributes.insert(attr).map_err(bad)?;
        }

        let info = CertReqInfo {
            version: Version::V1,
            subject,
            public_key,
            attributes,
        };
        let der = info.to_der().map_err(bad)?;
        Ok(TbsCsr { info, der, alg })
    }

    /// Writes and signs the CSR with `signer`, and checks the signature before returning.
    pub fn sign(&self, signer: &dyn Signer) -> Result<Csr> {
        let public_key = signer.public_key_der()?;
        let tbs = self.to_be_signed(&public_key, signer.signature_algorithm())?;
        let signature = signer.sign(tbs.bytes())?;
        tbs.finish(&signature)
    }
}

/// A CSR waiting for its signature: the DER `CertificationRequestInfo` and the algorithm.
#[derive(Clone)]
pub struct TbsCsr {
    info: CertReqInfo,
    der: Vec<u8>,
    alg: SignatureAlgorithm,
}

// The attributes hold the CSR token in clear: Debug shows only what is safe.
impl fmt::Debug for TbsCsr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TbsCsr")
            .field("subject", &format_name(&self.info.subject))
            .field("alg", &self.alg)
            .field("len", &self.der.len())
            .finish_non_exhaustive()
    }
}

impl TbsCsr {
    /// The exact bytes to sign (the DER `CertificationRequestInfo`).
    pub fn bytes(&self) -> &[u8] {
        &self.der
    }

    /// The algorithm the signature must be made with.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }

    /// Assembles the CSR with `signature` (PKCS#1 v1.5 bytes for RSA, DER `ECDSA-Sig-Value`
    /// for ECDSA; convert raw `r || s` with [`crate::sign::ecdsa_p256_raw_to_der`]) and
    /// verifies it, so that a signature from the wrong key is [`Error::CsrBadSignature`] here
    /// rather than at the portal.
    pub fn finish(self, signature: &[u8]) -> Result<Csr> {
        let bad = |e: der::Error| Error::CsrMalformed(format!("cannot encode the CSR: {e}"));
        let req = CertReq {
            info: self.info,
            algorithm: self.alg.algorithm_identifier(),
            signature: BitString::from_bytes(signature).map_err(bad)?,
        };
        let der = req.to_der().map_err(bad)?;
        let csr = Csr { der, req };
        csr.verify()?;
        Ok(csr)
    }
}

/// A parsed (not yet verified) PKCS#10 CSR.
#[derive(Clone)]
pub struct Csr {
    pub(super) der: Vec<u8>,
    pub(super) req: CertReq,
}

// The attributes hold the CSR token in clear: Debug shows only what is safe.
impl fmt::Debug for Csr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Csr")
            .field("subject", &format_name(&self.req.info.subject))
            .field("len", &self.der.len())
            .finish_non_exhaustive()
    }
}

impl Csr {
    /// The CSR's DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The CSR as PEM (`CERTIFICATE REQUEST`).
    pub fn to_pem(&self) -> String {
        crate::pem::encode("CERTIFICATE REQUEST", &self.der)
    }

    /// Parses a CSR from DER or PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`).
    /// Does not check the signature: see [`Csr::verify`].
    pub fn from_input(input: &[u8]) -> Result<Csr> {
        let der =
            crate::pem::der_or_pem(input, &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"])?;
        let req = CertReq::from_der(&der).map_err(|e| Error::CsrMalformed(e.to_string()))?;
        Ok(Csr { der, req })
    }
}

fn challenge_password_value(pw: &str) -> Result<Any> {
    let n = pw.chars().count();
    if n == 0 || n > MAX_CHALLENGE_PASSWORD_LEN {
        return Err(Error::CsrTokenInvalid(format!(
            "the CSR token must be 1 to {MAX_CHALLENGE_PASSWORD_LEN} characters, not {n}"
        )));
    }
    if pw.chars().any(char::is_control) {
        return Err(Error::CsrTokenInvalid(
            "the CSR token contains a control character".into(),
        ));
    }
    let tag = if pw.chars().all(is_printable_char) {
        Tag::PrintableString
    } else {
        Tag::Utf8String
    };
    Any::new(tag, pw.as_bytes())
        .map_err(|e| Error::CsrTokenInvalid(format!("cannot encode the CSR token: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Tagged;

    use crate::csr::fixtures::rng;
    use crate::key::{KeyAlgorithm, KeyPair};

    #[test]
    fn challenge_password_picks_printable_or_utf8_and_is_bounded() {
        assert_eq!(
            challenge_password_value("Abc 123").unwrap().tag(),
            Tag::PrintableString
        );
        assert_eq!(
            challenge_password_value("abc_123").unwrap().tag(),
            Tag::Utf8String
        );
        assert_eq!(
            challenge_password_value("").unwrap_err().code(),
            "csr.token_invalid"
        );
        assert_eq!(
            challenge_password_value(&"a".repeat(256))
                .unwrap_err()
                .code(),
            "csr.token_invalid"
        );
        assert!(challenge_password_value(&"a".repeat(255)).is_ok());
        let b = CsrBuilder::new(Subject {
            common_name: "x".into(),
            ..Default::default()
        })
        .challenge_password(Some("s3cret".into()));
        assert!(!format!("{b:?}").contains("s3cret"));
    }

    #[test]
    fn a_signature_from_another_key_is_caught_by_finish() {
        let a = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let b = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let tbs = CsrBuilder::new("CN=x".parse().unwrap())
            .to_be_signed(&a.public_key_der(), SignatureAlgorithm::EcdsaP256Sha256)
            .unwrap();
        let sig = Signer::sign(&b, tbs.bytes()).unwrap();
        assert_eq!(
            tbs.clone().finish(&sig).unwrap_err().code(),
            "csr.bad_signature"
        );
        assert_eq!(
            tbs.finish(b"not a signature").unwrap_err().code(),
            "csr.bad_signature"
        );
    }

    #[test]
    fn an_algorithm_that_does_not_fit_the_key_is_refused() {
        let a = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
        let err = CsrBuilder::new("CN=x".parse().unwrap())
            .to_be_signed(&a.public_key_der(), SignatureAlgorithm::RsaPkcs1Sha256)
            .unwrap_err();
        assert_eq!(err.code(), "key.invalid");
    }
}
