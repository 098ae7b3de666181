//! `claimscan train`: fit a model on a labelled CSV and write it atomically.

use super::{canonical_target, DataArgs, TrainOpts};
use anyhow::bail;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Where to write the model.
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    /// Add the rows to this existing model instead of starting afresh (its settings are
    /// used; the training options below are ignored). --out may name the same file.
    #[arg(long, value_name = "MODEL")]
    update: Option<PathBuf>,
    #[command(flatten)]
    opts: TrainOpts,
    /// Fit a temperature (and a recommended threshold) on out-of-fold predictions from K
    /// stratified folds inside the training data, and store them in the model.
    #[arg(long)]
    calibrate: bool,
    /// Folds for --calibrate.
    #[arg(long, default_value_t = 5, value_name = "K")]
    calibrate_folds: usize,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let settings = args.opts.settings()?;
    if let (Ok(data), Ok(out)) = (args.data.data.canonicalize(), canonical_target(&args.out)) {
        if data == out {
            bail!(
                "{}: refusing to write the model over the input CSV",
                args.out.display()
            );
        }
    }
    let examples = args.data.load()?;
    for (a, b) in claimscan::corpus::case_variants(&examples) {
        crate::cmd::say!(
            "claimscan: warning: {}: labels {a:?} and {b:?} differ only in letter case; they are trained as two labels",
            args.data.data.display()
        );
    }
    let mut model = match &args.update {
        Some(base) => claimscan::model::update(&claimscan::persist::load(base)?, &examples)?,
        None => claimscan::model::train(&examples, &settings)?,
    };
    if args.calibrate {
        if args.update.is_some() {
            bail!("--calibrate needs the whole corpus: it does not go with --update");
        }
        model.calibration = Some(claimscan::calibrate::calibrate(
            &examples,
            &settings,
            args.calibrate_folds,
            claimscan::cv::DEFAULT_SEED,
        )?);
    }
    claimscan::persist::save(&model, &args.out)?;
    crate::cmd::say!(
        "trained on {} rows from {}: {} classes, {} features, {:.3} s",
        examples.len(),
        args.data.data.display(),
        model.labels.len(),
        model.vocab.len(),
        start.elapsed().as_secs_f64()
    );
    for (label, n) in model.labels.iter().zip(&model.class_count) {
        crate::cmd::say!("  {n:>6}  {label}");
    }
    if let Some(c) = &model.calibration {
        crate::cmd::say!(
            "calibrated on {}-fold out-of-fold predictions: temperature {:.4}, recommended threshold {:.2}",
            c.folds, c.temperature, c.threshold
        );
    }
    crate::cmd::say!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
