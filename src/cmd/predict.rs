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
    /// label, probability, text (comma-separated, quoted as needed, after a header row)
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    /// one sentence per line
    Lines,
    /// split lines into sentences
    Sentences,
    /// join lines into paragraphs (up to a blank line, list item or heading), rejoin
    /// words hyphenated at line ends, then split sentences: for hard-wrapped text
    Paragraphs,
}

pub const AFTER: &str = "\
Examples:
  claimscan predict notes.txt                          one label per line of notes.txt
  claimscan predict --split paragraphs -f json paper.txt
                                                       a hard-wrapped document, sentence by sentence
  claimscan predict --csv -d ';' --text-column 2 --keep-columns id -f csv data.csv > out.csv

Output (TSV, CSV): [path] [id] [kept columns] [line offset] label probability
[label probability ...] [explanation] text; CSV has a header row. JSON: one object per
line, with the claimscan version and the model's CRC-32 (`claimscan info -f json` gives
its settings).

Exit codes: 0 done, 1 no input lines, 2 usage or input error, 128+N stopped by signal N.";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArg,
    /// Output format.
    #[arg(
        short = 'f',
        long,
        value_enum,
        default_value = "tsv",
        help_heading = "Output"
    )]
    format: Format,
    /// With --format csv: no header row.
    #[arg(long, help_heading = "Output")]
    no_header: bool,
    /// Start each output with the input's file name (`path` in JSON); the default with
    /// more than one input.
    #[arg(
        short = 'H',
        long,
        overrides_with = "no_filename",
        help_heading = "Output"
    )]
    with_filename: bool,
    /// Never write the file name.
    #[arg(long, overrides_with = "with_filename", help_heading = "Output")]
    no_filename: bool,
    /// Show the K most probable labels.
    #[arg(
        short = 'k',
        long,
        default_value_t = 1,
        value_name = "K",
        help_heading = "Output"
    )]
    top: usize,
    /// Label a sentence `neutral` when its best probability is below P; `model`: the
    /// model's recommended threshold (see `claimscan info`).
    #[arg(short = 't', long, value_name = "P", help_heading = "Model")]
    threshold: Option<String>,
    /// Show the N features that pushed most toward the label against the runner-up.
    #[arg(long, value_name = "N", help_heading = "Output")]
    explain: Option<usize>,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "T")]
    threads: Option<usize>,
    /// `lines`: one sentence per line; `sentences`: split each line into sentences;
    /// `paragraphs`: join wrapped lines first, reading each input whole (each output of
    /// these two carries the line number and byte offset where its sentence starts).
    #[arg(long, value_enum, default_value = "lines", help_heading = "Input")]
    split: Split,
    /// Read the input as CSV with a header row (one output per record).
    #[arg(long, help_heading = "Input")]
    csv: bool,
    /// With --csv: field delimiter, one character, or `tab`.
    #[arg(
        short = 'd',
        long,
        default_value = ",",
        value_name = "CHAR",
        requires = "csv",
        help_heading = "Input"
    )]
    delimiter: String,
    /// With --csv: the column holding the text, by name or 1-based number.
    #[arg(
        long,
        default_value = "text",
        value_name = "NAME|N",
        requires = "csv",
        help_heading = "Input"
    )]
    text_column: String,
    /// With --csv: a column whose value each output carries as `id`, by name or number.
    #[arg(long, value_name = "NAME|N", requires = "csv", help_heading = "Input")]
    id_column: Option<String>,
    /// With --csv: input columns (names or numbers, comma-separated) carried into each
    /// output, after the id (in JSON: `columns`).
    #[arg(
        long,
        value_name = "COLS",
        value_delimiter = ',',
        requires = "csv",
        help_heading = "Input"
    )]
    keep_columns: Vec<String>,
    /// Input files, one sentence per line (default or `-`: stdin).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.top == 0 {
        bail!("--top must be at least 1");
    }
    if args.csv && !matches!(args.split, Split::Lines) {
        bail!(
            "--split {} does not go with --csv: each CSV record is classified whole",
            if args.split == Split::Sentences {
                "sentences"
            } else {
                "paragraphs"
            }
        );
    }
    let delimiter = claimscan::corpus::parse_delimiter(&args.delimiter)?;
    let model = args.model.load()?;
    let crc = args.model.identity(&model)["crc32"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let threshold = super::resolve_threshold(args.threshold.as_deref(), Some(&model))?;
    let clf = Classifier::from_model(model)
        .with_top(args.top)
        .with_threshold(threshold)
        .with_explain(args.explain.unwrap_or(0));
    let inputs = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    let with_filename = !args.no_filename && (args.with_filename || inputs.len() > 1);
    let mut render = Render {
        clf: &clf,
        explain_asked: args.explain.is_some(),
        format: args.format,
        split: args.split,
        ids: args.id_column.is_some(),
        path: None,
        kept: Vec::new(),
        model_crc: crc,
        top: args.top,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(super::threads(args.threads))
        .build()
        .context("cannot start worker threads")?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut total = 0u64;
    let mut header_done = args.no_header || args.format != Format::Csv;
    let mut wrap_noted = false;
    for path in &inputs {
        let name = super::input::name(path);
        let super::input::Input {
            reader: input,
            head,
        } = super::input::open(path)?;
        if with_filename {
            render.path = Some(name.clone());
        }
        let stats = if args.csv {
            let cols = CsvCols {
                delimiter,
                text: &args.text_column,
                id: args.id_column.as_deref(),
                keep: &args.keep_columns,
            };
            stream_csv(
                input,
                path,
                &cols,
                &mut render,
                &mut header_done,
                &pool,
                &mut out,
            )?
        } else {
            if !header_done {
                out.write_all(&render.csv_header())?;
                header_done = true;
            }
            if let Some(h) = looks_like_csv_header(&head) {
                super::say!(
                    "claimscan: warning: {name}: line 1 looks like a CSV header ({h}): each line is classified whole, this one too; --csv reads the input as CSV (-d for another delimiter)"
                );
            }
            if args.split == Split::Sentences && !wrap_noted {
                if let Some((breaks, lines)) =
                    claimscan::split::hard_wrapped(&String::from_utf8_lossy(&head))
                {
                    wrap_noted = true;
                    super::note!(
                        "claimscan: note: {name} looks hard-wrapped ({breaks} of {lines} lines end in the middle of a sentence): --split paragraphs joins them"
                    );
                }
            }
            if args.split == Split::Paragraphs {
                paragraphs(input, &name, &render, &mut out)?
            } else {
                stream(input, &render, pool.current_num_threads(), &mut out, None)
                    .with_context(|| name.clone())?
            }
        };
        if stats.truncated > 0 {
            crate::cmd::say!(
                "claimscan: warning: {name}: {} lines or CSV fields were longer than {MAX_LINE_BYTES} bytes: only their first {MAX_LINE_BYTES} bytes were classified",
                stats.truncated
            );
        }
        if stats.invalid_utf8 > 0 {
            crate::cmd::say!(
                "claimscan: warning: {name}: {} lines had invalid UTF-8 (bad bytes replaced by U+FFFD)",
                stats.invalid_utf8
            );
        }
        total += stats.lines;
    }
    out.flush()?;
    // the process ends now: freeing the scoring tables (some 150,000 allocations) would
    // only delay the exit
    drop(render);
    std::mem::forget(clf);
    Ok(if total == 0 {
        crate::cmd::say!("claimscan: no input lines");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// If the first line of `head` looks like the header row of a CSV (or TSV) file: two or
/// more short, name-like fields, and a second line with as many fields. Returns the line.
fn looks_like_csv_header(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let first = lines.next()?.trim_end();
    let second = lines.next()?;
    let delim = [',', '\t', ';'].into_iter().find(|&d| first.contains(d))?;
    let fields: Vec<&str> = first.split(delim).collect();
    let name_like = |f: &str| {
        let f = f.trim().trim_matches('"');
        !f.is_empty()
            && f.len() <= 32
            && f.split_whitespace().count() <= 2
            && f.chars()
                .all(|c| c.is_alphanumeric() || " _-.#".contains(c))
    };
    (fields.len() >= 2
        && fields.iter().all(|f| name_like(f))
        && second.matches(delim).count() + 1 >= fields.len())
    .then(|| first.chars().take(80).collect())
}

/// `--split paragraphs`: the whole input is read, cut into paragraphs and sentences (see
/// [`claimscan::split::blocks`]), and each sentence written with the line and byte offset
/// where it starts. Headings are classified too (nothing is left out).
fn paragraphs<W: Write>(
    mut input: Box<dyn Read + Send>,
    name: &str,
    render: &Render,
    out: &mut W,
) -> anyhow::Result<Stats> {
    use claimscan::split::{blocks, sentences, Mode};
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .with_context(|| name.to_string())?;
    let mut stats = Stats::default();
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bytes = e.into_bytes();
            stats.invalid_utf8 = bytes
                .split(|&b| b == b'\n')
                .filter(|l| std::str::from_utf8(l).is_err())
                .count() as u64;
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    stats.lines = text.lines().count() as u64;
    let mut scratch = Scratch::default();
    let mut buf = Vec::new();
    for block in blocks(&text, Mode::Paragraphs) {
        for (offset, sentence) in sentences(&block.text) {
            let (line, col) = block.source(offset);
            let meta = Meta {
                line: line as u64 + 1,
                offset: Some(col),
                id: None,
                kept: &[],
            };
            render.line(sentence, &meta, &mut scratch, &mut buf);
        }
        out.write_all(&buf)?;
        buf.clear();
    }
    Ok(stats)
}

/// Where the columns of a `--csv` input are.
struct CsvCols<'a> {
    delimiter: u8,
    text: &'a str,
    id: Option<&'a str>,
    keep: &'a [String],
}

/// The column `col` of `headers`: by name, or else as a 1-based number.
fn find_column(
    headers: &csv::StringRecord,
    col: &str,
    path: &std::path::Path,
) -> anyhow::Result<usize> {
    match claimscan::internals::find_column(headers, col, path) {
        Ok(i) => Ok(i),
        Err(e) => match col.trim().parse::<usize>() {
            Ok(n) if (1..=headers.len()).contains(&n) => Ok(n - 1),
            Ok(n) => Err(claimscan::Error::Data {
                path: path.to_path_buf(),
                line: Some(1),
                msg: format!("no column {n}: the header has {} columns", headers.len()),
            }
            .into()),
            Err(_) => Err(e.into()),
        },
    }
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

/// One CSV input record.
struct Record {
    id: Option<String>,
    text: String,
    line: u64,
    /// The values of `--keep-columns`.
    kept: Vec<String>,
}

/// Reads CSV records from `input` in chunks and writes one output per record.
fn stream_csv<W: Write>(
    input: Box<dyn Read + Send>,
    path: &std::path::Path,
    cols: &CsvCols,
    render: &mut Render,
    header_done: &mut bool,
    pool: &rayon::ThreadPool,
    out: &mut W,
) -> anyhow::Result<Stats> {
    let (input, quotes) = claimscan::corpus::QuoteTracker::new(input, cols.delimiter);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(cols.delimiter)
        .flexible(false)
        .from_reader(input);
    let headers = rdr
        .headers()
        .map_err(|e| claimscan::internals::csv_error(path, e))?
        .clone();
    claimscan::internals::check_header(&headers, path)?;
    let find = |col: &str| find_column(&headers, col, path);
    let ti = find(cols.text)?;
    let ii = cols.id.map(find).transpose()?;
    let ki = cols
        .keep
        .iter()
        .map(|c| find(c))
        .collect::<anyhow::Result<Vec<usize>>>()?;
    render.kept = ki.iter().map(|&i| headers[i].trim().to_string()).collect();
    if !*header_done {
        out.write_all(&render.csv_header())?;
        *header_done = true;
    }
    let render = &*render;
    let mut stats = Stats::default();
    let mut record = csv::ByteRecord::new();
    let mut recs: Vec<Record> = Vec::new();
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
            let kept = ki.iter().map(|&i| field(&record[i], &mut bad)).collect();
            stats.invalid_utf8 += u64::from(bad > 0);
            recs.push(Record {
                id,
                text,
                line,
                kept,
            });
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
    /// The input's name, written with each output (`-H`).
    path: Option<String>,
    /// The names of the `--keep-columns`.
    kept: Vec<String>,
    /// The model's CRC-32 (hex), carried by each JSON line.
    model_crc: String,
    /// `--top`.
    top: usize,
}

/// Where an output comes from.
pub(super) struct Meta<'a> {
    line: u64,
    offset: Option<usize>,
    id: Option<&'a str>,
    /// The values of the `--keep-columns`.
    kept: &'a [String],
}

#[derive(Serialize)]
struct JsonLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    columns: Option<serde_json::Map<String, serde_json::Value>>,
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<usize>,
    text: &'a str,
    #[serde(flatten)]
    prediction: &'a Prediction,
    model: &'a str,
    claimscan: &'a str,
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
            path: None,
            kept: Vec::new(),
            model_crc: String::new(),
            top: 1,
        }
    }

    /// The CSV header row: the names of the columns [`Render::line`] writes.
    fn csv_header(&self) -> Vec<u8> {
        let mut fields: Vec<String> = Vec::new();
        if self.path.is_some() {
            fields.push("path".into());
        }
        if self.ids {
            fields.push("id".into());
        }
        fields.extend(self.kept.iter().cloned());
        if self.split != Split::Lines {
            fields.push("line".into());
            fields.push("offset".into());
        }
        fields.push("label".into());
        fields.push("probability".into());
        for k in 2..=self.top.min(self.clf.labels().len()) {
            fields.push(format!("label_{k}"));
            fields.push(format!("probability_{k}"));
        }
        if self.explain_asked {
            fields.push("explain".into());
        }
        fields.push("text".into());
        let mut out = Vec::new();
        csv_record(&mut out, &fields);
        out
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
                        kept: &[],
                    };
                    self.line(&text, &meta, scratch, out);
                }
                // paragraphs never come here (see `paragraphs`)
                Split::Sentences | Split::Paragraphs => {
                    for (offset, sentence) in claimscan::split::sentences(&text) {
                        let meta = Meta {
                            line,
                            offset: Some(offset),
                            id: None,
                            kept: &[],
                        };
                        self.line(sentence, &meta, scratch, out);
                    }
                }
            }
        }
        bad
    }

    /// Renders CSV records into `out`.
    fn records(&self, recs: &[Record], scratch: &mut Scratch, out: &mut Vec<u8>) {
        for r in recs {
            let meta = Meta {
                line: r.line,
                offset: None,
                id: r.id.as_deref(),
                kept: &r.kept,
            };
            self.line(&r.text, &meta, scratch, out);
        }
    }

    fn line(&self, text: &str, meta: &Meta, s: &mut Scratch, out: &mut Vec<u8>) {
        if self.format == Format::Tsv {
            let sep = b'\t';
            if let Some(p) = &self.path {
                tsv_field(out, p);
                out.push(sep);
            }
            if self.ids {
                tsv_field(out, meta.id.unwrap_or(""));
                out.push(sep);
            }
            for k in meta.kept {
                tsv_field(out, k);
                out.push(sep);
            }
            if let Some(offset) = meta.offset {
                let _ = write!(out, "{}\t{offset}\t", meta.line);
            }
            if self.clf.output_options() == (1, 0) && !self.explain_asked {
                // the common case: the best label only, written without building a
                // Prediction (no allocation)
                let (label, probability) = self.clf.best_with(text, s);
                tsv_field(out, label);
                out.push(sep);
                push_probability(out, probability);
                out.push(sep);
                tsv_field(out, text);
                out.push(b'\n');
                return;
            }
        }
        let p = self.clf.predict_with(text, s);
        match self.format {
            Format::Tsv => {
                let sep = b'\t';
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
                if let Some(path) = &self.path {
                    fields.push(path.clone());
                }
                if self.ids {
                    fields.push(meta.id.unwrap_or("").to_string());
                }
                fields.extend(meta.kept.iter().cloned());
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
                let columns = (!self.kept.is_empty()).then(|| {
                    self.kept
                        .iter()
                        .zip(meta.kept)
                        .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                        .collect()
                });
                let j = JsonLine {
                    path: self.path.as_deref(),
                    id: meta.id,
                    columns,
                    line: meta.line,
                    offset: meta.offset,
                    text,
                    prediction: &p,
                    model: &self.model_crc,
                    claimscan: env!("CARGO_PKG_VERSION"),
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
