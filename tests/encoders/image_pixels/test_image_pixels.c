/* test_image_pixels.c — the image_pixels encoder through the real host (registry, config,
 * store, vector columns, embedding cache) on images the test writes itself.
 *
 *     test_image_pixels image_pixels.so
 *
 * - rows with the same description share one vector, and so do descriptions that resolve to
 *   the same file (hyphen / case variants); exact pixel values in chw and hwc, imagenet
 *   normalisation, alpha on the background;
 * - a missing description, one with no file, one with an undecodable file, and traversal
 *   attempts get vec_row -1 and <out>_missing = 1; counts recorded; ONE warning line per new
 *   set of problems, once per process (not again in the next fold's instance);
 * - the images folder defaults to data.images of the root config; options are checked;
 * - threads: the same output with 1 and 3 threads; cache: a second instance decodes nothing;
 * - the record names a long column with quotes and backslashes whole (no fixed buffer).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "encoders/images/imgfix.h"
#include "encoders/text_glove/enc_harness.h"

static char root[256], dir[300];

static double rec_num(txh *h, const char *field)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT json_extract(json, '$.%s') FROM xp_records WHERE kind = 'image_pixels' "
             "ORDER BY id DESC LIMIT 1", field);
    return txh_sql_num(h, sql);
}

static xp_frame *frame_of(const char *const *desc, size_t n)
{
    xp_frame *f = frame_new(n);
    fr_text(f, "description", desc);
    return f;
}

/* Runs apply with stderr captured; returns the number of warning lines from image_pixels. */
static int apply_counting_warnings(txh *h, xp_frame *f, int *rc)
{
    fflush(stderr);
    char tmpl[] = "/tmp/xp_pix_log_XXXXXX";
    int fd = mkstemp(tmpl), saved = dup(2);
    dup2(fd, 2);
    int verb = h->env.verbosity;
    h->env.verbosity = XP_LOG_WARN;
    *rc = txh_apply(h, f);
    h->env.verbosity = verb;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *in = fdopen(fd, "r");
    rewind(in);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, in)) {
        fputs(line, stderr);
        if (strstr(line, "image_pixels:") && strstr(line, "have no image file")) n++;
    }
    fclose(in);
    unlink(tmpl);
    return n;
}

static void make_fixtures(void)
{
    fx_tmpdir(root, sizeof root);
    snprintf(dir, sizeof dir, "%s/spacecraft_images", root);
    if (mkdir(dir, 0755)) exit(2);
    int red[3] = { 200, 100, 50 }, clear[4] = { 0, 255, 0, 0 }, blue[3] = { 10, 20, 250 };
    fx_png(dir, "ion_thruster.png", 40, 30, 3, fx_const(40, 30, 3, red));
    fx_jpg(dir, "heat_shield_tile.jpg", 24, 24, 3, fx_const(24, 24, 3, blue), 95);
    fx_png(dir, "solarpanel_array.png", 16, 16, 3, fx_const(16, 16, 3, blue));
    fx_png(dir, "Star_Tracker.PNG", 9, 9, 3, fx_const(9, 9, 3, red));
    fx_png(dir, "startracker.png", 9, 9, 3, fx_const(9, 9, 3, blue));   /* "Star-Tracker" is ambiguous */
    fx_png(dir, "rgba_cap.png", 12, 12, 4, fx_const(12, 12, 4, clear));
    fx_png(dir, "big_noise.png", 64, 64, 3, fx_const(64, 64, 3, red));
    fx_truncated(dir, "big_noise.png", "broken.png", 0.3);
    /* 8 x 8 with a distinct value per pixel and channel: no resizing at size 8. */
    unsigned char *g = malloc(8 * 8 * 3);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) {
            g[(y * 8 + x) * 3 + 0] = (unsigned char)(x * 30);
            g[(y * 8 + x) * 3 + 1] = (unsigned char)(y * 30);
            g[(y * 8 + x) * 3 + 2] = 100;
        }
    fx_png(dir, "gradient.png", 8, 8, 3, g);
    fx_png(root, "secret.png", 8, 8, 3, fx_const(8, 8, 3, red));  /* outside the folder */
}

static void test_basic(const char *so)
{
    txh h;
    if (enc_open(&h, so, "image_pixels")) { CHECK(0); return; }
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "images: %s\nsize: 8\nlayout: hwc\n", dir);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    const char *rows[] = { "Ion Thruster", "star tracker", "Star-Tracker", "Ion Thruster", NULL,
                           "no such part", "broken", "Solar-Panel Array", "rgba cap",
                           "Heat Shield Tile", "no such part", "../secret", "/etc/passwd" };
    size_t n = sizeof rows / sizeof rows[0];
    xp_frame *f = frame_of(rows, n);
    int rc;
    CHECK_EQ_INT(apply_counting_warnings(&h, f, &rc), 1);
    CHECK_EQ_INT(rc, XP_OK);
    const xp_column *v = frame_find(f, "description_pixels");
    const xp_column *m = frame_find(f, "description_pixels_missing");
    CHECK(v && v->type == XP_COL_VECTOR && v->role == XP_ROLE_FEATURE);
    CHECK(f->n_cols == 3 && f->cols[1] == v && f->cols[2] == m);
    CHECK(m && m->type == XP_COL_BOOL && m->role == XP_ROLE_FEATURE);
    if (!v || !m) { frame_free(f); txh_close(&h); return; }
    CHECK_EQ_INT(v->dim, 8 * 8 * 3);
    CHECK(v->vectors && v->vectors->count == 5);   /* ion, star, solar, rgba, heat */
    CHECK_EQ_INT(v->vec_row[0], v->vec_row[3]);
    CHECK_EQ_INT(v->vec_row[1], v->vec_row[2]);     /* two descriptions, one file */
    int missing[13] = { 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1 };
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_INT(v->vec_row[i] < 0, missing[i]);
        CHECK_NEAR(m->num[i], missing[i], 0);
    }
    const float *ion = enc_vec(v, 0), *rgba = enc_vec(v, 8), *heat = enc_vec(v, 9), *solar = enc_vec(v, 7);
    float worst = 0;
    for (int p = 0; ion && p < 64; p++) {
        float d[3] = { fabsf(ion[p * 3] - 200 / 255.f), fabsf(ion[p * 3 + 1] - 100 / 255.f),
                       fabsf(ion[p * 3 + 2] - 50 / 255.f) };
        for (int k = 0; k < 3; k++) if (d[k] > worst) worst = d[k];
    }
    CHECK_NEAR(worst, 0, 1e-4);
    CHECK(rgba && fabsf(rgba[0] - 1) < 1e-4 && fabsf(rgba[1] - 1) < 1e-4);  /* white background */
    CHECK(solar && fabsf(solar[2] - 250 / 255.f) < 1e-4);
    CHECK(heat && fabsf(heat[2] - 250 / 255.f) < 0.03);
    /* the record */
    CHECK_NEAR(rec_num(&h, "rows"), 13, 0);
    CHECK_NEAR(rec_num(&h, "rows_missing"), 6, 0);
    CHECK_NEAR(rec_num(&h, "no_description"), 1, 0);
    CHECK_NEAR(rec_num(&h, "distinct"), 10, 0);
    CHECK_NEAR(rec_num(&h, "found"), 6, 0);
    CHECK_NEAR(rec_num(&h, "no_file"), 3, 0);
    CHECK_NEAR(rec_num(&h, "undecodable"), 1, 0);
    CHECK_NEAR(rec_num(&h, "distinct_images"), 6, 0);
    CHECK_NEAR(rec_num(&h, "decoded"), 5, 0);
    CHECK_NEAR(rec_num(&h, "size"), 8, 0);
    CHECK_NEAR(rec_num(&h, "ambiguous_matches"), 1, 0);
    CHECK_NEAR(rec_num(&h, "loose_matches"), 0, 0);
    CHECK_NEAR(rec_num(&h, "trimmed_matches"), 0, 0);
    char *layout = txh_sql(&h, "SELECT json_extract(json, '$.layout') FROM xp_records WHERE kind = 'image_pixels'");
    CHECK_STR(layout, "hwc");
    free(layout);

    /* Same problems again: no new warning; a new missing description: one more line. */
    xp_frame *f2 = frame_of(rows, n);
    CHECK_EQ_INT(apply_counting_warnings(&h, f2, &rc), 0);
    CHECK_EQ_INT(rc, XP_OK);
    const char *rows3[] = { "Ion Thruster", "another missing part" };
    xp_frame *f3 = frame_of(rows3, 2);
    CHECK_EQ_INT(apply_counting_warnings(&h, f3, &rc), 1);
    CHECK_EQ_INT(txh_record_count(&h, "image_pixels"), 3);
    /* A new instance (the next fold) does not repeat the warning either: once per process. */
    {
        txh h2;
        if (enc_open(&h2, so, "image_pixels")) { CHECK(0); return; }
        CHECK_EQ_INT(txh_create(&h2, yaml), XP_OK);
        xp_frame *f4 = frame_of(rows, n);
        CHECK_EQ_INT(apply_counting_warnings(&h2, f4, &rc), 0);
        CHECK_EQ_INT(rc, XP_OK);
        CHECK_NEAR(rec_num(&h2, "no_file"), 3, 0);      /* still counted in the record */
        frame_free(f4);
        txh_close(&h2);
    }
    /* Applying twice to one frame is an error, not a silent overwrite. */
    CHECK_EQ_INT(txh_apply(&h, f3), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "description_pixels");
    frame_free(f);
    frame_free(f2);
    frame_free(f3);

    /* Every image unusable: no table at all (never a zero vector), all rows flagged. */
    const char *bad_rows[] = { "broken", "no such part", NULL };
    xp_frame *fb = frame_of(bad_rows, 3);
    CHECK_EQ_INT(txh_apply(&h, fb), XP_OK);
    const xp_column *vb = frame_find(fb, "description_pixels"), *mb = frame_find(fb, "description_pixels_missing");
    CHECK(vb && (!vb->vectors || vb->vectors->count == 0));
    for (int i = 0; vb && mb && i < 3; i++) { CHECK_EQ_INT(vb->vec_row[i], -1); CHECK_NEAR(mb->num[i], 1, 0); }
    CHECK(fb->n_cols == 3 && fb->cols[1] == vb && fb->cols[2] == mb);   /* column order kept */
    frame_free(fb);

    /* No rows; a frame without the column; a column of the wrong type. */
    xp_frame *e = frame_new(0);
    fr_text(e, "description", NULL);
    CHECK_EQ_INT(txh_apply(&h, e), XP_OK);
    CHECK(frame_find(e, "description_pixels") != NULL);
    frame_free(e);
    xp_frame *w = frame_new(2);
    fr_num(w, "x", XP_ROLE_FEATURE, (double[]){ 1, 2 });
    CHECK_EQ_INT(txh_apply(&h, w), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "description");
    fr_num(w, "description", XP_ROLE_FEATURE, (double[]){ 1, 2 });
    CHECK_EQ_INT(txh_apply(&h, w), XP_EINVAL);
    frame_free(w);
    txh_close(&h);
}

static void test_layouts(const char *so)
{
    txh h;
    if (enc_open(&h, so, "image_pixels")) { CHECK(0); return; }
    const char *rows[] = { "gradient", "rgba cap" };
    char yaml[1024];
    static const float mean[3] = { 0.485f, 0.456f, 0.406f }, sd[3] = { 0.229f, 0.224f, 0.225f };
    for (int variant = 0; variant < 4; variant++) {
        int chw = variant & 1, imagenet = variant >> 1;
        snprintf(yaml, sizeof yaml, "images: %s\nsize: 8\nlayout: %s\nnormalize: %s\nbackground: 0\nout: px\n",
                 dir, chw ? "chw" : "hwc", imagenet ? "imagenet" : "none");
        CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
        xp_frame *f = frame_of(rows, 2);
        CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
        const xp_column *v = frame_find(f, "px");
        CHECK(frame_find(f, "px_missing") != NULL);
        const float *g = enc_vec(v, 0), *a = enc_vec(v, 1);
        CHECK(g && a);
        if (!g || !a) { frame_free(f); continue; }
        float worst = 0, worst_bg = 0;
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                for (int c = 0; c < 3; c++) {
                    float want = (c == 0 ? x * 30 : c == 1 ? y * 30 : 100) / 255.f, bg = 0;
                    if (imagenet) { want = (want - mean[c]) / sd[c]; bg = (0 - mean[c]) / sd[c]; }
                    size_t at = chw ? (size_t)c * 64 + (size_t)y * 8 + (size_t)x : ((size_t)y * 8 + (size_t)x) * 3 + (size_t)c;
                    float d = fabsf(g[at] - want), db = fabsf(a[at] - bg);
                    if (d > worst) worst = d;
                    if (db > worst_bg) worst_bg = db;
                }
        if (worst > 1e-4) fprintf(stderr, "variant %d: worst %g\n", variant, worst);
        CHECK(worst <= 1e-4);
        CHECK(worst_bg <= 1e-4);                 /* black background, then normalised */
        frame_free(f);
    }
    /* A categorical description column works the same. */
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    xp_frame *f = frame_new(3);
    fr_cat(f, "description", (const char *const[]){ "gradient", NULL, "gradient" });
    CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
    const xp_column *v = frame_find(f, "px");
    CHECK(v && v->vectors && v->vectors->count == 1 && v->vec_row[0] == 0 && v->vec_row[1] == -1 &&
          v->vec_row[2] == 0);
    frame_free(f);
    txh_close(&h);
}

static void test_config(const char *so)
{
    txh h;
    if (enc_open(&h, so, "image_pixels")) { CHECK(0); return; }
    /* No images folder anywhere. */
    CHECK_EQ_INT(txh_create(&h, "size: 16\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "data.images");
    /* data.images of the root config. */
    char yaml[1024], err[256];
    snprintf(yaml, sizeof yaml, "data:\n  path: x.csv\n  images: %s\n", dir);
    xp_cfg *rootcfg = cfg_load_string(yaml, "root.yaml", err, sizeof err);
    h.env.root = rootcfg;
    CHECK_EQ_INT(txh_create(&h, "out: img\n"), XP_OK);
    const char *rows[] = { "ion thruster" };
    xp_frame *f = frame_of(rows, 1);
    CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
    const xp_column *v = frame_find(f, "img");
    CHECK(v && v->dim == 3 * 64 * 64 && v->vec_row[0] == 0);   /* default size 64 */
    frame_free(f);
    h.env.root = NULL;
    cfg_free(rootcfg);
    /* Bad values. */
    static const char *bad[] = { "size: 4\n", "size: 1000\n", "layout: nhwc\n", "normalize: yes\n",
                                 "background: 2\n", "colorspace: cmyk\n", "size: big\n", "out: ''\n",
                                 "fit: squash\n" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(yaml, sizeof yaml, "images: %s\n%s", dir, bad[i]);
        int rc = txh_create(&h, yaml);
        if (rc != XP_ECONFIG) fprintf(stderr, "'%s': rc %d %s\n", bad[i], rc, h.call.msg);
        CHECK_EQ_INT(rc, XP_ECONFIG);
    }
    snprintf(yaml, sizeof yaml, "images: %s\nlayout: nhwc\n", dir);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_ECONFIG);
    CHECK_STR(h.call.msg, "test.yaml:2:9: layout: expected one of chw, hwc, got 'nhwc'");
    CHECK_EQ_INT(txh_create(&h, "images: /nonexistent/xp_images\n"), XP_EIO);
    CHECK_CONTAINS(h.call.msg, "/nonexistent/xp_images");
    /* Every key read. */
    snprintf(yaml, sizeof yaml, "column: description\nimages: %s\nout: o\nsize: 8\nlayout: chw\n"
             "background: 0.5\nnormalize: none\ncolorspace: linear\nfit: crop\ncache: false\n", dir);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    txh_close(&h);
}

/* fit: crop keeps the centred square: a 30 x 10 picture red | green | blue in thirds is all
 * green, a stretch shows the three colours. With the cache on, the cropped picture is never
 * served the stretched one's entry (the cache space names the fit). */
static void test_fit(const char *so)
{
    char sub[400];
    snprintf(sub, sizeof sub, "%s/fit", root);
    if (mkdir(sub, 0755)) exit(2);
    unsigned char *px = malloc(30 * 10 * 3);
    if (!px) exit(2);
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 30; x++)
            for (int c = 0; c < 3; c++) px[(y * 30 + x) * 3 + c] = c == x / 10 ? 255 : 0;
    fx_png(sub, "thirds.png", 30, 10, 3, px);
    const char *rows[] = { "thirds" };
    txh h;
    if (enc_open(&h, so, "image_pixels")) { CHECK(0); return; }
    char yaml[1024];
    float worst_green[2] = { 0, 0 };
    for (int crop = 0; crop < 2; crop++) {
        snprintf(yaml, sizeof yaml, "images: %s\nsize: 8\nlayout: hwc\ncache: true\nfit: %s\n", sub,
                 crop ? "crop" : "stretch");
        CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
        CHECK_EQ_INT(h.unused, 0);
        xp_frame *f = frame_of(rows, 1);
        CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
        CHECK_NEAR(rec_num(&h, "decoded"), 1, 0);          /* crop: not the stretch's entry */
        CHECK_NEAR(rec_num(&h, "cache_hits"), 0, 0);
        CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_extract(json, '$.fit') = 'crop' FROM xp_records "
                                     "WHERE kind = 'image_pixels' ORDER BY id DESC LIMIT 1"), crop);
        const float *v = enc_vec(frame_find(f, "description_pixels"), 0);
        CHECK(v != NULL);
        for (int p = 0; v && p < 64; p++) {
            float d = fabsf(v[p * 3] - 0) + fabsf(v[p * 3 + 1] - 1) + fabsf(v[p * 3 + 2] - 0);
            if (d > worst_green[crop]) worst_green[crop] = d;
        }
        frame_free(f);
    }
    CHECK(worst_green[1] < 1e-4);                          /* cropped: green only */
    CHECK(worst_green[0] > 1.9f);                          /* stretched: pure red at the left */
    /* A second cropping instance is served from the cache, with the same pixels. */
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    xp_frame *f = frame_of(rows, 1);
    CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
    CHECK_NEAR(rec_num(&h, "cache_hits"), 1, 0);
    const float *v = enc_vec(frame_find(f, "description_pixels"), 0);
    CHECK(v && fabsf(v[0]) < 1e-4 && fabsf(v[1] - 1) < 1e-4);
    frame_free(f);
    txh_close(&h);
}

/* Many images: 1 thread and 3 threads give identical tables; the cache spares a second
 * instance every decode. */
static void test_threads_cache(const char *so)
{
    char sub[400], name[64];
    snprintf(sub, sizeof sub, "%s/many", root);
    if (mkdir(sub, 0755)) exit(2);
    enum { N = 40 };
    const char *rows[N * 2];
    static char descs[N][32];
    for (int i = 0; i < N; i++) {
        int col[3] = { i * 6, 255 - i * 6, (i * 37) % 256 };
        snprintf(name, sizeof name, "part_%02d.%s", i, i % 3 ? "png" : "jpg");
        if (i % 3) fx_png(sub, name, 30 + i, 20 + 2 * i, 3, fx_const(30 + i, 20 + 2 * i, 3, col));
        else fx_jpg(sub, name, 30 + i, 20 + 2 * i, 3, fx_const(30 + i, 20 + 2 * i, 3, col), 90);
        snprintf(descs[i], sizeof descs[i], "Part %02d", i);
        rows[i] = rows[N + i] = descs[i];
    }
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "images: %s\nsize: 16\ncache: true\n", sub);
    txh h;
    if (enc_open(&h, so, "image_pixels")) { CHECK(0); return; }
    h.env.threads = 1;
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    xp_frame *a = frame_of(rows, 2 * N);
    CHECK_EQ_INT(txh_apply(&h, a), XP_OK);
    CHECK_NEAR(rec_num(&h, "decoded"), N, 0);
    CHECK_NEAR(rec_num(&h, "cache_hits"), 0, 0);
    /* a second instance (another fold) with 3 threads: all from the cache */
    h.env.threads = 3;
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    xp_frame *b = frame_of(rows, 2 * N);
    CHECK_EQ_INT(txh_apply(&h, b), XP_OK);
    CHECK_NEAR(rec_num(&h, "decoded"), 0, 0);
    CHECK_NEAR(rec_num(&h, "cache_hits"), N, 0);
    /* without the cache, 3 threads decode: the same values */
    snprintf(yaml, sizeof yaml, "images: %s\nsize: 16\n", sub);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    xp_frame *c = frame_of(rows, 2 * N);
    CHECK_EQ_INT(txh_apply(&h, c), XP_OK);
    CHECK_NEAR(rec_num(&h, "decoded"), N, 0);
    const xp_column *va = frame_find(a, "description_pixels"), *vb = frame_find(b, "description_pixels"),
                    *vc = frame_find(c, "description_pixels");
    int same = va && vb && vc && va->vectors->count == N && vb->vectors->count == N && vc->vectors->count == N;
    for (int i = 0; same && i < 2 * N; i++) {
        const float *x = enc_vec(va, (size_t)i), *y = enc_vec(vb, (size_t)i), *z = enc_vec(vc, (size_t)i);
        same = x && y && z && !memcmp(x, y, va->dim * sizeof *x) && !memcmp(x, z, va->dim * sizeof *x);
    }
    CHECK(same);
    CHECK_EQ_INT(va->vec_row[3], va->vec_row[N + 3]);
    /* red channel of part i's first pixel (PNGs are exact) */
    const float *p1 = enc_vec(vc, 1);
    CHECK(p1 && fabsf(p1[0] - 6 / 255.f) < 1e-4);
    frame_free(a);
    frame_free(b);
    frame_free(c);
    txh_close(&h);
}

/* The record's names are the configured ones exactly: escaped, never cut (it was written
 * into fixed buffers once, which cut a column name past ~290 bytes). */
static void test_record_names(const char *so)
{
    char name[521], yaml[1400];
    txh_long_name(name, 520, "part \"description\" C:\\parts\\ ");
    snprintf(yaml, sizeof yaml, "images: %s\nsize: 8\ncolumn: '%s'\nout: 'px \"\\ out'\n", dir, name);
    txh h;
    if (enc_open(&h, so, "image_pixels")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    xp_frame *f = frame_new(2);
    fr_text(f, name, (const char *[]){ "Ion Thruster", "no such part" });
    CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
    char *col = txh_record_str(&h, "image_pixels", "$.column"), *out = txh_record_str(&h, "image_pixels", "$.out");
    char *images = txh_record_str(&h, "image_pixels", "$.images");
    CHECK_STR(col, name);
    CHECK_STR(out, "px \"\\ out");
    CHECK_STR(images, dir);
    free(col);
    free(out);
    free(images);
    CHECK_NEAR(rec_num(&h, "found"), 1, 0);
    frame_free(f);
    txh_close(&h);
}

/* A record the store refuses fails the apply with the store's message (it only warned once,
 * and the run went on without the record). */
static void test_refused_record(const char *so)
{
    char yaml[700];
    snprintf(yaml, sizeof yaml, "images: %s\nsize: 8\ncolumn: description\n", dir);
    txh h;
    if (enc_open(&h, so, "image_pixels")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    CHECK_EQ_INT(txh_refuse_records(&h, "image_pixels"), 0);
    xp_frame *f = frame_new(2);
    fr_text(f, "description", (const char *[]){ "Ion Thruster", "no such part" });
    CHECK(txh_apply(&h, f) != XP_OK);
    CHECK_CONTAINS(h.call.msg, "disk full (test)");
    CHECK_EQ_INT(txh_record_count(&h, "image_pixels"), 0);
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s image_pixels.so\n", argv[0]);
        return 2;
    }
    make_fixtures();
    test_basic(argv[1]);
    test_layouts(argv[1]);
    test_config(argv[1]);
    test_threads_cache(argv[1]);
    test_fit(argv[1]);
    test_record_names(argv[1]);
    test_refused_record(argv[1]);
    fx_rmrf(root);
    return check_done();
}
