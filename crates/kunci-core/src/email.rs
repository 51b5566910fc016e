//! E-mail addresses as kunci accepts them, in one place for every caller: a CSR's subject
//! `emailAddress` and `subjectAltName`, and the portal's accounts.

use crate::{Error, Result};

/// Checks a plausible RFC 5321 addr-spec in ASCII: dot-atom local part (at most 64), `@`, a
/// domain of at least two LDH labels; at most 255 characters in all (RFC 5280's bound).
pub fn check(e: &str) -> Result<()> {
    let bad = || Error::InvalidEmail(e.to_owned());
    if e.is_empty() || e.len() > 255 || !e.is_ascii() {
        return Err(bad());
    }
    let (local, domain) = e.rsplit_once('@').ok_or_else(bad)?;
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if local.is_empty()
        || local.len() > 64
        || local
            .split('.')
            .any(|p| p.is_empty() || !p.chars().all(atext))
    {
        return Err(bad());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if domain.len() > 253
        || labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    {
        return Err(bad());
    }
    Ok(())
}
