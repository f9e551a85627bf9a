#!/usr/bin/env bash
# `runner predict` uses what a run stored, not today's training file (issue 11). predict fits
# the transforms on the run's dev rows again; those rows now come from the run's own copy of
# its training file (artifact train_data, content-addressed, sha256-checked), so editing or
# deleting the file at data.path after the run changes nothing, and a damaged copy is
# refused naming it. New rows are read with the training columns' types (20 rows of a
# 25-level column read as text, not as the categorical the model was trained on). Runs
# recorded before copies were kept fall back to data.path, checked against the study's
# recorded data sha256. Refit, fold-average and blend runs alike. A number column's stray
# label in the new rows reads as missing (said), as the training file's did.
# usage: test_predict_data.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" base.csv 600
# + grade: 25 labels, categorical over 600 rows (left to the loader, not a transform).
awk -F, 'NR == 1 { print $0 ",grade"; next } { split($2, w, " "); print $0 ",g" (w[2] % 25) }' base.csv > small.csv
cp small.csv orig.csv
# Step 1's shape: quantity, categorical, target_log, and cluster_gmm, whose target means per
# class make the fitted transforms depend on the training targets.
cat > step.yaml <<'Y'
extends: small.yaml
name: step
pipeline:
  - plugin: quantity
    column: quantity
  - plugin: categorical
    columns: [source_id]
  - plugin: target_log
  - plugin: cluster_gmm
    threshold: 0.1
    classes: 4
    restarts: 1
    min_size: 2
search:
  trials: 2
Y
cat > step_folds.yaml <<'Y'
extends: step.yaml
name: step_folds
validation:
  final: folds
Y
cat > blend.yaml <<'Y'
extends: small.yaml
name: step_blend
blend:
  members: [step.yaml, step_folds.yaml]
  method: simplex
  space: log
Y
sql() { "$py" -c "import sqlite3, sys; r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print('' if r is None or r[0] is None else r[0])" exp.db "$1"; }
sql_do() { "$py" -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" exp.db "$1"; }

# Runs 1 (refit) and 2 (fold models) are the members, run 3 the blend.
expect_rc 0 "$runner" blend.yaml -q
expect_in "$tmp/out" "study step_blend  run 3: blend of 2 members"
# One copy of the training file, named by its sha256, shared by both member runs.
sha=$(sha256sum orig.csv | cut -d' ' -f1)
snap=$(sql "select path from xp_artifacts where run_id=1 and kind='train_data'")
[ "$snap" = "artifacts/exp.db/data/$sha.csv" ] && ok || bad "run 1's train_data is '$snap', wanted artifacts/exp.db/data/$sha.csv"
[ "$(sql "select sha256 from xp_artifacts where run_id=1 and kind='train_data'")" = "$sha" ] && ok || bad "train_data sha256 recorded is not the file's"
[ "$(sql "select path from xp_artifacts where run_id=2 and kind='train_data'")" = "$snap" ] && ok || bad "run 2 does not share run 1's copy"
[ "$(ls artifacts/exp.db/data | wc -l)" = 1 ] && ok || bad "expected one file in artifacts/exp.db/data: $(ls artifacts/exp.db/data)"
cmp -s "$snap" orig.csv && ok || bad "$snap is not a byte copy of the training file"
[ -z "$(sql "select path from xp_artifacts where run_id=3 and kind='train_data'")" ] && ok || bad "the blend run keeps a training file"

# 20 new rows; grade has more than 10 distinct values in them, so on its own the loader
# would read it as text.
head -21 small.csv > new20.csv
"$py" - new20.csv <<'PY' && ok || bad "new20.csv: grade would not be guessed as text"
import csv, sys
g = [r["grade"] for r in csv.DictReader(open(sys.argv[1]))]
assert len(g) == 20 and len(set(g)) > 10, (len(g), len(set(g)))
PY
predict_all() {   # predict_all TAG [RUNS]: runs 1, 2, 3 on new20.csv -> TAG_1.csv ...
  for run in ${2:-1 2 3}; do
    expect_rc 0 "$runner" predict --run $run --store exp.db new20.csv -q
    cp "$tmp/out" "$1_$run.csv"
  done
}
same_as_a() {     # same_as_a TAG WHAT [RUNS]
  for run in ${3:-1 2 3}; do
    cmp -s "a_$run.csv" "$1_$run.csv" && ok || { bad "run $run: predictions $2 differ from before"; diff "a_$run.csv" "$1_$run.csv" | head -5 >&2; }
  done
}
predict_all a
for run in 1 2 3; do
  [ "$(wc -l < "a_$run.csv")" = 21 ] && ok || bad "run $run: expected 20 predictions, got $(($(wc -l < "a_$run.csv") - 1))"
done

# New rows whose number column holds a label or two (the training file read such strays
# as missing): read as missing with a warning naming file, line and column, the other rows'
# predictions unchanged. A column with no number at all is another column: refused.
awk -F, 'BEGIN { OFS = "," } NR == 3 || NR == 6 { $3 = "unknown" } { print }' new20.csv > new_strays.csv
expect_rc 0 "$runner" predict --run 1 --store exp.db new_strays.csv
expect_in "$tmp/err" "new_strays.csv:3: column 'x1' was numeric in the training file; 2 of its 20 values here are not (first: 'unknown'): read as missing"
cp "$tmp/out" strays_1.csv
[ "$(diff a_1.csv strays_1.csv | grep -c '^>')" -le 2 ] && ok || bad "more than the two rows' predictions changed"
[ "$(sed -n '2p;4,5p;7,21p' a_1.csv)" = "$(sed -n '2p;4,5p;7,21p' strays_1.csv)" ] && ok || bad "rows without a stray predicted otherwise"
awk -F, 'BEGIN { OFS = "," } NR > 1 { $3 = "w" NR } { print }' new20.csv > new_shifted.csv
expect_rc 1 "$runner" predict --run 1 --store exp.db new_shifted.csv -q
expect_in "$tmp/err" "new_shifted.csv:2: column 'x1' (field 3) was numeric in the training file, but none of its 20 values here is (first: 'w2'): is it the same column?"

# The training file's targets changed after the runs: the same predictions, byte for byte.
awk -F, 'BEGIN { OFS = "," } NR > 1 { $7 = $7 * 3 + 11 } { print }' orig.csv > small.csv
cmp -s small.csv orig.csv && bad "the targets were not changed" || ok
predict_all changed "1 3"
same_as_a changed "after the training file's targets changed" "1 3"
# The training file deleted: the same again (the blend predicts through both members).
rm small.csv
predict_all deleted 3
same_as_a deleted "after the training file was deleted" 3

# A damaged copy is refused, naming the file and both sha256s; the blend through its member.
cp "$snap" snap.saved
printf '0,"Item 1 Part",1,1,False,1,1,g1\n' >> "$snap"
bad_sha=$(sha256sum "$snap" | cut -d' ' -f1)
for run in 1 3; do
  expect_rc 1 "$runner" predict --run $run --store exp.db new20.csv -q
  expect_in "$tmp/err" "train_data $snap is not the file the run wrote: sha256 $sha recorded in exp.db, $bad_sha on disk"
done
cp snap.saved "$snap"

# A run recorded before runs kept their training file (no train_data artifact) reads
# data.path, which must still be the data its study recorded.
sql_do "delete from xp_artifacts where run_id=1 and kind='train_data'"
expect_rc 1 "$runner" predict --run 1 --store exp.db new20.csv -q
expect_in "$tmp/err" "run 1 kept no copy of its training file"
expect_in "$tmp/err" "small.csv: cannot read"
cp orig.csv small.csv
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q
cmp -s a_1.csv "$tmp/out" && ok || bad "old run on its unchanged training file: other predictions"
awk -F, 'BEGIN { OFS = "," } NR > 1 { $7 = $7 * 3 + 11 } { print }' orig.csv > small.csv
now=$("$py" -c "import hashlib, sys; print(hashlib.sha256(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest().encode()).hexdigest())" small.csv)
rec=$(sql "select value_json from study_user_attributes a join xp_runs r on r.study_id = a.study_id where r.id = 1 and a.key = 'xp_data_sha256'")
expect_rc 1 "$runner" predict --run 1 --store exp.db new20.csv -q
expect_in "$tmp/err" "small.csv is not the data its study recorded: data sha256 $rec recorded in exp.db, \"$now\" now"
expect_in "$tmp/err" "Restore the training file the run used, or rerun the config"
# With no recorded data sha256 at all there is nothing to check: a warning, then predict.
sql_do "delete from study_user_attributes where key = 'xp_data_sha256' and study_id = (select study_id from xp_runs where id = 1)"
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q
expect_in "$tmp/err" "warning: run 1 kept no copy of its training file and its study recorded no data sha256"
finish
