/* plugins/models/xgboost/xgb.h — internal interfaces shared by the xgboost model plugin's files.
 *
 *     xgb_config cfg;  xgb_config_read(ctx, params, &cfg);         // config.c
 *     xgb_data *d;     xgb_data_build(ctx, frame, NULL, 2, &d);     // data.c
 *     xgb_logscope ls; xgb_log_begin(&ls, ctx, cfg.verbosity);     // log.c
 *     if (XGBoosterUpdateOneIter(b, 0, d->dm)) rc = xgb_fail(ctx, "update");
 *     xgb_log_end(&ls);
 *
 * Nothing here is exported from the .so (hidden visibility); only xp_plugin_entry is.
 */
#ifndef XP_PLUGIN_XGB_H
#define XP_PLUGIN_XGB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <xgboost/c_api.h>
#include <xp/xp.h>

/* ------------------------------------------------------------------ config (config.c) */

typedef struct xgb_param {
    char *key;        /* XGBoost parameter name, verbatim from the config */
    char *value;      /* its scalar text */
    char *where;      /* "file:line:col (model.params.key)" for messages */
} xgb_param;

typedef struct xgb_mono {
    char *column;     /* feature name */
    int dir;          /* -1, 0, +1 */
    char *where;
} xgb_mono;

typedef struct xgb_config {
    xgb_param *params;          /* model.params, in file order; null values skipped */
    size_t n_params;
    int64_t num_boost_round;    /* default 100 */
    int64_t early_stopping_rounds; /* 0 = off */
    int64_t min_columns_per_tree;  /* colsample_* never leave fewer (colsample.c); 1 = off */
    int64_t linear_start;       /* boost from a line on at most this many columns; 0 = off */
    char *eval_metric;          /* NULL = objective's default */
    xgb_mono *mono;
    size_t n_mono;
    int threads;                /* resolved: > 0 */
    int64_t seed;               /* resolved */
    int verbosity;              /* user's XGBoost verbosity (default 1); filters forwarded logs */
    const char *tree_method;    /* effective tree method (points into params or a literal) */
    int user_nthread;           /* params has nthread / n_jobs */
    int user_seed;              /* params has seed / random_state */
    int user_tree_method;
} xgb_config;

/* Reads and checks the model's config node; every key read is marked used. */
int xgb_config_read(xp_ctx *ctx, const xp_cfg *node, xgb_config *c);
void xgb_config_free(xgb_config *c);

/* ------------------------------------------------------------------ colsample.c */

/* XGBoost keeps max(1, (int)(rate * n)) of n columns at each colsample_* stage (bytree, then
 * bylevel of those, then bynode of those). The rates a trial asks for, raised where a stage
 * would keep fewer than min(k, columns there): on a 3-column table a rate below 2/3 means
 * one column per tree, an additive model, not the mild sampling the rate reads as. k is
 * min_columns_per_tree (default 3). */
typedef struct xgb_colsample {
    double rate[3];             /* bytree, bylevel, bynode, as asked (1 when not set) */
    double used[3];             /* as passed to XGBoost */
    size_t kept[3];             /* columns each stage keeps with `used` */
    size_t kept_asked;          /* columns a split would choose among with `rate` */
    int raised;                 /* some used[i] > rate[i] */
} xgb_colsample;

extern const char *const xgb_colsample_keys[3];
/* 0, or -1 when a colsample_* value in c->params is not a number (XGBoost then reports it). */
int xgb_colsample_plan(const xgb_config *c, size_t n_features, xgb_colsample *out);

/* ------------------------------------------------------------------ data (data.c) */

/* The model's inputs: which columns, in which order, and for categoricals which levels the
 * codes refer to (so a frame coded differently can be remapped by level text). */
typedef struct xgb_schema {
    size_t n;
    char **names;
    int *is_cat;
    char ***levels;             /* per feature; NULL for numeric */
    size_t *n_levels;
    /* 1: the column's zeros go to XGBoost as absent entries (data.c, "sparse columns"). Decided
     * on the training frame, kept with the model, applied to every frame built for it. */
    unsigned char *zero_absent;
} xgb_schema;

void xgb_schema_free(xgb_schema *s);
int xgb_schema_copy(const xgb_schema *src, xgb_schema *dst);       /* 0 or XP_ENOMEM */
/* 1 when a matrix built for `a` can be fed to a model trained on `b` as is. */
int xgb_schema_same(const xgb_schema *a, const xgb_schema *b);

typedef struct xgb_data {
    DMatrixHandle dm;
    size_t n_rows;
    xgb_schema schema;
    char *target;               /* target column name, NULL if the frame has none */
    size_t n_bad_target;        /* rows whose target is NaN or infinite (labels then unset) */
    char *weight;               /* weight column name, NULL if none */
    size_t n_bad_weight;        /* rows whose weight is NaN, infinite or negative (then unset) */
    /* Which linear start the matrix carries as base_margin (linear_start.c): decided once,
     * under the lock, by the first fit or predict that uses it; 0 = none. */
    pthread_mutex_t lock;
    int margin_decided;
    uint64_t margin_key;
    /* The line fitted on this (training) matrix's frame, kept for the next trial's fit on the
     * same fold: the same rows give the same line. NULL until then. */
    struct xgb_linear *line_cache;
    int64_t line_cache_k;
    /* The same rows carrying the other start (a search with trials both ways), built once by
     * the first fit that needs it; freed with this matrix. NULL until then. */
    struct xgb_data *twin;
} xgb_data;

/* Builds a DMatrix from f. want == NULL: features are f's FEATURE columns in frame order.
 * Otherwise columns are looked up by want's names and categorical codes are remapped to
 * want's levels (unseen levels become missing, with a warning). */
int xgb_data_build(xp_ctx *ctx, const xp_frame *f, const xgb_schema *want, int threads,
                   xgb_data **out);
void xgb_data_free(xgb_data *d);

/* ------------------------------------------------------------------ linear_start.c */

/* One column of the line: coef * (f(x) - center) / scale, f = log1p or identity, x clamped to
 * the training range [lo, hi]; a missing x adds missing_coef, and with zero_level (a log1p
 * column with zeros) an x of 0 adds zero_coef. feature indexes the model's schema. */
typedef struct xgb_linear_term {
    size_t feature;
    int log1p, zero_level;
    double center, scale, coef, lo, hi, zero_coef, missing_coef;
} xgb_linear_term;

typedef struct xgb_linear {
    double intercept;
    size_t n;                   /* terms; 0: the start is the (weighted) mean target */
    xgb_linear_term *terms;
    double r2;                  /* on the training rows (fit only; 0 after decode) */
    uint64_t key;               /* identifies the line (never 0) */
} xgb_linear;

/* Fits the line on the training frame (its target and weight columns) over the numeric
 * features of s, at most max_terms of them. */
int xgb_linear_fit(xp_ctx *ctx, const xp_frame *train, const xgb_schema *s, int64_t max_terms,
                   xgb_linear *out);
/* The line for training matrix tr (built from frame train): fitted once per matrix and
 * max_terms, then copied from its cache. */
int xgb_linear_for(xp_ctx *ctx, xgb_data *tr, const xp_frame *train, const xgb_schema *s,
                   int64_t max_terms, xgb_linear *out);
/* out[i] = the line at row i of f (columns found by name). */
int xgb_linear_margin(xp_ctx *ctx, const xgb_linear *l, const xgb_schema *s, const xp_frame *f,
                      double *out);
/* The matrix to train or evaluate on: d when it carries line l (NULL: none) or can be made to,
 * else a private copy built from f (*own, freed by the caller). */
int xgb_data_for(xp_ctx *ctx, xgb_data *d, const xp_frame *f, const xgb_schema *s,
                 const xgb_linear *l, int threads, xgb_data **use, xgb_data **own);
/* d or its twin when it carries line `key` (0: none), else NULL; an undecided d is decided
 * "none" (predict never sets a margin on a shared matrix). */
xgb_data *xgb_data_carrying(xgb_data *d, uint64_t key);
char *xgb_linear_encode(const xgb_linear *l);                          /* malloc'd; NULL = ENOMEM */
int xgb_linear_decode(const char *s, size_t n_features, xgb_linear *out);  /* 0 or -1 */
void xgb_linear_free(xgb_linear *l);

/* ------------------------------------------------------------------ logs and errors (log.c) */

/* While a scope is open on this thread, XGBoost's log lines go to the host log (filtered by
 * the user's verbosity) and "Parameters: { ... } are not used" warnings are captured. */
typedef struct xgb_logscope {
    xp_ctx *ctx;
    int verbosity;
    char unused[1024];          /* captured unused parameter names, "a, b" */
    struct xgb_logscope *prev;
} xgb_logscope;

void xgb_log_begin(xgb_logscope *s, xp_ctx *ctx, int verbosity);
void xgb_log_end(xgb_logscope *s);

/* xp_fail(ctx, XP_EMODEL, "xgboost: <what>: <XGBGetLastError without stack trace>"). */
int xgb_fail(xp_ctx *ctx, const char *what);

/* Small helpers. */
char *xgb_strdup(const char *s);

#endif
