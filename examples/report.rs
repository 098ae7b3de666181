//! Summarise a whole document: `cargo run --example report -- tests/fixtures/article.txt`.

use claimscan::Classifier;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/fixtures/article.txt".into());
    let text = std::fs::read_to_string(&path)?;
    let clf = Classifier::embedded()?.with_recommended_threshold();
    let doc = clf.report(&path, &text);
    let (risk, reward) = doc.risk_reward();
    println!(
        "{} sentences: {risk} risk claims, {reward} reward claims",
        doc.claims.len()
    );
    print!("{}", doc.to_text());
    Ok(())
}
