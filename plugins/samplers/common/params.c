/* plugins/samplers/common/params.c — validation, copying, snapping and uniform drawing of
 * search-space parameters for the sampler plugins.
 *
 *     param_set *sp;
 *     if ((rc = params_copy(ctx, specs, n, &sp))) return rc;
 *     for (size_t i = 0; i < sp->n; i++) out[i] = param_draw(ctx, &sp->p[i]);
 */
#include "params.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Relative tolerance for "on the lattice": steps like 0.1 are not exact in binary. */
#define LATTICE_TOL 1e-9

static char *dup_str(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

const char *param_name(const xp_param_spec *p)
{
    return p->name && p->name[0] ? p->name : "(unnamed parameter)";
}

static int is_integral(double v)
{
    return isfinite(v) && floor(v) == v;
}

/* Number of whole steps between low and high, tolerant to binary rounding of the step. */
static double n_steps(double low, double high, double step)
{
    double k = (high - low) / step;
    double r = round(k);
    if (fabs(k - r) <= LATTICE_TOL * fmax(1.0, fabs(k))) return r;
    return floor(k);
}

static int check_one(xp_ctx *ctx, xp_param_spec *p, size_t i)
{
    const char *nm = p->name && p->name[0] ? p->name : NULL;
    char label[64];
    if (!nm) {
        snprintf(label, sizeof label, "#%zu", i);
        nm = label;
    }
    switch (p->type) {
    case XP_PARAM_CATEGORICAL:
        if (p->n_choices < 1)
            return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: categorical needs at least "
                                           "one choice", nm);
        p->low = 0;
        p->high = (double)(p->n_choices - 1);
        p->step = 1;
        p->log = 0;
        return XP_OK;
    case XP_PARAM_INT:
    case XP_PARAM_FLOAT:
        break;
    default:
        return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: unknown type %d (expected int, "
                                       "float or categorical)", nm, (int)p->type);
    }
    const char *tn = p->type == XP_PARAM_INT ? "int" : "float";
    if (!isfinite(p->low) || !isfinite(p->high))
        return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: %s bounds must be finite, got "
                                       "low=%g high=%g", nm, tn, p->low, p->high);
    if (p->low > p->high)
        return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: low (%g) is greater than high "
                                       "(%g)", nm, p->low, p->high);
    if (!(p->step >= 0) || !isfinite(p->step))
        return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: step must be >= 0, got %g", nm,
                       p->step);
    if (p->type == XP_PARAM_INT) {
        if (!is_integral(p->low) || !is_integral(p->high))
            return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: int bounds must be "
                                           "integers, got low=%g high=%g", nm, p->low, p->high);
        if (p->step == 0) p->step = 1;
        if (!is_integral(p->step))
            return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: int step must be an "
                                           "integer, got %g", nm, p->step);
        if (p->log && p->step != 1)
            return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: log scale needs step 1 "
                                           "(got %g), as in Optuna", nm, p->step);
        if (p->log && p->low < 1)
            return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: log-scale int needs low "
                                           ">= 1, got %g", nm, p->low);
    } else {
        if (p->log && p->step > 0)
            return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: step and log cannot be "
                                           "combined for a float, as in Optuna", nm);
        if (p->log && !(p->low > 0))
            return xp_fail(ctx, XP_EINVAL, "search space: parameter %s: log-scale float needs low "
                                           "> 0, got %g", nm, p->low);
    }
    if (p->step > 0) p->high = p->low + n_steps(p->low, p->high, p->step) * p->step;
    p->log = p->log ? 1 : 0;
    return XP_OK;
}

void params_free(param_set *sp)
{
    if (!sp) return;
    for (size_t i = 0; i < sp->n; i++) {
        free((char *)sp->p[i].name);
        if (sp->p[i].choices) {
            for (size_t c = 0; c < sp->p[i].n_choices; c++) free((char *)sp->p[i].choices[c]);
            free((void *)sp->p[i].choices);
        }
    }
    free(sp->p);
    free(sp);
}

int params_copy(xp_ctx *ctx, const xp_param_spec *specs, size_t n, param_set **out)
{
    *out = NULL;
    if (n > 0 && !specs) return xp_fail(ctx, XP_EINVAL, "search space: %zu parameters but no specs", n);
    param_set *sp = calloc(1, sizeof *sp);
    if (!sp || (n && !(sp->p = calloc(n, sizeof *sp->p)))) {
        free(sp);
        return xp_fail(ctx, XP_ENOMEM, "search space: out of memory");
    }
    sp->n = n;
    for (size_t i = 0; i < n; i++) {
        xp_param_spec *p = &sp->p[i];
        xp_param_spec checked = specs[i];      /* still borrows name/choices */
        int rc = check_one(ctx, &checked, i);
        if (rc) {
            params_free(sp);
            return rc;
        }
        *p = checked;
        p->name = NULL;
        p->choices = NULL;
        if (specs[i].name && !(p->name = dup_str(specs[i].name))) goto oom;
        if (p->type == XP_PARAM_CATEGORICAL && specs[i].choices) {
            char **ch = calloc(p->n_choices, sizeof *ch);
            if (!ch) goto oom;
            p->choices = (const char *const *)ch;
            for (size_t c = 0; c < p->n_choices; c++)
                if (specs[i].choices[c] && !(ch[c] = dup_str(specs[i].choices[c]))) goto oom;
        }
    }
    *out = sp;
    return XP_OK;
oom:
    params_free(sp);
    return xp_fail(ctx, XP_ENOMEM, "search space: out of memory");
}

int param_single(const xp_param_spec *p)
{
    if (p->type == XP_PARAM_CATEGORICAL) return p->n_choices <= 1;
    return p->low == p->high;
}

size_t param_count(const xp_param_spec *p)
{
    if (p->type == XP_PARAM_CATEGORICAL) return p->n_choices;
    if (!(p->step > 0)) return 0;
    double k = n_steps(p->low, p->high, p->step) + 1;
    if (k >= (double)(SIZE_MAX / 2)) return SIZE_MAX / 2;
    return (size_t)k;
}

double param_snap(const xp_param_spec *p, double v)
{
    if (isnan(v)) return p->low;
    if (p->type == XP_PARAM_CATEGORICAL) {
        double k = floor(v);
        if (k < 0) k = 0;
        if (k > p->high) k = p->high;
        return k;
    }
    if (p->type == XP_PARAM_INT && p->log) {
        v = round(v);
    } else if (p->step > 0) {
        v = round((v - p->low) / p->step) * p->step + p->low;
    }
    if (v < p->low) v = p->low;
    if (v > p->high) v = p->high;
    return v;
}

int param_contains(const xp_param_spec *p, double v)
{
    if (!isfinite(v)) return 0;
    double tol = LATTICE_TOL * fmax(1.0, fmax(fabs(p->low), fabs(p->high)));
    if (v < p->low - tol || v > p->high + tol) return 0;
    if (p->type == XP_PARAM_CATEGORICAL || p->type == XP_PARAM_INT) {
        if (!is_integral(v)) return 0;
        if (p->type == XP_PARAM_CATEGORICAL) return 1;
    }
    if (p->step > 0) {
        double k = (v - p->low) / p->step;
        return fabs(k - round(k)) <= LATTICE_TOL * fmax(1.0, fabs(k));
    }
    return 1;
}

double param_draw(xp_ctx *ctx, const xp_param_spec *p)
{
    if (param_single(p)) return p->low;
    double u = ctx->host->rng_uniform(ctx);
    if (p->type == XP_PARAM_CATEGORICAL) return param_snap(p, u * (double)p->n_choices);
    double lo, hi;
    if (p->log) {
        /* Ints get half a unit on each side so the end values keep their fair share. */
        lo = p->type == XP_PARAM_INT ? log(p->low - 0.5) : log(p->low);
        hi = p->type == XP_PARAM_INT ? log(p->high + 0.5) : log(p->high);
        return param_snap(p, exp(lo + u * (hi - lo)));
    }
    if (p->step > 0) {
        lo = p->low - 0.5 * p->step;
        hi = p->high + 0.5 * p->step;
        return param_snap(p, lo + u * (hi - lo));
    }
    return param_snap(p, p->low + u * (p->high - p->low));
}
