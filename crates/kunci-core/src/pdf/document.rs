//! Reading a PDF's structure (ISO 32000-1 section 7.5): the `startxref` at the end, the chain of
//! cross-reference sections through `/Prev` (classic tables, xref streams, and hybrid files
//! whose table names an xref stream in `/XRefStm`), objects at their offsets or inside object
//! streams, and the page tree.
//!
//! Only what signing and verifying need is read: content streams, fonts and images are never
//! decoded. Nothing is repaired: an offset that does not point at its object, a loop in
//! `/Prev`, or a missing trailer is [`Error::PdfMalformed`]. Every size that a file controls is
//! bounded by [`Limits`], each with its own code, and an encrypted file is
//! [`Error::PdfEncrypted`].

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::filter;
use super::object::{Dict, ObjRef, Object, Stream};
use super::parse::{Parser, malformed, parse_uint};
use crate::error::PdfLimit;
use crate::{Error, Result};

/// The bounds kunci's PDF reader keeps to; a file over one is refused with
/// `pdf.limit.<name>` before the work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file, in bytes (default 128 MiB).
    pub max_file_len: usize,
    /// Most objects the cross-reference data may declare (default 1 000 000).
    pub max_objects: usize,
    /// Deepest nesting of arrays and dictionaries, and of the page tree (default 64).
    pub max_depth: usize,
    /// Longest single stream, encoded (default 128 MiB).
    pub max_stream_len: usize,
    /// Most bytes decompressed from all streams kunci reads in one file (default 64 MiB).
    pub max_inflated: usize,
    /// Most cross-reference sections (revisions) in the `/Prev` chain (default 1000).
    pub max_revisions: usize,
    /// Most signatures verified in one file (default 100): each costs a hash of up to the
    /// whole file and a look at the revisions after it.
    pub max_signatures: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_len: 128 << 20,
            max_objects: 1_000_000,
            max_depth: 64,
            max_stream_len: 128 << 20,
            max_inflated: 64 << 20,
            max_revisions: 1000,
            max_signatures: 100,
        }
    }
}

/// Where the cross-reference data says an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// Free (or never used).
    Free,
    /// At a byte offset, with its generation.
    At { offset: usize, gen_: u16 },
    /// The `index`-th object of object stream `stream`.
    InStream { stream: u32, index: u32 },
}

/// The kind of the newest cross-reference section: an update follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XrefKind {
    Table,
    Stream,
}

/// An object stream, decoded once.
struct ObjStm {
    /// (object number, offset from `first`) per object.
    index: Vec<(u32, usize)>,
    first: usize,
    data: Vec<u8>,
}

/// A parsed PDF (its structure, not its pages' contents), borrowing the file's bytes.
pub(crate) struct Document<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) limits: Limits,
    entries: HashMap<u32, Entry>,
    /// The newest trailer (for an xref stream: its dictionary).
    pub(crate) trailer: Dict,
    pub(crate) kind: XrefKind,
    /// The offset of the newest cross-reference section (the next update's `/Prev`).
    pub(crate) startxref: usize,
    /// One more than the highest object number in use or declared by `/Size`.
    pub(crate) size: u32,
    objstms: RefCell<HashMap<u32, Rc<ObjStm>>>,
    inflated: Cell<usize>,
}

impl<'a> Document<'a> {
    /// Reads the structure of `bytes`.
    pub(crate) fn open(bytes: &'a [u8], limits: Limits) -> Result<Document<'a>> {
        if bytes.is_empty() {
            return Err(Error::EmptyInput);
        }
        if bytes.len() > limits.max_file_len {
            return Err(Error::PdfLimit {
                limit: PdfLimit::FileSize,
                found: bytes.len() as u64,
                max: limits.max_file_len as u64,
            });
        }
        if find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_none() {
            return Err(Error::PdfMalformed(
                "no %PDF- header: not a PDF file".into(),
            ));
        }
        let startxref = find_startxref(bytes)?;
        let mut doc = Document {
            bytes,
            limits,
            entries: HashMap::new(),
            trailer: Dict::new(),
            kind: XrefKind::Table,
            startxref,
            size: 0,
            objstms: RefCell::new(HashMap::new()),
            inflated: Cell::new(0),
        };
        let mut seen = HashSet::new();
        let mut next = Some(startxref);
        let mut first = true;
        let mut declared_size = 0u64;
        while let Some(offset) = next {
            if !seen.insert(offset) {
                return Err(Error::PdfMalformed(format!(
                    "the /Prev chain loops back to byte {offset}"
                )));
            }
            if seen.len() > limits.max_revisions {
                return Err(Error::PdfLimit {
                    limit: PdfLimit::Revisions,
                    found: seen.len() as u64,
                    max: limits.max_revisions as u64,
                });
            }
            let (trailer, kind) = doc.read_section(offset)?;
            if trailer.get(b"Encrypt").is_some() {
                return Err(Error::PdfEncrypted);
            }
            if let Some(s) = trailer.int(b"Size") {
                declared_size = declared_size.max(u64::try_from(s).unwrap_or(0));
            }
            next = match trailer.get(b"Prev") {
                None => None,
                Some(Object::Int(p)) => {
                    Some(usize::try_from(*p).map_err(|_| malformed("a negative /Prev", offset))?)
                }
                Some(_) => return Err(malformed("a /Prev that is not a number", offset)),
            };
            if first {
                doc.trailer = trailer;
                doc.kind = kind;
                first = false;
            }
        }
        if declared_size > limits.max_objects as u64 {
            return Err(too_many(declared_size, limits));
        }
        let highest = doc.entries.keys().max().map_or(0, |&n| n.saturating_add(1));
        doc.size = highest.max(declared_size as u32);
        if doc.trailer.get(b"Root").and_then(Object::as_ref).is_none() {
            return Err(Error::PdfMalformed("the trailer has no /Root".into()));
        }
        Ok(doc)
    }

    /// Reads the cross-reference section at `offset` (entries not yet known are recorded: the
    /// newest section wins), returning its trailer and kind.
    fn read_section(&mut self, offset: usize) -> Result<(Dict, XrefKind)> {
        if offset >= self.bytes.len() {
            return Err(malformed("a cross-reference offset past the end", offset));
        }
        let mut p = Parser::new(self.bytes, offset, self.limits.max_depth);
        if p.word() == b"xref" {
            self.read_table(&mut p)?;
            p.keyword(b"trailer")?;
            let Object::Dict(trailer) = p.object()? else {
                return Err(malformed("a trailer that is not a dictionary", p.pos));
            };
            // Hybrid-reference file (section 7.5.8.4): the table's entries first, then the
            // hidden xref stream's, then /Prev.
            if let Some(Object::Int(x)) = trailer.get(b"XRefStm") {
                let x =
                    usize::try_from(*x).map_err(|_| malformed("a negative /XRefStm", offset))?;
                self.read_xref_stream(x)?;
            }
            return Ok((trailer, XrefKind::Table));
        }
        let dict = self.read_xref_stream(offset)?;
        Ok((dict, XrefKind::Stream))
    }

    fn read_table(&mut self, p: &mut Parser<'_>) -> Result<()> {
        loop {
            p.skip_space();
            if p.bytes[p.pos..].starts_with(b"trailer") {
                return Ok(());
            }
            let start = p.uint()?;
            let count = p.uint()?;
            if self.entries.len() as u64 + count > self.limits.max_objects as u64 {
                return Err(too_many(self.entries.len() as u64 + count, self.limits));
            }
            for i in 0..count {
                let at = p.pos;
                let off = p.uint()?;
                let gen_ = p.uint()?;
                let kind = p.word();
                let num = u32::try_from(start + i).map_err(|_| malformed("object number", at))?;
                let entry = match kind {
                    b"n" => Entry::At {
                        offset: usize::try_from(off).map_err(|_| malformed("offset", at))?,
                        gen_: u16::try_from(gen_).map_err(|_| malformed("generation", at))?,
                    },
                    b"f" => Entry::Free,
                    _ => return Err(malformed("an xref entry must end in n or f", at)),
                };
                self.entries.entry(num).or_insert(entry);
            }
        }
    }

    /// Reads the xref stream object at `offset`, records its entries, returns its dictionary.
    fn read_xref_stream(&mut self, offset: usize) -> Result<Dict> {
        let mut p = Parser::new(self.bytes, offset, self.limits.max_depth);
        let max = self.limits.max_stream_len;
        let (_, obj) = p.indirect(max, &mut |_| {
            Err(malformed("an xref stream's /Length must be direct", offset))
        })?;
        let Object::Stream(stream) = obj else {
            return Err(malformed("expected `xref` or an xref stream", offset));
        };
        if stream.dict.name(b"Type") != Some(b"XRef") {
            return Err(malformed("expected `xref` or an xref stream", offset));
        }
        let data = self.decode(&stream)?;
        let w: Vec<usize> = match stream.dict.get(b"W") {
            Some(Object::Array(a)) if a.len() == 3 => a
                .iter()
                .map(|o| match o {
                    Object::Int(n) if (0..=8).contains(n) => Ok(*n as usize),
                    _ => Err(malformed("bad /W in an xref stream", offset)),
                })
                .collect::<Result<_>>()?,
            _ => return Err(malformed("bad /W in an xref stream", offset)),
        };
        let width = w[0] + w[1] + w[2];
        if width == 0 {
            return Err(malformed("bad /W in an xref stream", offset));
        }
        let size = stream
            .dict
            .int(b"Size")
            .ok_or_else(|| malformed("an xref stream without /Size", offset))?;
        let index: Vec<i64> = match stream.dict.get(b"Index") {
            None => vec![0, size],
            Some(Object::Array(a)) if a.len() % 2 == 0 => a
                .iter()
                .map(|o| match o {
                    Object::Int(n) if *n >= 0 => Ok(*n),
                    _ => Err(malformed("bad /Index in an xref stream", offset)),
                })
                .collect::<Result<_>>()?,
            _ => return Err(malformed("bad /Index in an xref stream", offset)),
        };
        let mut rows = data.chunks_exact(width);
        for pair in index.chunks(2) {
            let (start, count) = (pair[0] as u64, pair[1] as u64);
            if self.entries.len() as u64 + count > self.limits.max_objects as u64 {
                return Err(too_many(self.entries.len() as u64 + count, self.limits));
            }
            for i in 0..count {
                let row = rows
                    .next()
                    .ok_or_else(|| malformed("an xref stream shorter than its /Index", offset))?;
                let field = |from: usize, len: usize| -> u64 {
                    row[from..from + len]
                        .iter()
                        .fold(0u64, |acc, &b| acc << 8 | u64::from(b))
                };
                let kind = if w[0] == 0 { 1 } else { field(0, w[0]) };
                let (f2, f3) = (field(w[0], w[1]), field(w[0] + w[1], w[2]));
                let num =
                    u32::try_from(start + i).map_err(|_| malformed("object number", offset))?;
                let entry = match kind {
                    0 => Entry::Free,
                    1 => Entry::At {
                        offset: usize::try_from(f2).map_err(|_| malformed("offset", offset))?,
                        gen_: u16::try_from(f3).unwrap_or(u16::MAX),
                    },
                    2 => Entry::InStream {
                        stream: u32::try_from(f2)
                            .map_err(|_| malformed("object stream", offset))?,
                        index: u32::try_from(f3).map_err(|_| malformed("index", offset))?,
                    },
                    // Section 7.5.8.3: other types are references to the null object.
                    _ => Entry::Free,
                };
                self.entries.entry(num).or_insert(entry);
            }
        }
        Ok(stream.dict)
    }

    /// Decodes a stream within what is left of the file's decompression budget.
    pub(crate) fn decode(&self, stream: &Stream) -> Result<Vec<u8>> {
        let left = self.limits.max_inflated.saturating_sub(self.inflated.get());
        let out = filter::decode(stream, left).map_err(|e| match e {
            Error::PdfLimit {
                limit: PdfLimit::Inflated,
                ..
            } => Error::PdfLimit {
                limit: PdfLimit::Inflated,
                found: self.limits.max_inflated as u64 + 1,
                max: self.limits.max_inflated as u64,
            },
            e => e,
        })?;
        self.inflated.set(self.inflated.get() + out.len());
        Ok(out)
    }

    /// The object `r` (the null object when it is free or unknown, as section 7.3.10 says).
    pub(crate) fn get(&self, r: ObjRef) -> Result<Object> {
        self.load(r, true)
    }

    fn load(&self, r: ObjRef, lengths: bool) -> Result<Object> {
        match self.entries.get(&r.num).copied() {
            None | Some(Entry::Free) => Ok(Object::Null),
            Some(Entry::At { offset, .. }) => {
                let (found, obj) = self.parse_at(offset, lengths)?;
                if found.num != r.num {
                    return Err(Error::PdfMalformed(format!(
                        "object {} is not at byte {offset} where the cross-reference says",
                        r.num
                    )));
                }
                Ok(obj)
            }
            Some(Entry::InStream { stream, index }) => {
                let stm = self.objstm(stream)?;
                let &(num, off) = stm.index.get(index as usize).ok_or_else(|| {
                    Error::PdfMalformed(format!("object stream {stream} has no object {index}"))
                })?;
                if num != r.num {
                    return Err(Error::PdfMalformed(format!(
                        "object stream {stream} holds object {num}, not {}",
                        r.num
                    )));
                }
                let pos = stm.first.saturating_add(off);
                if pos > stm.data.len() {
                    return Err(Error::PdfMalformed(format!(
                        "object stream {stream} is short"
                    )));
                }
                Parser::new(&stm.data, pos, self.limits.max_depth).object()
            }
        }
    }

    fn parse_at(&self, offset: usize, lengths: bool) -> Result<(ObjRef, Object)> {
        if offset >= self.bytes.len() {
            return Err(malformed("an object offset past the end", offset));
        }
        let mut p = Parser::new(self.bytes, offset, self.limits.max_depth);
        let mut length = |r: ObjRef| -> Result<i64> {
            if !lengths {
                return Err(malformed("a /Length that refers to a stream", offset));
            }
            match self.load(r, false)? {
                Object::Int(n) => Ok(n),
                _ => Err(malformed(
                    "an indirect /Length that is not a number",
                    offset,
                )),
            }
        };
        p.indirect(self.limits.max_stream_len, &mut length)
    }

    /// The cross-reference entry of object `num`.
    pub(crate) fn entry(&self, num: u32) -> Option<Entry> {
        self.entries.get(&num).copied()
    }

    /// Every object number the cross-reference data knows, with its entry.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u32, Entry)> + '_ {
        self.entries.iter().map(|(n, e)| (*n, *e))
    }

    fn objstm(&self, num: u32) -> Result<Rc<ObjStm>> {
        if let Some(s) = self.objstms.borrow().get(&num) {
            return Ok(Rc::clone(s));
        }
        let Some(Entry::At { offset, .. }) = self.entries.get(&num).copied() else {
            return Err(Error::PdfMalformed(format!(
                "object stream {num} is missing or itself compressed"
            )));
        };
        let (_, obj) = self.parse_at(offset, true)?;
        let Object::Stream(stream) = obj else {
            return Err(Error::PdfMalformed(format!(
                "object {num} is not an object stream"
            )));
        };
        let n = stream.dict.int(b"N").unwrap_or(-1);
        let first = stream.dict.int(b"First").unwrap_or(-1);
        if n < 0 || first < 0 || stream.dict.name(b"Type") != Some(b"ObjStm") {
            return Err(Error::PdfMalformed(format!(
                "object {num} is not an object stream"
            )));
        }
        if n as u64 > self.limits.max_objects as u64 {
            return Err(too_many(n as u64, self.limits));
        }
        let data = self.decode(&stream)?;
        let mut p = Parser::new(&data, 0, self.limits.max_depth);
        let mut index = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let obj = p.uint()?;
            let off = p.uint()?;
            index.push((
                u32::try_from(obj).map_err(|_| malformed("object number", p.pos))?,
                usize::try_from(off).map_err(|_| malformed("offset", p.pos))?,
            ));
        }
        let stm = Rc::new(ObjStm {
            index,
            first: first as usize,
            data,
        });
        self.objstms.borrow_mut().insert(num, Rc::clone(&stm));
        Ok(stm)
    }

    /// `obj`, with one level of indirection resolved.
    pub(crate) fn resolve(&self, obj: &Object) -> Result<Object> {
        match obj {
            Object::Ref(r) => self.get(*r),
            other => Ok(other.clone()),
        }
    }

    /// The dictionary `obj` is or refers to.
    pub(crate) fn dict(&self, obj: &Object) -> Result<Dict> {
        match self.resolve(obj)? {
            Object::Dict(d) => Ok(d),
            Object::Stream(s) => Ok(s.dict),
            _ => Err(Error::PdfMalformed("expected a dictionary".into())),
        }
    }

    /// The document catalog's reference and dictionary.
    pub(crate) fn catalog(&self) -> Result<(ObjRef, Dict)> {
        let root = self
            .trailer
            .get(b"Root")
            .and_then(Object::as_ref)
            .ok_or_else(|| Error::PdfMalformed("the trailer has no /Root".into()))?;
        let dict = self.dict(&Object::Ref(root))?;
        if dict.name(b"Type").is_some_and(|t| t != b"Catalog") {
            return Err(Error::PdfMalformed("/Root is not a catalog".into()));
        }
        Ok((root, dict))
    }

    /// The pages, in order (section 7.7.3), each an indirect reference.
    pub(crate) fn pages(&self) -> Result<Vec<ObjRef>> {
        let (_, catalog) = self.catalog()?;
        let root = catalog
            .get(b"Pages")
            .and_then(Object::as_ref)
            .ok_or_else(|| Error::PdfMalformed("the catalog has no /Pages".into()))?;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        // Depth-first, in order: a stack of (node, depth), kids pushed in reverse.
        let mut stack = vec![(root, 0usize)];
        while let Some((node, depth)) = stack.pop() {
            if depth > self.limits.max_depth {
                return Err(Error::PdfLimit {
                    limit: PdfLimit::Depth,
                    found: depth as u64,
                    max: self.limits.max_depth as u64,
                });
            }
            if !seen.insert(node) || seen.len() > self.limits.max_objects {
                return Err(Error::PdfMalformed("the page tree loops".into()));
            }
            let d = self.dict(&Object::Ref(node))?;
            match d.name(b"Type") {
                Some(b"Pages") => {
                    let kids = match self.resolve(d.get(b"Kids").unwrap_or(&Object::Null))? {
                        Object::Array(k) => k,
                        _ => return Err(Error::PdfMalformed("a page node without /Kids".into())),
                    };
                    for kid in kids.iter().rev() {
                        let r = kid
                            .as_ref()
                            .ok_or_else(|| Error::PdfMalformed("a direct page object".into()))?;
                        stack.push((r, depth + 1));
                    }
                }
                Some(b"Page") => out.push(node),
                _ => return Err(Error::PdfMalformed("a page-tree node of no type".into())),
            }
        }
        Ok(out)
    }
}

fn too_many(found: u64, limits: Limits) -> Error {
    Error::PdfLimit {
        limit: PdfLimit::Objects,
        found,
        max: limits.max_objects as u64,
    }
}

/// The first position of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The offset after the last `startxref` (searched in the last 2 KiB, where writers put it).
fn find_startxref(bytes: &[u8]) -> Result<usize> {
    let tail_start = bytes.len().saturating_sub(2048);
    let tail = &bytes[tail_start..];
    let at = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(|| Error::PdfMalformed("no startxref at the end: truncated?".into()))?;
    let mut p = Parser::new(bytes, tail_start + at + 9, 1);
    let w = p.word();
    let n = parse_uint(w).ok_or_else(|| Error::PdfMalformed("a bad startxref".into()))?;
    usize::try_from(n).map_err(|_| Error::PdfMalformed("a bad startxref".into()))
}

/// True when `bytes` (a prefix of a file) ends a revision: `%%EOF` and at most an end of line.
pub(crate) fn ends_revision(bytes: &[u8]) -> bool {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'\r' | b'\n') && bytes.len() - end < 2 {
        end -= 1;
    }
    bytes[..end].ends_with(b"%%EOF")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hybrid-reference file (section 7.5.8.4): object 4 lives in an object stream that only
    /// the xref stream named by the table's `/XRefStm` knows; classic readers never see it.
    fn hybrid() -> Vec<u8> {
        let mut out = b"%PDF-1.5\n".to_vec();
        let mut offs = Vec::new();
        let mut obj = |out: &mut Vec<u8>, text: &[u8]| {
            offs.push(out.len());
            out.extend_from_slice(text);
        };
        obj(
            &mut out,
            b"1 0 obj << /Type /Catalog /Pages 2 0 R /Extra 4 0 R >> endobj\n",
        );
        obj(
            &mut out,
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n",
        );
        obj(
            &mut out,
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >> endobj\n",
        );
        let objstm = b"4 0 (hidden)";
        obj(
            &mut out,
            &[
                &b"5 0 obj << /Type /ObjStm /N 1 /First 4 /Length 12 >> stream\n"[..],
                objstm,
                b"\nendstream endobj\n",
            ]
            .concat(),
        );
        // The xref stream: object 4 is the 0th object of stream 5 (type 2).
        let xs_at = out.len();
        let rows = [2u8, 0, 5, 0];
        out.extend_from_slice(
            format!(
                "6 0 obj << /Type /XRef /Size 7 /Index [4 1] /W [1 2 1] /Length {} >> stream\n",
                rows.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&rows);
        out.extend_from_slice(b"\nendstream endobj\n");
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
        for o in &offs[..3] {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(format!("5 1\n{:010} 00000 n \n", offs[3]).as_bytes());
        out.extend_from_slice(
            format!(
                "trailer << /Size 7 /Root 1 0 R /XRefStm {xs_at} >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn a_hybrid_file_reads_objects_only_its_xref_stream_knows() {
        let bytes = hybrid();
        let doc = Document::open(&bytes, Limits::default()).unwrap();
        assert_eq!(doc.kind, XrefKind::Table);
        assert_eq!(
            doc.get(ObjRef::new(4)).unwrap(),
            Object::Str {
                bytes: b"hidden".to_vec(),
                hex: false
            }
        );
        assert_eq!(doc.pages().unwrap(), vec![ObjRef::new(3)]);
        assert_eq!(doc.size, 7);
    }

    #[test]
    fn a_page_tree_that_loops_is_refused() {
        let text = String::from_utf8(hybrid().into_iter().filter(|b| b.is_ascii()).collect())
            .unwrap()
            .replace("/Kids [3 0 R]", "/Kids [2 0 R]");
        let doc = Document::open(text.as_bytes(), Limits::default()).unwrap();
        assert_eq!(doc.pages().unwrap_err().code(), "pdf.malformed");
    }

    #[test]
    fn revision_ends_are_found() {
        assert!(ends_revision(b"...%%EOF\n"));
        assert!(ends_revision(b"...%%EOF\r\n"));
        assert!(ends_revision(b"...%%EOF"));
        assert!(!ends_revision(b"...%%EOF\n\n\n"));
        assert!(!ends_revision(b"...%%EO"));
    }
}
