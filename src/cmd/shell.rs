//! `claimscan completions` and `claimscan man`: shell completion scripts (clap_complete) and
//! the man page (clap_mangen), both generated from the command-line definition.

use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub const AFTER_COMPLETIONS: &str = "\
Examples:
  claimscan completions bash > ~/.local/share/bash-completion/completions/claimscan
  claimscan completions zsh > ~/.zfunc/_claimscan      # with fpath+=~/.zfunc in ~/.zshrc
  claimscan completions fish > ~/.config/fish/completions/claimscan.fish

Exit codes: 0 written, 2 usage error or the script could not be written.";

pub const AFTER_MAN: &str = "\
Examples:
  claimscan man > claimscan.1 && man ./claimscan.1
  claimscan man | gzip > ~/.local/share/man/man1/claimscan.1.gz
  claimscan man | groff -man -Tutf8 | less

Exit codes: 0 written, 2 the page could not be written.";

pub fn completions(args: CompletionArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = crate::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "claimscan", &mut buf);
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn man() -> anyhow::Result<ExitCode> {
    let cmd = crate::Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
