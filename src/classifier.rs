//! The library's front door: a [`Classifier`] that turns text into [`Prediction`]s, the
//! one place where a prediction record is made (the command line, the Python module and
//! any server use it).
//!
//! ```
//! use claimscan::Classifier;
//!
//! let clf = Classifier::embedded()?.with_top(3);
//! let p = clf.predict("Open models cut our cloud bill in half.");
//! assert_eq!(p.label, "reward:cost");
//! assert_eq!((p.polarity(), p.category()), ("reward", "cost"));
//! assert_eq!(p.top.len(), 3);
//! let many = clf.predict_batch(&["Attackers exploit the model server.", "Hello."]);
//! assert_eq!(many.len(), 2);
//! # Ok::<(), claimscan::Error>(())
//! ```

use crate::error::Result;
use crate::model::Model;
use crate::report::DocReport;
use crate::scorer::{Outcome, Scorer, Scratch};
use rayon::prelude::*;
use serde::{Serialize, Serializer};
use std::cell::RefCell;
use std::path::Path;

/// The label given to a sentence whose best probability is under the threshold.
pub const NEUTRAL: &str = "neutral";

/// One label and its probability.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabelProbability {
    pub label: String,
    pub probability: f64,
}

/// One feature and how much it pushed toward the label against the runner-up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureWeight {
    pub feature: String,
    pub weight: f64,
}

/// What the classifier says about one text.
///
/// Serialised (serde) as the record of `claimscan predict --format json`: `label`,
/// `polarity`, `category`, `probability`, `top`, `known_tokens`, and when they apply
/// `unknown`, `below_threshold`, `explain`.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// The label: the most probable one, or `neutral` when its probability is under the
    /// threshold.
    pub label: String,
    /// The model's best probability (also when the threshold made the label `neutral`).
    pub probability: f64,
    /// The most probable labels, best first (as many as `top` asks; at least one).
    pub top: Vec<LabelProbability>,
    /// Feature occurrences the model knows; 0 means the class priors decided.
    pub known_tokens: usize,
    /// No known feature at all.
    pub unknown: bool,
    /// The best probability was under the threshold, so the label is `neutral`.
    pub below_threshold: bool,
    /// The features that decided, when asked for (`explain`).
    pub explain: Vec<FeatureWeight>,
}

impl Prediction {
    /// The part of the label before `:` (`risk`, `reward`), or the whole label (`neutral`).
    pub fn polarity(&self) -> &str {
        polarity_category(&self.label).0
    }

    /// The part of the label after `:` (`cost`, `bias`), or the whole label (`neutral`).
    pub fn category(&self) -> &str {
        polarity_category(&self.label).1
    }
}

/// Splits a label into polarity and category: `risk:bias` gives (`risk`, `bias`),
/// `neutral` gives (`neutral`, `neutral`).
pub fn polarity_category(label: &str) -> (&str, &str) {
    label.split_once(':').unwrap_or((label, label))
}

/// Rounds to six decimals, as the JSON records show probabilities and weights.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl Serialize for Prediction {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("label", &self.label)?;
        m.serialize_entry("polarity", self.polarity())?;
        m.serialize_entry("category", self.category())?;
        m.serialize_entry("probability", &round6(self.probability))?;
        let top: Vec<LabelProbability> = self
            .top
            .iter()
            .map(|t| LabelProbability {
                label: t.label.clone(),
                probability: round6(t.probability),
            })
            .collect();
        m.serialize_entry("top", &top)?;
        m.serialize_entry("known_tokens", &self.known_tokens)?;
        if self.unknown {
            m.serialize_entry("unknown", &true)?;
        }
        if self.below_threshold {
            m.serialize_entry("below_threshold", &true)?;
        }
        if !self.explain.is_empty() {
            let e: Vec<FeatureWeight> = self
                .explain
                .iter()
                .map(|f| FeatureWeight {
                    feature: f.feature.clone(),
                    weight: round6(f.weight),
                })
                .collect();
            m.serialize_entry("explain", &e)?;
        }
        m.end()
    }
}

/// A model ready to classify, with its output options: how many labels to list (`top`),
/// the threshold under which a sentence is `neutral`, and how many deciding features to
/// show (`explain`). Cheap to share across threads (`&Classifier` is `Sync`) and cheap to
/// clone (the compiled model is shared), so a server can set options per request.
#[derive(Clone, Debug)]
pub struct Classifier {
    scorer: std::sync::Arc<Scorer>,
    top: usize,
    threshold: Option<f64>,
    explain: usize,
    /// Whether the labels include `neutral` (what a sentence under the threshold gets).
    has_neutral: bool,
}

thread_local! {
    /// Scratch space for [`Classifier::predict`] (its word cache follows the scorer).
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Classifier {
    /// The model embedded in claimscan, trained on `corpus/claims.csv`.
    ///
    /// # Errors
    /// Only if the build embedded a damaged model, which the test suite rules out.
    pub fn embedded() -> Result<Classifier> {
        Ok(Classifier::from_model(crate::embedded_model()?))
    }

    /// The model in the file at `path`.
    ///
    /// # Errors
    /// The file cannot be read, or is not a valid claimscan model.
    pub fn load(path: impl AsRef<Path>) -> Result<Classifier> {
        Ok(Classifier::from_model(crate::persist::load(path.as_ref())?))
    }

    /// The model in `bytes` (the contents of a model file).
    ///
    /// # Errors
    /// Not a valid claimscan model.
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier> {
        Ok(Classifier::from_model(crate::persist::from_bytes(
            bytes,
            Path::new("<bytes>"),
        )?))
    }

    /// A classifier for `model` (top 1, no threshold, no explanation).
    pub fn from_model(model: Model) -> Classifier {
        let scorer = Scorer::from_model(model);
        let has_neutral = scorer.labels().iter().any(|l| l == NEUTRAL);
        Classifier {
            scorer: std::sync::Arc::new(scorer),
            top: 1,
            threshold: None,
            explain: 0,
            has_neutral,
        }
    }

    /// List the `k` most probable labels in [`Prediction::top`] (at least 1, at most the
    /// number of labels).
    pub fn with_top(mut self, k: usize) -> Classifier {
        self.top = k.clamp(1, self.scorer.labels().len().max(1));
        self
    }

    /// Label a sentence `neutral` when its best probability is under `p`.
    pub fn with_threshold(mut self, p: Option<f64>) -> Classifier {
        self.threshold = p;
        self
    }

    /// Use the model's recommended threshold (none if the model is not calibrated).
    pub fn with_recommended_threshold(self) -> Classifier {
        let t = self.recommended_threshold();
        self.with_threshold(t)
    }

    /// Show the `n` features that pushed most toward the label against the runner-up.
    pub fn with_explain(mut self, n: usize) -> Classifier {
        self.explain = n;
        self
    }

    /// The labels, sorted: the columns of [`Classifier::probabilities`].
    pub fn labels(&self) -> &[String] {
        self.scorer.labels()
    }

    /// The model.
    pub fn model(&self) -> &Model {
        self.scorer.model()
    }

    /// The compiled scoring table (for callers that manage their own [`Scratch`]).
    pub fn scorer(&self) -> &Scorer {
        &self.scorer
    }

    /// The threshold the model recommends, if it was trained with calibration.
    pub fn recommended_threshold(&self) -> Option<f64> {
        self.model().calibration.as_ref().map(|c| c.threshold)
    }

    /// The threshold in use.
    pub fn threshold(&self) -> Option<f64> {
        self.threshold
    }

    /// Classifies one text.
    pub fn predict(&self, text: &str) -> Prediction {
        SCRATCH.with(|s| self.predict_with(text, &mut s.borrow_mut()))
    }

    /// Classifies one text with the caller's scratch space (fastest in a loop).
    pub fn predict_with(&self, text: &str, scratch: &mut Scratch) -> Prediction {
        let outcome = self.scorer.score(text, scratch);
        self.prediction(text, outcome, scratch)
    }

    /// The label and probability that [`Classifier::predict_with`] would give `text`
    /// (the threshold applied), without building a [`Prediction`]: no allocation, for
    /// callers that write the best label only.
    pub fn best_with(&self, text: &str, scratch: &mut Scratch) -> (&str, f64) {
        let outcome = self.scorer.score(text, scratch);
        (self.decide(&outcome).0, outcome.probability)
    }

    /// The label an outcome gets, and whether the threshold made it `neutral`.
    fn decide(&self, outcome: &Outcome) -> (&str, bool) {
        let below = self.threshold.is_some_and(|t| outcome.probability < t) && self.has_neutral;
        if below {
            (NEUTRAL, true)
        } else {
            (self.scorer.labels()[outcome.best].as_str(), false)
        }
    }

    /// How many labels each prediction lists, and how many features it explains.
    pub fn output_options(&self) -> (usize, usize) {
        (self.top, self.explain)
    }

    /// Classifies every text, on all cores, in order.
    pub fn predict_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Prediction> {
        texts
            .par_iter()
            .map_init(Scratch::default, |s, t| self.predict_with(t.as_ref(), s))
            .collect()
    }

    /// The probability of each label (in [`Classifier::labels`] order) for one text.
    pub fn probabilities(&self, text: &str) -> Vec<f64> {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            self.scorer.score(text, &mut s);
            s.probs.clone()
        })
    }

    /// The probabilities of every text, on all cores, in order: one row per text.
    pub fn probabilities_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Vec<f64>> {
        texts
            .par_iter()
            .map_init(Scratch::default, |s, t| {
                self.scorer.score(t.as_ref(), s);
                s.probs.clone()
            })
            .collect()
    }

    /// Scores the classifier on labelled `examples`: the label metrics (best label, no
    /// threshold), the probability metrics, and each example's probabilities.
    pub fn evaluate(
        &self,
        examples: &[crate::corpus::Example],
    ) -> (
        crate::metrics::Report,
        crate::calibrate::ProbabilityReport,
        Vec<Vec<f64>>,
    ) {
        let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
        let probs = self.probabilities_batch(&texts);
        let labels = self.labels();
        let pred: Vec<&str> = probs
            .iter()
            .map(|p| labels[crate::scorer::argmax(p)].as_str())
            .collect();
        let truth: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
        let r = crate::metrics::Report::new(&truth, &pred);
        let pr = crate::calibrate::ProbabilityReport::new(labels, &probs, &truth);
        (r, pr, probs)
    }

    /// A whole document: split into sentences, each classified (with this classifier's
    /// threshold), with the counts, balance and tables of [`DocReport`].
    pub fn report(&self, name: &str, text: &str) -> DocReport {
        DocReport::with_threshold(name, text, &self.scorer, self.threshold)
    }

    /// The record for `text` after `scratch` holds its scores.
    fn prediction(&self, text: &str, outcome: Outcome, s: &mut Scratch) -> Prediction {
        let labels = self.scorer.labels();
        // the labels ranked by probability: only needed beyond the best one (the common
        // case, top 1 without explanation, allocates nothing here)
        let mut order: Vec<usize> = Vec::new();
        if self.top > 1 || self.explain > 0 {
            order.push(outcome.best);
            order.extend((0..labels.len()).filter(|&c| c != outcome.best));
            order[1..].sort_by(|&a, &b| s.probs[b].total_cmp(&s.probs[a]).then(a.cmp(&b)));
        }
        let ranked: &[usize] = if order.is_empty() {
            std::slice::from_ref(&outcome.best)
        } else {
            &order
        };
        let (label, below) = self.decide(&outcome);
        let label = label.to_string();
        let top = ranked[..self.top.min(ranked.len())]
            .iter()
            .map(|&c| LabelProbability {
                label: labels[c].clone(),
                probability: s.probs[c],
            })
            .collect();
        let explain = if self.explain > 0 {
            let runner = ranked.get(1).copied().unwrap_or(outcome.best);
            let probs = std::mem::take(&mut s.probs);
            let e = self
                .scorer
                .explain(text, outcome.best, runner, self.explain, s);
            s.probs = probs;
            e.into_iter()
                .map(|(feature, weight)| FeatureWeight { feature, weight })
                .collect()
        } else {
            Vec::new()
        };
        Prediction {
            label,
            probability: outcome.probability,
            top,
            known_tokens: outcome.known,
            unknown: outcome.known == 0,
            below_threshold: below,
            explain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_equals_one_by_one_in_order() {
        let clf = Classifier::embedded().unwrap().with_top(2).with_explain(2);
        let texts = [
            "Open models cut our cloud bill in half.",
            "Attackers exploit the model server.",
            "",
            "The meeting starts at nine.",
        ];
        let batch = clf.predict_batch(&texts);
        for (t, p) in texts.iter().zip(&batch) {
            assert_eq!(&clf.predict(t), p);
        }
        assert!(batch[2].unknown && batch[2].known_tokens == 0);
        assert_eq!(batch[0].top.len(), 2);
        assert!(batch[0].top[0].probability >= batch[0].top[1].probability);
    }

    #[test]
    fn threshold_makes_unsure_sentences_neutral_and_keeps_the_probability() {
        let clf = Classifier::embedded().unwrap();
        let p = clf.predict("Open models cut our cloud bill in half.");
        let strict = clf.clone().with_threshold(Some(p.probability + 1e-9));
        let q = strict.predict("Open models cut our cloud bill in half.");
        assert_eq!(q.label, "neutral");
        assert!(q.below_threshold);
        assert_eq!(q.probability, p.probability);
        let probs = clf.probabilities("Open models cut our cloud bill in half.");
        assert_eq!(probs.len(), clf.labels().len());
        assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn clones_share_the_compiled_model() {
        let a = Classifier::embedded().unwrap();
        let b = a.clone().with_top(3).with_threshold(Some(0.5));
        assert!(std::ptr::eq(a.scorer(), b.scorer()));
        assert_eq!((a.threshold(), b.threshold()), (None, Some(0.5)));
    }

    #[test]
    fn serialises_as_the_cli_record() {
        let p = Prediction {
            label: "risk:bias".into(),
            probability: 0.123_456_789,
            top: vec![LabelProbability {
                label: "risk:bias".into(),
                probability: 0.123_456_789,
            }],
            known_tokens: 3,
            unknown: false,
            below_threshold: false,
            explain: vec![],
        };
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"label":"risk:bias","polarity":"risk","category":"bias","probability":0.123457,"top":[{"label":"risk:bias","probability":0.123457}],"known_tokens":3}"#
        );
    }
}
