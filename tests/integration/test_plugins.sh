#!/usr/bin/env bash
# Plugin discovery and load failures: `runner plugins` lists the built plugins; a .so with
# the wrong ABI, no entry symbol, an unresolved dependency, or a duplicate name is refused
# with a message naming the file and the reason.
# usage: test_plugins.sh RUNNER BAD_ABI_SO NO_ENTRY_SO DUP_SO MISSING_DEP_SO
runner=$1 bad_abi=$2 no_entry=$3 dup=$4 missing=$5
# meson passes build targets relative to the build dir; the tests cd elsewhere.
runner=$(readlink -f "$runner")
bad_abi=$(readlink -f "$bad_abi")
no_entry=$(readlink -f "$no_entry")
dup=$(readlink -f "$dup")
missing=$(readlink -f "$missing")
. "$(dirname "$0")/lib.sh"
cd "$tmp"

expect_rc 0 "$runner" plugins
for want in "loader     csv" "model      xgboost" "metric     rmse" "sampler    tpe" "transform  target_log"; do
  expect_in "$tmp/out" "$want"
done

mkdir -p d1 && cp "$bad_abi" d1/
expect_rc 2 "$runner" plugins --plugin-dir d1
expect_in "$tmp/err" "bad_abi.so: built for plugin ABI version 999, this runner speaks version 1"

mkdir -p d2 && cp "$no_entry" d2/
expect_rc 2 "$runner" plugins --plugin-dir d2
expect_in "$tmp/err" "no_entry.so: not an xp plugin: no exported symbol 'xp_plugin_entry'"

mkdir -p d3 && cp "$dup" d3/
expect_rc 2 "$runner" plugins --plugin-dir d3
expect_in "$tmp/err" "metric plugin 'rmse' is already provided by"
expect_in "$tmp/err" "dup_rmse.so"

mkdir -p d4 && cp "$missing" d4/
expect_rc 2 "$runner" plugins --plugin-dir d4
expect_in "$tmp/err" "missing_dep.so: dlopen failed"
expect_in "$tmp/err" "ldd"

# XP_PLUGIN_PATH is searched too.
XP_PLUGIN_PATH="$tmp/d2" expect_rc 2 "$runner" plugins
expect_in "$tmp/err" "no_entry.so"
finish
