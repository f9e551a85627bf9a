/* plugins/models/xgboost/config.c — reads the xgboost model's config node into xgb_config.
 *
 *     runner plugins --help xgboost   # the options (their text lives in xgboost.c)
 *
 *     xgb_config c; if (xgb_config_read(ctx, node, &c)) return ...; ... xgb_config_free(&c);
 *
 * Everything is copied (including each key's config location), because the config node is
 * only borrowed for the duration of create(); the "unused parameter" check happens later,
 * during the first boosting round, and must still name file:line:col.
 */
#include "xgb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *xgb_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

void xgb_config_free(xgb_config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n_params; i++) {
        free(c->params[i].key);
        free(c->params[i].value);
        free(c->params[i].where);
    }
    free(c->params);
    for (size_t i = 0; i < c->n_mono; i++) {
        free(c->mono[i].column);
        free(c->mono[i].where);
    }
    free(c->mono);
    free(c->eval_metric);
    memset(c, 0, sizeof *c);
}

static int nomem(xp_ctx *ctx)
{
    return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory reading the config");
}

/* Strict integer parse of a scalar's text. */
static int parse_int(const char *s, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int read_params(xp_ctx *ctx, const xp_cfg *params, xgb_config *c)
{
    const xp_host *h = ctx->host;
    int kind = h->cfg_kind(params);
    if (kind == XP_CFG_MISSING || kind == XP_CFG_NULL) return XP_OK;
    if (kind != XP_CFG_MAP)
        return xp_fail(ctx, XP_ECONFIG, "%s: expected a map of XGBoost parameters",
                       h->cfg_where(params));
    size_t n = h->cfg_len(params);
    c->params = calloc(n ? n : 1, sizeof *c->params);
    if (!c->params) return nomem(ctx);
    for (size_t i = 0; i < n; i++) {
        const char *key = h->cfg_key_at(params, i);
        const xp_cfg *val = h->cfg_at(params, i);
        int vk = h->cfg_kind(val);
        if (vk == XP_CFG_NULL) continue;      /* `key: null` unsets a key from a base config */
        const char *text = h->cfg_scalar(val);
        if (vk != XP_CFG_SCALAR || !text)
            return xp_fail(ctx, XP_ECONFIG,
                           "%s: expected a scalar value for XGBoost parameter '%s' "
                           "(lists and maps are not passed to XGBoost)", h->cfg_where(val), key);
        if (strcmp(key, "validate_parameters") == 0)
            return xp_fail(ctx, XP_ECONFIG,
                           "%s: xp always sets validate_parameters=1 so misspelt parameters "
                           "are errors; remove this key", h->cfg_where(val));
        if (strcmp(key, "verbosity") == 0) {
            long v;
            if (parse_int(text, &v) || v < 0 || v > 3)
                return xp_fail(ctx, XP_ECONFIG, "%s: verbosity must be 0, 1, 2 or 3, got '%s'",
                               h->cfg_where(val), text);
            c->verbosity = (int)v;
            continue;                          /* applied separately, see xgboost.c */
        }
        if (strcmp(key, "nthread") == 0) c->user_nthread = 1;
        if (strcmp(key, "seed") == 0 || strcmp(key, "random_state") == 0) c->user_seed = 1;
        xgb_param *p = &c->params[c->n_params];
        p->key = xgb_strdup(key);
        p->value = xgb_strdup(text);
        p->where = xgb_strdup(h->cfg_where(val));
        if (!p->key || !p->value || !p->where) {
            free(p->key); free(p->value); free(p->where);
            return nomem(ctx);
        }
        c->n_params++;
        if (strcmp(key, "tree_method") == 0) {
            c->tree_method = p->value;
            c->user_tree_method = 1;
        }
    }
    return XP_OK;
}

static int read_monotone(xp_ctx *ctx, const xp_cfg *mono, xgb_config *c)
{
    const xp_host *h = ctx->host;
    int kind = h->cfg_kind(mono);
    if (kind == XP_CFG_MISSING || kind == XP_CFG_NULL) return XP_OK;
    if (kind != XP_CFG_MAP)
        return xp_fail(ctx, XP_ECONFIG,
                       "%s: expected a map of feature name to -1, 0 or 1, e.g. {quantity: -1}",
                       h->cfg_where(mono));
    for (size_t i = 0; i < c->n_params; i++)
        if (strcmp(c->params[i].key, "monotone_constraints") == 0)
            return xp_fail(ctx, XP_ECONFIG,
                           "%s: both `monotone` and params.monotone_constraints (%s) are set; "
                           "use one", h->cfg_where(mono), c->params[i].where);
    size_t n = h->cfg_len(mono);
    c->mono = calloc(n ? n : 1, sizeof *c->mono);
    if (!c->mono) return nomem(ctx);
    for (size_t i = 0; i < n; i++) {
        const char *key = h->cfg_key_at(mono, i);
        const xp_cfg *val = h->cfg_at(mono, i);
        const char *text = h->cfg_scalar(val);
        long v;
        if (!text || parse_int(text, &v) || v < -1 || v > 1)
            return xp_fail(ctx, XP_ECONFIG, "%s: monotone direction must be -1, 0 or 1, got '%s'",
                           h->cfg_where(val), text ? text : "(not a scalar)");
        if (XP_HOST_HAS(h, column_ref) && h->column_ref) h->column_ref(ctx, val, key);   /* config check */
        xgb_mono *m = &c->mono[c->n_mono];
        m->column = xgb_strdup(key);
        m->where = xgb_strdup(h->cfg_where(val));
        m->dir = (int)v;
        if (!m->column || !m->where) {
            free(m->column); free(m->where);
            return nomem(ctx);
        }
        c->n_mono++;
    }
    return XP_OK;
}

int xgb_config_read(xp_ctx *ctx, const xp_cfg *node, xgb_config *c)
{
    const xp_host *h = ctx->host;
    memset(c, 0, sizeof *c);
    c->num_boost_round = 100;
    c->min_columns_per_tree = 3;
    c->verbosity = 1;
    c->tree_method = "hist";
    int rc;

    if ((rc = read_params(ctx, h->cfg_get(node, "params"), c))) goto fail;

    if ((rc = h->cfg_int(ctx, node, "num_boost_round", 0, &c->num_boost_round))) goto fail;
    if (c->num_boost_round < 1 || c->num_boost_round > 1000000) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: num_boost_round must be in [1, 1000000], got %lld",
                     h->cfg_where(h->cfg_get(node, "num_boost_round")),
                     (long long)c->num_boost_round);
        goto fail;
    }
    if ((rc = h->cfg_int(ctx, node, "early_stopping_rounds", 0, &c->early_stopping_rounds)))
        goto fail;
    if (c->early_stopping_rounds < 0) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: early_stopping_rounds must be >= 0 (0 = off), got %lld",
                     h->cfg_where(h->cfg_get(node, "early_stopping_rounds")),
                     (long long)c->early_stopping_rounds);
        goto fail;
    }

    if ((rc = h->cfg_int(ctx, node, "min_columns_per_tree", 0, &c->min_columns_per_tree)))
        goto fail;
    if (c->min_columns_per_tree < 1 || c->min_columns_per_tree > 1000000) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: min_columns_per_tree must be in [1, 1000000] (1 = "
                     "XGBoost's own rule), got %lld",
                     h->cfg_where(h->cfg_get(node, "min_columns_per_tree")),
                     (long long)c->min_columns_per_tree);
        goto fail;
    }

    if ((rc = h->cfg_int(ctx, node, "linear_start", 0, &c->linear_start))) goto fail;
    if (c->linear_start < 0 || c->linear_start > 64) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: linear_start must be in [0, 64] (the most columns the "
                     "line boosting starts from may use; 0 = a constant start, XGBoost's own), "
                     "got %lld", h->cfg_where(h->cfg_get(node, "linear_start")),
                     (long long)c->linear_start);
        goto fail;
    }
    if (c->linear_start) {
        const char *where = h->cfg_where(h->cfg_get(node, "linear_start"));
        for (size_t i = 0; i < c->n_params; i++) {
            const char *k = c->params[i].key, *v = c->params[i].value;
            if (strcmp(k, "base_score") == 0 ||
                (strcmp(k, "objective") == 0 && strcmp(v, "reg:squarederror") != 0 &&
                 strcmp(v, "reg:pseudohubererror") != 0 && strcmp(v, "reg:absoluteerror") != 0)) {
                rc = xp_fail(ctx, XP_ECONFIG, "%s: linear_start adds a line to the trees' output, "
                             "so it needs an objective without a link function (reg:squarederror, "
                             "reg:pseudohubererror, reg:absoluteerror) and no base_score; %s=%s at "
                             "%s", where, k, v, c->params[i].where);
                goto fail;
            }
        }
    }

    const char *metric = NULL;
    if ((rc = h->cfg_str(ctx, node, "eval_metric", 0, &metric))) goto fail;
    if (metric) {
        if (!*metric) {
            rc = xp_fail(ctx, XP_ECONFIG, "%s: eval_metric must not be empty",
                         h->cfg_where(h->cfg_get(node, "eval_metric")));
            goto fail;
        }
        if (!(c->eval_metric = xgb_strdup(metric))) { rc = nomem(ctx); goto fail; }
    }

    if ((rc = read_monotone(ctx, h->cfg_get(node, "monotone"), c))) goto fail;

    int64_t threads = 0;
    if ((rc = h->cfg_int(ctx, node, "threads", 0, &threads))) goto fail;
    if (threads < 0 || threads > 4096) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: threads must be in [0, 4096] (0 = host budget), got %lld",
                     h->cfg_where(h->cfg_get(node, "threads")), (long long)threads);
        goto fail;
    }
    c->threads = threads ? (int)threads : h->threads(ctx);
    if (c->threads < 1) c->threads = 1;

    /* Default seed from the host's per-(run, trial, fold, plugin) stream: reproducible runs
     * without every config having to pick one. XGBoost takes a signed 32-bit-safe value. */
    c->seed = (int64_t)(h->rng_u64(ctx) % 2147483647u);
    if ((rc = h->cfg_int(ctx, node, "seed", 0, &c->seed))) goto fail;
    return XP_OK;

fail:
    xgb_config_free(c);
    return rc;
}
