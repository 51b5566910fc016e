//! PDF signatures (`kunci_core::pdf`) judged by outside tools: poppler's pdfsig (its output is
//! read: it exits 0 on a digest mismatch too), pyHanko (`sign validate`; `sign adesverify` for
//! B-LT) and `qpdf --check`, for RSA-2048 and P-256, B-B, B-T (timestamps from `openssl ts`)
//! and B-LT, two signers, a file signed by pyHanko first; tampering reported by all; bad
//! files refused with their codes. The PKI is made by OpenSSL per run
//! (`kunci_test_support::PdfPki`); the PDFs are `tests/vectors/pdf/` (gen.sh, qpdf).

// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kunci_core::pdf::{self, Check, Dss, Limits, Report, SignOptions, VerifyOptions};
use kunci_core::{KeyPair, pkcs8};
use kunci_test_support::{self as common, PDF_KEY_PASSWORD, PdfPki};

/// 2026-12-06 10:00:00 UTC: the signing time the tests claim.
const T0: i64 = 1_796_551_200;

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/pdf")
            .join(name),
    )
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

/// A certificate of the PKI (`ca.pem`, `tsa.pem`, ...) as DER.
fn cert_der(pki: &PdfPki, name: &str) -> Vec<u8> {
    kunci_core::pem::der_or_pem(&std::fs::read(pki.path(name)).unwrap(), &["CERTIFICATE"]).unwrap()
}

fn ca_der(pki: &PdfPki) -> Vec<u8> {
    cert_der(pki, "ca.pem")
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
    let dss = Dss {
        certs: validation_certs(pki, who),
        crls: vec![std::fs::read(pki.path("ca.crl.der")).unwrap()],
        ocsps: vec![],
    };
    pdf::add_dss(&bt, &dss, Limits::default()).unwrap()
}

/// What a B-T signature by `who` needs validated: its certificate, the root, the TSA's.
fn validation_certs(pki: &PdfPki, who: &str) -> Vec<Vec<u8>> {
    vec![
        cert_der(pki, &format!("{who}.pem")),
        ca_der(pki),
        cert_der(pki, "tsa.pem"),
    ]
}

/// B-LT with OCSP answers only, from the PKI's responder: one for each question
/// `pdf::ocsp_questions` asks (the signer's certificate and the TSA's), or only the first
/// (the signer's) without `all`.
fn sign_blt_ocsp(pki: &PdfPki, who: &str, pdf: &[u8], all: bool) -> Vec<u8> {
    let openssl = common::judge("openssl").unwrap();
    let bt = sign_bt(pki, who, pdf);
    let certs = validation_certs(pki, who);
    let questions = pdf::ocsp_questions(&certs).unwrap();
    let asked: Vec<_> = questions.iter().map(|q| q.cert.clone()).collect();
    assert_eq!(
        asked,
        [certs[0].clone(), certs[2].clone()],
        "the signer's and the TSA's"
    );
    assert!(
        questions.iter().all(|q| q.url.is_some()),
        "both name their responder"
    );
    let dss = Dss {
        ocsps: questions
            .iter()
            .take(if all { 2 } else { 1 })
            .map(|q| pki.ocsp(&openssl, &q.request))
            .collect(),
        certs,
        crls: vec![],
    };
    pdf::add_dss(&bt, &dss, Limits::default()).unwrap()
}

/// The PKI's RSA and P-256 signers and its TSA re-issued by the root from the same keys with an
/// authorityInfoAccess naming their OCSP responder, as kunci-ams's certificates do, in a copy
/// of the CA's folder whose database knows them and whose `ts.cnf` signs with the re-issued TSA
/// certificate; the responder they name is `openssl ocsp` over that database behind a local
/// HTTP server. pyHanko's revocation check consults OCSP only for a certificate that names a
/// responder, and then asks that responder itself (its `adesverify` has no switch to stop it).
/// No NSS database: pdfsig is not asked.
struct AiaPki {
    pki: PdfPki,
    _dir: tempfile::TempDir,
}

impl AiaPki {
    fn new(pki: &PdfPki) -> AiaPki {
        let dir = common::tempdir();
        for f in [
            "ca.cnf",
            "ca.key",
            "ca.pem",
            "index.txt",
            "crlnumber",
            "ts.cnf",
            "tsaserial",
            "tsa.key",
            "rsa.enc.pem",
            "p256.enc.pem",
        ] {
            std::fs::copy(pki.path(f), dir.path().join(f)).unwrap();
        }
        // The re-issued certificates share their subjects with the first ones.
        std::fs::write(dir.path().join("index.txt.attr"), "unique_subject = no\n").unwrap();
        let responder = PdfPki {
            dir: dir.path().to_path_buf(),
        };
        let openssl = common::judge("openssl").unwrap();
        let url = common::serve_posts(64, move |q| responder.ocsp(&openssl, q));
        let aia = format!("authorityInfoAccess=OCSP;URI:{url}\n");
        for (name, ext, serial) in [
            ("rsa", "signer.ext", "61"),
            ("p256", "signer.ext", "62"),
            ("tsa", "tsa.ext", "63"),
        ] {
            let ext_text = std::fs::read_to_string(pki.path(ext)).unwrap() + &aia;
            let ext_file = format!("{name}-aia.ext");
            std::fs::write(dir.path().join(&ext_file), ext_text).unwrap();
            let csr = pki.path(&format!("{name}.csr"));
            let cert = format!("{name}.pem");
            openssl_in(
                dir.path(),
                &[
                    "x509",
                    "-req",
                    "-in",
                    common::p(&csr),
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-set_serial",
                    serial,
                    "-days",
                    "1000",
                    "-sha256",
                    "-extfile",
                    &ext_file,
                    "-out",
                    &cert,
                ],
            );
            openssl_in(dir.path(), &["ca", "-config", "ca.cnf", "-valid", &cert]);
        }
        AiaPki {
            pki: PdfPki {
                dir: dir.path().to_path_buf(),
            },
            _dir: dir,
        }
    }
}

/// pyHanko's `sign <command>` (validate, adesverify) on `path`, trusting only the PKI's root.
fn pyhanko_judge(pyhanko: &Path, pki: &PdfPki, command: &str, path: &Path) -> std::process::Output {
    let ca = pki.path("ca.pem");
    common::run(
        pyhanko,
        &[
            "sign",
            command,
            "--trust-replace",
            "--trust",
            common::p(&ca),
            common::p(path),
        ],
        None,
    )
}

/// `pdf` signed by pyHanko (`sign addsig`, the PKI's RSA key) in field `field`, certifying
/// it (DocMDP /P 2) when `certify`.
fn pyhanko_signed(pyhanko: &Path, pki: &PdfPki, pdf: &[u8], field: &str, certify: bool) -> Vec<u8> {
    let dir = common::tempdir();
    let (input, output) = (dir.path().join("in.pdf"), dir.path().join("out.pdf"));
    std::fs::write(&input, pdf).unwrap();
    let (key, cert, ca) = (pki.path("rsa.key"), pki.path("rsa.pem"), pki.path("ca.pem"));
    let mut args = vec!["sign", "addsig", "--field", field];
    if certify {
        args.push("--certify");
    }
    args.extend([
        "pemder",
        "--key",
        common::p(&key),
        "--cert",
        common::p(&cert),
        "--chain",
        common::p(&ca),
        "--no-pass",
        common::p(&input),
        common::p(&output),
    ]);
    common::run_ok(pyhanko, &args, None);
    std::fs::read(&output).unwrap()
}

fn save(pdf: &[u8], name: &str) -> PathBuf {
    let dir = Box::leak(Box::new(common::tempdir()));
    let path = dir.path().join(name);
    std::fs::write(&path, pdf).unwrap();
    path
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// kunci's own verdict, trusting the PKI's root.
fn kunci_verify(pki: &PdfPki, pdf: &[u8]) -> Report {
    let options = VerifyOptions {
        trust: vec![ca_der(pki)],
        now: now(),
        ..VerifyOptions::default()
    };
    pdf::verify(pdf, &options).unwrap()
}

fn has(report: &Report, sig: usize, check: Check) -> bool {
    report.signatures[sig]
        .findings
        .iter()
        .any(|f| f.check == check)
}

/// The judges' verdicts (kunci's own among them) on a file that must be valid with `n`
/// signatures.
fn judged_valid(pki: &PdfPki, pdf: &[u8], n: usize, ltv: bool) {
    let report = kunci_verify(pki, pdf);
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.signatures.len(), n);
    for (i, s) in report.signatures.iter().enumerate() {
        assert!(has(&report, i, Check::DigestOk) && has(&report, i, Check::SignatureOk));
        assert!(
            has(&report, i, Check::ChainTrusted) && has(&report, i, Check::SigningCertificateOk)
        );
        if ltv {
            assert_eq!(s.level, "B-LT");
            assert!(has(&report, i, Check::RevocationGood), "{s:#?}");
        }
    }
    let path = save(pdf, "signed.pdf");
    if let Some(qpdf) = common::judge("qpdf") {
        let out = common::run(&qpdf, &["--check", common::p(&path)], None);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("No syntax or stream encoding errors"),
            "qpdf: {text}"
        );
    }
    if let Some(pdfsig) = common::judge("pdfsig") {
        let text = common::pdfsig(&pdfsig, pki, &path);
        assert_eq!(
            text.matches("Signature is Valid.").count(),
            n,
            "pdfsig: {text}"
        );
        assert_eq!(
            text.matches("Certificate is Trusted.").count(),
            n,
            "pdfsig: {text}"
        );
        // The newest signature covers the whole file, unless a DSS update follows (B-LT).
        assert_eq!(
            text.contains("Total document signed"),
            !ltv,
            "pdfsig: {text}"
        );
    }
    if let Some(pyhanko) = common::pyhanko() {
        let out = pyhanko_judge(&pyhanko, pki, "validate", &path);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "pyHanko validate: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            text.matches(":INTACT:TRUSTED").count(),
            n,
            "pyHanko: {text}"
        );
        if ltv {
            let out = pyhanko_judge(&pyhanko, pki, "adesverify", &path);
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "pyHanko adesverify: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
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

/// Appends an incremental update replacing object `num` with `body` (by hand, as an editor
/// would), with a classic xref section.
fn append_update(pdf: &[u8], num: u32, body: &str) -> Vec<u8> {
    append_update_root(pdf, num, body, 1)
}

/// [`append_update`] with the trailer's /Root set to object `root`.
fn append_update_root(pdf: &[u8], num: u32, body: &str, root: u32) -> Vec<u8> {
    let text = String::from_utf8_lossy(pdf);
    let prev: usize = text
        .rsplit("startxref")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let size: u32 = text
        .rsplit("/Size ")
        .next()
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut out = pdf.to_vec();
    let at = out.len();
    out.extend_from_slice(format!("{num} 0 obj\n{body}\nendobj\n").as_bytes());
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{num} 1\n{at:010} 00000 n\r\ntrailer\n<< /Size {size} /Root {root} 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

/// The newest body of object `num` as kunci wrote it (`num 0 obj\n…\nendobj`).
fn last_body(pdf: &[u8], num: u32) -> String {
    let text = String::from_utf8_lossy(pdf).into_owned();
    let head = format!("\n{num} 0 obj\n");
    let start = text.rfind(&head).unwrap() + head.len();
    let end = start + text[start..].find("\nendobj").unwrap();
    text[start..end].to_owned()
}

#[test]
fn tampering_after_signing_is_reported_by_kunci_pdfsig_and_pyhanko() {
    let Some(pki) = pki() else { return };
    let signed = sign_bb(pki, "rsa", &vector("plain.pdf"));
    // One byte inside the signed range: the original page's MediaBox.
    let text = String::from_utf8_lossy(&signed).into_owned();
    let at = text.find("595 842 ]").unwrap();
    let mut bytes = signed.clone();
    bytes[at + 2] = b'6';
    let report = kunci_verify(pki, &bytes);
    assert!(
        !report.valid && has(&report, 0, Check::DigestMismatch),
        "{report:#?}"
    );
    let path = save(&bytes, "tampered.pdf");
    if let Some(pdfsig) = common::judge("pdfsig") {
        let out = common::pdfsig(&pdfsig, pki, &path);
        assert!(out.contains("Digest Mismatch"), "{out}");
    }
    if let Some(pyhanko) = common::pyhanko() {
        let out = pyhanko_judge(&pyhanko, pki, "validate", &path);
        assert!(!out.status.success());
    }

    // A later incremental update that shrinks the page: bytes intact, document changed.
    let page = last_body(&signed, 3).replace("[0 0 595 842]", "[0 0 300 300]");
    let shrunk = append_update(&signed, 3, &page);
    // The same with a new catalog instead: every old object untouched, /Root swapped.
    let catalog = last_body(&signed, 1);
    let size: u32 = String::from_utf8_lossy(&signed)
        .rsplit("/Size ")
        .next()
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let swapped = append_update_root(&signed, size, &catalog, size);
    let report = kunci_verify(pki, &swapped);
    let f = report.signatures[0]
        .findings
        .iter()
        .find(|f| f.check == Check::ChangedSince)
        .unwrap();
    assert_eq!(f.detail.as_deref(), Some("changed: trailer /Root"));
    let report = kunci_verify(pki, &shrunk);
    assert!(!report.valid, "{report:#?}");
    assert!(has(&report, 0, Check::DigestOk) && has(&report, 0, Check::ChangedSince));
    let f = report.signatures[0]
        .findings
        .iter()
        .find(|f| f.check == Check::ChangedSince)
        .unwrap();
    assert_eq!(f.detail.as_deref(), Some("changed: object 3"));
    let path = save(&shrunk, "shrunk.pdf");
    if let Some(pyhanko) = common::pyhanko() {
        let out = pyhanko_judge(&pyhanko, pki, "validate", &path);
        assert!(
            !out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    if let Some(pdfsig) = common::judge("pdfsig") {
        // pdfsig does no modification analysis: it only says the document is not all signed.
        let out = common::pdfsig(&pdfsig, pki, &path);
        assert!(out.contains("Not total document signed"), "{out}");
    }
}

#[test]
fn a_file_signed_by_pyhanko_then_by_kunci_keeps_both_valid() {
    let Some(pki) = pki() else { return };
    let Some(pyhanko) = common::pyhanko() else {
        return;
    };
    let first = pyhanko_signed(&pyhanko, pki, &vector("plain.pdf"), "PyHanko1", false);
    let signed = sign_bt(pki, "p256", &first);
    judged_valid(pki, &signed, 2, false);
    let report = kunci_verify(pki, &signed);
    assert_eq!(report.signatures[0].field, "PyHanko1");
    assert!(has(&report, 0, Check::AllowedChangesSince));
    assert_eq!(report.signatures[1].level, "B-T");
}

#[test]
fn raw_p256_signature_from_a_token_or_webcrypto_is_accepted_in_two_steps() {
    let Some(pki) = pki() else { return };
    let w = signer(pki, "p256");
    let prepared = pdf::prepare(&vector("form.pdf"), &w.cert, &[], &opts()).unwrap();
    // What WebCrypto and PKCS#11 CKM_ECDSA give: r || s.
    let der = kunci_core::Signer::sign(&w.key, prepared.to_be_signed()).unwrap();
    let sig = p256::ecdsa::Signature::from_der(&der).unwrap();
    let raw = sig.to_bytes();
    assert_eq!(prepared.field_name(), "Signature1");
    let signed = prepared.clone().finish(&raw).unwrap().into_pdf().unwrap();
    judged_valid(pki, &signed, 1, false);
    // Another key's signature is refused with its code, and nothing is written.
    let other = signer(pki, "rsa");
    let wrong = kunci_core::Signer::sign(&other.key, prepared.to_be_signed()).unwrap();
    assert_eq!(
        prepared.finish(&wrong).unwrap_err().code(),
        "pdf.bad_signature"
    );
}

/// `begin` + `Hashing::step` (how the browser's main thread signs, a slice per task) hashes
/// exactly what `prepare` hashes in one go, whatever the slices: one block, an odd count that
/// straddles the placeholder's edges, or more than the file.
#[test]
fn hashing_in_slices_signs_the_same_bytes_as_hashing_at_once() {
    let Some(pki) = pki() else { return };
    let w = signer(pki, "rsa");
    let file = vector("objstm.pdf");
    let chain = [ca_der(pki)];
    let whole = pdf::prepare(&file, &w.cert, &chain, &opts()).unwrap();
    let len = whole
        .clone()
        .finish(&kunci_core::Signer::sign(&w.key, whole.to_be_signed()).unwrap())
        .unwrap()
        .into_pdf()
        .unwrap()
        .len();
    for blocks in [1usize, 7, 1 << 20] {
        let mut hashing = pdf::begin(&file, &w.cert, &chain, &opts()).unwrap();
        let mut steps = 1usize;
        while !hashing.step(blocks) {
            steps += 1;
        }
        // Each step hashes `blocks` × 64 bytes of the file but its placeholder.
        let expected = (len - 2 * (pdf::DEFAULT_RESERVE + 1)).div_ceil(64 * blocks);
        assert!(
            steps.abs_diff(expected) <= 1,
            "{blocks} blocks: {steps} steps, not ~{expected}"
        );
        assert!(hashing.step(blocks), "a finished hash stays finished");
        let sliced = hashing.finish().unwrap();
        assert_eq!(
            sliced.document_digest(),
            whole.document_digest(),
            "{blocks} blocks"
        );
        assert_eq!(
            sliced.to_be_signed(),
            whole.to_be_signed(),
            "{blocks} blocks"
        );
        if blocks == 7 {
            let signature = kunci_core::Signer::sign(&w.key, sliced.to_be_signed()).unwrap();
            let signed = sliced.finish(&signature).unwrap().into_pdf().unwrap();
            judged_valid(pki, &signed, 1, false);
        }
    }
}

/// A digest made elsewhere (WebCrypto, in the browser) is used for the signature whose
/// ByteRange it names, and only for it: a wrong one is a digest mismatch, one for another
/// range changes nothing, and `signed_ranges` lists the ByteRange to hash.
#[test]
fn digests_made_elsewhere_are_used_for_their_byte_range_only() {
    use sha2::Digest;
    let Some(pki) = pki() else { return };
    let signed = sign_bb(pki, "rsa", &vector("plain.pdf"));
    let ranges = pdf::signed_ranges(&signed, Limits::default()).unwrap();
    assert_eq!(ranges.len(), 1);
    let [_, b, c, d] = ranges[0].map(|n| n as usize);
    assert_eq!(c + d, signed.len());
    let right: [u8; 32] = sha2::Sha256::new()
        .chain_update(&signed[..b])
        .chain_update(&signed[c..c + d])
        .finalize()
        .into();
    // The option's form: the ByteRange as four big-endian u64s, then the digest.
    let given = |range: [i64; 4], digest: [u8; 32]| -> Vec<u8> {
        let mut v: Vec<u8> = range.iter().flat_map(|n| n.to_be_bytes()).collect();
        v.extend(digest);
        v
    };
    let with = |digests: Vec<Vec<u8>>| {
        pdf::verify(
            &signed,
            &VerifyOptions {
                trust: vec![ca_der(pki)],
                now: now(),
                digests,
                ..VerifyOptions::default()
            },
        )
        .unwrap()
    };
    let report = with(vec![given(ranges[0], right)]);
    assert!(
        report.valid && has(&report, 0, Check::DigestOk),
        "{report:#?}"
    );
    let report = with(vec![given(ranges[0], [7; 32])]);
    assert!(
        !report.valid && has(&report, 0, Check::DigestMismatch),
        "{report:#?}"
    );
    let mut elsewhere = ranges[0];
    elsewhere[3] -= 1;
    let report = with(vec![given(elsewhere, [7; 32])]);
    assert!(
        report.valid && has(&report, 0, Check::DigestOk),
        "{report:#?}"
    );
}

#[test]
fn signing_refusals_have_their_codes() {
    let Some(pki) = pki() else { return };
    let noku = signer(pki, "noku");
    let err = pdf::prepare(&vector("plain.pdf"), &noku.cert, &[], &opts()).unwrap_err();
    assert_eq!(err.code(), "pdf.cert_key_usage");
    let w = signer(pki, "rsa");
    // The reserve grows with the chain carried; a timestamp token too large for what is left
    // (here with 50 certificates in it) is refused with its code, not written half.
    let mut small = opts();
    small.reserve = 1024;
    let signed = pdf::sign(
        &vector("plain.pdf"),
        &w.key,
        &w.cert,
        &[ca_der(pki)],
        &small,
    )
    .unwrap();
    let openssl = common::judge("openssl").unwrap();
    let dir = common::tempdir();
    let mut bundle = String::new();
    for _ in 0..10 {
        for f in ["ca.pem", "rsa.pem", "p256.pem", "noku.pem", "tsa.pem"] {
            bundle.push_str(&std::fs::read_to_string(pki.path(f)).unwrap());
        }
    }
    std::fs::write(dir.path().join("bundle.pem"), bundle).unwrap();
    for f in ["tsa.pem", "tsa.key", "tsaserial"] {
        std::fs::copy(pki.path(f), dir.path().join(f)).unwrap();
    }
    let cnf = std::fs::read_to_string(pki.path("ts.cnf"))
        .unwrap()
        .replace("certs = ./ca.pem", "certs = ./bundle.pem");
    std::fs::write(dir.path().join("ts.cnf"), cnf).unwrap();
    let heavy = PdfPki {
        dir: dir.path().to_path_buf(),
    };
    let answer = heavy.timestamp(&openssl, &signed.timestamp_request(None).unwrap());
    let stamped = signed.with_timestamp(&answer).unwrap();
    assert_eq!(
        stamped.into_pdf().unwrap_err().code(),
        "pdf.signature_too_large"
    );
    let mut page9 = opts();
    page9.page = 9;
    let err = pdf::prepare(&vector("plain.pdf"), &w.cert, &[], &page9).unwrap_err();
    assert_eq!(err.code(), "pdf.no_such_page");
    // A timestamp over another signature.
    let openssl = common::judge("openssl").unwrap();
    let a = pdf::sign(&vector("plain.pdf"), &w.key, &w.cert, &[], &opts()).unwrap();
    let b = pdf::sign(&vector("objstm.pdf"), &w.key, &w.cert, &[], &opts()).unwrap();
    let answer = pki.timestamp(&openssl, &a.timestamp_request(None).unwrap());
    assert_eq!(
        b.with_timestamp(&answer).unwrap_err().code(),
        "pdf.bad_timestamp"
    );
    assert_eq!(
        a.with_timestamp(b"not an answer").unwrap_err().code(),
        "pdf.bad_timestamp"
    );
}

#[test]
fn bad_pdfs_are_refused_with_their_codes() {
    let Some(pki) = pki() else { return };
    let w = signer(pki, "rsa");
    let code = |pdf: &[u8], limits: Limits| {
        let mut o = opts();
        o.limits = limits;
        let sign = pdf::prepare(pdf, &w.cert, &[], &o).unwrap_err().code();
        let verify = pdf::verify(
            pdf,
            &VerifyOptions {
                limits,
                ..VerifyOptions::default()
            },
        )
        .unwrap_err()
        .code();
        assert_eq!(sign, verify);
        sign
    };
    let d = Limits::default();
    let plain = vector("plain.pdf");
    assert_eq!(code(&vector("encrypted.pdf"), d), "pdf.encrypted");
    assert_eq!(code(&plain[..plain.len() / 2], d), "pdf.malformed");
    assert_eq!(code(&plain[..plain.len() - 30], d), "pdf.malformed");
    assert_eq!(code(b"%PDF-1.7\nnothing else", d), "pdf.malformed");
    assert_eq!(code(b"", d), "input.empty");
    // An xref offset moved by one byte: refused, never repaired.
    let text = String::from_utf8_lossy(&plain).replace("0000000123 00000 n", "0000000124 00000 n");
    assert_eq!(code(text.as_bytes(), d), "pdf.malformed");
    // A /Prev chain that loops.
    let looped = append_update(
        &plain,
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1 1] >>",
    );
    let last: usize = String::from_utf8_lossy(&looped)
        .rsplit("startxref")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let looped = String::from_utf8_lossy(&looped).replacen(
        &format!(
            "/Prev {}",
            String::from_utf8_lossy(&plain)
                .rsplit("startxref")
                .next()
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
        ),
        &format!("/Prev {last}"),
        1,
    );
    assert_eq!(code(looped.as_bytes(), d), "pdf.malformed");
    // Each limit with its own code.
    let small = |f: fn(&mut Limits)| {
        let mut l = Limits::default();
        f(&mut l);
        l
    };
    assert_eq!(
        code(&plain, small(|l| l.max_file_len = 100)),
        "pdf.limit.file_size"
    );
    assert_eq!(
        code(&plain, small(|l| l.max_objects = 3)),
        "pdf.limit.objects"
    );
    assert_eq!(code(&plain, small(|l| l.max_depth = 1)), "pdf.limit.depth");
    assert_eq!(
        code(&vector("objstm.pdf"), small(|l| l.max_stream_len = 10)),
        "pdf.limit.stream_length"
    );
    assert_eq!(
        code(&vector("objstm.pdf"), small(|l| l.max_inflated = 10)),
        "pdf.limit.inflated"
    );
    let twice = append_update(
        &plain,
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1 1] >>",
    );
    assert_eq!(
        code(&twice, small(|l| l.max_revisions = 1)),
        "pdf.limit.revisions"
    );
    // More signatures than the verifier takes on.
    let two = sign_bb(pki, "p256", &sign_bb(pki, "rsa", &plain));
    let one_signature = VerifyOptions {
        limits: small(|l| l.max_signatures = 1),
        ..VerifyOptions::default()
    };
    assert_eq!(
        pdf::verify(&two, &one_signature).unwrap_err().code(),
        "pdf.limit.signatures"
    );
}

#[test]
fn an_unsigned_file_is_reported_as_such() {
    let report = pdf::verify(&vector("plain.pdf"), &VerifyOptions::default()).unwrap();
    assert!(!report.valid && report.signatures.is_empty());
    assert_eq!(report.findings[0].code, "pdf.verify.no_signatures");
}

#[test]
fn without_the_root_in_the_trust_list_the_chain_is_untrusted() {
    let Some(pki) = pki() else { return };
    let signed = sign_bb(pki, "p256", &vector("plain.pdf"));
    let report = pdf::verify(
        &signed,
        &VerifyOptions {
            now: now(),
            ..VerifyOptions::default()
        },
    )
    .unwrap();
    assert!(!report.valid);
    assert!(has(&report, 0, Check::ChainUntrusted) && has(&report, 0, Check::DigestOk));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["signatures"][0]["findings"][0]["code"],
        "pdf.verify.byte_range_ok"
    );
    assert!(
        json["signatures"][0]["findings"][0]["id"]
            .as_str()
            .unwrap()
            .contains("Tanda tangan")
    );
}

/// Runs `openssl args` in `dir`; panics with its stderr when it fails.
fn openssl_in(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new(common::judge("openssl").unwrap())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A copy of the PKI's CA database with some certificates revoked: its OCSP responder
/// (`pki.ocsp`) and the root's CRL (DER) say so.
struct Revoked {
    pki: PdfPki,
    crl: Vec<u8>,
    _dir: tempfile::TempDir,
}

/// Revokes `certs` (paths of certificates the PKI's root issued) in a copy of its database.
fn revoked(pki: &PdfPki, certs: &[PathBuf]) -> Revoked {
    let dir = common::tempdir();
    for f in ["ca.cnf", "ca.key", "ca.pem", "index.txt", "crlnumber"] {
        std::fs::copy(pki.path(f), dir.path().join(f)).unwrap();
    }
    let in_dir = |args: &[&str]| openssl_in(dir.path(), args);
    for cert in certs {
        in_dir(&["ca", "-config", "ca.cnf", "-revoke", common::p(cert)]);
    }
    in_dir(&[
        "ca",
        "-config",
        "ca.cnf",
        "-gencrl",
        "-out",
        "revoked.crl.pem",
    ]);
    in_dir(&[
        "crl",
        "-in",
        "revoked.crl.pem",
        "-outform",
        "DER",
        "-out",
        "revoked.crl",
    ]);
    Revoked {
        pki: PdfPki {
            dir: dir.path().to_path_buf(),
        },
        crl: std::fs::read(dir.path().join("revoked.crl")).unwrap(),
        _dir: dir,
    }
}

#[test]
fn a_revoked_signer_is_reported_from_a_crl_and_from_ocsp() {
    let Some(pki) = pki() else { return };
    let openssl = common::judge("openssl").unwrap();
    let revoked = revoked(pki, &[pki.path("p256.pem")]);
    let signed = sign_bb(pki, "p256", &vector("plain.pdf"));
    let w = signer(pki, "p256");
    let base = VerifyOptions {
        trust: vec![ca_der(pki)],
        now: now(),
        ..VerifyOptions::default()
    };

    let with_crl = VerifyOptions {
        crls: vec![revoked.crl.clone()],
        ..base.clone()
    };
    let report = pdf::verify(&signed, &with_crl).unwrap();
    assert!(
        !report.valid && has(&report, 0, Check::RevocationRevoked),
        "{report:#?}"
    );

    let query = pdf::ocsp_request(&w.cert, &ca_der(pki)).unwrap();
    let with_ocsp = VerifyOptions {
        ocsps: vec![revoked.pki.ocsp(&openssl, &query)],
        ..base.clone()
    };
    let report = pdf::verify(&signed, &with_ocsp).unwrap();
    assert!(
        !report.valid && has(&report, 0, Check::RevocationRevoked),
        "{report:#?}"
    );

    // The same answers from the unrevoked database say good; none at all says unknown.
    let good = VerifyOptions {
        ocsps: vec![pki.ocsp(&openssl, &query)],
        ..base.clone()
    };
    let report = pdf::verify(&signed, &good).unwrap();
    assert!(
        report.valid && has(&report, 0, Check::RevocationGood),
        "{report:#?}"
    );
    let report = pdf::verify(&signed, &base).unwrap();
    assert!(
        report.valid && has(&report, 0, Check::RevocationUnknown),
        "{report:#?}"
    );
}

#[test]
fn b_lt_with_ocsp_only_passes_pyhankos_ltv_check_for_both_keys() {
    // pyHanko 0.38 (pyhanko_certvalidator's _check_revocation) consults OCSP only for a
    // certificate whose authorityInfoAccess names a responder: with the PKI's first
    // certificates, which name none, an OCSP-only DSS gave "no revocation information", while a
    // root's CRL is consulted regardless. kunci-ams's certificates name their responder; so do
    // these.
    let Some(pki) = pki() else { return };
    let aia = AiaPki::new(pki);
    for (who, file) in [("rsa", "plain.pdf"), ("p256", "objstm.pdf")] {
        let signed = sign_blt_ocsp(&aia.pki, who, &vector(file), true);
        let report = kunci_verify(&aia.pki, &signed);
        assert!(
            report.valid && report.signatures[0].level == "B-LT",
            "{report:#?}"
        );
        assert!(
            has(&report, 0, Check::RevocationGood) && !has(&report, 0, Check::TsaRevocationUnknown),
            "{report:#?}"
        );
        // adesverify only: `validate` reads no DSS.
        let path = save(&signed, "blt-ocsp.pdf");
        if let Some(pyhanko) = common::pyhanko() {
            let out = pyhanko_judge(&pyhanko, &aia.pki, "adesverify", &path);
            assert!(
                out.status.success(),
                "pyHanko adesverify: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    // kunci itself needs the TSA's answer for its TSA check: with the signer's alone, unknown.
    let signer_only = sign_blt_ocsp(&aia.pki, "p256", &vector("plain.pdf"), false);
    let report = kunci_verify(&aia.pki, &signer_only);
    assert!(
        report.valid && has(&report, 0, Check::TsaRevocationUnknown),
        "{report:#?}"
    );
}

/// A CA between the root and a signer: `inter.pem` (the root's, serial 40) issuing `leaf.pem`
/// (P-256, `leaf.key`), and the intermediate's own CRL (`inter.crl`, nothing revoked).
struct Intermediate {
    dir: tempfile::TempDir,
}

impl Intermediate {
    fn new(pki: &PdfPki) -> Intermediate {
        let dir = common::tempdir();
        let o = |args: &[&str]| openssl_in(dir.path(), args);
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "inter.ext",
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        );
        let (ca, ca_key, leaf_ext) = (
            pki.path("ca.pem"),
            pki.path("ca.key"),
            pki.path("signer.ext"),
        );
        for (name, cn, issuer, issuer_key, ext, serial) in [
            (
                "inter",
                "Kunci PDF Test Intermediate",
                common::p(&ca),
                common::p(&ca_key),
                "inter.ext",
                "40",
            ),
            (
                "leaf",
                "Penanda Tangan Bawah",
                "inter.pem",
                "inter.key",
                common::p(&leaf_ext),
                "41",
            ),
        ] {
            let key = format!("{name}.key");
            let csr = format!("{name}.csr");
            o(&[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &key,
            ]);
            let subj = format!("/C=ID/O=Kunci PDF Test/CN={cn}");
            o(&["req", "-new", "-key", &key, "-subj", &subj, "-out", &csr]);
            o(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                issuer,
                "-CAkey",
                issuer_key,
                "-set_serial",
                serial,
                "-days",
                "900",
                "-sha256",
                "-extfile",
                ext,
                "-out",
                &format!("{name}.pem"),
            ]);
        }
        write("inter-index.txt", "");
        write("inter-crlnumber", "01\n");
        write(
            "inter.cnf",
            "[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = ./inter-index.txt\n\
             crlnumber = ./inter-crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n\
             certificate = ./inter.pem\nprivate_key = ./inter.key\n",
        );
        o(&[
            "ca",
            "-config",
            "inter.cnf",
            "-gencrl",
            "-out",
            "inter.crl.pem",
        ]);
        o(&[
            "crl",
            "-in",
            "inter.crl.pem",
            "-outform",
            "DER",
            "-out",
            "inter.crl",
        ]);
        Intermediate { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn der(&self, name: &str) -> Vec<u8> {
        kunci_core::pem::der_or_pem(&std::fs::read(self.path(name)).unwrap(), &["CERTIFICATE"])
            .unwrap()
    }

    /// `pdf` signed B-B by the leaf, the chain (intermediate, root) in the signature.
    fn sign(&self, pki: &PdfPki, pdf: &[u8]) -> Vec<u8> {
        let key = pkcs8::read_unencrypted(&std::fs::read(self.path("leaf.key")).unwrap()).unwrap();
        let chain = [self.der("inter.pem"), ca_der(pki)];
        pdf::sign(pdf, &key, &self.der("leaf.pem"), &chain, &opts())
            .unwrap()
            .into_pdf()
            .unwrap()
    }
}

#[test]
fn a_revoked_intermediate_ca_is_reported_and_a_good_one_passes_silently() {
    let Some(pki) = pki() else { return };
    let inter = Intermediate::new(pki);
    let signed = inter.sign(pki, &vector("plain.pdf"));
    let with_crls = |crls: Vec<Vec<u8>>| {
        let options = VerifyOptions {
            trust: vec![ca_der(pki)],
            crls,
            now: now(),
            ..VerifyOptions::default()
        };
        pdf::verify(&signed, &options).unwrap()
    };
    let inter_crl = std::fs::read(inter.path("inter.crl")).unwrap();
    let root_crl = std::fs::read(pki.path("ca.crl.der")).unwrap();

    // Both CRLs, nothing revoked: the signer and the intermediate are good.
    let report = with_crls(vec![inter_crl.clone(), root_crl]);
    assert!(report.valid, "{report:#?}");
    assert!(has(&report, 0, Check::RevocationGood), "{report:#?}");
    assert!(
        !has(&report, 0, Check::ChainRevocationUnknown) && !has(&report, 0, Check::ChainRevoked),
        "all good adds no chain finding: {report:#?}"
    );

    // The intermediate's CRL alone: the signer is good, the intermediate unknown (a warning).
    let report = with_crls(vec![inter_crl.clone()]);
    assert!(report.valid, "{report:#?}");
    assert!(
        has(&report, 0, Check::ChainRevocationUnknown),
        "{report:#?}"
    );

    // The root revoked the intermediate: the signature is not valid, and says why.
    let revoked = revoked(pki, &[inter.path("inter.pem")]);
    let report = with_crls(vec![inter_crl, revoked.crl.clone()]);
    assert!(
        !report.valid && has(&report, 0, Check::ChainRevoked),
        "{report:#?}"
    );
    assert!(
        has(&report, 0, Check::RevocationGood),
        "the signer itself is not revoked"
    );
    let json = serde_json::to_value(&report).unwrap();
    let finding = json["signatures"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "pdf.verify.chain_revoked")
        .unwrap();
    assert!(
        finding["detail"]
            .as_str()
            .unwrap()
            .contains("Kunci PDF Test Intermediate"),
        "{finding}"
    );
    assert!(
        finding["id"].as_str().unwrap().contains("dicabut"),
        "{finding}"
    );

    // The same from the root's OCSP responder instead of its CRL.
    let openssl = common::judge("openssl").unwrap();
    let query = pdf::ocsp_request(&inter.der("inter.pem"), &ca_der(pki)).unwrap();
    let options = VerifyOptions {
        trust: vec![ca_der(pki)],
        crls: vec![std::fs::read(inter.path("inter.crl")).unwrap()],
        ocsps: vec![revoked.pki.ocsp(&openssl, &query)],
        now: now(),
        ..VerifyOptions::default()
    };
    let report = pdf::verify(&signed, &options).unwrap();
    assert!(
        !report.valid && has(&report, 0, Check::ChainRevoked),
        "{report:#?}"
    );
}

#[test]
fn a_tsa_revoked_before_its_timestamp_is_reported() {
    let Some(pki) = pki() else { return };
    // Revoked first, then the token made: the revocation is not later than the timestamp.
    let revoked = revoked(pki, &[pki.path("tsa.pem")]);
    let signed = sign_bt(pki, "p256", &vector("plain.pdf"));
    let verify_with = |crl: &[u8]| {
        let options = VerifyOptions {
            trust: vec![ca_der(pki)],
            crls: vec![crl.to_vec()],
            now: now(),
            ..VerifyOptions::default()
        };
        pdf::verify(&signed, &options).unwrap()
    };
    let report = verify_with(&revoked.crl);
    assert!(
        !report.valid && has(&report, 0, Check::TsaRevoked),
        "{report:#?}"
    );
    assert!(
        has(&report, 0, Check::RevocationGood),
        "the signer itself is not revoked"
    );
    let report = verify_with(&std::fs::read(pki.path("ca.crl.der")).unwrap());
    assert!(
        report.valid && !has(&report, 0, Check::TsaRevocationUnknown),
        "{report:#?}"
    );
    // B-T without any revocation data: the TSA's status is unknown, a warning.
    let report = kunci_verify(pki, &signed);
    assert!(
        report.valid && has(&report, 0, Check::TsaRevocationUnknown),
        "{report:#?}"
    );
}

#[test]
fn an_rsa_token_signing_the_digest_info_raw_gives_a_valid_signature() {
    // What PKCS#11 CKM_RSA_PKCS does: PKCS#1 v1.5 over the DigestInfo it is given, no
    // hashing; played by `openssl pkeyutl -sign` without a digest.
    let Some(pki) = pki() else { return };
    let openssl = common::judge("openssl").unwrap();
    let w = signer(pki, "rsa");
    let prepared = pdf::prepare(&vector("objstm.pdf"), &w.cert, &[ca_der(pki)], &opts()).unwrap();
    let dir = common::tempdir();
    let (input, output) = (dir.path().join("di"), dir.path().join("sig"));
    std::fs::write(&input, prepared.to_be_signed_digest_info()).unwrap();
    let key = pki.path("rsa.key");
    common::run_ok(
        &openssl,
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            common::p(&key),
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
            "-in",
            common::p(&input),
            "-out",
            common::p(&output),
        ],
        None,
    );
    let signature = std::fs::read(&output).unwrap();
    let signed = prepared.finish(&signature).unwrap().into_pdf().unwrap();
    judged_valid(pki, &signed, 1, false);
}

#[test]
fn a_document_certified_by_pyhanko_is_signed_when_it_allows_signatures_and_refused_when_not() {
    let Some(pki) = pki() else { return };
    let Some(pyhanko) = common::pyhanko() else {
        return;
    };
    // pyHanko certifies with /P 2: form filling and signing allowed.
    let bytes = pyhanko_signed(&pyhanko, pki, &vector("form.pdf"), "Cert1", true);
    let signed = sign_bb(pki, "p256", &bytes);
    judged_valid(pki, &signed, 2, false);
    // With /P 1 (the byte changed: the certification's own digest breaks, which does not
    // matter here) kunci refuses to add a signature.
    let at = bytes
        .windows(4)
        .position(|w| w == b"/P 2")
        .expect("pyHanko wrote /P 2");
    let mut no_changes = bytes.clone();
    no_changes[at + 3] = b'1';
    let w = signer(pki, "p256");
    let err = pdf::prepare(&no_changes, &w.cert, &[], &opts()).unwrap_err();
    assert_eq!(err.code(), "pdf.certified_no_changes");
}

/// A fresh SoftHSM2 token with a P-256 (id 01) and an RSA-2048 (id 02) key pair made on it by
/// `pkcs11-tool`, and a certificate from the PKI's root for each public key; None (skipped)
/// without SoftHSM2 or pkcs11-tool.
struct Token {
    dir: tempfile::TempDir,
    conf: PathBuf,
    pkcs11_tool: PathBuf,
}

const TOKEN_PIN: &str = "123456";

impl Token {
    fn new(pki: &PdfPki) -> Option<Token> {
        let softhsm = common::judge("softhsm2-util")?;
        let pkcs11_tool = common::judge("pkcs11-tool")?;
        if !Path::new(common::SOFTHSM_MODULE).is_file() {
            assert!(!common::required(), "SoftHSM2's module is missing");
            return None;
        }
        let openssl = common::judge("openssl")?;
        let dir = common::tempdir();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        let env = [("SOFTHSM2_CONF", conf.as_path())];
        common::run_ok_env(
            &softhsm,
            &[
                "--init-token",
                "--free",
                "--label",
                "pdf",
                "--pin",
                TOKEN_PIN,
                "--so-pin",
                "654321",
            ],
            &env,
        );
        let token = Token {
            conf,
            pkcs11_tool,
            dir,
        };
        for (id, kind, cn) in [
            ("01", "EC:prime256v1", "Token P-256"),
            ("02", "rsa:2048", "Token RSA"),
        ] {
            token.tool(&[
                "--login",
                "--pin",
                TOKEN_PIN,
                "--keypairgen",
                "--key-type",
                kind,
                "--id",
                id,
            ]);
            let pub_der = token.dir.path().join(format!("{id}.pub.der"));
            token.tool(&[
                "--read-object",
                "--type",
                "pubkey",
                "--id",
                id,
                "-o",
                common::p(&pub_der),
            ]);
            let d = token.dir.path();
            let pub_pem = d.join(format!("{id}.pub.pem"));
            common::run_ok(
                &openssl,
                &[
                    "pkey",
                    "-pubin",
                    "-inform",
                    "DER",
                    "-in",
                    common::p(&pub_der),
                    "-out",
                    common::p(&pub_pem),
                ],
                None,
            );
            // Any CSR will do: -force_pubkey puts the token's key in the certificate.
            let csr = d.join("any.csr");
            let subj = format!("/C=ID/O=Kunci PDF Test/CN={cn}");
            let key = pki.path("p256.key");
            common::run_ok(
                &openssl,
                &[
                    "req",
                    "-new",
                    "-key",
                    common::p(&key),
                    "-subj",
                    &subj,
                    "-out",
                    common::p(&csr),
                ],
                None,
            );
            let (ca, ca_key, ext) = (
                pki.path("ca.pem"),
                pki.path("ca.key"),
                pki.path("signer.ext"),
            );
            let cert = d.join(format!("{id}.pem"));
            common::run_ok(
                &openssl,
                &[
                    "x509",
                    "-req",
                    "-in",
                    common::p(&csr),
                    "-force_pubkey",
                    common::p(&pub_pem),
                    "-CA",
                    common::p(&ca),
                    "-CAkey",
                    common::p(&ca_key),
                    "-set_serial",
                    &format!("9{id}"),
                    "-days",
                    "100",
                    "-sha256",
                    "-extfile",
                    common::p(&ext),
                    "-out",
                    common::p(&cert),
                ],
                None,
            );
        }
        Some(token)
    }

    fn tool(&self, args: &[&str]) -> String {
        let mut all = vec!["--module", common::SOFTHSM_MODULE, "--token-label", "pdf"];
        all.extend_from_slice(args);
        common::run_ok_env(
            &self.pkcs11_tool,
            &all,
            &[("SOFTHSM2_CONF", self.conf.as_path())],
        )
    }

    fn cert(&self, id: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(format!("{id}.pem"))).unwrap()
    }

    /// The token signs `input` with key `id` under `mechanism`, as the extension's helper will.
    fn sign(&self, id: &str, mechanism: &str, input: &[u8]) -> Vec<u8> {
        let (i, o) = (
            self.dir.path().join("in.bin"),
            self.dir.path().join("sig.bin"),
        );
        std::fs::write(&i, input).unwrap();
        self.tool(&[
            "--login",
            "--pin",
            TOKEN_PIN,
            "--sign",
            "--mechanism",
            mechanism,
            "--id",
            id,
            "-i",
            common::p(&i),
            "-o",
            common::p(&o),
        ]);
        std::fs::read(&o).unwrap()
    }
}

#[test]
fn keys_on_a_softhsm_token_sign_b_b_and_b_t_accepted_by_every_judge() {
    let Some(pki) = pki() else { return };
    let Some(token) = Token::new(pki) else { return };
    let openssl = common::judge("openssl").unwrap();
    // P-256: CKM_ECDSA over the SHA-256 digest, raw r || s back.
    let prepared = pdf::prepare(
        &vector("form.pdf"),
        &token.cert("01"),
        &[ca_der(pki)],
        &opts(),
    )
    .unwrap();
    let raw = token.sign("01", "ECDSA", &prepared.to_be_signed_digest());
    assert_eq!(raw.len(), 64);
    let signed = prepared.finish(&raw).unwrap();
    let answer = pki.timestamp(&openssl, &signed.timestamp_request(Some(7)).unwrap());
    let once = signed.with_timestamp(&answer).unwrap().into_pdf().unwrap();
    judged_valid(pki, &once, 1, false);
    // RSA: CKM_RSA_PKCS over the DigestInfo; a second signature on the same file.
    let prepared = pdf::prepare(&once, &token.cert("02"), &[ca_der(pki)], &opts()).unwrap();
    let sig = token.sign("02", "RSA-PKCS", &prepared.to_be_signed_digest_info());
    let twice = prepared.finish(&sig).unwrap().into_pdf().unwrap();
    judged_valid(pki, &twice, 2, false);
}
