//! Any text through the pipeline and the scorer: the cached path finds the same features
//! as the training pipeline, and probabilities are finite and sum to 1.
#![no_main]
use claimscan::text::{Pipeline, TextConfig};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn scorer() -> &'static claimscan::Scorer {
    static S: OnceLock<claimscan::Scorer> = OnceLock::new();
    S.get_or_init(|| {
        let mut model = claimscan::embedded_model().unwrap();
        model.settings.text = TextConfig { stem: true, stop_words: true, bigrams: true };
        claimscan::Scorer::new(&model)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let s = scorer();
    let mut scratch = claimscan::Scratch::default();
    s.features(&text, &mut scratch);
    let mut fast = scratch.features().to_vec();
    fast.sort_unstable();
    let mut terms = Vec::new();
    Pipeline::new(s.model().settings.text.clone()).terms(&text, &mut terms);
    let mut slow: Vec<u32> = terms.iter().filter_map(|t| s.model().vocab.get(t)).collect();
    slow.sort_unstable();
    assert_eq!(fast, slow);
    s.score(&text, &mut scratch);
    let sum: f64 = scratch.probs.iter().sum();
    assert!((sum - 1.0).abs() < 1e-9);
});
