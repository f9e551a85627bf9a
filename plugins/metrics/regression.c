/* plugins/metrics/regression.c — regression metrics: rmse, mae, r2, rmsle, mape (one .so).
 *
 *     metrics: [rmse, r2]            # in a config; the first one can be the search objective
 *
 *     const xp_metric_ops *ops = registry_find(r, XP_KIND_METRIC, "rmse")->ops;
 *     double v; if (ops->compute(ctx, y, pred, w, n, &v) == XP_OK) ...
 *
 * y and pred are in the original target space; w (may be NULL) gives weighted versions:
 * every mean below is sum(w * term) / sum(w). Bad input is an error, never a NaN result:
 * no rows, a NaN/infinite value, a negative weight or all-zero weights, and each metric's
 * own domain (constant target for r2, y < -1 for rmsle, y == 0 for mape).
 */
#include <math.h>
#include <stddef.h>

#include <xp/xp.h>

/* Checks shared by every metric; *wsum receives sum(w) (n when unweighted). */
static int check_inputs(xp_ctx *ctx, const char *name, const double *y, const double *pred,
                        const double *w, size_t n, double *wsum)
{
    if (n == 0) return xp_fail(ctx, XP_EINVAL, "%s: no rows to score", name);
    size_t bad_y = 0, bad_p = 0, bad_w = 0, first_y = 0, first_p = 0, first_w = 0;
    double sw = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]) && !bad_y++) first_y = i;
        if (!isfinite(pred[i]) && !bad_p++) first_p = i;
        if (w) {
            if ((!isfinite(w[i]) || w[i] < 0) && !bad_w++) first_w = i;
            else sw += w[i];
        }
    }
    if (bad_y)
        return xp_fail(ctx, XP_EINVAL, "%s: %zu of %zu targets are missing or infinite (first at "
                       "row %zu)", name, bad_y, n, first_y);
    if (bad_p)
        return xp_fail(ctx, XP_EINVAL, "%s: %zu of %zu predictions are NaN or infinite (first at "
                       "row %zu)", name, bad_p, n, first_p);
    if (bad_w)
        return xp_fail(ctx, XP_EINVAL, "%s: %zu of %zu weights are negative, NaN or infinite "
                       "(first at row %zu)", name, bad_w, n, first_w);
    if (w && !(sw > 0))
        return xp_fail(ctx, XP_EINVAL, "%s: the weights sum to zero", name);
    *wsum = w ? sw : (double)n;
    return XP_OK;
}

#define W(i) (w ? w[i] : 1.0)

static int rmse(xp_ctx *ctx, const double *y, const double *pred, const double *w, size_t n,
                double *out)
{
    double sw;
    int rc = check_inputs(ctx, "rmse", y, pred, w, n, &sw);
    if (rc) return rc;
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = y[i] - pred[i];
        s += W(i) * d * d;
    }
    *out = sqrt(s / sw);
    return XP_OK;
}

static int mae(xp_ctx *ctx, const double *y, const double *pred, const double *w, size_t n,
               double *out)
{
    double sw;
    int rc = check_inputs(ctx, "mae", y, pred, w, n, &sw);
    if (rc) return rc;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += W(i) * fabs(y[i] - pred[i]);
    *out = s / sw;
    return XP_OK;
}

static int r2(xp_ctx *ctx, const double *y, const double *pred, const double *w, size_t n,
              double *out)
{
    double sw;
    int rc = check_inputs(ctx, "r2", y, pred, w, n, &sw);
    if (rc) return rc;
    double mean = 0;
    for (size_t i = 0; i < n; i++) mean += W(i) * y[i];
    mean /= sw;
    double ss_res = 0, ss_tot = 0;
    for (size_t i = 0; i < n; i++) {
        double r = y[i] - pred[i], t = y[i] - mean;
        ss_res += W(i) * r * r;
        ss_tot += W(i) * t * t;
    }
    /* Two-pass mean keeps ss_tot exact for a constant target, so == 0 is a real test. */
    if (ss_tot == 0)
        return xp_fail(ctx, XP_EINVAL, "r2: the target is constant over the %zu scored rows "
                       "(total sum of squares 0), so R² is undefined", n);
    *out = 1.0 - ss_res / ss_tot;
    return XP_OK;
}

static int rmsle(xp_ctx *ctx, const double *y, const double *pred, const double *w, size_t n,
                 double *out)
{
    double sw;
    int rc = check_inputs(ctx, "rmsle", y, pred, w, n, &sw);
    if (rc) return rc;
    size_t bad = 0, first = 0, clipped = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] < -1 && !bad++) first = i;
    if (bad)
        return xp_fail(ctx, XP_EINVAL, "rmsle: %zu of %zu targets are below -1 (first at row %zu, "
                       "value %g), where log1p is undefined", bad, n, first, y[first]);
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double p = pred[i];
        if (p < 0) { p = 0; clipped++; }
        double d = log1p(p) - log1p(y[i]);
        s += W(i) * d * d;
    }
    if (clipped)
        xp_log(ctx, XP_LOG_DEBUG, "rmsle: %zu negative prediction(s) clipped to 0", clipped);
    *out = sqrt(s / sw);
    return XP_OK;
}

static int mape(xp_ctx *ctx, const double *y, const double *pred, const double *w, size_t n,
                double *out)
{
    double sw;
    int rc = check_inputs(ctx, "mape", y, pred, w, n, &sw);
    if (rc) return rc;
    size_t zeros = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] == 0 && !zeros++) first = i;
    if (zeros)
        return xp_fail(ctx, XP_EINVAL, "mape: %zu of %zu targets are 0 (first at row %zu), where "
                       "the percentage error is undefined", zeros, n, first);
    double s = 0;
    for (size_t i = 0; i < n; i++) s += W(i) * fabs(y[i] - pred[i]) / fabs(y[i]);
    *out = s / sw;
    return XP_OK;
}

static const xp_metric_ops rmse_ops = { sizeof(xp_metric_ops), XP_MINIMIZE, rmse };
static const xp_metric_ops mae_ops = { sizeof(xp_metric_ops), XP_MINIMIZE, mae };
static const xp_metric_ops r2_ops = { sizeof(xp_metric_ops), XP_MAXIMIZE, r2 };
static const xp_metric_ops rmsle_ops = { sizeof(xp_metric_ops), XP_MINIMIZE, rmsle };
static const xp_metric_ops mape_ops = { sizeof(xp_metric_ops), XP_MINIMIZE, mape };

static const xp_plugin rmse_plugin = XP_PLUGIN(XP_KIND_METRIC, "rmse", "1.0.0",
    "root mean squared error, sqrt(mean((y - pred)^2)); weighted if weights are given", &rmse_ops);
static const xp_plugin mae_plugin = XP_PLUGIN(XP_KIND_METRIC, "mae", "1.0.0",
    "mean absolute error, mean(|y - pred|); weighted if weights are given", &mae_ops);
static const xp_plugin r2_plugin = XP_PLUGIN(XP_KIND_METRIC, "r2", "1.0.0",
    "coefficient of determination, 1 - SSres/SStot (maximize); weighted if weights are given; "
    "error on a constant target", &r2_ops);
static const xp_plugin rmsle_plugin = XP_PLUGIN(XP_KIND_METRIC, "rmsle", "1.0.0",
    "root mean squared log error, sqrt(mean((log1p(pred) - log1p(y))^2)); negative predictions "
    "are clipped to 0; error if y < -1", &rmsle_ops);
static const xp_plugin mape_plugin = XP_PLUGIN(XP_KIND_METRIC, "mape", "1.0.0",
    "mean absolute percentage error as a fraction, mean(|y - pred| / |y|) (0.1 = 10%); error if "
    "any y == 0", &mape_ops);

XP_PLUGINS(&rmse_plugin, &mae_plugin, &r2_plugin, &rmsle_plugin, &mape_plugin)
