#!/usr/bin/env python3
"""Writes the throughput stream of issue 14: N lines of real vocabulary in varied order.

Each line joins a random span of one sentence with a random span of another (from the
corpus and both held-out sets), then swaps a few neighbouring words, so that lines and
word pairs vary as they do in real text, instead of repeating corpus sentences. About 20
words a line. Deterministic (fixed seed).

    python3 benches/make_stream.py --lines 1000000 > /tmp/stream.txt
"""
import argparse
import csv
import random
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--lines", type=int, default=1_000_000)
ap.add_argument("--seed", type=int, default=14)
args = ap.parse_args()

texts = []
for name in ["corpus/claims.csv", "tests/fixtures/heldout.csv", "tests/fixtures/heldout_web.csv"]:
    with open(root / name, encoding="utf-8", newline="") as f:
        texts += [r["text"].split() for r in csv.DictReader(f)]
rng = random.Random(args.seed)
out = sys.stdout
buf = []
for _ in range(args.lines):
    a, b = rng.choice(texts), rng.choice(texts)
    i = rng.randrange(max(1, len(a) - 10))
    j = rng.randrange(max(1, len(b) - 10))
    words = a[i:i + rng.randint(8, 20)] + b[j:j + rng.randint(8, 20)]
    for _ in range(len(words) // 6):
        k = rng.randrange(len(words) - 1)
        words[k], words[k + 1] = words[k + 1], words[k]
    buf.append(" ".join(words))
    if len(buf) == 10000:
        out.write("\n".join(buf) + "\n")
        buf.clear()
if buf:
    out.write("\n".join(buf) + "\n")
