/* Test plugin whose descriptor ends at `ops`, as one built against the first-release headers
 * (before the optional `options` field): it must load, and `runner plugins --help` must not
 * read past its struct_size. */
#include <stddef.h>
#include <xp/xp.h>
static int noop(xp_ctx *c, const double *y, const double *p, const double *w, size_t n, double *o)
{ (void)c; (void)y; (void)p; (void)w; (void)n; *o = 0; return 0; }
static const xp_metric_ops ops = { sizeof(xp_metric_ops), XP_MINIMIZE, noop };
/* A garbage `options` pointer proves the runner honours struct_size. */
static const xp_plugin plugin = { XP_ABI_VERSION, (uint32_t)offsetof(xp_plugin, options), XP_KIND_METRIC,
                                  "old_desc", "0.1", "descriptor from the first-release headers", &ops,
                                  (const char *)1 };
XP_PLUGINS(&plugin)
