#!/bin/sh
# bench/step2/run.sh — the step-2 benchmark: `runner configs/step2_fusion.yaml` (table + text +
# image: an XGBoost member, a fusion-MLP member, their blend) against python_stack.py, what a
# strong engineer writes with Debian's Python + PyTorch stack (GloVe text tower, small CNN,
# XGBoost on tabular + PCA, MLP fusion, out-of-fold blend), on the same rows and folds.
#
#   bench/step2/run.sh [BUILD_DIR] [DATA_DIR]
#   bench/step2/run.sh /tmp/build_bench                          # default demo data (data/)
#   bench/step2/run.sh /tmp/build_bench /tmp/d7                  # DIR/candidates_data.csv + DIR/spacecraft_images
#   RUNNER_OVR="search.trials=3" PY_ARGS="--xgb-trials 2" bench/step2/run.sh ...   # smoke size
#
# Defaults: BUILD_DIR=build, DATA_DIR=data (the repository's demo data). Environment:
# BENCH_DIR (work folder, default /tmp/xp_step2_bench; the run's subfolder is recreated),
# LABEL (subfolder and results.md section name, default: the data folder's name), RESULTS
# (default bench/step2/results.md; the section LABEL is replaced, other sections are kept),
# CONFIG (configs/step2_fusion.yaml), RUNNER_OVR (extra runner overrides), PY_ARGS (extra
# python_stack.py arguments), SKIP_PY=1 (runner only), XP_WEIGHTS_DIR (default ./weights),
# GIT_REV (the revision to report, e.g. when BUILD_DIR and CONFIG come from a clean export of a
# commit while this tree has other people's edits: CONFIG=/tmp/src/configs/step2_fusion.yaml).
#
# Steps, one after another, never at the same time:
#   1. missing Debian packages installed (apt-get, only those missing): python3-torch,
#      python3-sklearn, python3-xgboost, python3-pandas, python3-numpy, python3-pil,
#      python3-optuna, time;
#   2. the runner under /usr/bin/time -v, with a fresh store (so the embedding cache is cold):
#      `runner -v CONFIG data.path=... data.images=... store.path=WORK/xp/exp.db`; its peak
#      memory is sampled over the whole process tree (peak_mem.py: members run side by side);
#   3. python_stack.py under /usr/bin/time -v, on the runner's folds.csv, with 2 threads and
#      OMP_WAIT_POLICY=PASSIVE (the runner sets it for itself in core/main.c);
#   4. report.py: the table (wall, CPU, peak RSS, CV and test RMSLE, R²), where the runner's time
#      goes (from the store), the oracle on the same rows (bench/oracle/compare.py), written
#      to RESULTS with date, machine, load averages and git revision.
# Not part of `meson test`: a full run on the default demo data takes about half an hour.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
DATA_DIR=${2:-data}
CONFIG=${CONFIG:-configs/step2_fusion.yaml}
RUNNER_OVR=${RUNNER_OVR:-}
PY_ARGS=${PY_ARGS:-}
SKIP_PY=${SKIP_PY:-0}
HERE=$ROOT/bench/step2
PY=/usr/bin/python3
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
case $DATA_DIR in /*) ;; *) DATA_DIR=$ROOT/$DATA_DIR ;; esac
RUNNER=$BUILD/core/runner
[ -x "$RUNNER" ] || { echo "run.sh: no runner at $RUNNER; build first: meson setup $BUILD && ninja -C $BUILD" >&2; exit 1; }
DATA=$DATA_DIR/candidates_data.csv
IMAGES=$DATA_DIR/spacecraft_images
[ -f "$DATA" ] || { echo "run.sh: no such file: $DATA" >&2; exit 1; }
[ -d "$IMAGES" ] || { echo "run.sh: no images folder: $IMAGES" >&2; exit 1; }
export XP_WEIGHTS_DIR=${XP_WEIGHTS_DIR:-$ROOT/weights}
GLOVE=$XP_WEIGHTS_DIR/glove-100d.bin
for w in glove-100d.bin mobilenet_v2_mid.xpw; do
    [ -f "$XP_WEIGHTS_DIR/$w" ] || { echo "run.sh: no $XP_WEIGHTS_DIR/$w: run \`make weights\` once (or set XP_WEIGHTS_DIR)" >&2; exit 1; }
done

# ------------------------------------------------------------------ packages
missing=""
for p in python3-torch python3-sklearn python3-xgboost python3-pandas python3-numpy python3-pil python3-optuna time; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "== installing missing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    # shellcheck disable=SC2086
    $SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null ||
        { echo "run.sh: apt-get install$missing failed" >&2; exit 1; }
fi

LABEL=${LABEL:-$(basename "$DATA_DIR")}
WORK_BASE=${BENCH_DIR:-/tmp/xp_step2_bench}
WORK=$WORK_BASE/$LABEL
rm -rf "$WORK"
mkdir -p "$WORK/xp"
WORK=$(cd "$WORK" && pwd)
RESULTS=${RESULTS:-$HERE/results.md}

now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
PH=$WORK/phases.txt
{
    echo "command=bench/step2/run.sh $*"
    echo "label=$LABEL"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine=$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
    echo "data=$DATA"
    echo "rows=$(($(wc -l <"$DATA") - 1))"
    echo "config=$CONFIG"
    echo "runner_overrides=$RUNNER_OVR"
    echo "py_args=$PY_ARGS"
    echo "git=${GIT_REV:-$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- core plugins configs include 2>/dev/null || echo ' (core/plugins/configs modified in the work tree)')}"
    echo "build=$BUILD"
} >"$PH"

# ------------------------------------------------------------------ the runner
echo "== runner: $CONFIG on $DATA (log: $WORK/xp/runner.log)"
# shellcheck disable=SC2086
"$RUNNER" "$CONFIG" data.path="$DATA" data.images="$IMAGES" store.path="$WORK/xp/exp.db" $RUNNER_OVR \
    --print-config >"$WORK/xp/resolved.yaml"
echo "xp_load_before=$(load)" >>"$PH"
echo "xp_start=$(now)" >>"$PH"
# The blend's members run as processes of their own, side by side: /usr/bin/time's peak RSS
# is the largest single process, so peak_mem.py samples the whole process tree (PSS summed).
# shellcheck disable=SC2086
/usr/bin/time -v -o "$WORK/xp/time.txt" "$RUNNER" -v "$CONFIG" data.path="$DATA" data.images="$IMAGES" \
    store.path="$WORK/xp/exp.db" $RUNNER_OVR >"$WORK/xp/runner.out" 2>"$WORK/xp/runner.log" &
xp_pid=$!
"$PY" "$HERE/peak_mem.py" "$xp_pid" "$WORK/xp/mem.txt" &
mem_pid=$!
wait "$xp_pid" || { echo "run.sh: the runner failed:" >&2; tail -20 "$WORK/xp/runner.log" >&2; exit 1; }
wait "$mem_pid" || true
echo "xp_end=$(now)" >>"$PH"
echo "xp_load_after=$(load)" >>"$PH"
cat "$WORK/xp/runner.out"

# The blend's folds (every member ran on the same split: the blend checks their sha256).
FOLDS=$("$PY" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT a.path FROM xp_artifacts a JOIN xp_runs r ON r.id = a.run_id WHERE a.kind = ? AND r.status = ? ORDER BY a.id DESC LIMIT 1", ("folds", "COMPLETE")).fetchone()[0])' "$WORK/xp/exp.db")
echo "folds=$FOLDS" >>"$PH"

# ------------------------------------------------------------------ the Python stack
if [ "$SKIP_PY" != 1 ]; then
    echo "== Python stack (log: $WORK/py/python.log)"
    mkdir -p "$WORK/py"
    echo "py_load_before=$(load)" >>"$PH"
    T=$(now)
    echo "py_start=$T" >>"$PH"
    # shellcheck disable=SC2086
    BENCH_T0=$T OMP_WAIT_POLICY=PASSIVE /usr/bin/time -v -o "$WORK/py/time.txt" "$PY" "$HERE/python_stack.py" \
        --data "$DATA" --images "$IMAGES" --folds "$FOLDS" --glove "$GLOVE" --threads 2 \
        --out "$WORK/py/result.json" --preds-dir "$WORK/py" $PY_ARGS >"$WORK/py/python.out" 2>"$WORK/py/python.log" ||
        { echo "run.sh: python_stack.py failed:" >&2; tail -20 "$WORK/py/python.log" >&2; exit 1; }
    echo "py_end=$(now)" >>"$PH"
    echo "py_load_after=$(load)" >>"$PH"
    tail -3 "$WORK/py/python.log"
fi

# ------------------------------------------------------------------ the report
echo "== comparison"
"$PY" "$HERE/report.py" --work "$WORK" --data-dir "$DATA_DIR" --results "$RESULTS" --label "$LABEL"
