//! Load figures for the CA's relying-party services (issue 16 part 5): `kunci-drill ocsp`
//! and `kunci-drill tsa`, against one `kunci-ams serve` on loopback.
//!
//! - `ocsp`: an open-loop load (requests are sent on a fixed schedule, `--rate` a second for
//!   `--seconds`, whether or not earlier ones were answered), so a slow server shows as
//!   latency instead of quietly lowering the rate. Each latency is measured from the moment
//!   the request was *due*, not sent, which keeps a stalled client from hiding the wait
//!   (coordinated omission). The requests are what browsers and RFC 5019 clients send: one
//!   CertID (SHA-1 hashes, as `openssl ocsp` makes them) for a certificate issued through the
//!   API, no nonce. Every answer must be a signed `successful` OCSP response. Goal (the
//!   issue's): p99 < 20 ms at 1 000 requests/s for 30 s on 2 cores.
//! - `tsa`: a closed loop of `--concurrency` clients each sending RFC 3161 queries (SHA-256
//!   imprint, certReq) one after another for `--seconds`; every answer must be `granted`.
//!   Reports tokens/s. Goal: ≥ 200 tokens/s.
//!
//! Both print p50/p95/p99/max latency, errors and the server's CPU time, and answer whether
//! the run had no error (a missed goal is printed, not an error: these are measurements).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use der::{Decode, Encode};
use hyper::Method;
use sha1::Digest as _;
use x509_cert::Certificate;

use crate::Error;
use crate::client::{Body, Http};
use crate::flow::{Holder, Ledger, Shared};
use crate::server::{PASSWORD, Server};

/// `ocsp` settings.
#[derive(Clone, Debug)]
pub struct OcspOptions {
    /// The kunci-ams binary.
    pub binary: PathBuf,
    /// Requests a second.
    pub rate: u32,
    /// Length of the run.
    pub seconds: u64,
    /// More `kunci-ams serve` flags (e.g. the CA keys on a PKCS#11 token).
    pub serve_args: Vec<String>,
}

/// `tsa` settings.
#[derive(Clone, Debug)]
pub struct TsaOptions {
    /// The kunci-ams binary.
    pub binary: PathBuf,
    /// Clients sending one query after another.
    pub concurrency: usize,
    /// Length of the run.
    pub seconds: u64,
    /// More `kunci-ams serve` flags.
    pub serve_args: Vec<String>,
}

/// The issue's goals.
const OCSP_P99_GOAL: Duration = Duration::from_millis(20);
const TSA_RATE_GOAL: f64 = 200.0;

/// A started portal with one certificate issued through the API: (server, client,
/// holder certificate DER, issuing CA certificate DER).
async fn portal_with_a_certificate(
    binary: &std::path::Path,
    data_dir: &std::path::Path,
    serve_args: &[String],
    what: &str,
) -> Result<(Server, Http, Vec<u8>, Vec<u8>), Error> {
    let (mut server, accounts) = Server::prepare(binary, data_dir, None, 1, true)?;
    server.extra_args = serve_args.to_vec();
    let http = Http::new(&server.origin());
    let t = Instant::now();
    server.start(&http).await?;
    println!(
        "{what}: kunci-ams started in {:.2} s ({}{}{})",
        t.elapsed().as_secs_f64(),
        binary.display(),
        if serve_args.is_empty() { "" } else { " " },
        serve_args.join(" ")
    );
    let shared = Shared {
        http: http.clone(),
        ledger: Arc::new(Mutex::new(Ledger::default())),
        stop: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        chaos: false,
        auto_approve: true,
        revoke_one_in: u64::MAX,
        started: Arc::new(std::sync::OnceLock::new()),
    };
    let account = accounts
        .into_iter()
        .next()
        .ok_or_else(|| Error::Protocol("no holder account".into()))?;
    let login = account.login.clone();
    let holder = Holder::new(shared.clone(), account).await?;
    holder.enroll().await?;
    let cert_id = shared
        .ledger
        .lock()
        .map_err(|_| Error::Protocol("ledger poisoned".into()))?
        .issued
        .first()
        .map(|(_, id, _)| *id)
        .ok_or_else(|| Error::Protocol("no certificate issued".into()))?;
    let session = http.login(&login, PASSWORD).await?;
    let pem = http
        .get(&format!("/api/certificates/{cert_id}/pem"), Some(&session))
        .await?;
    let cert = kunci_core::pem::der_or_pem(&pem.body, &["CERTIFICATE"])
        .map_err(|e| Error::Protocol(format!("the holder certificate: {e}")))?;
    let issuing = http.get("/ca/issuing.crt", None).await?;
    if issuing.status != 200 {
        return Err(Error::Protocol(format!(
            "GET /ca/issuing.crt: {}",
            issuing.status
        )));
    }
    Ok((server, http, cert, issuing.body.to_vec()))
}

/// A DER TLV.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n <= 0xff {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// An `OCSPRequest` for `cert` issued by `issuer`: one CertID with SHA-1 hashes, no nonce.
pub fn ocsp_request(cert: &[u8], issuer: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = |e: der::Error| Error::Protocol(format!("certificate: {e}"));
    let cert = Certificate::from_der(cert).map_err(bad)?;
    ocsp_request_for_serial(cert.tbs_certificate().serial_number().as_bytes(), issuer)
}

/// An `OCSPRequest` for the serial (the DER INTEGER's content bytes) of a certificate of
/// `issuer`: what a relying party sends, built without the certificate itself, so the drills
/// can ask about every serial their ledger knows, and about one never issued.
pub fn ocsp_request_for_serial(serial: &[u8], issuer: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = |e: der::Error| Error::Protocol(format!("certificate: {e}"));
    let issuer = Certificate::from_der(issuer).map_err(bad)?;
    let name = issuer.tbs_certificate().subject().to_der().map_err(bad)?;
    let key = issuer
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    // AlgorithmIdentifier { id-sha1, NULL }
    let sha1 = [
        0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
    ];
    let mut cert_id = sha1.to_vec();
    cert_id.extend(tlv(0x04, &sha1::Sha1::digest(&name)));
    cert_id.extend(tlv(0x04, &sha1::Sha1::digest(key)));
    cert_id.extend(tlv(0x02, serial));
    let request = tlv(0x30, &tlv(0x30, &cert_id));
    let list = tlv(0x30, &request);
    Ok(tlv(0x30, &tlv(0x30, &list)))
}

/// A `TimeStampReq` (v1, SHA-256 imprint of `data`, certReq true).
pub fn tsa_request(data: &[u8]) -> Vec<u8> {
    // AlgorithmIdentifier { id-sha256, NULL }
    let sha256 = [
        0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
    ];
    let mut imprint = sha256.to_vec();
    imprint.extend(tlv(0x04, &sha2::Sha256::digest(data)));
    let mut body = vec![0x02, 0x01, 0x01];
    body.extend(tlv(0x30, &imprint));
    body.extend([0x01, 0x01, 0xff]);
    tlv(0x30, &body)
}

/// The serial a drill asks about as a never-issued one: 16 bytes like the portal's (so it is
/// looked up in the store, not turned away for its length), and a pattern its random serials
/// draw with a chance of 2^-127.
pub const NEVER_ISSUED_SERIAL: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

/// One certificate's status in a signed OCSP answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OcspCertStatus {
    /// `good`.
    Good,
    /// `revoked` at `at` (Unix seconds) for `reason` (`None`: no reason, i.e. unspecified).
    Revoked {
        /// revocationTime, Unix seconds.
        at: u64,
        /// revocationReason's CRLReason code.
        reason: Option<u32>,
    },
    /// `unknown`.
    Unknown,
}

impl std::fmt::Display for OcspCertStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OcspCertStatus::Good => f.write_str("good"),
            OcspCertStatus::Revoked { at, reason } => {
                write!(f, "revoked at {at} with reason {reason:?}")
            }
            OcspCertStatus::Unknown => f.write_str("unknown"),
        }
    }
}

// The few OCSP response structures the drill reads, declared here for the reason
// kunci-ams/src/ca/ocsp.rs gives (x509-ocsp is on another der); what is not compared is
// kept as `Any`.
#[derive(der::Sequence)]
struct OcspResponse {
    response_status: der::Any,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    response_bytes: Option<ResponseBytes>,
}

#[derive(der::Sequence)]
struct ResponseBytes {
    response_type: const_oid::ObjectIdentifier,
    response: der::asn1::OctetString,
}

#[derive(der::Sequence)]
struct BasicOcspResponse {
    tbs_response_data: ResponseData,
    signature_algorithm: der::Any,
    signature: der::Any,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    certs: Option<der::Any>,
}

#[derive(der::Sequence)]
struct ResponseData {
    responder_id: der::Any,
    produced_at: der::asn1::GeneralizedTime,
    responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    response_extensions: Option<der::Any>,
}

#[derive(der::Sequence)]
struct SingleResponse {
    cert_id: der::Any,
    cert_status: CertStatus,
    this_update: der::asn1::GeneralizedTime,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    next_update: Option<der::asn1::GeneralizedTime>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    single_extensions: Option<der::Any>,
}

#[derive(der::Choice)]
enum CertStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(der::asn1::Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(der::asn1::Null),
}

#[derive(der::Sequence)]
struct RevokedInfo {
    revocation_time: der::asn1::GeneralizedTime,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    revocation_reason: Option<x509_cert::ext::pkix::crl::CrlReason>,
}

/// The status of the one certificate a signed `successful` OCSP answer is about (the
/// signature is not verified: kunci-ams' tests do that; the drills compare statuses).
pub fn ocsp_cert_status(der: &[u8]) -> Result<OcspCertStatus, Error> {
    let bad = |e: der::Error| Error::Protocol(format!("the OCSP answer does not parse: {e}"));
    if !ocsp_successful(der) {
        return Err(Error::Protocol("the OCSP answer is not successful".into()));
    }
    let response = OcspResponse::from_der(der).map_err(bad)?;
    let bytes = response
        .response_bytes
        .ok_or_else(|| Error::Protocol("the OCSP answer has no responseBytes".into()))?;
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(bad)?;
    let [single] = basic.tbs_response_data.responses.as_slice() else {
        return Err(Error::Protocol(format!(
            "the OCSP answer has {} responses, not one",
            basic.tbs_response_data.responses.len()
        )));
    };
    Ok(match &single.cert_status {
        CertStatus::Good(_) => OcspCertStatus::Good,
        CertStatus::Unknown(_) => OcspCertStatus::Unknown,
        CertStatus::Revoked(info) => OcspCertStatus::Revoked {
            at: info.revocation_time.to_unix_duration().as_secs(),
            reason: info.revocation_reason.map(|r| r as u32),
        },
    })
}

/// Asks `POST /ocsp` about one serial (hex, as the API and the store write it) of `issuer`'s.
pub async fn ask_ocsp(
    http: &Http,
    serial_hex: &str,
    issuer: &[u8],
) -> Result<OcspCertStatus, Error> {
    let mut serial = hex::decode(serial_hex.replace(':', ""))
        .map_err(|e| Error::Protocol(format!("serial {serial_hex}: {e}")))?;
    // The portal's serials are 16 bytes; a hex form that dropped leading zeros is padded back.
    while serial.len() < 16 {
        serial.insert(0, 0);
    }
    let request = ocsp_request_for_serial(&serial, issuer)?;
    let answer = post(http, "/ocsp", "application/ocsp-request", &request).await?;
    ocsp_cert_status(&answer)
}

/// Whether an `OCSPResponse` is `successful` (responseStatus 0) and carries a signed
/// response (responseBytes present).
fn ocsp_successful(der: &[u8]) -> bool {
    // SEQUENCE { ENUMERATED 0, [0] responseBytes }: the status follows the outer header.
    let header = match der.get(1) {
        Some(&l) if l < 0x80 => 2,
        Some(&l) => 2 + usize::from(l & 0x7f),
        None => return false,
    };
    der.get(header..header + 3) == Some(&[0x0a, 0x01, 0x00][..]) && der.len() > header + 3
}

/// Whether a `TimeStampResp` is `granted` (PKIStatus 0) with a token.
fn tsa_granted(der: &[u8]) -> bool {
    let header = match der.get(1) {
        Some(&l) if l < 0x80 => 2,
        Some(&l) => 2 + usize::from(l & 0x7f),
        None => return false,
    };
    // PKIStatusInfo ::= SEQUENCE { status INTEGER, ... }: granted is 0.
    der.get(header) == Some(&0x30)
        && der.get(header + 2..header + 5) == Some(&[0x02, 0x01, 0x00][..])
        && der.len() > header + 5
}

/// p-th percentile (0-100) of sorted latencies.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Prints the latency line and the server's CPU, answering p99.
fn report(what: &str, latencies: &mut [Duration], server: &Server, cpu0: Option<(f64, f64)>) {
    latencies.sort_unstable();
    println!(
        "{what}: latency p50 {} p95 {} p99 {} max {} ({} answers)",
        ms(percentile(latencies, 50.0)),
        ms(percentile(latencies, 95.0)),
        ms(percentile(latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default()),
        latencies.len()
    );
    if let (Some((u0, s0)), Some((u1, s1))) = (cpu0, server.cpu_seconds()) {
        println!(
            "{what}: kunci-ams used {:.2} s user + {:.2} s system CPU",
            u1 - u0,
            s1 - s0
        );
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The OCSP load: see the module's documentation. Answers whether every answer was a signed
/// `successful` response.
pub async fn ocsp(opts: &OcspOptions) -> Result<bool, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::Server(format!("temp folder: {e}")))?;
    let (mut server, http, cert, issuer) = portal_with_a_certificate(
        &opts.binary,
        &dir.path().join("data"),
        &opts.serve_args,
        "ocsp",
    )
    .await?;
    let request = Arc::new(ocsp_request(&cert, &issuer)?);
    println!(
        "ocsp: {} requests/s for {} s, open loop, POST /ocsp ({} bytes, SHA-1 CertID, no \
         nonce); machine load average {}",
        opts.rate,
        opts.seconds,
        request.len(),
        load_average()
    );
    // One warm-up answer, checked.
    let first = post(&http, "/ocsp", "application/ocsp-request", &request).await?;
    if !ocsp_successful(&first) {
        return Err(Error::Protocol(
            "the first OCSP answer is not successful".into(),
        ));
    }
    let cpu0 = server.cpu_seconds();
    let results: Arc<Mutex<(Vec<Duration>, u64)>> = Arc::new(Mutex::new((Vec::new(), 0)));
    let total = opts.rate.max(1) as u64 * opts.seconds.max(1);
    let interval = Duration::from_secs(1) / opts.rate.max(1);
    let start = tokio::time::Instant::now();
    let mut joins = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + interval * u32::try_from(i).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due).await;
        let (http, request, results) = (http.clone(), request.clone(), results.clone());
        joins.push(tokio::task::spawn_local(async move {
            let answer = post(&http, "/ocsp", "application/ocsp-request", &request).await;
            let took = due.elapsed();
            let mut r = match results.lock() {
                Ok(r) => r,
                Err(p) => p.into_inner(),
            };
            match answer {
                Ok(body) if ocsp_successful(&body) => r.0.push(took),
                _ => r.1 += 1,
            }
        }));
    }
    let sent_in = start.elapsed();
    for j in joins {
        let _ = j.await;
    }
    let elapsed = start.elapsed();
    let (mut latencies, errors) = {
        let mut r = match results.lock() {
            Ok(r) => r,
            Err(p) => p.into_inner(),
        };
        (std::mem::take(&mut r.0), r.1)
    };
    println!(
        "ocsp: {total} requests sent in {:.2} s ({:.0}/s), all answered after {:.2} s; \
         {errors} errors",
        sent_in.as_secs_f64(),
        total as f64 / sent_in.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    report("ocsp", &mut latencies, &server, cpu0);
    let p99 = percentile(&latencies, 99.0);
    println!(
        "ocsp: goal p99 < {} at 1000/s for 30 s: {}",
        ms(OCSP_P99_GOAL),
        if p99 < OCSP_P99_GOAL { "met" } else { "MISSED" }
    );
    server.kill()?;
    Ok(errors == 0)
}

/// The TSA load: see the module's documentation. Answers whether every answer was granted.
pub async fn tsa(opts: &TsaOptions) -> Result<bool, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::Server(format!("temp folder: {e}")))?;
    let data_dir = dir.path().join("data");
    let (mut server, accounts) = Server::prepare(&opts.binary, &data_dir, None, 0, true)?;
    drop(accounts);
    server.extra_args = opts.serve_args.clone();
    let http = Http::new(&server.origin());
    server.start(&http).await?;
    println!(
        "tsa: {} clients for {} s, closed loop, POST /tsa (SHA-256 imprint, certReq); machine \
         load average {}",
        opts.concurrency,
        opts.seconds,
        load_average()
    );
    let first = post(
        &http,
        "/tsa",
        "application/timestamp-query",
        &tsa_request(b"0"),
    )
    .await?;
    if !tsa_granted(&first) {
        return Err(Error::Protocol("the first timestamp is not granted".into()));
    }
    let cpu0 = server.cpu_seconds();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(opts.seconds.max(1));
    let mut joins = Vec::new();
    for c in 0..opts.concurrency.max(1) {
        let http = http.clone();
        joins.push(tokio::task::spawn_local(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0u64);
            let mut n = 0u64;
            while Instant::now() < deadline {
                let query = tsa_request(format!("{c}/{n}").as_bytes());
                n += 1;
                let t = Instant::now();
                match post(&http, "/tsa", "application/timestamp-query", &query).await {
                    Ok(body) if tsa_granted(&body) => latencies.push(t.elapsed()),
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for j in joins {
        match j.await {
            Ok((l, e)) => {
                latencies.extend(l);
                errors += e;
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = start.elapsed();
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    println!(
        "tsa: {} tokens granted in {:.2} s: {rate:.1} tokens/s; {errors} errors",
        latencies.len(),
        elapsed.as_secs_f64()
    );
    report("tsa", &mut latencies, &server, cpu0);
    println!(
        "tsa: goal >= {TSA_RATE_GOAL:.0} tokens/s: {}",
        if rate >= TSA_RATE_GOAL {
            "met"
        } else {
            "MISSED"
        }
    );
    server.kill()?;
    Ok(errors == 0)
}

/// POSTs `body` and answers the response body of a 200.
async fn post(http: &Http, path: &str, content_type: &str, body: &[u8]) -> Result<Vec<u8>, Error> {
    let answer = http
        .call(
            Method::POST,
            path,
            Body {
                content: Some((content_type, body.to_vec())),
                ..Body::default()
            },
        )
        .await?;
    if answer.status != 200 {
        return Err(Error::Protocol(format!("{path}: HTTP {}", answer.status)));
    }
    Ok(answer.body.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_checks_read_the_first_field() {
        // An unsigned malformedRequest answer is not successful.
        assert!(!ocsp_successful(&[0x30, 0x03, 0x0a, 0x01, 0x01]));
        assert!(ocsp_successful(&[0x30, 0x05, 0x0a, 0x01, 0x00, 0xa0, 0x00]));
        assert!(!tsa_granted(&[0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02]));
        assert!(tsa_granted(&[
            0x30, 0x07, 0x30, 0x03, 0x02, 0x01, 0x00, 0x30, 0x00
        ]));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
    }

    #[test]
    fn a_timestamp_query_is_der_of_the_rfc_shape() {
        let q = tsa_request(b"x");
        assert_eq!(q[0], 0x30);
        assert_eq!(usize::from(q[1]) + 2, q.len());
        assert_eq!(&q[q.len() - 3..], &[0x01, 0x01, 0xff]);
    }
}
