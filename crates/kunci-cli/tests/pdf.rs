//! `kunci pdf sign` and `kunci pdf verify` end to end through the binary: B-B, B-T against a
//! TSA over HTTP (`openssl ts` behind a local socket), B-LT with an OCSP answer fetched over
//! HTTP (`openssl ocsp`) and the root's CRL, two signers; judged by pdfsig, pyHanko and qpdf;
//! failures (encrypted input, a TSA that is down, a certificate not for signing, an existing
//! output) with their codes and no output file left behind.

// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, OnceLock};

use kunci_test_support::{self as common, PDF_KEY_PASSWORD, PdfPki};

fn vector(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kunci-core/tests/vectors/pdf")
        .join(name)
}

fn pki() -> Option<&'static Arc<PdfPki>> {
    static PKI: OnceLock<Option<Arc<PdfPki>>> = OnceLock::new();
    PKI.get_or_init(|| {
        let openssl = common::judge("openssl")?;
        let dir = Box::leak(Box::new(common::tempdir()));
        let pki = PdfPki::make(&openssl, dir.path());
        std::fs::write(pki.path("pw"), format!("{PDF_KEY_PASSWORD}\n")).unwrap();
        Some(Arc::new(pki))
    })
    .as_ref()
}

fn kunci(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kunci"))
        .args(args)
        .env_remove("KUNCI_PASSWORD")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "kunci failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> String {
    common::p(p).to_owned()
}

/// `kunci pdf sign` as `who` with the root as chain, plus `extra` arguments.
fn sign(pki: &PdfPki, who: &str, input: &Path, out: &Path, extra: &[&str]) -> Output {
    let (key, cert, ca, pw) = (
        s(&pki.path(&format!("{who}.enc.pem"))),
        s(&pki.path(&format!("{who}.pem"))),
        s(&pki.path("ca.pem")),
        s(&pki.path("pw")),
    );
    let mut args = vec![
        "pdf",
        "sign",
        "--key",
        &key,
        "--cert",
        &cert,
        "--chain",
        &ca,
        "--password-file",
        &pw,
        "--in",
    ];
    let (i, o) = (s(input), s(out));
    args.extend([i.as_str(), "--out", o.as_str()]);
    args.extend(extra);
    kunci(&args)
}

fn tsa_url(pki: &Arc<PdfPki>, n: usize) -> String {
    let openssl = common::judge("openssl").unwrap();
    let pki = Arc::clone(pki);
    common::serve_posts(n, move |q| pki.timestamp(&openssl, q))
}

fn ocsp_url(pki: &Arc<PdfPki>, n: usize) -> String {
    let openssl = common::judge("openssl").unwrap();
    let pki = Arc::clone(pki);
    common::serve_posts(n, move |q| pki.ocsp(&openssl, q))
}

/// The codes of the first signature's findings in `kunci pdf verify --json`'s report.
fn finding_codes(json: &serde_json::Value) -> Vec<&str> {
    json["signatures"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

fn verify_json(pki: &PdfPki, file: &Path) -> (bool, serde_json::Value) {
    let ca = s(&pki.path("ca.pem"));
    let out = kunci(&["pdf", "verify", &s(file), "--trust", &ca, "--json"]);
    (
        out.status.success(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn judges_accept(pki: &PdfPki, file: &Path, n: usize, ltv: bool) {
    if let Some(qpdf) = common::judge("qpdf") {
        let out = common::run(&qpdf, &["--check", common::p(file)], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    if let Some(pdfsig) = common::judge("pdfsig") {
        let text = common::pdfsig(&pdfsig, pki, file);
        assert_eq!(text.matches("Signature is Valid.").count(), n, "{text}");
        assert_eq!(text.matches("Certificate is Trusted.").count(), n, "{text}");
    }
    if let Some(pyhanko) = common::pyhanko() {
        let ca = s(&pki.path("ca.pem"));
        let cmd = if ltv { "adesverify" } else { "validate" };
        let out = common::run(
            &pyhanko,
            &[
                "sign",
                cmd,
                "--trust-replace",
                "--trust",
                &ca,
                common::p(file),
            ],
            None,
        );
        assert!(
            out.status.success(),
            "pyHanko {cmd}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn sign_then_verify_b_b_and_a_second_signer() {
    let Some(pki) = pki() else { return };
    let dir = common::tempdir();
    let (one, two) = (dir.path().join("one.pdf"), dir.path().join("two.pdf"));
    ok(&sign(
        pki,
        "rsa",
        &vector("plain.pdf"),
        &one,
        &["--reason", "Setuju"],
    ));
    let ca = s(&pki.path("ca.pem"));
    let text = ok(&kunci(&[
        "pdf",
        "verify",
        &s(&one),
        "--trust",
        &ca,
        "--lang",
        "id",
    ]));
    assert!(
        text.contains("SAH, B-B") && text.contains("Penanda Tangan RSA"),
        "{text}"
    );
    judges_accept(pki, &one, 1, false);
    ok(&sign(pki, "p256", &one, &two, &[]));
    let (valid, json) = verify_json(pki, &two);
    assert!(valid, "{json:#}");
    assert_eq!(json["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(json["signatures"][1]["field"], "Signature2");
    judges_accept(pki, &two, 2, false);
    // Without the trust list nothing is trusted: exit 1.
    assert_eq!(kunci(&["pdf", "verify", &s(&two)]).status.code(), Some(1));
}

#[test]
fn b_t_from_a_tsa_over_http_and_b_lt_with_ocsp_and_crl() {
    let Some(pki) = pki() else { return };
    let dir = common::tempdir();
    let bt = dir.path().join("bt.pdf");
    let tsa = tsa_url(pki, 2);
    ok(&sign(
        pki,
        "p256",
        &vector("objstm.pdf"),
        &bt,
        &["--tsa", &tsa],
    ));
    let (valid, json) = verify_json(pki, &bt);
    assert!(valid && json["signatures"][0]["level"] == "B-T", "{json:#}");
    judges_accept(pki, &bt, 1, false);

    let blt = dir.path().join("blt.pdf");
    // Two OCSP questions: the signer's certificate and the TSA's.
    let ocsp = ocsp_url(pki, 2);
    let crl = s(&pki.path("ca.crl.der"));
    ok(&sign(
        pki,
        "rsa",
        &vector("form.pdf"),
        &blt,
        &["--tsa", &tsa, "--ocsp", "--ocsp-url", &ocsp, "--crl", &crl],
    ));
    let (valid, json) = verify_json(pki, &blt);
    assert!(
        valid && json["signatures"][0]["level"] == "B-LT",
        "{json:#}"
    );
    let codes = finding_codes(&json);
    assert!(codes.contains(&"pdf.verify.revocation_good"), "{codes:?}");
    judges_accept(pki, &blt, 1, true);
}

#[test]
fn b_lt_with_ocsp_alone_answers_for_the_signer_and_the_tsa() {
    // No CRL: `--ocsp` asks about the signer's certificate and the TSA's (the server answers
    // exactly two), and kunci finds both good. pyHanko's LTV check on OCSP alone needs
    // certificates that name their responder: kunci-core's tests/pdf.rs judges that.
    let Some(pki) = pki() else { return };
    let dir = common::tempdir();
    let blt = dir.path().join("blt-ocsp.pdf");
    let (tsa, ocsp) = (tsa_url(pki, 1), ocsp_url(pki, 2));
    ok(&sign(
        pki,
        "p256",
        &vector("plain.pdf"),
        &blt,
        &["--tsa", &tsa, "--ocsp", "--ocsp-url", &ocsp],
    ));
    let (valid, json) = verify_json(pki, &blt);
    let codes = finding_codes(&json);
    assert!(
        valid && json["signatures"][0]["level"] == "B-LT",
        "{json:#}"
    );
    assert!(
        codes.contains(&"pdf.verify.revocation_good")
            && !codes.contains(&"pdf.verify.tsa_revocation_unknown"),
        "{codes:?}"
    );
    judges_accept(pki, &blt, 1, false);
}

#[test]
fn an_ocsp_answer_alone_gives_kunci_the_revocation_status() {
    let Some(pki) = pki() else { return };
    let dir = common::tempdir();
    let out = dir.path().join("ocsp.pdf");
    let ocsp = ocsp_url(pki, 1);
    ok(&sign(
        pki,
        "p256",
        &vector("plain.pdf"),
        &out,
        &["--ocsp", "--ocsp-url", &ocsp],
    ));
    let (valid, json) = verify_json(pki, &out);
    assert!(valid, "{json:#}");
    let f = &json["signatures"][0]["findings"];
    assert!(
        f.as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "pdf.verify.revocation_good"),
        "{f:#}"
    );
}

#[test]
fn a_tampered_file_fails_verification_with_exit_1() {
    let Some(pki) = pki() else { return };
    let dir = common::tempdir();
    let signed = dir.path().join("s.pdf");
    ok(&sign(pki, "rsa", &vector("plain.pdf"), &signed, &[]));
    let mut bytes = std::fs::read(&signed).unwrap();
    let at = bytes.windows(7).position(|w| w == b"595 842").unwrap();
    bytes[at] = b'6';
    std::fs::write(&signed, &bytes).unwrap();
    let (valid, json) = verify_json(pki, &signed);
    assert!(!valid);
    assert!(
        json["signatures"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "pdf.verify.digest_mismatch")
    );
}

#[test]
fn failures_have_codes_and_leave_no_output_file() {
    let Some(pki) = pki() else { return };
    let dir = common::tempdir();
    let out = dir.path().join("out.pdf");
    let code = |o: &Output| {
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        err.split("error[")
            .nth(1)
            .unwrap()
            .split(']')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        code(&sign(pki, "rsa", &vector("encrypted.pdf"), &out, &[])),
        "pdf.encrypted"
    );
    assert_eq!(
        code(&sign(pki, "noku", &vector("plain.pdf"), &out, &[])),
        "pdf.cert_key_usage"
    );
    // A TSA that is down: a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    assert_eq!(
        code(&sign(
            pki,
            "rsa",
            &vector("plain.pdf"),
            &out,
            &["--tsa", &url]
        )),
        "cli.tsa"
    );
    let stamp = |spec: &str| {
        code(&sign(
            pki,
            "rsa",
            &vector("plain.pdf"),
            &out,
            &["--stamp", spec],
        ))
    };
    assert_eq!(stamp("1,x,10"), "cli.usage");
    assert_eq!(stamp("3,10,10"), "pdf.no_such_page");
    // A stamp image that is neither PNG nor JPEG; one over 1 MiB, refused before it is read.
    let gif = dir.path().join("logo.gif");
    std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00").unwrap();
    let image = |path: &Path| {
        code(&sign(
            pki,
            "rsa",
            &vector("plain.pdf"),
            &out,
            &["--stamp", "1,10,10", "--stamp-image", &s(path)],
        ))
    };
    assert_eq!(image(&gif), "pdf.stamp_image_unsupported");
    let huge = dir.path().join("huge.png");
    std::fs::write(&huge, vec![0u8; (1 << 20) + 1]).unwrap();
    assert_eq!(image(&huge), "pdf.stamp_image_too_large");
    std::fs::remove_file(&gif).unwrap();
    std::fs::remove_file(&huge).unwrap();
    let truncated = dir.path().join("t.pdf");
    let plain = std::fs::read(vector("plain.pdf")).unwrap();
    std::fs::write(&truncated, &plain[..plain.len() - 40]).unwrap();
    assert_eq!(
        code(&sign(pki, "rsa", &truncated, &out, &[])),
        "pdf.malformed"
    );
    assert_eq!(
        code(&kunci(&["pdf", "verify", &s(&truncated)])),
        "pdf.malformed"
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left"
    );
    // An existing output is kept unless --force.
    std::fs::write(&out, b"keep").unwrap();
    assert_eq!(
        code(&sign(pki, "rsa", &vector("plain.pdf"), &out, &[])),
        "cli.exists"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
    ok(&sign(pki, "rsa", &vector("plain.pdf"), &out, &["--force"]));
}

#[test]
fn a_visible_stamp_with_a_qr_code_is_drawn_and_keeps_the_signatures_valid() {
    let Some(pki) = pki() else { return };
    let dir = common::tempdir();
    let (one, two) = (dir.path().join("one.pdf"), dir.path().join("two.pdf"));
    let url = "https://kunci.example/verifikasi";
    ok(&sign(
        pki,
        "rsa",
        &vector("form.pdf"),
        &one,
        &["--stamp", "2,300,80", "--stamp-url", url],
    ));
    // The second stamp carries a JPEG (pdftoppm's rendering of a page), when pdftoppm is here.
    let jpeg = common::judge("pdftoppm").map(|pdftoppm| {
        let prefix = dir.path().join("logo");
        common::run_ok(
            &pdftoppm,
            &[
                "-jpeg",
                "-r",
                "12",
                "-singlefile",
                &s(&vector("plain.pdf")),
                &s(&prefix),
            ],
            None,
        );
        s(&dir.path().join("logo.jpg"))
    });
    let mut second = vec!["--stamp", "2,300,200"];
    if let Some(j) = &jpeg {
        second.extend(["--stamp-image", j.as_str()]);
    }
    ok(&sign(pki, "p256", &one, &two, &second));
    if jpeg.is_some() {
        let bytes = std::fs::read(&two).unwrap();
        assert!(
            bytes.windows(10).any(|w| w == b"/DCTDecode"),
            "the JPEG is embedded as it is"
        );
    }
    let (valid, json) = verify_json(pki, &two);
    assert!(valid, "{json:#}");
    judges_accept(pki, &two, 2, false);
    // pdftoppm (poppler) draws the widgets: dark pixels inside the first stamp's box on page 2,
    // none left of the stamps.
    let Some(pdftoppm) = common::judge("pdftoppm") else {
        return;
    };
    let prefix = dir.path().join("page");
    common::run_ok(
        &pdftoppm,
        &[
            "-gray",
            "-r",
            "72",
            "-f",
            "2",
            "-l",
            "2",
            &s(&two),
            &s(&prefix),
        ],
        None,
    );
    let pgm = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pgm"))
        .unwrap();
    let data = std::fs::read(pgm).unwrap();
    // P5 header: "P5\n595 842\n255\n".
    let header_end = data.windows(4).position(|w| w == b"255\n").unwrap() + 4;
    let (w, h) = (595usize, 842usize);
    let pixels = &data[header_end..];
    assert_eq!(pixels.len(), w * h);
    let dark = |x0: usize, y0: usize, x1: usize, y1: usize| {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| pixels[y * w + x] < 128)
            .count()
    };
    // PDF y = 80..152 is image rows 842-152..842-80.
    let in_stamp = dark(300, h - 152, 540, h - 80);
    assert!(
        in_stamp > 500,
        "the stamp (QR and text) is drawn: {in_stamp} dark pixels"
    );
    assert_eq!(dark(0, 0, 290, h), 0, "nothing is drawn left of the stamps");
}
