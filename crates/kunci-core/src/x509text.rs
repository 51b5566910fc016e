//! X.509 values as text: RFC 4514 distinguished names, directory strings, the short names of
//! attributes, signature algorithms and curves, and lowercase hex.
//!
//! Certificates ([`crate::cert`]), CSRs ([`crate::csr`]) and the signature verifier
//! ([`crate::sign`]) all print names and algorithms the way OpenSSL does; the formatting lives
//! here once so that none of them reaches into another for it.

use der::Encode;
use der::asn1::{Any, ObjectIdentifier};
use der::{Tag, Tagged};
use x509_cert::name::{Name, RelativeDistinguishedName};

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

/// Names for the signature algorithms one meets in certificates and CSRs; dotted OID otherwise.
pub(crate) fn signature_algorithm_name(oid: &ObjectIdentifier) -> String {
    let name = match oid.to_string().as_str() {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        other => return other.to_owned(),
    };
    name.to_owned()
}

/// Names for the usual named curves; dotted OID otherwise.
pub(crate) fn curve_name(oid: &ObjectIdentifier) -> String {
    let name = match oid.to_string().as_str() {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.10" => "secp256k1",
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
        other => return other.to_owned(),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
