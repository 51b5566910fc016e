//! What the strength check tells the holder, in Indonesian and English: a text for every
//! warning and suggestion zxcvbn can give, kunci's own (personal data, Indonesian words,
//! organisation names, too short), and the choice of which to show for a password.

use serde::Serialize;
use zxcvbn::feedback::{Suggestion, Warning};
use zxcvbn::matching::Match;
use zxcvbn::matching::patterns::{DictionaryPattern, MatchPattern};

use super::Lang;

/// One piece of advice: a stable code and its text in each language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feedback {
    /// Stable machine-readable code (`strength.…` for warnings, `strength.hint.…` for
    /// suggestions); pages may key their own translations on it.
    pub code: &'static str,
    /// The text in Indonesian.
    pub id: String,
    /// The text in English.
    pub en: String,
}

impl Feedback {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }

    fn of(text: &Text) -> Self {
        Feedback {
            code: text.code,
            id: text.id.to_owned(),
            en: text.en.to_owned(),
        }
    }
}

/// Every piece of feedback the check can give, each once (for tests, and for pages that want
/// to list or pre-translate them).
pub fn catalogue() -> Vec<Feedback> {
    ALL_WARNINGS
        .iter()
        .map(|&w| warning_text(w))
        .chain(ALL_SUGGESTIONS.iter().map(|&s| suggestion_text(s)))
        .chain(OWN.iter().copied())
        .map(Feedback::of)
        .collect()
}

struct Text {
    code: &'static str,
    id: &'static str,
    en: &'static str,
}

const fn t(code: &'static str, id: &'static str, en: &'static str) -> Text {
    Text { code, id, en }
}

// ---- kunci's own ----

static EMPTY: Text = t(
    "strength.empty",
    "Kata sandi belum diisi.",
    "Enter a password.",
);
static PERSONAL_DATA: Text = t(
    "strength.personal_data",
    "Kata sandi memuat data pribadi Anda (nama, e-mail, organisasi, atau NIK), yang pasti \
     dicoba lebih dulu oleh penyerang.",
    "The password contains your own data (name, e-mail, organisation or NIK), which an \
     attacker tries first.",
);
static INDONESIAN_WORD: Text = t(
    "strength.indonesian_word",
    "Kata dari kamus bahasa Indonesia mudah ditebak.",
    "Words from an Indonesian dictionary are easy to guess.",
);
static ORGANIZATION_NAME: Text = t(
    "strength.organization_name",
    "Nama atau singkatan instansi (Kominfo, Pemkab, BSSN, …) mudah ditebak, juga dengan tahun \
     di belakangnya.",
    "The name or abbreviation of a government body (Kominfo, Pemkab, BSSN, …) is easy to \
     guess, also with a year after it.",
);
static HINT_AVOID_ORGANIZATION: Text = t(
    "strength.hint.avoid_organization",
    "Jangan gunakan nama instansi, daerah, atau tahun; pilih kata yang tidak berkaitan dengan \
     pekerjaan Anda.",
    "Do not use the name of an office, a region or a year; pick words unrelated to your work.",
);
static TOO_SHORT: Text = t(
    "strength.too_short",
    "Kata sandi terlalu pendek.",
    "The password is too short.",
);
static TOO_WEAK: Text = t(
    "strength.too_weak",
    "Kata sandi ini masih terlalu mudah ditebak.",
    "This password is still too easy to guess.",
);
static HINT_AVOID_PERSONAL_DATA: Text = t(
    "strength.hint.avoid_personal_data",
    "Jangan gunakan nama, e-mail, organisasi, NIK, atau tanggal lahir Anda.",
    "Do not use your name, e-mail, organisation, NIK or date of birth.",
);
static HINT_LONGER: Text = t(
    "strength.hint.longer",
    "Gunakan paling sedikit 12 karakter; beberapa kata yang tidak saling berkaitan mudah \
     diingat.",
    "Use at least 12 characters; a few unrelated words are easy to remember.",
);
static HINT_STRENGTHEN_START: Text = t(
    "strength.hint.strengthen_start",
    "Hanya 32 karakter pertama yang dinilai: buat bagian awal kata sandi lebih kuat.",
    "Only the first 32 characters are judged: make the start of the password stronger.",
);

static OWN: [&Text; 10] = [
    &EMPTY,
    &PERSONAL_DATA,
    &INDONESIAN_WORD,
    &ORGANIZATION_NAME,
    &HINT_AVOID_ORGANIZATION,
    &TOO_SHORT,
    &TOO_WEAK,
    &HINT_AVOID_PERSONAL_DATA,
    &HINT_LONGER,
    &HINT_STRENGTHEN_START,
];

// ---- zxcvbn's ----

/// Every zxcvbn warning. `warning_text` matches exhaustively, so a zxcvbn upgrade that adds
/// one fails to compile until it has texts; add it here too.
const ALL_WARNINGS: [Warning; 14] = [
    Warning::StraightRowsOfKeysAreEasyToGuess,
    Warning::ShortKeyboardPatternsAreEasyToGuess,
    Warning::RepeatsLikeAaaAreEasyToGuess,
    Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
    Warning::ThisIsATop10Password,
    Warning::ThisIsATop100Password,
    Warning::ThisIsACommonPassword,
    Warning::ThisIsSimilarToACommonlyUsedPassword,
    Warning::SequencesLikeAbcAreEasyToGuess,
    Warning::RecentYearsAreEasyToGuess,
    Warning::AWordByItselfIsEasyToGuess,
    Warning::DatesAreOftenEasyToGuess,
    Warning::NamesAndSurnamesByThemselvesAreEasyToGuess,
    Warning::CommonNamesAndSurnamesAreEasyToGuess,
];

/// Every zxcvbn suggestion (see [`ALL_WARNINGS`]).
const ALL_SUGGESTIONS: [Suggestion; 13] = [
    Suggestion::UseAFewWordsAvoidCommonPhrases,
    Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters,
    Suggestion::AddAnotherWordOrTwo,
    Suggestion::CapitalizationDoesntHelpVeryMuch,
    Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase,
    Suggestion::ReversedWordsArentMuchHarderToGuess,
    Suggestion::PredictableSubstitutionsDontHelpVeryMuch,
    Suggestion::UseALongerKeyboardPatternWithMoreTurns,
    Suggestion::AvoidRepeatedWordsAndCharacters,
    Suggestion::AvoidSequences,
    Suggestion::AvoidRecentYears,
    Suggestion::AvoidYearsThatAreAssociatedWithYou,
    Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou,
];

fn warning_text(w: Warning) -> &'static Text {
    static STRAIGHT_ROW: Text = t(
        "strength.straight_row",
        "Deretan tombol yang berurutan di papan ketik (seperti qwerty) mudah ditebak.",
        "Straight rows of keys (like qwerty) are easy to guess.",
    );
    static SHORT_KEYBOARD_PATTERN: Text = t(
        "strength.short_keyboard_pattern",
        "Pola papan ketik yang pendek mudah ditebak.",
        "Short keyboard patterns are easy to guess.",
    );
    static REPEATED_CHARACTER: Text = t(
        "strength.repeated_character",
        "Pengulangan seperti \"aaa\" mudah ditebak.",
        "Repeats like \"aaa\" are easy to guess.",
    );
    static REPEATED_PATTERN: Text = t(
        "strength.repeated_pattern",
        "Pengulangan seperti \"abcabcabc\" hanya sedikit lebih sulit ditebak daripada \"abc\".",
        "Repeats like \"abcabcabc\" are only slightly harder to guess than \"abc\".",
    );
    static TOP10: Text = t(
        "strength.top10_password",
        "Ini termasuk 10 kata sandi yang paling banyak dipakai.",
        "This is one of the 10 most common passwords.",
    );
    static TOP100: Text = t(
        "strength.top100_password",
        "Ini termasuk 100 kata sandi yang paling banyak dipakai.",
        "This is one of the 100 most common passwords.",
    );
    static COMMON: Text = t(
        "strength.common_password",
        "Ini kata sandi yang sangat umum.",
        "This is a very common password.",
    );
    static SIMILAR_TO_COMMON: Text = t(
        "strength.similar_to_common_password",
        "Ini mirip dengan kata sandi yang umum dipakai.",
        "This is similar to a commonly used password.",
    );
    static SEQUENCE: Text = t(
        "strength.sequence",
        "Urutan seperti abc atau 6543 mudah ditebak.",
        "Sequences like abc or 6543 are easy to guess.",
    );
    static RECENT_YEAR: Text = t(
        "strength.recent_year",
        "Tahun-tahun terakhir mudah ditebak.",
        "Recent years are easy to guess.",
    );
    static SINGLE_WORD: Text = t(
        "strength.single_word",
        "Satu kata saja mudah ditebak.",
        "A single word is easy to guess.",
    );
    static DATE: Text = t(
        "strength.date",
        "Tanggal biasanya mudah ditebak.",
        "Dates are often easy to guess.",
    );
    static NAME_ALONE: Text = t(
        "strength.name_alone",
        "Nama depan atau nama keluarga saja mudah ditebak.",
        "A first name or surname on its own is easy to guess.",
    );
    static COMMON_NAME: Text = t(
        "strength.common_name",
        "Nama depan dan nama keluarga yang umum mudah ditebak.",
        "Common first names and surnames are easy to guess.",
    );
    match w {
        Warning::StraightRowsOfKeysAreEasyToGuess => &STRAIGHT_ROW,
        Warning::ShortKeyboardPatternsAreEasyToGuess => &SHORT_KEYBOARD_PATTERN,
        Warning::RepeatsLikeAaaAreEasyToGuess => &REPEATED_CHARACTER,
        Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => &REPEATED_PATTERN,
        Warning::ThisIsATop10Password => &TOP10,
        Warning::ThisIsATop100Password => &TOP100,
        Warning::ThisIsACommonPassword => &COMMON,
        Warning::ThisIsSimilarToACommonlyUsedPassword => &SIMILAR_TO_COMMON,
        Warning::SequencesLikeAbcAreEasyToGuess => &SEQUENCE,
        Warning::RecentYearsAreEasyToGuess => &RECENT_YEAR,
        Warning::AWordByItselfIsEasyToGuess => &SINGLE_WORD,
        Warning::DatesAreOftenEasyToGuess => &DATE,
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess => &NAME_ALONE,
        Warning::CommonNamesAndSurnamesAreEasyToGuess => &COMMON_NAME,
    }
}

fn suggestion_text(s: Suggestion) -> &'static Text {
    static USE_A_FEW_WORDS: Text = t(
        "strength.hint.use_a_few_words",
        "Gunakan beberapa kata, tetapi hindari ungkapan yang umum.",
        "Use a few words, but avoid common phrases.",
    );
    static NO_NEED_FOR_SYMBOLS: Text = t(
        "strength.hint.no_need_for_symbols",
        "Simbol, angka, atau huruf kapital tidak wajib.",
        "Symbols, digits or uppercase letters are not required.",
    );
    static ADD_A_WORD: Text = t(
        "strength.hint.add_a_word",
        "Tambahkan satu atau dua kata lagi. Kata yang jarang dipakai lebih baik.",
        "Add another word or two. Uncommon words are better.",
    );
    static CAPITALIZATION: Text = t(
        "strength.hint.capitalization",
        "Huruf kapital di awal tidak banyak membantu.",
        "A capital first letter doesn't help very much.",
    );
    static ALL_UPPERCASE: Text = t(
        "strength.hint.all_uppercase",
        "Huruf kapital semua hampir sama mudahnya ditebak dengan huruf kecil semua.",
        "All-uppercase is almost as easy to guess as all-lowercase.",
    );
    static REVERSED: Text = t(
        "strength.hint.reversed_words",
        "Kata yang dibalik tidak jauh lebih sulit ditebak.",
        "Reversed words aren't much harder to guess.",
    );
    static SUBSTITUTIONS: Text = t(
        "strength.hint.predictable_substitutions",
        "Penggantian huruf yang mudah diduga, seperti '@' untuk 'a', tidak banyak membantu.",
        "Predictable substitutions like '@' instead of 'a' don't help very much.",
    );
    static LONGER_KEYBOARD_PATTERN: Text = t(
        "strength.hint.longer_keyboard_pattern",
        "Gunakan pola papan ketik yang lebih panjang dengan lebih banyak belokan.",
        "Use a longer keyboard pattern with more turns.",
    );
    static AVOID_REPEATS: Text = t(
        "strength.hint.avoid_repeats",
        "Hindari kata dan karakter yang berulang.",
        "Avoid repeated words and characters.",
    );
    static AVOID_SEQUENCES: Text = t(
        "strength.hint.avoid_sequences",
        "Hindari urutan seperti abc atau 123.",
        "Avoid sequences like abc or 123.",
    );
    static AVOID_RECENT_YEARS: Text = t(
        "strength.hint.avoid_recent_years",
        "Hindari tahun-tahun terakhir.",
        "Avoid recent years.",
    );
    static AVOID_YOUR_YEARS: Text = t(
        "strength.hint.avoid_your_years",
        "Hindari tahun yang berkaitan dengan Anda.",
        "Avoid years that are associated with you.",
    );
    static AVOID_YOUR_DATES: Text = t(
        "strength.hint.avoid_your_dates",
        "Hindari tanggal dan tahun yang berkaitan dengan Anda.",
        "Avoid dates and years that are associated with you.",
    );
    match s {
        Suggestion::UseAFewWordsAvoidCommonPhrases => &USE_A_FEW_WORDS,
        Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters => &NO_NEED_FOR_SYMBOLS,
        Suggestion::AddAnotherWordOrTwo => &ADD_A_WORD,
        Suggestion::CapitalizationDoesntHelpVeryMuch => &CAPITALIZATION,
        Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => &ALL_UPPERCASE,
        Suggestion::ReversedWordsArentMuchHarderToGuess => &REVERSED,
        Suggestion::PredictableSubstitutionsDontHelpVeryMuch => &SUBSTITUTIONS,
        Suggestion::UseALongerKeyboardPatternWithMoreTurns => &LONGER_KEYBOARD_PATTERN,
        Suggestion::AvoidRepeatedWordsAndCharacters => &AVOID_REPEATS,
        Suggestion::AvoidSequences => &AVOID_SEQUENCES,
        Suggestion::AvoidRecentYears => &AVOID_RECENT_YEARS,
        Suggestion::AvoidYearsThatAreAssociatedWithYou => &AVOID_YOUR_YEARS,
        Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou => &AVOID_YOUR_DATES,
    }
}

// ---- choosing what to show ----

/// What is known about a password when its feedback is chosen.
pub(super) struct Facts<'a> {
    pub(super) accepted: bool,
    /// Characters in the whole password.
    pub(super) chars: usize,
    /// Characters judged (the first [`super::JUDGED_CHARS`]).
    pub(super) judged_chars: usize,
    pub(super) personal: bool,
    pub(super) indonesian: bool,
    pub(super) organization: bool,
    pub(super) entropy: &'a zxcvbn::Entropy,
}

/// Below this many characters a refused password is told it is short (ten random characters
/// are 10^10 guesses at most, exactly the refused 50 %; twelve leave room).
const RECOMMENDED_MIN_CHARS: usize = 12;

/// The warning and suggestions for a password: none when it is accepted; otherwise kunci's
/// own findings first (personal data outranks everything, as it is what a targeted attacker
/// tries first), then zxcvbn's.
pub(super) fn choose(facts: &Facts<'_>) -> (Option<Feedback>, Vec<Feedback>) {
    if facts.accepted {
        return (None, Vec::new());
    }
    if facts.chars == 0 {
        let hints = [
            Suggestion::UseAFewWordsAvoidCommonPhrases,
            Suggestion::AddAnotherWordOrTwo,
        ];
        return (
            Some(Feedback::of(&EMPTY)),
            hints
                .iter()
                .map(|&s| Feedback::of(suggestion_text(s)))
                .collect(),
        );
    }
    let (zx_warning, zx_suggestions) = zxcvbn_feedback(facts.entropy);
    let short = facts.chars < RECOMMENDED_MIN_CHARS;
    let warning: &Text = if facts.personal {
        &PERSONAL_DATA
    } else if facts.organization {
        &ORGANIZATION_NAME
    } else if let Some(w) = zx_warning {
        warning_text(w)
    } else if facts.indonesian {
        &INDONESIAN_WORD
    } else if short {
        &TOO_SHORT
    } else {
        &TOO_WEAK
    };
    let mut hints: Vec<&Text> = Vec::new();
    if facts.personal {
        hints.push(&HINT_AVOID_PERSONAL_DATA);
    }
    if facts.organization {
        hints.push(&HINT_AVOID_ORGANIZATION);
    }
    if facts.chars > facts.judged_chars {
        hints.push(&HINT_STRENGTHEN_START);
    }
    if short {
        hints.push(&HINT_LONGER);
    }
    hints.extend(zx_suggestions.into_iter().map(suggestion_text));
    let mut suggestions: Vec<Feedback> = Vec::with_capacity(hints.len());
    for hint in hints {
        if !suggestions.iter().any(|s| s.code == hint.code) {
            suggestions.push(Feedback::of(hint));
        }
    }
    (Some(Feedback::of(warning)), suggestions)
}

/// zxcvbn's own feedback, which it only gives up to score 2 (10^8 guesses). kunci refuses
/// up to 10^10, so for a refused score-3 password the same rules are applied here to the
/// match sequence zxcvbn chose: the longest match speaks, as in zxcvbn's `get_feedback`.
fn zxcvbn_feedback(entropy: &zxcvbn::Entropy) -> (Option<Warning>, Vec<Suggestion>) {
    if let Some(f) = entropy.feedback() {
        return (f.warning(), f.suggestions().to_vec());
    }
    let sequence = entropy.sequence();
    // `max_by_key` keeps the last of equals, as zxcvbn's does.
    let Some(longest) = sequence.iter().max_by_key(|m| m.token.chars().count()) else {
        return (None, vec![Suggestion::UseAFewWordsAvoidCommonPhrases]);
    };
    let (warning, mut suggestions) = match_feedback(longest, sequence.len() == 1);
    suggestions.insert(0, Suggestion::AddAnotherWordOrTwo);
    (warning, suggestions)
}

fn match_feedback(m: &Match, sole: bool) -> (Option<Warning>, Vec<Suggestion>) {
    match &m.pattern {
        MatchPattern::Dictionary(d) => dictionary_feedback(m, d, sole),
        MatchPattern::Spatial(p) => (
            Some(if p.turns == 1 {
                Warning::StraightRowsOfKeysAreEasyToGuess
            } else {
                Warning::ShortKeyboardPatternsAreEasyToGuess
            }),
            vec![Suggestion::UseALongerKeyboardPatternWithMoreTurns],
        ),
        MatchPattern::Repeat(p) => (
            Some(if p.base_token.chars().count() == 1 {
                Warning::RepeatsLikeAaaAreEasyToGuess
            } else {
                Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess
            }),
            vec![Suggestion::AvoidRepeatedWordsAndCharacters],
        ),
        MatchPattern::Sequence(_) => (
            Some(Warning::SequencesLikeAbcAreEasyToGuess),
            vec![Suggestion::AvoidSequences],
        ),
        MatchPattern::Regex(p) if p.regex_name == "recent_year" => (
            Some(Warning::RecentYearsAreEasyToGuess),
            vec![
                Suggestion::AvoidRecentYears,
                Suggestion::AvoidYearsThatAreAssociatedWithYou,
            ],
        ),
        MatchPattern::Date(_) => (
            Some(Warning::DatesAreOftenEasyToGuess),
            vec![Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou],
        ),
        _ => (None, Vec::new()),
    }
}

fn dictionary_feedback(
    m: &Match,
    d: &DictionaryPattern,
    sole: bool,
) -> (Option<Warning>, Vec<Suggestion>) {
    // zxcvbn's DictionaryType lives in a private module and cannot be named here; its Debug
    // form is the variant's name.
    let warning = match format!("{:?}", d.dictionary_name).as_str() {
        "Passwords" if sole && !d.l33t && !d.reversed => Some(match d.rank {
            0..=10 => Warning::ThisIsATop10Password,
            11..=100 => Warning::ThisIsATop100Password,
            _ => Warning::ThisIsACommonPassword,
        }),
        "Passwords" => Some(Warning::ThisIsSimilarToACommonlyUsedPassword),
        "English" if sole => Some(Warning::AWordByItselfIsEasyToGuess),
        "Surnames" | "FemaleNames" | "MaleNames" => Some(if sole {
            Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
        } else {
            Warning::CommonNamesAndSurnamesAreEasyToGuess
        }),
        _ => None,
    };
    let mut suggestions = Vec::new();
    if m.token.chars().next().is_some_and(char::is_uppercase) {
        suggestions.push(Suggestion::CapitalizationDoesntHelpVeryMuch);
    } else if !m.token.is_empty() && m.token.chars().all(char::is_uppercase) {
        suggestions.push(Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase);
    }
    if d.reversed && m.token.chars().count() >= 4 {
        suggestions.push(Suggestion::ReversedWordsArentMuchHarderToGuess);
    }
    if d.l33t {
        suggestions.push(Suggestion::PredictableSubstitutionsDontHelpVeryMuch);
    }
    (warning, suggestions)
}
