#!/usr/bin/env bash
# mobilenet.sh — fetches and converts the MobileNetV2 (width 1.4, 224x224) of npm nsfwjs for the
# image_mobilenet encoder.
#
#     bash tools/weights/mobilenet.sh DIR [BUILD]   # e.g. bash tools/weights/mobilenet.sh weights build
#
# 1. `npm pack nsfwjs@4.3.0` (pinned; MIT) into DIR/npm/ unless that tarball is already there.
#    With $XP_NPM_TARBALLS set to a folder holding nsfwjs-4.3.0.tgz, it is copied from there
#    instead of downloaded. Its sha256 is checked.
# 2. Extracts package/dist/models/mobilenet_v2_mid/ (the TensorFlow.js graph model: model.min.js
#    and two base64 weight shards) to a temporary folder and converts it with
#    BUILD/tools/weights/mobilenet_convert (BUILD defaults to ./build; built with
#    `ninja -C BUILD tools/weights/mobilenet_convert` if missing) into DIR/mobilenet_v2_mid.xpw
#    (~17 MB: the ops up to the 1792-d pooled feature with dequantized float32 weights; format in
#    plugins/common/torch_shim/xpw_format.h).
# Idempotent: with DIR/mobilenet_v2_mid.xpw present (and a valid magic) it does nothing.
# Prints the time taken. Exit 0 on success, non-zero with a message otherwise.
set -euo pipefail

NAME=nsfwjs
VERSION=4.3.0
TARBALL="$NAME-$VERSION.tgz"
SHA256=4496790efc9bdc6f3e85a826a8e482c1fa1e9db4b3d18c095e98cc0c73cfb12f
MODEL=package/dist/models/mobilenet_v2_mid
OUT_NAME=mobilenet_v2_mid.xpw

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: bash tools/weights/mobilenet.sh DIR [BUILD]" >&2
    exit 2
fi
DIR=$1
BUILD=${2:-build}
start=$(date +%s.%N)
elapsed() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

OUT="$DIR/$OUT_NAME"
if [ -f "$OUT" ] && [ "$(head -c 7 "$OUT")" = "XPWNET1" ]; then
    echo "mobilenet: $OUT is present; nothing to do ($(elapsed) s)"
    exit 0
fi

mkdir -p "$DIR/npm"
TGZ="$DIR/npm/$TARBALL"
if [ ! -f "$TGZ" ]; then
    if [ -n "${XP_NPM_TARBALLS:-}" ] && [ -f "$XP_NPM_TARBALLS/$TARBALL" ]; then
        cp "$XP_NPM_TARBALLS/$TARBALL" "$TGZ.part"
    else
        command -v npm >/dev/null || { echo "mobilenet: npm is not installed (apt-get install npm)" >&2; exit 1; }
        tmpd=$(mktemp -d)
        (cd "$tmpd" && npm pack --silent "$NAME@$VERSION" >/dev/null)
        mv "$tmpd/$TARBALL" "$TGZ.part"
        rm -rf "$tmpd"
    fi
    got=$(sha256sum "$TGZ.part" | cut -d' ' -f1)
    if [ "$got" != "$SHA256" ]; then
        rm -f "$TGZ.part"
        echo "mobilenet: $TARBALL has sha256 $got, expected $SHA256" >&2
        exit 1
    fi
    mv "$TGZ.part" "$TGZ"
fi

CONVERT="$BUILD/tools/weights/mobilenet_convert"
if [ ! -x "$CONVERT" ]; then
    ninja -C "$BUILD" tools/weights/mobilenet_convert >/dev/null || {
        echo "mobilenet: cannot build $CONVERT (run meson setup $BUILD first)" >&2
        exit 1
    }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mobilenet.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$TGZ" -C "$work" "$MODEL"
"$CONVERT" "$work/$MODEL" "$OUT"
echo "mobilenet: wrote $OUT ($(stat -c %s "$OUT") bytes) in $(elapsed) s"
