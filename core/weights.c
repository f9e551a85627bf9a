/* core/weights.c — source quality: estimates each source's label noise from out-of-fold
 * residuals and turns it into sample weights (feasible weighted least squares).
 *
 *     source_weights:
 *       enabled: true
 *       column: source_id        # default: data.source
 *       min_weight: 0.05         # floor, relative to the mean weight of 1
 *
 * With the configured model (before any search) every dev row gets an out-of-fold
 * prediction in model space (e.g. log target). Per source s, the mean squared residual
 * mse_s estimates model error + label noise; the weight is 1/mse_s, normalised so the mean
 * weight over dev rows is 1, then floored at min_weight. Clean sources pull harder, noisy or
 * biased ones less. The weights (20 numbers from all dev rows) are recorded per source.
 * Metrics stay unweighted: the weights change training only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "experiment.h"
#include "frame.h"
#include "json_out.h"

int *source_codes_of(const xp_frame *f, const char *col);     /* folds.c */

static const char *source_column(experiment *x, const xp_cfg *sw, char *err, size_t n, int *rc)
{
    const char *col = NULL;
    *rc = cfg_read_str_or_null(cfg_get(x->root, "data"), "source", &col, err, n);
    if (!*rc) *rc = cfg_read_str(sw, "column", 0, &col, err, n);
    return col;
}

int weights_check(experiment *x, char *err, size_t n)
{
    const xp_cfg *sw = cfg_get(x->root, "source_weights");
    int enabled = 0, rc;
    double floor_w = 0.05;
    if ((rc = cfg_read_bool(sw, "enabled", 0, &enabled, err, n)) ||
        (rc = cfg_read_num(sw, "min_weight", 0, &floor_w, err, n)))
        return rc;
    const char *col = source_column(x, sw, err, n, &rc);
    if (rc) return rc;
    if (enabled && !col) {
        snprintf(err, n, "%s: source_weights needs a column (source_weights.column or data.source)", cfg_where(sw));
        return XP_ECONFIG;
    }
    if (!(floor_w > 0 && floor_w <= 1)) {
        snprintf(err, n, "%s: source_weights.min_weight must be in (0, 1]", cfg_where(cfg_get(sw, "min_weight")));
        return XP_ECONFIG;
    }
    return XP_OK;
}

/* Adds (or replaces) the weight column of f from the per-source weights. */
int weights_apply(experiment *x, xp_frame *f, char *err, size_t n)
{
    if (!x->source_weight) return XP_OK;
    int *src = source_codes_of(f, x->weight_col);
    if (!src) { snprintf(err, n, "source_weights: no column '%s' after the pipeline", x->weight_col); return XP_EINVAL; }
    xp_column *w = frame_role(f, XP_ROLE_WEIGHT);
    if (!w) w = frame_add(f, "__source_weight", XP_COL_NUMERIC, XP_ROLE_WEIGHT);
    if (!w) { free(src); snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (size_t i = 0; i < f->n_rows; i++)
        w->num[i] = src[i] >= 0 && src[i] < x->n_source_weights ? x->source_weight[src[i]] : 1.0;
    free(src);
    return XP_OK;
}

/* One fold of the pre-pass: the configured model fitted on the fold's training rows, its
 * predictions of the validation rows and their sources. Runs on its own thread. */
typedef struct prepass_job {
    experiment *x;
    fold_data *d;
    const xp_cfg *mcfg;
    const char *col;
    int fold, threads, rc;
    double *pred;
    int *src;
    char err[512];
} prepass_job;

static void *prepass_fold(void *arg)
{
    prepass_job *j = arg;
    experiment *x = j->x;
    fold_data *d = j->d;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &x->env, x->model->name, 0xBEEF + (uint64_t)j->fold);
    call.threads = j->threads;
    j->pred = malloc((d->valid->n_rows ? d->valid->n_rows : 1) * sizeof *j->pred);
    j->src = source_codes_of(d->valid, j->col);
    if (!j->pred) {
        snprintf(j->err, sizeof j->err, "source_weights: out of memory (fold %d)", j->fold);
        j->rc = XP_ENOMEM;
        return NULL;
    }
    if (!j->src || !frame_role(d->valid, XP_ROLE_TARGET)) {
        snprintf(j->err, sizeof j->err, "source_weights: no column '%s' (or no target) after the pipeline", j->col);
        j->rc = XP_EINVAL;
        return NULL;
    }
    void *model = NULL;
    int rc = x->mops->create(&ctx, j->mcfg, &model);
    if (!rc) rc = x->mops->fit(&ctx, model, d->train, d->train_prep, d->valid, d->valid_prep);
    if (!rc) rc = x->mops->predict(&ctx, model, d->valid, d->valid_prep, j->pred);
    if (rc) snprintf(j->err, sizeof j->err, "source_weights: %s (fold %d): %s", x->model->name, j->fold,
                     call.msg[0] ? call.msg : xp_strerror(rc));
    if (model) x->mops->destroy(model);
    j->rc = rc;
    return NULL;
}

static void prepass_set_threads(void *job, int threads) { ((prepass_job *)job)->threads = threads; }
static int prepass_failed(const void *job) { return ((const prepass_job *)job)->rc != XP_OK; }

/* The record's numbers keep the six significant digits they had when it was printed with
 * %.6g, so records written before and after the JSON writer read alike. */
static double six_digits(double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", v);
    return strtod(buf, NULL);
}

int weights_fit(experiment *x, char *err, size_t n)
{
    const xp_cfg *sw = cfg_get(x->root, "source_weights");
    int enabled = 0, rc;
    double floor_w = 0.05;
    cfg_read_bool(sw, "enabled", 0, &enabled, err, n);
    cfg_read_num(sw, "min_weight", 0, &floor_w, err, n);
    const char *col = source_column(x, sw, err, n, &rc);
    if (!enabled) return XP_OK;
    x->weight_col = col;

    /* Out-of-fold residuals in model space with the configured (un-searched) model. The folds
     * are fitted fold_jobs at once, as a trial's are (each with its share of the threads:
     * XGBoost wastes less in synchronisation on 1 thread per fold than on 2 for one); the
     * residuals are summed afterwards in fold order, so the weights do not depend on which
     * fold finished first. */
    int max_s = -1;
    double *sum = NULL;
    size_t *cnt = NULL;
    size_t cap = 0;
    xp_cfg *cfg = config_with_params(x, NULL, err, n);
    if (!cfg) return XP_ENOMEM;
    prepass_job *jobs = calloc((size_t)x->folds, sizeof *jobs);
    if (!jobs) { cfg_free(cfg); snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (int f = 0; f < x->folds; f++)
        jobs[f] = (prepass_job){ .x = x, .d = &x->fd[f], .mcfg = cfg_get(cfg, "model"), .col = col, .fold = f };
    rc = folds_run_jobs(x, prepass_fold, jobs, sizeof *jobs, x->folds, prepass_set_threads, prepass_failed);
    if (rc) snprintf(err, n, "out of memory");
    for (int f = 0; f < x->folds && !rc; f++)
        if ((rc = jobs[f].rc)) snprintf(err, n, "%s", jobs[f].err);
    for (int f = 0; f < x->folds && !rc; f++) {
        prepass_job *j = &jobs[f];
        const xp_column *t = frame_role(j->d->valid, XP_ROLE_TARGET);
        for (size_t i = 0; i < j->d->valid->n_rows; i++) {
            int s = j->src[i];
            double r = t->num[i] - j->pred[i];
            if (s < 0 || isnan(r)) continue;
            if ((size_t)s >= cap) {
                size_t nc = (size_t)s + 16;
                double *ns = realloc(sum, nc * sizeof *ns);
                size_t *nn = ns ? realloc(cnt, nc * sizeof *nn) : NULL;
                if (ns) sum = ns;
                if (!nn) { rc = XP_ENOMEM; snprintf(err, n, "out of memory"); break; }
                cnt = nn;
                for (size_t k = cap; k < nc; k++) { sum[k] = 0; cnt[k] = 0; }
                cap = nc;
            }
            sum[s] += r * r;
            cnt[s]++;
            if (s > max_s) max_s = s;
        }
    }
    for (int f = 0; f < x->folds; f++) { free(jobs[f].pred); free(jobs[f].src); }
    free(jobs);
    cfg_free(cfg);
    if (rc) { free(sum); free(cnt); return rc; }
    x->n_source_weights = max_s + 1;
    x->source_weight = calloc((size_t)(max_s + 2), sizeof *x->source_weight);
    if (!x->source_weight) { free(sum); free(cnt); snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    double wsum = 0;
    size_t rows = 0;
    for (int s = 0; s <= max_s; s++) {
        double mse = cnt[s] ? sum[s] / cnt[s] : NAN;
        x->source_weight[s] = cnt[s] && mse > 0 ? 1.0 / mse : 1.0;
        wsum += x->source_weight[s] * cnt[s];
        rows += cnt[s];
    }
    double mean = rows ? wsum / rows : 1.0;
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "column", col);
    json_out_key(&j, "sources");
    json_out_array(&j);
    for (int s = 0; s <= max_s; s++) {
        x->source_weight[s] = fmax(x->source_weight[s] / mean, floor_w);
        if (!cnt[s]) continue;
        json_out_object(&j);
        json_out_kv_int(&j, "source", s);
        json_out_kv_int(&j, "rows", (int64_t)cnt[s]);
        json_out_kv_num(&j, "oof_mse", six_digits(sum[s] / cnt[s]));
        json_out_kv_num(&j, "weight", six_digits(x->source_weight[s]));
        json_out_end(&j);
        host_log(&x->env, XP_LOG_INFO, "source_weights", "source %d: %zu rows, out-of-fold MSE %.4g -> weight %.3f",
                 s, cnt[s], sum[s] / cnt[s], x->source_weight[s]);
    }
    json_out_end(&j);
    json_out_end(&j);
    free(sum);
    free(cnt);
    char *json = json_out_take(&j);
    if (!json) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    rc = store_record(x->st, x->run_id, "source_weights", json);
    free(json);
    if (rc) {
        snprintf(err, n, "recording the source weights: %s", store_errmsg(x->st));
        return rc;
    }

    return weights_apply_folds(x, x->fd, x->folds, err, n);
}

int weights_apply_folds(experiment *x, fold_data *fd, int k, char *err, size_t n)
{
    if (!x->source_weight) return XP_OK;
    /* Weighted training data for every fold: re-prepare the train side only. */
    for (int f = 0; f < k; f++) {
        fold_data *d = &fd[f];
        int rc;
        if ((rc = weights_apply(x, d->train, err, n))) return rc;
        if (x->mops->prepare) {
            if (x->mops->release && d->train_prep) x->mops->release(d->train_prep);
            d->train_prep = NULL;
            host_call call;
            xp_ctx ctx;
            host_call_init(&ctx, &call, &x->env, x->model->name, 0x9E9);
            if ((rc = x->mops->prepare(&ctx, d->train, &d->train_prep))) {
                snprintf(err, n, "%s: prepare weighted train: %s", x->model->name, call.msg[0] ? call.msg : xp_strerror(rc));
                return rc;
            }
        }
    }
    return XP_OK;
}
