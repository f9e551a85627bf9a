#!/usr/bin/python3
"""bench_ridge.py — does the description embedding carry signal? Ridge regression of
log1p(target) on text_glove's 100-d embedding alone (+ a missing flag), grouped 5-fold CV by
description (as core/split.c: missing descriptions are groups of one row, groups go largest
first to the fold with the fewest rows), RMSLE against predicting the training mean; a
bag-of-words ridge on the same folds for scale. numpy + the standard library only.

    /usr/bin/python3 bench_ridge.py DATA.csv GLOVE_ENCODE TEXT_GLOVE_SO WEIGHTS_DIR

The SIF/IDF weights are fitted on all rows' texts (no target is used; a per-fold fit would
differ slightly).
"""
import csv
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time

import numpy as np


def folds_by_group(desc, k=5, seed=42):
    groups = {}
    for i, d in enumerate(desc):
        key = d if d else ("\0row", i)
        groups.setdefault(key, []).append(i)
    keys = list(groups)
    random.Random(seed).shuffle(keys)
    keys.sort(key=lambda g: -len(groups[g]))          # stable: shuffled within equal sizes
    fold = np.empty(len(desc), dtype=int)
    sizes = [0] * k
    for g in keys:
        q = min(range(k), key=lambda j: sizes[j])
        fold[groups[g]] = q
        sizes[q] += len(groups[g])
    return fold


def ridge_cv(X, y, fold, alpha):
    pred = np.empty_like(y)
    for q in np.unique(fold):
        tr, te = fold != q, fold == q
        mx, my = X[tr].mean(0), y[tr].mean()
        A = X[tr] - mx
        beta = np.linalg.solve(A.T @ A + alpha * np.eye(X.shape[1]), A.T @ (y[tr] - my))
        pred[te] = (X[te] - mx) @ beta + my
    return math.sqrt(np.mean((pred - y) ** 2))      # y is log1p(target): RMSE = RMSLE


def mean_cv(y, fold):
    pred = np.empty_like(y)
    for q in np.unique(fold):
        pred[fold == q] = y[fold != q].mean()
    return math.sqrt(np.mean((pred - y) ** 2))


def main():
    data, encode, so, wdir = sys.argv[1:5]
    rows = list(csv.DictReader(open(data, newline="")))
    desc = [r["description"] or "" for r in rows]
    y = np.log1p(np.array([float(r["target"]) for r in rows]))
    fold = folds_by_group(desc)
    print(f"{len(rows)} rows, {len(set(d for d in desc if d))} distinct descriptions, "
          f"{sum(1 for d in desc if not d)} missing; grouped 5-fold CV by description")
    print(f"predict the training mean: RMSLE {mean_cv(y, fold):.4f}")
    with tempfile.TemporaryDirectory() as tmp:
        txt = os.path.join(tmp, "texts.txt")
        with open(txt, "w") as f:
            f.write("".join(d.replace("\n", " ") + "\n" for d in desc))
        for w in ("mean", "sif", "idf"):
            out = os.path.join(tmp, "emb.f32")
            t0 = time.time()
            with open(txt) as fin:
                p = subprocess.run([encode, so, f"column: description\nweights: {wdir}\nweighting: {w}\n", out],
                                   stdin=fin, capture_output=True, text=True)
            if p.returncode:
                sys.exit(p.stderr)
            E = np.fromfile(out, dtype=np.float32).reshape(len(rows), -1).astype(np.float64)
            miss = np.isnan(E[:, 0])
            E[miss] = 0
            X = np.hstack([E, miss[:, None].astype(float)])
            res = ", ".join(f"alpha {a:g}: {ridge_cv(X, y, fold, a):.4f}" for a in (0.1, 1, 10, 100))
            timing = [l for l in p.stderr.splitlines() if l.startswith("rows ")]
            print(f"glove {w:4s} ridge RMSLE  {res}   [{timing[0] if timing else ''}]")
    vocab = {}
    toks = [re.findall(r"[a-z0-9]+", d.lower()) for d in desc]
    for t in toks:
        for w in t:
            vocab.setdefault(w, len(vocab))
    B = np.zeros((len(rows), len(vocab) + 1))
    for i, t in enumerate(toks):
        for w in t:
            B[i, vocab[w]] = 1
        if not t:
            B[i, -1] = 1
    res = ", ".join(f"alpha {a:g}: {ridge_cv(B, y, fold, a):.4f}" for a in (0.1, 1, 10, 100))
    print(f"bag of words ({len(vocab)} words) ridge RMSLE  {res}")


if __name__ == "__main__":
    main()
