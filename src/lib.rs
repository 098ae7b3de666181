//! claimscan: spot claims about the risks and rewards of AI in text.
//!
//! The pipeline is split by concern: [`text`] turns text into terms, [`vocab`] maps terms
//! to feature columns, [`corpus`] loads labelled CSV, [`model`] trains per-class statistics
//! through linfa-bayes, [`scorer`] compiles them into a sparse table for fast prediction,
//! [`persist`] reads and writes model files, and [`metrics`] measures a model.
//! The library never prints, exits or panics on user input.
//!
//! ```
//! use claimscan::{embedded_model, Scorer, Scratch};
//!
//! let model = embedded_model()?;
//! let scorer = Scorer::new(&model);
//! let mut scratch = Scratch::default(); // reuse it for every sentence
//! let out = scorer.score("Open models cut our cloud bill in half.", &mut scratch);
//! assert_eq!(scorer.labels()[out.best], "reward:cost");
//! assert!((scratch.probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
//! # Ok::<(), claimscan::Error>(())
//! ```

pub mod calibrate;
pub mod card;
pub mod classifier;
pub mod corpus;
pub mod cv;
pub mod error;
pub mod metrics;
pub mod model;
pub mod persist;
pub mod report;
pub mod report_html;
pub mod scorer;
pub mod split;
pub mod text;
pub mod vocab;

/// Building blocks typed by claimscan's pinned dependencies (linfa, ndarray, csv), for
/// benchmarks and the command line. Not a stable API: their signatures follow those
/// dependencies. Use [`Classifier`] and the modules above instead.
pub mod internals {
    pub use crate::corpus::{check_header, csv_error, find_column};
    pub use crate::model::{densify, fit_linfa, LinfaParams};
}

pub use classifier::{Classifier, Prediction};
pub use error::{Error, Result};
pub use model::{Model, Settings, Variant};
pub use scorer::{Scorer, Scratch};

/// The model shipped with claimscan, trained on `corpus/claims.csv`.
pub const EMBEDDED_MODEL: &[u8] = include_bytes!("../models/claims.model");

/// Loads the embedded default model.
///
/// # Errors
/// Only if the build embedded a damaged file, which the test suite rules out.
pub fn embedded_model() -> Result<Model> {
    persist::from_bytes(
        EMBEDDED_MODEL,
        std::path::Path::new("<embedded models/claims.model>"),
    )
}

/// The labelled corpus the embedded model was trained on (`corpus/claims.csv`).
pub const EMBEDDED_CORPUS: &str = include_str!("../corpus/claims.csv");

/// A deterministic stream of `n` lines of real vocabulary in varied order, for benchmarks
/// and for the tests that compare outputs across versions: each line joins a span of 8-20
/// words of one corpus sentence with a span of another (sentences picked by a fixed-seed
/// generator), then swaps a few neighbouring words, so that lines and word pairs vary as
/// in real text instead of repeating the corpus. About 20 words a line.
pub fn bench_stream(n: usize) -> Vec<u8> {
    let examples = corpus::read(
        EMBEDDED_CORPUS.as_bytes(),
        std::path::Path::new("corpus/claims.csv"),
        &corpus::CsvOptions::default(),
    )
    .expect("the embedded corpus is valid (checked by the test suite)");
    let sentences: Vec<Vec<&str>> = examples
        .iter()
        .map(|e| e.text.split_whitespace().collect())
        .filter(|w: &Vec<&str>| !w.is_empty())
        .collect();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11
    };
    let mut out = Vec::with_capacity(n * 150);
    let mut words: Vec<&str> = Vec::new();
    for _ in 0..n {
        words.clear();
        for _ in 0..2 {
            let s = &sentences[(next() % sentences.len() as u64) as usize];
            let start = (next() % s.len().saturating_sub(10).max(1) as u64) as usize;
            let len = 8 + (next() % 13) as usize;
            words.extend_from_slice(&s[start..(start + len).min(s.len())]);
        }
        for _ in 0..words.len() / 6 {
            let k = (next() % (words.len() - 1) as u64) as usize;
            words.swap(k, k + 1);
        }
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(w.as_bytes());
        }
        out.push(b'\n');
    }
    out
}
