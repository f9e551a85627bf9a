# bench/datasets/vega_common.sh — sourced by the scripts that run on vega-datasets tables
# (vega_tables.sh, vega_vs_python.sh): after `NAME=...; DEFAULT_WORK=...; . vega_common.sh BUILD`
# ROOT, RUNNER, PY, HERE and WORK are set and npm's vega-datasets@2.11.0 is unpacked in
# $WORK/package (fetched once; never committed).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNNER=$BUILD/core/runner
[ -x "$RUNNER" ] || { echo "$NAME: no runner at $RUNNER; build first" >&2; exit 1; }
PY=/usr/bin/python3
HERE=$ROOT/bench/datasets
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/$DEFAULT_WORK}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
if [ ! -d "$WORK/package/data" ]; then
    (cd "$WORK" && npm pack --silent vega-datasets@2.11.0 >/dev/null && tar xzf vega-datasets-2.11.0.tgz package/data)
fi
