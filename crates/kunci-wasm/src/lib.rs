//! kunci-wasm: the wasm-bindgen façade over kunci-core, the engine of the npm package `kunci`.
//!
//! It translates types and owns nothing else: JavaScript strings and bytes in, the core's
//! types through, plain objects and opaque handles out. Errors become JavaScript `Error`s named
//! `KunciError` whose `code` is the core's stable code. The idiomatic, Promise-based API that
//! pages use (and the WebCrypto routing for RSA key generation and PBKDF2) lives in `js/`,
//! which wraps these low-level exports.
//!
//! One crate, four wasm modules: built with the `core` feature it exports keys, CSRs, PKCS#8,
//! PKCS#12 and certificates; built with `extra` it exports what a renewal rarely needs (RSA
//! key generation without WebCrypto, decrypting PKCS#8, reading PKCS#12), loaded on first use
//! so that the core module stays small; built with `strength` it exports only the
//! password-strength check, whose dictionaries are most of its size and load only when a page
//! first needs them; built with `pdf` it exports PDF signing in steps and verification
//! (PAdES), loaded on a page's first PDF call.

#[cfg(any(feature = "core", feature = "extra"))]
mod core_api;
#[cfg(feature = "pdf")]
mod pdf_api;
#[cfg(feature = "strength")]
mod strength_api;

#[cfg(any(feature = "core", feature = "extra"))]
pub use core_api::*;
#[cfg(feature = "pdf")]
pub use pdf_api::*;
#[cfg(feature = "strength")]
pub use strength_api::*;

use wasm_bindgen::prelude::*;

/// Turns a core error into a JavaScript `Error` named `KunciError` with the stable `code`.
pub(crate) fn js_error(e: kunci_core::Error) -> JsValue {
    error_with_code(e.code(), &e.to_string())
}

/// A `KunciError` for failures of the façade itself (bad argument types).
pub(crate) fn error_with_code(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("KunciError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code));
    err.into()
}

/// Serialises a core report into a plain JavaScript object (snake_case keys; the JS layer
/// renames them to camelCase). Not in the PDF module, which writes its report itself.
#[cfg(any(feature = "core", feature = "extra", feature = "strength"))]
pub(crate) fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| error_with_code("wasm.bad_value", &e.to_string()))
}

/// Reads a plain JavaScript object into a core type.
#[cfg(feature = "core")]
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(
    value: JsValue,
    what: &str,
) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| error_with_code("wasm.bad_argument", &format!("{what}: {e}")))
}

/// The OS/browser RNG: `crypto.getRandomValues` on the web.
#[cfg(any(feature = "core", feature = "extra"))]
pub(crate) fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}
