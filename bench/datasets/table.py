#!/usr/bin/python3
"""bench/datasets/table.py — the table of bench/datasets/run.sh, from its work folder.

    /usr/bin/python3 bench/datasets/table.py WORK_DIR RESULTS.md

Per dataset and job: test RMSLE and R² (the test part, scored once), the CV RMSLE the final model
was chosen on (runner: polished if polish was used; Python: the search's best), the search's
best CV, wall and CPU seconds (user + sys of the process, /usr/bin/time), the 1-minute load
average at start / end, trials complete / pruned, and for gen_demo data the table-only oracle
on the rows the test part shares with the oracle's holdout (bench/oracle/compare.py): the run's
RMSLE there / the oracle's RMSLE there (1.00 = at the noise floor of the table's columns).
"""
import json
import math
import os
import sqlite3
import subprocess
import sys

ORDER = ["default", "s11", "s7_i900", "movies"]
DESCR = {
    "default": "gen_demo defaults (seed 42, 6,000 items, 40,292 rows)",
    "s11": "gen_demo --seed 11 (6,000 items, 40,292 rows)",
    "s7_i900": "gen_demo --seed 7 --items 900 (900 items, 40,292 rows: ~45 rows per item)",
    "movies": "Vega movies.json (vega-datasets@2.11.0), 3,194 films, target Worldwide Gross",
}
JOBS = {
    "xp": "runner, as shipped",
    "xplog": "runner, tabular.yaml + target_log (before 3a03de9)",
    "codes": "runner, tabular_codes.yaml (categoricals as codes; tabular.yaml since 2026-12-03)",
    "native": "runner, tabular_native.yaml (native categoricals; tabular.yaml until 2026-12-03)",
    "py": "Python stack",
    "nogmm": "runner without cluster_gmm",
    "noweights": "runner without source weights",
    "weights": "runner with source weights",
    "nopolish": "runner without polish",
    "t180": "runner as shipped, 50 trials, search.timeout=180",
    "full50": "runner as shipped, 50 trials",
}
JOB_ORDER = ["xp", "xplog", "codes", "native", "py", "nogmm", "noweights", "weights", "nopolish", "t180", "full50"]


def read_jobs(work):
    jobs, head = {}, []
    with open(os.path.join(work, "jobs.txt")) as f:
        for line in f:
            if line.startswith("#"):
                head.append(line[1:].strip())
                continue
            parts = line.split()
            kv = dict(p.split("=", 1) for p in parts[2:])
            jobs[(parts[0], parts[1])] = kv   # the latest line per job wins
    return jobs, head


def xp_job(db):
    con = sqlite3.connect(db)
    run_id, status, cpu = con.execute("SELECT id, status, cpu_seconds FROM xp_runs ORDER BY id DESC LIMIT 1").fetchone()
    rows = con.execute("SELECT t.state, v.value FROM trials t JOIN xp_trial_runs r ON r.trial_id = t.trial_id "
                       "LEFT JOIN trial_values v ON v.trial_id = t.trial_id WHERE r.run_id = ?", (run_id,)).fetchall()
    states = [r[0] for r in rows]
    best = min((v for s, v in rows if s == "COMPLETE" and v is not None), default=math.nan)
    pol = con.execute("SELECT json FROM xp_records WHERE run_id = ? AND kind = 'polish' ORDER BY id DESC LIMIT 1",
                      (run_id,)).fetchone()
    pol = json.loads(pol[0]) if pol else None
    final = pol["polished"] if pol and pol["used"] else best
    test = dict(con.execute("SELECT metric, value FROM xp_metrics WHERE run_id = ? AND split = 'test' "
                            "AND trial_id IS NULL AND source IS NULL", (run_id,)).fetchall())
    return {"status": status, "cpu_run": cpu, "trials": len(rows), "complete": states.count("COMPLETE"),
            "pruned": states.count("PRUNED"), "search_best": best, "final_cv": final, "polish": pol,
            "test": test}


def py_job(path):
    r = json.load(open(path))
    return {"status": "COMPLETE", "trials": r["trials"], "complete": r["complete"], "pruned": r["pruned"],
            "search_best": r["best_cv"], "final_cv": r["best_cv"], "polish": None, "test": r["test"]}


def oracle(path):
    # bench/oracle/compare.py's first table row: run's test part ∩ oracle holdout.
    if not os.path.exists(path):
        return None
    for line in open(path):
        if line.startswith("| run's test part ∩"):
            c = [x.strip() for x in line.strip().strip("|").split("|")]
            return {"n": int(c[1]), "run": float(c[2]), "oracle": float(c[3]), "ratio": float(c[4])}
    return None


def f(x, nd=4):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def main():
    work, out = sys.argv[1], sys.argv[2]
    jobs, head = read_jobs(work)
    res = {}
    for (ds, jb), kv in jobs.items():
        d = os.path.join(work, ds, jb)
        try:
            if jb == "py":
                r = py_job(os.path.join(d, "py.json"))
            else:
                r = xp_job(os.path.join(d, "xp.db"))
        except Exception as e:  # noqa: BLE001 — a failed or unfinished job is reported as such
            r = {"status": f"no result ({type(e).__name__})", "test": {}}
        t = kv.get("time", "").split(",")
        if kv.get("rc") != "0" or len(t) != 3:
            r["status"] = f"failed (rc {kv.get('rc')})"
        else:
            r["wall"], r["cpu"] = float(t[0]), float(t[1]) + float(t[2])
        r["load"] = f"{kv.get('load0')} / {kv.get('load1')}"
        r["oracle"] = oracle(os.path.join(d, "oracle.md"))
        res[(ds, jb)] = r

    L = ["# bench/datasets: latest results", "",
         "Written by `bench/datasets/table.py` from `bench/datasets/run.sh`'s work folder; README.md says "
         "what each number means.", ""]
    for h in head:
        L.append(f"    {h}")
    L += ["", "Times are of a 2-core machine shared with other work: wall times are inflated by the load "
          "(1-minute load average at start / end of each job); CPU = user + sys seconds of the process.", ""]
    L += ["| dataset | side | test RMSLE | test R² | CV RMSLE (final) | search best CV | "
          "test / table oracle (rows) | wall s | CPU s | load start / end | trials compl. / pruned |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for ds in ORDER:
        for jb in JOB_ORDER:
            r = res.get((ds, jb))
            if r is None:
                continue
            if "wall" not in r or not r.get("test"):
                L.append(f"| {ds} | {JOBS[jb]} | {r['status']} | | | | | | | {r['load']} | |")
                continue
            o = r["oracle"]
            ot = f"{o['run']:.4f} / {o['oracle']:.4f} = {o['ratio']:.3f} ({o['n']})" if o else "–"
            cv = f(r["final_cv"]) + (" (polished)" if r["polish"] and r["polish"]["used"] else "")
            L.append(f"| {ds} | {JOBS[jb]} | {f(r['test'].get('rmsle'))} | {f(r['test'].get('r2'))} | {cv} | "
                     f"{f(r['search_best'])} | {ot} | {r['wall']:.0f} | {r['cpu']:.0f} | {r['load']} | "
                     f"{r['complete']} / {r['pruned']} |")
    L += ["", "## Effects (test RMSLE; negative = the stage / the runner is better)", "",
          "| dataset | runner − Python | cluster_gmm (shipped − without) | source weights (with − without) | "
          "polish: CV polished − search best (used?) | full 50 trials − 180 s budget |",
          "|---|---|---|---|---|---|"]

    def te(ds, jb):
        r = res.get((ds, jb))
        return r["test"].get("rmsle") if r and "wall" in r and r.get("test") else None

    def diff(a, b):
        return f"{a - b:+.4f}" if a is not None and b is not None else "–"

    for ds in ORDER:
        if not any(k[0] == ds for k in res):
            continue
        x = te(ds, "xp")
        p = res.get((ds, "xp"), {}).get("polish")
        pt = f"{p['polished'] - p['search_best']:+.4f} ({'used' if p['used'] else 'not used'})" if p else "–"
        xl = te(ds, "xplog")
        xc = te(ds, "codes")
        rp = diff(x, te(ds, "py")) + (f"; with target_log {diff(xl, te(ds, 'py'))}" if xl is not None else "") \
            + (f"; codes {diff(xc, te(ds, 'py'))}" if xc is not None else "") \
            + (f"; native {diff(te(ds, 'native'), te(ds, 'py'))}" if te(ds, "native") is not None else "")
        # Source weights: a `weights` job (since fb69d14 `xp` ships without them) against `xp`,
        # else an older `xp` (made with them) against `noweights`.
        sw = diff(te(ds, "weights"), x) if te(ds, "weights") is not None else diff(x, te(ds, "noweights"))
        L.append(f"| {ds} | {rp} | {diff(x, te(ds, 'nogmm'))} | {sw} | {pt} | "
                 f"{diff(te(ds, 'full50'), te(ds, 't180'))} |")
    L += ["", "Datasets:", ""] + [f"- `{k}`: {v}" for k, v in DESCR.items()]
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        L += ["", f"Table written at git {rev}."]
    except OSError:
        pass
    text = "\n".join(L) + "\n"
    print(text)
    with open(out, "w") as fo:
        fo.write(text)


if __name__ == "__main__":
    main()
