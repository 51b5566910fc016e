//! The Windows artefacts of `cargo xtask dist`, `kunci-host.exe` and the `.msi`, and their
//! checks under Wine (the CI step "Windows: kunci-host.exe and the .msi under Wine").
//!
//! - `kunci-host.exe`: `cargo build --release --target x86_64-pc-windows-gnu`, linked by
//!   Debian's mingw-w64 with `+crt-static` (set through the environment of that one cargo
//!   call, so no `.cargo/config` changes other builds), stripped, and its DLL imports checked
//!   against the DLLs every Windows 10 has.
//! - `kunci-host-<version>-x64.msi`: `wixl -a x64` on `packaging/windows/kunci.wxs`, with the
//!   exe and the two committed manifests of `packaging/windows/` staged beside it.
//! - [`check`] (`cargo xtask dist --check-windows`, a step of `cargo xtask ci`): a Wine
//!   prefix of its own under `target/wine/`, a persistent wineserver, and the test-only
//!   `bcryptprimitives.dll` stand-in (`packaging/windows/test/`: Wine 8 lacks the DLL that
//!   Rust's std takes randomness from; never shipped). Then the exe's framing
//!   (also through Chrome's `cmd /d /c` launch form), `install` / `doctor` / `uninstall`
//!   against HKCU, and the `.msi` through `msiexec /i` and `/x` against HKLM and
//!   `C:\Program Files\kunci`, each judged by Wine's own `reg query` and by the files in the
//!   prefix.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::{Result, cargo, run};

/// The Rust target of the Windows helper.
pub const TARGET: &str = "x86_64-pc-windows-gnu";
const LINKER: &str = "x86_64-w64-mingw32-gcc";
const STRIP: &str = "x86_64-w64-mingw32-strip";
const OBJDUMP: &str = "x86_64-w64-mingw32-objdump";

/// The DLLs `kunci-host.exe` may import: all part of Windows 10 and later. A new MinGW DLL
/// (libgcc, winpthread) would fail the build here rather than on a holder's machine.
const ALLOWED_DLLS: &[&str] = &[
    "kernel32.dll",
    "ntdll.dll",
    "msvcrt.dll",
    "bcryptprimitives.dll",
];

/// Writes `kunci-host.exe` and `kunci-host-<version>-x64.msi` into `out`.
pub fn build(root: &Path, out: &Path) -> Result {
    let exe = exe(root, out)?;
    msi(root, out, &exe)?;
    Ok(())
}

/// The `.msi`'s file name for this version.
pub fn msi_name() -> String {
    format!("kunci-host-{}-x64.msi", env!("CARGO_PKG_VERSION"))
}

/// Cross-builds, strips and checks `out/kunci-host.exe`.
fn exe(root: &Path, out: &Path) -> Result<PathBuf> {
    let rustflags = "-C target-feature=+crt-static";
    cargo(
        root,
        &[
            "build",
            "--release",
            "--locked",
            "--package",
            "kunci-host",
            "--target",
            TARGET,
        ],
        &[
            ("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER", LINKER),
            ("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS", rustflags),
        ],
    )?;
    let built = root
        .join("target")
        .join(TARGET)
        .join("release/kunci-host.exe");
    let dest = out.join("kunci-host.exe");
    run(Command::new(STRIP).arg("-o").arg(&dest).arg(&built))?;
    let dump = Command::new(OBJDUMP)
        .arg("-p")
        .arg(&dest)
        .output()
        .map_err(|e| format!("{OBJDUMP}: {e} (install mingw-w64: cargo xtask setup)"))?;
    let imports = dll_imports(&String::from_utf8_lossy(&dump.stdout));
    let foreign: Vec<&String> = imports
        .iter()
        .filter(|d| !ALLOWED_DLLS.contains(&d.as_str()) && !d.starts_with("api-ms-win-"))
        .collect();
    if imports.is_empty() || !foreign.is_empty() {
        return Err(format!(
            "{}: imports {foreign:?} (of {imports:?}), which Windows does not have: link them \
             statically",
            dest.display()
        ));
    }
    Ok(dest)
}

/// The DLL names (lower case) in `objdump -p`'s import table.
fn dll_imports(dump: &str) -> Vec<String> {
    let mut dlls: Vec<String> = dump
        .lines()
        .filter_map(|l| l.trim().strip_prefix("DLL Name:"))
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    dlls.sort();
    dlls.dedup();
    dlls
}

/// Builds `out/kunci-host-<version>-x64.msi` with wixl from a staging folder holding the exe
/// and the committed manifests.
fn msi(root: &Path, out: &Path, exe: &Path) -> Result {
    let src = root.join("packaging/windows");
    let stage = root.join("target/windows-msi");
    let _ = fs::remove_dir_all(&stage);
    fs::create_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    let copy = |from: &Path, name: &str| {
        fs::copy(from, stage.join(name))
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", from.display()))
    };
    copy(exe, "kunci-host.exe")?;
    for manifest in ["id.kunci.host.json", "id.kunci.host.firefox.json"] {
        copy(&src.join(manifest), manifest)?;
    }
    let config = super::pretty(&super::system_config()?)?;
    fs::write(stage.join("host.json"), config).map_err(|e| format!("{}: {e}", stage.display()))?;
    let msi = out.join(msi_name());
    run(Command::new("wixl")
        .current_dir(&stage)
        .args(["-a", "x64", "-D"])
        .arg(format!("Version={}", env!("CARGO_PKG_VERSION")))
        .arg("-o")
        .arg(&msi)
        .arg(src.join("kunci.wxs")))
}

/// The browsers whose keys `install` (HKCU) and the `.msi` (HKLM) write, with the vendor
/// part of the key and whether the manifest is Firefox's.
const BROWSERS: &[(&str, bool)] = &[
    (r"Google\Chrome", false),
    ("Chromium", false),
    (r"Microsoft\Edge", false),
    (r"BraveSoftware\Brave-Browser", false),
    ("Mozilla", true),
];

/// The Chromium extension id the committed manifests allow (kunci-host's
/// `DEFAULT_EXTENSION_ID`, which a kunci-host test keeps equal to the committed files).
const EXTENSION_ORIGIN: &str = "chrome-extension://lkedgilnpaeaifpjefgmjdlmalokkipf/";
const ORIGIN: &str = "https://ams.example.go.id";

/// `cargo xtask ci`'s Windows step: builds both artefacts, then runs every check under Wine.
pub fn check(root: &Path) -> Result {
    let out = root.join("target/dist");
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let t = Instant::now();
    build(root, &out)?;
    println!(
        "windows: exe and .msi built in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let wine = Wine::start(root)?;
    println!(
        "windows: Wine prefix ready in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let exe = out.join("kunci-host.exe");
    let checks: [(&str, &dyn Fn() -> Result); 3] = [
        (
            "framing (hello, module.not_found, request.too_large, EOF, cmd /d /c)",
            &|| framing(&wine, &exe),
        ),
        ("install, doctor, uninstall (HKCU)", &|| {
            install_doctor_uninstall(&wine, &exe)
        }),
        ("the .msi (msiexec /i, HKLM, doctor, msiexec /x)", &|| {
            msi_install_and_remove(&wine, &out.join(msi_name()), &exe)
        }),
    ];
    for (name, check) in checks {
        let t = Instant::now();
        check()?;
        println!(
            "windows: {name} under Wine: OK in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// A Wine prefix under `target/wine/` with a persistent wineserver (stopped on drop).
struct Wine {
    prefix: PathBuf,
    work: PathBuf,
}

impl Wine {
    /// Uses `target/wine/prefix`, or makes it (`wineboot --init`, 5-30 s) when missing or
    /// when a failed run left kunci in it; installs the stand-in DLL and starts a persistent
    /// wineserver.
    fn start(root: &Path) -> Result<Wine> {
        let work = root.join("target/wine");
        let prefix = work.join("prefix");
        let wine = Wine { prefix, work };
        let dll = wine.stand_in_dll(root)?;
        let leftovers = wine.prefix.join("drive_c/Program Files/kunci").exists()
            || fs::read_to_string(wine.prefix.join("user.reg"))
                .is_ok_and(|r| r.contains("id.kunci.host"))
            || fs::read_to_string(wine.prefix.join("system.reg"))
                .is_ok_and(|r| r.contains("id.kunci.host"));
        if leftovers {
            println!("windows: the Wine prefix holds kunci from a failed run: made again");
            wine.stop_server();
            let _ = fs::remove_dir_all(&wine.prefix);
        }
        let fresh = !wine.prefix.join("system.reg").is_file();
        fs::create_dir_all(&wine.prefix).map_err(|e| format!("{}: {e}", wine.prefix.display()))?;
        // Persistent while the checks run (each Wine start then takes ~0.02 s instead of
        // ~2.6 s), and for 60 s at most after the last one should this process die.
        run(wine
            .command("wineserver")
            .arg("-p60")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()))?;
        if fresh {
            let boot = wine.run(&["wineboot", "--init"], None)?;
            if !boot.status.success() {
                return Err(format!("wineboot --init failed: {}", text(&boot.stderr)));
            }
        }
        let system32 = wine
            .prefix
            .join("drive_c/windows/system32/bcryptprimitives.dll");
        fs::copy(&dll, &system32).map_err(|e| format!("{}: {e}", system32.display()))?;
        Ok(wine)
    }

    /// Builds the test-only `bcryptprimitives.dll` (exports `ProcessPrng`) with mingw.
    fn stand_in_dll(&self, root: &Path) -> Result<PathBuf> {
        fs::create_dir_all(&self.work).map_err(|e| format!("{}: {e}", self.work.display()))?;
        let src = root.join("packaging/windows/test");
        let dll = self.work.join("bcryptprimitives.dll");
        run(Command::new(LINKER)
            .args(["-O2", "-shared", "-static-libgcc", "-o"])
            .arg(&dll)
            .arg(src.join("bcryptprimitives.c"))
            .arg(src.join("bcryptprimitives.def"))
            .arg("-ladvapi32"))?;
        Ok(dll)
    }

    /// `program` with this prefix's environment and none of kunci's own variables.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("KUNCI_HOST_CONFIG")
            .env_remove("KUNCI_PKCS11_MODULE");
        cmd
    }

    /// `wine <args>` with `stdin` as input. Standard streams go through files, never pipes:
    /// Wine's background processes inherit the handles they start under, and a pipe kept
    /// open by them would never reach end of file.
    fn run_env(&self, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Result<Output> {
        let io = |name: &str| self.work.join(name);
        let input = match stdin {
            Some(bytes) => {
                fs::write(io("stdin"), bytes).map_err(|e| format!("stdin: {e}"))?;
                Stdio::from(fs::File::open(io("stdin")).map_err(|e| format!("stdin: {e}"))?)
            }
            None => Stdio::null(),
        };
        let file = |name: &str| -> Result<Stdio> {
            fs::File::create(io(name))
                .map(Stdio::from)
                .map_err(|e| format!("{name}: {e}"))
        };
        let mut cmd = self.command("wine");
        cmd.args(args)
            .stdin(input)
            .stdout(file("stdout")?)
            .stderr(file("stderr")?);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let status = cmd.status().map_err(|e| {
            format!(
                "wine {}: {e} (cargo xtask setup installs Wine)",
                args.join(" ")
            )
        })?;
        let read = |name: &str| fs::read(io(name)).map_err(|e| format!("{name}: {e}"));
        Ok(Output {
            status,
            stdout: read("stdout")?,
            stderr: read("stderr")?,
        })
    }

    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<Output> {
        self.run_env(args, stdin, &[])
    }

    /// Runs and requires success; returns stdout.
    fn ok(&self, args: &[&str]) -> Result<String> {
        let out = self.run(args, None)?;
        if out.status.success() {
            Ok(text(&out.stdout))
        } else {
            Err(format!(
                "wine {} exited with {}: {}{}",
                args.join(" "),
                out.status,
                text(&out.stdout),
                text(&out.stderr)
            ))
        }
    }

    /// Every key under the browsers' vendor keys of `hive` (`HKCU` or `HKLM`), with its
    /// default value: one `reg query <root> /s` per vendor (each Wine start of reg.exe costs
    /// 0.1-0.7 s, so keys are not queried one by one).
    fn registry(&self, hive: &str) -> Result<Registry> {
        let mut keys = Registry::new();
        for root in VENDOR_ROOTS {
            let root = format!(r"{hive}\Software\{root}");
            let out = self.run(&["reg", "query", &root, "/s"], None)?;
            if out.status.success() {
                read_listing(&text(&out.stdout), &mut keys);
            }
        }
        Ok(keys)
    }

    /// The Unix path of a Windows path in this prefix (`C:\x` → `<prefix>/drive_c/x`,
    /// `Z:\x` → `/x`).
    fn unix(&self, windows: &str) -> PathBuf {
        let rest = windows[2..].replace('\\', "/");
        match windows.get(..2).map(str::to_ascii_uppercase).as_deref() {
            Some("Z:") => PathBuf::from(rest),
            _ => self
                .prefix
                .join("drive_c")
                .join(rest.trim_start_matches('/')),
        }
    }
}

impl Wine {
    /// `wineserver -k`: ends this prefix's wineserver and every Wine process in it.
    fn stop_server(&self) {
        let _ = self
            .command("wineserver")
            .arg("-k")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Wine {
    fn drop(&mut self) {
        self.stop_server();
    }
}

/// The Windows form of a Unix path, through Wine's drive `Z:`.
fn z_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A native-messaging frame: 4-byte little-endian length, then the JSON.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = u32::try_from(body.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes()
        .to_vec();
    f.extend_from_slice(body);
    f
}

fn frame_json(v: &Value) -> Vec<u8> {
    frame(v.to_string().as_bytes())
}

/// The replies in a host's output, and the bytes left over after the last whole frame.
fn replies(mut bytes: &[u8]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    while bytes.len() >= 4 {
        let n = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        let body = bytes
            .get(4..4 + n)
            .ok_or_else(|| format!("a reply is cut short: {n} bytes announced"))?;
        out.push(serde_json::from_slice(body).map_err(|e| format!("a reply is not JSON: {e}"))?);
        bytes = &bytes[4 + n..];
    }
    if !bytes.is_empty() {
        return Err(format!("{} stray bytes after the replies", bytes.len()));
    }
    Ok(out)
}

fn expect(ok: bool, what: &str, seen: &dyn std::fmt::Debug) -> Result {
    if ok {
        Ok(())
    } else {
        Err(format!("{what}; got {seen:?}"))
    }
}

/// hello, `module.not_found`, `request.too_large` and end of file inside a message, straight
/// and through Chrome's launch form.
fn framing(wine: &Wine, exe: &Path) -> Result {
    let config = wine.work.join("host.json");
    let module = r"C:\nonexistent\p11.dll";
    fs::write(
        &config,
        json!({"allowed_origins": [ORIGIN], "module": module}).to_string(),
    )
    .map_err(|e| format!("{}: {e}", config.display()))?;
    let config_z = z_path(&config);
    let env = [("KUNCI_HOST_CONFIG", config_z.as_str())];
    let exe_z = z_path(exe);
    let caller = EXTENSION_ORIGIN;

    // hello, then list_tokens: the configured module does not exist.
    let mut input = frame_json(&json!({"id": 1, "op": "hello", "params": {"protocol": 1}}));
    input.extend(frame_json(
        &json!({"id": 2, "op": "list_tokens", "origin": ORIGIN, "params": {}}),
    ));
    let out = wine.run_env(&[&exe_z, caller], Some(&input), &env)?;
    let r = replies(&out.stdout)?;
    expect(
        out.status.success() && r.len() == 2,
        "hello + list_tokens: two replies",
        &r,
    )?;
    expect(
        r[0]["ok"] == true
            && r[0]["result"]["protocol"] == 1
            && r[0]["result"]["host"] == env!("CARGO_PKG_VERSION"),
        "hello answers protocol 1 and the host's version",
        &r[0],
    )?;
    expect(
        r[1]["ok"] == false
            && r[1]["error"]["code"] == "module.not_found"
            && r[1]["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(module)),
        "list_tokens without the module: module.not_found naming it",
        &r[1],
    )?;

    // No module configured and none at Windows' well-known paths: hello says null (a Linux
    // path, which Wine would reach through Z:, is never tried on Windows).
    fs::write(&config, json!({"allowed_origins": [ORIGIN]}).to_string())
        .map_err(|e| format!("{}: {e}", config.display()))?;
    let out = wine.run_env(
        &[&exe_z, caller],
        Some(&frame_json(&json!({"id": 1, "op": "hello"}))),
        &env,
    )?;
    let r = replies(&out.stdout)?;
    expect(
        r.len() == 1 && r[0]["result"]["module"].is_null(),
        "hello with no module anywhere: module null",
        &r,
    )?;

    // A header announcing 2 MiB: request.too_large, and the host stops.
    let mut input = (2u32 * 1024 * 1024).to_le_bytes().to_vec();
    input.extend(frame_json(&json!({"id": 3, "op": "hello"})));
    let out = wine.run_env(&[&exe_z, caller], Some(&input), &env)?;
    let r = replies(&out.stdout)?;
    expect(
        r.len() == 1 && r[0]["error"]["code"] == "request.too_large" && r[0]["id"].is_null(),
        "a 2 MiB header: request.too_large",
        &r,
    )?;

    // End of file inside a message: no reply, a line on stderr, exit 0.
    let mut input = 100u32.to_le_bytes().to_vec();
    input.extend_from_slice(br#"{"id":4,"op":"hel"#);
    let out = wine.run_env(&[&exe_z, caller], Some(&input), &env)?;
    expect(
        out.stdout.is_empty()
            && out.status.success()
            && text(&out.stderr).contains("the stream ended inside a message"),
        "end of file inside a message: no reply, said on stderr",
        &(out.status, text(&out.stderr)),
    )?;

    // Chrome's own launch form, with a body holding CR, LF and Ctrl-Z (cmd's redirections
    // must keep the bytes as they are).
    let odd = format!("a\r\nb\u{1a}c{}", "x".repeat(200_000));
    let mut input =
        frame_json(&json!({"id": 5, "op": "hello", "params": {"protocol": 1, "extension": odd}}));
    input.extend(frame_json(
        &json!({"id": 6, "op": "list_tokens", "origin": ORIGIN}),
    ));
    let r = chrome_launch(wine, &exe_z, &input, &env)?;
    expect(
        r.len() == 2
            && r[0]["id"] == 5
            && r[0]["ok"] == true
            && r[1]["id"] == 6
            && r[1]["error"]["code"] == "module.not_found",
        "through cmd /d /c: both replies, every byte intact",
        &r,
    )?;
    Ok(())
}

/// Starts `program` (a Windows path) the way Chrome does on Windows and returns its replies
/// to `input`: `%COMSPEC% /d /c ""<program>" chrome-extension://ID/ --parent-window=0 < in >
/// out"` (native_process_launcher_win.cc), with files in place of Chrome's pipes. The line
/// is run from a batch file, so that cmd gets it exactly as Chrome writes it (Wine would
/// escape the inner quotes of an argument given from Linux).
fn chrome_launch(
    wine: &Wine,
    program: &str,
    input: &[u8],
    env: &[(&str, &str)],
) -> Result<Vec<Value>> {
    let inp = wine.work.join("chrome-in.bin");
    let outp = wine.work.join("chrome-out.bin");
    let bat = wine.work.join("chrome-launch.bat");
    fs::write(&inp, input).map_err(|e| format!("{}: {e}", inp.display()))?;
    let _ = fs::remove_file(&outp);
    let line = format!(
        "@echo off\r\n%COMSPEC% /d /c \"\"{program}\" {EXTENSION_ORIGIN} --parent-window=0 < {} > {}\"\r\n",
        z_path(&inp),
        z_path(&outp)
    );
    fs::write(&bat, line).map_err(|e| format!("{}: {e}", bat.display()))?;
    let out = wine.run_env(&["cmd", "/d", "/c", &z_path(&bat)], None, env)?;
    let bytes =
        fs::read(&outp).map_err(|e| format!("{}: {e}: {}", outp.display(), text(&out.stdout)))?;
    expect(
        out.status.success(),
        "cmd /d /c exits 0",
        &text(&out.stdout),
    )?;
    replies(&bytes)
}

/// True when a line of `doctor`'s report is OK and contains `needle`.
fn ok_line(report: &str, needle: &str) -> bool {
    report
        .lines()
        .any(|l| l.starts_with("OK ") && l.contains(needle))
}

/// The HKCU key of one browser.
fn hkcu(vendor: &str) -> String {
    format!(r"HKCU\Software\{vendor}\NativeMessagingHosts\id.kunci.host")
}

/// Registry keys (short form, `HKCU\…`, lower case) and their default values.
type Registry = std::collections::BTreeMap<String, Option<String>>;

/// The vendor keys under `Software` that kunci's keys live in (Edge's below Microsoft's,
/// which is Windows' own).
const VENDOR_ROOTS: &[&str] = &[
    "Google",
    "Chromium",
    r"Microsoft\Edge",
    "BraveSoftware",
    "Mozilla",
];

/// Adds the keys of a `reg query … /s` listing to `keys`: a line `HKEY_…` opens a key, an
/// indented `(Default)    REG_SZ    data` line is its default value.
fn read_listing(listing: &str, keys: &mut Registry) {
    let mut current: Option<String> = None;
    for line in listing.lines() {
        if line.starts_with("HKEY_") {
            let key = line
                .trim()
                .replacen("HKEY_CURRENT_USER", "HKCU", 1)
                .replacen("HKEY_LOCAL_MACHINE", "HKLM", 1)
                .to_ascii_lowercase();
            keys.entry(key.clone()).or_insert(None);
            current = Some(key);
        } else if let Some(key) = &current {
            let mut parts = line.trim().splitn(3, "    ");
            if let (Some("(Default)"), Some(kind), Some(data)) =
                (parts.next(), parts.next(), parts.next())
                && kind.starts_with("REG_")
                && data.trim() != "(value not set)"
            {
                keys.insert(key.clone(), Some(data.trim().to_owned()));
            }
        }
    }
}

/// The default value of `key` in a snapshot (None when the key or the value is missing).
fn default_of<'a>(keys: &'a Registry, key: &str) -> Option<&'a str> {
    keys.get(&key.to_ascii_lowercase())?.as_deref()
}

/// After a removal the registry must be exactly as before the install: nothing of kunci's
/// left, no parent key it created, nothing else touched.
fn check_as_before(before: &Registry, after: &Registry, what: &str) -> Result {
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let lost: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    expect(
        added.is_empty() && lost.is_empty(),
        &format!("{what} leaves the registry as it was"),
        &(added, lost),
    )
}

/// Reads the manifest a registry key names (a Windows path in the prefix) and checks it:
/// the host's name, stdio, `exe` as its path (exactly: no `\\?\` prefix), and the extension
/// allowed (the add-on id for Firefox, the extension's origin for the others).
fn check_manifest(wine: &Wine, windows_path: &str, exe: &str, firefox: bool) -> Result {
    let path = wine.unix(windows_path);
    let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let m: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let allowed = if firefox {
        m["allowed_extensions"] == json!([crate::extension::GECKO_ID])
    } else {
        m["allowed_origins"] == json!([EXTENSION_ORIGIN])
    };
    expect(
        m["name"] == "id.kunci.host" && m["type"] == "stdio" && m["path"] == exe && allowed,
        &format!("{windows_path} names {exe} and allows the extension"),
        &m,
    )
}

/// `install` writes HKCU keys and manifests, `doctor` reports them, `uninstall` removes keys,
/// files, the folders and the parent keys it created.
fn install_doctor_uninstall(wine: &Wine, exe: &Path) -> Result {
    let exe_z = z_path(exe);
    let keys: Vec<String> = BROWSERS.iter().map(|(v, _)| hkcu(v)).collect();
    let before = wine.registry("HKCU")?;
    let said = wine.ok(&[
        &exe_z,
        "install",
        "--allow-origin",
        ORIGIN,
        "--module",
        r"C:\nonexistent\p11.dll",
    ])?;
    for key in &keys {
        expect(
            said.contains(&format!("(registry {key})")),
            &format!("install names {key}"),
            &said,
        )?;
    }
    let mut local_dir = None;
    let installed = wine.registry("HKCU")?;
    for ((_, firefox), key) in BROWSERS.iter().zip(&keys) {
        let manifest =
            default_of(&installed, key).ok_or_else(|| format!("install did not write {key}"))?;
        check_manifest(wine, manifest, &exe_z, *firefox)?;
        expect(
            manifest.contains(r"\AppData\Local\kunci\"),
            "the manifest is in %LOCALAPPDATA%\\kunci",
            &manifest,
        )?;
        local_dir = wine.unix(manifest).parent().map(Path::to_path_buf);
    }
    let doctor = wine.run(&[&exe_z, "doctor"], None)?;
    let report = text(&doctor.stdout);
    for key in &keys {
        expect(
            ok_line(&report, &format!("per user, {key}): manifest")),
            &format!("doctor reports {key}"),
            &report,
        )?;
    }
    expect(
        !doctor.status.success() && report.contains(r"C:\nonexistent\p11.dll"),
        "doctor fails on the missing module and names it",
        &report,
    )?;
    let said = wine.ok(&[&exe_z, "uninstall", "--purge"])?;
    for key in &keys {
        expect(
            said.contains(&format!("removed registry key {key}")),
            &format!("uninstall lists {key}"),
            &said,
        )?;
    }
    expect(
        said.contains(r"\AppData\Local\kunci") && said.contains(r"\AppData\Roaming\kunci"),
        "uninstall lists the folders it removed",
        &said,
    )?;
    check_as_before(&before, &wine.registry("HKCU")?, "uninstall")?;
    if let Some(dir) = local_dir {
        expect(!dir.exists(), "%LOCALAPPDATA%\\kunci is removed", &dir)?;
    }
    Ok(())
}

/// `msiexec /i` puts the files and HKLM keys where the browsers read them; the installed exe
/// answers and its `doctor` reads HKLM; `msiexec /x` leaves nothing.
fn msi_install_and_remove(wine: &Wine, msi: &Path, exe: &Path) -> Result {
    let msi_z = z_path(msi);
    let keys: Vec<String> = BROWSERS
        .iter()
        .map(|(v, _)| format!(r"HKLM\Software\{v}\NativeMessagingHosts\id.kunci.host"))
        .collect();
    let before = wine.registry("HKLM")?;
    wine.ok(&["msiexec", "/i", &msi_z, "/qn"])?;
    let dir = wine.prefix.join("drive_c/Program Files/kunci");
    let installed =
        fs::read(dir.join("kunci-host.exe")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let built = fs::read(exe).map_err(|e| format!("{}: {e}", exe.display()))?;
    expect(
        installed == built,
        "the installed exe is the built one",
        &installed.len(),
    )?;
    let program = r"C:\Program Files\kunci\kunci-host.exe";
    let installed = wine.registry("HKLM")?;
    for ((_, firefox), key) in BROWSERS.iter().zip(&keys) {
        let manifest =
            default_of(&installed, key).ok_or_else(|| format!("msiexec did not write {key}"))?;
        let file = if *firefox {
            "id.kunci.host.firefox.json"
        } else {
            "id.kunci.host.json"
        };
        expect(
            manifest == format!(r"C:\Program Files\kunci\{file}"),
            &format!("{key} names the installed manifest"),
            &manifest,
        )?;
        check_manifest(wine, manifest, program, *firefox)?;
    }
    // The installed exe, started the way Chrome starts it (quoted path with a space).
    let r = chrome_launch(
        wine,
        program,
        &frame_json(&json!({"id": 7, "op": "hello"})),
        &[],
    )?;
    expect(
        r.len() == 1 && r[0]["id"] == 7 && r[0]["ok"] == true,
        "the installed exe answers hello",
        &r,
    )?;
    let report = text(&wine.run(&[program, "doctor"], None)?.stdout);
    let system_config = wine.prefix.join("drive_c/ProgramData/kunci/host.json");
    expect(
        system_config.is_file()
            && report
                .contains(r"system-wide config file C:\ProgramData\kunci\host.json is present"),
        "msiexec /i writes the system-wide config and the exe reads it",
        &report,
    )?;
    for key in &keys {
        expect(
            ok_line(&report, &format!("all users, {key}): manifest")),
            &format!("the installed exe's doctor reports {key}"),
            &report,
        )?;
    }
    wine.ok(&["msiexec", "/x", &msi_z, "/qn"])?;
    expect(
        !dir.exists(),
        "msiexec /x removes C:\\Program Files\\kunci",
        &dir,
    )?;
    expect(
        !system_config.exists(),
        "msiexec /x removes C:\\ProgramData\\kunci\\host.json",
        &system_config,
    )?;
    check_as_before(&before, &wine.registry("HKLM")?, "msiexec /x")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dll_imports_are_read_from_objdump_and_lowered() {
        let dump = "\tDLL Name: KERNEL32.dll\n\tvma:  Hint/Ord Member-Name\n\tDLL Name: api-ms-win-core-synch-l1-2-0.dll\n\tDLL Name: kernel32.dll\n";
        assert_eq!(
            dll_imports(dump),
            ["api-ms-win-core-synch-l1-2-0.dll", "kernel32.dll"]
        );
    }

    #[test]
    fn registry_listings_are_read_into_keys_and_default_values() {
        let listing = "\r\nHKEY_LOCAL_MACHINE\\Software\\Google\r\n\r\nHKEY_LOCAL_MACHINE\\Software\\Google\\Chrome\\NativeMessagingHosts\\id.kunci.host\r\n    (Default)    REG_SZ    C:\\Program Files\\kunci\\id.kunci.host.json\r\n\r\nHKEY_LOCAL_MACHINE\\Software\\Google\\Update\r\n    (Default)    REG_SZ    (value not set)\r\n    path    REG_SZ    C:\\x\r\n";
        let mut keys = Registry::new();
        read_listing(listing, &mut keys);
        assert_eq!(keys.len(), 3);
        assert_eq!(
            default_of(
                &keys,
                r"HKLM\Software\Google\Chrome\NativeMessagingHosts\id.kunci.host"
            ),
            Some(r"C:\Program Files\kunci\id.kunci.host.json")
        );
        assert_eq!(default_of(&keys, r"HKLM\Software\Google\Update"), None);
        assert!(keys.contains_key(r"hklm\software\google"));
        let mut after = keys.clone();
        after.remove(r"hklm\software\google\update");
        assert!(check_as_before(&keys, &after, "x").is_err());
        assert!(check_as_before(&keys, &keys, "x").is_ok());
    }

    #[test]
    fn the_committed_manifests_name_the_msis_folder_and_the_extension() {
        let dir = crate::root().join("packaging/windows");
        for (file, field, allowed) in [
            ("id.kunci.host.json", "allowed_origins", EXTENSION_ORIGIN),
            (
                "id.kunci.host.firefox.json",
                "allowed_extensions",
                crate::extension::GECKO_ID,
            ),
        ] {
            let m: Value = serde_json::from_slice(&fs::read(dir.join(file)).unwrap_or_default())
                .unwrap_or_default();
            assert_eq!(
                m["path"], r"C:\Program Files\kunci\kunci-host.exe",
                "{file}"
            );
            assert_eq!(m[field], json!([allowed]), "{file}");
        }
    }
}
