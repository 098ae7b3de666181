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
    let model = match &args.update {
        Some(base) => claimscan::model::update(&claimscan::persist::load(base)?, &examples)?,
        None => claimscan::model::train(&examples, &settings)?,
    };
    claimscan::persist::save(&model, &args.out)?;
    eprintln!(
        "trained on {} rows from {}: {} classes, {} features, {:.3} s",
        examples.len(),
        args.data.data.display(),
        model.labels.len(),
        model.vocab.len(),
        start.elapsed().as_secs_f64()
    );
    for (label, n) in model.labels.iter().zip(&model.class_count) {
        eprintln!("  {n:>6}  {label}");
    }
    eprintln!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
