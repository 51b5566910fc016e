//! The keys a CSR may carry, whatever the portal's policy: RSA of 2048 to 8192 bits and EC on
//! P-256. Verifying a CSR names its key kind through here, and the policy compares that kind
//! with the product's list.

use der::Decode;
use der::asn1::ObjectIdentifier;

use crate::key::KeyKind;
use crate::{Error, Result};

const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The key kind of a CSR's key, refusing (as [`Error::CsrAlgorithmNotAllowed`]) RSA outside
/// 2048..=8192 bits and EC keys on curves other than P-256. The RSA size is read from the
/// modulus directly so that keys too small for the `rsa` crate to load are named, not garbled.
pub(super) fn allowed_key_kind(spki_der: &[u8]) -> Result<KeyKind> {
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
            let name =
                curve.map_or_else(|| "unnamed".to_owned(), |c| crate::x509text::curve_name(&c));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_modulus_bits_reads_the_length() {
        // SEQUENCE { INTEGER 0x00FF.. (9 bits: 0x01 0xFF), INTEGER 3 }
        let der = [0x30, 0x07, 0x02, 0x02, 0x01, 0xFF, 0x02, 0x01, 0x03];
        assert_eq!(rsa_modulus_bits(&der), Some(9));
        assert_eq!(rsa_modulus_bits(&[0x30, 0x00]), None);
    }
}
