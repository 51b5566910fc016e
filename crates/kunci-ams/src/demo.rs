//! The demo (`serve --demo`): a holder who already holds an issued certificate, plus an
//! operator and an administrator, so docs/PROCESS.md step 1 can begin at once; and the one-page
//! PDF it (and the tests) use as the Surat Rekomendasi.

use kunci_core::csr::{CsrBuilder, Subject};
use kunci_core::key::{KeyAlgorithm, KeyPair};
use kunci_core::{CsrToken, Password};

use crate::error::{Error, Result};
use crate::portal::Portal;
use crate::setup::seed_products;
use crate::store::{Actor, NewUser, Role, Store, UnixTime};

/// The demo holder's registered identity.
pub const DEMO_SUBJECT: &str = "CN=Budi Santoso,emailAddress=budi.santoso@example.go.id,\
     OU=Bidang Persandian,O=Dinas Komunikasi dan Informatika,L=Bandung,ST=Jawa Barat,C=ID";

/// The demo accounts' logins: holder, operator, administrator.
pub const DEMO_LOGINS: [(&str, Role); 3] = [
    ("demo", Role::Holder),
    ("operator", Role::Operator),
    ("admin", Role::Admin),
];

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
    pub accounts: Vec<(String, Role, Password)>,
    /// The serial of the demo holder's certificate.
    pub certificate_serial: String,
}

/// Seeds the demo accounts when the database has no account yet; `None` when it has.
/// `password` is used for all three accounts when given, else each gets a random one.
///
/// The demo holder's certificate goes through the same steps as any other (token, CSR,
/// document, agreement, operator approval). Its key is made here and thrown away: a demo
/// starts at docs/PROCESS.md step 1, which revokes that certificate or renews it, and a real
/// holder's key is never made on the server.
pub async fn seed_demo(
    store: &Store,
    portal: &Portal,
    password: Option<&Password>,
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
        let pass = match password {
            Some(p) => p.clone(),
            None => Password::from(&crate::http::auth::random_token()?[..16]),
        };
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
            created_by: Actor::System,
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
    let token = CsrToken::from(crate::http::auth::random_token()?);
    let request = store
        .create_enrollment(holder.id, product.id, &token, then + 3600, None, then)
        .await?;
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng)?;
    let csr = CsrBuilder::new(subject.clone())
        .email_san(subject.email.clone())
        .challenge_password(Some(token.expose().to_owned()))
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
