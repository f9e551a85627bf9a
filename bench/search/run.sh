#!/bin/sh
# bench/search/run.sh — the step-1 search benchmark, in two parts, on the same folds:
#
#   A  "tool vs the Python stack": the xp runner with CONFIG as shipped (its own methodology:
#      cluster_gmm, polish, source weights) against python_stack.py, the plain
#      pandas + xgboost + optuna search a user would write (same folds, space, trial budget).
#   B  "same work": a second runner run with cluster_gmm, polish and source weights removed,
#      against (i) python_stack.py --replay-db (exactly the runner's trials, so the speed of the
#      two stacks on identical work) and (ii) bare_loop.c (the runner's overhead over plain C).
#
# Then the comparison tables (report.py), printed and written to bench/search/results.md.
#
#   bench/search/run.sh [BUILD_DIR] [DATA_DIR] [TRIALS]
#   bench/search/run.sh build-bench                      # demo data (gen_demo), 20 trials
#   bench/search/run.sh build-bench /data 30             # DATA_DIR/candidates_data.csv, 30 trials
#   SKIP_B=1 bench/search/run.sh build-bench             # part A only
#   PY_REPLAY=0 bench/search/run.sh build-bench          # part B without the Python replay
#   PY_DEFAULT_ENV=1 bench/search/run.sh build-bench     # part A also with Python in its default env
#
# Defaults: BUILD_DIR=build, DATA_DIR = demo data written by BUILD_DIR/tools/gen_demo/gen_demo
# --no-images (40,292 rows) into the work folder, TRIALS=20. Environment: BENCH_DIR (work
# folder, default ${TMPDIR:-/tmp}/xp_search_bench; its A/ and B/ stores are recreated), SEED (42),
# CONFIG (configs/step1_xgb.yaml), SKIP_B (0), PY_REPLAY (1), PY_DEFAULT_ENV (0).
# Both runner runs get `seed=SEED ++model.params.seed=SEED validation.random_split_check=false`
# (one XGBoost seed for every fit; the leak check is an extra no other side does); part B adds
# `~pipeline[i]` for every cluster_gmm step (i found in the resolved config), `~polish`,
# `++source_weights.enabled=false` and `++validation.calibrate=none` — overrides of the
# resolved config, no temporary config file.
# The Python side runs with OMP_WAIT_POLICY=PASSIVE, as the runner sets for itself
# (core/main.c); PY_DEFAULT_ENV=1 adds a Python search in the environment a user has by default
# (no OMP_WAIT_POLICY), which on a busy machine is many times slower (see README.md).
# All sides run one after another, never at the same time. Needs: ninja -C BUILD_DIR (runner,
# plugins, bench/bare_loop), cc, libxgboost-dev, libsqlite3-dev, /usr/bin/python3 with pandas,
# xgboost, optuna and yaml. Not part of `meson test`: a full run takes about an hour.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
DATA_DIR=${2:-}
TRIALS=${3:-20}
SEED=${SEED:-42}
CONFIG=${CONFIG:-configs/step1_xgb.yaml}
PY_DEFAULT_ENV=${PY_DEFAULT_ENV:-0}
PY_REPLAY=${PY_REPLAY:-1}
SKIP_B=${SKIP_B:-0}
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
if [ "$SKIP_B" != 1 ] && [ ! -x "$BARE" ]; then
    BARE=$WORK/bare_loop
    cc -std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
        "$HERE/bare_loop.c" -o "$BARE" -lxgboost -lsqlite3 -lm
fi

# Each part has its own folder: the store's artifacts (folds.csv) sit next to the store.
rm -rf "$WORK/A" "$WORK/B" "$WORK/phases.txt"
mkdir -p "$WORK/A"
# search.timeout=0: a trial budget (configs/step1_xgb.yaml also has a 180 s time budget), so
# every side runs the same trials whatever the machine's load.
COMMON="data.path=$DATA search.trials=$TRIALS search.timeout=0 seed=$SEED ++model.params.seed=$SEED validation.random_split_check=false"
OVR_A="store.path=$WORK/A/xp.db $COMMON"
# shellcheck disable=SC2086
"$RUNNER" "$CONFIG" $OVR_A --print-config >"$WORK/A/resolved.yaml"

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
    echo "config=$CONFIG"
    echo "git=$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (modified tree)')"
} >"$PH"

xp_run() {   # $1 = part (A or B), $2 = phase tag, then the overrides
    part=$1
    tag=$2
    shift 2
    echo "== part $part: xp runner, $TRIALS trials on $DATA (log: $WORK/$part/xp.log)"
    L0=$(load)
    echo "${tag}_start=$(now)" >>"$PH"
    "$RUNNER" "$CONFIG" "$@" >"$WORK/$part/xp.out" 2>"$WORK/$part/xp.log" ||
        { echo "run.sh: the runner failed (part $part):" >&2; tail -20 "$WORK/$part/xp.log" >&2; exit 1; }
    echo "${tag}_end=$(now)" >>"$PH"
    echo "${tag}_load=$L0 / $(load)" >>"$PH"
    cat "$WORK/$part/xp.out"
}

folds_of() {   # $1 = store: the run's folds artifact (row,part,fold)
    "$PY" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT path FROM xp_artifacts WHERE run_id = 1 AND kind = ? ORDER BY id DESC LIMIT 1", ("folds",)).fetchone()[0])' "$1"
}

py_run() {   # $1 = part, $2 = tag, $3 = 1 to replay the runner's trials, then the environment prefix
    part=$1
    tag=$2
    replay=$3
    shift 3
    D=$WORK/$part
    set -- "$@" "$PY" "$HERE/python_stack.py" --config "$D/resolved.yaml" --data "$DATA" \
        --folds "$(folds_of "$D/xp.db")" --trials "$TRIALS" --out "$D/py$tag.json" \
        --trace "$D/py${tag}_trace.csv" --check-db "$D/xp.db" --check-run 1
    [ "$replay" = 1 ] && set -- "$@" --replay-db "$D/xp.db" --replay-run 1
    L0=$(load)
    T=$(now)
    echo "py${tag}_start=$T" >>"$PH"
    BENCH_T0=$T "$@" 2>"$D/py$tag.log" ||
        { echo "run.sh: python_stack.py failed (part $part):" >&2; tail -20 "$D/py$tag.log" >&2; exit 1; }
    echo "py${tag}_end=$(now)" >>"$PH"
    echo "py${tag}_load=$L0 / $(load)" >>"$PH"
    tail -2 "$D/py$tag.log"
}

# ------------------------------------------------------------------ part A: tool vs Python stack
# shellcheck disable=SC2086
xp_run A xpa $OVR_A
echo "== part A: Python stack, plain search, OMP_WAIT_POLICY=PASSIVE (log: $WORK/A/pyp.log)"
py_run A p 0 env OMP_WAIT_POLICY=PASSIVE
if [ "$PY_DEFAULT_ENV" = 1 ]; then
    echo "== part A: Python stack, default environment (log: $WORK/A/py.log)"
    py_run A "" 0 env -u OMP_WAIT_POLICY
fi

# ------------------------------------------------------------------ part B: same work
if [ "$SKIP_B" != 1 ]; then
    mkdir -p "$WORK/B"
    # What part B removes, as overrides of the resolved config: each cluster_gmm pipeline item
    # (highest index first, so the others keep theirs), polish if the config has it, weights.
    DEL=$("$PY" -c 'import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
p = cfg.get("pipeline") or []
out = [f"~pipeline[{i}]" for i in reversed(range(len(p))) if p[i].get("plugin") == "cluster_gmm"]
print(" ".join(out + (["~polish"] if "polish" in cfg else [])))' "$WORK/A/resolved.yaml")
    OVR_B="store.path=$WORK/B/xp.db $COMMON $DEL ++source_weights.enabled=false ++validation.calibrate=none"
    echo "overrides_b=$DEL ++source_weights.enabled=false" >>"$PH"
    # shellcheck disable=SC2086
    "$RUNNER" "$CONFIG" $OVR_B --print-config >"$WORK/B/resolved.yaml"
    # shellcheck disable=SC2086
    xp_run B xpb $OVR_B
    if [ "$PY_REPLAY" = 1 ]; then
        echo "== part B: Python stack replaying the runner's trials (log: $WORK/B/pyr.log)"
        py_run B r 1 env OMP_WAIT_POLICY=PASSIVE
    fi
    echo "== part B: bare C loop replaying the runner's trials (log: $WORK/B/bare.log)"
    L0=$(load)
    echo "bare_start=$(now)" >>"$PH"
    # The runner sets OMP_WAIT_POLICY=PASSIVE for itself (core/main.c); the baseline gets the same.
    "$PY" "$HERE/bare_args.py" "$WORK/B/resolved.yaml" >"$WORK/B/bare_args.txt"
    xargs -d '\n' env OMP_WAIT_POLICY=PASSIVE "$BARE" --db "$WORK/B/xp.db" --run 1 --data "$DATA" \
        --out "$WORK/B/bare.json" <"$WORK/B/bare_args.txt" >"$WORK/B/bare.out" 2>"$WORK/B/bare.log" ||
        { echo "run.sh: bare_loop failed:" >&2; tail -20 "$WORK/B/bare.log" >&2; exit 1; }
    echo "bare_end=$(now)" >>"$PH"
    echo "bare_load=$L0 / $(load)" >>"$PH"
    cat "$WORK/B/bare.out"
fi

echo "== comparison"
"$PY" "$HERE/report.py" "$WORK" "$HERE/results.md"
