/* core/step_prune.h — pruning inside a fold, at the model's own reports (a network's epochs,
 * XGBoost's boosting rounds), so a hopeless trial stops after a few epochs of its first fold
 * instead of after a whole fold:
 *
 *     search:
 *       pruner: {type: median, within_fold: true, within_fold_warmup: 3}
 *
 * A fold's report at step s is compared with the same fold's reports of this run's complete
 * trials at step s, each trial taken at its best value so far (a trial that early-stopped
 * before s counts with its final best). The trial is pruned when its own best so far is worse
 * than their median — Optuna's MedianPruner rule, with the trial's best so far as Optuna's
 * percentile pruner uses it, applied per (fold, step). Reported values are lower-is-better
 * (host.h: report). Nothing is stored per step: Optuna's intermediate values stay one per
 * fold (the running mean), which the fold-level pruner (search.c) compares.
 *
 * Fold threads call step_prune_report() at once for distinct folds: each writes only its own
 * fold's curve, and the complete trials' curves are read-only while a trial runs.
 */
#ifndef XP_STEP_PRUNE_H
#define XP_STEP_PRUNE_H

#include <stddef.h>
#include <stdint.h>

typedef struct step_prune step_prune;

/* k folds; no prune before n_startup complete trials or before step n_warmup. NULL: no memory. */
step_prune *step_prune_new(int k, int64_t n_startup, int64_t n_warmup);
void step_prune_free(step_prune *p);
/* Starts a trial: its curves are emptied. */
void step_prune_begin(step_prune *p);
/* A model's report at `step` of `fold`; returns 1 to stop the fold. */
int step_prune_report(step_prune *p, int fold, int64_t step, double value);
/* The median of vals[0..m) (sorted in place; NaN when m is 0): the value both median pruners,
 * this one and search.c's per fold, compare a trial with. */
double pruner_median(double *vals, size_t m);
/* The current trial completed: its curves become evidence for the next trials. */
void step_prune_commit(step_prune *p);

#endif
