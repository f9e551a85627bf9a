/* test_impute.c — the `impute` transform through the real host: median/mean/mode/constant,
 * overrides, indicators learned at fit, categorical handling, roles, and config errors.
 *
 *     ./test_impute path/to/impute.so
 */
#include "check.h"
#include "harness.h"

static xp_frame *train_frame(void)
{
    xp_frame *f = frame_new(10);
    fr_num(f, "x", XP_ROLE_FEATURE, (double[]){ 1, 2, NAN, 4, 100, NAN, 3, 5, 6, 7 });
    fr_num(f, "y", XP_ROLE_FEATURE, (double[]){ 1, 1, 2, 2, 2, 3, 3, 3, 3, 9 });
    xp_column *b = fr_col(f, "b", XP_COL_BOOL, XP_ROLE_FEATURE);
    double bv[10] = { 1, 1, 0, NAN, 1, 0, 1, 1, 0, 1 };
    memcpy(b->num, bv, sizeof bv);
    fr_cat(f, "cat", (const char *const[]){ "u", NULL, "v", "v", "u", "v", NULL, "w", "v", "u" });
    fr_text(f, "txt", (const char *const[]){ "a", NULL, "b", "c", "d", "e", "f", "g", "h", "i" });
    fr_num(f, "target", XP_ROLE_TARGET, (double[]){ 1, NAN, 3, 4, 5, 6, 7, 8, 9, 10 });
    fr_num(f, "w", XP_ROLE_WEIGHT, (double[]){ 1, NAN, 1, 1, 1, 1, 1, 1, 1, 1 });
    return f;
}

static void test_median_indicators(const char *so)
{
    txh h;
    if (txh_open(&h, so, "impute")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "indicators: true\n"), XP_OK);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *x = frame_find(f, "x");
    CHECK_NEAR(x->num[2], 4.5, 0);           /* median of 1,2,3,4,5,6,7,100 */
    CHECK_NEAR(x->num[5], 4.5, 0);
    CHECK_NEAR(x->num[4], 100, 0);
    const xp_column *xm = frame_find(f, "x_missing");
    CHECK(xm && xm->type == XP_COL_BOOL && xm->role == XP_ROLE_FEATURE);
    if (xm) {
        double want[10] = { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0 };
        for (int i = 0; i < 10; i++) CHECK_NEAR(xm->num[i], want[i], 0);
    }
    CHECK(frame_find(f, "y_missing") == NULL);      /* no missing y in training */
    CHECK(frame_find(f, "b_missing") != NULL);
    CHECK_NEAR(frame_find(f, "b")->num[3], 1, 0);  /* bool: most frequent value */
    CHECK_EQ_INT(frame_find(f, "cat")->codes[1], -1);  /* skip_categorical by default */
    CHECK(frame_find(f, "txt")->text[1] == NULL);
    CHECK(isnan(frame_find(f, "target")->num[1]));    /* never the target or weight */
    CHECK(isnan(frame_find(f, "w")->num[1]));
    CHECK(frame_find(f, "cat_missing") == NULL && frame_find(f, "target_missing") == NULL);

    /* Validation rows: training statistics, the same indicator columns (none for y even
     * though y is missing here: the columns must match the training frame's). */
    xp_frame *v = frame_new(2);
    fr_num(v, "x", XP_ROLE_FEATURE, (double[]){ NAN, 1000 });
    fr_num(v, "y", XP_ROLE_FEATURE, (double[]){ NAN, NAN });
    xp_column *vb = fr_col(v, "b", XP_COL_BOOL, XP_ROLE_FEATURE);
    vb->num[0] = 0;
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    CHECK_NEAR(frame_find(v, "x")->num[0], 4.5, 0);
    CHECK_NEAR(frame_find(v, "y")->num[0], 2.5, 0);
    CHECK(frame_find(v, "x_missing") && frame_find(v, "x_missing")->num[0] == 1);
    CHECK(frame_find(v, "y_missing") == NULL);
    CHECK_NEAR(frame_find(v, "b")->num[1], 1, 0);
    CHECK_NEAR(frame_find(v, "b_missing")->num[1], 1, 0);

    /* Applying again to a frame that already has the indicator is an error, not a silent
     * overwrite. */
    CHECK_EQ_INT(txh_apply(&h, v), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "x_missing");
    /* A learned column that is absent is an error naming it. */
    xp_frame *w = frame_new(1);
    fr_num(w, "y", XP_ROLE_FEATURE, (double[]){ 1 });
    CHECK_EQ_INT(txh_apply(&h, w), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "column x");
    frame_free(w);
    frame_free(v);
    frame_free(f);
    txh_close(&h);
}

static void test_strategies(const char *so)
{
    txh h;
    if (txh_open(&h, so, "impute")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "strategy: mean\n"), XP_OK);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "x")->num[2], 16, 1e-12);
    CHECK(frame_find(f, "x_missing") == NULL);      /* indicators off by default */
    frame_free(f);

    CHECK_EQ_INT(txh_create(&h, "strategy: constant\nvalue: -1\n"), XP_OK);
    f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "x")->num[2], -1, 0);
    CHECK_NEAR(frame_find(f, "b")->num[3], 1, 0);   /* -1 is no bool: bool keeps its mode */
    frame_free(f);

    CHECK_EQ_INT(txh_create(&h, "strategy: mode\n"), XP_OK);
    f = train_frame();
    fr_num(f, "z", XP_ROLE_FEATURE, (double[]){ 7, 7, NAN, 8, 8, 8, 1, 2, 3, 4 });
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "z")->num[2], 8, 0);
    frame_free(f);

    /* overrides: first matching entry wins; numbers mean constant; skip leaves missing. */
    CHECK_EQ_INT(txh_create(&h,
                            "strategy: median\n"
                            "overrides:\n"
                            "  x: mean\n"
                            "  \"[xz]\": 99\n"
                            "  z: {strategy: constant, value: -7}\n"
                            "  b: {value: 0}\n"
                            "  y: skip\n"
                            "skip_categorical: false\n"
                            "exclude: [q]\n"),
                 XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    f = train_frame();
    fr_num(f, "z", XP_ROLE_FEATURE, (double[]){ 7, 7, NAN, 8, 8, 8, 1, 2, 3, 4 });
    fr_num(f, "q", XP_ROLE_FEATURE, (double[]){ 7, 7, NAN, 8, 8, 8, 1, 2, 3, 4 });
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "x")->num[2], 16, 1e-12);
    CHECK_NEAR(frame_find(f, "z")->num[2], 99, 0);
    CHECK_NEAR(frame_find(f, "b")->num[3], 0, 0);
    CHECK(isnan(frame_find(f, "q")->num[2]));
    const xp_column *cat = frame_find(f, "cat");
    CHECK_STR(fr_level(cat, 1), "v");                 /* the most frequent level */
    CHECK_STR(fr_level(cat, 6), "v");
    frame_free(f);

    /* columns: restricts; an all-missing training column stays missing. */
    CHECK_EQ_INT(txh_create(&h, "columns: [\"?\", e]\n"), XP_OK);
    f = train_frame();
    fr_num(f, "e", XP_ROLE_FEATURE, (double[]){ NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN });
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "x")->num[2], 4.5, 0);
    CHECK(isnan(frame_find(f, "e")->num[0]));
    frame_free(f);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "impute")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "strategy: average\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_CONTAINS(h.call.msg, "median, mean, mode, constant, skip");
    CHECK_EQ_INT(txh_create(&h, "strategy: constant\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "needs `value`");
    CHECK_EQ_INT(txh_create(&h, "value: zero\nstrategy: constant\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_EQ_INT(txh_create(&h, "overrides: [x]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "must be a map");
    CHECK_EQ_INT(txh_create(&h, "overrides:\n  x: banana\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:2:6");
    CHECK_CONTAINS(h.call.msg, "got 'banana'");
    CHECK_EQ_INT(txh_create(&h, "overrides:\n  x: {strategy: constant}\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "needs `value`");
    CHECK_EQ_INT(txh_create(&h, "overrides:\n  x: constant\n"), XP_ECONFIG);
    CHECK_EQ_INT(txh_create(&h, "indicators: 3\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "indicators");
    CHECK_EQ_INT(txh_create(&h, "overrides: {nope: mean}\n"), XP_OK);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "no column named 'nope'");
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s impute.so\n", argv[0]);
        return 2;
    }
    test_median_indicators(argv[1]);
    test_strategies(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
