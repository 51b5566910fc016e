//! The PDF tokenizer and object parser (ISO 32000-1 sections 7.2 and 7.3): one object at a
//! byte position, with the nesting depth bounded; indirect objects (`n g obj … endobj`) with
//! their streams, whose `/Length` the caller resolves.
//!
//! Strict by design: nothing is guessed or repaired. A stream's length is its `/Length`, never
//! a search for `endstream`.

use super::object::{Dict, ObjRef, Object, Stream, is_delimiter, is_space};
use crate::error::PdfLimit;
use crate::{Error, Result};

/// A cursor over a PDF's bytes.
pub(crate) struct Parser<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
    max_depth: usize,
}

/// Shorthand for a malformed-PDF error at a position.
pub(crate) fn malformed(what: &str, pos: usize) -> Error {
    Error::PdfMalformed(format!("{what} at byte {pos}"))
}

impl<'a> Parser<'a> {
    pub(crate) fn new(bytes: &'a [u8], pos: usize, max_depth: usize) -> Parser<'a> {
        Parser {
            bytes,
            pos,
            max_depth,
        }
    }

    /// Skips whitespace and comments.
    pub(crate) fn skip_space(&mut self) {
        while let Some(&c) = self.bytes.get(self.pos) {
            if is_space(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(&c) = self.bytes.get(self.pos) {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// A regular-character run (a keyword or number), after whitespace.
    pub(crate) fn word(&mut self) -> &'a [u8] {
        self.skip_space();
        let start = self.pos;
        while let Some(&c) = self.bytes.get(self.pos) {
            if is_space(c) || is_delimiter(c) {
                break;
            }
            self.pos += 1;
        }
        &self.bytes[start..self.pos]
    }

    /// Expects the keyword `kw` next.
    pub(crate) fn keyword(&mut self, kw: &[u8]) -> Result<()> {
        let at = self.pos;
        if self.word() == kw {
            Ok(())
        } else {
            Err(malformed(
                &format!("expected `{}`", String::from_utf8_lossy(kw)),
                at,
            ))
        }
    }

    /// A non-negative integer word.
    pub(crate) fn uint(&mut self) -> Result<u64> {
        let at = self.pos;
        let w = self.word();
        parse_uint(w).ok_or_else(|| malformed("expected a number", at))
    }

    /// One direct object (no stream: streams exist only as indirect objects).
    pub(crate) fn object(&mut self) -> Result<Object> {
        self.object_at_depth(0)
    }

    fn object_at_depth(&mut self, depth: usize) -> Result<Object> {
        if depth > self.max_depth {
            return Err(Error::PdfLimit {
                limit: PdfLimit::Depth,
                found: depth as u64,
                max: self.max_depth as u64,
            });
        }
        self.skip_space();
        let at = self.pos;
        let Some(c) = self.peek() else {
            return Err(malformed("unexpected end of file", at));
        };
        match c {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name_body()?))
            }
            b'(' => self.literal_string(),
            b'<' if self.bytes.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Ok(Object::Dict(self.dict_body(depth)?))
            }
            b'<' => self.hex_string(),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Object::Array(items));
                        }
                        None => return Err(malformed("unterminated array", at)),
                        _ => items.push(self.object_at_depth(depth + 1)?),
                    }
                }
            }
            _ => {
                let w = self.word();
                match w {
                    b"" => Err(malformed(&format!("unexpected byte 0x{c:02x}"), at)),
                    b"null" => Ok(Object::Null),
                    b"true" => Ok(Object::Bool(true)),
                    b"false" => Ok(Object::Bool(false)),
                    _ => self.number_or_ref(w, at),
                }
            }
        }
    }

    /// A number, or `n g R` when two integers and `R` follow.
    fn number_or_ref(&mut self, w: &[u8], at: usize) -> Result<Object> {
        if let Some(num) = parse_uint(w) {
            let save = self.pos;
            let g = self.word();
            if let Some(gen_) = parse_uint(g)
                && self.word() == b"R"
            {
                let num = u32::try_from(num).map_err(|_| malformed("object number", at))?;
                let gen_ = u16::try_from(gen_).map_err(|_| malformed("generation number", at))?;
                return Ok(Object::Ref(ObjRef { num, gen_ }));
            }
            self.pos = save;
        }
        let text = std::str::from_utf8(w).map_err(|_| malformed("bad number", at))?;
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Object::Int(i));
        }
        let body = text.strip_prefix(['+', '-']).unwrap_or(text);
        let digits = body.bytes().filter(u8::is_ascii_digit).count();
        let dots = body.bytes().filter(|&c| c == b'.').count();
        if digits > 0 && dots <= 1 && digits + dots == body.len() {
            return Ok(Object::Real(text.to_owned()));
        }
        Err(malformed(
            &format!("unexpected token `{}`", text.escape_debug()),
            at,
        ))
    }

    fn dict_body(&mut self, depth: usize) -> Result<Dict> {
        let at = self.pos;
        let mut d = Dict::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(b'>') if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Ok(d);
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.name_body()?;
                    let value = self.object_at_depth(depth + 1)?;
                    // The first of a repeated key wins, as `Dict::get` reads.
                    if d.get(&key).is_none() {
                        d.0.push((key, value));
                    }
                }
                None => return Err(malformed("unterminated dictionary", at)),
                _ => return Err(malformed("a dictionary key must be a name", self.pos)),
            }
        }
    }

    fn name_body(&mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(&c) = self.bytes.get(self.pos) {
            if is_space(c) || is_delimiter(c) {
                break;
            }
            if c == b'#' {
                let h = self.bytes.get(self.pos + 1..self.pos + 3);
                let v = h.and_then(|h| Some(hex_val(h[0])? << 4 | hex_val(h[1])?));
                let v = v.ok_or_else(|| malformed("bad #xx escape in a name", self.pos))?;
                out.push(v);
                self.pos += 3;
            } else {
                out.push(c);
                self.pos += 1;
            }
        }
        Ok(out)
    }

    fn hex_string(&mut self) -> Result<Object> {
        let at = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let Some(&c) = self.bytes.get(self.pos) else {
                return Err(malformed("unterminated hex string", at));
            };
            self.pos += 1;
            if c == b'>' {
                break;
            }
            if is_space(c) {
                continue;
            }
            let v = hex_val(c).ok_or_else(|| malformed("bad hex digit", self.pos - 1))?;
            match high.take() {
                None => high = Some(v),
                Some(h) => out.push(h << 4 | v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        Ok(Object::Str {
            bytes: out,
            hex: true,
        })
    }

    fn literal_string(&mut self) -> Result<Object> {
        let at = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut nesting = 0usize;
        loop {
            let Some(&c) = self.bytes.get(self.pos) else {
                return Err(malformed("unterminated string", at));
            };
            self.pos += 1;
            match c {
                b'(' => {
                    nesting += 1;
                    out.push(c);
                }
                b')' if nesting == 0 => break,
                b')' => {
                    nesting -= 1;
                    out.push(c);
                }
                b'\\' => {
                    let Some(&e) = self.bytes.get(self.pos) else {
                        return Err(malformed("unterminated string", at));
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
        Ok(Object::Str {
            bytes: out,
            hex: false,
        })
    }

    /// An indirect object at the cursor: `num gen obj OBJECT [stream…endstream] endobj`.
    /// `length` resolves an indirect `/Length`; `max_stream` bounds a stream's length.
    /// Returns the reference and the object; the cursor ends after `endobj`.
    pub(crate) fn indirect(
        &mut self,
        max_stream: usize,
        length: &mut dyn FnMut(ObjRef) -> Result<i64>,
    ) -> Result<(ObjRef, Object)> {
        let at = self.pos;
        let num = self.uint()?;
        let gen_ = self.uint()?;
        self.keyword(b"obj")?;
        let r = ObjRef {
            num: u32::try_from(num).map_err(|_| malformed("object number", at))?,
            gen_: u16::try_from(gen_).map_err(|_| malformed("generation number", at))?,
        };
        let obj = self.object()?;
        self.skip_space();
        let save = self.pos;
        if self.word() == b"stream" {
            let Object::Dict(dict) = obj else {
                return Err(malformed("a stream without a dictionary", save));
            };
            // After `stream`: CRLF or LF (a lone CR is not allowed, section 7.3.8.1).
            match self.peek() {
                Some(b'\r') if self.bytes.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
                Some(b'\n') => self.pos += 1,
                _ => return Err(malformed("`stream` must end its line", self.pos)),
            }
            let len = match dict.get(b"Length") {
                Some(Object::Int(n)) => *n,
                Some(Object::Ref(r)) => length(*r)?,
                _ => return Err(malformed("a stream without /Length", save)),
            };
            let len = usize::try_from(len).map_err(|_| malformed("negative /Length", save))?;
            if len > max_stream {
                return Err(Error::PdfLimit {
                    limit: PdfLimit::StreamLength,
                    found: len as u64,
                    max: max_stream as u64,
                });
            }
            let end = self
                .pos
                .checked_add(len)
                .filter(|&e| e <= self.bytes.len())
                .ok_or_else(|| malformed("a stream runs past the end of the file", save))?;
            let data = self.bytes[self.pos..end].to_vec();
            self.pos = end;
            self.keyword(b"endstream")?;
            self.keyword(b"endobj")?;
            return Ok((r, Object::Stream(Stream { dict, data })));
        }
        self.pos = save;
        self.keyword(b"endobj")?;
        Ok((r, obj))
    }
}

/// A non-negative decimal integer, as written in xref data and object headers.
pub(crate) fn parse_uint(w: &[u8]) -> Option<u64> {
    if w.is_empty() || w.len() > 19 || !w.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(w).ok()?.parse().ok()
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Object> {
        Parser::new(s.as_bytes(), 0, 8).object()
    }

    #[test]
    fn parses_the_object_kinds() {
        let o =
            parse("<< /A 1 /B -2.5 /C (a\\(b\\)\\101) /D <4142 3> /E [1 0 R /N#20x] /F null >>")
                .unwrap();
        let d = o.as_dict().unwrap();
        assert_eq!(d.int(b"A"), Some(1));
        assert_eq!(d.get(b"B"), Some(&Object::Real("-2.5".into())));
        assert_eq!(
            d.get(b"C"),
            Some(&Object::Str {
                bytes: b"a(b)A".to_vec(),
                hex: false
            })
        );
        assert_eq!(
            d.get(b"D"),
            Some(&Object::Str {
                bytes: vec![0x41, 0x42, 0x30],
                hex: true
            })
        );
        assert_eq!(
            d.get(b"E"),
            Some(&Object::Array(vec![
                Object::Ref(ObjRef::new(1)),
                Object::Name(b"N x".to_vec())
            ]))
        );
        assert_eq!(d.get(b"F"), Some(&Object::Null));
    }

    #[test]
    fn nesting_past_the_limit_is_refused_with_its_code() {
        let deep = "[".repeat(20) + &"]".repeat(20);
        assert_eq!(parse(&deep).unwrap_err().code(), "pdf.limit.depth");
        assert_eq!(parse("<< /A").unwrap_err().code(), "pdf.malformed");
        assert_eq!(parse("(abc").unwrap_err().code(), "pdf.malformed");
        assert_eq!(parse("1.2.3").unwrap_err().code(), "pdf.malformed");
    }

    #[test]
    fn indirect_stream_uses_its_length() {
        let src = b"7 0 obj << /Length 5 >> stream\nhello\nendstream endobj";
        let mut p = Parser::new(src, 0, 8);
        let (r, o) = p.indirect(100, &mut |_| Ok(0)).unwrap();
        assert_eq!(r, ObjRef::new(7));
        let Object::Stream(s) = o else { panic!() };
        assert_eq!(s.data, b"hello");
        let mut p = Parser::new(src, 0, 8);
        assert_eq!(
            p.indirect(4, &mut |_| Ok(0)).unwrap_err().code(),
            "pdf.limit.stream_length"
        );
    }
}
