//! What the portal accepts in a CSR: [`CsrPolicy`] and [`CsrInfo::check`] (key kinds, the
//! registered subject, the CSR token compared in constant time), the key kinds and sizes any
//! CSR may use, and the e-mail address rules.

use core::fmt;

use der::Decode;
use der::asn1::ObjectIdentifier;

use super::subject::{Field, Subject};
use super::verify::CsrInfo;
use crate::key::KeyKind;
use crate::{Error, Result};

const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

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

/// Checks a plausible RFC 5321 addr-spec in ASCII: dot-atom local part (at most 64), `@`, a
/// domain of at least two LDH labels; at most 255 characters in all (RFC 5280's bound).
pub(super) fn check_email(e: &str) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
