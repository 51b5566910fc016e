//! The raw `C_GetTokenInfo`, for the tokens whose CK_TOKEN_INFO the cryptoki crate refuses as a
//! whole, and the lenient reading of that structure field by field.
//!
//! cryptoki converts CK_TOKEN_INFO in one piece and fails the whole call when one field does
//! not parse: a token that sets `CKF_CLOCK_ON_TOKEN` with a `utcTime` that is not digits gives
//! "Error parsing string as integer", and with it `list_tokens` failed for every token of the
//! module. Here the module's own function list is asked for the structure (the library is
//! already loaded and initialised by cryptoki, so the same instance answers), and each field is
//! read on its own: the texts lossily and trimmed, the flags as bits, `utcTime` only when it is
//! digits. This is the one place in kunci that calls C with `unsafe`: cryptoki exposes no safe
//! way to the raw structure.
#![allow(unsafe_code)]

use std::path::Path;

use cryptoki::context::Function;
use cryptoki::error::{Error as CkError, Rv};
use cryptoki_sys::{CK_FUNCTION_LIST, CK_SLOT_ID, CK_TOKEN_INFO};

/// CK_TOKEN_INFO of `slot`, read through the function list of the module at `module`.
pub(super) fn token_info(module: &Path, slot: u64) -> Result<CK_TOKEN_INFO, CkError> {
    let slot = CK_SLOT_ID::try_from(slot).map_err(|_| {
        CkError::Pkcs11(
            cryptoki::error::RvError::SlotIdInvalid,
            Function::GetTokenInfo,
        )
    })?;
    // SAFETY: loading a PKCS#11 module runs its initialisers; this one is already loaded (and
    // initialised) by cryptoki from the same path, so this only takes another reference to it.
    let library = unsafe { cryptoki_sys::Pkcs11::new(module) }.map_err(CkError::LibraryLoading)?;
    let get_function_list = library
        .C_GetFunctionList
        .as_ref()
        .map_err(|_| CkError::NullFunctionPointer)?;
    let mut list: *mut CK_FUNCTION_LIST = std::ptr::null_mut();
    // SAFETY: C_GetFunctionList writes one pointer to the module's static function list.
    Rv::from(unsafe { get_function_list(&mut list) }).into_result(Function::GetFunctionList)?;
    if list.is_null() {
        return Err(CkError::NullFunctionPointer);
    }
    // SAFETY: `list` is non-null and points to the module's function list, which lives as long
    // as the library stays loaded (`library` is held until the end of this function).
    let get_token_info = unsafe { (*list).C_GetTokenInfo }.ok_or(CkError::NullFunctionPointer)?;
    let mut info = CK_TOKEN_INFO::default();
    // SAFETY: C_GetTokenInfo fills the CK_TOKEN_INFO it is given, which is ours and of the
    // size the PKCS#11 headers define.
    Rv::from(unsafe { get_token_info(slot, &mut info) }).into_result(Function::GetTokenInfo)?;
    drop(library);
    Ok(info)
}

/// A blank-padded PKCS#11 text: trailing blanks and NULs cut, invalid UTF-8 replaced.
pub(super) fn text(field: &[u8]) -> String {
    let end = field
        .iter()
        .rposition(|&b| b != b' ' && b != 0)
        .map_or(0, |i| i + 1);
    String::from_utf8_lossy(&field[..end]).trim().to_owned()
}

/// `utcTime` (YYYYMMDDhhmmss00) when it is 14 digits at least, else None.
pub(super) fn utc_time(field: &[u8; 16]) -> Option<String> {
    let digits = &field[..14];
    digits
        .iter()
        .all(u8::is_ascii_digit)
        .then(|| String::from_utf8_lossy(digits).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_and_read_lossily() {
        assert_eq!(text(b"SoftHSM project                 "), "SoftHSM project");
        assert_eq!(text(b"abc\0\0\0"), "abc");
        assert_eq!(text(b"    "), "");
        assert_eq!(text(b"ok\xff  "), "ok\u{fffd}");
    }

    #[test]
    fn utc_time_is_read_only_when_it_is_digits() {
        assert_eq!(
            utc_time(b"2026120613530000").as_deref(),
            Some("20261206135300")
        );
        assert_eq!(utc_time(b"not a clock!!!!!"), None);
        assert_eq!(utc_time(&[0u8; 16]), None);
    }
}
