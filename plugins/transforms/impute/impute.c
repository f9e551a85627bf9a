/* impute.c — transform `impute`: fills missing values with statistics of the training rows.
 *
 *     runner plugins --help impute       # its options, as the plugin documents them
 *
 * XGBoost handles missing values itself, so imputation is mostly for other models and for
 * ablations. Only feature columns are imputed; text never. Bool columns get their most
 * frequent value unless a constant 0 or 1 is asked for. Fill values and which columns get an
 * indicator are learned at fit (training rows only) and reused for every frame.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txu.h"
#include "xp/xp.h"

enum { S_MEDIAN, S_MEAN, S_MODE, S_CONSTANT, S_SKIP };
static const char *const strategies[] = { "median", "mean", "mode", "constant", "skip" };   /* by S_* */
#define N_STRATEGIES (XP_COUNT(strategies))

typedef struct rule {
    int strategy;
    double value;
} rule;

typedef struct learned {
    char *name;
    xp_col_type type;
    double fill;                 /* numeric / bool */
    char *level;                 /* categorical: the level to fill with */
    int indicator;
} learned;

typedef struct state {
    rule def;
    tx_sel over_keys;
    rule *over;
    int indicators, skip_categorical;
    tx_sel columns, exclude;
    learned *cols;
    size_t n_cols;
} state;

static void clear_learned(state *s)
{
    for (size_t i = 0; i < s->n_cols; i++) {
        free(s->cols[i].name);
        free(s->cols[i].level);
    }
    free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    tx_sel_free(&s->over_keys);
    free(s->over);
    tx_sel_free(&s->columns);
    tx_sel_free(&s->exclude);
    clear_learned(s);
    free(s);
}

static int strategy_of(const char *t)
{
    for (int i = 0; i < N_STRATEGIES; i++)
        if (strcmp(t, strategies[i]) == 0) return i;
    return -1;
}

/* One overrides entry: "mean", a number (constant), or {strategy: ..., value: ...}. */
static int read_rule(xp_ctx *ctx, const xp_cfg *node, rule *r)
{
    const xp_host *h = ctx->host;
    int kind = h->cfg_kind(node);
    if (kind == XP_CFG_SCALAR) {
        const char *t = h->cfg_scalar(node);
        if ((r->strategy = strategy_of(t)) >= 0) {
            if (r->strategy == S_CONSTANT)
                return xp_fail(ctx, XP_ECONFIG, "%s: write the constant itself (e.g. -1) or "
                               "{strategy: constant, value: -1}", h->cfg_where(node));
            return XP_OK;
        }
        if (tx_parse_num(t, &r->value) == 0) { r->strategy = S_CONSTANT; return XP_OK; }
        return xp_fail(ctx, XP_ECONFIG,
                       "%s: expected median, mean, mode, skip, a number or {strategy, value}, got '%s'",
                       h->cfg_where(node), t);
    }
    if (kind != XP_CFG_MAP)
        return xp_fail(ctx, XP_ECONFIG,
                       "%s: expected median, mean, mode, skip, a number or {strategy, value}",
                       h->cfg_where(node));
    int rc, has_value = h->cfg_get(node, "value") != NULL;
    r->strategy = -1;
    if ((rc = xp_cfg_choice(ctx, node, "strategy", strategies, N_STRATEGIES, 0, &r->strategy)) ||
        (rc = h->cfg_num(ctx, node, "value", 0, &r->value)))
        return rc;
    if (r->strategy < 0) {
        if (!has_value)
            return xp_fail(ctx, XP_ECONFIG, "%s: give `strategy` (and `value` for constant)",
                           h->cfg_where(node));
        r->strategy = S_CONSTANT;
    }
    if (r->strategy == S_CONSTANT && !has_value)
        return xp_fail(ctx, XP_ECONFIG, "%s: `strategy: constant` needs `value`", h->cfg_where(node));
    return XP_OK;
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->def.strategy = S_MEDIAN;
    s->skip_categorical = 1;
    int rc;
    if ((rc = xp_cfg_choice(ctx, cfg, "strategy", strategies, N_STRATEGIES, 0, &s->def.strategy)) ||
        (rc = h->cfg_num(ctx, cfg, "value", 0, &s->def.value)) ||
        (rc = h->cfg_bool(ctx, cfg, "indicators", 0, &s->indicators)) ||
        (rc = h->cfg_bool(ctx, cfg, "skip_categorical", 0, &s->skip_categorical)) ||
        (rc = tx_sel_read(ctx, cfg, "columns", &s->columns)) ||
        (rc = tx_sel_read(ctx, cfg, "exclude", &s->exclude)))
        goto fail;
    if (s->def.strategy == S_CONSTANT && !h->cfg_get(cfg, "value")) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: `strategy: constant` needs `value`",
                     h->cfg_where(h->cfg_get(cfg, "strategy")));
        goto fail;
    }
    const xp_cfg *ov = h->cfg_get(cfg, "overrides");
    int kind = h->cfg_kind(ov);
    if (kind == XP_CFG_MAP) {
        size_t n = h->cfg_len(ov);
        s->over = calloc(n ? n : 1, sizeof *s->over);
        if (!s->over) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto fail; }
        for (size_t i = 0; i < n; i++) {
            const char *key = h->cfg_key_at(ov, i);
            const xp_cfg *val = h->cfg_at(ov, i);
            if ((rc = read_rule(ctx, val, &s->over[i]))) goto fail;
            if (tx_sel_add(&s->over_keys, key, h->cfg_where(val))) {
                rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
                goto fail;
            }
        }
    } else if (kind != XP_CFG_MISSING && kind != XP_CFG_NULL) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: `overrides` must be a map of column (or glob) to a "
                     "strategy, e.g. {feature_9: mean, feature_60: -1}", h->cfg_where(ov));
        goto fail;
    }
    *out = s;
    return XP_OK;
fail:
    destroy(s);
    return rc;
}

/* Most frequent level of a categorical column (NULL if all missing). */
static const char *mode_level(const xp_column *c, size_t n)
{
    tx_counts k;
    if (tx_col_counts(c, n, &k)) return NULL;
    return k.top_text;
}

static int learn(xp_ctx *ctx, const state *s, const xp_column *c, size_t n, learned *l)
{
    rule r = s->def;
    int o = tx_sel_match(&s->over_keys, c->name);
    if (o >= 0) r = s->over[o];
    if (r.strategy == S_SKIP) return XP_OK;
    size_t missing = tx_col_missing(c, n);
    l->type = c->type;
    l->fill = NAN;
    if (c->type == XP_COL_CATEGORICAL) {
        const char *m = mode_level(c, n);
        if (m && !(l->level = tx_strdup(m))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    } else {
        tx_sorted sorted;
        if (tx_sorted_make(c->num, n, &sorted)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
        int strategy = r.strategy;
        if (c->type == XP_COL_BOOL && !(strategy == S_CONSTANT && (r.value == 0 || r.value == 1)))
            strategy = S_MODE;
        tx_moments m;
        switch (strategy) {
        case S_MEDIAN: l->fill = tx_quantile(sorted.v, sorted.n, 0.5); break;
        case S_MEAN: tx_moments_of(c->num, n, &m); l->fill = m.mean; break;
        case S_MODE: tx_sorted_top(&sorted, &l->fill); break;
        case S_CONSTANT: l->fill = r.value; break;
        }
        tx_sorted_free(&sorted);
    }
    if (isnan(l->fill) && !l->level) {
        if (missing)
            xp_log(ctx, XP_LOG_WARN, "column %s has no value in the training rows: left missing",
                   c->name);
        return XP_OK;
    }
    l->indicator = s->indicators && missing > 0;
    if (!(l->name = tx_strdup(c->name))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    return XP_OK;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    int rc;
    clear_learned(s);
    if ((rc = tx_sel_check(ctx, &s->columns, train, "columns")) ||
        (rc = tx_sel_check(ctx, &s->exclude, train, "exclude")) ||
        (rc = tx_sel_check(ctx, &s->over_keys, train, "overrides")))
        return rc;
    s->cols = calloc(train->n_cols ? train->n_cols : 1, sizeof *s->cols);
    if (!s->cols) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    tx_line line;
    tx_line_init(&line);
    size_t n_ind = 0;
    for (size_t j = 0; j < train->n_cols; j++) {
        const xp_column *c = train->cols[j];
        /* Text is no model input; a vector column comes with its encoder's own missing
         * indicator and is left for the model to handle. */
        if (c->role != XP_ROLE_FEATURE || c->type == XP_COL_TEXT || c->type == XP_COL_VECTOR) continue;
        if (c->type == XP_COL_CATEGORICAL && s->skip_categorical) continue;
        if (s->columns.n && tx_sel_match(&s->columns, c->name) < 0) continue;
        if (tx_sel_match(&s->exclude, c->name) >= 0) continue;
        learned *l = &s->cols[s->n_cols];
        memset(l, 0, sizeof *l);
        if ((rc = learn(ctx, s, c, train->n_rows, l))) return rc;
        if (!l->name) continue;
        s->n_cols++;
        n_ind += (size_t)l->indicator;
        if (l->level) tx_line_add(&line, "%s=%s", l->name, l->level);
        else tx_line_add(&line, "%s=%g", l->name, l->fill);
    }
    xp_log(ctx, XP_LOG_INFO, "filling %zu column(s), %zu indicator(s): %s", s->n_cols, n_ind,
           tx_line_text(&line));
    return XP_OK;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    const xp_host *h = ctx->host;
    for (size_t i = 0; i < s->n_cols; i++) {
        const learned *l = &s->cols[i];
        xp_column *c = h->frame_find(f, l->name);
        if (!c)
            return xp_fail(ctx, XP_ENOTFOUND, "column %s (learned at fit) is not in this frame",
                           l->name);
        if (c->type != l->type)
            return xp_fail(ctx, XP_EINVAL, "column %s is %s here but was %s at fit", l->name,
                           xp_col_type_name(c->type), xp_col_type_name(l->type));
        if (l->indicator) {
            char name[512];
            if ((size_t)snprintf(name, sizeof name, "%s_missing", l->name) >= sizeof name)
                return xp_fail(ctx, XP_EINVAL, "column name %s is too long", l->name);
            if (h->frame_find(f, name))
                return xp_fail(ctx, XP_EINVAL, "cannot add indicator %s: a column of that name exists",
                               name);
            xp_column *ind = h->frame_add(f, name, XP_COL_BOOL, XP_ROLE_FEATURE);
            if (!ind) return xp_fail(ctx, XP_ENOMEM, "out of memory adding %s", name);
            for (size_t r = 0; r < f->n_rows; r++) ind->num[r] = tx_col_is_missing(c, r);
        }
        if (c->type == XP_COL_CATEGORICAL) {
            int32_t code = h->col_level(c, l->level);
            if (code < 0) return xp_fail(ctx, XP_ENOMEM, "out of memory");
            for (size_t r = 0; r < f->n_rows; r++)
                if (c->codes[r] < 0) c->codes[r] = code;
        } else {
            for (size_t r = 0; r < f->n_rows; r++)
                if (isnan(c->num[r])) c->num[r] = l->fill;
        }
    }
    return XP_OK;
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help impute` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: impute\n"
    "    strategy: median          # median | mean | mode | constant\n"
    "    value: 0                  # the constant for `strategy: constant`\n"
    "    overrides:                # per column (name or glob); first matching entry wins\n"
    "      feature_9: mean\n"
    "      \"feature_1[0-3]\": -1    # a number means constant\n"
    "      feature_60: {strategy: constant, value: -999}\n"
    "      feature_46: skip        # leave missing\n"
    "    indicators: false         # add <col>_missing (bool) for columns with missing training values\n"
    "    skip_categorical: true    # false: categorical columns get their most frequent level\n"
    "    columns: [\"feature_*\"]    # optional: only these (default: every feature column)\n"
    "    exclude: [quantity]\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "impute", "1.0.0",
                                          "fill missing values (median, mean, mode, constant)", &ops, options_text);
XP_PLUGINS(&plugin)
