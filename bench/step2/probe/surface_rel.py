#!/usr/bin/python3
"""bench/step2/probe/surface_rel.py [DATA_DIR] — does dividing a picture's surface numbers by
the part's brightness tell its finish better? The probe behind image_stats' relative numbers
(grain, detail, shading, uneven, dark_rel, sat_p90; README, "The surface relative to the part's
brightness").

gen_demo draws the finish as a multiplicative change of the part's own colour
(tools/gen_demo/render.c: brushed streaks and matte grain scale the shade, polished steepens
the light), so an absolute texture figure mostly measures how dark the material is. Per item,
from its picture alone (no table, no text): the part is segmented against the border ring's
median colour, then

  absolute  mean |Laplacian|, gradient coherence, brightness SD, mean saturation, the
            brightness's 95th - 50th and 50th - 5th percentiles, mean brightness, fill,
            red and green chromaticity (what image_stats had);
  relative  median |Laplacian| / mean, slope of a brightness plane fitted over the part /
            mean, SD about that plane / mean, 90th percentile of saturation, SD of the 3 x 3
            high-pass / mean, (50th - 5th percentile) / mean.

A gradient-boosted classifier of the finish (4 levels, 4-fold, out of fold) on each set, at 64
px, 128 px and the file's own size, on the items where the part was found at all three.

Bench-only (Debian's python3-pil, numpy, sklearn; TRUTH.csv exists for generated data). About
5 minutes on 2 quiet cores for 6,000 pictures (9.5 CPU-minutes). On the default data (2026-12-04):

    | picture | absolute numbers | absolute + relative | relative only |
    | 64 px | 0.700 | 0.756 | 0.675 |
    | 128 px | 0.715 | 0.785 | 0.721 |
    | file's own size | 0.710 | 0.782 | 0.690 |

    /usr/bin/python3 bench/step2/probe/surface_rel.py            # data/
    /usr/bin/python3 bench/step2/probe/surface_rel.py /tmp/d13   # another gen_demo dataset
"""
import csv
import glob
import os
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_predict

from finish import find_file   # the picture of a description, as finish.py finds it

SIDES = (64, 128, "native")
N_ABS, N_REL = 10, 6


def shifted(a, dy, dx):
    return np.roll(np.roll(a, dy, 0), dx, 1)


def erode(m):
    out = m.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            out &= shifted(m, dy, dx)
    return out


def unlike_backdrop(x):
    """The pixels of x (h × w × 3, [0, 1]) unlike the border ring's median colour: a channel
    differs by more than max(0.12, 1.5 × the ring's own 90th-percentile difference)."""
    h, w, _ = x.shape
    b = max(1, int(round(0.06 * min(h, w))))
    ring = np.ones((h, w), bool)
    ring[b:h - b, b:w - b] = False
    diff = np.abs(x - np.median(x[ring], axis=0)).max(axis=2)
    return diff > max(0.12, 1.5 * np.percentile(diff[ring], 90))


def measures(path, side):
    """The picture at `side` -> absolute + relative numbers, or None when no part is found."""
    im = Image.open(path).convert("RGB")
    if side != "native":
        im = im.resize((side, side), Image.BILINEAR)
    x = np.asarray(im, dtype=np.float64) / 255
    h, w, _ = x.shape
    m = unlike_backdrop(x)
    e = erode(erode(m))          # twice: away from the outline's mixed pixels
    if e.sum() < 20:
        e = erode(m)
    if e.sum() < 5:
        return None
    lum = x.mean(axis=2)
    lo = lum[e]
    mean = lo.mean()
    hi, low = x.max(axis=2), x.min(axis=2)
    sat = np.where(hi > 0.02, (hi - low) / np.maximum(hi, 1e-6), 0)[e]
    lap = np.abs(4 * lum - shifted(lum, 1, 0) - shifted(lum, -1, 0) - shifted(lum, 0, 1) - shifted(lum, 0, -1))[e]
    gx = (shifted(lum, 0, -1) - shifted(lum, 0, 1)) / 2
    gy = (shifted(lum, -1, 0) - shifted(lum, 1, 0)) / 2
    jxx, jyy, jxy = (gx[e] ** 2).sum(), (gy[e] ** 2).sum(), (gx[e] * gy[e]).sum()
    box = sum(shifted(lum, dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9
    ys, xs = np.nonzero(e)
    design = np.c_[np.ones(len(xs)), xs / w, ys / h]
    coef = np.linalg.lstsq(design, lo, rcond=None)[0]
    q05, q50, q95 = np.percentile(lo, [5, 50, 95])
    rgb = x[e]
    total = rgb.sum(axis=1).mean() + 1e-6
    absolute = [lap.mean(), np.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2) / (jxx + jyy + 1e-12), lo.std(),
                sat.mean(), q95 - q50, q50 - q05, mean, e.mean(), rgb[:, 0].mean() / total,
                rgb[:, 1].mean() / total]
    relative = [np.median(lap) / mean, np.hypot(coef[1], coef[2]) / mean, (lo - design @ coef).std() / mean,
                np.percentile(sat, 90), (lum - box)[e].std() / mean, (q50 - q05) / mean]
    return absolute + relative


def one(job):
    path, finish = job
    return finish, [measures(path, s) for s in SIDES]


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "data"
    files = {os.path.splitext(os.path.basename(f))[0].lower(): f for f in glob.glob(f"{data}/spacecraft_images/*")}
    truth = csv.DictReader(open(f"{data}/TRUTH.csv"))
    rows = csv.DictReader(open(f"{data}/candidates_data.csv"))
    jobs, seen = [], set()
    for t, r in zip(truth, rows):
        desc = r["description"]
        if not desc or desc in seen:
            continue
        seen.add(desc)
        path = find_file(files, desc)
        if path:
            jobs.append((path, t["finish"]))
    with ProcessPoolExecutor(2) as ex:
        out = list(ex.map(one, jobs, chunksize=50))
    ok = [o for o in out if all(v is not None for v in o[1])]
    y = np.array([o[0] for o in ok])
    print(f"{data}: {len(jobs)} items with a picture, the part found at every size in {len(ok)}\n")
    print("| picture | absolute numbers | absolute + relative | relative only |")
    print("|---|---|---|---|")
    for k, side in enumerate(SIDES):
        x = np.array([o[1][k] for o in ok])
        accs = []
        for cols in (slice(0, N_ABS), slice(0, N_ABS + N_REL), slice(N_ABS, N_ABS + N_REL)):
            clf = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.07, random_state=0)
            accs.append((cross_val_predict(clf, x[:, cols], y, cv=4) == y).mean())
        name = "file's own size" if side == "native" else f"{side} px"
        print(f"| {name} | " + " | ".join(f"{a:.3f}" for a in accs) + " |")


if __name__ == "__main__":
    main()
