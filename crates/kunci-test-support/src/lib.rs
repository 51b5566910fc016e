//! Test helpers shared by every kunci crate's integration tests: the OS RNG, temporary
//! folders, running programs, the outside tools that judge kunci's output (OpenSSL,
//! keytool, NSS's pk12util/certutil, Python `cryptography`, SoftHSM's tools), PBKDF2 run
//! the way a browser runs it, and a plain HTTP/1.1 POST to a running server.
//!
//! A judge that is missing skips its test with a line on stderr, unless
//! `KUNCI_REQUIRE_JUDGES=1` (set by `cargo xtask ci`, which installs them all): then a missing
//! judge fails the test, so CI can never pass by skipping.
//!
//! Tests use it as `use kunci_test_support as common;`. It depends on no kunci crate, so
//! kunci-core's own tests can use it without a dependency cycle.

// Only tests call these, and a test's failure is a panic: unwrap, expect and panic are the
// point here (clippy.toml allows them in test code; this crate is test code built as a lib).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The OS's cryptographic RNG.
pub fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// True when `cargo xtask ci` asks for every judge (`KUNCI_REQUIRE_JUDGES=1`).
pub fn required() -> bool {
    std::env::var("KUNCI_REQUIRE_JUDGES").is_ok_and(|v| v == "1")
}

/// The path of `name` on PATH, or None (after saying so) when it is missing and not required.
pub fn judge(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            !required(),
            "judge `{name}` is missing and KUNCI_REQUIRE_JUDGES=1"
        );
        eprintln!("SKIPPED: judge `{name}` is not installed (run `cargo xtask ci` to install it)");
    }
    found
}

/// A Python interpreter with `cryptography` importable: `KUNCI_PYTHON`, else the venv that
/// `cargo xtask ci` makes under `target/pyenv`, else `python3` if it has the package.
pub fn python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/python");
    let candidates = [
        std::env::var_os("KUNCI_PYTHON").map(PathBuf::from),
        Some(venv),
        Some("python3".into()),
    ];
    let found = candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import cryptography"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            !required(),
            "Python `cryptography` is missing and KUNCI_REQUIRE_JUDGES=1"
        );
        eprintln!("SKIPPED: Python `cryptography` is not available");
    }
    found
}

/// Runs `program args…` with `stdin`, returning its output whatever the exit status.
pub fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = Command::new(program.as_ref())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", program.as_ref()));
    let mut input = child.stdin.take().unwrap();
    if let Some(data) = stdin {
        input.write_all(data).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// Runs like [`run`] and panics with both output streams unless the program succeeded;
/// returns stdout.
pub fn run_ok(program: impl AsRef<std::ffi::OsStr>, args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = run(program.as_ref(), args, stdin);
    stdout_if_ok(program.as_ref(), args, &out)
}

/// Runs `program args…` with no stdin and the extra environment `envs` (a SoftHSM config, a
/// HOME), panicking with both output streams unless it succeeds; returns stdout.
pub fn run_ok_env(
    program: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
    envs: &[(&str, &Path)],
) -> String {
    let mut cmd = Command::new(program.as_ref());
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", program.as_ref()));
    stdout_if_ok(program.as_ref(), args, &out)
}

/// The one success check of [`run_ok`] and [`run_ok_env`]: stdout, or a panic that shows the
/// command, its exit status and both streams.
fn stdout_if_ok(program: &std::ffi::OsStr, args: &[&str], out: &Output) -> String {
    assert!(
        out.status.success(),
        "{program:?} {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes an unencrypted P-256 key (PEM) at `out` with `openssl genpkey`, as the interop
/// tests' "key made by OpenSSL".
pub fn openssl_p256_key(openssl: &Path, out: &Path) -> String {
    run_ok(
        openssl,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            p(out),
        ],
        None,
    )
}

/// A fresh temporary folder, removed on drop.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// One of kunci-core's PDF test files (`crates/kunci-core/tests/vectors/pdf/`, made by its gen.sh).
pub fn pdf_vector(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kunci-core/tests/vectors/pdf")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Path as &str (our temp paths are UTF-8).
pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// PBKDF2 as the browser's `crypto.subtle.deriveBits` runs it, chosen by the WebCrypto hash
/// name (`SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`): `key_len` bytes from `password` and
/// `salt`. Panics on another name, which WebCrypto does not have either.
pub fn webcrypto_pbkdf2(
    hash: &str,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    key_len: usize,
) -> Vec<u8> {
    use pbkdf2::pbkdf2_hmac;
    let mut out = vec![0u8; key_len];
    match hash {
        "SHA-1" => pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, &mut out),
        "SHA-256" => pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out),
        "SHA-384" => pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, &mut out),
        "SHA-512" => pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, &mut out),
        other => panic!("WebCrypto has no hash {other}"),
    }
    out
}

/// POSTs `body` to `path` on `127.0.0.1:port` over a plain HTTP/1.1 connection and answers
/// the response body; the status must be 200. For protocol endpoints (OCSP, TSA) of a
/// server run as a real process, where an HTTP client crate would be one more dependency.
pub fn http_post(port: u16, path: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    answer[split + 4..].to_vec()
}

/// pyHanko's command line (the PDF signature judge): `KUNCI_PYHANKO`, else the venv that
/// `cargo xtask ci` makes under `target/pyenv`, else `pyhanko` on PATH.
pub fn pyhanko() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/pyhanko");
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("pyhanko"))
            .find(|p| p.is_file())
    });
    let found = [
        std::env::var_os("KUNCI_PYHANKO").map(PathBuf::from),
        Some(venv),
        on_path,
    ]
    .into_iter()
    .flatten()
    .find(|p| p.is_file());
    if found.is_none() {
        assert!(!required(), "pyHanko is missing and KUNCI_REQUIRE_JUDGES=1");
        eprintln!("SKIPPED: pyHanko is not installed (run `cargo xtask ci` to install it)");
    }
    found
}

/// The small PKI the PDF signature tests sign with, made by OpenSSL in a folder: a P-256 root
/// (`ca.pem`, `ca.key`), signers RSA-2048 (`rsa.*`) and P-256 (`p256.*`) with keyUsage
/// digitalSignature + nonRepudiation, one without it (`noku.*`, keyUsage keyEncipherment), a
/// TSA (`tsa.*`, critical EKU timeStamping, `ts.cnf` for `openssl ts -reply`), the root's CRL
/// (`ca.crl.der`, nothing revoked), each key also as encrypted PKCS#8 (`*.enc.pem`, password
/// [`PDF_KEY_PASSWORD`]) for kunci, and an NSS database trusting the root (`nssdb`, for
/// pdfsig's `-nssdir sql:DIR`).
pub struct PdfPki {
    /// The folder holding everything.
    pub dir: PathBuf,
}

/// The password of the `*.enc.pem` keys of [`PdfPki`] (test-only keys).
pub const PDF_KEY_PASSWORD: &str = "kunci-pdf-test-1";

impl PdfPki {
    /// A file of the PKI by name (`rsa.pem`, `p256.enc.pem`, `nssdb`, ...).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Makes the PKI in `dir` with `openssl` (and `certutil` for the NSS database, when
    /// installed).
    pub fn make(openssl: &Path, dir: &Path) -> PdfPki {
        let o = |args: &[&str]| {
            let mut cmd = Command::new(openssl);
            cmd.args(args).current_dir(dir);
            let out = cmd.output().unwrap();
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
        o(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ca.key",
        ]);
        o(&[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-sha256",
            "-days",
            "3650",
            "-subj",
            "/C=ID/O=Kunci PDF Test/CN=Kunci PDF Test Root",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-addext",
            "subjectKeyIdentifier=hash",
            "-out",
            "ca.pem",
        ]);
        write(
            "signer.ext",
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        );
        write(
            "noku.ext",
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyEncipherment\n",
        );
        write(
            "tsa.ext",
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
             extendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n\
             authorityKeyIdentifier=keyid\n",
        );
        let mut serial = 10;
        for (name, alg, cn, ext) in [
            ("rsa", "RSA", "Penanda Tangan RSA", "signer.ext"),
            ("p256", "EC", "Penanda Tangan P-256", "signer.ext"),
            ("noku", "EC", "No Signing Usage", "noku.ext"),
            ("tsa", "EC", "Kunci PDF Test TSA", "tsa.ext"),
        ] {
            let key = format!("{name}.key");
            let opt = if alg == "RSA" {
                "rsa_keygen_bits:2048"
            } else {
                "ec_paramgen_curve:P-256"
            };
            o(&["genpkey", "-algorithm", alg, "-pkeyopt", opt, "-out", &key]);
            let csr = format!("{name}.csr");
            let subj = format!("/C=ID/O=Kunci PDF Test/CN={cn}");
            o(&["req", "-new", "-key", &key, "-subj", &subj, "-out", &csr]);
            serial += 1;
            o(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                &serial.to_string(),
                "-days",
                "1000",
                "-sha256",
                "-extfile",
                ext,
                "-out",
                &format!("{name}.pem"),
            ]);
            o(&[
                "pkcs8",
                "-topk8",
                "-in",
                &key,
                "-v2",
                "aes-256-cbc",
                "-v2prf",
                "hmacWithSHA256",
                "-iter",
                "100000",
                "-passout",
                &format!("pass:{PDF_KEY_PASSWORD}"),
                "-out",
                &format!("{name}.enc.pem"),
            ]);
        }
        // `openssl ts -reply` and `openssl ca -gencrl` configurations.
        write(
            "ts.cnf",
            "[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\nserial = ./tsaserial\n\
             signer_digest = sha256\ndefault_policy = 1.3.6.1.4.1.99999.1\n\
             digests = sha256\naccuracy = secs:1\ness_cert_id_alg = sha256\n\
             signer_cert = ./tsa.pem\nsigner_key = ./tsa.key\ncerts = ./ca.pem\n",
        );
        write("tsaserial", "01\n");
        // The CA database `openssl ca -gencrl` and `openssl ocsp -index` read: every
        // certificate issued above, valid (V).
        let mut index = String::new();
        for (name, serial) in [("rsa", 11), ("p256", 12), ("noku", 13), ("tsa", 14)] {
            let cert = dir.join(format!("{name}.pem"));
            let out = run_ok(
                openssl,
                &[
                    "x509",
                    "-in",
                    p(&cert),
                    "-noout",
                    "-enddate",
                    "-subject",
                    "-nameopt",
                    "compat",
                ],
                None,
            );
            let end = out
                .lines()
                .find_map(|l| l.strip_prefix("notAfter="))
                .unwrap();
            let subject = out
                .lines()
                .find_map(|l| l.strip_prefix("subject="))
                .unwrap()
                .trim();
            index.push_str(&format!(
                "V\t{}\t\t{serial:02X}\tunknown\t{subject}\n",
                index_date(end)
            ));
        }
        write("index.txt", &index);
        write(
            "ca.cnf",
            "[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = ./index.txt\n\
             crlnumber = ./crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n\
             certificate = ./ca.pem\nprivate_key = ./ca.key\n",
        );
        write("crlnumber", "01\n");
        o(&["ca", "-config", "ca.cnf", "-gencrl", "-out", "ca.crl.pem"]);
        o(&[
            "crl",
            "-in",
            "ca.crl.pem",
            "-outform",
            "DER",
            "-out",
            "ca.crl.der",
        ]);
        if let Some(certutil) = judge("certutil") {
            let nss = dir.join("nssdb");
            std::fs::create_dir_all(&nss).unwrap();
            let db = format!("sql:{}", nss.display());
            run_ok(&certutil, &["-N", "-d", &db, "--empty-password"], None);
            let ca = dir.join("ca.pem");
            run_ok(
                &certutil,
                &[
                    "-A",
                    "-d",
                    &db,
                    "-n",
                    "Kunci PDF Test Root",
                    "-t",
                    "C,C,C",
                    "-i",
                    p(&ca),
                ],
                None,
            );
        }
        PdfPki {
            dir: dir.to_path_buf(),
        }
    }

    /// An RFC 3161 timestamp answer (`TimeStampResp` DER) from `openssl ts -reply` for the
    /// request `query` (DER), signed by the PKI's TSA.
    pub fn timestamp(&self, openssl: &Path, query: &[u8]) -> Vec<u8> {
        let n = unique();
        let q = self.dir.join(format!("q{n}.tsq"));
        let r = self.dir.join(format!("r{n}.tsr"));
        std::fs::write(&q, query).unwrap();
        let out = Command::new(openssl)
            .args([
                "ts",
                "-reply",
                "-config",
                "ts.cnf",
                "-queryfile",
                p(&q),
                "-out",
                p(&r),
            ])
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl ts: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&r).unwrap()
    }
}

/// A number unique in this process (file names of concurrent tests sharing a folder).
fn unique() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// OpenSSL's `notAfter=` text (`Sep  2 10:50:00 2029 GMT`) as its index.txt writes dates
/// (`290902105000Z`).
fn index_date(text: &str) -> String {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| *m == parts[0]).unwrap() + 1;
    let day: u32 = parts[1].parse().unwrap();
    let time = parts[2].replace(':', "");
    let year = &parts[3][2..];
    format!("{year}{month:02}{day:02}{time}Z")
}

impl PdfPki {
    /// An OCSP answer (`OCSPResponse` DER) from `openssl ocsp` acting as the PKI root's
    /// responder, for the request `query` (DER).
    pub fn ocsp(&self, openssl: &Path, query: &[u8]) -> Vec<u8> {
        let n = unique();
        let q = self.dir.join(format!("q{n}.ocq"));
        let r = self.dir.join(format!("r{n}.ocr"));
        std::fs::write(&q, query).unwrap();
        let out = Command::new(openssl)
            .args([
                "ocsp",
                "-index",
                "index.txt",
                "-CA",
                "ca.pem",
                "-rsigner",
                "ca.pem",
                "-rkey",
                "ca.key",
                "-ndays",
                "7",
                "-reqin",
                p(&q),
                "-respout",
                p(&r),
            ])
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl ocsp: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&r).unwrap()
    }
}

/// Serves `answer(body)` for each of the next `n` HTTP POSTs on a fresh port of 127.0.0.1
/// (a TSA or OCSP responder stand-in for the command line's tests); returns the URL.
pub fn serve_posts(n: usize, answer: impl Fn(&[u8]) -> Vec<u8> + Send + 'static) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let mut stream = stream.unwrap();
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let body = loop {
                let k = stream.read(&mut buf).unwrap();
                data.extend_from_slice(&buf[..k]);
                if let Some(split) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&data[..split]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse().unwrap());
                    if data.len() >= split + 4 + len || k == 0 {
                        break data[split + 4..].to_vec();
                    }
                }
                if k == 0 {
                    break Vec::new();
                }
            };
            let reply = answer(&body);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reply.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&reply);
        }
    });
    format!("http://127.0.0.1:{port}/")
}

/// pdfsig's report of `file` with the PKI's NSS database (its exit code means nothing: it is 0
/// on a digest mismatch too, so the text is what tests read).
pub fn pdfsig(pdfsig: &Path, pki: &PdfPki, file: &Path) -> String {
    let db = format!("sql:{}", pki.path("nssdb").display());
    let out = run(pdfsig, &["-nssdir", &db, p(file)], None);
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// pyHanko's `sign validate` of `file` trusting only the PKI's root (its stdout tells
/// `:INTACT:TRUSTED` per valid signature; it exits non-zero on a broken one).
pub fn pyhanko_validate(pyhanko: &Path, pki: &PdfPki, file: &Path) -> Output {
    let ca = pki.path("ca.pem");
    run(
        pyhanko,
        &[
            "sign",
            "validate",
            "--trust-replace",
            "--trust",
            p(&ca),
            p(file),
        ],
        None,
    )
}

/// `qpdf --check` of `file`: true when it finds no syntax or stream encoding error.
pub fn qpdf_clean(qpdf: &Path, file: &Path) -> (bool, String) {
    let out = run(qpdf, &["--check", p(file)], None);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        out.status.success() && text.contains("No syntax or stream encoding errors"),
        text,
    )
}

/// Debian's SoftHSM2 PKCS#11 module (package `softhsm2`), the test token. kunci-host's tests
/// name the same path in their `common` module.
pub const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
