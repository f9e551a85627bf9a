#!/usr/bin/python3
"""bench/search/report.py — the comparison table of bench/search/run.sh, from the files run.sh
leaves in its work folder: the xp run's store, the Python side's JSON and per-trial trace(s),
the bare loop's JSON and the phase times / load averages run.sh wrote to phases.txt.

    /usr/bin/python3 bench/search/report.py WORK_DIR RESULTS.md

Prints the table (Markdown) and writes it, with date, machine and command, to RESULTS.md.
Times are seconds from each process's launch. "Time to reach X" is the completion time of the
first trial after which that side's best CV RMSLE so far is <= X.
"""
import datetime
import json
import math
import os
import sqlite3
import sys


def read_phases(path):
    ph = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k:
                ph[k] = v
    return ph


def xp_side(work, ph):
    con = sqlite3.connect(os.path.join(work, "xp.db"))
    run_id, wall, cpu = con.execute(
        "SELECT id, wall_seconds, cpu_seconds FROM xp_runs ORDER BY id DESC LIMIT 1").fetchone()
    t0 = float(ph["xp_start"])
    trace, best = [], math.inf
    rows = con.execute(
        "SELECT t.number, t.state, t.datetime_complete, v.value FROM trials t "
        "JOIN xp_trial_runs r ON r.trial_id = t.trial_id "
        "LEFT JOIN trial_values v ON v.trial_id = t.trial_id "
        "WHERE r.run_id = ? ORDER BY t.datetime_complete", (run_id,)).fetchall()
    for number, state, done, value in rows:
        # The store writes local wall-clock time, as Optuna does.
        t = datetime.datetime.fromisoformat(done).timestamp() - t0
        if state == "COMPLETE" and value is not None:
            best = min(best, value)
        trace.append((number, state, value, t, best))
    test = dict(con.execute("SELECT metric, value FROM xp_metrics WHERE run_id = ? AND split = 'test' "
                            "AND trial_id IS NULL AND source IS NULL", (run_id,)).fetchall())
    con.close()
    states = [r[1] for r in trace]
    return {
        "name": "xp runner", "tag": "xp", "trace": trace, "best_cv": best, "test": test,
        "wall": float(ph["xp_end"]) - t0, "search_end": trace[-1][3] if trace else math.nan,
        "complete": states.count("COMPLETE"), "pruned": states.count("PRUNED"),
        "failed": states.count("FAIL"), "cpu": cpu, "run_id": run_id,
        "first_trial_start": first_start(work, run_id, t0),
    }


def first_start(work, run_id, t0):
    con = sqlite3.connect(os.path.join(work, "xp.db"))
    row = con.execute("SELECT MIN(t.datetime_start) FROM trials t JOIN xp_trial_runs r "
                      "ON r.trial_id = t.trial_id WHERE r.run_id = ?", (run_id,)).fetchone()
    con.close()
    return datetime.datetime.fromisoformat(row[0]).timestamp() - t0 if row and row[0] else math.nan


def py_side(work, ph, tag, name):
    with open(os.path.join(work, f"py{tag}.json")) as f:
        res = json.load(f)
    trace = []
    with open(os.path.join(work, f"py{tag}_trace.csv")) as f:
        next(f)
        for line in f:
            n, state, value, t, best = line.strip().split(",")
            trace.append((int(n), state, float(value), float(t), float(best)))
    return {
        "name": name, "tag": "py" + tag, "trace": trace, "best_cv": res["best_cv"], "test": res["test"],
        "wall": float(ph[f"py{tag}_end"]) - float(ph[f"py{tag}_start"]),
        "search_end": res["t_search_end"], "complete": res["complete"], "pruned": res["pruned"],
        "failed": res["failed"], "first_trial_start": res["t_folds"], "check": res["pipeline_check"],
        "versions": res["versions"],
    }


def time_to(side, target):
    for _, _, _, t, best in side["trace"]:
        if best <= target:
            return t
    return math.nan


def fmt_t(t):
    return "not reached" if math.isnan(t) else f"{t:.1f} s"


def main():
    work, out = sys.argv[1], sys.argv[2]
    ph = read_phases(os.path.join(work, "phases.txt"))
    xp = xp_side(work, ph)
    sides = [xp]
    if "pyp_start" in ph:
        sides.append(py_side(work, ph, "p", "Python stack"))
    if "py_start" in ph:
        sides.append(py_side(work, ph, "", "Python stack, default env (no OMP_WAIT_POLICY)"))
    L = []
    L.append(f"Command: `{ph.get('command', '?')}`  ")
    L.append(f"Date: {ph.get('date', '?')}; machine: {ph.get('machine', '?')}  ")
    L.append(f"Data: `{ph.get('data', '?')}` ({ph.get('rows', '?')} rows); trials: {ph.get('trials', '?')}; "
             f"xgboost seed fixed (`++model.params.seed={ph.get('seed', '?')}`), source weights and "
             f"the random-split leak check off; the Python stack runs with OMP_WAIT_POLICY=PASSIVE "
             f"as the runner does unless marked; git {ph.get('git', '?')}  ")
    L.append("")
    cols = [s["name"] for s in sides]
    L.append("| | " + " | ".join(cols) + " |")
    L.append("|---" * (len(cols) + 1) + "|")

    def row(label, f):
        L.append(f"| {label} | " + " | ".join(f(s) for s in sides) + " |")

    row("load average at start / end", lambda s: ph.get(s["tag"] + "_load", "?"))
    row("wall time, whole process", lambda s: f"{s['wall']:.1f} s")
    row("search done (last trial finished)", lambda s: f"{s['search_end']:.1f} s")
    row("first trial started (load + folds)", lambda s: f"{s['first_trial_start']:.1f} s")
    row("trials complete / pruned / failed", lambda s: f"{s['complete']} / {s['pruned']} / {s['failed']}")
    row("best CV RMSLE", lambda s: f"{s['best_cv']:.6f}")
    row("test RMSLE", lambda s: f"{s['test'].get('rmsle', math.nan):.6f}")
    row("test R²", lambda s: f"{s['test'].get('r2', math.nan):.6f}")
    row("time to reach own final CV", lambda s: fmt_t(time_to(s, s["best_cv"])))
    for other in sides:
        row(f"time to reach {other['name']}'s final CV ({other['best_cv']:.6f})",
            lambda s, o=other: "—" if s is o else fmt_t(time_to(s, o["best_cv"])))
    L.append("")
    for py in sides[1:]:
        t_xp = time_to(xp, py["best_cv"])
        t_py = time_to(py, py["best_cv"])
        half = not math.isnan(t_xp) and t_xp <= 0.5 * t_py
        better = xp["test"].get("rmsle", math.inf) <= py["test"].get("rmsle", -math.inf)
        reached = (f"xp reached this side's final CV ({py['best_cv']:.6f}) after {t_xp:.1f} s, "
                   f"{t_xp / t_py:.2f}x the {t_py:.1f} s this side needed"
                   if not math.isnan(t_xp) else
                   f"xp never reached this side's final CV ({py['best_cv']:.6f}; xp's best "
                   f"{xp['best_cv']:.6f}), which this side reached after {t_py:.1f} s")
        L.append(f"- vs {py['name']}: {reached}: aim of at most half **{'met' if half else 'not met'}**; "
                 f"test RMSLE {xp['test'].get('rmsle', math.nan):.6f} vs {py['test'].get('rmsle', math.nan):.6f}: "
                 f"equal or better **{'yes' if better else 'no'}**.")
        if py.get("check"):
            L.append(f"  Preprocessing check ({py['name']}): {py['check']['summary']}.")
    if os.path.exists(os.path.join(work, "bare.json")):
        with open(os.path.join(work, "bare.json")) as f:
            bare = json.load(f)
        bare_wall = float(ph["bare_end"]) - float(ph["bare_start"])
        over = (xp["search_end"] - bare_wall) / bare_wall
        L.append("")
        L.append("Runner overhead over a bare C loop (same trials, same folds, same parameters, "
                 "OMP_WAIT_POLICY=PASSIVE for both):")
        L.append("")
        L.append("| | xp runner (launch → last trial) | bare C loop (whole process) |")
        L.append("|---|---|---|")
        L.append(f"| load average at start / end | {ph.get('xp_load', '?')} | {ph.get('bare_load', '?')} |")
        L.append(f"| wall time | {xp['search_end']:.1f} s | {bare_wall:.1f} s |")
        L.append(f"| before the first fit (CSV, pipelines, matrices) | {xp['first_trial_start']:.1f} s | "
                 f"{bare['load_s'] + bare['build_s']:.1f} s |")
        L.append(f"| fits / boosting rounds | {bare['fits']} / {bare['rounds']} | {bare['fits']} / {bare['rounds']} |")
        L.append("")
        L.append(f"- overhead = ({xp['search_end']:.1f} − {bare_wall:.1f}) / {bare_wall:.1f} = "
                 f"**{100 * over:+.1f}%** (aim: under 5%: **{'met' if over < 0.05 else 'not met'}**)")
        L.append(f"- same work: {bare['folds_identical']} of {bare['folds_compared']} fold RMSLEs of the bare "
                 f"loop are identical to the run's (max abs difference {bare['max_abs_rmsle_diff']:.3g})")
    text = "\n".join(L) + "\n"
    print(text)
    with open(out, "w") as f:
        f.write("# bench/search: latest results\n\nWritten by `bench/search/run.sh`; see README.md for "
                "what each number means.\n\n" + text)


if __name__ == "__main__":
    main()
