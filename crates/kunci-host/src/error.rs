//! The one error type of kunci-host, with the stable string codes of docs/PROTOCOL.md.
//!
//! Every failure a handler meets becomes one [`Error`]; its [`Error::code`] is what the
//! extension receives (and passes through to the page), so codes are never renamed. Messages
//! say what failed and what to do, and never carry a PIN or key material. PKCS#11 failures are
//! classified here, in one place ([`Error::from_pkcs11`]), so every handler maps `CKR_*` values
//! the same way.

use cryptoki::context::Function;
use cryptoki::error::{Error as CkError, RvError};

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in kunci-host.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `CKR_PIN_INCORRECT`: the PIN is wrong. `tries_left` is known only when the token says
    /// so (1 once it sets `CKF_USER_PIN_FINAL_TRY`).
    #[error("the PIN is incorrect{}", tries_left.map(|n| format!(": {n} try left before the token locks")).unwrap_or_default())]
    PinIncorrect {
        /// Attempts left before the PIN locks, when the token's flags tell.
        tries_left: Option<u32>,
    },
    /// `CKR_PIN_LOCKED`, or `CKF_USER_PIN_LOCKED` seen before trying.
    #[error(
        "the token's PIN is locked after too many wrong tries: unblock it with the PUK (the \
         security officer's PIN) in the token vendor's tool, or ask whoever issued the token; \
         a TPM unlocks itself after its lockout time"
    )]
    PinLocked,
    /// No PIN was given and the token has no PIN pad.
    #[error("this token needs its PIN: none was given")]
    PinRequired,
    /// No token with the asked serial number is present (or no token at all).
    #[error("no token with serial `{0}` is present: plug it in and try again")]
    TokenAbsent(String),
    /// No token at all in any slot of the module.
    #[error(
        "no token is present: plug the token in (on Linux, check that pcscd is running), or \
         check that the configured module is the token's own driver"
    )]
    NoToken,
    /// The token went away during the operation.
    #[error("the token was removed during the operation: plug it in again and retry")]
    TokenRemoved,
    /// The token cannot generate or sign with the algorithm asked.
    #[error("the token does not support {0}: choose another algorithm")]
    MechanismUnsupported(String),
    /// No private key with that CKA_ID, or none matching the certificate.
    #[error("{0}")]
    KeyNotFound(String),
    /// The key may not sign: its CKA_SIGN is false, or the token answered
    /// `CKR_KEY_FUNCTION_NOT_PERMITTED`.
    #[error("{0}")]
    KeyCannotSign(String),
    /// The request's origin is not on the host's allow-list.
    #[error("origin `{0}` is not allowed: add it with `kunci-host install --allow-origin`")]
    OriginNotAllowed(String),
    /// Malformed JSON, missing or wrong parameters.
    #[error("bad request: {0}")]
    RequestBad(String),
    /// A message over the 1 MiB limit.
    #[error("the message is {len} bytes, more than the {max} bytes accepted")]
    RequestTooLarge {
        /// Bytes announced by the length header.
        len: u64,
        /// Bytes accepted.
        max: usize,
    },
    /// An op this version does not know.
    #[error("unknown op `{0}`")]
    OpUnknown(String),
    /// No PKCS#11 module was found (none configured and none at the well-known paths, or the
    /// one named does not exist).
    #[error("{0}")]
    ModuleNotFound(String),
    /// The module exists but cannot be loaded, or refuses to start (`C_Initialize`).
    #[error("{0}")]
    ModuleLoadFailed(String),
    /// The extension speaks a newer protocol than this helper (`hello`).
    #[error(
        "this kunci-host (version {host}) speaks protocol {supported}, the extension speaks \
         protocol {asked}: update kunci-host (download the latest helper for your system from \
         the portal, or run your package manager's upgrade)"
    )]
    HostTooOld {
        /// The protocol the extension asked for.
        asked: u32,
        /// The newest protocol this host speaks.
        supported: u32,
        /// This host's version.
        host: &'static str,
    },
    /// The extension speaks an older protocol than this helper still supports (`hello`).
    #[error(
        "the extension speaks protocol {asked}, older than this kunci-host (version {host}) \
         supports (protocol {supported}): update the kunci extension in the browser"
    )]
    ExtensionTooOld {
        /// The protocol the extension asked for.
        asked: u32,
        /// The oldest protocol this host speaks.
        supported: u32,
        /// This host's version.
        host: &'static str,
    },
    /// Any other PKCS#11 failure; `function` names the call (`C_Login`).
    #[error("{function} failed: {rv}")]
    Pkcs11 {
        /// The PKCS#11 function that failed, e.g. `C_GenerateKeyPair`.
        function: String,
        /// What it returned (`CKR_...` in words) or what went wrong around it.
        rv: String,
    },
    /// The host's config file exists but cannot be read or parsed (CLI only).
    #[error("the config file {path} is unusable: {reason}")]
    ConfigInvalid {
        /// The config file.
        path: String,
        /// Why it is unusable.
        reason: String,
    },
    /// A file or folder could not be read or written (CLI only).
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done (`write`, `create folder`, ...).
        action: &'static str,
        /// The path concerned.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The stable code (`pin.incorrect`, `token.absent`, ...) of docs/PROTOCOL.md.
    pub fn code(&self) -> &'static str {
        match self {
            Error::PinIncorrect { .. } => "pin.incorrect",
            Error::PinLocked => "pin.locked",
            Error::PinRequired => "pin.required",
            Error::TokenAbsent(_) | Error::NoToken => "token.absent",
            Error::TokenRemoved => "token.removed",
            Error::MechanismUnsupported(_) => "mechanism.unsupported",
            Error::KeyNotFound(_) => "key.not_found",
            Error::KeyCannotSign(_) => "key.cannot_sign",
            Error::OriginNotAllowed(_) => "origin.not_allowed",
            Error::RequestBad(_) => "request.bad",
            Error::RequestTooLarge { .. } => "request.too_large",
            Error::OpUnknown(_) => "op.unknown",
            Error::ModuleNotFound(_) => "module.not_found",
            Error::ModuleLoadFailed(_) => "module.load_failed",
            Error::HostTooOld { .. } => "host.too_old",
            Error::ExtensionTooOld { .. } => "extension.too_old",
            Error::Pkcs11 { .. } => "pkcs11.failed",
            Error::ConfigInvalid { .. } => "config.invalid",
            Error::Io { .. } => "io.failed",
        }
    }

    /// Tries left, for `pin.incorrect` when the token told.
    pub fn tries_left(&self) -> Option<u32> {
        match self {
            Error::PinIncorrect { tries_left } => *tries_left,
            _ => None,
        }
    }

    /// The PKCS#11 function, for `pkcs11.failed`.
    pub fn function(&self) -> Option<&str> {
        match self {
            Error::Pkcs11 { function, .. } => Some(function),
            _ => None,
        }
    }

    /// Classifies a cryptoki error by its `CKR_*` value: the PIN, token-removal and mechanism
    /// cases get their own codes, everything else is `pkcs11.failed` naming the function.
    /// `what` names the algorithm for `mechanism.unsupported`.
    pub fn from_pkcs11(err: CkError, what: &str) -> Error {
        match err {
            CkError::Pkcs11(rv, function) => match rv {
                RvError::PinIncorrect => Error::PinIncorrect { tries_left: None },
                RvError::PinLocked => Error::PinLocked,
                RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed => Error::TokenRemoved,
                RvError::KeyFunctionNotPermitted => Error::KeyCannotSign(format!(
                    "the token does not let this key sign ({})",
                    function_name(function)
                )),
                RvError::MechanismInvalid
                | RvError::MechanismParamInvalid
                | RvError::TemplateInconsistent => Error::MechanismUnsupported(what.to_owned()),
                other => Error::Pkcs11 {
                    function: function_name(function),
                    rv: format!("{other}"),
                },
            },
            CkError::LibraryLoading(e) => Error::ModuleLoadFailed(format!(
                "the PKCS#11 module cannot be loaded ({e}): reinstall the token's driver"
            )),
            other => Error::Pkcs11 {
                function: "cryptoki".to_owned(),
                rv: other.to_string(),
            },
        }
    }
}

/// `Function::Login` → `C_Login`: the name people find in the PKCS#11 specification.
pub fn function_name(function: Function) -> String {
    format!("C_{function:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs11_errors_map_to_protocol_codes_and_name_the_function() {
        let e = |rv| Error::from_pkcs11(CkError::Pkcs11(rv, Function::Login), "RSA 2048");
        assert_eq!(e(RvError::PinIncorrect).code(), "pin.incorrect");
        assert_eq!(e(RvError::PinLocked).code(), "pin.locked");
        assert_eq!(e(RvError::DeviceRemoved).code(), "token.removed");
        assert_eq!(e(RvError::TokenNotPresent).code(), "token.removed");
        assert_eq!(e(RvError::SessionHandleInvalid).code(), "token.removed");
        assert_eq!(e(RvError::MechanismInvalid).code(), "mechanism.unsupported");
        assert_eq!(
            e(RvError::TemplateInconsistent).code(),
            "mechanism.unsupported"
        );
        assert_eq!(
            e(RvError::KeyFunctionNotPermitted).code(),
            "key.cannot_sign"
        );
        let other = e(RvError::GeneralError);
        assert_eq!(other.code(), "pkcs11.failed");
        assert_eq!(other.function(), Some("C_Login"));
    }

    #[test]
    fn version_errors_say_which_side_to_update() {
        let old_host = Error::HostTooOld {
            asked: 2,
            supported: 1,
            host: "0.1.0",
        };
        assert_eq!(old_host.code(), "host.too_old");
        assert!(old_host.to_string().contains("update kunci-host"));
        let old_extension = Error::ExtensionTooOld {
            asked: 0,
            supported: 1,
            host: "0.1.0",
        };
        assert_eq!(old_extension.code(), "extension.too_old");
        assert!(
            old_extension
                .to_string()
                .contains("update the kunci extension")
        );
        assert!(Error::PinLocked.to_string().contains("PUK"));
        assert_eq!(Error::NoToken.code(), "token.absent");
    }

    #[test]
    fn pin_incorrect_message_mentions_the_last_try_only_when_known() {
        let last = Error::PinIncorrect {
            tries_left: Some(1),
        };
        assert!(last.to_string().contains("1 try left"));
        assert_eq!(last.tries_left(), Some(1));
        assert_eq!(
            Error::PinIncorrect { tries_left: None }.to_string(),
            "the PIN is incorrect"
        );
    }
}
