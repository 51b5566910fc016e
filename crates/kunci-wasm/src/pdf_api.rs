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
use kunci_core::pdf::{self, Dss, Limits, Prepared, SignOptions, Signed, VerifyOptions};
use kunci_core::sign::SignatureAlgorithm;
use kunci_core::cert;
use wasm_bindgen::prelude::*;

use crate::{error_with_code, js_error, to_js};

/// One signature on its way: prepared (the placeholder is in the file and the signed
/// attributes wait for a signature), then signed (and maybe timestamped), then written out.
#[wasm_bindgen]
pub struct PdfSigning {
    prepared: Option<Prepared>,
    signed: Option<Signed>,
}

#[wasm_bindgen]
impl PdfSigning {
    /// Step 1 (`kunci_core::pdf::prepare`): `cert` is the signer's certificate (PEM or DER),
    /// `chain` PEM bundles or DER certificates to carry with it, `signing_time` Unix seconds,
    /// `page` 1-based.
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
    ) -> Result<PdfSigning, JsValue> {
        let chain = all_der(&chain)?;
        let mut options = SignOptions::new(signing_time as i64);
        options.page = page as usize;
        options.field_name = field;
        options.reason = reason;
        options.location = location;
        options.name = name;
        let prepared = pdf::prepare(pdf, cert, &chain, &options).map_err(js_error)?;
        Ok(PdfSigning {
            prepared: Some(prepared),
            signed: None,
        })
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
    pub fn finish(&mut self, signature: &[u8]) -> Result<(), JsValue> {
        let prepared = self.prepared()?.clone();
        self.signed = Some(prepared.finish(signature).map_err(js_error)?);
        self.prepared = None;
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
    /// (`pdf.bad_timestamp` otherwise; the signing stays usable).
    #[wasm_bindgen(js_name = withTimestamp)]
    pub fn with_timestamp(&mut self, answer: &[u8]) -> Result<(), JsValue> {
        let signed = self.signed()?.clone().with_timestamp(answer).map_err(js_error)?;
        self.signed = Some(signed);
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
        self.prepared.as_ref().ok_or_else(|| {
            error_with_code("wasm.bad_state", "this PDF signing was already signed")
        })
    }

    fn signed(&self) -> Result<&Signed, JsValue> {
        self.signed.as_ref().ok_or_else(not_signed)
    }
}

fn not_signed() -> JsValue {
    error_with_code(
        "wasm.bad_state",
        "this PDF signing is not signed yet, or was already written out",
    )
}

/// Every certificate of each item (a PEM bundle or one DER), as DER.
fn all_der(items: &[Uint8Array]) -> Result<Vec<Vec<u8>>, JsValue> {
    let mut out = Vec::new();
    for item in items {
        out.extend(cert::read_all_der(&item.to_vec()).map_err(js_error)?);
    }
    Ok(out)
}

/// The URL of the OCSP responder in `cert`'s authorityInfoAccess, if any.
#[wasm_bindgen(js_name = pdfOcspUrl)]
pub fn pdf_ocsp_url(cert: &[u8]) -> Result<Option<String>, JsValue> {
    pdf::ocsp_url(cert).map_err(js_error)
}

/// An OCSP request about `cert` issued by `issuer` (each PEM or DER).
#[wasm_bindgen(js_name = pdfOcspRequest)]
pub fn pdf_ocsp_request(cert: &[u8], issuer: &[u8]) -> Result<Vec<u8>, JsValue> {
    pdf::ocsp_request(cert, issuer).map_err(js_error)
}

/// A CRL as DER from PEM (`X509 CRL`) or DER.
#[wasm_bindgen(js_name = pdfCrlDer)]
pub fn pdf_crl_der(crl: &[u8]) -> Result<Vec<u8>, JsValue> {
    kunci_core::pem::der_or_pem(crl, &["X509 CRL"]).map_err(js_error)
}

/// Verifies every signature of `pdf` (`kunci_core::pdf::verify`): `trust` PEM bundles or DER
/// certificates, `crls` and `ocsps` DER, `now` Unix seconds. Returns the report (snake_case
/// keys; the JS layer renames them).
#[wasm_bindgen(js_name = verifyPdf)]
pub fn verify_pdf(
    pdf: &[u8],
    trust: Vec<Uint8Array>,
    crls: Vec<Uint8Array>,
    ocsps: Vec<Uint8Array>,
    now: f64,
) -> Result<JsValue, JsValue> {
    let options = VerifyOptions {
        trust: all_der(&trust)?,
        crls: crls.iter().map(Uint8Array::to_vec).collect(),
        ocsps: ocsps.iter().map(Uint8Array::to_vec).collect(),
        now: now as i64,
        limits: Limits::default(),
    };
    let report = pdf::verify(pdf, &options).map_err(js_error)?;
    to_js(&report)
}
