/* rank_gauss.c — transform `rank_gauss`: numeric columns to normal scores by their training
 * quantiles (scikit-learn's QuantileTransformer with output_distribution="normal").
 *
 *     runner plugins --help rank_gauss   # its options, as the plugin documents them
 *
 * For a network, a heavy-tailed or lumpy column standardised by its mean and sd crowds most
 * rows into a sliver of the input range; its normal scores spread them evenly. Fitted on the
 * training rows: up to `quantiles` knots (the training values' quantiles at evenly spaced
 * probabilities); a value maps to the probability interpolated between the knots around it
 * (for a value equal to a run of tied knots, the middle of their probabilities, so a column
 * with a few distinct values keeps them apart), then to the standard normal's quantile of
 * it, with probabilities held within [1e-7, 1 - 1e-7] (about +-5.2). Values outside the
 * training range get the end scores. Missing stays missing. Tree models gain nothing from
 * it (a monotone map); bool and categorical columns are left alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txu.h"
#include "xp/xp.h"

typedef struct learned {
    char *name;
    double *knots;               /* n_knots ascending values at probabilities k / (n_knots - 1) */
    size_t n_knots;
} learned;

typedef struct state {
    int64_t quantiles;
    tx_sel columns, exclude;
    learned *cols;
    size_t n_cols;
} state;

static void clear_learned(state *s)
{
    for (size_t i = 0; i < s->n_cols; i++) {
        free(s->cols[i].name);
        free(s->cols[i].knots);
    }
    free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    tx_sel_free(&s->columns);
    tx_sel_free(&s->exclude);
    clear_learned(s);
    free(s);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->quantiles = 256;
    int rc;
    if ((rc = h->cfg_int(ctx, cfg, "quantiles", 0, &s->quantiles)) ||
        (rc = tx_sel_read(ctx, cfg, "columns", &s->columns)) ||
        (rc = tx_sel_read(ctx, cfg, "exclude", &s->exclude)))
        goto fail;
    if (s->quantiles < 2 || s->quantiles > 100000) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: quantiles must be between 2 and 100000, got %lld",
                     h->cfg_where(h->cfg_get(cfg, "quantiles")), (long long)s->quantiles);
        goto fail;
    }
    *out = s;
    return XP_OK;
fail:
    destroy(s);
    return rc;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    int rc;
    clear_learned(s);
    if ((rc = tx_sel_check(ctx, &s->columns, train, "columns")) ||
        (rc = tx_sel_check(ctx, &s->exclude, train, "exclude")))
        return rc;
    s->cols = calloc(train->n_cols ? train->n_cols : 1, sizeof *s->cols);
    if (!s->cols) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    size_t skipped = 0;
    for (size_t j = 0; j < train->n_cols; j++) {
        const xp_column *c = train->cols[j];
        if (c->role != XP_ROLE_FEATURE || c->type != XP_COL_NUMERIC) continue;
        if (s->columns.n && tx_sel_match(&s->columns, c->name) < 0) continue;
        if (tx_sel_match(&s->exclude, c->name) >= 0) continue;
        tx_sorted sorted;
        if (tx_sorted_make(c->num, train->n_rows, &sorted)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
        if (sorted.n < 2 || sorted.v[0] == sorted.v[sorted.n - 1]) {   /* nothing to spread */
            tx_sorted_free(&sorted);
            skipped++;
            continue;
        }
        size_t q = (size_t)s->quantiles < sorted.n ? (size_t)s->quantiles : sorted.n;
        learned *l = &s->cols[s->n_cols];
        l->knots = malloc(q * sizeof *l->knots);
        l->name = tx_strdup(c->name);
        if (!l->knots || !l->name) {
            tx_sorted_free(&sorted);
            free(l->knots);
            free(l->name);
            return xp_fail(ctx, XP_ENOMEM, "out of memory");
        }
        for (size_t k = 0; k < q; k++) l->knots[k] = tx_quantile(sorted.v, sorted.n, (double)k / (double)(q - 1));
        l->n_knots = q;
        s->n_cols++;
        tx_sorted_free(&sorted);
    }
    xp_log(ctx, XP_LOG_INFO, "normal scores for %zu numeric column(s) (up to %lld quantiles each)%s",
           s->n_cols, (long long)s->quantiles, skipped ? "; constant or empty ones left as they are" : "");
    return XP_OK;
}

/* The standard normal's quantile function: Acklam's rational approximation (relative error
 * below 1.2e-9, plenty for an input scaling). p in (0, 1). */
static double normal_quantile(double p)
{
    static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
    static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                6.680131188771972e+01, -1.328068155288572e+01 };
    static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
    static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                3.754408661907416e+00 };
    const double lo = 0.02425;
    if (p < lo) {
        double q = sqrt(-2 * log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - lo) return -normal_quantile(1 - p);
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* The training probability of x: interpolated between the knots around it; the middle of a
 * run of knots equal to x. */
static double probability(const learned *l, double x)
{
    const double *k = l->knots;
    size_t n = l->n_knots;
    if (x < k[0]) return 0;
    if (x > k[n - 1]) return 1;
    /* first knot >= x, last knot <= x */
    size_t lo = 0, hi = n;
    while (lo < hi) { size_t m = lo + (hi - lo) / 2; if (k[m] < x) lo = m + 1; else hi = m; }
    size_t first_ge = lo;
    lo = 0, hi = n;
    while (lo < hi) { size_t m = lo + (hi - lo) / 2; if (k[m] <= x) lo = m + 1; else hi = m; }
    size_t last_le = lo - 1;   /* x >= k[0] here, so lo >= 1 */
    double step = 1.0 / (double)(n - 1);
    if (first_ge <= last_le) return 0.5 * (double)(first_ge + last_le) * step;   /* x is a knot */
    /* k[last_le] < x < k[first_ge], first_ge = last_le + 1 */
    double t = (x - k[last_le]) / (k[first_ge] - k[last_le]);
    return ((double)last_le + t) * step;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    const xp_host *h = ctx->host;
    const double eps = 1e-7;
    for (size_t i = 0; i < s->n_cols; i++) {
        const learned *l = &s->cols[i];
        xp_column *c = h->frame_find(f, l->name);
        if (!c) return xp_fail(ctx, XP_ENOTFOUND, "column %s (learned at fit) is not in this frame", l->name);
        if (c->type != XP_COL_NUMERIC)
            return xp_fail(ctx, XP_EINVAL, "column %s is %s here but was numeric at fit", l->name,
                           xp_col_type_name(c->type));
        for (size_t r = 0; r < f->n_rows; r++) {
            double x = c->num[r];
            if (isnan(x)) continue;
            double p = probability(l, x);
            p = p < eps ? eps : p > 1 - eps ? 1 - eps : p;
            c->num[r] = normal_quantile(p);
        }
    }
    return XP_OK;
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help rank_gauss` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: rank_gauss\n"
    "    quantiles: 256            # knots per column (fewer when it has fewer training values)\n"
    "    columns: [\"feature_*\"]    # optional: only these (default: every numeric feature column)\n"
    "    exclude: [log_quantity]\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "rank_gauss", "1.0.0",
                                          "numeric columns to normal scores by their training quantiles",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
