//! The one test portal of the HTTP suites (http.rs, api.rs, security.rs, pki.rs, audit.rs): [`TestApp`]
//! (a fresh portal and its client), [`Session`] (a logged-in account) and [`World`] (everything
//! the portal keeps, to show that a refused request changed nothing). The client steps the suites
//! share (GET/POST under a session, the enrollment, reject, revoke...) are in `flow.rs`; a suite
//! adds in its own `impl TestApp` block only the steps no other suite needs.
//!
//! The store is SQLite in the portal's folder, or a new database on the PostgreSQL server
//! named by `KUNCI_TEST_DATABASE_URL` (see [`super::test_store`]).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request as HttpRequest, StatusCode, header};
use kunci_ams::http::{AppState, Config, auth, unix_now};
use kunci_ams::portal::{Mailer, Settings};
use kunci_ams::store::{Certificate, Id, NewUser, Notice, Request, Store, User};
use kunci_core::Password;
use kunci_core::csr::Subject;
use serde_json::json;

use super::{Answer, json_request};

/// The password of every account a [`TestApp`] makes.
pub const PASSWORD: &str = "kuda-lumping-42";

/// A fresh portal (in-memory CA, standard products) in its own temporary folder, removed on
/// drop.
pub struct TestApp {
    pub state: AppState,
    pub dir: tempfile::TempDir,
    /// The store's URL (`kunci-ams --database-url`).
    pub database_url: String,
}

/// A logged-in account: the session cookie's id, its CSRF token, the account, and (holders)
/// the registered identity its CSRs must carry.
#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub user: User,
    pub subject: Option<Subject>,
}

impl Session {
    /// The holder's registered identity.
    pub fn subject(&self) -> &Subject {
        self.subject.as_ref().expect("a holder session")
    }
}

/// Everything the portal keeps that a refused request must not touch.
#[derive(Debug, PartialEq)]
pub struct World {
    pub users: Vec<User>,
    pub requests: Vec<Request>,
    pub certificates: Vec<Certificate>,
    pub notices: Vec<Notice>,
    /// The CRL the portal serves.
    pub crl: Vec<u8>,
    /// Every file under the uploads folder, relative to it.
    pub uploads: Vec<String>,
}

impl TestApp {
    /// Default configuration and settings.
    pub async fn new() -> TestApp {
        TestApp::build(Config::default(), |_| {}, None).await
    }

    /// Another HTTP configuration (TLS, throttling, pages...).
    pub async fn with_config(config: Config) -> TestApp {
        TestApp::build(config, |_| {}, None).await
    }

    /// `tune` adjusts the portal's settings (automatic approval, limits...).
    pub async fn with(tune: impl FnOnce(&mut Settings)) -> TestApp {
        TestApp::build(Config::default(), tune, None).await
    }

    /// Like [`TestApp::with`], with a mailer.
    pub async fn with_mailer(
        tune: impl FnOnce(&mut Settings),
        mailer: Option<Arc<dyn Mailer>>,
    ) -> TestApp {
        TestApp::build(Config::default(), tune, mailer).await
    }

    /// The general case.
    pub async fn build(
        config: Config,
        tune: impl FnOnce(&mut Settings),
        mailer: Option<Arc<dyn Mailer>>,
    ) -> TestApp {
        let fresh = super::portal_with_memory_ca(config, tune, mailer).await;
        TestApp {
            state: fresh.state,
            dir: fresh.dir,
            database_url: fresh.database_url,
        }
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// A router over the portal (no socket).
    pub fn router(&self) -> Router {
        kunci_ams::http::app(self.state.clone())
    }

    pub async fn send(&self, request: HttpRequest<Body>) -> Answer {
        super::send(&self.state, request).await
    }

    /// The id of the product named `name`.
    pub async fn product_id(&self, name: &str) -> Id {
        self.store()
            .products()
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no product {name}"))
            .id
    }

    /// Stores `new` with [`PASSWORD`] as its password.
    pub async fn add_user(&self, new: NewUser) -> User {
        let hash = auth::hash_password(Password::from(PASSWORD)).await.unwrap();
        let new = NewUser {
            password_hash: hash,
            ..new
        };
        self.store().create_user(&new, unix_now()).await.unwrap()
    }

    /// `POST /api/login`'s answer.
    pub async fn login_answer(&self, login: &str, password: &str) -> Answer {
        self.send(json_request(
            Method::POST,
            "/api/login",
            &json!({"login": login, "password": password}),
        ))
        .await
    }

    /// Logs `login` in with [`PASSWORD`].
    pub async fn login(&self, login: &str) -> Session {
        let answer = self.login_answer(login, PASSWORD).await;
        answer.expect(StatusCode::OK);
        let cookie = super::session_id(answer.header(header::SET_COOKIE));
        let user = self.store().user_by_login(login).await.unwrap().unwrap();
        let subject = self.store().identity(user.id).await.unwrap();
        Session {
            cookie,
            csrf: answer.body["csrf_token"].as_str().unwrap().to_owned(),
            user,
            subject,
        }
    }

    /// A holder with `subject` registered and `products` granted (by name), logged in.
    pub async fn holder(&self, login: &str, subject: &str, products: &[&str]) -> Session {
        let subject = Subject::from_str(subject).unwrap();
        let mut ids = Vec::new();
        for p in products {
            ids.push(self.product_id(p).await);
        }
        self.add_user(NewUser {
            login: login.into(),
            display_name: subject.common_name.clone(),
            email: subject.email.clone().unwrap_or_default(),
            nik: Some("3273011506850003".into()),
            role: Some(kunci_ams::store::Role::Holder),
            identity: Some(subject),
            products: ids,
            ..NewUser::default()
        })
        .await;
        self.login(login).await
    }

    pub async fn world(&self) -> World {
        let store = self.store();
        let users = store.users().await.unwrap();
        let mut world = World {
            users: users.clone(),
            requests: Vec::new(),
            certificates: Vec::new(),
            notices: Vec::new(),
            crl: self.state.portal.crl_der(store).await.unwrap().to_vec(),
            uploads: Vec::new(),
        };
        for u in &users {
            world
                .requests
                .extend(store.requests_of(u.id).await.unwrap());
            world
                .certificates
                .extend(store.certificates_of(u.id).await.unwrap());
            world.notices.extend(store.notices(u.id).await.unwrap());
        }
        world.uploads = files_under(&self.state.portal.settings.uploads_dir)
            .into_iter()
            .map(|p| p.display().to_string())
            .collect();
        world
    }
}

/// `request` sent under session `s`, with `csrf` as its `X-CSRF-Token` when given.
pub fn with_session(
    request: HttpRequest<Body>,
    s: &Session,
    csrf: Option<&str>,
) -> HttpRequest<Body> {
    with_cookie(request, &s.cookie, csrf)
}

/// `request` with the session cookie `session_id` (a real one or not), and `csrf` as its
/// `X-CSRF-Token` when given.
pub fn with_cookie(
    mut request: HttpRequest<Body>,
    session_id: &str,
    csrf: Option<&str>,
) -> HttpRequest<Body> {
    let headers = request.headers_mut();
    headers.insert(
        header::COOKIE,
        format!("kunci_session={session_id}").parse().unwrap(),
    );
    if let Some(csrf) = csrf {
        headers.insert("x-csrf-token", csrf.parse().unwrap());
    }
    request
}

/// Every file under `dir`, relative to it, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}
