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
//! DATA/ca-passphrase            the CA key passphrase, made at first start (mode 0600) unless
//!                               --ca-passphrase-file names one kept elsewhere
//! DATA/uploads/<sha256>.pdf     supporting documents
//! ```

use std::path::{Path, PathBuf};

use kunci_core::Password;
use kunci_core::key::KeyAlgorithm;
use zeroize::Zeroizing;

use crate::ca::{Authority, CaNames, EncryptedHierarchy, create_hierarchy};
use crate::error::{Error, Result};
use crate::store::{NewProduct, Store, UnixTime};
use crate::uploads::write_private;

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
    std::fs::create_dir_all(ca_dir).map_err(io("creating the CA folder"))?;
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let names = CaNames::for_organization(organization, "ID");
    let hierarchy = create_hierarchy(&names, KeyAlgorithm::P256, &mut rng, now)?;
    let encrypted = hierarchy.to_encrypted(passphrase, &mut rng)?;
    // Certificates first, the issuing key last: its presence is what marks a complete CA.
    std::fs::write(&files.root_cert, &encrypted.root_cert_pem).map_err(io("writing the CA"))?;
    std::fs::write(&files.issuing_cert, &encrypted.issuing_cert_pem)
        .map_err(io("writing the CA"))?;
    write_private(&files.root_key, encrypted.root_key_pem.as_bytes())?;
    write_private(&files.issuing_key, encrypted.issuing_key_pem.as_bytes())?;
    Ok((encrypted.authority(passphrase)?, true))
}

struct CaFiles {
    root_cert: PathBuf,
    root_key: PathBuf,
    issuing_cert: PathBuf,
    issuing_key: PathBuf,
}

impl CaFiles {
    fn new(dir: &Path) -> CaFiles {
        CaFiles {
            root_cert: dir.join("root.crt.pem"),
            root_key: dir.join("root.key.pem"),
            issuing_cert: dir.join("issuing.crt.pem"),
            issuing_key: dir.join("issuing.key.pem"),
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
