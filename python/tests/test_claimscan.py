"""Tests of the Python package: run by .ci/run in a fresh venv after `pip install .`."""

import csv
import json
import os
import pathlib
import subprocess
import threading

import numpy as np
import pandas as pd
import pytest

import claimscan

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def clf():
    return claimscan.Classifier()


def test_readme_example(clf):
    assert clf.predict(["Open models cut our cloud bill in half."]) == ["reward:cost"]


def test_alignment_with_newlines_tabs_and_empty_strings(clf):
    texts = [
        "Open models cut our cloud bill in half.",
        "line one\nline two\nline three",
        "",
        "tab\tseparated\ttext",
        "Attackers exploit the model server.",
    ]
    labels = clf.predict(texts)
    assert len(labels) == len(texts)
    # each text alone gives the same label as inside the batch
    assert labels == [clf.predict(t)[0] for t in texts]
    assert labels[0] == "reward:cost"
    assert labels[4] == "risk:security"


def test_accepts_str_tuple_generator_and_series(clf):
    s = "Open models cut our cloud bill in half."
    assert clf.predict(s) == ["reward:cost"]
    assert clf.predict((s, s)) == ["reward:cost"] * 2
    assert clf.predict(t for t in [s]) == ["reward:cost"]
    df = pd.DataFrame({"text": [s, "Attackers exploit the model server.", "x\ny"]}, index=[10, 20, 30])
    df["claim"] = clf.predict(df["text"])
    assert list(df["claim"][:2]) == ["reward:cost", "risk:security"]
    assert df["claim"].value_counts().sum() == 3


def test_predict_proba_shape_sums_and_argmax(clf):
    texts = ["Open models cut our cloud bill in half.", "", "hello\nworld"]
    p = clf.predict_proba(texts)
    assert p.shape == (3, len(clf.labels))
    assert np.allclose(p.sum(axis=1), 1.0)
    assert list(clf.classes_[p.argmax(axis=1)]) == clf.predict(texts)
    assert list(clf.classes_) == clf.labels == sorted(clf.labels)


def test_records_like_the_cli(clf):
    recs = clf.predict_records(["Open models cut our cloud bill in half."], top=3, explain=2)
    r = recs[0]
    assert (r["label"], r["polarity"], r["category"]) == ("reward:cost", "reward", "cost")
    assert len(r["top"]) == 3 and len(r["explain"]) == 2
    assert r["text"] == "Open models cut our cloud bill in half."
    strict = clf.predict_records(["Open models cut our cloud bill in half."], threshold=0.999999)
    assert strict[0]["label"] == "neutral" and strict[0]["below_threshold"]


def test_identical_labels_to_the_cli_on_a_fixture(clf):
    rows = list(csv.DictReader(open(FIXTURES / "heldout_web.csv", encoding="utf-8")))
    texts = [r["text"] for r in rows]
    cli = os.environ.get("CLAIMSCAN_BIN", str(ROOT / "target" / "release" / "claimscan"))
    if not os.path.exists(cli):
        cli = str(ROOT / "target" / "debug" / "claimscan")
    out = subprocess.run(
        [cli, "predict", "--csv", "--format", "json", str(FIXTURES / "heldout_web.csv")],
        capture_output=True, text=True, check=True,
    ).stdout
    cli_labels = [json.loads(l)["label"] for l in out.splitlines()]
    assert clf.predict(texts) == cli_labels


def test_report(clf):
    rep = clf.report("Open models cut our cloud bill in half. Attackers exploit the model server.")
    assert rep["sentences"] == 2
    assert rep["risk_claims"] + rep["reward_claims"] <= 2
    assert [c["line"] for c in rep["claims"]] == [1, 1]


def test_train_and_evaluate(tmp_path):
    out = tmp_path / "m.model"
    m = claimscan.train(str(FIXTURES / "golden.csv"), str(out), alpha=0.5, bigrams=True, calibrate=False)
    assert out.exists()
    assert set(m.labels) == {"neutral", "reward:cost", "risk:misuse", "risk:security"}
    ev = claimscan.evaluate(str(FIXTURES / "golden.csv"), str(out))
    assert 0.0 <= ev["accuracy"] <= 1.0 and "ece" in ev and "log_loss" in ev
    shipped = claimscan.evaluate(str(FIXTURES / "heldout.csv"))
    assert shipped["macro_f1"] > 0.8


def test_errors_are_python_exceptions(tmp_path):
    with pytest.raises(FileNotFoundError):
        claimscan.Classifier.load(str(tmp_path / "missing.model"))
    bad = tmp_path / "bad.model"
    bad.write_text("not a model\n")
    with pytest.raises(claimscan.ModelError, match="not a claimscan model"):
        claimscan.Classifier.load(str(bad))
    with pytest.raises(ValueError, match="no column 'label'"):
        csvp = tmp_path / "x.csv"
        csvp.write_text("text,lbl\na,b\n")
        claimscan.train(str(csvp), str(tmp_path / "o.model"))
    with pytest.raises(ValueError, match="alpha"):
        claimscan.train(str(FIXTURES / "golden.csv"), str(tmp_path / "o.model"), alpha=0.0)
    with pytest.raises(TypeError, match=r"texts\[1\] is float"):
        claimscan.Classifier().predict(["ok", float("nan")])
    with pytest.raises(ValueError, match="threshold"):
        claimscan.Classifier().predict(["ok"], threshold=2.0)


def test_threads_share_one_classifier(clf):
    texts = ["Open models cut our cloud bill in half.", "Attackers exploit the model server."] * 500
    expected = clf.predict(texts)
    results = [None] * 4

    def work(i):
        results[i] = clf.predict(texts)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


def test_train_with_a_character_expert(tmp_path):
    golden = str(FIXTURES / "golden.csv")
    joint = claimscan.train(golden, str(tmp_path / "j.model"), alpha=0.5, char_ngrams=(3, 4))
    expert = claimscan.train(golden, str(tmp_path / "e.model"), alpha=0.5, char_ngrams=(3, 4),
                             char_weight=0.2)
    # a version-2 reader would not know the setting: the file says version 3
    assert (tmp_path / "e.model").read_bytes().startswith(b"claimscan-model 3 ")
    assert (tmp_path / "j.model").read_bytes().startswith(b"claimscan-model 2 ")
    texts = ["attackers exploit the model", "a cheap fast model", "the weather today"]
    pj, pe = joint.predict_proba(texts), expert.predict_proba(texts)
    assert pe.shape == pj.shape and abs(pe.sum(axis=1) - 1).max() < 1e-9
    assert abs(pe - pj).max() > 1e-3
    with pytest.raises(ValueError, match="char-weight"):
        claimscan.train(golden, str(tmp_path / "x.model"), char_weight=0.2)
