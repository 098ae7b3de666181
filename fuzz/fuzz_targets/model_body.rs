//! Any bytes as the (version-2, binary) body of a model file, behind a header whose length and checksum match
//! (so the fuzzer explores the contents, not the checksum): an error, or a model whose
//! dense tables fit the bound the loader promises and that scores with finite
//! probabilities.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let mut file = format!(
        "claimscan-model 2 {} {:08x}\n",
        body.len(),
        crc32fast::hash(body)
    )
    .into_bytes();
    file.extend_from_slice(body);
    if let Ok(model) = claimscan::persist::from_bytes(&file, std::path::Path::new("fuzz")) {
        let cells = model.labels.len() * model.vocab.len();
        assert!(cells <= 2 * body.len() + (1 << 20), "{cells} cells from {} bytes", body.len());
        let scorer = claimscan::Scorer::new(&model);
        let mut s = claimscan::Scratch::default();
        for text in ["open models cut costs for attackers", "", "zzz qqq", "the the the"] {
            let out = scorer.score(text, &mut s);
            assert!(out.best < model.labels.len());
            assert!(s.probs.iter().all(|p| p.is_finite()), "{:?}", s.probs);
            assert!((s.probs.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
});
