//! Native-messaging framing: a 32-bit length in native byte order, then that many bytes of
//! UTF-8 JSON, in both directions (docs/PROTOCOL.md section 2).
//!
//! The length is checked before anything is allocated, so a hostile 4 GB header costs nothing.
//! Reading tells a clean end of stream (EOF exactly between messages) from a truncated one (EOF
//! inside the header or the body); both end the loop, but only the second is worth a line on
//! stderr. Request bodies are kept in [`Zeroizing`] buffers since they may carry a PIN.

use std::io::{self, Read, Write};

use zeroize::Zeroizing;

/// The largest message either side may send: 1 MiB, Chromium's limit for host → browser
/// (a longer reply closes the port) and the host's own limit for browser → host.
pub const MAX_MESSAGE_LEN: usize = 1024 * 1024;

/// What one read from the browser gave.
#[derive(Debug)]
pub enum Incoming {
    /// A whole message body (not yet known to be UTF-8 or JSON).
    Message(Zeroizing<Vec<u8>>),
    /// A length header of 0: answered with `request.bad`, and the stream goes on.
    Empty,
    /// A length header over [`MAX_MESSAGE_LEN`]: answered with `request.too_large`, then the
    /// host exits, since the body was not read and the stream can no longer be framed.
    TooLarge(u64),
    /// The stream ended cleanly between two messages: the browser closed the port.
    End,
    /// The stream ended inside a header or a body (`got` of `expected` bytes).
    Truncated {
        /// Bytes received.
        got: usize,
        /// Bytes announced (4 for a header).
        expected: usize,
    },
}

/// Reads one message. I/O errors other than EOF are returned as errors.
pub fn read_message(input: &mut impl Read) -> io::Result<Incoming> {
    let mut header = [0u8; 4];
    let got = read_full(input, &mut header)?;
    if got == 0 {
        return Ok(Incoming::End);
    }
    if got < header.len() {
        return Ok(Incoming::Truncated { got, expected: 4 });
    }
    let len = u32::from_ne_bytes(header);
    if len == 0 {
        return Ok(Incoming::Empty);
    }
    // u32 → usize cannot truncate on the 32- and 64-bit targets kunci builds for.
    let len_usize = len as usize;
    if len_usize > MAX_MESSAGE_LEN {
        return Ok(Incoming::TooLarge(u64::from(len)));
    }
    let mut body = Zeroizing::new(vec![0u8; len_usize]);
    let got = read_full(input, &mut body)?;
    if got < len_usize {
        return Ok(Incoming::Truncated {
            got,
            expected: len_usize,
        });
    }
    Ok(Incoming::Message(body))
}

/// Writes one message (header and body in one write, then a flush). A body over
/// [`MAX_MESSAGE_LEN`] is refused with `InvalidInput`: callers fit their replies first.
pub fn write_message(output: &mut impl Write, body: &[u8]) -> io::Result<()> {
    if body.len() > MAX_MESSAGE_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "a {}-byte reply is over the {MAX_MESSAGE_LEN}-byte limit",
                body.len()
            ),
        ));
    }
    // Fits: MAX_MESSAGE_LEN is far below u32::MAX.
    let len = body.len() as u32;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&len.to_ne_bytes());
    frame.extend_from_slice(body);
    output.write_all(&frame)?;
    output.flush()
}

/// Fills `buf` as far as the stream allows; returns how many bytes were read (less than
/// `buf.len()` only at EOF).
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_ne_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn messages_in_one_stream_are_read_one_by_one_then_end() {
        let mut stream = frame(b"{\"a\":1}");
        stream.extend(frame(b"[]"));
        let mut r = stream.as_slice();
        assert!(
            matches!(read_message(&mut r).unwrap(), Incoming::Message(m) if m.as_slice() == b"{\"a\":1}")
        );
        assert!(
            matches!(read_message(&mut r).unwrap(), Incoming::Message(m) if m.as_slice() == b"[]")
        );
        assert!(matches!(read_message(&mut r).unwrap(), Incoming::End));
    }

    #[test]
    fn oversize_header_is_reported_without_reading_the_body() {
        let header = (2u32 * 1024 * 1024).to_ne_bytes();
        let mut r = &header[..];
        assert!(matches!(
            read_message(&mut r).unwrap(),
            Incoming::TooLarge(2_097_152)
        ));
    }

    #[test]
    fn eof_inside_header_or_body_is_truncation_not_end() {
        let mut r = &[1u8, 0][..];
        assert!(matches!(
            read_message(&mut r).unwrap(),
            Incoming::Truncated {
                got: 2,
                expected: 4
            }
        ));
        let mut short = 10u32.to_ne_bytes().to_vec();
        short.extend_from_slice(b"abc");
        let mut r = short.as_slice();
        assert!(matches!(
            read_message(&mut r).unwrap(),
            Incoming::Truncated {
                got: 3,
                expected: 10
            }
        ));
    }

    #[test]
    fn zero_length_is_empty_and_replies_over_the_limit_are_refused() {
        let mut r = &[0u8; 4][..];
        assert!(matches!(read_message(&mut r).unwrap(), Incoming::Empty));
        let mut out = Vec::new();
        assert!(write_message(&mut out, &vec![b' '; MAX_MESSAGE_LEN + 1]).is_err());
        write_message(&mut out, b"{}").unwrap();
        assert_eq!(out, frame(b"{}"));
    }
}
