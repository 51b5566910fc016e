//! Password strength (docs/PROCESS.md step 17): how many guesses a password would take, judged by
//! zxcvbn with the holder's own data, an Indonesian word list and the names and abbreviations
//! of Indonesian government bodies (the `organizations` submodule: "Kominfo", "Pemkab", …)
//! added to its dictionaries, and whether that is enough. Years need no list: zxcvbn prices a
//! year by its distance from the current one.
//!
//! The rule has a meaning: `percent = 5 × log10(guesses)`, rounded up and capped at 100, so
//! 50 % is 10^10 guesses and a password is accepted only when its percentage is over
//! [`ACCEPT_ABOVE_PERCENT`], i.e. when it takes more than 10^10 guesses: exactly when zxcvbn
//! gives its top score, 4 (see [`percent_for_guesses`] for zxcvbn's margin of 5 guesses).
//! Feedback comes in Indonesian and English ([`Feedback`]).
//!
//! How the dictionaries are added, within zxcvbn 3's public API: zxcvbn takes extra words
//! only as `user_inputs`, ranked by their position (rank = number of guesses). kunci passes
//! the holder's entries first (ranks 1, 2, …: the first things a targeted attacker tries),
//! then the Indonesian roots and organisation names that occur in the password (found by the
//! `words` submodule's search), each placed at its rank (see `data/README.md` for how ranks
//! are chosen) with empty strings as padding: an empty entry can never match. Which entries matched is then known from
//! their positions.
//!
//! Only the first [`JUDGED_CHARS`] characters are judged. zxcvbn's matching is quadratic in
//! the length and multiplies by the l33t substitutions it tries: at 64 characters a random
//! printable password took 8.6 ms (median) and 27 ms (95th percentile) natively here, and one
//! full of l33t characters 92 ms, far over the budget of a check run on every keystroke in the
//! browser; at 32 characters the 95th percentile is about 4 ms. Judging a prefix can only err
//! towards refusing: characters after it are never counted in the password's favour.

mod feedback;
mod holder;
mod organizations;
mod words;

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};
pub use feedback::{Feedback, catalogue as feedback_catalogue};
use words::{Readings, WordList};

/// A password is accepted only when its strength is over this percentage (10^10 guesses).
pub const ACCEPT_ABOVE_PERCENT: u8 = 50;

/// The longest password accepted, in characters; longer is [`Error::PasswordTooLong`]. Room
/// for any passphrase or password-manager output, and a bound on what a caller can send.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// How many characters, from the start, are judged (see the module docs for why). The
/// feedback texts say "32": keep them in step.
pub const JUDGED_CHARS: usize = 32;
const _: () = assert!(
    JUDGED_CHARS == 32,
    "update HINT_STRENGTHEN_START and explain()"
);

/// Indonesian words this long or longer set [`Strength::uses_indonesian_word`]; shorter
/// roots are as often chance (they still count in the estimate).
const MIN_FLAGGED_WORD_LETTERS: usize = 4;

/// The language of a text: Indonesian (the default) or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Bahasa Indonesia (`id`).
    #[default]
    Id,
    /// English (`en`).
    En,
}

impl Lang {
    /// The language's code: `id` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

impl FromStr for Lang {
    type Err = Error;

    /// Reads `id` or `en` in any case, also with a region (`id-ID`, `en_US`); `in` is the old
    /// code for Indonesian.
    fn from_str(s: &str) -> Result<Self> {
        let primary = s
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "id" | "in" => Ok(Lang::Id),
            "en" => Ok(Lang::En),
            _ => Err(Error::UnknownLanguage(s.chars().take(16).collect())),
        }
    }
}

/// What is known about the holder, for the check to recognise in a password. Every field is
/// optional; the portal and the command line fill in what they have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserInputs {
    /// Full name ("Budi Santoso"); its words count too.
    pub name: Option<String>,
    /// E-mail address; its local part and specific domain labels count too.
    pub email: Option<String>,
    /// Organisation ("PT Maju Jaya Tbk"); its words count too.
    pub organization: Option<String>,
    /// NIK, the 16-digit national identity number; its region code and date of birth count
    /// too.
    pub nik: Option<String>,
    /// Anything else to refuse in a password (a username, a city, …).
    pub other: Vec<String>,
}

/// The verdict on a password.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strength {
    /// `5 × log10(guesses)`, rounded up, from 0 to 100.
    pub percent: u8,
    /// Whether `percent` is over [`ACCEPT_ABOVE_PERCENT`].
    pub accepted: bool,
    /// log10 of the estimated guesses (0 for an empty password).
    pub guesses_log10: f64,
    /// zxcvbn's score, 0 to 4 (4 from 10^10 guesses).
    pub score: u8,
    /// What is most wrong, when the password is refused.
    pub warning: Option<Feedback>,
    /// How to do better, when the password is refused (may be empty).
    pub suggestions: Vec<Feedback>,
    /// The password contains the holder's own data (name, e-mail, organisation, NIK or
    /// their parts), as is, reversed or in l33t.
    pub uses_personal_data: bool,
    /// The estimate rests on a word of four letters or more from the Indonesian list (as is,
    /// with a clitic such as -ku, reversed or in l33t): zxcvbn found no cheaper reading.
    pub uses_indonesian_word: bool,
    /// The estimate rests on the name or usual abbreviation of an Indonesian government body
    /// ("Kominfo", "Diskominfo", "Pemkab", "BSSN", a province: see the `organizations`
    /// submodule), as is, reversed or in l33t.
    pub uses_organization_name: bool,
    /// Seconds to find the password at 10^4 guesses a second (zxcvbn's "offline attack on a
    /// slow hash" figure).
    pub crack_time_offline_seconds: f64,
    /// Characters judged: all of them, or the first [`JUDGED_CHARS`].
    pub judged_chars: usize,
    /// Whether the whole password was judged (false when it is longer than
    /// [`JUDGED_CHARS`]).
    pub judged_all: bool,
}

/// Judges `password` for a holder described by `inputs`.
///
/// An empty password is not an error: it gets 0 %, not accepted, with a warning (a page calls
/// this on every keystroke). A password of more than [`MAX_PASSWORD_CHARS`] characters is
/// [`Error::PasswordTooLong`].
pub fn check(password: &str, inputs: &UserInputs) -> Result<Strength> {
    let chars = password.chars().count();
    if chars > MAX_PASSWORD_CHARS {
        return Err(Error::PasswordTooLong {
            max: MAX_PASSWORD_CHARS,
        });
    }
    let judged_end = password
        .char_indices()
        .nth(JUDGED_CHARS)
        .map_or(password.len(), |(i, _)| i);
    let judged = &password[..judged_end];
    let judged_chars = chars.min(JUDGED_CHARS);

    let holder = holder::entries(inputs, JUDGED_CHARS);
    let readings = Readings::new(judged);
    let uses_personal_data = !WordList::new(holder.iter().map(String::as_str).collect())
        .find(&readings)
        .is_empty();

    let mut found = words::indonesian().find(&readings);
    found.extend(
        organizations_list()
            .find(&readings)
            .into_iter()
            .map(|i| (organizations::RANK, organizations_list().word(i).into())),
    );
    // A word that is also the holder's keeps the holder's (lower) rank, and a word on both
    // lists the lower of its two: zxcvbn keeps the last position of a repeated entry, so it
    // must not appear twice.
    found.retain(|(_, word)| !holder.iter().any(|h| h == word));
    found.sort_unstable();
    let mut seen = std::collections::HashSet::new();
    found.retain(|(_, word)| seen.insert(word.clone()));

    // Holder entries at positions 1..=h, then each Indonesian word at position h + rank
    // (or the next free one when words share a rank: off by at most the few words found).
    let mut user_inputs: Vec<&str> = holder.iter().map(String::as_str).collect();
    let holder_entries = user_inputs.len();
    for (rank, word) in &found {
        let position = (holder_entries + rank).max(user_inputs.len() + 1);
        user_inputs.resize(position - 1, "");
        user_inputs.push(word);
    }
    let entropy = zxcvbn::zxcvbn(judged, &user_inputs);
    let uses_organization_name = relies_on(entropy.sequence(), &|word| {
        organizations_list().contains(word) && !holder.iter().any(|h| h == word)
    });
    let uses_indonesian_word = relies_on(entropy.sequence(), &|word| {
        word.chars().count() >= MIN_FLAGGED_WORD_LETTERS
            && !organizations_list().contains(word)
            && !holder.iter().any(|h| h == word)
    });

    let guesses = entropy.guesses() as f64;
    let percent = percent_for_guesses(guesses);
    let accepted = percent > ACCEPT_ABOVE_PERCENT;
    let (warning, suggestions) = feedback::choose(&feedback::Facts {
        accepted,
        chars,
        judged_chars,
        personal: uses_personal_data,
        indonesian: uses_indonesian_word,
        organization: uses_organization_name,
        entropy: &entropy,
    });
    let crack_time_offline_seconds =
        match entropy.crack_times().offline_slow_hashing_1e4_per_second() {
            zxcvbn::time_estimates::CrackTimeSeconds::Integer(s) => s as f64,
            zxcvbn::time_estimates::CrackTimeSeconds::Float(s) => s,
        };
    Ok(Strength {
        percent,
        accepted,
        guesses_log10: exact_log10(guesses).max(0.0),
        score: u8::from(entropy.score()),
        warning,
        suggestions,
        uses_personal_data,
        uses_indonesian_word,
        uses_organization_name,
        crack_time_offline_seconds,
        judged_chars,
        judged_all: chars <= JUDGED_CHARS,
    })
}

/// [`check`], then [`Error::PasswordTooWeak`] unless the password is accepted
/// ([`Error::EmptyPassword`] for an empty one). For the places that set a password.
pub fn require_acceptable(password: &str, inputs: &UserInputs) -> Result<Strength> {
    if password.is_empty() {
        return Err(Error::EmptyPassword);
    }
    let strength = check(password, inputs)?;
    if strength.accepted {
        Ok(strength)
    } else {
        Err(Error::PasswordTooWeak {
            percent: strength.percent,
        })
    }
}

/// The strength percentage for a number of guesses: `5 × log10(guesses)`, rounded up, from 0
/// to 100. Rounding up makes "over 50 %" and "more than 10^10 guesses" the same test, with
/// zxcvbn's own margin: 10^10 up to 10^10 + 4 guesses are 50 % (see `exact_log10`), so over
/// 50 % is exactly zxcvbn's score 4.
pub fn percent_for_guesses(guesses: f64) -> u8 {
    let raw = (5.0 * exact_log10(guesses)).ceil();
    if raw.is_nan() || raw <= 0.0 {
        0
    } else if raw >= 100.0 {
        100
    } else {
        // 0 < raw < 100 and whole: the cast is exact.
        raw as u8
    }
}

/// Builds the word index and zxcvbn's own dictionaries (about 20 ms natively, once), so that
/// the first real check is as fast as the rest. A page's worker can call it on load.
pub fn warm_up() {
    for step in 0..WARM_UP_STEPS {
        warm_up_step(step);
    }
}

/// How many calls of [`warm_up_step`] make [`warm_up`].
pub const WARM_UP_STEPS: usize = 5;

/// One piece of [`warm_up`], so that a browser page can build the dictionaries between other
/// work instead of in one long task (in wasm the whole takes 70-200 ms; the web counts a task
/// over 50 ms as a long task that makes the page stutter). Each step does the one-time work of
/// its part, and is cheap once done:
///
/// - 0: kunci's Indonesian word list;
/// - 1 and 2: nothing zxcvbn keeps, but the first run of the code its set-up runs, at a
///   smaller scale: a browser compiles each wasm function on its first call and optimises it
///   once it runs hot, which made more than half of step 3's time. 1 builds a hash map of the
///   type of zxcvbn's dictionaries from the Indonesian words; 2 compiles and runs two regexes
///   with the regex crates zxcvbn uses;
/// - 3: zxcvbn on a one-character password, which builds its lazily made statics but the date
///   ones: the ranked dictionaries (hash maps of some 95 000 words) and its compiled regexes.
///   zxcvbn builds all its dictionaries in one `lazy_static`, so this step cannot be split
///   further from outside the crate; it is the longest;
/// - 4: a full check of a password with a year in it: the date matcher's tables and regexes,
///   the scoring tables, and the first run of everything else.
///
/// Steps may run in any order and more than once; a number past the last does nothing.
pub fn warm_up_step(step: usize) {
    match step {
        0 => {
            let _ = words::indonesian();
        }
        1 => words::warm_hash_map(),
        2 => {
            if let Ok(re) = regex::Regex::new(r"19[0-9]{2}|20[0-9]{2}") {
                std::hint::black_box(re.find("warm up 1945"));
            }
            if let Ok(re) = fancy_regex::Regex::new(r"(.+?)\1+") {
                let _ = std::hint::black_box(re.find("abcabc"));
            }
        }
        3 => {
            let _ = zxcvbn::zxcvbn("a", &[]);
        }
        4 => {
            let _ = check("warm up 1945", &UserInputs::default());
        }
        _ => {}
    }
}

impl Strength {
    /// One or two sentences on what the percentage means, for the page or the command line,
    /// with the number of guesses in words: "52 %: about 25 billion guesses to find this
    /// password; over 50 % is required, so it is accepted."
    pub fn explain(&self, lang: Lang) -> String {
        let p = self.percent;
        let limit = ACCEPT_ABOVE_PERCENT;
        let guesses = guesses_in_words(self.guesses_log10, lang);
        let mut text = match (lang, self.judged_chars) {
            (Lang::Id, 0) => format!("{p} %: kata sandi belum diisi; wajib di atas {limit} %."),
            (Lang::En, 0) => format!("{p} %: no password yet; over {limit} % is required."),
            (Lang::Id, _) => format!(
                "{p} %: sekitar {guesses} tebakan untuk menemukan kata sandi ini; wajib di atas \
                 {limit} %, jadi kata sandi ini {}.",
                if self.accepted {
                    "diterima"
                } else {
                    "masih terlalu lemah"
                },
            ),
            (Lang::En, _) => format!(
                "{p} %: about {guesses} guesses to find this password; over {limit} % is \
                 required, so it is {}.",
                if self.accepted {
                    "accepted"
                } else {
                    "too weak"
                },
            ),
        };
        if !self.judged_all {
            text.push_str(match lang {
                Lang::Id => " Hanya 32 karakter pertama yang dinilai.",
                Lang::En => " Only the first 32 characters were judged.",
            });
        }
        text
    }
}

/// Whether zxcvbn's cheapest reading of the password uses a word of kunci's lists (a
/// user-input match past the holder's entries, also inside a repeated part) for which `is`
/// holds.
fn relies_on(sequence: &[zxcvbn::Match], is: &dyn Fn(&str) -> bool) -> bool {
    use zxcvbn::matching::patterns::MatchPattern;
    sequence.iter().any(|m| match &m.pattern {
        // zxcvbn's DictionaryType lives in a private module and cannot be named here; its
        // Debug form is the variant's name.
        MatchPattern::Dictionary(d) => {
            format!("{:?}", d.dictionary_name) == "UserInputs" && is(&d.matched_word)
        }
        MatchPattern::Repeat(r) => relies_on(&r.base_matches, is),
        _ => false,
    })
}

/// The organisation names as a searchable list (built on first use).
fn organizations_list() -> &'static WordList<'static> {
    static LIST: std::sync::LazyLock<WordList<'static>> =
        std::sync::LazyLock::new(|| WordList::new(organizations::ORGANIZATIONS.to_vec()));
    &LIST
}

/// A number of guesses, given as its log10, in words a holder reads without a calculator:
/// "25 miliar" / "25 billion", "1,3 juta" / "1.3 million", "850". Written-out powers of ten
/// ("10^10") read as code on a page.
pub fn guesses_in_words(log10: f64, lang: Lang) -> String {
    const ID: [(i32, &str); 6] = [
        (18, "juta triliun"),
        (15, "ribu triliun"),
        (12, "triliun"),
        (9, "miliar"),
        (6, "juta"),
        (3, "ribu"),
    ];
    const EN: [(i32, &str); 6] = [
        (18, "quintillion"),
        (15, "quadrillion"),
        (12, "trillion"),
        (9, "billion"),
        (6, "million"),
        (3, "thousand"),
    ];
    let log10 = if log10.is_finite() {
        log10.max(0.0)
    } else {
        0.0
    };
    let units = match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    };
    let (power, unit) = units
        .iter()
        .find(|(power, _)| log10 >= f64::from(*power))
        .map_or((0, ""), |(power, unit)| (*power, *unit));
    let mantissa = 10f64.powf(log10 - f64::from(power));
    let mut number = if mantissa < 9.95 && power > 0 {
        format!("{mantissa:.1}")
    } else {
        format!("{mantissa:.0}")
    };
    if number.ends_with(".0") {
        number.truncate(number.len() - 2);
    }
    if lang == Lang::Id {
        number = number.replace('.', ",");
    }
    if unit.is_empty() {
        number
    } else {
        format!("{number} {unit}")
    }
}

/// log10 of `guesses`, taken as exactly `k` from 10^k up to (not including) 10^k + 5.
///
/// Powers of ten are where `5 × log10(guesses)` is a whole number, so where rounding up
/// decides between two percentages. zxcvbn adds 1 to the estimate of a password read as one
/// match (its "additive" term), so ten random characters come out at 10^10 + 1; its own score
/// bands end at 10^k + 5 so that this never crosses a band. The same margin here makes 50 %
/// exactly zxcvbn's score 3 and over 50 % exactly its score 4, and keeps the result from
/// hanging on the platform's `log10` returning exactly 10.0 for 1e10 (wasm32 has its own).
fn exact_log10(guesses: f64) -> f64 {
    const MARGIN: f64 = 5.0;
    const POWERS_OF_TEN: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    // `guesses == p` as well: above 2^53, p + 5.0 rounds back to p.
    match POWERS_OF_TEN
        .iter()
        .position(|&p| guesses == p || (guesses > p && guesses < p + MARGIN))
    {
        Some(exponent) => exponent as f64,
        None => guesses.log10(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_up_steps_run_in_any_order_and_past_the_last_do_nothing() {
        for step in (0..=WARM_UP_STEPS).rev() {
            warm_up_step(step);
        }
        warm_up_step(usize::MAX);
        let judged = check("warm up 1945", &UserInputs::default()).unwrap();
        assert!(!judged.accepted);
    }

    #[test]
    fn exact_log10_is_exact_within_zxcvbns_margin_above_powers_of_ten() {
        assert_eq!(exact_log10(1e10), 10.0);
        assert_eq!(exact_log10(1e10 + 4.0), 10.0);
        assert!(exact_log10(1e10 + 5.0) > 10.0);
        assert_eq!(exact_log10(1.0), 0.0);
        assert_eq!(exact_log10(1e19), 19.0);
        assert_eq!(exact_log10(0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn lang_reads_codes_with_regions_and_refuses_others() {
        assert_eq!("ID".parse::<Lang>(), Ok(Lang::Id));
        assert_eq!("en-US".parse::<Lang>(), Ok(Lang::En));
        assert_eq!("in".parse::<Lang>(), Ok(Lang::Id));
        let err = "fr".parse::<Lang>().unwrap_err();
        assert_eq!(err.code(), "input.unknown_language");
    }
}
