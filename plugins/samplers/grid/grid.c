/* plugins/samplers/grid/grid.c — the `grid` sampler: the cartesian product of per-parameter
 * value lists, enumerated in a fixed order (first parameter slowest), skipping points that
 * already appear in the study's history, so a resumed search continues where it stopped.
 *
 *     runner plugins --help grid       # its options, as the plugin documents them
 *
 * Values per parameter: categorical -> every choice; int or stepped float -> every value
 * low..high by step (error above max_values); continuous float -> `points` evenly spaced
 * values (required). A per-parameter `points` entry overrides all of that with N evenly spaced
 * (log-spaced) values snapped to the parameter's step. Every trial in the history, whatever
 * its state, occupies its grid point (Optuna's GridSampler also never retries FAIL points).
 * When all points are taken, suggest returns XP_EEXHAUSTED.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "xp/xp.h"

typedef struct axis {
    double *v;                   /* ascending grid values */
    size_t n;
} axis;

typedef struct grid {
    param_set *sp;
    axis *ax;
    size_t total;                /* product of axis sizes */
} grid;

static void grid_free(grid *g)
{
    if (!g) return;
    if (g->ax)
        for (size_t i = 0; i < g->sp->n; i++) free(g->ax[i].v);
    free(g->ax);
    params_free(g->sp);
    free(g);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts and removes duplicates (after snapping two spaced points can meet). */
static size_t sort_unique(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || v[i] != v[m - 1]) v[m++] = v[i];
    return m;
}

/* n points from low to high, evenly spaced (geometrically if log), snapped to the lattice. */
static int spaced(const xp_param_spec *p, int64_t n, axis *a)
{
    a->v = malloc((size_t)n * sizeof *a->v);
    if (!a->v) return XP_ENOMEM;
    int lg = p->log && p->type != XP_PARAM_CATEGORICAL;
    double lo = lg ? log(p->low) : p->low, hi = lg ? log(p->high) : p->high;
    for (int64_t i = 0; i < n; i++) {
        double t = n == 1 ? 0.0 : (double)i / (double)(n - 1);
        double x = i == n - 1 ? hi : lo + t * (hi - lo);
        x = lg ? exp(x) : x;
        if (i == 0) x = p->low;        /* exact end points despite exp(log(x)) rounding */
        if (i == n - 1 && n > 1) x = p->high;
        a->v[i] = param_snap(p, x);
    }
    a->n = sort_unique(a->v, (size_t)n);
    return XP_OK;
}

static int lattice(const xp_param_spec *p, axis *a)
{
    size_t n = param_count(p);
    a->v = malloc(n * sizeof *a->v);
    if (!a->v) return XP_ENOMEM;
    for (size_t i = 0; i < n; i++) a->v[i] = param_snap(p, p->low + (double)i * p->step);
    a->n = sort_unique(a->v, n);
    return XP_OK;
}

/* The per-parameter entry of a `points` map whose key is the full name or its last part. */
static const char *last_part(const char *name)
{
    const char *d = strrchr(name, '.');
    return d ? d + 1 : name;
}

static int read_points(xp_ctx *ctx, const xp_cfg *cfg, const param_set *sp, int64_t *global,
                       int64_t *per)
{
    const xp_host *h = ctx->host;
    *global = 0;
    for (size_t i = 0; i < sp->n; i++) per[i] = 0;
    const xp_cfg *node = h->cfg_get(cfg, "points");
    int kind = h->cfg_kind(node);
    if (kind == XP_CFG_MISSING || kind == XP_CFG_NULL) return XP_OK;
    if (kind == XP_CFG_SCALAR) {
        int rc = h->cfg_int(ctx, cfg, "points", 1, global);
        if (rc) return rc;
        if (*global < 1)
            return xp_fail(ctx, XP_ECONFIG, "%s: points must be >= 1, got %lld", h->cfg_where(node),
                           (long long)*global);
        return XP_OK;
    }
    if (kind != XP_CFG_MAP)
        return xp_fail(ctx, XP_ECONFIG, "%s: points must be an integer or a map of parameter name "
                                        "to integer", h->cfg_where(node));
    for (size_t k = 0; k < h->cfg_len(node); k++) {
        const char *key = h->cfg_key_at(node, k);
        int64_t v = 0;
        int rc = h->cfg_int(ctx, node, key, 1, &v);
        if (rc) return rc;
        if (v < 1)
            return xp_fail(ctx, XP_ECONFIG, "%s: points must be >= 1, got %lld",
                           h->cfg_where(h->cfg_at(node, k)), (long long)v);
        size_t hit = sp->n;
        for (size_t i = 0; i < sp->n && hit == sp->n; i++)
            if (sp->p[i].name && strcmp(sp->p[i].name, key) == 0) hit = i;
        for (size_t i = 0; i < sp->n && hit == sp->n; i++)
            if (sp->p[i].name && strcmp(last_part(sp->p[i].name), key) == 0) hit = i;
        if (hit == sp->n)
            return xp_fail(ctx, XP_ECONFIG, "%s: points: '%s' is not a parameter of the search "
                                            "space", h->cfg_where(h->cfg_at(node, k)), key);
        if (sp->p[hit].type == XP_PARAM_CATEGORICAL)
            return xp_fail(ctx, XP_ECONFIG, "%s: points: '%s' is categorical; its grid is its "
                                            "choices", h->cfg_where(h->cfg_at(node, k)), key);
        per[hit] = v;
    }
    return XP_OK;
}

static int build_axis(xp_ctx *ctx, const xp_param_spec *p, int64_t global, int64_t per,
                      int64_t max_values, axis *a)
{
    int rc;
    if (param_single(p)) {
        a->v = malloc(sizeof *a->v);
        if (!a->v) return xp_fail(ctx, XP_ENOMEM, "grid: out of memory");
        a->v[0] = p->low;
        a->n = 1;
        return XP_OK;
    }
    if (per > 0) {
        rc = spaced(p, per, a);
    } else if (p->type == XP_PARAM_CATEGORICAL || p->step > 0) {
        size_t n = param_count(p);
        if (p->type != XP_PARAM_CATEGORICAL && n > (size_t)max_values)
            return xp_fail(ctx, XP_ECONFIG, "grid: parameter %s has %zu values (low %g, high %g, "
                                            "step %g), more than max_values %lld; set "
                                            "search.sampler_options.points: {%s: N} or raise "
                                            "max_values", param_name(p), n, p->low, p->high,
                           p->step, (long long)max_values, param_name(p));
        rc = lattice(p, a);
    } else if (global > 0) {
        rc = spaced(p, global, a);
    } else {
        return xp_fail(ctx, XP_ECONFIG, "grid: float parameter %s needs grid points: set "
                                        "search.sampler_options.points: N (all floats) or "
                                        "points: {%s: N}", param_name(p), param_name(p));
    }
    if (rc) return xp_fail(ctx, rc, "grid: out of memory");
    return XP_OK;
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, const xp_param_spec *specs, size_t n,
                  int direction, void **state)
{
    (void)direction;
    const xp_host *h = ctx->host;
    int64_t max_values = 1000, max_points = 1000000, global = 0;
    int rc = h->cfg_int(ctx, cfg, "max_values", 0, &max_values);
    if (!rc) rc = h->cfg_int(ctx, cfg, "max_points", 0, &max_points);
    if (rc) return rc;
    if (max_values < 1)
        return xp_fail(ctx, XP_ECONFIG, "%s: max_values must be >= 1, got %lld",
                       h->cfg_where(h->cfg_get(cfg, "max_values")), (long long)max_values);
    if (max_points < 1)
        return xp_fail(ctx, XP_ECONFIG, "%s: max_points must be >= 1, got %lld",
                       h->cfg_where(h->cfg_get(cfg, "max_points")), (long long)max_points);

    grid *g = calloc(1, sizeof *g);
    if (!g) return xp_fail(ctx, XP_ENOMEM, "grid: out of memory");
    int64_t *per = NULL;
    if ((rc = params_copy(ctx, specs, n, &g->sp))) goto fail;
    per = calloc(n ? n : 1, sizeof *per);
    g->ax = calloc(n ? n : 1, sizeof *g->ax);
    if (!per || !g->ax) {
        rc = xp_fail(ctx, XP_ENOMEM, "grid: out of memory");
        goto fail;
    }
    if ((rc = read_points(ctx, cfg, g->sp, &global, per))) goto fail;
    g->total = 1;
    for (size_t i = 0; i < n; i++) {
        if ((rc = build_axis(ctx, &g->sp->p[i], global, per[i], max_values, &g->ax[i]))) goto fail;
        if (g->ax[i].n > (size_t)max_points / g->total) {
            rc = xp_fail(ctx, XP_ECONFIG, "grid: the grid has more than max_points (%lld) points "
                                          "(parameter %s brings it past the limit); use fewer "
                                          "points or raise max_points", (long long)max_points,
                         param_name(&g->sp->p[i]));
            goto fail;
        }
        g->total *= g->ax[i].n;
    }
    free(per);
    xp_log(ctx, XP_LOG_INFO, "grid: %zu points over %zu parameters", g->total, n);
    *state = g;
    return XP_OK;
fail:
    free(per);
    grid_free(g);
    return rc;
}

/* Position of v on an axis (tolerant to rounding in stored values), or SIZE_MAX. */
static size_t axis_find(const axis *a, double v)
{
    if (!isfinite(v)) return SIZE_MAX;
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->v[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    for (size_t c = lo > 0 ? lo - 1 : 0; c <= lo && c < a->n; c++)
        if (fabs(a->v[c] - v) <= 1e-9 * fmax(1.0, fabs(v))) return c;
    return SIZE_MAX;
}

static int suggest(xp_ctx *ctx, void *state, const xp_trial_view *history, size_t n_history,
                   double *out)
{
    const grid *g = state;
    size_t n = g->sp->n;
    unsigned char *seen = calloc(g->total / 8 + 1, 1);
    if (!seen) return xp_fail(ctx, XP_ENOMEM, "grid: out of memory");
    for (size_t t = 0; t < n_history; t++) {
        if (!history[t].params && n > 0) continue;
        size_t idx = 0, i;
        for (i = 0; i < n; i++) {
            size_t k = axis_find(&g->ax[i], history[t].params[i]);
            if (k == SIZE_MAX) break;
            idx = idx * g->ax[i].n + k;
        }
        if (i == n) seen[idx / 8] |= (unsigned char)(1u << (idx % 8));
    }
    size_t next = 0;
    while (next < g->total && (seen[next / 8] >> (next % 8) & 1u)) next++;
    free(seen);
    if (next == g->total)
        return xp_fail(ctx, XP_EEXHAUSTED, "grid: all %zu points have been tried", g->total);
    for (size_t i = n; i-- > 0;) {
        out[i] = g->ax[i].v[next % g->ax[i].n];
        next /= g->ax[i].n;
    }
    return XP_OK;
}

static void destroy(void *state)
{
    grid_free(state);
}

static const xp_sampler_ops grid_ops = { sizeof(xp_sampler_ops), create, suggest, destroy };
/* The options, as `runner plugins --help grid` prints them. */
static const char options_text[] =
    "search:\n"
    "  sampler: grid\n"
    "  sampler_options:\n"
    "    points: 5                  # points for every continuous float (log-spaced if log)\n"
    "    # points: {model.params.eta: 4, subsample: 3}   # or per parameter (full or last name)\n"
    "    max_values: 1000           # an int/stepped param with more values is an error\n"
    "    max_points: 1000000        # whole-grid size limit\n";
static const xp_plugin grid_plugin =
    XP_PLUGIN_OPTS(XP_KIND_SAMPLER, "grid", "1.0.0",
              "cartesian grid in a fixed order, resumable, exhausts", &grid_ops, options_text);
XP_PLUGINS(&grid_plugin)
