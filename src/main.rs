//! The `claimscan` command line: a thin shell over the library. Only this layer prints and
//! chooses exit codes: 0 success, 1 nothing to do, 2 usage or input error.

mod cmd;

use clap::Parser;
use std::process::ExitCode;

/// Spot claims about the risks and rewards of AI in text.
#[derive(Parser)]
#[command(name = "claimscan", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cmd::run(cli.command) {
        Ok(code) => code,
        Err(err) if cmd::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("claimscan: {err:#}");
            ExitCode::from(2)
        }
    }
}
