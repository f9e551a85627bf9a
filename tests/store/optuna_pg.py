#!/usr/bin/python3
"""tests/store/optuna_pg.py — Optuna 3.1 reads and extends a study the xp store wrote on PostgreSQL.

    /usr/bin/python3 tests/store/optuna_pg.py 'postgresql:///api_db?host=/tmp/sock&user=xp'

Run by test_store_pg.c after its API part: study "api" holds trials 0-4 as written there.
Checks direction, states, values, params (each distribution kind), intermediate values (an
infinite one), user attributes and the best trial; then adds trial 5 through enqueue/ask/tell,
which the C side reads back. Needs Debian's python3-optuna and python3-psycopg2. Exit 0 only
if everything matches; every mismatch is printed.
"""
import math
import sys

try:
    import optuna
    from optuna.trial import TrialState
    import psycopg2  # noqa: F401  (SQLAlchemy's driver for postgresql:// URLs)
except ImportError as e:  # the test must fail, not skip, without its oracle
    print(f"FAIL: {e}; install Debian's python3-optuna and python3-psycopg2", file=sys.stderr)
    sys.exit(1)

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


url = sys.argv[1]
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.load_study(study_name="api", storage=url)
check(study.direction == optuna.study.StudyDirection.MINIMIZE, f"direction {study.direction}")
check(study.user_attrs == {"metric": "rmse"}, f"study user_attrs {study.user_attrs}")
trials = study.get_trials(deepcopy=False)
states = [t.state for t in trials]
want = [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.COMPLETE]
check(states == want, f"states {states}")
check([t.number for t in trials] == [0, 1, 2, 3, 4], f"numbers {[t.number for t in trials]}")
t0 = trials[0]
check(t0.value == 0.42, f"trial 0 value {t0.value}")
check(t0.params == {"max_depth": 6, "eta": 0.05, "booster": "dart"}, f"trial 0 params {t0.params}")
iv = t0.intermediate_values
check(iv.get(0) == 0.5 and math.isinf(iv.get(1, 0)) and iv.get(2) == 0.42, f"trial 0 intermediate {iv}")
check(t0.user_attrs == {"fold_scores": [0.41, 0.43]}, f"trial 0 user_attrs {t0.user_attrs}")
check(trials[2].value == 0.95 and trials[2].intermediate_values == {0: 0.9, 1: 0.95}, f"trial 2 {trials[2]}")
check(trials[3].value is None, f"trial 3 value {trials[3].value}")
check(study.best_trial.number == 1 and study.best_value == 0.38, f"best {study.best_trial.number} {study.best_value}")
check(study.best_params == {"max_depth": 4}, f"best params {study.best_params}")

# An Optuna worker adds a trial with the same distributions; the C side reads it back.
dists = dict(trials[0].distributions)
study.enqueue_trial({"max_depth": 3, "eta": 0.2, "booster": "gbtree"})
t = study.ask(dists)
check(t.number == 5, f"asked trial number {t.number}")
study.tell(t, 0.25)

for f in failures:
    print("FAIL:", f, file=sys.stderr)
print(f"optuna_pg: {len(failures)} failures")
sys.exit(1 if failures else 0)
