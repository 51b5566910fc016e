//! PDF objects as kunci's reader sees them and its writer writes them (ISO 32000-1 section 7.3):
//! the value type, dictionaries that keep their keys' order, and serialisation back to bytes.
//!
//! Reals keep their text so that a dictionary read and written again (a page that gains an
//! annotation) carries the very numbers it had; strings keep whether they were written as hex.

use std::fmt::Write as _;

/// An object number and generation: `12 0 R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    /// The object number.
    pub num: u32,
    /// The generation number.
    pub gen_: u16,
}

impl ObjRef {
    /// `num 0 R`.
    pub fn new(num: u32) -> ObjRef {
        ObjRef { num, gen_: 0 }
    }
}

/// One PDF object.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A real, as written in the file (`0.5`, `-.25`).
    Real(String),
    /// A string's bytes; `hex` says whether it was (or is to be) written `<…>`.
    Str {
        /// The bytes, escapes resolved.
        bytes: Vec<u8>,
        /// Written as a hexadecimal string.
        hex: bool,
    },
    /// A name, without its slash, `#xx` escapes resolved.
    Name(Vec<u8>),
    /// An array.
    Array(Vec<Object>),
    /// A dictionary.
    Dict(Dict),
    /// A stream: its dictionary and its raw (still encoded) bytes.
    Stream(Stream),
    /// An indirect reference.
    Ref(ObjRef),
}

/// A stream object.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    /// The stream dictionary (its `/Length` is rewritten on output).
    pub dict: Dict,
    /// The encoded bytes between `stream` and `endstream`.
    pub data: Vec<u8>,
}

/// A dictionary: keys (names without the slash) in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dict(pub Vec<(Vec<u8>, Object)>);

impl Dict {
    /// An empty dictionary.
    pub fn new() -> Dict {
        Dict(Vec::new())
    }

    /// The value of `key`, if present (the first one, should a file repeat a key).
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key` to `value`, in place if present, else at the end.
    pub fn set(&mut self, key: &[u8], value: Object) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key.to_vec(), value)),
        }
    }

    /// The name under `key`, if it is a name.
    pub fn name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::Name(n)) => Some(n),
            _ => None,
        }
    }

    /// The integer under `key`, if it is an integer.
    pub fn int(&self, key: &[u8]) -> Option<i64> {
        match self.get(key) {
            Some(Object::Int(i)) => Some(*i),
            _ => None,
        }
    }
}

impl Object {
    /// A name object from text.
    pub fn name(n: &str) -> Object {
        Object::Name(n.as_bytes().to_vec())
    }

    /// A literal string object from text.
    pub fn text(s: &str) -> Object {
        Object::Str {
            bytes: s.as_bytes().to_vec(),
            hex: false,
        }
    }

    /// The dictionary of a dictionary or stream.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    /// The reference, if this is one.
    pub fn as_ref(&self) -> Option<ObjRef> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }

    /// Appends this object's PDF syntax to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Object::Null => out.extend_from_slice(b"null"),
            Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
            Object::Real(r) => out.extend_from_slice(r.as_bytes()),
            Object::Str { bytes, hex } => write_string(bytes, *hex, out),
            Object::Name(n) => write_name(n, out),
            Object::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            Object::Dict(d) => write_dict(d, out),
            Object::Stream(s) => {
                let mut dict = s.dict.clone();
                dict.set(b"Length", Object::Int(s.data.len() as i64));
                write_dict(&dict, out);
                out.extend_from_slice(b"\nstream\n");
                out.extend_from_slice(&s.data);
                out.extend_from_slice(b"\nendstream");
            }
            Object::Ref(r) => {
                out.extend_from_slice(format!("{} {} R", r.num, r.gen_).as_bytes());
            }
        }
    }
}

fn write_dict(d: &Dict, out: &mut Vec<u8>) {
    out.extend_from_slice(b"<<");
    for (k, v) in &d.0 {
        write_name(k, out);
        out.push(b' ');
        v.write(out);
    }
    out.extend_from_slice(b">>");
}

fn write_name(n: &[u8], out: &mut Vec<u8>) {
    out.push(b'/');
    for &c in n {
        if c.is_ascii_graphic() && !is_delimiter(c) && c != b'#' {
            out.push(c);
        } else {
            let mut s = String::new();
            let _ = write!(s, "#{c:02X}");
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn write_string(bytes: &[u8], hex: bool, out: &mut Vec<u8>) {
    if hex || bytes.iter().any(|&c| !(c.is_ascii_graphic() || c == b' ')) {
        out.push(b'<');
        for &c in bytes {
            out.extend_from_slice(&[HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]);
        }
        out.push(b'>');
        return;
    }
    out.push(b'(');
    for &c in bytes {
        if matches!(c, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(c);
    }
    out.push(b')');
}

/// Upper-case hexadecimal digits.
pub(crate) const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// PDF whitespace (section 7.2.2).
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, 0 | b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// PDF delimiters (section 7.2.2).
pub(crate) fn is_delimiter(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_write_as_pdf_syntax() {
        let mut d = Dict::new();
        d.set(b"Type", Object::name("Sig"));
        d.set(b"A B", Object::text("x(y)\\"));
        d.set(
            b"K",
            Object::Array(vec![
                Object::Ref(ObjRef::new(3)),
                Object::Real("-.5".into()),
            ]),
        );
        d.set(
            b"H",
            Object::Str {
                bytes: vec![0, 255],
                hex: false,
            },
        );
        let mut out = Vec::new();
        Object::Dict(d).write(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<</Type /Sig/A#20B (x\\(y\\)\\\\)/K [3 0 R -.5]/H <00FF>>>"
        );
    }
}
