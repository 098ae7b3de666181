//! The `claimscan` command line: a thin shell over the library. Only this layer prints and
//! chooses exit codes: 0 success, 1 nothing to do, 2 usage or input error.

mod cmd;
#[cfg(feature = "server")]
mod server;

use clap::Parser;
use std::process::ExitCode;

/// Spot claims about the risks and rewards of AI in text.
///
/// The embedded model is for English sentences about AI: it labels each one with a risk
/// (risk:misuse, risk:security, ...), a reward (reward:cost, ...) or neutral. Text in other
/// languages, or not about AI, gets labels too, but they mean nothing.
#[derive(Parser)]
#[command(
    name = "claimscan",
    version,
    about,
    after_long_help = AFTER,
    propagate_version = true
)]
struct Cli {
    /// No informational messages or progress bars on stderr (warnings and errors still show).
    #[arg(short = 'q', long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: cmd::Command,
}

const AFTER: &str = "\
Examples:
  claimscan predict notes.txt                     label each line of notes.txt
  claimscan report -f json articles/              summarise every .txt and .md file in a folder
  claimscan eval --data labelled.csv -f json      measure the embedded model

Exit codes: 0 success, 1 nothing to do (no input lines), 2 usage or input error,
128+N stopped by signal N.";

/// The error and its causes on one line, each message once: a cause whose text the
/// message before it already ends with (an OS error quoted by its context) is left out.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) || line.contains(&format!(": {text}")) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
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
                if cmd::IN_FLIGHT.load(Ordering::SeqCst) == 0
                    && !cmd::SELF_STOPPING.load(Ordering::SeqCst)
                {
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
    cmd::set_quiet(cli.quiet);
    install_signal_cleanup();
    match cmd::run(cli.command) {
        Ok(code) => code,
        Err(err) if cmd::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            cmd::say!("claimscan: {}", one_line(&err));
            ExitCode::from(2)
        }
    }
}
