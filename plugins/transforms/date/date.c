/* date.c — transform `date`: date-like text columns become numbers a model can split on.
 *
 *     runner plugins --help date       # its options, as the plugin documents them
 *
 * Accepted (whole value, surrounding spaces ignored; month names in English, any case, full
 * or 3 letters; the day may have a comma after it):
 *     2024-03-01   2024/03/01   2024-03-01T12:00   2024-03-01 12:00:05.5Z   2024-03-01T12:00+02:00
 *     03/01/2024 (per `order`)  Jun 12 1998   June 12, 1998   12 Jun 1998   12-Jun-1998
 * Each date column <c> is replaced by <c>_year, <c>_month (1-12), <c>_weekday (0 = Monday)
 * and <c>_days (days since 1970-01-01, with the time of day as a fraction; a time zone
 * offset is applied), and <c>_hour (the time of day in hours, 0-24; UTC when the value has an
 * offset) when a training value of the column has a time that is not midnight — hourly data
 * (counts per hour, sensor readings) follow the clock, which _days can only cut into slices
 * one split at a time — or by the ones `parts` lists: a weekday is noise where events do not
 * follow the week (most films open on a Friday), and every noise column costs a tree some
 * splits. A missing value, and a present value that does not parse (or names
 * no real day, such as 2023-02-29), gives missing features; fit and every apply count them,
 * fit logs the count with an example and records it (record "date"). Why a plugin: trees
 * cannot use a date kept as text (the loader types it text or categorical), and the
 * year/month/weekday/elapsed-days split covers trend, season and weekly effects alike.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_out.h"
#include "txu.h"
#include "xp/xp.h"

enum { ORDER_AUTO, ORDER_MDY, ORDER_DMY };
static const char *const orders[] = { "auto", "mdy", "dmy" };

/* The features of a date, in column order; `parts` selects among them (bit k = part k). */
enum { N_PARTS = 5, HOUR = 4, DATE_PARTS = (1u << HOUR) - 1 };
static const char *const part_names[N_PARTS] = { "year", "month", "weekday", "days", "hour" };
static const char *const suffix[N_PARTS] = { "_year", "_month", "_weekday", "_days", "_hour" };

typedef struct learned {
    char *name;
    int dmy;                     /* slashed dates are day/month/year */
    int keep;                    /* original column kept (keep: true, or not a feature) */
    unsigned parts;              /* the features made for it: the state's, + hour when timed */
} learned;

typedef struct state {
    tx_sel columns;
    double min_match;
    int order, keep;
    unsigned parts;              /* bit k: part_names[k] is made */
    int hour_auto;               /* parts not given: _hour where the training values have times */
    learned *cols;
    size_t n_cols;
} state;

/* ------------------------------------------------------------ parsing */

typedef struct date_val {
    int year, month, day;
    double seconds;              /* since midnight, time zone applied */
    int slashed;                 /* a/b/yyyy: which part is the month depends on the order */
    int first, second;           /* slashed: the two leading parts as written */
} date_val;

static const char *const month_names[] = { "january", "february", "march", "april", "may", "june",
                                           "july", "august", "september", "october", "november",
                                           "december" };

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
    static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Reads 1..max digits; returns how many (0: none). */
static int digits(const char **p, int max, int *out)
{
    int n = 0, v = 0;
    while (n < max && isdigit((unsigned char)**p)) { v = v * 10 + (**p - '0'); (*p)++; n++; }
    *out = v;
    return n;
}

/* A month name (full or its first 3 letters, any case, optional '.'). 1..12, 0 if none. */
static int month_name(const char **p)
{
    const char *s = *p;
    size_t n = 0;
    while (isalpha((unsigned char)s[n])) n++;
    if (n < 3) return 0;
    for (int m = 0; m < 12; m++) {
        size_t full = strlen(month_names[m]);
        if ((n == 3 || n == full || (m == 8 && n == 4)) && n <= full &&
            strncasecmp(s, month_names[m], n) == 0) {
            *p = s + n + (s[n] == '.');
            return m + 1;
        }
    }
    return 0;
}

static void skip_spaces(const char **p) { while (**p == ' ' || **p == '\t') (*p)++; }

/* Optional time after a date: [T| ]HH:MM[:SS[.frac]] [Z|±HH[:]MM]. */
static int parse_time(const char **pp, double *seconds)
{
    const char *p = *pp;
    *seconds = 0;
    if (*p != 'T' && *p != 't' && *p != ' ') return 1;
    const char *q = p + 1;
    skip_spaces(&q);
    int h, mi, s = 0;
    if (digits(&q, 2, &h) < 1 || *q != ':') return *p == ' ';   /* "T" must start a time */
    q++;
    if (digits(&q, 2, &mi) != 2 || h > 23 || mi > 59) return 0;
    double frac = 0;
    if (*q == ':') {
        q++;
        if (digits(&q, 2, &s) != 2 || s > 60) return 0;
        if (*q == '.' || *q == ',') {
            q++;
            double scale = 0.1;
            if (!isdigit((unsigned char)*q)) return 0;
            while (isdigit((unsigned char)*q)) { frac += (*q - '0') * scale; scale /= 10; q++; }
        }
    }
    double t = h * 3600.0 + mi * 60.0 + s + frac;
    if (*q == 'Z' || *q == 'z') q++;
    else if (*q == '+' || *q == '-') {
        int sign = *q == '-' ? -1 : 1, oh, om = 0;
        q++;
        if (digits(&q, 2, &oh) != 2) return 0;
        if (*q == ':') q++;
        if (isdigit((unsigned char)*q) && digits(&q, 2, &om) != 2) return 0;
        t -= sign * (oh * 3600.0 + om * 60.0);   /* to UTC */
    }
    *seconds = t;
    *pp = q;
    return 1;
}

/* Parses the whole of s; 1 if it is one of the accepted forms (day not yet validated for
 * slashed dates, whose order is decided later). */
static int parse_date(const char *s, date_val *d)
{
    memset(d, 0, sizeof *d);
    const char *p = s;
    skip_spaces(&p);
    int a, b, c, na;
    const char *start = p;
    if ((na = digits(&p, 4, &a)) == 4 && (*p == '-' || *p == '/')) {
        /* yyyy-mm-dd or yyyy/mm/dd */
        char sep = *p++;
        if (digits(&p, 2, &b) < 1 || *p++ != sep || digits(&p, 2, &c) < 1) return 0;
        d->year = a; d->month = b; d->day = c;
        if (!parse_time(&p, &d->seconds)) return 0;
    } else if (na >= 1 && na <= 2 && (*p == '/' || *p == '.')) {
        /* a/b/yyyy (or a.b.yyyy): the order decides which is the month */
        char sep = *p++;
        if (digits(&p, 2, &b) < 1 || *p++ != sep || digits(&p, 4, &c) != 4) return 0;
        d->slashed = 1; d->first = a; d->second = b; d->year = c;
        if (!parse_time(&p, &d->seconds)) return 0;
    } else if (na >= 1 && na <= 2) {
        /* 12 Jun 1998, 12-Jun-1998 */
        if (*p == '-') p++;
        else skip_spaces(&p);
        int m = month_name(&p);
        if (!m) return 0;
        if (*p == '-') p++;
        else { if (*p == ',') p++; skip_spaces(&p); }
        if (digits(&p, 4, &c) != 4) return 0;
        d->day = a; d->month = m; d->year = c;
    } else if (na == 0) {
        /* Jun 12 1998, June 12, 1998, Jun-12-1998 */
        p = start;
        int m = month_name(&p);
        if (!m) return 0;
        if (*p == '-') p++;
        else skip_spaces(&p);
        if (digits(&p, 2, &a) < 1) return 0;
        if (*p == '-') p++;
        else { if (*p == ',') p++; skip_spaces(&p); }
        if (digits(&p, 4, &c) != 4) return 0;
        d->day = a; d->month = m; d->year = c;
    } else return 0;
    skip_spaces(&p);
    return *p == '\0';
}

/* Fixes month/day of a slashed date by the order; 1 if the date is a real day. */
static int resolve(date_val *d, int dmy)
{
    if (d->slashed) {
        d->month = dmy ? d->second : d->first;
        d->day = dmy ? d->first : d->second;
    }
    return d->year >= 1 && d->month >= 1 && d->month <= 12 && d->day >= 1 &&
           d->day <= days_in_month(d->year, d->month);
}

/* ------------------------------------------------------------ state */

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
    tx_sel_free(&s->columns);
    clear_learned(s);
    free(s);
}

/* parts: any non-empty subset of [year, month, weekday, days, hour]; the default: the first
 * four, and hour for a column whose training values have times (*hour_auto). */
static int read_parts(xp_ctx *ctx, const xp_cfg *cfg, unsigned *parts, int *hour_auto)
{
    const xp_host *h = ctx->host;
    const xp_cfg *node = h->cfg_get(cfg, "parts");
    *parts = DATE_PARTS;
    *hour_auto = 1;
    int kind = h->cfg_kind(node);
    if (kind == XP_CFG_MISSING || kind == XP_CFG_NULL) return XP_OK;
    if (kind != XP_CFG_LIST || !h->cfg_len(node))
        return xp_fail(ctx, XP_ECONFIG, "%s: parts: a list of at least one of year, month, weekday, days, hour",
                       h->cfg_where(node));
    *parts = 0;
    *hour_auto = 0;
    for (size_t i = 0; i < h->cfg_len(node); i++) {
        const xp_cfg *it = h->cfg_at(node, i);
        const char *v = h->cfg_scalar(it);
        int k = 0;
        while (v && k < N_PARTS && strcmp(v, part_names[k])) k++;
        if (!v || k == N_PARTS)
            return xp_fail(ctx, XP_ECONFIG, "%s: parts: '%s' is none of year, month, weekday, days, hour",
                           h->cfg_where(it), v ? v : "(not a name)");
        *parts |= 1u << k;
    }
    return XP_OK;
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->min_match = 0.9;
    s->order = ORDER_AUTO;
    int rc;
    if ((rc = tx_sel_read(ctx, cfg, "columns", &s->columns)) ||
        (rc = h->cfg_num(ctx, cfg, "min_match", 0, &s->min_match)) ||
        (rc = xp_cfg_choice(ctx, cfg, "order", orders, XP_COUNT(orders), 0, &s->order)) ||
        (rc = h->cfg_bool(ctx, cfg, "keep", 0, &s->keep)) || (rc = read_parts(ctx, cfg, &s->parts, &s->hour_auto)))
        goto fail;
    /* The config check: a declared column's features are columns later stages may name. */
    for (size_t i = 0; XP_HOST_HAS(h, column_add) && h->column_add && i < s->columns.n; i++) {
        for (int k = 0; k < N_PARTS && !s->columns.v[i].glob; k++) {
            if (!(s->parts & (1u << k))) continue;
            char name[512];
            snprintf(name, sizeof name, "%s%s", s->columns.v[i].pat, suffix[k]);
            h->column_add(ctx, name);
        }
    }
    if (!(s->min_match > 0 && s->min_match <= 1)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: min_match must be in (0, 1], got %g",
                     h->cfg_where(h->cfg_get(cfg, "min_match")), s->min_match);
        goto fail;
    }
    *out = s;
    return XP_OK;
fail:
    destroy(s);
    return rc;
}

/* The value of row r as text (text or categorical), NULL when missing. */
static const char *cell(const xp_column *c, size_t r)
{
    if (c->type == XP_COL_TEXT) return c->text[r];
    if (c->type == XP_COL_CATEGORICAL) return c->codes[r] >= 0 ? c->levels[c->codes[r]] : NULL;
    return NULL;
}

typedef struct scan_counts {
    size_t present, parsed, first_over_12, second_over_12;
    const char *example_bad;
} scan_counts;

static void scan_column(const xp_column *c, size_t n, scan_counts *k)
{
    memset(k, 0, sizeof *k);
    for (size_t r = 0; r < n; r++) {
        const char *v = cell(c, r);
        if (!v) continue;
        k->present++;
        date_val d;
        if (!parse_date(v, &d)) {
            if (!k->example_bad) k->example_bad = v;
            continue;
        }
        k->parsed++;
        if (d.slashed) {
            k->first_over_12 += d.first > 12;
            k->second_over_12 += d.second > 12;
        }
    }
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    clear_learned(s);
    int rc = tx_sel_check(ctx, &s->columns, train, "columns");
    if (rc) return rc;
    s->cols = calloc(train->n_cols ? train->n_cols : 1, sizeof *s->cols);
    if (!s->cols) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_key(&j, "columns");
    json_out_array(&j);
    tx_line line;
    tx_line_init(&line);
    for (size_t c = 0; c < train->n_cols; c++) {
        const xp_column *col = train->cols[c];
        int declared = s->columns.n && tx_sel_match(&s->columns, col->name) >= 0;
        if (s->columns.n && !declared) continue;
        if (!declared && col->role != XP_ROLE_FEATURE) continue;
        if (col->type != XP_COL_TEXT && col->type != XP_COL_CATEGORICAL) {
            /* A declared name that is already numeric (e.g. a year) is no error to stop on. */
            if (declared)
                xp_log(ctx, XP_LOG_WARN, "date: column %s is %s, not text: left as it is", col->name,
                       xp_col_type_name(col->type));
            continue;
        }
        scan_counts k;
        scan_column(col, train->n_rows, &k);
        if (!declared && (k.present == 0 || (double)k.parsed < s->min_match * (double)k.present))
            continue;
        int dmy = s->order == ORDER_DMY ||
                  (s->order == ORDER_AUTO && k.first_over_12 > 0 && k.second_over_12 == 0);
        /* What the features will hold: a real day under the chosen order (2023-02-29 has
         * the form of a date but is none). */
        size_t valid = 0;
        int timed = 0;
        const char *example_bad = k.example_bad;
        for (size_t r = 0; r < train->n_rows; r++) {
            const char *v = cell(col, r);
            date_val d;
            if (!v) continue;
            if (parse_date(v, &d) && resolve(&d, dmy)) {
                valid++;
                timed |= d.seconds != 0;
            } else if (!example_bad) example_bad = v;
        }
        k.parsed = valid;
        k.example_bad = example_bad;
        learned *l = &s->cols[s->n_cols];
        if (!(l->name = tx_strdup(col->name))) { json_out_free(&j); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
        l->dmy = dmy;
        l->keep = s->keep || col->role != XP_ROLE_FEATURE;
        l->parts = s->parts | (s->hour_auto && timed ? 1u << HOUR : 0);
        s->n_cols++;
        size_t bad = k.present - k.parsed;
        tx_line_add(&line, "%s (%zu/%zu parsed%s%s)", col->name, k.parsed, k.present,
                    k.first_over_12 + k.second_over_12 ? (dmy ? ", day/month/year" : ", month/day/year") : "",
                    l->parts != s->parts ? ", with times of day: also _hour" : "");
        if (bad)
            xp_log(ctx, XP_LOG_WARN, "date: %s: %zu of %zu present value(s) are no date (e.g. \"%.40s\"): "
                   "their features are missing", col->name, bad, k.present, k.example_bad);
        json_out_object(&j);
        json_out_kv_str(&j, "column", col->name);
        json_out_kv_num(&j, "rows", (double)train->n_rows);
        json_out_kv_num(&j, "present", (double)k.present);
        json_out_kv_num(&j, "parsed", (double)k.parsed);
        json_out_kv_num(&j, "unparseable", (double)bad);
        json_out_kv_str(&j, "slashed_order", orders[dmy ? ORDER_DMY : ORDER_MDY]);
        json_out_kv_bool(&j, "declared", declared);
        json_out_kv_bool(&j, "hour", (l->parts >> HOUR) & 1);
        json_out_end(&j);
    }
    json_out_end(&j);
    json_out_end(&j);
    if ((rc = json_out_record(ctx, &j, "date"))) return rc;
    if (s->n_cols) {
        char made[64] = "";
        for (int k = 0; k < N_PARTS; k++)
            if (s->parts & (1u << k)) snprintf(made + strlen(made), sizeof made - strlen(made), "%s%s", made[0] ? ", " : "", suffix[k]);
        xp_log(ctx, XP_LOG_INFO, "date: %zu column(s) -> %s: %s", s->n_cols, made, tx_line_text(&line));
    }
    else
        xp_log(ctx, XP_LOG_INFO, "date: no date column %s", s->columns.n ? "among those listed" : "detected");
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
            return xp_fail(ctx, XP_ENOTFOUND, "date: column %s (found at fit) is not in this frame", l->name);
        const xp_column *c = f->cols[idx];
        if (c->type != XP_COL_TEXT && c->type != XP_COL_CATEGORICAL)
            return xp_fail(ctx, XP_EINVAL, "date: column %s is %s here, text at fit", l->name,
                           xp_col_type_name(c->type));
        xp_column *out[N_PARTS] = { NULL };
        for (int k = 0; k < N_PARTS; k++) {
            if (!(l->parts & (1u << k))) continue;
            char name[512];
            if ((size_t)snprintf(name, sizeof name, "%s%s", l->name, suffix[k]) >= sizeof name)
                return xp_fail(ctx, XP_EINVAL, "date: column name %s is too long", l->name);
            if (h->frame_find(f, name))
                return xp_fail(ctx, XP_EINVAL, "date: cannot add %s: a column of that name exists", name);
            if (!(out[k] = h->frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE)))
                return xp_fail(ctx, XP_ENOMEM, "out of memory adding %s", name);
        }
        c = f->cols[idx];   /* frame_add may have moved the column array, not the column */
        size_t bad = 0;
        for (size_t r = 0; r < f->n_rows; r++) {
            double v4[N_PARTS] = { NAN, NAN, NAN, NAN, NAN };
            const char *v = cell(c, r);
            date_val d;
            if (v && parse_date(v, &d) && resolve(&d, l->dmy)) {
                double days = (double)days_from_civil(d.year, d.month, d.day) + d.seconds / 86400.0;
                long whole = (long)floor(days);
                v4[0] = d.year;
                v4[1] = d.month;
                v4[2] = (double)(((whole + 3) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
                v4[3] = days;
                v4[HOUR] = (days - (double)whole) * 24.0;
            } else if (v) {
                bad++;
            }
            for (int k = 0; k < N_PARTS; k++)
                if (out[k]) out[k]->num[r] = v4[k];
        }
        if (bad)
            xp_log(ctx, XP_LOG_DEBUG, "date: %s: %zu of %zu row(s) without a parseable date", l->name, bad,
                   f->n_rows);
        if (!l->keep) h->frame_drop(f, (size_t)h->frame_index(f, l->name));
    }
    return XP_OK;
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help date` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: date\n"
    "    columns: [released]       # names or globs; omit to detect (text/categorical\n"
    "                              # feature columns whose present values are dates)\n"
    "    min_match: 0.9            # detection: share of present training values that parse\n"
    "    order: auto               # slashed dates a/b/yyyy: mdy (US: 03/01/2024 = 1 March),\n"
    "                              # dmy (1 March = 01/03/2024), auto: dmy if a training\n"
    "                              # value's first part is > 12, else mdy\n"
    "    keep: false               # true: keep the original column besides the new ones\n"
    "    parts: [year, month, weekday, days]   # the features made, any of them and hour (the\n"
    "                              # time of day); default: these four, and hour for a column\n"
    "                              # whose training values have times other than midnight\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "date", "1.0.0",
                                          "date-like text columns -> year, month, weekday, days since 1970 (+ hour of day)",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
