//! `claimscan tune`: cross-validated search over the training settings.

use super::{settings_flags, DataArgs};
use claimscan::cv::{tune, Grid, DEFAULT_SEED};
use std::io::Write;
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
    let ranked = tune(&examples, &Grid::default(), args.cv, args.seed)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    writeln!(
        out,
        "{} settings, {}-fold cross-validation (seed {}) on {} rows, {:.1} s",
        ranked.len(),
        args.cv,
        args.seed,
        examples.len(),
        start.elapsed().as_secs_f64()
    )?;
    writeln!(
        out,
        "{:>4}  {:<17} {:<17} {:<17} settings",
        "rank", "macro-F1", "accuracy", "polarity acc."
    )?;
    for (i, c) in ranked.iter().take(args.top).enumerate() {
        writeln!(
            out,
            "{:>4}  {:.4} ± {:.4}   {:.4} ± {:.4}   {:.4} ± {:.4}   {}",
            i + 1,
            c.macro_f1.mean,
            c.macro_f1.std,
            c.accuracy.mean,
            c.accuracy.std,
            c.polarity_accuracy.mean,
            c.polarity_accuracy.std,
            settings_flags(&c.settings)
        )?;
    }
    if let Some(best) = ranked.first() {
        writeln!(out)?;
        writeln!(
            out,
            "best: claimscan train --data {} --out MODEL {}",
            args.data.data.display(),
            settings_flags(&best.settings)
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
