//! `claimscan eval`: measure a model on labelled data, or cross-validate training settings.

use super::{resolve_threshold, settings_flags, DataArgs, ModelArg, TrainOpts};
use claimscan::calibrate::{out_of_fold, out_of_fold_calibrated, Abstention, ProbabilityReport};
use claimscan::cv::{cross_validate, CvResult, Spread, DEFAULT_SEED};
use claimscan::metrics::Report;
use claimscan::Classifier;
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
    /// Also report abstention: a best probability under P means neutral; shows the
    /// coverage (share labelled as a claim) and the accuracy of what was labelled. `model`
    /// uses the model's recommended threshold.
    #[arg(long, value_name = "P")]
    threshold: Option<String>,
    /// With --cv: calibrate each fold's model on its own training part (as `train
    /// --calibrate` does), so that the probabilities are those of calibrated models.
    #[arg(long, requires = "cv")]
    calibrate: bool,
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
            let threshold = resolve_threshold(args.threshold.as_deref(), Some(&model))?;
            let clf = Classifier::from_model(model);
            let (r, pr, probs) = clf.evaluate(&examples);
            let labels = clf.labels();
            let truth: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
            let ab = threshold.map(|t| Abstention::new(labels, &probs, &truth, t));
            if args.json {
                writeln!(out, "{}", report_json(&r, &pr, ab.as_ref(), None))?;
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
            let cv = cross_validate(&examples, &settings, k, args.seed)?;
            let oof = if args.calibrate {
                out_of_fold_calibrated(&examples, &settings, k, args.seed, k)?
            } else {
                out_of_fold(&examples, &settings, k, args.seed)?
            };
            let probs = oof.probabilities(1.0);
            let truth: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
            let pr = ProbabilityReport::new(&oof.labels, &probs, &truth);
            let ab = threshold.map(|t| Abstention::new(&oof.labels, &probs, &truth, t));
            if args.json {
                let extra = json!({
                    "k": k,
                    "seed": args.seed,
                    "settings": settings_flags(settings.get()),
                    "calibrated": args.calibrate,
                    "accuracy": cv.accuracy(),
                    "macro_f1": cv.macro_f1(),
                    "polarity_accuracy": cv.polarity_accuracy(),
                });
                writeln!(
                    out,
                    "{}",
                    report_json(&cv.pooled, &pr, ab.as_ref(), Some((&cv, extra)))
                )?;
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
