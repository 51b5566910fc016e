//! The timestamp authority (RFC 3161, with RFC 5816's ESSCertIDv2): reads a `TimeStampReq`,
//! and answers a `TimeStampResp` holding a token (CMS SignedData over a `TSTInfo`) or a
//! rejection with the RFC's `PKIFailureInfo`.
//!
//! Pure logic like the rest of [`crate::ca`]: the caller passes the time, the token's serial
//! number (from the store's counter, so unique across restarts and instances sharing the
//! store) and reads nothing here from the clock.
//!
//! - The TSA certificate is issued by the **root** ([`issue_tsa_certificate`]), not by the
//!   issuing CA: a token must verify for years after it was made, so the TSA hangs off the
//!   longest-lived key, apart from the issuing CA that signs holders' certificates daily;
//!   and a relying party that trusts the root needs no intermediate to check a token. Its
//!   extendedKeyUsage is id-kp-timeStamping only, critical (RFC 3161 section 2.3).
//! - Policy: [`TSA_POLICY`], RFC 7229's id-TEST-certPolicyThree: a **test** policy, as the
//!   built-in products use id-TEST-certPolicyOne/Two; an authority replaces it with its own.
//! - Time: the caller's clock (the portal's system clock, kept by NTP), to the second, with
//!   an accuracy of [`ACCURACY_SECS`] stated in every token.
//! - Imprints: SHA-256, SHA-384, SHA-512; anything else (SHA-1 included) is `badAlg`.
//!
//! The ASN.1 structures are declared here (der 0.8): the RustCrypto `x509-tsp` crate is still on
//! der 0.7; the CMS ones come from the `cms` crate.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, GeneralizedTime, Int, OctetString, SetOfVec, Uint};
use der::{Decode, Encode};
use kunci_core::Signer;
use rand_core::CryptoRng;
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::time::Validity;

use super::ocsp::check_key;
use super::{CLOCK_SKEW_SECS, CaKeys, issue, x509};
use crate::{Error, Result};

/// The TSA policy: RFC 7229's id-TEST-certPolicyThree, a test policy (see the module docs).
pub const TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.13.3");

/// The accuracy every token states: one second (genTime is truncated to the second; the
/// system clock is assumed NTP-disciplined to well under that).
pub const ACCURACY_SECS: u8 = 1;

/// id-kp-timeStamping.
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// The TSA certificate's life: 6 years (capped at the root's end).
pub const TSA_CERT_VALIDITY_SECS: i64 = (6 * 365 + 2) * 86_400;

/// The TSA key and certificate are replaced once fewer than 5 years of the certificate are
/// left: each key signs for about a year, and every token it signed still verifies for 5
/// years after (OpenSSL checks the TSA certificate at the time of verification).
pub const TSA_CERT_RENEW_BEFORE_SECS: i64 = (5 * 365 + 1) * 86_400;

const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

// ---- RFC 3161 structures ----

/// `TimeStampReq`.
#[derive(Clone, Debug, der::Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    extensions: Option<Vec<Extension>>,
}

/// `MessageImprint`.
#[derive(Clone, Debug, der::Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

/// `TimeStampResp`.
#[derive(Clone, Debug, der::Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<Any>,
}

/// `PKIStatusInfo`.
#[derive(Clone, Debug, der::Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

/// `TSTInfo` (ordering FALSE, the default, and so never written).
#[derive(Clone, Debug, der::Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Uint,
    gen_time: GeneralizedTime,
    accuracy: Accuracy,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
}

/// `Accuracy` (seconds only).
#[derive(Clone, Debug, der::Sequence)]
struct Accuracy {
    seconds: u8,
}

/// `SigningCertificateV2` (RFC 5035) with one `ESSCertIDv2` (SHA-256, the default, so its
/// algorithm is not written).
#[derive(Clone, Debug, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// `ESSCertIDv2`.
#[derive(Clone, Debug, der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

// ---- failures ----

/// The `PKIFailureInfo` bits kunci answers with (RFC 3161 section 2.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TsaFailure {
    /// badAlg (0): an imprint algorithm kunci does not take.
    BadAlg = 0,
    /// badRequest (2): not a request kunci takes (version, content type, size).
    BadRequest = 2,
    /// badDataFormat (5): not a `TimeStampReq`, or an imprint of the wrong length.
    BadDataFormat = 5,
    /// unacceptedPolicy (15): a policy other than [`TSA_POLICY`].
    UnacceptedPolicy = 15,
    /// unacceptedExtension (16): any request extension (kunci supports none).
    UnacceptedExtension = 16,
    /// systemFailure (25): the TSA failed (never for a client's fault).
    SystemFailure = 25,
}

impl TsaFailure {
    /// The RFC 3161 name (`badAlg`).
    pub fn as_str(self) -> &'static str {
        match self {
            TsaFailure::BadAlg => "badAlg",
            TsaFailure::BadRequest => "badRequest",
            TsaFailure::BadDataFormat => "badDataFormat",
            TsaFailure::UnacceptedPolicy => "unacceptedPolicy",
            TsaFailure::UnacceptedExtension => "unacceptedExtension",
            TsaFailure::SystemFailure => "systemFailure",
        }
    }

    /// The named bit as DER writes it: no trailing zero bits. (Never `None`: fewer than 8
    /// unused bits over a non-empty buffer is always a valid BIT STRING.)
    fn bits(self) -> Option<BitString> {
        let n = self as usize;
        let mut bytes = vec![0u8; n / 8 + 1];
        bytes[n / 8] = 0x80 >> (n % 8);
        BitString::new(u8::try_from(7 - n % 8).ok()?, bytes).ok()
    }
}

/// The `TimeStampResp` rejecting a request with `failure` (status rejection(2), the failure's
/// name as statusString). Built so that it cannot fail.
pub fn rejection(failure: TsaFailure) -> Vec<u8> {
    let resp = TimeStampResp {
        status: PkiStatusInfo {
            status: 2,
            status_string: Some(vec![failure.as_str().to_owned()]),
            fail_info: failure.bits(),
        },
        time_stamp_token: None,
    };
    // Cannot fail: a fixed, small structure of valid parts.
    resp.to_der().unwrap_or_default()
}

// ---- the authority ----

/// A request read and accepted.
#[derive(Debug)]
pub struct TsaQuery {
    imprint: MessageImprint,
    nonce: Option<Int>,
    cert_req: bool,
}

/// The timestamp authority: its certificate (issued by the root) and key.
pub struct TimeStampAuthority {
    cert_der: Vec<u8>,
    cert: Certificate,
    not_after: i64,
    signer: Box<dyn Signer + Send + Sync>,
}

impl core::fmt::Debug for TimeStampAuthority {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TimeStampAuthority")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl TimeStampAuthority {
    /// Puts a TSA to work: `cert` (DER or PEM) must be issued by the root `root_cert` (DER or
    /// PEM), carry id-kp-timeStamping as its only, critical extended key usage, and be the
    /// certificate of `signer`'s key.
    pub fn new(
        root_cert: &[u8],
        cert: &[u8],
        signer: Box<dyn Signer + Send + Sync>,
    ) -> Result<TimeStampAuthority> {
        let root_der = kunci_core::pem::der_or_pem(root_cert, &["CERTIFICATE"])?;
        let root = Certificate::from_der(&root_der).map_err(x509::encoding)?;
        let cert_der = kunci_core::pem::der_or_pem(cert, &["CERTIFICATE"])?;
        let parsed = Certificate::from_der(&cert_der)
            .map_err(|e| Error::CaInvalid(format!("the TSA certificate is unreadable: {e}")))?;
        let tbs = parsed.tbs_certificate();
        let root_tbs = root.tbs_certificate();
        if tbs.issuer() != root_tbs.subject()
            || !x509::verify_signed(&cert_der, root_tbs.subject_public_key_info())
        {
            return Err(Error::CaInvalid(
                "the TSA certificate was not issued by the root".into(),
            ));
        }
        let eku_ok = tbs
            .get_extension::<ExtendedKeyUsage>()
            .ok()
            .flatten()
            .is_some_and(|(critical, eku)| critical && eku.0 == [ID_KP_TIME_STAMPING]);
        if !eku_ok {
            return Err(Error::CaInvalid(
                "the TSA certificate needs a critical extendedKeyUsage of id-kp-timeStamping \
                 alone"
                    .into(),
            ));
        }
        check_key(signer.as_ref(), tbs.subject_public_key_info(), "TSA")?;
        Ok(TimeStampAuthority {
            not_after: x509::unix(&tbs.validity().not_after),
            cert: parsed,
            cert_der,
            signer,
        })
    }

    /// The TSA certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The end of the TSA certificate's validity (Unix seconds).
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// True once the certificate is in its last [`TSA_CERT_RENEW_BEFORE_SECS`] at `now`.
    pub fn renewal_due(&self, now: i64) -> bool {
        now.saturating_add(TSA_CERT_RENEW_BEFORE_SECS) >= self.not_after
    }

    /// Reads a `TimeStampReq` (DER); a refusal is the failure to answer with
    /// ([`rejection`]).
    pub fn read_request(&self, der: &[u8]) -> core::result::Result<TsaQuery, TsaFailure> {
        let req = TimeStampReq::from_der(der).map_err(|_| TsaFailure::BadDataFormat)?;
        if req.version != 1 {
            return Err(TsaFailure::BadRequest);
        }
        let alg = &req.message_imprint.hash_algorithm;
        let len = match alg.oid {
            SHA256 => 32,
            SHA384 => 48,
            SHA512 => 64,
            _ => return Err(TsaFailure::BadAlg),
        };
        if !alg.parameters.as_ref().is_none_or(|p| p.is_null()) {
            return Err(TsaFailure::BadAlg);
        }
        if req.message_imprint.hashed_message.as_bytes().len() != len {
            return Err(TsaFailure::BadDataFormat);
        }
        if req.req_policy.is_some_and(|p| p != TSA_POLICY) {
            return Err(TsaFailure::UnacceptedPolicy);
        }
        if req.extensions.is_some_and(|e| !e.is_empty()) {
            return Err(TsaFailure::UnacceptedExtension);
        }
        Ok(TsaQuery {
            imprint: req.message_imprint,
            nonce: req.nonce,
            cert_req: req.cert_req,
        })
    }

    /// The granted `TimeStampResp` for `query`: token number `serial` made at `now` (Unix
    /// seconds), with the TSA certificate in it when the request asked (certReq).
    pub fn respond(&self, query: &TsaQuery, serial: u64, now: i64) -> Result<Vec<u8>> {
        let gen_time = generalized(now)?;
        let tst = TstInfo {
            version: 1,
            policy: TSA_POLICY,
            message_imprint: query.imprint.clone(),
            serial_number: Uint::new(&serial.to_be_bytes()).map_err(x509::encoding)?,
            gen_time,
            accuracy: Accuracy {
                seconds: ACCURACY_SECS,
            },
            nonce: query.nonce.clone(),
        };
        let tst_der = tst.to_der().map_err(x509::encoding)?;
        let token = self.sign_token(&tst_der, gen_time, query.cert_req)?;
        let resp = TimeStampResp {
            status: PkiStatusInfo {
                status: 0,
                status_string: None,
                fail_info: None,
            },
            time_stamp_token: Some(Any::from_der(&token).map_err(x509::encoding)?),
        };
        resp.to_der().map_err(x509::encoding)
    }

    /// The token: CMS SignedData (v3) over `tst_der`, signed attributes contentType,
    /// signingTime, messageDigest and signingCertificateV2 (which RFC 3161 and OpenSSL require).
    fn sign_token(
        &self,
        tst_der: &[u8],
        time: GeneralizedTime,
        with_cert: bool,
    ) -> Result<Vec<u8>> {
        let enc = x509::encoding;
        let sha256 = AlgorithmIdentifierOwned {
            oid: SHA256,
            parameters: None,
        };
        let attribute = |oid: ObjectIdentifier, value: Any| -> Result<Attribute> {
            let mut values = SetOfVec::new();
            values.insert(value).map_err(enc)?;
            Ok(Attribute { oid, values })
        };
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(sha2::Sha256::digest(&self.cert_der).to_vec())
                    .map_err(enc)?,
            }],
        };
        let mut signed_attrs = SetOfVec::new();
        for attr in [
            attribute(ID_CONTENT_TYPE, any(&ID_CT_TST_INFO)?)?,
            attribute(
                ID_SIGNING_TIME,
                any(&x509_cert::time::Time::GeneralTime(time))?,
            )?,
            attribute(
                ID_MESSAGE_DIGEST,
                any(&OctetString::new(sha2::Sha256::digest(tst_der).to_vec()).map_err(enc)?)?,
            )?,
            attribute(ID_SIGNING_CERTIFICATE_V2, any(&ess)?)?,
        ] {
            signed_attrs.insert(attr).map_err(enc)?;
        }
        let signature = self.signer.sign(&signed_attrs.to_der().map_err(enc)?)?;
        let tbs = self.cert.tbs_certificate();
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer().clone(),
                serial_number: tbs.serial_number().clone(),
            }),
            digest_alg: sha256.clone(),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: self.signer.signature_algorithm().algorithm_identifier(),
            signature: OctetString::new(signature).map_err(enc)?,
            unsigned_attrs: None,
        };
        let mut digest_algorithms = SetOfVec::new();
        digest_algorithms.insert(sha256).map_err(enc)?;
        let mut infos = SetOfVec::new();
        infos.insert(signer_info).map_err(enc)?;
        let certificates = if with_cert {
            let mut set = SetOfVec::new();
            set.insert(CertificateChoices::Certificate(self.cert.clone()))
                .map_err(enc)?;
            Some(CertificateSet(set))
        } else {
            None
        };
        let signed = SignedData {
            // v3: the encapsulated content is not id-data (RFC 5652 section 5.1).
            version: CmsVersion::V3,
            digest_algorithms,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_CT_TST_INFO,
                econtent: Some(any(&OctetString::new(tst_der).map_err(enc)?)?),
            },
            certificates,
            crls: None,
            signer_infos: SignerInfos(infos),
        };
        ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: any(&signed)?,
        }
        .to_der()
        .map_err(enc)
    }
}

/// A TSA certificate for `spki`, issued by `root` at `now`: [`TSA_CERT_VALIDITY_SECS`]
/// (capped at the root's end), extendedKeyUsage id-kp-timeStamping alone and critical,
/// keyUsage digitalSignature + nonRepudiation (critical), basicConstraints CA:FALSE, key
/// identifiers. Subject: `CN=<organization> Time Stamping Authority` with the root's O and C.
pub fn issue_tsa_certificate<R: CryptoRng + ?Sized>(
    root: &CaKeys,
    spki: SubjectPublicKeyInfoOwned,
    now: i64,
    rng: &mut R,
) -> Result<Vec<u8>> {
    let root_cert = Certificate::from_der(root.cert_der()).map_err(x509::encoding)?;
    let root_tbs = root_cert.tbs_certificate();
    let root_start = x509::unix(&root_tbs.validity().not_before);
    let root_end = x509::unix(&root_tbs.validity().not_after);
    if now < root_start || now >= root_end {
        return Err(Error::CaExpired);
    }
    let octets = |b: Vec<u8>| OctetString::new(b).map_err(x509::encoding);
    let root_ski = x509::key_identifier(root_tbs.subject_public_key_info());
    let extensions = vec![
        x509::extension(
            &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            true,
        )?,
        x509::extension(&ExtendedKeyUsage(vec![ID_KP_TIME_STAMPING]), true)?,
        x509::extension(
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
            true,
        )?,
        x509::extension(
            &SubjectKeyIdentifier(octets(x509::key_identifier(&spki))?),
            false,
        )?,
        x509::extension(
            &AuthorityKeyIdentifier {
                key_identifier: Some(octets(root_ski)?),
                ..Default::default()
            },
            false,
        )?,
    ];
    let (serial_number, _) = issue::serial(rng)?;
    let key: &super::CaKey = root.signer();
    let tbs = x509::TbsCertificate {
        version: Version::V3,
        serial_number,
        signature: key.signature_algorithm().algorithm_identifier(),
        issuer: root_tbs.subject().clone(),
        validity: Validity::new(
            x509::time(now.saturating_sub(CLOCK_SKEW_SECS).max(root_start))?,
            x509::time(now.saturating_add(TSA_CERT_VALIDITY_SECS).min(root_end))?,
        ),
        subject: x509::role_name(root_tbs.subject(), "Time Stamping Authority")?,
        subject_public_key_info: spki,
        extensions,
    };
    x509::sign_certificate(&tbs, key)
}

/// `v` re-read as an `Any` (to sit in an attribute value or a CHOICE-free content field).
fn any<T: Encode>(v: &T) -> Result<Any> {
    Any::from_der(&v.to_der().map_err(x509::encoding)?).map_err(x509::encoding)
}

/// A Unix time as a GeneralizedTime.
fn generalized(unix: i64) -> Result<GeneralizedTime> {
    let secs = u64::try_from(unix).map_err(|_| Error::CaTime(format!("{unix} is before 1970")))?;
    GeneralizedTime::from_unix_duration(core::time::Duration::from_secs(secs))
        .map_err(|_| Error::CaTime(format!("{unix} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_bits_are_named_bits_without_trailing_zeros() {
        let b = TsaFailure::BadAlg.bits().unwrap();
        assert_eq!((b.unused_bits(), b.raw_bytes()), (7, &[0x80][..]));
        let b = TsaFailure::BadDataFormat.bits().unwrap();
        assert_eq!((b.unused_bits(), b.raw_bytes()), (2, &[0x04][..]));
        let b = TsaFailure::UnacceptedPolicy.bits().unwrap();
        assert_eq!((b.unused_bits(), b.raw_bytes()), (0, &[0x00, 0x01][..]));
    }

    #[test]
    fn rejections_decode() {
        for f in [TsaFailure::BadAlg, TsaFailure::UnacceptedExtension] {
            let resp = TimeStampResp::from_der(&rejection(f)).unwrap();
            assert_eq!(resp.status.status, 2);
            assert_eq!(resp.status.fail_info, f.bits());
            assert!(resp.time_stamp_token.is_none());
        }
    }
}
