//! PDF signatures, PAdES baseline (ETSI EN 319 142-1): signing in steps (B-B, B-T with an
//! RFC 3161 timestamp, B-LT with a document security store) and verifying every signature of
//! a file into a report with stable codes, in Indonesian and English.
//!
//! The PDF part is kunci's own narrow reader and incremental-update writer, not a PDF engine:
//! it reads cross-reference tables and streams, object streams (FlateDecode), hybrid files and
//! `/Prev` chains, the catalog, the page tree and the form, and never decodes a page's
//! contents. Why not `lopdf`: docs/ARCHITECTURE.md, "Crates chosen". It refuses encrypted
//! files (`pdf.encrypted`), never repairs a broken one (`pdf.malformed`), and bounds
//! everything a file controls ([`Limits`], `pdf.limit.*`).
//!
//! As the rest of the crate: no I/O, no clock (the signing time and the verification time
//! come from the caller), and signing through [`crate::Signer`] or any signer at all through
//! the two-step [`prepare`] → [`Prepared::finish`].
//!
//! Modules: `object` (values, writing), `parse` (tokens, objects), `filter` (Flate,
//! predictors), `document` (xref chain, objects, pages), `update` (the incremental update),
//! `cms` (SignedData, TSP, ESS, OCSP ASN.1), `sign` (the steps, DSS), `revocation` (the OCSP
//! questions of B-LT), `stamp` (the visible stamp's appearance), `image` (its picture),
//! `verify` (the report),
//! `texts` (the report's words).

mod cms;
mod document;
mod filter;
mod image;
mod object;
mod parse;
mod revocation;
mod sign;
mod stamp;
mod texts;
mod update;
mod verify;

pub use document::Limits;
pub use image::{MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS};
pub use revocation::{OcspQuestion, ocsp_questions};
pub use sign::{
    DEFAULT_RESERVE, Dss, Hashing, Prepared, SignOptions, Signed, add_dss, begin, ocsp_request,
    ocsp_url, prepare, sign,
};
pub use stamp::{PageBox, Stamp, page_boxes};
pub use texts::Check;
pub use verify::{
    Finding, Report, Severity, SignatureReport, VerifyOptions, signed_ranges, verify,
};
