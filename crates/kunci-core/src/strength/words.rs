//! The Indonesian word list, and the search that tells which entries of a word list (the
//! Indonesian roots, or the holder's own data) occur in a password as zxcvbn would read it.
//!
//! zxcvbn only takes extra words through its `user_inputs`, where a word's rank (its guess
//! count) is its position in the slice, and it rebuilds a hash map of the whole slice on every
//! call. Passing all 30 000 roots would cost milliseconds per keystroke, so kunci passes only the
//! roots that can match: a dictionary match is always a substring of the password, lower-cased,
//! read forwards or backwards, or with l33t characters read as letters. [`WordList::find`]
//! finds exactly those (a superset is harmless: a word that does not match changes nothing) by
//! walking each start position of the password down the sorted list, narrowing the range of
//! words that share the prefix read so far with two binary searches per byte. The sorted list
//! itself is the index, so nothing beyond a slice of `&str` is built, once, in a `LazyLock`.

use std::borrow::Cow;
use std::sync::LazyLock;

/// kunci's Indonesian word list: one lower-case root a line, sorted, unique, at least three
/// letters (made by `data/make-id-words.py` from the Sastrawi package; see `data/README.md`).
const ID_WORDS: &str = include_str!("../../data/id-words.txt");

/// A list of lower-case entries sorted by bytes, without duplicates.
pub(super) struct WordList<'a> {
    words: Vec<&'a str>,
}

impl<'a> WordList<'a> {
    /// Sorts and deduplicates `words` (already lower-cased by the caller).
    pub(super) fn new(mut words: Vec<&'a str>) -> Self {
        words.sort_unstable();
        words.dedup();
        WordList { words }
    }

    /// The entry at `index`, as returned by [`WordList::find`].
    pub(super) fn word(&self, index: usize) -> &'a str {
        self.words[index]
    }

    /// Whether `word` is an entry.
    pub(super) fn contains(&self, word: &str) -> bool {
        self.words.binary_search(&word).is_ok()
    }

    /// Indices (sorted, unique) of every entry that occurs in one of the readings.
    pub(super) fn find(&self, readings: &Readings) -> Vec<usize> {
        let mut found = Vec::new();
        if self.words.is_empty() {
            return found;
        }
        for text in [&readings.forward, &readings.backward] {
            for start in 0..text.len() {
                self.walk(text, start, 0, self.words.len(), 0, &mut found);
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Extends the prefix `words[lo..hi]` share (its first `depth` bytes) by the character at
    /// `text[pos]`, read as itself and as each letter it may stand for in l33t, and goes on.
    /// The recursion is as deep as the longest entry, and each branch ends as soon as no
    /// entry starts with what has been read, so ambiguous l33t characters cannot blow it up.
    fn walk(
        &self,
        text: &[char],
        pos: usize,
        lo: usize,
        hi: usize,
        depth: usize,
        found: &mut Vec<usize>,
    ) {
        let Some(&c) = text.get(pos) else { return };
        for &read_as in std::iter::once(&c).chain(l33t_letters(c)) {
            let mut utf8 = [0u8; 4];
            let (mut l, mut h, mut d) = (lo, hi, depth);
            for &b in read_as.encode_utf8(&mut utf8).as_bytes() {
                (l, h) = self.narrow(l, h, d, b);
                d += 1;
                if l == h {
                    break;
                }
            }
            if l == h {
                continue;
            }
            // Entries equal to the prefix sort first in their range.
            if self.words[l].len() == d {
                found.push(l);
            }
            if h - l > 1 || self.words[l].len() > d {
                self.walk(text, pos + 1, l, h, d, found);
            }
        }
    }

    /// The sub-range of `words[lo..hi]` (which share their first `depth` bytes) whose byte at
    /// `depth` is `b`. Entries that end at `depth` sort before any byte, as `None < Some(_)`.
    fn narrow(&self, lo: usize, hi: usize, depth: usize, b: u8) -> (usize, usize) {
        let range = &self.words[lo..hi];
        let byte = |w: &&str| w.as_bytes().get(depth).copied();
        let start = range.partition_point(|w| byte(w) < Some(b));
        let end = start + range[start..].partition_point(|w| byte(w) == Some(b));
        (lo + start, lo + end)
    }
}

/// The password as zxcvbn's dictionary matchers read it: lower-cased as a whole (zxcvbn calls
/// `str::to_lowercase`, which can change the number of characters), forwards, and reversed
/// before lower-casing as its reverse matcher does.
pub(super) struct Readings {
    forward: Vec<char>,
    backward: Vec<char>,
}

impl Readings {
    /// Readings of `judged`, the part of the password zxcvbn is given.
    pub(super) fn new(judged: &str) -> Self {
        let reversed: String = judged.chars().rev().collect();
        Readings {
            forward: judged.to_lowercase().chars().collect(),
            backward: reversed.to_lowercase().chars().collect(),
        }
    }
}

/// The letters a character may stand for in l33t speak: zxcvbn 3.1's `L33T_TABLE`
/// (src/matching/mod.rs) read backwards. Its l33t matcher tries consistent substitutions
/// only; trying every letter at every place finds a superset, which is all this needs.
fn l33t_letters(c: char) -> &'static [char] {
    match c {
        '4' | '@' => &['a'],
        '8' => &['b'],
        '(' | '{' | '[' | '<' => &['c'],
        '3' => &['e'],
        '6' | '9' => &['g'],
        '1' | '|' => &['i', 'l'],
        '!' => &['i'],
        '7' => &['l', 't'],
        '0' => &['o'],
        '$' | '5' => &['s'],
        '+' => &['t'],
        '%' => &['x'],
        '2' => &['z'],
        _ => &[],
    }
}

/// Indonesian's possessive clitics ("my", "your", "his/her/its"), written joined to the word
/// they follow: "sayangku" (my darling) is a classic password. zxcvbn alone prices root +
/// "ku" as a two-token sequence, hundreds of thousands of guesses; an attacker just appends
/// the three clitics to every root. So a root found with a clitic after it is also passed
/// whole, ranked like the roots (half the number of such forms of its length).
const CLITICS: [&str; 3] = ["ku", "mu", "nya"];

/// The Indonesian roots with their zxcvbn ranks.
pub(super) struct IndonesianWords {
    list: WordList<'static>,
    /// `rank_by_len[n]` is the rank of every root of `n` letters.
    rank_by_len: Vec<usize>,
    /// `clitic_rank_by_len[n]` is the rank of every root + clitic of `n` letters.
    clitic_rank_by_len: Vec<usize>,
}

/// Built on first use (a few milliseconds): the sorted slice and the rank of each length.
static INDONESIAN: LazyLock<IndonesianWords> = LazyLock::new(|| {
    // The file is already sorted and unique (tests/strength.rs checks it); `new` re-sorts
    // anyway so that the search can never be wrong because of the file.
    let list = WordList::new(ID_WORDS.lines().collect());
    let longest = list.words.iter().map(|w| w.len()).max().unwrap_or(0);
    let mut count_by_len = vec![0usize; longest + 1];
    for w in &list.words {
        count_by_len[w.len()] += 1;
    }
    // The list carries no frequencies, so a word's rank is the expected number of tries for
    // an attacker who goes through the list's words of the token's length in an order
    // unrelated to their popularity: half the number of words of that length, rounded up.
    // zxcvbn prices a brute-forced token the same way (10^length, as if its length were
    // known). This errs on the attacker's side (fewer guesses than the whole list, so it
    // refuses more), which is the side a password rule should err on. It also keeps the
    // ranks, and so the padding `check` passes to zxcvbn, below about 3 400.
    let rank_by_len = count_by_len.iter().map(|&n| n.div_ceil(2)).collect();
    let clitic_rank_by_len = (0..=longest + 3)
        .map(|len| {
            let forms: usize = CLITICS
                .iter()
                .filter_map(|c| len.checked_sub(c.len()))
                .map(|root_len| count_by_len.get(root_len).copied().unwrap_or(0))
                .sum();
            forms.div_ceil(2)
        })
        .collect();
    IndonesianWords {
        list,
        rank_by_len,
        clitic_rank_by_len,
    }
});

/// The Indonesian word list (built on first use).
pub(super) fn indonesian() -> &'static IndonesianWords {
    &INDONESIAN
}

/// Builds and drops a `HashMap<&str, usize>` of the Indonesian words ranked by position: the
/// type of each of zxcvbn's ranked dictionaries, hence the same compiled code (see
/// `warm_up_step`).
pub(super) fn warm_hash_map() {
    let map: std::collections::HashMap<&'static str, usize> = ID_WORDS
        .lines()
        .enumerate()
        .map(|(i, w)| (w, i + 1))
        .collect();
    std::hint::black_box(map);
}

impl IndonesianWords {
    /// Every Indonesian word that occurs in the readings, with its zxcvbn rank: the roots, and
    /// each root followed by a clitic (when that is not itself a root).
    pub(super) fn find(&self, readings: &Readings) -> Vec<(usize, Cow<'static, str>)> {
        let roots = self.list.find(readings);
        let mut found: Vec<(usize, Cow<'static, str>)> = roots
            .iter()
            .map(|&i| (self.rank(i), Cow::Borrowed(self.list.word(i))))
            .collect();
        // A root + clitic can only occur where its root does.
        let forms: Vec<String> = roots
            .iter()
            .flat_map(|&i| {
                CLITICS
                    .iter()
                    .map(move |c| format!("{}{c}", self.list.word(i)))
            })
            .collect();
        let forms = WordList::new(forms.iter().map(String::as_str).collect());
        for i in forms.find(readings) {
            let form = forms.word(i);
            if !self.list.contains(form) {
                let rank = self
                    .clitic_rank_by_len
                    .get(form.len())
                    .copied()
                    .unwrap_or(1);
                found.push((rank.max(1), Cow::Owned(form.to_owned())));
            }
        }
        found
    }

    /// The zxcvbn rank given to the root at `index` (at least 1).
    fn rank(&self, index: usize) -> usize {
        let len = self.list.word(index).len();
        self.rank_by_len.get(len).copied().unwrap_or(1).max(1)
    }

    /// Number of roots in the list.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.list.words.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found<'a>(list: &WordList<'a>, password: &str) -> Vec<&'a str> {
        let readings = Readings::new(password);
        list.find(&readings)
            .into_iter()
            .map(|i| list.word(i))
            .collect()
    }

    #[test]
    fn finds_plain_reversed_and_l33t_substrings() {
        let list = WordList::new(vec!["aku", "kamu", "rahasia", "sayang", "tidak"]);
        assert_eq!(found(&list, "xxRAHASIAxx"), ["rahasia"]);
        assert_eq!(found(&list, "aisahar"), ["rahasia"]);
        assert_eq!(found(&list, "r4h4$14"), ["rahasia"]);
        assert_eq!(found(&list, "+1d4k"), ["tidak"]);
        assert_eq!(found(&list, "akukamu"), ["aku", "kamu"]);
        assert!(found(&list, "qwerty").is_empty());
        assert!(found(&list, "").is_empty());
    }

    #[test]
    fn a_word_that_is_a_prefix_of_another_is_found_too() {
        let list = WordList::new(vec!["saya", "sayang", "sayangi"]);
        assert_eq!(found(&list, "sayangi"), ["saya", "sayang", "sayangi"]);
        assert_eq!(found(&list, "sayan"), ["saya"]);
    }

    #[test]
    fn non_ascii_entries_and_passwords_are_walked_by_utf8_bytes() {
        let list = WordList::new(vec!["josé", "müller"]);
        assert_eq!(found(&list, "JOSÉ123"), ["josé"]);
        assert_eq!(found(&list, "xMüllerx"), ["müller"]);
        assert!(found(&list, "😀jos😀").is_empty());
    }

    fn count_of_len(len: usize) -> usize {
        indonesian()
            .list
            .words
            .iter()
            .filter(|w| w.len() == len)
            .count()
    }

    #[test]
    fn indonesian_ranks_follow_length_bands() {
        let id = indonesian();
        assert!(id.len() > 29_000);
        let found = id.find(&Readings::new("rahasia"));
        let rank = found.iter().find(|(_, w)| w == "rahasia").map(|(r, _)| *r);
        assert_eq!(rank, Some(count_of_len(7).div_ceil(2)));
    }

    #[test]
    fn a_root_with_a_clitic_is_found_whole_and_ranked_by_its_length() {
        let found = indonesian().find(&Readings::new("SAYANGKU"));
        let rank = found.iter().find(|(_, w)| w == "sayangku").map(|(r, _)| *r);
        // 8 letters: 6-letter roots + "ku" or "mu", 5-letter roots + "nya".
        assert_eq!(
            rank,
            Some((2 * count_of_len(6) + count_of_len(5)).div_ceil(2))
        );
        assert!(found.iter().any(|(_, w)| w == "sayang"));
        // "kamu" is a root, not "ka" + "mu": it keeps its root rank.
        let kamu = indonesian().find(&Readings::new("kamu"));
        assert_eq!(kamu.iter().filter(|(_, w)| w == "kamu").count(), 1);
    }
}
