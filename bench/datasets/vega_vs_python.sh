#!/bin/sh
# bench/datasets/vega_vs_python.sh — configs/tabular.yaml against the plain pandas + xgboost +
# optuna search (movies_py.py) on every table of vega_tables.txt, on the runner's own folds:
# the same budget of trials, the same space, early stopping and refit rule, each side's own
# features. A check that the default method holds on tables nobody tuned it on, not only on
# the challenge data and the films.
#
#   bench/datasets/vega_vs_python.sh [BUILD_DIR] [TRIALS] ["SEEDS"] ["TABLE ..."]
#                                                  # default build, 25, "1", every table
#
# Per table and split seed S: the runner (`seed=S`, XGBoost seed S) and movies_py.py
# (TPESampler(S), XGBoost seed S) on the runner's folds; then vega_vs_python.py prints each
# side's test score in the config's objective (rmse, or rmsle where vega_tables.txt asks for
# it), the ratio, and each side's wall time. A table/seed folder with a `done` file is skipped,
# so the script resumes; with RUNNER_AGAIN=1 its runner is run again (a new build) and its
# Python result kept when the runner's folds are byte for byte the ones Python ran on.
# RUNNER_EXTRA="key=value ..." adds overrides to every runner call (an ablation, e.g.
# "++model.min_columns_per_tree=1"). Work folder: BENCH_DIR (default /tmp/xp_vega_vs_python); the package is
# fetched there with npm, never committed. Not part of `meson test`: about an hour on 2 cores
# for every table at one seed (zipcodes, 42k rows, the longest).
set -eu
BUILD=${1:-build}
TRIALS=${2:-25}
SEEDS=${3:-1}
ONLY=${4:-}
NAME=vega_vs_python.sh
DEFAULT_WORK=xp_vega_vs_python
. "$(dirname "$0")/vega_common.sh"
cd "$ROOT"
while IFS='|' read -r file target extra; do
    case $file in ''|'#'*) continue ;; esac
    if [ -n "$ONLY" ]; then case " $ONLY " in *" $file "*) ;; *) continue ;; esac; fi
    for s in $SEEDS; do
        d=$WORK/$(echo "$file" | tr -c 'a-zA-Z0-9\n' _)/s$s
        if [ -f "$d/done" ] && [ "${RUNNER_AGAIN:-0}" = 1 ] && [ -f "$d/py.folds.sha256" ]; then
            mkdir -p "$d/kept" && mv "$d/py.json" "$d/py.time" "$d/py.folds.sha256" "$d/kept/"
        elif [ -f "$d/done" ]; then
            continue
        fi
        mkdir -p "$d" && find "$d" -mindepth 1 -maxdepth 1 ! -name kept -exec rm -rf {} +
        echo "vega_vs_python.sh: $file, split seed $s ($(date -u +%H:%M:%S))" >&2
        # shellcheck disable=SC2086
        set -- configs/tabular.yaml "data.path=$WORK/package/data/$file" "data.target=$target" \
            "search.trials=$TRIALS" search.timeout=0 "seed=$s" "++model.params.seed=$s" \
            validation.random_split_check=false "store.path=$d/runner.db" $extra ${RUNNER_EXTRA:-}
        t0=$(date +%s.%N)
        if ! "$RUNNER" "$@" < /dev/null > "$d/runner.out" 2> "$d/runner.err"; then
            echo "  runner failed: $(tail -1 "$d/runner.err")" >&2
            continue
        fi
        awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }' > "$d/runner.time"
        "$RUNNER" "$@" --print-config > "$d/resolved.yaml"
        folds=$("$PY" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT path FROM xp_artifacts WHERE run_id = 1 AND kind = ?", ("folds",)).fetchone()[0])' "$d/runner.db")
        sha=$(sha256sum "$folds" | cut -d' ' -f1)
        if [ -f "$d/kept/py.folds.sha256" ] && [ "$(cat "$d/kept/py.folds.sha256")" = "$sha" ]; then
            mv "$d/kept/py.json" "$d/kept/py.time" "$d/kept/py.folds.sha256" "$d/" && rm -rf "$d/kept"
            touch "$d/done"
            continue
        fi
        rm -rf "$d/kept"
        t0=$(date +%s.%N)
        if ! OMP_WAIT_POLICY=PASSIVE "$PY" "$HERE/movies_py.py" --config "$d/resolved.yaml" \
            --data "$WORK/package/data/$file" --target "$target" --folds "$folds" --trials "$TRIALS" \
            --out "$d/py.json" < /dev/null > "$d/py.out" 2> "$d/py.err"; then
            echo "  movies_py.py failed: $(tail -1 "$d/py.err")" >&2
            continue
        fi
        awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }' > "$d/py.time"
        echo "$sha" > "$d/py.folds.sha256"
        touch "$d/done"
    done
done < "$HERE/vega_tables.txt"
"$PY" "$HERE/vega_vs_python.py" "$WORK"
