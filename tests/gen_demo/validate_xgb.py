#!/usr/bin/python3
"""tests/gen_demo/validate_xgb.py — manual check that the demo data is as hard as intended.

    /usr/bin/python3 tests/gen_demo/validate_xgb.py data            # after: gen_demo --out data

Trains honest models (python3-xgboost) on the held-out item split written by gen_demo
(TRUTH.csv column `holdout`; TRUTH.csv is used for the split only, never as a feature) and
prints their R^2 beside the oracle figures of ORACLE.json:
  - table only                  -> should land a little below the oracle "table"
  - table + description words   -> should land a little below the oracle "table_text"
  - table only, random row split (the leaky split the public write-ups used) -> much higher
Not part of `meson test`: five fits take several minutes on the default set (~20 on a busy
2-core machine). Exits 1 if an honest model beats its oracle by more than the tolerance,
which would mean the oracle is not a floor.
"""
import json
import sys

import numpy as np
import pandas as pd
import xgboost as xgb


def load(d):
    df = pd.read_csv(f"{d}/candidates_data.csv", low_memory=False)
    truth = pd.read_csv(f"{d}/TRUTH.csv")
    oracle = json.load(open(f"{d}/ORACLE.json"))
    return df, truth, oracle


def table_features(df):
    x = df.drop(columns=["target", "description"]).copy()
    x["feature_1"] = x["feature_1"].str.slice(3).astype(float)
    x["feature_2"] = x["feature_2"].str.slice(3).astype(float)
    x["feature_8"] = x["feature_8"].map({True: 1.0, False: 0.0, "True": 1.0, "False": 0.0})
    x["quantity"] = x["quantity"].where(x["quantity"] != -2, np.nan)
    x["log_quantity"] = np.log(x["quantity"])
    return x.astype(float)


def word_features(df):
    words = df["description"].fillna("").str.lower().str.split()
    vocab = sorted({w for ws in words for w in ws})
    m = np.zeros((len(df), len(vocab)), dtype=np.float32)
    index = {w: i for i, w in enumerate(vocab)}
    for r, ws in enumerate(words):
        for w in ws:
            m[r, index[w]] = 1
    out = pd.DataFrame(m, columns=[f"w_{w}" for w in vocab], index=df.index)
    out["no_description"] = (df["description"].isna()).astype(float)
    return out


def r2(y, p):
    return 1 - np.sum((y - p) ** 2) / np.sum((y - np.mean(y)) ** 2)


def fit_predict(xtr, ytr, xte, seed=0):
    """Fits on (xtr, ytr); returns predictions on xtr and on xte. A fixed, moderately
    regularised model is enough for a plausibility check."""
    params = {"eta": 0.03, "max_depth": 7, "subsample": 0.8, "colsample_bytree": 0.7,
              "min_child_weight": 3, "lambda": 1.0, "tree_method": "hist", "nthread": 2,
              "seed": seed, "objective": "reg:squarederror"}
    dtr = xgb.DMatrix(xtr, label=ytr, missing=np.nan)
    booster = xgb.train(params, dtr, num_boost_round=1200)
    return booster.predict(dtr), booster.predict(xgb.DMatrix(xte, missing=np.nan))


def report(name, y, logpred, resid_var, clean):
    # raw prediction: exp of the log prediction times the mean of exp(residual) out of sample
    raw = np.exp(logpred) * resid_var
    ly = np.log(y)
    out = {"all": (r2(y, raw), r2(ly, logpred)), "clean": (r2(y[clean], raw[clean]),
                                                           r2(ly[clean], logpred[clean]))}
    print(f"  {name:34s} all: R2 {out['all'][0]:.4f} log R2 {out['all'][1]:.4f} | "
          f"clean: R2 {out['clean'][0]:.4f} log R2 {out['clean'][1]:.4f}")
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "data"
    df, truth, oracle = load(d)
    assert len(df) == len(truth)
    hold = truth["holdout"].to_numpy() == 1
    clean_src = set(oracle["clean_sources"])
    clean = df["source_id"].isin(clean_src).to_numpy()[hold]
    y = df["target"].to_numpy(dtype=float)
    ly = np.log(y)
    xt = table_features(df)
    xw = pd.concat([xt, word_features(df)], axis=1)

    print(f"{d}: {len(df)} rows, {hold.sum()} held-out rows ({clean.sum()} clean)")
    print("oracle (Bayes) figures from ORACLE.json:")
    for k in ("table", "table_text", "table_text_image", "all_hidden"):
        o = oracle["oracles"][k]
        print(f"  {k:34s} all: R2 {o['all']['r2']:.4f} log R2 {o['all']['log_r2']:.4f} | "
              f"clean: R2 {o['clean']['r2']:.4f} log R2 {o['clean']['log_r2']:.4f}")

    print("honest models, split by item:")
    results = {}
    for name, x in (("xgboost table only", xt), ("xgboost table + description words", xw)):
        _, p = fit_predict(x[~hold], ly[~hold], x[hold])
        # raw-scale correction E[exp(residual)], measured on training items left out of a fit
        items = truth["item_id"].to_numpy()
        inner = (items % 5 == 0) & ~hold
        _, p_in = fit_predict(x[~hold & ~inner], ly[~hold & ~inner], x[inner])
        smear = float(np.mean(np.exp(ly[inner] - p_in)))
        results[name] = report(name, y[hold], p, smear, clean)

    print("leaky split (random rows, 20%), table only:")
    rng = np.random.default_rng(0)
    rnd = rng.random(len(df)) < 0.2
    _, p = fit_predict(xt[~rnd], ly[~rnd], xt[rnd])
    clean_rnd = df["source_id"].isin(clean_src).to_numpy()[rnd]
    report("xgboost table only, random split", y[rnd], p, 1.0, clean_rnd)

    tol = 0.01
    bad = []
    for name, key in (("xgboost table only", "table"),
                      ("xgboost table + description words", "table_text")):
        o = oracle["oracles"][key]
        if results[name]["all"][1] > o["all"]["log_r2"] + tol:
            bad.append(f"{name} log R2 {results[name]['all'][1]:.4f} beats oracle {key} "
                       f"{o['all']['log_r2']:.4f}")
    for b in bad:
        print("FAIL:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
