//! `cargo xtask wasm`: builds the npm package `kunci` offline, from the settings in the
//! top-level `wasm-pack.toml`.
//!
//! For each module named there: `cargo build --target wasm32-unknown-unknown` of the façade
//! crate with that module's features and profile, then the wasm-bindgen step in-process
//! (`wasm-bindgen-cli-support`, pinned to exactly the `wasm-bindgen` version the crate uses, so
//! nothing is downloaded), then `wasm-opt` when Debian's `binaryen` is installed. Last, the
//! hand-written JavaScript layer (`crates/kunci-wasm/js/`) and a generated `package.json`
//! complete the package.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::{Result, cargo, which};

/// `wasm-pack.toml`, as this build reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Package-wide settings.
    pub package: PackageSettings,
    /// The wasm modules built from the crate.
    pub module: Vec<Module>,
    /// wasm-opt settings.
    #[serde(rename = "wasm-opt")]
    pub wasm_opt: WasmOpt,
}

/// `[package]` of wasm-pack.toml.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PackageSettings {
    /// The npm package name.
    pub npm_name: String,
    /// The façade crate's name.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// wasm-bindgen target (`web`).
    pub target: String,
    /// Output folder, relative to the workspace root.
    pub out_dir: PathBuf,
}

/// One `[[module]]` of wasm-pack.toml.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    /// Output name (`kunci_core` → `kunci_core.js`, `kunci_core_bg.wasm`).
    pub name: String,
    /// Cargo features of the façade crate for this module.
    pub features: Vec<String>,
    /// Cargo profile.
    pub profile: String,
    /// `--cfg` flags for this module's build (crate back-end choices, such as sha2's compact
    /// rounds), passed in RUSTFLAGS; give the module a profile of its own when set, or cargo
    /// rebuilds everything each time the flags change.
    #[serde(default)]
    pub cfg: Vec<String>,
    /// wasm-opt flags for this module only, after `[wasm-opt]`'s (`wasm-opt = [...]`).
    #[serde(default, rename = "wasm-opt")]
    pub wasm_opt: Vec<String>,
}

/// `[wasm-opt]` of wasm-pack.toml.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WasmOpt {
    /// Flags passed to wasm-opt.
    pub flags: Vec<String>,
}

/// Reads `wasm-pack.toml` at the workspace root.
pub fn settings(root: &Path) -> Result<Settings> {
    let path = root.join("wasm-pack.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Builds the package; returns its folder.
pub fn build(root: &Path) -> Result<PathBuf> {
    let s = settings(root)?;
    if s.package.target != "web" {
        return Err(format!(
            "wasm-pack.toml: target `{}` is not supported (use `web`)",
            s.package.target
        ));
    }
    let out = root.join(&s.package.out_dir);
    let wasm_out = out.join("wasm");
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&wasm_out)
        .map_err(|e| format!("cannot create {}: {e}", wasm_out.display()))?;
    // KUNCI_NO_WASM_OPT=1 skips wasm-opt (to tell its effects from the compiler's).
    let wasm_opt = which("wasm-opt").filter(|_| std::env::var("KUNCI_NO_WASM_OPT").is_err());
    if wasm_opt.is_none() {
        println!("wasm: wasm-opt not found (Debian `binaryen`); modules stay unoptimised");
    }
    let lib = s.package.crate_name.replace('-', "_");
    for m in &s.module {
        let features = m.features.join(",");
        let rustflags: Vec<String> = m.cfg.iter().map(|c| format!("--cfg {c}")).collect();
        let rustflags = rustflags.join(" ");
        let envs: &[(&str, &str)] = if rustflags.is_empty() {
            &[]
        } else {
            &[("RUSTFLAGS", &rustflags)]
        };
        cargo(
            root,
            &[
                "build",
                "--package",
                &s.package.crate_name,
                "--target",
                "wasm32-unknown-unknown",
                "--profile",
                &m.profile,
                "--no-default-features",
                "--features",
                &features,
                "--locked",
            ],
            envs,
        )?;
        let built = root
            .join("target/wasm32-unknown-unknown")
            .join(&m.profile)
            .join(format!("{lib}.wasm"));
        // wasm-opt runs on rustc's output, before wasm-bindgen: Debian 12's binaryen 108
        // corrupts the externref table that wasm-bindgen adds ("WebAssembly.Table.set():
        // Argument 1 is invalid"), but optimises the module fine before it exists. The
        // custom section wasm-bindgen reads survives wasm-opt.
        let input = match &wasm_opt {
            Some(opt) => {
                let optimised = root
                    .join("target/wasm32-unknown-unknown")
                    .join(&m.profile)
                    .join(format!("{}.opt.wasm", m.name));
                let ok = Command::new(opt)
                    .args(&s.wasm_opt.flags)
                    .args(&m.wasm_opt)
                    .arg(&built)
                    .arg("-o")
                    .arg(&optimised)
                    .status()
                    .is_ok_and(|st| st.success());
                if ok {
                    optimised
                } else {
                    println!(
                        "wasm: wasm-opt failed on {}; keeping the unoptimised module",
                        built.display()
                    );
                    built
                }
            }
            None => built,
        };
        let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
        bindgen
            .input_path(&input)
            .out_name(&m.name)
            .typescript(true)
            .web(true)
            .map_err(|e| format!("wasm-bindgen: {e:#}"))?
            .generate(&wasm_out)
            .map_err(|e| format!("wasm-bindgen on {}: {e:#}", input.display()))?;
        let wasm = wasm_out.join(format!("{}_bg.wasm", m.name));
        let size = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
        println!(
            "wasm: {} ({} KiB)",
            wasm.strip_prefix(root).unwrap_or(&wasm).display(),
            size / 1024
        );
    }
    copy_js_layer(root, &out)?;
    bundle_elements(root, &out)?;
    write_package_json(root, &s, &out)?;
    println!(
        "wasm: package `{}` in {}",
        s.package.npm_name,
        out.display()
    );
    Ok(out)
}

fn copy_js_layer(root: &Path, out: &Path) -> Result {
    let js = root.join("crates/kunci-wasm/js");
    let entries = std::fs::read_dir(&js).map_err(|e| format!("{}: {e}", js.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() {
            let to = out.join(entry.file_name());
            std::fs::copy(&path, &to)
                .map_err(|e| format!("copy {} → {}: {e}", path.display(), to.display()))?;
        }
    }
    Ok(())
}

/// The modules `kunci/elements` is bundled from (crates/kunci-wasm/js/); the package ships
/// the bundle as `elements.js` and none of these parts.
const ELEMENT_PARTS: [&str; 3] = ["element-base.js", "kit-element.js", "p12-element.js"];

/// Bundles and minifies `kunci/elements` with esbuild (crates/kunci-wasm/tools, installed by
/// `npm ci` there): one file of the elements, with their share of keystore.js, that loads the
/// worker client and the token API with `import()` on first use (left to the package's own
/// files). Issue 19's budget, 15 KiB gzipped, is tested by tests/web/elements-size.test.mjs;
/// a source map beside it leads back to the readable modules.
fn bundle_elements(root: &Path, out: &Path) -> Result {
    let tools = root.join("crates/kunci-wasm/tools");
    crate::setup::npm_ci(&tools)?;
    let js = root.join("crates/kunci-wasm/js");
    crate::run(
        Command::new(tools.join("node_modules/.bin/esbuild"))
            .arg(js.join("elements.js"))
            .args([
                "--bundle",
                "--format=esm",
                "--minify",
                "--target=es2022",
                "--legal-comments=none",
                "--sourcemap",
                "--log-level=warning",
                "--external:./client.js",
                "--external:./token.js",
            ])
            .arg(format!("--outfile={}", out.join("elements.js").display())),
    )?;
    for part in ELEMENT_PARTS {
        let path = out.join(part);
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn write_package_json(root: &Path, s: &Settings, out: &Path) -> Result {
    let version = workspace_version(root)?;
    let json = format!(
        r#"{{
  "name": "{name}",
  "version": "{version}",
  "description": "Keys, CSRs, encrypted PKCS#8, PKCS#12, certificates and password strength in the browser, in Rust compiled to WebAssembly.",
  "license": "Apache-2.0 OR MIT",
  "type": "module",
  "main": "./index.js",
  "module": "./index.js",
  "types": "./index.d.ts",
  "exports": {{
    ".": {{ "types": "./index.d.ts", "default": "./index.js" }},
    "./elements": {{ "types": "./elements.d.ts", "default": "./elements.js" }},
    "./worker": "./worker.js",
    "./package.json": "./package.json"
  }},
  "files": ["*.js", "*.d.ts", "wasm/", "README.md"],
  "sideEffects": ["./elements.js"],
  "engines": {{ "node": ">=20" }}
}}
"#,
        name = s.package.npm_name
    );
    std::fs::write(out.join("package.json"), json).map_err(|e| format!("package.json: {e}"))
}

fn workspace_version(root: &Path) -> Result<String> {
    workspace_string(root, "package", "version")
        .ok_or_else(|| "Cargo.toml: no [workspace.package] version".into())
}

/// `[workspace.<table>] <key>` of the root Cargo.toml, when it is a string.
fn workspace_string(root: &Path, table: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let value: toml::Value = toml::from_str(&text).ok()?;
    value
        .get("workspace")?
        .get(table)?
        .get(key)?
        .as_str()
        .map(str::to_owned)
}

/// The `wasm-bindgen-test-runner` of exactly the wasm-bindgen version in use (the pin is
/// checked by crates/kunci-wasm/tests/settings.rs): the workspace member `xtask/test-runner`
/// (locked by Cargo.lock, built in the shared target folder; it is
/// not on Debian, and no prebuilt binary may be downloaded). Built by the same workspace build
/// and `envs` as `ci` makes, so in `ci` it is already there. Returns its path.
pub fn test_runner(root: &Path, envs: &[(&str, &str)]) -> Result<PathBuf> {
    cargo(root, &crate::WORKSPACE_BUILD, envs)?;
    Ok(root.join("target/debug/wasm-bindgen-test-runner"))
}

/// Runs the façade's `wasm-bindgen-test` suite in headless Chromium through chromedriver.
/// `envs` are the build environment `ci` used for the wasm32 build of the façade (with both
/// modules' features), so the test binary it built is reused, not compiled again.
pub fn browser_tests(root: &Path, envs: &[(&str, &str)]) -> Result {
    let runner = test_runner(root, envs)?;
    // The runner reads Chrome's capabilities from webdriver.json in the working folder: as
    // root, Chromium needs --no-sandbox, and the closed network needs the quiet flags.
    let config = root.join("crates/kunci-wasm/webdriver.json");
    if !config.is_file() {
        return Err(format!("{} is missing", config.display()));
    }
    let runner = runner.to_string_lossy().into_owned();
    cargo(
        &root.join("crates/kunci-wasm"),
        &[
            "test",
            "--package",
            "kunci-wasm",
            "--target",
            "wasm32-unknown-unknown",
            "--features",
            "strength",
            "--test",
            "web",
            "--locked",
        ],
        &[
            envs,
            &[
                (
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    runner.as_str(),
                ),
                ("CHROMEDRIVER", "/usr/bin/chromedriver"),
                ("WASM_BINDGEN_TEST_TIMEOUT", "120"),
            ],
        ]
        .concat(),
    )
}
