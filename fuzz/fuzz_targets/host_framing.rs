//! Fuzz target: kunci-host's native-messaging frame reader (`framing::read_message`) over an
//! arbitrary byte stream, read until it ends, is truncated or is refused as too large, as the
//! browser's stdin would feed it; each whole message is written back with `write_message`.

#![no_main]

use std::io::Cursor;

use kunci_host::framing::{self, Incoming};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut stream = Cursor::new(input);
    let mut echo = Vec::new();
    // Each message consumes at least its 4-byte header, so the loop ends.
    loop {
        match framing::read_message(&mut stream) {
            Ok(Incoming::Message(body)) => {
                assert!(!body.is_empty() && body.len() <= framing::MAX_MESSAGE_LEN);
                let _ = framing::write_message(&mut echo, &body);
            }
            Ok(Incoming::Empty) => {}
            Ok(Incoming::TooLarge(len)) => {
                assert!(len > framing::MAX_MESSAGE_LEN as u64);
                break;
            }
            Ok(Incoming::End | Incoming::Truncated { .. }) | Err(_) => break,
        }
    }
});
