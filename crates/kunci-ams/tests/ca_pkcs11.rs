//! CA keys on PKCS#11 (issue 16 part 3), judged from outside on a throwaway SoftHSM2 token:
//! `kunci-ams serve --ca-pkcs11-module … --ca-pkcs11-token …` makes the root, issuing, OCSP
//! and TSA keys on the token at first start; a certificate issued through the API verifies
//! with `openssl verify`, its OCSP answer with `openssl ocsp` and a timestamp with
//! `openssl ts -verify` (all signed on the token); `pkcs11-tool` lists the four keys as
//! private keys that are sensitive and never extractable; the data folder holds no key file
//! and no passphrase; a restart uses the same keys (same certificates). A wrong PIN stops the
//! start with `ca.token_pin_incorrect` and no PIN in the log; a token-made data folder
//! started with file keys, or a file-made one started with the token, is
//! `ca.key_source_mismatch` and makes no key.
//!
//! The server runs as a child process through kunci-drill's harness (accounts made with
//! `user add`, a holder enrolling over HTTP with automatic approval). Each test makes its
//! own token in its own folder with its own `SOFTHSM2_CONF`, passed to the children only.
//! Skipped politely without SoftHSM2, pkcs11-tool or OpenSSL, unless `KUNCI_REQUIRE_JUDGES=1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use kunci_drill::client::Http;
use kunci_drill::flow::{Holder, Ledger, Shared};
use kunci_drill::server::{PASSWORD, Server};
use kunci_test_support::{http_post, judge, p, required, run};

const BIN: &str = env!("CARGO_BIN_EXE_kunci-ams");
const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "4711-ca-pin";
const LABELS: [&str; 4] = [
    "kunci-ca-root",
    "kunci-ca-issuing",
    "kunci-ocsp",
    "kunci-tsa",
];

/// The judges this suite needs, or `None` (skipped, or failed when judges are required).
fn judges() -> Option<(PathBuf, PathBuf, PathBuf)> {
    if !Path::new(MODULE).is_file() {
        assert!(
            !required(),
            "{MODULE} is missing and KUNCI_REQUIRE_JUDGES=1"
        );
        eprintln!("SKIPPED: SoftHSM2 is not installed");
        return None;
    }
    Some((
        judge("softhsm2-util")?,
        judge("pkcs11-tool")?,
        judge("openssl")?,
    ))
}

/// A folder with its own SoftHSM2 configuration and one fresh token labelled `kunci-ca`.
struct Hsm {
    dir: tempfile::TempDir,
    pkcs11_tool: PathBuf,
}

impl Hsm {
    fn new(util: &Path, pkcs11_tool: &Path) -> Hsm {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        std::fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n\
                 slots.removable = false\n",
                tokens.display()
            ),
        )
        .unwrap();
        let hsm = Hsm {
            dir,
            pkcs11_tool: pkcs11_tool.to_owned(),
        };
        hsm.ok(
            util,
            &[
                "--init-token",
                "--free",
                "--label",
                "kunci-ca",
                "--pin",
                PIN,
                "--so-pin",
                "5678-so",
            ],
        );
        hsm
    }

    fn conf(&self) -> String {
        self.dir.path().join("softhsm2.conf").display().to_string()
    }

    /// Runs `program args` with this token's configuration; answers stdout and stderr.
    fn ok(&self, program: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new(program)
            .args(args)
            .env("SOFTHSM2_CONF", self.conf())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}:\n{text}");
        text
    }

    /// `pkcs11-tool --list-objects` after login, split into objects.
    fn objects(&self) -> Vec<String> {
        let text = self.ok(
            &self.pkcs11_tool,
            &[
                "--module",
                MODULE,
                "--token-label",
                "kunci-ca",
                "--login",
                "--pin",
                PIN,
                "--list-objects",
            ],
        );
        let mut objects: Vec<String> = Vec::new();
        for line in text.lines() {
            if line.starts_with(char::is_whitespace) {
                if let Some(last) = objects.last_mut() {
                    last.push('\n');
                    last.push_str(line);
                }
            } else if !line.trim().is_empty() {
                objects.push(line.to_owned());
            }
        }
        objects
    }

    /// The private-key objects, as pkcs11-tool prints them.
    fn private_keys(&self) -> Vec<String> {
        self.objects()
            .into_iter()
            .filter(|o| o.starts_with("Private Key Object"))
            .collect()
    }
}

/// The `serve` flags and environment that put the CA on `hsm`'s token, the PIN from `pin`.
fn on_token(server: &mut Server, hsm: &Hsm, pin: &str) {
    server.extra_args = [
        "--ca-pkcs11-module",
        MODULE,
        "--ca-pkcs11-token",
        "kunci-ca",
    ]
    .map(str::to_owned)
    .to_vec();
    server.envs = vec![
        ("SOFTHSM2_CONF".into(), hsm.conf()),
        ("KUNCI_CA_PKCS11_PIN".into(), pin.into()),
    ];
}

fn shared(http: &Http) -> Shared {
    Shared {
        http: http.clone(),
        ledger: Arc::new(std::sync::Mutex::new(Ledger::default())),
        stop: Arc::new(AtomicBool::new(false)),
        chaos: false,
        auto_approve: true,
        // Never revoke: the test revokes nothing and wants the certificate good.
        revoke_one_in: u64::MAX,
        started: Arc::new(std::sync::OnceLock::new()),
    }
}

/// stdout and stderr of `openssl args`, which must succeed.
fn openssl(openssl: &Path, args: &[&str]) -> String {
    let out = run(openssl, args, None);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{args:?}:\n{text}");
    text
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Asserts that no file of the data folder is or holds a private key, and that there is no
/// CA passphrase.
fn assert_no_key_material(data: &Path) {
    for file in files_under(data) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.ends_with(".key.pem"), "{}", file.display());
        assert_ne!(name, "ca-passphrase", "{}", file.display());
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("PRIVATE KEY-----"), "{}", file.display());
    }
}

/// The last start's failure code in the server's log (`kunci-ams: error[CODE]: …`).
fn failed_start(server: &mut Server, http: &Http, runtime: &tokio::runtime::Runtime) -> String {
    let before = std::fs::read_to_string(server.log()).unwrap_or_default();
    let err = runtime.block_on(server.start(http));
    assert!(err.is_err(), "the start should have failed");
    let log = std::fs::read_to_string(server.log()).unwrap();
    log[before.len()..].to_owned()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn serve_on_a_token_issues_answers_ocsp_and_timestamps_with_keys_that_never_leave_it() {
    let Some((util, pkcs11_tool, ossl)) = judges() else {
        return;
    };
    let hsm = Hsm::new(&util, &pkcs11_tool);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let rt = runtime();
    let (mut server, accounts) = Server::prepare(Path::new(BIN), &data, None, 1, true).unwrap();
    on_token(&mut server, &hsm, PIN);
    let origin = server.origin();
    let port: u16 = origin.rsplit(':').next().unwrap().parse().unwrap();
    let http = Http::new(&origin);
    rt.block_on(server.start(&http)).unwrap();

    // A holder enrolls through the API; the server approves.
    let sh = shared(&http);
    let cert_pem = rt.block_on(async {
        let holder = Holder::new(sh.clone(), accounts[0].clone()).await.unwrap();
        holder.enroll().await.unwrap();
        let (_, cert_id, _) = sh.ledger.lock().unwrap().issued[0].clone();
        let session = http.login(&accounts[0].login, PASSWORD).await.unwrap();
        let pem = http
            .get(&format!("/api/certificates/{cert_id}/pem"), Some(&session))
            .await
            .unwrap();
        assert_eq!(pem.status, 200);
        String::from_utf8(pem.body.to_vec()).unwrap()
    });
    let ca = data.join("ca");
    let dir = work.path();
    let cert = dir.join("holder.pem");
    std::fs::write(&cert, &cert_pem).unwrap();
    let root = ca.join("root.crt.pem");
    let issuing = ca.join("issuing.crt.pem");

    // The chain: root (self-signed on the token) → issuing (signed by the root key on the
    // token) → holder (signed by the issuing key on the token).
    let out = openssl(
        &ossl,
        &[
            "verify",
            "-CAfile",
            p(&root),
            "-untrusted",
            p(&issuing),
            p(&cert),
        ],
    );
    assert!(out.contains(": OK"), "{out}");

    // The CRL, signed on the token.
    rt.block_on(async {
        let crl = http.get("/ca/issuing.crl", None).await.unwrap();
        assert_eq!(crl.status, 200);
        std::fs::write(dir.join("issuing.crl"), &crl.body).unwrap();
    });
    let out = openssl(
        &ossl,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            p(&dir.join("issuing.crl")),
            "-CAfile",
            p(&issuing),
            "-noout",
        ],
    );
    assert!(out.contains("verify OK"), "{out}");

    // OCSP, signed by the responder key on the token.
    let url = format!("{origin}/ocsp");
    let out = openssl(
        &ossl,
        &[
            "ocsp",
            "-issuer",
            p(&issuing),
            "-cert",
            p(&cert),
            "-url",
            &url,
            "-CAfile",
            p(&root),
        ],
    );
    assert!(
        out.contains("Response verify OK") && out.contains(": good"),
        "{out}"
    );

    // A timestamp, signed by the TSA key on the token.
    let stamp = |tag: &str| {
        let file = dir.join(format!("surat-{tag}.txt"));
        std::fs::write(&file, format!("Surat {tag}")).unwrap();
        let query = dir.join(format!("{tag}.tsq"));
        openssl(
            &ossl,
            &[
                "ts",
                "-query",
                "-data",
                p(&file),
                "-sha256",
                "-cert",
                "-out",
                p(&query),
            ],
        );
        let reply = http_post(
            port,
            "/tsa",
            "application/timestamp-query",
            &std::fs::read(&query).unwrap(),
        );
        let reply_file = dir.join(format!("{tag}.tsr"));
        std::fs::write(&reply_file, reply).unwrap();
        let out = openssl(
            &ossl,
            &[
                "ts",
                "-verify",
                "-in",
                p(&reply_file),
                "-queryfile",
                p(&query),
                "-CAfile",
                p(&root),
            ],
        );
        assert!(out.contains("Verification: OK"), "{out}");
    };
    stamp("first");
    server.kill().unwrap();

    // The keys: four private keys on the token, sensitive and never extractable.
    let keys = hsm.private_keys();
    assert_eq!(keys.len(), 4, "{keys:#?}");
    for label in LABELS {
        let key = keys
            .iter()
            .find(|k| {
                k.lines()
                    .any(|l| l.trim() == format!("label:      {label}"))
            })
            .unwrap_or_else(|| panic!("no private key {label}: {keys:#?}"));
        let access = key
            .lines()
            .find_map(|l| l.trim().strip_prefix("Access:"))
            .unwrap_or_default();
        assert!(access.contains("sensitive"), "{key}");
        assert!(access.contains("never extractable"), "{key}");
        assert!(
            !access.split(',').any(|a| a.trim() == "extractable"),
            "{key}"
        );
    }
    assert_no_key_material(&data);
    let before: Vec<Vec<u8>> = [
        "root.crt.pem",
        "issuing.crt.pem",
        "ocsp.crt.pem",
        "tsa.crt.pem",
    ]
    .iter()
    .map(|f| std::fs::read(ca.join(f)).unwrap())
    .collect();

    // A restart uses the same keys: the same certificates, no new key, and it still signs.
    rt.block_on(server.start(&http)).unwrap();
    let out = openssl(
        &ossl,
        &[
            "ocsp",
            "-issuer",
            p(&issuing),
            "-cert",
            p(&cert),
            "-url",
            &url,
            "-CAfile",
            p(&root),
        ],
    );
    assert!(
        out.contains("Response verify OK") && out.contains(": good"),
        "{out}"
    );
    stamp("second");
    server.kill().unwrap();
    let after: Vec<Vec<u8>> = [
        "root.crt.pem",
        "issuing.crt.pem",
        "ocsp.crt.pem",
        "tsa.crt.pem",
    ]
    .iter()
    .map(|f| std::fs::read(ca.join(f)).unwrap())
    .collect();
    assert_eq!(before, after);
    assert_eq!(hsm.private_keys().len(), 4);

    // Started without the token, the folder is refused: no passphrase, no new CA.
    server.extra_args.clear();
    let log = failed_start(&mut server, &http, &rt);
    assert!(log.contains("error[ca.key_source_mismatch]"), "{log}");
    assert_no_key_material(&data);
    assert_eq!(std::fs::read(ca.join("root.crt.pem")).unwrap(), before[0]);
}

#[test]
fn a_wrong_pin_is_refused_with_its_code_and_never_logged() {
    let Some((util, pkcs11_tool, _)) = judges() else {
        return;
    };
    let hsm = Hsm::new(&util, &pkcs11_tool);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let rt = runtime();
    let (mut server, _) = Server::prepare(Path::new(BIN), &data, None, 0, true).unwrap();
    let http = Http::new(&server.origin());
    let wrong = "9876-wrong-pin";
    on_token(&mut server, &hsm, wrong);
    let log = failed_start(&mut server, &http, &rt);
    assert!(log.contains("error[ca.token_pin_incorrect]"), "{log}");
    assert!(!log.contains(wrong), "{log}");
    assert!(!data.join("ca").join("root.crt.pem").exists());

    // The PIN file route: the wrong PIN from a file is refused the same way.
    let pin_file = work.path().join("pin");
    std::fs::write(&pin_file, format!("{wrong}\n")).unwrap();
    server.envs.retain(|(k, _)| k != "KUNCI_CA_PKCS11_PIN");
    server
        .extra_args
        .extend(["--ca-pkcs11-pin-file".to_owned(), p(&pin_file).to_owned()]);
    let log = failed_start(&mut server, &http, &rt);
    assert!(log.contains("error[ca.token_pin_incorrect]"), "{log}");
    assert!(!log.contains(wrong), "{log}");
    assert!(hsm.private_keys().is_empty());
}

#[test]
fn a_data_folder_with_key_files_is_refused_on_a_token_and_no_key_is_made() {
    let Some((util, pkcs11_tool, _)) = judges() else {
        return;
    };
    let hsm = Hsm::new(&util, &pkcs11_tool);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let rt = runtime();
    let (mut server, _) = Server::prepare(Path::new(BIN), &data, None, 0, true).unwrap();
    let http = Http::new(&server.origin());
    // The one-command default: encrypted key files.
    rt.block_on(server.start(&http)).unwrap();
    server.kill().unwrap();
    assert!(data.join("ca").join("issuing.key.pem").exists());
    let root = std::fs::read(data.join("ca").join("root.crt.pem")).unwrap();

    on_token(&mut server, &hsm, PIN);
    let log = failed_start(&mut server, &http, &rt);
    assert!(log.contains("error[ca.key_source_mismatch]"), "{log}");
    assert!(hsm.private_keys().is_empty(), "no key made on the token");
    assert_eq!(
        std::fs::read(data.join("ca").join("root.crt.pem")).unwrap(),
        root
    );
}
