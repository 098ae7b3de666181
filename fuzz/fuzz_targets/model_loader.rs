//! Any bytes given as a model file: an error or a model that scores without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = claimscan::persist::from_bytes(data, std::path::Path::new("fuzz")) {
        let scorer = claimscan::Scorer::new(&model);
        let mut s = claimscan::Scratch::default();
        let out = scorer.score("open models cut costs for attackers", &mut s);
        assert!(out.best < model.labels.len());
        assert!(s.probs.iter().all(|p| p.is_finite()));
    }
});
