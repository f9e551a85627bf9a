/* image_pixels.c — encoder `image_pixels`: the image named by a text column as a pixel tensor,
 * the input of a trainable CNN tower (the fusion model trains it end to end).
 *
 *     runner plugins --help image_pixels       # its options, as the plugin documents them
 *
 * Per distinct description (rows showing the same description share one vector, and
 * descriptions that resolve to the same file share one too): resolve it to a file in `images`
 * (image_io.h: lower case, spaces -> '_', hyphen as '_', dropped or kept, case-insensitive,
 * .jpg/.jpeg/.png, never outside the folder), decode it (alpha composited on `background`,
 * grey expanded, its centred square cut out first with `fit: crop`, resized with a box
 * pre-shrink + Mitchell filter) and store size × size × 3 floats in the layout asked.
 * Decoding runs on host->threads(ctx) threads.
 *
 * A row whose description is missing, names no file, or names a file that cannot be decoded
 * gets no vector (vec_row -1) and <out>_missing = 1 — never a zero vector. Each apply()
 * records its counts (host->record, kind "image_pixels": rows, rows_missing, no_description,
 * distinct, found, no_file, undecodable, distinct_images, decoded, cache_hits,
 * trimmed_matches, loose_matches, ambiguous_matches — see image_io.h —, seconds,
 * images_per_second) and logs ONE warning line when it meets descriptions without a usable
 * image not warned about yet in this process (folds create an instance each: a description
 * is reported once, not once per fold).
 *
 * cache: the runner creates one instance per fold, so without a cache every fold decodes
 * its images again (about 1–2 ms each). With `cache: true` (and a host that has one), the
 * pixels ([0,1] HWC, before layout and normalisation) are kept in the host's embedding cache
 * keyed by the file's sha256, space "image_pixels/v1/<size>/<colorspace>/bg<background>"
 * (+ "/crop" with `fit: crop`, so a stretched and a cropped picture never share an entry):
 * each image is decoded once per process and the cache file spares the next run — at the
 * price of 12 KB · size²/64² per image in memory and on disk (~300 MB for 6,000 images at
 * 64×64), which is why it is off by default.
 *
 * Augmentations are not done here (the model's job, on the tensor).
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image_io.h"
#include "json_out.h"
#include "xp/xp.h"

enum { L_CHW, L_HWC };
enum { N_NONE, N_IMAGENET };
/* Option values by the enums above (colorspace: 0 srgb, 1 linear), for the config and the
 * record alike. */
static const char *const layouts[] = { "chw", "hwc" };
static const char *const norms[] = { "none", "imagenet" };
static const char *const spaces[] = { "srgb", "linear" };
static const char *const fits[] = { "stretch", "crop" };   /* IMAGE_FIT_* */

typedef struct state {
    char *column, *out, *missing_name, *images;
    int64_t size;
    int layout, normalize, colorspace, fit, cache;
    double background;
    size_t dim;
    char space[160];
    image_index *ix;
    char *ix_for;           /* the folder ix lists, as input_dir named it */
    int keep;               /* the host keeps the files read (input_used) */
} state;

/* Per distinct description / distinct image of one apply(). */
typedef struct dentry {
    const char *desc;       /* borrowed from the frame */
    uint64_t hash;
    int image;              /* index into images[], -1 none */
    int how;                /* IMAGE_MATCH_* */
} dentry;

typedef struct img {
    const char *path;       /* borrowed from the index */
    const char *name;       /* its name in the folder, borrowed from the index */
    int status;             /* 0 ok, else XP_E* */
    int fatal;              /* the host could not keep it: the apply fails */
    int hit;                /* came from the cache */
    int slot;               /* row in the frame's table, -1 if not ok */
    char msg[256];
} img;

static char *dup_str(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

static uint64_t hash_ptr(const void *p)
{
    uint64_t z = (uint64_t)(uintptr_t)p + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    free(s->column);
    free(s->out);
    free(s->missing_name);
    free(s->images);
    image_index_close(s->ix);
    free(s->ix_for);
    free(s);
}

/* Lists the folder to read: the configured one, or the one the host names instead
 * (input_dir: at `runner predict`, the images the run kept while its own rows are encoded,
 * the --images folder for the rows to predict). Listed again only when that changes. */
static int open_folder(xp_ctx *ctx, state *s)
{
    const xp_host *h = ctx->host;
    const char *dir = s->images;
    int rc;
    if (XP_HOST_HAS(h, input_used) && h->input_dir && (rc = h->input_dir(ctx, s->images, &dir))) return rc;
    char msg[600];
    if ((rc = image_index_follow(&s->ix, &s->ix_for, dir, msg, sizeof msg)) < 0)
        return xp_fail(ctx, rc, "image_pixels: %s", msg);
    if (rc == 0) return XP_OK;
    image_index_stats st;
    image_index_stats_get(s->ix, &st);
    xp_log(ctx, XP_LOG_DEBUG, "image_pixels: %zu image files in %s (%zu hidden by a same-named "
           "file, %zu other entries skipped)", st.files, image_index_dir(s->ix), st.duplicates,
           st.skipped);
    return XP_OK;
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    const char *column = "description", *images = NULL, *outn = NULL;
    s->size = 64;
    s->background = 1.0;
    int rc;
    if ((rc = h->cfg_str(ctx, cfg, "column", 0, &column)) ||
        (rc = h->cfg_str(ctx, cfg, "images", 0, &images)) ||
        (rc = h->cfg_str(ctx, cfg, "out", 0, &outn)) ||
        (rc = h->cfg_int(ctx, cfg, "size", 0, &s->size)) ||
        (rc = xp_cfg_choice(ctx, cfg, "layout", layouts, XP_COUNT(layouts), 0, &s->layout)) ||
        (rc = h->cfg_num(ctx, cfg, "background", 0, &s->background)) ||
        (rc = xp_cfg_choice(ctx, cfg, "normalize", norms, XP_COUNT(norms), 0, &s->normalize)) ||
        (rc = xp_cfg_choice(ctx, cfg, "colorspace", spaces, XP_COUNT(spaces), 0, &s->colorspace)) ||
        (rc = xp_cfg_choice(ctx, cfg, "fit", fits, XP_COUNT(fits), 0, &s->fit)) ||
        (rc = h->cfg_bool(ctx, cfg, "cache", 0, &s->cache)))
        goto fail;
    if (s->size < 8 || s->size > 512) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: size must be in [8, 512], got %lld",
                     h->cfg_where(h->cfg_get(cfg, "size")), (long long)s->size);
        goto fail;
    }
    if (!(s->background >= 0 && s->background <= 1)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: background must be in [0, 1]",
                     h->cfg_where(h->cfg_get(cfg, "background")));
        goto fail;
    }
    if (!images && XP_HOST_HAS(h, cfg_root) && h->cfg_root) {
        const xp_cfg *data = h->cfg_get(h->cfg_root(ctx), "data");
        const xp_cfg *im = data ? h->cfg_get(data, "images") : NULL;
        if (im && h->cfg_kind(im) == XP_CFG_SCALAR) images = h->cfg_scalar(im);
    }
    if (!images || !*images) {
        rc = xp_fail(ctx, XP_ECONFIG, "image_pixels: no images folder: give `images:` or "
                     "data.images in the config");
        goto fail;
    }
    s->column = dup_str(column);
    s->images = dup_str(images);
    if (outn) s->out = dup_str(outn);
    else if ((s->out = malloc(strlen(column) + 8))) sprintf(s->out, "%s_pixels", column);
    if (s->out && (s->missing_name = malloc(strlen(s->out) + 9)))
        sprintf(s->missing_name, "%s_missing", s->out);
    if (!s->column || !s->images || !s->out || !s->missing_name) {
        rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
        goto fail;
    }
    if (!*s->out) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: out must not be empty", h->cfg_where(h->cfg_get(cfg, "out")));
        goto fail;
    }
    s->dim = 3u * (size_t)s->size * (size_t)s->size;
    snprintf(s->space, sizeof s->space, "image_pixels/v1/%d/%s/bg%.6g%s", (int)s->size,
             spaces[s->colorspace], s->background, s->fit == IMAGE_FIT_CROP ? "/crop" : "");
    s->keep = XP_HOST_HAS(h, input_used) && h->input_dir && h->input_used;
    if ((rc = open_folder(ctx, s))) goto fail;
    if (XP_HOST_HAS(h, column_add) && h->column_ref && h->column_add) {   /* the config check */
        h->column_ref(ctx, h->cfg_get(cfg, "column"), s->column);
        h->column_add(ctx, s->out);
        h->column_add(ctx, s->missing_name);
    }
    *out = s;
    return XP_OK;
fail:
    destroy(s);
    return rc;
}

/* ------------------------------------------------------------------ warned-about set */

/* Process-wide: hashes of (images folder, description) already warned about. Freed when the
 * plugin is unloaded. */
static struct {
    pthread_mutex_t mu;
    uint64_t *slot;
    size_t n, cap;
} warned = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

__attribute__((destructor)) static void warned_free(void)
{
    free(warned.slot);
    warned.slot = NULL;
    warned.n = warned.cap = 0;
}

static uint64_t warn_key(const char *dir, const char *desc)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = dir; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xFFu) * 1099511628211ull;
    for (const char *p = desc; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h ? h : 1;
}

/* Adds h; 1 if it was new, 0 if already there, XP_ENOMEM. Caller holds warned.mu. */
static int warned_add(uint64_t h)
{
    if ((warned.n + 1) * 2 > warned.cap) {
        size_t cap = warned.cap ? warned.cap * 2 : 256;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t) return XP_ENOMEM;
        for (size_t i = 0; i < warned.cap; i++) {
            if (!warned.slot[i]) continue;
            size_t j = warned.slot[i] & (cap - 1);
            while (t[j]) j = (j + 1) & (cap - 1);
            t[j] = warned.slot[i];
        }
        free(warned.slot);
        warned.slot = t;
        warned.cap = cap;
    }
    size_t j = h & (warned.cap - 1);
    while (warned.slot[j] && warned.slot[j] != h) j = (j + 1) & (warned.cap - 1);
    if (warned.slot[j]) return 0;
    warned.slot[j] = h;
    warned.n++;
    return 1;
}

/* ------------------------------------------------------------------ decoding workers */

/* HWC [0,1] -> the output layout and normalisation. */
static void emit(const state *s, const float *hwc, float *o)
{
    static const float mean[3] = { 0.485f, 0.456f, 0.406f }, sd[3] = { 0.229f, 0.224f, 0.225f };
    size_t np = (size_t)s->size * (size_t)s->size;
    for (size_t p = 0; p < np; p++)
        for (int c = 0; c < 3; c++) {
            float v = hwc[p * 3 + (size_t)c];
            if (s->normalize == N_IMAGENET) v = (v - mean[c]) / sd[c];
            if (s->layout == L_CHW) o[(size_t)c * np + p] = v;
            else o[p * 3 + (size_t)c] = v;
        }
}


typedef struct job {
    xp_ctx *ctx;
    const state *s;
    img *imgs;
    size_t n;
    float *table;           /* n × dim: the frame's table, in the output layout */
    int use_cache;
} job;

/* Image k -> its slot of the table; `hwc` is the worker's scratch (dim floats). */
static void decode_one(job *j, size_t k, float *hwc)
{
    const state *s = j->s;
    img *im = &j->imgs[k];
    unsigned char *buf = NULL;
    size_t n = 0;
    im->status = image_read_file(im->path, 0, &buf, &n, im->msg, sizeof im->msg);
    if (im->status) return;
    /* Before decoding: an undecodable file is part of what the run saw, too. */
    if (s->keep && (im->status = j->ctx->host->input_used(j->ctx, s->images, im->name, buf, n))) {
        im->fatal = 1;
        free(buf);
        return;
    }
    uint8_t key[32];
    int hit = 0;
    if (j->use_cache) {
        j->ctx->host->sha256(buf, n, key);
        hit = j->ctx->host->cache_get(j->ctx, s->space, key, s->dim, hwc) == 1;
    }
    if (!hit) {
        image_opts o = image_opts_default((int)s->size, (int)s->size);
        o.background = (float)s->background;
        o.colorspace = s->colorspace ? IMAGE_LINEAR : IMAGE_SRGB;
        o.fit = s->fit;                 /* fits[] is in IMAGE_FIT_* order */
        im->status = image_decode_rgb(buf, n, im->path, &o, hwc, NULL, im->msg, sizeof im->msg);
        if (!im->status && j->use_cache) j->ctx->host->cache_put(j->ctx, s->space, key, s->dim, hwc);
    }
    free(buf);
    im->hit = hit;
    if (!im->status) emit(s, hwc, j->table + k * s->dim);
}

/* image_for_each's task: image k, on the worker's own scratch (dim floats, made once). */
static void decode_task(void *arg, size_t k, void **local)
{
    job *j = arg;
    if (!*local) *local = malloc(j->s->dim * sizeof(float));
    if (*local) decode_one(j, k, *local);
    else {
        j->imgs[k].status = XP_ENOMEM;
        snprintf(j->imgs[k].msg, sizeof j->imgs[k].msg, "out of memory");
    }
}

/* ------------------------------------------------------------------ apply */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct counts {
    size_t rows, rows_missing, no_description, distinct, found, no_file, undecodable;
    size_t images, decoded, hits, trimmed, loose, ambiguous, new_no_file, new_undecodable;
    const char *example;
    const char *example_msg;
} counts;

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    state *s = st;
    const xp_host *h = ctx->host;
    double t0 = now_s();
    xp_column *src = h->frame_find(f, s->column);
    if (!src) return xp_fail(ctx, XP_ENOTFOUND, "image_pixels: no column %s in this frame", s->column);
    if (src->type != XP_COL_TEXT && src->type != XP_COL_CATEGORICAL)
        return xp_fail(ctx, XP_EINVAL, "image_pixels: column %s is %s; expected text or categorical",
                       s->column, xp_col_type_name(src->type));
    if (h->frame_find(f, s->out) || h->frame_find(f, s->missing_name))
        return xp_fail(ctx, XP_EINVAL, "image_pixels: cannot add %s / %s: a column of that name exists",
                       s->out, s->missing_name);
    if (!XP_HOST_HAS(h, col_vectors) || !h->col_vectors)
        return xp_fail(ctx, XP_EUNSUPPORTED, "image_pixels: this runner has no vector columns");
    int use_cache = s->cache && XP_HOST_HAS(h, cache_put) && h->cache_get && h->cache_put && h->sha256;
    int rc = open_folder(ctx, s);
    if (rc) return rc;

    size_t n = f->n_rows;
    counts c;
    memset(&c, 0, sizeof c);
    c.rows = n;
    /* distinct descriptions: open addressing on the string */
    size_t cap = 64;
    while (cap < 2 * n + 2) cap *= 2;
    int32_t *slot = malloc(cap * sizeof *slot);           /* -> dentry index, -1 empty */
    int32_t *row_d = malloc((n ? n : 1) * sizeof *row_d);  /* row -> dentry, -1 no description */
    dentry *ds = malloc((n ? n : 1) * sizeof *ds);
    size_t nd = 0;
    img *imgs = NULL;
    float *pix = NULL;
    int32_t *islot = NULL;
    if (!slot || !row_d || !ds) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < cap; i++) slot[i] = -1;
    for (size_t i = 0; i < n; i++) {
        const char *d = src->type == XP_COL_TEXT ? src->text[i]
                        : (src->codes[i] >= 0 ? src->levels[src->codes[i]] : NULL);
        if (!d) { row_d[i] = -1; c.no_description++; continue; }
        uint64_t hh = hash_str(d);
        size_t j = hh & (cap - 1);
        while (slot[j] >= 0 && (ds[slot[j]].hash != hh || strcmp(ds[slot[j]].desc, d)))
            j = (j + 1) & (cap - 1);
        if (slot[j] < 0) {
            slot[j] = (int32_t)nd;
            ds[nd].desc = d;
            ds[nd].hash = hh;
            ds[nd].image = -1;
            nd++;
        }
        row_d[i] = slot[j];
    }
    c.distinct = nd;
    /* resolve; distinct files by the index's path pointer */
    imgs = calloc(nd ? nd : 1, sizeof *imgs);
    size_t icap = 64;
    while (icap < 2 * nd + 2) icap *= 2;
    islot = malloc(icap * sizeof *islot);
    if (!imgs || !islot) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < icap; i++) islot[i] = -1;
    size_t ni = 0;
    for (size_t k = 0; k < nd; k++) {
        const char *name = NULL;
        const char *p = image_index_find_named(s->ix, ds[k].desc, &ds[k].how, &name);
        if (!p) continue;
        c.trimmed += IMAGE_MATCH_KIND(ds[k].how) == IMAGE_MATCH_TRIMMED;
        c.loose += IMAGE_MATCH_KIND(ds[k].how) == IMAGE_MATCH_LOOSE;
        c.ambiguous += (ds[k].how & IMAGE_MATCH_AMBIGUOUS) != 0;
        size_t j = hash_ptr(p) & (icap - 1);
        while (islot[j] >= 0 && imgs[islot[j]].path != p) j = (j + 1) & (icap - 1);
        if (islot[j] < 0) {
            islot[j] = (int32_t)ni;
            imgs[ni].path = p;
            imgs[ni].name = name;
            imgs[ni].slot = -1;
            ni++;
        }
        ds[k].image = islot[j];
    }
    c.images = ni;
    /* decode (in parallel) straight into the frame's table, one slot per distinct file */
    int vidx;
    xp_column *vc = h->frame_add(f, s->out, XP_COL_VECTOR, XP_ROLE_FEATURE);
    if (!vc) { rc = xp_fail(ctx, XP_ENOMEM, "image_pixels: cannot add column %s", s->out); goto done; }
    if (ni) {
        float *table = h->col_vectors(vc, s->dim, ni);
        if (!table) { rc = xp_fail(ctx, XP_ENOMEM, "image_pixels: out of memory for %zu images", ni); goto done; }
        job j = { .ctx = ctx, .s = s, .imgs = imgs, .n = ni, .table = table, .use_cache = use_cache };
        image_for_each(ni, h->threads ? h->threads(ctx) : 1, decode_task, free, &j);
    }
    size_t ok = 0;
    for (size_t k = 0; k < ni; k++) {
        if (imgs[k].fatal) {   /* the message is the host's (input_used) */
            rc = imgs[k].status;
            goto done;
        }
        if (imgs[k].status == XP_ENOMEM) {
            rc = xp_fail(ctx, XP_ENOMEM, "image_pixels: %s", imgs[k].msg);
            goto done;
        }
        if (imgs[k].status == 0) {
            imgs[k].slot = (int)ok++;
            c.hits += (size_t)imgs[k].hit;
            c.decoded += (size_t)!imgs[k].hit;
        }
    }
    if (ok < ni) {
        /* Some files failed: the table must hold only real images (no stray zero vector), so
         * keep the good ones aside, give the column a fresh table of the right size. */
        if (ok) {
            pix = malloc(ok * s->dim * sizeof *pix);
            if (!pix) { rc = xp_fail(ctx, XP_ENOMEM, "image_pixels: out of memory for %zu images", ok); goto done; }
            for (size_t k = 0; k < ni; k++)
                if (imgs[k].slot >= 0)
                    memcpy(pix + (size_t)imgs[k].slot * s->dim, vc->vectors->data + k * s->dim,
                           s->dim * sizeof *pix);
        }
        if ((vidx = h->frame_index(f, s->out)) >= 0) h->frame_drop(f, (size_t)vidx);
        vc = h->frame_add(f, s->out, XP_COL_VECTOR, XP_ROLE_FEATURE);
        if (!vc) { rc = xp_fail(ctx, XP_ENOMEM, "image_pixels: cannot add column %s", s->out); goto done; }
        if (ok) {
            float *table = h->col_vectors(vc, s->dim, ok);
            if (!table) { rc = xp_fail(ctx, XP_ENOMEM, "image_pixels: out of memory for %zu images", ok); goto done; }
            memcpy(table, pix, ok * s->dim * sizeof *pix);
        }
        free(pix);
        pix = NULL;
    }
    xp_column *mc = h->frame_add(f, s->missing_name, XP_COL_BOOL, XP_ROLE_FEATURE);
    if (!mc) { rc = xp_fail(ctx, XP_ENOMEM, "image_pixels: cannot add column %s", s->missing_name); goto done; }
    for (size_t i = 0; i < n; i++) {
        int v = -1;
        if (row_d[i] >= 0 && ds[row_d[i]].image >= 0) v = imgs[ds[row_d[i]].image].slot;
        vc->vec_row[i] = v;
        mc->num[i] = v < 0 ? 1.0 : 0.0;
        c.rows_missing += v < 0;
    }
    /* counts per distinct description, and the one warning line */
    for (size_t k = 0; k < nd; k++) {
        int bad = 0;
        if (ds[k].image < 0) { c.no_file++; bad = 1; }
        else if (imgs[ds[k].image].status) {
            c.undecodable++;
            bad = 2;
        } else c.found++;
        if (!bad) continue;
        pthread_mutex_lock(&warned.mu);
        int fresh = warned_add(warn_key(image_index_dir(s->ix), ds[k].desc));
        pthread_mutex_unlock(&warned.mu);
        if (fresh < 0) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto done; }
        if (!fresh) continue;
        if (bad == 1) c.new_no_file++;
        else c.new_undecodable++;
        if (!c.example || (bad == 2 && !c.example_msg)) {
            c.example = ds[k].desc;
            c.example_msg = bad == 2 ? imgs[ds[k].image].msg : NULL;
        }
    }
    double secs = now_s() - t0;
    if (c.new_no_file || c.new_undecodable) {
        char ex[600];
        if (c.example_msg) snprintf(ex, sizeof ex, "e.g. '%s': %s", c.example, c.example_msg);
        else snprintf(ex, sizeof ex, "e.g. '%s'", c.example);
        xp_log(ctx, XP_LOG_WARN, "image_pixels: %zu of %zu distinct descriptions have no image "
               "file in %s and %zu an undecodable one (%s): %zu of %zu rows get %s = 1",
               c.no_file, c.distinct, image_index_dir(s->ix), c.undecodable, ex, c.rows_missing,
               c.rows, s->missing_name);
    }
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "column", s->column);
    json_out_kv_str(&j, "out", s->out);
    json_out_kv_str(&j, "images", image_index_dir(s->ix));
    json_out_kv_int(&j, "size", s->size);
    json_out_kv_str(&j, "layout", layouts[s->layout]);
    json_out_kv_str(&j, "normalize", norms[s->normalize]);
    json_out_kv_str(&j, "colorspace", spaces[s->colorspace]);
    json_out_kv_str(&j, "fit", fits[s->fit]);
    json_out_kv_bool(&j, "cache", use_cache);
    json_out_kv_int(&j, "rows", (int64_t)c.rows);
    json_out_kv_int(&j, "rows_missing", (int64_t)c.rows_missing);
    json_out_kv_int(&j, "no_description", (int64_t)c.no_description);
    json_out_kv_int(&j, "distinct", (int64_t)c.distinct);
    json_out_kv_int(&j, "found", (int64_t)c.found);
    json_out_kv_int(&j, "no_file", (int64_t)c.no_file);
    json_out_kv_int(&j, "undecodable", (int64_t)c.undecodable);
    json_out_kv_int(&j, "distinct_images", (int64_t)c.images);
    json_out_kv_int(&j, "decoded", (int64_t)c.decoded);
    json_out_kv_int(&j, "cache_hits", (int64_t)c.hits);
    json_out_kv_int(&j, "trimmed_matches", (int64_t)c.trimmed);
    json_out_kv_int(&j, "loose_matches", (int64_t)c.loose);
    json_out_kv_int(&j, "ambiguous_matches", (int64_t)c.ambiguous);
    json_out_kv_fixed(&j, "seconds", secs, 4);
    json_out_kv_fixed(&j, "images_per_second", secs > 0 ? (double)(c.decoded + c.hits) / secs : 0.0, 1);
    json_out_end(&j);
    /* A record the store refused fails the apply, as in every transform: no run ends without it. */
    if ((rc = json_out_record(ctx, &j, "image_pixels"))) goto done;
    xp_log(ctx, XP_LOG_INFO, "image_pixels: %zu rows, %zu distinct descriptions, %zu images "
           "(%zu decoded, %zu from the cache) in %.2f s", c.rows, c.distinct, c.images, c.decoded,
           c.hits, secs);
done:
    free(slot);
    free(row_d);
    free(ds);
    free(imgs);
    free(islot);
    free(pix);
    return rc;
}

static const xp_encoder_ops ops = { sizeof(xp_encoder_ops), create, NULL, apply, NULL, destroy };
/* The options, as `runner plugins --help image_pixels` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: image_pixels\n"
    "    column: description           # TEXT or CATEGORICAL column naming the image\n"
    "    images: data/spacecraft_images # folder; default: the config's data.images\n"
    "    out: description_pixels       # VECTOR column (default <column>_pixels); a BOOL\n"
    "                                  # column <out>_missing flags rows without an image\n"
    "    size: 64                      # side in pixels (8 … 512): dim = 3 · size²\n"
    "    layout: chw                   # chw (torch) | hwc\n"
    "    background: 1.0               # grey behind transparent pixels, 0 black … 1 white\n"
    "    normalize: none               # none: [0, 1] | imagenet: (x - mean) / std per channel\n"
    "    colorspace: srgb              # srgb: resize in linear light | linear: on the 8-bit values\n"
    "    fit: stretch                  # stretch: whole picture, aspect not kept | crop: its\n"
    "                                  # centred square (apparent sizes kept, edges cut)\n"
    "    cache: false                  # true: keep pixels in the host's embedding cache\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_ENCODER, "image_pixels", "1.0.0",
                                          "image named by a text column -> size x size x 3 pixel tensor "
                                          "for a trainable CNN tower", &ops, options_text);
XP_PLUGINS(&plugin)
