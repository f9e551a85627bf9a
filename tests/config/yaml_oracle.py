#!/usr/bin/python3
"""tests/config/yaml_oracle.py — checks core/config.c against PyYAML, an independent parser.

    /usr/bin/python3 yaml_oracle.py BUILD/tests/config/cfg_dump tests/config/fixtures

For each case, cfg_dump loads a fixture (resolving `extends`, applying overrides) and prints
cfg_to_yaml. PyYAML must read that output as exactly the data this script computes on its own:
the fixture read by PyYAML, `extends` merged here in Python (maps deeply, the extending file
wins, bases in listed order, new keys appended), overrides applied as plain dict edits.
Key order is compared too. Exit 0 when every case matches.
"""
import os
import subprocess
import sys

import yaml


def merge(base, top):
    out = dict(base)
    for k, v in top.items():
        if k in out and isinstance(out[k], dict) and isinstance(v, dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def resolve(path):
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    ext = data.pop("extends", None)
    if ext is None:
        return data
    merged = {}
    for name in [ext] if isinstance(ext, str) else ext:
        merged = merge(merged, resolve(os.path.join(os.path.dirname(path), name)))
    return merge(merged, data)


def ordered(x):
    """Dicts as lists of pairs, so key order counts in ==."""
    if isinstance(x, dict):
        return [(k, ordered(v)) for k, v in x.items()]
    if isinstance(x, list):
        return [ordered(v) for v in x]
    return (type(x).__name__, x)


def edit_child(d):
    d["seed"] = 3
    d["model"]["params"]["eta"] = 0.2
    d["model"]["new"] = {"a": [1, 2], "s": "x y"}
    del d["data"]["target"]
    d["data"]["columns"] = ["p", "q"]
    d["added"] = {"deep": {"key": None}}
    return d


def main():
    dump, fixtures = sys.argv[1], sys.argv[2]
    cases = [
        ("roundtrip.yaml", [], None),
        ("basic.yaml", [], None),
        ("child.yaml", [], None),
        ("multi.yaml", [], None),
        ("sub/rel.yaml", [], None),
        ("child.yaml", ["++seed=3", "model.params.eta=0.2", "+model.new={a: [1, 2], s: 'x y'}",
                        "~data.target", "data.columns=[p, q]", "+added.deep.key=null"], edit_child),
    ]
    failures = 0
    for name, overrides, edit in cases:
        path = os.path.join(fixtures, name)
        expect = resolve(path)
        if edit:
            expect = edit(expect)
        run = subprocess.run([dump, path] + overrides, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL {name} {overrides}: cfg_dump exit {run.returncode}: {run.stderr}")
            failures += 1
            continue
        try:
            got = yaml.safe_load(run.stdout)
        except yaml.YAMLError as e:
            print(f"FAIL {name} {overrides}: PyYAML cannot read the output: {e}\n--- yaml\n{run.stdout}")
            failures += 1
            continue
        if ordered(got) != ordered(expect):
            print(f"FAIL {name} {overrides}:\n--- expected\n{expect}\n--- got\n{got}\n--- yaml\n{run.stdout}")
            failures += 1
        else:
            print(f"ok   {name} {overrides}")
    print(f"{len(cases)} cases, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
