#!/usr/bin/python3
"""tests/store/optuna_interop.py — Optuna 3.1 as the oracle for the xp store.

    /usr/bin/python3 tests/store/optuna_interop.py DB EXPECTED_JSON

Loads every study listed in EXPECTED_JSON (written by test_store.c) from the SQLite file DB
with optuna.load_study() and checks directions, trials (number, state, value, params and
their distributions, intermediate values, user attributes), best trials and study
attributes. Compares DB's schema with a database Optuna creates itself (same directory,
optuna_ref.db), checks WAL mode and our xp_* row counts, then appends one trial through
Optuna's enqueue/ask/tell so the C side can check that a study continues after Optuna wrote to it.
Exit code 0 only if everything matches; every mismatch is printed.
"""
import json
import math
import os
import re
import sqlite3
import sys

try:
    import optuna
    from optuna.distributions import json_to_distribution
    from optuna.trial import TrialState
except ImportError as e:  # the test must fail, not skip, without its oracle
    print(f"FAIL: cannot import optuna ({e}); install Debian's python3-optuna", file=sys.stderr)
    sys.exit(1)

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def same_float(a, b):
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b


def norm_sql(sql):
    return None if sql is None else re.sub(r"\s+", " ", sql).strip()


def schema(path):
    con = sqlite3.connect(path)
    try:
        return {(t, n): (tbl, norm_sql(sql))
                for t, n, tbl, sql in con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")}
    finally:
        con.close()


def check_schema(db):
    ref = os.path.join(os.path.dirname(os.path.abspath(db)), "optuna_ref.db")
    if os.path.exists(ref):
        os.remove(ref)
    optuna.create_study(storage=f"sqlite:///{ref}", study_name="ref")
    want, got = schema(ref), schema(db)
    for key, val in want.items():
        check(key in got, f"schema: {key[0]} {key[1]} missing from our database")
        if key in got:
            check(got[key] == val, f"schema: {key[0]} {key[1]} differs:\n  optuna: {val}\n  ours:   {got[key]}")
    extra = [k for k in got if k not in want]
    for t, n in extra:
        tbl = got[(t, n)][0]
        check(n.startswith("xp_") or (n.startswith("sqlite_autoindex_xp_") and tbl.startswith("xp_")),
              f"schema: extra object {t} {n} is not one of ours (xp_*)")
    check(any(n == "xp_runs" for _, n in extra), "schema: xp_runs table missing")

    con_r, con_d = sqlite3.connect(ref), sqlite3.connect(db)
    for q in ("SELECT version_num FROM alembic_version",
              "SELECT version_info_id, schema_version, library_version FROM version_info"):
        a, b = con_r.execute(q).fetchall(), con_d.execute(q).fetchall()
        check(a == b, f"{q}: optuna has {a}, ours {b}")
    mode = con_d.execute("PRAGMA journal_mode").fetchone()[0]
    check(mode == "wal", f"journal_mode is {mode}, expected wal")
    con_r.close()
    con_d.close()


def check_xp_tables(db, counts):
    con = sqlite3.connect(db)
    for table, n in counts.items():
        got = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        check(got == n, f"{table}: {got} rows, expected {n}")
    # Every xp_records row holds valid JSON; every trial link points at a real trial.
    for (js,) in con.execute("SELECT json FROM xp_records"):
        try:
            json.loads(js)
        except ValueError as e:
            failures.append(f"xp_records: invalid JSON {js!r}: {e}")
    orphans = con.execute("SELECT count(*) FROM xp_trial_runs WHERE trial_id NOT IN "
                          "(SELECT trial_id FROM trials)").fetchone()[0]
    check(orphans == 0, f"xp_trial_runs: {orphans} links to missing trials")
    con.close()


def check_study(storage, exp):
    name = exp["name"]
    study = optuna.load_study(study_name=name, storage=storage)
    check(study.direction.name == exp["direction"],
          f"{name}: direction {study.direction.name}, expected {exp['direction']}")
    check(study.user_attrs == exp["user_attrs"], f"{name}: user_attrs {study.user_attrs} != {exp['user_attrs']}")
    trials = study.get_trials(deepcopy=False)
    check(len(trials) == len(exp["trials"]), f"{name}: {len(trials)} trials, expected {len(exp['trials'])}")
    for t, e in zip(trials, exp["trials"]):
        where = f"{name} trial {e['number']}"
        check(t.number == e["number"], f"{where}: number {t.number}")
        check(t.state.name == e["state"], f"{where}: state {t.state.name}, expected {e['state']}")
        check(same_float(t.value, e["value"]), f"{where}: value {t.value!r}, expected {e['value']!r}")
        check(t.params == e["params"], f"{where}: params {t.params} != {e['params']}")
        want_d = {k: json_to_distribution(json.dumps(v)) for k, v in e["distributions"].items()}
        check(t.distributions == want_d, f"{where}: distributions {t.distributions} != {want_d}")
        for k, v in t.params.items():
            d = t.distributions[k]
            check(d._contains(d.to_internal_repr(v)), f"{where}: {k}={v!r} outside {d}")
        want_i = {int(k): v for k, v in e["intermediate"].items()}
        check(set(t.intermediate_values) == set(want_i) and
              all(same_float(t.intermediate_values[k], v) for k, v in want_i.items()),
              f"{where}: intermediate {t.intermediate_values} != {want_i}")
        check(t.user_attrs == e["user_attrs"], f"{where}: user_attrs {t.user_attrs} != {e['user_attrs']}")
        check(t.datetime_start is not None, f"{where}: no datetime_start")
        if t.state.is_finished():
            check(t.datetime_complete is not None and t.datetime_complete >= t.datetime_start,
                  f"{where}: datetime_complete {t.datetime_complete} vs start {t.datetime_start}")
    check(study.best_trial.number == exp["best_number"],
          f"{name}: best trial {study.best_trial.number}, expected {exp['best_number']}")
    study.trials_dataframe()  # the usual analysis entry point must not choke on our rows


def optuna_appends(storage, add):
    study = optuna.load_study(study_name=add["study"], storage=storage)
    before = len(study.trials)
    dists = {k: json_to_distribution(json.dumps(v)) for k, v in add["distributions"].items()}
    study.enqueue_trial(add["params"])
    trial = study.ask(dists)
    check(trial.params == add["params"], f"optuna ask: params {trial.params} != {add['params']}")
    study.tell(trial, add["value"])
    after = study.trials
    check(len(after) == before + 1, f"optuna append: {len(after)} trials, expected {before + 1}")
    check(after[-1].number == before and after[-1].state == TrialState.COMPLETE,
          f"optuna append: last trial {after[-1].number} {after[-1].state}")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    db, expected_path = sys.argv[1], sys.argv[2]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with open(expected_path) as f:
        expected = json.load(f)
    storage = f"sqlite:///{os.path.abspath(db)}"
    check_schema(db)
    check_xp_tables(db, expected["xp_counts"])
    for s in expected["studies"]:
        check_study(storage, s)
    if not failures:
        optuna_appends(storage, expected["optuna_adds"])
    for m in failures:
        print("FAIL:", m, file=sys.stderr)
    print(f"optuna_interop: {len(failures)} failure(s), optuna {optuna.__version__}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
