#!/bin/sh
# bench/csv/run.sh — the "csv" loader plugin against pandas.read_csv on the same file:
# wall time and peak RSS of each whole process (/usr/bin/time -v), plus the time of the load
# itself measured inside each process, medians of RUNS interleaved runs, and the ratios.
#
#   bench/csv/run.sh [BUILD_DIR] [FILE.csv]        # defaults: build, the demo CSV
#   RUNS=9 bench/csv/run.sh build-csv /data/candidates_data.csv
#
# Without FILE it uses the demo CSV from tools/gen_demo (built in BUILD_DIR), or, if that is
# not built, a look-alike from bench/csv/gen_synth.py. Needs: ninja -C BUILD_DIR
# tests/csv/csv_bench plugins/loaders/csv/csv.so. Python/pandas is only the comparison here.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
CSV=${2:-}
RUNS=${RUNS:-5}
BENCH=$BUILD/tests/csv/csv_bench
PLUGIN=$BUILD/plugins/loaders/csv/csv.so
PY=/usr/bin/python3
TMP=${TMPDIR:-/tmp}/xp_csv_bench
mkdir -p "$TMP"

if [ ! -x "$BENCH" ] || [ ! -f "$PLUGIN" ]; then
    echo "run.sh: build first: ninja -C $BUILD tests/csv/csv_bench plugins/loaders/csv/csv.so" >&2
    exit 1
fi
if [ -z "$CSV" ]; then
    if [ -x "$BUILD/tools/gen_demo/gen_demo" ]; then
        CSV=$TMP/demo/candidates_data.csv
        [ -f "$CSV" ] || "$BUILD/tools/gen_demo/gen_demo" --no-images --seed 42 --out "$TMP/demo" >/dev/null
    else
        CSV=$TMP/synth.csv
        [ -f "$CSV" ] || "$PY" "$ROOT/bench/csv/gen_synth.py" "$CSV"
    fi
fi
[ -f "$CSV" ] || { echo "run.sh: no such file: $CSV" >&2; exit 1; }

# One measured run: appends "wall_s rss_kb inproc_s cpu_s" to $1, running the rest of the args.
measure() {
    out=$1
    shift
    /usr/bin/time -v -o "$TMP/time.txt" "$@" >"$TMP/stdout.txt"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                 for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$TMP/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time.txt")
    inproc=$(sed -n 's/.*\(load_best_s\|read_s\)=\([0-9.]*\).*/\2/p' "$TMP/stdout.txt")
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$TMP/time.txt")
    echo "$wall $rss ${inproc:-0} $cpu" >>"$out"
}

median() {   # median of column $2 of file $1
    awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
        END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

: >"$TMP/xp.txt"
: >"$TMP/pandas.txt"
: >"$TMP/import.txt"
# Interleaved, so both see the same machine load (the CI box is shared).
i=0
while [ "$i" -lt "$RUNS" ]; do
    measure "$TMP/xp.txt" "$BENCH" "$PLUGIN" "$CSV" --target target
    measure "$TMP/pandas.txt" "$PY" -c "import sys, time, pandas
t = time.perf_counter(); pandas.read_csv(sys.argv[1]); print('read_s=%.4f' % (time.perf_counter() - t))" "$CSV"
    measure "$TMP/import.txt" "$PY" -c "import pandas"
    i=$((i + 1))
done

shape=$("$BENCH" "$PLUGIN" "$CSV" | sed "s/ load_.*//")
size=$(wc -c <"$CSV")
echo "file: $CSV ($(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }'); $shape)"
echo "medians of $RUNS interleaved runs"
awk -v xw="$(median "$TMP/xp.txt" 1)" -v xr="$(median "$TMP/xp.txt" 2)" -v xi="$(median "$TMP/xp.txt" 3)" \
    -v xc="$(median "$TMP/xp.txt" 4)" -v pc="$(median "$TMP/pandas.txt" 4)" -v ic="$(median "$TMP/import.txt" 4)" \
    -v pw="$(median "$TMP/pandas.txt" 1)" -v pr="$(median "$TMP/pandas.txt" 2)" -v pi="$(median "$TMP/pandas.txt" 3)" \
    -v iw="$(median "$TMP/import.txt" 1)" -v ir="$(median "$TMP/import.txt" 2)" 'BEGIN {
    printf "%-38s %9s %9s %15s %14s\n", "", "wall (s)", "CPU (s)", "peak RSS (MB)", "load only (s)"
    printf "%-38s %9.3f %9.3f %15.1f %14.4f\n", "xp csv plugin (csv_bench)", xw, xc, xr / 1024, xi
    printf "%-38s %9.3f %9.3f %15.1f %14.4f\n", "python3 -c pandas.read_csv", pw, pc, pr / 1024, pi
    printf "%-38s %9.3f %9.3f %15.1f %14s\n", "  (of which python3 -c import pandas)", iw, ic, ir / 1024, "-"
    printf "%-38s %8.1fx %8.1fx %14.1fx %13.1fx\n", "pandas / xp", pw / xw, pc / xc, pr / xr, pi / xi
}'
