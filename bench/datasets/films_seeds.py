#!/usr/bin/python3
"""bench/datasets/films_seeds.py — films_seeds.sh's table: per split seed the test RMSLE of ship,
py, drawn and seeds3 (films_seeds.sh says what each is), then paired means with standard errors.

    /usr/bin/python3 bench/datasets/films_seeds.py WORK_DIR

Each runner test RMSLE is read back from its store (xp_metrics, split 'test', run 1 for ship
and drawn, the refitting run 2 for seeds3), the Python one from py.json; a seed missing any of
the four is left out and named.
"""
import json
import math
import os
import sqlite3
import sys


def runner_test(db, run):
    row = sqlite3.connect(db).execute(
        "SELECT value FROM xp_metrics WHERE run_id = ? AND split = 'test' AND metric = 'rmsle' AND source IS NULL",
        (run,)).fetchone()
    return None if row is None else row[0]


def main():
    work = sys.argv[1]
    seeds = sorted(int(n[1:]) for n in os.listdir(work) if n[:1] == "s" and n[1:].isdigit())
    rows = []
    for s in seeds:
        d = os.path.join(work, f"s{s}")
        try:
            r = {"seed": s, "ship": runner_test(os.path.join(d, "ship.db"), 1),
                 "py": json.load(open(os.path.join(d, "py.json")))["test"]["rmsle"],
                 "drawn": runner_test(os.path.join(d, "drawn.db"), 1),
                 "seeds3": runner_test(os.path.join(d, "seeds3.db"), 2)}
        except (OSError, sqlite3.Error, KeyError, ValueError) as e:
            print(f"seed {s}: left out ({e})")
            continue
        if None in r.values():
            print(f"seed {s}: left out (a run has no test score)")
            continue
        rows.append(r)
    print("| split seed | ship | py | drawn | seeds3 |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['seed']} | {r['ship']:.4f} | {r['py']:.4f} | {r['drawn']:.4f} | {r['seeds3']:.4f} |")
    n = len(rows)
    if n < 2:
        return
    print(f"\nmean over {n} seeds: " + ", ".join(f"{k} {sum(r[k] for r in rows) / n:.4f}"
                                                 for k in ("ship", "py", "drawn", "seeds3")))
    for a, b in (("ship", "py"), ("drawn", "ship"), ("seeds3", "drawn")):
        d = [r[a] - r[b] for r in rows]
        m = sum(d) / n
        se = math.sqrt(sum((x - m) ** 2 for x in d) / (n - 1) / n)
        print(f"{a} - {b}: mean {m:+.4f} (standard error {se:.4f}), {a} lower on {sum(x < 0 for x in d)} of {n}, "
              f"largest |difference| {max(abs(x) for x in d):.4f}")


if __name__ == "__main__":
    main()
