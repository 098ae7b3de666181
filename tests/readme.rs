//! The README's Usage section matches the binary: the `claimscan --help` block and the
//! usage line of every subcommand are printed by the binary as the README shows them.

mod common;
use common::run;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The first ```text block after `marker` in the README.
fn block_after(readme: &str, marker: &str) -> String {
    let rest = readme
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker:?}"));
    let body = rest.split("```text\n").nth(1).unwrap();
    body.split("\n```").next().unwrap().to_string()
}

#[test]
fn readme_usage_is_the_help_of_the_binary() {
    let readme = readme();
    let (code, help, _) = run(&["--help"], "");
    assert_eq!(code, 0);
    let shown = block_after(&readme, "`claimscan --help`");
    assert_eq!(
        shown,
        help.trim_end(),
        "README.md's Usage section is out of date: paste `claimscan --help` into it"
    );
    let shown = block_after(&readme, "The subcommands (");
    let mut lines = Vec::new();
    let mut missing = Vec::new();
    for cmd in [
        "train",
        "predict",
        "report",
        "info",
        "eval",
        "tune",
        "bench",
        "merge",
        "completions",
        "man",
        "serve",
    ] {
        let (_, help, _) = run(&[cmd, "--help"], "");
        lines.push(
            help.lines()
                .find(|l| l.starts_with("Usage:"))
                .unwrap()
                .to_string(),
        );
        // every flag of the subcommand is named somewhere in the README
        for flag in help
            .split_whitespace()
            .filter(|w| w.starts_with("--") && w.len() > 2)
            .map(|w| w.trim_end_matches([',', '.', ')', '`', ':']))
        {
            if ["--help", "--version", "--quiet"].contains(&flag) {
                continue;
            }
            if !readme.contains(flag) {
                missing.push(format!("{cmd} {flag}"));
            }
        }
    }
    assert!(missing.is_empty(), "not in the README: {missing:?}");
    assert_eq!(shown, lines.join("\n"));
}
