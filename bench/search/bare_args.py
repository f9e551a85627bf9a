#!/usr/bin/python3
"""bench/search/bare_args.py — turns a resolved xp config (runner --print-config) into the
command-line options of bench/search/bare_loop, one per line, so the bare loop trains with
exactly the model settings the run used.

    build/core/runner configs/step1_xgb.yaml --print-config > resolved.yaml
    /usr/bin/python3 bench/search/bare_args.py resolved.yaml | xargs -d '\\n' bare_loop --db ...

Only the step-1 shape is understood (xgboost model, the step-1 transforms); anything else is an
error, so the bare loop never silently trains something different.
"""
import sys

import yaml


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bare_args.py RESOLVED.yaml")
    with open(sys.argv[1]) as f:
        cfg = yaml.safe_load(f)
    model = cfg["model"]
    if model.get("plugin") != "xgboost":
        sys.exit("bare_args.py: only model.plugin xgboost is supported")
    for k in ("eval_metric", "threads", "seed"):
        if model.get(k) is not None:
            sys.exit(f"bare_args.py: model.{k} is not supported by the bare loop")
    steps = {s["plugin"]: s for s in cfg.get("pipeline") or []}
    if set(steps) - {"parse_prefixed", "quantity", "placeholders", "drop_columns", "categorical",
                     "target_log"} or "target_log" not in steps:
        sys.exit(f"bare_args.py: the bare loop implements the step-1 pipeline only, not {sorted(steps)}")
    if (cfg.get("source_weights") or {}).get("enabled"):
        sys.exit("bare_args.py: source_weights are not supported by the bare loop")
    out = []
    params = {k: v for k, v in (model.get("params") or {}).items() if v is not None}
    params.setdefault("tree_method", "hist")
    for k, v in params.items():
        out.append(("--param", f"{k}={str(v).lower() if isinstance(v, bool) else v}"))
    out.append(("--rounds", str(model.get("num_boost_round", 100))))
    out.append(("--early-stop", str(model.get("early_stopping_rounds", 0))))
    for c, d in (model.get("monotone") or {}).items():
        out.append(("--monotone", f"{c}={int(d)}"))
    if int(cfg.get("threads") or 0) > 0:
        out.append(("--threads", str(int(cfg["threads"]))))
    # The runner's default (search.fold_jobs 0) trains one fold per thread at a time.
    out.append(("--fold-jobs", str(int((cfg.get("search") or {}).get("fold_jobs") or 0))))
    out.append(("--folds-k", str(int(cfg["validation"].get("folds", 5)))))
    out.append(("--target", cfg["data"].get("target", "target")))
    if "quantity" in steps:
        out.append(("--quantity", steps["quantity"].get("column", "quantity")))
    if "parse_prefixed" in steps:
        out.append(("--prefixed", ",".join(steps["parse_prefixed"].get("columns") or [])))
    if "categorical" in steps:
        out.append(("--categorical", ",".join(steps["categorical"].get("columns") or [])))
    roles = cfg["data"].get("roles") or {}
    ignore = [c for c, r in roles.items() if r == "ignore"]
    if ignore:
        out.append(("--ignore", ",".join(ignore)))
    for flag, value in out:
        print(flag)
        print(value)


if __name__ == "__main__":
    main()
