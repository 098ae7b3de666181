//! Whole-document reports: every sentence classified, counts per label, the risk / reward
//! balance, the most confident claim of each category and the least certain sentences,
//! as plain text or JSON (the HTML page is in [`crate::report_html`]).

use crate::metrics::polarity;
use crate::scorer::{Scorer, Scratch};
use crate::split::{blocks, document_sentences, list_marker_len, Mode};
use std::fmt::Write;

pub use crate::report_html::escape;

/// One classified sentence of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// 0-based index of the sentence's block in [`DocReport::lines`].
    pub line: usize,
    /// Byte offset of the sentence in its block.
    pub offset: usize,
    /// 0-based line of the document where the sentence starts.
    pub source_line: usize,
    /// Byte offset of the sentence's start in that line of the document.
    pub source_offset: usize,
    /// The sentence (for a list item: without its marker).
    pub text: String,
    /// Index into the model's labels.
    pub label: usize,
    pub probability: f64,
}

/// A heading of a document, left out of the sentences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    /// 0-based line of the document.
    pub line: usize,
    pub text: String,
}

/// A classified document.
#[derive(Clone, Debug)]
pub struct DocReport {
    pub name: String,
    /// The document's blocks, which sentences never cross: its lines, or with
    /// [`Mode::Paragraphs`] its paragraphs (lines joined); each claim's text sits at its
    /// `offset` in block `line`. Headings are blocks too.
    pub lines: Vec<String>,
    /// Every sentence (neutral ones included), in document order.
    pub claims: Vec<Claim>,
    /// The headings, which are not sentences.
    pub headings: Vec<Heading>,
    pub labels: Vec<String>,
    /// The threshold under which a sentence counted as neutral, if any.
    pub threshold: Option<f64>,
    /// How the document was cut into sentences.
    pub mode: Mode,
}

impl DocReport {
    /// Splits `text` into paragraphs and sentences and classifies each.
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
        DocReport::build(name, text, scorer, threshold, Mode::Paragraphs)
    }

    /// As [`DocReport::with_threshold`], with the document cut by `mode`. Headings are
    /// left out of the sentences, and list markers ("•", "1.") out of the sentence text.
    pub fn build(
        name: &str,
        text: &str,
        scorer: &Scorer,
        threshold: Option<f64>,
        mode: Mode,
    ) -> DocReport {
        let neutral = scorer.labels().iter().position(|l| l == "neutral");
        let mut scratch = Scratch::default();
        let blocks = blocks(text, mode);
        let mut claims = Vec::new();
        for (b, offset, s) in document_sentences(&blocks, mode) {
            let block = &blocks[b];
            // a list marker at the start of a block is not part of the sentence
            let lead = block.text.len() - block.text.trim_start().len();
            let cut = if offset == lead {
                list_marker_len(s)
            } else {
                0
            };
            let (offset, s) = (offset + cut, &s[cut..]);
            let out = scorer.score(s, &mut scratch);
            let label = match (threshold, neutral) {
                (Some(t), Some(n)) if out.probability < t => n,
                _ => out.best,
            };
            let (source_line, source_offset) = block.source(offset);
            claims.push(Claim {
                line: b,
                offset,
                source_line,
                source_offset,
                text: s.to_string(),
                label,
                probability: out.probability,
            });
        }
        let headings = blocks
            .iter()
            .filter(|b| b.heading)
            .map(|b| Heading {
                line: b.source(0).0,
                text: b.text.trim().to_string(),
            })
            .collect();
        DocReport {
            name: name.to_string(),
            lines: blocks.into_iter().map(|b| b.text).collect(),
            claims,
            headings,
            labels: scorer.labels().to_vec(),
            threshold,
            mode,
        }
    }

    /// The share of risk and of reward claims among all sentences.
    pub fn shares(&self) -> (f64, f64) {
        let (risk, reward) = self.risk_reward();
        let n = self.claims.len();
        let share = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
        (share(risk), share(reward))
    }

    /// The report as one JSON object: the document's path, sentence count, risk and reward
    /// claim counts and shares (of all sentences), the count per label, the threshold, the
    /// headings left out, and every sentence (`claims`, neutral ones included) with its
    /// 1-based line, byte offset in that line, label and probability.
    pub fn to_json(&self) -> serde_json::Value {
        let (risk, reward) = self.risk_reward();
        let (risk_share, reward_share) = self.shares();
        let round = |p: f64| (p * 1e6).round() / 1e6;
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
                    "line": c.source_line + 1,
                    "offset": c.source_offset,
                    "text": c.text,
                    "label": self.labels[c.label],
                    "probability": round(c.probability),
                })
            })
            .collect();
        let headings: Vec<serde_json::Value> = self
            .headings
            .iter()
            .map(|h| serde_json::json!({"line": h.line + 1, "text": h.text}))
            .collect();
        serde_json::json!({
            "path": self.name,
            "name": self.name,
            "split": match self.mode {
                Mode::Lines => "lines",
                Mode::Sentences => "sentences",
                Mode::Paragraphs => "paragraphs",
            },
            "threshold": self.threshold,
            "sentences": self.claims.len(),
            "risk_claims": risk,
            "reward_claims": reward,
            "risk_share": round(risk_share),
            "reward_share": round(reward_share),
            "counts": counts,
            "headings": headings,
            "claims": sentences,
        })
    }

    /// One CSV row per sentence (path, line, offset, label, probability, text), after a
    /// header row unless `header` is false; fields quoted by the csv crate, CR and LF in a
    /// field written as `\r` and `\n` so that every row stays on one line.
    pub fn write_csv<W: std::io::Write>(
        docs: &[DocReport],
        header: bool,
        out: W,
    ) -> std::io::Result<()> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(out);
        let map = |e: csv::Error| std::io::Error::other(e.to_string());
        if header {
            w.write_record(["path", "line", "offset", "label", "probability", "text"])
                .map_err(map)?;
        }
        for d in docs {
            for c in &d.claims {
                let text = c.text.replace('\r', "\\r").replace('\n', "\\n");
                w.write_record([
                    d.name.as_str(),
                    &(c.source_line + 1).to_string(),
                    &c.source_offset.to_string(),
                    &d.labels[c.label],
                    &format!("{:.4}", c.probability),
                    &text,
                ])
                .map_err(map)?;
            }
        }
        w.flush()
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

    /// The plain-text report: counts, balance, threshold, headings left out, the most
    /// confident claims of each label and the least certain sentences.
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
        match self.threshold {
            Some(t) => {
                let _ = writeln!(
                    s,
                    "threshold: {t:.2} (a sentence less sure than that counts as neutral)"
                );
            }
            None => {
                let _ = writeln!(s, "threshold: none");
            }
        }
        if !self.headings.is_empty() {
            let _ = writeln!(
                s,
                "headings left out: {} ({})",
                self.headings.len(),
                self.headings
                    .iter()
                    .map(|h| format!("line {}", h.line + 1))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
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
                    c.source_line + 1,
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
                c.source_line + 1,
                c.text
            );
        }
        s
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::corpus::Example;
    use crate::model::{train, Settings};

    /// A tiny model of three labels (also used by the HTML report's tests).
    pub(crate) fn scorer() -> Scorer {
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

    pub(crate) const DOC: &str = "Scammers clone voices. Open models cut the bill.\n\nThe meeting starts at nine. Bring <b>&</b> snacks.\n";

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

    #[test]
    fn paragraphs_headings_markers_json_and_csv() {
        let doc =
            "Costs\n\u{2022} Open models cut\n  the bill.\nScammers clone voices\nto defraud.\n";
        let r = DocReport::build("d.txt", doc, &scorer(), None, Mode::Paragraphs);
        let texts: Vec<&str> = r.claims.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Open models cut the bill.",
                "Scammers clone voices to defraud."
            ]
        );
        assert_eq!(
            r.headings,
            [Heading {
                line: 0,
                text: "Costs".into()
            }]
        );
        // positions in the document: past the marker; the second item's own line
        assert_eq!((r.claims[0].source_line, r.claims[0].source_offset), (1, 4));
        assert_eq!((r.claims[1].source_line, r.claims[1].source_offset), (3, 0));
        // and in the blocks, where the HTML finds them
        for c in &r.claims {
            assert_eq!(&r.lines[c.line][c.offset..c.offset + c.text.len()], c.text);
        }
        let j = r.to_json();
        assert_eq!(j["path"], "d.txt");
        assert_eq!(j["sentences"], 2);
        assert_eq!(j["claims"][1]["line"], 4);
        assert_eq!(j["headings"][0]["line"], 1);
        assert_eq!(j["risk_share"], 0.5);
        let mut csv = Vec::new();
        DocReport::write_csv(std::slice::from_ref(&r), true, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "path,line,offset,label,probability,text");
        assert!(lines[1].starts_with("d.txt,2,4,reward:cost,"), "{csv}");
        assert_eq!(lines.len(), 3);
        // the same document cut per line has the broken sentences
        let s = DocReport::build("d.txt", doc, &scorer(), None, Mode::Sentences);
        assert_eq!(s.claims.len(), 4);
    }
}
