/* tests/models/harness.h — drives a real model plugin .so through the real host (core/host.c,
 * core/registry.c, core/config.c), for the model tests and the benchmark.
 *
 *     harness h;
 *     if (harness_open(&h, argv[1], "xgboost")) return 1;   // loads the .so, finds the plugin
 *     xp_cfg *cfg = harness_cfg("params: {max_depth: 3}\nnum_boost_round: 50\n");
 *     void *m; int rc = harness_fit(&h, cfg, train, valid, &m);   // prepare + create + fit
 *     ... h.call.msg holds the error text of the last failed call ...
 *     harness_close(&h);
 *
 * Synthetic data comes from a fixed splitmix64 stream, so every run sees the same rows.
 */
#ifndef XP_TESTS_MODELS_HARNESS_H
#define XP_TESTS_MODELS_HARNESS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "frame.h"
#include "host.h"
#include "registry.h"

typedef struct harness {
    registry *reg;
    const xp_model_ops *ops;
    host_env env;
    host_call call;
    xp_ctx ctx;
    /* what the plugin reported through metric() / report() during the last fit */
    double best_iteration;
    double best_score;
    double columns_per_tree;         /* NaN unless the plugin raised a colsample_* rate */
    double linear_start_r2;          /* NaN unless the model boosts from a line */
    int64_t reports;                 /* number of report() calls (= rounds evaluated) */
} harness;

static inline void harness_on_metric(void *user, const char *name, double value)
{
    harness *h = user;
    if (strcmp(name, "best_iteration") == 0) h->best_iteration = value;
    if (strcmp(name, "best_score") == 0) h->best_score = value;
    if (strcmp(name, "columns_per_tree") == 0) h->columns_per_tree = value;
    if (strcmp(name, "linear_start_r2") == 0) h->linear_start_r2 = value;
}

static inline int harness_on_report(void *user, int64_t step, double value)
{
    (void)step;
    (void)value;
    ((harness *)user)->reports++;
    return 0;
}

/* A fresh call context (error buffer cleared, callbacks attached). */
static inline xp_ctx *harness_ctx(harness *h)
{
    host_call_init(&h->ctx, &h->call, &h->env, "test", 1);
    h->call.on_metric = harness_on_metric;
    h->call.metric_user = h;
    h->call.on_report = harness_on_report;
    h->call.report_user = h;
    return &h->ctx;
}

static inline int harness_open(harness *h, const char *so_path, const char *name)
{
    memset(h, 0, sizeof *h);
    /* meson runs tests side by side on a small machine: libgomp's default busy-waiting makes
     * oversubscribed OpenMP threads crawl. Read once when libgomp loads, i.e. at dlopen below. */
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    h->env.verbosity = XP_LOG_WARN;
    h->env.threads = 1;
    h->env.seed = 42;
    char err[1024];
    h->reg = registry_new();
    if (!h->reg || registry_load_file(h->reg, so_path, err, sizeof err)) {
        fprintf(stderr, "cannot load %s: %s\n", so_path, h->reg ? err : "out of memory");
        return -1;
    }
    const xp_plugin *p = registry_find(h->reg, XP_KIND_MODEL, name);
    if (!p) {
        fprintf(stderr, "%s does not provide model plugin %s\n", so_path, name);
        return -1;
    }
    h->ops = p->ops;
    harness_ctx(h);
    return 0;
}

static inline void harness_close(harness *h)
{
    registry_free(h->reg);
}

/* Parses YAML text named "test.yaml" (so messages say test.yaml:LINE:COL). Exits on error:
 * a broken fixture is a bug in the test itself. */
static inline xp_cfg *harness_cfg(const char *yaml)
{
    char err[1024];
    xp_cfg *c = cfg_load_string(yaml, "test.yaml", err, sizeof err);
    if (!c) {
        fprintf(stderr, "bad test config: %s\n", err);
        exit(2);
    }
    return c;
}

/* prepare(train), prepare(valid), create, fit — like the runner. On failure returns the code
 * (message in h->call.msg) and frees everything. */
static inline int harness_fit(harness *h, const xp_cfg *cfg, const xp_frame *train,
                              const xp_frame *valid, void **model)
{
    void *dt = NULL, *dv = NULL;
    *model = NULL;
    h->best_iteration = NAN;
    h->best_score = NAN;
    h->columns_per_tree = NAN;
    h->linear_start_r2 = NAN;
    h->reports = 0;
    xp_ctx *ctx = harness_ctx(h);
    int rc = h->ops->prepare(ctx, train, &dt);
    if (!rc && valid) rc = h->ops->prepare(ctx, valid, &dv);
    if (!rc) rc = h->ops->create(ctx, cfg, model);
    if (!rc) rc = h->ops->fit(ctx, *model, train, dt, valid, dv);
    if (dt) h->ops->release(dt);
    if (dv) h->ops->release(dv);
    if (rc && *model) {
        h->ops->destroy(*model);
        *model = NULL;
    }
    return rc;
}

/* predict through prepare() (prepared = 1) or with data == NULL (prepared = 0). */
static inline int harness_predict(harness *h, void *model, const xp_frame *f, int prepared,
                                  double *out)
{
    xp_ctx *ctx = harness_ctx(h);
    void *d = NULL;
    int rc = prepared ? h->ops->prepare(ctx, f, &d) : XP_OK;
    if (!rc) rc = h->ops->predict(ctx, model, f, d, out);
    if (d) h->ops->release(d);
    return rc;
}

/* ------------------------------------------------------------------ synthetic data */

typedef struct rng { uint64_t s; } rng;

static inline uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline double rng_unif(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

static inline double rng_normal(rng *r)
{
    double u = rng_unif(r), v = rng_unif(r);
    if (u < 1e-300) u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Adds a numeric feature column filled with U(lo, hi). */
static inline xp_column *add_uniform(xp_frame *f, const char *name, rng *r, double lo, double hi)
{
    xp_column *c = frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE);
    if (!c) { fprintf(stderr, "frame_add %s failed\n", name); exit(2); }
    for (size_t i = 0; i < f->n_rows; i++) c->num[i] = lo + (hi - lo) * rng_unif(r);
    return c;
}

static inline xp_column *add_target(xp_frame *f, const char *name)
{
    xp_column *c = frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_TARGET);
    if (!c) { fprintf(stderr, "frame_add %s failed\n", name); exit(2); }
    return c;
}

/* Rows [from, to) of f as a new frame. */
static inline xp_frame *slice(const xp_frame *f, size_t from, size_t to)
{
    size_t n = to - from;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++) idx[i] = from + i;
    xp_frame *s = frame_take(f, idx, n);
    free(idx);
    return s;
}

static inline double r2_of(const double *y, const double *p, size_t n)
{
    double m = 0, ss_res = 0, ss_tot = 0;
    for (size_t i = 0; i < n; i++) m += y[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        ss_res += (y[i] - p[i]) * (y[i] - p[i]);
        ss_tot += (y[i] - m) * (y[i] - m);
    }
    return 1 - ss_res / ss_tot;
}

#endif
