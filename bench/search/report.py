#!/usr/bin/python3
"""bench/search/report.py — the comparison tables of bench/search/run.sh, from the files run.sh
leaves in its work folder: per part (A/, B/) the xp run's store, the Python side's JSON and
per-trial trace, the bare loop's JSON; and phases.txt (phase times, load averages).

    /usr/bin/python3 bench/search/report.py WORK_DIR RESULTS.md

Prints the tables (Markdown) and writes them, with date, machine and command, to RESULTS.md.
Times are seconds from each process's launch. "Time to reach X" is the first moment after which
that side's best CV RMSLE so far is <= X: a trial's completion, or for the runner also the end
of its polish step (the polished CV counts from then on).
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


def stamp(text, t0):
    # The store writes local wall-clock time, as Optuna does.
    return datetime.datetime.fromisoformat(text).timestamp() - t0


def xp_side(db_path, ph, tag, name):
    con = sqlite3.connect(db_path)
    run_id, cpu = con.execute("SELECT id, cpu_seconds FROM xp_runs ORDER BY id DESC LIMIT 1").fetchone()
    t0 = float(ph[tag + "_start"])
    trace, best = [], math.inf
    rows = con.execute(
        "SELECT t.number, t.state, t.datetime_complete, v.value FROM trials t "
        "JOIN xp_trial_runs r ON r.trial_id = t.trial_id "
        "LEFT JOIN trial_values v ON v.trial_id = t.trial_id "
        "WHERE r.run_id = ? ORDER BY t.datetime_complete", (run_id,)).fetchall()
    for number, state, done, value in rows:
        if state == "COMPLETE" and value is not None:
            best = min(best, value)
        trace.append((number, state, value, stamp(done, t0), best))
    search_best = best
    states = [r[1] for r in trace]
    search_end = trace[-1][3] if trace else math.nan
    # Polish: the best point re-evaluated once more; its CV counts from the record's time on.
    polish = None
    row = con.execute("SELECT json, created_at FROM xp_records WHERE run_id = ? AND kind = 'polish' "
                      "ORDER BY id DESC LIMIT 1", (run_id,)).fetchone()
    if row:
        pj = json.loads(row[0])
        polish = {"polished": pj["polished"], "search_best": pj["search_best"], "used": bool(pj["used"]),
                  "t": stamp(row[1], t0)}
        best = min(best, pj["polished"]) if pj["used"] else best
        trace.append(("polish", "POLISH", pj["polished"], polish["t"], best))
    test = dict(con.execute("SELECT metric, value FROM xp_metrics WHERE run_id = ? AND split = 'test' "
                            "AND trial_id IS NULL AND source IS NULL", (run_id,)).fetchall())
    fits = con.execute("SELECT COUNT(*) FROM xp_metrics m JOIN xp_trial_runs r ON r.trial_id = m.trial_id "
                       "WHERE r.run_id = ? AND m.split = 'valid' AND m.metric = 'rmsle' AND m.fold >= 0 "
                       "AND m.source IS NULL", (run_id,)).fetchone()[0]
    first = con.execute("SELECT MIN(t.datetime_start) FROM trials t JOIN xp_trial_runs r "
                        "ON r.trial_id = t.trial_id WHERE r.run_id = ?", (run_id,)).fetchone()[0]
    con.close()
    return {
        "name": name, "tag": tag, "trace": trace, "search_best": search_best, "best_cv": best,
        "polish": polish, "test": test, "wall": float(ph[tag + "_end"]) - t0, "search_end": search_end,
        "complete": states.count("COMPLETE"), "pruned": states.count("PRUNED"),
        "failed": states.count("FAIL"), "cpu": cpu, "run_id": run_id, "fits": fits,
        "first_trial_start": stamp(first, t0) if first else math.nan,
    }


def py_side(part_dir, ph, tag, name):
    with open(os.path.join(part_dir, f"py{tag}.json")) as f:
        res = json.load(f)
    trace = []
    with open(os.path.join(part_dir, f"py{tag}_trace.csv")) as f:
        next(f)
        for line in f:
            n, state, value, t, best = line.strip().split(",")
            trace.append((int(n), state, float(value), float(t), float(best)))
    return {
        "name": name, "tag": "py" + tag, "trace": trace, "search_best": res["best_cv"],
        "best_cv": res["best_cv"], "polish": None, "test": res["test"],
        "wall": float(ph[f"py{tag}_end"]) - float(ph[f"py{tag}_start"]),
        "search_end": res["t_search_end"], "complete": res["complete"], "pruned": res["pruned"],
        "failed": res["failed"], "first_trial_start": res["t_folds"], "check": res["pipeline_check"],
        "versions": res["versions"], "ignored": res.get("ignored") or [], "fits": res["fits"],
        "rounds": res["rounds"], "replay": res.get("replay"),
    }


def time_to(side, target):
    for _, _, _, t, best in side["trace"]:
        if best <= target:
            return t
    return math.nan


def fmt_t(t):
    return "not reached" if math.isnan(t) else f"{t:.1f} s"


def table(L, sides, rows):
    L.append("| | " + " | ".join(s["name"] for s in sides) + " |")
    L.append("|---" * (len(sides) + 1) + "|")
    for label, f in rows:
        L.append(f"| {label} | " + " | ".join(f(s) for s in sides) + " |")


def final_cv_text(s):
    p = s["polish"]
    if p is None:
        return f"{s['best_cv']:.6f}"
    if p["used"]:
        return f"{s['best_cv']:.6f} (polished)"
    return f"{s['best_cv']:.6f} (search best; polished {p['polished']:.6f} not better)"


def part_a(L, ph, work):
    xp = xp_side(os.path.join(work, "A", "xp.db"), ph, "xpa", "xp runner (as shipped)")
    sides = [xp]
    if "pyp_start" in ph:
        sides.append(py_side(os.path.join(work, "A"), ph, "p", "Python stack"))
    if "py_start" in ph:
        sides.append(py_side(os.path.join(work, "A"), ph, "", "Python stack, default env (no OMP_WAIT_POLICY)"))
    L.append("## A. Tool vs the Python stack")
    L.append("")
    L.append(f"The runner with `{ph.get('config', '?')}` as shipped (its pipeline with `cluster_gmm`, "
             "`polish`, source weights), against the plain pandas + xgboost + optuna search a user "
             "would write (`python_stack.py`: the same folds, space, trial budget, TPE and median "
             "pruner; no cluster_gmm, polish or weights).")
    L.append("")
    rows = [
        ("load average at start / end", lambda s: ph.get(s["tag"] + "_load", "?")),
        ("wall time, whole process", lambda s: f"{s['wall']:.1f} s"),
        ("search done (last trial finished)", lambda s: f"{s['search_end']:.1f} s"),
        ("polish done", lambda s: f"{s['polish']['t']:.1f} s" if s["polish"] else "—"),
        ("first trial started (load, folds, weights pre-pass)", lambda s: f"{s['first_trial_start']:.1f} s"),
        ("trials complete / pruned / failed", lambda s: f"{s['complete']} / {s['pruned']} / {s['failed']}"),
        ("best CV RMSLE of the search", lambda s: f"{s['search_best']:.6f}"),
        ("final CV RMSLE", final_cv_text),
        ("test RMSLE", lambda s: f"{s['test'].get('rmsle', math.nan):.6f}"),
        ("test R²", lambda s: f"{s['test'].get('r2', math.nan):.6f}"),
        ("time to reach own final CV", lambda s: fmt_t(time_to(s, s["best_cv"]))),
    ]
    for other in sides:
        rows.append((f"time to reach {other['name']}'s final CV ({other['best_cv']:.6f})",
                     lambda s, o=other: "—" if s is o else fmt_t(time_to(s, o["best_cv"]))))
    table(L, sides, rows)
    L.append("")
    for py in sides[1:]:
        t_xp = time_to(xp, py["best_cv"])
        t_py = time_to(py, py["best_cv"])
        half = not math.isnan(t_xp) and t_xp <= 0.5 * t_py
        better = xp["test"].get("rmsle", math.inf) <= py["test"].get("rmsle", -math.inf)
        reached = (f"the runner reached the Python side's final CV {py['best_cv']:.6f} after {t_xp:.1f} s, "
                   f"{t_xp / t_py:.2f}x the {t_py:.1f} s the Python side needed"
                   if not math.isnan(t_xp) else
                   f"the runner never reached the Python side's final CV {py['best_cv']:.6f} (its own final "
                   f"CV: {xp['best_cv']:.6f}); the Python side reached it after {t_py:.1f} s")
        L.append(f"- vs {py['name']}: \"ours reaches the Python stack's final CV in at most half its "
                 f"time\": **{'met' if half else 'not met'}** ({reached}).")
        L.append(f"- vs {py['name']}: \"ours ends with an equal or better test score\": "
                 f"**{'met' if better else 'not met'}** (test RMSLE, the objective: "
                 f"{xp['test'].get('rmsle', math.nan):.6f} vs {py['test'].get('rmsle', math.nan):.6f}; "
                 f"for information, test R² {xp['test'].get('r2', math.nan):.6f} "
                 f"vs {py['test'].get('r2', math.nan):.6f}).")
        if py["ignored"]:
            L.append(f"  Not in the Python stack (xp's own methodology, skipped there): {', '.join(py['ignored'])}.")
        if py.get("check"):
            L.append(f"  Preprocessing check ({py['name']}): {py['check']['summary']}.")
    if xp["polish"]:
        p = xp["polish"]
        L.append(f"- Runner's polish: CV {p['polished']:.6f} against the search's best {p['search_best']:.6f}: "
                 f"{'used for the refit' if p['used'] else 'not better, the search best was refitted'}; "
                 f"finished {p['t'] - xp['search_end']:.1f} s after the last trial.")
    return xp


def part_b(L, ph, work, xp_a):
    xp = xp_side(os.path.join(work, "B", "xp.db"), ph, "xpb", "xp runner (same work)")
    L.append("")
    L.append("## B. Same work")
    L.append("")
    L.append(f"A second runner run without `cluster_gmm`, `polish` and source weights (overrides "
             f"`{ph.get('overrides_b', '?')}`), so every side builds identical features and trains "
             f"identical trials on identical folds.")
    same_folds = folds_same(work)
    if same_folds is not None:
        L.append(f"Folds of part B identical to part A's: **{'yes' if same_folds else 'no'}**.")
    L.append("")
    bare = None
    if os.path.exists(os.path.join(work, "B", "bare.json")):
        with open(os.path.join(work, "B", "bare.json")) as f:
            bare = json.load(f)
    if "pyr_start" in ph:
        pr = py_side(os.path.join(work, "B"), ph, "r", "Python stack replaying xp's trials")
        sides = [xp, pr]
        L.append("(i) The two stacks on the same work: the Python code evaluates exactly the runner's "
                 "trials (its parameters, its folds per trial, no search of its own).")
        L.append("")
        table(L, sides, [
            ("load average at start / end", lambda s: ph.get(s["tag"] + "_load", "?")),
            ("wall time, whole process", lambda s: f"{s['wall']:.1f} s"),
            ("search done (last trial finished)", lambda s: f"{s['search_end']:.1f} s"),
            ("first trial started (load + folds)", lambda s: f"{s['first_trial_start']:.1f} s"),
            ("trials complete / pruned / failed", lambda s: f"{s['complete']} / {s['pruned']} / {s['failed']}"),
            ("fold fits", lambda s: str(bare["fits"] if s is xp and bare else s["fits"])),
            ("best CV RMSLE", lambda s: f"{s['best_cv']:.6f}"),
            ("test RMSLE", lambda s: f"{s['test'].get('rmsle', math.nan):.6f}"),
            ("test R²", lambda s: f"{s['test'].get('r2', math.nan):.6f}"),
        ])
        L.append("")
        ratio = pr["search_end"] / xp["search_end"] if xp["search_end"] > 0 else math.nan
        L.append(f"- Python needs **{ratio:.2f}x** the runner's time to finish the same trials "
                 f"({pr['search_end']:.1f} s vs {xp['search_end']:.1f} s, launch to last trial; whole "
                 f"process {pr['wall']:.1f} s vs {xp['wall']:.1f} s).")
        if pr.get("replay"):
            r = pr["replay"]
            L.append(f"- same work: {r['folds_identical']} of {r['folds_compared']} fold RMSLEs of the "
                     f"replay are identical to the run's (max abs difference {r['max_abs_rmsle_diff']:.3g}; "
                     f"the runner trains 2 folds at once on 1 thread each, Python one fold on all threads).")
        if pr.get("check"):
            L.append(f"- Preprocessing check: {pr['check']['summary']}.")
        L.append("")
    if bare:
        bare_wall = float(ph["bare_end"]) - float(ph["bare_start"])
        over = (xp["search_end"] - bare_wall) / bare_wall
        L.append("(ii) Runner overhead over a bare C loop (same trials, same folds, same parameters, "
                 "OMP_WAIT_POLICY=PASSIVE for both):")
        L.append("")
        L.append("| | xp runner (launch → last trial) | bare C loop (whole process) |")
        L.append("|---|---|---|")
        L.append(f"| load average at start / end | {ph.get('xpb_load', '?')} | {ph.get('bare_load', '?')} |")
        L.append(f"| wall time | {xp['search_end']:.1f} s | {bare_wall:.1f} s |")
        L.append(f"| before the first fit (CSV, pipelines, matrices) | {xp['first_trial_start']:.1f} s | "
                 f"{bare['load_s'] + bare['build_s']:.1f} s |")
        L.append(f"| fits / boosting rounds | {bare['fits']} / {bare['rounds']} | {bare['fits']} / {bare['rounds']} |")
        L.append("")
        L.append(f"- overhead = ({xp['search_end']:.1f} − {bare_wall:.1f}) / {bare_wall:.1f} = "
                 f"**{100 * over:+.1f}%** (aim: under 5%: **{'met' if over < 0.05 else 'not met'}**)")
        L.append(f"- same work: {bare['folds_identical']} of {bare['folds_compared']} fold RMSLEs of the bare "
                 f"loop are identical to the run's (max abs difference {bare['max_abs_rmsle_diff']:.3g})")


def folds_same(work):
    paths = []
    for part in ("A", "B"):
        db = os.path.join(work, part, "xp.db")
        if not os.path.exists(db):
            return None
        con = sqlite3.connect(db)
        row = con.execute("SELECT path FROM xp_artifacts WHERE run_id = 1 AND kind = 'folds' "
                          "ORDER BY id DESC LIMIT 1").fetchone()
        con.close()
        if not row or not os.path.exists(row[0]):
            return None
        paths.append(row[0])
    with open(paths[0], "rb") as a, open(paths[1], "rb") as b:
        return a.read() == b.read()


def main():
    work, out = sys.argv[1], sys.argv[2]
    ph = read_phases(os.path.join(work, "phases.txt"))
    L = []
    L.append(f"Command: `{ph.get('command', '?')}`  ")
    L.append(f"Date: {ph.get('date', '?')}; machine: {ph.get('machine', '?')}  ")
    L.append(f"Data: `{ph.get('data', '?')}` ({ph.get('rows', '?')} rows); trials: {ph.get('trials', '?')}; "
             f"both runner runs with `seed={ph.get('seed', '?')} ++model.params.seed={ph.get('seed', '?')} "
             f"validation.random_split_check=false`; the Python stack runs with OMP_WAIT_POLICY=PASSIVE "
             f"as the runner does unless marked; git {ph.get('git', '?')}  ")
    L.append("")
    xp_a = part_a(L, ph, work)
    if "xpb_start" in ph:
        part_b(L, ph, work, xp_a)
    text = "\n".join(L) + "\n"
    print(text)
    with open(out, "w") as f:
        f.write("# bench/search: latest results\n\nWritten by `bench/search/run.sh`; see README.md for "
                "what each number means.\n\n" + text)


if __name__ == "__main__":
    main()
