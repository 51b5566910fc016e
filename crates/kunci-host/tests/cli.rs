//! The command-line side of the host: `install --manifest-dir` and per-browser install,
//! `uninstall`, `tokens`, `doctor` on a good and a broken set-up, and the browser-style
//! start-up arguments (Chromium's origin, Firefox's manifest path).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{World, frame, result};
use serde_json::{Value, json};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The binary as manifests name it: absolute, and on Windows without the `\\?\` prefix.
fn binary() -> std::path::PathBuf {
    kunci_host::install::real_path(std::path::Path::new(env!("CARGO_BIN_EXE_kunci-host"))).unwrap()
}

#[test]
fn install_with_manifest_dir_writes_a_chromium_manifest_and_the_config() {
    let w = World::new();
    std::fs::remove_file(w.config_path()).unwrap();
    let dir = w.path("profile/NativeMessagingHosts");
    let out = w.cli(&[
        "install",
        "--manifest-dir",
        dir.to_str().unwrap(),
        "--extension-id",
        "abcdefghijklmnopabcdefghijklmnop",
        "--allow-origin",
        "https://ams.example.go.id/",
        "--allow-origin",
        "https://ams.example.go.id",
    ]);
    assert!(out.status.success(), "{out:?}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("id.kunci.host.json")).unwrap()).unwrap();
    assert_eq!(manifest["name"], "id.kunci.host");
    assert_eq!(manifest["type"], "stdio");
    assert_eq!(manifest["path"], binary().to_str().unwrap());
    assert_eq!(
        manifest["allowed_origins"],
        json!(["chrome-extension://abcdefghijklmnopabcdefghijklmnop/"])
    );
    let config: Value = serde_json::from_slice(&std::fs::read(w.config_path()).unwrap()).unwrap();
    assert_eq!(
        config["allowed_origins"],
        json!(["https://ams.example.go.id"]),
        "trailing slash trimmed, no duplicate"
    );
    assert_eq!(config["module"], Value::Null);

    // Uninstall removes exactly that manifest and keeps the config unless purged.
    let out = w.cli(&["uninstall", "--manifest-dir", dir.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(!dir.join("id.kunci.host.json").exists());
    assert!(w.config_path().exists());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the Linux folder layout; Windows: cargo xtask ci's Wine step"
)]
fn install_for_firefox_and_chromium_writes_each_browsers_manifest_under_home() {
    let w = World::new();
    let home = w.path("home");
    for b in ["chromium", "firefox"] {
        let out = w.cli(&[
            "install",
            "--browser",
            b,
            "--firefox-id",
            "kunci@example.test",
        ]);
        assert!(out.status.success(), "{out:?}");
    }
    let chromium: Value = serde_json::from_slice(
        &std::fs::read(home.join(".config/chromium/NativeMessagingHosts/id.kunci.host.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        chromium["allowed_origins"][0],
        format!(
            "chrome-extension://{}/",
            kunci_host::install::DEFAULT_EXTENSION_ID
        )
    );
    let firefox: Value = serde_json::from_slice(
        &std::fs::read(home.join(".mozilla/native-messaging-hosts/id.kunci.host.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(firefox["allowed_extensions"], json!(["kunci@example.test"]));
    assert_eq!(firefox["path"], binary().to_str().unwrap());
    // The existing config (allowed origin, module) is kept.
    let config: Value = serde_json::from_slice(&std::fs::read(w.config_path()).unwrap()).unwrap();
    assert_eq!(config["allowed_origins"], json!([common::ORIGIN]));
    assert_eq!(config["module"], common::SOFTHSM_MODULE);

    // Firefox was "installed" before: its folder stays, only what install made goes.
    std::fs::write(home.join(".mozilla/profiles.ini"), "").unwrap();
    let out = w.cli(&["uninstall", "--purge"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        !home
            .join(".mozilla/native-messaging-hosts/id.kunci.host.json")
            .exists()
    );
    assert!(
        !home
            .join(".config/chromium/NativeMessagingHosts/id.kunci.host.json")
            .exists()
    );
    assert!(!w.config_path().exists());
    // The folders install created and left empty are gone, and listed; the shared ones stay.
    assert!(!home.join(".config/chromium").exists(), "{text}");
    assert!(
        !home.join(".mozilla/native-messaging-hosts").exists(),
        "{text}"
    );
    assert!(home.join(".mozilla/profiles.ini").exists(), "{text}");
    assert!(home.join(".config").is_dir(), "{text}");
    assert!(home.is_dir(), "{text}");
    for line in [
        format!(
            "removed folder {}",
            home.join(".config/chromium/NativeMessagingHosts").display()
        ),
        format!("removed folder {}", home.join(".config/chromium").display()),
        format!(
            "removed folder {}",
            home.join(".mozilla/native-messaging-hosts").display()
        ),
    ] {
        assert!(text.contains(&line), "missing `{line}` in:\n{text}");
    }
}

#[test]
fn doctor_passes_on_a_good_setup_with_a_token() {
    if !common::softhsm_available() {
        return;
    }
    let w = World::new();
    w.init_token("kunci-doctor");
    let out = w.cli(&["install", "--browser", "chromium"]);
    assert!(out.status.success(), "{out:?}");
    let out = w.cli(&["doctor"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("PROBLEM"), "{text}");
    for expected in [
        "is present and readable",
        "allowed origins: https://ams.example.go.id",
        "Chromium: manifest",
        "libsofthsm2.so (from config) loads",
        "token kunci-doctor",
        "all checks passed",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the Linux folder layout; Windows: cargo xtask ci's Wine step"
)]
fn doctor_names_each_problem_and_its_fix_on_a_broken_setup() {
    let w = World::new();
    // An installed browser without our manifest, a config without origins and a module
    // that does not exist.
    std::fs::create_dir_all(w.path("home/.config/google-chrome")).unwrap();
    w.write_config(&json!({"allowed_origins": [], "module": "/nonexistent/p11.so"}));
    let manifest_dir = w.path("nm");
    std::fs::create_dir_all(&manifest_dir).unwrap();
    std::fs::write(
        manifest_dir.join("id.kunci.host.json"),
        serde_json::to_vec(&json!({
            "name": "id.kunci.host", "type": "stdio", "path": "/bin/sh",
            "allowed_origins": ["chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"]
        }))
        .unwrap(),
    )
    .unwrap();
    let out = w.cli(&["doctor", "--manifest-dir", manifest_dir.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(!out.status.success(), "{text}");
    for expected in [
        "PROBLEM  no allowed origins",
        "fix: kunci-host install --allow-origin",
        "Google Chrome is installed but has no manifest",
        "fix: kunci-host install --browser chrome",
        "not this binary",
        "/nonexistent/p11.so",
        "some checks failed",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }

    // A config that is not JSON is reported as such.
    std::fs::write(w.config_path(), "{ allowed_origins: ").unwrap();
    let text = stdout(&w.cli(&["doctor"]));
    assert!(text.contains("PROBLEM  the config file"), "{text}");
    assert!(text.contains("fix the JSON"), "{text}");
}

#[test]
fn doctor_reports_a_missing_config_and_no_token() {
    if !common::softhsm_available() {
        return;
    }
    let w = World::new();
    std::fs::remove_file(w.config_path()).unwrap();
    // No token initialised; the module comes from the environment.
    let out = w
        .command()
        .env("KUNCI_PKCS11_MODULE", common::SOFTHSM_MODULE)
        .arg("doctor")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(!out.status.success());
    assert!(text.contains("is missing"), "{text}");
    assert!(text.contains("(from KUNCI_PKCS11_MODULE) loads"), "{text}");
    assert!(text.contains("PROBLEM  no token is present"), "{text}");
}

#[test]
fn tokens_lists_the_token_for_people() {
    if !common::softhsm_available() {
        return;
    }
    let w = World::new();
    let serial = w.init_token("kunci-cli");
    let out = w.cli(&["tokens"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text.contains("module: /usr/lib/softhsm/libsofthsm2.so"),
        "{text}"
    );
    assert!(
        text.contains(&format!("kunci-cli (serial {serial})")),
        "{text}"
    );
    assert!(text.contains("SoftHSM"), "{text}");
}

#[test]
fn firefox_style_arguments_start_the_native_messaging_loop() {
    let w = World::new();
    let manifest = w.path("id.kunci.host.json");
    std::fs::write(&manifest, "{}").unwrap();
    let mut child = w
        .command()
        .args([manifest.to_str().unwrap(), "kunci@kunci.id"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&frame(br#"{"id":1,"op":"hello"}"#))
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let replies = common::parse_frames(&out.stdout);
    assert_eq!(result(&replies[0])["protocol"], 1);
}
