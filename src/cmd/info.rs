//! `claimscan info`: what a model is made of.

use super::{settings_flags, Format, ModelArg, OutputArgs};
use std::io::Write;
use std::process::ExitCode;

pub const AFTER: &str = "\
Examples:
  claimscan info                                  the embedded model
  claimscan info -m my.model --top-features 10    what pushes each label
  claimscan info -f json | jq .model.crc32        the model's identity

Exit codes: 0 done, 2 the model cannot be read.";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArg,
    /// Also list the N most indicative features of each label.
    #[arg(long, value_name = "N", help_heading = "Output")]
    top_features: Option<usize>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = args.model.load()?;
    match args.output.format() {
        Format::Text => {}
        Format::Json => {
            let s = &model.settings;
            let labels: Vec<serde_json::Value> = model
                .labels
                .iter()
                .zip(&model.class_count)
                .map(|(l, n)| {
                    let mut v = serde_json::json!({"label": l, "training_rows": n});
                    let reported = claimscan::corpus::reported_label(l);
                    if reported != l {
                        v["reported_as"] = reported.into();
                    }
                    v
                })
                .collect();
            let mut doc = serde_json::json!({
                "format_version": claimscan::persist::format_version(&model),
                "variant": s.variant.to_string(),
                "training_rows": model.training_rows(),
                "features": model.vocab.len(),
                "calibration": model.calibration.as_ref().map(|c| serde_json::json!({
                    "temperature": c.temperature,
                    "threshold": c.threshold,
                    "folds": c.folds,
                    "seed": c.seed,
                    "top_label_map": c.top,
                })),
                "labels": labels,
            });
            if let Some(n) = args.top_features {
                let scorer = claimscan::Scorer::new(&model);
                let top: serde_json::Map<String, serde_json::Value> = model
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(c, label)| {
                        let feats: Vec<serde_json::Value> =
                            claimscan::scorer::top_features(&scorer, c, n)
                                .into_iter()
                                .map(|(t, w)| serde_json::json!({"feature": t, "weight": w}))
                                .collect();
                        (label.clone(), feats.into())
                    })
                    .collect();
                doc["top_features"] = top.into();
            }
            let doc = super::stamped(doc, Some(args.model.identity(&model)));
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &doc)?;
            writeln!(out)?;
            out.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
        Format::Csv => {
            let mut w = super::csv_writer(std::io::stdout().lock());
            if !args.output.no_header {
                w.write_record(["label", "training_rows"])?;
            }
            for (l, n) in model.labels.iter().zip(&model.class_count) {
                w.write_record([l.as_str(), &n.to_string()])?;
            }
            w.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
    }
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
        claimscan::persist::format_version(&model)
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
    if let Some(crc) = args.model.identity(&model)["crc32"].as_str() {
        writeln!(out, "crc32:          {crc}")?;
    }
    match &model.calibration {
        Some(c) => writeln!(
            out,
            "calibration:    temperature {:.4}, {}, recommended threshold {:.2} ({}-fold out-of-fold, seed {})",
            c.temperature,
            if c.top.is_empty() {
                "no top-label map".to_string()
            } else {
                format!("top-label map of {} points", c.top.len())
            },
            c.threshold,
            c.folds,
            c.seed
        )?,
        None => writeln!(out, "calibration:    none (probabilities are the raw naive Bayes posteriors)")?,
    }
    let reported = claimscan::scorer::label_groups(&model.labels).0;
    if reported.len() == model.labels.len() {
        writeln!(out, "labels:         {}", model.labels.len())?;
    } else {
        writeln!(
            out,
            "labels:         {} ({} classes: a class parent~sub is reported as parent)",
            reported.len(),
            model.labels.len()
        )?;
    }
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
