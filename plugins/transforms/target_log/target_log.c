/* target_log.c — transform `target_log`: models a right-skewed target on a log scale.
 *
 *     runner plugins --help target_log       # its options, as the plugin documents them
 *
 * apply rewrites the column with role target (when the frame has one: new data for
 * prediction has none and is left alone); inverse_target maps model-space values back
 * (expm1 / exp), so metrics and prediction files are in the original units. fit checks the
 * training target is in the domain (> -1 for log1p, > 0 for log) and fails naming the first
 * offending row otherwise; apply fails the same way on validation or test rows.
 *
 * `only_for: [rmsle]` applies it only when the study's objective (the config's `objective`)
 * is one of the listed metrics, and leaves the target as it is otherwise: a generic config
 * (configs/tabular.yaml) then fits what the objective scores — log1p space for RMSLE, where
 * a model fitted on raw values is scored on the log of its (possibly negative) predictions
 * (the Vega films table: test RMSLE 2.56 raw, 1.03 in log1p space; bench/datasets) — and raw
 * values for RMSE, where fitting the log would aim at a geometric mean.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "txu.h"
#include "xp/xp.h"

enum { K_LOG1P = 0, K_LOG = 1 };

typedef struct state {
    int kind;
    int off;                     /* only_for did not name the objective: the identity */
} state;

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    static const char *const kinds[] = { "log1p", "log" };   /* by K_* */
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->kind = K_LOG1P;
    int rc = xp_cfg_choice(ctx, cfg, "kind", kinds, XP_COUNT(kinds), 0, &s->kind);
    if (rc) { free(s); return rc; }
    const xp_host *h = ctx->host;
    const xp_cfg *only = h->cfg_get(cfg, "only_for");
    int kind = h->cfg_kind(only);
    if (kind == XP_CFG_LIST) {
        const char *objective = h->cfg_scalar(h->cfg_get(h->cfg_root(ctx), "objective"));
        s->off = 1;
        for (size_t i = 0; i < h->cfg_len(only); i++) {
            const char *m = h->cfg_scalar(h->cfg_at(only, i));
            if (!m) {
                free(s);
                return xp_fail(ctx, XP_ECONFIG, "%s: only_for lists metric names, e.g. [rmsle]",
                               h->cfg_where(h->cfg_at(only, i)));
            }
            if (objective && !strcmp(m, objective)) s->off = 0;
        }
        xp_log(ctx, XP_LOG_INFO, s->off ? "the objective %s is not in only_for: the target is modelled as it is"
                                        : "the objective %s is in only_for: the target is modelled in %s space",
               objective ? objective : "(none)", s->kind == K_LOG1P ? "log1p" : "log");
    } else if (kind != XP_CFG_MISSING && kind != XP_CFG_NULL) {
        free(s);
        return xp_fail(ctx, XP_ECONFIG, "%s: only_for must be a list of metric names, e.g. [rmsle]",
                       h->cfg_where(only));
    }
    *out = s;
    return XP_OK;
}

/* The target column, or NULL; fails if it is not numeric. */
static int target_of(xp_ctx *ctx, const xp_frame *f, xp_column **out)
{
    *out = NULL;
    for (size_t j = 0; j < f->n_cols; j++) {
        xp_column *c = f->cols[j];
        if (c->role != XP_ROLE_TARGET) continue;
        if (c->type != XP_COL_NUMERIC)
            return xp_fail(ctx, XP_EINVAL, "target %s is %s; a log transform needs numbers",
                           c->name, xp_col_type_name(c->type));
        *out = c;
        return XP_OK;
    }
    return XP_OK;
}

/* First present value outside the domain, as a failure naming its row. */
static int check_domain(xp_ctx *ctx, const state *s, const xp_frame *f, const xp_column *t)
{
    double lo = s->kind == K_LOG1P ? -1 : 0;
    for (size_t i = 0; i < f->n_rows; i++)
        if (!isnan(t->num[i]) && !(t->num[i] > lo))
            return xp_fail(ctx, XP_EINVAL,
                           "target %s = %g in data row %lld: %s needs values > %g",
                           t->name, t->num[i], (long long)f->row_id[i],
                           s->kind == K_LOG1P ? "log1p" : "log", lo);
    return XP_OK;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    if (((const state *)st)->off) return XP_OK;
    xp_column *t;
    int rc = target_of(ctx, train, &t);
    if (rc) return rc;
    if (!t) return xp_fail(ctx, XP_ENOTFOUND, "no column with role target in the training data");
    return check_domain(ctx, st, train, t);
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    if (s->off) return XP_OK;
    xp_column *t;
    int rc = target_of(ctx, f, &t);
    if (rc || !t) return rc;
    if ((rc = check_domain(ctx, s, f, t))) return rc;
    for (size_t i = 0; i < f->n_rows; i++)
        t->num[i] = s->kind == K_LOG1P ? log1p(t->num[i]) : log(t->num[i]);
    return XP_OK;
}

static int inverse_target(xp_ctx *ctx, void *st, double *y, size_t n)
{
    (void)ctx;
    const state *s = st;
    if (s->off) return XP_OK;
    for (size_t i = 0; i < n; i++) y[i] = s->kind == K_LOG1P ? expm1(y[i]) : exp(y[i]);
    return XP_OK;
}

static void destroy(void *st)
{
    free(st);
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply,
                                      inverse_target, destroy };
/* The options, as `runner plugins --help target_log` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: target_log\n"
    "    kind: log1p        # log1p (y -> log(1 + y)) or log (y -> log y)\n"
    "    only_for: [rmsle]  # optional: only when the config's objective is one of these metrics\n"
    "                       # (otherwise the target is left as it is)\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "target_log", "1.0.0",
                                          "log1p / log target, inverted for metrics", &ops, options_text);
XP_PLUGINS(&plugin)
