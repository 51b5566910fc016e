//! PKCS#10 certificate signing requests (RFC 2986): the subject DN, writing, parsing, verifying
//! and the portal's acceptance policy.
//!
//! [`Subject`] is the holder's identity as structured fields (CN, O, OU, L, ST, C, emailAddress,
//! serialNumber), checked once against the RFC 5280 bounds and encoded with the string types the
//! standards require. [`CsrBuilder`] writes a CSR carrying the portal's CSR token as the PKCS#9
//! `challengePassword` and the e-mail as a `subjectAltName` inside an `extensionRequest`; it
//! signs through [`Signer`] or, for asynchronous signers (WebCrypto), in two steps through
//! [`TbsCsr`]. [`verify`] parses a CSR from anyone, checks its algorithms and its signature, and
//! [`CsrInfo::check`] applies the portal's rules (key kinds, registered subject, CSR token).
//! This module also owns the RFC 4514 name formatting that [`crate::cert`] reuses.

use core::fmt;
use core::str::FromStr;

use der::asn1::{Any, BitString, Ia5String, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Tag, Tagged};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use x509_cert::attr::{Attribute, AttributeTypeAndValue};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};
use zeroize::Zeroizing;

use crate::key::KeyKind;
use crate::sign::{SignatureAlgorithm, Signer};
use crate::{Error, Result};

// ---- object identifiers ----

const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_SERIAL: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const OID_L: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
const OID_ST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.8");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const OID_EMAIL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
const OID_CHALLENGE_PASSWORD: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.7");
const OID_EXTENSION_REQ: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
const OID_SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

const OID_SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_SHA384_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const OID_SHA512_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The PKCS#9 upper bound on a challengePassword (`pkcs-9-ub-challengePassword`).
pub const MAX_CHALLENGE_PASSWORD_LEN: usize = 255;

// ---- subject ----

/// A holder's distinguished name as the fields kunci writes into CSRs.
///
/// Made with [`Subject::from_str`] (RFC 4514 text) or by filling the fields and calling
/// [`Subject::validate`]; every way into a CSR checks the rules once: CN present, C two letters
/// (upper-cased), e-mail a plausible ASCII address, serialNumber in PrintableString characters,
/// the RFC 5280 upper bounds, no control characters, no leading or trailing spaces.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Subject {
    /// commonName (CN), required; at most 64 characters.
    pub common_name: String,
    /// emailAddress (PKCS#9), IA5String; at most 255 characters.
    pub email: Option<String>,
    /// organizationName (O); at most 64 characters.
    pub organization: Option<String>,
    /// organizationalUnitName (OU); at most 64 characters.
    pub organizational_unit: Option<String>,
    /// localityName (L); at most 128 characters.
    pub locality: Option<String>,
    /// stateOrProvinceName (ST); at most 128 characters.
    pub state: Option<String>,
    /// countryName (C): two ASCII letters (ISO 3166), stored upper-case.
    pub country: Option<String>,
    /// serialNumber (e.g. the holder's NIK), PrintableString; at most 64 characters.
    pub serial_number: Option<String>,
}

/// One attribute kunci knows in a subject: how it is named, encoded and bounded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Cn,
    Email,
    O,
    Ou,
    L,
    St,
    C,
    Serial,
}

impl Field {
    /// Encoding order in the Name, most general first (the usual X.509 order).
    const ENCODE_ORDER: [Field; 8] = [
        Field::C,
        Field::St,
        Field::L,
        Field::O,
        Field::Ou,
        Field::Cn,
        Field::Serial,
        Field::Email,
    ];

    /// The label in RFC 4514 text, as OpenSSL's `-nameopt RFC2253` prints it.
    fn label(self) -> &'static str {
        match self {
            Field::Cn => "CN",
            Field::Email => "emailAddress",
            Field::O => "O",
            Field::Ou => "OU",
            Field::L => "L",
            Field::St => "ST",
            Field::C => "C",
            Field::Serial => "serialNumber",
        }
    }

    fn oid(self) -> ObjectIdentifier {
        match self {
            Field::Cn => OID_CN,
            Field::Email => OID_EMAIL,
            Field::O => OID_O,
            Field::Ou => OID_OU,
            Field::L => OID_L,
            Field::St => OID_ST,
            Field::C => OID_C,
            Field::Serial => OID_SERIAL,
        }
    }

    fn from_oid(oid: &ObjectIdentifier) -> Option<Field> {
        Field::ENCODE_ORDER.into_iter().find(|f| f.oid() == *oid)
    }

    /// Attribute names accepted in text, compared case-insensitively. `SN` is deliberately
    /// absent: OpenSSL reads it as surname, not serialNumber.
    fn from_label(name: &str) -> Option<Field> {
        let n = name.to_ascii_lowercase();
        Some(match n.as_str() {
            "cn" | "commonname" | "2.5.4.3" => Field::Cn,
            "e" | "email" | "emailaddress" | "1.2.840.113549.1.9.1" => Field::Email,
            "o" | "organizationname" | "2.5.4.10" => Field::O,
            "ou" | "organizationalunitname" | "2.5.4.11" => Field::Ou,
            "l" | "localityname" | "2.5.4.7" => Field::L,
            "st" | "s" | "stateorprovincename" | "2.5.4.8" => Field::St,
            "c" | "countryname" | "2.5.4.6" => Field::C,
            "serialnumber" | "2.5.4.5" => Field::Serial,
            _ => return None,
        })
    }

    /// RFC 5280 Appendix A upper bounds, in characters.
    fn max_chars(self) -> usize {
        match self {
            Field::Cn | Field::O | Field::Ou | Field::Serial => 64,
            Field::L | Field::St => 128,
            Field::Email => 255,
            Field::C => 2,
        }
    }

    /// The string type the standards require for new certificates.
    fn tag(self) -> Tag {
        match self {
            Field::C | Field::Serial => Tag::PrintableString,
            Field::Email => Tag::Ia5String,
            _ => Tag::Utf8String,
        }
    }
}

impl Subject {
    /// Checks every rule (see the type's docs) and upper-cases the country code.
    pub fn validate(&mut self) -> Result<()> {
        if self.common_name.is_empty() {
            return Err(Error::InvalidSubject(
                "the common name (CN) is required".into(),
            ));
        }
        if let Some(c) = &mut self.country {
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(Error::InvalidSubject(
                    "the country (C) must be a two-letter ISO 3166 code such as ID".into(),
                ));
            }
            c.make_ascii_uppercase();
        }
        for f in Field::ENCODE_ORDER {
            let Some(v) = self.get(f) else { continue };
            let label = f.label();
            if v.is_empty() {
                return Err(Error::InvalidSubject(format!(
                    "`{label}` is empty: leave it out or fill it in"
                )));
            }
            if v.chars().any(char::is_control) {
                return Err(Error::InvalidSubject(format!(
                    "`{label}` contains a control character"
                )));
            }
            if v.starts_with(char::is_whitespace) || v.ends_with(char::is_whitespace) {
                return Err(Error::InvalidSubject(format!(
                    "`{label}` starts or ends with a space"
                )));
            }
            let n = v.chars().count();
            if n > f.max_chars() {
                return Err(Error::InvalidSubject(format!(
                    "`{label}` is {n} characters long; at most {} are allowed",
                    f.max_chars()
                )));
            }
        }
        if let Some(e) = &self.email {
            check_email(e)?;
        }
        if let Some(s) = &self.serial_number
            && !s.chars().all(is_printable_char)
        {
            return Err(Error::InvalidSubject(
                "`serialNumber` may hold only letters, digits, spaces and '()+,-./:=?".into(),
            ));
        }
        Ok(())
    }

    /// The subject as an X.509 `Name`: one attribute per RDN in the order C, ST, L, O, OU, CN,
    /// serialNumber, emailAddress; C and serialNumber as PrintableString, emailAddress as
    /// IA5String, the rest as UTF8String (RFC 5280 section 4.1.2.4).
    pub fn to_name(&self) -> Result<Name> {
        let mut s = self.clone();
        s.validate()?;
        let bad = |e: der::Error| Error::InvalidSubject(format!("cannot encode the name: {e}"));
        let mut rdns = Vec::new();
        for f in Field::ENCODE_ORDER {
            let Some(v) = s.get(f) else { continue };
            let atv = AttributeTypeAndValue {
                oid: f.oid(),
                value: Any::new(f.tag(), v.as_bytes()).map_err(bad)?,
            };
            rdns.push(RelativeDistinguishedName::try_from(vec![atv]).map_err(bad)?);
        }
        // `Name`'s inner sequence is private outside the `hazmat` feature; the DER of an
        // RDNSequence is the DER of a Name, so go through the encoding.
        let der = RdnSequence::from(rdns).to_der().map_err(bad)?;
        Name::from_der(&der).map_err(bad)
    }

    /// Reads a subject back from an X.509 `Name`. Attributes other than the eight kunci writes,
    /// multi-valued RDNs, repeated attributes and values that break the rules are errors.
    pub fn from_name(name: &Name) -> Result<Subject> {
        let mut s = Subject::default();
        for rdn in name.iter_rdn() {
            if rdn.len() != 1 {
                return Err(Error::InvalidSubject(
                    "a multi-valued RDN (attributes joined with `+`) is not supported".into(),
                ));
            }
            for atv in rdn.iter() {
                let f = Field::from_oid(&atv.oid).ok_or_else(|| {
                    Error::InvalidSubject(format!(
                        "unsupported attribute {} in the subject",
                        atv.oid
                    ))
                })?;
                let v = any_to_string(&atv.value).ok_or_else(|| {
                    Error::InvalidSubject(format!("`{}` is not a readable string", f.label()))
                })?;
                if f == Field::Cn && v.is_empty() {
                    return Err(Error::InvalidSubject(
                        "the common name (CN) is empty".into(),
                    ));
                }
                if !s.set(f, v) {
                    return Err(Error::InvalidSubject(format!(
                        "`{}` appears twice",
                        f.label()
                    )));
                }
            }
        }
        s.validate()?;
        Ok(s)
    }
}

// Field access by kind, for the parsers and the policy check.
impl Subject {
    fn get(&self, f: Field) -> Option<&str> {
        match f {
            Field::Cn => Some(self.common_name.as_str()),
            Field::Email => self.email.as_deref(),
            Field::O => self.organization.as_deref(),
            Field::Ou => self.organizational_unit.as_deref(),
            Field::L => self.locality.as_deref(),
            Field::St => self.state.as_deref(),
            Field::C => self.country.as_deref(),
            Field::Serial => self.serial_number.as_deref(),
        }
    }

    fn slot(&mut self, f: Field) -> Option<&mut Option<String>> {
        Some(match f {
            Field::Cn => return None,
            Field::Email => &mut self.email,
            Field::O => &mut self.organization,
            Field::Ou => &mut self.organizational_unit,
            Field::L => &mut self.locality,
            Field::St => &mut self.state,
            Field::C => &mut self.country,
            Field::Serial => &mut self.serial_number,
        })
    }

    /// Sets field `f`; false when it was already set (a duplicate attribute). Callers refuse
    /// an empty CN first, so an empty `common_name` means "not set yet".
    fn set(&mut self, f: Field, value: String) -> bool {
        if f == Field::Cn {
            if !self.common_name.is_empty() {
                return false;
            }
            self.common_name = value;
            return true;
        }
        match self.slot(f) {
            Some(slot) if slot.is_none() => *slot = Some(value),
            _ => return false,
        }
        true
    }
}

impl FromStr for Subject {
    type Err = Error;

    /// Parses RFC 4514 text such as `CN=Budi Santoso,O=Dinas Kominfo,C=ID` in any attribute
    /// order. Backslash escapes (`\,` `\+` `\"` `\\` `\<` `\>` `\;` `\=` `\#` `\ ` and `\XX`
    /// hex pairs) are honoured; spaces around names and values are ignored.
    fn from_str(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(Error::InvalidSubject(
                "the subject is empty: give at least CN=...".into(),
            ));
        }
        let mut s = Subject::default();
        for (name, value) in parse_rfc4514(text)? {
            let f = Field::from_label(&name).ok_or_else(|| {
                Error::InvalidSubject(format!(
                    "unknown attribute `{name}`: use CN, O, OU, L, ST, C, emailAddress or serialNumber"
                ))
            })?;
            if f == Field::Cn && value.is_empty() {
                return Err(Error::InvalidSubject(
                    "the common name (CN) is empty".into(),
                ));
            }
            if !s.set(f, value) {
                return Err(Error::InvalidSubject(format!(
                    "`{}` is given twice",
                    f.label()
                )));
            }
        }
        s.validate()?;
        Ok(s)
    }
}

impl fmt::Display for Subject {
    /// RFC 4514 text, most specific attribute first (the reverse of the encoding order), as
    /// OpenSSL prints with `-nameopt RFC2253,-esc_msb`; [`Subject::from_str`] reads it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for field in Field::ENCODE_ORDER.into_iter().rev() {
            let Some(v) = self.get(field) else { continue };
            if !first {
                f.write_str(",")?;
            }
            first = false;
            let mut out = String::new();
            escape_value(v, &mut out);
            write!(f, "{}={out}", field.label())?;
        }
        Ok(())
    }
}

// ---- building ----

/// Writes a CSR for a [`Subject`], optionally with an e-mail subjectAltName and a CSR token.
#[derive(Clone)]
pub struct CsrBuilder {
    subject: Subject,
    email_san: Option<String>,
    challenge_password: Option<Zeroizing<String>>,
}

impl fmt::Debug for CsrBuilder {
    // The challenge password is the portal's CSR token: a secret, never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrBuilder")
            .field("subject", &self.subject)
            .field("email_san", &self.email_san)
            .field(
                "challenge_password",
                &self.challenge_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
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
        self.challenge_password = password.map(Zeroizing::new);
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
            let value = challenge_password_value(pw)?;
            let values = SetOfVec::try_from(vec![value]).map_err(bad)?;
            attributes
                .insert(Attribute {
                    oid: OID_CHALLENGE_PASSWORD,
                    values,
                })
                .map_err(bad)?;
        }
        if let Some(email) = &self.email_san {
            check_email(email)?;
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

// ---- parsing and verifying ----

/// A parsed (not yet verified) PKCS#10 CSR.
#[derive(Clone)]
pub struct Csr {
    der: Vec<u8>,
    req: CertReq,
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

    /// Checks the CSR's algorithms (sha256/384/512WithRSAEncryption, ecdsa-with-SHA256/384;
    /// RSA 2048 to 8192 bits or P-256) and its signature with its own public key, then reads
    /// its subject and attributes.
    pub fn verify(&self) -> Result<CsrInfo> {
        let info = &self.req.info;
        let sig_alg = SigAlg::from_identifier(&self.req.algorithm)?;
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
        verify_signature(sig_alg, &public_key_der, &tbs, signature)?;

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
struct RawCsr<'a> {
    info: der::asn1::AnyRef<'a>,
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

/// What the portal accepts in a CSR.
#[derive(Clone, Default)]
pub struct CsrPolicy {
    /// Key kinds accepted (e.g. RSA 2048 and P-256).
    pub allowed_keys: Vec<KeyKind>,
    /// The identity registered for the account; when set, the CSR's subject must equal it.
    pub expected_subject: Option<Subject>,
    /// The CSR token issued for this request; when set, the CSR must carry it.
    pub expected_token: Option<String>,
}

impl fmt::Debug for CsrPolicy {
    // The expected token is a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrPolicy")
            .field("allowed_keys", &self.allowed_keys)
            .field("expected_subject", &self.expected_subject)
            .field(
                "expected_token",
                &self.expected_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl CsrInfo {
    /// Applies `policy`: the key kind must be allowed ([`Error::CsrAlgorithmNotAllowed`]), the
    /// subject must equal the expected one field by field ([`Error::CsrSubjectMismatch`],
    /// naming the first field that differs; e-mail compared ignoring ASCII case, everything
    /// else exactly), and the CSR token must be present ([`Error::CsrTokenMissing`]) and equal
    /// ([`Error::CsrTokenMismatch`], compared in constant time).
    pub fn check(&self, policy: &CsrPolicy) -> Result<()> {
        if !policy.allowed_keys.contains(&self.key) {
            return Err(Error::CsrAlgorithmNotAllowed(format!(
                "a {} key is not accepted here",
                self.key
            )));
        }
        if let Some(expected) = &policy.expected_subject {
            let mut expected = expected.clone();
            // Registered identities go through the same normalisation as CSR subjects.
            expected.validate()?;
            for f in Field::ENCODE_ORDER {
                let (a, b) = (self.subject.get(f), expected.get(f));
                let same = match (a, b) {
                    (Some(a), Some(b)) if f == Field::Email => a.eq_ignore_ascii_case(b),
                    _ => a == b,
                };
                if !same {
                    let what = match (a, b) {
                        (None, Some(_)) => "is missing",
                        (Some(_), None) => "is not in the registered identity",
                        _ => "differs from the registered identity",
                    };
                    return Err(Error::CsrSubjectMismatch(format!("`{}` {what}", f.label())));
                }
            }
        }
        if let Some(expected) = &policy.expected_token {
            let got = self
                .challenge_password
                .as_deref()
                .ok_or(Error::CsrTokenMissing)?;
            if !constant_time_eq(got.as_bytes(), expected.as_bytes()) {
                return Err(Error::CsrTokenMismatch);
            }
        }
        Ok(())
    }
}

// ---- helpers: algorithms and signatures ----

#[derive(Clone, Copy)]
enum SigAlg {
    RsaSha256,
    RsaSha384,
    RsaSha512,
    EcdsaSha256,
    EcdsaSha384,
}

impl SigAlg {
    fn from_identifier(alg: &spki::AlgorithmIdentifierOwned) -> Result<SigAlg> {
        let found = match alg.oid {
            OID_SHA256_RSA => SigAlg::RsaSha256,
            OID_SHA384_RSA => SigAlg::RsaSha384,
            OID_SHA512_RSA => SigAlg::RsaSha512,
            OID_ECDSA_SHA256 => SigAlg::EcdsaSha256,
            OID_ECDSA_SHA384 => SigAlg::EcdsaSha384,
            other => {
                return Err(Error::CsrAlgorithmNotAllowed(format!(
                    "signature algorithm {} (accepted: sha256/384/512WithRSAEncryption, ecdsa-with-SHA256/384)",
                    crate::cert::signature_algorithm_name(&other)
                )));
            }
        };
        // RFC 4055: RSA carries NULL (some writers omit it); RFC 5758: ECDSA carries nothing.
        let params_ok = match &alg.parameters {
            None => true,
            Some(p) => found.is_rsa() && p.tag() == Tag::Null && p.value().is_empty(),
        };
        if !params_ok {
            return Err(Error::CsrMalformed(format!(
                "unexpected parameters for {}",
                found.name()
            )));
        }
        Ok(found)
    }

    fn is_rsa(self) -> bool {
        matches!(
            self,
            SigAlg::RsaSha256 | SigAlg::RsaSha384 | SigAlg::RsaSha512
        )
    }

    fn name(self) -> &'static str {
        match self {
            SigAlg::RsaSha256 => "sha256WithRSAEncryption",
            SigAlg::RsaSha384 => "sha384WithRSAEncryption",
            SigAlg::RsaSha512 => "sha512WithRSAEncryption",
            SigAlg::EcdsaSha256 => "ecdsa-with-SHA256",
            SigAlg::EcdsaSha384 => "ecdsa-with-SHA384",
        }
    }
}

/// The key kind of a CSR's key, refusing (as [`Error::CsrAlgorithmNotAllowed`]) RSA outside
/// 2048..=8192 bits and EC keys on curves other than P-256. The RSA size is read from the
/// modulus directly so that keys too small for the `rsa` crate to load are named, not garbled.
fn allowed_key_kind(spki_der: &[u8]) -> Result<KeyKind> {
    let info = spki::SubjectPublicKeyInfoRef::try_from(spki_der)
        .map_err(|e| Error::CsrMalformed(format!("bad SubjectPublicKeyInfo: {e}")))?;
    if info.algorithm.oid == OID_RSA_ENCRYPTION {
        let bits = rsa_modulus_bits(info.subject_public_key.raw_bytes())
            .ok_or_else(|| Error::CsrMalformed("bad RSA public key".into()))?;
        if !crate::key::RSA_IMPORT_BITS.contains(&bits) {
            return Err(Error::CsrAlgorithmNotAllowed(format!(
                "RSA {bits} key (accepted: RSA 2048 to 8192, P-256)"
            )));
        }
    } else if info.algorithm.oid == OID_EC_PUBLIC_KEY {
        let curve = info.algorithm.parameters_oid().ok();
        if curve != Some(OID_P256) {
            let name = curve.map_or_else(|| "unnamed".to_owned(), |c| crate::cert::curve_name(&c));
            return Err(Error::CsrAlgorithmNotAllowed(format!(
                "EC key on curve {name} (accepted: P-256, RSA)"
            )));
        }
    } else {
        return Err(Error::CsrAlgorithmNotAllowed(format!(
            "public-key algorithm {} (accepted: RSA, P-256)",
            info.algorithm.oid
        )));
    }
    KeyKind::from_spki_der(spki_der).map_err(|e| match e {
        Error::UnsupportedKey(m) => Error::CsrAlgorithmNotAllowed(m),
        other => Error::CsrMalformed(other.to_string()),
    })
}

/// Bit length of the modulus in a DER `RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER }`.
fn rsa_modulus_bits(rsa_public_key: &[u8]) -> Option<u32> {
    let mut reader = der::SliceReader::new(rsa_public_key).ok()?;
    let n = der::Reader::sequence(&mut reader, |r| {
        let n = der::asn1::UintRef::decode(r)?;
        let _e = der::asn1::UintRef::decode(r)?;
        Ok::<_, der::Error>(n)
    })
    .ok()?;
    let bytes = n.as_bytes();
    let first = *bytes.first()?;
    let bits = (bytes.len() as u32 - 1) * 8 + (8 - first.leading_zeros());
    Some(bits)
}

fn verify_signature(alg: SigAlg, spki_der: &[u8], tbs: &[u8], signature: &[u8]) -> Result<()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let info = spki::SubjectPublicKeyInfoRef::try_from(spki_der)
        .map_err(|e| Error::CsrMalformed(format!("bad SubjectPublicKeyInfo: {e}")))?;
    let ok = match alg {
        SigAlg::RsaSha256 | SigAlg::RsaSha384 | SigAlg::RsaSha512 => {
            let key = rsa::PublicKey::try_from(info)
                .map_err(|e| Error::CsrMalformed(format!("bad RSA public key: {e}")))?;
            let result = match alg {
                SigAlg::RsaSha384 => key.verify(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    &sha2::Sha384::digest(tbs),
                    signature,
                ),
                SigAlg::RsaSha512 => key.verify(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                    &sha2::Sha512::digest(tbs),
                    signature,
                ),
                _ => key.verify(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &sha2::Sha256::digest(tbs),
                    signature,
                ),
            };
            result.is_ok()
        }
        SigAlg::EcdsaSha256 | SigAlg::EcdsaSha384 => {
            let key = p256::PublicKey::try_from(info)
                .map_err(|e| Error::CsrMalformed(format!("bad P-256 public key: {e}")))?;
            let key = p256::ecdsa::VerifyingKey::from(key);
            // A signature that is not a DER ECDSA-Sig-Value does not verify; that is a bad
            // signature, not a malformed CSR.
            let Ok(sig) = p256::ecdsa::Signature::from_der(signature) else {
                return Err(Error::CsrBadSignature);
            };
            let prehash = match alg {
                SigAlg::EcdsaSha384 => sha2::Sha384::digest(tbs).to_vec(),
                _ => sha2::Sha256::digest(tbs).to_vec(),
            };
            key.verify_prehash(&prehash, &sig).is_ok()
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Error::CsrBadSignature)
    }
}

/// The challengePassword and the e-mail subjectAltNames among a CSR's attributes. Other
/// attributes (OpenSSL's unstructuredName, Microsoft's) are ignored.
fn read_attributes(info: &CertReqInfo) -> Result<(Option<String>, Vec<String>)> {
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

/// Compares two byte strings in time that depends only on their lengths, so that a wrong
/// CSR token reveals nothing about how much of it was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u64;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= u64::from(x ^ y);
    }
    // Keeps the compiler from turning the loop into an early exit.
    core::hint::black_box(diff) == 0
}

// ---- helpers: strings, names, e-mail ----

/// PrintableString's alphabet (X.680 41.4).
fn is_printable_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
}

/// Checks a plausible RFC 5321 addr-spec in ASCII: dot-atom local part (at most 64), `@`, a
/// domain of at least two LDH labels; at most 255 characters in all (RFC 5280's bound).
fn check_email(e: &str) -> Result<()> {
    let bad = || Error::InvalidEmail(e.to_owned());
    if e.is_empty() || e.len() > 255 || !e.is_ascii() {
        return Err(bad());
    }
    let (local, domain) = e.rsplit_once('@').ok_or_else(bad)?;
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if local.is_empty()
        || local.len() > 64
        || local
            .split('.')
            .any(|p| p.is_empty() || !p.chars().all(atext))
    {
        return Err(bad());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if domain.len() > 253
        || labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    {
        return Err(bad());
    }
    Ok(())
}

/// Splits RFC 4514 text into `(attribute name, unescaped value)` pairs in text order.
fn parse_rfc4514(text: &str) -> Result<Vec<(String, String)>> {
    let bad = |m: &str| Error::InvalidSubject(m.to_owned());
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut name = String::new();
        loop {
            match chars.next() {
                Some('=') => break,
                Some(c @ (',' | '+' | '\\')) => {
                    return Err(Error::InvalidSubject(format!(
                        "unexpected `{c}` in an attribute name"
                    )));
                }
                Some(c) => name.push(c),
                None => {
                    return Err(Error::InvalidSubject(format!(
                        "`{}` has no `=value`",
                        name.trim()
                    )));
                }
            }
        }
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(bad("an attribute name is missing before `=`"));
        }
        // Value bytes (hex escapes may build UTF-8 sequences byte by byte) and the length to
        // keep, which drops trailing unescaped spaces.
        let mut value: Vec<u8> = Vec::new();
        let mut keep = 0;
        let mut more = false;
        while let Some(c) = chars.next() {
            match c {
                ',' => {
                    more = true;
                    break;
                }
                '+' => {
                    return Err(bad(
                        "multi-valued RDNs (`+`) are not supported: escape it as `\\+`",
                    ));
                }
                '#' if value.is_empty() => {
                    return Err(bad(
                        "hex-encoded values (`=#...`) are not supported: escape `#` as `\\#`",
                    ));
                }
                ' ' if value.is_empty() => {}
                '\\' => {
                    match chars.next() {
                        Some(e @ (',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' | '#' | ' ')) => {
                            value.push(e as u8);
                        }
                        Some(h) if h.is_ascii_hexdigit() => {
                            let l = chars
                                .next()
                                .filter(char::is_ascii_hexdigit)
                                .ok_or_else(|| bad("a `\\` hex escape needs two hex digits"))?;
                            // Both are ASCII hex digits, so the parse cannot fail.
                            let byte = u8::from_str_radix(&format!("{h}{l}"), 16).unwrap_or(0);
                            value.push(byte);
                        }
                        _ => {
                            return Err(bad(
                                "bad `\\` escape: escape only , + \" \\ < > ; = # space or hex pairs",
                            ));
                        }
                    }
                    keep = value.len();
                }
                c => {
                    let mut buf = [0u8; 4];
                    value.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    if c != ' ' {
                        keep = value.len();
                    }
                }
            }
        }
        value.truncate(keep);
        let value =
            String::from_utf8(value).map_err(|_| bad("a hex escape does not make valid UTF-8"))?;
        out.push((name, value));
        if !more {
            return Ok(out);
        }
    }
}

/// Appends `v` escaped for RFC 4514 the way OpenSSL's `-nameopt RFC2253,-esc_msb` does:
/// `, + " \ < > ;` get a backslash, as do a leading `#` or space and a trailing space;
/// control characters become `\XX` hex pairs.
pub(crate) fn escape_value(v: &str, out: &mut String) {
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
}

/// Short names for the attributes people meet in certificate names, as OpenSSL prints them.
fn attribute_label(oid: &ObjectIdentifier) -> Option<&'static str> {
    const TABLE: [(&str, &str); 27] = [
        ("2.5.4.3", "CN"),
        ("2.5.4.4", "SN"),
        ("2.5.4.5", "serialNumber"),
        ("2.5.4.6", "C"),
        ("2.5.4.7", "L"),
        ("2.5.4.8", "ST"),
        ("2.5.4.9", "street"),
        ("2.5.4.10", "O"),
        ("2.5.4.11", "OU"),
        ("2.5.4.12", "title"),
        ("2.5.4.13", "description"),
        ("2.5.4.15", "businessCategory"),
        ("2.5.4.17", "postalCode"),
        ("2.5.4.41", "name"),
        ("2.5.4.42", "GN"),
        ("2.5.4.43", "initials"),
        ("2.5.4.44", "generationQualifier"),
        ("2.5.4.46", "dnQualifier"),
        ("2.5.4.65", "pseudonym"),
        ("2.5.4.97", "organizationIdentifier"),
        ("0.9.2342.19200300.100.1.1", "UID"),
        ("0.9.2342.19200300.100.1.25", "DC"),
        ("1.2.840.113549.1.9.1", "emailAddress"),
        ("1.2.840.113549.1.9.2", "unstructuredName"),
        ("1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL"),
        ("1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST"),
        ("1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"),
    ];
    let dotted = oid.to_string();
    TABLE.iter().find(|(o, _)| *o == dotted).map(|(_, n)| *n)
}

/// Formats any X.509 name as RFC 4514 text, most specific RDN first, readable (UTF-8 kept):
/// what `openssl x509 -nameopt RFC2253,-esc_msb` prints for the usual attributes. Unknown
/// attributes appear as their dotted OID; values that are not strings as `#` and their DER.
pub(crate) fn format_name(name: &Name) -> String {
    let rdns: Vec<&RelativeDistinguishedName> = name.iter_rdn().collect();
    let mut out = String::new();
    for (i, rdn) in rdns.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            match attribute_label(&atv.oid) {
                Some(label) => out.push_str(label),
                None => out.push_str(&atv.oid.to_string()),
            }
            out.push('=');
            match any_to_string(&atv.value) {
                Some(v) => escape_value(&v, &mut out),
                None => {
                    out.push('#');
                    out.push_str(&hex_lower(&atv.value.to_der().unwrap_or_default()));
                }
            }
        }
    }
    out
}

/// Decodes the directory string types found in the wild (UTF8String, PrintableString,
/// IA5String, VisibleString, NumericString, TeletexString read as UTF-8 else Latin-1,
/// BMPString) to text; None for anything else.
pub(crate) fn any_to_string(any: &Any) -> Option<String> {
    let bytes = any.value();
    match any.tag() {
        Tag::Utf8String => String::from_utf8(bytes.to_vec()).ok(),
        // Old certificates put `@` and `_` into PrintableStrings; read any printable ASCII.
        Tag::PrintableString | Tag::Ia5String | Tag::VisibleString | Tag::NumericString => bytes
            .is_ascii()
            .then(|| bytes.iter().map(|&b| b as char).collect()),
        Tag::TeletexString => Some(
            String::from_utf8(bytes.to_vec())
                .unwrap_or_else(|_| bytes.iter().map(|&b| b as char).collect()),
        ),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units = bytes
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]));
            char::decode_utf16(units)
                .collect::<core::result::Result<String, _>>()
                .ok()
        }
        _ => None,
    }
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{KeyAlgorithm, KeyPair};

    fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
        rand_core::UnwrapErr(getrandom::SysRng)
    }

    const BUDI: &str = "CN=Budi Santoso,O=Dinas Kominfo,OU=TI,L=Bandung,ST=Jawa Barat,C=id,\
                        emailAddress=budi@example.go.id,serialNumber=3273010101010001";

    #[test]
    fn subject_text_is_parsed_normalised_and_printed_in_rfc4514_order() {
        let s: Subject = BUDI.parse().unwrap();
        assert_eq!(s.common_name, "Budi Santoso");
        assert_eq!(s.country.as_deref(), Some("ID"));
        assert_eq!(s.email.as_deref(), Some("budi@example.go.id"));
        assert_eq!(s.serial_number.as_deref(), Some("3273010101010001"));
        assert_eq!(
            s.to_string(),
            "emailAddress=budi@example.go.id,serialNumber=3273010101010001,CN=Budi Santoso,\
             OU=TI,O=Dinas Kominfo,L=Bandung,ST=Jawa Barat,C=ID"
        );
        assert_eq!(s.to_string().parse::<Subject>().unwrap(), s);
        // Display and the generic name formatter agree.
        assert_eq!(format_name(&s.to_name().unwrap()), s.to_string());
    }

    #[test]
    fn names_are_case_insensitive_and_aliases_work() {
        let s: Subject = " cn = A , E=a@b.co,SERIALNUMBER=12,stateOrProvinceName=X, 2.5.4.10=Org "
            .parse()
            .unwrap();
        assert_eq!(s.common_name, "A");
        assert_eq!(s.email.as_deref(), Some("a@b.co"));
        assert_eq!(s.serial_number.as_deref(), Some("12"));
        assert_eq!(s.state.as_deref(), Some("X"));
        assert_eq!(s.organization.as_deref(), Some("Org"));
        let e: Subject = "CN=A,emailaddress=a@b.co".parse().unwrap();
        assert_eq!(e.email.as_deref(), Some("a@b.co"));
    }

    #[test]
    fn escapes_round_trip() {
        let s: Subject = r#"CN=Sinta\, S.Kom \+ \"Ibu\" \\ \<a\> \; x\=y,O=\#1"#
            .parse()
            .unwrap();
        assert_eq!(s.common_name, r#"Sinta, S.Kom + "Ibu" \ <a> ; x=y"#);
        assert_eq!(s.organization.as_deref(), Some("#1"));
        let s2: Subject = s.to_string().parse().unwrap();
        assert_eq!(s, s2);
        let hex: Subject = "CN=Andr\\C3\\A9".parse().unwrap();
        // A value may not start or end with a space, escaped or not: "Budi " is not "Budi".
        assert_eq!(
            "CN=Budi\\ ".parse::<Subject>().unwrap_err().code(),
            "subject.invalid"
        );
        assert_eq!(hex.common_name, "André");
    }

    #[test]
    fn bad_subjects_are_refused_with_their_codes() {
        let cases = [
            ("", "subject.invalid"),
            ("O=x", "subject.invalid"),
            ("CN=", "subject.invalid"),
            ("CN=a,CN=b", "subject.invalid"),
            ("CN=a,C=IDN", "subject.invalid"),
            ("CN=a,C=1D", "subject.invalid"),
            ("CN=a,X=1", "subject.invalid"),
            ("CN=a+O=b", "subject.invalid"),
            ("CN=a,", "subject.invalid"),
            ("CN=#0101", "subject.invalid"),
            ("CN=a\\q", "subject.invalid"),
            ("CN=a\u{7}b", "subject.invalid"),
            ("CN=a,serialNumber=12_3", "subject.invalid"),
            ("CN=a,E=budi", "subject.invalid_email"),
            ("CN=a,E=budi@localhost", "subject.invalid_email"),
            ("CN=a,E=bü@x.id", "subject.invalid_email"),
            ("CN=a,E=a..b@x.id", "subject.invalid_email"),
            ("CN=a,E=a@-x.id", "subject.invalid_email"),
        ];
        for (text, code) in cases {
            let err = text.parse::<Subject>().unwrap_err();
            assert_eq!(err.code(), code, "{text:?}: {err}");
        }
        let long = format!("CN={}", "x".repeat(65));
        assert_eq!(
            long.parse::<Subject>().unwrap_err().code(),
            "subject.invalid"
        );
        let ok = format!("CN={}", "é".repeat(64));
        assert!(
            ok.parse::<Subject>().is_ok(),
            "the bound counts characters, not bytes"
        );
        let long_l = format!("CN=a,L={}", "x".repeat(129));
        assert_eq!(
            long_l.parse::<Subject>().unwrap_err().code(),
            "subject.invalid"
        );
    }

    #[test]
    fn to_name_uses_the_required_string_types_in_order() {
        let s: Subject = BUDI.parse().unwrap();
        let name = s.to_name().unwrap();
        let got: Vec<(String, Tag)> = name
            .iter()
            .map(|a| (a.oid.to_string(), a.value.tag()))
            .collect();
        let want = [
            ("2.5.4.6", Tag::PrintableString),
            ("2.5.4.8", Tag::Utf8String),
            ("2.5.4.7", Tag::Utf8String),
            ("2.5.4.10", Tag::Utf8String),
            ("2.5.4.11", Tag::Utf8String),
            ("2.5.4.3", Tag::Utf8String),
            ("2.5.4.5", Tag::PrintableString),
            ("1.2.840.113549.1.9.1", Tag::Ia5String),
        ];
        assert_eq!(got, want.map(|(o, t)| (o.to_owned(), t)));
        assert_eq!(name.iter_rdn().count(), 8, "one attribute per RDN");
        assert_eq!(Subject::from_name(&name).unwrap(), s);
    }

    #[test]
    fn from_name_refuses_unknown_and_multi_valued_attributes() {
        let name: Name = "CN=a,DC=example".parse().unwrap();
        let err = Subject::from_name(&name).unwrap_err();
        assert_eq!(err.code(), "subject.invalid");
        assert!(
            err.to_string().contains("0.9.2342.19200300.100.1.25"),
            "{err}"
        );
        let multi: Name = "CN=a+O=b".parse().unwrap();
        assert!(
            Subject::from_name(&multi)
                .unwrap_err()
                .to_string()
                .contains("multi-valued")
        );
        let twice: Name = "CN=a,CN=b".parse().unwrap();
        assert_eq!(
            Subject::from_name(&twice).unwrap_err().code(),
            "subject.invalid"
        );
    }

    #[test]
    fn any_directory_string_type_is_read() {
        let bmp = Any::new(Tag::BmpString, vec![0x00, 0x42, 0x00, 0xE9]).unwrap();
        assert_eq!(any_to_string(&bmp).as_deref(), Some("Bé"));
        let t61 = Any::new(Tag::TeletexString, vec![0x42, 0xE9]).unwrap();
        assert_eq!(any_to_string(&t61).as_deref(), Some("Bé"));
        let odd = Any::new(Tag::BmpString, vec![0x00]).unwrap();
        assert_eq!(any_to_string(&odd), None);
        assert_eq!(
            any_to_string(&Any::new(Tag::OctetString, vec![1]).unwrap()),
            None
        );
    }

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

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn rsa_modulus_bits_reads_the_length() {
        // SEQUENCE { INTEGER 0x00FF.. (9 bits: 0x01 0xFF), INTEGER 3 }
        let der = [0x30, 0x07, 0x02, 0x02, 0x01, 0xFF, 0x02, 0x01, 0x03];
        assert_eq!(rsa_modulus_bits(&der), Some(9));
        assert_eq!(rsa_modulus_bits(&[0x30, 0x00]), None);
    }
}
