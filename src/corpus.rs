//! Loading labelled examples from CSV, with errors that name the file, line and problem.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// One labelled sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    pub text: String,
    pub label: String,
    /// The 1-based line of the file where the record starts.
    pub line: u64,
}

/// Separates a label from the name of one of its internal sub-classes: a class
/// `parent~sub` is trained as a class of its own and reported as `parent`. Training data
/// cannot use it.
pub const SUBCLASS_MARK: char = '~';

/// The internal sub-class of `neutral` that `--split-neutral` trains: neutral sentences
/// that name no AI term (see [`mentions_ai`]).
pub const OFF_TOPIC: &str = "neutral~off-topic";

/// The label [`OFF_TOPIC`] is reported as.
pub const OFF_TOPIC_PARENT: &str = "neutral";

/// The label a class is reported as: `label` up to [`SUBCLASS_MARK`].
pub fn reported_label(label: &str) -> &str {
    label.split_once(SUBCLASS_MARK).map_or(label, |(p, _)| p)
}

/// Words that make a sentence about AI (lower case, whole words).
const AI_WORDS: &[&str] = &[
    "ai",
    "artificial",
    "model",
    "models",
    "llm",
    "llms",
    "chatbot",
    "chatbots",
    "gpt",
    "chatgpt",
    "machine",
    "neural",
    "dataset",
    "datasets",
    "weights",
    "finetune",
    "inference",
    "prompt",
    "prompts",
    "transformer",
    "transformers",
    "generative",
    "algorithm",
    "algorithms",
    "agent",
    "agents",
    "gpus",
    "gpu",
    "benchmark",
    "benchmarks",
    "token",
    "tokens",
    "llama",
    "mistral",
    "claude",
    "gemini",
    "copilot",
    "openai",
    "anthropic",
    "deepmind",
    "parameters",
    "embeddings",
    "classifier",
    "classifiers",
    "robot",
    "robots",
    "automation",
    "automated",
    "deepfake",
    "deepfakes",
];

/// Phrases (of words joined by one space) that make a sentence about AI.
const AI_PHRASES: &[&str] = &[
    "open source",
    "open weight",
    "fine tun",
    "finetun",
    "embedding",
    "machine learning",
    "training data",
    "artificial intelligence",
    "deep learning",
    "hugging face",
];

/// The lower-case words of `text`: runs of letters, digits and apostrophes, with a final
/// `'s` dropped.
pub fn plain_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.strip_suffix("'s").unwrap_or(w).to_string())
        .collect()
}

/// Whether `text` names AI: one of a fixed list of words ("ai", "model", "chatbot",
/// "dataset", "deepfake", ...) or phrases ("machine learning", "open source", ...). It
/// decides which neutral rows `--split-neutral` trains as off-topic, and the corpus's
/// share of neutral rows about AI.
pub fn mentions_ai(text: &str) -> bool {
    let w = plain_words(text);
    if w.iter().any(|x| AI_WORDS.contains(&x.as_str())) {
        return true;
    }
    let joined = w.join(" ");
    AI_PHRASES.iter().any(|p| joined.contains(p))
}

/// Where the text and the label are, and how fields are separated.
#[derive(Clone, Debug)]
pub struct CsvOptions {
    pub text_column: String,
    pub label_column: String,
    pub delimiter: u8,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            text_column: "text".into(),
            label_column: "label".into(),
            delimiter: b',',
        }
    }
}

/// Parses a delimiter given on the command line: one ASCII character, or `tab` / `\t`.
///
/// # Errors
/// Anything else.
pub fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" => Ok(s.as_bytes()[0]),
        _ => Err(Error::Param(format!(
            "delimiter must be one ASCII character or 'tab', got {s:?}"
        ))),
    }
}

/// A reader that keeps the bytes of the CSV record being parsed, so that a record whose
/// quotes do not pair up (a stray or unbalanced quote, which the CSV parser silently
/// extends to the next quote or the end of the file) can be reported.
///
/// It also caps every field at [`MAX_FIELD_BYTES`]: the bytes of a longer field past the cap
/// are not passed on (a 100 MB field costs no more memory than a 1 MiB one), and counted.
pub struct QuoteTracker<R> {
    inner: R,
    seen: std::rc::Rc<std::cell::RefCell<Seen>>,
    delimiter: u8,
    in_quote: bool,
    field_len: usize,
    cut_this_field: bool,
}

/// The longest CSV field passed on whole (1 MiB).
pub const MAX_FIELD_BYTES: usize = 1 << 20;

/// The bytes read so far from the start of the current record.
#[derive(Default)]
pub struct Seen {
    bytes: Vec<u8>,
    /// Absolute offset of `bytes[0]`.
    start: u64,
    /// Fields cut at [`MAX_FIELD_BYTES`].
    truncated: u64,
}

/// The handle that checks records read through a [`QuoteTracker`].
#[derive(Clone)]
pub struct Quotes(std::rc::Rc<std::cell::RefCell<Seen>>);

impl<R: Read> QuoteTracker<R> {
    /// Wraps `inner`; the returned [`Quotes`] checks records as they are parsed.
    pub fn new(inner: R, delimiter: u8) -> (Self, Quotes) {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Seen::default()));
        (
            QuoteTracker {
                inner,
                seen: seen.clone(),
                delimiter,
                in_quote: false,
                field_len: 0,
                cut_this_field: false,
            },
            Quotes(seen),
        )
    }
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            // pass every byte on, except those of a field past MAX_FIELD_BYTES (quotes
            // always pass, so that the parser still sees where fields end)
            let mut kept = 0;
            let mut seen = self.seen.borrow_mut();
            for i in 0..n {
                let b = buf[i];
                let keep = if b == b'"' {
                    self.in_quote = !self.in_quote;
                    true
                } else if !self.in_quote && (b == self.delimiter || b == b'\n') {
                    self.field_len = 0;
                    self.cut_this_field = false;
                    true
                } else if self.field_len >= MAX_FIELD_BYTES {
                    if !self.cut_this_field {
                        self.cut_this_field = true;
                        seen.truncated += 1;
                    }
                    false
                } else {
                    self.field_len += 1;
                    true
                };
                if keep {
                    buf[kept] = b;
                    kept += 1;
                }
            }
            seen.bytes.extend_from_slice(&buf[..kept]);
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

impl Quotes {
    /// A record starts at byte `start`: the bytes before it are no longer needed.
    pub fn record_at(&self, start: u64) {
        let mut seen = self.0.borrow_mut();
        let from = (start.saturating_sub(seen.start) as usize).min(seen.bytes.len());
        seen.bytes.drain(..from);
        seen.start += from as u64;
    }

    /// How many fields were cut at [`MAX_FIELD_BYTES`].
    pub fn truncated(&self) -> u64 {
        self.0.borrow().truncated
    }

    /// At the end of the input: whether the last record (from the last [`Quotes::record_at`]
    /// to the end) has an even number of quote characters. An odd number means a quote that
    /// never closed, which the CSV parser silently ran to the end of the file.
    pub fn tail_balanced(&self) -> bool {
        let seen = self.0.borrow();
        seen.bytes.iter().filter(|&&b| b == b'"').count() % 2 == 0
    }
}

/// Pairs of distinct labels among `examples` that differ only in letter case (each pair
/// once, sorted): most likely the same label typed two ways.
pub fn case_variants(examples: &[Example]) -> Vec<(String, String)> {
    let mut labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    let mut out = Vec::new();
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            if a.to_lowercase() == b.to_lowercase() {
                out.push((a.to_string(), b.to_string()));
            }
        }
    }
    out
}

/// Checks a CSV header: not empty, no column named twice.
///
/// # Errors
/// An empty header, or a duplicate column name (named in the message).
#[doc(hidden)]
pub fn check_header(headers: &csv::StringRecord, path: &Path) -> Result<()> {
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(Error::data(path, Some(1), "empty file: no header row"));
    }
    for (i, h) in headers.iter().enumerate() {
        if headers.iter().skip(i + 1).any(|o| o.trim() == h.trim()) {
            return Err(Error::data(
                path,
                Some(1),
                format!("column '{}' appears more than once in the header", h.trim()),
            ));
        }
    }
    Ok(())
}

/// Loads every example of the CSV file at `path`.
///
/// # Errors
/// The file cannot be read, has no header, lacks a column, has a ragged row, an empty label,
/// an empty text, invalid UTF-8, or no rows at all.
pub fn load(path: &Path, opts: &CsvOptions) -> Result<Vec<Example>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read(std::io::BufReader::new(file), path, opts)
}

/// Loads every example from `reader`; `path` only names it in errors.
///
/// # Errors
/// As for [`load`].
pub fn read<R: Read>(reader: R, path: &Path, opts: &CsvOptions) -> Result<Vec<Example>> {
    let (reader, quotes) = QuoteTracker::new(reader, opts.delimiter);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(opts.delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let headers = rdr.headers().map_err(|e| csv_error(path, e))?.clone();
    check_header(&headers, path)?;
    let find = |name: &str| find_column(&headers, name, path);
    let (ti, li) = (find(&opts.text_column)?, find(&opts.label_column)?);
    let mut examples = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut control: Option<Error> = None;
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if record.iter().any(|f| f.contains('\n')) {
                    let line = e.position().map(|p| p.line());
                    return Err(Error::data(
                        path,
                        line,
                        "a quoted field spans several lines (unbalanced quote?)",
                    ));
                }
                return Err(csv_error(path, e));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if let Some(pos) = record.position() {
            quotes.record_at(pos.byte());
        }
        let (text, label) = (&record[ti], record[li].trim());
        if label.is_empty() {
            return Err(Error::data(path, Some(line), "empty label"));
        }
        if label.contains(SUBCLASS_MARK) {
            return Err(Error::data(
                path,
                Some(line),
                format!("label {label:?} contains '{SUBCLASS_MARK}', which claimscan keeps for its internal sub-classes"),
            ));
        }
        if let Some(c) = label.chars().find(|c| c.is_control()) {
            // reported after the end-of-file check, which explains a multi-line label better
            control.get_or_insert_with(|| {
                Error::data(
                    path,
                    Some(line),
                    format!("label {label:?} contains a control character ({c:?}): labels are one line of text"),
                )
            });
        }
        // labels that differ only in Unicode normalisation are the same label
        use unicode_normalization::UnicodeNormalization;
        let label: String = label.nfc().collect();
        if text.trim().is_empty() {
            return Err(Error::data(path, Some(line), "empty text"));
        }
        examples.push(Example {
            text: text.to_string(),
            label,
            line,
        });
    }
    match examples.last() {
        None => Err(Error::data(path, None, "no data rows after the header")),
        Some(last) if !quotes.tail_balanced() => Err(Error::data(
            path,
            Some(last.line),
            "a quoted field runs to the end of the file (unbalanced quote?)",
        )),
        Some(_) => match control {
            Some(e) => Err(e),
            None => Ok(examples),
        },
    }
}

/// The index of column `name` in `headers`.
///
/// # Errors
/// No such column: the message lists the columns found.
#[doc(hidden)]
pub fn find_column(headers: &csv::StringRecord, name: &str, path: &Path) -> Result<usize> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| {
            let found: Vec<&str> = headers.iter().collect();
            Error::data(
                path,
                Some(1),
                format!(
                    "no column '{name}' in the header (columns found: {})",
                    found.join(", ")
                ),
            )
        })
}

/// A CSV reading error as a positioned [`Error`].
#[doc(hidden)]
pub fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields like the header, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    Error::data(path, line, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Example>> {
        read(s.as_bytes(), Path::new("t.csv"), &CsvOptions::default())
    }

    fn err(s: &str) -> String {
        parse(s).unwrap_err().to_string()
    }

    #[test]
    fn reads_rows_with_lines() {
        let ex = parse("label,text\nrisk:bias,\"a, b\"\nneutral,c\n").unwrap();
        assert_eq!(ex.len(), 2);
        assert_eq!(
            (ex[0].text.as_str(), ex[0].label.as_str(), ex[0].line),
            ("a, b", "risk:bias", 2)
        );
        assert_eq!(ex[1].line, 3);
    }

    #[test]
    fn strips_a_bom() {
        let ex = parse("\u{feff}text,label\nhello,neutral\n").unwrap();
        assert_eq!(ex[0].text, "hello");
    }

    #[test]
    fn names_missing_columns() {
        assert_eq!(
            err("sentence,label\nx,y\n"),
            "t.csv:1: no column 'text' in the header (columns found: sentence, label)"
        );
    }

    #[test]
    fn positioned_errors() {
        assert_eq!(err(""), "t.csv:1: empty file: no header row");
        assert_eq!(err("text,label\n"), "t.csv: no data rows after the header");
        assert_eq!(
            err("text,label\na,b\nc\n"),
            "t.csv:3: expected 2 fields like the header, found 1"
        );
        assert_eq!(err("text,label\na,b\nc, \n"), "t.csv:3: empty label");
        assert_eq!(
            err("text,label\na,b\n\"c,d\ne,f\n"),
            "t.csv:3: a quoted field spans several lines (unbalanced quote?)"
        );
        assert_eq!(
            err("text,label\na,b\nc,\"d\ne\n"),
            "t.csv:3: a quoted field runs to the end of the file (unbalanced quote?)"
        );
    }

    #[test]
    fn a_quoted_multi_line_last_record_is_valid() {
        let ex = parse("text,label\na,b\n\"c\nd\",e\n").unwrap();
        assert_eq!(ex[1].text, "c\nd");
        let ex = parse("text,label\na,b\n\"c\nd \"\"quoted\"\"\",e").unwrap();
        assert_eq!(ex[1].text, "c\nd \"quoted\"");
    }

    #[test]
    fn labels_are_trimmed_nfc_and_free_of_control_characters() {
        // "e" + combining acute and the precomposed "é" are one label
        let ex = parse("text,label\na, caf\u{65}\u{301} \nb,caf\u{e9}\n").unwrap();
        assert_eq!(ex[0].label, ex[1].label);
        assert_eq!(ex[0].label, "caf\u{e9}");
        assert_eq!(
            err("text,label\na,\"x\ty\"\n"),
            "t.csv:2: label \"x\\ty\" contains a control character ('\\t'): labels are one line of text"
        );
        let ex = parse("text,label\na,Risk\nb,risk\nc,x\n").unwrap();
        assert_eq!(
            case_variants(&ex),
            [("Risk".to_string(), "risk".to_string())]
        );
    }

    #[test]
    fn labels_cannot_name_a_subclass() {
        assert_eq!(
            err("text,label\na,neutral\nb,neutral~mine\n"),
            "t.csv:3: label \"neutral~mine\" contains '~', which claimscan keeps for its internal sub-classes"
        );
    }

    #[test]
    fn mentions_ai_reads_whole_words_and_phrases() {
        for t in [
            "The AI wrote it.",
            "Our models' weights are public.",
            "Open-source tools won.",
            "Fine-tuning took a day.",
            "Machine learning is statistics.",
            "The chatbot's answer was wrong.",
        ] {
            assert!(mentions_ai(t), "{t}");
        }
        for t in [
            "The bakery sells rye bread.",
            "Said the chair, waiting.",
            "Open the source file.",
            "A role model for students in the fair.",
        ] {
            assert_eq!(mentions_ai(t), t.contains("model"), "{t}");
        }
        assert_eq!(reported_label(OFF_TOPIC), OFF_TOPIC_PARENT);
        assert_eq!(reported_label("risk:bias"), "risk:bias");
        assert_eq!(plain_words("It's Bob's AI-lab"), ["it", "bob", "ai", "lab"]);
    }

    #[test]
    fn duplicate_columns_are_named() {
        assert_eq!(
            err("text,label,text\na,b,c\n"),
            "t.csv:1: column 'text' appears more than once in the header"
        );
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter("tab").unwrap(), b'\t');
        assert_eq!(parse_delimiter(";").unwrap(), b';');
        assert!(parse_delimiter(";;").is_err());
        let opts = CsvOptions {
            delimiter: b';',
            ..CsvOptions::default()
        };
        let ex = read("text;label\na,b;c\n".as_bytes(), Path::new("t.csv"), &opts).unwrap();
        assert_eq!((ex[0].text.as_str(), ex[0].label.as_str()), ("a,b", "c"));
    }
}
