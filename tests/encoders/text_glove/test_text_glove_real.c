/* test_text_glove_real.c — the real GloVe file made by `make weights` (tools/weights/glove.sh):
 * its size and the known first values of "the", then `text_glove` on a few descriptions:
 * "carbon-fiber" found whole, and a sanity check of the geometry ("carbon fiber" is closer to
 * "carbon-fiber hull" than to "ion thruster"). Skips (exit 77) with the fix when the file is
 * absent.
 *
 *     ./test_text_glove_real path/to/text_glove.so WEIGHTS_DIR    # $XP_WEIGHTS_DIR wins
 */
#include <time.h>

#include "check.h"
#include "enc_harness.h"
#include "wvec.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cosine(const float *a, const float *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    return ab / sqrt(aa * bb);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s text_glove.so WEIGHTS_DIR\n", argv[0]);
        return 2;
    }
    const char *env = getenv("XP_WEIGHTS_DIR");
    const char *dir = env && *env ? env : argv[2];
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, WVEC_FILE_NAME);
    if (access(path, R_OK) != 0) {
        printf("SKIP: %s is absent; run `make weights` (bash tools/weights/glove.sh weights build)\n",
               path);
        return 77;
    }
    wvec w;
    char err[512];
    double t0 = now();
    if (wvec_open(path, &w, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t_open = now() - t0;
    CHECK_EQ_INT(w.count, 341479);
    CHECK_EQ_INT(w.dim, 100);
    int64_t the = wvec_find(&w, "the");
    CHECK(the >= 0);
    if (the >= 0) {
        const float *v = wvec_row(&w, the);
        CHECK_NEAR(v[0], -0.038194f, 0);
        CHECK_NEAR(v[1], -0.24487f, 0);
        CHECK_NEAR(v[2], 0.72812f, 0);
        CHECK_EQ_INT(w.rank[the], 0);
    }
    int64_t cf = wvec_find(&w, "carbon-fiber"), hull = wvec_find(&w, "hull");
    CHECK(cf >= 0 && hull >= 0);

    txh h;
    if (enc_open(&h, argv[1], "text_glove")) return 1;
    char yaml[1200];
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\n", path);
    t0 = now();
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    double t_create = now() - t0;
    const char *texts[] = { "Carbon Fiber", "Carbon-Fiber Hull", "Ion Thruster", "carbon fibre panel",
                            "Titanium Hull Panel", "QZXW-7734BQ" };
    xp_frame *f = frame_new(6);
    xp_column *c = fr_col(f, "description", XP_COL_TEXT, XP_ROLE_IGNORE);
    for (int i = 0; i < 6; i++) col_set_text(c, (size_t)i, texts[i]);
    t0 = now();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    double t_enc = now() - t0;
    const xp_column *e = frame_find(f, "description_glove");
    CHECK(e && e->dim == 100);
    if (e && cf >= 0 && hull >= 0) {
        const float *a = enc_vec(e, 0), *b = enc_vec(e, 1), *d = enc_vec(e, 2), *p = enc_vec(e, 3);
        CHECK(a && b && d && p);
        if (a && b && d && p) {
            double ab = cosine(a, b, 100), ad = cosine(a, d, 100), ap = cosine(a, p, 100);
            printf("cos(carbon fiber, carbon-fiber hull) = %.3f, cos(carbon fiber, ion thruster) = "
                   "%.3f, cos(carbon fiber, carbon fibre panel) = %.3f\n", ab, ad, ap);
            CHECK(ab > ad);
            CHECK(ap > ad);
            /* "carbon-fiber" is in the vocabulary whole: mean of two vectors */
            for (int j = 0; j < 100; j++)
                CHECK_NEAR(b[j], (wvec_row(&w, cf)[j] + wvec_row(&w, hull)[j]) / 2, 1e-6);
        }
        CHECK_EQ_INT(e->vec_row[5], -1);                  /* a part code: unknown */
        CHECK_NEAR(frame_find(f, "description_glove_missing")->num[5], 1, 0);
    }
    printf("open (mmap + checks) %.1f ms, plugin create %.1f ms, fit+apply of 6 texts %.2f ms\n",
           1e3 * t_open, 1e3 * t_create, 1e3 * t_enc);
    frame_free(f);
    txh_close(&h);
    wvec_close(&w);
    return check_done();
}
