/* test_target_log.c — the `target_log` transform through the real host: log1p/log on the
 * target column only, inverse_target round trip, domain errors naming the row, frames
 * without a target, and config errors.
 *
 *     ./test_target_log path/to/target_log.so
 */
#include "check.h"
#include "harness.h"

static const double Y[6] = { 10, 6445, 18300, 1943965, 0, 0.5 };

static xp_frame *frame_with_target(const double *y, size_t n)
{
    xp_frame *f = frame_new(n);
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = y[i];
    fr_num(f, "feature", XP_ROLE_FEATURE, x);
    fr_num(f, "target", XP_ROLE_TARGET, y);
    free(x);
    return f;
}

static void test_log1p(const char *so)
{
    txh h;
    if (txh_open(&h, so, "target_log")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "plugin: target_log\n"), XP_OK);
    CHECK(h.ops->inverse_target != NULL);
    xp_frame *f = frame_with_target(Y, 6);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *t = frame_find(f, "target"), *x = frame_find(f, "feature");
    for (int i = 0; i < 6; i++) {
        CHECK_NEAR(t->num[i], log1p(Y[i]), 1e-15);
        CHECK_NEAR(x->num[i], Y[i], 0);      /* features untouched */
    }
    CHECK_NEAR(t->num[1], 8.7712150623753828, 1e-12);   /* log(6446), from Python */

    /* Round trip: predictions in model space come back in the original units. */
    double p[6];
    memcpy(p, t->num, sizeof p);
    CHECK_EQ_INT(h.ops->inverse_target(txh_ctx(&h), h.state, p, 6), XP_OK);
    for (int i = 0; i < 6; i++) CHECK_NEAR(p[i], Y[i], 1e-9 * (1 + Y[i]));

    /* New data has no target: nothing to do. */
    xp_frame *g = frame_new(2);
    fr_num(g, "feature", XP_ROLE_FEATURE, (double[]){ -5, 3 });
    CHECK_EQ_INT(txh_apply(&h, g), XP_OK);
    CHECK_NEAR(g->cols[0]->num[0], -5, 0);
    frame_free(g);

    /* A validation target outside the domain is an error naming its data row; missing
     * targets stay missing. */
    g = frame_with_target((double[]){ 3, NAN, -1 }, 3);
    g->row_id[2] = 4711;
    CHECK_EQ_INT(txh_apply(&h, g), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "row 4711");
    CHECK_CONTAINS(h.call.msg, "> -1");
    frame_free(g);
    g = frame_with_target((double[]){ 3, NAN }, 2);
    CHECK_EQ_INT(txh_apply(&h, g), XP_OK);
    CHECK(isnan(frame_find(g, "target")->num[1]));
    frame_free(g);
    frame_free(f);

    /* fit refuses a training target below -1. */
    f = frame_with_target((double[]){ 3, -2, 5 }, 3);
    CHECK_EQ_INT(txh_fit(&h, f), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "target = -2 in data row 1");
    frame_free(f);
    txh_close(&h);
}

static void test_log(const char *so)
{
    txh h;
    if (txh_open(&h, so, "target_log")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "kind: log\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *f = frame_with_target(Y, 4);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "target")->num[0], log(10), 1e-15);
    double p[2] = { 0, log(1943965) };
    CHECK_EQ_INT(h.ops->inverse_target(txh_ctx(&h), h.state, p, 2), XP_OK);
    CHECK_NEAR(p[0], 1, 1e-15);
    CHECK_NEAR(p[1], 1943965, 1e-6);
    frame_free(f);
    f = frame_with_target(Y, 5);   /* includes 0: log(0) is not finite */
    CHECK_EQ_INT(txh_fit(&h, f), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "log needs values > 0");
    frame_free(f);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "target_log")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "kind: box_cox\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:7");
    CHECK_CONTAINS(h.call.msg, "one of log1p, log");
    CHECK_EQ_INT(txh_create(&h, "kind: [log]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_EQ_INT(txh_create(&h, "{}\n"), XP_OK);
    xp_frame *f = frame_new(2);
    fr_num(f, "x", XP_ROLE_FEATURE, (double[]){ 1, 2 });
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "no column with role target");
    frame_free(f);
    f = frame_new(2);
    xp_column *c = fr_cat(f, "target", (const char *const[]){ "a", "b" });
    c->role = XP_ROLE_TARGET;
    CHECK_EQ_INT(txh_fit(&h, f), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "categorical");
    frame_free(f);
    txh_close(&h);
}

/* only_for: the log only when the config's objective is listed; otherwise the identity. */
static void test_only_for(const char *so)
{
    char err[1024];
    txh h;
    if (txh_open(&h, so, "target_log")) { CHECK(0); return; }
    xp_cfg *root = cfg_load_string("objective: rmsle\n", "run.yaml", err, sizeof err);
    CHECK(root != NULL);
    h.env.root = root;
    CHECK_EQ_INT(txh_create(&h, "only_for: [rmse, rmsle]\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *f = frame_with_target(Y, 6);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "target")->num[1], log1p(Y[1]), 1e-15);
    frame_free(f);
    /* Not the objective: the target is modelled as it is, and inverse is the identity. */
    CHECK_EQ_INT(txh_create(&h, "only_for: [mape]\n"), XP_OK);
    f = frame_with_target((double[]){ 3, -7, 5 }, 3);   /* outside log1p's domain: no error */
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "target")->num[1], -7, 0);
    double p[2] = { 2.5, -1 };
    CHECK_EQ_INT(h.ops->inverse_target(txh_ctx(&h), h.state, p, 2), XP_OK);
    CHECK_NEAR(p[0], 2.5, 0);
    CHECK_NEAR(p[1], -1, 0);
    frame_free(f);
    /* No objective in the config: only_for names none of it. */
    h.env.root = NULL;
    CHECK_EQ_INT(txh_create(&h, "only_for: [rmsle]\n"), XP_OK);
    f = frame_with_target(Y, 2);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "target")->num[1], Y[1], 0);
    frame_free(f);
    /* Not a list; a list item that is no name. */
    CHECK_EQ_INT(txh_create(&h, "only_for: rmsle\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "only_for must be a list of metric names");
    CHECK_EQ_INT(txh_create(&h, "only_for: [[rmsle]]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "only_for lists metric names");
    txh_close(&h);
    cfg_free(root);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s target_log.so\n", argv[0]);
        return 2;
    }
    test_log1p(argv[1]);
    test_log(argv[1]);
    test_errors(argv[1]);
    test_only_for(argv[1]);
    return check_done();
}
