// claimscan web app: sends the text to POST /v1/report and shows the highlighted report
// that the server renders (the same markup as `claimscan report --html`). Plain script, no
// libraries; without it the form still posts to /report and gets the report as a page.
"use strict";
(function () {
  var form = document.getElementById("form");
  var text = document.getElementById("text");
  var name = document.getElementById("name");
  var file = document.getElementById("file");
  var go = document.getElementById("go");
  var status = document.getElementById("status");
  var result = document.getElementById("result");
  var downloads = document.getElementById("downloads");
  var last = null;

  document.getElementById("file-label").hidden = false;

  function say(msg, isError) {
    status.textContent = msg;
    status.className = isError ? "error" : "";
  }

  function load(f) {
    if (!f) return;
    f.text().then(function (t) {
      text.value = t;
      name.value = f.name;
      say("Opened " + f.name + " (" + t.length + " characters). Press \u201cFind claims\u201d.");
    }, function () {
      say("Could not read " + f.name + ".", true);
    });
  }

  file.addEventListener("change", function () { load(file.files[0]); });
  text.addEventListener("dragover", function (e) { e.preventDefault(); text.classList.add("drop"); });
  text.addEventListener("dragleave", function () { text.classList.remove("drop"); });
  text.addEventListener("drop", function (e) {
    e.preventDefault();
    text.classList.remove("drop");
    if (e.dataTransfer && e.dataTransfer.files.length) load(e.dataTransfer.files[0]);
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!text.value.trim()) { say("Paste some text first.", true); return; }
    go.disabled = true;
    document.body.dataset.state = "busy";
    say("Finding claims\u2026");
    fetch("/v1/report", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: text.value, name: name.value.trim() || "pasted text", html: true })
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; },
        function () { return { ok: false, status: r.status, body: { error: "the server answered " + r.status } }; });
    }).then(function (r) {
      if (!r.ok) throw new Error(r.body.error || ("the server answered " + r.status));
      last = r.body;
      // the server escapes every piece of the text it puts in this markup
      result.innerHTML = r.body.html;
      downloads.hidden = false;
      say(r.body.sentences + " sentences: " + r.body.risk_claims + " risk claims, " +
        r.body.reward_claims + " reward claims.");
      document.body.dataset.state = "done";
    }).catch(function (err) {
      say("Error: " + err.message, true);
      document.body.dataset.state = "error";
    }).then(function () { go.disabled = false; });
  });

  function fileBase() {
    var n = (last && last.name) || "claims";
    return n.replace(/\.[A-Za-z0-9]{1,5}$/, "").replace(/[^A-Za-z0-9._-]+/g, "_") || "claims";
  }

  function save(content, type, filename) {
    var url = URL.createObjectURL(new Blob([content], { type: type }));
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function csvField(v) {
    var s = String(v);
    // a leading = + - @ would be a formula in a spreadsheet: quote it as text
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) || s !== String(v) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function toCsv(report) {
    var rows = [["line", "offset", "label", "polarity", "category", "probability", "text"]];
    report.claims.forEach(function (c) {
      var parts = c.label.indexOf(":") >= 0 ? c.label.split(":") : [c.label, c.label];
      rows.push([c.line, c.offset, c.label, parts[0], parts[1], c.probability, c.text]);
    });
    return rows.map(function (r) { return r.map(csvField).join(","); }).join("\r\n") + "\r\n";
  }

  document.getElementById("csv").addEventListener("click", function () {
    if (last) save(toCsv(last), "text/csv;charset=utf-8", fileBase() + ".claims.csv");
  });
  document.getElementById("json").addEventListener("click", function () {
    if (!last) return;
    var copy = {};
    Object.keys(last).forEach(function (k) { if (k !== "html") copy[k] = last[k]; });
    save(JSON.stringify(copy, null, 2) + "\n", "application/json", fileBase() + ".claims.json");
  });

  // for tests and scripts: window.claimscanCsv() gives the CSV of the last report
  window.claimscanCsv = function () { return last ? toCsv(last) : null; };
})();
