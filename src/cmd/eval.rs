//! `claimscan eval`: measure a model on labelled data, or cross-validate training settings.

use super::{resolve_threshold, settings_flags, DataArgs, Format, ModelArg, OutputArgs, TrainOpts};
use claimscan::calibrate::{out_of_fold, out_of_fold_calibrated, Abstention, ProbabilityReport};
use claimscan::cv::{cross_validate, CvResult, Spread, DEFAULT_SEED};
use claimscan::metrics::Report;
use claimscan::Classifier;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;

pub const AFTER: &str = "\
Examples:
  claimscan eval --data tests/fixtures/heldout.csv          the embedded model on held-out data
  claimscan eval --data labelled.csv -m my.model -t model -f json
  claimscan eval --data corpus/claims.csv --cv 5 --bigrams  cross-validate training settings

With --format csv: one row per label (precision, recall, F1, support).

Exit codes: 0 done, 2 usage or input error.";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    output: OutputArgs,
    /// Cross-validate the training options below with K stratified folds instead of
    /// evaluating an existing model.
    #[arg(long, value_name = "K", help_heading = "Training")]
    cv: Option<usize>,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = DEFAULT_SEED, help_heading = "Training")]
    seed: u64,
    /// Also report abstention: a best probability under P means neutral; shows the
    /// coverage (share labelled as a claim) and the accuracy of what was labelled. `model`
    /// uses the model's recommended threshold.
    #[arg(short = 't', long, value_name = "P", help_heading = "Model")]
    threshold: Option<String>,
    /// With --cv: calibrate each fold's model on its own training part (as `train
    /// --calibrate` does), so that the probabilities are those of calibrated models.
    #[arg(long, requires = "cv", help_heading = "Training")]
    calibrate: bool,
    #[command(flatten)]
    opts: TrainOpts,
}

/// Per label: precision, recall, F1 and support, as CSV.
fn write_csv(out: &mut impl Write, r: &Report, header: bool) -> anyhow::Result<()> {
    let mut w = super::csv_writer(out);
    if header {
        w.write_record(["label", "precision", "recall", "f1", "support"])?;
    }
    for l in &r.per_label {
        w.write_record([
            l.label.clone(),
            format!("{:.4}", l.precision),
            format!("{:.4}", l.recall),
            format!("{:.4}", l.f1),
            l.support.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let examples = args.data.load()?;
    let format = args.output.format();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.cv {
        None => {
            let model = args.model.load()?;
            let identity = args.model.identity(&model);
            let threshold = resolve_threshold(args.threshold.as_deref(), Some(&model))?;
            let clf = Classifier::from_model(model);
            let (r, pr, probs) = clf.evaluate(&examples);
            let labels = clf.labels();
            let truth: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
            let ab = threshold.map(|t| Abstention::new(labels, &probs, &truth, t));
            if format == Format::Json {
                let doc = super::stamped(report_json(&r, &pr, ab.as_ref(), None), Some(identity));
                writeln!(out, "{doc}")?;
            } else if format == Format::Csv {
                write_csv(&mut out, &r, !args.output.no_header)?;
            } else {
                writeln!(out, "sentences:         {}", r.n)?;
                writeln!(out, "accuracy:          {:.4}", r.accuracy)?;
                writeln!(out, "macro-F1:          {:.4}", r.macro_f1)?;
                writeln!(out, "polarity accuracy: {:.4}", r.polarity_accuracy)?;
                write_probability(&mut out, &pr, ab.as_ref())?;
                write_tables(&mut out, &r)?;
            }
        }
        Some(k) => {
            let settings = args.opts.settings()?;
            let threshold = resolve_threshold(args.threshold.as_deref(), None)?;
            let mut per_label: std::collections::BTreeMap<&str, usize> = Default::default();
            for e in &examples {
                *per_label.entry(e.label.as_str()).or_default() += 1;
            }
            if let Some((label, &n)) = per_label.iter().min_by_key(|(_, &n)| n) {
                if k > n {
                    super::say!(
                        "claimscan: warning: --cv {k} is more folds than label {label:?} has rows ({n}): some folds hold none of it"
                    );
                }
            }
            let bar = super::progress(0, &format!("{k}-fold cross-validation"));
            let cv = cross_validate(&examples, &settings, k, args.seed)?;
            bar.set_message("out-of-fold probabilities");
            let oof = if args.calibrate {
                out_of_fold_calibrated(&examples, &settings, k, args.seed, k)?
            } else {
                out_of_fold(&examples, &settings, k, args.seed)?
            };
            bar.finish_and_clear();
            let probs = oof.probabilities(1.0);
            let truth: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
            let pr = ProbabilityReport::new(&oof.labels, &probs, &truth);
            let ab = threshold.map(|t| Abstention::new(&oof.labels, &probs, &truth, t));
            if format == Format::Csv {
                write_csv(&mut out, &cv.pooled, !args.output.no_header)?;
            } else if format == Format::Json {
                let extra = json!({
                    "k": k,
                    "seed": args.seed,
                    "settings": settings_flags(settings.get()),
                    "calibrated": args.calibrate,
                    "accuracy": cv.accuracy(),
                    "macro_f1": cv.macro_f1(),
                    "polarity_accuracy": cv.polarity_accuracy(),
                });
                // no model file: the identity is that of the settings cross-validated
                let identity = json!({
                    "path": null,
                    "crc32": null,
                    "settings": settings_flags(settings.get()),
                    "calibrated": args.calibrate,
                });
                let doc = super::stamped(
                    report_json(&cv.pooled, &pr, ab.as_ref(), Some((&cv, extra))),
                    Some(identity),
                );
                writeln!(out, "{doc}")?;
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
                    "(probabilities, per label and confusion: all out-of-fold predictions pooled; {})",
                    if args.calibrate {
                        "each fold's model calibrated on its own training part"
                    } else {
                        "uncalibrated"
                    }
                )?;
                write_probability(&mut out, &pr, ab.as_ref())?;
                write_tables(&mut out, &cv.pooled)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn report_json(
    r: &Report,
    pr: &ProbabilityReport,
    ab: Option<&Abstention>,
    cv: Option<(&CvResult, serde_json::Value)>,
) -> serde_json::Value {
    let mut v = claimscan::calibrate::evaluation_json(r, pr);
    if let Some(a) = ab {
        v["threshold"] = json!({
            "threshold": a.threshold,
            "coverage": a.coverage,
            "claim_accuracy": a.claim_accuracy,
            "accuracy": a.report.accuracy,
            "macro_f1": a.report.macro_f1,
            "polarity_accuracy": a.report.polarity_accuracy,
        });
    }
    if let Some((_, extra)) = cv {
        v["cv"] = extra;
    }
    v
}

fn write_probability(
    out: &mut impl Write,
    pr: &ProbabilityReport,
    ab: Option<&Abstention>,
) -> std::io::Result<()> {
    writeln!(out, "log-loss:          {:.4}", pr.log_loss)?;
    writeln!(out, "Brier score:       {:.4}", pr.brier)?;
    writeln!(out, "ECE (10 bins):     {:.4}", pr.ece)?;
    if let Some(a) = ab {
        writeln!(
            out,
            "threshold {:.2}:    coverage {:.4} (share labelled as a claim), accuracy of those {:.4}; \
             after the threshold: accuracy {:.4}, macro-F1 {:.4}",
            a.threshold, a.coverage, a.claim_accuracy, a.report.accuracy, a.report.macro_f1
        )?;
    }
    writeln!(out)?;
    writeln!(out, "reliability (best probability):")?;
    writeln!(
        out,
        "{:<11} {:>6} {:>10} {:>9}",
        "bin", "count", "mean prob", "accuracy"
    )?;
    for b in &pr.reliability {
        writeln!(
            out,
            "{:<11} {:>6} {:>10.4} {:>9.4}",
            format!("{:.1}-{:.1}", b.lo, b.hi),
            b.count,
            b.mean_probability,
            b.accuracy
        )?;
    }
    Ok(())
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
