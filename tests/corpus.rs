//! The corpus checker and the shipped model's tie to it.

use claimscan::corpus::{load, CsvOptions};
use claimscan::model::train;
use claimscan::persist;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

const LABELS: [&str; 12] = [
    "reward:innovation",
    "reward:accessibility",
    "reward:cost",
    "reward:transparency",
    "risk:security",
    "risk:misuse",
    "risk:ip",
    "risk:control",
    "risk:bias",
    "risk:privacy",
    "risk:misinformation",
    "neutral",
];

const REGISTERS: [&str; 9] = [
    "news",
    "blog",
    "explainer",
    "social",
    "forum",
    "policy",
    "academic",
    "marketing",
    "heading",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rows() -> Vec<csv::StringRecord> {
    let mut rdr = csv::Reader::from_path(root().join("corpus/claims.csv")).unwrap();
    let header = rdr.headers().unwrap().clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["text", "label", "source", "register"]
    );
    rdr.records().map(|r| r.unwrap()).collect()
}

/// Lower case, punctuation dropped, white space folded.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn corpus_rows_are_valid_and_distinct() {
    let rows = rows();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let line = i + 2;
        assert!(
            LABELS.contains(&&r[1]),
            "line {line}: label {:?} is not in the taxonomy",
            &r[1]
        );
        assert!(
            ["article", "authored"].contains(&&r[2]),
            "line {line}: source {:?}",
            &r[2]
        );
        assert!(
            REGISTERS.contains(&&r[3]),
            "line {line}: register {:?} is not one of {REGISTERS:?}",
            &r[3]
        );
        let words = r[0].split_whitespace().count();
        assert!((3..=60).contains(&words), "line {line}: {words} words");
        if let Some(first) = seen.insert(normalise(&r[0]), line) {
            panic!("line {line} repeats line {first} after normalising case and punctuation");
        }
    }
}

#[test]
fn corpus_has_the_minimum_counts() {
    let rows = rows();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        *counts
            .entry(LABELS.iter().find(|l| **l == &r[1]).unwrap())
            .or_default() += 1;
    }
    assert!(rows.len() >= 8000, "{} rows", rows.len());
    for l in LABELS {
        let min = if l == "neutral" { 1600 } else { 450 };
        assert!(
            counts.get(l).copied().unwrap_or(0) >= min,
            "{l}: {:?} rows, need {min}",
            counts.get(l)
        );
    }
}

/// Words that name a category (or a close paraphrase of its name), per claim label: a
/// sentence that has one states its category in the abstract, as real writing often does.
const NAMES: [(&str, &[&str]); 11] = [
    ("reward:innovation", &["innovat"]),
    ("reward:accessibility", &["accessib", "democrati"]),
    ("reward:cost", &["cost", "afford", "cheap", "saving"]),
    (
        "reward:transparency",
        &["transparen", "accountab", "auditab"],
    ),
    ("risk:security", &["secur", "vulnerab"]),
    ("risk:misuse", &["misus", "abus", "malicious", "weaponi"]),
    (
        "risk:ip",
        &["intellectual property", "copyright", " ip ", "infring"],
    ),
    ("risk:control", &["control", "oversight"]),
    ("risk:bias", &["bias", "fairness", "unfair", "discriminat"]),
    ("risk:privacy", &["privacy", "surveillance"]),
    (
        "risk:misinformation",
        &[
            "misinformation",
            "disinformation",
            "misleading",
            "falsehood",
            "hallucinat",
        ],
    ),
];

/// First words of a sentence that leans on the one before it.
const LEANING: &[&str] = &[
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "it's",
    "such",
    "they",
    "their",
    "which",
    "so",
    "and",
    "but",
    "yet",
    "also",
    "still",
    "thus",
    "hence",
    "therefore",
];

/// Words of risk or benefit that mislead a classifier when the sentence is not about AI.
const RISK_BENEFIT: &[&str] = &[
    "scam",
    "fraud",
    "stole",
    "steal",
    "hack",
    "breach",
    "leak",
    "phishing",
    "malware",
    "ransomware",
    "risk",
    "danger",
    "threat",
    "attack",
    "vulnerab",
    "exploit",
    "patch",
    "cheap",
    "cost",
    "fee",
    "saving",
    "price",
    "afford",
    "free",
    "access",
    "innovat",
    "faster",
    "collaborat",
    "transparen",
    "audit",
    "accountab",
    "bias",
    "discriminat",
    "unfair",
    "privacy",
    "personal data",
    "surveil",
    "fake",
    "false",
    "mislead",
    "propaganda",
    "rumor",
    "rumour",
    "copyright",
    "infring",
    "licen",
    "patent",
    "control",
    "recall",
    "hacker",
];

fn words_of(s: &str) -> Vec<String> {
    claimscan::corpus::plain_words(s)
}

/// Registers, abstract and leaning claims, numbers, neutral sentences about AI and
/// off-topic neutral sentences with risk or benefit words: the shares that make the corpus
/// look like real writing (issue 12).
#[test]
fn corpus_has_the_shares_of_real_writing() {
    let rows = rows();
    let n = rows.len() as f64;
    let mut registers: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        *registers
            .entry(REGISTERS.iter().find(|g| **g == &r[3]).unwrap())
            .or_default() += 1;
    }
    for g in REGISTERS {
        let share = registers.get(g).copied().unwrap_or(0) as f64 / n;
        assert!(
            share >= 0.05,
            "register {g}: {:.1}% of rows, need 5%",
            100.0 * share
        );
    }
    for (label, names) in NAMES {
        let texts: Vec<String> = rows
            .iter()
            .filter(|r| &r[1] == label)
            .map(|r| format!(" {} ", r[0].to_lowercase()))
            .collect();
        let t = texts.len() as f64;
        let named = texts
            .iter()
            .filter(|x| names.iter().any(|w| x.contains(w)))
            .count() as f64;
        let leaning = texts
            .iter()
            .filter(|x| {
                words_of(x)
                    .first()
                    .is_some_and(|w| LEANING.contains(&w.as_str()))
            })
            .count() as f64;
        let numbers = texts
            .iter()
            .filter(|x| x.chars().any(|c| c.is_ascii_digit()))
            .count() as f64;
        assert!(
            named / t >= 0.25,
            "{label}: {:.1}% name the category, need 25%",
            100.0 * named / t
        );
        assert!(
            leaning / t >= 0.15,
            "{label}: {:.1}% lean on a previous sentence, need 15%",
            100.0 * leaning / t
        );
        assert!(
            numbers / t >= 0.05,
            "{label}: {:.1}% have a number",
            100.0 * numbers / t
        );
    }
    let neutral: Vec<&str> = rows
        .iter()
        .filter(|r| &r[1] == "neutral")
        .map(|r| &r[0][..])
        .collect();
    let about_ai = |t: &&str| claimscan::corpus::mentions_ai(t);
    let on_topic = neutral.iter().filter(|t| about_ai(t)).count() as f64;
    assert!(
        on_topic / neutral.len() as f64 >= 0.80,
        "{:.1}% of neutral rows are about AI, need 80%",
        100.0 * on_topic / neutral.len() as f64
    );
    let off_topic_loaded = neutral
        .iter()
        .filter(|t| !about_ai(t))
        .filter(|t| {
            let s = words_of(t).join(" ");
            RISK_BENEFIT.iter().any(|x| s.contains(x))
        })
        .count();
    assert!(
        off_topic_loaded >= 200,
        "{off_topic_loaded} off-topic neutral rows carry risk or benefit words, need 200"
    );
}

/// US and British spelling both present, US in at least 30% of the rows that spell a word
/// differently in the two.
#[test]
fn corpus_mixes_us_and_british_spelling() {
    const PAIRS: &[(&str, &str)] = &[
        ("organiz", "organis"),
        ("behavior", "behaviour"),
        ("favor", "favour"),
        ("color", "colour"),
        ("analyz", "analys"),
        ("recogniz", "recognis"),
        ("realiz", "realis"),
        ("prioritiz", "prioritis"),
        ("optimiz", "optimis"),
        ("democratiz", "democratis"),
        ("criticiz", "criticis"),
        ("minimiz", "minimis"),
        ("standardiz", "standardis"),
        ("weaponiz", "weaponis"),
        ("center", "centre"),
        ("defense", "defence"),
        ("license fee", "licence fee"),
        ("labor", "labour"),
        ("program ", "programme"),
        ("catalog ", "catalogue"),
    ];
    let (mut us, mut gb) = (0usize, 0usize);
    for r in rows() {
        let t = format!("{} ", r[0].to_lowercase());
        let u = PAIRS.iter().any(|(a, _)| t.contains(a));
        let b = PAIRS.iter().any(|(_, b)| t.contains(b));
        us += usize::from(u && !b);
        gb += usize::from(b && !u);
    }
    assert!(us > 0 && gb > 0, "US {us}, British {gb}");
    let share = us as f64 / (us + gb) as f64;
    assert!(
        share >= 0.30,
        "US spelling in {:.1}% of the rows that show a spelling",
        100.0 * share
    );
}

/// The reference article is copyrighted and not in this repository; where a copy stands
/// beside the checkout (../shared/seed/), no corpus row may share eight consecutive words
/// with it.
#[test]
fn corpus_copies_no_sentence_of_the_reference_article() {
    let article = root().join("../shared/seed/open-source-ai-risks-and-rewards.txt");
    let Ok(text) = std::fs::read_to_string(&article) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing: CI lays shared/ beside the checkout",
            article.display()
        );
        eprintln!("skipped: {} is not present", article.display());
        return;
    };
    let shingles = |s: &str| -> HashSet<String> {
        let w: Vec<String> = normalise(s).split(' ').map(String::from).collect();
        w.windows(8).map(|x| x.join(" ")).collect()
    };
    let banned = shingles(&text);
    for (i, r) in rows().iter().enumerate() {
        let hit = shingles(&r[0]).into_iter().find(|s| banned.contains(s));
        assert!(
            hit.is_none(),
            "line {}: copies the article: {:?}",
            i + 2,
            hit
        );
    }
}

#[test]
fn shipped_model_is_reproduced_byte_for_byte_from_the_corpus() {
    let path = root().join("models/claims.model");
    let shipped = std::fs::read(&path).unwrap();
    let model = persist::from_bytes(&shipped, &path).unwrap();
    let examples = load(&root().join("corpus/claims.csv"), &CsvOptions::default()).unwrap();
    let settings = model.settings.clone().check().unwrap();
    let mut retrained = train(&examples, &settings).unwrap();
    if let Some(c) = &model.calibration {
        retrained.calibration =
            Some(claimscan::calibrate::calibrate(&examples, &settings, c.folds, c.seed).unwrap());
    }
    assert!(
        persist::to_bytes(&retrained) == shipped,
        "models/claims.model is stale: retrain it with the settings `claimscan info` shows"
    );
    assert_eq!(
        claimscan::EMBEDDED_MODEL,
        &shipped[..],
        "the binary embeds this file"
    );
    assert!(
        Path::new(&path).metadata().unwrap().len() < 10_000_000,
        "shipped model under 10 MB"
    );
}

/// The shipped model's scores on a held-out fixture of `n` rows.
fn held_out(name: &str, n: usize) -> claimscan::metrics::Report {
    let examples = load(
        &root().join("tests/fixtures").join(name),
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(examples.len(), n);
    let model = claimscan::embedded_model().unwrap();
    let refs: Vec<_> = examples.iter().collect();
    let pred = claimscan::cv::predict_labels(&model, &refs);
    let truth: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    let pred: Vec<&str> = pred.iter().map(String::as_str).collect();
    let r = claimscan::metrics::Report::new(&truth, &pred);
    assert!(r.labels.iter().all(|l| LABELS.contains(&l.as_str())));
    r
}

/// A quality floor on sentences the corpus writers never saw: tests/fixtures/heldout.csv
/// was written separately (25 per label, in the style of published articles and posts).
#[test]
fn shipped_model_generalises_to_the_held_out_set() {
    let r = held_out("heldout.csv", 300);
    assert!(r.accuracy >= 0.75, "held-out accuracy {:.4}", r.accuracy);
    assert!(r.macro_f1 >= 0.75, "held-out macro-F1 {:.4}", r.macro_f1);
    assert!(
        r.polarity_accuracy >= 0.85,
        "held-out polarity accuracy {:.4}",
        r.polarity_accuracy
    );
}

/// A quality floor on tests/fixtures/heldout_web.csv: 720 sentences (60 per label) in the
/// registers of public web pages, written by a writer who never saw the corpus. Used only
/// to report and to guard against regressions, never to choose settings.
#[test]
fn shipped_model_generalises_to_web_style_writing() {
    let r = held_out("heldout_web.csv", 720);
    assert!(
        r.macro_f1 >= 0.85,
        "web held-out macro-F1 {:.4}",
        r.macro_f1
    );
    assert!(
        r.polarity_accuracy >= 0.88,
        "web held-out polarity accuracy {:.4}",
        r.polarity_accuracy
    );
}

const OFF_TOPIC_FLOOR: f64 = 0.60;

/// A floor on tests/fixtures/offtopic.csv: 140 sentences that are not about AI but carry
/// risk or benefit words (scams, recalls, fees, copyright, audits), all `neutral` by the
/// taxonomy's Scope rule. The model trained on the corpus before wave 5 labelled 60 of them
/// (42.9%) neutral, the wave-5 model without the hidden off-topic class 77 (55.0%), the
/// shipped model 92 (65.7%). Used only to report and to guard against regressions.
#[test]
fn shipped_model_labels_off_topic_sentences_neutral() {
    let r = held_out("offtopic.csv", 140);
    assert!(
        r.accuracy >= OFF_TOPIC_FLOOR,
        "{:.1}% of the off-topic sentences labelled neutral, need {:.0}%",
        100.0 * r.accuracy,
        100.0 * OFF_TOPIC_FLOOR
    );
}

/// The same risk or benefit said about something else and about AI: the AI version is the
/// more confident claim. (Off-topic sentences should come out neutral, per the taxonomy's
/// Scope rule; the shipped model does not always get there: it labels a third of
/// offtopic.csv by their risk or benefit words, with less confidence than the AI versions.
/// See corpus/README.md.)
#[test]
fn ai_context_makes_a_claim_more_confident_than_the_same_words_off_topic() {
    let model = claimscan::embedded_model().unwrap();
    let scorer = claimscan::Scorer::new(&model);
    let mut s = claimscan::Scratch::default();
    let pairs = [
        (
            "Crypto scammers stole millions from pensioners last year.",
            "Scammers used cloned AI voices to steal millions from pensioners last year.",
        ),
        (
            "The bank cut its fees for students.",
            "The open-source model cut our fees for students.",
        ),
        (
            "The carmaker recalled 40,000 vans over a faulty brake sensor.",
            "The lab could not recall the model weights once they were online.",
        ),
        (
            "A hospital confirmed that patient records were exposed in a breach of its billing system.",
            "A hospital chatbot exposed patient records after a prompt injection.",
        ),
        (
            "The tabloid printed a false rumor about the striker.",
            "The chatbot invented a false rumor about the striker.",
        ),
    ];
    for (off, on) in pairs {
        let on_out = scorer.score(on, &mut s);
        assert_ne!(scorer.labels()[on_out.best], "neutral", "{on}");
        scorer.score(off, &mut s);
        let off_p = s.probs[on_out.best];
        assert!(
            off_p < on_out.probability,
            "{off:?} ({off_p:.4}) is as sure a claim as {on:?} ({:.4})",
            on_out.probability
        );
    }
}
