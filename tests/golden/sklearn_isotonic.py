"""Regenerates tests/golden/isotonic_reference.json: scikit-learn's IsotonicRegression
fitted on 0/1 outcomes against probabilities (with ties, as out-of-fold best probabilities
have); its fitted values grouped into pools (runs of equal fitted values), one knot per pool
at the pool's centroid (mean x, fitted y: centred isotonic regression), and numpy's interp
through those knots on a grid. claimscan's top-label calibration (`calibrate::isotonic` and
`scorer::interpolate`) must give the same knots and values.

Run: python3 tests/golden/sklearn_isotonic.py  (needs scikit-learn and numpy)
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.isotonic import IsotonicRegression

here = pathlib.Path(__file__).resolve().parent
rng = np.random.default_rng(20261202)
cases = []
for name, n, ties in [("small", 12, False), ("ties", 300, True), ("large", 5000, True)]:
    x = rng.uniform(0.08, 1.0, n)
    if ties:
        x = np.round(x, 2)  # many equal probabilities
    # right more often at higher probability, not monotonically in the sample
    y = (rng.uniform(0, 1, n) < x ** 1.5).astype(float)
    iso = IsotonicRegression(out_of_bounds="clip").fit(x, y)
    xs = np.sort(x)
    fitted = iso.predict(xs)
    kx, ky, start = [], [], 0
    for i in range(1, len(xs) + 1):
        if i == len(xs) or not np.isclose(fitted[i], fitted[start], rtol=0, atol=1e-12):
            kx.append(float(xs[start:i].mean()))
            ky.append(float(fitted[start]))
            start = i
    grid = np.concatenate([np.linspace(0.0, 1.0, 101), x[:50]])
    cases.append({
        "name": name,
        "x": x.tolist(),
        "y": y.tolist(),
        "knots": [[a, b] for a, b in zip(kx, ky)],
        "grid": grid.tolist(),
        "predicted": np.interp(grid, kx, ky).tolist(),
    })
out = {"sklearn": sklearn.__version__, "cases": cases}
(here / "isotonic_reference.json").write_text(json.dumps(out) + "\n")
print(f"wrote {len(cases)} cases, scikit-learn {sklearn.__version__}")
