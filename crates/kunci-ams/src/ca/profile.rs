//! Certificate profiles: what a product's certificates say (key usage, extended key usage,
//! e-mail SAN, CRL and CA-issuer URLs, policy OID, validity) and which holder keys it takes.
//!
//! The portal reads profiles from its configuration file (serde, field names in snake_case,
//! key usages and purposes by their RFC names), calls [`Profile::validate`] once on load, and
//! hands one to [`crate::ca::Authority::issue`], which validates again: a hand-edited file can
//! never reach a signature unchecked. [`Profile::individu`] and [`Profile::organisasi`] are
//! the built-in products.

use core::str::FromStr;

use der::asn1::{Ia5String, ObjectIdentifier};
use kunci_core::key::KeyKind;
use serde::{Deserialize, Serialize};
use x509_cert::ext::pkix::KeyUsages;

use crate::{Error, Result};

/// The most days a profile may ask for (about 5 years): holder certificates live short lives,
/// and the issuing CA caps every certificate at its own end anyway.
pub const MAX_VALIDITY_DAYS: u32 = 1830;

/// How a product's certificates are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The product's name as holders see it ("Sertifikat Elektronik Individu").
    pub name: String,
    /// Key usage bits (the extension is always critical). For an EC holder key,
    /// `keyEncipherment` and `dataEncipherment` are dropped (RFC 5480 section 3: an EC key
    /// cannot transport keys); for an RSA key, `keyAgreement` is dropped.
    pub key_usage: Vec<KeyUsageBit>,
    /// Extended key usages: RFC names (`emailProtection`, `clientAuth`, `documentSigning`, ...,
    /// see [`eku_oid`]) or dotted OIDs.
    pub extended_key_usage: Vec<String>,
    /// Put the holder's registered e-mail address in the subjectAltName (rfc822Name), as
    /// S/MIME and most signing software want.
    pub include_email_san: bool,
    /// The CRL distribution point (an `http://` URL of the issuing CA's CRL).
    pub crl_url: Option<String>,
    /// Authority information access, caIssuers: where the issuing CA's certificate is.
    pub aia_ca_issuers_url: Option<String>,
    /// Authority information access, OCSP: the portal's OCSP responder (`{origin}/ocsp`).
    /// Absent in profile files written before the responder existed, hence the default.
    #[serde(default)]
    pub ocsp_url: Option<String>,
    /// The certificate policy OID (dotted) of the authority's certificate policy.
    pub policy_oid: Option<String>,
    /// Validity in days, 1 to [`MAX_VALIDITY_DAYS`]; capped at the issuing CA's end.
    pub validity_days: u32,
    /// Holder key kinds accepted for this product.
    pub allowed_keys: Vec<KeyKind>,
}

/// The key usage bits a holder certificate may carry. The CA bits (`keyCertSign`, `cRLSign`)
/// are deliberately absent: a profile cannot make a CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyUsageBit {
    /// digitalSignature: signing (authentication, e-mail, documents).
    DigitalSignature,
    /// nonRepudiation (contentCommitment in X.509 2008): signatures that commit the signer.
    #[serde(alias = "contentCommitment")]
    NonRepudiation,
    /// keyEncipherment: RSA key transport (encrypted e-mail). RSA keys only.
    KeyEncipherment,
    /// dataEncipherment: encrypting data directly with the key. RSA keys only.
    DataEncipherment,
    /// keyAgreement: ECDH. EC keys only.
    KeyAgreement,
}

impl KeyUsageBit {
    pub(crate) fn flag(self) -> KeyUsages {
        match self {
            KeyUsageBit::DigitalSignature => KeyUsages::DigitalSignature,
            KeyUsageBit::NonRepudiation => KeyUsages::NonRepudiation,
            KeyUsageBit::KeyEncipherment => KeyUsages::KeyEncipherment,
            KeyUsageBit::DataEncipherment => KeyUsages::DataEncipherment,
            KeyUsageBit::KeyAgreement => KeyUsages::KeyAgreement,
        }
    }

    /// Whether a key of `kind` can do what this bit promises.
    pub(crate) fn fits(self, kind: KeyKind) -> bool {
        match self {
            KeyUsageBit::KeyEncipherment | KeyUsageBit::DataEncipherment => {
                matches!(kind, KeyKind::Rsa { .. })
            }
            KeyUsageBit::KeyAgreement => matches!(kind, KeyKind::EcP256),
            KeyUsageBit::DigitalSignature | KeyUsageBit::NonRepudiation => true,
        }
    }
}

/// Extended key usage names a profile may use instead of dotted OIDs.
pub const EKU_NAMES: [(&str, &str); 7] = [
    ("serverAuth", "1.3.6.1.5.5.7.3.1"),
    ("clientAuth", "1.3.6.1.5.5.7.3.2"),
    ("codeSigning", "1.3.6.1.5.5.7.3.3"),
    ("emailProtection", "1.3.6.1.5.5.7.3.4"),
    ("timeStamping", "1.3.6.1.5.5.7.3.8"),
    ("OCSPSigning", "1.3.6.1.5.5.7.3.9"),
    // RFC 9336: id-kp-documentSigning.
    ("documentSigning", "1.3.6.1.5.5.7.3.36"),
];

/// The OID of an extended key usage given by name (see [`EKU_NAMES`]) or as a dotted OID.
pub fn eku_oid(name_or_oid: &str) -> Result<ObjectIdentifier> {
    let s = name_or_oid.trim();
    let dotted = EKU_NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map_or(s, |(_, oid)| oid);
    parse_oid(dotted, "extended key usage")
}

/// RFC 7229's test policy OIDs (id-TEST-certPolicyOne/Two) stand in for the built-in
/// products: an authority replaces them with the OIDs of its own certificate policy.
const TEST_POLICY_ONE: &str = "1.3.6.1.5.5.7.13.1";
const TEST_POLICY_TWO: &str = "1.3.6.1.5.5.7.13.2";

impl Profile {
    /// "Sertifikat Elektronik Individu": a person's certificate for signing documents and
    /// e-mail and for logging in; the e-mail address in the SAN; 2 years; RSA 2048-4096 or
    /// P-256. `base_url` is the portal's public address (`http://127.0.0.1:8080`): the CRL
    /// is published at `{base_url}/ca/issuing.crl`, the issuing CA at
    /// `{base_url}/ca/issuing.crt` and the OCSP responder answers at `{base_url}/ocsp`.
    pub fn individu(base_url: &str) -> Profile {
        Profile {
            name: "Sertifikat Elektronik Individu".into(),
            key_usage: vec![
                KeyUsageBit::DigitalSignature,
                KeyUsageBit::NonRepudiation,
                KeyUsageBit::KeyEncipherment,
            ],
            extended_key_usage: vec![
                "emailProtection".into(),
                "clientAuth".into(),
                "documentSigning".into(),
            ],
            include_email_san: true,
            crl_url: Some(crl_url(base_url)),
            aia_ca_issuers_url: Some(aia_url(base_url)),
            ocsp_url: Some(ocsp_url(base_url)),
            policy_oid: Some(TEST_POLICY_ONE.into()),
            validity_days: 730,
            allowed_keys: vec![
                KeyKind::Rsa { bits: 2048 },
                KeyKind::Rsa { bits: 3072 },
                KeyKind::Rsa { bits: 4096 },
                KeyKind::EcP256,
            ],
        }
    }

    /// "Sertifikat Elektronik Dinas/Organisasi": a certificate held for an office or
    /// organisation, for signing its documents and mail; the official e-mail address in the
    /// SAN; 2 years. An organisation's signature outlives a person's role, so it asks for the
    /// stronger keys only: RSA 3072/4096 or P-256. URLs as in [`Profile::individu`].
    pub fn organisasi(base_url: &str) -> Profile {
        Profile {
            name: "Sertifikat Elektronik Dinas/Organisasi".into(),
            key_usage: vec![KeyUsageBit::DigitalSignature, KeyUsageBit::NonRepudiation],
            extended_key_usage: vec!["documentSigning".into(), "emailProtection".into()],
            include_email_san: true,
            crl_url: Some(crl_url(base_url)),
            aia_ca_issuers_url: Some(aia_url(base_url)),
            ocsp_url: Some(ocsp_url(base_url)),
            policy_oid: Some(TEST_POLICY_TWO.into()),
            validity_days: 730,
            allowed_keys: vec![
                KeyKind::Rsa { bits: 3072 },
                KeyKind::Rsa { bits: 4096 },
                KeyKind::EcP256,
            ],
        }
    }

    /// Checks everything a certificate made from this profile depends on: a name, at least
    /// one key usage and one allowed key, a validity of 1 to [`MAX_VALIDITY_DAYS`] days, known
    /// or dotted EKUs, a dotted policy OID, and URLs that are ASCII `http://` or `https://`
    /// (OpenSSL and Windows fetch CRLs over plain HTTP; HTTPS would be a loop for revocation).
    pub fn validate(&self) -> Result<()> {
        self.checked().map(|_| ())
    }

    /// The profile's values in the forms the issuer encodes.
    pub(crate) fn checked(&self) -> Result<CheckedProfile> {
        let bad = |m: String| Error::ProfileInvalid(format!("{}: {m}", self.name));
        if self.name.trim().is_empty() {
            return Err(Error::ProfileInvalid("the profile has no name".into()));
        }
        if self.key_usage.is_empty() {
            return Err(bad("no key usage".into()));
        }
        if self.allowed_keys.is_empty() {
            return Err(bad("no allowed key kinds".into()));
        }
        if !(1..=MAX_VALIDITY_DAYS).contains(&self.validity_days) {
            return Err(bad(format!(
                "validity of {} days (allowed: 1 to {MAX_VALIDITY_DAYS})",
                self.validity_days
            )));
        }
        let eku = self
            .extended_key_usage
            .iter()
            .map(|e| eku_oid(e).map_err(|_| bad(format!("unknown extended key usage `{e}`"))))
            .collect::<Result<Vec<_>>>()?;
        let policy = self
            .policy_oid
            .as_deref()
            .map(|p| parse_oid(p, "policy").map_err(|_| bad(format!("policy OID `{p}`"))))
            .transpose()?;
        let url = |u: &Option<String>, what: &str| -> Result<Option<Ia5String>> {
            let Some(u) = u else { return Ok(None) };
            let ok = (u.starts_with("http://") || u.starts_with("https://"))
                && u.len() > 8
                && u.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                return Err(bad(format!("the {what} `{u}` is not an ASCII http(s) URL")));
            }
            Ia5String::new(u)
                .map(Some)
                .map_err(|_| bad(format!("the {what} is not IA5")))
        };
        Ok(CheckedProfile {
            eku,
            policy,
            crl_url: url(&self.crl_url, "CRL URL")?,
            aia_url: url(&self.aia_ca_issuers_url, "CA issuers URL")?,
            ocsp_url: url(&self.ocsp_url, "OCSP URL")?,
        })
    }
}

/// A profile's parsed values.
pub(crate) struct CheckedProfile {
    pub eku: Vec<ObjectIdentifier>,
    pub policy: Option<ObjectIdentifier>,
    pub crl_url: Option<Ia5String>,
    pub aia_url: Option<Ia5String>,
    pub ocsp_url: Option<Ia5String>,
}

fn parse_oid(dotted: &str, what: &str) -> Result<ObjectIdentifier> {
    ObjectIdentifier::from_str(dotted)
        .map_err(|_| Error::ProfileInvalid(format!("`{dotted}` is not a dotted {what} OID")))
}

fn crl_url(base: &str) -> String {
    format!("{}/ca/issuing.crl", base.trim_end_matches('/'))
}

fn ocsp_url(base: &str) -> String {
    format!("{}/ocsp", base.trim_end_matches('/'))
}

fn aia_url(base: &str) -> String {
    format!("{}/ca/issuing.crt", base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_are_valid_and_round_trip_through_json() {
        for p in [
            Profile::individu("http://127.0.0.1:8080/"),
            Profile::organisasi("https://ca.example.go.id"),
        ] {
            p.validate().unwrap();
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), p);
        }
        assert_eq!(
            Profile::individu("http://h/").crl_url.as_deref(),
            Some("http://h/ca/issuing.crl")
        );
    }

    #[test]
    fn broken_profiles_are_refused_with_the_profile_code() {
        let good = Profile::individu("http://h");
        let cases: [fn(&mut Profile); 10] = [
            |p| p.validity_days = 0,
            |p| p.validity_days = MAX_VALIDITY_DAYS + 1,
            |p| p.key_usage.clear(),
            |p| p.allowed_keys.clear(),
            |p| p.extended_key_usage.push("fooAuth".into()),
            |p| p.policy_oid = Some("not.an.oid".into()),
            |p| p.crl_url = Some("ftp://h/x.crl".into()),
            |p| p.aia_ca_issuers_url = Some("http://h/é".into()),
            |p| p.ocsp_url = Some("ldap://h/ocsp".into()),
            |p| p.name = " ".into(),
        ];
        for (i, change) in cases.iter().enumerate() {
            let mut p = good.clone();
            change(&mut p);
            assert_eq!(
                p.validate().unwrap_err().code(),
                "ca.profile_invalid",
                "case {i}"
            );
        }
    }

    #[test]
    fn ca_key_usages_cannot_be_configured() {
        let json = serde_json::to_string(&Profile::individu("http://h"))
            .unwrap()
            .replace("\"digitalSignature\"", "\"keyCertSign\"");
        assert!(serde_json::from_str::<Profile>(&json).is_err());
    }

    #[test]
    fn eku_names_and_dotted_oids_both_resolve() {
        assert_eq!(
            eku_oid("documentSigning").unwrap().to_string(),
            "1.3.6.1.5.5.7.3.36"
        );
        assert_eq!(eku_oid("1.2.3.4").unwrap().to_string(), "1.2.3.4");
        assert!(eku_oid("nope").is_err());
    }
}
