//! Classification metrics: accuracy, macro-F1, polarity accuracy, per-label precision,
//! recall, F1 and support, and the confusion matrix. Conventions follow scikit-learn:
//! labels are the sorted union of true and predicted labels, and a ratio with a zero
//! denominator counts as 0.

use serde::Serialize;

/// Scores of one label.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabelScores {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

/// The metrics of one set of predictions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub n: u64,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Share of sentences whose polarity (risk / reward / neutral) was right.
    pub polarity_accuracy: f64,
    pub labels: Vec<String>,
    pub per_label: Vec<LabelScores>,
    /// `confusion[t][p]`: sentences of true label `t` predicted as `p` (indices into `labels`).
    pub confusion: Vec<Vec<u64>>,
}

/// The polarity of a label: the part before `:` (`neutral` for `neutral`).
pub fn polarity(label: &str) -> &str {
    label.split_once(':').map_or(label, |(p, _)| p)
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl Report {
    /// Computes the metrics of `predicted` against `truth` (same length).
    pub fn new<S: AsRef<str>>(truth: &[S], predicted: &[S]) -> Report {
        assert_eq!(truth.len(), predicted.len(), "one prediction per sentence");
        let mut labels: Vec<String> = truth
            .iter()
            .chain(predicted)
            .map(|s| s.as_ref().to_string())
            .collect();
        labels.sort_unstable();
        labels.dedup();
        let idx = |s: &str| labels.binary_search_by(|l| l.as_str().cmp(s)).unwrap();
        let k = labels.len();
        let mut confusion = vec![vec![0u64; k]; k];
        let (mut right, mut pol) = (0u64, 0u64);
        for (t, p) in truth.iter().zip(predicted) {
            let (t, p) = (t.as_ref(), p.as_ref());
            confusion[idx(t)][idx(p)] += 1;
            right += u64::from(t == p);
            pol += u64::from(polarity(t) == polarity(p));
        }
        let n = truth.len() as u64;
        let per_label: Vec<LabelScores> = (0..k)
            .map(|i| {
                let tp = confusion[i][i];
                let support: u64 = confusion[i].iter().sum();
                let predicted: u64 = confusion.iter().map(|r| r[i]).sum();
                let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
                let f1 = ratio(2 * tp, support + predicted);
                LabelScores {
                    label: labels[i].clone(),
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect();
        let macro_f1 = if k == 0 {
            0.0
        } else {
            per_label.iter().map(|l| l.f1).sum::<f64>() / k as f64
        };
        Report {
            n,
            accuracy: ratio(right, n),
            macro_f1,
            polarity_accuracy: ratio(pol, n),
            labels,
            per_label,
            confusion,
        }
    }

    /// The off-diagonal cells, most frequent first: (true label, predicted label, count).
    pub fn confusion_pairs(&self) -> Vec<(&str, &str, u64)> {
        let mut pairs = Vec::new();
        for (t, row) in self.confusion.iter().enumerate() {
            for (p, &n) in row.iter().enumerate() {
                if t != p && n > 0 {
                    pairs.push((self.labels[t].as_str(), self.labels[p].as_str(), n));
                }
            }
        }
        pairs.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)).then(a.1.cmp(b.1)));
        pairs
    }
}

/// Mean and (population) standard deviation.
pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values from scikit-learn 1.9.1:
    //   accuracy_score, f1_score(average="macro"), precision_recall_fscore_support,
    //   confusion_matrix on the same lists (zero_division=0).
    const TRUTH: [&str; 10] = [
        "risk:bias",
        "risk:bias",
        "risk:bias",
        "neutral",
        "neutral",
        "reward:cost",
        "reward:cost",
        "risk:privacy",
        "risk:privacy",
        "neutral",
    ];
    const PRED: [&str; 10] = [
        "risk:bias",
        "risk:privacy",
        "risk:bias",
        "neutral",
        "reward:cost",
        "reward:cost",
        "neutral",
        "risk:privacy",
        "risk:misuse",
        "neutral",
    ];

    #[test]
    fn matches_scikit_learn() {
        let r = Report::new(&TRUTH, &PRED);
        assert_eq!(
            r.labels,
            [
                "neutral",
                "reward:cost",
                "risk:bias",
                "risk:misuse",
                "risk:privacy"
            ]
        );
        assert!((r.accuracy - 0.6).abs() < 1e-12);
        assert!(
            (r.macro_f1 - 0.49333333333333335).abs() < 1e-12,
            "{}",
            r.macro_f1
        );
        let p: Vec<f64> = r.per_label.iter().map(|l| l.precision).collect();
        let rc: Vec<f64> = r.per_label.iter().map(|l| l.recall).collect();
        let f: Vec<f64> = r.per_label.iter().map(|l| l.f1).collect();
        let s: Vec<u64> = r.per_label.iter().map(|l| l.support).collect();
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(
            close(&p, &[0.6666666666666666, 0.5, 1.0, 0.0, 0.5]),
            "{p:?}"
        );
        assert!(
            close(
                &rc,
                &[0.6666666666666666, 0.5, 0.6666666666666666, 0.0, 0.5]
            ),
            "{rc:?}"
        );
        assert!(
            close(&f, &[0.6666666666666666, 0.5, 0.8, 0.0, 0.5]),
            "{f:?}"
        );
        assert_eq!(s, [3, 2, 3, 0, 2]);
        assert_eq!(
            r.confusion,
            [
                [2, 1, 0, 0, 0],
                [1, 1, 0, 0, 0],
                [0, 0, 2, 0, 1],
                [0, 0, 0, 0, 0],
                [0, 0, 0, 1, 1]
            ]
        );
    }

    #[test]
    fn polarity_accuracy_ignores_the_category() {
        // wrong labels of the right polarity: risk:bias -> risk:privacy, risk:privacy -> risk:misuse
        let r = Report::new(&TRUTH, &PRED);
        assert!((r.polarity_accuracy - 0.8).abs() < 1e-12);
        assert_eq!(polarity("neutral"), "neutral");
        assert_eq!(polarity("risk:ip"), "risk");
    }

    #[test]
    fn confusion_pairs_most_frequent_first() {
        let t = ["a", "a", "a", "b", "c"];
        let p = ["b", "b", "c", "a", "c"];
        let r = Report::new(&t, &p);
        assert_eq!(
            r.confusion_pairs(),
            [("a", "b", 2), ("a", "c", 1), ("b", "a", 1)]
        );
    }

    #[test]
    fn mean_and_spread() {
        let (m, s) = mean_std(&[1.0, 2.0, 3.0, 4.0]);
        assert!((m - 2.5).abs() < 1e-15 && (s - 1.25f64.sqrt()).abs() < 1e-15);
    }
}
