#!/usr/bin/env python3
"""bench/step2/peak_mem.py PID OUT — the peak memory of a process and all its descendants.

A blend runs its members as runner processes of their own (core/procs.c), two at a time on
2 cores, so /usr/bin/time's "Maximum resident set size" (the largest single process) is not
the machine's peak. This samples every 0.2 s, until PID is gone, the sum over the process
tree of VmRSS (pages shared between the processes, e.g. libtorch's code, counted once per
process: an upper bound) and of Pss from smaps_rollup (shared pages split between their
users: what the tree really holds), and writes the maxima as `rss_kb=` and `pss_kb=` lines.
"""
import os
import sys
import time


def children_of():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def field_kb(path, name):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    root, out = int(sys.argv[1]), sys.argv[2]
    peak_rss = peak_pss = 0
    while os.path.exists(f"/proc/{root}"):
        kids = children_of()
        tree, todo = [], [root]
        while todo:
            p = todo.pop()
            tree.append(p)
            todo.extend(kids.get(p, []))
        peak_rss = max(peak_rss, sum(field_kb(f"/proc/{p}/status", "VmRSS:") for p in tree))
        peak_pss = max(peak_pss, sum(field_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in tree))
        time.sleep(0.2)
    with open(out, "w") as f:
        f.write(f"rss_kb={peak_rss}\npss_kb={peak_pss}\n")


if __name__ == "__main__":
    main()
