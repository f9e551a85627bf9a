/* parse_prefixed.c — transform `parse_prefixed`: numbers behind a text prefix ("nr_12",
 * "sh_0") become a numeric column of the same name, role and position.
 *
 *     runner plugins --help parse_prefixed       # its options, as the plugin documents them
 *
 * A value matches ^[A-Za-z]+_-?[0-9]+$. In auto mode fit picks every categorical or text
 * column where at least min_match of the training rows' present values match. apply parses
 * the column in every frame; a present value that does not match becomes missing (NaN) and
 * is counted in a warning that shows one example.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txu.h"
#include "xp/xp.h"

typedef struct state {
    tx_sel columns;      /* explicit columns; empty: auto */
    int is_auto;
    double min_match;
    tx_names learned;    /* columns to parse, decided at fit */
} state;

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->min_match = 0.99;
    int rc = tx_sel_read(ctx, cfg, "columns", &s->columns);
    if (!rc) rc = h->cfg_num(ctx, cfg, "min_match", 0, &s->min_match);
    if (!rc) rc = tx_cfg_range(ctx, cfg, "min_match", s->min_match, 0.5, 1);
    if (rc) { tx_sel_free(&s->columns); free(s); return rc; }
    s->is_auto = s->columns.n == 0 ||
                 (s->columns.n == 1 && strcmp(s->columns.v[0].pat, "auto") == 0);
    *out = s;
    return XP_OK;
}

/* Parses "<letters>_<int>" into *v. 0 on a match, -1 otherwise. */
static int parse(const char *t, double *v)
{
    const char *p = t;
    while (isalpha((unsigned char)*p)) p++;
    if (p == t || *p != '_') return -1;
    p++;
    const char *num = p;
    if (*p == '-') p++;
    if (!isdigit((unsigned char)*p)) return -1;
    while (isdigit((unsigned char)*p)) p++;
    if (*p) return -1;
    *v = strtod(num, NULL);
    return 0;
}

static int is_stringy(const xp_column *c)
{
    return c->type == XP_COL_CATEGORICAL || c->type == XP_COL_TEXT;
}

/* Value of row i as text (NULL if missing). */
static const char *text_at(const xp_column *c, size_t i)
{
    if (c->type == XP_COL_TEXT) return c->text[i];
    int32_t k = c->codes[i];
    return k >= 0 && (size_t)k < c->n_levels ? c->levels[k] : NULL;
}

/* Share of present values that parse (1 when none are present). */
static double match_share(const xp_column *c, size_t n_rows, size_t *present)
{
    size_t ok = 0;
    *present = 0;
    for (size_t i = 0; i < n_rows; i++) {
        const char *t = text_at(c, i);
        double v;
        if (!t) continue;
        (*present)++;
        ok += parse(t, &v) == 0;
    }
    return *present ? (double)ok / (double)*present : 1;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    int rc;
    tx_names_clear(&s->learned);
    if (!s->is_auto && (rc = tx_sel_check(ctx, &s->columns, train, "columns"))) return rc;
    tx_line picked;
    tx_line_init(&picked);
    for (size_t j = 0; j < train->n_cols; j++) {
        const xp_column *c = train->cols[j];
        if (c->role == XP_ROLE_TARGET) continue;
        size_t present;
        if (s->is_auto) {
            if (!is_stringy(c)) continue;
            double share = match_share(c, train->n_rows, &present);
            if (present == 0 || share < s->min_match) continue;
            tx_line_add(&picked, "%s (%.2f%% match)", c->name, 100 * share);
        } else {
            int m = tx_sel_match(&s->columns, c->name);
            if (m < 0) continue;
            if (!is_stringy(c)) {
                if (s->columns.v[m].glob) continue;   /* a glob may well cover numeric columns */
                xp_log(ctx, XP_LOG_WARN, "column %s is already %s: nothing to parse", c->name,
                       xp_col_type_name(c->type));
                continue;
            }
            double share = match_share(c, train->n_rows, &present);
            tx_line_add(&picked, "%s (%.2f%% match)", c->name, 100 * share);
        }
        if (tx_names_add(&s->learned, c->name)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    xp_log(ctx, XP_LOG_INFO, "parsing %zu column(s): %s", s->learned.n, tx_line_text(&picked));
    return XP_OK;
}

static int parse_column(xp_ctx *ctx, xp_frame *f, size_t j)
{
    const xp_column *c = f->cols[j];
    size_t n = f->n_rows, bad = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    double *lv = NULL;
    char example[64] = "";
    if (!v) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    if (c->type == XP_COL_CATEGORICAL) {
        /* Parse each level once, not each row. */
        lv = malloc((c->n_levels ? c->n_levels : 1) * sizeof *lv);
        if (!lv) { free(v); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
        for (size_t k = 0; k < c->n_levels; k++)
            if (parse(c->levels[k], &lv[k])) lv[k] = NAN;
    }
    for (size_t i = 0; i < n; i++) {
        const char *t = text_at(c, i);
        if (!t) { v[i] = NAN; continue; }
        if (lv) v[i] = lv[c->codes[i]];
        else if (parse(t, &v[i])) v[i] = NAN;
        if (isnan(v[i])) {
            if (!bad++) snprintf(example, sizeof example, "%s", t);
        }
    }
    free(lv);
    if (bad)
        xp_log(ctx, XP_LOG_WARN,
               "column %s: %zu value(s) not of the form <prefix>_<int> became missing (e.g. '%s')",
               c->name, bad, example);
    xp_column *nc = tx_col_swap(ctx, f, j, XP_COL_NUMERIC);
    if (!nc) { free(v); return XP_ENOMEM; }
    memcpy(nc->num, v, n * sizeof *v);
    free(v);
    return XP_OK;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    state *s = st;
    for (size_t k = 0; k < s->learned.n; k++) {
        int j = ctx->host->frame_index(f, s->learned.v[k]);
        if (j < 0)
            return xp_fail(ctx, XP_ENOTFOUND, "column %s (parsed at fit) is not in this frame",
                           s->learned.v[k]);
        const xp_column *c = f->cols[j];
        if (!is_stringy(c))
            return xp_fail(ctx, XP_EINVAL, "column %s is %s here but was text at fit",
                           c->name, xp_col_type_name(c->type));
        int rc = parse_column(ctx, f, (size_t)j);
        if (rc) return rc;
    }
    return XP_OK;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    tx_sel_free(&s->columns);
    tx_names_clear(&s->learned);
    free(s);
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help parse_prefixed` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: parse_prefixed\n"
    "    columns: [feature_1, feature_2]   # names or globs; omit (or `auto`) to detect\n"
    "    min_match: 0.99                   # auto: share of present values that must match\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "parse_prefixed", "1.0.0",
                                          "numbers from prefixed strings (nr_12 -> 12)", &ops, options_text);
XP_PLUGINS(&plugin)
