//! X.509 certificates: reading one (or a PEM bundle) and reporting what a holder and the
//! portal need to see, and telling whether a certificate belongs to a key pair.
//!
//! [`parse`] gives a [`CertificateInfo`]: serial, subject and issuer as RFC 4514 text, validity
//! (reported, never judged: the core has no clock; see [`CertificateInfo::is_valid_at`]), key
//! kind, signature algorithm, SHA-256 fingerprint, key usage, extended key usage, subject
//! alternative names and the CA flag. Signatures and chains are not verified here.

use core::fmt::Write as _;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use serde::Serialize;
use sha2::Digest;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};

use crate::key::{KeyKind, KeyPair};
use crate::x509text::{format_name, hex_lower, signature_algorithm_name};
use crate::{Error, Result};

const LABELS: [&str; 2] = ["CERTIFICATE", "X509 CERTIFICATE"];

/// What a certificate says, in readable form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// Serial number, lowercase hex without a leading `00` (`openssl x509 -serial` prints it
    /// upper-case).
    pub serial: String,
    /// Subject as RFC 4514 text, most specific first, UTF-8 kept (OpenSSL's
    /// `-nameopt RFC2253,-esc_msb`).
    pub subject: String,
    /// Issuer, formatted like [`CertificateInfo::subject`].
    pub issuer: String,
    /// Start of validity, RFC 3339 UTC (`2026-11-26T03:00:00Z`).
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before_unix: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after_unix: i64,
    /// The subject public key's kind when kunci uses such keys (RSA 2048-8192, P-256); `None`
    /// for others (a P-384 root, an Ed25519 key), which are still described in `key_algorithm`.
    pub key: Option<KeyKind>,
    /// The subject public key in words, for any key (`RSA 2048`, `EC P-384`, `Ed25519`).
    pub key_algorithm: String,
    /// The signature algorithm's name (`sha256WithRSAEncryption`, ...) or dotted OID.
    pub signature_algorithm: String,
    /// SHA-256 of the DER, upper-case hex pairs joined by `:` (as `openssl x509 -fingerprint`).
    pub sha256_fingerprint: String,
    /// Key usage bits by their RFC 5280 names (`digitalSignature`, `nonRepudiation`, ...).
    pub key_usage: Vec<String>,
    /// Extended key usages by name for known purposes, dotted OID otherwise.
    pub extended_key_usage: Vec<String>,
    /// Subject alternative names as `email:`, `dns:`, `uri:`, `ip:`, `dirName:`, `rid:` or
    /// `otherName:` followed by the value.
    pub subject_alt_names: Vec<String>,
    /// True when basicConstraints says this is a CA certificate.
    pub is_ca: bool,
    /// The certificate's DER.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// The subject public key as a DER `SubjectPublicKeyInfo`.
    #[serde(skip)]
    pub public_key_der: Vec<u8>,
}

impl CertificateInfo {
    /// True when `key`'s public half is this certificate's subject public key.
    pub fn matches_key(&self, key: &KeyPair) -> bool {
        key.matches_public_key(&self.public_key_der)
    }

    /// True when `unix` (seconds since the epoch) lies within the validity period, both ends
    /// included (RFC 5280 section 4.1.2.5).
    pub fn is_valid_at(&self, unix: i64) -> bool {
        self.not_before_unix <= unix && unix <= self.not_after_unix
    }
}

/// Parses the first certificate in `input` (DER, or PEM labelled `CERTIFICATE`).
pub fn parse(input: &[u8]) -> Result<CertificateInfo> {
    let der = crate::pem::der_or_pem(input, &LABELS)?;
    info_from_der(der)
}

/// Every certificate in `input` as DER: all `CERTIFICATE` blocks of a PEM bundle, or the one
/// DER certificate. Each must parse as X.509; an input with none is an error.
pub fn read_all_der(input: &[u8]) -> Result<Vec<Vec<u8>>> {
    let ders = if crate::pem::is_pem(input) {
        crate::pem::decode_all(input)?
            .into_iter()
            .filter(|(label, _)| LABELS.contains(&label.as_str()))
            .map(|(_, der)| der)
            .collect()
    } else {
        crate::check_input_len(input)?;
        vec![input.to_vec()]
    };
    if ders.is_empty() {
        return Err(Error::CertMalformed(
            "no certificate found in the input".into(),
        ));
    }
    for der in &ders {
        Certificate::from_der(der).map_err(|e| Error::CertMalformed(e.to_string()))?;
    }
    Ok(ders)
}

/// Parses `cert_input` and checks that its public key is `key`'s
/// ([`Error::CertKeyMismatch`] otherwise).
pub fn check_key(cert_input: &[u8], key: &KeyPair) -> Result<()> {
    if parse(cert_input)?.matches_key(key) {
        Ok(())
    } else {
        Err(Error::CertKeyMismatch)
    }
}

fn info_from_der(der: Vec<u8>) -> Result<CertificateInfo> {
    let malformed = |e: der::Error| Error::CertMalformed(e.to_string());
    let cert = Certificate::from_der(&der).map_err(malformed)?;
    let tbs = cert.tbs_certificate();

    let serial = serial_hex(tbs.serial_number().as_bytes());
    let validity = tbs.validity();
    let (not_before, not_before_unix) = time_fields(&validity.not_before);
    let (not_after, not_after_unix) = time_fields(&validity.not_after);
    let public_key_der = tbs.subject_public_key_info().to_der().map_err(malformed)?;
    // A chain may hold keys kunci never makes (a P-384 root): describe them, do not fail.
    let key = match KeyKind::from_spki_der(&public_key_der) {
        Ok(kind) => Some(kind),
        Err(Error::UnsupportedKey(_)) => None,
        Err(e) => return Err(e),
    };
    let key_algorithm = crate::key::describe_spki(&public_key_der);

    let mut key_usage = Vec::new();
    if let Some((_, ku)) = tbs.get_extension::<KeyUsage>().map_err(malformed)? {
        let bits = [
            (ku.digital_signature(), "digitalSignature"),
            (ku.non_repudiation(), "nonRepudiation"),
            (ku.key_encipherment(), "keyEncipherment"),
            (ku.data_encipherment(), "dataEncipherment"),
            (ku.key_agreement(), "keyAgreement"),
            (ku.key_cert_sign(), "keyCertSign"),
            (ku.crl_sign(), "cRLSign"),
            (ku.encipher_only(), "encipherOnly"),
            (ku.decipher_only(), "decipherOnly"),
        ];
        key_usage = bits
            .iter()
            .filter(|(set, _)| *set)
            .map(|(_, n)| (*n).to_owned())
            .collect();
    }
    let extended_key_usage = match tbs.get_extension::<ExtendedKeyUsage>().map_err(malformed)? {
        Some((_, eku)) => eku.0.iter().map(eku_name).collect(),
        None => Vec::new(),
    };
    let subject_alt_names = match tbs.get_extension::<SubjectAltName>().map_err(malformed)? {
        Some((_, san)) => san.0.iter().map(general_name).collect(),
        None => Vec::new(),
    };
    let is_ca = tbs
        .get_extension::<BasicConstraints>()
        .map_err(malformed)?
        .is_some_and(|(_, bc)| bc.ca);

    Ok(CertificateInfo {
        serial,
        subject: format_name(tbs.subject()),
        issuer: format_name(tbs.issuer()),
        not_before,
        not_after,
        not_before_unix,
        not_after_unix,
        key,
        key_algorithm,
        signature_algorithm: signature_algorithm_name(&cert.signature_algorithm().oid),
        sha256_fingerprint: fingerprint(&der),
        key_usage,
        extended_key_usage,
        subject_alt_names,
        is_ca,
        public_key_der,
        der,
    })
}

/// Hex of a serial's DER integer bytes without the sign-padding zero bytes (`00` stays `00`).
fn serial_hex(bytes: &[u8]) -> String {
    let mut b = bytes;
    while b.len() > 1 && b[0] == 0 {
        b = &b[1..];
    }
    hex_lower(b)
}

fn time_fields(t: &x509_cert::time::Time) -> (String, i64) {
    let dt = t.to_date_time();
    let text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minutes(),
        dt.seconds()
    );
    // DateTime stops at 9999-12-31, far inside i64 seconds.
    let unix = i64::try_from(dt.unix_duration().as_secs()).unwrap_or(i64::MAX);
    (text, unix)
}

fn fingerprint(der: &[u8]) -> String {
    let digest = sha2::Sha256::digest(der);
    let mut s = String::with_capacity(digest.len() * 3);
    for (i, b) in digest.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02X}");
    }
    s
}

fn eku_name(oid: &ObjectIdentifier) -> String {
    let name = match oid.to_string().as_str() {
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        "1.3.6.1.5.5.7.3.36" => "documentSigning",
        "2.5.29.37.0" => "anyExtendedKeyUsage",
        "1.3.6.1.4.1.311.10.3.12" => "msDocumentSigning",
        "1.3.6.1.4.1.311.20.2.2" => "msSmartcardLogin",
        "1.2.840.113583.1.1.5" => "adobeAuthenticDocumentsTrust",
        other => return other.to_owned(),
    };
    name.to_owned()
}

fn general_name(name: &GeneralName) -> String {
    match name {
        GeneralName::Rfc822Name(s) => format!("email:{s}"),
        GeneralName::DnsName(s) => format!("dns:{s}"),
        GeneralName::UniformResourceIdentifier(s) => format!("uri:{s}"),
        GeneralName::IpAddress(o) => {
            let b = o.as_bytes();
            let ip = <[u8; 4]>::try_from(b)
                .map(|a| core::net::IpAddr::from(a).to_string())
                .or_else(|_| {
                    <[u8; 16]>::try_from(b).map(|a| core::net::IpAddr::from(a).to_string())
                })
                .unwrap_or_else(|_| hex_lower(b));
            format!("ip:{ip}")
        }
        GeneralName::DirectoryName(n) => format!("dirName:{}", format_name(n)),
        GeneralName::RegisteredId(oid) => format!("rid:{oid}"),
        GeneralName::OtherName(o) => format!("otherName:{}", o.type_id),
        GeneralName::EdiPartyName(_) => "ediPartyName".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_drops_sign_padding_only() {
        assert_eq!(serial_hex(&[0x00, 0x9a, 0x01]), "9a01");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0x12, 0x00]), "1200");
    }

    #[test]
    fn fingerprint_is_upper_hex_with_colons() {
        let fp = fingerprint(b"");
        assert!(fp.starts_with("E3:B0:C4:42:98:FC:1C:14"), "{fp}");
        assert_eq!(fp.len(), 32 * 3 - 1);
    }

    #[test]
    fn known_purposes_are_named_and_others_stay_dotted() {
        let doc = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.36");
        assert_eq!(eku_name(&doc), "documentSigning");
        let other = ObjectIdentifier::new_unwrap("1.2.3.4");
        assert_eq!(eku_name(&other), "1.2.3.4");
    }

    #[test]
    fn garbage_empty_and_wrong_pem_are_refused() {
        assert_eq!(parse(b"").unwrap_err().code(), "input.empty");
        assert_eq!(
            parse(&[0x30, 0x03, 1, 2, 3]).unwrap_err().code(),
            "cert.malformed"
        );
        let pem = crate::pem::encode("CERTIFICATE REQUEST", &[0x30, 0x00]);
        assert_eq!(parse(pem.as_bytes()).unwrap_err().code(), "input.bad_pem");
        assert_eq!(
            read_all_der(b"hello -----BEGIN X-----\nMAA=\n-----END X-----\n")
                .unwrap_err()
                .code(),
            "cert.malformed"
        );
    }
}
