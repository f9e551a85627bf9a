#!/usr/bin/env bash
# `runner plugins --help NAME` prints the options text the plugin itself carries (a commented
# YAML example with the config keys the runner reads: pipeline:, model: plugin:, ...); every
# plugin but the metrics has one, and it parses as YAML naming the plugin; a descriptor built
# before the field existed still loads and is not read past its size; source headers no
# longer show the old `transforms:` / `encoders:` / `model: name:` keys.
# usage: test_plugin_help.sh RUNNER OLD_DESC_SO SRCROOT PYTHON
runner=$(readlink -f "$1") old=$(readlink -f "$2") root=$(readlink -f "$3") py=$(readlink -f "$4")
. "$(dirname "$0")/lib.sh"
cd "$tmp"

expect_rc 0 "$runner" plugins --help impute
expect_in "$tmp/out" "transform impute"
expect_in "$tmp/out" "pipeline:"
expect_in "$tmp/out" "  - plugin: impute"
expect_in "$tmp/out" "strategy: median"
expect_rc 0 "$runner" plugins --help xgboost
expect_in "$tmp/out" "model:"
expect_in "$tmp/out" "  plugin: xgboost"
expect_in "$tmp/out" "early_stopping_rounds"
expect_rc 0 "$runner" plugins --help rmse
expect_in "$tmp/out" "a metric has no options"
expect_rc 2 "$runner" plugins --help no_such_plugin
expect_in "$tmp/err" "no plugin named 'no_such_plugin'"
expect_rc 0 "$runner" plugins --help
expect_in "$tmp/out" "runner plugins [--plugin-dir DIR] --help NAME"

# Every plugin (metrics aside) documents its options, as YAML that names it.
expect_rc 0 "$runner" plugins
awk 'NF >= 3 && $1 ~ /^(loader|transform|encoder|model|sampler)$/ {print $1, $2}' "$tmp/out" > list.txt
[ "$(wc -l < list.txt)" -ge 20 ] && ok || bad "only $(wc -l < list.txt) plugins listed"
# One runner call for all (loading every plugin takes seconds on a busy machine).
expect_rc 0 "$runner" plugins --help $(cut -d' ' -f2 list.txt)
cp "$tmp/out" all_help.txt
expect_rc 0 "$py" - all_help.txt list.txt <<'PY'
import re, sys, yaml
text = open(sys.argv[1]).read()
want = [l.split() for l in open(sys.argv[2]) if l.strip()]
head = re.compile(r"^(loader|transform|encoder|model|sampler|metric) (\w+) \S+ — .*\n  \S+\n\n", re.M)
marks = list(head.finditer(text))
blocks = {}
for i, m in enumerate(marks):
    body = text[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(text)]
    blocks[(m.group(1), m.group(2))] = body
bad = []
for kind, name in want:
    body = blocks.get((kind, name))
    if body is None or "carries no options text" in body:
        bad.append(f"{kind} {name}: no options text"); continue
    try:
        doc = yaml.safe_load(body)
        if kind in ("transform", "encoder"):
            assert any(isinstance(s, dict) and s.get("plugin") == name for s in doc.get("pipeline") or doc["profile"]), doc
        elif kind == "model":
            assert doc["model"]["plugin"] == name, doc
        elif kind == "sampler":
            assert doc["search"]["sampler"] == name, doc
        elif kind == "loader":
            assert doc["data"]["loader"] == name, doc
    except Exception as e:
        bad.append(f"{kind} {name}: {type(e).__name__}: {e}"[:300])
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# A descriptor from before the field: loads; its (garbage) options pointer is never read.
mkdir -p old && cp "$old" old/
expect_rc 0 "$runner" plugins --plugin-dir old --help old_desc
expect_in "$tmp/out" "metric old_desc 0.1"

# The source headers show the keys the runner reads.
if grep -rnE '^\s*\*\s+(transforms|encoders):\s*$|^\s*\*\s+name: (xgboost|mlp)' "$root/plugins" > stale.txt; then
  bad "headers with stale config keys: $(head -3 stale.txt)"
else ok; fi
finish
