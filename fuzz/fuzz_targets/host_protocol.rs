//! Fuzz target: kunci-host's request decoder, `Host::handle_message`, on one message body:
//! the envelope, the origin check and each op's parameters (subject, key id, PIN, algorithm, digest)
//! up to the point where a PKCS#11 module would be loaded. The config allows one origin and
//! names a module that does not exist, so every token op ends in `module.not_found` and
//! nothing outside the process is touched. Every reply must be JSON under the 1 MiB limit.

#![no_main]

use kunci_host::Host;
use kunci_host::config::Config;
use kunci_host::framing::MAX_MESSAGE_LEN;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut host = Host::new(
        Config {
            allowed_origins: vec!["https://ams.example.go.id".to_owned()],
            module: Some("/nonexistent/kunci-fuzz-module.so".into()),
        },
        None,
    );
    let reply = host.handle_message(input);
    assert!(!reply.is_empty() && reply.len() <= MAX_MESSAGE_LEN);
});
