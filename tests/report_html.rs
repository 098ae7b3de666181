//! Renders the HTML report of a sample article in headless Chromium (Debian's `chromium`,
//! which .ci/run installs) and checks the page: one highlight per risk or reward sentence,
//! the legend, the chart. Keeps a screenshot under target/report-test/.

mod common;
use common::{fixture, run};
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|c| Command::new("which").arg(c).output())
        .filter_map(Result::ok)
        .find(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
}

fn headless(browser: &Path, profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()));
    cmd.output().expect("chromium runs")
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
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
        dom.contains("<h1>claimscan report</h1>"),
        "chromium did not load the page: {dom:.300}"
    );
    let marks = dom.matches("<span class=\"s risk ").count()
        + dom.matches("<span class=\"s reward ").count();
    assert_eq!(marks, highlighted);
    assert_eq!(dom.matches("<span class=\"s ").count(), labels.len());
    let legend = dom
        .split("<ul class=\"legend\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert_eq!(legend.matches("<li>").count(), n_labels);
    assert_eq!(
        dom.matches("<rect class=\"bar\"").count(),
        n_labels - 1,
        "one bar per risk/reward category"
    );

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
