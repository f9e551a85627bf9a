#!/usr/bin/env bash
# `image_stats` through the runner, on a table whose x1 is hidden from the model and shown
# only by the size of a disc in each item's picture (48x48 PNGs on a gradient backdrop, the
# disc placed and coloured at random): with image_stats the model reads x1 back and the CV
# falls well below the same config's without it; every fold pipeline records the pictures and
# the objects found; `runner predict` reproduces the run's test predictions; reading the
# picture files themselves (wide and tall ones, at their own size) reads the disc as well,
# predict reproduces that run too, and a rerun takes every picture's numbers from the cache
# and scores the same; a misspelt pixel column is refused by the config check with its place
# in the file, before any study exists.
# usage: test_image_stats.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600
mkdir images
"$py" - images "$src" <<'PY'
import random, sys
sys.dont_write_bytecode = True   # nothing written into the source tree
sys.path.insert(0, sys.argv[2])
from pngw import png
rnd = random.Random(5)
S = 48
for item in range(60):
    x1 = item * 0.37 % 5                      # make_small_csv.sh's x1 of the item
    r = S * (0.12 + 0.06 * x1)                # radius 0.12 ... 0.42 of the side
    cx, cy = S / 2 + rnd.uniform(-3, 3), S / 2 + rnd.uniform(-3, 3)
    col = [rnd.randint(150, 255), rnd.randint(0, 90), rnd.randint(0, 255)]
    b0, b1 = rnd.randint(20, 60), rnd.randint(60, 110)
    def rgb(x, y):
        if (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r:
            return col
        g = b0 + (b1 - b0) * x // S
        return (g, g, g + 20)
    png(f"{sys.argv[1]}/item_{item}_part.png", S, S, rgb)
PY
cat > stats.yaml <<'Y'
extends: small.yaml
name: stats
data:
  images: images
  roles: {description: ignore, x1: ignore}
pipeline:
  - plugin: target_log
  - plugin: image_pixels
    column: description
    out: px
    size: 32
  - plugin: image_stats
    column: px
    out: pic
validation:
  final: folds
  random_split_check: false
Y
expect_rc 0 "$runner" stats.yaml -q
sql() { "$py" -c "import sqlite3, sys; r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print('' if r is None or r[0] is None else r[0])" exp.db "$1"; }
n=$(sql "select count(*) from xp_records where kind='image_stats'")
[ "$n" -ge 3 ] && ok || bad "expected an image_stats record per fold pipeline (3 folds), got $n"
"$py" - exp.db <<'PY' && ok || bad "image_stats records: every picture should show its disc"
import json, sqlite3, sys
recs = [json.loads(j) for (j,) in sqlite3.connect(sys.argv[1]).execute("select json from xp_records where kind='image_stats'")]
for r in recs:
    assert r["side"] == 32 and r["pictures"] >= 10 and r["objects_found"] == r["pictures"], r
    assert 0.05 < r["mean_fill"] < 0.5, r
PY
expect_predict_reproduces "$runner" exp.db 1 small.csv
# Without the picture's numbers the model has x2 and quantity only.
sed 's/^name: stats/name: blind/; /plugin: image_pixels/,/out: pic/d' stats.yaml > blind.yaml
expect_rc 0 "$runner" blind.yaml -q
best() { sql "select min(v.value) from trial_values v join trials t using(trial_id) join studies s using(study_id) where s.study_name='$1'"; }
cv_stats=$(best stats) cv_blind=$(best blind)
echo "CV with image_stats $cv_stats, without $cv_blind"
"$py" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if 0 < a < 0.6 * b else 1)" "$cv_stats" "$cv_blind" \
  && ok || bad "CV with image_stats $cv_stats against $cv_blind without: the disc's size was not read"
# word_infer after image_stats: a third of the items name a size ("... Big" when x1 >= 2.5,
# "... Small" below), the rest none; the classifier reads the disc's numbers. Every fold
# pipeline fits one, and `runner predict` reproduces the run's test predictions with it.
awk -F, -v OFS=, 'NR == 1 { print; next } {
  match($2, /[0-9]+/); item = substr($2, RSTART, RLENGTH) + 0
  if (item % 3 == 0) sub(/ Part"/, (item * 0.37 % 5 >= 2.5 ? " Part Big\"" : " Part Small\""), $2)
  print }' small.csv > named.csv
cp -r images named_images
# each named item's picture under its new name (item_3_part_big.png), from the file itself
grep -o '"Item [0-9]* Part [A-Za-z]*"' named.csv | sort -u | while read -r desc; do
  set -- $(echo "$desc" | tr -d '"' | tr 'A-Z' 'a-z')   # item N part big
  cp "images/item_$2_part.png" "named_images/item_$2_part_$4.png"
done
# stats.yaml with word_infer after image_stats
cat > word_infer_step.yaml <<'Y'
  - plugin: word_infer
    column: description
    inputs: ["pic_*"]
    groups:
      size: [small, big]
    min_labelled: 5
    per_text: 2
    bins: 32
    trees: 50
Y
sed 's/^name: stats$/name: read/; /^    out: pic$/r word_infer_step.yaml' stats.yaml > read.yaml
expect_rc 0 "$runner" read.yaml data.path=named.csv data.images=named_images store.path=read.db -q
"$py" - read.db <<'PY' && ok || bad "word_infer records: each fold pipeline should fit a size classifier"
import json, sqlite3, sys
recs = [json.loads(j) for (j,) in sqlite3.connect(sys.argv[1]).execute("select json from xp_records where kind='word_infer'")]
assert len(recs) >= 3, len(recs)
for r in recs:
    g = r["groups"][0]
    assert g["group"] == "size" and g["classifier"] is True, r
    assert g["labelled"]["small"] > 0 and g["labelled"]["big"] > 0 and g["unlabelled"] > 0, r
    assert 0 < g["cases"] <= 2 * (g["labelled"]["small"] + g["labelled"]["big"]), r
# the renamed pictures were all found: the labelled items' numbers are real, not missing
px = [json.loads(j) for (j,) in sqlite3.connect(sys.argv[1]).execute("select json from xp_records where kind='image_pixels'")]
assert px and all(p["no_file"] == 0 and p["found"] > 0 for p in px), px
PY
expect_predict_reproduces "$runner" read.db 1 named.csv
# Reading the pictures themselves (column: the text naming them): each item's picture is now
# wide or tall (72 x 48 or 48 x 72, the disc's radius a share of the short side as before),
# measured at its own size and aspect ratio, 23 numbers per file kept in the embedding cache.
mkdir wide_images
"$py" - wide_images "$src" <<'PY'
import random, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[2])
from pngw import png
rnd = random.Random(6)
for item in range(60):
    x1 = item * 0.37 % 5
    W, H = (72, 48) if item % 2 else (48, 72)
    r = 48 * (0.12 + 0.06 * x1)
    cx, cy = W / 2 + rnd.uniform(-3, 3), H / 2 + rnd.uniform(-3, 3)
    col = [rnd.randint(150, 255), rnd.randint(0, 90), rnd.randint(0, 255)]
    b0, b1 = rnd.randint(20, 60), rnd.randint(60, 110)
    def rgb(x, y):
        if (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r:
            return col
        g = b0 + (b1 - b0) * x // W
        return (g, g, g + 20)
    png(f"{sys.argv[1]}/item_{item}_part.png", W, H, rgb)
PY
sed 's/^name: stats/name: files/; /plugin: image_pixels/,/size: 32/d; s/column: px$/column: description/' stats.yaml > files.yaml
expect_rc 0 "$runner" files.yaml data.images=wide_images store.path=files.db -q
"$py" - files.db <<'PY' && ok || bad "image_stats records (files): every wide or tall picture should show its disc"
import json, sqlite3, sys
recs = [json.loads(j) for (j,) in sqlite3.connect(sys.argv[1]).execute("select json from xp_records where kind='image_stats'")]
assert len(recs) >= 3, len(recs)
for r in recs:
    assert r["read"] == "files" and r["side"] == 0 and r["undecodable"] == 0, r
    assert r["pictures"] >= 10 and r["objects_found"] == r["pictures"] and r["rows_without_picture"] == 0, r
    assert 0.05 < r["mean_fill"] < 0.6, r
assert sum(r["cache_hits"] for r in recs) > 0, "later fold pipelines should find the numbers in the cache"
PY
cv_files=$("$py" -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('select min(value) from trial_values').fetchone()[0])" files.db)
echo "CV reading the files $cv_files, without the pictures $cv_blind"
"$py" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if 0 < a < 0.6 * b else 1)" "$cv_files" "$cv_blind" \
  && ok || bad "CV reading the picture files $cv_files against $cv_blind without: the disc's size was not read"
expect_predict_reproduces "$runner" files.db 1 small.csv
# A rerun (a new store beside the first: the same cache folder) takes every picture's numbers
# from the cache on disk and scores the same test part.
expect_rc 0 "$runner" files.yaml data.images=wide_images store.path=files2.db -q
"$py" - files.db files2.db <<'PY' && ok || bad "the rerun should read every picture from the cache and score the same test error"
import json, sqlite3, sys
first, again = (sqlite3.connect(p) for p in sys.argv[1:3])
recs = [json.loads(j) for (j,) in again.execute("select json from xp_records where kind='image_stats'")]
assert recs and all(r["cache_hits"] == r["pictures"] for r in recs), recs
q = "select value from xp_metrics where split='test' and fold is null and source is null and metric='rmse'"
a, b = first.execute(q).fetchall(), again.execute(q).fetchall()
assert len(a) == 1 and a == b, (a, b)
PY
# A misspelt pixel column: refused by the config check, named with its place in the file.
sed 's/column: px$/column: pxx/; s/^name: stats/name: typo/' stats.yaml > typo.yaml
expect_rc 2 "$runner" typo.yaml
expect_in "$tmp/err" "pxx"
expect_in "$tmp/err" "typo.yaml:"
[ "$(sql "select count(*) from studies where study_name='typo'")" = 0 ] && ok || bad "the typo config created a study"
finish
