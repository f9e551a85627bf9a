#!/usr/bin/env bash
# `ridge_encode` through the runner, on a table where each item's description holds a word of
# its own ("Item 17 Part"): fitted on the training rows, that word knows the item's target,
# so a training row given the full fit would see its own target. The record's out-of-fold
# RMSE must stay near the target's SD (the own word is unknown to the other parts), the run
# must finish, `runner predict` must reproduce its test predictions, and a misspelt group
# column is refused before anything is fitted. The CV next to the same config without the
# column shows what the model saw.
# usage: test_ridge_encode.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600
cat > ridge.yaml <<'Y'
extends: small.yaml
name: ridge
pipeline:
  - plugin: target_log
  - plugin: tokens
    column: description
    as: counts
    min_count: 1
  - plugin: ridge_encode
    columns: ["description_*"]
    group: description
    out: description_ridge
    alpha: 0.01
validation:
  final: folds
  random_split_check: false
Y
expect_rc 0 "$runner" ridge.yaml
expect_in "$tmp/err" "ridge_encode: description_ridge from"
sql() { "$py" -c "import sqlite3, sys; r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print('' if r is None or r[0] is None else r[0])" exp.db "$1"; }
n=$(sql "select count(*) from xp_records where kind='ridge_encode'")
[ "$n" -ge 3 ] && ok || bad "expected a ridge_encode record per fold pipeline (3 folds), got $n"
# Every fold: the item words carry the item's level, yet out of fold they cannot.
"$py" - exp.db <<'PY' && ok || bad "ridge_encode's out-of-fold RMSE is too low: training rows saw their own targets"
import json, sqlite3, sys
recs = [json.loads(j) for (j,) in sqlite3.connect(sys.argv[1]).execute("select json from xp_records where kind='ridge_encode'")]
for r in recs:
    assert r["columns"] >= 30, r["columns"]          # item numbers + "item" + "part"
    assert r["groups"] >= 20, r["groups"]
    assert r["oof_rmse"] > 0.7 * r["target_sd"], (r["oof_rmse"], r["target_sd"])
PY
expect_predict_reproduces "$runner" exp.db 1 small.csv
# What the model saw: the same config without ridge_encode (word columns only) reaches about
# the same CV. Had the training rows got the full fit (their own target through their item's
# word), the trees would lean on the column and miss on every unseen item: CV 0.80 against
# 0.19 when apply() was made to skip the out-of-fold fits (2026-12-03).
sed 's/^name: ridge/name: words/; /plugin: ridge_encode/,/alpha: 0.01/d' ridge.yaml > words.yaml
expect_rc 0 "$runner" words.yaml -q
best() { sql "select min(v.value) from trial_values v join trials t using(trial_id) join studies s using(study_id) where s.study_name='$1'"; }
cv_ridge=$(best ridge) cv_words=$(best words)
"$py" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if 0 < a < 1.3 * b else 1)" "$cv_ridge" "$cv_words" \
  && ok || bad "CV with ridge_encode $cv_ridge against $cv_words without: the column leaked its rows' targets"
# A misspelt group column: refused by the config check, named with its place in the file.
sed 's/group: description/group: descripton/' ridge.yaml > typo.yaml
sed -i 's/^name: ridge/name: typo/' typo.yaml
expect_rc 2 "$runner" typo.yaml
expect_in "$tmp/err" "descripton"
expect_in "$tmp/err" "typo.yaml:"
[ "$(sql "select count(*) from studies where study_name='typo'")" = 0 ] && ok || bad "the typo config created a study"
finish
