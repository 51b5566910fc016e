//! BER to DER for PKCS#12 input: indefinite lengths, constructed OCTET STRINGs and
//! non-minimal length octets, rewritten so that the strict `der` decoder can read the result.
//!
//! RFC 7292 structures are BER, and real files use it: NSS's `pk12util` and Windows write
//! indefinite lengths and OCTET STRINGs cut into pieces. Rewriting is safe for the MAC: the
//! MAC covers the *value* of the outer OCTET STRING, which is the concatenation of its
//! pieces, and the contents of OCTET STRINGs are never touched (nested structures inside them
//! are normalised again when they are parsed). Constructed context-specific values are kept
//! constructed: only the schema knows whether `[0]` is an implicit string or an explicit
//! wrapper, and [`super::asn1`] handles the implicit case.

use crate::{Error, Result};

/// Deeper nesting than this is an attack (PKCS#12 needs about 12 levels).
const MAX_DEPTH: usize = 64;

/// Universal tag numbers whose constructed (BER) form is glued back into a primitive one.
/// BIT STRING is excluded: its pieces each carry an unused-bits octet.
const STRING_TAGS: [u8; 5] = [0x04, 0x0c, 0x13, 0x16, 0x1e];

/// Re-encodes one BER element (the whole of `input`) as DER lengths and primitive strings.
pub(crate) fn to_der(input: &[u8]) -> Result<Vec<u8>> {
    let mut pos = 0;
    let mut out = Vec::with_capacity(input.len());
    element(input, &mut pos, &mut out, 0)?;
    if pos != input.len() {
        return Err(malformed("trailing data after the outer structure"));
    }
    Ok(out)
}

fn malformed(what: &str) -> Error {
    Error::P12Malformed(format!("BER: {what}"))
}

/// The length octets of a header: definite (bytes) or indefinite.
enum Len {
    Definite(usize),
    Indefinite,
}

fn byte(input: &[u8], pos: &mut usize) -> Result<u8> {
    let b = *input.get(*pos).ok_or_else(|| malformed("truncated"))?;
    *pos += 1;
    Ok(b)
}

/// Reads identifier octets, returning them as they are (multi-byte tags included).
fn identifier<'a>(input: &'a [u8], pos: &mut usize) -> Result<&'a [u8]> {
    let start = *pos;
    let first = byte(input, pos)?;
    if first & 0x1f == 0x1f {
        // High tag number form: continuation bytes while bit 8 is set (at most 4).
        loop {
            let b = byte(input, pos)?;
            if b & 0x80 == 0 {
                break;
            }
            if *pos - start > 5 {
                return Err(malformed("tag number too large"));
            }
        }
    }
    Ok(&input[start..*pos])
}

fn length(input: &[u8], pos: &mut usize) -> Result<Len> {
    let first = byte(input, pos)?;
    if first < 0x80 {
        return Ok(Len::Definite(first.into()));
    }
    if first == 0x80 {
        return Ok(Len::Indefinite);
    }
    let n = usize::from(first & 0x7f);
    if n > 4 {
        return Err(malformed("length field too long"));
    }
    let mut len = 0usize;
    for _ in 0..n {
        len = (len << 8) | usize::from(byte(input, pos)?);
    }
    Ok(Len::Definite(len))
}

fn push_header(out: &mut Vec<u8>, ident: &[u8], len: usize) {
    out.extend_from_slice(ident);
    if len < 0x80 {
        out.push(len as u8); // < 0x80: fits the short form
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8); // at most 8 length octets
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// True at an end-of-contents marker (`00 00`), which it consumes.
fn at_eoc(input: &[u8], pos: &mut usize) -> bool {
    if input.get(*pos..*pos + 2) == Some(&[0, 0]) {
        *pos += 2;
        true
    } else {
        false
    }
}

/// Converts the element at `*pos`, appending its DER form to `out`.
fn element(input: &[u8], pos: &mut usize, out: &mut Vec<u8>, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(malformed("nested too deeply"));
    }
    let ident = identifier(input, pos)?;
    let constructed = ident[0] & 0x20 != 0;
    let len = length(input, pos)?;
    if !constructed {
        let Len::Definite(n) = len else {
            return Err(malformed("indefinite length on a primitive value"));
        };
        let end = pos
            .checked_add(n)
            .filter(|&e| e <= input.len())
            .ok_or_else(|| malformed("truncated"))?;
        push_header(out, ident, n);
        out.extend_from_slice(&input[*pos..end]);
        *pos = end;
        return Ok(());
    }

    // Children are converted into a scratch buffer first: their DER length is unknown
    // until they are done.
    let mut body = Vec::new();
    match len {
        Len::Definite(n) => {
            let end = pos
                .checked_add(n)
                .filter(|&e| e <= input.len())
                .ok_or_else(|| malformed("truncated"))?;
            let inner = &input[..end];
            while *pos < end {
                element(inner, pos, &mut body, depth + 1)?;
            }
        }
        Len::Indefinite => loop {
            if at_eoc(input, pos) {
                break;
            }
            if *pos >= input.len() {
                return Err(malformed("missing end-of-contents"));
            }
            element(input, pos, &mut body, depth + 1)?;
        },
    }

    let universal_string =
        ident.len() == 1 && ident[0] & 0xc0 == 0 && STRING_TAGS.contains(&(ident[0] & 0x1f));
    if universal_string {
        // A constructed string: its value is the concatenation of its (now primitive) pieces.
        let joined = join_pieces(&body, ident[0] & 0x1f)?;
        push_header(out, &[ident[0] & !0x20], joined.len());
        out.extend_from_slice(&joined);
    } else {
        push_header(out, ident, body.len());
        out.extend_from_slice(&body);
    }
    Ok(())
}

/// Concatenates the values of the DER pieces in `body`, each of which must be a primitive
/// string with the tag `number` (X.690 8.21.6).
pub(crate) fn join_pieces(body: &[u8], number: u8) -> Result<Vec<u8>> {
    let mut pos = 0;
    let mut joined = Vec::with_capacity(body.len());
    while pos < body.len() {
        let ident = identifier(body, &mut pos)?;
        if ident != [number] {
            return Err(malformed(
                "a piece of a constructed string has another type",
            ));
        }
        let Len::Definite(n) = length(body, &mut pos)? else {
            return Err(malformed("indefinite piece"));
        };
        let end = pos
            .checked_add(n)
            .filter(|&e| e <= body.len())
            .ok_or_else(|| malformed("truncated"))?;
        joined.extend_from_slice(&body[pos..end]);
        pos = end;
    }
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn der_passes_through_unchanged() {
        let der = hex("30 0a 02 01 03 04 02 aa bb a0 01 05");
        // a0 01 05 is malformed as a constructed value (its content is not an element).
        assert!(to_der(&der).is_err());
        let der = hex("30 0b 02 01 03 04 02 aa bb a0 02 05 00");
        assert_eq!(to_der(&der).unwrap(), der);
    }

    #[test]
    fn indefinite_lengths_and_pieced_octet_strings_become_der() {
        // SEQUENCE (indefinite) { [0] (indefinite) { OCTET STRING constructed { 'ab', 'cd' } } }
        let ber = hex("30 80 a0 80 24 80 04 01 ab 04 01 cd 00 00 00 00 00 00");
        assert_eq!(to_der(&ber).unwrap(), hex("30 06 a0 04 04 02 ab cd"));
        // Non-minimal long-form length.
        assert_eq!(to_der(&hex("04 82 00 01 ff")).unwrap(), hex("04 01 ff"));
    }

    #[test]
    fn damaged_ber_is_an_error_not_a_panic() {
        for bad in [
            "30 80 04 01 ab",
            "30 05 04 01",
            "04 85 01 01 01 01 01",
            "24 80 02 01 00 00 00",
            "04 80 00 00",
            "",
        ] {
            assert_eq!(
                to_der(&hex(bad)).unwrap_err().code(),
                "p12.malformed",
                "{bad}"
            );
        }
        let deep: Vec<u8> = core::iter::repeat_n([0x30u8, 0x80], 100)
            .flatten()
            .collect();
        assert!(to_der(&deep).is_err());
        assert!(to_der(&hex("02 01 00 ff")).is_err(), "trailing data");
    }
}
