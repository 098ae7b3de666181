//! One module per subcommand, each an `Args` struct and a `run` function.

mod bench;
mod eval;
mod info;
pub mod input;
mod merge;
mod pipeline;
mod predict;
mod shell;
pub use predict::{IN_FLIGHT, STOP};

/// Set by a subcommand that handles SIGINT and SIGTERM itself (`serve` shuts down
/// gracefully): the clean-up thread then only records the signal.
pub static SELF_STOPPING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
mod report;
#[cfg(feature = "server")]
mod serve;
mod train;
mod tune;

use anyhow::Context;
use claimscan::model::Norm;
use claimscan::{Model, Settings, Variant};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Writes one line to stderr. A message that cannot be written (stderr closed or full) is
/// dropped: it must not turn a finished job into a crash.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use say;

/// An informational message on stderr (what was written, which threshold applies): silenced
/// by `-q/--quiet`. Warnings and errors use [`say!`] and always show.
macro_rules! note {
    ($($arg:tt)*) => {{
        if !$crate::cmd::quiet() {
            $crate::cmd::say!($($arg)*);
        }
    }};
}
pub(crate) use note;

/// `-q/--quiet` was given.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether informational messages and progress bars are silenced.
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets `-q/--quiet`.
pub fn set_quiet(q: bool) {
    QUIET.store(q, std::sync::atomic::Ordering::Relaxed);
}

/// A progress bar on stderr, drawn only when stderr is a terminal and `--quiet` is not
/// given (otherwise hidden: nothing is written). `len` 0: a spinner.
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = if len == 0 {
        indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .expect("valid template"),
        )
    } else {
        indicatif::ProgressBar::new(len).with_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:20}] {pos}/{len} ETA {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        )
    };
    bar.set_message(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Output format of the subcommands that print results (other than `predict`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// aligned text for people
    Text,
    /// one JSON object per line, with the claimscan version and the model's identity
    Json,
    /// CSV with a header row (`--no-header` to drop it)
    Csv,
}

/// `-f/--format`, `--json` and `--no-header`, shared by `report`, `eval`, `info`, `tune`
/// and `bench`.
#[derive(clap::Args, Clone, Debug)]
pub struct OutputArgs {
    /// Output format.
    #[arg(
        short = 'f',
        long,
        value_enum,
        default_value = "text",
        help_heading = "Output"
    )]
    pub format: Format,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format", help_heading = "Output")]
    pub json: bool,
    /// With --format csv: no header row.
    #[arg(long, help_heading = "Output")]
    pub no_header: bool,
}

impl OutputArgs {
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format
        }
    }
}

/// A CSV writer on `out` (one record per line, `\n` line ends).
pub fn csv_writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// The identity of a model, carried by every JSON document: where it comes from, the
/// CRC-32 of its file and the `train` flags of its settings.
pub fn model_identity(path: Option<&Path>, model: &Model) -> serde_json::Value {
    // the CRC-32 of the whole model file, as `crc32` or `rhash --crc32` print it, and as
    // `serve` names the model (`crc32:…`)
    let crc = match path {
        None => Some(crc32fast::hash(claimscan::EMBEDDED_MODEL)),
        Some(p) => std::fs::read(p).ok().map(|b| crc32fast::hash(&b)),
    }
    .map(|c| format!("{c:08x}"));
    serde_json::json!({
        "path": path.map_or("embedded".to_string(), |p| p.display().to_string()),
        "crc32": crc,
        "settings": settings_flags(&model.settings),
        "calibrated": model.calibration.is_some(),
    })
}

/// `doc` (a JSON object) with the claimscan version and, if given, the model's identity
/// (see [`model_identity`]) added.
pub fn stamped(
    mut doc: serde_json::Value,
    identity: Option<serde_json::Value>,
) -> serde_json::Value {
    if let Some(o) = doc.as_object_mut() {
        o.insert("claimscan".into(), env!("CARGO_PKG_VERSION").into());
        if let Some(m) = identity {
            o.insert("model".into(), m);
        }
    }
    doc
}

/// The most worker threads a command starts: four per core.
pub fn max_threads() -> usize {
    4 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `--threads T`: 0 or none means all cores; more than [`max_threads`] is capped (with a
/// warning), so that a typo cannot start thousands of threads.
pub fn threads(requested: Option<usize>) -> usize {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    match requested {
        None | Some(0) => all,
        Some(t) if t > max_threads() => {
            say!(
                "claimscan: warning: --threads {t} capped at {} (4 per core)",
                max_threads()
            );
            max_threads()
        }
        Some(t) => t,
    }
}

/// Whether standard input was closed when claimscan started (see [`guard_std_fds`]).
static STDIN_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Standard input, or an error if it was closed when claimscan started.
pub fn stdin() -> anyhow::Result<std::io::Stdin> {
    if STDIN_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        anyhow::bail!("<stdin>: standard input is closed");
    }
    Ok(std::io::stdin())
}

/// Which of the standard descriptors 0 and 1 were closed when the process started,
/// recorded before the Rust runtime reopens closed ones on /dev/null (it does so before
/// `main`, so `main` cannot tell `>&-` from `> /dev/null` any more).
static STD_CLOSED: [std::sync::atomic::AtomicBool; 2] = [
    std::sync::atomic::AtomicBool::new(false),
    std::sync::atomic::AtomicBool::new(false),
];

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static RECORD_CLOSED_STD_FDS: extern "C" fn() = {
    extern "C" fn record() {
        // runs before the Rust runtime starts: only plain file-system calls here
        if std::fs::metadata("/proc/self/fd").is_err() {
            return;
        }
        for (fd, closed) in STD_CLOSED.iter().enumerate() {
            if std::fs::symlink_metadata(format!("/proc/self/fd/{fd}")).is_err() {
                closed.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
    record
};

/// Run first: a closed standard output is an error (exit 2), and reading a closed standard
/// input is an error (see [`stdin`]). Linux only; elsewhere a no-op.
pub fn guard_std_fds() -> Result<(), String> {
    use std::sync::atomic::Ordering;
    if STD_CLOSED[0].load(Ordering::Relaxed) {
        STDIN_CLOSED.store(true, Ordering::Relaxed);
    }
    if STD_CLOSED[1].load(Ordering::Relaxed) {
        return Err("standard output is closed".into());
    }
    Ok(())
}

/// The subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Train a model from a labelled CSV file.
    #[command(after_long_help = train::AFTER)]
    Train(train::Args),
    /// Classify text, one sentence per line, from files or stdin.
    #[command(after_long_help = predict::AFTER)]
    Predict(predict::Args),
    /// Describe a model: labels, vocabulary, settings, identity.
    #[command(after_long_help = info::AFTER)]
    Info(info::Args),
    /// Measure a model on labelled data, or cross-validate training settings.
    #[command(after_long_help = eval::AFTER)]
    Eval(eval::Args),
    /// Search training settings by cross-validation.
    #[command(after_long_help = tune::AFTER)]
    Tune(tune::Args),
    /// Measure classification throughput, single-threaded and on all cores.
    #[command(after_long_help = bench::AFTER)]
    Bench(bench::Args),
    /// Combine models trained on disjoint shards into one.
    #[command(after_long_help = merge::AFTER)]
    Merge(merge::Args),
    /// Summarise the claims of whole documents (files or folders), as text, JSON, CSV or
    /// a self-contained HTML page.
    #[command(after_long_help = report::AFTER)]
    Report(report::Args),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    #[command(after_long_help = shell::AFTER_COMPLETIONS)]
    Completions(shell::CompletionArgs),
    /// Print the man page (roff) of claimscan.
    #[command(after_long_help = shell::AFTER_MAN)]
    Man,
    /// Serve the JSON API and the web app over HTTP (loopback only by default).
    #[cfg(feature = "server")]
    Serve(serve::Args),
}

/// Runs one subcommand.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Train(a) => train::run(a),
        Command::Predict(a) => predict::run(a),
        Command::Info(a) => info::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Tune(a) => tune::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Report(a) => report::run(a),
        Command::Completions(a) => shell::completions(a),
        Command::Man => shell::man(),
        #[cfg(feature = "server")]
        Command::Serve(a) => serve::run(a),
    }
}

/// Whether the error is a closed output pipe (as with `| head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<claimscan::Error>().is_some_and(|ce| {
                matches!(ce, claimscan::Error::Io { error, .. } if error.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}

/// The model at `path`, or the embedded default model.
pub fn load_model(path: Option<&Path>) -> anyhow::Result<Model> {
    Ok(match path {
        Some(p) => claimscan::persist::load(p)?,
        None => claimscan::embedded_model()?,
    })
}

/// `--model`, shared by the commands that use a model.
#[derive(clap::Args, Clone, Debug)]
pub struct ModelArg {
    /// Model file (default: the model embedded in the binary, trained on corpus/claims.csv:
    /// English sentences about AI).
    #[arg(short = 'm', long, value_name = "MODEL", help_heading = "Model")]
    pub model: Option<PathBuf>,
}

impl ModelArg {
    pub fn load(&self) -> anyhow::Result<Model> {
        load_model(self.model.as_deref())
    }

    /// The model's identity (see [`model_identity`]).
    pub fn identity(&self, model: &Model) -> serde_json::Value {
        model_identity(self.model.as_deref(), model)
    }
}

/// Where the training data is and how to read it.
#[derive(clap::Args, Clone, Debug)]
pub struct DataArgs {
    /// Labelled CSV file with a header row (`-`: stdin).
    #[arg(long, value_name = "FILE.csv", help_heading = "Input")]
    pub data: PathBuf,
    /// Column holding the sentence.
    #[arg(
        long,
        default_value = "text",
        value_name = "NAME",
        help_heading = "Input"
    )]
    pub text_column: String,
    /// Column holding the label.
    #[arg(
        long,
        default_value = "label",
        value_name = "NAME",
        help_heading = "Input"
    )]
    pub label_column: String,
    /// Field delimiter: one character, or `tab`.
    #[arg(
        short = 'd',
        long,
        default_value = ",",
        value_name = "CHAR",
        help_heading = "Input"
    )]
    pub delimiter: String,
}

impl DataArgs {
    /// Loads every example.
    pub fn load(&self) -> anyhow::Result<Vec<claimscan::corpus::Example>> {
        let opts = claimscan::corpus::CsvOptions {
            text_column: self.text_column.clone(),
            label_column: self.label_column.clone(),
            delimiter: claimscan::corpus::parse_delimiter(&self.delimiter)?,
        };
        // stdin for `-`; UTF-16 with a byte-order mark transcoded, like every input
        let input = input::open(&self.data)?;
        let name = PathBuf::from(input::name(&self.data));
        Ok(claimscan::corpus::read(
            std::io::BufReader::new(input.reader),
            &name,
            &opts,
        )?)
    }
}

/// Training options, shared by `train`, `eval --cv` and `tune`.
#[derive(clap::Args, Clone, Debug)]
#[command(next_help_heading = "Training")]
pub struct TrainOpts {
    /// Additive smoothing (> 0); 1 won the cross-validated search on the corpus.
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f64,
    /// Add word bigrams to the features.
    #[arg(long)]
    pub bigrams: bool,
    /// Drop English stop words.
    #[arg(long)]
    pub stop_words: bool,
    /// Do not stem words.
    #[arg(long)]
    pub no_stem: bool,
    /// Keep terms found in at least N sentences.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_df: usize,
    /// Keep at most N terms, the most frequent.
    #[arg(long, value_name = "N")]
    pub max_features: Option<usize>,
    /// Decision rule: multinomial, complement or bernoulli.
    #[arg(long, default_value = "multinomial", value_parser = parse_variant)]
    pub variant: Variant,
    /// Count a repeated term 1 + ln(tf) times (the default: it won the cross-validated
    /// search on the corpus).
    #[arg(long, conflicts_with = "raw_tf")]
    pub sublinear_tf: bool,
    /// Count a repeated term tf times (plain multinomial counts; whole-number counts make
    /// merged models byte-identical to one training run).
    #[arg(long)]
    pub raw_tf: bool,
    /// Uniform class priors instead of the class frequencies.
    #[arg(long)]
    pub uniform_prior: bool,
    /// Add character n-grams of these lengths inside word boundaries, e.g. 3-5 (lengths
    /// within 1-8).
    #[arg(long, value_name = "LO-HI", value_parser = parse_range)]
    pub char_ngrams: Option<(u8, u8)>,
    /// No word unigram features (with --char-ngrams or --bigrams).
    #[arg(long)]
    pub no_words: bool,
    /// Weight features by inverse document frequency.
    #[arg(long)]
    pub idf: bool,
    /// Length normalisation of each training sentence: l2 or none.
    #[arg(long, default_value = "none", value_parser = parse_norm)]
    pub norm: Norm,
    /// Complement NB with weight normalisation (with --variant complement).
    #[arg(long)]
    pub weight_norm: bool,
    /// Character n-grams as their own naive Bayes model beside the word features, their
    /// log-likelihood weighted by W (a product of two experts; with --char-ngrams).
    #[arg(long, value_name = "W")]
    pub char_weight: Option<f64>,
    /// Train the neutral sentences that name no AI term (no "AI", "model", "chatbot",
    /// "machine learning", ...) as a hidden class of their own, reported as neutral.
    #[arg(long)]
    pub split_neutral: bool,
}

fn parse_range(s: &str) -> Result<(u8, u8), String> {
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    let n = |x: &str| {
        x.trim()
            .parse::<u8>()
            .map_err(|_| format!("expected a range like 3-5, got {s:?}"))
    };
    Ok((n(lo)?, n(hi)?))
}

fn parse_norm(s: &str) -> Result<Norm, String> {
    s.parse().map_err(|e: claimscan::Error| e.to_string())
}

fn parse_variant(s: &str) -> Result<Variant, String> {
    s.parse().map_err(|e: claimscan::Error| e.to_string())
}

impl TrainOpts {
    /// The validated settings.
    pub fn settings(&self) -> anyhow::Result<claimscan::model::ValidSettings> {
        let s = Settings {
            text: claimscan::text::TextConfig {
                stem: !self.no_stem,
                stop_words: self.stop_words,
                bigrams: self.bigrams,
                words: !self.no_words,
                char_ngrams: self.char_ngrams,
            },
            min_df: self.min_df,
            max_features: self.max_features,
            alpha: self.alpha,
            variant: self.variant,
            sublinear_tf: !self.raw_tf,
            fit_prior: !self.uniform_prior,
            idf: self.idf,
            norm: self.norm,
            weight_norm: self.weight_norm,
            char_weight: self.char_weight,
            split_neutral: self.split_neutral,
        };
        Ok(s.check()?)
    }
}

/// The `train` command line that reproduces `s` (without the data and output options).
pub fn settings_flags(s: &Settings) -> String {
    s.flags()
}

/// `--threshold`: a probability, or `model` for the model's recommended one.
pub fn resolve_threshold(
    arg: Option<&str>,
    model: Option<&claimscan::Model>,
) -> anyhow::Result<Option<f64>> {
    match arg {
        None => Ok(None),
        Some("model") => match model.and_then(|m| m.calibration.as_ref()) {
            Some(c) => Ok(Some(c.threshold)),
            None => anyhow::bail!(
                "--threshold model: the model has no recommended threshold (train it with --calibrate)"
            ),
        },
        Some(p) => {
            let v: f64 = p
                .parse()
                .map_err(|_| anyhow::anyhow!("--threshold: expected a probability or `model`, got {p:?}"))?;
            if !(0.0..=1.0).contains(&v) {
                anyhow::bail!("--threshold must be within 0 and 1, got {v}");
            }
            Ok(Some(v))
        }
    }
}

/// Canonical form of a path that may not exist yet (its folder must).
pub fn canonical_target(p: &Path) -> anyhow::Result<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Ok(c);
    }
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = p.file_name().context("output path has no file name")?;
    Ok(dir
        .canonicalize()
        .with_context(|| format!("{}: output folder does not exist", dir.display()))?
        .join(name))
}
