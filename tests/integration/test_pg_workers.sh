#!/usr/bin/env bash
# Many runners on one study in a real PostgreSQL server (started here in a temporary folder,
# tests/store/pg_cluster.sh; SKIP, exit 77, without the server binaries).
#   test_pg_workers.sh RUNNER INTEGRATION_DIR PYTHON3 PG_CLUSTER_SH
#
#   workers    4 runners at once, search.trials=12: exactly 12 finished trials numbered 0..11,
#              no lock or serialization errors, exactly one refit and test, the others say who
#              refits; a consistent record (links, params, values); artifacts in the shared
#              folder; Optuna reads the study and its best value; predict works on the URL
#   heartbeat  a runner SIGKILLed mid-trial: two others fail its trial once its heartbeat is
#              older than the grace period, take its place, and the budget is still met
#   optuna     a Python Optuna worker adds trials while a runner searches: the runner's next
#              sampler ask is handed them (its -v line: the history size per ask)
#   worker     `runner worker` refuses a study or SQLite file that does not exist (creating
#              neither), and joins one that does, Optuna's trials included
#   export     `runner export` copies a PostgreSQL study into an SQLite file: same rows and
#              values, Optuna reads it, report / compare / report --html work on it; refusals
#   config     store.path and store.url both set, a URL without store.artifacts, a bad URL:
#              config errors naming the keys; `runner report` on a URL says to export it
runner=$(readlink -f "$1") here=$2 py=$(readlink -f "$3") cluster=$4
. "$here/lib.sh"
. "$cluster"
pg_start "$tmp/pg"
cd "$tmp" || exit 1
# A runner built without libpq says so when it meets a postgresql:// store: nothing to test.
"$runner" predict --run 1 --store "$(pg_url no_such_db)" /dev/null >/dev/null 2>"$tmp/probe.err"
if grep -q "built without PostgreSQL support" "$tmp/probe.err"; then
  echo "SKIP: $runner was built without PostgreSQL support (libpq-dev absent at configure time)"
  exit 77
fi
bash "$here/make_small_csv.sh" small.csv
cp "$here/small.yaml" small.yaml
shared="$tmp/shared"

# ---------------------------------------------------------------- workers
pg_createdb w4
url=$(pg_url w4)
pids=()
for w in 1 2 3 4; do
  "$runner" small.yaml store.path=null "+store.url=$url" "+store.artifacts=$shared" search.trials=12 -q \
    >"$tmp/w$w.out" 2>"$tmp/w$w.err" &
  pids+=($!)
done
for w in 1 2 3 4; do
  wait "${pids[$((w - 1))]}" && ok || { bad "worker $w failed"; sed 's/^/  stderr: /' "$tmp/w$w.err" >&2; }
  if grep -qiE "lock|serializ|deadlock|could not|duplicate key" "$tmp/w$w.err"; then
    bad "worker $w: database errors"; sed 's/^/  /' "$tmp/w$w.err" >&2
  else ok; fi
done
q() { pg_sql w4 "$1"; }
[ "$(q "select count(*) from trials where state in ('COMPLETE', 'PRUNED')")" = 12 ] && ok \
  || bad "12 finished trials wanted: $(q "select state, count(*) from trials group by state")"
[ "$(q "select count(*) from trials where state not in ('COMPLETE', 'PRUNED')")" = 0 ] && ok || bad "trials left RUNNING or FAIL"
[ "$(q "select count(distinct number) || ' ' || min(number) || ' ' || max(number) from trials")" = "12 0 11" ] && ok \
  || bad "trial numbers are not 0..11: $(q "select string_agg(number::text, ',' order by number) from trials")"
[ "$(q "select count(*) from xp_runs where status = 'COMPLETE'")" = 4 ] && ok || bad "not every run COMPLETE"
# Exactly one refit: one claim, three search-only runs, one run with test metrics, one summary.
if [ "$(q "select count(*) from xp_records where kind = 'refit_claim'")" = 1 ]; then ok; else
  bad "refit claims: $(q "select count(*) from xp_records where kind = 'refit_claim'")"
  # What a rare double claim needs explaining (seen once under heavy load): each run's claim or
  # search-only record with its times, status and config, and each trial's run and times.
  q "select r.id, r.status, r.started_at, r.ended_at, left(r.config_sha256, 12), c.kind, c.json, c.created_at
     from xp_runs r left join xp_records c on c.run_id = r.id and c.kind in ('refit_claim', 'search_only')
     order by r.id" | sed 's/^/  run: /' >&2
  q "select t.number, l.run_id, t.state, t.datetime_start, t.datetime_complete from trials t
     join xp_trial_runs l using (trial_id) order by t.trial_id" | sed 's/^/  trial: /' >&2
fi
[ "$(q "select count(*) from xp_records where kind = 'search_only'")" = 3 ] && ok || bad "search-only runs: $(q "select count(*) from xp_records where kind = 'search_only'")"
[ "$(q "select count(distinct run_id) from xp_metrics where split = 'test'")" = 1 ] && ok || bad "more than one run scored the test part"
[ "$(grep -l '^test (' "$tmp"/w?.out | wc -l)" = 1 ] && ok || bad "not exactly one worker printed a test score"
[ "$(grep -lE "tested by run [0-9]|the runner that finishes last refits" "$tmp"/w?.out | wc -l)" = 3 ] && ok \
  || bad "search-only workers do not say who refits"
refit_run=$(q "select run_id from xp_records where kind = 'refit_claim'")
# Consistency (what PRAGMA foreign_key_check / integrity_check are for SQLite): every trial
# linked to one run of its study, both params recorded, a value for every finished trial.
[ "$(q "select count(*) from trials t join xp_trial_runs l using (trial_id) join xp_runs r on r.id = l.run_id where r.study_id = t.study_id")" = 12 ] && ok || bad "trials not linked to their runs"
[ "$(q "select count(*) from trial_params")" = 24 ] && ok || bad "params: $(q "select count(*) from trial_params")"
[ "$(q "select count(*) from trials t join trial_values v using (trial_id) where t.state in ('COMPLETE', 'PRUNED')")" = 12 ] && ok || bad "finished trials without a value"
[ "$(q "select count(*) from xp_artifacts where path not like '$shared/w4/%'")" = 0 ] && ok \
  || bad "artifacts outside the shared folder: $(q "select path from xp_artifacts where path not like '$shared/%' limit 3")"
[ -s "$shared/w4/run_$refit_run/test_predictions.csv" ] && ok || bad "the refit run's test predictions are not in $shared/w4/run_$refit_run"
# Optuna reads the study; its best is what the refitting runner used.
refit_out=$(grep -l '^test (' "$tmp"/w?.out | head -1)
best_line=$(sed -n 's/^best trial \([0-9]*\): CV rmsle = \(.*\)$/\1 \2/p' "$refit_out")
expect_rc 0 "$py" - "$url" "$best_line" <<'PY'
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name="small", storage=sys.argv[1])
done = [t for t in s.trials if t.state.is_finished()]
assert len(s.trials) == 12 and len(done) == 12, (len(s.trials), len(done))
num, val = sys.argv[2].split()
assert s.best_trial.number == int(num), (s.best_trial.number, num)
assert abs(s.best_value - float(val)) <= 1e-6 * abs(s.best_value), (s.best_value, val)
assert set(s.best_params) == {"model.params.max_depth", "model.params.eta"}, s.best_params
PY
head -6 small.csv > rows.csv
expect_rc 0 "$runner" predict --run "$refit_run" --store "$url" rows.csv -q
[ "$(wc -l < "$tmp/out")" = 6 ] && ok || bad "predict on the PostgreSQL store printed $(wc -l < "$tmp/out") lines"

echo "workers: ${SECONDS} s"
# ---------------------------------------------------------------- heartbeat
# Slow trials (20000 rounds, ~4 s on an idle core: slow enough that the victim cannot run the
# whole budget while the survivors start up on a loaded machine), heartbeats every second,
# failed after 3 s of silence.
pg_createdb hb
hb=$(pg_url hb)
slow=(small.yaml name=hb store.path=null "+store.url=$hb" "+store.artifacts=$shared" search.trials=6
      model.num_boost_round=20000 model.early_stopping_rounds=20000 +store.heartbeat_interval=1 +store.grace_period=3 -q)
# The victim starts first; once it runs a trial, two survivors start; once both are past
# opening the study (their runs recorded: a dead pid on this host is only looked at there),
# the victim is killed mid-trial. Only its stopped heartbeat can then tell the survivors it
# is gone — as for a worker on another machine.
"$runner" "${slow[@]}" >"$tmp/k.out" 2>"$tmp/k.err" &
victim=$!
victim_running() {   # 0 too when the query fails (the server busy)
  local n
  n=$(pg_sql hb "select count(*) from trials t join xp_trial_runs l using (trial_id) join xp_runs r on r.id = l.run_id
                 where r.pid = $victim and t.state = 'RUNNING'" 2>/dev/null)
  echo "${n:-0}"
}
wait_for() {   # wait_for WHAT CMD...: up to 30 s until CMD succeeds
  local what=$1; shift
  for _ in $(seq 1 300); do "$@" && return 0; sleep 0.1; done
  bad "$what"; return 1
}
wait_for "the victim never started a trial" eval '[ "$(victim_running)" -ge 1 ]' && ok
pids=()
for w in 1 2; do
  "$runner" "${slow[@]}" >"$tmp/h$w.out" 2>"$tmp/h$w.err" &
  pids+=($!)
done
wait_for "the survivors never started" eval '[ "$(pg_sql hb "select count(*) from xp_runs" 2>/dev/null)" = 3 ]' && ok
wait_for "the victim had no trial running to be killed in" eval '[ "$(victim_running)" -ge 1 ]' && ok
kill -KILL "$victim"
wait "$victim" 2>/dev/null
victim_run=$(pg_sql hb "select id from xp_runs where pid = $victim")
for w in 1 2; do
  wait "${pids[$((w - 1))]}" && ok || { bad "heartbeat worker $w failed"; sed 's/^/  stderr: /' "$tmp/h$w.err" >&2; }
done
h() { pg_sql hb "$1"; }
[ "$(h "select count(*) from trials where state in ('COMPLETE', 'PRUNED')")" = 6 ] && ok \
  || bad "budget not met after the kill: $(h "select state, count(*) from trials group by state")"
[ "$(h "select count(*) from trials where state = 'FAIL'")" = 1 ] && ok || bad "the dead worker's trial is not the one FAIL trial"
[ "$(h "select count(*) from trials where state = 'RUNNING'")" = 0 ] && ok || bad "a trial left RUNNING"
reason=$(h "select a.value_json from trial_user_attributes a join trials t using (trial_id) where t.state = 'FAIL' and a.key = 'fail_reason'")
case $reason in *"no heartbeat"*) ok ;; *) bad "the failed trial's fail_reason: '$reason'" ;; esac
# It was failed after the grace period, not before (datetime_complete vs its last heartbeat).
[ "$(h "select extract(epoch from t.datetime_complete - b.heartbeat) >= 2.9 from trials t join trial_heartbeats b using (trial_id) where t.state = 'FAIL'")" = t ] \
  && ok || bad "failed too early: $(h "select t.datetime_complete, b.heartbeat from trials t join trial_heartbeats b using (trial_id) where t.state = 'FAIL'")"
[ "$(h "select status from xp_runs where id = $victim_run")" = FAIL ] && ok || bad "the dead worker's run is not FAIL"
[ "$(h "select count(*) from xp_records where kind = 'refit_claim'")" = 1 ] && ok || bad "heartbeat: not exactly one refit"
[ "$(h "select count(distinct number) || ' ' || max(number) from trials")" = "7 6" ] && ok || bad "heartbeat: trial numbers"

echo "heartbeat: ${SECONDS} s"
# ---------------------------------------------------------------- optuna
# A Python Optuna worker adds COMPLETE trials while a runner is mid-search; the runner's next
# sampler ask must see them (its -v line gives the history handed to the sampler). The runner
# is stopped (SIGSTOP) while its first trial runs and the Optuna worker finishes 3 trials, so
# the order is fixed: an ask after that sees them only if the history is read again.
pg_createdb ow
ow=$(pg_url ow)
mid=(small.yaml name=ow store.path=null "+store.url=$ow" "+store.artifacts=$shared" search.trials=6
     model.num_boost_round=8000 model.early_stopping_rounds=8000)
"$runner" "${mid[@]}" -v >"$tmp/ow.out" 2>"$tmp/ow.err" &
owr=$!
wait_for "the runner never started a trial" eval '[ "$(pg_sql ow "select count(*) from trials where state = '"'RUNNING'"'" 2>/dev/null)" = 1 ]' && ok
kill -STOP "$owr"
expect_rc 0 "$py" - "$ow" <<'PY'
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name="ow", storage=sys.argv[1], sampler=optuna.samplers.RandomSampler(seed=1))
def objective(t):
    d = t.suggest_int("model.params.max_depth", 2, 5)
    e = t.suggest_float("model.params.eta", 0.05, 0.5, log=True)
    return 1.0 + d / 100 + e / 100   # worse than any real trial: evidence, not the best
s.optimize(objective, n_trials=3)
PY
kill -CONT "$owr"
wait "$owr" && ok || { bad "the runner beside the Optuna worker failed"; sed 's/^/  stderr: /' "$tmp/ow.err" | tail -20 >&2; }
o() { pg_sql ow "$1"; }
[ "$(o "select count(*) from trials where state = 'COMPLETE'")" = 6 ] && ok \
  || bad "optuna: 6 complete trials wanted: $(o "select state, count(*) from trials group by state")"
[ "$(o "select count(*) from trials t where not exists (select 1 from xp_trial_runs l where l.trial_id = t.trial_id)")" = 3 ] \
  && ok || bad "optuna: the Optuna worker's 3 trials are not in the study"
# Runner trials: numbers 0, 4, 5 (Optuna took 1-3 while trial 0 ran). Its ask for trial 4
# is handed trial 0 and Optuna's three: 4 finished trials, 3 of them new from other workers.
expect_in "$tmp/ow.err" "trial 4: sampler tpe asked with 4 finished trials of the study (3 new from other workers"
expect_in "$tmp/ow.err" "trial 5: sampler tpe asked with 5 finished trials of the study (0 new from other workers"
grep -q "history read in" "$tmp/ow.err" && ok || bad "optuna: no history read time at -v"
echo "optuna: ${SECONDS} s"

# ---------------------------------------------------------------- worker
# `runner worker` joins a study and never creates one.
expect_rc 2 "$runner" worker small.yaml name=nostudy store.path=null "+store.url=$ow" "+store.artifacts=$shared" -q
expect_in "$tmp/err" "has no study 'nostudy' (the config's name) to join"
[ "$(o "select count(*) from studies where study_name = 'nostudy'")" = 0 ] && ok || bad "worker: created the study it refused"
expect_rc 2 "$runner" worker small.yaml store.path=nofile.db -q
expect_in "$tmp/err" "nofile.db: No such file or directory; a worker joins an existing study"
[ -e nofile.db ] && bad "worker: created the SQLite file it refused" || ok
expect_rc 0 "$runner" worker --help
expect_in "$tmp/out" "never creates one"
# It joins the study above (the Optuna worker's trials included) and runs to the new budget.
expect_rc 0 "$runner" worker "${mid[@]}" search.trials=8 -v
expect_in "$tmp/err" "trial 6: sampler tpe asked with 6 finished trials of the study"
[ "$(o "select count(*) from trials where state = 'COMPLETE'")" = 8 ] && ok || bad "worker: 8 complete trials wanted"
grep -q '^test (' "$tmp/out" && ok || bad "worker: the last runner on the study did not refit and test"
echo "worker: ${SECONDS} s"

# ---------------------------------------------------------------- export
# `runner report` / `compare` read SQLite: `runner export` copies a PostgreSQL study into a
# file they read, with the same ids, values and timestamps Optuna accepts.
expect_rc 0 "$runner" export --store "$url" --out w4.db
expect_in "$tmp/err" "1 study, 4 runs, 12 trials"
for t in studies study_directions trials trial_params trial_values trial_intermediate_values trial_user_attributes \
         xp_runs xp_trial_runs xp_metrics xp_artifacts xp_records; do
  a=$(q "select count(*) from $t")
  b=$("$py" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from $t').fetchone()[0])" w4.db)
  [ "$a" = "$b" ] && ok || bad "export: $t has $b rows in the file, $a in PostgreSQL"
done
[ "$(q "select string_agg(trial_id || ':' || value, ',' order by trial_id) from trial_values")" = \
  "$("$py" -c "import sqlite3,sys; print(','.join(f'{i}:{v!r}' for i, v in sqlite3.connect(sys.argv[1]).execute('select trial_id, value from trial_values order by trial_id')))" w4.db)" ] \
  && ok || bad "export: trial values differ"
expect_rc 0 "$py" - w4.db "$best_line" <<'PY'
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name="small", storage=f"sqlite:///{sys.argv[1]}")
num, val = sys.argv[2].split()
assert len(s.trials) == 12 and s.best_trial.number == int(num), (len(s.trials), s.best_trial.number, num)
assert abs(s.best_value - float(val)) <= 1e-6 * abs(s.best_value), (s.best_value, val)   # val: %.6g
assert all(t.datetime_complete >= t.datetime_start for t in s.trials), "timestamps"
PY
expect_rc 0 "$runner" report --store w4.db
expect_in "$tmp/out" "small"
runs=($(q "select id from xp_runs order by id limit 2"))
expect_rc 0 "$runner" compare --store w4.db "${runs[0]}" "${runs[1]}"
expect_rc 0 "$runner" report --store w4.db --html --out "$tmp/page"
[ -s "$tmp/page/index.html" ] && ok || bad "export: no report page from the exported file"
expect_rc 2 "$runner" export --store "$url" --out w4.db
expect_in "$tmp/err" "w4.db: exists; the export writes a new file"
expect_rc 2 "$runner" export --store "$url" --study nosuch --out none.db
expect_in "$tmp/err" "no study named 'nosuch'"
[ -n "$(ls none.db* 2>/dev/null)" ] && bad "export: a failed export left a file" || ok
# One study of several (ow holds one; hb another database): and SQLite as the source.
expect_rc 0 "$runner" export --store "$ow" --study ow --out ow.db
expect_in "$tmp/err" "1 study, 2 runs, 8 trials"
expect_rc 0 "$runner" export --store w4.db --study small --out w4b.db
expect_in "$tmp/err" "1 study, 4 runs, 12 trials"
echo "export: ${SECONDS} s"

# ---------------------------------------------------------------- config and commands
expect_rc 2 "$runner" small.yaml "+store.url=$url" "+store.artifacts=$shared" -q
expect_in "$tmp/err" "store.path (an SQLite file) and store.url (a PostgreSQL database) are both set"
expect_rc 2 "$runner" small.yaml store.path=null "+store.url=$url" -q
expect_in "$tmp/err" "store.url needs store.artifacts"
expect_rc 2 "$runner" small.yaml store.path=null "+store.url=mysql://x/y" "+store.artifacts=$shared" -q
expect_in "$tmp/err" "store.url must be a PostgreSQL URL"
expect_rc 2 "$runner" small.yaml store.path=null "+store.url=$url" "+store.artifacts=$shared" +store.grace_period=5 -q
expect_in "$tmp/err" "store.grace_period needs store.heartbeat_interval"
expect_rc 2 "$runner" report --store "postgresql://xp:hunter2@/w4?host=$pg_dir"
expect_in "$tmp/err" "reads SQLite stores"
expect_in "$tmp/err" "runner export --store URL --out FILE.db"
grep -q hunter2 "$tmp/err" && bad "report printed the password" || ok
expect_rc 1 "$runner" small.yaml store.path=null "+store.url=postgresql://xp:hunter2@/nodb?host=$pg_dir" "+store.artifacts=$shared" -q
expect_in "$tmp/err" "xp:***@"
grep -q hunter2 "$tmp/err" && bad "a failed connection printed the password" || ok

finish
