"""claimscan: spot claims about the risks and rewards of AI in text.

>>> import claimscan
>>> clf = claimscan.Classifier()
>>> clf.predict(["Open models cut our cloud bill in half."])
['reward:cost']

Every call classifies whole texts: a text that contains newlines, tabs or nothing at all
is still one text, and gets exactly one label, in the order given.
"""

import json as _json
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as _np

from ._claimscan import ModelError, NativeClassifier as _Native, __version__
from ._claimscan import evaluate as _evaluate
from ._claimscan import train as _train

__all__ = ["Classifier", "ModelError", "train", "evaluate", "__version__"]

Texts = Union[str, Iterable[str]]


def _as_texts(texts: Texts) -> List[str]:
    """A list of str from a str, list, tuple, pandas Series or any iterable of str."""
    if isinstance(texts, str):
        return [texts]
    if isinstance(texts, (bytes, bytearray)):
        raise TypeError("texts must be str, not bytes: decode them first")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(
                f"texts[{i}] is {type(t).__name__}, not str "
                "(a missing value in a DataFrame column? fill it first, e.g. .fillna(''))"
            )
    return out


def _threshold(clf: "_Native", threshold: Union[None, float, str]) -> Optional[float]:
    if threshold is None:
        return None
    if threshold == "model":
        t = clf.recommended_threshold()
        if t is None:
            raise ValueError("the model has no recommended threshold (train it with calibrate=True)")
        return t
    t = float(threshold)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"threshold must be within 0 and 1, got {t}")
    return t


class Classifier:
    """A claimscan model. ``Classifier()`` is the model shipped inside claimscan;
    ``Classifier.load(path)`` reads a model file written by ``claimscan train``."""

    def __init__(self, _native: Optional[_Native] = None) -> None:
        self._native = _native if _native is not None else _Native.embedded()

    @classmethod
    def load(cls, path: str) -> "Classifier":
        """The model in the file at ``path`` (raises FileNotFoundError or ModelError)."""
        return cls(_Native.load(str(path)))

    @property
    def labels(self) -> List[str]:
        """The labels, sorted: the columns of :meth:`predict_proba`."""
        return self._native.labels()

    @property
    def classes_(self) -> _np.ndarray:
        """The labels as a numpy array, as scikit-learn classifiers have them."""
        return _np.array(self._native.labels())

    @property
    def recommended_threshold(self) -> Optional[float]:
        """The threshold the model recommends (None if it was not calibrated)."""
        return self._native.recommended_threshold()

    def predict(self, texts: Texts, threshold: Union[None, float, str] = None) -> List[str]:
        """One label per text, in order. ``threshold`` (a probability, or ``"model"``)
        labels a text ``neutral`` when its best probability is under it."""
        return self._native.predict(_as_texts(texts), _threshold(self._native, threshold))

    def predict_proba(self, texts: Texts) -> _np.ndarray:
        """An (n texts x n labels) array of probabilities; each row sums to 1."""
        items = _as_texts(texts)
        raw = self._native.predict_proba(items)
        return _np.frombuffer(raw, dtype="<f8").reshape(len(items), len(self.labels)).copy()

    def predict_records(
        self,
        texts: Texts,
        top: int = 1,
        threshold: Union[None, float, str] = None,
        explain: int = 0,
    ) -> List[Dict[str, Any]]:
        """One dict per text, like a line of ``claimscan predict --format json``: text,
        label, polarity, category, probability, top, known_tokens, and when they apply
        unknown, below_threshold, explain."""
        if top < 1:
            raise ValueError("top must be at least 1")
        if explain < 0:
            raise ValueError("explain must be at least 0")
        raw = self._native.predict_records(
            _as_texts(texts), top, _threshold(self._native, threshold), explain
        )
        return _json.loads(raw)

    def report(
        self, text: str, name: str = "text", threshold: Union[None, float, str] = "model"
    ) -> Dict[str, Any]:
        """A whole document, as `claimscan report -f json` gives it: lines joined into
        paragraphs (hard-wrapped text reads like the original), split into sentences,
        headings left out, every sentence classified; counts per label, risk and reward
        claims and their shares (by default with the model's recommended threshold)."""
        if not isinstance(text, str):
            raise TypeError("text must be a str")
        if threshold == "model":
            t = self.recommended_threshold  # None when the model is not calibrated
        else:
            t = _threshold(self._native, threshold)
        return _json.loads(self._native.report(text, name, t))

    def __repr__(self) -> str:
        return f"Classifier(labels={len(self.labels)}, settings={self._native.settings()!r})"


def train(
    csv_path: str,
    out_path: str,
    *,
    calibrate: bool = False,
    char_ngrams: Optional[Tuple[int, int]] = None,
    **settings: Any,
) -> Classifier:
    """Trains a model on a labelled CSV (columns ``text`` and ``label``), writes it to
    ``out_path`` and returns it. Settings as ``claimscan train`` flags, in snake case:
    alpha, bigrams, stop_words, stem, words, char_ngrams=(lo, hi), min_df, max_features,
    variant, sublinear_tf, fit_prior, idf, norm, weight_norm, char_weight, split_neutral;
    ``calibrate=True`` fits a temperature, a top-label map and a recommended threshold."""
    settings["char_ngrams"] = list(char_ngrams) if char_ngrams is not None else None
    _train(str(csv_path), str(out_path), _json.dumps(settings), calibrate)
    return Classifier.load(str(out_path))


def evaluate(csv_path: str, model: Union[None, str, Classifier] = None) -> Dict[str, Any]:
    """Scores a model (default: the shipped one) on a labelled CSV: the object of
    ``claimscan eval --json`` (accuracy, macro_f1, polarity_accuracy, log_loss, brier,
    ece, reliability, per_label, confusion)."""
    if isinstance(model, Classifier):
        raise TypeError("pass the model file's path to evaluate()")
    return _json.loads(_evaluate(str(csv_path), None if model is None else str(model)))
