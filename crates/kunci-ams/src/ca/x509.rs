//! The X.509 plumbing the CA shares: times from Unix seconds, extensions, key identifiers, and
//! the one place where a to-be-signed structure meets [`kunci_core::Signer`].
//!
//! x509-cert 0.3 keeps `TbsCertificate`'s fields private and its builder wants the `signature`
//! crate's `Keypair` traits, which a key on a token or behind an HSM does not offer; so the
//! certificate body is a local DER sequence with exactly the RFC 5280 fields, and the signature
//! comes from `Signer::sign` like kunci-core's CSRs. What comes out is parsed back with
//! x509-cert before anyone sees it, so a malformed encoding cannot leave this module.

use const_oid::AssociatedOid;
use der::asn1::{AnyRef, BitString, GeneralizedTime, OctetString, UtcTime};
use der::{Decode, Encode};
use kunci_core::{SignatureAlgorithm, Signer};
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::{Error, Result};

/// `TBSCertificate` (RFC 5280 section 4.1) as kunci writes it: always v3, never unique
/// identifiers (section 4.1.2.8 forbids them for conforming CAs), always extensions.
#[derive(der::Sequence)]
pub(crate) struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub version: Version,
    pub serial_number: SerialNumber,
    pub signature: AlgorithmIdentifierOwned,
    pub issuer: Name,
    pub validity: Validity,
    pub subject: Name,
    pub subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    pub extensions: Vec<Extension>,
}

/// `Certificate` and `CertificateList` share this shape: the signed body as received, the
/// algorithm, the signature.
#[derive(der::Sequence)]
struct Signed<'a> {
    tbs: AnyRef<'a>,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// Signs the DER `tbs` with `signer` and wraps it as a certificate or CRL. The signature is
/// checked with the signer's public key before it leaves: a token or HSM that returns a bad
/// signature gives `sign.failed` here, never a certificate that no one can verify.
pub(crate) fn sign_der(tbs: &[u8], signer: &dyn Signer) -> Result<Vec<u8>> {
    let signature = signer.sign(tbs)?;
    let signed = Signed {
        tbs: AnyRef::try_from(tbs).map_err(encoding)?,
        algorithm: signer.signature_algorithm().algorithm_identifier(),
        signature: BitString::from_bytes(&signature).map_err(encoding)?,
    };
    let der = signed.to_der().map_err(encoding)?;
    let key = SubjectPublicKeyInfoOwned::from_der(&signer.public_key_der()?).map_err(encoding)?;
    if !verify_signed(&der, &key) {
        return Err(kunci_core::Error::SigningFailed(
            "the signature does not verify with the signer's public key".into(),
        )
        .into());
    }
    Ok(der)
}

/// True when the certificate or CRL `der` carries a valid signature by `issuer_key`, in one
/// of the two algorithms kunci signs with (sha256WithRSAEncryption, ecdsa-with-SHA256). The
/// signature itself is checked by kunci-core's one verifier,
/// [`kunci_core::sign::verify_signature`].
pub(crate) fn verify_signed(der: &[u8], issuer_key: &SubjectPublicKeyInfoOwned) -> bool {
    let Ok(signed) = Signed::from_der(der) else {
        return false;
    };
    let Some(sig) = signed.signature.as_bytes() else {
        return false;
    };
    let Ok(tbs) = signed.tbs.to_der() else {
        return false;
    };
    let Ok(spki) = issuer_key.to_der() else {
        return false;
    };
    // The CA accepts only what it signs with, and has always judged the algorithm by its OID
    // alone: verifying under the canonical identifier of that algorithm keeps both rules
    // (kunci-core's verifier also takes SHA-384/512 and checks the parameters, for CSRs).
    let Some(alg) = [
        SignatureAlgorithm::RsaPkcs1Sha256,
        SignatureAlgorithm::EcdsaP256Sha256,
    ]
    .into_iter()
    .find(|a| a.oid() == signed.algorithm.oid) else {
        return false;
    };
    kunci_core::sign::verify_signature(&spki, &alg.algorithm_identifier(), &tbs, sig).is_ok()
}

/// Encodes and signs `tbs`, then parses the result back as a certificate.
pub(crate) fn sign_certificate(tbs: &TbsCertificate, signer: &dyn Signer) -> Result<Vec<u8>> {
    let der = sign_der(&tbs.to_der().map_err(encoding)?, signer)?;
    x509_cert::Certificate::from_der(&der).map_err(encoding)?;
    Ok(der)
}

/// A Unix time as X.509 writes it: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280
/// section 4.1.2.5). Times before 1970 are refused.
pub(crate) fn time(unix: i64) -> Result<Time> {
    let secs = u64::try_from(unix).map_err(|_| Error::CaTime(format!("{unix} is before 1970")))?;
    let dt = der::DateTime::from_unix_duration(core::time::Duration::from_secs(secs))
        .map_err(|_| Error::CaTime(format!("{unix} is out of range")))?;
    Ok(if dt.year() < 2050 {
        Time::UtcTime(UtcTime::from_date_time(dt).map_err(encoding)?)
    } else {
        Time::GeneralTime(GeneralizedTime::from_date_time(dt))
    })
}

/// A Unix time back from X.509. x509-cert reads no time before 1970, and a time past
/// `i64::MAX` seconds saturates rather than wraps.
pub(crate) fn unix(t: &Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// One extension with its value's DER, under the value type's own OID.
pub(crate) fn extension<T: Encode + AssociatedOid>(value: &T, critical: bool) -> Result<Extension> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(encoding)?).map_err(encoding)?,
    })
}

/// A key identifier for `spki`: the leftmost 160 bits of the SHA-256 of the subjectPublicKey
/// BIT STRING's contents (RFC 7093 section 2, method 1). The same length as RFC 5280's SHA-1
/// method, without bringing SHA-1 into a new CA.
pub(crate) fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    sha2::Sha256::digest(spki.subject_public_key.raw_bytes())[..20].to_vec()
}

/// The name of a service of the CA named `ca` (the OCSP responder, the TSA): `CN=<its
/// organization> <role>` (or `<its CN> <role>` without an organization), O and C kept. When
/// that would pass the 64 characters X.520 allows a CN, the CN is the role alone (O still says
/// whose it is).
pub(crate) fn role_name(ca: &Name, role: &str) -> Result<Name> {
    let mut subject = kunci_core::csr::Subject::from_name(ca)?;
    let named = match &subject.organization {
        Some(o) => format!("{o} {role}"),
        None => format!("{} {role}", subject.common_name),
    };
    subject.common_name = if named.chars().count() <= 64 {
        named
    } else {
        role.to_owned()
    };
    Ok(subject.to_name()?)
}

/// Maps an encoding failure of something the CA built itself.
pub(crate) fn encoding(e: der::Error) -> Error {
    Error::CaEncoding(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kunci_core::csr::Subject;

    fn ca(organization: &str) -> Name {
        Subject {
            common_name: "Root CA".into(),
            organization: Some(organization.into()),
            country: Some("ID".into()),
            ..Subject::default()
        }
        .to_name()
        .unwrap()
    }

    #[test]
    fn a_role_name_keeps_o_and_c_and_never_passes_64_characters() {
        let short = Subject::from_name(&role_name(&ca("kunci CA"), "OCSP Responder").unwrap());
        let short = short.unwrap();
        assert_eq!(short.common_name, "kunci CA OCSP Responder");
        assert_eq!(short.organization.as_deref(), Some("kunci CA"));
        assert_eq!(short.country.as_deref(), Some("ID"));
        let org = "Badan Siber dan Sandi Negara Balai Sertifikasi Elektronik";
        let long = Subject::from_name(&role_name(&ca(org), "Time Stamping Authority").unwrap());
        let long = long.unwrap();
        assert_eq!(long.common_name, "Time Stamping Authority");
        assert_eq!(long.organization.as_deref(), Some(org));
    }
}
