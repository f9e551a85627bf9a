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
#   config     store.path and store.url both set, a URL without store.artifacts, a bad URL:
#              config errors naming the keys; `runner report` on a URL says what to do
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
[ "$(q "select count(*) from xp_records where kind = 'refit_claim'")" = 1 ] && ok || bad "refit claims: $(q "select count(*) from xp_records where kind = 'refit_claim'")"
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
grep -q hunter2 "$tmp/err" && bad "report printed the password" || ok
expect_rc 1 "$runner" small.yaml store.path=null "+store.url=postgresql://xp:hunter2@/nodb?host=$pg_dir" "+store.artifacts=$shared" -q
expect_in "$tmp/err" "xp:***@"
grep -q hunter2 "$tmp/err" && bad "a failed connection printed the password" || ok

finish
