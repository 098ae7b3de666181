//! Load test of `claimscan serve` on loopback: `cargo bench --bench serve_load`.
//!
//! Starts the release binary on a free loopback port and sends `POST /v1/predict` requests
//! of 1 sentence and of 100 sentences from 1, 16 and 64 clients (threads, each with one
//! keep-alive connection), a fixed number of requests per run; prints requests per second
//! and the p50 / p99 / max latency, then the server's resident memory before and after
//! 100,000 more requests. Bounded: every run stops after its request count or 120 s.
//! Not part of `cargo test`: timings depend on the machine and its load.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// One keep-alive connection.
struct Conn {
    w: TcpStream,
    r: BufReader<TcpStream>,
}

impl Conn {
    fn new(addr: &str) -> Conn {
        let w = TcpStream::connect(addr).expect("connect");
        w.set_nodelay(true).unwrap();
        w.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let r = BufReader::new(w.try_clone().unwrap());
        Conn { w, r }
    }

    /// Sends one request; returns the status.
    fn send(&mut self, req: &[u8]) -> u16 {
        self.w.write_all(req).expect("write");
        let mut line = String::new();
        self.r.read_line(&mut line).expect("status line");
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut len = 0usize;
        loop {
            line.clear();
            self.r.read_line(&mut line).expect("header");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; len];
        self.r.read_exact(&mut body).expect("body");
        status
    }
}

fn request(addr: &str, texts: &[&str]) -> Vec<u8> {
    let body = serde_json::json!({ "texts": texts }).to_string();
    format!(
        "POST /v1/predict HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

struct Run {
    requests: usize,
    errors: usize,
    wall: Duration,
    lat_us: Vec<u64>,
}

/// `total` requests spread over `clients` connections, each request drawn from `reqs`.
fn run(addr: &str, clients: usize, total: usize, reqs: &[Vec<u8>]) -> Run {
    let per = total.div_ceil(clients);
    let deadline = Instant::now() + Duration::from_secs(120);
    let start = Instant::now();
    let results: Vec<(Vec<u64>, usize)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..clients)
            .map(|c| {
                s.spawn(move || {
                    let mut conn = Conn::new(addr);
                    let mut lat = Vec::with_capacity(per);
                    let mut errors = 0;
                    for i in 0..per {
                        if Instant::now() > deadline {
                            break;
                        }
                        let req = &reqs[(c * 7919 + i) % reqs.len()];
                        let t = Instant::now();
                        if conn.send(req) != 200 {
                            errors += 1;
                        }
                        lat.push(t.elapsed().as_micros() as u64);
                    }
                    (lat, errors)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wall = start.elapsed();
    let mut lat_us: Vec<u64> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    lat_us.sort_unstable();
    Run {
        requests: lat_us.len(),
        errors: results.iter().map(|r| r.1).sum(),
        wall,
        lat_us,
    }
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_claimscan");
    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("claimscan serve starts");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            panic!("server exited");
        }
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    // drain the per-request log lines so that the server never blocks on a full pipe
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let pid = child.id();

    let stream = claimscan::bench_stream(10_000);
    let sentences: Vec<&str> = std::str::from_utf8(&stream).unwrap().lines().collect();
    let one: Vec<Vec<u8>> = sentences.iter().map(|s| request(&addr, &[s])).collect();
    let hundred: Vec<Vec<u8>> = sentences.chunks(100).map(|c| request(&addr, c)).collect();

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "claimscan serve load test on {addr}; load average before: {}",
        load.trim()
    );
    println!(
        "cores: {}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // warm up
    run(&addr, 4, 2_000, &one);

    println!("| request | clients | requests | errors | requests/s | sentences/s | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, reqs, per_req, totals) in [
        ("1 sentence", &one, 1usize, [5_000usize, 20_000, 20_000]),
        ("100 sentences", &hundred, 100, [500, 2_000, 2_000]),
    ] {
        for (clients, total) in [1usize, 16, 64].into_iter().zip(totals) {
            let r = run(&addr, clients, total, reqs);
            let rps = r.requests as f64 / r.wall.as_secs_f64();
            println!(
                "| {name} | {clients} | {} | {} | {rps:.0} | {:.0} | {:.2} | {:.2} | {:.2} |",
                r.requests,
                r.errors,
                rps * per_req as f64,
                pct(&r.lat_us, 0.50),
                pct(&r.lat_us, 0.99),
                pct(&r.lat_us, 1.0)
            );
        }
    }

    let before = rss_kib(pid);
    let r = run(&addr, 16, 100_000, &one);
    let after = rss_kib(pid);
    println!(
        "memory: RSS {:.1} MiB before, {:.1} MiB after {} more 1-sentence requests from 16 clients ({} errors, {:.0} requests/s)",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        r.requests,
        r.errors,
        r.requests as f64 / r.wall.as_secs_f64()
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average after: {}", load.trim());
    stop(&mut child);
}

/// Stops the server (SIGTERM, so that it shuts down as in use), then reaps it.
fn stop(child: &mut std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
