//! The token ops against a second real PKCS#11 implementation beside SoftHSM2: tpm2-pkcs11
//! (Debian's `libtpm2-pkcs11-1`) on a software TPM (`swtpm`, through
//! `libtss2-tcti-swtpm0`). Each test starts its own swtpm on free local ports, with its own
//! TPM state and tpm2-pkcs11 store in the test's folder, initialises a token through PKCS#11
//! itself (pkcs11-tool `--init-token`, `--init-pin`), runs the ops through the real binary, and
//! stops the swtpm when it ends. Quirks met here are written down in docs/TOKENS.md.
//!
//! A missing piece skips the tests with a line on stderr, unless `KUNCI_REQUIRE_JUDGES=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::ops::op_set;
use common::{PIN, World, error_code, judge, request, required, result, run_ok};
use serde_json::json;

/// tpm2-pkcs11's module, as Debian installs it.
const TPM2_MODULE: &str = "/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so";
/// The TCTI that lets tpm2-tss talk to swtpm over TCP.
const SWTPM_TCTI: &str = "/usr/lib/x86_64-linux-gnu/libtss2-tcti-swtpm.so.0";

/// A running swtpm, killed when dropped.
struct Swtpm {
    child: Child,
}

impl Drop for Swtpm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port on 127.0.0.1 whose next port is free too: the swtpm TCTI always finds the
/// control channel one port above the TPM's.
fn free_ports() -> (u16, u16) {
    loop {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return (port, port + 1);
        }
    }
}

/// Starts swtpm with its state in `dir`, waits until it accepts connections, and returns it
/// with its TPM port.
fn start_swtpm(swtpm: &Path, dir: &Path) -> (Swtpm, u16) {
    std::fs::create_dir_all(dir).unwrap();
    for _ in 0..5 {
        let (port, ctrl) = free_ports();
        let child = Command::new(swtpm)
            .args(["socket", "--tpm2", "--tpmstate"])
            .arg(format!("dir={}", dir.display()))
            .arg("--server")
            .arg(format!("type=tcp,port={port},bindaddr=127.0.0.1"))
            .arg("--ctrl")
            .arg(format!("type=tcp,port={ctrl},bindaddr=127.0.0.1"))
            .args(["--flags", "not-need-init,startup-clear"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut tpm = Swtpm { child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if tpm.child.try_wait().unwrap().is_some() {
                break; // a port taken in between: try others
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (tpm, port);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("swtpm did not start");
}

/// A world whose host uses tpm2-pkcs11 on a fresh swtpm, with one token labelled `label`
/// (user PIN [`PIN`]); None when a piece is missing (and not required).
fn tpm2_world(label: &str) -> Option<(World, Swtpm, String)> {
    let missing: Vec<&str> = [TPM2_MODULE, SWTPM_TCTI]
        .into_iter()
        .filter(|p| !Path::new(p).is_file())
        .collect();
    if !missing.is_empty() {
        assert!(
            !required(),
            "{} missing and KUNCI_REQUIRE_JUDGES=1 (cargo xtask setup installs them)",
            missing.join(", ")
        );
        eprintln!("SKIPPED: tpm2-pkcs11 is not installed");
        return None;
    }
    let swtpm = judge("swtpm")?;
    let tool = judge("pkcs11-tool")?;
    let mut w = World::new();
    let (tpm, port) = start_swtpm(&swtpm, &w.path("tpm"));
    std::fs::create_dir_all(w.path("store")).unwrap();
    w.extra_env.extend([
        (
            "TPM2_PKCS11_TCTI",
            PathBuf::from(format!("swtpm:host=127.0.0.1,port={port}")),
        ),
        ("TPM2_PKCS11_STORE", w.path("store")),
        // tpm2-tss logs every TPM error (a wrong PIN among them) on stderr: errors only.
        ("TSS2_LOG", PathBuf::from("all+ERROR")),
    ]);
    w.use_module(Path::new(TPM2_MODULE));
    init_tpm_token(&w, &tool, label, 1);
    let serial = w.serial_of(label);
    Some((w, tpm, serial))
}

/// Initialises the token in tpm2-pkcs11's slot `slot` (1 for the first, then 2…) through
/// PKCS#11: `C_InitToken` with the SO PIN 5678, then `C_InitPIN` with [`PIN`].
fn init_tpm_token(w: &World, tool: &Path, label: &str, slot: u64) {
    let envs = w.envs();
    let envs: Vec<(&str, &Path)> = envs.iter().map(|(k, v)| (*k, v.as_path())).collect();
    let slot = slot.to_string();
    let base = ["--module", TPM2_MODULE, "--slot", &slot];
    let init_token = ["--init-token", "--label", label, "--so-pin", "5678"];
    let init_pin = [
        "--login",
        "--login-type",
        "so",
        "--so-pin",
        "5678",
        "--init-pin",
        "--pin",
        PIN,
    ];
    for step in [&init_token[..], &init_pin[..]] {
        let args: Vec<&str> = base.iter().chain(step).copied().collect();
        run_ok(tool, &args, &envs);
    }
}

#[test]
fn tpm2_pkcs11_lists_its_token_and_runs_the_whole_op_set() {
    let Some((w, _tpm, serial)) = tpm2_world("kunci-tpm") else {
        return;
    };
    let mut host = w.spawn();
    let r = host.send(&request(1, "list_tokens", json!({})));
    let tokens = result(&r)["tokens"].as_array().unwrap().clone();
    // The spare uninitialised slot tpm2-pkcs11 always offers is not listed.
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let t = &tokens[0];
    assert_eq!(t["label"], "kunci-tpm");
    assert_eq!(t["serial"], serial);
    assert_eq!(t["pin_pad"], false);
    assert_eq!(t["pin_locked"], false);
    assert!(t.get("unreadable").is_none(), "{t}");
    op_set(&w, &mut host, &serial);
    let (status, _) = host.finish();
    assert!(status.success());
}

#[test]
fn tpm2_wrong_pin_is_pin_incorrect_then_the_tpm_lockout_is_pin_locked() {
    let Some((w, _tpm, serial)) = tpm2_world("kunci-tpm-pin") else {
        return;
    };
    let mut host = w.spawn();
    let attempt = |host: &mut common::HostProcess, id: u64, pin: &str| {
        host.send(&request(
            id,
            "generate_key",
            json!({"token": serial, "pin": pin, "algorithm": "p256"}),
        ))
    };
    let r = attempt(&mut host, 1, "9999");
    assert_eq!(error_code(&r), "pin.incorrect");
    // tpm2-pkcs11 sets no PIN-count flag: the host cannot tell how many tries are left.
    assert!(r["error"].get("tries_left").is_none(), "{r}");
    // The right PIN still works after one wrong one.
    result(&attempt(&mut host, 2, PIN));
    // swtpm's dictionary-attack protection locks the TPM after a few wrong PINs; from then on
    // C_Login answers CKR_PIN_LOCKED, even with the right PIN.
    let mut codes = Vec::new();
    for id in 3..10 {
        let r = attempt(&mut host, id, "9999");
        codes.push(error_code(&r).to_owned());
        if codes.last().unwrap() == "pin.locked" {
            let message = r["error"]["message"].as_str().unwrap();
            assert!(message.contains("locked"), "{message}");
            assert!(!message.contains("9999"), "{message}");
            break;
        }
    }
    assert_eq!(
        codes.last().map(String::as_str),
        Some("pin.locked"),
        "{codes:?}"
    );
    assert!(
        codes[..codes.len() - 1]
            .iter()
            .all(|c| c == "pin.incorrect"),
        "{codes:?}"
    );
    let r = attempt(&mut host, 20, PIN);
    assert_eq!(error_code(&r), "pin.locked");
}

#[test]
fn two_tpm2_tokens_sharing_a_serial_are_each_listed_and_reachable() {
    let Some((w, _tpm, first)) = tpm2_world("kunci-tpm-a") else {
        return;
    };
    init_tpm_token(&w, &judge("pkcs11-tool").unwrap(), "kunci-tpm-b", 2);
    let mut host = w.spawn();
    let r = host.send(&request(1, "list_tokens", json!({})));
    let tokens = result(&r)["tokens"].as_array().unwrap().clone();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    // tpm2-pkcs11 gives both the same serial: the host tells them apart by slot.
    let serial = |label: &str| {
        let t = tokens.iter().find(|t| t["label"] == label).unwrap();
        assert_eq!(
            t["serial"],
            format!("0000000000000000@{}", t["slot"]),
            "{t}"
        );
        t["serial"].as_str().unwrap().to_owned()
    };
    let (a, b) = (serial("kunci-tpm-a"), serial("kunci-tpm-b"));
    // Alone, the token was named by its serial as it is; once another shares it, by slot too.
    assert_eq!(first, "0000000000000000");
    assert_ne!(a, b);
    // A key made on the second token is there, and not on the first.
    let r = host.send(&request(
        2,
        "generate_key",
        json!({"token": b, "pin": PIN, "algorithm": "p256"}),
    ));
    let key_id = result(&r)["key_id"].as_str().unwrap().to_owned();
    let digest = hex::encode([7u8; 32]);
    let sign = |token: &str| json!({"token": token, "pin": PIN, "key_id": key_id, "algorithm": "p256", "digest": digest});
    result(&host.send(&request(3, "sign_digest", sign(&b))));
    let r = host.send(&request(4, "sign_digest", sign(&a)));
    assert_eq!(error_code(&r), "key.not_found");
    host.finish();
}
