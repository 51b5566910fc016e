//! The Linux artefacts of `cargo xtask dist`, and their check on the real system.
//!
//! `build` writes into `target/dist/`: `kunci-host` (x86_64, release, stripped, the checkout's
//! and cargo's paths remapped so they are not in the binary), `kunci-host_<version>_amd64.deb`,
//! and the extension's zips from `cargo xtask extension` under their release names
//! (`kunci-extension-<version>-chromium.zip`, `kunci-extension-<version>.xpi`).
//!
//! The `.deb` is staged in `target/deb/root` and packed by `dpkg-deb --build
//! --root-owner-group`; the control files are written here (no cargo-deb: see
//! docs/ARCHITECTURE.md). It holds `/usr/bin/kunci-host`, the system-wide native-messaging
//! manifests where each browser reads them ([`CHROMIUM_HOSTS`], [`FIREFOX_HOSTS`]), the
//! policies that offer the extension ([`CHROMIUM_POLICIES`], [`FIREFOX_POLICY`]), the
//! copyright file, a changelog and lintian's overrides. The manifests are the ones `kunci-host install` itself writes, with the
//! extension id `extension/tools/id.mjs` derives from the committed manifest's `key`; only
//! their `path` is set to `/usr/bin/kunci-host`. Every file under `/etc` is a conffile, so
//! `dpkg --purge` removes it. The same inputs give the same bytes: fixed modes, every time
//! `SOURCE_DATE_EPOCH` (else the last commit's time), root ownership, one xz thread.
//!
//! `check` is the `.deb` step of `cargo xtask ci` (as root): it builds twice and compares the
//! bytes, reads the package back (`dpkg-deb --info/--contents`, lintian when present), installs
//! it with `dpkg -i`, checks that Firefox (when present) reads the policy, runs the Chromium
//! token walk against the system helper
//! (`KUNCI_HOST_SYSTEM=1`: no `kunci-host install`), then `dpkg --purge`s it, even after a
//! failed walk, and fails if any path the package created is left.
//!
//! Build settings (environment): [`CHROMIUM_UPDATE_URL_ENV`], [`FIREFOX_XPI_URL_ENV`];
//! `packaging/linux/README.md` describes them.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use super::pretty;
use crate::{Result, run};

/// The package's name (and the binary's).
const PACKAGE: &str = "kunci-host";
/// Where the helper is installed; every manifest names it.
const HOST_PATH: &str = "/usr/bin/kunci-host";
/// The manifest's file name in every browser's folder (kunci-host's `MANIFEST_FILE`).
const MANIFEST_FILE: &str = "id.kunci.host.json";
/// The system folders Chromium, Google Chrome and Microsoft Edge read host manifests from.
const CHROMIUM_HOSTS: [&str; 3] = [
    "etc/chromium/native-messaging-hosts",
    "etc/opt/chrome/native-messaging-hosts",
    "etc/opt/edge/native-messaging-hosts",
];
/// The system folder Firefox reads host manifests from.
const FIREFOX_HOSTS: &str = "usr/lib/mozilla/native-messaging-hosts";
/// The folders whose JSON files Chromium, Chrome and Edge read as mandatory policies.
const CHROMIUM_POLICIES: [&str; 3] = [
    "etc/chromium/policies/managed",
    "etc/opt/chrome/policies/managed",
    "etc/opt/edge/policies/managed",
];
/// The policy file's name in each Chromium-family policy folder.
const CHROMIUM_POLICY_FILE: &str = "kunci-extension.json";
/// Firefox's system policy file on Linux (`SysConfD/policies/policies.json`: Firefox's
/// EnterprisePoliciesParent reads it before the installation's `distribution/policies.json`;
/// `check` sees Debian's firefox-esr read it).
const FIREFOX_POLICY: &str = "etc/firefox/policies/policies.json";
/// kunci-host's system-wide config (`crates/kunci-host/src/config.rs`): the portals the
/// helper serves for every user of the machine, so that no holder runs `kunci-host install`.
const SYSTEM_CONFIG: &str = "etc/kunci/host.json";
/// The copyright file Debian packages carry.
const COPYRIGHT: &str = "usr/share/doc/kunci-host/copyright";
/// The Debian changelog (gzipped), one entry for the version built.
const CHANGELOG: &str = "usr/share/doc/kunci-host/changelog.gz";
/// What lintian is told to accept (`packaging/linux/lintian-overrides`, with the reasons).
const LINTIAN_OVERRIDES: &str = "usr/share/lintian/overrides/kunci-host";

/// The Chromium-family update URL the policies name (an update manifest, as the Chrome Web
/// Store's); a build setting.
pub const CHROMIUM_UPDATE_URL_ENV: &str = "KUNCI_DIST_CHROMIUM_UPDATE_URL";
/// The Chrome Web Store's update URL: the default.
const CHROMIUM_UPDATE_URL: &str = "https://clients2.google.com/service/update2/crx";
/// The URL Firefox's policy installs the `.xpi` from; a build setting.
pub const FIREFOX_XPI_URL_ENV: &str = "KUNCI_DIST_FIREFOX_XPI_URL";
/// addons.mozilla.org's latest signed version of the add-on: the default.
const FIREFOX_XPI_URL: &str =
    "https://addons.mozilla.org/firefox/downloads/latest/kunci@kunci.id/latest.xpi";

/// Writes the Linux artefacts into `out`.
pub fn build(root: &Path, out: &Path) -> Result {
    let version = version(root)?;
    let epoch = source_date_epoch(root)?;
    let host = build_host(root)?;
    fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    copy(&host, &out.join(PACKAGE), 0o755)?;

    let extension = crate::extension::build(root)?;
    copy(
        &extension.join("kunci-chromium.zip"),
        &out.join(format!("kunci-extension-{version}-chromium.zip")),
        0o644,
    )?;
    copy(
        &extension.join("kunci-firefox.zip"),
        &out.join(format!("kunci-extension-{version}.xpi")),
        0o644,
    )?;

    let work = root.join("target/deb");
    let extension_id = extension_id(root)?;
    let (chromium, firefox) = host_manifests(&host, &work.join("install"), &extension_id)?;
    let staging = work.join("root");
    stage(
        root,
        &staging,
        &Stage {
            host: &host,
            version: &version,
            epoch,
            chromium_manifest: &chromium,
            firefox_manifest: &firefox,
            chromium_policy: &chromium_policy(
                &extension_id,
                &setting(CHROMIUM_UPDATE_URL_ENV, CHROMIUM_UPDATE_URL)?,
            ),
            firefox_policy: &firefox_policy(
                crate::extension::GECKO_ID,
                &setting(FIREFOX_XPI_URL_ENV, FIREFOX_XPI_URL)?,
            ),
            system_config: &pretty(&super::system_config()?)?,
        },
    )?;
    let deb = out.join(deb_name(&version));
    pack(&staging, &deb, epoch)?;
    println!("dist: {} and {PACKAGE}", deb.display());
    Ok(())
}

/// The `.deb`'s file name for `version`.
fn deb_name(version: &str) -> String {
    format!("{PACKAGE}_{version}_amd64.deb")
}

/// Builds the release helper with paths remapped and symbols stripped; returns its path.
fn build_host(root: &Path) -> Result<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .ok_or("dist.no_home: neither CARGO_HOME nor HOME is set")?;
    // The checkout's and cargo's folders out of panic locations: the binary is the same
    // wherever it is built. `\x1f` separates flags in CARGO_ENCODED_RUSTFLAGS.
    let flags = format!(
        "--remap-path-prefix={}=/kunci\x1f--remap-path-prefix={}=/cargo",
        root.display(),
        cargo_home.display()
    );
    crate::cargo(
        root,
        &["build", "--release", "--locked", "--package", PACKAGE],
        &[
            ("CARGO_PROFILE_RELEASE_STRIP", "symbols"),
            ("CARGO_ENCODED_RUSTFLAGS", flags.as_str()),
        ],
    )?;
    let host = root.join("target/release").join(PACKAGE);
    let bytes = fs::read(&host).map_err(|e| format!("{}: {e}", host.display()))?;
    let checkout = root.display().to_string();
    if contains(&bytes, checkout.as_bytes()) {
        return Err(format!(
            "dist.path_in_binary: {} still names {checkout}: the --remap-path-prefix flags did not apply",
            host.display()
        ));
    }
    Ok(host)
}

/// The workspace version, which the extension's manifest must carry too.
fn version(root: &Path) -> Result<String> {
    let text = read(&root.join("Cargo.toml"))?;
    let cargo: toml::Value = toml::from_str(&text).map_err(|e| format!("Cargo.toml: {e}"))?;
    let version = cargo
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(toml::Value::as_str)
        .ok_or("Cargo.toml has no [workspace.package] version")?
        .to_owned();
    let manifest: Value = serde_json::from_str(&read(&root.join("extension/manifest.json"))?)
        .map_err(|e| format!("extension/manifest.json: {e}"))?;
    let extension = manifest["version"].as_str().unwrap_or("");
    if extension != version {
        return Err(format!(
            "dist.version_mismatch: the workspace is {version} but extension/manifest.json says \
             {extension:?}: give both the same version"
        ));
    }
    Ok(version)
}

/// `SOURCE_DATE_EPOCH`, else the last commit's time.
fn source_date_epoch(root: &Path) -> Result<u64> {
    let text = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v,
        Err(_) => {
            let out = Command::new("git")
                .args(["log", "-1", "--format=%ct"])
                .current_dir(root)
                .output()
                .map_err(|e| format!("cannot run git: {e}"))?;
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        }
    };
    text.trim().parse().map_err(|_| {
        format!(
            "dist.no_epoch: {text:?} is not a time: set SOURCE_DATE_EPOCH (seconds) outside a git checkout"
        )
    })
}

/// The Chromium extension id the committed manifest's `key` pins (`extension/tools/id.mjs`).
fn extension_id(root: &Path) -> Result<String> {
    let out = Command::new("node")
        .arg(root.join("extension/tools/id.mjs"))
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run node extension/tools/id.mjs: {e}"))?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || id.len() != 32 || !id.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
        return Err(format!(
            "node extension/tools/id.mjs gave no extension id ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(id)
}

/// The manifests `kunci-host install` writes (Chromium-style and Firefox-style), run in a
/// throwaway home folder, with `path` set to where the package installs the helper.
fn host_manifests(host: &Path, work: &Path, extension_id: &str) -> Result<(String, String)> {
    fresh_dir(work)?;
    let home = work.join("home");
    let install = |args: &[&str]| -> Result {
        let out = Command::new(host)
            .arg("install")
            .args(args)
            .env("HOME", &home)
            .env("KUNCI_HOST_CONFIG", work.join("host.json"))
            .output()
            .map_err(|e| format!("cannot run {}: {e}", host.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} install {args:?} failed: {}",
                host.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    install(&["--browser", "chromium", "--extension-id", extension_id])?;
    install(&[
        "--browser",
        "firefox",
        "--firefox-id",
        crate::extension::GECKO_ID,
    ])?;
    let chromium = home
        .join(".config/chromium/NativeMessagingHosts")
        .join(MANIFEST_FILE);
    let firefox = home
        .join(".mozilla/native-messaging-hosts")
        .join(MANIFEST_FILE);
    Ok((
        system_manifest(&chromium, "allowed_origins")?,
        system_manifest(&firefox, "allowed_extensions")?,
    ))
}

/// A manifest `kunci-host install` wrote, its `path` set to [`HOST_PATH`]; it must carry
/// `allow_key` (so a Firefox manifest is never taken for a Chromium one).
fn system_manifest(path: &Path, allow_key: &str) -> Result<String> {
    let mut manifest: Value = serde_json::from_str(&read(path)?)
        .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    let names_helper = manifest["path"]
        .as_str()
        .is_some_and(|p| p.ends_with(PACKAGE));
    if !names_helper || !manifest[allow_key].is_array() {
        return Err(format!(
            "{}: not a kunci-host manifest with {allow_key}: {manifest}",
            path.display()
        ));
    }
    manifest["path"] = json!(HOST_PATH);
    pretty(&manifest)
}

/// The Chromium-family policy: offer (install, the holder may disable) the extension.
fn chromium_policy(extension_id: &str, update_url: &str) -> Value {
    json!({ "ExtensionSettings": { extension_id: {
        "installation_mode": "normal_installed",
        "update_url": update_url,
    } } })
}

/// Firefox's policy: offer (install, the holder may remove) the add-on.
fn firefox_policy(addon_id: &str, install_url: &str) -> Value {
    json!({ "policies": { "ExtensionSettings": { addon_id: {
        "installation_mode": "normal_installed",
        "install_url": install_url,
    } } } })
}

/// What goes into the staging tree.
struct Stage<'a> {
    host: &'a Path,
    version: &'a str,
    epoch: u64,
    chromium_manifest: &'a str,
    firefox_manifest: &'a str,
    chromium_policy: &'a Value,
    firefox_policy: &'a Value,
    system_config: &'a str,
}

/// Every file the package installs, relative to `/`, with its mode (directories are 0755).
fn package_files() -> Vec<(String, u32)> {
    let mut files = vec![
        (format!("usr/bin/{PACKAGE}"), 0o755),
        (COPYRIGHT.to_owned(), 0o644),
        (CHANGELOG.to_owned(), 0o644),
        (LINTIAN_OVERRIDES.to_owned(), 0o644),
        (format!("{FIREFOX_HOSTS}/{MANIFEST_FILE}"), 0o644),
        (FIREFOX_POLICY.to_owned(), 0o644),
        (SYSTEM_CONFIG.to_owned(), 0o644),
    ];
    files.extend(
        CHROMIUM_HOSTS
            .iter()
            .map(|d| (format!("{d}/{MANIFEST_FILE}"), 0o644)),
    );
    files.extend(
        CHROMIUM_POLICIES
            .iter()
            .map(|d| (format!("{d}/{CHROMIUM_POLICY_FILE}"), 0o644)),
    );
    files.sort();
    files
}

/// Writes the staging tree: the files, then `DEBIAN/` (control, conffiles, md5sums).
fn stage(root: &Path, staging: &Path, s: &Stage) -> Result {
    fresh_dir(staging)?;
    let policy = pretty(s.chromium_policy)?;
    let firefox_policy = pretty(s.firefox_policy)?;
    let copyright = fs::read(root.join("packaging/linux/copyright"))
        .map_err(|e| format!("packaging/linux/copyright: {e}"))?;
    let overrides = fs::read(root.join("packaging/linux/lintian-overrides"))
        .map_err(|e| format!("packaging/linux/lintian-overrides: {e}"))?;
    let changelog = changelog(s.version, s.epoch)?;
    let host = fs::read(s.host).map_err(|e| format!("{}: {e}", s.host.display()))?;
    for (rel, mode) in package_files() {
        let bytes: &[u8] = if rel.starts_with("usr/bin/") {
            &host
        } else if rel == COPYRIGHT {
            &copyright
        } else if rel == CHANGELOG {
            &changelog
        } else if rel == LINTIAN_OVERRIDES {
            &overrides
        } else if rel == FIREFOX_POLICY {
            firefox_policy.as_bytes()
        } else if rel == SYSTEM_CONFIG {
            s.system_config.as_bytes()
        } else if rel.starts_with(FIREFOX_HOSTS) {
            s.firefox_manifest.as_bytes()
        } else if rel.ends_with(MANIFEST_FILE) {
            s.chromium_manifest.as_bytes()
        } else {
            policy.as_bytes()
        };
        write(&staging.join(&rel), bytes, mode)?;
    }
    let conffiles: Vec<String> = package_files()
        .into_iter()
        .filter(|(rel, _)| rel.starts_with("etc/"))
        .map(|(rel, _)| format!("/{rel}\n"))
        .collect();
    let md5sums = md5sums(
        staging,
        &package_files()
            .into_iter()
            .filter(|(rel, _)| !rel.starts_with("etc/"))
            .map(|(rel, _)| rel)
            .collect::<Vec<_>>(),
    )?;
    let installed_kib: u64 = package_files()
        .iter()
        .map(|(rel, _)| {
            fs::metadata(staging.join(rel))
                .map(|m| m.len().div_ceil(1024))
                .unwrap_or(0)
        })
        .sum();
    let debian = staging.join("DEBIAN");
    write(
        &debian.join("control"),
        control(s.version, installed_kib, &glibc_needed(&host)?).as_bytes(),
        0o644,
    )?;
    write(
        &debian.join("conffiles"),
        conffiles.concat().as_bytes(),
        0o644,
    )?;
    write(&debian.join("md5sums"), md5sums.as_bytes(), 0o644)
}

/// The Debian changelog's one entry, dated `SOURCE_DATE_EPOCH`, gzipped without a name or
/// time (`gzip -9n`) so that it is the same bytes every time.
fn changelog(version: &str, epoch: u64) -> Result<Vec<u8>> {
    let date = output(Command::new("date").args(["-u", "-R", "-d", &format!("@{epoch}")]))?;
    let text = format!(
        "{PACKAGE} ({version}) unstable; urgency=medium\n\n  * Built by `cargo xtask dist` from \
         the kunci sources at this version.\n\n -- kunci <kunci@kunci.id>  {}\n",
        date.trim()
    );
    let mut gzip = Command::new("gzip")
        .args(["-9n", "--stdout"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    if let Some(mut stdin) = gzip.stdin.take() {
        std::io::Write::write_all(&mut stdin, text.as_bytes()).map_err(|e| format!("gzip: {e}"))?;
    }
    let out = gzip.wait_with_output().map_err(|e| format!("gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip exited with {}", out.status));
    }
    Ok(out.stdout)
}

/// The control file.
fn control(version: &str, installed_kib: u64, glibc: &str) -> String {
    format!(
        "Package: {PACKAGE}
Version: {version}
Architecture: amd64
Maintainer: kunci <kunci@kunci.id>
Installed-Size: {installed_kib}
Depends: libc6 (>= {glibc})
Recommends: opensc-pkcs11, pcscd
Suggests: opensc, softhsm2
Section: utils
Priority: optional
Description: kunci's helper for keys and certificates on USB tokens
 kunci-host lets the kunci browser extension make a key on a USB token,
 sign the certificate request there and store the certificate beside the
 key, through the token's PKCS#11 module (OpenSC drives most tokens).
 .
 The package registers the helper with Chromium, Google Chrome, Microsoft
 Edge and Firefox (system-wide native-messaging manifests) and offers the
 kunci extension through each browser's policy.
"
    )
}

/// The newest `GLIBC_2.N` symbol version the binary needs (what dpkg-shlibdeps would find).
fn glibc_needed(binary: &[u8]) -> Result<String> {
    let tag = b"GLIBC_2.";
    let mut newest: Option<Vec<u64>> = None;
    let mut at = 0;
    while let Some(i) = find(&binary[at..], tag) {
        let start = at + i + tag.len() - 2;
        let end = binary[start..]
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b'.'))
            .map_or(binary.len(), |n| start + n);
        let parts: Vec<u64> = String::from_utf8_lossy(&binary[start..end])
            .split('.')
            .map_while(|p| p.parse().ok())
            .collect();
        if parts.len() >= 2 && newest.as_ref().is_none_or(|n| parts > *n) {
            newest = Some(parts);
        }
        at = end.max(at + i + 1);
    }
    newest
        .map(|n| n.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
        .ok_or_else(|| "dist.no_glibc: the helper names no GLIBC_2.* symbol version".to_owned())
}

/// `md5sum` lines for `files` (relative to `dir`), in the given order.
fn md5sums(dir: &Path, files: &[String]) -> Result<String> {
    let out = Command::new("md5sum")
        .args(files)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run md5sum: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "md5sum failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("md5sum: {e}"))
}

/// Packs `staging` into `deb`: every mode and time fixed first, then `dpkg-deb`.
fn pack(staging: &Path, deb: &Path, epoch: u64) -> Result {
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(epoch);
    normalise(staging, time)?;
    let epoch = epoch.to_string();
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zxz", "--threads-max=1", "--build"])
        .arg(staging)
        .arg(deb)
        .env("SOURCE_DATE_EPOCH", &epoch)
        .stdout(std::process::Stdio::null()))
}

/// Sets every folder's mode to 0755 and every entry's time to `time`, deepest first.
fn normalise(dir: &Path, time: SystemTime) -> Result {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            normalise(&path, time)?;
        } else {
            set_time(&path, time)?;
        }
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    set_time(dir, time)
}

fn set_time(path: &Path, time: SystemTime) -> Result {
    fs::File::open(path)
        .and_then(|f| f.set_modified(time))
        .map_err(|e| format!("{}: cannot set its time: {e}", path.display()))
}

/// Writes `bytes` to `path` (making its folders) with `mode`, whatever the umask.
fn write(path: &Path, bytes: &[u8], mode: u32) -> Result {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path, mode: u32) -> Result {
    let bytes = fs::read(from).map_err(|e| format!("{}: {e}", from.display()))?;
    write(to, &bytes, mode)
}

fn fresh_dir(dir: &Path) -> Result {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

/// A URL build setting: the environment variable when set and not empty, else the default;
/// browsers fetch extensions over HTTPS only, so anything else is refused here.
fn setting(env: &str, default: &str) -> Result<String> {
    let value = std::env::var(env)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned());
    let host = value.strip_prefix("https://").unwrap_or("");
    if host.is_empty() || host.starts_with('/') || value.contains(char::is_whitespace) {
        return Err(format!(
            "dist.bad_url: {env} is {value:?}: give an https:// URL (or unset it for {default})"
        ));
    }
    Ok(value)
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && find(haystack, needle).is_some()
}

// ---------------------------------------------------------------------------------------------
// The check: `cargo xtask ci`'s `.deb` step.

/// Builds the Linux artefacts twice and compares them, reads the `.deb` back, installs it,
/// runs the Chromium token walk against the system helper, and purges it (always), checking
/// that nothing the package created is left. Needs root (CI runs as root).
pub fn check(root: &Path) -> Result {
    if !crate::is_root() {
        return Err("dist.not_root: dpkg -i needs root: run this step as root (CI does)".into());
    }
    let out = root.join("target/dist");
    let again = root.join("target/deb/again");
    build(root, &out)?;
    fresh_dir(&again)?;
    build(root, &again)?;
    let version = version(root)?;
    let deb = out.join(deb_name(&version));
    for name in [
        deb_name(&version),
        PACKAGE.to_owned(),
        format!("kunci-extension-{version}-chromium.zip"),
        format!("kunci-extension-{version}.xpi"),
    ] {
        let a = fs::read(out.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        let b = fs::read(again.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        if a != b {
            return Err(format!(
                "dist.not_reproducible: two builds of {name} differ ({} and {} bytes)",
                a.len(),
                b.len()
            ));
        }
    }
    println!("dist: two builds gave the same bytes");
    let listed = inspect(&deb, &version)?;
    lintian(&deb)?;
    install_walk_purge(root, &deb, &listed)
}

/// Checks the control fields and the listing (`dpkg-deb --info/--contents`); returns every
/// path the package holds, folders included, as absolute paths.
fn inspect(deb: &Path, version: &str) -> Result<Vec<PathBuf>> {
    let field = |name: &str| -> Result<String> {
        output(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name))
            .map(|s| s.trim().to_owned())
    };
    for (name, want) in [
        ("Package", PACKAGE),
        ("Version", version),
        ("Architecture", "amd64"),
    ] {
        let got = field(name)?;
        if got != want {
            return Err(format!(
                "{}: {name} is {got:?}, not {want:?}",
                deb.display()
            ));
        }
    }
    let info = output(Command::new("dpkg-deb").arg("--info").arg(deb))?;
    for member in ["control", "conffiles", "md5sums"] {
        if !info
            .lines()
            .any(|l| l.split_whitespace().last() == Some(member))
        {
            return Err(format!(
                "{}: no {member} in dpkg-deb --info:\n{info}",
                deb.display()
            ));
        }
    }
    let contents = output(Command::new("dpkg-deb").arg("--contents").arg(deb))?;
    let mut files = BTreeSet::new();
    let mut listed = Vec::new();
    for line in contents.lines() {
        // drwxr-xr-x root/root 0 2026-12-06 13:00 ./etc/
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (Some(mode), Some(owner), Some(path)) = (cols.first(), cols.get(1), cols.last()) else {
            continue;
        };
        if *owner != "root/root" {
            return Err(format!("{}: {path} is owned by {owner}", deb.display()));
        }
        let rel = path.trim_start_matches("./").trim_end_matches('/');
        if rel.is_empty() {
            continue;
        }
        listed.push(Path::new("/").join(rel));
        if !mode.starts_with('d') {
            files.insert((rel.to_owned(), (*mode).to_owned()));
        }
    }
    let want: BTreeSet<(String, String)> = package_files()
        .into_iter()
        .map(|(rel, mode)| {
            let m = if mode == 0o755 {
                "-rwxr-xr-x"
            } else {
                "-rw-r--r--"
            };
            (rel, m.to_owned())
        })
        .collect();
    if files != want {
        return Err(format!(
            "{}: the package holds {files:?}, expected {want:?}",
            deb.display()
        ));
    }
    println!(
        "dist: {} holds {} files, as expected",
        deb.display(),
        want.len()
    );
    Ok(listed)
}

/// Runs lintian when it is installed (it is not among the CI's packages): errors fail.
fn lintian(deb: &Path) -> Result {
    if crate::which("lintian").is_none() {
        println!("dist: lintian is not installed; skipped");
        return Ok(());
    }
    let out = Command::new("lintian")
        .arg(deb)
        .output()
        .map_err(|e| format!("cannot run lintian: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    if text.lines().any(|l| l.starts_with("E:")) {
        return Err(format!("lintian found errors in {}", deb.display()));
    }
    Ok(())
}

/// `dpkg -i`, the walk on the system helper, `dpkg --purge` (after a failed walk too), and
/// the check that every listed path the package created is gone.
fn install_walk_purge(root: &Path, deb: &Path, listed: &[PathBuf]) -> Result {
    if installed()? {
        println!("dist: {PACKAGE} is installed from an earlier run: purging it first");
        dpkg(&["--purge", PACKAGE])?;
    }
    let existed: BTreeSet<&PathBuf> = listed.iter().filter(|p| p.exists()).collect();
    // An empty folder no package owns (`/etc/opt` on a fresh Debian) is dpkg's to remove
    // when the last package listing it goes: only files and other packages' folders must stay.
    let kept: Vec<&PathBuf> = existed
        .iter()
        .copied()
        .filter(|p| !p.is_dir() || owned_by_a_package(p))
        .collect();
    let deb_arg = deb.display().to_string();
    dpkg(&["-i", &deb_arg])?;
    let walked = installed_helper_walk(root, listed);
    let purged = dpkg(&["--purge", PACKAGE]);
    let left: Vec<String> = listed
        .iter()
        .filter(|p| !existed.contains(p) && p.symlink_metadata().is_ok())
        .map(|p| p.display().to_string())
        .collect();
    let lost: Vec<String> = kept
        .iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    walked?;
    purged?;
    if installed()? {
        return Err(format!("dpkg --purge left {PACKAGE} installed"));
    }
    if !left.is_empty() {
        return Err(format!("dpkg --purge left {}", left.join(", ")));
    }
    if !lost.is_empty() {
        return Err(format!(
            "dpkg --purge removed what was there before: {}",
            lost.join(", ")
        ));
    }
    println!(
        "dist: installed, walked and purged; none of the {} paths the package created is left",
        listed.len() - existed.len()
    );
    Ok(())
}

/// With the package installed: every file is there, the helper runs, and the Chromium token
/// walk passes with no `kunci-host install` (KUNCI_HOST_SYSTEM=1).
fn installed_helper_walk(root: &Path, listed: &[PathBuf]) -> Result {
    if let Some(missing) = listed.iter().find(|p| !p.exists()) {
        return Err(format!("dpkg -i did not install {}", missing.display()));
    }
    let version = output(Command::new(HOST_PATH).arg("--version"))?;
    println!("dist: {HOST_PATH} --version: {}", version.trim());
    // The helper reads the package's system-wide config, for a user with no file of their own.
    let home = root.join("target/deb/home");
    fresh_dir(&home)?;
    let doctor = Command::new(HOST_PATH)
        .arg("doctor")
        .env("HOME", &home)
        .env_remove("KUNCI_HOST_CONFIG")
        .env_remove("KUNCI_HOST_SYSTEM_CONFIG")
        .output()
        .map_err(|e| format!("{HOST_PATH} doctor: {e}"))?;
    let said = String::from_utf8_lossy(&doctor.stdout);
    let expected = format!("system-wide config file /{SYSTEM_CONFIG} is present and readable");
    if !said.contains(&expected) {
        return Err(format!(
            "dist.system_config: `kunci-host doctor` does not read /{SYSTEM_CONFIG}:\n{said}"
        ));
    }
    firefox_reads_policy(&root.join("target/deb/firefox"))?;
    run(Command::new("node")
        .args(["--test", "tests/web/walks/token-key.test.mjs"])
        .current_dir(root)
        .env("KUNCI_HOST_SYSTEM", "1")
        .env("KUNCI_REQUIRE_PACKAGE", "1"))
}

/// When Firefox is installed: a headless start on a fresh profile, with the policy engine's
/// debug log on, reads the package's policies.json and finds the add-on's entry there.
fn firefox_reads_policy(work: &Path) -> Result {
    let Some(firefox) = ["firefox-esr", "firefox"]
        .into_iter()
        .find(|f| crate::which(f).is_some())
    else {
        println!("dist: no Firefox installed; its policy check skipped");
        return Ok(());
    };
    fresh_dir(&work.join("profile"))?;
    write(
        &work.join("profile/user.js"),
        b"user_pref(\"browser.policies.loglevel\", \"debug\");\n\
          user_pref(\"browser.dom.window.dump.enabled\", true);\n",
        0o644,
    )?;
    let out = Command::new("timeout")
        .args(["120", firefox, "--headless", "--no-remote", "-profile"])
        .arg(work.join("profile"))
        .arg("--screenshot")
        .arg(work.join("blank.png"))
        .arg("about:blank")
        .env("HOME", work)
        .output()
        .map_err(|e| format!("cannot run {firefox}: {e}"))?;
    let log = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    let path = format!("policies.json path = /{FIREFOX_POLICY}");
    if !log.contains(&path) || !log.contains(crate::extension::GECKO_ID) {
        return Err(format!(
            "{firefox} did not read /{FIREFOX_POLICY} with the add-on's entry; its log:\n{log}"
        ));
    }
    println!("dist: {firefox} reads /{FIREFOX_POLICY} and its ExtensionSettings entry");
    Ok(())
}

/// Whether an installed package lists `path` (`dpkg-query --search`).
fn owned_by_a_package(path: &Path) -> bool {
    Command::new("dpkg-query")
        .arg("--search")
        .arg(path)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Whether dpkg has the package installed (or its conffiles left).
fn installed() -> Result<bool> {
    let out = Command::new("dpkg-query")
        .args(["--show", "--showformat=${db:Status-Status}", PACKAGE])
        .output()
        .map_err(|e| format!("cannot run dpkg-query: {e}"))?;
    let status = String::from_utf8_lossy(&out.stdout);
    Ok(out.status.success() && !status.trim().is_empty() && status.trim() != "not-installed")
}

/// Runs dpkg, waiting up to 10 minutes while another package manager holds its lock.
fn dpkg(args: &[&str]) -> Result {
    let started = Instant::now();
    loop {
        let out = Command::new("dpkg")
            .args(args)
            .output()
            .map_err(|e| format!("cannot run dpkg: {e}"))?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprint!("{stderr}");
        if out.status.success() {
            return Ok(());
        }
        if !stderr.contains("lock") || started.elapsed() > Duration::from_secs(600) {
            return Err(format!(
                "dpkg {} exited with {}",
                args.join(" "),
                out.status
            ));
        }
        std::thread::sleep(Duration::from_secs(5));
    }
}

/// A command's stdout; an unsuccessful exit is an error with its stderr.
fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{cmd:?} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_glibc_version_is_found_numerically() {
        let binary = b"\0GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_PRIVATE\0GLIBC_2.9\0GLIBC_2.18\0";
        assert_eq!(glibc_needed(binary).as_deref(), Ok("2.34"));
        assert!(glibc_needed(b"no versions").is_err());
    }

    #[test]
    fn every_etc_file_is_a_conffile_and_the_rest_have_md5sums() {
        let files = package_files();
        assert_eq!(files.len(), 13);
        assert!(files.contains(&("usr/bin/kunci-host".to_owned(), 0o755)));
        assert!(
            files
                .iter()
                .all(|(rel, _)| rel.starts_with("etc/") || rel.starts_with("usr/"))
        );
        let etc = files.iter().filter(|(r, _)| r.starts_with("etc/")).count();
        assert_eq!(
            etc, 8,
            "3 Chromium-family manifests, 3 policies, Firefox's policy, the system-wide config"
        );
    }

    #[test]
    fn policies_offer_the_extension_with_the_build_settings_urls() {
        let c = chromium_policy("lkedgilnpaeaifpjefgmjdlmalokkipf", "https://u.example/crx");
        let entry = &c["ExtensionSettings"]["lkedgilnpaeaifpjefgmjdlmalokkipf"];
        assert_eq!(entry["installation_mode"], "normal_installed");
        assert_eq!(entry["update_url"], "https://u.example/crx");
        let f = firefox_policy("kunci@kunci.id", "https://u.example/k.xpi");
        let entry = &f["policies"]["ExtensionSettings"]["kunci@kunci.id"];
        assert_eq!(entry["installation_mode"], "normal_installed");
        assert_eq!(entry["install_url"], "https://u.example/k.xpi");
    }

    #[test]
    fn url_settings_must_be_https() {
        // Names no test sets, so the default is read.
        let ok = setting("KUNCI_DIST_TEST_UNSET_URL", "https://a.example/u");
        assert_eq!(ok.as_deref(), Ok("https://a.example/u"));
        for bad in ["http://a.example/u", "https://", "a.example", "https://a b"] {
            let err = setting("KUNCI_DIST_TEST_UNSET_URL", bad)
                .err()
                .unwrap_or_default();
            assert!(err.starts_with("dist.bad_url:"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_manifest_gets_the_system_path_and_keeps_its_allow_list() {
        let dir = std::env::temp_dir().join(format!("kunci-deb-manifest-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap_or_default();
        let path = dir.join(MANIFEST_FILE);
        let written = json!({
            "name": "id.kunci.host", "type": "stdio",
            "path": "/work/target/release/kunci-host",
            "allowed_origins": ["chrome-extension://lkedgilnpaeaifpjefgmjdlmalokkipf/"],
        });
        fs::write(&path, written.to_string()).unwrap_or_default();
        let text = system_manifest(&path, "allowed_origins").unwrap_or_default();
        let back: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back["path"], HOST_PATH);
        assert_eq!(back["allowed_origins"], written["allowed_origins"]);
        assert!(
            system_manifest(&path, "allowed_extensions").is_err(),
            "a Chromium manifest is not taken for Firefox's"
        );
        fs::remove_dir_all(&dir).unwrap_or_default();
    }

    #[test]
    fn two_packs_of_one_tree_written_at_different_times_are_the_same_bytes() {
        if crate::which("dpkg-deb").is_none() {
            return;
        }
        let base = std::env::temp_dir().join(format!("kunci-deb-pack-{}", std::process::id()));
        let mut debs = Vec::new();
        for round in 0..2u32 {
            let staging = base.join(format!("root{round}"));
            // Different order, different times on disk: the packer must hide both.
            let mut files = vec![("usr/bin/x", 0o755), ("etc/a/b.json", 0o644)];
            if round == 1 {
                files.reverse();
                std::thread::sleep(Duration::from_millis(1100));
            }
            for (rel, mode) in files {
                write(&staging.join(rel), rel.as_bytes(), mode).unwrap_or_default();
            }
            write(
                &staging.join("DEBIAN/control"),
                control("1.0", 1, "2.34").as_bytes(),
                0o644,
            )
            .unwrap_or_default();
            let deb = base.join(format!("t{round}.deb"));
            assert_eq!(pack(&staging, &deb, 1_700_000_000), Ok(()));
            debs.push(fs::read(&deb).unwrap_or_default());
        }
        assert!(!debs[0].is_empty());
        assert_eq!(
            debs[0], debs[1],
            "the same tree packed twice gives the same bytes"
        );
        fs::remove_dir_all(&base).unwrap_or_default();
    }
}
