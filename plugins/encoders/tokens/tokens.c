/* tokens.c — encoder `tokens`: a text column -> fixed-length token-id sequences, the input of
 * a trainable text tower (the fusion model embeds and trains them end to end).
 *
 *     runner plugins --help tokens       # its options, as the plugin documents them
 *
 * The tokeniser is text_glove's (../text_glove/tokenize.h), so a vocabulary word can be looked
 * up in GloVe to initialise the tower's embedding. The vocabulary is fitted on the training
 * rows (counts over rows: an item listed 10 times counts 10 times; ties broken by byte order).
 * The output is a VECTOR column of width max_len whose floats are token ids: 0 = padding,
 * 1 = unknown word, 2.. = vocabulary words by falling frequency. The column's levels name the
 * ids (levels[0] = "<pad>", levels[1] = "<unk>", levels[k] = the word of id k), so a model can
 * build its embedding table from them. One vector per distinct text; a missing text, or one
 * with no word at all, gets none (vec_row -1).
 *
 * With `as: counts` (or `binary`) the output is instead one NUMERIC column per vocabulary word,
 * named <prefix><word>, holding the word's count in the text (or 1 when it occurs): a bag of
 * words that trees split on directly, where a handful of principal components of averaged
 * word vectors blur which word was there. A missing text is missing (NaN) in every column; a
 * word the text lacks is 0, or missing with `absent: missing`: a text has a few of the
 * vocabulary's words, so the columns are then mostly empty and XGBoost, which skips missing
 * entries when it builds its histograms, pays for the words present only (a tree splits
 * "present" from "absent" either way). The columns depend on the fitted vocabulary, so
 * the config check cannot know their names. `all_text: true` (counts / binary) instead of
 * `column:` encodes every TEXT feature column of the training rows, each with a vocabulary
 * and <column>_ prefix of its own: a generic config names no column (configs/tabular.yaml).
 *
 * fit() records (kind "tokens") and logs the vocabulary size, the training tokens and their
 * unknown share (words cut by min_count / max_vocab), the texts longer than max_len and the
 * longest text; apply() logs the unknown share of the frame it encodes at debug level.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "tokenize.h"
#include "xp/xp.h"

#define MAX_PARTS 16

typedef struct word {
    char *text;
    size_t count;
    int32_t id;                  /* vocabulary id (>= 2), or 1 when cut */
} word;

enum { AS_IDS = 0, AS_COUNTS = 1, AS_BINARY = 2 };
static const char *const as_names[] = { "ids", "counts", "binary" };   /* by AS_* */
static const char *const absent_names[] = { "zero", "missing" };       /* by state.absent_missing */

/* One text column's fitted vocabulary. */
typedef struct vocab {
    char *column;                /* the TEXT column */
    char out[256];               /* ids: the VECTOR column; counts / binary: the name prefix */
    char **words;                /* id - 2 -> word */
    size_t n;
    word *sorted;                /* vocabulary by text, for lookups */
} vocab;

typedef struct state {
    const char *column;          /* NULL with all_text */
    const char *given_out;       /* out: (ids) or prefix: (counts / binary), NULL: default */
    int all_text;                /* every TEXT feature column (counts / binary) */
    int as;                      /* AS_* */
    int absent_missing;          /* counts / binary: a word the text lacks is NaN, not 0 */
    int64_t max_len, min_count, max_vocab;
    int lowercase, split_hyphens;
    vocab *v;                    /* one per encoded column */
    size_t n_v;
    int fitted;
} state;

static void clear_vocab(state *s)
{
    for (size_t k = 0; k < s->n_v; k++) {
        vocab *v = &s->v[k];
        for (size_t i = 0; i < v->n; i++) free(v->words[i]);
        free(v->words);
        free(v->sorted);         /* texts are shared with words */
        free(v->column);
    }
    free(s->v);
    s->v = NULL;
    s->n_v = 0;
    s->fitted = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    clear_vocab(s);
    free(s);
}

/* The output name of one column: out:/prefix: when given, else <column>_tokens / <column>_. */
static int out_name(const state *s, const char *column, char *buf, size_t n)
{
    if (s->given_out) snprintf(buf, n, "%s", s->given_out);
    else snprintf(buf, n, s->as == AS_IDS ? "%s_tokens" : "%s_", column);
    return (s->as == AS_IDS && !*buf) || strlen(buf) >= 200;
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **outp)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->max_len = 16;
    s->min_count = 1;
    s->lowercase = 1;
    s->split_hyphens = 1;
    const char *out = NULL, *prefix = NULL;
    s->as = AS_IDS;
    int rc;
    if ((rc = xp_cfg_choice(ctx, cfg, "as", as_names, XP_COUNT(as_names), 0, &s->as)))
        goto fail;
    /* A column per word: a vocabulary of tokens-for-a-tower size would be 20,000 columns. */
    s->max_vocab = s->as == AS_IDS ? 20000 : 256;
    if ((rc = h->cfg_str(ctx, cfg, "column", 0, &s->column)) ||
        (rc = h->cfg_bool(ctx, cfg, "all_text", 0, &s->all_text)) ||
        (rc = h->cfg_str(ctx, cfg, "out", 0, &out)) ||
        (rc = h->cfg_str(ctx, cfg, "prefix", 0, &prefix)) ||
        (rc = xp_cfg_choice(ctx, cfg, "absent", absent_names,
                            XP_COUNT(absent_names), 0, &s->absent_missing)) ||
        (rc = h->cfg_int(ctx, cfg, "max_len", 0, &s->max_len)) ||
        (rc = h->cfg_int(ctx, cfg, "min_count", 0, &s->min_count)) ||
        (rc = h->cfg_int(ctx, cfg, "max_vocab", 0, &s->max_vocab)) ||
        (rc = h->cfg_bool(ctx, cfg, "lowercase", 0, &s->lowercase)) ||
        (rc = h->cfg_bool(ctx, cfg, "split_hyphens", 0, &s->split_hyphens)))
        goto fail;
    const char *bad = NULL, *key = NULL;
    if (s->max_len < 1 || s->max_len > 4096) { bad = "1..4096"; key = "max_len"; }
    else if (s->min_count < 1) { bad = ">= 1"; key = "min_count"; }
    else if (s->max_vocab < 0 || s->max_vocab > 16000000) { bad = "0..16000000 (0 = no limit)"; key = "max_vocab"; }
    if (bad) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: %s must be %s", h->cfg_where(h->cfg_get(cfg, key)), key, bad);
        goto fail;
    }
    if (!s->column == !s->all_text) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: tokens needs `column: NAME` or `all_text: true` (one of the two)",
                     cfg ? h->cfg_where(cfg) : "tokens");
        goto fail;
    }
    const char *wrong = s->as == AS_IDS ? (prefix ? "prefix" : h->cfg_get(cfg, "absent") ? "absent" : NULL)
                                        : (out ? "out" : NULL);
    if (wrong) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: %s applies to %s only (this one has as: %s)",
                     h->cfg_where(h->cfg_get(cfg, wrong)), wrong,
                     s->as == AS_IDS ? "as: counts / binary" : "as: ids (word columns are named by prefix:)",
                     as_names[s->as]);
        goto fail;
    }
    /* ids make one VECTOR column, which a second text column would need a name for; word
     * columns of several text columns would share one prefix. */
    if (s->all_text && (s->as == AS_IDS || prefix)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: all_text: true takes as: counts or binary, without prefix: "
                     "(each column's words are named <column>_<word>)",
                     h->cfg_where(h->cfg_get(cfg, s->as == AS_IDS ? "all_text" : "prefix")));
        goto fail;
    }
    s->given_out = s->as == AS_IDS ? out : prefix;
    char name[256];
    if (s->column && out_name(s, s->column, name, sizeof name)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: a column name of 1..199 bytes, got '%s'",
                     s->as == AS_IDS ? "out" : "prefix", name);
        goto fail;
    }
    if (s->column && XP_HOST_HAS(h, column_add) && h->column_ref && h->column_add) {   /* the config check */
        h->column_ref(ctx, h->cfg_get(cfg, "column"), s->column);
        if (s->as == AS_IDS) h->column_add(ctx, name);
    }
    *outp = s;
    return XP_OK;
fail:
    destroy(s);
    return rc;
}

/* Calls fn for each word of t (hyphenated words split when asked). */
typedef int (*word_fn)(const char *w, void *user);

static int words_of(const state *s, const char *t, word_fn fn, void *user)
{
    char tok[TK_MAX];
    int cut, rc;
    const char *p = t;
    while (tk_next(&p, s->lowercase, tok, sizeof tok, &cut) > 0) {
        if (s->split_hyphens && strchr(tok, '-')) {
            char *parts[MAX_PARTS];
            size_t np = tk_parts(tok, parts, MAX_PARTS);
            for (size_t i = 0; i < np; i++)
                if ((rc = fn(parts[i], user))) return rc;
        } else if ((rc = fn(tok, user))) {
            return rc;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ fit: counting */

typedef struct counter {
    word *w;                     /* open addressing, cap slots */
    size_t cap, n;
    size_t mult;                 /* rows showing the current text */
    size_t tokens, len, longest, over;
} counter;

static int count_word(const char *w, void *user)
{
    counter *c = user;
    if (2 * (c->n + 1) > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        word *nw = calloc(cap, sizeof *nw);
        if (!nw) return -1;
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->w[i].text) continue;
            size_t j = (size_t)tk_hash(c->w[i].text) & (cap - 1);
            while (nw[j].text) j = (j + 1) & (cap - 1);
            nw[j] = c->w[i];
        }
        free(c->w);
        c->w = nw;
        c->cap = cap;
    }
    size_t j = (size_t)tk_hash(w) & (c->cap - 1);
    while (c->w[j].text && strcmp(c->w[j].text, w) != 0) j = (j + 1) & (c->cap - 1);
    if (!c->w[j].text) {
        if (!(c->w[j].text = strdup(w))) return -1;
        c->n++;
    }
    c->w[j].count += c->mult;
    c->tokens += c->mult;
    c->len++;
    return 0;
}

static int by_count(const void *a, const void *b)
{
    const word *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

static int by_text(const void *a, const void *b)
{
    return strcmp(((const word *)a)->text, ((const word *)b)->text);
}

static int find_text(xp_ctx *ctx, const xp_frame *f, const char *name, const xp_column **out)
{
    const xp_column *c = ctx->host->frame_find(f, name);
    if (!c) return xp_fail(ctx, XP_ENOTFOUND, "tokens: no column '%s' in the frame", name);
    if (c->type != XP_COL_TEXT)
        return xp_fail(ctx, XP_EINVAL, "tokens: column '%s' is %s, not text", name, xp_col_type_name(c->type));
    *out = c;
    return XP_OK;
}

/* Fits one column's vocabulary into v (column and out already set) and records it. */
static int fit_column(xp_ctx *ctx, const state *s, const xp_column *col, size_t n_rows, vocab *v)
{
    int rc;
    tk_distinct d;
    if (tk_distinct_build(col, n_rows, &d)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    counter c = { 0 };
    size_t over_rows = 0;
    for (size_t k = 0; k < d.n; k++) {
        c.mult = d.rows[k];
        c.len = 0;
        if (words_of(s, d.text[k], count_word, &c)) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
        if (c.len > c.longest) c.longest = c.len;
        if (c.len > (size_t)s->max_len) over_rows += d.rows[k];
    }
    /* Compact, order by falling count, keep min_count / max_vocab. */
    size_t n = 0;
    for (size_t i = 0; i < c.cap; i++)
        if (c.w[i].text) c.w[n++] = c.w[i];
    for (size_t i = n; i < c.cap; i++) c.w[i].text = NULL;   /* moved down */
    if (n) qsort(c.w, n, sizeof *c.w, by_count);
    size_t keep = 0, kept_tokens = 0;
    while (keep < n && c.w[keep].count >= (size_t)s->min_count &&
           (s->max_vocab == 0 || keep < (size_t)s->max_vocab))
        kept_tokens += c.w[keep++].count;
    v->words = malloc((keep ? keep : 1) * sizeof *v->words);
    v->sorted = malloc((keep ? keep : 1) * sizeof *v->sorted);
    if (!v->words || !v->sorted) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < keep; i++) {
        v->words[i] = c.w[i].text;   /* moved: owned by the vocabulary now */
        c.w[i].text = NULL;
        v->sorted[i] = (word){ v->words[i], c.w[i].count, (int32_t)i + 2 };
    }
    v->n = keep;
    if (keep) qsort(v->sorted, keep, sizeof *v->sorted, by_text);

    double unk = c.tokens ? (double)(c.tokens - kept_tokens) / (double)c.tokens : 0.0;
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "column", v->column);
    json_out_kv_str(&j, "as", as_names[s->as]);
    json_out_kv_str(&j, "out", v->out);
    json_out_kv_int(&j, "rows", (int64_t)n_rows);
    json_out_kv_int(&j, "distinct", (int64_t)d.n);
    json_out_kv_int(&j, "words", (int64_t)n);
    json_out_kv_int(&j, "vocabulary", (int64_t)keep);
    json_out_kv_int(&j, "tokens", (int64_t)c.tokens);
    json_out_kv_fixed(&j, "unknown_share", unk, 6);
    json_out_kv_int(&j, "max_len", s->max_len);
    json_out_kv_int(&j, "rows_over_max_len", (int64_t)over_rows);
    json_out_kv_int(&j, "longest", (int64_t)c.longest);
    json_out_kv_int(&j, "min_count", s->min_count);
    json_out_kv_int(&j, "max_vocab", s->max_vocab);
    json_out_end(&j);
    /* A record the store refused fails the fit, as in every transform: no run ends without it. */
    if ((rc = json_out_record(ctx, &j, "tokens"))) goto out;
    if (s->as == AS_IDS)
        xp_log(ctx, XP_LOG_INFO, "tokens: %s -> %s: vocabulary %zu of %zu words (%.1f%% of %zu training "
               "tokens unknown), %zu rows longer than %lld (longest %zu)", v->column, v->out, keep, n,
               100 * unk, c.tokens, over_rows, (long long)s->max_len, c.longest);
    else   /* max_len does not apply: every word is counted */
        xp_log(ctx, XP_LOG_INFO, "tokens: %s -> %zu word columns %s*: vocabulary %zu of %zu words (%.1f%% "
               "of %zu training tokens outside it)", v->column, keep, v->out, keep, n, 100 * unk, c.tokens);
    rc = XP_OK;
out:
    for (size_t i = 0; i < c.cap; i++) free(c.w[i].text);
    free(c.w);
    tk_distinct_free(&d);
    return rc;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    int rc;
    clear_vocab(s);
    /* The columns: the one named, or every TEXT feature column (not one the user set to
     * ignore, e.g. an id, nor the group key). */
    size_t want = 0;
    for (size_t i = 0; i < train->n_cols; i++)
        want += s->all_text && train->cols[i]->type == XP_COL_TEXT && train->cols[i]->role == XP_ROLE_FEATURE;
    if (!s->all_text) want = 1;
    if (want && !(s->v = calloc(want, sizeof *s->v))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < train->n_cols && s->n_v < want; i++) {
        const xp_column *col = train->cols[i];
        if (s->all_text ? col->type != XP_COL_TEXT || col->role != XP_ROLE_FEATURE : strcmp(col->name, s->column))
            continue;
        if ((rc = find_text(ctx, train, col->name, &col))) return rc;
        vocab *v = &s->v[s->n_v++];
        if (!(v->column = strdup(col->name))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
        if (out_name(s, col->name, v->out, sizeof v->out))
            return xp_fail(ctx, XP_EINVAL, "tokens: the word columns of '%s' need a name of 1..199 bytes",
                           col->name);
        if ((rc = fit_column(ctx, s, col, train->n_rows, v))) return rc;
    }
    if (!s->all_text && !s->n_v) {
        const xp_column *col;
        return find_text(ctx, train, s->column, &col);   /* says why */
    }
    if (s->all_text && !s->n_v) xp_log(ctx, XP_LOG_INFO, "tokens: all_text: no text feature column, nothing to encode");
    s->fitted = 1;
    return XP_OK;
}

/* ------------------------------------------------------------ apply */

typedef struct seq {
    const state *s;
    const vocab *v;
    float *ids;
    size_t len, unk, total;
} seq;

static const word *lookup(const vocab *v, const char *w)
{
    word key = { (char *)w, 0, 0 };
    return v->n ? bsearch(&key, v->sorted, v->n, sizeof key, by_text) : NULL;
}

static int put_word(const char *w, void *user)
{
    seq *q = user;
    const word *hit = lookup(q->v, w);
    q->total++;
    if (!hit) q->unk++;
    if (q->len < (size_t)q->s->max_len) q->ids[q->len] = hit ? (float)hit->id : 1.0f;
    q->len++;
    return 0;
}

/* as: counts / binary — one NUMERIC column per vocabulary word. */
typedef struct bag {
    const vocab *v;
    double *count;               /* the vocabulary's counts of the current text */
} bag;

static int count_known(const char *w, void *user)
{
    bag *b = user;
    const word *hit = lookup(b->v, w);
    if (hit) b->count[hit->id - 2] += 1;
    return 0;
}

static int apply_bag(xp_ctx *ctx, const state *s, const vocab *v, const xp_column *col, xp_frame *f)
{
    const xp_host *h = ctx->host;
    size_t V = v->n;
    char name[512];
    for (size_t i = 0; i < V; i++) {   /* every name free before the frame changes */
        snprintf(name, sizeof name, "%s%s", v->out, v->words[i]);
        if (h->frame_find(f, name))
            return xp_fail(ctx, XP_EINVAL, "tokens: cannot add %s: a column of that name exists%s", name,
                           s->all_text ? "" : " (set prefix:)");
    }
    tk_distinct d;
    if (tk_distinct_build(col, f->n_rows, &d)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    int rc = XP_OK;
    double *counts = calloc((d.n ? d.n : 1) * (V ? V : 1), sizeof *counts);
    if (!counts) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
    for (size_t k = 0; k < d.n; k++) {
        bag b = { v, counts + k * V };
        words_of(s, d.text[k], count_known, &b);
        if (s->as == AS_BINARY)
            for (size_t i = 0; i < V; i++) b.count[i] = b.count[i] > 0;
        if (s->absent_missing)
            for (size_t i = 0; i < V; i++)
                if (b.count[i] == 0) b.count[i] = NAN;
    }
    for (size_t i = 0; i < V; i++) {
        snprintf(name, sizeof name, "%s%s", v->out, v->words[i]);
        xp_column *oc = h->frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE);
        if (!oc) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory adding %s", name); goto out; }
        for (size_t r = 0; r < f->n_rows; r++)
            oc->num[r] = d.of_row[r] < 0 ? NAN : counts[(size_t)d.of_row[r] * V + i];
    }
    xp_log(ctx, XP_LOG_DEBUG, "tokens: %zu rows, %zu distinct texts -> %zu word columns %s*", f->n_rows,
           d.n, V, v->out);
out:
    free(counts);
    tk_distinct_free(&d);
    return rc;
}

static int apply_ids(xp_ctx *ctx, const state *s, const vocab *v, const xp_column *col, xp_frame *f)
{
    const xp_host *h = ctx->host;
    int rc;
    if (h->frame_find(f, v->out))
        return xp_fail(ctx, XP_EINVAL, "tokens: cannot add %s: a column of that name exists", v->out);
    tk_distinct d;
    if (tk_distinct_build(col, f->n_rows, &d)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    size_t L = (size_t)s->max_len;
    float *ids = calloc((d.n ? d.n : 1) * L, sizeof *ids);
    int32_t *slot = malloc((d.n ? d.n : 1) * sizeof *slot);
    if (!ids || !slot) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
    size_t n_vec = 0, unk = 0, total = 0;
    for (size_t k = 0; k < d.n; k++) {
        seq q = { s, v, ids + n_vec * L, 0, 0, 0 };
        words_of(s, d.text[k], put_word, &q);
        unk += q.unk * d.rows[k];
        total += q.total * d.rows[k];
        if (q.len == 0) { slot[k] = -1; continue; }
        slot[k] = (int32_t)n_vec++;
    }
    xp_column *oc = h->frame_add(f, v->out, XP_COL_VECTOR, XP_ROLE_FEATURE);
    if (!oc) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory adding %s", v->out); goto out; }
    float *data = h->col_vectors(oc, L, n_vec);
    if (!data) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory (%zu x %zu ids)", n_vec, L); goto out; }
    if (n_vec) memcpy(data, ids, n_vec * L * sizeof *ids);
    if (h->col_level(oc, "<pad>") != 0 || h->col_level(oc, "<unk>") != 1) {
        rc = xp_fail(ctx, XP_ENOMEM, "out of memory (levels)");
        goto out;
    }
    for (size_t i = 0; i < v->n; i++)
        if (h->col_level(oc, v->words[i]) != (int32_t)i + 2) {
            rc = xp_fail(ctx, XP_EINTERNAL, "tokens: level %zu ('%s') did not get id %zu", i + 2,
                         v->words[i], i + 2);
            goto out;
        }
    for (size_t i = 0; i < f->n_rows; i++) oc->vec_row[i] = d.of_row[i] < 0 ? -1 : slot[d.of_row[i]];
    xp_log(ctx, XP_LOG_DEBUG, "tokens: %zu rows, %zu distinct texts; %.1f%% of %zu tokens unknown",
           f->n_rows, d.n, total ? 100.0 * (double)unk / (double)total : 0.0, total);
    rc = XP_OK;
out:
    free(ids);
    free(slot);
    tk_distinct_free(&d);
    return rc;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    state *s = st;
    const xp_host *h = ctx->host;
    int rc;
    if (!s->fitted) return xp_fail(ctx, XP_EINVAL, "tokens: the vocabulary needs fit() before apply()");
    if (s->as == AS_IDS && (!XP_HOST_HAS(h, col_vectors) || !h->col_vectors))
        return xp_fail(ctx, XP_EUNSUPPORTED, "tokens: this runner has no vector columns");
    for (size_t k = 0; k < s->n_v; k++) {
        const xp_column *col;
        if ((rc = find_text(ctx, f, s->v[k].column, &col))) return rc;
        rc = s->as == AS_IDS ? apply_ids(ctx, s, &s->v[k], col, f) : apply_bag(ctx, s, &s->v[k], col, f);
        if (rc) return rc;
    }
    return XP_OK;
}

static const xp_encoder_ops ops = { sizeof(xp_encoder_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help tokens` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: tokens\n"
    "    column: description       # the TEXT column (this or all_text)\n"
    "    all_text: false           # true: every TEXT feature column instead (counts / binary;\n"
    "                              # words named <column>_<word>, a vocabulary per column)\n"
    "    as: ids                   # ids: token ids for a text tower | counts: a NUMERIC column\n"
    "                              # per vocabulary word (its count) | binary: 1 if it occurs\n"
    "    out: description_tokens   # as: ids: the output VECTOR column (default <column>_tokens)\n"
    "    prefix: description_      # as: counts / binary: word columns <prefix><word>\n"
    "                              # (default <column>_); a missing text is NaN in each\n"
    "    absent: zero              # as: counts / binary: a word the text lacks is 0 | missing\n"
    "                              # (NaN: sparse, so XGBoost builds its histograms faster)\n"
    "    max_len: 16               # as: ids: ids per text (longer texts cut, shorter padded)\n"
    "    min_count: 1              # a word enters the vocabulary when it occurs this often\n"
    "    max_vocab: 20000          # at most this many words (most frequent first); 0 = all\n"
    "                              # (default 256 with as: counts / binary)\n"
    "    lowercase: true\n"
    "    split_hyphens: true       # \"carbon-fiber\" -> carbon, fiber (false: one token)\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_ENCODER, "tokens", "1.0.0",
                                          "token-id sequences (input of a trainable text tower) or word-count columns, over a vocabulary fitted on training rows",
                                          &ops, options_text);
XP_PLUGINS(&plugin)
