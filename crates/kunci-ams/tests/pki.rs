//! The OCSP responder and the timestamp authority (issue 16) judged from outside: a holder
//! certificate issued through the API names the responder in its AIA; `openssl ocsp` over a
//! real socket says good, then revoked with the reason after the operator approves the
//! revocation, and unknown for a serial the CA never issued, each response verified against
//! the root, the nonce echoed; the GET form (both base64 alphabets) answers the same; Python
//! `cryptography` loads the response and checks its signature and the responder certificate;
//! bad input gets OCSP's own error answer and changes nothing. `openssl ts` makes queries for
//! SHA-256/384/512 and verifies every token against the root; a SHA-1 imprint is badAlg,
//! garbage badDataFormat, a wrong content type badRequest, a foreign policy unacceptedPolicy;
//! serials differ, also across a restart of `kunci-ams serve` on the same data folder.
//!
//! With `KUNCI_TEST_DATABASE_URL` set, the portals here use PostgreSQL (see support/mod.rs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{Answer, Session, TestApp, with_session};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode, header};
use base64::Engine;
use kunci_ams::store::{Id, Role};
use kunci_core::csr::CsrBuilder;
use kunci_core::key::{KeyAlgorithm, KeyPair};
use kunci_test_support::{http_post, judge, p, python, run, run_ok};
use serde_json::json;

const INDIVIDU: &str = "Sertifikat Elektronik Individu";
const ANI: &str = "CN=Ani Wijaya,emailAddress=ani.wijaya@example.go.id,O=Dinas Komunikasi dan \
                   Informatika,L=Bandung,ST=Jawa Barat,C=ID";

/// OCSP's `malformedRequest` and `unauthorized` answers, whole: an unsigned status.
const MALFORMED: [u8; 5] = [0x30, 0x03, 0x0a, 0x01, 0x01];
const UNAUTHORIZED: [u8; 5] = [0x30, 0x03, 0x0a, 0x01, 0x06];

// ---- the portal, a holder and an operator ----

impl TestApp {
    /// A holder's enrollment approved by `operator`: (certificate id, certificate PEM).
    async fn enrolled(&self, holder: &Session, operator: &Session) -> (Id, String) {
        let product_id = self.product_id(INDIVIDU).await;
        let created = self
            .post(holder, "/api/requests", &json!({"product_id": product_id}))
            .await;
        let created = created.expect(StatusCode::CREATED);
        let request = created["request"]["id"].as_i64().unwrap();
        let token = created["csr_token"].as_str().unwrap().to_owned();
        let key = KeyPair::generate(
            KeyAlgorithm::P256,
            &mut rand_core::UnwrapErr(getrandom::SysRng),
        )
        .unwrap();
        let subject = holder.subject().clone();
        let csr = CsrBuilder::new(subject.clone())
            .email_san(subject.email.clone())
            .challenge_password(Some(token.clone()))
            .sign(&key)
            .unwrap()
            .to_pem();
        self.post(holder, "/api/csr", &json!({"token": token, "csr": csr}))
            .await
            .expect(StatusCode::CREATED);
        let pdf = HttpRequest::post(format!("/api/requests/{request}/document"))
            .header(header::CONTENT_TYPE, "application/pdf")
            .header("x-file-name", "surat.pdf")
            .body(Body::from(kunci_ams::demo::demo_pdf()))
            .unwrap();
        self.send(with_session(pdf, holder, Some(&holder.csrf)))
            .await
            .expect(StatusCode::OK);
        self.post(
            holder,
            &format!("/api/requests/{request}/submit"),
            &json!({"agree": true}),
        )
        .await
        .expect(StatusCode::OK);
        let approved = self
            .post_empty(
                operator,
                &format!("/api/operator/requests/{request}/approve"),
            )
            .await;
        let cert_id = approved.expect(StatusCode::OK)["certificate_id"]
            .as_i64()
            .unwrap();
        let pem = self
            .send(with_session(
                HttpRequest::get(format!("/api/certificates/{cert_id}/pem"))
                    .body(Body::empty())
                    .unwrap(),
                holder,
                None,
            ))
            .await;
        pem.expect(StatusCode::OK);
        (cert_id, pem.text())
    }

    /// The holder asks to revoke for `reason`; the operator approves.
    async fn revoked(&self, holder: &Session, operator: &Session, cert_id: Id, reason: &str) {
        let asked = self
            .post(
                holder,
                &format!("/api/certificates/{cert_id}/revoke"),
                &json!({"reason": reason}),
            )
            .await;
        let request = asked.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
        self.post_empty(
            operator,
            &format!("/api/operator/requests/{request}/approve"),
        )
        .await
        .expect(StatusCode::OK);
    }

    /// A raw POST (no session) of `body` as `content_type`.
    async fn post_raw(&self, uri: &str, content_type: &str, body: Vec<u8>) -> Answer {
        self.send(
            HttpRequest::post(uri)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// The portal on a real socket (for `openssl ocsp -url`); answers the port.
    async fn listen(&self) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        port
    }

    /// The root, issuing CA and TSA certificates as PEM files in `dir`.
    fn ca_files(&self, dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
        let authority = &self.state.portal.authority;
        let root = dir.join("root.pem");
        let issuing = dir.join("issuing.pem");
        let tsa = dir.join("tsa.pem");
        std::fs::write(&root, authority.root_cert_pem()).unwrap();
        std::fs::write(&issuing, authority.issuing_cert_pem()).unwrap();
        std::fs::write(
            &tsa,
            kunci_core::pem::encode("CERTIFICATE", self.state.portal.tsa.cert_der()),
        )
        .unwrap();
        (root, issuing, tsa)
    }
}

/// A portal with a holder (Ani) and an operator, logged in.
async fn portal() -> (TestApp, Session, Session) {
    let app = TestApp::new().await;
    let holder = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.staff("operator", Role::Operator).await;
    (app, holder, operator)
}

/// stdout and stderr of `program args`, which must succeed.
fn both(program: &Path, args: &[&str]) -> String {
    let out = run(program, args, None);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{args:?}:\n{text}");
    text
}

/// Runs a blocking judge beside the runtime that serves the portal.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

// ---- OCSP ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_ocsp_says_good_then_revoked_with_the_reason_and_unknown_for_a_foreign_serial() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let (app, ani, operator) = portal().await;
    let (cert_id, pem) = app.enrolled(&ani, &operator).await;
    let dir = tempfile::tempdir().unwrap();
    let (root, issuing, _) = app.ca_files(dir.path());
    let holder = dir.path().join("holder.pem");
    std::fs::write(&holder, &pem).unwrap();

    // The AIA names the responder (first) and the issuing CA.
    let uri = run_ok(
        &openssl,
        &["x509", "-in", p(&holder), "-noout", "-ocsp_uri"],
        None,
    );
    assert_eq!(uri.trim(), format!("{}/ocsp", support::ORIGIN));
    let text = run_ok(
        &openssl,
        &["x509", "-in", p(&holder), "-noout", "-text"],
        None,
    );
    assert!(
        text.contains("OCSP - URI:http://127.0.0.1:8080/ocsp"),
        "{text}"
    );
    assert!(
        text.contains("CA Issuers - URI:http://127.0.0.1:8080/ca/issuing.crt"),
        "{text}"
    );

    let port = app.listen().await;
    let url = format!("http://127.0.0.1:{port}/ocsp");
    let ask = {
        let (openssl, issuing, holder, root, url) = (
            openssl.clone(),
            issuing.clone(),
            holder.clone(),
            root.clone(),
            url.clone(),
        );
        move || {
            // openssl adds a nonce by default and checks that it comes back.
            both(
                &openssl,
                &[
                    "ocsp",
                    "-issuer",
                    p(&issuing),
                    "-cert",
                    p(&holder),
                    "-url",
                    &url,
                    "-CAfile",
                    p(&root),
                    "-resp_text",
                ],
            )
        }
    };
    let good = blocking(ask.clone()).await;
    assert!(good.contains("Response verify OK"), "{good}");
    assert!(good.contains("holder.pem: good"), "{good}");
    assert!(good.contains("OCSP Nonce"), "{good}");
    assert!(!good.contains("WARNING"), "{good}");
    assert!(
        good.contains("Responder Id: C = ID, O = kunci Test CA, CN = kunci Test CA OCSP Responder"),
        "{good}"
    );

    app.revoked(&ani, &operator, cert_id, "keyCompromise").await;
    let revoked = blocking(ask).await;
    assert!(revoked.contains("Response verify OK"), "{revoked}");
    assert!(revoked.contains("holder.pem: revoked"), "{revoked}");
    assert!(revoked.contains("Reason: keyCompromise"), "{revoked}");
    assert!(revoked.contains("Revocation Time:"), "{revoked}");

    let unknown = blocking({
        let (openssl, issuing, root) = (openssl.clone(), issuing.clone(), root.clone());
        move || {
            both(
                &openssl,
                &[
                    "ocsp",
                    "-issuer",
                    p(&issuing),
                    "-serial",
                    "0x4000000000000000000000000000beef",
                    "-url",
                    &url,
                    "-CAfile",
                    p(&root),
                ],
            )
        }
    })
    .await;
    assert!(unknown.contains("Response verify OK"), "{unknown}");
    assert!(unknown.contains(": unknown"), "{unknown}");
}

#[tokio::test]
async fn the_get_form_answers_like_post_in_both_base64_alphabets() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let (app, ani, operator) = portal().await;
    let (_, pem) = app.enrolled(&ani, &operator).await;
    let dir = tempfile::tempdir().unwrap();
    let (root, issuing, _) = app.ca_files(dir.path());
    let holder = dir.path().join("holder.pem");
    std::fs::write(&holder, &pem).unwrap();
    let req = dir.path().join("req.der");
    run_ok(
        &openssl,
        &[
            "ocsp",
            "-issuer",
            p(&issuing),
            "-cert",
            p(&holder),
            "-no_nonce",
            "-reqout",
            p(&req),
        ],
        None,
    );
    let der = std::fs::read(&req).unwrap();
    let standard = base64::engine::general_purpose::STANDARD.encode(&der);
    let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&der);
    // RFC 6960 appendix A.1: the base64 is URL-encoded (`+`, `/` and `=` escaped).
    let escaped = standard
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    for encoded in [escaped, url_safe] {
        let answer = app
            .send(
                HttpRequest::get(format!("/ocsp/{encoded}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.header(header::CONTENT_TYPE),
            "application/ocsp-response"
        );
        let resp = dir.path().join("resp.der");
        std::fs::write(&resp, &answer.bytes).unwrap();
        let out = both(
            &openssl,
            &[
                "ocsp",
                "-respin",
                p(&resp),
                "-issuer",
                p(&issuing),
                "-cert",
                p(&holder),
                "-CAfile",
                p(&root),
            ],
        );
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(out.contains("holder.pem: good"), "{out}");
    }
    // Not base64: malformedRequest, still HTTP 200.
    let bad = app
        .send(
            HttpRequest::get("/ocsp/%25%25not*base64")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (bad.status, bad.bytes.as_slice()),
        (StatusCode::OK, &MALFORMED[..])
    );
}

#[tokio::test]
async fn python_cryptography_loads_the_response_and_checks_its_signature_and_signer() {
    let Some(py) = python() else { return };
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let (app, ani, operator) = portal().await;
    let (cert_id, pem) = app.enrolled(&ani, &operator).await;
    app.revoked(&ani, &operator, cert_id, "superseded").await;
    let dir = tempfile::tempdir().unwrap();
    let (_, issuing, _) = app.ca_files(dir.path());
    let holder = dir.path().join("holder.pem");
    std::fs::write(&holder, &pem).unwrap();
    let req = dir.path().join("req.der");
    run_ok(
        &openssl,
        &[
            "ocsp",
            "-issuer",
            p(&issuing),
            "-cert",
            p(&holder),
            "-reqout",
            p(&req),
        ],
        None,
    );
    let answer = app
        .post_raw(
            "/ocsp",
            "application/ocsp-request",
            std::fs::read(&req).unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let resp = dir.path().join("resp.der");
    std::fs::write(&resp, &answer.bytes).unwrap();
    let script = r#"
import sys
from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, OCSPExtensionOID
from cryptography.hazmat.primitives.asymmetric import ec
resp = ocsp.load_der_ocsp_response(open(sys.argv[1], "rb").read())
req = ocsp.load_der_ocsp_request(open(sys.argv[2], "rb").read())
issuing = x509.load_pem_x509_certificate(open(sys.argv[3], "rb").read())
holder = x509.load_pem_x509_certificate(open(sys.argv[4], "rb").read())
assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
assert resp.certificate_status == ocsp.OCSPCertStatus.REVOKED, resp.certificate_status
assert resp.revocation_reason == x509.ReasonFlags.superseded, resp.revocation_reason
assert resp.serial_number == holder.serial_number
signer = resp.certificates[0]
signer.public_key().verify(resp.signature, resp.tbs_response_bytes,
                           ec.ECDSA(resp.signature_hash_algorithm))
issuing.public_key().verify(signer.signature, signer.tbs_certificate_bytes,
                            ec.ECDSA(signer.signature_hash_algorithm))
assert signer.issuer == issuing.subject
eku = signer.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE).value
assert list(eku) == [ExtendedKeyUsageOID.OCSP_SIGNING], list(eku)
signer.extensions.get_extension_for_oid(ExtensionOID.OCSP_NO_CHECK)
assert resp.responder_name == signer.subject
nonce = resp.extensions.get_extension_for_oid(OCSPExtensionOID.NONCE).value.nonce
assert nonce == req.extensions.get_extension_for_oid(OCSPExtensionOID.NONCE).value.nonce
print("ok")
"#;
    let out = run_ok(
        &py,
        &["-c", script, p(&resp), p(&req), p(&issuing), p(&holder)],
        None,
    );
    assert_eq!(out.trim(), "ok");
}

#[tokio::test]
async fn bad_ocsp_requests_get_ocsp_errors_with_200_and_change_nothing() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let (app, ani, operator) = portal().await;
    let (_, pem) = app.enrolled(&ani, &operator).await;
    let dir = tempfile::tempdir().unwrap();
    let (_, issuing, _) = app.ca_files(dir.path());
    let holder = dir.path().join("holder.pem");
    std::fs::write(&holder, &pem).unwrap();
    let reqout = |name: &str, args: &[&str]| -> Vec<u8> {
        let path = dir.path().join(name);
        let mut all = vec!["ocsp", "-reqout", p(&path)];
        all.extend_from_slice(args);
        run_ok(&openssl, &all, None);
        std::fs::read(&path).unwrap()
    };
    let good = reqout("good.der", &["-issuer", p(&issuing), "-cert", p(&holder)]);
    // Another CA's issuing certificate: its name and key hashes are not this CA's.
    let other = TestApp::new().await;
    let other_issuing = dir.path().join("other.pem");
    std::fs::write(
        &other_issuing,
        other.state.portal.authority.issuing_cert_pem(),
    )
    .unwrap();
    let foreign = reqout(
        "foreign.der",
        &[
            "-issuer",
            p(&other_issuing),
            "-serial",
            "0x4000000000000000000000000000beef",
        ],
    );
    // A CertID hash kunci does not take (SHA3-256).
    let sha3 = reqout(
        "sha3.der",
        &["-sha3-256", "-issuer", p(&issuing), "-cert", p(&holder)],
    );
    let before = app.world().await;

    let cases: [(&str, &str, Vec<u8>, &[u8]); 7] = [
        (
            "garbage",
            "application/ocsp-request",
            b"not DER".to_vec(),
            &MALFORMED,
        ),
        (
            "truncated",
            "application/ocsp-request",
            good[..good.len() - 3].to_vec(),
            &MALFORMED,
        ),
        ("empty", "application/ocsp-request", Vec::new(), &MALFORMED),
        ("wrong type", "application/json", good.clone(), &MALFORMED),
        (
            "oversized",
            "application/ocsp-request",
            vec![0x30; 70 * 1024],
            &MALFORMED,
        ),
        (
            "foreign issuer",
            "application/ocsp-request",
            foreign,
            &UNAUTHORIZED,
        ),
        (
            "unknown hash",
            "application/ocsp-request",
            sha3,
            &UNAUTHORIZED,
        ),
    ];
    for (what, content_type, body, want) in cases {
        let answer = app.post_raw("/ocsp", content_type, body).await;
        assert_eq!(answer.status, StatusCode::OK, "{what}");
        assert_eq!(
            answer.header(header::CONTENT_TYPE),
            "application/ocsp-response",
            "{what}"
        );
        assert_eq!(answer.bytes, want, "{what}");
    }
    // OpenSSL reads the error answer as OCSP's own.
    let resp = dir.path().join("malformed.der");
    std::fs::write(&resp, MALFORMED).unwrap();
    let out = run(
        &openssl,
        &["ocsp", "-respin", p(&resp), "-resp_text", "-noverify"],
        None,
    );
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("malformedrequest"), "{text}");

    // A wrong method is HTTP's fault: a JSON 405.
    let put = app
        .send(
            HttpRequest::put("/ocsp")
                .body(Body::from(good.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    // The right request still works, and nothing changed.
    let ok = app
        .post_raw("/ocsp", "application/ocsp-request", good)
        .await;
    assert_eq!(ok.bytes[..5], [0x30, 0x82, ok.bytes[2], ok.bytes[3], 0x0a]);
    assert_eq!(app.world().await, before);
}

// ---- TSA ----

/// `openssl ts -query` for `data` with `digest`, `-cert` when `cert`; answers the query DER.
fn ts_query(openssl: &Path, dir: &Path, data: &Path, digest: &str, extra: &[&str]) -> Vec<u8> {
    let out = dir.join(format!("{digest}.tsq"));
    let mut args = vec!["ts", "-query", "-data", p(data), digest, "-out", p(&out)];
    args.extend_from_slice(extra);
    run_ok(openssl, &args, None);
    std::fs::read(out).unwrap()
}

fn reply_text(openssl: &Path, dir: &Path, reply: &[u8]) -> String {
    let path = dir.join("reply.tsr");
    std::fs::write(&path, reply).unwrap();
    run_ok(openssl, &["ts", "-reply", "-in", p(&path), "-text"], None)
}

#[tokio::test]
async fn openssl_ts_verifies_tokens_for_sha256_384_512_with_and_without_the_certificate() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (root, _, tsa) = app.ca_files(dir.path());
    let data = dir.path().join("surat.txt");
    std::fs::write(&data, "Surat keputusan nomor 42").unwrap();

    // The TSA certificate: issued by the root, critical EKU timeStamping only.
    let text = run_ok(&openssl, &["x509", "-in", p(&tsa), "-noout", "-text"], None);
    assert!(
        text.contains("X509v3 Extended Key Usage: critical"),
        "{text}"
    );
    assert!(text.contains("Time Stamping"), "{text}");
    run_ok(
        &openssl,
        &[
            "verify",
            "-CAfile",
            p(&root),
            "-purpose",
            "timestampsign",
            p(&tsa),
        ],
        None,
    );
    // The same certificate is published at /ca/tsa.crt.
    let published = app
        .send(HttpRequest::get("/ca/tsa.crt").body(Body::empty()).unwrap())
        .await;
    assert_eq!(published.bytes, app.state.portal.tsa.cert_der());

    let mut serials = Vec::new();
    for (digest, cert) in [("-sha256", true), ("-sha384", true), ("-sha512", false)] {
        let extra: &[&str] = if cert { &["-cert"] } else { &[] };
        let query = ts_query(&openssl, dir.path(), &data, digest, extra);
        let answer = app
            .post_raw("/tsa", "application/timestamp-query", query.clone())
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.header(header::CONTENT_TYPE),
            "application/timestamp-reply"
        );
        let text = reply_text(&openssl, dir.path(), &answer.bytes);
        assert!(text.contains("Status: Granted."), "{text}");
        assert!(text.contains("Policy OID: 1.3.6.1.5.5.7.13.3"), "{text}");
        assert!(text.contains("Accuracy: 0x01 seconds"), "{text}");
        assert!(text.contains("Nonce: 0x"), "{text}");
        let algorithm = &digest[1..];
        assert!(
            text.contains(&format!("Hash Algorithm: {algorithm}")),
            "{text}"
        );
        let serial = text
            .lines()
            .find_map(|l| l.strip_prefix("Serial number: "))
            .unwrap()
            .to_owned();
        serials.push(serial);

        let reply = dir.path().join("r.tsr");
        std::fs::write(&reply, &answer.bytes).unwrap();
        let verified = both(
            &openssl,
            &[
                "ts",
                "-verify",
                "-data",
                p(&data),
                "-in",
                p(&reply),
                "-CAfile",
                p(&root),
                "-untrusted",
                p(&tsa),
            ],
        );
        assert!(verified.contains("Verification: OK"), "{verified}");
        // Checked against the query too (imprint, nonce, policy).
        let tsq = dir.path().join("q.tsq");
        std::fs::write(&tsq, &query).unwrap();
        let verified = both(
            &openssl,
            &[
                "ts",
                "-verify",
                "-queryfile",
                p(&tsq),
                "-in",
                p(&reply),
                "-CAfile",
                p(&root),
                "-untrusted",
                p(&tsa),
            ],
        );
        assert!(verified.contains("Verification: OK"), "{verified}");
        // Other data does not verify.
        let other = dir.path().join("other.txt");
        std::fs::write(&other, "Surat keputusan nomor 43").unwrap();
        let out = run(
            &openssl,
            &[
                "ts",
                "-verify",
                "-data",
                p(&other),
                "-in",
                p(&reply),
                "-CAfile",
                p(&root),
                "-untrusted",
                p(&tsa),
            ],
            None,
        );
        assert!(!out.status.success());
    }
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), 3, "{serials:?}");
}

#[tokio::test]
async fn bad_timestamp_queries_are_rejected_with_the_rfc_failure_info() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("surat.txt");
    std::fs::write(&data, "Surat").unwrap();
    let sha1 = ts_query(&openssl, dir.path(), &data, "-sha1", &["-cert"]);
    let md5 = ts_query(&openssl, dir.path(), &data, "-md5", &[]);
    let policy = ts_query(
        &openssl,
        dir.path(),
        &data,
        "-sha256",
        &["-tspolicy", "1.2.3.4"],
    );
    let good = ts_query(&openssl, dir.path(), &data, "-sha512", &[]);
    let before = app.world().await;

    // (what, content type, body, the failure's name, OpenSSL's words for it)
    let bad_alg = ("badAlg", "unrecognized or unsupported algorithm identifier");
    let bad_format = ("badDataFormat", "the data submitted has the wrong format");
    let bad_request = ("badRequest", "transaction not permitted or supported");
    type Case<'a> = (&'a str, &'a str, Vec<u8>, (&'a str, &'a str));
    let cases: [Case; 7] = [
        ("sha1", "application/timestamp-query", sha1, bad_alg),
        ("md5", "application/timestamp-query", md5, bad_alg),
        (
            "garbage",
            "application/timestamp-query",
            b"garbage".to_vec(),
            bad_format,
        ),
        (
            "policy",
            "application/timestamp-query",
            policy,
            (
                "unacceptedPolicy",
                "the requested TSA policy is not supported by the TSA",
            ),
        ),
        ("content type", "text/plain", good.clone(), bad_request),
        (
            "empty",
            "application/timestamp-query",
            Vec::new(),
            bad_format,
        ),
        (
            "oversized",
            "application/timestamp-query",
            vec![0x30; 70 * 1024],
            bad_request,
        ),
    ];
    for (what, content_type, body, failure) in cases {
        let answer = app.post_raw("/tsa", content_type, body).await;
        assert_eq!(answer.status, StatusCode::OK, "{what}");
        assert_eq!(
            answer.header(header::CONTENT_TYPE),
            "application/timestamp-reply",
            "{what}"
        );
        let text = reply_text(&openssl, dir.path(), &answer.bytes);
        assert!(text.contains("Status: Rejected"), "{what}: {text}");
        assert!(
            text.contains(&format!("Status description: {}", failure.0)),
            "{what}: {text}"
        );
        assert!(
            text.contains(&format!("Failure info: {}", failure.1)),
            "{what}: {text}"
        );
        assert!(text.contains("TST info:\nNot included."), "{what}: {text}");
    }
    assert_eq!(app.world().await, before);
    // A wrong method is HTTP's: 405.
    let get = app
        .send(HttpRequest::get("/tsa").body(Body::empty()).unwrap())
        .await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    // The good query is granted, with serial 1: the refusals took no serial.
    let answer = app
        .post_raw("/tsa", "application/timestamp-query", good)
        .await;
    let text = reply_text(&openssl, dir.path(), &answer.bytes);
    assert!(text.contains("Status: Granted."), "{text}");
    assert!(text.contains("Serial number: 0x01"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_store_never_give_the_same_serial_even_at_once() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let app = TestApp::new().await;
    // A second portal instance on the same store (its own CA and TSA keys do not matter here:
    // the serial comes from the store).
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let now = kunci_ams::http::unix_now();
    let names = kunci_ams::ca::CaNames::for_organization("kunci Second", "ID");
    let (authority, responders) =
        kunci_ams::ca::create_hierarchy(&names, KeyAlgorithm::P256, &mut rng, now)
            .unwrap()
            .into_authority_with_responders(now, &mut rng)
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let portal = kunci_ams::portal::Portal::new(
        authority,
        responders,
        kunci_ams::portal::standard_profiles(support::ORIGIN),
        kunci_ams::portal::Settings::new(dir.path().join("uploads")),
        None,
    )
    .unwrap();
    let second = kunci_ams::http::AppState {
        store: app.state.store.clone(),
        config: app.state.config.clone(),
        portal: std::sync::Arc::new(portal),
    };
    let data = dir.path().join("surat.txt");
    std::fs::write(&data, "Surat").unwrap();
    let query = ts_query(&openssl, dir.path(), &data, "-sha256", &[]);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let state = if i % 2 == 0 {
            app.state.clone()
        } else {
            second.clone()
        };
        let query = query.clone();
        tasks.push(tokio::spawn(async move {
            let request = HttpRequest::post("/tsa")
                .header(header::CONTENT_TYPE, "application/timestamp-query")
                .body(Body::from(query))
                .unwrap();
            support::send(&state, request).await.bytes
        }));
    }
    let mut serials = Vec::new();
    for task in tasks {
        let reply = task.await.unwrap();
        let text = reply_text(&openssl, dir.path(), &reply);
        assert!(text.contains("Status: Granted."), "{text}");
        serials.push(
            text.lines()
                .find_map(|l| l.strip_prefix("Serial number: "))
                .unwrap()
                .to_owned(),
        );
    }
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), 16, "{serials:?}");
}

// ---- keeping and renewing the responders' certificates ----

#[tokio::test]
async fn the_responder_certificates_are_renewed_when_due_and_a_wrong_passphrase_changes_nothing() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    use kunci_ams::setup;
    let fresh = support::portal(kunci_ams::http::Config::default()).await;
    let ca = fresh.dir.path().join("ca");
    let pass = setup::ca_passphrase(&fresh.dir.path().join("ca-passphrase"), true).unwrap();
    let pass = pass.expose().as_bytes().to_vec();
    let authority = &fresh.state.portal.authority;
    let now = kunci_ams::http::unix_now();
    let files = ["ocsp.crt.pem", "ocsp.key.pem", "tsa.crt.pem", "tsa.key.pem"];
    let read_all = || files.map(|f| std::fs::read(ca.join(f)).unwrap());
    let made = read_all();
    let day = 86_400;

    // A wrong passphrase: ca.key_locked, nothing replaced.
    let err =
        setup::open_or_create_responders(&ca, b"not the passphrase!!", authority, now).unwrap_err();
    assert_eq!(err.code(), "ca.key_locked");
    assert_eq!(read_all(), made);

    // Today: nothing to do. In 61 days (29 left of 90): the OCSP certificate is renewed, same
    // key; the TSA is kept.
    let (_, events) = setup::open_or_create_responders(&ca, &pass, authority, now).unwrap();
    assert_eq!(events, setup::ResponderEvents::default());
    let (later, events) =
        setup::open_or_create_responders(&ca, &pass, authority, now + 61 * day).unwrap();
    assert!(
        events.ocsp_renewed && !events.ocsp_created && !events.tsa_created,
        "{events:?}"
    );
    let now_files = read_all();
    assert_ne!(now_files[0], made[0], "a new OCSP certificate");
    assert_eq!(now_files[1], made[1], "the same OCSP key");
    assert_eq!(now_files[2..], made[2..], "the TSA as it was");
    assert_eq!(
        later.ocsp.not_after(),
        now + 61 * day + kunci_ams::ca::ocsp::OCSP_CERT_VALIDITY_SECS
    );
    let pubkey = |pem: &[u8]| {
        let path = fresh.dir.path().join("cert.pem");
        std::fs::write(&path, pem).unwrap();
        run_ok(
            &openssl,
            &["x509", "-in", p(&path), "-noout", "-pubkey"],
            None,
        )
    };
    assert_eq!(pubkey(&now_files[0]), pubkey(&made[0]));

    // In 14 months (under 5 years left of 6): a new TSA key and certificate from the root.
    let (_, events) =
        setup::open_or_create_responders(&ca, &pass, authority, now + 425 * day).unwrap();
    assert!(events.tsa_created, "{events:?}");
    let renewed = read_all();
    assert_ne!(renewed[2], made[2]);
    assert_ne!(renewed[3], made[3]);
    assert_ne!(pubkey(&renewed[2]), pubkey(&made[2]));

    // The running portal renews its OCSP certificate in place (the hourly task's step).
    let portal = &fresh.state.portal;
    assert_eq!(portal.renew_ocsp_if_due(now).unwrap(), None);
    let cert = portal.renew_ocsp_if_due(now + 61 * day).unwrap().unwrap();
    assert_eq!(portal.ocsp().cert_der(), cert.as_slice());
    assert!(!portal.ocsp().renewal_due(now + 61 * day));
}

// ---- the binary: made at first start, kept, serials unique across a restart ----

mod binary {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    const BIN: &str = env!("CARGO_BIN_EXE_kunci-ams");

    struct Server {
        child: Child,
        port: u16,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn start(data: &Path) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(BIN)
            .args(["--data-dir", p(data), "serve"])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(90);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "kunci-ams did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    #[test]
    fn serve_makes_the_responder_keys_once_and_token_serials_never_repeat_across_restarts() {
        let Some(openssl) = judge("openssl") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let file = dir.path().join("surat.txt");
        std::fs::write(&file, "Surat").unwrap();
        let query = ts_query(&openssl, dir.path(), &file, "-sha256", &["-cert"]);
        let mut serials = Vec::new();
        let mut take = |port: u16| {
            let reply = http_post(port, "/tsa", "application/timestamp-query", &query);
            let text = reply_text(&openssl, dir.path(), &reply);
            assert!(text.contains("Status: Granted."), "{text}");
            serials.push(
                text.lines()
                    .find_map(|l| l.strip_prefix("Serial number: "))
                    .unwrap()
                    .to_owned(),
            );
        };

        let server = start(&data);
        take(server.port);
        take(server.port);
        drop(server);
        let ca = data.join("ca");
        for key in ["ocsp.key.pem", "tsa.key.pem"] {
            let text = std::fs::read_to_string(ca.join(key)).unwrap();
            assert!(
                text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
                "{key}"
            );
        }
        let tsa_before = std::fs::read(ca.join("tsa.crt.pem")).unwrap();
        let ocsp_before = std::fs::read(ca.join("ocsp.crt.pem")).unwrap();

        // A restart keeps both; the serials go on.
        let server = start(&data);
        take(server.port);
        drop(server);
        assert_eq!(std::fs::read(ca.join("tsa.crt.pem")).unwrap(), tsa_before);
        assert_eq!(std::fs::read(ca.join("ocsp.crt.pem")).unwrap(), ocsp_before);

        // A data folder from before the responders (the upgrade): made at the next start,
        // and the serials still go on.
        for f in ["ocsp.key.pem", "ocsp.crt.pem", "tsa.key.pem", "tsa.crt.pem"] {
            std::fs::remove_file(ca.join(f)).unwrap();
        }
        let server = start(&data);
        take(server.port);
        // The new responder answers, and OpenSSL verifies it against the root.
        let root = ca.join("root.crt.pem");
        let issuing = ca.join("issuing.crt.pem");
        let url = format!("http://127.0.0.1:{}/ocsp", server.port);
        let out = both(
            &openssl,
            &[
                "ocsp",
                "-issuer",
                p(&issuing),
                "-serial",
                "0x4000000000000000000000000000beef",
                "-url",
                &url,
                "-CAfile",
                p(&root),
            ],
        );
        assert!(
            out.contains("Response verify OK") && out.contains(": unknown"),
            "{out}"
        );
        drop(server);
        assert!(ca.join("tsa.key.pem").exists());
        assert_ne!(std::fs::read(ca.join("tsa.crt.pem")).unwrap(), tsa_before);

        assert_eq!(serials, ["0x01", "0x02", "0x03", "0x04"], "{serials:?}");
    }
}
