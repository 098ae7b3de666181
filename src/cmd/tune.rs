//! `claimscan tune`: cross-validated, staged search over the training settings, then the
//! calibration of the winner.

use super::{settings_flags, DataArgs};
use claimscan::calibrate::{calibrate, out_of_fold, ProbabilityReport};
use claimscan::cv::{tune, Grid, DEFAULT_SEED};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Number of stratified folds.
    #[arg(long, default_value_t = 5, value_name = "K")]
    cv: usize,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// How many of the ranked settings to print.
    #[arg(long, default_value_t = 25, value_name = "N")]
    top: usize,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let examples = args.data.load()?;
    let grid = Grid::default();
    let tty = std::io::stderr().is_terminal();
    let ranked = tune(
        &examples,
        &grid,
        args.cv,
        args.seed,
        &mut |stage, done, of| {
            if tty {
                crate::cmd::say_part!("\rstage {stage}: group {done} of {of}   ");
                if done == of {
                    crate::cmd::say!();
                }
            }
        },
    )?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let stage1 = ranked.iter().filter(|c| c.stage == 1).count();
    writeln!(
        out,
        "{} settings ({} in stage 1: feature sets x tf/idf/norm x decision rules; {} in stage 2: \
         the {} best of stage 1 refined over stemming, stop words, min-df and alpha), \
         {}-fold cross-validation (seed {}) on {} rows, {:.1} s",
        ranked.len(),
        stage1,
        ranked.len() - stage1,
        grid.refine,
        args.cv,
        args.seed,
        examples.len(),
        start.elapsed().as_secs_f64()
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
    if let Some(best) = ranked.first() {
        // Calibrate the winner: temperature and threshold from out-of-fold predictions,
        // and what they do to the out-of-fold probabilities.
        let settings = best.settings.clone().check()?;
        let cal = calibrate(&examples, &settings, args.cv, args.seed)?;
        let oof = out_of_fold(&examples, &settings, args.cv, args.seed)?;
        let truth: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
        let raw = ProbabilityReport::new(&oof.labels, &oof.probabilities(1.0), &truth);
        let cooked =
            ProbabilityReport::new(&oof.labels, &oof.probabilities(cal.temperature), &truth);
        let (_, f1) = claimscan::calibrate::best_threshold(
            &oof.labels,
            &oof.probabilities(cal.temperature),
            &oof.truth,
        );
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
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
