/* tests/models/bench_xgboost.c — times the xgboost plugin on challenge-sized synthetic data
 * (not a test; run by hand).
 *
 *     bench_xgboost build/plugins/models/xgboost/xgboost.so [rows=34000] [features=70] [threads=2] [PARAMS]
 *
 * PARAMS is a YAML flow map replacing the default model params, e.g. "{max_depth: 6, max_bin: 64}".
 *
 * Rows are split 80/20 like one CV fold. Features: 66 numeric (heavy-tailed, 0-70% missing),
 * 2 bool, 2 categorical; the target is a skewed positive function of a few of them, modelled
 * on log scale as the runner's log target transform would. Prints the wall time of prepare,
 * a fixed 500-round fit without validation, an early-stopped fit, and predict.
 */
#include <time.h>

#include "harness.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds of the whole process (all threads): less sensitive to other load than wall. */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s xgboost.so [rows] [features] [threads]\n", argv[0]); return 2; }
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 34000;
    size_t p = argc > 3 ? (size_t)atol(argv[3]) : 70;
    harness h;
    if (harness_open(&h, argv[1], "xgboost")) return 1;
    h.env.threads = argc > 4 ? atoi(argv[4]) : 2;
    if (p < 8) p = 8;

    rng r = { 2024 };
    xp_frame *f = frame_new(n);
    char name[32];
    xp_column **num = calloc(p, sizeof *num);
    for (size_t j = 0; j < p - 4; j++) {
        snprintf(name, sizeof name, "feature_%zu", j + 1);
        num[j] = add_uniform(f, name, &r, 0, 1);
        double miss = (j % 5) * 0.15;
        for (size_t i = 0; i < n; i++) {
            double u = num[j]->num[i];
            num[j]->num[i] = (j % 3 == 0) ? exp(8 * u) : u;           /* heavy tails */
            if (rng_unif(&r) < miss) num[j]->num[i] = NAN;
        }
    }
    for (int b = 0; b < 2; b++) {
        snprintf(name, sizeof name, "flag_%d", b);
        xp_column *c = frame_add(f, name, XP_COL_BOOL, XP_ROLE_FEATURE);
        for (size_t i = 0; i < n; i++) c->num[i] = rng_unif(&r) < 0.1;
    }
    xp_column *cat[2];
    for (int k = 0; k < 2; k++) {
        snprintf(name, sizeof name, "cat_%d", k);
        cat[k] = frame_add(f, name, XP_COL_CATEGORICAL, XP_ROLE_FEATURE);
        for (int l = 0; l < (k ? 3 : 20); l++) {
            char lv[16];
            snprintf(lv, sizeof lv, "s%d", l);
            col_level(cat[k], lv);
        }
        for (size_t i = 0; i < n; i++) cat[k]->codes[i] = (int32_t)(rng_next(&r) % cat[k]->n_levels);
    }
    xp_column *y = add_target(f, "log_target");
    for (size_t i = 0; i < n; i++) {
        double a = isnan(num[0]->num[i]) ? 0 : log(num[0]->num[i]);
        double b = isnan(num[1]->num[i]) ? 0.5 : num[1]->num[i];
        y->num[i] = 8 + 0.3 * a + 2 * b * b + 0.1 * (cat[0]->codes[i] % 7) + 0.5 * rng_normal(&r);
    }
    size_t n_tr = n * 4 / 5;
    xp_frame *tr = slice(f, 0, n_tr), *va = slice(f, n_tr, n);
    printf("data: %zu train + %zu valid rows x %zu features, %d threads\n", n_tr, n - n_tr, p,
           h.env.threads);

    xp_ctx *ctx = harness_ctx(&h);
    void *dt, *dv;
    double t0 = now_s();
    if (h.ops->prepare(ctx, tr, &dt) || h.ops->prepare(ctx, va, &dv)) { fprintf(stderr, "%s\n", h.call.msg); return 1; }
    printf("prepare (both DMatrix):                 %.3f s\n", now_s() - t0);

    const char *params = argc > 5 ? argv[5]
                                  : "{max_depth: 6, eta: 0.05, subsample: 0.8, colsample_bytree: 0.8}";
    printf("params: %s\n", params);
    char cfgs[2][512];
    snprintf(cfgs[0], sizeof cfgs[0], "params: %s\nnum_boost_round: 500\n", params);
    snprintf(cfgs[1], sizeof cfgs[1], "params: %s\nnum_boost_round: 2000\nearly_stopping_rounds: 50\n", params);
    double *pred = malloc(va->n_rows * sizeof *pred);
    for (int k = 0; k < 2; k++) {
        xp_cfg *cfg = harness_cfg(cfgs[k]);
        void *m;
        ctx = harness_ctx(&h);
        h.reports = 0;
        if (h.ops->create(ctx, cfg, &m)) { fprintf(stderr, "%s\n", h.call.msg); return 1; }
        t0 = now_s();
        double c0 = cpu_s();
        if (h.ops->fit(ctx, m, tr, dt, k ? va : NULL, k ? dv : NULL)) { fprintf(stderr, "%s\n", h.call.msg); return 1; }
        double tf = now_s() - t0, cf = cpu_s() - c0;
        t0 = now_s();
        ctx = harness_ctx(&h);
        if (h.ops->predict(ctx, m, va, dv, pred)) { fprintf(stderr, "%s\n", h.call.msg); return 1; }
        double tp = now_s() - t0;
        double r2 = r2_of(va->cols[va->n_cols - 1]->num, pred, va->n_rows);
        if (k == 0)
            printf("fit 500 rounds, no validation: %.3f s wall, %.3f s cpu (%.2f ms/round); predict %.3f s; R2 %.4f\n",
                   tf, cf, 1000 * tf / 500, tp, r2);
        else
            printf("fit early-stopped (2000 max, patience 50): %.3f s wall, %.3f s cpu, %lld rounds "
                   "(%.2f ms/round), best %.0f; predict %.3f s; R2 %.4f\n",
                   tf, cf, (long long)h.reports, 1000 * tf / (double)h.reports, h.best_iteration, tp, r2);
        h.ops->destroy(m);
        cfg_free(cfg);
    }
    h.ops->release(dt);
    h.ops->release(dv);
    free(pred);
    free(num);
    frame_free(tr);
    frame_free(va);
    frame_free(f);
    harness_close(&h);
    return 0;
}
