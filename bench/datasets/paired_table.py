#!/usr/bin/python3
"""bench/datasets/paired_table.py STORES.txt — paired.sh's table: lines "SEED SIDE CONFIG STORE".

Reads each store's trials (value per trial number, the study's only one) and checks that A and
B of a seed drew the same points (every parameter equal), so a difference is the configs' and
not the sampler's. Prints per seed: A's and B's mean CV over the points, the mean of B - A, on
how many points B is lower (better, for a minimised objective), both best CVs and test scores.
"""
import re
import sqlite3
import sys


def trials(path):
    db = sqlite3.connect(path)
    vals = dict(db.execute("select t.number, v.value from trials t join trial_values v using(trial_id) "
                           "where t.state = 'COMPLETE'"))
    params = {}
    for number, name, value in db.execute("select t.number, p.param_name, p.param_value from trial_params p "
                                          "join trials t using(trial_id)"):
        params.setdefault(number, {})[name] = value
    run, cfg = db.execute("select id, config_yaml from xp_runs order by id desc limit 1").fetchone()
    objective = re.search(r"^objective: *(\S+)", cfg, re.M).group(1)   # the resolved config's
    test = db.execute("select value from xp_metrics where run_id = ? and split = 'test' and fold is null and "
                      "metric = ?", (run, objective)).fetchone()
    return vals, params, test[0] if test else float("nan")


def main():
    rows = [line.split(" ", 3) for line in open(sys.argv[1]).read().splitlines() if line]
    by_seed = {}
    for seed, side, cfg, store in rows:
        by_seed.setdefault(seed, {})[side] = (cfg, store)
    all_d, wins, n_all = [], 0, 0
    print("| seed | points | mean CV A | mean CV B | mean B - A | B better | best A / B | test A / B |")
    print("|---|---|---|---|---|---|---|---|")
    for seed, sides in by_seed.items():
        (ca, sa), (cb, sb) = sides["A"], sides["B"]
        va, pa, ta = trials(sa)
        vb, pb, tb = trials(sb)
        common = sorted(set(va) & set(vb))
        for k in common:
            if pa.get(k) != pb.get(k):
                sys.exit(f"seed {seed}: trial {k} drew different points in A and B; the spaces differ")
        d = [vb[k] - va[k] for k in common]
        w = sum(x < 0 for x in d)
        all_d += d
        wins += w
        n_all += len(d)
        ma = sum(va[k] for k in common) / len(common)
        mb = sum(vb[k] for k in common) / len(common)
        print(f"| {seed} | {len(common)} | {ma:.4f} | {mb:.4f} | {mb - ma:+.4f} | {w}/{len(d)} | "
              f"{min(va.values()):.4f} / {min(vb.values()):.4f} | {ta:.4f} / {tb:.4f} |")
    if n_all:
        print(f"| all | {n_all} | | | {sum(all_d) / n_all:+.4f} | {wins}/{n_all} | | |")
    print(f"\nA = {rows[0][2]}, B = {next(r[2] for r in rows if r[1] == 'B')}")


if __name__ == "__main__":
    main()
