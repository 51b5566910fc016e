//! `cargo xtask dist`: everything a holder or an agency installs, in `target/dist/`.
//!
//! - `linux.rs`: `kunci-host` for Linux x86_64 and the `.deb` (helper, system-wide
//!   native-messaging manifests for every browser, browser policies).
//! - `windows.rs`: `kunci-host.exe` for Windows x86_64 (cross-built with mingw-w64) and the
//!   `.msi` (built on Linux with `wixl`), and their checks under Wine.
//! - the extension as a Chromium `.zip` and a Firefox `.xpi` (from `cargo xtask extension`).

pub mod linux;
pub mod windows;

use std::fs;
use std::path::{Path, PathBuf};

use crate::Result;

/// Builds every artefact into `target/dist/` and returns that folder.
pub fn build(root: &Path) -> Result<PathBuf> {
    let out = root.join("target/dist");
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    linux::build(root, &out)?;
    windows::build(root, &out)?;
    Ok(out)
}
