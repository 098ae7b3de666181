//! The text pipeline: split into words, lower-case, drop stop words, stem, form bigrams.
//!
//! Every step is a separate function so that each can be tested on its own, and the whole
//! pipeline is described by [`TextConfig`], which is stored inside every model so that
//! prediction always uses the pipeline the model was trained with.

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Words longer than this many bytes are not looked up: they become an unknown token.
/// This bounds the work per word (a 100 MB line of one "word" costs nothing extra).
pub const MAX_WORD_BYTES: usize = 48;

/// Settings of the text pipeline, stored in the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextConfig {
    /// Apply English Snowball stemming to every word.
    pub stem: bool,
    /// Drop English stop words before stemming and before forming bigrams.
    pub stop_words: bool,
    /// Add word bigrams (adjacent terms, joined by one space) to the unigrams.
    pub bigrams: bool,
    /// Word unigrams (stemmed unless `stem` is off) are features. Off, only bigrams and
    /// character n-grams are.
    #[serde(default = "yes")]
    pub words: bool,
    /// Character n-grams of lengths `lo..=hi` inside word boundaries (scikit-learn's
    /// `char_wb`): each lower-cased, unstemmed word is padded with one space on each side
    /// and cut into n-grams. Their feature names are `#` followed by the n-gram, with the
    /// padding shown as `_` ("#_op", "#pen_").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub char_ngrams: Option<(u8, u8)>,
}

fn yes() -> bool {
    true
}

/// The longest character n-gram a model may use.
pub const MAX_CHAR_NGRAM: u8 = 8;

impl Default for TextConfig {
    fn default() -> Self {
        TextConfig {
            stem: true,
            stop_words: false,
            bigrams: false,
            words: true,
            char_ngrams: None,
        }
    }
}

impl TextConfig {
    /// Checks the feature kinds.
    ///
    /// # Errors
    /// No feature kind at all, or a character n-gram range outside 1-8 or upside down.
    pub fn check(&self) -> crate::Result<()> {
        if let Some((lo, hi)) = self.char_ngrams {
            if !(1 <= lo && lo <= hi && hi <= MAX_CHAR_NGRAM) {
                return Err(crate::Error::Param(format!(
                    "--char-ngrams must be a range LO-HI with 1 <= LO <= HI <= {MAX_CHAR_NGRAM}, got {lo}-{hi}"
                )));
            }
        }
        if !self.words && !self.bigrams && self.char_ngrams.is_none() {
            return Err(crate::Error::Param(
                "no features: word unigrams are off (--no-words) and neither --bigrams nor --char-ngrams is on".into(),
            ));
        }
        Ok(())
    }
}

/// Calls `f` with each character n-gram feature name of one lower-cased `word`, for n in
/// `lo..=hi`, exactly as scikit-learn's `char_wb` analyzer: the word padded with a space on
/// each side; a padded word shorter than n gives itself once, and then no longer n-grams.
/// `buf` is scratch space.
pub fn for_each_char_ngram(
    word: &str,
    (lo, hi): (u8, u8),
    buf: &mut Vec<char>,
    name: &mut String,
    mut f: impl FnMut(&str),
) {
    buf.clear();
    buf.push(' ');
    buf.extend(word.chars());
    buf.push(' ');
    let len = buf.len();
    for n in usize::from(lo)..=usize::from(hi) {
        let mut offset = 0;
        loop {
            name.clear();
            name.push('#');
            for &c in &buf[offset..(offset + n).min(len)] {
                name.push(if c == ' ' { '_' } else { c });
            }
            f(name);
            if offset + n >= len {
                break;
            }
            offset += 1;
        }
        if offset == 0 {
            break;
        }
    }
}

/// What one word becomes in the pipeline.
#[derive(Debug, PartialEq, Eq)]
pub enum Word<'a> {
    /// A term (the stem, or the word itself without stemming).
    Term(Cow<'a, str>),
    /// A stop word: dropped, and bigrams form across it.
    Stop,
    /// Too long to be a word: it breaks bigrams and is never a feature.
    Unknown,
}

/// Calls `f` with each word of `text`, lower-cased, in order.
///
/// A word is a maximal run of Unicode alphanumeric characters; an apostrophe (`'` or `’`)
/// between two alphanumerics stays inside the word (as `'`), so "don't" is one word and
/// "open-source" is two. `buf` is scratch space reused across calls.
pub fn for_each_word(text: &str, buf: &mut String, f: impl FnMut(&str)) {
    if text.is_ascii() {
        ascii_words(text, buf, f);
    } else {
        unicode_words(text, buf, f);
    }
}

/// [`for_each_word`] for ASCII text: the same rules, but a word that is already lower case
/// is handed over as a slice of `text`, without copying.
fn ascii_words(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        while i < n && ASCII_CLASS[b[i] as usize] == 0 {
            i += 1;
        }
        if i == n {
            break;
        }
        let start = i;
        let mut class = 0u8;
        loop {
            while i < n {
                let c = ASCII_CLASS[b[i] as usize];
                if c == 0 {
                    break;
                }
                class |= c;
                i += 1;
            }
            if i + 1 < n && b[i] == b'\'' && ASCII_CLASS[b[i + 1] as usize] != 0 {
                i += 1;
                continue;
            }
            break;
        }
        let word = &text[start..i];
        if class & UPPER != 0 {
            buf.clear();
            buf.push_str(word);
            buf.make_ascii_lowercase();
            f(buf);
        } else {
            f(word);
        }
    }
}

/// Per byte: 0 for a byte that is not an ASCII letter or digit, [`ALNUM`] for a lower-case
/// letter or a digit, `ALNUM | UPPER` for an upper-case letter.
const ASCII_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_uppercase() {
            t[c] = ALNUM | UPPER;
        } else if b.is_ascii_alphanumeric() {
            t[c] = ALNUM;
        }
        c += 1;
    }
    t
};
const ALNUM: u8 = 1;
const UPPER: u8 = 2;

/// [`for_each_word`] for any text.
fn unicode_words(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    buf.clear();
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if c.is_ascii() {
                buf.push(c.to_ascii_lowercase());
            } else {
                buf.extend(c.to_lowercase());
            }
        } else if (c == '\'' || c == '\u{2019}')
            && !buf.is_empty()
            && next_is_alnum(text, i + c.len_utf8())
        {
            buf.push('\'');
        } else if !buf.is_empty() {
            flush(buf, &mut f);
        }
    }
    if !buf.is_empty() {
        flush(buf, &mut f);
    }
}

#[inline]
fn next_is_alnum(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_some_and(char::is_alphanumeric)
}

#[inline]
fn flush(buf: &mut String, f: &mut impl FnMut(&str)) {
    f(buf);
    buf.clear();
}

/// The configured pipeline: turns text into terms.
pub struct Pipeline {
    config: TextConfig,
    stemmer: Option<Stemmer>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("config", &self.config)
            .finish()
    }
}

impl Clone for Pipeline {
    fn clone(&self) -> Self {
        Pipeline::new(self.config.clone())
    }
}

impl Pipeline {
    /// Builds the pipeline described by `config`.
    pub fn new(config: TextConfig) -> Self {
        let stemmer = config.stem.then(|| Stemmer::create(Algorithm::English));
        Pipeline { config, stemmer }
    }

    /// The settings this pipeline was built from.
    pub fn config(&self) -> &TextConfig {
        &self.config
    }

    /// Maps one lower-cased word (as given by [`for_each_word`]) to what it becomes.
    pub fn word<'a>(&self, word: &'a str) -> Word<'a> {
        if word.len() > MAX_WORD_BYTES {
            return Word::Unknown;
        }
        if self.config.stop_words && is_stop_word(word) {
            return Word::Stop;
        }
        match &self.stemmer {
            Some(s) => Word::Term(s.stem(word)),
            None => Word::Term(Cow::Borrowed(word)),
        }
    }

    /// The terms of `text`: its unigrams in order (unless `words` is off), its character
    /// n-grams in order (with `char_ngrams`), then (with bigrams on) its bigrams in order. `out` is cleared first. Used for training; prediction uses the faster
    /// cached path in [`crate::scorer`], which yields the same features.
    pub fn terms(&self, text: &str, out: &mut Vec<String>) {
        out.clear();
        let mut units: Vec<Option<String>> = Vec::new();
        let mut grams: Vec<String> = Vec::new();
        let (mut buf, mut chars, mut name) = (String::new(), Vec::new(), String::new());
        for_each_word(text, &mut buf, |w| {
            if let Some(range) = self.config.char_ngrams {
                if w.len() <= MAX_WORD_BYTES {
                    for_each_char_ngram(w, range, &mut chars, &mut name, |g| {
                        grams.push(g.to_string())
                    });
                }
            }
            match self.word(w) {
                Word::Term(t) => units.push(Some(t.into_owned())),
                Word::Stop => {}
                Word::Unknown => units.push(None),
            }
        });
        if self.config.words {
            out.extend(units.iter().flatten().cloned());
        }
        out.append(&mut grams);
        if self.config.bigrams {
            for pair in units.windows(2) {
                if let (Some(a), Some(b)) = (&pair[0], &pair[1]) {
                    out.push(bigram(a, b));
                }
            }
        }
    }
}

/// The feature name of a bigram: the two terms joined by one space.
pub fn bigram(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + 1);
    s.push_str(a);
    s.push(' ');
    s.push_str(b);
    s
}

/// English stop words (function words that carry no claim), sorted for binary search.
/// Negations ("no", "not", "never") are deliberately kept out: they change claims.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Whether `word` (lower-cased) is an English stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_word(text, &mut String::new(), |w| out.push(w.to_string()));
        out
    }

    fn terms(config: TextConfig, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        Pipeline::new(config).terms(text, &mut out);
        out
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stop_word("the") && !is_stop_word("not"));
    }

    #[test]
    fn splits_on_punctuation_and_lowercases() {
        assert_eq!(
            words("Open-Source AI, e.g. Llama 3.1!"),
            ["open", "source", "ai", "e", "g", "llama", "3", "1"]
        );
    }

    #[test]
    fn keeps_inner_apostrophes_only() {
        assert_eq!(words("don’t 'quote' it's"), ["don't", "quote", "it's"]);
    }

    #[test]
    fn unicode_letters_are_words() {
        assert_eq!(
            words("Größe ÉTÉ 東京 naïve"),
            ["größe", "été", "東京", "naïve"]
        );
    }

    #[test]
    fn ascii_fast_path_equals_the_unicode_path() {
        let samples = [
            "Open-Source AI, e.g. Llama 3.1!",
            "don't 'quote' it's x' 'y O'NEIL rock'n'roll ''a'' b''c",
            "ALL CAPS and MiXeD case123 4you",
            "  \t\r trailing' ",
            "",
        ];
        for s in samples {
            let (mut a, mut u) = (Vec::new(), Vec::new());
            ascii_words(s, &mut String::new(), |w| a.push(w.to_string()));
            unicode_words(s, &mut String::new(), |w| u.push(w.to_string()));
            assert_eq!(a, u, "{s:?}");
        }
    }

    #[test]
    fn empty_and_symbol_only_text_has_no_words() {
        assert!(words("").is_empty());
        assert!(words(" \t--!!?? …").is_empty());
    }

    #[test]
    fn stems_with_snowball() {
        assert_eq!(
            terms(TextConfig::default(), "Attackers exploited vulnerabilities"),
            ["attack", "exploit", "vulner"]
        );
    }

    fn grams(word: &str, range: (u8, u8)) -> Vec<String> {
        let mut out = Vec::new();
        for_each_char_ngram(word, range, &mut Vec::new(), &mut String::new(), |g| {
            out.push(g.to_string())
        });
        out
    }

    #[test]
    fn char_ngrams_follow_scikit_learns_char_wb() {
        // " ai " has 4 characters: 3-grams " ai", "ai "; then the whole padded word once
        // for n = 4, and nothing longer.
        assert_eq!(grams("ai", (3, 5)), ["#_ai", "#ai_", "#_ai_"]);
        assert_eq!(
            grams("open", (3, 4)),
            ["#_op", "#ope", "#pen", "#en_", "#_ope", "#open", "#pen_"]
        );
        // a padded word shorter than n: itself, once
        assert_eq!(grams("a", (4, 8)), ["#_a_"]);
        assert_eq!(grams("naïve", (6, 6)), ["#_naïve", "#naïve_"]);
        assert_eq!(grams("x", (1, 1)), ["#_", "#x", "#_"]);
    }

    #[test]
    fn char_ngram_terms_come_after_words_and_words_can_be_off() {
        let config = TextConfig {
            stem: false,
            char_ngrams: Some((4, 4)),
            ..TextConfig::default()
        };
        assert_eq!(
            terms(config.clone(), "AI ok"),
            ["ai", "ok", "#_ai_", "#_ok_"]
        );
        let chars_only = TextConfig {
            words: false,
            ..config
        };
        assert_eq!(terms(chars_only, "AI"), ["#_ai_"]);
        assert!(TextConfig {
            words: false,
            ..TextConfig::default()
        }
        .check()
        .is_err());
        for bad in [(0, 3), (4, 3), (3, 9)] {
            let c = TextConfig {
                char_ngrams: Some(bad),
                ..TextConfig::default()
            };
            assert!(c.check().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn no_stem_keeps_words() {
        let config = TextConfig {
            stem: false,
            ..TextConfig::default()
        };
        assert_eq!(
            terms(config, "Attackers exploited"),
            ["attackers", "exploited"]
        );
    }

    #[test]
    fn bigrams_form_across_stop_words_but_not_unknown_words() {
        let config = TextConfig {
            stem: false,
            stop_words: true,
            bigrams: true,
            ..TextConfig::default()
        };
        let long = "x".repeat(MAX_WORD_BYTES + 1);
        let text = format!("cheap of the models {long} run");
        assert_eq!(
            terms(config, &text),
            ["cheap", "models", "run", "cheap models"]
        );
    }
}
