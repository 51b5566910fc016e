//! `wasm-bindgen-test-runner`, the program cargo runs wasm32 test binaries with
//! (`CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER`), built as a member of this workspace.
//!
//! Why not `cargo install wasm-bindgen-cli`: that builds about 150 crates again in release mode
//! in a folder of its own, on every fresh checkout, and without the lock file (the crate's own
//! lock names a webpki-roots release the registry mirror here lacks). As a workspace member it
//! is locked by `Cargo.lock`, shares the dependencies xtask's wasm-bindgen step already built,
//! and leaves out the TLS stack it never uses.

fn main() -> std::process::ExitCode {
    match wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(std::env::args_os()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasm-bindgen-test-runner: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
