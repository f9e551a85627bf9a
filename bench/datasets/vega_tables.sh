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
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
TRIALS=${2:-5}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNNER=$BUILD/core/runner
[ -x "$RUNNER" ] || { echo "vega_tables.sh: no runner at $RUNNER; build first" >&2; exit 1; }
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/xp_vega_tables}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
if [ ! -d "$WORK/package/data" ]; then
    (cd "$WORK" && npm pack --silent vega-datasets@2.11.0 >/dev/null && tar xzf vega-datasets-2.11.0.tgz package/data)
fi
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
done < "$ROOT/bench/datasets/vega_tables.txt"
