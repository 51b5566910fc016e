//! First start: the data folder, the CA made once and kept with its keys encrypted at rest,
//! and the standard products. The demo accounts (`serve --demo`) are [`crate::demo`]'s; the
//! uploads folder and atomic writes are [`crate::uploads`]'s.
//!
//! The data folder:
//!
//! ```text
//! DATA/kunci.db                 SQLite database (unless --database-url names another)
//! DATA/ca/root.crt.pem          root CA certificate
//! DATA/ca/root.key.pem          root CA key, ENCRYPTED PRIVATE KEY (PBES2, AES-256)
//! DATA/ca/issuing.crt.pem       issuing CA certificate
//! DATA/ca/issuing.key.pem       issuing CA key, ENCRYPTED PRIVATE KEY
//! DATA/ca/ocsp.crt.pem          OCSP responder certificate (issued by the issuing CA)
//! DATA/ca/ocsp.key.pem          OCSP responder key, ENCRYPTED PRIVATE KEY
//! DATA/ca/tsa.crt.pem           timestamp authority certificate (issued by the root)
//! DATA/ca/tsa.key.pem           timestamp authority key, ENCRYPTED PRIVATE KEY
//! DATA/ca-passphrase            the CA key passphrase, made at first start (mode 0600) unless
//!                               --ca-passphrase-file names one kept elsewhere
//! DATA/ca/pkcs11-token          instead of the four *.key.pem and the passphrase, with
//!                               `serve --ca-pkcs11-*`: the label of the PKCS#11 token that
//!                               holds the keys (kunci-ca-root, kunci-ca-issuing, kunci-ocsp,
//!                               kunci-tsa), made there and never extractable
//! DATA/uploads/<sha256>.pdf     supporting documents
//! ```
//!
//! All of it is its owner's only (Unix: folders 0700, files 0600): the database holds password
//! and session hashes, the uploads holders' documents. [`restrict_umask`] makes every file the
//! process creates so (SQLite's `-wal` and `-shm` included), the folders and files made here
//! say so themselves, and [`make_private`] finds at start what an older version or a hand
//! left open to other local users and closes it.

use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

use kunci_core::Password;
use kunci_core::key::KeyAlgorithm;
use zeroize::Zeroizing;

use crate::ca::ocsp::OcspResponder;
use crate::ca::pkcs11::{ISSUING_LABEL, OCSP_LABEL, ROOT_LABEL, TSA_LABEL, Token};
use crate::ca::tsa::TimeStampAuthority;
use crate::ca::{
    Authority, CaKey, CaKeys, CaNames, EncryptedHierarchy, Responders, create_hierarchy,
    create_hierarchy_with, decrypt_key, encrypt_key,
};
use crate::error::{Error, Result};
use crate::store::{NewProduct, Store, UnixTime};
use crate::uploads::write_private;
use kunci_core::key::KeyPair;

/// The organisation named in the CA certificates made at first start.
pub const DEFAULT_CA_ORGANIZATION: &str = "kunci Reference CA";

/// The two products made at first start: (name, type, profile).
pub const STANDARD_PRODUCTS: [(&str, &str, &str); 2] = [
    ("Sertifikat Elektronik Individu", "Individu", "individu"),
    (
        "Sertifikat Elektronik Dinas/Organisasi",
        "Dinas/Organisasi",
        "organisasi",
    ),
];

fn io(what: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Internal {
        detail: format!("{what}: {e}"),
    }
}

/// The CA passphrase from `file`: its first line. At first start (no CA yet, no file), a
/// random passphrase is written there with mode 0600.
pub fn ca_passphrase(file: &Path, ca_exists: bool) -> Result<Password> {
    match std::fs::read_to_string(file) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            let line = text.lines().next().unwrap_or_default().trim();
            if line.len() < 16 {
                return Err(Error::CaInvalid(
                    "the CA passphrase file must hold at least 16 characters".into(),
                ));
            }
            Ok(Password::from(line))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !ca_exists => {
            let pass = Password::from(crate::http::auth::random_token()?);
            write_private(file, pass.expose().as_bytes())?;
            Ok(pass)
        }
        Err(e) => Err(Error::CaInvalid(format!(
            "cannot read the CA passphrase file {}: {e}",
            file.display()
        ))),
    }
}

/// Loads the CA from `DATA/ca/`, or makes it (P-256 root and issuing CA) when the folder has
/// none. The keys are written only encrypted under `passphrase`; a wrong passphrase is
/// `ca.key_locked`.
pub fn open_or_create_ca(
    ca_dir: &Path,
    passphrase: &[u8],
    organization: &str,
    now: UnixTime,
) -> Result<(Authority, bool)> {
    check_key_source(ca_dir, false)?;
    let files = CaFiles::new(ca_dir);
    if files.issuing_key.exists() {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(io("reading the CA files"));
        let encrypted = EncryptedHierarchy {
            root_cert_pem: read(&files.root_cert)?,
            root_key_pem: read(&files.root_key)?,
            issuing_cert_pem: read(&files.issuing_cert)?,
            issuing_key_pem: read(&files.issuing_key)?,
        };
        return Ok((encrypted.authority(passphrase)?, false));
    }
    create_private_dir(ca_dir).map_err(io("creating the CA folder"))?;
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let names = CaNames::for_organization(organization, "ID");
    let hierarchy = create_hierarchy(&names, KeyAlgorithm::P256, &mut rng, now)?;
    let encrypted = hierarchy.to_encrypted(passphrase, &mut rng)?;
    // Certificates first, the issuing key last: its presence is what marks a complete CA.
    write_private(&files.root_cert, encrypted.root_cert_pem.as_bytes())?;
    write_private(&files.issuing_cert, encrypted.issuing_cert_pem.as_bytes())?;
    write_private(&files.root_key, encrypted.root_key_pem.as_bytes())?;
    write_private(&files.issuing_key, encrypted.issuing_key_pem.as_bytes())?;
    Ok((encrypted.authority(passphrase)?, true))
}

/// Refuses to go on when the data folder's CA keys are not where this start looks for them
/// (`on_token`: `serve --ca-pkcs11-*`), with `ca.key_source_mismatch`: a CA made with
/// encrypted key files started with a token, or the reverse, would otherwise make a second
/// set of keys beside the first and a CA that no longer matches its certificates. A folder
/// with no CA yet is fine either way.
pub fn check_key_source(ca_dir: &Path, on_token: bool) -> Result<()> {
    let files = CaFiles::new(ca_dir);
    let has_key_files = files.issuing_key.exists() || files.root_key.exists();
    let made_on_token =
        files.token_marker.exists() || (files.issuing_cert.exists() && !files.issuing_key.exists());
    if on_token && has_key_files {
        return Err(Error::CaKeySourceMismatch(format!(
            "the CA in {} keeps its keys in encrypted files (*.key.pem): start it without \
             --ca-pkcs11-module/--ca-pkcs11-token, or start a new data folder on the token",
            ca_dir.display()
        )));
    }
    if !on_token && made_on_token {
        let label = std::fs::read_to_string(&files.token_marker).unwrap_or_default();
        return Err(Error::CaKeySourceMismatch(format!(
            "the CA in {} keeps its keys on a PKCS#11 token{}: start it with \
             --ca-pkcs11-module and --ca-pkcs11-token",
            ca_dir.display(),
            match label.trim() {
                "" => String::new(),
                l => format!(" (labelled {l:?})"),
            }
        )));
    }
    Ok(())
}

/// [`open_or_create_ca`] with the keys on `token`: loads the CA whose certificates are in
/// `DATA/ca/`, its issuing key found on the token (by label and by the certificate's public
/// key), or makes it there (P-256 root and issuing keys, `CKA_SENSITIVE`, never
/// extractable) and writes only the certificates and `DATA/ca/pkcs11-token`. A data folder
/// whose CA keeps key files is `ca.key_source_mismatch`; a token without the CA's key (a
/// different token, or one wiped) is `ca.token`, never a new CA.
pub fn open_or_create_ca_on_token(
    ca_dir: &Path,
    token: &Token,
    organization: &str,
    now: UnixTime,
) -> Result<(Authority, bool)> {
    check_key_source(ca_dir, true)?;
    let files = CaFiles::new(ca_dir);
    let read = |p: &Path| std::fs::read(p).map_err(io("reading the CA files"));
    if files.issuing_cert.exists() {
        let root = read(&files.root_cert)?;
        let issuing = read(&files.issuing_cert)?;
        let key = token_key(token, ISSUING_LABEL, &issuing, &files.issuing_cert)?;
        return Ok((Authority::new(&root, &issuing, Box::new(key))?, false));
    }
    create_private_dir(ca_dir).map_err(io("creating the CA folder"))?;
    // The marker first: from now on a start with file keys refuses this folder.
    write_private(
        &files.token_marker,
        format!("{}\n", token.label()).as_bytes(),
    )?;
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let names = CaNames::for_organization(organization, "ID");
    let root_key = token.generate(ROOT_LABEL, KeyAlgorithm::P256)?;
    let issuing_key = token.generate(ISSUING_LABEL, KeyAlgorithm::P256)?;
    let hierarchy = create_hierarchy_with(
        &names,
        CaKey::Token(root_key),
        CaKey::Token(issuing_key),
        &mut rng,
        now,
    )?;
    // The issuing certificate last: its presence is what marks a complete CA.
    write_private(&files.root_cert, hierarchy.root.cert_pem().as_bytes())?;
    write_private(&files.issuing_cert, hierarchy.issuing.cert_pem().as_bytes())?;
    Ok((hierarchy.into_authority()?, true))
}

/// The key labelled `label` on `token` that belongs to the certificate `cert` (read from
/// `path`), or `ca.token` saying it is not there.
fn token_key(token: &Token, label: &str, cert: &[u8], path: &Path) -> Result<CaKey> {
    let spki = cert_spki(cert)?;
    match token.find_key(label, &spki)? {
        Some(key) => Ok(CaKey::Token(key)),
        None => Err(Error::CaToken(format!(
            "the token {:?} holds no key labelled {label} for {}: is it the token this CA was \
             made on?",
            token.label(),
            path.display()
        ))),
    }
}

/// The public key of a certificate (PEM or DER).
fn cert_spki(cert: &[u8]) -> Result<spki::SubjectPublicKeyInfoOwned> {
    use der::Decode;
    let der = kunci_core::pem::der_or_pem(cert, &["CERTIFICATE"])?;
    let cert = x509_cert::Certificate::from_der(&der)
        .map_err(|e| Error::CaInvalid(format!("unreadable CA certificate: {e}")))?;
    Ok(cert.tbs_certificate().subject_public_key_info().clone())
}

/// Where [`open_or_create_responders`] keeps the responders' keys.
enum Keys<'a> {
    /// Encrypted files beside the certificates, under the CA passphrase.
    Files(&'a [u8]),
    /// On the CA's token.
    Token(&'a Token),
}

impl Keys<'_> {
    /// The key for the certificate `cert_pem` (`""` when it is missing): from `key_file`,
    /// or from the token by `label`. `None` when there is none (to be made); a wrong
    /// passphrase is an error, never a replacement.
    fn load(&self, key_file: &Path, cert_pem: &str, label: &str) -> Result<Option<CaKey>> {
        match self {
            Keys::Files(passphrase) => {
                if !key_file.exists() {
                    return Ok(None);
                }
                let text = std::fs::read_to_string(key_file).map_err(io("reading the CA files"))?;
                Ok(Some(decrypt_key(&text, passphrase)?.into()))
            }
            Keys::Token(token) => match cert_spki(cert_pem.as_bytes()) {
                Ok(spki) => Ok(token.find_key(label, &spki)?.map(CaKey::Token)),
                Err(_) => Ok(None),
            },
        }
    }

    /// A new P-256 key: in memory, or on the token labelled `label`.
    fn make(&self, label: &str) -> Result<CaKey> {
        match self {
            Keys::Files(_) => {
                let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
                Ok(KeyPair::generate(KeyAlgorithm::P256, &mut rng)?.into())
            }
            Keys::Token(token) => Ok(CaKey::Token(token.generate(label, KeyAlgorithm::P256)?)),
        }
    }

    /// Keeps a key made by [`Keys::make`]: encrypted to `key_file` (after its certificate
    /// was written: the key's presence marks a complete pair), or nothing (it is on the
    /// token already).
    fn store(&self, key_file: &Path, key: &CaKey) -> Result<()> {
        match (self, key) {
            (Keys::Files(passphrase), CaKey::File(key)) => {
                let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
                write_private(key_file, encrypt_key(key, passphrase, &mut rng)?.as_bytes())
            }
            _ => Ok(()),
        }
    }

    /// The root CA with its key, for signing a TSA certificate.
    fn root(&self, files: &CaFiles) -> Result<CaKeys> {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(io("reading the CA files"));
        match self {
            Keys::Files(passphrase) => {
                let encrypted = EncryptedHierarchy {
                    root_cert_pem: read(&files.root_cert)?,
                    root_key_pem: read(&files.root_key)?,
                    issuing_cert_pem: read(&files.issuing_cert)?,
                    issuing_key_pem: read(&files.issuing_key)?,
                };
                Ok(encrypted.decrypt(passphrase)?.root)
            }
            Keys::Token(token) => {
                let cert = read(&files.root_cert)?;
                let key = token_key(token, ROOT_LABEL, cert.as_bytes(), &files.root_cert)?;
                CaKeys::new(cert.as_bytes(), key)
            }
        }
    }
}

/// What [`open_or_create_responders`] did besides loading, for the operator's log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ResponderEvents {
    /// A new OCSP responder key and certificate were made.
    pub ocsp_created: bool,
    /// The OCSP responder's certificate was renewed (same key).
    pub ocsp_renewed: bool,
    /// A new TSA key and certificate were made (first start, renewal, or an unusable pair).
    pub tsa_created: bool,
}

/// Loads the OCSP responder and the timestamp authority from `DATA/ca/`, making what is
/// missing: the first start of a new data folder, or of one made before they existed (the
/// upgrade). Their keys are P-256 and kept only encrypted under the CA `passphrase`, like the
/// CA's. The OCSP certificate is renewed (same key) once in its last 30 days; the TSA key and
/// certificate are replaced once fewer than 5 years of the certificate are left (see
/// [`crate::ca::tsa`]), which needs the root key, decrypted here for that moment only. A
/// pair that no longer fits (a certificate of another CA, a key not its certificate's) is
/// replaced too; a wrong passphrase is `ca.key_locked`, never a replacement.
pub fn open_or_create_responders(
    ca_dir: &Path,
    passphrase: &[u8],
    authority: &Authority,
    now: UnixTime,
) -> Result<(Responders, ResponderEvents)> {
    responders(ca_dir, &Keys::Files(passphrase), authority, now)
}

/// [`open_or_create_responders`] with the keys on `token` (labelled `kunci-ocsp` and
/// `kunci-tsa`, found by the certificates' public keys): what is missing is made there, and
/// the root key that signs a new TSA certificate is the token's too.
pub fn open_or_create_responders_on_token(
    ca_dir: &Path,
    token: &Token,
    authority: &Authority,
    now: UnixTime,
) -> Result<(Responders, ResponderEvents)> {
    responders(ca_dir, &Keys::Token(token), authority, now)
}

fn responders(
    ca_dir: &Path,
    keys: &Keys<'_>,
    authority: &Authority,
    now: UnixTime,
) -> Result<(Responders, ResponderEvents)> {
    let files = CaFiles::new(ca_dir);
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let mut events = ResponderEvents::default();
    let cert_text = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let write_cert = |p: &Path, der: &[u8]| {
        write_private(p, kunci_core::pem::encode("CERTIFICATE", der).as_bytes())
    };

    // OCSP: under the issuing CA, whose key is at hand.
    let cert = cert_text(&files.ocsp_cert);
    let loaded = keys
        .load(&files.ocsp_key, &cert, OCSP_LABEL)?
        .map(|key| OcspResponder::new(authority, cert.as_bytes(), std::sync::Arc::new(key)));
    let ocsp = match loaded {
        Some(Ok(responder)) if !responder.renewal_due(now) => responder,
        Some(Ok(responder)) => {
            let cert = responder.renew(authority, now, &mut rng)?;
            write_cert(&files.ocsp_cert, &cert)?;
            events.ocsp_renewed = true;
            responder.with_certificate(authority, &cert)?
        }
        _ => {
            let (key, cert) =
                Responders::new_ocsp(authority, keys.make(OCSP_LABEL)?, now, &mut rng)?;
            // Certificate first, key last: the key's presence marks a complete pair.
            write_cert(&files.ocsp_cert, &cert)?;
            keys.store(&files.ocsp_key, &key)?;
            events.ocsp_created = true;
            OcspResponder::new(authority, &cert, std::sync::Arc::new(key))?
        }
    };

    // TSA: under the root.
    let root_cert = authority.root_cert_der();
    let cert = cert_text(&files.tsa_cert);
    let loaded = keys
        .load(&files.tsa_key, &cert, TSA_LABEL)?
        .and_then(|key| TimeStampAuthority::new(root_cert, cert.as_bytes(), Box::new(key)).ok());
    let tsa = match loaded {
        Some(tsa) if !tsa.renewal_due(now) => tsa,
        _ => {
            let root = keys.root(&files)?;
            let (key, cert) = Responders::new_tsa(&root, keys.make(TSA_LABEL)?, now, &mut rng)?;
            drop(root);
            write_cert(&files.tsa_cert, &cert)?;
            keys.store(&files.tsa_key, &key)?;
            events.tsa_created = true;
            TimeStampAuthority::new(root_cert, &cert, Box::new(key))?
        }
    };
    Ok((Responders { ocsp, tsa }, events))
}

/// Writes a renewed OCSP responder certificate (PEM) where
/// [`open_or_create_responders`] reads it.
pub fn store_ocsp_certificate(ca_dir: &Path, cert_der: &[u8]) -> Result<()> {
    write_private(
        &CaFiles::new(ca_dir).ocsp_cert,
        kunci_core::pem::encode("CERTIFICATE", cert_der).as_bytes(),
    )
}

struct CaFiles {
    root_cert: PathBuf,
    root_key: PathBuf,
    issuing_cert: PathBuf,
    issuing_key: PathBuf,
    ocsp_cert: PathBuf,
    ocsp_key: PathBuf,
    tsa_cert: PathBuf,
    tsa_key: PathBuf,
    token_marker: PathBuf,
}

impl CaFiles {
    fn new(dir: &Path) -> CaFiles {
        CaFiles {
            root_cert: dir.join("root.crt.pem"),
            root_key: dir.join("root.key.pem"),
            issuing_cert: dir.join("issuing.crt.pem"),
            issuing_key: dir.join("issuing.key.pem"),
            ocsp_cert: dir.join("ocsp.crt.pem"),
            ocsp_key: dir.join("ocsp.key.pem"),
            tsa_cert: dir.join("tsa.crt.pem"),
            tsa_key: dir.join("tsa.key.pem"),
            token_marker: dir.join("pkcs11-token"),
        }
    }
}

/// Makes the standard products that do not exist yet.
pub async fn seed_products(store: &Store, now: UnixTime) -> Result<()> {
    let existing = store.products().await?;
    for (name, cert_type, profile) in STANDARD_PRODUCTS {
        if existing.iter().any(|p| p.name == name) {
            continue;
        }
        let new = NewProduct {
            name: name.into(),
            cert_type: cert_type.into(),
            profile: profile.into(),
        };
        store.create_product(&new, now).await?;
    }
    Ok(())
}

/// Makes every file and folder this process creates from now on readable by its owner only:
/// adds `077` to the process's umask (Unix; nothing elsewhere). Called first thing by the
/// binary, so that it also covers the files the portal does not create itself, SQLite's
/// `-wal` and `-shm` beside the database and `-journal` during migrations, without a moment
/// in which they are open to other users.
pub fn restrict_umask() {
    #[cfg(unix)]
    {
        use rustix::fs::Mode;
        use rustix::process::umask;
        // umask can only be read by setting it: set the strict one, then add what the old one
        // held besides (an administrator's stricter umask stays).
        let old = umask(Mode::from_raw_mode(0o077));
        umask(old | Mode::from_raw_mode(0o077));
    }
}

/// Makes the folder `dir` and its missing parents, readable by their owner only (0700 on
/// Unix). An existing folder is left as it is ([`make_private`] looks at it).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)
}

/// A file or folder of the data folder that other local users could reach, made owner-only
/// by [`make_private`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tightened {
    /// The file or folder.
    pub path: PathBuf,
    /// Its permission bits before (`0o644`).
    pub old_mode: u32,
    /// Its permission bits now: the owner's as they were, none for group and others.
    pub new_mode: u32,
}

/// Makes the data folder `dir` and everything in it owner-only (Unix; nothing elsewhere),
/// answering what had group or other permissions and was fixed. Symbolic links inside are
/// neither changed nor followed (their targets are outside the portal's care); `dir` itself
/// may be one. A missing `dir` is nothing to fix. Something the process may not change (it
/// does not own it) is [`Error::DataFolderExposed`], naming it and its mode.
pub fn make_private(dir: &Path) -> Result<Vec<Tightened>> {
    #[cfg(unix)]
    {
        let mut tightened = Vec::new();
        match std::fs::metadata(dir) {
            Ok(meta) => tighten(dir, &meta, &mut tightened)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(exposed(dir, None, &e)),
        }
        Ok(tightened)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(Vec::new())
    }
}

/// [`make_private`] for `path` (whose metadata is `meta`) and, for a folder, what it holds.
#[cfg(unix)]
fn tighten(path: &Path, meta: &std::fs::Metadata, done: &mut Vec<Tightened>) -> Result<()> {
    let old_mode = meta.permissions().mode() & 0o7777;
    if old_mode & 0o077 != 0 {
        let new_mode = old_mode & !0o077;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(new_mode))
            .map_err(|e| exposed(path, Some(old_mode), &e))?;
        done.push(Tightened {
            path: path.to_owned(),
            old_mode,
            new_mode,
        });
    }
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| exposed(path, None, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| exposed(path, None, &e))?;
            let child = entry.path();
            let meta = std::fs::symlink_metadata(&child).map_err(|e| exposed(&child, None, &e))?;
            if !meta.file_type().is_symlink() {
                tighten(&child, &meta, done)?;
            }
        }
    }
    Ok(())
}

/// The refusal to start over `path` (of mode `mode`, when known) that could not be looked at or
/// made owner-only.
#[cfg(unix)]
fn exposed(path: &Path, mode: Option<u32>, e: &std::io::Error) -> Error {
    let what = match mode {
        Some(mode) => format!(
            "{} is open to other users (mode {mode:04o}) and cannot be made owner-only \
             ({e}); run the portal as its owner, or chmod go-rwx it",
            path.display()
        ),
        None => format!("cannot check {} ({e})", path.display()),
    };
    Error::DataFolderExposed(what)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[allow(clippy::unwrap_used)]
    #[test]
    fn make_private_closes_what_is_open_and_leaves_links_alone() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let set = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
        };
        create_private_dir(&data.join("uploads")).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("uploads")), 0o700);
        std::fs::write(data.join("kunci.db"), "").unwrap();
        std::fs::write(data.join("uploads/a.pdf"), "").unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "").unwrap();
        set(&outside, 0o644);
        std::os::unix::fs::symlink(&outside, data.join("link")).unwrap();
        set(&data, 0o755);
        set(&data.join("kunci.db"), 0o644);
        set(&data.join("uploads/a.pdf"), 0o660);
        set(&data.join("uploads"), 0o750);

        let mut fixed = make_private(&data).unwrap();
        fixed.sort_by(|a, b| a.path.cmp(&b.path));
        let seen: Vec<_> = fixed
            .iter()
            .map(|t| {
                (
                    t.path.strip_prefix(&data).unwrap().to_owned(),
                    t.old_mode,
                    t.new_mode,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (PathBuf::new(), 0o755, 0o700),
                (PathBuf::from("kunci.db"), 0o644, 0o600),
                (PathBuf::from("uploads"), 0o750, 0o700),
                (PathBuf::from("uploads/a.pdf"), 0o660, 0o600),
            ]
        );
        assert_eq!(mode(&outside), 0o644, "a link's target is not changed");
        assert!(
            make_private(&data).unwrap().is_empty(),
            "a second look finds nothing"
        );
        assert!(
            make_private(&dir.path().join("missing"))
                .unwrap()
                .is_empty()
        );
    }
}
