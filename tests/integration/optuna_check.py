"""Independent check of the runner's store with Debian's python3-optuna: load_study() on our
database must list the trials, params and values we recorded, and its best_trial must be the
one the runner reported.  usage: optuna_check.py DB STUDY EXPECTED_TRIALS BEST_NUMBER"""
import sqlite3
import sys

import optuna

db, study_name, n_expected, best_number = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.load_study(study_name=study_name, storage=f"sqlite:///{db}")
trials = study.get_trials(deepcopy=False)
assert len(trials) == n_expected, f"optuna sees {len(trials)} trials, expected {n_expected}"

con = sqlite3.connect(db)
rows = {n: (s, v) for n, s, v in con.execute(
    "SELECT t.number, t.state, v.value FROM trials t LEFT JOIN trial_values v ON v.trial_id = t.trial_id "
    "JOIN studies s ON s.study_id = t.study_id WHERE s.study_name = ?", (study_name,))}
for t in trials:
    state, value = rows[t.number]
    assert t.state.name == state, (t.number, t.state.name, state)
    if t.state == optuna.trial.TrialState.COMPLETE:
        assert abs(t.value - value) < 1e-12, (t.number, t.value, value)
        assert set(t.params) == {"model.params.max_depth", "model.params.eta"}, t.params
        d = t.distributions["model.params.eta"]
        assert isinstance(d, optuna.distributions.FloatDistribution) and d.log, d
        assert 0.05 <= t.params["model.params.eta"] <= 0.5, t.params
        assert isinstance(t.params["model.params.max_depth"], int), t.params
        assert len(t.intermediate_values) > 0, "per-fold intermediate values missing"
assert study.best_trial.number == best_number, (study.best_trial.number, best_number)
print(f"optuna: {len(trials)} trials, best #{study.best_trial.number} value {study.best_value:.6g} params {study.best_params}")
