#!/usr/bin/python3
"""profile_oracle.py - checks the `profile` record against pandas/numpy on 40,292 x 80 rows.

    /usr/bin/python3 profile_oracle.py path/to/profile_dump path/to/profile.so

profile_dump writes the synthetic challenge frame as CSV and the plugin's record as JSON;
this script recomputes every number from the CSV with pandas (missing shares, distinct
counts, top shares, min/median/max/mean/std, pairwise-complete Pearson pairs, the target's
quantiles and skew) and re-derives the placeholder codes with an independent implementation
of the rule in plugins/transforms/common/txu.h. Exit 0 when everything agrees.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def close(a, b, rel=1e-9, abs_=1e-12):
    if a is None or b is None:
        return a is None and (b is None or (isinstance(b, float) and math.isnan(b)))
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def placeholder_codes(values, min_share=0.01, min_code=-99, max_codes=4, min_ratio=5,
                      min_other_distinct=3):
    """The rule of txu.h, written from its description."""
    v = values[~np.isnan(values)]
    n = len(v)
    if n == 0:
        return []
    uniq, counts = np.unique(v, return_counts=True)
    cand = [(u, c) for u, c in zip(uniq, counts)
            if u < 0 and u >= min_code and u == math.floor(u) and c >= min_share * n]
    cset = {u for u, _ in cand}
    others = [(u, c) for u, c in zip(uniq, counts) if u not in cset]
    if not cand or len(cand) > max_codes or len(others) < min_other_distinct:
        return []
    other_n = sum(c for _, c in others)
    other_min = min(u for u, _ in others)
    nonint = sum(c for u, c in others if u != math.floor(u))
    continuous = 2 * nonint >= other_n
    avg = other_n / len(others)
    return [(float(u), int(c)) for u, c in cand
            if (u < other_min or continuous) and c >= min_ratio * avg]


def main():
    dump, so = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        csv, js = os.path.join(tmp, "p.csv"), os.path.join(tmp, "p.json")
        out = subprocess.run([dump, so, csv, js], check=True, capture_output=True, text=True)
        seconds = float(out.stdout.strip())
        df = pd.read_csv(csv, float_precision="round_trip",
                         dtype={"feature_1": str, "feature_2": str, "description": str})
        with open(js) as fp:
            rec = json.load(fp)

    n = len(df)
    check(rec["n_rows"] == n, f"n_rows {rec['n_rows']} != {n}")
    check(rec["n_cols"] == df.shape[1], f"n_cols {rec['n_cols']} != {df.shape[1]}")
    cols = {c["name"]: c for c in rec["columns"]}
    check(list(cols) == list(df.columns), "column order differs")
    numeric = []
    for name in df.columns:
        c, s = cols[name], df[name]
        miss = int(s.isna().sum())
        check(c["missing"] == miss, f"{name}: missing {c['missing']} != {miss}")
        check(close(c["missing_share"], miss / n), f"{name}: missing_share")
        check(c["distinct"] == s.nunique(), f"{name}: distinct {c['distinct']} != {s.nunique()}")
        present = n - miss
        if present:
            top = s.value_counts().iloc[0] / present
            check(close(c["top_share"], top), f"{name}: top_share {c['top_share']} != {top}")
        if c["type"] in ("numeric", "bool") and present == 0:
            for key in ("min", "max", "mean", "std", "median"):
                check(c[key] is None, f"{name}: {key} of an empty column is {c[key]}, not null")
        elif c["type"] in ("numeric", "bool"):
            x = s.to_numpy(dtype=float)
            for key, want in (("min", np.nanmin(x)), ("max", np.nanmax(x)),
                              ("mean", np.nanmean(x)), ("std", np.nanstd(x)),
                              ("median", np.nanmedian(x))):
                check(close(c[key], float(want), rel=1e-9, abs_=1e-9 * abs(float(np.nanmax(np.abs(x))))),
                      f"{name}: {key} {c[key]} != {want}")
            want_codes = placeholder_codes(x) if c["type"] == "numeric" else []
            got_codes = [(p["value"], p["count"]) for p in c["placeholders"]]
            check(got_codes == want_codes, f"{name}: codes {got_codes} != {want_codes}")
            if c["role"] != "target" and c["distinct"] > 1:
                numeric.append(name)

    # Pairwise-complete Pearson, as pandas computes it.
    corr = df[numeric].corr(min_periods=3)
    want = {}
    for i, a in enumerate(numeric):
        for b in numeric[i + 1:]:
            r = corr.at[a, b]
            if not math.isnan(r) and abs(r) > rec["corr_threshold"]:
                want[(a, b)] = r
    got = {(p["a"], p["b"]): p["r"] for p in rec["correlated_pairs"]}
    check(rec["n_correlated_pairs"] == len(want),
          f"pairs {rec['n_correlated_pairs']} != {len(want)}: "
          f"extra {sorted(set(got) - set(want))}, missing {sorted(set(want) - set(got))}")
    for k, r in want.items():
        check(k in got and close(got[k], r, rel=1e-9, abs_=1e-9), f"pair {k}: {got.get(k)} != {r}")

    t = rec["target"]
    y = df["target"].to_numpy(dtype=float)
    for key, q in (("q01", .01), ("q05", .05), ("q25", .25), ("median", .5), ("q75", .75),
                   ("q95", .95), ("q99", .99)):
        check(close(t[key], float(np.quantile(y, q))), f"target {key}")
    m2 = np.mean((y - y.mean()) ** 2)
    m3 = np.mean((y - y.mean()) ** 3)
    check(close(t["skew"], m3 / m2 ** 1.5, rel=1e-9), f"target skew {t['skew']}")
    ly = np.log1p(y)
    lm2 = np.mean((ly - ly.mean()) ** 2)
    lm3 = np.mean((ly - ly.mean()) ** 3)
    check(close(t["log1p"]["skew"], lm3 / lm2 ** 1.5, rel=1e-9), "log1p skew")
    check(close(t["log1p"]["median"], float(np.median(ly))), "log1p median")

    check(seconds < 10, f"profile took {seconds:.2f} s on {n} x {df.shape[1]}")
    print(f"profile of {n} x {df.shape[1]}: {seconds:.3f} s; {len(cols)} columns, "
          f"{len(want)} correlated pairs, {sum(1 for c in cols.values() if c['placeholders'])} "
          f"columns with codes; {len(failures)} mismatches")
    for f in failures[:30]:
        print("MISMATCH", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
