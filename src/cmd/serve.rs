//! `claimscan serve`: the JSON API and the web app over HTTP (see src/server/).

use super::say;
use crate::server::{router, App, Limits};
use anyhow::Context;
use claimscan::card::ModelCard;
use claimscan::Classifier;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on. The default takes connections from this machine only; port 0
    /// picks a free port (the address is printed on stderr).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    addr: SocketAddr,
    /// Model file (default: the model embedded in the binary, trained on corpus/claims.csv).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Largest request body, in bytes (suffixes K and M: 1024 and 1024*1024).
    #[arg(long, default_value = "2M", value_name = "BYTES", value_parser = parse_size)]
    max_body: usize,
    /// Most texts in one /v1/predict request.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    max_texts: usize,
    /// Longest a request may wait for a worker and be scored, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    timeout: f64,
    /// Requests scored at once (default: one per core).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Requests that may wait for a worker; beyond that the server answers 503 at once.
    #[arg(long, default_value_t = 256, value_name = "N")]
    queue: usize,
    /// Testing only: make every scoring job take this many milliseconds more.
    #[arg(long, hide = true, default_value_t = 0, value_name = "MS")]
    debug_delay_ms: u64,
}

fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (num, mult) = match t.as_bytes().last() {
        Some(b'k' | b'K') => (&t[..t.len() - 1], 1024),
        Some(b'm' | b'M') => (&t[..t.len() - 1], 1024 * 1024),
        _ => (t, 1),
    };
    let n: usize = num
        .trim()
        .parse()
        .map_err(|_| format!("expected a size in bytes such as 2M, 512K or 100000, got {s:?}"))?;
    match n.checked_mul(mult) {
        Some(0) => Err("the size must be more than 0".into()),
        Some(v) => Ok(v),
        None => Err(format!("{s:?} is too large")),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !(args.timeout > 0.0 && args.timeout <= 86_400.0) {
        anyhow::bail!(
            "--timeout must be more than 0 and at most 86400 seconds, got {}",
            args.timeout
        );
    }
    let (card, model) = ModelCard::load(args.model.as_deref())?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = match args.workers {
        None | Some(0) => cores,
        Some(w) => w.min(super::max_threads()),
    };
    let limits = Limits {
        max_body: args.max_body,
        max_texts: args.max_texts,
        timeout: Duration::from_secs_f64(args.timeout),
        workers,
        queue: args.queue,
        delay: Duration::from_millis(args.debug_delay_ms),
    };
    let app = Arc::new(App::new(Classifier::from_model(model), card, limits));
    // signals: handled here (graceful shutdown), not by the command line's clean-up thread
    super::SELF_STOPPING.store(true, std::sync::atomic::Ordering::SeqCst);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.clamp(1, 4))
        .max_blocking_threads(workers.max(1))
        .enable_io()
        .enable_time()
        .thread_name("claimscan-serve")
        .build()
        .context("cannot start the server's runtime")?;
    rt.block_on(serve(args.addr, app))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(addr: SocketAddr, app: Arc<App>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    let model = app.identity();
    if bound.ip().is_loopback() {
        say!("claimscan: listening on http://{bound}/ ({model}); loopback only: other machines cannot connect (--addr 0.0.0.0:PORT to open it)");
    } else {
        say!("claimscan: listening on http://{bound}/ ({model})");
        say!("claimscan: warning: {bound} is not a loopback address: anyone who can reach this machine can use the server, and it has no authentication");
    }
    say!("claimscan: Ctrl-C or SIGTERM stops it after the requests in progress");
    // answers go out at once (no Nagle delay on small responses)
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(app, bound.ip().is_loopback()))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")?;
    say!("claimscan: stopped");
    Ok(())
}

/// Resolves on the first SIGINT or SIGTERM; a second one ends the process at once.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        say!("claimscan: warning: cannot watch for signals; stop the server with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {},
        _ = term.recv() => {},
    }
    say!("claimscan: shutting down: finishing the requests in progress (signal again to stop now)");
    tokio::spawn(async move {
        tokio::select! {
            _ = int.recv() => {},
            _ = term.recv() => {},
        }
        say!("claimscan: stopped before the requests in progress finished");
        std::process::exit(130);
    });
}
