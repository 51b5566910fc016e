//! The portal's certificate authority: a root and an issuing CA, certificate profiles per
//! product, issuance from CSRs checked by kunci-core, revocation and CRLs.
//!
//! Pure logic, like kunci-core: no file or network I/O, no clock, no randomness of its own
//! (except [`pkcs11`], which talks to the token that holds the keys). Callers pass `now` as
//! Unix seconds and an RNG (`&mut impl CryptoRng`); the portal stores what comes out. Every
//! signature goes through [`kunci_core::Signer`], implemented once by [`CaKey`] ([`key`]): a
//! key in memory or a non-extractable key on a PKCS#11 token ([`pkcs11`]), one code path for
//! certificates, CRLs, OCSP responses and timestamp tokens either way.
//!
//! - [`create_hierarchy`] makes a self-signed root CA (20 years) and an issuing CA signed by it
//!   (10 years, pathLen 0). [`Hierarchy::to_encrypted`] exports both with the private keys as
//!   `ENCRYPTED PRIVATE KEY` PEM (PBES2, kunci-core's default 600 000 PBKDF2 iterations): the
//!   "CA keys encrypted at rest" of issue 5. Keys never leave this module unencrypted.
//! - [`Authority`] is the issuing CA at work: [`Authority::issue`] ([`issue`]),
//!   [`Authority::crl`] ([`crl`]) and [`Authority::chain_pem`]. It holds the root certificate
//!   but never the root key, which can stay offline once the issuing CA exists.
//! - [`Profile`] ([`profile`]) says what each product's certificates contain.
//! - [`Responders`]: the OCSP responder ([`ocsp`], a delegated signer under the issuing CA)
//!   and the timestamp authority ([`tsa`], under the root), each with a key of its own.

pub mod crl;
pub mod issue;
pub mod key;
pub mod ocsp;
pub mod pkcs11;
pub mod profile;
pub mod tsa;
mod x509;

use core::fmt;

use der::{Decode, Encode};
use kunci_core::csr::Subject;
use kunci_core::key::{KeyAlgorithm, KeyPair};
use kunci_core::{Signer, pem, pkcs8};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::certificate::Version;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::time::Validity;

pub use crl::{RevocationReason, Revoked};
pub use issue::Issued;
pub use key::CaKey;
pub use profile::{KeyUsageBit, Profile};

use crate::{Error, Result};

/// The CA key algorithm for real use: ECDSA P-256. It gives about 128-bit security (more than
/// RSA 3072's, at a fraction of the size), signs in well under a millisecond (the CRL is
/// re-signed on every revocation), and every judge kunci answers to (OpenSSL, NSS, Java,
/// Windows, Python `cryptography`, PDF signers) verifies P-256 chains, including chains over
/// RSA holder keys. Choose [`KeyAlgorithm::Rsa3072`] where a relying party still demands RSA;
/// RSA 2048 is refused for a CA that lives 20 years.
pub const DEFAULT_CA_ALGORITHM: KeyAlgorithm = KeyAlgorithm::P256;

/// The root CA's validity: 20 years (with 5 leap days).
pub const ROOT_VALIDITY_SECS: i64 = (20 * 365 + 5) * 86_400;

/// The issuing CA's validity: 10 years (with 3 leap days), capped at the root's end.
pub const ISSUING_VALIDITY_SECS: i64 = (10 * 365 + 3) * 86_400;

/// How far back every certificate's notBefore is set, so that a relying party whose clock is a
/// little behind does not see a fresh certificate as "not yet valid".
pub const CLOCK_SKEW_SECS: i64 = 5 * 60;

/// The names of the two CA certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaNames {
    /// The root CA's subject.
    pub root: Subject,
    /// The issuing CA's subject (also the issuer of every holder certificate and CRL).
    pub issuing: Subject,
}

impl CaNames {
    /// `CN={organization} Root CA` and `CN={organization} Issuing CA`, with `O` and `C` set.
    pub fn for_organization(organization: &str, country: &str) -> CaNames {
        let name = |cn: String| Subject {
            common_name: cn,
            organization: Some(organization.to_owned()),
            country: Some(country.to_owned()),
            ..Subject::default()
        };
        CaNames {
            root: name(format!("{organization} Root CA")),
            issuing: name(format!("{organization} Issuing CA")),
        }
    }
}

/// A CA certificate with its private key.
pub struct CaKeys {
    cert_der: Vec<u8>,
    key: CaKey,
}

impl fmt::Debug for CaKeys {
    // The key's Debug shows only its kind; the certificate is public.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaKeys")
            .field("cert_len", &self.cert_der.len())
            .field("key", &self.key)
            .finish()
    }
}

impl CaKeys {
    /// The certificate's DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificate as `CERTIFICATE` PEM.
    pub fn cert_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.cert_der)
    }

    /// The private key, as a signer.
    pub fn signer(&self) -> &CaKey {
        &self.key
    }

    /// A certificate with the key it was made for (checked: the key must be the
    /// certificate's). For keys kept apart from their certificate, such as on a token.
    pub fn new(cert: &[u8], key: CaKey) -> Result<CaKeys> {
        let cert_der = pem::der_or_pem(cert, &["CERTIFICATE"])?;
        let parsed = Certificate::from_der(&cert_der)
            .map_err(|e| Error::CaInvalid(format!("unreadable CA certificate: {e}")))?;
        if parsed.tbs_certificate().subject_public_key_info() != &key.spki()? {
            return Err(Error::CaInvalid(
                "a CA key is not the key of its certificate".into(),
            ));
        }
        Ok(CaKeys { cert_der, key })
    }
}

/// A root CA and an issuing CA, both with their private keys (just made, or just decrypted).
#[derive(Debug)]
pub struct Hierarchy {
    /// The self-signed root CA.
    pub root: CaKeys,
    /// The issuing CA, signed by the root.
    pub issuing: CaKeys,
}

/// A [`Hierarchy`] as it is stored: certificates in `CERTIFICATE` PEM, private keys only in
/// `ENCRYPTED PRIVATE KEY` PEM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedHierarchy {
    /// The root CA certificate.
    pub root_cert_pem: String,
    /// The root CA key, encrypted (PKCS#8 PBES2).
    pub root_key_pem: String,
    /// The issuing CA certificate.
    pub issuing_cert_pem: String,
    /// The issuing CA key, encrypted (PKCS#8 PBES2).
    pub issuing_key_pem: String,
}

/// Makes a new root CA and an issuing CA signed by it, both with keys of `algorithm` (see
/// [`DEFAULT_CA_ALGORITHM`]). The root is valid for 20 years, the issuing CA for 10; both
/// start [`CLOCK_SKEW_SECS`] before `now`. Extensions: basicConstraints CA:TRUE (critical;
/// pathLen 0 on the issuing CA), keyUsage keyCertSign + cRLSign (critical),
/// subjectKeyIdentifier, authorityKeyIdentifier.
pub fn create_hierarchy<R: CryptoRng + ?Sized>(
    names: &CaNames,
    algorithm: KeyAlgorithm,
    rng: &mut R,
    now: i64,
) -> Result<Hierarchy> {
    if algorithm == KeyAlgorithm::Rsa2048 {
        return Err(Error::CaInvalid(
            "RSA 2048 is too weak for a CA key: use p256, rsa3072 or rsa4096".into(),
        ));
    }
    // Names first: a bad name is refused before any key is made.
    names.root.to_name()?;
    names.issuing.to_name()?;
    let root_key = KeyPair::generate(algorithm, rng)?;
    let issuing_key = KeyPair::generate(algorithm, rng)?;
    create_hierarchy_with(names, root_key.into(), issuing_key.into(), rng, now)
}

/// [`create_hierarchy`] around keys made elsewhere (on a token: [`pkcs11::Token::generate`]).
pub fn create_hierarchy_with<R: CryptoRng + ?Sized>(
    names: &CaNames,
    root_key: CaKey,
    issuing_key: CaKey,
    rng: &mut R,
    now: i64,
) -> Result<Hierarchy> {
    let root_name = names.root.to_name()?;
    let issuing_name = names.issuing.to_name()?;
    let root_spki = root_key.spki()?;
    let issuing_spki = issuing_key.spki()?;
    let root_ski = x509::key_identifier(&root_spki);

    let start = now.saturating_sub(CLOCK_SKEW_SECS);
    let root_end = now.saturating_add(ROOT_VALIDITY_SECS);
    let root_cert = ca_certificate(CaCert {
        issuer: root_name.clone(),
        subject: root_name,
        spki: root_spki,
        not_before: start,
        not_after: root_end,
        path_len: None,
        authority_ski: root_ski.clone(),
        signer: &root_key,
        rng,
    })?;
    let issuing_cert = ca_certificate(CaCert {
        issuer: Certificate::from_der(&root_cert)
            .map_err(x509::encoding)?
            .tbs_certificate()
            .subject()
            .clone(),
        subject: issuing_name,
        spki: issuing_spki,
        not_before: start,
        not_after: now.saturating_add(ISSUING_VALIDITY_SECS).min(root_end),
        path_len: Some(0),
        authority_ski: root_ski,
        signer: &root_key,
        rng,
    })?;
    Ok(Hierarchy {
        root: CaKeys {
            cert_der: root_cert,
            key: root_key,
        },
        issuing: CaKeys {
            cert_der: issuing_cert,
            key: issuing_key,
        },
    })
}

impl Hierarchy {
    /// Exports the hierarchy with both private keys encrypted under `password` (PKCS#8,
    /// PBES2 with PBKDF2-HMAC-SHA256 at kunci-core's default count and AES-256-CBC).
    pub fn to_encrypted<R: CryptoRng + ?Sized>(
        &self,
        password: &[u8],
        rng: &mut R,
    ) -> Result<EncryptedHierarchy> {
        let it = pkcs8::DEFAULT_ITERATIONS;
        let (CaKey::File(root), CaKey::File(issuing)) = (&self.root.key, &self.issuing.key) else {
            return Err(Error::CaInvalid(
                "keys on a token cannot be exported to files".into(),
            ));
        };
        Ok(EncryptedHierarchy {
            root_cert_pem: self.root.cert_pem(),
            root_key_pem: pkcs8::encrypt_pem(root, password, it, rng)?,
            issuing_cert_pem: self.issuing.cert_pem(),
            issuing_key_pem: pkcs8::encrypt_pem(issuing, password, it, rng)?,
        })
    }

    /// The issuing CA at work with an OCSP responder and a TSA of fresh P-256 keys, all in
    /// memory ([`Responders::create`]); the root key signs the TSA certificate and is then
    /// dropped (and zeroized).
    pub fn into_authority_with_responders<R: CryptoRng + ?Sized>(
        self,
        now: i64,
        rng: &mut R,
    ) -> Result<(Authority, Responders)> {
        let root = self.root;
        let authority = Authority::new(
            &root.cert_der,
            &self.issuing.cert_der,
            Box::new(self.issuing.key),
        )?;
        let responders = Responders::create(&root, &authority, KeyAlgorithm::P256, now, rng)?;
        Ok((authority, responders))
    }

    /// The issuing CA at work. The root key is dropped (and zeroized) here.
    pub fn into_authority(self) -> Result<Authority> {
        Authority::new(
            &self.root.cert_der,
            &self.issuing.cert_der,
            Box::new(self.issuing.key),
        )
    }
}

impl EncryptedHierarchy {
    /// Decrypts both keys and checks each against its certificate. A wrong password is
    /// [`Error::CaKeyLocked`].
    pub fn decrypt(&self, password: &[u8]) -> Result<Hierarchy> {
        let root = load_keys(&self.root_cert_pem, &self.root_key_pem, password)?;
        let issuing = load_keys(&self.issuing_cert_pem, &self.issuing_key_pem, password)?;
        check_pair(&root.cert_der, &issuing.cert_der)?;
        Ok(Hierarchy { root, issuing })
    }

    /// The issuing CA at work, decrypting only the issuing key: the root key stays sealed.
    /// A wrong password is [`Error::CaKeyLocked`].
    pub fn authority(&self, password: &[u8]) -> Result<Authority> {
        let issuing = load_keys(&self.issuing_cert_pem, &self.issuing_key_pem, password)?;
        let root = pem::der_or_pem(self.root_cert_pem.as_bytes(), &["CERTIFICATE"])?;
        Authority::new(&root, &issuing.cert_der, Box::new(issuing.key))
    }
}

/// The CA's two online services, each with its own key: the OCSP responder (certificate
/// issued by the issuing CA) and the timestamp authority (certificate issued by the root).
#[derive(Debug)]
pub struct Responders {
    /// The delegated OCSP responder.
    pub ocsp: ocsp::OcspResponder,
    /// The RFC 3161 timestamp authority.
    pub tsa: tsa::TimeStampAuthority,
}

impl Responders {
    /// New responders with fresh keys of `algorithm`, kept in memory only: the OCSP
    /// certificate from `authority`, the TSA certificate from `root` (the hierarchy's root,
    /// whose key this needs once). For tests and one-off portals; `kunci-ams serve` keeps
    /// them in the data folder (`setup::open_or_create_responders`).
    pub fn create<R: CryptoRng + ?Sized>(
        root: &CaKeys,
        authority: &Authority,
        algorithm: KeyAlgorithm,
        now: i64,
        rng: &mut R,
    ) -> Result<Responders> {
        let (ocsp_key, ocsp_cert) = Responders::new_ocsp(
            authority,
            KeyPair::generate(algorithm, rng)?.into(),
            now,
            rng,
        )?;
        let (tsa_key, tsa_cert) =
            Responders::new_tsa(root, KeyPair::generate(algorithm, rng)?.into(), now, rng)?;
        Ok(Responders {
            ocsp: ocsp::OcspResponder::new(authority, &ocsp_cert, std::sync::Arc::new(ocsp_key))?,
            tsa: tsa::TimeStampAuthority::new(root.cert_der(), &tsa_cert, Box::new(tsa_key))?,
        })
    }

    /// An OCSP responder certificate (DER) from `authority` for a fresh `key` (in memory or
    /// just made on a token), answered with it.
    pub fn new_ocsp<R: CryptoRng + ?Sized>(
        authority: &Authority,
        key: CaKey,
        now: i64,
        rng: &mut R,
    ) -> Result<(CaKey, Vec<u8>)> {
        let cert = authority.issue_ocsp_certificate(key.spki()?, now, rng)?;
        Ok((key, cert))
    }

    /// A TSA certificate (DER) from the root for a fresh `key`, answered with it.
    pub fn new_tsa<R: CryptoRng + ?Sized>(
        root: &CaKeys,
        key: CaKey,
        now: i64,
        rng: &mut R,
    ) -> Result<(CaKey, Vec<u8>)> {
        let cert = tsa::issue_tsa_certificate(root, key.spki()?, now, rng)?;
        Ok((key, cert))
    }
}

/// The issuing CA at work: issues holder certificates and signs CRLs through its
/// [`Signer`]. It holds the root certificate (for the chain), never the root key.
pub struct Authority {
    root_der: Vec<u8>,
    issuing_der: Vec<u8>,
    issuing_name: Name,
    issuing_ski: Vec<u8>,
    issuing_not_before: i64,
    issuing_not_after: i64,
    signer: Box<dyn Signer + Send + Sync>,
}

impl fmt::Debug for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authority")
            .field("issuing_not_after", &self.issuing_not_after)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// Puts an issuing CA to work. `root_cert` and `issuing_cert` are DER or PEM; `signer`
    /// holds the issuing CA's private key (in memory, on a token...). Refused with
    /// [`Error::CaInvalid`] when either certificate is not a CA, the issuing CA is not signed by
    /// the root (name and signature), or the signer's public key is not the issuing CA's.
    pub fn new(
        root_cert: &[u8],
        issuing_cert: &[u8],
        signer: Box<dyn Signer + Send + Sync>,
    ) -> Result<Authority> {
        let root_der = pem::der_or_pem(root_cert, &["CERTIFICATE"])?;
        let issuing_der = pem::der_or_pem(issuing_cert, &["CERTIFICATE"])?;
        let (_, issuing) = check_pair(&root_der, &issuing_der)?;
        let issuing = issuing.tbs_certificate();
        let spki = issuing.subject_public_key_info();
        let same = signer
            .public_key_der()
            .ok()
            .and_then(|k| SubjectPublicKeyInfoOwned::from_der(&k).ok())
            .is_some_and(|k| &k == spki);
        if !same {
            return Err(Error::CaInvalid(
                "the issuing CA's key is not the key of its certificate".into(),
            ));
        }
        let issuing_ski = issuing
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, ski)| ski.0.as_bytes().to_vec())
            .unwrap_or_else(|| x509::key_identifier(spki));
        Ok(Authority {
            issuing_name: issuing.subject().clone(),
            issuing_not_before: x509::unix(&issuing.validity().not_before),
            issuing_not_after: x509::unix(&issuing.validity().not_after),
            issuing_ski,
            root_der,
            issuing_der,
            signer,
        })
    }

    /// The root CA certificate (DER).
    pub fn root_cert_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The issuing CA certificate (DER).
    pub fn issuing_cert_der(&self) -> &[u8] {
        &self.issuing_der
    }

    /// The issuing CA certificate as PEM (what the AIA caIssuers URL serves, in DER).
    pub fn issuing_cert_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.issuing_der)
    }

    /// The root CA certificate as PEM.
    pub fn root_cert_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.root_der)
    }

    /// The chain for download: the issuing CA, then the root, as PEM.
    pub fn chain_pem(&self) -> String {
        self.issuing_cert_pem() + &self.root_cert_pem()
    }

    /// The end of the issuing CA's validity (Unix seconds): no certificate outlives it.
    pub fn issuing_not_after(&self) -> i64 {
        self.issuing_not_after
    }
}

// ---- helpers ----

/// What one CA certificate needs.
struct CaCert<'a, R: ?Sized> {
    issuer: Name,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    not_before: i64,
    not_after: i64,
    path_len: Option<u8>,
    authority_ski: Vec<u8>,
    signer: &'a CaKey,
    rng: &'a mut R,
}

fn ca_certificate<R: CryptoRng + ?Sized>(c: CaCert<'_, R>) -> Result<Vec<u8>> {
    let (serial_number, _) = issue::serial(c.rng)?;
    let ski = x509::key_identifier(&c.spki);
    let octets = |b: Vec<u8>| der::asn1::OctetString::new(b).map_err(x509::encoding);
    let extensions = vec![
        x509::extension(
            &BasicConstraints {
                ca: true,
                path_len_constraint: c.path_len,
            },
            true,
        )?,
        x509::extension(&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true)?,
        x509::extension(&SubjectKeyIdentifier(octets(ski)?), false)?,
        x509::extension(
            &AuthorityKeyIdentifier {
                key_identifier: Some(octets(c.authority_ski)?),
                ..Default::default()
            },
            false,
        )?,
    ];
    let tbs = x509::TbsCertificate {
        version: Version::V3,
        serial_number,
        signature: c.signer.signature_algorithm().algorithm_identifier(),
        issuer: c.issuer,
        validity: Validity::new(x509::time(c.not_before)?, x509::time(c.not_after)?),
        subject: c.subject,
        subject_public_key_info: c.spki,
        extensions,
    };
    x509::sign_certificate(&tbs, c.signer)
}

/// Parses both CA certificates and checks that they are CAs, that the root's self-signature
/// verifies, and that the issuing CA is the root's (issuer name and signature).
fn check_pair(root_der: &[u8], issuing_der: &[u8]) -> Result<(Certificate, Certificate)> {
    let root = read_ca(root_der, "root")?;
    let issuing = read_ca(issuing_der, "issuing CA")?;
    let root_key = root.tbs_certificate().subject_public_key_info();
    if !x509::verify_signed(root_der, root_key) {
        return Err(Error::CaInvalid(
            "the root certificate's self-signature does not verify".into(),
        ));
    }
    if issuing.tbs_certificate().issuer() != root.tbs_certificate().subject()
        || !x509::verify_signed(issuing_der, root_key)
    {
        return Err(Error::CaInvalid(
            "the issuing CA was not issued by this root (its signature does not verify with \
             the root's key)"
                .into(),
        ));
    }
    Ok((root, issuing))
}

/// Parses a CA certificate and checks basicConstraints CA:TRUE.
fn read_ca(der: &[u8], what: &str) -> Result<Certificate> {
    let cert = Certificate::from_der(der)
        .map_err(|e| Error::CaInvalid(format!("the {what} certificate is unreadable: {e}")))?;
    let is_ca = cert
        .tbs_certificate()
        .get_extension::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, bc)| bc.ca);
    if !is_ca {
        return Err(Error::CaInvalid(format!(
            "the {what} certificate is not a CA certificate"
        )));
    }
    Ok(cert)
}

/// Decrypts a key kept as `ENCRYPTED PRIVATE KEY` PEM; a wrong password is
/// [`Error::CaKeyLocked`].
pub fn decrypt_key(key_pem: &str, password: &[u8]) -> Result<KeyPair> {
    pkcs8::decrypt(key_pem.as_bytes(), password).map_err(|e| match e {
        kunci_core::Error::Pkcs8WrongPassword | kunci_core::Error::EmptyPassword => {
            Error::CaKeyLocked
        }
        other => Error::Core(other),
    })
}

/// Encrypts a key as `ENCRYPTED PRIVATE KEY` PEM under `password`, like the CA keys (PBES2,
/// kunci-core's default PBKDF2 count, AES-256-CBC).
pub fn encrypt_key<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    password: &[u8],
    rng: &mut R,
) -> Result<String> {
    Ok(pkcs8::encrypt_pem(
        key,
        password,
        pkcs8::DEFAULT_ITERATIONS,
        rng,
    )?)
}

/// Decrypts a CA key and checks it belongs to its certificate.
fn load_keys(cert_pem: &str, key_pem: &str, password: &[u8]) -> Result<CaKeys> {
    let cert_der = pem::der_or_pem(cert_pem.as_bytes(), &["CERTIFICATE"])?;
    let key = decrypt_key(key_pem, password)?;
    let cert = Certificate::from_der(&cert_der)
        .map_err(|e| Error::CaInvalid(format!("unreadable CA certificate: {e}")))?;
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(x509::encoding)?;
    if !key.matches_public_key(&spki) {
        return Err(Error::CaInvalid(
            "a CA key is not the key of its certificate".into(),
        ));
    }
    Ok(CaKeys {
        cert_der,
        key: key.into(),
    })
}
