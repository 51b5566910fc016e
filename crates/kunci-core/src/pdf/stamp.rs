//! The visible stamp of a signature: a box on the page with a QR code (the verification page's
//! address) and a few lines of text (who signed, when), drawn as the widget's normal
//! appearance (a form XObject, ISO 32000-1 section 12.5.5) in Helvetica, WinAnsiEncoding.
//!
//! The stamp is only a picture: the signature's validity never depends on it, and a verifier
//! shows its own report. Characters outside Latin-1 are drawn as `?` (the standard font has
//! no others); the text itself comes from the caller, in the language it chooses.

use super::object::{Dict, Object, Stream};
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
        }
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

    /// The appearance stream (a form XObject) using the font `font_ref` as `/Helv`.
    pub(crate) fn appearance(&self, font: Object) -> Result<Object> {
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
        let Object::Stream(s) = stamp.appearance(Object::Null).unwrap() else {
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
            tiny.appearance(Object::Null).unwrap_err().code(),
            "pdf.malformed"
        );
    }
}
