"""Regenerates the scikit-learn reference numbers in tests/golden.rs.

Run: python3 tests/golden/sklearn_reference.py  (needs scikit-learn and numpy)
The fixture words are plain ASCII letters, so scikit-learn's CountVectorizer with this
token pattern splits them exactly as claimscan does with --no-stem.
"""
import csv
import pathlib

import numpy as np
import sklearn
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import BernoulliNB, ComplementNB, MultinomialNB

root = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
rows = list(csv.DictReader(open(root / "golden.csv", encoding="utf-8")))
probe = (root / "probe.txt").read_text(encoding="utf-8").splitlines()
vec = CountVectorizer(lowercase=True, token_pattern=r"(?u)\b\w+\b")
X = vec.fit_transform([r["text"] for r in rows])
y = [r["label"] for r in rows]
P = vec.transform(probe)
print(f"// scikit-learn {sklearn.__version__}, vocabulary {len(vec.vocabulary_)}")
print(f"// classes {list(MultinomialNB().fit(X, y).classes_)}")
for name, clf in [
    ("MULTINOMIAL", MultinomialNB(alpha=0.5)),
    ("COMPLEMENT", ComplementNB(alpha=0.5)),
    ("BERNOULLI", BernoulliNB(alpha=0.5)),
]:
    clf.fit(X, y)
    for what, m in [("JLL", clf.predict_joint_log_proba(P)), ("PROBA", clf.predict_proba(P))]:
        print(f"const {name}_{what}: [[f64; {m.shape[1]}]; {m.shape[0]}] = [")
        for r in np.asarray(m):
            print("    [" + ", ".join(repr(float(v)) for v in r) + "],")
        print("];")
