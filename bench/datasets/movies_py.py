#!/usr/bin/python3
"""bench/datasets/movies_py.py — the plain pandas + xgboost + optuna search a user would write for
a table like Vega's movies (any CSV with a numeric target, really), on the xp run's folds.

    /usr/bin/python3 bench/datasets/movies_py.py --config RESOLVED.yaml --data movies.csv \
        --target "Worldwide Gross" --folds FOLDS.csv --trials 25 --out py.json [--preds test.csv]

What it does, as a user would, with nothing learnt from the xp run but its folds:
  * date-like text columns (parsed by pandas.to_datetime on >= 80% of the non-empty cells)
    -> year and month;
  * other text columns: mostly-unique ones (> 50% distinct, e.g. a title) dropped, the rest
    coded as integers (pandas category codes over the whole file; missing -> NaN);
  * target: log1p when the config's objective is rmsle (predictions expm1'd and clipped at 0),
    as it is when it is rmse (any other objective is refused);
  * search: the resolved config's space, num_boost_round, early_stopping_rounds, pruner and
    XGBoost parameters; optuna.TPESampler(seed), MedianPruner, the running mean over folds
    reported after every fold but the last (as the runner does); xgb.train with early stopping
    on the validation fold (XGBoost's default metric: RMSE of log1p);
  * refit on all dev rows for round((mean best_iteration + 1) * k / (k - 1)) rounds (the
    runner's rule), one score on the test part.
Why a script of its own and not bench/search/python_stack.py: that one reproduces the
challenge pipeline step by step (prefixed codes, quantity, placeholders, ...) and refuses any
other step; this table needs none of it, and a user would not write it.
"""
import os
import time

T_LAUNCH = float(os.environ.get("BENCH_T0", time.time()))

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import optuna  # noqa: E402
import pandas as pd  # noqa: E402
import xgboost as xgb  # noqa: E402
import yaml  # noqa: E402


def log(msg):
    print(f"[movies_py {time.time() - T_LAUNCH:7.1f}s] {msg}", file=sys.stderr, flush=True)


def features(df, target):
    X = pd.DataFrame(index=df.index)
    for c in df.columns:
        if c == target:
            continue
        s = df[c]
        if s.dtype == object:
            nonnull = s.dropna()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                d = pd.to_datetime(s, errors="coerce")
            if len(nonnull) and d.notna().sum() >= 0.8 * len(nonnull):
                X[c + "_year"] = d.dt.year.astype(float)
                X[c + "_month"] = d.dt.month.astype(float)
            elif nonnull.nunique() > 0.5 * len(nonnull):
                log(f"dropped mostly-unique text column {c!r}")
            else:
                codes = s.astype("category").cat.codes.astype(float)
                X[c] = codes.where(codes >= 0, np.nan)
        else:
            X[c] = s.astype(float)
    return X


def metrics(y, pred):
    """The runner's metrics; rmsle only for a target with no value at or below -1 (NaN else)."""
    pred = np.asarray(pred, dtype=float)
    r = y - pred
    out = {"rmse": float(np.sqrt(np.mean(r * r))), "mae": float(np.mean(np.abs(r))),
           "r2": float(1 - np.sum(r * r) / np.sum((y - y.mean()) ** 2))}
    if np.all(y > -1):
        d = np.log1p(np.clip(pred, 0, None)) - np.log1p(y)
        out["rmsle"] = float(np.sqrt(np.mean(d * d)))
    else:
        out["rmsle"] = float("nan")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="the xp run's resolved config (runner --print-config)")
    ap.add_argument("--data", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--folds", required=True, help="the xp run's folds artifact (row,part,fold)")
    ap.add_argument("--trials", type=int, required=True)
    ap.add_argument("--out", required=True, help="result JSON")
    ap.add_argument("--preds", help="test predictions CSV (row,target,prediction)")
    a = ap.parse_args()
    cfg = yaml.safe_load(open(a.config))
    model = cfg["model"]
    seed = int(cfg.get("seed", 42))
    params = {k: v for k, v in (model.get("params") or {}).items() if v is not None}
    params["nthread"] = int(cfg.get("threads") or 0) or os.cpu_count() or 1
    params.setdefault("seed", seed)
    rounds = int(model.get("num_boost_round", 100))
    early = int(model.get("early_stopping_rounds", 0))
    # XGBoost's parameters only: a dimension of the runner's own (model.linear_start) is not
    # something this plain script has.
    space = {k[len("model.params."):]: v for k, v in cfg["search"]["space"].items()
             if k.startswith("model.params.")}
    pr = cfg["search"].get("pruner") or {}
    k = int(cfg["validation"].get("folds", 5))
    objective_name = cfg.get("objective", "rmsle")
    if objective_name not in ("rmsle", "rmse"):
        sys.exit(f"movies_py.py: objective {objective_name!r}: only rmsle (log1p target) and rmse are done here")
    to_model, from_model = (np.log1p, np.expm1) if objective_name == "rmsle" else (lambda v: v, lambda v: v)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    df = pd.read_csv(a.data, sep="\t" if a.data.endswith(".tsv") else ",")
    folds = pd.read_csv(a.folds)
    # The runner leaves out rows with no target (and says so): folds.csv names the others.
    left_out = np.setdiff1d(np.arange(len(df)), folds["row"].to_numpy())
    if len(folds) > len(df) or folds["row"].max() >= len(df) or df[a.target].iloc[left_out].notna().any():
        sys.exit(f"movies_py.py: {a.folds} ({len(folds)} rows) does not split {a.data} ({len(df)} rows)")
    X = features(df, a.target)
    y_raw = df[a.target].to_numpy(dtype=float)
    y = to_model(y_raw)
    dev = folds.loc[folds["part"] == "dev", "row"].to_numpy()
    dev_fold = folds.loc[folds["part"] == "dev", "fold"].astype(int).to_numpy()
    test = np.sort(folds.loc[folds["part"] == "test", "row"].to_numpy())
    log(f"{len(df)} rows ({len(dev)} dev, {len(test)} test), {X.shape[1]} features: {list(X.columns)}")
    fd = []
    for f in range(k):
        tr, va = np.sort(dev[dev_fold != f]), np.sort(dev[dev_fold == f])
        fd.append((xgb.DMatrix(X.iloc[tr], label=y[tr], missing=np.nan),
                   xgb.DMatrix(X.iloc[va], label=y[va], missing=np.nan), y_raw[va]))
    t_folds = time.time() - T_LAUNCH

    def objective(trial):
        tp = {}
        for name, s in space.items():
            if s["type"] == "int":
                tp[name] = trial.suggest_int(name, int(s["low"]), int(s["high"]), log=bool(s.get("log", False)))
            else:
                tp[name] = trial.suggest_float(name, float(s["low"]), float(s["high"]), log=bool(s.get("log", False)))
        p = dict(params)
        p.update(tp)
        scores, iters = [], []
        for f, (dtr, dva, yv) in enumerate(fd):
            bst = xgb.train(p, dtr, num_boost_round=rounds, evals=[(dva, "valid")],
                            early_stopping_rounds=early or None, verbose_eval=False)
            best = bst.best_iteration if early else rounds - 1
            iters.append(best)
            scores.append(metrics(yv, from_model(bst.predict(dva, iteration_range=(0, best + 1))))[objective_name])
            if f + 1 < k:
                trial.report(float(np.mean(scores)), f)
                if trial.should_prune():
                    raise optuna.TrialPruned()
        trial.set_user_attr("mean_best_iteration", float(np.mean(iters)))
        return float(np.mean(scores))

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=optuna.pruners.MedianPruner(
                                    n_startup_trials=int(pr.get("n_startup_trials", 5)),
                                    n_warmup_steps=int(pr.get("n_warmup_steps", 1))))
    study.optimize(objective, n_trials=a.trials,
                   callbacks=[lambda s, t: log(f"trial {t.number} {t.state.name.lower()} "
                                                f"value={t.value} best={s.best_value:.6g}")])
    t_search = time.time() - T_LAUNCH
    bt = study.best_trial
    mbi = bt.user_attrs["mean_best_iteration"]
    n_rounds = int(math.floor((mbi + 1) * k / (k - 1) + 0.5)) if early else rounds
    p = dict(params)
    p.update(bt.params)
    dev_s = np.sort(dev)
    bst = xgb.train(p, xgb.DMatrix(X.iloc[dev_s], label=y[dev_s], missing=np.nan), num_boost_round=n_rounds)
    pred = from_model(bst.predict(xgb.DMatrix(X.iloc[test], missing=np.nan)))
    test_scores = metrics(y_raw[test], pred)
    log(f"refit {n_rounds} rounds; test " + " ".join(f"{m}={v:.6g}" for m, v in test_scores.items()))
    if a.preds:
        pd.DataFrame({"row": test, "target": y_raw[test], "prediction": pred}).to_csv(
            a.preds, index=False, float_format="%.17g")
    states = [t.state.name for t in study.trials]
    with open(a.out, "w") as f:
        json.dump({"side": "movies_py", "objective": objective_name, "trials": len(study.trials), "complete": states.count("COMPLETE"),
                   "pruned": states.count("PRUNED"), "best_cv": study.best_value, "best_params": bt.params,
                   "refit_rounds": n_rounds, "test": test_scores, "features": list(X.columns),
                   "t_folds": t_folds, "t_search_end": t_search, "t_end": time.time() - T_LAUNCH,
                   "versions": {"xgboost": xgb.__version__, "optuna": optuna.__version__,
                                "pandas": pd.__version__}}, f, indent=1)


if __name__ == "__main__":
    main()
