//! The predict pipeline: a reader thread cuts the input into blocks at line ends, worker
//! threads score and format the blocks, and the calling thread writes the results in input
//! order. All three overlap; a fixed set of recycled blocks bounds memory whatever the
//! input size, and a block that ends because the input is idle (a short read on a pipe or
//! a terminal) is sent at once, so a line typed into an idle pipe is answered at once.

use super::predict::{Render, Stats, IN_FLIGHT, MAX_LINE_BYTES, MAX_LINE_TOTAL, STOP};
use claimscan::Scratch;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bytes asked of the input per read.
const READ_BYTES: usize = 256 << 10;
/// A block is handed to the workers once it holds this many bytes of whole lines (or
/// sooner when the input is idle or ends).
const BLOCK_BYTES: usize = 256 << 10;
/// Blocks in flight per worker thread (read, being scored, or waiting to be written).
const BLOCKS_PER_WORKER: usize = 4;

/// A block of input lines, and the output its lines produce.
#[derive(Default)]
pub(super) struct Chunk {
    pub data: Vec<u8>,
    /// Where each line ends in `data` (after its `\n`, if it has one).
    pub ends: Vec<usize>,
    /// The line number of the first line.
    pub first_line: u64,
    seq: u64,
    truncated: u64,
    invalid_utf8: u64,
    out: Vec<u8>,
}

impl Chunk {
    /// Line `i`, without its line end (`\n` or `\r\n`).
    pub fn line(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        let mut l = &self.data[start..self.ends[i]];
        if let Some(rest) = l.strip_suffix(b"\n") {
            l = rest;
        }
        if let Some(rest) = l.strip_suffix(b"\r") {
            l = rest;
        }
        l
    }
}

/// Time spent in each stage (busy time, waiting excluded), summed over threads.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct StageTimes {
    pub read: Duration,
    pub score: Duration,
    pub write: Duration,
}

/// Cuts the input into blocks of whole lines, keeping at most [`MAX_LINE_BYTES`] of any
/// line (the rest is skipped and the line counted as truncated).
struct LineReader<R> {
    input: R,
    buf: Vec<u8>,
    /// The line being read: bytes seen, bytes kept, and whether it was cut.
    seen: usize,
    kept: usize,
    cut: bool,
    /// Lines handed out so far.
    lines: u64,
    eof: bool,
    /// A signal stopped the reading: the unfinished line at the end is not a line.
    stopped: bool,
    busy: Duration,
}

impl<R: Read> LineReader<R> {
    fn new(input: R) -> Self {
        LineReader {
            input,
            buf: vec![0; READ_BYTES],
            seen: 0,
            kept: 0,
            cut: false,
            lines: 0,
            eof: false,
            stopped: false,
            busy: Duration::ZERO,
        }
    }

    /// Fills `chunk` (whose `data` may start with the unfinished line of the previous
    /// block) with whole lines; returns false when the input is exhausted and nothing is
    /// left. The unfinished line at the end is moved to `carry`.
    fn fill(&mut self, chunk: &mut Chunk, carry: &mut Vec<u8>) -> anyhow::Result<bool> {
        chunk.data.clear();
        chunk.ends.clear();
        chunk.truncated = 0;
        chunk.invalid_utf8 = 0;
        chunk.out.clear();
        chunk.first_line = self.lines + 1;
        chunk.data.append(carry);
        while !self.eof {
            if STOP.load(Ordering::SeqCst) != 0 {
                // a signal asked us to stop: read no more, and answer only whole lines
                self.eof = true;
                self.stopped = true;
                break;
            }
            let t = Instant::now();
            let n = loop {
                match self.input.read(&mut self.buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(anyhow::Error::new(e)
                            .context(format!("line {}", self.lines + chunk.ends.len() as u64 + 1)))
                    }
                }
            };
            if n == 0 {
                self.eof = true;
                self.busy += t.elapsed();
                break;
            }
            self.split(chunk, n)?;
            self.busy += t.elapsed();
            // a short read: nothing more is waiting now, so answer what we have
            if !chunk.ends.is_empty() && (n < self.buf.len() || chunk.data.len() >= BLOCK_BYTES) {
                break;
            }
        }
        if self.eof && self.seen > 0 && !self.stopped {
            // the last line of the input has no line end
            chunk.ends.push(chunk.data.len());
            chunk.truncated += u64::from(self.cut);
            (self.seen, self.kept, self.cut) = (0, 0, false);
        }
        let whole = chunk.ends.last().copied().unwrap_or(0);
        carry.extend_from_slice(&chunk.data[whole..]);
        chunk.data.truncate(whole);
        self.lines += chunk.ends.len() as u64;
        Ok(!chunk.ends.is_empty())
    }

    /// Appends the `n` bytes just read to `chunk`, recording line ends.
    fn split(&mut self, chunk: &mut Chunk, n: usize) -> anyhow::Result<()> {
        let read = &self.buf[..n];
        if self.kept + n <= MAX_LINE_BYTES && !self.cut {
            // no line of this read can exceed the cap: copy it whole
            let base = chunk.data.len();
            chunk.data.extend_from_slice(read);
            let mut last = None;
            for i in memchr::memchr_iter(b'\n', read) {
                chunk.ends.push(base + i + 1);
                last = Some(i);
            }
            let tail = last.map_or(n, |i| n - i - 1);
            if last.is_some() {
                (self.seen, self.kept) = (tail, tail);
            } else {
                self.seen += n;
                self.kept += n;
            }
            return Ok(());
        }
        let mut rest = read;
        while !rest.is_empty() {
            let (part, done) = match memchr::memchr(b'\n', rest) {
                Some(i) => (&rest[..i], true),
                None => (rest, false),
            };
            let take = part.len().min(MAX_LINE_BYTES - self.kept);
            chunk.data.extend_from_slice(&part[..take]);
            self.kept += take;
            self.seen += part.len();
            self.cut |= take < part.len();
            if self.seen > MAX_LINE_TOTAL {
                anyhow::bail!(
                    "line {}: a line longer than {MAX_LINE_TOTAL} bytes: is this text with line ends?",
                    self.lines + chunk.ends.len() as u64 + 1
                );
            }
            if done {
                chunk.data.push(b'\n');
                chunk.ends.push(chunk.data.len());
                chunk.truncated += u64::from(self.cut);
                (self.seen, self.kept, self.cut) = (0, 0, false);
                rest = &rest[part.len() + 1..];
            } else {
                rest = &[];
            }
        }
        Ok(())
    }
}

/// Reads `input` block by block and writes one output line per input line (one per
/// sentence with `--split sentences`), in input order, scoring on `threads` workers.
///
/// The reader runs on a thread of its own that is not waited for when writing fails (a
/// closed pipe): it may be blocked reading an idle terminal or pipe.
pub(super) fn stream<R: Read + Send + 'static, W: Write>(
    input: R,
    render: &Render,
    threads: usize,
    out: &mut W,
    times: Option<&mut StageTimes>,
) -> anyhow::Result<Stats> {
    let threads = threads.max(1);
    let blocks = threads * BLOCKS_PER_WORKER;
    // free blocks go back to the reader: their number bounds memory
    let (free_tx, free_rx) = sync_channel::<Chunk>(blocks);
    for _ in 0..blocks {
        free_tx
            .send(Chunk::default())
            .expect("room for every block");
    }
    let (work_tx, work_rx) = sync_channel::<Chunk>(blocks);
    let (done_tx, done_rx) = sync_channel::<Chunk>(blocks);
    let work_rx = Mutex::new(work_rx);
    let abort = AtomicBool::new(false);
    let mut stats = Stats::default();
    let mut stage = StageTimes::default();
    let reader = std::thread::Builder::new()
        .name("claimscan-reader".into())
        .spawn(move || read_blocks(input, free_rx, work_tx))?;
    let written = std::thread::scope(|scope| {
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (work_rx, abort) = (&work_rx, &abort);
            workers.push(scope.spawn(move || score_blocks(render, work_rx, done_tx, abort)));
        }
        drop(done_tx);
        let written = write_blocks(&done_rx, &free_tx, out, &mut stats, &mut stage.write);
        if written.is_err() {
            // the workers stop; the reader stops when it next finds no free block
            abort.store(true, Ordering::SeqCst);
        }
        drop(done_rx);
        for w in workers {
            stage.score += w.join().expect("a scoring thread panicked");
        }
        written
    });
    drop(free_tx);
    if let Err(e) = written {
        IN_FLIGHT.store(0, Ordering::SeqCst);
        return Err(e);
    }
    let (read, read_time) = reader.join().expect("the reading thread panicked");
    stage.read = read_time;
    IN_FLIGHT.store(0, Ordering::SeqCst);
    if let Some(t) = times {
        *t = stage;
    }
    read?;
    Ok(stats)
}

/// The reader thread: fills free blocks and sends them to the workers, numbered; returns
/// the lines read and its busy time.
fn read_blocks<R: Read>(
    input: R,
    free: Receiver<Chunk>,
    work: SyncSender<Chunk>,
) -> (anyhow::Result<u64>, Duration) {
    let mut reader = LineReader::new(input);
    let mut carry = Vec::new();
    let mut seq = 0;
    loop {
        let Ok(mut chunk) = free.recv() else {
            // the writer stopped (an error): nothing more to do
            return (Ok(reader.lines), reader.busy);
        };
        match reader.fill(&mut chunk, &mut carry) {
            Ok(true) => {}
            Ok(false) => return (Ok(reader.lines), reader.busy),
            Err(e) => return (Err(e), reader.busy),
        }
        chunk.seq = seq;
        seq += 1;
        // counted before it is sent: a signal now waits for these lines to be written
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        if work.send(chunk).is_err() {
            return (Ok(reader.lines), reader.busy);
        }
    }
}

/// A worker thread: scores and formats blocks, keeping one scratch space (and word cache)
/// for the whole run; returns its busy time.
fn score_blocks(
    render: &Render,
    work: &Mutex<Receiver<Chunk>>,
    done: SyncSender<Chunk>,
    abort: &AtomicBool,
) -> Duration {
    let mut scratch = Scratch::default();
    let mut busy = Duration::ZERO;
    loop {
        let next = work
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .recv_timeout(Duration::from_millis(50));
        let mut chunk = match next {
            Ok(c) => c,
            Err(RecvTimeoutError::Timeout) if !abort.load(Ordering::SeqCst) => continue,
            Err(_) => return busy,
        };
        let t = Instant::now();
        let mut out = std::mem::take(&mut chunk.out);
        chunk.invalid_utf8 = render.lines(&chunk, 0..chunk.ends.len(), &mut scratch, &mut out);
        chunk.out = out;
        busy += t.elapsed();
        if done.send(chunk).is_err() {
            return busy;
        }
    }
}

/// The calling thread: writes finished blocks in input order and hands them back to the
/// reader. It flushes when no other block is in flight (the input is idle or ended), and
/// after a signal exits as soon as every line read so far is written.
fn write_blocks<W: Write>(
    done: &Receiver<Chunk>,
    free: &SyncSender<Chunk>,
    out: &mut W,
    stats: &mut Stats,
    busy: &mut Duration,
) -> anyhow::Result<()> {
    let mut next = 0u64;
    let mut waiting: Vec<Chunk> = Vec::new();
    while let Ok(chunk) = done.recv() {
        waiting.push(chunk);
        while let Some(i) = waiting.iter().position(|c| c.seq == next) {
            let mut c = waiting.swap_remove(i);
            let t = Instant::now();
            out.write_all(&c.out)?;
            if IN_FLIGHT.load(Ordering::SeqCst) == 1 {
                // nothing else read: what was written reaches the reader now
                out.flush()?;
            }
            *busy += t.elapsed();
            stats.lines += c.ends.len() as u64;
            stats.truncated += c.truncated;
            stats.invalid_utf8 += c.invalid_utf8;
            next += 1;
            c.out.clear();
            let left = IN_FLIGHT.fetch_sub(1, Ordering::SeqCst) - 1;
            let sig = STOP.load(Ordering::SeqCst);
            if sig != 0 && left == 0 {
                // a signal arrived while lines were in hand: they are written; stop
                out.flush()?;
                claimscan::persist::remove_pending();
                std::process::exit(128 + sig);
            }
            // (the reader is gone once the input ended: the block is just dropped)
            let _ = free.send(c);
        }
    }
    debug_assert!(waiting.is_empty(), "every block read is written");
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes in reads of the given sizes, in turn (a pipe that delivers
    /// pieces at its own pace).
    struct Pieces {
        data: Vec<u8>,
        at: usize,
        sizes: Vec<usize>,
        turn: usize,
    }

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let size = self.sizes[self.turn % self.sizes.len()];
            self.turn += 1;
            let n = size.min(buf.len()).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// Every line the reader hands out, with the number of lines it cut.
    fn read_all(data: &[u8], sizes: Vec<usize>) -> (Vec<Vec<u8>>, u64, Vec<u64>) {
        let mut r = LineReader::new(Pieces {
            data: data.to_vec(),
            at: 0,
            sizes,
            turn: 0,
        });
        let (mut chunk, mut carry) = (Chunk::default(), Vec::new());
        let (mut lines, mut cut, mut firsts) = (Vec::new(), 0, Vec::new());
        while r.fill(&mut chunk, &mut carry).unwrap() {
            firsts.push(chunk.first_line);
            cut += chunk.truncated;
            lines.extend((0..chunk.ends.len()).map(|i| chunk.line(i).to_vec()));
        }
        (lines, cut, firsts)
    }

    #[test]
    fn lines_come_out_whole_whatever_the_reads() {
        let mut data = Vec::new();
        for i in 0..5000 {
            data.extend_from_slice(format!("line {i} with some words\r\n").as_bytes());
            if i % 7 == 0 {
                data.extend_from_slice(b"\n");
            }
        }
        data.extend_from_slice(b"no line end at the end");
        let want: Vec<Vec<u8>> = data
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
            .collect();
        for sizes in [vec![1], vec![3, 1000, 7], vec![READ_BYTES], vec![65536, 13]] {
            let (lines, cut, firsts) = read_all(&data, sizes.clone());
            assert_eq!(lines, want, "reads of {sizes:?}");
            assert_eq!(cut, 0);
            assert_eq!(firsts[0], 1);
        }
    }

    #[test]
    fn a_line_over_the_cap_is_cut_and_the_next_one_kept() {
        let mut data = b"short\n".to_vec();
        data.extend(vec![b'x'; MAX_LINE_BYTES + 12_345]);
        data.extend_from_slice(b"\nafter\n");
        for sizes in [vec![READ_BYTES], vec![4096, 1, 100_000]] {
            let (lines, cut, _) = read_all(&data, sizes);
            assert_eq!(lines.len(), 3);
            assert_eq!(lines[0], b"short");
            assert_eq!(lines[1].len(), MAX_LINE_BYTES);
            assert_eq!(lines[2], b"after");
            assert_eq!(cut, 1);
        }
    }

    #[test]
    fn an_idle_input_gets_its_lines_at_once() {
        // a short read ends the block: the first line is handed out before the rest is read
        let data = b"first\nsecond\n".to_vec();
        let mut r = LineReader::new(Pieces {
            data,
            at: 0,
            sizes: vec![6, 7],
            turn: 0,
        });
        let (mut chunk, mut carry) = (Chunk::default(), Vec::new());
        assert!(r.fill(&mut chunk, &mut carry).unwrap());
        assert_eq!(chunk.ends.len(), 1);
        assert_eq!(chunk.line(0), b"first");
        assert!(r.fill(&mut chunk, &mut carry).unwrap());
        assert_eq!((chunk.first_line, chunk.line(0)), (2, &b"second"[..]));
        assert!(!r.fill(&mut chunk, &mut carry).unwrap());
    }
}
