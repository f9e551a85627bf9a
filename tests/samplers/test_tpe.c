/* tests/samplers/test_tpe.c — the `tpe` sampler plugin, loaded from its .so and driven like
 * the runner's search loop: random start-up exactly like the random sampler, FAIL/RUNNING
 * trials not counted, PRUNED trials ranked behind COMPLETE ones (Optuna 3.1), valid and
 * NaN-free suggestions on extreme spaces and hostile histories, reproducibility, options and
 * their errors, and a measured statistical win over random search on two benchmarks.
 *
 *     test_sampler_tpe build/plugins/samplers/tpe/tpe.so build/plugins/samplers/random/random.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "harness.h"

static harness tpe_h, rnd_h;

static const char *const three[] = { "x", "y", "z" };
static const char *const one[] = { "only" };

/* ------------------------------------------------------------------ start-up and counting */

static const xp_param_spec small[] = {
    { "a", XP_PARAM_FLOAT, -1, 1, 0, 0, 0, NULL },
    { "b", XP_PARAM_INT, 1, 1000, 1, 1, 0, NULL },
    { "c", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 3, three },
};

/* Suggestion of `h` for trial `number` after history s, with the RNG stream named "sampler"
 * for both plugins so their draws are comparable. */
static void suggest_as(harness *h, void *st, const study *s, uint64_t seed, int64_t number,
                       double *x)
{
    char err[1024];
    const char *who = h->who;
    h->who = "sampler";
    if (harness_suggest(h, st, s, seed, number, x, err, sizeof err)) {
        CHECK(!"suggest failed");
        fprintf(stderr, "%s\n", err);
    }
    h->who = who;
}

static void test_startup(void)
{
    char err[1024];
    void *t, *r;
    CHECK_EQ_INT(harness_create(&tpe_h, NULL, small, 3, XP_MINIMIZE, &t, err, sizeof err), XP_OK);
    CHECK_EQ_INT(harness_create(&rnd_h, NULL, small, 3, XP_MINIMIZE, &r, err, sizeof err), XP_OK);
    if (!t || !r) return;
    int equal_before = 0, differ_after = 0, seeds = 20;
    for (int seed = 0; seed < seeds; seed++) {
        study s;
        study_init(&s, 3);
        double x[3], y[3];
        int64_t num = 0;
        /* 9 finished trials (COMPLETE and PRUNED) plus FAIL and RUNNING ones that must not count */
        for (int i = 0; i < 9; i++) {
            suggest_as(&tpe_h, t, &s, (uint64_t)seed, num, x);
            study_add(&s, num++, i % 3 == 2 ? XP_TRIAL_PRUNED : XP_TRIAL_COMPLETE, x[0] * x[0], x);
            study_add(&s, num++, XP_TRIAL_FAIL, NAN, x);
            study_add(&s, num++, XP_TRIAL_RUNNING, NAN, x);
        }
        suggest_as(&tpe_h, t, &s, (uint64_t)seed, num, x);
        suggest_as(&rnd_h, r, &s, (uint64_t)seed, num, y);
        equal_before += !memcmp(x, y, sizeof x);
        study_add(&s, num++, XP_TRIAL_PRUNED, 0.5, x);  /* the 10th finished trial */
        suggest_as(&tpe_h, t, &s, (uint64_t)seed, num, x);
        suggest_as(&rnd_h, r, &s, (uint64_t)seed, num, y);
        differ_after += memcmp(x, y, sizeof x) != 0;
        study_free(&s);
    }
    /* With fewer than n_startup_trials=10 finished trials TPE samples exactly as random does;
     * from the 10th on it uses the Parzen estimators (other draws). */
    CHECK_EQ_INT(equal_before, seeds);
    CHECK_EQ_INT(differ_after, seeds);
    harness_destroy(&tpe_h, t);
    harness_destroy(&rnd_h, r);
}

/* Optuna 3.1 ranks PRUNED trials after every COMPLETE one, whatever their value: here the
 * pruned trials (choice 1) have far better values than the complete ones (choice 0), yet
 * the below set must be made of complete trials, so TPE proposes choice 0. Ranking pruned
 * trials by value would give choice 1. */
static void test_pruned_rank(int direction)
{
    char err[1024];
    static const xp_param_spec sp[] = { { "c", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 2, three } };
    void *t;
    CHECK_EQ_INT(harness_create(&tpe_h, NULL, sp, 1, direction, &t, err, sizeof err), XP_OK);
    if (!t) return;
    double sg = direction == XP_MAXIMIZE ? -1 : 1;
    int zeros = 0;
    for (int seed = 0; seed < 20; seed++) {
        study s;
        study_init(&s, 1);
        double zero = 0, oneval = 1, x;
        for (int i = 0; i < 20; i++) {
            study_add(&s, 2 * i, XP_TRIAL_COMPLETE, sg * (1.0 + i / 20.0), &zero);
            study_add(&s, 2 * i + 1, XP_TRIAL_PRUNED, sg * -100.0, &oneval);
        }
        if (harness_suggest(&tpe_h, t, &s, (uint64_t)seed, 40, &x, err, sizeof err)) CHECK(!err[0]);
        zeros += x == 0;
        study_free(&s);
    }
    CHECK_EQ_INT(zeros, 20);
    harness_destroy(&tpe_h, t);
}

/* Direction matters: the same history read as maximise must favour the other choice. */
static void test_direction(void)
{
    char err[1024];
    static const xp_param_spec sp[] = { { "c", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 2, three } };
    for (int dir = XP_MINIMIZE; dir <= XP_MAXIMIZE; dir++) {
        void *t;
        CHECK_EQ_INT(harness_create(&tpe_h, NULL, sp, 1, dir, &t, err, sizeof err), XP_OK);
        if (!t) return;
        int ones = 0;
        for (int seed = 0; seed < 20; seed++) {
            study s;
            study_init(&s, 1);
            for (int i = 0; i < 30; i++) {
                double c = i % 2;
                study_add(&s, i, XP_TRIAL_COMPLETE, c ? 1.0 + i : -1.0 - i, &c);  /* 1 = high */
            }
            double x;
            harness_suggest(&tpe_h, t, &s, (uint64_t)seed, 30, &x, err, sizeof err);
            ones += x == 1;
            study_free(&s);
        }
        CHECK_EQ_INT(ones, dir == XP_MAXIMIZE ? 20 : 0);
        harness_destroy(&tpe_h, t);
    }
}

/* ------------------------------------------------------------------ numerics */

static const xp_param_spec hard[] = {
    { "wide_log", XP_PARAM_FLOAT, 1e-300, 1e300, 0, 1, 0, NULL },
    { "tiny", XP_PARAM_FLOAT, 1.0, 1.0 + 1e-12, 0, 0, 0, NULL },
    { "big_int_log", XP_PARAM_INT, 1, 1099511627776.0, 1, 1, 0, NULL },
    { "stepped", XP_PARAM_INT, -1000000000, 1000000000, 7, 0, 0, NULL },
    { "fstep", XP_PARAM_FLOAT, 0.1, 0.9, 0.1, 0, 0, NULL },
    { "const_f", XP_PARAM_FLOAT, 3, 3, 0, 0, 0, NULL },
    { "const_i", XP_PARAM_INT, 5, 5, 1, 0, 0, NULL },
    { "one_choice", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 1, one },
    { "cat", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 3, three },
    { "unit", XP_PARAM_FLOAT, 0, 1, 0, 0, 0, NULL },
};
#define NHARD (sizeof hard / sizeof hard[0])

/* A hostile study: NaN/inf objectives, pruned trials without values, running and failed
 * trials, stale out-of-range and NaN parameter values, long runs of identical points. */
static int run_hard(const xp_cfg *cfg, uint64_t seed, int trials, double *trace)
{
    char err[1024];
    void *t;
    if (harness_create(&tpe_h, cfg, hard, NHARD, XP_MINIMIZE, &t, err, sizeof err)) {
        fprintf(stderr, "create: %s\n", err);
        return 1;
    }
    study s;
    study_init(&s, NHARD);
    int bad = 0;
    double x[NHARD];
    for (int i = 0; i < trials; i++) {
        if (harness_suggest(&tpe_h, t, &s, seed, i, x, err, sizeof err)) {
            fprintf(stderr, "suggest %d: %s\n", i, err);
            bad++;
            break;
        }
        for (size_t j = 0; j < NHARD; j++)
            if (!value_valid(&hard[j], x[j])) {
                if (bad++ < 5) fprintf(stderr, "trial %d: invalid %s = %.17g\n", i, hard[j].name, x[j]);
            }
        if (trace) memcpy(trace + (size_t)i * NHARD, x, sizeof x);
        double v = log10(x[0]) / 300 + x[9] + (x[8] == 2) + fabs(x[3]) * 1e-9;
        int state = XP_TRIAL_COMPLETE;
        switch (i % 11) {
        case 3: v = NAN; break;                                   /* complete, no value */
        case 4: v = INFINITY; break;
        case 5: v = -INFINITY; break;
        case 6: state = XP_TRIAL_PRUNED; v = NAN; break;
        case 7: state = XP_TRIAL_PRUNED; break;
        case 8: state = XP_TRIAL_FAIL; v = NAN; break;
        case 9: state = XP_TRIAL_RUNNING; v = NAN; break;
        default: break;
        }
        if (i % 13 == 12) {                                       /* stale values */
            x[0] = -1;
            x[2] = 0.5;
            x[4] = 0.95;
            x[8] = 7;
            x[9] = NAN;
        }
        if (i >= 40 && i < 60) memcpy(x, s.vals + 20 * NHARD, sizeof x); /* repeated point */
        study_add(&s, i, state, v, x);
    }
    study_free(&s);
    harness_destroy(&tpe_h, t);
    return bad;
}

static void test_hard(void)
{
    CHECK_EQ_INT(run_hard(NULL, 5, 150, NULL), 0);
}

static void test_reproducible(void)
{
    enum { T = 40 };
    double *a = malloc(T * NHARD * sizeof *a), *b = malloc(T * NHARD * sizeof *b),
           *c = malloc(T * NHARD * sizeof *c);
    if (!a || !b || !c) abort();
    CHECK_EQ_INT(run_hard(NULL, 11, T, a), 0);
    CHECK_EQ_INT(run_hard(NULL, 11, T, b), 0);
    CHECK_EQ_INT(run_hard(NULL, 12, T, c), 0);
    CHECK(memcmp(a, b, T * NHARD * sizeof *a) == 0);
    int differ = 0;
    for (int i = 0; i < T; i++) differ += a[i * NHARD + 9] != c[i * NHARD + 9];
    CHECK_EQ_INT(differ, T);
    free(a);
    free(b);
    free(c);
}

/* ------------------------------------------------------------------ options */

static xp_cfg *yaml(const char *text)
{
    char err[1024];
    xp_cfg *c = cfg_load_string(text, "sampler_options", err, sizeof err);
    if (!c) fprintf(stderr, "cfg_load_string(%s): %s\n", text, err);
    CHECK(c != NULL);
    return c;
}

static void count_unused(const xp_cfg *key, void *user)
{
    (void)key;
    (*(int *)user)++;
}

static void test_options(void)
{
    static const char *const variants[] = {
        "{n_startup_trials: 0, n_ei_candidates: 1}",
        "{multivariate: true}",
        "{multivariate: true, n_startup_trials: 3, consider_prior: false}",
        "{constant_liar: true, consider_endpoints: true, consider_magic_clip: false}",
        "{gamma: hyperopt, prior_weight: 0.01, exact_density: true}",
        "{n_startup_trials: 2, n_ei_candidates: 64, prior_weight: 100, consider_prior: false,"
        " consider_magic_clip: false, consider_endpoints: false, multivariate: false,"
        " constant_liar: false, exact_density: false, gamma: default}",
    };
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        xp_cfg *c = yaml(variants[v]);
        if (!c) continue;
        int bad = run_hard(c, 3 + v, 80, NULL);
        if (bad) fprintf(stderr, "options %s: %d invalid\n", variants[v], bad);
        CHECK_EQ_INT(bad, 0);
        int unused = 0;
        cfg_unused(c, count_unused, &unused);
        CHECK_EQ_INT(unused, 0);                 /* every supported key was read */
        cfg_free(c);
    }
    static const struct { const char *text, *needle; } bad[] = {
        { "{n_ei_candidates: 0}", "n_ei_candidates" },
        { "{n_startup_trials: -1}", "n_startup_trials" },
        { "{prior_weight: -1}", "prior_weight" },
        { "{gamma: median}", "gamma" },
        { "{multivariate: maybe}", "multivariate" },
        { "{n_ei_candidates: lots}", "n_ei_candidates" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        xp_cfg *c = yaml(bad[i].text);
        if (!c) continue;
        char err[1024];
        void *t = NULL;
        int rc = harness_create(&tpe_h, c, small, 3, XP_MINIMIZE, &t, err, sizeof err);
        CHECK_EQ_INT(rc, XP_ECONFIG);
        CHECK_CONTAINS(err, bad[i].needle);
        CHECK_CONTAINS(err, "sampler_options");     /* the message says where */
        harness_destroy(&tpe_h, t);
        cfg_free(c);
    }
    char err[1024];
    void *t = NULL;
    CHECK_EQ_INT(harness_create(&tpe_h, NULL, small, 3, 7, &t, err, sizeof err), XP_EINVAL);
    CHECK_CONTAINS(err, "direction");
    harness_destroy(&tpe_h, t);
}

/* ------------------------------------------------------------------ TPE vs random */

#define SEEDS 20
#define TRIALS 40

typedef struct stats {
    double mean_a, mean_b, t;    /* means and paired t statistic of (b - a) */
    int a_wins;
} stats;

static stats compare(const bench_fn *fn, int direction, const xp_cfg *cfg)
{
    char err[1024];
    double d[SEEDS], sa = 0, sb = 0;
    stats st = { 0, 0, 0, 0 };
    for (int s = 0; s < SEEDS; s++) {
        double a = NAN, b = NAN;
        if (bench_run(&tpe_h, cfg, fn, direction, 1000 + (uint64_t)s, TRIALS, &a, err, sizeof err) ||
            bench_run(&rnd_h, NULL, fn, direction, 1000 + (uint64_t)s, TRIALS, &b, err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", fn->name, err);
            CHECK(!"bench_run failed");
            return st;
        }
        if (direction == XP_MAXIMIZE) { /* compare as losses */
            a = -a;
            b = -b;
        }
        sa += a;
        sb += b;
        d[s] = b - a;
        st.a_wins += a < b;
    }
    st.mean_a = sa / SEEDS;
    st.mean_b = sb / SEEDS;
    double md = (sb - sa) / SEEDS, v = 0;
    for (int s = 0; s < SEEDS; s++) v += (d[s] - md) * (d[s] - md);
    st.t = md / sqrt(v / (SEEDS - 1) / SEEDS);
    return st;
}

static void test_beats_random(void)
{
    static const struct { const bench_fn *fn; int dir; const char *opts; } cases[] = {
        { &bench_quad, XP_MINIMIZE, NULL },
        { &bench_hpo, XP_MINIMIZE, NULL },
        { &bench_quad, XP_MAXIMIZE, NULL },
        { &bench_quad, XP_MINIMIZE, "{multivariate: true}" },
        { &bench_hpo, XP_MINIMIZE, "{multivariate: true}" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xp_cfg *c = cases[i].opts ? yaml(cases[i].opts) : NULL;
        stats st = compare(cases[i].fn, cases[i].dir, c);
        fprintf(stderr, "%s %s %s: mean best loss over %d seeds x %d trials: tpe %.4f, random "
                        "%.4f (ratio %.2f), tpe better in %d/%d, paired t = %.2f\n",
                cases[i].fn->name, cases[i].dir == XP_MAXIMIZE ? "max" : "min",
                cases[i].opts ? cases[i].opts : "{}", SEEDS, TRIALS, st.mean_a, st.mean_b,
                st.mean_a / st.mean_b, st.a_wins, SEEDS, st.t);
        /* margins: TPE's mean best loss at most 70% of random's, and the paired difference
         * significant (t > 2.5, p < 0.02 one-sided with 19 df) */
        CHECK(st.mean_a < 0.7 * st.mean_b);
        CHECK(st.t > 2.5);
        cfg_free(c);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) return fprintf(stderr, "usage: %s tpe.so random.so\n", argv[0]), 2;
    if (harness_open(&tpe_h, argv[1], "tpe") || harness_open(&rnd_h, argv[2], "random")) return 1;
    test_startup();
    test_pruned_rank(XP_MINIMIZE);
    test_pruned_rank(XP_MAXIMIZE);
    test_direction();
    test_hard();
    test_reproducible();
    test_options();
    test_beats_random();
    harness_close(&tpe_h);
    harness_close(&rnd_h);
    return check_done();
}
