#!/usr/bin/env python3
# shift_target.py IN OUT SHIFT: IN's `target` column plus SHIFT, written to OUT (the tests use
# a negative shift to get a target with negative values, which log1p cannot take).
import csv, sys
src, dst, shift = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = list(csv.reader(open(src)))
t = rows[0].index("target")
for r in rows[1:]:
    r[t] = str(float(r[t]) + shift)
csv.writer(open(dst, "w", newline="")).writerows(rows)
