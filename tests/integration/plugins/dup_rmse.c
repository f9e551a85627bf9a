/* Test plugin that claims a name the built-in metrics already use: a duplicate error
 * naming both files is expected. */
#include <xp/xp.h>
static int noop(xp_ctx *c, const double *y, const double *p, const double *w, size_t n, double *o)
{ (void)c; (void)y; (void)p; (void)w; (void)n; *o = 0; return 0; }
static const xp_metric_ops ops = { sizeof(xp_metric_ops), XP_MINIMIZE, noop };
static const xp_plugin plugin = XP_PLUGIN(XP_KIND_METRIC, "rmse", "0", "duplicate rmse", &ops);
XP_PLUGINS(&plugin)
