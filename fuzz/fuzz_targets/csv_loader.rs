//! Any bytes given as a training CSV: an error, or examples that train or fail cleanly.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = claimscan::corpus::CsvOptions::default();
    if let Ok(examples) = claimscan::corpus::read(data, std::path::Path::new("fuzz.csv"), &opts) {
        assert!(examples.iter().all(|e| !e.label.is_empty()));
        let settings = claimscan::Settings::default().check().unwrap();
        if let Ok(model) = claimscan::model::train(&examples, &settings) {
            let bytes = claimscan::persist::to_bytes(&model);
            let back = claimscan::persist::from_bytes(&bytes, std::path::Path::new("m")).unwrap();
            assert_eq!(back, model);
        }
    }
});
