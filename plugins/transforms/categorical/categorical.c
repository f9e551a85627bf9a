/* categorical.c — transform `categorical`: declares columns categorical, with the levels seen
 * in the training rows.
 *
 *     runner plugins --help categorical       # its options, as the plugin documents them
 *
 * Numeric (or bool) columns become XP_COL_CATEGORICAL whose levels are the numbers as text
 * ("-2", "1", "4"), in numeric order; text columns get their distinct strings in byte order;
 * categorical columns are re-levelled the same way. Levels come from the training rows only:
 * at apply a value never seen in training becomes missing (-1), counted in a debug log, so
 * validation and test rows cannot add levels the model never saw.
 *
 * `as: codes` writes each picked column as a numeric column instead: the level's index in
 * that order (NaN for missing and unseen values), what pandas' `.cat.codes` gives. A tree
 * then splits the levels into ranges of that order rather than into arbitrary subsets, which
 * overfits less on a small table with a many-level column (Vega's films table, `Director`
 * with ~500 levels: bench/datasets). `all_categorical: true` also picks every categorical
 * feature column, so a generic config needs no column names.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "txu.h"
#include "xp/xp.h"

typedef struct learned {
    char *name;
    int numeric;                 /* levels are numbers (num[]) or strings (text[]) */
    size_t n;
    double *num;                 /* sorted */
    char **text;                 /* sorted, owned */
} learned;

static const char *const outputs[] = { "categorical", "codes" };
static const char *const unseen_as[] = { "missing", "code" };

typedef struct state {
    tx_sel columns;
    int64_t max_levels;
    int as_codes;                /* outputs[]: 0 categorical, 1 numeric codes */
    int unseen_code;             /* as codes: a value not seen in training -> -1, not NaN */
    int all_categorical;
    learned *cols;
    size_t n_cols;
} state;

static void clear_learned(state *s)
{
    for (size_t i = 0; i < s->n_cols; i++) {
        learned *l = &s->cols[i];
        free(l->name);
        free(l->num);
        for (size_t k = 0; l->text && k < l->n; k++) free(l->text[k]);
        free(l->text);
    }
    free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    tx_sel_free(&s->columns);
    clear_learned(s);
    free(s);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    int rc;
    if ((rc = tx_sel_read(ctx, cfg, "columns", &s->columns)) ||
        (rc = ctx->host->cfg_int(ctx, cfg, "max_levels", 0, &s->max_levels)) ||
        (rc = tx_cfg_range(ctx, cfg, "max_levels", (double)s->max_levels, 0, 1e6)) ||
        (rc = xp_cfg_choice(ctx, cfg, "as", outputs, XP_COUNT(outputs), 0, &s->as_codes)) ||
        (rc = ctx->host->cfg_bool(ctx, cfg, "all_categorical", 0, &s->all_categorical)) ||
        (rc = xp_cfg_choice(ctx, cfg, "unseen", unseen_as, XP_COUNT(unseen_as), 0, &s->unseen_code))) {
        destroy(s);
        return rc;
    }
    if (!s->columns.n && !s->max_levels && !s->all_categorical) {
        const xp_host *h = ctx->host;
        xp_log(ctx, XP_LOG_WARN, "%s: none of `columns`, `max_levels`, `all_categorical`: nothing to do",
               cfg ? h->cfg_where(cfg) : "categorical");
    }
    *out = s;
    return XP_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *text_at(const xp_column *c, size_t i)
{
    if (c->type == XP_COL_TEXT) return c->text[i];
    int32_t k = c->codes[i];
    return k >= 0 && (size_t)k < c->n_levels ? c->levels[k] : NULL;
}

/* Distinct present values of c into l (numbers or strings). */
static int learn_levels(const xp_column *c, size_t n, learned *l)
{
    if (c->type == XP_COL_NUMERIC || c->type == XP_COL_BOOL) {
        tx_sorted s;
        if (tx_sorted_make(c->num, n, &s)) return XP_ENOMEM;
        l->numeric = 1;
        l->num = s.v;
        for (size_t i = 0; i < s.n; i++)
            if (l->n == 0 || s.v[i] != l->num[l->n - 1]) l->num[l->n++] = s.v[i];
        return XP_OK;
    }
    const char **v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return XP_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (text_at(c, i)) v[m++] = text_at(c, i);
    qsort(v, m, sizeof *v, cmp_str);
    l->text = calloc(m ? m : 1, sizeof *l->text);
    if (!l->text) { free(v); return XP_ENOMEM; }
    for (size_t i = 0; i < m; i++) {
        if (l->n && strcmp(v[i], l->text[l->n - 1]) == 0) continue;
        if (!(l->text[l->n] = tx_strdup(v[i]))) { free(v); return XP_ENOMEM; }
        l->n++;
    }
    free(v);
    return XP_OK;
}

/* Auto rule: a numeric feature whose training values are 2..max integers. */
static int few_integer_levels(const xp_column *c, size_t n, int64_t max)
{
    double seen[64];
    size_t k = 0;
    if (max > 64) max = 64;
    for (size_t i = 0; i < n; i++) {
        double v = c->num[i];
        if (isnan(v)) continue;
        if (v != floor(v)) return 0;
        size_t j = 0;
        while (j < k && seen[j] != v) j++;
        if (j == k) {
            if ((int64_t)k >= max) return 0;
            seen[k++] = v;
        }
    }
    return k >= 2;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    int rc;
    clear_learned(s);
    if ((rc = tx_sel_check(ctx, &s->columns, train, "columns"))) return rc;
    s->cols = calloc(train->n_cols ? train->n_cols : 1, sizeof *s->cols);
    if (!s->cols) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    tx_line line;
    tx_line_init(&line);
    for (size_t j = 0; j < train->n_cols; j++) {
        const xp_column *c = train->cols[j];
        int m = tx_sel_match(&s->columns, c->name);
        int pick = m >= 0;
        if (pick && c->role == XP_ROLE_TARGET) {
            if (s->columns.v[m].glob) continue;
            return xp_fail(ctx, XP_ECONFIG, "%s: %s is the target; a regression target stays numeric",
                           s->columns.v[m].where, c->name);
        }
        if (pick && c->type == XP_COL_VECTOR) {
            if (s->columns.v[m].glob) continue;
            return xp_fail(ctx, XP_ECONFIG, "%s: %s is a vector column (an embedding); it cannot be "
                           "coded as categorical", s->columns.v[m].where, c->name);
        }
        if (!pick && s->max_levels > 0 && c->role == XP_ROLE_FEATURE && c->type == XP_COL_NUMERIC)
            pick = few_integer_levels(c, train->n_rows, s->max_levels);
        if (!pick && s->all_categorical && c->role == XP_ROLE_FEATURE && c->type == XP_COL_CATEGORICAL)
            pick = 1;
        if (!pick) continue;
        learned *l = &s->cols[s->n_cols];
        memset(l, 0, sizeof *l);
        if (!(l->name = tx_strdup(c->name)) || learn_levels(c, train->n_rows, l)) {
            s->n_cols++;   /* so clear_learned frees it */
            return xp_fail(ctx, XP_ENOMEM, "out of memory");
        }
        s->n_cols++;
        if (l->n > 1000)
            xp_log(ctx, XP_LOG_WARN, "column %s has %zu levels: is it really categorical?",
                   c->name, l->n);
        tx_line_add(&line, "%s (%zu levels)", c->name, l->n);
    }
    xp_log(ctx, XP_LOG_INFO, "categorical%s: %s", s->as_codes ? " (as codes)" : "", tx_line_text(&line));
    return XP_OK;
}

static int32_t find_num(const learned *l, double v)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->num[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    return lo < l->n && l->num[lo] == v ? (int32_t)lo : -1;
}

static int32_t find_text(const learned *l, const char *t)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(l->text[mid], t) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < l->n && strcmp(l->text[lo], t) == 0 ? (int32_t)lo : -1;
}

static int apply_column(xp_ctx *ctx, const learned *l, int as_codes, int unseen_code, xp_frame *f, size_t j)
{
    const xp_column *c = f->cols[j];
    size_t n = f->n_rows, unseen = 0;
    int numeric_in = c->type == XP_COL_NUMERIC || c->type == XP_COL_BOOL;
    if (numeric_in != l->numeric)
        return xp_fail(ctx, XP_EINVAL, "column %s is %s here but was %s at fit", l->name,
                       xp_col_type_name(c->type), l->numeric ? "numeric" : "text/categorical");
    enum { MISSING = -1, UNSEEN = -2 };   /* codes[] beside the levels' indices */
    int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
    if (!codes) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int32_t k;
        if (numeric_in) {
            if (isnan(c->num[i])) k = MISSING;
            else if ((k = find_num(l, c->num[i])) < 0) k = UNSEEN;
        } else {
            const char *t = text_at(c, i);
            if (!t) k = MISSING;
            else if ((k = find_text(l, t)) < 0) k = UNSEEN;
        }
        codes[i] = k;
        unseen += k == UNSEEN;
    }
    if (unseen)
        xp_log(ctx, XP_LOG_DEBUG, "column %s: %zu value(s) not seen in training became %s", l->name,
               unseen, as_codes && unseen_code ? "code -1" : "missing");
    if (as_codes) {
        xp_column *nc = tx_col_swap(ctx, f, j, XP_COL_NUMERIC);
        if (!nc) { free(codes); return XP_ENOMEM; }
        for (size_t i = 0; i < n; i++)
            nc->num[i] = codes[i] >= 0 ? (double)codes[i] : codes[i] == UNSEEN && unseen_code ? -1.0 : NAN;
        free(codes);
        return XP_OK;
    }
    for (size_t i = 0; i < n; i++)
        if (codes[i] == UNSEEN) codes[i] = MISSING;   /* a categorical column has one "no level" */
    xp_column *nc = tx_col_swap(ctx, f, j, XP_COL_CATEGORICAL);
    if (!nc) { free(codes); return XP_ENOMEM; }
    for (size_t k = 0; k < l->n; k++) {
        char buf[40];
        const char *text = l->numeric ? tx_num_text(l->num[k], buf, sizeof buf) : l->text[k];
        if (ctx->host->col_level(nc, text) != (int32_t)k) {
            free(codes);
            return xp_fail(ctx, XP_ENOMEM, "column %s: could not add level %s", l->name, text);
        }
    }
    memcpy(nc->codes, codes, n * sizeof *codes);
    free(codes);
    return XP_OK;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    for (size_t i = 0; i < s->n_cols; i++) {
        int j = ctx->host->frame_index(f, s->cols[i].name);
        if (j < 0)
            return xp_fail(ctx, XP_ENOTFOUND, "column %s (learned at fit) is not in this frame",
                           s->cols[i].name);
        int rc = apply_column(ctx, &s->cols[i], s->as_codes, s->unseen_code, f, (size_t)j);
        if (rc) return rc;
    }
    return XP_OK;
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help categorical` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: categorical\n"
    "    columns: [feature_58, feature_59, source_id]   # names or globs\n"
    "    max_levels: 0     # > 0: also every numeric feature with 2..max_levels distinct\n"
    "                      # integer values in the training rows\n"
    "    all_categorical: false   # true: also every categorical feature column\n"
    "    as: categorical   # or codes: a numeric column, the level's index in sorted order\n"
    "                      # (NaN for missing and levels not seen in training)\n"
    "    unseen: missing   # as codes: or code, -1 for a value not seen in training, so a\n"
    "                      # tree does not send it with the rows that have no value\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "categorical", "1.0.0",
                                          "declare columns categorical with training levels", &ops, options_text);
XP_PLUGINS(&plugin)
