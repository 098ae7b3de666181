//! The HTML report: one self-contained page (no scripts, fonts or requests) for reading
//! and checking the claims of one or more documents.
//!
//! Design: colour means polarity (Okabe-Ito vermillion for risks, blue for rewards; neutral
//! sentences are not highlighted), the category is a text badge beside the sentence
//! (`risk · misuse 0.93`), so that the page reads in greyscale and without hovering;
//! confidence is the strength of the tint and the weight of the underline (solid for
//! risks, dashed for rewards). Every sentence has an anchor; the tables link to it and
//! give its line. Filters by polarity, category and confidence are plain checkboxes
//! styled with CSS `:has()`, so they work without scripts.

use crate::card::ModelCard;
use crate::metrics::polarity;
use crate::report::DocReport;
use std::fmt::Write;

/// An sRGB colour.
pub type Rgb = [u8; 3];

/// Okabe-Ito vermillion: the risk hue.
pub const RISK: Rgb = [0xD5, 0x5E, 0x00];
/// Okabe-Ito blue: the reward hue.
pub const REWARD: Rgb = [0x00, 0x72, 0xB2];
/// Text colour of the page and of highlighted sentences.
pub const TEXT: Rgb = [0x1B, 0x1B, 0x1B];
/// Page background.
pub const PAGE: Rgb = [0xFF, 0xFF, 0xFF];
/// Badge text of risks (a dark vermillion) and of rewards (a dark blue), on white.
pub const RISK_DARK: Rgb = [0x8F, 0x37, 0x00];
pub const REWARD_DARK: Rgb = [0x00, 0x4E, 0x7C];
/// Secondary text (paths, notes, line numbers).
pub const MUTED: Rgb = [0x55, 0x55, 0x55];
/// Links.
pub const LINK: Rgb = [0x0B, 0x4F, 0x94];

/// Confidence bands: (class, lowest probability, tint strength, underline width in px).
pub const BANDS: [(&str, f64, f64, u8); 3] = [
    ("hi", 0.8, 0.40, 3),
    ("mid", 0.5, 0.25, 2),
    ("lo", 0.0, 0.12, 1),
];

/// `c` laid over white with opacity `alpha`, as the solid colour a reader sees.
pub fn tint(c: Rgb, alpha: f64) -> Rgb {
    c.map(|v| (255.0 + (f64::from(v) - 255.0) * alpha).round() as u8)
}

fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// Every (what, text colour, background colour) pair the stylesheet puts text on, for the
/// contrast check of the test suite.
pub fn text_colour_pairs() -> Vec<(String, Rgb, Rgb)> {
    let mut out = vec![
        ("page text".to_string(), TEXT, PAGE),
        ("muted text".to_string(), MUTED, PAGE),
        ("links".to_string(), LINK, PAGE),
        ("risk badge".to_string(), RISK_DARK, PAGE),
        ("reward badge".to_string(), REWARD_DARK, PAGE),
    ];
    for (pol, c) in [("risk", RISK), ("reward", REWARD)] {
        for (band, _, alpha, _) in BANDS {
            out.push((
                format!("{pol} sentence, {band} confidence"),
                TEXT,
                tint(c, alpha),
            ));
        }
    }
    out
}

/// The confidence band of a probability.
fn band(p: f64) -> &'static str {
    BANDS
        .iter()
        .find(|b| p >= b.1)
        .map_or(BANDS[BANDS.len() - 1].0, |b| b.0)
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    escape_into(&mut o, s);
    o
}

/// [`escape`], appending to `o`.
pub fn escape_into(o: &mut String, s: &str) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        o.push_str(&s[from..i]);
        o.push_str(rep);
        from = i + 1;
    }
    o.push_str(&s[from..]);
}

/// The last part of a path (`/a/b/news.txt` gives `news.txt`).
pub fn file_name(name: &str) -> &str {
    name.rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or(name)
}

/// What the methods note says about the labels.
#[derive(Clone, Copy, Debug, Default)]
pub struct HtmlOptions<'a> {
    /// The model that labelled the documents.
    pub card: Option<&'a ModelCard>,
    /// The threshold under which a sentence was called neutral.
    pub threshold: Option<f64>,
    /// Whether that threshold is the model's recommended one.
    pub threshold_is_models: bool,
}

/// The stylesheet of the report (also used by the web app).
pub fn css() -> String {
    let mut c = String::new();
    let _ = write!(
        c,
        ":root {{ color-scheme: light; }}
body {{ font: 17px/1.65 Georgia, \"Times New Roman\", serif; color: {text}; background: {page}; margin: 0 auto; max-width: 62rem; padding: 1.5rem 1.5rem 4rem; }}
h1, h2, h3, nav, table, .ui, .summary, .methods, .filters, .b, .path {{ font-family: system-ui, -apple-system, \"Segoe UI\", Helvetica, Arial, sans-serif; }}
h1 {{ font-size: 1.6rem; margin: 0; overflow-wrap: anywhere; }}
h2 {{ font-size: 1.3rem; margin: 0; overflow-wrap: anywhere; }}
.path, .note {{ color: {muted}; font-size: .8rem; margin: .1rem 0 .6rem; overflow-wrap: anywhere; }}
a {{ color: {link}; }}
.doc {{ border-top: 2px solid #ccc; margin-top: 1.5rem; padding-top: 1rem; }}
.summary {{ font-size: .95rem; margin: .4rem 0; }}
.balance {{ display: flex; height: .8rem; background: #e8e8e8; border-radius: .2rem; overflow: hidden; margin: .3rem 0 .8rem; }}
.balance .risk {{ background: {risk}; }} .balance .reward {{ background: {reward}; background-image: repeating-linear-gradient(45deg, transparent 0 4px, rgba(255,255,255,.45) 4px 6px); }}
.filters {{ font-size: .9rem; border: 1px solid #ccc; border-radius: .3rem; padding: .3rem .8rem; margin: 1rem 0; }}
.filters summary {{ cursor: pointer; font-weight: 600; }}
.filters fieldset {{ border: 0; margin: .3rem 0; padding: 0; display: flex; flex-wrap: wrap; gap: .2rem 1rem; }}
.filters legend {{ font-weight: 600; float: left; margin-right: .6rem; }}
.filters label {{ white-space: nowrap; }}
.text p {{ margin: 0 0 .9rem; }}
.s.k {{ padding: .05rem .1rem; border-radius: .15rem; -webkit-box-decoration-break: clone; box-decoration-break: clone; }}
.s.k:focus, .s:target {{ outline: 3px solid {text}; outline-offset: 1px; }}
.b {{ font-size: .7rem; font-weight: 600; white-space: nowrap; margin-left: .3rem; padding: 0 .3rem; border-radius: .2rem; background: {page}; vertical-align: .1rem; }}
.risk > .b {{ color: {risk_dark}; border: 1px solid {risk}; }}
.reward > .b {{ color: {reward_dark}; border: 1px dashed {reward}; }}
table {{ border-collapse: collapse; font-size: .85rem; width: 100%; margin: .4rem 0 1rem; }}
th, td {{ text-align: left; padding: .25rem .45rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
td.n {{ white-space: nowrap; font-variant-numeric: tabular-nums; }}
.methods {{ font-size: .9rem; border-top: 2px solid #ccc; margin-top: 2rem; }}
.methods .warn {{ font-weight: 700; }}
",
        text = hex(TEXT),
        page = hex(PAGE),
        muted = hex(MUTED),
        link = hex(LINK),
        risk = hex(RISK),
        reward = hex(REWARD),
        risk_dark = hex(RISK_DARK),
        reward_dark = hex(REWARD_DARK),
    );
    for (pol, col, style) in [("risk", RISK, "solid"), ("reward", REWARD, "dashed")] {
        for (b, _, alpha, w) in BANDS {
            let _ = writeln!(
                c,
                ".s.{pol}.{b} {{ background: {}; border-bottom: {w}px {style} {}; }}",
                hex(tint(col, alpha)),
                hex(col)
            );
        }
    }
    // filters: an unticked box takes the highlight (and the badge) off, and the table rows out
    let off = "{ background: none; border-bottom: 0; } ";
    for f in ["risk", "reward", "hi", "mid", "lo"] {
        let _ = writeln!(
            c,
            "body:has(#f-{f}:not(:checked)) .s.{f} {off}body:has(#f-{f}:not(:checked)) .s.{f} > .b, body:has(#f-{f}:not(:checked)) tr.{f} {{ display: none; }}"
        );
    }
    c.push_str(
        "@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .filters, nav { display: none; }
  .doc { break-before: page; border: none; }
  .doc:first-of-type { break-before: auto; }
  .s, .balance div { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table { break-inside: avoid; }
}
",
    );
    c
}

/// CSS rules hiding the categories whose filter box is unticked (labels by index, never
/// by their text: a label is data).
fn category_css(labels: &[String]) -> String {
    let mut c = String::new();
    for (i, l) in labels.iter().enumerate() {
        if !l.contains(':') {
            continue;
        }
        let _ = writeln!(
            c,
            "body:has(#f-c{i}:not(:checked)) .s.c{i} {{ background: none; border-bottom: 0; }} body:has(#f-c{i}:not(:checked)) .s.c{i} > .b, body:has(#f-c{i}:not(:checked)) tr.c{i} {{ display: none; }}"
        );
    }
    c
}

/// The filter boxes (CSS-only).
fn filters(h: &mut String, labels: &[String]) {
    h.push_str(
        "<details class=\"filters\" open><summary>Filters</summary>\n\
         <p class=\"note\">Untick a box to take its highlights off the text and its rows out of the tables (works without scripts).</p>\n\
         <fieldset><legend>Polarity</legend>\
         <label><input type=\"checkbox\" id=\"f-risk\" checked> risks</label>\
         <label><input type=\"checkbox\" id=\"f-reward\" checked> rewards</label></fieldset>\n\
         <fieldset><legend>Category</legend>",
    );
    for (i, l) in labels.iter().enumerate() {
        if l.contains(':') {
            let _ = write!(
                h,
                "<label><input type=\"checkbox\" id=\"f-c{i}\" checked> {}</label>",
                escape(l)
            );
        }
    }
    h.push_str(
        "</fieldset>\n<fieldset><legend>Confidence</legend>\
         <label><input type=\"checkbox\" id=\"f-hi\" checked> high (0.80 and over)</label>\
         <label><input type=\"checkbox\" id=\"f-mid\" checked> medium (0.50 to 0.80)</label>\
         <label><input type=\"checkbox\" id=\"f-lo\" checked> low (under 0.50)</label></fieldset>\n</details>\n",
    );
}

/// Whether a label is highlighted (a risk or a reward).
fn is_claim(label: &str) -> bool {
    matches!(polarity(label), "risk" | "reward")
}

/// The classes of a highlighted sentence or of its table row: polarity, category, band.
fn claim_classes(label_index: usize, label: &str, p: f64) -> String {
    format!("{} c{label_index} {}", polarity(label), band(p))
}

/// The badge text: `risk · misuse 0.93`.
fn badge(label: &str, p: f64) -> String {
    let (pol, cat) = label.split_once(':').unwrap_or((label, label));
    format!("{} · {} {p:.2}", escape(pol), escape(cat))
}

/// One self-contained HTML page for `docs`.
pub fn to_html(docs: &[DocReport], opts: &HtmlOptions) -> String {
    let text_len: usize = docs
        .iter()
        .map(|d| d.lines.iter().map(|l| l.len() + 1).sum::<usize>())
        .sum();
    let mut h = String::with_capacity(text_len * 2 + 16_384);
    let title = match docs {
        [d] => file_name(&d.name).to_string(),
        [d, rest @ ..] => format!("{} and {} more", file_name(&d.name), rest.len()),
        [] => "claimscan report".to_string(),
    };
    let labels: &[String] = docs.first().map_or(&[], |d| &d.labels);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · claimscan</title>\n<style>\n{}{}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        escape(&title),
        css(),
        category_css(labels),
        escape(&title),
    );
    if let [d] = docs {
        let _ = writeln!(h, "<p class=\"path\">{}</p>", escape(&d.name));
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">Claims about the risks and rewards of AI, labelled sentence by sentence by claimscan {}. \
         <b>Automatic labels: check before quoting.</b> <a href=\"#methods\">How they were made</a>.</p>\n</header>",
        env!("CARGO_PKG_VERSION")
    );
    legend(&mut h);
    if docs.len() > 1 {
        summary_table(&mut h, docs);
    }
    filters(&mut h, labels);
    for (i, d) in docs.iter().enumerate() {
        doc_section(&mut h, d, i + 1, docs.len() > 1);
    }
    methods(&mut h, opts);
    h.push_str("</body>\n</html>\n");
    h
}

/// The part of the page for one document, with its filters and the methods note, for the
/// web app to place in its own page (which carries [`css`] and [`category_css`]).
pub fn fragment(doc: &DocReport, opts: &HtmlOptions) -> String {
    let mut h =
        String::with_capacity(doc.lines.iter().map(|l| l.len() + 1).sum::<usize>() * 2 + 8192);
    let _ = writeln!(h, "<style>{}</style>", category_css(&doc.labels));
    legend(&mut h);
    filters(&mut h, &doc.labels);
    doc_section(&mut h, doc, 1, false);
    methods(&mut h, opts);
    h
}

fn legend(h: &mut String) {
    h.push_str(
        "<p class=\"ui note\">How to read it: <span class=\"s k risk hi\">a risk claim<b class=\"b\">risk · category p</b></span> \
         <span class=\"s k reward hi\">a reward claim<b class=\"b\">reward · category p</b></span>; \
         a stronger tint and a thicker underline mean a more confident label (p is the model's probability); \
         sentences without a highlight are neutral or under the threshold.</p>\n",
    );
}

fn summary_table(h: &mut String, docs: &[DocReport]) {
    h.push_str(
        "<nav><h2>Documents</h2>\n<table><tr><th>document</th><th>sentences</th><th>risk claims</th>\
         <th>reward claims</th><th>neutral</th><th>risk share of claims</th></tr>\n",
    );
    let mut tot = (0, 0, 0);
    for (i, d) in docs.iter().enumerate() {
        let (risk, reward) = d.risk_reward();
        tot = (tot.0 + d.claims.len(), tot.1 + risk, tot.2 + reward);
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#d{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{risk}</td><td class=\"n\">{reward}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            i + 1,
            escape(file_name(&d.name)),
            d.claims.len(),
            d.claims.len() - risk - reward,
            share(risk, risk + reward)
        );
    }
    let _ = writeln!(
        h,
        "<tr><th>all {}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>\n</table></nav>",
        docs.len(),
        tot.0,
        tot.1,
        tot.2,
        tot.0 - tot.1 - tot.2,
        share(tot.1, tot.1 + tot.2)
    );
}

fn share(k: usize, n: usize) -> String {
    if n == 0 {
        "–".to_string()
    } else {
        format!("{:.0}%", 100.0 * k as f64 / n as f64)
    }
}

/// The anchor of sentence `k` (0-based) of document `doc` (1-based).
fn anchor(doc: usize, k: usize) -> String {
    format!("d{doc}-{}", k + 1)
}

fn doc_section(h: &mut String, d: &DocReport, n: usize, several: bool) {
    let (risk, reward) = d.risk_reward();
    let _ = writeln!(h, "<section class=\"doc\" id=\"d{n}\">");
    if several {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<p class=\"path\">{}</p>",
            escape(file_name(&d.name)),
            escape(&d.name)
        );
    }
    let claims = risk + reward;
    let pct = |k: usize| {
        if claims == 0 {
            0.0
        } else {
            100.0 * k as f64 / claims as f64
        }
    };
    let _ = writeln!(
        h,
        "<p class=\"summary\"><b>{}</b> sentences: <b>{risk}</b> risk claims ({:.0}% of claims), <b>{reward}</b> reward claims ({:.0}%), <b>{}</b> neutral.</p>\n\
         <div class=\"balance\" role=\"img\" aria-label=\"risk claims {:.0}%, reward claims {:.0}%\"><div class=\"risk\" style=\"width:{:.2}%\"></div><div class=\"reward\" style=\"width:{:.2}%\"></div></div>",
        d.claims.len(),
        pct(risk),
        pct(reward),
        d.claims.len() - claims,
        pct(risk),
        pct(reward),
        pct(risk),
        pct(reward),
    );
    // claims per category
    let mut per = vec![0usize; d.labels.len()];
    d.claims.iter().for_each(|c| per[c.label] += 1);
    h.push_str("<details class=\"ui\"><summary>Claims per category</summary><table><tr><th>category</th><th>sentences</th></tr>\n");
    for (i, l) in d.labels.iter().enumerate().filter(|(_, l)| is_claim(l)) {
        let _ = writeln!(
            h,
            "<tr class=\"{} c{i}\"><td>{}</td><td class=\"n\">{}</td></tr>",
            polarity(l),
            escape(l),
            per[i]
        );
    }
    h.push_str("</table></details>\n");
    // the text
    h.push_str("<div class=\"text\">\n");
    let mut claims_iter = d.claims.iter().enumerate().peekable();
    for (i, line) in d.lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        h.push_str("<p>");
        let mut at = 0;
        while let Some((k, c)) = claims_iter.next_if(|(_, c)| c.line == i) {
            escape_into(h, &line[at..c.offset]);
            let label = &d.labels[c.label];
            if is_claim(label) {
                let _ = write!(
                    h,
                    "<span id=\"{}\" class=\"s k {}\" tabindex=\"0\">",
                    anchor(n, k),
                    claim_classes(c.label, label, c.probability)
                );
                escape_into(h, &c.text);
                let _ = write!(
                    h,
                    "<b class=\"b\">{}</b></span>",
                    badge(label, c.probability)
                );
            } else {
                let _ = write!(h, "<span id=\"{}\" class=\"s\">", anchor(n, k));
                escape_into(h, &c.text);
                h.push_str("</span>");
            }
            at = c.offset + c.text.len();
        }
        escape_into(h, &line[at..]);
        h.push_str("</p>\n");
    }
    h.push_str("</div>\n");
    // tables
    let index: std::collections::HashMap<(usize, usize), usize> = d
        .claims
        .iter()
        .enumerate()
        .map(|(k, c)| ((c.line, c.offset), k))
        .collect();
    let row = |h: &mut String, c: &crate::report::Claim| {
        let label = &d.labels[c.label];
        let k = index[&(c.line, c.offset)];
        let class = if is_claim(label) {
            claim_classes(c.label, label, c.probability)
        } else {
            "neutral".to_string()
        };
        let _ = write!(
            h,
            "<tr class=\"{class}\"><td class=\"n\"><a href=\"#{}\">line {}</a></td><td>{}</td><td class=\"n\">{:.2}</td><td>",
            anchor(n, k),
            c.source_line + 1,
            escape(label),
            c.probability
        );
        escape_into(h, &c.text);
        h.push_str("</td></tr>\n");
    };
    h.push_str("<h3>Most confident claims</h3>\n<table><tr><th>where</th><th>label</th><th>p</th><th>sentence</th></tr>\n");
    for (_, cs) in d.most_confident(2) {
        for c in cs {
            row(h, c);
        }
    }
    h.push_str("</table>\n<h3>Least certain sentences</h3>\n<table><tr><th>where</th><th>label</th><th>p</th><th>sentence</th></tr>\n");
    for c in d.least_sure(5) {
        row(h, c);
    }
    h.push_str("</table>\n</section>\n");
}

fn methods(h: &mut String, opts: &HtmlOptions) {
    h.push_str(
        "<section class=\"methods\" id=\"methods\">\n<h2>How these labels were made</h2>\n\
         <p class=\"warn\">Automatic labels: check before quoting.</p>\n",
    );
    match opts.card {
        Some(card) => {
            let _ = writeln!(
                h,
                "<p>Each sentence was labelled on its own by a naive Bayes model: <b>{}</b>, identity <code>{}</code>, \
                 {} labels, trained on {} sentences with <code>{}</code>.</p>",
                escape(&card.name),
                card.identity(),
                card.labels.len(),
                card.training_rows,
                escape(&card.settings)
            );
            match card.metrics {
                Some(m) => {
                    let _ = write!(
                        h,
                        "<p>Measured accuracy: {:.1}% cross-validated ({}-fold, on the training corpus, macro-F1 {:.3})",
                        100.0 * m.cv_accuracy,
                        m.cv_folds,
                        m.cv_macro_f1
                    );
                    for (file, n, acc, f1) in m.heldout {
                        let _ = write!(
                            h,
                            "; {:.1}% on held-out sentences never used in training (<code>{}</code>, {n} sentences, macro-F1 {f1:.3})",
                            100.0 * acc,
                            escape(file_name(file)),
                        );
                    }
                    let accs = m.heldout.iter().map(|h| h.2).chain([m.cv_accuracy]);
                    let (lo, hi) = accs.fold((1.0f64, 0.0f64), |(lo, hi), a| (lo.min(a), hi.max(a)));
                    let _ = writeln!(
                        h,
                        ". So {:.0} to {:.0} labels in a hundred were wrong in these measurements, and more can be on text unlike the training data.</p>",
                        100.0 * (1.0 - hi),
                        100.0 * (1.0 - lo)
                    );
                }
                None => h.push_str(
                    "<p>The accuracy of this model has not been measured here: run <code>claimscan eval</code> on labelled data you trust.</p>\n",
                ),
            }
        }
        None => h.push_str("<p>Model: not recorded.</p>\n"),
    }
    match opts.threshold {
        Some(t) => {
            let _ = writeln!(
                h,
                "<p>Threshold: {t:.2}{}. A sentence whose best probability is under it counts as neutral and is not highlighted.</p>",
                if opts.threshold_is_models { " (the model's recommended one)" } else { "" }
            );
        }
        None => h.push_str("<p>Threshold: none. Every sentence gets the model's most probable label, however unsure.</p>\n"),
    }
    h.push_str(
        "<p>The probability beside each label is the model's calibrated confidence: of the sentences shown at 0.80, about 80% \
         were right on data like the training corpus. The model sees one sentence at a time, so it cannot tell a claim the \
         author makes from one the author reports or rebuts.</p>\n</section>\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::report::tests::{scorer, DOC};

    #[test]
    fn html_is_escaped_self_contained_and_marks_every_sentence() {
        let r = DocReport::new("dir/a <doc>.txt", DOC, &scorer());
        let h = to_html(&[r], &HtmlOptions::default());
        // every sentence an anchor; the two claims highlighted, with a visible badge
        for k in 1..=4 {
            assert!(h.contains(&format!("id=\"d1-{k}\"")), "{k}");
        }
        assert_eq!(h.matches("<span id=\"d1-").count(), 4);
        assert_eq!(h.matches("class=\"s k risk c2 ").count(), 1, "{h}");
        assert_eq!(h.matches("class=\"s k reward c1 ").count(), 1);
        assert!(h.contains("<b class=\"b\">risk · misuse 0."));
        assert!(h.contains("<title>a &lt;doc&gt;.txt · claimscan</title>"));
        assert!(h.contains("<p class=\"path\">dir/a &lt;doc&gt;.txt</p>"));
        assert!(h.contains("&lt;b&gt;&amp;&lt;/b&gt;"));
        assert!(h.contains("Automatic labels: check before quoting."));
        assert!(h.contains("Threshold: none."));
        assert!(!h.contains("<script") && !h.contains("src=") && !h.contains("<link"));
        assert!(!h.contains("https://") && !h.contains("@import") && !h.contains("url("));
        // the table rows link to their sentence and give its line
        assert!(h.contains("<a href=\"#d1-1\">line 1</a>"));
        assert!(h.contains("<a href=\"#d1-3\">line 3</a>"));
    }

    #[test]
    fn several_documents_get_a_summary_table_with_links() {
        let s = scorer();
        let docs = [
            DocReport::new("x/one.txt", DOC, &s),
            DocReport::with_threshold("y/two.txt", DOC, &s, Some(1.0)),
        ];
        let h = to_html(
            &docs,
            &HtmlOptions {
                threshold: Some(1.0),
                ..Default::default()
            },
        );
        assert!(h.contains("<title>one.txt and 1 more · claimscan</title>"));
        assert!(
            h.contains("<a href=\"#d1\">one.txt</a>") && h.contains("<a href=\"#d2\">two.txt</a>")
        );
        assert!(h.contains("<th>all 2</th><th class=\"n\">8</th><th class=\"n\">1</th><th class=\"n\">1</th><th class=\"n\">6</th><th class=\"n\">50%</th>"), "{h}");
        // under the threshold nothing is highlighted in the second document
        let second = h.split("id=\"d2\"").nth(1).unwrap();
        assert!(!second.contains("class=\"s k "));
        assert!(second.contains("Threshold: 1.00."));
    }

    #[test]
    fn escape_and_file_name() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(escape("plain é"), "plain é");
        assert_eq!(file_name("/a/b/news.txt"), "news.txt");
        assert_eq!(file_name("news.txt"), "news.txt");
        assert_eq!(file_name("c:\\x\\y.txt"), "y.txt");
        assert_eq!(file_name("dir/"), "dir");
    }

    #[test]
    fn bands_and_tints() {
        assert_eq!(band(0.95), "hi");
        assert_eq!(band(0.8), "hi");
        assert_eq!(band(0.6), "mid");
        assert_eq!(band(0.1), "lo");
        assert_eq!(tint(RISK, 1.0), RISK);
        assert_eq!(tint(RISK, 0.0), [255, 255, 255]);
    }
}
