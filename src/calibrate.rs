//! Calibrated probabilities and abstention: out-of-fold scores, a fitted temperature, a
//! recommended threshold, and the metrics that say how trustworthy probabilities are
//! (log-loss, Brier score, expected calibration error and a reliability table).

use crate::corpus::Example;
use crate::cv::stratified_folds;
use crate::error::{Error, Result};
use crate::metrics::Report;
use crate::model::{train, Calibration, ValidSettings};
use crate::scorer::{merge_groups, softmax_scaled, Scorer, Scratch};
use rayon::prelude::*;
use serde::Serialize;

pub use crate::classifier::NEUTRAL;

/// Out-of-fold scores: each example scored by a model that did not see it.
#[derive(Clone, Debug)]
pub struct OutOfFold {
    /// The labels of all examples, sorted: the columns of the probabilities.
    pub labels: Vec<String>,
    /// The classes trained for them, sorted: the columns of `jll`. The same as `labels`
    /// unless the settings train sub-classes (`split_neutral`).
    pub classes: Vec<String>,
    /// Class -> its label (empty: each class is its own label).
    pub group: Vec<u32>,
    /// Per example, the joint log-likelihood of each class (`-inf` for a class that the
    /// fold's model never saw).
    pub jll: Vec<Vec<f64>>,
    /// Per example, the column of its true label.
    pub truth: Vec<usize>,
}

/// Scores every example with a model trained on the other `k - 1` folds (stratified, with
/// `seed`).
///
/// # Errors
/// A bad `k`, or a fold that cannot be trained.
pub fn out_of_fold(
    examples: &[Example],
    settings: &ValidSettings,
    k: usize,
    seed: u64,
) -> Result<OutOfFold> {
    out_of_fold_with(examples, settings, k, seed, None)
}

/// As [`out_of_fold`], but each fold's model is calibrated first on its own training part
/// (`inner` folds, as `train --calibrate` does), and its scores are divided by that
/// temperature: the out-of-fold scores of calibrated models (nested cross-validation).
///
/// # Errors
/// As for [`out_of_fold`].
pub fn out_of_fold_calibrated(
    examples: &[Example],
    settings: &ValidSettings,
    k: usize,
    seed: u64,
    inner: usize,
) -> Result<OutOfFold> {
    out_of_fold_with(examples, settings, k, seed, Some(inner))
}

fn out_of_fold_with(
    examples: &[Example],
    settings: &ValidSettings,
    k: usize,
    seed: u64,
    calibrate_inner: Option<usize>,
) -> Result<OutOfFold> {
    let truth_labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    let fold = stratified_folds(&truth_labels, k, seed)?;
    let mut labels: Vec<String> = truth_labels.iter().map(|s| s.to_string()).collect();
    labels.sort_unstable();
    labels.dedup();
    let mut classes: Vec<String> = examples
        .iter()
        .map(|e| settings.get().class_of(e).to_string())
        .collect();
    classes.sort_unstable();
    classes.dedup();
    let (reported, group) = crate::scorer::label_groups(&classes);
    debug_assert_eq!(reported, labels);
    // per label, the first of its classes: where a calibrated fold's log-probability goes
    let mut first_class = vec![usize::MAX; labels.len()];
    for c in (0..classes.len()).rev() {
        let l = if group.is_empty() {
            c
        } else {
            group[c] as usize
        };
        first_class[l] = c;
    }
    let per_fold: Vec<Vec<(usize, Vec<f64>)>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let (train_set, _) = crate::cv::fold_split(examples, &fold, f);
            let model = train(&train_set, settings)?;
            let calibration = match calibrate_inner {
                Some(inner) => Some(calibrate(&train_set, settings, inner, seed)?),
                None => None,
            };
            let cols: Vec<usize> = model
                .labels
                .iter()
                .map(|l| classes.binary_search(l).expect("a training class"))
                .collect();
            let scorer = Scorer::from_model(model);
            let label_cols: Vec<usize> = scorer
                .labels()
                .iter()
                .map(|l| first_class[labels.binary_search(l).expect("a training label")])
                .collect();
            let mut scratch = Scratch::default();
            Ok(examples
                .iter()
                .enumerate()
                .filter(|&(i, _)| fold[i] == f)
                .map(|(i, e)| {
                    scorer.score(&e.text, &mut scratch);
                    let mut row = vec![f64::NEG_INFINITY; classes.len()];
                    match &calibration {
                        // the calibrated model's probabilities, as log scores of the
                        // first class of each label: their softmax gives them back
                        Some(cal) => {
                            let mut p = Vec::new();
                            let n = scorer.labels().len();
                            cal.apply(&scratch.jll, scorer.groups(), n, &mut p);
                            for (c, &x) in label_cols.iter().zip(&p) {
                                row[*c] = x.ln();
                            }
                        }
                        None => {
                            for (c, &x) in cols.iter().zip(&scratch.jll) {
                                row[*c] = x;
                            }
                        }
                    }
                    (i, row)
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    let mut jll = vec![Vec::new(); examples.len()];
    for (i, row) in per_fold.into_iter().flatten() {
        jll[i] = row;
    }
    let truth = truth_labels
        .iter()
        .map(|l| {
            labels
                .binary_search_by(|x| x.as_str().cmp(l))
                .expect("collected")
        })
        .collect();
    Ok(OutOfFold {
        labels,
        classes,
        group,
        jll,
        truth,
    })
}

impl OutOfFold {
    /// The probabilities under `calibration` (temperature, then the top-label map), one
    /// row per example.
    pub fn calibrated(&self, calibration: &Calibration) -> Vec<Vec<f64>> {
        self.jll
            .iter()
            .map(|j| {
                let mut p = Vec::new();
                calibration.apply(j, &self.group, self.labels.len(), &mut p);
                p
            })
            .collect()
    }

    /// The probabilities of the labels at `temperature`, one row per example.
    pub fn probabilities(&self, temperature: f64) -> Vec<Vec<f64>> {
        let mut tmp = Vec::new();
        self.jll
            .iter()
            .map(|j| {
                let mut p = Vec::new();
                softmax_scaled(j, temperature, &mut p);
                merge_groups(&self.group, self.labels.len(), &mut p, &mut tmp);
                p
            })
            .collect()
    }

    /// The temperature that minimises the log-loss of the labels' probabilities (see
    /// [`fit_temperature`]).
    pub fn fit_temperature(&self) -> f64 {
        fit_temperature_grouped(&self.jll, &self.group, self.labels.len(), &self.truth)
    }
}

/// Mean negative log-likelihood of the true labels at temperature `t`, sub-classes added
/// into their labels.
fn nll(jll: &[Vec<f64>], group: &[u32], n_labels: usize, truth: &[usize], t: f64) -> f64 {
    let (mut p, mut tmp) = (Vec::new(), Vec::new());
    let total: f64 = jll
        .iter()
        .zip(truth)
        .map(|(j, &y)| {
            softmax_scaled(j, t, &mut p);
            merge_groups(group, n_labels, &mut p, &mut tmp);
            -p[y].max(1e-300).ln()
        })
        .sum();
    total / jll.len().max(1) as f64
}

/// The temperature that minimises the log-loss of `jll` against `truth`: a golden-section
/// search over ln(t) in [-12, 12] (the log-loss is convex in 1/t), deterministic.
pub fn fit_temperature(jll: &[Vec<f64>], truth: &[usize]) -> f64 {
    fit_temperature_grouped(jll, &[], 0, truth)
}

/// As [`fit_temperature`], for the joint log-likelihoods of classes grouped into labels
/// (`group`: class -> label, see [`crate::scorer::label_groups`]; `truth`: labels).
pub fn fit_temperature_grouped(
    jll: &[Vec<f64>],
    group: &[u32],
    n_labels: usize,
    truth: &[usize],
) -> f64 {
    let f = |x: f64| nll(jll, group, n_labels, truth, x.exp());
    let (mut a, mut b) = (-12.0f64, 12.0f64);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..80 {
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    ((a + b) / 2.0).exp()
}

/// The labels predicted from `probs` when a best probability under `threshold` means
/// `neutral` (if the model has that label).
pub fn thresholded<'a>(labels: &'a [String], probs: &[Vec<f64>], threshold: f64) -> Vec<&'a str> {
    let has_neutral = labels.iter().any(|l| l == NEUTRAL);
    probs
        .iter()
        .map(|p| {
            let best = crate::scorer::argmax(p);
            if has_neutral && p[best] < threshold {
                NEUTRAL
            } else {
                labels[best].as_str()
            }
        })
        .collect()
}

/// The threshold in 0, 0.05, ..., 0.95 that gives the highest macro-F1 (ties: the lower).
pub fn best_threshold(labels: &[String], probs: &[Vec<f64>], truth: &[usize]) -> (f64, f64) {
    let truth: Vec<&str> = truth.iter().map(|&y| labels[y].as_str()).collect();
    let mut best = (0.0, f64::NEG_INFINITY);
    for i in 0..20 {
        let t = f64::from(i) / 20.0;
        let pred = thresholded(labels, probs, t);
        let f1 = Report::new(&truth, &pred).macro_f1;
        if f1 > best.1 + 1e-12 {
            best = (t, f1);
        }
    }
    best
}

/// Fits a [`Calibration`] for `settings` on `examples`: out-of-fold scores from `k` folds,
/// the temperature that minimises their log-loss, and the threshold that maximises their
/// macro-F1 at that temperature.
///
/// # Errors
/// As for [`out_of_fold`].
pub fn calibrate(
    examples: &[Example],
    settings: &ValidSettings,
    k: usize,
    seed: u64,
) -> Result<Calibration> {
    if k < 2 {
        return Err(Error::Param(format!(
            "calibration needs at least 2 folds, got {k}"
        )));
    }
    let oof = out_of_fold(examples, settings, k, seed)?;
    let temperature = oof.fit_temperature();
    let probs = oof.probabilities(temperature);
    let (best_p, right): (Vec<f64>, Vec<f64>) = probs
        .iter()
        .zip(&oof.truth)
        .map(|(p, &y)| {
            let b = crate::scorer::argmax(p);
            (p[b], if b == y { 1.0 } else { 0.0 })
        })
        .unzip();
    let mut calibration = Calibration {
        temperature,
        threshold: 0.0,
        folds: k,
        seed,
        top: isotonic(&best_p, &right),
    };
    let (threshold, _) = best_threshold(&oof.labels, &oof.calibrated(&calibration), &oof.truth);
    calibration.threshold = threshold;
    Ok(calibration)
}

/// Isotonic (non-decreasing) regression of `y` on `x`, as a smooth map: the
/// pool-adjacent-violators fit (scikit-learn's `IsotonicRegression`; adjacent pools with
/// equal means are merged too), with one knot per pool at its centroid (mean `x`, mean
/// `y`), so that [`crate::scorer::interpolate`] through the knots rises strictly between
/// them ("centred isotonic regression", Oron and Flournoy 2017) instead of making steps
/// on which distinct scores tie.
pub fn isotonic(x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
    let mut pairs: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    // equal x values first become one point: (sum of x, sum of y, count, x)
    let mut points: Vec<(f64, f64, f64, f64)> = Vec::new();
    for (xi, yi) in pairs {
        match points.last_mut() {
            Some(p) if p.3 == xi => {
                p.0 += xi;
                p.1 += yi;
                p.2 += 1.0;
            }
            _ => points.push((xi, yi, 1.0, xi)),
        }
    }
    // pools of points, merged while a pool's mean is not above the previous one's
    let mut pools: Vec<(f64, f64, f64)> = Vec::new();
    for (sx, sy, n, _) in points {
        pools.push((sx, sy, n));
        while pools.len() > 1 {
            let k = pools.len();
            let (a, b) = (pools[k - 2], pools[k - 1]);
            if a.1 / a.2 >= b.1 / b.2 {
                pools[k - 2] = (a.0 + b.0, a.1 + b.1, a.2 + b.2);
                pools.pop();
            } else {
                break;
            }
        }
    }
    pools.iter().map(|p| (p.0 / p.2, p.1 / p.2)).collect()
}

/// One bin of a reliability table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bin {
    /// The bin covers best probabilities in `lo..hi` (the last bin includes 1).
    pub lo: f64,
    pub hi: f64,
    pub count: u64,
    /// Mean best probability of the sentences in the bin (0 when empty).
    pub mean_probability: f64,
    /// Share of them whose best label was right (0 when empty).
    pub accuracy: f64,
}

/// How well probabilities match outcomes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProbabilityReport {
    /// Mean of -ln p(true label), with p clipped to at least 1e-15 (as scikit-learn).
    pub log_loss: f64,
    /// Mean over sentences of the sum over labels of (p - 1[label is true])^2 (Brier's
    /// multi-class score: 0 is perfect, 2 the worst).
    pub brier: f64,
    /// Expected calibration error over 10 equal-width bins of the best probability:
    /// the count-weighted mean of |accuracy - mean probability|.
    pub ece: f64,
    pub reliability: Vec<Bin>,
}

impl ProbabilityReport {
    /// Computes the report from per-sentence probabilities over `labels` and the true
    /// labels (a true label the model does not know has probability 0).
    pub fn new<S: AsRef<str>>(labels: &[String], probs: &[Vec<f64>], truth: &[S]) -> Self {
        let n = probs.len();
        let mut bins: Vec<(u64, f64, u64)> = vec![(0, 0.0, 0); 10];
        let (mut ll, mut brier) = (0.0, 0.0);
        for (p, t) in probs.iter().zip(truth) {
            let y = labels.iter().position(|l| l == t.as_ref());
            let py = y.map_or(0.0, |y| p[y]);
            ll -= py.clamp(1e-15, 1.0).ln();
            brier += p
                .iter()
                .enumerate()
                .map(|(c, &q)| {
                    let o = if Some(c) == y { 1.0 } else { 0.0 };
                    (q - o) * (q - o)
                })
                .sum::<f64>();
            if y.is_none() {
                brier += 1.0;
            }
            let best = crate::scorer::argmax(p);
            let b = ((p[best] * 10.0) as usize).min(9);
            bins[b].0 += 1;
            bins[b].1 += p[best];
            bins[b].2 += u64::from(Some(best) == y);
        }
        let denom = n.max(1) as f64;
        let reliability: Vec<Bin> = bins
            .iter()
            .enumerate()
            .map(|(i, &(count, sum_p, right))| Bin {
                lo: i as f64 / 10.0,
                hi: (i + 1) as f64 / 10.0,
                count,
                mean_probability: if count == 0 {
                    0.0
                } else {
                    sum_p / count as f64
                },
                accuracy: if count == 0 {
                    0.0
                } else {
                    right as f64 / count as f64
                },
            })
            .collect();
        let ece = reliability
            .iter()
            .map(|b| b.count as f64 * (b.accuracy - b.mean_probability).abs())
            .sum::<f64>()
            / denom;
        ProbabilityReport {
            log_loss: ll / denom,
            brier: brier / denom,
            ece,
            reliability,
        }
    }
}

/// The object `claimscan eval --json` prints (and the Python `evaluate` returns): the
/// label metrics of `r` and the probability metrics of `pr`.
pub fn evaluation_json(r: &Report, pr: &ProbabilityReport) -> serde_json::Value {
    serde_json::json!({
        "n": r.n,
        "accuracy": r.accuracy,
        "macro_f1": r.macro_f1,
        "polarity_accuracy": r.polarity_accuracy,
        "log_loss": pr.log_loss,
        "brier": pr.brier,
        "ece": pr.ece,
        "reliability": pr.reliability,
        "labels": r.labels,
        "per_label": r.per_label,
        "confusion": r.confusion,
    })
}

/// What abstaining under a threshold gives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Abstention {
    pub threshold: f64,
    /// Share of sentences labelled as a claim (not `neutral`) after the threshold.
    pub coverage: f64,
    /// Accuracy among the sentences labelled as a claim.
    pub claim_accuracy: f64,
    /// Accuracy, macro-F1 and the rest of all sentences after the threshold.
    pub report: Report,
}

impl Abstention {
    /// The effect of `threshold` on `probs` against `truth`.
    pub fn new<S: AsRef<str>>(
        labels: &[String],
        probs: &[Vec<f64>],
        truth: &[S],
        threshold: f64,
    ) -> Self {
        let pred = thresholded(labels, probs, threshold);
        let truth: Vec<&str> = truth.iter().map(AsRef::as_ref).collect();
        let claims: Vec<usize> = (0..pred.len()).filter(|&i| pred[i] != NEUTRAL).collect();
        let right = claims.iter().filter(|&&i| pred[i] == truth[i]).count();
        Abstention {
            threshold,
            coverage: claims.len() as f64 / pred.len().max(1) as f64,
            claim_accuracy: if claims.is_empty() {
                0.0
            } else {
                right as f64 / claims.len() as f64
            },
            report: Report::new(&truth, &pred),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_recovers_a_known_scale() {
        // Scores drawn so that softmax(jll / 4) is the true distribution: the fitted
        // temperature must come out near 4.
        let mut state = 7u64;
        let mut rnd = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut jll, mut truth) = (Vec::new(), Vec::new());
        for _ in 0..20_000 {
            let j: Vec<f64> = (0..3).map(|_| rnd() * 12.0).collect();
            let mut p = Vec::new();
            softmax_scaled(&j, 4.0, &mut p);
            let u = rnd();
            let y = if u < p[0] {
                0
            } else if u < p[0] + p[1] {
                1
            } else {
                2
            };
            jll.push(j);
            truth.push(y);
        }
        let t = fit_temperature(&jll, &truth);
        assert!((t - 4.0).abs() < 0.25, "{t}");
        assert!(nll(&jll, &[], 0, &truth, t) <= nll(&jll, &[], 0, &truth, 1.0));
    }

    #[test]
    fn probability_report_matches_hand_computation() {
        let labels = vec!["a".to_string(), "neutral".to_string()];
        let probs = vec![vec![0.9, 0.1], vec![0.3, 0.7], vec![0.65, 0.35]];
        let truth = ["a", "a", "neutral"];
        let r = ProbabilityReport::new(&labels, &probs, &truth);
        let ll = -(0.9f64.ln() + 0.3f64.ln() + 0.35f64.ln()) / 3.0;
        assert!((r.log_loss - ll).abs() < 1e-12);
        let brier = (0.01 + 0.01 + 0.49 + 0.49 + 0.4225 + 0.4225) / 3.0;
        assert!((r.brier - brier).abs() < 1e-12);
        // bins: 0.9 right (bin 9), 0.7 wrong (bin 7), 0.65 wrong (bin 6)
        assert_eq!(r.reliability[9].count, 1);
        assert_eq!(r.reliability[7].accuracy, 0.0);
        let ece = ((1.0f64 - 0.9).abs() + 0.7 + 0.65) / 3.0;
        assert!((r.ece - ece).abs() < 1e-12);
    }

    #[test]
    fn abstention_turns_unsure_claims_neutral() {
        let labels = vec!["a".to_string(), "neutral".to_string()];
        let probs = vec![vec![0.9, 0.1], vec![0.55, 0.45], vec![0.2, 0.8]];
        let truth = ["a", "neutral", "neutral"];
        let a = Abstention::new(&labels, &probs, &truth, 0.6);
        assert!((a.coverage - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(a.claim_accuracy, 1.0);
        assert_eq!(a.report.accuracy, 1.0);
        let (t, f1) = best_threshold(&labels, &probs, &[0, 1, 1]);
        assert_eq!((t, f1), (0.6, 1.0));
    }
}
