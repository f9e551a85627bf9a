/* plugins/samplers/tpe/parzen.h — the Parzen estimator of the TPE sampler: a weighted
 * mixture with one component per observation plus an optional prior component, over one
 * parameter (univariate TPE) or several jointly (multivariate TPE).
 *
 *     pz_opts o = PZ_OPTS_DEFAULT;
 *     const xp_param_spec *dims[1] = { &space->p[3] };
 *     parzen *pe;
 *     if ((rc = parzen_build(&o, dims, 1, obs, n_obs, &pe))) return rc;   // obs: n_obs x d
 *     double x[1];
 *     parzen_sample(pe, ctx, x);             // a point drawn from the mixture (snapped)
 *     double lp = parzen_logpdf(pe, x);      // log density (log probability for discrete)
 *     parzen_free(pe);
 *
 * Points are in Optuna's internal representation (numbers; choice indices for categorical).
 * Numeric kernels are normals truncated to the parameter's range, in log space for log
 * parameters; stepped parameters get the probability mass of their step cell. Categorical
 * kernels put weight 1 + prior_weight/(n+1) on the observed choice and prior_weight/(n+1)
 * on each other one. Bandwidths follow Optuna 3.1: univariate from the gaps to neighbouring
 * observations (clipped by the "magic clip"), multivariate by Scott's rule.
 */
#ifndef XP_SAMPLERS_PARZEN_H
#define XP_SAMPLERS_PARZEN_H

#include <stddef.h>

#include "xp/xp.h"

typedef struct pz_opts {
    int consider_prior;          /* add the prior component (always added when n_obs == 0) */
    double prior_weight;         /* its weight, relative to an observation's 1 */
    int magic_clip;              /* min bandwidth = range / min(100, 1 + n_components) */
    int endpoints;               /* let the range ends widen the outermost kernels */
    int multivariate;            /* Scott's-rule bandwidths instead of neighbour gaps */
    /* Continuous kernels: 0 = Optuna 3.1's log density, which lacks the -log(sigma) term
     * (optuna#5109, fixed in 3.5), so every kernel peaks at the same height whatever its
     * width; 1 = the true truncated-normal density. Stepped parameters use probability mass
     * either way. */
    int exact_density;
} pz_opts;

#define PZ_OPTS_DEFAULT { 1, 1.0, 1, 0, 0, 0 }

typedef struct parzen parzen;

/* obs: n_obs rows of d values, chronological (older rows get less weight past 25). Every
 * value must be in the parameter's range (callers filter with param_contains), and no
 * dimension may be single-valued (callers set those directly). */
int parzen_build(const pz_opts *o, const xp_param_spec *const *dims, size_t d,
                 const double *obs, size_t n_obs, parzen **out);
void parzen_free(parzen *pe);
void parzen_sample(const parzen *pe, xp_ctx *ctx, double *x);
double parzen_logpdf(const parzen *pe, const double *x);

/* Optuna's default_weights: 1 for the newest 25 observations, a ramp from 1/n up for older. */
void parzen_default_weights(size_t n, double *w);

#endif
