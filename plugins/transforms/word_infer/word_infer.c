/* word_infer.c — transform `word_infer`: for a group of words a text column uses for one
 * attribute (a size: micro / small / ...; a finish: matte / brushed / ...), which level each
 * row's text names, and where it names none, the level the row's other columns point to — a
 * classifier fitted on the training rows whose text does name one.
 *
 *     runner plugins --help word_infer     # its options, as the plugin documents them
 *
 *     pipeline:
 *       - plugin: image_stats              # the picture's numbers: fill, spread, light, ...
 *         column: description_px64
 *         out: description_image
 *       - plugin: word_infer
 *         column: description
 *         inputs: ["description_image_*"]  # what the classifier reads, besides the text's words
 *         groups:
 *           size: [micro, [small, mini], [medium, mid-size], large, [heavy, oversized]]
 *           finish: [matte, brushed, anodized, [polished, mirror-finish]]
 *         out: description_read            # description_read_size_micro, ..._finish_polished
 *
 * Why: a description names its part's size or finish only now and then, the picture shows
 * them always. A model fitted to the target alone has to find out from the price how a
 * polished part looks, through the noise of everything else the price depends on; the rows
 * whose text says "polished" show it directly, with a clean label. On the demo data the step-2
 * blend's residual slope on the finish where its word is hidden went from -0.50 to -0.37, on
 * the size from -0.13 to -0.08 (bench/oracle/hidden.py; README, "Reading the words the
 * description leaves out").
 *
 * How: a text's tokens (the text encoders' tokeniser, lower case, "mid-size" kept whole; the
 * first 64 of a text) label a group when they hold words of exactly one of its levels; words
 * of two levels leave it unlabelled. The classifier reads the row's `inputs` columns and, with `words: true`, one
 * 0/1 column per other word that at least `min_count` training texts use (the component and
 * material words, which change what a size or finish looks like); the groups' own words are
 * never inputs. Rows of one text with the same input values (a picture's numbers repeat on
 * every row of its item) are one case, weighted so that each text counts once however many
 * rows it has. Per group, an XGBoost softmax (`trees` rounds of depth `depth`, learning rate
 * `eta`, `bins` histogram bins, seeded, on the host's threads) is fitted on the labelled
 * training texts' cases — all of them, or with `per_text: K` the K of smallest hash per text,
 * each then weighing 1/K (a fixed pick whatever the row order; the demo data's items have ~7
 * rows whose table cells differ, and three read as well as all at a fifth of the time).
 * Output: one column per level, <out>_<group>_<first word of the level>: the level's one-hot
 * where the text names it, the classifier's probabilities where it does not, missing where the
 * row has no text. A row's output depends on its own cells only (not on the other rows of its
 * frame).
 *
 * Honesty: no target is read. A labelled row gets its own label (which its words already
 * carry), an unlabelled one a prediction from texts other than its own, in training as in
 * test — the column means the same on every row. A group with fewer than 2 levels or
 * `min_labelled` labelled texts among the training rows gets the labelled texts' level shares
 * (uniform when none) for its unlabelled rows, with a warning.
 * Records kind "word_infer" at fit: per group, the labelled texts per level, the unlabelled
 * texts, the cases fitted, the seconds the group took, and heldout_accuracy: a first
 * classifier fitted without one labelled text in five (picked by a hash of the text) scored on
 * those (the classifier kept is fitted on all). `heldout_check: false` skips that first fit
 * (~45% of the plugin's time; the outputs are the same) where another step already reports it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xgboost/c_api.h>

#include "json_out.h"
#include "tokenize.h"
#include "txu.h"
#include "xp/xp.h"

#define MAX_LEVELS 32
#define MAX_GROUPS 16

typedef struct level {
    char **words;            /* lower case */
    size_t n_words;
} level;

typedef struct group {
    char *name;
    level lv[MAX_LEVELS];
    size_t n_lv;
    /* learned */
    BoosterHandle booster;   /* NULL: prior only */
    double prior[MAX_LEVELS];
} group;

typedef struct state {
    /* options */
    const char *column, *out;
    tx_sel inputs;
    group g[MAX_GROUPS];
    size_t n_g;
    int words, heldout_check;
    int64_t min_count, trees, depth, min_labelled, seed, bins, per_text;
    double eta;
    /* learned */
    tx_names in_cols;        /* input columns, in order */
    tx_names vocab;          /* input words, in order */
    int32_t *vocab_slot;     /* open addressing over vocab: index or -1 */
    size_t vocab_cap;
} state;

/* ------------------------------------------------------------ word lookup */

/* Where word w is (or would go) in an open-addressing table of indices into names. The table
 * is kept at most half full, so a free slot always ends the probe. */
static size_t slot_of(const int32_t *slot, size_t cap, const tx_names *names, const char *w)
{
    size_t j = (size_t)tk_hash(w) & (cap - 1);
    while (slot[j] >= 0 && strcmp(names->v[slot[j]], w) != 0) j = (j + 1) & (cap - 1);
    return j;
}

/* Index of w in names through the table, -1 when absent. */
static int word_find(const int32_t *slot, size_t cap, const tx_names *names, const char *w)
{
    return cap ? slot[slot_of(slot, cap, names, w)] : -1;
}

/* (Re)builds the table over all of names, cap a power of two >= 2 * names->n + 2. */
static int word_index(const tx_names *names, int32_t **slot, size_t *cap)
{
    size_t c = 16;
    while (c < 2 * names->n + 2) c *= 2;
    int32_t *t = malloc(c * sizeof *t);
    if (!t) return XP_ENOMEM;
    for (size_t j = 0; j < c; j++) t[j] = -1;
    for (size_t i = 0; i < names->n; i++) t[slot_of(t, c, names, names->v[i])] = (int32_t)i;
    free(*slot);
    *slot = t;
    *cap = c;
    return XP_OK;
}

static void forget(state *s)
{
    for (size_t k = 0; k < s->n_g; k++) {
        if (s->g[k].booster) XGBoosterFree(s->g[k].booster);
        s->g[k].booster = NULL;
    }
    tx_names_clear(&s->in_cols);
    tx_names_clear(&s->vocab);
    free(s->vocab_slot);
    s->vocab_slot = NULL;
    s->vocab_cap = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    forget(s);
    for (size_t k = 0; k < s->n_g; k++) {
        free(s->g[k].name);
        for (size_t l = 0; l < s->g[k].n_lv; l++) {
            for (size_t w = 0; w < s->g[k].lv[l].n_words; w++) free(s->g[k].lv[l].words[w]);
            free(s->g[k].lv[l].words);
        }
    }
    tx_sel_free(&s->inputs);
    free(s);
}

/* A word of a level as the tokeniser gives it: lower case, one token. */
static int add_word(xp_ctx *ctx, level *lv, const xp_cfg *node)
{
    const xp_host *h = ctx->host;
    const char *w = h->cfg_scalar(node);
    if (!w || !*w)
        return xp_fail(ctx, XP_ECONFIG, "%s: a word must be a non-empty string", h->cfg_where(node));
    char tok[TK_MAX];
    int cut;
    const char *p = w;
    if (tk_next(&p, 1, tok, sizeof tok, &cut) == 0 || cut || tk_next(&p, 1, (char[TK_MAX]){ 0 }, TK_MAX, &cut) != 0)
        return xp_fail(ctx, XP_ECONFIG, "%s: '%s' is not one word (the tokeniser splits on spaces and "
                       "punctuation other than an inner hyphen)", h->cfg_where(node), w);
    char **v = realloc(lv->words, (lv->n_words + 1) * sizeof *v);
    if (!v) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    lv->words = v;
    if (!(v[lv->n_words] = tx_strdup(tok))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    lv->n_words++;
    return XP_OK;
}

static int read_groups(xp_ctx *ctx, state *s, const xp_cfg *node)
{
    const xp_host *h = ctx->host;
    if (!node || h->cfg_kind(node) != XP_CFG_MAP || h->cfg_len(node) == 0)
        return xp_fail(ctx, XP_ECONFIG, "%s: word_infer needs `groups:`, a map of group name -> list of "
                       "levels (each a word or a list of words)", node ? h->cfg_where(node) : "word_infer");
    if (h->cfg_len(node) > MAX_GROUPS)
        return xp_fail(ctx, XP_ECONFIG, "%s: at most %d groups", h->cfg_where(node), MAX_GROUPS);
    for (size_t k = 0; k < h->cfg_len(node); k++) {
        group *g = &s->g[s->n_g++];
        const xp_cfg *levels = h->cfg_at(node, k);
        if (!(g->name = tx_strdup(h->cfg_key_at(node, k)))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
        if (h->cfg_kind(levels) != XP_CFG_LIST || h->cfg_len(levels) < 2 || h->cfg_len(levels) > MAX_LEVELS)
            return xp_fail(ctx, XP_ECONFIG, "%s: group %s must list 2 to %d levels", h->cfg_where(levels),
                           g->name, MAX_LEVELS);
        for (size_t l = 0; l < h->cfg_len(levels); l++) {
            const xp_cfg *lvn = h->cfg_at(levels, l);
            level *lv = &g->lv[g->n_lv++];
            int rc;
            if (h->cfg_kind(lvn) == XP_CFG_SCALAR) {
                if ((rc = add_word(ctx, lv, lvn))) return rc;
            } else if (h->cfg_kind(lvn) == XP_CFG_LIST && h->cfg_len(lvn) > 0) {
                for (size_t w = 0; w < h->cfg_len(lvn); w++)
                    if ((rc = add_word(ctx, lv, h->cfg_at(lvn, w)))) return rc;
            } else {
                return xp_fail(ctx, XP_ECONFIG, "%s: a level is a word or a non-empty list of words",
                               h->cfg_where(lvn));
            }
        }
    }
    /* a word in two places would label a text two ways */
    for (size_t a = 0; a < s->n_g; a++)
        for (size_t la = 0; la < s->g[a].n_lv; la++)
            for (size_t wa = 0; wa < s->g[a].lv[la].n_words; wa++)
                for (size_t b = a; b < s->n_g; b++)
                    for (size_t lb = 0; lb < s->g[b].n_lv; lb++)
                        for (size_t wb = 0; wb < s->g[b].lv[lb].n_words; wb++) {
                            if (b == a && (lb < la || (lb == la && wb <= wa))) continue;
                            if (!strcmp(s->g[a].lv[la].words[wa], s->g[b].lv[lb].words[wb]))
                                return xp_fail(ctx, XP_ECONFIG, "%s: the word '%s' is listed twice",
                                               h->cfg_where(node), s->g[a].lv[la].words[wa]);
                        }
    return XP_OK;
}

static void out_name(const state *s, const group *g, size_t l, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s_%s_%s", s->out, g->name, g->lv[l].words[0]);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->words = 1;
    s->heldout_check = 1;
    s->min_count = 5;
    s->trees = 200;
    s->depth = 4;
    s->eta = 0.1;
    s->min_labelled = 20;
    s->bins = 256;
    int rc;
    if ((rc = h->cfg_str(ctx, cfg, "column", 1, &s->column)) ||
        (rc = h->cfg_str(ctx, cfg, "out", 0, &s->out)) ||
        (rc = tx_sel_read(ctx, cfg, "inputs", &s->inputs)) ||
        (rc = read_groups(ctx, s, h->cfg_get(cfg, "groups"))) ||
        (rc = h->cfg_bool(ctx, cfg, "words", 0, &s->words)) ||
        (rc = h->cfg_bool(ctx, cfg, "heldout_check", 0, &s->heldout_check)) ||
        (rc = h->cfg_int(ctx, cfg, "min_count", 0, &s->min_count)) ||
        (rc = h->cfg_int(ctx, cfg, "trees", 0, &s->trees)) ||
        (rc = h->cfg_int(ctx, cfg, "depth", 0, &s->depth)) ||
        (rc = h->cfg_num(ctx, cfg, "eta", 0, &s->eta)) ||
        (rc = h->cfg_int(ctx, cfg, "min_labelled", 0, &s->min_labelled)) ||
        (rc = h->cfg_int(ctx, cfg, "seed", 0, &s->seed)) ||
        (rc = h->cfg_int(ctx, cfg, "bins", 0, &s->bins)) ||
        (rc = h->cfg_int(ctx, cfg, "per_text", 0, &s->per_text)) ||
        (rc = tx_cfg_range(ctx, cfg, "min_count", (double)s->min_count, 1, 1e9)) ||
        (rc = tx_cfg_range(ctx, cfg, "trees", (double)s->trees, 1, 10000)) ||
        (rc = tx_cfg_range(ctx, cfg, "depth", (double)s->depth, 1, 16)) ||
        (rc = tx_cfg_range(ctx, cfg, "eta", s->eta, 1e-4, 1)) ||
        (rc = tx_cfg_range(ctx, cfg, "min_labelled", (double)s->min_labelled, 2, 1e9)) ||
        (rc = tx_cfg_range(ctx, cfg, "seed", (double)s->seed, 0, 2147483647)) ||
        (rc = tx_cfg_range(ctx, cfg, "bins", (double)s->bins, 2, 65536)) ||
        (rc = tx_cfg_range(ctx, cfg, "per_text", (double)s->per_text, 0, 1e9)))
        goto fail;
    if (!s->out) s->out = s->column;
    if (!*s->column || !*s->out) {
        rc = xp_fail(ctx, XP_ECONFIG, "word_infer: column and out must not be empty");
        goto fail;
    }
    if (!s->inputs.n && !s->words) {
        rc = xp_fail(ctx, XP_ECONFIG, "word_infer: nothing to read: give `inputs:` or leave `words: true`");
        goto fail;
    }
    if (XP_HOST_HAS(h, column_add) && h->column_ref && h->column_add) {   /* the config check */
        h->column_ref(ctx, h->cfg_get(cfg, "column"), s->column);
        char name[512];
        for (size_t k = 0; k < s->n_g; k++)
            for (size_t l = 0; l < s->g[k].n_lv; l++) {
                out_name(s, &s->g[k], l, name, sizeof name);
                h->column_add(ctx, name);
            }
    }
    *out = s;
    return XP_OK;
fail:
    destroy(s);
    return rc;
}

/* ------------------------------------------------------------ texts */

/* The frame's texts (one entry per distinct string) and its cases: the distinct (text, input
 * values) pairs the classifier reads. Rows of one text with the same inputs (a picture's
 * numbers repeat on every row of its item) are one case; rows whose inputs differ are cases
 * of their own, so a row's output depends on its own cells only, never on which other rows
 * the frame holds. */
typedef struct texts {
    tk_distinct d;
    int8_t *label;           /* d.n × n_g: level, -1 none, -2 two levels */
    size_t n_case, dim;
    float *x;                /* n_case × dim classifier inputs */
    int32_t *case_text;      /* n_case: its text */
    float *case_w;           /* n_case: its rows / its text's rows (a text weighs 1 in total) */
    int32_t *row_case;       /* row -> case, -1 without a text */
    uint64_t *case_hash;     /* n_case: of the text and the inputs */
} texts;

static void texts_free(texts *t)
{
    tk_distinct_free(&t->d);
    free(t->label);
    free(t->x);
    free(t->case_text);
    free(t->case_w);
    free(t->row_case);
    free(t->case_hash);
    memset(t, 0, sizeof *t);
}

/* The text column as a TEXT column (a categorical one is viewed through its levels). */
static int text_view(xp_ctx *ctx, const state *s, const xp_frame *f, xp_column *view, const char ***owned)
{
    const xp_host *h = ctx->host;
    const xp_column *c = h->frame_find((xp_frame *)f, s->column);
    *owned = NULL;
    if (!c) return xp_fail(ctx, XP_ENOTFOUND, "word_infer: no column %s in this frame", s->column);
    if (c->type == XP_COL_TEXT) {
        *view = *c;
        return XP_OK;
    }
    if (c->type != XP_COL_CATEGORICAL)
        return xp_fail(ctx, XP_EINVAL, "word_infer: column %s is %s; expected text or categorical",
                       s->column, xp_col_type_name(c->type));
    const char **t = malloc((f->n_rows ? f->n_rows : 1) * sizeof *t);
    if (!t) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->n_rows; i++) t[i] = c->codes[i] >= 0 ? c->levels[c->codes[i]] : NULL;
    memset(view, 0, sizeof *view);
    view->type = XP_COL_TEXT;
    view->text = (char **)t;
    *owned = t;
    return XP_OK;
}

/* Level of group g named by the tokens (lower case), -1 none, -2 two levels. */
static int label_of(const group *g, char toks[][TK_MAX], size_t nt)
{
    int found = -1;
    for (size_t i = 0; i < nt; i++)
        for (size_t l = 0; l < g->n_lv; l++)
            for (size_t w = 0; w < g->lv[l].n_words; w++)
                if (!strcmp(toks[i], g->lv[l].words[w])) {
                    if (found >= 0 && found != (int)l) return -2;
                    found = (int)l;
                }
    return found;
}

static int is_group_word(const state *s, const char *tok)
{
    for (size_t k = 0; k < s->n_g; k++)
        for (size_t l = 0; l < s->g[k].n_lv; l++)
            for (size_t w = 0; w < s->g[k].lv[l].n_words; w++)
                if (!strcmp(tok, s->g[k].lv[l].words[w])) return 1;
    return 0;
}

#define MAX_TOKENS 64

static size_t tokens_of(const char *text, char toks[MAX_TOKENS][TK_MAX])
{
    size_t n = 0;
    int cut;
    const char *p = text;
    while (n < MAX_TOKENS && tk_next(&p, 1, toks[n], TK_MAX, &cut) > 0) n++;
    return n;
}

static uint64_t case_hash(int32_t text, const float *x, size_t dim)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(uint32_t)text;
    const unsigned char *p = (const unsigned char *)x;
    for (size_t i = 0; i < dim * sizeof *x; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* Texts of f, their labels, and the cases with their inputs. */
static int texts_build(xp_ctx *ctx, const state *s, const xp_frame *f, texts *t)
{
    const xp_host *h = ctx->host;
    memset(t, 0, sizeof *t);
    xp_column view;
    const char **owned;
    int rc = text_view(ctx, s, f, &view, &owned);
    if (rc) return rc;
    if (tk_distinct_build(&view, f->n_rows, &t->d)) {
        free(owned);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    free(owned);   /* the distinct strings point into the column (its text or its levels) */
    size_t n = t->d.n, ni = s->in_cols.n, rows = f->n_rows, cap = 64;
    while (cap < 2 * rows + 2) cap *= 2;
    t->dim = ni + s->vocab.n;
    size_t dim1 = t->dim ? t->dim : 1;
    t->label = malloc((n ? n : 1) * (s->n_g ? s->n_g : 1));
    t->x = malloc((rows ? rows : 1) * dim1 * sizeof *t->x);
    t->case_text = malloc((rows ? rows : 1) * sizeof *t->case_text);
    t->case_w = malloc((rows ? rows : 1) * sizeof *t->case_w);
    t->row_case = malloc((rows ? rows : 1) * sizeof *t->row_case);
    float *words = calloc((n ? n : 1) * (s->vocab.n ? s->vocab.n : 1), sizeof *words);
    float *v = malloc(dim1 * sizeof *v);
    int32_t *slot = malloc(cap * sizeof *slot);
    uint64_t *hash = t->case_hash = malloc((rows ? rows : 1) * sizeof *hash);
    const xp_column **in = malloc((ni ? ni : 1) * sizeof *in);
    char (*toks)[TK_MAX] = malloc(MAX_TOKENS * sizeof *toks);
    if (!t->label || !t->x || !t->case_text || !t->case_w || !t->row_case || !words || !v || !slot || !hash ||
        !in || !toks) {
        rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        size_t nt = tokens_of(t->d.text[k], toks);
        for (size_t g = 0; g < s->n_g; g++) t->label[k * s->n_g + g] = (int8_t)label_of(&s->g[g], toks, nt);
        for (size_t i = 0; i < nt; i++) {
            int w = word_find(s->vocab_slot, s->vocab_cap, &s->vocab, toks[i]);
            if (w >= 0) words[k * s->vocab.n + (size_t)w] = 1;
        }
    }
    for (size_t j = 0; j < ni; j++) {
        const xp_column *c = h->frame_find((xp_frame *)f, s->in_cols.v[j]);
        if (!c || (c->type != XP_COL_NUMERIC && c->type != XP_COL_BOOL)) {
            rc = xp_fail(ctx, XP_ENOTFOUND, "word_infer: input column %s is %s in this frame (it was numeric "
                         "in the training rows)", s->in_cols.v[j], c ? xp_col_type_name(c->type) : "missing");
            goto done;
        }
        in[j] = c;
    }
    for (size_t i = 0; i < cap; i++) slot[i] = -1;
    for (size_t r = 0; r < rows; r++) {
        int32_t k = t->d.of_row[r];
        t->row_case[r] = -1;
        if (k < 0) continue;
        for (size_t j = 0; j < ni; j++) {
            double x = in[j]->num[r];
            v[j] = isfinite(x) ? (float)x : NAN;
            if (v[j] != v[j]) v[j] = NAN;   /* one bit pattern for every missing value */
        }
        memcpy(v + ni, words + (size_t)k * s->vocab.n, s->vocab.n * sizeof *v);
        uint64_t hh = case_hash(k, v, t->dim);
        size_t j = hh & (cap - 1);
        while (slot[j] >= 0 && (hash[slot[j]] != hh || t->case_text[slot[j]] != k ||
                                memcmp(t->x + (size_t)slot[j] * t->dim, v, t->dim * sizeof *v)))
            j = (j + 1) & (cap - 1);
        if (slot[j] < 0) {
            slot[j] = (int32_t)t->n_case;
            memcpy(t->x + t->n_case * t->dim, v, t->dim * sizeof *v);
            t->case_text[t->n_case] = k;
            t->case_w[t->n_case] = 0;
            hash[t->n_case] = hh;
            t->n_case++;
        }
        t->row_case[r] = slot[j];
        t->case_w[slot[j]] += 1.0f / (float)t->d.rows[k];
    }
done:
    free(words);
    free(v);
    free(slot);
    free(in);
    free(toks);
    if (rc) texts_free(t);
    return rc;
}

/* ------------------------------------------------------------ fit */

static int xgb_fail(xp_ctx *ctx, const char *what)
{
    return xp_fail(ctx, XP_EINTERNAL, "word_infer: XGBoost %s: %s", what, XGBGetLastError());
}

/* The classifier's input columns and words, from the training frame. */
static int learn_inputs(xp_ctx *ctx, state *s, const xp_frame *train)
{
    int rc;
    if ((rc = tx_sel_check(ctx, &s->inputs, train, "inputs"))) return rc;
    for (size_t j = 0; j < train->n_cols; j++) {
        const xp_column *c = train->cols[j];
        if (tx_sel_match(&s->inputs, c->name) < 0 || c->role != XP_ROLE_FEATURE) continue;
        if (c->type != XP_COL_NUMERIC && c->type != XP_COL_BOOL) continue;
        if ((rc = tx_names_add(&s->in_cols, c->name))) return xp_fail(ctx, rc, "out of memory");
    }
    if (s->inputs.n && !s->in_cols.n)
        xp_log(ctx, XP_LOG_WARN, "word_infer: `inputs` match no numeric feature column: the classifier "
               "reads the text's words only");
    if (!s->words) return XP_OK;
    /* words of >= min_count distinct training texts, in first-seen order */
    xp_column view;
    const char **owned;
    if ((rc = text_view(ctx, s, train, &view, &owned))) return rc;
    tk_distinct d;
    if (tk_distinct_build(&view, train->n_rows, &d)) {
        free(owned);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    tx_names seen = { 0 };
    size_t *count = NULL, *last = NULL, cap = 0, slot_cap = 0;   /* last: the text that counted it last */
    int32_t *slot = NULL;
    char (*toks)[TK_MAX] = malloc(MAX_TOKENS * sizeof *toks);
    if (!toks) rc = XP_ENOMEM;
    for (size_t k = 0; !rc && k < d.n; k++) {
        size_t nt = tokens_of(d.text[k], toks);
        for (size_t i = 0; !rc && i < nt; i++) {
            if (is_group_word(s, toks[i])) continue;
            if (2 * seen.n + 2 > slot_cap && (rc = word_index(&seen, &slot, &slot_cap))) break;
            size_t j = slot_of(slot, slot_cap, &seen, toks[i]);
            if (slot[j] < 0) {
                if ((rc = tx_names_add(&seen, toks[i]))) break;
                if (seen.n > cap) {
                    size_t nc = cap ? 2 * cap : 256;
                    size_t *t = realloc(count, nc * sizeof *t), *u = t ? realloc(last, nc * sizeof *u) : NULL;
                    if (t) count = t;
                    if (u) last = u;
                    if (!t || !u) { rc = XP_ENOMEM; break; }
                    cap = nc;
                }
                slot[j] = (int32_t)seen.n - 1;
                count[slot[j]] = 0;
                last[slot[j]] = SIZE_MAX;
            }
            size_t v = (size_t)slot[j];
            if (last[v] != k) {   /* a text counts a word once */
                count[v]++;
                last[v] = k;
            }
        }
    }
    for (size_t v = 0; !rc && v < seen.n; v++)
        if ((int64_t)count[v] >= s->min_count) rc = tx_names_add(&s->vocab, seen.v[v]);
    if (!rc) rc = word_index(&s->vocab, &s->vocab_slot, &s->vocab_cap);
    free(toks);
    free(count);
    free(last);
    free(slot);
    tx_names_clear(&seen);
    tk_distinct_free(&d);
    free(owned);
    return rc ? xp_fail(ctx, XP_ENOMEM, "out of memory") : XP_OK;
}

static int set_param(xp_ctx *ctx, BoosterHandle b, const char *k, const char *v)
{
    if (XGBoosterSetParam(b, k, v)) return xgb_fail(ctx, "parameter");
    return XP_OK;
}

/* A softmax booster over n rows of x (dim floats each) with labels y and weights w: *out. */
static int train_booster(xp_ctx *ctx, const state *s, const group *g, const float *x, const float *y,
                         const float *w, size_t n, size_t dim, BoosterHandle *out)
{
    DMatrixHandle dm = NULL;
    BoosterHandle b = NULL;
    int rc = XP_OK;
    *out = NULL;
    if (XGDMatrixCreateFromMat(x, (bst_ulong)n, (bst_ulong)dim, NAN, &dm)) return xgb_fail(ctx, "data");
    if (XGDMatrixSetFloatInfo(dm, "label", y, (bst_ulong)n)) { rc = xgb_fail(ctx, "labels"); goto done; }
    if (XGDMatrixSetFloatInfo(dm, "weight", w, (bst_ulong)n)) { rc = xgb_fail(ctx, "weights"); goto done; }
    if (XGBoosterCreate(&dm, 1, &b)) { rc = xgb_fail(ctx, "booster"); goto done; }
    char v[64];
    int threads = ctx->host->threads ? ctx->host->threads(ctx) : 1;
    snprintf(v, sizeof v, "%d", threads < 1 ? 1 : threads);
    if ((rc = set_param(ctx, b, "nthread", v))) goto done;
    snprintf(v, sizeof v, "%zu", g->n_lv);
    if ((rc = set_param(ctx, b, "num_class", v)) || (rc = set_param(ctx, b, "objective", "multi:softprob")) ||
        (rc = set_param(ctx, b, "tree_method", "hist")) || (rc = set_param(ctx, b, "verbosity", "0")))
        goto done;
    snprintf(v, sizeof v, "%lld", (long long)s->depth);
    if ((rc = set_param(ctx, b, "max_depth", v))) goto done;
    snprintf(v, sizeof v, "%.17g", s->eta);
    if ((rc = set_param(ctx, b, "eta", v))) goto done;
    snprintf(v, sizeof v, "%lld", (long long)s->seed);
    if ((rc = set_param(ctx, b, "seed", v))) goto done;
    snprintf(v, sizeof v, "%lld", (long long)s->bins);
    if ((rc = set_param(ctx, b, "max_bin", v))) goto done;
    for (int64_t i = 0; i < s->trees; i++)
        if (XGBoosterUpdateOneIter(b, (int)i, dm)) { rc = xgb_fail(ctx, "boosting round"); goto done; }
    *out = b;
    b = NULL;
done:
    if (b) XGBoosterFree(b);
    XGDMatrixFree(dm);
    return rc;
}

/* Probabilities of b for n rows of x (n × n_lv, borrowed from XGBoost until its next call on
 * b), checked for their count. */
static int predict_rows(xp_ctx *ctx, BoosterHandle b, const group *g, DMatrixHandle dm, size_t n, const float **p)
{
    bst_ulong len = 0;
    if (XGBoosterPredict(b, dm, 0, 0, 0, &len, p)) return xgb_fail(ctx, "predict");
    if (len != (bst_ulong)(n * g->n_lv))
        return xp_fail(ctx, XP_EINTERNAL, "word_infer: XGBoost gave %llu probabilities for %zu texts x %zu levels",
                       (unsigned long long)len, n, g->n_lv);
    return XP_OK;
}

static size_t argmax(const float *p, size_t k)
{
    size_t best = 0;
    for (size_t l = 1; l < k; l++)
        if (p[l] > p[best]) best = l;
    return best;
}

typedef struct case_key {
    int32_t text, c;
    uint64_t hash;
} case_key;

static int case_key_cmp(const void *a, const void *b)
{
    const case_key *p = a, *q = b;
    if (p->text != q->text) return p->text < q->text ? -1 : 1;
    if (p->hash != q->hash) return p->hash < q->hash ? -1 : 1;
    return (p->c > q->c) - (p->c < q->c);
}

/* The fitting weight of each case for group gi (cw[n_case], 0: not fitted): a labelled text's
 * cases weigh its rows' share (the text weighs 1 in all). With per_text > 0, only the
 * per_text cases of smallest hash of each labelled text are fitted, at 1 / their number each:
 * a fixed pick whatever the row order, and a fit that costs as many rows as texts. Why: rows
 * of one item repeat its label with other table cells; the first few carry most of what the
 * rest add. 0 ok, -1 out of memory. */
static int pick_cases(const state *s, size_t gi, const texts *t, float *cw)
{
    size_t m = 0;
    for (size_t c = 0; c < t->n_case; c++) {
        int labelled = t->label[(size_t)t->case_text[c] * s->n_g + gi] >= 0;
        cw[c] = labelled ? t->case_w[c] : 0;
        m += labelled;
    }
    if (s->per_text <= 0 || !m) return 0;
    case_key *k = malloc(m * sizeof *k);
    if (!k) return -1;
    m = 0;
    for (size_t c = 0; c < t->n_case; c++)
        if (cw[c] > 0) k[m++] = (case_key){ t->case_text[c], (int32_t)c, t->case_hash[c] };
    qsort(k, m, sizeof *k, case_key_cmp);
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && k[j].text == k[i].text) j++;
        size_t keep = j - i < (size_t)s->per_text ? j - i : (size_t)s->per_text;
        for (size_t q = i; q < j; q++) cw[k[q].c] = q - i < keep ? 1.0f / (float)keep : 0;
        i = j;
    }
    free(k);
    return 0;
}

/* Fits group g's classifier on the labelled texts; leaves g->booster NULL (prior only) when
 * there are too few. Before that, the labelled texts flagged in held[d.n] are held out of a
 * first fit, whose accuracy on them goes to *acc: what the classifier gets right on texts it
 * did not see (NAN without a classifier). */
static int fit_group(xp_ctx *ctx, state *s, size_t gi, const texts *t, const uint8_t *held_text,
                     size_t *per_level, size_t *unlabelled, double *acc, size_t *cases)
{
    group *g = &s->g[gi];
    size_t n = 0, levels_seen = 0;
    memset(per_level, 0, MAX_LEVELS * sizeof *per_level);
    *unlabelled = 0;
    *acc = NAN;
    *cases = 0;
    for (size_t k = 0; k < t->d.n; k++) {
        int l = t->label[k * s->n_g + gi];
        if (l >= 0) {
            per_level[l]++;
            n++;
        } else {
            (*unlabelled)++;
        }
    }
    for (size_t l = 0; l < g->n_lv; l++) {
        levels_seen += per_level[l] > 0;
        g->prior[l] = n ? (double)per_level[l] / (double)n : 1.0 / (double)g->n_lv;
    }
    if (n < (size_t)s->min_labelled || levels_seen < 2 || t->dim == 0) {
        xp_log(ctx, XP_LOG_WARN, "word_infer: group %s: %zu labelled training texts over %zu levels (%s): "
               "its unlabelled rows get the labelled texts' shares", g->name, n, levels_seen,
               t->dim ? "needs min_labelled texts and 2 levels" : "no inputs");
        return XP_OK;
    }
    /* the labelled texts' cases and their weights (0: not fitted) */
    float *cw = malloc((t->n_case ? t->n_case : 1) * sizeof *cw);
    if (!cw) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    if (pick_cases(s, gi, t, cw)) {
        free(cw);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    /* the fitted ones first, the held-out ones after */
    size_t m = 0;
    for (size_t c = 0; c < t->n_case; c++) m += cw[c] > 0;
    *cases = m;
    float *x = malloc((m ? m : 1) * t->dim * sizeof *x), *y = malloc((m ? m : 1) * sizeof *y);
    float *w = malloc((m ? m : 1) * sizeof *w);
    int rc = XP_OK;
    BoosterHandle b = NULL;
    DMatrixHandle dm = NULL;
    if (!x || !y || !w) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto done; }
    size_t front = 0, back = m, front_texts = 0;
    for (size_t c = 0; c < t->n_case; c++) {
        if (!(cw[c] > 0)) continue;   /* unlabelled, or not picked */
        int32_t k = t->case_text[c];
        size_t r = held_text[k] ? --back : front++;
        memcpy(x + r * t->dim, t->x + c * t->dim, t->dim * sizeof *x);
        y[r] = (float)t->label[(size_t)k * s->n_g + gi];
        w[r] = cw[c];
    }
    for (size_t k = 0; k < t->d.n; k++)
        front_texts += t->label[k * s->n_g + gi] >= 0 && !held_text[k];
    size_t held = m - front;
    /* The kept classifier sees its cases in this order (held-out ones last) whether or not
     * the check runs: XGBoost's sums depend on the order, and skipping a diagnostic must not
     * move an output. */
    if (s->heldout_check && front_texts >= (size_t)s->min_labelled && held > 0) {
        const float *p = NULL;
        if ((rc = train_booster(ctx, s, g, x, y, w, front, t->dim, &b))) goto done;
        if (XGDMatrixCreateFromMat(x + front * t->dim, (bst_ulong)held, (bst_ulong)t->dim, NAN, &dm)) {
            rc = xgb_fail(ctx, "data");
            goto done;
        }
        if ((rc = predict_rows(ctx, b, g, dm, held, &p))) goto done;
        double right = 0, total = 0;   /* weighted: each held-out text counts once */
        for (size_t i = 0; i < held; i++) {
            right += w[front + i] * (argmax(p + i * g->n_lv, g->n_lv) == (size_t)y[front + i]);
            total += w[front + i];
        }
        *acc = total > 0 ? right / total : NAN;
        XGBoosterFree(b);
        b = NULL;
    }
    if ((rc = train_booster(ctx, s, g, x, y, w, m, t->dim, &g->booster))) goto done;
done:
    if (b) XGBoosterFree(b);
    if (dm) XGDMatrixFree(dm);
    free(cw);
    free(x);
    free(y);
    free(w);
    return rc;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    forget(s);
    int rc = learn_inputs(ctx, s, train);
    if (rc) return rc;
    texts t;
    if ((rc = texts_build(ctx, s, train, &t))) return rc;
    /* one text in five held out of the accuracy check's first fits, by a hash of the text: the
     * same texts on every run, whatever the row order; computed once for all groups */
    uint8_t *held = malloc(t.d.n ? t.d.n : 1);
    if (!held) {
        texts_free(&t);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < t.d.n; k++) held[k] = tk_hash(t.d.text[k]) % 5 == 0;
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "column", s->column);
    json_out_kv_int(&j, "texts", (int64_t)t.d.n);
    json_out_kv_int(&j, "input_columns", (int64_t)s->in_cols.n);
    json_out_kv_int(&j, "input_words", (int64_t)s->vocab.n);
    json_out_key(&j, "groups");
    json_out_array(&j);
    for (size_t gi = 0; gi < s->n_g && !rc; gi++) {
        size_t per[MAX_LEVELS], unl, cases;
        double acc;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if ((rc = fit_group(ctx, s, gi, &t, held, per, &unl, &acc, &cases))) break;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        json_out_object(&j);
        json_out_kv_str(&j, "group", s->g[gi].name);
        json_out_key(&j, "labelled");
        json_out_object(&j);
        for (size_t l = 0; l < s->g[gi].n_lv; l++) json_out_kv_int(&j, s->g[gi].lv[l].words[0], (int64_t)per[l]);
        json_out_end(&j);
        json_out_kv_int(&j, "unlabelled", (int64_t)unl);
        json_out_kv_bool(&j, "classifier", s->g[gi].booster != NULL);
        json_out_kv_int(&j, "cases", (int64_t)cases);
        if (isfinite(acc)) json_out_kv_fixed(&j, "heldout_accuracy", acc, 4);
        json_out_kv_fixed(&j, "seconds", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), 3);
        json_out_end(&j);
    }
    json_out_end(&j);
    json_out_end(&j);
    texts_free(&t);
    free(held);
    if (rc) {
        json_out_free(&j);
        return rc;
    }
    return json_out_record(ctx, &j, "word_infer");
}

/* ------------------------------------------------------------ apply */

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    state *s = st;
    const xp_host *h = ctx->host;
    char name[512];
    for (size_t gi = 0; gi < s->n_g; gi++)
        for (size_t l = 0; l < s->g[gi].n_lv; l++) {
            out_name(s, &s->g[gi], l, name, sizeof name);
            if (h->frame_find(f, name))
                return xp_fail(ctx, XP_EINVAL, "word_infer: cannot add %s: a column of that name exists", name);
        }
    texts t;
    int rc = texts_build(ctx, s, f, &t);
    if (rc) return rc;
    size_t n = t.n_case;
    double *prob = NULL;
    DMatrixHandle dm = NULL;
    if (n && !(prob = malloc(n * MAX_LEVELS * sizeof *prob))) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto done; }
    if (n && t.dim && XGDMatrixCreateFromMat(t.x, (bst_ulong)n, (bst_ulong)t.dim, NAN, &dm)) {
        rc = xgb_fail(ctx, "data");
        goto done;
    }
    for (size_t gi = 0; gi < s->n_g; gi++) {
        const group *g = &s->g[gi];
        const float *p = NULL;
        if (n && g->booster && (rc = predict_rows(ctx, g->booster, g, dm, n, &p))) goto done;
        for (size_t c = 0; c < n; c++) {
            int lab = t.label[(size_t)t.case_text[c] * s->n_g + gi];
            for (size_t l = 0; l < g->n_lv; l++)
                prob[c * MAX_LEVELS + l] = lab >= 0 ? (double)((int)l == lab) : p ? (double)p[c * g->n_lv + l] : g->prior[l];
        }
        for (size_t l = 0; l < g->n_lv; l++) {
            out_name(s, g, l, name, sizeof name);
            xp_column *col = h->frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE);
            if (!col) { rc = xp_fail(ctx, XP_ENOMEM, "word_infer: cannot add column %s", name); goto done; }
            for (size_t r = 0; r < f->n_rows; r++) {
                int32_t c = t.row_case[r];
                col->num[r] = c >= 0 ? prob[(size_t)c * MAX_LEVELS + l] : NAN;
            }
        }
    }
done:
    if (dm) XGDMatrixFree(dm);
    free(prob);
    texts_free(&t);
    return rc;
}

static const xp_transform_ops ops = {
    .struct_size = sizeof(xp_transform_ops),
    .create = create,
    .fit = fit,
    .apply = apply,
    .destroy = destroy,
};

/* The options, as `runner plugins --help word_infer` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: word_infer\n"
    "    column: description           # TEXT or CATEGORICAL column whose words label rows, required\n"
    "    groups:                       # required: group -> its levels, each a word or a list of words\n"
    "      finish: [matte, brushed, anodized, [polished, mirror-finish]]\n"
    "    inputs: [\"description_image_*\"] # numeric columns the classifier reads (names or globs)\n"
    "    words: true                   # the text's other words as 0/1 inputs too\n"
    "    min_count: 5                  # training texts a word needs to be an input\n"
    "    out: description_read         # prefix: <out>_<group>_<first word of a level> (default: column)\n"
    "    trees: 200                    # the classifier: XGBoost softmax, rounds\n"
    "    depth: 4                      #   tree depth\n"
    "    eta: 0.1                      #   learning rate\n"
    "    seed: 0\n"
    "    bins: 256                     #   histogram bins per input (XGBoost max_bin)\n"
    "    per_text: 0                   #   cases fitted per labelled text (0: all; else a fixed pick)\n"
    "    min_labelled: 20              # fewer labelled training texts: the level shares instead\n"
    "    heldout_check: true           # the record's heldout_accuracy (a first fit without one labelled\n"
    "                                  # text in five); false skips it: same outputs, ~45% less time\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "word_infer", "1.0.0",
    "a word group's level per row: named by the text, else inferred from other columns by a "
    "classifier fitted on the rows that name it", &ops, options_text);

XP_PLUGINS(&plugin)
