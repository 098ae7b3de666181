//! The fast predict path (word cache, bigram lookups, pipelined reader/scorer/writer) must
//! write exactly what the previous implementation wrote for the same model and input.
//!
//! The digests below were first recorded with the binary of commit bc769fe (before the
//! throughput work of issue 14), with the model shipped then; when the corpus grew (wave 5)
//! they were re-recorded with the binary of the previous main, 44163ce, whose output had
//! matched bc769fe's. The input is the first 25,000 lines of `claimscan::bench_stream`
//! (real vocabulary in varied word order, about 4 MB); JSON records are compared without the
//! `model` and `claimscan` keys that now end each of them. The model is retrained here from
//! the corpus with the settings of bc769fe's shipped model and a calibration of that time
//! (a temperature and a threshold, no top-label map), and must come out byte for byte the
//! same (CRC-32 below), so the test keeps its meaning when the shipped model changes. If the
//! corpus changes, re-record the digests with the main branch's binary before the change
//! under test (see `record` in the assertion message).

mod common;

use claimscan::calibrate::{best_threshold, fit_temperature, out_of_fold};
use claimscan::corpus::{load, CsvOptions};
use claimscan::cv::DEFAULT_SEED;
use claimscan::model::{train, Calibration, Settings};
use claimscan::persist;
use claimscan::text::TextConfig;
use common::claimscan;

/// CRC-32 of the model the digests were recorded with (bc769fe's settings, this corpus).
const MODEL_CRC: u32 = 0x37ea_38b1;
/// Its `claimscan train` settings (`--alpha 0.3 --bigrams --no-stem --char-ngrams 3-5
/// --raw-tf --uniform-prior`), calibrated on 5 folds with the default seed.
fn recorded_settings() -> Settings {
    Settings {
        text: TextConfig {
            stem: false,
            bigrams: true,
            char_ngrams: Some((3, 5)),
            ..TextConfig::default()
        },
        alpha: 0.3,
        sublinear_tf: false,
        fit_prior: false,
        ..Settings::default()
    }
}
const LINES: usize = 25_000;

/// (arguments, CRC-32 of stdout, length of stdout)
const CASES: &[(&[&str], u32, usize)] = &[
    (&["--threads", "1"], 0x1095_fd00, 4_180_522),
    (
        &["--threads", "2", "--top", "3", "--threshold", "model"],
        0x6317_95da,
        5_185_959,
    ),
    (
        &["--threads", "2", "--explain", "3", "--top", "2"],
        0x8439_9f4f,
        5_650_199,
    ),
    (
        &["--threads", "2", "--format", "json", "--top", "2"],
        0x661a_4c9e,
        9_504_549,
    ),
    (
        &["--threads", "2", "--split", "sentences"],
        0xc22e_89e5,
        4_507_681,
    ),
];

#[test]
fn large_stream_output_is_byte_identical_to_the_previous_implementation() {
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("recorded.model");
    let examples = load(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/claims.csv")),
        &CsvOptions::default(),
    )
    .unwrap();
    let settings = recorded_settings().check().unwrap();
    let mut model = train(&examples, &settings).unwrap();
    // the calibration of the time: the temperature, and the threshold at that temperature
    let oof = out_of_fold(&examples, &settings, 5, DEFAULT_SEED).unwrap();
    let temperature = fit_temperature(&oof.jll, &oof.truth);
    let (threshold, _) = best_threshold(&oof.labels, &oof.probabilities(temperature), &oof.truth);
    model.calibration = Some(Calibration {
        temperature,
        threshold,
        folds: 5,
        seed: DEFAULT_SEED,
        top: Vec::new(),
    });
    let bytes = persist::to_bytes(&model);
    // to re-record: `CLAIMSCAN_RECORD_DIR=D cargo test --test stream_identical` leaves the
    // model and the stream in D for the previous main's binary
    if let Some(d) = std::env::var_os("CLAIMSCAN_RECORD_DIR") {
        let d = std::path::Path::new(&d);
        std::fs::write(d.join("recorded.model"), &bytes).unwrap();
        std::fs::write(d.join("stream.txt"), claimscan::bench_stream(LINES)).unwrap();
    }
    assert_eq!(
        crc32fast::hash(&bytes),
        MODEL_CRC,
        "the corpus changed, so the recorded model can't be retrained: re-record the digests \
         of this test with the previous main's binary and the model trained here \
         (record: CLAIMSCAN_RECORD_DIR=D, then claimscan predict --model D/recorded.model ARGS \
         D/stream.txt | crc32)"
    );
    std::fs::write(&model_path, &bytes).unwrap();
    let stream = claimscan::bench_stream(LINES);
    let path = dir.path().join("stream.txt");
    std::fs::write(&path, &stream).unwrap();
    for (args, crc, len) in CASES {
        // from a file, and the default case also from stdin (a pipe)
        let out = claimscan()
            .arg("predict")
            .arg("--model")
            .arg(&model_path)
            .args(*args)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = if args.contains(&"json") {
            without_identity(&out.stdout)
        } else {
            out.stdout
        };
        assert_eq!(
            (crc32fast::hash(&stdout), stdout.len()),
            (*crc, *len),
            "predict {args:?} on the stream"
        );
    }
    for threads in ["1", "2"] {
        let out = claimscan()
            .args(["predict", "--threads", threads, "--model"])
            .arg(&model_path)
            .write_stdin(stream.clone())
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            (crc32fast::hash(&out.stdout), out.stdout.len()),
            (CASES[0].1, CASES[0].2),
            "predict --threads {threads} from stdin"
        );
    }
}

/// JSON records as the previous version wrote them: without the model identity and the
/// claimscan version that each record now ends with.
fn without_identity(json: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(json).expect("JSON is UTF-8");
    let mut out = Vec::with_capacity(json.len());
    for line in text.lines() {
        let cut = line
            .rfind(",\"model\":\"")
            .unwrap_or_else(|| panic!("no model identity in {line}"));
        assert!(line[cut..].contains("\"claimscan\":\""), "{line}");
        out.extend_from_slice(&line.as_bytes()[..cut]);
        out.extend_from_slice(b"}\n");
    }
    out
}
