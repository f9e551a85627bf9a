/* core/refit.c — see refit.h. */
#include "refit.h"

#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "ordered_pool.h"

typedef struct refit_job {
    experiment *x;
    const xp_frame *dev, *test;
    void *dprep, *tprep;         /* the caller's (the first model, or all one at a time) or NULL: prepared here */
    void *model;
    double *pred;
    int index, threads;
    int rc;
    char err[4200];
} refit_job;

static void refit_one(void *user, int i)
{
    refit_job *j = (refit_job *)user + i;
    experiment *x = j->x;
    host_call call;
    xp_ctx ctx;
    /* Streams of their own (the models' seeds were drawn at creation, on the caller's). */
    host_call_init(&ctx, &call, &x->env, x->model->name, 0xF1F1 + (uint64_t)j->index);
    call.split = "refit";
    call.threads = j->threads;
    void *dprep = j->dprep, *tprep = j->tprep, *own_d = NULL, *own_t = NULL;
    int rc = XP_OK;
    if (x->mops->prepare && !dprep &&
        (!(rc = x->mops->prepare(&ctx, j->dev, &own_d)) && !(rc = x->mops->prepare(&ctx, j->test, &own_t)))) {
        dprep = own_d;
        tprep = own_t;
    }
    if (!rc) rc = x->mops->fit(&ctx, j->model, j->dev, dprep, NULL, NULL);
    if (!rc) rc = x->mops->predict(&ctx, j->model, j->test, tprep, j->pred);
    if (rc) snprintf(j->err, sizeof j->err, "refit %s: %s", x->model->name, call.msg[0] ? call.msg : xp_strerror(rc));
    if (x->mops->release) {
        if (own_d) x->mops->release(own_d);
        if (own_t) x->mops->release(own_t);
    }
    j->rc = rc;
}

int refit_models(experiment *x, const xp_frame *dev, const xp_frame *test, void *dprep, void *tprep,
                 void *const *models, int k, double *pred, char *err, size_t n)
{
    refit_job *jobs = calloc(k > 0 ? (size_t)k : 1, sizeof *jobs);
    if (!jobs) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    int width = folds_wave_width(x, k), threads = folds_thread_share(x, width);
    size_t nt = test->n_rows;
    /* The caller's prepared data serve the first model, and every model when they run one at
     * a time; the others side by side prepare their own. */
    for (int i = 0; i < k; i++)
        jobs[i] = (refit_job){ .x = x, .dev = dev, .test = test, .dprep = i && width > 1 ? NULL : dprep,
                               .tprep = i && width > 1 ? NULL : tprep, .model = models[i], .pred = pred + (size_t)i * nt,
                               .index = i, .threads = threads };
    ordered_pool *pool = ordered_pool_start(k, width, refit_one, jobs);
    int rc = pool ? XP_OK : XP_ENOMEM;
    if (!pool) snprintf(err, n, "out of memory");
    /* The first failure in model order is the one reported; no model starts after it. */
    for (int i = 0; i < k && !rc; i++) {
        if (!ordered_pool_wait(pool, i)) { rc = XP_EINTERRUPTED; snprintf(err, n, "refit stopped"); break; }
        if ((rc = jobs[i].rc)) snprintf(err, n, "%s", jobs[i].err);
    }
    ordered_pool_finish(pool);
    free(jobs);
    return rc;
}
