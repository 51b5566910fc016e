//! The incremental-update writer (ISO 32000-1 section 7.5.6): the original bytes untouched,
//! then the new and changed objects, a cross-reference section of the same kind as the
//! file's newest one (a table after a table, an xref stream after a stream) and a trailer
//! whose `/Prev` points at the previous section. Earlier signatures stay valid because not a
//! byte before the update changes.
//!
//! New objects are never packed into object streams, and the xref stream is written
//! uncompressed: both are allowed, keep the writer small, and the signature dictionary must be
//! a plain object anyway (its `/Contents` is excluded from the digest by byte offsets).

use std::collections::BTreeMap;

use super::document::{Document, XrefKind};
use super::object::{Dict, ObjRef, Object};

/// The objects of one incremental update, and what it needs to know of the file.
pub(crate) struct Update {
    objects: BTreeMap<ObjRef, Vec<u8>>,
    next: u32,
}

/// An update written out: the whole new file and where each object's body starts.
pub(crate) struct Written {
    pub(crate) bytes: Vec<u8>,
    pub(crate) bodies: BTreeMap<ObjRef, usize>,
}

impl Update {
    /// An empty update to `doc`; new objects are numbered from its `/Size`.
    pub(crate) fn new(doc: &Document<'_>) -> Update {
        Update {
            objects: BTreeMap::new(),
            next: doc.size.max(1),
        }
    }

    /// A fresh object number.
    pub(crate) fn alloc(&mut self) -> ObjRef {
        let r = ObjRef::new(self.next);
        self.next += 1;
        r
    }

    /// Writes `obj` as object `r` (new, or replacing the object of that number).
    pub(crate) fn put(&mut self, r: ObjRef, obj: &Object) {
        let mut body = Vec::new();
        obj.write(&mut body);
        self.objects.insert(r, body);
    }

    /// Writes object `r` from bytes made by the caller (the signature dictionary with its
    /// placeholders).
    pub(crate) fn put_raw(&mut self, r: ObjRef, body: Vec<u8>) {
        self.objects.insert(r, body);
    }

    /// The new file: `doc`'s bytes, then this update.
    pub(crate) fn write(mut self, doc: &Document<'_>) -> Written {
        let mut out = Vec::with_capacity(doc.bytes.len() + 4096);
        out.extend_from_slice(doc.bytes);
        if !matches!(out.last(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        let xref_ref = match doc.kind {
            XrefKind::Stream => Some(self.alloc()),
            XrefKind::Table => None,
        };
        let mut bodies = BTreeMap::new();
        let mut offsets = BTreeMap::new();
        for (r, body) in &self.objects {
            offsets.insert(*r, out.len());
            out.extend_from_slice(format!("{} {} obj\n", r.num, r.gen_).as_bytes());
            bodies.insert(*r, out.len());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let mut trailer = Dict::new();
        trailer.set(b"Size", Object::Int(i64::from(self.next)));
        for key in [&b"Root"[..], b"Info", b"ID"] {
            if let Some(v) = doc.trailer.get(key) {
                trailer.set(key, v.clone());
            }
        }
        trailer.set(b"Prev", Object::Int(doc.startxref as i64));
        let start = out.len();
        match xref_ref {
            None => {
                out.extend_from_slice(b"xref\n");
                for run in runs(&offsets) {
                    out.extend_from_slice(format!("{} {}\n", run[0].0.num, run.len()).as_bytes());
                    for (r, off) in run {
                        out.extend_from_slice(format!("{off:010} {:05} n\r\n", r.gen_).as_bytes());
                    }
                }
                out.extend_from_slice(b"trailer\n");
                Object::Dict(trailer).write(&mut out);
                out.push(b'\n');
            }
            Some(xr) => {
                offsets.insert(xr, start);
                let mut data = Vec::new();
                let mut index = Vec::new();
                for run in runs(&offsets) {
                    index.push(Object::Int(i64::from(run[0].0.num)));
                    index.push(Object::Int(run.len() as i64));
                    for (r, off) in run {
                        data.push(1u8);
                        data.extend_from_slice(&(off as u32).to_be_bytes());
                        data.extend_from_slice(&r.gen_.to_be_bytes());
                    }
                }
                let mut dict = Dict::new();
                dict.set(b"Type", Object::name("XRef"));
                for (k, v) in trailer.0 {
                    dict.set(&k, v);
                }
                dict.set(b"Index", Object::Array(index));
                dict.set(
                    b"W",
                    Object::Array(vec![Object::Int(1), Object::Int(4), Object::Int(2)]),
                );
                out.extend_from_slice(format!("{} 0 obj\n", xr.num).as_bytes());
                Object::Stream(super::object::Stream { dict, data }).write(&mut out);
                out.extend_from_slice(b"\nendobj\n");
            }
        }
        out.extend_from_slice(format!("startxref\n{start}\n%%EOF\n").as_bytes());
        Written { bytes: out, bodies }
    }
}

/// The entries grouped into runs of consecutive object numbers (one xref subsection each).
fn runs(offsets: &BTreeMap<ObjRef, usize>) -> Vec<Vec<(ObjRef, usize)>> {
    let mut out: Vec<Vec<(ObjRef, usize)>> = Vec::new();
    for (r, off) in offsets {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|(p, _)| p.num + 1 == r.num) => {
                run.push((*r, *off));
            }
            _ => out.push(vec![(*r, *off)]),
        }
    }
    out
}
