//! `claimscan info`: what a model is made of.

use super::{settings_flags, ModelArg};
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArg,
    /// Also list the N most indicative features of each label.
    #[arg(long, value_name = "N")]
    top_features: Option<usize>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = args.model.load()?;
    let name = args
        .model
        .model
        .as_ref()
        .map_or("embedded (corpus/claims.csv)".to_string(), |p| {
            p.display().to_string()
        });
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let s = &model.settings;
    writeln!(out, "model:          {name}")?;
    writeln!(
        out,
        "format version: {}",
        claimscan::persist::FORMAT_VERSION
    )?;
    writeln!(out, "variant:        {}", s.variant)?;
    writeln!(out, "training rows:  {}", model.training_rows())?;
    writeln!(out, "vocabulary:     {} features", model.vocab.len())?;
    writeln!(
        out,
        "pipeline:       words={} stem={} stop_words={} bigrams={} char_ngrams={}",
        s.text.words,
        s.text.stem,
        s.text.stop_words,
        s.text.bigrams,
        s.text
            .char_ngrams
            .map_or("off".to_string(), |(lo, hi)| format!("{lo}-{hi}"))
    )?;
    writeln!(out, "settings:       {}", settings_flags(s))?;
    match &model.calibration {
        Some(c) => writeln!(
            out,
            "calibration:    temperature {:.4}, recommended threshold {:.2} ({}-fold out-of-fold, seed {})",
            c.temperature, c.threshold, c.folds, c.seed
        )?,
        None => writeln!(out, "calibration:    none (probabilities are the raw naive Bayes posteriors)")?,
    }
    writeln!(out, "labels:         {}", model.labels.len())?;
    for (label, n) in model.labels.iter().zip(&model.class_count) {
        writeln!(out, "  {n:>6}  {label}")?;
    }
    if let Some(n) = args.top_features {
        let scorer = claimscan::Scorer::new(&model);
        for (c, label) in model.labels.iter().enumerate() {
            let top = claimscan::scorer::top_features(&scorer, c, n);
            let list: Vec<String> = top.iter().map(|(t, w)| format!("{t} ({w:.2})")).collect();
            writeln!(out, "{label}: {}", list.join(", "))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
