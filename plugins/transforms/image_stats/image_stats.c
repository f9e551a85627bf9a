/* image_stats.c — transform `image_stats`: a few numbers that describe the object in a
 * picture (how much of the frame it fills, how far it reaches, its colour, its texture),
 * read from each row's picture file or from an image encoder's pixel column, as numeric
 * features any model reads.
 *
 *     runner plugins --help image_stats    # its options, as the plugin documents them
 *
 *     pipeline:
 *       - plugin: image_stats              # the picture each description names, read from
 *         column: description              # its file at its own size and aspect ratio
 *         out: description_image           # description_image_fill, ..._reach90, ...
 *         side: 128                        # a larger picture shrunk to short side 128 first
 *     or, from square pixels an encoder made (stretched to size x size):
 *       - plugin: image_pixels
 *         column: description
 *         out: description_px64
 *         size: 64
 *       - plugin: image_stats
 *         column: description_px64
 *
 * Reading the files (column is text): each row's text is resolved to a file in `images`
 * (default data.images) as image_pixels resolves it (image_io.h), each distinct file is read
 * once per apply, decoded with its aspect ratio kept (shrunk to short side `side` when larger;
 * never enlarged) and measured; only the 23 numbers are kept — in the host's embedding cache
 * too (`cache`, keyed by the file's sha256 and these settings), so the folds, the refit,
 * predict and the next run measure each file once. No pixel table is held: a picture's size
 * costs time, not memory. A stretched square distorts a wide picture's part by up to its
 * aspect ratio; measured in the file's own geometry, lengths are in units of its short side.
 * At `runner predict` the run's own rows read the files the run kept (host input_dir).
 *
 * Why: a learned tower has to discover from the target alone that the share of the frame a
 * part fills says how big it is; with a few thousand pictures and a noisy target it mostly
 * does not (README, "The image, measured"). Product photographs have a subject in front of
 * a background that reaches the border, so the subject can be found without learning: what
 * differs from the border's colour. Its extent, colour and texture are then plain numbers a
 * tree can split on.
 *
 * How, per picture (measure.c; [0, 1] RGB):
 *  - The background is a plane per channel (a + b·x + c·y: a gradient or a flat studio
 *    backdrop), least squares over the border ring (`border` × the short side on each edge).
 *  - A pixel is the object when some channel differs from the plane by more than a
 *    threshold relative to the plane's brightness: max(min_contrast, 1.5 × the 90th
 *    percentile of the ring's own differences), so a textured backdrop raises the bar.
 *  - The object is the connected region of such pixels (8-connected, gaps up to 3% of the
 *    short side closed) that holds the one nearest the picture's centre: a product photo
 *    centres its subject, and a stray blob elsewhere (another object, a reflection) is left
 *    out. Reading the size from the picture alone (bench/step2/probe/size.py, the component
 *    known): 0.696 -> 0.729 of items right at 64 px, 0.758 -> 0.811 at the file's own size.
 *  - Only pixels with at least 6 of their 8 neighbours in the object count (speckle and
 *    one-pixel noise are dropped); fewer than 4 such pixels: no object (fill 0, the rest
 *    missing).
 * Features (<out>_...): fill (object pixels / the short side squared: the share of a square
 * frame), spread (RMS distance from the object's centroid, in short sides), reach50 / reach90
 * (median and 90th percentile of that distance), box (square root of the area between the
 * 2nd and 98th percentiles of x and y, in short sides), red /
 * green / blue (mean chromaticity: channel / sum of channels), light and light_sd (mean and
 * SD of the object's brightness), edges (mean absolute brightness gradient inside the object:
 * texture), contrast (object brightness minus the backdrop's); for the surface: saturation
 * (mean (max − min) / max of a pixel's channels: a dyed or tinted finish against bare
 * metal), bright_tail and dark_tail (the 95th percentile of brightness minus the median, the
 * median minus the 5th: a specular highlight, deep shading), fine (mean absolute Laplacian
 * of brightness inside the object: grain and streaks, blind to a smooth lighting gradient)
 * and coherence (how much of the brightness gradient runs one way, 0 … 1, from the summed
 * structure tensor: brushing). The same surface relative to the object's own brightness
 * (÷ light): grain (the median absolute Laplacian: the texture most of the surface has, not
 * the outline's or a few rivets'), detail (SD of each pixel's difference from its 3 × 3
 * neighbourhood's mean), shading (the slope of a brightness plane fitted over the object,
 * per side: how strongly the light falls across it) and uneven (SD of the brightness about
 * that plane), dark_rel (dark_tail ÷ light); and sat_p90 (the 90th percentile of
 * saturation: a tint that covers part of the object). Why relative: a surface's streaks,
 * grain and highlights scale the material's own colour, so absolute figures mostly measure
 * how dark the material is; ÷ light, the finish reads alike on dark and bright materials.
 * Measured through word_infer on the demo data (64 px; its classifier of the finish, four
 * levels, scored on held-out labelled items, mean of 5 folds): 0.668 of items right with
 * the absolute figures, 0.731 with these six added. A row without a picture gets missing
 * values; the encoder's
 * <column>_missing flag says so.
 *
 * Nothing is learned: each picture's numbers depend on that picture only, so fit does
 * nothing and no target can leak. A pixel column is dropped after unless `keep: true` (a
 * text column always stays). Records kind "image_stats" once per apply: the column, read
 * (files | pixels), side, rows, rows_without_picture, pictures, objects_found, mean_fill;
 * reading files also undecodable, cache_hits, seconds.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image_io.h"
#include "json_out.h"
#include "measure.h"
#include "xp/xp.h"

static const char *const layouts[] = { "chw", "hwc" };   /* IM_CHW, IM_HWC */

typedef struct state {
    const char *column, *out, *images;
    int layout, keep, cache;
    int64_t side;
    double border, min_contrast;
    int keep_inputs;                /* the host keeps the files a run reads (input_used) */
    image_index *ix;                /* reading the pictures themselves: the folder, listed */
    char *ix_for;
    char space[160];                /* the embedding cache's space for these settings */
} state;

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    image_index_close(s->ix);
    free(s->ix_for);
    free(s);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->border = 0.06;
    s->min_contrast = 0.12;
    s->side = 0;
    s->cache = 1;
    int rc;
    if ((rc = h->cfg_str(ctx, cfg, "column", 0, &s->column)) ||
        (rc = h->cfg_str(ctx, cfg, "out", 0, &s->out)) ||
        (rc = xp_cfg_choice(ctx, cfg, "layout", layouts, XP_COUNT(layouts), 0, &s->layout)) ||
        (rc = h->cfg_num(ctx, cfg, "border", 0, &s->border)) ||
        (rc = h->cfg_num(ctx, cfg, "min_contrast", 0, &s->min_contrast)) ||
        (rc = h->cfg_bool(ctx, cfg, "keep", 0, &s->keep)) ||
        (rc = h->cfg_str(ctx, cfg, "images", 0, &s->images)) ||
        (rc = h->cfg_int(ctx, cfg, "side", 0, &s->side)) ||
        (rc = h->cfg_bool(ctx, cfg, "cache", 0, &s->cache)))
        goto fail;
    if (!s->column || !*s->column) {
        rc = xp_fail(ctx, XP_ECONFIG, "image_stats needs `column:` (a text column naming each row's "
                     "picture, or the pixel column an image encoder adds, e.g. image_pixels' out)");
        goto fail;
    }
    if (!(s->border > 0 && s->border <= 0.25)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: border must be in (0, 0.25] (a share of the side), got %g",
                     h->cfg_where(h->cfg_get(cfg, "border")), s->border);
        goto fail;
    }
    if (!(s->min_contrast > 0 && s->min_contrast < 1)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: min_contrast must be in (0, 1), got %g",
                     h->cfg_where(h->cfg_get(cfg, "min_contrast")), s->min_contrast);
        goto fail;
    }
    if (s->side != 0 && (s->side < 8 || s->side > IMAGE_MAX_OUT_SIDE)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: side must be 0 (each picture at its own size) or 8 .. %d "
                     "(the short side a larger picture is shrunk to), got %lld",
                     h->cfg_where(h->cfg_get(cfg, "side")), IMAGE_MAX_OUT_SIDE, (long long)s->side);
        goto fail;
    }
    if (!s->images && XP_HOST_HAS(h, cfg_root) && h->cfg_root) {
        const xp_cfg *data = h->cfg_get(h->cfg_root(ctx), "data");
        const xp_cfg *im = data ? h->cfg_get(data, "images") : NULL;
        if (im && h->cfg_kind(im) == XP_CFG_SCALAR) s->images = h->cfg_scalar(im);
    }
    if (!s->out) s->out = s->column;
    if (!*s->out) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: out must not be empty", h->cfg_where(h->cfg_get(cfg, "out")));
        goto fail;
    }
    s->keep_inputs = XP_HOST_HAS(h, input_used) && h->input_dir && h->input_used;
    /* What a cached entry depends on: the measure's version and settings. Bump the version
     * whenever measure.c reads a picture differently (v2: the object is the region nearest
     * the centre), or a cache written before would serve the old numbers. */
    snprintf(s->space, sizeof s->space, "image_stats/v2/side%lld/b%.6g/c%.6g", (long long)s->side,
             s->border, s->min_contrast);
    if (XP_HOST_HAS(h, column_add) && h->column_ref && h->column_add) {   /* the config check */
        h->column_ref(ctx, h->cfg_get(cfg, "column"), s->column);
        char name[512];
        for (int k = 0; k < IM_N_FEAT; k++) {
            snprintf(name, sizeof name, "%s_%s", s->out, im_feat_names[k]);
            h->column_add(ctx, name);
        }
    }
    *out = s;
    return XP_OK;
fail:
    destroy(s);
    return rc;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------ pictures from files */

typedef struct pic {
    const char *path, *name;        /* borrowed from the index */
    int status, fatal, hit, found;
    char msg[300];
} pic;

typedef struct job {
    xp_ctx *ctx;
    const state *s;
    pic *pics;
    size_t n;
    double *feat;                   /* n × IM_N_FEAT */
    int use_cache;
} job;

/* A worker's scratch: the measure's arrays and the decoded picture. */
typedef struct worker_scratch {
    im_scratch w;
    float *px;
    size_t px_cap;
} worker_scratch;

/* Picture k: read, kept by the host, looked up in the cache or decoded at the picture's own
 * aspect ratio (short side `side` when larger) and measured. */
static void measure_one(job *j, size_t k, worker_scratch *ws)
{
    const state *s = j->s;
    pic *p = &j->pics[k];
    double *feat = j->feat + k * IM_N_FEAT;
    for (int f = 0; f < IM_N_FEAT; f++) feat[f] = NAN;
    unsigned char *buf = NULL;
    size_t n = 0;
    if ((p->status = image_read_file(p->path, 0, &buf, &n, p->msg, sizeof p->msg))) return;
    if (s->keep_inputs && (p->status = j->ctx->host->input_used(j->ctx, s->images, p->name, buf, n))) {
        p->fatal = 1;
        free(buf);
        return;
    }
    uint8_t key[32];
    float v[IM_N_FEAT];
    if (j->use_cache) {
        j->ctx->host->sha256(buf, n, key);
        if (j->ctx->host->cache_get(j->ctx, s->space, key, IM_N_FEAT, v) == 1) {
            for (int f = 0; f < IM_N_FEAT; f++) feat[f] = v[f];
            p->hit = 1;
            p->found = isfinite(feat[IM_SPREAD]);
            free(buf);
            return;
        }
    }
    int sw, sh;
    if ((p->status = image_size_of(buf, n, p->path, &sw, &sh, p->msg, sizeof p->msg))) { free(buf); return; }
    int ow = sw, oh = sh, short_side = sw < sh ? sw : sh, long_side;
    long_side = sw > sh ? sw : sh;
    /* shrink, the aspect ratio kept, never enlarge: to short side `side`, and in any case to
     * what the decoder can output (IMAGE_MAX_OUT_SIDE per side) */
    double scale = s->side > 0 && short_side > s->side ? (double)s->side / short_side : 1;
    if (long_side * scale > IMAGE_MAX_OUT_SIDE) scale = (double)IMAGE_MAX_OUT_SIDE / long_side;
    if (scale < 1) {
        ow = (int)lround(sw * scale);
        oh = (int)lround(sh * scale);
        if (ow < 1) ow = 1;
        if (oh < 1) oh = 1;
    }
    size_t need = (size_t)ow * (size_t)oh * 3;
    if (need > ws->px_cap) {
        free(ws->px);
        ws->px_cap = 0;
        if (!(ws->px = malloc(need * sizeof *ws->px))) {
            p->status = XP_ENOMEM;
            snprintf(p->msg, sizeof p->msg, "out of memory for a %d x %d picture", ow, oh);
            free(buf);
            return;
        }
        ws->px_cap = need;
    }
    image_opts o = image_opts_default(ow, oh);
    p->status = image_decode_rgb(buf, n, p->path, &o, ws->px, NULL, p->msg, sizeof p->msg);
    free(buf);
    if (p->status) return;
    int found = im_measure(ws->px, IM_HWC, (size_t)ow, (size_t)oh, s->border, s->min_contrast, &ws->w, feat);
    if (found < 0) {
        p->status = XP_ENOMEM;
        snprintf(p->msg, sizeof p->msg, "out of memory measuring a %d x %d picture", ow, oh);
        return;
    }
    p->found = found;
    if (j->use_cache) {
        for (int f = 0; f < IM_N_FEAT; f++) v[f] = (float)feat[f];
        j->ctx->host->cache_put(j->ctx, s->space, key, IM_N_FEAT, v);
        for (int f = 0; f < IM_N_FEAT; f++) feat[f] = v[f];   /* a rerun reads the same floats */
    }
}

static void measure_task(void *arg, size_t k, void **local)
{
    job *j = arg;
    if (!*local) *local = calloc(1, sizeof(worker_scratch));
    worker_scratch *ws = *local;
    if (ws) measure_one(j, k, ws);
    else {
        j->pics[k].status = XP_ENOMEM;
        snprintf(j->pics[k].msg, sizeof j->pics[k].msg, "out of memory");
    }
}

static void scratch_free(void *local)
{
    worker_scratch *ws = local;
    if (!ws) return;
    im_scratch_free(&ws->w);
    free(ws->px);
    free(ws);
}

/* Lists the folder to read: the configured one, or the one the host names instead (at
 * `runner predict`: the files the run read, or --images for new rows). */
static int open_folder(xp_ctx *ctx, state *s)
{
    const xp_host *h = ctx->host;
    const char *dir = s->images;
    int rc;
    if (!dir) return xp_fail(ctx, XP_ECONFIG, "image_stats: column %s is text, so it names pictures: "
                             "set `images:` or data.images (the folder holding them)", s->column);
    if (s->keep_inputs && (rc = h->input_dir(ctx, s->images, &dir))) return rc;
    char msg[600];
    if ((rc = image_index_follow(&s->ix, &s->ix_for, dir, msg, sizeof msg)) < 0)
        return xp_fail(ctx, rc, "image_stats: %s", msg);
    return XP_OK;
}

static size_t hash_ptr(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

typedef struct tally {
    size_t pictures, found, rows_without, undecodable, hits;
    double fill_sum;
} tally;

/* Each row's picture, resolved from its text; each distinct file measured once. feat gets
 * n_rows × IM_N_FEAT (NaN without a picture). */
static int from_files(xp_ctx *ctx, state *s, const xp_column *src, size_t n_rows, double *feat, tally *t)
{
    const xp_host *h = ctx->host;
    int rc = open_folder(ctx, s);
    if (rc) return rc;
    int32_t *row_pic = malloc((n_rows ? n_rows : 1) * sizeof *row_pic);
    size_t cap = 64;
    while (cap < 2 * n_rows + 2) cap *= 2;
    int32_t *slot = malloc(cap * sizeof *slot);
    pic *pics = calloc(n_rows ? n_rows : 1, sizeof *pics);
    double *pf = NULL;
    size_t np = 0;
    if (!row_pic || !slot || !pics) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < cap; i++) slot[i] = -1;
    for (size_t r = 0; r < n_rows; r++) {
        const char *d = src->type == XP_COL_TEXT ? src->text[r]
                        : (src->codes[r] >= 0 ? src->levels[src->codes[r]] : NULL);
        const char *name = NULL, *path = d ? image_index_find_named(s->ix, d, NULL, &name) : NULL;
        row_pic[r] = -1;
        if (!path) continue;
        size_t j = hash_ptr(path) & (cap - 1);
        while (slot[j] >= 0 && pics[slot[j]].path != path) j = (j + 1) & (cap - 1);
        if (slot[j] < 0) {
            slot[j] = (int32_t)np;
            pics[np].path = path;
            pics[np].name = name;
            np++;
        }
        row_pic[r] = slot[j];
    }
    pf = malloc((np ? np : 1) * IM_N_FEAT * sizeof *pf);
    if (!pf) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto done; }
    job j = { .ctx = ctx, .s = s, .pics = pics, .n = np, .feat = pf,
              .use_cache = s->cache && XP_HOST_HAS(h, cache_put) && h->cache_get && h->cache_put && h->sha256 };
    image_for_each(np, h->threads ? h->threads(ctx) : 1, measure_task, scratch_free, &j);
    const char *example = NULL;
    for (size_t k = 0; k < np; k++) {
        if (pics[k].fatal) { rc = pics[k].status; goto done; }   /* the host's message (input_used) */
        if (pics[k].status == XP_ENOMEM) { rc = xp_fail(ctx, XP_ENOMEM, "image_stats: %s", pics[k].msg); goto done; }
        if (pics[k].status) {
            if (!example) example = pics[k].msg;
            t->undecodable++;
            continue;
        }
        t->pictures++;
        t->found += (size_t)pics[k].found;
        t->hits += (size_t)pics[k].hit;
        t->fill_sum += pf[k * IM_N_FEAT + IM_FILL];
    }
    if (example)   /* said, not only counted: their rows' numbers are missing */
        xp_log(ctx, XP_LOG_WARN, "image_stats: %zu of %zu picture files could not be read (e.g. %s); their rows "
               "get missing values", t->undecodable, np, example);
    for (size_t r = 0; r < n_rows; r++) {
        int32_t k = row_pic[r];
        int ok = k >= 0 && pics[k].status == 0;
        t->rows_without += !ok;
        for (int f = 0; f < IM_N_FEAT; f++) feat[r * IM_N_FEAT + (size_t)f] = ok ? pf[(size_t)k * IM_N_FEAT + (size_t)f] : NAN;
    }
done:
    free(row_pic);
    free(slot);
    free(pics);
    free(pf);
    return rc;
}

/* ------------------------------------------------------------------ pictures as pixel columns */

static int from_pixels(xp_ctx *ctx, const state *s, const xp_column *c, size_t n_rows, double *feat,
                       tally *t, size_t *side_out)
{
    size_t side = (size_t)lround(sqrt((double)c->dim / 3));
    if (side < 8 || side * side * 3 != c->dim)
        return xp_fail(ctx, XP_EINVAL, "image_stats: column %s has width %zu; expected 3 x side x side "
                       "pixels with side >= 8 (image_pixels' size)", s->column, c->dim);
    *side_out = side;
    size_t count = c->vectors ? c->vectors->count : 0;
    double *pf = malloc((count ? count : 1) * IM_N_FEAT * sizeof *pf);
    unsigned char *used = calloc(count ? count : 1, 1);
    im_scratch w = { 0 };
    int rc = XP_OK;
    if (!pf || !used) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto done; }
    for (size_t r = 0; r < n_rows; r++)
        if (c->vec_row[r] >= 0 && (size_t)c->vec_row[r] < count) used[c->vec_row[r]] = 1;
    for (size_t v = 0; v < count; v++) {                    /* each distinct picture once */
        if (!used[v]) continue;
        int found = im_measure(c->vectors->data + v * c->dim, s->layout, side, side, s->border,
                               s->min_contrast, &w, pf + v * IM_N_FEAT);
        if (found < 0) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto done; }
        t->pictures++;
        t->found += (size_t)found;
        t->fill_sum += pf[v * IM_N_FEAT + IM_FILL];
    }
    for (size_t r = 0; r < n_rows; r++) {
        int32_t v = c->vec_row[r];
        int ok = v >= 0 && (size_t)v < count;
        t->rows_without += !ok;
        for (int f = 0; f < IM_N_FEAT; f++) feat[r * IM_N_FEAT + (size_t)f] = ok ? pf[(size_t)v * IM_N_FEAT + (size_t)f] : NAN;
    }
done:
    free(pf);
    free(used);
    im_scratch_free(&w);
    return rc;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    state *s = st;
    const xp_host *h = ctx->host;
    double t0 = now_s();
    int at = h->frame_index(f, s->column);
    if (at < 0) return xp_fail(ctx, XP_ENOTFOUND, "image_stats: no column %s in this frame", s->column);
    const xp_column *c = f->cols[at];
    int files = c->type == XP_COL_TEXT || c->type == XP_COL_CATEGORICAL;
    if (!files && c->type != XP_COL_VECTOR)
        return xp_fail(ctx, XP_EINVAL, "image_stats: column %s is %s; expected text naming each row's "
                       "picture, or a vector of pixels (an image encoder's output, e.g. image_pixels)",
                       s->column, xp_col_type_name(c->type));
    char name[512];
    for (int k = 0; k < IM_N_FEAT; k++) {
        snprintf(name, sizeof name, "%s_%s", s->out, im_feat_names[k]);
        if (h->frame_find(f, name))
            return xp_fail(ctx, XP_EINVAL, "image_stats: cannot add %s: a column of that name exists", name);
    }
    size_t n = f->n_rows, side = 0;
    double *feat = malloc((n ? n : 1) * IM_N_FEAT * sizeof *feat);
    if (!feat) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    tally t = { 0 };
    int rc = files ? from_files(ctx, s, c, n, feat, &t) : from_pixels(ctx, s, c, n, feat, &t, &side);
    if (rc) goto done;
    xp_column *out[IM_N_FEAT];
    for (int k = 0; k < IM_N_FEAT; k++) {
        snprintf(name, sizeof name, "%s_%s", s->out, im_feat_names[k]);
        if (!(out[k] = h->frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE))) {
            rc = xp_fail(ctx, XP_ENOMEM, "image_stats: cannot add column %s", name);
            goto done;
        }
    }
    for (size_t r = 0; r < n; r++)
        for (int k = 0; k < IM_N_FEAT; k++) out[k]->num[r] = feat[r * IM_N_FEAT + (size_t)k];
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "column", s->column);
    json_out_kv_str(&j, "out", s->out);
    json_out_kv_str(&j, "read", files ? "files" : "pixels");
    json_out_kv_int(&j, "side", files ? s->side : (int64_t)side);
    json_out_kv_int(&j, "rows", (int64_t)n);
    json_out_kv_int(&j, "rows_without_picture", (int64_t)t.rows_without);
    json_out_kv_int(&j, "pictures", (int64_t)t.pictures);
    json_out_kv_int(&j, "objects_found", (int64_t)t.found);
    json_out_kv_fixed(&j, "mean_fill", t.pictures ? t.fill_sum / (double)t.pictures : 0.0, 4);
    if (files) {
        json_out_kv_int(&j, "undecodable", (int64_t)t.undecodable);
        json_out_kv_int(&j, "cache_hits", (int64_t)t.hits);
        json_out_kv_fixed(&j, "seconds", now_s() - t0, 3);
    }
    json_out_end(&j);
    if ((rc = json_out_record(ctx, &j, "image_stats"))) goto done;
    if (t.pictures && t.found < t.pictures)
        xp_log(ctx, XP_LOG_DEBUG, "image_stats: no object found in %zu of %zu pictures of %s (features "
               "missing there but fill = 0)", t.pictures - t.found, t.pictures, s->column);
    if (!files && !s->keep) h->frame_drop(f, (size_t)h->frame_index(f, s->column));
done:
    free(feat);
    return rc;
}

static const xp_transform_ops ops = {
    .struct_size = sizeof(xp_transform_ops),
    .create = create,
    .apply = apply,
    .destroy = destroy,
};

/* The options, as `runner plugins --help image_stats` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: image_stats\n"
    "    column: description           # text naming each row's picture (read from its file), or a\n"
    "                                  # VECTOR column of square pixels (image_pixels' out); required\n"
    "    out: description_image        # prefix of the 23 columns (default: column)\n"
    "    border: 0.06                  # share of the short side read as the backdrop, (0, 0.25]\n"
    "    min_contrast: 0.12            # least relative difference from the backdrop that is object\n"
    "    # reading files (column is text):\n"
    "    images: null                  # the pictures' folder (default: data.images)\n"
    "    side: 0                       # 0: each picture at its own size; N: a larger one shrunk to\n"
    "                                  # short side N, aspect ratio kept (8 .. 4096)\n"
    "    cache: true                   # keep the 23 numbers per file in the host's embedding cache\n"
    "    # reading pixels (column is a vector):\n"
    "    layout: chw                   # the encoder's layout: chw | hwc\n"
    "    keep: false                   # keep the pixel column too (e.g. for pca after)\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "image_stats", "1.1.0",
    "a picture (its file, or its pixels) -> the object's fill, reach, colour and texture against the border's backdrop",
    &ops, options_text);

XP_PLUGINS(&plugin)
