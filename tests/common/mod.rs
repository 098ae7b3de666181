//! Helpers that hide the process plumbing of end-to-end tests.
#![allow(dead_code)]

pub mod http;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The claimscan binary built for this test run.
pub fn claimscan() -> Command {
    Command::cargo_bin("claimscan").expect("binary built")
}

/// A committed fixture file.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs claimscan with `args` and `stdin`; returns (exit code, stdout, stderr).
pub fn run(args: &[&str], stdin: impl Into<Vec<u8>>) -> (i32, String, String) {
    let out = claimscan()
        .args(args)
        .write_stdin(stdin.into())
        .output()
        .expect("claimscan runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `claimscan train --data csv --out out extra...`; returns (exit code, stderr).
pub fn train_to(csv: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "train",
        "--data",
        csv.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = run(&args, "");
    (code, err)
}

/// Trains a model on `csv` into `dir` and returns its path.
pub fn train(dir: &Path, csv: &Path, extra: &[&str]) -> PathBuf {
    let model = dir.join("m.model");
    let (code, err) = train_to(csv, &model, extra);
    assert_eq!(code, 0, "train failed: {err}");
    model
}
