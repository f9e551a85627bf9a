/* cluster_gmm.c — transform `cluster_gmm`: finds groups of columns that measure the same
 * hidden property, models each group with a Gaussian mixture, and adds per group one
 * feature: the target mean of the row's mixture class (responsibility-weighted).
 *
 *     runner plugins --help cluster_gmm       # its options, as the plugin documents them
 *
 * Why: several noisy columns that read one discrete property (a part's type, its material)
 * carry it jointly; a tree needs deep interactions to combine them and learns them from few
 * items. A mixture over the group finds the property's classes without the target; the
 * target mean per class then turns the class posterior into one strong feature. On the demo
 * data it takes a 50-trial step-1 search from test RMSLE 0.646 to about 0.60 (README, Results).
 *
 * fit (training rows only):
 *   1. candidates: numeric feature columns (not bool, not categorical) with > 2 distinct
 *      values, matching `columns` if given;
 *   2. Spearman |r| between candidates over distinct rows (pairwise-complete, average ranks;
 *      a pair without overlap counts as 0), average-linkage clustering on 1 - |r|, cut at
 *      1 - threshold; groups with >= min_size members, in column order;
 *   3. per group: each member mapped to normal scores through its training ECDF (mid-ranks,
 *      clipped to [0.5/n, 1 - 0.5/n]); a diagonal Gaussian mixture fitted by EM on the
 *      distinct rows of the group, missing cells left out of the likelihood (no imputation);
 *   4. class means of the target over all training rows, weighted by responsibility,
 *      smoothed: (sum_i r_ik y_i + m ybar) / (sum_i r_ik + m).
 * apply: the same scores and responsibilities, feature `gmm_<first member>` = sum_k r_ik te_k.
 * The groups, members, class weights and means are recorded (record "cluster_gmm").
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "txu.h"
#include "xp/xp.h"

typedef struct member {
    char *name;
    double *sorted;      /* training values, ascending (ECDF) */
    size_t n;
} member;

typedef struct group {
    member *m;
    size_t d;
    char *feature;
    int k;               /* classes actually fitted (<= classes) */
    double *mu, *var;    /* k x d */
    double *logvar;      /* k x d: log(var), kept with var so the E-step takes no logs */
    double *logpi;       /* k */
    double *te;          /* k: target mean per class, model space */
    double loglik;       /* mean log-likelihood per distinct row after EM */
    size_t n_fit;        /* distinct rows the mixture was fitted on */
} group;

typedef struct state {
    tx_sel columns;
    double threshold, smoothing, min_var;
    int64_t min_size, classes, iterations, restarts, seed;
    group *g;
    size_t n_g;
} state;

static void clear_learned(state *s)
{
    for (size_t i = 0; i < s->n_g; i++) {
        group *g = &s->g[i];
        for (size_t j = 0; j < g->d; j++) { free(g->m[j].name); free(g->m[j].sorted); }
        free(g->m);
        free(g->feature);
        free(g->mu);
        free(g->var);
        free(g->logvar);
        free(g->logpi);
        free(g->te);
    }
    free(s->g);
    s->g = NULL;
    s->n_g = 0;
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
    s->threshold = 0.15;
    s->min_size = 3;
    s->classes = 20;
    s->iterations = 60;
    s->restarts = 3;
    s->smoothing = 20;
    s->min_var = 0.02;
    s->seed = 0;
    int rc;
    if ((rc = tx_sel_read(ctx, cfg, "columns", &s->columns)) ||
        (rc = h->cfg_num(ctx, cfg, "threshold", 0, &s->threshold)) ||
        (rc = h->cfg_int(ctx, cfg, "min_size", 0, &s->min_size)) ||
        (rc = h->cfg_int(ctx, cfg, "classes", 0, &s->classes)) ||
        (rc = h->cfg_int(ctx, cfg, "iterations", 0, &s->iterations)) ||
        (rc = h->cfg_int(ctx, cfg, "restarts", 0, &s->restarts)) ||
        (rc = h->cfg_num(ctx, cfg, "smoothing", 0, &s->smoothing)) ||
        (rc = h->cfg_num(ctx, cfg, "min_variance", 0, &s->min_var)) ||
        (rc = h->cfg_int(ctx, cfg, "seed", 0, &s->seed)) ||
        (rc = tx_cfg_range(ctx, cfg, "threshold", s->threshold, 0.01, 1)) ||
        (rc = tx_cfg_range(ctx, cfg, "min_size", (double)s->min_size, 2, 1e6)) ||
        (rc = tx_cfg_range(ctx, cfg, "classes", (double)s->classes, 1, 1000)) ||
        (rc = tx_cfg_range(ctx, cfg, "iterations", (double)s->iterations, 1, 100000)) ||
        (rc = tx_cfg_range(ctx, cfg, "restarts", (double)s->restarts, 1, 1000)) ||
        (rc = tx_cfg_range(ctx, cfg, "smoothing", s->smoothing, 0, 1e12)) ||
        (rc = tx_cfg_range(ctx, cfg, "min_variance", s->min_var, 1e-9, 100))) {
        destroy(s);
        return rc;
    }
    *out = s;
    return XP_OK;
}

/* ------------------------------------------------------------------ numerics */

/* The mixture's starts come from the `seed` option, not the host's stream: the host seeds by
 * (trial, fold, plugin), and `runner predict` refits this stage outside any fold, so only a
 * seed of the plugin's own gives it the features the run's refit had. */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *x) { return ((double)(splitmix(x) >> 11) + 0.5) / 9007199254740992.0; }

static double std_normal(uint64_t *x)
{
    return sqrt(-2 * log(uniform01(x))) * cos(6.283185307179586 * uniform01(x));
}

/* Inverse of the standard normal CDF: Acklam's rational approximation (relative error
 * 1e-9) polished by one Halley step on erfc, so the result is good to double precision. */
static double norm_quantile(double p)
{
    static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
    static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                6.680131188771972e+01, -1.328068155288572e+01 };
    static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
    static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                3.754408661907416e+00 };
    double q, r, x;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - 0.02425) {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double e = 0.5 * erfc(-x / sqrt(2)) - p;
    double u = e * sqrt(2 * 3.141592653589793) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/* Normal score of x through the ECDF of sorted[0..n): mid-rank, clipped. NaN stays NaN. */
static double normal_score(const member *m, double x)
{
    if (isnan(x) || m->n == 0) return NAN;
    size_t lo = 0, hi = m->n;
    while (lo < hi) { size_t mid = (lo + hi) / 2; if (m->sorted[mid] < x) lo = mid + 1; else hi = mid; }
    size_t left = lo;
    hi = m->n;
    while (lo < hi) { size_t mid = (lo + hi) / 2; if (m->sorted[mid] <= x) lo = mid + 1; else hi = mid; }
    double n = (double)m->n, p = ((double)left + (double)lo) / (2 * n);
    if (p < 0.5 / n) p = 0.5 / n;
    if (p > 1 - 0.5 / n) p = 1 - 0.5 / n;
    return norm_quantile(p);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Rows whose values in cols[0..d) are a first occurrence (NaN equal to NaN). */
typedef struct dedup_ctx {
    const double *const *cols;
    size_t d;
} dedup_ctx;

static _Thread_local const dedup_ctx *g_dedup;

static int cmp_rows(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    for (size_t c = 0; c < g_dedup->d; c++) {
        double x = g_dedup->cols[c][i], y = g_dedup->cols[c][j];
        int xn = isnan(x), yn = isnan(y);
        if (xn || yn) { if (xn != yn) return xn - yn; continue; }
        if (x != y) return (x > y) - (x < y);
    }
    return (i > j) - (i < j);
}

static int same_row(const double *const *cols, size_t d, size_t i, size_t j)
{
    for (size_t c = 0; c < d; c++) {
        double x = cols[c][i], y = cols[c][j];
        if (isnan(x) != isnan(y) || (!isnan(x) && x != y)) return 0;
    }
    return 1;
}

/* Indices (ascending) of the distinct rows; returns the count, or (size_t)-1 on ENOMEM. */
static size_t distinct_rows(const double *const *cols, size_t d, size_t n, size_t **out)
{
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx) return (size_t)-1;
    for (size_t i = 0; i < n; i++) idx[i] = i;
    dedup_ctx dc = { cols, d };
    g_dedup = &dc;
    qsort(idx, n, sizeof *idx, cmp_rows);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || !same_row(cols, d, idx[i], idx[m - 1])) idx[m++] = idx[i];
    qsort(idx, m, sizeof *idx, cmp_size);
    *out = idx;
    return m;
}

/* Average ranks (1-based) of x over rows[0..m); NaN stays NaN. */
typedef struct vi {
    double v;
    size_t i;
} vi;

static int cmp_vi(const void *a, const void *b)
{
    const vi *x = a, *y = b;
    if (x->v != y->v) return (x->v > y->v) - (x->v < y->v);
    return (x->i > y->i) - (x->i < y->i);
}

static int ranks_of(const double *x, const size_t *rows, size_t m, double *out)
{
    vi *p = malloc((m ? m : 1) * sizeof *p);
    if (!p) return -1;
    size_t k = 0;
    for (size_t r = 0; r < m; r++) {
        out[r] = NAN;
        if (!isnan(x[rows[r]])) p[k++] = (vi){ x[rows[r]], r };
    }
    qsort(p, k, sizeof *p, cmp_vi);
    for (size_t a = 0; a < k;) {
        size_t b = a;
        while (b + 1 < k && p[b + 1].v == p[a].v) b++;
        double rank = (double)(a + b) / 2 + 1;
        for (size_t t = a; t <= b; t++) out[p[t].i] = rank;
        a = b + 1;
    }
    free(p);
    return 0;
}

/* Average-linkage agglomerative clustering of p items with distances D (p x p), merging
 * while the closest pair of clusters is at most `cut` apart. label[i] = cluster id. */
static int average_linkage(const double *D, size_t p, double cut, size_t *label)
{
    double *S = malloc((p ? p * p : 1) * sizeof *S);   /* sum of distances between clusters */
    size_t *size = malloc((p ? p : 1) * sizeof *size);
    if (!S || !size) { free(S); free(size); return -1; }
    memcpy(S, D, p * p * sizeof *S);
    for (size_t i = 0; i < p; i++) { size[i] = 1; label[i] = i; }
    for (;;) {
        double best = INFINITY;
        size_t ba = 0, bb = 0;
        for (size_t a = 0; a < p; a++) {
            if (!size[a]) continue;
            for (size_t b = a + 1; b < p; b++) {
                if (!size[b]) continue;
                double avg = S[a * p + b] / ((double)size[a] * (double)size[b]);
                if (avg < best) { best = avg; ba = a; bb = b; }
            }
        }
        if (!(best <= cut)) break;
        for (size_t c = 0; c < p; c++) {
            S[ba * p + c] += S[bb * p + c];
            S[c * p + ba] = S[ba * p + c];
        }
        size[ba] += size[bb];
        size[bb] = 0;
        for (size_t i = 0; i < p; i++) if (label[i] == bb) label[i] = ba;
    }
    free(S);
    free(size);
    return 0;
}

/* Log of the class weights times the likelihood of one row (missing cells left out), into
 * ll[0..k); returns log sum exp and turns ll into responsibilities. */
static double responsibilities(const group *g, const double *x, double *ll)
{
    size_t d = g->d;
    double top = -INFINITY;
    for (int k = 0; k < g->k; k++) {
        double s = g->logpi[k];
        const double *mu = g->mu + (size_t)k * d, *var = g->var + (size_t)k * d,
                     *lv = g->logvar + (size_t)k * d;
        for (size_t j = 0; j < d; j++) {
            if (isnan(x[j])) continue;
            double e = x[j] - mu[j];
            s -= 0.5 * (e * e / var[j] + lv[j]);
        }
        ll[k] = s;
        if (s > top) top = s;
    }
    double sum = 0;
    for (int k = 0; k < g->k; k++) { ll[k] = exp(ll[k] - top); sum += ll[k]; }
    for (int k = 0; k < g->k; k++) ll[k] /= sum;
    return top + log(sum);
}

/* EM for a diagonal mixture on X (n x d, NaN = missing). */
static int gmm_fit(const state *s, group *g, const double *X, size_t n, int64_t restart)
{
    size_t d = g->d;
    int K = (int)(s->classes < (int64_t)n ? s->classes : (int64_t)n);
    g->k = K;
    g->mu = malloc((size_t)K * d * sizeof *g->mu);
    g->var = malloc((size_t)K * d * sizeof *g->var);
    g->logvar = malloc((size_t)K * d * sizeof *g->logvar);
    g->logpi = malloc((size_t)K * sizeof *g->logpi);
    double *R = malloc(n * (size_t)K * sizeof *R);
    double *sr = malloc((size_t)K * sizeof *sr), *sx = malloc((size_t)K * d * sizeof *sx),
           *sxx = malloc((size_t)K * d * sizeof *sxx), *sw = malloc((size_t)K * d * sizeof *sw);
    int rc = 0;
    if (!g->mu || !g->var || !g->logvar || !g->logpi || !R || !sr || !sx || !sxx || !sw) { rc = -1; goto out; }
    /* Start: k-means++ seeding (each next centre drawn with probability proportional to the
     * squared distance to the nearest centre so far, over observed cells), so classes start
     * spread over the data instead of several in one dense region — EM from purely random
     * rows often merges neighbouring classes for good. A little noise separates equal rows. */
    uint64_t seed = (uint64_t)s->seed * 0x2545F4914F6CDD1Dull + 0x1234567ull + (uint64_t)restart * 0x9E3779B97F4A7C15ull;
    double *near = R;    /* n: squared distance to the nearest chosen centre (R is free now) */
    for (int k = 0; k < K; k++) {
        size_t pick = 0;
        if (k == 0) pick = (size_t)(splitmix(&seed) % (uint64_t)n);
        else {
            double total = 0;
            for (size_t i = 0; i < n; i++) total += near[i];
            double u = uniform01(&seed) * total, acc = 0;
            pick = n - 1;
            for (size_t i = 0; i < n && total > 0; i++) {
                acc += near[i];
                if (acc >= u && near[i] > 0) { pick = i; break; }
            }
            if (!(total > 0)) pick = (size_t)(splitmix(&seed) % (uint64_t)n);
        }
        for (size_t c = 0; c < d; c++) {
            double v = X[pick * d + c];
            g->mu[(size_t)k * d + c] = (isnan(v) ? 0 : v) + 0.01 * std_normal(&seed);
            g->var[(size_t)k * d + c] = 1;
            g->logvar[(size_t)k * d + c] = 0;
        }
        g->logpi[k] = -log((double)K);
        for (size_t i = 0; i < n; i++) {
            double dist = 0;
            for (size_t c = 0; c < d; c++) {
                double v = X[i * d + c];
                if (!isnan(v)) dist += (v - g->mu[(size_t)k * d + c]) * (v - g->mu[(size_t)k * d + c]);
            }
            if (k == 0 || dist < near[i]) near[i] = dist;
        }
    }
    for (int64_t it = 0; it < s->iterations; it++) {
        double total = 0;
        memset(sr, 0, (size_t)K * sizeof *sr);
        memset(sx, 0, (size_t)K * d * sizeof *sx);
        memset(sxx, 0, (size_t)K * d * sizeof *sxx);
        memset(sw, 0, (size_t)K * d * sizeof *sw);
        for (size_t i = 0; i < n; i++) {
            const double *x = X + i * d;
            double *r = R + i * (size_t)K;
            total += responsibilities(g, x, r);
            for (int k = 0; k < K; k++) {
                sr[k] += r[k];
                for (size_t c = 0; c < d; c++) {
                    if (isnan(x[c])) continue;
                    sw[(size_t)k * d + c] += r[k];
                    sx[(size_t)k * d + c] += r[k] * x[c];
                    sxx[(size_t)k * d + c] += r[k] * x[c] * x[c];
                }
            }
        }
        g->loglik = total / (double)n;
        for (int k = 0; k < K; k++) {
            g->logpi[k] = log((sr[k] + 1e-9) / (double)n);
            for (size_t c = 0; c < d; c++) {
                size_t q = (size_t)k * d + c;
                if (sw[q] < 1e-9) continue;   /* no observed mass: keep the old mean and variance */
                double mu = sx[q] / sw[q], var = sxx[q] / sw[q] - mu * mu;
                g->mu[q] = mu;
                g->var[q] = var > s->min_var ? var : s->min_var;
                g->logvar[q] = log(g->var[q]);
            }
        }
    }
out:
    free(R); free(sr); free(sx); free(sxx); free(sw);
    return rc;
}

/* Normal scores of group g for row i of the given member columns, into x[0..d). */
static void scores_row(const group *g, const double *const *cols, size_t i, double *x)
{
    for (size_t j = 0; j < g->d; j++) x[j] = normal_score(&g->m[j], cols[j][i]);
}

/* ------------------------------------------------------------------ fit / apply */

static int candidate(const state *s, const xp_column *c, size_t n_rows)
{
    if (c->role != XP_ROLE_FEATURE || c->type != XP_COL_NUMERIC) return 0;
    if (s->columns.n && tx_sel_match(&s->columns, c->name) < 0) return 0;
    tx_sorted so;
    if (tx_sorted_make(c->num, n_rows, &so)) return -1;
    size_t distinct = tx_sorted_distinct(&so);
    tx_sorted_free(&so);
    return distinct > 2;
}

static int fit_group(xp_ctx *ctx, state *s, group *g, const xp_frame *train, const size_t *cols_idx,
                     const double *y, double ybar)
{
    size_t n = train->n_rows, d = g->d;
    const double **cols = malloc(d * sizeof *cols);
    double *X = NULL, *G = NULL, *r = NULL, *num = NULL, *den = NULL;
    size_t *rows = NULL;
    int rc = XP_ENOMEM;
    if (!cols) goto out;
    for (size_t j = 0; j < d; j++) {
        const xp_column *c = train->cols[cols_idx[j]];
        cols[j] = c->num;
        g->m[j].name = tx_strdup(c->name);
        tx_sorted so;
        if (!g->m[j].name || tx_sorted_make(c->num, n, &so)) goto out;
        g->m[j].sorted = so.v;
        g->m[j].n = so.n;
    }
    size_t m = distinct_rows(cols, d, n, &rows);
    if (m == (size_t)-1) goto out;
    X = malloc((m ? m : 1) * d * sizeof *X);
    if (!X) goto out;
    for (size_t i = 0; i < m; i++) scores_row(g, cols, rows[i], X + i * d);
    g->n_fit = m;
    /* EM finds a local optimum (two neighbouring classes can end up shared by one
     * component): several k-means++ starts, the best likelihood kept. */
    for (int64_t r = 0; r < s->restarts; r++) {
        group t = *g;
        t.mu = t.var = t.logvar = t.logpi = NULL;
        int bad = gmm_fit(s, &t, X, m, r);
        if (!bad && (r == 0 || t.loglik > g->loglik)) {
            free(g->mu); free(g->var); free(g->logvar); free(g->logpi);
            g->mu = t.mu; g->var = t.var; g->logvar = t.logvar; g->logpi = t.logpi;
            g->k = t.k;
            g->loglik = t.loglik;
        } else {
            free(t.mu); free(t.var); free(t.logvar); free(t.logpi);
        }
        if (bad) goto out;
    }
    /* Class means of the target over all training rows, weighted by responsibility. */
    G = malloc(d * sizeof *G);
    r = malloc((size_t)g->k * sizeof *r);
    num = calloc((size_t)g->k, sizeof *num);
    den = calloc((size_t)g->k, sizeof *den);
    g->te = malloc((size_t)g->k * sizeof *g->te);
    if (!G || !r || !num || !den || !g->te) goto out;
    for (size_t i = 0; i < n; i++) {
        if (isnan(y[i])) continue;
        scores_row(g, cols, i, G);
        responsibilities(g, G, r);
        for (int k = 0; k < g->k; k++) { num[k] += r[k] * y[i]; den[k] += r[k]; }
    }
    for (int k = 0; k < g->k; k++) g->te[k] = (num[k] + s->smoothing * ybar) / (den[k] + s->smoothing);
    rc = XP_OK;
out:
    if (rc) xp_fail(ctx, rc, "out of memory");
    free(cols); free(X); free(G); free(r); free(num); free(den); free(rows);
    return rc;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    clear_learned(s);
    int rc = tx_sel_check(ctx, &s->columns, train, "columns");
    if (rc) return rc;
    size_t n = train->n_rows;
    const xp_column *tc = NULL;
    for (size_t j = 0; j < train->n_cols && !tc; j++)
        if (train->cols[j]->role == XP_ROLE_TARGET) tc = train->cols[j];
    if (!tc || tc->type != XP_COL_NUMERIC)
        return xp_fail(ctx, XP_EINVAL, "cluster_gmm needs a numeric target column (role target) in the training rows");
    double ybar = 0;
    size_t ny = 0;
    for (size_t i = 0; i < n; i++) if (!isnan(tc->num[i])) { ybar += tc->num[i]; ny++; }
    if (!ny) {
        xp_log(ctx, XP_LOG_WARN, "the target has no values in these %zu training rows: nothing learned, no feature added", n);
        return XP_OK;
    }
    ybar /= (double)ny;

    size_t p = 0, *cand = malloc((train->n_cols ? train->n_cols : 1) * sizeof *cand);
    if (!cand) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t j = 0; j < train->n_cols; j++) {
        int is = candidate(s, train->cols[j], n);
        if (is < 0) { free(cand); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
        if (is) cand[p++] = j;
    }
    const double **cols = malloc((p ? p : 1) * sizeof *cols);
    double *rk = NULL, *D = NULL, *mean = NULL;
    size_t *rows = NULL, *label = NULL, *members = NULL;
    int reported = 0;
    rc = XP_ENOMEM;
    if (!cols) goto out;
    for (size_t a = 0; a < p; a++) cols[a] = train->cols[cand[a]]->num;
    size_t m = distinct_rows(cols, p, n, &rows);
    if (m == (size_t)-1) goto out;
    rk = malloc((p && m ? p * m : 1) * sizeof *rk);
    D = malloc((p ? p * p : 1) * sizeof *D);
    mean = malloc((p ? p : 1) * sizeof *mean);
    label = malloc((p ? p : 1) * sizeof *label);
    members = malloc((p ? p : 1) * sizeof *members);
    if (!rk || !D || !mean || !label || !members) goto out;
    for (size_t a = 0; a < p; a++) {
        if (ranks_of(cols[a], rows, m, rk + a * m)) goto out;
        tx_moments mo;
        tx_moments_of(rk + a * m, m, &mo);
        mean[a] = mo.mean;
    }
    /* Spearman |r| between candidates (Pearson of the ranks, pairwise-complete). */
    for (size_t a = 0; a < p; a++) {
        D[a * p + a] = 0;
        for (size_t b = a + 1; b < p; b++) {
            size_t used;
            double r = tx_pearson(rk + a * m, rk + b * m, m, mean[a], mean[b], &used);
            D[a * p + b] = D[b * p + a] = 1 - (isnan(r) ? 0 : fabs(r));
        }
    }
    if (average_linkage(D, p, 1 - s->threshold, label)) goto out;
    s->g = calloc(p ? p : 1, sizeof *s->g);
    if (!s->g) goto out;
    /* Groups in column order: a group is visited at its first member. */
    for (size_t a = 0; a < p; a++) {
        size_t d = 0, first = p;
        for (size_t b = 0; b < p; b++)
            if (label[b] == label[a]) { if (first == p) first = b; members[d++] = cand[b]; }
        if (first != a || d < (size_t)s->min_size) continue;
        group *g = &s->g[s->n_g++];
        g->d = d;
        g->m = calloc(d, sizeof *g->m);
        size_t len = strlen(train->cols[members[0]]->name) + 5;
        g->feature = malloc(len);
        if (!g->m || !g->feature) goto out;
        snprintf(g->feature, len, "gmm_%s", train->cols[members[0]]->name);
        if ((rc = fit_group(ctx, s, g, train, members, tc->num, ybar))) { reported = 1; goto out; }
        rc = XP_ENOMEM;
    }
    rc = XP_OK;
out:
    if (rc && !reported) xp_fail(ctx, rc, "out of memory");
    free(cand); free(cols); free(rk); free(D); free(mean); free(rows); free(label); free(members);
    if (rc) { clear_learned(s); return rc; }

    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_int(&j, "candidates", (int64_t)p);
    json_out_kv_num(&j, "threshold", s->threshold);
    json_out_key(&j, "groups");
    json_out_array(&j);
    tx_line line;
    tx_line_init(&line);
    for (size_t i = 0; i < s->n_g; i++) {
        const group *g = &s->g[i];
        json_out_object(&j);
        json_out_kv_str(&j, "feature", g->feature);
        json_out_key(&j, "members");
        json_out_array(&j);
        for (size_t c = 0; c < g->d; c++) json_out_str(&j, g->m[c].name);
        json_out_end(&j);
        json_out_kv_int(&j, "rows_fitted", (int64_t)g->n_fit);
        json_out_kv_int(&j, "classes", g->k);
        json_out_kv_num(&j, "mean_loglik", g->loglik);
        json_out_key(&j, "weights");
        json_out_array(&j);
        for (int k = 0; k < g->k; k++) json_out_num(&j, exp(g->logpi[k]));
        json_out_end(&j);
        json_out_key(&j, "centres");     /* per class, in normal scores of the members */
        json_out_array(&j);
        for (int k = 0; k < g->k; k++) {
            json_out_array(&j);
            for (size_t c = 0; c < g->d; c++) json_out_num(&j, g->mu[(size_t)k * g->d + c]);
            json_out_end(&j);
        }
        json_out_end(&j);
        json_out_key(&j, "class_means");
        json_out_array(&j);
        for (int k = 0; k < g->k; k++) json_out_num(&j, g->te[k]);
        json_out_end(&j);
        json_out_end(&j);
        tx_line_add(&line, "%s (%zu columns)", g->feature, g->d);
    }
    json_out_end(&j);
    json_out_end(&j);
    xp_log(ctx, XP_LOG_INFO, "%zu group(s) of related columns among %zu candidates: %s", s->n_g, p,
           s->n_g ? tx_line_text(&line) : "none");
    return json_out_record(ctx, &j, "cluster_gmm");
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    state *s = st;
    const xp_host *h = ctx->host;
    for (size_t gi = 0; gi < s->n_g; gi++) {
        const group *g = &s->g[gi];
        const double **cols = malloc(g->d * sizeof *cols);
        double *x = malloc(g->d * sizeof *x), *r = malloc((size_t)g->k * sizeof *r);
        if (!cols || !x || !r) { free(cols); free(x); free(r); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
        for (size_t j = 0; j < g->d; j++) {
            const xp_column *c = h->frame_find(f, g->m[j].name);
            if (!c || c->type != XP_COL_NUMERIC) {
                free(cols); free(x); free(r);
                return xp_fail(ctx, XP_ENOTFOUND, "cluster_gmm: column %s (member of %s) is %s in these rows",
                               g->m[j].name, g->feature, c ? "not numeric" : "missing");
            }
            cols[j] = c->num;
        }
        int old = h->frame_index(f, g->feature);
        if (old >= 0) h->frame_drop(f, (size_t)old);
        xp_column *out = h->frame_add(f, g->feature, XP_COL_NUMERIC, XP_ROLE_FEATURE);
        if (!out) { free(cols); free(x); free(r); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
        for (size_t i = 0; i < f->n_rows; i++) {
            scores_row(g, cols, i, x);
            responsibilities(g, x, r);
            double v = 0;
            for (int k = 0; k < g->k; k++) v += r[k] * g->te[k];
            out->num[i] = v;
        }
        free(cols); free(x); free(r);
    }
    return XP_OK;
}

static const xp_transform_ops ops = {
    .struct_size = sizeof(xp_transform_ops),
    .create = create,
    .fit = fit,
    .apply = apply,
    .destroy = destroy,
};

/* The options, as `runner plugins --help cluster_gmm` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: target_log        # before it: the class means are in model space\n"
    "  - plugin: cluster_gmm\n"
    "    columns: [\"feature_*\"]    # candidates (default: every numeric feature column)\n"
    "    threshold: 0.15           # join columns while average |Spearman r| >= threshold\n"
    "    min_size: 3               # smaller groups are left alone\n"
    "    classes: 20               # mixture components per group\n"
    "    iterations: 60            # EM steps\n"
    "    restarts: 3               # EM runs from different k-means++ starts; best likelihood kept\n"
    "    smoothing: 20             # class mean shrunk to the overall mean with this weight\n"
    "    min_variance: 0.02        # per-dimension variance floor (rank-gauss units)\n"
    "    seed: 0\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "cluster_gmm", "0.1.0",
                                          "groups of related columns -> Gaussian mixture -> target mean per class",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
