//! The visible stamp of a signature: a box on the page with a QR code (the verification page's
//! address), an optional image (a logo or a scanned signature, PNG or JPEG: module `image`)
//! and a few lines of text (who signed, when), left to right, drawn as the widget's normal
//! appearance (a form XObject, ISO 32000-1 section 12.5.5) in Helvetica, WinAnsiEncoding.
//!
//! The stamp is only a picture: the signature's validity never depends on it, and a verifier
//! shows its own report. Characters outside Latin-1 are drawn as `?` (the standard font has
//! no others); the text itself comes from the caller, in the language it chooses.

use super::document::{Document, Limits};
use super::image;
use super::object::{Dict, ObjRef, Object, Stream};
use super::update::Update;
use crate::{Error, Result};

/// A visible stamp at a place on the signature's page.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp {
    /// Left edge, in points in the page's default user space.
    pub x: f64,
    /// Bottom edge, in points in the page's default user space.
    pub y: f64,
    /// Width in points (default 240).
    pub width: f64,
    /// Height in points (default 72).
    pub height: f64,
    /// Lines of text, top to bottom (at most 5 are drawn).
    pub lines: Vec<String>,
    /// The address the QR code opens (the verification page), if any.
    pub qr_url: Option<String>,
    /// An image drawn between the QR code and the text, fitted to the stamp's height: the
    /// bytes of a PNG or JPEG file (at most [`image::MAX_IMAGE_BYTES`] and
    /// [`image::MAX_IMAGE_PIXELS`]), if any.
    pub image: Option<Vec<u8>>,
}

impl Stamp {
    /// A stamp at (`x`, `y`) of the default size saying who signed and when, in Indonesian and
    /// English, with a QR code for `verify_url`.
    pub fn new(x: f64, y: f64, signer: &str, when_utc: &str, verify_url: Option<&str>) -> Stamp {
        Stamp {
            x,
            y,
            width: 240.0,
            height: 72.0,
            lines: vec![
                "Ditandatangani secara elektronik oleh".into(),
                signer.into(),
                format!("{when_utc} UTC"),
                "Digitally signed; verify the PDF itself.".into(),
            ],
            qr_url: verify_url.map(str::to_owned),
            image: None,
        }
    }

    /// Writes the stamp's objects into `update` (the font, the image, the appearance); the
    /// appearance's reference. A bad image or size fails here, before anything is written out.
    pub(crate) fn put(&self, update: &mut Update) -> Result<ObjRef> {
        let image = self.image.as_deref().map(image::read).transpose()?;
        let font = update.alloc();
        update.put(font, &helvetica());
        let image = image.map(|img| {
            let (w, h) = (img.width, img.height);
            (img.put(update), w, h)
        });
        let appearance = update.alloc();
        update.put(appearance, &self.appearance(Object::Ref(font), image)?);
        Ok(appearance)
    }

    /// The widget's `/Rect`.
    pub(crate) fn rect(&self) -> Object {
        Object::Array(
            [self.x, self.y, self.x + self.width, self.y + self.height]
                .iter()
                .map(|v| number(*v))
                .collect(),
        )
    }

    /// The appearance stream (a form XObject) using the font `font` as `/Helv` and the image
    /// XObject `image` (with its width and height in pixels) as `/Im1`.
    pub(crate) fn appearance(
        &self,
        font: Object,
        image: Option<(Object, u32, u32)>,
    ) -> Result<Object> {
        let (w, h) = (self.width, self.height);
        if !(w.is_finite() && h.is_finite() && w >= 20.0 && h >= 20.0 && w <= 2000.0 && h <= 2000.0)
            || !(self.x.is_finite() && self.y.is_finite())
            || self.x.abs() > 1e5
            || self.y.abs() > 1e5
        {
            return Err(Error::PdfMalformed(
                "a stamp must be between 20 and 2000 points wide and high".into(),
            ));
        }
        let mut ops = String::new();
        // A white box with a thin dark border.
        ops.push_str(&format!(
            "q 1 g 0 0 {} {} re f 0.2 G 0.8 w 0.4 0.4 {} {} re S Q\n",
            f(w),
            f(h),
            f(w - 0.8),
            f(h - 0.8)
        ));
        let mut text_x = 6.0;
        if let Some(url) = &self.qr_url {
            let qr = qrcodegen::QrCode::encode_text(url, qrcodegen::QrCodeEcc::Medium).map_err(
                |_| Error::PdfMalformed("the stamp's address is too long for a QR code".into()),
            )?;
            let side = h - 8.0;
            let n = qr.size();
            // Two modules of quiet zone on each side, inside the white box.
            let module = side / f64::from(n + 4);
            ops.push_str("q 0 g\n");
            for y in 0..n {
                for x in 0..n {
                    if qr.get_module(x, y) {
                        let px = 4.0 + module * f64::from(x + 2);
                        let py = 4.0 + side - module * f64::from(y + 3);
                        ops.push_str(&format!(
                            "{} {} {} {} re\n",
                            f(px),
                            f(py),
                            f(module),
                            f(module)
                        ));
                    }
                }
            }
            ops.push_str("f Q\n");
            text_x = side + 10.0;
        }
        let mut xobjects = Dict::new();
        if let Some((xobject, pw, ph)) = image {
            // Fitted into the stamp's height less the margins, at most a third of its width,
            // in its own proportions, centred vertically.
            let aspect = f64::from(pw) / f64::from(ph);
            let room = h - 8.0;
            let dw = (room * aspect).min(w / 3.0);
            let dh = dw / aspect;
            ops.push_str(&format!(
                "q {} 0 0 {} {} {} cm /Im1 Do Q\n",
                f(dw),
                f(dh),
                f(text_x),
                f(4.0 + (room - dh) / 2.0)
            ));
            xobjects.set(b"Im1", xobject);
            text_x += dw + 6.0;
        }
        let lines: Vec<&String> = self.lines.iter().take(5).collect();
        if !lines.is_empty() {
            let size = ((h - 8.0) / (lines.len() as f64 * 1.25)).min(9.0);
            ops.push_str(&format!(
                "BT /Helv {} Tf 0 g {} {} Td {} TL\n",
                f(size),
                f(text_x),
                f(h - 4.0 - size),
                f(size * 1.25)
            ));
            for (i, line) in lines.iter().enumerate() {
                if i > 0 {
                    ops.push_str("T* ");
                }
                ops.push_str(&format!("{} Tj\n", literal(line)));
            }
            ops.push_str("ET\n");
        }
        let mut font_dict = Dict::new();
        font_dict.set(b"Helv", font);
        let mut resources = Dict::new();
        resources.set(b"Font", Object::Dict(font_dict));
        if !xobjects.0.is_empty() {
            resources.set(b"XObject", Object::Dict(xobjects));
        }
        let mut dict = Dict::new();
        dict.set(b"Type", Object::name("XObject"));
        dict.set(b"Subtype", Object::name("Form"));
        dict.set(
            b"BBox",
            Object::Array(vec![Object::Int(0), Object::Int(0), number(w), number(h)]),
        );
        dict.set(b"Resources", Object::Dict(resources));
        Ok(Object::Stream(Stream {
            dict,
            data: ops.into_bytes(),
        }))
    }
}

/// A page's size, for placing a stamp: its `/MediaBox` (inherited from the page tree when the
/// page has none) and its `/Rotate`.
#[derive(Debug, Clone, PartialEq)]
pub struct PageBox {
    /// The media box's left, bottom, right and top, in points, as the file writes them
    /// (`612`, `595.28`, `-.5`): parse them with `str::parse::<f64>` (the wasm module leaves
    /// that to JavaScript, sparing itself Rust's float parser).
    pub media_box: [String; 4],
    /// The page's rotation in degrees, clockwise (0, 90, 180, 270).
    pub rotate: i64,
}

/// The pages of `pdf`, in order, with their sizes: where a stamp may go. Refuses what
/// signing refuses (`pdf.malformed`, `pdf.encrypted`, `pdf.limit.*`).
pub fn page_boxes(pdf: &[u8], limits: Limits) -> Result<Vec<PageBox>> {
    let doc = Document::open(pdf, limits)?;
    let mut out = Vec::new();
    for page in doc.pages()? {
        let mut media = None;
        let mut rotate = None;
        let mut node = Object::Ref(page);
        // Up the /Parent chain for inherited attributes (section 7.7.3.4), bounded.
        for _ in 0..=limits.max_depth {
            let d = doc.dict(&node)?;
            if media.is_none() {
                media = d.get(b"MediaBox").map(|m| doc.resolve(m)).transpose()?;
            }
            if rotate.is_none() {
                rotate = d.get(b"Rotate").map(|r| doc.resolve(r)).transpose()?;
            }
            match d.get(b"Parent") {
                Some(parent) if media.is_none() || rotate.is_none() => node = parent.clone(),
                _ => break,
            }
        }
        let number = |o: &Object| -> Result<String> {
            match doc.resolve(o)? {
                Object::Int(i) => Ok(i.to_string()),
                Object::Real(r) => Ok(r),
                _ => Err(Error::PdfMalformed(
                    "a /MediaBox that is not 4 numbers".into(),
                )),
            }
        };
        let media_box = match media {
            Some(Object::Array(a)) if a.len() == 4 => [
                number(&a[0])?,
                number(&a[1])?,
                number(&a[2])?,
                number(&a[3])?,
            ],
            // Section 14.11.2 has no default; A4 is what a reader shows for none.
            None => ["0".into(), "0".into(), "595".into(), "842".into()],
            Some(_) => {
                return Err(Error::PdfMalformed(
                    "a /MediaBox that is not 4 numbers".into(),
                ));
            }
        };
        let rotate = match rotate {
            Some(Object::Int(r)) => r.rem_euclid(360),
            _ => 0,
        };
        out.push(PageBox { media_box, rotate });
    }
    Ok(out)
}

/// The standard Helvetica with WinAnsiEncoding.
pub(crate) fn helvetica() -> Object {
    let mut d = Dict::new();
    d.set(b"Type", Object::name("Font"));
    d.set(b"Subtype", Object::name("Type1"));
    d.set(b"BaseFont", Object::name("Helvetica"));
    d.set(b"Encoding", Object::name("WinAnsiEncoding"));
    Object::Dict(d)
}

/// A number with at most two decimals, as content streams write it. Integer arithmetic
/// only: Rust's float formatting would add about 10 KiB to the wasm module.
fn f(v: f64) -> String {
    // Callers pass finite values within ±1e6 (checked in `appearance`).
    let hundredths = (v * 100.0).round() as i64;
    let (sign, abs) = if hundredths < 0 {
        ("-", -hundredths)
    } else {
        ("", hundredths)
    };
    let (int, frac) = (abs / 100, abs % 100);
    match frac {
        0 => format!("{sign}{int}"),
        f if f % 10 == 0 => format!("{sign}{int}.{}", f / 10),
        f => format!("{sign}{int}.{f:02}"),
    }
}

fn number(v: f64) -> Object {
    Object::Real(f(v))
}

/// A literal string in WinAnsi (Latin-1 here; other characters become `?`).
fn literal(text: &str) -> String {
    let mut out = String::from("(");
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{ff}' => out.push_str(&format!("\\{:03o}", u32::from(c))),
            _ => out.push('?'),
        }
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_appearance_draws_the_qr_code_and_the_text() {
        let stamp = Stamp::new(
            50.0,
            60.0,
            "Budi (Kominfo) \u{e9}\u{4e2d}",
            "2026-12-06 10:00",
            Some("https://kunci.example/v"),
        );
        let Object::Stream(s) = stamp.appearance(Object::Null, None).unwrap() else {
            panic!()
        };
        let text = String::from_utf8(s.data).unwrap();
        assert!(text.contains("(Budi \\(Kominfo\\) \\351?) Tj"), "{text}");
        assert!(text.matches(" re\n").count() > 100, "the QR modules");
        assert_eq!(
            stamp.rect(),
            Object::Array(vec![
                number(50.0),
                number(60.0),
                number(290.0),
                number(132.0)
            ])
        );
        assert_eq!(f(0.5), "0.5");
        assert_eq!(f(12.0), "12");
        assert_eq!(f(-0.004), "0");
        assert_eq!(f(-1.25), "-1.25");
        assert_eq!(f(3.999), "4");
        let tiny = Stamp {
            width: 5.0,
            ..stamp
        };
        assert_eq!(
            tiny.appearance(Object::Null, None).unwrap_err().code(),
            "pdf.malformed"
        );
    }
}
