/* placeholders.c — transform `placeholders`: placeholder codes (-5, -2, -8, ...) become missing.
 *
 *     runner plugins --help placeholders       # its options, as the plugin documents them
 *
 * mode defaults to `explicit` when `codes` is given and to `auto` otherwise; with `mode: auto`
 * and `codes` both apply. A column's explicit codes are the union of every `codes` entry whose
 * key matches it, so `feature_29` above gets -8, -5 and -2 (use `exclude` to opt a column out).
 * Only numeric feature columns are touched: never the target, weight, group or id.
 * fit records what it learned (record "placeholders"); apply sets matching values to NaN in
 * every frame, so a code seen only in validation rows is still treated the same way.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "txu.h"
#include "xp/xp.h"

enum { MODE_EXPLICIT = 0, MODE_AUTO = 1 };
static const char *const modes[] = { "explicit", "auto" };   /* by MODE_* */

typedef struct code_set {
    double *v;
    size_t n;
} code_set;

typedef struct learned {
    char *name;
    size_t n;
    double value[16];
    double share[16];            /* in the training rows */
    int is_auto[16];
} learned;

typedef struct state {
    int mode;
    tx_sel code_keys;            /* codes: keys, in file order */
    code_set *code_vals;         /* one per key */
    tx_sel exclude, columns;
    tx_ph_rule rule;
    learned *cols;
    size_t n_cols;
} state;

static void clear_learned(state *s)
{
    for (size_t i = 0; i < s->n_cols; i++) free(s->cols[i].name);
    free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    for (size_t i = 0; i < s->code_keys.n; i++) free(s->code_vals[i].v);
    free(s->code_vals);
    tx_sel_free(&s->code_keys);
    tx_sel_free(&s->exclude);
    tx_sel_free(&s->columns);
    clear_learned(s);
    free(s);
}

static int read_codes(xp_ctx *ctx, const xp_cfg *cfg, state *s)
{
    const xp_host *h = ctx->host;
    const xp_cfg *node = h->cfg_get(cfg, "codes");
    int kind = h->cfg_kind(node);
    if (kind == XP_CFG_MISSING || kind == XP_CFG_NULL) return XP_OK;
    if (kind != XP_CFG_MAP)
        return xp_fail(ctx, XP_ECONFIG,
                       "%s: `codes` must be a map of column (or glob, or \"*\") to a list of "
                       "numbers, e.g. {feature_29: [-8], \"*\": [-5, -2]}",
                       h->cfg_where(node));
    size_t n = h->cfg_len(node);
    s->code_vals = calloc(n ? n : 1, sizeof *s->code_vals);
    if (!s->code_vals) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->code_keys.given = 1;
    for (size_t i = 0; i < n; i++) {
        const char *key = h->cfg_key_at(node, i);
        const xp_cfg *val = h->cfg_at(node, i);
        int rc = tx_cfg_nums(ctx, val, &s->code_vals[i].v, &s->code_vals[i].n);
        if (rc) return rc;
        if (s->code_vals[i].n > 8)
            return xp_fail(ctx, XP_ECONFIG, "%s: at most 8 codes per entry", h->cfg_where(val));
        if (tx_sel_add(&s->code_keys, key, h->cfg_where(val)))
            return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    return XP_OK;
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    tx_ph_rule_default(&s->rule);
    s->mode = -1;
    int rc = read_codes(ctx, cfg, s);
    if (!rc) rc = xp_cfg_choice(ctx, cfg, "mode", modes, XP_COUNT(modes), 0, &s->mode);
    if (!rc) rc = tx_sel_read(ctx, cfg, "exclude", &s->exclude);
    if (!rc) rc = tx_sel_read(ctx, cfg, "columns", &s->columns);
    if (!rc) rc = tx_ph_rule_read(ctx, cfg, &s->rule);
    if (!rc && s->mode == MODE_EXPLICIT && s->code_keys.n == 0) {
        const xp_host *h = ctx->host;
        rc = xp_fail(ctx, XP_ECONFIG, "%s: `mode: explicit` needs `codes`, e.g. {\"*\": [-5, -2]}",
                     h->cfg_where(h->cfg_get(cfg, "mode")));
    }
    if (rc) { destroy(s); return rc; }
    if (s->mode < 0) s->mode = s->code_keys.n ? MODE_EXPLICIT : MODE_AUTO;
    *out = s;
    return XP_OK;
}

/* Adds v unless known; -1 when the column already has the maximum number of codes. */
static int add_code(learned *l, double v, double share, int is_auto)
{
    for (size_t k = 0; k < l->n; k++)
        if (l->value[k] == v) return 0;
    if (l->n == sizeof l->value / sizeof l->value[0]) return -1;
    l->value[l->n] = v;
    l->share[l->n] = share;
    l->is_auto[l->n] = is_auto;
    l->n++;
    return 0;
}

static double share_of(const tx_sorted *s, double v)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) k += s->v[i] == v;
    return s->n ? (double)k / (double)s->n : 0;
}

/* Learns the codes of one column into *l (l->n == 0: nothing to do). */
static int learn_column(xp_ctx *ctx, const state *s, const xp_column *c, size_t n_rows, learned *l)
{
    tx_sorted sorted;
    if (tx_sorted_make(c->num, n_rows, &sorted)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t k = 0; k < s->code_keys.n; k++) {
        const tx_pat *p = &s->code_keys.v[k];
        if (!tx_pat_match(p, c->name)) continue;
        for (size_t i = 0; i < s->code_vals[k].n; i++)
            if (add_code(l, s->code_vals[k].v[i], share_of(&sorted, s->code_vals[k].v[i]), 0)) {
                tx_sorted_free(&sorted);
                return xp_fail(ctx, XP_ECONFIG, "%s: column %s gets more than %zu codes", p->where,
                               c->name, sizeof l->value / sizeof l->value[0]);
            }
    }
    if (s->mode == MODE_AUTO) {
        tx_ph_code found[16];
        size_t n = tx_ph_detect(&sorted, &s->rule, found, 16);
        for (size_t i = 0; i < n; i++)
            if (add_code(l, found[i].value, found[i].share, 1)) break;   /* explicit ones first */
    }
    tx_sorted_free(&sorted);
    return XP_OK;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    int rc;
    clear_learned(s);
    if ((rc = tx_sel_check(ctx, &s->code_keys, train, "codes")) ||
        (rc = tx_sel_check(ctx, &s->exclude, train, "exclude")) ||
        (rc = tx_sel_check(ctx, &s->columns, train, "columns")))
        return rc;
    /* Naming a protected column exactly is a config mistake worth stopping for. */
    for (size_t k = 0; k < s->code_keys.n; k++) {
        const tx_pat *p = &s->code_keys.v[k];
        const xp_column *c = p->glob ? NULL : ctx->host->frame_find(train, p->pat);
        if (c && tx_role_protected(c->role))
            return xp_fail(ctx, XP_ECONFIG, "%s: column %s has role %s; placeholders never change it",
                           p->where, c->name, xp_role_name(c->role));
    }
    s->cols = calloc(train->n_cols ? train->n_cols : 1, sizeof *s->cols);
    if (!s->cols) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t j = 0; j < train->n_cols; j++) {
        const xp_column *c = train->cols[j];
        if (c->role != XP_ROLE_FEATURE || c->type != XP_COL_NUMERIC) continue;
        if (tx_sel_match(&s->exclude, c->name) >= 0) continue;
        if (s->columns.n && tx_sel_match(&s->columns, c->name) < 0) continue;
        learned *l = &s->cols[s->n_cols];
        memset(l, 0, sizeof *l);
        if ((rc = learn_column(ctx, s, c, train->n_rows, l))) return rc;
        if (!l->n) continue;
        if (!(l->name = tx_strdup(c->name))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
        s->n_cols++;
    }

    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "mode", modes[s->mode]);
    json_out_key(&j, "rule");
    json_out_object(&j);
    json_out_kv_num(&j, "min_share", s->rule.min_share);
    json_out_kv_num(&j, "min_code", s->rule.min_code);
    json_out_kv_num(&j, "max_codes", s->rule.max_codes);
    json_out_kv_num(&j, "min_ratio", s->rule.min_ratio);
    json_out_kv_num(&j, "min_other_distinct", s->rule.min_other_distinct);
    json_out_end(&j);
    json_out_key(&j, "columns");
    json_out_array(&j);
    tx_line line;
    tx_line_init(&line);
    for (size_t i = 0; i < s->n_cols; i++) {
        const learned *l = &s->cols[i];
        json_out_object(&j);
        json_out_kv_str(&j, "name", l->name);
        json_out_key(&j, "codes");
        json_out_array(&j);
        char buf[200] = "";
        size_t len = 0;
        for (size_t k = 0; k < l->n; k++) {
            json_out_object(&j);
            json_out_kv_num(&j, "value", l->value[k]);
            json_out_kv_num(&j, "share", l->share[k]);
            json_out_kv_str(&j, "source", l->is_auto[k] ? "auto" : "explicit");
            json_out_end(&j);
            if (len < sizeof buf - 40)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%g: %.1f%%", k ? ", " : "",
                                        l->value[k], 100 * l->share[k]);
        }
        json_out_end(&j);
        json_out_end(&j);
        tx_line_add(&line, "%s [%s]", l->name, buf);
    }
    json_out_end(&j);
    json_out_end(&j);
    xp_log(ctx, XP_LOG_INFO, "codes -> missing in %zu column(s): %s", s->n_cols,
           tx_line_text(&line));
    return json_out_record(ctx, &j, "placeholders");
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    for (size_t i = 0; i < s->n_cols; i++) {
        const learned *l = &s->cols[i];
        xp_column *c = ctx->host->frame_find(f, l->name);
        if (!c)
            return xp_fail(ctx, XP_ENOTFOUND, "column %s (learned at fit) is not in this frame",
                           l->name);
        if (c->type != XP_COL_NUMERIC)
            return xp_fail(ctx, XP_EINVAL, "column %s is %s here but was numeric at fit", l->name,
                           xp_col_type_name(c->type));
        size_t changed = 0;
        for (size_t r = 0; r < f->n_rows; r++)
            for (size_t k = 0; k < l->n; k++)
                if (c->num[r] == l->value[k]) { c->num[r] = NAN; changed++; break; }
        xp_log(ctx, XP_LOG_DEBUG, "column %s: %zu of %zu values were codes", l->name, changed,
               f->n_rows);
    }
    return XP_OK;
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help placeholders` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: placeholders\n"
    "    codes: {feature_29: [-8], \"*\": [-5, -2]}   # explicit; keys are names or globs\n"
    "  - plugin: placeholders\n"
    "    mode: auto            # learn the codes per column on the training rows\n"
    "    exclude: [feature_64, \"feature_7[5-7]\"]\n"
    "    columns: [\"feature_*\"]   # optional: only these columns (default: all numeric features)\n"
    "    min_share: 0.01       # auto rule, shared with `profile` (see txu.h tx_ph_detect)\n"
    "    min_code: -99\n"
    "    min_other_distinct: 3\n"
    "    max_codes: 4\n"
    "    min_ratio: 5\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "placeholders", "1.0.0",
                                          "placeholder codes (-5, -2, -8, ...) to missing", &ops, options_text);
XP_PLUGINS(&plugin)
