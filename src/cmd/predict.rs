//! `claimscan predict`: one output line per input line, in input order, streamed in chunks
//! that are scored on all cores.

use super::ModelArg;
use anyhow::{bail, Context};
use claimscan::classifier::FeatureWeight;
use claimscan::{Classifier, Prediction, Scratch};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Lines per chunk handed to the worker threads.
const CHUNK_LINES: usize = 32 * 1024;

use super::pipeline::{stream, Chunk};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// label, probability, text (tab-separated)
    Tsv,
    /// one JSON object per line
    Json,
    /// label, probability, text (comma-separated, quoted as needed)
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    /// one sentence per line
    Lines,
    /// split lines into sentences
    Sentences,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "tsv")]
    format: Format,
    /// Show the K most probable labels.
    #[arg(long, default_value_t = 1, value_name = "K")]
    top: usize,
    /// Label a sentence `neutral` when its best probability is below P; `model`: the
    /// model's recommended threshold (see `claimscan info`).
    #[arg(long, value_name = "P")]
    threshold: Option<String>,
    /// Show the N features that pushed most toward the label against the runner-up.
    #[arg(long, value_name = "N")]
    explain: Option<usize>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "T")]
    threads: Option<usize>,
    /// `lines`: one sentence per line; `sentences`: split each line into sentences (each
    /// output carries its line number and byte offset).
    #[arg(long, value_enum, default_value = "lines")]
    split: Split,
    /// Read the input as CSV with a header row (one output per record).
    #[arg(long)]
    csv: bool,
    /// With --csv: the column holding the text.
    #[arg(long, default_value = "text", value_name = "NAME", requires = "csv")]
    text_column: String,
    /// With --csv: a column whose value each output carries as `id`.
    #[arg(long, value_name = "NAME", requires = "csv")]
    id_column: Option<String>,
    /// Input files, one sentence per line (default or `-`: stdin).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.top == 0 {
        bail!("--top must be at least 1");
    }
    if args.csv && matches!(args.split, Split::Sentences) {
        bail!("--split sentences does not go with --csv: each CSV record is classified whole");
    }
    let model = args.model.load()?;
    let threshold = super::resolve_threshold(args.threshold.as_deref(), Some(&model))?;
    let clf = Classifier::from_model(model)
        .with_top(args.top)
        .with_threshold(threshold)
        .with_explain(args.explain.unwrap_or(0));
    let render = Render {
        clf: &clf,
        explain_asked: args.explain.is_some(),
        format: args.format,
        split: args.split,
        ids: args.id_column.is_some(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(super::threads(args.threads))
        .build()
        .context("cannot start worker threads")?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let inputs = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    let mut total = 0u64;
    for path in &inputs {
        let input: Box<dyn Read + Send> = if path.as_os_str() == "-" {
            Box::new(super::stdin()?)
        } else {
            Box::new(std::fs::File::open(path).with_context(|| format!("{}", path.display()))?)
        };
        let stats = if args.csv {
            let cols = (args.text_column.as_str(), args.id_column.as_deref());
            stream_csv(input, path, cols, &render, &pool, &mut out)?
        } else {
            stream(input, &render, pool.current_num_threads(), &mut out, None)
                .with_context(|| format!("{}", path.display()))?
        };
        if stats.truncated > 0 {
            crate::cmd::say!(
                "claimscan: warning: {}: {} lines or CSV fields were longer than {MAX_LINE_BYTES} bytes: only their first {MAX_LINE_BYTES} bytes were classified",
                path.display(),
                stats.truncated
            );
        }
        if stats.invalid_utf8 > 0 {
            crate::cmd::say!(
                "claimscan: warning: {}: {} lines had invalid UTF-8 (bad bytes replaced by U+FFFD)",
                path.display(),
                stats.invalid_utf8
            );
        }
        total += stats.lines;
    }
    out.flush()?;
    Ok(if total == 0 {
        crate::cmd::say!("claimscan: no input lines");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Default)]
pub(super) struct Stats {
    pub lines: u64,
    pub invalid_utf8: u64,
    /// Lines longer than [`MAX_LINE_BYTES`]: only their beginning was classified.
    pub truncated: u64,
}

/// The longest line classified whole (1 MiB); a longer line's first 1 MiB is classified,
/// the rest skipped, with a warning. Memory stays flat whatever the input.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A line longer than this (1 GiB) is an error: the input is not line-oriented text.
pub const MAX_LINE_TOTAL: usize = 1 << 30;

/// Set by the signal handler: the signal that asked claimscan to stop (0: none).
pub static STOP: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);
/// Blocks of lines the predict pipeline has read but not yet written: while there are
/// any, the signal handler leaves the exit to the pipeline, which writes them first.
pub static IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Reads CSV records from `input` in chunks and writes one output per record.
fn stream_csv<W: Write>(
    input: Box<dyn Read + Send>,
    path: &std::path::Path,
    (text_col, id_col): (&str, Option<&str>),
    render: &Render,
    pool: &rayon::ThreadPool,
    out: &mut W,
) -> anyhow::Result<Stats> {
    let (input, quotes) = claimscan::corpus::QuoteTracker::new(input, b',');
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = rdr
        .headers()
        .map_err(|e| claimscan::internals::csv_error(path, e))?
        .clone();
    claimscan::internals::check_header(&headers, path)?;
    let find = |col: &str| claimscan::internals::find_column(&headers, col, path);
    let ti = find(text_col)?;
    let ii = id_col.map(find).transpose()?;
    let mut stats = Stats::default();
    let mut record = csv::ByteRecord::new();
    let mut recs: Vec<(Option<String>, String, u64)> = Vec::new();
    let scratches: Vec<std::sync::Mutex<Scratch>> = (0..pool.current_num_threads())
        .map(|_| std::sync::Mutex::new(Scratch::default()))
        .collect();
    let mut last_line = 0;
    let field = |b: &[u8], bad: &mut u64| match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => {
            *bad += 1;
            String::from_utf8_lossy(b).into_owned()
        }
    };
    loop {
        recs.clear();
        while recs.len() < CHUNK_LINES {
            let more = match rdr.read_byte_record(&mut record) {
                Ok(more) => more,
                Err(e) => {
                    if record.iter().any(|f| f.contains(&b'\n')) {
                        return Err(claimscan::Error::Data {
                            path: path.to_path_buf(),
                            line: e.position().map(|p| p.line()),
                            msg: "a quoted field spans several lines (unbalanced quote?)".into(),
                        }
                        .into());
                    }
                    return Err(claimscan::internals::csv_error(path, e).into());
                }
            };
            if !more {
                stats.truncated += quotes.truncated();
                if last_line > 0 && !quotes.tail_balanced() {
                    return Err(claimscan::Error::Data {
                        path: path.to_path_buf(),
                        line: Some(last_line),
                        msg: "a quoted field runs to the end of the file (unbalanced quote?)"
                            .into(),
                    }
                    .into());
                }
                break;
            }
            let line = record.position().map_or(0, |p| p.line());
            if let Some(p) = record.position() {
                quotes.record_at(p.byte());
            }
            last_line = line;
            let mut bad = 0;
            let id = ii.map(|i| field(&record[i], &mut bad));
            let text = field(&record[ti], &mut bad);
            stats.invalid_utf8 += u64::from(bad > 0);
            recs.push((id, text, line));
        }
        if recs.is_empty() {
            return Ok(stats);
        }
        stats.lines += recs.len() as u64;
        let step = recs.len().div_ceil(pool.current_num_threads() * 4).max(512);
        let parts: Vec<Vec<u8>> = pool.install(|| {
            recs.par_chunks(step)
                .map(|part| {
                    let i = rayon::current_thread_index().unwrap_or(0) % scratches.len();
                    let mut s = scratches[i].lock().unwrap_or_else(|e| e.into_inner());
                    let mut b = Vec::new();
                    render.records(part, &mut s, &mut b);
                    b
                })
                .collect()
        });
        for b in parts {
            out.write_all(&b)?;
        }
    }
}

/// How each line is written.
pub(super) struct Render<'a> {
    clf: &'a Classifier,
    /// `--explain` was given: the explanation column is written.
    explain_asked: bool,
    format: Format,
    split: Split,
    ids: bool,
}

/// Where an output comes from.
pub(super) struct Meta<'a> {
    line: u64,
    offset: Option<usize>,
    id: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<usize>,
    text: &'a str,
    #[serde(flatten)]
    prediction: &'a Prediction,
}

impl<'a> Render<'a> {
    /// Plain TSV output, as `predict` writes by default.
    pub(super) fn tsv(clf: &'a Classifier) -> Self {
        Render {
            clf,
            explain_asked: false,
            format: Format::Tsv,
            split: Split::Lines,
            ids: false,
        }
    }

    /// Renders lines `range` of `chunk` into `out`; returns how many had invalid UTF-8.
    pub(super) fn lines(
        &self,
        chunk: &Chunk,
        range: std::ops::Range<usize>,
        scratch: &mut Scratch,
        out: &mut Vec<u8>,
    ) -> u64 {
        let mut bad = 0;
        for i in range {
            let bytes = chunk.line(i);
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => std::borrow::Cow::Borrowed(t),
                Err(_) => {
                    bad += 1;
                    String::from_utf8_lossy(bytes)
                }
            };
            let line = chunk.first_line + i as u64;
            match self.split {
                Split::Lines => {
                    let meta = Meta {
                        line,
                        offset: None,
                        id: None,
                    };
                    self.line(&text, &meta, scratch, out);
                }
                Split::Sentences => {
                    for (offset, sentence) in claimscan::split::sentences(&text) {
                        let meta = Meta {
                            line,
                            offset: Some(offset),
                            id: None,
                        };
                        self.line(sentence, &meta, scratch, out);
                    }
                }
            }
        }
        bad
    }

    /// Renders CSV records (id, text, line) into `out`.
    fn records(
        &self,
        recs: &[(Option<String>, String, u64)],
        scratch: &mut Scratch,
        out: &mut Vec<u8>,
    ) {
        for (id, text, line) in recs {
            let meta = Meta {
                line: *line,
                offset: None,
                id: id.as_deref(),
            };
            self.line(text, &meta, scratch, out);
        }
    }

    fn line(&self, text: &str, meta: &Meta, s: &mut Scratch, out: &mut Vec<u8>) {
        if self.format == Format::Tsv && self.clf.output_options() == (1, 0) && !self.explain_asked
        {
            // the common case: best label only, written without building a Prediction
            let (label, probability) = self.clf.best_with(text, s);
            if self.ids {
                tsv_field(out, meta.id.unwrap_or(""));
                out.push(b'\t');
            }
            if let Some(offset) = meta.offset {
                let _ = write!(out, "{}\t{offset}\t", meta.line);
            }
            tsv_field(out, label);
            out.push(b'\t');
            push_probability(out, probability);
            out.push(b'\t');
            tsv_field(out, text);
            out.push(b'\n');
            return;
        }
        let p = self.clf.predict_with(text, s);
        match self.format {
            Format::Tsv => {
                let sep = b'\t';
                if self.ids {
                    tsv_field(out, meta.id.unwrap_or(""));
                    out.push(sep);
                }
                if let Some(offset) = meta.offset {
                    let _ = write!(out, "{}\t{offset}\t", meta.line);
                }
                tsv_field(out, &p.label);
                out.push(sep);
                push_probability(out, p.probability);
                for t in &p.top[1..] {
                    out.push(sep);
                    tsv_field(out, &t.label);
                    out.push(sep);
                    push_probability(out, t.probability);
                }
                if !p.explain.is_empty() || self.clf_explains() {
                    out.push(sep);
                    tsv_field(out, &explain_list(&p.explain));
                }
                out.push(sep);
                tsv_field(out, text);
                out.push(b'\n');
            }
            Format::Csv => {
                let mut fields: Vec<String> = Vec::with_capacity(4 + 2 * p.top.len());
                if self.ids {
                    fields.push(meta.id.unwrap_or("").to_string());
                }
                if let Some(offset) = meta.offset {
                    fields.push(meta.line.to_string());
                    fields.push(offset.to_string());
                }
                let prob = |x: f64| {
                    let mut b = Vec::new();
                    push_probability(&mut b, x);
                    String::from_utf8(b).expect("digits")
                };
                fields.push(p.label.clone());
                fields.push(prob(p.probability));
                for t in &p.top[1..] {
                    fields.push(t.label.clone());
                    fields.push(prob(t.probability));
                }
                if !p.explain.is_empty() || self.clf_explains() {
                    fields.push(explain_list(&p.explain));
                }
                fields.push(text.to_string());
                csv_record(out, &fields);
            }
            Format::Json => {
                let j = JsonLine {
                    id: meta.id,
                    line: meta.line,
                    offset: meta.offset,
                    text,
                    prediction: &p,
                };
                serde_json::to_writer(&mut *out, &j).expect("writing JSON to memory");
                out.push(b'\n');
            }
        }
    }

    /// Whether an explanation column is asked for (it is written even when empty).
    fn clf_explains(&self) -> bool {
        self.explain_asked
    }
}

/// Writes a probability with four decimals (`0.9731`), much faster than `{:.4}`.
fn push_probability(out: &mut Vec<u8>, p: f64) {
    let n = (p.clamp(0.0, 1.0) * 10_000.0).round() as u32;
    out.push(b'0' + (n / 10_000) as u8);
    out.push(b'.');
    let frac = n % 10_000;
    for d in [1000, 100, 10, 1] {
        out.push(b'0' + (frac / d % 10) as u8);
    }
}

/// Writes one field: as is for TSV, quoted when needed for CSV.
/// The `--explain` column: `feature=weight` pairs joined by `;` (which no feature name
/// contains: bigrams hold a space, character n-grams `#` and `_`).
fn explain_list(e: &[FeatureWeight]) -> String {
    let list: Vec<String> = e
        .iter()
        .map(|f| format!("{}={:.3}", f.feature, f.weight))
        .collect();
    list.join(";")
}

/// A TSV field: backslash, TAB, CR and LF are written as `\\`, `\t`, `\r` and `\n`, so
/// that every record stays on one line with its columns where they belong.
fn tsv_field(out: &mut Vec<u8>, s: &str) {
    // one pass over the bytes (these four are ASCII, so never inside a UTF-8 sequence)
    if !s
        .bytes()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\r' | b'\n'))
    {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.extend_from_slice(b"\\\\"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\n' => out.extend_from_slice(b"\\n"),
            c => {
                let mut b = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

/// One CSV record, quoted as needed by the csv crate's writer. CR and LF inside a field
/// are written as `\r` and `\n` (and a backslash as `\\`), so that every record stays on
/// one line.
fn csv_record(out: &mut Vec<u8>, fields: &[String]) {
    let escaped: Vec<std::borrow::Cow<str>> = fields
        .iter()
        .map(|f| {
            if f.contains(['\\', '\r', '\n']) {
                std::borrow::Cow::Owned(
                    f.replace('\\', "\\\\")
                        .replace('\r', "\\r")
                        .replace('\n', "\\n"),
                )
            } else {
                std::borrow::Cow::Borrowed(f.as_str())
            }
        })
        .collect();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(256)
        .from_writer(out);
    w.write_record(escaped.iter().map(|f| f.as_bytes()))
        .and_then(|_| w.flush().map_err(csv::Error::from))
        .expect("writing CSV to memory");
}
