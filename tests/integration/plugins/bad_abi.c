/* Test plugin built for a different ABI version: the registry must refuse it by name. */
#include <xp/xp.h>
static int noop(xp_ctx *c, const double *y, const double *p, const double *w, size_t n, double *o)
{ (void)c; (void)y; (void)p; (void)w; (void)n; *o = 0; return 0; }
static const xp_metric_ops ops = { sizeof(xp_metric_ops), XP_MINIMIZE, noop };
static const xp_plugin plugin = { 999u, sizeof(xp_plugin), XP_KIND_METRIC, "bad_abi", "0", "wrong ABI", &ops, NULL };
static const xp_plugin *const list[] = { &plugin };
static const xp_plugin_list set = { 999u, sizeof(xp_plugin_list), 1, list };
__attribute__((visibility("default"))) const xp_plugin_list *xp_plugin_entry(void);
__attribute__((visibility("default"))) const xp_plugin_list *xp_plugin_entry(void) { return &set; }
