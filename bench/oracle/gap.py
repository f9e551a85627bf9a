#!/usr/bin/python3
"""bench/oracle/gap.py — where a run's test predictions part from the Bayes predictor's.

    /usr/bin/python3 bench/oracle/gap.py --store DB [--run ID] [--split DIR] \
        [--data data] [--oracle table_text_image]

For the test rows gen_demo's oracle predicts (TRUTH.csv's <oracle>_log1p: the held-out items;
with --split, split.py's folder whose test part is exactly those rows), with d = log1p(run's
prediction) - the oracle's:

  1. RMSLE of the run and of the oracle, and RMS of d (the run's excess, roughly:
     run² ≈ oracle² + d² when d is independent of the oracle's own error);
  2. d's mean square split into between items (the item's mean d) and within items;
  3. how much of the item-level d the item's true properties explain linearly (their alphas,
     size / finish / grade each split by whether the description shows its word, q);
  4. on the rows whose description shows every property word (size, finish, grade), where
     only q is unknown to the oracle: the run, the oracle, and a ridge regression of
     log1p(target) on the description's property words, the raw table cells that read q
     (ORACLE.json model.proxies, property "q"; missing -> 0 plus an indicator), log quantity,
     the rush flag and the source, fitted on the training rows of that kind only. It says
     what an additive model of the visible inputs reaches there.

Bench-only (numpy; TRUTH.csv and ORACLE.json exist for generated data). Seconds.
"""
import argparse
import csv
import json
import math
import re
import sys

import numpy as np

from runs import artifact


def floats(rows, key):
    return np.array([float(r[key]) for r in rows])


def ridge(x, y, alpha=0.1):
    """Coefficients of a ridge fit with an unpenalised intercept (x without the constant)."""
    mu, ym = x.mean(0), y.mean()
    xc = x - mu
    beta = np.linalg.solve(xc.T @ xc + alpha * np.eye(x.shape[1]), xc.T @ (y - ym))
    return beta, ym - mu @ beta


def number(cell):
    """A table cell as a number: 'nr_12' -> 12, '' -> nan."""
    m = re.search(r"-?\d+(\.\d+)?([eE][-+]?\d+)?$", cell.strip())
    return float(m.group(0)) if m else math.nan


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", default="experiments/experiments.db")
    ap.add_argument("--run", type=int, help="run id (default: the latest complete run)")
    ap.add_argument("--data", default="data", help="the generated data's folder (TRUTH.csv, ORACLE.json, candidates_data.csv)")
    ap.add_argument("--split", help="folder written by split.py: the run's test file is its test.csv")
    ap.add_argument("--oracle", default="table_text_image")
    a = ap.parse_args()
    run, path = artifact("gap.py", a.store, a.run, "test_predictions")
    model = json.load(open(f"{a.data}/ORACLE.json"))["model"]
    alpha = model["alpha"]
    truth = list(csv.DictReader(open(f"{a.data}/TRUTH.csv")))
    cells = list(csv.DictReader(open(f"{a.data}/candidates_data.csv")))
    back = None
    if a.split:
        back = {int(r["test_row"]): int(r["row"]) for r in csv.DictReader(open(f"{a.split}/rows.csv"))}
    key = f"{a.oracle}_log1p"
    rows = []
    for p in csv.DictReader(open(path)):
        i = back[int(p["row"])] if back else int(p["row"])
        t = truth[i]
        if t.get(key, "") == "":
            continue
        rows.append((i, math.log1p(float(p["prediction"]))))
    if not rows:
        sys.exit(f"gap.py: no test row of run {run} has an oracle prediction ({key}); another split? try --split")
    idx = np.array([i for i, _ in rows])
    T = [truth[i] for i in idx]
    y = np.log1p(floats(T, "target"))
    us = np.array([v for _, v in rows])
    orc = floats(T, key)
    d = us - orc
    n = len(rows)
    print(f"run {run}: {n} test rows with the {a.oracle} oracle's prediction")
    print(f"  RMSLE run {np.sqrt(np.mean((us - y) ** 2)):.4f}, oracle {np.sqrt(np.mean((orc - y) ** 2)):.4f}; "
          f"RMS of d = run - oracle (log1p) {np.sqrt(np.mean(d ** 2)):.4f}")
    items = np.array([t["item_id"] for t in T])
    uniq, inv = np.unique(items, return_inverse=True)
    mean_d = np.bincount(inv, d) / np.bincount(inv)
    between, within = np.mean(mean_d[inv] ** 2), np.mean((d - mean_d[inv]) ** 2)
    print(f"  mean square of d {np.mean(d ** 2):.4f}: between items {between:.4f}, within items {within:.4f} ({len(uniq)} items)")
    first = {}
    for k, t in zip(inv, T):
        first.setdefault(k, t)
    X = []
    for k in range(len(uniq)):
        t, x = first[k], []
        for prop in ("size", "finish", "grade"):
            v, shown = alpha[prop][t[prop]], t[f"has_{prop}_word"] == "1"
            x += [v * shown, v * (not shown)]
        x += [alpha["component"][t["component"]], alpha["material"][t["material"]], float(t["q"])]
        X.append(x)
    names = [f"{p}_{s}" for p in ("size", "finish", "grade") for s in ("shown", "hidden")] + ["component", "material", "q"]
    X = np.array(X)
    beta, c0 = ridge(X, mean_d, 1e-6)
    r2 = 1 - np.sum((mean_d - X @ beta - c0) ** 2) / np.sum((mean_d - mean_d.mean()) ** 2)
    print(f"  the items' true properties explain R² {r2:.3f} of the item-level d; slopes:")
    print("    " + ", ".join(f"{nm} {b:+.3f}" for nm, b in zip(names, beta)))

    # 4. every property word shown: the run, the oracle and an additive fit of visible inputs
    def named_all(t):
        return t["description_shown"] == "1" and all(t[f"has_{p}_word"] == "1" for p in ("size", "finish", "grade"))
    sel = np.array([named_all(t) for t in T])
    vocab = set()
    for i, t in enumerate(truth):
        if t["holdout"] == "0" and named_all(t):
            vocab.update(cells[i]["description"].lower().split())
    words = sorted(vocab)
    q_cols = [(p["column"], p["miss_code"]) for p in model["proxies"] if p["property"] == "q"]
    sources = sorted({c["source_id"] for c in cells})

    def design(ids):
        out = []
        for i in ids:
            c, ws = cells[i], set(cells[i]["description"].lower().split())
            x = [1.0 * (w in ws) for w in words]
            for col, code in q_cols:   # a cell is missing when empty or its proxy's miss_code
                v = number(c[col])
                miss = math.isnan(v) or (code is not None and v == code)
                x += [0.0 if miss else v, 1.0 * miss]
            qty = number(c["quantity"])
            rush = number(c["feature_8"])
            x += [math.log(qty) if qty > 0 else 0.0, 1.0 * (qty > 0), 0.0 if math.isnan(rush) else rush]
            x += [1.0 * (c["source_id"] == s) for s in sources[1:]]
            out.append(x)
        return np.nan_to_num(np.array(out))
    train = [i for i, t in enumerate(truth) if t["holdout"] == "0" and named_all(t)]
    if sel.sum() and train:
        beta, c0 = ridge(design(train), np.log1p(np.array([float(truth[i]["target"]) for i in train])))
        lin = design(idx[sel]) @ beta + c0
        print(f"  rows naming every property ({sel.sum()} test rows; an additive fit on {len(train)} training rows "
              f"of that kind): RMSLE run {np.sqrt(np.mean((us[sel] - y[sel]) ** 2)):.4f}, oracle "
              f"{np.sqrt(np.mean((orc[sel] - y[sel]) ** 2)):.4f}, additive fit {np.sqrt(np.mean((lin - y[sel]) ** 2)):.4f}; "
              f"RMS of d there {np.sqrt(np.mean(d[sel] ** 2)):.4f}")


if __name__ == "__main__":
    main()
