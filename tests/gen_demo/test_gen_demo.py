#!/usr/bin/python3
"""tests/gen_demo/test_gen_demo.py — checks the demo-data generator against the challenge's
known quirks (/work/shared/docs/challenge-data.md), its determinism, and ORACLE.json against
TRUTH.csv and the CSV. pandas is the independent reader.

    /usr/bin/python3 tests/gen_demo/test_gen_demo.py build/tools/gen_demo/gen_demo

Every failed check is printed; the exit code is 1 if any failed.
"""
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

FAILS = []
COUNT = [0]


def check(cond, what):
    COUNT[0] += 1
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, file=sys.stderr)


def near(a, b, rel=1e-6, abs_=1e-9):
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


REAL_COUNTS = {10: 5319, 13: 4709, 6: 3636, 19: 3116, 7: 2698, 4: 2122, 15: 2037, 16: 1845,
               1: 1777, 17: 1699, 18: 1480, 11: 1436, 2: 1359, 0: 1142, 14: 1131, 8: 1074,
               3: 955, 5: 949, 12: 927, 9: 881}


def expected_counts(rows):
    n = {s: max(1, int(math.floor(c * rows / 40292.0 + 0.5))) for s, c in REAL_COUNTS.items()}
    big = max(n, key=lambda s: (n[s], -s))
    n[big] += rows - sum(n.values())
    return n


def run(exe, *args):
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300)


def files_of(d):
    out = {}
    img = os.path.join(d, "spacecraft_images")
    for f in sorted(os.listdir(img)):
        with open(os.path.join(img, f), "rb") as fh:
            out[f] = fh.read()
    return out


def read(p):
    with open(p, "rb") as fh:
        return fh.read()


def image_info(data):
    """(width, height, kind) from a PNG IHDR or a JPEG SOF marker."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
        return w, h, {0: "grey", 2: "rgb", 6: "rgba"}.get(ctype, f"type{ctype}")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i < len(data) - 9:
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h, "jpeg"
            seg = struct.unpack(">H", data[i + 2:i + 4])[0]
            i += 2 + seg
    return None


def slug_variants(desc):
    base = desc.lower().replace(" ", "_")
    return {base.replace("-", "_"), base.replace("-", "")}


def check_options(exe, tmp):
    for args, needle in ((["--rows", "abc"], "--rows"), (["--rows", "5"], "--rows"),
                         (["--seed", "-1"], "--seed"), (["--bogus"], "--bogus"),
                         (["--min-size", "300", "--max-size", "100"], "--min-size"),
                         (["--items", "5000", "--rows", "3000"], "--items"),
                         (["--threads"], "--threads")):
        r = run(exe, "--out", os.path.join(tmp, "bad"), *args)
        check(r.returncode == 2, f"{args}: exit {r.returncode}, expected 2")
        check(needle in r.stderr, f"{args}: message does not name {needle}: {r.stderr!r}")
    r = run(exe, "--help")
    check(r.returncode == 0 and "--rows" in r.stdout, "--help")


def check_table(d, df, oracle, rows):
    cols = (["source_id"] + [f"feature_{i}" for i in range(1, 63)] + ["quantity"] +
            [f"feature_{i}" for i in range(64, 78)] + ["target", "description"])
    check(list(df.columns) == cols, "80 columns with the real names and order")
    check(len(df) == rows, f"row count {len(df)} != {rows}")

    # sources: sorted, same unequal sizes (scaled)
    s = df["source_id"].to_numpy()
    check(np.all(np.diff(s) >= 0), "rows sorted by source_id")
    got = df["source_id"].value_counts().to_dict()
    check(got == expected_counts(rows), f"rows per source {got}")

    # string-wrapped numbers and the boolean column
    check(df["feature_1"].astype(str).str.fullmatch(r"nr_\d+").all(), "feature_1 is nr_<int>")
    check(set(df["feature_2"].unique()) == {"sh_0", "sh_1"}, "feature_2 is sh_0/sh_1")
    f8 = df["feature_8"].astype(str)
    check(set(f8.unique()) <= {"True", "False"}, "feature_8 is True/False")
    share_false = (f8 == "False").mean()
    check(0.98 <= share_false < 1.0, f"feature_8 mostly False ({share_false:.4f})")

    # empty and almost empty columns
    for c in ("feature_12", "feature_17"):
        check(df[c].isna().all(), f"{c} empty")
    for c in ("feature_14", "feature_15", "feature_16", "feature_18", "feature_19",
              "feature_20", "feature_21"):
        check(df[c].isna().mean() >= 0.95, f"{c} almost empty ({df[c].isna().mean():.4f})")
    for c, lo, hi in (("feature_9", 0.55, 0.9), ("feature_10", 0.7, 0.95),
                      ("feature_11", 0.8, 0.98), ("feature_13", 0.85, 1.0),
                      ("feature_23", 0.88, 0.99), ("feature_60", 0.3, 0.58),
                      ("feature_58", 0.38, 0.62), ("feature_59", 0.45, 0.55)):
        m = df[c].isna().mean()
        check(lo <= m <= hi, f"{c} missing share {m:.3f} not in [{lo}, {hi}]")
    # source-dependent emptiness
    by_src = df.groupby("source_id")["feature_9"].apply(lambda x: x.isna().mean())
    check((by_src == 1.0).sum() >= 3 and (by_src < 0.8).sum() >= 3,
          "feature_9 empty for some sources only")
    for c in ["feature_%d" % i for i in list(range(24, 44)) + [46, 47, 53, 54, 55, 56, 57,
                                                              61, 62, 64, 75, 76, 77]]:
        check(df[c].notna().all(), f"{c} has no missing values")

    # constant and near-constant columns, codes
    check(set(df["feature_22"].unique()) <= {-5, -2} and (df["feature_22"] == -5).mean() > 0.99,
          "feature_22 is -5 almost always, else -2")
    check(abs(df["feature_61"].mean() + 5) < 1e-3 and df["feature_61"].std() < 2e-3,
          "feature_61 is about -5")
    check((df["feature_29"] == -8).mean() > 0.7, "feature_29 mostly -8")
    f54 = df["feature_54"]
    check(0.6 < (f54 == -5).mean() < 0.8 and 0.08 < (f54 == -2).mean() < 0.22,
          "feature_54 is -5 (~70%) or -2 (~15%)")
    rest = f54[(f54 != -5) & (f54 != -2)]
    check(((rest - 1) % 3 == 0).all() and rest.min() >= 1 and rest.max() <= 295,
          "feature_54 otherwise 1, 4, 7, ... <= 295")
    for c in ("feature_58", "feature_59"):
        check(set(df[c].dropna().unique()) <= {1, -2, 4}, f"{c} codes in {{1, -2, 4}}")
    for c in ("feature_64", "feature_75", "feature_76", "feature_77"):
        check(set(df[c].unique()) == {-5, -2}, f"{c} binary -5/-2")
    check(df["feature_62"].between(-94389, 3943).all(), "feature_62 range")

    # heavy tails and bounded columns
    top = df[["feature_24", "feature_26"]].max()
    check(top.max() > 1e7 and top.min() > 1e6, f"heavy tails in feature_24/26 (max {top.to_dict()})")
    check(df[["feature_24", "feature_26"]].max().max() < 1e12, "tails up to ~1e10")
    for c in ("feature_28", "feature_30", "feature_35"):
        check(df[c].between(-5, -2).all(), f"{c} lives in [-5, -2]")

    # near duplicates and exact relations
    check(df["feature_3"].corr(df["feature_4"]) > 0.95 and df["feature_3"].corr(df["feature_5"]) > 0.95,
          "feature_4/5 nearly equal to feature_3")
    both = df[["feature_3", "feature_4", "feature_5"]].dropna()
    check((both["feature_5"] - (both["feature_3"] + both["feature_4"]) / 2).abs().max() < 0.05,
          "feature_5 ~ mean of feature_3 and feature_4")
    check(df["feature_27"].corr(df["feature_43"]) > 0.99, "feature_43 ~ feature_27")
    ok = df[["feature_36", "feature_44"]].dropna()
    check(np.allclose(ok["feature_44"], -7 - ok["feature_36"], rtol=1e-5, atol=1e-4),
          "feature_44 = -7 - feature_36")
    check(ok["feature_36"].corr(ok["feature_44"]) < -0.9999, "36/44 perfectly anti-correlated")

    # blocks missing on the same rows
    for block, lo, hi in ((range(48, 53), 0.55, 0.82), (range(65, 70), 0.1, 0.32),
                          (range(70, 75), 0.16, 0.42)):
        miss = df[[f"feature_{i}" for i in block]].isna()
        check((miss.nunique(axis=1) == 1).all(), f"features {list(block)} missing on the same rows")
        m = miss.iloc[:, 0].mean()
        check(lo <= m <= hi, f"block {list(block)} missing share {m:.3f}")
    b = df[[f"feature_{i}" for i in range(48, 53)]].dropna()
    check((b["feature_49"] == b["feature_48"]).mean() > 0.4, "feature_49 often equals feature_48")
    check(b["feature_48"].corr(b["feature_50"]) > 0.95, "feature_50 ~ feature_48")

    # quantity
    q = df["quantity"]
    check((q == -2).mean() >= 0.25, f"quantity -2 share {(q == -2).mean():.3f} >= 0.25")
    known = q[q != -2]
    check((known >= 1).all() and (known == known.round()).all(), "known quantities are integers >= 1")
    check(known.median() <= 20 and known.max() >= 1e5, "quantity: small median, heavy tail")

    # target
    t = df["target"]
    check(t.dtype.kind == "i", "target is integer")
    check(t.min() >= 10 and t.max() <= 2_000_000, "target within [10, 2e6]")
    check(1500 <= t.median() <= 20000, f"target median {t.median()}")
    check(t.mean() > 1.8 * t.median(), "target right-skewed")
    # economies of scale within items is checked on TRUTH.csv below

    # duplicates
    dups = int(df.drop(columns=["description"]).duplicated().sum())
    check(dups == oracle["counts"]["duplicate_rows"], f"duplicates {dups} vs ORACLE "
          f"{oracle['counts']['duplicate_rows']}")
    check(0.01 * rows <= dups <= 0.03 * rows, f"about 2% duplicate rows ({dups})")

    # descriptions
    desc = df["description"]
    miss = desc.isna().mean()
    check(0 < miss < 0.05, f"some descriptions missing ({miss:.4f})")
    words = desc.dropna().str.split()
    n = words.str.len()
    check(n.min() >= 3 and n.max() <= 6 and 4 <= n.mean() <= 5.5, f"3-6 words (mean {n.mean():.2f})")
    vocab = {w for ws in words for w in ws}
    check(60 <= len(vocab) <= 95, f"vocabulary of about 90 words ({len(vocab)})")
    check(all(re.fullmatch(r"[A-Z][A-Za-z]*(-[A-Z][A-Za-z]*)*", w) for w in vocab),
          "words are title case")
    check(any("-" in w for w in vocab), "some hyphenated words")
    per_item = desc.dropna().value_counts()
    check((per_item > 1).mean() > 0.3, "descriptions repeat across rows")
    return vocab


def check_images(d, df, oracle, min_px=96, max_px=320):
    img_dir = os.path.join(d, "spacecraft_images")
    files = sorted(os.listdir(img_dir))
    descs = sorted(df["description"].dropna().unique())
    check(len(descs) == oracle["counts"]["distinct_descriptions"], "distinct descriptions count")
    check(len(files) == oracle["counts"]["images"], "image count matches ORACLE.json")
    by_stem = {}
    for f in files:
        stem, ext = os.path.splitext(f)
        check(ext in (".jpg", ".jpeg", ".png"), f"extension of {f}")
        check(stem not in by_stem, f"one file per slug ({stem})")
        by_stem[stem] = f
    missing, used, rules = 0, set(), set()
    for dsc in descs:
        hits = [v for v in slug_variants(dsc) if v in by_stem]
        if not hits:
            missing += 1
            continue
        used.update(hits)
        if "-" in dsc:
            rules.add("underscore" if dsc.lower().replace(" ", "_").replace("-", "_") in hits else "dropped")
    check(set(by_stem) == used, "every image belongs to a description in the table")
    check(missing == oracle["counts"]["descriptions_without_image"], "descriptions without image")
    check(0 < missing <= max(3, 0.04 * len(descs)), f"a few descriptions without file ({missing})")
    check(rules == {"underscore", "dropped"}, f"both hyphen rules used ({rules})")
    exts = {os.path.splitext(f)[1] for f in files}
    check(exts == {".jpg", ".jpeg", ".png"}, f"extensions {exts}")
    kinds = set()
    for f in files:
        info = image_info(read(os.path.join(img_dir, f)))
        check(info is not None, f"{f} is a readable PNG/JPEG")
        if not info:
            continue
        w, h, kind = info
        kinds.add(kind)
        check(min_px <= w <= max_px and min_px <= h <= max_px, f"{f} size {w}x{h}")
        check((kind == "jpeg") == f.endswith((".jpg", ".jpeg")), f"{f} content matches extension")
    check({"rgb", "rgba", "grey", "jpeg"} <= kinds, f"PNG RGB/RGBA/grey and JPEG present ({kinds})")


def r2(y, p):
    return 1 - np.sum((y - p) ** 2) / np.sum((y - np.mean(y)) ** 2)


def metrics(y, p):
    ly = np.log(y)
    return {"n": len(y), "rmse": math.sqrt(np.mean((y - p["mean"]) ** 2)),
            "mae": np.mean(np.abs(y - p["median"])), "r2": r2(y, p["mean"]),
            "rmsle": math.sqrt(np.mean((np.log1p(y) - p["log1p"]) ** 2)),
            "log_rmse": math.sqrt(np.mean((ly - p["logmean"]) ** 2)),
            "log_mae": np.mean(np.abs(ly - np.log(p["median"]))), "log_r2": r2(ly, p["logmean"])}


ERFC = np.vectorize(math.erfc)
PROPS = ("component", "material", "size", "finish", "grade")


def log_phi_interval(a, b):
    r2 = 1 / math.sqrt(2)
    p = np.where(a > 0, 0.5 * ERFC(a * r2) - 0.5 * ERFC(b * r2),
                 np.where(b < 0, 0.5 * ERFC(-b * r2) - 0.5 * ERFC(-a * r2),
                          1 - 0.5 * ERFC(b * r2) - 0.5 * ERFC(-a * r2)))
    return np.log(np.maximum(p, 1e-300))


def table_values(df):
    x = df.copy()
    x["feature_1"] = x["feature_1"].str.slice(3).astype(float)
    x["feature_2"] = x["feature_2"].str.slice(3).astype(float)
    return x


def independent_oracle(df, tr, oracle, rows, variant):
    """E[ln y], E[y] and Var[ln y] of the Bayes predictor, rebuilt from ORACLE.json's model
    description alone (numpy, vectorised over rows)."""
    m = oracle["model"]
    src = {s["id"]: s for s in oracle["sources"]}
    x = table_values(df).iloc[rows]
    t = tr.iloc[rows]
    s = t["source_id"].to_numpy()
    n = len(rows)
    desc = t["description_shown"].to_numpy() == 1
    text = desc if variant in ("table_text", "table_text_image") else np.zeros(n, bool)
    img = (desc & (t["image_kind"] != "none").to_numpy()) if variant in ("table_image", "table_text_image") \
        else np.zeros(n, bool)
    known = {"component": text | img, "material": text | (img & (t["image_kind"] != "png_grey").to_numpy()),
             "size": (text & (t["has_size_word"] == 1).to_numpy()) | img,
             "finish": (text & (t["has_finish_word"] == 1).to_numpy()) | img,
             "grade": text & (t["has_grade_word"] == 1).to_numpy()}

    def tinv(p, v):
        u = (v - p["off"]) / p["scale"]
        with np.errstate(divide="ignore", invalid="ignore"):
            if p["transform"] == "exp":
                return np.where(u > 0, np.log(np.where(u > 0, u, 1)), -np.inf)
            if p["transform"] == "logit":
                return np.log(u / (1 - u))
        return u

    logmean = m["c0"] + np.array([src[i]["bias"] for i in s]) + m["rush_effect"] * t["rush"].to_numpy()
    logmgf = logmean.copy()
    logvar = np.zeros(n)
    for k in PROPS:
        names = list(m["alpha"][k].keys())
        al = np.array(list(m["alpha"][k].values()))
        lp = np.log(np.array(m["prior_by_source"][k])[s])
        for p in m["proxies"]:
            if p["property"] != k:
                continue
            v = x[p["column"]].to_numpy(dtype=float)
            miss = np.isnan(v) | ((v == p["miss_code"]) if p["miss_code"] is not None else False)
            mean = np.array(p["mean"])
            if p["kind"] == "gauss":
                z = tinv(p, np.where(miss, p["off"] + p["scale"] * 0.5, v))
                ll = -0.5 * ((z[:, None] - mean[None, :]) / p["sd"]) ** 2
            elif p["kind"] == "round":
                vv = np.where(miss, p["off"] + 10, v)
                za, zb = tinv(p, vv - 0.5), tinv(p, vv + 0.5)
                ll = log_phi_interval((za[:, None] - mean) / p["sd"], (zb[:, None] - mean) / p["sd"])
            elif p["kind"] == "cat":
                j = np.array([p["codes"].index(c) if c in p["codes"] else -1 for c in v])
                hit = j[:, None] == np.array(p["code_of"])[None, :]
                ll = np.where(hit, math.log(p["r"]), math.log((1 - p["r"]) / (len(p["codes"]) - 1)))
            else:
                one = (v == p["codes"][1])[:, None]
                p1 = np.array(p["p1"])[None, :]
                ll = np.where(one, np.log(p1), np.log(1 - p1))
            lp = lp + np.where(miss[:, None], 0.0, ll)
        post = np.exp(lp - lp.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        truth = np.array([names.index(vv) for vv in t[k]])
        post = np.where(known[k][:, None], np.eye(len(names))[truth], post)
        e = post @ al
        logmean += e
        logvar += post @ al ** 2 - e ** 2
        logmgf += np.log(post @ np.exp(al))
    prec, num = np.ones(n), np.zeros(n)
    for p in m["proxies"]:
        if p["property"] != "q":
            continue
        v = x[p["column"]].to_numpy(dtype=float)
        ok = ~np.isnan(v)
        z = tinv(p, np.where(ok, v, p["off"] + p["scale"] * 0.5))
        L, s2 = p["mean"][0], p["sd"] ** 2
        prec += np.where(ok, L * L / s2, 0)
        num += np.where(ok, L * z / s2, 0)
    mq, vq = num / prec, 1 / prec
    logmean += m["b_q"] * mq
    logvar += m["b_q"] ** 2 * vq
    logmgf += m["b_q"] * mq + 0.5 * m["b_q"] ** 2 * vq
    qk = t["quantity_known"].to_numpy() == 1
    g = -m["beta_quantity"] * np.log(np.array(m["quantity"]["values"]))
    pmf = np.array(m["quantity"]["pmf_by_source"])[s]
    eg, eg2 = pmf @ g, pmf @ g ** 2
    gk = -m["beta_quantity"] * np.log(t["quantity_true"].to_numpy())
    logmean += np.where(qk, gk, eg)
    logvar += np.where(qk, 0, eg2 - eg ** 2)
    logmgf += np.where(qk, gk, np.log(pmf @ np.exp(g)))
    for i in range(n):
        nz = src[s[i]]["noise"]
        e = sum(c["weight"] * c["mean"] for c in nz)
        logmean[i] += e
        logvar[i] += sum(c["weight"] * (c["sd"] ** 2 + c["mean"] ** 2) for c in nz) - e * e
        logmgf[i] += math.log(sum(c["weight"] * math.exp(c["mean"] + c["sd"] ** 2 / 2) for c in nz))
    return logmean, np.exp(logmgf), logvar


def check_oracle(d, df, oracle):
    tr = pd.read_csv(os.path.join(d, "TRUTH.csv"))
    check(len(tr) == len(df) and "target" not in set(df.columns) - {"target"}, "TRUTH.csv rows")
    check((tr["target"].to_numpy() == df["target"].to_numpy()).all(), "TRUTH target == CSV target")
    check((tr["source_id"].to_numpy() == df["source_id"].to_numpy()).all(), "TRUTH source == CSV")
    q = df["quantity"].to_numpy()
    check(((tr["quantity_known"] == 0).to_numpy() == (q == -2)).all(), "quantity placeholder rows")
    kq = q != -2
    check((tr["quantity_true"].to_numpy()[kq] == q[kq]).all(), "known quantity == true quantity")
    check(((tr["description_shown"] == 1).to_numpy() == df["description"].notna().to_numpy()).all(),
          "description_shown matches the CSV")

    # the formula in ORACLE.json rebuilds mu_log from the true properties
    m = oracle["model"]
    src = {s["id"]: s for s in oracle["sources"]}
    mu = (m["c0"] + tr["source_id"].map(lambda s: src[s]["bias"]) + m["rush_effect"] * tr["rush"] +
          m["b_q"] * tr["q"] - m["beta_quantity"] * np.log(tr["quantity_true"]))
    for prop in ("component", "material", "size", "finish", "grade"):
        mu = mu + tr[prop].map(m["alpha"][prop])
    check(np.allclose(mu, tr["mu_log"], atol=1e-6), "mu_log follows the ORACLE.json formula")
    y = np.exp(tr["mu_log"] + tr["eps"])
    check(np.allclose(y, tr["y_continuous"], rtol=1e-6), "y = exp(mu_log + eps)")
    # TRUTH.csv prints 9 digits, so allow for y just at a .5 boundary
    check((np.abs(np.clip(y, 10, 2e6) - tr["target"]) <= 0.5 + 1e-7 * y).all(),
          "target = clip(round(y), 10, 2e6)")

    # economies of scale: same item, larger quantity -> lower noise-free log target
    g = tr.groupby(["item_id", "source_id", "rush"])
    slope = g.apply(lambda x: np.polyfit(np.log(x["quantity_true"]), x["mu_log"], 1)[0]
                    if x["quantity_true"].nunique() > 1 else np.nan).dropna()
    check(len(slope) > 10 and (slope < 0).all(), "target falls as quantity rises (same item)")

    # held-out split
    hold = tr["holdout"] == 1
    ids = sorted(tr.loc[hold, "item_id"].unique())
    check(ids == sorted(oracle["holdout"]["item_ids"]), "held-out item ids match TRUTH.csv")
    check(tr.groupby("item_id")["holdout"].nunique().max() == 1, "split is by item")
    check(int(hold.sum()) == oracle["counts"]["holdout_rows"], "held-out row count")
    clean_ids = sorted(s["id"] for s in oracle["sources"] if s["clean"])
    check(clean_ids == sorted(oracle["clean_sources"]), "clean_sources list")
    for s in oracle["sources"]:
        nz = s["noise"]
        check(abs(sum(c["weight"] for c in nz) - 1) < 1e-9, f"source {s['id']} noise weights")
        if s["clean"]:
            check(len(nz) == 1 and nz[0]["sd"] <= 0.1 and s["bias"] == 0, f"source {s['id']} clean")

    # the all_hidden oracle is the noise distribution around mu_log: recompute it
    h = tr[hold]
    w = h["source_id"].map(lambda s: src[s]["noise"])
    mean = h["mu_log"] + w.map(lambda nz: sum(c["weight"] * c["mean"] for c in nz))
    mgf = np.exp(h["mu_log"]) * w.map(lambda nz: sum(c["weight"] * math.exp(c["mean"] + c["sd"] ** 2 / 2) for c in nz))
    check(np.allclose(mean, h["all_hidden_logmean"], atol=1e-6), "all_hidden log-mean recomputed")
    check(np.allclose(mgf, h["all_hidden_mean"], rtol=1e-6), "all_hidden mean recomputed")
    one = h["source_id"].map(lambda s: len(src[s]["noise"]) == 1)
    check(np.allclose(np.log(h.loc[one, "all_hidden_median"]), h.loc[one, "mu_log"], atol=1e-6),
          "all_hidden median = exp(mu_log) for Gaussian noise")

    # ORACLE.json metrics recompute from TRUTH.csv predictions and the CSV target
    clean = h["source_id"].isin(clean_ids)
    yh = df.loc[hold.to_numpy(), "target"].to_numpy(dtype=float)
    for name, o in oracle["oracles"].items():
        for subset, mask in (("all", np.ones(len(h), bool)), ("clean", clean.to_numpy())):
            p = {k: h[f"{name}_{k}"].to_numpy()[mask] for k in ("mean", "median", "logmean", "log1p")}
            got = metrics(yh[mask], p)
            for k, v in got.items():
                check(near(v, o[subset][k], rel=2e-5, abs_=2e-6),
                      f"{name}/{subset}/{k}: recomputed {v} vs ORACLE {o[subset][k]}")

    # the table, text and image oracles rebuilt independently from ORACLE.json's model
    rows = np.where(hold.to_numpy())[0]
    for name in ("table", "table_text", "table_image", "table_text_image"):
        lm, mean, lv = independent_oracle(df, tr, oracle, rows, name)
        for what, mine, theirs, tol in (("log-mean", lm, h[f"{name}_logmean"], 1e-6),
                                        ("mean", mean, h[f"{name}_mean"], 1e-6),
                                        ("log-variance", lv, h[f"{name}_logvar"], 1e-6)):
            err = np.max(np.abs(mine - theirs.to_numpy()) / np.maximum(1, np.abs(mine)))
            check(err < tol, f"{name} {what} rebuilt from ORACLE.json: max rel. error {err:.3g}")

    # the oracles are ordered and the table oracle is calibrated
    L = {k: oracle["oracles"][k]["clean"]["log_r2"] for k in oracle["oracles"]}
    check(L["table"] < L["table_text"] < L["table_text_image"] < L["all_hidden"],
          f"more information, better oracle ({L})")
    check(L["table_image"] < L["table_text_image"], "image adds to text")
    check(L["all_hidden"] >= 0.97, f"all_hidden clean log R2 {L['all_hidden']} >= 0.97")
    # calibration, averaged per item (rows of one item share their posterior error)
    items = h["item_id"].to_numpy()
    n_items = len(np.unique(items))
    for name in ("table", "table_text", "table_text_image"):
        z = (np.log(yh) - h[f"{name}_logmean"].to_numpy()) / np.sqrt(h[f"{name}_logvar"].to_numpy())
        per = pd.DataFrame({"item": items, "z": z, "z2": z * z}).groupby("item").mean()
        check(abs(per["z"].mean()) < 4 / math.sqrt(n_items),
              f"{name} oracle unbiased in log space (mean z per item {per['z'].mean():.3f})")
        check(0.6 < per["z2"].mean() < 1.6,
              f"{name} oracle calibrated: mean z^2 per item {per['z2'].mean():.3f}")


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="gen_demo_test_") as tmp:
        a, b, c = (os.path.join(tmp, x) for x in "abc")
        ra = run(exe, "--small", "--seed", "7", "--out", a, "--threads", "2")
        check(ra.returncode == 0, f"gen_demo --small failed: {ra.stderr}")
        rb = run(exe, "--small", "--seed", "7", "--out", b, "--threads", "1")
        rc = run(exe, "--small", "--seed", "8", "--out", c)
        if ra.returncode or rb.returncode or rc.returncode:
            print(ra.stderr, rb.stderr, rc.stderr, file=sys.stderr)
            return 1

        # determinism: same seed -> byte-identical, whatever the thread count
        for f in ("candidates_data.csv", "ORACLE.json", "TRUTH.csv"):
            check(read(os.path.join(a, f)) == read(os.path.join(b, f)), f"{f} identical for a seed")
        fa, fb, fc = files_of(a), files_of(b), files_of(c)
        check(fa == fb, "images identical for a seed")
        check(read(os.path.join(a, "candidates_data.csv")) != read(os.path.join(c, "candidates_data.csv")),
              "another seed gives another table")
        check(set(fa) != set(fc), "another seed gives other images")
        common = set(fa) & set(fc)
        check(all(fa[f] != fc[f] for f in common), "same name, other seed: other picture")

        df = pd.read_csv(os.path.join(a, "candidates_data.csv"), low_memory=False)
        oracle = json.load(open(os.path.join(a, "ORACLE.json")))
        check(oracle["seed"] == 7 and oracle["options"]["rows"] == 3000, "ORACLE.json options")
        check_table(a, df, oracle, 3000)
        check_images(a, df, oracle)
        check_oracle(a, df, oracle)
        check_options(exe, tmp)

    print(f"{COUNT[0]} checks, {len(FAILS)} failed", file=sys.stderr)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
