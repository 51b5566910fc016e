//! PKCS#10 certificate signing requests (RFC 2986): the subject DN, writing, parsing, verifying
//! and the portal's acceptance policy.
//!
//! [`Subject`] is the holder's identity as structured fields (CN, O, OU, L, ST, C, emailAddress,
//! serialNumber), checked once against the RFC 5280 bounds and encoded with the string types the
//! standards require. [`CsrBuilder`] writes a CSR carrying the portal's CSR token as the PKCS#9
//! `challengePassword` and the e-mail as a `subjectAltName` inside an `extensionRequest`; it
//! signs through [`Signer`](crate::Signer) or, for asynchronous signers (WebCrypto), in two
//! steps through [`TbsCsr`]. [`verify`] parses a CSR from anyone, checks its algorithms and its
//! signature (through [`crate::sign::verify_signature`]), and [`CsrInfo::check`] applies the
//! portal's rules (key kinds, registered subject, CSR token). [`show()`] describes any
//! well-formed CSR without judging it, with the signature's state and the policy verdict beside.
//!
//! One file per concern: `subject` (the DN and its RFC 4514 text), `build` (writing and
//! signing), `verify` (parsing, checking the signature, reading the attributes), `policy`
//! (what the portal accepts) and `show` (describing without refusing). Names are formatted by
//! the crate's `x509text`.

use der::asn1::ObjectIdentifier;

mod build;
mod keykind;
mod policy;
mod show;
mod subject;
mod verify;

pub use build::{Csr, CsrBuilder, TbsCsr};
pub use policy::CsrPolicy;
pub use show::{CsrReport, PolicyProblem, PolicyVerdict, SignatureCheck, SignatureStatus, show};
pub use subject::Subject;
pub use verify::{CsrInfo, verify};

/// The PKCS#9 upper bound on a challengePassword (`pkcs-9-ub-challengePassword`).
pub const MAX_CHALLENGE_PASSWORD_LEN: usize = 255;

// The attributes a CSR carries, written by `build` and read back by `verify`.
const OID_CHALLENGE_PASSWORD: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.7");
const OID_EXTENSION_REQ: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
const OID_SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// What the unit tests of several concerns share.
#[cfg(test)]
mod fixtures {
    pub(super) fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
        rand_core::UnwrapErr(getrandom::SysRng)
    }

    pub(super) const BUDI: &str = "CN=Budi Santoso,O=Dinas Kominfo,OU=TI,L=Bandung,ST=Jawa Barat,C=id,\
                        emailAddress=budi@example.go.id,serialNumber=3273010101010001";
}
