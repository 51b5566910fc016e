//! Every route of docs/API.md driven through `app(state)` and `tower::ServiceExt::oneshot`, no
//! socket: the whole renewal process (docs/PROCESS.md) as two holders and an operator, revocation
//! and the CRL, renewal without a gap, automatic approval, the authorisation matrix, bad input
//! (each answered with its code and nothing changed), notices, e-mail through a local SMTP
//! sink, end-of-validity reminders, and the binary's `user add --subject --product` and
//! `user grant`.
//!
//! Every test opens a fresh portal (SQLite file, CA, products) in its own temporary folder.
//! Keys are P-256 (fast) except where a test needs RSA.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::flow::{csr_pem, p256};
use support::{Answer, PASSWORD, Session, TestApp, route_request, with_session};

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Method, Request as HttpRequest, StatusCode, header};
use der::Decode;
use kunci_ams::http::unix_now;
use kunci_ams::portal::Settings;
use kunci_ams::store::{Id, NewUser, Role, Store};
use kunci_core::CsrToken;
use kunci_core::csr::{CsrBuilder, Subject};
use kunci_core::key::{KeyAlgorithm, KeyPair};
use serde_json::{Value, json};
use sha2::Digest;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::{CrlNumber, CrlReason};

const INDIVIDU: &str = "Sertifikat Elektronik Individu";
const ORGANISASI: &str = "Sertifikat Elektronik Dinas/Organisasi";
const ANI: &str = "CN=Ani Wijaya,emailAddress=ani.wijaya@example.go.id,OU=Bidang Persandian,\
                   O=Dinas Komunikasi dan Informatika,L=Bandung,ST=Jawa Barat,C=ID";
const BAYU: &str = "CN=Bayu Pratama,emailAddress=bayu.pratama@example.go.id,\
                    O=Dinas Kesehatan,L=Surabaya,ST=Jawa Timur,C=ID";

// ---------------------------------------------------------------------------------------------
// The test portal and its client
// ---------------------------------------------------------------------------------------------

impl TestApp {
    async fn get_anon(&self, uri: &str) -> Answer {
        self.send(HttpRequest::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// Raw bytes as the document upload sends them.
    async fn post_bytes(
        &self,
        s: &Session,
        uri: &str,
        bytes: Vec<u8>,
        content_type: &str,
        file_name: &str,
    ) -> Answer {
        let request = HttpRequest::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .header("x-file-name", file_name)
            .body(Body::from(bytes))
            .unwrap();
        self.send(with_session(request, s, Some(&s.csrf))).await
    }

    // ---- the steps of docs/PROCESS.md ----

    /// Steps 9-11: a new request for `product`; answers (request id, CSR token).
    async fn new_request(&self, s: &Session, product: &str) -> (Id, String) {
        self.new_request_renewing(s, product, None).await
    }

    async fn approve(&self, operator: &Session, request: Id) -> Answer {
        self.post_empty(
            operator,
            &format!("/api/operator/requests/{request}/approve"),
        )
        .await
    }

    /// The whole enrollment, approved by `operator`: answers the new certificate's JSON.
    async fn issued(&self, s: &Session, operator: &Session, product: &str) -> Value {
        let id = self.submitted(s, product, None, &p256()).await;
        let approved = self.approve(operator, id).await;
        let cert_id = approved.expect(StatusCode::OK)["certificate_id"]
            .as_i64()
            .unwrap();
        self.get(s, &format!("/api/certificates/{cert_id}"))
            .await
            .expect(StatusCode::OK)
            .clone()
    }

    async fn crl(&self) -> Crl {
        let answer = self.get_anon("/ca/issuing.crl").await;
        answer.expect(StatusCode::OK);
        assert_eq!(answer.header(header::CONTENT_TYPE), "application/pkix-crl");
        parse_crl(&answer.bytes)
    }
}

// ---- keys, CSRs, certificates, CRLs ----

/// Serial numbers compared as hex without leading zeros.
fn serial(hex: &str) -> String {
    hex.to_ascii_lowercase().trim_start_matches('0').to_owned()
}

struct Crl {
    number: u64,
    /// (serial, reasonCode) of every entry.
    entries: Vec<(String, Option<CrlReason>)>,
}

impl Crl {
    fn entry(&self, serial_hex: &str) -> Option<Option<CrlReason>> {
        self.entries
            .iter()
            .find(|(s, _)| *s == serial(serial_hex))
            .map(|(_, r)| *r)
    }
}

fn parse_crl(der: &[u8]) -> Crl {
    use const_oid::AssociatedOid;
    let crl: CertificateList = CertificateList::from_der(der).unwrap();
    let tbs = crl.tbs_cert_list;
    let number_ext = tbs
        .crl_extensions
        .unwrap_or_default()
        .into_iter()
        .find(|e| e.extn_id == CrlNumber::OID)
        .expect("a cRLNumber");
    let number = CrlNumber::from_der(number_ext.extn_value.as_bytes()).unwrap();
    let bytes = number.0.as_bytes();
    assert!(bytes.len() <= 8);
    let number = bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
    let entries = tbs
        .revoked_certificates
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let reason = r
                .crl_entry_extensions
                .unwrap_or_default()
                .into_iter()
                .find(|e| e.extn_id == CrlReason::OID)
                .map(|e| CrlReason::from_der(e.extn_value.as_bytes()).unwrap());
            (serial(&hex::encode(r.serial_number.as_bytes())), reason)
        })
        .collect();
    Crl { number, entries }
}

fn pdf_of_size(size: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n%".to_vec();
    pdf.resize(size - 6, b'x');
    pdf.extend_from_slice(b"\n%%EOF");
    assert_eq!(pdf.len(), size);
    pdf
}

// ---------------------------------------------------------------------------------------------
// The whole process
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn two_holders_go_from_login_to_a_downloaded_certificate_through_the_api() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU, ORGANISASI]).await;
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let subject = ani.subject().clone();

    // Steps 1-2: the account and the dashboard.
    let me = app.get(&ani, "/api/me").await;
    let me = me.expect(StatusCode::OK);
    assert_eq!(me["login"], "ani");
    assert_eq!(me["role"], "holder");
    assert_eq!(me["name"], "Ani Wijaya");
    assert_eq!(me["email"], "ani.wijaya@example.go.id");
    assert_eq!(me["csrf_token"], ani.csrf.as_str());
    assert_eq!(me["unread_notices"], 0);
    assert_eq!(me["auto_approve"], false);

    let identity = app.get(&ani, "/api/identity").await;
    let identity = identity.expect(StatusCode::OK);
    assert_eq!(identity["subject"], subject.to_string());
    assert_eq!(identity["common_name"], "Ani Wijaya");
    assert_eq!(identity["email"], "ani.wijaya@example.go.id");
    assert_eq!(identity["organization"], "Dinas Komunikasi dan Informatika");
    assert_eq!(identity["nik"], "3273011506850003");

    // Step 10: the products registered for the account, with the keys each accepts.
    let products = app.get(&ani, "/api/products").await;
    let products = products.expect(StatusCode::OK)["products"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(products.len(), 2);
    let individu = products.iter().find(|p| p["name"] == INDIVIDU).unwrap();
    assert_eq!(individu["cert_type"], "Individu");
    assert_eq!(
        individu["allowed_keys"],
        json!(["rsa2048", "rsa3072", "rsa4096", "p256"])
    );
    let organisasi = products.iter().find(|p| p["name"] == ORGANISASI).unwrap();
    assert_eq!(organisasi["cert_type"], "Dinas/Organisasi");
    assert!(
        !organisasi["allowed_keys"]
            .as_array()
            .unwrap()
            .contains(&json!("rsa2048"))
    );
    let bayu_products = app.get(&bayu, "/api/products").await;
    assert_eq!(
        bayu_products.expect(StatusCode::OK)["products"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let none = app.get(&ani, "/api/certificates").await;
    assert_eq!(none.expect(StatusCode::OK)["certificates"], json!([]));

    // Steps 9-11: a new request and its CSR token.
    let before = unix_now();
    let created = app
        .post(
            &ani,
            "/api/requests",
            &json!({"product_id": individu["id"]}),
        )
        .await;
    let created = created.expect(StatusCode::CREATED).clone();
    let token = created["csr_token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 43, "256 random bits, base64url");
    let request = &created["request"];
    let id = request["id"].as_i64().unwrap();
    assert_eq!(request["kind"], "enrollment");
    assert_eq!(request["status"], "pending");
    assert_eq!(request["status_label"], "Enrollment");
    assert_eq!(request["product"], INDIVIDU);
    assert_eq!(request["csr_uploaded"], false);
    assert_eq!(request["document"], Value::Null);
    assert!(request.get("holder").is_none(), "holder only for operators");
    let expires = created["token_expires_at"].as_i64().unwrap();
    assert!((before + 86_400..=unix_now() + 86_400).contains(&expires));
    assert_eq!(request["token_expires_at"], expires);
    let listed = app.get(&ani, "/api/requests").await;
    assert_eq!(listed.expect(StatusCode::OK)["requests"][0]["id"], id);

    // Steps 13-14: the token is good; here is what the CSR must carry. Nothing changes.
    let check = app
        .post(&ani, "/api/csr/check", &json!({"token": token}))
        .await;
    let check = check.expect(StatusCode::OK);
    assert_eq!(check["request_id"], id);
    assert_eq!(check["product"], INDIVIDU);
    assert_eq!(check["subject"], subject.to_string());
    assert_eq!(check["email"], "ani.wijaya@example.go.id");
    assert_eq!(check["allowed_keys"], individu["allowed_keys"]);
    assert_eq!(app.request_json(&ani, id).await, *request);

    // Steps 15-19: the CSR, once; "Sudah Upload".
    let key = p256();
    let uploaded = app
        .send_csr(&ani, &token, &csr_pem(&subject, &token, &key))
        .await;
    let uploaded = uploaded.expect(StatusCode::CREATED);
    assert_eq!(uploaded["status"], "uploaded");
    assert_eq!(uploaded["status_label"], "Sudah Upload");
    assert_eq!(uploaded["csr_uploaded"], true);
    assert!(
        uploaded["csr_subject"]
            .as_str()
            .unwrap()
            .contains("CN=Ani Wijaya")
    );

    // Step 20: the Surat Rekomendasi.
    let pdf = kunci_ams::demo::demo_pdf();
    let attached = app.upload_document(&ani, id, pdf.clone()).await;
    let attached = attached.expect(StatusCode::OK);
    assert_eq!(attached["document"]["name"], "surat-rekomendasi.pdf");
    assert_eq!(attached["document"]["size"], pdf.len());
    assert_eq!(
        attached["document"]["sha256"],
        hex::encode(sha2::Sha256::digest(&pdf))
    );
    let own = app.get(&ani, &format!("/api/requests/{id}/document")).await;
    own.expect(StatusCode::OK);
    assert_eq!(own.bytes, pdf);
    assert_eq!(own.header(header::CONTENT_TYPE), "application/pdf");

    // Steps 21-22: "Setuju dan Submit".
    let submitted = app.submit(&ani, id).await;
    let submitted = submitted.expect(StatusCode::OK);
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["agreed"], true);
    assert_eq!(submitted["certificate_id"], Value::Null);

    // Bayu's request waits in the queue too.
    let bayu_request = app.submitted(&bayu, INDIVIDU, None, &p256()).await;

    // The operator's side: the queue (oldest first), the request with its CSR, the document.
    let queue = app.get(&operator, "/api/operator/queue").await;
    let queue = queue.expect(StatusCode::OK)["requests"]
        .as_array()
        .unwrap()
        .clone();
    let ids: Vec<i64> = queue.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [id, bayu_request]);
    assert_eq!(
        queue[0]["holder"],
        json!({"login": "ani", "name": "Ani Wijaya"})
    );
    let detail = app
        .get(&operator, &format!("/api/operator/requests/{id}"))
        .await;
    let detail = detail.expect(StatusCode::OK);
    assert_eq!(detail["status"], "submitted");
    assert!(
        detail["csr_info"]["subject"]
            .as_str()
            .unwrap()
            .contains("CN=Ani Wijaya")
    );
    assert_eq!(detail["csr_info"]["key"], "p256");
    assert_eq!(
        detail["csr_info"]["email_sans"],
        json!(["ani.wijaya@example.go.id"])
    );
    assert_eq!(
        detail["csr_info"]["public_key_sha256"],
        key.public_key_sha256()
    );
    let document = app
        .get(&operator, &format!("/api/operator/requests/{id}/document"))
        .await;
    document.expect(StatusCode::OK);
    assert_eq!(document.bytes, pdf);
    assert_eq!(document.header(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(
        document.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"surat-rekomendasi.pdf\""
    );

    // Approve: the certificate is issued; the queue moves on.
    let approved = app.approve(&operator, id).await;
    let approved = approved.expect(StatusCode::OK);
    assert_eq!(approved["status"], "success");
    assert_eq!(approved["status_label"], "Success");
    let cert_id = approved["certificate_id"].as_i64().unwrap();
    let queue = app.get(&operator, "/api/operator/queue").await;
    assert_eq!(
        queue.expect(StatusCode::OK)["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [bayu_request]
    );
    app.approve(&operator, bayu_request)
        .await
        .expect(StatusCode::OK);

    // Step 23: the request says Success; step 3: the certificate is listed.
    let done = app.request_json(&ani, id).await;
    assert_eq!(done["status"], "success");
    assert_eq!(done["certificate_id"], cert_id);
    let listed = app.get(&ani, "/api/certificates").await;
    let listed = listed.expect(StatusCode::OK)["certificates"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(listed.len(), 1, "only Ani's own certificate");
    let cert = &listed[0];
    assert_eq!(cert["id"], cert_id);
    assert_eq!(cert["status"], "good");
    assert_eq!(cert["email"], "ani.wijaya@example.go.id");
    assert_eq!(cert["product"], INDIVIDU);
    assert_eq!(cert["request_id"], id);
    assert_eq!(cert["request_date"], request["created_at"]);
    assert_eq!(cert["key"], "p256");
    assert_eq!(cert["revoked_at"], Value::Null);
    assert_eq!(cert["revocation_reason"], Value::Null);
    assert!(cert["subject"].as_str().unwrap().contains("CN=Ani Wijaya"));
    let one = app.get(&ani, &format!("/api/certificates/{cert_id}")).await;
    assert_eq!(one.expect(StatusCode::OK), cert);

    // Step 24a: the .pem download, issued by the portal's issuing CA for Ani's key.
    let pem = app
        .get(&ani, &format!("/api/certificates/{cert_id}/pem"))
        .await;
    pem.expect(StatusCode::OK);
    let serial_hex = cert["serial"].as_str().unwrap();
    assert_eq!(pem.header(header::CONTENT_TYPE), "application/x-pem-file");
    assert_eq!(
        pem.header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"{serial_hex}.pem\"")
    );
    assert_eq!(pem.text(), cert["pem"].as_str().unwrap());
    let info = kunci_core::cert::parse(&pem.bytes).unwrap();
    assert_eq!(serial(&info.serial), serial(serial_hex));
    assert!(info.matches_key(&key));
    assert!(!info.is_ca);
    assert!(info.is_valid_at(unix_now()));
    assert_eq!(info.sha256_fingerprint, cert["fingerprint_sha256"]);
    assert_eq!(info.not_after_unix, cert["not_after"]);
    assert_eq!(info.not_before_unix, cert["not_before"]);
    assert!(
        info.subject_alt_names
            .contains(&"email:ani.wijaya@example.go.id".to_owned())
    );
    let issuing = app.get_anon("/ca/issuing.crt").await;
    issuing.expect(StatusCode::OK);
    assert_eq!(
        issuing.header(header::CONTENT_TYPE),
        "application/pkix-cert"
    );
    let issuing_info = kunci_core::cert::parse(&issuing.bytes).unwrap();
    assert!(issuing_info.is_ca);
    assert_eq!(info.issuer, issuing_info.subject);
    let root = app.get_anon("/ca/root.crt").await;
    root.expect(StatusCode::OK);
    let root_info = kunci_core::cert::parse(&root.bytes).unwrap();
    assert_eq!(issuing_info.issuer, root_info.subject);
    assert_eq!(root_info.issuer, root_info.subject, "a self-signed root");

    // The chain: certificate, issuing CA, root.
    let chain = app
        .get(&ani, &format!("/api/certificates/{cert_id}/chain"))
        .await;
    chain.expect(StatusCode::OK);
    assert_eq!(
        chain.header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"{serial_hex}-chain.pem\"")
    );
    let ders = kunci_core::cert::read_all_der(&chain.bytes).unwrap();
    assert_eq!(ders.len(), 3);
    assert_eq!(ders[0], info.der);
    assert_eq!(ders[1], issuing.bytes);
    assert_eq!(ders[2], root.bytes);

    // Bayu has his own, different certificate, and sees only it.
    let bayu_certs = app.get(&bayu, "/api/certificates").await;
    let bayu_certs = bayu_certs.expect(StatusCode::OK)["certificates"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(bayu_certs.len(), 1);
    assert_ne!(bayu_certs[0]["serial"], cert["serial"]);
    assert!(
        bayu_certs[0]["subject"]
            .as_str()
            .unwrap()
            .contains("CN=Bayu Pratama")
    );

    // Logout ends the session.
    let out = app.post_empty(&ani, "/api/logout").await;
    out.expect(StatusCode::NO_CONTENT);
    app.get(&ani, "/api/me")
        .await
        .refused(StatusCode::UNAUTHORIZED, "auth.required");
}

#[tokio::test]
async fn public_ca_files_health_and_index_need_no_account() {
    let app = TestApp::new().await;
    let health = app.get_anon("/api/health").await;
    assert_eq!(*health.expect(StatusCode::OK), json!({"ok": true}));

    let chain = app.get_anon("/ca/chain.pem").await;
    chain.expect(StatusCode::OK);
    assert_eq!(chain.header(header::CONTENT_TYPE), "application/x-pem-file");
    let ders = kunci_core::cert::read_all_der(&chain.bytes).unwrap();
    assert_eq!(ders.len(), 2);
    assert_eq!(ders[0], app.get_anon("/ca/issuing.crt").await.bytes);
    assert_eq!(ders[1], app.get_anon("/ca/root.crt").await.bytes);

    // The first CRL: signed at start, empty, number 1.
    let crl = app.crl().await;
    assert!(crl.entries.is_empty());
    assert_eq!(crl.number, 1);
    let crl = app.get_anon("/ca/issuing.crl").await;
    assert!(crl.header(header::CACHE_CONTROL).starts_with("public"));

    // Without pages, `/` says where the API is; an unknown API route is a JSON 404.
    app.get_anon("/").await.expect(StatusCode::OK);
    app.get_anon("/api/no-such-route")
        .await
        .refused(StatusCode::NOT_FOUND, "http.not_found");
}

// ---------------------------------------------------------------------------------------------
// Revocation and the CRL
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_revocation_is_pending_until_approved_then_the_crl_lists_it_without_a_reason_code() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let cert = app.issued(&ani, &operator, INDIVIDU).await;
    let cert_id = cert["id"].as_i64().unwrap();
    let serial_hex = cert["serial"].as_str().unwrap();
    let crl_before = app.crl().await;

    // Step 5: the reasons a holder may pick.
    let reasons = app.get(&ani, "/api/revocation-reasons").await;
    let reasons = reasons.expect(StatusCode::OK)["reasons"].clone();
    assert_eq!(reasons[0], json!({"name": "unspecified", "code": 0}));
    let names: Vec<&str> = reasons
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"keyCompromise"));
    assert!(!names.contains(&"cACompromise"));

    // Steps 6-7: the revocation request is pending; the certificate is still good.
    let revoke = app
        .revoke(&ani, cert_id, &json!({"reason": "unspecified"}))
        .await;
    let revoke = revoke.expect(StatusCode::CREATED).clone();
    let request = revoke["id"].as_i64().unwrap();
    assert_eq!(revoke["kind"], "revocation");
    assert_eq!(revoke["status"], "pending");
    assert_eq!(revoke["status_label"], "Enrollment");
    assert_eq!(revoke["target_certificate_id"], cert_id);
    assert_eq!(revoke["revocation_reason"], "unspecified");
    assert_eq!(revoke["product"], INDIVIDU);
    let still = app.get(&ani, &format!("/api/certificates/{cert_id}")).await;
    assert_eq!(still.expect(StatusCode::OK)["status"], "good");
    assert!(app.crl().await.entry(serial_hex).is_none());
    // A second revocation of the same certificate while one is open: conflict.
    app.revoke(&ani, cert_id, &json!({"reason": "keyCompromise"}))
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    let queue = app.get(&operator, "/api/operator/queue").await;
    assert_eq!(queue.expect(StatusCode::OK)["requests"][0]["id"], request);

    // Step 8: approved, Success; the certificate is revoked and on a newer CRL.
    let approved = app.approve(&operator, request).await;
    assert_eq!(approved.expect(StatusCode::OK)["status"], "success");
    assert_eq!(
        app.request_json(&ani, request).await["status_label"],
        "Success"
    );
    let revoked = app.get(&ani, &format!("/api/certificates/{cert_id}")).await;
    let revoked = revoked.expect(StatusCode::OK);
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revocation_reason"], "unspecified");
    assert!(revoked["revoked_at"].as_i64().is_some());
    let crl = app.crl().await;
    assert!(crl.number > crl_before.number);
    // RFC 5280 5.3.1: unspecified is written as no reasonCode at all.
    assert_eq!(crl.entry(serial_hex), Some(None));
    assert_eq!(crl.entries.len(), 1);

    // A revoked certificate cannot be revoked again.
    app.revoke(&ani, cert_id, &json!({"reason": "unspecified"}))
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    // Approving the revocation again is refused and changes nothing.
    let before = app.world().await;
    app.approve(&operator, request)
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    assert_eq!(app.world().await, before);
}

#[tokio::test]
async fn key_compromise_is_on_the_crl_with_reason_code_1() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let cert = app.issued(&ani, &operator, INDIVIDU).await;
    let revoke = app
        .post(
            &ani,
            &format!("/api/certificates/{}/revoke", cert["id"]),
            &json!({"reason": "keyCompromise"}),
        )
        .await;
    let request = revoke.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    app.approve(&operator, request).await.expect(StatusCode::OK);
    let crl = app.crl().await;
    let reason = crl.entry(cert["serial"].as_str().unwrap());
    assert_eq!(reason, Some(Some(CrlReason::KeyCompromise)));
    assert_eq!(CrlReason::KeyCompromise as u32, 1);
    let now = app
        .get(&ani, &format!("/api/certificates/{}", cert["id"]))
        .await;
    assert_eq!(
        now.expect(StatusCode::OK)["revocation_reason"],
        "keyCompromise"
    );
}

#[tokio::test]
async fn a_holder_cannot_choose_a_ca_only_or_unknown_reason() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let cert = app.issued(&ani, &operator, INDIVIDU).await;
    let before = app.world().await;
    for body in [
        json!({"reason": "cACompromise"}),
        json!({"reason": "certificateHold"}),
        json!({"reason": "removeFromCRL"}),
        json!({"reason": "because"}),
        json!({"reason": 1}),
        json!({}),
    ] {
        app.post(
            &ani,
            &format!("/api/certificates/{}/revoke", cert["id"]),
            &body,
        )
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    }
    assert_eq!(app.world().await, before);
}

// ---------------------------------------------------------------------------------------------
// Renewal without a gap, and automatic approval
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn renewal_without_a_gap_keeps_the_old_certificate_good_until_the_new_one_is_issued() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let old = app.issued(&ani, &operator, INDIVIDU).await;
    let old_id = old["id"].as_i64().unwrap();
    let old_serial = old["serial"].as_str().unwrap().to_owned();

    let (id, token) = app.new_request_renewing(&ani, INDIVIDU, Some(old_id)).await;
    assert_eq!(app.request_json(&ani, id).await["renews"], old_id);
    // A second open renewal of the same certificate: conflict, nothing made.
    let before = app.world().await;
    let product_id = app.product_id(INDIVIDU).await;
    app.post(
        &ani,
        "/api/requests",
        &json!({"product_id": product_id, "renews": old_id}),
    )
    .await
    .refused(StatusCode::CONFLICT, "request.renewal_open");
    assert_eq!(app.world().await, before);
    assert_good_and_not_on_the_crl(&app, &ani, old_id, &old_serial).await;

    let key = p256();
    app.send_csr(&ani, &token, &csr_pem(ani.subject(), &token, &key))
        .await
        .expect(StatusCode::CREATED);
    assert_good_and_not_on_the_crl(&app, &ani, old_id, &old_serial).await;
    app.upload_document(&ani, id, kunci_ams::demo::demo_pdf())
        .await
        .expect(StatusCode::OK);
    app.submit(&ani, id).await.expect(StatusCode::OK);
    assert_good_and_not_on_the_crl(&app, &ani, old_id, &old_serial).await;
    let crl_before = app.crl().await;

    let approved = app.approve(&operator, id).await;
    let new_id = approved.expect(StatusCode::OK)["certificate_id"]
        .as_i64()
        .unwrap();
    assert_ne!(new_id, old_id);
    let new = app.get(&ani, &format!("/api/certificates/{new_id}")).await;
    assert_eq!(new.expect(StatusCode::OK)["status"], "good");
    let old_now = app.get(&ani, &format!("/api/certificates/{old_id}")).await;
    let old_now = old_now.expect(StatusCode::OK);
    assert_eq!(old_now["status"], "revoked");
    assert_eq!(old_now["revocation_reason"], "superseded");
    let crl = app.crl().await;
    assert!(crl.number > crl_before.number);
    assert_eq!(crl.entry(&old_serial), Some(Some(CrlReason::Superseded)));
    assert_eq!(CrlReason::Superseded as u32, 4);
    assert!(crl.entry(new.body["serial"].as_str().unwrap()).is_none());

    // Renewing a revoked certificate is refused.
    app.post(
        &ani,
        "/api/requests",
        &json!({"product_id": product_id, "renews": old_id}),
    )
    .await
    .refused(StatusCode::CONFLICT, "store.conflict");
}

async fn assert_good_and_not_on_the_crl(app: &TestApp, s: &Session, cert: Id, serial_hex: &str) {
    let now = app.get(s, &format!("/api/certificates/{cert}")).await;
    assert_eq!(now.expect(StatusCode::OK)["status"], "good");
    assert!(app.crl().await.entry(serial_hex).is_none());
}

#[tokio::test]
async fn automatic_mode_issues_on_submit_and_revokes_at_once() {
    let app = TestApp::with(|s| s.auto_approve = true).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let me = app.get(&ani, "/api/me").await;
    assert_eq!(me.expect(StatusCode::OK)["auto_approve"], true);

    let (id, token) = app.new_request(&ani, INDIVIDU).await;
    app.send_csr(&ani, &token, &csr_pem(ani.subject(), &token, &p256()))
        .await
        .expect(StatusCode::CREATED);
    app.upload_document(&ani, id, kunci_ams::demo::demo_pdf())
        .await
        .expect(StatusCode::OK);
    let submitted = app.submit(&ani, id).await;
    let submitted = submitted.expect(StatusCode::OK);
    assert_eq!(submitted["status"], "success");
    let cert_id = submitted["certificate_id"].as_i64().unwrap();
    let cert = app.get(&ani, &format!("/api/certificates/{cert_id}")).await;
    let cert = cert.expect(StatusCode::OK).clone();
    assert_eq!(cert["status"], "good");

    let revoke = app
        .revoke(&ani, cert_id, &json!({"reason": "affiliationChanged"}))
        .await;
    let revoke = revoke.expect(StatusCode::CREATED);
    assert_eq!(revoke["status"], "success");
    let now = app.get(&ani, &format!("/api/certificates/{cert_id}")).await;
    assert_eq!(now.expect(StatusCode::OK)["status"], "revoked");
    assert_eq!(
        app.crl().await.entry(cert["serial"].as_str().unwrap()),
        Some(Some(CrlReason::AffiliationChanged))
    );
    // Nothing waits for an operator.
    let admin = app.staff("root", Role::Admin).await;
    let queue = app.get(&admin, "/api/operator/queue").await;
    assert_eq!(queue.expect(StatusCode::OK)["requests"], json!([]));
}

// ---------------------------------------------------------------------------------------------
// Authorisation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_holder_can_never_see_revoke_or_download_another_holders_items() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let cert = app.issued(&ani, &operator, INDIVIDU).await;
    let cert_id = cert["id"].as_i64().unwrap();
    let issued_request = cert["request_id"].as_i64().unwrap();
    // Ani also has a request in "Sudah Upload" with its document, and one pending with an
    // unused token, and a notice.
    let (uploaded, token) = app.new_request(&ani, INDIVIDU).await;
    let key = p256();
    app.send_csr(&ani, &token, &csr_pem(ani.subject(), &token, &key))
        .await
        .expect(StatusCode::CREATED);
    app.upload_document(&ani, uploaded, kunci_ams::demo::demo_pdf())
        .await
        .expect(StatusCode::OK);
    let (pending, pending_token) = app.new_request(&ani, INDIVIDU).await;
    let notices = app.get(&ani, "/api/notices").await;
    let notice = notices.expect(StatusCode::OK)["notices"][0]["id"]
        .as_i64()
        .unwrap();

    let ani_before = holder_view(&app, &ani).await;
    let world_before = app.world().await;

    // Reading: every one of Ani's items is "not found" for Bayu, exactly like a missing one.
    for uri in [
        format!("/api/certificates/{cert_id}"),
        format!("/api/certificates/{cert_id}/pem"),
        format!("/api/certificates/{cert_id}/chain"),
        format!("/api/requests/{issued_request}"),
        format!("/api/requests/{uploaded}"),
        format!("/api/requests/{uploaded}/document"),
        format!("/api/requests/{issued_request}/document"),
        "/api/certificates/999999".to_owned(),
        "/api/requests/999999".to_owned(),
    ] {
        let answer = app.get(&bayu, &uri).await;
        answer.refused(StatusCode::NOT_FOUND, "store.not_found");
        assert!(
            !answer.text().contains("Ani"),
            "{uri} leaks: {}",
            answer.text()
        );
    }
    // Bayu's own lists do not show Ani's items.
    assert_eq!(
        app.get(&bayu, "/api/certificates").await.body["certificates"],
        json!([])
    );
    assert_eq!(
        app.get(&bayu, "/api/requests").await.body["requests"],
        json!([])
    );

    // Acting: revoke, upload, submit, read a notice: not found; Ani's token: wrong account.
    app.revoke(&bayu, cert_id, &json!({"reason": "keyCompromise"}))
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    app.upload_document(&bayu, uploaded, kunci_ams::demo::demo_pdf())
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    app.submit(&bayu, uploaded)
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    app.post_empty(&bayu, &format!("/api/notices/{notice}/read"))
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    app.post(&bayu, "/api/csr/check", &json!({"token": pending_token}))
        .await
        .refused(StatusCode::FORBIDDEN, "token.wrong_account");
    // Even a CSR carrying Ani's identity and token, sent from Bayu's account.
    let stolen = csr_pem(ani.subject(), &pending_token, &p256());
    app.send_csr(&bayu, &pending_token, &stolen)
        .await
        .refused(StatusCode::FORBIDDEN, "token.wrong_account");
    let bayus_own = csr_pem(bayu.subject(), &pending_token, &p256());
    app.send_csr(&bayu, &pending_token, &bayus_own)
        .await
        .refused(StatusCode::FORBIDDEN, "token.wrong_account");
    // Renewing Ani's certificate from Bayu's account.
    let product_id = app.product_id(INDIVIDU).await;
    app.post(
        &bayu,
        "/api/requests",
        &json!({"product_id": product_id, "renews": cert_id}),
    )
    .await
    .refused(StatusCode::NOT_FOUND, "store.not_found");

    // Ani's data is exactly as it was, and her token still works for her.
    assert_eq!(holder_view(&app, &ani).await, ani_before);
    assert_eq!(app.world().await, world_before);
    let ok = app
        .send_csr(
            &ani,
            &pending_token,
            &csr_pem(ani.subject(), &pending_token, &p256()),
        )
        .await;
    assert_eq!(ok.expect(StatusCode::CREATED)["id"], pending);
}

/// What a holder sees of their own items.
async fn holder_view(app: &TestApp, s: &Session) -> Vec<Value> {
    let mut view = Vec::new();
    for uri in ["/api/requests", "/api/certificates", "/api/notices"] {
        view.push(app.get(s, uri).await.expect(StatusCode::OK).clone());
    }
    view
}

/// Every route that needs an account, with a body its handler would accept.
fn protected_routes(id: Id) -> Vec<(Method, String, Value)> {
    let get = |uri: &str| (Method::GET, uri.to_owned(), Value::Null);
    let post = |uri: &str, body: Value| (Method::POST, uri.to_owned(), body);
    vec![
        get("/api/me"),
        get("/api/identity"),
        get("/api/products"),
        get("/api/certificates"),
        get(&format!("/api/certificates/{id}")),
        get(&format!("/api/certificates/{id}/pem")),
        get(&format!("/api/certificates/{id}/chain")),
        get("/api/revocation-reasons"),
        get("/api/requests"),
        get(&format!("/api/requests/{id}")),
        get(&format!("/api/requests/{id}/document")),
        get("/api/notices"),
        get("/api/operator/queue"),
        get(&format!("/api/operator/requests/{id}")),
        get(&format!("/api/operator/requests/{id}/document")),
        get("/api/admin/users"),
        post(
            &format!("/api/certificates/{id}/revoke"),
            json!({"reason": "unspecified"}),
        ),
        post("/api/requests", json!({"product_id": 1})),
        post(&format!("/api/requests/{id}/document"), Value::Null),
        post(
            &format!("/api/requests/{id}/submit"),
            json!({"agree": true}),
        ),
        post("/api/csr/check", json!({"token": "x".repeat(43)})),
        post(
            "/api/csr",
            json!({"token": "x".repeat(43), "csr": "-----BEGIN CERTIFICATE REQUEST-----"}),
        ),
        post(&format!("/api/notices/{id}/read"), Value::Null),
        post(&format!("/api/operator/requests/{id}/approve"), Value::Null),
        post(
            &format!("/api/operator/requests/{id}/reject"),
            json!({"reason": "dokumen tidak lengkap"}),
        ),
        post(
            "/api/admin/users",
            json!({"login": "mallory", "name": "M", "role": "admin", "password": PASSWORD}),
        ),
    ]
}

#[tokio::test]
async fn every_protected_route_needs_a_session() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let cert = app.issued(&ani, &operator, INDIVIDU).await;
    let id = cert["id"].as_i64().unwrap();
    let before = app.world().await;
    for (method, uri, body) in protected_routes(id) {
        for cookie in [None, Some("not-a-session")] {
            let mut request = route_request(&method, &uri, &body);
            if let Some(cookie) = cookie {
                request.headers_mut().insert(
                    header::COOKIE,
                    format!("kunci_session={cookie}").parse().unwrap(),
                );
            }
            let answer = app.send(request).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::UNAUTHORIZED, "auth.required"),
                "{method} {uri}: {}",
                answer.body
            );
        }
    }
    // After logout the old cookie is worth nothing.
    app.post_empty(&ani, "/api/logout")
        .await
        .expect(StatusCode::NO_CONTENT);
    for (method, uri, body) in protected_routes(id) {
        let request = with_session(route_request(&method, &uri, &body), &ani, Some(&ani.csrf));
        let answer = app.send(request).await;
        assert_eq!(
            answer.code(),
            "auth.required",
            "{method} {uri}: {}",
            answer.body
        );
    }
    assert_eq!(app.world().await, before);
}

#[tokio::test]
async fn holders_operators_and_admins_reach_only_their_own_routes() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let admin = app.staff("root", Role::Admin).await;
    let request = app.submitted(&ani, INDIVIDU, None, &p256()).await;
    let before = app.world().await;

    let operator_routes = |id: Id| {
        protected_routes(id)
            .into_iter()
            .filter(|(_, uri, _)| uri.starts_with("/api/operator/"))
            .collect::<Vec<_>>()
    };
    let admin_routes = protected_routes(request)
        .into_iter()
        .filter(|(_, uri, _)| uri.starts_with("/api/admin/"))
        .collect::<Vec<_>>();
    let holder_routes = protected_routes(request)
        .into_iter()
        .filter(|(_, uri, _)| {
            !uri.starts_with("/api/operator/")
                && !uri.starts_with("/api/admin/")
                && !uri.starts_with("/api/me")
                && !uri.starts_with("/api/notices")
        })
        .collect::<Vec<_>>();

    // A holder: no operator route, no admin route (with a valid CSRF token, so that the
    // refusal is the role's).
    for (method, uri, body) in operator_routes(request).iter().chain(&admin_routes) {
        let answer = app
            .send(with_session(
                route_request(method, uri, body),
                &ani,
                Some(&ani.csrf),
            ))
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::FORBIDDEN, "auth.forbidden"),
            "holder {method} {uri}"
        );
    }
    // Operators and admins are not holders: no holder route.
    for staff in [&operator, &admin] {
        for (method, uri, body) in &holder_routes {
            let answer = app
                .send(with_session(
                    route_request(method, uri, body),
                    staff,
                    Some(&staff.csrf),
                ))
                .await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::FORBIDDEN, "auth.forbidden"),
                "{} {method} {uri}",
                staff.user.login
            );
        }
    }
    // An operator cannot act as an administrator.
    for (method, uri, body) in &admin_routes {
        let answer = app
            .send(with_session(
                route_request(method, uri, body),
                &operator,
                Some(&operator.csrf),
            ))
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::FORBIDDEN, "auth.forbidden"),
            "operator {method} {uri}"
        );
    }
    assert_eq!(app.world().await, before);

    // The operator reads the operator routes; the admin reads both.
    for staff in [&operator, &admin] {
        let queue = app.get(staff, "/api/operator/queue").await;
        assert_eq!(queue.expect(StatusCode::OK)["requests"][0]["id"], request);
        app.get(staff, &format!("/api/operator/requests/{request}"))
            .await
            .expect(StatusCode::OK);
        app.get(staff, &format!("/api/operator/requests/{request}/document"))
            .await
            .expect(StatusCode::OK);
        // Everyone has an inbox and an account page.
        app.get(staff, "/api/notices").await.expect(StatusCode::OK);
        app.get(staff, "/api/me").await.expect(StatusCode::OK);
    }
    let users = app.get(&admin, "/api/admin/users").await;
    let users = users.expect(StatusCode::OK)["users"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(users.len(), 3);
    assert!(!serde_json::to_string(&users).unwrap().contains("argon2"));
    let made = app
        .post(
            &admin,
            "/api/admin/users",
            &json!({"login": "dewi", "name": "Dewi", "role": "holder", "password": PASSWORD,
                    "email": "dewi@example.go.id", "nik": "3273011506850004"}),
        )
        .await;
    let made = made.expect(StatusCode::CREATED);
    assert_eq!(made["login"], "dewi");
    assert_eq!(made["role"], "holder");
    assert_eq!(made["disabled"], false);
    // The admin approves like an operator.
    let approved = app.approve(&admin, request).await;
    assert_eq!(approved.expect(StatusCode::OK)["status"], "success");
}

#[tokio::test]
async fn a_product_not_granted_cannot_be_requested() {
    let app = TestApp::new().await;
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let before = app.world().await;
    let organisasi = app.product_id(ORGANISASI).await;
    app.post(&bayu, "/api/requests", &json!({"product_id": organisasi}))
        .await
        .refused(StatusCode::FORBIDDEN, "store.not_granted");
    app.post(&bayu, "/api/requests", &json!({"product_id": 999_999}))
        .await
        .refused(StatusCode::FORBIDDEN, "store.not_granted");
    assert_eq!(app.world().await, before);
}

#[tokio::test]
async fn a_non_numeric_id_in_the_path_is_a_json_bad_request() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    for uri in [
        "/api/certificates/abc",
        "/api/certificates/1x/pem",
        "/api/requests/-/document",
        "/api/requests/99999999999999999999999",
    ] {
        app.get(&ani, uri)
            .await
            .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    }
    app.post(&ani, "/api/requests/abc/submit", &json!({"agree": true}))
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    app.get(&operator, "/api/operator/requests/abc")
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    app.post_empty(&operator, "/api/operator/requests/abc/approve")
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
}

// ---------------------------------------------------------------------------------------------
// Bad input: each refused with its code, nothing changed
// ---------------------------------------------------------------------------------------------

/// A holder with a fresh request and its unused token, and the state to compare against.
async fn pending_request(app: &TestApp, product: &str) -> (Session, Id, String) {
    let ani = app.holder("ani", ANI, &[INDIVIDU, ORGANISASI]).await;
    let (id, token) = app.new_request(&ani, product).await;
    (ani, id, token)
}

#[tokio::test]
async fn malformed_csrs_are_refused_and_the_token_still_works() {
    let app = TestApp::new().await;
    let (ani, id, token) = pending_request(&app, INDIVIDU).await;
    let key = p256();
    let good = CsrBuilder::new(ani.subject().clone())
        .email_san(ani.subject().email.clone())
        .challenge_password(Some(token.clone()))
        .sign(&key)
        .unwrap();
    let der = good.der().to_vec();
    let before = app.world().await;
    let request_before = app.request_json(&ani, id).await;

    // The subject's CN changed after signing: the signature no longer covers the body.
    let mut tampered = der.clone();
    let at = tampered
        .windows(10)
        .position(|w| w == b"Ani Wijaya")
        .unwrap();
    tampered[at + 9] = b'b';
    let tampered = kunci_core::pem::encode("CERTIFICATE REQUEST", &tampered);
    // The signature's last byte flipped.
    let mut bad_sig = der.clone();
    let last = bad_sig.len() - 1;
    bad_sig[last] ^= 0x01;
    let bad_sig = kunci_core::pem::encode("CERTIFICATE REQUEST", &bad_sig);
    // Cut short: a valid PEM armour around truncated DER.
    let truncated = kunci_core::pem::encode("CERTIFICATE REQUEST", &der[..der.len() / 2]);
    // The right bytes under the wrong label.
    let wrong_label = kunci_core::pem::encode("CERTIFICATE", &der);
    // A PEM block whose base64 is damaged.
    let damaged = good.to_pem().replacen("MI", "M!", 1);

    for (csr, status, code) in [
        (
            tampered.as_str(),
            StatusCode::BAD_REQUEST,
            "csr.bad_signature",
        ),
        (
            bad_sig.as_str(),
            StatusCode::BAD_REQUEST,
            "csr.bad_signature",
        ),
        (
            "garbage, not a CSR",
            StatusCode::BAD_REQUEST,
            "csr.malformed",
        ),
        (truncated.as_str(), StatusCode::BAD_REQUEST, "csr.malformed"),
        (
            wrong_label.as_str(),
            StatusCode::BAD_REQUEST,
            "input.bad_pem",
        ),
        (damaged.as_str(), StatusCode::BAD_REQUEST, "input.bad_pem"),
        ("", StatusCode::BAD_REQUEST, "input.empty"),
    ] {
        let answer = app.send_csr(&ani, &token, csr).await;
        answer.refused(status, code);
        assert!(!answer.text().contains(&token), "the token is never echoed");
    }
    // The CSR as a JSON number, or without the token: not the JSON the route takes.
    app.post(&ani, "/api/csr", &json!({"token": token, "csr": 12}))
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    app.post(&ani, "/api/csr", &json!({"csr": good.to_pem()}))
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");

    assert_eq!(app.world().await, before);
    assert_eq!(app.request_json(&ani, id).await, request_before);
    // The token was never spent: the good CSR goes through now.
    let ok = app.send_csr(&ani, &token, &good.to_pem()).await;
    assert_eq!(ok.expect(StatusCode::CREATED)["status"], "uploaded");
}

#[tokio::test]
async fn a_csr_must_carry_the_identity_the_token_an_allowed_key_and_only_the_registered_email() {
    let app = TestApp::new().await;
    let (ani, id, token) = pending_request(&app, ORGANISASI).await;
    let subject = ani.subject().clone();
    let key = p256();
    // Another request, whose token a CSR may carry by mistake.
    let (_, other_token) = app.new_request(&ani, INDIVIDU).await;
    let before = app.world().await;
    let request_before = app.request_json(&ani, id).await;

    // Another person's name.
    let mut other = subject.clone();
    other.common_name = "Mallory".into();
    let wrong_subject = CsrBuilder::new(other)
        .email_san(subject.email.clone())
        .challenge_password(Some(token.clone()))
        .sign(&key)
        .unwrap()
        .to_pem();
    // A field the identity does not have.
    let mut extra_field = subject.clone();
    extra_field.serial_number = Some("3273011506850003".into());
    let extra_field = CsrBuilder::new(extra_field)
        .email_san(subject.email.clone())
        .challenge_password(Some(token.clone()))
        .sign(&key)
        .unwrap()
        .to_pem();
    // Another request's token, and none at all.
    let wrong_token = csr_pem(&subject, &other_token, &key);
    let no_token = CsrBuilder::new(subject.clone())
        .email_san(subject.email.clone())
        .sign(&key)
        .unwrap()
        .to_pem();
    // RSA 2048 is not accepted for Dinas/Organisasi.
    let rsa = KeyPair::generate(
        KeyAlgorithm::Rsa2048,
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .unwrap();
    let rsa2048 = csr_pem(&subject, &token, &rsa);
    // An e-mail SAN other than the registered address.
    let extra_san = CsrBuilder::new(subject.clone())
        .email_san(Some("ani.pribadi@gmail.com".into()))
        .challenge_password(Some(token.clone()))
        .sign(&key)
        .unwrap()
        .to_pem();

    for (csr, code) in [
        (&wrong_subject, "csr.subject_mismatch"),
        (&extra_field, "csr.subject_mismatch"),
        (&wrong_token, "csr.token_mismatch"),
        (&no_token, "csr.token_missing"),
        (&rsa2048, "csr.algorithm_not_allowed"),
        (&extra_san, "ca.csr_rejected"),
    ] {
        app.send_csr(&ani, &token, csr)
            .await
            .refused(StatusCode::BAD_REQUEST, code);
    }
    assert_eq!(app.world().await, before);
    assert_eq!(app.request_json(&ani, id).await, request_before);
    // The same RSA 2048 key is fine for Individu (the other request's token).
    let individu = app
        .send_csr(&ani, &other_token, &csr_pem(&subject, &other_token, &rsa))
        .await;
    individu.expect(StatusCode::CREATED);
    // And the organisation's token still takes a good CSR.
    app.send_csr(&ani, &token, &csr_pem(&subject, &token, &key))
        .await
        .expect(StatusCode::CREATED);
}

#[tokio::test]
async fn an_oversized_csr_body_is_413_and_changes_nothing() {
    let app = TestApp::new().await;
    let (ani, id, token) = pending_request(&app, INDIVIDU).await;
    let before = app.world().await;
    let huge = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        "A".repeat(1024 * 1024 + 16)
    );
    app.send_csr(&ani, &token, &huge)
        .await
        .refused(StatusCode::PAYLOAD_TOO_LARGE, "http.too_large");
    app.post(
        &ani,
        "/api/csr/check",
        &json!({"token": "t".repeat(2 << 20)}),
    )
    .await
    .refused(StatusCode::PAYLOAD_TOO_LARGE, "http.too_large");
    assert_eq!(app.world().await, before);
    let ok = app
        .send_csr(&ani, &token, &csr_pem(ani.subject(), &token, &p256()))
        .await;
    assert_eq!(ok.expect(StatusCode::CREATED)["id"], id);
}

#[tokio::test]
async fn replayed_csr_token_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let (ani, id, token) = pending_request(&app, INDIVIDU).await;
    let first = csr_pem(ani.subject(), &token, &p256());
    app.send_csr(&ani, &token, &first)
        .await
        .expect(StatusCode::CREATED);
    let before = app.world().await;
    let request_before = app.request_json(&ani, id).await;
    // The same CSR again, and a new one with a new key: the token is spent.
    let second = csr_pem(ani.subject(), &token, &p256());
    for csr in [&first, &second] {
        app.send_csr(&ani, &token, csr)
            .await
            .refused(StatusCode::GONE, "token.used");
    }
    app.post(&ani, "/api/csr/check", &json!({"token": token}))
        .await
        .refused(StatusCode::GONE, "token.used");
    assert_eq!(app.world().await, before);
    assert_eq!(app.request_json(&ani, id).await, request_before);
    // The stored CSR is still the first one.
    let stored = app.store().request(id).await.unwrap().csr_der.unwrap();
    assert_eq!(
        stored,
        kunci_core::pem::der_or_pem(first.as_bytes(), &["CERTIFICATE REQUEST"]).unwrap()
    );
}

#[tokio::test]
async fn expired_and_unknown_tokens_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let product = app.product_id(INDIVIDU).await;
    // A token made an hour ago that lived ten minutes.
    let now = unix_now();
    let expired = "expired-token-expired-token-expired-token-x";
    let request = app
        .store()
        .create_enrollment(
            ani.user.id,
            product,
            &CsrToken::from(expired),
            now - 3000,
            None,
            now - 3600,
        )
        .await
        .unwrap();
    let before = app.world().await;
    let csr = csr_pem(ani.subject(), expired, &p256());
    app.post(&ani, "/api/csr/check", &json!({"token": expired}))
        .await
        .refused(StatusCode::GONE, "token.expired");
    app.send_csr(&ani, expired, &csr)
        .await
        .refused(StatusCode::GONE, "token.expired");

    let unknown = "unknown-token-unknown-token-unknown-token-x";
    let csr = csr_pem(ani.subject(), unknown, &p256());
    app.post(&ani, "/api/csr/check", &json!({"token": unknown}))
        .await
        .refused(StatusCode::NOT_FOUND, "token.unknown");
    app.send_csr(&ani, unknown, &csr)
        .await
        .refused(StatusCode::NOT_FOUND, "token.unknown");
    app.post(&ani, "/api/csr/check", &json!({"token": ""}))
        .await
        .refused(StatusCode::NOT_FOUND, "token.unknown");
    assert_eq!(app.world().await, before);
    assert_eq!(
        app.request_json(&ani, request.id).await["status"],
        "pending"
    );
}

#[tokio::test]
async fn a_token_dies_after_the_configured_lifetime() {
    let app = TestApp::with(|s| s.token_lifetime_secs = 1).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let (id, token) = app.new_request(&ani, INDIVIDU).await;
    let expires = app.request_json(&ani, id).await["token_expires_at"]
        .as_i64()
        .unwrap();
    assert!(expires <= unix_now() + 1);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let before = app.world().await;
    app.send_csr(&ani, &token, &csr_pem(ani.subject(), &token, &p256()))
        .await
        .refused(StatusCode::GONE, "token.expired");
    assert_eq!(app.world().await, before);
}

#[tokio::test]
async fn non_pdf_and_oversized_documents_are_refused_and_change_nothing() {
    let app = TestApp::with(|s| s.max_upload_bytes = 4096).await;
    let (ani, id, token) = pending_request(&app, INDIVIDU).await;
    // Before the CSR the request takes no document.
    app.upload_document(&ani, id, kunci_ams::demo::demo_pdf())
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    app.send_csr(&ani, &token, &csr_pem(ani.subject(), &token, &p256()))
        .await
        .expect(StatusCode::CREATED);
    let before = app.world().await;
    let request_before = app.request_json(&ani, id).await;

    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let uri = format!("/api/requests/{id}/document");
    for (bytes, content_type, name) in [
        (png, "image/png", "scan.png"),
        (
            b"just text, named like a PDF".to_vec(),
            "application/pdf",
            "surat.pdf",
        ),
        (
            b"%PDF-1.4 but never finished".to_vec(),
            "application/pdf",
            "surat.pdf",
        ),
        (Vec::new(), "application/pdf", "empty.pdf"),
    ] {
        app.post_bytes(&ani, &uri, bytes, content_type, name)
            .await
            .refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "upload.not_pdf");
    }
    // One byte over the limit; and far over it.
    for size in [4097, 3 * 1024 * 1024] {
        app.post_bytes(&ani, &uri, pdf_of_size(size), "application/pdf", "big.pdf")
            .await
            .refused(StatusCode::PAYLOAD_TOO_LARGE, "upload.too_large");
    }
    assert_eq!(app.world().await, before, "no row and no file");
    assert_eq!(app.request_json(&ani, id).await, request_before);

    // Exactly at the limit is fine; the file name is cleaned of its path.
    let ok = app
        .post_bytes(
            &ani,
            &uri,
            pdf_of_size(4096),
            "application/pdf",
            "../../etc/Surat 1.pdf",
        )
        .await;
    let ok = ok.expect(StatusCode::OK);
    assert_eq!(ok["document"]["name"], "Surat 1.pdf");
    assert_eq!(ok["document"]["size"], 4096);
    // A second upload replaces the first.
    let again = app
        .upload_document(&ani, id, kunci_ams::demo::demo_pdf())
        .await;
    assert_eq!(
        again.expect(StatusCode::OK)["document"]["name"],
        "surat-rekomendasi.pdf"
    );
    let served = app.get(&ani, &uri).await;
    assert_eq!(served.bytes, kunci_ams::demo::demo_pdf());
}

#[tokio::test]
async fn submit_needs_the_agreement_and_the_document() {
    let app = TestApp::new().await;
    let (ani, id, token) = pending_request(&app, INDIVIDU).await;
    let operator = app.staff("siti", Role::Operator).await;
    let uri = format!("/api/requests/{id}/submit");
    // Before the CSR.
    app.submit(&ani, id)
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    app.send_csr(&ani, &token, &csr_pem(ani.subject(), &token, &p256()))
        .await
        .expect(StatusCode::CREATED);
    // Before the document.
    let before = app.world().await;
    app.submit(&ani, id)
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    // Not yet submitted: the operator cannot approve it.
    app.approve(&operator, id)
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    assert_eq!(app.world().await, before);
    app.upload_document(&ani, id, kunci_ams::demo::demo_pdf())
        .await
        .expect(StatusCode::OK);
    let before = app.world().await;
    for body in [json!({"agree": false}), json!({})] {
        app.post(&ani, &uri, &body)
            .await
            .refused(StatusCode::BAD_REQUEST, "agreement.required");
    }
    app.post(&ani, &uri, &json!({"agree": "yes"}))
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    assert_eq!(app.world().await, before);
    assert_eq!(app.request_json(&ani, id).await["agreed"], false);
    // The queue does not have it.
    let queue = app.get(&operator, "/api/operator/queue").await;
    assert_eq!(queue.expect(StatusCode::OK)["requests"], json!([]));

    app.submit(&ani, id).await.expect(StatusCode::OK);
    // Submitted once; again is a conflict, and no document can replace the one agreed to.
    let before = app.world().await;
    app.submit(&ani, id)
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    app.upload_document(&ani, id, pdf_of_size(2000))
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    assert_eq!(app.world().await, before);
}

#[tokio::test]
async fn approving_twice_issues_exactly_one_certificate() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let admin = app.staff("root", Role::Admin).await;
    let id = app.submitted(&ani, INDIVIDU, None, &p256()).await;
    app.approve(&operator, id).await.expect(StatusCode::OK);
    let before = app.world().await;
    for who in [&operator, &admin] {
        app.approve(who, id)
            .await
            .refused(StatusCode::CONFLICT, "store.already_issued");
    }
    // Rejecting an issued request is refused too.
    app.reject(&operator, id, &json!({"reason": "too late"}))
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    assert_eq!(app.world().await, before);
    assert_eq!(
        app.store()
            .certificates_of(ani.user.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // Approving a request that does not exist.
    app.approve(&operator, 999_999)
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_a_rejected_request_stays_rejected() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let id = app.submitted(&ani, INDIVIDU, None, &p256()).await;
    let uri = format!("/api/operator/requests/{id}/reject");
    let before = app.world().await;
    for body in [json!({}), json!({"reason": ""}), json!({"reason": "   "})] {
        app.post(&operator, &uri, &body)
            .await
            .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    }
    assert_eq!(app.world().await, before);

    let rejected = app
        .post(
            &operator,
            &uri,
            &json!({"reason": "Surat Rekomendasi tidak ditandatangani"}),
        )
        .await;
    let rejected = rejected.expect(StatusCode::OK);
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["status_label"], "Rejected");
    assert_eq!(
        rejected["reject_reason"],
        "Surat Rekomendasi tidak ditandatangani"
    );
    assert_eq!(rejected["holder"]["login"], "ani");
    let mine = app.request_json(&ani, id).await;
    assert_eq!(mine["status"], "rejected");
    assert_eq!(
        mine["reject_reason"],
        "Surat Rekomendasi tidak ditandatangani"
    );

    let before = app.world().await;
    app.approve(&operator, id)
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    app.post(&operator, &uri, &json!({"reason": "again"}))
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    app.submit(&ani, id)
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    assert_eq!(app.world().await, before);
    assert!(
        app.store()
            .certificates_of(ani.user.id)
            .await
            .unwrap()
            .is_empty()
    );

    // A rejected pending request's token cannot be used any more.
    let (pending, token) = app.new_request(&ani, INDIVIDU).await;
    app.reject(&operator, pending, &json!({"reason": "salah produk"}))
        .await
        .expect(StatusCode::OK);
    app.send_csr(&ani, &token, &csr_pem(ani.subject(), &token, &p256()))
        .await
        .refused(StatusCode::CONFLICT, "request.closed");
}

#[tokio::test]
async fn every_post_route_needs_the_csrf_token_and_the_portals_origin() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let admin = app.staff("root", Role::Admin).await;
    let cert = app.issued(&ani, &operator, INDIVIDU).await;
    let (pending, token) = app.new_request(&ani, INDIVIDU).await;
    let submitted = app.submitted(&ani, INDIVIDU, None, &p256()).await;
    let notice = app.get(&ani, "/api/notices").await.body["notices"][0]["id"]
        .as_i64()
        .unwrap();
    let product = app.product_id(INDIVIDU).await;
    let csr = csr_pem(ani.subject(), &token, &p256());

    // Every POST route, as the role that may use it, with a body it would accept.
    let routes: Vec<(&Session, String, Value)> = vec![
        (
            &ani,
            format!("/api/certificates/{}/revoke", cert["id"]),
            json!({"reason": "unspecified"}),
        ),
        (&ani, "/api/requests".into(), json!({"product_id": product})),
        (
            &ani,
            format!("/api/requests/{pending}/document"),
            Value::Null,
        ),
        (
            &ani,
            format!("/api/requests/{pending}/submit"),
            json!({"agree": true}),
        ),
        (&ani, "/api/csr/check".into(), json!({"token": token})),
        (&ani, "/api/csr".into(), json!({"token": token, "csr": csr})),
        (&ani, format!("/api/notices/{notice}/read"), Value::Null),
        (&ani, "/api/logout".into(), Value::Null),
        (
            &operator,
            format!("/api/operator/requests/{submitted}/approve"),
            Value::Null,
        ),
        (
            &operator,
            format!("/api/operator/requests/{submitted}/reject"),
            json!({"reason": "x"}),
        ),
        (
            &admin,
            "/api/admin/users".into(),
            json!({"login": "mallory", "name": "M", "role": "admin", "password": PASSWORD}),
        ),
    ];
    let before = app.world().await;
    for (who, uri, body) in &routes {
        // No token.
        let request = with_session(route_request(&Method::POST, uri, body), who, None);
        let answer = app.send(request).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::FORBIDDEN, "csrf.missing"),
            "{uri}"
        );
        // Another session's token.
        let mut request = with_session(route_request(&Method::POST, uri, body), who, None);
        let other = if who.user.id == ani.user.id {
            &operator
        } else {
            &ani
        };
        request
            .headers_mut()
            .insert("x-csrf-token", other.csrf.parse().unwrap());
        let answer = app.send(request).await;
        assert_eq!(answer.code(), "csrf.mismatch", "{uri}");
        // The right token from a foreign page.
        let mut request = with_session(
            route_request(&Method::POST, uri, body),
            who,
            Some(&who.csrf),
        );
        request
            .headers_mut()
            .insert(header::ORIGIN, "https://phish.example".parse().unwrap());
        let answer = app.send(request).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::FORBIDDEN, "csrf.origin"),
            "{uri}"
        );
    }
    assert_eq!(app.world().await, before);
    // Every session is still alive.
    for who in [&ani, &operator, &admin] {
        app.get(who, "/api/me").await.expect(StatusCode::OK);
    }
    // With the token and the portal's own origin, the same requests work.
    let mut request = with_session(
        route_request(
            &Method::POST,
            "/api/csr",
            &json!({"token": token, "csr": csr}),
        ),
        &ani,
        Some(&ani.csrf),
    );
    request
        .headers_mut()
        .insert(header::ORIGIN, support::ORIGIN.parse().unwrap());
    app.send(request).await.expect(StatusCode::CREATED);
}

#[tokio::test]
async fn malformed_json_is_a_bad_request_and_changes_nothing() {
    let app = TestApp::new().await;
    let (ani, id, token) = pending_request(&app, INDIVIDU).await;
    let operator = app.staff("siti", Role::Operator).await;
    let before = app.world().await;
    let raw = |s: &Session, uri: &str, content_type: &str, body: &'static str| {
        let request = HttpRequest::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        with_session(request, s, Some(&s.csrf))
    };
    for (who, uri) in [
        (&ani, "/api/requests".to_owned()),
        (&ani, "/api/csr".to_owned()),
        (&ani, "/api/csr/check".to_owned()),
        (&ani, format!("/api/requests/{id}/submit")),
        (&ani, "/api/certificates/1/revoke".to_owned()),
        (&operator, format!("/api/operator/requests/{id}/reject")),
    ] {
        for (content_type, body) in [
            ("application/json", "{\"token\": "),
            ("application/json", "[1, 2, 3]"),
            (
                "application/json",
                "{\"product_id\": \"one\", \"agree\": \"one\", \"reason\": 5, \"token\": 5}",
            ),
            ("text/plain", "{}"),
        ] {
            let answer = app.send(raw(who, &uri, content_type, body)).await;
            answer.refused(StatusCode::BAD_REQUEST, "http.bad_request");
        }
    }
    assert_eq!(app.world().await, before);
    app.post(&ani, "/api/csr/check", &json!({"token": token}))
        .await
        .expect(StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// Notices, e-mail, reminders
// ---------------------------------------------------------------------------------------------

async fn unread(app: &TestApp, s: &Session) -> Value {
    app.get(s, "/api/me").await.body["unread_notices"].clone()
}

#[tokio::test]
async fn decisions_reach_the_inbox_and_notices_can_be_marked_read() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    assert_eq!(unread(&app, &ani).await, 0);
    assert_eq!(
        app.get(&ani, "/api/notices").await.body["notices"],
        json!([])
    );

    let cert = app.issued(&ani, &operator, INDIVIDU).await;
    let rejected = app.submitted(&ani, INDIVIDU, None, &p256()).await;
    app.reject(&operator, rejected, &json!({"reason": "NIK tidak sesuai"}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(unread(&app, &ani).await, 2);

    let notices = app.get(&ani, "/api/notices").await;
    let notices = notices.expect(StatusCode::OK)["notices"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(notices.len(), 2);
    // Newest first: the rejection, then the issuance.
    assert!(
        notices[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Permohonan #"),
        "{}",
        notices[0]["subject"]
    );
    assert!(
        notices[0]["body"]
            .as_str()
            .unwrap()
            .contains("NIK tidak sesuai")
    );
    assert!(
        notices[1]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Sertifikat elektronik terbit: nomor seri "),
        "{}",
        notices[1]["subject"]
    );
    assert!(
        notices[1]["body"]
            .as_str()
            .unwrap()
            .contains(cert["serial"].as_str().unwrap())
    );
    assert!(notices.iter().all(|n| n["read"] == false));
    // The operator's inbox is not the holder's.
    assert_eq!(
        app.get(&operator, "/api/notices").await.body["notices"],
        json!([])
    );

    let first = notices[1]["id"].as_i64().unwrap();
    let read = app
        .post_empty(&ani, &format!("/api/notices/{first}/read"))
        .await;
    read.expect(StatusCode::NO_CONTENT);
    assert_eq!(unread(&app, &ani).await, 1);
    // Reading again is harmless.
    app.post_empty(&ani, &format!("/api/notices/{first}/read"))
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(unread(&app, &ani).await, 1);
    let notices = app.get(&ani, "/api/notices").await.body["notices"].clone();
    assert_eq!(notices[1]["read"], true);
    assert_eq!(notices[0]["read"], false);
    // The operator cannot mark the holder's notice; an unknown notice is not found.
    for (who, id) in [
        (&operator, notices[0]["id"].as_i64().unwrap()),
        (&ani, 999_999),
    ] {
        app.post_empty(who, &format!("/api/notices/{id}/read"))
            .await
            .refused(StatusCode::NOT_FOUND, "store.not_found");
    }
    assert_eq!(unread(&app, &ani).await, 1);

    // A revocation's approval is a notice too.
    let revoke = app
        .post(
            &ani,
            &format!("/api/certificates/{}/revoke", cert["id"]),
            &json!({"reason": "cessationOfOperation"}),
        )
        .await;
    let request = revoke.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    app.approve(&operator, request).await.expect(StatusCode::OK);
    assert_eq!(unread(&app, &ani).await, 2);
    let newest = &app.get(&ani, "/api/notices").await.body["notices"][0];
    assert!(
        newest["subject"]
            .as_str()
            .unwrap()
            .starts_with("Sertifikat dicabut: nomor seri "),
        "{}",
        newest["subject"]
    );
}

/// What the SMTP sink received: the envelope and the message.
#[derive(Clone, Debug, Default)]
struct Mail {
    from: String,
    to: Vec<String>,
    data: String,
}

/// A tiny SMTP server on 127.0.0.1: just enough of RFC 5321 for one client at a time.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let inbox = Arc::clone(&mails);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(smtp_session(stream, Arc::clone(&inbox)));
        }
    });
    (port, mails)
}

async fn smtp_session(stream: tokio::net::TcpStream, inbox: Arc<Mutex<Vec<Mail>>>) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    if write.write_all(b"220 sink.test ESMTP\r\n").await.is_err() {
        return;
    }
    let mut mail = Mail::default();
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250 8BITMIME\r\n"
        } else if command.starts_with("HELO") {
            b"250 sink.test\r\n"
        } else if command.starts_with("MAIL FROM:") {
            mail.from = envelope_address(&line[10..]);
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO:") {
            mail.to.push(envelope_address(&line[8..]));
            b"250 OK\r\n"
        } else if command.starts_with("DATA") {
            if write
                .write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                .await
                .is_err()
            {
                return;
            }
            loop {
                let mut data_line = String::new();
                if read.read_line(&mut data_line).await.unwrap_or(0) == 0 {
                    return;
                }
                if data_line == ".\r\n" {
                    break;
                }
                mail.data.push_str(&data_line);
            }
            inbox.lock().unwrap().push(std::mem::take(&mut mail));
            b"250 OK queued\r\n"
        } else if command.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            // RSET, NOOP...
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// `<a@b> BODY=8BITMIME` → `<a@b>`.
fn envelope_address(rest: &str) -> String {
    rest.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn with_smtp(tune: impl FnOnce(&mut Settings)) -> (TestApp, Arc<Mutex<Vec<Mail>>>) {
    let (port, mails) = smtp_sink().await;
    let smtp = kunci_ams::mail::Smtp::new(&format!("smtp://127.0.0.1:{port}"), "ams@example.go.id")
        .unwrap();
    let app = TestApp::with_mailer(tune, Some(Arc::new(smtp))).await;
    (app, mails)
}

#[tokio::test]
async fn an_approval_is_emailed_to_the_holder() {
    let (app, mails) = with_smtp(|_| {}).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let id = app.submitted(&ani, INDIVIDU, None, &p256()).await;
    assert!(
        mails.lock().unwrap().is_empty(),
        "nothing mailed before a decision"
    );
    let cert_id = app.approve(&operator, id).await.expect(StatusCode::OK)["certificate_id"]
        .as_i64()
        .unwrap();
    let serial_hex = app
        .get(&ani, &format!("/api/certificates/{cert_id}"))
        .await
        .body["serial"]
        .as_str()
        .unwrap()
        .to_owned();

    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.from, "<ams@example.go.id>");
    assert_eq!(mail.to, ["<ani.wijaya@example.go.id>"]);
    assert!(
        mail.data
            .contains("Subject: Sertifikat elektronik terbit: nomor seri"),
        "{}",
        mail.data
    );
    assert!(
        mail.data.contains("To: ani.wijaya@example.go.id"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains(&serial_hex), "{}", mail.data);
    // The inbox has the same notice.
    let notices = app.get(&ani, "/api/notices").await.body["notices"].clone();
    assert!(
        notices[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Sertifikat elektronik terbit: nomor seri "),
        "{}",
        notices[0]["subject"]
    );
}

#[tokio::test]
async fn an_unreachable_mail_server_does_not_undo_the_decision() {
    // A port nobody listens on: bind, note it, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let smtp = kunci_ams::mail::Smtp::new(&format!("smtp://127.0.0.1:{port}"), "ams@example.go.id")
        .unwrap();
    let app = TestApp::with_mailer(|_| {}, Some(Arc::new(smtp))).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let id = app.submitted(&ani, INDIVIDU, None, &p256()).await;
    let approved = app.approve(&operator, id).await;
    assert_eq!(approved.expect(StatusCode::OK)["status"], "success");
    assert_eq!(app.get(&ani, "/api/me").await.body["unread_notices"], 1);
}

#[tokio::test]
async fn reminders_go_out_once_per_certificate_near_its_end() {
    let (app, mails) = with_smtp(|s| s.reminder_days = 30).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let cert = app.issued(&ani, &operator, INDIVIDU).await;
    let not_after = cert["not_after"].as_i64().unwrap();
    let serial_hex = cert["serial"].as_str().unwrap();
    let portal = &app.state.portal;
    let store = app.store();
    mails.lock().unwrap().clear();

    // Two years to go: nobody is reminded.
    assert_eq!(portal.send_reminders(store, unix_now()).await.unwrap(), 0);
    // 31 days before the end: still outside the window.
    let early = not_after - 31 * 86_400;
    assert_eq!(portal.send_reminders(store, early).await.unwrap(), 0);
    // Ten days before the end: one reminder, in the inbox and by e-mail.
    let near = not_after - 10 * 86_400;
    assert_eq!(portal.send_reminders(store, near).await.unwrap(), 1);
    let notices = app.get(&ani, "/api/notices").await.body["notices"].clone();
    assert!(
        notices[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Sertifikat segera berakhir: nomor seri "),
        "{}",
        notices[0]["subject"]
    );
    let body = notices[0]["body"].as_str().unwrap();
    assert!(
        body.contains(serial_hex) && body.contains("10 hari"),
        "{body}"
    );
    {
        let mails = mails.lock().unwrap();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, ["<ani.wijaya@example.go.id>"]);
        assert!(
            mails[0]
                .data
                .contains("Subject: Sertifikat segera berakhir")
        );
    }
    // Once only.
    assert_eq!(portal.send_reminders(store, near).await.unwrap(), 0);
    assert_eq!(
        portal.send_reminders(store, near + 86_400).await.unwrap(),
        0
    );
    assert_eq!(
        app.get(&ani, "/api/notices").await.body["notices"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(mails.lock().unwrap().len(), 1);

    // A revoked certificate is never reminded.
    let other = app.issued(&ani, &operator, INDIVIDU).await;
    let revoke = app
        .post(
            &ani,
            &format!("/api/certificates/{}/revoke", other["id"]),
            &json!({"reason": "unspecified"}),
        )
        .await;
    let request = revoke.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    app.approve(&operator, request).await.expect(StatusCode::OK);
    let other_end = other["not_after"].as_i64().unwrap();
    assert_eq!(
        portal
            .send_reminders(store, other_end - 86_400)
            .await
            .unwrap(),
        0
    );
}

// ---------------------------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_binary_registers_a_holder_with_identity_and_products() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let password_file = dir.path().join("password.txt");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let pw = password_file.to_str().unwrap().to_owned();
    let data_arg = data.to_str().unwrap().to_owned();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kunci-ams"))
            .args(["--data-dir", &data_arg])
            .args(args)
            .env_remove("KUNCI_AMS_PASSWORD")
            .env_remove("KUNCI_AMS_DATABASE_URL")
            .env_remove("KUNCI_AMS_DATA_DIR")
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
        (out.status.success(), stdout, stderr)
    };
    let add = |login: &str, subject: &str, product: &str| {
        run(&[
            "user",
            "add",
            "--login",
            login,
            "--name",
            "Ani Wijaya",
            "--role",
            "holder",
            "--email",
            "ani.wijaya@example.go.id",
            "--nik",
            "3273011506850003",
            "--subject",
            subject,
            "--product",
            product,
            "--password-file",
            &pw,
        ])
    };
    // Refused, with nothing made: an unknown product, a subject without a CN.
    let (ok, _, err) = add("ani", ANI, "Sertifikat Tidak Ada");
    assert!(!ok);
    assert!(err.contains("store.not_found"), "{err}");
    let (ok, _, err) = add("ani", "O=Dinas,C=ID", INDIVIDU);
    assert!(!ok, "{err}");
    let (ok, out, _) = run(&["user", "list"]);
    assert!(ok);
    assert_eq!(out, "");

    let (ok, out, err) = add("Ani", ANI, INDIVIDU);
    assert!(ok, "{err}");
    assert!(out.contains("ani"), "{out}");
    let (ok, out, err) = run(&["user", "grant", "ani", ORGANISASI]);
    assert!(ok, "{err}");
    assert!(out.contains(ORGANISASI), "{out}");
    let (ok, _, err) = run(&["user", "grant", "ani", "Sertifikat Tidak Ada"]);
    assert!(!ok);
    assert!(err.contains("store.not_found"), "{err}");
    let (ok, _, err) = run(&["user", "grant", "nobody", INDIVIDU]);
    assert!(!ok);
    assert!(err.contains("store.not_found"), "{err}");

    // What the portal will use: the identity and both products.
    let store = Store::open_sqlite(&data.join("kunci.db")).await.unwrap();
    let user = store.user_by_login("ani").await.unwrap().unwrap();
    assert_eq!(user.role, Role::Holder);
    assert_eq!(user.nik.as_deref(), Some("3273011506850003"));
    let identity = store.identity(user.id).await.unwrap().unwrap();
    assert_eq!(identity, Subject::from_str(ANI).unwrap());
    let mut granted: Vec<String> = store
        .granted_products(user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    granted.sort();
    assert_eq!(granted, [ORGANISASI, INDIVIDU]);
    store.close().await;
}

// ---------------------------------------------------------------------------------------------
// Races and edges
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_approvals_at_once_issue_one_certificate() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let admin = app.staff("root", Role::Admin).await;
    for _ in 0..3 {
        let id = app.submitted(&ani, INDIVIDU, None, &p256()).await;
        let (a, b) = tokio::join!(app.approve(&operator, id), app.approve(&admin, id));
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "{a:?} {b:?}"
        );
        let loser = if a.status == StatusCode::OK { &b } else { &a };
        assert_eq!(loser.code(), "store.already_issued");
    }
    let certs = app.store().certificates_of(ani.user.id).await.unwrap();
    assert_eq!(certs.len(), 3, "one certificate per request");
    // One issuance notice per certificate, not per approval.
    assert_eq!(app.get(&ani, "/api/me").await.body["unread_notices"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_csrs_racing_for_one_token_store_exactly_one() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let (id, token) = app.new_request(&ani, INDIVIDU).await;
    let first = csr_pem(ani.subject(), &token, &p256());
    let second = csr_pem(ani.subject(), &token, &p256());
    let (a, b) = tokio::join!(
        app.send_csr(&ani, &token, &first),
        app.send_csr(&ani, &token, &second)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::GONE],
        "{a:?} {b:?}"
    );
    let loser = if a.status == StatusCode::CREATED {
        &b
    } else {
        &a
    };
    assert_eq!(loser.code(), "token.used");
    let winner = if a.status == StatusCode::CREATED {
        &first
    } else {
        &second
    };
    let stored = app.store().request(id).await.unwrap().csr_der.unwrap();
    assert_eq!(
        stored,
        kunci_core::pem::der_or_pem(winner.as_bytes(), &["CERTIFICATE REQUEST"]).unwrap()
    );
}

#[tokio::test]
async fn a_document_larger_than_the_json_limit_but_within_its_own_is_accepted() {
    // The JSON routes take 1 MiB; the document route has its own limit (5 MiB by default).
    let app = TestApp::new().await;
    let (ani, id, token) = pending_request(&app, INDIVIDU).await;
    app.send_csr(&ani, &token, &csr_pem(ani.subject(), &token, &p256()))
        .await
        .expect(StatusCode::CREATED);
    let pdf = pdf_of_size(3 * 1024 * 1024);
    let ok = app.upload_document(&ani, id, pdf.clone()).await;
    assert_eq!(ok.expect(StatusCode::OK)["document"]["size"], pdf.len());
    let served = app.get(&ani, &format!("/api/requests/{id}/document")).await;
    assert_eq!(served.bytes.len(), pdf.len());
    // One byte over 5 MiB is not.
    app.upload_document(&ani, id, pdf_of_size(5 * 1024 * 1024 + 1))
        .await
        .refused(StatusCode::PAYLOAD_TOO_LARGE, "upload.too_large");
    assert_eq!(
        app.request_json(&ani, id).await["document"]["size"],
        pdf.len()
    );
}

#[tokio::test]
async fn a_rejected_renewal_frees_the_certificate_for_another_and_a_revoked_one_keeps_its_reason() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let old = app.issued(&ani, &operator, INDIVIDU).await;
    let old_id = old["id"].as_i64().unwrap();

    // A renewal rejected: the certificate may be renewed again.
    let first = app.submitted(&ani, INDIVIDU, Some(old_id), &p256()).await;
    app.reject(&operator, first, &json!({"reason": "dokumen kedaluwarsa"}))
        .await
        .expect(StatusCode::OK);
    let second = app.submitted(&ani, INDIVIDU, Some(old_id), &p256()).await;

    // Meanwhile the key is compromised: the old certificate is revoked for that reason...
    let revoke = app
        .revoke(&ani, old_id, &json!({"reason": "keyCompromise"}))
        .await;
    let revocation = revoke.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    app.approve(&operator, revocation)
        .await
        .expect(StatusCode::OK);
    // ...and issuing the renewal later does not turn that into "superseded".
    let approved = app.approve(&operator, second).await;
    let new_id = approved.expect(StatusCode::OK)["certificate_id"]
        .as_i64()
        .unwrap();
    let old_now = app.get(&ani, &format!("/api/certificates/{old_id}")).await;
    assert_eq!(old_now.body["revocation_reason"], "keyCompromise");
    let crl = app.crl().await;
    assert_eq!(
        crl.entry(old["serial"].as_str().unwrap()),
        Some(Some(CrlReason::KeyCompromise))
    );
    let new = app.get(&ani, &format!("/api/certificates/{new_id}")).await;
    assert_eq!(new.body["status"], "good");
}

#[tokio::test]
async fn a_revocation_still_pending_when_the_renewal_is_issued_is_settled_with_its_own_reason() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let old = app.issued(&ani, &operator, INDIVIDU).await;
    let old_id = old["id"].as_i64().unwrap();
    let renewal = app.submitted(&ani, INDIVIDU, Some(old_id), &p256()).await;
    let revoke = app
        .revoke(&ani, old_id, &json!({"reason": "keyCompromise"}))
        .await;
    let revocation = revoke.expect(StatusCode::CREATED)["id"].as_i64().unwrap();

    // The renewal is approved first: the old certificate is revoked for the holder's reason,
    // not as superseded, and the revocation request is closed, not left in the queue.
    app.approve(&operator, renewal).await.expect(StatusCode::OK);
    let old_now = app.get(&ani, &format!("/api/certificates/{old_id}")).await;
    assert_eq!(old_now.body["status"], "revoked");
    assert_eq!(old_now.body["revocation_reason"], "keyCompromise");
    let settled = app.get(&ani, &format!("/api/requests/{revocation}")).await;
    assert_eq!(settled.body["status"], "success");
    let queue = app.get(&operator, "/api/operator/queue").await;
    assert_eq!(queue.body["requests"].as_array().unwrap().len(), 0);
    let crl = app.crl().await;
    assert_eq!(
        crl.entry(old["serial"].as_str().unwrap()),
        Some(Some(CrlReason::KeyCompromise))
    );
}

// ---------------------------------------------------------------------------------------------
// Findings of the black-box test (issue 18): documents, uploads, free text
// ---------------------------------------------------------------------------------------------

/// A valid PDF of `size` bytes whose content (and so whose SHA-256) depends on `n`.
fn numbered_pdf(n: usize, size: usize) -> Vec<u8> {
    let mut pdf = format!("%PDF-1.4\n% document {n}\n").into_bytes();
    pdf.resize(size - 6, b'x');
    pdf.extend_from_slice(b"\n%%EOF");
    pdf
}

/// The documents in the uploads folder (SHA-256 names), sorted.
fn stored_documents(app: &TestApp) -> Vec<String> {
    support::files_under(&app.state.portal.settings.uploads_dir)
        .into_iter()
        .map(|p| p.display().to_string())
        .collect()
}

/// A new request of `s`'s with its CSR sent: it takes a document.
async fn taking_a_document(app: &TestApp, s: &Session) -> Id {
    let (id, token) = app.new_request(s, INDIVIDU).await;
    app.send_csr(s, &token, &csr_pem(s.subject(), &token, &p256()))
        .await
        .expect(StatusCode::CREATED);
    id
}

#[tokio::test]
async fn replacing_a_document_leaves_exactly_one_file() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let id = taking_a_document(&app, &ani).await;
    for n in 0..3 {
        let pdf = numbered_pdf(n, 2000);
        let sha = hex::encode(sha2::Sha256::digest(&pdf));
        app.upload_document(&ani, id, pdf)
            .await
            .expect(StatusCode::OK);
        // The replaced file is gone once the replacement is committed.
        assert_eq!(stored_documents(&app), [format!("{sha}.pdf")], "upload {n}");
    }
    // The same content again: still one file.
    app.upload_document(&ani, id, numbered_pdf(2, 2000))
        .await
        .expect(StatusCode::OK);
    assert_eq!(stored_documents(&app).len(), 1);

    // Two requests naming the same file: replacing it in one keeps it for the other.
    let other = taking_a_document(&app, &ani).await;
    app.upload_document(&ani, other, numbered_pdf(2, 2000))
        .await
        .expect(StatusCode::OK);
    assert_eq!(stored_documents(&app).len(), 1, "one file, two requests");
    app.upload_document(&ani, other, numbered_pdf(7, 2000))
        .await
        .expect(StatusCode::OK);
    let shared = hex::encode(sha2::Sha256::digest(numbered_pdf(2, 2000)));
    let own = hex::encode(sha2::Sha256::digest(numbered_pdf(7, 2000)));
    let mut expected = vec![format!("{shared}.pdf"), format!("{own}.pdf")];
    expected.sort();
    assert_eq!(stored_documents(&app), expected);
    let served = app.get(&ani, &format!("/api/requests/{id}/document")).await;
    assert_eq!(served.bytes, numbered_pdf(2, 2000));
    // Every file a request names, and nothing else, is left: what the start-up sweep and the
    // chaos drill check.
    let named = app.store().document_hashes().await.unwrap();
    assert_eq!(named.len(), 2);
    for file in stored_documents(&app) {
        assert!(named.contains(file.trim_end_matches(".pdf")), "{file}");
    }
}

#[tokio::test]
async fn uploads_over_the_hourly_rate_are_refused_with_retry_after_and_change_nothing() {
    let app = TestApp::with(|s| s.uploads_per_hour = 3).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let id = taking_a_document(&app, &ani).await;
    for n in 0..3 {
        app.upload_document(&ani, id, numbered_pdf(n, 1000))
            .await
            .expect(StatusCode::OK);
    }
    let before = app.world().await;
    // The 4th upload within the hour: to the same request or another.
    let other = taking_a_document(&app, &ani).await;
    let before_other = app.world().await;
    for target in [id, other] {
        let refused = app
            .upload_document(&ani, target, numbered_pdf(9, 1000))
            .await;
        refused.refused(StatusCode::TOO_MANY_REQUESTS, "upload.rate_limited");
        let wait: i64 = refused.header(header::RETRY_AFTER).parse().unwrap();
        assert!((1..=3600).contains(&wait), "Retry-After {wait}");
    }
    assert_eq!(app.world().await, before_other, "no row and no file");
    assert_eq!(before.uploads, before_other.uploads);
    // Another holder has a rate of their own.
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let theirs = taking_a_document(&app, &bayu).await;
    app.upload_document(&bayu, theirs, numbered_pdf(9, 1000))
        .await
        .expect(StatusCode::OK);

    // Bytes per hour too: two documents of 2 000 bytes fit 5 000, a third does not.
    let app = TestApp::with(|s| s.upload_bytes_per_hour = 5000).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let id = taking_a_document(&app, &ani).await;
    for n in 0..2 {
        app.upload_document(&ani, id, numbered_pdf(n, 2000))
            .await
            .expect(StatusCode::OK);
    }
    let before = app.world().await;
    app.upload_document(&ani, id, numbered_pdf(2, 2000))
        .await
        .refused(StatusCode::TOO_MANY_REQUESTS, "upload.rate_limited");
    assert_eq!(app.world().await, before);
    // A smaller one still fits.
    app.upload_document(&ani, id, numbered_pdf(3, 1000))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn the_upload_rate_forgets_after_an_hour_and_never_counts_a_refusal() {
    // The store with the clock in hand: two uploads an hour.
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let id = taking_a_document(&app, &ani).await;
    let limits = kunci_ams::store::UploadLimits {
        per_window: 2,
        ..kunci_ams::store::UploadLimits::NONE
    };
    let store = app.store();
    let now = unix_now();
    let doc = |n: u8| kunci_ams::store::Document {
        sha256_hex: hex::encode([n; 32]),
        original_name: "surat.pdf".into(),
        size: 100,
    };
    store
        .attach_document_within(id, ani.user.id, &doc(1), &limits, now)
        .await
        .unwrap();
    let (_, replaced) = store
        .attach_document_within(id, ani.user.id, &doc(2), &limits, now + 1)
        .await
        .unwrap();
    assert_eq!(replaced, Some(hex::encode([1u8; 32])), "the file to remove");
    for _ in 0..3 {
        let refused = store
            .attach_document_within(id, ani.user.id, &doc(3), &limits, now + 2)
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused,
                kunci_ams::Error::UploadRateLimited {
                    retry_after_secs: 3598
                }
            ),
            "{refused:?}"
        );
        store
            .check_upload(id, ani.user.id, 100, &limits, now + 2)
            .await
            .unwrap_err();
    }
    assert_eq!(
        store.request(id).await.unwrap().document.unwrap(),
        doc(2),
        "a refusal changes nothing"
    );
    // An hour after the first upload, one fits again (the refusals were never counted).
    store
        .attach_document_within(id, ani.user.id, &doc(3), &limits, now + 3600)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_quota_of_open_requests_refuses_and_changes_nothing() {
    let app = TestApp::with(|s| s.upload_quota_bytes = 5000).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let first = taking_a_document(&app, &ani).await;
    app.upload_document(&ani, first, numbered_pdf(1, 3000))
        .await
        .expect(StatusCode::OK);
    let second = taking_a_document(&app, &ani).await;
    let before = app.world().await;
    app.upload_document(&ani, second, numbered_pdf(2, 3000))
        .await
        .refused(StatusCode::PAYLOAD_TOO_LARGE, "upload.quota_exceeded");
    assert_eq!(app.world().await, before, "no row and no file");
    // The document being replaced does not count: 4 000 in place of 3 000 fits.
    app.upload_document(&ani, first, numbered_pdf(3, 4000))
        .await
        .expect(StatusCode::OK);
    app.upload_document(&ani, second, numbered_pdf(4, 1000))
        .await
        .expect(StatusCode::OK);
    // A decided request's document no longer counts.
    app.reject(
        &operator,
        first,
        &json!({"reason": "Surat Rekomendasi tidak ditandatangani"}),
    )
    .await
    .expect(StatusCode::OK);
    app.upload_document(&ani, second, numbered_pdf(5, 5000))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn an_html_pdf_polyglot_is_refused_and_documents_are_served_as_pdf_downloads() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let id = taking_a_document(&app, &ani).await;
    let before = app.world().await;
    let polyglot = b"<html><script>alert(document.cookie)</script><!-- %PDF-1.4\n\
                     1 0 obj<<>>endobj\n%%EOF -->"
        .to_vec();
    for bytes in [polyglot, b" %PDF-1.4\n%%EOF".to_vec()] {
        app.post_bytes(
            &ani,
            &format!("/api/requests/{id}/document"),
            bytes,
            "application/pdf",
            "surat.pdf",
        )
        .await
        .refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "upload.not_pdf");
    }
    assert_eq!(app.world().await, before);

    // A real PDF, under a name that is not one: served as a .pdf download to both.
    let pdf = kunci_ams::demo::demo_pdf();
    app.post_bytes(
        &ani,
        &format!("/api/requests/{id}/document"),
        pdf.clone(),
        "application/pdf",
        "index.html",
    )
    .await
    .expect(StatusCode::OK);
    app.submit(&ani, id).await.expect(StatusCode::OK);
    for (who, uri) in [
        (&ani, format!("/api/requests/{id}/document")),
        (&operator, format!("/api/operator/requests/{id}/document")),
    ] {
        let served = app.get(who, &uri).await;
        served.expect(StatusCode::OK);
        assert_eq!(served.bytes, pdf);
        assert_eq!(served.header(header::CONTENT_TYPE), "application/pdf");
        assert_eq!(
            served.header(header::CONTENT_DISPOSITION),
            "attachment; filename=\"index.html.pdf\""
        );
        assert_eq!(served.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    }
}

#[tokio::test]
async fn over_long_free_text_is_refused_and_changes_nothing() {
    use kunci_ams::store::limits;
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("siti", Role::Operator).await;
    let admin = app.staff("root", Role::Admin).await;
    let long = |n: usize| "a".repeat(n);

    // Accounts (the administrator's API): login, name, NIK.
    let user = |login: String, name: String, nik: String| {
        json!({"login": login, "name": name, "role": "holder", "password": PASSWORD,
               "email": "dewi@example.go.id", "nik": nik})
    };
    let before = app.world().await;
    for body in [
        user(
            long(limits::LOGIN + 1),
            "Dewi".into(),
            "3273011506850004".into(),
        ),
        user(
            "dewi".into(),
            long(limits::DISPLAY_NAME + 1),
            "3273011506850004".into(),
        ),
        user("dewi".into(), "Dewi".into(), "3".repeat(limits::NIK + 1)),
    ] {
        app.post(&admin, "/api/admin/users", &body)
            .await
            .refused(StatusCode::BAD_REQUEST, "field.too_long");
    }
    // The organisation (set by the store's callers: the demo, imports).
    let refused = app
        .store()
        .create_user(
            &NewUser {
                login: "eko".into(),
                display_name: "Eko".into(),
                organisation: Some(long(limits::ORGANISATION + 1)),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
                ..NewUser::default()
            },
            unix_now(),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "field.too_long");
    assert_eq!(app.world().await, before);
    // At the limits, taken.
    app.post(
        &admin,
        "/api/admin/users",
        &user(
            long(limits::LOGIN),
            long(limits::DISPLAY_NAME),
            "3".repeat(limits::NIK),
        ),
    )
    .await
    .expect(StatusCode::CREATED);

    // A document's file name as sent.
    let id = taking_a_document(&app, &ani).await;
    let before = app.world().await;
    app.post_bytes(
        &ani,
        &format!("/api/requests/{id}/document"),
        kunci_ams::demo::demo_pdf(),
        "application/pdf",
        &format!("{}.pdf", long(limits::FILE_NAME - 3)),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "field.too_long");
    assert_eq!(app.world().await, before);

    // A reject reason: over the limit refused (no rejection, no notice); at it, taken.
    app.upload_document(&ani, id, kunci_ams::demo::demo_pdf())
        .await
        .expect(StatusCode::OK);
    app.submit(&ani, id).await.expect(StatusCode::OK);
    let uri = format!("/api/operator/requests/{id}/reject");
    let before = app.world().await;
    app.post(
        &operator,
        &uri,
        &json!({"reason": long(limits::REJECT_REASON + 1)}),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "field.too_long");
    assert_eq!(app.world().await, before);
    let rejected = app
        .post(
            &operator,
            &uri,
            &json!({"reason": long(limits::REJECT_REASON)}),
        )
        .await;
    assert_eq!(
        rejected.expect(StatusCode::OK)["reject_reason"],
        long(limits::REJECT_REASON)
    );
}

#[tokio::test]
async fn a_malformed_email_is_refused_where_accounts_are_made() {
    let app = TestApp::new().await;
    let admin = app.staff("root", Role::Admin).await;
    let before = app.world().await;
    for email in [
        "not-an-email",
        "dewi@localhost",
        "dewi@@example.go.id",
        "dewi @example.go.id",
        "<script>@example.go.id",
    ] {
        app.post(
            &admin,
            "/api/admin/users",
            &json!({"login": "dewi", "name": "Dewi", "role": "holder", "password": PASSWORD,
                    "email": email}),
        )
        .await
        .refused(StatusCode::BAD_REQUEST, "field.invalid_email");
    }
    assert_eq!(app.world().await, before);
    // No address at all is still allowed (notices then stay in the inbox).
    app.post(
        &admin,
        "/api/admin/users",
        &json!({"login": "dewi", "name": "Dewi", "role": "holder", "password": PASSWORD}),
    )
    .await
    .expect(StatusCode::CREATED);

    // The binary's `user add` too.
    let dir = tempfile::tempdir().unwrap();
    let password_file = dir.path().join("password.txt");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let data = dir.path().join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kunci-ams"))
        .args(["--data-dir", data.to_str().unwrap()])
        .args([
            "user", "add", "--login", "eko", "--name", "Eko", "--role", "holder",
        ])
        .args(["--email", "eko@", "--password-file"])
        .arg(&password_file)
        .env_remove("KUNCI_AMS_PASSWORD")
        .env_remove("KUNCI_AMS_DATABASE_URL")
        .env_remove("KUNCI_AMS_DATA_DIR")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("field.invalid_email"), "{err}");
    let store = Store::open_sqlite(&data.join("kunci.db")).await.unwrap();
    assert!(store.users().await.unwrap().is_empty());
    store.close().await;
}
