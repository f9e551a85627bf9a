# tests/models/xgb_oracle.py — independent oracle for the xgboost plugin: Debian's Python xgboost
# trains the same model on the same rows with its own early stopping, and writes what it got.
#
#     /usr/bin/python3 tests/models/xgb_oracle.py OUT_DIR
#
# Writes OUT_DIR/data.txt ("n_train n_valid", then rows "x1 x2 x3 cat words y") and
# OUT_DIR/expected.txt ("best_iteration N", then one validation prediction per line).
# Exit 77 (meson: skipped) when numpy/xgboost are not importable.
import os
import sys

try:
    import numpy as np
    import xgboost as xgb
except ImportError as e:  # pragma: no cover
    print(f"oracle unavailable: {e}", file=sys.stderr)
    sys.exit(77)

out = sys.argv[1]
rng = np.random.default_rng(2024)
n_train, n_valid = 2400, 600
n = n_train + n_valid
x1 = rng.uniform(0, 1, n)
x2 = rng.uniform(-2, 2, n)
x2[rng.uniform(0, 1, n) < 0.1] = np.nan
x3 = rng.normal(0, 1, n)
cat = rng.integers(0, 5, n)
effect = np.array([0.0, 2.0, -1.0, 2.0, 0.5])
# A word's count: 0 in ~90% of rows, never missing. The plugin passes such a column's zeros
# as absent entries (plugins/models/xgboost/data.c); here they are NaN, which is the same.
words = np.where(rng.uniform(0, 1, n) < 0.1, rng.integers(1, 4, n), 0)
y = 2 * x1 + np.sin(3 * np.nan_to_num(x2)) + effect[cat] + 1.5 * words + rng.normal(0, 0.3, n)

with open(os.path.join(out, "data.txt"), "w") as f:
    f.write(f"{n_train} {n_valid}\n")
    for i in range(n):
        f.write(f"{x1[i]!r} {x2[i]!r} {x3[i]!r} {cat[i]} {words[i]} {y[i]!r}\n")

X = np.column_stack([x1, x2, x3, cat.astype(float), np.where(words == 0, np.nan, words)])
names = ["x1", "x2", "x3", "kind", "words"]
types = ["q", "q", "q", "c", "q"]
dtrain = xgb.DMatrix(X[:n_train], label=y[:n_train], missing=np.nan, feature_names=names,
                     feature_types=types, enable_categorical=True)
dvalid = xgb.DMatrix(X[n_train:], label=y[n_train:], missing=np.nan, feature_names=names,
                     feature_types=types, enable_categorical=True)
params = {"tree_method": "hist", "max_depth": 5, "eta": 0.1, "subsample": 0.8,
          "colsample_bytree": 0.8, "seed": 123, "nthread": 1, "eval_metric": "rmse",
          "validate_parameters": 1}
bst = xgb.train(params, dtrain, num_boost_round=500, evals=[(dvalid, "valid")],
                early_stopping_rounds=15, verbose_eval=False)
pred = bst.predict(dvalid, iteration_range=(0, bst.best_iteration + 1))
with open(os.path.join(out, "expected.txt"), "w") as f:
    f.write(f"best_iteration {bst.best_iteration}\n")
    for v in pred:
        f.write(f"{float(v)!r}\n")
