#!/usr/bin/env bash
# test_mobilenet_sh.sh — tools/weights/mobilenet.sh and mobilenet_convert, offline:
#   usage errors exit 2; an existing converted file is left alone (idempotent, exit 0);
#   a tarball with the wrong sha256 (from $XP_NPM_TARBALLS) is refused and not kept;
#   the converter refuses a folder without the model and a model.min.js that is not a bundle;
#   when the real tarball is at REPO/weights/npm/ (after `make weights`), converting it again
#   gives the same bytes as REPO/weights/mobilenet_v2_mid.xpw (deterministic).
#     test_mobilenet_sh.sh REPO_ROOT BUILD_DIR
set -u
ROOT=$1
BUILD=$2
SH="$ROOT/tools/weights/mobilenet.sh"
CONV="$BUILD/tools/weights/mobilenet_convert"
fails=0
check() { if ! eval "$2"; then echo "FAIL: $1" >&2; fails=$((fails + 1)); fi; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mnv2sh.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

bash "$SH" >/dev/null 2>&1; check "no arguments -> exit 2" "[ $? -eq 2 ]"

mkdir -p "$tmp/w1"
printf 'XPWNET1\0rest' > "$tmp/w1/mobilenet_v2_mid.xpw"
out=$(bash "$SH" "$tmp/w1" "$BUILD" 2>&1); rc=$?
check "present output -> exit 0 ($rc: $out)" "[ $rc -eq 0 ]"
check "present output -> nothing to do" "[[ \"\$out\" == *'nothing to do'* ]]"
check "present output untouched" "[ \"\$(cat -v $tmp/w1/mobilenet_v2_mid.xpw)\" = 'XPWNET1^@rest' ]"

mkdir -p "$tmp/bad" "$tmp/w2"
echo "not the tarball" > "$tmp/bad/nsfwjs-4.3.0.tgz"
out=$(XP_NPM_TARBALLS="$tmp/bad" bash "$SH" "$tmp/w2" "$BUILD" 2>&1); rc=$?
check "wrong sha256 -> exit 1 ($rc: $out)" "[ $rc -eq 1 ]"
check "wrong sha256 named" "[[ \"\$out\" == *'sha256'* ]]"
check "wrong tarball not kept" "[ ! -e $tmp/w2/npm/nsfwjs-4.3.0.tgz ] && [ ! -e $tmp/w2/npm/nsfwjs-4.3.0.tgz.part ]"

if [ -x "$CONV" ]; then
    "$CONV" >/dev/null 2>&1; check "converter usage -> exit 2" "[ $? -eq 2 ]"
    out=$("$CONV" "$tmp/none" "$tmp/x.xpw" 2>&1); rc=$?
    check "converter: missing model -> exit 1 ($rc: $out)" "[ $rc -eq 1 ] && [[ \"\$out\" == *'cannot read'* ]]"
    mkdir -p "$tmp/m"
    echo 'module.exports = 42;' > "$tmp/m/model.min.js"
    out=$("$CONV" "$tmp/m" "$tmp/x.xpw" 2>&1); rc=$?
    check "converter: not a bundle -> exit 1 ($rc: $out)" "[ $rc -eq 1 ] && [[ \"\$out\" == *'UMD'* ]]"
    check "converter: no output on failure" "[ ! -e $tmp/x.xpw ] && [ ! -e $tmp/x.xpw.tmp ]"
    TGZ="$ROOT/weights/npm/nsfwjs-4.3.0.tgz"
    if [ -f "$TGZ" ] && [ -f "$ROOT/weights/mobilenet_v2_mid.xpw" ]; then
        tar -xzf "$TGZ" -C "$tmp" package/dist/models/mobilenet_v2_mid
        "$CONV" "$tmp/package/dist/models/mobilenet_v2_mid" "$tmp/again.xpw" >/dev/null
        check "reconversion is byte-identical" "cmp -s $tmp/again.xpw $ROOT/weights/mobilenet_v2_mid.xpw"
    else
        echo "(no weights/npm/nsfwjs-4.3.0.tgz: reconversion check skipped; run make weights)"
    fi
fi
[ $fails -eq 0 ] && echo "ok" || echo "$fails check(s) failed" >&2
exit $((fails > 0))
