//! What the portal accepts in a CSR: [`CsrPolicy`] and [`CsrInfo::check`] (key kinds, the
//! registered subject, the CSR token compared in constant time). The key kinds and sizes any
//! CSR may use are in `keykind`; the e-mail address rules in [`crate::email`].

use core::fmt;

use super::subject::{Field, Subject};
use super::verify::CsrInfo;
use crate::key::KeyKind;
use crate::{Error, Result};

/// What the portal accepts in a CSR.
#[derive(Clone, Default)]
pub struct CsrPolicy {
    /// Key kinds accepted (e.g. RSA 2048 and P-256).
    pub allowed_keys: Vec<KeyKind>,
    /// The identity registered for the account; when set, the CSR's subject must equal it.
    pub expected_subject: Option<Subject>,
    /// The CSR token issued for this request; when set, the CSR must carry it.
    pub expected_token: Option<String>,
}

impl fmt::Debug for CsrPolicy {
    // The expected token is a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrPolicy")
            .field("allowed_keys", &self.allowed_keys)
            .field("expected_subject", &self.expected_subject)
            .field(
                "expected_token",
                &self.expected_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl CsrInfo {
    /// Applies `policy`: the key kind must be allowed ([`Error::CsrAlgorithmNotAllowed`]), the
    /// subject must equal the expected one field by field ([`Error::CsrSubjectMismatch`],
    /// naming the first field that differs; e-mail compared ignoring ASCII case, everything
    /// else exactly), and the CSR token must be present ([`Error::CsrTokenMissing`]) and equal
    /// ([`Error::CsrTokenMismatch`], compared in constant time).
    pub fn check(&self, policy: &CsrPolicy) -> Result<()> {
        if !policy.allowed_keys.contains(&self.key) {
            return Err(Error::CsrAlgorithmNotAllowed(format!(
                "a {} key is not accepted here",
                self.key
            )));
        }
        if let Some(expected) = &policy.expected_subject {
            let mut expected = expected.clone();
            // Registered identities go through the same normalisation as CSR subjects.
            expected.validate()?;
            for f in Field::ENCODE_ORDER {
                let (a, b) = (self.subject.get(f), expected.get(f));
                let same = match (a, b) {
                    (Some(a), Some(b)) if f == Field::Email => a.eq_ignore_ascii_case(b),
                    _ => a == b,
                };
                if !same {
                    let what = match (a, b) {
                        (None, Some(_)) => "is missing",
                        (Some(_), None) => "is not in the registered identity",
                        _ => "differs from the registered identity",
                    };
                    return Err(Error::CsrSubjectMismatch(format!("`{}` {what}", f.label())));
                }
            }
        }
        if let Some(expected) = &policy.expected_token {
            let got = self
                .challenge_password
                .as_deref()
                .ok_or(Error::CsrTokenMissing)?;
            if !constant_time_eq(got.as_bytes(), expected.as_bytes()) {
                return Err(Error::CsrTokenMismatch);
            }
        }
        Ok(())
    }
}

/// Compares two byte strings in time that depends only on their lengths, so that a wrong
/// CSR token reveals nothing about how much of it was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u64;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= u64::from(x ^ y);
    }
    // Keeps the compiler from turning the loop into an early exit.
    core::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }
}
