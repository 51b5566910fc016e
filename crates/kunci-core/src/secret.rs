//! Secrets as types: a password and a CSR token are values with rules, and values nobody may
//! print by accident.
//!
//! Each newtype zeroizes its text on drop and shows only its kind in `Debug` (`Password(***)`),
//! so a `{:?}` of a struct that holds one, a log line or a panic message never carries the
//! value. The text is read only through `expose`, whose name makes every use easy to find.

use core::fmt;

use zeroize::Zeroizing;

/// A password that protects a key (PKCS#8, PKCS#12) or an account.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

/// The one-time CSR token (docs/PROCESS.md step 10) that a holder pastes into the key step and the
/// CSR carries as its challengePassword.
#[derive(Clone, PartialEq, Eq)]
pub struct CsrToken(Zeroizing<String>);

macro_rules! secret_text {
    ($name:ident) => {
        impl $name {
            /// Wraps the text; it is zeroized when the value is dropped.
            pub fn new(text: impl Into<String>) -> Self {
                Self(Zeroizing::new(text.into()))
            }

            /// The secret text itself. Every call is a place where the secret leaves its type.
            pub fn expose(&self) -> &str {
                self.0.as_str()
            }

            /// Whether the text is empty.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::new(text)
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                Self::new(text)
            }
        }
    };
}

secret_text!(Password);
secret_text!(CsrToken);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let password = Password::new("Rahasia-Sekali-2026");
        let token = CsrToken::from("tok-123456");
        let shown = format!("{password:?} {token:?} {:?}", Some(&password));
        assert_eq!(shown, "Password(***) CsrToken(***) Some(Password(***))");
        assert_eq!(password.expose(), "Rahasia-Sekali-2026");
        assert_eq!(token.expose(), "tok-123456");
    }
}
