//! Hostile input, round two: special files and links as outputs, outputs that are inputs,
//! permissions, interrupted writes, crafted models and labels that carry markup.

mod common;
use common::{claimscan, fixture, run, train_to};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::time::{Duration, Instant};

fn golden() -> std::path::PathBuf {
    fixture("golden.csv")
}

fn is_link(p: &std::path::Path) -> bool {
    std::fs::symlink_metadata(p)
        .unwrap()
        .file_type()
        .is_symlink()
}

fn is_model(bytes: &[u8]) -> bool {
    bytes.starts_with(b"claimscan-model ")
}

#[test]
fn output_through_a_link_to_stdout_writes_to_stdout_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("out.model");
    std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
    let out = claimscan()
        .args(["train", "--data", golden().to_str().unwrap(), "--out"])
        .arg(&link)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(is_model(&out.stdout), "the model went to stdout (a pipe)");
    assert!(is_link(&link));
}

#[test]
fn output_into_a_fifo_is_written_into_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let (code, err) = train_to(&golden(), &fifo, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(is_model(&reader.join().unwrap()));
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
}

#[test]
fn output_to_a_device_keeps_the_device() {
    // through a link in a temporary folder, so that a regression cannot touch /dev
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("null.model");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let (code, err) = train_to(&golden(), &link, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(is_link(&link));
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    let page = dir.path().join("null.html");
    std::os::unix::fs::symlink("/dev/null", &page).unwrap();
    let (code, _, err) = run(
        &["report", "--html", page.to_str().unwrap()],
        "Open models are cheap.\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(is_link(&page));
}

#[test]
fn output_through_a_link_replaces_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.model");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link.model");
    std::os::unix::fs::symlink("real.model", &link).unwrap();
    let (code, err) = train_to(&golden(), &link, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(is_link(&link));
    assert!(is_model(&std::fs::read(&real).unwrap()));
    // and through a dangling link: the target is created
    let dangling = dir.path().join("new.model");
    std::os::unix::fs::symlink("made.model", &dangling).unwrap();
    let (code, err) = train_to(&golden(), &dangling, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(is_model(
        &std::fs::read(dir.path().join("made.model")).unwrap()
    ));
}

#[test]
fn new_files_honour_the_umask_and_existing_files_keep_their_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.model");
    let bin = assert_cmd::cargo::cargo_bin("claimscan");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 077 && '{}' train --data '{}' --out '{}'",
            bin.display(),
            golden().display(),
            out.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, err) = train_to(&golden(), &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn report_refuses_to_write_its_page_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("article.txt");
    std::fs::write(&doc, "Open models cut our costs.\n").unwrap();
    let (code, _, err) = run(
        &[
            "report",
            doc.to_str().unwrap(),
            "--html",
            doc.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("refusing to write"), "{err}");
    let link = dir.path().join("page.html");
    std::os::unix::fs::symlink(&doc, &link).unwrap();
    let (code, _, err) = run(
        &[
            "report",
            doc.to_str().unwrap(),
            "--html",
            link.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        std::fs::read_to_string(&doc).unwrap(),
        "Open models cut our costs.\n"
    );
}

#[test]
fn sigterm_during_a_write_removes_the_temporary_file_and_keeps_the_old_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.model");
    std::fs::write(&out, b"the old model").unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("claimscan"))
        .args(["train", "--data", golden().to_str().unwrap(), "--out"])
        .arg(&out)
        .env("CLAIMSCAN_TEST_STALL_BEFORE_RENAME_MS", "20000")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let tmp_exists = || {
        std::fs::read_dir(dir.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".claimscan-")
        })
    };
    let start = Instant::now();
    while !tmp_exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    unsafe_kill(child.id(), 15);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
    assert!(!tmp_exists(), "the temporary file was left behind");
    assert_eq!(std::fs::read(&out).unwrap(), b"the old model");
}

fn unsafe_kill(pid: u32, sig: i32) {
    assert!(std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap()
        .success());
}

#[test]
fn labels_cannot_inject_markup_into_the_html_report() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("evil.csv");
    std::fs::write(
        &csv,
        "text,label\n\
         open models cut costs,\"x\"\" onmouseover=\"\"alert(1)\"\n\
         cheap inference for all,\"x\"\" onmouseover=\"\"alert(1)\"\n\
         attackers exploit the server,\"risk:<img src=x onerror=alert(2)>\"\n\
         a poisoned checkpoint,\"risk:<img src=x onerror=alert(2)>\"\n",
    )
    .unwrap();
    let model = dir.path().join("m.model");
    let (code, err) = train_to(&csv, &model, &[]);
    assert_eq!(code, 0, "{err}");
    let page = dir.path().join("r.html");
    let (code, _, err) = run(
        &[
            "report",
            "--model",
            model.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ],
        "open models cut costs. attackers exploit the server.\n",
    );
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<img"), "live markup from a label");
    assert!(
        !html.contains("\" onmouseover"),
        "an attribute broken out of"
    );
    assert!(html.contains("&lt;img"), "the label is shown, escaped");
}

#[test]
fn models_that_are_not_files_or_claim_huge_sizes_fail_fast() {
    for path in ["/dev/zero", "/dev/urandom", "/"] {
        let start = Instant::now();
        let (code, _, err) = run(&["info", "--model", path], "");
        assert_eq!(code, 2, "{path}: {err}");
        assert_eq!(err.lines().count(), 1, "{path}: {err}");
        assert!(start.elapsed() < Duration::from_secs(5), "{path}");
    }
    let dir = tempfile::tempdir().unwrap();
    // a 2 GB sparse file whose header claims a 2 GB body
    let sparse = dir.path().join("sparse.model");
    let f = std::fs::File::create(&sparse).unwrap();
    use std::io::Write;
    let mut w = std::io::BufWriter::new(&f);
    writeln!(w, "claimscan-model 1 2000000000 00000000").unwrap();
    drop(w);
    f.set_len(2_000_000_040).unwrap();
    let (code, _, err) = run(&["info", "--model", sparse.to_str().unwrap()], "");
    assert_eq!(code, 2);
    assert!(err.contains("limit"), "{err}");
}

/// A model body with a valid checksum that declares far more labels x features than its
/// size could hold.
fn crafted(labels: usize, features: usize) -> Vec<u8> {
    let labels: Vec<String> = (0..labels).map(|i| format!("l{i:07}")).collect();
    let vocab: Vec<String> = (0..features).map(|i| format!("w{i:07}")).collect();
    let body = serde_json::json!({
        "settings": {
            "text": {"stem": true, "stop_words": false, "bigrams": false},
            "min_df": 1, "max_features": null, "alpha": 1.0, "variant": "multinomial",
            "sublinear_tf": false, "fit_prior": true
        },
        "labels": labels,
        "class_count": vec![1; labels.len()],
        "vocabulary": vocab,
        "counts": vec![Vec::<(u32, f64)>::new(); labels.len()],
    });
    let json = serde_json::to_vec(&body).unwrap();
    let mut out = format!(
        "claimscan-model 1 {} {:08x}\n",
        json.len(),
        crc32fast::hash(&json)
    )
    .into_bytes();
    out.extend_from_slice(&json);
    out
}

#[test]
fn a_crafted_model_with_huge_dimensions_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crafted.model");
    std::fs::write(&path, crafted(20_000, 200_000)).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 5_000_000);
    let (code, _, err) = run(&["info", "--model", path.to_str().unwrap()], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("too large"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_label_without_rows_or_an_absurd_alpha_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.model");
    let (code, err) = train_to(&golden(), &out, &["--alpha", "1e308"]);
    assert_eq!(code, 2);
    assert!(err.contains("alpha must be at most"), "{err}");
    assert!(!err.contains("serde"), "{err}");
    let mut bytes = crafted(3, 5);
    // zero rows for the first label: rebuild with a valid checksum
    let text =
        String::from_utf8(bytes.split_off(bytes.iter().position(|&b| b == b'\n').unwrap() + 1))
            .unwrap();
    let text = text.replacen("\"class_count\":[1,", "\"class_count\":[0,", 1);
    let mut file = format!(
        "claimscan-model 1 {} {:08x}\n",
        text.len(),
        crc32fast::hash(text.as_bytes())
    )
    .into_bytes();
    file.extend_from_slice(text.as_bytes());
    let path = dir.path().join("zero.model");
    std::fs::write(&path, file).unwrap();
    let (code, _, err) = run(&["info", "--model", path.to_str().unwrap()], "");
    assert_eq!(code, 2);
    assert!(err.contains("no training rows"), "{err}");
}

fn sh(script: &str) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("claimscan");
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script.replace("CLAIMSCAN", &format!("'{}'", bin.display())))
        .output()
        .unwrap()
}

#[test]
fn closed_or_full_outputs_and_closed_stdin_are_errors_not_panics() {
    // stdout on a full disk
    let out = sh("CLAIMSCAN bench --lines 1000 > /dev/full");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    // a closed pipe on stdout is not a failure
    let out = sh("CLAIMSCAN bench --lines 1000 | head -1 >/dev/null; exit ${PIPESTATUS:-0}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    // help that cannot be written
    let out = sh("CLAIMSCAN --help > /dev/full");
    assert_ne!(out.status.code(), Some(0));
    // closed stdout, closed stdin
    let out = sh("echo hi | CLAIMSCAN predict >&-");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard output is closed"));
    let out = sh("CLAIMSCAN predict <&-");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input is closed"));
    // but /dev/null stays an ordinary place to read from and write to
    let out = sh("echo hi | CLAIMSCAN predict > /dev/null");
    assert_eq!(out.status.code(), Some(0));
    // also when opened read-write, as Python's subprocess.DEVNULL does
    let out = sh("echo hi | CLAIMSCAN predict 1<>/dev/null");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // informational messages on a full or closed stderr: the job still succeeds
    let dir = tempfile::tempdir().unwrap();
    for redirect in ["2>/dev/full", "2>&-"] {
        let model = dir.path().join("m.model");
        let out = sh(&format!(
            "CLAIMSCAN train --data '{}' --out '{}' {redirect}",
            golden().display(),
            model.display()
        ));
        assert_eq!(out.status.code(), Some(0), "{redirect}");
        let (code, _, err) = run(&["info", "--model", model.to_str().unwrap()], "");
        assert_eq!(code, 0, "{err}");
    }
}

#[test]
fn threads_and_bench_lines_are_bounded() {
    let (code, out, err) = run(
        &["predict", "--threads", "100000"],
        "Open models are cheap.\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1);
    assert!(err.contains("capped"), "{err}");
    for lines in ["0", "99999999999"] {
        let (code, _, err) = run(&["bench", "--lines", lines], "");
        assert_eq!(code, 2, "{lines}");
        assert!(err.contains("--lines must be between"), "{err}");
    }
}

#[test]
fn predict_csv_reports_stray_quotes_and_keeps_every_record() {
    // a stray quote: the rest of the file would silently become one field
    let (code, out, err) = run(
        &["predict", "--csv"],
        "id,text\n1,open models are cheap\n2,\"a stray quote\n3,attackers exploit it\n",
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains(":3:") && err.contains("unbalanced quote"),
        "{err}"
    );
    // a valid quoted multi-line last record is one record
    let (code, out, err) = run(
        &["predict", "--csv", "--id-column", "id"],
        "id,text\n1,open models are cheap\n2,\"two\nlines\"\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.lines().nth(1).unwrap().ends_with("two\\nlines"),
        "{out}"
    );
    // invalid UTF-8 is replaced and warned about, no record lost
    let mut input = b"text\nopen models \xff are cheap\nattackers exploit it\n".to_vec();
    input.extend_from_slice(b"");
    let (code, out, err) = run(&["predict", "--csv"], input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2);
    assert!(err.contains("invalid UTF-8"), "{err}");
    // duplicate header names
    let (code, _, err) = run(&["predict", "--csv"], "text,text\na,b\n");
    assert_eq!(code, 2);
    assert!(
        err.contains("column 'text' appears more than once"),
        "{err}"
    );
    // --split sentences does not silently do nothing
    let (code, _, err) = run(
        &["predict", "--csv", "--split", "sentences"],
        "text\na. b.\n",
    );
    assert_eq!(code, 2);
    assert!(err.contains("--split sentences"), "{err}");
}

#[test]
fn separators_inside_fields_keep_one_record_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(
        &csv,
        "text,label\nopen models cut costs,\"a,b\"\ncheap inference,\"a,b\"\nattackers exploit it,risk\na poisoned file,risk\n",
    )
    .unwrap();
    let model = dir.path().join("m.model");
    let (code, err) = train_to(&csv, &model, &["--bigrams"]);
    assert_eq!(code, 0, "{err}");
    let input = "id,text\n\"x\ty\",\"cut\tcosts\nnow\"\n";
    for format in ["tsv", "csv"] {
        let (code, out, err) = run(
            &[
                "predict",
                "--model",
                model.to_str().unwrap(),
                "--csv",
                "--id-column",
                "id",
                "--format",
                format,
                "--top",
                "2",
                "--explain",
                "3",
            ],
            input,
        );
        assert_eq!(code, 0, "{err}");
        if format == "tsv" {
            assert_eq!(out.lines().count(), 1, "{format}: {out}");
            assert_eq!(out.trim_end().split('\t').count(), 7, "{out}");
            assert!(out.starts_with("x\\ty\t"), "{out}");
        } else {
            // CSV: the header row, then one line per record
            assert_eq!(out.lines().count(), 2, "{format}: {out}");
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(out.as_bytes());
            assert_eq!(
                rdr.headers().unwrap(),
                vec![
                    "id",
                    "label",
                    "probability",
                    "label_2",
                    "probability_2",
                    "explain",
                    "text"
                ]
            );
            let rec = rdr.records().next().unwrap().unwrap();
            assert_eq!(rec.len(), 7, "{out}");
            assert!(rec.iter().any(|f| f == "a,b"), "{out}");
        }
    }
    // training refuses a label with a TAB in it, naming the line
    std::fs::write(&csv, "text,label\na,\"x\ty\"\nb,z\n").unwrap();
    let (code, err) = train_to(&csv, &model, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":2:") && err.contains("control character"),
        "{err}"
    );
}

#[test]
fn predict_answers_a_line_on_an_idle_pipe_at_once() {
    use std::io::{BufRead, BufReader, Write};
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("claimscan"))
        .arg("predict")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // the first answer also waits for the model to load
    writeln!(stdin, "Open models cut our cloud bill in half.").unwrap();
    stdin.flush().unwrap();
    stdout.read_line(&mut line).unwrap();
    assert!(
        line.ends_with("Open models cut our cloud bill in half.\n"),
        "{line}"
    );
    for text in [
        "Attackers exploit the model server.",
        "The meeting starts at nine.",
    ] {
        let start = Instant::now();
        writeln!(stdin, "{text}").unwrap();
        stdin.flush().unwrap();
        line.clear();
        stdout.read_line(&mut line).unwrap();
        let took = start.elapsed();
        assert!(line.ends_with(&format!("{text}\n")), "{line}");
        assert!(took < Duration::from_millis(100), "answered after {took:?}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn sigterm_mid_stream_writes_whole_lines_for_what_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    let text = "Open-weight models let scammers clone voices in minutes.\n".repeat(400_000);
    std::fs::write(&input, &text).unwrap();
    let out_path = dir.path().join("out.tsv");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("claimscan"))
        .args(["predict", "--threads", "1"])
        .arg(&input)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    unsafe_kill(child.id(), 15);
    let status = child.wait().unwrap();
    let out = std::fs::read_to_string(&out_path).unwrap();
    if status.success() {
        // finished before the signal: every line answered
        assert_eq!(out.lines().count(), 400_000);
    } else {
        assert_eq!(status.code(), Some(128 + 15));
        assert!(out.is_empty() || out.ends_with('\n'), "a half-written line");
        assert!(out.lines().all(|l| l.ends_with("clone voices in minutes.")));
    }
}

/// Peak resident memory of a running child, sampled until it exits (KiB).
fn peak_rss(child: &mut std::process::Child) -> (std::process::ExitStatus, u64) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `claimscan args... input` with stdout to a file; returns (status, peak RSS in KiB,
/// stdout, stderr).
fn run_measured(args: &[&str], input: &str) -> (std::process::ExitStatus, u64, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let input_path = dir.path().join("input");
    std::fs::write(&input_path, input).unwrap();
    let out_path = dir.path().join("out");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("claimscan"))
        .args(args)
        .arg(&input_path)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        use std::io::Read;
        stderr.read_to_string(&mut err).unwrap();
        err
    });
    let (status, peak_kb) = peak_rss(&mut child);
    let out = std::fs::read_to_string(&out_path).unwrap();
    (status, peak_kb, out, reader.join().unwrap())
}

#[test]
fn a_100_mb_line_is_classified_in_bounded_memory() {
    let mut text = "open models cut costs ".repeat(100_000_000 / 22);
    text.push_str("\nattackers exploit the server\n");
    let (status, peak_kb, out, err) = run_measured(&["predict"], &text);
    assert!(status.success(), "{err}");
    assert_eq!(out.lines().count(), 2);
    assert!(peak_kb < 150 * 1024, "peak RSS {peak_kb} KiB");
    assert!(err.contains("longer than"), "{err}");
}

#[test]
fn merge_warns_about_a_model_given_twice_and_names_other_settings_as_flags() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.model");
    let (code, err) = train_to(&golden(), &a, &["--raw-tf"]);
    assert_eq!(code, 0, "{err}");
    let out = dir.path().join("m.model");
    let (code, _, err) = run(
        &[
            "merge",
            "--out",
            out.to_str().unwrap(),
            a.to_str().unwrap(),
            a.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("added twice"), "{err}");
    let b = dir.path().join("b.model");
    let (code, err) = train_to(&golden(), &b, &["--raw-tf", "--alpha", "0.5", "--bigrams"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        &[
            "merge",
            "--out",
            out.to_str().unwrap(),
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("`--alpha 0.5 --bigrams --raw-tf` vs `--alpha 1 --raw-tf`"),
        "{err}"
    );
}

#[test]
fn cv_with_more_folds_than_a_label_has_rows_warns() {
    let (code, _, err) = run(
        &["eval", "--data", golden().to_str().unwrap(), "--cv", "4"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("more folds than label"), "{err}");
}

#[test]
fn report_warns_about_invalid_utf8_and_keeps_list_markers_with_their_items() {
    let (code, out, err) = run(
        &["report", "--threshold", "none"],
        b"1. Open models cut our costs. 2. Attackers exploit \xff the server.\n".to_vec(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("invalid UTF-8"), "{err}");
    assert!(
        out.contains("sentences: 2") || out.contains("2 sentences"),
        "{out}"
    );
}

#[test]
fn training_two_thousand_labels_stays_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("many.csv");
    let mut text = String::from("text,label\n");
    let mut state = 12345u64;
    let mut word = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let n = (state >> 33) % 8000;
        format!("w{n}x")
    };
    let mut i = 0;
    while text.len() < 200_000 {
        let words: Vec<String> = (0..8).map(|_| word()).collect();
        text.push_str(&format!("{},l{}\n", words.join(" "), i % 2000));
        i += 1;
    }
    std::fs::write(&csv, text).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("claimscan"))
        .args(["train", "--data", csv.to_str().unwrap(), "--out"])
        .arg(dir.path().join("m.model"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (status, peak_kb) = peak_rss(&mut child);
    assert!(status.success());
    assert!(peak_kb < 400 * 1024, "peak RSS {peak_kb} KiB");
}

#[test]
fn a_100_mb_csv_field_is_classified_in_bounded_memory() {
    let mut text = String::from("id,text\n1,\"");
    text.push_str(&"open models cut costs ".repeat(100_000_000 / 22));
    text.push_str("\"\n2,attackers exploit the server\n");
    let (status, peak_kb, out, err) =
        run_measured(&["predict", "--csv", "--id-column", "id"], &text);
    assert!(status.success(), "{err}");
    assert_eq!(out.lines().count(), 2, "{:.200}", out);
    assert!(out.lines().nth(1).unwrap().starts_with("2\t"));
    assert!(peak_kb < 150 * 1024, "peak RSS {peak_kb} KiB");
    assert!(err.contains("longer than"), "{err}");
}

#[test]
fn pruning_every_feature_away_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.model");
    let (code, err) = train_to(&golden(), &out, &["--min-df", "1000"]);
    assert_eq!(code, 2);
    assert!(err.contains("no features left"), "{err}");
    assert!(!out.exists());
}

#[test]
fn input_without_line_ends_is_an_error_not_an_allocation_abort() {
    let out = sh("head -c 1200M /dev/zero | CLAIMSCAN predict > /dev/null");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1") && err.contains("longer than"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
