//! Classify a few sentences with the embedded model: `cargo run --example classify`.

use claimscan::Classifier;

fn main() -> Result<(), claimscan::Error> {
    let clf = Classifier::embedded()?
        .with_top(2)
        .with_recommended_threshold();
    let texts = [
        "Open models cut our cloud bill in half.",
        "Attackers can hide a backdoor in published weights.",
        "The conference opens on Monday.",
    ];
    for (text, p) in texts.iter().zip(clf.predict_batch(&texts)) {
        println!(
            "{:<22} {:.3}  (runner-up {} {:.3})  {text}",
            p.label, p.probability, p.top[1].label, p.top[1].probability
        );
    }
    // one record as the CLI's JSON
    let p = clf.predict("Deepfaked voices are used to scam pensioners.");
    println!(
        "{}",
        serde_json::to_string(&p).expect("a prediction serialises")
    );
    Ok(())
}
