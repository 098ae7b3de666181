//! End-to-end tests of the claimscan binary.

mod common;
use common::{fixture, run, train};

#[test]
fn train_then_predict_keeps_one_line_per_input_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), &fixture("golden.csv"), &[]);
    let input = "Scammers clone voices\n\nOpen models cut the bill\nzzz qqq\nAttackers exploit the server\n";
    let (code, out, err) = run(&["predict", "--model", model.to_str().unwrap()], input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let inputs: Vec<&str> = input.lines().collect();
    assert_eq!(lines.len(), inputs.len());
    for (o, i) in lines.iter().zip(&inputs) {
        let cols: Vec<&str> = o.splitn(3, '\t').collect();
        assert_eq!(cols.len(), 3, "{o}");
        assert_eq!(cols[2], *i);
        let p: f64 = cols[1].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
    assert!(lines[0].starts_with("risk:misuse\t"));
    assert!(lines[2].starts_with("reward:cost\t"));
    assert!(lines[4].starts_with("risk:security\t"));
}

#[test]
fn json_lines_parse_with_all_fields() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), &fixture("golden.csv"), &[]);
    let (code, out, _) = run(
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--format",
            "json",
            "--top",
            "3",
            "--explain",
            "2",
        ],
        "Criminals sell rogue models for fraud\nnothing known here\n",
    );
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r["line"], 1);
    assert_eq!(r["text"], "Criminals sell rogue models for fraud");
    assert_eq!(r["label"], "risk:misuse");
    assert_eq!(r["polarity"], "risk");
    assert_eq!(r["category"], "misuse");
    let top = r["top"].as_array().unwrap();
    assert_eq!(top.len(), 3);
    assert_eq!(top[0]["label"], "risk:misuse");
    assert!(top[0]["probability"].as_f64() >= top[1]["probability"].as_f64());
    assert!(!r["explain"].as_array().unwrap().is_empty());
    assert!(r.get("unknown").is_none());
    assert_eq!(rows[1]["unknown"], true);
    assert_eq!(rows[1]["known_tokens"], 0);
    assert_eq!(rows[1]["line"], 2);
}

#[test]
fn csv_output_quotes_fields() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), &fixture("golden.csv"), &[]);
    let (_, out, _) = run(
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--format",
            "csv",
        ],
        "fees, \"cheap\" stack\n",
    );
    // a header row first (issue 16: pandas.read_csv took the first prediction for it)
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(out.as_bytes());
    assert_eq!(rdr.headers().unwrap(), vec!["label", "probability", "text"]);
    let rec = rdr.records().next().unwrap().unwrap();
    assert_eq!(rec.len(), 3);
    assert_eq!(&rec[2], "fees, \"cheap\" stack");
    assert_eq!(&rec[0], "reward:cost");
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn threshold_turns_unsure_sentences_neutral() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), &fixture("golden.csv"), &[]);
    let m = model.to_str().unwrap();
    let (_, plain, _) = run(&["predict", "--model", m], "the firm\n");
    let p: f64 = plain.split('\t').nth(1).unwrap().parse().unwrap();
    assert!(p < 0.99, "{plain}");
    assert!(!plain.starts_with("neutral\t"));
    let (_, out, _) = run(
        &["predict", "--model", m, "--threshold", "0.99"],
        "the firm\n",
    );
    assert!(out.starts_with("neutral\t"), "{out}");
}

#[test]
fn same_corpus_and_options_give_byte_identical_models() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let opts = ["--bigrams", "--alpha", "0.25"];
    let ma = std::fs::read(train(a.path(), &fixture("golden.csv"), &opts)).unwrap();
    let mb = std::fs::read(train(b.path(), &fixture("golden.csv"), &opts)).unwrap();
    assert_eq!(ma, mb);
    let mc = std::fs::read(train(b.path(), &fixture("golden.csv"), &[])).unwrap();
    assert_ne!(ma, mc);
}

#[test]
fn embedded_model_works_without_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::claimscan()
        .current_dir(dir.path())
        .args(["predict"])
        .write_stdin("Open models cut our cloud bill in half.\nThe meeting starts at nine.\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert_eq!(s.lines().count(), 2);
    assert!(
        s.lines().next().unwrap().starts_with("reward:cost\t"),
        "{s}"
    );
}

#[test]
fn info_describes_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), &fixture("golden.csv"), &["--bigrams"]);
    let (code, out, _) = run(
        &[
            "info",
            "--model",
            model.to_str().unwrap(),
            "--top-features",
            "2",
        ],
        "",
    );
    assert_eq!(code, 0);
    assert!(out.contains("training rows:  12"), "{out}");
    assert!(out.contains("bigrams=true"));
    assert!(out.contains("       3  risk:misuse"));
    assert!(out.lines().any(|l| l.starts_with("risk:misuse: ")));
}

#[test]
fn split_neutral_trains_a_hidden_class_that_reports_as_neutral() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(
        dir.path(),
        &fixture("golden.csv"),
        &["--split-neutral", "--calibrate"],
    );
    let m = model.to_str().unwrap();
    let (code, out, _) = run(&["info", "--model", m], "");
    assert_eq!(code, 0);
    assert!(out.contains("--split-neutral"), "{out}");
    assert!(
        out.contains("labels:         4 (5 classes: a class parent~sub is reported as parent)"),
        "{out}"
    );
    // the two neutral rows that name no AI term train the hidden class
    assert!(out.contains("       2  neutral~off-topic"), "{out}");
    assert!(out.contains("       1  neutral\n"), "{out}");
    let (code, out, err) = run(
        &[
            "predict",
            "--model",
            m,
            "--format",
            "json",
            "--top",
            "4",
            "--explain",
            "2",
        ],
        "The conference in Lisbon starts on Monday\nScammers clone voices to defraud families\n",
    );
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["label"], "neutral");
    assert_eq!(rows[1]["label"], "risk:misuse");
    for r in &rows {
        let top = r["top"].as_array().unwrap();
        assert_eq!(top.len(), 4, "{r}");
        let sum: f64 = top.iter().map(|t| t["probability"].as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-6, "{r}");
        assert!(
            top.iter()
                .all(|t| !t["label"].as_str().unwrap().contains('~')),
            "{r}"
        );
    }
    let (code, out, err) = run(
        &[
            "eval",
            "--model",
            m,
            "--data",
            fixture("golden.csv").to_str().unwrap(),
            "--json",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('~'), "{out}");
    // at most one entry per reported label
    let (code, out, _) = run(
        &["predict", "--model", m, "--top", "9", "--format", "json"],
        "x\n",
    );
    assert_eq!(code, 0);
    let row: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(row["top"].as_array().unwrap().len(), 4, "{row}");
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["train", "predict", "info", "eval", "tune", "bench", "merge"] {
        let (code, out, _) = run(&[sub, "--help"], "");
        assert_eq!(code, 0);
        assert!(out.contains("Usage: claimscan"), "{sub}: {out}");
    }
}

#[test]
fn empty_input_is_nothing_to_do() {
    let (code, out, err) = run(&["predict"], "");
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("no input lines"));
}

#[test]
fn alpha_zero_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.model");
    let (code, _, err) = run(
        &[
            "train",
            "--data",
            fixture("golden.csv").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--alpha",
            "0",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("alpha must be a finite number greater than 0"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn eval_reports_metrics_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("golden.csv");
    let model = train(dir.path(), &data, &[]);
    let (code, out, err) = run(
        &[
            "eval",
            "--data",
            data.to_str().unwrap(),
            "--model",
            model.to_str().unwrap(),
            "--json",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // trained and evaluated on the same 12 rows: the fixture is separable
    assert_eq!(v["accuracy"], 1.0);
    assert_eq!(v["macro_f1"], 1.0);
    assert_eq!(v["polarity_accuracy"], 1.0);
    assert_eq!(v["per_label"].as_array().unwrap().len(), 4);
    assert_eq!(v["confusion"][0], serde_json::json!([3, 0, 0, 0]));
}

#[test]
fn eval_cross_validates_with_spread() {
    let data = fixture("golden.csv");
    let (code, out, err) = run(
        &[
            "eval",
            "--data",
            data.to_str().unwrap(),
            "--cv",
            "3",
            "--json",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["cv"]["k"], 3);
    let mean = v["cv"]["accuracy"]["mean"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&mean));
    assert!(v["cv"]["accuracy"]["std"].as_f64().unwrap() >= 0.0);
    // the pooled confusion matrix counts every row exactly once
    let total: u64 = v["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()))
        .sum();
    assert_eq!(total, 12);
    let (_, text, _) = run(&["eval", "--data", data.to_str().unwrap(), "--cv", "3"], "");
    assert!(text.contains("accuracy:") && text.contains(" ± "), "{text}");
}

#[test]
fn tune_ranks_settings_and_prints_the_train_command() {
    let data = fixture("golden.csv");
    let (code, out, err) = run(
        &[
            "tune",
            "--data",
            data.to_str().unwrap(),
            "--cv",
            "3",
            "--top",
            "5",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let ranks: Vec<&str> = out.lines().filter(|l| l.contains(" ± ")).collect();
    assert_eq!(ranks.len(), 5, "{out}");
    let best = out
        .lines()
        .find(|l| l.starts_with("best: claimscan train --data"))
        .unwrap();
    assert!(best.contains("--alpha"), "{best}");
    let f1 = |l: &str| l.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap();
    assert!(ranks.windows(2).all(|w| f1(w[0]) >= f1(w[1])));
}
