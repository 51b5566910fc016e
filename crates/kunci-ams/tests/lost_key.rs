//! Issue 12, points 3-5, through `app(state)` with no socket: a rejection says what the holder
//! must fix (`document`: the same request resubmitted with a new Surat Rekomendasi;
//! `new_key`: only a new request), the lost-key report (someone else may have the key: revoked
//! at once with keyCompromise, on the CRL; only lost: kept until the replacement renewing it is
//! issued, then superseded), and the key step's backup proof on the record. Every refusal is
//! answered with its status and code and changes nothing; every decision is in the audit log.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::flow::p256;
use support::{Answer, Session, TestApp, json_request, with_session};

use axum::body::Body;
use axum::http::{Method, Request as HttpRequest, StatusCode, header};
use der::Decode;
use kunci_ams::store::Id;
use serde_json::{Value, json};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::CrlReason;

const INDIVIDU: &str = "Sertifikat Elektronik Individu";
const ANI: &str = "CN=Ani Wijaya,emailAddress=ani.wijaya@example.go.id,OU=Bidang Persandian,\
                   O=Dinas Komunikasi dan Informatika,L=Bandung,ST=Jawa Barat,C=ID";
const BAYU: &str = "CN=Bayu Pratama,emailAddress=bayu.pratama@example.go.id,\
                    O=Dinas Kesehatan,L=Surabaya,ST=Jawa Timur,C=ID";
const REASON: &str = "Surat Rekomendasi belum ditandatangani kepala dinas";

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

impl TestApp {
    async fn approve(&self, op: &Session, request: Id) -> Answer {
        self.post(
            op,
            &format!("/api/operator/requests/{request}/approve"),
            &Value::Null,
        )
        .await
    }

    /// Steps 9-22 for Individu with a new P-256 key and the first PDF (`pdf("pertama")`):
    /// answers the request id.
    async fn first_submission(&self, s: &Session, renews: Option<Id>) -> Id {
        let pdf = pdf("pertama");
        self.submitted_with(s, INDIVIDU, renews, &p256(), pdf)
            .await
            .0
    }

    /// A certificate issued to `s`: (certificate id, serial hex).
    async fn issued(&self, s: &Session, op: &Session) -> (Id, String) {
        let id = self.first_submission(s, None).await;
        let cert = self.approve(op, id).await.expect(StatusCode::OK)["certificate_id"]
            .as_i64()
            .unwrap();
        let serial = self.get(s, &format!("/api/certificates/{cert}")).await;
        let serial = serial.expect(StatusCode::OK)["serial"]
            .as_str()
            .unwrap()
            .to_owned();
        (cert, serial)
    }

    /// The CRL served: (serial, reason) of each entry.
    async fn crl(&self) -> Vec<(String, Option<CrlReason>)> {
        let answer = self
            .send(
                HttpRequest::get("/ca/issuing.crl")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        answer.expect(StatusCode::OK);
        crl_entries(&answer.bytes)
    }
}

/// A small PDF whose content (so SHA-256) depends on `text`.
fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF").into_bytes()
}

fn serial(hex: &str) -> String {
    hex.to_ascii_lowercase().trim_start_matches('0').to_owned()
}

fn crl_entries(der: &[u8]) -> Vec<(String, Option<CrlReason>)> {
    use const_oid::AssociatedOid;
    let crl: CertificateList = CertificateList::from_der(der).unwrap();
    crl.tbs_cert_list
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
        .collect()
}

fn on_crl(crl: &[(String, Option<CrlReason>)], serial_hex: &str) -> Option<Option<CrlReason>> {
    crl.iter()
        .find(|(s, _)| *s == serial(serial_hex))
        .map(|(_, r)| *r)
}

// ---------------------------------------------------------------------------------------------
// Rejected → resubmit
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_document_rejection_is_resubmitted_as_the_same_request_and_issued() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let op = app.operator().await;
    let id = app.first_submission(&ani, None).await;
    let old_doc = app.request_json(&ani, id).await["document"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();

    // The default fix, for a request whose CSR arrived, is the document.
    let rejected = app.reject(&op, id, &json!({"reason": REASON})).await;
    let rejected = rejected.expect(StatusCode::OK);
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["reject_fix"], "document");
    let mine = app.request_json(&ani, id).await;
    assert_eq!(
        (&mine["reject_reason"], &mine["reject_fix"]),
        (&json!(REASON), &json!("document"))
    );
    // The inbox says what to do next, too.
    let notices = app.store().notices(ani.user.id).await.unwrap();
    let notice = notices
        .iter()
        .find(|n| n.subject.contains("ditolak"))
        .unwrap();
    assert!(notice.body.contains(REASON), "{}", notice.body);
    // Written in both languages; the inbox and the e-mail show the holder's.
    assert!(
        notice
            .body
            .contains("Unggah Surat Rekomendasi baru pada permohonan yang sama"),
        "{}",
        notice.body
    );
    let english = notice.body_en.as_deref().unwrap_or_default();
    assert!(
        english.contains("Upload a new Surat Rekomendasi to the same request"),
        "{english}"
    );
    // Submitting again without a new document changes nothing.
    let before = app.world().await;
    app.submit(&ani, id)
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    assert_eq!(app.world().await, before);

    // The new document puts the same request back in "Sudah Upload"; the old file goes.
    let reopened = app
        .upload_document(&ani, id, pdf("kedua, ditandatangani"))
        .await;
    let reopened = reopened.expect(StatusCode::OK).clone();
    assert_eq!(reopened["id"], id);
    assert_eq!(reopened["status"], "uploaded");
    assert_eq!(reopened["status_label"], "Sudah Upload");
    assert_eq!(reopened["agreed"], false);
    assert_eq!(reopened["reject_reason"], Value::Null);
    assert_eq!(reopened["reject_fix"], Value::Null);
    assert_ne!(reopened["document"]["sha256"], json!(old_doc));
    let uploads = app.world().await.uploads;
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert!(!uploads[0].contains(&old_doc), "{uploads:?}");

    // The agreement again, then the operator's queue, then the certificate.
    app.post(
        &ani,
        &format!("/api/requests/{id}/submit"),
        &json!({"agree": false}),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "agreement.required");
    let submitted = app.submit(&ani, id).await;
    assert_eq!(submitted.expect(StatusCode::OK)["status"], "submitted");
    let queue = app.get(&op, "/api/operator/queue").await;
    let queue = queue.expect(StatusCode::OK)["requests"].clone();
    assert!(queue.as_array().unwrap().iter().any(|r| r["id"] == id));
    let approved = app.approve(&op, id).await;
    let approved = approved.expect(StatusCode::OK);
    assert_eq!(approved["status"], "success");
    assert!(approved["certificate_id"].is_i64());

    // History: the rejection with its reason and fix, the reopening, the second document.
    let subject = format!("request:{id}");
    let actions: Vec<(String, Value)> = app
        .audit_after(0)
        .await
        .into_iter()
        .filter(|(_, _, s, _)| *s == subject)
        .map(|(_, action, _, details)| (action, details))
        .collect();
    let names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "request.created",
            "request.csr_stored",
            "request.document_attached",
            "request.submitted",
            "request.rejected",
            "request.reopened",
            "request.document_attached",
            "request.submitted",
            "request.approved",
        ]
    );
    assert_eq!(actions[4].1["reason"], REASON);
    assert_eq!(actions[4].1["fix"], "document");
    assert_eq!(actions[5].1["after_rejection"], REASON);
}

#[tokio::test]
async fn a_new_key_rejection_cannot_be_resubmitted_and_a_new_request_renews_the_same_way() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let op = app.operator().await;
    let (cert, _) = app.issued(&ani, &op).await;
    let renewal = app.first_submission(&ani, Some(cert)).await;
    let rejected = app
        .reject(
            &op,
            renewal,
            &json!({"reason": "Nama pada CSR salah", "fix": "new_key"}),
        )
        .await;
    assert_eq!(rejected.expect(StatusCode::OK)["reject_fix"], "new_key");
    let before = app.world().await;
    app.upload_document(&ani, renewal, pdf("baru"))
        .await
        .refused(StatusCode::CONFLICT, "request.new_key_required");
    app.submit(&ani, renewal)
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    assert_eq!(app.world().await, before);
    // What the page prefills: the same product and the same certificate renewed.
    let old = app.request_json(&ani, renewal).await;
    assert_eq!(old["renews"], cert);
    let (again, _) = app.new_request_renewing(&ani, INDIVIDU, Some(cert)).await;
    let again = app.request_json(&ani, again).await;
    assert_eq!(again["renews"], cert);
    assert_eq!(again["product_id"], old["product_id"]);
}

#[tokio::test]
async fn resubmission_is_refused_for_open_decided_and_other_holders_requests() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let op = app.operator().await;
    let (pending, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    let submitted = app.first_submission(&ani, None).await;
    let approved = app.first_submission(&ani, None).await;
    app.approve(&op, approved).await.expect(StatusCode::OK);
    let rejected = app.first_submission(&ani, None).await;
    app.reject(&op, rejected, &json!({"reason": REASON, "fix": "document"}))
        .await
        .expect(StatusCode::OK);

    let before = app.world().await;
    for id in [pending, submitted, approved] {
        app.upload_document(&ani, id, pdf("lain"))
            .await
            .refused(StatusCode::CONFLICT, "store.conflict");
    }
    // Another holder's rejected request is not found, exactly like a missing one.
    app.upload_document(&bayu, rejected, pdf("lain"))
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    // The operator cannot resubmit for the holder.
    app.upload_document(&op, rejected, pdf("lain"))
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
    // Not a PDF: refused before anything is reopened.
    let http = HttpRequest::post(format!("/api/requests/{rejected}/document"))
        .header(header::CONTENT_TYPE, "application/pdf")
        .body(Body::from("<html>"))
        .unwrap();
    app.send(with_session(http, &ani, Some(&ani.csrf)))
        .await
        .refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "upload.not_pdf");
    assert_eq!(app.world().await, before);
}

#[tokio::test]
async fn the_fix_of_a_rejection_is_checked_and_defaults_to_new_key_without_a_csr() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let op = app.operator().await;
    let submitted = app.first_submission(&ani, None).await;
    let (pending, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    let (cert, _) = app.issued(&ani, &op).await;
    let revocation = app
        .revoke(&ani, cert, &json!({"reason": "superseded"}))
        .await;
    let revocation = revocation.expect(StatusCode::CREATED)["id"]
        .as_i64()
        .unwrap();

    let before = app.world().await;
    for fix in [json!("bogus"), json!(7), json!("")] {
        let answer = app
            .reject(&op, submitted, &json!({"reason": REASON, "fix": fix}))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    }
    app.reject(&op, pending, &json!({"reason": REASON, "fix": "document"}))
        .await
        .refused(StatusCode::BAD_REQUEST, "request.fix_invalid");
    app.reject(
        &op,
        revocation,
        &json!({"reason": REASON, "fix": "new_key"}),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "request.fix_invalid");
    // A holder cannot reject.
    app.reject(&ani, submitted, &json!({"reason": REASON}))
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
    assert_eq!(app.world().await, before);

    let answer = app.reject(&op, pending, &json!({"reason": REASON})).await;
    assert_eq!(answer.expect(StatusCode::OK)["reject_fix"], "new_key");
    let answer = app
        .reject(&op, revocation, &json!({"reason": REASON}))
        .await;
    assert_eq!(answer.expect(StatusCode::OK)["reject_fix"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// The lost key
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_compromised_key_is_revoked_at_once_with_key_compromise_and_replaced() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let op = app.operator().await;
    let (cert, serial_hex) = app.issued(&ani, &op).await;
    assert_eq!(on_crl(&app.crl().await, &serial_hex), None);

    let answer = app
        .report_lost_key(&ani, cert, &json!({"compromised": true}))
        .await;
    let body = answer.expect(StatusCode::CREATED).clone();
    assert_eq!(body["certificate"]["status"], "revoked");
    assert_eq!(body["certificate"]["revocation_reason"], "keyCompromise");
    assert_eq!(body["revocation"]["status"], "success");
    assert_eq!(body["revocation"]["revocation_reason"], "keyCompromise");
    // No operator was needed: the CRL served lists it now, with its reason.
    assert_eq!(
        on_crl(&app.crl().await, &serial_hex),
        Some(Some(CrlReason::KeyCompromise))
    );
    let queue = app.get(&op, "/api/operator/queue").await;
    assert!(
        queue.expect(StatusCode::OK)["requests"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The replacement: the same product, renewing nothing (the old one is revoked), and its
    // token takes the new key's CSR.
    let replacement = &body["request"];
    assert_eq!(replacement["status"], "pending");
    assert_eq!(replacement["product"], INDIVIDU);
    assert_eq!(replacement["renews"], Value::Null);
    let token = body["csr_token"].as_str().unwrap();
    app.send_fresh_csr(&ani, token)
        .await
        .expect(StatusCode::CREATED);
    // The holder's inbox says it.
    let notices = app.store().notices(ani.user.id).await.unwrap();
    assert!(notices.iter().any(|n| n.subject.contains("dicabut")));

    let audit = app.audit_after(0).await;
    let find = |action: &str| {
        audit
            .iter()
            .find(|(_, a, _, _)| a == action)
            .unwrap_or_else(|| panic!("no {action}"))
            .clone()
    };
    let report = find("key.lost_reported");
    assert_eq!(report.0, format!("user:{}", ani.user.id));
    assert_eq!(report.3["compromised"], true);
    assert_eq!(report.3["certificate"], cert);
    let revoked = find("certificate.revoked");
    assert_eq!(
        (revoked.0.as_str(), &revoked.3["reason"]),
        ("ca", &json!(1))
    );
    let decided = audit
        .iter()
        .rfind(|(_, a, _, _)| a == "request.approved")
        .unwrap();
    assert_eq!(decided.0, "system");
    assert_eq!(decided.3["key_compromise_reported"], true);
    let created = audit
        .iter()
        .rfind(|(_, a, _, _)| a == "request.created")
        .unwrap();
    assert_eq!(created.3["replaces_lost_key_of"], cert);
    assert!(audit.iter().rev().any(|(_, a, _, _)| a == "crl.published"));
    // No secret in the log: the CSR token never.
    for (_, _, _, details) in &audit {
        assert!(!details.to_string().contains(token));
    }
}

#[tokio::test]
async fn a_lost_key_keeps_the_old_certificate_until_the_replacement_is_issued() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let op = app.operator().await;
    let (cert, serial_hex) = app.issued(&ani, &op).await;

    let answer = app
        .report_lost_key(&ani, cert, &json!({"compromised": false}))
        .await;
    let body = answer.expect(StatusCode::CREATED).clone();
    assert_eq!(body["certificate"]["status"], "good");
    assert_eq!(body["revocation"], Value::Null);
    assert_eq!(body["request"]["renews"], cert);
    assert_eq!(on_crl(&app.crl().await, &serial_hex), None);
    let report = app
        .audit_after(0)
        .await
        .into_iter()
        .find(|(_, a, _, _)| a == "key.lost_reported")
        .unwrap();
    assert_eq!(report.3["compromised"], false);

    // A second report while the replacement is open is refused, and changes nothing.
    let before = app.world().await;
    app.report_lost_key(&ani, cert, &json!({"compromised": false}))
        .await
        .refused(StatusCode::CONFLICT, "request.renewal_open");
    assert_eq!(app.world().await, before);

    // The replacement goes the whole way; on issue the old one is superseded.
    let id = body["request"]["id"].as_i64().unwrap();
    app.send_fresh_csr(&ani, body["csr_token"].as_str().unwrap())
        .await
        .expect(StatusCode::CREATED);
    app.upload_document(&ani, id, pdf("pengganti"))
        .await
        .expect(StatusCode::OK);
    app.submit(&ani, id).await.expect(StatusCode::OK);
    let good = app.get(&ani, &format!("/api/certificates/{cert}")).await;
    assert_eq!(good.expect(StatusCode::OK)["status"], "good");
    app.approve(&op, id).await.expect(StatusCode::OK);
    let old = app.get(&ani, &format!("/api/certificates/{cert}")).await;
    assert_eq!(
        old.expect(StatusCode::OK)["revocation_reason"],
        "superseded"
    );
    assert_eq!(
        on_crl(&app.crl().await, &serial_hex),
        Some(Some(CrlReason::Superseded))
    );
}

#[tokio::test]
async fn a_compromise_report_settles_a_waiting_revocation_with_key_compromise() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let op = app.operator().await;
    let (cert, serial_hex) = app.issued(&ani, &op).await;
    let waiting = app
        .revoke(&ani, cert, &json!({"reason": "cessationOfOperation"}))
        .await;
    let waiting = waiting.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    let answer = app
        .report_lost_key(&ani, cert, &json!({"compromised": true}))
        .await;
    let body = answer.expect(StatusCode::CREATED);
    assert_eq!(body["revocation"]["id"], waiting);
    let settled = app.request_json(&ani, waiting).await;
    assert_eq!(settled["status"], "success");
    assert_eq!(settled["revocation_reason"], "keyCompromise");
    assert_eq!(
        on_crl(&app.crl().await, &serial_hex),
        Some(Some(CrlReason::KeyCompromise))
    );
}

#[tokio::test]
async fn lost_key_reports_are_refused_for_others_revoked_and_malformed_and_change_nothing() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let op = app.operator().await;
    let (cert, _) = app.issued(&ani, &op).await;
    let (revoked, _) = app.issued(&ani, &op).await;
    app.report_lost_key(&ani, revoked, &json!({"compromised": true}))
        .await
        .expect(StatusCode::CREATED);

    let before = app.world().await;
    let audit_before = app.audit_after(0).await.len();
    let uri = format!("/api/certificates/{cert}/lost-key");
    for compromised in [true, false] {
        let body = json!({ "compromised": compromised });
        app.post(&bayu, &uri, &body)
            .await
            .refused(StatusCode::NOT_FOUND, "store.not_found");
        app.post(&op, &uri, &body)
            .await
            .refused(StatusCode::FORBIDDEN, "auth.forbidden");
        app.post(&ani, "/api/certificates/999999/lost-key", &body)
            .await
            .refused(StatusCode::NOT_FOUND, "store.not_found");
        app.report_lost_key(&ani, revoked, &body)
            .await
            .refused(StatusCode::CONFLICT, "store.conflict");
    }
    for body in [json!({}), json!({"compromised": "ya"}), Value::Null] {
        let answer = app.post(&ani, &uri, &body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    }
    // Without the CSRF token: refused before anything.
    let http = json_request(Method::POST, &uri, &json!({"compromised": true}));
    app.send(with_session(http, &ani, None))
        .await
        .refused(StatusCode::FORBIDDEN, "csrf.missing");
    assert_eq!(app.world().await, before);
    assert_eq!(app.audit_after(0).await.len(), audit_before);
}

// ---------------------------------------------------------------------------------------------
// The backup proof
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_backup_proof_or_its_skip_is_recorded_once_for_the_holders_open_request() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let op = app.operator().await;
    let (uploaded, token) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    let (pending, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    let approved = app.first_submission(&ani, None).await;
    app.approve(&op, approved).await.expect(StatusCode::OK);

    let uri = |id: Id| format!("/api/requests/{id}/key-backup");
    let before = app.world().await;
    let audit_before = app.audit_after(0).await.len();
    // No key yet (no CSR), decided, another holder's, staff, malformed.
    app.post(&ani, &uri(pending), &json!({"checked": true}))
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    app.post(&ani, &uri(approved), &json!({"checked": true}))
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    app.post(&bayu, &uri(uploaded), &json!({"checked": true}))
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    app.post(&op, &uri(uploaded), &json!({"checked": true}))
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
    for body in [json!({}), json!({"checked": "yes"})] {
        let answer = app.post(&ani, &uri(uploaded), &body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    }
    assert_eq!(app.world().await, before);
    assert_eq!(app.audit_after(0).await.len(), audit_before);
    app.send_fresh_csr(&ani, &token)
        .await
        .expect(StatusCode::CREATED);

    // Skipped, then proven later: each once.
    let answer = app
        .post(&ani, &uri(uploaded), &json!({"checked": false}))
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    app.post(&ani, &uri(uploaded), &json!({"checked": false}))
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");
    let answer = app
        .post(&ani, &uri(uploaded), &json!({"checked": true}))
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    app.post(&ani, &uri(uploaded), &json!({"checked": true}))
        .await
        .refused(StatusCode::CONFLICT, "store.conflict");

    let subject = format!("request:{uploaded}");
    let recorded: Vec<(String, String)> = app
        .audit_after(0)
        .await
        .into_iter()
        .filter(|(_, a, s, _)| *s == subject && a.starts_with("key."))
        .map(|(actor, a, _, _)| (actor, a))
        .collect();
    let actor = format!("user:{}", ani.user.id);
    assert_eq!(
        recorded,
        [
            (actor.clone(), "key.backup_skipped".to_owned()),
            (actor, "key.backup_checked".to_owned()),
        ]
    );
    // The request itself is untouched by the record.
    assert_eq!(app.request_json(&ani, uploaded).await["status"], "uploaded");
}
