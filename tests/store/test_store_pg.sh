#!/usr/bin/env bash
# tests/store/test_store_pg.sh — runs test_store_pg against a real PostgreSQL server started
# here (pg_cluster.sh: initdb + pg_ctl on a Unix socket in a temporary folder).
#   test_store_pg.sh TEST_STORE_PG PYTHON3 OPTUNA_PG_PY
# Exit 77 (meson's SKIP) when the PostgreSQL server binaries are absent.
set -u
exe=$1 py=$2 script=$3
tmp=$(mktemp -d /tmp/xp-store-pg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/pg_cluster.sh"
pg_start "$tmp/pg"
mkdir -p "$tmp/lite"
"$exe" "$tmp/pg" "$py" "$script" "$tmp/lite"
