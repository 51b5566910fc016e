//! What `kunci pdf` needs beside kunci-core: a minimal HTTP/1.1 POST for the TSA and the OCSP
//! responder, and the verification report (and the stamp's date) in words.
//!
//! Plain `http://` only: RFC 3161 tokens and OCSP answers are signed by their authority and
//! checked by kunci, so TLS would add no integrity; most public TSAs serve plain HTTP. The
//! answer is capped at [`MAX_ANSWER`] and every socket operation times out, so a TSA that is
//! down or slow fails the command instead of hanging it.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use kunci_core::pdf::{Report, Severity};
use kunci_core::strength::Lang;

/// The largest answer read from a TSA or OCSP responder (1 MiB).
pub const MAX_ANSWER: usize = 1 << 20;

/// How long to wait for a connection, and for each read or write.
const TIMEOUT: Duration = Duration::from_secs(20);

/// POSTs `body` to `url` (`http://host[:port]/path`) as `content_type`; the answer's body,
/// or why there is none.
pub fn post(url: &str, content_type: &str, body: &[u8]) -> Result<Vec<u8>, String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        format!("{url}: only http:// URLs are supported (the answer is signed and checked)")
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let addr_text = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addr = addr_text
        .to_socket_addrs()
        .map_err(|e| format!("{url}: cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{url}: {host} has no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .map_err(|e| format!("{url}: cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| format!("{url}: {e}"))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\nUser-Agent: kunci\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|e| format!("{url}: cannot send: {e}"))?;
    let mut answer = Vec::new();
    stream
        .take(MAX_ANSWER as u64 + 64 * 1024)
        .read_to_end(&mut answer)
        .map_err(|e| format!("{url}: no answer: {e}"))?;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("{url}: not an HTTP answer"))?;
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        return Err(format!("{url}: HTTP status {status}"));
    }
    let mut body = answer[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body).ok_or_else(|| format!("{url}: a broken chunked answer"))?;
    }
    if body.len() > MAX_ANSWER {
        return Err(format!("{url}: the answer is over {MAX_ANSWER} bytes"));
    }
    Ok(body)
}

/// Decodes an HTTP/1.1 chunked body.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// The report in `lang`, one signature after another, each finding on its line.
pub fn report_text(report: &Report, lang: Lang) -> String {
    let mut s = String::new();
    for f in &report.findings {
        s.push_str(&format!("[{}] {}\n", f.code, pick(lang, f.id, f.en)));
    }
    for (i, sig) in report.signatures.iter().enumerate() {
        let verdict = match (sig.valid, lang) {
            (true, Lang::Id) => "SAH",
            (true, Lang::En) => "VALID",
            (false, Lang::Id) => "TIDAK SAH",
            (false, Lang::En) => "NOT VALID",
        };
        s.push_str(&format!(
            "{} #{} ({}): {verdict}, {}\n",
            pick(lang, "Tanda tangan", "Signature"),
            i + 1,
            sig.field,
            sig.level
        ));
        if let Some(signer) = &sig.signer {
            s.push_str(&format!(
                "  {}: {signer}\n",
                pick(lang, "Penanda tangan", "Signer")
            ));
        }
        if let Some(t) = sig.timestamp_time.or(sig.claimed_time) {
            let what = if sig.timestamp_time.is_some() {
                pick(lang, "Waktu (stempel waktu)", "Time (timestamp)")
            } else {
                pick(
                    lang,
                    "Waktu (klaim penanda tangan)",
                    "Time (signer's claim)",
                )
            };
            s.push_str(&format!("  {what}: {} UTC\n", utc(t)));
        }
        for f in &sig.findings {
            let mark = match f.severity {
                Severity::Ok => "ok  ",
                Severity::Warning => "warn",
                Severity::Error => "FAIL",
            };
            s.push_str(&format!(
                "  [{mark}] {} ({})",
                pick(lang, f.id, f.en),
                f.code
            ));
            if let Some(d) = &f.detail {
                s.push_str(&format!(": {d}"));
            }
            s.push('\n');
        }
    }
    s
}

fn pick<'a>(lang: Lang, id: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

/// `YYYY-MM-DD HH:MM:SS` for a Unix time.
pub fn utc(t: i64) -> String {
    u64::try_from(t)
        .ok()
        .and_then(|s| der::DateTime::from_unix_duration(Duration::from_secs(s)).ok())
        .map_or_else(
            || t.to_string(),
            |d| {
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                    d.year(),
                    d.month(),
                    d.day(),
                    d.hour(),
                    d.minutes(),
                    d.seconds()
                )
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
        assert!(dechunk(b"5\r\nab").is_none());
    }

    #[test]
    fn only_plain_http_is_posted() {
        assert!(
            post("https://tsa.example/", "x", b"")
                .unwrap_err()
                .contains("only http://")
        );
    }
}
