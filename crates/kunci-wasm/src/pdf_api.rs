//! The exports of the `pdf` wasm module: PAdES signing in steps and verification
//! (`kunci_core::pdf`), fetched by the JS layer only when a page first signs or verifies a PDF
//! (js/pdf.js), so that no other page pays for it.
//!
//! This module holds no key. A signature is made elsewhere and handed in: by the core module's
//! `Key.sign` (a file key, in the same thread or worker: the key stays in the core module's
//! memory) or by a token behind the extension (only the digest leaves the page). Network
//! round trips (the TSA, OCSP, CRLs) are the JS layer's; this module only builds the requests
//! and checks what comes back.

use js_sys::Uint8Array;
use kunci_core::pdf::{
    self, Dss, Finding, Hashing, Limits, Prepared, Report, Severity, SignOptions, Signed, Stamp,
    VerifyOptions,
};
use kunci_core::sign::SignatureAlgorithm;
use wasm_bindgen::prelude::*;

use crate::{error_with_code, js_error};

/// One signature on its way: hashing (the placeholder is in the file; `step` hashes it a
/// slice at a time), prepared (the signed attributes wait for a signature), then signed (and
/// maybe timestamped), then written out.
#[wasm_bindgen]
pub struct PdfSigning {
    hashing: Option<Hashing>,
    prepared: Option<Prepared>,
    signed: Option<Signed>,
}

#[wasm_bindgen]
impl PdfSigning {
    /// Step 1 (`kunci_core::pdf::prepare`): `cert` is the signer's certificate (PEM or DER),
    /// `chain` the DER certificates to carry with it, `signing_time` Unix seconds,
    /// `page` 1-based; `stamp` `[x, y, width, height]` for a visible stamp, else invisible,
    /// with `stamp_image` the bytes of a PNG or JPEG to draw in it. The file is not hashed
    /// yet: call `step` until it answers true (js/chunk.js's `runSliced`).
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        pdf: &[u8],
        cert: &[u8],
        chain: Vec<Uint8Array>,
        signing_time: f64,
        page: u32,
        field: Option<String>,
        reason: Option<String>,
        location: Option<String>,
        name: Option<String>,
        stamp: Option<Vec<f64>>,
        stamp_lines: Vec<String>,
        stamp_qr_url: Option<String>,
        stamp_image: Option<Vec<u8>>,
    ) -> Result<PdfSigning, JsValue> {
        let chain = all_der(&chain);
        let mut options = SignOptions::new(signing_time as i64);
        options.page = page as usize;
        options.field_name = field;
        options.reason = reason;
        options.location = location;
        options.name = name;
        // `stamp` is [x, y, width, height] in points: a visible stamp with `stamp_lines` and a
        // QR code for `stamp_qr_url` (kunci_core::pdf::Stamp).
        if let Some(&[x, y, width, height]) = stamp.as_deref() {
            options.stamp = Some(Stamp {
                x,
                y,
                width,
                height,
                lines: stamp_lines,
                qr_url: stamp_qr_url,
                image: stamp_image,
            });
        }
        let hashing = pdf::begin(pdf, cert, &chain, &options).map_err(js_error)?;
        Ok(PdfSigning {
            hashing: Some(hashing),
            prepared: None,
            signed: None,
        })
    }

    /// Hashes up to `blocks` more 64-byte blocks of the file; true once it is all hashed and
    /// the signed attributes are made (then, and every call after, nothing is left to do).
    pub fn step(&mut self, blocks: u32) -> Result<bool, JsValue> {
        let Some(hashing) = self.hashing.as_mut() else {
            return Ok(true);
        };
        if !hashing.step(blocks as usize) {
            return Ok(false);
        }
        if let Some(hashing) = self.hashing.take() {
            self.prepared = Some(hashing.finish().map_err(js_error)?);
        }
        Ok(true)
    }

    /// The bytes to sign (DER signed attributes); the signer hashes them with SHA-256.
    #[wasm_bindgen(js_name = toBeSigned)]
    pub fn to_be_signed(&self) -> Result<Vec<u8>, JsValue> {
        Ok(self.prepared()?.to_be_signed().to_vec())
    }

    /// SHA-256 of `toBeSigned()`: what a token signs.
    #[wasm_bindgen(js_name = toBeSignedDigest)]
    pub fn to_be_signed_digest(&self) -> Result<Vec<u8>, JsValue> {
        Ok(self.prepared()?.to_be_signed_digest().to_vec())
    }

    /// SHA-256 of the document as signed (the ByteRange), to show the holder.
    #[wasm_bindgen(js_name = documentDigest)]
    pub fn document_digest(&self) -> Result<Vec<u8>, JsValue> {
        Ok(self.prepared()?.document_digest().to_vec())
    }

    /// `rsa` or `p256`: the key the certificate holds.
    #[wasm_bindgen(getter)]
    pub fn algorithm(&self) -> Result<String, JsValue> {
        Ok(match self.prepared()?.signature_algorithm() {
            SignatureAlgorithm::RsaPkcs1Sha256 => "rsa",
            SignatureAlgorithm::EcdsaP256Sha256 => "p256",
        }
        .into())
    }

    /// The signature field's name.
    #[wasm_bindgen(getter, js_name = fieldName)]
    pub fn field_name(&self) -> Result<String, JsValue> {
        Ok(self.prepared()?.field_name().to_owned())
    }

    /// Step 2: checks `signature` (RSA PKCS#1 v1.5; ECDSA P-256 as DER or raw `r || s`)
    /// against the certificate's key. A signature that does not verify is
    /// `pdf.bad_signature`, and the signing can be tried again with another.
    /// Consumes the prepared state either way (no clone of it is kept: the module's size).
    pub fn finish(&mut self, signature: &[u8]) -> Result<(), JsValue> {
        self.prepared()?;
        let prepared = self.prepared.take().ok_or_else(already_signed)?;
        self.signed = Some(prepared.finish(signature).map_err(js_error)?);
        Ok(())
    }

    /// Step 3 (B-T): the RFC 3161 request to POST to a TSA; `nonce` is 8 random bytes.
    #[wasm_bindgen(js_name = timestampRequest)]
    pub fn timestamp_request(&self, nonce: &[u8]) -> Result<Vec<u8>, JsValue> {
        let n = <[u8; 8]>::try_from(nonce)
            .map(|b| u64::from_be_bytes(b) >> 1)
            .map_err(|_| error_with_code("wasm.bad_argument", "the nonce must be 8 bytes"))?;
        self.signed()?.timestamp_request(Some(n)).map_err(js_error)
    }

    /// Embeds the TSA's answer after checking it is a token over this signature
    /// (`pdf.bad_timestamp` otherwise, and the signing is over: start again).
    #[wasm_bindgen(js_name = withTimestamp)]
    pub fn with_timestamp(&mut self, answer: &[u8]) -> Result<(), JsValue> {
        let signed = self.signed.take().ok_or_else(not_signed)?;
        self.signed = Some(signed.with_timestamp(answer).map_err(js_error)?);
        Ok(())
    }

    /// The certificates a B-LT DSS holds for this signature (signer, chain, TSA), DER each.
    #[wasm_bindgen(js_name = validationCertificates)]
    pub fn validation_certificates(&self) -> Result<Vec<Uint8Array>, JsValue> {
        Ok(self
            .signed()?
            .validation_certificates()
            .iter()
            .map(|d| Uint8Array::from(d.as_slice()))
            .collect())
    }

    /// Step 4: the signed PDF, with a DSS update after it when `certs`, `crls` or `ocsps`
    /// (DER each) hold anything (B-LT). Consumes the signing.
    pub fn complete(
        &mut self,
        certs: Vec<Uint8Array>,
        crls: Vec<Uint8Array>,
        ocsps: Vec<Uint8Array>,
    ) -> Result<Vec<u8>, JsValue> {
        let signed = self.signed.take().ok_or_else(not_signed)?;
        let out = signed.into_pdf().map_err(js_error)?;
        let dss = Dss {
            certs: certs.iter().map(Uint8Array::to_vec).collect(),
            crls: crls.iter().map(Uint8Array::to_vec).collect(),
            ocsps: ocsps.iter().map(Uint8Array::to_vec).collect(),
        };
        if dss.crls.is_empty() && dss.ocsps.is_empty() {
            return Ok(out);
        }
        pdf::add_dss(&out, &dss, Limits::default()).map_err(js_error)
    }
}

impl PdfSigning {
    fn prepared(&self) -> Result<&Prepared, JsValue> {
        if self.hashing.is_some() {
            return Err(error_with_code(
                "wasm.bad_state",
                "this PDF is not hashed yet: call step until it answers true",
            ));
        }
        self.prepared.as_ref().ok_or_else(already_signed)
    }

    fn signed(&self) -> Result<&Signed, JsValue> {
        self.signed.as_ref().ok_or_else(not_signed)
    }
}

fn already_signed() -> JsValue {
    error_with_code("wasm.bad_state", "this PDF signing was already signed")
}

fn not_signed() -> JsValue {
    error_with_code(
        "wasm.bad_state",
        "this PDF signing is not signed yet, or was already written out",
    )
}

/// DER items (the JS layer splits PEM bundles: js/pdf.js's `derList`, which keeps the PEM
/// bundle reader out of this module).
fn all_der(items: &[Uint8Array]) -> Vec<Vec<u8>> {
    items.iter().map(Uint8Array::to_vec).collect()
}

/// The pages of `pdf` with their sizes (`kunci_core::pdf::page_boxes`), as JSON text:
/// `[[x0, y0, x1, y1, rotate], …]`, the media box's numbers as the file writes them, as
/// strings (js/pdf.js turns them into numbers: no float parser in this module).
#[wasm_bindgen(js_name = pdfPages)]
pub fn pdf_pages(pdf: &[u8]) -> Result<String, JsValue> {
    let pages = pdf::page_boxes(pdf, Limits::default()).map_err(js_error)?;
    let mut s = String::from("[");
    for (i, p) in pages.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('[');
        for v in &p.media_box {
            json_str(&mut s, v);
            s.push(',');
        }
        s.push_str(&p.rotate.to_string());
        s.push(']');
    }
    s.push(']');
    Ok(s)
}

/// Verifies every signature of `pdf` (`kunci_core::pdf::verify`): `trust` DER certificates,
/// `crls` and `ocsps` DER, `now` Unix seconds. Returns the report as JSON text (camelCase keys,
/// `null` for what is absent), which the JS layer parses: written by hand, because serde's
/// serialiser into JS values would cost this module more than its size budget has left.
/// `digests` are SHA-256 digests the JS layer made with WebCrypto (`VerifyOptions::digests`).
#[wasm_bindgen(js_name = verifyPdf)]
pub fn verify_pdf(
    pdf: &[u8],
    trust: Vec<Uint8Array>,
    crls: Vec<Uint8Array>,
    ocsps: Vec<Uint8Array>,
    now: f64,
    digests: Vec<Uint8Array>,
) -> Result<String, JsValue> {
    let options = VerifyOptions {
        trust: all_der(&trust),
        crls: crls.iter().map(Uint8Array::to_vec).collect(),
        ocsps: ocsps.iter().map(Uint8Array::to_vec).collect(),
        now: now as i64,
        limits: Limits::default(),
        digests: all_der(&digests),
    };
    let report = pdf::verify(pdf, &options).map_err(js_error)?;
    Ok(report_json(&report))
}

/// The report as JSON text.
fn report_json(r: &Report) -> String {
    let mut s = String::with_capacity(4096);
    s.push_str("{\"valid\":");
    s.push_str(bool_text(r.valid));
    s.push_str(",\"signatures\":[");
    for (i, sig) in r.signatures.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str("{\"field\":");
        json_str(&mut s, &sig.field);
        s.push_str(",\"valid\":");
        s.push_str(bool_text(sig.valid));
        s.push_str(",\"signer\":");
        match &sig.signer {
            Some(v) => json_str(&mut s, v),
            None => s.push_str("null"),
        }
        for (key, value) in [
            ("claimedTime", sig.claimed_time),
            ("timestampTime", sig.timestamp_time),
        ] {
            s.push_str(",\"");
            s.push_str(key);
            s.push_str("\":");
            match value {
                Some(t) => s.push_str(&t.to_string()),
                None => s.push_str("null"),
            }
        }
        s.push_str(",\"level\":");
        json_str(&mut s, sig.level);
        s.push_str(",\"byteRange\":[");
        for (j, n) in sig.byte_range.iter().enumerate() {
            if j > 0 {
                s.push(',');
            }
            s.push_str(&n.to_string());
        }
        s.push_str("],\"coversWholeFile\":");
        s.push_str(bool_text(sig.covers_whole_file));
        s.push_str(",\"findings\":");
        findings_json(&mut s, &sig.findings);
        s.push('}');
    }
    s.push_str("],\"findings\":");
    findings_json(&mut s, &r.findings);
    s.push('}');
    s
}

fn findings_json(s: &mut String, findings: &[Finding]) {
    s.push('[');
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str("{\"code\":");
        json_str(s, f.code);
        s.push_str(",\"severity\":");
        json_str(
            s,
            match f.severity {
                Severity::Ok => "ok",
                Severity::Warning => "warning",
                Severity::Error => "error",
            },
        );
        s.push_str(",\"id\":");
        json_str(s, f.id);
        s.push_str(",\"en\":");
        json_str(s, f.en);
        s.push_str(",\"detail\":");
        match &f.detail {
            Some(d) => json_str(s, d),
            None => s.push_str("null"),
        }
        s.push('}');
    }
    s.push(']');
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// `text` as a JSON string literal.
fn json_str(s: &mut String, text: &str) {
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                s.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => s.push(c),
        }
    }
    s.push('"');
}
