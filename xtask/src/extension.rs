//! `cargo xtask extension`: the browser extension (`extension/`) as loadable folders and zips.
//!
//! One source tree serves both browser families; only the manifest differs. `build` writes
//! `target/extension/chromium/` (the manifest as committed: `background.service_worker` and the
//! fixed `key` that pins the extension id) and `target/extension/firefox/` (`background.scripts`,
//! `browser_specific_settings.gecko`, no `key`, no Chromium-only fields), and beside them
//! `kunci-chromium.zip` and `kunci-firefox.zip`. The zips are reproducible: entries in sorted
//! order, every timestamp 1980-01-01 00:00, fixed permissions, so the same sources give the
//! same bytes (and the same store upload) on every machine. `lint` runs the extension's unit
//! tests (`test`: `node --test extension/tests/*.test.mjs`) and Mozilla's `web-ext lint` on the
//! Firefox folder. Nothing here touches the network.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::{Result, run};

/// The add-on id Firefox knows the extension by (and kunci-host's `allowed_extensions`).
pub const GECKO_ID: &str = "kunci@kunci.id";
/// The oldest Firefox with what the extension uses (MV3 background scripts, `AbortSignal.timeout`).
const GECKO_MIN_VERSION: &str = "115.0";
/// Manifest fields only Chromium reads; Firefox's linter warns about them.
const CHROMIUM_ONLY: &[&str] = &["key", "minimum_chrome_version"];

/// Builds both unpacked folders and both zips; returns `target/extension`.
pub fn build(root: &Path) -> Result<PathBuf> {
    let source = root.join("extension");
    let out = root.join("target/extension");
    let text = read(&source.join("manifest.json"))?;
    let manifest: Value = serde_json::from_str(&text)
        .map_err(|e| format!("extension/manifest.json is not JSON: {e}"))?;
    let files = source_files(&source)?;

    let variants = [
        ("chromium", text.clone()),
        ("firefox", firefox_manifest(&manifest)?),
    ];
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for (name, manifest_text) in variants {
        let dir = out.join(name);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut entries: Vec<(String, Vec<u8>)> =
            vec![("manifest.json".to_owned(), manifest_text.into_bytes())];
        for rel in &files {
            let bytes = fs::read(source.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
            entries.push((rel.clone(), bytes));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (rel, bytes) in &entries {
            let to = dir.join(rel);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            fs::write(&to, bytes).map_err(|e| format!("{}: {e}", to.display()))?;
        }
        write_zip(&out.join(format!("kunci-{name}.zip")), &entries)?;
    }
    println!(
        "extension: {}/{{chromium,firefox}} and their zips",
        out.display()
    );
    Ok(out)
}

/// Runs the extension's unit tests, then `web-ext lint` (from `tests/web/node_modules`) on the
/// built Firefox folder; fails on any error. Called by `ci()` after `build`.
pub fn lint(root: &Path) -> Result {
    test(root)?;
    let web_ext = root.join("tests/web/node_modules/.bin/web-ext");
    if !web_ext.exists() {
        return Err(format!(
            "{} is missing: run `npm ci` in tests/web (cargo xtask setup)",
            web_ext.display()
        ));
    }
    let dir = root.join("target/extension/firefox");
    if !dir.join("manifest.json").exists() {
        return Err(format!(
            "{} is not built: run cargo xtask extension",
            dir.display()
        ));
    }
    run(Command::new(web_ext)
        .args([
            "lint",
            "--no-input",
            "--no-config-discovery",
            "--source-dir",
        ])
        .arg(&dir)
        .current_dir(root))
}

/// Runs `extension/tests/*.test.mjs` with Node's test runner: the service worker against a
/// fake `chrome`, and the protocol's constants in every file against `extension/protocol.json`.
/// Needs nothing built and no npm package (Node's own `node:test` only).
pub fn test(root: &Path) -> Result {
    let dir = root.join("extension/tests");
    let files = crate::web::test_files(&dir)?;
    if files.is_empty() {
        return Err(format!("no *.test.mjs files in {}", dir.display()));
    }
    run(Command::new("node")
        .arg("--test")
        .args(&files)
        .current_dir(root))
}

/// The Firefox manifest: background scripts instead of a service worker, the gecko id, and
/// no Chromium-only fields.
fn firefox_manifest(chromium: &Value) -> Result<String> {
    let mut m = chromium.clone();
    let obj = m
        .as_object_mut()
        .ok_or("extension/manifest.json is not a JSON object")?;
    for key in CHROMIUM_ONLY {
        obj.remove(*key);
    }
    let worker = obj
        .get("background")
        .and_then(|b| b.get("service_worker"))
        .and_then(Value::as_str)
        .ok_or("extension/manifest.json has no background.service_worker")?
        .to_owned();
    obj.insert("background".into(), json!({ "scripts": [worker] }));
    obj.insert(
        "browser_specific_settings".into(),
        json!({ "gecko": {
            "id": GECKO_ID,
            "strict_min_version": GECKO_MIN_VERSION,
            // Nothing leaves the machine: the extension talks to the page and to the local
            // helper only. Firefox asks every new add-on to declare this (web-ext warns without).
            "data_collection_permissions": { "required": ["none"] },
        } }),
    );
    let mut text = serde_json::to_string_pretty(&m).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// The files under `extension/src`, as sorted paths relative to `extension/` with `/`.
fn source_files(source: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![source.join("src")];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file() {
                let rel = path
                    .strip_prefix(source)
                    .map_err(|e| e.to_string())?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) -> Result {
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut zip = ZipWriter::new(file);
    // Fixed time and mode: the archive depends on the contents only.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options)
            .map_err(|e| format!("{}: {name}: {e}", path.display()))?;
        zip.write_all(bytes)
            .map_err(|e| format!("{}: {name}: {e}", path.display()))?;
    }
    zip.finish()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}
