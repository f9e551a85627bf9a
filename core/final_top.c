/* core/final_top.c — validation.final_top: K. The test part is predicted by the average (in
 * validation.final_space) of K refits: the search's best configuration (polished, if polish
 * won) and the next K-1 complete trials of the study by value.
 *
 *     validation:
 *       final: refit
 *       final_top: 3            # 1 (the default): the best configuration alone
 *
 * Why: on a small, noisy table the single best CV is partly luck — the trials just behind it
 * are about as good, and which one wins moves with the split. Averaging a few of them costs
 * K-1 evaluations and refits after the search and removes some of that luck. Measured on
 * Vega's films table (bench/datasets, tabular.yaml, 25 trials, split seeds 1-6, the runners-up
 * refitted at their own points and averaged in log1p space): test RMSLE 1.198 with the best
 * alone, 1.184 with the top 3 (better on 5 of 6 seeds), 1.190 with the top 5. A target with
 * negative values is averaged as it is (log1p would clamp those predictions at 0).
 *
 * The runners-up are evaluated again on the run's folds, each with the random stream its
 * trial had, so their out-of-fold predictions (for the average's CV, calibration, a blend)
 * and early-stopping rounds are the trial's own; a CV that differs from the recorded one
 * is reported (a study whose trials came from a different pipeline cannot be averaged
 * honestly). The search space holds model keys only (the fold pipelines are fitted once),
 * so the K refits share one pipeline. Record `final_top`: the trials, their CV, the
 * average's CV; metric cv_final_top. `runner predict` averages the saved models the same way.
 *
 * validation.refit_seeds: S (read here too) refits each of those K configurations S times,
 * the replicas created after all first ones on the refit stream so that their random draws
 * (XGBoost's seed) differ while the first ones stay what a run without it makes; the K x S
 * predictions are averaged in the same space (run.c's refit_and_test; final_model_kind names
 * their artifacts). Why: on a small table the model's own random draws move the test score a
 * lot (Vega's films: a standard deviation of 0.05 RMSLE per split from XGBoost's seed alone),
 * and an average of refits removes the refit's share of it. Off (1) by default: with S = 3 the
 * measured test effect was within 1% either way, not one-sided, on five tables (README, Configs).
 */
#include "final_top.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "frame.h"
#include "json_out.h"
#include "store.h"

int final_top_logspace(const experiment *x)
{
    double y;
    return x->final_log && dev_negative_target(x, &y) < 0;   /* log1p would clamp such rows at 0 */
}

void final_model_kind(int m, int r, char *kind, size_t n)
{
    if (m && r) snprintf(kind, n, "top%d_seed%d_model", m, r);
    else if (m) snprintf(kind, n, "top%d_model", m);
    else if (r) snprintf(kind, n, "seed%d_model", r);
    else snprintf(kind, n, "model");
}

/* validation.KEY: an int in [1, 50], default 1; above 1 it averages refits, so it cannot
 * go with validation.final: folds. what says what the number counts, for the message. */
static int read_refit_count(const experiment *x, const xp_cfg *v, const char *key, const char *what, int *out,
                            char *err, size_t n)
{
    int64_t k = 1;
    int rc = cfg_read_int(v, key, 0, &k, err, n);
    if (rc) return rc;
    if (k < 1 || k > 50) {
        snprintf(err, n, "%s: validation.%s must be 1 to 50 (%s), got %lld", cfg_where(cfg_get(v, key)), key, what,
                 (long long)k);
        return XP_ECONFIG;
    }
    if (k > 1 && x->final_folds) {
        snprintf(err, n, "%s: validation.%s: %lld averages refits; it needs validation.final: refit, not folds",
                 cfg_where(cfg_get(v, key)), key, (long long)k);
        return XP_ECONFIG;
    }
    *out = (int)k;
    return XP_OK;
}

int final_top_read(experiment *x, const xp_cfg *root, char *err, size_t n)
{
    const xp_cfg *v = cfg_get(root, "validation");
    int rc = read_refit_count(x, v, "final_top", "how many of the best configurations are refitted and averaged",
                              &x->final_top, err, n);
    if (rc) return rc;
    return read_refit_count(x, v, "refit_seeds",
                            "how many times each final configuration is refitted with other random draws, all averaged",
                            &x->refit_seeds, err, n);
}

void final_top_free(final_member *m, int n_m)
{
    for (int i = 0; m && i < n_m; i++) cfg_free(m[i].cfg);
    free(m);
}

static int better(int direction, double a, double b)
{
    if (isnan(b)) return !isnan(a);
    if (isnan(a)) return 0;
    return direction == XP_MAXIMIZE ? a > b : a < b;
}

/* The study's complete trials with every param of the space, best first; ties by number.
 * One comparator per direction: qsort passes no context, and a file-static direction would
 * make two runs in one process (threads) race. */
static int by_value_in(int direction, const void *pa, const void *pb)
{
    const store_trial *a = *(const store_trial *const *)pa, *b = *(const store_trial *const *)pb;
    if (better(direction, a->value, b->value)) return -1;
    if (better(direction, b->value, a->value)) return 1;
    return (a->number > b->number) - (a->number < b->number);
}
static int by_value_min(const void *pa, const void *pb) { return by_value_in(XP_MINIMIZE, pa, pb); }
static int by_value_max(const void *pa, const void *pb) { return by_value_in(XP_MAXIMIZE, pa, pb); }

/* The mean over folds of the objective on each fold's rows of oof (original space). */
static int oof_cv(experiment *x, const double *oof, double *out, char *err, size_t n)
{
    const xp_column *t = frame_role(x->dev, XP_ROLE_TARGET);
    size_t nd = x->plan.n_dev;
    double *fy = malloc((nd ? nd : 1) * sizeof *fy), *fp = malloc((nd ? nd : 1) * sizeof *fp);
    double *mv = calloc(x->n_metrics, sizeof *mv);
    int rc = XP_OK, folds = 0;
    double sum = 0;
    if (!t || !fy || !fp || !mv) { snprintf(err, n, "out of memory"); rc = XP_ENOMEM; }
    for (int f = 0; f < x->folds && !rc; f++) {
        size_t c = 0;
        for (size_t i = 0; i < nd; i++) {
            size_t r = x->plan.dev[i];
            if (x->plan.fold[i] != f || isnan(oof[r])) continue;
            fy[c] = col_value(t, r);
            fp[c++] = oof[r];
        }
        if (!c) continue;
        if ((rc = metrics_compute(x, fy, fp, c, mv, err, n))) break;
        sum += mv[x->objective];
        folds++;
    }
    *out = folds ? sum / folds : NAN;
    free(fy); free(fp); free(mv);
    return rc;
}

static int record(experiment *x, const final_member *m, int n_m, int64_t best_number, double best_cv, double avg_cv,
                  char *err, size_t n)
{
    const char *metric = x->metrics[x->objective].plugin->name;
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_int(&j, "k", n_m + 1);
    json_out_kv_str(&j, "space", final_top_logspace(x) ? "log" : "raw");
    json_out_kv_str(&j, "metric", metric);
    json_out_key(&j, "trials");
    json_out_array(&j);
    json_out_int(&j, best_number);
    for (int i = 0; i < n_m; i++) json_out_int(&j, m[i].number);
    json_out_end(&j);
    json_out_key(&j, "cv");
    json_out_array(&j);
    json_out_num(&j, best_cv);
    for (int i = 0; i < n_m; i++) json_out_num(&j, m[i].cv);
    json_out_end(&j);
    json_out_kv_num(&j, "cv_average", avg_cv);
    json_out_end(&j);
    char *json = json_out_take(&j);
    int rc = XP_ENOMEM;
    if (!json) snprintf(err, n, "recording final_top: out of memory");
    else if ((rc = store_record(x->st, x->run_id, "final_top", json)) ||
             (rc = store_metric(x->st, x->run_id, -1, -1, "cv_final_top", -1, metric, avg_cv)))
        snprintf(err, n, "recording final_top: %s", store_errmsg(x->st));
    free(json);
    return rc;
}

int final_top_members(experiment *x, int64_t best_number, double best_cv, final_member **out, int *n_out, char *err,
                      size_t n)
{
    *out = NULL;
    *n_out = 0;
    if (x->final_top <= 1 || !x->sp.n || !x->oof_best) return XP_OK;
    size_t np = x->sp.n, nt = 0;
    const char **names = calloc(np, sizeof *names);
    store_trial *t = NULL;
    for (size_t i = 0; names && i < np; i++) names[i] = x->sp.params[i].name;
    if (!names || store_trials_load(x->st, x->study_id, names, np, &t, &nt)) {
        snprintf(err, n, "final_top: loading the study's trials: %s", names ? store_errmsg(x->st) : "out of memory");
        free(names);
        return names ? XP_EIO : XP_ENOMEM;
    }
    free(names);
    const store_trial **order = malloc((nt ? nt : 1) * sizeof *order);
    final_member *m = calloc((size_t)x->final_top, sizeof *m);
    size_t nd = x->dev->n_rows;
    double *sum = malloc((nd ? nd : 1) * sizeof *sum);
    int rc = XP_OK, n_m = 0;
    if (!order || !m || !sum) { snprintf(err, n, "out of memory"); rc = XP_ENOMEM; goto out; }
    size_t no = 0;
    for (size_t i = 0; i < nt; i++) {
        int complete = t[i].state == XP_TRIAL_COMPLETE && !isnan(t[i].value);
        for (size_t p = 0; p < np && complete; p++) if (isnan(t[i].params[p])) complete = 0;
        if (complete && t[i].number != best_number) order[no++] = &t[i];
    }
    qsort(order, no, sizeof *order, x->direction == XP_MAXIMIZE ? by_value_max : by_value_min);
    int lg = final_top_logspace(x);
    if (x->final_log && !lg)
        host_log(&x->env, XP_LOG_INFO, "final_top", "the target has negative values: the refits are averaged as they are, "
                 "not in log1p space");
    for (size_t i = 0; i < nd; i++) sum[i] = pred_to_space(lg, x->oof_best[i]);
    for (size_t i = 0; i < no && n_m < x->final_top - 1 && !rc; i++) {
        final_member *fm = &m[n_m];
        fm->number = order[i]->number;
        if (!(fm->cfg = config_with_params(x, order[i]->params, err, n))) { rc = XP_ENOMEM; break; }
        eval_result r;
        x->replay_stream = fm->number + 1;   /* the trial's own random stream */
        rc = folds_evaluate_cfg(x, x->fd, x->folds, fm->cfg, -1, "final_top", NULL, NULL, &r, err, n);
        x->replay_stream = 0;
        if (!rc && r.folds_done != x->folds) {
            snprintf(err, n, "final_top: trial %lld evaluated on %d of %d folds", (long long)fm->number, r.folds_done, x->folds);
            rc = XP_EMODEL;
        }
        if (rc) { eval_result_free(&r); cfg_free(fm->cfg); fm->cfg = NULL; break; }
        fm->cv = r.value;
        fm->rounds = r.mean_best_iteration;
        n_m++;
        if (fabs(r.value - order[i]->value) > 1e-9 * fmax(1, fabs(order[i]->value)))
            host_log(&x->env, XP_LOG_WARN, "final_top",
                     "trial %lld scores %.9g on the folds now, %.9g when the search ran it (a study whose earlier runs "
                     "had another pipeline or data?): averaged with what it scores now", (long long)fm->number, r.value,
                     order[i]->value);
        for (size_t k = 0; k < nd; k++) sum[k] += pred_to_space(lg, r.oof[k]);
        eval_result_free(&r);
    }
    if (rc) goto out;
    for (size_t k = 0; k < nd; k++) x->oof_best[k] = pred_from_space(lg, sum[k] / (n_m + 1));
    double avg = NAN;
    if ((rc = oof_cv(x, x->oof_best, &avg, err, n)) || (rc = record(x, m, n_m, best_number, best_cv, avg, err, n))) goto out;
    host_log(&x->env, XP_LOG_INFO, "final_top",
             "the test part is the average of %d refits (%s space): trial %lld (CV %.6g) and %d runner(s)-up; the "
             "average's out-of-fold CV %s %.6g", n_m + 1, lg ? "log1p" : "raw", (long long)best_number,
             best_cv, n_m, x->metrics[x->objective].plugin->name, avg);
out:
    if (rc) { final_top_free(m, n_m); m = NULL; n_m = 0; }
    free(order);
    free(sum);
    store_trials_free(t, nt);
    *out = m;
    *n_out = n_m;
    return rc;
}
