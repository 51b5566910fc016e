//! Revocation reasons and the issuing CA's CRL (RFC 5280 section 5).
//!
//! [`RevocationReason`] is RFC 5280's CRLReason, split into the reasons a holder may pick in
//! the portal ("Revoke Reason") and those only the CA sets. [`Authority::crl`] writes a
//! complete v2 CRL of the issuing CA: cRLNumber and authorityKeyIdentifier extensions, each
//! entry with its revocation time and reasonCode.
//!
//! **unspecified is written as no reasonCode.** RFC 5280 section 5.3.1 says the extension
//! SHOULD be absent rather than carry unspecified (0), and every reader treats an entry
//! without one as unspecified (OpenSSL then prints no reason line; Python `cryptography`
//! returns no extension). So a certificate revoked "unspecified" shows on the CRL as its
//! serial with no reason, and the portal reports the reason it stored; a test that looks for
//! "reason unspecified" on the CRL must read "listed, no reasonCode" as exactly that.

use core::fmt;

use der::Encode;
use der::asn1::{OctetString, Uint};
use serde::{Deserialize, Serialize};
use x509_cert::crl::{RevokedCert, TbsCertList};
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::ext::pkix::crl::{CrlNumber, CrlReason};
use x509_cert::serial_number::SerialNumber;

use super::{Authority, x509};
use crate::{Error, Result};

/// Why a certificate was revoked: RFC 5280's CRLReason values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RevocationReason {
    /// unspecified (0). Holder may choose. Written as no reasonCode (see the module docs).
    Unspecified,
    /// keyCompromise (1): the private key is lost or known to others. Holder may choose.
    KeyCompromise,
    /// cACompromise (2): the CA's key is compromised. CA only.
    #[serde(rename = "cACompromise")]
    CaCompromise,
    /// affiliationChanged (3): name or affiliation changed. Holder may choose.
    AffiliationChanged,
    /// superseded (4): replaced by a new certificate (the no-gap renewal). Holder may choose.
    Superseded,
    /// cessationOfOperation (5): no longer needed. Holder may choose.
    CessationOfOperation,
    /// certificateHold (6): suspended. CA only (kunci does not suspend).
    CertificateHold,
    /// removeFromCRL (8): delta CRLs only; refused on the complete CRL kunci writes. CA only.
    #[serde(rename = "removeFromCRL")]
    RemoveFromCrl,
    /// privilegeWithdrawn (9): the holder lost the right to the certificate. CA only.
    PrivilegeWithdrawn,
    /// aACompromise (10): an attribute authority is compromised. CA only.
    #[serde(rename = "aACompromise")]
    AaCompromise,
}

impl RevocationReason {
    /// The reasons a holder may pick in the portal, in the order to offer them.
    pub const HOLDER_CHOICES: [RevocationReason; 5] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
    ];

    /// Every reason, holder choices first.
    pub const ALL: [RevocationReason; 10] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
        RevocationReason::CaCompromise,
        RevocationReason::CertificateHold,
        RevocationReason::RemoveFromCrl,
        RevocationReason::PrivilegeWithdrawn,
        RevocationReason::AaCompromise,
    ];

    /// True for the reasons a holder may choose; the others are the CA's.
    pub fn holder_may_choose(self) -> bool {
        Self::HOLDER_CHOICES.contains(&self)
    }

    /// The RFC 5280 CRLReason code.
    pub fn code(self) -> u8 {
        self.rfc() as u8
    }

    /// The RFC 5280 name (`keyCompromise`), as in the portal's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::CaCompromise => "cACompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::CertificateHold => "certificateHold",
            RevocationReason::RemoveFromCrl => "removeFromCRL",
            RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
            RevocationReason::AaCompromise => "aACompromise",
        }
    }

    /// The reason by its RFC 5280 name (case ignored), or `None`.
    pub fn from_name(name: &str) -> Option<RevocationReason> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// The reason by its RFC 5280 code, or `None` (7 is unused).
    pub fn from_code(code: u8) -> Option<RevocationReason> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub(crate) fn rfc(self) -> CrlReason {
        match self {
            RevocationReason::Unspecified => CrlReason::Unspecified,
            RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
            RevocationReason::CaCompromise => CrlReason::CaCompromise,
            RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
            RevocationReason::Superseded => CrlReason::Superseded,
            RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
            RevocationReason::CertificateHold => CrlReason::CertificateHold,
            RevocationReason::RemoveFromCrl => CrlReason::RemoveFromCRL,
            RevocationReason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
            RevocationReason::AaCompromise => CrlReason::AaCompromise,
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One revoked certificate, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    /// The certificate's serial number, hex (as [`super::Issued::serial_hex`]; upper or lower
    /// case, `:` separators and a leading `00` accepted).
    pub serial_hex: String,
    /// When it was revoked, Unix seconds.
    pub revoked_at: i64,
    /// Why.
    pub reason: RevocationReason,
}

impl Authority {
    /// A complete v2 CRL of the issuing CA, DER, signed by it: thisUpdate = `now`, nextUpdate
    /// = `now + next_update_secs`, cRLNumber = `crl_number` (the caller keeps it increasing),
    /// authorityKeyIdentifier = the issuing CA's key identifier, and per entry its serial,
    /// revocation time and reasonCode (none for unspecified; see the module docs). With no
    /// revoked certificates the list is absent, as RFC 5280 section 5.1.2.6 requires.
    /// A malformed serial, a time X.509 cannot carry, removeFromCRL, or a non-positive
    /// `next_update_secs` is refused before anything is signed.
    pub fn crl(
        &self,
        revoked: &[Revoked],
        crl_number: u64,
        now: i64,
        next_update_secs: i64,
    ) -> Result<Vec<u8>> {
        if next_update_secs <= 0 {
            return Err(Error::CaTime(
                "the next CRL update must come after this one".into(),
            ));
        }
        let mut entries = Vec::with_capacity(revoked.len());
        for r in revoked {
            entries.push(entry(r)?);
        }
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(
                OctetString::new(self.issuing_ski.clone()).map_err(x509::encoding)?,
            ),
            ..Default::default()
        };
        let number = CrlNumber(Uint::new(&crl_number.to_be_bytes()).map_err(x509::encoding)?);
        let tbs = TbsCertList {
            version: x509_cert::certificate::Version::V2,
            signature: self.signer.signature_algorithm().algorithm_identifier(),
            issuer: self.issuing_name.clone(),
            this_update: x509::time(now)?,
            next_update: Some(x509::time(now.saturating_add(next_update_secs))?),
            revoked_certificates: (!entries.is_empty()).then_some(entries),
            crl_extensions: Some(vec![
                x509::extension(&aki, false)?,
                x509::extension(&number, false)?,
            ]),
        };
        let tbs_der = tbs.to_der().map_err(x509::encoding)?;
        x509::sign_der(&tbs_der, self.signer.as_ref())
    }
}

/// A CRL as `X509 CRL` PEM.
pub fn crl_pem(der: &[u8]) -> String {
    kunci_core::pem::encode("X509 CRL", der)
}

fn entry(r: &Revoked) -> Result<RevokedCert> {
    if r.reason == RevocationReason::RemoveFromCrl {
        return Err(Error::RevocationInvalid(
            "removeFromCRL belongs on delta CRLs only".into(),
        ));
    }
    let bytes = parse_serial(&r.serial_hex)?;
    let serial_number = SerialNumber::new(&bytes)
        .map_err(|_| Error::RevocationInvalid("the serial number is too long".into()))?;
    let crl_entry_extensions = match r.reason {
        RevocationReason::Unspecified => None,
        other => Some(vec![x509::extension(&other.rfc(), false)?]),
    };
    Ok(RevokedCert {
        serial_number,
        revocation_date: x509::time(r.revoked_at)?,
        crl_entry_extensions,
    })
}

/// Hex serial → big-endian bytes: 1 to 20 significant bytes, not zero.
fn parse_serial(hex: &str) -> Result<Vec<u8>> {
    let bad = || Error::RevocationInvalid("the serial number is not 1 to 20 bytes of hex".into());
    let digits: String = hex.trim().chars().filter(|c| *c != ':').collect();
    if digits.is_empty()
        || !digits.len().is_multiple_of(2)
        || !digits.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(bad());
    }
    let bytes: Vec<u8> = (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| bad()))
        .collect::<Result<_>>()?;
    let first = bytes.iter().position(|b| *b != 0).ok_or_else(bad)?;
    let significant = &bytes[first..];
    if significant.len() > 20 {
        return Err(bad());
    }
    Ok(significant.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_have_their_rfc_codes_and_names() {
        for r in RevocationReason::ALL {
            assert_eq!(RevocationReason::from_code(r.code()), Some(r));
            assert_eq!(RevocationReason::from_name(r.as_str()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        assert_eq!(RevocationReason::KeyCompromise.code(), 1);
        assert_eq!(RevocationReason::AaCompromise.code(), 10);
        assert_eq!(RevocationReason::from_code(7), None);
        assert!(RevocationReason::Superseded.holder_may_choose());
        assert!(!RevocationReason::CaCompromise.holder_may_choose());
        assert!(!RevocationReason::CertificateHold.holder_may_choose());
    }

    #[test]
    fn serial_hex_is_read_leniently_but_bounded() {
        assert_eq!(parse_serial("00:7F:01").unwrap(), [0x7f, 0x01]);
        assert_eq!(parse_serial("40ab").unwrap(), [0x40, 0xab]);
        for bad in ["", "0", "00", "xyz1", &"11".repeat(21)] {
            assert_eq!(
                parse_serial(bad).unwrap_err().code(),
                "ca.revocation_invalid",
                "{bad}"
            );
        }
    }
}
