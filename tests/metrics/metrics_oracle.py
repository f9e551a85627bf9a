# tests/metrics/metrics_oracle.py — numpy reference values for the regression metrics.
#
#     /usr/bin/python3 tests/metrics/metrics_oracle.py ROWS.txt
#
# ROWS.txt has one "y pred w" row per line. Prints "name unweighted weighted" for rmse, mae,
# r2, rmsle and mape, using the textbook formulas (weighted means = sum(w*t)/sum(w)).
# Exit 77 (meson: skipped) when numpy is missing.
import sys

try:
    import numpy as np
except ImportError as e:  # pragma: no cover
    print(f"oracle unavailable: {e}", file=sys.stderr)
    sys.exit(77)

y, p, w = np.loadtxt(sys.argv[1], unpack=True)


def avg(t, wt):
    return np.average(t, weights=wt)


def metrics(wt):
    wt = np.ones_like(y) if wt is None else wt
    ybar = avg(y, wt)
    return {
        "rmse": np.sqrt(avg((y - p) ** 2, wt)),
        "mae": avg(np.abs(y - p), wt),
        "r2": 1 - np.sum(wt * (y - p) ** 2) / np.sum(wt * (y - ybar) ** 2),
        "rmsle": np.sqrt(avg((np.log1p(np.clip(p, 0, None)) - np.log1p(y)) ** 2, wt)),
        "mape": avg(np.abs(y - p) / np.abs(y), wt),
    }


u, v = metrics(None), metrics(w)
for name in ("rmse", "mae", "r2", "rmsle", "mape"):
    print(f"{name} {u[name]!r} {v[name]!r}")
