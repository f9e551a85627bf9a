#!/usr/bin/python3
"""bench/oracle/hidden.py — which of the demo data's hidden properties a run's predictions miss.

    /usr/bin/python3 bench/oracle/hidden.py --store experiments/experiments.db [--run ID] \
        [--truth data/TRUTH.csv] [--oracle data/ORACLE.json]

gen_demo's target is additive in log space (ORACLE.json model.formula): each hidden property
(size, finish, grade) adds its alpha, and the description shows its word for some items only
(TRUTH.csv has_size_word, ...). A run's out-of-fold residual r = log1p(prediction) -
log1p(target) should not depend on a property the model can see. For each property and each
side of "its word is shown", this prints the slope of r on the property's true alpha (0: the
effect is captured; -1: it is missed entirely, the prediction does not move with it) and the
mean residual per level. Where the word is hidden the property can still be read from the
table's proxies and the picture (ORACLE.json model.visible_in), so a slope near 0 there is
what a model that reads the picture well reaches; grade is never drawn and never in the table,
so its hidden-word slope stays near -1 for any model.

Uses the run's `oof_predictions` artifact (every training row, out of fold), not the test
part: ~34,000 rows of ~4,800 items instead of ~6,000 rows of ~900 items.
"""
import argparse
import csv
import json
import math
import sys

from runs import artifact


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", default="experiments/experiments.db")
    ap.add_argument("--run", type=int, help="run id (default: the latest complete run)")
    ap.add_argument("--truth", default="data/TRUTH.csv")
    ap.add_argument("--oracle", default="data/ORACLE.json")
    a = ap.parse_args()
    run, path = artifact("hidden.py", a.store, a.run, "oof_predictions")
    alpha = json.load(open(a.oracle))["model"]["alpha"]
    truth = {int(t["row"]): t for t in csv.DictReader(open(a.truth))}
    rows = []
    for p in csv.DictReader(open(path)):
        t = truth.get(int(p["row"]))
        if t is None:
            sys.exit(f"hidden.py: row {p['row']} of the run is not in {a.truth} (another dataset?)")
        rows.append((t, math.log1p(float(p["prediction"])) - math.log1p(float(p["target"]))))
    rms = math.sqrt(sum(r * r for _, r in rows) / len(rows))
    print(f"run {run}: {len(rows)} out-of-fold rows, RMSLE {rms:.4f}\n")
    print("| property | its word | rows | RMSLE | slope on its alpha | mean residual per level |")
    print("|---|---|---|---|---|---|")
    for prop in ("size", "finish", "grade"):
        levels = alpha[prop]
        for shown in ("0", "1"):
            part = [(t, r) for t, r in rows if t[f"has_{prop}_word"] == shown]
            if len(part) < 2:
                continue
            b = slope([levels[t[prop]] for t, _ in part], [r for _, r in part])
            e = math.sqrt(sum(r * r for _, r in part) / len(part))
            means = []
            for lv in levels:
                rs = [r for t, r in part if t[prop] == lv]
                means.append(f"{lv} {sum(rs) / len(rs):+.3f}" if rs else f"{lv} –")
            print(f"| {prop} | {'shown' if shown == '1' else 'hidden'} | {len(part)} | {e:.4f} | "
                  f"{b:+.3f} | {', '.join(means)} |")


if __name__ == "__main__":
    main()
