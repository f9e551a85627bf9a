#!/bin/sh
# bench/step2/ablations.sh — what each modality and each kind of input adds: every ablation
# config on the same split, into one store, then `runner report` of that store (the README's
# "What each modality and each kind of input adds" table, and per source).
#
#   bench/step2/ablations.sh [BUILD_DIR]
#
# Runs, one after another (never two at once: the CPU seconds are part of the table):
#   XGBoost (XGB_TRIALS trials, default 3): step1_xgb (table), ablations/xgb_text (+ word
#     counts), ablations/xgb_glove (+ GloVe mean's components), ablations/xgb_image
#     (+ MobileNetV2), step2_xgb (+ word counts + image pixels' components),
#     ablations/xgb_mobilenet (+ word counts + MobileNetV2)
#   the fusion network (MLP_TRIALS trials, default 1: with the same seed and space every
#     network evaluates the same sampled point, so only the inputs differ): ablations/mlp_tabular,
#     ablations/mlp_pretrained (frozen GloVe mean + MobileNetV2), step2_mlp (trainable towers),
#     ablations/mlp_both (towers + frozen vectors)
# All with `seed=$SEED validation.random_split_check=false search.timeout=0` (and
# `++validation.calibrate=none`: step1_xgb calibrates its test part, the others do not) and the data of
# DATA_DIR (default data/: `make data`), so every run has the same dev/test rows and folds.
# Each run's wall/CPU seconds and peak memory go to $ABL_DIR/<config>.time (/usr/bin/time -v),
# its log to $ABL_DIR/<config>.log; a config whose run finished (`.done`) is skipped, so the
# script can be resumed. The report is $ABL_DIR/report.md. Environment: ABL_DIR (default
# /tmp/xp_ablations), XGB_TRIALS, MLP_TRIALS, SEED (42), DATA_DIR. About 22 minutes on 2 cores
# (MobileNetV2's encoding, once: the store's embedding cache serves the second config using it).
# Not part of `meson test`.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNNER=$BUILD/core/runner
[ -x "$RUNNER" ] || { echo "ablations.sh: no runner at $RUNNER; build first" >&2; exit 1; }
WORK=${ABL_DIR:-${TMPDIR:-/tmp}/xp_ablations}
XGB_TRIALS=${XGB_TRIALS:-3}
MLP_TRIALS=${MLP_TRIALS:-1}
SEED=${SEED:-42}
DATA_DIR=${DATA_DIR:-$ROOT/data}
[ -f "$DATA_DIR/candidates_data.csv" ] || { echo "ablations.sh: no $DATA_DIR/candidates_data.csv (make data)" >&2; exit 1; }
mkdir -p "$WORK"
cd "$ROOT"

run() {   # $1 = config (without .yaml), $2 = trials
    tag=$(echo "$1" | tr / _)
    if [ -f "$WORK/$tag.done" ]; then echo "== $1: done before, skipped"; return 0; fi
    echo "== $1 ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
    if /usr/bin/time -v -o "$WORK/$tag.time" "$RUNNER" "configs/$1.yaml" \
        "data.path=$DATA_DIR/candidates_data.csv" "data.images=$DATA_DIR/spacecraft_images" \
        "search.trials=$2" search.timeout=0 "seed=$SEED" validation.random_split_check=false \
        ++validation.calibrate=none "store.path=$WORK/exp.db" >"$WORK/$tag.out" 2>"$WORK/$tag.log"; then
        touch "$WORK/$tag.done"
        sed -n 's/^test (.*scored once): *//p' "$WORK/$tag.out" | tail -1
    else
        echo "ablations.sh: $1 failed:" >&2
        tail -5 "$WORK/$tag.log" >&2
        return 1
    fi
}

for c in step1_xgb ablations/xgb_text ablations/xgb_glove ablations/xgb_image step2_xgb ablations/xgb_mobilenet; do
    run "$c" "$XGB_TRIALS"
done
for c in ablations/mlp_tabular ablations/mlp_pretrained step2_mlp ablations/mlp_both; do
    run "$c" "$MLP_TRIALS"
done

{
    echo "# Step-2 ablations, $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git rev-parse --short HEAD)"
    echo
    echo "XGB_TRIALS=$XGB_TRIALS MLP_TRIALS=$MLP_TRIALS SEED=$SEED data=$DATA_DIR; $(nproc) CPUs"
    echo
    for f in "$WORK"/*.time; do
        printf '%s: %s CPU-s, peak %s MB\n' "$(basename "$f" .time)" \
            "$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.0f", u + s}' "$f")" \
            "$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$f")"
    done
    echo
    "$RUNNER" report --store "$WORK/exp.db"
} >"$WORK/report.md"
echo "ablations.sh: $WORK/report.md"
