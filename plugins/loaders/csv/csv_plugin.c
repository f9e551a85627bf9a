/* csv_plugin.c — the "csv" loader plugin: options, column selection and the ABI entry.
 *
 *     runner plugins --help csv       # its options, as the plugin documents them
 *
 * Delimiter detection (no `delimiter` given): on the first 20 lines, each of , ; tab | is
 * counted outside quotes; a candidate "fits" when every line has the same number (>= 1) of
 * it. Comma wins whenever it fits (files that loaded before load the same); otherwise the
 * fitting candidate with the most fields, logged so the choice is visible. Nothing fits: comma.
 *
 * Column roles: the target gets XP_ROLE_TARGET, every other column XP_ROLE_FEATURE.
 * row_id[i] is the 0-based data row of the file (blank lines are skipped and not counted).
 * See csv_parse.c for the accepted syntax and csv_infer.c for the typing rules.
 */
#include "csv.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ options */

typedef struct options {
    csv_dialect d;
    int cp1252;                 /* encoding: cp1252 (or a Latin-1 label): transcoded to UTF-8 */
    const char **na_tok;
    size_t *na_len;
} options;

static void options_free(options *o)
{
    free(o->na_tok);
    free(o->na_len);
}

static const char *where(xp_ctx *ctx, const xp_cfg *cfg, const char *key)
{
    const xp_cfg *n = ctx->host->cfg_get(cfg, key);
    const char *w = n ? ctx->host->cfg_where(n) : NULL;
    return w ? w : "data.options";
}

static int read_char(xp_ctx *ctx, const xp_cfg *cfg, const char *key, char *out)
{
    const char *s = NULL;
    int rc = ctx->host->cfg_str(ctx, cfg, key, 0, &s);
    if (rc) return rc;
    if (!s) return XP_OK;
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0 || strcmp(s, "\t") == 0) {
        *out = '\t';
        return XP_OK;
    }
    unsigned char c = (unsigned char)s[0];
    if (strlen(s) != 1 || c == '\n' || c == '\r' || c >= 0x80)
        return xp_fail(ctx, XP_ECONFIG,
                       "%s: %s must be one ASCII character (or \"tab\"), got \"%s\"",
                       where(ctx, cfg, key), key, s);
    *out = (char)c;
    return XP_OK;
}

static int read_options(xp_ctx *ctx, const xp_cfg *cfg, options *o)
{
    const xp_host *h = ctx->host;
    memset(o, 0, sizeof *o);
    o->d.delim = 0;              /* 0: detected from the file (sniff_delimiter) */
    o->d.quote = '"';
    o->d.max_levels = 1000;
    o->d.max_level_ratio = 0.5;
    int rc;
    if ((rc = read_char(ctx, cfg, "delimiter", &o->d.delim))) return rc;
    if ((rc = read_char(ctx, cfg, "quote", &o->d.quote))) return rc;
    if (o->d.delim == o->d.quote)
        return xp_fail(ctx, XP_ECONFIG, "%s: delimiter and quote are both '%c'",
                       where(ctx, cfg, "quote"), o->d.delim);
    const char *enc = "utf-8";
    if ((rc = h->cfg_str(ctx, cfg, "encoding", 0, &enc))) return rc;
    o->cp1252 = csv_encoding_known(enc);
    if (!o->cp1252 && strcasecmp(enc, "utf-8") && strcasecmp(enc, "utf8"))
        return xp_fail(ctx, XP_ECONFIG, "%s: encoding must be utf-8 or cp1252 (also: windows-1252, latin1, "
                       "iso-8859-1), got \"%s\"", where(ctx, cfg, "encoding"), enc);
    if ((rc = h->cfg_int(ctx, cfg, "max_levels", 0, &o->d.max_levels))) return rc;
    if (o->d.max_levels < 0 || o->d.max_levels > INT32_MAX)
        return xp_fail(ctx, XP_ECONFIG, "%s: max_levels must be in 0..%d, got %lld",
                       where(ctx, cfg, "max_levels"), INT32_MAX, (long long)o->d.max_levels);
    if ((rc = h->cfg_num(ctx, cfg, "max_level_ratio", 0, &o->d.max_level_ratio))) return rc;
    if (!(o->d.max_level_ratio > 0.0 && o->d.max_level_ratio <= 1.0))
        return xp_fail(ctx, XP_ECONFIG, "%s: max_level_ratio must be in (0, 1], got %g",
                       where(ctx, cfg, "max_level_ratio"), o->d.max_level_ratio);

    const xp_cfg *na = h->cfg_get(cfg, "na_values");
    int kind = na ? h->cfg_kind(na) : XP_CFG_MISSING;
    if (kind == XP_CFG_MISSING || kind == XP_CFG_NULL) return XP_OK;
    size_t n = kind == XP_CFG_LIST ? h->cfg_len(na) : 1;
    if (kind != XP_CFG_LIST && kind != XP_CFG_SCALAR)
        return xp_fail(ctx, XP_ECONFIG, "%s: na_values must be a list of strings",
                       h->cfg_where(na));
    o->na_tok = calloc(n ? n : 1, sizeof *o->na_tok);
    o->na_len = calloc(n ? n : 1, sizeof *o->na_len);
    if (!o->na_tok || !o->na_len) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const xp_cfg *item = kind == XP_CFG_LIST ? h->cfg_at(na, i) : na;
        const char *s = item ? h->cfg_scalar(item) : NULL;
        if (!s)
            return xp_fail(ctx, XP_ECONFIG, "%s: na_values items must be strings",
                           h->cfg_where(item ? item : na));
        o->na_tok[i] = s;
        o->na_len[i] = strlen(s);
    }
    o->d.extra_na.tok = o->na_tok;
    o->d.extra_na.len = o->na_len;
    o->d.extra_na.n = n;
    return XP_OK;
}

/* ------------------------------------------------------------------ delimiter */

/* See the header comment. Counts on raw bytes, quote-aware (a quoted newline does not end a
 * line); only the first 20 lines or 256 KiB are looked at, so a big file costs nothing. */
static char sniff_delimiter(const csv_table *t, char quote)
{
    static const char cand[] = { ',', ';', '\t', '|' };
    enum { NC = sizeof cand, MAX_LINES = 20 };
    size_t count[MAX_LINES][NC];
    memset(count, 0, sizeof count);
    size_t lines = 0, end = t->size < ((size_t)256 << 10) ? t->size : ((size_t)256 << 10);
    int in_quote = 0, blank = 1, complete = 0;
    for (size_t i = t->bom; i < end && lines < MAX_LINES; i++) {
        char c = t->buf[i];
        if (c == quote) { in_quote = !in_quote; blank = 0; continue; }
        if (in_quote) continue;
        if (c == '\n' || c == '\r') {
            if (!blank) lines++;
            blank = 1;
            complete = 1;
            continue;
        }
        blank = 0;
        complete = 0;
        for (size_t k = 0; k < NC; k++) count[lines][k] += c == cand[k];
    }
    /* The last line counts when the file ended there (not cut by the 256 KiB window). */
    if (!blank && lines < MAX_LINES && (end == t->size || complete)) lines++;
    if (!lines) return ',';
    size_t best = NC, best_n = 0;
    for (size_t k = 0; k < NC; k++) {
        int fits = count[0][k] > 0 && cand[k] != quote;
        for (size_t l = 1; fits && l < lines; l++) fits = count[l][k] == count[0][k];
        if (!fits) continue;
        if (k == 0) return ',';
        if (count[0][k] > best_n) { best_n = count[0][k]; best = k; }
    }
    return best < NC ? cand[best] : ',';
}

static const char *delim_name(char c)
{
    switch (c) {
    case '\t': return "tab";
    case ';': return "';'";
    case '|': return "'|'";
    case ',': return "','";
    }
    return "?";
}

/* ------------------------------------------------------------------ column names */

/* Edit distance, capped: names differing by more than a couple of edits are no hint. */
static size_t distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 64 || nb > 64) return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= nb; j++) row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            char x = a[i - 1], y = b[j - 1];
            if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
            size_t best = diag + (x != y);
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            if (up + 1 < best) best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

static int find_col(const csv_table *t, const char *name)
{
    for (size_t j = 0; j < t->n_cols; j++)
        if (strcmp(t->names[j], name) == 0) return (int)j;
    return -1;
}

/* "not found (did you mean 'x'?); columns are: a, b, ... (80 in all)" */
static int fail_column(xp_ctx *ctx, const csv_table *t, const char *what, const char *name)
{
    const char *hint = NULL;
    size_t best = 3;
    for (size_t j = 0; j < t->n_cols; j++) {
        size_t dist = distance(name, t->names[j]);
        if (dist < best) { best = dist; hint = t->names[j]; }
    }
    char list[512];
    size_t len = 0;
    list[0] = '\0';
    for (size_t j = 0; j < t->n_cols && j < 8 && len < sizeof list - 80; j++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%.60s", j ? ", " : "",
                                t->names[j]);
    if (t->n_cols > 8 && len < sizeof list - 40)
        snprintf(list + len, sizeof list - len, ", ... (%zu in all)", t->n_cols);
    /* One column whose name holds another separator: the delimiter is almost surely wrong. */
    const char *delim_hint = "";
    if (t->n_cols == 1 && strpbrk(t->names[0], ",;\t|"))
        delim_hint = " (the header reads as ONE column: set the delimiter, e.g. "
                     "++data.options.delimiter=\";\" or ++data.options.delimiter=tab)";
    return xp_fail(ctx, XP_ENOTFOUND, "%s: %s column '%s' not found%s%s%s; the file's columns are: %s%s",
                   t->path, what, name, hint ? " (did you mean '" : "", hint ? hint : "",
                   hint ? "'?)" : "", list, delim_hint);
}

/* Applies target / drop / types to the header. Sets *target (SIZE_MAX: none). */
static int select_columns(xp_ctx *ctx, csv_table *t, const xp_load_options *opts,
                          size_t *target)
{
    *target = SIZE_MAX;
    if (opts->target) {
        int j = find_col(t, opts->target);
        if (j < 0) return fail_column(ctx, t, "target", opts->target);
        *target = (size_t)j;
    }
    for (size_t i = 0; i < opts->n_drop; i++) {
        const char *name = opts->drop[i];
        int j = name ? find_col(t, name) : -1;
        if (j < 0) return fail_column(ctx, t, "drop:", name ? name : "(null)");
        if ((size_t)j == *target)
            return xp_fail(ctx, XP_EINVAL, "%s: column '%s' is both the target and dropped",
                           t->path, name);
        t->keep[j] = 0;
    }
    size_t n_schema = opts->struct_size >= offsetof(xp_load_options, n_schema_types) + sizeof opts->n_schema_types
                          ? opts->n_schema_types : 0;
    if (n_schema > opts->n_types)
        return xp_fail(ctx, XP_EINVAL, "%s: n_schema_types %zu is more than n_types %zu", t->path, n_schema,
                       opts->n_types);
    for (size_t i = 0; i < opts->n_types; i++) {
        const xp_type_override *o = &opts->types[i];
        int j = o->column ? find_col(t, o->column) : -1;
        if (j < 0) return fail_column(ctx, t, "types:", o->column ? o->column : "(null)");
        if (o->type < XP_COL_NUMERIC || o->type > XP_COL_TEXT)
            return xp_fail(ctx, XP_EINVAL, "%s: types: column '%s': invalid type %d", t->path,
                           o->column, (int)o->type);
        if (!t->keep[j]) {
            xp_log(ctx, XP_LOG_DEBUG, "%s: types: column '%s' is dropped; its type is ignored",
                   t->path, o->column);
            continue;
        }
        t->forced[j] = (int)o->type;
        t->lenient[j] = i >= opts->n_types - n_schema;
    }
    return XP_OK;
}

/* ------------------------------------------------------------------ load */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int load(xp_ctx *ctx, const xp_cfg *cfg, const xp_load_options *opts, xp_frame **out,
                csv_table *t)
{
    options o;
    int rc = read_options(ctx, cfg, &o);
    if (rc) goto done;
    double t0 = now_ms();
    if ((rc = csv_read_file(ctx, t))) goto done;
    if (o.cp1252 && (rc = csv_transcode_cp1252(ctx, t))) goto done;
    if (!o.d.delim) {
        o.d.delim = sniff_delimiter(t, o.d.quote);
        if (o.d.delim != ',')
            xp_log(ctx, XP_LOG_INFO, "%s: delimiter detected: %s (set data.options.delimiter to "
                   "choose another)", t->path, delim_name(o.d.delim));
    }
    double t_read = now_ms();
    if ((rc = csv_parse_header(ctx, t, &o.d))) goto done;
    size_t target;
    if ((rc = select_columns(ctx, t, opts, &target))) goto done;
    if ((rc = csv_parse_rows(ctx, t, &o.d, opts->nrows))) goto done;
    if (t->n_rows == 0) {
        rc = xp_fail(ctx, XP_EFORMAT, "%s: no data rows after the header (line %lld)", t->path,
                     (long long)(t->body_line - 1));
        goto done;
    }
    double t_parse = now_ms();
    if ((rc = csv_build_frame(ctx, t, &o.d, target, out))) goto done;
    xp_log(ctx, XP_LOG_DEBUG, "%s: read %.1f ms, tokenize+convert %.1f ms, frame %.1f ms",
           t->path, t_read - t0, t_parse - t_read, now_ms() - t_parse);

    size_t count[5] = {0};
    for (size_t j = 0; j < (*out)->n_cols; j++) count[(*out)->cols[j]->type]++;
    xp_log(ctx, XP_LOG_INFO,
           "%s: %zu rows x %zu columns (%zu numeric, %zu bool, %zu categorical, %zu text) "
           "in %.1f ms", t->path, (*out)->n_rows, (*out)->n_cols, count[XP_COL_NUMERIC],
           count[XP_COL_BOOL], count[XP_COL_CATEGORICAL], count[XP_COL_TEXT], now_ms() - t0);
done:
    options_free(&o);
    return rc;
}

static int csv_load(xp_ctx *ctx, const xp_cfg *cfg, const xp_load_options *opts,
                    xp_frame **out)
{
    if (!out) return xp_fail(ctx, XP_EINVAL, "csv: no output frame pointer");
    *out = NULL;
    if (!opts || opts->struct_size < offsetof(xp_load_options, nrows) + sizeof opts->nrows)
        return xp_fail(ctx, XP_EINVAL, "csv: load options missing or from an older ABI");
    if (!opts->path || !opts->path[0]) return xp_fail(ctx, XP_EINVAL, "csv: data.path is empty");
    if (opts->nrows < 0)
        return xp_fail(ctx, XP_EINVAL, "csv: nrows must be >= 0 (0 = all), got %lld",
                       (long long)opts->nrows);

    /* Numbers use '.' whatever the process locale: strtod follows LC_NUMERIC, so switch
     * this thread (only) to the C locale for the load. */
    locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_loc ? uselocale(c_loc) : (locale_t)0;

    csv_table t;
    csv_table_init(&t, opts->path);
    int rc = load(ctx, cfg, opts, out, &t);
    csv_table_free(&t);

    if (c_loc) {
        uselocale(old);
        freelocale(c_loc);
    }
    return rc;
}

static const xp_loader_ops csv_ops = { sizeof(xp_loader_ops), csv_load };

/* The options, as `runner plugins --help csv` prints them. */
static const char options_text[] =
    "data:\n"
    "  path: data/candidates_data.csv\n"
    "  target: target\n"
    "  drop: [feature_12]\n"
    "  types: {description: text, feature_58: categorical}\n"
    "  nrows: 1000                # optional: first 1000 data rows only\n"
    "  loader: csv\n"
    "  options:                   # all optional\n"
    "    delimiter: \",\"           # one character; \"tab\" or \"\\t\" for TSV; default: detected\n"
    "                             # among , ; tab | (comma unless another fits better)\n"
    "    quote: \"\\\"\"\n"
    "    encoding: utf-8          # or cp1252 (also windows-1252, latin1, iso-8859-1): read as\n"
    "                             # Windows-1252 and turned into UTF-8\n"
    "    na_values: [\"-\", \"?\"]    # extra missing tokens (empty, NA, NaN, nan, null, NULL,\n"
    "                             # N/A, n/a, #N/A, <NA> always are)\n"
    "    max_levels: 1000         # string column -> categorical up to this many levels (0: text)\n"
    "    max_level_ratio: 0.5     # ... and at most this fraction of its non-missing rows\n"
    "# Numbers written for people are numbers: $1,234.50  1,000 \xE2\x82\xAC  12.5%  (1,200); in a ';'\n"
    "# file also a decimal comma (12,5  1.234,5). Each such column is said once with an example.\n";
static const xp_plugin csv_plugin = XP_PLUGIN_OPTS(XP_KIND_LOADER, "csv", "1.0.0",
                                              "CSV files (RFC 4180) with per-column type inference",
                                              &csv_ops, options_text);

XP_PLUGINS(&csv_plugin)
