/* drop_columns.c — transform `drop_columns`: drops listed columns and, learned on the training
 * rows, empty, constant and near-duplicate ones.
 *
 *     runner plugins --help drop_columns       # its options, as the plugin documents them
 *
 * Columns whose role is target, weight, group or id are never dropped; the learned rules only
 * look at feature columns (an `ignore` column such as description is kept for grouping).
 * Near-duplicates: columns are visited by (missing count, position) and a column is dropped
 * when it correlates with one already kept, so of a pair the one with fewer missing values
 * stays, and on a tie the earlier one. fit logs and records (record "drop_columns") each
 * dropped column and why; apply drops the same names from every frame.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "txu.h"
#include "xp/xp.h"

enum { WHY_LISTED, WHY_EMPTY, WHY_CONSTANT, WHY_DUPLICATE };
static const char *const why_name[] = { "listed", "empty", "constant", "duplicate" };

typedef struct dropped {
    char *name;
    int why;
    double value;        /* missing share, top share or r */
    char *of;            /* duplicate: the kept column */
} dropped;

typedef struct state {
    tx_sel columns, keep;
    int empty, constant, duplicates;
    double max_missing, max_top_share, min_corr, min_overlap;
    dropped *drop;
    size_t n_drop;
} state;

static void clear_learned(state *s)
{
    for (size_t i = 0; i < s->n_drop; i++) {
        free(s->drop[i].name);
        free(s->drop[i].of);
    }
    free(s->drop);
    s->drop = NULL;
    s->n_drop = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    tx_sel_free(&s->columns);
    tx_sel_free(&s->keep);
    clear_learned(s);
    free(s);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->empty = s->constant = s->duplicates = 1;
    s->max_missing = 0.99;
    s->max_top_share = 0.999;
    s->min_corr = 0.98;
    s->min_overlap = 0.5;
    int rc;
    if ((rc = tx_sel_read(ctx, cfg, "columns", &s->columns)) ||
        (rc = tx_sel_read(ctx, cfg, "keep", &s->keep)) ||
        (rc = h->cfg_bool(ctx, cfg, "empty", 0, &s->empty)) ||
        (rc = h->cfg_bool(ctx, cfg, "constant", 0, &s->constant)) ||
        (rc = h->cfg_bool(ctx, cfg, "duplicates", 0, &s->duplicates)) ||
        (rc = h->cfg_num(ctx, cfg, "max_missing", 0, &s->max_missing)) ||
        (rc = h->cfg_num(ctx, cfg, "max_top_share", 0, &s->max_top_share)) ||
        (rc = h->cfg_num(ctx, cfg, "min_corr", 0, &s->min_corr)) ||
        (rc = h->cfg_num(ctx, cfg, "min_overlap", 0, &s->min_overlap)) ||
        (rc = tx_cfg_range(ctx, cfg, "max_missing", s->max_missing, 0, 1)) ||
        (rc = tx_cfg_range(ctx, cfg, "max_top_share", s->max_top_share, 0.5, 1)) ||
        (rc = tx_cfg_range(ctx, cfg, "min_corr", s->min_corr, 0.5, 1)) ||
        (rc = tx_cfg_range(ctx, cfg, "min_overlap", s->min_overlap, 0, 1))) {
        destroy(s);
        return rc;
    }
    *out = s;
    return XP_OK;
}

static int add_drop(xp_ctx *ctx, state *s, const char *name, int why, double value, const char *of)
{
    dropped *d = &s->drop[s->n_drop];
    d->name = tx_strdup(name);
    d->of = tx_strdup(of);
    d->why = why;
    d->value = value;
    if (!d->name || (of && !d->of)) {
        free(d->name);
        free(d->of);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    s->n_drop++;
    return XP_OK;
}

typedef struct cand {
    size_t col;
    size_t missing;
    double mean;
    int keep;            /* listed in keep: visited first, never dropped */
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->keep != y->keep) return y->keep - x->keep;
    if (x->missing != y->missing) return (x->missing > y->missing) - (x->missing < y->missing);
    return (x->col > y->col) - (x->col < y->col);
}

/* Near-duplicates among the numeric feature columns not dropped yet (gone[j] == 0). */
static int find_duplicates(xp_ctx *ctx, state *s, const xp_frame *f, const char *gone)
{
    size_t n = f->n_rows;
    cand *c = malloc((f->n_cols ? f->n_cols : 1) * sizeof *c);
    size_t *kept = malloc((f->n_cols ? f->n_cols : 1) * sizeof *kept);
    size_t n_c = 0, n_kept = 0;
    int rc = XP_OK;
    if (!c || !kept) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
    for (size_t j = 0; j < f->n_cols; j++) {
        const xp_column *col = f->cols[j];
        if (gone[j] || col->role != XP_ROLE_FEATURE) continue;
        if (col->type != XP_COL_NUMERIC && col->type != XP_COL_BOOL) continue;
        tx_moments m;
        tx_moments_of(col->num, n, &m);
        c[n_c++] = (cand){ j, n - m.n, m.mean, tx_sel_match(&s->keep, col->name) >= 0 };
    }
    qsort(c, n_c, sizeof *c, cmp_cand);
    for (size_t a = 0; a < n_c; a++) {
        const xp_column *col = f->cols[c[a].col];
        size_t present = n - c[a].missing;
        int dup = 0;
        for (size_t b = 0; b < n_kept && !c[a].keep; b++) {
            const cand *k = &c[kept[b]];
            size_t used;
            double r = tx_pearson(col->num, f->cols[k->col]->num, n, c[a].mean, k->mean, &used);
            if (!(fabs(r) >= s->min_corr) || used < 3 ||
                (double)used < s->min_overlap * (double)present)
                continue;
            if ((rc = add_drop(ctx, s, col->name, WHY_DUPLICATE, r, f->cols[k->col]->name))) goto out;
            dup = 1;
            break;
        }
        if (!dup) kept[n_kept++] = a;
    }
out:
    free(c);
    free(kept);
    return rc;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    int rc;
    clear_learned(s);
    if ((rc = tx_sel_check(ctx, &s->columns, train, "columns")) ||
        (rc = tx_sel_check(ctx, &s->keep, train, "keep")))
        return rc;
    size_t n_cols = train->n_cols, n = train->n_rows;
    s->drop = calloc(n_cols ? n_cols : 1, sizeof *s->drop);
    char *gone = calloc(n_cols ? n_cols : 1, 1);
    if (!s->drop || !gone) { free(gone); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
    for (size_t j = 0; j < n_cols && !rc; j++) {
        const xp_column *c = train->cols[j];
        int listed = tx_sel_match(&s->columns, c->name);
        if (tx_role_protected(c->role)) {
            if (listed >= 0 && !s->columns.v[listed].glob)
                xp_log(ctx, XP_LOG_WARN, "%s: column %s has role %s and is not dropped",
                       s->columns.v[listed].where, c->name, xp_role_name(c->role));
            continue;
        }
        if (listed >= 0) {
            rc = add_drop(ctx, s, c->name, WHY_LISTED, NAN, NULL);
            gone[j] = 1;
            continue;
        }
        if (c->role != XP_ROLE_FEATURE || tx_sel_match(&s->keep, c->name) >= 0) continue;
        double missing = n ? (double)tx_col_missing(c, n) / (double)n : 0;
        if (s->empty && missing >= s->max_missing) {
            rc = add_drop(ctx, s, c->name, WHY_EMPTY, missing, NULL);
            gone[j] = 1;
            continue;
        }
        if (s->constant) {
            tx_counts k;
            if (tx_col_counts(c, n, &k)) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); break; }
            double top = k.present ? (double)k.top_count / (double)k.present : 1;
            if (k.distinct <= 1 || top >= s->max_top_share) {
                rc = add_drop(ctx, s, c->name, WHY_CONSTANT, top, NULL);
                gone[j] = 1;
            }
        }
    }
    if (!rc && s->duplicates) rc = find_duplicates(ctx, s, train, gone);
    free(gone);
    if (rc) return rc;

    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_int(&j, "n_cols", (int64_t)n_cols);
    json_out_key(&j, "dropped");
    json_out_array(&j);
    tx_line line;
    tx_line_init(&line);
    for (size_t i = 0; i < s->n_drop; i++) {
        const dropped *d = &s->drop[i];
        json_out_object(&j);
        json_out_kv_str(&j, "name", d->name);
        json_out_kv_str(&j, "reason", why_name[d->why]);
        switch (d->why) {
        case WHY_LISTED:
            tx_line_add(&line, "%s (listed)", d->name);
            break;
        case WHY_EMPTY:
            json_out_kv_num(&j, "missing_share", d->value);
            tx_line_add(&line, "%s (empty: %.2f%% missing)", d->name, 100 * d->value);
            break;
        case WHY_CONSTANT:
            json_out_kv_num(&j, "top_share", d->value);
            tx_line_add(&line, "%s (constant: top value %.3f%%)", d->name, 100 * d->value);
            break;
        case WHY_DUPLICATE:
            json_out_kv_str(&j, "of", d->of);
            json_out_kv_num(&j, "r", d->value);
            tx_line_add(&line, "%s (r=%.4f with %s)", d->name, d->value, d->of);
            break;
        }
        json_out_end(&j);
    }
    json_out_end(&j);
    json_out_end(&j);
    /* Many drops (a text column's rare words): counts by reason, which the per-fold summary
     * (core/logsum.c) merges into one line with ranges; the names differ from fold to fold
     * and would make five lines of them. The record keeps every name either way. */
    enum { NAMED_MAX = 12 };
    if (s->n_drop > NAMED_MAX) {
        size_t by[4] = { 0 };
        for (size_t i = 0; i < s->n_drop; i++) by[s->drop[i].why]++;
        xp_log(ctx, XP_LOG_INFO, "dropping %zu of %zu columns: %zu constant or nearly (top value >= %.3g%%), %zu empty, "
               "%zu near-duplicates, %zu listed (names: record drop_columns)", s->n_drop, n_cols, by[WHY_CONSTANT],
               100 * s->max_top_share, by[WHY_EMPTY], by[WHY_DUPLICATE], by[WHY_LISTED]);
    } else {
        xp_log(ctx, XP_LOG_INFO, "dropping %zu of %zu columns: %s", s->n_drop, n_cols, tx_line_text(&line));
    }
    return json_out_record(ctx, &j, "drop_columns");
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    for (size_t i = 0; i < s->n_drop; i++) {
        int j = ctx->host->frame_index(f, s->drop[i].name);
        if (j >= 0) ctx->host->frame_drop(f, (size_t)j);   /* absent: already gone, fine */
    }
    return XP_OK;
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help drop_columns` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: drop_columns\n"
    "    columns: [feature_12, \"feature_1[4-6]\"]  # always dropped (names or globs)\n"
    "    keep: [feature_46]        # never dropped by the learned rules\n"
    "    empty: true               # missing share >= max_missing\n"
    "    max_missing: 0.99\n"
    "    constant: true            # <= 1 distinct present value, or top share >= max_top_share\n"
    "    max_top_share: 0.999      # so feature_22 (-5 in 99.93% of rows) counts as constant\n"
    "    duplicates: true          # |Pearson r| >= min_corr with a kept numeric column\n"
    "    min_corr: 0.98\n"
    "    min_overlap: 0.5          # shared present rows / present rows of the dropped column\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "drop_columns", "1.0.0",
                                          "drop listed, empty, constant and near-duplicate columns",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
