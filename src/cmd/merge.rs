//! `claimscan merge`: combine models trained on disjoint shards (the reduce step).

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the merged model.
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    /// Models trained with the same settings on disjoint shards.
    #[arg(value_name = "MODEL", required = true)]
    models: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let models = args
        .models
        .iter()
        .map(|p| claimscan::persist::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, a) in models.iter().enumerate() {
        for (j, b) in models.iter().enumerate().skip(i + 1) {
            if a == b || claimscan::persist::same_file(&args.models[i], &args.models[j]) {
                super::say!(
                    "claimscan: warning: {} and {} are the same model: its counts are added twice",
                    args.models[i].display(),
                    args.models[j].display()
                );
            }
        }
    }
    let merged = claimscan::model::merge(&models).context("cannot merge")?;
    claimscan::persist::save(&merged, &args.out)?;
    crate::cmd::say!(
        "merged {} models: {} rows, {} classes, {} features; wrote {}",
        models.len(),
        merged.training_rows(),
        merged.labels.len(),
        merged.vocab.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
