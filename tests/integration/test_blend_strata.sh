#!/usr/bin/env bash
# blend.strata end to end: rows grouped by which listed columns they lack get weights, scale
# and offset of their own, fitted on their own out-of-fold rows. Checked against independent
# fits in numpy (per stratum: the weights by a grid, the line by polyfit; the cross-fitted
# CV fold by fold), the test score recomputed from the members' files, predict reproducing
# the blend's test predictions, a stratum below strata_min_rows keeping the pooled fit, and
# the errors a user can make.
# usage: test_blend_strata.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" full.csv 900
# x2 blank in the rows of every fourth item (the whole item, as a description is missing for
# the whole row): a member fitted on all rows predicts those rows worse, and the shallow
# member, which never reads x2 well, is the better one there.
awk -F, 'BEGIN { OFS = "," } NR > 1 { split($2, w, " "); if (w[2] % 4 == 0) $4 = "" } { print }' full.csv > small.csv
cp "$src/shallow.yaml" shallow.yaml   # a second member that differs: stumps, no search
cat > blend.yaml <<'Y'
extends: small.yaml
name: small_blend
blend:
  members: [small.yaml, shallow.yaml]
  strata: [x2]
  strata_min_rows: 50
Y

# Mistakes are refused before any member runs, naming the key; a column the data lacks
# is named once the data is loaded.
expect_rc 2 "$runner" blend.yaml ++blend.strata=x2 -q
expect_in "$tmp/err" "blend.strata must be a list of at most 4 column names"
expect_rc 2 "$runner" blend.yaml '++blend.strata=[x2, x2]' -q
expect_in "$tmp/err" "column 'x2' is listed twice"
expect_rc 2 "$runner" blend.yaml '++blend.strata=["a:b"]' -q
expect_in "$tmp/err" "expected a column name without ',', '&' or ':'"
expect_rc 2 "$runner" blend.yaml ++blend.strata_min_rows=0 -q
expect_in "$tmp/err" "blend.strata_min_rows must be at least 1, got 0"
[ ! -f exp.db ] && ok || bad "a member ran although the blend config was invalid"

expect_rc 0 "$runner" blend.yaml -q
# The summary says what each stratum predicts with; so does the report.
expect_in "$tmp/out" "weights by stratum (blend.strata), in the members' order:"
grep -Eq '^    x2:missing +[0-9]+ rows  [0-9.]+ / [0-9.]+  \(scale' "$tmp/out" && ok || bad "no summary line for x2:missing: $(cat "$tmp/out")"
expect_rc 0 "$runner" report --store exp.db --html --out rep
grep -q "<th>stratum (blend.strata)</th>" rep/index.html && grep -q "<td>x2:missing</td>" rep/index.html && ok ||
  bad "the report does not show the blend's strata"
expect_rc 1 "$runner" blend.yaml ++blend.run_members=false '++blend.strata=[nope]' -q
expect_in "$tmp/err" "blend.strata names column 'nope', which the data does not have"

expect_rc 0 "$py" - exp.db small.csv <<'PY'
import csv, json, math, sqlite3, sys
import numpy as np
db = sqlite3.connect(sys.argv[1])
run = db.execute("select max(run_id) from xp_records where kind='blend'").fetchone()[0]
rec = json.loads(db.execute("select json from xp_records where run_id=? and kind='blend'", (run,)).fetchone()[0])
art = lambda r, kind: db.execute("select path from xp_artifacts where run_id=? and kind=?", (r, kind)).fetchone()[0]
def preds(r, kind):
    return {int(x["row"]): (float(x["target"]), float(x["prediction"])) for x in csv.DictReader(open(art(r, kind)))}
missing = [x["x2"] == "" for x in csv.DictReader(open(sys.argv[2]))]
label = lambda r: "x2:missing" if missing[r] else "x2:present"
oof = [preds(m["run_id"], "oof_predictions") for m in rec["members"]]
rows = sorted(oof[0])
A = np.array([[math.log1p(max(o[r][1], 0)) for o in oof] for r in rows])
b = np.array([math.log1p(oof[0][r][0]) for r in rows])
lab = np.array([label(r) for r in rows])
strata = {s["stratum"]: s for s in rec["strata"]}
assert set(strata) == {"x2:missing", "x2:present"}, strata
assert rec["strata_min_rows"] == 50, rec
grid = np.linspace(0, 1, 20001)
def fit(sel):
    """Two members on the simplex: one weight, by a grid; then the least-squares line."""
    t = grid[int(np.argmin([((A[sel, 0] * u + A[sel, 1] * (1 - u) - b[sel]) ** 2).sum() for u in grid]))]
    sc, of = np.polyfit(A[sel] @ np.array([t, 1 - t]), b[sel], 1)
    return t, sc, of
for name, s in strata.items():
    sel = lab == name
    assert s["rows"] == sel.sum() and s["own_weights"], (name, s, sel.sum())
    t, sc, of = fit(sel)
    assert abs(s["weights"][0] - t) < 1e-4 and abs(sum(s["weights"]) - 1) < 1e-9, (name, s, t)
    assert abs(s["scale"] - sc) < 1e-6 and abs(s["offset"] - of) < 1e-5, (name, s, sc, of)
# The strata do differ (else this test would not tell a stratified blend from a pooled one).
w_m, w_p = strata["x2:missing"]["weights"][0], strata["x2:present"]["weights"][0]
assert abs(w_m - w_p) > 0.05, (w_m, w_p)
# Test predictions: each row with its stratum's weights, scale and offset.
test = [preds(m["run_id"], "test_predictions") for m in rec["members"]]
own = preds(run, "test_predictions")
ys, ps = [], []
for r in sorted(test[0]):
    s = strata[label(r)]
    z = sum(wk * math.log1p(max(tk[r][1], 0)) for wk, tk in zip(s["weights"], test))
    ps.append(math.expm1(s["offset"] + s["scale"] * z))
    ys.append(test[0][r][0])
    assert abs(own[r][1] - ps[-1]) < 1e-6 * max(ps[-1], 1), (r, own[r], ps[-1])
rmsle = math.sqrt(sum((math.log1p(p) - math.log1p(y)) ** 2 for y, p in zip(ys, ps)) / len(ys))
got = db.execute("select value from xp_metrics where run_id=? and split='test' and metric='rmsle' and source is null",
                 (run,)).fetchone()[0]
assert abs(rmsle - got) < 1e-9, (rmsle, got)
# Cross-fitted CV, fold by fold: each stratum fitted on the other folds' rows of it.
fold = {int(x["row"]): int(x["fold"]) for x in csv.DictReader(open(art(run, "folds"))) if x["part"] == "dev"}
fk = np.array([fold[r] for r in rows])
for k in range(3):
    pred = np.zeros(len(rows))
    for name in strata:
        t, sc, of = fit((fk != k) & (lab == name))
        sel = (fk == k) & (lab == name)
        pred[sel] = of + sc * (A[sel] @ np.array([t, 1 - t]))
    va = fk == k
    want = math.sqrt(((pred[va] - b[va]) ** 2).mean())
    got = db.execute("select value from xp_metrics where run_id=? and split='valid' and metric='rmsle' and fold=?",
                     (run, k)).fetchone()[0]
    assert abs(want - got) < 2e-4, (k, want, got)
print("weights of the first member: missing", w_m, "present", w_p, "test rmsle", rmsle)
PY
run=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute(\"select max(run_id) from xp_records where kind='blend'\").fetchone()[0])")
# blend_members.csv: the pooled lines first, then each stratum's.
m=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute(\"select path from xp_artifacts where run_id=$run and kind='blend_members'\").fetchone()[0])")
head -1 "$m" | grep -q '^stratum,space,scale,offset,run_id,weight,study$' && ok || bad "blend_members.csv header: $(head -1 "$m")"
[ "$(cut -d, -f1 "$m" | tail -n +2 | uniq | tr '\n' ' ')" = "pooled x2:present x2:missing " ] && ok ||
  bad "blend_members.csv strata: $(cut -d, -f1 "$m" | tail -n +2 | uniq | tr '\n' ' ')"
# predict: each row's stratum from the rows as read, its weights, scale and offset.
expect_predict_reproduces "$runner" exp.db "$run" small.csv

# A stratum with fewer out-of-fold rows than strata_min_rows keeps the pooled fit: with the
# bar above both strata, the blend scores as the pooled blend of the same member runs.
expect_rc 0 "$runner" blend.yaml ++blend.run_members=false ++blend.strata_min_rows=100000 -q
expect_rc 0 "$runner" blend.yaml ++blend.run_members=false '~blend.strata' -q
expect_rc 0 "$py" - exp.db <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(a, ja), (b, jb) = db.execute("select run_id, json from xp_records where kind='blend' order by run_id desc limit 2").fetchall()[::-1]
ra, rb = json.loads(ja), json.loads(jb)
assert all(not s["own_weights"] and "weights" not in s for s in ra["strata"]), ra
assert "strata" not in rb, rb
score = lambda r, split: db.execute("select value from xp_metrics where run_id=? and split=? and metric='rmsle' and "
                                    "source is null and fold is null", (r, split)).fetchone()[0]
for split in ("test", "cv_grouped"):
    assert abs(score(a, split) - score(b, split)) < 1e-12, (split, score(a, split), score(b, split))
PY

# An edited stratum label is refused by its sha256 like any edit; a file that is not a
# blend's (relabelled and re-hashed) is refused naming the line.
"$py" -c "import sqlite3; sqlite3.connect('exp.db').backup(sqlite3.connect('edit.db'))"
sed -i 's/^x2:missing,/x2:gone,/' "$m"
expect_rc 1 "$runner" predict --run "$run" --store exp.db small.csv -q
expect_in "$tmp/err" "blend_members.csv is not the file the run wrote"
"$py" -c "import hashlib, sqlite3, sys; db = sqlite3.connect('edit.db'); db.execute(\"update xp_artifacts set sha256=? where run_id=$run and kind='blend_members'\", (hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest(),)); db.commit()" "$m"
expect_rc 1 "$runner" predict --run "$run" --store edit.db small.csv -q
expect_in "$tmp/err" "is not a stratum label (column:missing or column:present, joined by '&'"
sed -i 's/^x2:gone,/x2:present,/' "$m"
"$py" -c "import hashlib, sqlite3, sys; db = sqlite3.connect('edit.db'); db.execute(\"update xp_artifacts set sha256=? where run_id=$run and kind='blend_members'\", (hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest(),)); db.commit()" "$m"
expect_rc 1 "$runner" predict --run "$run" --store edit.db small.csv -q
expect_in "$tmp/err" "\"pooled\" first and each other label once"
finish
