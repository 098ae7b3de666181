//! `claimscan merge`: combine models trained on disjoint shards (the reduce step).

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

pub const AFTER: &str = "\
Examples:
  claimscan merge -o all.model shard1.model shard2.model
  claimscan merge -o all.model shards/*.model
  ls shards/*.model | xargs claimscan merge -q -o all.model

Exit codes: 0 model written, 2 usage or input error (models of different settings, a
damaged model; the output file is then untouched).";

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the merged model.
    #[arg(short = 'o', long, value_name = "MODEL", help_heading = "Output")]
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
    super::note!(
        "merged {} models: {} rows, {} classes, {} features; wrote {}",
        models.len(),
        merged.training_rows(),
        merged.labels.len(),
        merged.vocab.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
