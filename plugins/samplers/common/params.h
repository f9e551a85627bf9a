/* plugins/samplers/common/params.h — search-space helpers shared by the sampler plugins.
 *
 *     param_set *sp;
 *     int rc = params_copy(ctx, specs, n, &sp);     // validates, copies, fills defaults
 *     if (rc) return rc;
 *     double v = param_draw(ctx, &sp->p[0]);       // uniform draw, Optuna's RandomSampler rules
 *     v = param_snap(&sp->p[0], raw);              // round to step, clip into bounds
 *     params_free(sp);
 *
 * Values are in Optuna's internal representation: the number for int/float, the choice index
 * (as a double) for categorical. After params_copy every int has step >= 1, and `high` is the
 * largest reachable value (low + k*step), so bounds checks need no further care.
 */
#ifndef XP_SAMPLERS_PARAMS_H
#define XP_SAMPLERS_PARAMS_H

#include <stddef.h>

#include "xp/xp.h"

typedef struct param_set {
    size_t n;
    xp_param_spec *p;            /* n validated copies; names and choices owned */
} param_set;

/* Validates `specs` (finite bounds, low <= high, log needs low > 0 (float) / >= 1 (int),
 * int bounds and step integral, log not combined with a step other than an int's 1,
 * categorical with >= 1 choice) and deep-copies them. Errors name the parameter. */
int params_copy(xp_ctx *ctx, const xp_param_spec *specs, size_t n, param_set **out);
void params_free(param_set *sp);

/* 1 when the parameter can take one value only (low == high, or one choice). */
int param_single(const xp_param_spec *p);

/* Number of distinct values of a stepped parameter (int, or float with step > 0),
 * or of choices; 0 for continuous floats. Saturates at SIZE_MAX / 2. */
size_t param_count(const xp_param_spec *p);

/* Rounds a raw value to the parameter's lattice (step, integer, choice index) and clips it
 * into [low, high]. NaN maps to low (choice 0), so outputs are never NaN. */
double param_snap(const xp_param_spec *p, double v);

/* 1 when v is a value this parameter can produce (in bounds, on the step lattice, a valid
 * choice index). Used to skip stale history entries after the space changed. */
int param_contains(const xp_param_spec *p, double v);

/* Uniform draw as Optuna's RandomSampler does it: floats uniform on [low, high) (log-uniform
 * if log); stepped values uniform on [low - step/2, high + step/2) then rounded, so each
 * lattice point is equally likely; log ints exp(U(log(low - .5), log(high + .5))) rounded;
 * categorical indices uniform. */
double param_draw(xp_ctx *ctx, const xp_param_spec *p);

/* Label for messages: the parameter's name or "#i". */
const char *param_name(const xp_param_spec *p);

#endif
