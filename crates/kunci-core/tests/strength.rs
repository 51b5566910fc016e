//! Password strength: the percentage rule at its boundaries, the Indonesian word list and the
//! holder's own data proven against plain zxcvbn on the same passwords, the feedback texts,
//! the length limits, and the word list's file and script against what data/README.md says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kunci_test_support as common;

use std::path::Path;
use std::process::Command;

use kunci_core::strength::{
    ACCEPT_ABOVE_PERCENT, JUDGED_CHARS, Lang, MAX_PASSWORD_CHARS, Strength, UserInputs, check,
    feedback_catalogue, percent_for_guesses, require_acceptable, warm_up,
};
use kunci_core::{Error, strength};

fn none() -> UserInputs {
    UserInputs::default()
}

fn budi() -> UserInputs {
    UserInputs {
        name: Some("Budi Santoso".into()),
        email: Some("budi.santoso@kemenkeu.go.id".into()),
        organization: Some("Kementerian Keuangan".into()),
        nik: Some("3273010101850001".into()),
        other: Vec::new(),
    }
}

/// log10 of plain zxcvbn's guesses for the part of `password` kunci judges, with no user
/// inputs: what the password scores without kunci's additions.
fn plain_log10(password: &str) -> f64 {
    let judged: String = password.chars().take(JUDGED_CHARS).collect();
    zxcvbn::zxcvbn(&judged, &[]).guesses_log10()
}

fn warning(s: &Strength) -> &'static str {
    s.warning.as_ref().map_or("", |w| w.code)
}

fn hints(s: &Strength) -> Vec<&'static str> {
    s.suggestions.iter().map(|f| f.code).collect()
}

// ---- the percentage ----

#[test]
fn percent_is_five_log10_guesses_rounded_up_with_the_boundary_at_ten_to_the_ten() {
    assert_eq!(ACCEPT_ABOVE_PERCENT, 50);
    assert_eq!(percent_for_guesses(1e10), 50);
    // zxcvbn's margin: it adds 1 to one-match estimates and ends its score 3 at 10^10 + 5.
    assert_eq!(percent_for_guesses(1e10 + 4.0), 50);
    assert_eq!(percent_for_guesses(1e10 + 5.0), 51);
    assert_eq!(percent_for_guesses(1.0001e10), 51);
    assert_eq!(percent_for_guesses(9.99e9), 50);
    assert_eq!(percent_for_guesses(1e8), 40);
    assert_eq!(percent_for_guesses(2e8), 42); // 5 × 8.301 = 41.5, rounded up
    assert_eq!(percent_for_guesses(1e20), 100);
    assert_eq!(percent_for_guesses(1e25), 100);
    assert_eq!(percent_for_guesses(u64::MAX as f64), 97);
    assert_eq!(percent_for_guesses(1.0), 0);
    assert_eq!(percent_for_guesses(0.0), 0);
    assert_eq!(percent_for_guesses(f64::NAN), 0);
}

#[test]
fn ten_random_characters_are_fifty_percent_and_refused_eleven_are_accepted() {
    // zxcvbn brute-forces these at 10 guesses a character (+ 1).
    let ten = check("qzxjvkwpfh", &none()).unwrap();
    assert_eq!(zxcvbn::zxcvbn("qzxjvkwpfh", &[]).guesses(), 10_000_000_001);
    assert_eq!((ten.percent, ten.accepted, ten.score), (50, false, 3));
    assert_eq!(ten.guesses_log10, 10.0);
    let eleven = check("qzxjvkwpfhg", &none()).unwrap();
    assert_eq!(
        (eleven.percent, eleven.accepted, eleven.score),
        (55, true, 4)
    );
}

#[test]
fn accepted_is_exactly_percent_over_fifty_and_zxcvbn_score_four() {
    for pw in [
        "qzxjvkwpfh",
        "qzxjvkwpfhg",
        "Tr0ub4dor&3",
        "correcthorsebattery",
        "rahasia",
        "x",
    ] {
        let s = check(pw, &none()).unwrap();
        assert_eq!(s.accepted, s.percent > ACCEPT_ABOVE_PERCENT, "{pw}");
        assert_eq!(s.accepted, s.score == 4, "{pw}");
    }
}

// ---- well-known weak passwords ----

#[test]
fn well_known_weak_passwords_are_refused_with_the_right_warning() {
    for (pw, code) in [
        ("password", "strength.top10_password"),
        ("123456", "strength.top10_password"),
        ("qwerty123", "strength.common_password"),
        ("P@ssw0rd", "strength.similar_to_common_password"),
        ("qwertyuiop", "strength.top100_password"),
        ("aaaaaaaaaaaa", "strength.repeated_character"),
        ("abcdefghijklmnop", "strength.sequence"),
    ] {
        let s = check(pw, &none()).unwrap();
        assert!(!s.accepted && s.percent <= 50, "{pw}: {s:?}");
        assert_eq!(warning(&s), code, "{pw}");
        assert!(!s.suggestions.is_empty(), "{pw}");
    }
    let s = check("P@ssw0rd", &none()).unwrap();
    assert!(hints(&s).contains(&"strength.hint.predictable_substitutions"));
    assert!(hints(&s).contains(&"strength.hint.longer"));
}

// ---- the Indonesian word list ----

#[test]
fn indonesian_words_and_phrases_cost_fewer_guesses_than_in_plain_zxcvbn() {
    // Some are in zxcvbn's own password list already ("rahasia" at 11 186, "sayangku" at
    // 12 056), so the drop is smaller there than for words zxcvbn does not know.
    for (pw, at_least) in [
        ("rahasia", 0.5),
        ("sayangku", 0.1),
        ("merdeka1945", 0.5),
        ("indonesiaraya", 0.5),
        ("kupukupu", 0.5),
        ("jendela-pisang-kambing", 3.0),
    ] {
        let s = check(pw, &none()).unwrap();
        let plain = plain_log10(pw);
        assert!(
            plain - s.guesses_log10 >= at_least,
            "{pw}: kunci 10^{:.2}, plain zxcvbn 10^{plain:.2}",
            s.guesses_log10
        );
        assert!(s.uses_indonesian_word, "{pw}");
        assert!(!s.uses_personal_data, "{pw}");
    }
    for pw in ["rahasia", "sayangku", "merdeka1945", "indonesiaraya"] {
        let s = check(pw, &none()).unwrap();
        assert!(!s.accepted, "{pw}");
        assert_eq!(warning(&s), "strength.indonesian_word", "{pw}");
    }
}

#[test]
fn indonesian_words_are_still_seen_in_l33t_reversed_repeated_and_capitalised() {
    for pw in [
        "R4h4s14!",
        "aisahar",
        "rahasiarahasia",
        "MERDEKA",
        "$4y4ngku",
    ] {
        let s = check(pw, &none()).unwrap();
        assert!(s.uses_indonesian_word, "{pw}");
        assert!(s.guesses_log10 < plain_log10(pw), "{pw}");
        assert!(!s.accepted, "{pw}");
    }
}

#[test]
fn random_strings_do_not_count_as_indonesian() {
    // "Tr0ub4dor&3" contains "roda" reversed, but zxcvbn reads it more cheaply otherwise.
    for pw in ["kX9#mPq2Lr7!vBn4", "Tr0ub4dor&3", "qzxjvkwpfhg"] {
        assert!(!check(pw, &none()).unwrap().uses_indonesian_word, "{pw}");
    }
}

// ---- the holder's own data ----

#[test]
fn the_holders_own_data_lowers_the_estimate_and_is_flagged() {
    let name_only = UserInputs {
        name: Some("Budi Santoso".into()),
        ..none()
    };
    let nik_only = UserInputs {
        nik: Some("3273010101850001".into()),
        ..none()
    };
    let email_only = UserInputs {
        email: Some("budi.santoso@kemenkeu.go.id".into()),
        ..none()
    };
    for (pw, inputs) in [
        ("BudiSantoso1985", &name_only),
        ("3273010101850001", &nik_only),
        ("budi.santoso", &email_only),
        ("santoso!010185", &budi()),
        ("osotnas-kemenkeu", &budi()),
    ] {
        let s = check(pw, inputs).unwrap();
        let without = check(pw, &none()).unwrap();
        assert!(
            without.guesses_log10 - s.guesses_log10 >= 1.0,
            "{pw}: with inputs 10^{:.2}, without 10^{:.2}",
            s.guesses_log10,
            without.guesses_log10
        );
        assert!(s.uses_personal_data && !without.uses_personal_data, "{pw}");
        assert!(!s.accepted, "{pw}");
        assert_eq!(warning(&s), "strength.personal_data", "{pw}");
        assert_eq!(hints(&s)[0], "strength.hint.avoid_personal_data", "{pw}");
    }
    // Plain zxcvbn accepts the first one: the holder's data is what makes it weak.
    assert!(check("BudiSantoso1985", &none()).unwrap().accepted);
}

#[test]
fn a_nik_gives_away_the_date_of_birth_also_for_women() {
    // Born 12 March 1985, a woman: the NIK writes day 12 + 40 = 52.
    let inputs = UserInputs {
        nik: Some("3273015203850001".into()),
        ..none()
    };
    for pw in ["Kucing12031985", "kucing120385"] {
        assert!(check(pw, &inputs).unwrap().uses_personal_data, "{pw}");
    }
    assert!(!check("Kucing13031986", &inputs).unwrap().uses_personal_data);
}

// ---- accepted, refused, limits ----

#[test]
fn a_strong_random_password_is_accepted_without_feedback() {
    let s = require_acceptable("kX9#mPq2Lr7!vBn4", &budi()).unwrap();
    assert!(s.accepted && s.percent > 70, "{s:?}");
    assert!(s.warning.is_none() && s.suggestions.is_empty());
    assert!(!s.uses_personal_data && !s.uses_indonesian_word);
    assert!(s.crack_time_offline_seconds > 1e11);
    assert!(s.judged_all && s.judged_chars == 16);
}

#[test]
fn require_acceptable_refuses_weak_and_empty_passwords_with_their_codes() {
    let err = require_acceptable("merdeka1945", &none()).unwrap_err();
    assert_eq!(err.code(), "password.too_weak");
    let percent = check("merdeka1945", &none()).unwrap().percent;
    assert_eq!(err, Error::PasswordTooWeak { percent });
    assert_eq!(
        require_acceptable("", &none()).unwrap_err().code(),
        "password.empty"
    );
}

#[test]
fn an_empty_password_is_zero_percent_with_a_warning_not_an_error() {
    let s = check("", &budi()).unwrap();
    assert_eq!(
        (s.percent, s.accepted, s.guesses_log10, s.score),
        (0, false, 0.0, 0)
    );
    assert_eq!(warning(&s), "strength.empty");
    assert!(s.explain(Lang::En).starts_with("0 %: no password yet"));
}

#[test]
fn only_the_first_32_characters_of_a_64_character_password_are_judged() {
    let strong_start = "kX9#mPq2Lr7!vBn4zT6$wYc8Hs3@jDf5";
    let long = format!("{strong_start}{}", "a".repeat(32));
    assert_eq!(long.chars().count(), 64);
    let s = check(&long, &none()).unwrap();
    let start = check(strong_start, &none()).unwrap();
    assert_eq!(
        (s.percent, s.guesses_log10),
        (start.percent, start.guesses_log10)
    );
    assert!(s.accepted && !s.judged_all && s.judged_chars == 32);
    assert!(
        s.explain(Lang::En)
            .ends_with("Only the first 32 characters were judged.")
    );
    assert!(
        s.explain(Lang::Id)
            .ends_with("Hanya 32 karakter pertama yang dinilai.")
    );

    // A weak start is refused whatever follows, and the holder is told why.
    let weak_start = format!("{}{strong_start}", "password".repeat(4));
    let s = check(&weak_start, &none()).unwrap();
    assert!(!s.accepted);
    assert!(
        hints(&s).contains(&"strength.hint.strengthen_start"),
        "{:?}",
        hints(&s)
    );
}

#[test]
fn max_password_chars_are_judged_and_one_more_is_too_long() {
    assert_eq!(MAX_PASSWORD_CHARS, 256);
    let max = "Ab3$".repeat(MAX_PASSWORD_CHARS / 4);
    assert!(check(&max, &none()).is_ok());
    let over = format!("{max}x");
    let err = check(&over, &none()).unwrap_err();
    assert_eq!(
        err,
        Error::PasswordTooLong {
            max: MAX_PASSWORD_CHARS
        }
    );
    assert_eq!(err.code(), "password.too_long");
    assert_eq!(
        require_acceptable(&over, &none()).unwrap_err().code(),
        "password.too_long"
    );
    // Characters, not bytes: 256 four-byte emoji are allowed.
    assert!(check(&"😀".repeat(MAX_PASSWORD_CHARS), &none()).is_ok());
    assert!(check(&"😀".repeat(MAX_PASSWORD_CHARS + 1), &none()).is_err());
}

#[test]
fn non_ascii_passwords_and_inputs_do_not_panic() {
    let inputs = UserInputs {
        name: Some("Siti Nurhaliza Ŝİ ß".into()),
        email: Some("sıti@ıstanbul.com.tr".into()),
        organization: Some("Koperasi Sejahtera ✓".into()),
        nik: Some("32٧٣0101018500O1".into()),
        other: vec!["😀".into(), "ΣΑΣ".into(), String::new()],
    };
    for pw in [
        "Kata sandi rahasiaku: àéîõü ñ ç",
        "İİİİİİİİİİ",
        "ΣΑΣ ΣΑΣ ΣΑΣ",
        "😀😀😀😀😀😀😀😀😀😀😀😀",
        "👨‍👩‍👧‍👦 keluarga",
        "مرحبا بالعالم",
        "\u{0}\u{1}\u{7f}\u{feff}\u{200d}",
        "e\u{301}e\u{301}e\u{301}",
        "ＲＡＨＡＳＩＡ",
        "ß",
    ] {
        let s = check(pw, &inputs).unwrap();
        assert!(s.percent <= 100 && s.accepted == (s.percent > 50), "{pw}");
        assert!(!s.explain(Lang::Id).is_empty());
    }
}

// ---- feedback ----

#[test]
fn every_feedback_has_both_texts_and_a_distinct_code() {
    let all = feedback_catalogue();
    // 14 zxcvbn warnings, 13 zxcvbn suggestions, 10 of kunci's own.
    assert_eq!(all.len(), 37);
    let mut codes: Vec<&str> = all.iter().map(|f| f.code).collect();
    for f in &all {
        assert!(
            f.code.starts_with("strength.") && f.code.is_ascii(),
            "{}",
            f.code
        );
        for text in [&f.id, &f.en] {
            assert!(!text.trim().is_empty() && text.trim() == text, "{}", f.code);
            assert!(text.ends_with('.'), "{}: {text}", f.code);
        }
        assert_ne!(f.id, f.en, "{} is not translated", f.code);
        assert_eq!(f.text(Lang::Id), f.id);
        assert_eq!(f.text(Lang::En), f.en);
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len(), "duplicate codes");
}

#[test]
fn every_feedback_given_is_in_the_catalogue() {
    let codes: Vec<&str> = feedback_catalogue().iter().map(|f| f.code).collect();
    for pw in [
        "",
        "password",
        "P@ssw0rd",
        "rahasia",
        "BudiSantoso1985",
        "zxcvbnm,./",
        "1985",
    ] {
        let s = check(pw, &budi()).unwrap();
        for f in s.warning.iter().chain(&s.suggestions) {
            assert!(codes.contains(&f.code), "{pw}: {}", f.code);
        }
    }
}

#[test]
fn explain_says_what_the_percentage_means_in_both_languages() {
    let weak = check("merdeka1945", &none()).unwrap();
    let en = weak.explain(Lang::En);
    let id = weak.explain(Lang::Id);
    let words_en = strength::guesses_in_words(weak.guesses_log10, Lang::En);
    let words_id = strength::guesses_in_words(weak.guesses_log10, Lang::Id);
    assert!(
        en.starts_with(&format!("{} %: about {words_en} guesses", weak.percent)),
        "{en}"
    );
    assert!(
        en.ends_with("over 50 % is required, so it is too weak."),
        "{en}"
    );
    assert!(id.contains(&format!("sekitar {words_id} tebakan")), "{id}");
    assert!(
        id.ends_with("wajib di atas 50 %, jadi kata sandi ini masih terlalu lemah."),
        "{id}"
    );
    assert!(!en.contains('^') && !id.contains('^'), "{en} / {id}");
    let strong = check("kX9#mPq2Lr7!vBn4", &none()).unwrap();
    assert!(strong.explain(Lang::En).ends_with("so it is accepted."));
    assert!(
        strong
            .explain(Lang::Id)
            .ends_with("jadi kata sandi ini diterima.")
    );
}

#[test]
fn results_and_inputs_have_a_stable_json_shape() {
    let s = check("rahasia", &none()).unwrap();
    let v = serde_json::to_value(&s).unwrap();
    for key in [
        "percent",
        "accepted",
        "guesses_log10",
        "score",
        "warning",
        "suggestions",
        "uses_personal_data",
        "uses_indonesian_word",
        "uses_organization_name",
        "crack_time_offline_seconds",
        "judged_chars",
        "judged_all",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["warning"]["code"], "strength.indonesian_word");
    assert_eq!(
        v["warning"]["id"],
        "Kata dari kamus bahasa Indonesia mudah ditebak."
    );
    let inputs: UserInputs = serde_json::from_str(r#"{"name":"Budi","other":["x"]}"#).unwrap();
    assert_eq!(inputs.name.as_deref(), Some("Budi"));
    assert_eq!(serde_json::to_string(&Lang::Id).unwrap(), r#""id""#);
    assert_eq!(serde_json::from_str::<Lang>(r#""en""#).unwrap(), Lang::En);
    assert_eq!("EN".parse::<Lang>().unwrap(), Lang::En);
    assert_eq!(
        "xx".parse::<Lang>().unwrap_err().code(),
        "input.unknown_language"
    );
}

/// Regression (issue 12): "10^10" was printed as text on the page.
#[test]
fn guesses_are_written_in_words_not_powers_of_ten() {
    use strength::guesses_in_words as words;
    assert_eq!(words(10.0, Lang::Id), "10 miliar");
    assert_eq!(words(10.0, Lang::En), "10 billion");
    assert_eq!(words(10.4, Lang::En), "25 billion");
    assert_eq!(words(6.114, Lang::Id), "1,3 juta");
    assert_eq!(words(6.114, Lang::En), "1.3 million");
    assert_eq!(words(6.0, Lang::En), "1 million");
    assert_eq!(words(2.93, Lang::En), "851");
    assert_eq!(words(0.0, Lang::Id), "1");
    assert_eq!(words(20.0, Lang::Id), "100 juta triliun");
    assert_eq!(words(20.0, Lang::En), "100 quintillion");
    assert_eq!(words(f64::NAN, Lang::En), "1");
}

// ---- organisations and years ----

/// Regression (issue 12): "Kominfo@2026", an office's abbreviation and the year, was accepted
/// at 51 %.
#[test]
fn organisation_abbreviations_with_a_year_fall_below_the_line() {
    for pw in [
        "Kominfo@2026",
        "Diskominfo2025!",
        "Pemkab#2026",
        "BSSN2027!",
    ] {
        let s = check(pw, &none()).unwrap();
        assert!(!s.accepted && s.percent <= 40, "{pw}: {} %", s.percent);
        assert!(s.uses_organization_name, "{pw}");
        assert!(!s.uses_personal_data, "{pw}");
        assert_eq!(warning(&s), "strength.organization_name", "{pw}");
        assert!(
            hints(&s).contains(&"strength.hint.avoid_organization"),
            "{pw}"
        );
        assert!(s.guesses_log10 < plain_log10(pw), "{pw}");
    }
    // Reversed and in l33t too.
    for pw in ["ofnimok2026", "K0m1nf0#2026"] {
        let s = check(pw, &none()).unwrap();
        assert!(
            !s.accepted && s.uses_organization_name,
            "{pw}: {} %",
            s.percent
        );
    }
}

#[test]
fn a_strong_password_with_an_organisation_inside_still_passes() {
    for pw in [
        "kX9#mPq2Lr7!vBn4",
        "Kominfo kupu-kupu jendela 7 gajah biru",
        "traktor-Mangga-pelangi-93!",
    ] {
        let s = check(pw, &none()).unwrap();
        assert!(s.accepted, "{pw}: {} %", s.percent);
        assert_eq!(s.warning, None, "{pw}");
    }
}

#[test]
fn the_holders_own_organisation_keeps_the_personal_data_warning() {
    let inputs = UserInputs {
        organization: Some("Diskominfo Kota Bandung".into()),
        ..none()
    };
    let s = check("Diskominfo2025!", &inputs).unwrap();
    assert!(!s.accepted && s.uses_personal_data, "{} %", s.percent);
    assert_eq!(warning(&s), "strength.personal_data");
}

/// zxcvbn prices a year by its distance from the current one, 20 guesses at least: the
/// current year ± a few is as guessable as any, and kunci relies on that.
#[test]
fn years_near_now_cost_next_to_nothing() {
    let this_year: i32 = {
        // Days since 1970 to a year, good enough to within a day at a year's end.
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        1970 + (secs as f64 / 31_556_952.0) as i32
    };
    for year in this_year - 3..=this_year + 3 {
        let alone = check(&year.to_string(), &none()).unwrap();
        assert!(alone.guesses_log10 < 1.5, "{year}: {}", alone.guesses_log10);
    }
}

// ---- the word list file and its script ----

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

#[test]
fn the_word_list_is_sorted_unique_lower_case_and_as_the_readme_says() {
    use sha2::Digest;
    let bytes = std::fs::read(Path::new(DATA).join("id-words.txt")).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.ends_with('\n') && !text.contains('\r'));
    let words: Vec<&str> = text.lines().collect();
    for w in &words {
        assert!(
            w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()),
            "{w:?}"
        );
    }
    assert!(words.windows(2).all(|p| p[0] < p[1]), "not strictly sorted");
    let readme = std::fs::read_to_string(Path::new(DATA).join("README.md")).unwrap();
    let digest = hex::encode(sha2::Sha256::digest(&bytes));
    assert!(
        readme.contains(&digest),
        "README.md does not name SHA-256 {digest}"
    );
    assert!(
        readme.contains(&format!("{} words", words.len())),
        "README.md's count"
    );
    for root in [
        "rahasia",
        "sayang",
        "merdeka",
        "indonesia",
        "raya",
        "basa",
        "basi",
        "basabasi",
    ] {
        assert!(words.binary_search(&root).is_ok(), "{root}");
    }
}

#[test]
fn the_word_list_script_applies_the_readmes_rules() {
    let Some(python) = common::judge("python3") else {
        return;
    };
    let code = r#"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("m", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
print(",".join(m.words("Abadi\nabadi\n basa-basi \noper \"v,\"\nmu\nkupu-kupu\nantah-berantah\n")))
"#;
    let out = Command::new(python)
        .args(["-c", code, &format!("{DATA}/make-id-words.py")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "abadi,antah,antahberantah,basa,basabasi,basi,berantah,kupu,kupukupu,oper"
    );
}

/// Re-makes the list from the Sastrawi archive named by `KUNCI_SASTRAWI_ARCHIVE` (see
/// data/README.md) and compares it byte for byte; skipped when the variable is unset, as tests
/// do not download.
#[test]
fn the_word_list_script_remakes_the_file_byte_for_byte() {
    let Some(archive) = std::env::var_os("KUNCI_SASTRAWI_ARCHIVE") else {
        eprintln!("SKIPPED: set KUNCI_SASTRAWI_ARCHIVE to the downloaded Sastrawi 1.0.1 archive");
        return;
    };
    let Some(python) = common::judge("python3") else {
        return;
    };
    let out = Command::new(python)
        .arg(format!("{DATA}/make-id-words.py"))
        .arg(archive)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == std::fs::read(format!("{DATA}/id-words.txt")).unwrap());
}

// ---- speed (printed, never asserted: speed is measured in benchmarks) ----

/// Medians and 95th percentiles of `check` for random printable passwords of 8 to 64
/// characters and Indonesian passphrases. Run it optimised:
/// `cargo test --release -p kunci-core --test strength -- --ignored --nocapture`
#[test]
#[ignore = "prints timings; run with --release --ignored --nocapture"]
fn timings_of_check() {
    use std::time::Instant;
    fn stats(mut ms: Vec<f64>) -> (f64, f64) {
        ms.sort_by(f64::total_cmp);
        (ms[ms.len() / 2], ms[(ms.len() * 95).div_ceil(100) - 1])
    }
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let printable: Vec<char> = (33u8..127).map(char::from).collect();
    let words: Vec<&str> = include_str!("../data/id-words.txt").lines().collect();
    let started = Instant::now();
    warm_up();
    println!(
        "first call (word index and zxcvbn's dictionaries): {:?}",
        started.elapsed()
    );
    let inputs = budi();
    for len in [8usize, 16, 32, 64] {
        let mut random = Vec::new();
        let mut phrase = Vec::new();
        for _ in 0..200 {
            let pw: String = (0..len).map(|_| printable[next(printable.len())]).collect();
            let t = Instant::now();
            std::hint::black_box(strength::check(&pw, &inputs).unwrap());
            random.push(t.elapsed().as_secs_f64() * 1e3);
            let mut pw = String::new();
            while pw.chars().count() < len {
                pw.push_str(words[next(words.len())]);
                pw.push(' ');
            }
            let pw: String = pw.chars().take(len).collect();
            let t = Instant::now();
            std::hint::black_box(strength::check(&pw, &inputs).unwrap());
            phrase.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (rm, r95) = stats(random);
        let (pm, p95) = stats(phrase);
        println!(
            "{len:2} chars: random printable median {rm:.3} ms p95 {r95:.3} ms; \
             Indonesian phrase median {pm:.3} ms p95 {p95:.3} ms"
        );
    }
}
