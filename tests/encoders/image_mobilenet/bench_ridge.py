#!/usr/bin/python3
"""bench_ridge.py — does the image embedding carry signal? Ridge regression of log1p(target) on
image_mobilenet's 1792-d feature alone (its first K principal components over the distinct
images, no target used, + the missing-image flag), grouped 5-fold CV by
description (the folds of tests/encoders/text_glove/bench_ridge.py: groups largest first to the
fold with the fewest rows), RMSLE against predicting the training mean. numpy + stdlib only.

    build/tests/encoders/image_mobilenet/mnv2_encode build/plugins/encoders/image_mobilenet/image_mobilenet.so \
        "images: data/spacecraft_images" vec.f32 < descriptions.txt       # one line per CSV row
    /usr/bin/python3 bench_ridge.py data/candidates_data.csv vec.f32 [K=128]

vec.f32: rows x 1792 float32 (NaN rows = no image), as mnv2_encode writes it (postprocess
sqrt_center_l2 fitted on all rows: no target is used).
"""
import csv
import math
import random
import sys

import numpy as np


def folds_by_group(desc, k=5, seed=42):
    groups = {}
    for i, d in enumerate(desc):
        groups.setdefault(d if d else ("\0row", i), []).append(i)
    keys = list(groups)
    random.Random(seed).shuffle(keys)
    keys.sort(key=lambda g: -len(groups[g]))
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
    return math.sqrt(np.mean((pred - y) ** 2))


def main():
    data, vec = sys.argv[1:3]
    rows = list(csv.DictReader(open(data, newline="")))
    desc = [r["description"] or "" for r in rows]
    y = np.log1p(np.array([float(r["target"]) for r in rows]))
    V = np.fromfile(vec, dtype=np.float32).reshape(len(rows), -1).astype(np.float64)
    miss = np.isnan(V).any(1)
    V[miss] = 0.0
    X = np.hstack([V, miss[:, None].astype(np.float64)])
    fold = folds_by_group(desc)
    # Principal components of the distinct vectors (no target used), so the ridge is cheap:
    # k components of the centred vectors, plus the missing flag.
    k = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    U = np.unique(V[~miss], axis=0)
    mu = U.mean(0)
    w, E = np.linalg.eigh(np.cov((U - mu).T))
    E = E[:, np.argsort(w)[::-1][:k]]
    X = np.hstack([np.where(miss[:, None], 0.0, (V - mu) @ E), miss[:, None].astype(np.float64)])
    base = np.empty_like(y)
    for q in np.unique(fold):
        base[fold == q] = y[fold != q].mean()
    print(f"{len(rows)} rows, {len(set(desc))} distinct descriptions, {int(miss.sum())} rows without an "
          f"image; grouped 5-fold CV by description")
    print(f"predict the training mean: RMSLE {math.sqrt(np.mean((base - y) ** 2)):.4f}")
    for a in (0.1, 1.0, 10.0, 100.0):
        print(f"ridge on {k} principal components of the image embedding (+ missing flag), "
              f"alpha {a:g}: RMSLE {ridge_cv(X, y, fold, a):.4f}")


if __name__ == "__main__":
    main()
