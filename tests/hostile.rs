//! Hostile input and failure: every case gets a clear error or a sensible result, never a
//! panic, a lost line or a half-written model.

mod common;
use common::{claimscan, fixture, run, train, train_to};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn predict_lines(model: &Path, input: &[u8]) -> (i32, Vec<String>, String) {
    let (code, out, err) = run(&["predict", "--model", model.to_str().unwrap()], input);
    (code, out.lines().map(String::from).collect(), err)
}

fn model() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), &fixture("golden.csv"), &[]);
    (dir, m)
}

#[test]
fn invalid_utf8_is_replaced_counted_and_keeps_lines() {
    let (_d, m) = model();
    let input = b"good line\nbad \xff\xfe bytes\nscammers \xc3\x28 defraud\n";
    let (code, lines, err) = predict_lines(&m, input);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 3);
    assert!(
        lines[1].ends_with("\tbad \u{fffd}\u{fffd} bytes"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("risk:misuse\t"));
    assert!(err.contains("2 lines had invalid UTF-8"), "{err}");
}

#[test]
fn nul_bytes_crlf_and_blank_lines() {
    let (_d, m) = model();
    let (code, lines, _) = predict_lines(
        &m,
        b"a\0b scammers\r\n\r\n\n\0\0\0\r\nlast line without newline",
    );
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 5);
    assert!(
        lines[0].ends_with("\ta\0b scammers"),
        "CR is stripped: {:?}",
        lines[0]
    );
    assert!(lines.iter().all(|l| !l.contains('\r')));
    let (code, lines, _) = predict_lines(&m, b"\n\n\n");
    assert_eq!((code, lines.len()), (0, 3));
}

#[test]
fn a_100_mb_single_line_is_one_output_line() {
    let (_d, m) = model();
    let mut input = "scammers clone voices "
        .repeat(100 * 1024 * 1024 / 22)
        .into_bytes();
    input.extend_from_slice(b"\nsecond\n");
    let out = claimscan()
        .args([
            "predict",
            "--model",
            m.to_str().unwrap(),
            "--format",
            "json",
        ])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["label"], "risk:misuse");
    let p = rows[0]["probability"].as_f64().unwrap();
    assert!(p.is_finite() && p > 0.99);
    assert_eq!(rows[1]["line"], 2);
}

#[test]
fn probabilities_sum_to_one_for_100k_tokens() {
    let (_d, m) = model();
    let line = "attackers exploit the server and scammers defraud staff ".repeat(12_500);
    let (code, out, _) = run(
        &[
            "predict",
            "--model",
            m.to_str().unwrap(),
            "--format",
            "json",
            "--top",
            "4",
        ],
        format!("{line}\n"),
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["known_tokens"], 100_000);
    let sum: f64 = v["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["probability"].as_f64().unwrap())
        .sum();
    assert!((sum - 1.0).abs() < 1e-5, "{sum}");
}

#[test]
fn broken_pipe_exits_quietly() {
    let (_d, m) = model();
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimscan"))
        .args(["predict", "--model", m.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = "scammers clone voices\n".repeat(10_000);
        for _ in 0..200 {
            if stdin.write_all(chunk.as_bytes()).is_err() {
                break;
            }
        }
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // like `| head -1`
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// Runs `train` on a CSV with `content`; returns (exit code, stderr, model written?).
fn train_csv(content: &[u8], extra: &[&str]) -> (i32, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, content).unwrap();
    let out = dir.path().join("out.model");
    let (code, err) = train_to(&csv, &out, extra);
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    (
        code,
        err.replace(csv.to_str().unwrap(), "data.csv"),
        out.exists() || leftovers != 1,
    )
}

#[test]
fn bad_training_csvs_fail_with_one_positioned_line_and_no_model() {
    let cases: &[(&[u8], &[&str], &str)] = &[
        (b"", &[], "claimscan: data.csv:1: empty file: no header row\n"),
        (b"text,label\n", &[], "claimscan: data.csv: no data rows after the header\n"),
        (b"sentence,tag\na,b\n", &[], "claimscan: data.csv:1: no column 'text' in the header (columns found: sentence, tag)\n"),
        (b"text,label\na,x\nb,\n", &[], "claimscan: data.csv:3: empty label\n"),
        (b"text,label\na,x\nb,y,z\n", &[], "claimscan: data.csv:3: expected 2 fields like the header, found 3\n"),
        (b"text,label\na,x\n\"b,y\nc,z\n", &[], "claimscan: data.csv:3: a quoted field spans several lines (unbalanced quote?)\n"),
        (b"text,label\na,x\nb,x\n", &[], "claimscan: fitting failed: need at least two classes to train, found only 'x'\n"),
        (b"text,label\na,x\nb \xff,y\n", &[], "claimscan: data.csv:3: invalid UTF-8\n"),
        (b"text;label\na;x\n", &["--delimiter", ";;"], "claimscan: invalid parameter: delimiter must be one ASCII character or 'tab', got \";;\"\n"),
    ];
    for (content, extra, expect) in cases {
        let (code, err, written) = train_csv(content, extra);
        assert_eq!(code, 2, "{expect}");
        assert_eq!(err, *expect);
        assert!(!written, "a model or temporary file was left for {expect}");
    }
}

#[test]
fn missing_training_file_is_named() {
    let (code, _, err) = run(
        &[
            "train",
            "--data",
            "/nonexistent/x.csv",
            "--out",
            "/tmp/never.model",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(
        err.starts_with("claimscan: /nonexistent/x.csv: No such file"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn bom_semicolon_and_tab_delimiters_train() {
    for (content, delim) in [
        (
            &b"\xef\xbb\xbftext,label\ncheap models,cost\nattack flaw,security\n"[..],
            ",",
        ),
        (
            b"text;label\ncheap, models;cost\nattack flaw;security\n",
            ";",
        ),
        (
            b"text\tlabel\ncheap models\tcost\nattack flaw\tsecurity\n",
            "tab",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("d.csv");
        std::fs::write(&csv, content).unwrap();
        let m = dir.path().join("m.model");
        let (code, _, err) = run(
            &[
                "train",
                "--data",
                csv.to_str().unwrap(),
                "--out",
                m.to_str().unwrap(),
                "--delimiter",
                delim,
            ],
            "",
        );
        assert_eq!(code, 0, "{delim}: {err}");
        let (_, out, _) = run(&["predict", "--model", m.to_str().unwrap()], "cheap\n");
        assert!(out.starts_with("cost\t"), "{delim}: {out}");
    }
}

#[test]
fn refuses_to_write_over_the_input_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("d.csv");
    std::fs::copy(fixture("golden.csv"), &csv).unwrap();
    let before = std::fs::read(&csv).unwrap();
    let (code, err) = train_to(&csv, &csv, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("refusing to write the model over the input CSV"),
        "{err}"
    );
    assert_eq!(std::fs::read(&csv).unwrap(), before);
}

#[test]
fn damaged_model_files_are_refused() {
    let (dir, m) = model();
    let good = std::fs::read(&m).unwrap();
    let bad = dir.path().join("bad.model");
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    // another format version: the digit after the magic
    let mut v9 = good.clone();
    assert!(v9.starts_with(b"claimscan-model 2 "));
    v9[16] = b'9';
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            good[..good.len() / 3].to_vec(),
            "truncated or damaged model",
        ),
        (good[..10].to_vec(), "not a claimscan model"),
        (flipped, "checksum mismatch"),
        (v9, "model format version 9 is not supported"),
        (
            b"text,label\nhello,world\n".to_vec(),
            "not a claimscan model (bad magic)",
        ),
        (Vec::new(), "not a claimscan model"),
    ];
    for (bytes, expect) in cases {
        std::fs::write(&bad, &bytes).unwrap();
        let (code, out, err) = run(&["predict", "--model", bad.to_str().unwrap()], "scammers\n");
        assert_eq!(code, 2, "{expect}");
        assert_eq!(out, "", "no prediction from a damaged model");
        assert!(err.contains(expect), "{expect}: {err}");
        assert_eq!(err.lines().count(), 1);
    }
    let (code, _, err) = run(&["info", "--model", "/nonexistent.model"], "");
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent.model: No such file"), "{err}");
}

#[test]
fn killed_training_leaves_the_old_model_intact() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), &fixture("golden.csv"), &[]);
    let before = std::fs::read(&m).unwrap();
    // a large CSV so that training is still running when it is killed
    let csv = dir.path().join("big.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    writeln!(w, "text,label").unwrap();
    for i in 0..300_000 {
        writeln!(
            w,
            "sentence number {i} about word{} and word{},l{}",
            i % 5000,
            i % 777,
            i % 7
        )
        .unwrap();
    }
    drop(w);
    for delay_ms in [50u64, 200, 600] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_claimscan"))
            .args([
                "train",
                "--data",
                csv.to_str().unwrap(),
                "--out",
                m.to_str().unwrap(),
                "--bigrams",
            ])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            // finished before the kill: the new model must then be whole
            assert!(claimscan::persist::load(&m).is_ok());
            return;
        }
        assert_eq!(
            std::fs::read(&m).unwrap(),
            before,
            "killed after {delay_ms} ms"
        );
    }
}
