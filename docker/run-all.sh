#!/bin/sh
# xp-run-all — the image's default command: everything end to end into /app/experiments.
#
#   docker run -v "$PWD/out:/app/experiments" IMAGE                    # demo data
#   docker run -v /path/to/real:/app/data:ro -v "$PWD/out:/app/experiments" IMAGE
#
# Data: /app/data/candidates_data.csv (+ /app/data/spacecraft_images/) when mounted, else the
# demo data, generated once into /app/experiments/demo-data (the volume, so a rerun reuses it and
# its ORACLE.json stays next to it for the report). Then step 1, step 2 and the report.
# Extra arguments are overrides passed to both steps, e.g. `xp-run-all search.trials=5`.
set -eu
out=/app/experiments
mkdir -p "$out"
if [ -f /app/data/candidates_data.csv ]; then
    data=/app/data
    echo "xp-run-all: data: $data (mounted)"
else
    data=$out/demo-data
    if [ ! -f "$data/candidates_data.csv" ]; then
        echo "xp-run-all: no /app/data/candidates_data.csv mounted; generating the demo data into $data"
        gen_demo --out "$data"
    fi
    echo "xp-run-all: data: $data (demo)"
fi
store=$out/experiments.db
set -- data.path="$data/candidates_data.csv" data.images="$data/spacecraft_images" store.path="$store" "$@"
start=$(date +%s)
runner configs/step1_xgb.yaml "$@"
runner configs/step2_fusion.yaml "$@"
if runner report --help 2>&1 | grep -q -- --html; then
    runner report --html --store "$store" --out "$out/report"
else
    runner report --store "$store" > "$out/report.md"
fi
echo "xp-run-all: done in $(( $(date +%s) - start )) s; results in $out (experiments.db, artifacts/, report)"
