#!/usr/bin/python3
"""bench/step2/report.py — the step-2 comparison table from one run.sh work folder, printed and
written (as the section LABEL) into results.md.

    /usr/bin/python3 bench/step2/report.py --work /tmp/xp_step2_bench/data --data-dir data \
        --results bench/step2/results.md --label data

Reads: WORK/phases.txt (run.sh), WORK/xp/time.txt and WORK/py/time.txt (/usr/bin/time -v),
the runner's store WORK/xp/exp.db (runs, trials, metrics, records, artifacts), its -v log
WORK/xp/runner.log (the mlp's "N epochs in X s" lines), WORK/py/result.json and
WORK/py/test_predictions.csv. Runs bench/oracle/compare.py on the runner's blend run against
DATA_DIR/TRUTH.csv, and computes the same intersection for the Python stack's predictions.
"""
import argparse
import csv
import datetime as dt
import json
import math
import os
import re
import sqlite3
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def kv(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


def gnu_time(path):
    """wall, user+sys, peak RSS (MB) from /usr/bin/time -v."""
    if not os.path.exists(path):
        return None
    t = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            v = line.rsplit(": ", 1)[1].split(":")
            s = 0.0
            for part in v:
                s = s * 60 + float(part)
            t["wall"] = s
        elif line.startswith("User time (seconds)"):
            t["user"] = float(line.rsplit(": ", 1)[1])
        elif line.startswith("System time (seconds)"):
            t["sys"] = float(line.rsplit(": ", 1)[1])
        elif line.startswith("Maximum resident set size (kbytes)"):
            t["rss_mb"] = float(line.rsplit(": ", 1)[1]) / 1024
        elif line.startswith("Exit status"):
            t["exit"] = int(line.rsplit(": ", 1)[1])
    if "wall" not in t:
        return None
    t["cpu"] = t.get("user", 0) + t.get("sys", 0)
    return t


def ts(s):
    return dt.datetime.fromisoformat(s).timestamp() if s else None


def fmt_s(s):
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return "–"
    return f"{s:.0f} s" if s < 120 else f"{s:.0f} s ({s / 60:.1f} min)"


def f4(v):
    return "–" if v is None else f"{v:.4f}"


# ---------------------------------------------------------------- the runner's store

def metric(db, run, split, name="rmsle"):
    r = db.execute("SELECT value FROM xp_metrics WHERE run_id = ? AND split = ? AND metric = ? AND trial_id IS NULL "
                   "AND source IS NULL ORDER BY id DESC LIMIT 1", (run, split, name)).fetchone()
    return r[0] if r else None


def runner_side(work):
    db = sqlite3.connect(os.path.join(work, "xp", "exp.db"))
    runs = db.execute("SELECT r.id, s.study_name, r.started_at, r.ended_at, r.wall_seconds, r.cpu_seconds, r.status "
                      "FROM xp_runs r JOIN studies s ON s.study_id = r.study_id ORDER BY r.id").fetchall()
    out = {"runs": []}
    for rid, study, start, end, wall, cpu, status in runs:
        t0, t1 = ts(start), ts(end)
        info = {"run": rid, "study": study, "status": status, "wall": wall, "cpu": cpu, "start": t0, "end": t1,
                "cv": metric(db, rid, "cv_grouped"), "cv_polish": metric(db, rid, "cv_polish"),
                "test_rmsle": metric(db, rid, "test"), "test_r2": metric(db, rid, "test", "r2")}
        trials = db.execute("SELECT t.state, t.datetime_start, t.datetime_complete FROM trials t "
                            "JOIN xp_trial_runs x ON x.trial_id = t.trial_id WHERE x.run_id = ?", (rid,)).fetchall()
        info["trials"] = {s: sum(1 for t in trials if t[0] == s) for s in sorted({t[0] for t in trials})}
        starts = [ts(t[1]) for t in trials if t[1]]
        ends = [ts(t[2]) for t in trials if t[2]]
        rec = {k: (ts(c), j) for k, c, j in db.execute(
            "SELECT kind, created_at, json FROM xp_records WHERE run_id = ? ORDER BY id", (rid,))}
        seg = []
        # The final model: a refit on all dev rows, or (record 'final' mode folds) the fold
        # models the search already trained, averaged: then this part trains nothing.
        fin = db.execute("SELECT json FROM xp_records WHERE run_id = ? AND kind = 'final'", (rid,)).fetchone()
        final = ("fold models averaged (no refit)" if fin and json.loads(fin[0]).get("mode") == "folds"
                 else "refit on all dev rows")
        info["final"] = final
        tail = (f"random-split check + {final} + test" if metric(db, rid, "cv_random") is not None
                else f"{final} + test")
        if starts and ends:
            first, last = min(starts), max(ends)
            sw = rec.get("source_weights")
            if sw and t0 <= sw[0] <= first:
                seg.append(("data, encoders, fold pipelines", t0, None))
                seg.append(("source-weights pre-pass (ends)", None, sw[0]))
                seg.append(("search", sw[0], last))
            else:
                seg.append(("data, encoders, fold pipelines (+ weights pre-pass)", t0, first))
                seg.append(("search", first, last))
            pol = rec.get("polish")
            after = pol[0] if pol and pol[0] >= last else last
            if pol and pol[0] >= last:
                seg.append(("polish", last, pol[0]))
            # The refit fits the pipeline once more: its first step's record (the last of that
            # kind) splits the random-split check (5 fold builds and fits) from the refit.
            first_kind = db.execute("SELECT kind FROM xp_records WHERE run_id = ? AND created_at > ? ORDER BY id "
                                    "LIMIT 1", (rid, dt.datetime.fromtimestamp(after).isoformat(" "))).fetchone()
            cut = None
            if metric(db, rid, "cv_random") is not None and first_kind:
                r = db.execute("SELECT max(created_at) FROM xp_records WHERE run_id = ? AND kind = ?",
                               (rid, first_kind[0])).fetchone()
                cut = ts(r[0]) if r and r[0] else None
            if cut and after < cut < t1:
                seg.append(("random-split check (5 more fold pipelines and fits)", after, cut))
                seg.append((f"{final} + test (incl. encoding the test images)", cut, t1))
            else:
                seg.append((tail, after, t1))
        info["segments"] = seg
        # encoder timings from their records (summed over the applies of this run)
        enc = {}
        for kind, js in db.execute("SELECT kind, json FROM xp_records WHERE run_id = ? AND kind IN "
                                   "('image_mobilenet', 'image_pixels', 'text_glove', 'tokens', 'embedding_cache')",
                                   (rid,)):
            try:
                j = json.loads(js)
            except ValueError:
                continue
            e = enc.setdefault(kind, {"applies": 0, "seconds": 0.0})
            e["applies"] += 1
            for key in ("seconds", "encode_seconds"):
                if isinstance(j.get(key), (int, float)):
                    e["seconds"] += j[key]
            if kind == "embedding_cache":
                e["last"] = j
            if kind == "image_mobilenet":
                for key in ("encoded", "cache_hits", "distinct", "found"):
                    if isinstance(j.get(key), (int, float)):
                        e[key] = e.get(key, 0) + j[key]
        info["encoders"] = enc
        # the MLP's epochs
        es = db.execute("SELECT split, count(*), avg(value) FROM xp_metrics WHERE run_id = ? AND metric = 'epoch_seconds' "
                        "GROUP BY split", (rid,)).fetchall()
        if es:
            info["epoch_seconds"] = {s: (n, v) for s, n, v in es}
        blend = rec.get("blend")
        if blend:
            info["blend"] = json.loads(blend[1])
        out["runs"].append(info)
    # epochs actually trained: the mlp's debug line per fit
    log = os.path.join(work, "xp", "runner.log")
    n_fit = epochs = 0
    secs = 0.0
    if os.path.exists(log):
        pat = re.compile(r"mlp: (\d+) epochs in ([0-9.]+) s \(([0-9.]+) epochs/s training only\)")
        for line in open(log, errors="replace"):
            m = pat.search(line)
            if m:
                n_fit += 1
                epochs += int(m.group(1))
                secs += int(m.group(1)) / float(m.group(3)) if float(m.group(3)) > 0 else 0
    out["mlp_fits"] = {"fits": n_fit, "epochs": epochs, "train_seconds": secs,
                       "epochs_per_second": epochs / secs if secs else None}
    art = db.execute("SELECT a.path FROM xp_artifacts a WHERE a.kind = 'test_predictions' AND a.run_id = "
                     "(SELECT max(id) FROM xp_runs WHERE status = 'COMPLETE') ORDER BY a.id DESC LIMIT 1").fetchone()
    out["test_predictions"] = art[0] if art else None
    out["blend_run"] = db.execute("SELECT max(id) FROM xp_runs WHERE status = 'COMPLETE'").fetchone()[0]
    return out


# ---------------------------------------------------------------- the oracle on the same rows

def oracle_same_rows(pred_csv, truth, name="table_text_image"):
    """RMSLE / R² of a side's test predictions and of the oracle on test ∩ oracle holdout."""
    if not pred_csv or not os.path.exists(pred_csv) or not os.path.exists(truth):
        return None
    ours = {int(r["row"]): (float(r["target"]), float(r["prediction"])) for r in csv.DictReader(open(pred_csv))}
    both = [t for t in csv.DictReader(open(truth)) if t["holdout"] == "1" and int(t["row"]) in ours]
    if not both:
        return None
    y = [float(t["target"]) for t in both]
    p = [ours[int(t["row"])][1] for t in both]
    o = [math.expm1(float(t[name + "_log1p"])) for t in both]

    def rmsle(a, b):
        return math.sqrt(sum((math.log1p(max(v, 0)) - math.log1p(u)) ** 2 for u, v in zip(a, b)) / len(a))

    return {"n": len(both), "rmsle": rmsle(y, p), "oracle_rmsle": rmsle(y, o)}


# ---------------------------------------------------------------- report

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--label", required=True)
    a = ap.parse_args()
    ph = kv(os.path.join(a.work, "phases.txt"))
    xt = gnu_time(os.path.join(a.work, "xp", "time.txt"))
    pt = gnu_time(os.path.join(a.work, "py", "time.txt"))
    xs = runner_side(a.work)
    py = None
    pj = os.path.join(a.work, "py", "result.json")
    if os.path.exists(pj):
        py = json.load(open(pj))
    by = {r["study"]: r for r in xs["runs"]}
    truth = os.path.join(a.data_dir, "TRUTH.csv")

    L = []
    L.append(f"### {a.label}: {ph.get('data', '?')} ({ph.get('rows', '?')} rows)\n")
    L.append(f"{ph.get('date', '?')} · {ph.get('machine', '?')} · git {ph.get('git', '?')} · "
             f"`{ph.get('command', '')}`" + (f" · runner overrides `{ph['runner_overrides']}`" if ph.get("runner_overrides") else "")
             + (f" · python args `{ph['py_args']}`" if ph.get("py_args") else "") + "\n")
    L.append(f"Load averages (1/5/15 min) — runner: {ph.get('xp_load_before', '?')} before, "
             f"{ph.get('xp_load_after', '?')} after; Python: {ph.get('py_load_before', '–')} before, "
             f"{ph.get('py_load_after', '–')} after. Both sides ran one after the other, not niced, "
             "on the same 2 cores; other jobs on the machine are included in the load.\n")
    L.append("| side | wall | CPU (user+sys) | peak RSS | CV RMSLE | test RMSLE | test R² |")
    L.append("|---|---|---|---|---|---|---|")
    fus = by.get("step2_fusion") or (xs["runs"][-1] if xs["runs"] else {})
    if xt:
        # Members run as processes of their own, side by side: the peak is the process tree's
        # (peak_mem.py, PSS summed), not /usr/bin/time's largest single process.
        mem = kv(os.path.join(a.work, "xp", "mem.txt"))
        if mem.get("pss_kb"):
            xt["rss_mb"] = float(mem["pss_kb"]) / 1024
        L.append(f"| **xp runner** `{ph.get('config', '')}` (whole process tree) | {fmt_s(xt['wall'])} | {fmt_s(xt['cpu'])} | "
                 f"{xt['rss_mb']:.0f} MB | {f4(fus.get('cv'))} | **{f4(fus.get('test_rmsle'))}** | {f4(fus.get('test_r2'))} |")
    for st in ("step2_xgb", "step2_mlp", "step2_mlp_text"):
        r = by.get(st)
        if r:
            cv = r["cv_polish"] if r.get("cv_polish") is not None and r["cv_polish"] < (r["cv"] or 9) else r["cv"]
            L.append(f"| &nbsp;&nbsp;member `{st}` | {fmt_s(r['wall'])} | {fmt_s(r['cpu'])} | – | {f4(cv)} | "
                     f"{f4(r['test_rmsle'])} | {f4(r['test_r2'])} |")
    if py and pt:
        L.append(f"| **Python stack** `python_stack.py` (whole process) | {fmt_s(pt['wall'])} | {fmt_s(pt['cpu'])} | "
                 f"{pt['rss_mb']:.0f} MB | {f4(py['blend']['cv'])} | **{f4(py['blend']['test']['rmsle'])}** | "
                 f"{f4(py['blend']['test']['r2'])} |")
        ph_py = {p["phase"]: p for p in py["phases"]}
        for name, key in (("XGBoost", "xgb"), ("MLP fusion", "mlp")):
            p = ph_py.get(key, {})
            L.append(f"| &nbsp;&nbsp;{name} | {fmt_s(p.get('wall'))} | {fmt_s(p.get('cpu'))} | – | {f4(py[key]['cv'])} | "
                     f"{f4(py[key]['test']['rmsle'])} | {f4(py[key]['test']['r2'])} |")
    L.append("")
    if xt and py and pt:
        ratio = xt["wall"] / pt["wall"]
        better = fus.get("test_rmsle") is not None and fus["test_rmsle"] <= py["blend"]["test"]["rmsle"]
        L.append(f"Runner / Python wall time: **{ratio:.2f}** (the aim: ≤ 0.5 with an equal or better test RMSLE) — "
                 f"test RMSLE {'equal or better' if better else 'worse'} "
                 f"({f4(fus.get('test_rmsle'))} vs {f4(py['blend']['test']['rmsle'])}); "
                 f"CPU time ratio {xt['cpu'] / pt['cpu']:.2f}.\n")
    if xt:
        L.append(f"Issue 9's budget (2 cores; stated for the default demo data): under 15 min end to end — "
                 f"{xt['wall'] / 60:.1f} min here; under 4 GB peak — {xt['rss_mb'] / 1024:.2f} GB.\n")

    # where the runner's time goes
    L.append("**Where the runner's time goes** (from the store: runs' start/end, trials' "
             "datetime_start/complete, records' created_at):\n")
    L.append("| run | part | wall |")
    L.append("|---|---|---|")
    for r in xs["runs"]:
        tr = ", ".join(f"{n} {s.lower()}" for s, n in r["trials"].items()) or "no trials"
        L.append(f"| {r['study']} (run {r['run']}) | whole run ({tr}) | {fmt_s(r['wall'])} (CPU {fmt_s(r['cpu'])}) |")
        pending = None
        for name, s0, s1 in r["segments"]:
            if s1 is None:
                pending = (name, s0)
                continue
            if s0 is None and pending:
                L.append(f"| | {pending[0]} + {name.replace(' (ends)', '')} | {fmt_s(s1 - pending[1])} |")
                pending = None
                continue
            L.append(f"| | {name} | {fmt_s(s1 - s0)} |")
        for kind, e in r["encoders"].items():
            if kind == "embedding_cache":
                continue
            extra = ""
            if kind == "image_mobilenet":
                extra = ", ".join(f"{k} {int(v)}" for k, v in e.items() if k in ("encoded", "cache_hits"))
            L.append(f"| | &nbsp;&nbsp;encoder {kind}: {e['applies']} applies{(', ' + extra) if extra else ''} "
                     f"| {e['seconds']:.1f} s |")
        if r.get("epoch_seconds"):
            for s, (n, v) in r["epoch_seconds"].items():
                L.append(f"| | &nbsp;&nbsp;mlp, split {s}: {n} fits, mean {v:.2f} s per epoch "
                         f"({1 / v:.2f} epochs/s) | |")
    mf = xs["mlp_fits"]
    if mf["fits"]:
        L.append(f"\nRunner MLP: {mf['fits']} network fits, {mf['epochs']} epochs in {mf['train_seconds']:.0f} s of "
                 f"training → **{mf['epochs_per_second']:.2f} epochs/s** (training passes only; from the -v log).")
    if py:
        m = py["mlp"]
        L.append(f"Python MLP: {len(m['folds'])} network fits, {m['epochs']} epochs → "
                 f"**{m['epochs_per_second']:.2f} epochs/s** (training passes only).")
        L.append("\nPython stack phases: " + ", ".join(f"{p['phase']} {p['wall']:.0f} s" for p in py["phases"])
                 + f"; XGBoost search {len(py['xgb']['search'])} trials, final rounds {py['xgb']['rounds']}; "
                 f"blend weight XGBoost {py['blend']['weight_xgb']:.3f}.")
    if fus.get("blend"):
        ws = ", ".join(f"{m['study']} {m['weight']:.3f}" for m in fus["blend"]["members"])
        L.append(f"Runner blend weights: {ws}.")
    L.append("")

    # the oracle on the same rows
    if os.path.exists(truth):
        L.append("**Against the table+text+image Bayes predictor** (`bench/oracle/compare.py --oracle "
                 "table_text_image`, the runner's blend run):\n")
        cmd = [sys.executable, os.path.join(ROOT, "bench", "oracle", "compare.py"), "--store",
               os.path.join(a.work, "xp", "exp.db"), "--run", str(xs["blend_run"]), "--truth", truth,
               "--oracle", "table_text_image"]
        res = subprocess.run(cmd, capture_output=True, text=True)
        L.append("```")
        L.append((res.stdout or res.stderr).strip())
        L.append("```\n")
        orx = oracle_same_rows(xs["test_predictions"], truth)
        orp = oracle_same_rows(os.path.join(a.work, "py", "test_predictions.csv"), truth)
        if orx:
            L.append("| side | rows (test ∩ oracle holdout) | RMSLE | oracle RMSLE | side / oracle |")
            L.append("|---|---|---|---|---|")
            for name, o in (("xp runner", orx), ("Python stack", orp)):
                if o:
                    L.append(f"| {name} | {o['n']} | {o['rmsle']:.4f} | {o['oracle_rmsle']:.4f} | "
                             f"{o['rmsle'] / o['oracle_rmsle']:.3f} |")
            L.append("")
    text = "\n".join(L) + "\n"
    print(text)

    # results.md: replace this label's section, keep the others
    start, end = f"<!-- section {a.label} -->", f"<!-- end {a.label} -->"
    head = ("# Step-2 benchmark: the runner vs the Python + PyTorch stack\n\n"
            "Written by `bench/step2/run.sh` (see README.md); one section per data set, replaced when "
            "that data set is run again.\n\n")
    old = open(a.results).read() if os.path.exists(a.results) else head
    block = f"{start}\n{text}{end}\n"
    if start in old and end in old:
        new = old[:old.index(start)] + block + old[old.index(end) + len(end) + 1:]
    else:
        new = old.rstrip("\n") + "\n\n" + block
    with open(a.results, "w") as fh:
        fh.write(new)
    print(f"written: {a.results} (section {a.label})")


if __name__ == "__main__":
    main()
