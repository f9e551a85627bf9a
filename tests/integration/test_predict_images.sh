#!/usr/bin/env bash
# `runner predict` on a step-2-like run uses the images the run read, not what the image
# folder holds today (issue 11). A run keeps every image its encoders read as a
# content-addressed copy (<artifacts>/<store file>/images/<sha256>.png) listed in a manifest
# (artifact input_files); predict fits the encoders and the PCA on the run's rows with
# those copies, checked against their sha256: images replaced or deleted after training
# change no prediction, a missing or damaged copy is refused naming it. The rows to predict
# read their own images: the configured folder as it is now, or --images DIR.
# usage: test_predict_images.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 300
# One 12x12 PNG per item ("Item 7 Part" -> item_7_part.png), its colour following the
# item's x1 and x2 so the pixels carry signal; written with zlib (no imaging library).
mkdir images
"$py" - images "$src" <<'PY'
import sys
sys.dont_write_bytecode = True   # nothing written into the source tree
sys.path.insert(0, sys.argv[2])
from pngw import png
for item in range(60):
    x1, x2 = item * 0.37 % 5, (item * 7) % 11
    r, g = int(x1 * 50), int(x2 * 23)
    png(f"{sys.argv[1]}/item_{item}_part.png", 12, 12, lambda x, y: (r, g, (x * 20 + y * 3 + item) % 256))
PY
cp -r images images.orig
# Step 2's image branch: the pixels, a PCA fitted on the training rows, XGBoost; the fold
# models predict (validation.final: folds), as step2_xgb does.
cat > img.yaml <<'Y'
extends: small.yaml
name: img
data:
  images: images
pipeline:
  - plugin: target_log
  - plugin: image_pixels
    column: description
    out: description_pixels
    size: 8
  - plugin: pca
    columns: [description_pixels]
    components: 3
search:
  trials: 2
validation:
  final: folds
  random_split_check: false
Y
sql() { "$py" -c "import sqlite3, sys; r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print('' if r is None or r[0] is None else r[0])" exp.db "$1"; }
sql_do() { "$py" -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" exp.db "$1"; }

expect_rc 0 "$runner" img.yaml -q
# The manifest: one line per image read, each copy named by its sha256 and byte-identical.
man=$(sql "select path from xp_artifacts where run_id=1 and kind='input_files'")
[ "$man" = "artifacts/exp.db/run_1/input_files.tsv" ] && ok || bad "run 1's input_files is '$man'"
[ "$(sql "select sha256 from xp_artifacts where run_id=1 and kind='input_files'")" = "$(sha256sum "$man" | cut -d' ' -f1)" ] \
  && ok || bad "input_files: recorded sha256 is not the manifest's"
"$py" - "$man" small.csv <<'PY' && ok || bad "the manifest does not list the data's images with their sha256 and copies"
import csv, hashlib, re, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
folders = [r for r in rows if r["kind"] == "folder"]
files = [r for r in rows if r["kind"] == "file"]
assert [f["folder"] for f in folders] == ["images"], folders
named = {re.sub(r"\s+", "_", r["description"].lower()) + ".png" for r in csv.DictReader(open(sys.argv[2]))}
assert sorted(f["name"] for f in files) == sorted(named), (len(files), len(named))
for f in files:
    data = open("images/" + f["name"], "rb").read()
    sha = hashlib.sha256(data).hexdigest()
    assert f["sha256"] == sha and int(f["bytes"]) == len(data), f
    assert f["copy"] == f"artifacts/exp.db/images/{sha}.png", f
    assert open(f["copy"], "rb").read() == data, f["copy"]
PY
[ -n "$(sql "select json from xp_records where run_id=1 and kind='input_files'")" ] && ok || bad "no input_files record"

# Rows to predict: the first 20 rows, before anything changes.
head -21 small.csv > new20.csv
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q
cp "$tmp/out" a.csv
[ "$(wc -l < a.csv)" = 21 ] && ok || bad "expected 20 predictions, got $(($(wc -l < a.csv) - 1))"
# The images of every other item are changed after the run (colours inverted), which
# changes the PCA fitted on the training rows' pixels.
"$py" - new20.csv images > changed.txt <<'PY'
import csv, re, struct, sys, zlib
used = {re.sub(r"\s+", "_", r["description"].lower()) + ".png" for r in csv.DictReader(open(sys.argv[1]))}
import os
for name in sorted(os.listdir(sys.argv[2])):
    if name in used:
        continue
    path = os.path.join(sys.argv[2], name)
    data = open(path, "rb").read()
    # Decode our own PNG (one IDAT, filter 0), invert the pixels, write it back.
    w, h = struct.unpack(">II", data[16:24])
    at = data.index(b"IDAT") - 4
    n = struct.unpack(">I", data[at:at + 4])[0]
    raw = bytearray(zlib.decompress(data[at + 8:at + 8 + n]))
    for y in range(h):
        for i in range(1, 1 + 3 * w):
            raw[y * (1 + 3 * w) + i] ^= 0xFF
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    open(path, "wb").write(data[:33] + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))
    print(name)
PY
[ "$(wc -l < changed.txt)" -ge 30 ] && ok || bad "expected at least 30 images changed, got $(wc -l < changed.txt)"
cmp -s images/"$(head -1 changed.txt)" images.orig/"$(head -1 changed.txt)" && bad "the image was not changed" || ok

# The images changed after the run: the same predictions, byte for byte (the rows to
# predict name none of them). Today's folder is what they read.
TMPDIR="$tmp/tmpd"
mkdir "$TMPDIR"
export TMPDIR
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q
cmp -s a.csv "$tmp/out" && ok || { bad "predictions differ after the training images changed"; diff a.csv "$tmp/out" | head -5 >&2; }
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q --images images.orig
cmp -s a.csv "$tmp/out" && ok || { bad "--images with the original folder: other predictions"; diff a.csv "$tmp/out" | head -5 >&2; }
[ -z "$(ls -A "$TMPDIR")" ] && ok || bad "predict left its temporary image folders: $(ls "$TMPDIR")"
# Deleted: the same again.
while read -r f; do rm "images/$f"; done < changed.txt
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q
cmp -s a.csv "$tmp/out" && ok || { bad "predictions differ after the training images were deleted"; diff a.csv "$tmp/out" | head -5 >&2; }

# The rows to predict read their own images: an image of theirs changed in the folder
# changes their predictions; --images names another folder for them.
first=$("$py" -c "import csv, re, sys; r = next(csv.DictReader(open(sys.argv[1]))); print(re.sub(r'\s+', '_', r['description'].lower()) + '.png')" new20.csv)
cp images.orig/"$(head -1 changed.txt)" "images/$first"
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q
cmp -s a.csv "$tmp/out" && bad "a row to predict did not read its new image ($first)" || ok
cp "$tmp/out" b.csv
# The same new image in a folder of its own (the original folder otherwise), with the
# folder of the run's configuration put back: the predictions follow --images.
cp -r images.orig newimgs
cp "images/$first" newimgs/
cp images.orig/"$first" "images/$first"
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q --images newimgs
cmp -s b.csv "$tmp/out" && ok || { bad "--images: the rows to predict did not read their images from newimgs"; diff b.csv "$tmp/out" | head -5 >&2; }
expect_rc 2 "$runner" predict --run 1 --store exp.db new20.csv -q --images no_such_folder
expect_in "$tmp/err" "--images no_such_folder: No such file or directory"

# A stored image deleted or damaged: refused, naming it, whatever the folder holds.
cp -r images.orig/. images/
copy=$("$py" -c "
import csv, sys
print(next(r['copy'] for r in csv.DictReader(open(sys.argv[1]), delimiter='\t') if r['kind'] == 'file'))" "$man")
cp "$copy" copy.saved
rm "$copy"
expect_rc 1 "$runner" predict --run 1 --store exp.db new20.csv -q
expect_in "$tmp/err" "run 1's stored image $copy ("
expect_in "$tmp/err" "is missing: No such file or directory"
cp copy.saved "$copy"
printf 'x' >> "$copy"
expect_rc 1 "$runner" predict --run 1 --store exp.db new20.csv -q
expect_in "$tmp/err" "is not the file the run read: sha256 $(sha256sum copy.saved | cut -d' ' -f1) in its input_files manifest, $(sha256sum "$copy" | cut -d' ' -f1) on disk"
[ -z "$(ls -A "$TMPDIR")" ] && ok || bad "a refused predict left its temporary image folders: $(ls "$TMPDIR")"
cp copy.saved "$copy"
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q
cmp -s a.csv "$tmp/out" && ok || bad "restored copy: other predictions"
# A damaged manifest is refused by its recorded sha256.
printf 'file\timages\tx.png\t1\t%064d\tx\n' 0 >> "$man"
expect_rc 1 "$runner" predict --run 1 --store exp.db new20.csv -q
expect_in "$tmp/err" "input_files $man is not the file the run wrote"

# A run recorded before runs kept their images (no input_files): today's folder, a warning.
sql_do "delete from xp_artifacts where run_id=1 and kind='input_files'"
expect_rc 0 "$runner" predict --run 1 --store exp.db new20.csv -q
expect_in "$tmp/err" "warning: run 1 kept no copy of the files its plugins read from images"
cmp -s a.csv "$tmp/out" && ok || bad "old run on its unchanged folder: other predictions"
finish
