#!/usr/bin/env python3
"""bench/step2/probe/items.py DATA_DIR OUT.csv — one row per item of a gen_demo dataset: its
description (which finds its picture) and, from TRUTH.csv, its hidden size and finish classes
as numbers (size: micro 0 .. heavy 4; finish: matte 0 .. polished 3). The image probe
(probe.sh) learns them from the picture alone. Bench-only: TRUTH.csv exists for generated data."""
import sys

import pandas as pd

data, out = sys.argv[1], sys.argv[2]
desc = pd.read_csv(f"{data}/candidates_data.csv", usecols=["description"])
truth = pd.read_csv(f"{data}/TRUTH.csv", usecols=["item_id", "size", "finish"])
truth["description"] = desc["description"].values
items = truth[truth.description.notna()].drop_duplicates("item_id")
sizes = {"micro": 0, "small": 1, "medium": 2, "large": 3, "heavy": 4}
finishes = {"matte": 0, "brushed": 1, "anodized": 2, "polished": 3}
pd.DataFrame({
    "description": items.description,
    "size_code": items["size"].map(sizes),
    "finish_code": items.finish.map(finishes),
}).to_csv(out, index=False)
print(f"{out}: {len(items)} items")
