//! Issuing a holder certificate from a CSR: every check first, then one signature.
//!
//! [`Authority::issue`] verifies the CSR with kunci-core (signature, algorithms, key size),
//! applies the portal's [`CsrPolicy`] (registered subject, CSR token) and the product's
//! [`Profile`] (key kinds, e-mail SAN), and only then builds and signs the certificate. A
//! refusal signs nothing; its code is kunci-core's where kunci-core found the fault
//! (`csr.bad_signature`, `csr.token_mismatch`, ...) and `ca.*` where the CA did.

use der::Decode;
use der::asn1::{Ia5String, OctetString};
use kunci_core::csr::{CsrInfo, CsrPolicy};
use kunci_core::pem;
use rand_core::CryptoRng;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use super::profile::{CheckedProfile, Profile};
use super::{Authority, CLOCK_SKEW_SECS, x509};
use crate::{Error, Result};

/// id-ad-caIssuers (RFC 5280 section 4.2.2.1).
const ID_AD_CA_ISSUERS: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");

/// id-ad-ocsp (RFC 5280 section 4.2.2.1): the AIA entry naming the OCSP responder.
pub const ID_AD_OCSP: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

/// Bytes in a serial number: 16, the top two bits fixed to `01` (positive, never zero, no
/// leading zero in DER) and 126 random bits.
pub const SERIAL_LEN: usize = 16;

/// A certificate just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The certificate's DER.
    pub der: Vec<u8>,
    /// The certificate as `CERTIFICATE` PEM.
    pub pem: String,
    /// The serial number, lowercase hex, always 32 digits (as kunci-core's
    /// `CertificateInfo::serial` prints it).
    pub serial_hex: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
}

impl Authority {
    /// Issues a certificate for the CSR `csr_der_or_pem` under `profile`, at `now` (Unix
    /// seconds).
    ///
    /// Before anything is signed: the CSR must verify (kunci-core's [`kunci_core::csr::verify`]),
    /// pass `policy` ([`CsrInfo::check`]: key kind, registered subject, CSR token), and have a
    /// key kind the profile allows (`csr.algorithm_not_allowed`). `policy.allowed_keys` may be
    /// left empty: the profile's list applies then. When the profile includes the e-mail SAN,
    /// the address written is the subject's emailAddress (the registered identity's, once
    /// `policy.expected_subject` is set), and any e-mail the CSR asks for in its own SAN must
    /// be that address (`ca.csr_rejected` otherwise): the CA never certifies an address it
    /// did not check.
    ///
    /// The certificate: subject = the CSR's subject; a 16-byte random serial; notBefore =
    /// `now` - [`CLOCK_SKEW_SECS`]; notAfter = min(`now` + validity, the issuing CA's end);
    /// keyUsage (critical, trimmed to what the key can do), extendedKeyUsage,
    /// basicConstraints CA:FALSE (critical), subjectKeyIdentifier, authorityKeyIdentifier,
    /// subjectAltName, cRLDistributionPoints, authorityInfoAccess (OCSP, caIssuers) and
    /// certificatePolicies as the profile says. When the issuing CA is not valid at `now`: [`Error::CaExpired`].
    pub fn issue<R: CryptoRng + ?Sized>(
        &self,
        csr_der_or_pem: &[u8],
        policy: &CsrPolicy,
        profile: &Profile,
        now: i64,
        rng: &mut R,
    ) -> Result<Issued> {
        let checked = profile.checked()?;
        let info = kunci_core::csr::verify(csr_der_or_pem)?;
        if policy.allowed_keys.is_empty() {
            let mut with_keys = policy.clone();
            with_keys.allowed_keys = profile.allowed_keys.clone();
            info.check(&with_keys)?;
        } else {
            info.check(policy)?;
        }
        if !profile.allowed_keys.contains(&info.key) {
            return Err(kunci_core::Error::CsrAlgorithmNotAllowed(format!(
                "a {} key is not accepted for {}",
                info.key, profile.name
            ))
            .into());
        }
        let email = san_email(&info, profile)?;

        if now < self.issuing_not_before || now >= self.issuing_not_after {
            return Err(Error::CaExpired);
        }
        let not_before = now
            .saturating_sub(CLOCK_SKEW_SECS)
            .max(self.issuing_not_before);
        let not_after = now
            .saturating_add(i64::from(profile.validity_days) * 86_400)
            .min(self.issuing_not_after);

        let spki = SubjectPublicKeyInfoOwned::from_der(&info.public_key_der)
            .map_err(|e| kunci_core::Error::CsrMalformed(format!("public key: {e}")))?;
        let extensions = self.leaf_extensions(&info, profile, &checked, &spki, email)?;
        let (serial_number, serial_hex) = serial(rng)?;
        let tbs = x509::TbsCertificate {
            version: Version::V3,
            serial_number,
            signature: self.signer.signature_algorithm().algorithm_identifier(),
            issuer: self.issuing_name.clone(),
            validity: Validity::new(x509::time(not_before)?, x509::time(not_after)?),
            subject: info.subject.to_name()?,
            subject_public_key_info: spki,
            extensions,
        };
        let der = x509::sign_certificate(&tbs, self.signer.as_ref())?;
        Ok(Issued {
            pem: pem::encode("CERTIFICATE", &der),
            der,
            serial_hex,
            not_before,
            not_after,
        })
    }

    fn leaf_extensions(
        &self,
        info: &CsrInfo,
        profile: &Profile,
        checked: &CheckedProfile,
        spki: &SubjectPublicKeyInfoOwned,
        email: Option<Ia5String>,
    ) -> Result<Vec<Extension>> {
        let octets = |b: Vec<u8>| OctetString::new(b).map_err(x509::encoding);
        let bits = profile
            .key_usage
            .iter()
            .filter(|b| b.fits(info.key))
            .fold(der::flagset::FlagSet::default(), |acc, b| acc | b.flag());
        if bits.is_empty() {
            return Err(Error::CsrRejected(format!(
                "no key usage of {} fits a {} key",
                profile.name, info.key
            )));
        }
        let mut exts = vec![
            x509::extension(&KeyUsage(bits), true)?,
            x509::extension(
                &BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
                true,
            )?,
            x509::extension(
                &SubjectKeyIdentifier(octets(x509::key_identifier(spki))?),
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
        if !checked.eku.is_empty() {
            exts.push(x509::extension(
                &ExtendedKeyUsage(checked.eku.clone()),
                false,
            )?);
        }
        if let Some(email) = email {
            // Not critical: the subject DN is never empty (CN is required), RFC 5280 4.2.1.6.
            let san = SubjectAltName(vec![GeneralName::Rfc822Name(email)]);
            exts.push(x509::extension(&san, false)?);
        }
        if let Some(url) = &checked.crl_url {
            let dp = DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![
                    GeneralName::UniformResourceIdentifier(url.clone()),
                ])),
                reasons: None,
                crl_issuer: None,
            };
            exts.push(x509::extension(&CrlDistributionPoints(vec![dp]), false)?);
        }
        // One AIA extension with the OCSP responder first (what clients look for first),
        // then where the issuing CA's certificate is.
        let access: Vec<AccessDescription> = [
            (ID_AD_OCSP, &checked.ocsp_url),
            (ID_AD_CA_ISSUERS, &checked.aia_url),
        ]
        .into_iter()
        .filter_map(|(method, url)| {
            url.as_ref().map(|url| AccessDescription {
                access_method: method,
                access_location: GeneralName::UniformResourceIdentifier(url.clone()),
            })
        })
        .collect();
        if !access.is_empty() {
            exts.push(x509::extension(&AuthorityInfoAccessSyntax(access), false)?);
        }
        if let Some(oid) = checked.policy {
            let policies = CertificatePolicies(vec![PolicyInformation {
                policy_identifier: oid,
                policy_qualifiers: None,
            }]);
            exts.push(x509::extension(&policies, false)?);
        }
        Ok(exts)
    }
}

/// The e-mail address for the SAN, when the profile wants one: the subject's emailAddress,
/// which the CSR's own SAN entries must all equal (ASCII case ignored).
fn san_email(info: &CsrInfo, profile: &Profile) -> Result<Option<Ia5String>> {
    if !profile.include_email_san {
        return Ok(None);
    }
    let subject_email = info.subject.email.as_deref();
    for asked in &info.email_sans {
        if !subject_email.is_some_and(|e| e.eq_ignore_ascii_case(asked)) {
            return Err(Error::CsrRejected(
                "the CSR asks for an e-mail address in its subjectAltName that is not the \
                 registered e-mail address"
                    .into(),
            ));
        }
    }
    subject_email
        .map(|e| Ia5String::new(e).map_err(|_| kunci_core::Error::InvalidEmail(e.into()).into()))
        .transpose()
}

/// A fresh serial number and its lowercase hex: 16 bytes from `rng` with the top two bits set
/// to `01`. The number is positive (top bit clear: no sign trouble in DER), never zero, always
/// exactly 16 bytes in DER (no leading zero to strip), and carries 126 random bits: far above
/// the 64 that CA/Browser Forum rules and issue 5 ask for, so collisions never happen in
/// practice; the store's unique serial column is the last word.
pub(crate) fn serial<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<(SerialNumber, String)> {
    let mut bytes = [0u8; SERIAL_LEN];
    rng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x3f) | 0x40;
    let hex = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok((SerialNumber::new(&bytes).map_err(x509::encoding)?, hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_16_positive_bytes_and_differ() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let (a, ha) = serial(&mut rng).unwrap();
        let (_, hb) = serial(&mut rng).unwrap();
        assert_ne!(ha, hb);
        assert_eq!(a.as_bytes().len(), SERIAL_LEN);
        assert_eq!(ha.len(), 32);
        assert!((0x40..0x80).contains(&a.as_bytes()[0]));
    }

    /// An RNG that returns only zeros still yields a valid, non-zero serial.
    #[test]
    fn an_all_zero_rng_still_gives_a_nonzero_serial() {
        struct Zero;
        impl rand_core::TryRng for Zero {
            type Error = core::convert::Infallible;
            fn try_next_u32(&mut self) -> core::result::Result<u32, Self::Error> {
                Ok(0)
            }
            fn try_next_u64(&mut self) -> core::result::Result<u64, Self::Error> {
                Ok(0)
            }
            fn try_fill_bytes(&mut self, d: &mut [u8]) -> core::result::Result<(), Self::Error> {
                d.fill(0);
                Ok(())
            }
        }
        impl rand_core::TryCryptoRng for Zero {}
        let (s, hex) = serial(&mut rand_core::UnwrapErr(Zero)).unwrap();
        assert_eq!(s.as_bytes()[0], 0x40);
        assert!(hex.starts_with("40"));
    }
}
