/* tests/models/test_mlp.c — the mlp model plugin through the real host and registry.
 *
 *     test_mlp build/plugins/models/mlp/mlp.so TMPDIR
 *
 * Synthetic rows of 300 items whose target depends on a numeric column (with missing values),
 * a categorical column, a pretrained-style vector, token ids (a VECTOR column with a
 * vocabulary) and small images (3 x 8 x 8 pixels, one per item, shared by its rows):
 *   - the model beats predicting the mean by a wide margin on held-out rows, and loses
 *     clearly when the image and text towers are left out (they carry signal the rest lacks);
 *   - early stopping on a pure-noise target: reports = best_epoch + 1 + patience, and the
 *     returned weights are the best epoch's (its validation loss is the recorded best_score);
 *   - same seed -> identical predictions, another seed -> different ones;
 *   - two fits side by side on two threads (as the runner trains folds), one on 1 libtorch
 *     thread and one on 2, predict exactly what the same fits predict one after the other;
 *   - save -> load -> identical predictions, also on a frame whose categorical levels and
 *     token vocabulary are in another order (inputs are matched by name);
 *   - a missing column at predict is a clear error; bad options are config errors; every key
 *     of the documented YAML is read;
 *   - zero-weight rows (with absurd targets) are ignored; with weight 1 they are not;
 *   - without a validation frame exactly `epochs` epochs run; a prune request from report()
 *     ends fit() with XP_EPRUNED.
 * test_mlp_net.c covers the C++ layer's C API (exceptions -> codes).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static harness H;
static double best_epoch, best_score;
static int64_t n_reports;
static int64_t prune_at = -1;   /* report() asks to prune at this epoch */

static void on_metric(void *user, const char *name, double value)
{
    (void)user;
    if (!strcmp(name, "best_epoch")) best_epoch = value;
    if (!strcmp(name, "best_score")) best_score = value;
}

static int on_report(void *user, int64_t step, double value)
{
    (void)user;
    (void)value;
    n_reports++;
    return step == prune_at;
}

static xp_ctx *ctx_new(void)
{
    xp_ctx *ctx = harness_ctx(&H);
    H.call.on_metric = on_metric;
    H.call.on_report = on_report;
    return ctx;
}

/* create + fit (the plugin has no prepare). */
static int fit(const xp_cfg *cfg, const xp_frame *tr, const xp_frame *va, void **m)
{
    best_epoch = best_score = NAN;
    n_reports = 0;
    *m = NULL;
    xp_ctx *ctx = ctx_new();
    int rc = H.ops->create(ctx, cfg, m);
    if (!rc) rc = H.ops->fit(ctx, *m, tr, NULL, va, NULL);
    if (rc && *m) {
        H.ops->destroy(*m);
        *m = NULL;
    }
    return rc;
}

static int predict(void *m, const xp_frame *f, double *out)
{
    return H.ops->predict(ctx_new(), m, f, NULL, out);
}

/* ------------------------------------------------------------------ synthetic data */

enum { ITEMS = 300, IMG = 8, TOKLEN = 6, EMB = 6, NWORDS = 24 };

static const double type_eff[4] = { -1.0, -0.3, 0.4, 0.9 };   /* told by a word in the text */
static const double shade_eff[3] = { -0.7, 0.0, 0.7 };        /* told by the image's red level */
static const double cat_eff[5] = { 0.5, -0.5, 0.2, -0.2, 0.0 };

/* y = x1 + 0.5 x2 + cat + 0.5 emb.beta + type(text) + shade(image) + noise. x3 is a heavy-
 * tailed distractor. `noise_only`: y is pure noise. */
static xp_frame *make_frame(size_t n, uint64_t seed, int noise_only)
{
    rng r = { seed };
    rng ir = { 1234 };   /* items are the same in every frame */
    int type[ITEMS], shade[ITEMS];
    double embv[ITEMS][EMB], beta[EMB];
    for (int k = 0; k < EMB; k++) beta[k] = rng_normal(&ir);
    for (int i = 0; i < ITEMS; i++) {
        type[i] = (int)(rng_next(&ir) % 4);
        shade[i] = (int)(rng_next(&ir) % 3);
        for (int k = 0; k < EMB; k++) embv[i][k] = rng_normal(&ir);
    }
    xp_frame *f = frame_new(n);
    xp_column *x1 = add_uniform(f, "x1", &r, 0, 2);
    xp_column *x2 = add_uniform(f, "x2", &r, -1, 1);
    xp_column *x3 = add_uniform(f, "x3", &r, 0, 1);
    xp_column *c = frame_add(f, "c", XP_COL_CATEGORICAL, XP_ROLE_FEATURE);
    for (int k = 0; k < 5; k++) {
        char name[16];
        snprintf(name, sizeof name, "lv%d", k);
        col_level(c, name);
    }
    xp_column *emb = frame_add(f, "emb", XP_COL_VECTOR, XP_ROLE_FEATURE);
    float *ev = col_vectors(emb, EMB, ITEMS);
    for (int i = 0; i < ITEMS; i++)
        for (int k = 0; k < EMB; k++) ev[i * EMB + k] = (float)embv[i][k];
    /* tokens: 0 pad, 1 unknown, 2..5 type words, 6.. filler */
    xp_column *tok = frame_add(f, "tok", XP_COL_VECTOR, XP_ROLE_FEATURE);
    col_level(tok, "<pad>");
    col_level(tok, "<unk>");
    for (int k = 2; k < NWORDS; k++) {
        char name[16];
        snprintf(name, sizeof name, "w%d", k);
        col_level(tok, name);
    }
    float *tv = col_vectors(tok, TOKLEN, ITEMS);
    rng tr = { 99 };
    for (int i = 0; i < ITEMS; i++) {
        int len = 2 + (int)(rng_next(&tr) % (TOKLEN - 1));
        int at = (int)(rng_next(&tr) % (uint64_t)len);
        for (int k = 0; k < TOKLEN; k++) {
            float id = 0;
            if (k < len) id = k == at ? (float)(2 + type[i]) : (float)(6 + rng_next(&tr) % (NWORDS - 6));
            tv[i * TOKLEN + k] = id;
        }
    }
    xp_column *img = frame_add(f, "img", XP_COL_VECTOR, XP_ROLE_FEATURE);
    float *iv = col_vectors(img, 3 * IMG * IMG, ITEMS);
    rng pr = { 555 };
    for (int i = 0; i < ITEMS; i++)
        for (int ch = 0; ch < 3; ch++)
            for (int p = 0; p < IMG * IMG; p++) {
                double base = ch == 0 ? 0.2 + 0.3 * shade[i] : 0.5;
                iv[(i * 3 + ch) * IMG * IMG + p] = (float)(base + 0.15 * (rng_unif(&pr) - 0.5));
            }
    xp_column *wcol = frame_add(f, "w", XP_COL_NUMERIC, XP_ROLE_WEIGHT);
    xp_column *y = add_target(f, "y");
    for (size_t i = 0; i < n; i++) {
        int it = (int)(rng_next(&r) % ITEMS);
        emb->vec_row[i] = it;
        tok->vec_row[i] = it;
        img->vec_row[i] = it;
        int code = (int)(rng_next(&r) % 5);
        c->codes[i] = rng_unif(&r) < 0.05 ? -1 : code;
        if (rng_unif(&r) < 0.1) x2->num[i] = NAN;
        double u = rng_unif(&r);
        x3->num[i] = u < 0.02 ? 1e6 * u : u;   /* heavy tail */
        wcol->num[i] = 1;
        double e = 0;
        for (int k = 0; k < EMB; k++) e += embv[it][k] * beta[k];
        double sig = x1->num[i] + 0.5 * (isnan(x2->num[i]) ? 0 : x2->num[i]) +
                     (c->codes[i] < 0 ? 0 : cat_eff[c->codes[i]]) + 0.5 * e / sqrt((double)EMB) +
                     type_eff[type[it]] + shade_eff[shade[it]];
        y->num[i] = noise_only ? rng_normal(&r) : sig + 0.1 * rng_normal(&r);
    }
    return f;
}

static double *alloc_pred(const xp_frame *f)
{
    return calloc(f->n_rows ? f->n_rows : 1, sizeof(double));
}

static const char *CFG_BASE =
    "plugin: mlp\n"
    "epochs: 30\n"
    "patience: 6\n"
    "batch_size: 64\n"
    "lr: 0.004\n"
    "dropout: 0.05\n"
    "hidden: [64, 32]\n"
    "proj_dim: 8\n"
    "text_tower: {column: tok, dim: 16}\n"
    "image_tower: {column: img, channels: [8, 16]}\n";

static xp_frame *TR, *VA;

/* ------------------------------------------------------------------ tests */

static void test_learns(void)
{
    xp_cfg *cfg = harness_cfg(CFG_BASE);
    void *m;
    int rc = fit(cfg, TR, VA, &m);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) { fprintf(stderr, "fit: %s\n", H.call.msg); cfg_free(cfg); return; }
    double *p = alloc_pred(VA);
    CHECK_EQ_INT(predict(m, VA, p), XP_OK);
    const double *y = frame_find(VA, "y")->num;
    double r2 = r2_of(y, p, VA->n_rows);
    fprintf(stderr, "learns: R2 %.4f, best_epoch %.0f, epochs run %lld, best valid mse %.4f\n", r2,
            best_epoch, (long long)n_reports, best_score);
    CHECK(r2 > 0.9);
    CHECK(!isnan(best_epoch) && best_epoch >= 0 && best_epoch < 30);
    CHECK(n_reports >= best_epoch + 1);
    /* the returned weights give the recorded best validation loss */
    double mse = 0;
    for (size_t i = 0; i < VA->n_rows; i++) mse += (p[i] - y[i]) * (p[i] - y[i]);
    mse /= (double)VA->n_rows;
    CHECK_NEAR(mse, best_score, 1e-4 * best_score + 1e-9);
    H.ops->destroy(m);
    cfg_free(cfg);

    /* with the pictures in random poses and the image_words loss it still learns (the
     * shade is a colour: every pose shows it) */
    cfg = harness_cfg("plugin: mlp\nepochs: 30\npatience: 6\nbatch_size: 64\nlr: 0.004\ndropout: 0.05\n"
                      "hidden: [64, 32]\nproj_dim: 8\ntext_tower: {column: tok, dim: 16}\n"
                      "image_tower: {column: img, channels: [8, 16], augment: dihedral, words: 0.5}\n");
    rc = fit(cfg, TR, VA, &m);
    CHECK_EQ_INT(rc, XP_OK);
    if (!rc) {
        CHECK_EQ_INT(predict(m, VA, p), XP_OK);
        double r2a = r2_of(y, p, VA->n_rows);
        fprintf(stderr, "augment dihedral, words 0.5: R2 %.4f\n", r2a);
        CHECK(r2a > 0.9);
        H.ops->destroy(m);
    } else {
        fprintf(stderr, "fit: %s\n", H.call.msg);
    }
    cfg_free(cfg);

    /* without the towers the type (text) and shade (image) effects are out of reach:
     * their variance is ~0.45 + 0.33 of the ~1.4 total */
    cfg = harness_cfg("plugin: mlp\nepochs: 30\npatience: 6\nbatch_size: 64\nlr: 0.004\n"
                      "hidden: [64, 32]\nproj_dim: 8\n");
    xp_frame *tr = frame_copy(TR), *va = frame_copy(VA);
    frame_drop(tr, (size_t)frame_index(tr, "tok"));
    frame_drop(tr, (size_t)frame_index(tr, "img"));
    frame_drop(va, (size_t)frame_index(va, "tok"));
    frame_drop(va, (size_t)frame_index(va, "img"));
    rc = fit(cfg, tr, va, &m);
    CHECK_EQ_INT(rc, XP_OK);
    if (!rc) {
        CHECK_EQ_INT(predict(m, va, p), XP_OK);
        double r2b = r2_of(y, p, va->n_rows);
        fprintf(stderr, "without towers: R2 %.4f (with: %.4f)\n", r2b, r2);
        /* the vector column identifies items, so some of it is learnable per item; the
         * towers must still add clearly */
        CHECK(r2b < r2 - 0.05);
        H.ops->destroy(m);
    } else {
        fprintf(stderr, "fit: %s\n", H.call.msg);
    }
    frame_free(tr);
    frame_free(va);
    free(p);
    cfg_free(cfg);
}

static void test_early_stopping(void)
{
    xp_frame *all = make_frame(1600, 77, 1);
    xp_frame *tr = slice(all, 0, 1200), *va = slice(all, 1200, 1600);
    xp_cfg *cfg = harness_cfg("plugin: mlp\nepochs: 200\npatience: 4\nbatch_size: 64\nlr: 0.01\n"
                              "dropout: 0\nhidden: [128, 128]\nschedule: constant\nwarmup: 0\n"
                              "proj_dim: 8\ntext_tower: {column: tok, dim: 16}\n"
                              "image_tower: {column: img, channels: [8]}\n");
    void *m;
    int rc = fit(cfg, tr, va, &m);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) fprintf(stderr, "fit: %s\n", H.call.msg);
    if (m) {
        fprintf(stderr, "noise: best_epoch %.0f, epochs %lld, best mse %.4f\n", best_epoch,
                (long long)n_reports, best_score);
        CHECK(n_reports < 200);
        CHECK_EQ_INT(n_reports, (int64_t)best_epoch + 1 + 4);
        double *p = alloc_pred(va);
        CHECK_EQ_INT(predict(m, va, p), XP_OK);
        const double *y = frame_find(va, "y")->num;
        double mse = 0;
        for (size_t i = 0; i < va->n_rows; i++) mse += (p[i] - y[i]) * (p[i] - y[i]);
        mse /= (double)va->n_rows;
        fprintf(stderr, "noise: mse of the returned model %.6f vs best %.6f\n", mse, best_score);
        CHECK_NEAR(mse, best_score, 1e-4 * best_score);
        free(p);
        H.ops->destroy(m);
    }
    cfg_free(cfg);
    frame_free(all); frame_free(tr); frame_free(va);
}

static void test_seed_and_save_load(const char *dir)
{
    xp_cfg *cfg = harness_cfg("plugin: mlp\nepochs: 6\npatience: 0\nbatch_size: 64\nhidden: [32]\n"
                              "proj_dim: 8\ndropout: 0.2\ntext_tower: {column: tok, dim: 16, kind: gru, hidden: 12}\n"
                              "image_tower: {column: img, channels: [8, 8]}\n");
    double *p1 = alloc_pred(VA), *p2 = alloc_pred(VA), *p3 = alloc_pred(VA), *p4 = alloc_pred(VA);
    void *m1 = NULL, *m2 = NULL, *m3 = NULL;
    H.env.seed = 42;
    H.env.threads = 2;   /* libtorch's intra-op pool split the work: still identical */
    CHECK_EQ_INT(fit(cfg, TR, VA, &m1), XP_OK);
    CHECK_EQ_INT(fit(cfg, TR, VA, &m2), XP_OK);
    H.env.threads = 1;
    H.env.seed = 43;
    CHECK_EQ_INT(fit(cfg, TR, VA, &m3), XP_OK);
    H.env.seed = 42;
    if (!m1 || !m2 || !m3) { fprintf(stderr, "fit: %s\n", H.call.msg); goto out; }
    CHECK_EQ_INT(predict(m1, VA, p1), XP_OK);
    CHECK_EQ_INT(predict(m2, VA, p2), XP_OK);
    CHECK_EQ_INT(predict(m3, VA, p3), XP_OK);
    size_t same12 = 0, same13 = 0;
    for (size_t i = 0; i < VA->n_rows; i++) {
        same12 += p1[i] == p2[i];
        same13 += p1[i] == p3[i];
    }
    fprintf(stderr, "seeds: same seed %zu/%zu identical, other seed %zu identical (GRU tower)\n",
            same12, VA->n_rows, same13);
    CHECK_EQ_INT(same12, VA->n_rows);
    CHECK(same13 < VA->n_rows / 10);

    /* save -> load -> identical */
    char path[512];
    snprintf(path, sizeof path, "%s/model.mlp", dir);
    CHECK_EQ_INT(H.ops->save(ctx_new(), m1, path), XP_OK);
    void *ml = NULL;
    int rc = H.ops->load(ctx_new(), cfg, path, &ml);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) { fprintf(stderr, "load: %s\n", H.call.msg); goto out; }
    CHECK_EQ_INT(predict(ml, VA, p4), XP_OK);
    size_t diff = 0;
    for (size_t i = 0; i < VA->n_rows; i++) diff += p1[i] != p4[i];
    CHECK_EQ_INT(diff, 0);

    /* the same rows with the categorical levels and the vocabulary in another order */
    xp_frame *g = frame_copy(VA);
    xp_column *c = frame_find(g, "c"), *tok = frame_find(g, "tok");
    for (size_t k = 0; k < c->n_levels / 2; k++) {   /* reverse the level list */
        char *t = c->levels[k];
        c->levels[k] = c->levels[c->n_levels - 1 - k];
        c->levels[c->n_levels - 1 - k] = t;
    }
    for (size_t i = 0; i < g->n_rows; i++)
        if (c->codes[i] >= 0) c->codes[i] = (int32_t)(c->n_levels - 1) - c->codes[i];
    /* vocabulary: swap words 2 <-> 3 and 10 <-> 20 (a new table, as an encoder would make) */
    size_t cnt = tok->vectors->count, L = tok->dim;
    float *old = malloc(cnt * L * sizeof *old);
    memcpy(old, tok->vectors->data, cnt * L * sizeof *old);
    int32_t *rows = malloc(g->n_rows * sizeof *rows);
    memcpy(rows, tok->vec_row, g->n_rows * sizeof *rows);
    float *nv = col_vectors(tok, L, cnt);
    for (size_t k = 0; k < cnt * L; k++) {
        float v = old[k];
        nv[k] = v == 2 ? 3 : v == 3 ? 2 : v == 10 ? 20 : v == 20 ? 10 : v;
    }
    memcpy(tok->vec_row, rows, g->n_rows * sizeof *rows);
    char *t = tok->levels[2]; tok->levels[2] = tok->levels[3]; tok->levels[3] = t;
    t = tok->levels[10]; tok->levels[10] = tok->levels[20]; tok->levels[20] = t;
    CHECK_EQ_INT(predict(ml, g, p4), XP_OK);
    diff = 0;
    for (size_t i = 0; i < VA->n_rows; i++) diff += p1[i] != p4[i];
    CHECK_EQ_INT(diff, 0);
    free(old);
    free(rows);

    /* a column the model needs is missing */
    frame_drop(g, (size_t)frame_index(g, "x2"));
    rc = predict(ml, g, p4);
    CHECK_EQ_INT(rc, XP_ENOTFOUND);
    fprintf(stderr, "expected error: %s\n", H.call.msg);
    CHECK_CONTAINS(H.call.msg, "x2");
    CHECK_CONTAINS(H.call.msg, "missing");
    frame_free(g);
    H.ops->destroy(ml);

    /* a file that is not a model */
    snprintf(path, sizeof path, "%s/junk.mlp", dir);
    FILE *fp = fopen(path, "wb");
    fputs("XPMLP\0\0\0garbage", fp);
    fclose(fp);
    ml = NULL;
    rc = H.ops->load(ctx_new(), cfg, path, &ml);
    CHECK(rc == XP_EFORMAT);
    CHECK(ml == NULL);
out:
    if (m1) H.ops->destroy(m1);
    if (m2) H.ops->destroy(m2);
    if (m3) H.ops->destroy(m3);
    free(p1); free(p2); free(p3); free(p4);
    cfg_free(cfg);
}

/* text_tower.norm: layer and image_tower.norm: batch — batch norm's running statistics are
 * state outside the parameters: a saved and loaded model must predict identically (without
 * them in the file it would normalise with mean 0 / variance 1 and predict otherwise). Rows
 * in runs of 4 per image (group_rows) still learn. */
static void test_norms_save_load(const char *dir)
{
    xp_cfg *cfg = harness_cfg("plugin: mlp\nepochs: 5\npatience: 0\nbatch_size: 64\nhidden: [32]\n"
                              "proj_dim: 8\ngroup_rows: 4\ntext_tower: {column: tok, dim: 16, norm: layer}\n"
                              "image_tower: {column: img, channels: [8, 8], norm: batch}\n");
    double *p1 = alloc_pred(VA), *p2 = alloc_pred(VA);
    void *m1 = NULL, *ml = NULL;
    H.env.seed = 42;
    CHECK_EQ_INT(fit(cfg, TR, VA, &m1), XP_OK);
    if (!m1) { fprintf(stderr, "fit: %s\n", H.call.msg); goto out; }
    CHECK_EQ_INT(predict(m1, VA, p1), XP_OK);
    double r2 = r2_of(frame_find(VA, "y")->num, p1, VA->n_rows);
    fprintf(stderr, "norms, runs of 4 rows: R2 %.4f\n", r2);
    CHECK(r2 > 0.5);
    char path[512];
    snprintf(path, sizeof path, "%s/norms.mlp", dir);
    CHECK_EQ_INT(H.ops->save(ctx_new(), m1, path), XP_OK);
    int rc = H.ops->load(ctx_new(), cfg, path, &ml);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) { fprintf(stderr, "load: %s\n", H.call.msg); goto out; }
    CHECK_EQ_INT(predict(ml, VA, p2), XP_OK);
    size_t diff = 0;
    for (size_t i = 0; i < VA->n_rows; i++) diff += p1[i] != p2[i];
    CHECK_EQ_INT(diff, 0);
out:
    if (m1) H.ops->destroy(m1);
    if (ml) H.ops->destroy(ml);
    free(p1); free(p2);
    cfg_free(cfg);
}

/* wide: true adds a linear path from the head's input to the output. With a head that can
 * hardly learn (4 units, dropout 0.9) only that path can carry y's linear part (x1 + 0.5 x2
 * + the level's effect): with it the validation R2 is far higher than without. Saved and
 * loaded (format version 3), the model predicts identically. */
static void test_wide(const char *dir)
{
    xp_frame *tr = frame_copy(TR), *va = frame_copy(VA);
    const char *drop[] = { "emb", "tok", "img" };   /* the linear inputs only */
    for (int k = 0; k < 3; k++) {
        frame_drop(tr, (size_t)frame_index(tr, drop[k]));
        frame_drop(va, (size_t)frame_index(va, drop[k]));
    }
    static const char *base = "plugin: mlp\nepochs: 20\npatience: 4\nbatch_size: 64\nlr: 0.004\n"
                              "dropout: 0.9\nhidden: [4]\n";
    char text[256];
    double r2[2] = { NAN, NAN };
    double *p = alloc_pred(va), *p2 = alloc_pred(va);
    for (int wide = 0; wide < 2; wide++) {
        snprintf(text, sizeof text, "%swide: %s\n", base, wide ? "true" : "false");
        xp_cfg *cfg = harness_cfg(text);
        void *m = NULL, *ml = NULL;
        H.env.seed = 7;
        CHECK_EQ_INT(fit(cfg, tr, va, &m), XP_OK);
        if (m) {
            CHECK_EQ_INT(predict(m, va, p), XP_OK);
            r2[wide] = r2_of(frame_find(va, "y")->num, p, va->n_rows);
            if (wide) {
                char path[512];
                snprintf(path, sizeof path, "%s/wide.mlp", dir);
                CHECK_EQ_INT(H.ops->save(ctx_new(), m, path), XP_OK);
                CHECK_EQ_INT(H.ops->load(ctx_new(), cfg, path, &ml), XP_OK);
                if (ml) {
                    CHECK_EQ_INT(predict(ml, va, p2), XP_OK);
                    size_t diff = 0;
                    for (size_t i = 0; i < va->n_rows; i++) diff += p[i] != p2[i];
                    CHECK_EQ_INT(diff, 0);
                    H.ops->destroy(ml);
                }
            }
            H.ops->destroy(m);
        }
        cfg_free(cfg);
    }
    fprintf(stderr, "wide: validation R2 without %.4f, with %.4f\n", r2[0], r2[1]);
    CHECK(r2[1] > r2[0] + 0.1);
    free(p);
    free(p2);
    frame_free(tr);
    frame_free(va);
}

static void test_weights(void)
{
    /* 25% of the training rows get an absurd target (+8); with weight 0 they must not matter */
    xp_frame *tr = frame_copy(TR);
    xp_column *y = frame_find(tr, "y"), *w = frame_find(tr, "w");
    for (size_t i = 0; i < tr->n_rows; i += 4) { y->num[i] += 8; w->num[i] = 0; }
    xp_cfg *cfg = harness_cfg(CFG_BASE);
    double *p = alloc_pred(VA);
    const double *yv = frame_find(VA, "y")->num;
    void *m;
    int rc = fit(cfg, tr, VA, &m);
    CHECK_EQ_INT(rc, XP_OK);
    double r2w = NAN, r2u = NAN;
    if (!rc) {
        CHECK_EQ_INT(predict(m, VA, p), XP_OK);
        r2w = r2_of(yv, p, VA->n_rows);
        H.ops->destroy(m);
    }
    for (size_t i = 0; i < tr->n_rows; i += 4) w->num[i] = 1;
    rc = fit(cfg, tr, VA, &m);
    CHECK_EQ_INT(rc, XP_OK);
    if (!rc) {
        CHECK_EQ_INT(predict(m, VA, p), XP_OK);
        r2u = r2_of(yv, p, VA->n_rows);
        H.ops->destroy(m);
    }
    fprintf(stderr, "weights: R2 %.4f with the bad rows at weight 0, %.4f at weight 1\n", r2w, r2u);
    CHECK(r2w > 0.9);
    CHECK(r2u < 0.5);
    /* a negative weight is refused */
    w->num[5] = -1;
    CHECK_EQ_INT(fit(cfg, tr, VA, &m), XP_EINVAL);
    CHECK_CONTAINS(H.call.msg, "weight");
    free(p);
    cfg_free(cfg);
    frame_free(tr);
}

/* Every key of the header comment's YAML is read (the runner reports unread keys). */
static void count_unused(const xp_cfg *key, void *user)
{
    fprintf(stderr, "unused key: %s\n", cfg_where(key));
    (*(int *)user)++;
}

static void test_config(void)
{
    const char *doc =
        "epochs: 40\npatience: 6\nbatch_size: 256\nlr: 0.002\nweight_decay: 1.0e-4\n"
        "schedule: cosine\nwarmup: 0.05\ndropout: 0.1\nhidden: [256, 128]\nactivation: gelu\n"
        "proj_dim: 32\ncat_width: 16\ninput_clip: 5\ngrad_clip: 1.0\ngroup_batches: auto\n"
        "group_rows: 2\neval_batch: 2048\nthreads: 0\nmalloc_tuning: true\nseed: 7\n"
        "text_tower: {column: description_tokens, glove: false, kind: bag, dim: 100, hidden: 64, norm: none}\n"
        "image_tower: {column: image_pixels, size: 32, channels: [16, 32, 64], norm: none, augment: none,\n"
        "              words: 0}\n";
    xp_cfg *cfg = harness_cfg(doc);
    void *m = NULL;
    CHECK_EQ_INT(H.ops->create(ctx_new(), cfg, &m), XP_OK);
    int unused = 0;
    cfg_unused(cfg, count_unused, &unused);
    CHECK_EQ_INT(unused, 0);
    if (m) H.ops->destroy(m);
    cfg_free(cfg);

    static const struct { const char *yaml, *want; } bad[] = {
        { "epochs: 0\n", "epochs" },
        { "lr: -1\n", "lr" },
        { "dropout: 1.5\n", "dropout" },
        { "activation: tanh\n", "gelu, relu" },
        { "schedule: step\n", "cosine" },
        { "hidden: [64, abc]\n", "hidden" },
        { "text_tower: {kind: bag}\n", "column" },
        { "text_tower: {column: tok, glove: /nonexistent/glove.bin}\n", "/nonexistent/glove.bin" },
        { "image_tower: {column: img, channels: []}\n", "channels" },
        { "text_tower: {column: img}\nimage_tower: {column: img}\n", "same column" },
        { "text_tower: {column: tok}\nimage_tower: {column: img, augment: rotate}\n", "none, flip, dihedral" },
        { "text_tower: {column: tok}\nimage_tower: {column: img, words: -1}\n", "image_tower.words" },
        { "image_tower: {column: img, words: 0.5}\n", "needs a text_tower" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg = harness_cfg(bad[i].yaml);
        m = NULL;
        int rc = H.ops->create(ctx_new(), cfg, &m);
        CHECK(rc != XP_OK);
        CHECK(m == NULL);
        CHECK_CONTAINS(H.call.msg, bad[i].want);
        if (rc == XP_OK) fprintf(stderr, "accepted: %s", bad[i].yaml);
        cfg_free(cfg);
    }

    /* a token column not named as the text tower; a tower column that is not there */
    cfg = harness_cfg("epochs: 1\n");
    CHECK_EQ_INT(fit(cfg, TR, NULL, &m), XP_EINVAL);
    CHECK_CONTAINS(H.call.msg, "text_tower.column");
    cfg_free(cfg);
    cfg = harness_cfg("epochs: 1\ntext_tower: {column: tok}\nimage_tower: {column: nope}\n");
    CHECK_EQ_INT(fit(cfg, TR, NULL, &m), XP_EINVAL);
    CHECK_CONTAINS(H.call.msg, "nope");
    cfg_free(cfg);
    /* refit mode (no validation frame) trains exactly `epochs` epochs and reports nothing */
    cfg = harness_cfg("epochs: 2\nhidden: 16\ntext_tower: {column: tok}\nimage_tower: {column: img, size: 8, channels: [4]}\n");
    CHECK_EQ_INT(fit(cfg, TR, NULL, &m), XP_OK);
    CHECK_EQ_INT(n_reports, 0);
    CHECK(isnan(best_epoch));
    if (m) H.ops->destroy(m);
    /* the pruner stops a trial: XP_EPRUNED at the epoch it asked */
    prune_at = 1;
    CHECK_EQ_INT(fit(cfg, TR, VA, &m), XP_EPRUNED);
    CHECK_EQ_INT(n_reports, 2);
    CHECK_CONTAINS(H.call.msg, "pruned at epoch 1");
    prune_at = -1;
    cfg_free(cfg);
}

/* ------------------------------------------------------------------ folds side by side */

/* One fold's work as core/folds.c runs it on its own thread: its own call context and
 * thread share, create + fit + predict, nothing shared but the read-only frames. */
typedef struct side_job {
    const xp_cfg *cfg;
    host_env env;
    double *pred;
    int rc;
    char msg[256];
} side_job;

static void *side_run(void *arg)
{
    side_job *j = arg;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &j->env, "side", 1);
    void *m = NULL;
    j->rc = H.ops->create(&ctx, j->cfg, &m);
    if (!j->rc) j->rc = H.ops->fit(&ctx, m, TR, NULL, VA, NULL);
    if (!j->rc) j->rc = H.ops->predict(&ctx, m, VA, NULL, j->pred);
    if (j->rc) snprintf(j->msg, sizeof j->msg, "%s", host_call_error(&call));
    if (m) H.ops->destroy(m);
    return NULL;
}

static void test_side_by_side(void)
{
    /* libtorch's intra-op thread count is set per calling thread (OpenMP), and the net keeps
     * its own generator: what makes XP_MODEL_SERIAL_FOLDS unnecessary for this model. */
    xp_cfg *ca = harness_cfg("plugin: mlp\nepochs: 4\npatience: 0\nbatch_size: 64\nhidden: [32]\n"
                             "proj_dim: 8\ndropout: 0.2\nseed: 7\ntext_tower: {column: tok, dim: 16}\n"
                             "image_tower: {column: img, channels: [8, 8], augment: dihedral}\n");
    xp_cfg *cb = harness_cfg("plugin: mlp\nepochs: 4\npatience: 0\nbatch_size: 64\nhidden: [32]\n"
                             "proj_dim: 8\ndropout: 0.2\nseed: 8\ntext_tower: {column: tok, dim: 16, kind: gru, hidden: 12}\n"
                             "image_tower: {column: img, channels: [8, 8]}\n");
    side_job serial[2], side[2];
    for (int k = 0; k < 2; k++) {
        side_job init = { .cfg = k ? cb : ca, .env = H.env };
        init.env.threads = k + 1;   /* job 0 on one libtorch thread, job 1 on two */
        serial[k] = side[k] = init;
        serial[k].pred = alloc_pred(VA);
        side[k].pred = alloc_pred(VA);
    }
    for (int k = 0; k < 2; k++) side_run(&serial[k]);
    pthread_t t;
    int started = pthread_create(&t, NULL, side_run, &side[1]) == 0;
    CHECK(started);
    side_run(&side[0]);
    if (started) pthread_join(t, NULL);
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_INT(serial[k].rc, XP_OK);
        CHECK_EQ_INT(side[k].rc, XP_OK);
        if (serial[k].rc || side[k].rc) {
            fprintf(stderr, "side by side: %s / %s\n", serial[k].msg, side[k].msg);
            continue;
        }
        size_t same = 0;
        for (size_t i = 0; i < VA->n_rows; i++) same += serial[k].pred[i] == side[k].pred[i];
        fprintf(stderr, "side by side: job %d (%d thread%s): %zu/%zu predictions identical to the serial fit\n",
                k, k + 1, k ? "s" : "", same, VA->n_rows);
        CHECK_EQ_INT(same, VA->n_rows);
    }
    size_t same_ab = 0;
    for (size_t i = 0; i < VA->n_rows; i++) same_ab += serial[0].pred[i] == serial[1].pred[i];
    CHECK(same_ab < VA->n_rows / 10);   /* the two jobs really are different fits */
    for (int k = 0; k < 2; k++) { free(serial[k].pred); free(side[k].pred); }
    cfg_free(ca);
    cfg_free(cb);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_mlp PLUGIN.so TMPDIR\n");
        return 2;
    }
    if (harness_open(&H, argv[1], "mlp")) return 1;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/test_mlp_XXXXXX", argv[2]);
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    xp_frame *all = make_frame(4000, 5, 0);
    TR = slice(all, 0, 3000);
    VA = slice(all, 3000, 4000);
    frame_free(all);
    test_config();
    test_learns();
    test_early_stopping();
    test_seed_and_save_load(dir);
    test_side_by_side();
    test_norms_save_load(dir);
    test_wide(dir);
    test_weights();
    frame_free(TR);
    frame_free(VA);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    harness_close(&H);
    return check_done();
}
