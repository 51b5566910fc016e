//! Fuzz target: PDFs through kunci's own reader, as the portal's public verification page and
//! `kunci pdf` read what strangers hand them: `kunci_core::pdf::verify` (structure, signature
//! fields, CMS), `pdf::prepare` (page tree, AcroForm, the incremental update) and
//! `pdf::add_dss`, all under small limits so one input stays cheap.

#![no_main]

use kunci_core::pdf::{self, Dss, Limits, SignOptions, VerifyOptions};
use libfuzzer_sys::fuzz_target;

/// A certificate with keyUsage digitalSignature (kunci-core's committed test vector).
const CERT: &[u8] = include_bytes!("../../crates/kunci-core/tests/vectors/cert/leaf.crt.der");

fn limits() -> Limits {
    Limits {
        max_file_len: 1 << 20,
        max_objects: 20_000,
        max_depth: 32,
        max_stream_len: 1 << 20,
        max_inflated: 4 << 20,
        max_revisions: 64,
        max_signatures: 8,
    }
}

fuzz_target!(|input: &[u8]| {
    let options = VerifyOptions {
        now: 1_790_000_000,
        limits: limits(),
        ..VerifyOptions::default()
    };
    let _ = pdf::verify(input, &options);
    let mut sign = SignOptions::new(1_790_000_000);
    sign.limits = limits();
    if let Ok(prepared) = pdf::prepare(input, CERT, &[], &sign) {
        // The update must read back.
        let _ = prepared.to_be_signed();
    }
    let _ = pdf::add_dss(input, &Dss::default(), limits());
});
