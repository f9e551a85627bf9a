#!/usr/bin/env bash
# `runner report --html` and `runner compare` on a real small store: two studies (one with a
# profile stage) run by the real runner, then the page, report.md and the comparison.
# mode "page": the page's content and that it needs nothing from the network; the Markdown
# file; compare's config diff, scores and errors. mode "browser": the page opened in headless
# Chromium (report_browser.py: charts drawn, no console error, nothing fetched, screenshot
# and PDF), skipped (exit 77) where Chromium or python3-websocket is absent.
# usage: test_report.sh page|browser RUNNER SRCDIR PYTHON
mode=$1 runner=$(readlink -f "$2") src=$(readlink -f "$3") py=$4
start=$(pwd)
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600
expect_rc 0 "$runner" small.yaml -q '+profile=[{plugin: profile, versus: [quantity]}]'
expect_rc 0 "$runner" small.yaml -q name=small_b search.trials=2 seed=9 model.params.max_depth=4
expect_rc 0 "$runner" report --html --store exp.db --out rep
page=rep/index.html

if [ "$mode" = browser ]; then
  "$py" "$src/report_browser.py" "$page" "$tmp/report.png"
  rc=$?
  # keep the screenshot where a developer can look at it (the directory meson ran the test in)
  [ -f "$tmp/report.png" ] && cp "$tmp/report.png" "$start/report_screenshot.png" && echo "screenshot: $start/report_screenshot.png"
  [ "$rc" = 77 ] && exit 77
  [ "$rc" = 0 ] && ok || bad "report_browser.py failed (exit $rc)"
  finish
  exit
fi

[ -s "$page" ] && ok || bad "no $page"
[ -s rep/report.md ] && ok || bad "no rep/report.md"
expect_in rep/report.md "| small | 1 |"
for text in '<!doctype html>' '<svg' 'id="method"' 'id="data"' 'id="step1"' 'id="step2"' 'id="runs"' \
            'best so far over trials' 'best so far over time' 'target distribution' 'target vs quantity' \
            'predicted vs actual' 'residuals by source' 'test score per source' 'validation and test scores' \
            'ablation: test score per study' 'random-split CV' 'small_b' '@media print'; do
  expect_in "$page" "$text"
done
# Self-contained: nothing to fetch — no script, stylesheet link, image, font or url().
if grep -Eqi '<script|<link|<img|<iframe|@import|url\(|src=' "$page"; then bad "the page refers to outside resources"; else ok; fi
# The only http:// is SVG's namespace name (never fetched).
if grep -o 'https\?://[^"]*' "$page" | grep -qv '^http://www.w3.org/2000/svg$'; then bad "a URL other than the SVG namespace"; else ok; fi
# Every number comes from the store: run 1's test RMSLE appears as recorded.
t=$("$py" -c "import sqlite3; print('%.4g' % sqlite3.connect('exp.db').execute(\"select value from xp_metrics where run_id=1 and split='test' and metric='rmsle' and source is null\").fetchone()[0])")
expect_in "$page" ">$t<"
# The predictions carry their source (residuals by source read it).
art=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute(\"select path from xp_artifacts where run_id=1 and kind='test_predictions'\").fetchone()[0])")
head -1 "$art" | grep -qx 'row,target,prediction,source' && ok || bad "test_predictions header: $(head -1 "$art")"
# A rerun replaces the page whole (written to a temporary file, then renamed).
expect_rc 0 "$runner" report --html --store exp.db --out rep
[ ! -e rep/index.html.tmp ] && ok || bad "index.html.tmp left behind"
# Errors: a store that is not one, an unknown option.
expect_rc 1 "$runner" report --html --store small.csv --out rep2
expect_in "$tmp/err" "not an experiment store"
expect_rc 2 "$runner" report --bogus

# compare: the config diff holds exactly what the second run changed.
expect_rc 0 "$runner" compare --store exp.db 1 2
cp "$tmp/out" cmp.md
expect_in cmp.md "# Run 1 vs run 2"
expect_in cmp.md '| `model.params.max_depth` | 3 | 4 |'
expect_in cmp.md '| `search.trials` | 4 | 2 |'
expect_in cmp.md '| `seed` | 3 | 9 |'
expect_in cmp.md '| `profile[0].plugin` | profile | (absent) |'
expect_in cmp.md "| cv_grouped | rmsle |"
expect_in cmp.md "| test | r2 |"
expect_in cmp.md "## Test rmsle per source"
if grep -q '`data.path`' cmp.md; then bad "an unchanged key listed as a difference"; else ok; fi
expect_rc 0 "$runner" compare --store exp.db 1 1
expect_in "$tmp/out" "The resolved configs are identical"
expect_rc 1 "$runner" compare --store exp.db 1 99
expect_in "$tmp/err" "has no run 99"
expect_rc 2 "$runner" compare --store exp.db 1
expect_rc 2 "$runner" compare --store exp.db 1 x
finish
