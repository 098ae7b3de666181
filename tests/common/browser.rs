//! Headless Chromium driven over the DevTools protocol (a WebSocket, through tungstenite):
//! enough to run JavaScript in a page and take a screenshot.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// Chromium's path, if installed. Under CI (env `CI` set) a missing Chromium fails the
/// test; elsewhere the caller skips, saying so on stderr.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|c| Command::new("which").arg(c).output())
        .filter_map(Result::ok)
        .find(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
    }
    found
}

/// The flags every headless run uses.
pub const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// A headless Chromium showing one page, killed when dropped.
pub struct Browser {
    child: Child,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium on a blank page and connects to that page's DevTools socket.
    pub fn open(chromium: &Path, width: u32, height: u32) -> Browser {
        let url = "about:blank";
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(chromium)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--remote-debugging-port=0")
            .arg(format!("--window-size={width},{height}"))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        let stderr = child.stderr.take().unwrap();
        // killed if anything below panics
        struct KillOnDrop(Option<Child>);
        impl Drop for KillOnDrop {
            fn drop(&mut self) {
                if let Some(c) = self.0.as_mut() {
                    let _ = c.kill();
                    let _ = c.wait();
                }
            }
        }
        let mut guard = KillOnDrop(Some(child));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("DevTools listening on ws://").nth(1) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(rest.split('/').next().unwrap().to_string());
                    }
                }
            }
        });
        let Ok(host) = rx.recv_timeout(Duration::from_secs(60)) else {
            panic!("chromium did not open its DevTools port");
        };
        // the page target (it may take a moment to appear)
        let mut ws_url = None;
        for _ in 0..100 {
            let list = crate::common::http::request(&host, "GET", "/json/list", None, b"");
            let targets: serde_json::Value = serde_json::from_slice(&list.body).unwrap();
            ws_url = targets.as_array().unwrap().iter().find_map(|t| {
                (t["type"] == "page" && t["url"].as_str().unwrap_or("").starts_with(url))
                    .then(|| t["webSocketDebuggerUrl"].as_str().unwrap().to_string())
            });
            if ws_url.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let ws_url = ws_url.expect("chromium shows the page");
        let (ws, _) = tungstenite::connect(ws_url.as_str()).expect("DevTools socket");
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        }
        Browser {
            child: guard.0.take().unwrap(),
            ws,
            next_id: 0,
            _profile: profile,
        }
    }

    /// Calls a DevTools method and returns its result.
    pub fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        match self.try_call(method, &params) {
            Ok(v) => v,
            Err(e) => panic!("{method}: {e}"),
        }
    }

    /// Loads `url` and waits (up to 60 s) until it is loaded.
    pub fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", serde_json::json!({ "url": url }));
        let want = serde_json::json!(url);
        for _ in 0..600 {
            let r = self.try_call(
                "Runtime.evaluate",
                &serde_json::json!({"expression": "document.readyState === 'complete' ? location.href : ''", "returnByValue": true}),
            );
            if r.is_ok_and(|r| r["result"]["value"] == want) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{url} did not load");
    }

    /// [`Browser::call`], with DevTools' error as an error.
    pub fn try_call(
        &mut self,
        method: &str,
        params: &serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        self.next_id += 1;
        let id = self.next_id;
        let msg = serde_json::json!({"id": id, "method": method, "params": params});
        self.ws
            .send(Message::text(msg.to_string()))
            .expect("send to chromium");
        loop {
            let m = self.ws.read().expect("read from chromium");
            let Message::Text(t) = m else { continue };
            let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
            if v["id"] == id {
                return match v.get("error") {
                    Some(e) => Err(e.clone()),
                    None => Ok(v["result"].clone()),
                };
            }
        }
    }

    /// Evaluates a JavaScript expression in the page (awaiting a promise) and returns its
    /// value; a thrown exception fails the test.
    pub fn eval(&mut self, expression: &str) -> serde_json::Value {
        let r = self.call(
            "Runtime.evaluate",
            serde_json::json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "JavaScript failed: {expression:.200}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// Waits (in the page, up to 60 s) until `condition` is true.
    pub fn wait_for(&mut self, condition: &str) {
        let ok = self.eval(&format!(
            "new Promise(done => {{ const t0 = Date.now(); (function poll() {{ \
             let v = false; try {{ v = !!({condition}); }} catch (e) {{}} \
             if (v) done(true); else if (Date.now() - t0 > 60000) done(false); else setTimeout(poll, 50); }})(); }})"
        ));
        assert_eq!(
            ok,
            serde_json::Value::Bool(true),
            "timed out waiting for {condition}"
        );
    }

    /// A PNG of the whole page.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let r = self.call(
            "Page.captureScreenshot",
            serde_json::json!({"format": "png", "captureBeyondViewport": true}),
        );
        base64_decode(r["data"].as_str().unwrap())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (with padding), as DevTools sends binary data.
pub fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c) << (18 - 6 * i);
        }
        let k = chunk.len() - 1;
        out.extend_from_slice(&n.to_be_bytes()[1..=k]);
    }
    out
}
