/* tests/samplers/harness.c — loads sampler plugins through the registry and runs studies on
 * benchmark objectives with the runner's conventions (see harness.h).
 *
 *     harness h; harness_open(&h, "build/plugins/samplers/tpe/tpe.so", "tpe");
 */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

int harness_open(harness *h, const char *so_path, const char *name)
{
    char err[1024];
    memset(h, 0, sizeof *h);
    h->reg = registry_new();
    if (!h->reg) return fprintf(stderr, "registry_new failed\n"), 1;
    if (registry_load_file(h->reg, so_path, err, sizeof err)) {
        fprintf(stderr, "loading %s: %s\n", so_path, err);
        registry_free(h->reg);
        return 1;
    }
    const xp_plugin *p = registry_find(h->reg, XP_KIND_SAMPLER, name);
    if (!p) {
        fprintf(stderr, "%s has no sampler named %s\n", so_path, name);
        registry_free(h->reg);
        return 1;
    }
    h->ops = p->ops;
    h->who = p->name;
    return 0;
}

void harness_close(harness *h)
{
    registry_free(h->reg);
    memset(h, 0, sizeof *h);
}

static host_env quiet_env(uint64_t seed)
{
    host_env env;
    memset(&env, 0, sizeof env);
    env.verbosity = XP_LOG_WARN;
    env.seed = seed;
    return env;
}

int harness_create(const harness *h, const xp_cfg *cfg, const xp_param_spec *space, size_t n,
                   int direction, void **state, char *err, size_t errlen)
{
    host_env env = quiet_env(0);
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &env, h->who, 0x5A);
    *state = NULL;
    int rc = h->ops->create(&ctx, cfg, space, n, direction, state);
    snprintf(err, errlen, "%s", rc ? host_call_error(&call) : "");
    return rc;
}

void harness_destroy(const harness *h, void *state)
{
    if (state) h->ops->destroy(state);
}

void study_init(study *s, size_t n_params)
{
    memset(s, 0, sizeof *s);
    s->n_params = n_params;
}

void study_free(study *s)
{
    free(s->views);
    free(s->vals);
    memset(s, 0, sizeof *s);
}

int study_add(study *s, int64_t number, int state, double value, const double *params)
{
    size_t np = s->n_params ? s->n_params : 1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        xp_trial_view *v = malloc(cap * sizeof *v);
        double *vals = malloc(cap * np * sizeof *vals);
        if (!v || !vals) {
            free(v);
            free(vals);
            return XP_ENOMEM;
        }
        if (s->n) memcpy(vals, s->vals, s->n * np * sizeof *vals);
        for (size_t i = 0; i < s->n; i++) {
            v[i] = s->views[i];
            v[i].params = vals + i * np;
        }
        free(s->views);
        free(s->vals);
        s->views = v;
        s->vals = vals;
        s->cap = cap;
    }
    double *dst = s->vals + s->n * np;
    memcpy(dst, params, s->n_params * sizeof *dst);
    s->views[s->n] = (xp_trial_view){ number, state, value, dst, state == XP_TRIAL_PRUNED ? 0 : -1 };
    s->n++;
    return XP_OK;
}

int harness_suggest(const harness *h, void *state, const study *s, uint64_t seed, int64_t number,
                    double *out, char *err, size_t errlen)
{
    host_env env = quiet_env(seed);
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &env, h->who, 0x7000 + (uint64_t)number);
    int rc = h->ops->suggest(&ctx, state, s->views, s->n, out);
    snprintf(err, errlen, "%s", rc ? host_call_error(&call) : "");
    return rc;
}

int value_valid(const xp_param_spec *p, double v)
{
    if (!isfinite(v)) return 0;
    if (p->type == XP_PARAM_CATEGORICAL) return v >= 0 && v < (double)p->n_choices && floor(v) == v;
    if (v < p->low || v > p->high) return 0;
    if (p->type == XP_PARAM_INT && floor(v) != v) return 0;
    double step = p->type == XP_PARAM_INT && p->step == 0 ? 1 : p->step;
    if (step > 0) {
        double k = (v - p->low) / step;
        if (fabs(k - round(k)) > 1e-9 * fmax(1.0, fabs(k))) return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ benchmarks */

static const char *const quad_choices[] = { "a", "b", "c", "d" };
static const char *const booster_choices[] = { "gbtree", "dart", "gblinear" };

static double quad_f(const double *x)
{
    static const double off[] = { 0.5, 0.0, 1.0, 2.0 };
    double a = x[0] - 0.3, b = log10(x[1]) + 2.5;
    return a * a + b * b + off[(int)x[2]];
}

static double hpo_f(const double *x)
{
    static const double off[] = { 0.3, 0.0, 0.6 };
    double a = (x[0] - 6) / 6, b = log10(x[1]) + 1.3, c = x[2] - 0.85;
    return a * a + b * b + 4 * c * c + off[(int)x[3]];
}

const bench_fn bench_quad = {
    "quad", 3,
    { { "x", XP_PARAM_FLOAT, -5, 5, 0, 0, 0, NULL },
      { "lr", XP_PARAM_FLOAT, 1e-5, 1, 0, 1, 0, NULL },
      { "c", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 4, quad_choices } },
    quad_f
};

const bench_fn bench_hpo = {
    "hpo", 4,
    { { "model.params.max_depth", XP_PARAM_INT, 1, 12, 1, 0, 0, NULL },
      { "model.params.eta", XP_PARAM_FLOAT, 1e-3, 1, 0, 1, 0, NULL },
      { "model.params.subsample", XP_PARAM_FLOAT, 0.5, 1, 0.05, 0, 0, NULL },
      { "model.params.booster", XP_PARAM_CATEGORICAL, 0, 0, 0, 0, 3, booster_choices } },
    hpo_f
};

const bench_fn *bench_find(const char *name)
{
    if (!strcmp(name, "quad")) return &bench_quad;
    if (!strcmp(name, "hpo")) return &bench_hpo;
    return NULL;
}

int bench_run(const harness *h, const xp_cfg *cfg, const bench_fn *fn, int direction,
              uint64_t seed, int n_trials, double *best, char *err, size_t errlen)
{
    void *state;
    int rc = harness_create(h, cfg, fn->spec, fn->n, direction, &state, err, errlen);
    if (rc) return rc;
    study s;
    study_init(&s, fn->n);
    double x[4];
    *best = NAN;
    for (int t = 0; t < n_trials && !rc; t++) {
        rc = harness_suggest(h, state, &s, seed, t, x, err, errlen);
        if (rc) break;
        for (size_t j = 0; j < fn->n; j++)
            if (!value_valid(&fn->spec[j], x[j])) {
                snprintf(err, errlen, "%s trial %d: invalid value %.17g for %s", fn->name, t, x[j],
                         fn->spec[j].name);
                rc = XP_EINTERNAL;
            }
        if (rc) break;
        double v = fn->f(x);
        if (direction == XP_MAXIMIZE) v = -v;
        if (isnan(*best) || (direction == XP_MAXIMIZE ? v > *best : v < *best)) *best = v;
        rc = study_add(&s, t, XP_TRIAL_COMPLETE, v, x);
    }
    study_free(&s);
    harness_destroy(h, state);
    return rc;
}
