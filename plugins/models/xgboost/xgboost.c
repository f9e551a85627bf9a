/* plugins/models/xgboost/xgboost.c — the `xgboost` model plugin: gradient-boosted trees through
 * XGBoost's C API (Debian libxgboost 1.7), with early stopping done here (the C API has none).
 *
 *     runner plugins --help xgboost       # its options, as the plugin documents them
 *
 * Every key under `params` goes to XGBoosterSetParam verbatim, with validate_parameters=1;
 * XGBoost 1.7 only warns about parameters it does not use, so the warning is captured during
 * the first round and turned into an error naming each key and where it was written.
 * Defaults that differ from XGBoost's: tree_method=hist (fast, and needed for native
 * categorical splits), nthread = the host's thread budget, seed from the host's RNG stream.
 * best_iteration is kept as a booster attribute so a saved model predicts the same after load.
 * Two things XGBoost would do differently on its own: colsample_* rates that would leave a
 * tree one column are raised to keep min_columns_per_tree (colsample.c), and a mostly-zero
 * column without missing values passes its zeros as absent entries (data.c). With
 * `linear_start: K` boosting starts from a least-squares line on at most K columns instead of
 * a constant (linear_start.c).
 */
#include "xgb.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct xgb_model {
    xgb_config cfg;
    BoosterHandle booster;
    xgb_schema schema;          /* the features the booster was trained on */
    int best_iteration;         /* predict with trees [0, best_iteration]; -1 = all */
    double best_score;          /* validation metric at best_iteration, NaN if none */
    xgb_linear lin;             /* the start (linear_start.c); lin.key == 0: none */
} xgb_model;

/* ------------------------------------------------------------------ prepare / release */

static int xgb_prepare(xp_ctx *ctx, const xp_frame *f, void **data)
{
    xgb_logscope ls;
    xgb_log_begin(&ls, ctx, 1);
    xgb_data *d = NULL;
    int rc = xgb_data_build(ctx, f, NULL, ctx->host->threads(ctx), &d);
    xgb_log_end(&ls);
    *data = rc ? NULL : d;
    return rc;
}

static void xgb_release(void *data)
{
    xgb_data_free(data);
}

/* ------------------------------------------------------------------ create / destroy */

static int xgb_create(xp_ctx *ctx, const xp_cfg *params, void **out)
{
    *out = NULL;
    xgb_model *m = calloc(1, sizeof *m);
    if (!m) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    int rc = xgb_config_read(ctx, params, &m->cfg);
    if (rc) { free(m); return rc; }
    m->best_iteration = -1;
    m->best_score = NAN;
    *out = m;
    return XP_OK;
}

static void drop_booster(xgb_model *m)
{
    if (m->booster) XGBoosterFree(m->booster);
    m->booster = NULL;
    xgb_schema_free(&m->schema);
    xgb_linear_free(&m->lin);
    m->best_iteration = -1;
    m->best_score = NAN;
}

static void xgb_destroy(void *model)
{
    xgb_model *m = model;
    if (!m) return;
    drop_booster(m);
    xgb_config_free(&m->cfg);
    free(m);
}

/* ------------------------------------------------------------------ fit */

/* `where` (the config location) is NULL for values xp sets itself. */
static int set_param_at(xp_ctx *ctx, BoosterHandle b, const char *key, const char *value,
                        const char *where)
{
    if (XGBoosterSetParam(b, key, value) == 0) return XP_OK;
    char what[768];
    snprintf(what, sizeof what, "parameter %s=%s%s%s", key, value, where ? " at " : "",
             where ? where : "");
    return xgb_fail(ctx, what);
}

static int set_param(xp_ctx *ctx, BoosterHandle b, const char *key, const char *value)
{
    return set_param_at(ctx, b, key, value, NULL);
}

/* "(0,0,-1,...)" in feature order; a name that is not a feature is an error. */
static int monotone_string(xp_ctx *ctx, const xgb_config *c, const xgb_schema *s, char **out)
{
    *out = NULL;
    int *dir = calloc(s->n ? s->n : 1, sizeof *dir);
    if (!dir) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    char bad[1024] = "";
    size_t n_bad = 0;
    for (size_t i = 0; i < c->n_mono; i++) {
        size_t j = 0;
        while (j < s->n && strcmp(s->names[j], c->mono[i].column) != 0) j++;
        if (j == s->n) {
            size_t used = strlen(bad);
            snprintf(bad + used, sizeof bad - used, "%s%s (%s)", n_bad ? ", " : "",
                     c->mono[i].column, c->mono[i].where);
            n_bad++;
            continue;
        }
        dir[j] = c->mono[i].dir;
    }
    if (n_bad) {
        free(dir);
        return xp_fail(ctx, XP_ECONFIG, "xgboost: monotone constraint on %zu column(s) that are not "
                       "model features: %s", n_bad, bad);
    }
    size_t cap = 3 * s->n + 3;
    char *str = malloc(cap);
    if (!str) { free(dir); return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory"); }
    size_t k = 0;
    str[k++] = '(';
    for (size_t j = 0; j < s->n; j++)
        k += (size_t)snprintf(str + k, cap - k, "%s%d", j ? "," : "", dir[j]);
    str[k++] = ')';
    str[k] = '\0';
    free(dir);
    *out = str;
    return XP_OK;
}

/* Said at info level once per process (every trial and fold would repeat it), at debug level
 * each time; the columns a tree kept are recorded with the fold's metrics either way. */
static int say_colsample(xp_ctx *ctx, const xgb_config *c, const xgb_colsample *cs, size_t n)
{
    static atomic_int said;
    char what[256] = "";
    size_t k = 0;
    for (int s = 0; s < 3; s++)
        if (cs->used[s] != cs->rate[s] && k < sizeof what) {
            int w = snprintf(what + k, sizeof what - k, "%s%s %.3g -> %.3g", k ? ", " : "",
                             xgb_colsample_keys[s], cs->rate[s], cs->used[s]);
            if (w > 0) k += (size_t)w;
        }
    int level = atomic_exchange(&said, 1) ? XP_LOG_DEBUG : XP_LOG_INFO;
    xp_log(ctx, level, "xgboost: %zu feature columns: %s, so that a split chooses among %zu "
           "columns, not %zu (min_columns_per_tree: %lld; 1 = XGBoost's own rule)%s", n, what,
           cs->kept[2], cs->kept_asked, (long long)c->min_columns_per_tree,
           level == XP_LOG_INFO ? "; said once, recorded per fold as columns_per_tree" : "");
    return ctx->host->metric(ctx, "columns_per_tree", (double)cs->kept[2]);
}

/* Said at debug level (every trial and fold fits one; at info a terminal's progress line would
 * break on the first), recorded per fit as the metric linear_start_r2; the model file keeps the
 * line (attribute xp_linear_start). */
static int say_linear(xp_ctx *ctx, const xgb_model *m)
{
    const xgb_linear *l = &m->lin;
    char what[512];
    size_t k = (size_t)snprintf(what, sizeof what, "%.4g", l->intercept);
    for (size_t t = 0; t < l->n && k < sizeof what; t++) {
        const xgb_linear_term *term = &l->terms[t];
        int w = snprintf(what + k, sizeof what - k, " %+.4g * %s%s%s (centred at %.4g, sd %.4g)",
                         term->coef, term->log1p ? "log1p(" : "", m->schema.names[term->feature],
                         term->log1p ? ")" : "", term->center, term->scale);
        if (w > 0) k += (size_t)w;
    }
    xp_log(ctx, XP_LOG_DEBUG, "xgboost: boosting starts from the line %s (R^2 %.3f on the training "
           "rows; linear_start: %lld columns at most)", what, l->r2,
           (long long)m->cfg.linear_start);
    return ctx->host->metric(ctx, "linear_start_r2", l->r2);
}

static int apply_params(xp_ctx *ctx, xgb_model *m, BoosterHandle b)
{
    const xgb_config *c = &m->cfg;
    char buf[64];
    int rc;
    if ((rc = set_param(ctx, b, "validate_parameters", "1"))) return rc;
    /* Below 1 XGBoost would not emit the unused-parameter warning we rely on; the user's
     * level still filters what is forwarded to the log (log.c). */
    snprintf(buf, sizeof buf, "%d", c->verbosity > 1 ? c->verbosity : 1);
    if ((rc = set_param(ctx, b, "verbosity", buf))) return rc;
    if (!c->user_nthread) {
        snprintf(buf, sizeof buf, "%d", c->threads);
        if ((rc = set_param(ctx, b, "nthread", buf))) return rc;
    }
    if (!c->user_seed) {
        snprintf(buf, sizeof buf, "%lld", (long long)c->seed);
        if ((rc = set_param(ctx, b, "seed", buf))) return rc;
    }
    if (!c->user_tree_method && (rc = set_param(ctx, b, "tree_method", "hist"))) return rc;
    /* The line is the start: a prediction on a matrix without it is the trees' sum plus it. */
    if (m->lin.key && (rc = set_param(ctx, b, "base_score", "0"))) return rc;
    xgb_colsample cs;
    int plan_ok = xgb_colsample_plan(c, m->schema.n, &cs) == 0;   /* else XGBoost names the value */
    for (size_t i = 0; i < c->n_params; i++) {
        const char *value = c->params[i].value;
        for (int s = 0; plan_ok && cs.raised && s < 3; s++)
            if (strcmp(c->params[i].key, xgb_colsample_keys[s]) == 0 && cs.used[s] != cs.rate[s]) {
                snprintf(buf, sizeof buf, "%.17g", cs.used[s]);
                value = buf;
            }
        if ((rc = set_param_at(ctx, b, c->params[i].key, value, c->params[i].where))) return rc;
    }
    if (plan_ok && cs.raised && (rc = say_colsample(ctx, c, &cs, m->schema.n))) return rc;
    if (c->n_mono) {
        char *mono;
        if ((rc = monotone_string(ctx, c, &m->schema, &mono))) return rc;
        rc = set_param(ctx, b, "monotone_constraints", mono);
        free(mono);
        if (rc) return rc;
    }
    /* Set last: with several metrics XGBoost appends, and early stopping uses the last. */
    if (c->eval_metric && (rc = set_param(ctx, b, "eval_metric", c->eval_metric))) return rc;
    return XP_OK;
}

/* Native categorical splits exist only in hist/approx (and gpu_hist); exact and gblinear would
 * silently treat category codes as numbers. */
static int check_categorical(xp_ctx *ctx, const xgb_model *m)
{
    const char *cat = NULL;
    for (size_t j = 0; j < m->schema.n && !cat; j++)
        if (m->schema.is_cat[j]) cat = m->schema.names[j];
    if (!cat) return XP_OK;
    const char *tm = m->cfg.tree_method;
    if (strcmp(tm, "hist") && strcmp(tm, "approx") && strcmp(tm, "gpu_hist"))
        return xp_fail(ctx, XP_ECONFIG, "xgboost: tree_method %s cannot split categorical features "
                       "natively (e.g. column %s); use hist or approx, or encode the column first",
                       tm, cat);
    for (size_t i = 0; i < m->cfg.n_params; i++)
        if (strcmp(m->cfg.params[i].key, "booster") == 0 && strcmp(m->cfg.params[i].value, "gblinear") == 0)
            return xp_fail(ctx, XP_ECONFIG, "xgboost: booster gblinear cannot use categorical "
                           "feature %s natively (%s); encode it first", cat, m->cfg.params[i].where);
    return XP_OK;
}

/* The "Parameters: { ... } are not used" names, with the config location of each. */
static int fail_unused(xp_ctx *ctx, const xgb_model *m, const char *names)
{
    char msg[2048];
    size_t k = 0;
    const char *p = names;
    while (*p && k < sizeof msg - 1) {
        const char *e = strstr(p, ", ");
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *where = NULL;
        for (size_t i = 0; i < m->cfg.n_params && !where; i++)
            if (strlen(m->cfg.params[i].key) == len && strncmp(m->cfg.params[i].key, p, len) == 0)
                where = m->cfg.params[i].where;
        int w = snprintf(msg + k, sizeof msg - k, "%s%.*s (%s)", k ? ", " : "", (int)len, p,
                         where ? where : "set by xp");
        if (w < 0) break;
        k += (size_t)w;
        if (k >= sizeof msg) { k = sizeof msg - 1; break; }
        p = e ? e + 2 : p + len;
    }
    msg[k] = '\0';
    return xp_fail(ctx, XP_ECONFIG, "xgboost: XGBoost does not know or does not use parameter(s) "
                   "%s; check the spelling and that they apply to this objective/booster", msg);
}

/* Bad parameter values are only detected when XGBoost configures itself in the first round;
 * point at the config line of the parameter the message names, if any. */
static int fail_boosting(xp_ctx *ctx, const xgb_model *m)
{
    const char *e = XGBGetLastError();
    for (size_t i = 0; e && i < m->cfg.n_params; i++) {
        const char *key = m->cfg.params[i].key;
        size_t n = strlen(key);
        for (const char *p = strstr(e, key); p; p = strstr(p + 1, key)) {
            int left = p == e || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'));
            int right = !(p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z'));
            if (left && right) {
                char what[768];
                snprintf(what, sizeof what, "boosting (parameter %s=%s at %s)", key,
                         m->cfg.params[i].value, m->cfg.params[i].where);
                return xgb_fail(ctx, what);
            }
        }
    }
    return xgb_fail(ctx, "boosting");
}

/* Last "name:value" of an EvalOneIter line "[3]\tvalid-rmse:0.51\tvalid-mae:0.40". */
static int parse_eval(const char *s, char *name, size_t name_len, double *value)
{
    const char *tab = strrchr(s, '\t');
    if (!tab) return -1;
    const char *colon = strrchr(tab, ':');
    if (!colon) return -1;
    const char *start = tab + 1;
    if (strncmp(start, "valid-", 6) == 0) start += 6;
    snprintf(name, name_len, "%.*s", (int)(colon - start), start);
    char *end;
    *value = strtod(colon + 1, &end);
    return end == colon + 1 ? -1 : 0;
}

/* Same rule as XGBoost's Python EarlyStopping callback. */
static int metric_maximize(const char *name)
{
    static const char *const up[] = { "auc", "aucpr", "pre", "map", "ndcg" };
    for (size_t i = 0; i < sizeof up / sizeof up[0]; i++) {
        size_t n = strlen(up[i]);
        if (strncmp(name, up[i], n) == 0 && (name[n] == '\0' || name[n] == '@')) return 1;
    }
    return 0;
}

static int check_labels(xp_ctx *ctx, const xgb_data *d, const char *which)
{
    if (d->n_rows == 0)
        return xp_fail(ctx, XP_EINVAL, "xgboost: the %s frame has no rows", which);
    if (!d->target)
        return xp_fail(ctx, XP_EINVAL, "xgboost: the %s frame has no target column (role target)", which);
    if (d->n_bad_target)
        return xp_fail(ctx, XP_EINVAL, "xgboost: %zu of %zu %s rows have a missing or non-finite "
                       "target (column %s); drop or impute them before the model",
                       d->n_bad_target, d->n_rows, which, d->target);
    if (d->n_bad_weight)
        return xp_fail(ctx, XP_EINVAL, "xgboost: %zu of %zu %s rows have a missing, negative or "
                       "non-finite weight (column %s)", d->n_bad_weight, d->n_rows, which, d->weight);
    return XP_OK;
}

static int train(xp_ctx *ctx, xgb_model *m, xgb_data *tr, xgb_data *va)
{
    const xgb_config *c = &m->cfg;
    DMatrixHandle cache[2] = { tr->dm, va ? va->dm : NULL };
    int rc;
    if (XGBoosterCreate(cache, va ? 2 : 1, &m->booster)) {
        m->booster = NULL;
        return xgb_fail(ctx, "creating the booster");
    }
    if ((rc = apply_params(ctx, m, m->booster))) return rc;
    /* Names and types on the booster itself are what XGBoosterSaveModel writes. */
    const char **types = malloc((m->schema.n ? m->schema.n : 1) * sizeof *types);
    if (!types) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    for (size_t j = 0; j < m->schema.n; j++) types[j] = m->schema.is_cat[j] ? "c" : "q";
    if (XGBoosterSetStrFeatureInfo(m->booster, "feature_name", (const char **)m->schema.names,
                                   (bst_ulong)m->schema.n) ||
        XGBoosterSetStrFeatureInfo(m->booster, "feature_type", types, (bst_ulong)m->schema.n))
        rc = xgb_fail(ctx, "setting feature names on the booster");
    free(types);
    if (rc) return rc;

    xgb_logscope ls;
    xgb_log_begin(&ls, ctx, c->verbosity);
    const int rounds = (int)c->num_boost_round;
    const int patience = (int)c->early_stopping_rounds;
    int best = -1, since = 0, done = 0, maximize = 0;
    double best_score = NAN;
    char metric[64] = "";
    const char *names[1] = { "valid" };
    for (int i = 0; i < rounds; i++) {
        if (XGBoosterUpdateOneIter(m->booster, i, tr->dm)) {
            /* A bad parameter value fails here; an unused name may have been seen first. */
            rc = ls.unused[0] ? fail_unused(ctx, m, ls.unused) : fail_boosting(ctx, m);
            break;
        }
        if (i == 0 && ls.unused[0]) { rc = fail_unused(ctx, m, ls.unused); break; }
        done = i + 1;
        if (va) {
            const char *res;
            double score;
            if (XGBoosterEvalOneIter(m->booster, i, &va->dm, names, 1, &res)) {
                rc = xgb_fail(ctx, "evaluating on the validation set");
                break;
            }
            if (parse_eval(res, metric, sizeof metric, &score)) {
                rc = xp_fail(ctx, XP_EMODEL, "xgboost: cannot read the evaluation result '%s'", res);
                break;
            }
            if (i == 0) maximize = metric_maximize(metric);
            int better = best < 0 ? !isnan(score)
                                  : (maximize ? score > best_score : score < best_score);
            if (better) { best = i; best_score = score; since = 0; }
            else since++;
            if (ctx->host->report(ctx, i, maximize ? -score : score)) {   /* lower is better */
                rc = xp_fail(ctx, XP_EPRUNED, "xgboost: pruned at round %d (valid %s %g)", i,
                             metric, score);
                break;
            }
            if (patience > 0 && since >= patience) break;
        }
        if ((i + 1) % 50 == 0) ctx->host->progress(ctx, "xgboost", (size_t)i + 1, (size_t)rounds);
    }
    xgb_log_end(&ls);
    if (rc) return rc;
    /* Close the progress line only if one was started (short fits stay quiet). */
    if (done >= 50) ctx->host->progress(ctx, "xgboost", (size_t)done, (size_t)done);

    if (va && patience > 0 && best >= 0) {
        m->best_iteration = best;
        m->best_score = best_score;
    } else {
        m->best_iteration = done - 1;      /* all trees */
        m->best_score = va && best >= 0 ? best_score : NAN;
    }
    if (va) {
        /* The runner averages best_iteration over folds to size the refit. */
        if ((rc = ctx->host->metric(ctx, "best_iteration", m->best_iteration))) return rc;
        if (!isnan(m->best_score) && (rc = ctx->host->metric(ctx, "best_score", m->best_score)))
            return rc;
        if (patience > 0 && since >= patience)
            xp_log(ctx, XP_LOG_DEBUG, "xgboost: early stop at round %d, best %d (valid %s %.6g)",
                   done - 1, m->best_iteration, metric, m->best_score);
    }
    return XP_OK;
}

static int xgb_fit(xp_ctx *ctx, void *model, const xp_frame *train_f, void *train_data,
                   const xp_frame *valid_f, void *valid_data)
{
    xgb_model *m = model;
    xgb_data *tr = train_data, *va = valid_data, *own_tr = NULL, *own_va = NULL;
    xgb_data *lin_tr = NULL, *lin_va = NULL;     /* private copies for another start */
    int rc = XP_OK;
    drop_booster(m);

    xgb_logscope ls;
    xgb_log_begin(&ls, ctx, m->cfg.verbosity);
    if (!tr) {
        if (!train_f) { rc = xp_fail(ctx, XP_EINVAL, "xgboost: fit without training data"); goto done; }
        if ((rc = xgb_data_build(ctx, train_f, NULL, m->cfg.threads, &own_tr))) goto done;
        tr = own_tr;
    }
    if ((rc = check_labels(ctx, tr, "training"))) goto done;
    if (!va && valid_f) {
        if ((rc = xgb_data_build(ctx, valid_f, &tr->schema, m->cfg.threads, &own_va))) goto done;
        va = own_va;
    } else if (va && !xgb_schema_same(&va->schema, &tr->schema)) {
        if (!valid_f) {
            rc = xp_fail(ctx, XP_EINVAL, "xgboost: validation data has other features than the "
                         "training data");
            goto done;
        }
        if ((rc = xgb_data_build(ctx, valid_f, &tr->schema, m->cfg.threads, &own_va))) goto done;
        va = own_va;
    }
    if (va && (rc = check_labels(ctx, va, "validation"))) goto done;
    if (xgb_schema_copy(&tr->schema, &m->schema)) { rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory"); goto done; }
    if ((rc = check_categorical(ctx, m))) goto done;
    if (m->cfg.linear_start > 0) {
        if (!train_f) { rc = xp_fail(ctx, XP_EINVAL, "xgboost: linear_start needs the training frame"); goto done; }
        if ((rc = xgb_linear_for(ctx, tr, train_f, &m->schema, m->cfg.linear_start, &m->lin))) goto done;
        if ((rc = say_linear(ctx, m))) goto done;
    }
    const xgb_linear *lin = m->lin.key ? &m->lin : NULL;
    if ((rc = xgb_data_for(ctx, tr, train_f, &m->schema, lin, m->cfg.threads, &tr, &lin_tr))) goto done;
    if (va && (rc = xgb_data_for(ctx, va, valid_f, &m->schema, lin, m->cfg.threads, &va, &lin_va)))
        goto done;
    rc = train(ctx, m, tr, va);

done:
    xgb_log_end(&ls);
    if (rc) drop_booster(m);
    xgb_data_free(lin_tr);
    xgb_data_free(lin_va);
    xgb_data_free(own_tr);
    xgb_data_free(own_va);
    return rc;
}

/* ------------------------------------------------------------------ predict */

static int xgb_predict(xp_ctx *ctx, void *model, const xp_frame *f, void *data, double *out)
{
    xgb_model *m = model;
    if (!m->booster) return xp_fail(ctx, XP_EINVAL, "xgboost: predict called before fit or load");
    xgb_data *d = data, *own = NULL;
    int rc = XP_OK;
    xgb_logscope ls;
    xgb_log_begin(&ls, ctx, m->cfg.verbosity);
    if (!d || !xgb_schema_same(&d->schema, &m->schema)) {
        if (!f) { rc = xp_fail(ctx, XP_EINVAL, "xgboost: prepared data does not match the model's features"); goto done; }
        if ((rc = xgb_data_build(ctx, f, &m->schema, m->cfg.threads, &own))) goto done;
        d = own;
    }
    if (d->n_rows == 0) goto done;
    /* A matrix (or its twin) carrying this model's line gives the final prediction; one
     * carrying none gets the line added below; one carrying only another line is rebuilt.
     * Predict never sets a margin on a shared matrix. */
    xgb_data *as_is = xgb_data_carrying(d, m->lin.key), *plain = as_is ? NULL : xgb_data_carrying(d, 0);
    if (!as_is && !plain) {
        if (!f) { rc = xp_fail(ctx, XP_EINVAL, "xgboost: prepared data carries another linear start"); goto done; }
        xgb_data_free(own);
        if ((rc = xgb_data_build(ctx, f, &m->schema, m->cfg.threads, &own))) goto done;
        plain = own;
    }
    d = as_is ? as_is : plain;
    int add_line = m->lin.key && !as_is;
    if (add_line && !f) { rc = xp_fail(ctx, XP_EINVAL, "xgboost: the linear start needs the frame to predict"); goto done; }
    char conf[256];
    snprintf(conf, sizeof conf,
             "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
             "\"iteration_end\": %d, \"strict_shape\": false}",
             m->best_iteration >= 0 ? m->best_iteration + 1 : 0);
    const bst_ulong *shape;
    bst_ulong dim;
    const float *res;
    if (XGBoosterPredictFromDMatrix(m->booster, d->dm, conf, &shape, &dim, &res)) {
        rc = xgb_fail(ctx, "predicting");
        goto done;
    }
    bst_ulong total = 1;
    for (bst_ulong k = 0; k < dim; k++) total *= shape[k];
    if (total != (bst_ulong)d->n_rows) {
        rc = xp_fail(ctx, XP_EUNSUPPORTED, "xgboost: the model gives %llu outputs for %zu rows; xp "
                     "models must predict one value per row (multi-output objectives are not "
                     "supported)", (unsigned long long)total, d->n_rows);
        goto done;
    }
    for (size_t i = 0; i < d->n_rows; i++) out[i] = res[i];   /* copy: res is borrowed */
    if (add_line) {
        double *line = malloc(d->n_rows * sizeof *line);
        if (!line) { rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory"); goto done; }
        rc = xgb_linear_margin(ctx, &m->lin, &m->schema, f, line);
        /* In float, as XGBoost adds a base_margin; the trees' sum comes in another order, so
         * a matrix carrying the line gives the same within float rounding (test: < 1e-5). */
        for (size_t i = 0; !rc && i < d->n_rows; i++) out[i] = (double)((float)line[i] + res[i]);
        free(line);
    }
done:
    xgb_log_end(&ls);
    xgb_data_free(own);
    return rc;
}

/* ------------------------------------------------------------------ save / load */

/* Level lists travel as booster attributes "xp_levels.<j>": levels joined by '\n', with '\\',
 * '\n' and other control bytes escaped (XGBoost's JSON reader does not undo \u escapes). */
static char *encode_levels(char *const *lv, size_t n)
{
    size_t cap = 1;
    for (size_t k = 0; k < n; k++) cap += 4 * strlen(lv[k]) + 1;
    char *s = malloc(cap), *p = s;
    if (!s) return NULL;
    for (size_t k = 0; k < n; k++) {
        if (k) *p++ = '\n';
        for (const unsigned char *c = (const unsigned char *)lv[k]; *c; c++) {
            if (*c == '\\') { *p++ = '\\'; *p++ = '\\'; }
            else if (*c < 0x20) p += sprintf(p, "\\x%02x", *c);
            else *p++ = (char)*c;
        }
    }
    *p = '\0';
    return s;
}

static int decode_levels(const char *s, char ***out, size_t *n_out)
{
    size_t n = *s ? 1 : 0;
    for (const char *p = s; *p; p++) n += *p == '\n';
    char **lv = calloc(n ? n : 1, sizeof *lv);
    if (!lv) return -1;
    const char *p = s;
    for (size_t k = 0; k < n; k++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *d = malloc(len + 1), *q = d;
        if (!d) goto fail;
        for (size_t i = 0; i < len; i++) {
            if (p[i] == '\\' && i + 1 < len && p[i + 1] == '\\') { *q++ = '\\'; i++; }
            else if (p[i] == '\\' && i + 3 < len && p[i + 1] == 'x') {
                char hex[3] = { p[i + 2], p[i + 3], 0 };
                *q++ = (char)strtol(hex, NULL, 16);
                i += 3;
            } else *q++ = p[i];
        }
        *q = '\0';
        lv[k] = d;
        p = e ? e + 1 : p + len;
    }
    *out = lv;
    *n_out = n;
    return 0;
fail:
    for (size_t k = 0; k < n; k++) free(lv[k]);
    free(lv);
    return -1;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int xgb_save(xp_ctx *ctx, void *model, const char *path)
{
    xgb_model *m = model;
    if (!m->booster) return xp_fail(ctx, XP_EINVAL, "xgboost: save called before fit");
    if (!has_suffix(path, ".json") && !has_suffix(path, ".ubj"))
        return xp_fail(ctx, XP_EINVAL, "xgboost: model path %s must end in .json (or .ubj); other "
                       "names select XGBoost's deprecated binary format", path);
    xgb_logscope ls;
    xgb_log_begin(&ls, ctx, m->cfg.verbosity);
    int rc = XP_OK;
    char buf[64];
    snprintf(buf, sizeof buf, "%d", m->best_iteration);
    if (XGBoosterSetAttr(m->booster, "best_iteration", buf)) { rc = xgb_fail(ctx, "saving best_iteration"); goto done; }
    if (!isnan(m->best_score)) {
        snprintf(buf, sizeof buf, "%.17g", m->best_score);
        if (XGBoosterSetAttr(m->booster, "best_score", buf)) { rc = xgb_fail(ctx, "saving best_score"); goto done; }
    }
    for (size_t j = 0; j < m->schema.n; j++) {
        if (!m->schema.is_cat[j]) continue;
        char key[48];
        snprintf(key, sizeof key, "xp_levels.%zu", j);
        char *enc = encode_levels(m->schema.levels[j], m->schema.n_levels[j]);
        if (!enc) { rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory"); goto done; }
        int bad = XGBoosterSetAttr(m->booster, key, enc);
        free(enc);
        if (bad) { rc = xgb_fail(ctx, "saving category levels"); goto done; }
    }
    /* One '0'/'1' per feature: which columns pass their zeros as absent (data.c). */
    char *za = malloc(m->schema.n + 1);
    if (!za) { rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory"); goto done; }
    for (size_t j = 0; j < m->schema.n; j++) za[j] = m->schema.zero_absent[j] ? '1' : '0';
    za[m->schema.n] = '\0';
    int bad_za = XGBoosterSetAttr(m->booster, "xp_zero_absent", za);
    free(za);
    if (bad_za) { rc = xgb_fail(ctx, "saving the sparse columns"); goto done; }
    if (m->lin.key) {
        char *enc = xgb_linear_encode(&m->lin);
        if (!enc) { rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory"); goto done; }
        int bad = XGBoosterSetAttr(m->booster, "xp_linear_start", enc);
        free(enc);
        if (bad) { rc = xgb_fail(ctx, "saving the linear start"); goto done; }
    }
    if (XGBoosterSaveModel(m->booster, path)) {
        char what[512];
        snprintf(what, sizeof what, "saving %s", path);
        rc = xgb_fail(ctx, what);
    }
done:
    xgb_log_end(&ls);
    return rc;
}

static int load_schema(xp_ctx *ctx, xgb_model *m, const char *path)
{
    bst_ulong n_names = 0, n_types = 0;
    const char **names, **types;
    if (XGBoosterGetStrFeatureInfo(m->booster, "feature_name", &n_names, &names))
        return xgb_fail(ctx, "reading feature names");
    if (n_names == 0)
        return xp_fail(ctx, XP_EFORMAT, "xgboost: %s has no feature names; xp needs them to match "
                       "columns (save the model with xp, or with feature names set)", path);
    xgb_schema *s = &m->schema;
    memset(s, 0, sizeof *s);
    size_t n = (size_t)n_names;
    s->names = calloc(n, sizeof *s->names);
    s->is_cat = calloc(n, sizeof *s->is_cat);
    s->levels = calloc(n, sizeof *s->levels);
    s->n_levels = calloc(n, sizeof *s->n_levels);
    s->zero_absent = calloc(n, sizeof *s->zero_absent);
    if (!s->names || !s->is_cat || !s->levels || !s->n_levels || !s->zero_absent) goto nomem;
    s->n = n;
    for (size_t j = 0; j < n; j++)
        if (!(s->names[j] = xgb_strdup(names[j]))) goto nomem;
    /* names[] is borrowed until the next call on the booster: copied above before this one. */
    if (XGBoosterGetStrFeatureInfo(m->booster, "feature_type", &n_types, &types))
        return xgb_fail(ctx, "reading feature types");
    for (size_t j = 0; j < n && j < (size_t)n_types; j++) s->is_cat[j] = strcmp(types[j], "c") == 0;
    for (size_t j = 0; j < n; j++) {
        if (!s->is_cat[j]) continue;
        char key[48];
        snprintf(key, sizeof key, "xp_levels.%zu", j);
        const char *val;
        int ok = 0;
        if (XGBoosterGetAttr(m->booster, key, &val, &ok)) return xgb_fail(ctx, "reading category levels");
        if (!ok)
            return xp_fail(ctx, XP_EFORMAT, "xgboost: %s: categorical feature %s has no stored "
                           "level list (attribute %s); was it saved by xp?", path, s->names[j], key);
        if (decode_levels(val, &s->levels[j], &s->n_levels[j])) goto nomem;
    }
    /* Absent in a model saved before 2026-12-05: no column had its zeros passed as absent. */
    const char *za;
    int has_za = 0;
    if (XGBoosterGetAttr(m->booster, "xp_zero_absent", &za, &has_za))
        return xgb_fail(ctx, "reading the sparse columns");
    if (has_za) {
        size_t len = strlen(za), bad = len != n;
        for (size_t j = 0; !bad && j < n; j++) bad = za[j] != '0' && za[j] != '1';
        if (bad)
            return xp_fail(ctx, XP_EFORMAT, "xgboost: %s: attribute xp_zero_absent should be one "
                           "'0' or '1' per feature (%zu), got %zu characters", path, n, len);
        for (size_t j = 0; j < n; j++) s->zero_absent[j] = za[j] == '1';
    }
    return XP_OK;
nomem:
    return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
}

static int xgb_load(xp_ctx *ctx, const xp_cfg *params, const char *path, void **out)
{
    *out = NULL;
    void *mv;
    int rc = xgb_create(ctx, params, &mv);
    if (rc) return rc;
    xgb_model *m = mv;
    xgb_logscope ls;
    xgb_log_begin(&ls, ctx, m->cfg.verbosity);
    char what[512];
    snprintf(what, sizeof what, "loading %s", path);
    if (XGBoosterCreate(NULL, 0, &m->booster)) { m->booster = NULL; rc = xgb_fail(ctx, what); goto done; }
    if (XGBoosterLoadModel(m->booster, path)) { rc = xgb_fail(ctx, what); goto done; }
    char buf[32];
    snprintf(buf, sizeof buf, "%d", m->cfg.threads);
    if ((rc = set_param(ctx, m->booster, "nthread", buf))) goto done;
    if ((rc = load_schema(ctx, m, path))) goto done;
    const char *val;
    int ok = 0;
    if (XGBoosterGetAttr(m->booster, "best_iteration", &val, &ok)) { rc = xgb_fail(ctx, what); goto done; }
    if (ok) {
        char *end;
        long v = strtol(val, &end, 10);
        if (*end || v < -1) {
            rc = xp_fail(ctx, XP_EFORMAT, "xgboost: %s: bad best_iteration attribute '%s'", path, val);
            goto done;
        }
        m->best_iteration = (int)v;
    }
    if (XGBoosterGetAttr(m->booster, "best_score", &val, &ok)) { rc = xgb_fail(ctx, what); goto done; }
    if (ok) m->best_score = strtod(val, NULL);
    /* Absent in a model saved without linear_start (and before 2026-12-05). */
    if (XGBoosterGetAttr(m->booster, "xp_linear_start", &val, &ok)) { rc = xgb_fail(ctx, what); goto done; }
    if (ok && xgb_linear_decode(val, m->schema.n, &m->lin)) {
        rc = xp_fail(ctx, XP_EFORMAT, "xgboost: %s: attribute xp_linear_start is not a line on "
                     "this model's %zu features: '%.80s'", path, m->schema.n, val);
        goto done;
    }
done:
    xgb_log_end(&ls);
    if (rc) xgb_destroy(m);
    else *out = m;
    return rc;
}

/* ------------------------------------------------------------------ descriptor */

static const xp_model_ops ops = {
    .struct_size = sizeof(xp_model_ops),
    .prepare = xgb_prepare,
    .release = xgb_release,
    .create = xgb_create,
    .fit = xgb_fit,
    .predict = xgb_predict,
    .save = xgb_save,
    .load = xgb_load,
    .destroy = xgb_destroy,
    .model_file = "model.json",
    .stop_metric = "best_iteration",
    .stop_key = "num_boost_round",
};

/* The options, as `runner plugins --help xgboost` prints them. */
static const char options_text[] =
    "model:\n"
    "  plugin: xgboost\n"
    "  params: {objective: \"reg:squarederror\", max_depth: 6, eta: 0.1}   # any XGBoost parameter\n"
    "  num_boost_round: 2000\n"
    "  early_stopping_rounds: 50\n"
    "  min_columns_per_tree: 3    # colsample_* rates raised so a split chooses among >= 3\n"
    "                             # columns (all, when fewer); 1 = XGBoost's own rule\n"
    "  linear_start: 1            # boost from a least-squares line on at most 1 numeric column\n"
    "                             # (as is or log1p; chosen on the training rows) instead of a\n"
    "                             # constant; 0 = off (default). Needs an identity-link objective\n"
    "  eval_metric: rmse          # validation metric for early stopping\n"
    "  monotone: {quantity: -1}   # by feature name: -1, 0 or 1\n"
    "  threads: 0                 # 0 = the host's thread budget\n"
    "  seed: 7                    # default: drawn from the host's RNG stream\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_MODEL, "xgboost", "1.0.0",
    "XGBoost gradient-boosted trees (C API 1.7): native categoricals, early stopping, "
    "monotone constraints, strict parameter names", &ops, options_text);

XP_PLUGINS(&plugin)
