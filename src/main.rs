//! The `claimscan` command line: a thin shell over the library. Only this layer prints and
//! chooses exit codes: 0 success, 1 nothing to do, 2 usage or input error.

mod cmd;
#[cfg(feature = "server")]
mod server;

use clap::Parser;
use std::process::ExitCode;

/// Spot claims about the risks and rewards of AI in text.
#[derive(Parser)]
#[command(name = "claimscan", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: cmd::Command,
}

/// On SIGINT or SIGTERM: remove the temporary file of a write in progress (the target
/// stays as it was) and exit with 128 + the signal number, as a shell would report; a
/// `predict` that holds lines it has read first classifies and writes them.
fn install_signal_cleanup() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                use std::sync::atomic::Ordering;
                cmd::STOP.store(sig, Ordering::SeqCst);
                // `predict` holding lines it has read writes them, then exits itself
                if !cmd::BUSY.load(Ordering::SeqCst) {
                    claimscan::persist::remove_pending();
                    std::process::exit(128 + sig);
                }
            }
        });
    }
}

fn main() -> ExitCode {
    if let Err(msg) = cmd::guard_std_fds() {
        cmd::say!("claimscan: {msg}");
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout, usage errors to stderr; a page that
            // cannot be written is a failure too
            use std::io::Write;
            let printed = e.print().and_then(|_| std::io::stdout().flush());
            return match (printed, e.exit_code()) {
                (Err(_), _) => ExitCode::from(2),
                (Ok(()), code) => ExitCode::from(code.clamp(0, 255) as u8),
            };
        }
    };
    install_signal_cleanup();
    match cmd::run(cli.command) {
        Ok(code) => code,
        Err(err) if cmd::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            cmd::say!("claimscan: {err:#}");
            ExitCode::from(2)
        }
    }
}
