/* plugins/models/xgboost/data.c — turns an xp_frame into an XGBoost DMatrix.
 *
 *     xgb_data *d;
 *     if (xgb_data_build(ctx, frame, NULL, threads, &d) == XP_OK) { ... d->dm ...; xgb_data_free(d); }
 *
 * Features are the FEATURE columns in frame order: numeric and bool as float with NaN for
 * missing, categorical as their codes (NaN for -1) with feature_type "c" so XGBoost's hist /
 * approx methods split on them natively. Text columns are skipped with a warning.
 * Labels and weights are attached only when valid: a prepared matrix is also used for test
 * data whose target is unknown, so bad targets are reported at fit time, not here.
 * With a `want` schema (a trained model's), columns are found by name and category codes are
 * translated by level text, so a frame read from another file still means the same thing.
 *
 * Sparse columns: a numeric or bool column of whole numbers with no missing value and at
 * least XGB_ZERO_ABSENT_SHARE zeros in the training frame (a word's count, an indicator)
 * passes its zeros as absent entries. A tree can split it the same ways (absent has a learned
 * direction, and no true missing value shares it; whole numbers get the same histogram cuts
 * either way), and XGBoost's hist builds its histograms from the present entries only: on
 * Vega's zipcodes.csv (42k rows, 512 word-count columns) a trial took a third of the time for
 * the same CV. The sums come in another order, so a near-tie between two splits can go the
 * other way (Vega's films, seed 1: test RMSLE 1.44816 -> 1.44817; step 1: the same to the
 * digit). Fractional columns stay dense: there the cuts, and so the model, would change.
 * Frames built for the model later follow the training decision (a missing value there joins
 * the zeros' side).
 */
#include "xgb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define XGB_ZERO_ABSENT_SHARE 0.8

void xgb_schema_free(xgb_schema *s)
{
    if (!s) return;
    for (size_t j = 0; j < s->n; j++) {
        if (s->names) free(s->names[j]);
        if (s->levels && s->levels[j]) {
            for (size_t k = 0; k < s->n_levels[j]; k++) free(s->levels[j][k]);
            free(s->levels[j]);
        }
    }
    free(s->names);
    free(s->is_cat);
    free(s->levels);
    free(s->n_levels);
    free(s->zero_absent);
    memset(s, 0, sizeof *s);
}

static int schema_alloc(xgb_schema *s, size_t n)
{
    memset(s, 0, sizeof *s);
    size_t m = n ? n : 1;
    s->names = calloc(m, sizeof *s->names);
    s->is_cat = calloc(m, sizeof *s->is_cat);
    s->levels = calloc(m, sizeof *s->levels);
    s->n_levels = calloc(m, sizeof *s->n_levels);
    s->zero_absent = calloc(m, sizeof *s->zero_absent);
    if (!s->names || !s->is_cat || !s->levels || !s->n_levels || !s->zero_absent) {
        xgb_schema_free(s);
        return XP_ENOMEM;
    }
    s->n = n;
    return XP_OK;
}

static int copy_levels(char *const *src, size_t n, char ***dst)
{
    *dst = calloc(n ? n : 1, sizeof **dst);
    if (!*dst) return XP_ENOMEM;
    for (size_t k = 0; k < n; k++)
        if (!((*dst)[k] = xgb_strdup(src[k] ? src[k] : ""))) return XP_ENOMEM;
    return XP_OK;
}

int xgb_schema_copy(const xgb_schema *src, xgb_schema *dst)
{
    if (schema_alloc(dst, src->n)) return XP_ENOMEM;
    for (size_t j = 0; j < src->n; j++) {
        dst->is_cat[j] = src->is_cat[j];
        dst->zero_absent[j] = src->zero_absent[j];
        if (!(dst->names[j] = xgb_strdup(src->names[j]))) goto nomem;
        if (src->is_cat[j]) {
            dst->n_levels[j] = src->n_levels[j];
            if (copy_levels(src->levels[j], src->n_levels[j], &dst->levels[j])) goto nomem;
        }
    }
    return XP_OK;
nomem:
    xgb_schema_free(dst);
    return XP_ENOMEM;
}

int xgb_schema_same(const xgb_schema *a, const xgb_schema *b)
{
    if (a->n != b->n) return 0;
    for (size_t j = 0; j < a->n; j++) {
        if (strcmp(a->names[j], b->names[j]) != 0 || a->is_cat[j] != b->is_cat[j] ||
            a->zero_absent[j] != b->zero_absent[j])
            return 0;
        if (!a->is_cat[j]) continue;
        if (a->n_levels[j] != b->n_levels[j]) return 0;
        for (size_t k = 0; k < a->n_levels[j]; k++)
            if (strcmp(a->levels[j][k], b->levels[j][k]) != 0) return 0;
    }
    return 1;
}

void xgb_data_free(xgb_data *d)
{
    if (!d) return;
    if (d->dm) XGDMatrixFree(d->dm);
    pthread_mutex_destroy(&d->lock);
    if (d->line_cache) { xgb_linear_free(d->line_cache); free(d->line_cache); }
    xgb_data_free(d->twin);
    xgb_schema_free(&d->schema);
    free(d->target);
    free(d->weight);
    free(d);
}

/* Schema of f's own FEATURE columns; cols[j] receives the frame column of feature j. */
static int schema_from_frame(xp_ctx *ctx, const xp_frame *f, xgb_schema *s, const xp_column ***cols)
{
    size_t n = 0, n_text = 0;
    char skipped[512] = "";
    for (size_t j = 0; j < f->n_cols; j++) {
        const xp_column *c = f->cols[j];
        if (c->role != XP_ROLE_FEATURE) continue;
        if (c->type == XP_COL_TEXT || c->type == XP_COL_VECTOR) {
            size_t used = strlen(skipped);
            if (used + strlen(c->name) + 8 < sizeof skipped)
                snprintf(skipped + used, sizeof skipped - used, "%s%s", n_text ? ", " : "", c->name);
            n_text++;
            continue;
        }
        n++;
    }
    if (n_text)
        xp_log(ctx, XP_LOG_WARN, "xgboost: skipping %zu text or vector feature column(s) (%s%s): "
               "this model reads numeric, bool and categorical columns; encode text first and "
               "reduce vectors to numeric columns (e.g. a pca transform)", n_text, skipped,
               strlen(skipped) > 500 ? ", ..." : "");
    if (schema_alloc(s, n)) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    *cols = calloc(n ? n : 1, sizeof **cols);
    if (!*cols) goto nomem;
    size_t k = 0;
    for (size_t j = 0; j < f->n_cols; j++) {
        const xp_column *c = f->cols[j];
        if (c->role != XP_ROLE_FEATURE || c->type == XP_COL_TEXT || c->type == XP_COL_VECTOR) continue;
        (*cols)[k] = c;
        if (!(s->names[k] = xgb_strdup(c->name))) goto nomem;
        if (c->type == XP_COL_CATEGORICAL) {
            s->is_cat[k] = 1;
            s->n_levels[k] = c->n_levels;
            if (copy_levels(c->levels, c->n_levels, &s->levels[k])) goto nomem;
        }
        k++;
    }
    return XP_OK;
nomem:
    free(*cols);
    *cols = NULL;
    xgb_schema_free(s);
    return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
}

/* Level text -> code lookup by binary search over a sorted copy. */
typedef struct { const char *s; size_t i; } level_ref;
static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const level_ref *)a)->s, ((const level_ref *)b)->s);
}

/* map[k] = code in `want` of the frame level k, or -1 when the model never saw it. */
static int level_map(const xp_column *c, char *const *want, size_t n_want, int32_t **map)
{
    *map = malloc((c->n_levels ? c->n_levels : 1) * sizeof **map);
    level_ref *refs = malloc((n_want ? n_want : 1) * sizeof *refs);
    if (!*map || !refs) { free(*map); free(refs); *map = NULL; return XP_ENOMEM; }
    for (size_t k = 0; k < n_want; k++) refs[k] = (level_ref){ want[k], k };
    qsort(refs, n_want, sizeof *refs, cmp_ref);
    for (size_t k = 0; k < c->n_levels; k++) {
        level_ref key = { c->levels[k] ? c->levels[k] : "", 0 };
        level_ref *hit = n_want ? bsearch(&key, refs, n_want, sizeof *refs, cmp_ref) : NULL;
        (*map)[k] = hit ? (int32_t)hit->i : -1;
    }
    free(refs);
    return XP_OK;
}

/* Columns of f for each feature of `want`, checking presence and kind. */
static int resolve_columns(xp_ctx *ctx, const xp_frame *f, const xgb_schema *want,
                           const xp_column ***cols)
{
    *cols = calloc(want->n ? want->n : 1, sizeof **cols);
    if (!*cols) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    char missing[512] = "";
    size_t n_missing = 0;
    for (size_t j = 0; j < want->n; j++) {
        const xp_column *c = ctx->host->frame_find(f, want->names[j]);
        if (!c) {
            size_t used = strlen(missing);
            if (used + strlen(want->names[j]) + 8 < sizeof missing)
                snprintf(missing + used, sizeof missing - used, "%s%s", n_missing ? ", " : "",
                         want->names[j]);
            n_missing++;
            continue;
        }
        int cat = c->type == XP_COL_CATEGORICAL;
        if (c->type == XP_COL_TEXT || c->type == XP_COL_VECTOR || cat != want->is_cat[j]) {
            int rc = xp_fail(ctx, XP_EINVAL,
                             "xgboost: column %s is %s here but was %s when the model was trained",
                             c->name, xp_col_type_name(c->type),
                             want->is_cat[j] ? "categorical" : "numeric");
            free(*cols);
            *cols = NULL;
            return rc;
        }
        (*cols)[j] = c;
    }
    if (n_missing) {
        free(*cols);
        *cols = NULL;
        return xp_fail(ctx, XP_ENOTFOUND, "xgboost: %zu model feature(s) missing from the data: %s%s",
                       n_missing, missing, strlen(missing) > 500 ? ", ..." : "");
    }
    return XP_OK;
}

static int set_float_info(xp_ctx *ctx, DMatrixHandle dm, const char *field, const double *v,
                          size_t n)
{
    float *buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    for (size_t i = 0; i < n; i++) buf[i] = (float)v[i];
    int rc = XGDMatrixSetFloatInfo(dm, field, buf, (bst_ulong)n) ? xgb_fail(ctx, field) : XP_OK;
    free(buf);
    return rc;
}

/* Attaches target and weight when they are usable, recording how many rows are not. */
static int set_meta(xp_ctx *ctx, const xp_frame *f, xgb_data *d)
{
    const xp_column *target = NULL, *weight = NULL;
    for (size_t j = 0; j < f->n_cols; j++) {
        if (f->cols[j]->role == XP_ROLE_TARGET && !target) target = f->cols[j];
        if (f->cols[j]->role == XP_ROLE_WEIGHT && !weight) weight = f->cols[j];
    }
    if (target) {
        if (target->type != XP_COL_NUMERIC && target->type != XP_COL_BOOL)
            return xp_fail(ctx, XP_EINVAL, "xgboost: target column %s is %s; a regression target "
                           "must be numeric", target->name, xp_col_type_name(target->type));
        if (!(d->target = xgb_strdup(target->name))) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
        for (size_t i = 0; i < f->n_rows; i++)
            if (!isfinite(target->num[i]) || fabs(target->num[i]) > 3.0e38) d->n_bad_target++;
        if (d->n_bad_target == 0 && f->n_rows > 0) {
            int rc = set_float_info(ctx, d->dm, "label", target->num, f->n_rows);
            if (rc) return rc;
        }
    }
    if (weight) {
        if (weight->type != XP_COL_NUMERIC && weight->type != XP_COL_BOOL)
            return xp_fail(ctx, XP_EINVAL, "xgboost: weight column %s is %s; weights must be numeric",
                           weight->name, xp_col_type_name(weight->type));
        if (!(d->weight = xgb_strdup(weight->name))) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
        for (size_t i = 0; i < f->n_rows; i++)
            if (!isfinite(weight->num[i]) || weight->num[i] < 0 || weight->num[i] > 3.0e38)
                d->n_bad_weight++;
        if (d->n_bad_weight == 0 && f->n_rows > 0) {
            int rc = set_float_info(ctx, d->dm, "weight", weight->num, f->n_rows);
            if (rc) return rc;
        }
    }
    return XP_OK;
}

static int set_feature_info(xp_ctx *ctx, DMatrixHandle dm, const xgb_schema *s,
                            const xp_column *const *cols)
{
    if (s->n == 0) return XP_OK;
    const char **types = malloc(s->n * sizeof *types);
    if (!types) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    for (size_t j = 0; j < s->n; j++)
        types[j] = s->is_cat[j] ? "c" : cols[j]->type == XP_COL_BOOL ? "i" : "q";
    int rc = XP_OK;
    if (XGDMatrixSetStrFeatureInfo(dm, "feature_name", (const char **)s->names, (bst_ulong)s->n))
        rc = xgb_fail(ctx, "setting feature names");
    else if (XGDMatrixSetStrFeatureInfo(dm, "feature_type", types, (bst_ulong)s->n))
        rc = xgb_fail(ctx, "setting feature types");
    free(types);
    return rc;
}

int xgb_data_build(xp_ctx *ctx, const xp_frame *f, const xgb_schema *want, int threads,
                   xgb_data **out)
{
    *out = NULL;
    xgb_data *d = calloc(1, sizeof *d);
    if (!d) return xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
    if (pthread_mutex_init(&d->lock, NULL)) {
        free(d);
        return xp_fail(ctx, XP_ENOMEM, "xgboost: cannot create a lock");
    }
    d->n_rows = f->n_rows;
    const xp_column **cols = NULL;
    float *X = NULL;
    int32_t **maps = NULL;
    int rc;

    if (want) {
        if ((rc = resolve_columns(ctx, f, want, &cols))) goto done;
        if (xgb_schema_copy(want, &d->schema)) { rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory"); goto done; }
    } else if ((rc = schema_from_frame(ctx, f, &d->schema, &cols))) {
        goto done;
    }
    size_t p = d->schema.n, n = f->n_rows;
    if (p == 0) {
        rc = xp_fail(ctx, XP_EINVAL, "xgboost: the frame has no usable feature columns "
                     "(role feature, type numeric, bool or categorical)");
        goto done;
    }
    if (n > 0 && p > SIZE_MAX / sizeof(float) / n) {
        rc = xp_fail(ctx, XP_ENOMEM, "xgboost: %zu x %zu matrix is too large", n, p);
        goto done;
    }

    /* Category translation only when the frame's coding differs from the wanted one. */
    size_t n_unseen = 0;
    const char *unseen_col = NULL;
    if (want) {
        maps = calloc(p, sizeof *maps);
        if (!maps) { rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory"); goto done; }
        for (size_t j = 0; j < p; j++) {
            if (!want->is_cat[j]) continue;
            const xp_column *c = cols[j];
            int same = c->n_levels == want->n_levels[j];
            for (size_t k = 0; same && k < c->n_levels; k++)
                same = strcmp(c->levels[k] ? c->levels[k] : "", want->levels[j][k]) == 0;
            if (same) continue;
            if (level_map(c, want->levels[j], want->n_levels[j], &maps[j])) {
                rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory");
                goto done;
            }
        }
    }

    X = malloc((n ? n : 1) * p * sizeof *X);
    if (!X) { rc = xp_fail(ctx, XP_ENOMEM, "xgboost: out of memory (%zu x %zu floats)", n, p); goto done; }
    size_t n_inf = 0;
    const char *inf_col = NULL;
    for (size_t j = 0; j < p; j++) {
        const xp_column *c = cols[j];
        if (c->type == XP_COL_CATEGORICAL) {
            const int32_t *map = maps ? maps[j] : NULL;
            for (size_t i = 0; i < n; i++) {
                int32_t code = c->codes[i];
                if (code >= 0 && (size_t)code >= c->n_levels) code = -1;   /* corrupt: missing */
                if (map && code >= 0) {
                    int32_t m = map[code];
                    if (m < 0) { n_unseen++; unseen_col = c->name; }
                    code = m;
                }
                X[i * p + j] = code < 0 ? NAN : (float)code;
            }
        } else {
            size_t n_zero = 0, n_nan = 0, n_frac = 0;
            for (size_t i = 0; i < n; i++) {
                double v = c->num[i];
                /* XGBoost rejects infinities; float overflow would make them. */
                if (isinf(v) || (isfinite(v) && fabs(v) > 3.0e38)) { n_inf++; inf_col = c->name; v = NAN; }
                X[i * p + j] = (float)v;
                n_zero += v == 0.0;
                n_nan += isnan(v);
                n_frac += !isnan(v) && (v != floor(v) || fabs(v) > 16777216.0);
            }
            if (!want)
                d->schema.zero_absent[j] = n > 0 && n_nan == 0 && n_frac == 0 &&
                                           (double)n_zero >= XGB_ZERO_ABSENT_SHARE * (double)n;
            if (d->schema.zero_absent[j])
                for (size_t i = 0; i < n; i++)
                    if (X[i * p + j] == 0.0f) X[i * p + j] = NAN;
        }
    }
    if (n_unseen)
        xp_log(ctx, XP_LOG_WARN, "xgboost: %zu categorical value(s) not seen in training (e.g. in "
               "column %s) are treated as missing", n_unseen, unseen_col);
    if (n_inf)
        xp_log(ctx, XP_LOG_WARN, "xgboost: %zu infinite or out-of-float-range value(s) (e.g. in "
               "column %s) are treated as missing", n_inf, inf_col);

    if (XGDMatrixCreateFromMat_omp(X, (bst_ulong)n, (bst_ulong)p, NAN, &d->dm, threads)) {
        d->dm = NULL;
        rc = xgb_fail(ctx, "creating the DMatrix");
        goto done;
    }
    if ((rc = set_feature_info(ctx, d->dm, &d->schema, cols))) goto done;
    rc = set_meta(ctx, f, d);

done:
    free(X);
    if (maps) {
        for (size_t j = 0; j < d->schema.n; j++) free(maps[j]);
        free(maps);
    }
    free(cols);
    if (rc) xgb_data_free(d);
    else *out = d;
    return rc;
}
