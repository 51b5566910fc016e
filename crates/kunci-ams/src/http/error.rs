//! How an [`Error`] becomes an HTTP response: a status and the JSON body
//! `{"error": {"code", "message"}}`.
//!
//! The client sees the stable code and the error's message, which by the error type's own rule
//! never carries a secret, a database text or a file path. The detail of a server-side failure
//! (the database's text, a worker that died) goes to the server log (stderr) only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use kunci_core::error::ErrorKind;

use crate::error::Error;

impl Error {
    /// The HTTP status this error is answered with. The match has no wildcard, on purpose: a
    /// new variant of [`Error`] (or a new kunci-core [`ErrorKind`]) does not compile until it
    /// is given its status here.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Core(core) => match core.kind() {
                // Every kunci-core error has always been answered 400 (a change of status is a
                // change of the API); matching the kinds one by one makes a new kind a compile
                // error here, to be mapped on purpose.
                ErrorKind::BadInput
                | ErrorKind::WrongPassword
                | ErrorKind::Unsupported
                | ErrorKind::Internal => StatusCode::BAD_REQUEST,
            },
            Error::CsrRejected(_)
            | Error::RevocationInvalid(_)
            | Error::StoreInvalid { .. }
            | Error::BadRequest(_)
            | Error::AgreementRequired
            | Error::RenewalProductMismatch => StatusCode::BAD_REQUEST,
            Error::UploadNotPdf => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::FieldTooLong { .. } | Error::EmailInvalid | Error::LanguageUnknown => {
                StatusCode::BAD_REQUEST
            }
            Error::UploadRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::UploadQuotaExceeded { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::AuthRequired | Error::AuthFailed => StatusCode::UNAUTHORIZED,
            Error::AuthDisabled
            | Error::AuthForbidden
            | Error::CsrfMissing
            | Error::CsrfMismatch
            | Error::CsrfOrigin
            | Error::NotGranted
            | Error::TokenWrongAccount => StatusCode::FORBIDDEN,
            Error::StoreNotFound { .. } | Error::TokenUnknown | Error::RouteNotFound => {
                StatusCode::NOT_FOUND
            }
            Error::StoreConflict { .. }
            | Error::AlreadyIssued
            | Error::RequestClosed
            | Error::RequestNotCancellable
            | Error::TokenNotRenewable
            | Error::RenewalOpen
            | Error::NewKeyRequired => StatusCode::CONFLICT,
            Error::RejectFixInvalid => StatusCode::BAD_REQUEST,
            Error::AdminSelf | Error::AdminLast => StatusCode::CONFLICT,
            Error::AdminNotHolder | Error::PasswordTooShort { .. } => StatusCode::BAD_REQUEST,
            Error::ResetUnknown => StatusCode::NOT_FOUND,
            Error::ResetExpired | Error::ResetUsed => StatusCode::GONE,
            Error::TokenExpired | Error::TokenUsed => StatusCode::GONE,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::TooLarge | Error::UploadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::AuthThrottled => StatusCode::TOO_MANY_REQUESTS,
            Error::CaKeyLocked
            | Error::CaInvalid(_)
            | Error::CaExpired
            | Error::ProfileInvalid(_)
            | Error::CaTime(_)
            | Error::CaEncoding(_)
            | Error::CaKeySourceMismatch(_)
            | Error::CaToken(_)
            | Error::CaTokenPinIncorrect
            | Error::CaTokenPinLocked
            | Error::DataFolderExposed(_)
            | Error::StoreUnavailable { .. }
            | Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // The detail is for the operator of the server; the client gets the generic
            // message. Details hold database texts and contexts, never passwords or tokens.
            match &self {
                Error::StoreUnavailable { detail } | Error::Internal { detail } => {
                    eprintln!("kunci-ams: {} ({status}): {detail}", self.code());
                }
                other => eprintln!("kunci-ams: {} ({status}): {other}", other.code()),
            }
        }
        let body = serde_json::json!({
            "error": { "code": self.code(), "message": self.to_string() }
        });
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kunci_core_error_of_every_kind_is_answered_400() {
        let one_of_each_kind = [
            kunci_core::Error::CsrBadSignature,
            kunci_core::Error::Pkcs8WrongPassword,
            kunci_core::Error::UnsupportedKey(String::new()),
            kunci_core::Error::SigningFailed(String::new()),
        ];
        let kinds: Vec<_> = one_of_each_kind.iter().map(|e| e.kind()).collect();
        assert_eq!(
            kinds,
            [
                ErrorKind::BadInput,
                ErrorKind::WrongPassword,
                ErrorKind::Unsupported,
                ErrorKind::Internal
            ]
        );
        for core in one_of_each_kind {
            assert_eq!(Error::Core(core).status(), StatusCode::BAD_REQUEST);
        }
    }
}
