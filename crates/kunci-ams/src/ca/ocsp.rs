//! The OCSP responder (RFC 6960, with RFC 5019's profile for the HTTP side): reads an
//! `OCSPRequest`, says which of its certificates are this CA's, and signs a
//! `BasicOCSPResponse` with a delegated OCSP signing certificate.
//!
//! Pure logic like the rest of [`crate::ca`]: the caller (`http::pki`) looks each serial up in
//! the store between [`OcspResponder::read_request`] and [`OcspResponder::respond`], so every
//! answer is the store's state at that moment (nothing is cached: a revocation shows in the
//! next answer). The signer is a delegated responder certificate issued by the issuing CA
//! ([`Authority::issue_ocsp_certificate`]): extendedKeyUsage id-kp-OCSPSigning, and
//! id-pkix-ocsp-nocheck, so that clients do not ask about the responder's own status (RFC 6960
//! section 4.2.2.2.1); its short life (90 days, renewed 30 days before its end by
//! `setup::open_or_create_responders` at start and `Portal::renew_ocsp_if_due` every hour) is
//! what bounds a leak of its key.
//!
//! The ASN.1 structures are declared here (der 0.8): the RustCrypto `x509-ocsp` crate is still
//! on der 0.7 / x509-cert 0.2, whose types are not the workspace's.
//!
//! What a request gets (the HTTP status is 200 for all of them, RFC 6960 appendix A):
//! - undecodable DER, no request in the list, more than [`MAX_REQUESTS`], a malformed nonce:
//!   `malformedRequest`, nothing signed;
//! - a CertID whose hash algorithm is not SHA-1/256/384/512, or whose issuer name or key hash
//!   is not this issuing CA's: `unauthorized` (section 2.3: the responder cannot answer
//!   authoritatively for that issuer), nothing signed;
//! - otherwise a signed `successful` answer with, per certificate, good / revoked (time and
//!   reason) / unknown (a serial this CA never issued), and the request's nonce echoed.

use std::sync::Arc;

use const_oid::ObjectIdentifier;
use der::asn1::{BitString, GeneralizedTime, Null, OctetString};
use der::{Decode, Encode};
use kunci_core::Signer;
use rand_core::CryptoRng;
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use super::crl::RevocationReason;
use super::{Authority, CLOCK_SKEW_SECS, issue, x509};
use crate::{Error, Result};

/// id-pkix-ocsp-basic: the only response type kunci writes.
const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce.
const ID_PKIX_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-pkix-ocsp-nocheck: the responder certificate's status need not be checked.
const ID_PKIX_OCSP_NOCHECK: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");
/// id-kp-OCSPSigning.
pub const ID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");

const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// The most certificates one request may ask about: clients ask about one (RFC 5019 section
/// 2.1.1 lets a responder take only one); a few more are allowed, a flood is malformed.
pub const MAX_REQUESTS: usize = 16;

/// The longest nonce accepted: 32 bytes (RFC 8954 section 2.1).
pub const MAX_NONCE_LEN: usize = 32;

/// The responder certificate's life: 90 days. With id-pkix-ocsp-nocheck nobody checks its
/// revocation, so its expiry is what ends a stolen key's use.
pub const OCSP_CERT_VALIDITY_SECS: i64 = 90 * 86_400;

/// The responder certificate is renewed (same key, new certificate) once fewer than 30 days
/// of it are left.
pub const OCSP_CERT_RENEW_BEFORE_SECS: i64 = 30 * 86_400;

// ---- RFC 6960 structures ----

/// `OCSPRequest`.
#[derive(Clone, Debug, der::Sequence)]
struct OcspRequest {
    tbs_request: TbsRequest,
    // Read and ignored: kunci answers anyone (RFC 6960 section 4.1.2 makes signing optional).
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    optional_signature: Option<der::Any>,
}

/// `TBSRequest`.
#[derive(Clone, Debug, der::Sequence)]
struct TbsRequest {
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    version: u8,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    requestor_name: Option<GeneralName>,
    request_list: Vec<SingleRequest>,
    #[asn1(context_specific = "2", optional = "true", tag_mode = "EXPLICIT")]
    request_extensions: Option<Vec<Extension>>,
}

/// `Request`.
#[derive(Clone, Debug, der::Sequence)]
struct SingleRequest {
    req_cert: CertId,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    single_request_extensions: Option<Vec<Extension>>,
}

/// `CertID`: which certificate, by its issuer's name and key hashes and its serial.
#[derive(Clone, Debug, PartialEq, Eq, der::Sequence)]
struct CertId {
    hash_algorithm: AlgorithmIdentifierOwned,
    issuer_name_hash: OctetString,
    issuer_key_hash: OctetString,
    serial_number: SerialNumber,
}

/// `OCSPResponseStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, der::Enumerated)]
#[repr(u32)]
pub enum OcspStatus {
    /// successful (0).
    Successful = 0,
    /// malformedRequest (1): the request is not an OCSP request kunci can read.
    MalformedRequest = 1,
    /// internalError (2): the responder failed (never for a client's fault).
    InternalError = 2,
    /// tryLater (3).
    TryLater = 3,
    /// sigRequired (5).
    SigRequired = 5,
    /// unauthorized (6): a certificate of another issuer, or a hash kunci cannot match.
    Unauthorized = 6,
}

/// `OCSPResponse`.
#[derive(Clone, Debug, der::Sequence)]
struct OcspResponse {
    response_status: OcspStatus,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    response_bytes: Option<ResponseBytes>,
}

/// `ResponseBytes`.
#[derive(Clone, Debug, der::Sequence)]
struct ResponseBytes {
    response_type: ObjectIdentifier,
    response: OctetString,
}

/// `BasicOCSPResponse`.
#[derive(Clone, Debug, der::Sequence)]
struct BasicOcspResponse {
    tbs_response_data: der::Any,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    certs: Option<Vec<Certificate>>,
}

/// `ResponseData` (version v1 is the default and so never written).
#[derive(Clone, Debug, der::Sequence)]
struct ResponseData {
    responder_id: ResponderId,
    produced_at: GeneralizedTime,
    responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    response_extensions: Option<Vec<Extension>>,
}

/// `ResponderID`: kunci names its responder by name.
#[derive(Clone, Debug, der::Choice)]
enum ResponderId {
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Name),
}

/// `SingleResponse` (no nextUpdate: every answer is made from the store as it is, so newer
/// information is always available, RFC 6960 section 4.2.2.1).
#[derive(Clone, Debug, der::Sequence)]
struct SingleResponse {
    cert_id: CertId,
    cert_status: CertStatus,
    this_update: GeneralizedTime,
}

/// `CertStatus`.
#[derive(Clone, Debug, der::Choice)]
enum CertStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// `RevokedInfo`.
#[derive(Clone, Debug, der::Sequence)]
struct RevokedInfo {
    revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    revocation_reason: Option<CrlReason>,
}

// ---- the responder ----

/// What the store says about one serial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertState {
    /// Issued by this CA and not revoked.
    Good,
    /// Revoked at `at` (Unix seconds) for `reason`.
    Revoked {
        /// When, Unix seconds.
        at: i64,
        /// Why.
        reason: RevocationReason,
    },
    /// Not a certificate of this CA.
    Unknown,
}

/// A request read and found to be about this CA's certificates.
#[derive(Debug)]
pub struct OcspQuery {
    cert_ids: Vec<CertId>,
    serials: Vec<Option<String>>,
    nonce: Option<Extension>,
}

impl OcspQuery {
    /// The serial of each certificate asked about, in the form the store keeps (32 lowercase
    /// hex digits), or `None` for a serial this CA cannot have issued (not 16 bytes): that one
    /// is `unknown` without a lookup.
    pub fn serials(&self) -> &[Option<String>] {
        &self.serials
    }
}

/// The issuing CA's name and key hashes under one hash algorithm.
#[derive(Debug)]
struct IssuerHashes {
    algorithm: ObjectIdentifier,
    name: Vec<u8>,
    key: Vec<u8>,
}

/// The delegated OCSP responder of the issuing CA: its certificate, its key and the issuing
/// CA's CertID hashes.
pub struct OcspResponder {
    cert_der: Vec<u8>,
    cert: Certificate,
    not_after: i64,
    signer: Arc<dyn Signer + Send + Sync>,
    issuer: Vec<IssuerHashes>,
}

impl core::fmt::Debug for OcspResponder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OcspResponder")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl OcspResponder {
    /// Puts a responder to work: `cert` (DER or PEM) must be an OCSP signing certificate
    /// issued by `authority`'s issuing CA for `signer`'s key.
    pub fn new(
        authority: &Authority,
        cert: &[u8],
        signer: Arc<dyn Signer + Send + Sync>,
    ) -> Result<OcspResponder> {
        let cert_der = kunci_core::pem::der_or_pem(cert, &["CERTIFICATE"])?;
        let parsed = Certificate::from_der(&cert_der)
            .map_err(|e| Error::CaInvalid(format!("the OCSP certificate is unreadable: {e}")))?;
        let issuing =
            Certificate::from_der(authority.issuing_cert_der()).map_err(x509::encoding)?;
        let issuing_tbs = issuing.tbs_certificate();
        let tbs = parsed.tbs_certificate();
        if tbs.issuer() != issuing_tbs.subject()
            || !x509::verify_signed(&cert_der, issuing_tbs.subject_public_key_info())
        {
            return Err(Error::CaInvalid(
                "the OCSP certificate was not issued by the issuing CA".into(),
            ));
        }
        let eku_ok = tbs
            .get_extension::<ExtendedKeyUsage>()
            .ok()
            .flatten()
            .is_some_and(|(_, eku)| eku.0.contains(&ID_KP_OCSP_SIGNING));
        if !eku_ok {
            return Err(Error::CaInvalid(
                "the OCSP certificate lacks id-kp-OCSPSigning".into(),
            ));
        }
        check_key(signer.as_ref(), tbs.subject_public_key_info(), "OCSP")?;
        let name_der = issuing_tbs.subject().to_der().map_err(x509::encoding)?;
        let key_bits = issuing_tbs
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        let issuer = [SHA1, SHA256, SHA384, SHA512]
            .into_iter()
            .filter_map(|algorithm| {
                Some(IssuerHashes {
                    algorithm,
                    name: digest(&algorithm, &name_der)?,
                    key: digest(&algorithm, key_bits)?,
                })
            })
            .collect();
        Ok(OcspResponder {
            not_after: x509::unix(&tbs.validity().not_after),
            cert: parsed,
            cert_der,
            signer,
            issuer,
        })
    }

    /// The responder certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The end of the responder certificate's validity (Unix seconds).
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// True once the certificate is in its last [`OCSP_CERT_RENEW_BEFORE_SECS`] at `now`.
    pub fn renewal_due(&self, now: i64) -> bool {
        now.saturating_add(OCSP_CERT_RENEW_BEFORE_SECS) >= self.not_after
    }

    /// The same responder with `cert` (a renewal for the same key) in place of its
    /// certificate.
    pub fn with_certificate(&self, authority: &Authority, cert: &[u8]) -> Result<OcspResponder> {
        OcspResponder::new(authority, cert, Arc::clone(&self.signer))
    }

    /// A new certificate for this responder's key from `authority` at `now`.
    pub fn renew<R: CryptoRng + ?Sized>(
        &self,
        authority: &Authority,
        now: i64,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let spki = self
            .cert
            .tbs_certificate()
            .subject_public_key_info()
            .clone();
        authority.issue_ocsp_certificate(spki, now, rng)
    }

    /// Reads an `OCSPRequest` (DER). The refusals are the `OCSPResponseStatus` to answer
    /// with ([`error_response`]): `malformedRequest` or `unauthorized` (see the module docs).
    pub fn read_request(&self, der: &[u8]) -> core::result::Result<OcspQuery, OcspStatus> {
        let request = OcspRequest::from_der(der).map_err(|_| OcspStatus::MalformedRequest)?;
        let tbs = request.tbs_request;
        // v1 is the only version; DER omits the default, so any value read is not v1.
        if tbs.version != 0 || tbs.request_list.is_empty() || tbs.request_list.len() > MAX_REQUESTS
        {
            return Err(OcspStatus::MalformedRequest);
        }
        let nonce = match tbs
            .request_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == ID_PKIX_OCSP_NONCE)
        {
            None => None,
            Some(ext) => {
                // RFC 8954: the extension's value is an OCTET STRING of 1 to 32 bytes.
                let inner = OctetString::from_der(ext.extn_value.as_bytes())
                    .map_err(|_| OcspStatus::MalformedRequest)?;
                if inner.as_bytes().is_empty() || inner.as_bytes().len() > MAX_NONCE_LEN {
                    return Err(OcspStatus::MalformedRequest);
                }
                Some(Extension {
                    extn_id: ID_PKIX_OCSP_NONCE,
                    critical: false,
                    extn_value: ext.extn_value.clone(),
                })
            }
        };
        let mut cert_ids = Vec::with_capacity(tbs.request_list.len());
        let mut serials = Vec::with_capacity(tbs.request_list.len());
        for single in tbs.request_list {
            let id = single.req_cert;
            if !self.is_issuer(&id) {
                return Err(OcspStatus::Unauthorized);
            }
            let bytes = id.serial_number.as_bytes();
            serials.push((bytes.len() == issue::SERIAL_LEN).then(|| hex::encode(bytes)));
            cert_ids.push(id);
        }
        Ok(OcspQuery {
            cert_ids,
            serials,
            nonce,
        })
    }

    /// True when `id` names the issuing CA under a hash algorithm kunci knows (parameters
    /// absent or NULL, as both forms are seen).
    fn is_issuer(&self, id: &CertId) -> bool {
        let params_ok = id
            .hash_algorithm
            .parameters
            .as_ref()
            .is_none_or(|p| p.is_null());
        params_ok
            && self.issuer.iter().any(|h| {
                h.algorithm == id.hash_algorithm.oid
                    && h.name == id.issuer_name_hash.as_bytes()
                    && h.key == id.issuer_key_hash.as_bytes()
            })
    }

    /// The signed `successful` answer to `query`, one status per certificate in `states`
    /// (same order as [`OcspQuery::serials`]), produced at `now`.
    pub fn respond(&self, query: &OcspQuery, states: &[CertState], now: i64) -> Result<Vec<u8>> {
        if states.len() != query.cert_ids.len() {
            return Err(Error::CaInvalid(
                "one OCSP status per certificate asked about".into(),
            ));
        }
        let now_time = generalized(now)?;
        let mut responses = Vec::with_capacity(states.len());
        for (id, state) in query.cert_ids.iter().zip(states) {
            let cert_status = match *state {
                CertState::Good => CertStatus::Good(Null),
                CertState::Unknown => CertStatus::Unknown(Null),
                CertState::Revoked { at, reason } => CertStatus::Revoked(RevokedInfo {
                    revocation_time: generalized(at)?,
                    // Like the CRL: unspecified is written as no reason (RFC 5280 5.3.1).
                    revocation_reason: (reason != RevocationReason::Unspecified)
                        .then(|| reason.rfc()),
                }),
            };
            responses.push(SingleResponse {
                cert_id: id.clone(),
                cert_status,
                this_update: now_time,
            });
        }
        let data = ResponseData {
            responder_id: ResponderId::ByName(self.cert.tbs_certificate().subject().clone()),
            produced_at: now_time,
            responses,
            response_extensions: query.nonce.clone().map(|n| vec![n]),
        };
        let tbs = data.to_der().map_err(x509::encoding)?;
        let signature = self.signer.sign(&tbs)?;
        let basic = BasicOcspResponse {
            tbs_response_data: der::Any::from_der(&tbs).map_err(x509::encoding)?,
            signature_algorithm: self.signer.signature_algorithm().algorithm_identifier(),
            signature: BitString::from_bytes(&signature).map_err(x509::encoding)?,
            certs: Some(vec![self.cert.clone()]),
        };
        let response = OcspResponse {
            response_status: OcspStatus::Successful,
            response_bytes: Some(ResponseBytes {
                response_type: ID_PKIX_OCSP_BASIC,
                response: OctetString::new(basic.to_der().map_err(x509::encoding)?)
                    .map_err(x509::encoding)?,
            }),
        };
        response.to_der().map_err(x509::encoding)
    }
}

/// An unsigned `OCSPResponse` with an error status (RFC 6960 section 2.3: no responseBytes).
pub fn error_response(status: OcspStatus) -> Vec<u8> {
    // The three bytes of an enumerated status in a sequence; built by hand so that this path
    // cannot fail: 30 03 0A 01 <status>.
    vec![0x30, 0x03, 0x0a, 0x01, status as u8]
}

impl Authority {
    /// A delegated OCSP signing certificate for `spki`, issued by the issuing CA at `now`:
    /// [`OCSP_CERT_VALIDITY_SECS`] (capped at the issuing CA's end), keyUsage digitalSignature
    /// (critical), extendedKeyUsage id-kp-OCSPSigning, id-pkix-ocsp-nocheck, basicConstraints
    /// CA:FALSE, key identifiers. Subject: `CN=<organization> OCSP Responder` with the issuing
    /// CA's O and C.
    pub fn issue_ocsp_certificate<R: CryptoRng + ?Sized>(
        &self,
        spki: SubjectPublicKeyInfoOwned,
        now: i64,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let subject = self.derived_name("OCSP Responder")?;
        let octets = |b: Vec<u8>| OctetString::new(b).map_err(x509::encoding);
        let extensions = vec![
            x509::extension(&KeyUsage(KeyUsages::DigitalSignature.into()), true)?,
            x509::extension(&ExtendedKeyUsage(vec![ID_KP_OCSP_SIGNING]), false)?,
            Extension {
                extn_id: ID_PKIX_OCSP_NOCHECK,
                critical: false,
                extn_value: octets(Null.to_der().map_err(x509::encoding)?)?,
            },
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
                    key_identifier: Some(octets(self.issuing_ski.clone())?),
                    ..Default::default()
                },
                false,
            )?,
        ];
        if now < self.issuing_not_before || now >= self.issuing_not_after {
            return Err(Error::CaExpired);
        }
        let (serial_number, _) = issue::serial(rng)?;
        let tbs = x509::TbsCertificate {
            version: Version::V3,
            serial_number,
            signature: self.signer.signature_algorithm().algorithm_identifier(),
            issuer: self.issuing_name.clone(),
            validity: Validity::new(
                x509::time(
                    now.saturating_sub(CLOCK_SKEW_SECS)
                        .max(self.issuing_not_before),
                )?,
                x509::time(
                    now.saturating_add(OCSP_CERT_VALIDITY_SECS)
                        .min(self.issuing_not_after),
                )?,
            ),
            subject,
            subject_public_key_info: spki,
            extensions,
        };
        x509::sign_certificate(&tbs, self.signer.as_ref())
    }

    /// `CN=<organization> <role>` with the issuing CA's O and C.
    fn derived_name(&self, role: &str) -> Result<Name> {
        x509::role_name(&self.issuing_name, role)
    }
}

/// Refuses a signer whose public key is not `spki`.
pub(crate) fn check_key(
    signer: &(dyn Signer + Send + Sync),
    spki: &SubjectPublicKeyInfoOwned,
    what: &str,
) -> Result<()> {
    let same = signer
        .public_key_der()
        .ok()
        .and_then(|k| SubjectPublicKeyInfoOwned::from_der(&k).ok())
        .is_some_and(|k| &k == spki);
    if same {
        Ok(())
    } else {
        Err(Error::CaInvalid(format!(
            "the {what} key is not the key of its certificate"
        )))
    }
}

/// `data` hashed under `algorithm` (SHA-1, -256, -384, -512), or `None` for another.
pub(crate) fn digest(algorithm: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    Some(match *algorithm {
        SHA1 => sha1::Sha1::digest(data).to_vec(),
        SHA256 => sha2::Sha256::digest(data).to_vec(),
        SHA384 => sha2::Sha384::digest(data).to_vec(),
        SHA512 => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

/// A Unix time as a GeneralizedTime (OCSP's times are always GeneralizedTime).
fn generalized(unix: i64) -> Result<GeneralizedTime> {
    let secs = u64::try_from(unix).map_err(|_| Error::CaTime(format!("{unix} is before 1970")))?;
    GeneralizedTime::from_unix_duration(core::time::Duration::from_secs(secs))
        .map_err(|_| Error::CaTime(format!("{unix} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_responses_are_the_der_of_a_bare_status() {
        for status in [OcspStatus::MalformedRequest, OcspStatus::Unauthorized] {
            let der = error_response(status);
            let back = OcspResponse::from_der(&der).unwrap();
            assert_eq!(back.response_status, status);
            assert!(back.response_bytes.is_none());
            let built = OcspResponse {
                response_status: status,
                response_bytes: None,
            };
            assert_eq!(built.to_der().unwrap(), der);
        }
    }
}
