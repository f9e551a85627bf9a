#!/usr/bin/env bash
# Every column a config names is checked against the file's header before anything is
# fitted, and all missing ones are listed in one message with their file:line:col: step 1's
# config on a table that is not the challenge's; typos with a "did you mean"; columns that an
# earlier stage adds (quantity's _known / log_, a declared date column's features) are no error.
# usage: test_columns.sh RUNNER SRCDIR CONFIGDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") configs=$(readlink -f "$3") py=$(readlink -f "$4")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
"$py" "$src/gen_films.py" films.csv 300 ,

# Step 1 on the films table: one message, every missing name, nothing fitted.
expect_rc 2 "$runner" "$configs/step1_xgb.yaml" data.path=films.csv "data.target=Worldwide Gross" store.path=exp.db
expect_in "$tmp/err" "14 columns named by the config are not in films.csv:"
expect_in "$tmp/err" "configs/challenge.yaml:10:11 (data.source): 'source_id'"
expect_in "$tmp/err" "configs/challenge.yaml:12:10 (validation.group): 'description'"
expect_in "$tmp/err" "configs/step1_xgb.yaml:10:15 (pipeline[0].columns[0]): 'feature_1', read by pipeline[0] parse_prefixed"
expect_in "$tmp/err" "configs/step1_xgb.yaml:12:13 (pipeline[1].column): 'quantity', read by pipeline[1] quantity"
expect_in "$tmp/err" "(model.monotone.quantity): 'quantity', read by model"
expect_in "$tmp/err" "films.csv has: Title, Release Date, Production Budget"
grep -q "quantity_known\|log_quantity" "$tmp/err" && bad "a column added by a stage was reported missing" || ok
grep -q "^\[pipeline\|^\[search\|^\[folds" "$tmp/err" && bad "work was done before the check" || ok
[ ! -e exp.db ] && ok || bad "the store was created before the check failed"

# Typos in overrides: where they came from and a suggestion.
expect_rc 2 "$runner" "$configs/tabular.yaml" data.path=films.csv "data.target=Worldwide gross" \
  "data.roles={Titel: ignore}" "+data.drop=[Ratng]"
expect_in "$tmp/err" "3 columns named by the config are not in films.csv:"
expect_in "$tmp/err" "(data.target): 'Worldwide gross' (did you mean 'Worldwide Gross'?)"
expect_in "$tmp/err" "(data.roles.Titel): 'Titel' (did you mean 'Title'?)"
expect_in "$tmp/err" "(data.drop[0]): 'Ratng' (did you mean 'Rating'?)"

# Columns made by earlier stages are known: quantity's outputs named by later stages and the
# model, a declared date column's features named by a later stage.
cat > made.yaml <<EOF2
extends: $configs/tabular.yaml
name: made
pipeline:
  - plugin: date
    columns: [Release Date]
  - plugin: quantity
    column: Rating
    placeholder: -1
  - plugin: placeholders
    exclude: [Rating_known, log_Rating, Release Date_year]
  - plugin: frequency
model:
  monotone: {log_Rating: 1}
EOF2
expect_rc 0 "$runner" made.yaml data.path=films.csv "data.target=Worldwide Gross" search.trials=1 \
  store.path=exp2.db validation.random_split_check=false
expect_in "$tmp/out" "test ("
# ...but the same names before the stage that makes them are missing.
cat > early.yaml <<EOF2
extends: $configs/tabular.yaml
name: early
pipeline:
  - plugin: placeholders
    exclude: [Rating_known]
  - plugin: quantity
    column: Rating
EOF2
expect_rc 2 "$runner" early.yaml data.path=films.csv "data.target=Worldwide Gross"
expect_in "$tmp/err" "(pipeline[0].exclude[0]): 'Rating_known', read by pipeline[0] placeholders"

# Column names that JSON must escape as the group (a tab, quotes) and the source column (a
# backslash before a 't'): the split and source_weights records hold them as valid JSON that
# reads back exactly. Before, they went between quotes as they were: the store refused the
# split record (the run failed), and the source column was read back with a tab in it.
bash "$src/make_small_csv.sh" odd.csv 300
sed -i '1s/.*/"src\\td","desc\t""q""",x1,x2,flag,quantity,target/' odd.csv
cat > odd.yaml <<'EOF2'
name: odd_names
seed: 3
data:
  path: odd.csv
  target: target
  types: {"desc\t\"q\"": text}
  roles: {"desc\t\"q\"": ignore}
  source: 'src\td'
store:
  path: odd.db
validation:
  test_fraction: 0.2
  folds: 3
  group: "desc\t\"q\""
metrics: [rmsle]
objective: rmsle
source_weights: {enabled: true}
model:
  plugin: xgboost
  num_boost_round: 20
  threads: 1
search:
  sampler: random
  trials: 1
  pruner: {type: none}
EOF2
expect_rc 0 "$runner" odd.yaml -q
expect_rc 0 "$py" - odd.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
kinds = [k for (k,) in db.execute("select kind from xp_records where kind in ('split', 'source_weights') order by kind")]
assert kinds == ["source_weights", "split"], kinds
bad = db.execute("select count(*) from xp_records where not json_valid(json)").fetchone()[0]
assert bad == 0, db.execute("select kind, json from xp_records where not json_valid(json)").fetchall()
group = db.execute("select json_extract(json, '$.group') from xp_records where kind = 'split'").fetchone()[0]
assert group == 'desc\t"q"', group
column = db.execute("select json_extract(json, '$.column') from xp_records where kind = 'source_weights'").fetchone()[0]
assert column == 'src\\td', column
n = db.execute("select json_array_length(json, '$.sources') from xp_records where kind = 'source_weights'").fetchone()[0]
assert n == 4, n
PY
finish
