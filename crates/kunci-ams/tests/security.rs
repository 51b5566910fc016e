//! The security battery of the portal (issue 7), in one place: every route of the router
//! against every role (and against another holder's items), CSRF on every state-changing route
//! with nothing changed, the constant-time comparison of secrets, upload names and paths that
//! cannot leave the uploads folder, the security headers on every answer, and a full run of the
//! real `kunci-ams serve` binary whose output is searched for every secret it handled.
//!
//! The route table below mirrors `src/http/mod.rs`; a test reads that file and docs/API.md and
//! fails when a route is added to either without being added here, so the battery cannot fall
//! behind the router. Other security checks live beside the features they guard (tests/http.rs,
//! tests/api.rs, tests/serve.rs); docs/SECURITY.md lists them all.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{Answer, PASSWORD, Session, TestApp, files_under, route_request, with_session};

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request as HttpRequest, StatusCode, header};
use kunci_ams::http::Config;
use kunci_ams::store::{Id, NewUser, Role};
use kunci_core::csr::{CsrBuilder, Subject};
use kunci_core::key::{KeyAlgorithm, KeyPair};
use serde_json::{Value, json};

const INDIVIDU: &str = "Sertifikat Elektronik Individu";
const ANI: &str = "CN=Ani Wijaya,emailAddress=ani.wijaya@example.go.id,OU=Bidang Persandian,\
                   O=Dinas Komunikasi dan Informatika,L=Bandung,ST=Jawa Barat,C=ID";
const BAYU: &str = "CN=Bayu Pratama,emailAddress=bayu.pratama@example.go.id,\
                    O=Dinas Kesehatan,L=Surabaya,ST=Jawa Timur,C=ID";

// ---------------------------------------------------------------------------------------------
// The route table
// ---------------------------------------------------------------------------------------------

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// No account needed.
    Public,
    /// Any logged-in account.
    Account,
    /// Holders only.
    Holder,
    /// Operators and administrators.
    Staff,
    /// Administrators only.
    Admin,
}

/// One route: method, path as the router spells it, who may use it, and whether its `{id}`
/// names an item that belongs to one account (then any other account gets `store.not_found`,
/// exactly like a missing item).
struct Route {
    method: &'static str,
    path: &'static str,
    who: Who,
    owned: bool,
}

const fn route(method: &'static str, path: &'static str, who: Who, owned: bool) -> Route {
    Route {
        method,
        path,
        who,
        owned,
    }
}

/// Every route of `src/http/mod.rs`. The last three on purpose: the matrix runs the rows in
/// order, and logging out everywhere, logging in (which ends the session the request came
/// with) and logging out end the sessions the other rows need.
const ROUTES: &[Route] = &[
    route("GET", "/", Who::Public, false),
    route("GET", "/api/health", Who::Public, false),
    route("GET", "/ca/issuing.crl", Who::Public, false),
    route("GET", "/ca/issuing.crt", Who::Public, false),
    route("GET", "/ca/root.crt", Who::Public, false),
    route("GET", "/ca/chain.pem", Who::Public, false),
    route("GET", "/ca/tsa.crt", Who::Public, false),
    route("POST", "/ocsp", Who::Public, false),
    route("GET", "/ocsp/{*request}", Who::Public, false),
    route("POST", "/tsa", Who::Public, false),
    route("GET", "/api/me", Who::Account, false),
    route("PUT", "/api/me/language", Who::Account, false),
    route("GET", "/api/notices", Who::Account, false),
    route("POST", "/api/notices/{id}/read", Who::Account, true),
    route("GET", "/api/identity", Who::Holder, false),
    route("GET", "/api/products", Who::Holder, false),
    route("GET", "/api/certificates", Who::Holder, false),
    route("GET", "/api/certificates/{id}", Who::Holder, true),
    route("GET", "/api/certificates/{id}/pem", Who::Holder, true),
    route("GET", "/api/certificates/{id}/chain", Who::Holder, true),
    route("POST", "/api/certificates/{id}/revoke", Who::Holder, true),
    route("POST", "/api/certificates/{id}/lost-key", Who::Holder, true),
    route("GET", "/api/revocation-reasons", Who::Holder, false),
    route("GET", "/api/requests", Who::Holder, false),
    route("POST", "/api/requests", Who::Holder, false),
    route("GET", "/api/requests/{id}", Who::Holder, true),
    route("GET", "/api/requests/{id}/document", Who::Holder, true),
    route("POST", "/api/requests/{id}/document", Who::Holder, true),
    route("POST", "/api/requests/{id}/submit", Who::Holder, true),
    route("POST", "/api/requests/{id}/key-backup", Who::Holder, true),
    route("POST", "/api/requests/{id}/token", Who::Holder, true),
    route("POST", "/api/requests/{id}/cancel", Who::Holder, true),
    route("POST", "/api/csr/check", Who::Holder, false),
    route("POST", "/api/csr", Who::Holder, false),
    route("GET", "/api/operator/queue", Who::Staff, false),
    route("GET", "/api/operator/audit", Who::Staff, false),
    route("GET", "/api/operator/requests/{id}", Who::Staff, false),
    route(
        "GET",
        "/api/operator/requests/{id}/document",
        Who::Staff,
        false,
    ),
    route(
        "POST",
        "/api/operator/requests/{id}/approve",
        Who::Staff,
        false,
    ),
    route(
        "POST",
        "/api/operator/requests/{id}/reject",
        Who::Staff,
        false,
    ),
    route("GET", "/api/admin/users", Who::Admin, false),
    route("POST", "/api/admin/users", Who::Admin, false),
    route("GET", "/api/admin/lockouts", Who::Admin, false),
    route("POST", "/api/admin/lockouts/clear", Who::Admin, false),
    route("GET", "/api/operator/dashboard", Who::Staff, false),
    route("GET", "/api/operator/history", Who::Staff, false),
    route("POST", "/api/admin/users/{id}/disable", Who::Admin, false),
    route("POST", "/api/admin/users/{id}/enable", Who::Admin, false),
    route("POST", "/api/admin/users/{id}/grant", Who::Admin, false),
    route("POST", "/api/admin/users/{id}/withdraw", Who::Admin, false),
    route(
        "POST",
        "/api/admin/users/{id}/password-reset",
        Who::Admin,
        false,
    ),
    route("GET", "/api/admin/products", Who::Admin, false),
    route("GET", "/api/admin/ca", Who::Admin, false),
    route("POST", "/api/password-reset/check", Who::Public, false),
    route("POST", "/api/password-reset", Who::Public, false),
    route("POST", "/api/logout-all", Who::Account, false),
    route("POST", "/api/login", Who::Public, false),
    route("POST", "/api/logout", Who::Public, false),
];

fn table_set() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect()
}

/// The routes `src/http/mod.rs` registers: every `.route("PATH", get(..).post(..))`, read
/// from the source text (the catch-all `/api/{*rest}`, which answers 404, aside) plus `/`,
/// which the router adds when it serves no pages.
fn router_set() -> BTreeSet<(String, String)> {
    let source = include_str!("../src/http/mod.rs");
    let mut found = BTreeSet::new();
    for chunk in source.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).unwrap();
        // The handlers end at the route's closing parenthesis or the next layer.
        let end = chunk.find(".layer(").unwrap_or(chunk.len());
        let handlers = &chunk[..end];
        for (name, method) in [("get", "GET"), ("post", "POST"), ("put", "PUT")]
            .into_iter()
            .chain([("patch", "PATCH"), ("delete", "DELETE"), ("any", "ANY")])
        {
            let needle = format!("{name}(");
            let mut rest = handlers;
            while let Some(at) = rest.find(&needle) {
                let before = rest[..at].chars().last();
                if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    found.insert((method.to_owned(), path.to_owned()));
                }
                rest = &rest[at + needle.len()..];
            }
        }
    }
    assert!(
        found.remove(&("ANY".to_owned(), "/api/{*rest}".to_owned())),
        "the API's catch-all 404 route is gone: {found:?}"
    );
    found.insert(("GET".to_owned(), "/".to_owned()));
    found
}

#[test]
fn the_route_table_lists_exactly_the_routes_of_the_router() {
    let router = router_set();
    // The parse must have found real routes, or the comparison below proves nothing.
    assert!(router.len() > 25, "{router:?}");
    assert_eq!(
        router,
        table_set(),
        "src/http/mod.rs and this file's ROUTES differ: add the new route to ROUTES with \
         the roles that may use it"
    );
}

#[test]
fn every_api_route_in_the_table_is_documented_and_docs_name_no_other() {
    let docs = include_str!("../../../docs/API.md");
    for r in ROUTES {
        let name = format!("`{} {}`", r.method, r.path);
        assert!(
            docs.contains(&name) || (r.path == "/" && docs.contains("`GET /` ")),
            "docs/API.md does not list {name}"
        );
    }
    // Every `METHOD /api/…` or `METHOD /ca/…` docs/API.md names is in the table.
    let table = table_set();
    let mut named = 0;
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        for piece in docs.split(&format!("`{method} /")).skip(1) {
            let path = format!("/{}", piece.split('`').next().unwrap());
            if path.starts_with("/api/") || path.starts_with("/ca/") {
                named += 1;
                assert!(
                    table.contains(&(method.to_owned(), path.clone())),
                    "docs/API.md names {method} {path}, which ROUTES lacks"
                );
            }
        }
    }
    assert!(named > 25, "found only {named} routes in docs/API.md");
}

// ---------------------------------------------------------------------------------------------
// The test portal and its client
// ---------------------------------------------------------------------------------------------

impl TestApp {
    /// An account `login` with `role` (a holder of the Individu product when it has a
    /// `subject`), logged in.
    async fn account(&self, login: &str, role: Role, subject: Option<&str>) -> Session {
        let identity = subject.map(|s| Subject::from_str(s).unwrap());
        let products = if subject.is_some() {
            vec![self.product_id(INDIVIDU).await]
        } else {
            Vec::new()
        };
        let new = NewUser {
            login: login.into(),
            display_name: format!("User {login}"),
            email: identity
                .as_ref()
                .and_then(|s| s.email.clone())
                .unwrap_or_else(|| format!("{login}@example.go.id")),
            role: Some(role),
            identity,
            products,
            ..NewUser::default()
        };
        self.add_user(new).await;
        self.login(login).await
    }

    async fn call(&self, s: &Session, method: Method, uri: &str, body: &Value) -> Answer {
        self.send(with_session(
            route_request(&method, uri, body),
            s,
            Some(&s.csrf),
        ))
        .await
    }

    /// A new request with its CSR sent ("Sudah Upload"); answers its id.
    async fn uploaded_request(&self, s: &Session, subject: &str) -> Id {
        let product = self.product_id(INDIVIDU).await;
        let answer = self
            .call(
                s,
                Method::POST,
                "/api/requests",
                &json!({"product_id": product}),
            )
            .await;
        let body = answer.expect(StatusCode::CREATED);
        let id = body["request"]["id"].as_i64().unwrap();
        let token = body["csr_token"].as_str().unwrap().to_owned();
        let csr = csr_pem(subject, &token);
        self.call(
            s,
            Method::POST,
            "/api/csr",
            &json!({"token": token, "csr": csr}),
        )
        .await
        .expect(StatusCode::CREATED);
        id
    }

    /// A request with CSR, document and agreement ("Diajukan"); answers its id.
    async fn submitted_request(&self, s: &Session, subject: &str) -> Id {
        let id = self.uploaded_request(s, subject).await;
        self.upload(s, id, kunci_ams::demo::demo_pdf(), "surat.pdf")
            .await
            .expect(StatusCode::OK);
        self.call(
            s,
            Method::POST,
            &format!("/api/requests/{id}/submit"),
            &json!({"agree": true}),
        )
        .await
        .expect(StatusCode::OK);
        id
    }

    async fn upload(&self, s: &Session, id: Id, pdf: Vec<u8>, name: &str) -> Answer {
        let request = HttpRequest::post(format!("/api/requests/{id}/document"))
            .header(header::CONTENT_TYPE, "application/pdf")
            .header("x-file-name", name)
            .body(Body::from(pdf))
            .unwrap();
        self.send(with_session(request, s, Some(&s.csrf))).await
    }
}

fn csr_pem(subject: &str, token: &str) -> String {
    let subject = Subject::from_str(subject).unwrap();
    let key = KeyPair::generate(
        KeyAlgorithm::P256,
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .unwrap();
    CsrBuilder::new(subject.clone())
        .email_san(subject.email.clone())
        .challenge_password(Some(token.to_owned()))
        .sign(&key)
        .unwrap()
        .to_pem()
}

/// The security headers every answer carries (tests/http.rs pins the exact CSP).
#[track_caller]
fn assert_security_headers(answer: &Answer, what: &str) {
    let h = &answer.headers;
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or_else(|| panic!("{what}: no script-src in {csp}"));
    for weak in [
        "'unsafe-inline'",
        "'unsafe-eval'",
        "*",
        "data:",
        "http:",
        "https:",
    ] {
        assert!(
            !script_src.split(' ').any(|s| s == weak),
            "{what}: {weak} in {script_src}"
        );
    }
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("object-src 'none'"), "{what}: {csp}");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "{what}");
    let cache = h[header::CACHE_CONTROL].to_str().unwrap();
    if what.contains("/ca/issuing.crl") {
        assert!(!cache.contains("private"), "{what}: {cache}");
    } else {
        assert_eq!(cache, "no-store", "{what}");
    }
    assert!(
        !h.contains_key(header::STRICT_TRANSPORT_SECURITY),
        "{what}: HSTS on plain HTTP"
    );
    assert!(
        !h.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        "{what}: CORS answered"
    );
}

// ---------------------------------------------------------------------------------------------
// Every route against every role
// ---------------------------------------------------------------------------------------------

/// The portal the matrix runs against: Ani (holder, owner of every sample item), Bayu
/// (another holder), an operator and an administrator, and the sample ids.
struct Cast {
    app: TestApp,
    ani: Session,
    bayu: Session,
    operator: Session,
    admin: Session,
    cert: Id,
    request: Id,
    notice: Id,
    product: Id,
}

async fn cast() -> Cast {
    let app = TestApp::new().await;
    let ani = app.account("ani", Role::Holder, Some(ANI)).await;
    let bayu = app.account("bayu", Role::Holder, Some(BAYU)).await;
    let operator = app.account("siti", Role::Operator, None).await;
    let admin = app.account("root", Role::Admin, None).await;
    // An issued certificate (which also leaves Ani a notice), and a submitted request.
    let issued = app.submitted_request(&ani, ANI).await;
    let approved = app
        .call(
            &operator,
            Method::POST,
            &format!("/api/operator/requests/{issued}/approve"),
            &Value::Null,
        )
        .await;
    let cert = approved.expect(StatusCode::OK)["certificate_id"]
        .as_i64()
        .unwrap();
    let request = app.submitted_request(&ani, ANI).await;
    let notice = app.store().notices(ani.user.id).await.unwrap()[0].id;
    Cast {
        ani,
        bayu,
        operator,
        admin,
        cert,
        request,
        notice,
        product: app.product_id(INDIVIDU).await,
        app,
    }
}

impl Cast {
    /// The route's path with sample ids, and a body its handler would accept.
    fn sample(&self, r: &Route) -> (String, Value) {
        let id = if r.path == "/api/admin/users/{id}/disable" {
            // The administrator's own account: refused (`admin.self`), so the matrix's other
            // rows keep every account enabled.
            self.admin.user.id
        } else if r.path.starts_with("/api/admin/users/") {
            self.bayu.user.id
        } else if r.path.starts_with("/api/certificates/") {
            self.cert
        } else if r.path.starts_with("/api/notices/") {
            self.notice
        } else {
            self.request
        };
        // `MAA` is base64 for a DER SEQUENCE that is no OCSP request: malformedRequest.
        let uri = r
            .path
            .replace("{id}", &id.to_string())
            .replace("{*request}", "MAA");
        let body = match (r.method, r.path) {
            ("POST", "/api/login") => json!({"login": "ani", "password": PASSWORD}),
            ("POST", "/api/certificates/{id}/revoke") => json!({"reason": "superseded"}),
            ("POST", "/api/requests") => json!({"product_id": self.product}),
            ("POST", "/api/requests/{id}/submit") => json!({"agree": true}),
            ("POST", "/api/requests/{id}/key-backup") => json!({"checked": true}),
            ("POST", "/api/certificates/{id}/lost-key") => json!({"compromised": false}),
            ("POST", "/api/csr/check") => json!({"token": "x".repeat(43)}),
            ("POST", "/api/csr") => json!({"token": "x".repeat(43), "csr": "not a CSR"}),
            ("POST", "/api/operator/requests/{id}/reject") => json!({"reason": "tidak lengkap"}),
            ("POST", "/api/admin/users") => {
                json!({"login": "dewi", "name": "Dewi", "role": "holder", "password": PASSWORD})
            }
            ("POST", "/api/admin/lockouts/clear") => json!({"login": "tamu"}),
            ("POST", "/api/admin/users/{id}/grant") => json!({"product_id": self.product}),
            // A product Bayu was never granted: `store.not_found`, nothing withdrawn.
            ("POST", "/api/admin/users/{id}/withdraw") => json!({"product_id": 999_999}),
            ("POST", "/api/password-reset/check") => json!({"code": "x".repeat(43)}),
            ("POST", "/api/password-reset") => {
                json!({"code": "x".repeat(43), "password": "Sandi-baru-yang-panjang-1"})
            }
            _ => Value::Null,
        };
        (uri, body)
    }
}

/// What a caller must get from a route.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Past the guards: neither 401 nor 403 nor a missing route nor a server failure.
    Admitted,
    /// 401 `auth.required`.
    Unauthenticated,
    /// 403 `auth.forbidden`.
    Forbidden,
    /// 404 `store.not_found`: another account's item looks exactly like a missing one.
    NotFound,
}

fn expectation(r: &Route, role: Option<Role>, owner: bool) -> Expect {
    let Some(role) = role else {
        return if r.who == Who::Public {
            Expect::Admitted
        } else {
            Expect::Unauthenticated
        };
    };
    let admitted = match r.who {
        Who::Public | Who::Account => true,
        Who::Holder => role == Role::Holder,
        Who::Staff => matches!(role, Role::Operator | Role::Admin),
        Who::Admin => role == Role::Admin,
    };
    if !admitted {
        Expect::Forbidden
    } else if r.owned && !owner {
        Expect::NotFound
    } else {
        Expect::Admitted
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let c = cast().await;
    let anonymous: Option<&Session> = None;
    // The owner last in each row, so that her successful actions never hide another's refusal.
    let callers = [
        ("anonymous", anonymous, None, false),
        ("bayu", Some(&c.bayu), Some(Role::Holder), false),
        ("operator", Some(&c.operator), Some(Role::Operator), false),
        ("admin", Some(&c.admin), Some(Role::Admin), false),
        ("ani", Some(&c.ani), Some(Role::Holder), true),
    ];
    let mut checked = 0;
    for r in ROUTES {
        let (uri, body) = c.sample(r);
        let method = Method::from_str(r.method).unwrap();
        for (name, session, role, owner) in callers {
            let expect = expectation(r, role, owner);
            let request = route_request(&method, &uri, &body);
            let request = match session {
                Some(s) => with_session(request, s, Some(&s.csrf)),
                None => request,
            };
            let changes = method != Method::GET;
            let before = if changes && expect != Expect::Admitted {
                Some(c.app.world().await)
            } else {
                None
            };
            let answer = c.app.send(request).await;
            let what = format!("{name} {method} {uri}");
            match expect {
                Expect::Admitted => {
                    assert!(
                        !matches!(
                            answer.status,
                            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                        ) && !answer.status.is_server_error()
                            && answer.code() != "http.not_found",
                        "{what}: {} {}",
                        answer.status,
                        answer.body
                    );
                }
                Expect::Unauthenticated => assert_eq!(
                    (answer.status, answer.code()),
                    (StatusCode::UNAUTHORIZED, "auth.required"),
                    "{what}"
                ),
                Expect::Forbidden => assert_eq!(
                    (answer.status, answer.code()),
                    (StatusCode::FORBIDDEN, "auth.forbidden"),
                    "{what}"
                ),
                Expect::NotFound => {
                    assert_eq!(
                        (answer.status, answer.code()),
                        (StatusCode::NOT_FOUND, "store.not_found"),
                        "{what}"
                    );
                    // Nothing of the owner's item leaks into the refusal.
                    let text = String::from_utf8_lossy(&answer.bytes);
                    assert!(!text.contains("Ani"), "{what} leaks: {text}");
                }
            }
            assert_security_headers(&answer, &what);
            if let Some(before) = before {
                assert_eq!(c.app.world().await, before, "{what} changed something");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ROUTES.len() * callers.len());
}

#[tokio::test]
async fn unknown_routes_and_methods_are_404_for_every_role() {
    let c = cast().await;
    let sessions = [None, Some(&c.ani), Some(&c.operator), Some(&c.admin)];
    for session in sessions {
        for (method, uri) in [
            (Method::GET, "/api/admin/users/1"),
            (Method::GET, "/api/operator/requests"),
            (Method::GET, "/api/admin"),
            (Method::GET, "/api/debug"),
            (Method::POST, "/api/admin/users/1/delete"),
            (Method::GET, "/ca/issuing.key"),
            (Method::GET, "/ca/root.key.pem"),
            (Method::GET, "/kunci.db"),
            (Method::GET, "/ca-passphrase"),
        ] {
            let mut request = route_request(&method, uri, &Value::Null);
            if let Some(s) = session {
                request = with_session(request, s, Some(&s.csrf));
            }
            let answer = c.app.send(request).await;
            let who = session.map_or("anonymous", |s| s.user.login.as_str());
            assert!(
                answer.status == StatusCode::NOT_FOUND
                    || answer.status == StatusCode::METHOD_NOT_ALLOWED,
                "{who} {method} {uri}: {} {}",
                answer.status,
                answer.body
            );
            assert_security_headers(&answer, uri);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSRF on every state-changing route
// ---------------------------------------------------------------------------------------------

/// The OCSP and TSA endpoints: public protocol endpoints outside the session and CSRF layer,
/// which answer every request with their protocol's answer (docs/API.md).
const PROTOCOL_ENDPOINTS: [&str; 2] = ["/ocsp", "/tsa"];

#[tokio::test]
async fn every_state_changing_route_refuses_a_missing_wrong_or_cross_site_token() {
    let c = cast().await;
    let before = c.app.world().await;
    let mut checked = 0;
    for r in ROUTES.iter().filter(|r| r.method != "GET") {
        let (uri, body) = c.sample(r);
        let method = Method::from_str(r.method).unwrap();
        if PROTOCOL_ENDPOINTS.contains(&r.path) {
            // Cookie-less by design (http/pki.rs): a cross-site POST with the victim's cookie
            // gets the same protocol answer anyone gets, reads no session and changes nothing.
            let mut request = with_session(route_request(&method, &uri, &body), &c.ani, None);
            request
                .headers_mut()
                .insert(header::ORIGIN, "https://phish.example".parse().unwrap());
            let answer = c.app.send(request).await;
            assert_eq!(answer.status, StatusCode::OK, "{method} {uri}");
            assert!(answer.code().is_empty(), "{method} {uri}: {}", answer.body);
            continue;
        }
        // The account the route is for (the owner where items are owned).
        let s = match r.who {
            Who::Staff => &c.operator,
            Who::Admin => &c.admin,
            _ => &c.ani,
        };
        let mut flipped = s.csrf.clone();
        let last = if flipped.ends_with('A') { "B" } else { "A" };
        flipped.replace_range(flipped.len() - 1.., last);
        let cases: Vec<(&str, HttpRequest<Body>, &str)> = vec![
            (
                "no token",
                with_session(route_request(&method, &uri, &body), s, None),
                "csrf.missing",
            ),
            (
                // The token in the query string is not the header.
                "token in the query",
                with_session(
                    route_request(&method, &format!("{uri}?csrf_token={}", s.csrf), &body),
                    s,
                    None,
                ),
                "csrf.missing",
            ),
            (
                "empty token",
                with_session(route_request(&method, &uri, &body), s, Some("")),
                "csrf.mismatch",
            ),
            (
                "short token",
                with_session(route_request(&method, &uri, &body), s, Some("x")),
                "csrf.mismatch",
            ),
            (
                "last character changed",
                with_session(route_request(&method, &uri, &body), s, Some(&flipped)),
                "csrf.mismatch",
            ),
            (
                "the token twice as long",
                with_session(
                    route_request(&method, &uri, &body),
                    s,
                    Some(&format!("{0}{0}", s.csrf)),
                ),
                "csrf.mismatch",
            ),
            (
                "the session id as the token",
                with_session(route_request(&method, &uri, &body), s, Some(&s.cookie)),
                "csrf.mismatch",
            ),
        ];
        for (case, request, code) in cases {
            if matches!(
                r.path,
                "/api/login" | "/api/password-reset" | "/api/password-reset/check"
            ) {
                // Login has no session yet, so no token (tests/http.rs), and a reset code is
                // its own credential (tests/staff.rs); the origin rule below still applies.
                continue;
            }
            let answer = c.app.send(request).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::FORBIDDEN, code),
                "{method} {uri}, {case}: {}",
                answer.body
            );
            checked += 1;
        }
        for origin in [
            "https://phish.example",
            "null",
            "https://127.0.0.1:8080",
            "http://127.0.0.1:8080.phish.example",
            "http://127.0.0.1:8080/",
        ] {
            let mut request = with_session(route_request(&method, &uri, &body), s, Some(&s.csrf));
            request
                .headers_mut()
                .insert(header::ORIGIN, origin.parse().unwrap());
            let answer = c.app.send(request).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::FORBIDDEN, "csrf.origin"),
                "{method} {uri} from {origin}: {}",
                answer.body
            );
            checked += 1;
        }
        // PUT, PATCH and DELETE on the same path are checked too, before routing.
        for other in [Method::PUT, Method::PATCH, Method::DELETE] {
            let request = with_session(route_request(&other, &uri, &body), s, None);
            let answer = c.app.send(request).await;
            let exempt = matches!(
                r.path,
                "/api/login" | "/api/password-reset" | "/api/password-reset/check"
            );
            let expected = if exempt {
                // Exempt from the token: the router then refuses the method.
                answer.status
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(answer.status, expected, "{other} {uri}");
            if !exempt {
                assert_eq!(answer.code(), "csrf.missing", "{other} {uri}");
            }
        }
    }
    assert!(checked > 100, "{checked}");
    assert_eq!(
        c.app.world().await,
        before,
        "a refused request changed something"
    );
    // The sessions survived every refused logout.
    for s in [&c.ani, &c.operator, &c.admin] {
        let me = c
            .app
            .send(with_session(
                route_request(&Method::GET, "/api/me", &Value::Null),
                s,
                None,
            ))
            .await;
        me.expect(StatusCode::OK);
    }
}

// ---------------------------------------------------------------------------------------------
// Constant-time comparison of secrets
// ---------------------------------------------------------------------------------------------

/// The lines of `source` outside comments.
fn code_lines(source: &str) -> Vec<&str> {
    source
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//"))
        .collect()
}

/// Structural, since timing cannot be measured reliably in a test: the source files are read
/// and the comparisons of secrets checked. The CSRF token is compared with `subtle`'s
/// `ct_eq`; session ids and CSR tokens are never compared at all, only their SHA-256 looked up
/// (so the time of the lookup depends on the hash, not on how much of the secret matched);
/// passwords are checked by argon2's verifier, whose final comparison is constant-time.
#[test]
fn secrets_are_compared_in_constant_time_or_only_as_hashes() {
    let csrf = include_str!("../src/http/csrf.rs");
    assert!(csrf.contains("use subtle::ConstantTimeEq;"));
    let code = code_lines(csrf);
    let compare: Vec<&&str> = code.iter().filter(|l| l.contains("csrf_secret")).collect();
    assert!(
        !compare.is_empty(),
        "the CSRF check moved: update this test"
    );
    for line in &compare {
        assert!(line.contains(".ct_eq("), "not constant-time: {line}");
        assert!(
            !line.contains("==") && !line.contains("!=") && !line.contains(".eq("),
            "{line}"
        );
    }
    // Nothing else in the HTTP layer compares a token, password or session id with `==`.
    for (file, source) in [
        ("auth.rs", include_str!("../src/http/auth.rs")),
        ("csrf.rs", csrf),
        ("holder.rs", include_str!("../src/http/holder.rs")),
        ("mod.rs", include_str!("../src/http/mod.rs")),
        ("admin.rs", include_str!("../src/http/admin.rs")),
    ] {
        for line in code_lines(source) {
            let secretive = ["token", "password", "csrf", "secret", "passphrase"]
                .iter()
                .any(|s| line.to_lowercase().contains(s));
            let compares = line.contains(" == ") || line.contains(" != ");
            assert!(
                !(secretive && compares),
                "{file}: a secret compared with ==: {line}"
            );
        }
    }
    let auth = include_str!("../src/http/auth.rs");
    assert!(auth.contains(".verify_password(password.as_bytes(), &parsed)"));
    // Session ids and CSR tokens are looked up by their SHA-256, never compared as text.
    let sessions = include_str!("../src/store/sessions.rs");
    assert!(sessions.contains("WHERE s.id_hash = $1"));
    let requests = include_str!("../src/store/requests.rs");
    assert!(requests.contains("WHERE token_hash = $1"));
    assert!(requests.contains(".bind(csr_token_hash(token))"));
    // Password reset codes too (tests/staff.rs).
    let staff = include_str!("../src/store/staff.rs");
    assert!(staff.contains("WHERE code_hash = $1"));
    assert!(staff.contains(".bind(sha256_hex(code.as_bytes()))"));
}

// ---------------------------------------------------------------------------------------------
// Upload names and paths
// ---------------------------------------------------------------------------------------------

/// A PDF whose bytes (and so whose stored name) differ by `n`.
fn pdf(n: usize) -> Vec<u8> {
    format!("%PDF-1.4\n% sample {n}\n%%EOF\n").into_bytes()
}

#[tokio::test]
async fn uploaded_names_are_cleaned_and_files_stay_inside_the_uploads_folder() {
    let app = TestApp::new().await;
    let ani = app.account("ani", Role::Holder, Some(ANI)).await;
    // The longest name taken (255 characters; longer is field.too_long, see api.rs).
    let long = format!("{}.pdf", "a".repeat(251));
    let names: Vec<(&str, &str)> = vec![
        ("../../etc/passwd", "passwd"),
        ("..\\..\\x", "x"),
        ("/abs/path", "path"),
        ("C:\\Windows\\win.ini", "win.ini"),
        ("evil%00.pdf", "evil.pdf"),
        ("..%2F..%2Fetc%2Fpasswd", "passwd"),
        ("%2e%2e%2f%2e%2e%2fkunci.db", "kunci.db"),
        ("..%5C..%5Cboot.ini", "boot.ini"),
        ("%0D%0ASet-Cookie:%20a=b.pdf", "Set-Cookie ab.pdf"),
        ("surat\"; filename=evil.exe", "surat filenameevil.exe"),
        ("", "surat-rekomendasi.pdf"),
        ("%2F", "surat-rekomendasi.pdf"),
        (&long, ""),
    ];
    let mut stored = BTreeSet::new();
    for (n, (sent, shown)) in names.iter().enumerate() {
        let id = app.uploaded_request(&ani, ANI).await;
        let answer = app.upload(&ani, id, pdf(n), sent).await;
        let body = answer.expect(StatusCode::OK);
        let name = body["document"]["name"].as_str().unwrap().to_owned();
        if shown.is_empty() {
            assert_eq!(name.len(), 100, "{sent}: {name}");
        } else {
            assert_eq!(&name, shown, "{sent}");
        }
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ' ')),
            "{sent}: {name:?}"
        );
        assert!(name != "." && name != "..", "{sent}: {name}");
        stored.insert(body["document"]["sha256"].as_str().unwrap().to_owned());

        // Downloading it back: by id, with the cleaned name in a single quoted filename.
        let download = app
            .send(with_session(
                route_request(
                    &Method::GET,
                    &format!("/api/requests/{id}/document"),
                    &Value::Null,
                ),
                &ani,
                None,
            ))
            .await;
        download.expect(StatusCode::OK);
        assert_eq!(download.bytes, pdf(n));
        let disposition = download.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap();
        // Always a download, always named .pdf (issue 18, finding 4).
        let served = if name.to_ascii_lowercase().ends_with(".pdf") {
            name.clone()
        } else {
            format!("{}.pdf", name[..name.len().min(96)].trim_end())
        };
        assert_eq!(disposition, format!("attachment; filename=\"{served}\""));
        assert!(!download.headers.contains_key(header::SET_COOKIE));
        assert_eq!(download.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    // Every file the portal wrote is its database or a document named by its SHA-256 inside
    // uploads/: none was placed by a name the client sent.
    let files = files_under(app.dir.path());
    let mut documents = BTreeSet::new();
    for file in &files {
        let text = file.to_str().unwrap();
        if let Some(doc) = text.strip_prefix("uploads/") {
            let hash = doc.strip_suffix(".pdf").unwrap_or_else(|| panic!("{text}"));
            assert!(
                hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
                "{text}"
            );
            documents.insert(hash.to_owned());
        } else {
            assert!(
                text.starts_with("kunci.db"),
                "a file outside uploads/: {text}"
            );
        }
    }
    assert_eq!(documents, stored);
}

#[tokio::test]
async fn downloads_take_ids_and_a_path_in_their_place_reaches_no_file() {
    let app = TestApp::new().await;
    let ani = app.account("ani", Role::Holder, Some(ANI)).await;
    let operator = app.account("siti", Role::Operator, None).await;
    let id = app.submitted_request(&ani, ANI).await;
    for (s, uri) in [
        (&ani, "/api/requests/..%2F..%2Fkunci.db/document".to_owned()),
        (&ani, "/api/requests/%2E%2E/document".to_owned()),
        (
            &ani,
            format!("/api/requests/{id}/document/../../../kunci.db"),
        ),
        (
            &ani,
            format!("/api/requests/{id}%2F..%2F..%2Fkunci.db/document"),
        ),
        (&ani, "/api/certificates/..%2Fkunci.db/pem".to_owned()),
        (&ani, "/api/certificates/1/../../../kunci.db".to_owned()),
        (
            &operator,
            "/api/operator/requests/..%2Fkunci.db/document".to_owned(),
        ),
        (&operator, "/api/operator/requests/-1/document".to_owned()),
        (&operator, "/ca/..%2Fkunci.db".to_owned()),
        (&operator, "/ca/../kunci.db".to_owned()),
    ] {
        let answer = app
            .send(with_session(
                route_request(&Method::GET, &uri, &Value::Null),
                s,
                None,
            ))
            .await;
        assert!(
            matches!(
                (answer.status, answer.code()),
                (StatusCode::BAD_REQUEST, "http.bad_request")
                    | (StatusCode::NOT_FOUND, "http.not_found" | "store.not_found")
            ),
            "{uri}: {} {}",
            answer.status,
            answer.body
        );
        assert!(!answer.bytes.starts_with(b"SQLite format"), "{uri}");
        assert!(!answer.bytes.starts_with(b"%PDF"), "{uri}");
    }
}

#[tokio::test]
async fn the_pages_folder_cannot_be_left_through_the_path() {
    let outside = tempfile::tempdir().unwrap();
    let web = outside.path().join("web");
    std::fs::create_dir(&web).unwrap();
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>kunci</title>",
    )
    .unwrap();
    std::fs::write(outside.path().join("secret.txt"), "RAHASIA-DI-LUAR").unwrap();
    let app = TestApp::with_config(Config {
        web_dir: Some(web.clone()),
        ..Config::default()
    })
    .await;
    let index = app
        .send(route_request(&Method::GET, "/", &Value::Null))
        .await;
    index.expect(StatusCode::OK);
    assert_security_headers(&index, "/");
    for uri in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/assets/../../secret.txt",
        "//secret.txt",
    ] {
        let answer = app
            .send(route_request(&Method::GET, uri, &Value::Null))
            .await;
        assert_ne!(answer.status, StatusCode::OK, "{uri}");
        assert!(
            !String::from_utf8_lossy(&answer.bytes).contains("RAHASIA"),
            "{uri} served the file outside web/"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets never in the logs: a full run of the real binary
// ---------------------------------------------------------------------------------------------

const BIN: &str = env!("CARGO_BIN_EXE_kunci-ams");
const HOLDER_PASSWORD: &str = "Ani-sandi-Rahasia-7731";
const OPERATOR_PASSWORD: &str = "Siti-sandi-Rahasia-5519";
const WRONG_PASSWORD: &str = "Salah-tebak-Rahasia-0042";
/// What a holder who pasted a private key where the CSR goes would send.
const PASTED_KEY: &str = "-----BEGIN PRIVATE KEY-----\n\
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKunciRahasiaKunci\n\
    -----END PRIVATE KEY-----\n";

/// The running binary, killed on drop (also when an assertion fails midway).
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange with the running binary: (status, headers as text, body).
fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head[9..12].parse().unwrap();
    (status, head, answer[split + 4..].to_vec())
}

/// A logged-in client of the running binary.
struct Client {
    port: u16,
    cookie: String,
    csrf: String,
}

impl Client {
    fn login(port: u16, login: &str, password: &str) -> Client {
        let body = json!({"login": login, "password": password}).to_string();
        let (status, head, body) = exchange(
            port,
            "POST",
            "/api/login",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
        assert_eq!(status, 200, "{head}");
        let cookie = support::session_id(
            head.lines()
                .find_map(|l| {
                    l.to_lowercase()
                        .starts_with("set-cookie:")
                        .then(|| l[11..].trim())
                })
                .unwrap(),
        );
        let body: Value = serde_json::from_slice(&body).unwrap();
        Client {
            port,
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    fn send(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let cookie = format!("kunci_session={}", self.cookie);
        let origin = format!("http://127.0.0.1:{}", self.port);
        let (status, _, body) = exchange(
            self.port,
            method,
            path,
            &[
                ("Cookie", &cookie),
                ("X-CSRF-Token", &self.csrf),
                ("Origin", &origin),
                ("Content-Type", content_type),
                ("X-File-Name", "..%2F..%2Fsurat%20rekomendasi.pdf"),
            ],
            body,
        );
        (status, body)
    }

    fn json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let (status, bytes) = self.send(
            method,
            path,
            "application/json",
            body.to_string().as_bytes(),
        );
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

/// Runs the binary once with `args`, appending what it printed to `log`.
fn run_binary(data: &Path, args: &[&str], log: &mut String) {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "full")
        .env_remove("KUNCI_AMS_PASSWORD")
        .env_remove("KUNCI_AMS_DATABASE_URL")
        .env_remove("KUNCI_AMS_DATA_DIR")
        .output()
        .unwrap();
    log.push_str(&String::from_utf8_lossy(&out.stdout));
    log.push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{args:?}: {log}");
}

/// `kunci-ams` has no log levels (no `tracing`: it prints its few lines with `println!` and
/// `eprintln!`, errors of the server's own with their detail); `RUST_LOG=trace` is set anyway
/// so that a logger added later runs at its most verbose here. Both streams of every command
/// are captured.
#[test]
fn a_full_run_of_the_binary_never_prints_a_password_token_key_or_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut log = String::new();
    for (login, role, password, email, extra) in [
        (
            "ani",
            "holder",
            HOLDER_PASSWORD,
            "ani.wijaya@example.go.id",
            vec!["--subject", ANI, "--product", INDIVIDU],
        ),
        (
            "siti",
            "operator",
            OPERATOR_PASSWORD,
            "siti@example.go.id",
            vec![],
        ),
    ] {
        let file = dir.path().join(format!("{login}.password"));
        std::fs::write(&file, format!("{password}\n")).unwrap();
        let mut args = vec![
            "user",
            "add",
            "--login",
            login,
            "--name",
            login,
            "--role",
            role,
            "--email",
            email,
            "--password-file",
        ];
        args.push(file.to_str().unwrap());
        args.extend(extra);
        run_binary(&data, &args, &mut log);
    }

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out_path = dir.path().join("serve.out");
    let err_path = dir.path().join("serve.err");
    let child = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        // As behind a reverse proxy on the same machine (issue 18, finding 1).
        .args([
            "--trusted-proxy",
            "127.0.0.1",
            "--idle-timeout-minutes",
            "30",
        ])
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "full")
        .stdout(Stdio::from(std::fs::File::create(&out_path).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&err_path).unwrap()))
        .spawn()
        .unwrap();
    let server = Server { child };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "kunci-ams did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }

    // A failed login, then the holder's whole enrollment.
    let body = json!({"login": "ani", "password": WRONG_PASSWORD}).to_string();
    let (status, _, _) = exchange(
        port,
        "POST",
        "/api/login",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(status, 401);
    // A guesser behind the proxy: its failures start a wait that is logged with the login
    // and the forwarded address, never the password; ani, from elsewhere, is not held back.
    let body = json!({"login": "tamu", "password": WRONG_PASSWORD}).to_string();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (status, _, _) = exchange(
            port,
            "POST",
            "/api/login",
            &[
                ("Content-Type", "application/json"),
                ("X-Forwarded-For", "203.0.113.9"),
            ],
            body.as_bytes(),
        );
        statuses.push(status);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    let ani = Client::login(port, "ani", HOLDER_PASSWORD);
    let (status, products) = ani.json("GET", "/api/products", &Value::Null);
    assert_eq!(status, 200, "{products}");
    let product = products["products"][0]["id"].clone();
    let (status, created) = ani.json("POST", "/api/requests", &json!({"product_id": product}));
    assert_eq!(status, 201, "{created}");
    let request = created["request"]["id"].as_i64().unwrap();
    let token = created["csr_token"].as_str().unwrap().to_owned();
    let (status, _) = ani.json("POST", "/api/csr/check", &json!({"token": token}));
    assert_eq!(status, 200);
    // A bad CSR, and a private key pasted where the CSR goes: refused.
    for bad in [
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        PASTED_KEY,
    ] {
        let (status, answer) = ani.json("POST", "/api/csr", &json!({"token": token, "csr": bad}));
        assert_eq!(status, 400, "{answer}");
        // The refusal may name the PEM label it found, never the key's content or the token.
        assert!(
            !answer.to_string().contains("KunciRahasiaKunci"),
            "{answer}"
        );
        assert!(!answer.to_string().contains(&token), "{answer}");
    }
    let (status, answer) = ani.json(
        "POST",
        "/api/csr",
        &json!({"token": token, "csr": csr_pem(ANI, &token)}),
    );
    assert_eq!(status, 201, "{answer}");
    let (status, _) = ani.send(
        "POST",
        &format!("/api/requests/{request}/document"),
        "application/pdf",
        &kunci_ams::demo::demo_pdf(),
    );
    assert_eq!(status, 200);
    let (status, _) = ani.json(
        "POST",
        &format!("/api/requests/{request}/submit"),
        &json!({"agree": true}),
    );
    assert_eq!(status, 200);

    // The operator approves; the holder downloads, then asks for revocation, approved too.
    let siti = Client::login(port, "siti", OPERATOR_PASSWORD);
    let (status, approved) = siti.json(
        "POST",
        &format!("/api/operator/requests/{request}/approve"),
        &Value::Null,
    );
    assert_eq!(status, 200, "{approved}");
    let cert = approved["certificate_id"].as_i64().unwrap();
    let (status, pem) = ani.send(
        "GET",
        &format!("/api/certificates/{cert}/pem"),
        "text/plain",
        b"",
    );
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&pem).contains("BEGIN CERTIFICATE"));
    let (status, revocation) = ani.json(
        "POST",
        &format!("/api/certificates/{cert}/revoke"),
        &json!({"reason": "keyCompromise"}),
    );
    assert_eq!(status, 201, "{revocation}");
    let revocation = revocation["id"].as_i64().unwrap();
    let (status, _) = siti.json(
        "POST",
        &format!("/api/operator/requests/{revocation}/approve"),
        &Value::Null,
    );
    assert_eq!(status, 200);
    // A forged request (wrong CSRF token) and a logout.
    let forged = Client {
        port,
        cookie: ani.cookie.clone(),
        csrf: "forged".into(),
    };
    assert_eq!(
        forged
            .json("POST", "/api/requests", &json!({"product_id": product}))
            .0,
        403
    );
    assert_eq!(ani.json("POST", "/api/logout", &Value::Null).0, 204);
    drop(server);

    log.push_str(&std::fs::read_to_string(&out_path).unwrap());
    log.push_str(&std::fs::read_to_string(&err_path).unwrap());
    // The log is there (so the search below can fail): the CA was made, the portal served.
    assert!(log.contains("made a new CA"), "{log}");
    assert!(log.contains("serving on"), "{log}");
    assert!(
        log.contains("login throttled: login \"tamu\" from 203.0.113.9 waits 2s"),
        "{log}"
    );
    let passphrase = std::fs::read_to_string(data.join("ca-passphrase")).unwrap();
    let passphrase = passphrase.trim();
    assert!(passphrase.len() >= 16, "a real passphrase to look for");
    for (what, secret) in [
        ("the holder's password", HOLDER_PASSWORD),
        ("the operator's password", OPERATOR_PASSWORD),
        ("the wrong password", WRONG_PASSWORD),
        ("the CSR token", token.as_str()),
        ("the holder's session id", ani.cookie.as_str()),
        ("the operator's session id", siti.cookie.as_str()),
        ("the holder's CSRF token", ani.csrf.as_str()),
        ("the operator's CSRF token", siti.csrf.as_str()),
        ("the CA passphrase", passphrase),
        ("a private key", "PRIVATE KEY"),
        ("the pasted key's body", "KunciRahasiaKunci"),
    ] {
        assert!(!log.contains(secret), "{what} is in the log:\n{log}");
    }
}
