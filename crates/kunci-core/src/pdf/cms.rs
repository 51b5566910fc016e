//! The ASN.1 of PDF signatures: CMS SignedData as PAdES wants it (RFC 5652, ETSI EN 319 122-1
//! baseline), assembled by hand from the `cms` crate's types (as kunci-ams's TSA does), the
//! RFC 3161 request and token, ESS signing-certificate-v2 (RFC 5035), and the OCSP response
//! structures (RFC 6960) the verifier reads from a DSS.
//!
//! Signed attributes: content-type (id-data), message-digest, signing-certificate-v2, and no
//! signing-time: PAdES baseline forbids it (ETSI EN 319 142-1 section 5.4); the claimed time is
//! the signature dictionary's `/M`. The timestamp of B-T is the unsigned attribute
//! id-aa-timeStampToken over the signature value.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, GeneralizedTime, Int, Null, OctetString, SetOfVec};
use der::{Decode, Encode};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::Extension;

use crate::{Error, Result};

pub(crate) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_CONTENT_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub(crate) const ID_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
pub(crate) const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
pub(crate) const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
pub(crate) const RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const ID_PKIX_OCSP_BASIC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");

/// `SigningCertificateV2` (RFC 5035).
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub(crate) certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub(crate) policies: Option<Any>,
}

/// `ESSCertIDv2`; the hash algorithm DEFAULT sha256 is absent when SHA-256.
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub(crate) hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub(crate) cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub(crate) issuer_serial: Option<Any>,
}

/// `MessageImprint` (RFC 3161).
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct MessageImprint {
    pub(crate) hash_algorithm: AlgorithmIdentifierOwned,
    pub(crate) hashed_message: OctetString,
}

/// `TimeStampReq` (RFC 3161).
#[derive(Clone, Debug, der::Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<der::asn1::Uint>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
}

/// `TimeStampResp` (RFC 3161).
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
    status_string: Option<Vec<Any>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

/// `TSTInfo`, read side: every optional field of RFC 3161 accepted.
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct TstInfo {
    pub(crate) version: u8,
    pub(crate) policy: ObjectIdentifier,
    pub(crate) message_imprint: MessageImprint,
    pub(crate) serial_number: Int,
    pub(crate) gen_time: GeneralizedTime,
    #[asn1(optional = "true")]
    pub(crate) accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    pub(crate) ordering: bool,
    #[asn1(optional = "true")]
    pub(crate) nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(crate) tsa: Option<Any>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(crate) extensions: Option<Vec<Extension>>,
}

/// `Accuracy`.
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct Accuracy {
    #[asn1(optional = "true")]
    pub(crate) seconds: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub(crate) millis: Option<Int>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(crate) micros: Option<Int>,
}

/// `OCSPResponse` (RFC 6960).
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct OcspResponse {
    pub(crate) response_status: OcspResponseStatus,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub(crate) response_bytes: Option<ResponseBytes>,
}

/// `OCSPResponseStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, der::Enumerated)]
#[repr(u32)]
pub(crate) enum OcspResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

/// `ResponseBytes`.
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct ResponseBytes {
    pub(crate) response_type: ObjectIdentifier,
    pub(crate) response: OctetString,
}

/// `BasicOCSPResponse`; `tbs_response_data` kept as read, for its signature.
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct BasicOcspResponse {
    pub(crate) tbs_response_data: Any,
    pub(crate) signature_algorithm: AlgorithmIdentifierOwned,
    pub(crate) signature: BitString,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub(crate) certs: Option<Vec<Certificate>>,
}

/// `ResponseData`.
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct ResponseData {
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    pub(crate) version: u8,
    pub(crate) responder_id: Any,
    pub(crate) produced_at: GeneralizedTime,
    pub(crate) responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub(crate) response_extensions: Option<Vec<Extension>>,
}

/// `SingleResponse`.
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct SingleResponse {
    pub(crate) cert_id: CertId,
    pub(crate) cert_status: CertStatus,
    pub(crate) this_update: GeneralizedTime,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub(crate) next_update: Option<GeneralizedTime>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub(crate) single_extensions: Option<Vec<Extension>>,
}

/// `CertID`.
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct CertId {
    pub(crate) hash_algorithm: AlgorithmIdentifierOwned,
    pub(crate) issuer_name_hash: OctetString,
    pub(crate) issuer_key_hash: OctetString,
    pub(crate) serial_number: x509_cert::serial_number::SerialNumber,
}

/// `OCSPRequest` (unsigned, one certificate).
#[derive(Clone, Debug, der::Sequence)]
struct OcspRequest {
    tbs_request: TbsRequest,
}

/// `TBSRequest` (version v1, the default, never written).
#[derive(Clone, Debug, der::Sequence)]
struct TbsRequest {
    request_list: Vec<OcspSingleRequest>,
}

/// `Request`.
#[derive(Clone, Debug, der::Sequence)]
struct OcspSingleRequest {
    req_cert: CertId,
}

/// An OCSP request (DER) about `cert`, issued by `issuer`: CertID with SHA-1 hashes, which
/// every responder reads (RFC 6960 section 4.1.1; SHA-1 here only names, it protects nothing).
pub(crate) fn ocsp_request(cert: &Certificate, issuer: &Certificate) -> Result<Vec<u8>> {
    let sha1 = |b: &[u8]| OctetString::new(sha1::Sha1::digest(b).to_vec()).map_err(enc);
    let itbs = issuer.tbs_certificate();
    let name = itbs.subject().to_der().map_err(enc)?;
    let key = itbs
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![OcspSingleRequest {
                req_cert: CertId {
                    hash_algorithm: AlgorithmIdentifierOwned {
                        oid: const_oid::db::rfc5912::ID_SHA_1,
                        parameters: Some(Any::null()),
                    },
                    issuer_name_hash: sha1(&name)?,
                    issuer_key_hash: sha1(key)?,
                    serial_number: cert.tbs_certificate().serial_number().clone(),
                },
            }],
        },
    }
    .to_der()
    .map_err(enc)
}

/// `CertStatus`.
#[derive(Clone, Debug, der::Choice)]
pub(crate) enum CertStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// `RevokedInfo`.
#[derive(Clone, Debug, der::Sequence)]
pub(crate) struct RevokedInfo {
    pub(crate) revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub(crate) revocation_reason: Option<Any>,
}

fn enc(e: der::Error) -> Error {
    Error::BadDer(e.to_string())
}

/// `v` re-read as an `Any`.
pub(crate) fn any<T: Encode>(v: &T) -> Result<Any> {
    Any::from_der(&v.to_der().map_err(enc)?).map_err(enc)
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(enc)?;
    Ok(Attribute { oid, values })
}

/// SHA-256 as an `AlgorithmIdentifier` (parameters absent, RFC 5754).
pub(crate) fn sha256_id() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SHA256,
        parameters: None,
    }
}

/// The signed attributes of a PAdES signature over `digest` (SHA-256 of the ByteRange) by
/// `cert_der`: content-type id-data, message-digest, signing-certificate-v2.
pub(crate) fn signed_attributes(digest: &[u8], cert_der: &[u8]) -> Result<SetOfVec<Attribute>> {
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(sha2::Sha256::digest(cert_der).to_vec()).map_err(enc)?,
            issuer_serial: None,
        }],
        policies: None,
    };
    let mut set = SetOfVec::new();
    for attr in [
        attribute(ID_CONTENT_TYPE, any(&ID_DATA)?)?,
        attribute(
            ID_MESSAGE_DIGEST,
            any(&OctetString::new(digest.to_vec()).map_err(enc)?)?,
        )?,
        attribute(ID_SIGNING_CERTIFICATE_V2, any(&ess)?)?,
    ] {
        set.insert(attr).map_err(enc)?;
    }
    Ok(set)
}

/// The DER that is signed: the signed attributes as a `SET OF` (tag 0x31), not the `[0]`
/// form they take inside SignerInfo (RFC 5652 section 5.4).
pub(crate) fn signed_attributes_der(attrs: &SetOfVec<Attribute>) -> Result<Vec<u8>> {
    attrs.to_der().map_err(enc)
}

/// A detached CMS SignedData (ContentInfo DER): `cert` signed `attrs` with `signature` under
/// `algorithm`; `chain` goes with it in `certificates`; `token`, when given, becomes the
/// unsigned attribute id-aa-timeStampToken.
pub(crate) fn assemble(
    attrs: &SetOfVec<Attribute>,
    cert: &Certificate,
    chain: &[Certificate],
    algorithm: AlgorithmIdentifierOwned,
    signature: &[u8],
    token: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let tbs = cert.tbs_certificate();
    let unsigned_attrs = match token {
        None => None,
        Some(t) => {
            let mut set = SetOfVec::new();
            set.insert(attribute(
                ID_TIME_STAMP_TOKEN,
                Any::from_der(t).map_err(enc)?,
            )?)
            .map_err(enc)?;
            Some(set)
        }
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256_id(),
        signed_attrs: Some(attrs.clone()),
        signature_algorithm: algorithm,
        signature: OctetString::new(signature.to_vec()).map_err(enc)?,
        unsigned_attrs,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256_id()).map_err(enc)?;
    let mut infos = SetOfVec::new();
    infos.insert(signer_info).map_err(enc)?;
    let mut certs = SetOfVec::new();
    for c in std::iter::once(cert).chain(chain) {
        // A chain file may repeat the signer's certificate: a SET holds it once.
        let choice = CertificateChoices::Certificate(c.clone());
        if !certs.iter().any(|x| x == &choice) {
            certs.insert(choice).map_err(enc)?;
        }
    }
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(certs)),
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

/// An RFC 3161 `TimeStampReq` (DER) for the SHA-256 `imprint`, asking for the TSA's
/// certificate, with `nonce` when given.
pub(crate) fn timestamp_request(imprint: &[u8], nonce: Option<u64>) -> Result<Vec<u8>> {
    let nonce = match nonce {
        None => None,
        // Uint: minimal (no leading zero bytes), which OpenSSL insists on.
        Some(n) => Some(der::asn1::Uint::new(&n.to_be_bytes()).map_err(enc)?),
    };
    TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: sha256_id(),
            hashed_message: OctetString::new(imprint.to_vec()).map_err(enc)?,
        },
        req_policy: None,
        nonce,
        cert_req: true,
    }
    .to_der()
    .map_err(enc)
}

/// The token (ContentInfo DER) in a TSA's answer: a `TimeStampResp` granting one, or a bare
/// token. A refusal names the TSA's status.
pub(crate) fn token_from_answer(answer: &[u8]) -> Result<Vec<u8>> {
    if let Ok(ci) = ContentInfo::from_der(answer)
        && ci.content_type == ID_SIGNED_DATA
    {
        return Ok(answer.to_vec());
    }
    let resp = TimeStampResp::from_der(answer)
        .map_err(|e| Error::PdfBadTimestamp(format!("neither a TimeStampResp nor a token: {e}")))?;
    if resp.status.status > 1 {
        return Err(Error::PdfBadTimestamp(format!(
            "the TSA refused (status {})",
            resp.status.status
        )));
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| Error::PdfBadTimestamp("the TSA granted no token".into()))?;
    token.to_der().map_err(enc)
}

/// The SignedData inside a ContentInfo.
pub(crate) fn signed_data(der: &[u8]) -> Result<SignedData> {
    let ci = ContentInfo::from_der(der).map_err(enc)?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(Error::BadDer("not a CMS SignedData".into()));
    }
    ci.content.decode_as::<SignedData>().map_err(enc)
}

/// The digest of `data` under the hash algorithm `oid` (SHA-256/384/512), or None.
pub(crate) fn digest(oid: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    match *oid {
        SHA256 => Some(sha2::Sha256::digest(data).to_vec()),
        SHA384 => Some(sha2::Sha384::digest(data).to_vec()),
        SHA512 => Some(sha2::Sha512::digest(data).to_vec()),
        _ => None,
    }
}

/// The digest of the concatenation of `parts` (the two signed ranges of a PDF, hashed in
/// place rather than copied).
pub(crate) fn digest_parts(oid: &ObjectIdentifier, parts: &[&[u8]]) -> Option<Vec<u8>> {
    fn all<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
        let mut h = D::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().to_vec()
    }
    match *oid {
        SHA256 => Some(all::<sha2::Sha256>(parts)),
        SHA384 => Some(all::<sha2::Sha384>(parts)),
        SHA512 => Some(all::<sha2::Sha512>(parts)),
        _ => None,
    }
}

/// The first value of attribute `oid` in `attrs`.
pub(crate) fn attribute_value(attrs: &SetOfVec<Attribute>, oid: ObjectIdentifier) -> Option<&Any> {
    attrs
        .iter()
        .find(|a| a.oid == oid)
        .and_then(|a| a.values.iter().next())
}

/// The signature algorithm to verify a SignerInfo with: `rsaEncryption` (as many writers put
/// it) becomes shaNWithRSAEncryption for the SignerInfo's digest algorithm.
pub(crate) fn effective_signature_algorithm(
    signature_algorithm: &AlgorithmIdentifierOwned,
    digest_alg: &AlgorithmIdentifierOwned,
) -> AlgorithmIdentifierOwned {
    if signature_algorithm.oid != RSA_ENCRYPTION {
        return signature_algorithm.clone();
    }
    let oid = match digest_alg.oid {
        SHA384 => ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12"),
        SHA512 => ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13"),
        _ => ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
    };
    AlgorithmIdentifierOwned {
        oid,
        parameters: signature_algorithm.parameters.clone(),
    }
}

/// The certificate a SignerInfo names, among `certs`.
pub(crate) fn find_signer<'a>(
    sid: &SignerIdentifier,
    certs: &'a [Certificate],
) -> Option<&'a Certificate> {
    certs.iter().find(|c| {
        let tbs = c.tbs_certificate();
        match sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => {
                tbs.issuer() == &ias.issuer && tbs.serial_number() == &ias.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => tbs
                .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, k)| k.0 == ski.0),
        }
    })
}

/// The certificates carried in a SignedData.
pub(crate) fn certificates(sd: &SignedData) -> Vec<Certificate> {
    sd.certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}
