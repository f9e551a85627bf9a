#!/usr/bin/python3
"""bench/step2/probe/finish.py [DATA_DIR] — how much of an item's finish its picture can tell,
at the file's own resolution and after downscaling to 128 and 64 pixels a side.

gen_demo draws the finish as the part's surface (tools/gen_demo/render.c: matte flattens the
light and adds fine grain, brushed adds streaks, anodized tints, polished steepens the light
and adds a specular band). `bench/oracle/hidden.py` shows the step-2 blend missing about half
of the finish's effect where the description hides its word. This probe asks whether that is
the models or the pixels: per item, twelve surface measures of the object (segmented against
the median colour of the border ring, as image_stats does with its plane) at each resolution,
plus the item's material and component (which the text gives), go into a gradient-boosted
classifier of the finish (5-fold, out of fold). It prints the classifier's accuracy and the
R² of E[finish effect | picture, material, component] against the true effect
(ORACLE.json's alphas): a model that reads such measures perfectly leaves a residual slope of
-(1 - R²) on the effect, the figure hidden.py prints.

Bench-only (Debian's python3-pil, numpy, pandas, sklearn; TRUTH.csv exists for generated
data). About 3 minutes on 2 cores for 6,000 pictures.

    /usr/bin/python3 bench/step2/probe/finish.py            # data/
    /usr/bin/python3 bench/step2/probe/finish.py /tmp/d13   # another gen_demo dataset
"""
import glob
import json
import os
import sys

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_predict

N_FEAT = 12


def find_file(files, desc):
    s = desc.lower().replace(" ", "_")
    for k in (s.replace("-", "_"), s.replace("-", ""), s):
        if k in files:
            return files[k]
    return None


def surface(a):
    """a: H x W x 3 floats in [0, 1] -> twelve measures of the object's surface (NaN: none)."""
    h, w, _ = a.shape
    b = max(1, int(round(0.06 * min(h, w))))
    ring = np.concatenate([a[:b].reshape(-1, 3), a[-b:].reshape(-1, 3),
                           a[:, :b].reshape(-1, 3), a[:, -b:].reshape(-1, 3)])
    bg = np.median(ring, 0)
    rel = (np.abs(a - bg) / (bg + 0.05)).max(2)
    ring_rel = (np.abs(ring - bg) / (bg + 0.05)).max(1)
    m = rel > max(0.12, 1.5 * np.quantile(ring_rel, 0.9))
    e = np.zeros_like(m)   # eroded once: the outline's pixels mix object and backdrop
    e[1:-1, 1:-1] = m[1:-1, 1:-1] & m[:-2, 1:-1] & m[2:, 1:-1] & m[1:-1, :-2] & m[1:-1, 2:]
    if e.sum() < 10:
        return [np.nan] * N_FEAT
    lum = a.mean(2)
    lo = lum[e]
    mean = lo.mean()
    gx = np.zeros_like(lum)
    gy = np.zeros_like(lum)
    gx[:, 1:-1] = (lum[:, 2:] - lum[:, :-2]) / 2
    gy[1:-1] = (lum[2:] - lum[:-2]) / 2
    lap = np.zeros_like(lum)
    lap[1:-1, 1:-1] = lum[:-2, 1:-1] + lum[2:, 1:-1] + lum[1:-1, :-2] + lum[1:-1, 2:] - 4 * lum[1:-1, 1:-1]
    ys, xs = np.nonzero(e)
    design = np.c_[np.ones(len(xs)), xs / w, ys / h]
    coef = np.linalg.lstsq(design, lo, rcond=None)[0]
    jxx, jyy, jxy = (gx[e] ** 2).sum(), (gy[e] ** 2).sum(), (gx[e] * gy[e]).sum()
    px = a[e]
    hi, lo3 = px.max(1), px.min(1)
    q05, q50, q95 = np.quantile(lo, [0.05, 0.5, 0.95])
    return [mean, lo.std(),
            np.abs(lap[e]).mean() / mean,                                  # grain
            np.hypot(gx[e], gy[e]).mean() / mean,                          # gradient
            np.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2) / (jxx + jyy + 1e-12),  # one-way streaks
            np.where(hi > 1e-6, (hi - lo3) / np.maximum(hi, 1e-6), 0).mean(),  # saturation
            (q95 - q50) / q50, (q50 - q05) / q50,                          # highlight, shading
            np.hypot(coef[1], coef[2]) / mean,                             # the light's fall-off
            (lo - design @ coef).std() / mean,                             # what the plane leaves
            (lo > 0.97).mean(),                                            # clipped highlight
            e.mean()]                                                      # fill


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "data"
    alpha = json.load(open(f"{data}/ORACLE.json"))["model"]["alpha"]["finish"]
    truth = pd.read_csv(f"{data}/TRUTH.csv", usecols=["item_id", "finish", "material", "component"])
    truth["description"] = pd.read_csv(f"{data}/candidates_data.csv", usecols=["description"])["description"].values
    items = truth[truth.description.notna()].drop_duplicates("item_id")
    files = {os.path.splitext(os.path.basename(f))[0].lower(): f
             for f in glob.glob(f"{data}/spacecraft_images/*")}
    sides = ("native", 128, 64)
    rows = []
    for _, it in items.iterrows():
        path = find_file(files, it.description)
        if path is None:
            continue
        im = Image.open(path).convert("RGB")
        feats = []
        for side in sides:
            shown = im if side == "native" else im.resize((side, side), Image.BILINEAR)
            feats += surface(np.asarray(shown, dtype=np.float32) / 255)
        rows.append([it.finish, it.material, it.component] + feats)
    cols = ["finish", "material", "component"] + [f"{s}_{i}" for s in sides for i in range(N_FEAT)]
    df = pd.DataFrame(rows, columns=cols)
    levels = sorted(alpha)
    y = df.finish.map({c: i for i, c in enumerate(levels)})
    effect = df.finish.map(alpha).values
    known = pd.get_dummies(df[["material", "component"]]).astype(float)
    print(f"{data}: {len(df)} items with a picture\n")
    print("| picture | finish accuracy | R² of E[effect given picture, material, component] | ideal slope |")
    print("|---|---|---|---|")
    for side in (None,) + sides:
        x = known if side is None else pd.concat([known, df[[f"{side}_{i}" for i in range(N_FEAT)]]], axis=1)
        p = cross_val_predict(HistGradientBoostingClassifier(max_iter=200, random_state=0), x, y, cv=5,
                              method="predict_proba")
        acc = (p.argmax(1) == y.values).mean()
        expect = p @ np.array([alpha[c] for c in levels])
        r2 = 1 - ((effect - expect) ** 2).sum() / ((effect - effect.mean()) ** 2).sum()
        name = "none (material, component only)" if side is None else f"{side}" + ("" if side == "native" else " px")
        print(f"| {name} | {acc:.3f} | {r2:.3f} | {-(1 - r2):+.3f} |")


if __name__ == "__main__":
    main()
