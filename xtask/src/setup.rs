//! Installs what kunci's tests need on a fresh Debian machine, each only when missing.
//!
//! Idempotent and quiet when everything is there, so `cargo xtask ci` can always call it:
//! the wasm32 and x86_64-pc-windows-gnu rustup targets; the judges from Debian (`openssl`, `libnss3-tools` for
//! pk12util/certutil, `default-jre-headless` for keytool) and the browser tooling (`chromium`
//! and `chromium-driver` for the browser tests, `binaryen` for `wasm-opt`) through apt-get,
//! which needs root (CI and these machines run as root); `postgresql` for the throwaway test
//! cluster (its `initdb` is not on PATH but in `/usr/lib/postgresql/*/bin`); Python
//! `cryptography`, and pyHanko with its command line (the PDF signature judge), in a venv under
//! `target/pyenv` from PyPI; `poppler-utils` (pdfsig) and `qpdf`, the other PDF judges; `swtpm`, `libtpm2-pkcs11-1` and `libtss2-tcti-swtpm0`, the
//! second PKCS#11 implementation the token tests drive beside SoftHSM2; mingw-w64, Wine, wixl
//! and msitools for the Windows helper and its `.msi`; the browser tests' npm packages in
//! `tests/web/node_modules` by `npm ci` from the committed lock file (playwright-core only: npm
//! never fetches a browser), the bundlers the examples are built with among them (Vite 5, 6
//! and 7 under the aliases vite5, vite6, vite7, Vite 8 as vite, webpack, esbuild: one install).
//! `firefox` is apart, called by `cargo xtask setup` and the steps that drive Firefox
//! (`web::test`, `cargo xtask walk`), not by `ci --quick`: Debian's `firefox-esr` and
//! `geckodriver` built from its crate into `target/tools`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Result, run, which};

/// Debian packages the tests use, and a program each provides (to tell whether it is there;
/// an absolute path names a file instead, for library packages).
const APT_PACKAGES: &[(&str, &str)] = &[
    ("openssl", "openssl"),
    ("libnss3-tools", "pk12util"),
    ("default-jre-headless", "keytool"),
    ("chromium", "chromium"),
    ("chromium-driver", "chromedriver"),
    ("binaryen", "wasm-opt"),
    // The USB-token path: SoftHSM2 is the PKCS#11 token in tests, pkcs11-tool (OpenSC) the judge.
    ("softhsm2", "softhsm2-util"),
    ("opensc", "pkcs11-tool"),
    // The second PKCS#11 implementation the token tests drive (crates/kunci-host/tests/tpm2.rs):
    // tpm2-pkcs11 on a software TPM, reached over TCP through tpm2-tss's swtpm TCTI. The two
    // libraries are told apart by their files.
    ("swtpm", "swtpm"),
    (
        "libtpm2-pkcs11-1",
        "/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so",
    ),
    (
        "libtss2-tcti-swtpm0",
        "/usr/lib/x86_64-linux-gnu/libtss2-tcti-swtpm.so.0",
    ),
    // The PDF signature judges (kunci-core/tests/pdf.rs, kunci-cli/tests/pdf.rs).
    ("poppler-utils", "pdfsig"),
    ("qpdf", "qpdf"),
    // Windows (xtask/src/dist/windows.rs): the mingw-w64 cross toolchain for kunci-host.exe,
    // wixl and msiinfo for the .msi, Wine to run and check both (wine64 has no program on PATH).
    ("mingw-w64", "x86_64-w64-mingw32-gcc"),
    ("wine", "wine"),
    ("wine64", "/usr/lib/wine/wine64"),
    ("wixl", "wixl"),
    ("msitools", "msiinfo"),
];

/// The rustup targets: wasm32 for the browser modules, Windows x86_64 for kunci-host.exe.
const RUSTUP_TARGETS: &[&str] = &["wasm32-unknown-unknown", "x86_64-pc-windows-gnu"];

/// Python packages installed into the venv, pinned to a major version the tests were written for.
/// pyHanko 0.38 needs cryptography 48 or later; both pinned exactly to what the PDF tests were
/// judged with (docs/spikes/pades.md).
const PIP_PACKAGES: &[&str] = &[
    "cryptography>=48,<50",
    "pyhanko==0.38.0",
    "pyhanko-cli==0.6.0",
];

/// Everything, in order.
pub fn all(root: &Path) -> Result {
    rustup_target()?;
    apt_packages()?;
    python_venv(root)?;
    npm_ci(&root.join("tests/web"))
}

/// The venv's interpreter path (whether or not it exists yet).
pub fn venv_python(root: &Path) -> PathBuf {
    root.join("target/pyenv/bin/python")
}

pub fn rustup_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    for target in RUSTUP_TARGETS {
        if !installed.lines().any(|l| l.trim() == *target) {
            println!("setup: rustup target add {target}");
            run(Command::new("rustup").args(["target", "add", target]))?;
        }
    }
    Ok(())
}

fn apt_packages() -> Result {
    let mut missing = missing_packages(APT_PACKAGES);
    // Debian's package also creates the `postgres` user and may start a default cluster on
    // port 5432; we leave that one alone (crate::postgres makes its own on a free port).
    if crate::postgres::bin_dir().is_err() {
        missing.push("postgresql");
    }
    apt_get_install(&missing)
}

/// Installs the Debian packages of `packages` ((package, program it provides)) whose program
/// is missing, with sudo when not root.
pub fn apt_install(packages: &[(&str, &str)]) -> Result {
    apt_get_install(&missing_packages(packages))
}

/// The packages of `packages` ((package, program it provides)) whose program is not on PATH.
fn missing_packages<'a>(packages: &[(&'a str, &str)]) -> Vec<&'a str> {
    packages
        .iter()
        .filter(|(_, bin)| which(bin).is_none())
        .map(|(pkg, _)| *pkg)
        .collect()
}

/// `apt-get update` and `apt-get install` of `missing` (nothing when empty), with sudo when
/// not root.
fn apt_get_install(missing: &[&str]) -> Result {
    if missing.is_empty() {
        return Ok(());
    }
    println!("setup: apt-get install {}", missing.join(" "));
    let sudo = !crate::is_root();
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            Command::new("sudo")
        } else {
            Command::new("apt-get")
        };
        if sudo {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(missing);
    apt(&args)
}

fn python_venv(root: &Path) -> Result {
    let python = venv_python(root);
    let ok = Command::new(&python)
        .args(["-c", "import cryptography, pyhanko, pyhanko.cli"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Ok(());
    }
    let venv = root.join("target/pyenv");
    println!(
        "setup: python3 -m venv {} && pip install {}",
        venv.display(),
        PIP_PACKAGES.join(" ")
    );
    run(Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(PIP_PACKAGES))
}

/// `npm ci` in `dir` (`tests/web`: the test pages' packages; `crates/kunci-wasm/tools`: the
/// package build's esbuild) when its `node_modules` is missing or older than the lock file.
///
/// npm records each install in `node_modules/.package-lock.json`; comparing its time with the
/// lock file's tells whether the lock changed since. Node and npm come with the machine.
pub fn npm_ci(dir: &Path) -> Result {
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (modified(&installed), modified(&lock)) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    println!("setup: npm ci in {}", dir.display());
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefer-offline"])
        .current_dir(dir)
        // playwright-core downloads nothing, but say so in case a dependency ever pulls in
        // `playwright`: its browser download would fail on the closed network.
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}

// ---- Firefox (the token walk in Firefox, tests/web/walks/token-key-firefox.test.mjs) -------

/// Debian's Firefox ESR; its program is `firefox-esr` (the package diverts `/usr/bin/firefox`).
const FIREFOX_PACKAGES: &[(&str, &str)] = &[("firefox-esr", "firefox-esr")];
/// The geckodriver the Firefox walks were written against (WebDriver to Firefox ESR 115+).
const GECKODRIVER_VERSION: &str = "0.37.1";

/// The Firefox walk's browser and driver, each only when missing: `firefox-esr` with apt-get,
/// and `geckodriver` built from its crate with `cargo install --locked` into `target/tools`
/// (no browser or driver download: the crate comes from crates.io like every dependency).
/// A geckodriver of another version there is replaced.
pub fn firefox(root: &Path) -> Result {
    apt_install(FIREFOX_PACKAGES)?;
    let tools = root.join("target/tools");
    let bin = geckodriver_path(root);
    let version = Command::new(&bin)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if version
        .lines()
        .next()
        .is_some_and(|l| l.starts_with(&format!("geckodriver {GECKODRIVER_VERSION}")))
    {
        return Ok(());
    }
    println!(
        "setup: cargo install geckodriver {GECKODRIVER_VERSION} into {}",
        tools.display()
    );
    let started = std::time::Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo)
        .args(["install", "geckodriver", "--locked", "--force", "--version"])
        .arg(format!("={GECKODRIVER_VERSION}"))
        .arg("--root")
        .arg(&tools))?;
    println!(
        "setup: geckodriver built in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Where `firefox` puts geckodriver (tests/web/walks/firefox.mjs looks there too).
pub fn geckodriver_path(root: &Path) -> PathBuf {
    root.join("target/tools/bin/geckodriver")
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
