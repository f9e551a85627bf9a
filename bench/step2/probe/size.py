#!/usr/bin/python3
"""bench/step2/probe/size.py [DATA_DIR] — how well a picture alone tells the part's size class,
and what the segmentation and the picture's geometry cost. The probe behind image_stats'
central region (measure.c keep_central; README, "The object: the region nearest the centre").

gen_demo draws the part at a scale that is a fixed share of the picture's short side per size
class (±10%; tools/gen_demo/render.c size_frac), so given the component (its outline) the
part's extent in short sides tells the size. Per item, from its picture: the border ring's
median colour is the backdrop, a pixel unlike it (max channel difference above max(0.12, 1.5 ×
the ring's own 90th percentile)) is the part; then either

  all       every such pixel (what image_stats did until 2026-12-04), or
  central   only those in the connected region (8-connected, gaps up to 3% of the short
            side closed) that holds the unlike pixel nearest the centre — a stray blob of
            clutter elsewhere is left out;

and the RMS and 90th-percentile distance from the centroid and the area, in the 64 x 64
stretched picture's units (what image_pixels gives image_stats) or in the file's own short
sides. A gradient-boosted classifier of the size class (5 levels, 4-fold, out of fold) on those
three numbers and the item's true component (one-hot) — the component is what the description
says, the reader (word_infer) has it too.

Bench-only (Debian's python3-pil, numpy, scipy, sklearn; TRUTH.csv exists for generated data).
About 5 minutes on 2 busy cores for 6,000 pictures. On the default data (2026-12-04), the
4,973 items where the part was found every way:

    | segmentation | 64 px, stretched | file's own size and geometry |
    | all          | 0.696 | 0.758 |
    | central      | 0.729 | 0.811 |

    /usr/bin/python3 bench/step2/probe/size.py            # data/
"""
import csv
import glob
import os
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import scipy.ndimage as nd
from PIL import Image
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_predict

from finish import find_file   # the picture of a description, as finish.py finds it
from surface_rel import unlike_backdrop   # the same segmentation as that probe


def extent(x, H, W, central):
    """Size numbers of the part in picture x (h × w × 3, [0, 1]) of a file H × W, or None."""
    h, w, _ = x.shape
    m = unlike_backdrop(x)
    if m.sum() < 5:
        return None
    if central:
        grown = nd.binary_dilation(m, structure=np.ones((3, 3)), iterations=max(1, int(round(0.03 * min(h, w)))))
        lab, _ = nd.label(grown, structure=np.ones((3, 3)))
        ys, xs = np.nonzero(m)
        k = np.argmin((xs + 0.5 - w / 2) ** 2 + (ys + 0.5 - h / 2) ** 2)
        m &= lab == lab[ys[k], xs[k]]
    ys, xs = np.nonzero(m)
    short = min(H, W)
    X, Y = (xs + 0.5) * W / w, (ys + 0.5) * H / h      # the file's own pixels
    r = np.hypot(X - X.mean(), Y - Y.mean())
    own = [np.sqrt((r ** 2).mean()) / short, np.percentile(r, 90) / short, m.sum() * (W / w) * (H / h) / short ** 2]
    r2 = np.hypot((xs - xs.mean()) / w, (ys - ys.mean()) / h)   # the stretched square's units
    return own, [np.sqrt((r2 ** 2).mean()), np.percentile(r2, 90), m.mean()]


def one(job):
    path, size, comp = job
    im = Image.open(path).convert("RGB")
    W, H = im.size
    small = np.asarray(im.resize((64, 64), Image.BILINEAR), dtype=np.float64) / 255
    full = np.asarray(im, dtype=np.float64) / 255
    out = {}
    for central in (False, True):
        a, b = extent(small, H, W, central), extent(full, H, W, central)
        out[central] = (a[1] if a else None, b[0] if b else None)   # 64 px stretched, own geometry
    return size, comp, out


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "data"
    files = {os.path.splitext(os.path.basename(f))[0].lower(): f for f in glob.glob(f"{data}/spacecraft_images/*")}
    jobs, seen = [], set()
    for t, r in zip(csv.DictReader(open(f"{data}/TRUTH.csv")), csv.DictReader(open(f"{data}/candidates_data.csv"))):
        d = r["description"]
        if not d or d in seen:
            continue
        seen.add(d)
        p = find_file(files, d)
        if p:
            jobs.append((p, t["size"], t["component"]))
    with ProcessPoolExecutor(2) as ex:
        out = list(ex.map(one, jobs, chunksize=50))
    ok = [o for o in out if all(v is not None for c in (False, True) for v in o[2][c])]
    y = np.array([o[0] for o in ok])
    comps = sorted({o[1] for o in ok})
    C = np.array([[o[1] == c for c in comps] for o in ok], float)
    print(f"{data}: {len(jobs)} items with a picture, the part found every way in {len(ok)}\n")
    print("| segmentation | 64 px, stretched | file's own size and geometry |")
    print("|---|---|---|")
    for central in (False, True):
        accs = []
        for k in (0, 1):
            x = np.c_[np.array([o[2][central][k] for o in ok]), C]
            clf = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.07, random_state=0)
            accs.append((cross_val_predict(clf, x, y, cv=4) == y).mean())
        print(f"| {'central' if central else 'all'} | {accs[0]:.3f} | {accs[1]:.3f} |")


if __name__ == "__main__":
    main()
