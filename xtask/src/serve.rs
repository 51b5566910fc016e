//! `cargo xtask serve`: the README's first command. Installs what building the npm package
//! needs (the wasm32 target; Debian's binaryen for wasm-opt), builds the package and the
//! `kunci-ams` binary, then runs the portal in the foreground:
//!
//! `kunci-ams --data-dir kunci-data serve --listen 127.0.0.1:8080 --demo --web-dir web
//! --pkg-dir crates/kunci-wasm/pkg [--downloads target/dist] [FLAGS]`
//!
//! `--downloads target/dist` is passed when `cargo xtask dist` has written that folder, so the
//! pages' "what is missing" guidance links to the installers and the extension at `/unduh/`.
//!
//! The data folder `kunci-data/` (git-ignored) is made on first start with the CA and the demo
//! accounts; the portal prints the URL and the demo logins at every start. Flags after `--`
//! and the `KUNCI_AMS_*` environment variables reach `kunci-ams serve` (listen address, TLS,
//! automatic approval, SMTP...; `kunci-ams serve --help` lists them).

use std::path::Path;
use std::process::Command;

use crate::{Result, cargo, run, setup, wasm};

/// Builds everything the portal serves and runs it until interrupted.
pub fn serve(root: &Path, extra: &[&str]) -> Result {
    setup::rustup_target()?;
    setup::apt_install(&[("binaryen", "wasm-opt")])?;
    let pkg = wasm::build(root)?;
    cargo(root, &["build", "--package", "kunci-ams"], &[])?;
    let binary = root.join("target/debug/kunci-ams");
    let extra: Vec<&str> = extra.iter().copied().skip_while(|a| *a == "--").collect();
    let mut cmd = Command::new(binary);
    cmd.current_dir(root)
        .args([
            "--data-dir",
            "kunci-data",
            "serve",
            "--demo",
            "--web-dir",
            "web",
        ])
        .arg("--pkg-dir")
        .arg(&pkg);
    let dist = root.join("target/dist");
    if dist.is_dir()
        && !extra.iter().any(|a| a.starts_with("--downloads"))
        && std::env::var("KUNCI_AMS_DOWNLOADS").is_err()
    {
        cmd.arg("--downloads").arg(&dist);
    }
    if !extra.iter().any(|a| a.starts_with("--listen"))
        && std::env::var("KUNCI_AMS_LISTEN").is_err()
    {
        cmd.args(["--listen", "127.0.0.1:8080"]);
    }
    cmd.args(&extra);
    run(&mut cmd)
}
