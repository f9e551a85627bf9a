#!/usr/bin/env bash
# No silent wrong results (issue 11): each section reproduces one finding on a small real
# run and checks the fix.
#   signals      Ctrl-C / SIGTERM: trial FAIL, run INTERRUPTED, exit 130 / 143
#   space keys   a search-space key that is no config path is an error naming it
#   missing paths  --plugin-dir and predict --store naming nothing are errors
#   artifacts    two stores in one folder keep their own artifacts; predict checks sha256
#   reproducibility  same config and seed, same results whatever else the store holds
#   failed writes  a store write that fails fails the run, naming what it could not record
#   holdout share  a grouped holdout far from test_fraction is refused or warned about
#   changed config  resuming a study with another config or data is refused (search.resume: force)
#   concurrency  runners sharing a store keep the budget and refit the study's best
# usage: test_robust.sh RUNNER SRCDIR PYTHON
runner=$1 src=$2 py=$3
runner=$(readlink -f "$runner")
src=$(readlink -f "$src")
py=$(readlink -f "$py")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600

# sql DB QUERY: first column of the first row ('' when none)
sql() { "$py" -c "import sqlite3, sys; r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print('' if r is None or r[0] is None else r[0])" "$@"; }

# ---------------------------------------------------------------- signals
# A slow search (long boosting, no early stopping); the signal comes while a trial runs.
# The runner must stop at its next safe point (a boosting round sees report() ask it to
# stop), mark that trial FAIL and the run INTERRUPTED, and exit 128 + the signal number.
for sig in INT TERM; do
  db=sig_$sig.db
  rm -f "$db"
  "$runner" small.yaml store.path=$db name=sig search.trials=50 model.num_boost_round=200000 \
    model.early_stopping_rounds=0 -q >"$tmp/sig_out" 2>"$tmp/sig_err" &
  pid=$!
  running=''
  for _ in $(seq 1 300); do   # up to 30 s for the first trial to start
    [ -f "$db" ] && running=$(sql "$db" "select count(*) from trials where state='RUNNING'" 2>/dev/null)
    [ "${running:-0}" -ge 1 ] 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.5
  kill -$sig $pid
  t0=$(date +%s)
  # A runner that ignores the signal (a background job of a script inherits SIGINT ignored)
  # would run for hours: give it 30 s, then kill it and report.
  for _ in $(seq 1 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill -0 $pid 2>/dev/null && { kill -KILL $pid; bad "SIG$sig: the runner did not stop within 30 s"; }
  wait $pid; rc=$?
  took=$(( $(date +%s) - t0 ))
  want=$([ $sig = INT ] && echo 130 || echo 143)
  [ "$rc" = "$want" ] && ok || { bad "SIG$sig: exit $rc, wanted $want"; sed 's/^/  stderr: /' "$tmp/sig_err" >&2; }
  [ "$took" -le 20 ] && ok || bad "SIG$sig: took $took s to stop"
  expect_in "$tmp/sig_err" "interrupted by SIG$sig"
  [ "$(sql "$db" "select status from xp_runs order by id desc limit 1")" = INTERRUPTED ] && ok || bad "SIG$sig: run status is $(sql "$db" "select status from xp_runs")"
  [ "$(sql "$db" "select count(*) from trials where state='RUNNING'")" = 0 ] && ok || bad "SIG$sig: a trial is still RUNNING"
  [ "$(sql "$db" "select count(*) from trials where state='FAIL'")" = 1 ] && ok || bad "SIG$sig: expected the interrupted trial FAIL"
  reason=$(sql "$db" "select value_json from trial_user_attributes where key='fail_reason'")
  case "$reason" in *"interrupted by SIG$sig"*) ok ;; *) bad "SIG$sig: fail_reason is '$reason'" ;; esac
  [ -n "$(sql "$db" "select ended_at from xp_runs order by id desc limit 1")" ] && ok || bad "SIG$sig: run has no end time"
done

# ---------------------------------------------------------------- space keys
# A misspelt path (num_boost_rounds) was "tuned" and printed as a best parameter while no
# stage read it: now a config error (exit 2, nothing run) naming the key and its position.
cat > typo.yaml <<'YAML'
extends: small.yaml
search:
  space:
    model.num_boost_rounds: {type: int, low: 10, high: 50}
YAML
expect_rc 2 "$runner" typo.yaml store.path=typo.db -q
expect_in "$tmp/err" "typo.yaml:4:"
expect_in "$tmp/err" "'model.num_boost_rounds' is no key of the config"
[ ! -f typo.db ] && ok || bad "a config error still created the store"
# A key the config sets (here by the extending file) can be searched.
cat > gamma.yaml <<'YAML'
extends: small.yaml
model:
  params: {gamma: 0}
search:
  space:
    model.params.gamma: {type: float, low: 0, high: 1}
YAML
expect_rc 0 "$runner" gamma.yaml store.path=typo.db search.trials=1 -q
expect_in "$tmp/out" "model.params.gamma = "

# ---------------------------------------------------------------- missing paths
# --plugin-dir naming no folder was ignored; predict --store with a mistyped path created an
# empty database there. Both are errors now, and nothing is created.
expect_rc 2 "$runner" plugins --plugin-dir no_such_dir
expect_in "$tmp/err" "--plugin-dir no_such_dir: no such directory"
expect_rc 2 "$runner" small.yaml --plugin-dir no_such_dir store.path=pd.db -q
expect_in "$tmp/err" "no_such_dir: no such directory"
: > not_a_dir
expect_rc 2 "$runner" plugins --plugin-dir not_a_dir
expect_in "$tmp/err" "not a directory"
# Any number of --plugin-dir folders is taken: the runner once refused more than 32, and
# `plugins` and `predict` dropped the rest without a word. (test_blend finds a plugin in
# the 40th.)
# The run record keeps the whole command line, 4,600 characters here (it was cut at 4,096).
mkdir -p many_dirs && many=$(for i in $(seq 200); do printf -- '--plugin-dir many_dirs '; done)
expect_rc 0 "$runner" plugins $many
expect_rc 0 "$runner" small.yaml $many store.path=md.db search.trials=1 -q
cmd=$(sql md.db "select command from xp_runs")
case "$cmd" in *"many_dirs store.path=md.db search.trials=1 -q") ok ;; *) bad "recorded command ends: ${cmd: -80}" ;; esac
[ "${#cmd}" -gt 4600 ] && ok || bad "recorded command is ${#cmd} characters"
expect_rc 2 "$runner" predict --run 1 --store typo_store.db small.csv
expect_in "$tmp/err" "typo_store.db"
[ ! -e typo_store.db ] && ok || bad "predict --store created typo_store.db"

# ---------------------------------------------------------------- artifacts
# Two stores in one folder both have a run 1: their artifacts must not share a folder, and
# predict on the first store must use the first store's model (its test predictions again).
mkdir -p two
expect_rc 0 "$runner" small.yaml store.path=two/a.db search.trials=2 seed=3 -q
expect_rc 0 "$runner" small.yaml store.path=two/b.db search.trials=2 seed=11 model.params.max_depth=5 -q
art() { sql "$1" "select path from xp_artifacts where run_id=$2 and kind='$3' order by id desc limit 1"; }
[ "$(art two/a.db 1 model)" != "$(art two/b.db 1 model)" ] && ok || bad "both stores' run 1 saved the model to $(art two/a.db 1 model)"
# The test rows of store a's run, predicted from store a.
test_art=$(art two/a.db 1 test_predictions)
head -1 small.csv > a_test_rows.csv
"$py" - "$test_art" small.csv >> a_test_rows.csv <<'PY'
import csv, sys
rows = [int(r["row"]) for r in csv.DictReader(open(sys.argv[1]))]
lines = open(sys.argv[2]).read().splitlines()[1:]
sys.stdout.write("".join(lines[i] + "\n" for i in rows))
PY
expect_rc 0 "$runner" predict --run 1 --store two/a.db a_test_rows.csv -q
cp "$tmp/out" a_pred.csv
expect_rc 0 "$py" - "$test_art" a_pred.csv <<'PY'
import csv, sys
a = [float(r["prediction"]) for r in csv.DictReader(open(sys.argv[1]))]
b = [float(r["prediction"]) for r in csv.DictReader(open(sys.argv[2]))]
assert len(a) == len(b) and len(a) > 0, (len(a), len(b))
worst = max(abs(x - y) / max(abs(x), 1e-9) for x, y in zip(a, b))
assert worst < 1e-6, worst
PY
# A model or refit config that is not the file the run wrote is refused, naming it.
for kind in model refit_config; do
  f=$(art two/a.db 1 $kind)
  cp "$f" saved.bin
  printf '\n' >> "$f"
  expect_rc 1 "$runner" predict --run 1 --store two/a.db a_test_rows.csv -q
  expect_in "$tmp/err" "$kind $f is not the file the run wrote"
  cp saved.bin "$f"
done
expect_rc 0 "$runner" predict --run 1 --store two/a.db a_test_rows.csv -q

# ---------------------------------------------------------------- reproducibility
# Row and column subsampling make the model depend on its random stream. The same config and
# seed, in an empty store and in a store that already holds another study's trials (so the
# trial ids differ), must give the same trials and the same test score.
RND="+model.params.subsample=0.6 +model.params.colsample_bytree=0.6 search.trials=3 +validation.random_split_check=false"
# shellcheck disable=SC2086
expect_rc 0 "$runner" small.yaml store.path=rep_empty.db $RND -q
cp "$tmp/out" rep_empty.txt
# shellcheck disable=SC2086
expect_rc 0 "$runner" small.yaml store.path=rep_busy.db $RND name=other_study seed=5 -q
# shellcheck disable=SC2086
expect_rc 0 "$runner" small.yaml store.path=rep_busy.db $RND -q
cp "$tmp/out" rep_busy.txt
[ "$(sql rep_busy.db "select min(trial_id) from trials t join studies s using (study_id) where s.study_name='small'")" != 1 ] \
  && ok || bad "the busy store's study should not start at trial id 1"
# Everything but the run id line must agree: best trial, CV, parameters, test scores.
if diff <(grep -v '^study ' rep_empty.txt) <(grep -v '^study ' rep_busy.txt) >rep.diff; then ok
else bad "same config and seed, other results in a store holding another study:"; sed 's/^/  /' rep.diff >&2; fi
vals() { sql "$1" "select group_concat(printf('%.12g', v.value), ' ') from trial_values v join trials t using (trial_id) join studies s using (study_id) where s.study_name='small' order by t.number"; }
[ "$(vals rep_empty.db)" = "$(vals rep_busy.db)" ] && ok || bad "trial values differ: $(vals rep_empty.db) vs $(vals rep_busy.db)"

# ---------------------------------------------------------------- failed writes
# A trigger makes one kind of write fail, as a full disk or a locked file would. The run
# must fail (exit 1) naming what it could not record, and end FAIL — not exit 0 with a
# record that lacks it.
expect_rc 0 "$runner" small.yaml store.path=w.db name=w_setup search.trials=1 -q
n=0
while IFS='|' read -r table when what; do
  n=$((n + 1))
  "$py" -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" w.db \
    "CREATE TRIGGER fail_write BEFORE INSERT ON $table WHEN $when BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END"
  expect_rc 1 "$runner" small.yaml store.path=w.db name=w$n search.trials=2 -q
  expect_in "$tmp/err" "$what"
  expect_in "$tmp/err" "disk full (test)"
  [ "$(sql w.db "select status from xp_runs order by id desc limit 1")" = FAIL ] && ok || bad "$table: run not FAIL"
  [ "$(sql w.db "select count(*) from trials where state='RUNNING'")" = 0 ] && ok || bad "$table: a trial left RUNNING"
  "$py" -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER fail_write'); c.commit()" w.db
done <<'CASES'
xp_records|NEW.kind = 'split'|recording the split
xp_artifacts|NEW.kind = 'refit_config'|refit
xp_artifacts|NEW.kind = 'folds'|recording the folds
xp_metrics|NEW.split = 'valid' AND NEW.metric = 'rmsle'|recording fold 0's rmsle
xp_metrics|NEW.split = 'valid' AND NEW.metric NOT IN ('rmsle', 'rmse', 'r2')|xgboost (fold 0): store w.db: writing the metric
xp_metrics|NEW.split = 'test'|recording the test rmsle
xp_metrics|NEW.split = 'cv_random'|recording the random-split CV
trial_values|1|recording the value of trial 0
trial_intermediate_values|1|recording the intermediate values of trial 0
trial_params|1|recording model.params.max_depth of trial 0
trial_user_attributes|NEW.key = 'mean_best_iteration'|recording the mean best iteration of trial 0
CASES
# A blend's own scores too (its members' runs are left to write theirs).
cat > shallow.yaml <<'Y'
extends: small.yaml
name: w_shallow
model:
  num_boost_round: 25
  params: {max_depth: 1, eta: 0.3}
search:
  trials: 1
  space: null
Y
cat > wblend.yaml <<'Y'
extends: small.yaml
name: w_blend
blend:
  members: [small.yaml, shallow.yaml]
  method: simplex
  space: log
Y
"$py" -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" w.db \
  "CREATE TRIGGER fail_write BEFORE INSERT ON xp_metrics WHEN NEW.split = 'cv_valid' AND NEW.trial_id IS NULL AND NEW.run_id IN (SELECT id FROM xp_runs WHERE name = 'w_blend') BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END"
expect_rc 1 "$runner" wblend.yaml store.path=w.db search.trials=1 -q
expect_in "$tmp/err" "recording the blend's cv_valid rmsle"
expect_in "$tmp/err" "disk full (test)"
[ "$(sql w.db "select status from xp_runs where name = 'w_blend'")" = FAIL ] && ok || bad "blend run not FAIL"

# ---------------------------------------------------------------- holdout share
# Whole groups go to the test part: one group holding 75% of the rows put ~90% of the file
# in the test part, silently. Far off test_fraction is refused (naming the group), a little
# off is a warning, and too few groups for the folds says why.
big_csv() {   # big_csv OUT SHARE_PERCENT: "Item 0 Part" holds SHARE% of 600 rows
  awk -v share="$2" 'BEGIN { srand(5); print "source_id,description,x1,x2,flag,quantity,target";
    for (i = 0; i < 600; i++) { it = (i % 20 < share / 5) ? 0 : 1 + int(rand() * 40);
      printf "%d,\"Item %d Part\",%.3f,%d,True,%d,%d\n", i % 4, it, rand() * 5, int(rand() * 10), 1 + int(rand() * 50), 20 + int(rand() * 100) } }' > "$1"
}
big_csv big.csv 75
expect_rc 2 "$runner" small.yaml data.path=big.csv store.path=big.db seed=1 search.trials=1 -q
expect_in "$tmp/err" "the grouped holdout put 9"
expect_in "$tmp/err" "% of the rows in the test part, asked 20.0%"
expect_in "$tmp/err" "'Item 0 Part' with 450 rows (75.0% of the file"
expect_in "$tmp/err" "validation.test_fraction"
[ ! -f big.db ] && ok || bad "a refused holdout still created the store"
# Another seed keeps the big group in the dev part: the run goes on.
expect_rc 0 "$runner" small.yaml data.path=big.csv store.path=big.db seed=2 search.trials=1 -q
big_csv mid.csv 35
expect_rc 0 "$runner" small.yaml data.path=mid.csv store.path=mid.db seed=7 search.trials=1
expect_in "$tmp/err" "warning: the holdout put 42.7% of the rows in the test part, asked 20.0%"
awk 'BEGIN { print "source_id,description,x1,x2,flag,quantity,target";
  for (i = 0; i < 60; i++) printf "%d,\"Item %d Part\",%.3f,1,True,3,%d\n", i % 4, i % 3, i / 10, 20 + i }' > few.csv
expect_rc 1 "$runner" small.yaml data.path=few.csv store.path=few.db -q
expect_in "$tmp/err" "folds of the dev part (1 of 3 groups went to the test part): only 2 groups for 3 folds, and every row of a group goes to one fold"

# ---------------------------------------------------------------- changed config
# Rerunning a study name with another config or dataset counted the old trials toward the
# budget and reported their CV as this run's. Now: a bigger budget resumes; another config
# or data is refused naming both identities; search.resume: force continues it.
expect_rc 0 "$runner" small.yaml store.path=id.db search.trials=2 -q
expect_rc 0 "$runner" small.yaml store.path=id.db search.trials=3 -q
expect_in "$tmp/out" "trials: 3 complete, 0 pruned, 0 failed this run (1 started)"
cfg_sha=$(sql id.db "select value_json from study_user_attributes where key='xp_config_sha256'")
data_sha=$(sql id.db "select value_json from study_user_attributes where key='xp_data_sha256'")
expect_rc 2 "$runner" small.yaml store.path=id.db search.trials=4 model.params.max_depth=4 -q
expect_in "$tmp/err" "study 'small' in id.db holds 3 finished trials of another config or data (config sha256 $cfg_sha recorded"
expect_in "$tmp/err" "search.resume: force"
expect_rc 2 "$runner" small.yaml store.path=id.db search.trials=4 data.path=mid.csv -q
expect_in "$tmp/err" "data sha256 $data_sha recorded"
[ "$(sql id.db "select count(*) from xp_runs")" = 2 ] && ok || bad "a refused resume recorded a run"
expect_rc 0 "$runner" small.yaml store.path=id.db search.trials=4 model.params.max_depth=4 +search.resume=force -q
expect_in "$tmp/out" "(1 started)"
[ "$(sql id.db "select value_json from study_user_attributes where key='xp_config_sha256'")" != "$cfg_sha" ] && ok \
  || bad "force did not record the new config identity"
expect_rc 2 "$runner" small.yaml store.path=id.db +search.resume=maybe -q
expect_in "$tmp/err" "search.resume must be check or force"

# ---------------------------------------------------------------- concurrent runners
# Runners on one config and store ran their own budget each (8 trials for 4) and refitted
# their own best. Trials are now claimed against the study's budget in one transaction; the
# runner that finishes last, and only it, refits the study's best trial; no lock errors.
for runners in 2 4; do
  db=conc$runners.db budget=$((runners + 2))
  pids=()
  for r in $(seq 1 $runners); do
    "$runner" small.yaml store.path=$db search.trials=$budget -q >"$tmp/conc_$r.out" 2>"$tmp/conc_$r.err" &
    pids+=($!)
  done
  for r in $(seq 1 $runners); do
    wait "${pids[$((r - 1))]}" && ok || { bad "$runners runners: runner $r failed"; sed 's/^/  stderr: /' "$tmp/conc_$r.err" >&2; }
    if grep -qi "lock\|busy" "$tmp/conc_$r.err"; then bad "$runners runners: lock errors"; sed 's/^/  /' "$tmp/conc_$r.err" >&2; else ok; fi
  done
  n=$(sql $db "select count(*) from trials where state in ('COMPLETE', 'PRUNED')")
  [ "$n" = $budget ] && ok || bad "$runners runners, budget $budget: $n trials ran"
  [ "$(sql $db "select count(*) from trials where state = 'RUNNING'")" = 0 ] && ok || bad "$runners runners: a trial left RUNNING"
  [ "$(sql $db "select count(*) from xp_runs where status = 'COMPLETE'")" = $runners ] && ok || bad "$runners runners: not every run COMPLETE"
  # The runner that finishes its search last refits the study's best trial. It is found by
  # its refit claim, not by ended_at: a search-only runner may end in the same second.
  last=$(sql $db "select run_id from xp_records where kind = 'refit_claim' order by id limit 1")
  study_best=$(sql $db "select t.number from trials t join trial_values v using (trial_id) where t.state='COMPLETE' order by v.value, t.number limit 1")
  out=$(grep -l "^study small  run $last\$" "$tmp"/conc_*.out | head -1)
  refit_best=$(sed -n 's/^best trial \([0-9]*\):.*/\1/p' "$out")
  [ "$refit_best" = "$study_best" ] && ok || bad "$runners runners: the last run refitted trial $refit_best, the study's best is $study_best"
  [ "$(sql $db "select count(*) from xp_records where kind = 'refit_claim'")" = 1 ] && ok || bad "$runners runners: not exactly one refit"
  [ "$(sql $db "select count(distinct run_id) from xp_metrics where split = 'test'")" = 1 ] && ok || bad "$runners runners: several test scores"
  [ "$(sql $db "select count(*) from xp_records where kind = 'search_only'")" = $((runners - 1)) ] && ok \
    || bad "$runners runners: the others are not recorded as search-only"
done

finish
