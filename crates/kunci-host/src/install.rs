//! Installing the host for each browser: the native-messaging manifest `id.kunci.host.json`
//! in each browser's per-user folder (registry keys on Windows), and the host config.
//!
//! Paths are computed for an explicit [`Os`], so the macOS and Windows layouts are unit-tested
//! on any machine even though only the current OS's are ever written. Chromium-family browsers
//! take `allowed_origins: ["chrome-extension://ID/"]`; Firefox takes `allowed_extensions:
//! ["add-on id"]`. On Windows the manifest lives in `%LOCALAPPDATA%\kunci` and each browser
//! finds it through `HKCU\Software\…\NativeMessagingHosts\id.kunci.host`, written with
//! `reg.exe` (no registry crate needed, and nothing Windows-only to compile elsewhere).
//!
//! [`system_place`] gives the system-wide places (for every user) that packages write: the
//! `.msi` on Windows (`HKLM` keys, manifests under `C:\Program Files\kunci`), the `.pkg`
//! layout on macOS (`/Library/…`, documented in `packaging/README.md`; nothing is built for
//! macOS here) and the `.deb` on Linux. `uninstall` removes what `install` wrote: the
//! manifests, the registry keys, and the folders and parent keys left empty.

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
            Place {
                browser,
                manifest: base.join(windows_manifest_file(browser)),
                registry_key: Some(windows_key("HKCU", browser)),
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

/// Where a system-wide package (for every user) puts `browser`'s manifest on `os`, or None
/// where the browser's vendor documents no system-wide place.
///
/// - Windows: the `.msi` installs into `C:\Program Files\kunci\` and writes
///   `HKLM\Software\…\NativeMessagingHosts\id.kunci.host`.
/// - macOS: the `.pkg` (on paper, see `packaging/README.md`) writes into `/Library/…`.
/// - Linux: the `.deb` writes into `/etc/…` and `/usr/lib/mozilla/…`.
pub fn system_place(browser: Browser, os: Os) -> Option<Place> {
    let (manifest, registry_key) = match os {
        Os::Windows => {
            let file = windows_manifest_file(browser);
            let manifest = PathBuf::from(format!(r"{WINDOWS_PROGRAM_DIR}\{file}"));
            (manifest, Some(windows_key("HKLM", browser)))
        }
        Os::MacOs => {
            let dir = match browser {
                Browser::Chrome => "/Library/Google/Chrome/NativeMessagingHosts",
                Browser::Chromium => "/Library/Application Support/Chromium/NativeMessagingHosts",
                Browser::Edge => "/Library/Microsoft/Edge/NativeMessagingHosts",
                Browser::Firefox => "/Library/Application Support/Mozilla/NativeMessagingHosts",
                Browser::Brave => return None,
            };
            (Path::new(dir).join(MANIFEST_FILE), None)
        }
        Os::Linux => {
            let dir = match browser {
                Browser::Chrome => "/etc/opt/chrome/native-messaging-hosts",
                Browser::Chromium => "/etc/chromium/native-messaging-hosts",
                Browser::Edge => "/etc/opt/edge/native-messaging-hosts",
                Browser::Firefox => "/usr/lib/mozilla/native-messaging-hosts",
                Browser::Brave => return None,
            };
            (Path::new(dir).join(MANIFEST_FILE), None)
        }
    };
    Some(Place {
        browser,
        manifest,
        registry_key,
        browser_root: None,
    })
}

/// The folder the Windows `.msi` installs into. The manifests it carries name
/// `C:\Program Files\kunci\kunci-host.exe`, so the folder is fixed (the `.msi` refuses a
/// machine whose Program Files folder is elsewhere).
pub const WINDOWS_PROGRAM_DIR: &str = r"C:\Program Files\kunci";

/// Where the macOS `.pkg` (on paper) puts the helper.
pub const MACOS_PROGRAM: &str = "/Library/Application Support/kunci/kunci-host";

/// The manifest's file name on Windows, where all browsers' manifests share one folder:
/// Firefox's differs in content, so it gets a name of its own.
pub fn windows_manifest_file(browser: Browser) -> &'static str {
    if browser.is_firefox() {
        "id.kunci.host.firefox.json"
    } else {
        MANIFEST_FILE
    }
}

/// `<hive>\Software\<vendor>\NativeMessagingHosts\id.kunci.host`, the key whose default
/// value names the manifest; `hive` is `HKCU` (per user) or `HKLM` (per machine).
pub fn windows_key(hive: &str, browser: Browser) -> String {
    let vendor = match browser {
        Browser::Chrome => r"Google\Chrome",
        Browser::Chromium => "Chromium",
        Browser::Edge => r"Microsoft\Edge",
        Browser::Brave => r"BraveSoftware\Brave-Browser",
        Browser::Firefox => "Mozilla",
    };
    format!(r"{hive}\Software\{vendor}\NativeMessagingHosts\{HOST_NAME}")
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
///
/// What `install` created around them goes too when nothing else is left in it: the folders
/// (`%LOCALAPPDATA%\kunci`, `~/.config/chromium/NativeMessagingHosts`, …, up to but not
/// including the home folder, `~/.config` and the like) and, on Windows, the parent keys
/// (`…\NativeMessagingHosts`, a vendor's key that only held it), up to `HKCU\Software`.
pub fn uninstall(
    manifest_dir: Option<&Path>,
    purge: bool,
    config_path: &Path,
) -> Result<Vec<String>> {
    let mut done = Vec::new();
    let roots = user_roots();
    if let Some(dir) = manifest_dir {
        remove_file(&dir.join(MANIFEST_FILE), &mut done)?;
    } else {
        for p in current_places()? {
            if remove_file(&p.manifest, &mut done)? {
                remove_empty_folders(&p.manifest, &roots, &mut done);
            }
            if let Some(key) = &p.registry_key {
                // A key that is already gone is not an error worth stopping for.
                if reg(&["delete", key, "/f"]).is_ok() {
                    done.push(format!("removed registry key {key}"));
                    remove_empty_parent_keys(key, &mut done);
                }
            }
        }
    }
    if purge && remove_file(config_path, &mut done)? {
        remove_empty_folders(config_path, &roots, &mut done);
    }
    Ok(done)
}

/// Removes `path`; true when it was there. A file already gone is not an error.
fn remove_file(path: &Path, done: &mut Vec<String>) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => {
            done.push(format!("removed {}", path.display()));
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(Error::Io {
            action: "remove",
            path: path.display().to_string(),
            source,
        }),
    }
}

/// The folders under which `uninstall` may remove empty folders (the home folder,
/// `%LOCALAPPDATA%`, `%APPDATA%`), and the ones it never removes even when empty.
struct Roots {
    inside: Vec<PathBuf>,
    keep: Vec<PathBuf>,
}

fn user_roots() -> Roots {
    let mut inside: Vec<PathBuf> = ["LOCALAPPDATA", "APPDATA"]
        .into_iter()
        .filter_map(|v| {
            std::env::var_os(v)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        })
        .collect();
    inside.extend(crate::config::home_dir());
    let mut keep = inside.clone();
    if let Some(home) = crate::config::home_dir() {
        for shared in [
            ".config",
            ".local",
            "AppData",
            "AppData/Local",
            "AppData/Roaming",
            "Library",
            "Library/Application Support",
        ] {
            keep.push(home.join(shared));
        }
    }
    Roots { inside, keep }
}

/// Removes the folders above `file`, nearest first, while each is empty and strictly inside
/// one of the roots.
fn remove_empty_folders(file: &Path, roots: &Roots, done: &mut Vec<String>) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        let inside = roots.inside.iter().any(|r| d.starts_with(r) && d != r);
        if !inside || roots.keep.iter().any(|k| k == d) || std::fs::remove_dir(d).is_err() {
            break;
        }
        done.push(format!("removed folder {}", d.display()));
        dir = d.parent();
    }
}

/// Deletes the keys above `key` (`HKCU\Software\Google\Chrome\NativeMessagingHosts\…`),
/// nearest first, while each holds no value and no subkey, stopping at `<hive>\Software`.
fn remove_empty_parent_keys(key: &str, done: &mut Vec<String>) {
    let mut current = key;
    while let Some((parent, _)) = current.rsplit_once('\\') {
        // `HKCU\Software` has one backslash: never go that high.
        if parent.matches('\\').count() < 2 {
            break;
        }
        let empty =
            reg(&["query", parent]).is_ok_and(|listing| registry_key_is_empty(&listing, parent));
        if !empty || reg(&["delete", parent, "/f"]).is_err() {
            break;
        }
        done.push(format!("removed registry key {parent}"));
        current = parent;
    }
}

/// The long form of a key (`HKCU\X` → `HKEY_CURRENT_USER\X`), as `reg query` prints it.
fn long_key(key: &str) -> String {
    for (short, long) in [
        ("HKCU\\", "HKEY_CURRENT_USER\\"),
        ("HKLM\\", "HKEY_LOCAL_MACHINE\\"),
    ] {
        if let Some(rest) = key.strip_prefix(short) {
            return format!("{long}{rest}");
        }
    }
    key.to_owned()
}

/// True when `reg query <key>`'s listing shows no value and no subkey: every line but
/// blank ones and the key's own name is a value (indented) or a subkey (a longer name).
pub fn registry_key_is_empty(listing: &str, key: &str) -> bool {
    let own = long_key(key);
    listing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .all(|l| l.eq_ignore_ascii_case(&own) || l.eq_ignore_ascii_case(key))
}

/// The data of the default value in `reg query <key> /ve`'s listing (`(Default)  REG_SZ  C:\…`).
pub fn registry_default_value(listing: &str) -> Option<String> {
    listing.lines().find_map(|l| {
        let mut parts = l.trim().splitn(3, "    ");
        let (_name, kind, data) = (parts.next()?, parts.next()?, parts.next()?);
        // An unset default value reads `(Default)    REG_SZ    (value not set)`.
        kind.trim()
            .starts_with("REG_")
            .then(|| data.trim().to_owned())
            .filter(|d| !d.is_empty() && d != "(value not set)")
    })
}

/// This very binary, as the manifests must name it (absolute, symlinks resolved, and on
/// Windows without the `\\?\` prefix: Chrome starts hosts through `cmd.exe`, which refuses it).
pub fn current_exe() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|source| Error::Io {
        action: "locate",
        path: "the kunci-host binary".to_owned(),
        source,
    })?;
    Ok(real_path(&exe).unwrap_or(exe))
}

/// `path` made absolute with symlinks resolved, without Windows' verbatim prefix.
pub fn real_path(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok().map(without_verbatim)
}

/// `\\?\C:\x` → `C:\x` and `\\?\UNC\server\share\x` → `\\server\share\x`: the verbatim
/// form `canonicalize` returns on Windows, which `cmd.exe` refuses to start. Other paths are
/// returned as they are.
pub fn without_verbatim(path: PathBuf) -> PathBuf {
    let Some(text) = path.to_str() else {
        return path;
    };
    if let Some(rest) = text.strip_prefix(r"\\?\UNC\") {
        return PathBuf::from(format!(r"\\{rest}"));
    }
    if let Some(rest) = text.strip_prefix(r"\\?\") {
        let b = rest.as_bytes();
        if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\' {
            return PathBuf::from(rest);
        }
    }
    path
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

    #[test]
    fn the_exe_path_in_manifests_drops_the_windows_verbatim_prefix() {
        let strip = |p: &str| without_verbatim(PathBuf::from(p));
        assert_eq!(
            strip(r"\\?\C:\Program Files\kunci\kunci-host.exe"),
            PathBuf::from(r"C:\Program Files\kunci\kunci-host.exe")
        );
        assert_eq!(
            strip(r"\\?\Z:\tmp\kunci-host.exe"),
            PathBuf::from(r"Z:\tmp\kunci-host.exe")
        );
        assert_eq!(
            strip(r"\\?\UNC\server\share\kunci-host.exe"),
            PathBuf::from(r"\\server\share\kunci-host.exe")
        );
        // Not a drive path after the prefix (a volume GUID): kept, it is the only name there is.
        let volume = r"\\?\Volume{0b2c}\kunci-host.exe";
        assert_eq!(strip(volume), PathBuf::from(volume));
        for plain in [r"C:\kunci\kunci-host.exe", "/usr/bin/kunci-host"] {
            assert_eq!(strip(plain), PathBuf::from(plain));
        }
        let m = manifest_json(&strip(r"\\?\C:\k\kunci-host.exe"), false, "a", "b");
        assert_eq!(m["path"], r"C:\k\kunci-host.exe");
    }

    #[test]
    fn registry_listings_are_read_as_reg_exe_prints_them() {
        let key = r"HKCU\Software\Google\Chrome\NativeMessagingHosts\id.kunci.host";
        let listing = "\r\nHKEY_CURRENT_USER\\Software\\Google\\Chrome\\NativeMessagingHosts\\id.kunci.host\r\n    (Default)    REG_SZ    C:\\Program Files\\kunci\\id.kunci.host.json\r\n\r\n";
        assert_eq!(
            registry_default_value(listing).as_deref(),
            Some(r"C:\Program Files\kunci\id.kunci.host.json")
        );
        assert!(!registry_key_is_empty(listing, key));
        let parent = r"HKCU\Software\Google\Chrome\NativeMessagingHosts";
        let empty = "\r\nHKEY_CURRENT_USER\\Software\\Google\\Chrome\\NativeMessagingHosts\r\n\r\n";
        assert!(registry_key_is_empty(empty, parent));
        assert!(registry_key_is_empty("", parent));
        assert_eq!(registry_default_value(empty), None);
        let unset = "\r\nHKEY_CURRENT_USER\\Software\\Test\r\n    (Default)    REG_SZ    (value not set)\r\n";
        assert_eq!(registry_default_value(unset), None);
        let with_subkey = format!(
            "{empty}HKEY_CURRENT_USER\\Software\\Google\\Chrome\\NativeMessagingHosts\\com.other.host\r\n"
        );
        assert!(!registry_key_is_empty(&with_subkey, parent));
    }

    #[test]
    fn windows_system_places_are_the_msi_folder_and_hklm_keys() {
        let chrome = system_place(Browser::Chrome, Os::Windows).unwrap();
        assert_eq!(
            chrome.manifest,
            PathBuf::from(r"C:\Program Files\kunci\id.kunci.host.json")
        );
        assert_eq!(
            chrome.registry_key.as_deref(),
            Some(r"HKLM\Software\Google\Chrome\NativeMessagingHosts\id.kunci.host")
        );
        let ff = system_place(Browser::Firefox, Os::Windows).unwrap();
        assert_eq!(
            ff.manifest,
            PathBuf::from(r"C:\Program Files\kunci\id.kunci.host.firefox.json")
        );
        assert_eq!(
            ff.registry_key.as_deref(),
            Some(r"HKLM\Software\Mozilla\NativeMessagingHosts\id.kunci.host")
        );
        assert_eq!(
            system_place(Browser::Edge, Os::Windows)
                .unwrap()
                .registry_key
                .as_deref(),
            Some(r"HKLM\Software\Microsoft\Edge\NativeMessagingHosts\id.kunci.host")
        );
    }

    #[test]
    fn macos_pkg_layout_puts_the_helper_and_each_browsers_system_manifest_in_library() {
        assert_eq!(
            MACOS_PROGRAM,
            "/Library/Application Support/kunci/kunci-host"
        );
        let p = |b| system_place(b, Os::MacOs).map(|p| p.manifest);
        assert_eq!(
            p(Browser::Chrome).unwrap(),
            Path::new("/Library/Google/Chrome/NativeMessagingHosts/id.kunci.host.json")
        );
        assert_eq!(
            p(Browser::Chromium).unwrap(),
            Path::new(
                "/Library/Application Support/Chromium/NativeMessagingHosts/id.kunci.host.json"
            )
        );
        assert_eq!(
            p(Browser::Edge).unwrap(),
            Path::new("/Library/Microsoft/Edge/NativeMessagingHosts/id.kunci.host.json")
        );
        assert_eq!(
            p(Browser::Firefox).unwrap(),
            Path::new(
                "/Library/Application Support/Mozilla/NativeMessagingHosts/id.kunci.host.json"
            )
        );
        assert_eq!(
            p(Browser::Brave),
            None,
            "Brave documents no system-wide folder on macOS"
        );
        // Per user, Chromium's folder is the fourth the tests above did not name.
        assert_eq!(
            place(Browser::Chromium, Os::MacOs, Path::new("/Users/budi"), None).manifest,
            Path::new(
                "/Users/budi/Library/Application Support/Chromium/NativeMessagingHosts/id.kunci.host.json"
            )
        );
        // No registry on macOS, and the system-wide manifests are absolute.
        for b in Browser::ALL {
            if let Some(place) = system_place(b, Os::MacOs) {
                assert!(place.registry_key.is_none());
                // (Absolute on macOS: `Path::is_absolute` would ask for a drive on Windows.)
                assert!(place.manifest.to_str().is_some_and(|p| p.starts_with('/')));
            }
        }
    }

    #[test]
    fn linux_system_places_are_where_the_deb_writes() {
        let p = |b| system_place(b, Os::Linux).unwrap().manifest;
        assert_eq!(
            p(Browser::Chromium),
            Path::new("/etc/chromium/native-messaging-hosts/id.kunci.host.json")
        );
        assert_eq!(
            p(Browser::Chrome),
            Path::new("/etc/opt/chrome/native-messaging-hosts/id.kunci.host.json")
        );
        assert_eq!(
            p(Browser::Edge),
            Path::new("/etc/opt/edge/native-messaging-hosts/id.kunci.host.json")
        );
        assert_eq!(
            p(Browser::Firefox),
            Path::new("/usr/lib/mozilla/native-messaging-hosts/id.kunci.host.json")
        );
    }

    #[test]
    fn the_msis_committed_manifests_are_what_install_would_write_there() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/windows");
        let exe = PathBuf::from(format!(r"{WINDOWS_PROGRAM_DIR}\kunci-host.exe"));
        for browser in [Browser::Chrome, Browser::Firefox] {
            let file = dir.join(windows_manifest_file(browser));
            let committed: Value =
                serde_json::from_slice(&std::fs::read(&file).unwrap_or_default())
                    .unwrap_or_default();
            let wanted = manifest_json(
                &exe,
                browser.is_firefox(),
                DEFAULT_EXTENSION_ID,
                DEFAULT_FIREFOX_ID,
            );
            assert_eq!(committed, wanted, "{}", file.display());
        }
    }
}
