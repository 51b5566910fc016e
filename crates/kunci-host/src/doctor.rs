//! `kunci-host doctor`: answers "why does my browser not find the helper?" with one line per
//! check, each OK or PROBLEM, and for every problem the command or action that fixes it.
//!
//! Checks, in the order a failure would bite: the config file (present, parseable, with
//! allowed origins), each browser's manifest (present where the browser looks, naming this very
//! binary, executable, allowing the extension; on Windows the ones the registry names, per user
//! in HKCU and for every user in HKLM), the PKCS#11 module (found and loadable), a
//! token present, and the token's PIN state (locked, final try).
//!
//! The same checks answer the native-messaging op `doctor` ([`run_in`], with the host's own
//! module), as data: each check's `id` (the kind of check), `ok`, `code` (a stable
//! `area.reason` for problems), `detail` and `fix` ([`Check::to_json`]).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::config::{Config, ModuleChoice, find_module};
use crate::error::Error;
use crate::install::{self, Place, chromium_origin};
use crate::token::Module;

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// True when all is well.
    pub ok: bool,
    /// What was checked and what was found.
    pub what: String,
    /// How to fix it, for problems.
    pub fix: Option<String>,
    /// The kind of check (`config`, `origins`, `manifest`, `module`, `tokens`, `token`): one
    /// per browser or token may share it.
    pub id: &'static str,
    /// For problems, the stable code (`config.missing`, `module.load_failed`, `pin.locked`…).
    pub code: Option<&'static str>,
}

impl Check {
    fn ok(what: impl Into<String>) -> Check {
        Check {
            ok: true,
            what: what.into(),
            fix: None,
            id: "",
            code: None,
        }
    }

    fn problem(what: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            ok: false,
            what: what.into(),
            fix: Some(fix.into()),
            id: "",
            code: None,
        }
    }

    /// Sets the kind of check and, for a problem, its code.
    fn tagged(mut self, id: &'static str, code: &'static str) -> Check {
        self.id = id;
        if !self.ok {
            self.code = Some(code);
        }
        self
    }

    /// The check as the `doctor` op answers it: `{id, ok, code, detail, fix}` (`code` and
    /// `fix` null when all is well).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "ok": self.ok,
            "code": self.code,
            "detail": self.what,
            "fix": self.fix,
        })
    }

    /// The check as printed: `OK       …` or `PROBLEM  …` with an indented `fix:` line.
    pub fn render(&self) -> String {
        let mut s = format!("{:<9}{}", if self.ok { "OK" } else { "PROBLEM" }, self.what);
        if let Some(fix) = &self.fix {
            s.push_str(&format!("\n         fix: {fix}"));
        }
        s
    }
}

/// What `doctor` checks against.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// The config file.
    pub config_path: PathBuf,
    /// The Chromium extension id that must be allowed.
    pub extension_id: String,
    /// The Firefox add-on id that must be allowed.
    pub firefox_id: String,
    /// Also (or only, when no browser is found) check the manifest in this folder.
    pub manifest_dir: Option<PathBuf>,
}

/// Runs every check (the command `kunci-host doctor`), loading the module itself.
pub fn run(opts: &DoctorOptions) -> Vec<Check> {
    let mut checks = Vec::new();
    let config = checks_before_the_token(opts, &mut checks);
    if let Some(choice) = check_module_found(&config, &mut checks) {
        match Module::load(&choice.path) {
            Ok(module) => check_token(Ok(&module), &choice, &mut checks),
            Err(e) => check_token(Err(e), &choice, &mut checks),
        }
    }
    checks
}

/// Runs every check for the `doctor` op, with the host's own `config` and `module` (as loaded
/// for it): a second load of the same module would finalise it for the host when dropped.
pub fn run_in(opts: &DoctorOptions, config: &Config, module: Result<&Module, Error>) -> Vec<Check> {
    let mut checks = Vec::new();
    checks_before_the_token(opts, &mut checks);
    if let Some(choice) = check_module_found(config, &mut checks) {
        check_token(module, &choice, &mut checks);
    }
    checks
}

/// The config and manifest checks, each tagged with its kind.
fn checks_before_the_token(opts: &DoctorOptions, checks: &mut Vec<Check>) -> Config {
    let config = check_config(&opts.config_path, checks);
    let from = checks.len();
    check_manifests(opts, checks);
    for c in &mut checks[from..] {
        *c = c.clone().tagged("manifest", "manifest.invalid");
    }
    config
}

fn check_config(path: &Path, checks: &mut Vec<Check>) -> Config {
    let system_path = crate::config::system_config_path();
    let system = match Config::load(&system_path) {
        Ok(Some(config)) => {
            checks.push(
                Check::ok(format!(
                    "system-wide config file {} is present and readable",
                    system_path.display()
                ))
                .tagged("system_config", ""),
            );
            Some(config)
        }
        Ok(None) => None,
        Err(e) => {
            checks.push(
                Check::problem(
                    e.to_string(),
                    format!(
                        "fix the JSON in {}, or reinstall the kunci-host package",
                        system_path.display()
                    ),
                )
                .tagged("system_config", "config.invalid"),
            );
            None
        }
    };
    let shown = path.display();
    let user = match Config::load(path) {
        Ok(Some(config)) => {
            checks.push(
                Check::ok(format!("config file {shown} is present and readable"))
                    .tagged("config", ""),
            );
            Some(config)
        }
        // No file of the user's is fine when the installer's file allows a portal.
        Ok(None)
            if system
                .as_ref()
                .is_some_and(|c| !c.allowed_origins.is_empty()) =>
        {
            None
        }
        Ok(None) => {
            checks.push(
                Check::problem(
                    format!("config file {shown} is missing"),
                    "kunci-host install --allow-origin https://<the portal's address>",
                )
                .tagged("config", "config.missing"),
            );
            None
        }
        Err(e) => {
            checks.push(
                Check::problem(
                    e.to_string(),
                    format!(
                        "fix the JSON in {shown}, or delete it and run kunci-host install again"
                    ),
                )
                .tagged("config", "config.invalid"),
            );
            None
        }
    };
    let config = Config::merged(system, user);
    if config.allowed_origins.is_empty() {
        checks.push(
            Check::problem(
                "no allowed origins in the config: the host refuses every portal",
                "kunci-host install --allow-origin https://<the portal's address>",
            )
            .tagged("origins", "config.no_origin"),
        );
    } else {
        checks.push(
            Check::ok(format!(
                "allowed origins: {}",
                config.allowed_origins.join(", ")
            ))
            .tagged("origins", ""),
        );
    }
    config
}

fn check_manifests(opts: &DoctorOptions, checks: &mut Vec<Check>) {
    let exe = install::current_exe().ok();
    let mut seen = 0;
    if let Some(dir) = &opts.manifest_dir {
        seen += 1;
        let path = dir.join(install::MANIFEST_FILE);
        checks.push(check_manifest(
            "the manifest",
            &path,
            false,
            exe.as_deref(),
            opts,
        ));
    }
    let places = install::current_places().unwrap_or_default();
    for place in &places {
        let Place {
            browser,
            manifest,
            registry_key,
            browser_root,
        } = place;
        let name = browser.name();
        if registry_key.is_some() {
            // Windows: a registry key points the browser at the manifest, per user (HKCU,
            // `kunci-host install`) or for every user (HKLM, the .msi). Chrome reads HKCU
            // first, then HKLM; both are checked.
            let machine = install::system_place(*browser, install::Os::Windows);
            let keys = registry_key.iter().map(|k| (k.clone(), "per user")).chain(
                machine
                    .and_then(|m| m.registry_key)
                    .map(|k| (k, "all users")),
            );
            for (key, scope) in keys {
                let Some(path) = install::reg(&["query", &key, "/ve"])
                    .ok()
                    .and_then(|l| install::registry_default_value(&l))
                else {
                    continue;
                };
                seen += 1;
                checks.push(check_manifest(
                    &format!("{name} ({scope}, {key})"),
                    Path::new(&path),
                    browser.is_firefox(),
                    exe.as_deref(),
                    opts,
                ));
            }
            continue;
        }
        if manifest.is_file() {
            seen += 1;
            checks.push(check_manifest(
                name,
                manifest,
                browser.is_firefox(),
                exe.as_deref(),
                opts,
            ));
        } else if browser_root.as_ref().is_some_and(|r| r.is_dir()) {
            seen += 1;
            checks.push(Check::problem(
                format!(
                    "{name} is installed but has no manifest at {}",
                    manifest.display()
                ),
                format!(
                    "kunci-host install --browser {}",
                    format!("{browser:?}").to_lowercase()
                ),
            ));
        }
    }
    if seen == 0 {
        checks.push(Check::problem(
            "no browser has the host's manifest",
            "kunci-host install (or --browser chrome|chromium|edge|brave|firefox)",
        ));
    }
}

fn check_manifest(
    name: &str,
    path: &Path,
    firefox: bool,
    exe: Option<&Path>,
    opts: &DoctorOptions,
) -> Check {
    let shown = path.display();
    let reinstall = "kunci-host install (it rewrites the manifest)";
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return Check::problem(format!("{name}: cannot read {shown}: {e}"), reinstall),
    };
    let m: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Check::problem(format!("{name}: {shown} is not JSON: {e}"), reinstall),
    };
    if m["name"] != install::HOST_NAME || m["type"] != "stdio" {
        return Check::problem(
            format!(
                "{name}: {shown} does not describe {} (stdio)",
                install::HOST_NAME
            ),
            reinstall,
        );
    }
    let Some(target) = m["path"].as_str().map(PathBuf::from) else {
        return Check::problem(format!("{name}: {shown} has no path"), reinstall);
    };
    let target_real = install::real_path(&target);
    if target_real.is_none() {
        return Check::problem(
            format!(
                "{name}: the manifest names {}, which does not exist",
                target.display()
            ),
            reinstall,
        );
    }
    if let Some(exe) = exe
        && target_real.as_deref() != Some(exe)
    {
        return Check::problem(
            format!(
                "{name}: the manifest names {}, not this binary ({})",
                target.display(),
                exe.display()
            ),
            "run `kunci-host install` from the binary you mean to keep",
        );
    }
    if !is_executable(&target) {
        return Check::problem(
            format!("{name}: {} is not executable", target.display()),
            format!("chmod +x {}", target.display()),
        );
    }
    let (field, wanted) = if firefox {
        ("allowed_extensions", opts.firefox_id.clone())
    } else {
        ("allowed_origins", chromium_origin(&opts.extension_id))
    };
    let allowed = m[field]
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(wanted.as_str())));
    if !allowed {
        return Check::problem(
            format!("{name}: {shown} does not allow {wanted} in {field}"),
            "kunci-host install --extension-id <the extension's id> (or --firefox-id)",
        );
    }
    Check::ok(format!(
        "{name}: manifest {shown} names this binary and allows {wanted}"
    ))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Which module would be used; None (and a problem) when there is none.
fn check_module_found(config: &Config, checks: &mut Vec<Check>) -> Option<ModuleChoice> {
    match find_module(config) {
        Ok(c) => Some(c),
        Err(e) => {
            checks.push(
                Check::problem(
                    e.to_string(),
                    "install OpenSC (or the token's driver), or set \"module\" in the config",
                )
                .tagged("module", "module.not_found"),
            );
            None
        }
    }
}

fn check_token(module: Result<&Module, Error>, choice: &ModuleChoice, checks: &mut Vec<Check>) {
    let module = match module {
        Ok(m) => {
            checks.push(
                Check::ok(format!(
                    "PKCS#11 module {} (from {}) loads",
                    choice.path.display(),
                    choice.source
                ))
                .tagged("module", ""),
            );
            m
        }
        Err(e) => {
            let code = e.code();
            checks.push(
                Check::problem(
                    e.to_string(),
                    "reinstall the token's driver, or point \"module\" in the config at the right file",
                )
                .tagged("module", code),
            );
            return;
        }
    };
    let tokens = match module.tokens() {
        Ok(t) => t,
        Err(e) => {
            let code = e.code();
            checks.push(
                Check::problem(
                    format!("cannot list tokens: {e}"),
                    "unplug and replug the token; on Linux check that pcscd is running",
                )
                .tagged("tokens", code),
            );
            return;
        }
    };
    if tokens.is_empty() {
        checks.push(
            Check::problem(
                "no token is present",
                "plug the token in (on Linux, check that pcscd is running)",
            )
            .tagged("tokens", "token.absent"),
        );
        return;
    }
    for t in tokens {
        let who = format!("token {} (serial {})", t.label, t.serial);
        let check = if t.pin_locked {
            Check::problem(
                format!("{who}: the PIN is locked"),
                "unblock the PIN with the PUK or the token vendor's tool",
            )
            .tagged("token", "pin.locked")
        } else if t.pin_final_try {
            Check::problem(
                format!("{who}: one wrong PIN more locks it"),
                "make sure of the PIN before the next try",
            )
            .tagged("token", "pin.final_try")
        } else {
            let note = if t.pin_count_low {
                " (a wrong PIN was entered recently)"
            } else {
                ""
            };
            Check::ok(format!("{who} is present, PIN not locked{note}")).tagged("token", "")
        };
        checks.push(check);
    }
}
