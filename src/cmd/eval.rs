//! `claimscan eval`: measure a model on labelled data, or cross-validate training settings.

use super::{settings_flags, DataArgs, ModelArg, TrainOpts};
use claimscan::cv::{cross_validate, predict_labels, CvResult, Spread, DEFAULT_SEED};
use claimscan::metrics::Report;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    model: ModelArg,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    /// Cross-validate the training options below with K stratified folds instead of
    /// evaluating an existing model.
    #[arg(long, value_name = "K")]
    cv: Option<usize>,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    #[command(flatten)]
    opts: TrainOpts,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let examples = args.data.load()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.cv {
        None => {
            let model = args.model.load()?;
            let refs: Vec<_> = examples.iter().collect();
            let pred = predict_labels(&model, &refs);
            let pred: Vec<&str> = pred.iter().map(String::as_str).collect();
            let truth: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
            let r = Report::new(&truth, &pred);
            if args.json {
                writeln!(out, "{}", report_json(&r, None))?;
            } else {
                writeln!(out, "sentences:         {}", r.n)?;
                writeln!(out, "accuracy:          {:.4}", r.accuracy)?;
                writeln!(out, "macro-F1:          {:.4}", r.macro_f1)?;
                writeln!(out, "polarity accuracy: {:.4}", r.polarity_accuracy)?;
                write_tables(&mut out, &r)?;
            }
        }
        Some(k) => {
            let settings = args.opts.settings()?;
            let cv = cross_validate(&examples, &settings, k, args.seed)?;
            if args.json {
                let extra = json!({
                    "k": k,
                    "seed": args.seed,
                    "settings": settings_flags(settings.get()),
                    "accuracy": cv.accuracy(),
                    "macro_f1": cv.macro_f1(),
                    "polarity_accuracy": cv.polarity_accuracy(),
                });
                writeln!(out, "{}", report_json(&cv.pooled, Some((&cv, extra))))?;
            } else {
                let show = |s: Spread| format!("{:.4} ± {:.4}", s.mean, s.std);
                writeln!(
                    out,
                    "{k}-fold cross-validation (seed {}), settings: {}",
                    args.seed,
                    settings_flags(settings.get())
                )?;
                writeln!(out, "sentences:         {}", cv.pooled.n)?;
                writeln!(out, "accuracy:          {}", show(cv.accuracy()))?;
                writeln!(out, "macro-F1:          {}", show(cv.macro_f1()))?;
                writeln!(out, "polarity accuracy: {}", show(cv.polarity_accuracy()))?;
                writeln!(
                    out,
                    "(per label and confusion: all out-of-fold predictions pooled)"
                )?;
                write_tables(&mut out, &cv.pooled)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn report_json(r: &Report, cv: Option<(&CvResult, serde_json::Value)>) -> serde_json::Value {
    let mut v = json!({
        "n": r.n,
        "accuracy": r.accuracy,
        "macro_f1": r.macro_f1,
        "polarity_accuracy": r.polarity_accuracy,
        "labels": r.labels,
        "per_label": r.per_label,
        "confusion": r.confusion,
    });
    if let Some((_, extra)) = cv {
        v["cv"] = extra;
    }
    v
}

fn write_tables(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "{:<22} {:>9} {:>9} {:>9} {:>8}",
        "label", "precision", "recall", "F1", "support"
    )?;
    for l in &r.per_label {
        writeln!(
            out,
            "{:<22} {:>9.4} {:>9.4} {:>9.4} {:>8}",
            l.label, l.precision, l.recall, l.f1, l.support
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "confusion matrix (rows: true label, columns: predicted, in the order above)"
    )?;
    for (label, row) in r.labels.iter().zip(&r.confusion) {
        let cells: Vec<String> = row.iter().map(|n| format!("{n:>4}")).collect();
        writeln!(out, "{label:<22} {}", cells.join(""))?;
    }
    let pairs = r.confusion_pairs();
    if !pairs.is_empty() {
        writeln!(out)?;
        writeln!(out, "most frequent confusions (true -> predicted):")?;
        for (t, p, n) in pairs.iter().take(10) {
            writeln!(out, "{n:>6}  {t} -> {p}")?;
        }
    }
    Ok(())
}
