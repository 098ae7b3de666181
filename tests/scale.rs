//! Incremental training, merging shard models, and predict as a per-shard filter.

mod common;
use common::{fixture, run, train, train_to};
use std::path::{Path, PathBuf};

/// Writes the fixture's rows `pick`ed by index into a CSV in `dir`.
fn shard(dir: &Path, name: &str, pick: impl Fn(usize) -> bool) -> PathBuf {
    let all = std::fs::read_to_string(fixture("golden.csv")).unwrap();
    let mut lines = all.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for (i, l) in lines.enumerate() {
        if pick(i) {
            out.push_str(l);
            out.push('\n');
        }
    }
    let p = dir.join(name);
    std::fs::write(&p, out).unwrap();
    p
}

#[test]
fn update_equals_training_on_all_rows() {
    // raw counts are whole numbers, so the result is byte-identical (sublinear counts
    // agree up to floating-point summation order)
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(train(
        dir.path(),
        &fixture("golden.csv"),
        &["--bigrams", "--raw-tf"],
    ))
    .unwrap();
    // first rows 0..5 (neither misuse nor cost complete), then the rest as an update
    let a = shard(dir.path(), "a.csv", |i| i < 5);
    let b = shard(dir.path(), "b.csv", |i| i >= 5);
    let m = dir.path().join("inc.model");
    let ms = m.to_str().unwrap();
    let (code, _, err) = run(
        &[
            "train",
            "--data",
            a.to_str().unwrap(),
            "--out",
            ms,
            "--bigrams",
            "--raw-tf",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        &[
            "train",
            "--data",
            b.to_str().unwrap(),
            "--out",
            ms,
            "--update",
            ms,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(&m).unwrap(),
        whole,
        "byte-identical to one run"
    );
}

#[test]
fn merged_shards_equal_one_run_and_settings_must_match() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(train(dir.path(), &fixture("golden.csv"), &["--raw-tf"])).unwrap();
    let mut models = Vec::new();
    for k in 0..3 {
        let csv = shard(dir.path(), &format!("s{k}.csv"), |i| i % 3 == k);
        let m = dir.path().join(format!("s{k}.model"));
        let (code, err) = train_to(&csv, &m, &["--raw-tf"]);
        assert_eq!(code, 0, "{err}");
        models.push(m.to_str().unwrap().to_string());
    }
    let out = dir.path().join("merged.model");
    let mut args = vec!["merge", "--out", out.to_str().unwrap()];
    args.extend(models.iter().map(String::as_str));
    let (code, _, err) = run(&args, "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), whole);

    let other = dir.path().join("other.model");
    let (code, _, _) = run(
        &[
            "train",
            "--data",
            fixture("golden.csv").to_str().unwrap(),
            "--out",
            other.to_str().unwrap(),
            "--alpha",
            "0.25",
        ],
        "",
    );
    assert_eq!(code, 0);
    let (code, _, err) = run(
        &[
            "merge",
            "--out",
            out.to_str().unwrap(),
            &models[0],
            other.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("model 2 was trained with other settings"),
        "{err}"
    );
}

#[test]
fn csv_input_carries_ids_and_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), &fixture("golden.csv"), &[]);
    let input = "doc,body\nx-1,\"Scammers clone voices, again\"\nx-2,The model has seven billion parameters\n";
    let ms = m.to_str().unwrap();
    let args = [
        "predict",
        "--model",
        ms,
        "--csv",
        "--text-column",
        "body",
        "--id-column",
        "doc",
    ];
    let (code, out, err) = run(&[&args[..], &["--format", "json"]].concat(), input);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["id"].as_str(), rows[0]["line"].as_u64()),
        (Some("x-1"), Some(2))
    );
    assert_eq!(rows[0]["text"], "Scammers clone voices, again");
    assert_eq!(rows[1]["id"], "x-2");
    let (code, out, _) = run(&args, input);
    assert_eq!(code, 0);
    assert!(
        out.lines().nth(1).unwrap().starts_with("x-2\tneutral\t"),
        "{out}"
    );
}

#[test]
fn sentence_split_keeps_line_numbers_and_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), &fixture("golden.csv"), &[]);
    let input = "Dr. Lee spoke first. Scammers clone voices to defraud families.\n\nOpen models cut our inference bill in half.\n";
    let (code, out, _) = run(
        &[
            "predict",
            "--model",
            m.to_str().unwrap(),
            "--split",
            "sentences",
        ],
        input,
    );
    assert_eq!(code, 0);
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert_eq!(
        (rows[0][0], rows[0][1], rows[0][4]),
        ("1", "0", "Dr. Lee spoke first.")
    );
    assert_eq!(
        (rows[1][0], rows[1][1], rows[1][2]),
        ("1", "21", "risk:misuse")
    );
    assert_eq!(&input[21..29], "Scammers");
    assert_eq!(
        (rows[2][0], rows[2][1], rows[2][2]),
        ("3", "0", "reward:cost")
    );
}
