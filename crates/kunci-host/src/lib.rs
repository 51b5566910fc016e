//! kunci-host: the native-messaging helper that lets the kunci browser extension use a USB
//! token. It reads length-prefixed JSON requests on stdin, answers on stdout, and talks PKCS#11
//! (through cryptoki) to the token's module: list tokens, generate a non-extractable key pair,
//! sign a CSR built by kunci-core on the token, sign a document's SHA-256 digest the page
//! computed, store and list certificates.
//!
//! What it does **not** do: no network, no HTTP, no key material ever leaves the token, no
//! PIN is logged or kept. The message protocol is docs/PROTOCOL.md (sections 2 and 3).
//!
//! Modules: [`framing`] (the 32-bit length + JSON frames), [`protocol`] (one handler per op,
//! shared by the native-messaging loop and the command line), [`token`] (PKCS#11), [`config`]
//! (allowed origins, module discovery), [`origin`] (the parsed web origin the allow-list
//! compares), [`install`] and [`doctor`] (the per-browser set-up and
//! its diagnosis), [`error`] (the stable codes).

pub mod config;
pub mod doctor;
pub mod error;
pub mod framing;
pub mod install;
pub mod origin;
pub mod protocol;
pub mod token;

use std::io::{Read, Write};

pub use error::{Error, Result};
pub use protocol::Host;

use framing::Incoming;

/// How the native-messaging loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The browser closed the port between messages.
    Closed,
    /// The stream ended inside a message.
    Truncated,
    /// A message over the limit was refused; the stream cannot be framed any more.
    TooLarge,
}

/// The native-messaging loop: one reply per request, in order, until the stream ends.
/// Errors are only I/O errors on stdout/stdin (the browser went away).
pub fn serve(
    host: &mut Host,
    input: &mut impl Read,
    output: &mut impl Write,
) -> std::io::Result<Ended> {
    loop {
        match framing::read_message(input)? {
            Incoming::Message(body) => {
                let reply = host.handle_message(&body);
                drop(body);
                framing::write_message(output, &reply)?;
            }
            Incoming::Empty => framing::write_message(output, &protocol::empty_message_reply())?,
            Incoming::TooLarge(len) => {
                eprintln!(
                    "kunci-host: refused a {len}-byte message (limit {} bytes); closing",
                    framing::MAX_MESSAGE_LEN
                );
                framing::write_message(output, &protocol::too_large_reply(len))?;
                return Ok(Ended::TooLarge);
            }
            Incoming::End => return Ok(Ended::Closed),
            Incoming::Truncated { got, expected } => {
                eprintln!(
                    "kunci-host: the stream ended inside a message ({got} of {expected} bytes); closing"
                );
                return Ok(Ended::Truncated);
            }
        }
    }
}
