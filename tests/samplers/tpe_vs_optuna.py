#!/usr/bin/python3
"""Oracle test: our `tpe` sampler plugin against Optuna 3.1's own TPESampler.

    /usr/bin/python3 tests/samplers/tpe_vs_optuna.py build/tests/samplers/sampler_bench \
        build/plugins/samplers/tpe/tpe.so [--seeds 20] [--trials 40] [--options '{multivariate: true}']

Both run the same objectives (written out again here, identical to tests/samplers/harness.c)
with the same budget over the same number of seeds; Optuna's RandomSampler is run as the
floor. We do not expect identical draws (different RNGs), but similar quality: the test fails
when our mean best loss is significantly worse than Optuna TPE's (two-sample z > 2 on the
difference of means) or not clearly better than random search (less than 70% of its mean).
Exit 0 = pass, 1 = fail, 77 = skipped (python3-optuna missing).
"""
import argparse
import math
import subprocess
import sys
import time
import warnings

try:
    import optuna
except ImportError:
    print("python3-optuna is not installed: skipping", file=sys.stderr)
    sys.exit(77)

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore")


def quad(trial):
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-5, 1, log=True)
    c = trial.suggest_categorical("c", ["a", "b", "c", "d"])
    return (x - 0.3) ** 2 + (math.log10(lr) + 2.5) ** 2 + {"a": 0.5, "b": 0.0, "c": 1.0, "d": 2.0}[c]


def hpo(trial):
    depth = trial.suggest_int("max_depth", 1, 12)
    eta = trial.suggest_float("eta", 1e-3, 1, log=True)
    subsample = trial.suggest_float("subsample", 0.5, 1, step=0.05)
    booster = trial.suggest_categorical("booster", ["gbtree", "dart", "gblinear"])
    return (((depth - 6) / 6) ** 2 + (math.log10(eta) + 1.3) ** 2 + 4 * (subsample - 0.85) ** 2
            + {"gbtree": 0.3, "dart": 0.0, "gblinear": 0.6}[booster])


OBJECTIVES = {"quad": quad, "hpo": hpo}


def optuna_bests(objective, sampler_cls, seeds, trials):
    bests = []
    for seed in seeds:
        study = optuna.create_study(sampler=sampler_cls(seed=seed), direction="minimize")
        study.optimize(objective, n_trials=trials)
        bests.append(study.best_value)
    return bests


def ours_bests(bench, plugin, name, seeds, trials, options):
    cmd = [bench, plugin, "tpe", name, str(trials), str(seeds[0]), str(len(seeds))]
    out = subprocess.run(cmd + ([options] if options else []),
                         check=True, capture_output=True, text=True).stdout
    return [float(v) for v in out.split()]


def mean_sd(v):
    m = sum(v) / len(v)
    return m, math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("plugin")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--options", default=None, help="our tpe's sampler_options, YAML flow text")
    a = ap.parse_args()
    seeds = list(range(1, a.seeds + 1))
    failed = False
    print(f"optuna {optuna.__version__}; {a.seeds} seeds x {a.trials} trials; ours with options "
          f"{a.options or '{}'}; mean (sd) of the best loss")
    for name, objective in OBJECTIVES.items():
        t0 = time.time()
        ours = ours_bests(a.bench, a.plugin, name, seeds, a.trials, a.options)
        t1 = time.time()
        theirs = optuna_bests(objective, optuna.samplers.TPESampler, seeds, a.trials)
        t2 = time.time()
        rnd = optuna_bests(objective, optuna.samplers.RandomSampler, seeds, a.trials)
        if len(ours) != len(seeds):
            print(f"{name}: sampler_bench returned {len(ours)} values for {len(seeds)} seeds")
            return 1
        (mo, so), (mt, st), (mr, sr) = mean_sd(ours), mean_sd(theirs), mean_sd(rnd)
        z = (mo - mt) / math.sqrt(so ** 2 / len(ours) + st ** 2 / len(theirs))
        ok = z <= 2.0 and mo < 0.7 * mr
        failed |= not ok
        print(f"{name:5s} ours tpe {mo:.4f} ({so:.4f}) [{t1 - t0:.1f}s]  optuna tpe {mt:.4f} ({st:.4f}) "
              f"[{t2 - t1:.1f}s]  optuna random {mr:.4f} ({sr:.4f})  ours/optuna {mo / mt:.2f}  "
              f"z {z:+.2f}  {'ok' if ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
