/* core/folds.c — builds each fold's data once (pipeline fitted on the fold's training rows,
 * model-native data prepared) and evaluates parameter points on them.
 *
 *     fold_data *fd;
 *     folds_build(x, &x->plan, &fd, err, sizeof err);          // once per run
 *     eval_result r;
 *     folds_evaluate(x, fd, k, params, trial_id, "valid", prune, user, &r, err, sizeof err);
 *
 * Nothing that does not change between trials is redone: the transforms are fitted and the
 * DMatrix (or whatever the model prepares) is built once per fold.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "experiment.h"
#include "frame.h"
#include "logsum.h"
#include "ordered_pool.h"
#include "step_prune.h"

static double *target_copy(const xp_frame *f)
{
    const xp_column *t = frame_role(f, XP_ROLE_TARGET);
    double *y = malloc((f->n_rows ? f->n_rows : 1) * sizeof *y);
    if (!y || !t) { free(y); return NULL; }
    for (size_t i = 0; i < f->n_rows; i++) y[i] = col_value(t, i);
    return y;
}

/* Source code per row of column col: the numeric value, or the level's number. */
int *source_codes_of(const xp_frame *f, const char *col)
{
    if (!col) return NULL;
    const xp_column *c = frame_find(f, col);
    if (!c) return NULL;
    int *s = malloc((f->n_rows ? f->n_rows : 1) * sizeof *s);
    if (!s) return NULL;
    for (size_t i = 0; i < f->n_rows; i++) {
        double v = NAN;
        if (c->type == XP_COL_CATEGORICAL && c->codes[i] >= 0) v = atof(c->levels[c->codes[i]]);
        else if (c->type == XP_COL_NUMERIC || c->type == XP_COL_BOOL) v = c->num[i];
        s[i] = isnan(v) ? -1 : (int)v;
    }
    return s;
}

/* Source code per row for per-source metrics (data.source). */
int *source_codes(const experiment *x, const xp_frame *f) { return source_codes_of(f, x->source_col); }

static int prepare(experiment *x, const xp_frame *f, void **out, const char *what, char *err, size_t n)
{
    *out = NULL;
    if (!x->mops->prepare) return XP_OK;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &x->env, x->model->name, 0x9E9);
    int rc = x->mops->prepare(&ctx, f, out);
    if (rc) snprintf(err, n, "%s: prepare %s: %s", x->model->name, what, call.msg[0] ? call.msg : xp_strerror(rc));
    return rc;
}

/* One fold's data: its rows, the pipeline fitted on its training rows and applied to its
 * validation (and, for a fold-averaged final, test) rows, the model's prepared data. */
typedef struct build_job {
    experiment *x;
    const split_plan *plan;
    fold_data *d;
    int fold;
    int rc;
    char err[2048];
} build_job;

static void *build_one(void *arg)
{
    build_job *j = arg;
    experiment *x = j->x;
    fold_data *d = j->d;
    char *err = j->err;
    size_t n = sizeof j->err;
    int f = j->fold, rc;
    size_t nt, nv;
    size_t *tr = split_fold_rows(j->plan, f, 0, &nt), *va = split_fold_rows(j->plan, f, 1, &nv);
    if (!tr || !va) { free(tr); free(va); snprintf(err, n, "out of memory"); j->rc = XP_ENOMEM; return NULL; }
    d->train = frame_take(x->dev, tr, nt);
    d->valid = frame_take(x->dev, va, nv);
    free(tr);
    d->valid_rows = va;
    if (!d->train || !d->valid) { snprintf(err, n, "out of memory"); j->rc = XP_ENOMEM; return NULL; }
    d->valid_y = target_copy(d->valid);
    d->valid_source = source_codes(x, d->valid);
    if ((rc = pipeline_create(&d->pipe, x->reg, cfg_get(x->root, "pipeline"), &x->env, err, n)) ||
        (rc = pipeline_fit(&d->pipe, d->train, err, n)) ||
        (rc = pipeline_apply(&d->pipe, d->valid, err, n)) ||
        (rc = prepare(x, d->train, &d->train_prep, "train", err, n)) ||
        (rc = prepare(x, d->valid, &d->valid_prep, "valid", err, n))) {
        j->rc = rc;
        return NULL;
    }
    /* The run's own folds predict the test part too when the final prediction is their
     * average; the test rows go through this fold's pipeline, fitted without them. */
    if (x->final_folds && j->plan == &x->plan) {
        if (!(d->test = frame_copy(x->test))) { snprintf(err, n, "out of memory"); j->rc = XP_ENOMEM; return NULL; }
        if ((rc = pipeline_apply(&d->pipe, d->test, err, n)) || (rc = prepare(x, d->test, &d->test_prep, "test", err, n))) {
            j->rc = rc;
            return NULL;
        }
    }
    host_log(&x->env, XP_LOG_DEBUG, "folds", "fold %d: %zu train rows, %zu valid rows, %zu columns after the pipeline",
             f, d->train->n_rows, d->valid->n_rows, d->train->n_cols);
    j->rc = XP_OK;
    return NULL;
}

/* Stages keep the run's thread budget: most of their work is one-threaded, so two folds
 * built side by side use the two cores that one fold's stages mostly leave idle. */
static void build_job_threads(void *job, int threads) { (void)job; (void)threads; }

static int build_failed(const void *job) { return ((const build_job *)job)->rc != XP_OK; }

/* Folds are built fold_jobs at once, like the trials' folds (one at a time for a model that
 * trains its folds serially: its prepare() may not be reentrant). What a fold computes does
 * not depend on its neighbours: each stage draws from its own stream (pipeline.c) and the
 * first failure in fold order is the one reported. */
static int build_folds(experiment *x, const split_plan *plan, fold_data **out, char *err, size_t n)
{
    int k = plan->k;
    fold_data *fd = calloc((size_t)k, sizeof *fd);
    build_job *jobs = calloc((size_t)k, sizeof *jobs);
    *out = fd;
    if (!fd || !jobs) { free(jobs); snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (int f = 0; f < k; f++) jobs[f] = (build_job){ .x = x, .plan = plan, .d = &fd[f], .fold = f };
    int rc = folds_run_jobs(x, build_one, jobs, sizeof *jobs, k, build_job_threads, build_failed);
    if (rc) snprintf(err, n, "out of memory");
    for (int f = 0; f < k && !rc; f++)
        if ((rc = jobs[f].rc)) snprintf(err, n, "%s", jobs[f].err);
    free(jobs);
    return rc;
}

/* The stages say the same things about every fold: their lines are held while the folds are
 * built and said once each, what differs between folds as a range (logsum.h). */
int folds_build(experiment *x, const split_plan *plan, fold_data **out, char *err, size_t n)
{
    logsum ls;
    logsum_init(&ls);
    x->env.logsum = &ls;
    int rc = build_folds(x, plan, out, err, n);
    x->env.logsum = NULL;
    logsum_flush(&ls, plan->k);
    logsum_free(&ls);
    return rc;
}

void folds_free(experiment *x, fold_data *fd, int k)
{
    if (!fd) return;
    for (int f = 0; f < k; f++) {
        fold_data *d = &fd[f];
        if (x->mops && x->mops->release) {
            if (d->train_prep) x->mops->release(d->train_prep);
            if (d->valid_prep) x->mops->release(d->valid_prep);
            if (d->test_prep) x->mops->release(d->test_prep);
        }
        frame_free(d->train);
        frame_free(d->valid);
        frame_free(d->test);
        free(d->valid_y);
        free(d->valid_rows);
        free(d->valid_source);
        pipeline_free(&d->pipe);
    }
    free(fd);
}

static void models_free(const xp_model_ops *mops, void **models, int k)
{
    for (int f = 0; models && f < k; f++)
        if (models[f]) mops->destroy(models[f]);
    free(models);
}

void eval_result_free(eval_result *r)
{
    free(r->fold_values);
    free(r->oof);
    free(r->test_pred);
    models_free(r->mops, r->models, r->n_models);
    r->fold_values = NULL;
    r->oof = NULL;
    r->test_pred = NULL;
    r->models = NULL;
    r->n_models = 0;
}

void eval_result_keep_best(experiment *x, eval_result *r)
{
    free(x->oof_best);
    free(x->test_best);
    models_free(x->mops, x->models_best, x->folds);
    x->oof_best = r->oof;
    x->test_best = r->test_pred;
    /* Only a complete set of fold models stands for the configuration. */
    x->models_best = r->n_models == x->folds ? r->models : NULL;
    if (!x->models_best) models_free(r->mops, r->models, r->n_models);
    r->oof = NULL;
    r->test_pred = NULL;
    r->models = NULL;
    r->n_models = 0;
}

/* log1p of a negative prediction is clamped at 0, as RMSLE's own inputs are. */
double pred_to_space(int logspace, double p) { return logspace ? log1p(fmax(p, 0)) : p; }
double pred_from_space(int logspace, double v) { return logspace ? expm1(v) : v; }

long dev_negative_target(const experiment *x, double *y)
{
    const xp_column *t = frame_role(x->dev, XP_ROLE_TARGET);
    for (size_t i = 0; t && i < x->dev->n_rows; i++)
        if ((*y = col_value(t, i)) < 0) return (long)i;
    return -1;
}

xp_cfg *config_with_params(experiment *x, const double *params, char *err, size_t n)
{
    xp_cfg *c = cfg_clone(x->root);
    if (!c) { snprintf(err, n, "out of memory"); return NULL; }
    for (size_t i = 0; params && i < x->sp.n; i++) {
        char text[512];
        space_value_text(&x->sp, i, params[i], text, sizeof text);
        if (cfg_set(c, x->sp.params[i].name, text, err, n)) { cfg_free(c); return NULL; }
    }
    return c;
}

int metrics_compute(experiment *x, const double *y, const double *pred, size_t rows, double *out,
                    char *err, size_t n)
{
    for (size_t m = 0; m < x->n_metrics; m++) {
        host_call call;
        xp_ctx ctx;
        host_call_init(&ctx, &call, &x->env, x->metrics[m].plugin->name, 0);
        int rc = x->metrics[m].ops->compute(&ctx, y, pred, NULL, rows, &out[m]);
        if (rc) {
            snprintf(err, n, "metric %s: %s", x->metrics[m].plugin->name, call.msg[0] ? call.msg : xp_strerror(rc));
            return rc;
        }
    }
    return XP_OK;
}

/* One fold of one evaluation: trains, predicts the validation rows, scores them. Runs on
 * its own thread when folds are trained in parallel; it touches only its own fold's data. */
typedef struct fold_job {
    experiment *x;
    fold_data *d;
    const xp_cfg *mcfg;
    int64_t trial_id;
    int fold, threads;
    const char *split;
    double *mvals;               /* n_metrics */
    double *oof;                 /* dev-row predictions, shared by the folds */
    double *test_out;            /* this fold's test predictions (d->test set), else NULL */
    void **model_out;            /* where the fitted model is kept, NULL: destroyed */
    double iter_sum;
    int iter_count;
    int rc;
    int store_failed;            /* the model's call could not write to the store */
    int step_pruned;             /* the within-fold pruner stopped this fold's model */
    const _Atomic int *cancel;   /* set: the evaluation no longer needs this fold */
    char err[2048];
} fold_job;

/* host_call.on_report of a fold: a fold the evaluation no longer needs (an earlier fold
 * pruned the trial or failed) stops at its model's next report; a search trial's fold also
 * asks the within-fold pruner (search.pruner.within_fold). */
static int report_step(void *user, int64_t step, double value)
{
    fold_job *j = user;
    if (j->cancel && *j->cancel) return 1;
    if (!j->x->step_prune || j->trial_id < 0) return 0;
    if (!step_prune_report(j->x->step_prune, j->fold, step, value)) return 0;
    j->step_pruned = 1;
    return 1;
}

static void collect_iteration(void *user, const char *name, double value)
{
    fold_job *j = user;
    if (j->x->stop_metric && !strcmp(name, j->x->stop_metric) && !isnan(value)) { j->iter_sum += value; j->iter_count++; }
}

static void *fold_run(void *arg)
{
    fold_job *j = arg;
    experiment *x = j->x;
    fold_data *d = j->d;
    host_call call;
    xp_ctx ctx;
    int64_t number = j->trial_id >= 0 ? x->trial_number : x->replay_stream - 1;
    host_call_init(&ctx, &call, &x->env, x->model->name, (uint64_t)(number + 1) * 1000 + (uint64_t)j->fold);
    call.trial_id = j->trial_id;
    call.fold = j->fold;
    call.split = j->split;
    call.on_metric = collect_iteration;
    call.metric_user = j;
    call.threads = j->threads;
    call.on_report = report_step;
    call.report_user = j;
    void *model = NULL;
    double *pred = malloc((d->valid->n_rows ? d->valid->n_rows : 1) * sizeof *pred);
    if (!pred) { snprintf(j->err, sizeof j->err, "out of memory"); j->rc = XP_ENOMEM; return NULL; }
    int rc = x->mops->create(&ctx, j->mcfg, &model);
    if (!rc) rc = x->mops->fit(&ctx, model, d->train, d->train_prep, d->valid, d->valid_prep);
    if (!rc) rc = x->mops->predict(&ctx, model, d->valid, d->valid_prep, pred);
    if (!rc && j->test_out) rc = x->mops->predict(&ctx, model, d->test, d->test_prep, j->test_out);
    if (rc) snprintf(j->err, sizeof j->err, "%s (fold %d): %s", x->model->name, j->fold, call.msg[0] ? call.msg : xp_strerror(rc));
    j->store_failed = call.store_failed;
    if (model && !rc && j->model_out) *j->model_out = model;
    else if (model) x->mops->destroy(model);
    if (!rc) rc = pipeline_inverse(&d->pipe, pred, d->valid->n_rows, j->err, sizeof j->err);
    if (!rc && j->test_out) rc = pipeline_inverse(&d->pipe, j->test_out, d->test->n_rows, j->err, sizeof j->err);
    if (!rc && j->oof)   /* folds own disjoint dev rows: no two threads write one cell */
        for (size_t i = 0; i < d->valid->n_rows; i++) j->oof[d->valid_rows[i]] = pred[i];
    if (!rc) rc = metrics_compute(x, d->valid_y, pred, d->valid->n_rows, j->mvals, j->err, sizeof j->err);
    free(pred);
    j->rc = rc;
    return NULL;
}

/* ordered_pool's job: fold `f` of the evaluation's jobs; after Ctrl-C / SIGTERM it does not
 * start (the evaluation loop sees the signal and reports the interruption). */
static void fold_run_job(void *jobs, int f)
{
    fold_job *j = (fold_job *)jobs + f;
    if (host_interrupted()) {
        snprintf(j->err, sizeof j->err, "interrupted by %s", host_signal_name(host_interrupted()));
        j->rc = XP_EINTERRUPTED;
        return;
    }
    fold_run(j);
}

int folds_evaluate(experiment *x, fold_data *fd, int k, const double *params, int64_t trial_id,
                   const char *split_name, eval_prune_fn prune, void *prune_user,
                   eval_result *res, char *err, size_t n)
{
    xp_cfg *cfg = config_with_params(x, params, err, n);
    if (!cfg) {
        memset(res, 0, sizeof *res);
        if (!err[0]) snprintf(err, n, "out of memory");
        return XP_ENOMEM;
    }
    int rc = folds_evaluate_cfg(x, fd, k, cfg, trial_id, split_name, prune, prune_user, res, err, n);
    cfg_free(cfg);
    return rc;
}

enum { MAX_WAVE = 64 };   /* jobs run at once; search.fold_jobs is checked against the same bound */

int folds_wave_width(const experiment *x, int jobs)
{
    int width = x->fold_jobs > 0 ? x->fold_jobs : 1;
    if (width > MAX_WAVE) width = MAX_WAVE;   /* fold_jobs 0 = one per host thread, which may be more */
    return width < jobs ? width : (jobs > 0 ? jobs : 1);
}

int folds_thread_share(const experiment *x, int width)
{
    if (width <= 1) return 0;
    int threads = host_threads(&x->env) / width;
    return threads > 1 ? threads : 1;
}

/* folds_run_jobs' jobs as the pool sees them: job i at base + i * stride. */
typedef struct job_table {
    char *base;
    size_t stride;
    void *(*run)(void *job);
} job_table;

static void run_table_job(void *user, int i)
{
    job_table *t = user;
    t->run(t->base + (size_t)i * t->stride);
}

int folds_run_jobs(const experiment *x, void *(*job)(void *), void *jobs, size_t stride, int count,
                   void (*set_threads)(void *job, int threads), int (*failed)(const void *job))
{
    int width = folds_wave_width(x, count), threads = folds_thread_share(x, width);
    job_table t = { jobs, stride, job };
    for (int i = 0; i < count; i++) set_threads(t.base + (size_t)i * stride, threads);
    ordered_pool *pool = ordered_pool_start(count, width, run_table_job, &t);
    if (!pool) return XP_ENOMEM;
    for (int i = 0; i < count; i++)
        if (!ordered_pool_wait(pool, i) || (failed && failed(t.base + (size_t)i * stride))) break;
    ordered_pool_finish(pool);
    return XP_OK;
}

int folds_evaluate_cfg(experiment *x, fold_data *fd, int k, const xp_cfg *cfg, int64_t trial_id,
                       const char *split_name, eval_prune_fn prune, void *prune_user,
                       eval_result *res, char *err, size_t n)
{
    memset(res, 0, sizeof *res);
    res->mean_best_iteration = NAN;
    res->value = NAN;
    res->fold_values = calloc((size_t)k, sizeof *res->fold_values);
    size_t n_dev = x->dev->n_rows;
    res->oof = malloc((n_dev ? n_dev : 1) * sizeof *res->oof);
    if (res->oof) for (size_t i = 0; i < n_dev; i++) res->oof[i] = NAN;
    double *msum = calloc(x->n_metrics, sizeof *msum);
    fold_job *jobs = calloc((size_t)k, sizeof *jobs);
    double *mvals = calloc((size_t)k * x->n_metrics, sizeof *mvals);
    /* Fold models that predict the test part: their predictions (k rows of n_test) and the
     * models themselves are kept, for the final prediction and `runner predict`. */
    int with_test = fd[0].test != NULL;
    size_t n_test = with_test ? fd[0].test->n_rows : 0;
    double *test_out = with_test ? malloc((size_t)k * (n_test ? n_test : 1) * sizeof *test_out) : NULL;
    res->mops = x->mops;
    if (with_test && (res->models = calloc((size_t)k, sizeof *res->models))) res->n_models = k;
    if (!res->fold_values || !res->oof || !msum || !jobs || !mvals || (with_test && (!test_out || !res->models))) {
        free(msum); free(jobs); free(mvals); free(test_out);
        snprintf(err, n, "out of memory");
        return XP_ENOMEM;
    }
    /* fold_jobs folds train at once, each with an equal share of the threads, the next fold
     * starting as soon as one finishes (ordered_pool.h); the pruner still sees the folds in
     * order, so it decides as it would one fold at a time. Folds already started when the
     * trial is pruned or fails stop at their next report (`cancel`). */
    int width = folds_wave_width(x, k), threads = folds_thread_share(x, width);
    _Atomic int cancel = 0;
    const xp_cfg *mcfg = cfg_get(cfg, "model");
    double iter_sum = 0, sum = 0;
    int iter_count = 0, rc = XP_OK;
    for (int f = 0; f < k; f++)
        jobs[f] = (fold_job){ .x = x, .d = &fd[f], .mcfg = mcfg, .trial_id = trial_id, .fold = f,
                              .threads = threads,
                              .split = split_name, .mvals = mvals + (size_t)f * x->n_metrics,
                              .oof = res->oof,
                              .test_out = with_test ? test_out + (size_t)f * n_test : NULL,
                              .model_out = with_test ? &res->models[f] : NULL, .cancel = &cancel };
    ordered_pool *pool = ordered_pool_start(k, width, fold_run_job, jobs);
    if (!pool) {
        free(msum); free(jobs); free(mvals); free(test_out);
        snprintf(err, n, "out of memory");
        return XP_ENOMEM;
    }
    for (int f = 0; f < k && rc == XP_OK && !res->pruned; f++) {
        /* Ctrl-C / SIGTERM: no new fold starts (fold_run_job skips the ones taken after it) */
        if (host_interrupted() || !ordered_pool_wait(pool, f) || host_interrupted()) break;
        fold_job *j = &jobs[f];
        /* Stopped by the within-fold pruner: the trial is pruned on the folds before it (the
         * folds after it are not counted either: the pruner sees folds in order). */
        if (j->rc == XP_EPRUNED && j->step_pruned) {
            host_log(&x->env, XP_LOG_INFO, "search", "trial %lld: %s (within-fold pruner)",
                     (long long)x->trial_number, j->err);
            res->pruned = 1;
            break;
        }
        if (j->rc) { rc = j->rc; res->store_failed = j->store_failed; snprintf(err, n, "%s", j->err); break; }
        iter_sum += j->iter_sum;
        iter_count += j->iter_count;
        for (size_t m = 0; m < x->n_metrics; m++) {
            msum[m] += j->mvals[m];
            if (x->st && trial_id >= 0 &&
                (rc = store_metric(x->st, x->run_id, trial_id, f, split_name, -1, x->metrics[m].plugin->name, j->mvals[m]))) {
                snprintf(err, n, "recording fold %d's %s: %s", f, x->metrics[m].plugin->name, store_errmsg(x->st));
                res->store_failed = 1;
                break;
            }
        }
        if (rc) break;
        res->fold_values[f] = j->mvals[x->objective];
        sum += j->mvals[x->objective];
        res->folds_done = f + 1;
        res->value = sum / (f + 1);
        if (prune && f + 1 < k && prune(prune_user, f, res->value)) { res->pruned = 1; break; }
    }
    cancel = 1;
    ordered_pool_finish(pool);
    if (host_interrupted()) {
        snprintf(err, n, "interrupted by %s", host_signal_name(host_interrupted()));
        rc = XP_EINTERRUPTED;
    }
    if (!rc && x->st && trial_id >= 0 && res->folds_done == k) {
        char name[128];
        snprintf(name, sizeof name, "cv_%s", split_name);
        for (size_t m = 0; m < x->n_metrics && !rc; m++)
            if ((rc = store_metric(x->st, x->run_id, trial_id, -1, name, -1, x->metrics[m].plugin->name, msum[m] / k))) {
                snprintf(err, n, "recording the %s %s: %s", name, x->metrics[m].plugin->name, store_errmsg(x->st));
                res->store_failed = 1;
            }
    }
    if (iter_count) res->mean_best_iteration = iter_sum / iter_count;
    if (!rc && with_test && res->folds_done == k) {
        if (!(res->test_pred = malloc((n_test ? n_test : 1) * sizeof *res->test_pred))) {
            snprintf(err, n, "out of memory");
            rc = XP_ENOMEM;
        }
        for (size_t i = 0; !rc && i < n_test; i++) {
            double s = 0;
            for (int f = 0; f < k; f++) s += pred_to_space(x->final_log, test_out[(size_t)f * n_test + i]);
            res->test_pred[i] = pred_from_space(x->final_log, s / k);
        }
    }
    free(test_out);
    free(msum);
    free(jobs);
    free(mvals);
    return rc;
}
