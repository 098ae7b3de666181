//! Train a model on a CSV, cross-validate its settings, and evaluate it on held-out data:
//! `cargo run --example train_and_evaluate -- corpus/claims.csv tests/fixtures/heldout.csv`.

use claimscan::corpus::{load, CsvOptions};
use claimscan::metrics::Report;
use claimscan::model::{train, Settings};
use claimscan::Classifier;
use std::path::Path;

fn main() -> Result<(), claimscan::Error> {
    let args: Vec<String> = std::env::args().collect();
    let corpus = args.get(1).map_or("corpus/claims.csv", String::as_str);
    let heldout = args
        .get(2)
        .map_or("tests/fixtures/heldout.csv", String::as_str);
    let examples = load(Path::new(corpus), &CsvOptions::default())?;
    let settings = Settings {
        alpha: 0.5,
        ..Settings::default()
    }
    .check()?;
    let cv = claimscan::cv::cross_validate(&examples, &settings, 5, claimscan::cv::DEFAULT_SEED)?;
    println!(
        "5-fold CV macro-F1 {:.4} ± {:.4}",
        cv.macro_f1().mean,
        cv.macro_f1().std
    );
    let clf = Classifier::from_model(train(&examples, &settings)?);
    let test = load(Path::new(heldout), &CsvOptions::default())?;
    let texts: Vec<&str> = test.iter().map(|e| e.text.as_str()).collect();
    let predicted: Vec<String> = clf
        .predict_batch(&texts)
        .into_iter()
        .map(|p| p.label)
        .collect();
    let truth: Vec<&str> = test.iter().map(|e| e.label.as_str()).collect();
    let predicted: Vec<&str> = predicted.iter().map(String::as_str).collect();
    let r = Report::new(&truth, &predicted);
    println!(
        "held-out: accuracy {:.4}, macro-F1 {:.4}, polarity {:.4}",
        r.accuracy, r.macro_f1, r.polarity_accuracy
    );
    Ok(())
}
