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
 * the config check cannot know their names.
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

typedef struct state {
    const char *column;
    char out[256];               /* ids: the VECTOR column; counts / binary: the name prefix */
    int as;                      /* AS_* */
    int absent_missing;          /* counts / binary: a word the text lacks is NaN, not 0 */
    int64_t max_len, min_count, max_vocab;
    int lowercase, split_hyphens;
    char **vocab;                /* id - 2 -> word */
    size_t n_vocab;
    word *sorted;                /* vocabulary by text, for lookups */
    int fitted;
} state;

static void clear_vocab(state *s)
{
    for (size_t i = 0; i < s->n_vocab; i++) free(s->vocab[i]);
    free(s->vocab);
    free(s->sorted);             /* texts are shared with vocab */
    s->vocab = NULL;
    s->sorted = NULL;
    s->n_vocab = 0;
    s->fitted = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    clear_vocab(s);
    free(s);
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
    if ((rc = h->cfg_str(ctx, cfg, "column", 1, &s->column)) ||
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
    const char *wrong = s->as == AS_IDS ? (prefix ? "prefix" : h->cfg_get(cfg, "absent") ? "absent" : NULL)
                                        : (out ? "out" : NULL);
    if (wrong) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: %s applies to %s only (this one has as: %s)",
                     h->cfg_where(h->cfg_get(cfg, wrong)), wrong,
                     s->as == AS_IDS ? "as: counts / binary" : "as: ids (word columns are named by prefix:)",
                     as_names[s->as]);
        goto fail;
    }
    const char *given = s->as == AS_IDS ? out : prefix;
    if (given) snprintf(s->out, sizeof s->out, "%s", given);
    else snprintf(s->out, sizeof s->out, s->as == AS_IDS ? "%s_tokens" : "%s_", s->column);
    if ((s->as == AS_IDS && !*s->out) || strlen(s->out) >= 200) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: a column name of 1..199 bytes, got '%s'",
                     s->as == AS_IDS ? "out" : "prefix", s->out);
        goto fail;
    }
    if (XP_HOST_HAS(h, column_add) && h->column_ref && h->column_add) {   /* the config check */
        h->column_ref(ctx, h->cfg_get(cfg, "column"), s->column);
        if (s->as == AS_IDS) h->column_add(ctx, s->out);
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

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ^ (h >> 29);
}

static int count_word(const char *w, void *user)
{
    counter *c = user;
    if (2 * (c->n + 1) > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        word *nw = calloc(cap, sizeof *nw);
        if (!nw) return -1;
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->w[i].text) continue;
            size_t j = (size_t)hash_str(c->w[i].text) & (cap - 1);
            while (nw[j].text) j = (j + 1) & (cap - 1);
            nw[j] = c->w[i];
        }
        free(c->w);
        c->w = nw;
        c->cap = cap;
    }
    size_t j = (size_t)hash_str(w) & (c->cap - 1);
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

static int find_text(xp_ctx *ctx, const state *s, const xp_frame *f, const xp_column **out)
{
    const xp_column *c = ctx->host->frame_find(f, s->column);
    if (!c) return xp_fail(ctx, XP_ENOTFOUND, "tokens: no column '%s' in the frame", s->column);
    if (c->type != XP_COL_TEXT)
        return xp_fail(ctx, XP_EINVAL, "tokens: column '%s' is %s, not text", s->column,
                       xp_col_type_name(c->type));
    *out = c;
    return XP_OK;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    const xp_column *col;
    int rc;
    if ((rc = find_text(ctx, s, train, &col))) return rc;
    clear_vocab(s);
    tk_distinct d;
    if (tk_distinct_build(col, train->n_rows, &d)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
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
    s->vocab = malloc((keep ? keep : 1) * sizeof *s->vocab);
    s->sorted = malloc((keep ? keep : 1) * sizeof *s->sorted);
    if (!s->vocab || !s->sorted) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < keep; i++) {
        s->vocab[i] = c.w[i].text;   /* moved: owned by vocab now */
        c.w[i].text = NULL;
        s->sorted[i] = (word){ s->vocab[i], c.w[i].count, (int32_t)i + 2 };
    }
    s->n_vocab = keep;
    if (keep) qsort(s->sorted, keep, sizeof *s->sorted, by_text);
    s->fitted = 1;

    double unk = c.tokens ? (double)(c.tokens - kept_tokens) / (double)c.tokens : 0.0;
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "column", s->column);
    json_out_kv_str(&j, "as", as_names[s->as]);
    json_out_kv_str(&j, "out", s->out);
    json_out_kv_int(&j, "rows", (int64_t)train->n_rows);
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
               "tokens unknown), %zu rows longer than %lld (longest %zu)", s->column, s->out, keep, n,
               100 * unk, c.tokens, over_rows, (long long)s->max_len, c.longest);
    else   /* max_len does not apply: every word is counted */
        xp_log(ctx, XP_LOG_INFO, "tokens: %s -> %zu word columns %s*: vocabulary %zu of %zu words (%.1f%% "
               "of %zu training tokens outside it)", s->column, keep, s->out, keep, n, 100 * unk, c.tokens);
    rc = XP_OK;
out:
    for (size_t i = 0; i < c.cap; i++) free(c.w[i].text);
    free(c.w);
    tk_distinct_free(&d);
    return rc;
}

/* ------------------------------------------------------------ apply */

typedef struct seq {
    const state *s;
    float *ids;
    size_t len, unk, total;
} seq;

static int put_word(const char *w, void *user)
{
    seq *q = user;
    const state *s = q->s;
    word key = { (char *)w, 0, 0 };
    const word *hit = s->n_vocab ? bsearch(&key, s->sorted, s->n_vocab, sizeof key, by_text) : NULL;
    q->total++;
    if (!hit) q->unk++;
    if (q->len < (size_t)s->max_len) q->ids[q->len] = hit ? (float)hit->id : 1.0f;
    q->len++;
    return 0;
}

/* as: counts / binary — one NUMERIC column per vocabulary word. */
typedef struct bag {
    const state *s;
    double *count;               /* n_vocab counts of the current text */
} bag;

static int count_known(const char *w, void *user)
{
    bag *b = user;
    word key = { (char *)w, 0, 0 };
    const word *hit = b->s->n_vocab ? bsearch(&key, b->s->sorted, b->s->n_vocab, sizeof key, by_text) : NULL;
    if (hit) b->count[hit->id - 2] += 1;
    return 0;
}

static int apply_bag(xp_ctx *ctx, const state *s, const xp_column *col, xp_frame *f)
{
    const xp_host *h = ctx->host;
    size_t V = s->n_vocab;
    char name[512];
    for (size_t i = 0; i < V; i++) {   /* every name free before the frame changes */
        snprintf(name, sizeof name, "%s%s", s->out, s->vocab[i]);
        if (h->frame_find(f, name))
            return xp_fail(ctx, XP_EINVAL, "tokens: cannot add %s: a column of that name exists (set prefix:)", name);
    }
    tk_distinct d;
    if (tk_distinct_build(col, f->n_rows, &d)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    int rc = XP_OK;
    double *counts = calloc((d.n ? d.n : 1) * (V ? V : 1), sizeof *counts);
    if (!counts) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
    for (size_t k = 0; k < d.n; k++) {
        bag b = { s, counts + k * V };
        words_of(s, d.text[k], count_known, &b);
        if (s->as == AS_BINARY)
            for (size_t i = 0; i < V; i++) b.count[i] = b.count[i] > 0;
        if (s->absent_missing)
            for (size_t i = 0; i < V; i++)
                if (b.count[i] == 0) b.count[i] = NAN;
    }
    for (size_t i = 0; i < V; i++) {
        snprintf(name, sizeof name, "%s%s", s->out, s->vocab[i]);
        xp_column *oc = h->frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE);
        if (!oc) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory adding %s", name); goto out; }
        for (size_t r = 0; r < f->n_rows; r++)
            oc->num[r] = d.of_row[r] < 0 ? NAN : counts[(size_t)d.of_row[r] * V + i];
    }
    xp_log(ctx, XP_LOG_DEBUG, "tokens: %zu rows, %zu distinct texts -> %zu word columns %s*", f->n_rows,
           d.n, V, s->out);
out:
    free(counts);
    tk_distinct_free(&d);
    return rc;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    state *s = st;
    const xp_host *h = ctx->host;
    const xp_column *col;
    int rc;
    if (!s->fitted) return xp_fail(ctx, XP_EINVAL, "tokens: the vocabulary needs fit() before apply()");
    if (s->as == AS_IDS && (!XP_HOST_HAS(h, col_vectors) || !h->col_vectors))
        return xp_fail(ctx, XP_EUNSUPPORTED, "tokens: this runner has no vector columns");
    if ((rc = find_text(ctx, s, f, &col))) return rc;
    if (s->as != AS_IDS) return apply_bag(ctx, s, col, f);
    if (h->frame_find(f, s->out))
        return xp_fail(ctx, XP_EINVAL, "tokens: cannot add %s: a column of that name exists", s->out);
    tk_distinct d;
    if (tk_distinct_build(col, f->n_rows, &d)) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    size_t L = (size_t)s->max_len;
    float *ids = calloc((d.n ? d.n : 1) * L, sizeof *ids);
    int32_t *slot = malloc((d.n ? d.n : 1) * sizeof *slot);
    if (!ids || !slot) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
    size_t n_vec = 0, unk = 0, total = 0;
    for (size_t k = 0; k < d.n; k++) {
        seq q = { s, ids + n_vec * L, 0, 0, 0 };
        words_of(s, d.text[k], put_word, &q);
        unk += q.unk * d.rows[k];
        total += q.total * d.rows[k];
        if (q.len == 0) { slot[k] = -1; continue; }
        slot[k] = (int32_t)n_vec++;
    }
    xp_column *oc = h->frame_add(f, s->out, XP_COL_VECTOR, XP_ROLE_FEATURE);
    if (!oc) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory adding %s", s->out); goto out; }
    float *data = h->col_vectors(oc, L, n_vec);
    if (!data) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory (%zu x %zu ids)", n_vec, L); goto out; }
    if (n_vec) memcpy(data, ids, n_vec * L * sizeof *ids);
    if (h->col_level(oc, "<pad>") != 0 || h->col_level(oc, "<unk>") != 1) {
        rc = xp_fail(ctx, XP_ENOMEM, "out of memory (levels)");
        goto out;
    }
    for (size_t i = 0; i < s->n_vocab; i++)
        if (h->col_level(oc, s->vocab[i]) != (int32_t)i + 2) {
            rc = xp_fail(ctx, XP_EINTERNAL, "tokens: level %zu ('%s') did not get id %zu", i + 2,
                         s->vocab[i], i + 2);
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

static const xp_encoder_ops ops = { sizeof(xp_encoder_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help tokens` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: tokens\n"
    "    column: description       # the TEXT column (required)\n"
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
