#!/usr/bin/python3
"""bench/datasets/vega_vs_python.py — vega_vs_python.sh's table: per table and split seed, the
test score of the runner (read back from its store: xp_metrics, run 1, split 'test', the
config's objective) and of movies_py.py (py.json), their ratio (runner / Python: below 1 the
runner is ahead) and each side's wall time; then the count of tables where each side is ahead
and the geometric mean of the ratios.

    /usr/bin/python3 bench/datasets/vega_vs_python.py WORK_DIR

A table/seed folder without a `done` file (a side failed, or it is still running) is named and
left out.
"""
import json
import math
import os
import sqlite3
import sys

import yaml


def main():
    work = sys.argv[1]
    rows = []
    for table in sorted(os.listdir(work)):
        tdir = os.path.join(work, table)
        if not os.path.isdir(tdir) or table in ("package",):
            continue
        for sd in sorted(os.listdir(tdir)):
            d = os.path.join(tdir, sd)
            if not os.path.isfile(os.path.join(d, "done")):
                print(f"{table} {sd}: left out (not done)")
                continue
            obj = yaml.safe_load(open(os.path.join(d, "resolved.yaml"))).get("objective", "rmse")
            r = sqlite3.connect(os.path.join(d, "runner.db")).execute(
                "SELECT value FROM xp_metrics WHERE run_id = 1 AND split = 'test' AND metric = ? AND source IS NULL",
                (obj,)).fetchone()
            py = json.load(open(os.path.join(d, "py.json")))
            rows.append({"table": table, "seed": sd[1:], "objective": obj, "runner": r[0], "py": py["test"][obj],
                         "t_runner": float(open(os.path.join(d, "runner.time")).read()),
                         "t_py": float(open(os.path.join(d, "py.time")).read())})
    print("| table | seed | objective | runner test | Python test | runner / Python | runner s | Python s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['table']} | {r['seed']} | {r['objective']} | {r['runner']:.5g} | {r['py']:.5g} | "
              f"{r['runner'] / r['py']:.4f} | {r['t_runner']:.0f} | {r['t_py']:.0f} |")
    ok = [r for r in rows if r["py"] > 0 and r["runner"] > 0]
    if not ok:
        return
    ahead = sum(r["runner"] < r["py"] for r in ok)
    behind = sum(r["runner"] > r["py"] for r in ok)
    gm = math.exp(sum(math.log(r["runner"] / r["py"]) for r in ok) / len(ok))
    print(f"\n{len(ok)} table-seeds: runner ahead on {ahead}, behind on {behind}, level on {len(ok) - ahead - behind}; "
          f"geometric mean of runner / Python {gm:.4f}; wall time {sum(r['t_runner'] for r in rows):.0f} s against "
          f"{sum(r['t_py'] for r in rows):.0f} s")


if __name__ == "__main__":
    main()
