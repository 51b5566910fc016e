//! First start: the data folder, the CA made once and kept with its keys encrypted at rest,
//! the standard products, and (with `serve --demo`) a demo holder who already holds an issued
//! certificate plus an operator and an administrator, so PROCESS.md step 1 can begin at once.
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

use kunci_core::csr::{CsrBuilder, Subject};
use kunci_core::key::{KeyAlgorithm, KeyPair};
use zeroize::Zeroizing;

use crate::ca::{Authority, CaNames, EncryptedHierarchy, create_hierarchy};
use crate::error::{Error, Result};
use crate::portal::Portal;
use crate::store::{NewProduct, NewUser, Role, Store, UnixTime};

/// The organisation named in the CA certificates made at first start.
pub const DEFAULT_CA_ORGANIZATION: &str = "kunci Reference CA";

/// The two products every portal starts with: (name, type, profile).
pub const STANDARD_PRODUCTS: [(&str, &str, &str); 2] = [
    ("Sertifikat Elektronik Individu", "Individu", "individu"),
    (
        "Sertifikat Elektronik Dinas/Organisasi",
        "Dinas/Organisasi",
        "organisasi",
    ),
];

/// The demo holder's registered identity.
pub const DEMO_SUBJECT: &str = "CN=Budi Santoso,emailAddress=budi.santoso@example.go.id,\
     OU=Bidang Persandian,O=Dinas Komunikasi dan Informatika,L=Bandung,ST=Jawa Barat,C=ID";

/// The demo accounts' logins: holder, operator, administrator.
pub const DEMO_LOGINS: [(&str, Role); 3] = [
    ("demo", Role::Holder),
    ("operator", Role::Operator),
    ("admin", Role::Admin),
];

fn io(what: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Internal {
        detail: format!("{what}: {e}"),
    }
}

/// The CA passphrase from `file`: its first line. At first start (no CA yet, no file), a
/// random passphrase is written there with mode 0600.
pub fn ca_passphrase(file: &Path, ca_exists: bool) -> Result<Zeroizing<String>> {
    match std::fs::read_to_string(file) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            let line = text.lines().next().unwrap_or_default().trim();
            if line.len() < 16 {
                return Err(Error::CaInvalid(
                    "the CA passphrase file must hold at least 16 characters".into(),
                ));
            }
            Ok(Zeroizing::new(line.to_owned()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !ca_exists => {
            let pass = Zeroizing::new(crate::http::auth::random_token()?);
            write_private(file, pass.as_bytes())?;
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

/// Writes a file only its owner can read (0600 on Unix); see [`write_atomically`].
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, bytes, true)
}

/// Writes `bytes` to `path` through a temporary file beside it (random name, synced, then
/// renamed), so that a crash never leaves half a file under `path`; `private` makes it
/// readable by its owner only (0600 on Unix). A failed write removes the temporary file.
pub fn write_atomically(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(
        ".{name}.{}.tmp",
        crate::http::auth::random_token()?
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let stored = written.and_then(|()| std::fs::rename(&tmp, path));
    stored.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Internal {
            detail: format!("writing {}: {e}", path.display()),
        }
    })
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

/// A one-page PDF that any reader opens, used as the demo's Surat Rekomendasi.
pub fn demo_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Length 44 >>\nstream\nBT /F1 18 Tf 72 760 Td (Surat Rekomendasi) Tj ET\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        pdf.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// What [`seed_demo`] made.
#[derive(Debug)]
pub struct Demo {
    /// (login, role, password) of each demo account.
    pub accounts: Vec<(String, Role, Zeroizing<String>)>,
    /// The serial of the demo holder's certificate.
    pub certificate_serial: String,
}

/// Seeds the demo accounts when the database has no account yet; `None` when it has.
/// `password` is used for all three accounts when given, else each gets a random one.
///
/// The demo holder's certificate goes through the same steps as any other (token, CSR,
/// document, agreement, operator approval). Its key is made here and thrown away: a demo
/// starts at PROCESS.md step 1, which revokes that certificate or renews it, and a real
/// holder's key is never made on the server.
pub async fn seed_demo(
    store: &Store,
    portal: &Portal,
    password: Option<&str>,
    now: UnixTime,
) -> Result<Option<Demo>> {
    if !store.users().await?.is_empty() {
        return Ok(None);
    }
    seed_products(store, now).await?;
    let products = store.products().await?;
    let subject: Subject = DEMO_SUBJECT.parse()?;
    let mut accounts = Vec::new();
    let mut ids = Vec::new();
    for (login, role) in DEMO_LOGINS {
        let pass = Zeroizing::new(match password {
            Some(p) => p.to_owned(),
            None => crate::http::auth::random_token()?[..16].to_owned(),
        });
        let holder = role == Role::Holder;
        let new = NewUser {
            login: login.into(),
            display_name: match role {
                Role::Holder => "Budi Santoso".into(),
                Role::Operator => "Siti Rahayu (Verifikator)".into(),
                Role::Admin => "Administrator".into(),
            },
            email: match role {
                Role::Holder => "budi.santoso@example.go.id".into(),
                Role::Operator => "verifikator@example.go.id".into(),
                Role::Admin => "admin@example.go.id".into(),
            },
            nik: holder.then(|| "3273011506850003".to_owned()),
            organisation: holder.then(|| "Dinas Komunikasi dan Informatika".to_owned()),
            role: Some(role),
            password_hash: crate::http::auth::hash_password(pass.clone()).await?,
            identity: holder.then(|| subject.clone()),
            products: if holder {
                products.iter().map(|p| p.id).collect()
            } else {
                Vec::new()
            },
        };
        let user = store.create_user(&new, now).await?;
        ids.push(user.clone());
        accounts.push((login.to_owned(), role, pass));
    }
    let (holder, operator) = (&ids[0], &ids[1]);
    let product = products
        .iter()
        .find(|p| p.profile == "individu")
        .ok_or(Error::StoreNotFound { what: "product" })?;

    // A year ago the holder asked for a certificate; it was issued then.
    let then = now - 365 * 86_400;
    let token = Zeroizing::new(crate::http::auth::random_token()?);
    let request = store
        .create_enrollment(holder.id, product.id, &token, then + 3600, None, then)
        .await?;
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng)?;
    let csr = CsrBuilder::new(subject.clone())
        .email_san(subject.email.clone())
        .challenge_password(Some(token.to_string()))
        .sign(&key)?;
    drop(key);
    portal
        .upload_csr(store, holder, &token, csr.der(), then + 60)
        .await?;
    portal
        .attach_document(
            store,
            holder,
            request.id,
            "surat-rekomendasi.pdf",
            &demo_pdf(),
            then + 120,
        )
        .await?;
    store.submit(request.id, holder.id, then + 180).await?;
    // Issued "now" so the CA (made today) is valid; validity runs two years from today.
    portal
        .approve(store, request.id, Some(operator.id), now)
        .await?;
    let cert = store
        .certificates_of(holder.id)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::StoreNotFound {
            what: "certificate",
        })?;
    Ok(Some(Demo {
        accounts,
        certificate_serial: cert.serial_hex,
    }))
}

/// What [`sweep_uploads`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Temporary files of writes that never finished (a crash mid-upload).
    pub temporary: usize,
    /// Documents no request names (written, then the request's transaction never committed).
    pub unnamed: usize,
}

/// Removes from the uploads folder what a crash can leave behind and nothing names: temporary
/// files (`.NAME.RANDOM.tmp`) and documents (`SHA256.pdf`) no request points at, when last
/// written more than `older_than` ago. The age keeps the uploads of other instances sharing
/// the folder (PostgreSQL) safe while they are in flight; a single instance starting may
/// sweep everything (`older_than` zero). Anything else in the folder is left alone.
pub async fn sweep_uploads(
    uploads: &Path,
    store: &crate::store::Store,
    older_than: std::time::Duration,
) -> Result<Swept> {
    let named = store.document_hashes().await?;
    let entries = match std::fs::read_dir(uploads) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Swept::default()),
        Err(e) => return Err(io("reading the uploads folder")(e)),
    };
    let now = std::time::SystemTime::now();
    let mut swept = Swept::default();
    for entry in entries {
        let entry = entry.map_err(io("reading the uploads folder"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let temporary = name.starts_with('.') && name.ends_with(".tmp");
        let unnamed = name
            .strip_suffix(".pdf")
            .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            && !named.contains(name.trim_end_matches(".pdf"));
        if !temporary && !unnamed {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        if !meta.is_file() || age < older_than {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) if temporary => swept.temporary += 1,
            Ok(()) => swept.unnamed += 1,
            // Another instance swept it first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("sweeping the uploads folder")(e)),
        }
    }
    Ok(swept)
}
