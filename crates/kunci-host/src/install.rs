//! Installing the host for each browser: the native-messaging manifest `id.kunci.host.json`
//! in each browser's per-user folder (registry keys on Windows), and the host config.
//!
//! Paths are computed for an explicit [`Os`], so the macOS and Windows layouts are unit-tested
//! on any machine even though only the current OS's are ever written. Chromium-family browsers
//! take `allowed_origins: ["chrome-extension://ID/"]`; Firefox takes `allowed_extensions:
//! ["add-on id"]`. On Windows the manifest lives in `%LOCALAPPDATA%\kunci` and each browser
//! finds it through `HKCU\Software\…\NativeMessagingHosts\id.kunci.host`, written with
//! `reg.exe` (no registry crate needed, and nothing Windows-only to compile elsewhere).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::config::{Config, trim_origin};
use crate::error::{Error, Result};

/// The native-messaging host name the extension connects to.
pub const HOST_NAME: &str = "id.kunci.host";

/// The manifest's file name in every browser folder.
pub const MANIFEST_FILE: &str = "id.kunci.host.json";

/// The Chromium extension id allowed to start the host by default.
///
/// It is the id Chromium derives from the `key` in `extension/manifest.json` (`node
/// extension/tools/id.mjs` prints it); a test keeps the two equal.
pub const DEFAULT_EXTENSION_ID: &str = "lkedgilnpaeaifpjefgmjdlmalokkipf";

/// The Firefox add-on id allowed to start the host by default (`browser_specific_settings.
/// gecko.id` in the Firefox manifest `cargo xtask extension` writes).
pub const DEFAULT_FIREFOX_ID: &str = "kunci@kunci.id";

/// The browsers `install` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Browser {
    /// Google Chrome.
    Chrome,
    /// Chromium.
    Chromium,
    /// Microsoft Edge.
    Edge,
    /// Brave.
    Brave,
    /// Mozilla Firefox.
    Firefox,
}

impl Browser {
    /// Every browser, in the order reports list them.
    pub const ALL: [Browser; 5] = [
        Browser::Chrome,
        Browser::Chromium,
        Browser::Edge,
        Browser::Brave,
        Browser::Firefox,
    ];

    /// The browser's name for people.
    pub fn name(self) -> &'static str {
        match self {
            Browser::Chrome => "Google Chrome",
            Browser::Chromium => "Chromium",
            Browser::Edge => "Microsoft Edge",
            Browser::Brave => "Brave",
            Browser::Firefox => "Firefox",
        }
    }

    /// True for Firefox, whose manifest names add-ons rather than extension origins.
    pub fn is_firefox(self) -> bool {
        self == Browser::Firefox
    }
}

/// The operating systems whose folder layouts are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// Linux and other free Unix desktops (XDG layout).
    Linux,
    /// macOS.
    MacOs,
    /// Windows.
    Windows,
}

impl Os {
    /// The OS this binary was built for.
    pub fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::MacOs
        } else {
            Os::Linux
        }
    }
}

/// Where one browser looks for the host's manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The browser.
    pub browser: Browser,
    /// The manifest file.
    pub manifest: PathBuf,
    /// Windows: the registry key whose default value is the manifest's path.
    pub registry_key: Option<String>,
    /// A folder that exists when the browser has been used by this user (None on Windows,
    /// where the registry is the only sign).
    pub browser_root: Option<PathBuf>,
}

/// The per-user place for `browser` on `os`. `home` is the home folder; `local_app_data`
/// is `%LOCALAPPDATA%` (Windows only).
pub fn place(browser: Browser, os: Os, home: &Path, local_app_data: Option<&Path>) -> Place {
    match os {
        Os::Linux => {
            let root = match browser {
                Browser::Chrome => home.join(".config/google-chrome"),
                Browser::Chromium => home.join(".config/chromium"),
                Browser::Edge => home.join(".config/microsoft-edge"),
                Browser::Brave => home.join(".config/BraveSoftware/Brave-Browser"),
                Browser::Firefox => home.join(".mozilla"),
            };
            let folder = if browser.is_firefox() {
                root.join("native-messaging-hosts")
            } else {
                root.join("NativeMessagingHosts")
            };
            Place {
                browser,
                manifest: folder.join(MANIFEST_FILE),
                registry_key: None,
                browser_root: Some(root),
            }
        }
        Os::MacOs => {
            let support = home.join("Library").join("Application Support");
            let root = match browser {
                Browser::Chrome => support.join("Google").join("Chrome"),
                Browser::Chromium => support.join("Chromium"),
                Browser::Edge => support.join("Microsoft Edge"),
                Browser::Brave => support.join("BraveSoftware").join("Brave-Browser"),
                Browser::Firefox => support.join("Mozilla"),
            };
            Place {
                browser,
                manifest: root.join("NativeMessagingHosts").join(MANIFEST_FILE),
                registry_key: None,
                browser_root: Some(root),
            }
        }
        Os::Windows => {
            let base = local_app_data
                .map(Path::to_path_buf)
                .unwrap_or_else(|| home.join("AppData").join("Local"))
                .join("kunci");
            let (file, vendor) = match browser {
                Browser::Chrome => (MANIFEST_FILE, r"Google\Chrome"),
                Browser::Chromium => (MANIFEST_FILE, "Chromium"),
                Browser::Edge => (MANIFEST_FILE, r"Microsoft\Edge"),
                Browser::Brave => (MANIFEST_FILE, r"BraveSoftware\Brave-Browser"),
                Browser::Firefox => ("id.kunci.host.firefox.json", "Mozilla"),
            };
            Place {
                browser,
                manifest: base.join(file),
                registry_key: Some(format!(
                    r"HKCU\Software\{vendor}\NativeMessagingHosts\{HOST_NAME}"
                )),
                browser_root: None,
            }
        }
    }
}

/// The places for every browser on this machine, for the current user.
pub fn current_places() -> Result<Vec<Place>> {
    let home = crate::config::home_dir().ok_or_else(|| Error::ConfigInvalid {
        path: "HOME".to_owned(),
        reason: "the home folder is unknown (HOME / USERPROFILE is not set)".to_owned(),
    })?;
    let local = std::env::var_os("LOCALAPPDATA").map(PathBuf::from);
    Ok(Browser::ALL
        .into_iter()
        .map(|b| place(b, Os::current(), &home, local.as_deref()))
        .collect())
}

/// The manifest a browser reads: Chromium-style (`allowed_origins`) or Firefox-style
/// (`allowed_extensions`).
pub fn manifest_json(exe: &Path, firefox: bool, extension_id: &str, firefox_id: &str) -> Value {
    let mut m = json!({
        "name": HOST_NAME,
        "description": "kunci: keys and certificates on USB tokens for the certificate portal",
        "path": exe.display().to_string(),
        "type": "stdio",
    });
    if firefox {
        m["allowed_extensions"] = json!([firefox_id]);
    } else {
        m["allowed_origins"] = json!([chromium_origin(extension_id)]);
    }
    m
}

/// `chrome-extension://ID/`, the origin form Chromium's manifests require.
pub fn chromium_origin(extension_id: &str) -> String {
    format!("chrome-extension://{}/", extension_id.trim())
}

/// What `install` is asked to do.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Browsers to install for; empty means every browser the user has.
    pub browsers: Vec<Browser>,
    /// Web origins to add to the config's allow-list.
    pub allow_origins: Vec<String>,
    /// The Chromium extension id.
    pub extension_id: String,
    /// The Firefox add-on id.
    pub firefox_id: String,
    /// Write one Chromium-style manifest into this folder instead of the browsers' folders.
    pub manifest_dir: Option<PathBuf>,
    /// The PKCS#11 module to record in the config.
    pub module: Option<PathBuf>,
    /// The config file to write.
    pub config_path: PathBuf,
}

/// Writes the manifests and the config; returns one line per thing written.
pub fn install(opts: &InstallOptions) -> Result<Vec<String>> {
    let exe = current_exe()?;
    let mut done = Vec::new();
    if let Some(dir) = &opts.manifest_dir {
        let path = dir.join(MANIFEST_FILE);
        write_json(
            &path,
            &manifest_json(&exe, false, &opts.extension_id, &opts.firefox_id),
        )?;
        done.push(format!("manifest  {}", path.display()));
    } else {
        let places = current_places()?;
        let explicit = !opts.browsers.is_empty();
        let mut chosen: Vec<&Place> = places
            .iter()
            .filter(|p| {
                if explicit {
                    opts.browsers.contains(&p.browser)
                } else {
                    // Every browser the user has (its folder exists); on Windows, all.
                    p.browser_root.as_ref().is_none_or(|r| r.is_dir())
                }
            })
            .collect();
        if chosen.is_empty() {
            // No browser folder yet: write them all, so a browser installed later finds it.
            chosen = places.iter().collect();
        }
        for p in chosen {
            let manifest = manifest_json(
                &exe,
                p.browser.is_firefox(),
                &opts.extension_id,
                &opts.firefox_id,
            );
            write_json(&p.manifest, &manifest)?;
            if let Some(key) = &p.registry_key {
                reg(&[
                    "add",
                    key,
                    "/ve",
                    "/t",
                    "REG_SZ",
                    "/d",
                    &p.manifest.display().to_string(),
                    "/f",
                ])?;
                done.push(format!(
                    "{:<16}{} (registry {key})",
                    p.browser.name(),
                    p.manifest.display()
                ));
            } else {
                done.push(format!("{:<16}{}", p.browser.name(), p.manifest.display()));
            }
        }
    }

    let mut config = Config::load(&opts.config_path)?.unwrap_or_default();
    for origin in &opts.allow_origins {
        let origin = trim_origin(origin).to_owned();
        if !origin.is_empty()
            && !config
                .allowed_origins
                .iter()
                .any(|o| trim_origin(o) == origin)
        {
            config.allowed_origins.push(origin);
        }
    }
    if let Some(m) = &opts.module {
        config.module = Some(m.clone());
    }
    config.save(&opts.config_path)?;
    done.push(format!("config    {}", opts.config_path.display()));
    if config.allowed_origins.is_empty() {
        done.push(
            "warning: no allowed origins yet: run again with --allow-origin https://<portal>"
                .to_owned(),
        );
    }
    Ok(done)
}

/// Removes the manifests (and registry keys) for every browser, or the one in
/// `manifest_dir`; with `purge`, the config too. Returns one line per thing removed.
pub fn uninstall(
    manifest_dir: Option<&Path>,
    purge: bool,
    config_path: &Path,
) -> Result<Vec<String>> {
    let mut done = Vec::new();
    let mut remove = |path: &Path| -> Result<()> {
        match std::fs::remove_file(path) {
            Ok(()) => {
                done.push(format!("removed {}", path.display()));
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(Error::Io {
                action: "remove",
                path: path.display().to_string(),
                source,
            }),
        }
    };
    if let Some(dir) = manifest_dir {
        remove(&dir.join(MANIFEST_FILE))?;
    } else {
        for p in current_places()? {
            remove(&p.manifest)?;
            if let Some(key) = &p.registry_key {
                // A key that is already gone is not an error worth stopping for.
                let _ = reg(&["delete", key, "/f"]);
            }
        }
    }
    if purge {
        remove(config_path)?;
    }
    Ok(done)
}

/// This very binary, as the manifests must name it (absolute, symlinks resolved).
pub fn current_exe() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|source| Error::Io {
        action: "locate",
        path: "the kunci-host binary".to_owned(),
        source,
    })?;
    Ok(std::fs::canonicalize(&exe).unwrap_or(exe))
}

fn write_json(path: &Path, value: &Value) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            action: "create folder",
            path: dir.display().to_string(),
            source,
        })?;
    }
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    std::fs::write(path, text).map_err(|source| Error::Io {
        action: "write",
        path: path.display().to_string(),
        source,
    })
}

/// Runs `reg.exe` (Windows only; never called elsewhere since only Windows places carry
/// registry keys).
pub(crate) fn reg(args: &[&str]) -> Result<String> {
    let out = Command::new("reg")
        .args(args)
        .output()
        .map_err(|source| Error::Io {
            action: "run",
            path: "reg.exe".to_owned(),
            source,
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(Error::Io {
            action: "update the registry with",
            path: "reg.exe".to_owned(),
            source: std::io::Error::other(String::from_utf8_lossy(&out.stderr).trim().to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_places_follow_each_browsers_folder_layout() {
        let home = Path::new("/home/budi");
        let p = |b| place(b, Os::Linux, home, None).manifest;
        assert_eq!(
            p(Browser::Chromium),
            Path::new("/home/budi/.config/chromium/NativeMessagingHosts/id.kunci.host.json")
        );
        assert_eq!(
            p(Browser::Chrome),
            Path::new("/home/budi/.config/google-chrome/NativeMessagingHosts/id.kunci.host.json")
        );
        assert_eq!(
            p(Browser::Edge),
            Path::new("/home/budi/.config/microsoft-edge/NativeMessagingHosts/id.kunci.host.json")
        );
        assert_eq!(
            p(Browser::Firefox),
            Path::new("/home/budi/.mozilla/native-messaging-hosts/id.kunci.host.json")
        );
    }

    #[test]
    fn macos_places_are_under_application_support() {
        let home = Path::new("/Users/budi");
        let p = |b| place(b, Os::MacOs, home, None).manifest;
        assert_eq!(
            p(Browser::Chrome),
            Path::new(
                "/Users/budi/Library/Application Support/Google/Chrome/NativeMessagingHosts/id.kunci.host.json"
            )
        );
        assert_eq!(
            p(Browser::Firefox),
            Path::new(
                "/Users/budi/Library/Application Support/Mozilla/NativeMessagingHosts/id.kunci.host.json"
            )
        );
        assert_eq!(
            p(Browser::Edge),
            Path::new(
                "/Users/budi/Library/Application Support/Microsoft Edge/NativeMessagingHosts/id.kunci.host.json"
            )
        );
    }

    #[test]
    fn windows_places_use_localappdata_and_hkcu_registry_keys() {
        let local = Path::new("C:/Users/budi/AppData/Local");
        let chrome = place(
            Browser::Chrome,
            Os::Windows,
            Path::new("C:/Users/budi"),
            Some(local),
        );
        assert_eq!(
            chrome.manifest,
            local.join("kunci").join("id.kunci.host.json")
        );
        assert_eq!(
            chrome.registry_key.as_deref(),
            Some(r"HKCU\Software\Google\Chrome\NativeMessagingHosts\id.kunci.host")
        );
        let edge = place(
            Browser::Edge,
            Os::Windows,
            Path::new("C:/Users/budi"),
            Some(local),
        );
        assert_eq!(
            edge.registry_key.as_deref(),
            Some(r"HKCU\Software\Microsoft\Edge\NativeMessagingHosts\id.kunci.host")
        );
        let ff = place(
            Browser::Firefox,
            Os::Windows,
            Path::new("C:/Users/budi"),
            Some(local),
        );
        assert_eq!(
            ff.registry_key.as_deref(),
            Some(r"HKCU\Software\Mozilla\NativeMessagingHosts\id.kunci.host")
        );
        assert_ne!(
            ff.manifest, chrome.manifest,
            "Firefox's manifest differs in content"
        );
    }

    #[test]
    fn manifests_name_extension_origins_for_chromium_and_addon_ids_for_firefox() {
        let exe = Path::new("/opt/kunci/kunci-host");
        let c = manifest_json(exe, false, "abcdefghijklmnopabcdefghijklmnop", "x@y");
        assert_eq!(
            c["allowed_origins"][0],
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"
        );
        assert_eq!(c["type"], "stdio");
        assert!(c.get("allowed_extensions").is_none());
        let f = manifest_json(exe, true, "abc", "kunci@kunci.id");
        assert_eq!(f["allowed_extensions"][0], "kunci@kunci.id");
        assert!(f.get("allowed_origins").is_none());
    }

    #[test]
    fn default_extension_id_has_the_shape_of_a_chromium_id() {
        assert_eq!(DEFAULT_EXTENSION_ID.len(), 32);
        assert!(
            DEFAULT_EXTENSION_ID
                .bytes()
                .all(|b| (b'a'..=b'p').contains(&b))
        );
    }
}
