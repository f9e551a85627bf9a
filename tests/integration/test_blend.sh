#!/usr/bin/env bash
# Blend configs end to end: the members run as their own studies on one split, the blend's
# weights (fitted on out-of-fold predictions only) agree with an independent fit in numpy,
# its test score is recomputed from the files, and every way to blend the wrong things fails
# with a message: a changed prediction file, a member on another split, a bad method.
# usage: test_blend.sh RUNNER SRCDIR PYTHON CXX_METRIC_SO
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3") cxx=$(readlink -f "$4")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600
cp "$src/shallow.yaml" shallow.yaml   # a second member that differs: stumps, no search
cat > blend.yaml <<'Y'
extends: small.yaml
name: small_blend
blend:
  members: [small.yaml, shallow.yaml]
  method: simplex
  space: log
Y

# A bad method is refused before any member runs.
expect_rc 2 "$runner" blend.yaml blend.method=median -q
expect_in "$tmp/err" "blend.method must be simplex, mean or best, got 'median'"
expect_rc 2 "$runner" blend.yaml ++blend.calibrate=stretch -q
expect_in "$tmp/err" "blend.calibrate must be affine or none, got 'stretch'"
[ ! -f exp.db ] && ok || bad "a member ran although the blend config was invalid"

# A member whose config is broken fails the blend before any member runs.
cat > broken.yaml <<'Y'
extends: small.yaml
name: broken
model: {plugin: no_such_model}
Y
expect_rc 2 "$runner" blend.yaml 'blend.members=[small.yaml, broken.yaml]' -q
expect_in "$tmp/err" "no model plugin named 'no_such_model'"
expect_in "$tmp/err" "broken.yaml (study broken) does not pass the config check"
[ ! -f exp.db ] && ok || bad "a member ran although another member's config was broken"

expect_rc 0 "$runner" blend.yaml -q
cp "$tmp/out" blend.txt
expect_in blend.txt "study small_blend  run 3: blend of 2 members"
expect_rc 0 "$py" - exp.db <<'PY'
import csv, json, math, sqlite3, sys
import numpy as np
db = sqlite3.connect(sys.argv[1])
rec = json.loads(db.execute("select json from xp_records where run_id=3 and kind='blend'").fetchone()[0])
w = [m["weight"] for m in rec["members"]]
assert [m["study"] for m in rec["members"]] == ["small", "shallow"], rec
assert abs(sum(w) - 1) < 1e-9 and min(w) >= 0, w
art = lambda run, kind: db.execute("select path from xp_artifacts where run_id=? and kind=?", (run, kind)).fetchone()[0]
def preds(run, kind):
    return {int(r["row"]): (float(r["target"]), float(r["prediction"])) for r in csv.DictReader(open(art(run, kind)))}
oof = [preds(m["run_id"], "oof_predictions") for m in rec["members"]]
rows = sorted(oof[0])
A = np.array([[math.log1p(max(o[r][1], 0)) for o in oof] for r in rows])
b = np.array([math.log1p(oof[0][r][0]) for r in rows])
# Independent fit: two members on the simplex = one weight in [0, 1]; a fine grid, then refine.
grid = np.linspace(0, 1, 100001)
err = [((A[:, 0] * t + A[:, 1] * (1 - t) - b) ** 2).sum() for t in grid[::100]]
t0 = grid[::100][int(np.argmin(err))]
fine = grid[(grid >= t0 - 0.01) & (grid <= t0 + 0.01)]
t = fine[int(np.argmin([((A[:, 0] * u + A[:, 1] * (1 - u) - b) ** 2).sum() for u in fine]))]
assert abs(t - w[0]) < 2e-4, (t, w)
# blend.calibrate: affine (the default): the least-squares line of the target on the weighted
# sum, on the same out-of-fold rows (numpy's polyfit, independently).
assert rec["calibrate"] == "affine", rec
scale, offset = np.polyfit(A @ np.array(w), b, 1)
assert abs(scale - rec["scale"]) < 1e-6 and abs(offset - rec["offset"]) < 1e-5, (scale, offset, rec)
# The test score recomputed from the members' test files and the recorded weights, scale, offset.
test = [preds(m["run_id"], "test_predictions") for m in rec["members"]]
ys, ps = [], []
for r in sorted(test[0]):
    ys.append(test[0][r][0])
    z = sum(wk * math.log1p(max(tk[r][1], 0)) for wk, tk in zip(w, test))
    ps.append(math.expm1(rec["offset"] + rec["scale"] * z))
rmsle = math.sqrt(sum((math.log1p(p) - math.log1p(y)) ** 2 for y, p in zip(ys, ps)) / len(ys))
rec_rmsle = db.execute("select value from xp_metrics where run_id=3 and split='test' and metric='rmsle' and source is null").fetchone()[0]
assert abs(rmsle - rec_rmsle) < 1e-9, (rmsle, rec_rmsle)
# The blend's own files: its test predictions are what it scored.
own = preds(3, "test_predictions")
assert max(abs(own[r][1] - p) for r, p in zip(sorted(test[0]), ps)) < 1e-6 * max(ps)
# Cross-fitted CV recorded, per fold too: fold k scored with the weights, scale and offset
# fitted on the other folds (recomputed here with a grid for the weight and polyfit).
assert db.execute("select count(*) from xp_metrics where run_id=3 and split='valid' and metric='rmsle'").fetchone()[0] == 3
fold = {int(r["row"]): int(r["fold"]) for r in csv.DictReader(open(art(3, "folds"))) if r["part"] == "dev"}
fk = np.array([fold[r] for r in rows])
for k in range(3):
    tr, va = fk != k, fk == k
    u = grid[int(np.argmin([((A[tr, 0] * g + A[tr, 1] * (1 - g) - b[tr]) ** 2).sum() for g in grid[::20]])) * 20]
    z = A @ np.array([u, 1 - u])
    sc, of = np.polyfit(z[tr], b[tr], 1)
    want = math.sqrt(((of + sc * z[va] - b[va]) ** 2).mean())
    got = db.execute("select value from xp_metrics where run_id=3 and split='valid' and metric='rmsle' and fold=?", (k,)).fetchone()[0]
    assert abs(want - got) < 2e-4, (k, want, got)
print("weights", w, "grid", t, "scale", scale, "offset", offset, "test rmsle", rmsle)
PY

# A member that calibrated its test predictions (validation.calibrate: affine) but not its
# out-of-fold ones is refused: the blend's weights would meet two different scales.
"$py" -c "import sqlite3; sqlite3.connect('exp.db').backup(sqlite3.connect('calm.db'))"
expect_rc 0 "$runner" shallow.yaml ++validation.calibrate=affine store.path=calm.db -q
expect_rc 1 "$runner" blend.yaml ++blend.run_members=false store.path=calm.db -q
expect_in "$tmp/err" "study shallow (run 4) calibrated its test predictions (validation.calibrate: affine) but not its out-of-fold ones"

# The report says how the blend's prediction is made, scale and offset included.
expect_rc 0 "$runner" report --store exp.db --html --out rep
grep -q "then calibrated on the same rows: prediction = .* &times; weighted sum" rep/index.html && ok ||
  bad "the report does not show the blend's calibration"

# predict with the blend run: each member predicts, combined with the recorded weights in log
# space; on the test rows this reproduces the blend's own test_predictions.
expect_predict_reproduces "$runner" exp.db 3 small.csv
# A blend whose member list was edited after the run is refused (its sha256 is checked).
m=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute(\"select path from xp_artifacts where run_id=3 and kind='blend_members'\").fetchone()[0])")
cp "$m" members.saved
echo "log,not_a_run,1,x" >> "$m"
expect_rc 1 "$runner" predict --run 3 --store exp.db small.csv -q
expect_in "$tmp/err" "blend_members.csv is not the file the run wrote"
cp members.saved "$m"
# blend.calibrate: none blends the same member runs with the weights alone (scale 1, offset
# 0); its test score is the weighted sum's. A blend_members.csv as runs wrote it before
# calibrate (no scale and offset columns) still predicts.
# (In a copy of the store, so the run counts below stay as they are.)
"$py" -c "import sqlite3; sqlite3.connect('exp.db').backup(sqlite3.connect('cal.db'))"
expect_rc 0 "$runner" blend.yaml ++blend.run_members=false ++blend.calibrate=none store.path=cal.db -q
expect_rc 0 "$py" - cal.db <<'PY'
import csv, json, math, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rec = json.loads(db.execute("select json from xp_records where run_id=4 and kind='blend'").fetchone()[0])
assert rec["calibrate"] == "none" and rec["scale"] == 1 and rec["offset"] == 0, rec
art = lambda run, kind: db.execute("select path from xp_artifacts where run_id=? and kind=?", (run, kind)).fetchone()[0]
test = [{int(r["row"]): (float(r["target"]), float(r["prediction"])) for r in csv.DictReader(open(art(m["run_id"], "test_predictions")))}
        for m in rec["members"]]
w = [m["weight"] for m in rec["members"]]
e = [math.log1p(math.expm1(sum(wk * math.log1p(max(t[r][1], 0)) for wk, t in zip(w, test)))) - math.log1p(test[0][r][0]) for r in test[0]]
got = db.execute("select value from xp_metrics where run_id=4 and split='test' and metric='rmsle' and source is null").fetchone()[0]
assert abs(math.sqrt(sum(x * x for x in e) / len(e)) - got) < 1e-9, got
PY
m4=$("$py" -c "import sqlite3; print(sqlite3.connect('cal.db').execute(\"select path from xp_artifacts where run_id=4 and kind='blend_members'\").fetchone()[0])")
head -1 "$m4" | grep -q '^space,scale,offset,run_id,weight,study$' && ok || bad "blend_members.csv header: $(head -1 "$m4")"
"$py" - "$m4" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
out = ["space,run_id,weight,study"] + [",".join([l.split(",")[0]] + l.split(",")[3:]) for l in lines[1:]]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
"$py" -c "import hashlib, sqlite3, sys; db = sqlite3.connect('cal.db'); db.execute(\"update xp_artifacts set sha256=? where run_id=4 and kind='blend_members'\", (hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest(),)); db.commit()" "$m4"
expect_predict_reproduces "$runner" cal.db 4 small.csv

# Reuse the members' runs as they are (run_members: false): no new member runs.
expect_rc 0 "$runner" blend.yaml +blend.run_members=false -q
n=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute('select count(*) from xp_runs').fetchone()[0])")
[ "$n" = 4 ] && ok || bad "expected 4 runs (2 members, 2 blends), got $n"
# The same with ++ (set or add): a blend.* override never reaches the members, whatever its
# prefix (before, ++blend.* did, and each member refused itself as "itself a blend").
expect_rc 0 "$runner" blend.yaml ++blend.run_members=false -q
n=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute('select count(*) from xp_runs').fetchone()[0])")
[ "$n" = 5 ] && ok || bad "expected 5 runs (2 members, 3 blends), got $n"

# A prediction file changed after its run wrote it: refused, naming the file.
f=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute(\"select path from xp_artifacts where run_id=2 and kind='test_predictions'\").fetchone()[0])")
cp "$f" saved.csv
sed -i '2s/,[^,]*$/,1/' "$f"
expect_rc 1 "$runner" blend.yaml +blend.run_members=false -q
expect_in "$tmp/err" "has changed since the run wrote it"
cp saved.csv "$f"

# Members whose runs used another split (the blend asks for another seed and does not rerun
# them) are refused.
expect_rc 1 "$runner" blend.yaml +blend.run_members=false seed=99 -q
expect_in "$tmp/err" "ran on another split than this blend"

# A member whose study name JSON must escape (a quote and a backslash): the blend record is
# valid JSON and names it exactly. Its own store, so the run numbers above stay as they are.
cat > odd.yaml <<'Y'
extends: shallow.yaml
name: 'sh"al\low'
model:
  params: {max_depth: 2}
Y
cat > odd_blend.yaml <<'Y'
extends: small.yaml
name: odd_blend
blend:
  members: [shallow.yaml, odd.yaml]
Y
expect_rc 0 "$runner" odd_blend.yaml store.path=odd.db -q
expect_rc 0 "$py" - odd.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
recs = db.execute("select json, json_valid(json) from xp_records where kind = 'blend'").fetchall()
assert len(recs) == 1 and recs[0][1] == 1, recs
studies = [s for (s,) in db.execute("select json_extract(m.value, '$.study') from xp_records b, "
                                    "json_each(b.json, '$.members') m where b.kind = 'blend' order by m.key")]
assert studies == ["shallow", 'sh"al\\low'], studies
PY
# A blend config's own plugin_path reaches its members run side by side (each a process
# that loads its own plugins) as it reaches members run in turn (the blend's registry):
# members that score with a plugin only that folder holds, and that name no folder.
mkdir -p own_plugins && cp "$cxx" own_plugins/
for m in pm1 pm2; do
  printf 'extends: small.yaml\nname: %s\nmetrics: [rmsle, cxx_mae]\nsearch: {trials: 1, space: null}\n' $m > $m.yaml
done
# 39 empty folders before it: all 40 are passed on (the pass-on once stopped at 32).
for i in $(seq 39); do mkdir -p empty_$i; done
printf 'extends: small.yaml\nname: pblend\nplugin_path: [%s own_plugins, no_such_folder]\nblend: {members: [pm1.yaml, pm2.yaml]}\n' \
  "$(for i in $(seq 39); do printf 'empty_%d,' $i; done)" > pblend.yaml
for jobs in 1 2; do
  expect_rc 0 "$runner" pblend.yaml store.path=pp$jobs.db ++threads=2 ++blend.jobs=$jobs -q
  got=$("$py" -c "import sqlite3; print(sqlite3.connect('pp$jobs.db').execute(\"select count(*) from studies s join trials t using(study_id) where s.study_name in ('pm1', 'pm2') and t.state = 'COMPLETE'\").fetchone()[0])")
  [ "$got" = 2 ] && ok || bad "blend.jobs=$jobs with plugin_path: $got complete member trials, expected 2"
done
cmd=$("$py" -c "import sqlite3; print(sqlite3.connect('pp2.db').execute(\"select command from xp_runs where name = 'pm2'\").fetchone()[0])")
case "$cmd" in *"--plugin-dir own_plugins pm2.yaml"*) ok ;; *) bad "member pm2's recorded command: $cmd" ;; esac

# Members side by side (blend.jobs; default: as many as the threads allow), each a runner
# process with its share of the threads, are the same runs as members run in turn inside
# this process on as many threads: every trial's value and parameters, the weights, the
# blend's CV and test scores. Their output comes line by line under their study's name.
expect_rc 0 "$runner" blend.yaml store.path=turn.db ++threads=1
cp "$tmp/err" turn.err
expect_rc 0 "$runner" blend.yaml store.path=once.db ++threads=2 ++blend.jobs=2
cp "$tmp/out" once.out
cp "$tmp/err" once.err
expect_in once.err "member 1/2: small.yaml (study small), 1 thread, 2 members at once"
expect_in once.err "[shallow] [search] info: trial 0 complete"
expect_in once.out "[small] study small  run "
grep -q "members at once" turn.err && bad "blend.jobs auto on 1 thread ran members side by side" || ok
expect_rc 0 "$py" - turn.db once.db <<'PY'
import json, sqlite3, sys
def runs(path):
    db = sqlite3.connect(path)
    trials = {}
    for study, number, state, value in db.execute(
            "select s.study_name, t.number, t.state, v.value from trials t join studies s using(study_id) "
            "left join trial_values v using(trial_id) order by s.study_name, t.number"):
        trials.setdefault(study, []).append((number, state, value))
    params = sorted(db.execute("select s.study_name, t.number, p.param_name, p.param_value from trial_params p "
                               "join trials t using(trial_id) join studies s using(study_id)"))
    blend = json.loads(db.execute("select json from xp_records where kind='blend'").fetchone()[0])
    metrics = sorted(db.execute("select split, metric, fold, value from xp_metrics m join xp_runs r on r.id = m.run_id "
                                "where r.name = 'small_blend'"))
    cmds = {n: c for n, c in db.execute("select name, command from xp_runs")}
    return trials, params, [(m["study"], m["weight"]) for m in blend["members"]], metrics, cmds
a, b = runs(sys.argv[1]), runs(sys.argv[2])
assert a[0] == b[0], ("trials differ", a[0], b[0])
assert a[1] == b[1], "trial parameters differ"
assert a[2] == b[2], ("weights differ", a[2], b[2])
assert a[3] == b[3], ("blend scores differ", a[3], b[3])
assert len(a[0]) == 2 and all(s == "COMPLETE" for t in a[0].values() for _, s, _ in t), a[0]
# The members ran as runner processes with one thread each: their recorded command says so.
assert b[4]["small"].endswith(" ++threads=1") and " small.yaml " in b[4]["small"], b[4]
assert " blend.yaml " in a[4]["small"], a[4]   # in turn: inside the blend's own process
print("same trials, weights and scores:", a[2])
PY

# A member that fails while another runs: the other finishes and is recorded, no member
# starts after the failure, and the blend fails naming the member.
cat > bad.yaml <<'Y'
extends: shallow.yaml
name: bad
model:
  params: {max_depth: -1}
Y
cat > longer.yaml <<'Y'
extends: small.yaml
name: longer
search: {trials: 40}
Y
expect_rc 1 "$runner" blend.yaml store.path=bad.db 'blend.members=[bad.yaml, longer.yaml, odd.yaml]' ++threads=2 -q
expect_in "$tmp/err" "[bad] runner: run failed: xgboost (fold 0)"
expect_in "$tmp/err" "blend member bad.yaml (study bad) failed (exit 1); see its messages above"
st=$("$py" -c "import sqlite3; print(sorted(sqlite3.connect('bad.db').execute('select name, status from xp_runs').fetchall()))")
[ "$st" = "[('bad', 'FAIL'), ('longer', 'COMPLETE')]" ] && ok || bad "after a failing member: runs $st"

# SIGTERM to the blend while its members run: passed on to each once, each records its run
# INTERRUPTED (its trial in flight FAIL), the blend exits 143 and no member is left running.
# Killed outright (SIGKILL), the members still stop and record the same (they get SIGTERM
# when their parent dies).
cat > slow.yaml <<'Y'
extends: small.yaml
name: slow
search: {trials: 100000, timeout: 0}
Y
sed 's/name: slow/name: slow2/' slow.yaml > slow2.yaml
for sig in TERM KILL; do
    db=sig_$sig.db
    "$runner" blend.yaml store.path=$db 'blend.members=[slow.yaml, slow2.yaml]' ++threads=2 -q > /dev/null 2> sig.err &
    pid=$!
    n=0
    for _ in $(seq 1 600); do
        # Both members must be under way: the members start at once, but under load one
        # can finish four trials before the other has opened its run, and a member
        # interrupted before its run exists rightly records nothing.
        n=$("$py" -c "import sqlite3, sys
try: print(sqlite3.connect('$db').execute(\"select count(*) from (select study_id from trials where state = 'COMPLETE' group by study_id having count(*) >= 2)\").fetchone()[0])
except Exception: print(0)")
        [ "$n" -ge 2 ] && break
        sleep 0.1
    done
    [ "$n" -ge 2 ] && ok || bad "SIG$sig: the members did not get going ($n members with 2 complete trials)"
    kill -$sig $pid
    wait $pid
    rc=$?
    if [ $sig = TERM ]; then
        [ $rc = 143 ] && ok || bad "SIGTERM: the blend exited $rc, expected 143"
        expect_in sig.err "interrupted by SIGTERM (passed on to the members running"
    fi
    for _ in $(seq 1 100); do pgrep -f 'slow2?\.yaml [+][+]threads' > /dev/null || break; sleep 0.1; done
    pgrep -f 'slow2?\.yaml [+][+]threads' > /dev/null && { bad "SIG$sig: a member is still running"; pkill -f 'slow2?\.yaml [+][+]threads'; } || ok
    st=$("$py" -c "import sqlite3; print(sorted(sqlite3.connect('$db').execute('select name, status from xp_runs').fetchall()))")
    [ "$st" = "[('slow', 'INTERRUPTED'), ('slow2', 'INTERRUPTED')]" ] && ok || bad "SIG$sig: member runs $st"
    running=$("$py" -c "import sqlite3; print(sqlite3.connect('$db').execute(\"select count(*) from trials where state = 'RUNNING'\").fetchone()[0])")
    [ "$running" = 0 ] && ok || bad "SIG$sig: $running trials left RUNNING"
done
finish
