//! Golden values for the term weighting, length normalisation, character n-grams,
//! weight-normalised Complement NB and the hidden off-topic class of `--split-neutral`:
//! claimscan against scikit-learn's TfidfVectorizer + MultinomialNB /
//! ComplementNB(norm=False|True) on the committed fixture, within 1e-9.
//! The numbers were written by tests/golden/sklearn_tfidf.py.

use claimscan::corpus::{load, CsvOptions};
use claimscan::model::{train, Norm, Settings, Variant};
use claimscan::text::TextConfig;
use claimscan::{Scorer, Scratch};
use serde::Deserialize;

mod common;

#[derive(Deserialize)]
struct Reference {
    sklearn: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    kind: String,
    sublinear_tf: bool,
    idf: bool,
    norm: String,
    alpha: f64,
    variant: String,
    weight_norm: bool,
    #[serde(default = "yes")]
    fit_prior: bool,
    /// Character n-grams as a second expert (`kind` "word+char").
    #[serde(default)]
    char_weight: Option<f64>,
    /// `--split-neutral`: `classes` has the hidden class, `probe_proba` is per label.
    #[serde(default)]
    split_neutral: bool,
    #[serde(default)]
    labels: Vec<String>,
    classes: Vec<String>,
    features: Vec<String>,
    idf_weights: Vec<f64>,
    feature_log_prob: Vec<Vec<f64>>,
    class_log_prior: Vec<f64>,
    probe_jll: Vec<Vec<f64>>,
    probe_proba: Vec<Vec<f64>>,
}

fn yes() -> bool {
    true
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn tfidf_variants_match_scikit_learn() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tfidf_reference.json");
    let reference: Reference =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        reference.cases.len() >= 12
            && reference
                .cases
                .iter()
                .filter(|c| c.char_weight.is_some())
                .count()
                >= 4
            && reference.cases.iter().any(|c| c.split_neutral),
        "scikit-learn {}",
        reference.sklearn
    );
    let examples = load(&common::fixture("golden.csv"), &CsvOptions::default()).unwrap();
    let probe = std::fs::read_to_string(common::fixture("probe.txt")).unwrap();
    for case in &reference.cases {
        let (words, chars) = match case.kind.as_str() {
            "word" => (true, false),
            "char" => (false, true),
            "word+char" => (true, true),
            other => panic!("kind {other}"),
        };
        let settings = Settings {
            text: TextConfig {
                stem: false,
                stop_words: false,
                bigrams: false,
                words,
                char_ngrams: chars.then_some((3, 5)),
            },
            fit_prior: case.fit_prior,
            char_weight: case.char_weight,
            alpha: case.alpha,
            variant: case.variant.parse::<Variant>().unwrap(),
            sublinear_tf: case.sublinear_tf,
            idf: case.idf,
            norm: case.norm.parse::<Norm>().unwrap(),
            weight_norm: case.weight_norm,
            split_neutral: case.split_neutral,
            ..Settings::default()
        };
        let model = train(&examples, &settings.check().unwrap()).unwrap();
        let name = &case.name;
        assert_eq!(model.labels, case.classes, "{name}");
        // same features, in claimscan's naming; sklearn's order differs, so map them
        assert_eq!(
            model.vocab.len(),
            case.features.len(),
            "{name}: vocabulary size"
        );
        let cols: Vec<u32> = case
            .features
            .iter()
            .map(|f| {
                model
                    .vocab
                    .get(f)
                    .unwrap_or_else(|| panic!("{name}: no feature {f:?}"))
            })
            .collect();
        let scorer = Scorer::new(&model);
        let nc = model.labels.len();
        let labels = if case.split_neutral {
            &case.labels
        } else {
            &case.classes
        };
        assert_eq!(scorer.labels(), &labels[..], "{name}");
        for (j, &f) in cols.iter().enumerate() {
            let idf = if case.idf {
                assert!(
                    close(model.idf[f as usize], case.idf_weights[j], 1e-12),
                    "{name}: idf"
                );
                case.idf_weights[j]
            } else {
                1.0
            };
            // the n-grams' expert is weighted in the table; scikit-learn's is not
            let expert = match case.char_weight {
                Some(w) if case.features[j].starts_with('#') => w,
                _ => 1.0,
            };
            for c in 0..nc {
                // the table folds idf into the weights; scikit-learn's ComplementNB
                // feature_log_prob_ is the weight its jll uses, MultinomialNB's too
                let ours = scorer.weights(f)[c] / idf / expert;
                let theirs = case.feature_log_prob[c][j];
                assert!(
                    close(ours, theirs, 1e-9),
                    "{name}: weight {c},{j}: {ours} vs {theirs}"
                );
            }
        }
        if case.variant == "multinomial" {
            for c in 0..nc {
                assert!(
                    close(scorer.bias()[c], case.class_log_prior[c], 1e-12),
                    "{name}: prior"
                );
            }
        }
        let mut s = Scratch::default();
        for (i, line) in probe.lines().enumerate() {
            // twice: the second pass goes through the warm per-word cache
            for _ in 0..2 {
                scorer.score(line, &mut s);
                for c in 0..nc {
                    assert!(
                        close(s.jll[c], case.probe_jll[i][c], 1e-9),
                        "{name}: jll line {i} class {c}: {} vs {}",
                        s.jll[c],
                        case.probe_jll[i][c]
                    );
                }
                assert_eq!(s.probs.len(), labels.len(), "{name}");
                for c in 0..labels.len() {
                    assert!(
                        (s.probs[c] - case.probe_proba[i][c]).abs() < 1e-9,
                        "{name}: proba line {i} class {c}"
                    );
                }
            }
        }
    }
}
