/* plugins/models/xgboost/linear_start.c — boosting from a linear model instead of a constant
 * (`linear_start: K` in the model's config, K = the most columns it may use; 0 = off).
 *
 *     xgb_linear l;
 *     xgb_linear_fit(ctx, train_frame, &schema, 1, &l);     // e.g. 16.6 + 2.8 * z(log1p(US Gross))
 *     xgb_data_for(ctx, d, frame, &schema, &l, threads, &use, &own);   // d with its base_margin
 *     ...
 *     xgb_linear_free(&l);
 *
 * Why: trees approximate a straight line by a staircase. Where the target follows one column
 * closely (a film's worldwide gross and its US gross, in log space), each tree spends its
 * splits re-drawing that staircase and the folds' early stopping ends it coarse: with XGBoost's
 * hist (256 bins) on Vega's films the trees alone reach CV RMSLE ~1.12, boosting from a
 * one-column least-squares line ~1.05 at the same hyperparameters (bench/datasets,
 * linear_start). The trees then fit what the line leaves, non-linear parts included.
 *
 * The line, fitted on the training rows only (weighted when the frame has weights):
 *   - candidates are the numeric and bool features; each enters as itself or as log1p (when it
 *     has no negative value), whichever correlates more with the target, standardised; its
 *     missing values get a level (a coefficient) of their own, and so do the zeros of a log1p
 *     column: log1p(0) lies far below the rest of a skewed column, and a film with no US gross
 *     is not a very small one (on the films, without that level the line put those films at
 *     ~$10 and the trees, whose leaves need many rows, did not pull them back);
 *   - up to K columns are chosen greedily, each the one that lowers the residual sum of squares
 *     most given those already chosen; one that lowers it by less than 1% stops the choice;
 *   - the coefficients are least squares with a small ridge (1e-3 per row, not on the
 *     intercept) for stability;
 *   - a value outside the training rows' range counts as the nearest end of it, as it does for
 *     a tree: the line does not extrapolate (an outlier in new data cannot run away with it).
 * Every matrix the booster trains or evaluates on carries the line as XGBoost's base_margin;
 * a prediction on a matrix without one adds the line to XGBoost's output (base_score is 0).
 * The line is saved with the model as booster attribute `xp_linear_start`.
 *
 * Prepared matrices are shared by trials and folds running side by side, so a margin is set on
 * one at most once, under its lock, and only when every user wants the same line (the same
 * training rows give the same line); a matrix already used otherwise is copied instead.
 */
#include "xgb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XGB_LINEAR_MIN_GAIN 0.01     /* a column must remove >= 1% of the residual sum of squares */
#define XGB_LINEAR_RIDGE 1e-3        /* per unit of total weight, on standardised columns */

void xgb_linear_free(xgb_linear *l)
{
    if (!l) return;
    free(l->terms);
    memset(l, 0, sizeof *l);
}

/* FNV-1a over the numbers that define the line: which margin a matrix carries. */
static uint64_t hash_bytes(uint64_t h, const void *v, size_t n)
{
    const unsigned char *p = v;
    for (size_t k = 0; k < n; k++) h = (h ^ p[k]) * 1099511628211ull;
    return h;
}

static uint64_t linear_key(const xgb_linear *l)
{
    uint64_t h = hash_bytes(1469598103934665603ull, &l->intercept, sizeof l->intercept);
    for (size_t t = 0; t < l->n; t++) {
        const xgb_linear_term *term = &l->terms[t];
        uint64_t j = term->feature, flags = (uint64_t)term->log1p | (uint64_t)term->zero_level << 1;
        const double v[7] = { term->center, term->scale, term->coef, term->lo, term->hi,
                              term->zero_coef, term->missing_coef };
        h = hash_bytes(h, &j, sizeof j);
        h = hash_bytes(h, &flags, sizeof flags);
        h = hash_bytes(h, v, sizeof v);
    }
    return h | 1;      /* never 0: 0 is "no line" */
}

/* What a term adds for a raw cell. */
static double term_value(const xgb_linear_term *t, double v)
{
    if (isnan(v)) return t->missing_coef;
    v = v < t->lo ? t->lo : v > t->hi ? t->hi : v;
    if (t->zero_level && v == 0) return t->zero_coef;
    if (t->log1p) v = log1p(v);
    return t->coef * (v - t->center) / t->scale;
}

/* A candidate column. Its design columns — the standardised slope (0 on zero and missing
 * rows), and 0/1 indicators of its zero level and of missing, when the training rows have
 * them — are written into a slot's buffers only while it is tried (fill_columns): 500 word
 * columns x 40k rows would otherwise hold half a gigabyte. */
typedef struct candidate {
    xgb_linear_term term;
    const double *x;        /* the frame's column */
    size_t n_cols;          /* 1 to 3 */
} candidate;

static double wsum(const double *w, size_t i) { return w ? w[i] : 1.0; }

/* Weighted correlation of f(x) with y over the rows x is present in (and not 0 when skip_zero);
 * sets the mean and sd of f(x) there. */
static double corr_with(const double *x, int lg, int skip_zero, const double *y, const double *w,
                        size_t n, double *mean, double *sd)
{
    double sw = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || (skip_zero && x[i] == 0)) continue;
        double v = lg ? log1p(x[i]) : x[i];
        sw += wsum(w, i); sx += wsum(w, i) * v; sy += wsum(w, i) * y[i];
    }
    *mean = 0;
    *sd = 0;
    if (sw <= 0) return 0;
    double mx = sx / sw, my = sy / sw, cxx = 0, cyy = 0, cxy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || (skip_zero && x[i] == 0)) continue;
        double v = (lg ? log1p(x[i]) : x[i]) - mx, u = y[i] - my;
        cxx += wsum(w, i) * v * v; cyy += wsum(w, i) * u * u; cxy += wsum(w, i) * v * u;
    }
    *mean = mx;
    *sd = sqrt(cxx / sw);
    return cxx > 0 && cyy > 0 ? fabs(cxy) / sqrt(cxx * cyy) : 0;
}

/* Solves the k x k system A b = r in place (Gaussian elimination with partial pivoting). */
static int solve(double *A, double *r, size_t k)
{
    for (size_t c = 0; c < k; c++) {
        size_t p = c;
        for (size_t i = c + 1; i < k; i++) if (fabs(A[i * k + c]) > fabs(A[p * k + c])) p = i;
        if (!(fabs(A[p * k + c]) > 0)) return -1;
        if (p != c) {
            for (size_t j = 0; j < k; j++) { double t = A[c * k + j]; A[c * k + j] = A[p * k + j]; A[p * k + j] = t; }
            double t = r[c]; r[c] = r[p]; r[p] = t;
        }
        for (size_t i = c + 1; i < k; i++) {
            double f = A[i * k + c] / A[c * k + c];
            for (size_t j = c; j < k; j++) A[i * k + j] -= f * A[c * k + j];
            r[i] -= f * r[c];
        }
    }
    for (size_t c = k; c-- > 0;) {
        for (size_t j = c + 1; j < k; j++) r[c] -= A[c * k + j] * r[j];
        r[c] /= A[c * k + c];
    }
    return 0;
}

static const xp_column *role_column(const xp_frame *f, xp_role role)
{
    for (size_t j = 0; j < f->n_cols; j++)
        if (f->cols[j]->role == role) return f->cols[j];
    return NULL;
}

/* Sets up candidate k for column x; 0 when it can enter the line, -1 when not (too few
 * values, constant). */
static int candidate_init(candidate *k, size_t feature, const double *x, const double *y,
                          const double *w, size_t n)
{
    size_t present = 0, zeros = 0, missing = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) { missing++; continue; }
        if (!isfinite(x[i])) continue;
        present++;
        zeros += x[i] == 0;
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    if (present < 10 || !(hi > lo)) return -1;
    memset(k, 0, sizeof *k);
    xgb_linear_term *t = &k->term;
    t->feature = feature;
    t->lo = lo;
    t->hi = hi;
    double m0, s0, m1, s1;
    double r0 = corr_with(x, 0, 0, y, w, n, &m0, &s0);
    /* log1p(0) sits far below the rest of a skewed column (a film with no US gross is not a
     * small one): its rows get a level of their own, and the slope is fitted on the others. */
    int zero_level = lo >= 0 && zeros > 0 && present - zeros >= 10;
    double r1 = lo >= 0 ? corr_with(x, 1, zero_level, y, w, n, &m1, &s1) : -1;
    t->log1p = r1 > r0;
    t->zero_level = t->log1p && zero_level;
    t->center = t->log1p ? m1 : m0;
    t->scale = t->log1p ? s1 : s0;
    if (!(t->scale > 0) || !isfinite(t->scale)) return -1;
    k->x = x;
    k->n_cols = 1 + (size_t)t->zero_level + (missing > 0);
    t->missing_coef = missing ? 1 : 0;      /* marks the indicator's presence until solved */
    return 0;
}

/* Writes candidate k's design columns into col[0 .. k->n_cols - 1] (n values each). */
static void fill_columns(const candidate *k, size_t n, double *const col[3])
{
    const xgb_linear_term *t = &k->term;
    for (size_t c = 0; c < k->n_cols; c++) memset(col[c], 0, n * sizeof *col[c]);
    for (size_t i = 0; i < n; i++) {
        double v = k->x[i];
        if (isnan(v)) { if (t->missing_coef) col[k->n_cols - 1][i] = 1; continue; }
        v = v < t->lo ? t->lo : v > t->hi ? t->hi : v;
        if (t->zero_level && v == 0) { col[1][i] = 1; continue; }
        col[0][i] = ((t->log1p ? log1p(v) : v) - t->center) / t->scale;
    }
}

/* Least squares of y on an intercept and the design columns of the chosen candidates, with a
 * small ridge on all but the intercept. beta[0] is the intercept; returns the weighted RSS,
 * or -1 when the system is singular. */
static double fit_chosen(const candidate *cand, const size_t *chosen, size_t k,
                         double *const *slot_cols, const double *y, const double *w, size_t n,
                         double sw, double *A, double *beta)
{
    const double *cols[1 + 3 * 64];
    size_t m = 0;
    cols[m++] = NULL;                                   /* the intercept: all ones */
    for (size_t t = 0; t < k; t++)
        for (size_t c = 0; c < cand[chosen[t]].n_cols; c++) cols[m++] = slot_cols[3 * t + c];
    for (size_t a = 0; a < m; a++) {
        double r = 0;
        for (size_t i = 0; i < n; i++) r += wsum(w, i) * (cols[a] ? cols[a][i] : 1) * y[i];
        beta[a] = r;
        for (size_t b = a; b < m; b++) {
            double g = 0;
            for (size_t i = 0; i < n; i++)
                g += wsum(w, i) * (cols[a] ? cols[a][i] : 1) * (cols[b] ? cols[b][i] : 1);
            A[a * m + b] = A[b * m + a] = g + (a == b && a ? XGB_LINEAR_RIDGE * sw : 0);
        }
    }
    if (solve(A, beta, m)) return -1;
    double rss = 0;
    for (size_t i = 0; i < n; i++) {
        double u = y[i] - beta[0];
        for (size_t a = 1; a < m; a++) u -= beta[a] * cols[a][i];
        rss += wsum(w, i) * u * u;
    }
    return rss;
}

int xgb_linear_fit(xp_ctx *ctx, const xp_frame *train, const xgb_schema *s, int64_t max_terms,
                   xgb_linear *out)
{
    memset(out, 0, sizeof *out);
    const xp_column *yc = role_column(train, XP_ROLE_TARGET), *wc = role_column(train, XP_ROLE_WEIGHT);
    if (!yc || (yc->type != XP_COL_NUMERIC && yc->type != XP_COL_BOOL))
        return xp_fail(ctx, XP_EINVAL, "xgboost: linear_start needs a numeric target column");
    size_t n = train->n_rows;
    const double *y = yc->num;
    const double *w = wc && (wc->type == XP_COL_NUMERIC || wc->type == XP_COL_BOOL) ? wc->num : NULL;
    double sw = 0, sy = 0;
    for (size_t i = 0; i < n; i++) { sw += wsum(w, i); sy += wsum(w, i) * y[i]; }
    if (!(sw > 0)) return xp_fail(ctx, XP_EINVAL, "xgboost: linear_start: the training rows have no weight");
    out->intercept = sy / sw;
    double tss = 0;
    for (size_t i = 0; i < n; i++) { double u = y[i] - out->intercept; tss += wsum(w, i) * u * u; }

    size_t cap = (size_t)(max_terms > 0 ? max_terms : 0), m_max = 1 + 3 * cap;
    candidate *cand = calloc(s->n ? s->n : 1, sizeof *cand);
    size_t *chosen = calloc(cap + 1, sizeof *chosen);
    double *A = malloc(m_max * m_max * sizeof *A), *beta = malloc(m_max * sizeof *beta);
    /* kept_beta: the accepted fit; step_beta: the best of the step under way, which may yet be
     * refused (a column removing < 1%) and must not overwrite the accepted one. */
    double *kept_beta = malloc(m_max * sizeof *kept_beta), *step_beta = malloc(m_max * sizeof *step_beta);
    /* Slots 0 .. cap-1 hold the chosen terms' columns, slot k the one being tried. */
    double **slot_cols = calloc(3 * (cap + 1), sizeof *slot_cols);
    size_t n_cand = 0, k = 0;
    int rc = XP_OK;
    if (!cand || !chosen || !A || !beta || !kept_beta || !step_beta || !slot_cols) { rc = XP_ENOMEM; goto done; }
    for (size_t q = 0; q < 3 * (cap + 1); q++)
        if (!(slot_cols[q] = malloc((n ? n : 1) * sizeof **slot_cols))) { rc = XP_ENOMEM; goto done; }
    for (size_t j = 0; j < s->n; j++) {
        if (s->is_cat[j]) continue;
        const xp_column *c = ctx->host->frame_find(train, s->names[j]);
        if (!c || (c->type != XP_COL_NUMERIC && c->type != XP_COL_BOOL)) continue;
        if (candidate_init(&cand[n_cand], j, c->num, y, w, n) == 0) n_cand++;
    }

    /* Greedy forward choice: the column whose fit with those chosen leaves the smallest
     * residual sum of squares, every coefficient refitted each time (k is small). */
    double rss = tss;
    while (k < cap && rss > 0) {
        size_t best = n_cand;
        double best_rss = rss;
        for (size_t c = 0; c < n_cand; c++) {
            int taken = 0;
            for (size_t t = 0; t < k; t++) taken |= chosen[t] == c;
            if (taken) continue;
            chosen[k] = c;
            fill_columns(&cand[c], n, slot_cols + 3 * k);
            double r = fit_chosen(cand, chosen, k + 1, slot_cols, y, w, n, sw, A, beta);
            if (r >= 0 && r < best_rss) {
                best_rss = r;
                best = c;
                memcpy(step_beta, beta, m_max * sizeof *beta);
            }
        }
        if (best == n_cand || best_rss > (1.0 - XGB_LINEAR_MIN_GAIN) * rss) break;
        chosen[k] = best;
        fill_columns(&cand[best], n, slot_cols + 3 * k);
        k++;
        rss = best_rss;
        memcpy(kept_beta, step_beta, m_max * sizeof *kept_beta);
    }
    if (k) {
        if (!(out->terms = calloc(k, sizeof *out->terms))) { rc = XP_ENOMEM; goto done; }
        out->intercept = kept_beta[0];
        size_t a = 1;
        for (size_t t = 0; t < k; t++) {
            const candidate *c = &cand[chosen[t]];
            xgb_linear_term *term = &out->terms[t];
            *term = c->term;
            term->coef = kept_beta[a++];
            term->zero_coef = term->zero_level ? kept_beta[a++] : 0;
            term->missing_coef = c->term.missing_coef ? kept_beta[a++] : 0;
        }
        out->n = k;
    }
    out->r2 = tss > 0 ? 1.0 - rss / tss : 0;
done:
    for (size_t q = 0; slot_cols && q < 3 * (cap + 1); q++) free(slot_cols[q]);
    free(slot_cols);
    free(cand); free(chosen); free(A); free(beta); free(kept_beta); free(step_beta);
    if (rc) {
        xgb_linear_free(out);
        return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory fitting the linear start");
    }
    out->key = linear_key(out);
    return XP_OK;
}

static int linear_copy(const xgb_linear *src, xgb_linear *dst)
{
    *dst = *src;
    dst->terms = NULL;
    if (src->n && !(dst->terms = malloc(src->n * sizeof *dst->terms))) {
        memset(dst, 0, sizeof *dst);
        return XP_ENOMEM;
    }
    if (src->n) memcpy(dst->terms, src->terms, src->n * sizeof *dst->terms);
    return XP_OK;
}

int xgb_linear_for(xp_ctx *ctx, xgb_data *tr, const xp_frame *train, const xgb_schema *s,
                   int64_t max_terms, xgb_linear *out)
{
    memset(out, 0, sizeof *out);
    int rc = XP_OK;
    pthread_mutex_lock(&tr->lock);
    if (!tr->line_cache || tr->line_cache_k != max_terms) {
        xgb_linear *fresh = calloc(1, sizeof *fresh);
        if (!fresh) rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
        else if ((rc = xgb_linear_fit(ctx, train, s, max_terms, fresh))) free(fresh);
        else {
            if (tr->line_cache) { xgb_linear_free(tr->line_cache); free(tr->line_cache); }
            tr->line_cache = fresh;
            tr->line_cache_k = max_terms;
        }
    }
    if (!rc && linear_copy(tr->line_cache, out)) rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    pthread_mutex_unlock(&tr->lock);
    return rc;
}

int xgb_linear_margin(xp_ctx *ctx, const xgb_linear *l, const xgb_schema *s, const xp_frame *f,
                      double *out)
{
    for (size_t i = 0; i < f->n_rows; i++) out[i] = l->intercept;
    for (size_t t = 0; t < l->n; t++) {
        const xgb_linear_term *term = &l->terms[t];
        const char *name = term->feature < s->n ? s->names[term->feature] : "?";
        const xp_column *c = ctx->host->frame_find(f, name);
        if (!c || (c->type != XP_COL_NUMERIC && c->type != XP_COL_BOOL))
            return xp_fail(ctx, XP_ENOTFOUND, "xgboost: linear_start column %s is missing or not "
                           "numeric in the frame to predict", name);
        for (size_t i = 0; i < f->n_rows; i++) out[i] += term_value(term, c->num[i]);
    }
    return XP_OK;
}

static int set_margin(xp_ctx *ctx, DMatrixHandle dm, const xgb_linear *l, const xgb_schema *s,
                      const xp_frame *f)
{
    double *m = malloc((f->n_rows ? f->n_rows : 1) * sizeof *m);
    float *mf = malloc((f->n_rows ? f->n_rows : 1) * sizeof *mf);
    int rc = m && mf ? XP_OK : xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    if (!rc) rc = xgb_linear_margin(ctx, l, s, f, m);
    if (!rc) {
        for (size_t i = 0; i < f->n_rows; i++) mf[i] = (float)m[i];
        if (f->n_rows && XGDMatrixSetFloatInfo(dm, "base_margin", mf, (bst_ulong)f->n_rows))
            rc = xgb_fail(ctx, "setting the linear start (base_margin)");
    }
    free(m);
    free(mf);
    return rc;
}

/* A matrix built from f carrying line l (NULL: none). */
static int build_with(xp_ctx *ctx, const xp_frame *f, const xgb_schema *s, const xgb_linear *l,
                      int threads, xgb_data **out)
{
    int rc = xgb_data_build(ctx, f, s, threads, out);
    if (rc) return rc;
    (*out)->margin_decided = 1;
    (*out)->margin_key = l ? l->key : 0;
    if (l && (rc = set_margin(ctx, (*out)->dm, l, s, f))) {
        xgb_data_free(*out);
        *out = NULL;
    }
    return rc;
}

int xgb_data_for(xp_ctx *ctx, xgb_data *d, const xp_frame *f, const xgb_schema *s,
                 const xgb_linear *l, int threads, xgb_data **use, xgb_data **own)
{
    *use = NULL;
    *own = NULL;
    uint64_t want = l ? l->key : 0;
    int rc = XP_OK;
    pthread_mutex_lock(&d->lock);
    if (!d->margin_decided) {
        if (l) rc = set_margin(ctx, d->dm, l, s, f);
        d->margin_key = rc ? 0 : want;
        d->margin_decided = !rc;
    }
    if (!rc && d->margin_key == want) *use = d;
    else if (!rc && d->twin && d->twin->margin_key == want) *use = d->twin;
    else if (!rc && !d->twin && f) {
        /* A search whose trials start both ways (tabular.yaml's model.linear_start) needs the
         * fold's matrix with and without the line: the other one is built once, kept here. */
        if (!(rc = build_with(ctx, f, s, l, threads, &d->twin))) *use = d->twin;
    }
    pthread_mutex_unlock(&d->lock);
    if (rc || *use) return rc;
    if (!f) return xp_fail(ctx, XP_EINVAL, "xgboost: prepared data carries another linear start "
                           "and no frame was given to rebuild it");
    if ((rc = build_with(ctx, f, s, l, threads, own))) return rc;
    *use = *own;
    return XP_OK;
}

xgb_data *xgb_data_carrying(xgb_data *d, uint64_t key)
{
    pthread_mutex_lock(&d->lock);
    if (!d->margin_decided) { d->margin_decided = 1; d->margin_key = 0; }
    xgb_data *r = d->margin_key == key ? d : d->twin && d->twin->margin_key == key ? d->twin : NULL;
    pthread_mutex_unlock(&d->lock);
    return r;
}

/* "1 <intercept> <n> (<feature> <log1p> <zero_level> <center> <scale> <coef> <lo> <hi>
 * <zero_coef> <missing_coef>)*n", numbers as %.17g. */
char *xgb_linear_encode(const xgb_linear *l)
{
    size_t cap = 64 + l->n * 256;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t k = (size_t)snprintf(s, cap, "1 %.17g %zu", l->intercept, l->n);
    for (size_t t = 0; t < l->n && k < cap; t++)
        k += (size_t)snprintf(s + k, cap - k, " %zu %d %d %.17g %.17g %.17g %.17g %.17g %.17g %.17g",
                              l->terms[t].feature, l->terms[t].log1p, l->terms[t].zero_level,
                              l->terms[t].center, l->terms[t].scale, l->terms[t].coef,
                              l->terms[t].lo, l->terms[t].hi, l->terms[t].zero_coef,
                              l->terms[t].missing_coef);
    return s;
}

int xgb_linear_decode(const char *s, size_t n_features, xgb_linear *out)
{
    memset(out, 0, sizeof *out);
    char *end;
    const char *p = s;
    long version = strtol(p, &end, 10);
    if (end == p || version != 1) return -1;
    p = end;
    out->intercept = strtod(p, &end);
    if (end == p || !isfinite(out->intercept)) return -1;
    p = end;
    long n = strtol(p, &end, 10);
    if (end == p || n < 0 || (size_t)n > n_features) return -1;
    p = end;
    if (n && !(out->terms = calloc((size_t)n, sizeof *out->terms))) return -1;
    for (long t = 0; t < n; t++) {
        xgb_linear_term *term = &out->terms[t];
        long j = strtol(p, &end, 10);
        if (end == p || j < 0 || (size_t)j >= n_features) goto bad;
        term->feature = (size_t)j;
        p = end;
        long lg = strtol(p, &end, 10);
        if (end == p || (lg != 0 && lg != 1)) goto bad;
        term->log1p = (int)lg;
        p = end;
        long zl = strtol(p, &end, 10);
        if (end == p || (zl != 0 && zl != 1)) goto bad;
        term->zero_level = (int)zl;
        p = end;
        double *v[7] = { &term->center, &term->scale, &term->coef, &term->lo, &term->hi,
                         &term->zero_coef, &term->missing_coef };
        for (int q = 0; q < 7; q++) {
            *v[q] = strtod(p, &end);
            if (end == p || !isfinite(*v[q])) goto bad;
            p = end;
        }
        if (!(term->scale > 0) || term->lo > term->hi || (term->log1p && term->lo < 0)) goto bad;
    }
    while (*p == ' ') p++;
    if (*p) goto bad;
    out->n = (size_t)n;
    out->key = linear_key(out);
    return 0;
bad:
    xgb_linear_free(out);
    return -1;
}
