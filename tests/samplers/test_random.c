/* tests/samplers/test_random.c — the `random` sampler plugin, loaded from its .so: every draw
 * valid over thousands of trials, the distributions Optuna's RandomSampler uses (uniform,
 * log-uniform, equally likely steps and choices, log-int with half-unit margins), seeded
 * reproducibility, and clear errors for malformed search spaces.
 *
 *     test_sampler_random build/plugins/samplers/random/random.so
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "harness.h"

static const char *const five[] = { "a", "b", "c", "d", "e" };

/* 0 float, 1 float log, 2 int, 3 int step 3 (high 10 -> 9), 4 int log, 5 categorical,
 * 6 constant float, 7 constant int, 8 float step 0.25. */
static const xp_param_spec space[] = {
    { "f", XP_PARAM_FLOAT, -3, 7, 0, 0, 0, NULL },
    { "flog", XP_PARAM_FLOAT, 1e-4, 10, 0, 1, 0, NULL },
    { "i", XP_PARAM_INT, 2, 12, 1, 0, 0, NULL },
    { "istep", XP_PARAM_INT, 0, 10, 3, 0, 0, NULL },
    { "ilog", XP_PARAM_INT, 1, 100, 1, 1, 0, NULL },
    { "cat", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 5, five },
    { "fconst", XP_PARAM_FLOAT, 2.5, 2.5, 0, 0, 0, NULL },
    { "iconst", XP_PARAM_INT, 4, 4, 0, 0, 0, NULL },
    { "fstep", XP_PARAM_FLOAT, 0, 1, 0.25, 0, 0, NULL },
};
#define NP (sizeof space / sizeof space[0])
#define DRAWS 20000

/* Pearson chi-square of counts against equal probabilities. */
static double chi2_uniform(const long *count, int k, long n)
{
    double e = (double)n / k, c = 0;
    for (int i = 0; i < k; i++) c += (count[i] - e) * (count[i] - e) / e;
    return c;
}

static void test_draws(const harness *h)
{
    char err[1024];
    void *st;
    CHECK_EQ_INT(harness_create(h, NULL, space, NP, XP_MINIMIZE, &st, err, sizeof err), XP_OK);
    if (!st) return;
    study s;
    study_init(&s, NP);
    double x[NP], sum_f = 0, sum_log = 0, fmin_ = 1e9, fmax_ = -1e9;
    long c_i[11] = { 0 }, c_step[4] = { 0 }, c_cat[5] = { 0 }, c_fstep[5] = { 0 }, ilog_one = 0,
         ilog_100 = 0, invalid = 0;
    for (int t = 0; t < DRAWS; t++) {
        if (harness_suggest(h, st, &s, 1, t, x, err, sizeof err)) {
            CHECK(!"suggest failed");
            fprintf(stderr, "%s\n", err);
            break;
        }
        for (size_t j = 0; j < NP; j++)
            if (!value_valid(&space[j], x[j])) {
                if (invalid++ < 5) fprintf(stderr, "invalid %s = %.17g\n", space[j].name, x[j]);
            }
        sum_f += x[0];
        fmin_ = fmin(fmin_, x[0]);
        fmax_ = fmax(fmax_, x[0]);
        sum_log += log10(x[1]);
        c_i[(int)x[2] - 2]++;
        c_step[(int)x[3] / 3]++;
        ilog_one += x[4] == 1;
        ilog_100 += x[4] == 100;
        c_cat[(int)x[5]]++;
        c_fstep[(int)lround(x[8] * 4)]++;
        CHECK(x[6] == 2.5 && x[7] == 4);
        /* random ignores history, but feed it anyway as the runner does */
        if (t < 50) study_add(&s, t, XP_TRIAL_COMPLETE, 0.0, x);
    }
    CHECK_EQ_INT(invalid, 0);
    /* uniform on [-3, 7): mean 2, sd 10/sqrt(12) -> standard error 0.02 */
    CHECK_NEAR(sum_f / DRAWS, 2.0, 0.1);
    CHECK(fmin_ < -2.99 && fmax_ > 6.99);
    /* log-uniform on [1e-4, 10]: log10 uniform on [-4, 1], mean -1.5, standard error 0.01 */
    CHECK_NEAR(sum_log / DRAWS, -1.5, 0.05);
    /* chi-square critical values at p = 0.001: df 10 -> 29.6, df 3 -> 16.3, df 4 -> 18.5 */
    CHECK(chi2_uniform(c_i, 11, DRAWS) < 29.6);
    CHECK(chi2_uniform(c_step, 4, DRAWS) < 16.3);
    CHECK(chi2_uniform(c_cat, 5, DRAWS) < 18.5);
    CHECK(chi2_uniform(c_fstep, 5, DRAWS) < 18.5);
    /* Optuna's log int: exp(U(log 0.5, log 100.5)) rounded, so
     * P(1) = log(1.5/0.5) / log(100.5/0.5) = 0.2072 and P(100) = log(100.5/99.5)/log(201) */
    CHECK_NEAR((double)ilog_one / DRAWS, log(3.0) / log(201.0), 0.015);
    CHECK_NEAR((double)ilog_100 / DRAWS, log(100.5 / 99.5) / log(201.0), 0.001);
    CHECK(ilog_100 > 0);
    study_free(&s);
    harness_destroy(h, st);
}

static void test_reproducible(const harness *h)
{
    char err[1024];
    void *a, *b;
    CHECK_EQ_INT(harness_create(h, NULL, space, NP, XP_MINIMIZE, &a, err, sizeof err), XP_OK);
    CHECK_EQ_INT(harness_create(h, NULL, space, NP, XP_MINIMIZE, &b, err, sizeof err), XP_OK);
    if (!a || !b) return;
    study s;
    study_init(&s, NP);
    int same_seed_equal = 1, other_seed_differs = 0, other_trial_differs = 0;
    for (int t = 0; t < 200; t++) {
        double x[NP], y[NP], z[NP], w[NP];
        harness_suggest(h, a, &s, 42, t, x, err, sizeof err);
        harness_suggest(h, b, &s, 42, t, y, err, sizeof err);
        harness_suggest(h, a, &s, 43, t, z, err, sizeof err);
        harness_suggest(h, a, &s, 42, t + 1000, w, err, sizeof err);
        if (memcmp(x, y, sizeof x)) same_seed_equal = 0;
        if (x[0] != z[0]) other_seed_differs++;
        if (x[0] != w[0]) other_trial_differs++;
    }
    CHECK(same_seed_equal);
    CHECK_EQ_INT(other_seed_differs, 200);
    CHECK_EQ_INT(other_trial_differs, 200);
    study_free(&s);
    harness_destroy(h, a);
    harness_destroy(h, b);
}

static void expect_bad(const harness *h, xp_param_spec p, const char *needle)
{
    char err[1024];
    void *st = NULL;
    int rc = harness_create(h, NULL, &p, 1, XP_MINIMIZE, &st, err, sizeof err);
    CHECK_EQ_INT(rc, XP_EINVAL);
    CHECK_CONTAINS(err, p.name);
    CHECK_CONTAINS(err, needle);
    harness_destroy(h, st);
}

static void test_errors(const harness *h)
{
    expect_bad(h, (xp_param_spec){ "p1", XP_PARAM_FLOAT, 2, 1, 0, 0, 0, NULL }, "greater than high");
    expect_bad(h, (xp_param_spec){ "p2", XP_PARAM_FLOAT, 0, 1, 0, 1, 0, NULL }, "low > 0");
    expect_bad(h, (xp_param_spec){ "p3", XP_PARAM_INT, 0, 10, 1, 1, 0, NULL }, "low >= 1");
    expect_bad(h, (xp_param_spec){ "p4", XP_PARAM_INT, 0.5, 10, 1, 0, 0, NULL }, "integers");
    expect_bad(h, (xp_param_spec){ "p5", XP_PARAM_INT, 0, 10, 1.5, 0, 0, NULL }, "integer");
    expect_bad(h, (xp_param_spec){ "p6", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 0, NULL }, "choice");
    expect_bad(h, (xp_param_spec){ "p7", XP_PARAM_FLOAT, 1, 10, 0.5, 1, 0, NULL }, "step and log");
    expect_bad(h, (xp_param_spec){ "p8", XP_PARAM_FLOAT, 0, INFINITY, 0, 0, 0, NULL }, "finite");
    expect_bad(h, (xp_param_spec){ "p9", XP_PARAM_FLOAT, NAN, 1, 0, 0, 0, NULL }, "finite");
    expect_bad(h, (xp_param_spec){ "p10", XP_PARAM_FLOAT, 0, 1, -1, 0, 0, NULL }, "step");
    expect_bad(h, (xp_param_spec){ "p11", (xp_param_type)9, 0, 1, 0, 0, 0, NULL }, "type");
}

int main(int argc, char **argv)
{
    if (argc < 2) return fprintf(stderr, "usage: %s random.so\n", argv[0]), 2;
    harness h;
    if (harness_open(&h, argv[1], "random")) return 1;
    test_draws(&h);
    test_reproducible(&h);
    test_errors(&h);
    harness_close(&h);
    return check_done();
}
