/* Out-of-tree test plugin: a metric built against include/xp alone (no runner symbols),
 * dropped into a plugins/ folder to prove a new .so is used without rebuilding anything.
 * Max absolute error. */
#include <math.h>
#include <xp/xp.h>

static int max_abs(xp_ctx *ctx, const double *y, const double *p, const double *w, size_t n, double *out)
{
    (void)w;
    if (!n) return xp_fail(ctx, XP_EINVAL, "max_abs_error: no rows");
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(y[i] - p[i]));
    *out = m;
    return XP_OK;
}

static const xp_metric_ops ops = { sizeof(xp_metric_ops), XP_MINIMIZE, max_abs };
static const xp_plugin plugin = XP_PLUGIN(XP_KIND_METRIC, "max_abs_error", "0.1.0",
                                          "largest absolute error (out-of-tree test plugin)", &ops);
XP_PLUGINS(&plugin)
