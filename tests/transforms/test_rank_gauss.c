/* test_rank_gauss.c — the `rank_gauss` transform through the real host: normal scores by the
 * training quantiles (against values computed by hand and scikit-learn's rule for ties), the
 * end scores outside the training range, missing kept, other column types left alone,
 * constant columns skipped, and errors.
 *
 *     ./test_rank_gauss path/to/rank_gauss.so
 */
#include "check.h"
#include "harness.h"

/* The standard normal's quantile by bisection on erfc: an independent check of the plugin's. */
static double ppf(double p)
{
    double lo = -10, hi = 10;
    for (int i = 0; i < 200; i++) {
        double m = 0.5 * (lo + hi);
        if (0.5 * erfc(-m / sqrt(2.0)) < p) lo = m; else hi = m;
    }
    return 0.5 * (lo + hi);
}

static void test_scores(const char *so)
{
    txh h;
    if (txh_open(&h, so, "rank_gauss")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "quantiles: 5\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    /* 9 training values 1..9: knots at probabilities 0, .25, .5, .75, 1 are 1, 3, 5, 7, 9. */
    double x[10] = { 5, 1, 9, 2, 8, 3, 7, 4, 6, NAN };
    double y[10] = { 0 };
    double t[10] = { 0, 0, 1, 1, 0, 1, 0, 1, 0, 1 };
    double k[10] = { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4 };
    xp_frame *tr = frame_new(10);
    fr_num(tr, "x", XP_ROLE_FEATURE, x);
    fr_num(tr, "target", XP_ROLE_TARGET, y);
    fr_num(tr, "const", XP_ROLE_FEATURE, k);
    xp_column *b = fr_col(tr, "flag", XP_COL_BOOL, XP_ROLE_FEATURE);
    for (int i = 0; i < 10; i++) b->num[i] = t[i];
    fr_cat(tr, "c", (const char *const[]){ "a", "b", "a", "b", "a", "b", "a", "b", "a", "b" });
    CHECK_EQ_INT(txh_fit_apply(&h, tr), XP_OK);
    const xp_column *c = frame_find(tr, "x");
    CHECK_NEAR(c->num[0], 0.0, 1e-9);                    /* 5: the median */
    CHECK_NEAR(c->num[5], ppf(0.25), 1e-8);              /* 3: a knot */
    CHECK_NEAR(c->num[3], ppf(0.125), 1e-8);             /* 2: halfway between knots 1 and 3 */
    CHECK_NEAR(c->num[1], ppf(1e-7), 1e-6);              /* the ends: held at 1e-7 */
    CHECK_NEAR(c->num[2], -ppf(1e-7), 1e-6);
    CHECK(isnan(c->num[9]));                             /* missing stays missing */
    CHECK_NEAR(frame_find(tr, "const")->num[0], 4, 0);   /* constant: left as it is */
    CHECK_NEAR(frame_find(tr, "flag")->num[2], 1, 0);    /* bool: left alone */
    CHECK_NEAR(frame_find(tr, "target")->num[0], 0, 0);  /* the target is no feature */
    /* Other rows: the training knots; outside the range, the end scores. */
    xp_frame *va = frame_new(3);
    double v[3] = { -100, 100, 6 };
    fr_num(va, "x", XP_ROLE_FEATURE, v);
    fr_num(va, "const", XP_ROLE_FEATURE, k);
    CHECK_EQ_INT(txh_apply(&h, va), XP_OK);
    c = frame_find(va, "x");
    CHECK_NEAR(c->num[0], ppf(1e-7), 1e-6);
    CHECK_NEAR(c->num[1], -ppf(1e-7), 1e-6);
    CHECK_NEAR(c->num[2], ppf(0.625), 1e-8);
    frame_free(tr);
    frame_free(va);
    txh_close(&h);
}

/* Ties: a value equal to a run of knots gets the middle of their probabilities (scikit-learn's
 * QuantileTransformer does the same), so a column of few distinct values keeps them apart. */
static void test_ties(const char *so)
{
    txh h;
    if (txh_open(&h, so, "rank_gauss")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "quantiles: 5\n"), XP_OK);
    double x[8] = { 0, 0, 0, 0, 0, 0, 1, 2 };   /* knots 0, 0, 0, 0.25, 2 */
    xp_frame *tr = frame_new(8);
    fr_num(tr, "x", XP_ROLE_FEATURE, x);
    CHECK_EQ_INT(txh_fit_apply(&h, tr), XP_OK);
    const xp_column *c = frame_find(tr, "x");
    CHECK_NEAR(c->num[0], ppf(0.25), 1e-8);              /* knots 0..2 are 0: p = (0 + 0.5) / 2 */
    CHECK_NEAR(c->num[6], ppf(0.75 + 0.25 * (0.75 / 1.75)), 1e-8);
    CHECK_NEAR(c->num[7], -ppf(1e-7), 1e-6);
    frame_free(tr);
    txh_close(&h);
}

static void test_options(const char *so)
{
    txh h;
    if (txh_open(&h, so, "rank_gauss")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "quantiles: 1\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "quantiles must be between 2 and 100000");
    /* Declared columns only; exclude wins. */
    CHECK_EQ_INT(txh_create(&h, "columns: [\"a*\"]\nexclude: [a2]\n"), XP_OK);
    double v[3] = { 1, 2, 3 };
    xp_frame *f = frame_new(3);
    fr_num(f, "a1", XP_ROLE_FEATURE, v);
    fr_num(f, "a2", XP_ROLE_FEATURE, v);
    fr_num(f, "b", XP_ROLE_FEATURE, v);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_NEAR(frame_find(f, "a1")->num[1], 0, 1e-9);
    CHECK_NEAR(frame_find(f, "a2")->num[1], 2, 0);
    CHECK_NEAR(frame_find(f, "b")->num[1], 2, 0);
    frame_free(f);
    /* A column named in the config but absent; a learned column missing at apply. */
    CHECK_EQ_INT(txh_create(&h, "columns: [nope]\n"), XP_OK);
    f = frame_new(3);
    fr_num(f, "a1", XP_ROLE_FEATURE, v);
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "nope");
    frame_free(f);
    CHECK_EQ_INT(txh_create(&h, ""), XP_OK);
    f = frame_new(3);
    fr_num(f, "a1", XP_ROLE_FEATURE, v);
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    xp_frame *g = frame_new(3);
    fr_num(g, "other", XP_ROLE_FEATURE, v);
    CHECK_EQ_INT(txh_apply(&h, g), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "a1");
    frame_free(f);
    frame_free(g);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s rank_gauss.so\n", argv[0]); return 2; }
    test_scores(argv[1]);
    test_ties(argv[1]);
    test_options(argv[1]);
    return check_done();
}
