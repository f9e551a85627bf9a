/* core/final_top.h — validation.final_top: K (see final_top.c): the test part predicted by
 * the average of the refits of the study's K best configurations instead of the best alone.
 *
 *     final_top_read(x, root, err, n);      // -> x->final_top, x->refit_seeds (1: off)
 *     final_top_members(x, best_number, best_cv, &m, &n_m, err, n);   // the K-1 runners-up
 *     ...refit each, average in validation.final_space...
 *     final_top_free(m, n_m);
 */
#ifndef XP_FINAL_TOP_H
#define XP_FINAL_TOP_H

#include <stddef.h>
#include <stdint.h>

#include "experiment.h"

typedef struct final_member {
    xp_cfg *cfg;                 /* the trial's configuration (the run's config + its params) */
    int64_t number;              /* its trial number in the study */
    double cv;                   /* its CV, evaluated again here (= the trial's recorded value) */
    double rounds;               /* mean early-stopping round on the folds, NaN if none */
} final_member;

int final_top_read(experiment *x, const xp_cfg *root, char *err, size_t n);
/* The space the refits are averaged in: log1p with validation.final_space: log, unless a dev
 * row's target is negative (then as they are). Run and `runner predict` decide alike. */
int final_top_logspace(const experiment *x);

/* With x->final_top > 1 (else *n_out = 0): the K-1 best COMPLETE trials of the study other
 * than best_number (the search's best; the refit's own configuration may be its polished
 * version, whose CV is best_cv, for the record), each evaluated again on the run's folds with its own random stream, so its CV is
 * the one the search recorded (checked) and its out-of-fold predictions and rounds are known.
 * x->oof_best becomes the average of the best's and theirs in the final space; the record
 * `final_top` and the metric cv_final_top hold what the average scores on the folds. */
int final_top_members(experiment *x, int64_t best_number, double best_cv, final_member **out, int *n_out, char *err,
                      size_t n);
void final_top_free(final_member *m, int n_m);

/* The artifact kind of configuration m's (0: the best) refit replica r (validation.refit_seeds;
 * 0: the first): "model", "top<m>_model", "seed<r>_model", "top<m>_seed<r>_model". Its file
 * is the kind without "_model", then "_" and the model's file name. Run and predict agree. */
void final_model_kind(int m, int r, char *kind, size_t n);

#endif
