//! The client steps the HTTP suites share: requests sent under a [`Session`] (with its CSRF
//! token on every POST), staff accounts, and the holder's key and CSR. Written once here so
//! that a change to the portal's session or CSRF rules is followed in one place, not in every
//! suite's own copy.

use axum::body::Body;
use axum::http::{Method, Request as HttpRequest, StatusCode, header};
use kunci_ams::store::{Id, NewUser, Role};
use kunci_core::csr::{CsrBuilder, Subject};
use kunci_core::key::{KeyAlgorithm, KeyPair};
use serde_json::{Value, json};

use super::{Answer, Session, TestApp, json_request, with_session};

impl TestApp {
    /// `GET uri` under session `s` (a GET needs no CSRF token).
    pub async fn get(&self, s: &Session, uri: &str) -> Answer {
        self.send(with_session(
            HttpRequest::get(uri).body(Body::empty()).unwrap(),
            s,
            None,
        ))
        .await
    }

    /// A JSON `POST uri` under session `s`, with its CSRF token.
    pub async fn post(&self, s: &Session, uri: &str, body: &Value) -> Answer {
        self.send(with_session(
            json_request(Method::POST, uri, body),
            s,
            Some(&s.csrf),
        ))
        .await
    }

    /// A `POST uri` without a body (approve, cancel, notice read) under `s`, with its CSRF token.
    pub async fn post_empty(&self, s: &Session, uri: &str) -> Answer {
        let request = HttpRequest::post(uri).body(Body::empty()).unwrap();
        self.send(with_session(request, s, Some(&s.csrf))).await
    }

    /// "Permohonan Baru" for `product` (renewing certificate `renews` when given), which must
    /// succeed: answers (request id, CSR token).
    pub async fn new_request_renewing(
        &self,
        s: &Session,
        product: &str,
        renews: Option<Id>,
    ) -> (Id, String) {
        let product_id = self.product_id(product).await;
        let answer = self
            .post(
                s,
                "/api/requests",
                &json!({"product_id": product_id, "renews": renews}),
            )
            .await;
        let body = answer.expect(StatusCode::CREATED);
        (
            body["request"]["id"].as_i64().unwrap(),
            body["csr_token"].as_str().unwrap().to_owned(),
        )
    }

    /// `pdf` uploaded as the Surat Rekomendasi of `request` (as `surat-rekomendasi.pdf`).
    pub async fn upload_document(&self, s: &Session, request: Id, pdf: Vec<u8>) -> Answer {
        let http = HttpRequest::post(format!("/api/requests/{request}/document"))
            .header(header::CONTENT_TYPE, "application/pdf")
            .header("x-file-name", "surat-rekomendasi.pdf")
            .body(Body::from(pdf))
            .unwrap();
        self.send(with_session(http, s, Some(&s.csrf))).await
    }

    /// `request` submitted with the agreement given.
    pub async fn submit(&self, s: &Session, request: Id) -> Answer {
        self.post(
            s,
            &format!("/api/requests/{request}/submit"),
            &json!({"agree": true}),
        )
        .await
    }

    /// The CSR `csr` sent with `token` (`POST /api/csr`) under `s`.
    pub async fn send_csr(&self, s: &Session, token: &str, csr: &str) -> Answer {
        self.post(s, "/api/csr", &json!({"token": token, "csr": csr}))
            .await
    }

    /// A CSR for `token` signed by a new P-256 key, sent under `s`.
    pub async fn send_fresh_csr(&self, s: &Session, token: &str) -> Answer {
        self.send_csr(s, token, &fresh_csr_pem(s.subject(), token))
            .await
    }

    /// The holder's whole part of an enrollment, each step of which must succeed: a new request
    /// for `product` (renewing `renews` when given), its CSR signed by `key`, `pdf` as the
    /// Surat Rekomendasi and the agreement. Answers (request id, CSR token); the request waits
    /// for the operator.
    pub async fn submitted_with(
        &self,
        s: &Session,
        product: &str,
        renews: Option<Id>,
        key: &KeyPair,
        pdf: Vec<u8>,
    ) -> (Id, String) {
        let (id, token) = self.new_request_renewing(s, product, renews).await;
        let csr = csr_pem(s.subject(), &token, key);
        self.send_csr(s, &token, &csr)
            .await
            .expect(StatusCode::CREATED);
        self.upload_document(s, id, pdf)
            .await
            .expect(StatusCode::OK);
        self.submit(s, id).await.expect(StatusCode::OK);
        (id, token)
    }

    /// [`TestApp::submitted_with`] with the demo PDF: answers the request id.
    pub async fn submitted(
        &self,
        s: &Session,
        product: &str,
        renews: Option<Id>,
        key: &KeyPair,
    ) -> Id {
        let pdf = kunci_ams::demo::demo_pdf();
        self.submitted_with(s, product, renews, key, pdf).await.0
    }

    /// A new P-256 enrollment of `product` for `s`, approved by `operator` with a bodiless POST:
    /// answers the certificate's id.
    pub async fn issued_id(&self, s: &Session, operator: &Session, product: &str) -> Id {
        let id = self.submitted(s, product, None, &p256()).await;
        let approved = self
            .post_empty(operator, &format!("/api/operator/requests/{id}/approve"))
            .await;
        approved.expect(StatusCode::OK)["certificate_id"]
            .as_i64()
            .unwrap()
    }

    /// The operator `op` rejects `request` with `body` (`reason`, and `fix` when given).
    pub async fn reject(&self, op: &Session, request: Id, body: &Value) -> Answer {
        self.post(
            op,
            &format!("/api/operator/requests/{request}/reject"),
            body,
        )
        .await
    }

    /// Holder `s` asks to revoke certificate `cert` with `body` (`reason`).
    pub async fn revoke(&self, s: &Session, cert: Id, body: &Value) -> Answer {
        self.post(s, &format!("/api/certificates/{cert}/revoke"), body)
            .await
    }

    /// Holder `s` reports the key of certificate `cert` lost with `body` (`compromised`).
    pub async fn report_lost_key(&self, s: &Session, cert: Id, body: &Value) -> Answer {
        self.post(s, &format!("/api/certificates/{cert}/lost-key"), body)
            .await
    }

    /// `GET /api/requests/{request}` under `s`, which must succeed: the request's JSON.
    pub async fn request_json(&self, s: &Session, request: Id) -> Value {
        self.get(s, &format!("/api/requests/{request}"))
            .await
            .expect(StatusCode::OK)
            .clone()
    }

    /// The audit log's entries after `seq`, oldest first: (actor, action, subject, details).
    pub async fn audit_after(&self, seq: i64) -> Vec<(String, String, String, Value)> {
        self.store()
            .audit_after(seq, 10_000)
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.actor,
                    r.action,
                    r.subject,
                    serde_json::from_str(&r.details).unwrap(),
                )
            })
            .collect()
    }

    /// The sequence number of the audit log's newest entry.
    pub async fn audit_head(&self) -> i64 {
        self.store().audit_head().await.unwrap().0
    }

    /// An operator or administrator named "Staff `login`", logged in.
    pub async fn staff(&self, login: &str, role: Role) -> Session {
        self.staff_named(login, role, &format!("Staff {login}"))
            .await
    }

    /// An operator or administrator with `display_name`, logged in.
    pub async fn staff_named(&self, login: &str, role: Role, display_name: &str) -> Session {
        self.add_user(NewUser {
            login: login.into(),
            display_name: display_name.into(),
            email: format!("{login}@example.go.id"),
            role: Some(role),
            ..NewUser::default()
        })
        .await;
        self.login(login).await
    }

    /// The operator Siti (login `siti`), logged in.
    pub async fn operator(&self) -> Session {
        self.add_user(NewUser {
            login: "siti".into(),
            display_name: "Siti".into(),
            email: "siti@example.go.id".into(),
            role: Some(Role::Operator),
            ..NewUser::default()
        })
        .await;
        self.login("siti").await
    }
}

/// A new P-256 key pair (fast to make; the tests that need RSA make their own).
pub fn p256() -> KeyPair {
    KeyPair::generate(
        KeyAlgorithm::P256,
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .unwrap()
}

/// The CSR a holder's client makes with `key`: the registered subject, its e-mail as SAN, the
/// CSR token as challenge password.
pub fn csr_pem(subject: &Subject, token: &str, key: &KeyPair) -> String {
    CsrBuilder::new(subject.clone())
        .email_san(subject.email.clone())
        .challenge_password(Some(token.to_owned()))
        .sign(key)
        .unwrap()
        .to_pem()
}

/// Like [`csr_pem`], signed by a new P-256 key made for it.
pub fn fresh_csr_pem(subject: &Subject, token: &str) -> String {
    csr_pem(subject, token, &p256())
}
