#!/usr/bin/python3
"""bench/search/python_stack.py — the search a user would write with Debian's pandas + xgboost +
optuna, on exactly the folds an xp run used: the comparison side of bench/search/run.sh.

    /usr/bin/python3 bench/search/python_stack.py --config resolved.yaml \
        --data data/candidates_data.csv --folds run_1/folds.csv --trials 20 \
        --out py.json --trace py_trace.csv [--check-db xp.db --check-run 1]

What it does, written the way a competent pandas/xgboost/optuna user would:
  * pandas.read_csv; the dev/test rows and the 5 grouped folds come from the xp run's `folds`
    artifact (row,part,fold), so both sides see identical splits;
  * the step-1 preprocessing, fitted on each fold's training rows (and once on all dev rows for
    the refit): nr_/sh_ prefixes parsed, quantity -2 -> quantity_known flag + NaN +
    log_quantity, placeholder codes -> NaN (the same auto rule as xp's `placeholders`), empty /
    constant / near-duplicate columns dropped (the same rule as xp's `drop_columns`),
    source_id / feature_58 / feature_59 as pandas categoricals with enable_categorical,
    log1p target;
  * fold DMatrix objects built once, before the study;
  * optuna.create_study(TPESampler(seed), MedianPruner(n_startup_trials, n_warmup_steps)),
    in-memory storage, the search space of the resolved config, the same trial budget;
  * per trial and fold xgb.train(..., evals=[(dvalid, "valid")], early_stopping_rounds),
    prediction with iteration_range=(0, best_iteration + 1), RMSLE on expm1 of it; the running
    mean over folds is reported after every fold but the last (as xp does);
  * refit on all dev rows for round((mean best_iteration + 1) * k / (k - 1)) rounds and a single
    test score with the same RMSLE / RMSE / MAE / R2 / MAPE definitions as xp's metric plugins.

What it leaves out on purpose: xp's own methodology, which is not what a user writes with these
libraries — the `cluster_gmm` pipeline step (Gaussian-mixture group features), the `polish`
section (the best point again at a lower learning rate) and `source_weights` (per-source sample
weights). In a plain search they are skipped, logged and listed as "ignored" in the result JSON,
so the tool is compared with its methodology against the search a user would otherwise run.
With --replay-db they are an error: a replay must do exactly the run's work, so the run it
replays must have been made without them (run.sh part B).

Times are seconds since BENCH_T0 (epoch seconds set by run.sh just before it starts this
process), so interpreter start-up and imports count, as they do for a user.
--check-db compares what the preprocessing learned per fold with what the xp run recorded
(xp_records kinds `placeholders` and `drop_columns`); this is done after all timing.
"""
import os
import time

T_LAUNCH = float(os.environ.get("BENCH_T0", time.time()))

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import optuna  # noqa: E402
import pandas as pd  # noqa: E402
import xgboost as xgb  # noqa: E402
import yaml  # noqa: E402

T_IMPORTED = time.time()


def since_launch():
    return time.time() - T_LAUNCH


def log(msg):
    print(f"[python {since_launch():8.1f}s] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- config

def step(cfg, plugin):
    for s in cfg.get("pipeline") or []:
        if s.get("plugin") == plugin:
            return s
    return None


# xp's own methodology, which the search a user writes with pandas + xgboost + optuna does not
# have: skipped (and listed in the result JSON as "ignored") in a plain search; an error with
# --replay-db, which must do exactly the run's work.
XP_ONLY_STEPS = {"cluster_gmm"}


def read_setup(cfg, replay=False):
    """What the script needs from the resolved xp config; anything else it does not know is an
    error rather than a silent difference. Returns (setup, ignored): the xp-only parts of the
    config the plain search leaves out (see XP_ONLY_STEPS)."""
    known = {"parse_prefixed", "quantity", "placeholders", "drop_columns", "categorical",
             "target_log"}
    ignored = []
    for s in cfg.get("pipeline") or []:
        if s.get("plugin") in XP_ONLY_STEPS:
            ignored.append(f"pipeline step {s.get('plugin')}")
        elif s.get("plugin") not in known:
            sys.exit(f"python_stack.py: pipeline step {s.get('plugin')!r} is not implemented here")
    model = cfg["model"]
    if model.get("plugin") != "xgboost":
        sys.exit("python_stack.py: only model.plugin xgboost is implemented")
    if (cfg.get("source_weights") or {}).get("enabled"):
        ignored.append("source_weights")
    if cfg.get("polish"):
        ignored.append("polish")
    if replay and ignored:
        sys.exit("python_stack.py: --replay-db evaluates exactly the run's trials, but the config has "
                 f"{', '.join(ignored)}, which this script does not implement; replay a run without "
                 "them (run.sh part B: ~pipeline[i] for cluster_gmm, ~polish, "
                 "++source_weights.enabled=false)")
    space = {}
    for name, spec in (cfg["search"].get("space") or {}).items():
        if not name.startswith("model.params."):
            sys.exit(f"python_stack.py: search.space key {name} is not under model.params")
        space[name[len("model.params."):]] = spec
    ph = step(cfg, "placeholders") or {}
    if ph.get("codes") or ph.get("mode", "auto") != "auto":
        sys.exit("python_stack.py: only placeholders mode auto is implemented")
    for k in ("min_share", "min_code", "min_other_distinct", "max_codes", "min_ratio", "columns"):
        if k in ph:
            sys.exit(f"python_stack.py: placeholders.{k} is not implemented (defaults only)")
    dc = step(cfg, "drop_columns") or {}
    if set(dc) - {"plugin"}:
        sys.exit("python_stack.py: drop_columns options are not implemented (defaults only)")
    tl = step(cfg, "target_log")
    if tl and tl.get("kind", "log1p") != "log1p":
        sys.exit("python_stack.py: only target_log kind log1p is implemented")
    threads = int(cfg.get("threads") or 0) or os.cpu_count() or 1
    params = {k: v for k, v in (model.get("params") or {}).items() if v is not None}
    params.setdefault("tree_method", "hist")
    params["nthread"] = threads
    params.setdefault("seed", int(cfg.get("seed", 42)))
    pruner = cfg["search"].get("pruner") or {}
    roles = cfg["data"].get("roles") or {}
    return {
        "seed": int(cfg.get("seed", 42)),
        "target": cfg["data"].get("target", "target"),
        "ignore": [c for c, r in roles.items() if r == "ignore"],
        "group": cfg["validation"].get("group"),
        "folds": int(cfg["validation"].get("folds", 5)),
        "prefixed": list((step(cfg, "parse_prefixed") or {}).get("columns") or []),
        "quantity": (step(cfg, "quantity") or {}).get("column"),
        "ph_exclude": list(ph.get("exclude") or []),
        "categorical": list((step(cfg, "categorical") or {}).get("columns") or []),
        "log_target": tl is not None,
        "params": params,
        "rounds": int(model.get("num_boost_round", 100)),
        "early_stop": int(model.get("early_stopping_rounds", 0)),
        "monotone": dict(model.get("monotone") or {}),
        "space": space,
        "trials": int(cfg["search"].get("trials", 20)),
        "pruner": (pruner.get("type", "median"), int(pruner.get("n_startup_trials", 5)),
                   int(pruner.get("n_warmup_steps", 1))),
    }, ignored


# ---------------------------------------------------------------- preprocessing

PREFIX = re.compile(r"^[A-Za-z]+_(-?[0-9]+)$")


def base_frame(df, su):
    """Stateless steps: prefixes parsed, quantity flag / NaN / log."""
    df = df.copy()
    for c in su["prefixed"]:
        df[c] = df[c].astype("string").str.extract(PREFIX, expand=False).astype(float)
    q = su["quantity"]
    if q:
        v = df[q].astype(float)
        known = v.notna() & (v != -2)
        df[q] = v.where(v != -2)
        df[q + "_known"] = known.astype(float)
        df["log_" + q] = np.log(v.where(known & (v > 0)))
    return df


def detect_codes(x):
    """xp's placeholder rule (plugins/transforms/common/txu_stats.c tx_ph_detect, defaults):
    negative integer values >= -99 holding >= 1% of the present values are candidates; at most 4
    of them, at least 3 other distinct values; a candidate is a code when it lies below every
    other value (or the rest is continuous) and is >= 5x as frequent as an average other value."""
    v = x[~np.isnan(x)]
    if v.size == 0:
        return []
    uniq, counts = np.unique(v, return_counts=True)
    cand = (uniq < 0) & (uniq >= -99) & (uniq == np.floor(uniq)) & (counts >= 0.01 * v.size)
    other = ~cand
    if not cand.any() or cand.sum() > 4 or other.sum() < 3:
        return []
    other_n = counts[other].sum()
    continuous = 2 * counts[other & (uniq != np.floor(uniq))].sum() >= other_n
    other_min = uniq[other].min()
    avg_other = other_n / other.sum()
    return [float(u) for u, c in zip(uniq[cand], counts[cand])
            if (u < other_min or continuous) and c >= 5 * avg_other]


def pearson(a, b, ma, mb):
    """Pairwise-complete Pearson r, NaN when either side is constant on the shared rows."""
    ok = ~(np.isnan(a) | np.isnan(b))
    n = int(ok.sum())
    if n < 2:
        return math.nan, n
    x = a[ok] - ma
    y = b[ok] - mb
    sx, sy = x.sum(), y.sum()
    sxx, syy = (x * x).sum(), (y * y).sum()
    cxx, cyy, cxy = sxx - sx * sx / n, syy - sy * sy / n, (x * y).sum() - sx * sy / n
    if cxx <= 1e-12 * sxx or cyy <= 1e-12 * syy or cxx <= 0 or cyy <= 0:
        return math.nan, n
    return max(-1.0, min(1.0, cxy / math.sqrt(cxx * cyy))), n


def fit_pipeline(train, su):
    """Learns placeholder codes, dropped columns and category levels on training rows."""
    not_features = {su["target"], su["group"], *su["ignore"]}
    feats = [c for c in train.columns if c not in not_features]
    numeric = [c for c in feats if pd.api.types.is_float_dtype(train[c])
               or pd.api.types.is_integer_dtype(train[c])]
    numeric = [c for c in numeric if c != su["quantity"] + "_known"]   # a bool flag in xp
    codes = {}
    for c in numeric:
        if c in su["ph_exclude"]:
            continue
        found = detect_codes(train[c].to_numpy(dtype=float))
        if found:
            codes[c] = found
    t = apply_codes(train, codes)
    n = len(t)
    drop, gone = [], set()
    for c in feats:
        col = t[c]
        present = col.dropna()
        if n and (n - len(present)) / n >= 0.99:
            drop.append(c)
            gone.add(c)
            continue
        vc = present.value_counts()
        top = vc.iloc[0] / len(present) if len(present) else 1.0
        if len(vc) <= 1 or top >= 0.999:
            drop.append(c)
            gone.add(c)
    cands = []
    for pos, c in enumerate(t.columns):
        if c in gone or c not in feats:
            continue
        if not (pd.api.types.is_numeric_dtype(t[c]) or pd.api.types.is_bool_dtype(t[c])):
            continue
        x = t[c].to_numpy(dtype=float)
        present = int((~np.isnan(x)).sum())
        cands.append((n - present, pos, c, x, float(np.nanmean(x)) if present else math.nan))
    cands.sort(key=lambda k: (k[0], k[1]))
    kept = []
    for missing, _, c, x, m in cands:
        dup = False
        for _, _, kc, kx, km in kept:
            r, used = pearson(x, kx, m if math.isfinite(m) else 0.0, km if math.isfinite(km) else 0.0)
            if abs(r) >= 0.98 and used >= 3 and used >= 0.5 * (n - missing):
                drop.append(c)
                dup = True
                break
        if not dup:
            kept.append((missing, None, c, x, m))
    levels = {c: sorted(pd.unique(t[c].dropna())) for c in su["categorical"] if c not in drop}
    return {"codes": codes, "drop": drop, "levels": levels}


def apply_codes(df, codes):
    df = df.copy()
    for c, vals in codes.items():
        df[c] = df[c].where(~df[c].isin(vals))
    return df


def design(df, state, su):
    """Feature frame (xp's column order) and model-space target."""
    t = apply_codes(df, state["codes"])
    not_features = {su["target"], su["group"], *su["ignore"]}
    cols = [c for c in t.columns if c not in not_features and c not in state["drop"]]
    X = t[cols].copy()
    for c, lv in state["levels"].items():
        X[c] = pd.Categorical(X[c], categories=lv)
    for c in cols:
        if pd.api.types.is_bool_dtype(X[c]):
            X[c] = X[c].astype(float)
    y = t[su["target"]].to_numpy(dtype=float)
    return X, (np.log1p(y) if su["log_target"] else y), y


def dmatrix(X, y, su):
    return xgb.DMatrix(X, label=y, enable_categorical=True, missing=np.nan,
                       nthread=su["params"]["nthread"])


def model_params(su, X, trial_params):
    p = dict(su["params"])
    p.update(trial_params)
    if su["monotone"]:
        p["monotone_constraints"] = "(" + ",".join(str(int(su["monotone"].get(c, 0))) for c in X.columns) + ")"
    return p


# ---------------------------------------------------------------- metrics (xp's definitions)

def metrics(y, pred):
    pred = np.asarray(pred, dtype=float)
    d = np.log1p(np.clip(pred, 0, None)) - np.log1p(y)
    r = y - pred
    return {
        "rmsle": float(np.sqrt(np.mean(d * d))),
        "rmse": float(np.sqrt(np.mean(r * r))),
        "mae": float(np.mean(np.abs(r))),
        "r2": float(1 - np.sum(r * r) / np.sum((y - y.mean()) ** 2)),
        "mape": float(np.mean(np.abs(r) / np.abs(y))),
    }


def to_target(pred, su):
    pred = np.asarray(pred, dtype=float)
    return np.expm1(pred) if su["log_target"] else pred


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="resolved config (runner --print-config)")
    ap.add_argument("--data", required=True)
    ap.add_argument("--folds", required=True, help="the xp run's folds artifact (row,part,fold)")
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--out", required=True, help="result JSON")
    ap.add_argument("--trace", required=True, help="per-trial CSV")
    ap.add_argument("--check-db")
    ap.add_argument("--check-run", type=int)
    ap.add_argument("--replay-db", help="replay an xp run's trials instead of searching")
    ap.add_argument("--replay-run", type=int, default=1)
    ap.add_argument("--preds", help="write the test part's predictions here (row,target,prediction), "
                    "as the runner's test_predictions artifact, e.g. for bench/oracle/compare.py --preds")
    a = ap.parse_args()

    with open(a.config) as f:
        su, ignored = read_setup(yaml.safe_load(f), replay=bool(a.replay_db))
    if ignored:
        log("not part of the plain search, ignored: " + ", ".join(ignored))
    n_trials = a.trials if a.trials is not None else su["trials"]
    k = su["folds"]
    replay = load_replay(a.replay_db, a.replay_run, k) if a.replay_db else None
    if replay is not None:
        n_trials = len(replay)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    xgb.set_config(verbosity=1)

    df = pd.read_csv(a.data)
    folds = pd.read_csv(a.folds)
    dev_rows = folds.loc[folds["part"] == "dev", "row"].to_numpy()
    dev_fold = folds.loc[folds["part"] == "dev", "fold"].astype(int).to_numpy()
    test_rows = folds.loc[folds["part"] == "test", "row"].to_numpy()
    if len(dev_rows) + len(test_rows) != len(df):
        sys.exit(f"python_stack.py: {a.folds} covers {len(dev_rows) + len(test_rows)} rows, "
                 f"{a.data} has {len(df)}")
    full = base_frame(df, su)
    t_loaded = since_launch()
    log(f"loaded {len(df)} rows ({len(dev_rows)} dev, {len(test_rows)} test)")

    fold_data, learned = [], []
    for f in range(k):
        tr = full.iloc[np.sort(dev_rows[dev_fold != f])]
        va = full.iloc[np.sort(dev_rows[dev_fold == f])]
        state = fit_pipeline(tr, su)
        learned.append(state)
        Xt, yt, _ = design(tr, state, su)
        Xv, yv, yv_raw = design(va, state, su)
        fold_data.append((dmatrix(Xt, yt, su), dmatrix(Xv, yv, su), yv_raw, Xt))
    t_folds = since_launch()
    log(f"{k} folds prepared ({fold_data[0][3].shape[1]} features in fold 0)")

    def objective(trial):
        tp = {}
        for name, spec in su["space"].items():
            if spec["type"] == "int":
                tp[name] = trial.suggest_int(name, int(spec["low"]), int(spec["high"]),
                                             log=bool(spec.get("log", False)))
            elif spec["type"] == "float":
                tp[name] = trial.suggest_float(name, float(spec["low"]), float(spec["high"]),
                                               log=bool(spec.get("log", False)))
            else:
                sys.exit(f"python_stack.py: space type {spec['type']} is not implemented")
        scores, iters = [], []
        n_folds = replay[trial.number]["n_folds"] if replay is not None else k
        for f, (dtr, dva, yv_raw, Xt) in enumerate(fold_data[:n_folds]):
            bst = xgb.train(model_params(su, Xt, tp), dtr, num_boost_round=su["rounds"],
                            evals=[(dva, "valid")], early_stopping_rounds=su["early_stop"] or None,
                            verbose_eval=False)
            work["fits"] += 1
            work["rounds"] += bst.num_boosted_rounds()
            best = bst.best_iteration if su["early_stop"] else su["rounds"] - 1
            iters.append(best)
            pred = bst.predict(dva, iteration_range=(0, best + 1))
            scores.append(metrics(yv_raw, to_target(pred, su))["rmsle"])
            if replay is not None:
                work["fold_values"].append((trial.number, f, scores[-1], replay[trial.number]["values"][f]))
            running = float(np.mean(scores))
            if f + 1 < k:   # like xp: the last fold's mean is the objective, not a pruning step
                trial.report(running, f)
                if trial.should_prune() or (replay is not None and f + 1 == n_folds):
                    raise optuna.TrialPruned()
        trial.set_user_attr("mean_best_iteration", float(np.mean(iters)))
        return float(np.mean(scores))

    trace = []
    work = {"fits": 0, "rounds": 0, "fold_values": []}

    def record(study, ft):
        value = ft.value if ft.value is not None else (
            ft.intermediate_values[max(ft.intermediate_values)] if ft.intermediate_values else math.nan)
        complete = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        best = min(complete) if complete else math.nan
        trace.append((ft.number, ft.state.name, value, since_launch(), best))
        log(f"trial {ft.number} {ft.state.name.lower()} rmsle={value:.6g} best={best:.6g}")

    ptype, n_startup, n_warmup = su["pruner"]
    pruner = (optuna.pruners.MedianPruner(n_startup_trials=n_startup, n_warmup_steps=n_warmup)
              if ptype == "median" and replay is None else optuna.pruners.NopPruner())
    study = optuna.create_study(direction="minimize", pruner=pruner,
                                sampler=optuna.samplers.TPESampler(seed=su["seed"]))
    for t in replay or []:
        study.enqueue_trial(t["params"])
    study.optimize(objective, n_trials=n_trials, callbacks=[record])
    t_search = since_launch()

    bt = study.best_trial
    mbi = bt.user_attrs["mean_best_iteration"]
    rounds = int(math.floor((mbi + 1) * k / (k - 1) + 0.5)) if su["early_stop"] else su["rounds"]
    dev = full.iloc[np.sort(dev_rows)]
    test = full.iloc[np.sort(test_rows)]
    state = fit_pipeline(dev, su)
    Xd, yd, _ = design(dev, state, su)
    Xs, _, ys_raw = design(test, state, su)
    bst = xgb.train(model_params(su, Xd, bt.params), dmatrix(Xd, yd, su), num_boost_round=rounds)
    test_pred = to_target(bst.predict(dmatrix(Xs, np.zeros(len(Xs)), su)), su)
    test_scores = metrics(ys_raw, test_pred)
    if a.preds:
        pd.DataFrame({"row": np.sort(test_rows), "target": ys_raw, "prediction": test_pred}).to_csv(
            a.preds, index=False, float_format="%.17g")
    t_end = since_launch()
    log(f"refit {rounds} rounds; test " + " ".join(f"{m}={v:.6g}" for m, v in test_scores.items()))

    check = None
    if a.check_db:
        check = check_against(a.check_db, a.check_run, learned, state, k)
        log("pipeline check: " + check["summary"])

    with open(a.trace, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["number", "state", "value", "t_complete", "best_so_far"])
        for row in trace:
            w.writerow([row[0], row[1], repr(row[2]), f"{row[3]:.3f}", repr(row[4])])
    states = [t.state.name for t in study.trials]
    result = {
        "side": "python",
        "versions": {"python": sys.version.split()[0], "xgboost": xgb.__version__,
                     "optuna": optuna.__version__, "pandas": pd.__version__,
                     "numpy": np.__version__},
        "trials": len(study.trials), "complete": states.count("COMPLETE"),
        "pruned": states.count("PRUNED"), "failed": states.count("FAIL"),
        "best_cv": study.best_value, "best_number": bt.number, "best_params": bt.params,
        "refit_rounds": rounds, "test": test_scores,
        "t_imported": T_IMPORTED - T_LAUNCH, "t_loaded": t_loaded, "t_folds": t_folds,
        "t_search_end": t_search, "t_end": t_end,
        "fits": work["fits"], "rounds": work["rounds"],
        "pipeline_check": check, "ignored": ignored,
    }
    if replay is not None:
        fv = work["fold_values"]
        result["replay"] = {
            "folds_compared": len(fv),
            "folds_identical": sum(abs(a - b) <= 1e-9 * abs(b) for _, _, a, b in fv),
            "max_abs_rmsle_diff": max((abs(a - b) for _, _, a, b in fv), default=0.0),
        }
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)


def load_replay(db, run_id, k):
    """The xp run's trials in order: parameters, and the folds the run evaluated (fewer than k
    for a pruned trial) with its RMSLE on each."""
    con = sqlite3.connect(db)
    out = []
    for tid, number in con.execute(
            "SELECT t.trial_id, t.number FROM trials t JOIN xp_trial_runs r ON r.trial_id = t.trial_id "
            "WHERE r.run_id = ? AND t.state IN ('COMPLETE', 'PRUNED') ORDER BY t.number", (run_id,)).fetchall():
        params = {}
        for name, value, dist in con.execute(
                "SELECT param_name, param_value, distribution_json FROM trial_params WHERE trial_id = ?", (tid,)):
            key = name[len("model.params."):]
            params[key] = int(round(value)) if "IntDistribution" in dist else value
        values = [v for _, v in con.execute(
            "SELECT fold, value FROM xp_metrics WHERE trial_id = ? AND split = 'valid' AND metric = 'rmsle' "
            "AND fold >= 0 ORDER BY fold", (tid,))]
        out.append({"number": number, "params": params, "n_folds": len(values), "values": values})
    con.close()
    if not out:
        sys.exit(f"python_stack.py: {db} has no finished trials for run {run_id}")
    return out


def check_against(db, run_id, learned, refit_state, k):
    """Compares the learned placeholder codes and dropped columns with the xp run's records:
    the first k of each kind are the folds (built in fold order), the last one the refit."""
    con = sqlite3.connect(db)
    rec = {}
    for kind in ("placeholders", "drop_columns"):
        rec[kind] = [json.loads(r[0]) for r in con.execute(
            "SELECT json FROM xp_records WHERE run_id = ? AND kind = ? ORDER BY id", (run_id, kind))]
    con.close()
    states = list(learned) + [refit_state]
    names = [f"fold {f}" for f in range(k)] + ["refit"]
    picks = list(range(k)) + [-1]
    diffs = []
    for name, st, i in zip(names, states, picks):
        if len(rec["placeholders"]) < k + 1 or len(rec["drop_columns"]) < k + 1:
            return {"ok": False, "summary": "the run has fewer records than folds + refit", "diffs": []}
        xp_codes = {c["name"]: sorted(x["value"] for x in c["codes"]) for c in rec["placeholders"][i]["columns"]}
        py_codes = {c: sorted(v) for c, v in st["codes"].items()}
        if xp_codes != py_codes:
            diffs.append(f"{name}: placeholders xp={xp_codes} python={py_codes}")
        xp_drop = sorted(d["name"] for d in rec["drop_columns"][i]["dropped"])
        if xp_drop != sorted(st["drop"]):
            diffs.append(f"{name}: dropped xp-only={sorted(set(xp_drop) - set(st['drop']))} "
                         f"python-only={sorted(set(st['drop']) - set(xp_drop))}")
    summary = ("same placeholder codes and dropped columns as the xp run in every fold and the refit"
               if not diffs else f"{len(diffs)} difference(s): " + "; ".join(diffs))
    return {"ok": not diffs, "summary": summary, "diffs": diffs}


if __name__ == "__main__":
    main()
