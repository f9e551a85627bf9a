/* plugins/samplers/tpe/parzen.c — Parzen mixtures for the TPE sampler (see parzen.h).
 *
 *     parzen *below; parzen_build(&opts, dims, d, obs_below, n_below, &below);
 *     parzen_sample(below, ctx, x); double score = parzen_logpdf(below, x) - ...;
 */
#include "parzen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "truncnorm.h"

#define EPS 1e-12
#define SCOTT_MAGNITUDE 0.2      /* Optuna's SIGMA0_MAGNITUDE */

typedef struct pz_dim {
    const xp_param_spec *p;
    int cat;
    double low, high, q;         /* internal-space range; q = step of a stepped param, else 0 */
    double *mu, *sigma;          /* numeric: per component */
    double *log_norm;            /* numeric: log mass of [low, high] under each component */
    double *log_sigma;           /* numeric: log sigma, or 0 for Optuna 3.1's kernel heights */
    double *logcw;               /* categorical: n_comp x n_choices log probabilities */
} pz_dim;

struct parzen {
    size_t n_comp, d;
    double *logw;                /* normalised log weights */
    double *cumw;                /* cumulative weights for drawing a component */
    pz_dim *dims;
};

void parzen_default_weights(size_t n, double *w)
{
    size_t flat = n < 25 ? n : 25, ramp = n - flat;
    for (size_t i = 0; i < ramp; i++)
        w[i] = ramp == 1 ? 1.0 / (double)n
                         : 1.0 / (double)n + (double)i * (1.0 - 1.0 / (double)n) / (double)(ramp - 1);
    for (size_t i = ramp; i < n; i++) w[i] = 1.0;
}

static int is_log(const xp_param_spec *p)
{
    return p->type != XP_PARAM_CATEGORICAL && p->log;
}

/* External value -> the space the kernels live in. */
static double to_internal(const xp_param_spec *p, double v)
{
    return is_log(p) ? log(v) : v;
}

static void set_range(pz_dim *dm)
{
    const xp_param_spec *p = dm->p;
    dm->q = 0;
    if (p->type == XP_PARAM_INT && p->log) {
        dm->low = log(p->low - 0.5);
        dm->high = log(p->high + 0.5);
    } else if (p->log) {
        dm->low = log(p->low);
        dm->high = log(p->high);
    } else if (p->step > 0) {
        dm->q = p->step;
        dm->low = p->low - 0.5 * p->step;
        dm->high = p->high + 0.5 * p->step;
    } else {
        dm->low = p->low;
        dm->high = p->high;
    }
}

typedef struct idx_val {
    double v;
    size_t i;
} idx_val;

static int cmp_iv(const void *a, const void *b)
{
    const idx_val *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Univariate bandwidths: the larger gap to a neighbour, the range ends acting as neighbours
 * (except for the outermost kernels unless `endpoints`). */
static int gap_sigmas(const pz_opts *o, const pz_dim *dm, size_t m, double *sigma)
{
    idx_val *s = malloc(m * sizeof *s);
    if (!s) return XP_ENOMEM;
    for (size_t i = 0; i < m; i++) s[i] = (idx_val){ dm->mu[i], i };
    qsort(s, m, sizeof *s, cmp_iv);
    for (size_t k = 0; k < m; k++) {
        double left = s[k].v - (k == 0 ? dm->low : s[k - 1].v);
        double right = (k + 1 == m ? dm->high : s[k + 1].v) - s[k].v;
        sigma[s[k].i] = fmax(left, right);
    }
    if (!o->endpoints && m >= 2) {
        sigma[s[0].i] = s[1].v - s[0].v;
        sigma[s[m - 1].i] = s[m - 1].v - s[m - 2].v;
    }
    free(s);
    return XP_OK;
}

static int build_numeric(const pz_opts *o, pz_dim *dm, size_t d, const double *obs, size_t n_obs,
                         size_t col, int prior)
{
    size_t m = n_obs + (prior ? 1 : 0);
    dm->mu = malloc(m * sizeof *dm->mu);
    dm->sigma = malloc(m * sizeof *dm->sigma);
    dm->log_norm = malloc(m * sizeof *dm->log_norm);
    dm->log_sigma = malloc(m * sizeof *dm->log_sigma);
    if (!dm->mu || !dm->sigma || !dm->log_norm || !dm->log_sigma) return XP_ENOMEM;
    double range = dm->high - dm->low;
    for (size_t i = 0; i < n_obs; i++) dm->mu[i] = to_internal(dm->p, obs[i * d + col]);
    if (prior) dm->mu[n_obs] = 0.5 * (dm->low + dm->high);
    if (o->multivariate) {
        double nn = n_obs > 0 ? (double)n_obs : 1.0;
        double s0 = SCOTT_MAGNITUDE * pow(nn, -1.0 / ((double)d + 4.0)) * range;
        for (size_t i = 0; i < m; i++) dm->sigma[i] = s0;
    } else if (gap_sigmas(o, dm, m, dm->sigma)) {
        return XP_ENOMEM;
    }
    double maxs = range;
    double mins = o->magic_clip ? range / fmin(100.0, 1.0 + (double)m) : EPS;
    for (size_t i = 0; i < m; i++) {
        double s = dm->sigma[i];
        if (!(s >= mins)) s = mins;            /* also catches NaN */
        if (s > maxs) s = maxs;
        dm->sigma[i] = s;
    }
    if (prior) dm->sigma[n_obs] = range;
    for (size_t i = 0; i < m; i++) {
        dm->log_norm[i] = tn_log_mass((dm->low - dm->mu[i]) / dm->sigma[i],
                                      (dm->high - dm->mu[i]) / dm->sigma[i]);
        dm->log_sigma[i] = o->exact_density ? log(dm->sigma[i]) : 0.0;
    }
    return XP_OK;
}

static int build_categorical(const pz_opts *o, pz_dim *dm, size_t d, const double *obs,
                             size_t n_obs, size_t col, int prior)
{
    size_t m = n_obs + (prior ? 1 : 0), c = dm->p->n_choices;
    dm->logcw = malloc(m * c * sizeof *dm->logcw);
    if (!dm->logcw) return XP_ENOMEM;
    double fill = o->prior_weight / (double)(prior ? n_obs + 1 : n_obs);
    for (size_t i = 0; i < m; i++) {
        double *row = dm->logcw + i * c;
        for (size_t j = 0; j < c; j++) row[j] = fill;
        if (i < n_obs) row[(size_t)obs[i * d + col]] += 1.0;
        double sum = 0;
        for (size_t j = 0; j < c; j++) sum += row[j];
        for (size_t j = 0; j < c; j++) row[j] = log(row[j] / sum);
    }
    return XP_OK;
}

void parzen_free(parzen *pe)
{
    if (!pe) return;
    if (pe->dims)
        for (size_t j = 0; j < pe->d; j++) {
            free(pe->dims[j].mu);
            free(pe->dims[j].sigma);
            free(pe->dims[j].log_norm);
            free(pe->dims[j].log_sigma);
            free(pe->dims[j].logcw);
        }
    free(pe->dims);
    free(pe->logw);
    free(pe->cumw);
    free(pe);
}

int parzen_build(const pz_opts *o, const xp_param_spec *const *dims, size_t d, const double *obs,
                 size_t n_obs, parzen **out)
{
    *out = NULL;
    int prior = o->consider_prior || n_obs == 0;
    size_t m = n_obs + (prior ? 1 : 0);
    parzen *pe = calloc(1, sizeof *pe);
    if (!pe) return XP_ENOMEM;
    pe->n_comp = m;
    pe->d = d;
    pe->logw = malloc(m * sizeof *pe->logw);
    pe->cumw = malloc(m * sizeof *pe->cumw);
    pe->dims = calloc(d ? d : 1, sizeof *pe->dims);
    if (!pe->logw || !pe->cumw || !pe->dims) goto oom;

    /* Component weights: chronological ramp for observations, prior_weight for the prior. */
    double *w = pe->cumw;
    parzen_default_weights(n_obs, w);
    if (prior) w[n_obs] = o->prior_weight;
    double sum = 0;
    for (size_t i = 0; i < m; i++) sum += w[i];
    double acc = 0;
    for (size_t i = 0; i < m; i++) {
        pe->logw[i] = log(w[i] / sum);
        acc += w[i] / sum;
        pe->cumw[i] = acc;
    }
    pe->cumw[m - 1] = 1.0;

    for (size_t j = 0; j < d; j++) {
        pz_dim *dm = &pe->dims[j];
        dm->p = dims[j];
        dm->cat = dims[j]->type == XP_PARAM_CATEGORICAL;
        int rc;
        if (dm->cat) {
            rc = build_categorical(o, dm, d, obs, n_obs, j, prior);
        } else {
            set_range(dm);
            rc = build_numeric(o, dm, d, obs, n_obs, j, prior);
        }
        if (rc) goto oom;
    }
    *out = pe;
    return XP_OK;
oom:
    parzen_free(pe);
    return XP_ENOMEM;
}

/* Index of the first cumulative weight above u (the last one if rounding leaves none). */
static size_t pick(const double *cum, size_t n, double u)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

void parzen_sample(const parzen *pe, xp_ctx *ctx, double *x)
{
    const xp_host *h = ctx->host;
    size_t k = pick(pe->cumw, pe->n_comp, h->rng_uniform(ctx));
    for (size_t j = 0; j < pe->d; j++) {
        const pz_dim *dm = &pe->dims[j];
        double u = h->rng_uniform(ctx);
        if (dm->cat) {
            size_t c = dm->p->n_choices, v = c - 1;
            double acc = 0;
            for (size_t i = 0; i < c; i++) {
                acc += exp(dm->logcw[k * c + i]);
                if (u < acc) {
                    v = i;
                    break;
                }
            }
            x[j] = (double)v;
            continue;
        }
        double mu = dm->mu[k], s = dm->sigma[k];
        double z = tn_quantile(u, (dm->low - mu) / s, (dm->high - mu) / s);
        double v = mu + s * z;
        if (is_log(dm->p)) v = exp(v);
        x[j] = param_snap(dm->p, v);
    }
}

/* log density of component k of dimension j at external value v. */
static double comp_logpdf(const pz_dim *dm, size_t k, double v)
{
    if (dm->cat) return dm->logcw[k * dm->p->n_choices + (size_t)v];
    double xi = to_internal(dm->p, v), mu = dm->mu[k], s = dm->sigma[k];
    if (dm->q > 0) {
        double lb = fmax(xi - 0.5 * dm->q, dm->low), ub = fmin(xi + 0.5 * dm->q, dm->high);
        return tn_log_mass((lb - mu) / s, (ub - mu) / s) - dm->log_norm[k];
    }
    double z = (xi - mu) / s;
    if (xi < dm->low || xi > dm->high) return -INFINITY;
    return -0.5 * z * z - 0.91893853320467274178 - dm->log_norm[k] - dm->log_sigma[k];
}

double parzen_logpdf(const parzen *pe, const double *x)
{
    double best = -INFINITY;
    double stack_buf[64];
    double *lp = pe->n_comp <= 64 ? stack_buf : malloc(pe->n_comp * sizeof *lp);
    if (!lp) return NAN;
    for (size_t k = 0; k < pe->n_comp; k++) {
        double s = pe->logw[k];
        for (size_t j = 0; j < pe->d && s > -INFINITY; j++) s += comp_logpdf(&pe->dims[j], k, x[j]);
        lp[k] = s;
        if (s > best) best = s;
    }
    double r = best;
    if (best > -INFINITY) {
        double acc = 0;
        for (size_t k = 0; k < pe->n_comp; k++) acc += exp(lp[k] - best);
        r = best + log(acc);
    }
    if (lp != stack_buf) free(lp);
    return r;
}
