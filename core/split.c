/* core/split.c — grouped test holdout and grouped K-fold assignment (see split.h).
 *
 * Groups are shuffled with a seeded RNG; the test part takes whole groups until it holds
 * test_fraction of the rows; folds are filled greedily, largest groups first, each going to
 * the fold with fewest rows, so fold sizes stay balanced even with very unequal groups.
 */
#include "split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "xp/error.h"

static uint64_t mix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

typedef struct group {
    uint64_t key;                /* hash of the group value; distinct values, distinct keys */
    uint64_t order;              /* random rank */
    size_t size;
    int side;                    /* -1 test, else fold */
} group;

static int by_order(const void *a, const void *b)
{
    const group *x = a, *y = b;
    return (x->order > y->order) - (x->order < y->order);
}

static int by_size_desc(const void *a, const void *b)
{
    const group *x = *(group *const *)a, *y = *(group *const *)b;
    if (x->size != y->size) return (x->size < y->size) - (x->size > y->size);
    return (x->order > y->order) - (x->order < y->order);
}

/* Group key of row i: the value's text hashed; missing values get a key per row. */
static uint64_t row_key(const xp_column *c, size_t i, int grouped)
{
    char buf[64];
    if (!grouped || !c) return 0x8000000000000000ull ^ (uint64_t)i;
    switch (c->type) {
    case XP_COL_TEXT:
        if (c->text[i]) return fnv1a(c->text[i]);
        break;
    case XP_COL_CATEGORICAL:
        if (c->codes[i] >= 0) return fnv1a(c->levels[c->codes[i]]);
        break;
    case XP_COL_NUMERIC:
    case XP_COL_BOOL:
        if (!isnan(c->num[i])) {
            snprintf(buf, sizeof buf, "%.17g", c->num[i]);
            return fnv1a(buf);
        }
        break;
    case XP_COL_VECTOR:
        /* The same vector index means the same distinct input. */
        if (c->vec_row[i] >= 0) {
            snprintf(buf, sizeof buf, "v%d", (int)c->vec_row[i]);
            return fnv1a(buf);
        }
        break;
    }
    return 0x8000000000000000ull ^ (uint64_t)i;
}

/* Open-addressing map from key to group index. */
typedef struct keymap {
    uint64_t *keys;
    size_t *vals;
    size_t cap;
} keymap;

static size_t *keymap_slot(keymap *m, uint64_t key, int *found)
{
    size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
    while (m->vals[i] != (size_t)-1) {
        if (m->keys[i] == key) { *found = 1; return &m->vals[i]; }
        i = (i + 1) & (m->cap - 1);
    }
    *found = 0;
    m->keys[i] = key;
    return &m->vals[i];
}

int split_make(const xp_frame *f, const char *group_col, double test_fraction, int k,
               int grouped, uint64_t seed, split_plan *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    if (k < 2) { snprintf(err, n, "validation.folds must be >= 2, got %d", k); return XP_ECONFIG; }
    if (!(test_fraction >= 0 && test_fraction < 1)) {
        snprintf(err, n, "validation.test_fraction must be in [0, 1), got %g", test_fraction);
        return XP_ECONFIG;
    }
    const xp_column *gc = NULL;
    if (grouped && group_col) {
        gc = frame_find(f, group_col);
        if (!gc) { snprintf(err, n, "validation.group: no column '%s' in the data", group_col); return XP_ECONFIG; }
    }
    size_t rows = f->n_rows;
    if (rows < (size_t)k) {
        snprintf(err, n, "%zu rows cannot make %d folds: lower validation.folds, or give more rows", rows, k);
        return XP_EINVAL;
    }

    keymap m = { 0 };
    m.cap = 16;
    while (m.cap < 2 * rows) m.cap <<= 1;
    m.keys = malloc(m.cap * sizeof *m.keys);
    m.vals = malloc(m.cap * sizeof *m.vals);
    size_t *gid = malloc(rows * sizeof *gid);
    group *g = malloc(rows * sizeof *g);
    if (!m.keys || !m.vals || !gid || !g) goto nomem;
    for (size_t i = 0; i < m.cap; i++) m.vals[i] = (size_t)-1;

    size_t ng = 0;
    for (size_t i = 0; i < rows; i++) {
        int found;
        uint64_t key = row_key(gc, i, grouped && gc);
        size_t *slot = keymap_slot(&m, key, &found);
        if (!found) { *slot = ng; g[ng] = (group){ key, 0, 0, 0 }; ng++; }
        gid[i] = *slot;
        g[*slot].size++;
    }
    /* Random order by seed and key, independent of row order in the file. */
    uint64_t s = seed ^ 0xA5A5A5A5DEADBEEFull;
    uint64_t salt = mix(&s);
    for (size_t j = 0; j < ng; j++) {
        uint64_t x = g[j].key ^ salt;
        g[j].order = mix(&x);
    }
    /* Remember each group's slot before sorting. */
    size_t *perm = malloc(ng * sizeof *perm);
    group **bysize = malloc(ng * sizeof *bysize);
    if (!perm || !bysize) { free(perm); free(bysize); goto nomem; }
    for (size_t j = 0; j < ng; j++) g[j].side = (int)j;   /* temporarily: original index */
    qsort(g, ng, sizeof *g, by_order);
    for (size_t j = 0; j < ng; j++) perm[g[j].side] = j;

    size_t target_test = (size_t)llround(test_fraction * (double)rows), n_test = 0, j = 0;
    for (; j < ng && n_test < target_test; j++) { g[j].side = -1; n_test += g[j].size; }
    size_t nb = 0;
    for (; j < ng; j++) bysize[nb++] = &g[j];
    qsort(bysize, nb, sizeof *bysize, by_size_desc);
    size_t *fold_rows = calloc((size_t)k, sizeof *fold_rows);
    if (!fold_rows) { free(perm); free(bysize); goto nomem; }
    for (size_t b = 0; b < nb; b++) {
        int best = 0;
        for (int q = 1; q < k; q++) if (fold_rows[q] < fold_rows[best]) best = q;
        bysize[b]->side = best;
        fold_rows[best] += bysize[b]->size;
    }
    for (int q = 0; q < k; q++)
        if (!fold_rows[q]) {
            /* Whole groups go to one side: fewer groups left than folds leaves a fold empty. */
            char taken[96] = "";
            if (ng > nb) snprintf(taken, sizeof taken, " (%zu more taken by the test part)", ng - nb);
            snprintf(err, n, "only %zu group%s for %d folds%s, and every row of a group goes to one fold: fold %d "
                     "would be empty; use fewer folds or a finer group column",
                     nb, nb == 1 ? "" : "s", k, taken, q);
            free(fold_rows); free(perm); free(bysize); free(m.keys); free(m.vals); free(gid); free(g);
            return XP_EINVAL;
        }
    free(fold_rows);

    out->k = k;
    out->n_groups = ng;
    out->n_test_groups = ng - nb;
    for (size_t t = 0; t < ng - nb; t++)   /* the test part's groups are g[0 .. ng-nb) */
        if (g[t].size > out->largest_test_group) out->largest_test_group = g[t].size;
    out->test = malloc((n_test ? n_test : 1) * sizeof *out->test);
    out->dev = malloc((rows - n_test ? rows - n_test : 1) * sizeof *out->dev);
    out->fold = malloc((rows - n_test ? rows - n_test : 1) * sizeof *out->fold);
    if (!out->test || !out->dev || !out->fold) { free(perm); free(bysize); split_free(out); goto nomem; }
    int largest_seen = 0;
    for (size_t i = 0; i < rows; i++) {
        const group *gr = &g[perm[gid[i]]];
        if (gr->side < 0) {
            if (gr->size == out->largest_test_group && !largest_seen) {
                out->largest_test_row = i;
                largest_seen = 1;
            }
            out->test[out->n_test++] = i;
        }
        else { out->fold[out->n_dev] = gr->side; out->dev[out->n_dev++] = i; }
    }
    free(perm); free(bysize); free(m.keys); free(m.vals); free(gid); free(g);
    return XP_OK;
nomem:
    free(m.keys); free(m.vals); free(gid); free(g);
    snprintf(err, n, "out of memory making splits");
    return XP_ENOMEM;
}

void split_free(split_plan *p)
{
    free(p->test);
    free(p->dev);
    free(p->fold);
    memset(p, 0, sizeof *p);
}

size_t *split_fold_rows(const split_plan *p, int fold, int valid, size_t *n)
{
    size_t *rows = malloc((p->n_dev ? p->n_dev : 1) * sizeof *rows), m = 0;
    if (!rows) return NULL;
    for (size_t i = 0; i < p->n_dev; i++)
        if ((p->fold[i] == fold) == (valid != 0)) rows[m++] = p->dev[i];
    *n = m;
    return rows;
}
