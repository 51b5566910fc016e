//! `cargo xtask bench core`: kunci-core against the `openssl` command on the same machine,
//! side by side in one run, printed as medians and ratios.
//!
//! OpenSSL is timed as a whole process, as a holder would run it. Process start-up is
//! measured separately (`openssl version`) and subtracted, so the ratio compares the work
//! itself and flatters OpenSSL rather than kunci. RSA key generation time varies widely
//! (the prime search is random), hence more samples for it. This is a benchmark: nothing
//! fails on a slow machine. `KUNCI_BENCH_SAMPLES=N` overrides every sample count.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use kunci_core::csr::{CsrBuilder, Subject};
use kunci_core::pkcs12::{self, PackOptions};
use kunci_core::{KeyAlgorithm, KeyPair, pkcs8};

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);

    let startup = median(samples(21), || {
        openssl(&["version"], d);
    });

    // Fixtures for the CSR and PKCS#12 cases, made by OpenSSL itself.
    for (name, alg) in [("rsa", "rsa:2048"), ("ec", "ec")] {
        let mut args = vec![
            "req",
            "-x509",
            "-newkey",
            alg,
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=bench/O=kunci/C=ID",
        ];
        if name == "ec" {
            args.extend(["-pkeyopt", "ec_paramgen_curve:P-256"]);
        }
        let key = format!("{name}.key");
        let cert = format!("{name}.crt");
        args.extend(["-keyout", &key, "-out", &cert]);
        openssl(&args, d);
    }
    std::fs::write(d.join("pass"), "bench password 2026\n").expect("write");
    let rsa_key = pkcs8::read_unencrypted(&read(d, "rsa.key")).expect("openssl RSA key");
    let ec_key = pkcs8::read_unencrypted(&read(d, "ec.key")).expect("openssl EC key");
    let rsa_cert =
        kunci_core::pem::der_or_pem(&read(d, "rsa.crt"), &["CERTIFICATE"]).expect("cert");
    let subject: Subject = "CN=Budi Santoso,O=Dinas Kominfo,C=ID"
        .parse()
        .expect("subject");

    let mut rows = Vec::new();
    let mut case = |name: &str, goal: f64, n: usize, kunci: &mut dyn FnMut(), args: &[&str]| {
        let k = median(n, &mut *kunci);
        let o = median(n, || openssl(args, d));
        rows.push(Row {
            name: name.to_owned(),
            kunci: k,
            openssl: o,
            net: (o - startup).max(0.001),
            goal,
        });
    };

    case(
        "RSA-2048 key generation",
        3.0,
        samples(31),
        &mut || {
            KeyPair::generate(KeyAlgorithm::Rsa2048, &mut rng).expect("keygen");
        },
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "g.key",
        ],
    );
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    case(
        "RSA-3072 key generation",
        2.0,
        samples(15),
        &mut || {
            KeyPair::generate(KeyAlgorithm::Rsa3072, &mut rng).expect("keygen");
        },
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:3072",
            "-out",
            "g.key",
        ],
    );
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    case(
        "P-256 key generation",
        2.0,
        samples(31),
        &mut || {
            KeyPair::generate(KeyAlgorithm::P256, &mut rng).expect("keygen");
        },
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "g.key",
        ],
    );
    case(
        "CSR signing, RSA-2048",
        2.0,
        samples(31),
        &mut || {
            CsrBuilder::new(subject.clone())
                .sign(&rsa_key)
                .expect("csr");
        },
        &[
            "req",
            "-new",
            "-key",
            "rsa.key",
            "-subj",
            "/CN=Budi Santoso/O=Dinas Kominfo/C=ID",
            "-out",
            "r.csr",
        ],
    );
    case(
        "CSR signing, P-256",
        2.0,
        samples(31),
        &mut || {
            CsrBuilder::new(subject.clone()).sign(&ec_key).expect("csr");
        },
        &[
            "req",
            "-new",
            "-key",
            "ec.key",
            "-subj",
            "/CN=Budi Santoso/O=Dinas Kominfo/C=ID",
            "-out",
            "e.csr",
        ],
    );
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let options = PackOptions::default();
    assert_eq!(
        options.iterations, 600_000,
        "bench assumes the default count"
    );
    case(
        "PKCS#12 packing, 600 000 iterations",
        2.0,
        samples(7),
        &mut || {
            pkcs12::pack(
                &rsa_key,
                &rsa_cert,
                &[],
                b"bench password 2026",
                &options,
                &mut rng,
            )
            .expect("p12");
        },
        &[
            "pkcs12",
            "-export",
            "-iter",
            "600000",
            "-inkey",
            "rsa.key",
            "-in",
            "rsa.crt",
            "-passout",
            "file:pass",
            "-out",
            "o.p12",
        ],
    );
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    case(
        "PKCS#8 encryption, 600 000 iterations",
        2.0,
        samples(7),
        &mut || {
            pkcs8::encrypt_der(&rsa_key, b"bench password 2026", 600_000, &mut rng).expect("p8");
        },
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-v2prf",
            "hmacWithSHA256",
            "-iter",
            "600000",
            "-in",
            "rsa.key",
            "-passout",
            "file:pass",
            "-out",
            "o.p8",
        ],
    );

    println!();
    println!(
        "kunci-core vs openssl ({}), medians; openssl start-up {startup:.1} ms subtracted",
        openssl_version(d)
    );
    println!(
        "{:<40} {:>10} {:>12} {:>10} {:>8} {:>6}  verdict",
        "case", "kunci ms", "openssl ms", "net ms", "ratio", "goal"
    );
    for r in &rows {
        let ratio = r.kunci / r.net;
        let verdict = if ratio <= r.goal {
            "meets goal"
        } else {
            "MISSES goal"
        };
        println!(
            "{:<40} {:>10.2} {:>12.2} {:>10.2} {:>7.2}x {:>5.1}x  {verdict}",
            r.name, r.kunci, r.openssl, r.net, ratio, r.goal
        );
    }
}

struct Row {
    name: String,
    kunci: f64,
    openssl: f64,
    net: f64,
    goal: f64,
}

fn samples(default: usize) -> usize {
    std::env::var("KUNCI_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Median wall time of `n` runs of `f`, in milliseconds.
fn median(n: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..n.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl_version(dir: &Path) -> String {
    let out = Command::new("openssl")
        .arg("version")
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).expect("read fixture")
}
