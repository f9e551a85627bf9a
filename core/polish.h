/* core/polish.h — the best point again with some values scaled (e.g. a smaller learning
 * rate), kept only if it scores better on the same folds. See polish.c. */
#ifndef XP_CORE_POLISH_H
#define XP_CORE_POLISH_H

#include <stddef.h>

#include "experiment.h"

/* Reads and checks the `polish` section (config check, before any work). */
int polish_check(experiment *x, char *err, size_t n);

/* Evaluates the scaled point. If it beats best_value, *best_cfg is replaced by the scaled
 * configuration (the old one freed), *rounds gets its mean early-stopping round, *value its
 * CV score, and *used = 1. */
int polish_run(experiment *x, double best_value, xp_cfg **best_cfg, double *rounds, double *value,
               int *used, char *err, size_t n);

#endif
