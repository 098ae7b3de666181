//! The command-line conventions of issue 16: errors once, stdin everywhere, folders,
//! paragraphs and hard-wrapped text, one `--format` switch, CSV in and out, encodings,
//! quiet and progress, short flags, help, completions and the man page, scope.

mod common;
use common::{claimscan, fixture, run, train_to};
use std::path::Path;

fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The embedded model's CRC-32, as `info` prints it.
fn embedded_crc() -> String {
    let (code, out, err) = run(&["info"], "");
    assert_eq!(code, 0, "{err}");
    let line = out.lines().find(|l| l.starts_with("crc32:")).expect(&out);
    let crc = line.split_whitespace().nth(1).unwrap().to_string();
    assert_eq!(crc.len(), 8);
    // and it is the CRC-32 of the shipped model file
    let file =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/claims.model")).unwrap();
    assert_eq!(crc, format!("{:08x}", crc32fast::hash(&file)));
    crc
}

/// Greedy word wrap at `width` columns; words longer than `hyphen_at` letters are broken
/// with a hyphen at the line end (as typesetting and PDF-to-text do), once per paragraph.
fn hard_wrap(text: &str, width: usize, hyphen_at: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push('\n');
            continue;
        }
        let mut cur = String::new();
        let mut broke = false;
        for word in line.split(' ') {
            if !cur.is_empty() && cur.len() + 1 + word.len() > width {
                let alpha = word.chars().all(char::is_alphabetic);
                if !broke && alpha && word.len() > hyphen_at && cur.len() + 4 < width {
                    // "checkpoints" -> "check-" / "points"
                    let (a, b) = word.split_at(word.len() / 2);
                    out.push_str(&format!("{cur} {a}-\n"));
                    cur = b.to_string();
                    broke = true;
                    continue;
                }
                out.push_str(&cur);
                out.push('\n');
                cur.clear();
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        out.push_str(&cur);
        out.push('\n');
    }
    out
}

// ---- 1. errors once, stdin for --data, folders ----------------------------------------

#[test]
fn os_errors_are_printed_once_on_one_line() {
    for args in [
        &["train", "--data", "/no/such.csv", "-o", "/tmp/never.model"][..],
        &["eval", "--data", "/no/such.csv"][..],
        &["info", "-m", "/no/such.model"][..],
        &["predict", "/no/such.txt"][..],
        &["report", "/no/such.txt"][..],
    ] {
        let (code, out, err) = run(args, "");
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
        assert!(err.contains("/no/such."), "{err}");
    }
}

#[test]
fn dash_reads_stdin_for_every_data_option() {
    let csv = std::fs::read_to_string(fixture("golden.csv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.model");
    let (code, _, err) = run(
        &["train", "--data", "-", "-o", model.to_str().unwrap()],
        csv.clone(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("from stdin"), "{err}");
    // the same model as from the file
    let from_file = dir.path().join("f.model");
    let (code, err) = train_to(&fixture("golden.csv"), &from_file, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(&model).unwrap(),
        std::fs::read(&from_file).unwrap()
    );
    let (code, out, err) = run(
        &[
            "eval",
            "--data",
            "-",
            "-m",
            model.to_str().unwrap(),
            "-f",
            "json",
        ],
        csv.clone(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_lines(&out)[0]["n"], 12, "{out}");
    let (code, out, err) = run(&["eval", "--data", "-", "--cv", "2", "--json"], csv);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_lines(&out)[0]["cv"]["k"], 2, "{out}");
}

#[test]
fn report_walks_folders_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(d.join("b.txt"), "Attackers exploit the model server.\n").unwrap();
    std::fs::write(d.join("a.md"), "Open models cut our cloud bill.\n").unwrap();
    std::fs::write(d.join("sub/c.txt"), "Scammers clone voices.\n").unwrap();
    std::fs::write(d.join("notes.csv"), "text\nnot read\n").unwrap();
    std::fs::write(d.join(".hidden.txt"), "not read either.\n").unwrap();
    // a link back to the folder itself is not followed; a link to a file is read
    std::os::unix::fs::symlink(d, d.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink(d.join("b.txt"), d.join("sub/link.txt")).unwrap();
    let (code, out, err) = run(&["report", "-f", "json", d.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    let paths: Vec<String> = json_lines(&out)
        .iter()
        .map(|j| j["path"].as_str().unwrap().to_string())
        .collect();
    let rel: Vec<&str> = paths
        .iter()
        .map(|p| p.strip_prefix(d.to_str().unwrap()).unwrap())
        .collect();
    assert_eq!(rel, ["/a.md", "/b.txt", "/sub/c.txt", "/sub/link.txt"]);
    // --glob picks other files
    let (code, out, err) = run(
        &[
            "report",
            "-f",
            "json",
            "--glob",
            "*.csv",
            d.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_lines(&out).len(), 1);
    assert!(out.contains("notes.csv"));
    // a folder with nothing to read is an error that names it
    let empty = d.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (code, _, err) = run(&["report", empty.to_str().unwrap()], "");
    assert_eq!(code, 2);
    assert!(
        err.contains("empty") && err.contains("no *.txt or *.md files"),
        "{err}"
    );
}

// ---- 2. --format everywhere, identity, CSV header, file names ---------------------------

#[test]
fn every_json_document_carries_the_version_and_the_model_identity() {
    let crc = embedded_crc();
    let golden = fixture("golden.csv");
    let article = fixture("article.txt");
    let runs: Vec<Vec<&str>> = vec![
        vec!["info", "-f", "json"],
        vec!["report", "-f", "json", article.to_str().unwrap()],
        vec!["eval", "--data", golden.to_str().unwrap(), "-f", "json"],
        vec!["eval", "--data", golden.to_str().unwrap(), "--json"],
        vec!["bench", "--lines", "2000", "-j", "1", "-f", "json"],
    ];
    for args in runs {
        let (code, out, err) = run(&args, "");
        assert_eq!(code, 0, "{args:?}: {err}");
        let docs = json_lines(&out);
        assert_eq!(docs.len(), 1, "{args:?}");
        let d = &docs[0];
        assert_eq!(d["claimscan"], env!("CARGO_PKG_VERSION"), "{args:?}");
        assert_eq!(d["model"]["crc32"], crc.as_str(), "{args:?}");
        assert!(
            d["model"]["settings"].as_str().unwrap().contains("--alpha"),
            "{args:?}"
        );
    }
    // predict: each JSON line carries the version and the CRC
    let (code, out, _) = run(&["predict", "-f", "json"], "Open models cut costs.\n");
    assert_eq!(code, 0);
    let j = &json_lines(&out)[0];
    assert_eq!(j["model"], crc.as_str());
    assert_eq!(j["claimscan"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn tune_writes_its_winner_and_prints_json_or_csv() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("best.model");
    let golden = fixture("golden.csv");
    let (code, out, err) = run(
        &[
            "tune",
            "--data",
            golden.to_str().unwrap(),
            "--cv",
            "2",
            "-k",
            "3",
            "-f",
            "json",
            "-o",
            model.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let d = &json_lines(&out)[0];
    assert_eq!(d["ranked"].as_array().unwrap().len(), 3);
    assert_eq!(d["claimscan"], env!("CARGO_PKG_VERSION"));
    let best = d["best"]["settings"].as_str().unwrap();
    assert_eq!(d["ranked"][0]["settings"], best);
    // the written model is the winner, calibrated, and the JSON names it
    let (code, info, _) = run(&["info", "-m", model.to_str().unwrap(), "-f", "json"], "");
    assert_eq!(code, 0);
    let info = &json_lines(&info)[0];
    assert_eq!(info["model"]["settings"], best);
    assert!(info["calibration"]["threshold"].is_number());
    assert_eq!(d["model"]["crc32"], info["model"]["crc32"]);
    let (code, out, err) = run(
        &[
            "tune",
            "--data",
            golden.to_str().unwrap(),
            "--cv",
            "2",
            "-k",
            "2",
            "-f",
            "csv",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("rank,stage,macro_f1,"));
}

#[test]
fn predict_csv_round_trips_through_python_with_a_header() {
    let input = "Open models cut our bill, says the firm.\nScammers clone \"voices\".\n";
    let (code, out, err) = run(&["predict", "-f", "csv", "-k", "2"], input);
    assert_eq!(code, 0, "{err}");
    let py = std::process::Command::new("python3")
        .args([
            "-c",
            "import csv,sys; rows=list(csv.DictReader(sys.stdin)); \
             print(len(rows)); print(sorted(rows[0])); print(rows[0]['text']); print(rows[1]['text'])",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut py) = py else {
        assert!(std::env::var_os("CI").is_none(), "CI must have python3");
        eprintln!("skipped: python3 is not installed");
        return;
    };
    use std::io::Write;
    py.stdin.take().unwrap().write_all(out.as_bytes()).unwrap();
    let res = py.wait_with_output().unwrap();
    let got = String::from_utf8_lossy(&res.stdout);
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines[0], "2", "{got}");
    assert_eq!(
        lines[1],
        "['label', 'label_2', 'probability', 'probability_2', 'text']"
    );
    assert_eq!(lines[2], "Open models cut our bill, says the firm.");
    assert_eq!(lines[3], "Scammers clone \"voices\".");
    // --no-header drops it
    let (_, out, _) = run(&["predict", "-f", "csv", "--no-header"], input);
    assert_eq!(out.lines().count(), 2);
    assert!(!out.starts_with("label,"));
}

#[test]
fn several_inputs_carry_their_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    std::fs::write(&a, "Open models cut costs.\n").unwrap();
    std::fs::write(
        &b,
        "Attackers exploit the server.\nScammers clone voices.\n",
    )
    .unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let (code, out, _) = run(&["predict", a, b], "");
    assert_eq!(code, 0);
    let firsts: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(firsts, [a, b, b]);
    let (_, out, _) = run(&["predict", "--no-filename", a, b], "");
    assert!(out.lines().all(|l| l.split('\t').count() == 3), "{out}");
    // one input: no name unless -H
    let (_, out, _) = run(&["predict", a], "");
    assert_eq!(out.split('\t').count(), 3);
    let (_, out, _) = run(&["predict", "-H", "-f", "json", a], "");
    assert_eq!(json_lines(&out)[0]["path"], a);
    let (_, out, _) = run(&["predict", "-f", "csv", a, b], "");
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(&rdr.headers().unwrap()[0], "path");
    let paths: Vec<String> = rdr.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(paths, [a, b, b]);
}

// ---- 3. documents: paragraphs, headings, threshold, report formats ---------------------

#[test]
fn report_on_a_hard_wrapped_article_matches_the_unwrapped_one() {
    let article = std::fs::read_to_string(fixture("article.txt")).unwrap();
    let wrapped = hard_wrap(&article, 60, 8);
    assert!(wrapped.lines().count() > article.lines().count() + 10);
    assert!(wrapped.contains("-\n"), "the wrapped copy breaks a word");
    let report = |text: &str| {
        let (code, out, err) = run(&["report", "-f", "json"], text.to_string());
        assert_eq!(code, 0, "{err}");
        json_lines(&out).remove(0)
    };
    let (plain, wrap) = (report(&article), report(&wrapped));
    assert_eq!(plain["sentences"], wrap["sentences"]);
    assert_eq!(plain["risk_claims"], wrap["risk_claims"]);
    assert_eq!(plain["reward_claims"], wrap["reward_claims"]);
    assert_eq!(plain["counts"], wrap["counts"]);
    let claims = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["claims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["label"].to_string(), c["text"].to_string()))
            .collect()
    };
    assert_eq!(claims(&plain), claims(&wrap));
    assert_eq!(plain["sentences"], 19, "{plain}");
    // each claim's line and offset point at where its sentence starts in the wrapped copy
    let lines: Vec<&str> = wrapped.lines().collect();
    for c in wrap["claims"].as_array().unwrap() {
        let line = lines[c["line"].as_u64().unwrap() as usize - 1];
        let at = &line[c["offset"].as_u64().unwrap() as usize..];
        let text = c["text"].as_str().unwrap();
        let first_word = text.split(' ').next().unwrap();
        assert!(
            at.starts_with(first_word.trim_end_matches('-')),
            "{at:?} vs {text:?}"
        );
    }
    // the text report says the same
    let (_, a, _) = run(&["report"], article.clone());
    let (_, b, _) = run(&["report"], wrapped.clone());
    assert_eq!(a.lines().next(), Some("== stdin (19 sentences)"));
    assert_eq!(a.lines().nth(1), b.lines().nth(1));
    // under --split sentences the wrapped copy is cut per line, and claimscan says why
    let (code, out, err) = run(
        &["report", "--split", "sentences", "-f", "json"],
        wrapped.clone(),
    );
    assert_eq!(code, 0);
    assert!(json_lines(&out)[0]["sentences"].as_u64().unwrap() > 19);
    assert_eq!(err.matches("looks hard-wrapped").count(), 1, "{err}");
    let (_, _, err) = run(&["predict", "--split", "sentences"], wrapped.clone());
    assert_eq!(err.matches("looks hard-wrapped").count(), 1, "{err}");
    // once per run, however many documents look so
    let dir = tempfile::tempdir().unwrap();
    let (w1, w2) = (dir.path().join("w1.txt"), dir.path().join("w2.txt"));
    std::fs::write(&w1, &wrapped).unwrap();
    std::fs::write(&w2, &wrapped).unwrap();
    for cmd in ["report", "predict"] {
        let (code, _, err) = run(
            &[
                cmd,
                "--split",
                "sentences",
                w1.to_str().unwrap(),
                w2.to_str().unwrap(),
            ],
            "",
        );
        assert_eq!(code, 0);
        assert_eq!(err.matches("looks hard-wrapped").count(), 1, "{cmd}: {err}");
        assert!(err.contains("w1.txt looks hard-wrapped"), "{err}");
    }
    let (_, _, err) = run(&["predict", "--split", "sentences"], article.clone());
    assert!(!err.contains("hard-wrapped"), "{err}");
    // predict --split paragraphs gives the sentences of the unwrapped text
    let (_, p1, _) = run(&["predict", "--split", "paragraphs"], article);
    let (_, p2, _) = run(&["predict", "--split", "paragraphs"], wrapped);
    let body = |o: &str| -> Vec<String> {
        o.lines()
            .map(|l| l.splitn(3, '\t').nth(2).unwrap().to_string())
            .collect()
    };
    assert_eq!(body(&p1), body(&p2));
}

#[test]
fn report_leaves_headings_and_list_markers_out_and_shows_its_threshold() {
    let article = fixture("article.txt");
    let (code, out, err) = run(&["report", "-f", "json", article.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    let r = &json_lines(&out)[0];
    let headings: Vec<&str> = r["headings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        headings,
        [
            "Open weights, open questions",
            "What the supporters say",
            "What the critics say",
            "The regulators' view",
            "What comes next"
        ]
    );
    let texts: Vec<&str> = r["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert!(texts.iter().all(|t| !headings.contains(t)));
    assert!(
        texts.iter().all(|t| !t.starts_with('\u{2022}')),
        "{texts:?}"
    );
    assert!(texts.contains(
        &"Hospitals in rural areas can run a small model on a single server without sending patient notes abroad."
    ));
    // the model's recommended threshold by default, shown; --threshold changes it
    let (_, info, _) = run(&["info", "-f", "json"], "");
    let t = json_lines(&info)[0]["calibration"]["threshold"]
        .as_f64()
        .unwrap();
    assert_eq!(r["threshold"].as_f64().unwrap(), t);
    let (_, text, _) = run(&["report", article.to_str().unwrap()], "");
    assert!(text.contains(&format!("threshold: {t:.2}")), "{text}");
    assert!(!text.contains("What the critics say"), "{text}");
    let (_, high, _) = run(
        &[
            "report",
            "-t",
            "0.99",
            "-f",
            "json",
            article.to_str().unwrap(),
        ],
        "",
    );
    let high = &json_lines(&high)[0];
    assert_eq!(high["threshold"], 0.99);
    assert!(high["risk_claims"].as_u64() < r["risk_claims"].as_u64());
    // a text that is all "headings" (a sentence without a full stop) is sentences; with
    // --split lines every line is one
    let (code, out, _) = run(
        &["report", "-f", "json"],
        "Open models let scammers clone voices
",
    );
    assert_eq!(code, 0);
    assert_eq!(json_lines(&out)[0]["sentences"], 1);
    let (_, out, _) = run(
        &[
            "report",
            "-f",
            "json",
            "--split",
            "lines",
            article.to_str().unwrap(),
        ],
        "",
    );
    let lines = &json_lines(&out)[0];
    let non_blank = std::fs::read_to_string(&article)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(
        lines["sentences"], non_blank,
        "one per non-blank line, headings included"
    );
    assert!(lines["headings"].as_array().unwrap().is_empty());
    // a list item's line and offset point past its marker
    let c = r["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["text"].as_str().unwrap().starts_with("Hospitals"))
        .unwrap();
    assert_eq!(c["line"], 8);
    assert_eq!(c["offset"], "\u{2022} ".len());
}

#[test]
fn report_csv_has_one_row_per_sentence() {
    let article = fixture("article.txt");
    let (code, out, _) = run(&["report", "-f", "csv", article.to_str().unwrap()], "");
    assert_eq!(code, 0);
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["path", "line", "offset", "label", "probability", "text"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 19);
    assert_eq!(out.lines().count(), 20);
    assert!(rows.iter().all(|r| &r[0] == article.to_str().unwrap()));
    let (_, out, _) = run(
        &[
            "report",
            "-f",
            "csv",
            "--no-header",
            article.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.lines().count(), 19);
}

// ---- 4. CSV input ------------------------------------------------------------------------

#[test]
fn csv_input_takes_delimiters_column_numbers_and_kept_columns() {
    let semi =
        "id;source;text\n1;blog;Open models cut our cloud bill.\n2;news;Scammers clone voices.\n";
    let tab = semi.replace(';', "\t");
    let expected = run(
        &["predict"],
        "Open models cut our cloud bill.\nScammers clone voices.\n",
    )
    .1;
    let labels = |o: &str| -> Vec<String> {
        o.lines()
            .map(|l| l.split('\t').nth(3).unwrap().to_string())
            .collect()
    };
    let want: Vec<String> = expected
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    for (input, d) in [(semi.to_string(), ";"), (tab.clone(), "tab")] {
        let (code, out, err) = run(
            &[
                "predict",
                "--csv",
                "-d",
                d,
                "--text-column",
                "3",
                "--id-column",
                "id",
                "--keep-columns",
                "source,2",
            ],
            input,
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with("1\tblog\tblog\t"), "{out}");
        assert_eq!(labels(&out), want);
    }
    let (code, out, err) = run(
        &[
            "predict",
            "--csv",
            "-d",
            "tab",
            "--keep-columns",
            "source",
            "-f",
            "json",
        ],
        tab.clone(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_lines(&out)[1]["columns"]["source"], "news");
    let (code, out, _) = run(
        &[
            "predict",
            "--csv",
            "-d",
            "tab",
            "--keep-columns",
            "source",
            "-f",
            "csv",
        ],
        tab.clone(),
    );
    assert_eq!(code, 0);
    assert_eq!(out.lines().next(), Some("source,label,probability,text"));
    // a column that is not there is named, with the line
    let (code, _, err) = run(
        &["predict", "--csv", "-d", "tab", "--text-column", "9"],
        tab,
    );
    assert_eq!(code, 2);
    assert!(err.contains(":1:") && err.contains("no column 9"), "{err}");
    // a comma-separated default on a semicolon file: the text column is not found
    let (code, _, err) = run(&["predict", "--csv"], semi);
    assert_eq!(code, 2);
    assert!(err.contains("no column 'text'"), "{err}");
}

#[test]
fn plain_predict_warns_about_what_looks_like_a_csv_header() {
    let (code, out, err) = run(&["predict"], "id,text\n1,Open models cut costs.\n");
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2, "every line is still classified");
    assert!(
        err.contains("stdin: line 1 looks like a CSV header (id,text)"),
        "{err}"
    );
    assert!(err.contains("--csv"), "{err}");
    // prose with commas is not a header
    let (_, _, err) = run(
        &["predict"],
        "Open models, sadly, leak data.\nCosts fall, too.\n",
    );
    assert!(!err.contains("CSV header"), "{err}");
}

// ---- 5. encodings ------------------------------------------------------------------------

#[test]
fn utf16_with_a_byte_order_mark_reads_like_utf8() {
    let text =
        "Open models cut our cloud bill in half.\nScammers clone voices — and ask for money.\n";
    let (_, want, _) = run(&["predict"], text);
    let dir = tempfile::tempdir().unwrap();
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    for (name, bytes) in [("le.txt", le), ("be.txt", be)] {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        let (code, out, err) = run(&["predict", p.to_str().unwrap()], "");
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, want, "{name}");
        assert!(err.is_empty(), "{err}");
        let (code, out, _) = run(&["predict"], bytes.clone());
        assert_eq!((code, out.as_str()), (0, want.as_str()), "{name} on stdin");
        let (code, out, _) = run(&["report", "-f", "json", p.to_str().unwrap()], "");
        assert_eq!(code, 0);
        assert_eq!(json_lines(&out)[0]["sentences"], 2);
    }
    // a UTF-16 training CSV too
    let csv = std::fs::read_to_string(fixture("golden.csv")).unwrap();
    let p = dir.path().join("g16.csv");
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(csv.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(&p, bytes).unwrap();
    let (code, out, err) = run(&["eval", "--data", p.to_str().unwrap(), "-f", "json"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_lines(&out)[0]["n"], 12);
}

#[test]
fn a_utf8_byte_order_mark_is_dropped_everywhere() {
    let text = "\u{feff}Open models cut costs.\n";
    let (code, out, _) = run(&["predict", "-f", "json"], text);
    assert_eq!(code, 0);
    assert_eq!(json_lines(&out)[0]["text"], "Open models cut costs.");
    let (_, out, _) = run(&["predict", "--split", "sentences", "-f", "json"], text);
    assert_eq!(json_lines(&out)[0]["offset"], 0);
    let (_, out, _) = run(&["report", "-f", "json"], text);
    assert_eq!(
        json_lines(&out)[0]["claims"][0]["text"],
        "Open models cut costs."
    );
    let (_, out, _) = run(
        &["predict", "--csv", "-f", "json"],
        "\u{feff}text\nCheap.\n",
    );
    assert_eq!(json_lines(&out)[0]["text"], "Cheap.");
}

#[test]
fn mostly_invalid_utf8_is_an_error_a_few_bad_bytes_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("latin1.txt");
    // Latin-1 text full of accents, and random bytes
    let mut bytes = b"caf\xe9 \xe0 \xe9t\xe9 \xfc\xf6\xe4\n".repeat(50);
    bytes.extend((0..2000u32).map(|i| (i * 7919 % 97 + 150) as u8));
    std::fs::write(&bin, &bytes).unwrap();
    for cmd in ["predict", "report"] {
        let (code, out, err) = run(&[cmd, bin.to_str().unwrap()], "");
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("latin1.txt") && err.contains("not UTF-8"),
            "{err}"
        );
    }
    let (code, out, err) = run(
        &["predict"],
        b"Open models \xff cut costs.\nCheap.\n".to_vec(),
    );
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2);
    assert!(err.contains("1 lines had invalid UTF-8"), "{err}");
}

// ---- 6. progress and quiet ---------------------------------------------------------------

#[test]
fn quiet_silences_information_but_not_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.model");
    let golden = fixture("golden.csv");
    let (code, err) = train_to(&golden, &model, &[]);
    assert_eq!(code, 0);
    assert!(err.contains("wrote"), "{err}");
    let (code, err) = train_to(&golden, &model, &["-q"]);
    assert_eq!(code, 0);
    assert!(err.is_empty(), "{err}");
    let article = fixture("article.txt");
    let (_, _, err) = run(&["report", article.to_str().unwrap()], "");
    assert!(err.contains("threshold"), "{err}");
    let (_, _, err) = run(&["report", "--quiet", article.to_str().unwrap()], "");
    assert!(err.is_empty(), "{err}");
    // a warning still shows
    let (_, _, err) = run(&["predict", "-q"], b"bad \xff byte\n".to_vec());
    assert!(err.contains("invalid UTF-8"), "{err}");
    // no progress bar when stderr is not a terminal: nothing but whole lines
    let (_, _, err) = run(
        &["eval", "--data", golden.to_str().unwrap(), "--cv", "2"],
        "",
    );
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
}

/// Runs `claimscan args` on a pseudo-terminal (util-linux `script`); returns what the
/// terminal showed, or None if `script` is missing.
fn on_terminal(args: &str) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("claimscan");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn tune_draws_its_progress_on_a_terminal_unless_quiet() {
    let golden = fixture("golden.csv");
    let args = format!("tune --data {} --cv 2 -k 1 -f csv", golden.display());
    let Some(shown) = on_terminal(&args) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have script (util-linux)"
        );
        eprintln!("skipped: script (util-linux) is not installed");
        return;
    };
    assert!(shown.contains("stage 1, "), "{shown}");
    assert!(shown.contains("stage 2, "), "{shown}");
    assert!(shown.contains("best macro-F1 0."), "{shown}");
    assert!(shown.contains(" ETA "), "{shown}");
    assert!(shown.contains("rank,stage,macro_f1"), "{shown}");
    let quiet = on_terminal(&format!("-q {args}")).unwrap();
    assert!(!quiet.contains("stage 1"), "{quiet}");
    assert!(quiet.contains("rank,stage,macro_f1"), "{quiet}");
}

// ---- 7. flags, help, completions, man ------------------------------------------------------

#[test]
fn short_flags_do_what_the_long_ones_do() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::train(dir.path(), &fixture("golden.csv"), &["-q"]);
    let m = model.to_str().unwrap();
    let input = "Scammers clone voices\nthe firm\n";
    let long = run(
        &[
            "predict",
            "--model",
            m,
            "--format",
            "json",
            "--top",
            "2",
            "--threshold",
            "0.9",
            "--threads",
            "1",
        ],
        input,
    );
    let short = run(
        &[
            "predict", "-m", m, "-f", "json", "-k", "2", "-t", "0.9", "-j", "1",
        ],
        input,
    );
    assert_eq!(long, short);
    assert_eq!(json_lines(&short.1)[0]["top"].as_array().unwrap().len(), 2);
}

#[test]
fn help_has_headings_examples_and_exit_codes() {
    for cmd in [
        "train",
        "predict",
        "info",
        "eval",
        "tune",
        "bench",
        "merge",
        "report",
        "completions",
        "man",
    ] {
        let (code, out, _) = run(&[cmd, "--help"], "");
        assert_eq!(code, 0);
        let examples = out
            .split("\nExamples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{cmd}: no examples\n{out}"))
            .split("\n\n")
            .next()
            .unwrap();
        assert_eq!(
            examples
                .lines()
                .filter(|l| l.contains("claimscan "))
                .count(),
            3,
            "{cmd}: three examples\n{out}"
        );
        assert!(out.contains("Exit codes:"), "{cmd}");
    }
    let (_, out, _) = run(&["predict", "--help"], "");
    for heading in ["Input:", "Output:", "Model:"] {
        assert!(out.lines().any(|l| l == heading), "{heading}\n{out}");
    }
    let (_, out, _) = run(&["eval", "--help"], "");
    let training = out
        .split("\nTraining:\n")
        .nth(1)
        .expect("a Training heading");
    assert!(training.contains("--bigrams") && training.contains("--cv"));
    let before = out.split("\nTraining:\n").next().unwrap();
    assert!(
        !before.contains("--bigrams"),
        "training flags under their own heading"
    );
    // the scope of the model
    let (_, out, _) = run(&["--help"], "");
    assert!(out.contains("English sentences about AI"), "{out}");
}

#[test]
fn bash_completion_completes_subcommands_and_flags() {
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(std::env::var_os("CI").is_none(), "CI must have bash");
        eprintln!("skipped: bash is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("claimscan.bash");
    let out = claimscan().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).unwrap();
    let probe = format!(
        "source {}; \
         COMP_WORDS=(claimscan rep); COMP_CWORD=1; _claimscan claimscan rep claimscan; echo \"${{COMPREPLY[*]}}\"; \
         COMP_WORDS=(claimscan report --sp); COMP_CWORD=2; _claimscan claimscan --sp report; echo \"${{COMPREPLY[*]}}\"; \
         COMP_WORDS=(claimscan report --split ''); COMP_CWORD=3; _claimscan claimscan '' --split; echo \"${{COMPREPLY[*]}}\"",
        script.display()
    );
    let res = std::process::Command::new("bash")
        .args(["-c", &probe])
        .output()
        .unwrap();
    let got = String::from_utf8_lossy(&res.stdout);
    let lines: Vec<&str> = got.lines().collect();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    assert_eq!(lines[0], "report", "{got}");
    assert_eq!(lines[1], "--split", "{got}");
    assert_eq!(lines[2], "paragraphs sentences lines", "{got}");
    for shell in ["zsh", "fish", "powershell"] {
        let out = claimscan().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(s.contains("report") && s.contains("split"), "{shell}");
    }
    let (code, _, err) = run(&["completions", "tcsh"], "");
    assert_eq!(code, 2, "{err}");
}

#[test]
fn man_page_is_roff_with_every_subcommand() {
    let (code, out, _) = run(&["man"], "");
    assert_eq!(code, 0);
    assert!(out.contains(".TH claimscan 1"), "{out:.300}");
    for cmd in ["train", "predict", "report", "completions"] {
        assert!(out.contains(cmd), "{cmd}");
    }
}

// ---- 8. scope ------------------------------------------------------------------------------

/// Sentences with no claim about AI, some not in English. What the embedded model does
/// with them (the README says so): at its recommended threshold at least 11 of the 12 are
/// `neutral` (the bakery sentence shares "the corner" and "bakery" with a corpus advert that
/// is an accessibility claim, and gets that label only just under the threshold); without a
/// threshold at most 2 get a risk or reward label, and at most one of them at or above the
/// threshold.
#[test]
fn off_topic_sentences_come_out_neutral_at_the_recommended_threshold() {
    let sentences = "Stir the onions until they turn golden, then add the garlic.
The ferry to the island leaves every morning at half past seven.
Our team lost the final after a penalty shoot-out.
Heavy rain is expected across the north on Thursday.
The museum reopens next month after a long renovation.
She planted tomatoes and basil along the south fence.
The bakery on the corner sells rye bread on Saturdays.
Tickets for the concert sold out within an hour.
My grandfather repaired clocks for forty years.
The river froze solid during the coldest week of the winter.
Il modello costa poco e funziona bene.
Der Zug nach Berlin hat heute Versp\u{e4}tung.
";
    let (_, info, _) = run(&["info", "-f", "json"], "");
    let t = json_lines(&info)[0]["calibration"]["threshold"]
        .as_f64()
        .unwrap();
    let (code, out, _) = run(&["predict", "-t", "model", "-f", "json"], sentences);
    assert_eq!(code, 0);
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 12);
    let labelled = rows.iter().filter(|r| r["label"] != "neutral").count();
    assert!(labelled <= 1, "{labelled} of 12 labelled as claims: {out}");
    let (_, out, _) = run(&["predict", "-f", "json"], sentences);
    let rows = json_lines(&out);
    let claims: Vec<&serde_json::Value> = rows.iter().filter(|r| r["label"] != "neutral").collect();
    assert!(
        claims.len() <= 2,
        "{} of 12 off-topic sentences got a claim label",
        claims.len()
    );
    let sure = claims
        .iter()
        .filter(|r| r["probability"].as_f64().unwrap() >= t)
        .count();
    assert_eq!(sure, labelled, "{claims:?}");
}
