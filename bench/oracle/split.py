#!/usr/bin/python3
"""bench/oracle/split.py — writes the demo data split the way its oracles were scored: the rows
of the oracle's held-out items (TRUTH.csv holdout = 1) as a test file, the others as the
training file, both with the original header and rows in the original order.

    /usr/bin/python3 bench/oracle/split.py data /tmp/oracle_split
    ./runner configs/step1_xgb.yaml data.path=/tmp/oracle_split/train.csv \
        data.test_path=/tmp/oracle_split/test.csv store.path=/tmp/oracle_split/exp.db
    /usr/bin/python3 bench/oracle/compare.py --store /tmp/oracle_split/exp.db \
        --truth data/TRUTH.csv --split /tmp/oracle_split

With `data.test_path` the runner holds nothing else out: its test part is then exactly the
oracle's 7,836 held-out rows, so the run's test score and ORACLE.json's figures are on the
same rows. compare.py --split maps the test file's rows back to TRUTH.csv rows (test.csv keeps
the original order; rows.csv lists the original row numbers).
"""
import csv
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: split.py DATA_DIR OUT_DIR")
    data, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    hold = [r["holdout"] == "1" for r in csv.DictReader(open(os.path.join(data, "TRUTH.csv")))]
    # Raw lines are copied, so quoting and embedded newlines survive; csv.reader finds records.
    with open(os.path.join(data, "candidates_data.csv"), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    if len(body) != len(hold):
        sys.exit(f"split.py: {len(body)} data rows but {len(hold)} TRUTH.csv rows")
    with open(os.path.join(out, "train.csv"), "w", newline="") as tr, \
         open(os.path.join(out, "test.csv"), "w", newline="") as te, \
         open(os.path.join(out, "rows.csv"), "w") as rm:
        wt, we = csv.writer(tr, lineterminator="\n"), csv.writer(te, lineterminator="\n")
        wt.writerow(header)
        we.writerow(header)
        rm.write("test_row,row\n")
        k = 0
        for i, (r, h) in enumerate(zip(body, hold)):
            if h:
                we.writerow(r)
                rm.write(f"{k},{i}\n")
                k += 1
            else:
                wt.writerow(r)
    print(f"{out}: train.csv {len(body) - k} rows, test.csv {k} rows (the oracle's holdout)")


if __name__ == "__main__":
    main()
