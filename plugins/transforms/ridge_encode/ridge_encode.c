/* ridge_encode.c — transform `ridge_encode`: one feature that is a ridge regression of the
 * target on chosen numeric columns (e.g. a description's word counts), fitted on the training
 * rows and given to every row out of fold, by group.
 *
 *     runner plugins --help ridge_encode   # its options, as the plugin documents them
 *
 *     pipeline:
 *       - plugin: tokens                   # description -> description_<word> counts
 *         column: description
 *         as: counts
 *       - plugin: ridge_encode
 *         columns: ["description_*"]
 *         group: description               # rows of one item share it
 *         out: description_ridge
 *
 * Why: a tree adds word effects one split at a time, and a text's words are many small,
 * additive effects; a linear model over all of them at once estimates each from every row
 * that has it. Given to XGBoost as one more column, the sum is there to split on (step 2's
 * XGBoost member: README, Step 2).
 *
 * Honesty: a training row must not see a fit that used its own target, or the trees would
 * trust the column far more than it deserves on new items. The group values of the training
 * rows are dealt into `folds` parts by a hash of the value; a row whose group value was among
 * the training rows' gets the fit of the other parts (out of fold), any other row the fit on
 * all training rows. Validation and test rows of a grouped split hold unseen group values, so
 * they get the full fit, as new items will. All group values are known to apply() (it sees
 * the group column), so no row id is trusted: a new file's rows of a known item get the
 * out-of-fold fit, never another row's value. Rows with no group value get the full fit (in
 * training that lets a few rows see their own target in an intercept-sized way; the fit has
 * thousands of rows).
 *
 * The fit: weighted least squares (the weight role's column, if any) with an unpenalised
 * intercept and `alpha` times the identity on the coefficients; a missing (or infinite)
 * regressor counts as 0 (a word absent from a text). The normal equations of the parts are
 * summed once, and each out-of-fold system is the total minus one part, so the cost is one
 * pass over the rows plus folds + 1 Cholesky solves of (p + 1)^2. Records kind "ridge_encode": the column count,
 * rows, groups, the out-of-fold RMSE against the target's SD, and the largest coefficients.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "txu.h"
#include "xp/xp.h"

typedef struct seen {
    char *key;                   /* a training group value */
    int fold;
} seen;

typedef struct state {
    /* options */
    tx_sel columns;
    const char *group, *out;
    double alpha;
    int64_t folds;
    /* learned */
    tx_names names;              /* the regressors, in order */
    double *beta;                /* (folds + 1) rows of (p + 1): intercept, coefficients; the
                                  * last row is the fit on all training rows */
    seen *keys;                  /* sorted by key */
    size_t n_keys;
    const char *group_col;       /* the group column's name (option, or the group role's) */
    char *group_owned;
} state;

static void clear_learned(state *s)
{
    tx_names_clear(&s->names);
    free(s->beta);
    s->beta = NULL;
    for (size_t i = 0; i < s->n_keys; i++) free(s->keys[i].key);
    free(s->keys);
    s->keys = NULL;
    s->n_keys = 0;
    free(s->group_owned);
    s->group_owned = NULL;
    s->group_col = NULL;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    tx_sel_free(&s->columns);
    clear_learned(s);
    free(s);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->alpha = 1.0;
    s->folds = 5;
    int rc;
    if ((rc = tx_sel_read(ctx, cfg, "columns", &s->columns))) { destroy(s); return rc; }
    if (!s->columns.n) {
        destroy(s);
        return xp_fail(ctx, XP_ECONFIG, "%s: ridge_encode needs `columns:` (the regressors: names or globs such "
                       "as \"description_*\")", cfg ? h->cfg_where(cfg) : "ridge_encode");
    }
    if ((rc = h->cfg_str(ctx, cfg, "out", 1, &s->out)) ||
        (rc = h->cfg_str(ctx, cfg, "group", 0, &s->group)) ||
        (rc = h->cfg_num(ctx, cfg, "alpha", 0, &s->alpha)) ||
        (rc = h->cfg_int(ctx, cfg, "folds", 0, &s->folds))) {
        destroy(s);
        return rc;
    }
    if (!s->out[0]) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: out must name the new column", h->cfg_where(h->cfg_get(cfg, "out")));
    } else if (!(s->alpha >= 0 && isfinite(s->alpha))) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: alpha must be a finite number >= 0, got %g",
                     h->cfg_where(h->cfg_get(cfg, "alpha")), s->alpha);
    } else if (s->folds < 2 || s->folds > 100) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: folds must be in [2, 100], got %lld",
                     h->cfg_where(h->cfg_get(cfg, "folds")), (long long)s->folds);
    }
    if (rc) { destroy(s); return rc; }
    if (XP_HOST_HAS(h, column_ref) && h->column_ref) {   /* config check: the names are known */
        if (s->group) h->column_ref(ctx, h->cfg_get(cfg, "group"), s->group);
        h->column_add(ctx, s->out);
    }
    *out = s;
    return XP_OK;
}

/* ------------------------------------------------------------------ group values */

/* Row i's group value as a string (NULL: missing); buf holds numbers. */
static const char *group_key(const xp_column *g, size_t i, char *buf, size_t n)
{
    switch (g->type) {
    case XP_COL_TEXT: return g->text[i];
    case XP_COL_CATEGORICAL: return g->codes[i] >= 0 ? g->levels[g->codes[i]] : NULL;
    case XP_COL_NUMERIC:
    case XP_COL_BOOL:
        if (isnan(g->num[i])) return NULL;
        snprintf(buf, n, "%.17g", g->num[i]);
        return buf;
    default: return NULL;
    }
}

/* The part a group value is dealt to: FNV-1a of its bytes, mixed (splitmix64's finaliser). */
static int fold_of(const char *key, int64_t folds)
{
    uint64_t x = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) x = (x ^ *p) * 1099511628211ull;
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return (int)(x % (uint64_t)folds);
}

static int seen_cmp(const void *a, const void *b)
{
    return strcmp(((const seen *)a)->key, ((const seen *)b)->key);
}

/* -1: the value was not among the training rows'. */
static int seen_fold(const state *s, const char *key)
{
    if (!key || !s->n_keys) return -1;
    seen probe = { (char *)key, 0 };
    const seen *hit = bsearch(&probe, s->keys, s->n_keys, sizeof *s->keys, seen_cmp);
    return hit ? hit->fold : -1;
}

/* The group column of f, or NULL with *rc set and the reason reported. */
static const xp_column *find_group(xp_ctx *ctx, const xp_frame *f, const char *name, int *rc)
{
    const xp_column *g = ctx->host->frame_find(f, name);
    if (!g)
        *rc = xp_fail(ctx, XP_ENOTFOUND, "ridge_encode: the group column %s is not in these rows", name);
    else if (g->type == XP_COL_VECTOR)
        *rc = xp_fail(ctx, XP_ECONFIG, "ridge_encode: the group column %s is a vector column; name a text, "
                      "categorical or numeric one", name);
    else
        return g;
    return NULL;
}

/* ------------------------------------------------------------------ least squares */

/* Solves (A + alpha * D) x = b in place of x, D = identity but for the intercept (index 0).
 * A is (m x m), symmetric; a copy is factored. 0, or -1 when not positive definite. */
static int ridge_solve(const double *A, const double *b, size_t m, double alpha, double *x, double *L)
{
    memcpy(L, A, m * m * sizeof *L);
    for (size_t j = 1; j < m; j++) L[j * m + j] += alpha;
    /* A column nobody has (all zeros) would make the system singular without a penalty. */
    for (size_t j = 1; j < m; j++)
        if (L[j * m + j] == 0) L[j * m + j] = 1;
    for (size_t j = 0; j < m; j++) {
        double d = L[j * m + j];
        for (size_t k = 0; k < j; k++) d -= L[j * m + k] * L[j * m + k];
        if (!(d > 1e-12 * (1 + fabs(L[j * m + j])))) return -1;
        d = sqrt(d);
        L[j * m + j] = d;
        for (size_t i = j + 1; i < m; i++) {
            double v = L[i * m + j];
            for (size_t k = 0; k < j; k++) v -= L[i * m + k] * L[j * m + k];
            L[i * m + j] = v / d;
        }
    }
    for (size_t i = 0; i < m; i++) {           /* L z = b */
        double v = b[i];
        for (size_t k = 0; k < i; k++) v -= L[i * m + k] * x[k];
        x[i] = v / L[i * m + i];
    }
    for (size_t i = m; i-- > 0;) {             /* L' x = z */
        double v = x[i];
        for (size_t k = i + 1; k < m; k++) v -= L[k * m + i] * x[k];
        x[i] = v / L[i * m + i];
    }
    return 0;
}

/* Row i's regressors that are not 0 (missing counts as 0): their indices (1-based: 0 is the
 * intercept) and values. Returns how many. */
static size_t row_entries(const double *const *cols, size_t p, size_t i, size_t *idx, double *val)
{
    size_t k = 0;
    idx[k] = 0;
    val[k++] = 1;
    for (size_t j = 0; j < p; j++) {
        double v = cols[j][i];
        if (v != 0 && isfinite(v)) { idx[k] = j + 1; val[k++] = v; }   /* missing or infinite: 0 */
    }
    return k;
}

static double row_value(const double *beta, const size_t *idx, const double *val, size_t k)
{
    double v = 0;
    for (size_t e = 0; e < k; e++) v += beta[idx[e]] * val[e];
    return v;
}

/* ------------------------------------------------------------------ fit / apply */

static int is_number_col(const xp_column *c)
{
    return c->type == XP_COL_NUMERIC || c->type == XP_COL_BOOL;
}

static int record_fit(xp_ctx *ctx, const state *s, size_t rows, size_t groups, double oof_rmse, double sd)
{
    size_t p = s->names.n, top = p < 10 ? p : 10;
    const double *full = s->beta + (size_t)s->folds * (p + 1);
    size_t *order = malloc((p ? p : 1) * sizeof *order);
    if (!order) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t j = 0; j < p; j++) order[j] = j;
    for (size_t a = 0; a < top; a++)           /* the `top` largest |coefficients|, in order */
        for (size_t b = a + 1; b < p; b++)
            if (fabs(full[1 + order[b]]) > fabs(full[1 + order[a]])) {
                size_t t = order[a]; order[a] = order[b]; order[b] = t;
            }
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "out", s->out);
    json_out_kv_str(&j, "group", s->group_col);
    json_out_kv_int(&j, "columns", (int64_t)p);
    json_out_kv_int(&j, "rows", (int64_t)rows);
    json_out_kv_int(&j, "groups", (int64_t)groups);
    json_out_kv_int(&j, "folds", s->folds);
    json_out_kv_num(&j, "alpha", s->alpha);
    json_out_kv_num(&j, "intercept", full[0]);
    json_out_kv_num(&j, "target_sd", sd);
    json_out_kv_num(&j, "oof_rmse", oof_rmse);
    json_out_key(&j, "largest");
    json_out_array(&j);
    for (size_t a = 0; a < top; a++) {
        json_out_object(&j);
        json_out_kv_str(&j, "column", s->names.v[order[a]]);
        json_out_kv_num(&j, "coef", full[1 + order[a]]);
        json_out_end(&j);
    }
    json_out_end(&j);
    json_out_end(&j);
    free(order);
    return json_out_record(ctx, &j, "ridge_encode");
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    const xp_host *h = ctx->host;
    clear_learned(s);
    int rc = tx_sel_check(ctx, &s->columns, train, "columns");
    if (rc) return rc;
    const xp_column *y = NULL, *w = NULL, *gr = NULL;
    for (size_t c = 0; c < train->n_cols; c++) {
        const xp_column *col = train->cols[c];
        if (col->role == XP_ROLE_TARGET) y = col;
        else if (col->role == XP_ROLE_WEIGHT) w = col;
        else if (col->role == XP_ROLE_GROUP && !gr) gr = col;
    }
    if (!y || y->type != XP_COL_NUMERIC)
        return xp_fail(ctx, XP_EINVAL, "ridge_encode: the training rows have no numeric target column");
    if (s->group) s->group_col = s->group;
    else if (gr && !(s->group_col = s->group_owned = tx_strdup(gr->name))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    if (!s->group_col)
        return xp_fail(ctx, XP_ECONFIG, "ridge_encode: give `group:` (the column whose value identifies an item: "
                       "rows sharing it are held out together); these rows have no group column");
    const xp_column *g = find_group(ctx, train, s->group_col, &rc);
    if (!g) { clear_learned(s); return rc; }
    /* The regressors: numeric or bool features the selection names. A glob passes over other
     * columns (description_* also matches a VECTOR column description_tokens); a column named
     * exactly must be one. */
    for (size_t c = 0; c < train->n_cols; c++) {
        const xp_column *col = train->cols[c];
        int at = tx_sel_match(&s->columns, col->name);
        if (at < 0 || col == g || !strcmp(col->name, s->out)) continue;
        if (!is_number_col(col) || col->role != XP_ROLE_FEATURE) {
            if (s->columns.v[at].glob) continue;
            rc = xp_fail(ctx, XP_ECONFIG, "%s: ridge_encode: column %s is a %s %s column; a regressor must be a "
                         "numeric or bool feature", s->columns.v[at].where, col->name, xp_role_name(col->role),
                         xp_col_type_name(col->type));
            clear_learned(s);
            return rc;
        }
        if ((rc = tx_names_add(&s->names, col->name))) { clear_learned(s); return xp_fail(ctx, rc, "out of memory"); }
    }
    size_t p = s->names.n, m = p + 1, K = (size_t)s->folds, n = train->n_rows;
    if (p > 4096) {
        size_t got = p;
        clear_learned(s);
        return xp_fail(ctx, XP_ECONFIG, "ridge_encode: `columns` selects %zu columns; at most 4096 (a dense "
                       "(p + 1)^2 system per fold)", got);
    }
    if (!p) xp_log(ctx, XP_LOG_WARN, "ridge_encode: `columns` matches no numeric column here; %s is the target's mean",
                   s->out);
    const double **cols = malloc((p ? p : 1) * sizeof *cols);
    double *A = calloc((K + 1) * m * m, sizeof *A), *b = calloc((K + 1) * m, sizeof *b);
    double *L = malloc(m * m * sizeof *L), *val = malloc(m * sizeof *val);
    size_t *idx = malloc(m * sizeof *idx);
    int *row_fold = malloc((n ? n : 1) * sizeof *row_fold);
    s->beta = calloc((K + 1) * m, sizeof *s->beta);
    seen *keys = malloc((n ? n : 1) * sizeof *keys);
    size_t n_keys = 0, rows = 0;
    int owned_keys = g->type == XP_COL_NUMERIC || g->type == XP_COL_BOOL;
    int nomem = 1;               /* a goto out before the end: out of memory unless rc says otherwise */
    rc = XP_OK;
    if (!cols || !A || !b || !L || !val || !idx || !row_fold || !s->beta || !keys) goto out;
    for (size_t j = 0; j < p; j++) cols[j] = h->frame_find(train, s->names.v[j])->num;
    char buf[64];
    /* The normal equations of each part: A_k += w x x', b_k += w x y (x with the intercept). */
    double sw = 0, sy = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        const char *key = group_key(g, i, buf, sizeof buf);
        row_fold[i] = key ? fold_of(key, s->folds) : -1;
        double yi = y->num[i], wi = w ? w->num[i] : 1;
        if (!isfinite(yi) || !(wi > 0) || !isfinite(wi)) { row_fold[i] = -2; continue; }
        if (key) {   /* a number's text lives in buf: copied (the text of TEXT and levels stays put) */
            char *kk = owned_keys ? tx_strdup(key) : (char *)key;
            if (!kk) goto out;
            keys[n_keys++] = (seen){ kk, row_fold[i] };
        }
        size_t part = row_fold[i] >= 0 ? (size_t)row_fold[i] : K;   /* no group: in every fit */
        double *Ak = A + part * m * m, *bk = b + part * m;
        size_t k = row_entries(cols, p, i, idx, val);
        for (size_t a = 0; a < k; a++) {
            bk[idx[a]] += wi * val[a] * yi;
            for (size_t c = 0; c <= a; c++) Ak[idx[a] * m + idx[c]] += wi * val[a] * val[c];
        }
        sw += wi; sy += wi * yi; syy += wi * yi * yi;
        rows++;
    }
    if (!rows) {   /* a legal frame (e.g. no rows): nothing to learn, so the column is missing */
        xp_log(ctx, XP_LOG_WARN, "ridge_encode: no training row has a finite target and a positive weight; %s is "
               "missing in every row", s->out);
        for (size_t e = 0; e < (K + 1) * m; e++) s->beta[e] = NAN;
        nomem = 0;
        rc = record_fit(ctx, s, 0, 0, NAN, NAN);
        goto out;
    }
    /* Total = the sum of the parts (the last block also holds the rows without a group). */
    double *At = A + K * m * m, *bt = b + K * m;
    for (size_t k = 0; k < K; k++) {
        for (size_t e = 0; e < m * m; e++) At[e] += A[k * m * m + e];
        for (size_t e = 0; e < m; e++) bt[e] += b[k * m + e];
    }
    for (size_t a = 0; a < m; a++)             /* mirror the lower triangle */
        for (size_t c = 0; c < a; c++) At[c * m + a] = At[a * m + c];
    if (ridge_solve(At, bt, m, s->alpha, s->beta + K * m, L)) {
        rc = xp_fail(ctx, XP_EMODEL, "ridge_encode: the least-squares system is singular (alpha = 0 and columns "
                     "that are combinations of others?); set alpha > 0");
        goto out;
    }
    double *Ao = malloc(m * m * sizeof *Ao), *bo = malloc(m * sizeof *bo);
    if (!Ao || !bo) { free(Ao); free(bo); goto out; }
    for (size_t k = 0; k < K && !rc; k++) {
        const double *Ak = A + k * m * m, *bk = b + k * m;
        for (size_t a = 0; a < m; a++)
            for (size_t c = 0; c <= a; c++) Ao[a * m + c] = Ao[c * m + a] = At[a * m + c] - Ak[a * m + c];
        for (size_t e = 0; e < m; e++) bo[e] = bt[e] - bk[e];
        if (Ao[0] <= 0) {
            /* Every training row is in this part (one group value, or a few that hash alike):
             * nothing is left to fit without them, and the full fit would hand them their own
             * targets. Their value is missing. */
            for (size_t e = 0; e < m; e++) s->beta[k * m + e] = NAN;
            if (A[k * m * m] > 0)
                xp_log(ctx, XP_LOG_WARN, "ridge_encode: part %zu of %zu holds every training row with a %s "
                       "value; its rows get a missing %s (too few distinct %s values to fit out of fold)",
                       k + 1, K, s->group_col, s->out, s->group_col);
            continue;
        }
        if (ridge_solve(Ao, bo, m, s->alpha, s->beta + k * m, L)) {
            rc = xp_fail(ctx, XP_EMODEL, "ridge_encode: the least-squares system without part %zu of %zu is "
                         "singular; set alpha > 0", k + 1, K);
        }
    }
    free(Ao);
    free(bo);
    if (rc) goto out;
    /* Distinct training group values, sorted, for apply(). */
    qsort(keys, n_keys, sizeof *keys, seen_cmp);
    size_t d = 0;
    for (size_t i = 0; i < n_keys; i++) {
        if (!d || strcmp(keys[i].key, keys[d - 1].key)) keys[d++] = keys[i];
        else if (owned_keys) free(keys[i].key);
    }
    n_keys = d;
    s->keys = calloc(d ? d : 1, sizeof *s->keys);
    if (!s->keys) goto out;
    for (size_t i = 0; i < d; i++) {
        if (!(s->keys[i].key = tx_strdup(keys[i].key))) goto out;
        s->keys[i].fold = keys[i].fold;
        s->n_keys = i + 1;
    }
    /* Out-of-fold RMSE over the training rows, for the record. */
    double se = 0, sw_oof = 0;
    for (size_t i = 0; i < n; i++) {
        if (row_fold[i] == -2) continue;
        size_t k = row_entries(cols, p, i, idx, val);
        const double *beta = s->beta + (size_t)(row_fold[i] >= 0 ? row_fold[i] : (int)K) * m;
        double r = row_value(beta, idx, val, k) - y->num[i];
        if (isnan(r)) continue;   /* a part with nothing outside it */
        se += (w ? w->num[i] : 1) * r * r;
        sw_oof += w ? w->num[i] : 1;
    }
    double oof = sw_oof > 0 ? sqrt(se / sw_oof) : NAN, mean = sy / sw, sd = sqrt(fmax(syy / sw - mean * mean, 0));
    xp_log(ctx, XP_LOG_INFO, "ridge_encode: %s from %zu column(s) on %zu rows of %zu %s value(s); out-of-fold "
           "RMSE %.4f (the target's SD %.4f)", s->out, p, rows, d, s->group_col, oof, sd);
    nomem = 0;
    rc = record_fit(ctx, s, rows, d, oof, sd);
out:
    if (!rc && nomem) rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
    if (owned_keys && keys)
        for (size_t i = 0; i < n_keys; i++) free(keys[i].key);
    free(cols); free(A); free(b); free(L); free(val); free(idx); free(row_fold); free(keys);
    if (rc) clear_learned(s);
    return rc;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    state *s = st;
    const xp_host *h = ctx->host;
    if (!s->beta) return xp_fail(ctx, XP_EINVAL, "ridge_encode: apply before fit");
    size_t p = s->names.n, m = p + 1, K = (size_t)s->folds;
    int rc = XP_OK;
    const xp_column *g = find_group(ctx, f, s->group_col, &rc);
    if (!g) return rc;
    const double **cols = malloc((p ? p : 1) * sizeof *cols);
    double *val = malloc(m * sizeof *val), *v = malloc((f->n_rows ? f->n_rows : 1) * sizeof *v);
    size_t *idx = malloc(m * sizeof *idx);
    if (!cols || !val || !v || !idx) {
        free(cols); free(val); free(v); free(idx);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < p && !rc; j++) {
        const xp_column *c = h->frame_find(f, s->names.v[j]);
        if (!c || !is_number_col(c))
            rc = xp_fail(ctx, XP_ENOTFOUND, "ridge_encode: column %s (a regressor of %s) is %s in these rows",
                         s->names.v[j], s->out, c ? "not numeric" : "missing");
        else
            cols[j] = c->num;
    }
    size_t oof_rows = 0;
    char buf[64];
    for (size_t i = 0; i < f->n_rows && !rc; i++) {
        int k = seen_fold(s, group_key(g, i, buf, sizeof buf));
        if (k >= 0) oof_rows++;
        size_t e = row_entries(cols, p, i, idx, val);
        v[i] = row_value(s->beta + (size_t)(k >= 0 ? k : (int)K) * m, idx, val, e);
    }
    if (!rc) {
        int old = h->frame_index(f, s->out);
        if (old >= 0) h->frame_drop(f, (size_t)old);
        xp_column *out = h->frame_add(f, s->out, XP_COL_NUMERIC, XP_ROLE_FEATURE);
        if (!out) rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
        else memcpy(out->num, v, f->n_rows * sizeof *v);
        xp_log(ctx, XP_LOG_DEBUG, "ridge_encode: %s: %zu of %zu rows out of fold (their %s was among the training "
               "rows')", s->out, oof_rows, f->n_rows, s->group_col);
    }
    free(cols); free(val); free(v); free(idx);
    return rc;
}

static const xp_transform_ops ops = {
    .struct_size = sizeof(xp_transform_ops),
    .create = create,
    .fit = fit,
    .apply = apply,
    .destroy = destroy,
};

/* The options, as `runner plugins --help ridge_encode` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: ridge_encode\n"
    "    columns: [\"description_*\"]  # required: the regressors (names or globs), numeric or bool;\n"
    "                               # a missing value counts as 0 (a word the text lacks)\n"
    "    out: description_ridge     # required: the new numeric feature column\n"
    "    group: description         # the column whose value identifies an item (default: the\n"
    "                               # frame's group-role column); a training row gets the fit\n"
    "                               # of the parts its value is not in, other rows the full fit\n"
    "    alpha: 1.0                 # ridge penalty on the coefficients (not the intercept)\n"
    "    folds: 5                   # parts the training group values are dealt into\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "ridge_encode", "1.0.0",
    "ridge regression of the target on chosen numeric columns (e.g. word counts) as one feature, "
    "out of fold by group on the training rows", &ops, options_text);

XP_PLUGINS(&plugin)
