//! Accounts, the identity registered for each holder, products and per-holder product grants.
//!
//! Logins are kept lower-case (ASCII) so that `Budi` and `budi` are one account. Password
//! hashes arrive already hashed (argon2id PHC strings, made by the HTTP layer) and are kept
//! out of `Debug`. A registered identity is checked by kunci-core's subject rules before it is
//! stored, so that it round-trips to the very [`Subject`] every CSR is compared with.

use core::fmt;

use kunci_core::csr::Subject;
use sqlx::any::AnyRow;

use super::audit::{Actor, Entry, append, wall_clock};
use super::{DbResultExt, Id, Store, UnixTime, col, conflict_on_unique, flag, required};
use crate::error::{Error, Result};
use crate::words::Lang;

/// What an account may do in the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A certificate holder: requests, downloads and revokes their own certificates.
    Holder,
    /// The registration authority's verifier: approves and rejects requests.
    Operator,
    /// Manages accounts, products and grants.
    Admin,
}

impl Role {
    /// The role's name as stored and shown (`holder`, `operator`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Holder => "holder",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    /// The role named `name` (as [`Role::as_str`] writes it).
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "holder" => Some(Role::Holder),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: Id,
    /// Login name, lower-case, unique.
    pub login: String,
    /// Name shown in the portal.
    pub display_name: String,
    /// Where notices are e-mailed.
    pub email: String,
    /// NIK (Indonesian identity number), when registered.
    pub nik: Option<String>,
    /// Organisation (instansi), when registered.
    pub organisation: Option<String>,
    /// What the account may do.
    pub role: Role,
    /// The password's argon2id hash as a PHC string (never the password).
    pub password_hash: String,
    /// A disabled account cannot log in.
    pub disabled: bool,
    /// When the account was made.
    pub created_at: UnixTime,
    /// The language the account chose (`PUT /api/me/language`): notices and e-mail are
    /// written in it.
    pub lang: Lang,
}

impl fmt::Debug for User {
    // The hash is not the password, but it is what an offline guesser needs: keep it out
    // of logs that print a user.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("email", &self.email)
            .field("nik", &self.nik)
            .field("organisation", &self.organisation)
            .field("role", &self.role)
            .field("password_hash", &"<redacted>")
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .field("lang", &self.lang)
            .finish()
    }
}

/// A new account, with its registered identity and granted products, made in one step.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    /// Login name (stored lower-case; must not be empty).
    pub login: String,
    /// Name shown in the portal.
    pub display_name: String,
    /// E-mail address for notices.
    pub email: String,
    /// NIK, if known.
    pub nik: Option<String>,
    /// Organisation, if known.
    pub organisation: Option<String>,
    /// Role; `None` means [`Role::Holder`].
    pub role: Option<Role>,
    /// argon2id PHC string made by the caller.
    pub password_hash: String,
    /// The subject the holder's CSRs must carry (checked by kunci-core's rules).
    pub identity: Option<Subject>,
    /// Products the holder may request.
    pub products: Vec<Id>,
    /// Who makes the account (the audit log's actor): an administrator over HTTP, the
    /// command line, or the portal itself (the default: first start, the demo).
    pub created_by: Actor,
}

/// A certificate product a holder may request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Row id.
    pub id: Id,
    /// Name shown in "Produk" (unique).
    pub name: String,
    /// Certificate type ("Jenis Sertifikat"), e.g. individual or organisational.
    pub cert_type: String,
    /// Name of the CA profile certificates of this product are issued under.
    pub profile: String,
    /// When the product was made.
    pub created_at: UnixTime,
}

/// A new product.
#[derive(Clone, Debug, Default)]
pub struct NewProduct {
    /// Name (unique, not empty).
    pub name: String,
    /// Certificate type.
    pub cert_type: String,
    /// CA profile name.
    pub profile: String,
}

/// The columns [`user_from_row`] reads, as a literal for `concat!` (sqlx takes only static
/// query strings).
macro_rules! user_columns {
    () => {
        "id, login, display_name, email, nik, organisation, role, password_hash, disabled, \
         created_at, lang"
    };
}

impl Store {
    /// Makes an account with its identity and product grants, all or nothing: an unknown
    /// product leaves no account behind. A login already taken is [`Error::StoreConflict`].
    pub async fn create_user(&self, new: &NewUser, now: UnixTime) -> Result<User> {
        let login = normalise_login(&new.login)?;
        required(&new.display_name, "display name")?;
        required(&new.password_hash, "password hash")?;
        checked_account_text(new, &login)?;
        let identity = new.identity.clone().map(checked_subject).transpose()?;
        let role = new.role.unwrap_or(Role::Holder);

        let mut tx = self.begin_audited().await?;
        let id: Id = sqlx::query_scalar(
            "INSERT INTO users (login, display_name, email, nik, organisation, role, \
             password_hash, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id",
        )
        .bind(&login)
        .bind(&new.display_name)
        .bind(&new.email)
        .bind(new.nik.as_deref())
        .bind(new.organisation.as_deref())
        .bind(role.as_str())
        .bind(&new.password_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_on_unique(
            "creating a user",
            "this login is already taken",
        ))?;
        if let Some(subject) = &identity {
            upsert_identity(&mut tx, id, subject).await?;
        }
        for &product in &new.products {
            insert_grant(&mut tx, id, product, now).await?;
        }
        // Registration: who made which account with which role. Never the password hash.
        let entry = Entry::new(new.created_by.clone(), "user.created", user_subject(id))
            .with("login", login.clone())
            .with("role", role.as_str())
            .with("identity", identity.is_some())
            .with("products", new.products.clone());
        append(&mut tx, &entry, now).await?;
        tx.commit().await.db("committing a new user")?;
        self.user(id).await
    }

    /// The account `id`.
    pub async fn user(&self, id: Id) -> Result<User> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .db("reading a user")?;
        row.as_ref()
            .map(user_from_row)
            .transpose()?
            .ok_or(Error::StoreNotFound { what: "user" })
    }

    /// The account with this login (compared lower-case), if any.
    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        let login = login.trim().to_ascii_lowercase();
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE login = $1"
        ))
        .bind(login)
        .fetch_optional(&self.pool)
        .await
        .db("reading a user by login")?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every account, by login.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users ORDER BY login"
        ))
        .fetch_all(&self.pool)
        .await
        .db("listing users")?;
        rows.iter().map(user_from_row).collect()
    }

    /// Disables or re-enables an account. Disabling also ends its sessions, in the same
    /// transaction, so that nobody stays logged in on a disabled account.
    pub async fn set_user_disabled(&self, id: Id, disabled: bool, by: &Actor) -> Result<()> {
        let mut tx = self.begin_audited().await?;
        set_user_disabled_in(&mut tx, id, disabled, by).await?;
        tx.commit().await.db("committing a user's disabled flag")
    }

    /// Replaces an account's password hash (argon2id PHC string made by the caller) and ends
    /// every session of the account in the same transaction: whoever held the old password
    /// (or a session opened with it) is logged out.
    pub async fn set_password_hash(&self, id: Id, password_hash: &str, by: &Actor) -> Result<()> {
        required(password_hash, "password hash")?;
        let mut tx = self.begin_audited().await?;
        set_password_hash_in(&mut tx, id, password_hash, by).await?;
        tx.commit().await.db("committing a password hash")
    }

    /// Sets the language account `id` reads the portal in (notices and e-mail are written
    /// in it from then on). Recorded in the audit log with who changed it.
    pub async fn set_user_lang(&self, id: Id, lang: Lang, by: &Actor) -> Result<()> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
            .bind(lang.code())
            .bind(id)
            .execute(&mut *tx)
            .await
            .db("setting a user's language")?;
        if done.rows_affected() == 0 {
            return Err(Error::StoreNotFound { what: "user" });
        }
        let entry = Entry::new(by.clone(), "user.language_changed", user_subject(id))
            .with("lang", lang.code());
        append(&mut tx, &entry, wall_clock()).await?;
        tx.commit().await.db("committing a user's language")
    }

    /// Registers (or replaces) the identity a holder's CSRs must carry. The subject is checked
    /// and normalised by kunci-core's rules first (an invalid one is a `Core` error).
    pub async fn set_identity(&self, user: Id, subject: &Subject, by: &Actor) -> Result<Subject> {
        let subject = checked_subject(subject.clone())?;
        let mut tx = self.begin_audited().await?;
        ensure_user(&mut tx, user).await?;
        upsert_identity(&mut tx, user, &subject).await?;
        let entry = Entry::new(by.clone(), "identity.registered", user_subject(user))
            .with("common_name", subject.common_name.clone());
        append(&mut tx, &entry, wall_clock()).await?;
        tx.commit().await.db("committing an identity")?;
        Ok(subject)
    }

    /// The identity registered for `user`, if any.
    pub async fn identity(&self, user: Id) -> Result<Option<Subject>> {
        let row = sqlx::query(
            "SELECT common_name, email, organization, organizational_unit, locality, state, \
             country, serial_number FROM identities WHERE user_id = $1",
        )
        .bind(user)
        .fetch_optional(&self.pool)
        .await
        .db("reading an identity")?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Subject {
            common_name: col(&row, "common_name")?,
            email: col(&row, "email")?,
            organization: col(&row, "organization")?,
            organizational_unit: col(&row, "organizational_unit")?,
            locality: col(&row, "locality")?,
            state: col(&row, "state")?,
            country: col(&row, "country")?,
            serial_number: col(&row, "serial_number")?,
        }))
    }

    /// Makes a product. A name already taken is [`Error::StoreConflict`].
    pub async fn create_product(&self, new: &NewProduct, now: UnixTime) -> Result<Product> {
        required(&new.name, "product name")?;
        required(&new.cert_type, "certificate type")?;
        required(&new.profile, "profile name")?;
        let mut tx = self.begin_audited().await?;
        let id: Id = sqlx::query_scalar(
            "INSERT INTO products (name, cert_type, profile, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(new.name.trim())
        .bind(new.cert_type.trim())
        .bind(new.profile.trim())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_on_unique(
            "creating a product",
            "a product with this name already exists",
        ))?;
        // Products are made by the portal at first start (and by tests): its own act.
        let entry = Entry::new(Actor::System, "product.created", format!("product:{id}"))
            .with("name", new.name.trim())
            .with("profile", new.profile.trim());
        append(&mut tx, &entry, now).await?;
        tx.commit().await.db("committing a product")?;
        self.product(id).await
    }

    /// The product `id`.
    pub async fn product(&self, id: Id) -> Result<Product> {
        let row = sqlx::query(
            "SELECT id, name, cert_type, profile, created_at FROM products WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .db("reading a product")?;
        row.as_ref()
            .map(product_from_row)
            .transpose()?
            .ok_or(Error::StoreNotFound { what: "product" })
    }

    /// Every product, by name.
    pub async fn products(&self) -> Result<Vec<Product>> {
        let rows = sqlx::query(
            "SELECT id, name, cert_type, profile, created_at FROM products ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await
        .db("listing products")?;
        rows.iter().map(product_from_row).collect()
    }

    /// Lets `user` request `product`. Granting twice is not an error.
    pub async fn grant_product(
        &self,
        user: Id,
        product: Id,
        now: UnixTime,
        by: &Actor,
    ) -> Result<()> {
        let mut tx = self.begin_audited().await?;
        insert_grant(&mut tx, user, product, now).await?;
        let entry =
            Entry::new(by.clone(), "product.granted", user_subject(user)).with("product", product);
        append(&mut tx, &entry, now).await?;
        tx.commit().await.db("committing a grant")
    }

    /// Withdraws a grant (requests already made stay). Withdrawing a missing grant is
    /// [`Error::StoreNotFound`].
    pub async fn revoke_product(&self, user: Id, product: Id, by: &Actor) -> Result<()> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query("DELETE FROM product_grants WHERE user_id = $1 AND product_id = $2")
            .bind(user)
            .bind(product)
            .execute(&mut *tx)
            .await
            .db("withdrawing a grant")?;
        if done.rows_affected() == 0 {
            return Err(Error::StoreNotFound { what: "grant" });
        }
        let entry = Entry::new(by.clone(), "product.grant_withdrawn", user_subject(user))
            .with("product", product);
        append(&mut tx, &entry, wall_clock()).await?;
        tx.commit().await.db("committing a withdrawn grant")
    }

    /// The products `user` may request, by name.
    pub async fn granted_products(&self, user: Id) -> Result<Vec<Product>> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, p.cert_type, p.profile, p.created_at \
             FROM products p JOIN product_grants g ON g.product_id = p.id \
             WHERE g.user_id = $1 ORDER BY p.name",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .db("listing granted products")?;
        rows.iter().map(product_from_row).collect()
    }
}

pub(super) fn user_from_row(row: &AnyRow) -> Result<User> {
    let role: String = col(row, "role")?;
    Ok(User {
        id: col(row, "id")?,
        login: col(row, "login")?,
        display_name: col(row, "display_name")?,
        email: col(row, "email")?,
        nik: col(row, "nik")?,
        organisation: col(row, "organisation")?,
        role: Role::parse(&role).ok_or_else(|| Error::StoreUnavailable {
            detail: format!("unknown role {role:?} in users"),
        })?,
        password_hash: col(row, "password_hash")?,
        disabled: flag(row, "disabled")?,
        created_at: col(row, "created_at")?,
        lang: {
            let code: String = col(row, "lang")?;
            code.parse().map_err(|_| Error::StoreUnavailable {
                detail: format!("unknown language {code:?} in users"),
            })?
        },
    })
}

fn product_from_row(row: &AnyRow) -> Result<Product> {
    Ok(Product {
        id: col(row, "id")?,
        name: col(row, "name")?,
        cert_type: col(row, "cert_type")?,
        profile: col(row, "profile")?,
        created_at: col(row, "created_at")?,
    })
}

fn normalise_login(login: &str) -> Result<String> {
    let login = login.trim().to_ascii_lowercase();
    if login.is_empty() || login.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::StoreInvalid { what: "login" });
    }
    Ok(login)
}

/// [`Store::set_user_disabled`] inside the caller's audited transaction (the staff rules in
/// `staff.rs` check the last administrator in the same transaction).
pub(super) async fn set_user_disabled_in(
    conn: &mut sqlx::AnyConnection,
    id: Id,
    disabled: bool,
    by: &Actor,
) -> Result<()> {
    let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id)
        .execute(&mut *conn)
        .await
        .db("disabling a user")?;
    if done.rows_affected() == 0 {
        return Err(Error::StoreNotFound { what: "user" });
    }
    if disabled {
        end_sessions_in(conn, id, "ending a disabled user's sessions").await?;
    }
    let action = if disabled {
        "user.disabled"
    } else {
        "user.enabled"
    };
    append(
        conn,
        &Entry::new(by.clone(), action, user_subject(id)),
        wall_clock(),
    )
    .await?;
    Ok(())
}

/// Ends every session of account `id` inside the caller's transaction (`what` names the
/// change that ends them, for the error).
async fn end_sessions_in(conn: &mut sqlx::AnyConnection, id: Id, what: &'static str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .db(what)?;
    Ok(())
}

/// [`Store::set_password_hash`] inside the caller's audited transaction (a password reset
/// code is used up in the same transaction as the password it sets).
pub(super) async fn set_password_hash_in(
    conn: &mut sqlx::AnyConnection,
    id: Id,
    password_hash: &str,
    by: &Actor,
) -> Result<()> {
    let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(id)
        .execute(&mut *conn)
        .await
        .db("setting a password hash")?;
    if done.rows_affected() == 0 {
        return Err(Error::StoreNotFound { what: "user" });
    }
    end_sessions_in(conn, id, "ending the sessions of a changed password").await?;
    // That it changed and who changed it (the account itself, or an administrator's
    // reset); neither password nor hash.
    let action = if *by == Actor::User(id) {
        "user.password_changed"
    } else {
        "user.password_reset"
    };
    append(
        conn,
        &Entry::new(by.clone(), action, user_subject(id)),
        wall_clock(),
    )
    .await?;
    Ok(())
}

/// The typed texts of a new account within their limits ([`super::limits`]), and its e-mail
/// address (when given) one by kunci-core's rules, the same a CSR's address meets.
fn checked_account_text(new: &NewUser, login: &str) -> Result<()> {
    use super::{limits, within};
    within(login, "login", limits::LOGIN)?;
    within(&new.display_name, "name", limits::DISPLAY_NAME)?;
    if let Some(nik) = &new.nik {
        within(nik, "NIK", limits::NIK)?;
    }
    if let Some(organisation) = &new.organisation {
        within(organisation, "organisation", limits::ORGANISATION)?;
    }
    if !new.email.is_empty() {
        kunci_core::email::check(&new.email).map_err(|_| Error::EmailInvalid)?;
    }
    Ok(())
}

fn checked_subject(mut subject: Subject) -> Result<Subject> {
    subject.validate()?;
    Ok(subject)
}

/// [`Error::StoreNotFound`] unless the account exists (checked inside the caller's
/// transaction, so it cannot vanish before the caller's write).
pub(super) async fn ensure_user(tx: &mut sqlx::AnyConnection, id: Id) -> Result<()> {
    let found: Option<Id> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .db("checking a user")?;
    found
        .map(|_| ())
        .ok_or(Error::StoreNotFound { what: "user" })
}

async fn upsert_identity(tx: &mut sqlx::AnyConnection, user: Id, s: &Subject) -> Result<()> {
    sqlx::query(
        "INSERT INTO identities (user_id, common_name, email, organization, \
         organizational_unit, locality, state, country, serial_number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (user_id) DO UPDATE SET common_name = excluded.common_name, \
         email = excluded.email, organization = excluded.organization, \
         organizational_unit = excluded.organizational_unit, locality = excluded.locality, \
         state = excluded.state, country = excluded.country, \
         serial_number = excluded.serial_number",
    )
    .bind(user)
    .bind(&s.common_name)
    .bind(s.email.as_deref())
    .bind(s.organization.as_deref())
    .bind(s.organizational_unit.as_deref())
    .bind(s.locality.as_deref())
    .bind(s.state.as_deref())
    .bind(s.country.as_deref())
    .bind(s.serial_number.as_deref())
    .execute(&mut *tx)
    .await
    .db("storing an identity")?;
    Ok(())
}

async fn insert_grant(
    tx: &mut sqlx::AnyConnection,
    user: Id,
    product: Id,
    now: UnixTime,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO product_grants (user_id, product_id, granted_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, product_id) DO NOTHING",
    )
    .bind(user)
    .bind(product)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => Error::StoreNotFound {
            what: "user or product",
        },
        _ => super::unavailable("granting a product")(e),
    })?;
    Ok(())
}

/// The audit log's name for account `id`.
pub(super) fn user_subject(id: Id) -> String {
    format!("user:{id}")
}
