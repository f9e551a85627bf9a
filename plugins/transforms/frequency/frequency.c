/* frequency.c — transform `frequency`: text and high-cardinality categorical columns become
 * numbers a tree can use: how common the value is in the training rows (and, for text, how
 * long it is).
 *
 *     runner plugins --help frequency       # its options, as the plugin documents them
 *
 * Adds <col>_freq = share of the training rows holding the row's value (a value never seen in
 * training: 0; missing: missing) and, for text columns, <col>_words (words separated by
 * spaces). Why: with hundreds of levels a tree's categorical splits see a few rows per level
 * and overfit, and XGBoost cannot read text at all (it skips it with a warning every fold);
 * how common a value is, and a text's length, are the generic signals that hold on any table.
 * High-cardinality categoricals stay categorical besides; text columns become `ignore`
 * (still there for a grouped split or another encoder) unless ignore_text is false.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txu.h"
#include "xp/xp.h"

typedef struct learned {
    char *name;
    int text;
    char **values;               /* distinct training values, sorted (strcmp); one block */
    double *share;               /* share of training rows per value */
    size_t n;
} learned;

typedef struct state {
    int64_t min_levels;
    int text, ignore_text;
    tx_sel columns;
    learned *cols;
    size_t n_cols;
} state;

static void clear_learned(state *s)
{
    for (size_t i = 0; i < s->n_cols; i++) {
        free(s->cols[i].name);
        free(s->cols[i].values);   /* the pointer array; the strings: free_learned_strings */
        free(s->cols[i].share);
    }
    free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    clear_learned(s);
    tx_sel_free(&s->columns);
    free(s);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->min_levels = 50;
    s->text = 1;
    s->ignore_text = 1;
    int rc;
    if ((rc = h->cfg_int(ctx, cfg, "min_levels", 0, &s->min_levels)) ||
        (rc = h->cfg_bool(ctx, cfg, "text", 0, &s->text)) ||
        (rc = h->cfg_bool(ctx, cfg, "ignore_text", 0, &s->ignore_text)) ||
        (rc = tx_sel_read(ctx, cfg, "columns", &s->columns))) {
        destroy(s);
        return rc;
    }
    if (s->min_levels < 0) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: min_levels must be >= 0, got %lld",
                     h->cfg_where(h->cfg_get(cfg, "min_levels")), (long long)s->min_levels);
        destroy(s);
        return rc;
    }
    *out = s;
    return XP_OK;
}

static const char *cell(const xp_column *c, size_t r)
{
    if (c->type == XP_COL_TEXT) return c->text[r];
    return c->codes[r] >= 0 ? c->levels[c->codes[r]] : NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Learns the sorted distinct values and their shares. The strings are copied into one
 * block (values[0] points at its start), so the frame they came from may go. */
static int learn(xp_ctx *ctx, const xp_column *c, size_t n_rows, learned *l)
{
    const char **v = malloc((n_rows ? n_rows : 1) * sizeof *v);
    if (!v) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t r = 0; r < n_rows; r++) {
        const char *x = cell(c, r);
        if (x) v[n++] = x;
    }
    qsort(v, n, sizeof *v, cmp_str);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) distinct += i == 0 || strcmp(v[i], v[i - 1]) != 0;
    l->values = calloc(distinct ? distinct : 1, sizeof *l->values);
    l->share = calloc(distinct ? distinct : 1, sizeof *l->share);
    if (!l->values || !l->share) { free(v); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
    /* One allocation holds every distinct string after the pointer array is filled. */
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(v[i], v[i - 1]) != 0) bytes += strlen(v[i]) + 1;
    char *block = malloc(bytes ? bytes : 1);
    if (!block) { free(v); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
    size_t k = 0, off = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(v[i], v[i - 1]) != 0) {
            size_t len = strlen(v[i]) + 1;
            memcpy(block + off, v[i], len);
            l->values[k++] = block + off;
            off += len;
        }
        l->share[k - 1] += 1.0 / (double)n_rows;
    }
    l->n = distinct;
    free(v);
    /* values[0] points at the block's start: free(values[0]) releases every string. */
    if (!distinct) free(block);
    return XP_OK;
}

static size_t distinct_levels(const xp_column *c, size_t n_rows, char *seen)
{
    memset(seen, 0, c->n_levels ? c->n_levels : 1);
    size_t k = 0;
    for (size_t r = 0; r < n_rows; r++)
        if (c->codes[r] >= 0 && !seen[c->codes[r]]) { seen[c->codes[r]] = 1; k++; }
    return k;
}

static void free_learned_strings(state *s)
{
    for (size_t i = 0; i < s->n_cols; i++)
        if (s->cols[i].n) free(s->cols[i].values[0]);
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    free_learned_strings(s);
    clear_learned(s);
    int rc = tx_sel_check(ctx, &s->columns, train, "columns");
    if (rc) return rc;
    s->cols = calloc(train->n_cols ? train->n_cols : 1, sizeof *s->cols);
    if (!s->cols) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    tx_line line;
    tx_line_init(&line);
    for (size_t j = 0; j < train->n_cols; j++) {
        const xp_column *c = train->cols[j];
        if (c->type != XP_COL_TEXT && c->type != XP_COL_CATEGORICAL) continue;
        size_t levels = 0;
        if (s->columns.n) {
            if (tx_sel_match(&s->columns, c->name) < 0) continue;
        } else {
            if (c->role != XP_ROLE_FEATURE) continue;
            if (c->type == XP_COL_TEXT && !s->text) continue;
            if (c->type == XP_COL_CATEGORICAL) {
                char *seen = malloc(c->n_levels ? c->n_levels : 1);
                if (!seen) return xp_fail(ctx, XP_ENOMEM, "out of memory");
                levels = distinct_levels(c, train->n_rows, seen);
                free(seen);
                if ((int64_t)levels <= s->min_levels) continue;
            }
        }
        learned *l = &s->cols[s->n_cols];
        if (!(l->name = tx_strdup(c->name))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
        l->text = c->type == XP_COL_TEXT;
        s->n_cols++;
        if ((rc = learn(ctx, c, train->n_rows, l))) return rc;
        tx_line_add(&line, "%s (%s, %zu distinct)", c->name, l->text ? "text" : "categorical", l->n);
    }
    if (s->n_cols)
        xp_log(ctx, XP_LOG_INFO, "frequency: %zu column(s) -> _freq%s: %s", s->n_cols,
               s->text ? " (text also _words)" : "", tx_line_text(&line));
    return XP_OK;
}

static double words(const char *t)
{
    size_t n = 0;
    int in = 0;
    for (; *t; t++) {
        int sp = *t == ' ' || *t == '\t' || *t == '\n' || *t == '\r';
        if (!sp && !in) n++;
        in = !sp;
    }
    return (double)n;
}

static int add_col(xp_ctx *ctx, xp_frame *f, const char *base, const char *suffix, xp_column **out)
{
    const xp_host *h = ctx->host;
    char name[512];
    if ((size_t)snprintf(name, sizeof name, "%s%s", base, suffix) >= sizeof name)
        return xp_fail(ctx, XP_EINVAL, "frequency: column name %s is too long", base);
    if (h->frame_find(f, name))
        return xp_fail(ctx, XP_EINVAL, "frequency: cannot add %s: a column of that name exists", name);
    if (!(*out = h->frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE)))
        return xp_fail(ctx, XP_ENOMEM, "out of memory adding %s", name);
    return XP_OK;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    const xp_host *h = ctx->host;
    for (size_t i = 0; i < s->n_cols; i++) {
        const learned *l = &s->cols[i];
        int idx = h->frame_index(f, l->name);
        if (idx < 0)
            return xp_fail(ctx, XP_ENOTFOUND, "frequency: column %s (found at fit) is not in this frame", l->name);
        xp_column *freq = NULL, *nw = NULL;
        int rc;
        if ((rc = add_col(ctx, f, l->name, "_freq", &freq))) return rc;
        if (l->text && (rc = add_col(ctx, f, l->name, "_words", &nw))) return rc;
        xp_column *c = f->cols[idx];
        if ((c->type == XP_COL_TEXT) != l->text)
            return xp_fail(ctx, XP_EINVAL, "frequency: column %s is %s here, another type at fit", l->name,
                           xp_col_type_name(c->type));
        for (size_t r = 0; r < f->n_rows; r++) {
            const char *v = cell(c, r);
            if (!v) continue;   /* columns are added all missing */
            const char *key = v;
            const char **hit = l->n ? bsearch(&key, l->values, l->n, sizeof *l->values, cmp_str) : NULL;
            freq->num[r] = hit ? l->share[hit - (const char **)l->values] : 0.0;
            if (nw) nw->num[r] = words(v);
        }
        if (l->text && s->ignore_text && c->role == XP_ROLE_FEATURE) c->role = XP_ROLE_IGNORE;
    }
    return XP_OK;
}

static void destroy_all(void *st)
{
    state *s = st;
    if (s) free_learned_strings(s);
    destroy(st);
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy_all };
/* The options, as `runner plugins --help frequency` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: frequency\n"
    "    min_levels: 50            # categorical features with more distinct training values\n"
    "    text: true                # every text feature column too\n"
    "    ignore_text: true         # text columns then leave the model inputs (role ignore)\n"
    "    columns: [distributor]    # optional: exactly these (names or globs), any of the two types\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "frequency", "1.0.0",
                                          "text and high-cardinality columns -> value frequency (+ word count)",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
