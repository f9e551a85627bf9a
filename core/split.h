/* core/split.h — honest validation: an untouched test part and K folds, grouped by a key.
 *
 *     split_plan plan;
 *     split_make(frame, "description", 0.15, 5, 1, seed, &plan, err, sizeof err);
 *     // plan.test[0..n_test) are never seen by fitting or search;
 *     // plan.fold[i] in [0,k) for each dev row plan.dev[i].
 *     split_free(&plan);
 *
 * Rows sharing a group key (the same item) always land on the same side of every split,
 * so a model is never scored on an item it was trained on. Rows whose key is missing are
 * their own group. With grouped=0 rows are split one by one (the leaky random split, kept
 * to measure how much it over-claims).
 */
#ifndef XP_CORE_SPLIT_H
#define XP_CORE_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "xp/frame.h"

typedef struct split_plan {
    size_t *test, n_test;        /* row indices of the held-out test part */
    size_t *dev, n_dev;          /* the rest, for search and refit */
    int *fold;                   /* fold of dev[i] */
    int k;
    size_t n_groups;             /* distinct groups seen */
    size_t n_test_groups;        /* of them, in the test part */
    size_t largest_test_group;   /* rows of the largest group in the test part (0: none) */
    size_t largest_test_row;     /* a row of that group (to name its value) */
} split_plan;

/* test_fraction may be 0 (no test part: e.g. a separate test file). group_col NULL or
 * grouped == 0: random row split. */
int split_make(const xp_frame *f, const char *group_col, double test_fraction, int k,
               int grouped, uint64_t seed, split_plan *out, char *err, size_t errlen);
void split_free(split_plan *p);

/* Rows of dev (as frame row indices) in fold `k` (valid) or not in it (train). Caller frees. */
size_t *split_fold_rows(const split_plan *p, int fold, int valid, size_t *n);

#endif
