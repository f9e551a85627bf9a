#!/usr/bin/env bash
# Plugin discovery and load failures: `runner plugins` lists the built plugins; a .so with
# the wrong ABI, no entry symbol or an unresolved dependency is listed as unavailable with
# a message naming the file and the reason (and fails only the configs that use it); a
# duplicate name is an error; a C++ plugin loads.
# usage: test_plugins.sh RUNNER BAD_ABI_SO NO_ENTRY_SO DUP_SO MISSING_DEP_SO CXX_SO SMALL_YAML
runner=$1 bad_abi=$2 no_entry=$3 dup=$4 missing=$5 cxx=$6 small=$7
# meson passes build targets relative to the build dir; the tests cd elsewhere.
runner=$(readlink -f "$runner")
bad_abi=$(readlink -f "$bad_abi")
no_entry=$(readlink -f "$no_entry")
dup=$(readlink -f "$dup")
missing=$(readlink -f "$missing")
cxx=$(readlink -f "$cxx")
small=$(readlink -f "$small")
. "$(dirname "$0")/lib.sh"
cd "$tmp"

expect_rc 0 "$runner" plugins
for want in "loader     csv" "model      xgboost" "metric     rmse" "sampler    tpe" "transform  target_log"; do
  expect_in "$tmp/out" "$want"
done

# A file that cannot load leaves only its own plugins out: `runner plugins` lists it as
# unavailable with the reason and exits 0; a config that names its plugin fails (exit 2)
# with that reason; everything else keeps working.
mkdir -p d1 && cp "$bad_abi" d1/
expect_rc 0 "$runner" plugins --plugin-dir d1
expect_in "$tmp/out" "Unavailable"
expect_in "$tmp/out" "bad_abi.so: built for plugin ABI version 999, this runner speaks version 1"
expect_in "$tmp/out" "model      xgboost"

mkdir -p d2 && cp "$no_entry" d2/
expect_rc 0 "$runner" plugins --plugin-dir d2
expect_in "$tmp/out" "no_entry.so: not an xp plugin: no exported symbol 'xp_plugin_entry'"

mkdir -p d3 && cp "$dup" d3/
expect_rc 2 "$runner" plugins --plugin-dir d3
expect_in "$tmp/err" "metric plugin 'rmse' is already provided by"
expect_in "$tmp/err" "dup_rmse.so"

mkdir -p d4 && cp "$missing" d4/
expect_rc 0 "$runner" plugins --plugin-dir d4
expect_in "$tmp/out" "missing_dep.so: dlopen failed"
expect_in "$tmp/out" "ldd"
# A config that uses the plugin of the file that did not load names the file and why.
expect_rc 2 "$runner" "$small" --plugin-dir d4 model.plugin=missing_dep
expect_in "$tmp/err" "the model plugin 'missing_dep' is unavailable on this machine"
expect_in "$tmp/err" "missing_dep.so: dlopen failed"
# A config that does not use it is not stopped by it (it gets past plugin loading and the
# config check: --print-config resolves the whole config).
expect_rc 0 "$runner" "$small" --plugin-dir d4 --print-config

# XP_PLUGIN_PATH is searched too.
XP_PLUGIN_PATH="$tmp/d2" expect_rc 0 "$runner" plugins
expect_in "$tmp/out" "no_entry.so"

# A plugin written in C++ loads like any other.
mkdir -p d5 && cp "$cxx" d5/
expect_rc 0 "$runner" plugins --plugin-dir d5
expect_in "$tmp/out" "metric     cxx_mae"
finish
