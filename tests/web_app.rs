//! The web app of `claimscan serve` in headless Chromium: open the sample article with the
//! file picker, paste it, press the button, and check the highlighted sentences against the API's answer; the CSS-only
//! filters; the CSV download; the page without scripts. Keeps a screenshot under
//! target/web-app-test/.

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::{base64_decode, chromium_or_skip, Browser};
use common::fixture;
use common::http::Server;
use serde_json::{json, Value};
use std::path::Path;

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}

#[test]
fn the_page_highlights_a_pasted_article_as_the_api_labels_it() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let srv = Server::start(&[]);
    let article = std::fs::read_to_string(fixture("article.txt")).unwrap();
    let url = format!("http://{}/", srv.addr);
    let mut b = Browser::open(&chromium, 1200, 1600);
    b.navigate(&url);
    // the script ran: it shows the file picker, hidden without scripts
    b.wait_for(
        "document.readyState === 'complete' && !document.getElementById('file-label').hidden",
    );

    // the file picker fills the text box and the name
    let doc = b.call("DOM.getDocument", json!({"depth": 0}));
    let input = b.call(
        "DOM.querySelector",
        json!({"nodeId": doc["root"]["nodeId"], "selector": "#file"}),
    );
    b.call(
        "DOM.setFileInputFiles",
        json!({"nodeId": input["nodeId"], "files": [fixture("article.txt").to_str().unwrap()]}),
    );
    b.wait_for("document.getElementById('name').value === 'article.txt'");
    assert_eq!(
        b.eval("document.getElementById('text').value"),
        json!(article)
    );
    assert!(b
        .eval("document.getElementById('status').textContent")
        .as_str()
        .unwrap()
        .starts_with("Opened article.txt"));

    // paste, press the button, wait for the answer
    b.eval(&format!(
        "document.getElementById('text').value = {}; document.getElementById('name').value = 'article.txt'; \
         document.getElementById('go').click(); true",
        json!(article)
    ));
    b.wait_for("document.body.dataset.state === 'done' || document.body.dataset.state === 'error'");
    let status = b.eval("document.getElementById('status').textContent");
    assert_eq!(
        b.eval("document.body.dataset.state"),
        json!("done"),
        "{status}"
    );

    // what the API says of the same text
    let api = srv.post_json(
        "/v1/report",
        &json!({"text": article, "name": "article.txt"}),
    );
    assert_eq!(api.status, 200);
    let api = api.json();
    let claims = api["claims"].as_array().unwrap();
    assert!(status.as_str().unwrap().contains(&format!(
        "{} risk claims, {} reward claims",
        api["risk_claims"], api["reward_claims"]
    )));

    // what the page shows: every sentence, highlighted or not, with its badge
    let shown = b.eval(
        "JSON.stringify([...document.querySelectorAll('#result .text .s')].map(s => ({ \
           id: s.id, text: s.firstChild.textContent, \
           badge: s.classList.contains('k') ? s.querySelector('.b').textContent : null, \
           badgeVisible: s.classList.contains('k') ? getComputedStyle(s.querySelector('.b')).display !== 'none' : null, \
           tab: s.tabIndex, bg: getComputedStyle(s).backgroundColor })))",
    );
    let shown: Vec<Value> = serde_json::from_str(shown.as_str().unwrap()).unwrap();
    assert_eq!(shown.len(), claims.len(), "one element per sentence");
    let mut highlighted = 0;
    for (k, (s, c)) in shown.iter().zip(claims).enumerate() {
        assert_eq!(s["id"], json!(format!("d1-{}", k + 1)));
        assert_eq!(s["text"], c["text"]);
        let label = c["label"].as_str().unwrap();
        if let Some((pol, cat)) = label.split_once(':') {
            highlighted += 1;
            let want = format!("{pol} · {cat} {:.2}", c["probability"].as_f64().unwrap());
            assert_eq!(s["badge"], json!(want), "sentence {k}");
            assert_eq!(
                s["badgeVisible"],
                json!(true),
                "label visible without hover"
            );
            assert_eq!(s["tab"], json!(0), "keyboard-focusable");
            assert_ne!(s["bg"], json!("rgba(0, 0, 0, 0)"), "a claim is highlighted");
        } else {
            assert_eq!(s["badge"], Value::Null, "sentence {k}: {label}");
            assert_eq!(
                s["bg"],
                json!("rgba(0, 0, 0, 0)"),
                "neutral is not highlighted"
            );
        }
    }
    assert!(highlighted >= 5, "the sample article has claims");

    // the filters work without script of their own: untick "risks"
    let risk_bg =
        "getComputedStyle(document.querySelector('#result .text .s.risk')).backgroundColor";
    let reward_bg =
        "getComputedStyle(document.querySelector('#result .text .s.reward')).backgroundColor";
    assert_ne!(b.eval(risk_bg), json!("rgba(0, 0, 0, 0)"));
    b.eval("document.getElementById('f-risk').click(); true");
    assert_eq!(b.eval(risk_bg), json!("rgba(0, 0, 0, 0)"));
    assert_eq!(
        b.eval("getComputedStyle(document.querySelector('#result .text .s.risk .b')).display"),
        json!("none")
    );
    assert_ne!(b.eval(reward_bg), json!("rgba(0, 0, 0, 0)"));
    b.eval("document.getElementById('f-risk').click(); true");
    assert_ne!(b.eval(risk_bg), json!("rgba(0, 0, 0, 0)"));

    // the CSV download: a header and one row per sentence
    let csv = b.eval("window.claimscanCsv()");
    let csv = csv.as_str().unwrap();
    let rows: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(
        rows[0],
        "line,offset,label,polarity,category,probability,text"
    );
    assert_eq!(rows.len(), claims.len() + 1);
    let first = &claims[0];
    assert!(rows[1].starts_with(&format!(
        "{},{},{},",
        first["line"],
        first["offset"],
        first["label"].as_str().unwrap()
    )));
    assert!(b.eval("!document.getElementById('downloads').hidden") == json!(true));

    let png = b.screenshot();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a blank page would be tiny: {} bytes",
        png.len()
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/web-app-test");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("web_app.png"), &png).unwrap();

    // an error from the server is shown, not swallowed
    b.eval("document.getElementById('text').value = '   '; document.getElementById('go').click(); true");
    assert!(b
        .eval("document.getElementById('status').textContent")
        .as_str()
        .unwrap()
        .contains("Paste some text first"));
}

#[test]
fn without_scripts_the_page_explains_itself_and_its_form_posts_to_the_report() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let srv = Server::start(&[]);
    let url = format!("http://{}/", srv.addr);
    let mut b = Browser::open(&chromium, 1000, 1000);
    b.call(
        "Emulation.setScriptExecutionDisabled",
        json!({"value": true}),
    );
    b.call("Page.navigate", json!({ "url": url }));
    let mut dom = String::new();
    for _ in 0..300 {
        // (the document may be replaced between the two calls while it loads)
        let doc = b.try_call("DOM.getDocument", &json!({"depth": 0}));
        if let Ok(doc) = doc {
            let html = b.try_call(
                "DOM.getOuterHTML",
                &json!({"nodeId": doc["root"]["nodeId"]}),
            );
            if let Ok(h) = html {
                dom = h["outerHTML"].as_str().unwrap_or("").to_string();
                // a document still being parsed serialises with its closing tags too: wait
                // for the page's last element
                if dom.contains("src=\"/app.js\"") {
                    break;
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        dom.contains("<h1>claimscan</h1>"),
        "page not loaded: {dom:.300}"
    );
    assert!(
        dom.contains("Scripts are off"),
        "the noscript note is shown"
    );
    assert!(dom.contains("<form class=\"ui\" id=\"form\" method=\"post\" action=\"/report\">"));
    // the script did not run: the file picker, which needs it, stays hidden
    assert!(dom.contains("<label id=\"file-label\" hidden=\"\">"));
}
