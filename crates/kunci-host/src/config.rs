//! The host's configuration: which web origins may use it and which PKCS#11 module to load,
//! where that file lives on each OS, and how the module is found when none is named.
//!
//! The file is `~/.config/kunci/host.json` (`%APPDATA%\kunci\host.json` on Windows), or the
//! path in `KUNCI_HOST_CONFIG`: `{"allowed_origins": ["https://ams.example.go.id"],
//! "module": null}`. Module discovery goes config `module`, then `KUNCI_PKCS11_MODULE`, then
//! the well-known paths of [`well_known_modules`] (this OS's only); a module named explicitly (config or
//! environment) that does not exist is an error rather than a silent fall-through, so that a
//! typo is reported instead of another token's module being used.
//!
//! An agency's installer (the `.deb`, the `.msi`) can also ship a system-wide file, read
//! under the user's: `/etc/kunci/host.json` on Linux, `/Library/Application
//! Support/kunci/host.json` on macOS, `%ProgramData%\kunci\host.json` on Windows (or the path
//! in `KUNCI_HOST_SYSTEM_CONFIG`). Its origins are added to the user's, and its module is used
//! when the user's file names none ([`Config::merged`]). So the portal's address can be set
//! once at install time, and no holder has to run `kunci-host install --allow-origin`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::origin::Origin;

/// Environment variable overriding the config file's path.
pub const CONFIG_ENV: &str = "KUNCI_HOST_CONFIG";
/// Environment variable overriding the system-wide config file's path.
pub const SYSTEM_CONFIG_ENV: &str = "KUNCI_HOST_SYSTEM_CONFIG";
/// Environment variable naming the PKCS#11 module (after the config's `module`).
pub const MODULE_ENV: &str = "KUNCI_PKCS11_MODULE";

/// The PKCS#11 modules looked for when neither the config nor the environment names one, on
/// `os` (`std::env::consts::OS`: `linux`, `macos`, `windows`; other Unix systems get Linux's),
/// in order. OpenSC first (it drives most smart cards and many USB tokens), then vendor
/// modules for tokens OpenSC does not drive itself.
/// Indonesian certificate holders (BSrE and other CAs) commonly receive SafeNet eToken,
/// Thales/Gemalto IDPrime or Feitian ePass tokens, which need these vendor modules.
///
/// One list per OS: under Wine a Linux path such as `/usr/lib/…/opensc-pkcs11.so` resolves
/// through drive `Z:`, and on Windows a path without a drive would resolve on the current
/// drive, so another OS's path must never be tried.
pub fn well_known_modules(os: &str) -> &'static [&'static str] {
    match os {
        "windows" => &[
            r"C:\Windows\System32\opensc-pkcs11.dll",
            r"C:\Program Files\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll",
            r"C:\Windows\System32\eTPKCS11.dll",
            r"C:\Windows\System32\IDPrimePKCS11.dll",
            r"C:\Windows\System32\ShuttleCsp11_3003.dll",
        ],
        "macos" => &[
            "/Library/OpenSC/lib/opensc-pkcs11.so",
            "/opt/homebrew/lib/opensc-pkcs11.so",
            "/usr/local/lib/opensc-pkcs11.so",
            "/usr/local/lib/libeTPkcs11.dylib",
            "/usr/local/lib/libIDPrimePKCS11.dylib",
            "/usr/local/lib/libcastle.1.dylib",
        ],
        _ => &[
            // OpenSC
            "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
            "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
            "/usr/lib/opensc-pkcs11.so",
            "/usr/lib64/opensc-pkcs11.so",
            "/usr/local/lib/opensc-pkcs11.so",
            // SafeNet Authentication Client (eToken)
            "/usr/lib/libeTPkcs11.so",
            // Thales / Gemalto IDPrime
            "/usr/lib/libIDPrimePKCS11.so",
            // Feitian ePass (castle)
            "/usr/lib/libcastle.so.1",
            "/usr/local/lib/libcastle.so.1",
        ],
    }
}

/// The host's configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Web origins (`https://ams.example.go.id`) whose requests are answered.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// The PKCS#11 module to load; `null` for discovery.
    #[serde(default)]
    pub module: Option<PathBuf>,
}

impl Config {
    /// Reads the config at `path`. A missing file is `Ok(None)`; an unreadable or unparseable
    /// one is [`Error::ConfigInvalid`].
    pub fn load(path: &Path) -> Result<Option<Config>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::ConfigInvalid {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::ConfigInvalid {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
    }

    /// Writes the config to `path`, making its folder.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                action: "create folder",
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut text = serde_json::to_string_pretty(self).map_err(|e| Error::ConfigInvalid {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        text.push('\n');
        std::fs::write(path, text).map_err(|source| Error::Io {
            action: "write",
            path: path.display().to_string(),
            source,
        })
    }

    /// The system-wide config under the user's: the origins of both (system first, each once),
    /// and the user's module, else the system's.
    pub fn merged(system: Option<Config>, user: Option<Config>) -> Config {
        let (system, user) = (system.unwrap_or_default(), user.unwrap_or_default());
        let mut allowed_origins = system.allowed_origins;
        for origin in user.allowed_origins {
            if !allowed_origins.contains(&origin) {
                allowed_origins.push(origin);
            }
        }
        Config {
            allowed_origins,
            module: user.module.or(system.module),
        }
    }

    /// The allow-list, parsed: the entries that are origins. An entry that is not (a typo, a
    /// path after the host) is left out, since no browser could send it; `doctor` shows the
    /// file's entries as written.
    pub fn allowed(&self) -> Vec<Origin> {
        self.allowed_origins
            .iter()
            .filter_map(|o| Origin::parse(o).ok())
            .collect()
    }

    /// True when `origin` is on the allow-list: an exact match once both are parsed (which
    /// trims a trailing `/`: browsers and people write `https://a.example/` and
    /// `https://a.example`).
    pub fn allows(&self, origin: &Origin) -> bool {
        self.allowed().contains(origin)
    }
}

/// An origin without its trailing slash (the form compared and stored).
pub fn trim_origin(origin: &str) -> &str {
    origin.trim().trim_end_matches('/')
}

/// The config file's path: `KUNCI_HOST_CONFIG`, else the per-OS default (None when the home
/// folder is unknown).
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    default_config_path()
}

/// `~/.config/kunci/host.json`, or `%APPDATA%\kunci\host.json` on Windows.
pub fn default_config_path() -> Option<PathBuf> {
    if cfg!(windows) {
        std::env::var_os("APPDATA").map(|a| PathBuf::from(a).join("kunci").join("host.json"))
    } else {
        home_dir().map(|h| h.join(".config").join("kunci").join("host.json"))
    }
}

/// The system-wide config file's path: `KUNCI_HOST_SYSTEM_CONFIG`, else
/// [`default_system_config_path`] for this OS.
pub fn system_config_path() -> PathBuf {
    if let Some(p) = std::env::var_os(SYSTEM_CONFIG_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let program_data = std::env::var_os("ProgramData").map(PathBuf::from);
    default_system_config_path(std::env::consts::OS, program_data.as_deref())
}

/// Where an installer puts the system-wide config on `os` (`std::env::consts::OS`'s names);
/// on Windows under `program_data` (`%ProgramData%`, `C:\ProgramData` when unknown).
pub fn default_system_config_path(os: &str, program_data: Option<&Path>) -> PathBuf {
    match os {
        "windows" => program_data
            .unwrap_or(Path::new(r"C:\ProgramData"))
            .join("kunci")
            .join("host.json"),
        "macos" => PathBuf::from("/Library/Application Support/kunci/host.json"),
        _ => PathBuf::from("/etc/kunci/host.json"),
    }
}

/// The config the host runs with: the system-wide file under the user's
/// ([`Config::merged`]). A missing file counts as empty; a broken one is skipped and named in
/// the returned note (the browser keeps the host's stderr in its log), as is having no
/// allowed origin at all.
pub fn load_effective() -> (Config, Option<String>) {
    let mut notes = Vec::new();
    let mut read = |path: Option<PathBuf>| match path.map(|p| Config::load(&p)) {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            notes.push(e.to_string());
            None
        }
        None => {
            notes.push("the user's config path is unknown (no HOME)".to_owned());
            None
        }
    };
    let system = read(Some(system_config_path()));
    let user = read(config_path());
    let config = Config::merged(system, user);
    if config.allowed_origins.is_empty() {
        notes.push(format!(
            "no allowed origin in {} or {}: run `kunci-host install --allow-origin …`",
            config_path().unwrap_or_default().display(),
            system_config_path().display()
        ));
    }
    (config, (!notes.is_empty()).then(|| notes.join("; ")))
}

/// The user's home folder (`HOME`, or `USERPROFILE` on Windows).
pub fn home_dir() -> Option<PathBuf> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(var)
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Where a module was found, for `hello` and `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleChoice {
    /// The module's path.
    pub path: PathBuf,
    /// How it was chosen: `config`, `KUNCI_PKCS11_MODULE` or `well-known path`.
    pub source: &'static str,
}

/// Finds the PKCS#11 module: config `module`, `KUNCI_PKCS11_MODULE`, then the well-known
/// paths. [`Error::ModuleNotFound`] says which was tried.
pub fn find_module(config: &Config) -> Result<ModuleChoice> {
    let env = std::env::var_os(MODULE_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    find_module_in(
        config.module.as_deref(),
        env.as_deref(),
        well_known_modules(std::env::consts::OS),
    )
}

fn find_module_in(
    configured: Option<&Path>,
    env: Option<&Path>,
    well_known: &[&str],
) -> Result<ModuleChoice> {
    for (named, source) in [(configured, "config"), (env, MODULE_ENV)] {
        if let Some(path) = named {
            return if path.is_file() {
                Ok(ModuleChoice {
                    path: path.to_owned(),
                    source,
                })
            } else {
                Err(Error::ModuleNotFound(format!(
                    "the PKCS#11 module {} (from {source}) does not exist: install the token's \
                     driver or fix the path",
                    path.display()
                )))
            };
        }
    }
    well_known
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(|p| ModuleChoice {
            path: p.to_owned(),
            source: "well-known path",
        })
        .ok_or_else(|| {
            Error::ModuleNotFound(
                "no PKCS#11 module found: install OpenSC or the token's driver, or set \
                 `module` in the host config (or KUNCI_PKCS11_MODULE)"
                    .to_owned(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_config_adds_origins_and_a_module_under_the_users() {
        let system = Config {
            allowed_origins: vec!["https://ams.bsre.go.id".into(), "https://b.example".into()],
            module: Some("/usr/lib/system.so".into()),
        };
        let user = Config {
            allowed_origins: vec!["https://b.example".into(), "https://c.example".into()],
            module: None,
        };
        let merged = Config::merged(Some(system.clone()), Some(user.clone()));
        assert_eq!(
            merged.allowed_origins,
            [
                "https://ams.bsre.go.id",
                "https://b.example",
                "https://c.example"
            ]
        );
        assert_eq!(merged.module, system.module);
        let own = Config {
            module: Some("/opt/own.so".into()),
            ..user
        };
        assert_eq!(
            Config::merged(Some(system.clone()), Some(own)).module,
            Some(PathBuf::from("/opt/own.so"))
        );
        assert_eq!(Config::merged(None, None), Config::default());
        assert_eq!(Config::merged(Some(system.clone()), None), system);
    }

    #[test]
    fn the_system_config_is_where_each_installer_writes_it() {
        let windows = default_system_config_path("windows", Some(Path::new(r"D:\Data")));
        assert_eq!(
            windows,
            Path::new(r"D:\Data").join("kunci").join("host.json")
        );
        assert!(default_system_config_path("windows", None).starts_with(r"C:\ProgramData"));
        assert_eq!(
            default_system_config_path("macos", None),
            Path::new("/Library/Application Support/kunci/host.json")
        );
        assert_eq!(
            default_system_config_path("linux", None),
            Path::new("/etc/kunci/host.json")
        );
    }

    #[test]
    fn origins_match_exactly_with_or_without_trailing_slash() {
        let c = Config {
            allowed_origins: vec!["https://ams.example.go.id/".into()],
            module: None,
        };
        let allows = |o: &str| Origin::parse(o).is_ok_and(|o| c.allows(&o));
        assert!(allows("https://ams.example.go.id"));
        assert!(allows("https://ams.example.go.id/"));
        assert!(!allows("https://ams.example.go.id.evil.test"));
        assert!(!allows("http://ams.example.go.id"));
        assert!(!allows(""));
    }

    #[test]
    fn named_module_that_is_missing_is_an_error_not_a_fall_through() {
        let e =
            find_module_in(Some(Path::new("/nonexistent/p11.so")), None, &["/bin/sh"]).unwrap_err();
        assert_eq!(e.code(), "module.not_found");
        let e =
            find_module_in(None, Some(Path::new("/nonexistent/p11.so")), &["/bin/sh"]).unwrap_err();
        assert!(e.to_string().contains(MODULE_ENV));
    }

    #[test]
    fn discovery_takes_config_then_env_then_first_existing_well_known_path() {
        let sh = Path::new("/bin/sh");
        let ls = Path::new("/bin/ls");
        assert_eq!(
            find_module_in(Some(sh), Some(ls), &[]).unwrap().source,
            "config"
        );
        assert_eq!(find_module_in(None, Some(ls), &[]).unwrap().path, ls);
        let found = find_module_in(None, None, &["/nonexistent", "/bin/sh"]).unwrap();
        assert_eq!(found.path, sh);
        assert_eq!(
            find_module_in(None, None, &["/nonexistent"])
                .unwrap_err()
                .code(),
            "module.not_found"
        );
    }

    #[test]
    fn well_known_modules_are_each_oss_own() {
        for p in well_known_modules("windows") {
            assert!(p.starts_with(r"C:\") && p.ends_with(".dll"), "{p}");
        }
        for os in ["linux", "macos", "freebsd"] {
            for p in well_known_modules(os) {
                assert!(p.starts_with('/') && !p.ends_with(".dll"), "{p}");
            }
        }
        assert!(
            well_known_modules("macos")
                .iter()
                .all(|p| !p.starts_with("/usr/lib/"))
        );
        assert!(
            well_known_modules("linux")
                .iter()
                .all(|p| !p.contains("dylib") && !p.starts_with("/Library"))
        );
    }
}
