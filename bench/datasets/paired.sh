#!/bin/sh
# bench/datasets/paired.sh — does a stage help, apart from the search's luck? Two configs are
# scored at the same random points of the search space on the same folds, seed by seed.
#
#   bench/datasets/paired.sh BUILD_DIR CONFIG_A CONFIG_B SEEDS [OVERRIDE...]
#   e.g. bench/datasets/paired.sh build configs/tabular.yaml configs/tabular_native.yaml "1 2 3 4 5 6" \
#          data.path=movies.csv "data.target=Worldwide Gross" objective=rmsle
#
# Why: a TPE search's best CV on a small, noisy table moves by more than most stages are worth
# from one random stream to the next (on Vega's films one point's CV moves by ~0.07 with the
# row sampling seed), so two searches that differ in a stage and in their path say little. The
# `random` sampler with the same seed draws the same points for both configs (their spaces must
# be the same), and with the pruner off every point is scored on all folds: the difference at
# each point is the stage's alone. Per seed (the split seed and the model's seed), both configs
# run `search.trials=$TRIALS` (default 12) random points; paired_table.py prints each seed's mean
# CV of both, the mean paired difference and on how many points B is better, then all seeds.
# Environment: TRIALS (12), BENCH_DIR (work folder, default /tmp/xp_paired_bench). Not part of
# `meson test`; the films table takes ~1 minute per config and seed on 2 cores.
set -eu
[ $# -ge 4 ] || { sed -n 2,6p "$0" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$1 A=$2 B=$3 SEEDS=$4
shift 4
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNNER=$BUILD/core/runner
[ -x "$RUNNER" ] || { echo "paired.sh: no runner at $RUNNER; build first" >&2; exit 1; }
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/xp_paired_bench}
TRIALS=${TRIALS:-12}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
: > "$WORK/stores.txt"
for s in $SEEDS; do
    for side in A B; do
        if [ $side = A ]; then cfg=$A; else cfg=$B; fi
        d=$WORK/s$s/$side
        rm -rf "$d" && mkdir -p "$d"
        echo "paired.sh: seed $s, $side = $cfg" >&2
        "$RUNNER" "$cfg" "$@" search.sampler=random search.pruner.type=none "search.trials=$TRIALS" \
            search.timeout=0 "seed=$s" "++model.params.seed=$s" validation.random_split_check=false \
            "store.path=$d/xp.db" -q > "$d/out.log" 2> "$d/err.log" ||
            { echo "paired.sh: seed $s $side failed; see $d/err.log" >&2; exit 1; }
        printf '%s %s %s %s\n' "$s" "$side" "$cfg" "$d/xp.db" >> "$WORK/stores.txt"
    done
done
/usr/bin/python3 "$ROOT/bench/datasets/paired_table.py" "$WORK/stores.txt"
