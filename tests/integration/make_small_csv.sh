#!/usr/bin/env bash
# Writes a small deterministic regression CSV for integration tests: items repeat across
# rows (grouping matters), quantity has -2 placeholders, target falls with quantity.
# usage: make_small_csv.sh OUT.csv [ROWS] [SEED]
set -eu
out=$1 rows=${2:-600} seed=${3:-7}
awk -v rows="$rows" -v seed="$seed" 'BEGIN {
  s = seed;
  printf "source_id,description,x1,x2,flag,quantity,target\n";
  for (i = 0; i < rows; i++) {
    s = (s * 1103515245 + 12345) % 2147483648; item = int(s / 65536) % 60;
    s = (s * 1103515245 + 12345) % 2147483648; q = (int(s / 65536) % 4 == 0) ? -2 : 1 + int(s / 65536) % 50;
    s = (s * 1103515245 + 12345) % 2147483648; noise = (int(s / 65536) % 1000) / 1000.0 - 0.5;
    x1 = item * 0.37 % 5; x2 = (item * 7) % 11;
    base = exp(3 + 0.6 * x1 + 0.15 * x2 + 0.1 * noise);
    if (q > 0) base = base * exp(-0.2 * log(q));
    printf "%d,\"Item %d Part\",%.4f,%d,%s,%d,%d\n", i % 4, item, x1 + noise * 0.1, x2, (item % 3 ? "False" : "True"), q, int(base) + 10;
  }
}' > "$out"
