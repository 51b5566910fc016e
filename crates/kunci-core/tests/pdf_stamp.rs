//! The visible stamp with an image (`kunci_core::pdf::Stamp::image`), judged from outside:
//! poppler's `pdftoppm` renders the signed page at 72 dpi (one pixel a point) and the test
//! reads the pixels: the image's colours inside the stamp's box (an RGBA PNG's transparent
//! border shows the white box through, a JPEG its own colour), ink from the QR code and the
//! text, and the rest of the page exactly as before signing; `qpdf --check`, pdfsig and
//! pyHanko still accept the file. Also `page_boxes`, which the portal places the stamp with.

// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use kunci_core::pdf::{self, Limits, SignOptions, Stamp, VerifyOptions};
use kunci_core::pkcs8;
use kunci_test_support::{self as common, PDF_KEY_PASSWORD, PdfPki};

/// 2026-12-06 10:00:00 UTC.
const T0: i64 = 1_796_551_200;

/// A PNG file (CRCs left 0: kunci does not check them, poppler never sees this file).
fn png(w: u32, h: u32, color: u8, pixels: &[u8]) -> Vec<u8> {
    let samples = pixels.len() / (w * h) as usize;
    let mut rows = Vec::new();
    for row in pixels.chunks(w as usize * samples) {
        rows.push(0); // filter None
        rows.extend_from_slice(row);
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&[0; 4]);
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, color, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&rows, 6),
    );
    chunk(b"IEND", &[]);
    out
}

/// 40 × 20 RGBA: a blue opaque middle (20 × 10) in a transparent red border.
fn blue_in_transparent_red() -> Vec<u8> {
    let mut px = Vec::new();
    for y in 0..20 {
        for x in 0..40 {
            let inside = (10..30).contains(&x) && (5..15).contains(&y);
            px.extend_from_slice(if inside {
                &[0, 0, 255, 255]
            } else {
                &[255, 0, 0, 0]
            });
        }
    }
    png(40, 20, 6, &px)
}

/// A red 40 × 20 JPEG, made by pdftoppm from a page filled with red.
fn red_jpeg(pdftoppm: &Path, dir: &Path) -> Vec<u8> {
    // Offsets are wrong on purpose: poppler rebuilds the cross-reference table.
    let page = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 40 20] /Contents 4 0 R >> endobj\n\
        4 0 obj << /Length 24 >> stream\n1 0 0 rg 0 0 40 20 re f\nendstream endobj\n\
        trailer << /Size 5 /Root 1 0 R >>\n%%EOF\n";
    let src = dir.join("red.pdf");
    std::fs::write(&src, page).unwrap();
    let prefix = dir.join("red");
    common::run(
        pdftoppm,
        &[
            "-jpeg",
            "-r",
            "72",
            "-singlefile",
            common::p(&src),
            common::p(&prefix),
        ],
        None,
    );
    std::fs::read(dir.join("red.jpg")).unwrap()
}

struct Pixels {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Pixels {
    /// The pixel at (`x`, `y`) in PDF points from the bottom left.
    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = ((self.h - 1 - y) * self.w + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

/// Page `page` of `pdf` rendered by pdftoppm at 72 dpi, as RGB.
fn render(pdftoppm: &Path, pdf: &[u8], page: usize, dir: &Path, name: &str) -> Pixels {
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let prefix = dir.join(name);
    let n = page.to_string();
    common::run_ok(
        pdftoppm,
        &[
            "-r",
            "72",
            "-f",
            &n,
            "-l",
            &n,
            "-singlefile",
            common::p(&file),
            common::p(&prefix),
        ],
        None,
    );
    let data = std::fs::read(dir.join(format!("{name}.ppm"))).unwrap();
    // P6 header: "P6\n<w> <h>\n255\n".
    let text = String::from_utf8_lossy(&data[..32]).into_owned();
    let mut fields = text.split_ascii_whitespace();
    assert_eq!(fields.next(), Some("P6"));
    let w: usize = fields.next().unwrap().parse().unwrap();
    let h: usize = fields.next().unwrap().parse().unwrap();
    let start = data.len() - w * h * 3;
    Pixels {
        w,
        h,
        rgb: data[start..].to_vec(),
    }
}

struct Signer {
    key: kunci_core::KeyPair,
    cert: Vec<u8>,
    ca: Vec<u8>,
}

fn signer(pki: &PdfPki) -> Signer {
    let key = pkcs8::decrypt(
        &std::fs::read(pki.path("rsa.enc.pem")).unwrap(),
        PDF_KEY_PASSWORD.as_bytes(),
    )
    .unwrap();
    let der = |name: &str| {
        kunci_core::pem::der_or_pem(&std::fs::read(pki.path(name)).unwrap(), &["CERTIFICATE"])
            .unwrap()
    };
    Signer {
        key,
        cert: std::fs::read(pki.path("rsa.pem")).unwrap(),
        ca: der("ca.pem"),
    }
}

fn sign(s: &Signer, pdf: &[u8], page: usize, stamp: Stamp) -> Vec<u8> {
    let mut options = SignOptions::new(T0);
    options.page = page;
    options.stamp = Some(stamp);
    pdf::sign(pdf, &s.key, &s.cert, std::slice::from_ref(&s.ca), &options)
        .unwrap()
        .into_pdf()
        .unwrap()
}

fn stamp_at(x: f64, y: f64, image: Vec<u8>) -> Stamp {
    let mut stamp = Stamp::new(
        x,
        y,
        "Budi Santoso",
        "2026-12-06 10:00",
        Some("https://kunci.example/verifikasi.html"),
    );
    stamp.image = Some(image);
    stamp
}

/// The test's folder, PKI and signer, and pdftoppm (None when OpenSSL or pdftoppm is missing).
fn setup() -> Option<(TempDir, PdfPki, Signer, PathBuf)> {
    let (openssl, pdftoppm) = (common::judge("openssl")?, common::judge("pdftoppm")?);
    let dir = common::tempdir();
    let pki = PdfPki::make(&openssl, dir.path());
    let s = signer(&pki);
    Some((dir, pki, s, pdftoppm))
}

/// Every judge accepts `pdf` with one valid signature.
fn judges_accept(pki: &PdfPki, s: &Signer, pdf: &[u8], dir: &Path) {
    let report = pdf::verify(
        pdf,
        &VerifyOptions {
            trust: vec![s.ca.clone()],
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64,
            ..VerifyOptions::default()
        },
    )
    .unwrap();
    assert!(report.valid, "{report:#?}");
    let path: PathBuf = dir.join("judged.pdf");
    std::fs::write(&path, pdf).unwrap();
    if let Some(qpdf) = common::judge("qpdf") {
        let (clean, text) = common::qpdf_clean(&qpdf, &path);
        assert!(clean, "qpdf: {text}");
    }
    if let Some(pdfsig) = common::judge("pdfsig") {
        let text = common::pdfsig(&pdfsig, pki, &path);
        assert!(text.contains("Signature is Valid."), "pdfsig: {text}");
    }
    if let Some(pyhanko) = common::pyhanko() {
        let out = common::pyhanko_validate(&pyhanko, pki, &path);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(":INTACT:TRUSTED"), "pyHanko: {text}");
    }
}

/// The pixels of `a` and `b` differ only inside the box (`x0`, `y0`)-(`x1`, `y1`), in points.
fn same_outside(a: &Pixels, b: &Pixels, (x0, y0, x1, y1): (usize, usize, usize, usize)) {
    assert_eq!((a.w, a.h), (b.w, b.h));
    let mut changed = 0;
    for y in 0..a.h {
        for x in 0..a.w {
            // One pixel of slack for anti-aliasing at the box's edges.
            let inside = x + 1 >= x0 && x <= x1 && y + 1 >= y0 && y <= y1;
            if !inside && a.at(x, y) != b.at(x, y) {
                changed += 1;
            }
        }
    }
    assert_eq!(changed, 0, "pixels changed outside the stamp");
}

fn is_white(p: [u8; 3]) -> bool {
    p.iter().all(|&c| c > 240)
}

#[test]
fn a_stamp_with_a_transparent_png_draws_it_where_asked_and_nothing_else() {
    let Some((dir, pki, s, pdftoppm)) = setup() else {
        return;
    };
    let plain = common::pdf_vector("plain.pdf");
    let signed = sign(
        &s,
        &plain,
        1,
        stamp_at(100.0, 500.0, blue_in_transparent_red()),
    );
    judges_accept(&pki, &s, &signed, dir.path());
    let before = render(&pdftoppm, &plain, 1, dir.path(), "before");
    let after = render(&pdftoppm, &signed, 1, dir.path(), "after");
    same_outside(&before, &after, (100, 500, 340, 572));
    // The stamp is 240 × 72 at (100, 500). The QR code fills the left 72 × 72 less 4-point
    // margins; the image's room is the next 64 points of height and at most 80 wide: the
    // 2:1 image is drawn 80 × 40 at (174, 516), its blue middle at (194-234, 526-546).
    assert_eq!(after.at(214, 536), [0, 0, 255], "the image's opaque middle");
    assert!(
        is_white(after.at(180, 520)),
        "its transparent border shows the white box"
    );
    let ink = (100..340)
        .flat_map(|x| (500..572).map(move |y| (x, y)))
        .filter(|&(x, y)| after.at(x, y).iter().all(|&c| c < 100))
        .count();
    assert!(ink > 500, "the QR code and the text: {ink} dark pixels");
    let qr_and_text_only = (100..172)
        .flat_map(|x| (500..572).map(move |y| (x, y)))
        .any(|(x, y)| after.at(x, y) == [0, 0, 255]);
    assert!(!qr_and_text_only, "no blue outside the image's place");
}

#[test]
fn a_jpeg_stamp_on_page_two_keeps_its_colour_and_the_other_page() {
    let Some((dir, pki, s, pdftoppm)) = setup() else {
        return;
    };
    let form = common::pdf_vector("form.pdf");
    let jpeg = red_jpeg(&pdftoppm, dir.path());
    assert_eq!(&jpeg[..2], [0xff, 0xd8]);
    let signed = sign(&s, &form, 2, stamp_at(300.0, 80.0, jpeg));
    judges_accept(&pki, &s, &signed, dir.path());
    let after = render(&pdftoppm, &signed, 2, dir.path(), "after2");
    same_outside(
        &render(&pdftoppm, &form, 2, dir.path(), "before2"),
        &after,
        (300, 80, 540, 152),
    );
    // The 2:1 JPEG is drawn 80 × 40 at (374, 96): red in its middle.
    let [r, g, b] = after.at(414, 116);
    assert!(
        r > 200 && g < 60 && b < 60,
        "red from the JPEG: {r} {g} {b}"
    );
    // Page 1 is untouched.
    same_outside(
        &render(&pdftoppm, &form, 1, dir.path(), "before1"),
        &render(&pdftoppm, &signed, 1, dir.path(), "after1"),
        (0, 0, 0, 0),
    );
}

#[test]
fn bad_stamp_images_are_refused_before_anything_is_written() {
    let Some((_dir, _pki, s, _)) = setup() else {
        return;
    };
    let code = |image: Vec<u8>| {
        let mut options = SignOptions::new(T0);
        options.stamp = Some(stamp_at(10.0, 10.0, image));
        pdf::sign(
            &common::pdf_vector("plain.pdf"),
            &s.key,
            &s.cert,
            &[],
            &options,
        )
        .err()
        .map(|e| e.code())
    };
    assert_eq!(
        code(b"GIF89a".to_vec()),
        Some("pdf.stamp_image_unsupported")
    );
    assert_eq!(
        code(png(2000, 1000, 0, &[0; 2_000_000])),
        Some("pdf.stamp_image_too_large")
    );
    let mut damaged = blue_in_transparent_red();
    damaged.truncate(damaged.len() - 30);
    assert_eq!(code(damaged), Some("pdf.stamp_image_malformed"));
}

#[test]
fn page_boxes_give_each_pages_size_and_rotation() {
    let boxes = pdf::page_boxes(&common::pdf_vector("form.pdf"), Limits::default()).unwrap();
    assert_eq!(boxes.len(), 2);
    for b in &boxes {
        assert_eq!(b.media_box, ["0", "0", "595", "842"].map(String::from));
        assert_eq!(b.rotate, 0);
    }
    let one = pdf::page_boxes(&common::pdf_vector("objstm.pdf"), Limits::default()).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        pdf::page_boxes(&common::pdf_vector("encrypted.pdf"), Limits::default())
            .unwrap_err()
            .code(),
        "pdf.encrypted"
    );
}
