/* tests/samplers/harness.h — drives a real sampler plugin the way the runner's search loop
 * does: load the .so through the registry, create it, feed it a growing history and ask for
 * one suggestion per trial with the runner's RNG stream convention (seed, 0x7000 + number).
 *
 *     harness h;
 *     if (harness_open(&h, argv[1], "tpe")) return 1;
 *     double best;
 *     bench_run(&h, NULL, &bench_quad, XP_MINIMIZE, 7, 40, &best, err, sizeof err);
 *     harness_close(&h);
 *
 * Also holds the benchmark objectives shared by the C tests, the bench tool and (written out
 * again in Python) tpe_vs_optuna.py, and an independent validity check for suggested values.
 */
#ifndef XP_TESTS_SAMPLERS_HARNESS_H
#define XP_TESTS_SAMPLERS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h"
#include "xp/xp.h"

typedef struct harness {
    registry *reg;
    const xp_sampler_ops *ops;
    const char *who;             /* names the RNG stream; the runner uses the plugin name */
} harness;

int harness_open(harness *h, const char *so_path, const char *name);
void harness_close(harness *h);

int harness_create(const harness *h, const xp_cfg *cfg, const xp_param_spec *space, size_t n,
                   int direction, void **state, char *err, size_t errlen);
void harness_destroy(const harness *h, void *state);

/* The history the sampler sees: trials in order, params copied. */
typedef struct study {
    size_t n_params, n, cap;
    xp_trial_view *views;
    double *vals;
} study;

void study_init(study *s, size_t n_params);
void study_free(study *s);
int study_add(study *s, int64_t number, int state, double value, const double *params);

int harness_suggest(const harness *h, void *state, const study *s, uint64_t seed, int64_t number,
                    double *out, char *err, size_t errlen);

/* Independent of the plugins' own helpers: in bounds, integral for int/categorical, on the
 * step lattice counted from low, finite. */
int value_valid(const xp_param_spec *p, double v);

typedef struct bench_fn {
    const char *name;
    size_t n;
    xp_param_spec spec[4];
    double (*f)(const double *x);
} bench_fn;

/* quad: (x-0.3)^2 + (log10 lr + 2.5)^2 + offset[c]; x in [-5,5], lr in [1e-5,1] log,
 *       c in {a,b,c,d} with offsets {0.5, 0, 1, 2}. Minimum 0 at x=0.3, lr=10^-2.5, c=b.
 * hpo:  ((depth-6)/6)^2 + (log10 eta + 1.3)^2 + 4 (subsample - 0.85)^2 + {0.3, 0, 0.6}[booster];
 *       depth int 1..12, eta log [1e-3, 1], subsample [0.5, 1] step 0.05. Minimum 0. */
extern const bench_fn bench_quad, bench_hpo;
const bench_fn *bench_find(const char *name);

/* A study of n_trials on fn (maximize: the objective is -f). *best is the best objective
 * value seen (min for minimize, max for maximize). Every suggestion is checked with
 * value_valid; an invalid one is an error. */
int bench_run(const harness *h, const xp_cfg *cfg, const bench_fn *fn, int direction,
              uint64_t seed, int n_trials, double *best, char *err, size_t errlen);

#endif
