#!/bin/sh
# bench/datasets/films_seeds.sh — the runner against the plain Python search on Vega's films, split
# seed by split seed, and how much of the difference is seed luck.
#
#   bench/datasets/films_seeds.sh [BUILD_DIR] ["SEEDS"]        # default build, "1 2 ... 24"
#
# Per split seed S, four jobs on the same folds (the runner's; movies_py.py reads them):
#   ship   configs/tabular.yaml as the README runs it (objective rmsle, 25 trials, model seed S)
#   py     bench/datasets/movies_py.py on ship's folds (XGBoost seed S, TPESampler(S))
#   drawn  the same config with the model's seed drawn from the run's stream (no
#          ++model.params.seed): the same method, other row and column samples — what the seed
#          alone moves
#   seeds3 drawn's study refitted with ++validation.refit_seeds=3 (a copy of its store rerun:
#          no new trials, the refits only)
# then films_seeds.py prints each seed's test RMSLE and the paired means (with their standard
# errors) of ship - py, drawn - ship and seeds3 - drawn. A seed whose folder holds a `done` file
# is skipped, so the script resumes. For an ablation, CONFIG=FILE runs another config in place of
# configs/tabular.yaml (e.g. configs/ablations/tabular_constant_start.yaml) and RUNNER_EXTRA=
# "key=value ..." adds overrides to every runner call; SKIP_PY=1 then leaves out the Python job
# (it reads only the folds, which the split seed fixes) and DRAWN=0 the drawn and seeds3 jobs;
# films_seeds.py WORK OTHER_WORK pairs the two folders' ship jobs. Work folder: BENCH_DIR (default /tmp/xp_films_seeds); the
# table is fetched there with npm (vega-datasets@2.11.0), never committed. Not part of `meson
# test`: ~3 minutes per seed on 2 cores.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
SEEDS=${2:-"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24"}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNNER=$BUILD/core/runner
[ -x "$RUNNER" ] || { echo "films_seeds.sh: no runner at $RUNNER; build first" >&2; exit 1; }
PY=/usr/bin/python3
HERE=$ROOT/bench/datasets
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/xp_films_seeds}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
DATA=$WORK/movies.csv
if [ ! -f "$DATA" ]; then
    (cd "$WORK" && npm pack --silent vega-datasets@2.11.0 >/dev/null && tar xzf vega-datasets-2.11.0.tgz package/data/movies.json)
    "$PY" "$HERE/movies_csv.py" "$WORK/package/data/movies.json" "$DATA"
fi
cd "$ROOT"
for s in $SEEDS; do
    d=$WORK/s$s
    [ -f "$d/done" ] && continue
    rm -rf "$d" && mkdir -p "$d"
    echo "films_seeds.sh: split seed $s ($(date -u +%H:%M:%S))" >&2
    set -- "${CONFIG:-configs/tabular.yaml}" "data.path=$DATA" "data.target=Worldwide Gross" "metrics=[rmsle, rmse, mae, r2]" \
        objective=rmsle search.trials=25 search.timeout=0 "seed=$s" validation.random_split_check=false
    # shellcheck disable=SC2086
    set -- "$@" ${RUNNER_EXTRA:-}
    "$RUNNER" "$@" "++model.params.seed=$s" "store.path=$d/ship.db" > "$d/ship.out" 2> "$d/ship.err"
    "$RUNNER" "$@" "++model.params.seed=$s" "store.path=$d/ship.db" --print-config > "$d/resolved.yaml"
    if [ "${SKIP_PY:-0}" = 1 ]; then touch "$d/done"; continue; fi
    folds=$("$PY" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT path FROM xp_artifacts WHERE run_id = 1 AND kind = ?", ("folds",)).fetchone()[0])' "$d/ship.db")
    OMP_WAIT_POLICY=PASSIVE "$PY" "$HERE/movies_py.py" --config "$d/resolved.yaml" --data "$DATA" \
        --target "Worldwide Gross" --folds "$folds" --trials 25 --out "$d/py.json" > "$d/py.out" 2> "$d/py.err"
    if [ "${DRAWN:-1}" = 0 ]; then touch "$d/done"; continue; fi
    "$RUNNER" "$@" "store.path=$d/drawn.db" > "$d/drawn.out" 2> "$d/drawn.err"
    cp "$d/drawn.db" "$d/seeds3.db"
    "$RUNNER" "$@" "store.path=$d/seeds3.db" ++validation.refit_seeds=3 > "$d/seeds3.out" 2> "$d/seeds3.err"
    touch "$d/done"
done
"$PY" "$HERE/films_seeds.py" "$WORK"
