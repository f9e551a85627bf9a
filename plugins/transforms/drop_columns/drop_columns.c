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
 *
 * Near is not the same: a day's high and low correlate with its open at r = 0.9999 over years
 * of a trending index, and what they add to it is most of what there is to know about the
 * close. So with a numeric target (target_aware), a near-duplicate is dropped only when what
 * it adds beyond its kept twin does not follow the target: the partial correlation of the two
 * given the twin (each one's least-squares residual on it) below min_partial. Two columns
 * equal up to an affine map (residual variance a 1e-12 of the column's) are duplicates
 * whatever the target. On the challenge data the dropped near-copies add |partial r| <= 0.05
 * (noise); on Vega's sp500-2000 the high, low and adjusted close add 0.69, 0.71 and 1.0.
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
    double partial;      /* duplicate: partial r with the target given `of` (NaN: not checked) */
} dropped;

/* A near-duplicate kept because it follows the target beyond its twin (for the record). */
typedef struct spared {
    char *name, *of;
    double r, partial;
} spared;

typedef struct state {
    tx_sel columns, keep;
    int empty, constant, duplicates, target_aware;
    double max_missing, max_top_share, min_corr, min_overlap, min_partial;
    dropped *drop;
    size_t n_drop;
    spared *spare;
    size_t n_spare;
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
    for (size_t i = 0; i < s->n_spare; i++) {
        free(s->spare[i].name);
        free(s->spare[i].of);
    }
    free(s->spare);
    s->spare = NULL;
    s->n_spare = 0;
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
    s->empty = s->constant = s->duplicates = s->target_aware = 1;
    s->min_partial = 0.1;
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
        (rc = h->cfg_bool(ctx, cfg, "target_aware", 0, &s->target_aware)) ||
        (rc = h->cfg_num(ctx, cfg, "min_partial", 0, &s->min_partial)) ||
        (rc = tx_cfg_range(ctx, cfg, "min_partial", s->min_partial, 0, 1)) ||
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
    d->partial = NAN;
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

static int add_spared(xp_ctx *ctx, state *s, const char *name, const char *of, double r, double partial)
{
    spared *n = realloc(s->spare, (s->n_spare + 1) * sizeof *n);
    if (!n) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->spare = n;
    spared *d = &s->spare[s->n_spare];
    d->name = tx_strdup(name);
    d->of = tx_strdup(of);
    if (!d->name || !d->of) {
        free(d->name);
        free(d->of);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    d->r = r;
    d->partial = partial;
    s->n_spare++;
    return XP_OK;
}

static const xp_column *numeric_target(const xp_frame *f)
{
    for (size_t j = 0; j < f->n_cols; j++)
        if (f->cols[j]->role == XP_ROLE_TARGET && (f->cols[j]->type == XP_COL_NUMERIC || f->cols[j]->type == XP_COL_BOOL))
            return f->cols[j];
    return NULL;
}

/* Correlation of x and y once each has its least-squares line on z taken out, over the rows
 * where all three are finite (Pearson's partial r of x and y given z). NaN when x is z up to
 * an affine map (its residual variance is a 1e-12 of its own: float noise, not information),
 * when y is, or with fewer than 3 such rows. */
static double partial_given(const double *x, const double *y, const double *z, size_t n)
{
    double sx = 0, sy = 0, sz = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i]) && isfinite(z[i])) sx += x[i], sy += y[i], sz += z[i], m++;
    if (m < 3) return NAN;
    double mx = sx / (double)m, my = sy / (double)m, mz = sz / (double)m;
    double xx = 0, yy = 0, zz = 0, xz = 0, yz = 0, xy = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i]) && isfinite(z[i])) {
            double a = x[i] - mx, b = y[i] - my, c = z[i] - mz;
            xx += a * a, yy += b * b, zz += c * c, xz += a * c, yz += b * c, xy += a * b;
        }
    if (!(zz > 0) || !(xx > 0) || !(yy > 0)) return NAN;
    /* Residual sums from the centred sums: x - (xz/zz) z, y - (yz/zz) z. */
    double rxx = xx - xz * xz / zz, ryy = yy - yz * yz / zz, rxy = xy - xz * yz / zz;
    if (!(rxx > 1e-12 * xx) || !(ryy > 1e-12 * yy)) return NAN;
    return rxy / sqrt(rxx * ryy);
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
    const xp_column *target = s->target_aware ? numeric_target(f) : NULL;
    for (size_t a = 0; a < n_c; a++) {
        const xp_column *col = f->cols[c[a].col];
        size_t present = n - c[a].missing;
        int dup = 0;
        for (size_t b = 0; b < n_kept && !c[a].keep; b++) {
            const cand *k = &c[kept[b]];
            const xp_column *twin = f->cols[k->col];
            size_t used;
            double r = tx_pearson(col->num, twin->num, n, c[a].mean, k->mean, &used);
            if (!(fabs(r) >= s->min_corr) || used < 3 ||
                (double)used < s->min_overlap * (double)present)
                continue;
            double p = target ? partial_given(col->num, target->num, twin->num, n) : NAN;
            if (fabs(p) >= s->min_partial) {   /* NaN (exact, or not checked): a duplicate */
                /* Said once per column, with its first twin. */
                if ((!s->n_spare || strcmp(s->spare[s->n_spare - 1].name, col->name)) &&
                    (rc = add_spared(ctx, s, col->name, twin->name, r, p)))
                    goto out;
                continue;
            }
            if ((rc = add_drop(ctx, s, col->name, WHY_DUPLICATE, r, twin->name))) goto out;
            s->drop[s->n_drop - 1].partial = p;
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
            if (!isnan(d->partial)) json_out_kv_num(&j, "partial_r_target", d->partial);
            tx_line_add(&line, "%s (r=%.4f with %s)", d->name, d->value, d->of);
            break;
        }
        json_out_end(&j);
    }
    json_out_end(&j);
    /* Near-duplicates kept: what they add beyond their twin follows the target. */
    json_out_key(&j, "kept_near_duplicates");
    json_out_array(&j);
    tx_line spare_line;
    tx_line_init(&spare_line);
    for (size_t i = 0; i < s->n_spare; i++) {
        const spared *d = &s->spare[i];
        json_out_object(&j);
        json_out_kv_str(&j, "name", d->name);
        json_out_kv_str(&j, "of", d->of);
        json_out_kv_num(&j, "r", d->r);
        json_out_kv_num(&j, "partial_r_target", d->partial);
        json_out_end(&j);
        tx_line_add(&spare_line, "%s (r=%.4f with %s, partial r %.2f)", d->name, d->r, d->of, d->partial);
    }
    json_out_end(&j);
    json_out_end(&j);
    if (s->n_spare)
        xp_log(ctx, XP_LOG_INFO, "keeping %zu near-duplicate%s whose difference from %s twin follows the target: %s",
               s->n_spare, s->n_spare == 1 ? "" : "s", s->n_spare == 1 ? "its" : "their", tx_line_text(&spare_line));
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
    "    target_aware: true        # ... and, with a numeric target, what it adds beyond that\n"
    "    min_partial: 0.1          # column follows the target by |partial r| < min_partial\n"
    "                              # (a day's high beside its open: kept; a noisy copy: dropped)\n"
    "    min_overlap: 0.5          # shared present rows / present rows of the dropped column\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "drop_columns", "1.0.0",
                                          "drop listed, empty, constant and near-duplicate columns",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
