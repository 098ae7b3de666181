//! `claimscan bench`: throughput of the predict path, on one core and on all cores.

use super::pipeline::{stream, StageTimes};
use super::predict::Render;
use super::{Format, ModelArg, OutputArgs};
use anyhow::Context;
use claimscan::text::for_each_word;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

pub const AFTER: &str = "\
Examples:
  claimscan bench                                 1,000,000 generated lines, 1 and all cores
  claimscan bench --input big.txt -j 4            your own text, 1 and 4 threads
  claimscan bench --lines 100000 -f json          machine-readable

Exit codes: 0 done, 2 usage or input error.";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArg,
    /// Sentences to classify, one per line (default: a stream generated from the corpus).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    input: Option<PathBuf>,
    /// Lines to generate when no --input is given.
    #[arg(
        long,
        default_value_t = 1_000_000,
        value_name = "N",
        help_heading = "Input"
    )]
    lines: usize,
    /// Measure with 1, 2, ... up to T scoring threads (default: all cores).
    #[arg(short = 'j', long, value_name = "T")]
    threads: Option<usize>,
    #[command(flatten)]
    output: OutputArgs,
}

/// The longest generated stream (about 1.1 GB in memory).
const MAX_BENCH_LINES: usize = 10_000_000;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = args.model.load()?;
    let clf = claimscan::Classifier::from_model(model);
    let model = clf.model();
    let data = match &args.input {
        Some(p) => {
            // decoded like every input (UTF-16 transcoded, a UTF-8 byte-order mark dropped)
            let mut bytes = Vec::new();
            super::input::open(p)?
                .reader
                .read_to_end(&mut bytes)
                .with_context(|| super::input::name(p))?;
            bytes
        }
        None => {
            if args.lines == 0 || args.lines > MAX_BENCH_LINES {
                anyhow::bail!(
                    "--lines must be between 1 and {MAX_BENCH_LINES}, got {}",
                    args.lines
                );
            }
            claimscan::bench_stream(args.lines)
        }
    };
    let lines = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    let mut words = 0u64;
    let mut buf = String::new();
    for l in String::from_utf8_lossy(&data).lines() {
        for_each_word(l, &mut buf, |_| words += 1);
    }
    let source = args.input.as_ref().map_or_else(
        || format!("{lines} lines generated from the embedded corpus"),
        |p| p.display().to_string(),
    );
    let all = super::threads(args.threads);
    let render = Render::tsv(&clf);
    let data: std::sync::Arc<[u8]> = data.into();
    let mut runs: Vec<Run> = Vec::new();
    // scaling: every thread count from 1 to --threads (default: all cores)
    for threads in 1..=all {
        let mut times = StageTimes::default();
        let start = Instant::now();
        let stats = stream(
            std::io::Cursor::new(data.clone()),
            &render,
            threads,
            &mut std::io::sink(),
            Some(&mut times),
        )?;
        let secs = start.elapsed().as_secs_f64();
        let rate = stats.lines as f64 / secs;
        runs.push(Run {
            threads,
            rate,
            mb: data.len() as f64 / 1e6 / secs,
            tokens: words as f64 / secs,
            speedup: rate / runs.first().map_or(rate, |r| r.rate),
            times,
            secs,
        });
    }
    let peak = peak_memory_kb();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.output.format() {
        Format::Text => {
            writeln!(out, "input:        {source}")?;
            writeln!(
                out,
                "size:         {lines} lines, {:.1} MB, {words} words",
                data.len() as f64 / 1e6
            )?;
            writeln!(
                out,
                "model:        {} features, {} labels",
                model.vocab.len(),
                model.labels.len()
            )?;
            writeln!(
                out,
                "{:>8} {:>14} {:>10} {:>14} {:>9}   busy time per stage: read, score+format, write",
                "threads", "sentences/s", "MB/s", "tokens/s", "speed-up"
            )?;
            for r in &runs {
                writeln!(
                    out,
                    "{:>8} {:>14.0} {:>10.1} {:>14.0} {:>8.2}x   {:.3} s, {:.3} s, {:.3} s (wall {:.3} s)",
                    r.threads,
                    r.rate,
                    r.mb,
                    r.tokens,
                    r.speedup,
                    r.times.read.as_secs_f64(),
                    r.times.score.as_secs_f64(),
                    r.times.write.as_secs_f64(),
                    r.secs
                )?;
            }
            if let Some(kb) = peak {
                writeln!(
                    out,
                    "peak memory:  {:.1} MB (input held in memory)",
                    kb as f64 / 1024.0
                )?;
            }
        }
        Format::Json => {
            let rows: Vec<serde_json::Value> = runs
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "threads": r.threads,
                        "sentences_per_s": r.rate.round(),
                        "mb_per_s": (r.mb * 10.0).round() / 10.0,
                        "tokens_per_s": r.tokens.round(),
                        "speedup": (r.speedup * 100.0).round() / 100.0,
                        "read_s": r.times.read.as_secs_f64(),
                        "score_s": r.times.score.as_secs_f64(),
                        "write_s": r.times.write.as_secs_f64(),
                        "wall_s": r.secs,
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "input": source,
                "lines": lines,
                "bytes": data.len(),
                "words": words,
                "runs": rows,
                "peak_memory_kb": peak,
            });
            let doc = super::stamped(doc, Some(args.model.identity(model)));
            serde_json::to_writer(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = super::csv_writer(&mut out);
            if !args.output.no_header {
                w.write_record([
                    "threads",
                    "sentences_per_s",
                    "mb_per_s",
                    "tokens_per_s",
                    "speedup",
                    "read_s",
                    "score_s",
                    "write_s",
                    "wall_s",
                ])?;
            }
            for r in &runs {
                w.write_record([
                    r.threads.to_string(),
                    format!("{:.0}", r.rate),
                    format!("{:.1}", r.mb),
                    format!("{:.0}", r.tokens),
                    format!("{:.2}", r.speedup),
                    format!("{:.3}", r.times.read.as_secs_f64()),
                    format!("{:.3}", r.times.score.as_secs_f64()),
                    format!("{:.3}", r.times.write.as_secs_f64()),
                    format!("{:.3}", r.secs),
                ])?;
            }
            w.flush()?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One measured run.
struct Run {
    threads: usize,
    /// sentences/s, MB/s, tokens/s
    rate: f64,
    mb: f64,
    tokens: f64,
    /// `rate` over the one-thread rate
    speedup: f64,
    times: StageTimes,
    secs: f64,
}

/// Peak resident memory of this process (Linux: VmHWM), in KiB.
fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
