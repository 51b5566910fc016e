//! [`Origin`]: a web origin (`scheme://host[:port]`) parsed once, where it enters the host
//! (a request's `origin`, an entry of the config's `allowed_origins`), so that the allow-list
//! check compares two values known to be origins rather than two arbitrary strings.
//!
//! Normalising keeps what the host always did: surrounding white space and trailing `/` are
//! dropped (people write `https://a.example/`, browsers send `https://a.example`). Nothing else
//! is rewritten: no case folding and no default-port removal, because browsers already send the
//! serialised form (lower case, no default port) and the allow-list must match it exactly.

use std::fmt;

/// A web origin: a scheme, `://`, a host (a name, an IPv4 address or a bracketed IPv6
/// address) and an optional port; no user, path, query or fragment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

/// Why a text is not an origin (for logs; the wire error stays `origin.not_allowed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnOrigin(&'static str);

impl fmt::Display for NotAnOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for NotAnOrigin {}

impl Origin {
    /// Parses `text` (trimmed of white space and trailing `/`) as `scheme://host[:port]`.
    pub fn parse(text: &str) -> Result<Origin, NotAnOrigin> {
        let text = text.trim().trim_end_matches('/');
        let (scheme, rest) = text
            .split_once("://")
            .ok_or(NotAnOrigin("no `scheme://`"))?;
        let mut chars = scheme.chars();
        let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            return Err(NotAnOrigin("the scheme is not a URL scheme"));
        }
        // An IPv6 host is bracketed and holds colons; the port, if any, follows the bracket.
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (inside, after) = v6
                .split_once(']')
                .ok_or(NotAnOrigin("an IPv6 host without `]`"))?;
            if inside.is_empty()
                || !inside
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            {
                return Err(NotAnOrigin("the IPv6 host is not an address"));
            }
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or(NotAnOrigin("text after the host"))?,
                ),
            };
            (inside, port)
        } else {
            match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            }
        };
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'));
        if !host_ok {
            return Err(NotAnOrigin(
                "the host is missing, or a path, query, fragment or user follows it",
            ));
        }
        if let Some(port) = port {
            // Digits only: u16's parser alone would also take a leading `+`.
            let digits = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
            if !digits || port.parse::<u16>().is_err() {
                return Err(NotAnOrigin("the port is not a number from 0 to 65535"));
            }
        }
        Ok(Origin(text.to_owned()))
    }

    /// The origin as text, e.g. `https://ams.example.go.id`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Origin {
    type Err = NotAnOrigin;

    fn from_str(text: &str) -> Result<Origin, NotAnOrigin> {
        Origin::parse(text)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Origin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_with_white_space_and_trailing_slashes_dropped() {
        for (text, want) in [
            ("https://ams.example.go.id", "https://ams.example.go.id"),
            (" https://ams.example.go.id/ ", "https://ams.example.go.id"),
            ("https://ams.example.go.id//", "https://ams.example.go.id"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
            ("http://[::1]:8443", "http://[::1]:8443"),
            ("http://[::1]", "http://[::1]"),
            (
                "chrome-extension://abcdefghijklmnop/",
                "chrome-extension://abcdefghijklmnop",
            ),
        ] {
            assert_eq!(Origin::parse(text).unwrap().as_str(), want, "{text}");
        }
    }

    #[test]
    fn what_is_not_an_origin_is_refused_when_parsed() {
        for text in [
            "",
            "/",
            "null",
            "ams.example.go.id",
            "https://",
            "https:///x",
            "https://ams.example.go.id/permohonan",
            "https://ams.example.go.id?x=1",
            "https://ams.example.go.id#top",
            "https://budi@ams.example.go.id",
            "https://ams.example.go.id:",
            "https://ams.example.go.id:99999",
            "https://ams.example.go.id:80a",
            "https://[::1",
            "https://[]",
            "https://[::1]x",
            "1https://a.example",
            "https://a b.example",
        ] {
            assert!(Origin::parse(text).is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn no_case_folding_so_the_allow_list_matches_exactly_as_before() {
        assert_ne!(
            Origin::parse("https://AMS.example.go.id").unwrap(),
            Origin::parse("https://ams.example.go.id").unwrap()
        );
    }
}
