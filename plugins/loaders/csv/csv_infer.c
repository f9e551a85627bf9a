/* csv_infer.c — column type inference and conversion of the tokenized fields into a frame.
 *
 *     double v; unsigned cls = csv_classify(" 1.5", 4, &d.extra_na, &v);   // CSV_F_FLOAT, 1.5
 *     csv_build_frame(ctx, &table, &dialect, target_col, &frame);
 *
 * Field classes (spaces and tabs around a field are ignored for classification, so a
 * field of only spaces is missing; strings are otherwise kept exactly as written):
 *   missing  empty, NA, NaN, nan, null, NULL, N/A, n/a, #N/A (a spreadsheet's), <NA> (pandas'),
 *            and the configured na_values
 *   bool     True False true false TRUE FALSE
 *   int      [+-]digits          float  decimals, exponents, inf/infinity
 *   string   anything else (e.g. nr_12: transforms parse such prefixes later)
 * Column types, from the classes seen in the column:
 *   only int/float (or nothing but missing)  -> NUMERIC (an all-missing column is all NaN)
 *   only bool                                -> BOOL (1.0 / 0.0)
 *   otherwise (strings, or bools mixed with numbers) -> CATEGORICAL when it has at most
 *     max_levels (default 1000) distinct values and at most max_level_ratio (default 0.5)
 *     times its non-missing rows, else TEXT. A few repeated labels are categories; mostly
 *     unique strings (free text, ids) are text.
 * A string column whose every non-missing field is a number written for people ("$1,234",
 * "12.5%", "(300)"; in a ';' file also "1.234,5"; csv_fmtnum.c) is NUMERIC, said once with an
 * example; so is one of at least 20 values of which at most 5% are up to 5 distinct labels
 * ("unknown", "N/A"), which become missing, said as a warning with each label.
 * A forced type (data.types) overrides this; a value it cannot hold is an error naming the
 * file, line, column and value. Forced bool also takes the numbers 0 and 1.
 * Categorical levels are the strings as written, sorted (numbers by value), so codes do
 * not depend on row order.
 */
#include "csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t m = *n;
    while (m && (*p == ' ' || *p == '\t')) { p++; m--; }
    while (m && (p[m - 1] == ' ' || p[m - 1] == '\t')) m--;
    *s = p;
    *n = m;
}

/* Built-in and configured missing tokens, on trimmed text. */
static inline int missing_trimmed(const char *s, size_t n, const csv_na *extra)
{
    switch (n) {
    case 0: return 1;
    case 2: if (s[0] == 'N' && s[1] == 'A') return 1; break;
    case 3:
        if ((s[0] == 'N' || s[0] == 'n') && s[1] == 'a' && s[2] == s[0]) return 1;
        if (memcmp(s, "N/A", 3) == 0 || memcmp(s, "n/a", 3) == 0) return 1;
        break;
    case 4:
        if (memcmp(s, "null", 4) == 0 || memcmp(s, "NULL", 4) == 0 || memcmp(s, "#N/A", 4) == 0 ||
            memcmp(s, "<NA>", 4) == 0)
            return 1;
        break;
    default: break;
    }
    for (size_t i = 0; extra && i < extra->n; i++)
        if (extra->len[i] == n && memcmp(extra->tok[i], s, n) == 0) return 1;
    return 0;
}

/* 1 true, 0 false, -1 not a bool. */
static inline int bool_value(const char *s, size_t n)
{
    if (n == 4 && (memcmp(s, "True", 4) == 0 || memcmp(s, "true", 4) == 0 ||
                   memcmp(s, "TRUE", 4) == 0))
        return 1;
    if (n == 5 && (memcmp(s, "False", 5) == 0 || memcmp(s, "false", 5) == 0 ||
                   memcmp(s, "FALSE", 5) == 0))
        return 0;
    return -1;
}

int csv_is_missing(const char *s, size_t n, const csv_na *extra_na)
{
    trim(&s, &n);
    return missing_trimmed(s, n, extra_na);
}

unsigned csv_classify(const char *s, size_t n, const csv_na *extra_na, double *value)
{
    trim(&s, &n);
    *value = NAN;
    if (missing_trimmed(s, n, extra_na)) return CSV_F_MISSING;
    csv_num num;
    if (csv_num_scan(s, n, &num)) {
        *value = csv_num_value(s, n, &num);
        return num.is_int ? CSV_F_INT : CSV_F_FLOAT;
    }
    int b = bool_value(s, n);
    if (b >= 0) {
        *value = b;
        return CSV_F_BOOL;
    }
    return CSV_F_STRING;
}

/* ------------------------------------------------------------------ frame */

enum { STRINGY = 100 };   /* inferred string column: categorical or text, decided by levels */

typedef struct colplan {
    int type;              /* xp_col_type, or STRINGY before the level count is known */
    int forced;
    size_t n_present, n_unheld, first_unheld;   /* lenient forced columns: values the type cannot hold */
    double *fmt_vals;      /* a string column whose every field is a formatted number */
    csv_dict dict;         /* categorical: levels */
    int32_t *codes;        /* categorical: per row, into dict (first-seen order) */
    xp_column *col;
} colplan;

/* Column-wise walks jump ~a row length through the buffer at every step: fetch ahead, the
 * index entry far ahead and the field (whose address needs that entry) nearer. */
static inline void prefetch_field(const csv_table *t, size_t i, size_t j)
{
    if (i + 32 < t->n_rows) __builtin_prefetch(&t->cell[(i + 32) * t->n_cols + j]);
    if (i + 16 < t->n_rows) __builtin_prefetch(csv_field(t, i + 16, j));
}

static int fail_value(xp_ctx *ctx, const csv_table *t, size_t i, size_t j, const char *what)
{
    const char *s = csv_field(t, i, j);
    return xp_fail(ctx, XP_EFORMAT,
                   "%s:%lld: column '%s' (field %zu): '%.60s%s' is not %s, but data.types "
                   "forces the column to %s",
                   t->path, (long long)csv_field_line(t, i, j), t->names[j], j + 1, s,
                   strlen(s) > 60 ? "..." : "", what,
                   xp_col_type_name((xp_col_type)t->forced[j]));
}

/* One reading of column j into v: 1 when every non-missing field is a number and at least one
 * is written for people ($, ',' in thousands, %, parentheses; csv_fmtnum.c), *example its
 * first such row; 0 at the first field that is not one. */
static int formatted_pass(const csv_table *t, const csv_na *na, size_t j, int decimal_comma, double *v,
                          unsigned *marks, size_t *example)
{
    *marks = 0;
    *example = SIZE_MAX;
    for (size_t i = 0; i < t->n_rows; i++) {
        const char *s = csv_field(t, i, j);
        size_t len = strlen(s);
        unsigned before = *marks;
        if (csv_is_missing(s, len, na)) { v[i] = NAN; continue; }
        if (!csv_fmtnum_parse(s, len, decimal_comma, &v[i], marks)) return 0;
        if (*example == SIZE_MAX && *marks != before) *example = i;
    }
    return *marks && *example != SIZE_MAX;   /* all missing or plain: not this */
}

/* Column j's values when every non-missing field is a number written for people: 1 and
 * p->fmt_vals set, said once with an example; 0 otherwise (the column stays a string). In a
 * ';' file a comma-decimal spreadsheet's "12,5" is tried too (after the '.' reading). */
static int formatted_column(xp_ctx *ctx, const csv_table *t, const csv_dialect *d, size_t j, colplan *p)
{
    size_t n = t->n_rows, example;
    unsigned marks;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
    if (!formatted_pass(t, &d->extra_na, j, 0, v, &marks, &example) &&
        !(d->delim == ';' && formatted_pass(t, &d->extra_na, j, 1, v, &marks, &example))) {
        free(v);
        return 0;
    }
    p->fmt_vals = v;
    static const char *const what[] = { "a currency sign", "thousands separators", "% (the number kept as written)",
                                        "negatives in parentheses", "a decimal comma" };
    char how[160] = "";
    for (unsigned b = 0, k = 0; b < 5; b++)
        if (marks & (1u << b)) {
            size_t used = strlen(how);
            snprintf(how + used, sizeof how - used, "%s%s", k++ ? ", " : "", what[b]);
        }
    xp_log(ctx, XP_LOG_INFO, "%s: column '%s' read as numbers written with %s (line %lld: '%s' -> %.15g)", t->path,
           t->names[j], how, (long long)csv_field_line(t, example, j), csv_field(t, example, j), v[example]);
    return 1;
}

/* A number column with a few stray labels ("unknown", "N/A", "?"): at least 20 values, at
 * least 95% of them numbers (plain or formatted) and at most 5 distinct others. The strays
 * become missing, said as a warning with each of them and how to keep them; a column that
 * is a code list with a letter or two more is as likely, so the way back is named. 1 and
 * p->fmt_vals set; 0 when the column is not such. */
static int numbers_with_strays(xp_ctx *ctx, const csv_table *t, const csv_dialect *d, size_t j, colplan *p)
{
    enum { MIN_VALUES = 20, MAX_STRAYS = 5 };
    size_t n = t->n_rows, present = 0, strays = 0, n_kinds = 0;
    const char *kind[MAX_STRAYS];
    size_t kind_count[MAX_STRAYS] = { 0 };
    unsigned marks = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
    for (size_t i = 0; i < n; i++) {
        const char *s = csv_field(t, i, j);
        size_t len = strlen(s);
        unsigned cls = csv_classify(s, len, &d->extra_na, &v[i]);
        if (cls == CSV_F_MISSING) continue;
        present++;
        if (cls == CSV_F_INT || cls == CSV_F_FLOAT || csv_fmtnum_parse(s, len, 0, &v[i], &marks)) continue;
        v[i] = NAN;
        /* More than 5% of all rows already: not this. A column of labels (a categorical)
         * leaves after a twentieth of its rows, not a whole second pass. */
        if ((double)++strays > 0.05 * (double)n) { free(v); return 0; }
        size_t k = 0;
        while (k < n_kinds && strcmp(kind[k], s)) k++;
        if (k == n_kinds) {
            if (n_kinds == MAX_STRAYS) { free(v); return 0; }
            kind[n_kinds++] = s;
        }
        kind_count[k]++;
    }
    if (present < MIN_VALUES || strays == 0 || (double)strays > 0.05 * (double)present) { free(v); return 0; }
    p->fmt_vals = v;
    char list[256] = "";
    for (size_t k = 0; k < n_kinds; k++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s'%.30s' x%zu", k ? ", " : "", kind[k], kind_count[k]);
    }
    xp_log(ctx, XP_LOG_WARN, "%s: column '%s' is numbers but for %zu of %zu values (%s): those read as missing "
           "(data.types: {\"%s\": categorical} keeps them as labels, data.options.na_values names missing tokens)",
           t->path, t->names[j], strays, present, list, t->names[j]);
    return 1;
}

/* Fills p->dict / p->codes from column j. With limit > 0, stops and returns 1 as soon as
 * the column has more than `limit` distinct values. */
static int build_levels(xp_ctx *ctx, const csv_table *t, const csv_na *na, size_t j,
                        colplan *p, size_t limit, size_t *non_missing)
{
    size_t n = t->n_rows, seen = 0;
    p->codes = malloc((n ? n : 1) * sizeof *p->codes);
    if (!p->codes) return xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
    for (size_t i = 0; i < n; i++) {
        prefetch_field(t, i, j);
        const char *s = csv_field(t, i, j);
        size_t len = strlen(s);
        if (csv_is_missing(s, len, na)) {
            p->codes[i] = -1;
            continue;
        }
        int64_t code = csv_dict_get(&p->dict, s, len);
        if (code < 0) return xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
        if (limit && p->dict.n > limit) return 1;
        p->codes[i] = (int32_t)code;
        seen++;
    }
    *non_missing = seen;
    return 0;
}

/* A column typed by a trained model (runner predict) whose values here are not all of that
 * type: the training file read its few stray labels as missing, and so do these rows, said
 * once per column. A column with no value of its type at all (5 or more values: fewer may be a
 * row or two of labels) is another column than the model was trained on, most likely
 * shifted: an error, not predictions on a column read as all missing. */
static int said_unheld(xp_ctx *ctx, const csv_table *t, const size_t *cols, const colplan *plan, size_t k_cols)
{
    enum { MIN_VALUES = 5 };
    for (size_t k = 0; k < k_cols; k++) {
        size_t j = cols[k];
        const colplan *p = &plan[j];
        if (!p->n_unheld) continue;
        const char *type = xp_col_type_name((xp_col_type)p->forced), *s = csv_field(t, p->first_unheld, j);
        long long line = (long long)csv_field_line(t, p->first_unheld, j);
        if (p->n_unheld == p->n_present && p->n_present >= MIN_VALUES)
            return xp_fail(ctx, XP_EFORMAT,
                           "%s:%lld: column '%s' (field %zu) was %s in the training file, but none of its %zu "
                           "values here is (first: '%.60s'): is it the same column?",
                           t->path, line, t->names[j], j + 1, type, p->n_present, s);
        xp_log(ctx, XP_LOG_WARN,
               "%s:%lld: column '%s' was %s in the training file; %zu of its %zu values here are not "
               "(first: '%.60s'): read as missing",
               t->path, line, t->names[j], type, p->n_unheld, p->n_present, s);
    }
    return XP_OK;
}

static int fill_numeric(xp_ctx *ctx, const csv_table *t, const csv_dialect *d,
                        const size_t *cols, colplan *plan, size_t k_cols)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        const char *row = t->buf + t->row_off[i];
        const uint32_t *cell = t->cell + i * t->n_cols;
        for (size_t k = 0; k < k_cols; k++) {
            size_t j = cols[k];
            colplan *p = &plan[j];
            const char *s = row + cell[j];
            size_t n = strlen(s);
            trim(&s, &n);
            double v = NAN;
            if (!missing_trimmed(s, n, &d->extra_na)) {
                p->n_present++;
                csv_num num;
                int is_num = csv_num_scan(s, n, &num);
                if (p->type == XP_COL_NUMERIC) {
                    unsigned marks = 0;
                    if (is_num) v = csv_num_value(s, n, &num);
                    else if (!csv_fmtnum_parse(s, n, 0, &v, &marks) &&
                             !(d->delim == ';' && csv_fmtnum_parse(s, n, 1, &v, &marks))) {
                        if (!t->lenient[j]) return fail_value(ctx, t, i, j, "a number");
                        v = NAN;
                        if (!p->n_unheld++) p->first_unheld = i;
                    }
                } else {
                    int b = bool_value(s, n);
                    if (b < 0 && is_num) {
                        double x = csv_num_value(s, n, &num);
                        if (x == 0.0 || x == 1.0) b = (int)x;
                    }
                    if (b >= 0) v = b;
                    else if (!t->lenient[j]) return fail_value(ctx, t, i, j, "a bool (True/False/true/false/0/1)");
                    else if (!p->n_unheld++) p->first_unheld = i;
                }
            }
            p->col->num[i] = v;
        }
    }
    return said_unheld(ctx, t, cols, plan, k_cols);
}

int csv_build_frame(xp_ctx *ctx, csv_table *t, const csv_dialect *d, size_t target,
                    xp_frame **out)
{
    const xp_host *h = ctx->host;
    size_t nc = t->n_cols, n = t->n_rows;
    colplan *plan = calloc(nc ? nc : 1, sizeof *plan);
    size_t *numcols = malloc((nc ? nc : 1) * sizeof *numcols);
    int32_t *remap = NULL;
    xp_frame *f = NULL;
    size_t k_num = 0;
    int rc = XP_OK;
    if (!plan || !numcols) {
        rc = xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
        goto done;
    }

    /* 1. Types. String columns need their levels counted before their type is known. */
    for (size_t j = 0; j < nc; j++) {
        colplan *p = &plan[j];
        if (!t->keep[j]) continue;
        unsigned fl = t->flags[j];
        p->forced = t->forced[j];
        if (p->forced) p->type = p->forced;
        else if ((fl & CSV_F_STRING) || ((fl & CSV_F_BOOL) && (fl & (CSV_F_INT | CSV_F_FLOAT))))
            p->type = STRINGY;
        else if (fl & CSV_F_BOOL) p->type = XP_COL_BOOL;
        else p->type = XP_COL_NUMERIC;

        if (p->type == STRINGY) {
            int r = formatted_column(ctx, t, d, j, p);
            if (r == 0) r = numbers_with_strays(ctx, t, d, j, p);
            if (r < 0) { rc = r; goto done; }
            if (r) p->type = XP_COL_NUMERIC;
        }
        if (p->type == STRINGY) {
            size_t limit = d->max_levels > 0 ? (size_t)d->max_levels : 0;
            size_t non_missing = 0;
            int r = limit ? build_levels(ctx, t, &d->extra_na, j, p, limit, &non_missing) : 1;
            if (r < 0) { rc = r; goto done; }
            if (r == 0 && (double)p->dict.n <= d->max_level_ratio * (double)non_missing) {
                p->type = XP_COL_CATEGORICAL;
            } else {
                p->type = XP_COL_TEXT;
                csv_dict_free(&p->dict);
                free(p->codes);
                p->codes = NULL;
            }
        } else if (p->type == XP_COL_CATEGORICAL) {
            size_t non_missing;
            int r = build_levels(ctx, t, &d->extra_na, j, p, 0, &non_missing);
            if (r) { rc = r; goto done; }
        }
        if (p->forced == XP_COL_NUMERIC || p->forced == XP_COL_BOOL) numcols[k_num++] = j;
    }

    /* 2. The frame, columns in file order. */
    f = h->frame_new(n);
    if (!f) {
        rc = xp_fail(ctx, XP_ENOMEM, "%s: out of memory for %zu rows", t->path, n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) f->row_id[i] = (int64_t)i;
    for (size_t j = 0; j < nc; j++) {
        if (!t->keep[j]) continue;
        xp_role role = j == target ? XP_ROLE_TARGET : XP_ROLE_FEATURE;
        plan[j].col = h->frame_add(f, t->names[j], (xp_col_type)plan[j].type, role);
        if (!plan[j].col) {
            rc = xp_fail(ctx, XP_ENOMEM, "%s: cannot add column '%s'", t->path, t->names[j]);
            goto done;
        }
        /* Inferred numbers and bools were converted while tokenizing. Freed as we go so
         * the values exist about once, not twice. */
        if (plan[j].fmt_vals) {
            memcpy(plan[j].col->num, plan[j].fmt_vals, n * sizeof(double));
            free(plan[j].fmt_vals);
            plan[j].fmt_vals = NULL;
        } else if (!plan[j].forced && (plan[j].type == XP_COL_NUMERIC || plan[j].type == XP_COL_BOOL)) {
            if (!t->val[j]) {   /* the tokenizer keeps values for every such column */
                rc = xp_fail(ctx, XP_EINTERNAL, "%s: column '%s': values missing", t->path,
                             t->names[j]);
                goto done;
            }
            memcpy(plan[j].col->num, t->val[j], n * sizeof(double));
            free(t->val[j]);
            t->val[j] = NULL;
        }
    }

    /* 3. Forced numbers and bools: one row-major pass, re-reading the fields so a value
     * that does not fit can be reported with its line. */
    rc = fill_numeric(ctx, t, d, numcols, plan, k_num);
    if (rc) goto done;

    /* 4. Categorical codes (levels sorted) and text. */
    for (size_t j = 0; j < nc; j++) {
        colplan *p = &plan[j];
        if (!t->keep[j]) continue;
        if (p->type == XP_COL_CATEGORICAL) {
            free(remap);
            remap = malloc((p->dict.n ? p->dict.n : 1) * sizeof *remap);
            if (!remap || csv_dict_sort(&p->dict, remap)) {
                rc = xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
                goto done;
            }
            if (p->forced && d->max_levels > 0 && p->dict.n > (size_t)d->max_levels)
                xp_log(ctx, XP_LOG_WARN,
                       "%s: column '%s' is forced categorical with %zu levels; "
                       "text may suit it better", t->path, t->names[j], p->dict.n);
            for (size_t k = 0; k < p->dict.n; k++) {
                /* Levels are added in order to an empty column, so index k is code k. */
                if (h->col_level(p->col, p->dict.lv[k]) != (int32_t)k) {
                    rc = xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
                    goto done;
                }
            }
            for (size_t i = 0; i < n; i++)
                p->col->codes[i] = p->codes[i] < 0 ? -1 : remap[p->codes[i]];
        } else if (p->type == XP_COL_TEXT) {
            for (size_t i = 0; i < n; i++) {
                prefetch_field(t, i, j);
                const char *s = csv_field(t, i, j);
                if (csv_is_missing(s, strlen(s), &d->extra_na)) continue;
                if (h->col_set_text(p->col, i, s) != XP_OK) {
                    rc = xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
                    goto done;
                }
            }
        }
    }

done:
    if (plan)
        for (size_t j = 0; j < nc; j++) {
            csv_dict_free(&plan[j].dict);
            free(plan[j].codes);
            free(plan[j].fmt_vals);
        }
    free(plan);
    free(numcols);
    free(remap);
    if (rc) {
        if (f) h->frame_free(f);
        return rc;
    }
    *out = f;
    return XP_OK;
}
