/* txu.h — helpers shared by the transform plugins (plugins/transforms/<name>/).
 *
 * Not part of the plugin ABI: this is a static library linked into each transform .so and
 * built with hidden visibility, so none of these symbols leak. Everything here talks to the
 * runner only through ctx->host (host.h), never through the core.
 *
 *     tx_sel cols = {0};
 *     if ((rc = tx_sel_read(ctx, cfg, "columns", &cols))) return rc;     // names or globs
 *     if (tx_sel_match(&cols, "feature_41") >= 0) ...                    // "feature_4*" matches
 *
 * Records are written with the project's JSON writer, common/json_out.h (json_out_record),
 * which transforms_common_dep brings along.
 */
#ifndef XP_TRANSFORMS_TXU_H
#define XP_TRANSFORMS_TXU_H

#include <stddef.h>
#include <stdint.h>

#include "xp/xp.h"

/* ------------------------------------------------------------ column selection (txu_select.c) */

/* One `columns:` entry: an exact column name, or a glob matched with fnmatch(3)
 * (`*`, `?`, `[...]`; e.g. "feature_4*" matches feature_4 and feature_40..feature_49). */
typedef struct tx_pat {
    char *pat;
    char *where;        /* "file:line:col (key.path)" of the entry, for messages */
    int glob;           /* 1 if pat contains * ? or [ */
} tx_pat;

typedef struct tx_sel {
    tx_pat *v;
    size_t n;
    int given;          /* 1 if the key was present in the config */
} tx_sel;

/* Reads map[key] as one string or a list of strings. Absent: an empty selection. */
int tx_sel_read(xp_ctx *ctx, const xp_cfg *map, const char *key, tx_sel *out);
/* Adds one pattern by hand (e.g. a map key). */
int tx_sel_add(tx_sel *s, const char *pat, const char *where);
void tx_sel_free(tx_sel *s);
/* 1 if one pattern matches name. */
int tx_pat_match(const tx_pat *p, const char *name);
/* Index of the first pattern matching name, or -1. */
int tx_sel_match(const tx_sel *s, const char *name);
/* Fails (XP_ENOTFOUND) when an exact name is not a column of f; logs a warning for a glob
 * that matches nothing. `what` names the option in messages ("columns"). */
int tx_sel_check(xp_ctx *ctx, const tx_sel *s, const xp_frame *f, const char *what);

/* A growable list of owned strings (learned column names). */
typedef struct tx_names {
    char **v;
    size_t n, cap;
} tx_names;

int tx_names_add(tx_names *l, const char *s);        /* XP_OK / XP_ENOMEM */
int tx_names_find(const tx_names *l, const char *s); /* index or -1 */
void tx_names_clear(tx_names *l);

/* ------------------------------------------------------------ config helpers (txu_select.c) */

/* Enumerated keys ("mode: auto") are read with xp_cfg_choice (host.h). */

/* Reads a node holding one number or a list of numbers into a malloc'ed array. */
int tx_cfg_nums(xp_ctx *ctx, const xp_cfg *node, double **out, size_t *n);
/* Parses a YAML scalar as a double ("-2", "1e3", ".nan" is rejected). 0 ok, -1 not a number. */
int tx_parse_num(const char *s, double *out);
/* Fails with XP_ECONFIG unless lo <= v <= hi, naming map[key]'s place. */
int tx_cfg_range(xp_ctx *ctx, const xp_cfg *map, const char *key, double v, double lo, double hi);
/* Copy of a string (NULL stays NULL); plugins use it for names they keep. */
char *tx_strdup(const char *s);

/* Target, weight, group and id columns are never dropped or rewritten by cleaning steps. */
int tx_role_protected(xp_role r);

/* ------------------------------------------------------------ frames (txu_frame.c) */

/* Replaces column j by an empty (all missing) column of `type` with the same name and role,
 * at the same position. Read what you need from the old column before calling: it is freed.
 * Returns the new column, or NULL after xp_fail(XP_ENOMEM). */
xp_column *tx_col_swap(xp_ctx *ctx, xp_frame *f, size_t j, xp_col_type type);
/* Number of missing entries of column c. */
size_t tx_col_missing(const xp_column *c, size_t n_rows);
/* 1 if row i of c is missing. */
int tx_col_is_missing(const xp_column *c, size_t i);
/* Shortest text that reads back as v ("4", "-2", "0.5", "1e+20"); buf of >= 32 bytes. */
const char *tx_num_text(double v, char *buf, size_t n);

/* ------------------------------------------------------------ statistics (txu_stats.c) */

/* The non-missing values of a numeric column, sorted ascending. */
typedef struct tx_sorted {
    double *v;
    size_t n;           /* non-missing values */
    size_t n_missing;   /* NaN entries skipped */
} tx_sorted;

int tx_sorted_make(const double *x, size_t n_rows, tx_sorted *out);   /* XP_OK / XP_ENOMEM */
void tx_sorted_free(tx_sorted *s);
size_t tx_sorted_distinct(const tx_sorted *s);
/* Count of the most frequent value (ties: the smallest value); *value set to it. 0 if empty. */
size_t tx_sorted_top(const tx_sorted *s, double *value);
/* Quantile q in [0,1] of sorted data, linear interpolation between order statistics (the
 * default of numpy.quantile and pandas). NaN if n == 0. */
double tx_quantile(const double *sorted, size_t n, double q);

/* Present values, distinct values and the most frequent value of any column type (ties: the
 * first in sort order). top_text is borrowed from the column (categorical, text). */
typedef struct tx_counts {
    size_t present, distinct, top_count;
    double top_num;              /* numeric, bool */
    const char *top_text;        /* categorical, text */
} tx_counts;
int tx_col_counts(const xp_column *c, size_t n_rows, tx_counts *out);   /* XP_OK / XP_ENOMEM */

/* Mean, population standard deviation and sample skewness (g1 = m3 / m2^1.5) of the
 * non-missing values of x. All NaN when there are none; skew NaN when std is 0. */
typedef struct tx_moments {
    size_t n;
    double mean, std, skew, min, max;
} tx_moments;
void tx_moments_of(const double *x, size_t n_rows, tx_moments *m);

/* Pearson correlation of x and y over the rows where both are present (pairwise-complete).
 * mx, my: any values near the means (e.g. whole-column means), subtracted before summing so
 * heavy-tailed columns (1e10) keep their precision. Returns NaN if fewer than 2 rows or a
 * constant side; *n_used gets the number of rows used. */
double tx_pearson(const double *x, const double *y, size_t n_rows, double mx, double my,
                  size_t *n_used);

/* Placeholder-code detection, shared by `profile` and `placeholders` so both report the same.
 *
 * A value v of a numeric column is a placeholder code when:
 *   - v is a negative integer with min_code <= v <= -1,
 *   - v covers >= min_share of the non-missing values,
 *   - there are at most max_codes such values (a column with many frequent negative
 *     integers, e.g. -10..10, is signed data),
 *   - v is at least min_ratio times as frequent as the average other value (a code is a
 *     spike: -5 at 70% against 1, 4, 7, ... at 0.15% each; in a uniform -3..3 column -3
 *     is as common as 2, so it is data),
 *   - the other values R (all values that are not such frequent negative integers) have at
 *     least min_other_distinct distinct values (a column made only of codes, such as a
 *     {-5, -2} flag, is data, not missing), and
 *   - v is an outlier relative to R: v < min(R) (e.g. -5, -2 below counts 1, 4, 7, ...), or
 *     R is continuous (at least half of R is non-integer), where a point mass at a negative
 *     integer can only be a code. */
typedef struct tx_ph_rule {
    double min_share;            /* default 0.01 */
    double min_code;             /* default -99 */
    double min_other_distinct;   /* default 3 */
    double max_codes;            /* default 4 */
    double min_ratio;            /* default 5 */
} tx_ph_rule;

typedef struct tx_ph_code {
    double value;
    double share;                /* of non-missing values */
    size_t count;
} tx_ph_code;

void tx_ph_rule_default(tx_ph_rule *r);
/* Reads min_share, min_code, max_codes, min_ratio and min_other_distinct from map (all
 * optional). */
int tx_ph_rule_read(xp_ctx *ctx, const xp_cfg *map, tx_ph_rule *r);
/* Writes up to max codes (ascending) into out; returns how many were found. */
size_t tx_ph_detect(const tx_sorted *s, const tx_ph_rule *r, tx_ph_code *out, size_t max);

/* ------------------------------------------------------------ log lines (txu_line.c) */

/* A bounded list for one log line: "a, b, c (+12 more)". Items that do not fit are counted. */
typedef struct tx_line {
    char s[768];
    size_t len;
    size_t items, dropped;
} tx_line;

void tx_line_init(tx_line *l);
void tx_line_add(tx_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text, with " (+N more)" appended when items were dropped. */
const char *tx_line_text(tx_line *l);

#endif
