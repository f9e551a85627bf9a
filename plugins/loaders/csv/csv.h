/* csv.h — internals shared by the CSV loader's source files (not part of the plugin ABI).
 *
 *     csv_table t; csv_table_init(&t, "data.csv");
 *     if (csv_read_file(ctx, &t) || csv_parse_header(ctx, &t, &d)) goto fail;
 *     ... mark t.keep[] / t.forced[] from the load options ...
 *     if (csv_parse_rows(ctx, &t, &d, nrows) || csv_build_frame(ctx, &t, &d, &frame)) goto fail;
 *     csv_table_free(&t);
 *
 * Pipeline: one read of the whole file into a buffer; one tokenizing pass that unescapes
 * quoted fields in place, NUL-terminates every field and records where each field starts
 * (row-major), while classifying every field (missing / int / float / bool / string) into
 * per-column flags and converting it while the bytes are hot (per-column value arrays,
 * abandoned as soon as a column shows a string); then the type decision per column, which
 * copies those values into the frame, or builds categorical levels / text from the fields.
 * Forced types (data.types) re-read their fields so that errors can name line and column.
 */
#ifndef XP_CSV_H
#define XP_CSV_H

#include <stddef.h>
#include <stdint.h>

#include <xp/xp.h>

/* Field classes, OR-ed per column into csv_table.flags while tokenizing. */
enum {
    CSV_F_MISSING = 1u,   /* empty, NA, NaN, nan, null, NULL, N/A, n/a, #N/A, <NA> (+ na_values) */
    CSV_F_INT = 2u,       /* [sign] digits */
    CSV_F_FLOAT = 4u,     /* decimal / exponent / inf */
    CSV_F_BOOL = 8u,      /* True False true false TRUE FALSE */
    CSV_F_STRING = 16u    /* anything else */
};

/* Tokens read as "missing". */
typedef struct csv_na {
    const char *const *tok;
    const size_t *len;
    size_t n;
} csv_na;

/* Format and inference settings (the loader's `data.options`). */
typedef struct csv_dialect {
    char delim;                 /* default ',' */
    char quote;                 /* default '"' */
    csv_na extra_na;            /* na_values in addition to the built-in missing tokens */
    int64_t max_levels;         /* string column -> categorical only up to this many levels */
    double max_level_ratio;     /* ... and at most this fraction of its non-missing rows */
} csv_dialect;

typedef struct csv_table {
    const char *path;           /* for messages */
    char *buf;                  /* file bytes + NUL; fields are NUL-terminated in place */
    size_t size;
    size_t bom;                 /* 3 if the file starts with a UTF-8 BOM */
    size_t body;                /* offset of the first byte after the header row */
    int64_t body_line;          /* line number at `body` */

    size_t n_cols;
    char **names;               /* header names: into buf, or owned (see owned_name) */
    unsigned char *owned_name;  /* names[j] was malloc'ed (generated for an empty header) */
    unsigned char *keep;        /* 0 = dropped */
    int *forced;                /* forced xp_col_type, 0 = infer */
    unsigned char *lenient;     /* forced from a trained model's types: what the type cannot
                                   hold reads as missing, with a warning (n_schema_types) */
    unsigned *flags;            /* CSV_F_* seen in the column (kept, not forced columns) */
    /* Values parsed while tokenizing, per column (NaN = missing, bools 1/0), as long as
     * the column may still be numeric or bool; NULL for dropped, forced or string columns. */
    double **val;

    size_t n_rows, cap_rows;
    size_t *row_off;            /* offset in buf of each data row's first byte */
    int64_t *row_line;          /* 1-based line on which each data row starts */
    uint32_t *cell;             /* n_rows x n_cols, row-major: field start - row start */
} csv_table;

void csv_table_init(csv_table *t, const char *path);
void csv_table_free(csv_table *t);

/* csv_parse.c */
int csv_read_file(xp_ctx *ctx, csv_table *t);
int csv_parse_header(xp_ctx *ctx, csv_table *t, const csv_dialect *d);
/* Tokenizes the data rows, at most max_rows of them (0 = all). */
int csv_parse_rows(xp_ctx *ctx, csv_table *t, const csv_dialect *d, int64_t max_rows);

static inline const char *csv_field(const csv_table *t, size_t row, size_t col)
{
    return t->buf + t->row_off[row] + t->cell[row * t->n_cols + col];
}
/* Line on which field (row, col) starts (rows may span lines through quoted newlines). */
int64_t csv_field_line(const csv_table *t, size_t row, size_t col);

/* csv_infer.c */
/* Class (one CSV_F_* bit) of one field s[0..n) (CSV_NUM_PAD readable bytes after it);
 * *value gets its number (INT, FLOAT), 1/0 (BOOL) or NaN. */
unsigned csv_classify(const char *s, size_t n, const csv_na *extra_na, double *value);
int csv_is_missing(const char *s, size_t n, const csv_na *extra_na);
/* Decides each kept column's type and fills a new frame. Column `target` (SIZE_MAX: none)
 * gets role TARGET, the others FEATURE. */
int csv_build_frame(xp_ctx *ctx, csv_table *t, const csv_dialect *d, size_t target,
                    xp_frame **out);

/* csv_fmtnum.c — a number written for people ("$1,234.50", "12.5%", "(1,200)", "12,5" with
 * decimal_comma): 1 and its
 * value in *out, the formatting seen OR-ed into *marks; 0 if s[0..n) is not one. */
enum { CSV_FMT_CURRENCY = 1u, CSV_FMT_THOUSANDS = 2u, CSV_FMT_PERCENT = 4u, CSV_FMT_PARENS = 8u,
       CSV_FMT_DECIMAL_COMMA = 16u };
/* decimal_comma: ',' is the decimal mark and '.' the thousands separator ("1.234,5"). */
int csv_fmtnum_parse(const char *s, size_t n, int decimal_comma, double *out, unsigned *marks);

/* csv_encoding.c — data.options.encoding: 1 if name is a Windows-1252 / Latin-1 label;
 * csv_transcode_cp1252 rewrites t->buf (read by csv_read_file) as UTF-8. */
int csv_encoding_known(const char *name);
int csv_transcode_cp1252(xp_ctx *ctx, csv_table *t);

/* csv_dict.c — the distinct values of a string column (hash table, first-seen order). */
typedef struct csv_dict {
    const char **lv;            /* level text (borrowed from the table's buffer) */
    size_t *lv_len;
    uint64_t *lv_hash;
    size_t n, cap;
    uint32_t *slot;             /* level index + 1, 0 = empty */
    size_t n_slot;              /* power of two */
} csv_dict;

void csv_dict_free(csv_dict *d);
/* Index of s[0..n) (adding it if new), -1 on ENOMEM. */
int64_t csv_dict_get(csv_dict *d, const char *s, size_t n);
/* Sorts the levels (by value if every level is a number, else bytewise) and fills
 * remap[old index] = new index. Returns XP_OK or XP_ENOMEM. */
int csv_dict_sort(csv_dict *d, int32_t *remap);

/* csv_num.c — the text s[0..n) must be followed by CSV_NUM_PAD readable bytes (any values):
 * digits are loaded 8 at a time. The loader's buffer ends with that much zero padding.
 * Nothing needs a terminating NUL, so the tokenizer converts a field before it writes the
 * field's NUL (an 8-byte load over a just-stored byte would stall on store forwarding). */
enum { CSV_NUM_PAD = 8 };

typedef struct csv_num {
    uint64_t mant;              /* significant digits (trailing zeros folded into exp10) */
    int32_t exp10;              /* value = mant * 10^exp10 */
    unsigned char neg;
    unsigned char is_int;       /* no '.', no exponent */
    unsigned char is_inf;
    unsigned char inexact;      /* non-zero digits after the 19th were dropped from mant */
} csv_num;

/* Recognizes a number in s[0..n) (no surrounding spaces). Returns 1 and fills *out if the
 * whole text is a number, else 0. */
int csv_num_scan(const char *s, size_t n, csv_num *out);
/* The longest number starting at s, not reading past end: returns where it stops (and
 * fills *out), or NULL if s does not start with a number. "1e5x" stops at 'x'. */
const char *csv_num_prefix(const char *s, const char *end, csv_num *out);
/* csv_num_prefix + csv_num_value in one call (the tokenizer's fast path): returns where the
 * number stops and sets *out and *is_int, or NULL. */
const char *csv_num_read(const char *s, const char *end, double *out, int *is_int);
/* The double strtod() would return for the scanned text s[0..n) (no NUL needed). */
double csv_num_value(const char *s, size_t n, const csv_num *num);
/* Scan + value; returns 0 if s[0..n) is not a number. */
int csv_num_parse(const char *s, size_t n, double *out);

#endif
