//! The holder's own data turned into the entries zxcvbn searches as "user inputs": each value
//! whole and split into the pieces people put in passwords (the words of a name, an e-mail's
//! local part and domain, a NIK's region code and date of birth).

use super::UserInputs;

/// Entries shorter than this are dropped: two letters of a name are not a "use" of it.
const MIN_ENTRY_CHARS: usize = 3;

/// At most this many entries are passed on (holder data is a handful of short strings; the
/// cap only bounds what a caller's `other` list can cost).
const MAX_ENTRIES: usize = 64;

/// Domain labels that say nothing about the holder: top-level and Indonesian second-level
/// labels, and public mail providers.
const GENERIC_DOMAIN_LABELS: &[&str] = &[
    "ac",
    "biz",
    "co",
    "com",
    "desa",
    "edu",
    "go",
    "gov",
    "id",
    "info",
    "mil",
    "my",
    "net",
    "or",
    "org",
    "ponpes",
    "sch",
    "web",
    "aol",
    "gmail",
    "googlemail",
    "gmx",
    "hotmail",
    "icloud",
    "live",
    "mail",
    "me",
    "msn",
    "outlook",
    "proton",
    "protonmail",
    "rocketmail",
    "yahoo",
    "yandex",
    "ymail",
    "zoho",
];

/// Legal-form words of organisation names ("PT Maju Jaya Tbk") that say nothing about it.
const GENERIC_ORGANIZATION_WORDS: &[&str] = &[
    "co", "corp", "cv", "fa", "inc", "llc", "ltd", "perum", "persero", "pt", "tbk", "the", "ud",
];

/// The entries for `inputs`, lower-cased (as zxcvbn lower-cases them), unique, in a fixed
/// order (zxcvbn ranks them by position, all within the first few dozen), none longer than
/// `max_chars` (an entry longer than the judged password can never match it).
pub(super) fn entries(inputs: &UserInputs, max_chars: usize) -> Vec<String> {
    let mut out = Entries {
        list: Vec::new(),
        max_chars,
    };
    if let Some(name) = &inputs.name {
        out.value_and_words(name, &[]);
    }
    if let Some(email) = &inputs.email {
        out.email(email);
    }
    if let Some(nik) = &inputs.nik {
        out.nik(nik);
    }
    if let Some(organization) = &inputs.organization {
        out.value_and_words(organization, GENERIC_ORGANIZATION_WORDS);
    }
    for other in &inputs.other {
        out.value_and_words(other, &[]);
    }
    out.list.truncate(MAX_ENTRIES);
    out.list
}

struct Entries {
    list: Vec<String>,
    max_chars: usize,
}

impl Entries {
    fn push(&mut self, entry: &str) {
        let entry = entry.trim().to_lowercase();
        let chars = entry.chars().count();
        if chars >= MIN_ENTRY_CHARS && chars <= self.max_chars && !self.list.contains(&entry) {
            self.list.push(entry);
        }
    }

    /// The value as given (spaces collapsed), its words, and its words run together
    /// ("Budi Santoso" gives "budi santoso", "budi", "santoso", "budisantoso").
    fn value_and_words(&mut self, value: &str, skip: &[&str]) {
        let lower = value.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        self.push(&words.join(" "));
        let kept: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| !skip.contains(w))
            .collect();
        for w in &kept {
            self.push(w);
        }
        self.push(&kept.concat());
    }

    /// The address, its local part (whole, in words and run together) and the domain labels
    /// that are not generic ("budi.santoso@kemenkeu.go.id" gives "budi.santoso", "budi",
    /// "santoso", "budisantoso", "kemenkeu").
    fn email(&mut self, email: &str) {
        let email = email.trim().to_lowercase();
        self.push(&email);
        let (local, domain) = email.rsplit_once('@').unwrap_or((email.as_str(), ""));
        self.push(local);
        self.value_and_words(local, &[]);
        let labels: Vec<&str> = domain.split('.').collect();
        // The last label is the top-level domain.
        let inner = labels.len().saturating_sub(1);
        for label in &labels[..inner] {
            if !GENERIC_DOMAIN_LABELS.contains(label) {
                self.push(label);
            }
        }
    }

    /// A NIK (Nomor Induk Kependudukan): 16 digits, of which 1-6 are the region, 7-12 the date
    /// of birth as DDMMYY (DD + 40 for women) and 13-16 a serial number. The whole number,
    /// the region, the date as written and as the real day (DDMMYY, DDMMYYYY) and the year of
    /// birth. A value that is not 16 digits is taken whole.
    fn nik(&mut self, nik: &str) {
        let digits: String = nik
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-'))
            .collect();
        self.push(&digits);
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        // Slicing is safe: 16 ASCII digits, checked above.
        let (region, dd, mm, yy) = (&digits[..6], &digits[6..8], &digits[8..10], &digits[10..12]);
        self.push(region);
        self.push(&digits[6..12]);
        let day: u8 = dd.parse().unwrap_or(0);
        let day = if day > 40 { day - 40 } else { day };
        let ddmm = format!("{day:02}{mm}");
        self.push(&format!("{ddmm}{yy}"));
        // The NIK does not say the century; both are plausible for years below 30.
        let year: u8 = yy.parse().unwrap_or(0);
        let centuries: &[&str] = if year < 30 { &["19", "20"] } else { &["19"] };
        for century in centuries {
            self.push(&format!("{ddmm}{century}{yy}"));
            self.push(&format!("{century}{yy}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(inputs: UserInputs) -> Vec<String> {
        entries(&inputs, 32)
    }

    #[test]
    fn a_name_gives_its_words_and_their_run() {
        let e = of(UserInputs {
            name: Some("  Budi   Santoso ".into()),
            ..Default::default()
        });
        assert_eq!(e, ["budi santoso", "budi", "santoso", "budisantoso"]);
    }

    #[test]
    fn an_email_gives_local_part_and_specific_domain_labels() {
        let e = of(UserInputs {
            email: Some("Budi.Santoso@kemenkeu.go.id".into()),
            ..Default::default()
        });
        assert_eq!(
            e,
            [
                "budi.santoso@kemenkeu.go.id",
                "budi.santoso",
                "budi santoso",
                "budi",
                "santoso",
                "budisantoso",
                "kemenkeu"
            ]
        );
        let gmail = of(UserInputs {
            email: Some("siti@gmail.com".into()),
            ..Default::default()
        });
        assert_eq!(gmail, ["siti@gmail.com", "siti"]);
    }

    #[test]
    fn a_nik_gives_region_birth_date_and_year() {
        // A woman born on 12 March 1985: day 12 + 40 = 52.
        let e = of(UserInputs {
            nik: Some("3273 0152 0385 0001".into()),
            ..Default::default()
        });
        assert_eq!(
            e,
            [
                "3273015203850001",
                "327301",
                "520385",
                "120385",
                "12031985",
                "1985"
            ]
        );
        let young = of(UserInputs {
            nik: Some("3273010101050001".into()),
            ..Default::default()
        });
        assert!(young.contains(&"01012005".to_string()) && young.contains(&"1905".to_string()));
    }

    #[test]
    fn a_malformed_nik_is_taken_whole() {
        let e = of(UserInputs {
            nik: Some("12-34-56".into()),
            ..Default::default()
        });
        assert_eq!(e, ["123456"]);
    }

    #[test]
    fn organisation_legal_forms_are_skipped_and_long_or_short_entries_dropped() {
        let e = of(UserInputs {
            organization: Some("PT Maju Jaya Tbk".into()),
            other: vec!["x".repeat(40), "ab".into()],
            ..Default::default()
        });
        assert_eq!(e, ["pt maju jaya tbk", "maju", "jaya", "majujaya"]);
    }
}
