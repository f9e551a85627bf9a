/* core/refit.h — the final models: configured models fitted on all dev rows and their test
 * predictions, fold_jobs at once.
 *
 *     void *models[K];                      // made by mops->create, in order, on the caller's ctx
 *     double *pred = malloc(K * n_test * sizeof *pred);
 *     rc = refit_models(x, dev, test, dprep, tprep, models, K, pred, err, sizeof err);
 *
 * Why several at once: validation.final_top refits K configurations on the same rows, and on
 * 2 cores two fits on one thread each finish sooner than each on two (XGBoost spends much of
 * a small fit handing nodes between its threads). One at a time, the fits share the caller's
 * prepared data (dprep, tprep) and run on the calling thread with all threads, as before;
 * side by side, the first uses them and each other prepares its own copy (a prepared matrix
 * is not shared between fits running at once). Models are created by the caller, in order, so the random draws they
 * take from the host stream at creation are the ones they took when refitted one by one.
 * Predictions come back in the model's output space (before the pipeline's inverse).
 */
#ifndef XP_REFIT_H
#define XP_REFIT_H

#include "experiment.h"

int refit_models(experiment *x, const xp_frame *dev, const xp_frame *test, void *dprep, void *tprep,
                 void *const *models, int k, double *pred /* [k][test->n_rows] */, char *err, size_t n);

#endif
