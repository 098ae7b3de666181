//! `claimscan report`: per-document summary of risk and reward claims, as text, JSON, CSV
//! or HTML.

use super::{input, Format, ModelArg, OutputArgs};
use claimscan::report::DocReport;
use claimscan::report_html::{to_html, HtmlOptions};
use claimscan::split::Mode;
use claimscan::Classifier;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// How `report` cuts documents into sentences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    /// join lines into paragraphs (up to a blank line, list item or heading), rejoin words
    /// hyphenated at line ends, then split sentences: for hard-wrapped text
    Paragraphs,
    /// split each line into sentences (a sentence never spans lines)
    Sentences,
    /// each line is one sentence
    Lines,
}

impl From<Split> for Mode {
    fn from(s: Split) -> Mode {
        match s {
            Split::Paragraphs => Mode::Paragraphs,
            Split::Sentences => Mode::Sentences,
            Split::Lines => Mode::Lines,
        }
    }
}

pub const AFTER: &str = "\
Examples:
  claimscan report article.txt                    summary of one document
  claimscan report -f json --glob '*.text' docs/  one JSON line per document of a folder
  pdftotext paper.pdf - | claimscan report --html paper.html
                                                  a PDF turned into text, and an HTML page

Headings (short lines without a full stop, Markdown # lines) are left out of the
sentences, and list markers (\u{2022}, -, 1.) out of the sentence text.

Exit codes: 0 report written, 1 no sentences in the input, 2 usage or input error.";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArg,
    /// Label a sentence `neutral` when its best probability is below P. Default: the
    /// model's recommended threshold (`model`), if it has one; `none`: no threshold.
    #[arg(
        short = 't',
        long,
        value_name = "P|model|none",
        default_value = "model",
        help_heading = "Model"
    )]
    threshold: String,
    #[command(flatten)]
    output: OutputArgs,
    /// Also write one self-contained HTML page with every sentence highlighted.
    #[arg(long, value_name = "OUT.html", help_heading = "Output")]
    html: Option<PathBuf>,
    /// How documents are cut into sentences.
    #[arg(long, value_enum, default_value = "paragraphs", help_heading = "Input")]
    split: Split,
    /// In folders, read the files whose name matches this pattern (`*` and `?`) instead of
    /// `*.txt` and `*.md`.
    #[arg(long, value_name = "PATTERN", help_heading = "Input")]
    glob: Option<String>,
    /// Documents: plain-text files, or folders (walked in sorted order); default or `-`:
    /// stdin.
    #[arg(value_name = "FILE|DIR")]
    files: Vec<PathBuf>,
}

/// Inputs larger than this (in all) get a progress bar on a terminal.
const LARGE_INPUT: u64 = 4 << 20;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = args.model.load()?;
    let threshold = match args.threshold.as_str() {
        "none" => None,
        "model" => model.calibration.as_ref().map(|c| c.threshold),
        p => super::resolve_threshold(Some(p), Some(&model))?,
    };
    let format = args.output.format();
    let identity = args.model.identity(&model);
    let clf = Classifier::from_model(model).with_threshold(threshold);
    let given = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    let inputs = input::expand(&given, args.glob.as_deref())?;
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
    let total: u64 = inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = if total > LARGE_INPUT || inputs.len() > 20 {
        super::progress(inputs.len() as u64, "documents")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mode = Mode::from(args.split);
    let mut docs = Vec::new();
    // said once per run, for the first document that looks hard-wrapped
    let mut wrap_noted = false;
    for path in &inputs {
        let (text, bad) = input::read_text(path)?;
        let name = input::name(path);
        if bad > 0 {
            bar.suspend(|| {
                super::say!(
                    "claimscan: warning: {name}: {bad} lines had invalid UTF-8 (bad bytes replaced by U+FFFD)"
                )
            });
        }
        if mode == Mode::Sentences && !wrap_noted {
            if let Some((breaks, lines)) = claimscan::split::hard_wrapped(&text) {
                wrap_noted = true;
                bar.suspend(|| {
                    super::note!(
                        "claimscan: note: {name} looks hard-wrapped ({breaks} of {lines} lines end in the middle of a sentence): --split paragraphs joins them"
                    )
                });
            }
        }
        docs.push(DocReport::build(
            &name,
            &text,
            clf.scorer(),
            threshold,
            mode,
        ));
        bar.inc(1);
    }
    bar.finish_and_clear();
    if docs.iter().all(|d| d.claims.is_empty()) {
        super::say!("claimscan: no sentences in the input");
        return Ok(ExitCode::from(1));
    }
    match threshold {
        Some(t) if args.threshold == "model" => super::note!(
            "claimscan: threshold {t:.2} (the model's recommended one): sentences less sure than that count as neutral; --threshold none to turn it off"
        ),
        Some(t) => super::note!("claimscan: threshold {t:.2}"),
        None => {}
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        Format::Text => {
            for d in &docs {
                writeln!(out, "{}", d.to_text())?;
            }
        }
        Format::Json => {
            for d in &docs {
                let j = super::stamped(d.to_json(), Some(identity.clone()));
                serde_json::to_writer(&mut out, &j)?;
                writeln!(out)?;
            }
        }
        Format::Csv => DocReport::write_csv(&docs, !args.output.no_header, &mut out)?,
    }
    out.flush()?;
    if let Some(html) = &args.html {
        let card = claimscan::card::ModelCard::of_loaded(args.model.model.as_deref(), clf.model())?;
        let opts = HtmlOptions {
            card: Some(&card),
            threshold,
            threshold_is_models: args.threshold == "model",
        };
        claimscan::persist::write_atomic(html, to_html(&docs, &opts).as_bytes())?;
        super::note!("wrote {}", html.display());
    }
    Ok(ExitCode::SUCCESS)
}
