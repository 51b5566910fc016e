//! `cargo xtask bench pdf`: signing and verifying 10 MB PDFs with kunci-core's `pdf` module
//! (issue 17 asks for < 1 s each in Chromium; this is the native figure, the wasm one belongs
//! to `cargo xtask bench wasm` once the PDF module is in the package).
//!
//! Two inputs, made here: one page whose content stream is 10 MB, and 2 000 pages of 5 KB
//! each (4 000 objects, a 10 MB xref table file). Each case is timed as the steps a browser
//! would run: `prepare` (parse, update, ByteRange digest), the signature (RSA-2048 or P-256,
//! in memory), `finish` + `into_pdf`, and `verify` of the result. Medians of
//! `KUNCI_BENCH_SAMPLES` (default 9) runs. Nothing fails on a slow machine.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::process::Command;
use std::time::Instant;

use kunci_core::pdf::{self, SignOptions, VerifyOptions};
use kunci_core::{KeyPair, Signer, pkcs8};

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let n: usize = std::env::var("KUNCI_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9);
    let mut keys = Vec::new();
    for (name, alg) in [("RSA-2048", "rsa:2048"), ("P-256", "ec")] {
        let mut args = vec![
            "req",
            "-x509",
            "-newkey",
            alg,
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=bench/O=kunci/C=ID",
            "-addext",
            "keyUsage=critical,digitalSignature",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
        ];
        if alg == "ec" {
            args.extend(["-pkeyopt", "ec_paramgen_curve:P-256"]);
        }
        let ok = Command::new("openssl")
            .args(&args)
            .current_dir(d)
            .output()
            .expect("openssl");
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        let key = pkcs8::read_unencrypted(&std::fs::read(d.join("k.pem")).unwrap()).unwrap();
        let cert = std::fs::read(d.join("c.pem")).unwrap();
        keys.push((name, key, cert));
    }
    let inputs = [
        ("1 page, 10 MB stream", one_page()),
        ("2000 pages", many_pages(2000)),
    ];
    println!(
        "{:<22} {:<9} {:>9} {:>10} {:>11} {:>9} {:>8}",
        "input", "key", "MB", "prepare", "sign+embed", "verify", "total"
    );
    for (label, input) in &inputs {
        for (name, key, cert) in &keys {
            let (mut prep, mut fin, mut ver) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..n {
                let t = Instant::now();
                let p = pdf::prepare(input, cert, &[], &SignOptions::new(1_796_551_200)).unwrap();
                prep.push(t.elapsed().as_secs_f64());
                let t = Instant::now();
                let sig = Signer::sign(key as &KeyPair, p.to_be_signed()).unwrap();
                let out = p.finish(&sig).unwrap().into_pdf().unwrap();
                fin.push(t.elapsed().as_secs_f64());
                let t = Instant::now();
                let report = pdf::verify(&out, &VerifyOptions::default()).unwrap();
                ver.push(t.elapsed().as_secs_f64());
                assert!(report.signatures.len() == 1);
            }
            let (a, b, c) = (median(prep), median(fin), median(ver));
            println!(
                "{label:<22} {name:<9} {:>9.1} {:>8.1}ms {:>9.1}ms {:>7.1}ms {:>6.1}ms",
                input.len() as f64 / 1e6,
                a * 1e3,
                b * 1e3,
                c * 1e3,
                (a + b + c) * 1e3
            );
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Writes a PDF of `objects` (numbered from 1) with a correct classic xref table.
fn assemble(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(body: &[u8]) -> Vec<u8> {
    [
        format!("<< /Length {} >>\nstream\n", body.len()).as_bytes(),
        body,
        b"\nendstream",
    ]
    .concat()
}

fn one_page() -> Vec<u8> {
    let body = [b"BT (x) Tj ET\n".to_vec(), b"% xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n".repeat(100_000)].concat();
    assemble(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        stream(&body),
    ])
}

fn many_pages(n: usize) -> Vec<u8> {
    let mut objects = vec![Vec::new(), Vec::new()];
    let mut kids = Vec::new();
    for i in 0..n {
        let page = objects.len() + 1;
        kids.push(format!("{page} 0 R"));
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R >>",
                page + 1
            )
            .into_bytes(),
        );
        let line = format!("({i:060}) Tj 0 -12 Td ");
        objects.push(stream(format!("BT {} ET", line.repeat(70)).as_bytes()));
    }
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>".to_vec();
    objects[1] = format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes();
    assemble(&objects)
}
