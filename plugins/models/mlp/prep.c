/* prep.c — the mlp model's preprocessing, learned on the training rows only (mlp.h):
 *
 *   numeric / bool      (x - mean) / sd, clipped to +-input_clip; missing -> 0 plus a 0/1
 *                       indicator input when the column had missing values in training
 *   categorical         an embedding index per level (matched by level NAME, so frames with
 *                       other level orders work); missing and unseen levels share one more index
 *   vector (no levels)  per-dimension (x - mean) / sd, clipped; a missing row is all zeros
 *                       (the mean) plus an indicator
 *   text tower column   token ids remapped by word to the training vocabulary (unknown -> 1)
 *   image tower column  pixels as they are (the tower normalises them)
 * Statistics are weighted by the rows' sample weights, so zero-weight rows have no influence.
 *
 *     mlp_schema s;
 *     if (mlp_schema_fit(ctx, &cfg, train, w, &s)) return ...;
 *     mlp_data *d; int64_t *order; size_t *groups, n_groups;
 *     mlp_data_build(ctx, model, frame, y, w, &d, &order, &groups, &n_groups);
 */
#include "mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *mlp_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int nomem(xp_ctx *ctx)
{
    return xp_fail(ctx, XP_ENOMEM, "mlp: out of memory");
}

void mlp_schema_free(mlp_schema *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) {
        mlp_input *in = &s->in[i];
        free(in->name);
        for (size_t k = 0; k < in->n_levels; k++) free(in->levels[k]);
        free(in->levels);
        free(in->vmean);
        free(in->vsd);
    }
    free(s->in);
    memset(s, 0, sizeof *s);
    s->text = s->image = -1;
}

/* ------------------------------------------------------------------ string -> index map */

typedef struct strmap {
    const char **keys;
    int32_t *vals;
    size_t cap;
} strmap;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int strmap_build(strmap *m, char *const *keys, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    m->cap = cap;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = malloc(cap * sizeof *m->vals);
    if (!m->keys || !m->vals) { free(m->keys); free(m->vals); return -1; }
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)hash_str(keys[i]) & (cap - 1);
        while (m->keys[h] && strcmp(m->keys[h], keys[i])) h = (h + 1) & (cap - 1);
        if (!m->keys[h]) { m->keys[h] = keys[i]; m->vals[h] = (int32_t)i; }   /* first wins */
    }
    return 0;
}

static int32_t strmap_get(const strmap *m, const char *key)
{
    size_t h = (size_t)hash_str(key) & (m->cap - 1);
    while (m->keys[h]) {
        if (!strcmp(m->keys[h], key)) return m->vals[h];
        h = (h + 1) & (m->cap - 1);
    }
    return -1;
}

static void strmap_free(strmap *m)
{
    free(m->keys);
    free(m->vals);
}

/* remap[k] = the model's index of the frame's level k, or `unknown`. NULL remap (identity)
 * when the frame's levels are the model's. */
static int level_remap(const mlp_input *in, const xp_column *c, int32_t unknown, int32_t **out)
{
    *out = NULL;
    int same = c->n_levels <= in->n_levels;
    for (size_t k = 0; same && k < c->n_levels; k++) same = !strcmp(c->levels[k], in->levels[k]);
    if (same) return 0;
    int32_t *r = malloc((c->n_levels ? c->n_levels : 1) * sizeof *r);
    strmap m;
    if (!r || strmap_build(&m, in->levels, in->n_levels)) { free(r); return -1; }
    for (size_t k = 0; k < c->n_levels; k++) {
        int32_t v = strmap_get(&m, c->levels[k]);
        r[k] = v < 0 ? unknown : v;
    }
    strmap_free(&m);
    *out = r;
    return 0;
}

/* ------------------------------------------------------------------ target and weights */

int mlp_target_weights(xp_ctx *ctx, const xp_frame *f, int need_target, double **y, double **w,
                       const char *which)
{
    *y = *w = NULL;
    const xp_column *tc = NULL, *wc = NULL;
    for (size_t j = 0; j < f->n_cols; j++) {
        if (f->cols[j]->role == XP_ROLE_TARGET && !tc) tc = f->cols[j];
        if (f->cols[j]->role == XP_ROLE_WEIGHT && !wc) wc = f->cols[j];
    }
    size_t n = f->n_rows;
    if (need_target && !tc)
        return xp_fail(ctx, XP_EINVAL, "mlp: the %s frame has no target column (role target)", which);
    if (tc && tc->type != XP_COL_NUMERIC && tc->type != XP_COL_BOOL)
        return xp_fail(ctx, XP_EINVAL, "mlp: target column %s is %s; the model needs a numeric target",
                       tc->name, xp_col_type_name(tc->type));
    if (wc && wc->type != XP_COL_NUMERIC)
        return xp_fail(ctx, XP_EINVAL, "mlp: weight column %s is %s, not numeric", wc->name,
                       xp_col_type_name(wc->type));
    *w = malloc((n ? n : 1) * sizeof **w);
    if (!*w) return nomem(ctx);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double v = wc ? wc->num[i] : 1.0;
        if (!isfinite(v) || v < 0) bad++;
        (*w)[i] = v;
    }
    if (bad) {
        free(*w);
        *w = NULL;
        return xp_fail(ctx, XP_EINVAL, "mlp: %zu of %zu %s rows have a missing, negative or non-finite "
                       "weight (column %s)", bad, n, which, wc->name);
    }
    if (!tc) return XP_OK;
    *y = malloc((n ? n : 1) * sizeof **y);
    if (!*y) { free(*w); *w = NULL; return nomem(ctx); }
    for (size_t i = 0; i < n; i++) {
        (*y)[i] = tc->num[i];
        if (!isfinite(tc->num[i])) bad++;
    }
    if (bad && need_target) {
        free(*y); free(*w);
        *y = *w = NULL;
        return xp_fail(ctx, XP_EINVAL, "mlp: %zu of %zu %s rows have a missing or non-finite target "
                       "(column %s); drop or impute them before the model", bad, n, which, tc->name);
    }
    if (bad) { free(*y); *y = NULL; }   /* predict frames may carry an unknown target */
    return XP_OK;
}

/* ------------------------------------------------------------------ schema */

static int add_input(mlp_schema *s, size_t *cap, mlp_input **out)
{
    if (s->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        mlp_input *p = realloc(s->in, nc * sizeof *p);
        if (!p) return -1;
        s->in = p;
        *cap = nc;
    }
    *out = &s->in[s->n++];
    memset(*out, 0, sizeof **out);
    return 0;
}

static int copy_levels(mlp_input *in, const xp_column *c)
{
    in->n_levels = 0;
    in->levels = calloc(c->n_levels ? c->n_levels : 1, sizeof *in->levels);
    if (!in->levels) return -1;
    for (size_t k = 0; k < c->n_levels; k++) {
        if (!(in->levels[k] = mlp_strdup(c->levels[k]))) return -1;
        in->n_levels++;
    }
    return 0;
}

/* Weighted per-dimension mean and sd of a vector column over the rows; *missing = rows without
 * a vector. */
static int vector_stats(const xp_column *c, const double *w, size_t n, mlp_input *in, int *missing)
{
    size_t dim = c->dim, count = c->vectors ? c->vectors->count : 0;
    in->vmean = malloc(dim * sizeof *in->vmean);
    in->vsd = malloc(dim * sizeof *in->vsd);
    double *wk = calloc(count ? count : 1, sizeof *wk);
    double *s1 = calloc(dim, sizeof *s1), *s2 = calloc(dim, sizeof *s2);
    if (!in->vmean || !in->vsd || !wk || !s1 || !s2) { free(wk); free(s1); free(s2); return -1; }
    *missing = 0;
    double W = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t k = c->vec_row[i];
        if (k < 0 || (size_t)k >= count) { *missing = 1; continue; }
        wk[k] += w[i];
        W += w[i];
    }
    for (size_t k = 0; k < count; k++) {
        if (wk[k] <= 0) continue;
        const float *v = c->vectors->data + k * dim;
        for (size_t d = 0; d < dim; d++) s1[d] += wk[k] * v[d];
    }
    for (size_t d = 0; d < dim; d++) s1[d] = W > 0 ? s1[d] / W : 0;
    for (size_t k = 0; k < count; k++) {
        if (wk[k] <= 0) continue;
        const float *v = c->vectors->data + k * dim;
        for (size_t d = 0; d < dim; d++) {
            double z = v[d] - s1[d];
            s2[d] += wk[k] * z * z;
        }
    }
    for (size_t d = 0; d < dim; d++) {
        double sd = W > 0 ? sqrt(s2[d] / W) : 1;
        in->vmean[d] = (float)s1[d];
        in->vsd[d] = (float)(sd > 1e-8 ? sd : 1);
    }
    free(wk); free(s1); free(s2);
    return 0;
}

int mlp_schema_fit(xp_ctx *ctx, const mlp_config *cfg, const xp_frame *f, const double *w,
                   mlp_schema *s)
{
    memset(s, 0, sizeof *s);
    s->text = s->image = -1;
    size_t cap = 0, n = f->n_rows;
    char skipped[512] = "";
    size_t n_skipped = 0;
    int rc = XP_OK;
    for (size_t j = 0; j < f->n_cols; j++) {
        const xp_column *c = f->cols[j];
        if (c->role != XP_ROLE_FEATURE) continue;
        if (c->type == XP_COL_TEXT) {
            size_t used = strlen(skipped);
            if (used + strlen(c->name) + 8 < sizeof skipped)
                snprintf(skipped + used, sizeof skipped - used, "%s%s", n_skipped ? ", " : "", c->name);
            n_skipped++;
            continue;
        }
        mlp_input *in;
        if (add_input(s, &cap, &in) || !(in->name = mlp_strdup(c->name))) { rc = nomem(ctx); goto fail; }
        in->col_type = c->type;
        if (c->type == XP_COL_NUMERIC || c->type == XP_COL_BOOL) {
            in->kind = IN_NUM;
            double W = 0, s1 = 0, s2 = 0;
            for (size_t i = 0; i < n; i++) {
                double v = c->num[i];
                if (!isfinite(v)) { in->indicator = 1; continue; }
                W += w[i];
                s1 += w[i] * v;
            }
            in->mean = W > 0 ? s1 / W : 0;
            for (size_t i = 0; i < n; i++) {
                double v = c->num[i];
                if (isfinite(v)) s2 += w[i] * (v - in->mean) * (v - in->mean);
            }
            double sd = W > 0 ? sqrt(s2 / W) : 1;
            in->sd = sd > 1e-12 ? sd : 1;
            s->n_dense += 1 + (size_t)in->indicator;
        } else if (c->type == XP_COL_CATEGORICAL) {
            in->kind = IN_CAT;
            if (copy_levels(in, c)) { rc = nomem(ctx); goto fail; }
            int64_t wd = ((int64_t)c->n_levels + 1) / 2;
            if (wd > cfg->cat_width) wd = cfg->cat_width;
            in->width = wd < 1 ? 1 : wd;
            s->n_cat++;
        } else if (c->type == XP_COL_VECTOR) {
            int is_text = cfg->text_column && !strcmp(c->name, cfg->text_column);
            int is_image = cfg->image_column && !strcmp(c->name, cfg->image_column);
            if (!c->vectors || c->dim == 0) {
                rc = xp_fail(ctx, XP_EINVAL, "mlp: vector column %s has no vectors in the training "
                             "frame", c->name);
                goto fail;
            }
            in->dim = c->dim;
            int missing = 0;
            for (size_t i = 0; i < n && !missing; i++) missing = c->vec_row[i] < 0;
            in->indicator = missing;
            if (is_text) {
                if (c->n_levels < 2) {
                    rc = xp_fail(ctx, XP_EINVAL, "mlp: text_tower.column %s has no vocabulary (levels); "
                                 "it must hold token ids (the tokens encoder)", c->name);
                    goto fail;
                }
                in->kind = IN_TEXT;
                if (copy_levels(in, c)) { rc = nomem(ctx); goto fail; }
                s->text = (int)(s->n - 1);
            } else if (is_image) {
                size_t size = cfg->image_size;
                if (!size) {
                    size = (size_t)llround(sqrt((double)c->dim / 3.0));
                    if (3 * size * size != c->dim) size = 0;
                }
                if (!size || 3 * size * size != c->dim) {
                    rc = xp_fail(ctx, XP_EINVAL, "mlp: image_tower.column %s holds %zu floats per row, "
                                 "not 3 x size x size%s", c->name, c->dim,
                                 cfg->image_size ? " for the configured size" : "");
                    goto fail;
                }
                in->kind = IN_IMAGE;
                s->image = (int)(s->n - 1);
            } else if (c->n_levels) {
                rc = xp_fail(ctx, XP_EINVAL, "mlp: vector column %s holds token ids (it has a vocabulary "
                             "of %zu words): name it in text_tower.column, or drop it",
                             c->name, c->n_levels);
                goto fail;
            } else {
                in->kind = IN_VEC;
                if (vector_stats(c, w, n, in, &missing)) { rc = nomem(ctx); goto fail; }
                s->n_vec++;
            }
            s->n_dense += (size_t)in->indicator;
        } else {
            rc = xp_fail(ctx, XP_EINVAL, "mlp: column %s has an unknown type %d", c->name, (int)c->type);
            goto fail;
        }
    }
    if (n_skipped)
        xp_log(ctx, XP_LOG_WARN, "mlp: skipping %zu text feature column(s) (%s): encode them first "
               "(text_glove, tokens)", n_skipped, skipped);
    if (cfg->text_column && s->text < 0) {
        rc = xp_fail(ctx, XP_EINVAL, "mlp: text_tower.column %s is not a vector feature column of the "
                     "training frame", cfg->text_column);
        goto fail;
    }
    if (cfg->image_column && s->image < 0) {
        rc = xp_fail(ctx, XP_EINVAL, "mlp: image_tower.column %s is not a vector feature column of the "
                     "training frame", cfg->image_column);
        goto fail;
    }
    if (s->n == 0) {
        rc = xp_fail(ctx, XP_EINVAL, "mlp: the training frame has no feature columns");
        goto fail;
    }
    return XP_OK;
fail:
    mlp_schema_free(s);
    return rc;
}

/* ------------------------------------------------------------------ spec */

void mlp_make_spec(const mlp_model *m, mlp_spec *p, int64_t *buf)
{
    const mlp_config *c = &m->cfg;
    const mlp_schema *s = &m->sc;
    memset(p, 0, sizeof *p);
    int64_t *card = buf, *width = buf + s->n, *vdim = buf + 2 * s->n;
    p->n_num = (int64_t)s->n_dense;
    for (size_t i = 0; i < s->n; i++) {
        const mlp_input *in = &s->in[i];
        if (in->kind == IN_CAT) {
            card[p->n_cat] = (int64_t)in->n_levels + 1;
            width[p->n_cat] = in->width;
            p->n_cat++;
        } else if (in->kind == IN_VEC) {
            vdim[p->n_vec++] = (int64_t)in->dim;
        }
    }
    p->cat_card = card;
    p->cat_width = width;
    p->vec_dim = vdim;
    p->proj_dim = c->proj_dim;
    if (s->text >= 0) {
        const mlp_input *t = &s->in[s->text];
        p->text_vocab = (int64_t)t->n_levels;
        p->text_len = (int64_t)t->dim;
        p->text_dim = c->text_dim;
        p->text_kind = c->text_kind;
        p->text_hidden = c->text_hidden;
        p->text_norm = c->text_norm;
    }
    if (s->image >= 0) {
        const mlp_input *im = &s->in[s->image];
        p->image_size = (int64_t)llround(sqrt((double)im->dim / 3.0));
        p->n_conv = c->n_conv;
        for (int64_t k = 0; k < c->n_conv; k++) p->conv[k] = c->conv[k];
        p->image_norm = c->image_norm;
        p->image_augment = c->image_augment;
        p->image_words = c->text_column ? c->image_words : 0;
    }
    p->n_hidden = c->n_hidden;
    for (int64_t k = 0; k < c->n_hidden; k++) p->hidden[k] = c->hidden[k];
    p->dropout = c->dropout;
    p->act = c->act;
    p->wide = c->wide;
    p->out_bias = 0;
}

/* ------------------------------------------------------------------ frame -> data */

static const xp_column *find_col(const xp_frame *f, const char *name)
{
    for (size_t j = 0; j < f->n_cols; j++)
        if (!strcmp(f->cols[j]->name, name)) return f->cols[j];
    return NULL;
}

static const char *kind_name(int kind)
{
    switch (kind) {
    case IN_NUM: return "numeric";
    case IN_CAT: return "categorical";
    case IN_VEC: return "vector";
    case IN_TEXT: return "token (text_tower)";
    case IN_IMAGE: return "pixel (image_tower)";
    }
    return "?";
}

static float clipf(double v, double lim)
{
    if (v > lim) v = lim;
    if (v < -lim) v = -lim;
    return (float)v;
}

/* Rows sorted by key (-1 = no key: a group of its own), groups = runs of one key. */
static int group_rows(const int32_t *key, size_t n, size_t count, int64_t **order_out,
                      size_t **groups_out, size_t *n_groups_out)
{
    int64_t *order = malloc((n ? n : 1) * sizeof *order);
    size_t *groups = malloc((n + 1) * sizeof *groups);
    size_t *start = calloc(count + 2, sizeof *start);
    if (!order || !groups || !start) { free(order); free(groups); free(start); return -1; }
    size_t ng = 0, k = 0;
    if (!key) {
        for (size_t i = 0; i < n; i++) { order[i] = (int64_t)i; groups[i] = i; }
        ng = n;
        k = n;
    } else {
        /* counting sort on key + 1; key -1 rows come first, one group each */
        for (size_t i = 0; i < n; i++) start[key[i] + 1 + 1]++;
        for (size_t b = 1; b < count + 2; b++) start[b] += start[b - 1];
        size_t *pos = malloc((count + 1) * sizeof *pos);
        if (!pos) { free(order); free(groups); free(start); return -1; }
        memcpy(pos, start, (count + 1) * sizeof *pos);
        for (size_t i = 0; i < n; i++) order[pos[key[i] + 1]++] = (int64_t)i;
        free(pos);
        for (size_t i = 0; i < start[1]; i++) groups[ng++] = i;   /* missing: singletons */
        for (size_t b = 1; b < count + 1; b++)
            if (start[b + 1] > start[b]) groups[ng++] = start[b];
        k = n;
    }
    groups[ng] = k;
    free(start);
    *order_out = order;
    *groups_out = groups;
    *n_groups_out = ng;
    return 0;
}

int mlp_data_build(xp_ctx *ctx, const mlp_model *m, const xp_frame *f, const double *y,
                   const double *w, mlp_data **out, int64_t **order, size_t **groups,
                   size_t *n_groups)
{
    const mlp_schema *s = &m->sc;
    const double lim = m->cfg.input_clip > 0 ? m->cfg.input_clip : INFINITY;
    size_t n = f->n_rows;
    *out = NULL;
    int rc = XP_OK;
    const xp_column **cols = calloc(s->n ? s->n : 1, sizeof *cols);
    float *dense = calloc((n ? n : 1) * (s->n_dense ? s->n_dense : 1), sizeof *dense);
    int64_t *cat = malloc((n ? n : 1) * (s->n_cat ? s->n_cat : 1) * sizeof *cat);
    float **vt = calloc(s->n_vec ? s->n_vec : 1, sizeof *vt);
    int64_t *vcount = calloc(s->n_vec ? s->n_vec : 1, sizeof *vcount);
    const int32_t **vrow = calloc(s->n_vec ? s->n_vec : 1, sizeof *vrow);
    float *yf = y ? malloc((n ? n : 1) * sizeof *yf) : NULL;
    float *wf = y ? malloc((n ? n : 1) * sizeof *wf) : NULL;
    int64_t *tt = NULL;
    int32_t *remap = NULL;
    if (!cols || !dense || !cat || !vt || !vcount || !vrow || (y && (!yf || !wf))) { rc = nomem(ctx); goto done; }

    /* every input's column, with the right type */
    for (size_t i = 0; i < s->n; i++) {
        const mlp_input *in = &s->in[i];
        const xp_column *c = find_col(f, in->name);
        if (!c) {
            rc = xp_fail(ctx, XP_ENOTFOUND, "mlp: column %s (a %s input the model was trained on) is "
                         "missing from the frame", in->name, kind_name(in->kind));
            goto done;
        }
        int ok = in->kind == IN_NUM ? (c->type == XP_COL_NUMERIC || c->type == XP_COL_BOOL)
               : in->kind == IN_CAT ? c->type == XP_COL_CATEGORICAL
               : c->type == XP_COL_VECTOR;
        if (!ok) {
            rc = xp_fail(ctx, XP_EINVAL, "mlp: column %s is %s here but was %s when the model was "
                         "trained", in->name, xp_col_type_name(c->type),
                         xp_col_type_name((xp_col_type)in->col_type));
            goto done;
        }
        if (c->type == XP_COL_VECTOR && c->vectors && c->dim != in->dim) {
            rc = xp_fail(ctx, XP_EINVAL, "mlp: vector column %s has %zu floats per row here but %zu "
                         "when the model was trained", in->name, c->dim, in->dim);
            goto done;
        }
        cols[i] = c;
    }

    mlp_data_desc d;
    memset(&d, 0, sizeof d);
    d.n_rows = (int64_t)n;
    size_t col = 0, ci = 0, vi = 0;
    const size_t nd = s->n_dense;
    for (size_t i = 0; i < s->n; i++) {
        const mlp_input *in = &s->in[i];
        const xp_column *c = cols[i];
        if (in->kind == IN_NUM) {
            for (size_t r = 0; r < n; r++) {
                double v = c->num[r];
                int miss = !isfinite(v);
                dense[r * nd + col] = miss ? 0.0f : clipf((v - in->mean) / in->sd, lim);
                if (in->indicator) dense[r * nd + col + 1] = (float)miss;
            }
            col += 1 + (size_t)in->indicator;
        } else if (in->kind == IN_CAT) {
            int32_t unknown = (int32_t)in->n_levels;
            if (level_remap(in, c, unknown, &remap)) { rc = nomem(ctx); goto done; }
            for (size_t r = 0; r < n; r++) {
                int32_t k = c->codes[r];
                int32_t v = k < 0 || (size_t)k >= c->n_levels ? unknown : remap ? remap[k] : k;
                cat[r * s->n_cat + ci] = v;
            }
            free(remap);
            remap = NULL;
            ci++;
        } else {
            if (in->indicator)
                for (size_t r = 0; r < n; r++) dense[r * nd + col] = (float)(c->vec_row[r] < 0);
            col += (size_t)in->indicator;
            size_t count = c->vectors ? c->vectors->count : 0;
            const float *src = c->vectors ? c->vectors->data : NULL;
            if (in->kind == IN_VEC) {
                float *t = malloc((count ? count : 1) * in->dim * sizeof *t);
                if (!t) { rc = nomem(ctx); goto done; }
                for (size_t k = 0; k < count; k++)
                    for (size_t q = 0; q < in->dim; q++)
                        t[k * in->dim + q] = clipf((src[k * in->dim + q] - in->vmean[q]) / in->vsd[q], lim);
                vt[vi] = t;
                vcount[vi] = (int64_t)count;
                vrow[vi] = c->vec_row;
                vi++;
            } else if (in->kind == IN_TEXT) {
                /* ids -> the training vocabulary, by word */
                if (level_remap(in, c, 1, &remap)) { rc = nomem(ctx); goto done; }
                tt = malloc((count ? count : 1) * in->dim * sizeof *tt);
                if (!tt) { rc = nomem(ctx); goto done; }
                for (size_t k = 0; k < count * in->dim; k++) {
                    float v = src[k];
                    int64_t id = v >= 0 && v < (float)c->n_levels ? (int64_t)v : 1;
                    if (id != 0 && remap) id = remap[id];
                    tt[k] = id;
                }
                free(remap);
                remap = NULL;
                d.text_table = tt;
                d.text_count = (int64_t)count;
                d.text_row = c->vec_row;
            } else {
                d.image_table = src;
                d.image_count = (int64_t)count;
                d.image_row = c->vec_row;
            }
        }
    }
    d.num = dense;
    d.cat = cat;
    d.vec_table = (const float *const *)vt;
    d.vec_count = vcount;
    d.vec_row = vrow;
    if (y) {
        for (size_t r = 0; r < n; r++) {
            yf[r] = (float)((y[r] - s->y_mean) / s->y_sd);
            wf[r] = (float)(w ? w[r] : 1.0);
        }
        d.y = yf;
        d.w = wf;
    }
    mlp_err e = { 0, "" };
    if ((rc = mlp_data_new(m->net, &d, out, &e))) {
        rc = xp_fail(ctx, rc, "mlp: %s", e.msg);
        goto done;
    }
    if (order) {
        const int32_t *key = NULL;
        size_t count = 0;
        int k = s->image >= 0 ? s->image : s->text;
        if (k >= 0 && cols[k]->vectors) {
            key = cols[k]->vec_row;
            count = cols[k]->vectors->count;
        }
        if (group_rows(key, n, count, order, groups, n_groups)) {
            mlp_data_free(*out);
            *out = NULL;
            rc = nomem(ctx);
        }
    }
done:
    for (size_t j = 0; vt && j < s->n_vec; j++) free(vt[j]);
    free(vt); free(vcount); free(vrow);
    free(cols); free(dense); free(cat); free(yf); free(wf); free(tt); free(remap);
    return rc;
}
