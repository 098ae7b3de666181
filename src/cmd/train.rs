//! `claimscan train`: fit a model on a labelled CSV and write it atomically.

use super::{canonical_target, DataArgs, TrainOpts};
use anyhow::bail;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

pub const AFTER: &str = "\
Examples:
  claimscan train --data corpus/claims.csv -o my.model --calibrate
  claimscan train --data labelled.tsv -d tab --text-column sentence -o my.model
  cat more.csv | claimscan train --data - --update my.model -o my.model

Exit codes: 0 model written, 2 usage or input error (the output file is then untouched).";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Where to write the model.
    #[arg(short = 'o', long, value_name = "MODEL", help_heading = "Output")]
    out: PathBuf,
    /// Add the rows to this existing model instead of starting afresh (its settings are
    /// used; the training options below are ignored). --out may name the same file.
    #[arg(long, value_name = "MODEL", help_heading = "Model")]
    update: Option<PathBuf>,
    #[command(flatten)]
    opts: TrainOpts,
    /// Fit a temperature (and a recommended threshold) on out-of-fold predictions from K
    /// stratified folds inside the training data, and store them in the model.
    #[arg(long, help_heading = "Training")]
    calibrate: bool,
    /// Folds for --calibrate.
    #[arg(long, default_value_t = 5, value_name = "K", help_heading = "Training")]
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
    let bar = super::progress(0, "reading the training data");
    let examples = args.data.load()?;
    bar.set_message(format!("fitting on {} rows", examples.len()));
    for (a, b) in claimscan::corpus::case_variants(&examples) {
        bar.suspend(|| {
            super::say!(
                "claimscan: warning: {}: labels {a:?} and {b:?} differ only in letter case; they are trained as two labels",
                super::input::name(&args.data.data)
            )
        });
    }
    let mut model = match &args.update {
        Some(base) => claimscan::model::update(&claimscan::persist::load(base)?, &examples)?,
        None => claimscan::model::train(&examples, &settings)?,
    };
    if args.calibrate {
        bar.set_message(format!(
            "calibrating on {}-fold out-of-fold predictions",
            args.calibrate_folds
        ));
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
    bar.finish_and_clear();
    let data = super::input::name(&args.data.data);
    super::note!(
        "trained on {} rows from {}: {} classes, {} features, {:.3} s",
        examples.len(),
        data,
        model.labels.len(),
        model.vocab.len(),
        start.elapsed().as_secs_f64()
    );
    for (label, n) in model.labels.iter().zip(&model.class_count) {
        super::note!("  {n:>6}  {label}");
    }
    if let Some(c) = &model.calibration {
        super::note!(
            "calibrated on {}-fold out-of-fold predictions: temperature {:.4}, recommended threshold {:.2}",
            c.folds, c.temperature, c.threshold
        );
    }
    super::note!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
