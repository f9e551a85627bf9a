#!/usr/bin/python3
"""bench/datasets/films_columns.py — at one point of the space (the Python search's best), how the
Python script's columns compare with a pandas copy of the runner's (title words, _freq, weekday),
and whether a permutation-importance selection of the latter helps: CV over a few XGBoost seeds
on the run's folds, and the refit's test RMSLE.

    /usr/bin/python3 bench/datasets/films_columns.py --data movies.csv --target "Worldwide Gross" \
        --config RESOLVED.yaml --folds FOLDS.csv --py-json py.json [--seeds 101,102,103,104] \
        [--write-python-features pyfeat.csv] [--ablate]

With --ablate, instead of the selection: the Python columns plus one group of the runner-like
ones at a time (weekday, title words, director/distributor shares, title share), then all.

RESOLVED.yaml, FOLDS.csv and py.json are what bench/datasets/movies_py.py was given and wrote
for a runner run (`runner ... --print-config`, the run's `folds` artifact). With
--write-python-features the Python script's own feature matrix (plus the target) is written
as a CSV: the runner run on it with `pipeline: [{plugin: target_log}]` at the same point
reproduces the Python CV to 5 digits (README, "Your own table").

The runner-like columns are an approximation made here (vocabulary of words in >= 5 dev rows,
lowercase [a-z0-9'] runs, at most 256; value shares over the dev rows), not the runner's own
matrix, which it does not export.
"""
import argparse
import importlib.util
import json
import os
from collections import Counter

import numpy as np
import pandas as pd
import xgboost as xgb
import yaml

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("movies_py", os.path.join(here, "movies_py.py"))
movies_py = importlib.util.module_from_spec(spec)
spec.loader.exec_module(movies_py)


def runner_like(df, X, target, dev):
    R = X.copy()
    R["Release Date_weekday"] = pd.to_datetime(df["Release Date"], errors="coerce").dt.weekday.astype(float)
    words = df["Title"].fillna("").str.lower().str.findall(r"[a-z0-9']+")
    extra = {"Title_words": words.str.len().astype(float)}
    dfreq = Counter(w for ws in words.iloc[dev] for w in set(ws))
    for w in sorted(w for w, c in dfreq.items() if c >= 5)[:256]:
        extra["Title_" + w] = words.apply(lambda ws, w=w: float(ws.count(w)))
    for c in ["Title", "Distributor", "Director"]:
        share = df[c].iloc[dev].value_counts(normalize=True)
        extra[c + "_freq"] = df[c].map(share).fillna(0.0).where(df[c].notna(), np.nan)
    return pd.concat([R, pd.DataFrame(extra, index=R.index)], axis=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--folds", required=True)
    ap.add_argument("--py-json", required=True, help="movies_py.py's result (its best_params)")
    ap.add_argument("--seeds", default="101,102,103,104")
    ap.add_argument("--write-python-features")
    ap.add_argument("--ablate", action="store_true",
                    help="instead: the Python columns plus each group of the runner's alone (weekday, title words, "
                         "_freq columns), then all")
    a = ap.parse_args()
    df = pd.read_csv(a.data)
    folds = pd.read_csv(a.folds)
    if len(folds) != len(df):
        raise SystemExit(f"films_columns.py: {a.folds} has {len(folds)} rows, {a.data} {len(df)}")
    cfg = yaml.safe_load(open(a.config))
    best = json.load(open(a.py_json))["best_params"]
    X = movies_py.features(df, a.target)
    if a.write_python_features:
        X.assign(**{a.target: df[a.target]}).to_csv(a.write_python_features, index=False, float_format="%.17g")
    yr = df[a.target].to_numpy(float)
    y = np.log1p(yr)
    dev = folds.loc[folds.part == "dev", "row"].to_numpy()
    fo = folds.loc[folds.part == "dev", "fold"].astype(int).to_numpy()
    test = np.sort(folds.loc[folds.part == "test", "row"].to_numpy())
    k = int(cfg["validation"].get("folds", 5))
    rounds = int(cfg["model"].get("num_boost_round", 100))
    early = int(cfg["model"].get("early_stopping_rounds", 50))
    base = {kk: v for kk, v in cfg["model"]["params"].items() if v is not None}
    base["nthread"] = os.cpu_count() or 1
    point = dict(base, **best)
    seeds = [int(s) for s in a.seeds.split(",")]

    def fold_fit(M, p, f):
        tr, va = np.sort(dev[fo != f]), np.sort(dev[fo == f])
        dv = xgb.DMatrix(M.iloc[va], label=y[va])
        b = xgb.train(p, xgb.DMatrix(M.iloc[tr], label=y[tr]), rounds, evals=[(dv, "v")],
                      early_stopping_rounds=early, verbose_eval=False)
        return b, va, dv

    def cv_and_test(M, p):
        cvs, tests = [], []
        for sd in seeds:
            q = dict(p, seed=sd)
            sc, its = [], []
            for f in range(k):
                b, va, dv = fold_fit(M, q, f)
                its.append(b.best_iteration)
                pred = np.expm1(b.predict(dv, iteration_range=(0, b.best_iteration + 1)))
                sc.append(movies_py.metrics(yr[va], pred)["rmsle"])
            cvs.append(np.mean(sc))
            n = int(np.floor((np.mean(its) + 1) * k / (k - 1) + 0.5))
            ds = np.sort(dev)
            b = xgb.train(q, xgb.DMatrix(M.iloc[ds], label=y[ds]), n)
            tests.append(movies_py.metrics(yr[test], np.expm1(b.predict(xgb.DMatrix(M.iloc[test]))))["rmsle"])
        return np.mean(cvs), np.mean(tests)

    def permutation_keep(M):
        rng = np.random.default_rng(0)
        imp = np.zeros(M.shape[1])
        for f in range(k):
            b, va, dv = fold_fit(M, base, f)
            it = (0, b.best_iteration + 1)
            e0 = np.sqrt(np.mean((b.predict(dv, iteration_range=it) - y[va]) ** 2))
            V = M.iloc[va].copy()
            for j, c in enumerate(M.columns):
                old = V[c].to_numpy().copy()
                V[c] = rng.permutation(old)
                imp[j] += np.sqrt(np.mean((b.predict(xgb.DMatrix(V), iteration_range=it) - y[va]) ** 2)) - e0
                V[c] = old
        return [c for j, c in enumerate(M.columns) if imp[j] > 0]

    R = runner_like(df, X, a.target, dev)
    if a.ablate:   # the Python columns plus one group of the runner's at a time
        words = [c for c in R.columns if c.startswith("Title_") and c != "Title_freq"]
        groups = {"+weekday": ["Release Date_weekday"], "+title_words": words,
                  "+director_distributor_freq": ["Director_freq", "Distributor_freq"], "+title_freq": ["Title_freq"]}
        sets = {"python": X, **{g: R[list(X.columns) + cols] for g, cols in groups.items()}, "runner_like": R}
        for name, M in sets.items():
            c, t = cv_and_test(M, point)
            print(f"{name:28s} {M.shape[1]:4d} columns  CV {c:.4f}  test {t:.4f}  (mean over XGBoost seeds {a.seeds})")
        return
    keep = permutation_keep(R)
    out = {"python": cv_and_test(X, point), "runner_like": cv_and_test(R, point),
           "runner_like_selected": cv_and_test(R[keep], point)}
    for name, (c, t) in out.items():
        cols = {"python": X, "runner_like": R}.get(name, R[keep]).shape[1]
        print(f"{name:22s} {cols:4d} columns  CV {c:.4f}  test {t:.4f}  (mean over XGBoost seeds {a.seeds})")


if __name__ == "__main__":
    main()
