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
finish
