//! What the HTTP test files share: a fresh portal (SQLite file, CA, products) in its own
//! temporary folder, built exactly as `kunci-ams serve` builds it, minus the socket.
//!
//! With `KUNCI_TEST_DATABASE_URL` set to a PostgreSQL server's URL (any database on it that
//! the user may connect to, e.g. `postgres://postgres@127.0.0.1:5432/postgres`), each portal
//! gets a new database of its own on that server instead of the SQLite file: that is how
//! `cargo xtask ci` runs the HTTP suites (http.rs, api.rs, security.rs, pki.rs, audit.rs) on PostgreSQL.
//!
//! On top of that, `app.rs` holds the one test portal of those suites: `TestApp` (a portal and
//! its client), `Session` (a logged-in account) and `World` (everything a refused request must
//! leave as it was); `flow.rs` the client steps the suites share (GET/POST under a session,
//! staff accounts, the holder's key and CSR).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

mod app;
pub mod flow;

// Each suite uses its own subset.
#[allow(unused_imports)]
pub use app::{PASSWORD, Session, TestApp, World, files_under, with_cookie, with_session};

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};
use kunci_ams::ca::{Authority, CaNames, Responders, create_hierarchy};
use kunci_ams::http::{AppState, Config, unix_now};
use kunci_ams::portal::{Mailer, Portal, Settings, standard_profiles};
use kunci_ams::setup;
use kunci_ams::store::Store;
use kunci_core::key::KeyAlgorithm;
use serde_json::Value;

/// The origin the test portal believes it is served at.
pub const ORIGIN: &str = "http://127.0.0.1:8080";

/// A portal in a temporary folder (removed on drop).
pub struct Fresh {
    pub state: AppState,
    pub dir: tempfile::TempDir,
    /// The store's URL, for the binary (`kunci-ams --database-url … audit verify`).
    pub database_url: String,
}

/// A fresh portal; `tune` adjusts the settings (automatic approval, limits...).
pub async fn portal_with(
    config: Config,
    tune: impl FnOnce(&mut Settings),
    mailer: Option<Arc<dyn Mailer>>,
) -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let now = unix_now();
    let pass_file = dir.path().join("ca-passphrase");
    let pass = setup::ca_passphrase(&pass_file, false).unwrap();
    let (authority, created) = setup::open_or_create_ca(
        &dir.path().join("ca"),
        pass.expose().as_bytes(),
        "kunci Test CA",
        now,
    )
    .unwrap();
    assert!(created);
    let (responders, _) = setup::open_or_create_responders(
        &dir.path().join("ca"),
        pass.expose().as_bytes(),
        &authority,
        now,
    )
    .unwrap();
    assemble(dir, authority, responders, config, tune, mailer).await
}

/// Like [`portal_with`], but the CA (a new one for this portal) lives only in memory: its keys
/// are never encrypted to disk and read back, which saves four PBKDF2 runs of 600 000
/// iterations per portal (seconds on a busy machine). For tests about the portal's rules, not
/// about keeping the CA (tests/serve.rs and the `portal_with` users cover that).
pub async fn portal_with_memory_ca(
    config: Config,
    tune: impl FnOnce(&mut Settings),
    mailer: Option<Arc<dyn Mailer>>,
) -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let names = CaNames::for_organization("kunci Test CA", "ID");
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let now = unix_now();
    let (authority, responders) = create_hierarchy(&names, KeyAlgorithm::P256, &mut rng, now)
        .unwrap()
        .into_authority_with_responders(now, &mut rng)
        .unwrap();
    assemble(dir, authority, responders, config, tune, mailer).await
}

/// The store (with the standard products), the settings and the portal around `authority`.
async fn assemble(
    dir: tempfile::TempDir,
    authority: Authority,
    responders: Responders,
    config: Config,
    tune: impl FnOnce(&mut Settings),
    mailer: Option<Arc<dyn Mailer>>,
) -> Fresh {
    let database_url = test_store_url(dir.path()).await;
    let store = Store::open(&database_url).await.unwrap();
    let now = unix_now();
    setup::seed_products(&store, now).await.unwrap();
    let mut settings = Settings::new(dir.path().join("uploads"));
    tune(&mut settings);
    let portal = Portal::new(
        authority,
        responders,
        standard_profiles(ORIGIN),
        settings,
        mailer,
    )
    .unwrap();
    portal.publish_crl(&store, now).await.unwrap();
    Fresh {
        state: AppState {
            store,
            config,
            portal: Arc::new(portal),
        },
        dir,
        database_url,
    }
}

/// A fresh portal with default settings.
pub async fn portal(config: Config) -> Fresh {
    portal_with(config, |_| {}, None).await
}

/// The environment variable naming a PostgreSQL server for the portals of these tests.
pub const DATABASE_URL_VAR: &str = "KUNCI_TEST_DATABASE_URL";

/// A fresh store: a new database on the PostgreSQL server named by [`DATABASE_URL_VAR`], or
/// the SQLite file `kunci.db` in `dir`.
pub async fn test_store(dir: &std::path::Path) -> Store {
    Store::open(&test_store_url(dir).await).await.unwrap()
}

/// The URL of a fresh store (see [`test_store`]): the new PostgreSQL database is made here.
pub async fn test_store_url(dir: &std::path::Path) -> String {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(server) if !server.is_empty() => {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let name = format!("kunci_test_{:016x}", getrandom::u64().unwrap());
            let mut admin = sqlx::AnyConnection::connect(&server)
                .await
                .unwrap_or_else(|e| panic!("{DATABASE_URL_VAR}: cannot connect: {e}"));
            // The name is ours (hex digits), never outside input.
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
            let base = server.split('?').next().unwrap_or(&server);
            let (server_part, _database) = base.rsplit_once('/').unwrap();
            format!("{server_part}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("kunci.db").display()),
    }
}

/// One HTTP answer: status, headers, raw bytes and the body: parsed when JSON, else the text
/// as a JSON string (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .map_or("", |v| v.to_str().unwrap_or(""))
    }

    /// Asserts the status and answers the body.
    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> &Value {
        assert_eq!(self.status, status, "{}", self.body);
        &self.body
    }

    /// Asserts a refusal: the status, the code, and a JSON error with a message.
    #[track_caller]
    pub fn refused(&self, status: StatusCode, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "answer: {}",
            self.body
        );
        let message = self.body["error"]["message"].as_str().unwrap_or("");
        assert!(!message.is_empty(), "no message in {}", self.body);
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.bytes.clone()).unwrap()
    }
}

/// Sends `request` to a fresh router over `state` (no socket) and reads the whole answer.
pub async fn send(state: &AppState, request: axum::http::Request<axum::body::Body>) -> Answer {
    use tower::ServiceExt;
    let response = kunci_ams::http::app(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    // Not JSON: the text itself, so that a check that an answer never shows something
    // covers plain-text answers too.
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Answer {
        status,
        headers,
        bytes,
        body,
    }
}

/// A request with a JSON body.
pub fn json_request(
    method: axum::http::Method,
    uri: &str,
    body: &Value,
) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap()
}

/// A request the route's handler would accept: the demo PDF for the document upload, JSON
/// for a JSON body, nothing for `Value::Null`.
pub fn route_request(
    method: &axum::http::Method,
    uri: &str,
    body: &Value,
) -> axum::http::Request<axum::body::Body> {
    if uri.ends_with("/document") && *method == axum::http::Method::POST {
        return axum::http::Request::post(uri)
            .header(header::CONTENT_TYPE, "application/pdf")
            .body(axum::body::Body::from(kunci_ams::demo::demo_pdf()))
            .unwrap();
    }
    match body {
        Value::Null => axum::http::Request::builder()
            .method(method.clone())
            .uri(uri)
            .body(axum::body::Body::empty())
            .unwrap(),
        body => json_request(method.clone(), uri, body),
    }
}

/// The session id a `Set-Cookie` header value gives (`kunci_session=ID; …`).
pub fn session_id(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("kunci_session=")
        .unwrap()
        .to_owned()
}
