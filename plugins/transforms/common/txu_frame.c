/* txu_frame.c — frame edits the transforms share: retyping a column in place, missing counts,
 * number-to-text for categorical levels.
 *
 *     double *vals = ...computed from f->cols[j]...;
 *     xp_column *c = tx_col_swap(ctx, f, j, XP_COL_NUMERIC);   // same name, role, position
 *     memcpy(c->num, vals, f->n_rows * sizeof *vals);
 *
 * The host API has no "rename" or "insert at", so a retyped column is made by dropping the
 * old one, adding the new one under the same name (it lands last) and moving its pointer
 * back to the old position: column order stays stable, which keeps feature order readable.
 */
#include "txu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

xp_column *tx_col_swap(xp_ctx *ctx, xp_frame *f, size_t j, xp_col_type type)
{
    const xp_host *h = ctx->host;
    char *name = tx_strdup(f->cols[j]->name);
    xp_role role = f->cols[j]->role;
    if (!name) { xp_fail(ctx, XP_ENOMEM, "out of memory"); return NULL; }
    h->frame_drop(f, j);
    xp_column *c = h->frame_add(f, name, type, role);
    if (!c) {
        xp_fail(ctx, XP_ENOMEM, "column %s: out of memory while changing its type", name);
        free(name);
        return NULL;
    }
    free(name);
    size_t last = f->n_cols - 1;
    if (j < last) {
        memmove(f->cols + j + 1, f->cols + j, (last - j) * sizeof *f->cols);
        f->cols[j] = c;
    }
    return c;
}

int tx_col_is_missing(const xp_column *c, size_t i)
{
    switch (c->type) {
    case XP_COL_NUMERIC:
    case XP_COL_BOOL:
        return isnan(c->num[i]);
    case XP_COL_CATEGORICAL:
        return c->codes[i] < 0;
    case XP_COL_TEXT:
        return c->text[i] == NULL;
    case XP_COL_VECTOR:
        return c->vec_row[i] < 0;
    }
    return 1;
}

size_t tx_col_missing(const xp_column *c, size_t n_rows)
{
    size_t m = 0;
    for (size_t i = 0; i < n_rows; i++) m += (size_t)tx_col_is_missing(c, i);
    return m;
}

const char *tx_num_text(double v, char *buf, size_t n)
{
    if (v == 0) { snprintf(buf, n, "0"); return buf; }  /* -0 prints as 0: one level, not two */
    if (fabs(v) < 1e15 && v == floor(v)) {
        snprintf(buf, n, "%.0f", v);
        return buf;
    }
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}
