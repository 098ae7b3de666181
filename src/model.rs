//! Training: labelled examples in, a [`Model`] of per-class sufficient statistics out.
//!
//! The counting is done by linfa-bayes's `MultinomialNb` (through `FitWith`, one row batch
//! at a time, so memory stays bounded), and its fitted parameters are read back through its
//! `serde` feature, since linfa-bayes 0.7.1 keeps them private.

use crate::corpus::Example;
use crate::error::{Error, Result};
use crate::text::{Pipeline, TextConfig};
use crate::vocab::{VocabParams, Vocabulary};
use linfa::traits::FitWith;
use linfa::DatasetView;
use linfa::ParamGuard;
use linfa_bayes::{MultinomialNb, MultinomialNbParams};
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Which naive Bayes decision rule the compiled table uses. All three are computed from the
/// same per-class counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Multinomial NB, exactly as linfa-bayes and scikit-learn's `MultinomialNB`.
    Multinomial,
    /// Complement NB (Rennie et al., 2003), as scikit-learn's `ComplementNB` (norm=False).
    Complement,
    /// Bernoulli NB on binary features, as scikit-learn's `BernoulliNB`.
    Bernoulli,
}

impl Variant {
    /// All variants, in a fixed order.
    pub const ALL: [Variant; 3] = [
        Variant::Multinomial,
        Variant::Complement,
        Variant::Bernoulli,
    ];
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Variant::Multinomial => "multinomial",
            Variant::Complement => "complement",
            Variant::Bernoulli => "bernoulli",
        })
    }
}

impl FromStr for Variant {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Variant::ALL
            .into_iter()
            .find(|v| v.to_string() == s)
            .ok_or_else(|| {
                Error::Param(format!(
                    "unknown variant {s:?} (expected multinomial, complement or bernoulli)"
                ))
            })
    }
}

/// Length normalisation of each training sentence's feature vector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Feature values as they are.
    #[default]
    None,
    /// Each training sentence's vector divided by its Euclidean length (scikit-learn's
    /// `TfidfVectorizer(norm="l2")`).
    L2,
}

impl fmt::Display for Norm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Norm::None => "none",
            Norm::L2 => "l2",
        })
    }
}

impl FromStr for Norm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "none" => Ok(Norm::None),
            "l2" => Ok(Norm::L2),
            _ => Err(Error::Param(format!(
                "unknown norm {s:?} (expected l2 or none)"
            ))),
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_no_norm(n: &Norm) -> bool {
    *n == Norm::None
}

/// Everything that decides a model, stored inside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub text: TextConfig,
    pub min_df: usize,
    pub max_features: Option<usize>,
    /// Additive smoothing, > 0.
    pub alpha: f64,
    pub variant: Variant,
    /// Count a term `1 + ln(tf)` times instead of `tf` times (ignored by Bernoulli).
    pub sublinear_tf: bool,
    /// Use the class frequencies as priors; otherwise uniform priors.
    pub fit_prior: bool,
    /// Weight each feature by its smoothed inverse document frequency,
    /// `ln((1 + n) / (1 + df)) + 1` (scikit-learn's `TfidfTransformer(smooth_idf=True)`),
    /// in training and in scoring.
    #[serde(default, skip_serializing_if = "is_false")]
    pub idf: bool,
    /// Length normalisation of each training sentence (Rennie et al. 2003, step 3). Scoring
    /// does not normalise: it does not change a Complement NB decision, and the calibrated
    /// temperature sets the scale of the probabilities.
    #[serde(default, skip_serializing_if = "is_no_norm")]
    pub norm: Norm,
    /// Complement NB with weight normalisation (Rennie et al. 2003, "WCNB"; scikit-learn's
    /// `ComplementNB(norm=True)`): each class's log weights divided by their sum.
    #[serde(default, skip_serializing_if = "is_false")]
    pub weight_norm: bool,
    /// Character n-grams as a second naive Bayes model beside the word features (a product
    /// of two experts): each kind's per-class weights are normalised over its own features,
    /// and the character n-grams' log-likelihood is multiplied by this weight. `None`: one
    /// model over all features. scikit-learn equivalent: a MultinomialNB (or ComplementNB)
    /// fitted on each kind's columns, joint log-likelihoods summed with this weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub char_weight: Option<f64>,
    /// Train the `neutral` rows that name no AI term ([`crate::corpus::mentions_ai`]) as a
    /// class of their own, [`crate::corpus::OFF_TOPIC`], reported as `neutral`: its
    /// probability is added to `neutral`'s. Off-topic text then has a class that looks
    /// like it, instead of the neutral rows about AI.
    #[serde(default, skip_serializing_if = "is_false")]
    pub split_neutral: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            text: TextConfig::default(),
            min_df: 1,
            max_features: None,
            alpha: 1.0,
            variant: Variant::Multinomial,
            sublinear_tf: false,
            fit_prior: true,
            idf: false,
            norm: Norm::None,
            weight_norm: false,
            char_weight: None,
            split_neutral: false,
        }
    }
}

/// The largest smoothing accepted: beyond it the counts no longer matter.
pub const MAX_ALPHA: f64 = 1e6;

/// The largest `--char-weight`.
pub const MAX_CHAR_WEIGHT: f64 = 100.0;

/// Training settings that passed [`Settings::check`]; fitting takes only these.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidSettings(Settings);

impl Settings {
    /// Validates the settings once, before any work.
    ///
    /// # Errors
    /// `alpha` not a finite number > 0 (alpha = 0 gives NaN log-probabilities for unseen
    /// terms), `min_df` or `max_features` of 0.
    pub fn check(self) -> Result<ValidSettings> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(Error::Param(format!(
                "alpha must be a finite number greater than 0, got {}",
                self.alpha
            )));
        }
        if self.alpha > MAX_ALPHA {
            return Err(Error::Param(format!(
                "alpha must be at most {MAX_ALPHA} (larger smoothing makes every label equally likely), got {}",
                self.alpha
            )));
        }
        self.vocab_params().check()?;
        self.text.check()?;
        if self.weight_norm && self.variant != Variant::Complement {
            return Err(Error::Param(
                "--weight-norm applies to --variant complement only".into(),
            ));
        }
        if let Some(w) = self.char_weight {
            if !(w.is_finite() && w > 0.0 && w <= MAX_CHAR_WEIGHT) {
                return Err(Error::Param(format!(
                    "--char-weight must be a number greater than 0 and at most {MAX_CHAR_WEIGHT}, got {w}"
                )));
            }
            if self.text.char_ngrams.is_none() || !(self.text.words || self.text.bigrams) {
                return Err(Error::Param(
                    "--char-weight needs both --char-ngrams and word features (unigrams or --bigrams)"
                        .into(),
                ));
            }
            if self.variant == Variant::Bernoulli {
                return Err(Error::Param(
                    "--char-weight applies to --variant multinomial or complement".into(),
                ));
            }
        }
        if self.variant == Variant::Bernoulli && (self.idf || self.norm != Norm::None) {
            return Err(Error::Param(
                "Bernoulli NB uses binary features: --idf and --norm do not apply".into(),
            ));
        }
        Ok(ValidSettings(self))
    }

    pub(crate) fn vocab_params(&self) -> VocabParams {
        VocabParams {
            min_df: self.min_df,
            max_features: self.max_features,
        }
    }

    /// How a term count `tf` > 0 in one sentence becomes a feature value.
    pub fn feature_value(&self, tf: u32) -> f64 {
        match (self.variant, self.sublinear_tf) {
            (Variant::Bernoulli, _) => 1.0,
            // most terms occur once in a sentence: 1 + ln 1 is exactly 1, without the ln
            (_, true) if tf == 1 => 1.0,
            (_, true) => 1.0 + f64::from(tf).ln(),
            (_, false) => f64::from(tf),
        }
    }

    /// The class `e` trains: its label, or [`crate::corpus::OFF_TOPIC`] for a neutral
    /// sentence naming no AI term under `split_neutral`.
    pub fn class_of<'a>(&self, e: &'a Example) -> &'a str {
        if self.split_neutral
            && e.label == crate::corpus::OFF_TOPIC_PARENT
            && !crate::corpus::mentions_ai(&e.text)
        {
            crate::corpus::OFF_TOPIC
        } else {
            &e.label
        }
    }

    /// Whether a sentence's features must be counted before scoring (otherwise each
    /// occurrence simply adds its weights).
    pub fn needs_counts(&self) -> bool {
        self.variant == Variant::Bernoulli || self.sublinear_tf
    }
}

impl Settings {
    /// The `claimscan train` flags that reproduce these settings.
    pub fn flags(&self) -> String {
        let s = self;
        let mut f = vec![format!("--alpha {}", s.alpha)];
        if s.text.bigrams {
            f.push("--bigrams".into());
        }
        if s.text.stop_words {
            f.push("--stop-words".into());
        }
        if !s.text.stem {
            f.push("--no-stem".into());
        }
        if !s.text.words {
            f.push("--no-words".into());
        }
        if let Some((lo, hi)) = s.text.char_ngrams {
            f.push(format!("--char-ngrams {lo}-{hi}"));
        }
        if s.min_df != 1 {
            f.push(format!("--min-df {}", s.min_df));
        }
        if let Some(m) = s.max_features {
            f.push(format!("--max-features {m}"));
        }
        if s.variant != Variant::Multinomial {
            f.push(format!("--variant {}", s.variant));
        }
        // explicit either way, so the line means the same whatever the defaults
        f.push(
            if s.sublinear_tf {
                "--sublinear-tf"
            } else {
                "--raw-tf"
            }
            .into(),
        );
        if !s.fit_prior {
            f.push("--uniform-prior".into());
        }
        if s.idf {
            f.push("--idf".into());
        }
        if s.norm != Norm::None {
            f.push(format!("--norm {}", s.norm));
        }
        if s.weight_norm {
            f.push("--weight-norm".into());
        }
        if let Some(w) = s.char_weight {
            f.push(format!("--char-weight {w}"));
        }
        if s.split_neutral {
            f.push("--split-neutral".into());
        }
        f.join(" ")
    }
}

impl ValidSettings {
    /// The settings.
    pub fn get(&self) -> &Settings {
        &self.0
    }
}

/// A trained model: per-class sufficient statistics over a fixed vocabulary.
///
/// Naive Bayes needs nothing else: the scoring table ([`crate::scorer::Scorer`]) is
/// compiled from these numbers, and models on the same vocabulary add up.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub settings: Settings,
    /// Class labels, sorted.
    pub labels: Vec<String>,
    pub vocab: Vocabulary,
    /// Training sentences per class.
    pub class_count: Vec<u64>,
    /// Summed feature values, `labels.len()` rows of `vocab.len()` columns, row-major.
    pub feature_count: Vec<f64>,
    /// Per feature, its inverse document frequency in the training rows (empty unless
    /// `settings.idf`).
    pub idf: Vec<f64>,
    /// Temperature and recommended threshold fitted on out-of-fold predictions, if the
    /// model was trained with `--calibrate`.
    pub calibration: Option<Calibration>,
}

/// How a model's raw scores become calibrated probabilities, and where it recommends
/// abstaining.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Probabilities are `softmax(jll / temperature)` (then the top-label map, `top`);
    /// fitted by minimising the log-loss
    /// of out-of-fold predictions.
    pub temperature: f64,
    /// Below this calibrated probability a sentence is best called `neutral`: the value
    /// that maximised out-of-fold macro-F1.
    pub threshold: f64,
    /// Folds used for the out-of-fold predictions.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Top-label recalibration after the temperature: knots `(p, q)` of an increasing
    /// piecewise-linear map of the best probability, fitted by isotonic regression of "the
    /// best label is right" on the best out-of-fold probability (centred: one knot per
    /// pool, see [`crate::calibrate::isotonic`]). The best label's probability `p` becomes
    /// `q` and the other labels share the rest in their proportions (see
    /// [`crate::scorer::recalibrate_top`]). Empty: the temperature alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top: Vec<(f64, f64)>,
}

impl Calibration {
    /// The calibrated probabilities of the labels from the joint log-likelihoods `jll` of
    /// the classes: softmax at the temperature, sub-classes added into their labels
    /// (`group` and `n_labels` as from [`crate::scorer::label_groups`]), then the
    /// top-label map. As [`crate::scorer::Scorer::score`] computes them.
    pub fn apply(&self, jll: &[f64], group: &[u32], n_labels: usize, out: &mut Vec<f64>) {
        crate::scorer::label_probabilities(
            jll,
            self.temperature,
            (group, n_labels),
            &self.top,
            out,
            &mut Vec::new(),
        );
    }

    /// Checks that the numbers are usable.
    ///
    /// # Errors
    /// A temperature that is not finite and > 0, or a threshold outside 0..1.
    pub fn check(&self) -> Result<()> {
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(Error::Param(format!(
                "temperature must be finite and > 0, got {}",
                self.temperature
            )));
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(Error::Param(format!(
                "threshold must be within 0 and 1, got {}",
                self.threshold
            )));
        }
        let in_unit = |v: f64| (0.0..=1.0).contains(&v);
        if !self.top.iter().all(|&(p, q)| in_unit(p) && in_unit(q))
            || !self
                .top
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1)
        {
            return Err(Error::Param(
                "the top-label map must be points within 0 and 1, both coordinates ascending"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl Model {
    /// Number of training sentences.
    pub fn training_rows(&self) -> u64 {
        self.class_count.iter().sum()
    }

    /// The feature counts of class `c`.
    pub fn class_row(&self, c: usize) -> &[f64] {
        let v = self.vocab.len();
        &self.feature_count[c * v..(c + 1) * v]
    }
}

/// One sentence as sparse feature values: (column, value), columns ascending.
pub type SparseRow = Vec<(u32, f64)>;

/// Trains a model on `examples`.
///
/// # Errors
/// Fewer than two distinct labels, no features left after pruning, or an estimator
/// failure.
pub fn train(examples: &[Example], settings: &ValidSettings) -> Result<Model> {
    sorted_labels(examples)?;
    let model = count(examples, settings)?;
    if model.vocab.is_empty() {
        // every label would be equally likely whatever the text: refuse
        return Err(Error::Fit(format!(
            "no features left: every term occurs in fewer than --min-df {} sentences",
            settings.get().min_df
        )));
    }
    Ok(model)
}

/// Counts `examples` into a model; unlike [`train`], one label is enough (a shard or an
/// update may hold a single class).
///
/// # Errors
/// No examples, or an estimator failure.
pub fn count(examples: &[Example], settings: &ValidSettings) -> Result<Model> {
    let settings = settings.get();
    let classes: Vec<&str> = examples.iter().map(|e| settings.class_of(e)).collect();
    let mut labels: Vec<String> = classes.iter().map(|l| l.to_string()).collect();
    labels.sort_unstable();
    labels.dedup();
    let pipeline = Pipeline::new(settings.text.clone());
    let docs: Vec<Vec<String>> = examples
        .par_iter()
        .map(|e| {
            let mut t = Vec::new();
            pipeline.terms(&e.text, &mut t);
            t
        })
        .collect();
    let vocab = Vocabulary::build(&docs, &settings.vocab_params());
    let mut rows: Vec<SparseRow> = docs
        .par_iter()
        .map(|d| sparse_row(d, &vocab, settings))
        .collect();
    let idf = if settings.idf {
        idf(&rows, vocab.len())
    } else {
        Vec::new()
    };
    rows.par_iter_mut()
        .for_each(|r| transform_row(r, &idf, settings.norm));
    let targets: Vec<usize> = classes
        .iter()
        .map(|l| {
            labels
                .binary_search_by(|x| x.as_str().cmp(l))
                .expect("label collected above")
        })
        .collect();
    let (class_count, feature_count) =
        fit_counts(&rows, &targets, labels.len(), vocab.len(), settings.alpha)?;
    Ok(Model {
        settings: settings.clone(),
        labels,
        vocab,
        class_count,
        feature_count,
        idf,
        calibration: None,
    })
}

/// Smoothed inverse document frequency per column of `rows`, as scikit-learn's
/// `TfidfTransformer(smooth_idf=True)`: `ln((1 + n) / (1 + df)) + 1`.
pub fn idf(rows: &[SparseRow], n_features: usize) -> Vec<f64> {
    let mut df = vec![0u64; n_features];
    for row in rows {
        for &(c, _) in row {
            df[c as usize] += 1;
        }
    }
    let n = rows.len() as f64;
    df.iter()
        .map(|&d| ((1.0 + n) / (1.0 + d as f64)).ln() + 1.0)
        .collect()
}

/// Multiplies a row by `idf` (when not empty) and divides it by its length (with
/// [`Norm::L2`]): the training transforms of Rennie et al. (2003), steps 2 and 3.
pub fn transform_row(row: &mut SparseRow, idf: &[f64], norm: Norm) {
    if !idf.is_empty() {
        for (c, v) in row.iter_mut() {
            *v *= idf[*c as usize];
        }
    }
    if norm == Norm::L2 {
        let len = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
        if len > 0.0 {
            for (_, v) in row.iter_mut() {
                *v /= len;
            }
        }
    }
}

/// Whether models with these settings can be merged or updated exactly: pruning by
/// `min_df` or `max_features` throws counts away that a later merge would need.
fn check_mergeable(s: &Settings) -> Result<()> {
    if s.idf {
        return Err(Error::Param(
            "a model trained with --idf cannot be merged or updated exactly (idf weights \
             depend on every training row); retrain it on all rows"
                .into(),
        ));
    }
    if s.min_df != 1 || s.max_features.is_some() {
        return Err(Error::Param(format!(
            "a model trained with --min-df {}{} cannot be merged or updated exactly \
             (pruned terms are gone); train it with --min-df 1 and no --max-features",
            s.min_df,
            s.max_features
                .map_or(String::new(), |m| format!(" --max-features {m}"))
        )));
    }
    Ok(())
}

/// Adds `examples` to `model` without its original corpus: new words and new labels
/// included. The result equals training on all rows at once.
///
/// # Errors
/// The model was pruned (see [`merge`]), or the examples cannot be counted.
pub fn update(model: &Model, examples: &[Example]) -> Result<Model> {
    check_mergeable(&model.settings)?;
    let settings = model.settings.clone().check()?;
    let new = count(examples, &settings)?;
    merge(&[model.clone(), new])
}

/// Combines models counted on disjoint shards with the same settings into the model that
/// counting all shards together gives: labels and vocabularies are united, counts added.
///
/// # Errors
/// No models, settings that differ, or pruned models (`min_df` > 1 or `max_features`).
pub fn merge(models: &[Model]) -> Result<Model> {
    let first = models
        .first()
        .ok_or_else(|| Error::Param("nothing to merge".into()))?;
    for (i, m) in models.iter().enumerate() {
        if m.settings != first.settings {
            return Err(Error::Param(format!(
                "model {} was trained with other settings than model 1 (`{}` vs `{}`)",
                i + 1,
                m.settings.flags(),
                first.settings.flags()
            )));
        }
    }
    check_mergeable(&first.settings)?;
    let mut labels: Vec<String> = models.iter().flat_map(|m| m.labels.clone()).collect();
    labels.sort_unstable();
    labels.dedup();
    let vocab = Vocabulary::from_terms(
        models
            .iter()
            .flat_map(|m| m.vocab.terms().iter().cloned())
            .collect(),
    );
    let (nc, nv) = (labels.len(), vocab.len());
    let mut class_count = vec![0u64; nc];
    let mut feature_count = vec![0.0; nc * nv];
    for m in models {
        let cols: Vec<usize> = m
            .vocab
            .terms()
            .iter()
            .map(|t| vocab.get(t).expect("united above") as usize)
            .collect();
        for (c, label) in m.labels.iter().enumerate() {
            let to = labels.binary_search(label).expect("united above");
            class_count[to] += m.class_count[c];
            let row = &mut feature_count[to * nv..(to + 1) * nv];
            for (f, &x) in m.class_row(c).iter().enumerate() {
                row[cols[f]] += x;
            }
        }
    }
    // A calibration was fitted on other rows: it does not carry over.
    Ok(Model {
        settings: first.settings.clone(),
        labels,
        vocab,
        class_count,
        feature_count,
        idf: Vec::new(),
        calibration: None,
    })
}

/// The sorted distinct labels of `examples`.
///
/// # Errors
/// Fewer than two of them.
pub fn sorted_labels(examples: &[Example]) -> Result<Vec<String>> {
    let mut labels: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
    labels.sort_unstable();
    labels.dedup();
    if labels.len() < 2 {
        return Err(Error::Fit(format!(
            "need at least two classes to train, found only {}",
            labels
                .first()
                .map_or("none".to_string(), |l| format!("'{l}'"))
        )));
    }
    Ok(labels)
}

/// The sparse feature values of one document's terms.
pub fn sparse_row(terms: &[String], vocab: &Vocabulary, settings: &Settings) -> SparseRow {
    let mut cols: Vec<u32> = terms.iter().filter_map(|t| vocab.get(t)).collect();
    cols.sort_unstable();
    let mut row: SparseRow = Vec::with_capacity(cols.len());
    let mut i = 0;
    while i < cols.len() {
        let j = i + cols[i..].iter().take_while(|&&c| c == cols[i]).count();
        row.push((cols[i], settings.feature_value((j - i) as u32)));
        i = j;
    }
    row
}

/// Dense rows per fitting batch in [`fit_linfa`]: about 32 MiB of `f64` at a time.
fn batch_rows(n_features: usize) -> usize {
    ((32 << 20) / 8 / n_features.max(1)).clamp(1, 4096)
}

/// Sentences summed into each batch of [`fit_counts`].
const SENTENCES_PER_BATCH: usize = 8192;

/// Fits linfa-bayes's `MultinomialNb` and returns (sentences per class, summed feature
/// values per class, row-major).
///
/// Each batch of up to 8,192 sentences is handed to `fit_with` as one dense row per class
/// present, the sum of that class's sentence rows. The multinomial counts are sums, so this
/// yields the same `feature_count` as one row per sentence (a test checks it), while the
/// work per batch is `classes x features` instead of `sentences x features`: training stays
/// linear in the corpus and memory stays at one `classes x features` matrix however large
/// the vocabulary. Sentences per class are counted here, since linfa counts rows.
///
/// # Errors
/// The estimator's own errors (alpha is checked before).
pub fn fit_counts(
    rows: &[SparseRow],
    targets: &[usize],
    n_classes: usize,
    n_features: usize,
    alpha: f64,
) -> Result<(Vec<u64>, Vec<f64>)> {
    if n_classes <= CLASS_GROUP {
        return fit_group(rows, targets, n_classes, n_features, alpha);
    }
    // Many labels: fit linfa on groups of labels, one group at a time, so that its
    // per-class arrays (and their serde copy) stay small. Per-class sums do not depend on
    // the other classes, so the result is the same.
    let mut class_count = vec![0u64; n_classes];
    let mut feature_count = vec![0.0; n_classes * n_features];
    for first in (0..n_classes).step_by(CLASS_GROUP) {
        let last = (first + CLASS_GROUP).min(n_classes);
        let (g_rows, g_targets): (Vec<SparseRow>, Vec<usize>) = rows
            .iter()
            .zip(targets)
            .filter(|(_, &t)| (first..last).contains(&t))
            .map(|(r, &t)| (r.clone(), t - first))
            .unzip();
        if g_rows.is_empty() {
            continue;
        }
        let (cc, fc) = fit_group(&g_rows, &g_targets, last - first, n_features, alpha)?;
        class_count[first..last].copy_from_slice(&cc);
        feature_count[first * n_features..last * n_features].copy_from_slice(&fc);
    }
    Ok((class_count, feature_count))
}

/// Labels fitted together by [`fit_counts`].
const CLASS_GROUP: usize = 64;

fn fit_group(
    rows: &[SparseRow],
    targets: &[usize],
    n_classes: usize,
    n_features: usize,
    alpha: f64,
) -> Result<(Vec<u64>, Vec<f64>)> {
    let params = MultinomialNbParams::new()
        .alpha(alpha)
        .check()
        .map_err(|e| Error::Fit(e.to_string()))?;
    let mut class_count = vec![0u64; n_classes];
    let mut model = None;
    for (chunk, ys) in rows
        .chunks(SENTENCES_PER_BATCH)
        .zip(targets.chunks(SENTENCES_PER_BATCH))
    {
        let mut present: Vec<usize> = ys.to_vec();
        present.sort_unstable();
        present.dedup();
        let mut x = Array2::zeros((present.len(), n_features));
        for (row, &y) in chunk.iter().zip(ys) {
            class_count[y] += 1;
            let i = present.binary_search(&y).expect("class collected above");
            for &(c, v) in row {
                x[(i, c as usize)] += v;
            }
        }
        let y = Array1::from(present);
        model = params
            .fit_with(model, &DatasetView::new(x.view(), y.view()))
            .map_err(|e| Error::Fit(e.to_string()))?;
    }
    let nb = model.ok_or_else(|| Error::Fit("no training rows".into()))?;
    let params = LinfaParams::read(&nb, n_classes, n_features)?;
    Ok((class_count, params.feature_count))
}

/// Fits linfa-bayes's `MultinomialNb` on sparse rows, densified one batch at a time.
///
/// # Errors
/// The estimator's own errors (alpha is checked before).
#[doc(hidden)]
pub fn fit_linfa(
    rows: &[SparseRow],
    targets: &[usize],
    n_features: usize,
    alpha: f64,
) -> Result<MultinomialNb<f64, usize>> {
    let params = MultinomialNbParams::new()
        .alpha(alpha)
        .check()
        .map_err(|e| Error::Fit(e.to_string()))?;
    let batch = batch_rows(n_features);
    let mut model = None;
    for (chunk, ys) in rows.chunks(batch).zip(targets.chunks(batch)) {
        let x = densify(chunk, n_features);
        let y = Array1::from(ys.to_vec());
        let ds = DatasetView::new(x.view(), y.view());
        model = params
            .fit_with(model, &ds)
            .map_err(|e| Error::Fit(e.to_string()))?;
    }
    model.ok_or_else(|| Error::Fit("no training rows".into()))
}

/// A dense matrix of `rows`, `n_features` wide.
#[doc(hidden)]
pub fn densify(rows: &[SparseRow], n_features: usize) -> Array2<f64> {
    let mut x = Array2::zeros((rows.len(), n_features));
    for (i, row) in rows.iter().enumerate() {
        for &(c, v) in row {
            x[(i, c as usize)] = v;
        }
    }
    x
}

/// linfa-bayes's fitted parameters, read through its serde representation and put in
/// class order.
#[derive(Clone, Debug)]
#[doc(hidden)]
pub struct LinfaParams {
    pub class_count: Vec<u64>,
    /// Per class, `n_features` columns, row-major.
    pub feature_count: Vec<f64>,
    pub feature_log_prob: Vec<f64>,
    pub prior: Vec<f64>,
}

#[derive(Deserialize)]
struct LinfaModel {
    class_info: BTreeMap<usize, LinfaClassInfo>,
}

#[derive(Deserialize)]
struct LinfaClassInfo {
    class_count: u64,
    prior: f64,
    feature_count: Array1<f64>,
    feature_log_prob: Array1<f64>,
}

impl LinfaParams {
    /// Reads the fitted parameters out of `nb` for classes `0..n_classes`.
    ///
    /// # Errors
    /// A class missing, or arrays of the wrong length.
    pub fn read(
        nb: &MultinomialNb<f64, usize>,
        n_classes: usize,
        n_features: usize,
    ) -> Result<Self> {
        let value = serde_json::to_value(nb).map_err(|e| Error::Fit(e.to_string()))?;
        let m: LinfaModel = serde_json::from_value(value).map_err(|e| Error::Fit(e.to_string()))?;
        let mut out = LinfaParams {
            class_count: Vec::with_capacity(n_classes),
            feature_count: Vec::with_capacity(n_classes * n_features),
            feature_log_prob: Vec::with_capacity(n_classes * n_features),
            prior: Vec::with_capacity(n_classes),
        };
        for c in 0..n_classes {
            let info = m
                .class_info
                .get(&c)
                .ok_or_else(|| Error::Fit(format!("class {c} missing from the fitted model")))?;
            if info.feature_count.len() != n_features || info.feature_log_prob.len() != n_features {
                return Err(Error::Fit(format!("class {c}: parameter length mismatch")));
            }
            out.class_count.push(info.class_count);
            out.prior.push(info.prior);
            out.feature_count.extend(info.feature_count.iter());
            out.feature_log_prob.extend(info.feature_log_prob.iter());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::TextConfig;

    fn ex(text: &str, label: &str) -> Example {
        Example {
            text: text.into(),
            label: label.into(),
            line: 0,
        }
    }

    #[test]
    fn alpha_must_be_positive_and_finite() {
        for alpha in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let s = Settings {
                alpha,
                ..Settings::default()
            };
            assert!(s.check().is_err(), "alpha {alpha} accepted");
        }
        assert!(Settings {
            alpha: 0.01,
            ..Settings::default()
        }
        .check()
        .is_ok());
    }

    #[test]
    fn one_class_is_refused() {
        let e = train(
            &[ex("a b", "x"), ex("c", "x")],
            &Settings::default().check().unwrap(),
        );
        assert_eq!(
            e.unwrap_err().to_string(),
            "fitting failed: need at least two classes to train, found only 'x'"
        );
    }

    #[test]
    fn counts_per_class_in_sorted_order() {
        let data = [
            ex("cheap cheap model", "z"),
            ex("attack model", "a"),
            ex("cheap", "z"),
        ];
        let m = train(&data, &Settings::default().check().unwrap()).unwrap();
        assert_eq!(m.labels, ["a", "z"]);
        assert_eq!(m.vocab.terms(), ["attack", "cheap", "model"]);
        assert_eq!(m.class_count, [1, 2]);
        assert_eq!(m.class_row(0), [1.0, 0.0, 1.0]);
        assert_eq!(m.class_row(1), [0.0, 3.0, 1.0]);
    }

    #[test]
    fn batched_fit_equals_one_batch() {
        // 3 rows per batch versus all rows at once: same counts.
        let rows: Vec<SparseRow> = (0..10)
            .map(|i| vec![(i % 4, 1.0 + i as f64), (4, 1.0)])
            .collect();
        let targets: Vec<usize> = (0..10).map(|i| (i % 3) as usize).collect();
        let whole = LinfaParams::read(&fit_linfa(&rows, &targets, 5, 0.5).unwrap(), 3, 5).unwrap();
        let params = MultinomialNbParams::new().alpha(0.5).check().unwrap();
        let mut m = None;
        for (r, t) in rows.chunks(3).zip(targets.chunks(3)) {
            let x = densify(r, 5);
            let y = Array1::from(t.to_vec());
            m = params
                .fit_with(m, &DatasetView::new(x.view(), y.view()))
                .unwrap();
        }
        let parts = LinfaParams::read(&m.unwrap(), 3, 5).unwrap();
        assert_eq!(whole.feature_count, parts.feature_count);
        assert_eq!(whole.class_count, parts.class_count);
    }

    #[test]
    fn summed_batches_equal_one_row_per_sentence() {
        let rows: Vec<SparseRow> = (0..20_000)
            .map(|i| vec![(i % 5, 1.0 + (i % 3) as f64), (5 + i % 2, 2.0)])
            .collect();
        let targets: Vec<usize> = (0..20_000).map(|i| ((i * 7) % 4) as usize).collect();
        let per_row =
            LinfaParams::read(&fit_linfa(&rows, &targets, 7, 1.0).unwrap(), 4, 7).unwrap();
        let (class_count, feature_count) = fit_counts(&rows, &targets, 4, 7, 1.0).unwrap();
        assert_eq!(class_count, per_row.class_count);
        assert_eq!(feature_count, per_row.feature_count);
    }

    #[test]
    fn many_labels_are_fitted_in_groups_with_the_same_counts() {
        let n = 150;
        let rows: Vec<SparseRow> = (0..3 * n)
            .map(|i| {
                vec![
                    ((i % 7) as u32, 1.0 + (i % 3) as f64),
                    (7 + (i % 2) as u32, 2.0),
                ]
            })
            .collect();
        let targets: Vec<usize> = (0..3 * n).map(|i| i % n).collect();
        let whole = LinfaParams::read(&fit_linfa(&rows, &targets, 9, 1.0).unwrap(), n, 9).unwrap();
        let (class_count, feature_count) = fit_counts(&rows, &targets, n, 9, 1.0).unwrap();
        assert!(n > CLASS_GROUP);
        assert_eq!(class_count, whole.class_count);
        assert_eq!(feature_count, whole.feature_count);
    }

    fn corpus() -> Vec<Example> {
        [
            ("cheap open models cut the bill", "reward:cost"),
            ("no licence fees at all", "reward:cost"),
            ("attackers exploit the model server", "risk:security"),
            ("a poisoned checkpoint hides a backdoor", "risk:security"),
            ("scammers clone voices of relatives", "risk:misuse"),
            ("the meeting starts at nine", "neutral"),
        ]
        .iter()
        .map(|(t, l)| ex(t, l))
        .collect()
    }

    #[test]
    fn merged_shards_equal_one_training_run() {
        let s = Settings {
            text: TextConfig {
                bigrams: true,
                char_ngrams: Some((2, 4)),
                ..TextConfig::default()
            },
            ..Settings::default()
        }
        .check()
        .unwrap();
        let all = corpus();
        let whole = train(&all, &s).unwrap();
        let shards: Vec<Model> = all.chunks(2).map(|c| count(c, &s).unwrap()).collect();
        assert_eq!(merge(&shards).unwrap(), whole);
        let mut reversed = shards.clone();
        reversed.reverse();
        assert_eq!(merge(&reversed).unwrap(), whole);
    }

    #[test]
    fn merged_sublinear_shards_equal_one_run_within_1e_9() {
        let s = Settings {
            sublinear_tf: true,
            norm: Norm::L2,
            ..Settings::default()
        }
        .check()
        .unwrap();
        let mut all = corpus();
        all.push(ex(
            "cheap cheap cheap cheap models, cheap bill",
            "reward:cost",
        ));
        let whole = train(&all, &s).unwrap();
        let shards: Vec<Model> = all.chunks(3).map(|c| count(c, &s).unwrap()).collect();
        let merged = merge(&shards).unwrap();
        assert_eq!(
            (&merged.labels, &merged.vocab, &merged.class_count),
            (&whole.labels, &whole.vocab, &whole.class_count)
        );
        for (a, b) in merged.feature_count.iter().zip(&whole.feature_count) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn update_adds_words_and_labels() {
        let s = Settings::default().check().unwrap();
        let all = corpus();
        let first = train(&all[..4], &s).unwrap();
        let updated = update(&first, &all[4..]).unwrap();
        assert_eq!(updated, train(&all, &s).unwrap());
        assert!(updated.labels.contains(&"risk:misuse".to_string()));
    }

    #[test]
    fn merge_refuses_other_settings_and_pruned_models() {
        let all = corpus();
        let a = train(&all, &Settings::default().check().unwrap()).unwrap();
        let b = train(
            &all,
            &Settings {
                alpha: 0.5,
                ..Settings::default()
            }
            .check()
            .unwrap(),
        )
        .unwrap();
        assert!(merge(&[a.clone(), b])
            .unwrap_err()
            .to_string()
            .contains("model 2 was trained with other settings"));
        let pruned = train(
            &all,
            &Settings {
                min_df: 2,
                ..Settings::default()
            }
            .check()
            .unwrap(),
        )
        .unwrap();
        assert!(update(&pruned, &all)
            .unwrap_err()
            .to_string()
            .contains("cannot be merged or updated exactly"));
        assert!(merge(&[]).is_err());
    }

    #[test]
    fn sublinear_and_binary_values() {
        let mut s = Settings {
            sublinear_tf: true,
            ..Settings::default()
        };
        assert_eq!(s.feature_value(1), 1.0);
        assert!((s.feature_value(3) - (1.0 + 3f64.ln())).abs() < 1e-15);
        s.variant = Variant::Bernoulli;
        assert_eq!(s.feature_value(7), 1.0);
    }
}
