//! The stamp's optional image as a PDF image XObject (ISO 32000-1 section 8.9.5), from the
//! bytes of a JPEG or a PNG file, without an image library:
//!
//! - a JPEG is embedded as it is (`/DCTDecode`): only its frame header (SOF) is read, for the
//!   width, height and components. Baseline and extended sequential JPEGs, grey or YCbCr;
//!   progressive, lossless, arithmetic-coded and CMYK files are refused.
//! - a PNG without alpha keeps its own compressed data (`/FlateDecode` with the PNG
//!   predictors, section 7.4.4.4), after a full inflate that checks it; a colour-key `tRNS`
//!   becomes a `/Mask`. A PNG with alpha (grey + alpha, RGBA, a palette with `tRNS`, 8 bits)
//!   is decoded and split into the colour and an `/SMask`, both run-length coded: kunci has
//!   an inflater but no deflater, and a stamp's logo or scanned signature is mostly runs.
//!   Interlaced PNGs and 16-bit PNGs with alpha are refused.
//!
//! Every refusal has a stable code: `pdf.stamp_image_unsupported`, `pdf.stamp_image_malformed`,
//! `pdf.stamp_image_too_large` (over [`MAX_IMAGE_BYTES`] or [`MAX_IMAGE_PIXELS`]).

use super::filter::{inflate, png_unpredict};
use super::object::{Dict, Object, Stream};
use super::update::Update;
use crate::{Error, Result};

/// The largest image file a stamp takes: 1 MiB.
pub const MAX_IMAGE_BYTES: usize = 1 << 20;
/// The most pixels a stamp's image may have: 1 megapixel (1024 × 1024), more than a stamp at
/// most 2000 points wide shows.
pub const MAX_IMAGE_PIXELS: u64 = 1 << 20;

/// An image ready to be written: its size in pixels, the image XObject and its soft mask.
pub(crate) struct Image {
    pub(crate) width: u32,
    pub(crate) height: u32,
    main: Stream,
    smask: Option<Stream>,
}

impl Image {
    /// Writes the image (and its soft mask) into `update`; the image XObject's reference.
    pub(crate) fn put(self, update: &mut Update) -> Object {
        let mut main = self.main;
        if let Some(smask) = self.smask {
            let r = update.alloc();
            update.put(r, &Object::Stream(smask));
            main.dict.set(b"SMask", Object::Ref(r));
        }
        let r = update.alloc();
        update.put(r, &Object::Stream(main));
        Object::Ref(r)
    }
}

/// Reads a JPEG or PNG file into an [`Image`].
pub(crate) fn read(bytes: &[u8]) -> Result<Image> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(too_large(
            "bytes",
            bytes.len() as u64,
            MAX_IMAGE_BYTES as u64,
        ));
    }
    if bytes.starts_with(&[0xff, 0xd8]) {
        jpeg(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes)
    } else {
        Err(unsupported("it is neither a PNG nor a JPEG file"))
    }
}

fn unsupported(why: &str) -> Error {
    Error::PdfStampImageUnsupported(why.into())
}

fn malformed(why: &str) -> Error {
    Error::PdfStampImageMalformed(why.into())
}

fn too_large(what: &'static str, found: u64, max: u64) -> Error {
    Error::PdfStampImageTooLarge { what, found, max }
}

/// Checks the size in pixels against the limit.
fn check_size(width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(malformed("its width or height is 0"));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_IMAGE_PIXELS {
        return Err(too_large("pixels", pixels, MAX_IMAGE_PIXELS));
    }
    Ok(())
}

fn be16(b: &[u8], at: usize) -> usize {
    (usize::from(b[at]) << 8) | usize::from(b[at + 1])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// An image XObject's dictionary.
fn image_dict(width: u32, height: u32, space: Object, bits: u8) -> Dict {
    let mut d = Dict::new();
    d.set(b"Type", Object::name("XObject"));
    d.set(b"Subtype", Object::name("Image"));
    d.set(b"Width", Object::Int(i64::from(width)));
    d.set(b"Height", Object::Int(i64::from(height)));
    d.set(b"ColorSpace", space);
    d.set(b"BitsPerComponent", Object::Int(i64::from(bits)));
    d
}

fn device(components: usize) -> Object {
    Object::name(if components == 1 {
        "DeviceGray"
    } else {
        "DeviceRGB"
    })
}

// ---- JPEG -------------------------------------------------------------------------------

/// A JPEG, embedded as it is once its frame header says it is one PDF readers all draw.
fn jpeg(bytes: &[u8]) -> Result<Image> {
    let mut at = 2;
    loop {
        // Markers are 0xFF (maybe repeated as fill) then the marker code.
        if at + 1 >= bytes.len() || bytes[at] != 0xff {
            return Err(malformed("the JPEG ends or breaks before its frame header"));
        }
        while at + 1 < bytes.len() && bytes[at + 1] == 0xff {
            at += 1;
        }
        if at + 3 >= bytes.len() {
            return Err(malformed("the JPEG ends before its frame header"));
        }
        let marker = bytes[at + 1];
        if marker == 0x01 || (0xd0..=0xd7).contains(&marker) {
            at += 2; // no length
            continue;
        }
        let len = be16(bytes, at + 2);
        let body = at + 4;
        if len < 2 || at + 2 + len > bytes.len() {
            return Err(malformed("a JPEG segment runs past the end of the file"));
        }
        match marker {
            0xc0 | 0xc1 => {
                if len < 8 {
                    return Err(malformed("a JPEG frame header is too short"));
                }
                let precision = bytes[body];
                let height = be16(bytes, body + 1) as u32;
                let width = be16(bytes, body + 3) as u32;
                let components = usize::from(bytes[body + 5]);
                if precision != 8 {
                    return Err(unsupported("a JPEG with 12-bit samples"));
                }
                if height == 0 {
                    return Err(unsupported("a JPEG whose height comes after its data"));
                }
                if components == 4 {
                    return Err(unsupported("a CMYK JPEG"));
                }
                if components != 1 && components != 3 {
                    return Err(unsupported("a JPEG that is neither grey nor colour"));
                }
                check_size(width, height)?;
                let mut dict = image_dict(width, height, device(components), 8);
                dict.set(b"Filter", Object::name("DCTDecode"));
                return Ok(Image {
                    width,
                    height,
                    main: Stream {
                        dict,
                        data: bytes.to_vec(),
                    },
                    smask: None,
                });
            }
            0xc2 | 0xc6 | 0xca | 0xce => return Err(unsupported("a progressive JPEG")),
            0xc3 | 0xc5 | 0xc7 | 0xc9 | 0xcb | 0xcd | 0xcf => {
                return Err(unsupported("a lossless or arithmetic-coded JPEG"));
            }
            0xd9 | 0xda => return Err(malformed("the JPEG has no frame header")),
            _ => at += 2 + len,
        }
    }
}

// ---- PNG --------------------------------------------------------------------------------

/// A PNG file's header and the chunks kunci uses.
struct Png<'a> {
    width: u32,
    height: u32,
    depth: u8,
    color: u8,
    palette: &'a [u8],
    trns: Option<&'a [u8]>,
    idat: Vec<u8>,
}

fn png(bytes: &[u8]) -> Result<Image> {
    let p = png_chunks(bytes)?;
    // Samples per pixel, and whether kunci takes this bit depth for the colour type.
    let (samples, depth_ok) = match p.color {
        0 => (1, matches!(p.depth, 1 | 2 | 4 | 8 | 16)),
        2 => (3, matches!(p.depth, 8 | 16)),
        3 => (1, matches!(p.depth, 1 | 2 | 4 | 8)),
        4 => (2, p.depth == 8),
        6 => (4, p.depth == 8),
        _ => return Err(malformed("an unknown PNG colour type")),
    };
    if !depth_ok {
        return Err(unsupported(if p.depth == 16 {
            "a 16-bit PNG with transparency"
        } else {
            "a PNG with an unusual bit depth"
        }));
    }
    check_size(p.width, p.height)?;
    let row = (p.width as usize * samples * usize::from(p.depth)).div_ceil(8);
    let expected = (row + 1) * p.height as usize;
    // The whole stream is inflated to check it, even when its bytes are kept as they are.
    let raw = inflate(&p.idat, expected).map_err(|_| malformed("its compressed data is broken"))?;
    if raw.len() != expected {
        return Err(malformed("its data does not match its width and height"));
    }
    let bpp = (samples * usize::from(p.depth)).div_ceil(8);
    let (w, h) = (p.width, p.height);
    let palette_space = || -> Result<Object> {
        if p.palette.is_empty() || p.palette.len() % 3 != 0 || p.palette.len() > 768 {
            return Err(malformed("its palette is missing or damaged"));
        }
        Ok(Object::Array(vec![
            Object::name("Indexed"),
            Object::name("DeviceRGB"),
            Object::Int((p.palette.len() / 3 - 1) as i64),
            Object::Str {
                bytes: p.palette.to_vec(),
                hex: true,
            },
        ]))
    };
    // Colour and transparency as they are: the PNG's data with the PNG predictors.
    let kept = |space: Object, colors: usize| {
        let mut dict = image_dict(w, h, space, p.depth);
        dict.set(b"Filter", Object::name("FlateDecode"));
        let mut parms = Dict::new();
        parms.set(b"Predictor", Object::Int(15));
        parms.set(b"Colors", Object::Int(colors as i64));
        parms.set(b"BitsPerComponent", Object::Int(i64::from(p.depth)));
        parms.set(b"Columns", Object::Int(i64::from(w)));
        dict.set(b"DecodeParms", Object::Dict(parms));
        Stream {
            dict,
            data: p.idat.clone(),
        }
    };
    let image = |main, smask| Image {
        width: w,
        height: h,
        main,
        smask,
    };
    match (p.color, p.trns) {
        (0 | 2, trns) => {
            let mut main = kept(device(samples), samples);
            if let Some(t) = trns {
                // A colour key: one 16-bit sample per component.
                if t.len() != 2 * samples {
                    return Err(malformed("its transparent colour is damaged"));
                }
                let key = (0..samples)
                    .flat_map(|i| {
                        let v = Object::Int(be16(t, 2 * i) as i64);
                        [v.clone(), v]
                    })
                    .collect();
                main.dict.set(b"Mask", Object::Array(key));
            }
            Ok(image(main, None))
        }
        (3, None) => Ok(image(kept(palette_space()?, 1), None)),
        (3, Some(alpha)) => {
            if p.depth != 8 {
                return Err(unsupported(
                    "a transparent PNG palette under 8 bits per pixel",
                ));
            }
            let space = palette_space()?;
            let pixels =
                png_unpredict(&raw, row, bpp).map_err(|_| malformed("its rows are damaged"))?;
            let mask: Vec<u8> = pixels
                .iter()
                .map(|&i| alpha.get(usize::from(i)).copied().unwrap_or(255))
                .collect();
            Ok(image(
                kept(space, 1),
                Some(run_length_image(w, h, 1, &mask)),
            ))
        }
        _ => {
            // Grey + alpha or RGBA, 8 bits: split the colour from the alpha.
            let pixels =
                png_unpredict(&raw, row, bpp).map_err(|_| malformed("its rows are damaged"))?;
            let colors = samples - 1;
            let mut color = Vec::with_capacity(pixels.len() / samples * colors);
            let mut alpha = Vec::with_capacity(pixels.len() / samples);
            for px in pixels.chunks_exact(samples) {
                color.extend_from_slice(&px[..colors]);
                alpha.push(px[colors]);
            }
            let main = run_length_image(w, h, colors, &color);
            Ok(image(main, Some(run_length_image(w, h, 1, &alpha))))
        }
    }
}

/// Reads the signature and chunks of a PNG (CRCs are not checked: the zlib checksum catches
/// damaged image data, and the rest is checked value by value).
fn png_chunks(bytes: &[u8]) -> Result<Png<'_>> {
    let mut at = 8;
    let mut header: Option<(u32, u32, u8, u8)> = None;
    let mut palette: &[u8] = &[];
    let mut trns = None;
    let mut idat = Vec::new();
    loop {
        if at + 12 > bytes.len() {
            return Err(malformed("the PNG ends before its last chunk"));
        }
        let len = be32(bytes, at) as usize;
        let kind = &bytes[at + 4..at + 8];
        let body = at + 8;
        if len > bytes.len() || body + len + 4 > bytes.len() {
            return Err(malformed("a PNG chunk runs past the end of the file"));
        }
        let data = &bytes[body..body + len];
        if header.is_none() && kind != b"IHDR" {
            return Err(malformed("the PNG does not start with its header"));
        }
        match kind {
            b"IHDR" => {
                if len != 13 || header.is_some() {
                    return Err(malformed("the PNG header is damaged"));
                }
                if data[10] != 0 || data[11] != 0 {
                    return Err(malformed("an unknown PNG compression or filter method"));
                }
                if data[12] != 0 {
                    return Err(unsupported("an interlaced PNG"));
                }
                header = Some((be32(data, 0), be32(data, 4), data[8], data[9]));
            }
            b"PLTE" => palette = data,
            b"tRNS" => trns = Some(data),
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        at = body + len + 4;
    }
    let Some((width, height, depth, color)) = header else {
        return Err(malformed("the PNG has no header"));
    };
    if width > 1 << 24 || height > 1 << 24 {
        return Err(malformed("the PNG's size is out of range"));
    }
    if idat.is_empty() {
        return Err(malformed("the PNG has no image data"));
    }
    Ok(Png {
        width,
        height,
        depth,
        color,
        palette,
        trns,
        idat,
    })
}

/// An 8-bit image XObject of `components` (1 grey, 3 RGB), `/RunLengthDecode`d.
fn run_length_image(width: u32, height: u32, components: usize, samples: &[u8]) -> Stream {
    let mut dict = image_dict(width, height, device(components), 8);
    dict.set(b"Filter", Object::name("RunLengthDecode"));
    Stream {
        dict,
        data: run_length(samples),
    }
}

/// The RunLengthDecode encoding (section 7.4.5): a length byte 0-127 copies the next 1-128
/// bytes, 129-255 repeats the next byte 257 - length times, 128 ends the data.
fn run_length(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 4 + 8);
    let mut literal_from = 0;
    let mut i = 0;
    let flush = |out: &mut Vec<u8>, from: usize, to: usize| {
        for chunk in data[from..to].chunks(128) {
            out.push((chunk.len() - 1) as u8);
            out.extend_from_slice(chunk);
        }
    };
    while i < data.len() {
        let mut run = 1;
        while run < 128 && i + run < data.len() && data[i + run] == data[i] {
            run += 1;
        }
        if run >= 3 {
            flush(&mut out, literal_from, i);
            out.push((257 - run) as u8);
            out.push(data[i]);
            i += run;
            literal_from = i;
        } else {
            i += run;
        }
    }
    flush(&mut out, literal_from, data.len());
    out.push(128);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes RunLengthDecode data (the test's reference).
    fn run_length_decode(mut data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let n = data[0];
            match n {
                128 => return out,
                0..=127 => {
                    let n = usize::from(n) + 1;
                    out.extend_from_slice(&data[1..=n]);
                    data = &data[1 + n..];
                }
                _ => {
                    out.extend(std::iter::repeat_n(data[1], 257 - usize::from(n)));
                    data = &data[2..];
                }
            }
        }
    }

    /// A PNG of `rows` (each a filter byte then its samples).
    fn png_file(
        w: u32,
        h: u32,
        depth: u8,
        color: u8,
        extra: &[(&[u8; 4], &[u8])],
        rows: &[u8],
    ) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8; 4], data: &[u8]| {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&[0; 4]); // CRC, unchecked
        };
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[depth, color, 0, 0, 0]);
        chunk(b"IHDR", &ihdr);
        for (kind, data) in extra {
            chunk(kind, data);
        }
        chunk(
            b"IDAT",
            &miniz_oxide::deflate::compress_to_vec_zlib(rows, 6),
        );
        chunk(b"IEND", &[]);
        out
    }

    #[test]
    fn run_length_round_trips() {
        let mut data = vec![7u8; 300];
        data.extend((0..=255u8).cycle().take(400));
        data.extend([1, 1, 2, 2, 3, 3, 3, 3]);
        for input in [&data[..], &[][..], &[5][..], &[5, 5][..]] {
            let coded = run_length(input);
            assert_eq!(run_length_decode(&coded), input);
        }
        assert!(run_length(&[0; 1000]).len() < 20);
    }

    #[test]
    fn an_rgba_png_becomes_colour_and_soft_mask() {
        // 2 × 2: red opaque, green transparent / blue half, white opaque.
        let rows = [
            0, 255, 0, 0, 255, 0, 255, 0, 0, //
            0, 0, 0, 255, 128, 255, 255, 255, 255,
        ];
        let img = read(&png_file(2, 2, 8, 6, &[], &rows)).unwrap();
        assert_eq!((img.width, img.height), (2, 2));
        assert_eq!(
            run_length_decode(&img.main.data),
            [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]
        );
        let smask = img.smask.unwrap();
        assert_eq!(run_length_decode(&smask.data), [255, 0, 128, 255]);
        assert_eq!(smask.dict.name(b"ColorSpace"), Some(&b"DeviceGray"[..]));
    }

    #[test]
    fn an_opaque_png_keeps_its_data() {
        let rows = [0, 10, 20, 30, 2, 1, 1, 1];
        let file = png_file(1, 2, 8, 2, &[], &rows);
        let img = read(&file).unwrap();
        assert!(img.smask.is_none());
        assert_eq!(img.main.dict.name(b"Filter"), Some(&b"FlateDecode"[..]));
        assert_eq!(inflate(&img.main.data, 100).unwrap(), rows);
        // A palette with a transparent entry gets a soft mask from it.
        let file = png_file(
            2,
            1,
            8,
            3,
            &[(b"PLTE", &[255, 0, 0, 0, 0, 255]), (b"tRNS", &[0])],
            &[0, 0, 1],
        );
        let img = read(&file).unwrap();
        assert_eq!(run_length_decode(&img.smask.unwrap().data), [0, 255]);
    }

    #[test]
    fn odd_images_are_refused_with_their_codes() {
        let code = |b: &[u8]| read(b).err().map(|e| e.code());
        let rows = [0, 1, 2, 0, 3, 4];
        assert_eq!(code(b"GIF89a...."), Some("pdf.stamp_image_unsupported"));
        let mut interlaced = png_file(1, 2, 16, 4, &[], &rows);
        interlaced[8 + 8 + 12] = 1;
        assert_eq!(code(&interlaced), Some("pdf.stamp_image_unsupported"));
        assert_eq!(
            code(&png_file(1, 2, 16, 4, &[], &rows)),
            Some("pdf.stamp_image_unsupported")
        );
        // The data is one row short.
        assert_eq!(
            code(&png_file(2, 3, 8, 0, &[], &rows)),
            Some("pdf.stamp_image_malformed")
        );
        let big = png_file(2000, 2000, 8, 0, &[], &[0, 1]);
        assert_eq!(code(&big), Some("pdf.stamp_image_too_large"));
        assert_eq!(
            code(&vec![0xff; MAX_IMAGE_BYTES + 1]),
            Some("pdf.stamp_image_too_large")
        );
        let truncated = &png_file(1, 2, 8, 0, &[], &[0, 1, 0, 2])[..30];
        assert_eq!(code(truncated), Some("pdf.stamp_image_malformed"));
        // JPEG frame headers: baseline grey is taken as it is; progressive and CMYK are not.
        let jpeg = |sof: u8, comps: u8| {
            let mut j = vec![
                0xff,
                0xd8,
                0xff,
                0xe0,
                0,
                4,
                0,
                0,
                0xff,
                sof,
                0,
                8 + 3 * comps,
            ];
            j.extend_from_slice(&[8, 0, 10, 0, 20, comps]);
            for c in 0..comps {
                j.extend_from_slice(&[c + 1, 0x11, 0]);
            }
            j.extend_from_slice(&[0xff, 0xd9]);
            j
        };
        let img = read(&jpeg(0xc0, 1)).unwrap();
        assert_eq!((img.width, img.height), (20, 10));
        assert_eq!(img.main.dict.name(b"Filter"), Some(&b"DCTDecode"[..]));
        assert_eq!(img.main.dict.name(b"ColorSpace"), Some(&b"DeviceGray"[..]));
        assert_eq!(code(&jpeg(0xc2, 3)), Some("pdf.stamp_image_unsupported"));
        assert_eq!(code(&jpeg(0xc0, 4)), Some("pdf.stamp_image_unsupported"));
        assert_eq!(
            code(&jpeg(0xc0, 3)[..14]),
            Some("pdf.stamp_image_malformed")
        );
    }
}
