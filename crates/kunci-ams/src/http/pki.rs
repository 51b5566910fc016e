//! The CA's protocol endpoints for relying parties: the OCSP responder (`POST /ocsp`,
//! `GET /ocsp/{base64}`, RFC 6960 appendix A) and the timestamp authority (`POST /tsa`,
//! RFC 3161 section 3.4). Neither needs an account, and neither changes anything a person
//! can see (a token only takes the next serial number).
//!
//! Every request that reaches one of them with the right method gets the protocol's own
//! answer with HTTP 200, faults included, as RFC 6960 appendix A and RFC 5019 section 5
//! expect and as clients read them: a wrong content type, a body over [`MAX_BODY_BYTES`] or
//! broken DER is OCSP `malformedRequest` or a TSA rejection (`badRequest`,
//! `badDataFormat`...), never a 4xx or a 500 (and the portal's own failure, a store that does
//! not answer, is `internalError` / `systemFailure`). Only a wrong method is HTTP's: 405.
//!
//! These routes sit outside the session and CSRF layer (they are cookie-less protocol
//! endpoints: a browser's cross-site POST can do nothing here that anyone cannot do
//! directly) but inside the security headers, whose `Cache-Control: no-store` suits answers
//! that are made live from the store: a revocation shows in the very next OCSP answer.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::{AppState, unix_now};
use crate::ca::RevocationReason;
use crate::ca::ocsp::{self, CertState, OcspStatus};
use crate::ca::tsa::{self, TsaFailure};
use crate::store::CertificateStatus;

/// The largest OCSP or timestamp request read: 64 KiB (real ones are a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// `POST /ocsp`: an `application/ocsp-request` body.
pub async fn ocsp_post(State(state): State<AppState>, request: Request) -> Response {
    let typed = has_type(request.headers(), "application/ocsp-request");
    let answer = match (typed, read_body(request.into_body()).await) {
        (true, Some(der)) => ocsp_answer(&state, &der).await,
        _ => ocsp::error_response(OcspStatus::MalformedRequest),
    };
    ocsp_reply(answer)
}

/// `GET /ocsp/{request}`: the DER request in base64 (standard or URL-safe alphabet, padded or
/// not), URL-encoded or not (axum decodes the path).
pub async fn ocsp_get(State(state): State<AppState>, Path(encoded): Path<String>) -> Response {
    let answer = match decode_get(&encoded) {
        Some(der) => ocsp_answer(&state, &der).await,
        None => ocsp::error_response(OcspStatus::MalformedRequest),
    };
    ocsp_reply(answer)
}

/// `POST /tsa`: an `application/timestamp-query` body.
pub async fn tsa(State(state): State<AppState>, request: Request) -> Response {
    let typed = has_type(request.headers(), "application/timestamp-query");
    let answer = match (typed, read_body(request.into_body()).await) {
        (true, Some(der)) => tsa_answer(&state, &der).await,
        _ => tsa::rejection(TsaFailure::BadRequest),
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/timestamp-reply"),
        )],
        answer,
    )
        .into_response()
}

/// The OCSP answer to `der`: read, looked up in the store certificate by certificate, signed.
async fn ocsp_answer(state: &AppState, der: &[u8]) -> Vec<u8> {
    let responder = state.portal.ocsp();
    let query = match responder.read_request(der) {
        Ok(query) => query,
        Err(status) => return ocsp::error_response(status),
    };
    let mut states = Vec::with_capacity(query.serials().len());
    for serial in query.serials() {
        let Some(serial) = serial else {
            states.push(CertState::Unknown);
            continue;
        };
        let cert = match state.store.certificate_by_serial(serial).await {
            Ok(cert) => cert,
            Err(e) => {
                eprintln!("kunci-ams: OCSP lookup failed: {}", e.code());
                return ocsp::error_response(OcspStatus::InternalError);
            }
        };
        states.push(match cert {
            None => CertState::Unknown,
            Some(c) if c.status == CertificateStatus::Good => CertState::Good,
            Some(c) => CertState::Revoked {
                at: c.revoked_at.unwrap_or(c.not_before),
                reason: c
                    .revocation_reason
                    .and_then(RevocationReason::from_code)
                    .unwrap_or(RevocationReason::Unspecified),
            },
        });
    }
    match responder.respond(&query, &states, unix_now()) {
        Ok(answer) => answer,
        Err(e) => {
            eprintln!("kunci-ams: OCSP signing failed: {}", e.code());
            ocsp::error_response(OcspStatus::InternalError)
        }
    }
}

/// The TSA answer to `der`: a rejection, or a token with the store's next serial.
async fn tsa_answer(state: &AppState, der: &[u8]) -> Vec<u8> {
    let authority = &state.portal.tsa;
    let query = match authority.read_request(der) {
        Ok(query) => query,
        Err(failure) => return tsa::rejection(failure),
    };
    let serial = match state.store.take_tsa_serial().await.map(u64::try_from) {
        Ok(Ok(serial)) => serial,
        Ok(Err(_)) => return tsa::rejection(TsaFailure::SystemFailure),
        Err(e) => {
            eprintln!("kunci-ams: TSA serial failed: {}", e.code());
            return tsa::rejection(TsaFailure::SystemFailure);
        }
    };
    match authority.respond(&query, serial, unix_now()) {
        Ok(answer) => answer,
        Err(e) => {
            eprintln!("kunci-ams: TSA signing failed: {}", e.code());
            tsa::rejection(TsaFailure::SystemFailure)
        }
    }
}

fn ocsp_reply(answer: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/ocsp-response"),
        )],
        answer,
    )
        .into_response()
}

/// True when the Content-Type's media type (parameters aside, case ignored) is `want`.
fn has_type(headers: &HeaderMap, want: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(want))
}

/// The body, or `None` when it is over [`MAX_BODY_BYTES`] or breaks off.
async fn read_body(body: Body) -> Option<Vec<u8>> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .ok()
        .map(|b| b.to_vec())
}

/// A GET request's DER: base64 in either alphabet, padding optional, at most
/// [`MAX_BODY_BYTES`] decoded.
fn decode_get(encoded: &str) -> Option<Vec<u8>> {
    use base64::engine::DecodePaddingMode;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    if encoded.len() > MAX_BODY_BYTES / 3 * 4 + 4 {
        return None;
    }
    let lenient =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient);
    standard
        .decode(encoded)
        .or_else(|_| url_safe.decode(encoded))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_requests_decode_in_both_alphabets_with_or_without_padding() {
        let der = [0x30, 0xfb, 0xff, 0x3e, 0x01];
        for encoded in ["MPv/PgE=", "MPv/PgE", "MPv_PgE=", "MPv_PgE"] {
            assert_eq!(decode_get(encoded).as_deref(), Some(&der[..]), "{encoded}");
        }
        assert_eq!(decode_get("not base64!"), None);
        assert_eq!(decode_get(&"A".repeat(MAX_BODY_BYTES * 2)), None);
    }

    #[test]
    fn content_types_match_without_parameters_or_case() {
        let mut h = HeaderMap::new();
        assert!(!has_type(&h, "application/ocsp-request"));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Application/OCSP-Request; charset=binary"),
        );
        assert!(has_type(&h, "application/ocsp-request"));
        assert!(!has_type(&h, "application/timestamp-query"));
    }
}
