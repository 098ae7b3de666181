//! The compiled scoring table: per feature, one weight per class, so that scoring a
//! sentence costs time in proportion to its words, never to the vocabulary size.
//!
//! Character n-grams stay inside one word, so a word's n-grams always add the same row of
//! class weights: it is summed once, when the word is first seen, and cached per thread
//! like the word's term id. At scoring, character n-grams count once per occurrence and
//! word features take the model's term-frequency transform; idf weights (and, with a
//! character expert, its weight) are folded into the table. The probabilities are
//! `softmax(jll / temperature)`, then the calibration's top-label map, if it has one.

use crate::model::{Model, Variant};
use crate::text::{for_each_char_ngram, for_each_word, Pipeline, Word, MAX_WORD_BYTES};
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// Marks a word that is not part of any feature: it breaks bigrams.
const UNKNOWN: u32 = u32::MAX;
/// Marks a stop word: skipped, bigrams form across it.
const STOP: u32 = u32::MAX - 1;
/// Marks a word with no cached row (none of its character n-grams, nor its unigram when
/// folded in, is a feature).
const NO_ROW: u32 = u32::MAX;
/// Marks a pending row as a cached word row (not a table row).
const CACHED: u32 = 1 << 31;
/// Per-thread word cache entries before it is cleared (bounds memory on endless input).
const CACHE_LIMIT: usize = 1 << 20;
/// The same with character n-gram rows cached per word (each holds one weight per class).
const CACHE_LIMIT_ROWS: usize = 1 << 17;

/// A first word with at most this many bigram successors is searched linearly (they sit
/// in one or two cache lines); the bigrams of words with more are found in one hash
/// table (one probe instead of a binary search through a long list).
const LINEAR_SUCCESSORS: usize = 12;

/// Gives every scorer an identity, so that a scratch space used with another scorer
/// drops the cache it filled for the first.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// An immutable, thread-safe scorer compiled from a [`Model`].
#[derive(Debug, Clone)]
pub struct Scorer {
    id: u64,
    pipeline: Pipeline,
    /// The reported labels, sorted: the classes, with sub-classes (`parent~sub`) reported
    /// as their parent.
    labels: Vec<String>,
    /// Class -> its label in `labels` (empty: each class is its own label).
    group: Vec<u32>,
    n_classes: usize,
    /// term -> term id, for every term that is a feature or part of a bigram feature.
    terms: FxHashMap<String, u32>,
    /// term id -> unigram feature column (or UNKNOWN).
    unigram: Vec<u32>,
    /// Bigram features by first term: the (second term id, row, distinct row of its
    /// weights) of first term `a` are `successors[starts[a]..starts[a + 1]]`, sorted by
    /// second term id.
    starts: Vec<u32>,
    successors: Vec<(u32, u32, u32)>,
    /// The bigrams of first terms with more than [`LINEAR_SUCCESSORS`] successors, by
    /// (first, second) term ids: open addressing, keys `(a << 32 | b) + 1` (0: empty),
    /// each next to its row and distinct row (one cache line per probe).
    pairs: Vec<(u64, u32, u32)>,
    /// character n-gram feature name ("#" + n-gram) -> feature column.
    chars: FxHashMap<String, u32>,
    char_ngrams: Option<(u8, u8)>,
    /// Feature columns below this one are character n-grams (their names, starting with
    /// `#`, sort first).
    n_char_features: usize,
    /// The table's rows are the features ordered so that those read for every sentence
    /// (bigrams; words too unless folded into the cached word rows) come first, each group
    /// by how often it occurred in training, most frequent first: their distinct rows of
    /// weights then sit together in the CPU's caches. Vocabulary column -> row, and row ->
    /// column.
    col_row: Vec<u32>,
    row_col: Vec<u32>,
    /// The distinct rows of `n_classes` weights (idf folded in), in order of first use by
    /// the rows: features with the same counts in every class (most bigrams and n-grams
    /// were seen once, in one class) share one, so the rows a text reads stay in the CPU's
    /// caches.
    weights: Vec<f64>,
    /// Table row -> its distinct row in `weights`.
    distinct: Vec<u32>,
    /// Whether a word's unigram weights are folded into its cached row (every occurrence
    /// adds them once), and bigram rows are added once per occurrence too.
    fold_words: bool,
    /// With folded words: whether word features found more than once in a sentence take
    /// `1 + ln(count)` instead of `count` (a correction added after the sum).
    sublinear: bool,
    /// Per class, log prior, plus the Bernoulli sum over absent features.
    bias: Vec<f64>,
    counts_needed: bool,
    temperature: f64,
    /// The calibration's top-label map (empty: none).
    top_map: Vec<(f64, f64)>,
    model: Model,
}

/// A word's 64-bit windows: for a word of up to 16 bytes, its length and these two
/// (overlapping) windows hold every byte, so they identify it without reading it again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct WordKey {
    len: u32,
    x: u64,
    y: u64,
}

impl WordKey {
    #[inline]
    fn new(b: &[u8]) -> WordKey {
        let n = b.len();
        let (x, y) = if n >= 8 {
            (read_u64(b, 0), read_u64(b, n - 8))
        } else if n >= 4 {
            (u64::from(read_u32(b, 0)), u64::from(read_u32(b, n - 4)))
        } else if n > 0 {
            (
                u64::from(b[0]) | u64::from(b[n / 2]) << 8,
                u64::from(b[n - 1]),
            )
        } else {
            (0, 0)
        };
        WordKey {
            len: n as u32,
            x,
            y,
        }
    }

    /// The slot hash (for words over 16 bytes, the middle bytes are mixed in too).
    #[inline]
    fn hash(&self, b: &[u8]) -> u64 {
        let mut x = self.x;
        if b.len() > 16 {
            for c in b[8..b.len() - 8].chunks(8) {
                let mut w = [0u8; 8];
                w[..c.len()].copy_from_slice(c);
                x = mix(x ^ u64::from_le_bytes(w), 0x243F_6A88_85A3_08D3);
            }
        }
        mix(x ^ 0x9E37_79B9_7F4A_7C15, self.y ^ u64::from(self.len))
    }
}

/// Asks the CPU to fetch the cache line where `items` starts.
#[inline(always)]
fn prefetch_bytes<T>(items: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: as in `prefetch`: a hint that never faults, on an address inside a slice.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(items.as_ptr().cast::<i8>()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = items;
}

/// Asks the CPU to fetch a row (at most two cache lines) ahead of its use.
#[inline(always)]
fn prefetch(row: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = row.as_ptr().cast::<i8>();
        // SAFETY: a prefetch is a hint that never faults nor changes memory, whatever the
        // address; SSE, which it needs, is part of every x86_64 CPU.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(p);
            _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

#[inline]
fn pair_key(a: u32, b: u32) -> u64 {
    ((u64::from(a) << 32) | u64::from(b)) + 1
}

#[inline]
fn pair_slot(key: u64, size: usize) -> usize {
    (mix(key, 0x9E37_79B9_7F4A_7C15) as usize) & (size - 1)
}

#[inline]
fn read_u64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

#[inline]
fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// A folded 128-bit multiply (as in foldhash and wyhash).
#[inline]
fn mix(a: u64, b: u64) -> u64 {
    let p = u128::from(a).wrapping_mul(u128::from(b ^ 0xA076_1D64_78BD_642F));
    (p as u64) ^ ((p >> 64) as u64)
}

/// What the word cache holds for a word.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// Term id (or UNKNOWN / STOP).
    id: u32,
    /// Cached row of character n-gram (and folded unigram) weights, or NO_ROW.
    row: u32,
    /// The word's bigram successors: `successors[lo..hi]`.
    lo: u32,
    hi: u32,
    /// How many feature occurrences `row` sums.
    known: u32,
    /// The word's unigram feature (or UNKNOWN).
    unigram: u32,
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    key: WordKey,
    entry: Entry,
    /// Words over 16 bytes: where their bytes start in `long`.
    long_at: u32,
}

/// The per-thread word cache: open addressing keyed by [`WordKey`], with the entries inline
/// (no pointer to follow before the comparison, unlike a map keyed by strings). Words over
/// 16 bytes keep their bytes in one arena, compared on a key match.
#[derive(Debug, Default)]
struct WordCache {
    slots: Vec<Slot>,
    len: usize,
    long: Vec<u8>,
}

impl WordCache {
    fn len(&self) -> usize {
        self.len
    }

    fn clear(&mut self) {
        self.slots.clear();
        self.len = 0;
        self.long.clear();
    }

    #[inline]
    fn get(&self, key: &WordKey, word: &[u8]) -> Option<Entry> {
        self.get_hashed(key, word, key.hash(word))
    }

    /// Asks the CPU to fetch the slot where a word of this hash would be.
    #[inline]
    fn prefetch(&self, hash: u64) {
        if !self.slots.is_empty() {
            let i = hash as usize & (self.slots.len() - 1);
            prefetch_bytes(&self.slots[i..]);
        }
    }

    /// [`WordCache::get`] with the word's hash computed already.
    #[inline]
    fn get_hashed(&self, key: &WordKey, word: &[u8], hash: u64) -> Option<Entry> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.key.len == 0 {
                return None;
            }
            if slot.key == *key
                && (key.len <= 16
                    || &self.long[slot.long_at as usize..slot.long_at as usize + word.len()]
                        == word)
            {
                return Some(slot.entry);
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds a word that [`WordCache::get`] did not find (the empty word is never cached).
    fn insert(&mut self, key: &WordKey, word: &[u8], entry: Entry) {
        if key.len == 0 {
            return;
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let long_at = if word.len() > 16 {
            self.long.extend_from_slice(word);
            (self.long.len() - word.len()) as u32
        } else {
            0
        };
        self.place(Slot {
            key: *key,
            entry,
            long_at,
        });
        self.len += 1;
    }

    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let word = self.word(&slot);
        let mut i = slot.key.hash(word) as usize & mask;
        while self.slots[i].key.len != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    /// The bytes of a long word (empty for a short one: its key says it all).
    fn word(&self, slot: &Slot) -> &[u8] {
        if slot.key.len > 16 {
            &self.long[slot.long_at as usize..slot.long_at as usize + slot.key.len as usize]
        } else {
            &[]
        }
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![Slot::default(); (old.len() * 2).max(1024)];
        for slot in old.into_iter().filter(|s| s.key.len != 0) {
            self.place(slot);
        }
    }
}

/// Reusable scratch space for one thread.
#[derive(Debug, Default)]
pub struct Scratch {
    owner: u64,
    /// word -> (term id, character n-gram row or NO_ROW, its bigram successors)
    cache: WordCache,
    /// Cached character n-gram rows, `n_classes` weights each.
    rows: Vec<f64>,
    char_acc: Vec<f64>,
    char_known: usize,
    /// Rows to add to `char_acc`, in text order, once every word of the sentence is looked
    /// up (their loads, prefetched meanwhile, then overlap): a table row, or a cached word
    /// row with [`CACHED`] set.
    pending: Vec<u32>,
    /// The words of the sentence being scored: their bytes, and per word (start, length,
    /// key, slot hash), for the batched look-ups of [`Scorer::walk_rows`].
    text_words: Vec<u8>,
    word_keys: Vec<(u32, u32, WordKey, u64)>,
    /// Per word of the sentence: its cache entry and the bigram it ends, if any
    /// (first term, and the first term's successors).
    entries: Vec<(Entry, u32, u32, u32)>,
    /// With sublinear tf, the word features (unigrams and bigrams) of the sentence whose
    /// terms occur more than once in it, to count them.
    word_feats: Vec<u32>,
    /// With sublinear tf, per term id: (sentence stamp, occurrences in that sentence).
    term_seen: Vec<(u32, u32)>,
    term_stamp: u32,
    chars: Vec<char>,
    gram: String,
    word: String,
    feats: Vec<u32>,
    counted: Vec<(u32, u32)>,
    /// Per feature column: (sentence stamp, position in `counted`), to count repeats in
    /// one pass without sorting.
    slots: Vec<(u32, u32)>,
    stamp: u32,
    /// Joint log-likelihood per class of the last sentence scored (a model with
    /// sub-classes has more classes than labels: see [`Scorer::classes`]).
    pub jll: Vec<f64>,
    /// Posterior probability per label ([`Scorer::labels`]) of the last sentence scored.
    pub probs: Vec<f64>,
    /// Room to add sub-class probabilities into their labels.
    merged: Vec<f64>,
}

impl Scratch {
    /// The features (rows of the scorer's table; [`Scorer::column`] maps them to vocabulary
    /// columns) found by the last [`Scorer::features`] call, one per occurrence, in text
    /// order.
    pub fn features(&self) -> &[u32] {
        &self.feats
    }
}

/// The outcome for one sentence (the probabilities stay in the scratch space).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Index of the best class (ties: the first label in sorted order).
    pub best: usize,
    /// Its posterior probability.
    pub probability: f64,
    /// Number of feature occurrences found; 0 means the priors decided.
    pub known: usize,
}

impl Scorer {
    /// Compiles the table for `model`.
    pub fn new(model: &Model) -> Scorer {
        Scorer::from_model(model.clone())
    }

    /// Compiles the table for `model`, keeping the model (no copy).
    pub fn from_model(owned: Model) -> Scorer {
        let model = &owned;
        let s = &model.settings;
        let (nc, nv) = (model.labels.len(), model.vocab.len());
        let n_char_features = model.vocab.terms().partition_point(|t| t.starts_with('#'));
        let mut terms: FxHashMap<String, u32> =
            FxHashMap::with_capacity_and_hasher(nv - n_char_features, Default::default());
        let mut unigram: Vec<u32> = Vec::new();
        let mut bigram: Vec<(u32, u32, u32)> = Vec::new();
        let mut chars: FxHashMap<String, u32> =
            FxHashMap::with_capacity_and_hasher(n_char_features, Default::default());
        let mut id_of = |t: &str, unigram: &mut Vec<u32>| -> u32 {
            // (a term seen before, as most bigram halves are, allocates nothing)
            if let Some(&id) = terms.get(t) {
                return id;
            }
            let next = terms.len() as u32;
            terms.insert(t.to_string(), next);
            unigram.push(UNKNOWN);
            next
        };
        // rows: the features read per sentence first (bigrams, and words unless folded into
        // the cached word rows; character n-grams are read only when a word is first seen),
        // then by frequency, most frequent first (ties: column order)
        let fold_words = s.variant != Variant::Bernoulli && s.text.words;
        let cold = |f: usize| -> u64 {
            let bigram = model.vocab.terms()[f].contains(' ');
            u64::from(f < n_char_features || (fold_words && !bigram))
        };
        let mut freq = vec![0.0f64; nv];
        for c in 0..nc {
            for (f, &x) in model.class_row(c).iter().enumerate() {
                freq[f] += x;
            }
        }
        // counts are finite and non-negative, so their bits order like the numbers
        let mut keyed: Vec<(u64, u64, u32)> = (0..nv)
            .map(|c| (cold(c), u64::MAX - freq[c].to_bits(), c as u32))
            .collect();
        keyed.sort_unstable();
        let row_col: Vec<u32> = keyed.into_iter().map(|(_, _, c)| c).collect();
        let mut col_row = vec![0u32; nv];
        for (r, &c) in row_col.iter().enumerate() {
            col_row[c as usize] = r as u32;
        }
        for (f, term) in model.vocab.terms().iter().enumerate() {
            let r = col_row[f];
            if f < n_char_features {
                chars.insert(term.clone(), r);
                continue;
            }
            match term.split_once(' ') {
                Some((a, b)) => {
                    let (a, b) = (id_of(a, &mut unigram), id_of(b, &mut unigram));
                    bigram.push((a, b, r));
                }
                None => {
                    let id = id_of(term, &mut unigram);
                    unigram[id as usize] = r;
                }
            }
        }
        let (table, bias) = compile_rows(model, |f| col_row[f] as usize);
        debug_assert_eq!(table.len(), nc * nv);
        let (weights, distinct) = distinct_rows(table, nc);
        bigram.sort_unstable();
        let mut starts = vec![0u32; unigram.len() + 1];
        for &(a, _, _) in &bigram {
            starts[a as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let successors: Vec<(u32, u32, u32)> = bigram
            .iter()
            .map(|&(_, b, r)| (b, r, distinct[r as usize]))
            .collect();
        let long = |a: u32| starts[a as usize + 1] - starts[a as usize] > LINEAR_SUCCESSORS as u32;
        let n_long = bigram.iter().filter(|&&(a, _, _)| long(a)).count();
        let size = (n_long * 2).next_power_of_two().max(2);
        let mut pairs = vec![(0u64, NO_ROW, NO_ROW); size];
        for &(a, b, r) in bigram.iter().filter(|&&(a, _, _)| long(a)) {
            let key = pair_key(a, b);
            let mut i = pair_slot(key, size);
            while pairs[i].0 != 0 {
                i = (i + 1) & (size - 1);
            }
            pairs[i] = (key, r, distinct[r as usize]);
        }
        let pipeline = Pipeline::new(s.text.clone());
        let (labels, group) = label_groups(&model.labels);
        let char_ngrams = s.text.char_ngrams;
        let counts_needed = s.needs_counts();
        let sublinear = fold_words && s.sublinear_tf;
        let temperature = model.calibration.as_ref().map_or(1.0, |c| c.temperature);
        let top_map = model
            .calibration
            .as_ref()
            .map_or_else(Vec::new, |c| c.top.clone());
        Scorer {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            pipeline,
            labels,
            group,
            n_classes: nc,
            terms,
            unigram,
            starts,
            successors,
            pairs,
            chars,
            char_ngrams,
            n_char_features,
            col_row,
            row_col,
            weights,
            distinct,
            fold_words,
            sublinear,
            bias,
            counts_needed,
            temperature,
            top_map,
            model: owned,
        }
    }

    /// The model this table was compiled from.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The labels it reports, sorted: the model's classes, sub-classes merged into their
    /// parent label.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The model's classes, sorted (the columns of [`Scratch::jll`] and of the weights);
    /// the same as [`Scorer::labels`] unless the model has sub-classes.
    pub fn classes(&self) -> &[String] {
        &self.model.labels
    }

    /// Class -> its index in [`Scorer::labels`] (empty: each class is its own label).
    pub fn groups(&self) -> &[u32] {
        &self.group
    }

    /// The temperature that divides the scores before the softmax (1 if uncalibrated).
    pub fn temperature(&self) -> f64 {
        self.temperature
    }

    /// Number of feature columns.
    fn n_features(&self) -> usize {
        self.distinct.len()
    }

    /// The weights of feature column `f` (a column of the model's vocabulary), one per
    /// class.
    pub fn weights(&self, f: u32) -> &[f64] {
        self.row(self.col_row[f as usize])
    }

    /// The weights of table row `r`.
    #[inline]
    fn row(&self, r: u32) -> &[f64] {
        self.distinct_row(self.distinct[r as usize])
    }

    /// The distinct row of weights `d`.
    #[inline]
    fn distinct_row(&self, d: u32) -> &[f64] {
        let c = self.n_classes;
        &self.weights[d as usize * c..(d as usize + 1) * c]
    }

    /// The per-class constant added to every sentence's score.
    pub fn bias(&self) -> &[f64] {
        &self.bias
    }

    /// The value a feature (table row `f`) found `n` times in a sentence takes at scoring.
    fn value(&self, f: u32, n: u32) -> f64 {
        if (self.row_col[f as usize] as usize) < self.n_char_features || !self.counts_needed {
            f64::from(n)
        } else {
            self.model.settings.feature_value(n)
        }
    }

    /// Scores `text`: fills `scratch.jll` and `scratch.probs` and returns the best class.
    pub fn score(&self, text: &str, scratch: &mut Scratch) -> Outcome {
        self.walk_rows(text, scratch);
        let counted = self.counts_needed && !self.fold_words;
        if counted {
            count_unsorted(scratch, self.n_features());
        }
        let jll = &mut scratch.jll;
        jll.clear();
        jll.extend_from_slice(&self.bias);
        if self.char_ngrams.is_some() || self.fold_words {
            add(jll, &scratch.char_acc, 1.0);
        }
        let known = scratch.feats.len() + scratch.char_known;
        if counted {
            for &(f, n) in &scratch.counted {
                let v = self.model.settings.feature_value(n);
                add(jll, self.row(f), v);
            }
        } else {
            for &f in &scratch.feats {
                add(jll, self.row(f), 1.0);
            }
        }
        let best = label_probabilities(
            jll,
            self.temperature,
            (&self.group, self.labels.len()),
            &self.top_map,
            &mut scratch.probs,
            &mut scratch.merged,
        );
        Outcome {
            best,
            probability: scratch.probs[best],
            known,
        }
    }

    /// The vocabulary column of table row `r` (as found in [`Scratch::features`]).
    pub fn column(&self, r: u32) -> u32 {
        self.row_col[r as usize]
    }

    /// The features of `text`, one per occurrence (words, bigrams and character n-grams),
    /// into `scratch.feats` (read them with [`Scratch::features`]).
    pub fn features(&self, text: &str, scratch: &mut Scratch) {
        self.walk_features(text, scratch);
    }

    /// Readies the scratch space for a sentence: the word cache follows this scorer and
    /// stays bounded; the per-sentence lists start empty.
    fn start_sentence(&self, scratch: &mut Scratch) {
        if scratch.owner != self.id {
            scratch.cache.clear();
            scratch.rows.clear();
            scratch.owner = self.id;
        }
        let limit = if self.char_ngrams.is_some() || self.fold_words {
            CACHE_LIMIT_ROWS
        } else {
            CACHE_LIMIT
        };
        if scratch.cache.len() > limit {
            scratch.cache.clear();
            scratch.rows.clear();
        }
        scratch.feats.clear();
        scratch.pending.clear();
        scratch.char_acc.clear();
        scratch.char_acc.resize(self.n_classes, 0.0);
        scratch.char_known = 0;
    }

    /// Walks the words of `text`, one at a time: every feature occurrence (character
    /// n-grams, words, bigrams) into `scratch.feats`, in text order.
    fn walk_features(&self, text: &str, scratch: &mut Scratch) {
        self.start_sentence(scratch);
        let Scratch {
            cache,
            rows,
            chars,
            gram,
            word,
            feats,
            ..
        } = scratch;
        let words = self.pipeline.config().words;
        let bigrams = self.pipeline.config().bigrams;
        let (mut prev, mut prev_lo, mut prev_hi) = (UNKNOWN, 0u32, 0u32);
        for_each_word(text, word, |w| {
            let key = WordKey::new(w.as_bytes());
            let e = match cache.get(&key, w.as_bytes()) {
                Some(e) => e,
                None => {
                    let e = self.new_entry(w, rows, chars, gram);
                    cache.insert(&key, w.as_bytes(), e);
                    e
                }
            };
            if let Some(range) = self.char_ngrams.filter(|_| w.len() <= MAX_WORD_BYTES) {
                for_each_char_ngram(w, range, chars, gram, |g| {
                    if let Some(&f) = self.chars.get(g) {
                        feats.push(f);
                    }
                });
            }
            match e.id {
                STOP => {}
                UNKNOWN => (prev, prev_lo, prev_hi) = (UNKNOWN, 0, 0),
                id => {
                    if words && e.unigram != UNKNOWN {
                        feats.push(e.unigram);
                    }
                    if bigrams && prev_lo != prev_hi {
                        let (found, _) = self.bigram_row(prev, id, prev_lo, prev_hi);
                        if found != NO_ROW {
                            feats.push(found);
                        }
                    }
                    (prev, prev_lo, prev_hi) = (id, e.lo, e.hi);
                }
            }
        });
    }

    /// The row of bigram (a, b) and its distinct row of weights, `a`'s successors being
    /// `successors[lo..hi]` (NO_ROW if it is not a feature).
    #[inline]
    fn bigram_row(&self, a: u32, b: u32, lo: u32, hi: u32) -> (u32, u32) {
        let succ = &self.successors[lo as usize..hi as usize];
        if succ.len() <= LINEAR_SUCCESSORS {
            succ.iter()
                .find(|&&(x, _, _)| x == b)
                .map_or((NO_ROW, NO_ROW), |&(_, r, d)| (r, d))
        } else {
            self.pair_row(a, b)
        }
    }

    /// The words of `text` for scoring, in passes over the sentence so that the memory loads
    /// of different words overlap: the words are split and their cache slots prefetched;
    /// then looked up (or added), with the bigram tables they need prefetched; then the
    /// bigrams are found and every row to add is prefetched; then the rows are added, in
    /// text order (the same sums, bit for bit, as one word at a time).
    fn walk_rows(&self, text: &str, scratch: &mut Scratch) {
        let nc = self.n_classes;
        self.start_sentence(scratch);
        let Scratch {
            cache,
            rows,
            char_acc,
            char_known,
            pending,
            text_words,
            word_keys,
            entries,
            chars,
            gram,
            word,
            feats,
            word_feats,
            term_seen,
            term_stamp,
            ..
        } = scratch;
        word_feats.clear();
        if self.sublinear {
            if term_seen.len() != self.unigram.len() || *term_stamp == u32::MAX {
                term_seen.clear();
                term_seen.resize(self.unigram.len(), (0, 0));
                *term_stamp = 0;
            }
            *term_stamp += 1;
        }
        // 1. split, key and prefetch each word's cache slot
        text_words.clear();
        word_keys.clear();
        for_each_word(text, word, |w| {
            let start = text_words.len() as u32;
            text_words.extend_from_slice(w.as_bytes());
            let key = WordKey::new(w.as_bytes());
            let hash = key.hash(w.as_bytes());
            cache.prefetch(hash);
            word_keys.push((start, w.len() as u32, key, hash));
        });
        // 2. look each word up (a new word gets its row now), note the bigram it ends
        let words = self.pipeline.config().words;
        let bigrams = self.pipeline.config().bigrams;
        entries.clear();
        let (mut prev, mut prev_lo, mut prev_hi) = (UNKNOWN, 0u32, 0u32);
        for &(start, len, key, hash) in word_keys.iter() {
            let bytes = &text_words[start as usize..(start + len) as usize];
            let e = match cache.get_hashed(&key, bytes, hash) {
                Some(e) => e,
                None => {
                    let w = std::str::from_utf8(bytes).expect("split from a str at char bounds");
                    let e = self.new_entry(w, rows, chars, gram);
                    cache.insert(&key, bytes, e);
                    e
                }
            };
            let mut pair = (UNKNOWN, 0, 0);
            match e.id {
                STOP => {}
                UNKNOWN => (prev, prev_lo, prev_hi) = (UNKNOWN, 0, 0),
                id => {
                    if self.sublinear {
                        let seen = &mut term_seen[id as usize];
                        *seen = if seen.0 == *term_stamp {
                            (seen.0, seen.1 + 1)
                        } else {
                            (*term_stamp, 1)
                        };
                    }
                    if bigrams && prev_lo != prev_hi {
                        pair = (prev, prev_lo, prev_hi);
                        if prev_hi - prev_lo > LINEAR_SUCCESSORS as u32 {
                            let slot = pair_slot(pair_key(prev, id), self.pairs.len());
                            prefetch_bytes(&self.pairs[slot..]);
                        } else {
                            prefetch_bytes(&self.successors[prev_lo as usize..]);
                        }
                    }
                    (prev, prev_lo, prev_hi) = (id, e.lo, e.hi);
                }
            }
            entries.push((e, pair.0, pair.1, pair.2));
        }
        // 3. find the bigrams; list (and prefetch) the rows to add, in text order
        for &(e, a, lo, hi) in entries.iter() {
            if e.row != NO_ROW {
                let r = e.row as usize;
                prefetch(&rows[r * nc..(r + 1) * nc]);
                pending.push(e.row | CACHED);
                *char_known += e.known as usize;
            }
            if e.id >= STOP {
                continue;
            }
            let folded = self.fold_words;
            if words && e.unigram != UNKNOWN && !folded {
                feats.push(e.unigram);
            }
            let repeated = |t: u32| term_seen[t as usize].1 > 1;
            if self.sublinear && e.unigram != UNKNOWN && repeated(e.id) {
                word_feats.push(e.unigram);
            }
            if lo != hi {
                let (found, distinct) = self.bigram_row(a, e.id, lo, hi);
                if found != NO_ROW {
                    if folded {
                        prefetch(self.distinct_row(distinct));
                        pending.push(distinct);
                        *char_known += 1;
                        if self.sublinear && repeated(a) && repeated(e.id) {
                            word_feats.push(found);
                        }
                    } else {
                        feats.push(found);
                    }
                }
            }
        }
        // 4. add the rows
        for &p in pending.iter() {
            if p & CACHED != 0 {
                let r = (p & !CACHED) as usize;
                add(char_acc, &rows[r * nc..(r + 1) * nc], 1.0);
            } else {
                add(char_acc, self.distinct_row(p), 1.0);
            }
        }
        // 5. sublinear tf: a word feature found n > 1 times (its terms, then, occur more than
        // once) was added n times; it takes 1 + ln(n)
        if word_feats.len() > 1 {
            word_feats.sort_unstable();
            for run in word_feats.chunk_by(|a, b| a == b).filter(|r| r.len() > 1) {
                let n = run.len() as u32;
                let v = self.model.settings.feature_value(n) - f64::from(n);
                add(char_acc, self.row(run[0]), v);
            }
        }
    }

    /// The cache entry of a word not seen before: its term id, its bigram successors, and
    /// its row of character n-gram (and folded unigram) weights, added to `rows`.
    fn new_entry(
        &self,
        w: &str,
        rows: &mut Vec<f64>,
        chars: &mut Vec<char>,
        gram: &mut String,
    ) -> Entry {
        let nc = self.n_classes;
        let id = self.lookup(w);
        let start = rows.len();
        rows.resize(start + nc, 0.0);
        let mut found = 0u32;
        if let Some(range) = self.char_ngrams.filter(|_| w.len() <= MAX_WORD_BYTES) {
            for_each_char_ngram(w, range, chars, gram, |g| {
                if let Some(&f) = self.chars.get(g) {
                    found += 1;
                    add(&mut rows[start..], self.row(f), 1.0);
                }
            });
        }
        if self.fold_words && id < STOP {
            let f = self.unigram[id as usize];
            if f != UNKNOWN {
                found += 1;
                add(&mut rows[start..], self.row(f), 1.0);
            }
        }
        let row = if found == 0 {
            rows.truncate(start);
            NO_ROW
        } else {
            (start / nc) as u32
        };
        let (lo, hi) = if id < STOP {
            (self.starts[id as usize], self.starts[id as usize + 1])
        } else {
            (0, 0)
        };
        let unigram = if id < STOP {
            self.unigram[id as usize]
        } else {
            UNKNOWN
        };
        Entry {
            id,
            row,
            lo,
            hi,
            known: found,
            unigram,
        }
    }

    /// The row of bigram (a, b) when `a` has more than [`LINEAR_SUCCESSORS`] successors.
    #[inline]
    fn pair_row(&self, a: u32, b: u32) -> (u32, u32) {
        let key = pair_key(a, b);
        let mask = self.pairs.len() - 1;
        let mut i = pair_slot(key, self.pairs.len());
        loop {
            match self.pairs[i] {
                (k, row, distinct) if k == key => return (row, distinct),
                (0, _, _) => return (NO_ROW, NO_ROW),
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn lookup(&self, word: &str) -> u32 {
        match self.pipeline.word(word) {
            Word::Stop => STOP,
            Word::Unknown => UNKNOWN,
            Word::Term(t) => self.terms.get(t.as_ref()).copied().unwrap_or(UNKNOWN),
        }
    }

    /// The joint log-likelihoods of `text` computed feature by feature, without the cached
    /// character rows: the reference that [`Scorer::score`] must agree with.
    pub fn jll_slow(&self, text: &str, scratch: &mut Scratch) -> Vec<f64> {
        self.features(text, scratch);
        count_unsorted(scratch, self.n_features());
        self.jll_of_counted(scratch)
    }

    /// The joint log-likelihoods of the features counted in `scratch.counted`.
    fn jll_of_counted(&self, scratch: &Scratch) -> Vec<f64> {
        let mut jll = self.bias.clone();
        for &(f, n) in &scratch.counted {
            add(&mut jll, self.row(f), self.value(f, n));
        }
        jll
    }

    /// The features of `text` that pushed most toward label `to` against label `against`
    /// (indices in [`Scorer::labels`]): (term, weight), largest first, at most `n`. A
    /// weight is the feature's value times the difference of its two class weights (of a
    /// label with sub-classes, the sub-class that scored `text` highest).
    pub fn explain(
        &self,
        text: &str,
        to: usize,
        against: usize,
        n: usize,
        scratch: &mut Scratch,
    ) -> Vec<(String, f64)> {
        self.features(text, scratch);
        count_unsorted(scratch, self.n_features());
        let (to, against) = if self.group.is_empty() {
            (to, against)
        } else {
            let jll = self.jll_of_counted(scratch);
            let member = |label: usize| {
                (0..self.n_classes)
                    .filter(|&c| self.group[c] as usize == label)
                    .max_by(|&a, &b| jll[a].total_cmp(&jll[b]).then(b.cmp(&a)))
                    .unwrap_or(label)
            };
            (member(to), member(against))
        };
        let mut out: Vec<(u32, f64)> = scratch
            .counted
            .iter()
            .map(|&(f, k)| {
                let w = self.row(f);
                (f, self.value(f, k) * (w[to] - w[against]))
            })
            .filter(|&(_, d)| d > 0.0)
            .collect();
        let terms = self.model.vocab.terms();
        out.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(self.row_col[a.0 as usize].cmp(&self.row_col[b.0 as usize]))
        });
        out.truncate(n);
        out.into_iter()
            .map(|(f, d)| (terms[self.row_col[f as usize] as usize].clone(), d))
            .collect()
    }
}

#[inline]
fn add(acc: &mut [f64], w: &[f64], v: f64) {
    for (a, w) in acc.iter_mut().zip(w) {
        *a += v * w;
    }
}

/// Counts each distinct column of `scratch.feats` into `scratch.counted`, in order of first
/// occurrence, in one pass (a stamped slot per column instead of a sort).
fn count_unsorted(scratch: &mut Scratch, n_features: usize) {
    let Scratch {
        feats,
        counted,
        slots,
        stamp,
        ..
    } = scratch;
    if slots.len() != n_features {
        slots.clear();
        slots.resize(n_features, (u32::MAX, 0));
        *stamp = 0;
    }
    *stamp = stamp.wrapping_add(1);
    if *stamp == u32::MAX {
        slots.iter_mut().for_each(|s| *s = (u32::MAX, 0));
        *stamp = 0;
    }
    counted.clear();
    for &f in feats.iter() {
        let slot = &mut slots[f as usize];
        if slot.0 == *stamp {
            counted[slot.1 as usize].1 += 1;
        } else {
            *slot = (*stamp, counted.len() as u32);
            counted.push((f, 1));
        }
    }
}

/// Groups sub-classes (`parent~sub`, see [`crate::corpus::SUBCLASS_MARK`]) under the label
/// they are reported as: the sorted labels of `classes` (sorted), and per class the index
/// of its label (empty when every class is its own label).
pub fn label_groups(classes: &[String]) -> (Vec<String>, Vec<u32>) {
    use crate::corpus::reported_label;
    let mut labels: Vec<String> = classes
        .iter()
        .map(|c| reported_label(c).to_string())
        .collect();
    labels.sort_unstable();
    labels.dedup();
    if labels == classes {
        return (labels, Vec::new());
    }
    let group = classes
        .iter()
        .map(|c| {
            labels
                .binary_search_by(|l| l.as_str().cmp(reported_label(c)))
                .expect("collected above") as u32
        })
        .collect();
    (labels, group)
}

/// Adds the probabilities of the classes in `probs` into their labels (`group`: class ->
/// label, as from [`label_groups`]; empty: nothing to do), so that `probs` holds one per
/// label. `tmp` is room to work in.
pub fn merge_groups(group: &[u32], n_labels: usize, probs: &mut Vec<f64>, tmp: &mut Vec<f64>) {
    if group.is_empty() {
        return;
    }
    tmp.clear();
    tmp.resize(n_labels, 0.0);
    for (&g, &p) in group.iter().zip(probs.iter()) {
        tmp[g as usize] += p;
    }
    std::mem::swap(probs, tmp);
}

/// The probabilities of the labels from the joint log-likelihoods `jll` of the classes,
/// into `out`, and the best label: `softmax(jll / temperature)`; sub-classes added into
/// their labels (`groups`: class -> label and the number of labels, as from
/// [`label_groups`]; `tmp` is room for that), the best label chosen on the sums; then the
/// top-label map `top` (empty: none). [`Scorer::score`] and
/// [`crate::model::Calibration::apply`] both compute their probabilities here.
pub fn label_probabilities(
    jll: &[f64],
    temperature: f64,
    (group, n_labels): (&[u32], usize),
    top: &[(f64, f64)],
    out: &mut Vec<f64>,
    tmp: &mut Vec<f64>,
) -> usize {
    softmax_scaled(jll, temperature, out);
    let best = if group.is_empty() {
        argmax(jll)
    } else {
        merge_groups(group, n_labels, out, tmp);
        argmax(out)
    };
    if !top.is_empty() {
        recalibrate_top(top, best, out);
    }
    best
}

/// Index of the largest value; ties go to the smallest index.
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate().skip(1) {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// Normalises log-likelihoods into probabilities with log-sum-exp, so that any input
/// length gives finite probabilities that sum to 1.
pub fn softmax(jll: &[f64], out: &mut Vec<f64>) {
    softmax_scaled(jll, 1.0, out);
}

/// Applies a top-label map (see [`crate::model::Calibration::top`]) to `probs`, whose best
/// label is `best`: its probability `p` becomes `q`, read off the knots by linear
/// interpolation and clamped at the ends, as scikit-learn's `IsotonicRegression` predicts.
/// The other labels keep their proportions and share `1 - q`. `q` is raised where needed
/// so that the best label stays the best.
pub fn recalibrate_top(knots: &[(f64, f64)], best: usize, probs: &mut [f64]) {
    let p = probs[best];
    let mut q = interpolate(knots, p);
    let rest = 1.0 - p;
    let second = probs
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != best)
        .map(|(_, &x)| x)
        .fold(0.0, f64::max);
    // the runner-up becomes second * (1 - q) / rest: keep it below q (by a hair more than
    // rounding, so that the best label stays the argmax of the probabilities too)
    if rest + second > 0.0 {
        q = q.max(second / (rest + second) * (1.0 + 1e-9));
    }
    let q = q.clamp(0.0, 1.0);
    let others = probs.len().saturating_sub(1).max(1) as f64;
    for (i, x) in probs.iter_mut().enumerate() {
        if i == best {
            *x = q;
        } else if rest > 0.0 {
            *x *= (1.0 - q) / rest;
        } else {
            *x = (1.0 - q) / others;
        }
    }
}

/// The piecewise-linear function through `knots` (x ascending) at `x`, constant beyond the
/// ends (numpy's `interp`).
pub fn interpolate(knots: &[(f64, f64)], x: f64) -> f64 {
    let Some(&(x0, y0)) = knots.first() else {
        return x;
    };
    if x <= x0 {
        return y0;
    }
    let i = knots.partition_point(|&(k, _)| k <= x);
    if i == knots.len() {
        return knots[i - 1].1;
    }
    let ((xa, ya), (xb, yb)) = (knots[i - 1], knots[i]);
    ya + (yb - ya) * (x - xa) / (xb - xa)
}

/// [`softmax`] of `jll / temperature`.
pub fn softmax_scaled(jll: &[f64], temperature: f64, out: &mut Vec<f64>) {
    let max = jll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    out.clear();
    if temperature == 1.0 {
        out.extend(jll.iter().map(|&x| (x - max).exp()));
    } else {
        out.extend(jll.iter().map(|&x| ((x - max) / temperature).exp()));
    }
    let sum: f64 = out.iter().sum();
    out.iter_mut().for_each(|p| *p /= sum);
}

/// The distinct rows of `table` (rows of `nc` weights, compared bit for bit), in order of
/// first occurrence, and for each row of `table` the index of its distinct row. The table
/// is compacted in place (a distinct row never moves to a later position).
fn distinct_rows(mut table: Vec<f64>, nc: usize) -> (Vec<f64>, Vec<u32>) {
    if nc == 0 {
        return (Vec::new(), Vec::new());
    }
    let n = table.len() / nc;
    // hash of a row -> its latest distinct row; `chain[d]`: the previous one with that hash
    let mut head: FxHashMap<u64, u32> = FxHashMap::default();
    let mut chain: Vec<u32> = Vec::new();
    let mut distinct = Vec::with_capacity(n);
    let same = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
    for r in 0..n {
        let row = &table[r * nc..(r + 1) * nc];
        let mut h = FxHasher::default();
        row.iter().for_each(|x| h.write_u64(x.to_bits()));
        let hash = h.finish();
        let mut d = head.get(&hash).copied().unwrap_or(NO_ROW);
        while d != NO_ROW && !same(&table[d as usize * nc..(d as usize + 1) * nc], row) {
            d = chain[d as usize];
        }
        if d == NO_ROW {
            d = chain.len() as u32;
            chain.push(head.insert(hash, d).unwrap_or(NO_ROW));
            table.copy_within(r * nc..(r + 1) * nc, d as usize * nc);
        }
        distinct.push(d);
    }
    table.truncate(chain.len() * nc);
    table.shrink_to_fit();
    (table, distinct)
}

/// The per-feature weights (`n_features` rows of `n_classes`, idf folded in) and per-class
/// constants of the model's decision rule, from its counts.
pub fn compile(model: &Model) -> (Vec<f64>, Vec<f64>) {
    compile_rows(model, |f| f)
}

/// [`compile`] with feature column `f` written at row `at(f)` (a permutation), so that
/// the scorer gets its table in its own row order without a second copy.
fn compile_rows(model: &Model, at: impl Fn(usize) -> usize) -> (Vec<f64>, Vec<f64>) {
    let s = &model.settings;
    let (nc, nv, alpha) = (model.labels.len(), model.vocab.len(), s.alpha);
    let total: f64 = model.class_count.iter().sum::<u64>() as f64;
    let log_prior: Vec<f64> = model
        .class_count
        .iter()
        .map(|&n| {
            if s.fit_prior {
                (n as f64 / total).ln()
            } else {
                -(nc as f64).ln()
            }
        })
        .collect();
    let mut weights = vec![0.0; nv * nc];
    let mut bias = log_prior.clone();
    // The experts: one over all features, or, with a character weight, the character
    // n-grams (sorted first: their names start with '#'), weighted, and the words.
    let parts: Vec<(std::ops::Range<usize>, f64)> = match s.char_weight {
        None => vec![(0..nv, 1.0)],
        Some(w) => {
            let chars = model.vocab.terms().partition_point(|t| t.starts_with('#'));
            vec![(0..chars, w), (chars..nv, 1.0)]
        }
    };
    match s.variant {
        Variant::Multinomial => {
            // most counts are 0, and ln(0 + alpha) is one number: compute it once
            let ln_alpha = alpha.ln();
            for c in 0..nc {
                let row = model.class_row(c);
                for (cols, w) in &parts {
                    // Same arithmetic as linfa-bayes: ln(count + alpha) -
                    // ln(sum(count + alpha)), the sum over the expert's own features.
                    let part = &row[cols.clone()];
                    let denom = part.iter().map(|&x| x + alpha).sum::<f64>().ln();
                    for (f, &x) in cols.clone().zip(part) {
                        let l = if x == 0.0 { ln_alpha } else { (x + alpha).ln() };
                        weights[at(f) * nc + c] = (l - denom) * w;
                    }
                }
            }
        }
        Variant::Complement => {
            let mut all = vec![0.0; nv];
            for c in 0..nc {
                all.iter_mut()
                    .zip(model.class_row(c))
                    .for_each(|(a, x)| *a += x);
            }
            for c in 0..nc {
                let row = model.class_row(c);
                for (cols, w) in &parts {
                    let comp: Vec<f64> = all[cols.clone()]
                        .iter()
                        .zip(&row[cols.clone()])
                        .map(|(a, x)| a - x + alpha)
                        .collect();
                    let denom = comp.iter().sum::<f64>().ln();
                    let logged: Vec<f64> = comp.iter().map(|x| x.ln() - denom).collect();
                    // scikit-learn's ComplementNB(norm=True): logged / sum(logged);
                    // otherwise -logged
                    let summed: Option<f64> = s.weight_norm.then(|| logged.iter().sum());
                    for (f, &l) in cols.clone().zip(&logged) {
                        let weight = summed.map_or(-l, |sum| l / sum);
                        weights[at(f) * nc + c] = weight * w;
                    }
                }
            }
            // scikit-learn's ComplementNB ignores the priors when there are 2+ classes.
            bias.iter_mut().for_each(|b| *b = 0.0);
        }
        Variant::Bernoulli => {
            for c in 0..nc {
                let n = model.class_count[c] as f64;
                for (f, &df) in model.class_row(c).iter().enumerate() {
                    let p = (df + alpha) / (n + 2.0 * alpha);
                    let (lp, lq) = (p.ln(), (1.0 - p).ln());
                    weights[at(f) * nc + c] = lp - lq;
                    bias[c] += lq;
                }
            }
        }
    }
    if !model.idf.is_empty() {
        for (f, &w) in model.idf.iter().enumerate() {
            let r = at(f);
            weights[r * nc..(r + 1) * nc]
                .iter_mut()
                .for_each(|x| *x *= w);
        }
    }
    (weights, bias)
}

/// The `n` features most indicative of class `c`: those whose weight for `c` most exceeds
/// their mean weight for the other classes, with that margin, largest first.
pub fn top_features(scorer: &Scorer, c: usize, n: usize) -> Vec<(String, f64)> {
    let nc = scorer.n_classes;
    let terms = scorer.model.vocab.terms();
    let mut all: Vec<(usize, f64)> = (0..terms.len())
        .map(|f| {
            let w = scorer.weights(f as u32);
            let others = (w.iter().sum::<f64>() - w[c]) / (nc - 1) as f64;
            (f, w[c] - others)
        })
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(n);
    all.into_iter()
        .map(|(f, m)| (terms[f].clone(), m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Example;
    use crate::model::{densify, fit_linfa, sparse_row, train, LinfaParams, Settings};
    use crate::text::TextConfig;
    use linfa::traits::Predict;

    fn corpus() -> Vec<Example> {
        let rows = [
            (
                "Attackers exploit the flaw in the model server",
                "risk:security",
            ),
            (
                "A poisoned checkpoint hides a backdoor for attackers",
                "risk:security",
            ),
            ("Scammers clone voices to defraud families", "risk:misuse"),
            (
                "Phishing emails written by chatbots fool staff",
                "risk:misuse",
            ),
            ("Open models cut our inference bill in half", "reward:cost"),
            ("No licence fees means a cheaper stack", "reward:cost"),
            ("The conference starts on Monday", "neutral"),
            ("This section describes the method", "neutral"),
        ];
        rows.iter()
            .map(|(t, l)| Example {
                text: t.to_string(),
                label: l.to_string(),
                line: 0,
            })
            .collect()
    }

    fn model(settings: Settings) -> Model {
        train(&corpus(), &settings.check().unwrap()).unwrap()
    }

    /// The sparse rows of `texts` under `m`'s settings, and the label column of each
    /// corpus row (the first rows of `texts` are the corpus's).
    fn rows_and_targets(m: &Model, texts: &[String]) -> (Vec<crate::model::SparseRow>, Vec<usize>) {
        let pipeline = Pipeline::new(m.settings.text.clone());
        let rows = texts
            .iter()
            .map(|t| {
                let mut terms = Vec::new();
                pipeline.terms(t, &mut terms);
                sparse_row(&terms, &m.vocab, &m.settings)
            })
            .collect();
        let targets = corpus()
            .iter()
            .map(|e| m.labels.binary_search(&e.label).unwrap())
            .collect();
        (rows, targets)
    }

    #[test]
    fn table_agrees_with_linfa_predict_and_parameters() {
        for (bigrams, sublinear_tf) in [(false, false), (true, false), (false, true), (true, true)]
        {
            let settings = Settings {
                text: TextConfig {
                    bigrams,
                    ..TextConfig::default()
                },
                alpha: 0.3,
                sublinear_tf,
                ..Settings::default()
            };
            let m = model(settings.clone());
            let scorer = Scorer::new(&m);
            let probe = [
                "attackers exploit a poisoned backdoor",
                "scammers scammers scammers clone clone voices",
                "cheap open models cut the bill",
                "scammers clone voices, phishing staff",
                "the method starts monday",
                "words nobody has seen",
                "",
            ];
            let texts: Vec<String> = corpus()
                .into_iter()
                .map(|e| e.text)
                .chain(probe.iter().map(|s| s.to_string()))
                .collect();
            let (rows, targets) = rows_and_targets(&m, &texts);
            let nb = fit_linfa(&rows[..targets.len()], &targets, m.vocab.len(), 0.3).unwrap();
            let lp = LinfaParams::read(&nb, m.labels.len(), m.vocab.len()).unwrap();
            let x = densify(&rows, m.vocab.len());
            let predicted = nb.predict(&x);
            let mut scratch = Scratch::default();
            let nc = m.labels.len();
            for (i, t) in texts.iter().enumerate() {
                let out = scorer.score(t, &mut scratch);
                // log-probabilities recomputed from linfa's own fitted parameters
                for c in 0..nc {
                    let flp = &lp.feature_log_prob[c * m.vocab.len()..(c + 1) * m.vocab.len()];
                    let expect = lp.prior[c].ln()
                        + rows[i]
                            .iter()
                            .map(|&(f, v)| v * flp[f as usize])
                            .sum::<f64>();
                    assert!((scratch.jll[c] - expect).abs() < 1e-9, "{t}: class {c}");
                }
                // rows that decide a class clearly: linfa's predict agrees
                let mut sorted = scratch.jll.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                if sorted[0] - sorted[1] > 1e-9 {
                    assert_eq!(predicted[i], out.best, "{t}");
                }
            }
        }
    }

    #[test]
    fn character_expert_weights_agree_with_linfa_fitted_per_kind() {
        // --char-weight: the n-gram columns and the word columns are each their own
        // multinomial NB; each must equal linfa fitted on those columns alone
        let settings = Settings {
            text: TextConfig {
                bigrams: true,
                char_ngrams: Some((3, 4)),
                ..TextConfig::default()
            },
            alpha: 0.3,
            sublinear_tf: false,
            char_weight: Some(0.4),
            ..Settings::default()
        };
        let m = model(settings.clone());
        let scorer = Scorer::new(&m);
        let chars = m.vocab.terms().partition_point(|t| t.starts_with('#'));
        assert!(chars > 0 && chars < m.vocab.len());
        let texts: Vec<String> = corpus().into_iter().map(|e| e.text).collect();
        let (rows, targets) = rows_and_targets(&m, &texts);
        let nc = m.labels.len();
        for (cols, weight) in [(0..chars, 0.4), (chars..m.vocab.len(), 1.0)] {
            let part: Vec<_> = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .filter(|(f, _)| cols.contains(&(*f as usize)))
                        .map(|&(f, v)| (f - cols.start as u32, v))
                        .collect()
                })
                .collect();
            let n = cols.len();
            let nb = fit_linfa(&part, &targets, n, 0.3).unwrap();
            let lp = LinfaParams::read(&nb, nc, n).unwrap();
            for f in cols.clone() {
                for c in 0..nc {
                    let theirs = lp.feature_log_prob[c * n + f - cols.start] * weight;
                    let ours = scorer.weights(f as u32)[c];
                    assert!((ours - theirs).abs() < 1e-12, "feature {f} class {c}");
                }
            }
        }
    }

    #[test]
    fn top_label_map_moves_the_best_probability_and_keeps_the_ranking() {
        let knots = [(0.2, 0.3), (0.5, 0.6), (0.9, 0.85)];
        // between knots: linear; beyond the ends: the end values
        assert!((interpolate(&knots, 0.35) - 0.45).abs() < 1e-15);
        assert_eq!(interpolate(&knots, 0.1), 0.3);
        assert_eq!(interpolate(&knots, 0.99), 0.85);
        assert_eq!(interpolate(&[], 0.42), 0.42);
        // the best label goes from 0.35 to 0.45; the others keep their proportions
        let mut p = vec![0.25, 0.35, 0.4];
        recalibrate_top(&knots, 1, &mut p);
        assert!((p[1] - 0.45).abs() < 1e-12);
        assert!((p[0] / p[2] - 0.25 / 0.4).abs() < 1e-12);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // a map that would drop the best below the runner-up stops just above it, also
        // when the runner-up comes first (the argmax of the probabilities stays the best)
        for (best, mut p) in [(1, vec![0.32, 0.34, 0.34]), (2, vec![0.3, 0.3, 0.4])] {
            recalibrate_top(&[(0.0, 0.1), (1.0, 0.2)], best, &mut p);
            assert_eq!(argmax(&p), best, "{p:?}");
            let runner_up = p[(best + 1) % 3].max(p[(best + 2) % 3]);
            assert!(p[best] > runner_up && p[best] - runner_up < 1e-8, "{p:?}");
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        // a best label at exactly 1 shares what the map takes away evenly
        let mut p = vec![0.0, 1.0, 0.0];
        recalibrate_top(&knots, 1, &mut p);
        assert!([0.075, 0.85, 0.075]
            .iter()
            .zip(&p)
            .all(|(a, b)| (a - b).abs() < 1e-12));
    }

    #[test]
    fn unknown_sentence_falls_back_to_priors() {
        let m = model(Settings::default());
        let scorer = Scorer::new(&m);
        let mut s = Scratch::default();
        let out = scorer.score("zzz qqq", &mut s);
        assert_eq!(out.known, 0);
        let total = m.training_rows() as f64;
        for (c, p) in s.probs.iter().enumerate() {
            assert!((p - m.class_count[c] as f64 / total).abs() < 1e-12);
        }
        // all four classes have two rows: a four-way tie goes to the first label
        assert_eq!(out.best, 0);
    }

    #[test]
    fn long_input_stays_finite() {
        let m = model(Settings::default());
        let scorer = Scorer::new(&m);
        let text = "attackers exploit the flaw ".repeat(25_000);
        let mut s = Scratch::default();
        let out = scorer.score(&text, &mut s);
        assert_eq!(out.known, 100_000);
        assert!(s.probs.iter().all(|p| p.is_finite()));
        assert!((s.probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(m.labels[out.best], "risk:security");
    }

    #[test]
    fn softmax_and_argmax() {
        let mut p = Vec::new();
        softmax(&[-1000.0, -1000.0 - 2f64.ln()], &mut p);
        assert!((p[0] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), 1);
    }

    #[test]
    fn explain_names_the_deciding_terms() {
        let scorer = Scorer::new(&model(Settings::default()));
        let mut s = Scratch::default();
        let out = scorer.score("scammers clone voices of the conference", &mut s);
        let runner = {
            let mut v: Vec<usize> = (0..s.jll.len()).filter(|&c| c != out.best).collect();
            v.sort_by(|&a, &b| s.jll[b].total_cmp(&s.jll[a]));
            v[0]
        };
        let ex = scorer.explain(
            "scammers clone voices of the conference",
            out.best,
            runner,
            2,
            &mut s,
        );
        assert_eq!(ex.len(), 2);
        assert!(ex[0].1 >= ex[1].1 && ex[1].1 > 0.0);
        assert!(
            ["scammer", "clone", "voic"].contains(&ex[0].0.as_str()),
            "{ex:?}"
        );
    }

    /// The toy corpus with neutral rows about AI and off topic.
    fn split_corpus() -> Vec<Example> {
        let mut c = corpus();
        for (t, l) in [
            ("The model card lists the training data", "neutral"),
            (
                "Our chatbot answers questions about opening hours",
                "neutral",
            ),
            ("The bakery sells rye bread on Saturdays", "neutral"),
            ("Storms closed the coastal road for a day", "neutral"),
        ] {
            c.push(Example {
                text: t.into(),
                label: l.into(),
                line: 0,
            });
        }
        c
    }

    fn split_settings() -> Settings {
        Settings {
            split_neutral: true,
            ..Settings::default()
        }
    }

    #[test]
    fn split_neutral_trains_a_subclass_and_reports_its_probability_as_neutral() {
        let data = split_corpus();
        let split = split_settings();
        let m = train(&data, &split.clone().check().unwrap()).unwrap();
        // the same model as training the relabelled rows as a label of their own
        let relabelled: Vec<Example> = data
            .iter()
            .map(|e| Example {
                label: split.class_of(e).to_string(),
                ..e.clone()
            })
            .collect();
        let off: Vec<&str> = relabelled
            .iter()
            .filter(|e| e.label == crate::corpus::OFF_TOPIC)
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(
            off,
            [
                "The conference starts on Monday",
                "This section describes the method",
                "The bakery sells rye bread on Saturdays",
                "Storms closed the coastal road for a day"
            ]
        );
        let plain = train(&relabelled, &Settings::default().check().unwrap()).unwrap();
        assert_eq!(m.labels, plain.labels);
        assert_eq!(m.class_count, plain.class_count);
        assert_eq!(m.feature_count, plain.feature_count);
        let scorer = Scorer::new(&m);
        assert_eq!(scorer.classes().len(), scorer.labels().len() + 1);
        assert!(!scorer.labels().iter().any(|l| l.contains('~')));
        let neutral = scorer.labels().iter().position(|l| l == "neutral").unwrap();
        let mut s = Scratch::default();
        for text in [
            "The bakery on the coastal road",
            "Scammers clone voices with chatbots",
            "The model card lists data",
            "zzz",
        ] {
            let out = scorer.score(text, &mut s);
            let mut internal = Vec::new();
            softmax(&s.jll, &mut internal);
            let mut expect = vec![0.0; scorer.labels().len()];
            for (c, class) in scorer.classes().iter().enumerate() {
                let l = crate::corpus::reported_label(class);
                let i = scorer.labels().iter().position(|x| x == l).unwrap();
                expect[i] += internal[c];
            }
            assert_eq!(s.probs.len(), expect.len());
            for (a, b) in s.probs.iter().zip(&expect) {
                assert!((a - b).abs() < 1e-12, "{text}: {:?} vs {expect:?}", s.probs);
            }
            assert_eq!(out.best, argmax(&expect), "{text}");
            assert_eq!(out.probability, s.probs[out.best]);
        }
        // the two off-topic sentences' classes add up: neutral wins here
        let out = scorer.score("The bakery on the coastal road", &mut s);
        assert_eq!(out.best, neutral);
        // explaining neutral reads the off-topic class's weights
        let misuse = scorer
            .labels()
            .iter()
            .position(|l| l == "risk:misuse")
            .unwrap();
        let ex = scorer.explain("The bakery on the coastal road", neutral, misuse, 3, &mut s);
        assert!(ex.iter().any(|(t, _)| t == "bakeri"), "{ex:?}");
    }

    #[test]
    fn calibration_applies_the_scorers_probabilities_with_subclasses() {
        let data = split_corpus();
        let split = split_settings().check().unwrap();
        let mut m = train(&data, &split).unwrap();
        let cal = crate::calibrate::calibrate(&data, &split, 2, 7).unwrap();
        assert!(cal.temperature.is_finite() && cal.temperature > 0.0);
        m.calibration = Some(cal.clone());
        let scorer = Scorer::new(&m);
        let mut s = Scratch::default();
        for text in ["The bakery on the coastal road", "Scammers clone voices"] {
            let out = scorer.score(text, &mut s);
            let mut p = Vec::new();
            cal.apply(&s.jll, scorer.groups(), scorer.labels().len(), &mut p);
            assert_eq!(p, s.probs, "{text}");
            assert_eq!(out.best, argmax(&p));
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn label_groups_report_subclasses_as_their_parent() {
        let classes: Vec<String> = ["a", "a~x", "b", "c~y"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (labels, group) = label_groups(&classes);
        assert_eq!(labels, ["a", "b", "c"]);
        assert_eq!(group, [0, 0, 1, 2]);
        let plain: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(label_groups(&plain), (plain.clone(), Vec::new()));
        let mut p = vec![0.1, 0.2, 0.3, 0.4];
        merge_groups(&group, 3, &mut p, &mut Vec::new());
        assert_eq!(p.len(), 3);
        assert!((p[0] - 0.3).abs() < 1e-15 && p[1] == 0.3 && p[2] == 0.4);
    }
}
