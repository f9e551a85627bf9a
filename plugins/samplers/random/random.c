/* plugins/samplers/random/random.c — the `random` sampler: every parameter drawn
 * independently and uniformly, following Optuna's RandomSampler (log-uniform for log
 * parameters, stepped values equally likely, categorical choices equally likely).
 *
 *     runner plugins --help random       # its options, as the plugin documents them
 *
 * It has no options and ignores the history; reproducibility comes from the host RNG, which
 * the runner seeds per trial.
 */
#include <stdlib.h>

#include "params.h"
#include "xp/xp.h"

static int create(xp_ctx *ctx, const xp_cfg *cfg, const xp_param_spec *specs, size_t n,
                  int direction, void **state)
{
    (void)cfg;
    (void)direction;
    param_set *sp;
    int rc = params_copy(ctx, specs, n, &sp);
    if (rc) return rc;
    *state = sp;
    return XP_OK;
}

static int suggest(xp_ctx *ctx, void *state, const xp_trial_view *history, size_t n_history,
                   double *out)
{
    (void)history;
    (void)n_history;
    const param_set *sp = state;
    for (size_t i = 0; i < sp->n; i++) out[i] = param_draw(ctx, &sp->p[i]);
    return XP_OK;
}

static void destroy(void *state)
{
    params_free(state);
}

static const xp_sampler_ops random_ops = { sizeof(xp_sampler_ops), create, suggest, destroy };
/* The options, as `runner plugins --help random` prints them. */
static const char options_text[] =
    "search:\n"
    "  sampler: random\n";
static const xp_plugin random_plugin =
    XP_PLUGIN_OPTS(XP_KIND_SAMPLER, "random", "1.0.0",
              "independent uniform sampling (Optuna RandomSampler rules)", &random_ops, options_text);
XP_PLUGINS(&random_plugin)
