//! Property tests: the scorer never panics and always gives probabilities, its fast cached
//! path finds exactly the features the training pipeline finds, a saved model predicts as
//! the original, and the binary writes one line per input line.

mod common;
use claimscan::corpus::{load, CsvOptions, Example};
use claimscan::model::{sparse_row, train, Settings};
use claimscan::text::{Pipeline, TextConfig};
use claimscan::{persist, Scorer, Scratch};
use proptest::prelude::*;
use std::path::Path;

fn fixture_examples() -> Vec<Example> {
    load(&common::fixture("golden.csv"), &CsvOptions::default()).unwrap()
}

fn scorer(text: TextConfig) -> Scorer {
    let s = Settings {
        text,
        ..Settings::default()
    };
    Scorer::new(&train(&fixture_examples(), &s.check().unwrap()).unwrap())
}

/// Text made of fixture words, stop words, punctuation, unusual Unicode and noise.
fn texty() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("attackers".to_string()),
        Just("Scammers".to_string()),
        Just("the".to_string()),
        Just("model".to_string()),
        Just("bill".to_string()),
        Just("don't".to_string()),
        Just("ÉTÉ".to_string()),
        Just("\u{2019}".to_string()),
        "[a-z]{1,8}",
        "\\PC{0,6}",
    ];
    let sep = prop_oneof![
        Just(" "),
        Just(", "),
        Just("-"),
        Just("\t"),
        Just("'"),
        Just("")
    ];
    prop::collection::vec((word, sep), 0..30)
        .prop_map(|v| v.into_iter().map(|(w, s)| format!("{w}{s}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scoring_never_panics_and_probabilities_sum_to_one(text in any::<String>()) {
        let s = scorer(TextConfig::default());
        let mut scratch = Scratch::default();
        let out = s.score(&text, &mut scratch);
        prop_assert!(out.best < s.labels().len());
        prop_assert!(scratch.probs.iter().all(|p| p.is_finite() && *p >= 0.0));
        prop_assert!((scratch.probs.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn cached_path_finds_the_training_pipeline_features(
        text in texty(),
        stem in any::<bool>(),
        stop_words in any::<bool>(),
        bigrams in any::<bool>(),
    ) {
        let config = TextConfig { stem, stop_words, bigrams, ..TextConfig::default() };
        let s = scorer(config.clone());
        let mut scratch = Scratch::default();
        // twice, so the second run goes through the warm cache
        for _ in 0..2 {
            let mut fast = scratch_feats(&s, &text, &mut scratch);
            fast.sort_unstable();
            let mut terms = Vec::new();
            Pipeline::new(config.clone()).terms(&text, &mut terms);
            let mut slow: Vec<u32> = terms.iter().filter_map(|t| s.model().vocab.get(t)).collect();
            slow.sort_unstable();
            prop_assert_eq!(fast, slow);
            let row = sparse_row(&terms, &s.model().vocab, &s.model().settings);
            prop_assert!(row.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn cached_character_rows_equal_feature_by_feature_scoring(
        text in texty(),
        words in any::<bool>(),
        sublinear_tf in any::<bool>(),
        idf in any::<bool>(),
        complement in any::<bool>(),
        bigrams in any::<bool>(),
        stop_words in any::<bool>(),
        char_weight in prop::option::of(0.05f64..3.0),
    ) {
        // a character weight needs word features beside the n-grams
        let char_weight = char_weight.filter(|_| words || bigrams);
        let settings = Settings {
            text: TextConfig {
                words,
                bigrams,
                stop_words,
                char_ngrams: Some((2, 4)),
                ..TextConfig::default()
            },
            sublinear_tf,
            idf,
            norm: claimscan::model::Norm::L2,
            variant: if complement { claimscan::Variant::Complement } else { claimscan::Variant::Multinomial },
            weight_norm: complement,
            char_weight,
            ..Settings::default()
        };
        let s = Scorer::new(&train(&fixture_examples(), &settings.check().unwrap()).unwrap());
        let mut scratch = Scratch::default();
        for _ in 0..2 {
            s.score(&text, &mut scratch);
            let fast = scratch.jll.clone();
            let slow = s.jll_slow(&text, &mut Scratch::default());
            for (a, b) in fast.iter().zip(&slow) {
                prop_assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "{} vs {}", a, b);
            }
        }
    }

    #[test]
    fn save_then_load_predicts_the_same(texts in prop::collection::vec(texty(), 1..8), bigrams in any::<bool>()) {
        let settings = Settings { text: TextConfig { bigrams, ..TextConfig::default() }, alpha: 0.7, ..Settings::default() };
        let model = train(&fixture_examples(), &settings.check().unwrap()).unwrap();
        let loaded = persist::from_bytes(&persist::to_bytes(&model), Path::new("m")).unwrap();
        prop_assert_eq!(&loaded, &model);
        let (a, b) = (Scorer::new(&model), Scorer::new(&loaded));
        let (mut sa, mut sb) = (Scratch::default(), Scratch::default());
        for t in &texts {
            prop_assert_eq!(a.score(t, &mut sa), b.score(t, &mut sb));
            prop_assert_eq!(&sa.probs, &sb.probs);
        }
    }
}

fn scratch_feats(s: &Scorer, text: &str, scratch: &mut Scratch) -> Vec<u32> {
    s.features(text, scratch);
    scratch.features().iter().map(|&r| s.column(r)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Arbitrary bytes: one output line per input line, or, for input that is mostly not
    /// UTF-8 (issue 16: an error, not garbage labels), exit 2 with one line on stderr and
    /// nothing on stdout.
    #[test]
    fn binary_writes_one_line_per_input_line(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..80), 1..40)) {
        let input = lines_input(&lines);
        let out = common::claimscan().arg("predict").write_stdin(input).output().unwrap();
        if out.status.success() {
            prop_assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), lines.len());
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            prop_assert_eq!(out.status.code(), Some(2));
            prop_assert!(out.stdout.is_empty());
            prop_assert_eq!(err.lines().count(), 1);
            prop_assert!(err.contains("not UTF-8") || err.contains("UTF-16"), "{}", err);
        }
    }

    /// Text with a few stray bytes (one byte in ten arbitrary) is text: one output line per
    /// input line, always.
    #[test]
    fn text_with_stray_bytes_writes_one_line_per_input_line(lines in prop::collection::vec(prop::collection::vec(prop_oneof![9 => 0x20u8..0x7f, 1 => any::<u8>()], 0..80), 1..40)) {
        let input = lines_input(&lines);
        let out = common::claimscan().arg("predict").write_stdin(input).output().unwrap();
        prop_assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        prop_assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), lines.len());
    }
}

/// The lines joined, each ended by a line feed (line feeds inside them dropped).
fn lines_input(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut input = Vec::new();
    for l in lines {
        input.extend(l.iter().copied().filter(|&b| b != b'\n'));
        input.push(b'\n');
    }
    input
}
