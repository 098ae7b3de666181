"""Regenerates tests/golden/tfidf_reference.json: scikit-learn's TfidfVectorizer (word and
char_wb analyzers; raw or sublinear tf; idf; L2 norm) with MultinomialNB and ComplementNB
(norm=False and norm=True), on the committed fixture.

Run: python3 tests/golden/sklearn_tfidf.py  (needs scikit-learn and numpy)

The fixture words are plain ASCII letters separated by single spaces, so the word
token_pattern and char_wb's whitespace split see exactly the words claimscan sees.
Training rows get every transform; the probe rows get claimscan's scoring rule: word
features tf-transformed (sublinear when set) times idf, character n-grams counted per
occurrence times idf, no length norm. scikit-learn's own predict_joint_log_proba and
predict_proba are then applied to those rows.
"""
import csv
import json
import pathlib

import numpy as np
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.naive_bayes import ComplementNB, MultinomialNB

here = pathlib.Path(__file__).resolve().parent
fixtures = here.parent / "fixtures"
rows = list(csv.DictReader(open(fixtures / "golden.csv", encoding="utf-8")))
texts = [r["text"] for r in rows]
y = [r["label"] for r in rows]
probe = (fixtures / "probe.txt").read_text(encoding="utf-8").splitlines()

WORD = dict(lowercase=True, token_pattern=r"(?u)\b\w+\b")
CHAR = dict(lowercase=True, analyzer="char_wb", ngram_range=(3, 5))


def our_name(analyzer, f):
    return "#" + f.replace(" ", "_") if analyzer == "char_wb" else f


cases = []
for name, kind, sublinear, use_idf, norm, clf, settings in [
    ("words sublinear idf l2 complement", "word", True, True, "l2", ComplementNB(alpha=0.5),
     dict(variant="complement", weight_norm=False)),
    ("words sublinear idf l2 complement weight-norm", "word", True, True, "l2",
     ComplementNB(alpha=0.5, norm=True), dict(variant="complement", weight_norm=True)),
    ("words sublinear idf l2 multinomial", "word", True, True, "l2", MultinomialNB(alpha=0.5),
     dict(variant="multinomial", weight_norm=False)),
    ("words raw idf multinomial", "word", False, True, None, MultinomialNB(alpha=0.5),
     dict(variant="multinomial", weight_norm=False)),
    ("words raw l2 multinomial", "word", False, False, "l2", MultinomialNB(alpha=0.5),
     dict(variant="multinomial", weight_norm=False)),
    ("char 3-5 sublinear idf l2 complement weight-norm", "char", True, True, "l2",
     ComplementNB(alpha=0.5, norm=True), dict(variant="complement", weight_norm=True)),
    ("char 3-5 sublinear idf l2 complement", "char", True, True, "l2",
     ComplementNB(alpha=0.5), dict(variant="complement", weight_norm=False)),
    ("char 3-5 raw idf l2 multinomial", "char", False, True, "l2", MultinomialNB(alpha=0.5),
     dict(variant="multinomial", weight_norm=False)),
]:
    opts = WORD if kind == "word" else CHAR
    vec = TfidfVectorizer(sublinear_tf=sublinear, use_idf=use_idf, norm=norm, smooth_idf=True,
                          **opts)
    X = vec.fit_transform(texts)
    clf.fit(X, y)
    vocab = vec.get_feature_names_out()
    idf = vec.idf_ if use_idf else np.ones(len(vocab))
    if kind == "word":
        # scoring rule for words: the training tf transform times idf, no norm
        P = TfidfVectorizer(sublinear_tf=sublinear, use_idf=False, norm=None,
                            vocabulary=vec.vocabulary_, **opts).fit(texts).transform(probe)
    else:
        # scoring rule for character n-grams: counts times idf, no norm
        P = CountVectorizer(vocabulary=vec.vocabulary_, **opts).transform(probe).astype(float)
    P = P.multiply(idf.reshape(1, -1)).tocsr()
    analyzer = opts.get("analyzer", "word")
    cases.append({
        "name": name,
        "kind": kind,
        "sublinear_tf": sublinear,
        "idf": use_idf,
        "norm": norm or "none",
        "alpha": 0.5,
        **settings,
        "classes": [str(c) for c in clf.classes_],
        "features": [our_name(analyzer, f) for f in vocab],
        "idf_weights": [float(v) for v in idf] if use_idf else [],
        "feature_log_prob": np.asarray(clf.feature_log_prob_).tolist(),
        "class_log_prior": np.asarray(clf.class_log_prior_).tolist(),
        "probe_jll": np.asarray(clf.predict_joint_log_proba(P)).tolist(),
        "probe_proba": np.asarray(clf.predict_proba(P)).tolist(),
    })

# Character n-grams as a second expert beside the words (claimscan's --char-weight): one
# vector per sentence (words then n-grams; tf, idf and L2 norm over the whole vector, as
# claimscan transforms a training row), then one naive Bayes per kind on its own columns,
# joint log-likelihoods summed with the n-grams' one multiplied by the weight (the class
# prior counted once).
from sklearn.preprocessing import normalize
import scipy.sparse as sp

# --split-neutral: the neutral rows that name no AI term are a class of their own,
# "neutral~off-topic", whose probability is added to neutral's. On this fixture the AI
# terms that claimscan's list (claimscan::corpus::mentions_ai) finds are these; the Rust
# test checks that claimscan trains the same classes.
AI_TERMS = {"model", "models", "ai", "chatbots", "agent", "inference", "prompt"}


def split_neutral(labels):
    return [
        "neutral~off-topic" if l == "neutral" and not AI_TERMS & set(t.lower().split()) else l
        for t, l in zip(texts, labels)
    ]


W = 0.25
for name, sublinear, use_idf, norm, make, split in [
    ("words+char 3-5 raw multinomial char-weight", False, False, None,
     lambda: MultinomialNB(alpha=0.5, fit_prior=False), False),
    ("words+char 3-5 sublinear idf l2 multinomial char-weight", True, True, "l2",
     lambda: MultinomialNB(alpha=0.5), False),
    ("words+char 3-5 sublinear idf l2 complement weight-norm char-weight", True, True, "l2",
     lambda: ComplementNB(alpha=0.5, norm=True), False),
    ("words+char 3-5 raw complement char-weight", False, False, None,
     lambda: ComplementNB(alpha=0.5), False),
    ("words+char 3-5 sublinear multinomial char-weight split-neutral", True, False, None,
     lambda: MultinomialNB(alpha=0.5), True),
]:
    yy = split_neutral(y) if split else y
    wv = TfidfVectorizer(sublinear_tf=sublinear, use_idf=use_idf, norm=None, smooth_idf=True, **WORD)
    cv = TfidfVectorizer(sublinear_tf=sublinear, use_idf=use_idf, norm=None, smooth_idf=True, **CHAR)
    Xw, Xc = wv.fit_transform(texts), cv.fit_transform(texts)
    X = sp.hstack([Xc, Xw]).tocsr()  # claimscan's order: the '#' n-grams sort first
    if norm:
        X = normalize(X, norm=norm)
    nc_cols = Xc.shape[1]
    char_nb, word_nb = make().fit(X[:, :nc_cols], yy), make().fit(X[:, nc_cols:], yy)
    ones = lambda n: np.ones(n)
    idf_c = cv.idf_ if use_idf else ones(nc_cols)
    idf_w = wv.idf_ if use_idf else ones(Xw.shape[1])
    Pw = TfidfVectorizer(sublinear_tf=sublinear, use_idf=False, norm=None,
                         vocabulary=wv.vocabulary_, **WORD).fit(texts).transform(probe)
    Pw = Pw.multiply(idf_w.reshape(1, -1)).tocsr()
    Pc = CountVectorizer(vocabulary=cv.vocabulary_, **CHAR).transform(probe).astype(float)
    Pc = Pc.multiply(idf_c.reshape(1, -1)).tocsr()
    jll_c = char_nb.predict_joint_log_proba(Pc)
    if isinstance(char_nb, MultinomialNB):
        jll_c = jll_c - char_nb.class_log_prior_
    jll = word_nb.predict_joint_log_proba(Pw) + W * jll_c
    proba = np.exp(jll - jll.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    classes = [str(c) for c in word_nb.classes_]
    labels = sorted(set(c.split("~")[0] for c in classes))
    merged = np.zeros((proba.shape[0], len(labels)))
    for j, c in enumerate(classes):
        merged[:, labels.index(c.split("~")[0])] += proba[:, j]
    cases.append({
        "name": name,
        "kind": "word+char",
        "sublinear_tf": sublinear,
        "idf": use_idf,
        "norm": norm or "none",
        "alpha": 0.5,
        "variant": "complement" if isinstance(char_nb, ComplementNB) else "multinomial",
        "weight_norm": bool(getattr(char_nb, "norm", False)),
        "fit_prior": bool(getattr(char_nb, "fit_prior", True)),
        "char_weight": W,
        "classes": [str(c) for c in word_nb.classes_],
        "features": [our_name("char_wb", f) for f in cv.get_feature_names_out()]
        + [str(f) for f in wv.get_feature_names_out()],
        "idf_weights": [float(v) for v in np.concatenate([idf_c, idf_w])] if use_idf else [],
        # per class: the n-grams' weights (not yet multiplied by W), then the words'
        "feature_log_prob": np.hstack([char_nb.feature_log_prob_, word_nb.feature_log_prob_]).tolist(),
        "class_log_prior": np.asarray(word_nb.class_log_prior_).tolist(),
        "probe_jll": np.asarray(jll).tolist(),
        "probe_proba": merged.tolist(),
        "split_neutral": split,
        "labels": labels,
    })

out = {"sklearn": sklearn.__version__, "cases": cases}
(here / "tfidf_reference.json").write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {len(cases)} cases, scikit-learn {sklearn.__version__}")
