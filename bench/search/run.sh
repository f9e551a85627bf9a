#!/bin/sh
# bench/search/run.sh — the step-1 search run three ways on the same folds: the xp runner, the
# pandas + xgboost + optuna script a user would write (python_stack.py), and a bare C loop that
# replays the runner's trials (bare_loop.c); then the comparison table (report.py), printed and
# written to bench/search/results.md.
#
#   bench/search/run.sh [BUILD_DIR] [DATA_DIR] [TRIALS]
#   bench/search/run.sh build-bench                      # demo data (gen_demo), 20 trials
#   bench/search/run.sh build-bench /data 30             # DATA_DIR/candidates_data.csv, 30 trials
#   PY_DEFAULT_ENV=1 bench/search/run.sh build-bench     # also Python without OMP_WAIT_POLICY
#   PY_REPLAY=0 bench/search/run.sh build-bench          # skip Python replaying the runner's trials
#
# Defaults: BUILD_DIR=build, DATA_DIR = demo data written by BUILD_DIR/tools/gen_demo/gen_demo
# --no-images (40,292 rows) into the work folder, TRIALS=20. Environment: BENCH_DIR (work
# folder, default ${TMPDIR:-/tmp}/xp_search_bench; its store is recreated), SEED (42),
# CONFIG (configs/step1_xgb.yaml). The Python side runs with OMP_WAIT_POLICY=PASSIVE, as the
# runner sets for itself (core/main.c), so both wait for OpenMP work the same way;
# PY_DEFAULT_ENV=1 adds a Python run in the environment a user has by default (no
# OMP_WAIT_POLICY), which on a busy machine is many times slower (see README.md). PY_REPLAY=1
# (default) also runs the Python code on exactly the runner's trials (no search), which
# compares the speed of the two on identical work, independent of where each TPE wandered.
# The three sides run one after another, never at the same time. Needs: ninja -C BUILD_DIR
# (runner and plugins), cc, libxgboost-dev, libsqlite3-dev, /usr/bin/python3 with pandas,
# xgboost, optuna and yaml. Not part of `meson test`: a run takes tens of minutes.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
DATA_DIR=${2:-}
TRIALS=${3:-20}
SEED=${SEED:-42}
CONFIG=${CONFIG:-configs/step1_xgb.yaml}
PY_DEFAULT_ENV=${PY_DEFAULT_ENV:-0}
PY_REPLAY=${PY_REPLAY:-1}
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/xp_search_bench}
PY=/usr/bin/python3
HERE=$ROOT/bench/search
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNNER=$BUILD/core/runner
[ -x "$RUNNER" ] || { echo "run.sh: no runner at $RUNNER; build first: meson setup $BUILD && ninja -C $BUILD" >&2; exit 1; }
case $TRIALS in ''|*[!0-9]*) echo "run.sh: TRIALS must be a positive integer, got '$TRIALS'" >&2; exit 2 ;; esac
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

if [ -z "$DATA_DIR" ]; then
    DATA_DIR=$WORK/data
    if [ ! -f "$DATA_DIR/candidates_data.csv" ]; then
        GEN=$BUILD/tools/gen_demo/gen_demo
        [ -x "$GEN" ] || { echo "run.sh: no DATA_DIR given and no $GEN to make the demo data" >&2; exit 1; }
        "$GEN" --no-images --out "$DATA_DIR" >"$WORK/gen_demo.log" 2>&1 || { cat "$WORK/gen_demo.log" >&2; exit 1; }
    fi
fi
DATA=$(cd "$DATA_DIR" && pwd)/candidates_data.csv
[ -f "$DATA" ] || { echo "run.sh: no such file: $DATA" >&2; exit 1; }

# The bare loop: meson's build if there is one, else compiled here.
BARE=$BUILD/bench/bare_loop
if [ ! -x "$BARE" ]; then
    BARE=$WORK/bare_loop
    cc -std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
        "$HERE/bare_loop.c" -o "$BARE" -lxgboost -lsqlite3 -lm
fi

rm -rf "$WORK/xp.db" "$WORK/artifacts"
OVERRIDES="data.path=$DATA store.path=$WORK/xp.db search.trials=$TRIALS seed=$SEED ++model.params.seed=$SEED validation.random_split_check=false ++source_weights.enabled=false"
# shellcheck disable=SC2086
"$RUNNER" "$CONFIG" $OVERRIDES --print-config >"$WORK/resolved.yaml"

now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
PH=$WORK/phases.txt
{
    echo "command=bench/search/run.sh $*"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine=$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
    echo "data=$DATA"
    echo "rows=$(($(wc -l <"$DATA") - 1))"
    echo "trials=$TRIALS"
    echo "seed=$SEED"
    echo "git=$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (modified tree)')"
} >"$PH"

echo "== xp runner: $TRIALS trials on $DATA (log: $WORK/xp.log)"
L0=$(load)
echo "xp_start=$(now)" >>"$PH"
# shellcheck disable=SC2086
"$RUNNER" "$CONFIG" $OVERRIDES >"$WORK/xp.out" 2>"$WORK/xp.log"
echo "xp_end=$(now)" >>"$PH"
echo "xp_load=$L0 / $(load)" >>"$PH"
cat "$WORK/xp.out"
FOLDS=$("$PY" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT path FROM xp_artifacts WHERE run_id = 1 AND kind = ? ORDER BY id DESC LIMIT 1", ("folds",)).fetchone()[0])' "$WORK/xp.db")

py_run() {   # $1 = tag, $2 = 1 to replay the runner's trials, then the environment prefix
    tag=$1
    replay=$2
    shift 2
    set -- "$@" "$PY" "$HERE/python_stack.py" --config "$WORK/resolved.yaml" --data "$DATA" \
        --folds "$FOLDS" --trials "$TRIALS" --out "$WORK/py$tag.json" --trace "$WORK/py${tag}_trace.csv" \
        --check-db "$WORK/xp.db" --check-run 1
    [ "$replay" = 1 ] && set -- "$@" --replay-db "$WORK/xp.db" --replay-run 1
    L0=$(load)
    T=$(now)
    echo "py${tag}_start=$T" >>"$PH"
    BENCH_T0=$T "$@" 2>"$WORK/py$tag.log"
    echo "py${tag}_end=$(now)" >>"$PH"
    echo "py${tag}_load=$L0 / $(load)" >>"$PH"
    tail -2 "$WORK/py$tag.log"
}
echo "== Python stack, OMP_WAIT_POLICY=PASSIVE (log: $WORK/pyp.log)"
py_run p 0 env OMP_WAIT_POLICY=PASSIVE
if [ "$PY_REPLAY" = 1 ]; then
    echo "== Python stack replaying the runner's trials (log: $WORK/pyr.log)"
    py_run r 1 env OMP_WAIT_POLICY=PASSIVE
fi
if [ "$PY_DEFAULT_ENV" = 1 ]; then
    echo "== Python stack, default environment (log: $WORK/py.log)"
    py_run "" 0 env -u OMP_WAIT_POLICY
fi

echo "== bare C loop replaying the runner's trials (log: $WORK/bare.log)"
L0=$(load)
echo "bare_start=$(now)" >>"$PH"
# The runner sets OMP_WAIT_POLICY=PASSIVE for itself (core/main.c); the baseline gets the same.
"$PY" "$HERE/bare_args.py" "$WORK/resolved.yaml" >"$WORK/bare_args.txt"
xargs -d '\n' env OMP_WAIT_POLICY=PASSIVE "$BARE" --db "$WORK/xp.db" --run 1 --data "$DATA" \
    --out "$WORK/bare.json" <"$WORK/bare_args.txt" >"$WORK/bare.out" 2>"$WORK/bare.log"
echo "bare_end=$(now)" >>"$PH"
echo "bare_load=$L0 / $(load)" >>"$PH"
cat "$WORK/bare.out"

echo "== comparison"
"$PY" "$HERE/report.py" "$WORK" "$HERE/results.md"
