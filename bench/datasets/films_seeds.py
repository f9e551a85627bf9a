#!/usr/bin/python3
"""bench/datasets/films_seeds.py — films_seeds.sh's table: per split seed the test RMSLE of ship,
py, drawn and seeds3 (films_seeds.sh says what each is), then paired means with standard errors.

    /usr/bin/python3 bench/datasets/films_seeds.py WORK_DIR [OTHER_WORK_DIR]

Each runner test RMSLE is read back from its store (xp_metrics, split 'test', run 1 for ship
and drawn, the refitting run 2 for seeds3), the Python one from py.json. A job a seed lacks
(films_seeds.sh with SKIP_PY=1 or DRAWN=0, or a run with no test score) is shown as '-' and
left out of the pairs that need it. OTHER_WORK_DIR, a second films_seeds.sh folder (e.g. run
with RUNNER_EXTRA=++model.linear_start=0), adds its ship as `other`, paired with this ship.
"""
import json
import math
import os
import sqlite3
import sys


def runner_test(db, run):
    if not os.path.exists(db):
        return None
    try:
        row = sqlite3.connect(db).execute(
            "SELECT value FROM xp_metrics WHERE run_id = ? AND split = 'test' AND metric = 'rmsle' "
            "AND source IS NULL", (run,)).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else row[0]


def py_test(path):
    try:
        return json.load(open(path))["test"]["rmsle"]
    except (OSError, KeyError, ValueError):
        return None


def main():
    work = sys.argv[1]
    other = sys.argv[2] if len(sys.argv) > 2 else None
    seeds = sorted(int(n[1:]) for n in os.listdir(work) if n[:1] == "s" and n[1:].isdigit())
    jobs = ["ship", "py", "drawn", "seeds3"] + (["other"] if other else [])
    rows = []
    for s in seeds:
        d = os.path.join(work, f"s{s}")
        r = {"seed": s, "ship": runner_test(os.path.join(d, "ship.db"), 1),
             "py": py_test(os.path.join(d, "py.json")),
             "drawn": runner_test(os.path.join(d, "drawn.db"), 1),
             "seeds3": runner_test(os.path.join(d, "seeds3.db"), 2)}
        if other:
            r["other"] = runner_test(os.path.join(other, f"s{s}", "ship.db"), 1)
        rows.append(r)
    print("| split seed | " + " | ".join(jobs) + " |\n|---|" + "---|" * len(jobs))
    for r in rows:
        print(f"| {r['seed']} | " + " | ".join("-" if r[k] is None else f"{r[k]:.4f}" for k in jobs) + " |")
    for k in jobs:
        v = [r[k] for r in rows if r[k] is not None]
        if v:
            print(f"mean {k} over {len(v)} seeds: {sum(v) / len(v):.4f}")
    for a, b in (("ship", "py"), ("drawn", "ship"), ("seeds3", "drawn"), ("ship", "other")):
        d = [r[a] - r[b] for r in rows if r.get(a) is not None and r.get(b) is not None]
        n = len(d)
        if n < 2:
            continue
        m = sum(d) / n
        se = math.sqrt(sum((x - m) ** 2 for x in d) / (n - 1) / n)
        print(f"{a} - {b}: mean {m:+.4f} (standard error {se:.4f}) over {n} seeds, {a} lower on "
              f"{sum(x < 0 for x in d)}, largest |difference| {max(abs(x) for x in d):.4f}")


if __name__ == "__main__":
    main()
