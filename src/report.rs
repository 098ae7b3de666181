//! Whole-document reports: every sentence classified, counts per label, the risk / reward
//! balance, the most confident claim of each category and the least certain sentences,
//! as plain text or JSON (the HTML page is in [`crate::report_html`]).

use crate::metrics::polarity;
use crate::scorer::{Scorer, Scratch};
use crate::split::sentences;
use std::fmt::Write;

pub use crate::report_html::escape;

/// One classified sentence of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// 0-based line of the document.
    pub line: usize,
    /// Byte offset of the sentence in its line.
    pub offset: usize,
    pub text: String,
    /// Index into the model's labels.
    pub label: usize,
    pub probability: f64,
}

/// A classified document.
#[derive(Clone, Debug)]
pub struct DocReport {
    pub name: String,
    pub lines: Vec<String>,
    pub claims: Vec<Claim>,
    pub labels: Vec<String>,
}

impl DocReport {
    /// Splits `text` into sentences and classifies each.
    pub fn new(name: &str, text: &str, scorer: &Scorer) -> DocReport {
        DocReport::with_threshold(name, text, scorer, None)
    }

    /// As [`DocReport::new`], but a sentence whose best probability is under `threshold`
    /// is labelled `neutral` (when the model has that label).
    pub fn with_threshold(
        name: &str,
        text: &str,
        scorer: &Scorer,
        threshold: Option<f64>,
    ) -> DocReport {
        let neutral = scorer.labels().iter().position(|l| l == "neutral");
        let mut scratch = Scratch::default();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut claims = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            for (offset, s) in sentences(line) {
                let out = scorer.score(s, &mut scratch);
                let label = match (threshold, neutral) {
                    (Some(t), Some(n)) if out.probability < t => n,
                    _ => out.best,
                };
                claims.push(Claim {
                    line: i,
                    offset,
                    text: s.to_string(),
                    label,
                    probability: out.probability,
                });
            }
        }
        DocReport {
            name: name.to_string(),
            lines,
            claims,
            labels: scorer.labels().to_vec(),
        }
    }

    /// The report as one JSON object: the document's name, sentence count, risk and reward
    /// claim counts and shares, the count per label, and every sentence with its 1-based
    /// line, byte offset, label and probability.
    pub fn to_json(&self) -> serde_json::Value {
        let (risk, reward) = self.risk_reward();
        let n = self.claims.len();
        let share = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
        let counts: serde_json::Map<String, serde_json::Value> = self
            .counts()
            .into_iter()
            .map(|(l, k)| (l.to_string(), k.into()))
            .collect();
        let sentences: Vec<serde_json::Value> = self
            .claims
            .iter()
            .map(|c| {
                serde_json::json!({
                    "line": c.line + 1,
                    "offset": c.offset,
                    "text": c.text,
                    "label": self.labels[c.label],
                    "probability": (c.probability * 1e6).round() / 1e6,
                })
            })
            .collect();
        serde_json::json!({
            "name": self.name,
            "sentences": n,
            "risk_claims": risk,
            "reward_claims": reward,
            "risk_share": share(risk),
            "reward_share": share(reward),
            "counts": counts,
            "claims": sentences,
        })
    }

    /// Sentences per label, most frequent first (ties: label order); labels with none left out.
    pub fn counts(&self) -> Vec<(&str, usize)> {
        let mut n = vec![0usize; self.labels.len()];
        self.claims.iter().for_each(|c| n[c.label] += 1);
        let mut out: Vec<(&str, usize)> = self
            .labels
            .iter()
            .zip(n)
            .filter(|(_, k)| *k > 0)
            .map(|(l, k)| (l.as_str(), k))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        out
    }

    /// (risk claims, reward claims).
    pub fn risk_reward(&self) -> (usize, usize) {
        let count = |p: &str| {
            self.claims
                .iter()
                .filter(|c| polarity(&self.labels[c.label]) == p)
                .count()
        };
        (count("risk"), count("reward"))
    }

    /// For each non-neutral label present, its `n` most confident sentences.
    pub fn most_confident(&self, n: usize) -> Vec<(&str, Vec<&Claim>)> {
        let mut out = Vec::new();
        for (i, label) in self.labels.iter().enumerate() {
            if !label.contains(':') {
                continue;
            }
            let mut cs: Vec<&Claim> = self.claims.iter().filter(|c| c.label == i).collect();
            if cs.is_empty() {
                continue;
            }
            cs.sort_by(|a, b| {
                b.probability
                    .total_cmp(&a.probability)
                    .then((a.line, a.offset).cmp(&(b.line, b.offset)))
            });
            cs.truncate(n);
            out.push((label.as_str(), cs));
        }
        out
    }

    /// The `n` sentences with the lowest best probability.
    pub fn least_sure(&self, n: usize) -> Vec<&Claim> {
        let mut cs: Vec<&Claim> = self.claims.iter().collect();
        cs.sort_by(|a, b| {
            a.probability
                .total_cmp(&b.probability)
                .then((a.line, a.offset).cmp(&(b.line, b.offset)))
        });
        cs.truncate(n);
        cs
    }

    /// The plain-text report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let (risk, reward) = self.risk_reward();
        let _ = writeln!(s, "== {} ({} sentences)", self.name, self.claims.len());
        let share = |k: usize| {
            if risk + reward == 0 {
                0.0
            } else {
                100.0 * k as f64 / (risk + reward) as f64
            }
        };
        let _ = writeln!(
            s,
            "risk claims: {risk} ({:.0}%), reward claims: {reward} ({:.0}%)",
            share(risk),
            share(reward)
        );
        let _ = writeln!(s, "\nclaims per label:");
        for (label, n) in self.counts() {
            let _ = writeln!(s, "  {n:>5}  {label}");
        }
        let _ = writeln!(s, "\nmost confident claims:");
        for (label, cs) in self.most_confident(3) {
            let _ = writeln!(s, "  {label}");
            for c in cs {
                let _ = writeln!(
                    s,
                    "    {:.2}  line {}: {}",
                    c.probability,
                    c.line + 1,
                    c.text
                );
            }
        }
        let _ = writeln!(s, "\nleast certain sentences:");
        for c in self.least_sure(5) {
            let _ = writeln!(
                s,
                "  {:.2}  {}  line {}: {}",
                c.probability,
                self.labels[c.label],
                c.line + 1,
                c.text
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Example;
    use crate::model::{train, Settings};

    fn scorer() -> Scorer {
        let ex = |t: &str, l: &str| Example {
            text: t.into(),
            label: l.into(),
            line: 0,
        };
        let data = [
            ex("scammers clone voices to defraud", "risk:misuse"),
            ex("open models cut the bill", "reward:cost"),
            ex("the meeting starts at nine", "neutral"),
        ];
        Scorer::new(&train(&data, &Settings::default().check().unwrap()).unwrap())
    }

    const DOC: &str = "Scammers clone voices. Open models cut the bill.\n\nThe meeting starts at nine. Bring <b>&</b> snacks.\n";

    #[test]
    fn counts_balance_and_ranking() {
        let r = DocReport::new("doc", DOC, &scorer());
        assert_eq!(r.claims.len(), 4);
        assert_eq!(r.risk_reward(), (1, 1));
        assert_eq!(r.counts()[0], ("neutral", 2));
        let mc = r.most_confident(1);
        assert_eq!(mc.len(), 2);
        assert!(
            r.least_sure(1)[0].probability
                <= r.claims.iter().map(|c| c.probability).fold(1.0, f64::min)
        );
        let t = r.to_text();
        assert!(
            t.contains("risk claims: 1 (50%), reward claims: 1 (50%)"),
            "{t}"
        );
    }
}
