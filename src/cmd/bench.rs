//! `claimscan bench`: throughput of the predict path, on one core and on all cores.

use super::pipeline::{stream, StageTimes};
use super::predict::Render;
use super::ModelArg;
use anyhow::Context;
use claimscan::text::for_each_word;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArg,
    /// Sentences to classify, one per line (default: a stream generated from the corpus).
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Lines to generate when no --input is given.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    lines: usize,
    /// Measure with 1, 2, ... up to T scoring threads (default: all cores).
    #[arg(long, value_name = "T")]
    threads: Option<usize>,
}

/// The longest generated stream (about 1.1 GB in memory).
const MAX_BENCH_LINES: usize = 10_000_000;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = args.model.load()?;
    let clf = claimscan::Classifier::from_model(model);
    let model = clf.model();
    let data = match &args.input {
        Some(p) => std::fs::read(p).with_context(|| format!("{}", p.display()))?,
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
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let source = args.input.as_ref().map_or_else(
        || format!("{lines} lines generated from the embedded corpus"),
        |p| p.display().to_string(),
    );
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
    let all = super::threads(args.threads);
    let render = Render::tsv(&clf);
    writeln!(
        out,
        "{:>8} {:>14} {:>10} {:>14} {:>9}   busy time per stage: read, score+format, write",
        "threads", "sentences/s", "MB/s", "tokens/s", "speed-up"
    )?;
    let data: std::sync::Arc<[u8]> = data.into();
    let mut first = None;
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
        let base = *first.get_or_insert(rate);
        writeln!(
            out,
            "{threads:>8} {rate:>14.0} {:>10.1} {:>14.0} {:>8.2}x   {:.3} s, {:.3} s, {:.3} s (wall {secs:.3} s)",
            data.len() as f64 / 1e6 / secs,
            words as f64 / secs,
            rate / base,
            times.read.as_secs_f64(),
            times.score.as_secs_f64(),
            times.write.as_secs_f64(),
        )?;
    }
    if let Some(kb) = peak_memory_kb() {
        writeln!(
            out,
            "peak memory:  {:.1} MB (input held in memory)",
            kb as f64 / 1024.0
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Peak resident memory of this process (Linux: VmHWM), in KiB.
fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
