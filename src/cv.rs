//! Stratified K-fold cross-validation and the grid search of `tune`.
//!
//! Naive Bayes counts do not depend on alpha, the decision rule or the priors, so each fold
//! is counted once per text pipeline and feature transform, and every candidate that
//! shares them is scored from the same counts.

use crate::corpus::Example;
use crate::error::{Error, Result};
use crate::metrics::{mean_std, Report};
use crate::model::{train, Model, Settings, ValidSettings, Variant};
use crate::scorer::{Scorer, Scratch};
use crate::text::TextConfig;
use rayon::prelude::*;

/// The seed used unless told otherwise, so that results repeat.
pub const DEFAULT_SEED: u64 = 20_250_129;

/// SplitMix64: a small, well-known generator; enough for shuffling folds.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Assigns each example a fold in `0..k` so that every label is spread evenly over the
/// folds: each label's examples are shuffled with `seed`, then dealt out in turn (the
/// dealing continues from label to label, so fold sizes differ by at most one).
///
/// # Errors
/// `k` < 2 or larger than the number of examples.
pub fn stratified_folds<S: AsRef<str>>(labels: &[S], k: usize, seed: u64) -> Result<Vec<usize>> {
    if k < 2 || k > labels.len() {
        return Err(Error::Param(format!(
            "--cv must be between 2 and the number of rows ({}), got {k}",
            labels.len()
        )));
    }
    let mut by_label: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|&a, &b| labels[a].as_ref().cmp(labels[b].as_ref()).then(a.cmp(&b)));
    for i in order {
        let l = labels[i].as_ref();
        match by_label.last_mut() {
            Some((last, v)) if *last == l => v.push(i),
            _ => by_label.push((l, vec![i])),
        }
    }
    let mut rng = SplitMix(seed);
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for (_, idx) in &mut by_label {
        for i in (1..idx.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            idx.swap(i, j);
        }
        for &i in idx.iter() {
            fold[i] = next % k;
            next += 1;
        }
    }
    Ok(fold)
}

/// Cross-validation results: one report per fold and one for all out-of-fold predictions.
#[derive(Clone, Debug)]
pub struct CvResult {
    pub folds: Vec<Report>,
    pub pooled: Report,
}

/// A metric's mean and spread (population standard deviation) over the folds.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Spread {
    pub mean: f64,
    pub std: f64,
}

impl CvResult {
    fn spread(&self, f: impl Fn(&Report) -> f64) -> Spread {
        let xs: Vec<f64> = self.folds.iter().map(f).collect();
        let (mean, std) = mean_std(&xs);
        Spread { mean, std }
    }
    pub fn accuracy(&self) -> Spread {
        self.spread(|r| r.accuracy)
    }
    pub fn macro_f1(&self) -> Spread {
        self.spread(|r| r.macro_f1)
    }
    pub fn polarity_accuracy(&self) -> Spread {
        self.spread(|r| r.polarity_accuracy)
    }
}

/// Labels predicted by `model` for `examples`.
pub fn predict_labels(model: &Model, examples: &[&Example]) -> Vec<String> {
    let scorer = Scorer::new(model);
    let mut s = Scratch::default();
    examples
        .iter()
        .map(|e| scorer.labels()[scorer.score(&e.text, &mut s).best].clone())
        .collect()
}

/// Stratified K-fold cross-validation of `settings` on `examples`.
///
/// # Errors
/// A bad `k`, or a fold that cannot be trained (fewer than two labels in it).
pub fn cross_validate(
    examples: &[Example],
    settings: &ValidSettings,
    k: usize,
    seed: u64,
) -> Result<CvResult> {
    let results = run_group(examples, settings, &[settings.get().clone()], k, seed)?;
    Ok(results.into_iter().next().expect("one candidate"))
}

/// For each candidate (all sharing the text pipeline, min_df, max_features and feature
/// transform of `base`), the cross-validation result.
fn run_group(
    examples: &[Example],
    base: &ValidSettings,
    candidates: &[Settings],
    k: usize,
    seed: u64,
) -> Result<Vec<CvResult>> {
    let labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    let fold = stratified_folds(&labels, k, seed)?;
    let per_fold: Vec<Vec<Vec<String>>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let train_set: Vec<Example> = examples
                .iter()
                .zip(&fold)
                .filter(|(_, &g)| g != f)
                .map(|(e, _)| e.clone())
                .collect();
            let test: Vec<&Example> = examples
                .iter()
                .zip(&fold)
                .filter(|(_, &g)| g == f)
                .map(|(e, _)| e)
                .collect();
            let counted = train(&train_set, base)?;
            Ok(candidates
                .iter()
                .map(|c| {
                    let mut m = counted.clone();
                    m.settings = c.clone();
                    predict_labels(&m, &test)
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    Ok((0..candidates.len())
        .map(|c| {
            let mut pooled_pred = vec![String::new(); examples.len()];
            let folds = (0..k)
                .map(|f| {
                    let truth: Vec<&str> = labels
                        .iter()
                        .zip(&fold)
                        .filter(|(_, &g)| g == f)
                        .map(|(l, _)| *l)
                        .collect();
                    let idx = fold
                        .iter()
                        .enumerate()
                        .filter(|(_, &g)| g == f)
                        .map(|(i, _)| i);
                    for (i, p) in idx.zip(&per_fold[f][c]) {
                        pooled_pred[i] = p.clone();
                    }
                    let pred: Vec<&str> = per_fold[f][c].iter().map(String::as_str).collect();
                    Report::new(&truth, &pred)
                })
                .collect();
            let pred: Vec<&str> = pooled_pred.iter().map(String::as_str).collect();
            CvResult {
                folds,
                pooled: Report::new(&labels, &pred),
            }
        })
        .collect())
}

/// The search space of `tune`.
#[derive(Clone, Debug)]
pub struct Grid {
    pub alphas: Vec<f64>,
    pub bigrams: Vec<bool>,
    pub stem: Vec<bool>,
    pub stop_words: Vec<bool>,
    pub min_df: Vec<usize>,
    pub variants: Vec<Variant>,
    pub sublinear_tf: Vec<bool>,
    pub fit_prior: Vec<bool>,
}

impl Default for Grid {
    fn default() -> Self {
        Grid {
            alphas: vec![0.05, 0.1, 0.2, 0.5, 1.0],
            bigrams: vec![false, true],
            stem: vec![true, false],
            stop_words: vec![false, true],
            min_df: vec![1, 2],
            variants: Variant::ALL.to_vec(),
            sublinear_tf: vec![false, true],
            fit_prior: vec![true, false],
        }
    }
}

/// One tuned setting and its cross-validated scores.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub settings: Settings,
    pub accuracy: Spread,
    pub macro_f1: Spread,
    pub polarity_accuracy: Spread,
}

/// Cross-validates every distinct setting of `grid`; best macro-F1 first (ties: higher
/// accuracy, then the order of the grid).
///
/// # Errors
/// As for [`cross_validate`].
pub fn tune(examples: &[Example], grid: &Grid, k: usize, seed: u64) -> Result<Vec<Candidate>> {
    let mut groups: Vec<(ValidSettings, Vec<Settings>)> = Vec::new();
    for &stem in &grid.stem {
        for &stop_words in &grid.stop_words {
            for &bigrams in &grid.bigrams {
                for &min_df in &grid.min_df {
                    for transform in 0..3 {
                        let text = TextConfig {
                            stem,
                            stop_words,
                            bigrams,
                        };
                        let cands = candidates(grid, &text, min_df, transform);
                        if let Some(first) = cands.first() {
                            groups.push((first.clone().check()?, cands));
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for (base, cands) in &groups {
        let results = run_group(examples, base, cands, k, seed)?;
        for (settings, r) in cands.iter().zip(results) {
            out.push(Candidate {
                settings: settings.clone(),
                accuracy: r.accuracy(),
                macro_f1: r.macro_f1(),
                polarity_accuracy: r.polarity_accuracy(),
            });
        }
    }
    out.sort_by(|a, b| {
        b.macro_f1
            .mean
            .total_cmp(&a.macro_f1.mean)
            .then(b.accuracy.mean.total_cmp(&a.accuracy.mean))
    });
    Ok(out)
}

/// The candidates of one counting group: transform 0 = raw counts (multinomial,
/// complement), 1 = sublinear counts (multinomial, complement), 2 = binary (Bernoulli).
fn candidates(grid: &Grid, text: &TextConfig, min_df: usize, transform: u8) -> Vec<Settings> {
    let mut out = Vec::new();
    for &variant in &grid.variants {
        let fits = match transform {
            0 | 1 => variant != Variant::Bernoulli && grid.sublinear_tf.contains(&(transform == 1)),
            _ => variant == Variant::Bernoulli,
        };
        if !fits {
            continue;
        }
        for &alpha in &grid.alphas {
            // Complement NB ignores the priors: one candidate, not two.
            let priors: &[bool] = if variant == Variant::Complement {
                &[true]
            } else {
                &grid.fit_prior
            };
            for &fit_prior in priors {
                out.push(Settings {
                    text: text.clone(),
                    min_df,
                    max_features: None,
                    alpha,
                    variant,
                    sublinear_tf: transform == 1,
                    fit_prior,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_balanced_and_seeded() {
        let labels: Vec<&str> = (0..103)
            .map(|i| if i % 3 == 0 { "a" } else { "b" })
            .collect();
        let f = stratified_folds(&labels, 5, 7).unwrap();
        for k in 0..5 {
            let size = f.iter().filter(|&&g| g == k).count();
            assert!((20..=21).contains(&size), "fold {k}: {size}");
            let a = (0..103).filter(|&i| f[i] == k && labels[i] == "a").count();
            assert!((6..=7).contains(&a), "fold {k}: {a} of label a");
        }
        assert_eq!(f, stratified_folds(&labels, 5, 7).unwrap());
        assert_ne!(f, stratified_folds(&labels, 5, 8).unwrap());
        assert!(stratified_folds(&labels, 1, 7).is_err());
    }

    #[test]
    fn grid_candidates_skip_meaningless_combinations() {
        let g = Grid::default();
        let t = TextConfig::default();
        let raw = candidates(&g, &t, 1, 0);
        // multinomial: 5 alphas x 2 priors; complement: 5 alphas
        assert_eq!(raw.len(), 15);
        let bin = candidates(&g, &t, 1, 2);
        assert!(bin
            .iter()
            .all(|s| s.variant == Variant::Bernoulli && !s.sublinear_tf));
        assert_eq!(bin.len(), 10);
    }
}
