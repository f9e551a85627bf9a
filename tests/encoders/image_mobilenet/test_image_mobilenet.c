/* test_image_mobilenet.c — the image_mobilenet encoder through the real host (registry,
 * config, store, embedding cache), on images the test writes itself.
 *
 *     test_image_mobilenet image_mobilenet.so WEIGHTS.xpw fixture_feature.txt
 *
 * - without weights, create() fails naming the paths tried and `make weights` (always runs);
 * then, when the weights are absent, the test skips (77);
 * - end to end: a 224x224 PNG of the fixture pattern (test_mobilenet_fixture.c) through
 *   resolve -> decode -> network (postprocess none) matches TensorFlow.js to 1e-3;
 * - a description with no file, one with an undecodable file and a missing description get
 *   vec_row -1 and <out>_missing = 1 (no vector); rows with the same description share one;
 * - the counts are recorded; a second apply, and a new instance, encode nothing (cache hits);
 * - sqrt_center_l2: unit vectors, centred on the training rows' mean;
 * - a record the store refuses fails fit and apply with the store's message;
 * - bad options fail in create with a message.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "encoders/images/imgfix.h"
#include "encoders/text_glove/enc_harness.h"

#define S 224
#define D 1792

static double rec_num(txh *h, const char *field)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT json_extract(json, '$.%s') FROM xp_records WHERE kind = 'image_mobilenet' "
             "ORDER BY id DESC LIMIT 1", field);
    return txh_sql_num(h, sql);
}

static xp_frame *frame_of(const char *const *desc, size_t n)
{
    xp_frame *f = frame_new(n);
    fr_text(f, "description", desc);
    return f;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s image_mobilenet.so WEIGHTS.xpw fixture_feature.txt\n", argv[0]);
        return 2;
    }
    const char *so = argv[1], *weights = argv[2];
    char dir[256], yaml[2048];
    fx_tmpdir(dir, sizeof dir);
    txh h;
    if (enc_open(&h, so, "image_mobilenet")) return 1;

    /* No weights: a clear message with the fix. */
    snprintf(yaml, sizeof yaml, "images: %s\nweights: %s/none.xpw\n", dir, dir);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "make weights");
    CHECK_CONTAINS(h.call.msg, "none.xpw");
    if (access(weights, R_OK) != 0) {
        fprintf(stderr, "SKIP: %s is absent; fetch and convert the weights with `make weights` "
                        "(bash tools/weights/mobilenet.sh weights BUILD)\n", weights);
        txh_close(&h);
        fx_rmrf(dir);
        return 77;
    }

    /* Images: the fixture pattern, a plain JPEG, an undecodable "PNG". */
    unsigned char *px = malloc(S * S * 3);
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            for (int c = 0; c < 3; c++)
                px[(y * S + x) * 3 + c] = (unsigned char)((y * 7 + x * 13 + c * 71 + (y * x) % 37) % 256);
    fx_png(dir, "pattern_panel.png", S, S, 3, px);
    fx_jpg(dir, "ion_thruster.jpg", 96, 64, 3, fx_const(96, 64, 3, (int[]){ 200, 120, 40 }), 90);
    fx_bytes(dir, "broken_part.png", "\x89PNG\r\n\x1a\nnot really", 18);

    /* Options are checked. */
    snprintf(yaml, sizeof yaml, "images: %s\nweights: %s\npostprocess: cube\n", dir, weights);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "postprocess");
    snprintf(yaml, sizeof yaml, "images: %s\nweights: %s\nsize: 128\n", dir, weights);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "224");

    snprintf(yaml, sizeof yaml,
             "column: description\nimages: %s\nweights: %s\nout: img\nsize: 224\npostprocess: none\nbatch: 2\n",
             dir, weights);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    const char *desc[] = { "Pattern Panel", "Ion-Thruster", "Pattern Panel", "Ghost Item", NULL,
                           "Broken Part", "ion thruster" };
    size_t n = sizeof desc / sizeof desc[0];
    xp_frame *f = frame_of(desc, n);
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
    xp_column *v = frame_find(f, "img"), *m = frame_find(f, "img_missing");
    CHECK(v && v->type == XP_COL_VECTOR && v->dim == D && v->vectors && v->vectors->count == 2);
    CHECK(m && m->type == XP_COL_BOOL);
    if (v && m && v->vectors) {
        const int want_missing[] = { 0, 0, 0, 1, 1, 1, 0 };
        for (size_t i = 0; i < n; i++) {
            CHECK_EQ_INT(m->num[i], want_missing[i]);
            CHECK_EQ_INT(v->vec_row[i] < 0, want_missing[i]);
        }
        CHECK_EQ_INT(v->vec_row[0], v->vec_row[2]);
        CHECK_EQ_INT(v->vec_row[1] >= 0 && v->vec_row[1] != v->vec_row[0], 1);
        CHECK_EQ_INT(v->vec_row[6], v->vec_row[1]);   /* same file, one vector */

        /* End to end against TensorFlow.js (the PNG holds the fixture's pixels exactly). */
        FILE *fx = fopen(argv[3], "r");
        CHECK(fx != NULL);
        static float want[D];
        int k = 0;
        char line[256];
        while (fx && fgets(line, sizeof line, fx))
            if (line[0] != '#' && k < D) want[k++] = strtof(line, NULL);
        if (fx) fclose(fx);
        CHECK_EQ_INT(k, D);
        const float *got = enc_vec(v, 0);
        double maxd = 0;
        for (int j = 0; j < D && got; j++) maxd = fmax(maxd, fabs((double)got[j] - want[j]));
        printf("end to end: max |plugin - tfjs| = %.3g\n", maxd);
        CHECK(maxd < 1e-3);
    }
    CHECK_NEAR(rec_num(&h, "rows"), 7, 0);
    CHECK_NEAR(rec_num(&h, "distinct"), 5, 0);   /* "Ion-Thruster" and "ion thruster" are two texts */
    CHECK_NEAR(rec_num(&h, "found"), 3, 0);
    CHECK_NEAR(rec_num(&h, "no_file"), 1, 0);
    CHECK_NEAR(rec_num(&h, "undecodable"), 1, 0);
    CHECK_NEAR(rec_num(&h, "missing_rows"), 3, 0);
    CHECK_NEAR(rec_num(&h, "found_share"), 0.6, 1e-9);
    CHECK_NEAR(rec_num(&h, "encoded"), 2, 0);    /* two distinct files: the thruster is hashed once */
    CHECK_NEAR(rec_num(&h, "cache_hits"), 1, 0); /* ... and its second description hits the cache */

    /* Second apply on a new frame: nothing encoded. */
    xp_frame *g = frame_of(desc, n);
    CHECK_EQ_INT(txh_apply(&h, g), XP_OK);
    CHECK_NEAR(rec_num(&h, "encoded"), 0, 0);
    CHECK_NEAR(rec_num(&h, "cache_hits"), 3, 0);
    frame_free(g);

    /* A new instance (as the next fold creates) with sqrt_center_l2: still nothing encoded. */
    snprintf(yaml, sizeof yaml, "images: %s\nweights: %s\nout: img\n", dir, weights);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    CHECK_EQ_INT(txh_apply(&h, f), XP_EINVAL);   /* centring needs fit first */
    const char *train_desc[] = { "Pattern Panel", "Ion Thruster" };
    xp_frame *train = frame_of(train_desc, 2);
    CHECK_EQ_INT(txh_fit(&h, train), XP_OK);
    CHECK_EQ_INT(txh_apply(&h, train), XP_OK);
    CHECK_NEAR(rec_num(&h, "encoded"), 0, 0);
    v = frame_find(train, "img");
    const float *a = enc_vec(v, 0), *b = enc_vec(v, 1);
    CHECK(a && b);
    if (a && b) {
        double na = 0, nb = 0, dot = 0;
        for (int j = 0; j < D; j++) {
            na += (double)a[j] * a[j];
            nb += (double)b[j] * b[j];
            dot += (double)a[j] * b[j];
        }
        CHECK_NEAR(na, 1, 1e-5);
        CHECK_NEAR(nb, 1, 1e-5);
        /* Two training images centred on their mean are opposite: cosine -1. */
        CHECK_NEAR(dot, -1, 1e-4);
    }
    CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
    CHECK_NEAR(rec_num(&h, "encoded"), 0, 0);

    /* A record the store refuses fails the stage (it was dropped without a word once). */
    int before = txh_record_count(&h, "image_mobilenet");
    CHECK_EQ_INT(txh_refuse_records(&h, "image_mobilenet"), 0);
    CHECK(txh_apply(&h, f) != XP_OK);
    CHECK_CONTAINS(h.call.msg, "disk full (test)");
    CHECK(txh_fit(&h, train) != XP_OK);
    CHECK_CONTAINS(h.call.msg, "disk full (test)");
    CHECK_EQ_INT(txh_record_count(&h, "image_mobilenet"), before);
    frame_free(train);
    frame_free(f);
    txh_close(&h);
    fx_rmrf(dir);
    return check_done();
}
