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

TAG=mobilenet

NAME=nsfwjs
VERSION=4.3.0
TARBALL="$NAME-$VERSION.tgz"
SHA256=4496790efc9bdc6f3e85a826a8e482c1fa1e9db4b3d18c095e98cc0c73cfb12f
MODEL=package/dist/models/mobilenet_v2_mid
OUT_NAME=mobilenet_v2_mid.xpw
PART=$MODEL
MAGIC=XPWNET1
CONVERTER=mobilenet_convert

. "$(dirname "${BASH_SOURCE[0]}")/npm_weights.sh"
npm_weights_main "$@"
