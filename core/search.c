/* core/search.c — the trial loop: sampler proposes, folds evaluate, pruner stops hopeless
 * trials early, the store records every step.
 *
 *     search:
 *       sampler: tpe                 # random | grid | tpe | any sampler plugin
 *       sampler_options: {}
 *       trials: 50                   # budget in trials (the study's finished and running trials count)
 *       timeout: 0                   # budget in seconds, 0 = none; no trial starts after it
 *       pruner: {type: median, n_startup_trials: 5, n_warmup_steps: 1,
 *                within_fold: false,  # also stop a fold's model at its own reports (epochs,
 *                within_fold_warmup: 3}   # rounds) from this step on: step_prune.h
 *       space: {...}                 # see space.h
 *       first_trial: sampler         # sampler | config: the study's trial 0 evaluates the
 *                                    # config's own values of the space's keys (Optuna's
 *                                    # enqueue_trial idiom), so a hand-found point is never
 *                                    # lost to a small budget; keys it leaves unset are sampled
 *       resume: check                # check | force (resume a study of another config/data)
 *
 * Rerunning the same study resumes it: trials already finished count toward the budget and
 * feed the sampler (run.c first checks the study was run with the same config and data;
 * `resume: force` continues it anyway). Per-fold running means are the trial's intermediate values (Optuna's
 * "step" = fold); the median pruner stops a trial whose best of them so far is worse than the
 * median of the study's complete trials at the same step, as Optuna's MedianPruner does
 * (tests/integration/test_median_pruner.sh replays a study through python3-optuna).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "experiment.h"
#include "json_out.h"
#include "step_prune.h"

typedef struct pruner {
    int enabled;
    int64_t n_startup, n_warmup;
    int direction;
    double *steps;               /* [n_trials][k] running means of the study's complete trials */
    int64_t *ids;                /* [n_trials] their trial ids */
    size_t n_trials, cap;
    int k;
    /* the trial being evaluated */
    store *st;
    int64_t trial_id;
    double best;                 /* its best running mean so far (NaN before the first) */
    int store_rc;                /* a failed write of an intermediate value: fails the run */
    char store_err[1100];
} pruner;


static int prune_check(void *user, int fold, double running)
{
    pruner *p = user;
    if (p->st && (p->store_rc = store_trial_intermediate(p->st, p->trial_id, fold, running))) {
        /* The trial can no longer be recorded: stop it; the search fails the run. */
        snprintf(p->store_err, sizeof p->store_err, "%s", store_errmsg(p->st));
        return 1;
    }
    /* Optuna's MedianPruner compares the trial's best intermediate value so far, not its
     * latest: a trial whose running mean rises on a hard fold is not stopped while an earlier
     * step was at or below the median. Comparing the latest pruned about twice as many trials
     * (on the Vega films table 8 and 11 of 25, this rule 4 and 6; README, step 1 results).
     * A NaN mean is not pruned: the fold's failure is reported instead. */
    if (!isnan(running) && (isnan(p->best) || (p->direction == XP_MINIMIZE ? running < p->best : running > p->best)))
        p->best = running;
    if (!p->enabled || fold < p->n_warmup || (int64_t)p->n_trials < p->n_startup) return 0;
    double *vals = malloc(p->n_trials * sizeof *vals);
    if (!vals) return 0;
    size_t m = 0;
    for (size_t t = 0; t < p->n_trials; t++) {
        double v = p->steps[t * (size_t)p->k + (size_t)fold];
        if (!isnan(v)) vals[m++] = v;
    }
    int stop = 0;
    if (m) {
        double median = pruner_median(vals, m);
        stop = p->direction == XP_MINIMIZE ? p->best > median : p->best < median;
    }
    free(vals);
    return stop;
}

/* Room for one more trial's row; NULL when memory is short (the pruner then has less evidence). */
static double *pruner_row(pruner *p, int64_t trial_id)
{
    if (p->n_trials == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 32;
        double *s = realloc(p->steps, cap * (size_t)p->k * sizeof *s);
        if (!s) return NULL;
        p->steps = s;
        int64_t *ids = realloc(p->ids, cap * sizeof *ids);
        if (!ids) return NULL;
        p->ids = ids;
        p->cap = cap;
    }
    p->ids[p->n_trials] = trial_id;
    return p->steps + p->n_trials * (size_t)p->k;
}

static void pruner_add(pruner *p, const eval_result *r)
{
    if (!pruner_row(p, p->trial_id)) return;
    double sum = 0;
    for (int f = 0; f < p->k; f++) {
        sum += r->fold_values[f];
        p->steps[p->n_trials * (size_t)p->k + (size_t)f] = f < r->folds_done ? sum / (f + 1) : NAN;
    }
    p->n_trials++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A write the record needs failed: the run fails, naming what and why (a study missing some
 * of its trials' values would resume from a history that is not true). */
static int store_failed(experiment *x, const char *what, int64_t number, char *err, size_t n)
{
    snprintf(err, n, "recording %s of trial %lld: %s", what, (long long)number, store_errmsg(x->st));
    return XP_EIO;
}

/* Best effort while the run is already failing or stopping: a second error is logged. */
static void finish_failed(experiment *x, int64_t trial_id, int64_t number, const char *reason_json)
{
    if (store_trial_finish(x->st, trial_id, XP_TRIAL_FAIL, NULL) ||
        (reason_json && store_trial_attr(x->st, trial_id, "fail_reason", reason_json)))
        host_log(&x->env, XP_LOG_ERROR, "search", "trial %lld could not be recorded as FAIL: %s", (long long)number,
                 store_errmsg(x->st));
}

static int better(int direction, double a, double b)
{
    if (isnan(b)) return !isnan(a);
    return direction == XP_MINIMIZE ? a < b : a > b;
}

typedef struct search_config {
    const char *sampler_name, *pruner_type;
    int64_t trials, n_startup, n_warmup;
    int within_fold;             /* search.pruner.within_fold */
    int64_t within_warmup;
    double timeout;
    const xp_plugin *sampler;
    const xp_cfg *sampler_options;
    int first_from_config;       /* search.first_trial: config */
} search_config;

static int read_search_config(experiment *x, search_config *c, char *err, size_t n)
{
    const xp_cfg *s = cfg_get(x->root, "search");
    const xp_cfg *pcfg = cfg_get(s, "pruner");
    int rc;
    *c = (search_config){ .sampler_name = "tpe", .pruner_type = "median", .trials = 20, .n_startup = 5,
                          .n_warmup = 1, .within_warmup = 3, .sampler_options = cfg_get(s, "sampler_options") };
    const char *first = "sampler";
    if ((rc = cfg_read_str(s, "sampler", 0, &c->sampler_name, err, n)) ||
        (rc = cfg_read_str(s, "first_trial", 0, &first, err, n)) ||
        (rc = cfg_read_int(s, "trials", 0, &c->trials, err, n)) ||
        (rc = cfg_read_num(s, "timeout", 0, &c->timeout, err, n)) ||
        (rc = cfg_read_str(pcfg, "type", 0, &c->pruner_type, err, n)) ||
        (rc = cfg_read_int(pcfg, "n_startup_trials", 0, &c->n_startup, err, n)) ||
        (rc = cfg_read_int(pcfg, "n_warmup_steps", 0, &c->n_warmup, err, n)) ||
        (rc = cfg_read_bool(pcfg, "within_fold", 0, &c->within_fold, err, n)) ||
        (rc = cfg_read_int(pcfg, "within_fold_warmup", 0, &c->within_warmup, err, n)))
        return rc;
    if (strcmp(first, "sampler") && strcmp(first, "config")) {
        snprintf(err, n, "%s: search.first_trial must be sampler or config, got '%s'", cfg_where(cfg_get(s, "first_trial")), first);
        return XP_ECONFIG;
    }
    c->first_from_config = !strcmp(first, "config");
    if (c->trials < 0) { snprintf(err, n, "%s: search.trials must be >= 0", cfg_where(cfg_get(s, "trials"))); return XP_ECONFIG; }
    if (c->timeout < 0) { snprintf(err, n, "%s: search.timeout must be >= 0 seconds", cfg_where(cfg_get(s, "timeout"))); return XP_ECONFIG; }
    if (strcmp(c->pruner_type, "median") && strcmp(c->pruner_type, "none")) {
        snprintf(err, n, "%s: search.pruner.type must be median or none", cfg_where(cfg_get(pcfg, "type")));
        return XP_ECONFIG;
    }
    c->sampler = registry_find(x->reg, XP_KIND_SAMPLER, c->sampler_name);
    if (!c->sampler) {
        return registry_not_found(x->reg, XP_KIND_SAMPLER, c->sampler_name,
                                  cfg_where(cfg_get(s, "sampler") ? cfg_get(s, "sampler") : s), err, n);
    }
    return XP_OK;
}

/* search.first_trial: config — overwrite the sampled point with the config's own value of each
 * space key, where the config sets one that lies in the space (a number within the bounds,
 * an int that is whole, a categorical equal to one of the choices); others keep the sample. */
static void config_point(experiment *x, int64_t number, double *params)
{
    size_t taken = 0;
    for (size_t j = 0; j < x->sp.n; j++) {
        const xp_param_spec *p = &x->sp.params[j];
        const char *s = cfg_scalar(cfg_path(x->root, p->name));
        int ok = 0;
        if (s && p->type == XP_PARAM_CATEGORICAL) {
            for (size_t k = 0; k < p->n_choices && !ok; k++)
                if (!strcmp(s, p->choices[k])) { params[j] = (double)k; ok = 1; }
        } else if (s) {
            char *end;
            double v = strtod(s, &end);
            /* with a step, only the grid's points low + i * step are in the space (Optuna's
             * rule): an off-grid value would be a trial no sampler can propose */
            double r = p->step > 0 ? (v - p->low) / p->step : 0;
            ok = end != s && !*end && isfinite(v) && v >= p->low && v <= p->high &&
                 (p->type != XP_PARAM_INT || v == floor(v)) &&
                 fabs(r - nearbyint(r)) <= 1e-9 * fmax(1.0, fabs(r));
            if (ok) params[j] = v;
        }
        if (ok) taken++;
        else
            host_log(&x->env, XP_LOG_INFO, "search", "trial %lld: %s is sampled (the config sets no value in its range%s)",
                     (long long)number, p->name, p->step > 0 && !(p->type == XP_PARAM_INT && p->step == 1) ? " and on its step grid" : "");
    }
    host_log(&x->env, XP_LOG_INFO, "search", "trial %lld evaluates the config's own point (search.first_trial: config): %zu of %zu keys",
             (long long)number, taken, x->sp.n);
}

static int sampler_create(experiment *x, const search_config *c, void **state, char *err, size_t n)
{
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &x->env, c->sampler->name, 0x5A);
    const xp_sampler_ops *sops = c->sampler->ops;
    int rc = sops->create(&ctx, c->sampler_options, x->sp.params, x->sp.n, x->direction, state);
    if (rc) snprintf(err, n, "sampler %s: %s", c->sampler->name, call.msg[0] ? call.msg : xp_strerror(rc));
    return rc;
}

int search_check(experiment *x, char *err, size_t n)
{
    search_config c;
    void *state = NULL;
    int rc = read_search_config(x, &c, err, n);
    if (!rc && x->sp.n) rc = sampler_create(x, &c, &state, err, n);
    if (state) ((const xp_sampler_ops *)c.sampler->ops)->destroy(state);
    return rc;
}

/* The study's best trial, which runners sharing the store may have found meanwhile: the
 * refit uses it, not just the best of the trials run here. A best trial of another process
 * has no rounds or out-of-fold predictions here: the refit derives them again. */
static int study_best(experiment *x, search_outcome *out, char *err, size_t n)
{
    size_t np = x->sp.n;
    const char **names = calloc(np + 1, sizeof *names);
    store_trial *t = NULL;
    size_t nt = 0;
    for (size_t i = 0; names && i < np; i++) names[i] = x->sp.params[i].name;
    if (!names || store_trials_load(x->st, x->study_id, names, np, &t, &nt)) {
        snprintf(err, n, "loading the study's trials: %s", names ? store_errmsg(x->st) : "out of memory");
        free(names);
        return names ? XP_EIO : XP_ENOMEM;
    }
    free(names);
    const store_trial *best = NULL;
    for (size_t i = 0; i < nt; i++) {
        int complete_params = 1;
        for (size_t j = 0; j < np; j++) if (isnan(t[i].params[j])) complete_params = 0;
        if (t[i].state == XP_TRIAL_COMPLETE && complete_params && (!best || better(x->direction, t[i].value, best->value)))
            best = &t[i];
    }
    if (best && best->number != out->best_number && better(x->direction, best->value, out->best_value)) {
        host_log(&x->env, XP_LOG_INFO, "search", "the study's best is trial %lld (%.6g), run by another runner: refitting it",
                 (long long)best->number, best->value);
        double *p = malloc((np ? np : 1) * sizeof *p);
        if (!p) { store_trials_free(t, nt); snprintf(err, n, "out of memory"); return XP_ENOMEM; }
        if (np) memcpy(p, best->params, np * sizeof *p);
        free(out->best_params);
        out->best_params = p;
        out->best_number = best->number;
        out->best_value = best->value;
        out->best_rounds = NAN;
        eval_result none = { 0 };     /* what this process kept is not the study's best */
        eval_result_keep_best(x, &none);
    }
    store_trials_free(t, nt);
    return XP_OK;
}

/* "2m05s" */
static void fmt_secs(double s, char *buf, size_t n)
{
    long t = s > 0 ? (long)(s + 0.5) : 0;
    if (t >= 3600) snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60) snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, n, "%lds", t);
}

/* One line per trial: trials done of the budget, best so far, elapsed and ETA (the mean
 * trial time so far times the trials left, capped by search.timeout). On a terminal the
 * line is rewritten in place (a run of 50 trials is one line, not 50); into a file or a
 * pipe each trial stays a plain line, so logs keep the whole history. */
static void say_progress(experiment *x, const search_outcome *out, int64_t number, int state, double value,
                         double trial_s, int64_t done, int64_t budget, double elapsed, double timeout)
{
    if (x->env.verbosity < XP_LOG_INFO) return;
    double eta = done > 0 ? elapsed / (double)done * (double)(budget - done) : 0;
    if (timeout > 0 && eta > timeout - elapsed) eta = timeout - elapsed > 0 ? timeout - elapsed : 0;
    char el[32], et[32], best[96];
    fmt_secs(elapsed, el, sizeof el);
    fmt_secs(eta, et, sizeof et);
    const char *metric = x->metrics[x->objective].plugin->name;
    if (out->best_number >= 0)
        snprintf(best, sizeof best, "best %s=%.6g (trial %lld)", metric, out->best_value, (long long)out->best_number);
    else
        snprintf(best, sizeof best, "no complete trial yet");
    const char *what = state == XP_TRIAL_COMPLETE ? "complete" : state == XP_TRIAL_PRUNED ? "pruned" : "failed";
    if (host_progress_tty()) {
        char line[512];
        snprintf(line, sizeof line, "[search] %lld/%lld trials  %s  elapsed %s  ETA %s  (trial %lld %s %s=%.6g in %.1f s)",
                 (long long)done, (long long)budget, best, el, et, (long long)number, what, metric, value, trial_s);
        host_progress_line(line);
    } else {
        host_log(&x->env, XP_LOG_INFO, "search", "trial %lld %s %s=%.6g (%.1f s) best=%.6g (trial %lld)  [%lld/%lld, "
                 "elapsed %s, ETA %s]", (long long)number, what, metric, value, trial_s, out->best_value,
                 (long long)out->best_number, (long long)done, (long long)budget, el, et);
    }
}

/* The sampler's evidence: every finished trial of the study with a value for each key of the
 * space, read from the store again before each ask. Workers sharing the study (runners on
 * other hosts, Optuna's own workers on the same database) finish trials while this one
 * searches; read only at the start, they would inform no later point of this runner, and
 * with many workers each sampler would see mostly its own trials. Finished trials never
 * change, but one with a smaller id can finish after one with a larger, so "newer than the
 * last seen" is not an id range: the whole list is read, two queries in one read transaction.
 * Measured per ask on a loaded 2-core machine (300 trials of 2 params; PostgreSQL on a local
 * socket): SQLite 0.5 ms with under 100 finished trials, 1.5 ms at 200-300; PostgreSQL 1.2
 * and 3.2 ms — against seconds per real trial. */
typedef struct history {
    store_trial *t;
    size_t n;                    /* finished trials loaded */
    xp_trial_view *views;        /* the ones with every param of the space: t[].params */
    size_t nv;
} history;

/* Optuna's MedianPruner takes its evidence from every complete trial of the study: the ones
 * earlier runs and other workers finished come from the store, once each. A trial whose
 * values cannot be read is left out with a warning (it is evidence, not a result; the next
 * ask tries it again). */
static void pruner_sync(experiment *x, pruner *p, const history *h)
{
    if (!p->enabled || !p->st) return;
    for (size_t i = 0; i < h->n; i++) {
        if (h->t[i].state != XP_TRIAL_COMPLETE) continue;
        size_t j = 0;
        while (j < p->n_trials && p->ids[j] != h->t[i].trial_id) j++;
        if (j < p->n_trials) continue;
        double *row = pruner_row(p, h->t[i].trial_id);
        if (!row) return;   /* out of memory: less evidence, as pruner_add */
        if (store_trial_intermediates(p->st, h->t[i].trial_id, p->k, row))
            host_log(&x->env, XP_LOG_WARN, "search", "median pruner: trial %lld's intermediate values could not be read (%s); "
                     "it is not counted as evidence", (long long)h->t[i].number, store_errmsg(p->st));
        else
            p->n_trials++;
    }
}

static void history_free(history *h)
{
    store_trials_free(h->t, h->n);
    free(h->views);
    *h = (history){ 0 };
}

static int history_load(experiment *x, const char *const *names, history *h, char *err, size_t n)
{
    size_t np = x->sp.n;
    history_free(h);
    if (store_trials_load(x->st, x->study_id, names, np, &h->t, &h->n)) {
        snprintf(err, n, "loading the study's trials: %s", store_errmsg(x->st));
        return XP_EIO;
    }
    h->views = calloc(h->n + 1, sizeof *h->views);
    if (!h->views) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (size_t i = 0; i < h->n; i++) {
        const store_trial *t = &h->t[i];
        int complete_params = 1;
        for (size_t j = 0; j < np; j++) if (isnan(t->params[j])) complete_params = 0;
        if (!complete_params) continue;   /* a trial from another search space: not evidence here */
        h->views[h->nv++] = (xp_trial_view){ t->number, t->state, t->value, t->params,
                                             t->state == XP_TRIAL_PRUNED ? t->last_step : -1 };
    }
    return XP_OK;
}

int search_run(experiment *x, search_outcome *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    out->best_number = -1;
    out->best_value = NAN;
    out->best_rounds = NAN;
    search_config c;
    int rc = read_search_config(x, &c, err, n);
    if (rc) return rc;
    const xp_plugin *sp = c.sampler;
    int64_t trials = c.trials;
    double timeout = c.timeout;
    const xp_sampler_ops *sops = sp->ops;
    size_t np = x->sp.n;

    /* History: every finished trial of the study, from earlier runs too. */
    const char **names = calloc(np + 1, sizeof *names);
    for (size_t i = 0; names && i < np; i++) names[i] = x->sp.params[i].name;
    history h = { 0 };
    double *params = calloc(np ? np : 1, sizeof *params);
    pruner pr = { .enabled = !strcmp(c.pruner_type, "median"), .n_startup = c.n_startup, .n_warmup = c.n_warmup,
                  .direction = x->direction, .k = x->folds, .st = x->st };
    step_prune *spr = pr.enabled && c.within_fold ? step_prune_new(x->folds, c.n_startup, c.within_warmup) : NULL;
    if (!names || !params || (pr.enabled && c.within_fold && !spr)) { rc = XP_ENOMEM; snprintf(err, n, "out of memory"); goto done; }
    if ((rc = history_load(x, names, &h, err, n))) goto done;
    pruner_sync(x, &pr, &h);
    int64_t finished = 0;
    for (size_t i = 0; i < h.n; i++) {
        const store_trial *t = &h.t[i];
        if (t->state == XP_TRIAL_COMPLETE || t->state == XP_TRIAL_PRUNED) finished++;
        if (t->state == XP_TRIAL_COMPLETE) {
            out->n_complete++;
            if (better(x->direction, t->value, out->best_value)) {
                out->best_value = t->value;
                out->best_number = t->number;
                free(out->best_params);
                out->best_params = malloc((np ? np : 1) * sizeof(double));
                if (out->best_params && np) memcpy(out->best_params, t->params, np * sizeof(double));
                out->best_rounds = NAN;   /* unknown for an earlier run's trial: refit re-derives it */
            }
        }
    }
    size_t seen = h.n;               /* finished trials at the last ask, to tell what others added */
    if (finished)
        host_log(&x->env, XP_LOG_INFO, "search", "resuming study '%s': %lld finished trials count toward the budget of %lld",
                 x->name, (long long)finished, (long long)trials);

    void *sstate = NULL;
    if (np && (rc = sampler_create(x, &c, &sstate, err, n))) goto done;
    double t0 = now_s();
    int consecutive_fail = 0;
    int64_t budget = trials - finished;
    for (int64_t i = 0; i < budget; i++) {
        if (host_interrupted()) {   /* Ctrl-C / SIGTERM between trials: none is running */
            snprintf(err, n, "interrupted by %s", host_signal_name(host_interrupted()));
            rc = XP_EINTERRUPTED;
            break;
        }
        if (timeout > 0 && now_s() - t0 >= timeout) {
            host_log(&x->env, XP_LOG_INFO, "search", "time budget of %.0f s reached after %d trials", timeout, out->n_run_here);
            break;
        }
        int64_t trial_id, number;
        /* Claimed against the study's budget in one transaction: runners sharing the store
         * (trials of theirs RUNNING or finished since this one started) stop at the budget;
         * with heartbeats, after waiting for the others' running trials (claim.c). */
        int crc = claim_trial(x, trials, timeout > 0 ? t0 + timeout : 0, &trial_id, &number);
        if (crc == XP_EEXHAUSTED) {
            host_log(&x->env, XP_LOG_INFO, "search", "the study's budget of %lld trials is taken (other runners on this store)",
                     (long long)trials);
            break;
        }
        if (crc) {
            snprintf(err, n, "%s", store_errmsg(x->st));
            rc = XP_EIO;
            break;
        }
        if (np) {
            double tl = now_s();
            if ((rc = history_load(x, names, &h, err, n))) { finish_failed(x, trial_id, number, NULL); break; }
            pruner_sync(x, &pr, &h);
            /* Each earlier pass of this loop finished one trial of this runner's. */
            size_t own = i > 0, others = h.n > seen + own ? h.n - seen - own : 0;
            host_log(&x->env, XP_LOG_DEBUG, "search", "trial %lld: sampler %s asked with %zu finished trials of the study "
                     "(%zu new from other workers since the last ask; history read in %.2f ms)", (long long)number,
                     sp->name, h.nv, others, (now_s() - tl) * 1e3);
            seen = h.n;
        }
        host_call call;
        xp_ctx ctx;
        host_call_init(&ctx, &call, &x->env, sp->name, 0x7000 + (uint64_t)number);
        rc = np ? sops->suggest(&ctx, sstate, h.views, h.nv, params) : XP_OK;
        if (rc == XP_EEXHAUSTED) {
            if (store_trial_finish(x->st, trial_id, XP_TRIAL_FAIL, NULL) ||
                store_trial_attr(x->st, trial_id, "fail_reason", "\"sampler exhausted\"")) {
                rc = store_failed(x, "the end", number, err, n);
                break;
            }
            host_log(&x->env, XP_LOG_INFO, "search", "sampler %s has no more points", sp->name);
            rc = XP_OK;
            break;
        }
        if (rc) {
            snprintf(err, n, "sampler %s: %s", sp->name, call.msg[0] ? call.msg : xp_strerror(rc));
            finish_failed(x, trial_id, number, NULL);
            break;
        }
        if (c.first_from_config && number == 0 && np) config_point(x, number, params);
        for (size_t j = 0; j < np && !rc; j++)
            if (store_trial_param(x->st, trial_id, x->sp.params[j].name, params[j], x->sp.distribution_json[j])) {
                rc = store_failed(x, x->sp.params[j].name, number, err, n);
                finish_failed(x, trial_id, number, NULL);
            }
        if (rc) break;
        pr.trial_id = trial_id;
        pr.best = NAN;
        double ts = now_s();
        eval_result r;
        char e2[2048] = "";
        x->trial_number = number;
        if (spr) step_prune_begin(spr);
        x->step_prune = spr;
        int erc = folds_evaluate(x, x->fd, x->folds, params, trial_id, "valid", prune_check, &pr, &r, e2, sizeof e2);
        x->step_prune = NULL;
        x->trial_number = -1;
        int state;
        if (pr.store_rc) {
            snprintf(err, n, "recording the intermediate values of trial %lld: %s", (long long)number, pr.store_err);
            rc = XP_EIO;
            finish_failed(x, trial_id, number, NULL);
            eval_result_free(&r);
            break;
        }
        if (erc == XP_EINTERRUPTED || host_interrupted()) {
            /* Stopped by a signal: the trial's value is unknown, so it is a failure (never
             * PRUNED or COMPLETE on partial folds), and the search ends here. */
            int sig = host_interrupted();
            char why[128];
            snprintf(why, sizeof why, "\"interrupted by %s\"", host_signal_name(sig));
            finish_failed(x, trial_id, number, why);
            host_log(&x->env, XP_LOG_WARN, "search", "trial %lld interrupted by %s: marked FAIL", (long long)number,
                     host_signal_name(sig));
            out->n_failed++;
            out->n_run_here++;
            snprintf(err, n, "interrupted by %s during trial %lld", host_signal_name(sig), (long long)number);
            rc = XP_EINTERRUPTED;
            eval_result_free(&r);
            break;
        }
        if (!erc && !r.pruned && !isfinite(r.value)) {
            /* Optuna sorts a stored +-inf first, so a non-finite objective would become its
             * "best trial": such a trial is a failure. */
            snprintf(e2, sizeof e2, "objective %s is not finite (%g)", x->metrics[x->objective].plugin->name, r.value);
            erc = XP_EMODEL;
        }
        if (erc) {
            state = XP_TRIAL_FAIL;
            json_out jr;
            json_out_init(&jr);
            json_out_str(&jr, e2);
            char *js = json_out_take(&jr);
            /* Out of memory for the reason's text: the trial is still recorded as FAIL. */
            int write_failed = store_trial_finish(x->st, trial_id, state, NULL) ||
                               store_trial_attr(x->st, trial_id, "fail_reason", js ? js : "\"out of memory\"");
            free(js);
            if (write_failed) {
                rc = store_failed(x, "the failure", number, err, n);
                eval_result_free(&r);
                break;
            }
            if (r.store_failed) {
                /* Not the trial's fault: the store could not take its scores. */
                snprintf(err, n, "%s", e2);
                rc = erc;
                eval_result_free(&r);
                break;
            }
            host_log(&x->env, XP_LOG_WARN, "search", "trial %lld failed: %s", (long long)number, e2);
            out->n_failed++;
            if (++consecutive_fail >= 3 && out->n_complete == 0) {
                snprintf(err, n, "the first trials all failed; last error: %s", e2);
                rc = XP_EMODEL;
                eval_result_free(&r);
                break;
            }
        } else if (r.pruned) {
            state = XP_TRIAL_PRUNED;
            if (store_trial_finish(x->st, trial_id, state, &r.value)) {
                rc = store_failed(x, "the value", number, err, n);
                finish_failed(x, trial_id, number, NULL);
                eval_result_free(&r);
                break;
            }
            out->n_pruned++;
            consecutive_fail = 0;
        } else {
            state = XP_TRIAL_COMPLETE;
            char v[64];
            snprintf(v, sizeof v, "%.6g", r.mean_best_iteration);
            if (store_trial_finish(x->st, trial_id, state, &r.value)) {
                rc = store_failed(x, "the value", number, err, n);
                finish_failed(x, trial_id, number, NULL);
                eval_result_free(&r);
                break;
            }
            if (!isnan(r.mean_best_iteration) && store_trial_attr(x->st, trial_id, "mean_best_iteration", v)) {
                rc = store_failed(x, "the mean best iteration", number, err, n);
                eval_result_free(&r);
                break;
            }
            out->n_complete++;
            consecutive_fail = 0;
            pruner_add(&pr, &r);
            if (spr) step_prune_commit(spr);
            if (better(x->direction, r.value, out->best_value)) {
                out->best_value = r.value;
                out->best_number = number;
                out->best_rounds = r.mean_best_iteration;
                eval_result_keep_best(x, &r);  /* its out-of-fold predictions (blends), fold models */
                free(out->best_params);
                out->best_params = malloc((np ? np : 1) * sizeof(double));
                if (out->best_params) memcpy(out->best_params, params, np * sizeof(double));
            }
        }
        out->n_run_here++;
        say_progress(x, out, number, state, r.value, now_s() - ts, i + 1, budget, now_s() - t0, timeout);
        eval_result_free(&r);
    }
    host_progress_done();
    heartbeat_trial(x->hb, -1);   /* the last trial is finished: nothing left to keep alive */
    if (sstate) sops->destroy(sstate);
    if (!rc) rc = study_best(x, out, err, n);
done:
    history_free(&h);
    free(names);
    free(params);
    free(pr.steps);
    free(pr.ids);
    step_prune_free(spr);
    return rc;
}
