//! `cargo xtask dist`: everything a holder or an agency installs, in `target/dist/`.
//!
//! - `linux.rs`: `kunci-host` for Linux x86_64 and the `.deb` (helper, system-wide
//!   native-messaging manifests for every browser, browser policies).
//! - `windows.rs`: `kunci-host.exe` for Windows x86_64 (cross-built with mingw-w64) and the
//!   `.msi` (built on Linux with `wixl`), and their checks under Wine.
//! - the system-wide config both installers carry (`system_config`);
//! - the extension as a Chromium `.zip` and a Firefox `.xpi` (from `cargo xtask extension`).

pub mod linux;
pub mod windows;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::Result;

/// The portals (`https://` origins, separated by commas or spaces) the installers' system-wide
/// config allows; a build setting. Unset: an empty list the administrator fills in.
pub const ALLOWED_ORIGINS_ENV: &str = "KUNCI_DIST_ALLOWED_ORIGINS";

/// Builds every artefact into `target/dist/` and returns that folder.
pub fn build(root: &Path) -> Result<PathBuf> {
    let out = root.join("target/dist");
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    linux::build(root, &out)?;
    windows::build(root, &out)?;
    Ok(out)
}

/// kunci-host's system-wide config (`crates/kunci-host/src/config.rs`), which the `.deb`
/// (`/etc/kunci/host.json`) and the `.msi` (`%ProgramData%\kunci\host.json`) install: the
/// portals of [`ALLOWED_ORIGINS_ENV`], and the module found on the machine. With it no holder
/// runs `kunci-host install --allow-origin`.
pub fn system_config() -> Result<Value> {
    let origins = allowed_origins(&std::env::var(ALLOWED_ORIGINS_ENV).unwrap_or_default())?;
    Ok(json!({ "allowed_origins": origins, "module": null }))
}

/// `value` as the packages write their JSON files: indented, with a final newline.
pub fn pretty(value: &Value) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// The origins of [`ALLOWED_ORIGINS_ENV`]'s value: each `https://host[:port]`, nothing after.
fn allowed_origins(value: &str) -> Result<Vec<String>> {
    value
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let origin = o.trim_end_matches('/');
            let host = origin.strip_prefix("https://").unwrap_or("");
            if host.is_empty() || host.contains(['/', '?', '#', '@']) {
                return Err(format!(
                    "dist.bad_origin: {ALLOWED_ORIGINS_ENV} holds {o:?}: give portal origins as https://host[:port], separated by commas"
                ));
            }
            Ok(origin.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_origins_are_https_origins_and_nothing_else() {
        assert_eq!(
            allowed_origins(" https://ams.bsre.go.id/, https://b.example:8443 ").as_deref(),
            Ok(&[
                "https://ams.bsre.go.id".to_owned(),
                "https://b.example:8443".to_owned()
            ][..])
        );
        assert_eq!(allowed_origins("").as_deref(), Ok(&[][..]));
        for bad in [
            "http://a.example",
            "https://a.example/path",
            "a.example",
            "https://",
        ] {
            let err = allowed_origins(bad).err().unwrap_or_default();
            assert!(err.starts_with("dist.bad_origin:"), "{bad}: {err}");
        }
    }
}
