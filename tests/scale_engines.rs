//! The scale-out recipes under scale/ on real engines: GNU parallel always (CI installs it),
//! Apache Spark in local mode when CLAIMSCAN_SPARK=1 (it downloads pyspark on first use and
//! takes longer than the rest of the suite).

use std::process::Command;

fn recipe(script: &str) -> (bool, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg(format!("{root}/scale/{script}"))
        .env("CLAIMSCAN", env!("CARGO_BIN_EXE_claimscan"))
        .output()
        .expect("bash runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn gnu_parallel_sharding_matches_one_run() {
    let have = Command::new("parallel")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install GNU parallel (see .ci/run)"
        );
        eprintln!("skipped: GNU parallel is not installed");
        return;
    }
    let (ok, out) = recipe("parallel.sh");
    assert!(ok, "{out}");
    // byte-identical with whole-number counts; with the shipped sublinear counts the bytes
    // may differ by summation order, and the predictions must still be identical
    assert!(out.contains("map/reduce training: merged model"), "{out}");
    assert!(out.contains("identical to the unsharded run"), "{out}");
}

#[test]
fn spark_sharding_matches_one_run() {
    if std::env::var("CLAIMSCAN_SPARK").as_deref() != Ok("1") {
        eprintln!("skipped: set CLAIMSCAN_SPARK=1 to run the Spark recipe");
        return;
    }
    let (ok, out) = recipe("spark.sh");
    assert!(ok, "{out}");
    assert!(
        out.contains("spark prediction:") && out.contains("identical to the unsharded run"),
        "{out}"
    );
}
