/* tests/models/test_mlp_net.c — the C API of the mlp model's C++ network (mlp_net.h), linked
 * directly: libtorch exceptions come back as XP_E* codes with a message (nothing is thrown
 * into C), bad arguments are refused, weights round-trip through get/set_params, and the
 * BLAS libtorch runs its linear layers on is OpenBLAS (Debian's reference BLAS is ~8x slower).
 *
 *     test_mlp_net
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "mlp_net.h"

#define CHECK_CONTAINS_(s, sub)                                                          \
    do {                                                                                 \
        check_count_++;                                                                  \
        if (!strstr((s), (sub))) {                                                       \
            check_failures_++;                                                           \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
                    (s), (sub));                                                         \
        }                                                                                \
    } while (0)

/* An image-tower net on 8x8 pictures: `n_conv` blocks of `ch` channels, one hidden layer. */
static mlp_spec image_spec(int64_t proj, int64_t n_conv, int64_t ch, int64_t hidden)
{
    mlp_spec s;
    memset(&s, 0, sizeof s);
    s.proj_dim = proj;
    s.image_size = 8;
    s.n_conv = n_conv;
    for (int64_t k = 0; k < n_conv; k++) s.conv[k] = ch;
    s.n_hidden = 1;
    s.hidden[0] = hidden;
    s.act = MLP_ACT_RELU;
    return s;
}

/* Trains an image-only net on two 8x8 pictures, `a` with target +1 and `b` with target -1,
 * and returns |prediction(a) - prediction(b)| in eval mode (predicted twice: must agree, as
 * augmentation is for training only). A pose the augmentation may draw makes `b` out of `a`
 * -> the two look the same in training and the gap stays small; otherwise it opens up. */
static double pose_gap(int augment, const float *a, const float *b)
{
    mlp_spec s = image_spec(8, 2, 8, 16);
    s.image_augment = augment;
    mlp_err e;
    mlp_net *net = NULL;
    if (mlp_net_new(&s, 3, &net, &e)) { fprintf(stderr, "%s\n", e.msg); return NAN; }
    float table[2 * 3 * 64];
    memcpy(table, a, sizeof(float) * 3 * 64);
    memcpy(table + 3 * 64, b, sizeof(float) * 3 * 64);
    int32_t image_row[2] = { 0, 1 };
    float y[2] = { 1, -1 };
    mlp_data_desc d;
    memset(&d, 0, sizeof d);
    d.n_rows = 2;
    d.image_table = table;
    d.image_count = 2;
    d.image_row = image_row;
    d.y = y;
    mlp_data *data = NULL;
    double gap = NAN, loss;
    int64_t rows[2] = { 0, 1 };
    float out[2], again[2];
    if (mlp_data_new(net, &d, &data, &e) || mlp_net_optimizer(net, 0, &e)) goto done;
    for (int step = 0; step < 300; step++)
        if (mlp_net_train_batch(net, data, rows, 2, 1e-2, 0, &loss, &e)) goto done;
    if (mlp_net_predict(net, data, rows, 2, 2, out, &e) || mlp_net_predict(net, data, rows, 2, 2, again, &e))
        goto done;
    CHECK(out[0] == again[0] && out[1] == again[1]);
    gap = fabs((double)out[0] - out[1]);
done:
    if (isnan(gap)) fprintf(stderr, "pose_gap: %s\n", e.msg);
    mlp_data_free(data);
    mlp_net_free(net);
    return gap;
}

static void half_picture(float *px, int which);

/* Trains a net with a token and an image tower on 4 rows (y = 0) for 20 steps with the
 * image_words loss at `words`; returns its parameters (caller frees), *np their count. */
static float *words_params(double words, size_t *np)
{
    mlp_spec s = image_spec(4, 1, 4, 8);
    s.text_vocab = 6;
    s.text_len = 2;
    s.text_dim = 4;
    s.text_kind = MLP_TEXT_BAG_SUM;
    s.image_words = words;
    mlp_err e;
    mlp_net *net = NULL;
    float *p = NULL;
    mlp_data *data = NULL;
    if (mlp_net_new(&s, 5, &net, &e)) goto done;
    float px[2 * 3 * 64];
    half_picture(px, 0);
    half_picture(px + 3 * 64, 1);
    int64_t text[2 * 2] = { 2, 3, 4, 0 };
    int32_t text_row[4] = { 0, 1, 0, -1 }, image_row[4] = { 0, 1, -1, 1 };
    float y[4] = { 0, 0, 0, 0 };
    mlp_data_desc d;
    memset(&d, 0, sizeof d);
    d.n_rows = 4;
    d.text_table = text;
    d.text_count = 2;
    d.text_row = text_row;
    d.image_table = px;
    d.image_count = 2;
    d.image_row = image_row;
    d.y = y;
    int64_t rows[4] = { 0, 1, 2, 3 };
    double loss;
    if (mlp_data_new(net, &d, &data, &e) || mlp_net_optimizer(net, 0, &e)) goto done;
    for (int k = 0; k < 20; k++)
        if (mlp_net_train_batch(net, data, rows, 4, 1e-2, 0, &loss, &e)) goto done;
    *np = mlp_net_param_count(net);
    p = malloc(*np * sizeof *p);
    if (p && mlp_net_get_params(net, p, *np, &e)) { free(p); p = NULL; }
done:
    if (!p) fprintf(stderr, "words_params: %s\n", e.msg);
    mlp_data_free(data);
    mlp_net_free(net);
    return p;
}

/* 8x8 pictures, all three channels alike: one bright half (left, right, top). */
static void half_picture(float *px, int which)
{
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                px[(c * 8 + y) * 8 + x] = (which == 0 ? x < 4 : which == 1 ? x >= 4 : y < 4) ? 0.9f : 0.1f;
}

int main(void)
{
    int64_t card[1] = { 3 }, width[1] = { 2 };
    mlp_spec s;
    memset(&s, 0, sizeof s);
    s.n_num = 2;
    s.n_cat = 1;
    s.cat_card = card;
    s.cat_width = width;
    s.n_hidden = 1;
    s.hidden[0] = 8;
    s.dropout = 0.1;
    s.act = MLP_ACT_RELU;
    mlp_err e;
    mlp_net *net = NULL;
    CHECK_EQ_INT(mlp_net_new(&s, 1, &net, &e), XP_OK);
    if (!net) { fprintf(stderr, "%s\n", e.msg); return 1; }

    /* a categorical code outside its table: libtorch raises, the call returns XP_EMODEL */
    float num[4 * 2] = { 0, 1, 1, 0, 0.5f, 0.5f, -1, 2 };
    int64_t cat[4] = { 0, 1, 7, 2 };
    float y[4] = { 1, 2, 3, 4 };
    mlp_data_desc d;
    memset(&d, 0, sizeof d);
    d.n_rows = 4;
    d.num = num;
    d.cat = cat;
    d.y = y;
    mlp_data *data = NULL;
    CHECK_EQ_INT(mlp_data_new(net, &d, &data, &e), XP_OK);
    int64_t rows[4] = { 0, 1, 2, 3 };
    float out[4];
    int rc = mlp_net_predict(net, data, rows, 4, 2, out, &e);
    CHECK_EQ_INT(rc, XP_EMODEL);
    CHECK_EQ_INT(e.code, XP_EMODEL);
    fprintf(stderr, "expected error: %s\n", e.msg);
    CHECK_CONTAINS_(e.msg, "libtorch");
    CHECK(strchr(e.msg, '\n') == NULL);   /* one line, no backtrace */

    /* training before the optimizer exists, and a row index out of range */
    double loss;
    CHECK_EQ_INT(mlp_net_train_batch(net, data, rows, 2, 1e-3, 0, &loss, &e), XP_EINVAL);
    CHECK_CONTAINS_(e.msg, "optimizer");
    CHECK_EQ_INT(mlp_net_optimizer(net, 1e-4, &e), XP_OK);
    int64_t bad_rows[2] = { 0, 9 };
    CHECK_EQ_INT(mlp_net_train_batch(net, data, bad_rows, 2, 1e-3, 0, &loss, &e), XP_EINVAL);
    CHECK_CONTAINS_(e.msg, "out of range");
    CHECK_EQ_INT(mlp_net_train_batch(net, data, rows, 2, 1e-3, 1.0, &loss, &e), XP_OK);
    CHECK(isfinite(loss));
    mlp_data_free(data);

    /* after a training step libtorch has mapped its BLAS: it must be OpenBLAS */
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096], blas[4096] = "";
    while (maps && fgets(line, sizeof line, maps)) {
        char *p = strchr(line, '/');
        if (!p) continue;
        p[strcspn(p, "\n")] = 0;
        const char *base = strrchr(p, '/');
        if (strstr(base, "blas") && !strstr(base, "lapack") && (!blas[0] || strstr(p, "openblas")))
            snprintf(blas, sizeof blas, "%s", p);
    }
    if (maps) fclose(maps);
    fprintf(stderr, "BLAS: %s\n", blas[0] ? blas : "(none mapped)");
    CHECK(blas[0] == 0 || strstr(blas, "openblas") != NULL);

    /* weights round trip; a wrong count is refused */
    size_t np = mlp_net_param_count(net);
    CHECK(np == 3 * 2 + (2 + 2) * 8 + 8 + 8 + 1);
    float *w = malloc(np * sizeof *w);
    CHECK_EQ_INT(mlp_net_get_params(net, w, np, &e), XP_OK);
    CHECK_EQ_INT(mlp_net_set_params(net, w, np - 1, &e), XP_EFORMAT);
    CHECK_EQ_INT(mlp_net_get_params(net, w, np - 1, &e), XP_EINVAL);
    CHECK_EQ_INT(mlp_net_set_params(net, w, np, &e), XP_OK);
    CHECK_EQ_INT(mlp_net_restore(net, &e), XP_EINVAL);   /* no snapshot yet */
    free(w);
    mlp_net_free(net);

    /* bad specs */
    s.dropout = 1.0;
    net = NULL;
    CHECK_EQ_INT(mlp_net_new(&s, 1, &net, &e), XP_EINVAL);
    CHECK(net == NULL);
    CHECK_CONTAINS_(e.msg, "dropout");
    s.dropout = 0;
    s.image_size = 8;
    s.n_conv = 0;
    s.proj_dim = 4;
    CHECK_EQ_INT(mlp_net_new(&s, 1, &net, &e), XP_EINVAL);
    CHECK_CONTAINS_(e.msg, "conv");
    memset(&s, 0, sizeof s);
    CHECK_EQ_INT(mlp_net_new(&s, 1, &net, &e), XP_EINVAL);
    CHECK_CONTAINS_(e.msg, "no inputs");
    /* image augmentation: a mirror pair is told apart without it and not with flip; a
     * quarter-turn pair is told apart with flip and not with dihedral */
    s.image_augment = 3;
    s.image_size = 8;
    s.n_conv = 1;
    s.conv[0] = 4;
    s.proj_dim = 4;
    CHECK_EQ_INT(mlp_net_new(&s, 1, &net, &e), XP_EINVAL);
    CHECK_CONTAINS_(e.msg, "augmentation");
    float left[3 * 64], right[3 * 64], top[3 * 64];
    half_picture(left, 0);
    half_picture(right, 1);
    half_picture(top, 2);
    double g_none = pose_gap(MLP_AUG_NONE, left, right), g_flip = pose_gap(MLP_AUG_FLIP, left, right);
    double g_turn_flip = pose_gap(MLP_AUG_FLIP, left, top), g_turn_d4 = pose_gap(MLP_AUG_DIHEDRAL, left, top);
    fprintf(stderr, "pose gaps: mirror pair none %.3f flip %.3f; quarter-turn pair flip %.3f dihedral %.3f\n",
            g_none, g_flip, g_turn_flip, g_turn_d4);
    CHECK(g_none > 1.5);
    CHECK(g_flip < 0.5);
    CHECK(g_turn_flip > 1.5);
    CHECK(g_turn_d4 < 0.5);
    /* image_words: needs both towers; its head is not a parameter (same count, same file);
     * its loss reaches the towers (the weights differ from training without it, and from
     * the same run at half the weight) */
    memset(&s, 0, sizeof s);
    s.image_size = 8;
    s.n_conv = 1;
    s.conv[0] = 4;
    s.proj_dim = 4;
    s.image_words = 1;
    CHECK_EQ_INT(mlp_net_new(&s, 1, &net, &e), XP_EINVAL);
    CHECK_CONTAINS_(e.msg, "image_words");
    size_t n0 = 0, n1 = 0, nh = 0;
    float *w0 = words_params(0, &n0), *w1 = words_params(1, &n1), *wh = words_params(0.5, &nh);
    CHECK(w0 && w1 && wh);
    CHECK(n0 == n1 && n0 == nh && n0 > 0);
    if (w0 && w1 && wh && n0 == n1 && n0 == nh) {
        size_t differ = 0, differ_h = 0;
        for (size_t i = 0; i < n0; i++) {
            differ += w0[i] != w1[i];
            differ_h += wh[i] != w1[i];
        }
        fprintf(stderr, "image_words: %zu of %zu weights differ from training without it\n", differ, n0);
        CHECK(differ > n0 / 2);
        CHECK(differ_h > n0 / 2);
    }
    free(w0);
    free(w1);
    free(wh);
    /* NULL is tolerated where it is documented */
    mlp_net_free(NULL);
    mlp_data_free(NULL);
    CHECK_EQ_INT(mlp_net_new(NULL, 1, &net, NULL), XP_EINVAL);
    return check_done();
}
