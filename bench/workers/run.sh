#!/usr/bin/env bash
# bench/workers/run.sh — many runners on one study: trials per minute with 1, 2 and 4 workers
# on a PostgreSQL store (a throwaway server, tests/store/pg_cluster.sh) and the same on an
# SQLite file, on the integration tests' small config (XGBoost, 3 folds, 600 rows).
#
#   bench/workers/run.sh [BUILD] [TRIALS] [ROUNDS]      # defaults: build 48 400
#
# Each worker count runs a fresh study of TRIALS trials; the time is from starting the first
# runner to the last one's exit (start-up, search and the one refit included), so on a machine
# with fewer cores than workers the cores, not the store, bound the rate. ROUNDS boosting
# rounds per fold (no early stopping) set a trial's cost. Claim latency (one claim's
# transaction, 4 processes racing) is printed by the store test: meson test -C BUILD store_pg -v.
set -u
build=${1:-build} trials=${2:-48} rounds=${3:-400}
top=$(cd "$(dirname "$0")/../.." && pwd)
runner=$(readlink -f "$top/$build/core/runner")
tmp=$(mktemp -d /tmp/xp-bench-workers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$top/tests/store/pg_cluster.sh"
pg_start "$tmp/pg"
cd "$tmp" || exit 1
bash "$top/tests/integration/make_small_csv.sh" small.csv
cp "$top/tests/integration/small.yaml" small.yaml
common=(small.yaml search.trials="$trials" model.num_boost_round="$rounds" model.early_stopping_rounds="$rounds"
        +threads=1 -q)
echo "trials=$trials rounds=$rounds cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %7s %9s %12s\n' store workers seconds trials/min
for kind in postgresql sqlite; do
  for w in 1 2 4; do
    if [ $kind = postgresql ]; then
      pg_createdb "b$w"
      where=(store.path=null "+store.url=$(pg_url "b$w")" "+store.artifacts=$tmp/shared")
    else
      where=(store.path="$tmp/b$w.db")
    fi
    t0=$(date +%s.%N)
    for i in $(seq 1 "$w"); do "$runner" "${common[@]}" "${where[@]}" >"$tmp/$kind$w.$i.out" 2>&1 & done
    failed=0
    for j in $(jobs -p); do wait "$j" || failed=1; done
    wait
    t1=$(date +%s.%N)
    if [ $failed = 1 ] || grep -q "runner: " "$tmp/$kind$w".*.out; then
      echo "a runner failed:" >&2; cat "$tmp/$kind$w".*.out >&2; exit 1
    fi
    awk -v k=$kind -v w="$w" -v a="$t0" -v b="$t1" -v n="$trials" \
      'BEGIN { printf "%-10s %7d %9.1f %12.1f\n", k, w, b - a, 60 * n / (b - a) }'
  done
done
