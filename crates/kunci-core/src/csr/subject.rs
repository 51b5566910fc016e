//! The holder's distinguished name: [`Subject`], its rules (RFC 5280 bounds, string types),
//! its encoding as an X.509 `Name`, and its RFC 4514 text (parsing and printing).

use core::fmt;
use core::str::FromStr;

use der::asn1::{Any, ObjectIdentifier};
use der::{Decode, Encode, Tag};
use serde::{Deserialize, Serialize};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::x509text::{any_to_string, escape_value};
use crate::{Error, Result};

const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_SERIAL: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const OID_L: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
const OID_ST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.8");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const OID_EMAIL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// A holder's distinguished name as the fields kunci writes into CSRs.
///
/// Made with [`Subject::from_str`] (RFC 4514 text) or by filling the fields and calling
/// [`Subject::validate`]; every way into a CSR checks the rules once: CN present, C two letters
/// (upper-cased), e-mail a plausible ASCII address, serialNumber in PrintableString characters,
/// the RFC 5280 upper bounds, no control characters, no leading or trailing spaces.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Subject {
    /// commonName (CN), required; at most 64 characters.
    pub common_name: String,
    /// emailAddress (PKCS#9), IA5String; at most 255 characters.
    pub email: Option<String>,
    /// organizationName (O); at most 64 characters.
    pub organization: Option<String>,
    /// organizationalUnitName (OU); at most 64 characters.
    pub organizational_unit: Option<String>,
    /// localityName (L); at most 128 characters.
    pub locality: Option<String>,
    /// stateOrProvinceName (ST); at most 128 characters.
    pub state: Option<String>,
    /// countryName (C): two ASCII letters (ISO 3166), stored upper-case.
    pub country: Option<String>,
    /// serialNumber (e.g. the holder's NIK), PrintableString; at most 64 characters.
    pub serial_number: Option<String>,
}

/// One attribute kunci knows in a subject: how it is named, encoded and bounded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Cn,
    Email,
    O,
    Ou,
    L,
    St,
    C,
    Serial,
}

impl Field {
    /// Encoding order in the Name, most general first (the usual X.509 order).
    pub(super) const ENCODE_ORDER: [Field; 8] = [
        Field::C,
        Field::St,
        Field::L,
        Field::O,
        Field::Ou,
        Field::Cn,
        Field::Serial,
        Field::Email,
    ];

    /// The label in RFC 4514 text, as OpenSSL's `-nameopt RFC2253` prints it.
    pub(super) fn label(self) -> &'static str {
        match self {
            Field::Cn => "CN",
            Field::Email => "emailAddress",
            Field::O => "O",
            Field::Ou => "OU",
            Field::L => "L",
            Field::St => "ST",
            Field::C => "C",
            Field::Serial => "serialNumber",
        }
    }

    fn oid(self) -> ObjectIdentifier {
        match self {
            Field::Cn => OID_CN,
            Field::Email => OID_EMAIL,
            Field::O => OID_O,
            Field::Ou => OID_OU,
            Field::L => OID_L,
            Field::St => OID_ST,
            Field::C => OID_C,
            Field::Serial => OID_SERIAL,
        }
    }

    fn from_oid(oid: &ObjectIdentifier) -> Option<Field> {
        Field::ENCODE_ORDER.into_iter().find(|f| f.oid() == *oid)
    }

    /// Attribute names accepted in text, compared case-insensitively. `SN` is deliberately
    /// absent: OpenSSL reads it as surname, not serialNumber.
    fn from_label(name: &str) -> Option<Field> {
        let n = name.to_ascii_lowercase();
        Some(match n.as_str() {
            "cn" | "commonname" | "2.5.4.3" => Field::Cn,
            "e" | "email" | "emailaddress" | "1.2.840.113549.1.9.1" => Field::Email,
            "o" | "organizationname" | "2.5.4.10" => Field::O,
            "ou" | "organizationalunitname" | "2.5.4.11" => Field::Ou,
            "l" | "localityname" | "2.5.4.7" => Field::L,
            "st" | "s" | "stateorprovincename" | "2.5.4.8" => Field::St,
            "c" | "countryname" | "2.5.4.6" => Field::C,
            "serialnumber" | "2.5.4.5" => Field::Serial,
            _ => return None,
        })
    }

    /// RFC 5280 Appendix A upper bounds, in characters.
    fn max_chars(self) -> usize {
        match self {
            Field::Cn | Field::O | Field::Ou | Field::Serial => 64,
            Field::L | Field::St => 128,
            Field::Email => 255,
            Field::C => 2,
        }
    }

    /// The string type the standards require for new certificates.
    fn tag(self) -> Tag {
        match self {
            Field::C | Field::Serial => Tag::PrintableString,
            Field::Email => Tag::Ia5String,
            _ => Tag::Utf8String,
        }
    }
}

impl Subject {
    /// Checks every rule (see the type's docs) and upper-cases the country code.
    pub fn validate(&mut self) -> Result<()> {
        if self.common_name.is_empty() {
            return Err(Error::InvalidSubject(
                "the common name (CN) is required".into(),
            ));
        }
        if let Some(c) = &mut self.country {
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(Error::InvalidSubject(
                    "the country (C) must be a two-letter ISO 3166 code such as ID".into(),
                ));
            }
            c.make_ascii_uppercase();
        }
        for f in Field::ENCODE_ORDER {
            let Some(v) = self.get(f) else { continue };
            let label = f.label();
            if v.is_empty() {
                return Err(Error::InvalidSubject(format!(
                    "`{label}` is empty: leave it out or fill it in"
                )));
            }
            if v.chars().any(char::is_control) {
                return Err(Error::InvalidSubject(format!(
                    "`{label}` contains a control character"
                )));
            }
            if v.starts_with(char::is_whitespace) || v.ends_with(char::is_whitespace) {
                return Err(Error::InvalidSubject(format!(
                    "`{label}` starts or ends with a space"
                )));
            }
            let n = v.chars().count();
            if n > f.max_chars() {
                return Err(Error::InvalidSubject(format!(
                    "`{label}` is {n} characters long; at most {} are allowed",
                    f.max_chars()
                )));
            }
        }
        if let Some(e) = &self.email {
            crate::email::check(e)?;
        }
        if let Some(s) = &self.serial_number
            && !s.chars().all(is_printable_char)
        {
            return Err(Error::InvalidSubject(
                "`serialNumber` may hold only letters, digits, spaces and '()+,-./:=?".into(),
            ));
        }
        Ok(())
    }

    /// The subject as an X.509 `Name`: one attribute per RDN in the order C, ST, L, O, OU, CN,
    /// serialNumber, emailAddress; C and serialNumber as PrintableString, emailAddress as
    /// IA5String, the rest as UTF8String (RFC 5280 section 4.1.2.4).
    pub fn to_name(&self) -> Result<Name> {
        let mut s = self.clone();
        s.validate()?;
        let bad = |e: der::Error| Error::InvalidSubject(format!("cannot encode the name: {e}"));
        let mut rdns = Vec::new();
        for f in Field::ENCODE_ORDER {
            let Some(v) = s.get(f) else { continue };
            let atv = AttributeTypeAndValue {
                oid: f.oid(),
                value: Any::new(f.tag(), v.as_bytes()).map_err(bad)?,
            };
            rdns.push(RelativeDistinguishedName::try_from(vec![atv]).map_err(bad)?);
        }
        // `Name`'s inner sequence is private outside the `hazmat` feature; the DER of an
        // RDNSequence is the DER of a Name, so go through the encoding.
        let der = RdnSequence::from(rdns).to_der().map_err(bad)?;
        Name::from_der(&der).map_err(bad)
    }

    /// Reads a subject back from an X.509 `Name`. Attributes other than the eight kunci writes,
    /// multi-valued RDNs, repeated attributes and values that break the rules are errors.
    pub fn from_name(name: &Name) -> Result<Subject> {
        let mut s = Subject::default();
        for rdn in name.iter_rdn() {
            if rdn.len() != 1 {
                return Err(Error::InvalidSubject(
                    "a multi-valued RDN (attributes joined with `+`) is not supported".into(),
                ));
            }
            for atv in rdn.iter() {
                let f = Field::from_oid(&atv.oid).ok_or_else(|| {
                    Error::InvalidSubject(format!(
                        "unsupported attribute {} in the subject",
                        atv.oid
                    ))
                })?;
                let v = any_to_string(&atv.value).ok_or_else(|| {
                    Error::InvalidSubject(format!("`{}` is not a readable string", f.label()))
                })?;
                if f == Field::Cn && v.is_empty() {
                    return Err(Error::InvalidSubject(
                        "the common name (CN) is empty".into(),
                    ));
                }
                if !s.set(f, v) {
                    return Err(Error::InvalidSubject(format!(
                        "`{}` appears twice",
                        f.label()
                    )));
                }
            }
        }
        s.validate()?;
        Ok(s)
    }
}

// Field access by kind, for the parsers and the policy check.
impl Subject {
    pub(super) fn get(&self, f: Field) -> Option<&str> {
        match f {
            Field::Cn => Some(self.common_name.as_str()),
            Field::Email => self.email.as_deref(),
            Field::O => self.organization.as_deref(),
            Field::Ou => self.organizational_unit.as_deref(),
            Field::L => self.locality.as_deref(),
            Field::St => self.state.as_deref(),
            Field::C => self.country.as_deref(),
            Field::Serial => self.serial_number.as_deref(),
        }
    }

    fn slot(&mut self, f: Field) -> Option<&mut Option<String>> {
        Some(match f {
            Field::Cn => return None,
            Field::Email => &mut self.email,
            Field::O => &mut self.organization,
            Field::Ou => &mut self.organizational_unit,
            Field::L => &mut self.locality,
            Field::St => &mut self.state,
            Field::C => &mut self.country,
            Field::Serial => &mut self.serial_number,
        })
    }

    /// Sets field `f`; false when it was already set (a duplicate attribute). Callers refuse
    /// an empty CN first, so an empty `common_name` means "not set yet".
    fn set(&mut self, f: Field, value: String) -> bool {
        if f == Field::Cn {
            if !self.common_name.is_empty() {
                return false;
            }
            self.common_name = value;
            return true;
        }
        match self.slot(f) {
            Some(slot) if slot.is_none() => *slot = Some(value),
            _ => return false,
        }
        true
    }
}

impl FromStr for Subject {
    type Err = Error;

    /// Parses RFC 4514 text such as `CN=Budi Santoso,O=Dinas Kominfo,C=ID` in any attribute
    /// order. Backslash escapes (`\,` `\+` `\"` `\\` `\<` `\>` `\;` `\=` `\#` `\ ` and `\XX`
    /// hex pairs) are honoured; spaces around names and values are ignored.
    fn from_str(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(Error::InvalidSubject(
                "the subject is empty: give at least CN=...".into(),
            ));
        }
        let mut s = Subject::default();
        for (name, value) in parse_rfc4514(text)? {
            let f = Field::from_label(&name).ok_or_else(|| {
                Error::InvalidSubject(format!(
                    "unknown attribute `{name}`: use CN, O, OU, L, ST, C, emailAddress or serialNumber"
                ))
            })?;
            if f == Field::Cn && value.is_empty() {
                return Err(Error::InvalidSubject(
                    "the common name (CN) is empty".into(),
                ));
            }
            if !s.set(f, value) {
                return Err(Error::InvalidSubject(format!(
                    "`{}` is given twice",
                    f.label()
                )));
            }
        }
        s.validate()?;
        Ok(s)
    }
}

impl fmt::Display for Subject {
    /// RFC 4514 text, most specific attribute first (the reverse of the encoding order), as
    /// OpenSSL prints with `-nameopt RFC2253,-esc_msb`; [`Subject::from_str`] reads it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for field in Field::ENCODE_ORDER.into_iter().rev() {
            let Some(v) = self.get(field) else { continue };
            if !first {
                f.write_str(",")?;
            }
            first = false;
            let mut out = String::new();
            escape_value(v, &mut out);
            write!(f, "{}={out}", field.label())?;
        }
        Ok(())
    }
}

/// PrintableString's alphabet (X.680 41.4).
pub(super) fn is_printable_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
}

/// Splits RFC 4514 text into `(attribute name, unescaped value)` pairs in text order.
fn parse_rfc4514(text: &str) -> Result<Vec<(String, String)>> {
    let bad = |m: &str| Error::InvalidSubject(m.to_owned());
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut name = String::new();
        loop {
            match chars.next() {
                Some('=') => break,
                Some(c @ (',' | '+' | '\\')) => {
                    return Err(Error::InvalidSubject(format!(
                        "unexpected `{c}` in an attribute name"
                    )));
                }
                Some(c) => name.push(c),
                None => {
                    return Err(Error::InvalidSubject(format!(
                        "`{}` has no `=value`",
                        name.trim()
                    )));
                }
            }
        }
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(bad("an attribute name is missing before `=`"));
        }
        // Value bytes (hex escapes may build UTF-8 sequences byte by byte) and the length to
        // keep, which drops trailing unescaped spaces.
        let mut value: Vec<u8> = Vec::new();
        let mut keep = 0;
        let mut more = false;
        while let Some(c) = chars.next() {
            match c {
                ',' => {
                    more = true;
                    break;
                }
                '+' => {
                    return Err(bad(
                        "multi-valued RDNs (`+`) are not supported: escape it as `\\+`",
                    ));
                }
                '#' if value.is_empty() => {
                    return Err(bad(
                        "hex-encoded values (`=#...`) are not supported: escape `#` as `\\#`",
                    ));
                }
                ' ' if value.is_empty() => {}
                '\\' => {
                    match chars.next() {
                        Some(e @ (',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' | '#' | ' ')) => {
                            value.push(e as u8);
                        }
                        Some(h) if h.is_ascii_hexdigit() => {
                            let l = chars
                                .next()
                                .filter(char::is_ascii_hexdigit)
                                .ok_or_else(|| bad("a `\\` hex escape needs two hex digits"))?;
                            // Both are ASCII hex digits, so the parse cannot fail.
                            let byte = u8::from_str_radix(&format!("{h}{l}"), 16).unwrap_or(0);
                            value.push(byte);
                        }
                        _ => {
                            return Err(bad(
                                "bad `\\` escape: escape only , + \" \\ < > ; = # space or hex pairs",
                            ));
                        }
                    }
                    keep = value.len();
                }
                c => {
                    let mut buf = [0u8; 4];
                    value.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    if c != ' ' {
                        keep = value.len();
                    }
                }
            }
        }
        value.truncate(keep);
        let value =
            String::from_utf8(value).map_err(|_| bad("a hex escape does not make valid UTF-8"))?;
        out.push((name, value));
        if !more {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Tagged;

    use crate::csr::fixtures::BUDI;
    use crate::x509text::format_name;

    #[test]
    fn subject_text_is_parsed_normalised_and_printed_in_rfc4514_order() {
        let s: Subject = BUDI.parse().unwrap();
        assert_eq!(s.common_name, "Budi Santoso");
        assert_eq!(s.country.as_deref(), Some("ID"));
        assert_eq!(s.email.as_deref(), Some("budi@example.go.id"));
        assert_eq!(s.serial_number.as_deref(), Some("3273010101010001"));
        assert_eq!(
            s.to_string(),
            "emailAddress=budi@example.go.id,serialNumber=3273010101010001,CN=Budi Santoso,\
             OU=TI,O=Dinas Kominfo,L=Bandung,ST=Jawa Barat,C=ID"
        );
        assert_eq!(s.to_string().parse::<Subject>().unwrap(), s);
        // Display and the generic name formatter agree.
        assert_eq!(format_name(&s.to_name().unwrap()), s.to_string());
    }

    #[test]
    fn names_are_case_insensitive_and_aliases_work() {
        let s: Subject = " cn = A , E=a@b.co,SERIALNUMBER=12,stateOrProvinceName=X, 2.5.4.10=Org "
            .parse()
            .unwrap();
        assert_eq!(s.common_name, "A");
        assert_eq!(s.email.as_deref(), Some("a@b.co"));
        assert_eq!(s.serial_number.as_deref(), Some("12"));
        assert_eq!(s.state.as_deref(), Some("X"));
        assert_eq!(s.organization.as_deref(), Some("Org"));
        let e: Subject = "CN=A,emailaddress=a@b.co".parse().unwrap();
        assert_eq!(e.email.as_deref(), Some("a@b.co"));
    }

    #[test]
    fn escapes_round_trip() {
        let s: Subject = r#"CN=Sinta\, S.Kom \+ \"Ibu\" \\ \<a\> \; x\=y,O=\#1"#
            .parse()
            .unwrap();
        assert_eq!(s.common_name, r#"Sinta, S.Kom + "Ibu" \ <a> ; x=y"#);
        assert_eq!(s.organization.as_deref(), Some("#1"));
        let s2: Subject = s.to_string().parse().unwrap();
        assert_eq!(s, s2);
        let hex: Subject = "CN=Andr\\C3\\A9".parse().unwrap();
        // A value may not start or end with a space, escaped or not: "Budi " is not "Budi".
        assert_eq!(
            "CN=Budi\\ ".parse::<Subject>().unwrap_err().code(),
            "subject.invalid"
        );
        assert_eq!(hex.common_name, "André");
    }

    #[test]
    fn bad_subjects_are_refused_with_their_codes() {
        let cases = [
            ("", "subject.invalid"),
            ("O=x", "subject.invalid"),
            ("CN=", "subject.invalid"),
            ("CN=a,CN=b", "subject.invalid"),
            ("CN=a,C=IDN", "subject.invalid"),
            ("CN=a,C=1D", "subject.invalid"),
            ("CN=a,X=1", "subject.invalid"),
            ("CN=a+O=b", "subject.invalid"),
            ("CN=a,", "subject.invalid"),
            ("CN=#0101", "subject.invalid"),
            ("CN=a\\q", "subject.invalid"),
            ("CN=a\u{7}b", "subject.invalid"),
            ("CN=a,serialNumber=12_3", "subject.invalid"),
            ("CN=a,E=budi", "subject.invalid_email"),
            ("CN=a,E=budi@localhost", "subject.invalid_email"),
            ("CN=a,E=bü@x.id", "subject.invalid_email"),
            ("CN=a,E=a..b@x.id", "subject.invalid_email"),
            ("CN=a,E=a@-x.id", "subject.invalid_email"),
        ];
        for (text, code) in cases {
            let err = text.parse::<Subject>().unwrap_err();
            assert_eq!(err.code(), code, "{text:?}: {err}");
        }
        let long = format!("CN={}", "x".repeat(65));
        assert_eq!(
            long.parse::<Subject>().unwrap_err().code(),
            "subject.invalid"
        );
        let ok = format!("CN={}", "é".repeat(64));
        assert!(
            ok.parse::<Subject>().is_ok(),
            "the bound counts characters, not bytes"
        );
        let long_l = format!("CN=a,L={}", "x".repeat(129));
        assert_eq!(
            long_l.parse::<Subject>().unwrap_err().code(),
            "subject.invalid"
        );
    }

    #[test]
    fn to_name_uses_the_required_string_types_in_order() {
        let s: Subject = BUDI.parse().unwrap();
        let name = s.to_name().unwrap();
        let got: Vec<(String, Tag)> = name
            .iter()
            .map(|a| (a.oid.to_string(), a.value.tag()))
            .collect();
        let want = [
            ("2.5.4.6", Tag::PrintableString),
            ("2.5.4.8", Tag::Utf8String),
            ("2.5.4.7", Tag::Utf8String),
            ("2.5.4.10", Tag::Utf8String),
            ("2.5.4.11", Tag::Utf8String),
            ("2.5.4.3", Tag::Utf8String),
            ("2.5.4.5", Tag::PrintableString),
            ("1.2.840.113549.1.9.1", Tag::Ia5String),
        ];
        assert_eq!(got, want.map(|(o, t)| (o.to_owned(), t)));
        assert_eq!(name.iter_rdn().count(), 8, "one attribute per RDN");
        assert_eq!(Subject::from_name(&name).unwrap(), s);
    }

    #[test]
    fn from_name_refuses_unknown_and_multi_valued_attributes() {
        let name: Name = "CN=a,DC=example".parse().unwrap();
        let err = Subject::from_name(&name).unwrap_err();
        assert_eq!(err.code(), "subject.invalid");
        assert!(
            err.to_string().contains("0.9.2342.19200300.100.1.25"),
            "{err}"
        );
        let multi: Name = "CN=a+O=b".parse().unwrap();
        assert!(
            Subject::from_name(&multi)
                .unwrap_err()
                .to_string()
                .contains("multi-valued")
        );
        let twice: Name = "CN=a,CN=b".parse().unwrap();
        assert_eq!(
            Subject::from_name(&twice).unwrap_err().code(),
            "subject.invalid"
        );
    }
}
