//! The portal's HTTP application: [`app`] builds the axum [`Router`] from an [`AppState`], so
//! that tests drive it with `tower::ServiceExt::oneshot` and no socket, and `kunci-ams serve`
//! binds it to an address.
//!
//! This layer owns accounts and sessions ([`auth`]), CSRF and the session lookup ([`csrf`]),
//! the security headers ([`headers`]) and how errors become JSON ([`error`]). It is the only
//! place that reads the clock or the system's randomness for the portal's logic; the store
//! and the CA get both from here. The holder's routes are in [`holder`], the operator's in
//! [`operator`], the CA's public files in [`public`], its OCSP responder and timestamp
//! authority in [`pki`]; the registration authority's rules
//! behind them in [`crate::portal`]. The pages (`web/`) and the npm package are static files,
//! of which [`files`] serves only what pages load.
//! docs/API.md lists every route.
//!
//! Layers, outermost first: security headers (so 404s, 413s and errors carry them too), the
//! session and CSRF check, the body-size limit, the routes. The protocol endpoints of
//! [`pki`] (`/ocsp`, `/tsa`) have the security headers only: no session, no CSRF, their own
//! 64 KiB limit.

pub mod admin;
pub mod auth;
pub mod csrf;
pub mod downloads;
pub mod error;
pub mod files;
pub mod headers;
pub mod holder;
pub mod operator;
pub mod pki;
pub mod public;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use axum::{Json, Router, middleware};
use kunci_core::Password;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::portal::Portal;
use crate::store::{Actor, NewUser, Role, Store, UnixTime, User};
use auth::{Admin, RequireRole};

/// Everything a request handler may use: the store, the configuration and the registration
/// authority (CA, profiles, settings). Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The portal's storage.
    pub store: Store,
    /// How the portal behaves.
    pub config: Config,
    /// The registration authority and its CA.
    pub portal: Arc<Portal>,
}

/// The portal's HTTP settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Served over TLS: cookies get `Secure` and responses carry HSTS.
    pub tls: bool,
    /// The portal's origin as browsers see it (`https://ams.example.go.id`); a
    /// state-changing request with another `Origin` is refused.
    pub public_origin: String,
    /// How long a session lasts, in seconds.
    pub session_lifetime_secs: i64,
    /// How long a session may go unused before it ends, in seconds.
    pub idle_timeout_secs: i64,
    /// Login throttling.
    pub throttle: Throttle,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none: the header is
    /// ignored and the peer's address is the client's).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Largest request body accepted, in bytes (JSON routes).
    pub max_body_bytes: usize,
    /// The pages (`web/`), served at `/`; none: no pages, API only.
    pub web_dir: Option<PathBuf>,
    /// The built npm package (`crates/kunci-wasm/pkg`), served at `/pkg/`.
    pub pkg_dir: Option<PathBuf>,
    /// The token path's installers and extension, at `/unduh/` ([`downloads`]).
    pub downloads: downloads::Downloads,
}

/// How failed logins are slowed: after `per_login_address` failures of one login from one
/// address (or `per_address` from one address over every login) within the window, that
/// pair (or address) must wait before its next try; the wait starts at `base_delay_secs` and
/// doubles with each further failure, up to `max_delay_secs`. Other addresses are never
/// held back (see [`auth`]).
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    /// Failures for one login from one address before that pair is slowed.
    pub per_login_address: i64,
    /// Failures from one address (for any login) before that address is slowed.
    pub per_address: i64,
    /// The window failures are counted over, in seconds.
    pub window_secs: i64,
    /// The first wait, in seconds.
    pub base_delay_secs: i64,
    /// The longest wait, in seconds.
    pub max_delay_secs: i64,
}

impl Default for Config {
    /// Plain HTTP on 127.0.0.1:8080, 8-hour sessions ending after 30 idle minutes, logins
    /// slowed after 5 failures of a login from one address or 20 from one address within an
    /// hour (waits of 2 seconds doubling up to 15 minutes), no trusted proxy, 1 MiB bodies.
    fn default() -> Config {
        Config {
            tls: false,
            public_origin: "http://127.0.0.1:8080".into(),
            session_lifetime_secs: 8 * 3600,
            idle_timeout_secs: 30 * 60,
            throttle: Throttle {
                per_login_address: 5,
                per_address: 20,
                window_secs: 3600,
                base_delay_secs: 2,
                max_delay_secs: 15 * 60,
            },
            trusted_proxies: Vec::new(),
            max_body_bytes: 1024 * 1024,
            web_dir: None,
            pkg_dir: None,
            downloads: downloads::Downloads::default(),
        }
    }
}

/// The portal's router, with its state and layers.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/health", get(public::health))
        .route("/api/login", post(auth::login))
        .route("/api/logout", post(auth::logout))
        .route("/api/logout-all", post(auth::logout_all))
        .route("/api/me", get(auth::me))
        .route("/api/me/language", put(auth::set_language))
        .route("/api/identity", get(holder::identity))
        .route("/api/products", get(holder::products))
        .route("/api/certificates", get(holder::certificates))
        .route("/api/certificates/{id}", get(holder::certificate))
        .route("/api/certificates/{id}/pem", get(holder::certificate_pem))
        .route(
            "/api/certificates/{id}/chain",
            get(holder::certificate_chain),
        )
        .route("/api/certificates/{id}/revoke", post(holder::revoke))
        .route("/api/certificates/{id}/lost-key", post(holder::lost_key))
        .route("/api/revocation-reasons", get(holder::revocation_reasons))
        .route(
            "/api/requests",
            get(holder::requests).post(holder::create_request),
        )
        .route("/api/requests/{id}", get(holder::request))
        .route(
            "/api/requests/{id}/document",
            get(holder::document).post(holder::upload_document),
        )
        .route("/api/requests/{id}/submit", post(holder::submit))
        .route("/api/requests/{id}/token", post(holder::renew_token))
        .route("/api/requests/{id}/cancel", post(holder::cancel))
        .route("/api/requests/{id}/key-backup", post(holder::key_backup))
        .route("/api/csr/check", post(holder::csr_check))
        .route("/api/csr", post(holder::upload_csr))
        .route("/api/notices", get(holder::notices))
        .route("/api/notices/{id}/read", post(holder::notice_read))
        .route("/api/operator/queue", get(operator::queue))
        .route("/api/operator/requests/{id}", get(operator::request))
        .route(
            "/api/operator/requests/{id}/document",
            get(operator::document),
        )
        .route(
            "/api/operator/requests/{id}/approve",
            post(operator::approve),
        )
        .route("/api/operator/requests/{id}/reject", post(operator::reject))
        .route("/api/operator/audit", get(operator::audit))
        .route("/api/operator/dashboard", get(operator::dashboard))
        .route("/api/operator/history", get(operator::history))
        .route("/api/admin/users", get(list_users).post(create_user))
        .route("/api/admin/lockouts", get(auth::lockouts))
        .route("/api/admin/lockouts/clear", post(auth::clear_lockouts))
        .route("/api/admin/users/{id}/disable", post(admin::disable_user))
        .route("/api/admin/users/{id}/enable", post(admin::enable_user))
        .route("/api/admin/users/{id}/grant", post(admin::grant))
        .route("/api/admin/users/{id}/withdraw", post(admin::withdraw))
        .route(
            "/api/admin/users/{id}/password-reset",
            post(admin::create_reset),
        )
        .route("/api/admin/products", get(admin::products))
        .route("/api/admin/ca", get(admin::ca_state))
        .route("/api/password-reset", post(admin::reset_password))
        .route("/api/password-reset/check", post(admin::check_reset))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .route("/ca/issuing.crl", get(public::crl))
        .route("/ca/issuing.crt", get(public::issuing_cert))
        .route("/ca/root.crt", get(public::root_cert))
        .route("/ca/chain.pem", get(public::chain))
        .route("/ca/tsa.crt", get(public::tsa_cert))
        // The upload route reads its own body up to the document limit.
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes));
    let mut router = api;
    // Static files: only what pages load; every other path and method is a JSON 404 or 405.
    if let Some(pkg) = &state.config.pkg_dir {
        let pkg = files::Folder::package(pkg);
        router = router.nest_service(
            "/pkg",
            axum::routing::any(move |request: Request| pkg.clone().answer(request)),
        );
    }
    // Always routed: with nothing to offer, index.json says so and a file is the HTML 404.
    let unduh = state.config.downloads.clone();
    router = router.nest_service(
        "/unduh",
        axum::routing::any(move |request: Request| unduh.clone().answer(request)),
    );
    router = match &state.config.web_dir {
        Some(web) => {
            let web = files::Folder::pages(web);
            router.fallback(move |request: Request| web.clone().answer(request))
        }
        None => router.route("/", get(index)).fallback(not_found),
    };
    // Cookie-less protocol endpoints for relying parties (see `pki`).
    let pki = Router::new()
        .route("/ocsp", post(pki::ocsp_post))
        .route("/ocsp/{*request}", get(pki::ocsp_get))
        .route("/tsa", post(pki::tsa))
        .method_not_allowed_fallback(method_not_allowed);
    router
        // Last before the layers: it reaches every route above. A known route called with a
        // method it does not take answers JSON too (axum adds the `Allow` header).
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::session_and_csrf,
        ))
        .merge(pki)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .with_state(state)
}

/// A JSON body extractor whose failures are the portal's errors: 413 `http.too_large` over
/// the body limit, 400 `http.bad_request` otherwise. The message never echoes the body (it
/// may hold a password).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
                StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                    Error::BadRequest("send the body as JSON (Content-Type: application/json)")
                }
                _ => Error::BadRequest("the body is not the JSON this route expects"),
            }),
        }
    }
}

/// `#[serde(deserialize_with = "secret_text")]` for a body field that holds a password or a
/// CSR token: the JSON string goes straight into its newtype ([`kunci_core::Password`],
/// [`kunci_core::CsrToken`]), which is zeroized on drop and whose `Debug` hides it. The JSON
/// shape is the same as for a plain string.
pub(crate) fn secret_text<'de, D, T>(deserializer: D) -> core::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: From<String>,
{
    String::deserialize(deserializer).map(T::from)
}

/// A path parameter extractor whose failure is the portal's JSON error (400
/// `http.bad_request`), not axum's plain-text rejection: `/api/certificates/abc` answers
/// like every other bad request.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(Error::BadRequest(
                "the address names no item (item ids are numbers)",
            )),
        }
    }
}

/// The clock's Unix seconds (0 for a clock set before 1970, which the store treats as long
/// ago: sessions look expired, which is the safe side).
pub fn unix_now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `/` when the portal runs without pages (`web_dir` unset): says where the API is.
async fn index() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "kunci-ams": "API only; the routes are listed in docs/API.md" }))
}

async fn not_found() -> Error {
    Error::RouteNotFound
}

async fn method_not_allowed() -> Error {
    Error::MethodNotAllowed
}

/// `GET /api/admin/users`: every account with its granted products (never the password
/// hashes).
async fn list_users(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> Result<Json<serde_json::Value>> {
    Ok(Json(serde_json::json!({
        "users": admin::accounts_json(&state).await?
    })))
}

/// `POST /api/admin/users`' body.
#[derive(Deserialize)]
struct CreateUser {
    login: String,
    name: String,
    role: String,
    #[serde(deserialize_with = "secret_text")]
    password: Password,
    #[serde(default)]
    email: String,
    #[serde(default)]
    nik: Option<String>,
}

/// Shortest password an administrator may set.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// `POST /api/admin/users`: makes an account with an argon2id-hashed password.
async fn create_user(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    let password = body.password;
    let role = Role::parse(&body.role)
        .ok_or(Error::BadRequest("role must be holder, operator or admin"))?;
    if password.expose().chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::BadRequest(
            "the password needs at least 8 characters",
        ));
    }
    let new = NewUser {
        login: body.login,
        display_name: body.name,
        email: body.email,
        nik: body.nik,
        role: Some(role),
        password_hash: auth::hash_password(password).await?,
        created_by: Actor::User(admin.user.id),
        ..NewUser::default()
    };
    let user = state.store.create_user(&new, unix_now()).await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))))
}

pub(super) fn user_json(user: &User) -> serde_json::Value {
    serde_json::json!({
        "id": user.id,
        "login": user.login,
        "name": user.display_name,
        "email": user.email,
        "role": user.role.as_str(),
        "disabled": user.disabled,
    })
}
