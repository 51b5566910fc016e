//! Stream decoding for what kunci reads itself (cross-reference and object streams, DSS
//! entries): no filter or `/FlateDecode`, with the PNG predictors of section 7.4.4.4. Every
//! output is bounded by the caller's budget, so a compression bomb stops at the limit.

use super::object::{Object, Stream};
use crate::error::PdfLimit;
use crate::{Error, Result};

/// The decoded bytes of `stream`, at most `max` of them.
pub(crate) fn decode(stream: &Stream, max: usize) -> Result<Vec<u8>> {
    let filter = match stream.dict.get(b"Filter") {
        None => None,
        Some(Object::Name(n)) => Some(n.as_slice()),
        Some(Object::Array(a)) if a.is_empty() => None,
        Some(Object::Array(a)) if a.len() == 1 => match &a[0] {
            Object::Name(n) => Some(n.as_slice()),
            _ => return Err(Error::PdfMalformed("a /Filter that is not a name".into())),
        },
        Some(_) => {
            return Err(Error::PdfUnsupported(
                "a chain of filters on a stream kunci must read".into(),
            ));
        }
    };
    let params = match stream.dict.get(b"DecodeParms") {
        Some(Object::Dict(d)) => Some(d.clone()),
        Some(Object::Array(a)) => a.first().and_then(Object::as_dict).cloned(),
        _ => None,
    };
    let raw = match filter {
        None => {
            if stream.data.len() > max {
                return Err(inflated(stream.data.len(), max));
            }
            return Ok(stream.data.clone());
        }
        Some(b"FlateDecode") => inflate(&stream.data, max)?,
        Some(other) => {
            return Err(Error::PdfUnsupported(format!(
                "the /{} filter on a stream kunci must read",
                String::from_utf8_lossy(other)
            )));
        }
    };
    let predictor = params
        .as_ref()
        .and_then(|p| p.int(b"Predictor"))
        .unwrap_or(1);
    if predictor < 10 {
        if predictor != 1 {
            return Err(Error::PdfUnsupported(format!("predictor {predictor}")));
        }
        return Ok(raw);
    }
    let columns = params.as_ref().and_then(|p| p.int(b"Columns")).unwrap_or(1);
    let colors = params.as_ref().and_then(|p| p.int(b"Colors")).unwrap_or(1);
    let bits = params
        .as_ref()
        .and_then(|p| p.int(b"BitsPerComponent"))
        .unwrap_or(8);
    let row_bits = columns
        .checked_mul(colors)
        .and_then(|v| v.checked_mul(bits))
        .filter(|&v| v > 0 && v <= 1 << 24)
        .ok_or_else(|| Error::PdfMalformed("bad predictor parameters".into()))?;
    let bpp = usize::try_from(((colors * bits + 7) / 8).max(1))
        .map_err(|_| Error::PdfMalformed("bad predictor parameters".into()))?;
    let row = usize::try_from((row_bits + 7) / 8)
        .map_err(|_| Error::PdfMalformed("bad predictor parameters".into()))?;
    png_unpredict(&raw, row, bpp)
}

/// zlib-inflates `data` into at most `max` bytes.
pub(crate) fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>> {
    use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_zlib_with_limit};
    decompress_to_vec_zlib_with_limit(data, max).map_err(|e| match e.status {
        TINFLStatus::HasMoreOutput => inflated(max.saturating_add(1), max),
        _ => Error::PdfMalformed(format!("a compressed stream is damaged ({:?})", e.status)),
    })
}

fn inflated(found: usize, max: usize) -> Error {
    Error::PdfLimit {
        limit: PdfLimit::Inflated,
        found: found as u64,
        max: max as u64,
    }
}

/// Undoes PNG row filters: each row is one filter-type byte and `row` bytes.
pub(crate) fn png_unpredict(data: &[u8], row: usize, bpp: usize) -> Result<Vec<u8>> {
    let stride = row + 1;
    if !data.len().is_multiple_of(stride) {
        return Err(Error::PdfMalformed(
            "predicted stream is not a whole number of rows".into(),
        ));
    }
    let mut out: Vec<u8> = Vec::with_capacity(data.len() / stride * row);
    let mut prev = vec![0u8; row];
    for chunk in data.chunks(stride) {
        let kind = chunk[0];
        let mut cur = chunk[1..].to_vec();
        for i in 0..row {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
            let add = match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                _ => return Err(Error::PdfMalformed(format!("PNG filter type {kind}"))),
            };
            cur[i] = cur[i].wrapping_add(add);
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_up_predictor_is_undone() {
        // Two rows of 2 bytes, filter Up: [1,2] then [1,1] → [2,3].
        let data = [2, 1, 2, 2, 1, 1];
        assert_eq!(png_unpredict(&data, 2, 1).unwrap(), vec![1, 2, 2, 3]);
    }

    #[test]
    fn inflate_stops_at_the_limit() {
        let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 100_000], 9);
        assert_eq!(inflate(&bomb, 100_000).unwrap().len(), 100_000);
        assert_eq!(
            inflate(&bomb, 1000).unwrap_err().code(),
            "pdf.limit.inflated"
        );
        assert_eq!(inflate(b"junk", 1000).unwrap_err().code(), "pdf.malformed");
    }
}
