//! The tamper-evident audit log (issue 16, part 4; docs/SECURITY.md, "Audit log"): a whole
//! renewal driven through the HTTP API records exactly the expected actions with their
//! actors, in order; automatic mode's decisions are the portal's (`system`) and the CA's; no
//! password, CSR token, session cookie, CSRF token or password hash reaches any row of the
//! export; the staff endpoint shows the log read-only and only to staff; and the binary's
//! `audit verify` names the right entry after a detail is edited, a middle row deleted, two
//! rows swapped, a hash changed or the tail cut, while `--anchor` catches a tail cut together
//! with the head row.
//!
//! Every test opens a fresh portal (SQLite, or PostgreSQL with `KUNCI_TEST_DATABASE_URL`).

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::flow::p256;
use support::{PASSWORD, Session, TestApp};

use axum::http::StatusCode;
use kunci_ams::store::{Id, Role};
use serde_json::{Value, json};

const INDIVIDU: &str = "Sertifikat Elektronik Individu";
const ANI: &str = "CN=Ani Wijaya,emailAddress=ani.wijaya@example.go.id,OU=Bidang Persandian,\
                   O=Dinas Komunikasi dan Informatika,L=Bandung,ST=Jawa Barat,C=ID";

impl TestApp {
    /// The operator's approval; answers the request's JSON.
    async fn approve(&self, operator: &Session, request: Id) -> Value {
        self.post_empty(
            operator,
            &format!("/api/operator/requests/{request}/approve"),
        )
        .await
        .expect(StatusCode::OK)
        .clone()
    }

    /// `kunci-ams --database-url … ARGS`: (success, stdout, stderr).
    fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kunci-ams"))
            .arg("--data-dir")
            .arg(self.dir.path().join("cli-data"))
            .args(["--database-url", &self.database_url])
            .args(args)
            .env_remove("KUNCI_AMS_DATABASE_URL")
            .env_remove("KUNCI_AMS_DATA_DIR")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// Runs `sql` on the store's database behind the portal's back (the tamperer).
    async fn tamper(&self, statements: &[&str]) {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.database_url)
            .await
            .unwrap();
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        conn.close().await.unwrap();
    }
}

fn user(s: &Session) -> String {
    format!("user:{}", s.user.id)
}

#[tokio::test]
async fn a_whole_renewal_through_the_api_records_every_change_with_its_actor_in_order() {
    let app = TestApp::new().await;
    // The portal's own start: the standard products and the first CRL.
    let first: Vec<(String, String)> = app
        .audit_after(0)
        .await
        .into_iter()
        .map(|(actor, action, _, _)| (actor, action))
        .collect();
    assert_eq!(
        first,
        [
            ("system", "product.created"),
            ("system", "product.created"),
            ("ca", "crl.published"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let start = app.audit_head().await;

    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    // A wrong password for ani: recorded, without the password tried.
    app.login_answer("ani", "tebakan-salah-99")
        .await
        .refused(StatusCode::UNAUTHORIZED, "auth.failed");
    let siti = app.staff("siti", Role::Operator).await;
    let dewi = app.staff("dewi", Role::Admin).await;

    // Enrollment, approved by siti.
    let (first_request, first_token) = app
        .submitted_with(&ani, INDIVIDU, None, &p256(), kunci_ams::demo::demo_pdf())
        .await;
    let approved = app.approve(&siti, first_request).await;
    let first_cert = approved["certificate_id"].as_i64().unwrap();
    // Renewal without a gap: the old certificate is revoked as superseded, a CRL published.
    let (renewal, renewal_token) = app
        .submitted_with(
            &ani,
            INDIVIDU,
            Some(first_cert),
            &p256(),
            kunci_ams::demo::demo_pdf(),
        )
        .await;
    let approved = app.approve(&siti, renewal).await;
    let second_cert = approved["certificate_id"].as_i64().unwrap();
    // A request siti rejects, with her reason.
    let (rejected, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    app.reject(
        &siti,
        rejected,
        &json!({"reason": "Surat rekomendasi tidak terbaca"}),
    )
    .await
    .expect(StatusCode::OK);
    // The holder revokes the new certificate (key compromise), siti approves.
    let revocation = app
        .revoke(&ani, second_cert, &json!({"reason": "keyCompromise"}))
        .await
        .expect(StatusCode::CREATED)["id"]
        .as_i64()
        .unwrap();
    app.approve(&siti, revocation).await;
    // Staff account changes: dewi makes an account and lifts ani's lockout; ani logs out
    // everywhere.
    app.post(
        &dewi,
        "/api/admin/users",
        &json!({"login": "rudi", "name": "Rudi", "role": "operator", "password": PASSWORD}),
    )
    .await
    .expect(StatusCode::CREATED);
    app.post(&dewi, "/api/admin/lockouts/clear", &json!({"login": "ani"}))
        .await
        .expect(StatusCode::OK);
    app.post_empty(&ani, "/api/logout-all")
        .await
        .expect(StatusCode::OK);

    let entries = app.audit_after(start).await;
    let got: Vec<(String, &str)> = entries
        .iter()
        .map(|(actor, action, _, _)| (actor.clone(), action.as_str()))
        .collect();
    let (a, s, d) = (user(&ani), user(&siti), user(&dewi));
    let ca = "ca".to_owned();
    let system = "system".to_owned();
    let mut expected: Vec<(String, &str)> = vec![
        (system.clone(), "user.created"),
        (a.clone(), "login.succeeded"),
        ("anonymous".to_owned(), "login.failed"),
        (system.clone(), "user.created"),
        (s.clone(), "login.succeeded"),
        (system.clone(), "user.created"),
        (d.clone(), "login.succeeded"),
    ];
    for _ in 0..2 {
        expected.extend([
            (a.clone(), "request.created"),
            (a.clone(), "request.csr_stored"),
            (a.clone(), "request.document_attached"),
            (a.clone(), "request.submitted"),
            (s.clone(), "request.approved"),
            (ca.clone(), "certificate.issued"),
        ]);
    }
    expected.extend([
        (ca.clone(), "certificate.revoked"),
        (ca.clone(), "crl.published"),
        (a.clone(), "request.created"),
        (s.clone(), "request.rejected"),
        (a.clone(), "request.created"),
        (s.clone(), "request.approved"),
        (ca.clone(), "certificate.revoked"),
        (ca.clone(), "crl.published"),
        (d.clone(), "user.created"),
        (d.clone(), "lockout.cleared"),
        (a.clone(), "logout.all"),
    ]);
    assert_eq!(got, expected);

    // The facts beside the actions.
    let find = |action: &str, n: usize| {
        entries
            .iter()
            .filter(|(_, act, _, _)| act == action)
            .nth(n)
            .unwrap_or_else(|| panic!("no {action} #{n}"))
            .clone()
    };
    assert_eq!(find("login.failed", 0).2, "login:ani");
    let first_serial = app
        .store()
        .certificate(first_cert)
        .await
        .unwrap()
        .serial_hex;
    let second_serial = app
        .store()
        .certificate(second_cert)
        .await
        .unwrap()
        .serial_hex;
    let issued = find("certificate.issued", 0);
    assert_eq!(issued.2, format!("certificate:{first_serial}"));
    assert_eq!(issued.3["request"], first_request);
    assert_eq!(
        find("certificate.issued", 1).2,
        format!("certificate:{second_serial}")
    );
    let superseded = find("certificate.revoked", 0);
    assert_eq!(superseded.2, format!("certificate:{first_serial}"));
    assert_eq!(superseded.3["reason"], 4, "superseded");
    let compromised = find("certificate.revoked", 1);
    assert_eq!(compromised.2, format!("certificate:{second_serial}"));
    assert_eq!(compromised.3["reason"], 1, "keyCompromise");
    let rejection = find("request.rejected", 0);
    assert_eq!(rejection.2, format!("request:{rejected}"));
    assert_eq!(rejection.3["reason"], "Surat rekomendasi tidak terbaca");
    assert_eq!(
        find("request.created", 3).3["kind"],
        "revocation",
        "the holder's revocation request"
    );
    assert_eq!(
        find("request.approved", 2).2,
        format!("request:{revocation}")
    );
    let numbers: Vec<i64> = entries
        .iter()
        .filter(|(_, act, _, _)| act == "crl.published")
        .map(|(_, _, _, d)| d["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 3], "the CRLs after the start's first one");
    assert_eq!(find("lockout.cleared", 0).3["login"], "ani");

    // No secret in any row of the export: not the password, a CSR token, a session cookie,
    // a CSRF token, nor a password hash.
    let out = app.dir.path().join("audit.jsonl");
    let (ok, _, stderr) = app.cli(&["audit", "export", "--out", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let export = std::fs::read_to_string(&out).unwrap();
    assert_eq!(export.lines().count() as i64, app.audit_head().await);
    for line in export.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        for key in [
            "seq",
            "time",
            "actor",
            "action",
            "subject",
            "details",
            "prev_hash",
        ] {
            assert!(!row[key].is_null(), "{key} missing in {line}");
        }
    }
    for secret in [
        PASSWORD,
        "tebakan-salah-99",
        &first_token,
        &renewal_token,
        &ani.cookie,
        &ani.csrf,
        &siti.cookie,
        &dewi.csrf,
        "$argon2",
    ] {
        assert!(!export.contains(secret), "a secret is in the audit log");
    }
    let (ok, stdout, stderr) = app.cli(&["audit", "verify"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.starts_with(&format!(
            "audit: {} entries, chain intact\n",
            app.audit_head().await
        )),
        "{stdout}"
    );
}

#[tokio::test]
async fn automatic_mode_decisions_are_the_portals_and_the_cas() {
    let app = TestApp::with(|s| s.auto_approve = true).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let start = app.audit_head().await;
    let (request, _) = app
        .submitted_with(&ani, INDIVIDU, None, &p256(), kunci_ams::demo::demo_pdf())
        .await;
    let cert = app.store().requests_of(ani.user.id).await.unwrap()[0].id;
    assert_eq!(cert, request);
    let certificate = app.store().certificates_of(ani.user.id).await.unwrap()[0].id;
    app.revoke(&ani, certificate, &json!({"reason": "unspecified"}))
        .await
        .expect(StatusCode::CREATED);
    let got: Vec<(String, String)> = app
        .audit_after(start)
        .await
        .into_iter()
        .map(|(actor, action, _, _)| (actor, action))
        .collect();
    let a = user(&ani);
    let expected: Vec<(String, String)> = [
        (a.as_str(), "request.created"),
        (a.as_str(), "request.csr_stored"),
        (a.as_str(), "request.document_attached"),
        (a.as_str(), "request.submitted"),
        ("system", "request.approved"),
        ("ca", "certificate.issued"),
        (a.as_str(), "request.created"),
        ("system", "request.approved"),
        ("ca", "certificate.revoked"),
        ("ca", "crl.published"),
    ]
    .iter()
    .map(|(x, y)| (x.to_string(), y.to_string()))
    .collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn staff_read_the_log_newest_first_in_pages_and_holders_cannot() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let siti = app.staff("siti", Role::Operator).await;
    app.get(&ani, "/api/operator/audit")
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");

    let head = app.audit_head().await;
    let page = app.get(&siti, "/api/operator/audit?limit=3").await;
    let body = page.expect(StatusCode::OK);
    let seqs: Vec<i64> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [head, head - 1, head - 2]);
    assert_eq!(body["entries"][0]["action"], "login.succeeded");
    assert_eq!(body["entries"][0]["actor_login"], "siti");
    assert_eq!(body["head"]["seq"], head);
    assert_eq!(body["next_before"], head - 2);
    let next = app
        .get(
            &siti,
            &format!("/api/operator/audit?before={}&limit=200", head - 2),
        )
        .await;
    let rest = next.expect(StatusCode::OK)["entries"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rest as i64, head - 3);
    assert!(next.body["next_before"].is_null());
    for bad in ["limit=0", "limit=201", "limit=x", "before=x"] {
        app.get(&siti, &format!("/api/operator/audit?{bad}"))
            .await
            .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    }
    // Reading the log changes nothing in it.
    assert_eq!(app.audit_head().await, head);
}

/// A portal with a few dozen entries, checked intact by the binary; answers it and the count.
async fn used_portal() -> (TestApp, i64) {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let siti = app.staff("siti", Role::Operator).await;
    let (request, _) = app
        .submitted_with(&ani, INDIVIDU, None, &p256(), kunci_ams::demo::demo_pdf())
        .await;
    app.approve(&siti, request).await;
    let n = app.audit_head().await;
    assert!(n >= 12, "{n}");
    let (ok, stdout, stderr) = app.cli(&["audit", "verify"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.starts_with(&format!("audit: {n} entries, chain intact\n")));
    (app, n)
}

/// `audit verify` fails (status 1) naming `seq` first.
fn broken_at(app: &TestApp, args: &[&str], seq: i64) -> String {
    let (ok, stdout, stderr) = app.cli(args);
    assert!(!ok, "verify passed a tampered chain: {stdout}");
    assert!(stderr.is_empty(), "{stderr}");
    let prefix = format!("audit: chain broken at seq {seq}: ");
    assert!(
        stdout.starts_with(&prefix),
        "expected {prefix:?}, got {stdout:?}"
    );
    stdout
}

#[tokio::test]
async fn verify_names_an_edited_detail() {
    let (app, _) = used_portal().await;
    app.tamper(&["UPDATE audit_log SET details = '{\"reason\":0}' WHERE seq = 7"])
        .await;
    let out = broken_at(&app, &["audit", "verify"], 7);
    assert!(out.contains("does not match its contents"), "{out}");
}

#[tokio::test]
async fn verify_names_a_deleted_middle_row() {
    let (app, _) = used_portal().await;
    app.tamper(&["DELETE FROM audit_log WHERE seq = 6"]).await;
    let out = broken_at(&app, &["audit", "verify"], 6);
    assert!(
        out.contains("row 6 is missing (the next row is 7)"),
        "{out}"
    );
}

#[tokio::test]
async fn verify_names_two_swapped_rows() {
    let (app, _) = used_portal().await;
    app.tamper(&[
        "UPDATE audit_log SET seq = -1 WHERE seq = 8",
        "UPDATE audit_log SET seq = 8 WHERE seq = 9",
        "UPDATE audit_log SET seq = 9 WHERE seq = -1",
    ])
    .await;
    let out = broken_at(&app, &["audit", "verify"], 8);
    assert!(out.contains("prev_hash is not the hash of row 7"), "{out}");
}

#[tokio::test]
async fn verify_names_a_changed_hash() {
    let (app, _) = used_portal().await;
    app.tamper(&[&format!(
        "UPDATE audit_log SET hash = '{}' WHERE seq = 5",
        "ab".repeat(32)
    )])
    .await;
    let out = broken_at(&app, &["audit", "verify"], 5);
    assert!(out.contains("does not match its contents"), "{out}");
}

#[tokio::test]
async fn a_cut_tail_is_named_by_the_head_row_and_one_cut_with_it_only_by_an_anchor() {
    let (app, n) = used_portal().await;
    let (ok, stdout, _) = app.cli(&["audit", "verify"]);
    assert!(ok);
    // The head line, as an operator would copy it somewhere else.
    let anchor = stdout
        .lines()
        .find_map(|l| l.strip_prefix("audit: head "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    assert!(anchor.starts_with(&format!("{n}:")), "{anchor}");

    // The last two rows deleted, the head row left: named.
    app.tamper(&[&format!("DELETE FROM audit_log WHERE seq > {}", n - 2)])
        .await;
    let out = broken_at(&app, &["audit", "verify"], n - 1);
    assert!(
        out.contains(&format!("rows {} to {n} are missing", n - 1)),
        "{out}"
    );

    // The head row moved back too: the chain alone looks whole (the limit docs/SECURITY.md
    // states) ...
    let (seq, hash): (i64, String) = {
        let rows = app.store().audit_after(n - 3, 1).await.unwrap();
        (rows[0].seq, rows[0].hash.clone())
    };
    app.tamper(&[&format!(
        "UPDATE audit_head SET seq = {seq}, hash = '{hash}' WHERE id = 1"
    )])
    .await;
    let (ok, stdout, _) = app.cli(&["audit", "verify"]);
    assert!(ok, "{stdout}");
    assert!(stdout.starts_with(&format!("audit: {seq} entries, chain intact\n")));
    // ... and the anchor kept elsewhere names the cut.
    let out = broken_at(&app, &["audit", "verify", "--anchor", &anchor], n);
    assert!(out.contains("the anchored entry is gone"), "{out}");
}

#[tokio::test]
async fn the_hash_encoding_is_the_documented_one() {
    // docs/SECURITY.md's outside verifier, in Rust: "kunci-audit-v1", then each field as an
    // 8-byte big-endian length and its bytes.
    use sha2::{Digest, Sha256};
    let (app, _) = used_portal().await;
    let rows = app.store().audit_after(0, 1000).await.unwrap();
    let mut prev = kunci_ams::store::GENESIS_HASH.to_owned();
    for row in rows {
        let mut h = Sha256::new();
        h.update(b"kunci-audit-v1");
        for field in [
            row.seq.to_string(),
            row.time.to_string(),
            row.actor.clone(),
            row.action.clone(),
            row.subject.clone(),
            row.details.clone(),
            row.prev_hash.clone(),
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        assert_eq!(row.prev_hash, prev);
        assert_eq!(hex::encode(h.finalize()), row.hash, "row {}", row.seq);
        prev = row.hash;
    }
}

#[tokio::test]
async fn two_instances_appending_at_once_never_fork_the_chain() {
    // Two stores on one database, as two portal instances (PostgreSQL in the PostgreSQL suite;
    // two SQLite writers on one file otherwise), each appending 40 entries from 4 tasks at
    // once: every seq is taken once, the chain verifies, nothing is lost.
    use kunci_ams::store::{Actor, Entry, Store};
    let app = TestApp::new().await;
    let before = app.audit_head().await;
    let other = Store::open(&app.database_url).await.unwrap();
    let mut tasks = Vec::new();
    for (instance, store) in [app.store().clone(), other.clone()].into_iter().enumerate() {
        for task in 0..4 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut seqs = Vec::new();
                for n in 0..10 {
                    let entry = Entry::new(Actor::System, "product.created", format!("test:{n}"))
                        .with("instance", instance)
                        .with("task", task);
                    seqs.push(store.record_event(&entry, 1_700_000_000).await.unwrap());
                }
                seqs
            }));
        }
    }
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.extend(task.await.unwrap());
    }
    seqs.sort_unstable();
    let expected: Vec<i64> = (before + 1..=before + 80).collect();
    assert_eq!(seqs, expected, "each seq taken exactly once");
    let report = other.verify_audit().await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.entries, before + 80);
    other.close().await;
    let (ok, stdout, stderr) = app.cli(&["audit", "verify"]);
    assert!(ok, "{stdout}{stderr}");
}
