#!/usr/bin/python3
"""bench/step2/python_stack.py — the step-2 rival: what a strong engineer writes with Debian's
Python stack (pandas, numpy, scikit-learn, xgboost, optuna, PyTorch, Pillow) for table + text +
image, on exactly the split and folds an xp run used.

    /usr/bin/python3 bench/step2/python_stack.py --data DIR/candidates_data.csv \
        --images DIR/spacecraft_images --folds STORE_DIR/artifacts/run_1/folds.csv \
        --glove weights/glove-100d.bin --out py.json --preds-dir py_preds/

What it does (each step fitted on a fold's training rows only; test predictions are the mean
of the five fold models, in log space — no refit):

  * preprocessing (pandas): `nr_`/`sh_` prefixes parsed, booleans as 0/1, quantity -2 ->
    missing + quantity_known + log_quantity, negative placeholder codes (-5, -2, -8 ...) ->
    missing (learned per fold: a negative integer value holding >= 1% of a column, below all
    its other values or in a continuous column, >= 5x as frequent as an average value),
    empty/constant columns dropped, source_id / feature_58 / feature_59 categorical, log1p
    target;
  * text: the description tokenised (lower case; a hyphenated word split into its parts; the
    same word rule as xp's tokeniser), the GloVe 100-d vectors of the converted file
    weights/glove-100d.bin (the same npm package as the runner's; format in
    plugins/encoders/text_glove/wvec.h) -> mean vector per description;
  * images: description -> file with xp's resolver rule (lower case, ' ' -> '_', hyphen as '_',
    dropped or kept, case-insensitive stem, .jpg > .jpeg > .png, then a unique "loose" match),
    decoded with Pillow (alpha on white, grey -> RGB), resized to SIZE x SIZE (box filter on
    the 8-bit sRGB values), kept as uint8;
  * XGBoost (xgboost 1.7, hist, native categoricals): tabular features + 16 principal
    components of the GloVe means + 16 of the pixels + per-image colour statistics (PCA fitted
    on the fold's training rows); a short Optuna TPE search (--xgb-trials, median pruner, at
    eta 0.1), then the best point at eta 0.03 with early stopping for the out-of-fold and test
    predictions;
  * MLP fusion (PyTorch, 2 threads): quantile-normalised numeric inputs with missing
    indicators, categorical embeddings, a text tower (embedding bag, sum, initialised from
    GloVe, fine-tuned), a small CNN on the pixels (trained end to end), a 256-128 head;
    AdamW, warm-up + cosine schedule, early stopping on the fold's validation loss (patience 5);
  * blend: w * log1p(xgb) + (1 - w) * log1p(mlp), w in [0, 1] fitted on the out-of-fold
    predictions; its CV is cross-fitted (fold k scored with w fitted on the other folds), as
    xp's blend does.

Metrics as xp's plugins: RMSLE on the original target (negative predictions clipped to 0), R² =
1 - SS_res / SS_tot; CV = the mean of the five folds' RMSLE. Times are seconds since BENCH_T0
(set by run.sh just before it starts this process), so start-up and imports count.
"""
import os
import time

T_LAUNCH = float(os.environ.get("BENCH_T0", time.time()))

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import optuna  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import xgboost as xgb  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.preprocessing import QuantileTransformer  # noqa: E402

T_IMPORTED = time.time()
PHASES = []          # (name, start, end) in seconds since launch


def since_launch():
    return time.time() - T_LAUNCH


def log(msg):
    print(f"[python {since_launch():8.1f}s] {msg}", file=sys.stderr, flush=True)


class Phase:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.t0 = since_launch()
        self.c0 = time.process_time()
        return self

    def __exit__(self, *exc):
        t1 = since_launch()
        PHASES.append({"phase": self.name, "start": round(self.t0, 2), "end": round(t1, 2),
                       "wall": round(t1 - self.t0, 2), "cpu": round(time.process_time() - self.c0, 2)})
        log(f"{self.name}: {t1 - self.t0:.1f} s")


# ---------------------------------------------------------------- metrics (xp's definitions)

def rmsle(y, p):
    p = np.clip(np.asarray(p, dtype=float), 0, None)
    d = np.log1p(p) - np.log1p(y)
    return float(np.sqrt(np.mean(d * d)))


def r2(y, p):
    r = y - p
    return float(1 - np.sum(r * r) / np.sum((y - y.mean()) ** 2))


def cv_of(y, pred, fold, k):
    """Mean over folds of each fold's RMSLE (what xp reports as a trial's CV)."""
    return float(np.mean([rmsle(y[fold == f], pred[fold == f]) for f in range(k)]))


# ---------------------------------------------------------------- tabular preprocessing

PREFIX = re.compile(r"^[A-Za-z]+_(-?[0-9]+)$")
CATEGORICAL = ["source_id", "feature_58", "feature_59"]


def base_frame(df, target):
    """Stateless steps: prefixes parsed, booleans 0/1, quantity flag / NaN / log."""
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        if c in (target, "description"):
            continue
        s = df[c]
        if s.dtype == bool:
            out[c] = s.astype(float)
        elif s.dtype == object:
            t = s.astype("string")
            if t.dropna().isin(["True", "False"]).all():
                out[c] = t.map({"True": 1.0, "False": 0.0}).astype(float)
            else:
                out[c] = t.str.extract(PREFIX, expand=False).astype(float)
        else:
            out[c] = s.astype(float)
    if "quantity" in out:
        v = out["quantity"]
        known = v.notna() & (v != -2)
        out["quantity"] = v.where(known)
        out["quantity_known"] = known.astype(float)
        out["log_quantity"] = np.log(v.where(known & (v > 0)))
    return out


def placeholder_codes(x):
    v = x[~np.isnan(x)]
    if v.size == 0:
        return []
    uniq, counts = np.unique(v, return_counts=True)
    cand = (uniq < 0) & (uniq >= -99) & (uniq == np.floor(uniq)) & (counts >= 0.01 * v.size)
    other = ~cand
    if not cand.any() or cand.sum() > 4 or other.sum() < 3:
        return []
    other_n = counts[other].sum()
    continuous = 2 * counts[other & (uniq != np.floor(uniq))].sum() >= other_n
    other_min = uniq[other].min()
    avg_other = other_n / other.sum()
    return [float(u) for u, c in zip(uniq[cand], counts[cand])
            if (u < other_min or continuous) and c >= 5 * avg_other]


class Tabular:
    """Placeholder codes, dropped columns and categorical levels, learned on training rows."""

    def fit(self, tr):
        self.codes = {}
        for c in tr.columns:
            if c in CATEGORICAL or c in ("quantity", "quantity_known"):
                continue
            codes = placeholder_codes(tr[c].to_numpy())
            if codes:
                self.codes[c] = codes
        x = self._clean(tr)
        self.keep = [c for c in x.columns if x[c].notna().any() and x[c].nunique(dropna=True) > 1]
        self.levels = {c: np.sort(tr[c].dropna().unique()) for c in CATEGORICAL if c in self.keep}
        self.numeric = [c for c in self.keep if c not in self.levels]
        return self

    def _clean(self, df):
        x = df.copy()
        for c, codes in self.codes.items():
            x[c] = x[c].where(~x[c].isin(codes))
        return x

    def transform(self, df):
        x = self._clean(df)[self.keep]
        for c, lv in self.levels.items():
            x[c] = pd.Categorical(x[c], categories=lv)
        return x


# ---------------------------------------------------------------- text

WORD = re.compile(r"[A-Za-z0-9\x80-\U0010ffff]+(?:(?:-|(?<=[0-9])[.,](?=[0-9]))[A-Za-z0-9\x80-\U0010ffff]+)*")


def tokens(text):
    """xp's tokeniser (tokenize.c) in short: words of letters/digits/non-ASCII, a hyphen between
    word characters joins, '.'/',' between digits joins, possessive 's dropped, lower case;
    then a hyphenated word is split into its parts (the `tokens` encoder's split_hyphens)."""
    if not isinstance(text, str):
        return []
    text = re.sub(r"(?<=[A-Za-z0-9])'[sS](?![A-Za-z0-9])", " ", text)
    text = re.sub("[\u2010-\u201f]", " ", text)
    out = []
    for w in WORD.findall(text):
        out.extend(p for p in w.lower().split("-") if p)
    return out


def read_glove(path, words):
    """The rows of `words` in xp's converted GloVe file (tools/weights/glove_convert.c, layout
    in plugins/encoders/text_glove/wvec.h): header, float32 [V][dim], uint32 offsets, strings."""
    with open(path, "rb") as f:
        head = f.read(128)
        if head[:7] != b"XPWVEC1":
            sys.exit(f"python_stack.py: {path} is not an XPWVEC1 file")
        _, dim, count, off_vec, off_off, off_str, str_bytes = struct.unpack_from("<IIQQQQQ", head, 8)
        f.seek(off_str)
        pool = f.read(str_bytes)
    names = pool.split(b"\0")[:count]
    index = {w.decode("utf-8", "replace"): i for i, w in enumerate(names)}
    mat = np.memmap(path, dtype="<f4", mode="r", offset=off_vec, shape=(count, dim))
    found = {}
    for w in words:
        i = index.get(w)
        if i is not None:
            found[w] = np.array(mat[i], dtype=np.float32)
    return found, dim


# ---------------------------------------------------------------- images

EXT_RANK = {"jpg": 0, "jpeg": 1, "png": 2}


class ImageResolver:
    """xp's description -> file rule (plugins/encoders/common/image_io.c)."""

    def __init__(self, folder):
        self.key, self.loose = {}, {}
        entries = []
        for name in os.listdir(folder):
            if name.startswith("."):
                continue
            stem, dot, ext = name.rpartition(".")
            if not dot or not stem or ext.lower() not in EXT_RANK:
                continue
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            entries.append((self._lower(stem), EXT_RANK[ext.lower()], path))
        entries.sort()
        for key, _, path in entries:
            self.key.setdefault(key, path)
        for key, path in self.key.items():
            self.loose.setdefault(self._loose(key), []).append(path)

    @staticmethod
    def _lower(s):
        return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)

    @staticmethod
    def _loose(s):
        return "".join(ImageResolver._lower(c) for c in s if c not in "_- \t\n\r\v\f")

    def _norm(self, s, hyphen):
        out = []
        for c in s:
            if c == " ":
                out.append("_")
            elif c == "-":
                if hyphen == 0:
                    out.append("_")
                elif hyphen == 2:
                    out.append("-")
            else:
                out.append(self._lower(c))
        return "".join(out)

    def find(self, desc):
        if not isinstance(desc, str) or not desc or "/" in desc:
            return None
        for s in (desc, desc.strip(" \t\n\r\v\f")):
            if not s:
                break
            for hy in range(3 if "-" in s else 1):
                p = self.key.get(self._norm(s, hy))
                if p:
                    return p
            if s == desc.strip(" \t\n\r\v\f"):
                break
        cands = self.loose.get(self._loose(desc))
        return cands[0] if cands and len(cands) == 1 else None


def load_image(path, size):
    im = Image.open(path)
    im.load()
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    im = im.convert("RGB").resize((size, size), Image.BOX)
    return np.asarray(im, dtype=np.uint8).transpose(2, 0, 1)   # CHW


# ---------------------------------------------------------------- XGBoost

def xgb_design(tab, tr_idx, rows, glove_desc, desc_of_row, pix_flat, img_of_row, colour, n_pc, seed):
    """Per fold: the tabular frame + PCA of the text and image vectors, fitted on the training
    rows' distinct descriptions / images."""
    tr_desc = np.unique(desc_of_row[tr_idx][desc_of_row[tr_idx] >= 0])
    tr_img = np.unique(img_of_row[tr_idx][img_of_row[tr_idx] >= 0])
    pt = PCA(n_components=n_pc, random_state=seed).fit(glove_desc[tr_desc])
    pi = PCA(n_components=n_pc, svd_solver="randomized", random_state=seed).fit(pix_flat[tr_img])
    tp = pt.transform(glove_desc).astype(np.float32)
    ip = pi.transform(pix_flat).astype(np.float32)

    def make(idx):
        x = tab.iloc[idx].reset_index(drop=True)
        d = desc_of_row[idx]
        g = img_of_row[idx]
        extra = {}
        for j in range(n_pc):
            extra[f"text_pc{j}"] = np.where(d >= 0, tp[np.maximum(d, 0), j], np.nan)
        for j in range(n_pc):
            extra[f"image_pc{j}"] = np.where(g >= 0, ip[np.maximum(g, 0), j], np.nan)
        for j in range(colour.shape[1]):
            extra[f"image_colour{j}"] = np.where(g >= 0, colour[np.maximum(g, 0), j], np.nan)
        return pd.concat([x, pd.DataFrame(extra)], axis=1)

    return [make(r) for r in rows]


def run_xgb(a, tabular_of_fold, y_log, dev, fold, k, test, threads, seed):
    """A short TPE search at eta 0.1, then the best point at eta 0.03 with early stopping."""
    base = {"objective": "reg:squarederror", "tree_method": "hist", "max_bin": 128,
            "nthread": threads, "seed": seed, "verbosity": 0}
    folds = []
    for f in range(k):
        tr, va = dev[fold != f], dev[fold == f]
        Xtr, Xva, Xte = tabular_of_fold(f, tr, [tr, va, test])
        folds.append((xgb.DMatrix(Xtr, y_log[tr], enable_categorical=True),
                      xgb.DMatrix(Xva, y_log[va], enable_categorical=True),
                      xgb.DMatrix(Xte, enable_categorical=True), va))
    log(f"xgboost: {k} fold matrices built ({folds[0][0].num_col()} features)")

    def evaluate(params, rounds, es, trial=None):
        oof = np.full(len(y_log), np.nan)
        test_pred = np.zeros(len(test))
        iters = []
        scores = []
        for f, (dtr, dva, dte, va) in enumerate(folds):
            bst = xgb.train(params, dtr, rounds, evals=[(dva, "valid")], early_stopping_rounds=es,
                            verbose_eval=False)
            rng = (0, bst.best_iteration + 1)
            oof[va] = bst.predict(dva, iteration_range=rng)
            test_pred += bst.predict(dte, iteration_range=rng) / k
            iters.append(bst.best_iteration + 1)
            scores.append(rmsle(np.expm1(y_log[va]), np.expm1(oof[va])))
            if trial is not None and f + 1 < k:
                trial.report(float(np.mean(scores)), f)
                if trial.should_prune():
                    raise optuna.TrialPruned()
        return float(np.mean(scores)), oof, test_pred, iters

    best = {"max_depth": 7, "min_child_weight": 3.0, "subsample": 0.8, "colsample_bytree": 0.6,
            "lambda": 1.0, "alpha": 0.01}
    search = []
    if a.xgb_trials > 0:
        with Phase("xgb_search"):
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            study = optuna.create_study(direction="minimize",
                                        sampler=optuna.samplers.TPESampler(seed=seed),
                                        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1))
            study.enqueue_trial(best)

            def objective(trial):
                p = {"max_depth": trial.suggest_int("max_depth", 4, 10),
                     "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 30, log=True),
                     "subsample": trial.suggest_float("subsample", 0.5, 1.0),
                     "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
                     "lambda": trial.suggest_float("lambda", 1e-3, 10, log=True),
                     "alpha": trial.suggest_float("alpha", 1e-3, 10, log=True)}
                v, _, _, it = evaluate({**base, **p, "eta": 0.1}, 2000, 50, trial)
                log(f"xgboost trial {trial.number}: CV RMSLE {v:.4f} ({np.mean(it):.0f} rounds) {p}")
                return v

            study.optimize(objective, n_trials=a.xgb_trials)
            best = dict(study.best_params)
            search = [{"number": t.number, "state": t.state.name, "value": t.value} for t in study.trials]
            log(f"xgboost search: best CV {study.best_value:.4f} {best}")
    with Phase("xgb_final"):
        cv, oof, test_pred, iters = evaluate({**base, **best, "eta": a.xgb_final_eta}, 8000, 150)
    log(f"xgboost final (eta {a.xgb_final_eta}): CV RMSLE {cv:.4f}, rounds {iters}")
    return {"cv": cv, "params": best, "rounds": iters, "search": search}, oof, test_pred


# ---------------------------------------------------------------- MLP fusion

class Fusion(nn.Module):
    def __init__(self, n_num, cat_sizes, text_init, conv, proj, hidden, dropout):
        super().__init__()
        self.cats = nn.ModuleList(nn.Embedding(n + 1, min(16, (n + 2) // 2)) for n in cat_sizes)
        width = n_num + sum(e.embedding_dim for e in self.cats)
        v, d = text_init.shape
        self.text = nn.Embedding(v, d, padding_idx=0)
        with torch.no_grad():
            self.text.weight.copy_(torch.from_numpy(text_init))
        self.text_proj = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, proj), nn.GELU())
        layers, c_in = [], 3
        for c in conv:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
            c_in = c
        self.cnn = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, proj), nn.GELU())
        width += 2 * proj + 2
        head = []
        for h in hidden:
            head += [nn.Linear(width, h), nn.GELU(), nn.Dropout(dropout)]
            width = h
        head.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*head)

    def forward(self, num, cat, tok, img, img_id, has_text, has_img):
        """img: the image table (distinct images, normalised); img_id: each row's index into it."""
        parts = [num] + [e(cat[:, j]) for j, e in enumerate(self.cats)]
        t = self.text(tok).sum(1)                                  # bag of words, sum
        parts.append(self.text_proj(t) * has_text[:, None])
        # the CNN runs once per distinct image of the batch (rows of one item share a picture)
        parts.append(self.cnn(img)[img_id] * has_img[:, None])
        parts += [has_text[:, None], has_img[:, None]]
        return self.head(torch.cat(parts, 1)).squeeze(1)


def mlp_inputs(tab_tr, tab_all, tr_idx):
    """Numeric columns quantile-normalised (fitted on training rows), NaN -> 0 plus an indicator
    for columns with missing training values; categorical codes (0 = unseen/missing)."""
    num_cols = [c for c in tab_tr.columns if c not in CATEGORICAL]
    x = tab_all[num_cols].to_numpy(dtype=np.float64)
    xt = x[tr_idx]
    qt = QuantileTransformer(n_quantiles=min(256, len(tr_idx)), output_distribution="normal",
                             subsample=100000, random_state=0).fit(xt)
    z = qt.transform(x)
    miss_cols = np.isnan(xt).any(0)
    ind = np.isnan(x[:, miss_cols]).astype(np.float32)
    z = np.nan_to_num(z, nan=0.0).clip(-5, 5).astype(np.float32)
    num = np.concatenate([z, ind], 1)
    cats, sizes = [], []
    for c in CATEGORICAL:
        if c not in tab_tr.columns:
            continue
        lv = np.sort(tab_all[c].iloc[tr_idx].dropna().unique())
        code = np.searchsorted(lv, tab_all[c].to_numpy())
        ok = (code < len(lv)) & (lv[np.minimum(code, len(lv) - 1)] == tab_all[c].to_numpy())
        cats.append(np.where(ok, code + 1, 0))
        sizes.append(len(lv))
    cat = np.stack(cats, 1).astype(np.int64) if cats else np.zeros((len(x), 0), np.int64)
    return num, cat, sizes


def run_mlp(a, tab, y_log, dev, fold, k, test, tok_of_desc, desc_of_row, vocab_words, glove,
            pix, img_of_row, seed):
    """One network per fold, early stopping on the fold; test = mean of the fold networks."""
    oof = np.full(len(y_log), np.nan)
    test_pred = np.zeros(len(test))
    pix_t = torch.from_numpy(pix)                                  # uint8 N x 3 x S x S
    mean = pix_t.float().mean((0, 2, 3)) / 255
    std = pix_t.float().std((0, 2, 3)) / 255
    zero_img = len(pix)                                            # index of a blank image
    pix_t = torch.cat([pix_t, torch.zeros((1,) + pix_t.shape[1:], dtype=torch.uint8)])
    img_idx = np.where(img_of_row >= 0, img_of_row, zero_img)
    has_img = (img_of_row >= 0).astype(np.float32)
    folds_info = []
    for f in range(k):
        t_fold = time.time()
        tr, va = dev[fold != f], dev[fold == f]
        tab_f = Tabular().fit(tab.iloc[tr])
        tab_all = tab_f.transform(tab)
        num, cat, sizes = mlp_inputs(tab_all.iloc[tr], tab_all, tr)
        # vocabulary of the training rows' descriptions; GloVe start, random for the others
        tr_desc = desc_of_row[tr][desc_of_row[tr] >= 0]
        used = np.unique(tok_of_desc[np.unique(tr_desc)])
        used = used[used > 0]
        remap = np.zeros(len(vocab_words) + 1, dtype=np.int64)
        remap[used] = np.arange(1, len(used) + 1)
        gen = np.random.default_rng(seed + f)
        init = np.zeros((len(used) + 1, 100), dtype=np.float32)
        sd = 0.4
        for j, w in enumerate(used, start=1):
            v = glove.get(vocab_words[w - 1])
            init[j] = v if v is not None else gen.normal(0, sd, 100)
        tok = np.zeros((len(y_log), tok_of_desc.shape[1]), dtype=np.int64)
        okd = desc_of_row >= 0
        tok[okd] = remap[tok_of_desc[desc_of_row[okd]]]
        has_text = (tok > 0).any(1).astype(np.float32)
        T = {"num": torch.from_numpy(num), "cat": torch.from_numpy(cat), "tok": torch.from_numpy(tok),
             "img": torch.from_numpy(img_idx), "ht": torch.from_numpy(has_text), "hi": torch.from_numpy(has_img)}
        ym, ys = y_log[tr].mean(), y_log[tr].std()
        yz = torch.from_numpy(((y_log - ym) / ys).astype(np.float32))

        torch.manual_seed(seed * 100 + f)
        net = Fusion(num.shape[1], sizes, init, a.conv, 32, [256, 128], a.dropout)
        decay = [p for n, p in net.named_parameters() if p.dim() > 1 and "text.weight" not in n]
        no_decay = [p for n, p in net.named_parameters() if not (p.dim() > 1 and "text.weight" not in n)]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                                 {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)
        bs = 256
        steps = (len(tr) + bs - 1) // bs
        total, warm = steps * a.epochs, max(1, int(0.05 * steps * a.epochs))
        sched = torch.optim.lr_scheduler.LambdaLR(   # linear warm-up, cosine decay to 1%
            opt, lambda t: 0.1 + 0.9 * t / warm if t < warm else
            0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * (t - warm) / max(1, total - warm))))

        def batch(idx):
            idx = torch.from_numpy(idx)
            ids = T["img"][idx]
            u, inv = torch.unique(ids, return_inverse=True)
            im = (pix_t[u].float() / 255 - mean[None, :, None, None]) / std[None, :, None, None]
            # img: this batch's distinct images; inv: each row's index among them
            return (T["num"][idx], T["cat"][idx], T["tok"][idx], im, inv, T["ht"][idx], T["hi"][idx])

        def predict(rows):
            net.eval()
            out = []
            with torch.no_grad():
                for s in range(0, len(rows), 2048):
                    out.append(net(*batch(rows[s:s + 2048])).numpy())
            return np.concatenate(out) * ys + ym

        best, best_state, since, epochs, t_train = np.inf, None, 0, 0, 0.0
        rng = np.random.default_rng(seed * 7 + f)
        for ep in range(a.epochs):
            t_ep = time.time()
            net.train()
            perm = rng.permutation(tr)
            for s in range(0, len(perm), bs):
                idx = perm[s:s + bs]
                opt.zero_grad(set_to_none=True)
                loss = nn.functional.mse_loss(net(*batch(idx)), yz[torch.from_numpy(idx)])
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                sched.step()
            t_train += time.time() - t_ep
            epochs += 1
            vl = float(np.mean((predict(va) - y_log[va]) ** 2))
            if vl < best:
                best, since = vl, 0
                best_state = {n: v.clone() for n, v in net.state_dict().items()}
                best_ep = ep
            else:
                since += 1
            if since >= a.patience:
                break
        net.load_state_dict(best_state)
        oof[va] = predict(va)
        test_pred += predict(test) / k
        score = rmsle(np.expm1(y_log[va]), np.expm1(oof[va]))
        info = {"fold": f, "rmsle": score, "epochs": epochs, "best_epoch": best_ep,
                "train_seconds": round(t_train, 2), "epochs_per_second": epochs / t_train,
                "fold_seconds": round(time.time() - t_fold, 2)}
        folds_info.append(info)
        log(f"mlp fold {f}: RMSLE {score:.4f}, {epochs} epochs (best {best_ep}), "
            f"{epochs / t_train:.2f} epochs/s, {time.time() - t_fold:.1f} s")
    cv = cv_of(np.expm1(y_log[dev]), np.expm1(oof[dev]), fold, k)
    ep_total = sum(i["epochs"] for i in folds_info)
    t_total = sum(i["train_seconds"] for i in folds_info)
    return {"cv": cv, "folds": folds_info, "epochs": ep_total, "epochs_per_second": ep_total / t_total}, oof, test_pred


# ---------------------------------------------------------------- blend

def blend(y_dev, lx, lm, fold, k):
    """w * log1p(xgb) + (1 - w) * log1p(mlp), w on a 0.005 grid minimising log-space error."""
    ly = np.log1p(y_dev)
    grid = np.linspace(0, 1, 201)

    def fit(mask):
        return grid[int(np.argmin([np.mean((w * lx[mask] + (1 - w) * lm[mask] - ly[mask]) ** 2) for w in grid]))]

    scores = []
    for f in range(k):
        w = fit(fold != f)
        p = np.expm1(w * lx[fold == f] + (1 - w) * lm[fold == f])
        scores.append(rmsle(y_dev[fold == f], p))
    return float(fit(np.ones(len(y_dev), bool))), float(np.mean(scores))


# ---------------------------------------------------------------- main

def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--folds", required=True, help="the xp run's folds artifact (row,part,fold)")
    ap.add_argument("--glove", required=True, help="weights/glove-100d.bin")
    ap.add_argument("--out", required=True, help="result JSON")
    ap.add_argument("--preds-dir", help="write oof_predictions.csv and test_predictions.csv here")
    ap.add_argument("--target", default="target")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--image-size", type=int, default=32)
    ap.add_argument("--conv", type=lambda s: [int(v) for v in s.split(",")], default=[16, 32, 64])
    ap.add_argument("--xgb-trials", type=int, default=8, help="TPE trials at eta 0.1 (0 = fixed settings)")
    ap.add_argument("--xgb-final-eta", type=float, default=0.03)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-2)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--max-len", type=int, default=12)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    np.random.seed(a.seed)
    log(f"imports {T_IMPORTED - T_LAUNCH:.1f} s; torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"xgboost {xgb.__version__}, pandas {pd.__version__}")

    with Phase("load"):
        df = pd.read_csv(a.data, low_memory=False)
        folds = pd.read_csv(a.folds)
        dev = folds.loc[folds["part"] == "dev", "row"].to_numpy()
        fold = folds.loc[folds["part"] == "dev", "fold"].astype(int).to_numpy()
        order = np.argsort(dev)
        dev, fold = dev[order], fold[order]
        test = np.sort(folds.loc[folds["part"] == "test", "row"].to_numpy())
        k = int(fold.max()) + 1
        if len(dev) + len(test) != len(df):
            sys.exit(f"python_stack.py: {a.folds} covers {len(dev) + len(test)} rows, {a.data} has {len(df)}")
        y = df[a.target].to_numpy(dtype=float)
        y_log = np.log1p(y)
        tab = base_frame(df, a.target)
        desc = df["description"]
        uniq_desc, desc_of_row = np.unique(desc.fillna("\0").to_numpy(dtype=str), return_inverse=True)
        desc_of_row = np.where(desc.isna().to_numpy(), -1, desc_of_row)
    log(f"{len(df)} rows ({len(dev)} dev, {len(test)} test, {k} folds), {len(uniq_desc)} descriptions")

    with Phase("text"):
        toks = [tokens(d) if d != "\0" else [] for d in uniq_desc]
        vocab_words = sorted({w for t in toks for w in t})
        wid = {w: i + 1 for i, w in enumerate(vocab_words)}
        tok_of_desc = np.zeros((len(uniq_desc), a.max_len), dtype=np.int64)
        for i, t in enumerate(toks):
            ids = [wid[w] for w in t][:a.max_len]
            tok_of_desc[i, :len(ids)] = ids
        glove, dim = read_glove(a.glove, vocab_words)
        glove_desc = np.zeros((len(uniq_desc), dim), dtype=np.float32)
        for i, t in enumerate(toks):
            vs = [glove[w] for w in t if w in glove]
            if vs:
                glove_desc[i] = np.mean(vs, 0)
    log(f"text: {len(vocab_words)} words, {len(glove)} in GloVe")

    with Phase("images"):
        res = ImageResolver(a.images)
        file_of_desc = [res.find(d) if d != "\0" else None for d in uniq_desc]
        files = sorted({p for p in file_of_desc if p})
        fid = {p: i for i, p in enumerate(files)}
        pix = np.zeros((len(files), 3, a.image_size, a.image_size), dtype=np.uint8)
        bad = set()
        for i, p in enumerate(files):
            try:
                pix[i] = load_image(p, a.image_size)
            except Exception as e:   # noqa: BLE001 — a broken file is a missing image
                log(f"cannot decode {p}: {e}")
                bad.add(i)
        img_of_desc = np.array([fid[p] if p and fid[p] not in bad else -1 for p in file_of_desc], dtype=np.int64)
        img_of_row = np.where(desc_of_row >= 0, img_of_desc[np.maximum(desc_of_row, 0)], -1)
        pf = pix.reshape(len(files), -1).astype(np.float32) / 255
        # colour statistics per image: mean and sd of R, G, B, and of the darker-than-border share
        border = np.concatenate([pf.reshape(len(files), 3, a.image_size, a.image_size)[:, :, 0, :],
                                 pf.reshape(len(files), 3, a.image_size, a.image_size)[:, :, -1, :]], 2)
        rgb = pf.reshape(len(files), 3, -1)
        fg = np.abs(rgb - border.mean(2, keepdims=True)).sum(1) > 0.15
        colour = np.concatenate([rgb.mean(2), rgb.std(2), fg.mean(1, keepdims=True),
                                 (rgb * fg[:, None]).sum(2) / np.maximum(fg.sum(1), 1)[:, None]], 1)
    n_missing = int((img_of_row < 0).sum())
    log(f"images: {len(files)} files for {len(uniq_desc)} descriptions; {n_missing} rows without an image")

    threads = a.threads
    result = {"side": "python", "rows": len(df), "dev_rows": len(dev), "test_rows": len(test),
              "descriptions": len(uniq_desc), "image_files": len(files), "rows_without_image": n_missing,
              "vocabulary": len(vocab_words), "glove_hits": len(glove), "args": vars(a)}

    def tabular_of_fold(f, tr, rows):
        t = Tabular().fit(tab.iloc[tr])
        return xgb_design(t.transform(tab), tr, rows, glove_desc, desc_of_row, pf, img_of_row, colour, 16, a.seed)

    with Phase("xgb"):
        rx, oof_x, test_x = run_xgb(a, tabular_of_fold, y_log, dev, fold, k, test, threads, a.seed)
    result["xgb"] = rx
    with Phase("mlp"):
        rm, oof_m, test_m = run_mlp(a, tab, y_log, dev, fold, k, test, tok_of_desc, desc_of_row,
                                    vocab_words, glove, pix, img_of_row, a.seed)
    result["mlp"] = rm
    with Phase("blend"):
        w, bcv = blend(y[dev], oof_x[dev], oof_m[dev], fold, k)
        test_b = np.expm1(w * test_x + (1 - w) * test_m)
    result["blend"] = {"weight_xgb": w, "weight_mlp": 1 - w, "cv": bcv}
    yt = y[test]
    for name, lp in (("xgb", test_x), ("mlp", test_m)):
        p = np.expm1(lp)
        result[name]["test"] = {"rmsle": rmsle(yt, p), "r2": r2(yt, p)}
    result["blend"]["test"] = {"rmsle": rmsle(yt, test_b), "r2": r2(yt, test_b)}
    result["phases"] = PHASES
    result["wall"] = since_launch()
    result["cpu"] = time.process_time()
    result["peak_rss_mb"] = peak_rss_mb()
    log(f"blend: w_xgb {w:.3f}, cross-fitted CV {bcv:.4f}; test RMSLE xgb {result['xgb']['test']['rmsle']:.4f} "
        f"mlp {result['mlp']['test']['rmsle']:.4f} blend {result['blend']['test']['rmsle']:.4f} "
        f"(R² {result['blend']['test']['r2']:.4f})")
    if a.preds_dir:
        os.makedirs(a.preds_dir, exist_ok=True)
        pd.DataFrame({"row": test, "target": yt, "prediction": test_b}).to_csv(
            os.path.join(a.preds_dir, "test_predictions.csv"), index=False)
        oof_b = np.expm1(w * oof_x[dev] + (1 - w) * oof_m[dev])
        pd.DataFrame({"row": dev, "fold": fold, "target": y[dev], "xgb": np.expm1(oof_x[dev]),
                      "mlp": np.expm1(oof_m[dev]), "blend": oof_b}).to_csv(
            os.path.join(a.preds_dir, "oof_predictions.csv"), index=False)
    with open(a.out, "w") as fh:
        json.dump(result, fh, indent=1)
    print(json.dumps({"cv": bcv, "test_rmsle": result["blend"]["test"]["rmsle"],
                      "test_r2": result["blend"]["test"]["r2"]}))


if __name__ == "__main__":
    main()
