//! Verifying every signature of a PDF into a [`Report`]: for each signature field, that the
//! ByteRange covers its revision but exactly `/Contents` (nothing overlapping, nothing left
//! out), the message digest, the CMS signature over the signed attributes (RSA PKCS#1 v1.5
//! and ECDSA P-256, SHA-256/384/512), signing-certificate-v2, the chain to the caller's trust
//! list with validity at the time of signing (the timestamp's, else the caller's `now`), the
//! signer's keyUsage, revocation of the signer's certificate, of the CAs between it and the
//! trust anchor and of the TSA's certificate (and its CAs) from the document's DSS and the
//! caller's CRLs and OCSP responses, the signature timestamp (imprint, its own signature, its TSA's chain), and what
//! later incremental updates changed (allowed: further signatures with their fields and
//! widgets, and DSS updates; anything else is reported with the object numbers).
//!
//! A file that cannot be read at all is an [`Error`]; everything about signatures is in the
//! report, each finding with a stable code and words in Indonesian and English
//! ([`super::texts`]).

use std::collections::HashSet;

use cms::signed_data::{SignedData, SignerInfo};
use der::asn1::OctetString;
use der::{Decode, Encode};
use serde::Serialize;
use sha2::Digest;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use super::cms as c;
use super::document::{Document, Entry, Limits, ends_revision};
use super::object::{Dict, ObjRef, Object};
use super::sign::{decode_text, docmdp_of_signature, parse_pdf_date};
use super::texts::Check;
use crate::sign::verify_signature;
use crate::{Error, Result};

/// What to verify against.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Trusted certificates (DER): a chain must end at one of them.
    pub trust: Vec<Vec<u8>>,
    /// CRLs (DER) to use besides the document's DSS.
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses (DER) to use besides the document's DSS.
    pub ocsps: Vec<Vec<u8>>,
    /// The time to check certificates at when a signature has no timestamp (Unix seconds).
    pub now: i64,
    /// The reader's limits.
    pub limits: Limits,
    /// SHA-256 digests of signed bytes made elsewhere, 64 bytes each: the ByteRange's four
    /// numbers as big-endian `u64`s (as [`signed_ranges`] gives them), then the digest. A
    /// signature with that ByteRange and SHA-256 as its digest algorithm is checked against it
    /// instead of hashing the file here (a browser hashes with WebCrypto, off its main thread);
    /// the caller vouches for it. Only the message-digest check uses it.
    pub digests: Vec<Vec<u8>>,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A check that passed.
    Ok,
    /// Worth knowing; the signature can still be valid (no timestamp, no revocation data).
    Warning,
    /// The signature is not valid.
    Error,
}

/// One finding: its stable code, severity, words in both languages and a technical detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code (`pdf.verify.*`).
    pub code: &'static str,
    /// How serious.
    pub severity: Severity,
    /// Indonesian text.
    pub id: &'static str,
    /// English text.
    pub en: &'static str,
    /// A technical detail (English), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The check.
    #[serde(skip)]
    pub check: Check,
}

impl Finding {
    fn new(check: Check, severity: Severity, detail: Option<String>) -> Finding {
        let (code, id, en) = check.texts();
        Finding {
            code,
            severity,
            id,
            en,
            detail,
            check,
        }
    }
}

/// One signature's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    /// The field's name.
    pub field: String,
    /// True when no finding is an error.
    pub valid: bool,
    /// The signer's subject, as text.
    pub signer: Option<String>,
    /// `/M`: the time the signer claims (Unix seconds).
    pub claimed_time: Option<i64>,
    /// The signature timestamp's time (Unix seconds), if there is one that verifies.
    pub timestamp_time: Option<i64>,
    /// `B-B`, `B-T` or `B-LT`.
    pub level: &'static str,
    /// The ByteRange as written.
    pub byte_range: Vec<i64>,
    /// True when the signature covers the file up to its last byte.
    pub covers_whole_file: bool,
    /// Every finding, in order of the checks.
    pub findings: Vec<Finding>,
}

/// The verdict on a file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// True when the file holds at least one signature and every signature is valid.
    pub valid: bool,
    /// The signatures, in the order of their revisions (oldest first).
    pub signatures: Vec<SignatureReport>,
    /// Findings about the file as a whole (no signatures).
    pub findings: Vec<Finding>,
}

/// The ByteRange of each signature of `pdf` that has four numbers within the file, for a
/// caller that hashes them itself ([`VerifyOptions::digests`]).
pub fn signed_ranges(pdf: &[u8], limits: Limits) -> Result<Vec<[i64; 4]>> {
    let doc = Document::open(pdf, limits)?;
    Ok(signature_fields(&doc)?
        .iter()
        .filter_map(|(_, sig)| {
            let [a, b, c, d]: [i64; 4] = byte_range(sig).try_into().ok()?;
            let end = c.checked_add(d)?;
            (a == 0 && 0 <= b && b < c && d >= 0 && end <= pdf.len() as i64).then_some([a, b, c, d])
        })
        .collect())
}

/// A signature dictionary's `/ByteRange`: its integers (empty when it has none).
fn byte_range(sig: &Dict) -> Vec<i64> {
    match sig.get(b"ByteRange") {
        Some(Object::Array(a)) => a
            .iter()
            .filter_map(|o| match o {
                Object::Int(i) => Some(*i),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Verifies every signature of `pdf`.
pub fn verify(pdf: &[u8], options: &VerifyOptions) -> Result<Report> {
    let doc = Document::open(pdf, options.limits)?;
    let trust = parse_all(&options.trust);
    let dss = read_dss(&doc)?;
    let mut crls: Vec<Vec<u8>> = dss.crls.clone();
    crls.extend(options.crls.iter().cloned());
    let mut ocsps: Vec<Vec<u8>> = dss.ocsps.clone();
    ocsps.extend(options.ocsps.iter().cloned());
    let ctx = Ctx {
        doc: &doc,
        trust,
        extra_certs: parse_all(&dss.certs),
        crls: crls
            .iter()
            .filter_map(|d| CertificateList::from_der(d).ok())
            .collect(),
        ocsps,
        now: options.now,
        has_dss: dss.present,
        digests: &options.digests,
    };
    let fields = signature_fields(&doc)?;
    if fields.len() > options.limits.max_signatures {
        return Err(Error::PdfLimit {
            limit: crate::error::PdfLimit::Signatures,
            found: fields.len() as u64,
            max: options.limits.max_signatures as u64,
        });
    }
    let mut signatures = Vec::new();
    for (name, sig) in fields {
        signatures.push(ctx.check_signature(name, &sig));
    }
    // Oldest first, by where the signed revision ends: an insertion sort (stable), since there
    // are at most `max_signatures` of them and std's stable sort cost the wasm module 3 KB.
    let end = |s: &SignatureReport| s.byte_range.get(2).copied().unwrap_or(0);
    for i in 1..signatures.len() {
        let mut j = i;
        while j > 0 && end(&signatures[j - 1]) > end(&signatures[j]) {
            signatures.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut findings = Vec::new();
    if signatures.is_empty() {
        findings.push(Finding::new(Check::NoSignatures, Severity::Error, None));
    }
    Ok(Report {
        valid: !signatures.is_empty() && signatures.iter().all(|s| s.valid),
        signatures,
        findings,
    })
}

struct Ctx<'a> {
    doc: &'a Document<'a>,
    trust: Vec<Certificate>,
    extra_certs: Vec<Certificate>,
    crls: Vec<CertificateList>,
    ocsps: Vec<Vec<u8>>,
    now: i64,
    has_dss: bool,
    digests: &'a [Vec<u8>],
}

#[derive(Default)]
struct DssData {
    present: bool,
    certs: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    ocsps: Vec<Vec<u8>>,
}

fn read_dss(doc: &Document<'_>) -> Result<DssData> {
    let (_, catalog) = doc.catalog()?;
    let Some(dss) = catalog.get(b"DSS") else {
        return Ok(DssData::default());
    };
    let Ok(dss) = doc.dict(dss) else {
        return Ok(DssData::default());
    };
    let mut out = DssData {
        present: true,
        ..DssData::default()
    };
    for (key, into) in [
        (&b"Certs"[..], &mut out.certs),
        (b"CRLs", &mut out.crls),
        (b"OCSPs", &mut out.ocsps),
    ] {
        if let Some(Object::Array(items)) = dss.get(key).map(|o| doc.resolve(o)).transpose()? {
            for item in items {
                if let Object::Stream(s) = doc.resolve(&item)? {
                    into.push(doc.decode(&s)?);
                }
            }
        }
    }
    Ok(out)
}

fn parse_all(ders: &[Vec<u8>]) -> Vec<Certificate> {
    ders.iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect()
}

/// The signature fields with a value: (name, signature dictionary).
fn signature_fields(doc: &Document<'_>) -> Result<Vec<(String, Dict)>> {
    let (_, catalog) = doc.catalog()?;
    let Some(form) = catalog.get(b"AcroForm") else {
        return Ok(Vec::new());
    };
    let form = doc.dict(form)?;
    let fields = match form.get(b"Fields").map(|f| doc.resolve(f)).transpose()? {
        Some(Object::Array(a)) => a,
        _ => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<(Object, String, Option<Vec<u8>>, usize)> = fields
        .into_iter()
        .rev()
        .map(|f| (f, String::new(), None, 0))
        .collect();
    while let Some((f, parent, inherited_ft, depth)) = stack.pop() {
        if depth > doc.limits.max_depth {
            return Err(Error::PdfLimit {
                limit: crate::error::PdfLimit::Depth,
                found: depth as u64,
                max: doc.limits.max_depth as u64,
            });
        }
        if let Some(r) = f.as_ref()
            && !seen.insert(r)
        {
            continue;
        }
        let Ok(d) = doc.dict(&f) else { continue };
        let part = match d.get(b"T") {
            Some(Object::Str { bytes, .. }) => decode_text(bytes),
            _ => String::new(),
        };
        let name = match (parent.is_empty(), part.is_empty()) {
            (true, _) => part,
            (false, true) => parent.clone(),
            (false, false) => format!("{parent}.{part}"),
        };
        let ft = d.name(b"FT").map(<[u8]>::to_vec).or(inherited_ft);
        if ft.as_deref() == Some(b"Sig")
            && let Some(v) = d.get(b"V")
            && let Ok(sig) = doc.dict(v)
        {
            out.push((name.clone(), sig));
        }
        if let Some(kids) = d.get(b"Kids")
            && let Object::Array(k) = doc.resolve(kids)?
        {
            for kid in k.into_iter().rev() {
                stack.push((kid, name.clone(), ft.clone(), depth + 1));
            }
        }
    }
    Ok(out)
}

/// Adds findings and tracks validity.
struct Findings(Vec<Finding>);

impl Findings {
    fn ok(&mut self, check: Check) {
        self.0.push(Finding::new(check, Severity::Ok, None));
    }
    fn warn(&mut self, check: Check, detail: Option<String>) {
        self.0.push(Finding::new(check, Severity::Warning, detail));
    }
    fn err(&mut self, check: Check, detail: impl Into<String>) {
        self.0
            .push(Finding::new(check, Severity::Error, Some(detail.into())));
    }
}

impl Ctx<'_> {
    fn check_signature(&self, field: String, sig: &Dict) -> SignatureReport {
        let bytes = self.doc.bytes;
        let mut f = Findings(Vec::new());
        let byte_range = byte_range(sig);
        let claimed_time = match sig.get(b"M") {
            Some(Object::Str { bytes, .. }) => parse_pdf_date(&decode_text(bytes)),
            _ => None,
        };
        let mut report = SignatureReport {
            field,
            valid: false,
            signer: None,
            claimed_time,
            timestamp_time: None,
            level: "B-B",
            byte_range: byte_range.clone(),
            covers_whole_file: false,
            findings: Vec::new(),
        };
        let contents = match sig.get(b"Contents") {
            Some(Object::Str { bytes, .. }) => bytes.clone(),
            _ => Vec::new(),
        };
        let sub_filter = sig.name(b"SubFilter").unwrap_or(b"");
        if !matches!(sub_filter, b"ETSI.CAdES.detached" | b"adbe.pkcs7.detached") {
            f.err(
                Check::Unsupported,
                format!("/SubFilter /{}", String::from_utf8_lossy(sub_filter)),
            );
            report.findings = f.0;
            return report;
        }

        // 1. The ByteRange: [0, start of /Contents, end of /Contents, rest of its revision].
        let Some(end) = check_byte_range(bytes, &byte_range, &contents, &mut f) else {
            report.findings = f.0;
            return report;
        };
        report.covers_whole_file = end == bytes.len();
        let (b, cc) = (byte_range[1] as usize, byte_range[2] as usize);

        // 2. The CMS.
        let der = der_prefix(&contents);
        let sd = match c::signed_data(der) {
            Ok(sd) => sd,
            Err(e) => {
                f.err(Check::CmsMalformed, e.to_string());
                report.findings = f.0;
                return report;
            }
        };
        let Some(si) = sd.signer_infos.0.iter().next().cloned() else {
            f.err(Check::CmsMalformed, "no SignerInfo");
            report.findings = f.0;
            return report;
        };
        let mut certs = c::certificates(&sd);
        certs.extend(self.extra_certs.iter().cloned());
        let Some(cert) = c::find_signer(&si.sid, &certs).cloned() else {
            f.err(
                Check::CmsMalformed,
                "the signer's certificate is not in the signature",
            );
            report.findings = f.0;
            return report;
        };
        report.signer = Some(crate::x509text::format_name(
            cert.tbs_certificate().subject(),
        ));
        let Some(attrs) = si.signed_attrs.as_ref() else {
            f.err(Check::CmsMalformed, "no signed attributes");
            report.findings = f.0;
            return report;
        };

        // 3. The message digest over the ByteRange.
        let given = self.digests.iter().find(|d| {
            si.digest_alg.oid == c::SHA256
                && d.len() == 64
                && byte_range.len() == 4
                && (d[..32].chunks(8))
                    .zip(&byte_range)
                    .all(|(x, n)| x == n.to_be_bytes())
        });
        let digest = match given {
            Some(d) => Some(d[32..].to_vec()),
            None => c::digest_parts(&si.digest_alg.oid, &[&bytes[..b], &bytes[cc..end]]),
        };
        let signed_digest = c::attribute_value(attrs, c::ID_MESSAGE_DIGEST)
            .and_then(|v| v.decode_as::<OctetString>().ok());
        match (digest, signed_digest) {
            (Some(d), Some(s)) if d == s.as_bytes() => f.ok(Check::DigestOk),
            (None, _) => f.err(Check::Unsupported, "digest algorithm"),
            (_, None) => f.err(Check::CmsMalformed, "no message-digest attribute"),
            _ => f.err(
                Check::DigestMismatch,
                "the signed bytes hash to another digest",
            ),
        }

        // 4. The signature over the signed attributes.
        match signer_signature_ok(&si, &cert) {
            Ok(()) => f.ok(Check::SignatureOk),
            Err(e) => f.err(Check::SignatureBad, e),
        }

        // 5. signing-certificate-v2.
        match c::attribute_value(attrs, c::ID_SIGNING_CERTIFICATE_V2)
            .and_then(|v| v.decode_as::<c::SigningCertificateV2>().ok())
        {
            None => f.warn(Check::SigningCertificateMissing, None),
            Some(ess) => {
                let cert_der = cert.to_der().unwrap_or_default();
                let matches = ess.certs.first().is_some_and(|id| {
                    let alg = id.hash_algorithm.as_ref().map_or(c::SHA256, |a| a.oid);
                    c::digest(&alg, &cert_der).is_some_and(|h| h == id.cert_hash.as_bytes())
                });
                if matches {
                    f.ok(Check::SigningCertificateOk);
                } else {
                    f.err(
                        Check::SigningCertificateMismatch,
                        "signing-certificate-v2 does not hash to the signer's certificate",
                    );
                }
            }
        }

        // 6. The timestamp (B-T).
        match si
            .unsigned_attrs
            .as_ref()
            .and_then(|u| c::attribute_value(u, c::ID_TIME_STAMP_TOKEN))
        {
            None => f.warn(Check::TimestampAbsent, None),
            Some(token) => match self.check_timestamp(token, si.signature.as_bytes(), &certs) {
                Ok((t, tsa_path)) => {
                    report.timestamp_time = Some(t);
                    report.level = if self.has_dss { "B-LT" } else { "B-T" };
                    f.ok(Check::TimestampOk);
                    self.path_revocation(
                        &tsa_path,
                        Some(t),
                        [Check::TsaRevoked, Check::TsaRevocationUnknown],
                        &mut f,
                    );
                }
                Err(e) => f.err(Check::TimestampBad, e),
            },
        }

        // 7. The chain, at the time of signing; keyUsage; revocation.
        let at = report.timestamp_time.unwrap_or(self.now);
        match self.chain(&cert, &certs, at) {
            Ok(path) => {
                f.ok(Check::ChainTrusted);
                self.revocation(&cert, &path, report.timestamp_time, &mut f);
                self.path_revocation(
                    &path,
                    report.timestamp_time,
                    [Check::ChainRevoked, Check::ChainRevocationUnknown],
                    &mut f,
                );
            }
            Err((check, detail)) => f.err(check, detail),
        }
        if !key_usage_ok(&cert) {
            f.err(
                Check::KeyUsageBad,
                "keyUsage has neither digitalSignature nor nonRepudiation",
            );
        }

        // 8. What changed after this signature (nothing at all, if it certified the document
        // with DocMDP permission 1).
        if report.covers_whole_file {
            f.ok(Check::UnchangedSince);
        } else if docmdp_of_signature(self.doc, sig) == Some(1) {
            f.err(
                Check::ChangedSince,
                "the document was certified to allow no changes (DocMDP P=1)",
            );
        } else {
            match changes_since(self.doc, end) {
                Ok(bad) if bad.is_empty() => f.ok(Check::AllowedChangesSince),
                Ok(bad) => f.err(Check::ChangedSince, format!("changed: {}", bad.join(", "))),
                Err(e) => f.err(Check::ChangedSince, e.to_string()),
            }
        }

        report.valid = f.0.iter().all(|x| x.severity != Severity::Error);
        report.findings = f.0;
        report
    }

    /// A path from `cert` to a trust anchor (the certificates above `cert`, anchor last).
    fn chain(
        &self,
        cert: &Certificate,
        pool: &[Certificate],
        at: i64,
    ) -> core::result::Result<Vec<Certificate>, (Check, String)> {
        let mut path = Vec::new();
        let mut current = cert.clone();
        for _ in 0..8 {
            if !valid_at(&current, at) {
                return Err((
                    Check::ChainExpired,
                    format!(
                        "{} was not valid at {at}",
                        crate::x509text::format_name(current.tbs_certificate().subject())
                    ),
                ));
            }
            if self.trust.iter().any(|t| t == &current) {
                return Ok(path);
            }
            let issuer = self
                .trust
                .iter()
                .chain(pool)
                .find(|i| {
                    i.tbs_certificate().subject() == current.tbs_certificate().issuer()
                        && issued_by(&current, i)
                })
                .cloned();
            match issuer {
                Some(i) => {
                    path.push(i.clone());
                    if i == current {
                        break; // self-signed, untrusted
                    }
                    current = i;
                }
                None => break,
            }
        }
        Err((
            Check::ChainUntrusted,
            format!(
                "no path from {} to a trusted certificate",
                crate::x509text::format_name(cert.tbs_certificate().subject())
            ),
        ))
    }

    /// The signer's revocation status from the CRLs and OCSP responses at hand. A revocation
    /// after a verified timestamp's time does not invalidate the signature.
    fn revocation(
        &self,
        cert: &Certificate,
        path: &[Certificate],
        timestamp: Option<i64>,
        f: &mut Findings,
    ) {
        let Some(issuer) = path.first() else {
            // The signer's certificate is itself trusted: nothing to check it against.
            f.ok(Check::RevocationGood);
            return;
        };
        match self.status(cert, issuer, timestamp) {
            Status::Good => f.ok(Check::RevocationGood),
            Status::Revoked(why) => f.err(Check::RevocationRevoked, why),
            Status::Unknown => f.warn(Check::RevocationUnknown, None),
        }
    }

    /// The revocation status of the certificates between a certificate and its trust anchor
    /// (`path`, anchor last): each against the one above it; the anchor itself is trusted as
    /// given. Only what is wrong is reported: `revoked` when one of them is revoked, else
    /// `unknown` naming the first without revocation data (kept small for the PDF module's
    /// budget: all good adds no finding).
    fn path_revocation(
        &self,
        path: &[Certificate],
        at: Option<i64>,
        [revoked, unknown]: [Check; 2],
        f: &mut Findings,
    ) {
        let mut unknown_of = None;
        for pair in path.windows(2) {
            match self.status(&pair[0], &pair[1], at) {
                Status::Good => {}
                Status::Revoked(why) => {
                    f.err(revoked, format!("{}: {why}", subject(&pair[0])));
                    return;
                }
                Status::Unknown => unknown_of = unknown_of.or(Some(subject(&pair[0]))),
            }
        }
        if unknown_of.is_some() {
            f.warn(unknown, unknown_of);
        }
    }

    /// What the CRLs and OCSP responses at hand say of `cert` issued by `issuer`. A revocation
    /// after `at` (a verified timestamp's time) leaves what was signed before it valid; without
    /// `at`, any revocation counts.
    fn status(&self, cert: &Certificate, issuer: &Certificate, at: Option<i64>) -> Status {
        let tbs = cert.tbs_certificate();
        let counts = |when: i64| at.is_none_or(|t| when <= t);
        let mut good = false;
        for crl in &self.crls {
            if crl.tbs_cert_list.issuer != *tbs.issuer() || !crl_signed_by(crl, issuer) {
                continue;
            }
            let revoked = crl
                .tbs_cert_list
                .revoked_certificates
                .as_ref()
                .and_then(|list| {
                    list.iter()
                        .find(|r| &r.serial_number == tbs.serial_number())
                });
            match revoked {
                Some(r) => {
                    let when = r.revocation_date.to_unix_duration().as_secs() as i64;
                    if counts(when) {
                        return Status::Revoked(format!("revoked at {when} (CRL)"));
                    }
                    good = true;
                }
                None => good = true,
            }
        }
        for der in &self.ocsps {
            match ocsp_status(der, cert, issuer) {
                Some(OcspVerdict::Good) => good = true,
                Some(OcspVerdict::Revoked(when)) => {
                    if counts(when) {
                        return Status::Revoked(format!("revoked at {when} (OCSP)"));
                    }
                    good = true;
                }
                None => {}
            }
        }
        if good { Status::Good } else { Status::Unknown }
    }

    /// Checks a signature timestamp token over `signature`; returns its time and the TSA's
    /// certificate with the path above it (anchor last).
    fn check_timestamp(
        &self,
        token: &der::asn1::Any,
        signature: &[u8],
        extra: &[Certificate],
    ) -> core::result::Result<(i64, Vec<Certificate>), String> {
        let der = token.to_der().map_err(|e| e.to_string())?;
        let sd: SignedData = c::signed_data(&der).map_err(|e| e.to_string())?;
        if sd.encap_content_info.econtent_type != c::ID_CT_TST_INFO {
            return Err("the token holds no TSTInfo".into());
        }
        let tst_der = sd
            .encap_content_info
            .econtent
            .as_ref()
            .and_then(|c| c.decode_as::<OctetString>().ok())
            .ok_or("the token holds no TSTInfo")?;
        let tst = c::TstInfo::from_der(tst_der.as_bytes()).map_err(|e| e.to_string())?;
        let imprint = c::digest(&tst.message_imprint.hash_algorithm.oid, signature)
            .ok_or("an imprint algorithm kunci does not read")?;
        if imprint != tst.message_imprint.hashed_message.as_bytes() {
            return Err("the timestamp is over other data than this signature".into());
        }
        let si = sd
            .signer_infos
            .0
            .iter()
            .next()
            .ok_or("the token has no SignerInfo")?;
        let mut certs = c::certificates(&sd);
        certs.extend(extra.iter().cloned());
        let tsa = c::find_signer(&si.sid, &certs)
            .cloned()
            .ok_or("the TSA's certificate is not in the token")?;
        let attrs = si.signed_attrs.as_ref().ok_or("no signed attributes")?;
        let digest = c::digest(&si.digest_alg.oid, tst_der.as_bytes())
            .ok_or("a digest algorithm kunci does not read")?;
        let signed = c::attribute_value(attrs, c::ID_MESSAGE_DIGEST)
            .and_then(|v| v.decode_as::<OctetString>().ok())
            .ok_or("no message-digest")?;
        if signed.as_bytes() != digest.as_slice() {
            return Err("the token's TSTInfo does not match its digest".into());
        }
        signer_signature_ok(si, &tsa)?;
        let time = tst.gen_time.to_unix_duration().as_secs() as i64;
        let above = self
            .chain(&tsa, &certs, time)
            .map_err(|(_, d)| format!("TSA: {d}"))?;
        Ok((time, std::iter::once(tsa).chain(above).collect()))
    }
}

/// Checks the ByteRange against the file and `/Contents`; returns the end of the signed
/// revision.
fn check_byte_range(bytes: &[u8], br: &[i64], contents: &[u8], f: &mut Findings) -> Option<usize> {
    let bad = |f: &mut Findings, why: &str| {
        f.err(Check::ByteRangeBad, why);
        None
    };
    let [a, b, cc, d] = br else {
        return bad(f, "the ByteRange is not four integers");
    };
    let Ok(nums) = [*a, *b, *cc, *d]
        .map(usize::try_from)
        .into_iter()
        .collect::<core::result::Result<Vec<_>, _>>()
    else {
        return bad(f, "a negative ByteRange number");
    };
    let (a, b, cc, d) = (nums[0], nums[1], nums[2], nums[3]);
    let Some(end) = cc.checked_add(d) else {
        return bad(f, "the ByteRange overflows");
    };
    if a != 0 || b >= cc || end > bytes.len() {
        return bad(f, "the ByteRange does not start at 0 or runs past the file");
    }
    // The gap is exactly the hex string `<…>` of /Contents, right after the key.
    let gap = &bytes[b..cc];
    let is_hex = gap.len() >= 2
        && gap[0] == b'<'
        && gap[gap.len() - 1] == b'>'
        && gap[1..gap.len() - 1].iter().all(u8::is_ascii_hexdigit);
    if !is_hex || (gap.len() - 2) != contents.len() * 2 {
        return bad(
            f,
            "the excluded range is not exactly the /Contents hex string",
        );
    }
    let before = bytes[..b]
        .iter()
        .rposition(|&c| !super::object::is_space(c))
        .map_or(&bytes[..0], |i| &bytes[..=i]);
    if !before.ends_with(b"/Contents") {
        return bad(f, "the excluded range does not follow /Contents");
    }
    if !ends_revision(&bytes[..end]) {
        return bad(f, "the signed range does not end a revision (%%EOF)");
    }
    f.ok(Check::ByteRangeOk);
    Some(end)
}

/// The DER value at the start of `bytes` (the `/Contents` placeholder is zero-padded).
fn der_prefix(bytes: &[u8]) -> &[u8] {
    match header_len(bytes) {
        Some(n) if n <= bytes.len() => &bytes[..n],
        _ => bytes,
    }
}

/// The total length of the DER TLV at the start of `bytes`.
fn header_len(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let len = bytes
        .get(2..2 + n)?
        .iter()
        .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
    Some(2 + n + len)
}

/// Verifies a SignerInfo's signature over its signed attributes with `cert`'s key.
fn signer_signature_ok(si: &SignerInfo, cert: &Certificate) -> core::result::Result<(), String> {
    let attrs = si.signed_attrs.as_ref().ok_or("no signed attributes")?;
    let message = attrs.to_der().map_err(|e| e.to_string())?;
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| e.to_string())?;
    let alg = c::effective_signature_algorithm(&si.signature_algorithm, &si.digest_alg);
    verify_signature(&spki, &alg, &message, si.signature.as_bytes()).map_err(|e| e.to_string())
}

/// True when `issuer`'s key verifies `cert`'s signature.
pub(super) fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    let (Ok(tbs), Ok(spki)) = (
        cert.tbs_certificate().to_der(),
        issuer.tbs_certificate().subject_public_key_info().to_der(),
    ) else {
        return false;
    };
    let Some(sig) = cert.signature().as_bytes() else {
        return false;
    };
    verify_signature(&spki, cert.signature_algorithm(), &tbs, sig).is_ok()
}

fn crl_signed_by(crl: &CertificateList, issuer: &Certificate) -> bool {
    let (Ok(tbs), Ok(spki)) = (
        crl.tbs_cert_list.to_der(),
        issuer.tbs_certificate().subject_public_key_info().to_der(),
    ) else {
        return false;
    };
    let Some(sig) = crl.signature.as_bytes() else {
        return false;
    };
    verify_signature(&spki, &crl.signature_algorithm, &tbs, sig).is_ok()
}

fn valid_at(cert: &Certificate, at: i64) -> bool {
    let v = cert.tbs_certificate().validity();
    let from = v.not_before.to_unix_duration().as_secs() as i64;
    let to = v.not_after.to_unix_duration().as_secs() as i64;
    from <= at && at <= to
}

fn key_usage_ok(cert: &Certificate) -> bool {
    matches!(
        cert.tbs_certificate().get_extension::<KeyUsage>(),
        Ok(Some((_, ku))) if ku.0.contains(KeyUsages::DigitalSignature)
            || ku.0.contains(KeyUsages::NonRepudiation)
    )
}

/// A certificate's revocation status from the data at hand.
enum Status {
    Good,
    /// Revoked, with when and from which source.
    Revoked(String),
    Unknown,
}

fn subject(cert: &Certificate) -> String {
    crate::x509text::format_name(cert.tbs_certificate().subject())
}

enum OcspVerdict {
    Good,
    Revoked(i64),
}

/// What an OCSP response (DER) says of `cert`, if it is a signed answer about it by its
/// issuer or a responder the issuer delegated to.
fn ocsp_status(der: &[u8], cert: &Certificate, issuer: &Certificate) -> Option<OcspVerdict> {
    let resp = c::OcspResponse::from_der(der).ok()?;
    if resp.response_status != c::OcspResponseStatus::Successful {
        return None;
    }
    let bytes = resp.response_bytes?;
    if bytes.response_type != c::ID_PKIX_OCSP_BASIC {
        return None;
    }
    let basic = c::BasicOcspResponse::from_der(bytes.response.as_bytes()).ok()?;
    let tbs = basic.tbs_response_data.to_der().ok()?;
    let sig = basic.signature.as_bytes()?;
    let signed_by = |signer: &Certificate| {
        signer
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .ok()
            .is_some_and(|spki| {
                verify_signature(&spki, &basic.signature_algorithm, &tbs, sig).is_ok()
            })
    };
    let delegated = basic
        .certs
        .iter()
        .flatten()
        .any(|r| issued_by(r, issuer) && signed_by(r));
    if !signed_by(issuer) && !delegated {
        return None;
    }
    let data = c::ResponseData::from_der(&tbs).ok()?;
    let issuer_key = issuer
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    for single in data.responses {
        let id = &single.cert_id;
        if &id.serial_number != cert.tbs_certificate().serial_number() {
            continue;
        }
        let key_hash = match id.hash_algorithm.oid {
            const_oid::db::rfc5912::ID_SHA_1 => sha1::Sha1::digest(issuer_key).to_vec(),
            oid => c::digest(&oid, issuer_key)?,
        };
        if key_hash != id.issuer_key_hash.as_bytes() {
            continue;
        }
        return match single.cert_status {
            c::CertStatus::Good(_) => Some(OcspVerdict::Good),
            c::CertStatus::Revoked(info) => Some(OcspVerdict::Revoked(
                info.revocation_time.to_unix_duration().as_secs() as i64,
            )),
            c::CertStatus::Unknown(_) => None,
        };
    }
    None
}

/// The object numbers that later revisions (after byte `end`) changed in ways other than
/// adding signatures, their fields and widgets, and validation data (DSS).
fn changes_since(doc: &Document<'_>, end: usize) -> Result<Vec<String>> {
    let old = Document::open(&doc.bytes[..end], doc.limits)?;
    let mut bad = Vec::new();
    // A new catalog would be a new document: the trailer must keep the signed /Root.
    if doc.trailer.get(b"Root") != old.trailer.get(b"Root") {
        bad.push("trailer /Root".to_owned());
    }
    let mut nums = Vec::new();
    for (num, entry) in doc.entries() {
        if old.entry(num) == Some(entry) {
            continue;
        }
        let r = ObjRef::new(num);
        let new_obj = doc.get(r)?;
        let old_obj = old.get(r)?;
        if new_obj == old_obj {
            continue;
        }
        if !allowed_change(doc, &old_obj, &new_obj)? {
            nums.push(num);
        }
    }
    // An object the signed revision had and the file no longer knows (a later section
    // without /Prev drops the history).
    for (num, entry) in old.entries() {
        if entry != Entry::Free && doc.entry(num).is_none() {
            nums.push(num);
        }
    }
    nums.sort_unstable();
    nums.dedup();
    bad.extend(nums.iter().map(|n| format!("object {n}")));
    Ok(bad)
}

fn allowed_change(doc: &Document<'_>, old: &Object, new: &Object) -> Result<bool> {
    let type_of = |o: &Object| {
        o.as_dict()
            .and_then(|d| d.name(b"Type"))
            .map(<[u8]>::to_vec)
    };
    // Structure and new objects: allowed in themselves; what references them is checked.
    if matches!(type_of(new).as_deref(), Some(b"XRef" | b"ObjStm")) {
        return Ok(true);
    }
    if *old == Object::Null {
        return Ok(true);
    }
    match (old, new) {
        (Object::Array(a), Object::Array(b)) => extends_with_signatures(doc, a, b),
        (Object::Dict(a), Object::Dict(b)) => {
            let kind = a.name(b"Type").unwrap_or(b"");
            let allowed_keys: &[&[u8]] = match kind {
                b"Catalog" => &[b"AcroForm", b"DSS", b"Extensions", b"Perms"],
                b"Page" => &[b"Annots"],
                b"DSS" | b"VRI" => return Ok(true),
                _ if a.get(b"Fields").is_some() || b.get(b"Fields").is_some() => {
                    &[b"Fields", b"SigFlags", b"DA", b"DR", b"NeedAppearances"]
                }
                _ if a.name(b"FT") == Some(b"Sig") && a.get(b"V").is_none() => {
                    // An empty signature field being signed.
                    &[b"V", b"AP", b"F"]
                }
                _ => &[],
            };
            for (k, v) in a.0.iter().chain(b.0.iter()) {
                if a.get(k) == b.get(k) {
                    continue;
                }
                let _ = v;
                if !allowed_keys.contains(&k.as_slice()) {
                    return Ok(false);
                }
                // A changed array (/Annots, /Fields) may only gain signature fields.
                if let (Some(Object::Array(x)), Some(Object::Array(y))) = (a.get(k), b.get(k))
                    && !extends_with_signatures(doc, x, y)?
                {
                    return Ok(false);
                }
                if k == b"AcroForm" {
                    let (x, y) = (
                        a.get(k).map(|o| doc.resolve(o)).transpose()?,
                        b.get(k).map(|o| doc.resolve(o)).transpose()?,
                    );
                    match (x, y) {
                        (None, Some(_)) => {}
                        (Some(x), Some(y)) => {
                            if !allowed_change(doc, &x, &y)? {
                                return Ok(false);
                            }
                        }
                        _ => return Ok(false),
                    }
                }
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// True when `new` is `old` plus entries that are signature fields or widgets.
fn extends_with_signatures(doc: &Document<'_>, old: &[Object], new: &[Object]) -> Result<bool> {
    if new.len() < old.len() || new[..old.len()] != *old {
        return Ok(false);
    }
    for item in &new[old.len()..] {
        let d = doc.dict(item)?;
        if d.name(b"FT") != Some(b"Sig") {
            return Ok(false);
        }
    }
    Ok(true)
}
