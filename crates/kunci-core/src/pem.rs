//! PEM armour (RFC 7468) in and out, and "DER or PEM?" detection for every reader.
//!
//! Readers in kunci accept both DER and PEM; files from OpenSSL often carry text before the
//! armour ("Bag Attributes", a certificate dump), so blocks are located first and only the
//! block itself is decoded, strictly.

use crate::{Error, Result, check_input_len};

/// Encodes `der` as PEM with `label` (e.g. `CERTIFICATE`), lines of 64 characters, LF endings.
pub fn encode(label: &str, der: &[u8]) -> String {
    // The only failure is an invalid label, and every label we pass is a constant.
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap_or_default()
}

/// Every PEM block in `input`, as `(label, DER)` pairs in order. Text between blocks is
/// ignored; a damaged block is an error.
pub fn decode_all(input: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    check_input_len(input)?;
    let text = core::str::from_utf8(input).map_err(|_| Error::BadPem("not UTF-8 text".into()))?;
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let label_end = after
            .find("-----")
            .ok_or_else(|| Error::BadPem("unterminated BEGIN line".into()))?;
        let label = &after[..label_end];
        let end_marker = format!("-----END {label}-----");
        let end = rest[start..]
            .find(&end_marker)
            .ok_or_else(|| Error::BadPem(format!("no END line for `{label}`")))?;
        let block = &rest[start..start + end + end_marker.len()];
        let (found, der) = der::pem::decode_vec(block.as_bytes())
            .map_err(|e| Error::BadPem(format!("damaged `{label}` block: {e}")))?;
        blocks.push((found.to_owned(), der));
        rest = &rest[start + end + end_marker.len()..];
    }
    Ok(blocks)
}

/// True when `input` looks like PEM text rather than DER.
pub fn is_pem(input: &[u8]) -> bool {
    let head = &input[..input.len().min(4096)];
    head.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Reads one object that may be DER or PEM. For PEM, the first block whose label is in
/// `labels` is taken; a PEM file with none of them is an error naming what was found.
pub fn der_or_pem(input: &[u8], labels: &[&str]) -> Result<Vec<u8>> {
    check_input_len(input)?;
    if !is_pem(input) {
        return Ok(input.to_vec());
    }
    let blocks = decode_all(input)?;
    let found: Vec<&str> = blocks.iter().map(|(l, _)| l.as_str()).collect();
    blocks
        .iter()
        .find(|(l, _)| labels.contains(&l.as_str()))
        .map(|(_, d)| d.clone())
        .ok_or_else(|| {
            Error::BadPem(format!(
                "expected a `{}` block, found {:?}",
                labels.join("` or `"),
                found
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_found_among_other_text() {
        let a = encode("CERTIFICATE", &[0x30, 0x00]);
        let b = encode("CERTIFICATE", &[0x30, 0x01, 0x05]);
        let text = format!("Bag Attributes\n  friendlyName: x\n{a}subject=CN=y\n{b}");
        let blocks = decode_all(text.as_bytes()).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1].1, vec![0x30, 0x01, 0x05]);
    }

    #[test]
    fn der_passes_through_and_wrong_label_is_named() {
        assert_eq!(
            der_or_pem(&[0x30, 0x00], &["CERTIFICATE"]).unwrap(),
            vec![0x30, 0x00]
        );
        let pem = encode("PRIVATE KEY", &[0x30, 0x00]);
        let err = der_or_pem(pem.as_bytes(), &["CERTIFICATE"]).unwrap_err();
        assert_eq!(err.code(), "input.bad_pem");
        assert!(err.to_string().contains("PRIVATE KEY"));
    }

    #[test]
    fn damaged_and_empty_inputs_are_refused() {
        let mut pem = encode("CERTIFICATE", &[0x30, 0x03, 1, 2, 3]);
        pem.insert_str(30, "!!");
        assert_eq!(
            decode_all(pem.as_bytes()).unwrap_err().code(),
            "input.bad_pem"
        );
        assert_eq!(der_or_pem(b"", &["X"]).unwrap_err().code(), "input.empty");
        let unterminated = "-----BEGIN CERTIFICATE-----\nMAA=\n";
        assert_eq!(
            decode_all(unterminated.as_bytes()).unwrap_err().code(),
            "input.bad_pem"
        );
    }
}
