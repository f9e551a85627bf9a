/* tools/gen_demo/items.c — the hidden item catalogue: properties, description, image name,
 * and the item-level table cells (noisy proxies of the properties).
 *
 *     gd_item *items; long n, redraws;
 *     gd_items_make(&opt, &items, &n, &redraws);
 *     printf("%s -> %s%s\n", items[0].desc, items[0].slug, gd_img_ext(items[0].img_kind));
 *
 * Descriptions are unique per item. Whether a size, finish or grade word appears is drawn
 * independently of the property's value, so a missing word says nothing about it (the text
 * oracle relies on that). On a clash only the filler words are redrawn; if that cannot
 * separate two items the whole item is redrawn (counted, rare).
 */
#include "gd.h"
#include "vocab.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_ITEMS = 1, STREAM_HOLDOUT = 2 };

/* ---- a set of strings (open addressing on FNV-1a) ---- */
typedef struct { char **slot; size_t cap; } strset;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int strset_has(const strset *t, const char *s)
{
    for (size_t i = fnv(s) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->slot[i]) return 0;
        if (strcmp(t->slot[i], s) == 0) return 1;
    }
}

static void strset_add(strset *t, char *s)
{
    size_t i = fnv(s) & (t->cap - 1);
    while (t->slot[i]) i = (i + 1) & (t->cap - 1);
    t->slot[i] = s;
}

const char *gd_img_ext(int kind)
{
    switch (kind) {
    case GD_IMG_JPG: return ".jpg";
    case GD_IMG_JPEG: return ".jpeg";
    case GD_IMG_PNG_RGB:
    case GD_IMG_PNG_RGBA:
    case GD_IMG_PNG_GREY: return ".png";
    default: return "";
    }
}

static void draw_props(gd_item *it, gd_rng *r)
{
    for (int k = 0; k < GD_NPROP; k++) it->prop[k] = gd_rng_pick(r, gd_m.prior[k], gd_m.card[k]);
    it->q = gd_rng_normal(r);
    it->pop = exp(1.0 * gd_rng_normal(r));
    /* informative words: presence independent of the value */
    it->has_size_word = gd_rng_unif(r) < 0.5;
    it->has_grade_word = gd_rng_unif(r) < 0.93;
    it->has_finish_word = gd_rng_unif(r) < 0.3;
}

static const char *pick_word(const char *const w[2], gd_rng *r)
{
    return (w[1] && gd_rng_unif(r) < 0.5) ? w[1] : w[0];
}

static int count_words(const char *s)
{
    int n = 1;
    for (; *s; s++) n += *s == ' ';
    return n;
}

/* Builds the description: [size] [grade] [finish] [pre-filler] material type [post-filler]. */
static void build_desc(gd_item *it, gd_rng *r, const char *w_size, const char *w_grade,
                       const char *w_finish)
{
    const char *type = gd_components[it->prop[GD_P_C]].name;
    int n = it->has_size_word + it->has_grade_word + it->has_finish_word + 1 + count_words(type);
    const char *pre = NULL, *post = NULL;
    int want = n < 3 ? 1 : 0;
    if (n < 6 && gd_rng_unif(r) < 0.35) want++;
    if (n + want < 6 && want >= 1 && gd_rng_unif(r) < 0.12) want++;
    if (n + want > 6) want = 6 - n;
    for (int i = 0; i < want; i++) {
        int use_pre = pre ? 0 : post ? 1 : gd_rng_unif(r) < 0.7;
        if (use_pre) pre = gd_filler_pre[gd_rng_below(r, GD_NFILL_PRE)];
        else post = gd_filler_post[gd_rng_below(r, GD_NFILL_POST)];
    }
    char *d = it->desc;
    size_t cap = sizeof it->desc;
    d[0] = 0;
#define PUT(w)                                                   \
    do {                                                         \
        if (w) {                                                 \
            size_t l_ = strlen(d);                               \
            snprintf(d + l_, cap - l_, "%s%s", l_ ? " " : "", w); \
        }                                                        \
    } while (0)
    if (it->has_size_word) PUT(w_size);
    if (it->has_grade_word) PUT(w_grade);
    if (it->has_finish_word) PUT(w_finish);
    PUT(pre);
    PUT(gd_materials[it->prop[GD_P_M]]);
    PUT(type);
    PUT(post);
#undef PUT
}

static void make_slug(gd_item *it)
{
    size_t j = 0;
    for (const char *s = it->desc; *s && j + 1 < sizeof it->slug; s++) {
        if (*s == ' ') it->slug[j++] = '_';
        else if (*s == '-') {
            if (it->hyphen_rule == 0) it->slug[j++] = '_';
        } else it->slug[j++] = (char)tolower((unsigned char)*s);
    }
    it->slug[j] = 0;
}

static double xform(const gd_proxy *p, double z)
{
    switch (p->xform) {
    case GD_X_EXP: return p->off + p->scale * exp(z);
    case GD_X_LOGIT: return p->off + p->scale / (1.0 + exp(-z));
    default: return p->off + p->scale * z;
    }
}

/* Item-level cells: proxies of the properties, and noise columns that are fixed per item. */
static void make_cells(gd_item *it, gd_rng *r)
{
    for (int c = 0; c < GD_NCOL; c++) it->val[c] = NAN;
    int block_missing[4] = {0, 0, 0, 0};
    for (int b = 1; b <= 3; b++) block_missing[b] = gd_rng_unif(r) < gd_m.block_miss[b];

    for (int i = 0; i < gd_m.n_proxy; i++) {
        const gd_proxy *p = &gd_m.proxy[i];
        double u = gd_rng_unif(r), e = gd_rng_normal(r), u2 = gd_rng_unif(r);
        int missing = p->block ? block_missing[p->block] : u < p->miss;
        if (missing) {
            it->val[p->col] = p->miss_code;
            continue;
        }
        double x;
        if (p->kind == GD_PK_GAUSS || p->kind == GD_PK_ROUND) {
            double z = p->group == GD_GRP_Q ? p->mean[0] * it->q + p->sd * e
                                            : p->mean[it->prop[p->group]] + p->sd * e;
            x = xform(p, z);
            if (p->kind == GD_PK_ROUND) x = floor(x + 0.5);
        } else if (p->kind == GD_PK_CAT) {
            int right = p->code_of[it->prop[p->group]];
            int j = right;
            if (u2 >= p->r) {
                j = gd_rng_below(r, p->ncode - 1);
                if (j >= right) j++;
            }
            x = p->codes[j];
        } else {
            x = p->codes[u2 < p->p1[it->prop[p->group]] ? 1 : 0];
        }
        x = gd_p6(x);
        if (!isnan(p->miss_code) && x == p->miss_code) x = gd_p6(x + 1e-4); /* keep the code unambiguous */
        it->val[p->col] = x;
    }

    /* item-level noise columns */
    it->val[7] = gd_rng_unif(r) < 0.05 ? NAN : gd_p6(1 + 3 * gd_rng_normal(r));
    it->val[26] = gd_p6(exp(6 + 4 * gd_rng_normal(r)));
    it->val[30] = gd_p6(-5 + 3 * gd_rng_unif(r));
    it->val[33] = gd_p6(exp(2 + 2.5 * gd_rng_normal(r)));
    it->val[39] = floor(exp(1.5 + gd_rng_normal(r)));
    it->val[42] = gd_p6(-5 + 3 / (1 + exp(-1.5 * gd_rng_normal(r))));
    it->val[45] = gd_p6(50 + 100 * gd_rng_normal(r));
    it->val[55] = floor(20.5 + 5 * gd_rng_normal(r));
    double n72 = gd_rng_normal(r), n73 = gd_rng_normal(r), n74 = gd_rng_normal(r);
    if (!block_missing[3]) {
        it->val[72] = gd_p6(n72);
        it->val[73] = gd_p6(exp(n73));
        it->val[74] = gd_p6(-3 + 0.5 * n74);
    }
}

static int draw_img_kind(gd_rng *r)
{
    double u = gd_rng_unif(r);
    if (u < 0.012) return GD_IMG_NONE;
    u = gd_rng_unif(r);
    if (u < 0.55) return GD_IMG_JPG;
    if (u < 0.75) return GD_IMG_JPEG;
    u = gd_rng_unif(r);
    return u < 0.45 ? GD_IMG_PNG_RGB : u < 0.80 ? GD_IMG_PNG_RGBA : GD_IMG_PNG_GREY;
}

int gd_items_make(const gd_options *o, gd_item **out, long *n_out, long *redraws)
{
    long n = o->items;
    gd_item *items = calloc((size_t)n, sizeof *items);
    strset descs = {0}, slugs = {0};
    descs.cap = slugs.cap = 1;
    while (descs.cap < (size_t)n * 4) descs.cap *= 2;
    slugs.cap = descs.cap;
    descs.slot = calloc(descs.cap, sizeof *descs.slot);
    slugs.slot = calloc(slugs.cap, sizeof *slugs.slot);
    if (!items || !descs.slot || !slugs.slot) gd_die("out of memory for %ld items", n);
    *redraws = 0;

    for (long i = 0; i < n; i++) {
        gd_item *it = &items[i];
        gd_rng r;
        gd_rng_seed(&r, o->seed, STREAM_ITEMS, (uint64_t)i);
        for (int attempt = 0;; attempt++) {
            if (attempt > 50) gd_die("cannot make %ld distinct descriptions; use fewer --items", n);
            draw_props(it, &r);
            const char *w_size = pick_word(gd_size_words[it->prop[GD_P_S]], &r);
            const char *w_grade = pick_word(gd_grade_words[it->prop[GD_P_G]], &r);
            const char *w_finish = pick_word(gd_finish_words[it->prop[GD_P_F]], &r);
            int ok = 0;
            for (int t = 0; t < 200 && !ok; t++) {
                build_desc(it, &r, w_size, w_grade, w_finish);
                ok = !strset_has(&descs, it->desc);
            }
            if (ok) break;
            (*redraws)++;
        }
        it->hyphen_rule = gd_rng_unif(&r) < 0.5;
        make_slug(it);
        if (strset_has(&slugs, it->slug)) { /* the other hyphen rule always separates them */
            it->hyphen_rule ^= 1;
            make_slug(it);
            if (strset_has(&slugs, it->slug)) gd_die("slug clash for \"%s\"", it->desc);
        }
        strset_add(&descs, it->desc);
        strset_add(&slugs, it->slug);
        it->img_kind = draw_img_kind(&r);
        make_cells(it, &r);
    }

    /* held-out items: a seeded random subset of fixed size */
    long *perm = malloc((size_t)n * sizeof *perm);
    if (!perm) gd_die("out of memory");
    for (long i = 0; i < n; i++) perm[i] = i;
    gd_rng r;
    gd_rng_seed(&r, o->seed, STREAM_HOLDOUT, 0);
    for (long i = n - 1; i > 0; i--) {
        long j = (long)(gd_rng_unif(&r) * (double)(i + 1));
        long t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    long n_hold = (long)floor(o->holdout_frac * (double)n + 0.5);
    for (long i = 0; i < n_hold; i++) items[perm[i]].holdout = 1;
    free(perm);
    free(descs.slot);
    free(slugs.slot);
    *out = items;
    *n_out = n;
    return 0;
}
