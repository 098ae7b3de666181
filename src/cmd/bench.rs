//! `claimscan bench`: throughput of the predict path, on one core and on all cores.

use super::predict::{stream, Render};
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
    /// Threads for the parallel run (default: all cores).
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
    let mut threads_runs = vec![1];
    if all > 1 {
        threads_runs.push(all);
    }
    // (threads, sentences/s, MB/s, tokens/s)
    let mut runs: Vec<(usize, f64, f64, f64)> = Vec::new();
    for threads in threads_runs {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        // one warm-up pass fills the word caches, as in any long run
        stream(
            &data[..data.len().min(1 << 20)],
            &render,
            &pool,
            &mut std::io::sink(),
        )?;
        let start = Instant::now();
        let stats = stream(&data[..], &render, &pool, &mut std::io::sink())?;
        let secs = start.elapsed().as_secs_f64();
        runs.push((
            threads,
            stats.lines as f64 / secs,
            data.len() as f64 / 1e6 / secs,
            words as f64 / secs,
        ));
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
                "{:>8} {:>14} {:>10} {:>14}",
                "threads", "sentences/s", "MB/s", "tokens/s"
            )?;
            for (threads, s, mb, t) in &runs {
                writeln!(out, "{threads:>8} {s:>14.0} {mb:>10.1} {t:>14.0}")?;
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
                .map(|(threads, s, mb, t)| {
                    serde_json::json!({
                        "threads": threads,
                        "sentences_per_s": s.round(),
                        "mb_per_s": (mb * 10.0).round() / 10.0,
                        "tokens_per_s": t.round(),
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
                w.write_record(["threads", "sentences_per_s", "mb_per_s", "tokens_per_s"])?;
            }
            for (threads, s, mb, t) in &runs {
                w.write_record([
                    threads.to_string(),
                    format!("{s:.0}"),
                    format!("{mb:.1}"),
                    format!("{t:.0}"),
                ])?;
            }
            w.flush()?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Peak resident memory of this process (Linux: VmHWM), in KiB.
fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
