//! The HTTP server of `claimscan serve`: a JSON API over [`claimscan::Classifier`] and a
//! one-page web app, on axum and tokio.
//!
//! Scoring runs on tokio's blocking pool, at most `workers` requests at once (a
//! semaphore); at most `queue` more wait for a worker, and beyond that a request is
//! answered 503 at once. Every error is JSON `{"error": "..."}`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use claimscan::card::ModelCard;
use claimscan::report_html::{self, HtmlOptions};
use claimscan::Classifier;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The hand-written OpenAPI 3 description, served at `/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");
const PAGE: &str = include_str!("page.html");
const APP_JS: &str = include_str!("app.js");

/// Every route the server answers: (method, path). The router is built from this list,
/// and a test checks that each is in [`OPENAPI`].
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/app.js"),
    ("POST", "/report"),
    ("GET", "/healthz"),
    ("GET", "/v1/model"),
    ("GET", "/v1/openapi.json"),
    ("POST", "/v1/predict"),
    ("POST", "/v1/report"),
];

/// The server's limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Most texts in one `/v1/predict` request.
    pub max_texts: usize,
    /// Longest time a request may wait for a worker and be scored.
    pub timeout: Duration,
    /// Requests scored at once.
    pub workers: usize,
    /// Requests waiting for a worker before new ones are turned away (503).
    pub queue: usize,
    /// Extra time each scoring job takes (hidden test option, to make the limits testable).
    pub delay: Duration,
}

/// What every handler shares.
pub struct App {
    clf: Classifier,
    card: ModelCard,
    limits: Limits,
    permits: Arc<Semaphore>,
    /// Requests scoring or waiting to.
    admitted: AtomicUsize,
    page: String,
}

impl App {
    pub fn new(clf: Classifier, card: ModelCard, limits: Limits) -> App {
        let page = PAGE
            .replace("{{CSS}}", &report_html::css())
            .replace("{{VERSION}}", env!("CARGO_PKG_VERSION"))
            .replace(
                "{{MAX_BODY_MB}}",
                &format!("{:.1}", limits.max_body as f64 / 1_048_576.0),
            );
        App {
            permits: Arc::new(Semaphore::new(limits.workers.max(1))),
            admitted: AtomicUsize::new(0),
            clf,
            card,
            limits,
            page,
        }
    }
}

impl App {
    /// The model's name and identity, for the start-up line.
    pub fn identity(&self) -> String {
        format!("model {} {}", self.card.name, self.card.identity())
    }
}

/// An error answer: a status and `{"error": message}`.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn err(status: StatusCode, msg: impl Into<String>) -> ApiError {
    ApiError(status, msg.into())
}

/// How many texts a request carried, for the log line.
#[derive(Clone, Copy)]
struct Texts(usize);

/// The router: every route of [`ROUTES`], the limits, the log line. With `loopback_only`
/// (the server listens on a loopback address), requests must name this machine in their
/// `Host` header: a web page elsewhere cannot reach the server by rebinding its own
/// domain name to 127.0.0.1.
pub fn router(app: Arc<App>, loopback_only: bool) -> Router {
    let mut r = Router::new();
    for &(method, path) in ROUTES {
        r = r.route(path, handler(method, path));
    }
    r.fallback(|| async { err(StatusCode::NOT_FOUND, "no such path: see /v1/openapi.json") })
        .method_not_allowed_fallback(|| async {
            err(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this path: see /v1/openapi.json",
            )
        })
        .layer(DefaultBodyLimit::max(app.limits.max_body))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| check_host(loopback_only, req, next),
        ))
        .layer(axum::middleware::from_fn(log))
        .with_state(app)
}

fn handler(method: &str, path: &str) -> MethodRouter<Arc<App>> {
    match (method, path) {
        ("GET", "/") => get(page),
        ("GET", "/app.js") => get(app_js),
        ("POST", "/report") => post(form_report),
        ("GET", "/healthz") => get(|| async { Json(json!({"status": "ok"})) }),
        ("GET", "/v1/model") => get(model),
        ("GET", "/v1/openapi.json") => get(openapi),
        ("POST", "/v1/predict") => post(predict),
        ("POST", "/v1/report") => post(report),
        _ => unreachable!("every route in ROUTES has a handler: {method} {path}"),
    }
}

/// Whether a `Host` header names this machine: `localhost` or a loopback address, with or
/// without a port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        }),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn check_host(loopback_only: bool, req: Request, next: Next) -> Response {
    if loopback_only {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !is_loopback_host(host) {
            return err(
                StatusCode::FORBIDDEN,
                format!("Host {host:?} is not this machine: the server listens on loopback only and answers requests for localhost or 127.0.0.1"),
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// One line per request on stderr: method, path, status, duration, texts.
async fn log(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let start = Instant::now();
    let resp = next.run(req).await;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let texts = resp.extensions().get::<Texts>().map_or(0, |t| t.0);
    crate::cmd::say!(
        "claimscan: {method} {path} {} {ms:.2}ms texts={texts}",
        resp.status().as_u16()
    );
    resp
}

/// Security headers of the pages: nothing loads from elsewhere, scripts only from here.
fn page_headers(content_type: &'static str) -> [(header::HeaderName, HeaderValue); 4] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ]
}

async fn page(State(app): State<Arc<App>>) -> Response {
    (page_headers("text/html; charset=utf-8"), app.page.clone()).into_response()
}

async fn app_js() -> Response {
    (page_headers("text/javascript; charset=utf-8"), APP_JS).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn model(State(app): State<Arc<App>>) -> Json<Value> {
    let mut v = app.card.to_json();
    v["limits"] = json!({
        "max_body_bytes": app.limits.max_body,
        "max_texts": app.limits.max_texts,
        "timeout_seconds": app.limits.timeout.as_secs_f64(),
        "workers": app.limits.workers,
        "queue": app.limits.queue,
    });
    Json(v)
}

/// The JSON body of a request: 415 unless it says `application/json`, 413 over the size
/// limit, 400 if it is not JSON, 422 if it is JSON of the wrong shape.
fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    max_body: usize,
) -> Result<T, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(err(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "expected Content-Type: application/json, got {}",
                if ct.is_empty() {
                    "none".to_string()
                } else {
                    format!("{ct:?}")
                }
            ),
        ));
    }
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => err(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body over the limit of {max_body} bytes (serve --max-body)"),
        ),
        s => err(s, r.body_text()),
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => err(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("invalid request: {e}"),
            ),
            _ => err(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")),
        }
    })
}

/// A threshold from a request: a probability, `"model"`, `"none"` or null.
fn threshold(
    v: Option<&Value>,
    default: Option<&str>,
    clf: &Classifier,
) -> Result<Option<f64>, ApiError> {
    let bad = |m: String| err(StatusCode::UNPROCESSABLE_ENTITY, m);
    let word = match v {
        None => default,
        Some(Value::Null) => Some("none"),
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Number(n)) => {
            let p = n.as_f64().unwrap_or(f64::NAN);
            if !(0.0..=1.0).contains(&p) {
                return Err(bad(format!("threshold must be within 0 and 1, got {n}")));
            }
            return Ok(Some(p));
        }
        Some(other) => {
            return Err(bad(format!(
                "threshold: expected a probability, \"model\" or \"none\", got {other}"
            )))
        }
    };
    match word {
        None | Some("none") => Ok(None),
        Some("model") => match clf.recommended_threshold() {
            Some(t) => Ok(Some(t)),
            None => Err(bad("threshold \"model\": this model has no recommended threshold (it was trained without --calibrate)".into())),
        },
        Some(s) => Err(bad(format!("threshold: expected a probability, \"model\" or \"none\", got {s:?}"))),
    }
}

/// Text up to this many bytes is scored on the async worker itself when a scoring slot is
/// free (a few tens of microseconds; handing it to the blocking pool would cost more).
const INLINE_BYTES: usize = 1024;

/// Runs `work` (on about `bytes` of text) within the concurrency and time limits: on the
/// blocking pool, or inline when it is small and a slot is free.
async fn score<R: Send + 'static>(
    app: &Arc<App>,
    bytes: usize,
    work: impl FnOnce(&Classifier) -> R + Send + 'static,
) -> Result<R, ApiError> {
    struct Admitted<'a>(&'a AtomicUsize);
    impl Drop for Admitted<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let cap = app.limits.workers + app.limits.queue;
    if app.admitted.fetch_add(1, Ordering::SeqCst) >= cap {
        app.admitted.fetch_sub(1, Ordering::SeqCst);
        return Err(err(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "server busy: {} requests are being scored and {} waiting; try again shortly",
                app.limits.workers, app.limits.queue
            ),
        ));
    }
    let _admitted = Admitted(&app.admitted);
    let deadline = tokio::time::Instant::now() + app.limits.timeout;
    let timed_out = || {
        err(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "request took longer than the {:.1} s limit (serve --timeout)",
                app.limits.timeout.as_secs_f64()
            ),
        )
    };
    if bytes <= INLINE_BYTES && app.limits.delay.is_zero() {
        if let Ok(_permit) = app.permits.clone().try_acquire_owned() {
            return Ok(work(&app.clf));
        }
    }
    let permit = tokio::time::timeout_at(deadline, app.permits.clone().acquire_owned())
        .await
        .map_err(|_| timed_out())?
        .map_err(|_| err(StatusCode::SERVICE_UNAVAILABLE, "server shutting down"))?;
    let app2 = app.clone();
    let job = tokio::task::spawn_blocking(move || {
        // the permit is held until the work is done, even if the request timed out
        let _permit = permit;
        if !app2.limits.delay.is_zero() {
            std::thread::sleep(app2.limits.delay);
        }
        work(&app2.clf)
    });
    match tokio::time::timeout_at(deadline, job).await {
        Err(_) => Err(timed_out()),
        Ok(Err(_)) => Err(err(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error while scoring",
        )),
        Ok(Ok(r)) => Ok(r),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictRequest {
    texts: Vec<String>,
    #[serde(default)]
    top: Option<usize>,
    #[serde(default)]
    threshold: Option<Value>,
    #[serde(default)]
    explain: Option<usize>,
}

/// The most features `explain` may ask for.
const MAX_EXPLAIN: usize = 100;

async fn predict(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req: PredictRequest = json_body(&headers, body, app.limits.max_body)?;
    let n = req.texts.len();
    if n > app.limits.max_texts {
        return Err(err(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{n} texts in one request; the limit is {} (serve --max-texts)",
                app.limits.max_texts
            ),
        ));
    }
    let labels = app.clf.labels().len();
    let top = req.top.unwrap_or(1);
    if !(1..=labels).contains(&top) {
        return Err(err(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("top must be within 1 and {labels}, got {top}"),
        ));
    }
    let explain = req.explain.unwrap_or(0);
    if explain > MAX_EXPLAIN {
        return Err(err(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("explain must be at most {MAX_EXPLAIN}, got {explain}"),
        ));
    }
    let t = threshold(req.threshold.as_ref(), None, &app.clf)?;
    let texts = req.texts;
    let bytes = texts.iter().map(String::len).sum();
    let preds = score(&app, bytes, move |clf| {
        let clf = clf
            .clone()
            .with_top(top)
            .with_threshold(t)
            .with_explain(explain);
        texts.iter().map(|s| clf.predict(s)).collect::<Vec<_>>()
    })
    .await?;
    // a struct, not a JSON value: the records keep the field order of `predict --format json`
    #[derive(serde::Serialize)]
    struct PredictResponse {
        threshold: Option<f64>,
        predictions: Vec<claimscan::Prediction>,
        model: String,
        claimscan: &'static str,
    }
    let mut resp = Json(PredictResponse {
        threshold: t,
        predictions: preds,
        model: app.card.identity(),
        claimscan: env!("CARGO_PKG_VERSION"),
    })
    .into_response();
    resp.extensions_mut().insert(Texts(n));
    Ok(resp)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportRequest {
    text: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    threshold: Option<Value>,
    #[serde(default)]
    html: bool,
}

async fn report(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req: ReportRequest = json_body(&headers, body, app.limits.max_body)?;
    let t = threshold(req.threshold.as_ref(), Some("model"), &app.clf)?;
    let is_models = t.is_some()
        && t == app.clf.recommended_threshold()
        && req.threshold.as_ref().is_none_or(|v| v == "model");
    let name = req.name.unwrap_or_else(|| "document".to_string());
    let app2 = app.clone();
    let (v, n) = score(&app, req.text.len(), move |clf| {
        let doc = clf.clone().with_threshold(t).report(&name, &req.text);
        let mut v = doc.to_json();
        v["threshold"] = json!(t);
        v["model"] = json!(app2.card.identity());
        if req.html {
            let opts = HtmlOptions {
                card: Some(&app2.card),
                threshold: t,
                threshold_is_models: is_models,
            };
            v["html"] = json!(report_html::fragment(&doc, &opts));
        }
        (v, doc.claims.len())
    })
    .await?;
    let mut resp = Json(v).into_response();
    resp.extensions_mut().insert(Texts(n));
    Ok(resp)
}

#[derive(Deserialize)]
struct ReportForm {
    text: String,
    #[serde(default)]
    name: Option<String>,
}

/// The page's form without scripts: the whole HTML report of the pasted text.
async fn form_report(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let html_err = |status: StatusCode, msg: String| {
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><meta charset=\"utf-8\"><title>claimscan: error</title><p>{}</p><p><a href=\"/\">Back</a></p></html>",
            report_html::escape(&msg)
        );
        (status, page_headers("text/html; charset=utf-8"), page).into_response()
    };
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return html_err(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected a form (application/x-www-form-urlencoded)".into(),
        );
    }
    let body = match body {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return html_err(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the text is over the limit of {} bytes",
                    app.limits.max_body
                ),
            )
        }
        Err(r) => return html_err(r.status(), r.body_text()),
    };
    let form: ReportForm = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(e) => {
            return html_err(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("invalid form: {e}"),
            )
        }
    };
    let name = form
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "pasted text".to_string());
    let app2 = app.clone();
    let t = app.clf.recommended_threshold();
    let r = score(&app, form.text.len(), move |clf| {
        let doc = clf.clone().with_threshold(t).report(&name, &form.text);
        let opts = HtmlOptions {
            card: Some(&app2.card),
            threshold: t,
            threshold_is_models: t.is_some(),
        };
        (
            report_html::to_html(std::slice::from_ref(&doc), &opts),
            doc.claims.len(),
        )
    })
    .await;
    match r {
        Ok((page, n)) => {
            let mut resp = (page_headers("text/html; charset=utf-8"), page).into_response();
            resp.extensions_mut().insert(Texts(n));
            resp
        }
        Err(ApiError(s, m)) => html_err(s, m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_in_the_openapi_document() {
        let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        for (method, path) in ROUTES {
            let op = &paths
                .get(*path)
                .unwrap_or_else(|| panic!("{path} missing from openapi.json"))
                [method.to_lowercase()];
            assert!(op.is_object(), "{method} {path} missing from openapi.json");
            assert!(
                op["responses"].is_object(),
                "{method} {path} has no responses"
            );
        }
        // and nothing described that the server does not answer
        for (path, ops) in paths {
            for m in ops.as_object().unwrap().keys() {
                assert!(
                    ROUTES
                        .iter()
                        .any(|(rm, rp)| rp == path && rm.eq_ignore_ascii_case(m)),
                    "openapi.json describes {m} {path}, which the server does not answer"
                );
            }
        }
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1",
            "127.0.0.1:80",
            "127.3.2.1:9",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "",
            "example.com",
            "example.com:8080",
            "10.0.0.1:80",
            "localhost.example.com",
            "[::2]:80",
            "127.0.0.1.nip.io",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn page_is_self_contained() {
        let page = App::new(
            Classifier::embedded().unwrap(),
            ModelCard::embedded().unwrap().0,
            Limits {
                max_body: 1000,
                max_texts: 1,
                timeout: Duration::from_secs(1),
                workers: 1,
                queue: 1,
                delay: Duration::ZERO,
            },
        )
        .page;
        assert!(!page.contains("{{"), "every placeholder filled");
        for bad in ["http://", "https://", "@import", "url(", "<link"] {
            assert!(
                !page.contains(bad),
                "page loads something from elsewhere: {bad}"
            );
        }
        assert!(page.contains("<script src=\"/app.js\" defer></script>"));
        assert!(page.contains("<noscript>"));
        // nothing is shown only on hover
        assert!(!page.contains(":hover") && !page.contains(" title=\""));
        assert!(!APP_JS.contains("http://") && !APP_JS.contains("https://"));
    }
}
