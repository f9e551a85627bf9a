#!/usr/bin/python3
"""gen_synth.py — a synthetic CSV shaped like the challenge file, for the CSV benchmark.

    /usr/bin/python3 bench/csv/gen_synth.py /tmp/synth.csv [rows] [seed]

Stand-in until tools/gen_demo exists (run.sh prefers the real demo file when given one).
It follows /work/shared/docs/challenge-data.md closely enough for parsing cost: 40,292 rows x
80 columns, source_id, nr_/sh_ prefixed strings, floats written at full precision (as
pandas.to_csv does), heavy tails, True/False flags, empty and almost-empty columns, -5/-2
codes, an int target and a short quoted-when-needed description with a ~90-word vocabulary.
Not meant to be statistically faithful: only the byte mix matters here.
"""
import sys

import numpy as np
import pandas as pd


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40292
    rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 7)

    def missing(x, frac):
        x = x.astype(float)
        x[rng.random(n) < frac] = np.nan
        return x

    cols = {}
    cols["source_id"] = np.sort(rng.integers(0, 20, n))
    cols["feature_1"] = np.array(["nr_%d" % v for v in rng.integers(0, 5000, n)])
    cols["feature_2"] = np.array(["sh_%d" % v for v in rng.integers(0, 2, n)])
    base = rng.lognormal(3, 1.5, n)
    cols["feature_3"] = missing(base, 0.02)
    cols["feature_4"] = missing(base * 1.01, 0.03)
    cols["feature_5"] = missing(base * 1.005, 0.05)
    cols["feature_6"] = missing(rng.normal(0, 1, n), 0.01)
    cols["feature_7"] = missing(rng.normal(10, 3, n), 0.02)
    cols["feature_8"] = rng.random(n) < 0.006
    for k in (9, 10, 11, 13):
        cols["feature_%d" % k] = missing(rng.lognormal(2, 2, n), 0.8)
    cols["feature_12"] = np.full(n, np.nan)
    for k in (14, 15, 16, 18, 19, 20, 21):
        cols["feature_%d" % k] = missing(rng.normal(0, 1, n), 0.99)
    cols["feature_17"] = np.full(n, np.nan)
    cols["feature_22"] = np.where(rng.random(n) < 0.9993, -5, -2)
    cols["feature_23"] = missing(rng.lognormal(10, 3, n), 0.95)
    for k in range(24, 44):
        v = rng.standard_t(2, n) * 10 ** rng.integers(0, 6)
        if k == 29:
            v = np.where(rng.random(n) < 0.7, -8.0, v)
        cols["feature_%d" % k] = v
    cols["feature_44"] = missing(-7 - cols["feature_36"], 0.0002)
    cols["feature_45"] = missing(rng.normal(0, 1, n), 0.0002)
    cols["feature_46"] = rng.integers(0, 500, n)
    cols["feature_47"] = rng.integers(-5, 50, n)
    mask = rng.random(n) < 0.69
    for k in range(48, 53):
        x = rng.normal(100, 20, n)
        x[mask] = np.nan
        cols["feature_%d" % k] = x
    cols["feature_53"] = rng.normal(0, 1, n)
    cols["feature_54"] = np.where(rng.random(n) < 0.7, -5, np.where(rng.random(n) < 0.5, -2,
                                  1 + 3 * rng.integers(0, 99, n)))
    for k in range(55, 58):
        cols["feature_%d" % k] = rng.normal(0, 5, n)
    for k in (58, 59):
        cols["feature_%d" % k] = missing(rng.choice([1, -2, 4], n), 0.5)
    cols["feature_60"] = missing(rng.normal(0, 1, n), 0.44)
    cols["feature_61"] = -5 + rng.normal(0, 5e-4, n)
    cols["feature_62"] = rng.uniform(-94389, 3943, n)
    cols["quantity"] = np.where(rng.random(n) < 0.3, -2, rng.lognormal(1, 2, n).astype(np.int64) + 1)
    cols["feature_64"] = rng.choice([-5, -2], n)
    mask = rng.random(n) < 0.2
    for k in range(65, 70):
        x = rng.normal(0, 1, n)
        x[mask] = np.nan
        cols["feature_%d" % k] = x
    mask = rng.random(n) < 0.28
    for k in range(70, 75):
        x = rng.normal(0, 1, n)
        x[mask] = np.nan
        cols["feature_%d" % k] = x
    for k in (75, 76, 77):
        cols["feature_%d" % k] = rng.choice([-5, -2], n)
    cols["target"] = rng.lognormal(8.8, 1.4, n).astype(np.int64) + 10
    words = ["alpha", "beta", "gamma", "delta", "ion", "drive", "solar", "panel", "hull",
             "mk-ii", "heavy", "light", "cargo", "pod", "shield", "array", "relay", "core"]
    words += ["w%02d" % i for i in range(73)]
    items = [" ".join(rng.choice(words, rng.integers(3, 7))) for _ in range(6000)]
    desc = np.array(items, dtype=object)[rng.integers(0, len(items), n)]
    desc[rng.random(n) < 0.01] = None
    some = rng.random(n) < 0.05
    desc[some] = [d + ", special" if d else d for d in desc[some]]   # forces quoting
    cols["description"] = desc
    # Many real columns are short decimals or integer-like: keep only some at full precision.
    for k in list(range(24, 44, 2)) + [53, 55, 56, 57, 62, 65, 66, 67, 70, 71, 72]:
        cols["feature_%d" % k] = np.round(cols["feature_%d" % k], 3)
    order = (["source_id"] + ["feature_%d" % k for k in range(1, 63)] + ["quantity"]
             + ["feature_%d" % k for k in range(64, 78)] + ["target", "description"])
    pd.DataFrame({k: cols[k] for k in order}).to_csv(out, index=False)


if __name__ == "__main__":
    main()
