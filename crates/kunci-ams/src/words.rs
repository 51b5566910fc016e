//! The portal's own words outside the pages: the language an account chose (`users.lang`,
//! `PUT /api/me/language`) and the notices the portal writes to a holder (inbox and e-mail),
//! each written in both languages and shown or mailed in one, the holder's.
//!
//! The pages have their words in `web/assets/js/i18n.js`; the statuses here keep the names
//! docs/PROCESS.md uses ("Success", "Rejected") in both languages, as the pages do.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The language of an account: Indonesian (the default) or English.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Bahasa Indonesia, `id`.
    #[default]
    Id,
    /// English, `en`.
    En,
}

impl Lang {
    /// The code stored and sent: `id` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = Error;

    /// Exactly `id` or `en` (what the page sends and the database keeps); anything else is
    /// [`Error::LanguageUnknown`].
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "id" => Ok(Lang::Id),
            "en" => Ok(Lang::En),
            _ => Err(Error::LanguageUnknown),
        }
    }
}

/// A notice's subject and body in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// Subject line.
    pub subject: String,
    /// Text.
    pub body: String,
}

/// A notice in both languages; the inbox shows, and the e-mail carries, the holder's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeText {
    /// In Indonesian.
    pub id: Text,
    /// In English.
    pub en: Text,
}

impl NoticeText {
    /// The same words in both languages (a text that is not translated, such as an
    /// operator's own note).
    pub fn same(subject: &str, body: &str) -> NoticeText {
        let text = Text {
            subject: subject.to_owned(),
            body: body.to_owned(),
        };
        NoticeText {
            id: text.clone(),
            en: text,
        }
    }

    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> &Text {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }

    /// A certificate issued on enrollment `request` of `product`.
    pub fn issued(request: i64, product: &str, serial_hex: &str) -> NoticeText {
        NoticeText {
            id: Text {
                subject: format!("Sertifikat elektronik terbit: nomor seri {serial_hex}"),
                body: format!(
                    "Permohonan #{request} ({product}) berstatus Success: sertifikat nomor seri \
                     {serial_hex} telah terbit. Unduh dari \"Sertifikat Anda\"."
                ),
            },
            en: Text {
                subject: format!("Certificate issued: serial {serial_hex}"),
                body: format!(
                    "Request #{request} ({product}) is Success: certificate {serial_hex} was \
                     issued. Download it from \"Sertifikat Anda\" (your certificates)."
                ),
            },
        }
    }

    /// Certificate `serial_hex` revoked on revocation `request`.
    pub fn revoked(request: i64, serial_hex: &str) -> NoticeText {
        NoticeText {
            id: Text {
                subject: format!("Sertifikat dicabut: nomor seri {serial_hex}"),
                body: format!(
                    "Permohonan pencabutan #{request} berstatus Success: sertifikat nomor seri \
                     {serial_hex} telah dicabut."
                ),
            },
            en: Text {
                subject: format!("Certificate revoked: serial {serial_hex}"),
                body: format!(
                    "Revocation request #{request} is Success: certificate {serial_hex} is \
                     revoked."
                ),
            },
        }
    }

    /// Request `request` rejected by an operator, with the operator's reason (in the
    /// operator's own words, in either language) and what the holder must fix, in each
    /// language (empty when the operator said nothing about it).
    pub fn rejected(request: i64, reason: &str, fix_id: &str, fix_en: &str) -> NoticeText {
        NoticeText {
            id: Text {
                subject: format!("Permohonan #{request} ditolak"),
                body: format!(
                    "Permohonan #{request} berstatus Rejected. Alasan penolakan: \
                     {reason}{fix_id}"
                ),
            },
            en: Text {
                subject: format!("Request #{request} rejected"),
                body: format!(
                    "Request #{request} is Rejected. Reason for rejection: {reason}{fix_en}"
                ),
            },
        }
    }

    /// Certificate `serial_hex` ends in `days` days.
    pub fn ending(serial_hex: &str, days: i64) -> NoticeText {
        NoticeText {
            id: Text {
                subject: format!("Sertifikat segera berakhir: nomor seri {serial_hex}"),
                body: format!(
                    "Sertifikat nomor seri {serial_hex} berakhir dalam {days} hari. Ajukan \
                     perpanjangan (Permohonan Baru, atau Perpanjang tanpa jeda bila data Anda \
                     tidak berubah)."
                ),
            },
            en: Text {
                subject: format!("Certificate ending soon: serial {serial_hex}"),
                body: format!(
                    "Certificate {serial_hex} ends in {days} days. Renew it (Permohonan Baru, \
                     or \"Perpanjang tanpa jeda\", renew without a gap, if your data did not \
                     change)."
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_id_and_en_are_languages() {
        assert_eq!("id".parse::<Lang>().unwrap(), Lang::Id);
        assert_eq!("en".parse::<Lang>().unwrap(), Lang::En);
        for bad in ["", "EN", "fr", "id-ID", "en "] {
            assert_eq!(bad.parse::<Lang>().unwrap_err().code(), "language.unknown");
        }
    }

    #[test]
    fn each_notice_is_in_one_language_only() {
        for n in [
            NoticeText::issued(7, "Individu", "0A1B"),
            NoticeText::revoked(8, "0A1B"),
            NoticeText::rejected(9, "dokumen tidak terbaca", "", ""),
            NoticeText::ending("0A1B", 12),
        ] {
            assert!(!n.id.subject.contains(" / ") && !n.en.subject.contains(" / "));
            assert_ne!(n.id.subject, n.en.subject);
            assert!(!n.id.body.contains("Request #") && !n.en.body.contains("Permohonan #"));
        }
    }
}
