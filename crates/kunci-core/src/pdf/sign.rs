//! Signing a PDF (PAdES baseline B-B, B-T; B-LT through [`add_dss`]) in steps, so that the
//! signature itself can be made anywhere: in memory, in a browser worker (WebCrypto), or on a
//! token behind the extension.
//!
//! 1. [`prepare`] (or [`begin`], then [`Hashing::step`] in slices) appends an incremental update with the signature field, its widget on a
//!    page, the AcroForm (made or extended, also when `/Fields` or `/Annots` are indirect
//!    arrays), and a signature dictionary whose `/Contents` is a zero-filled placeholder;
//!    it fills in the `/ByteRange`, hashes the file but the placeholder (SHA-256) and builds
//!    the CMS signed attributes. [`Prepared::to_be_signed`] is what the key signs (it hashes
//!    it with SHA-256 itself, as [`Signer::sign`] does).
//! 2. [`Prepared::finish`] takes the signature (RSA PKCS#1 v1.5, or ECDSA P-256 as DER or raw
//!    `r || s`), checks it against the certificate's key and gives a [`Signed`].
//! 3. For B-T, [`Signed::timestamp_request`] is the RFC 3161 request over the signature value
//!    to send to a TSA, and [`Signed::with_timestamp`] embeds its answer.
//! 4. [`Signed::into_pdf`] writes the CMS into the placeholder. Nothing else changes, so the
//!    digest signed in step 1 still holds.
//!
//! Time comes from the caller ([`SignOptions::signing_time`], the signature dictionary's
//! `/M`); nothing here reads a clock.

use der::{Decode, Encode};
use sha2::Digest;
use spki::SubjectPublicKeyInfoRef;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use super::cms;
use super::document::{Document, Limits};
use super::object::{Dict, HEX, Object};
use super::stamp::Stamp;
use super::update::Update;
use crate::sign::{SignatureAlgorithm, Signer, verify_signature};
use crate::{Error, Result};

/// The room reserved for the CMS by default: 16 KiB (32 KiB of hex in the file). The spike
/// measured 1.3-3.2 KiB for a two-certificate chain with a timestamp; a three-certificate
/// RSA-4096 chain plus a TSA chain stays well inside.
pub const DEFAULT_RESERVE: usize = 16 * 1024;

/// How to sign.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// The signing time claimed (Unix seconds, UTC): the signature dictionary's `/M`.
    pub signing_time: i64,
    /// The page to put the signature's widget on (1-based; default 1).
    pub page: usize,
    /// The field name; default `Signature1`, `Signature2`, … (the first unused).
    pub field_name: Option<String>,
    /// `/Reason`, if any.
    pub reason: Option<String>,
    /// `/Location`, if any.
    pub location: Option<String>,
    /// `/Name` (the signer's name as shown), if any.
    pub name: Option<String>,
    /// Bytes reserved for the CMS SignedData ([`DEFAULT_RESERVE`]).
    pub reserve: usize,
    /// A visible stamp on the page; `None` (the default) makes an invisible signature.
    pub stamp: Option<Stamp>,
    /// The reader's limits.
    pub limits: Limits,
}

impl SignOptions {
    /// Options for a signature at `signing_time` (Unix seconds), otherwise the defaults.
    pub fn new(signing_time: i64) -> SignOptions {
        SignOptions {
            signing_time,
            page: 1,
            field_name: None,
            reason: None,
            location: None,
            name: None,
            reserve: DEFAULT_RESERVE,
            stamp: None,
            limits: Limits::default(),
        }
    }
}

/// A PDF with its signature placeholder, waiting for the signature.
#[derive(Clone)]
pub struct Prepared {
    pdf: Vec<u8>,
    contents_at: usize,
    reserve: usize,
    digest: [u8; 32],
    attrs: der::asn1::SetOfVec<x509_cert::attr::Attribute>,
    attrs_der: Vec<u8>,
    cert: Certificate,
    cert_spki: Vec<u8>,
    chain: Vec<Certificate>,
    algorithm: SignatureAlgorithm,
    field: String,
}

impl core::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Prepared")
            .field("field", &self.field)
            .field("len", &self.pdf.len())
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// A signature made and checked, not yet written into the PDF.
#[derive(Debug, Clone)]
pub struct Signed {
    prepared: Prepared,
    signature: Vec<u8>,
    token: Option<Vec<u8>>,
}

/// Steps 1 to 4 at once with a signer at hand (a key in memory, a token in the CLI): B-B.
pub fn sign(
    pdf: &[u8],
    signer: &dyn Signer,
    cert: &[u8],
    chain: &[Vec<u8>],
    options: &SignOptions,
) -> Result<Signed> {
    let prepared = prepare(pdf, cert, chain, options)?;
    if signer.signature_algorithm() != prepared.algorithm {
        return Err(Error::CertKeyMismatch);
    }
    let signature = signer.sign(prepared.to_be_signed())?;
    prepared.finish(&signature)
}

/// Step 1: the update with the field and placeholder, and the signed attributes to sign.
/// `cert` is the signer's certificate (DER or PEM), `chain` the certificates to carry with
/// it (DER each; the root may be left out).
pub fn prepare(
    pdf: &[u8],
    cert: &[u8],
    chain: &[Vec<u8>],
    options: &SignOptions,
) -> Result<Prepared> {
    begin(pdf, cert, chain, options)?.finish()
}

/// Step 1 without the hash: the update with the field and placeholder, whose signed bytes
/// [`Hashing::step`] then hashes a slice at a time. For a caller that must give its thread
/// back between slices: a browser page's main thread, where hashing a 10 MB file in one go
/// was a 55 ms long task. [`prepare`] is `begin` then [`Hashing::finish`].
pub fn begin(pdf: &[u8], cert: &[u8], chain: &[Vec<u8>], options: &SignOptions) -> Result<Hashing> {
    let cert_der = crate::pem::der_or_pem(cert, &["CERTIFICATE"])?;
    let cert_parsed =
        Certificate::from_der(&cert_der).map_err(|e| Error::CertMalformed(e.to_string()))?;
    check_key_usage(&cert_parsed)?;
    let cert_spki = cert_parsed
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| Error::CertMalformed(e.to_string()))?;
    let algorithm = algorithm_for(&cert_spki)?;
    let chain = chain
        .iter()
        .map(|c| Certificate::from_der(c).map_err(|e| Error::CertMalformed(e.to_string())))
        .collect::<Result<Vec<_>>>()?;

    let doc = Document::open(pdf, options.limits)?;
    let pages = doc.pages()?;
    let page_ref = *pages
        .get(options.page.wrapping_sub(1))
        .ok_or(Error::PdfNoSuchPage {
            page: options.page,
            count: pages.len(),
        })?;
    let (root_ref, mut catalog) = doc.catalog()?;
    if docmdp_permission(&doc, &catalog)? == Some(1) {
        return Err(Error::PdfCertifiedNoChanges);
    }
    let mut update = Update::new(&doc);
    let sig_ref = update.alloc();
    let widget_ref = update.alloc();

    // The AcroForm, made or extended; the field name chosen among the existing ones.
    let (mut acroform, acroform_ref) = match catalog.get(b"AcroForm") {
        None => (Dict::new(), None),
        Some(Object::Ref(r)) => (doc.dict(&Object::Ref(*r))?, Some(*r)),
        Some(Object::Dict(d)) => (d.clone(), None),
        Some(_) => return Err(Error::PdfMalformed("/AcroForm is not a dictionary".into())),
    };
    let (mut fields, fields_ref) = match acroform.get(b"Fields") {
        None => (Vec::new(), None),
        Some(Object::Array(a)) => (a.clone(), None),
        Some(Object::Ref(r)) => match doc.get(*r)? {
            Object::Array(a) => (a, Some(*r)),
            _ => return Err(Error::PdfMalformed("/Fields is not an array".into())),
        },
        Some(_) => return Err(Error::PdfMalformed("/Fields is not an array".into())),
    };
    let names = field_names(&doc, &fields)?;
    let field = match &options.field_name {
        Some(n) if names.iter().any(|x| x == n) => {
            return Err(Error::PdfMalformed(format!(
                "a field named {n} already exists"
            )));
        }
        Some(n) => n.clone(),
        None => (1..)
            .map(|i| format!("Signature{i}"))
            .find(|n| !names.contains(n))
            .unwrap_or_default(),
    };
    fields.push(Object::Ref(widget_ref));
    match fields_ref {
        Some(r) => update.put(r, &Object::Array(fields)),
        None => acroform.set(b"Fields", Object::Array(fields)),
    }
    let acroform_changed = fields_ref.is_none() || acroform.int(b"SigFlags") != Some(3);
    acroform.set(b"SigFlags", Object::Int(3));
    match acroform_ref {
        Some(r) if acroform_changed => update.put(r, &Object::Dict(acroform)),
        Some(_) => {}
        None => {
            catalog.set(b"AcroForm", Object::Dict(acroform));
            update.put(root_ref, &Object::Dict(catalog));
        }
    }

    // The widget on the page.
    let mut page = doc.dict(&Object::Ref(page_ref))?;
    match page.get(b"Annots") {
        None => {
            page.set(b"Annots", Object::Array(vec![Object::Ref(widget_ref)]));
            update.put(page_ref, &Object::Dict(page));
        }
        Some(Object::Array(a)) => {
            let mut a = a.clone();
            a.push(Object::Ref(widget_ref));
            page.set(b"Annots", Object::Array(a));
            update.put(page_ref, &Object::Dict(page));
        }
        Some(Object::Ref(r)) => match doc.get(*r)? {
            Object::Array(mut a) => {
                a.push(Object::Ref(widget_ref));
                update.put(*r, &Object::Array(a));
            }
            _ => return Err(Error::PdfMalformed("/Annots is not an array".into())),
        },
        Some(_) => return Err(Error::PdfMalformed("/Annots is not an array".into())),
    }
    let mut widget = Dict::new();
    widget.set(b"Type", Object::name("Annot"));
    widget.set(b"Subtype", Object::name("Widget"));
    widget.set(b"FT", Object::name("Sig"));
    widget.set(b"T", text_string(&field));
    widget.set(b"V", Object::Ref(sig_ref));
    // Print + Locked (section 12.5.3): shown when printed, not movable.
    widget.set(b"F", Object::Int(132));
    match &options.stamp {
        None => widget.set(b"Rect", Object::Array(vec![Object::Int(0); 4])),
        Some(stamp) => {
            let appearance = stamp.put(&mut update)?;
            let mut ap = Dict::new();
            ap.set(b"N", Object::Ref(appearance));
            widget.set(b"Rect", stamp.rect());
            widget.set(b"AP", Object::Dict(ap));
        }
    }
    widget.set(b"P", Object::Ref(page_ref));
    update.put(widget_ref, &Object::Dict(widget));

    // The signature dictionary, with its two placeholders.
    // At least the certificates carried plus room for the rest of the CMS and a timestamp
    // token with its TSA chain: too small a reserve is only found after signing (a second
    // PIN prompt on a token).
    let carried: usize = cert_der.len()
        + chain
            .iter()
            .map(|c| c.to_der().map_or(0, |d| d.len()))
            .sum::<usize>();
    let reserve = options.reserve.max(carried + 12 * 1024);
    let mut sig = Dict::new();
    sig.set(b"Type", Object::name("Sig"));
    sig.set(b"Filter", Object::name("Adobe.PPKLite"));
    sig.set(b"SubFilter", Object::name("ETSI.CAdES.detached"));
    sig.set(b"M", Object::text(&pdf_date(options.signing_time)?));
    for (key, value) in [
        (&b"Name"[..], &options.name),
        (b"Reason", &options.reason),
        (b"Location", &options.location),
    ] {
        if let Some(v) = value {
            sig.set(key, text_string(v));
        }
    }
    let mut body = Vec::new();
    Object::Dict(sig).write(&mut body);
    body.truncate(body.len() - 2); // reopen the dictionary: drop ">>"
    body.extend_from_slice(b"/ByteRange [");
    let byte_range_at = body.len();
    body.extend_from_slice(&[b' '; BYTE_RANGE_WIDTH]);
    body.extend_from_slice(b"]/Contents <");
    let contents_rel = body.len() - 1;
    body.resize(body.len() + 2 * reserve, b'0');
    body.extend_from_slice(b">>>");
    update.put_raw(sig_ref, body);

    let written = update.write(&doc);
    let mut out = written.bytes;
    let sig_body = *written.bodies.get(&sig_ref).ok_or_else(|| {
        Error::PdfMalformed("internal: the signature object was not written".into())
    })?;
    let contents_at = sig_body + contents_rel;
    let after = contents_at + 2 * reserve + 2;
    let ranges = format!("0 {contents_at} {after} {}", out.len() - after);
    if ranges.len() > BYTE_RANGE_WIDTH {
        return Err(Error::PdfLimit {
            limit: crate::error::PdfLimit::FileSize,
            found: out.len() as u64,
            max: 9_999_999_999,
        });
    }
    let br = sig_body + byte_range_at;
    out[br..br + ranges.len()].copy_from_slice(ranges.as_bytes());
    Ok(Hashing {
        pdf: out,
        contents_at,
        after,
        at: 0,
        hasher: sha2::Sha256::new(),
        reserve,
        cert_der,
        cert: cert_parsed,
        cert_spki,
        chain,
        algorithm,
        field,
    })
}

/// Step 1's second half: the file with its placeholder, being hashed (SHA-256 over the
/// `/ByteRange`: everything but the placeholder).
pub struct Hashing {
    pdf: Vec<u8>,
    contents_at: usize,
    after: usize,
    /// The next byte to hash.
    at: usize,
    hasher: sha2::Sha256,
    reserve: usize,
    cert_der: Vec<u8>,
    cert: Certificate,
    cert_spki: Vec<u8>,
    chain: Vec<Certificate>,
    algorithm: SignatureAlgorithm,
    field: String,
}

impl core::fmt::Debug for Hashing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hashing")
            .field("field", &self.field)
            .field("at", &self.at)
            .field("len", &self.pdf.len())
            .finish_non_exhaustive()
    }
}

impl Hashing {
    /// Hashes up to `blocks` more SHA-256 blocks (64 bytes each) of the signed ranges, at
    /// least one; `true` once the whole file is hashed.
    pub fn step(&mut self, blocks: usize) -> bool {
        let mut budget = blocks.max(1).saturating_mul(64);
        while budget > 0 && self.at < self.pdf.len() {
            if self.at == self.contents_at {
                self.at = self.after;
                continue;
            }
            let end = if self.at < self.contents_at {
                self.contents_at
            } else {
                self.pdf.len()
            };
            let n = budget.min(end - self.at);
            self.hasher.update(&self.pdf[self.at..self.at + n]);
            self.at += n;
            budget -= n;
        }
        self.at >= self.pdf.len()
    }

    /// Hashes what is left and builds the signed attributes: the [`Prepared`] signing.
    pub fn finish(mut self) -> Result<Prepared> {
        self.step(usize::MAX);
        let digest: [u8; 32] = self.hasher.finalize().into();
        let attrs = cms::signed_attributes(&digest, &self.cert_der)?;
        let attrs_der = cms::signed_attributes_der(&attrs)?;
        Ok(Prepared {
            pdf: self.pdf,
            contents_at: self.contents_at,
            reserve: self.reserve,
            digest,
            attrs,
            attrs_der,
            cert: self.cert,
            cert_spki: self.cert_spki,
            chain: self.chain,
            algorithm: self.algorithm,
            field: self.field,
        })
    }
}

/// Room for `0 a b c` with three 10-digit numbers.
const BYTE_RANGE_WIDTH: usize = 36;

impl Prepared {
    /// The bytes the signer signs (the DER `SET OF` signed attributes); the signer hashes them
    /// with SHA-256.
    pub fn to_be_signed(&self) -> &[u8] {
        &self.attrs_der
    }

    /// SHA-256 of [`Prepared::to_be_signed`]: what a token or WebCrypto signs when it is given
    /// a digest (PKCS#11 `CKM_ECDSA`, or `CKM_RSA_PKCS` with a DigestInfo).
    pub fn to_be_signed_digest(&self) -> [u8; 32] {
        sha2::Sha256::digest(&self.attrs_der).into()
    }

    /// What an RSA key that signs raw PKCS#1 v1.5 blocks (PKCS#11 `CKM_RSA_PKCS`) must sign:
    /// the DER `DigestInfo` of SHA-256 over [`Prepared::to_be_signed`] (RFC 8017 section
    /// 9.2). Keys that hash themselves (`CKM_SHA256_RSA_PKCS`, WebCrypto) take
    /// [`Prepared::to_be_signed`] instead.
    pub fn to_be_signed_digest_info(&self) -> Vec<u8> {
        const SHA256_PREFIX: [u8; 19] = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        [&SHA256_PREFIX[..], &self.to_be_signed_digest()].concat()
    }

    /// SHA-256 of the document as signed (the ByteRange), for showing to the holder.
    pub fn document_digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The algorithm the certificate's key signs with.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The signature field's name.
    pub fn field_name(&self) -> &str {
        &self.field
    }

    /// Step 2: checks `signature` over [`Prepared::to_be_signed`] with the certificate's key.
    /// For P-256 either a DER `ECDSA-Sig-Value` or raw `r || s` (64 bytes) is accepted.
    pub fn finish(self, signature: &[u8]) -> Result<Signed> {
        let alg = self.algorithm.algorithm_identifier();
        let check = |sig: &[u8]| verify_signature(&self.cert_spki, &alg, &self.attrs_der, sig);
        let signature = match check(signature) {
            Ok(()) => signature.to_vec(),
            Err(e) => {
                let raw = (self.algorithm == SignatureAlgorithm::EcdsaP256Sha256
                    && signature.len() == 64)
                    .then(|| crate::sign::ecdsa_p256_raw_to_der(signature))
                    .transpose()?;
                match raw {
                    Some(der) if check(&der).is_ok() => der,
                    _ => return Err(Error::PdfBadSignature(e.to_string())),
                }
            }
        };
        Ok(Signed {
            prepared: self,
            signature,
            token: None,
        })
    }
}

impl Signed {
    /// SHA-256 of the signature value: the imprint an RFC 3161 timestamp covers (B-T).
    pub fn timestamp_imprint(&self) -> [u8; 32] {
        sha2::Sha256::digest(&self.signature).into()
    }

    /// The RFC 3161 `TimeStampReq` (DER) to POST to a TSA as `application/timestamp-query`,
    /// asking for its certificate; `nonce` (recommended) is echoed in the token.
    pub fn timestamp_request(&self, nonce: Option<u64>) -> Result<Vec<u8>> {
        cms::timestamp_request(&self.timestamp_imprint(), nonce)
    }

    /// Embeds a TSA's answer (a `TimeStampResp` or a bare token) as the unsigned attribute
    /// id-aa-timeStampToken, after checking that it is a token over this signature.
    pub fn with_timestamp(mut self, answer: &[u8]) -> Result<Signed> {
        let token = cms::token_from_answer(answer)?;
        let sd = cms::signed_data(&token)
            .map_err(|e| Error::PdfBadTimestamp(format!("the token is unreadable: {e}")))?;
        if sd.encap_content_info.econtent_type != cms::ID_CT_TST_INFO {
            return Err(Error::PdfBadTimestamp("the token holds no TSTInfo".into()));
        }
        let tst = sd
            .encap_content_info
            .econtent
            .as_ref()
            .and_then(|c| c.decode_as::<der::asn1::OctetString>().ok())
            .and_then(|o| cms::TstInfo::from_der(o.as_bytes()).ok())
            .ok_or_else(|| Error::PdfBadTimestamp("the token's TSTInfo is unreadable".into()))?;
        let imprint = &tst.message_imprint;
        let expected = cms::digest(&imprint.hash_algorithm.oid, &self.signature)
            .ok_or_else(|| Error::PdfBadTimestamp("an imprint hash kunci does not read".into()))?;
        if imprint.hashed_message.as_bytes() != expected.as_slice() {
            return Err(Error::PdfBadTimestamp(
                "the token is over other data than this signature".into(),
            ));
        }
        self.token = Some(token);
        Ok(self)
    }

    /// The certificates a B-LT DSS should hold for this signature: the signer's, the chain
    /// given to [`prepare`], and those in the timestamp token (the TSA's), DER each.
    pub fn validation_certificates(&self) -> Vec<Vec<u8>> {
        let p = &self.prepared;
        let mut all: Vec<Certificate> = std::iter::once(p.cert.clone())
            .chain(p.chain.iter().cloned())
            .collect();
        if let Some(sd) = self.token.as_deref().and_then(|t| cms::signed_data(t).ok()) {
            all.extend(cms::certificates(&sd));
        }
        let mut out: Vec<Vec<u8>> = Vec::new();
        for c in all {
            if let Ok(der) = c.to_der()
                && !out.contains(&der)
            {
                out.push(der);
            }
        }
        out
    }

    /// The CMS SignedData (DER) that goes into `/Contents`.
    pub fn cms(&self) -> Result<Vec<u8>> {
        let p = &self.prepared;
        cms::assemble(
            &p.attrs,
            &p.cert,
            &p.chain,
            p.algorithm.algorithm_identifier(),
            &self.signature,
            self.token.as_deref(),
        )
    }

    /// Step 4: the signed PDF.
    pub fn into_pdf(self) -> Result<Vec<u8>> {
        let cms = self.cms()?;
        let mut p = self.prepared;
        if cms.len() > p.reserve {
            return Err(Error::PdfSignatureTooLarge {
                len: cms.len(),
                room: p.reserve,
            });
        }
        let mut at = p.contents_at + 1;
        for b in cms {
            p.pdf[at] = HEX[usize::from(b >> 4)];
            p.pdf[at + 1] = HEX[usize::from(b & 15)];
            at += 2;
        }
        Ok(p.pdf)
    }
}

/// What a B-LT update adds: validation material (DER each).
#[derive(Debug, Clone, Default)]
pub struct Dss {
    /// Certificates: the chains of the signers and of the TSAs.
    pub certs: Vec<Vec<u8>>,
    /// CRLs.
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses (`OCSPResponse` DER).
    pub ocsps: Vec<Vec<u8>>,
}

/// B-LT: appends an incremental update with a document security store (ETSI EN 319 142-1
/// section 5.4.2) holding `dss`'s certificates, CRLs and OCSP responses, merged with any DSS
/// already there. No `/VRI` is written (it is optional).
pub fn add_dss(pdf: &[u8], dss: &Dss, limits: Limits) -> Result<Vec<u8>> {
    let doc = Document::open(pdf, limits)?;
    let (root_ref, mut catalog) = doc.catalog()?;
    let mut update = Update::new(&doc);
    let mut new_dss = match catalog.get(b"DSS") {
        None => Dict::new(),
        Some(o) => doc.dict(o)?,
    };
    new_dss.set(b"Type", Object::name("DSS"));
    for (key, items) in [
        (&b"Certs"[..], &dss.certs),
        (b"CRLs", &dss.crls),
        (b"OCSPs", &dss.ocsps),
    ] {
        let mut refs = match new_dss.get(key) {
            None => Vec::new(),
            Some(o) => match doc.resolve(o)? {
                Object::Array(a) => a,
                _ => return Err(Error::PdfMalformed("a DSS entry is not an array".into())),
            },
        };
        let mut known: Vec<Vec<u8>> = Vec::new();
        for r in &refs {
            if let Object::Stream(s) = doc.resolve(r)? {
                known.push(doc.decode(&s)?);
            }
        }
        for item in items {
            if known.contains(item) {
                continue;
            }
            let r = update.alloc();
            update.put(
                r,
                &Object::Stream(super::object::Stream {
                    dict: Dict::new(),
                    data: item.clone(),
                }),
            );
            refs.push(Object::Ref(r));
            known.push(item.clone());
        }
        if !refs.is_empty() {
            new_dss.set(key, Object::Array(refs));
        }
    }
    let dss_ref = update.alloc();
    update.put(dss_ref, &Object::Dict(new_dss));
    catalog.set(b"DSS", Object::Ref(dss_ref));
    update.put(root_ref, &Object::Dict(catalog));
    Ok(update.write(&doc).bytes)
}

/// The OCSP responder's URL in `cert`'s authorityInfoAccess (DER or PEM), if it names one
/// over HTTP.
pub fn ocsp_url(cert: &[u8]) -> Result<Option<String>> {
    use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;
    use x509_cert::ext::pkix::name::GeneralName;
    const ID_AD_OCSP: const_oid::ObjectIdentifier =
        const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
    let der = crate::pem::der_or_pem(cert, &["CERTIFICATE"])?;
    let cert = Certificate::from_der(&der).map_err(|e| Error::CertMalformed(e.to_string()))?;
    let aia = cert
        .tbs_certificate()
        .get_extension::<AuthorityInfoAccessSyntax>()
        .map_err(|e| Error::CertMalformed(e.to_string()))?;
    Ok(aia.and_then(|(_, aia)| {
        aia.0.into_iter().find_map(|ad| match ad.access_location {
            GeneralName::UniformResourceIdentifier(uri) if ad.access_method == ID_AD_OCSP => {
                Some(uri.to_string())
            }
            _ => None,
        })
    }))
}

/// An OCSP request (DER, to POST as `application/ocsp-request`) about `cert` issued by
/// `issuer` (each DER or PEM), for B-LT's DSS.
pub fn ocsp_request(cert: &[u8], issuer: &[u8]) -> Result<Vec<u8>> {
    let parse = |b: &[u8]| -> Result<Certificate> {
        let der = crate::pem::der_or_pem(b, &["CERTIFICATE"])?;
        Certificate::from_der(&der).map_err(|e| Error::CertMalformed(e.to_string()))
    };
    cms::ocsp_request(&parse(cert)?, &parse(issuer)?)
}

/// The DocMDP permission (`/P`: 1 no changes, 2 form filling and signing, 3 also
/// annotations) of a certified document, from the catalog's `/Perms`.
pub(crate) fn docmdp_permission(doc: &Document<'_>, catalog: &Dict) -> Result<Option<i64>> {
    let Some(perms) = catalog.get(b"Perms") else {
        return Ok(None);
    };
    let Some(sig) = doc.dict(perms)?.get(b"DocMDP").cloned() else {
        return Ok(None);
    };
    Ok(docmdp_of_signature(doc, &doc.dict(&sig)?))
}

/// The DocMDP `/P` a signature dictionary's `/Reference` states (2 when the transform has
/// no parameters, section 12.8.2.2), or None for an approval signature.
pub(crate) fn docmdp_of_signature(doc: &Document<'_>, sig: &Dict) -> Option<i64> {
    let Ok(Object::Array(refs)) = doc.resolve(sig.get(b"Reference")?) else {
        return None;
    };
    refs.iter().find_map(|r| {
        let r = doc.dict(r).ok()?;
        if r.name(b"TransformMethod") != Some(b"DocMDP") {
            return None;
        }
        let p = r
            .get(b"TransformParams")
            .and_then(|t| doc.dict(t).ok())
            .and_then(|t| t.int(b"P"));
        Some(p.unwrap_or(2))
    })
}

/// Refuses a certificate whose keyUsage lacks both digitalSignature and nonRepudiation, or
/// that has no keyUsage at all (a signing certificate states what it is for).
fn check_key_usage(cert: &Certificate) -> Result<()> {
    let ku = cert
        .tbs_certificate()
        .get_extension::<KeyUsage>()
        .map_err(|e| Error::CertMalformed(e.to_string()))?;
    match ku {
        Some((_, ku))
            if ku.0.contains(KeyUsages::DigitalSignature)
                || ku.0.contains(KeyUsages::NonRepudiation) =>
        {
            Ok(())
        }
        _ => Err(Error::PdfCertKeyUsage),
    }
}

/// The signature algorithm of the key in `spki_der`: RSA of 2048 bits or more, or P-256.
fn algorithm_for(spki_der: &[u8]) -> Result<SignatureAlgorithm> {
    use rsa::traits::PublicKeyParts;
    let info = SubjectPublicKeyInfoRef::try_from(spki_der)
        .map_err(|e| Error::CertMalformed(e.to_string()))?;
    if p256::PublicKey::try_from(info.clone()).is_ok() {
        return Ok(SignatureAlgorithm::EcdsaP256Sha256);
    }
    match rsa::PublicKey::try_from(info) {
        Ok(k) if k.size() >= 256 => Ok(SignatureAlgorithm::RsaPkcs1Sha256),
        Ok(k) => Err(Error::UnsupportedKey(format!(
            "RSA-{} (at least 2048 bits)",
            k.size() * 8
        ))),
        Err(_) => Err(Error::UnsupportedKey(
            "the certificate's key is neither RSA nor P-256".into(),
        )),
    }
}

/// The `/T` names of the fields (and their kids) in `fields`.
fn field_names(doc: &Document<'_>, fields: &[Object]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack: Vec<(Object, usize)> = fields.iter().map(|f| (f.clone(), 0)).collect();
    let mut visited = 0usize;
    while let Some((f, depth)) = stack.pop() {
        visited += 1;
        if depth > doc.limits.max_depth || visited > doc.limits.max_objects {
            return Err(Error::PdfMalformed("the form's field tree loops".into()));
        }
        let Ok(d) = doc.dict(&f) else { continue };
        if let Some(Object::Str { bytes, .. }) = d.get(b"T") {
            out.push(decode_text(bytes));
        }
        if let Some(kids) = d.get(b"Kids")
            && let Object::Array(k) = doc.resolve(kids)?
        {
            stack.extend(k.into_iter().map(|k| (k, depth + 1)));
        }
    }
    Ok(out)
}

/// A PDF text string: ASCII as is, anything else as UTF-16BE with a byte-order mark.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        return Object::text(s);
    }
    let mut bytes = vec![0xfe, 0xff];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::Str { bytes, hex: true }
}

/// A PDF text string's bytes as text (UTF-16BE with BOM, UTF-8 with BOM, else Latin-1-ish).
pub(crate) fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `D:YYYYMMDDHHmmSSZ` for a Unix time (section 7.9.4).
pub(crate) fn pdf_date(unix: i64) -> Result<String> {
    let secs = u64::try_from(unix)
        .map_err(|_| Error::PdfMalformed(format!("signing time {unix} is before 1970")))?;
    let t = der::DateTime::from_unix_duration(core::time::Duration::from_secs(secs))
        .map_err(|_| Error::PdfMalformed(format!("signing time {unix} is out of range")))?;
    Ok(format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minutes(),
        t.seconds()
    ))
}

/// A `/M`-style date (`D:YYYYMMDDHHmmSS` with an optional offset) as Unix seconds.
pub(crate) fn parse_pdf_date(s: &str) -> Option<i64> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let num = |r: core::ops::Range<usize>, default: u32| -> Option<u32> {
        match s.get(r) {
            Some(t) if !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()) => t.parse().ok(),
            _ => Some(default),
        }
    };
    let year = u16::try_from(num(0..4, 0)?).ok()?;
    let dt = der::DateTime::new(
        year,
        u8::try_from(num(4..6, 1)?).ok()?,
        u8::try_from(num(6..8, 1)?).ok()?,
        u8::try_from(num(8..10, 0)?).ok()?,
        u8::try_from(num(10..12, 0)?).ok()?,
        u8::try_from(num(12..14, 0)?).ok()?,
    )
    .ok()?;
    let mut t = i64::try_from(dt.unix_duration().as_secs()).ok()?;
    // Offset: Z, or +HH'mm / -HH'mm.
    if let Some(sign) = s.get(14..15) {
        let hh = i64::from(num(15..17, 0)?);
        let mm = i64::from(num(18..20, 0)?);
        match sign {
            "+" => t -= hh * 3600 + mm * 60,
            "-" => t += hh * 3600 + mm * 60,
            _ => {}
        }
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_round_trip() {
        let s = pdf_date(1_796_000_000).unwrap();
        assert_eq!(s, "D:20261130005320Z");
        assert_eq!(parse_pdf_date(&s), Some(1_796_000_000));
        assert_eq!(
            parse_pdf_date("D:20261130075320+07'00'"),
            Some(1_796_000_000)
        );
    }
}
