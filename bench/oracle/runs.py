"""bench/oracle/runs.py — a run's artifact file in a store, for the oracle scripts (compare.py,
hidden.py). Exits with a message naming the store and run when there is none: a missing store
is not opened (sqlite3 would create an empty one), and a store without a complete run says so.
"""
import os
import sqlite3
import sys


def artifact(script, store, run, kind):
    """(run id, path) of the latest `kind` artifact of run `run` (None: the latest complete run)."""
    if not os.path.isfile(store):
        sys.exit(f"{script}: no store at {store}")
    db = sqlite3.connect(store)
    if run is None:
        run = db.execute("SELECT max(id) FROM xp_runs WHERE status = 'COMPLETE'").fetchone()[0]
        if run is None:
            sys.exit(f"{script}: {store} has no complete run")
    row = db.execute("SELECT path FROM xp_artifacts WHERE run_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                     (run, kind)).fetchone()
    if row is None:
        sys.exit(f"{script}: run {run} in {store} has no {kind} artifact")
    return run, row[0]
