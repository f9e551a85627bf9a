/* core/step_prune.c — the within-fold median pruner (step_prune.h). */
#include "step_prune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A fold's curve: v[s] = the best (lowest) value reported up to step s, NaN before the first. */
typedef struct curve {
    double *v;
    int64_t n, cap;
} curve;

struct step_prune {
    int k;
    int64_t n_startup, n_warmup;
    curve *current;              /* [k] the running trial */
    curve *done;                 /* [n_done * k] complete trials */
    size_t n_done, cap_done;
};

/* Steps beyond this are not tracked (a model reporting odd step numbers cannot make the
 * pruner allocate without bound); such reports never prune. */
#define MAX_STEP 1000000

step_prune *step_prune_new(int k, int64_t n_startup, int64_t n_warmup)
{
    step_prune *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->k = k;
    p->n_startup = n_startup;
    p->n_warmup = n_warmup;
    if (!(p->current = calloc((size_t)k, sizeof *p->current))) { free(p); return NULL; }
    return p;
}

void step_prune_free(step_prune *p)
{
    if (!p) return;
    for (int f = 0; f < p->k; f++) free(p->current[f].v);
    for (size_t i = 0; i < p->n_done * (size_t)p->k; i++) free(p->done[i].v);
    free(p->current);
    free(p->done);
    free(p);
}

void step_prune_begin(step_prune *p)
{
    for (int f = 0; f < p->k; f++) p->current[f].n = 0;
}

/* Records value at step; returns the curve's best so far at step (NaN: not tracked). */
static double curve_put(curve *c, int64_t step, double value)
{
    if (step < 0 || step >= MAX_STEP) return NAN;
    if (step >= c->cap) {
        int64_t cap = c->cap ? c->cap : 64;
        while (cap <= step) cap *= 2;
        double *v = realloc(c->v, (size_t)cap * sizeof *v);
        if (!v) return NAN;
        c->v = v;
        c->cap = cap;
    }
    double prev = c->n ? c->v[c->n - 1] : NAN;
    for (int64_t s = c->n; s < step; s++) c->v[s] = prev;   /* steps the model did not report */
    if (step < c->n) prev = step ? c->v[step - 1] : NAN;    /* a repeated step: keep the order */
    double best = isnan(prev) || (isfinite(value) && value < prev) ? value : prev;
    c->v[step] = best;
    if (step >= c->n) c->n = step + 1;
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double pruner_median(double *vals, size_t m)
{
    if (!m) return NAN;
    qsort(vals, m, sizeof *vals, cmp_double);
    return m % 2 ? vals[m / 2] : 0.5 * (vals[m / 2 - 1] + vals[m / 2]);
}

int step_prune_report(step_prune *p, int fold, int64_t step, double value)
{
    if (!p || fold < 0 || fold >= p->k) return 0;
    double best = curve_put(&p->current[fold], step, value);
    if (isnan(best) || step < p->n_warmup || (int64_t)p->n_done < p->n_startup || p->n_done == 0) return 0;
    double *vals = malloc(p->n_done * sizeof *vals);
    if (!vals) return 0;
    size_t m = 0;
    for (size_t t = 0; t < p->n_done; t++) {
        const curve *c = &p->done[t * (size_t)p->k + (size_t)fold];
        if (!c->n) continue;
        double v = step < c->n ? c->v[step] : c->v[c->n - 1];
        if (!isnan(v)) vals[m++] = v;
    }
    int stop = m && best > pruner_median(vals, m);
    free(vals);
    return stop;
}

void step_prune_commit(step_prune *p)
{
    if (!p) return;
    if (p->n_done == p->cap_done) {
        size_t cap = p->cap_done ? 2 * p->cap_done : 16;
        curve *d = realloc(p->done, cap * (size_t)p->k * sizeof *d);
        if (!d) return;   /* out of memory: this trial is simply not evidence */
        p->done = d;
        p->cap_done = cap;
    }
    /* The trial's curves move to the evidence; the running trial starts with empty ones. */
    for (int f = 0; f < p->k; f++) {
        p->done[p->n_done * (size_t)p->k + (size_t)f] = p->current[f];
        p->current[f] = (curve){ 0 };
    }
    p->n_done++;
}
