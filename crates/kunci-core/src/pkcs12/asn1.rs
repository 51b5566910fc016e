//! The ASN.1 of RFC 7292 (PFX, MacData, SafeBag, CertBag) and RFC 5652 (ContentInfo,
//! EncryptedData) that PKCS#12 needs, as `der` types, plus the object identifiers.
//!
//! Input reaches these decoders only after [`super::ber::to_der`]. Two places stay lenient
//! on purpose, because other writers differ there: the `[0] IMPLICIT OCTET STRING` of
//! EncryptedContentInfo may be constructed (pieces), and attribute SETs are read in any order.

use der::asn1::{Any, ObjectIdentifier as Oid, OctetString};
use der::{Decode, Encode, Sequence, Tag, TagNumber, Tagged};
use spki::AlgorithmIdentifierOwned;

use super::ber;
use crate::{Error, Result};

// PKCS#7 / CMS content types (RFC 5652).
pub(crate) const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
pub(crate) const ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");

// Bag types (RFC 7292 section 4.2).
pub(crate) const KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.1");
pub(crate) const SHROUDED_KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.2");
pub(crate) const CERT_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.3");
pub(crate) const SAFE_CONTENTS_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.6");
pub(crate) const X509_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.22.1");

// Bag attributes (PKCS#9).
pub(crate) const FRIENDLY_NAME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.20");
pub(crate) const LOCAL_KEY_ID: Oid = Oid::new_unwrap("1.2.840.113549.1.9.21");

// Password-based encryption.
pub(crate) const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
pub(crate) const PBE_SHA1_3DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.3");
pub(crate) const PBE_SHA1_2DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.4");
pub(crate) const PBE_SHA1_RC2_128: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.5");
pub(crate) const PBE_SHA1_RC2_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.6");

// MAC digests.
pub(crate) const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
pub(crate) const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

/// `PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }`
#[derive(Sequence)]
pub(crate) struct Pfx {
    pub version: u8,
    pub auth_safe: ContentInfo,
    #[asn1(optional = "true")]
    pub mac_data: Option<MacData>,
}

/// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY OPTIONAL }`
#[derive(Sequence)]
pub(crate) struct ContentInfo {
    pub content_type: Oid,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub content: Option<Any>,
}

/// `MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }`
#[derive(Sequence)]
pub(crate) struct MacData {
    pub mac: DigestInfo,
    pub mac_salt: OctetString,
    #[asn1(default = "one")]
    pub iterations: u64,
}

fn one() -> u64 {
    1
}

/// `DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }`
#[derive(Sequence)]
pub(crate) struct DigestInfo {
    pub algorithm: AlgorithmIdentifierOwned,
    pub digest: OctetString,
}

/// `EncryptedData ::= SEQUENCE { version INTEGER, encryptedContentInfo EncryptedContentInfo }`
/// (the optional unprotectedAttrs of CMS are never used by PKCS#12).
#[derive(Sequence)]
pub(crate) struct EncryptedData {
    pub version: u8,
    pub encrypted_content_info: EncryptedContentInfo,
}

/// `EncryptedContentInfo ::= SEQUENCE { contentType OID, contentEncryptionAlgorithm
/// AlgorithmIdentifier, encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }`. The last
/// field is kept as [`Any`] and read with [`implicit_octets`], because BER writers may send
/// it constructed.
#[derive(Sequence)]
pub(crate) struct EncryptedContentInfo {
    pub content_type: Oid,
    pub algorithm: AlgorithmIdentifierOwned,
    #[asn1(optional = "true")]
    pub encrypted_content: Option<Any>,
}

/// `SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF
/// PKCS12Attribute OPTIONAL }`. The attributes are kept as [`Any`] and read by
/// [`attributes`], in whatever order the writer put them.
#[derive(Sequence)]
pub(crate) struct SafeBag {
    pub bag_id: Oid,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub bag_value: Any,
    #[asn1(optional = "true")]
    pub bag_attributes: Option<Any>,
}

/// `CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }`
#[derive(Sequence)]
pub(crate) struct CertBag {
    pub cert_id: Oid,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub cert_value: OctetString,
}

/// `EncryptedPrivateKeyInfo` (RFC 5958) with a free algorithm, so that PKCS#12's own PBE
/// identifiers, which `pkcs5` does not know, get through to [`super::pbe`].
#[derive(Sequence)]
pub(crate) struct EncryptedPrivateKeyInfo {
    pub algorithm: AlgorithmIdentifierOwned,
    pub encrypted_data: OctetString,
}

/// `pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }`
#[derive(Sequence)]
pub(crate) struct PbeParams {
    pub salt: OctetString,
    pub iterations: u64,
}

/// One `PKCS12Attribute ::= SEQUENCE { attrId OID, attrValues SET OF ANY }`.
#[derive(Sequence)]
struct Attribute {
    id: Oid,
    values: Any,
}

/// The attributes kunci reads from a bag.
#[derive(Default, Clone)]
pub(crate) struct BagAttributes {
    pub friendly_name: Option<String>,
    pub local_key_id: Option<Vec<u8>>,
}

/// Reads friendlyName and localKeyId from a bag's attribute SET (any order; unknown
/// attributes, such as Java's trusted-usage or Microsoft's CSP name, are ignored).
pub(crate) fn attributes(set: Option<&Any>) -> Result<BagAttributes> {
    let mut found = BagAttributes::default();
    let Some(set) = set else { return Ok(found) };
    if set.tag() != Tag::Set {
        return Err(Error::P12Malformed("bag attributes are not a SET".into()));
    }
    for attr in elements(set.value())? {
        let attr = Attribute::from_der(&attr).map_err(|e| malformed("bag attribute", e))?;
        if attr.values.tag() != Tag::Set {
            return Err(Error::P12Malformed("attribute values are not a SET".into()));
        }
        let Some(first) = elements(attr.values.value())?.into_iter().next() else {
            continue;
        };
        let value = Any::from_der(&first).map_err(|e| malformed("attribute value", e))?;
        if attr.id == FRIENDLY_NAME && value.tag() == Tag::BmpString {
            found.friendly_name = Some(from_bmp(value.value()));
        } else if attr.id == LOCAL_KEY_ID && value.tag() == Tag::OctetString {
            found.local_key_id = Some(value.value().to_vec());
        }
    }
    Ok(found)
}

/// Builds the attribute SET for a bag: localKeyId and friendlyName, each when given.
pub(crate) fn encode_attributes(
    local_key_id: Option<&[u8]>,
    friendly_name: Option<&str>,
) -> Result<Option<Any>> {
    let mut attrs: Vec<Vec<u8>> = Vec::new();
    if let Some(id) = local_key_id {
        attrs.push(attribute(LOCAL_KEY_ID, Any::new(Tag::OctetString, id)?)?);
    }
    if let Some(name) = friendly_name {
        attrs.push(attribute(
            FRIENDLY_NAME,
            Any::new(Tag::BmpString, to_bmp(name))?,
        )?);
    }
    if attrs.is_empty() {
        return Ok(None);
    }
    Ok(Some(set_of(attrs)?))
}

fn attribute(id: Oid, value: Any) -> Result<Vec<u8>> {
    let values = set_of(vec![value.to_der()?])?;
    Ok(Attribute { id, values }.to_der()?)
}

/// A DER `SET OF` from encoded elements: DER wants them sorted by their encodings.
fn set_of(mut encoded: Vec<Vec<u8>>) -> Result<Any> {
    encoded.sort();
    Ok(Any::new(Tag::Set, encoded.concat())?)
}

/// The DER elements one after another in `contents` (a SEQUENCE OF or SET OF body).
pub(crate) fn elements(contents: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut reader = der::SliceReader::new(contents).map_err(|e| malformed("element list", e))?;
    let mut out = Vec::new();
    while !der::Reader::is_finished(&reader) {
        let any: Any = der::Reader::decode(&mut reader).map_err(|e| malformed("element", e))?;
        out.push(any.to_der()?);
    }
    Ok(out)
}

/// The octets of a `[0] IMPLICIT OCTET STRING`, primitive or constructed from pieces.
pub(crate) fn implicit_octets(value: &Any) -> Result<Vec<u8>> {
    match value.tag() {
        Tag::ContextSpecific {
            constructed: false,
            number: TagNumber(0),
        } => Ok(value.value().to_vec()),
        Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(0),
        } => ber::join_pieces(value.value(), 0x04),
        other => Err(Error::P12Malformed(format!(
            "encrypted content has tag {other}, not [0]"
        ))),
    }
}

/// Encodes `bytes` as the `[0] IMPLICIT OCTET STRING` of EncryptedContentInfo.
pub(crate) fn implicit_octets_any(bytes: &[u8]) -> Result<Any> {
    Ok(Any::new(
        Tag::ContextSpecific {
            constructed: false,
            number: TagNumber(0),
        },
        bytes,
    )?)
}

/// A friendlyName as BMPString bytes: UTF-16BE, with surrogate pairs beyond U+FFFF (as
/// Windows and Java read them).
pub(crate) fn to_bmp(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

fn from_bmp(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// A P12Malformed naming the structure that failed to decode.
pub(crate) fn malformed(what: &str, e: der::Error) -> Error {
    Error::P12Malformed(format!("{what}: {e}"))
}

/// A human name for an OID, for messages: the name when it is one PKCS#12 files use, and the
/// dotted form. (Not const-oid's whole database: that table alone would add ~100 KB to the
/// browser's wasm module for the sake of error messages.)
pub(crate) fn oid_name(oid: &Oid) -> String {
    use const_oid::db::rfc5912;
    let known = match *oid {
        PBE_SHA1_3DES => Some("pbeWithSHAAnd3-KeyTripleDES-CBC"),
        PBE_SHA1_2DES => Some("pbeWithSHAAnd2-KeyTripleDES-CBC"),
        PBE_SHA1_RC2_128 => Some("pbeWithSHAAnd128BitRC2-CBC"),
        PBE_SHA1_RC2_40 => Some("pbeWithSHAAnd40BitRC2-CBC"),
        rfc5912::ID_SHA_1 => Some("id-sha1"),
        rfc5912::ID_SHA_224 => Some("id-sha224"),
        rfc5912::ID_SHA_256 => Some("id-sha256"),
        rfc5912::ID_SHA_384 => Some("id-sha384"),
        rfc5912::ID_SHA_512 => Some("id-sha512"),
        _ => None,
    };
    match known {
        Some(name) => format!("{name} ({oid})"),
        None => oid.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_round_trip_in_der_order() {
        let set = encode_attributes(Some(&[1, 2, 3]), Some("Budi 😀"))
            .unwrap()
            .unwrap();
        let back = attributes(Some(&set)).unwrap();
        assert_eq!(back.friendly_name.as_deref(), Some("Budi 😀"));
        assert_eq!(back.local_key_id.as_deref(), Some(&[1u8, 2, 3][..]));
        assert!(encode_attributes(None, None).unwrap().is_none());
    }

    #[test]
    fn unknown_pkcs12_pbe_oids_get_a_readable_name() {
        assert_eq!(
            oid_name(&PBE_SHA1_RC2_40),
            "pbeWithSHAAnd40BitRC2-CBC (1.2.840.113549.1.12.1.6)"
        );
        assert!(oid_name(&SHA256).contains("2.16.840.1.101.3.4.2.1"));
    }
}
