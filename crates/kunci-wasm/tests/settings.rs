//! The package's build settings live in the top-level `wasm-pack.toml` (read by
//! `cargo xtask wasm`) and, for people who run `wasm-pack build`, in this crate's
//! `[package.metadata.wasm-pack]`. This test fails when the two disagree, and when the
//! wasm-bindgen pins drift apart (the bindgen step must be the macro crate's exact version).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn toml_at(rel: &str) -> toml::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn wasm_opt_flags_agree_between_wasm_pack_toml_and_cargo_metadata() {
    let top = toml_at("../../wasm-pack.toml");
    let krate = toml_at("Cargo.toml");
    let ours = &top["wasm-opt"]["flags"];
    let theirs = &krate["package"]["metadata"]["wasm-pack"]["profile"]["release"]["wasm-opt"];
    assert_eq!(
        ours, theirs,
        "wasm-pack.toml [wasm-opt] flags and [package.metadata.wasm-pack] differ"
    );
}

#[test]
fn wasm_pack_toml_names_this_crate_and_its_features() {
    let top = toml_at("../../wasm-pack.toml");
    let krate = toml_at("Cargo.toml");
    assert_eq!(
        top["package"]["crate"].as_str(),
        krate["package"]["name"].as_str()
    );
    let features = krate["features"].as_table().unwrap();
    for module in top["module"].as_array().unwrap() {
        for f in module["features"].as_array().unwrap() {
            assert!(
                features.contains_key(f.as_str().unwrap()),
                "module feature {f} is not a crate feature"
            );
        }
    }
    assert_eq!(top["package"]["target"].as_str(), Some("web"));
}

#[test]
fn wasm_bindgen_cli_support_is_pinned_to_the_wasm_bindgen_version() {
    let ws = toml_at("../../Cargo.toml");
    let xtask = toml_at("../../xtask/Cargo.toml");
    let macro_pin = ws["workspace"]["dependencies"]["wasm-bindgen"]
        .as_str()
        .unwrap();
    let cli_pin = xtask["dependencies"]["wasm-bindgen-cli-support"]
        .as_str()
        .unwrap();
    assert!(
        macro_pin.starts_with('='),
        "wasm-bindgen must be pinned exactly: {macro_pin}"
    );
    assert_eq!(macro_pin, cli_pin);
}

#[test]
fn the_test_runner_is_pinned_to_the_wasm_bindgen_version() {
    let ws = toml_at("../../Cargo.toml");
    let runner = toml_at("../../xtask/test-runner/Cargo.toml");
    let macro_pin = ws["workspace"]["dependencies"]["wasm-bindgen"]
        .as_str()
        .unwrap();
    let runner_pin = runner["dependencies"]["wasm-bindgen-cli"]["version"]
        .as_str()
        .unwrap();
    assert_eq!(macro_pin, runner_pin);
}
