//! What B-LT's document security store must answer for: one OCSP question for every
//! certificate of a signature's validation material that is not a trust anchor (the signer's,
//! any CA between it and the root, the TSA's), each with its issuer and responder.
//!
//! An OCSP response about the signer alone is not long-term validation: pyHanko's LTV check
//! (`sign adesverify`, ETSI EN 319 102-1) also wants revocation data for the TSA's certificate
//! and for every intermediate CA, and refuses the file without it (a CRL of the root hid this,
//! since it covers every certificate the root issued). Callers (the CLI, the npm package) ask
//! each question here and put every answer in the DSS.

use der::Decode;
use x509_cert::Certificate;

use super::cms;
use crate::Result;

/// One certificate a B-LT DSS needs revocation data for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspQuestion {
    /// The certificate (DER).
    pub cert: Vec<u8>,
    /// Its issuer (DER).
    pub issuer: Vec<u8>,
    /// The OCSP responder the certificate names (authorityInfoAccess), if any.
    pub url: Option<String>,
    /// The OCSP request (DER, to POST as `application/ocsp-request`).
    pub request: Vec<u8>,
}

/// The OCSP questions for `certs` (DER each, e.g. [`super::Signed::validation_certificates`]):
/// one per certificate whose issuer is among `certs` and that is not self-issued (a root is
/// trusted as it is). Certificates kunci cannot read, or whose issuer is missing, are left out:
/// nothing can be asked about them.
pub fn ocsp_questions(certs: &[Vec<u8>]) -> Result<Vec<OcspQuestion>> {
    let parsed: Vec<(Vec<u8>, Certificate)> = certs
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok().map(|c| (d.clone(), c)))
        .collect();
    let mut out = Vec::new();
    for (der, cert) in &parsed {
        let tbs = cert.tbs_certificate();
        if tbs.subject() == tbs.issuer() {
            continue;
        }
        let Some((issuer_der, issuer)) = parsed.iter().find(|(_, i)| {
            i.tbs_certificate().subject() == tbs.issuer() && super::verify::issued_by(cert, i)
        }) else {
            continue;
        };
        let question = OcspQuestion {
            cert: der.clone(),
            issuer: issuer_der.clone(),
            url: super::sign::ocsp_url(der)?,
            request: cms::ocsp_request(cert, issuer)?,
        };
        if !out.contains(&question) {
            out.push(question);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_certificates_ask_nothing() {
        assert_eq!(
            ocsp_questions(&[b"not a certificate".to_vec()]).unwrap(),
            []
        );
    }
}
