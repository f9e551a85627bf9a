#!/usr/bin/python3
"""bench/datasets/movies_csv.py — Vega's movies.json (npm vega-datasets@2.11.0) -> CSV.

    /usr/bin/python3 bench/datasets/movies_csv.py package/data/movies.json movies.csv

Every column kept as it is in the file (names with spaces, "Jun 12 1998" dates, empty cells);
only the rows without a "Worldwide Gross" are dropped (nothing to learn from or score).
"""
import json
import sys

import pandas as pd

src, dst = sys.argv[1], sys.argv[2]
df = pd.DataFrame(json.load(open(src)))
n = len(df)
df = df[df["Worldwide Gross"].notna()]
df.to_csv(dst, index=False)
print(f"movies_csv.py: {n} films, {n - len(df)} without Worldwide Gross dropped, {len(df)} rows -> {dst}",
      file=sys.stderr)
