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
    /* NULL is tolerated where it is documented */
    mlp_net_free(NULL);
    mlp_data_free(NULL);
    CHECK_EQ_INT(mlp_net_new(NULL, 1, &net, NULL), XP_EINVAL);
    return check_done();
}
