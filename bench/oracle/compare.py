#!/usr/bin/python3
"""bench/oracle/compare.py — a run's test predictions next to the demo data's Bayes predictors,
on the same rows.

    /usr/bin/python3 bench/oracle/compare.py --store experiments/experiments.db [--run ID] \
        [--truth data/TRUTH.csv] [--oracle table] [--split DIR]

The demo data's oracles (tools/gen_demo/README.md) predict only the rows of their own held-out
items (TRUTH.csv column holdout = 1), while a run scores its own test part. The fair comparison
is on the rows in both: this script takes the run's `test_predictions` artifact (row, target,
prediction), joins it with TRUTH.csv by row, and prints RMSLE and R² of the run and of the
oracle on that intersection, plus the oracle on its whole holdout for reference. The oracle's
RMSLE uses its RMSLE-optimal prediction (expm1 of `<oracle>_log1p`), its R² the posterior mean
(`<oracle>_mean`), as ORACLE.json does.
"""
import argparse
import csv
import math
import sys

from runs import artifact


def rmsle(y, p):
    return math.sqrt(sum((math.log1p(b) - math.log1p(a)) ** 2 for a, b in zip(y, p)) / len(y))


def r2(y, p):
    m = sum(y) / len(y)
    ss = sum((a - m) ** 2 for a in y)
    return 1 - sum((a - b) ** 2 for a, b in zip(y, p)) / ss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", default="experiments/experiments.db")
    ap.add_argument("--run", type=int, help="run id (default: the latest complete run)")
    ap.add_argument("--truth", default="data/TRUTH.csv")
    ap.add_argument("--oracle", default="table", help="table, table_text, table_image, table_text_image, all_hidden")
    ap.add_argument("--split", help="folder written by split.py: the run's test file is its test.csv")
    ap.add_argument("--preds", help="a predictions CSV (row,target,prediction) instead of a run's "
                    "test_predictions artifact, e.g. bench/search/python_stack.py --preds")
    a = ap.parse_args()
    if a.preds:
        run, path = a.preds, a.preds
    else:
        run, path = artifact("compare.py", a.store, a.run, "test_predictions")
    ours = {int(r["row"]): (float(r["target"]), float(r["prediction"])) for r in csv.DictReader(open(path))}
    if a.split:
        # The test file's row numbers back to the original file's (TRUTH.csv) rows.
        back = {int(r["test_row"]): int(r["row"]) for r in csv.DictReader(open(a.split + "/rows.csv"))}
        ours = {back[k]: v for k, v in ours.items()}
    truth = list(csv.DictReader(open(a.truth)))
    hold = [t for t in truth if t["holdout"] == "1"]
    both = [t for t in hold if int(t["row"]) in ours]
    if not both:
        sys.exit("compare.py: no row is in both the run's test part and the oracle's holdout")
    for t in both:
        if abs(ours[int(t["row"])][0] - float(t["target"])) > 0.5:
            sys.exit(f"compare.py: row {t['row']}: target differs between the run and {a.truth} (other data?)")
    name = a.oracle

    def oracle(ts):
        y = [float(t["target"]) for t in ts]
        return (rmsle(y, [math.expm1(float(t[name + "_log1p"])) for t in ts]),
                r2(y, [float(t[name + "_mean"]) for t in ts]), len(ts))

    y = [float(t["target"]) for t in both]
    p = [ours[int(t["row"])][1] for t in both]
    o_rmsle, o_r2, _ = oracle(both)
    h_rmsle, h_r2, h_n = oracle(hold)
    y_all = [v[0] for v in ours.values()]
    p_all = [v[1] for v in ours.values()]
    print(f"run {run} ({a.preds or a.store}) against the `{name}` oracle of {a.truth}\n")
    print("| rows | n | run RMSLE | oracle RMSLE | run / oracle | run R² | oracle R² |")
    print("|---|---|---|---|---|---|---|")
    print(f"| run's test part ∩ oracle holdout | {len(both)} | {rmsle(y, p):.4f} | {o_rmsle:.4f} | "
          f"{rmsle(y, p) / o_rmsle:.3f} | {r2(y, p):.4f} | {o_r2:.4f} |")
    print(f"| run's whole test part | {len(ours)} | {rmsle(y_all, p_all):.4f} | – | – | {r2(y_all, p_all):.4f} | – |")
    print(f"| oracle's whole holdout | {h_n} | – | {h_rmsle:.4f} | – | – | {h_r2:.4f} |")


if __name__ == "__main__":
    main()
