//! `claimscan tune`: cross-validated, staged search over the training settings, then the
//! calibration of the winner.

use super::{settings_flags, DataArgs, Format, OutputArgs};
use anyhow::bail;
use claimscan::calibrate::{calibrate, out_of_fold, ProbabilityReport};
use claimscan::cv::{tune, Grid, TuneProgress, DEFAULT_SEED};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

pub const AFTER: &str = "\
Examples:
  claimscan tune --data corpus/claims.csv                     rank the settings (takes minutes)
  claimscan tune --data corpus/claims.csv -o best.model       also train and save the winner
  claimscan tune --data labelled.tsv -d tab -f csv > ranks.csv

Exit codes: 0 done, 2 usage or input error.";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Number of stratified folds.
    #[arg(long, default_value_t = 5, value_name = "K", help_heading = "Training")]
    cv: usize,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = DEFAULT_SEED, help_heading = "Training")]
    seed: u64,
    /// How many of the ranked settings to print.
    #[arg(
        short = 'k',
        long,
        default_value_t = 25,
        value_name = "N",
        help_heading = "Output"
    )]
    top: usize,
    /// Train the winner on all the data, calibrated, and write it here.
    #[arg(short = 'o', long, value_name = "MODEL", help_heading = "Output")]
    out: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    if let Some(out) = &args.out {
        if let (Ok(data), Ok(out)) = (args.data.data.canonicalize(), super::canonical_target(out)) {
            if data == out {
                bail!(
                    "{}: refusing to write the model over the input CSV",
                    out.display()
                );
            }
        }
    }
    let examples = args.data.load()?;
    let grid = Grid::default();
    let bar = super::progress(1, "tune");
    let ranked = tune(
        &examples,
        &grid,
        args.cv,
        args.seed,
        &mut |p: &TuneProgress| {
            bar.set_length(p.of as u64);
            bar.set_position(p.done as u64);
            // the bar counts the groups of settings of the stage
            bar.set_message(format!(
                "stage {}, {} settings tried, best macro-F1 {}",
                p.stage,
                p.tried,
                p.best_macro_f1
                    .map_or("-".to_string(), |f| format!("{f:.4}"))
            ));
            if p.done == 0 {
                bar.reset_eta();
            }
        },
    )?;
    bar.set_message("calibrating the best settings");
    let stage1 = ranked.iter().filter(|c| c.stage == 1).count();
    let stage2 = ranked.iter().filter(|c| c.stage == 2).count();
    let stage3 = ranked.iter().filter(|c| c.stage == 3).count();
    let stage4 = ranked.iter().filter(|c| c.stage == 4).count();
    let mut calibration = None;
    if let Some(best) = ranked.first() {
        // Calibrate the winner: temperature and threshold from out-of-fold predictions,
        // and what they do to the out-of-fold probabilities.
        let settings = best.settings.clone().check()?;
        let cal = calibrate(&examples, &settings, args.cv, args.seed)?;
        let oof = out_of_fold(&examples, &settings, args.cv, args.seed)?;
        let truth: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
        let raw = ProbabilityReport::new(&oof.labels, &oof.probabilities(1.0), &truth);
        let calibrated = oof.calibrated(&cal);
        let cooked = ProbabilityReport::new(&oof.labels, &calibrated, &truth);
        let (_, f1) = claimscan::calibrate::best_threshold(&oof.labels, &calibrated, &oof.truth);
        if let Some(path) = &args.out {
            bar.set_message("training the best settings");
            let mut model = claimscan::model::train(&examples, &settings)?;
            model.calibration = Some(cal.clone());
            claimscan::persist::save(&model, path)?;
        }
        calibration = Some((cal, raw, cooked, f1));
    }
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.output.format() {
        Format::Text => {
            writeln!(
                out,
                "{} settings ({} in stage 1: feature sets x tf/idf/norm x decision rules; {} in stage 2: \
                 the {} best of stage 1 refined over stemming, stop words, min-df and alpha; {} in \
                 stage 3: the {} best with words and character n-grams, the n-grams as a second \
                 expert weighted {}; {} in stage 4: the {} best with the neutral rows that name \
                 no AI term as a class of their own), {}-fold cross-validation (seed {}) on {} rows, \
                 {:.1} s",
                ranked.len(),
                stage1,
                stage2,
                grid.refine,
                stage3,
                grid.refine,
                grid.char_weights
                    .iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join("/"),
                stage4,
                grid.refine,
                args.cv,
                args.seed,
                examples.len(),
                secs
            )?;
            writeln!(
                out,
                "{:>4}  {:<17} {:<17} {:<17} stage  settings",
                "rank", "macro-F1", "accuracy", "polarity acc."
            )?;
            for (i, c) in ranked.iter().take(args.top).enumerate() {
                writeln!(
                    out,
                    "{:>4}  {:.4} ± {:.4}   {:.4} ± {:.4}   {:.4} ± {:.4}   {:>5}  {}",
                    i + 1,
                    c.macro_f1.mean,
                    c.macro_f1.std,
                    c.accuracy.mean,
                    c.accuracy.std,
                    c.polarity_accuracy.mean,
                    c.polarity_accuracy.std,
                    c.stage,
                    settings_flags(&c.settings)
                )?;
            }
            if let (Some(best), Some((cal, raw, cooked, f1))) = (ranked.first(), &calibration) {
                writeln!(out)?;
                writeln!(
                    out,
                    "calibration of the best (out-of-fold): temperature {:.4}; ECE {:.4} -> {:.4}, \
                     log-loss {:.4} -> {:.4}; threshold maximising macro-F1: {:.2} (macro-F1 {:.4})",
                    cal.temperature, raw.ece, cooked.ece, raw.log_loss, cooked.log_loss, cal.threshold, f1
                )?;
                writeln!(
                    out,
                    "best: claimscan train --data {} --out MODEL {} --calibrate",
                    args.data.data.display(),
                    settings_flags(&best.settings)
                )?;
            }
        }
        Format::Json => {
            let rows: Vec<serde_json::Value> = ranked
                .iter()
                .take(args.top)
                .enumerate()
                .map(|(i, c)| {
                    json!({
                        "rank": i + 1,
                        "stage": c.stage,
                        "settings": settings_flags(&c.settings),
                        "macro_f1": {"mean": c.macro_f1.mean, "std": c.macro_f1.std},
                        "accuracy": {"mean": c.accuracy.mean, "std": c.accuracy.std},
                        "polarity_accuracy": {"mean": c.polarity_accuracy.mean, "std": c.polarity_accuracy.std},
                    })
                })
                .collect();
            let best =
                calibration
                    .as_ref()
                    .zip(ranked.first())
                    .map(|((cal, raw, cooked, f1), b)| {
                        json!({
                            "settings": settings_flags(&b.settings),
                            "temperature": cal.temperature,
                            "threshold": cal.threshold,
                            "macro_f1_at_threshold": f1,
                            "ece": {"raw": raw.ece, "calibrated": cooked.ece},
                            "log_loss": {"raw": raw.log_loss, "calibrated": cooked.log_loss},
                            "out": args.out.as_ref().map(|p| p.display().to_string()),
                        })
                    });
            let doc = json!({
                "data": super::input::name(&args.data.data),
                "rows": examples.len(),
                "k": args.cv,
                "seed": args.seed,
                "settings_tried": ranked.len(),
                "seconds": (secs * 10.0).round() / 10.0,
                "ranked": rows,
                "best": best,
            });
            // the model of a tune run is the one it trained, if any
            let identity = match &args.out {
                Some(p) => Some(super::model_identity(
                    Some(p),
                    &claimscan::persist::load(p)?,
                )),
                None => None,
            };
            serde_json::to_writer(&mut out, &super::stamped(doc, identity))?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = super::csv_writer(&mut out);
            if !args.output.no_header {
                w.write_record([
                    "rank",
                    "stage",
                    "macro_f1",
                    "macro_f1_std",
                    "accuracy",
                    "accuracy_std",
                    "polarity_accuracy",
                    "polarity_accuracy_std",
                    "settings",
                ])?;
            }
            for (i, c) in ranked.iter().take(args.top).enumerate() {
                w.write_record([
                    (i + 1).to_string(),
                    c.stage.to_string(),
                    format!("{:.4}", c.macro_f1.mean),
                    format!("{:.4}", c.macro_f1.std),
                    format!("{:.4}", c.accuracy.mean),
                    format!("{:.4}", c.accuracy.std),
                    format!("{:.4}", c.polarity_accuracy.mean),
                    format!("{:.4}", c.polarity_accuracy.std),
                    settings_flags(&c.settings),
                ])?;
            }
            w.flush()?;
        }
    }
    out.flush()?;
    if let Some(p) = &args.out {
        super::note!("wrote {} (the best settings, calibrated)", p.display());
    }
    Ok(ExitCode::SUCCESS)
}
