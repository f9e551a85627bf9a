#!/usr/bin/python3
"""pandas_oracle.py — the CSV loader checked value by value against pandas.read_csv.

    /usr/bin/python3 tests/csv/pandas_oracle.py CSV_BENCH PLUGIN.so GEN_SYNTH.py [rows]

Generates a demo-shaped CSV (bench/csv/gen_synth.py), loads it with our plugin through
csv_bench --dump, and with pandas.read_csv(float_precision="round_trip", our missing tokens).
Every numeric value must be the same double bit for bit, every bool the same, every string
identical, missing in the same places; column order and inferred kinds must agree.
Exit 0 = pass. pandas is an independent oracle only (never part of the product).
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import pandas as pd

MISSING = ["", "NA", "NaN", "nan", "null"]


def main():
    bench, plugin, gen = sys.argv[1:4]
    rows = sys.argv[4] if len(sys.argv) > 4 else "4000"
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "synth.csv")
        dump = os.path.join(tmp, "frame.jsonl")
        subprocess.run([sys.executable, gen, csv, rows, "11"], check=True)
        subprocess.run([bench, plugin, csv, "--target", "target", "--dump", dump], check=True)
        with open(dump, encoding="utf-8") as fp:
            head = json.loads(fp.readline())
            ours = [json.loads(line) for line in fp]
        df = pd.read_csv(csv, float_precision="round_trip", keep_default_na=False,
                         na_values=MISSING)

    if head["rows"] != len(df):
        failures.append("rows: ours %d, pandas %d" % (head["rows"], len(df)))
    if head["row_id"] != list(range(len(df))):
        failures.append("row_id is not 0..n-1")
    if [c["name"] for c in ours] != list(df.columns):
        failures.append("column names/order differ")
    for c in ours:
        name, kind, vals = c["name"], c["type"], c["values"]
        if name not in df.columns:
            continue
        ref = df[name]
        if (c["role"] == "target") != (name == "target"):
            failures.append("%s: role %s" % (name, c["role"]))
        pk = ref.dtype.kind
        if kind == "numeric":
            if pk not in "if":
                failures.append("%s: ours numeric, pandas dtype %s" % (name, ref.dtype))
                continue
            for i, (v, r) in enumerate(zip(vals, ref.astype(float))):
                same = (v is None and math.isnan(r)) or (v is not None and float.fromhex(v) == r
                       and math.copysign(1, float.fromhex(v)) == math.copysign(1, r))
                if not same:
                    failures.append("%s[%d]: ours %s, pandas %r" % (name, i, v, r))
                    break
        elif kind == "bool":
            for i, (v, r) in enumerate(zip(vals, ref)):
                want = None if (isinstance(r, float) and math.isnan(r)) else float(bool(r))
                got = None if v is None else float.fromhex(v)
                if got != want:
                    failures.append("%s[%d]: ours %s, pandas %r" % (name, i, v, r))
                    break
        else:   # categorical / text: strings as written
            if pk != "O":
                failures.append("%s: ours %s, pandas dtype %s" % (name, kind, ref.dtype))
                continue
            for i, (v, r) in enumerate(zip(vals, ref)):
                want = None if (isinstance(r, float) and math.isnan(r)) else r
                if v != want:
                    failures.append("%s[%d]: ours %r, pandas %r" % (name, i, v, r))
                    break
            distinct = ref.dropna().nunique()
            expect = "categorical" if distinct <= 1000 and distinct <= 0.5 * ref.notna().sum() \
                else "text"
            if kind != expect:
                failures.append("%s: ours %s, rule says %s (%d distinct)" % (name, kind, expect,
                                                                             distinct))
    for f in failures[:30]:
        print("FAIL", f)
    print("%d columns x %d rows compared with pandas: %d failures" % (len(ours), len(df),
                                                                       len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
