/* quantity.c — transform `quantity`: features from a quantity column whose placeholder (-2)
 * means "unknown".
 *
 *     runner plugins --help quantity       # its options, as the plugin documents them
 *
 * Adds `<column>_known` (bool feature: 1 when the value is present and not the placeholder)
 * and, with `log`, `log_<column>` (NaN where unknown). A price scales with quantity, so the
 * log lets trees split on orders of magnitude, and the flag keeps "unknown" distinct from
 * any real count once the placeholder became NaN. Nothing is learned: fit only checks the
 * column and logs how much of it is unknown.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txu.h"
#include "xp/xp.h"

typedef struct state {
    char *name, *known, *logname;
    double placeholder;
    int set_missing, log;
} state;

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    free(s->name);
    free(s->known);
    free(s->logname);
    free(s);
}

static char *joined(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s", a, b);
    return s;
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    const char *column = "quantity";
    s->placeholder = -2;
    s->set_missing = 1;
    s->log = 1;
    int rc;
    if ((rc = h->cfg_str(ctx, cfg, "column", 0, &column)) ||
        (rc = h->cfg_num(ctx, cfg, "placeholder", 0, &s->placeholder)) ||
        (rc = h->cfg_bool(ctx, cfg, "set_missing", 0, &s->set_missing)) ||
        (rc = h->cfg_bool(ctx, cfg, "log", 0, &s->log))) {
        destroy(s);
        return rc;
    }
    if (!*column) {
        destroy(s);
        return xp_fail(ctx, XP_ECONFIG, "%s: `column` must not be empty",
                       h->cfg_where(h->cfg_get(cfg, "column")));
    }
    s->name = tx_strdup(column);
    s->known = joined(column, "_known");
    s->logname = joined("log_", column);
    if (!s->name || !s->known || !s->logname) {
        destroy(s);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    if (XP_HOST_HAS(h, column_add) && h->column_ref && h->column_add) {   /* the config check */
        h->column_ref(ctx, h->cfg_get(cfg, "column"), s->name);
        h->column_add(ctx, s->known);
        if (s->log) h->column_add(ctx, s->logname);
    }
    *out = s;
    return XP_OK;
}

static int column_of(xp_ctx *ctx, const state *s, const xp_frame *f, xp_column **out)
{
    xp_column *c = ctx->host->frame_find(f, s->name);
    if (!c) return xp_fail(ctx, XP_ENOTFOUND, "no column named '%s' in the data", s->name);
    if (c->type != XP_COL_NUMERIC)
        return xp_fail(ctx, XP_EINVAL, "column %s is %s; quantity needs a numeric column", s->name,
                       xp_col_type_name(c->type));
    *out = c;
    return XP_OK;
}

static int known(const state *s, double v)
{
    return !isnan(v) && v != s->placeholder;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    const state *s = st;
    xp_column *c;
    int rc = column_of(ctx, s, train, &c);
    if (rc) return rc;
    size_t unknown = 0, coded = 0;
    for (size_t i = 0; i < train->n_rows; i++) {
        unknown += !known(s, c->num[i]);
        coded += c->num[i] == s->placeholder;
    }
    xp_log(ctx, XP_LOG_INFO, "%s: %zu of %zu training values unknown (%zu are %g)", s->name, unknown,
           train->n_rows, coded, s->placeholder);
    return XP_OK;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    const xp_host *h = ctx->host;
    xp_column *c;
    int rc = column_of(ctx, s, f, &c);
    if (rc) return rc;
    const char *add[2] = { s->known, s->log ? s->logname : NULL };
    for (int k = 0; k < 2; k++)
        if (add[k] && h->frame_find(f, add[k]))
            return xp_fail(ctx, XP_EINVAL, "cannot add %s: a column of that name exists", add[k]);
    xp_column *kc = h->frame_add(f, s->known, XP_COL_BOOL, XP_ROLE_FEATURE);
    xp_column *lc = s->log && kc ? h->frame_add(f, s->logname, XP_COL_NUMERIC, XP_ROLE_FEATURE) : NULL;
    if (!kc || (s->log && !lc)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    size_t nonpos = 0;
    for (size_t i = 0; i < f->n_rows; i++) {
        double v = c->num[i];
        int k = known(s, v);
        kc->num[i] = k;
        if (lc) {
            lc->num[i] = k && v > 0 ? log(v) : NAN;
            nonpos += k && !(v > 0);
        }
        if (s->set_missing && v == s->placeholder) c->num[i] = NAN;
    }
    if (nonpos)
        xp_log(ctx, XP_LOG_WARN, "%s: %zu known value(s) <= 0 have no log (left missing)", s->name,
               nonpos);
    return XP_OK;
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help quantity` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: quantity\n"
    "    column: quantity      # the quantity column\n"
    "    placeholder: -2       # the code for \"unknown\"\n"
    "    set_missing: true     # replace the placeholder by NaN in the column itself\n"
    "    log: true             # add log_<column> = log(quantity) where known and > 0\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "quantity", "1.0.0",
                                          "quantity_known flag, log_quantity, placeholder to NaN",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
