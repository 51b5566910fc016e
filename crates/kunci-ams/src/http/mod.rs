//! The portal's HTTP application: [`app`] builds the axum [`Router`] from an [`AppState`], so
//! that tests drive it with `tower::ServiceExt::oneshot` and no socket, and `kunci-ams serve`
//! binds it to an address.
//!
//! This layer owns accounts and sessions ([`auth`]), CSRF and the session lookup ([`csrf`]),
//! the security headers ([`headers`]) and how errors become JSON ([`error`]). It is the only
//! place that reads the clock or the system's randomness for the portal's logic; the store
//! and the CA get both from here. No pages yet: every route answers JSON.
//!
//! Layers, outermost first: security headers (so 404s, 413s and errors carry them too), the
//! session and CSRF check, the body-size limit, the routes.

pub mod auth;
pub mod csrf;
pub mod error;
pub mod headers;

use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::store::{NewUser, Role, Store, UnixTime, User};
use auth::{Admin, RequireRole};

/// Everything a request handler may use: the store and the configuration. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The portal's storage.
    pub store: Store,
    /// How the portal behaves.
    pub config: Config,
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
    /// Login throttling.
    pub throttle: Throttle,
    /// Largest request body accepted, in bytes (JSON routes).
    pub max_body_bytes: usize,
}

/// How many failed logins are tolerated within a window before logins are refused.
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    /// Failures for one login (from any address).
    pub per_login: i64,
    /// Failures from one address (for any login).
    pub per_address: i64,
    /// The window, in seconds.
    pub window_secs: i64,
}

impl Default for Config {
    /// Plain HTTP on 127.0.0.1:8080, 8-hour sessions, 5 failures per login or 20 per address
    /// in 15 minutes, 1 MiB bodies.
    fn default() -> Config {
        Config {
            tls: false,
            public_origin: "http://127.0.0.1:8080".into(),
            session_lifetime_secs: 8 * 3600,
            throttle: Throttle {
                per_login: 5,
                per_address: 20,
                window_secs: 15 * 60,
            },
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// The portal's router, with its state and layers.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api/login", post(auth::login))
        .route("/api/logout", post(auth::logout))
        .route("/api/me", get(auth::me))
        .route("/api/admin/users", get(list_users).post(create_user))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::session_and_csrf,
        ))
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

/// The clock's Unix seconds (0 for a clock set before 1970, which the store treats as long
/// ago: sessions look expired, which is the safe side).
pub fn unix_now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

async fn index() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "kunci-ams": "pages come with the next step" }))
}

async fn not_found() -> Error {
    Error::RouteNotFound
}

/// `GET /api/admin/users`: every account (never the password hashes).
async fn list_users(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> Result<Json<serde_json::Value>> {
    let users = state.store.users().await?;
    Ok(Json(serde_json::json!({
        "users": users.iter().map(user_json).collect::<Vec<_>>()
    })))
}

/// `POST /api/admin/users`' body.
#[derive(Deserialize)]
struct CreateUser {
    login: String,
    name: String,
    role: String,
    password: String,
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
    _admin: RequireRole<Admin>,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    let password = Zeroizing::new(body.password);
    let role = Role::parse(&body.role)
        .ok_or(Error::BadRequest("role must be holder, operator or admin"))?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
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
        ..NewUser::default()
    };
    let user = state.store.create_user(&new, unix_now()).await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))))
}

fn user_json(user: &User) -> serde_json::Value {
    serde_json::json!({
        "id": user.id,
        "login": user.login,
        "name": user.display_name,
        "email": user.email,
        "role": user.role.as_str(),
        "disabled": user.disabled,
    })
}
