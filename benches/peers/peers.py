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

import fasttext
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
ap.add_argument("--corpus", required=True)
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

# the stream: corpus sentences drawn with a fixed seed
stream = f"{W}/stream.txt"
texts = [r["text"].replace("\n", " ") for r in rows]
srng = random.Random(7)
with open(stream, "w", encoding="utf-8") as f:
    for _ in range(args.lines):
        f.write(srng.choice(texts) + "\n")
size_mb = os.path.getsize(stream) / 1e6

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

# claimscan: train with the shipped settings on the same 80%, then the CLI end to end
info = subprocess.run([args.claimscan, "info"], capture_output=True, text=True, check=True).stdout
flags = next(l.split(":", 1)[1].split() for l in info.splitlines() if l.startswith("settings:"))
subprocess.run([args.claimscan, "train", "--data", f"{W}/train.csv", "--out", f"{W}/cs.model", *flags],
               check=True, capture_output=True)
ev = subprocess.run([args.claimscan, "eval", "--data", f"{W}/test.csv", "--model", f"{W}/cs.model", "--json"],
                    capture_output=True, text=True, check=True).stdout
import json
ev = json.loads(ev)
for threads in (1, os.cpu_count()):
    t0 = time.perf_counter()
    with open(f"{W}/out-claimscan.txt", "wb") as out:
        subprocess.run([args.claimscan, "predict", "--model", f"{W}/cs.model", "--threads", str(threads), stream],
                       stdout=out, check=True)
    secs = time.perf_counter() - t0
    results.append((f"claimscan predict ({threads} thread{'s' if threads > 1 else ''})",
                    args.lines / secs, ev["accuracy"], ev["macro_f1"]))
    print(f"claimscan {threads}: {args.lines / secs:,.0f} sentences/s", file=sys.stderr)

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
