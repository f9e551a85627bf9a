#!/bin/sh
# bench/step2/probe/probe.sh [BUILD_DIR] [DATA_DIR] — the image probe: how well each image
# reader of step 2 tells an item's size class from its picture alone. One row per item of a
# gen_demo dataset (items.py, from TRUTH.csv), target size_code (micro 0 .. heavy 4), no table
# and no text; 3 folds grouped by nothing (one row per item), 20% of the items held out.
# Readers: the mlp's CNN tower on 32x32 pixels, the same with random poses in training, and
# the frozen MobileNetV2 feature through the same head. Prints each one's test RMSE and R²
# (an ideal reader: R² ~1, as the size class sets the share of the frame the part fills).
#
#   bench/step2/probe/probe.sh                       # build/, data/
#   bench/step2/probe/probe.sh /tmp/build /tmp/d7    # another build and dataset
#
# Environment: PROBE_DIR (work folder, default /tmp/xp_image_probe; recreated),
# XP_WEIGHTS_DIR (default ./weights). About 4 minutes on 2 cores (MobileNetV2 encodes ~6,000
# pictures once). Python (pandas) only builds the item table from TRUTH.csv.
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
HERE=$ROOT/bench/step2/probe
BUILD=${1:-build}
DATA=${2:-data}
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
case $DATA in /*) ;; *) DATA=$ROOT/$DATA ;; esac
WORK=${PROBE_DIR:-/tmp/xp_image_probe}
export XP_WEIGHTS_DIR=${XP_WEIGHTS_DIR:-$ROOT/weights}
[ -f "$DATA/TRUTH.csv" ] || { echo "probe.sh: no $DATA/TRUTH.csv (gen_demo writes it)" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"
/usr/bin/python3 "$HERE/items.py" "$DATA" "$WORK/items.csv"
run() {   # NAME CONFIG [OVERRIDES...]
    name=$1 cfg=$2
    shift 2
    "$BUILD/core/runner" "$HERE/$cfg" name="probe_$name" data.path="$WORK/items.csv" \
        data.images="$DATA/spacecraft_images" store.path="$WORK/probe.db" "$@" > "$WORK/$name.log" 2>&1 ||
        { echo "probe.sh: $name failed, see $WORK/$name.log" >&2; exit 1; }
    printf '%-16s %s\n' "$name" "$(grep '^test (' "$WORK/$name.log" | sed 's/  (mean of.*//')"
}
run cnn32 probe.yaml
run cnn32_dihedral probe.yaml model.image_tower.augment=dihedral
run mobilenet probe_mobilenet.yaml
