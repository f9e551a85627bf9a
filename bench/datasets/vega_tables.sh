#!/bin/sh
# bench/datasets/vega_tables.sh — configs/tabular.yaml on every regression-shaped table of npm
# vega-datasets@2.11.0, as a new user would run it: the file, the target, nothing else
# (objective=rmsle where the target is a positive count or amount). Prints per table the
# loader's and the data stage's warnings and "read as" lines, and the test line or the error.
# A check of "any CSV in one command" on tables nobody tuned for; not part of `meson test`
# (~10 minutes on 2 cores with the default 5 trials; zipcodes, 42k rows, takes most of it).
#
#   bench/datasets/vega_tables.sh [BUILD_DIR] [TRIALS]
#
# Work folder: BENCH_DIR (default /tmp/xp_vega_tables); the package is fetched there with npm.
set -eu
BUILD=${1:-build}
TRIALS=${2:-5}
NAME=vega_tables.sh
DEFAULT_WORK=xp_vega_tables
. "$(dirname "$0")/vega_common.sh"
cd "$ROOT"
# file | target | extra overrides
while IFS='|' read -r file target extra; do
    case $file in ''|'#'*) continue ;; esac
    echo "== $file, target $target $extra"
    # shellcheck disable=SC2086
    if "$RUNNER" configs/tabular.yaml "data.path=$WORK/package/data/$file" "data.target=$target" \
        "search.trials=$TRIALS" validation.random_split_check=false "store.path=$WORK/runs.db" \
        "name=vega_$(echo "$file" | tr -c 'a-zA-Z0-9\n' _)" $extra < /dev/null > "$WORK/out.txt" 2> "$WORK/err.txt"; then
        grep -E "(csv|data)\] (warning|info: .*(read as|no value))|date: [0-9]+ column" "$WORK/err.txt" | grep -v "folds\]" || true
        grep "test (" "$WORK/out.txt"
    else
        echo "   failed: $(tail -1 "$WORK/err.txt")"
    fi
done < "$HERE/vega_tables.txt"
