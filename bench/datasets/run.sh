#!/bin/sh
# bench/datasets/run.sh — step 1 on several datasets, the runner against the Python stack, plus
# ablations of the runner's stages and the default data's time budget; one table (table.py).
#
#   bench/datasets/run.sh [BUILD_DIR]
#
# Datasets (DATASETS, default "default s11 s7_i900 movies"):
#   default   data/candidates_data.csv (gen_demo's defaults; `make data`)
#   s11       gen_demo --seed 11 --no-images                 (S11_DIR: use that folder instead)
#   s7_i900   gen_demo --seed 7 --items 900 --no-images      (S7_DIR: likewise)
#   movies    Vega's movies.json from `npm pack vega-datasets@2.11.0` -> CSV (movies_csv.py),
#             target "Worldwide Gross"; fetched into the work folder, never committed
# Jobs per challenge-schema dataset (JOBS, default "xp py nogmm weights"):
#   xp         configs/step1_xgb.yaml as shipped
#   py         bench/search/python_stack.py on xp's folds (same space, trials, pruner, refit rule)
#   nogmm      xp without its cluster_gmm step(s) (~pipeline[i], i from --print-config)
#   weights    xp with ++source_weights.enabled=true (step1_xgb.yaml ships without them since
#              fb69d14; configs/step1_weights.yaml is the same ablation)
#   noweights  xp with ++source_weights.enabled=false: only for stores made before fb69d14, where
#              xp had them (results.md's rows are such); today it is xp again
#   nopolish   xp with ~polish (only if asked: JOBS="... nopolish"; the search is xp's, so this
#              gives the test score of the unpolished best point)
# All with `search.trials=$TRIALS search.timeout=0 seed=$SEED ++model.params.seed=$SEED
# validation.random_split_check=false`, as bench/search/run.sh does (a trial budget, not a time
# budget, so every side of a dataset runs the same number of trials whatever the load).
# Movies: xp = configs/tabular.yaml data.target="Worldwide Gross" metrics='[rmsle, rmse, mae, r2]'
# objective=rmsle (the README's advice for a positive skewed target; tabular.yaml fits log1p of
# the target for it; categoricals as sorted level codes, as pandas gives them); native = the same
# with configs/tabular_native.yaml (XGBoost's native categorical splits, tabular.yaml until
# 2026-12-03); py = movies_py.py (plain pandas + xgboost + optuna). Stores made before then have
# a `codes` job (tabular_codes.yaml, today's tabular.yaml). bench/datasets/paired.sh compares two
# configs at the same random points instead of through two searches' paths.
# (Until 3a03de9 tabular.yaml fitted the raw target and an `xplog` job appended target_log; since
# then that job logged the target twice, so it is gone; old stores keep their xplog rows.)
# Budget (BUDGET=1, default data only): configs/step1_xgb.yaml exactly as a user runs it (only
# data.path/store.path set) with search.trials=50 search.timeout=0 (the whole trial budget), and
# with search.trials=50 search.timeout=$TIMEOUT.
#
# Every job runs alone, one after another, under /usr/bin/time (wall, user, sys CPU seconds) with
# the 1-minute load average before and after, into $WORK/jobs.txt; a job whose folder has a
# `done` file is skipped, so the script can be resumed. Then table.py writes results.md.
# Environment: BENCH_DIR (work folder, default /tmp/xp_datasets_bench), TRIALS (25), SEED (42),
# TIMEOUT (180), DATASETS, JOBS, BUDGET, S11_DIR, S7_DIR. Needs /usr/bin/python3 with pandas,
# numpy, xgboost, optuna, yaml; npm for movies. Not part of `meson test` (~1.5 h on 2 cores).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNNER=$BUILD/core/runner
GEN=$BUILD/tools/gen_demo/gen_demo
[ -x "$RUNNER" ] || { echo "run.sh: no runner at $RUNNER; build first" >&2; exit 1; }
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/xp_datasets_bench}
TRIALS=${TRIALS:-25}
SEED=${SEED:-42}
TIMEOUT=${TIMEOUT:-180}
DATASETS=${DATASETS-default s11 s7_i900 movies}
JOBS=${JOBS-xp py nogmm weights}
BUDGET=${BUDGET:-1}
PY=/usr/bin/python3
HERE=$ROOT/bench/datasets
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
cd "$ROOT"
load() { cut -d' ' -f1 /proc/loadavg; }

{
    echo "# $(date -u '+%Y-%m-%d %H:%M UTC') bench/datasets/run.sh $* git=$(git rev-parse --short HEAD)$(git diff --quiet -- core plugins configs 2>/dev/null || echo '+modified')"
    echo "# machine: $(nproc) CPUs, $(uname -sr); trials=$TRIALS seed=$SEED timeout=$TIMEOUT"
} >>"$WORK/jobs.txt"

timed() {   # $1 = dataset, $2 = job, then the command; output in $WORK/$1/$2/
    d=$WORK/$1/$2
    if [ -f "$d/done" ]; then echo "== $1/$2: done before, skipped"; return 0; fi
    mkdir -p "$d"
    ds=$1 jb=$2
    shift 2
    echo "== $ds/$jb ($(date -u +%H:%M:%S), load $(load))"
    l0=$(load)
    t0=$(date +%s.%N)
    rc=0
    BENCH_T0=$t0 /usr/bin/time -f '%e %U %S' -o "$d/time.txt" "$@" >"$d/out.txt" 2>"$d/log.txt" || rc=$?
    echo "$ds $jb start=$t0 load0=$l0 load1=$(load) rc=$rc time=$(tail -1 "$d/time.txt" | tr ' ' ,)" >>"$WORK/jobs.txt"
    if [ "$rc" != 0 ]; then echo "run.sh: $ds/$jb failed (rc $rc):" >&2; tail -5 "$d/log.txt" >&2; return 0; fi
    touch "$d/done"
}

folds_of() {   # $1 = store: run 1's folds artifact
    "$PY" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT path FROM xp_artifacts WHERE run_id = 1 AND kind = ? ORDER BY id DESC LIMIT 1", ("folds",)).fetchone()[0])' "$1"
}

data_of() {   # $1 = dataset: its CSV (made if needed)
    case $1 in
    default) echo "$ROOT/data/candidates_data.csv" ;;
    s11 | s7_i900)
        if [ "$1" = s11 ]; then dir=${S11_DIR:-$WORK/data_s11}; opts="--seed 11"; else dir=${S7_DIR:-$WORK/data_s7_i900}; opts="--seed 7 --items 900"; fi
        if [ ! -f "$dir/candidates_data.csv" ]; then
            # shellcheck disable=SC2086
            "$GEN" $opts --no-images --out "$dir" >"$WORK/gen_$1.log" 2>&1 || { cat "$WORK/gen_$1.log" >&2; exit 1; }
        fi
        echo "$dir/candidates_data.csv" ;;
    movies)
        dir=$WORK/movies_data
        if [ ! -f "$dir/movies.csv" ]; then
            mkdir -p "$dir"
            (cd "$dir" && npm pack --silent vega-datasets@2.11.0 >/dev/null && tar xzf vega-datasets-2.11.0.tgz package/data/movies.json)
            "$PY" "$HERE/movies_csv.py" "$dir/package/data/movies.json" "$dir/movies.csv"
        fi
        echo "$dir/movies.csv" ;;
    *) echo "run.sh: unknown dataset $1" >&2; exit 2 ;;
    esac
}

oracle() {   # $1 = dataset, $2 = job, then compare.py's source (--store DB | --preds CSV)
    truth=$(dirname "$(data_of "$1")")/TRUTH.csv
    [ -f "$truth" ] || return 0
    [ -f "$WORK/$1/$2/done" ] || return 0
    "$PY" bench/oracle/compare.py --truth "$truth" --oracle table "$3" "$4" >"$WORK/$1/$2/oracle.md" 2>&1 || true
}

for ds in $DATASETS; do
    DATA=$(data_of "$ds")
    if [ "$ds" = movies ]; then
        # The overrides both runner jobs share (the config comes first on each command line).
        set -- "data.path=$DATA" "data.target=Worldwide Gross" \
            "metrics=[rmsle, rmse, mae, r2]" objective=rmsle "search.trials=$TRIALS" "seed=$SEED" \
            "++model.params.seed=$SEED" validation.random_split_check=false
        mkdir -p "$WORK/movies/xp" "$WORK/movies/native"
        "$RUNNER" configs/tabular.yaml "$@" "store.path=$WORK/movies/xp/xp.db" --print-config >"$WORK/movies/xp/resolved.yaml"
        timed movies xp "$RUNNER" configs/tabular.yaml "$@" "store.path=$WORK/movies/xp/xp.db"
        timed movies native "$RUNNER" configs/tabular_native.yaml "$@" "store.path=$WORK/movies/native/xp.db"
        if [ -f "$WORK/movies/xp/done" ]; then
            timed movies py env OMP_WAIT_POLICY=PASSIVE "$PY" "$HERE/movies_py.py" \
                --config "$WORK/movies/xp/resolved.yaml" --data "$DATA" --target "Worldwide Gross" \
                --folds "$(folds_of "$WORK/movies/xp/xp.db")" --trials "$TRIALS" \
                --out "$WORK/movies/py/py.json" --preds "$WORK/movies/py/test_predictions.csv"
        fi
        continue
    fi
    COMMON="data.path=$DATA search.trials=$TRIALS search.timeout=0 seed=$SEED ++model.params.seed=$SEED validation.random_split_check=false"
    mkdir -p "$WORK/$ds/xp"
    # shellcheck disable=SC2086
    "$RUNNER" configs/step1_xgb.yaml $COMMON "store.path=$WORK/$ds/xp/xp.db" --print-config >"$WORK/$ds/xp/resolved.yaml"
    GMM=$("$PY" -c 'import sys, yaml
p = yaml.safe_load(open(sys.argv[1])).get("pipeline") or []
print(" ".join(f"~pipeline[{i}]" for i in reversed(range(len(p))) if p[i].get("plugin") == "cluster_gmm"))' "$WORK/$ds/xp/resolved.yaml")
    for jb in $JOBS; do
        case $jb in
        xp)        # shellcheck disable=SC2086
                   timed "$ds" xp "$RUNNER" configs/step1_xgb.yaml $COMMON "store.path=$WORK/$ds/xp/xp.db" ;;
        nogmm)     # shellcheck disable=SC2086
                   timed "$ds" nogmm "$RUNNER" configs/step1_xgb.yaml $COMMON $GMM "store.path=$WORK/$ds/nogmm/xp.db" ;;
        weights)   # shellcheck disable=SC2086
                   timed "$ds" weights "$RUNNER" configs/step1_xgb.yaml $COMMON ++source_weights.enabled=true "store.path=$WORK/$ds/weights/xp.db" ;;
        noweights) # shellcheck disable=SC2086
                   timed "$ds" noweights "$RUNNER" configs/step1_xgb.yaml $COMMON ++source_weights.enabled=false "store.path=$WORK/$ds/noweights/xp.db" ;;
        nopolish)  # shellcheck disable=SC2086
                   timed "$ds" nopolish "$RUNNER" configs/step1_xgb.yaml $COMMON '~polish' "store.path=$WORK/$ds/nopolish/xp.db" ;;
        py)
            [ -f "$WORK/$ds/xp/done" ] || { echo "run.sh: $ds/py needs $ds/xp's folds" >&2; continue; }
            timed "$ds" py env OMP_WAIT_POLICY=PASSIVE "$PY" bench/search/python_stack.py \
                --config "$WORK/$ds/xp/resolved.yaml" --data "$DATA" --folds "$(folds_of "$WORK/$ds/xp/xp.db")" \
                --trials "$TRIALS" --out "$WORK/$ds/py/py.json" --trace "$WORK/$ds/py/trace.csv" \
                --check-db "$WORK/$ds/xp/xp.db" --check-run 1 --preds "$WORK/$ds/py/test_predictions.csv" ;;
        esac
    done
    if [ "$ds" = default ] && [ "$BUDGET" = 1 ]; then
        timed default "t$TIMEOUT" "$RUNNER" configs/step1_xgb.yaml "data.path=$DATA" search.trials=50 \
            "search.timeout=$TIMEOUT" "store.path=$WORK/default/t$TIMEOUT/xp.db"
        timed default full50 "$RUNNER" configs/step1_xgb.yaml "data.path=$DATA" search.trials=50 \
            search.timeout=0 "store.path=$WORK/default/full50/xp.db"
    fi
done

# The demo datasets' table-only oracle on the rows each side's test part shares with it.
for ds in $DATASETS; do
    [ "$ds" = movies ] && continue
    for jb in xp nogmm noweights weights nopolish t$TIMEOUT full50; do
        [ -f "$WORK/$ds/$jb/xp.db" ] && oracle "$ds" "$jb" --store "$WORK/$ds/$jb/xp.db"
    done
    [ -f "$WORK/$ds/py/test_predictions.csv" ] && oracle "$ds" py --preds "$WORK/$ds/py/test_predictions.csv"
done
"$PY" "$HERE/table.py" "$WORK" "$HERE/results.md"
