/* csv_parse.c — reading a CSV file and tokenizing it (RFC 4180) in one pass.
 *
 *     csv_table t; csv_table_init(&t, "data.csv");
 *     csv_read_file(ctx, &t);                  // whole file into t.buf (+ NUL sentinel)
 *     csv_parse_header(ctx, &t, &dialect);     // t.names, t.n_cols
 *     csv_parse_rows(ctx, &t, &dialect, 0);    // t.cell[], t.flags[], t.val[]
 *     const char *s = csv_field(&t, row, col); // NUL-terminated, unescaped
 *
 * Accepted: quoted fields with doubled quotes, embedded delimiters and newlines; LF, CRLF
 * or lone CR line ends; a UTF-8 byte order mark; blank lines (skipped, as pandas does).
 * Rejected with file:line[:column]: invalid UTF-8, NUL bytes (and UTF-16 files), an
 * unterminated quote (the line where it opened), text after a closing quote, rows with a
 * field count different from the header's, duplicate header names, an empty file. (Empty
 * header names become unnamed_<index>, like pandas' "Unnamed: 0" index column.)
 *
 * Speed: unquoted fields are skipped 8 bytes at a time; in a column that is still numeric
 * a field that starts like a number is converted right away (csv_num_read) instead of
 * being scanned and then converted, so its bytes are read once.
 *
 * Why in place: a quoted field's unescaped text is never longer than its raw text, so it
 * is written over itself and the byte after each field (delimiter or line end) becomes its
 * NUL. Each field then costs 4 bytes of index (offset from its row's start) and no copy.
 */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void csv_table_init(csv_table *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->path = path;
}

void csv_table_free(csv_table *t)
{
    for (size_t j = 0; j < t->n_cols; j++)
        if (t->owned_name && t->owned_name[j]) free(t->names[j]);
    free(t->names);
    free(t->owned_name);
    free(t->keep);
    free(t->forced);
    free(t->lenient);
    free(t->flags);
    for (size_t j = 0; t->val && j < t->n_cols; j++) free(t->val[j]);
    free(t->val);
    free(t->row_off);
    free(t->row_line);
    free(t->cell);
    free(t->buf);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------ reading */

int csv_read_file(xp_ctx *ctx, csv_table *t)
{
    int fd = open(t->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xp_fail(ctx, XP_EIO, "%s: cannot open: %s", t->path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return xp_fail(ctx, XP_EIO, "%s: cannot stat: %s", t->path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return xp_fail(ctx, XP_EIO, "%s: is a directory, expected a CSV file", t->path);
    }
    /* Regular files: one read of the known size. Pipes and the like: grow as needed.
     * One byte for the NUL sentinel and CSV_NUM_PAD more so 8-byte loads never overrun. */
    const size_t extra = 1 + CSV_NUM_PAD;
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + extra : 1 << 16;
    char *buf = malloc(cap);
    size_t len = 0;
    if (!buf) {
        close(fd);
        return xp_fail(ctx, XP_ENOMEM, "%s: cannot allocate %zu bytes", t->path, cap);
    }
    for (;;) {
        if (S_ISREG(st.st_mode) && len == (size_t)st.st_size) break;   /* all of it */
        if (len + extra >= cap) {
            size_t ncap = cap * 2;
            char *nb = ncap > cap ? realloc(buf, ncap) : NULL;
            if (!nb) {
                free(buf);
                close(fd);
                return xp_fail(ctx, XP_ENOMEM, "%s: file too large to read into memory",
                               t->path);
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - extra - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            close(fd);
            return xp_fail(ctx, XP_EIO, "%s: read error: %s", t->path, strerror(e));
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    memset(buf + len, 0, extra);   /* sentinel: ends the last field; not a NUL byte error */
    t->buf = buf;
    t->size = len;
    return XP_OK;
}

/* ------------------------------------------------------------------ tokenizer */

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), 0 if invalid. Rejects
 * overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;   /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) { n = 3; lo = 0xA0; }
    else if (c >= 0xE1 && c <= 0xEC) n = 3;
    else if (c == 0xED) { n = 3; hi = 0x9F; }
    else if (c >= 0xEE && c <= 0xEF) n = 3;
    else if (c == 0xF0) { n = 4; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else if (c == 0xF4) { n = 4; hi = 0x8F; }
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return n;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
/* Non-zero if any byte of v is zero. */
static inline uint64_t zero8(uint64_t v) { return (v - ONES) & ~v & HIGHS; }
/* Non-zero if any of the 8 bytes stops an unquoted field: delimiter, CR, LF, NUL, >= 0x80. */
static inline uint64_t stops8(uint64_t v, uint64_t delim8)
{
    return zero8(v ^ delim8) | zero8(v ^ (ONES * '\n')) | zero8(v ^ (ONES * '\r')) | zero8(v) |
           (v & HIGHS);
}
#else
#define SWAR 0
#endif

/* Tokenizer state. One instance walks the header and then the body. */
typedef struct scan {
    xp_ctx *ctx;
    csv_table *t;
    unsigned char special[256];  /* bytes that stop an unquoted field */
    char delim, quote;
    uint64_t delim8;             /* the delimiter in every byte */
    char *p;                     /* read position */
    char *end;                   /* t->buf + t->size (a NUL sentinel lives there) */
    char *line_start;            /* first byte of the current physical line */
    int64_t line;                /* current physical line, 1-based */
} scan;

static void scan_init(scan *s, xp_ctx *ctx, csv_table *t, const csv_dialect *d, size_t at,
                      int64_t line)
{
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    s->t = t;
    s->delim = d->delim;
    s->quote = d->quote;
    s->delim8 = 0x0101010101010101ull * (unsigned char)d->delim;
    s->special[0] = 1;
    s->special['\n'] = 1;
    s->special['\r'] = 1;
    s->special[(unsigned char)d->delim] = 1;
    for (int c = 0x80; c < 256; c++) s->special[c] = 1;
    s->p = t->buf + at;
    s->end = t->buf + t->size;
    s->line_start = s->p;
    s->line = line;
}

static long col_of(const scan *s, const char *at)
{
    return (long)(at - s->line_start) + 1;
}

static int fail_utf8(scan *s, const char *at)
{
    return xp_fail(s->ctx, XP_EFORMAT,
                   "%s:%lld:%ld: invalid UTF-8 byte 0x%02x (the file must be UTF-8 encoded; a Windows or "
                   "Latin-1 file: ++data.options.encoding=cp1252)",
                   s->t->path, (long long)s->line, col_of(s, at), (unsigned char)*at);
}

static int fail_nul(scan *s, const char *at)
{
    return xp_fail(s->ctx, XP_EFORMAT,
                   "%s:%lld:%ld: NUL byte in the file (a binary or UTF-16 file? expected UTF-8 text)",
                   s->t->path, (long long)s->line, col_of(s, at));
}

/* Reads the quoted field whose opening quote is at f: unescapes it in place (its text then
 * is f[0..*w_out)) and leaves s->p just after the closing quote, on the delimiter or line
 * end. Rare next to plain fields, so kept out of the row loops. */
static __attribute__((noinline)) int scan_quoted(scan *s, char *f, char **w_out)
{
    const char quote = s->quote;
    int64_t open_line = s->line;
    long open_col = col_of(s, f);
    char *p = f + 1, *w = f;
    for (;;) {
        if (p >= s->end)
            return xp_fail(s->ctx, XP_EFORMAT,
                           "%s:%lld:%ld: unterminated quoted field (the quote opened here is "
                           "never closed)", s->t->path, (long long)open_line, open_col);
        char c = *p;
        if (c == quote) {
            if (p + 1 < s->end && p[1] == quote) {
                *w++ = quote;
                p += 2;
                continue;
            }
            p++;
            break;
        }
        unsigned char u = (unsigned char)c;
        if (u >= 0x80) {
            size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)s->end);
            if (!n) return fail_utf8(s, p);
            memmove(w, p, n);
            w += n;
            p += n;
            continue;
        }
        if (c == '\0') return fail_nul(s, p);
        if (c == '\n') {
            s->line++;
            s->line_start = p + 1;
        } else if (c == '\r' && !(p + 1 < s->end && p[1] == '\n')) {
            s->line++;                  /* lone CR: a line end for counting */
            s->line_start = p + 1;
        }
        *w++ = c;
        p++;
    }
    /* Blank out the raw bytes left behind the unescaped text, so that counting line ends
     * over the row later (csv_field_line) sees each newline once. */
    if (p - w > 1) memset(w + 1, ' ', (size_t)(p - w - 1));
    s->p = p;
    if (p < s->end && *p != s->delim && *p != '\n' && *p != '\r') {
        if (*p == '\0') return fail_nul(s, p);
        return xp_fail(s->ctx, XP_EFORMAT,
                       "%s:%lld:%ld: unexpected character '%c' after the closing quote (a quote "
                       "inside a quoted field must be doubled: \"\")",
                       s->t->path, (long long)s->line, col_of(s, p),
                       (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?');
    }
    *w_out = w;
    return XP_OK;
}

/* Skips the unquoted field at *pp: stops on the delimiter, CR, LF or the end sentinel,
 * validating UTF-8 and rejecting NUL bytes on the way. */
static inline int scan_plain(scan *s, char **pp)
{
    char *p = *pp;
    for (;;) {
#if SWAR
        /* 8 bytes at a time. The lowest flagged byte is exact (false positives of the
         * zero-byte trick only appear above a true one). */
        for (;;) {   /* ends at the latest on the NUL sentinel; padding follows it */
            uint64_t word;
            memcpy(&word, p, 8);
            uint64_t m = stops8(word, s->delim8);
            if (m) {
                p += __builtin_ctzll(m) >> 3;
                break;
            }
            p += 8;
        }
#endif
        while (!s->special[(unsigned char)*p]) p++;
        unsigned char u = (unsigned char)*p;
        if (u >= 0x80) {
            size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)s->end);
            if (!n) return fail_utf8(s, p);
            p += n;
            continue;
        }
        if (u == 0 && p < s->end) return fail_nul(s, p);
        *pp = p;
        return XP_OK;   /* delimiter, CR, LF or the end sentinel */
    }
}

/* After a field: s->p is on its delimiter, a line end or the end. Moves past it; returns 1
 * if the row goes on. */
static inline int next_field(scan *s, char stop)
{
    if (stop == s->delim && s->p < s->end) {
        s->p++;
        return 1;
    }
    if (stop == '\r') {
        s->p++;
        if (s->p < s->end && *s->p == '\n') s->p++;
    } else if (stop == '\n') {
        s->p++;
    } else {
        return 0;   /* the end */
    }
    s->line++;
    s->line_start = s->p;
    return 0;
}

/* The header row: t->names point at its (NUL-terminated) fields. */
static int scan_header(scan *s)
{
    csv_table *t = s->t;
    size_t cap = 0;
    t->n_cols = 0;
    for (;;) {
        char *f = s->p, *w = NULL;
        int quoted = *f == s->quote && f < s->end;
        int rc = quoted ? scan_quoted(s, f, &w) : scan_plain(s, &s->p);
        if (rc) return rc;
        if (!quoted) w = s->p;
        if (t->n_cols == cap) {
            cap = cap ? cap * 2 : 64;
            char **nm = realloc(t->names, cap * sizeof *nm);
            if (!nm) return xp_fail(s->ctx, XP_ENOMEM, "%s: out of memory reading the header",
                                    t->path);
            t->names = nm;
        }
        t->names[t->n_cols++] = f;
        char stop = s->p < s->end ? *s->p : '\0';
        *w = '\0';
        if (!next_field(s, stop)) return XP_OK;
    }
}

/* One data row starting at s->p (not on a blank line), as row t->n_rows: field offsets into
 * t->cell, classes into t->flags, values of still-numeric columns into t->val. Sets *n_fields
 * (a count other than n_cols is the caller's error to report). The hot loop of the loader:
 * table fields live in locals so calls do not force them to be reloaded. */
static int scan_body_row(scan *s, const csv_dialect *d, int fast_numbers, size_t *n_fields)
{
    csv_table *t = s->t;
    const size_t nc = t->n_cols, row = t->n_rows;
    uint32_t *cell = t->cell + row * nc;
    double **val = t->val;
    unsigned *flags = t->flags;
    const char delim = s->delim, quote = s->quote;
    const char *end = s->end;
    char *row_start = s->p;
    size_t j = 0;
    for (;; j++) {
        char *f = s->p;
        char *w;                         /* one past the field's (unescaped) text */
        unsigned cls = 0;                /* class and value, when found on the way */
        double v = NAN;
        double *col_val = j < nc ? val[j] : NULL;
        if (*f == quote && f < end) {
            int rc = scan_quoted(s, f, &w);
            if (rc) return rc;
        } else {
            char *p = f;
            /* A column that is still numeric: most fields are plain numbers or empty, so
             * parse them directly instead of scanning them and then parsing them. */
            if (col_val && fast_numbers) {
                unsigned char c0 = (unsigned char)*f;
                if (f == end || c0 == (unsigned char)delim || c0 == '\n' || c0 == '\r') {
                    cls = CSV_F_MISSING;
                } else if ((unsigned)(c0 - '0') < 10 || c0 == '-' || c0 == '+' || c0 == '.') {
                    int is_int;
                    double x;
                    const char *q = csv_num_read(f, end, &x, &is_int);
                    if (q && (q == end || *q == delim || *q == '\n' || *q == '\r')) {
                        v = x;
                        cls = is_int ? CSV_F_INT : CSV_F_FLOAT;
                        p = (char *)q;
                    }
                }
            }
            if (!cls) {
                int rc = scan_plain(s, &p);
                if (rc) return rc;
            }
            s->p = p;
            w = p;
        }
        /* s->p is on a delimiter, a line end or the end. The field's NUL goes at w after
         * it has been read (see CSV_NUM_PAD in csv.h). */
        char stop = s->p < end ? *s->p : '\0';
        if (j < nc) {
            size_t rel = (size_t)(f - row_start);
            if (rel > UINT32_MAX)
                return xp_fail(s->ctx, XP_EFORMAT, "%s:%lld: row longer than 4 GiB", t->path,
                               (long long)s->line);
            cell[j] = (uint32_t)rel;
            if (col_val) {
                if (!cls) cls = csv_classify(f, (size_t)(w - f), &d->extra_na, &v);
                col_val[row] = v;
                unsigned fl = flags[j] | cls;
                if ((fl & CSV_F_STRING) || ((fl & CSV_F_BOOL) && (fl & (CSV_F_INT | CSV_F_FLOAT)))) {
                    /* A string (or bools mixed with numbers): no longer numeric or bool. */
                    fl |= CSV_F_STRING;
                    free(col_val);
                    val[j] = NULL;
                }
                flags[j] = fl;
            }
        }
        *w = '\0';
        if (!next_field(s, stop)) break;
    }
    *n_fields = j + 1;
    return XP_OK;
}

/* Skips blank lines; returns 0 at the end of the input. */
static int skip_blank(scan *s)
{
    while (s->p < s->end && (*s->p == '\n' || *s->p == '\r')) {
        if (*s->p == '\r' && s->p + 1 < s->end && s->p[1] == '\n') s->p++;
        s->p++;
        s->line++;
        s->line_start = s->p;
    }
    return s->p < s->end;
}

/* ------------------------------------------------------------------ header */

typedef struct name_ix {
    const char *name;
    size_t ix;
} name_ix;

static int cmp_name(const void *a, const void *b)
{
    const name_ix *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->ix < y->ix ? -1 : x->ix > y->ix;
}

/* Files that are not text at all, by their first bytes: what they are and what to do, rather
 * than "NUL byte" or "invalid UTF-8" at some line. */
static int not_text(xp_ctx *ctx, const csv_table *t)
{
    static const struct { const char *magic; size_t n; const char *what; } kinds[] = {
        { "PK\x03\x04", 4, "a zip archive (an Excel .xlsx workbook is one): save the sheet as CSV (UTF-8)" },
        { "\xD0\xCF\x11\xE0", 4, "an old Excel .xls workbook: save the sheet as CSV (UTF-8)" },
        { "\x1F\x8B", 2, "gzip-compressed: decompress it first (gunzip)" },
        { "PAR1", 4, "a Parquet file: write it out as CSV" },
        { "SQLite format 3", 15, "an SQLite database: export a table as CSV (sqlite3 -csv -header)" },
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (t->size >= kinds[k].n && memcmp(t->buf, kinds[k].magic, kinds[k].n) == 0)
            return xp_fail(ctx, XP_EFORMAT, "%s: not a CSV file: %s", t->path, kinds[k].what);
    return XP_OK;
}

int csv_parse_header(xp_ctx *ctx, csv_table *t, const csv_dialect *d)
{
    if (not_text(ctx, t)) return XP_EFORMAT;
    const unsigned char *u = (const unsigned char *)t->buf;
    if (t->size >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return xp_fail(ctx, XP_EFORMAT,
                       "%s: the file is UTF-16 encoded (byte order mark %02X %02X); "
                       "convert it to UTF-8", t->path, u[0], u[1]);
    if (t->size >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) t->bom = 3;

    scan s;
    scan_init(&s, ctx, t, d, t->bom, 1);
    if (!skip_blank(&s))
        return xp_fail(ctx, XP_EFORMAT, "%s: empty file (expected a header line with column names)",
                       t->path);
    int64_t header_line = s.line;
    int rc = scan_header(&s);
    if (rc) return rc;
    t->body = (size_t)(s.p - t->buf);
    t->body_line = s.line;

    size_t nc = t->n_cols;
    t->owned_name = calloc(nc, 1);
    t->keep = malloc(nc);
    t->forced = calloc(nc, sizeof *t->forced);
    t->lenient = calloc(nc, 1);
    t->flags = calloc(nc, sizeof *t->flags);
    name_ix *ix = malloc(nc * sizeof *ix);
    if (!t->owned_name || !t->keep || !t->forced || !t->lenient || !t->flags || !ix) {
        free(ix);
        return xp_fail(ctx, XP_ENOMEM, "%s: out of memory for %zu columns", t->path, nc);
    }
    memset(t->keep, 1, nc);
    for (size_t j = 0; j < nc; j++) {
        if (t->names[j][0] == '\0') {
            /* pandas writes its index as an unnamed first column. */
            char tmp[40];
            snprintf(tmp, sizeof tmp, "unnamed_%zu", j);
            char *nm = strdup(tmp);
            if (!nm) {
                free(ix);
                return xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
            }
            t->names[j] = nm;
            t->owned_name[j] = 1;
        }
        ix[j].name = t->names[j];
        ix[j].ix = j;
    }
    qsort(ix, nc, sizeof *ix, cmp_name);
    for (size_t i = 1; i < nc; i++)
        if (strcmp(ix[i - 1].name, ix[i].name) == 0) {
            rc = xp_fail(ctx, XP_EFORMAT,
                         "%s:%lld: duplicate column name '%s' (columns %zu and %zu)", t->path,
                         (long long)header_line, ix[i].name, ix[i - 1].ix + 1, ix[i].ix + 1);
            free(ix);
            return rc;
        }
    free(ix);
    return XP_OK;
}

/* ------------------------------------------------------------------ body */

static int grow_rows(xp_ctx *ctx, csv_table *t, size_t need)
{
    size_t cap = t->cap_rows;
    while (cap < need) cap = cap < 1024 ? 1024 : cap + cap / 2;
    if (cap > SIZE_MAX / sizeof(uint32_t) / (t->n_cols ? t->n_cols : 1))
        return xp_fail(ctx, XP_ENOMEM, "%s: too many rows", t->path);
    size_t *ro = realloc(t->row_off, cap * sizeof *ro);
    if (ro) t->row_off = ro;
    int64_t *rl = realloc(t->row_line, cap * sizeof *rl);
    if (rl) t->row_line = rl;
    uint32_t *ce = realloc(t->cell, cap * t->n_cols * sizeof *ce);
    if (ce) t->cell = ce;
    int ok = ro && rl && ce;
    for (size_t j = 0; ok && j < t->n_cols; j++) {
        if (!t->val[j]) continue;
        double *v = realloc(t->val[j], cap * sizeof *v);
        if (v) t->val[j] = v;
        else ok = 0;
    }
    if (!ok)
        return xp_fail(ctx, XP_ENOMEM, "%s: out of memory after %zu rows", t->path, t->n_rows);
    t->cap_rows = cap;
    return XP_OK;
}

int csv_parse_rows(xp_ctx *ctx, csv_table *t, const csv_dialect *d, int64_t max_rows)
{
    scan s;
    scan_init(&s, ctx, t, d, t->body, t->body_line);
    /* Numbers may be parsed straight from the bytes unless a configured missing token could
     * look like a number or the delimiter could continue one. */
    int fast_numbers = d->extra_na.n == 0 && !strchr("0123456789.eE+-iInNfFtTyY", d->delim);

    /* Columns that may turn out numeric or bool get a value array. */
    t->val = calloc(t->n_cols ? t->n_cols : 1, sizeof *t->val);
    if (!t->val) return xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);
    for (size_t j = 0; j < t->n_cols; j++)
        if (t->keep[j] && !t->forced[j] && !(t->val[j] = malloc(sizeof(double))))
            return xp_fail(ctx, XP_ENOMEM, "%s: out of memory", t->path);

    /* First guess at the row count from the line length in the first 64 KiB of data (the
     * arrays then rarely regrow; untouched capacity costs address space, not memory). */
    size_t body = t->size - t->body, sample = body < 65536 ? body : 65536, lines = 0;
    for (const char *q = t->buf + t->body, *e = q + sample;
         (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++)
        lines++;
    size_t guess = lines ? body / (sample / lines) : 1;
    guess += guess / 16 + 16;   /* a little slack for longer lines further down */
    if (max_rows > 0 && (uint64_t)max_rows < guess) guess = (size_t)max_rows;
    if (grow_rows(ctx, t, guess)) return XP_ENOMEM;

    while ((max_rows <= 0 || (int64_t)t->n_rows < max_rows) && skip_blank(&s)) {
        if (t->n_rows == t->cap_rows && grow_rows(ctx, t, t->n_rows + 1)) return XP_ENOMEM;
        int64_t line = s.line;
        t->row_off[t->n_rows] = (size_t)(s.p - t->buf);
        t->row_line[t->n_rows] = line;
        size_t n_fields = 0;
        int rc = scan_body_row(&s, d, fast_numbers, &n_fields);
        if (rc) return rc;
        if (n_fields != t->n_cols)
            return xp_fail(ctx, XP_EFORMAT, "%s:%lld: expected %zu fields, got %zu", t->path,
                           (long long)line, t->n_cols, n_fields);
        t->n_rows++;
    }
    return XP_OK;
}

int64_t csv_field_line(const csv_table *t, size_t row, size_t col)
{
    const char *p = t->buf + t->row_off[row];
    const char *f = csv_field(t, row, col);
    int64_t line = t->row_line[row];
    /* Line ends inside the row are only those of quoted fields, kept in place. */
    for (; p < f; p++)
        if (*p == '\n' || (*p == '\r' && p[1] != '\n')) line++;
    return line;
}
