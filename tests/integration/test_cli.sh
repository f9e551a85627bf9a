#!/usr/bin/env bash
# The command line: help texts, --print-config with extends and overrides, and config
# errors that name file:line:col, the key path and what was expected (exit code 2).
# usage: test_cli.sh RUNNER SRCDIR
runner=$1 src=$2
# meson passes build targets relative to the build dir; the tests cd elsewhere.
runner=$(readlink -f "$runner")
src=$(readlink -f "$src")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 300

expect_rc 0 "$runner" --help
expect_in "$tmp/out" "usage: runner"
expect_rc 0 "$runner" plugins --help
expect_in "$tmp/out" "usage: runner plugins"
expect_rc 0 "$runner" predict --help
expect_in "$tmp/out" "usage: runner predict"
expect_rc 2 "$runner"
expect_rc 2 "$runner" --bogus small.yaml

cat > child.yaml <<'Y'
extends: small.yaml
name: child
search:
  trials: 7
Y
expect_rc 0 "$runner" child.yaml search.trials=9 +extra.key=1 '~validation.group' --print-config
expect_in "$tmp/out" "name: child"
expect_in "$tmp/out" "trials: 9"
expect_in "$tmp/out" "max_depth: 3"
if grep -q "group: description" "$tmp/out"; then bad "~validation.group did not delete"; else ok; fi

# Overriding a key that does not exist needs '+'.
expect_rc 2 "$runner" small.yaml search.trialz=3 --print-config
expect_in "$tmp/err" "search.trialz"

# Unknown key: named with file:line:col.
cat > typo.yaml <<'Y'
extends: small.yaml
validation:
  foldz: 3
Y
expect_rc 2 "$runner" typo.yaml
expect_in "$tmp/err" "typo.yaml:3:3: validation.foldz: unknown key"

# Wrong type: the key, its place, what was expected.
cat > type.yaml <<'Y'
extends: small.yaml
search:
  trials: many
Y
expect_rc 2 "$runner" type.yaml
expect_in "$tmp/err" "type.yaml:3:11"
expect_in "$tmp/err" "search.trials"

# search.first_trial: config — trial 0 evaluates the config's own point (a value no sampler
# draws), keys the config leaves outside the space are sampled; a bad value names the key.
expect_rc 0 "$runner" small.yaml store.path=first.db search.trials=1 +search.first_trial=config \
  model.params.eta=0.123 model.params.max_depth=9
expect_in "$tmp/out" "model.params.eta = 0.123"
expect_in "$tmp/err" "model.params.max_depth is sampled"
# With a step, a value between the grid's points is no point of the space: it is sampled.
cat > step.yaml <<'Y'
extends: small.yaml
search:
  space:
    model.params.eta: {type: float, low: 0.05, high: 0.5, step: 0.05, log: false}
Y
expect_rc 0 "$runner" step.yaml store.path=first3.db search.trials=1 +search.first_trial=config model.params.eta=0.125
expect_in "$tmp/err" "model.params.eta is sampled (the config sets no value in its range and on its step grid)"
expect_rc 0 "$runner" step.yaml store.path=first4.db search.trials=1 +search.first_trial=config model.params.eta=0.15
expect_in "$tmp/out" "model.params.eta = 0.1"   # 0.15 or its nearest double's digits
if grep -qF "model.params.eta is sampled" "$tmp/err"; then bad "an on-grid config value was sampled"; else ok; fi
expect_rc 2 "$runner" small.yaml store.path=first2.db +search.first_trial=mine
expect_in "$tmp/err" "search.first_trial must be sampler or config"

# Unknown plugin name.
expect_rc 2 "$runner" small.yaml model.plugin=nosuchmodel
expect_in "$tmp/err" "no model plugin named 'nosuchmodel'"

# A missing data file is a run failure that names the file.
expect_rc 1 "$runner" small.yaml data.path=nope.csv store.path=e.db
expect_in "$tmp/err" "nope.csv"

# `runner worker` on SQLite: refuses a store file that does not exist (and does not create
# it), joins first.db's study (same config) for one more trial, its sampler handed trial 0.
expect_rc 2 "$runner" worker small.yaml store.path=none.db
expect_in "$tmp/err" "none.db: No such file or directory; a worker joins an existing study"
[ -e none.db ] && bad "worker created none.db" || ok
expect_rc 2 "$runner" worker small.yaml store.path=first.db name=other
expect_in "$tmp/err" "has no study 'other'"
expect_rc 0 "$runner" worker small.yaml store.path=first.db search.trials=2 +search.first_trial=config \
  model.params.eta=0.123 model.params.max_depth=9 -v
expect_in "$tmp/err" "trial 1: sampler tpe asked with 1 finished trials of the study (0 new from other workers"
# `runner export` from SQLite: the study into a new file report reads; an existing file refused.
expect_rc 0 "$runner" export --store first.db --out copy.db
expect_in "$tmp/err" "1 study, 2 runs, 2 trials"
expect_rc 0 "$runner" report --store copy.db
expect_rc 2 "$runner" export --store first.db --out copy.db
expect_in "$tmp/err" "copy.db: exists"
expect_rc 0 "$runner" export --help
expect_in "$tmp/out" "usage: runner export"
finish
