"""Measures claimscan and its peers on one machine in one run (see run.sh).

Accuracy and macro-F1: every system is trained on the same stratified 80% of the corpus
and scored on the remaining 20% (fixed seed). Throughput: every system classifies the same
stream of lines read from a file and writes one label per line to a file, end to end
(reading, tokenising, scoring and writing included); the clock covers the whole job
after the model is loaded. sentences/s = lines / seconds.
"""
import argparse
import csv
import os
import platform
import random
import re
import subprocess
import sys
import time

import numpy as np
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.pipeline import make_pipeline

ap = argparse.ArgumentParser()
ap.add_argument("--lines", type=int, default=1_000_000)
ap.add_argument("--work", required=True)
ap.add_argument("--claimscan", required=True)
ap.add_argument("--previous", help="another claimscan binary (the previous main) timed beside it")
ap.add_argument("--stream", help="the stream to classify (default: corpus sentences drawn with a fixed seed)")
ap.add_argument("--corpus", required=True)
ap.add_argument("--heldout", action="append", default=[],
                help="labelled CSV scored by every system trained on the whole corpus (repeatable)")
ap.add_argument("--quality-only", action="store_true", help="skip the throughput runs")
args = ap.parse_args()
W = args.work

rows = list(csv.DictReader(open(args.corpus, encoding="utf-8")))
rng = random.Random(20250129)
by_label = {}
for r in rows:
    by_label.setdefault(r["label"], []).append(r)
train, test = [], []
for label in sorted(by_label):
    items = by_label[label][:]
    rng.shuffle(items)
    cut = len(items) // 5
    test += items[:cut]
    train += items[cut:]
Xtr, ytr = [r["text"] for r in train], [r["label"] for r in train]
Xte, yte = [r["text"] for r in test], [r["label"] for r in test]

def write_csv(path, items):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["text", "label"])
        w.writerows((r["text"], r["label"]) for r in items)

write_csv(f"{W}/train.csv", train)
write_csv(f"{W}/test.csv", test)

# the stream: the one given (run.sh: benches/make_stream.py), or corpus sentences drawn
# with a fixed seed
stream = f"{W}/stream.txt"
if args.stream:
    stream = args.stream
    args.lines = sum(1 for _ in open(stream, "rb"))
else:
    texts = [r["text"].replace("\n", " ") for r in rows]
    srng = random.Random(7)
    with open(stream, "w", encoding="utf-8") as f:
        for _ in range(args.lines):
            f.write(srng.choice(texts) + "\n")
size_mb = os.path.getsize(stream) / 1e6

def polarity(label):
    return label.split(":", 1)[0]


def ece(proba, classes, truth):
    """Expected calibration error over 10 equal-width bins of the best probability."""
    best = proba.argmax(axis=1)
    conf = proba[np.arange(len(truth)), best]
    right = np.array([classes[b] == t for b, t in zip(best, truth)], dtype=float)
    bins = np.minimum((conf * 10).astype(int), 9)
    return sum(abs(right[bins == b].mean() - conf[bins == b].mean()) * (bins == b).sum()
               for b in range(10) if (bins == b).any()) / len(truth)


def quality_table():
    """Every system trained on the whole corpus, scored on each --heldout file."""
    Xall, yall = [r["text"] for r in rows], [r["label"] for r in rows]
    token = r"(?u)\b\w+\b"
    peers = {
        "scikit-learn CountVectorizer + MultinomialNB": make_pipeline(
            CountVectorizer(token_pattern=token), MultinomialNB()),
        "scikit-learn TfidfVectorizer(1,2) + ComplementNB": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2)), ComplementNB()),
        "scikit-learn TfidfVectorizer(char_wb 3-5, sublinear) + ComplementNB(alpha=0.3)": make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
            ComplementNB(alpha=0.3)),
        "scikit-learn same, norm=None": make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, norm=None),
            ComplementNB(alpha=0.3)),
    }
    info = subprocess.run([args.claimscan, "info"], capture_output=True, text=True, check=True).stdout
    flags = next(l.split(":", 1)[1].split() for l in info.splitlines() if l.startswith("settings:"))
    calibrated = "calibration:    temperature" in info
    subprocess.run([args.claimscan, "train", "--data", args.corpus, "--out", f"{W}/cs-all.model", *flags,
                    *(["--calibrate"] if calibrated else [])], check=True, capture_output=True)
    table = []
    for name, pipe in peers.items():
        pipe.fit(Xall, yall)
        cells = []
        for path in args.heldout:
            hs = list(csv.DictReader(open(path, encoding="utf-8")))
            X, y = [r["text"] for r in hs], [r["label"] for r in hs]
            pred = pipe.predict(X)
            cells.append((f1_score(y, pred, average="macro"),
                          accuracy_score([polarity(t) for t in y], [polarity(p) for p in pred]),
                          ece(pipe.predict_proba(X), list(pipe.classes_), y)))
        table.append((name, cells))
    cells = []
    for path in args.heldout:
        ev = json.loads(subprocess.run([args.claimscan, "eval", "--data", path, "--model", f"{W}/cs-all.model",
                                        "--json"], capture_output=True, text=True, check=True).stdout)
        cells.append((ev["macro_f1"], ev["polarity_accuracy"], ev["ece"]))
    table.append((f"claimscan ({' '.join(flags)}{' --calibrate' if calibrated else ''})", cells))
    print(f"Held-out quality: every system trained on all {len(rows)} rows of {args.corpus}.")
    head = " | ".join(f"{os.path.basename(p)}: macro-F1 / polarity acc. / ECE" for p in args.heldout)
    print(f"| system | {head} |")
    print("|---|" + "---:|" * len(args.heldout))
    for name, cells in table:
        print(f"| {name} | " + " | ".join(f"{a:.4f} / {b:.4f} / {c:.4f}" for a, b, c in cells) + " |")
    print()


import json
if args.heldout:
    quality_table()
if args.quality_only:
    sys.exit(0)
import fasttext

results = []

def score(name, predicted):
    return accuracy_score(yte, predicted), f1_score(yte, predicted, average="macro")

# scikit-learn pipelines
token = r"(?u)\b\w+\b"
peers = {
    "scikit-learn CountVectorizer + MultinomialNB": make_pipeline(
        CountVectorizer(token_pattern=token), MultinomialNB(alpha=0.5)),
    "scikit-learn CountVectorizer(1,2) + MultinomialNB": make_pipeline(
        CountVectorizer(token_pattern=token, ngram_range=(1, 2)), MultinomialNB(alpha=0.5)),
    "scikit-learn TF-IDF + ComplementNB": make_pipeline(
        TfidfVectorizer(token_pattern=token, sublinear_tf=True), ComplementNB(alpha=0.5)),
}
for name, pipe in peers.items():
    pipe.fit(Xtr, ytr)
    acc, f1 = score(name, pipe.predict(Xte))
    t0 = time.perf_counter()
    with open(stream, encoding="utf-8") as f, open(f"{W}/out-sklearn.txt", "w") as out:
        while True:
            batch = f.readlines(64 << 20)
            if not batch:
                break
            labels = pipe.predict([l.rstrip("\n") for l in batch])
            out.write("\n".join(labels) + "\n")
    secs = time.perf_counter() - t0
    results.append((name, args.lines / secs, acc, f1))
    print(f"{name}: {args.lines / secs:,.0f} sentences/s", file=sys.stderr)

# fastText: trained with the Python bindings, predicted with the command-line tool
def ft_text(t):
    return " ".join(re.findall(r"\w+", t.lower()))

with open(f"{W}/ft-train.txt", "w", encoding="utf-8") as f:
    for t, y in zip(Xtr, ytr):
        f.write(f"__label__{y} {ft_text(t)}\n")
ft = fasttext.train_supervised(f"{W}/ft-train.txt", epoch=25, lr=0.5, wordNgrams=2,
                               dim=50, seed=1, thread=1, verbose=0)
ft.save_model(f"{W}/ft.bin")
pred = [ft.predict(ft_text(t))[0][0].replace("__label__", "") for t in Xte]
acc, f1 = score("fastText", pred)
t0 = time.perf_counter()
with open(stream, "rb") as inp, open(f"{W}/out-fasttext.txt", "wb") as out:
    subprocess.run(["fasttext", "predict", f"{W}/ft.bin", "-"], stdin=inp, stdout=out, check=True)
secs = time.perf_counter() - t0
results.append(("fastText supervised (CLI predict)", args.lines / secs, acc, f1))
print(f"fastText: {args.lines / secs:,.0f} sentences/s", file=sys.stderr)

# claimscan: each build trains with its own shipped model's settings on the same 80% (an
# older build may not know a newer model's settings or read its format), then the CLI end
# to end
binaries = [("claimscan", args.claimscan)]
if args.previous:
    binaries.append(("previous main", args.previous))
models, evals = {}, {}
for name, binary in binaries:
    info = subprocess.run([binary, "info"], capture_output=True, text=True, check=True).stdout
    settings = next(l.split(":", 1)[1].split() for l in info.splitlines() if l.startswith("settings:"))
    if name == "claimscan":
        flags = settings
    models[name] = f"{W}/cs-{len(models)}.model"
    subprocess.run([binary, "train", "--data", f"{W}/train.csv", "--out", models[name], *settings],
                   check=True, capture_output=True)
    ev = subprocess.run([binary, "eval", "--data", f"{W}/test.csv", "--model", models[name], "--json"],
                        capture_output=True, text=True, check=True).stdout
    evals[name] = json.loads(ev)
    if name != "claimscan":
        print(f"{name} settings: {' '.join(settings)}", file=sys.stderr)
for threads in (1, os.cpu_count()):
    # the binaries in turn, median of three runs each
    times = {name: [] for name, _ in binaries}
    for _ in range(3):
        for name, binary in binaries:
            t0 = time.perf_counter()
            with open(f"{W}/out-claimscan.txt", "wb") as out:
                subprocess.run([binary, "predict", "--model", models[name], "--threads", str(threads), stream],
                               stdout=out, check=True)
            times[name].append(time.perf_counter() - t0)
    for name, _ in binaries:
        secs = sorted(times[name])[1]
        results.append((f"{name} predict ({threads} thread{'s' if threads > 1 else ''})",
                        args.lines / secs, evals[name]["accuracy"], evals[name]["macro_f1"]))
        print(f"{name} {threads}: {args.lines / secs:,.0f} sentences/s", file=sys.stderr)

cpu = "unknown"
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except (OSError, StopIteration):
    pass
print(f"Machine: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
      f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, fastText CLI (Debian 0.9.2).")
print(f"Stream: {args.lines:,} lines, {size_mb:.1f} MB; held-out split: {len(train)} train / {len(test)} test rows.")
print(f"claimscan settings: {' '.join(flags)}")
print()
print("| system | sentences/s | vs fastest scikit-learn | vs fastText CLI | held-out accuracy | held-out macro-F1 |")
print("|---|---:|---:|---:|---:|---:|")
best_sk = max(r[1] for r in results if r[0].startswith("scikit"))
ft_sps = next(r[1] for r in results if r[0].startswith("fastText"))
for name, sps, acc, f1 in results:
    print(f"| {name} | {sps:,.0f} | {sps / best_sk:.1f}x | {sps / ft_sps:.1f}x | {acc:.4f} | {f1:.4f} |")
