/* profile.c — transform `profile`: a dataset profile of the training rows, stored as a record.
 *
 *     runner plugins --help profile       # its options, as the plugin documents them
 *
 * fit computes, per column: type, role, missing share, distinct count, top value and its
 * share, constant / near-constant flags, numeric summary and suspected placeholder codes
 * (frequent negative integer codes such as -5, -2, -8 below or amid the real values); then
 * the pairs of numeric columns with |r| above the threshold (pairwise-complete), and the
 * distribution of the target and of log1p(target) with its histogram. For `runner report`
 * (which draws only what the store holds) it also keeps, per source, the missing share of
 * every column that has missing values or placeholder codes, and the target's quartiles per
 * bin of each `versus` column (placeholder codes of that column in bins of their own).
 * The JSON goes to the record "profile" and a short summary to the log. apply does nothing:
 * profiling never changes the data.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "txu.h"
#include "xp/xp.h"

typedef struct profile {
    double near_constant;
    double max_missing;
    double corr_threshold;
    int64_t max_pairs;
    int64_t top_target_corr;
    int64_t bins;
    const char *source;          /* borrowed from the config; NULL: none */
    tx_sel versus;
    tx_ph_rule rule;
} profile;

typedef struct pair {
    size_t a, b;       /* column indexes */
    double r;
    size_t n;
} pair;

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **state)
{
    const xp_host *h = ctx->host;
    profile *p = calloc(1, sizeof *p);
    if (!p) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    p->near_constant = 0.999;
    p->max_missing = 0.99;
    p->corr_threshold = 0.95;
    p->max_pairs = 200;
    p->top_target_corr = 15;
    p->bins = 40;
    tx_ph_rule_default(&p->rule);
    /* The run's source column unless the step names one (a null `source` turns it off). */
    if (XP_HOST_HAS(h, cfg_root) && h->cfg_root && h->cfg_root(ctx)) {
        const xp_cfg *data = h->cfg_get(h->cfg_root(ctx), "data");
        const xp_cfg *ds = data ? h->cfg_get(data, "source") : NULL;
        if (h->cfg_kind(ds) == XP_CFG_SCALAR) p->source = h->cfg_scalar(ds);
    }
    int rc;
    const xp_cfg *src = h->cfg_get(cfg, "source");
    if (h->cfg_kind(src) == XP_CFG_NULL) p->source = NULL;
    else if ((rc = h->cfg_str(ctx, cfg, "source", 0, &p->source))) { free(p); return rc; }
    if ((rc = h->cfg_num(ctx, cfg, "near_constant", 0, &p->near_constant)) ||
        (rc = h->cfg_num(ctx, cfg, "max_missing", 0, &p->max_missing)) ||
        (rc = h->cfg_num(ctx, cfg, "corr_threshold", 0, &p->corr_threshold)) ||
        (rc = h->cfg_int(ctx, cfg, "max_pairs", 0, &p->max_pairs)) ||
        (rc = h->cfg_int(ctx, cfg, "top_target_corr", 0, &p->top_target_corr)) ||
        (rc = h->cfg_int(ctx, cfg, "bins", 0, &p->bins)) ||
        (rc = tx_sel_read(ctx, cfg, "versus", &p->versus)) ||
        (rc = tx_ph_rule_read(ctx, cfg, &p->rule)) ||
        (rc = tx_cfg_range(ctx, cfg, "near_constant", p->near_constant, 0.5, 1)) ||
        (rc = tx_cfg_range(ctx, cfg, "max_missing", p->max_missing, 0, 1)) ||
        (rc = tx_cfg_range(ctx, cfg, "corr_threshold", p->corr_threshold, 0, 1)) ||
        (rc = tx_cfg_range(ctx, cfg, "max_pairs", (double)p->max_pairs, 0, 1e6)) ||
        (rc = tx_cfg_range(ctx, cfg, "top_target_corr", (double)p->top_target_corr, 0, 1e6)) ||
        (rc = tx_cfg_range(ctx, cfg, "bins", (double)p->bins, 2, 1000))) {
        tx_sel_free(&p->versus);
        free(p);
        return rc;
    }
    *state = p;
    return XP_OK;
}

static int is_num(const xp_column *c)
{
    return c->type == XP_COL_NUMERIC || c->type == XP_COL_BOOL;
}

/* Per-column results the summary needs after the JSON is written. */
typedef struct colinfo {
    double missing_share;
    double top_share;
    size_t distinct;
    int constant, near_constant;
    size_t n_codes;
    tx_ph_code codes[8];
    double mean;       /* for correlation centring */
} colinfo;

static int profile_column(xp_ctx *ctx, const profile *p, const xp_column *c, size_t n_rows,
                          json_out *j, colinfo *ci)
{
    json_out_object(j);
    json_out_kv_str(j, "name", c->name);
    json_out_kv_str(j, "type", xp_col_type_name(c->type));
    json_out_kv_str(j, "role", xp_role_name(c->role));
    size_t n_missing = tx_col_missing(c, n_rows), n_present = n_rows - n_missing;
    ci->missing_share = n_rows ? (double)n_missing / (double)n_rows : 0;
    json_out_kv_int(j, "missing", (int64_t)n_missing);
    json_out_kv_num(j, "missing_share", ci->missing_share);
    size_t top_count = 0;
    if (is_num(c)) {
        tx_sorted s;
        if (tx_sorted_make(c->num, n_rows, &s)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
        double top;
        ci->distinct = tx_sorted_distinct(&s);
        top_count = tx_sorted_top(&s, &top);
        json_out_kv_int(j, "distinct", (int64_t)ci->distinct);
        json_out_kv_num(j, "top_value", top);
        tx_moments m;
        tx_moments_of(c->num, n_rows, &m);
        ci->mean = m.mean;
        json_out_kv_num(j, "min", m.min);
        json_out_kv_num(j, "median", tx_quantile(s.v, s.n, 0.5));
        json_out_kv_num(j, "max", m.max);
        json_out_kv_num(j, "mean", m.mean);
        json_out_kv_num(j, "std", m.std);
        ci->n_codes = c->type == XP_COL_NUMERIC
                          ? tx_ph_detect(&s, &p->rule, ci->codes,
                                         sizeof ci->codes / sizeof ci->codes[0])
                          : 0;
        tx_sorted_free(&s);
    } else {
        tx_counts k;
        if (tx_col_counts(c, n_rows, &k)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
        ci->distinct = k.distinct;
        top_count = k.top_count;
        json_out_kv_int(j, "distinct", (int64_t)ci->distinct);
        json_out_kv_str(j, "top_value", k.top_text);
        ci->mean = NAN;
    }
    ci->top_share = n_present ? (double)top_count / (double)n_present : 0;
    ci->constant = ci->distinct <= 1;
    ci->near_constant = !ci->constant && ci->top_share >= p->near_constant;
    json_out_kv_num(j, "top_share", ci->top_share);
    json_out_kv_bool(j, "constant", ci->constant);
    json_out_kv_bool(j, "near_constant", ci->near_constant);
    json_out_key(j, "placeholders");
    json_out_array(j);
    for (size_t k = 0; k < ci->n_codes; k++) {
        json_out_object(j);
        json_out_kv_num(j, "value", ci->codes[k].value);
        json_out_kv_int(j, "count", (int64_t)ci->codes[k].count);
        json_out_kv_num(j, "share", ci->codes[k].share);
        json_out_end(j);
    }
    json_out_end(j);
    json_out_end(j);
    return XP_OK;
}

static int cmp_pair(const void *a, const void *b)
{
    double x = fabs(((const pair *)a)->r), y = fabs(((const pair *)b)->r);
    return (x < y) - (x > y);   /* strongest first */
}

static void distribution(json_out *j, const double *sorted, size_t n, const double *raw, size_t n_rows)
{
    static const double qs[] = { 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 };
    static const char *const qn[] = { "q01", "q05", "q25", "median", "q75", "q95", "q99" };
    tx_moments m;
    tx_moments_of(raw, n_rows, &m);
    json_out_kv_int(j, "n", (int64_t)n);
    json_out_kv_num(j, "min", n ? sorted[0] : NAN);
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++)
        json_out_kv_num(j, qn[k], tx_quantile(sorted, n, qs[k]));
    json_out_kv_num(j, "max", n ? sorted[n - 1] : NAN);
    json_out_kv_num(j, "mean", m.mean);
    json_out_kv_num(j, "std", m.std);
    json_out_kv_num(j, "skew", m.skew);
}

/* Equal-width histogram of sorted values: {"lo", "hi", "counts": [...]}. */
static void histogram(json_out *j, const double *sorted, size_t n, size_t bins)
{
    json_out_key(j, "histogram");
    if (!n) { json_out_null(j); return; }
    double lo = sorted[0], hi = sorted[n - 1], w = (hi - lo) / (double)bins;
    json_out_object(j);
    json_out_kv_num(j, "lo", lo);
    json_out_kv_num(j, "hi", hi);
    json_out_key(j, "counts");
    json_out_array(j);
    size_t i = 0;
    for (size_t b = 0; b < bins; b++) {
        /* sorted input: count the run of values below the bin's upper edge; the last bin
         * is closed on the right so the maximum is counted (all of them when hi == lo) */
        size_t c = 0;
        double edge = lo + w * (double)(b + 1);
        while (i < n && (b == bins - 1 || sorted[i] < edge)) { i++; c++; }
        json_out_int(j, (int64_t)c);
    }
    json_out_end(j);
    json_out_end(j);
}

/* Target distribution, raw and log1p; logs its one-line summary. */
static int profile_target(xp_ctx *ctx, const xp_column *t, size_t n_rows, size_t bins, json_out *j)
{
    json_out_key(j, "target");
    if (!t || !is_num(t)) {
        json_out_null(j);
        xp_log(ctx, XP_LOG_INFO, "target: %s", t ? "not numeric" : "no column with role target");
        return XP_OK;
    }
    tx_sorted s;
    double *lg = malloc((n_rows ? n_rows : 1) * sizeof *lg);
    if (!lg || tx_sorted_make(t->num, n_rows, &s)) {
        free(lg);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    json_out_object(j);
    json_out_kv_str(j, "name", t->name);
    distribution(j, s.v, s.n, t->num, n_rows);
    tx_moments m, ml;
    tx_moments_of(t->num, n_rows, &m);
    double med = tx_quantile(s.v, s.n, 0.5);
    int loggable = s.n > 0 && s.v[0] > -1;
    json_out_key(j, "log1p");
    if (loggable) {
        for (size_t i = 0; i < n_rows; i++) lg[i] = log1p(t->num[i]);
        for (size_t i = 0; i < s.n; i++) s.v[i] = log1p(s.v[i]);   /* monotone: stays sorted */
        json_out_object(j);
        distribution(j, s.v, s.n, lg, n_rows);
        histogram(j, s.v, s.n, bins);
        json_out_end(j);
        tx_moments_of(lg, n_rows, &ml);
    } else {
        json_out_null(j);
    }
    json_out_end(j);
    if (loggable)
        xp_log(ctx, XP_LOG_INFO,
               "target column %s: n %zu, min %g, median %g, mean %g, max %g, skew %.2f; log1p skew %.2f",
               t->name, m.n, m.min, med, m.mean, m.max, m.skew, ml.skew);
    else
        xp_log(ctx, XP_LOG_INFO, "target column %s: n %zu, min %g, median %g, mean %g, max %g, skew %.2f",
               t->name, m.n, m.min, med, m.mean, m.max, m.skew);
    tx_sorted_free(&s);
    free(lg);
    return XP_OK;
}

/* ------------------------------------------------------------ views for the report */

/* Source label of row i ("" when missing), for numeric and categorical source columns. */
static const char *source_label(const xp_column *c, size_t i, char buf[32])
{
    if (c->type == XP_COL_CATEGORICAL) return c->codes[i] >= 0 ? c->levels[c->codes[i]] : "";
    if (isnan(c->num[i])) return "";
    return tx_num_text(c->num[i], buf, 32);
}

/* "missing_by_source": rows per source and, for every column with missing values or
 * placeholder codes, the share of each source's rows that is missing or a code. Missing
 * data that depends on the source says where a model must not trust a column. */
static int profile_by_source(xp_ctx *ctx, const profile *p, const xp_frame *f, const colinfo *ci,
                             json_out *j)
{
    enum { MAX_SOURCES = 64 };
    json_out_key(j, "missing_by_source");
    const xp_column *sc = p->source ? ctx->host->frame_find(f, p->source) : NULL;
    if (!sc || !(sc->type == XP_COL_CATEGORICAL || sc->type == XP_COL_NUMERIC || sc->type == XP_COL_BOOL)) {
        json_out_null(j);
        return XP_OK;
    }
    size_t n = f->n_rows;
    tx_names labels = { 0 };
    int *of = malloc((n ? n : 1) * sizeof *of);
    if (!of) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    char buf[32];
    for (size_t i = 0; i < n; i++) {
        const char *l = source_label(sc, i, buf);
        int k = tx_names_find(&labels, l);
        if (k < 0 && labels.n < MAX_SOURCES) {
            if (tx_names_add(&labels, l)) { free(of); tx_names_clear(&labels); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
            k = (int)labels.n - 1;
        }
        of[i] = k;   /* -1: past MAX_SOURCES, left out */
    }
    size_t ns = labels.n;
    size_t *rows = calloc(ns ? ns : 1, sizeof *rows), *miss = calloc(ns ? ns : 1, sizeof *miss);
    if (!rows || !miss) {
        free(of); free(rows); free(miss); tx_names_clear(&labels);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) if (of[i] >= 0) rows[of[i]]++;
    json_out_object(j);
    json_out_kv_str(j, "column", sc->name);
    json_out_kv_bool(j, "truncated", labels.n == MAX_SOURCES);
    json_out_key(j, "sources");
    json_out_array(j);
    for (size_t k = 0; k < ns; k++) json_out_str(j, labels.v[k]);
    json_out_end(j);
    json_out_key(j, "rows");
    json_out_array(j);
    for (size_t k = 0; k < ns; k++) json_out_int(j, (int64_t)rows[k]);
    json_out_end(j);
    json_out_key(j, "columns");
    json_out_array(j);
    for (size_t c = 0; c < f->n_cols; c++) {
        const xp_column *col = f->cols[c];
        if (col == sc || (ci[c].missing_share <= 0 && !ci[c].n_codes)) continue;
        memset(miss, 0, ns * sizeof *miss);
        for (size_t i = 0; i < n; i++) {
            if (of[i] < 0) continue;
            int m = tx_col_is_missing(col, i);
            for (size_t k = 0; !m && k < ci[c].n_codes; k++) m = col->num[i] == ci[c].codes[k].value;
            if (m) miss[of[i]]++;
        }
        json_out_object(j);
        json_out_kv_str(j, "name", col->name);
        json_out_kv_bool(j, "codes", ci[c].n_codes > 0);
        json_out_key(j, "share");
        json_out_array(j);
        for (size_t k = 0; k < ns; k++) json_out_num(j, rows[k] ? (double)miss[k] / (double)rows[k] : 0);
        json_out_end(j);
        json_out_end(j);
    }
    json_out_end(j);
    json_out_end(j);
    free(of); free(rows); free(miss);
    tx_names_clear(&labels);
    return XP_OK;
}

typedef struct xy {
    double x, y;
} xy;

static int cmp_xy(const void *a, const void *b)
{
    double u = ((const xy *)a)->x, v = ((const xy *)b)->x;
    return (u > v) - (u < v);
}

static int cmp_dbl(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* One bin of a `versus` column: its x range and the target's quantiles (ys is scratch). */
static void versus_bin(json_out *j, const xy *v, size_t n, double *ys)
{
    for (size_t i = 0; i < n; i++) ys[i] = v[i].y;
    qsort(ys, n, sizeof *ys, cmp_dbl);
    json_out_object(j);
    json_out_kv_num(j, "lo", v[0].x);
    json_out_kv_num(j, "hi", v[n - 1].x);
    json_out_kv_num(j, "x", v[n / 2].x);
    json_out_kv_int(j, "n", (int64_t)n);
    json_out_kv_num(j, "q10", tx_quantile(ys, n, 0.10));
    json_out_kv_num(j, "q25", tx_quantile(ys, n, 0.25));
    json_out_kv_num(j, "median", tx_quantile(ys, n, 0.5));
    json_out_kv_num(j, "q75", tx_quantile(ys, n, 0.75));
    json_out_kv_num(j, "q90", tx_quantile(ys, n, 0.90));
    json_out_end(j);
}

/* "versus": per named numeric column, the target's quantiles per bin of the column (one bin
 * per value when there are few values, else about equal-count bins that never split a value),
 * and per placeholder code of the column in a bin of its own ("codes"). */
static int profile_versus(xp_ctx *ctx, const profile *p, const xp_frame *f, const xp_column *t,
                          const colinfo *ci, json_out *j)
{
    enum { MAX_BINS = 30 };
    json_out_key(j, "versus");
    json_out_array(j);
    int rc = p->versus.n && t && is_num(t) ? tx_sel_check(ctx, &p->versus, f, "versus") : XP_OK;
    size_t n = f->n_rows;
    xy *v = rc ? NULL : malloc((n ? n : 1) * sizeof *v);
    double *ys = rc ? NULL : malloc((n ? n : 1) * sizeof *ys);
    if (!rc && (!v || !ys)) rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t c = 0; !rc && t && is_num(t) && c < f->n_cols; c++) {
        const xp_column *col = f->cols[c];
        if (col == t || tx_sel_match(&p->versus, col->name) < 0) continue;
        if (!is_num(col)) {
            xp_log(ctx, XP_LOG_WARN, "versus: %s is not numeric; skipped", col->name);
            continue;
        }
        json_out_object(j);
        json_out_kv_str(j, "column", col->name);
        json_out_key(j, "codes");
        json_out_array(j);
        for (size_t k = 0; k < ci[c].n_codes; k++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (col->num[i] == ci[c].codes[k].value && !isnan(t->num[i])) v[m++] = (xy){ col->num[i], t->num[i] };
            if (m) versus_bin(j, v, m, ys);
        }
        json_out_end(j);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            int code = 0;
            for (size_t k = 0; k < ci[c].n_codes; k++) code |= col->num[i] == ci[c].codes[k].value;
            if (!code && !isnan(col->num[i]) && !isnan(t->num[i])) v[m++] = (xy){ col->num[i], t->num[i] };
        }
        qsort(v, m, sizeof *v, cmp_xy);
        size_t distinct = 0;
        for (size_t i = 0; i < m; i++) distinct += !i || v[i].x != v[i - 1].x;
        json_out_key(j, "bins");
        json_out_array(j);
        size_t per = distinct <= MAX_BINS ? 1 : (m + MAX_BINS - 1) / MAX_BINS;
        for (size_t a = 0; a < m;) {
            size_t b = a + 1;
            if (distinct <= MAX_BINS) { while (b < m && v[b].x == v[a].x) b++; }
            else {
                b = a + per < m ? a + per : m;
                while (b < m && v[b].x == v[b - 1].x) b++;   /* a value never straddles two bins */
            }
            versus_bin(j, v + a, b - a, ys);
            a = b;
        }
        json_out_end(j);
        json_out_end(j);
    }
    json_out_end(j);
    free(v);
    free(ys);
    return rc;
}

static int fit(xp_ctx *ctx, void *state, const xp_frame *train)
{
    const profile *p = state;
    size_t n_rows = train->n_rows, n_cols = train->n_cols;
    colinfo *ci = calloc(n_cols ? n_cols : 1, sizeof *ci);
    size_t *num = malloc((n_cols ? n_cols : 1) * sizeof *num);
    pair *pairs = NULL;
    size_t n_pairs = 0, cap_pairs = 0;
    json_out j;
    json_out_init(&j);
    int rc = XP_OK;
    if (!ci || !num) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }

    size_t by_type[5] = { 0 };
    json_out_object(&j);
    json_out_kv_int(&j, "n_rows", (int64_t)n_rows);
    json_out_kv_int(&j, "n_cols", (int64_t)n_cols);
    json_out_key(&j, "columns");
    json_out_array(&j);
    for (size_t c = 0; c < n_cols; c++) {
        by_type[train->cols[c]->type % 5]++;
        if ((rc = profile_column(ctx, p, train->cols[c], n_rows, &j, &ci[c]))) goto out;
        ctx->host->progress(ctx, "profile", c + 1, n_cols);
    }
    json_out_end(&j);

    /* Correlated pairs among numeric non-target columns that vary. */
    size_t n_num = 0;
    const xp_column *target = NULL;
    for (size_t c = 0; c < n_cols; c++) {
        const xp_column *col = train->cols[c];
        if (col->role == XP_ROLE_TARGET && !target) target = col;
        if (is_num(col) && col->role != XP_ROLE_TARGET && ci[c].distinct > 1) num[n_num++] = c;
    }
    for (size_t a = 0; a < n_num; a++)
        for (size_t b = a + 1; b < n_num; b++) {
            size_t n_used;
            double r = tx_pearson(train->cols[num[a]]->num, train->cols[num[b]]->num, n_rows,
                                  ci[num[a]].mean, ci[num[b]].mean, &n_used);
            if (!(fabs(r) > p->corr_threshold) || n_used < 3) continue;
            if (n_pairs == cap_pairs) {
                cap_pairs = cap_pairs ? 2 * cap_pairs : 64;
                pair *np = realloc(pairs, cap_pairs * sizeof *np);
                if (!np) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
                pairs = np;
            }
            pairs[n_pairs++] = (pair){ num[a], num[b], r, n_used };
        }
    if (n_pairs) qsort(pairs, n_pairs, sizeof *pairs, cmp_pair);   /* pairs may be NULL */
    json_out_kv_num(&j, "corr_threshold", p->corr_threshold);
    json_out_kv_int(&j, "n_correlated_pairs", (int64_t)n_pairs);
    json_out_key(&j, "correlated_pairs");
    json_out_array(&j);
    for (size_t k = 0; k < n_pairs && k < (size_t)p->max_pairs; k++) {
        json_out_object(&j);
        json_out_kv_str(&j, "a", train->cols[pairs[k].a]->name);
        json_out_kv_str(&j, "b", train->cols[pairs[k].b]->name);
        json_out_kv_num(&j, "r", pairs[k].r);
        json_out_kv_int(&j, "n", (int64_t)pairs[k].n);
        json_out_end(&j);
    }
    json_out_end(&j);

    /* Features most correlated with the target (reuses the pair struct: b unused). */
    size_t n_tc = 0;
    pair *tc = NULL;
    if (target && is_num(target)) {
        tx_moments tm;
        tx_moments_of(target->num, n_rows, &tm);
        tc = malloc((n_num ? n_num : 1) * sizeof *tc);
        if (!tc) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
        for (size_t a = 0; a < n_num; a++) {
            size_t n_used;
            double r = tx_pearson(train->cols[num[a]]->num, target->num, n_rows, ci[num[a]].mean,
                                  tm.mean, &n_used);
            /* a 99%-empty column correlates by chance on its few rows: not worth listing */
            if (isfinite(r) && n_used >= 30 && (double)n_used >= 0.01 * (double)n_rows)
                tc[n_tc++] = (pair){ num[a], 0, r, n_used };
        }
        qsort(tc, n_tc, sizeof *tc, cmp_pair);
    }
    json_out_key(&j, "target_correlations");
    json_out_array(&j);
    for (size_t k = 0; k < n_tc && k < (size_t)p->top_target_corr; k++) {
        json_out_object(&j);
        json_out_kv_str(&j, "name", train->cols[tc[k].a]->name);
        json_out_kv_num(&j, "r", tc[k].r);
        json_out_kv_int(&j, "n", (int64_t)tc[k].n);
        json_out_end(&j);
    }
    json_out_end(&j);

    /* The summary: one line per finding. */
    xp_log(ctx, XP_LOG_INFO, "%zu rows x %zu columns (%zu numeric, %zu bool, %zu categorical, %zu text)",
           n_rows, n_cols, by_type[XP_COL_NUMERIC], by_type[XP_COL_BOOL],
           by_type[XP_COL_CATEGORICAL], by_type[XP_COL_TEXT]);
    tx_line empty, cons, codes, corr, tcl;
    tx_line_init(&empty);
    tx_line_init(&cons);
    tx_line_init(&codes);
    tx_line_init(&corr);
    tx_line_init(&tcl);
    size_t n_codes = 0;
    for (size_t c = 0; c < n_cols; c++) {
        const char *name = train->cols[c]->name;
        if (ci[c].missing_share >= p->max_missing)
            tx_line_add(&empty, "%s (%.2f%%)", name, 100 * ci[c].missing_share);
        else if (ci[c].constant)
            tx_line_add(&cons, "%s (constant)", name);
        else if (ci[c].near_constant)
            tx_line_add(&cons, "%s (top %.2f%%)", name, 100 * ci[c].top_share);
        if (ci[c].n_codes) {
            char buf[160] = "";
            size_t len = 0;
            for (size_t k = 0; k < ci[c].n_codes && len < sizeof buf - 40; k++)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%g: %.1f%%", k ? ", " : "",
                                        ci[c].codes[k].value, 100 * ci[c].codes[k].share);
            tx_line_add(&codes, "%s [%s]", name, buf);
            n_codes++;
        }
    }
    for (size_t k = 0; k < n_pairs; k++)
        tx_line_add(&corr, "%s~%s %.3f", train->cols[pairs[k].a]->name,
                    train->cols[pairs[k].b]->name, pairs[k].r);
    for (size_t k = 0; k < n_tc && k < 5; k++)
        tx_line_add(&tcl, "%s %.2f", train->cols[tc[k].a]->name, tc[k].r);
    xp_log(ctx, XP_LOG_INFO, "mostly empty (>= %g%% missing): %s", 100 * p->max_missing,
           tx_line_text(&empty));
    xp_log(ctx, XP_LOG_INFO, "constant or near-constant (top share >= %g): %s", p->near_constant,
           tx_line_text(&cons));
    xp_log(ctx, XP_LOG_INFO, "placeholder codes in %zu columns: %s", n_codes, tx_line_text(&codes));
    xp_log(ctx, XP_LOG_INFO, "%zu pairs with |r| > %g: %s", n_pairs, p->corr_threshold,
           tx_line_text(&corr));
    if (n_tc) xp_log(ctx, XP_LOG_INFO, "strongest with the target: %s", tx_line_text(&tcl));
    free(tc);

    if ((rc = profile_target(ctx, target, n_rows, (size_t)p->bins, &j)) ||
        (rc = profile_by_source(ctx, p, train, ci, &j)) ||
        (rc = profile_versus(ctx, p, train, target, ci, &j)))
        goto out;
    json_out_end(&j);
    rc = json_out_record(ctx, &j, "profile");
out:
    json_out_free(&j);
    free(pairs);
    free(num);
    free(ci);
    return rc;
}

static int apply(xp_ctx *ctx, void *state, xp_frame *f)
{
    (void)ctx;
    (void)state;
    (void)f;
    return XP_OK;
}

static void destroy(void *state)
{
    profile *p = state;
    tx_sel_free(&p->versus);
    free(p);
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help profile` prints them. */
static const char options_text[] =
    "profile:                     # the config's profile stages: run once on the dev rows\n"
    "  - plugin: profile\n"
    "    near_constant: 0.999     # top-value share that makes a column \"near-constant\"\n"
    "    max_missing: 0.99        # missing share listed as \"mostly empty\"\n"
    "    corr_threshold: 0.95     # |Pearson r| reported as a correlated pair\n"
    "    max_pairs: 200           # pairs kept in the record (strongest first)\n"
    "    top_target_corr: 15      # features most correlated with the target, kept in the record\n"
    "    min_share: 0.01          # placeholder rule (see txu.h tx_ph_detect)\n"
    "    min_code: -99\n"
    "    min_other_distinct: 3\n"
    "    max_codes: 4\n"
    "    min_ratio: 5\n"
    "    source: source_id        # per-source missing shares (default: the config's data.source)\n"
    "    versus: [quantity]       # the target summarised per bin of these numeric columns\n"
    "    bins: 40                 # histogram bins of log1p(target); at most 30 bins per `versus`\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "profile", "1.0.0",
                                          "dataset profile of the training rows (record \"profile\")",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
