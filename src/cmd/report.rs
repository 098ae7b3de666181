//! `claimscan report`: per-document summary of risk and reward claims, as text or HTML.

use super::ModelArg;
use anyhow::Context;
use claimscan::report_html::{to_html, HtmlOptions};
use claimscan::Classifier;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArg,
    /// Label a sentence `neutral` when its best probability is below P. Default: the
    /// model's recommended threshold (`model`), if it has one; `none`: no threshold.
    #[arg(long, value_name = "P|model|none", default_value = "model")]
    threshold: String,
    /// Also write one self-contained HTML page with every sentence highlighted.
    #[arg(long, value_name = "OUT.html")]
    html: Option<PathBuf>,
    /// Documents (plain text; default or `-`: stdin).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = args.model.load()?;
    let threshold = match args.threshold.as_str() {
        "none" => None,
        "model" => model.calibration.as_ref().map(|c| c.threshold),
        p => super::resolve_threshold(Some(p), Some(&model))?,
    };
    match threshold {
        Some(t) if args.threshold == "model" => crate::cmd::say!(
            "claimscan: threshold {t:.2} (the model's recommended one): sentences less sure than that count as neutral; --threshold none to turn it off"
        ),
        Some(t) => crate::cmd::say!("claimscan: threshold {t:.2}"),
        None => {}
    }
    let clf = Classifier::from_model(model.clone()).with_threshold(threshold);
    let inputs = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    if let Some(html) = &args.html {
        if let Some(input) = inputs
            .iter()
            .find(|i| claimscan::persist::same_file(html, i))
        {
            anyhow::bail!(
                "{}: refusing to write the report over its input {}",
                html.display(),
                input.display()
            );
        }
    }
    let mut docs = Vec::new();
    for path in &inputs {
        let mut bytes = Vec::new();
        if path.as_os_str() == "-" {
            super::stdin()?.read_to_end(&mut bytes).context("stdin")?;
        } else {
            bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
        }
        let text = String::from_utf8_lossy(&bytes);
        if let std::borrow::Cow::Owned(_) = text {
            let bad = bytes
                .split(|&b| b == b'\n')
                .filter(|l| std::str::from_utf8(l).is_err())
                .count();
            super::say!(
                "claimscan: warning: {}: {bad} lines had invalid UTF-8 (bad bytes replaced by U+FFFD)",
                path.display()
            );
        }
        let name = if path.as_os_str() == "-" {
            "stdin".to_string()
        } else {
            path.display().to_string()
        };
        docs.push(clf.report(&name, &text));
    }
    if docs.iter().all(|d| d.claims.is_empty()) {
        crate::cmd::say!("claimscan: no sentences in the input");
        return Ok(ExitCode::from(1));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for d in &docs {
        writeln!(out, "{}", d.to_text())?;
    }
    out.flush()?;
    if let Some(html) = &args.html {
        let card = claimscan::card::ModelCard::of_loaded(args.model.model.as_deref(), &model)?;
        let opts = HtmlOptions {
            card: Some(&card),
            threshold,
            threshold_is_models: args.threshold == "model",
        };
        claimscan::persist::write_atomic(html, to_html(&docs, &opts).as_bytes())?;
        crate::cmd::say!("wrote {}", html.display());
    }
    Ok(ExitCode::SUCCESS)
}
