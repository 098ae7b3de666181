//! `claimscan serve` over real HTTP on loopback: the answers against the command line and
//! the library, the errors and limits, concurrency, the log, and graceful shutdown.

mod common;
use common::http::{request, request_to_host, Server};
use common::{fixture, run};
use serde_json::{json, Value};

fn probe_lines() -> Vec<String> {
    std::fs::read_to_string(fixture("probe.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn predict_gives_the_records_of_the_command_line() {
    let srv = Server::start(&[]);
    let texts = probe_lines();
    let r = srv.post_json(
        "/v1/predict",
        &json!({"texts": texts, "top": 3, "threshold": "model", "explain": 5}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let (code, cli, err) = run(
        &[
            "predict",
            "--top",
            "3",
            "--threshold",
            "model",
            "--explain",
            "5",
            "--format",
            "json",
            fixture("probe.txt").to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let body = r.text();
    let v = r.json();
    assert_eq!(v["threshold"], json!(recommended_threshold()));
    let preds = v["predictions"].as_array().unwrap();
    assert_eq!(preds.len(), texts.len());
    // the same records, byte for byte (field order included), without the line number and
    // text that the command line puts first and the model identity and version that it puts
    // last in each record (the answer states them once) (the nth record is for the nth text)
    for (line, p) in cli.lines().zip(preds) {
        let mut want: Value = serde_json::from_str(line).unwrap();
        let obj = want.as_object_mut().unwrap();
        assert!(obj.remove("line").is_some() && obj.remove("text").is_some());
        assert!(obj.remove("model").is_some() && obj.remove("claimscan").is_some());
        assert_eq!(p, &want);
        let record = format!(
            "{{{}}}",
            &line[line.find("\"label\"").unwrap()..line.rfind(",\"model\":").unwrap()]
        );
        assert!(
            body.contains(&record),
            "record not verbatim in the answer: {record}"
        );
    }
    assert_eq!(preds[0]["label"], "risk:security");
    assert_eq!(preds[0]["top"].as_array().unwrap().len(), 3);
    assert_eq!(preds[0]["explain"].as_array().unwrap().len(), 5);

    // defaults: top 1, no threshold, no explanation
    let r = srv.post_json("/v1/predict", &json!({"texts": ["Hi.", ""]}));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["threshold"], Value::Null);
    let p = &v["predictions"];
    assert_eq!(p[0]["top"].as_array().unwrap().len(), 1);
    assert!(p[0].get("explain").is_none() && p[0].get("below_threshold").is_none());
    assert_eq!(p[1]["unknown"], json!(true));
    // a threshold given as a number
    let r = srv.post_json("/v1/predict", &json!({"texts": ["Hi."], "threshold": 0.99}));
    assert_eq!(r.json()["predictions"][0]["label"], "neutral");
    assert_eq!(r.json()["predictions"][0]["below_threshold"], json!(true));
    // no texts: no records
    let r = srv.post_json("/v1/predict", &json!({"texts": []}));
    assert_eq!(r.json()["predictions"], json!([]));

    // one log line per request: method, path, status, duration, texts
    let log = srv.log_with(&format!("texts={}", texts.len()));
    let line = log
        .lines()
        .find(|l| {
            l.contains("POST /v1/predict 200 ") && l.contains(&format!("texts={}", texts.len()))
        })
        .unwrap_or_else(|| panic!("no log line for the request: {log}"));
    assert!(line.contains("ms "), "{line}");
    assert!(log.contains("loopback only"), "{log}");
}

#[test]
fn report_gives_the_library_report_and_the_form_the_html_page() {
    let srv = Server::start(&[]);
    let text = std::fs::read_to_string(fixture("article.txt")).unwrap();
    let r = srv.post_json("/v1/report", &json!({"text": text, "name": "article.txt"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let clf = claimscan::Classifier::embedded()
        .unwrap()
        .with_recommended_threshold();
    let mut want = clf.report("article.txt", &text).to_json();
    want["threshold"] = json!(recommended_threshold());
    want["model"] = json!(format!(
        "crc32:{:08x}",
        crc32fast::hash(claimscan::EMBEDDED_MODEL)
    ));
    assert_eq!(v, want);
    assert!(v["risk_claims"].as_u64().unwrap() >= 3, "{v}");
    assert!(v.get("html").is_none());

    // threshold none: no sentence neutral for being unsure
    let r = srv.post_json("/v1/report", &json!({"text": text, "threshold": "none"}));
    let v2 = r.json();
    assert_eq!(v2["name"], "document");
    assert_eq!(v2["threshold"], Value::Null);
    let claims =
        |v: &Value| v["risk_claims"].as_u64().unwrap() + v["reward_claims"].as_u64().unwrap();
    assert!(claims(&v2) >= claims(&v));

    // the HTML fragment of the web app: one highlight per risk or reward sentence
    let r = srv.post_json("/v1/report", &json!({"text": text, "html": true}));
    let html = r.json()["html"].as_str().unwrap().to_string();
    assert_eq!(highlights(&html) as u64, claims(&v));
    assert!(html.contains("Automatic labels: check before quoting."));

    // the page's form without scripts: the whole report as a page
    let form = format!("name=news.txt&text={}", urlencode(&text));
    let r = srv.post(
        "/report",
        Some("application/x-www-form-urlencoded"),
        form.as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let page = r.text();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("<title>news.txt · claimscan</title>")
    );
    assert_eq!(highlights(&page) as u64, claims(&v));
    let r = srv.post("/report", Some("application/json"), b"{}");
    assert_eq!(r.status, 415);
    let r = srv.post(
        "/report",
        Some("application/x-www-form-urlencoded"),
        b"name=x",
    );
    assert_eq!(r.status, 422);
    assert!(r.text().contains("invalid form"));
}

/// The highlighted sentences of a page or fragment (the legend's examples left out).
fn highlights(html: &str) -> usize {
    html.split("<div class=\"text\">")
        .skip(1)
        .map(|t| {
            t.split("</div>")
                .next()
                .unwrap()
                .matches("class=\"s k ")
                .count()
        })
        .sum()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn model_health_openapi_and_the_page() {
    let srv = Server::start(&[]);
    assert_eq!(srv.get("/healthz").json(), json!({"status": "ok"}));
    let m = srv.get("/v1/model").json();
    let (_, info, _) = run(&["info"], "");
    let n_labels: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("labels:"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(m["labels"].as_array().unwrap().len(), n_labels);
    assert!(info.contains(m["settings"].as_str().unwrap()));
    let crc = crc32fast::hash(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/claims.model"),
        )
        .unwrap(),
    );
    assert_eq!(m["identity"], json!(format!("crc32:{crc:08x}")));
    assert_eq!(
        m["calibration"]["recommended_threshold"],
        json!(recommended_threshold())
    );
    let cv = m["metrics"]["cross_validated"]["accuracy"]
        .as_f64()
        .unwrap();
    assert!(cv > 0.5 && cv < 1.0, "{m}");
    assert_eq!(m["metrics"]["heldout"].as_array().unwrap().len(), 2);
    assert_eq!(m["limits"]["max_body_bytes"], json!(2 * 1024 * 1024));

    let o = srv.get("/v1/openapi.json");
    assert_eq!(o.status, 200);
    assert!(o.json()["paths"]["/v1/predict"]["post"].is_object());

    let page = srv.get("/");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("script-src 'self'"));
    assert!(page.text().contains("<textarea id=\"text\" name=\"text\""));
    let js = srv.get("/app.js");
    assert!(js
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert!(js.text().contains("/v1/report"));

    let r = srv.get("/nowhere");
    assert_eq!(r.status, 404);
    assert!(r.error().contains("no such path"));
    let r = request(&srv.addr, "DELETE", "/v1/predict", None, b"");
    assert_eq!(r.status, 405);
    assert!(!r.error().is_empty());
}

#[test]
fn a_model_file_has_its_own_identity_and_no_recorded_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::train(dir.path(), &fixture("heldout.csv"), &[]);
    let srv = Server::start(&["--model", model.to_str().unwrap()]);
    let m = srv.get("/v1/model").json();
    let crc = crc32fast::hash(&std::fs::read(&model).unwrap());
    assert_eq!(m["identity"], json!(format!("crc32:{crc:08x}")));
    assert_eq!(m["metrics"], Value::Null);
    assert_eq!(m["name"], json!(model.display().to_string()));
    // an uncalibrated model has no recommended threshold to apply
    let r = srv.post_json(
        "/v1/predict",
        &json!({"texts": ["x"], "threshold": "model"}),
    );
    assert_eq!(r.status, 422);
    assert!(
        r.error().contains("no recommended threshold"),
        "{}",
        r.text()
    );
}

#[test]
fn bad_requests_get_json_errors() {
    let srv = Server::start(&["--max-body", "1000", "--max-texts", "3"]);
    let predict = |ct: Option<&str>, body: &str| srv.post("/v1/predict", ct, body.as_bytes());
    // 415: not JSON by its content type
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let r = predict(ct, r#"{"texts": ["a"]}"#);
        assert_eq!(r.status, 415, "{ct:?}");
        assert!(r.error().contains("application/json"));
    }
    assert_eq!(
        predict(
            Some("application/json; charset=utf-8"),
            r#"{"texts": ["a"]}"#
        )
        .status,
        200
    );
    // 400: not JSON
    for body in ["", "{", "texts", "{\"texts\": [\"a\"],}"] {
        let r = predict(Some("application/json"), body);
        assert_eq!(r.status, 400, "{body:?}: {}", r.text());
        assert!(r.error().starts_with("invalid JSON"));
    }
    // 422: JSON, but not a valid request
    for (body, says) in [
        (r#"{"text": ["a"]}"#, "unknown field `text`"),
        (r#"{}"#, "missing field `texts`"),
        (r#"{"texts": "a"}"#, "invalid type"),
        (r#"{"texts": [1]}"#, "invalid type"),
        (r#"[]"#, "invalid request"),
        (
            r#"{"texts": ["a"], "top": 0}"#,
            "top must be within 1 and 12",
        ),
        (
            r#"{"texts": ["a"], "top": 13}"#,
            "top must be within 1 and 12",
        ),
        (r#"{"texts": ["a"], "top": -1}"#, "invalid value"),
        (
            r#"{"texts": ["a"], "threshold": 1.5}"#,
            "threshold must be within 0 and 1",
        ),
        (
            r#"{"texts": ["a"], "threshold": "maybe"}"#,
            "expected a probability",
        ),
        (
            r#"{"texts": ["a"], "threshold": true}"#,
            "expected a probability",
        ),
        (
            r#"{"texts": ["a"], "explain": 1000}"#,
            "explain must be at most 100",
        ),
    ] {
        let r = predict(Some("application/json"), body);
        assert_eq!(r.status, 422, "{body}: {}", r.text());
        assert!(r.error().contains(says), "{body}: {}", r.error());
    }
    let r = srv.post(
        "/v1/report",
        Some("application/json"),
        br#"{"text": "a", "nme": "x"}"#,
    );
    assert_eq!(r.status, 422);
    assert!(r.error().contains("unknown field `nme`"));
    // 413: over the body limit, or too many texts
    let big = format!(r#"{{"texts": ["{}"]}}"#, "a".repeat(1500));
    let r = predict(Some("application/json"), &big);
    assert_eq!(r.status, 413);
    assert!(r.error().contains("1000 bytes"), "{}", r.error());
    let r = predict(
        Some("application/json"),
        r#"{"texts": ["a", "b", "c", "d"]}"#,
    );
    assert_eq!(r.status, 413);
    assert!(r.error().contains("limit is 3"), "{}", r.error());
    assert_eq!(
        predict(Some("application/json"), r#"{"texts": ["a", "b", "c"]}"#).status,
        200
    );
    // the server is still fine
    assert_eq!(srv.get("/healthz").status, 200);
    srv.log_with("POST /v1/predict 413 ");
    srv.log_with("POST /v1/predict 415 ");
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [
        vec!["serve", "--max-body", "0"],
        vec!["serve", "--max-body", "lots"],
        vec!["serve", "--timeout", "0"],
        vec!["serve", "--addr", "localhost"],
    ] {
        let (code, _, err) = run(&args, "");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, _, err) = run(&["serve", "--model", "/nonexistent/m.model"], "");
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/m.model"), "{err}");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let srv = Server::start(&[]);
    let (code, _, err) = run(&["serve", "--addr", &srv.addr], "");
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("cannot listen on {}", srv.addr)),
        "{err}"
    );
}

#[test]
fn a_non_loopback_address_is_warned_about() {
    let srv = Server::start_on("0.0.0.0:0", &[]);
    let log = srv.log_with("is not a loopback address");
    assert!(log.contains("is not a loopback address"), "{log}");
    assert!(!log.contains("loopback only"));
    // open to other machines: any Host is answered (reached here over loopback)
    let port = srv.addr.rsplit(':').next().unwrap();
    let local = format!("127.0.0.1:{port}");
    let r = request_to_host(&local, "claims.example.org", "GET", "/healthz", None, b"");
    assert_eq!(r.status, 200);
}

#[test]
fn on_loopback_only_requests_for_this_machine_are_answered() {
    // a page elsewhere that rebinds its domain name to 127.0.0.1 sends its own Host
    let srv = Server::start(&[]);
    let port = srv.addr.rsplit(':').next().unwrap();
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "[::1]".to_string(),
    ] {
        let r = request_to_host(&srv.addr, &host, "GET", "/healthz", None, b"");
        assert_eq!(r.status, 200, "{host}");
    }
    let r = request_to_host(
        &srv.addr,
        &format!("evil.example:{port}"),
        "POST",
        "/v1/predict",
        Some("application/json"),
        br#"{"texts": ["a"]}"#,
    );
    assert_eq!(r.status, 403);
    assert!(r.error().contains("loopback only"), "{}", r.error());
    srv.log_with("POST /v1/predict 403 ");
}

#[test]
fn many_concurrent_clients_get_their_own_answers() {
    let srv = Server::start(&[]);
    let lines = probe_lines();
    let clf = claimscan::Classifier::embedded().unwrap().with_top(2);
    std::thread::scope(|s| {
        for t in 0..16 {
            let (srv, lines, clf) = (&srv, &lines, &clf);
            s.spawn(move || {
                for i in 0..10 {
                    let text = format!("{} {t} {i}", lines[(t + i) % lines.len()]);
                    let r = srv.post_json("/v1/predict", &json!({"texts": [text], "top": 2}));
                    assert_eq!(r.status, 200, "{}", r.text());
                    let want = serde_json::to_value(clf.predict(&text)).unwrap();
                    assert_eq!(r.json()["predictions"][0], want, "{text}");
                }
            });
        }
    });
    let mut n = 0;
    for _ in 0..300 {
        n = srv.log().matches("POST /v1/predict 200").count();
        if n >= 160 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(n, 160, "one log line per request");
}

#[test]
fn requests_beyond_the_workers_and_queue_are_turned_away_with_503() {
    // one worker, one waiting place, each job 1.5 s: of three requests sent at once, one is
    // scored, one waits and is scored next, one is turned away at once
    let srv = Server::start(&["--workers", "1", "--queue", "1", "--debug-delay-ms", "1500"]);
    let barrier = std::sync::Barrier::new(3);
    let mut statuses: Vec<(u16, String)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|i| {
                let (srv, barrier) = (&srv, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    // stagger the starts a little so that the order of arrival is known
                    std::thread::sleep(std::time::Duration::from_millis(200 * i));
                    let r = srv.post_json(
                        "/v1/predict",
                        &json!({"texts": ["Attackers exploit the server."]}),
                    );
                    (r.status, r.text())
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    statuses.sort();
    assert_eq!(
        statuses.iter().map(|s| s.0).collect::<Vec<_>>(),
        [200, 200, 503],
        "{statuses:?}"
    );
    assert!(statuses[2].1.contains("server busy"), "{}", statuses[2].1);
    // not scoring: health and model answers do not wait for a worker
    assert_eq!(srv.get("/healthz").status, 200);
}

#[test]
fn a_request_over_the_timeout_gets_503_and_the_server_goes_on() {
    let srv = Server::start(&["--timeout", "0.3", "--debug-delay-ms", "1500"]);
    let r = srv.post_json("/v1/predict", &json!({"texts": ["a"]}));
    assert_eq!(r.status, 503);
    assert!(r.error().contains("0.3 s limit"), "{}", r.error());
    assert_eq!(srv.get("/healthz").status, 200);
}

#[test]
fn sigterm_and_sigint_let_the_requests_in_progress_finish() {
    for sig in ["TERM", "INT"] {
        let srv = Server::start(&["--debug-delay-ms", "3000"]);
        let addr = srv.addr.clone();
        let texts = probe_lines();
        let clf = claimscan::Classifier::embedded().unwrap();
        let want: Vec<Value> = texts
            .iter()
            .map(|t| serde_json::to_value(clf.predict(t)).unwrap())
            .collect();
        let inflight = std::thread::spawn({
            let addr = addr.clone();
            move || {
                request(
                    &addr,
                    "POST",
                    "/v1/predict",
                    Some("application/json"),
                    json!({ "texts": texts }).to_string().as_bytes(),
                )
            }
        });
        // the request reaches the server well within this; its job takes 3 s
        std::thread::sleep(std::time::Duration::from_millis(1000));
        srv.signal(sig);
        let r = inflight.join().unwrap();
        assert_eq!(r.status, 200, "{sig}: {}", r.text());
        assert_eq!(r.json()["predictions"], Value::Array(want), "{sig}");
        let (status, log) = srv.wait();
        assert_eq!(status.code(), Some(0), "{sig}: {log}");
        assert!(log.contains("shutting down"), "{log}");
        assert!(log.trim_end().ends_with("claimscan: stopped"), "{log}");
        assert!(
            std::net::TcpStream::connect(&addr).is_err(),
            "still listening after exit"
        );
    }
}

/// The embedded model's recommended threshold.
fn recommended_threshold() -> f64 {
    claimscan::embedded_model()
        .unwrap()
        .calibration
        .expect("the shipped model is calibrated")
        .threshold
}
