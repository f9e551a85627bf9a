/* tests/samplers/test_grid.c — the `grid` sampler plugin, loaded from its .so: it proposes
 * exactly the cartesian product in a fixed order (first parameter slowest) and then reports
 * XP_EEXHAUSTED; a new instance given part of the grid as history (any trial state, plus
 * off-grid trials) proposes only the rest; points options (global, per parameter by full or
 * last name, log spacing, snapping to steps) and every configuration error.
 *
 *     test_sampler_grid build/plugins/samplers/grid/grid.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "harness.h"

static harness h;
static const char *const three[] = { "r", "g", "b" };

static xp_cfg *yaml(const char *text)
{
    char err[1024];
    xp_cfg *c = cfg_load_string(text, "sampler_options", err, sizeof err);
    if (!c) fprintf(stderr, "cfg_load_string(%s): %s\n", text, err);
    CHECK(c != NULL);
    return c;
}

/* Runs the sampler on `s` until exhausted (at most max); returns the number of points
 * proposed, appending each to s and to pts (n_params wide). */
static int drain(void *st, study *s, size_t np, const xp_param_spec *sp, double *pts, int max,
                 char *err, size_t errlen)
{
    int n = 0;
    double x[8];
    for (; n <= max; n++) {
        int rc = harness_suggest(&h, st, s, 1, (int64_t)s->n, x, err, errlen);
        if (rc == XP_EEXHAUSTED) return n;
        if (rc) {
            fprintf(stderr, "suggest: %s\n", err);
            return -1;
        }
        for (size_t j = 0; j < np; j++) CHECK(value_valid(&sp[j], x[j]));
        if (n < max) memcpy(pts + (size_t)n * np, x, np * sizeof *x);
        study_add(s, (int64_t)s->n, XP_TRIAL_COMPLETE, 0.0, x);
    }
    return n;
}

/* cat {r,g,b} x int 1..4 x int 0..6 step 2 = 3 x 4 x 4 = 48 points, no options needed. */
static const xp_param_spec disc[] = {
    { "color", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 3, three },
    { "depth", XP_PARAM_INT, 1, 4, 1, 0, 0, NULL },
    { "even", XP_PARAM_INT, 0, 7, 2, 0, 0, NULL },     /* high 7 is not on the lattice: 0..6 */
};

static int index_of(const double *x)
{
    return ((int)x[0] * 4 + (int)x[1] - 1) * 4 + (int)x[2] / 2;
}

static void test_product(void)
{
    char err[1024];
    void *st;
    CHECK_EQ_INT(harness_create(&h, NULL, disc, 3, XP_MINIMIZE, &st, err, sizeof err), XP_OK);
    if (!st) return;
    study s;
    study_init(&s, 3);
    double pts[48 * 3];
    int n = drain(st, &s, 3, disc, pts, 48, err, sizeof err);
    CHECK_EQ_INT(n, 48);
    CHECK_CONTAINS(err, "48 points");
    int seen[48] = { 0 }, in_order = 1;
    for (int i = 0; i < n && i < 48; i++) {
        int k = index_of(pts + 3 * i);
        if (k >= 0 && k < 48) seen[k]++;
        if (k != i) in_order = 0;                      /* lexicographic, first param slowest */
    }
    for (int k = 0; k < 48; k++) CHECK_EQ_INT(seen[k], 1);
    CHECK(in_order);
    /* exhausted stays exhausted */
    double x[3];
    CHECK_EQ_INT(harness_suggest(&h, st, &s, 2, 99, x, err, sizeof err), XP_EEXHAUSTED);
    study_free(&s);
    harness_destroy(&h, st);
}

static void test_resume(void)
{
    char err[1024];
    void *st;
    CHECK_EQ_INT(harness_create(&h, NULL, disc, 3, XP_MINIMIZE, &st, err, sizeof err), XP_OK);
    if (!st) return;
    study s;
    study_init(&s, 3);
    int taken[48] = { 0 };
    static const int states[] = { XP_TRIAL_COMPLETE, XP_TRIAL_PRUNED, XP_TRIAL_FAIL, XP_TRIAL_RUNNING };
    for (int i = 0; i < 20; i++) {
        int k = (i * 29 + 7) % 48;                     /* a scattered subset */
        double x[3] = { (double)(k / 16), (double)(k / 4 % 4 + 1), (double)(k % 4 * 2) };
        CHECK_EQ_INT(index_of(x), k);
        taken[k] = 1;
        study_add(&s, i, states[i % 4], 1.0, x);
    }
    double off[3] = { 1, 2.5, 4 }, nan_[3] = { NAN, 1, 0 }, out_of_range[3] = { 5, 1, 0 };
    study_add(&s, 20, XP_TRIAL_COMPLETE, 1.0, off);    /* not grid points: ignored */
    study_add(&s, 21, XP_TRIAL_COMPLETE, 1.0, nan_);
    study_add(&s, 22, XP_TRIAL_COMPLETE, 1.0, out_of_range);
    int n_taken = 0;
    for (int k = 0; k < 48; k++) n_taken += taken[k];
    double pts[48 * 3];
    int n = drain(st, &s, 3, disc, pts, 48, err, sizeof err);
    CHECK_EQ_INT(n, 48 - n_taken);
    int dup = 0, prev = -1, ascending = 1;
    for (int i = 0; i < n && i < 48; i++) {
        int k = index_of(pts + 3 * i);
        if (k < 0 || k >= 48 || taken[k]++) dup++;
        if (k < prev) ascending = 0;
        prev = k;
    }
    CHECK_EQ_INT(dup, 0);
    CHECK(ascending);
    study_free(&s);
    harness_destroy(&h, st);
}

/* Axis values of parameter j, read off the full enumeration. */
static int axis_values(const xp_cfg *c, const xp_param_spec *sp, size_t np, size_t j,
                       double *vals, int max)
{
    char err[1024];
    void *st;
    if (harness_create(&h, c, sp, np, XP_MINIMIZE, &st, err, sizeof err)) {
        fprintf(stderr, "create: %s\n", err);
        return -1;
    }
    study s;
    study_init(&s, np);
    double *pts = malloc(4096 * np * sizeof *pts);
    int n = drain(st, &s, np, sp, pts, 4096, err, sizeof err), m = 0;
    for (int i = 0; i < n; i++) {
        double v = pts[(size_t)i * np + j];
        int k;
        for (k = 0; k < m && vals[k] != v; k++) {}
        if (k == m && m < max) vals[m++] = v;
    }
    free(pts);
    study_free(&s);
    harness_destroy(&h, st);
    return m;
}

static void test_points(void)
{
    static const xp_param_spec sp[] = {
        { "model.params.unit", XP_PARAM_FLOAT, 0, 1, 0, 0, 0, NULL },
        { "model.params.eta", XP_PARAM_FLOAT, 1e-3, 10, 0, 1, 0, NULL },
        { "model.params.frac", XP_PARAM_FLOAT, 0.5, 1, 0.1, 0, 0, NULL },
        { "model.params.const", XP_PARAM_FLOAT, 2, 2, 0, 0, 0, NULL },
    };
    double v[64];
    xp_cfg *c = yaml("{points: 5}");
    if (!c) return;
    CHECK_EQ_INT(axis_values(c, sp, 4, 0, v, 64), 5);
    for (int i = 0; i < 5; i++) CHECK_NEAR(v[i], i * 0.25, 1e-12);
    CHECK_EQ_INT(axis_values(c, sp, 4, 1, v, 64), 5);           /* log-spaced decades */
    for (int i = 0; i < 5; i++) CHECK_NEAR(log10(v[i]), i - 3.0, 1e-9);
    CHECK_EQ_INT(axis_values(c, sp, 4, 2, v, 64), 6);           /* stepped: its lattice */
    for (int i = 0; i < 6; i++) CHECK_NEAR(v[i], 0.5 + 0.1 * i, 1e-12);
    CHECK_EQ_INT(axis_values(c, sp, 4, 3, v, 64), 1);
    CHECK_EQ_INT(v[0], 2);
    cfg_free(c);

    /* per parameter, by full name or last part; ints log-spaced then rounded */
    static const xp_param_spec sp2[] = {
        { "model.params.eta", XP_PARAM_FLOAT, 0.01, 1, 0, 1, 0, NULL },
        { "model.params.depth", XP_PARAM_INT, 1, 1000, 1, 1, 0, NULL },
        { "model.params.frac", XP_PARAM_FLOAT, 0.5, 1, 0.1, 0, 0, NULL },
    };
    c = yaml("{points: {model.params.eta: 3, depth: 4, frac: 3}}");
    if (!c) return;
    CHECK_EQ_INT(axis_values(c, sp2, 3, 0, v, 64), 3);
    for (int i = 0; i < 3; i++) CHECK_NEAR(v[i], pow(10, i - 2), 1e-12);
    CHECK_EQ_INT(axis_values(c, sp2, 3, 1, v, 64), 4);
    for (int i = 0; i < 4; i++) CHECK_NEAR(v[i], pow(10, i), 0);
    CHECK_EQ_INT(axis_values(c, sp2, 3, 2, v, 64), 3);          /* 0.5, 0.75 -> 0.8, 1 */
    CHECK_NEAR(v[1], 0.8, 1e-12);
    cfg_free(c);
}

static void count_unused(const xp_cfg *key, void *user)
{
    (void)key;
    (*(int *)user)++;
}

static void expect_error(const char *opts, const xp_param_spec *sp, size_t np, const char *n1,
                         const char *n2)
{
    xp_cfg *c = opts ? yaml(opts) : NULL;
    if (opts && !c) return;
    char err[1024];
    void *st = NULL;
    CHECK_EQ_INT(harness_create(&h, c, sp, np, XP_MINIMIZE, &st, err, sizeof err), XP_ECONFIG);
    CHECK_CONTAINS(err, n1);
    CHECK_CONTAINS(err, n2);
    harness_destroy(&h, st);
    cfg_free(c);
}

static void test_errors(void)
{
    static const xp_param_spec fl[] = { { "model.params.eta", XP_PARAM_FLOAT, 0, 1, 0, 0, 0, NULL } };
    static const xp_param_spec big[] = { { "model.params.n", XP_PARAM_INT, 0, 5000, 1, 0, 0, NULL } };
    expect_error(NULL, fl, 1, "model.params.eta", "points");
    expect_error(NULL, big, 1, "model.params.n", "max_values");
    expect_error("{points: {nope: 3}}", fl, 1, "nope", "not a parameter");
    expect_error("{points: 0}", fl, 1, "points", ">= 1");
    expect_error("{points: [1, 2]}", fl, 1, "points", "integer");
    expect_error("{max_points: 10}", disc, 3, "max_points", "depth");
    expect_error("{max_values: 0}", disc, 3, "max_values", "sampler_options");
    expect_error("{points: {color: 2}}", disc, 3, "color", "categorical");

    /* raising the limit makes the big int grid legal; every key given is read */
    xp_cfg *c = yaml("{max_values: 10000, max_points: 20000, points: 3}");
    if (!c) return;
    char err[1024];
    void *st = NULL;
    CHECK_EQ_INT(harness_create(&h, c, big, 1, XP_MINIMIZE, &st, err, sizeof err), XP_OK);
    int unused = 0;
    cfg_unused(c, count_unused, &unused);
    CHECK_EQ_INT(unused, 0);
    harness_destroy(&h, st);
    cfg_free(c);
}

int main(int argc, char **argv)
{
    if (argc < 2) return fprintf(stderr, "usage: %s grid.so\n", argv[0]), 2;
    if (harness_open(&h, argv[1], "grid")) return 1;
    test_product();
    test_resume();
    test_points();
    test_errors();
    harness_close(&h);
    return check_done();
}
