//! The HTML report: rendered in headless Chromium (Debian's `chromium`, which .ci/run
//! installs) and checked against `report --format json` (one highlight per risk or reward sentence, its
//! label and probability as text, an anchor per sentence, the filters, the methods note),
//! with a screenshot kept under target/report-test/; the contrast of every text colour on
//! every highlight; the page's size on a large document.

// the web app's test drives Chromium further; this one only needs its finder and flags
#[allow(dead_code)]
#[path = "common/browser.rs"]
mod browser;
mod common;
use common::{fixture, run};
use std::path::Path;
use std::process::Command;

fn headless(browser: &Path, profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    Command::new(browser)
        .args(browser::FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(browser) = browser::chromium_or_skip() else {
        return;
    };
    let article = fixture("article.txt");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let (code, text, err) = run(
        &[
            "report",
            "--html",
            page.to_str().unwrap(),
            article.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("risk claims:"));

    // what the page must show: one highlight per sentence the model calls a risk or reward
    // at the model's recommended threshold, which `report` applies by default; headings
    // are not sentences (the same report as JSON says which sentences there are)
    let (_, json, _) = run(
        &["report", "--format", "json", article.to_str().unwrap()],
        "",
    );
    let doc: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    let labels: Vec<String> = doc["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap().to_string())
        .collect();
    let highlighted = labels.iter().filter(|l| l.contains(':')).count();
    assert!(
        highlighted >= 5,
        "the sample article has claims: {labels:?}"
    );
    let (_, info, _) = run(&["info"], "");
    let n_labels = info
        .lines()
        .find(|l| l.starts_with("labels:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap();
    let n_labels: usize = n_labels.parse().unwrap();

    let dom = headless(
        &browser,
        &dir.path().join("profile"),
        &["--dump-dom"],
        &page,
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("<h1>article.txt</h1>"),
        "chromium did not load the page: {dom:.300}"
    );
    // the title is the file name, the path in small print
    assert!(dom.contains("<title>article.txt · claimscan</title>"));
    assert!(dom.contains(&format!(
        "<p class=\"path\">{}</p>",
        article.to_str().unwrap()
    )));
    // every sentence has an anchor; exactly the risk and reward sentences are highlighted,
    // each with its label and probability as text beside it (no hover needed)
    let text = dom
        .split("<div class=\"text\">")
        .nth(1)
        .unwrap()
        .split("</div>")
        .next()
        .unwrap();
    assert_eq!(text.matches("<span id=\"d1-").count(), labels.len());
    let marks: Vec<&str> = text.split("class=\"s k ").skip(1).collect();
    assert_eq!(marks.len(), highlighted);
    let expected: Vec<String> = doc["claims"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["label"].as_str().unwrap().contains(':'))
        .map(|v| {
            let (polarity, category) = v["label"].as_str().unwrap().split_once(':').unwrap();
            format!(
                "{polarity} · {category} {:.2}",
                v["probability"].as_f64().unwrap()
            )
        })
        .collect();
    let badges: Vec<String> = marks
        .iter()
        .map(|m| {
            assert!(m.contains("tabindex=\"0\""), "keyboard-focusable: {m:.200}");
            m.split("<b class=\"b\">")
                .nth(1)
                .unwrap()
                .split("</b>")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(badges, expected);
    // one filter box per category, by polarity and by confidence
    assert_eq!(
        dom.matches("<input type=\"checkbox\" id=\"f-c").count(),
        n_labels - 1
    );
    for f in ["risk", "reward", "hi", "mid", "lo"] {
        assert!(dom.contains(&format!("id=\"f-{f}\" checked")), "{f}");
    }
    // the tables link to the sentence and give its line
    assert!(
        dom.contains("<a href=\"#d1-"),
        "table rows link to sentences"
    );
    assert!(dom.contains(">line 14</a>"));
    // the methods note
    let crc = crc32fast::hash(claimscan::EMBEDDED_MODEL);
    assert!(dom.contains(&format!("<code>crc32:{crc:08x}</code>")));
    let threshold = claimscan::embedded_model()
        .unwrap()
        .calibration
        .expect("the shipped model is calibrated")
        .threshold;
    assert!(dom.contains(&format!(
        "Threshold: {threshold:.2} (the model's recommended one)"
    )));
    assert!(dom.contains("cross-validated") && dom.contains("held-out"));
    assert!(dom.contains("Automatic labels: check before quoting."));
    // no information only on hover
    assert!(!dom.contains(":hover") && !dom.contains(" title=\""));

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-test");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("report.png");
    let _ = std::fs::remove_file(&png);
    let shot = format!("--screenshot={}", png.display());
    headless(
        &browser,
        &dir.path().join("profile2"),
        &[&shot, "--window-size=1280,2200"],
        &page,
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        bytes.len() > 20_000,
        "a blank page would be tiny: {} bytes",
        bytes.len()
    );
    std::fs::copy(&page, shots.join("report.html")).unwrap();
}

/// WCAG 2 relative luminance of an sRGB colour.
fn luminance(c: [u8; 3]) -> f64 {
    let lin = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn every_text_colour_has_contrast_of_at_least_4_5_to_1_on_its_background() {
    use claimscan::report_html::{css, text_colour_pairs, tint, BANDS, REWARD, RISK, TEXT};
    // the formula, on known values: black on white is 21:1, a colour on itself 1:1
    assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
    assert!((contrast([0x77, 0x77, 0x77], [0x77, 0x77, 0x77]) - 1.0).abs() < 1e-12);
    let pairs = text_colour_pairs();
    // every highlight (2 polarities x 3 confidence bands) is among the pairs checked
    for c in [RISK, REWARD] {
        for b in BANDS {
            assert!(pairs.iter().any(|p| p.1 == TEXT && p.2 == tint(c, b.2)));
        }
    }
    let sheet = css();
    let hex = |c: [u8; 3]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
    for (what, fg, bg) in &pairs {
        let r = contrast(*fg, *bg);
        eprintln!("contrast {r:5.2}:1  {what}: {} on {}", hex(*fg), hex(*bg));
        assert!(r >= 4.5, "{what}: {} on {} is {r:.2}:1", hex(*fg), hex(*bg));
        // the colours checked are the ones the stylesheet uses
        assert!(
            sheet.contains(&hex(*fg)) && sheet.contains(&hex(*bg)),
            "{what}"
        );
    }
    // the two polarities differ by more than hue: underline style and badge text
    assert!(sheet.contains("px solid #d55e00") && sheet.contains("px dashed #0072b2"));
}

#[test]
fn the_page_is_at_most_two_and_a_half_times_the_size_of_a_large_text() {
    // about 1.2 MB of corpus sentences, five to a paragraph
    let stream = claimscan::bench_stream(12_000);
    let sentences: Vec<&str> = std::str::from_utf8(&stream).unwrap().lines().collect();
    let text: String = sentences.chunks(5).map(|c| c.join(" ") + "\n\n").collect();
    let clf = claimscan::Classifier::embedded()
        .unwrap()
        .with_recommended_threshold();
    let doc = clf.report("big.txt", &text);
    let (card, _) = claimscan::card::ModelCard::embedded().unwrap();
    let opts = claimscan::report_html::HtmlOptions {
        card: Some(&card),
        threshold: clf.threshold(),
        threshold_is_models: true,
    };
    let page = claimscan::report_html::to_html(std::slice::from_ref(&doc), &opts);
    let (risk, reward) = doc.risk_reward();
    let ratio = page.len() as f64 / text.len() as f64;
    eprintln!(
        "text {} bytes, {} sentences ({} highlighted), page {} bytes: {ratio:.2}x",
        text.len(),
        doc.claims.len(),
        risk + reward,
        page.len()
    );
    assert!(text.len() > 1_000_000);
    assert!(
        risk + reward > doc.claims.len() / 2,
        "most corpus sentences are claims"
    );
    assert!(ratio <= 2.5, "page is {ratio:.2}x the text");
    assert_eq!(page.matches("<span id=\"d1-").count(), doc.claims.len());
}
