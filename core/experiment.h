/* core/experiment.h — the state of one `runner CONFIG` run, shared by its stages:
 * data.c (load) → folds.c (per-fold pipelines, model data, evaluation) → search.c (the
 * trial loop) → run.c (orchestration, refit, test score, artifacts, summary).
 */
#ifndef XP_CORE_EXPERIMENT_H
#define XP_CORE_EXPERIMENT_H

#include <stdint.h>

#include "heartbeat.h"
#include "host.h"
#include "pipeline.h"
#include "registry.h"
#include "space.h"
#include "split.h"
#include "store.h"

typedef struct fold_data {
    xp_frame *train, *valid;     /* after the fold's own pipeline */
    void *train_prep, *valid_prep;
    xp_frame *test;              /* the test rows through this fold's pipeline, when the final
                                  * prediction averages the fold models (else NULL) */
    void *test_prep;
    double *valid_y;             /* validation target, original space */
    size_t *valid_rows;          /* dev row index of each validation row (out-of-fold output) */
    int *valid_source;           /* per-source metrics: source code per valid row, or NULL */
    pipeline pipe;               /* fitted on this fold's train rows */
} fold_data;

typedef struct metric_ref {
    const xp_plugin *plugin;
    const xp_metric_ops *ops;
} metric_ref;

typedef struct experiment {
    const xp_cfg *root;
    registry *reg;
    host_env env;
    store *st;
    int64_t study_id, run_id;
    /* Heartbeats of the running trial (store.heartbeat_interval), NULL when off; with them a
     * runner whose claim finds the budget taken waits for other workers' running trials. */
    heartbeat *hb;
    double hb_interval;
    const char *name;
    const char *config_path;

    /* data */
    xp_frame *dev, *test;        /* dev: search + refit rows; test: scored once at the end */
    const char *target;
    const char *source_col;      /* per-source metrics, NULL = none */
    const char *group_col;       /* grouped folds, NULL = random */
    int folds;
    double test_fraction;

    /* model and metrics */
    const xp_plugin *model;
    const xp_model_ops *mops;
    metric_ref *metrics;
    size_t n_metrics;
    size_t objective;            /* index into metrics */
    int direction;               /* XP_MINIMIZE / XP_MAXIMIZE */

    /* search */
    space sp;
    fold_data *fd;               /* the grouped folds, built once, reused by every trial */
    int fold_jobs;               /* folds trained at once (threads split between them) */
    const char *stop_metric;     /* the model's early-stopping step metric, NULL = none */
    const char *stop_key;        /* model config key that step sets at refit ("num_boost_round") */
    const char *model_file;      /* file name of the saved model in the artifact folder */
    int stop_is_pass;            /* the stop step is a pass over the data (XP_MODEL_STOP_IS_PASS) */
    split_plan plan;             /* dev rows -> folds */
    /* Set while a search trial is evaluated with search.pruner.within_fold: the folds' models'
     * reports go to it (step_prune.h). NULL otherwise (reports never prune). */
    struct step_prune *step_prune;
    /* The study's number of the trial being evaluated, -1 outside the search. It keys the
     * model's random streams (never the trial_id, which counts every study in the database),
     * so a config and seed give the same trials whatever else the store holds. */
    int64_t trial_number;
    /* Outside the search, 1 + the trial number whose random streams an evaluation replays (0:
     * none, the streams of "no trial"): a resumed study's best trial from an earlier process
     * is trained again with its own streams, so its fold models are the ones it was scored
     * with. */
    int64_t replay_stream;

    /* the best configuration's out-of-fold predictions (dev rows), NULL until known */
    double *oof_best;
    /* validation.final: folds — the test part is predicted by the best configuration's fold
     * models (their predictions averaged, in log1p space when final_log) instead of one
     * model refitted on all dev rows. The best evaluation's averaged test predictions and
     * its k models are kept (NULL until known) so no model is trained again. */
    int final_folds, final_log;
    int final_top;               /* validation.final_top: refits averaged (final_top.c); 1: the best alone */
    int refit_seeds;             /* validation.refit_seeds: refits of each of them, other random draws; 1: one */
    int calibrate;               /* validation.calibrate: XP_CALIBRATE_* (calibrate.c) */
    double *test_best;
    void **models_best;

    /* source quality (weights.c): weight per source code, NULL when off */
    double *source_weight;
    int n_source_weights;
    const char *weight_col;
} experiment;

/* One evaluation of a parameter point over a set of folds. */
typedef struct eval_result {
    double value;                /* mean objective over evaluated folds */
    double *fold_values;         /* objective per fold (k) */
    double mean_best_iteration;  /* mean of the model's stop_metric over folds, NaN if none */
    double *oof;                 /* out-of-fold prediction per dev row (original space), NaN
                                  * where no fold predicted it; owned, eval_result_free */
    int folds_done;
    int pruned;
    int store_failed;            /* a score could not be recorded: the run fails, not the trial */
    /* With validation.final: folds and the run's own folds, when every fold finished: */
    double *test_pred;           /* the fold models' test predictions averaged (original space) */
    void **models;               /* the k fold models (destroyed by eval_result_free) */
    int n_models;
    const xp_model_ops *mops;
} eval_result;

void eval_result_free(eval_result *r);
/* Makes r's out-of-fold predictions, test predictions and models the run's best (x->oof_best,
 * test_best, models_best), freeing the previous ones; r keeps nothing of them. */
void eval_result_keep_best(experiment *x, eval_result *r);
/* Predictions are averaged (fold models) or blended in log1p space or as they are. */
double pred_to_space(int logspace, double p);
double pred_from_space(int logspace, double v);
/* The first dev row (0-based) whose target is negative, its value in *y; -1 if none. Such a
 * target cannot be averaged or calibrated in log1p space (log1p would clamp it). */
long dev_negative_target(const experiment *x, double *y);

/* Pruning hook: called after each fold with the running mean; return 1 to stop. */
typedef int (*eval_prune_fn)(void *user, int fold, double running_mean);

/* data.c */
int data_load(experiment *x, const char *path, int with_target, xp_frame **out, char *err, size_t n);
int data_setup(experiment *x, char *err, size_t n);
/* `runner predict`: the dev rows (same split and folds) from train_path, the run's stored
 * copy of its training file (NULL: data.path); a given test file is not read (x->test NULL). */
int data_setup_predict(experiment *x, const char *train_path, char *err, size_t n);
/* New rows without a target, each column read with its type in `schema` (the training
 * frame) where the loader would guess another. */
int data_load_like(experiment *x, const char *path, const xp_frame *schema, xp_frame **out, char *err, size_t n);

/* folds.c */
int folds_build(experiment *x, const split_plan *plan, fold_data **out, char *err, size_t n);
void folds_free(experiment *x, fold_data *fd, int k);
/* Writes the trial's param values into a clone of the config and returns its model node. */
xp_cfg *config_with_params(experiment *x, const double *params, char *err, size_t n);
int folds_evaluate(experiment *x, fold_data *fd, int k, const double *params, int64_t trial_id,
                   const char *split_name, eval_prune_fn prune, void *prune_user,
                   eval_result *res, char *err, size_t n);
/* Fold-level work, x->fold_jobs jobs at once (folds_wave_width: never more than `jobs`), the
 * next one starting as soon as a thread is free (ordered_pool.h): jobs [0, count) of `stride`
 * bytes each, after `set_threads` gave each its share of the host's threads (0: the model's
 * default, when they run one at a time). After the first job, in job order, that `failed`
 * (may be NULL) says failed, no further job starts; jobs that did not run are left as they
 * were. XP_ENOMEM: none ran. */
int folds_wave_width(const experiment *x, int jobs);
/* Each of `width` jobs' share of the host's threads: 0 (the model's default, all of them)
 * when they run one at a time, else host threads / width, at least 1. */
int folds_thread_share(const experiment *x, int width);
int folds_run_jobs(const experiment *x, void *(*job)(void *), void *jobs, size_t stride, int count,
                   void (*set_threads)(void *job, int threads), int (*failed)(const void *job));
/* The same with a ready configuration (its model section is used as is). */
int folds_evaluate_cfg(experiment *x, fold_data *fd, int k, const xp_cfg *cfg, int64_t trial_id,
                       const char *split_name, eval_prune_fn prune, void *prune_user,
                       eval_result *res, char *err, size_t n);
int metrics_compute(experiment *x, const double *y, const double *pred, size_t n_rows,
                    double *out /* n_metrics */, char *err, size_t n);

/* run.c: every metric on the test part, overall and per source, into the store. */
int test_metrics_store(experiment *x, const xp_frame *test, const double *y, const double *pred,
                       double *values /* n_metrics */, char *err, size_t n);

/* weights.c */
int weights_check(experiment *x, char *err, size_t n);
int weights_fit(experiment *x, char *err, size_t n);
int weights_apply(experiment *x, xp_frame *f, char *err, size_t n);
int weights_apply_folds(experiment *x, fold_data *fd, int k, char *err, size_t n);

/* search.c */
typedef struct search_outcome {
    int64_t best_number;         /* -1: no complete trial */
    double best_value;
    double *best_params;
    double best_rounds;          /* mean best_iteration of the best trial, NaN if unknown */
    int n_complete, n_pruned, n_failed, n_run_here;
} search_outcome;
int search_run(experiment *x, search_outcome *out, char *err, size_t n);
/* Reads and validates the search section and creates the sampler once (config check). */
int search_check(experiment *x, char *err, size_t n);

/* claim.c: the next trial of the study within its budget of `budget` trials, for this run
 * (store_trial_claim). XP_EEXHAUSTED when the budget is taken; with heartbeats on, a runner
 * first waits while other workers' trials still run (one may die and free its place) until
 * none runs or `deadline` (now_s() seconds, 0 = none) passes. The trial's heartbeat follows. */
int claim_trial(experiment *x, int64_t budget, double deadline, int64_t *trial_id, int64_t *number);

#endif
