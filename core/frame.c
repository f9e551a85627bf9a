/* core/frame.c — columnar table storage (see include/xp/frame.h for the layout).
 *
 *     xp_frame *f = frame_new(3);
 *     xp_column *c = frame_add(f, "x", XP_COL_NUMERIC, XP_ROLE_FEATURE);  // all NaN
 *     c->num[0] = 1.5;
 *     xp_frame *fold = frame_take(f, (size_t[]){2, 0}, 2);
 *     frame_free(fold); frame_free(f);
 *
 * Slices copy their rows: folds are built once per run and reused across trials, so a
 * copy costs less than the indirection a view would add to every model's inner loop.
 */
#include "frame.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

xp_frame *frame_new(size_t n_rows)
{
    xp_frame *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->n_rows = n_rows;
    f->row_id = malloc((n_rows ? n_rows : 1) * sizeof *f->row_id);
    if (!f->row_id) { free(f); return NULL; }
    for (size_t i = 0; i < n_rows; i++) f->row_id[i] = (int64_t)i;
    return f;
}

/* Vector tables are shared by the slices of a frame, which folds may free on their own
 * threads: the count is atomic. */
static void vectors_release(xp_vectors *v)
{
    if (v && __atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(v->data);
        free(v);
    }
}

static void column_free(xp_column *c, size_t n_rows)
{
    if (!c) return;
    free(c->vec_row);
    vectors_release(c->vectors);
    free(c->name);
    free(c->num);
    free(c->codes);
    for (size_t i = 0; i < c->n_levels; i++) free(c->levels[i]);
    free(c->levels);
    if (c->text)
        for (size_t i = 0; i < n_rows; i++) free(c->text[i]);
    free(c->text);
    free(c);
}

void frame_free(xp_frame *f)
{
    if (!f) return;
    for (size_t j = 0; j < f->n_cols; j++) column_free(f->cols[j], f->n_rows);
    free(f->cols);
    free(f->row_id);
    free(f);
}

static xp_column *column_new(const char *name, xp_col_type type, xp_role role, size_t n)
{
    xp_column *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->name = dup_str(name);
    c->type = type;
    c->role = role;
    size_t m = n ? n : 1;
    int ok = c->name != NULL;
    switch (type) {
    case XP_COL_NUMERIC:
    case XP_COL_BOOL:
        c->num = malloc(m * sizeof *c->num);
        ok = ok && c->num;
        if (ok) for (size_t i = 0; i < n; i++) c->num[i] = NAN;
        break;
    case XP_COL_CATEGORICAL:
        c->codes = malloc(m * sizeof *c->codes);
        ok = ok && c->codes;
        if (ok) for (size_t i = 0; i < n; i++) c->codes[i] = -1;
        break;
    case XP_COL_TEXT:
        c->text = calloc(m, sizeof *c->text);
        ok = ok && c->text;
        break;
    case XP_COL_VECTOR:
        c->vec_row = malloc(m * sizeof *c->vec_row);
        ok = ok && c->vec_row;
        if (ok) for (size_t i = 0; i < n; i++) c->vec_row[i] = -1;
        break;
    default:
        ok = 0;
    }
    if (!ok) { column_free(c, 0); return NULL; }
    return c;
}

static int attach(xp_frame *f, xp_column *c)
{
    if (f->n_cols == f->cap_cols) {
        size_t cap = f->cap_cols ? f->cap_cols * 2 : 16;
        xp_column **p = realloc(f->cols, cap * sizeof *p);
        if (!p) return -1;
        f->cols = p;
        f->cap_cols = cap;
    }
    f->cols[f->n_cols++] = c;
    return 0;
}

xp_column *frame_add(xp_frame *f, const char *name, xp_col_type type, xp_role role)
{
    if (!f || !name || frame_find(f, name)) return NULL;
    xp_column *c = column_new(name, type, role, f->n_rows);
    if (!c) return NULL;
    if (attach(f, c)) { column_free(c, f->n_rows); return NULL; }
    return c;
}

int frame_index(const xp_frame *f, const char *name)
{
    if (!f || !name) return -1;
    for (size_t j = 0; j < f->n_cols; j++)
        if (strcmp(f->cols[j]->name, name) == 0) return (int)j;
    return -1;
}

xp_column *frame_find(const xp_frame *f, const char *name)
{
    int j = frame_index(f, name);
    return j < 0 ? NULL : f->cols[j];
}

xp_column *frame_role(const xp_frame *f, xp_role role)
{
    for (size_t j = 0; f && j < f->n_cols; j++)
        if (f->cols[j]->role == role) return f->cols[j];
    return NULL;
}

void frame_drop(xp_frame *f, size_t j)
{
    if (!f || j >= f->n_cols) return;
    column_free(f->cols[j], f->n_rows);
    memmove(f->cols + j, f->cols + j + 1, (f->n_cols - j - 1) * sizeof *f->cols);
    f->n_cols--;
}

int32_t col_level(xp_column *c, const char *level)
{
    /* VECTOR columns may name their integer values too (a token vocabulary). */
    if (!c || (c->type != XP_COL_CATEGORICAL && c->type != XP_COL_VECTOR) || !level) return -1;
    /* Linear scan: categorical columns here have few levels; a column with thousands of
     * levels is text and should be typed so. */
    for (size_t i = 0; i < c->n_levels; i++)
        if (strcmp(c->levels[i], level) == 0) return (int32_t)i;
    if (c->n_levels >= INT32_MAX) return -1;
    if (c->n_levels == c->cap_levels) {
        size_t cap = c->cap_levels ? c->cap_levels * 2 : 8;
        char **p = realloc(c->levels, cap * sizeof *p);
        if (!p) return -1;
        c->levels = p;
        c->cap_levels = cap;
    }
    char *d = dup_str(level);
    if (!d) return -1;
    c->levels[c->n_levels] = d;
    return (int32_t)c->n_levels++;
}

int col_set_text(xp_column *c, size_t row, const char *s)
{
    if (!c || c->type != XP_COL_TEXT) return -1;
    char *d = NULL;
    if (s && !(d = dup_str(s))) return -2;
    free(c->text[row]);
    c->text[row] = d;
    return 0;
}

float *col_vectors(xp_column *c, size_t dim, size_t count)
{
    if (!c || c->type != XP_COL_VECTOR || dim == 0) return NULL;
    xp_vectors *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    if (count && dim > SIZE_MAX / sizeof(float) / count) { free(v); return NULL; }
    v->data = calloc(count ? count * dim : 1, sizeof *v->data);
    if (!v->data) { free(v); return NULL; }
    v->dim = dim;
    v->count = count;
    v->refs = 1;
    vectors_release(c->vectors);
    c->vectors = v;
    c->dim = dim;
    return v->data;
}

static xp_column *column_take(const xp_column *c, const size_t *rows, size_t n)
{
    xp_column *d = column_new(c->name, c->type, c->role, n);
    if (!d) return NULL;
    switch (c->type) {
    case XP_COL_NUMERIC:
    case XP_COL_BOOL:
        for (size_t i = 0; i < n; i++) d->num[i] = c->num[rows[i]];
        break;
    case XP_COL_CATEGORICAL:
        for (size_t i = 0; i < n; i++) d->codes[i] = c->codes[rows[i]];
        /* Levels are copied whole so codes mean the same in every slice. */
        for (size_t k = 0; k < c->n_levels; k++)
            if (col_level(d, c->levels[k]) < 0) { column_free(d, n); return NULL; }
        break;
    case XP_COL_TEXT:
        for (size_t i = 0; i < n; i++)
            if (c->text[rows[i]] && !(d->text[i] = dup_str(c->text[rows[i]]))) {
                column_free(d, n);
                return NULL;
            }
        break;
    case XP_COL_VECTOR:
        /* Rows are copied, the vectors shared: a fold of 40k rows costs 40k indexes. */
        for (size_t i = 0; i < n; i++) d->vec_row[i] = c->vec_row[rows[i]];
        if (c->vectors) __atomic_add_fetch(&c->vectors->refs, 1, __ATOMIC_ACQ_REL);
        d->vectors = c->vectors;
        d->dim = c->dim;
        for (size_t k = 0; k < c->n_levels; k++)
            if (col_level(d, c->levels[k]) < 0) { column_free(d, n); return NULL; }
        break;
    }
    return d;
}

xp_frame *frame_take(const xp_frame *f, const size_t *rows, size_t n)
{
    if (!f) return NULL;
    for (size_t i = 0; i < n; i++)
        if (rows[i] >= f->n_rows) return NULL;
    xp_frame *d = frame_new(n);
    if (!d) return NULL;
    for (size_t i = 0; i < n; i++) d->row_id[i] = f->row_id[rows[i]];
    for (size_t j = 0; j < f->n_cols; j++) {
        xp_column *c = column_take(f->cols[j], rows, n);
        if (!c || attach(d, c)) { column_free(c, n); frame_free(d); return NULL; }
    }
    return d;
}

xp_frame *frame_copy(const xp_frame *f)
{
    if (!f) return NULL;
    size_t *rows = malloc((f->n_rows ? f->n_rows : 1) * sizeof *rows);
    if (!rows) return NULL;
    for (size_t i = 0; i < f->n_rows; i++) rows[i] = i;
    xp_frame *d = frame_take(f, rows, f->n_rows);
    free(rows);
    return d;
}

double col_value(const xp_column *c, size_t i)
{
    switch (c->type) {
    case XP_COL_NUMERIC:
    case XP_COL_BOOL:
        return c->num[i];
    case XP_COL_CATEGORICAL:
        return c->codes[i] < 0 ? NAN : (double)c->codes[i];
    case XP_COL_TEXT:
    case XP_COL_VECTOR:
        return NAN;
    }
    return NAN;
}
