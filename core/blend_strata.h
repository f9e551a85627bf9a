/* core/blend_strata.h — `blend.strata`: rows grouped by which of a few input columns they
 * lack, each group with blend weights of its own (blend.c fits them, run.c predicts with them).
 *
 *     blend:
 *       strata: [description]      # rows without a description get their own weights
 *       strata_min_rows: 200       # a group with fewer out-of-fold rows keeps the pooled ones
 *
 *     strata_spec s;
 *     strata_read(blend_cfg, &s, err, n);            // s.n == 0: no strata
 *     strata_codes(&s, frame, codes, err, n);        // codes[i]: bit k set = column k missing
 *     strata_label(&s, codes[i], buf, sizeof buf);   // "description:missing"
 *
 * A row's stratum is written as a label naming every column and whether the row has it
 * ("description:missing&feature_3:present"), so the artifact that carries the weights also
 * says which columns `runner predict` must look at (strata_from_label).
 */
#ifndef XP_CORE_BLEND_STRATA_H
#define XP_CORE_BLEND_STRATA_H

#include <stddef.h>

#include "config.h"
#include "xp/frame.h"

enum { STRATA_MAX = 4 };        /* 2^4 groups at most: each needs rows of its own */

typedef struct strata_spec {
    size_t n;                   /* 0: no strata */
    char *cols[STRATA_MAX];     /* owned */
    long min_rows;
} strata_spec;

/* Reads blend.strata (a list of 1..STRATA_MAX column names; absent or [] = none) and
 * blend.strata_min_rows (default 200, >= 1). */
int strata_read(const xp_cfg *blend, strata_spec *s, char *err, size_t n);
/* codes[i] for each of f's rows: bit k set when column s->cols[k] is missing in row i (text
 * NULL or empty, number NaN, category -1). A column f lacks is an error naming it. */
int strata_codes(const strata_spec *s, const xp_frame *f, int *codes, char *err, size_t n);
/* The label of a code: "col:missing" or "col:present" per column, joined by '&'. */
void strata_label(const strata_spec *s, int code, char *buf, size_t n);
/* Rebuilds the column list from a label strata_label wrote. XP_EINVAL if it is not one. */
int strata_from_label(const char *label, strata_spec *s);
void strata_free(strata_spec *s);

#endif
