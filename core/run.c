/* core/run.c — runs one experiment end to end:
 *
 *   config checks → store (study + run) → data (dev / untouched test) → profile →
 *   folds (pipelines fitted per fold, model data prepared once) → search → leakage check
 *   (random folds) → refit on all dev rows → single test score → artifacts → summary.
 *
 *     ./runner configs/step1_xgb.yaml search.trials=5
 *
 * Every stage writes to the store as it goes, so a crash loses at most the step in flight.
 */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blend.h"
#include "blend_strata.h"
#include "calibrate.h"
#include "final_top.h"
#include "config.h"
#include "embcache.h"
#include "experiment.h"
#include "frame.h"
#include "inputs.h"
#include "json_out.h"
#include "polish.h"
#include "refit.h"
#include "sha256.h"
#include "store_cfg.h"

int *source_codes(const experiment *x, const xp_frame *f);   /* folds.c */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of this process and of the children it waited for (a blend's members run as
 * processes of their own: procs.c). */
static double cpu_s(void)
{
    double s = 0;
    int who[2] = { RUSAGE_SELF, RUSAGE_CHILDREN };
    for (int i = 0; i < 2; i++) {
        struct rusage ru;
        if (getrusage(who[i], &ru)) continue;
        s += (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
             ru.ru_stime.tv_usec * 1e-6;
    }
    return s;
}

static int mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

static int parent_dirs(const char *file)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", file);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf) return 0;
    *slash = 0;
    return mkdirs(buf);
}

static void git_revision(char *out, size_t n)
{
    out[0] = 0;
    FILE *p = popen("git rev-parse HEAD 2>/dev/null", "r");
    if (!p) return;
    if (fgets(out, (int)n, p)) out[strcspn(out, "\n")] = 0;
    pclose(p);
}

/* ------------------------------------------------------------------ embedding cache */

/* Frozen encoders' vectors live next to the store (`<store dir>/cache/`), so reruns and
 * predict on the same store skip the encoding. A PostgreSQL store has no folder: its runs
 * keep them under the shared artifacts folder, one subfolder per host, since the cache files
 * are appended to in place (O_APPEND writes from several NFS clients can interleave badly)
 * and hold floats in the host's byte order; predict then keeps them in memory only. */
static void cache_dir_for(const char *store_path)
{
    char dir[2100];
    if (store_is_url(store_path)) {
        embcache_set_dir(NULL);
        return;
    }
    snprintf(dir, sizeof dir, "%s", store_path);
    char *slash = strrchr(dir, '/');
    if (slash) strcpy(slash + 1, "cache");
    else strcpy(dir, "cache");
    embcache_set_dir(dir);
}

/* What the embedding cache did in this run, recorded when an encoder used it. */
static int record_cache(experiment *x, char *err, size_t n)
{
    embcache_stats s = embcache_get_stats();
    if (!x->st || !x->run_id || s.hits + s.misses == 0) return XP_OK;
    char json[256];
    snprintf(json, sizeof json, "{\"hits\": %zu, \"misses\": %zu, \"stored\": %zu, \"loaded_from_disk\": %zu}",
             s.hits, s.misses, s.stored, s.loaded);
    int rc = store_record(x->st, x->run_id, "embedding_cache", json);
    if (rc) { snprintf(err, n, "recording the embedding cache record: %s", store_errmsg(x->st)); return rc; }
    host_log(&x->env, XP_LOG_INFO, "cache", "embeddings: %zu computed, %zu reused (%zu read from disk)",
             s.stored, s.hits, s.loaded);
    return XP_OK;
}

/* ------------------------------------------------------------------ interruption */

/* A safe point between stages: XP_EINTERRUPTED with the signal named once Ctrl-C or SIGTERM
 * arrived (host.c records it; nothing else happens in the handler). */
static int interrupted(char *err, size_t n)
{
    int sig = host_interrupted();
    if (!sig) return XP_OK;
    snprintf(err, n, "interrupted by %s", host_signal_name(sig));
    return XP_EINTERRUPTED;
}

/* ------------------------------------------------------------------ plugins */

static int scan(registry *reg, const char *dir, char *err, size_t n)
{
    return registry_scan(reg, dir, err, n);
}

int run_plugin_path(const xp_cfg *root, const char ***dirs, size_t *n_dirs, char *err, size_t n)
{
    *dirs = NULL;
    *n_dirs = 0;
    const xp_cfg *pp = cfg_get(root, "plugin_path");
    if (!pp || cfg_kind(pp) == XP_CFG_NULL) return XP_OK;
    if (cfg_kind(pp) != XP_CFG_SCALAR && cfg_kind(pp) != XP_CFG_LIST) {
        snprintf(err, n, "%s: plugin_path: expected a directory or a list of them", cfg_where(pp));
        return XP_ECONFIG;
    }
    size_t len = cfg_kind(pp) == XP_CFG_LIST ? cfg_len(pp) : 1;
    if (!len) return XP_OK;
    const char **out = calloc(len, sizeof *out);
    if (!out) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (size_t i = 0; i < len; i++) {
        const xp_cfg *item = cfg_kind(pp) == XP_CFG_LIST ? cfg_at(pp, i) : pp;
        if (!(out[i] = cfg_scalar(item))) {
            snprintf(err, n, "%s: expected a directory", cfg_where(item));
            free(out);
            return XP_ECONFIG;
        }
    }
    *dirs = out;
    *n_dirs = len;
    return XP_OK;
}

int run_load_plugins(registry *reg, const char *const *dirs, size_t n_dirs, const xp_cfg *root,
                     char *err, size_t n)
{
    int rc;
    for (size_t i = 0; i < n_dirs; i++) {
        /* A folder named on the command line is meant to hold plugins: a typo must not look
         * like "no plugins there" (the search path's default folders may well be absent). */
        struct stat sb;
        if (stat(dirs[i], &sb)) {
            snprintf(err, n, "--plugin-dir %s: %s", dirs[i], errno == ENOENT ? "no such directory" : strerror(errno));
            return XP_ECONFIG;
        }
        if (!S_ISDIR(sb.st_mode)) { snprintf(err, n, "--plugin-dir %s: not a directory", dirs[i]); return XP_ECONFIG; }
        if ((rc = scan(reg, dirs[i], err, n))) return rc;
    }
    const char **own = NULL;
    size_t n_own = 0;
    if ((rc = run_plugin_path(root, &own, &n_own, err, n))) return rc;
    for (size_t i = 0; i < n_own && !rc; i++) rc = scan(reg, own[i], err, n);
    free(own);
    if (rc) return rc;
    const char *env = getenv("XP_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
            if ((rc = scan(reg, d, err, n))) { free(copy); return rc; }
        free(copy);
    }
    if ((rc = scan(reg, "plugins", err, n))) return rc;
    /* The plugins built with this runner when it runs from the build tree, else the
     * installed ones. */
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        if (!strcmp(exe, XP_BUILD_CORE_DIR)) return scan(reg, XP_BUILD_PLUGIN_DIR, err, n);
    }
    return scan(reg, XP_INSTALL_PLUGIN_DIR, err, n);
}

/* ------------------------------------------------------------------ setup */

static int read_resume(const xp_cfg *root, const char **resume, char *err, size_t n);   /* search.resume */

static void report_unused(const xp_cfg *key, void *user)
{
    int *count = user;
    fprintf(stderr, "runner: %s:%d:%d: %s: unknown key (no stage reads it)\n", cfg_file(key), cfg_line(key),
            cfg_col(key), cfg_keypath(key));
    (*count)++;
}

/* A blend config (blend.c) has no model of its own: the sections that configure a model's
 * runs belong to its members' configs (a shared base may still carry them). */
static int setup_blend(experiment *x, char *err, size_t n)
{
    static const char *const member_sections[] = { "model", "search", "pipeline", "profile", "source_weights", "polish" };
    for (size_t i = 0; i < sizeof member_sections / sizeof *member_sections; i++)
        cfg_mark_used(cfg_get(x->root, member_sections[i]));
    (void)err;
    (void)n;
    return XP_OK;
}

static int setup_components(experiment *x, char *err, size_t n)
{
    const xp_cfg *root = x->root;
    int rc;
    int blend = cfg_get(root, "blend") != NULL;
    if (blend && (rc = setup_blend(x, err, n))) return rc;
    /* model */
    const xp_cfg *model = cfg_get(root, "model");
    const char *mname = NULL;
    if (!blend) {
        if (!model) { snprintf(err, n, "%s: missing required key 'model'", cfg_where(root)); return XP_ECONFIG; }
        if ((rc = cfg_read_str(model, "plugin", 1, &mname, err, n))) return rc;
        x->model = registry_find(x->reg, XP_KIND_MODEL, mname);
        if (!x->model) {
            return registry_not_found(x->reg, XP_KIND_MODEL, mname, cfg_where(cfg_get(model, "plugin")), err, n);
        }
        x->mops = x->model->ops;
    }
    /* metrics and the objective */
    const xp_cfg *ml = cfg_get(root, "metrics");
    const char *objective = NULL;
    if (cfg_kind(ml) != XP_CFG_LIST || cfg_len(ml) == 0) {
        snprintf(err, n, "%s: 'metrics' must be a non-empty list of metric plugin names", cfg_where(ml ? ml : root));
        return XP_ECONFIG;
    }
    x->n_metrics = cfg_len(ml);
    x->metrics = calloc(x->n_metrics, sizeof *x->metrics);
    if (!x->metrics) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (size_t i = 0; i < x->n_metrics; i++) {
        const char *name = cfg_scalar(cfg_at(ml, i));
        const xp_plugin *p = name ? registry_find(x->reg, XP_KIND_METRIC, name) : NULL;
        if (!p) {
            return registry_not_found(x->reg, XP_KIND_METRIC, name, cfg_where(cfg_at(ml, i)), err, n);
        }
        x->metrics[i] = (metric_ref){ p, p->ops };
    }
    objective = x->metrics[0].plugin->name;
    if ((rc = cfg_read_str(root, "objective", 0, &objective, err, n))) return rc;
    x->objective = x->n_metrics;
    for (size_t i = 0; i < x->n_metrics; i++)
        if (!strcmp(x->metrics[i].plugin->name, objective)) x->objective = i;
    if (x->objective == x->n_metrics) {
        /* `objective=rmsle` alone must work (tabular.yaml's header suggests it): an objective
         * missing from `metrics` is scored as one more metric, said once, not an error. A
         * name no metric plugin has is still one. */
        const xp_plugin *p = registry_find(x->reg, XP_KIND_METRIC, objective);
        if (!p) return registry_not_found(x->reg, XP_KIND_METRIC, objective, cfg_where(cfg_get(root, "objective")), err, n);
        metric_ref *grown = realloc(x->metrics, (x->n_metrics + 1) * sizeof *grown);
        if (!grown) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
        x->metrics = grown;
        x->metrics[x->n_metrics++] = (metric_ref){ p, p->ops };
        host_log(&x->env, XP_LOG_INFO, "metrics", "%s: objective %s is not in metrics: scored as one more",
                 cfg_where(cfg_get(root, "objective")), objective);
    }
    x->direction = x->metrics[x->objective].ops->direction;
    if (blend) return XP_OK;
    if ((rc = space_parse(&x->sp, cfg_path(root, "search.space"), err, n))) return rc;

    /* Create every stage once without data: this reads (and so validates) every key, so a
     * typo fails now, before minutes of work, and the unknown-key check below is complete. */
    pipeline p;
    rc = pipeline_create(&p, x->reg, cfg_get(root, "pipeline"), &x->env, err, n);
    pipeline_free(&p);
    if (rc) return rc;
    rc = pipeline_create(&p, x->reg, cfg_get(root, "profile"), &x->env, err, n);
    pipeline_free(&p);
    if (rc) return rc;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &x->env, x->model->name, 1);
    void *m = NULL;
    rc = x->mops->create(&ctx, model, &m);
    if (m) x->mops->destroy(m);
    if (rc) { snprintf(err, n, "model %s: %s", x->model->name, call.msg[0] ? call.msg : xp_strerror(rc)); return XP_ECONFIG; }
    const char *resume;
    if ((rc = search_check(x, err, n)) || (rc = weights_check(x, err, n)) || (rc = polish_check(x, err, n)) ||
        (rc = read_resume(root, &resume, err, n)))
        return rc;
    /* Folds trained at once: 0 = as many as there are threads (each fold then trains on one
     * thread, which wastes less of XGBoost's time in synchronisation than 2 threads on one). */
    int64_t jobs = 0;
    const xp_cfg *sc = cfg_get(root, "search");
    if ((rc = cfg_read_int(sc, "fold_jobs", 0, &jobs, err, n))) return rc;
    if (jobs < 0 || jobs > 64) { snprintf(err, n, "%s: search.fold_jobs must be in [0, 64]", cfg_where(cfg_get(sc, "fold_jobs"))); return XP_ECONFIG; }
    x->fold_jobs = jobs ? (int)jobs : host_threads(&x->env);
    /* What the core knows of a model comes from its ops table, never from its name. */
    const xp_model_ops *mo = x->mops;
    x->stop_metric = XP_OPS_HAS(mo, xp_model_ops, stop_metric) && mo->stop_key ? mo->stop_metric : NULL;
    x->stop_key = x->stop_metric ? mo->stop_key : NULL;
    x->model_file = XP_OPS_HAS(mo, xp_model_ops, model_file) && mo->model_file ? mo->model_file : "model.bin";
    x->stop_is_pass = XP_OPS_HAS(mo, xp_model_ops, flags) && (mo->flags & XP_MODEL_STOP_IS_PASS);
    if (XP_OPS_HAS(mo, xp_model_ops, flags) && (mo->flags & XP_MODEL_SERIAL_FOLDS)) {
        if (jobs > 1)
            host_log(&x->env, XP_LOG_WARN, "search", "model %s trains one fold at a time with all threads; search.fold_jobs %lld ignored",
                     x->model->name, (long long)jobs);
        x->fold_jobs = 1;
    }
    /* Paths in the search space must exist in the config (or be added with a '+' override):
     * a trial writes its value there, and a misspelt path would be "tuned" while no stage
     * ever reads it. */
    const xp_cfg *space_node = cfg_path(root, "search.space");
    for (size_t i = 0; i < x->sp.n; i++) {
        const xp_cfg *target = cfg_path(root, x->sp.params[i].name);
        if (!target) {
            snprintf(err, n, "%s: search.space: '%s' is no key of the config (misspelt? a key the config does not "
                     "set yet needs it first, e.g. the override +%s=VALUE)",
                     cfg_where(cfg_at(space_node, i)), x->sp.params[i].name, x->sp.params[i].name);
            return XP_ECONFIG;
        }
        cfg_mark_used(target);
    }
    return XP_OK;
}

/* ------------------------------------------------------------------ final prediction */

/* validation.final: refit (one model on all dev rows, the default) or folds (the best
 * configuration's k fold models, their test predictions averaged); validation.final_space:
 * log (average log1p of the predictions, what RMSLE scores) or raw. */
static int read_final(experiment *x, const xp_cfg *root, char *err, size_t n)
{
    const xp_cfg *v = cfg_get(root, "validation");
    const char *final = "refit", *space = "log";
    int rc;
    if ((rc = cfg_read_str(v, "final", 0, &final, err, n)) || (rc = cfg_read_str(v, "final_space", 0, &space, err, n)))
        return rc;
    if (strcmp(final, "refit") && strcmp(final, "folds")) {
        snprintf(err, n, "%s: validation.final must be refit or folds, got '%s'", cfg_where(cfg_get(v, "final")), final);
        return XP_ECONFIG;
    }
    if (strcmp(space, "log") && strcmp(space, "raw")) {
        snprintf(err, n, "%s: validation.final_space must be log or raw, got '%s'", cfg_where(cfg_get(v, "final_space")), space);
        return XP_ECONFIG;
    }
    x->final_folds = !strcmp(final, "folds");
    x->final_log = !strcmp(space, "log");
    return XP_OK;
}

/* ------------------------------------------------------------------ study identity */

/* Keys that do not change what a trial measures (budget, where files are, stages after the
 * search, how many threads): a study's trials stay comparable when only these change. The
 * data is identified by content (data_identity), not by path. */
static const char *const identity_free_keys[] = {
    "name", "store", "threads", "plugin_path", "profile", "polish", "search.trials", "search.timeout",
    "search.fold_jobs", "search.resume", "validation.random_split_check", "validation.final", "validation.final_space", "validation.final_top", "validation.refit_seeds", "validation.calibrate", "data.path", "data.test_path", "data.images",
};

static int config_identity(const xp_cfg *root, char sha[65], char *err, size_t n)
{
    xp_cfg *c = cfg_clone(root);
    if (!c) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (size_t i = 0; i < sizeof identity_free_keys / sizeof *identity_free_keys; i++) {
        char op[128];
        snprintf(op, sizeof op, "~%s", identity_free_keys[i]);
        if (cfg_path(c, identity_free_keys[i]) && cfg_override(c, op, err, n)) { cfg_free(c); return XP_ECONFIG; }
    }
    char *yaml = cfg_to_yaml(c);
    cfg_free(c);
    if (!yaml) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    sha256_hex(yaml, strlen(yaml), sha);
    free(yaml);
    return XP_OK;
}

/* sha256 over the data files' own sha256s (training file, then the given test file). */
static int data_identity(const xp_cfg *root, char sha[65], char *err, size_t n)
{
    const xp_cfg *data = cfg_get(root, "data");
    const char *paths[2] = { NULL, NULL };
    int rc;
    if ((rc = cfg_read_str(data, "path", 1, &paths[0], err, n)) || (rc = cfg_read_str_or_null(data, "test_path", &paths[1], err, n)))
        return rc;
    char text[160] = "";
    for (int i = 0; i < 2 && paths[i]; i++) {
        char one[65];
        if (sha256_file_hex(paths[i], one)) { snprintf(err, n, "%s: cannot read: %s", paths[i], strerror(errno)); return XP_EIO; }
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", i ? "\n" : "", one);
    }
    sha256_hex(text, strlen(text), sha);
    return XP_OK;
}

/* Rerunning a study resumes it: its finished trials count toward the budget and feed the
 * sampler. That is only true when they measured the same thing, so the study records the
 * config's and the data's identity, and a run with other ones is refused (search.resume:
 * force continues anyway and records the new identity). A study without a record (written by
 * an older runner) adopts this run's. */
static int read_resume(const xp_cfg *root, const char **resume, char *err, size_t n)
{
    const xp_cfg *sc = cfg_get(root, "search");
    *resume = "check";
    int rc = cfg_read_str(sc, "resume", 0, resume, err, n);
    if (!rc && strcmp(*resume, "check") && strcmp(*resume, "force")) {
        snprintf(err, n, "%s: search.resume must be check or force", cfg_where(cfg_get(sc, "resume")));
        rc = XP_ECONFIG;
    }
    return rc;
}

static int study_identity_check(experiment *x, const char *store_path, char *err, size_t n)
{
    const char *resume;
    int rc = read_resume(x->root, &resume, err, n);
    if (rc) return rc;
    static const char *const keys[2] = { "xp_config_sha256", "xp_data_sha256" };
    static const char *const what[2] = { "config", "data" };
    char now[2][65], json[2][80], *old[2] = { NULL, NULL };
    if ((rc = config_identity(x->root, now[0], err, n)) || (rc = data_identity(x->root, now[1], err, n))) return rc;
    store_trial *t = NULL;
    size_t n_trials = 0;
    if (store_trials_load(x->st, x->study_id, NULL, 0, &t, &n_trials)) {
        snprintf(err, n, "%s", store_errmsg(x->st));
        return XP_EIO;
    }
    store_trials_free(t, n_trials);
    char diff[1024] = "";
    for (int i = 0; i < 2; i++) {
        snprintf(json[i], sizeof json[i], "\"%s\"", now[i]);
        int grc = store_study_attr_get(x->st, x->study_id, keys[i], &old[i]);
        if (grc && grc != XP_ENOTFOUND) { snprintf(err, n, "%s", store_errmsg(x->st)); rc = XP_EIO; goto out; }
        if (old[i] && strcmp(old[i], json[i]))
            snprintf(diff + strlen(diff), sizeof diff - strlen(diff), "%s%s sha256 %.66s recorded, %s now",
                     diff[0] ? "; " : "", what[i], old[i], json[i]);
    }
    if (diff[0] && n_trials && strcmp(resume, "force")) {
        snprintf(err, n,
                 "study '%s' in %s holds %zu finished trials of another config or data (%s; the config's identity "
                 "leaves out the budget, paths and threads): resuming would count them toward the budget and mix "
                 "them into the search. Use another study name (name=...), or set search.resume: force "
                 "(+search.resume=force) to continue it anyway",
                 x->name, store_path, n_trials, diff);
        rc = XP_ECONFIG;
        goto out;
    }
    if (diff[0] && n_trials)
        host_log(&x->env, XP_LOG_WARN, "search", "search.resume: force: study '%s' continues with another config or data (%s)",
                 x->name, diff);
    for (int i = 0; i < 2; i++)
        if ((!old[i] || strcmp(old[i], json[i])) && store_study_attr(x->st, x->study_id, keys[i], json[i])) {
            snprintf(err, n, "recording the study's %s identity: %s", what[i], store_errmsg(x->st));
            rc = XP_EIO;
            goto out;
        }
out:
    free(old[0]);
    free(old[1]);
    return rc;
}

/* ------------------------------------------------------------------ refit and test */

/* row,target,prediction[,source]: the source column (when the config names one) lets
 * `runner report` show residuals by source without reading the data again. */
static int write_predictions(const char *path, const experiment *x, const xp_frame *test, const double *y,
                             const double *pred)
{
    int *src = source_codes(x, test);   /* NULL: no source column */
    FILE *f = fopen(path, "w");
    if (!f) { free(src); return -1; }
    /* Input-file order: test rows were taken in ascending row order, but sort to be sure. */
    size_t n = test->n_rows;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx) { fclose(f); free(src); return -1; }
    for (size_t i = 0; i < n; i++) idx[i] = i;
    for (size_t i = 1; i < n; i++) {   /* insertion sort: already sorted in practice */
        size_t v = idx[i], j = i;
        while (j > 0 && test->row_id[idx[j - 1]] > test->row_id[v]) { idx[j] = idx[j - 1]; j--; }
        idx[j] = v;
    }
    fprintf(f, "row,target,prediction%s\n", src ? ",source" : "");
    for (size_t i = 0; i < n; i++) {
        size_t r = idx[i];
        if (isnan(pred[r])) fprintf(f, "%lld,%.17g,", (long long)test->row_id[r], y[r]);
        else fprintf(f, "%lld,%.17g,%.17g", (long long)test->row_id[r], y[r], pred[r]);
        if (src && src[r] >= 0) fprintf(f, ",%d\n", src[r]);
        else fprintf(f, "%s\n", src ? "," : "");
    }
    free(idx);
    free(src);
    return fclose(f);
}

/* The dev rows' out-of-fold predictions, in the test predictions' format (an empty
 * prediction where no fold predicted the row). */
static int write_oof(const char *path, const experiment *x, const xp_frame *dev, const xp_column *target,
                     const double *oof)
{
    double *y = malloc((dev->n_rows ? dev->n_rows : 1) * sizeof *y);
    if (!y) { errno = ENOMEM; return -1; }
    for (size_t i = 0; i < dev->n_rows; i++) y[i] = col_value(target, i);
    int rc = write_predictions(path, x, dev, y, oof);
    free(y);
    return rc;
}

typedef struct test_result {
    double *values;              /* n_metrics */
} test_result;

/* Scores the test part once: every metric overall, then per source (a source with fewer
 * than 2 rows, or on which a metric fails, e.g. MAPE with y = 0, is skipped), into the store. */
int test_metrics_store(experiment *x, const xp_frame *test, const double *y, const double *pred,
                       double *values, char *err, size_t n)
{
    int rc = metrics_compute(x, y, pred, test->n_rows, values, err, n);
    if (rc) return rc;
    for (size_t m = 0; m < x->n_metrics; m++)
        if ((rc = store_metric(x->st, x->run_id, -1, -1, "test", -1, x->metrics[m].plugin->name, values[m]))) {
            snprintf(err, n, "recording the test %s: %s", x->metrics[m].plugin->name, store_errmsg(x->st));
            return rc;
        }
    int *src = source_codes(x, test);
    if (!src) return XP_OK;
    int max_src = -1;
    for (size_t i = 0; i < test->n_rows; i++) if (src[i] > max_src) max_src = src[i];
    double *ys = malloc((test->n_rows ? test->n_rows : 1) * sizeof *ys);
    double *ps = malloc((test->n_rows ? test->n_rows : 1) * sizeof *ps);
    double *vals = calloc(x->n_metrics, sizeof *vals);
    int wrc = XP_OK;   /* a failed write of a per-source score */
    for (int s = 0; ys && ps && vals && !wrc && s <= max_src; s++) {
        size_t m = 0;
        for (size_t i = 0; i < test->n_rows; i++)
            if (src[i] == s) { ys[m] = y[i]; ps[m] = pred[i]; m++; }
        if (m < 2) continue;
        char e2[512];
        if (metrics_compute(x, ys, ps, m, vals, e2, sizeof e2)) continue;
        for (size_t k = 0; k < x->n_metrics && !wrc; k++)
            if ((wrc = store_metric(x->st, x->run_id, -1, -1, "test", s, x->metrics[k].plugin->name, vals[k])))
                snprintf(err, n, "recording the test %s of source %d: %s", x->metrics[k].plugin->name, s, store_errmsg(x->st));
    }
    rc = wrc ? wrc : ys && ps && vals ? XP_OK : XP_ENOMEM;
    if (rc == XP_ENOMEM) snprintf(err, n, "out of memory");
    free(ys); free(ps); free(vals); free(src);
    return rc;
}

/* The files a finished run leaves for `runner predict`, `runner report` and blends: the test
 * predictions, the out-of-fold predictions of the final configuration and that configuration
 * (predict needs it: a run without it is not complete). */
static int write_run_artifacts(experiment *x, xp_ctx *ctx, const xp_cfg *cfg, const char *artifact_dir,
                               const double *y, const double *pred, char *err, size_t n)
{
    char path[4096];
    int rc;
    snprintf(path, sizeof path, "%s/test_predictions.csv", artifact_dir);
    if (write_predictions(path, x, x->test, y, pred)) {
        snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
        return XP_EIO;
    }
    if ((rc = host_table.artifact(ctx, path, "test_predictions"))) return rc;
    if (x->oof_best) {
        /* The final configuration's out-of-fold predictions on the dev rows: what a blend
         * fits its weights on, and what `runner report` can plot. */
        const xp_column *dt = frame_role(x->dev, XP_ROLE_TARGET);
        snprintf(path, sizeof path, "%s/oof_predictions.csv", artifact_dir);
        if (!dt || write_oof(path, x, x->dev, dt, x->oof_best)) {
            snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
            return XP_EIO;
        }
        if ((rc = host_table.artifact(ctx, path, "oof_predictions"))) return rc;
    }
    snprintf(path, sizeof path, "%s/config.yaml", artifact_dir);
    char *yaml = cfg_to_yaml(cfg);
    if (!yaml) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    FILE *f = fopen(path, "w");
    int ok = f && fputs(yaml, f) != EOF, werr = errno;
    if (f && fclose(f) && ok) ok = 0, werr = errno;   /* a full disk shows at fclose */
    free(yaml);
    if (!ok) {
        snprintf(err, n, "%s: cannot write the refit config: %s", path, strerror(werr));
        return XP_EIO;
    }
    return host_table.artifact(ctx, path, "refit_config");
}

static double *test_targets(const experiment *x, char *err, size_t n)
{
    const xp_column *tcol = frame_role(x->test, XP_ROLE_TARGET);
    double *y = malloc((x->test->n_rows ? x->test->n_rows : 1) * sizeof *y);
    if (!y || !tcol) { free(y); snprintf(err, n, "out of memory"); return NULL; }
    for (size_t i = 0; i < x->test->n_rows; i++) y[i] = col_value(tcol, i);
    return y;
}

/* validation.final: folds — the best configuration's fold models (kept from its evaluation)
 * have predicted the test part through their folds' pipelines; their average is scored
 * once and each model is saved as fold<k>_<model file> (artifact fold<k>_model) for `runner predict`. No model is
 * trained here. */
static int fold_models_test(experiment *x, const xp_cfg *cfg, const char *artifact_dir, test_result *tr,
                            char *err, size_t n)
{
    host_log(&x->env, XP_LOG_INFO, "final", "the test part is the average of the best configuration's %d fold models (%s space); no refit",
             x->folds, x->final_log ? "log1p" : "raw");
    double *y = test_targets(x, err, n);
    if (!y) return XP_ENOMEM;
    int rc = XP_ENOMEM;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &x->env, x->model->name, 0xF1F1);
    call.split = "final";
    char json[256];
    snprintf(json, sizeof json, "{\"mode\": \"folds\", \"space\": \"%s\", \"models\": %d}", x->final_log ? "log" : "raw", x->folds);
    if ((rc = store_record(x->st, x->run_id, "final", json))) {
        snprintf(err, n, "recording how the test part was predicted: %s", store_errmsg(x->st));
        goto out;
    }
    if (!(tr->values = calloc(x->n_metrics, sizeof *tr->values))) { snprintf(err, n, "out of memory"); rc = XP_ENOMEM; goto out; }
    if ((rc = calibrate_final(x, x->test_best, x->test->n_rows, artifact_dir, err, n)) ||
        (rc = test_metrics_store(x, x->test, y, x->test_best, tr->values, err, n)))
        goto out;
    if (artifact_dir) {
        if (!x->mops->save || !x->mops->load) {
            snprintf(err, n, "validation.final: folds: model plugin %s cannot save and load models, which `runner predict` needs",
                     x->model->name);
            rc = XP_ECONFIG;
            goto out;
        }
        for (int f = 0; f < x->folds; f++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/fold%d_%s", artifact_dir, f, x->model_file);
            char kind[32];
            snprintf(kind, sizeof kind, "fold%d_model", f);
            if ((rc = x->mops->save(&ctx, x->models_best[f], path)) || (rc = host_table.artifact(&ctx, path, kind)))
                goto model_err;
        }
        if ((rc = write_run_artifacts(x, &ctx, cfg, artifact_dir, y, x->test_best, err, n))) {
            if (!err[0]) goto model_err;
            goto out;
        }
    }
    rc = XP_OK;
    goto out;
model_err:
    snprintf(err, n, "saving the fold models of %s: %s", x->model->name, call.msg[0] ? call.msg : xp_strerror(rc));
out:
    free(y);
    return rc;
}

/* All dev rows are k/(k-1) times a fold's training rows: the rounds found by early stopping
 * on the folds, scaled accordingly (the usual rule for refitting without a validation set),
 * set in cfg. A step that is a pass over the data (an epoch) already takes k/(k-1) more
 * updates on all rows, so it is kept as it is. */
static int set_refit_rounds(experiment *x, xp_cfg *cfg, double rounds, char *v, size_t nv, char *err, size_t n)
{
    v[0] = 0;
    if (isnan(rounds) || !x->stop_key) return XP_OK;
    double scale = x->stop_is_pass ? 1.0 : x->folds / (x->folds - 1.0);
    snprintf(v, nv, "%lld", (long long)llround((rounds + 1) * scale));
    char key[256];
    snprintf(key, sizeof key, "model.%s", x->stop_key);
    return cfg_set(cfg, key, v, err, n);
}

/* Refits best_cfg (the best trial's configuration, polished or not) on all dev rows and
 * scores the test part once, or (validation.final: folds) scores the average of its fold
 * models. rounds: the mean early-stopping round on the folds, NaN if unknown (best trial
 * from an earlier run without polish: derived again here). search_best and final_cv: the
 * search's best trial and the CV of best_cfg, for validation.final_top (final_top.c), whose
 * runners-up are refitted beside it and averaged. */
static int refit_and_test(experiment *x, const xp_cfg *best_cfg, double rounds, int have_best, int64_t best_number,
                          int64_t search_best, double final_cv, const char *artifact_dir, test_result *tr, char *err,
                          size_t n)
{
    int rc;
    int need_rounds = isnan(rounds) && have_best && x->stop_metric && !x->final_folds;
    if (need_rounds || !x->oof_best || (x->final_folds && (!x->models_best || !x->test_best))) {
        /* The best trial ran in an earlier process (a resumed study): its folds again, for
         * the early-stopping rounds, the out-of-fold predictions and the fold models. */
        eval_result r;
        x->replay_stream = best_number + 1;   /* -1 (a polished point): polish's own streams */
        rc = folds_evaluate_cfg(x, x->fd, x->folds, best_cfg, -1, "valid", NULL, NULL, &r, err, n);
        x->replay_stream = 0;
        if (rc) { eval_result_free(&r); return rc; }
        if (need_rounds) rounds = r.mean_best_iteration;
        eval_result_keep_best(x, &r);
        eval_result_free(&r);
    }
    if (x->final_folds) return fold_models_test(x, best_cfg, artifact_dir, tr, err, n);
    xp_cfg *cfg = cfg_clone(best_cfg);
    if (!cfg) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    char v[64];
    if ((rc = set_refit_rounds(x, cfg, rounds, v, sizeof v, err, n))) { cfg_free(cfg); return rc; }
    if (v[0])
        host_log(&x->env, XP_LOG_INFO, "refit", "training on all %zu dev rows with %s = %s (early stopping on the folds)",
                 x->dev->n_rows, x->stop_key, v);
    final_member *top = NULL;
    int n_top = 0;
    if ((rc = final_top_members(x, have_best ? search_best : -1, final_cv, &top, &n_top, err, n))) { cfg_free(cfg); return rc; }
    for (int i = 0; i < n_top && !rc; i++) rc = set_refit_rounds(x, top[i].cfg, top[i].rounds, v, sizeof v, err, n);
    if (!rc && x->final_top > 1) {   /* predict reads how many models to average from the saved
                                       * config: the count made, which may be fewer than asked */
        snprintf(v, sizeof v, "%d", n_top + 1);
        rc = cfg_set(cfg, "validation.final_top", v, err, n);
    }
    if (rc) { final_top_free(top, n_top); cfg_free(cfg); return rc; }
    /* validation.refit_seeds: S refits of each of the K configurations, model k's replica r at
     * models[r * K + k]; replica 0 of each is the model a run without it makes. */
    int n_cfg = n_top + 1, n_seeds = x->refit_seeds > 1 ? x->refit_seeds : 1, n_models = n_cfg * n_seeds;
    xp_frame *dev = frame_copy(x->dev), *test = frame_copy(x->test);
    double *y = NULL, *pred = NULL, *acc = NULL, *all = NULL;
    void *dprep = NULL, *tprep = NULL, *model = NULL;
    void **models = calloc((size_t)n_models, sizeof *models);   /* [0] = model, then the runners-up */
    pipeline p = { 0 };
    rc = XP_ENOMEM;
    if (!dev || !test || !models) { snprintf(err, n, "out of memory"); goto out; }
    y = test_targets(x, err, n);
    size_t ntr = test->n_rows ? test->n_rows : 1;
    pred = malloc(ntr * sizeof *pred);
    all = malloc((size_t)n_models * ntr * sizeof *all);
    if (!y || !pred || !all || (n_models > 1 && !(acc = calloc(ntr, sizeof *acc)))) {
        snprintf(err, n, "out of memory");
        goto out;
    }
    if ((rc = pipeline_create(&p, x->reg, cfg_get(x->root, "pipeline"), &x->env, err, n)) ||
        (rc = pipeline_fit(&p, dev, err, n)) || (rc = pipeline_apply(&p, test, err, n)) ||
        (rc = weights_apply(x, dev, err, n)))
        goto out;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &x->env, x->model->name, 0xF1F1);
    call.split = "refit";
    /* Created in order on this stream (the draws a model takes at creation, e.g. XGBoost's
     * seed, are the ones it took when the refits ran one by one; the replicas of
     * validation.refit_seeds after all first ones, so those stay what a run without it
     * draws), then fitted fold_jobs at once (refit.h). validation.final_top: the runners-up
     * on the same rows, each saved as top<i>_<model file>, a replica r as [top<i>_]seed<r>_...;
     * all predictions averaged in the final space. */
    if (x->mops->prepare && ((rc = x->mops->prepare(&ctx, dev, &dprep)) || (rc = x->mops->prepare(&ctx, test, &tprep))))
        goto model_err;
    for (int i = 0; i < n_models; i++) {
        int m = i % n_cfg;
        if ((rc = x->mops->create(&ctx, cfg_get(m ? top[m - 1].cfg : cfg, "model"), &models[i]))) goto model_err;
    }
    model = models[0];
    for (int m = 0; m < n_top; m++)
        host_log(&x->env, XP_LOG_INFO, "refit", "final_top: trial %lld (CV %.6g) on all dev rows too",
                 (long long)top[m].number, top[m].cv);
    if (n_seeds > 1)
        host_log(&x->env, XP_LOG_INFO, "refit", "refit_seeds: each of the %d configuration(s) refitted %d times, "
                 "%d models averaged", n_cfg, n_seeds, n_models);
    if ((rc = refit_models(x, dev, test, dprep, tprep, models, n_models, all, err, n))) goto out;
    for (int i = 0; i < n_models; i++)
        if ((rc = pipeline_inverse(&p, all + (size_t)i * ntr, test->n_rows, err, n))) goto out;
    /* A replica that predicts exactly as its first one adds nothing: the model's seed is
     * fixed in its config, or it draws nothing at random. Said, and recorded. */
    int identical = n_seeds > 1 && test->n_rows && !memcmp(all, all + (size_t)n_cfg * ntr, test->n_rows * sizeof *all);
    if (identical)
        host_log(&x->env, XP_LOG_WARN, "refit",
                 "validation.refit_seeds: %d: the replicas predict exactly as the first refit (a seed fixed in the "
                 "model's config, e.g. model.params.seed, or a model that draws nothing at random): the average is "
                 "that of identical models", n_seeds);
    memcpy(pred, all, test->n_rows * sizeof *pred);
    int top_log = final_top_logspace(x);
    for (int i = 0; i < n_models && n_models > 1; i++) {
        for (size_t r = 0; r < test->n_rows; r++) acc[r] += pred_to_space(top_log, all[(size_t)i * ntr + r]);
        if (i && artifact_dir && x->mops->save) {
            char path[4096], kind[48];
            final_model_kind(i % n_cfg, i / n_cfg, kind, sizeof kind);
            snprintf(path, sizeof path, "%s/%.*s_%s", artifact_dir, (int)(strlen(kind) - strlen("_model")), kind,
                     x->model_file);
            if ((rc = x->mops->save(&ctx, models[i], path)) || (rc = host_table.artifact(&ctx, path, kind))) goto model_err;
        }
    }
    for (size_t r = 0; n_models > 1 && r < test->n_rows; r++) pred[r] = pred_from_space(top_log, acc[r] / n_models);
    if ((rc = calibrate_final(x, pred, test->n_rows, artifact_dir, err, n))) goto out;
    tr->values = calloc(x->n_metrics, sizeof *tr->values);
    if (!tr->values) { rc = XP_ENOMEM; goto out; }
    char final_json[160];
    snprintf(final_json, sizeof final_json,
             "{\"mode\": \"refit\", \"models\": %d, \"configurations\": %d, \"seeds\": %d, \"replicas_identical\": %s}",
             n_models, n_cfg, n_seeds, identical ? "true" : "false");
    if ((rc = store_record(x->st, x->run_id, "final", final_json))) {
        snprintf(err, n, "recording how the test part was predicted: %s", store_errmsg(x->st));
        goto out;
    }
    if ((rc = test_metrics_store(x, test, y, pred, tr->values, err, n))) goto out;
    if (artifact_dir) {
        char path[4096];
        if (x->mops->save) {
            snprintf(path, sizeof path, "%s/%s", artifact_dir, x->model_file);
            if ((rc = x->mops->save(&ctx, model, path))) goto model_err;
            if ((rc = host_table.artifact(&ctx, path, "model"))) goto model_err;
        }
        if ((rc = write_run_artifacts(x, &ctx, cfg, artifact_dir, y, pred, err, n))) {
            if (!err[0]) goto model_err;
            goto out;
        }
    }
    rc = XP_OK;
    goto out;
model_err:
    snprintf(err, n, "refit %s: %s", x->model->name, call.msg[0] ? call.msg : xp_strerror(rc));
out:
    for (int i = 0; models && i < n_models; i++)
        if (models[i]) x->mops->destroy(models[i]);
    free(models);
    final_top_free(top, n_top);
    free(acc);
    free(all);
    if (x->mops->release) {
        if (dprep) x->mops->release(dprep);
        if (tprep) x->mops->release(tprep);
    }
    pipeline_free(&p);
    frame_free(dev);
    frame_free(test);
    free(y);
    free(pred);
    cfg_free(cfg);
    return rc;
}

/* ------------------------------------------------------------------ the run */

static void print_summary(const experiment *x, const search_outcome *so, const double *polished_cv,
                          const double *random_cv, const test_result *tr)
{
    printf("study %s  run %lld\n", x->name, (long long)x->run_id);
    printf("trials: %d complete, %d pruned, %d failed this run (%d started)\n", so->n_complete, so->n_pruned,
           so->n_failed, so->n_run_here);
    if (so->best_number >= 0)
        printf("best trial %lld: CV %s = %.6g\n", (long long)so->best_number, x->metrics[x->objective].plugin->name,
               so->best_value);
    for (size_t i = 0; i < x->sp.n && so->best_params; i++) {
        char v[256];
        space_value_text(&x->sp, i, so->best_params[i], v, sizeof v);
        printf("  %s = %s\n", x->sp.params[i].name, v);
    }
    if (polished_cv)
        printf("polished (see the polish section of the config): CV %s = %.6g, used for the final model\n",
               x->metrics[x->objective].plugin->name, *polished_cv);
    if (random_cv && !isnan(*random_cv))
        printf("random-split CV %s would claim %.6g (grouped: %.6g)\n", x->metrics[x->objective].plugin->name,
               *random_cv, so->best_value);
    if (tr->values) {
        printf("test (%zu rows, scored once):", x->test->n_rows);
        for (size_t m = 0; m < x->n_metrics; m++) printf("  %s=%.6g", x->metrics[m].plugin->name, tr->values[m]);
        if (x->final_folds) printf("  (mean of %d fold models, %s space)", x->folds, x->final_log ? "log1p" : "raw");
        printf("\n");
    }
}

/* ------------------------------------------------------------------ shared studies */

/* A URL with a password is recorded (xp_runs.config_yaml) and printed without it: the config
 * text lives in the very database the password protects, and in logs. *shown is the URL as
 * messages show it, borrowed from the config. */
static int hide_password(xp_cfg *root, const char *url, const char **shown, char *err, size_t n)
{
    char *safe = store_display_path(url);
    if (!safe) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    int rc = XP_OK;
    if (strcmp(safe, url) != 0) rc = cfg_set(root, "store.url", safe, err, n);
    free(safe);
    if (!rc) rc = cfg_read_str(cfg_get(root, "store"), "url", 1, shown, err, n);
    return rc;
}

/* store.artifacts of a PostgreSQL store, created and made absolute: the paths recorded in the
 * database are opened by workers and `runner predict` on other hosts (mounted at one path). */
static int shared_folder(const char *dir, char *out, size_t n, char *err, size_t errn)
{
    char *abs = NULL;
    if (mkdirs(dir) || !(abs = realpath(dir, NULL))) {
        snprintf(err, errn, "store.artifacts %s: cannot create or resolve it: %s", dir, strerror(errno));
        return XP_EIO;
    }
    if (snprintf(out, n, "%s", abs) >= (int)n) {
        snprintf(err, errn, "store.artifacts %s: path too long", abs);
        free(abs);
        return XP_EINVAL;
    }
    free(abs);
    return XP_OK;
}

/* Another runner of the study refits its best trial (store_refit_claim): this run searched
 * only. It says so, is recorded as such (record 'search_only', which `runner report` and
 * blends skip when they look for the study's latest result) and ends COMPLETE. */
static int search_only_end(experiment *x, const search_outcome *so, int64_t by, int64_t running, double wall,
                           double cpu, char *err, size_t n)
{
    char json[96], who[160];
    if (by >= 0) {
        snprintf(json, sizeof json, "{\"refit_by_run\": %lld}", (long long)by);
        snprintf(who, sizeof who, "the study's best trial over these trials is refitted and tested by run %lld "
                 "(see its summary; runner predict --run %lld)", (long long)by, (long long)by);
    } else {
        snprintf(json, sizeof json, "{\"refit_by\": \"last runner\", \"running_run\": %lld}", (long long)running);
        snprintf(who, sizeof who, "run %lld is still running a trial: the runner that finishes last refits and tests the "
                 "study's best trial", (long long)running);
    }
    if (store_record(x->st, x->run_id, "search_only", json) ||
        store_run_end(x->st, x->run_id, "COMPLETE", wall, cpu)) {
        snprintf(err, n, "recording the end of run %lld: %s", (long long)x->run_id, store_errmsg(x->st));
        return XP_EIO;
    }
    printf("study %s  run %lld: search only (the study is shared with other runners)\n", x->name, (long long)x->run_id);
    printf("trials: %d complete, %d pruned, %d failed this run (%d started)\n", so->n_complete, so->n_pruned,
           so->n_failed, so->n_run_here);
    printf("%s\n", who);
    return XP_OK;
}

/* The training file exactly as this run read it, kept for `runner predict` (artifact
 * train_data): predict fits the transforms on the dev rows again, and must take them from
 * what the run saw, not from whatever sits at data.path today (edited or deleted since).
 * Stored once per content as <artifacts>/<store file>/data/<sha256>.csv, shared by every run
 * on the same bytes. pre_sha is the file's sha256 taken before data_setup read it: the copy
 * must hash the same, or the file changed while the run was reading it.
 * The images image encoders (step 2) read are kept as they are read (inputs.c, save_inputs).
 * Not kept: the given test file (data.test_path), which predict does not need. */
static int snapshot_train_data(experiment *x, const char *data_dir, const char *pre_sha, char *err, size_t n)
{
    const char *path = NULL;
    int rc = cfg_read_str(cfg_get(x->root, "data"), "path", 1, &path, err, n);
    if (rc) return rc;
    char sha[65], *copy = NULL;
    if ((rc = store_artifact_snapshot(x->st, x->run_id, path, data_dir, "train_data", &copy, sha))) {
        snprintf(err, n, "keeping the training file for predict: %s", store_errmsg(x->st));
        return rc;
    }
    if (pre_sha[0] && strcmp(pre_sha, sha)) {
        snprintf(err, n, "%s changed while the run was reading it (sha256 %s before loading, %s when copied to %s): "
                 "run again once the file is final", path, pre_sha, sha, copy);
        rc = XP_EIO;
    }
    free(copy);
    return rc;
}

/* The images (any file a plugin reads beside the data file) this run read, for `runner
 * predict`: each was copied once into <artifacts>/<store file>/images/<sha256><ext> as it was
 * read (inputs.c); here the list — folder as configured, name, bytes, sha256, copy — is
 * written as run_N/input_files.tsv and recorded as artifact input_files, with a record of
 * the cost. A run whose plugins listed no folder keeps none. */
static int save_inputs(experiment *x, inputs *in, const char *artifact_dir, char *err, size_t n)
{
    if (!inputs_folders(in)) return XP_OK;
    char path[2400];
    size_t files = 0, bytes = 0, copied = 0;
    double cpu = 0;
    snprintf(path, sizeof path, "%s/input_files.tsv", artifact_dir);
    int rc = inputs_save(in, path, &files, &bytes, &copied, &cpu, err, n);
    if (rc) return rc;
    if ((rc = store_artifact(x->st, x->run_id, path, NULL, "input_files"))) {
        snprintf(err, n, "recording the input files manifest: %s", store_errmsg(x->st));
        return rc;
    }
    char json[200];
    snprintf(json, sizeof json, "{\"files\": %zu, \"bytes\": %zu, \"copied\": %zu, \"cpu_seconds\": %.3f}", files, bytes,
             copied, cpu);
    if ((rc = store_record(x->st, x->run_id, "input_files", json))) {
        snprintf(err, n, "recording the input files record: %s", store_errmsg(x->st));
        return rc;
    }
    host_log(&x->env, XP_LOG_INFO, "inputs", "kept the %zu image file%s the encoders read (%.1f MB, %zu copied now, "
             "the rest already there) for predict: %s (%.2f CPU s hashing and copying)", files, files == 1 ? "" : "s",
             (double)bytes / 1e6, copied, path, cpu);
    return XP_OK;
}

int run_experiment(xp_cfg *root, registry *reg, const run_options *opt)
{
    experiment X = { 0 }, *x = &X;
    char err[4096] = "";
    int rc = XP_OK, exit_code = 1;
    double t0 = now_s(), c0 = cpu_s();
    x->root = root;
    x->reg = reg;
    x->config_path = opt->config_path;
    x->env.root = root;
    x->env.verbosity = opt->verbosity;
    x->name = "default";
    int64_t seed = 42, threads = 0;
    const char *store_path = "experiments/experiments.db", *artifacts = NULL;
    store_cfg scfg;
    int random_check = 1;
    char **member_paths = NULL, **member_studies = NULL, folds_sha[65] = "";
    size_t n_members = 0;
    inputs *recorder = NULL;   /* the files plugins read beside the data: save_inputs */
    if ((rc = cfg_read_str(root, "name", 0, &x->name, err, sizeof err)) ||
        (rc = cfg_read_int(root, "seed", 0, &seed, err, sizeof err)) ||
        (rc = cfg_read_int(root, "threads", 0, &threads, err, sizeof err)) ||
        (rc = store_cfg_read(root, &scfg, err, sizeof err)) ||
        (rc = cfg_read_bool(cfg_get(root, "validation"), "random_split_check", 0, &random_check, err, sizeof err)) ||
        (rc = read_final(x, root, err, sizeof err)) || (rc = final_top_read(x, root, err, sizeof err)) ||
        (rc = calibrate_read(x, root, err, sizeof err)))
        goto config_error;
    store_path = scfg.target;
    artifacts = scfg.artifacts;
    cfg_get(root, "plugin_path");   /* read by run_load_plugins */
    /* From here on Ctrl-C and SIGTERM stop the run at the next safe point, with the record
     * kept true (trial FAIL, run INTERRUPTED) instead of killing it mid-write. */
    if (!opt->check_only) host_interrupt_install();
    x->env.seed = (uint64_t)seed;
    x->env.threads = (int)threads;
    if (cfg_get(root, "blend")) {
        /* The members first, each a full run of its own study; then this run blends them. */
        int run_them = 1, jobs = 0;
        if ((rc = blend_members(root, &member_paths, &n_members, &run_them, &jobs, err, sizeof err))) goto config_error;
        run_options mo = *opt;
        mo.run_members = opt->run_members && run_them;
        if ((rc = blend_run_members(root, member_paths, n_members, reg, &mo, jobs, (int)threads, &member_studies, err,
                                    sizeof err))) {
            if (rc == XP_ECONFIG) goto config_error;
            goto fail_early;
        }
    }
    if ((rc = setup_components(x, err, sizeof err))) goto config_error;
    char pre_sha[65] = "";   /* the training file before it is read: see snapshot_train_data */
    if (!opt->check_only && !n_members) {
        const char *dpath = NULL;
        if (!cfg_read_str_or_null(cfg_get(root, "data"), "path", &dpath, err, sizeof err) && dpath &&
            sha256_file_hex(dpath, pre_sha))
            pre_sha[0] = 0;   /* unreadable: data_setup says so */
        err[0] = 0;
    }
    if ((rc = data_setup(x, err, sizeof err))) {
        if (rc == XP_ECONFIG) goto config_error;
        goto fail_early;
    }
    if ((rc = calibrate_check(x, err, sizeof err))) goto config_error;
    {
        int unknown = 0;
        cfg_unused(root, report_unused, &unknown);
        if (unknown) { snprintf(err, sizeof err, "%d unknown config key%s", unknown, unknown > 1 ? "s" : ""); rc = XP_ECONFIG; goto config_error; }
    }
    if (opt->check_only) { exit_code = 0; goto cleanup; }
    if ((rc = interrupted(err, sizeof err))) goto fail_early;

    /* The store: a study per name, a run per invocation. */
    if (!scfg.is_url && parent_dirs(store_path)) { snprintf(err, sizeof err, "%s: cannot create its folder: %s", store_path, strerror(errno)); goto fail_early; }
    if ((rc = store_open(store_path, &x->st, err, sizeof err))) goto fail_early;
    x->env.store = x->st;
    if (scfg.is_url && (rc = hide_password(root, store_path, &store_path, err, sizeof err))) goto fail_early;
    if (scfg.heartbeat_interval > 0) {
        store_set_heartbeat(x->st, scfg.heartbeat_interval, scfg.grace_period);
        x->hb_interval = scfg.heartbeat_interval;
        if ((rc = heartbeat_start(x->st, scfg.heartbeat_interval, &x->hb))) {
            snprintf(err, sizeof err, "cannot start the heartbeat thread: %s", xp_strerror(rc));
            goto fail_early;
        }
    }
    if (store_study_open(x->st, x->name, x->direction, &x->study_id)) { snprintf(err, sizeof err, "%s", store_errmsg(x->st)); goto fail_early; }
    if (!n_members && (rc = study_identity_check(x, store_path, err, sizeof err))) {
        if (rc == XP_ECONFIG) goto config_error;
        goto fail_early;
    }
    {
        char *yaml = cfg_to_yaml(root), sha[65], host[256] = "", rev[128];
        if (!yaml) { snprintf(err, sizeof err, "out of memory"); goto fail_early; }
        sha256_hex(yaml, strlen(yaml), sha);
        gethostname(host, sizeof host - 1);
        git_revision(rev, sizeof rev);
        store_run_info info = { x->name, yaml, sha, seed, rev[0] ? rev : NULL, host, opt->command_line };
        rc = store_run_begin(x->st, x->study_id, &info, &x->run_id);
        free(yaml);
        if (rc) { snprintf(err, sizeof err, "%s", store_errmsg(x->st)); goto fail_early; }
        x->env.run_id = x->run_id;
    }
    char artifact_dir[2200], data_dir[2200], images_dir[2200];
    {
        char base[2048];
        if (artifacts && scfg.is_url) {
            /* Recorded paths must name the same file on every worker's host. */
            if ((rc = shared_folder(artifacts, base, sizeof base, err, sizeof err))) goto fail;
        } else if (artifacts) snprintf(base, sizeof base, "%s", artifacts);
        else {
            snprintf(base, sizeof base, "%s", store_path);
            char *slash = strrchr(base, '/');
            if (slash) strcpy(slash + 1, "artifacts");
            else strcpy(base, "artifacts");
        }
        /* Run ids restart at 1 in every store: the store's file (or PostgreSQL database)
         * name keeps two stores that share a folder (or a store.artifacts folder) from
         * writing into each other's runs. */
        const char *label = store_label(x->st);
        snprintf(artifact_dir, sizeof artifact_dir, "%s/%s/run_%lld", base, label, (long long)x->run_id);
        if (mkdirs(artifact_dir)) { snprintf(err, sizeof err, "%s: cannot create: %s", artifact_dir, strerror(errno)); rc = XP_EIO; goto fail; }
        x->env.artifact_dir = artifact_dir;
        snprintf(data_dir, sizeof data_dir, "%s/%s/data", base, label);
        snprintf(images_dir, sizeof images_dir, "%s/%s/images", base, label);
        if (scfg.is_url) {
            char host[256] = "";
            gethostname(host, sizeof host - 1);
            char cache[2400];
            snprintf(cache, sizeof cache, "%s/cache/%s", base, host[0] ? host : "localhost");
            embcache_set_dir(cache);
        }
    }
    /* A blend predicts through its members' runs, which keep their own training files. */
    if (!n_members && (rc = snapshot_train_data(x, data_dir, pre_sha, err, sizeof err))) goto fail;
    /* From here every image a plugin reads is kept too (inputs.h): no plugin has read one yet
     * (the config check only lists folders), and the manifest is written when the run ends. */
    if (!n_members) {
        if ((rc = inputs_recorder(images_dir, &recorder, err, sizeof err))) goto fail;
        x->env.inputs = recorder;
    }
    if (!scfg.is_url) cache_dir_for(store_path);
    {
        json_out j;
        json_out_init(&j);
        json_out_object(&j);
        json_out_kv_int(&j, "dev_rows", (int64_t)x->dev->n_rows);
        json_out_kv_int(&j, "test_rows", (int64_t)x->test->n_rows);
        json_out_kv_int(&j, "groups", (int64_t)x->plan.n_groups);
        json_out_kv_int(&j, "folds", x->folds);
        json_out_kv_str(&j, "group", x->group_col ? x->group_col : "");
        json_out_end(&j);
        char *json = json_out_take(&j);
        if (!json) { snprintf(err, sizeof err, "recording the split: out of memory"); rc = XP_ENOMEM; goto fail; }
        rc = store_record(x->st, x->run_id, "split", json);
        free(json);
        if (rc) {
            snprintf(err, sizeof err, "recording the split: %s", store_errmsg(x->st));
            goto fail;
        }
    }

    /* The split itself, so any other tool can reproduce exactly these folds. */
    {
        char path[2400];
        snprintf(path, sizeof path, "%s/folds.csv", artifact_dir);
        FILE *f = fopen(path, "w");
        if (!f) { snprintf(err, sizeof err, "%s: cannot write: %s", path, strerror(errno)); rc = XP_EIO; goto fail; }
        fprintf(f, "row,part,fold\n");
        for (size_t i = 0; i < x->plan.n_dev; i++)
            fprintf(f, "%lld,dev,%d\n", (long long)x->dev->row_id[x->plan.dev[i]], x->plan.fold[i]);
        for (size_t i = 0; i < x->test->n_rows; i++) fprintf(f, "%lld,test,\n", (long long)x->test->row_id[i]);
        if (fclose(f)) { snprintf(err, sizeof err, "%s: cannot write", path); rc = XP_EIO; goto fail; }
        if (sha256_file_hex(path, folds_sha)) { snprintf(err, sizeof err, "%s: cannot read back: %s", path, strerror(errno)); rc = XP_EIO; goto fail; }
        if ((rc = store_artifact(x->st, x->run_id, path, folds_sha, "folds"))) {
            snprintf(err, sizeof err, "recording the folds: %s", store_errmsg(x->st));
            goto fail;
        }
    }
    if (n_members) {
        blend_outcome bo;
        if ((rc = blend_fit(x, member_studies, n_members, artifact_dir, folds_sha, &bo, err, sizeof err))) goto fail;
        printf("study %s  run %lld: blend of %zu members (%s, cross-fitted CV %s = %.6g)\n", x->name, (long long)x->run_id,
               n_members, "weights fitted on out-of-fold predictions", x->metrics[x->objective].plugin->name, bo.cv);
        for (size_t k = 0; k < n_members; k++)
            printf("  %-24s weight %.4f  (its own out-of-fold %s %.6g)\n", member_studies[k], bo.weights[k],
                   x->metrics[x->objective].plugin->name, bo.member_cv[k]);
        if (bo.strata) fputs(bo.strata, stdout);
        printf("test (%zu rows, scored once):", x->test->n_rows);
        for (size_t m = 0; m < x->n_metrics; m++) printf("  %s=%.6g", x->metrics[m].plugin->name, bo.test[m]);
        printf("\n");
        blend_outcome_free(&bo);
        if ((rc = store_run_end(x->st, x->run_id, "COMPLETE", now_s() - t0, cpu_s() - c0))) {
            snprintf(err, sizeof err, "recording the end of run %lld: %s", (long long)x->run_id, store_errmsg(x->st));
            goto fail;
        }
        exit_code = 0;
        goto cleanup;
    }

    /* Profile stages: learned once on the dev rows, for the record. */
    {
        pipeline prof;
        xp_frame *copy = frame_copy(x->dev);
        rc = copy ? pipeline_create(&prof, reg, cfg_get(root, "profile"), &x->env, err, sizeof err) : XP_ENOMEM;
        if (!rc) rc = pipeline_fit(&prof, copy, err, sizeof err);
        pipeline_free(&prof);
        frame_free(copy);
        if (rc) goto fail;
    }
    double tf = now_s();
    if ((rc = folds_build(x, &x->plan, &x->fd, err, sizeof err))) goto fail;
    host_log(&x->env, XP_LOG_INFO, "folds", "%d folds built in %.1f s (pipelines fitted, model data prepared once)", x->folds, now_s() - tf);

    if ((rc = interrupted(err, sizeof err)) || (rc = weights_fit(x, err, sizeof err)) ||
        (rc = interrupted(err, sizeof err)))
        goto fail;
    search_outcome so;
    if ((rc = search_run(x, &so, err, sizeof err))) goto fail;
    if (x->sp.n) {
        /* Runners sharing the study: exactly one refits and tests its best trial. */
        int mine = 0;
        int64_t by = -1, running = -1;
        if (store_refit_claim(x->st, x->study_id, x->run_id, &mine, &by, &running)) {
            snprintf(err, sizeof err, "deciding which runner refits: %s", store_errmsg(x->st));
            free(so.best_params);
            rc = XP_EIO;
            goto fail;
        }
        if (!mine) {
            free(so.best_params);
            if ((rc = search_only_end(x, &so, by, running, now_s() - t0, cpu_s() - c0, err, sizeof err))) goto fail;
            exit_code = 0;
            goto cleanup;
        }
    }
    if (so.best_number < 0 && x->sp.n) { snprintf(err, sizeof err, "no trial completed"); rc = XP_EMODEL; free(so.best_params); goto fail; }
    if (!x->sp.n && so.n_complete == 0) {
        /* No search space: the single configured point is the "best". */
        so.best_params = NULL;
    }

    if (so.best_number >= 0 &&
        (rc = store_metric(x->st, x->run_id, -1, -1, "cv_grouped", -1, x->metrics[x->objective].plugin->name, so.best_value))) {
        snprintf(err, sizeof err, "recording the grouped CV: %s", store_errmsg(x->st));
        free(so.best_params);
        goto fail;
    }
    xp_cfg *best_cfg = config_with_params(x, so.best_params, err, sizeof err);
    if (!best_cfg) { rc = XP_ENOMEM; free(so.best_params); goto fail; }
    double rounds = so.best_rounds, final_cv = so.best_value;
    int polished = 0;
    if (so.best_number >= 0 &&
        (rc = polish_run(x, so.best_value, &best_cfg, &rounds, &final_cv, &polished, err, sizeof err))) {
        cfg_free(best_cfg);
        free(so.best_params);
        goto fail;
    }
    double random_cv = NAN;
    if ((rc = interrupted(err, sizeof err))) { cfg_free(best_cfg); free(so.best_params); goto fail; }
    if (random_check && x->group_col) {
        split_plan rp;
        fold_data *rfd = NULL;
        rc = split_make(x->dev, NULL, 0.0, x->folds, 0, x->env.seed * 17 + 3, &rp, err, sizeof err);
        if (!rc) rc = folds_build(x, &rp, &rfd, err, sizeof err);
        if (!rc) rc = weights_apply_folds(x, rfd, x->folds, err, sizeof err);
        if (!rc) {
            eval_result r;
            /* The search's best point (not the polished one): compared with its grouped CV. */
            rc = folds_evaluate(x, rfd, x->folds, so.best_params, -1, "random", NULL, NULL, &r, err, sizeof err);
            if (!rc) {
                random_cv = r.value;
                if ((rc = store_metric(x->st, x->run_id, -1, -1, "cv_random", -1, x->metrics[x->objective].plugin->name, r.value)))
                    snprintf(err, sizeof err, "recording the random-split CV: %s", store_errmsg(x->st));
            }
            eval_result_free(&r);
        }
        folds_free(x, rfd, x->folds);
        split_free(&rp);
        if (rc) { cfg_free(best_cfg); free(so.best_params); goto fail; }
    }
    test_result tr = { 0 };
    if ((rc = interrupted(err, sizeof err))) { cfg_free(best_cfg); free(so.best_params); goto fail; }
    rc = refit_and_test(x, best_cfg, rounds, so.best_params != NULL, polished ? -1 : so.best_number, so.best_number,
                        final_cv, artifact_dir, &tr, err, sizeof err);
    if (!rc) print_summary(x, &so, polished ? &final_cv : NULL, &random_cv, &tr);
    free(tr.values);
    cfg_free(best_cfg);
    free(so.best_params);
    if (rc) goto fail;
    if (recorder && (rc = save_inputs(x, recorder, artifact_dir, err, sizeof err))) goto fail;
    if ((rc = record_cache(x, err, sizeof err))) goto fail;
    if ((rc = store_run_end(x->st, x->run_id, "COMPLETE", now_s() - t0, cpu_s() - c0))) {
        snprintf(err, sizeof err, "recording the end of run %lld: %s", (long long)x->run_id, store_errmsg(x->st));
        goto fail;
    }
    exit_code = 0;
    goto cleanup;

config_error:
    fprintf(stderr, "runner: %s\n", err);
    exit_code = 2;
    goto cleanup;
fail:
    if (x->st && x->run_id &&
        store_run_end(x->st, x->run_id, host_interrupted() ? "INTERRUPTED" : "FAIL", now_s() - t0, cpu_s() - c0))
        fprintf(stderr, "runner: run %lld could not be marked %s either: %s\n", (long long)x->run_id,
                host_interrupted() ? "INTERRUPTED" : "FAIL", store_errmsg(x->st));
fail_early:
    if (host_interrupted()) {
        /* The shell's convention for a process ended by a signal: 128 + its number. */
        int sig = host_interrupted();
        if (x->run_id)
            fprintf(stderr, "runner: %s: run %lld recorded as INTERRUPTED%s\n", err[0] ? err : "interrupted",
                    (long long)x->run_id, rc == XP_EINTERRUPTED ? "" : " (it was failing when the signal came)");
        else
            fprintf(stderr, "runner: %s before the run was recorded\n", err[0] ? err : "interrupted");
        exit_code = 128 + sig;
        goto cleanup;
    }
    fprintf(stderr, "runner: run failed: %s\n", err[0] ? err : xp_strerror(rc));
    exit_code = 1;
cleanup:
    for (size_t i = 0; i < n_members; i++) {
        free(member_paths ? member_paths[i] : NULL);
        free(member_studies ? member_studies[i] : NULL);
    }
    free(member_paths);
    free(member_studies);
    folds_free(x, x->fd, x->folds);
    split_free(&x->plan);
    space_free(&x->sp);
    free(x->metrics);
    free(x->source_weight);
    eval_result none = { 0 };
    eval_result_keep_best(x, &none);   /* frees the kept predictions and fold models */
    frame_free(x->dev);
    frame_free(x->test);
    heartbeat_stop(x->hb);
    if (x->st) store_close(x->st);
    inputs_free(recorder);
    return exit_code;
}

/* ------------------------------------------------------------------ predict */

/* The path of a run's artifact of `kind`, checked against the sha256 recorded when the run
 * wrote it: predict reads only the files the run wrote (another store writing into the same
 * folder, or an edit, is refused). XP_ENOTFOUND when the run has no such artifact. */
static int checked_artifact(store *st, const char *store_path, long long run_id, const char *kind, char **path,
                            char *err, size_t errn)
{
    char want[65], have[65];
    int rc = store_run_artifact_sha(st, run_id, kind, path, want);
    if (rc) {
        snprintf(err, errn, "run %lld in %s has no saved %s (did it complete?): %s", run_id, store_path, kind,
                 store_errmsg(st));
        return rc;
    }
    if (sha256_file_hex(*path, have)) {
        snprintf(err, errn, "run %lld's %s %s: cannot read: %s", run_id, kind, *path, strerror(errno));
        return XP_EIO;
    }
    if (strcmp(want, have)) {
        snprintf(err, errn,
                 "run %lld's %s %s is not the file the run wrote: sha256 %s recorded in %s, %s on disk "
                 "(overwritten by a run of another store writing to the same folder, or edited); refusing to predict",
                 run_id, kind, *path, want, store_path, have);
        return XP_EFORMAT;
    }
    return XP_OK;
}

/* Where predict takes the run's training rows from. A run keeps its training file (artifact
 * train_data, snapshot_train_data): *path names that copy, checked against its recorded
 * sha256. A run recorded before runs kept it has none: *path stays NULL and data.path is
 * read as before, but only when it is still the data the run's study recorded (its
 * xp_data_sha256); with no record there is nothing to check and a warning says so. */
static int train_rows_source(store *st, const char *store_path, long long run_id, experiment *x, char **path,
                             char *err, size_t errn)
{
    int rc = checked_artifact(st, store_path, run_id, "train_data", path, err, errn);
    if (rc != XP_ENOTFOUND) return rc;
    err[0] = 0;
    const char *dpath = NULL;
    char now[65], json[80], inner[2048], *rec = NULL;
    if ((rc = cfg_read_str(cfg_get(x->root, "data"), "path", 1, &dpath, err, errn))) return rc;
    if ((rc = data_identity(x->root, now, inner, sizeof inner))) {
        snprintf(err, errn, "run %lld kept no copy of its training file (recorded before runs did), so predict "
                 "needs the file at data.path: %s", run_id, inner);
        return rc;
    }
    snprintf(json, sizeof json, "\"%s\"", now);
    int grc = store_run_study_attr_get(st, run_id, "xp_data_sha256", &rec);
    if (grc == XP_ENOTFOUND) {
        fprintf(stderr, "runner predict: warning: run %lld kept no copy of its training file and its study recorded "
                "no data sha256: the transforms are fitted on %s as it is now, which cannot be checked against "
                "what the run saw (rerun the config to get a run that keeps its training file)\n", run_id, dpath);
        return XP_OK;
    }
    if (grc) { snprintf(err, errn, "%s", store_errmsg(st)); return XP_EIO; }
    if (strcmp(rec, json)) {
        snprintf(err, errn,
                 "run %lld kept no copy of its training file (recorded before runs did), and %s is not the data its "
                 "study recorded: data sha256 %s recorded in %s, %s now; predicting would fit the transforms on "
                 "other rows. Restore the training file the run used, or rerun the config (runner CONFIG) to get "
                 "a run that keeps its training file",
                 run_id, dpath, rec, store_path, json);
        rc = XP_EFORMAT;
    }
    free(rec);
    return rc;
}

/* Where predict takes the images from that the run's encoders read (inputs.h). A run keeps
 * them (artifact input_files, a manifest of content-addressed copies): every copy is checked
 * against its sha256 now, before any work, and a missing or changed one is refused naming
 * it. A run recorded before runs kept them (or that read none) has no manifest: the folders
 * are read as they are now, with a warning if an encoder asks for one. `images`: the folder
 * of the rows to predict (--images; NULL: the configured one). */
static int images_source(store *st, const char *store_path, long long run_id, const char *images, char **manifest,
                         inputs **in, char *err, size_t errn)
{
    int rc = checked_artifact(st, store_path, run_id, "input_files", manifest, err, errn);
    if (rc == XP_ENOTFOUND) {
        err[0] = 0;
        return inputs_legacy(run_id, images, in, err, errn);
    }
    if (rc) return rc;
    return inputs_replay(*manifest, run_id, images, in, err, errn);
}

/* One saved model's predictions for the input rows: the config's transforms are fitted on
 * `train` (the rows the model was trained on; deterministic: same data, same seed), applied
 * to a copy of the input, the model at model_path is loaded and predicts, and the transforms'
 * inverse brings the predictions back to the target's space. */
static int predict_with_model(experiment *x, const xp_frame *train, const xp_frame *input, const char *model_path,
                              double *pred, char *err, size_t errn)
{
    xp_frame *fit_rows = frame_copy(train), *rows = frame_copy(input);
    void *model = NULL, *prep = NULL;
    pipeline p = { 0 };
    int rc = XP_ENOMEM;
    if (!fit_rows || !rows) { snprintf(err, errn, "out of memory"); goto out; }
    /* Encoders list their folder when created and fitted on the run's rows: the images the
     * run read (inputs.h); the rows to predict read theirs (--images, or as configured). */
    inputs_phase(x->env.inputs, INPUTS_STORED);
    if ((rc = pipeline_create(&p, x->reg, cfg_get(x->root, "pipeline"), &x->env, err, errn)) ||
        (rc = pipeline_fit(&p, fit_rows, err, errn)))
        goto out;
    inputs_phase(x->env.inputs, INPUTS_NEW);
    if ((rc = pipeline_apply(&p, rows, err, errn))) goto out;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &x->env, x->model->name, 0xF1F1);
    if ((rc = x->mops->load(&ctx, cfg_get(x->root, "model"), model_path, &model)) ||
        (x->mops->prepare && (rc = x->mops->prepare(&ctx, rows, &prep))) ||
        (rc = x->mops->predict(&ctx, model, rows, prep, pred))) {
        snprintf(err, errn, "%s (%s): %s", x->model->name, model_path, call.msg[0] ? call.msg : xp_strerror(rc));
        goto out;
    }
    rc = pipeline_inverse(&p, pred, rows->n_rows, err, errn);
out:
    if (model) x->mops->destroy(model);
    if (prep && x->mops->release) x->mops->release(prep);
    pipeline_free(&p);
    frame_free(fit_rows);
    frame_free(rows);
    return rc;
}

/* `runner predict --run ID data.csv`: the run's refit config (best params included) is
 * loaded and the dev rows are taken again from the run's copy of its training file (same
 * bytes, seed and split; train_rows_source), their images from the run's copies
 * (images_source); the new rows are read with the training columns' types, their images
 * from `images` (--images) or the configured folder. A refit run's model
 * predicts after transforms fitted on all dev rows; a run with validation.final: folds
 * averages its k fold models, each after transforms fitted on its fold's training rows, as
 * the run did for its test part. */
/* strata (may be NULL): also *codes_out, each input row's stratum code (blend_strata.h), read
 * from the rows as loaded, before any transform. */
static int predict_model_run(store *st, const char *store_path, long long run_id, const char *csv,
                             const char *images, registry *reg, int verbosity, const strata_spec *strata,
                             int **codes_out, long long **row_ids, double **out, size_t *n_out, char *err, size_t errn)
{
    char *cfg_path_s = NULL, *model_path = NULL, *train_path = NULL, *manifest = NULL, *calib_path = NULL;
    inputs *in = NULL;
    xp_cfg *root = NULL;
    experiment X = { 0 }, *x = &X;
    xp_frame *input = NULL, *train = NULL;
    double *pred = NULL, *one = NULL;
    int rc = XP_OK, exit_code = 1;
    if (checked_artifact(st, store_path, run_id, "refit_config", &cfg_path_s, err, errn)) goto out;
    if (!(root = cfg_load_file(cfg_path_s, err, errn))) goto out;
    x->root = root;
    x->reg = reg;
    x->env.root = root;
    x->env.verbosity = verbosity;
    int64_t seed = 42, threads = 0;
    if ((rc = cfg_read_int(root, "seed", 0, &seed, err, errn)) ||
        (rc = cfg_read_int(root, "threads", 0, &threads, err, errn)) || (rc = read_final(x, root, err, errn)) ||
        (rc = final_top_read(x, root, err, errn)) || (rc = calibrate_read(x, root, err, errn)))
        goto out;
    x->env.seed = (uint64_t)seed;
    x->env.threads = (int)threads;
    if ((rc = train_rows_source(st, store_path, run_id, x, &train_path, err, errn)) ||
        (rc = images_source(st, store_path, run_id, images, &manifest, &in, err, errn)))
        goto out;
    x->env.inputs = in;
    if ((rc = setup_components(x, err, errn)) || (rc = data_setup_predict(x, train_path, err, errn))) goto out;
    if ((rc = data_load_like(x, csv, x->dev, &input, err, errn))) goto out;
    if (strata) {
        if (!(*codes_out = malloc((input->n_rows ? input->n_rows : 1) * sizeof **codes_out))) {
            snprintf(err, errn, "out of memory");
            goto out;
        }
        if ((rc = strata_codes(strata, input, *codes_out, err, errn))) goto out;
    }
    if (!x->mops->load) { snprintf(err, errn, "model plugin %s cannot load saved models", x->model->name); goto out; }
    size_t nr = input->n_rows ? input->n_rows : 1;
    pred = malloc(nr * sizeof *pred);
    one = malloc(nr * sizeof *one);
    if (!pred || !one) { snprintf(err, errn, "out of memory"); goto out; }
    if (!x->final_folds) {
        if (checked_artifact(st, store_path, run_id, "model", &model_path, err, errn) ||
            predict_with_model(x, x->dev, input, model_path, pred, err, errn))
            goto out;
        int n_models = x->final_top * (x->refit_seeds > 1 ? x->refit_seeds : 1);
        if (n_models > 1) {   /* validation.final_top, refit_seeds: every refit, averaged as the run did */
            int top_log = final_top_logspace(x);
            for (size_t i = 0; i < input->n_rows; i++) pred[i] = pred_to_space(top_log, pred[i]);
            for (int k = 1; k < n_models; k++) {
                char kind[48];
                final_model_kind(k % x->final_top, k / x->final_top, kind, sizeof kind);
                free(model_path);
                model_path = NULL;
                if (checked_artifact(st, store_path, run_id, kind, &model_path, err, errn) ||
                    predict_with_model(x, x->dev, input, model_path, one, err, errn))
                    goto out;
                for (size_t i = 0; i < input->n_rows; i++) pred[i] += pred_to_space(top_log, one[i]);
            }
            for (size_t i = 0; i < input->n_rows; i++) pred[i] = pred_from_space(top_log, pred[i] / n_models);
        }
    } else {
        for (size_t i = 0; i < input->n_rows; i++) pred[i] = 0;
        for (int f = 0; f < x->folds; f++) {
            char kind[32];
            snprintf(kind, sizeof kind, "fold%d_model", f);
            size_t nt;
            size_t *rows = split_fold_rows(&x->plan, f, 0, &nt);
            if (!rows) { snprintf(err, errn, "out of memory"); goto out; }
            train = frame_take(x->dev, rows, nt);
            free(rows);
            free(model_path);
            model_path = NULL;
            if (!train) { snprintf(err, errn, "out of memory"); goto out; }
            if (checked_artifact(st, store_path, run_id, kind, &model_path, err, errn) ||
                predict_with_model(x, train, input, model_path, one, err, errn))
                goto out;
            for (size_t i = 0; i < input->n_rows; i++) pred[i] += pred_to_space(x->final_log, one[i]) / x->folds;
            frame_free(train);
            train = NULL;
        }
        for (size_t i = 0; i < input->n_rows; i++) pred[i] = pred_from_space(x->final_log, pred[i]);
    }
    /* The line the run fitted on its out-of-fold predictions; with calibrate: auto a run
     * whose line did not improve its CV wrote none (its record says "applied": false). */
    int calibrated = x->calibrate == XP_CALIBRATE_AFFINE;
    if (x->calibrate == XP_CALIBRATE_AUTO) {
        char sha[65];
        int arc = store_run_artifact_sha(st, run_id, "calibration", &calib_path, sha);
        free(calib_path);
        calib_path = NULL;
        if (arc && arc != XP_ENOTFOUND) {
            snprintf(err, errn, "run %lld in %s: %s", run_id, store_path, store_errmsg(st));
            goto out;
        }
        calibrated = !arc;
    }
    if (calibrated) {
        calibration c;
        if (checked_artifact(st, store_path, run_id, "calibration", &calib_path, err, errn) ||
            calibrate_load(calib_path, &c, err, errn))
            goto out;
        if (c.logspace != x->final_log) {
            snprintf(err, errn, "%s: its space is not the run's validation.final_space", calib_path);
            goto out;
        }
        calibrate_apply(&c, pred, input->n_rows);
    }
    if (!(*row_ids = malloc(nr * sizeof **row_ids))) {
        snprintf(err, errn, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < input->n_rows; i++) (*row_ids)[i] = (long long)input->row_id[i];
    *out = pred;
    pred = NULL;
    *n_out = input->n_rows;
    exit_code = 0;
out:
    if (exit_code && !err[0]) snprintf(err, errn, "%s", xp_strerror(rc));
    free(pred);
    free(one);
    frame_free(train);
    frame_free(input);
    split_free(&x->plan);
    space_free(&x->sp);
    free(x->metrics);
    frame_free(x->dev);
    frame_free(x->test);
    cfg_free(root);
    free(cfg_path_s);
    free(model_path);
    free(train_path);
    free(manifest);
    free(calib_path);
    inputs_free(in);
    return exit_code;
}


/* One line of a blend_members.csv. */
typedef struct member_line {
    char stratum[512];          /* "pooled" or a strata label; "" in files without strata */
    char space[16];
    double scale, offset, weight;
    long long run;
    char study[512];
} member_line;

/* Reads blend_members.csv (blend.c write_members; older files had no stratum column, and the
 * oldest no scale and offset: 1 and 0). Checks that the space is the same on every line and
 * that each stratum lists the pooled lines' member runs, in their order, with one scale and
 * offset. *n_members: the lines of the first stratum ("pooled"). */
static int read_member_lines(const char *path, member_line **out, size_t *n_lines, size_t *n_members, char *err,
                             size_t errn)
{
    FILE *fp = fopen(path, "r");
    if (!fp) { snprintf(err, errn, "%s: %s", path, strerror(errno)); return 1; }
    char line[2048];
    int format = -1, rc = 0, lineno = 1;   /* 0: space,run_id,...; 1: + scale,offset; 2: stratum, + */
    static const char *const headers[3] = { "space,run_id,weight,study\n", "space,scale,offset,run_id,weight,study\n",
                                            "stratum,space,scale,offset,run_id,weight,study\n" };
    if (!fgets(line, sizeof line, fp)) line[0] = 0;
    for (int k = 0; k < 3; k++) if (!strcmp(line, headers[k])) format = k;
    if (format < 0) {
        snprintf(err, errn, "%s:1: expected the header %s", path, headers[2]);
        fclose(fp);
        return 1;
    }
    member_line *v = NULL;
    size_t n = 0, cap = 0;
    *n_members = 0;
    while (!rc && fgets(line, sizeof line, fp)) {
        lineno++;
        if (n == cap) {
            member_line *nv = realloc(v, (cap = cap ? 2 * cap : 8) * sizeof *v);
            if (!nv) { snprintf(err, errn, "out of memory"); rc = 1; break; }
            v = nv;
        }
        member_line *l = &v[n];
        memset(l, 0, sizeof *l);
        l->scale = 1;
        int ok = format == 2 ? sscanf(line, "%511[^,],%15[^,],%lf,%lf,%lld,%lf,%511[^\n]", l->stratum, l->space, &l->scale,
                                      &l->offset, &l->run, &l->weight, l->study) == 7
                 : format == 1 ? sscanf(line, "%15[^,],%lf,%lf,%lld,%lf,%511[^\n]", l->space, &l->scale, &l->offset, &l->run,
                                        &l->weight, l->study) == 6
                               : sscanf(line, "%15[^,],%lld,%lf,%511[^\n]", l->space, &l->run, &l->weight, l->study) == 4;
        ok = ok && (!strcmp(l->space, "log") || !strcmp(l->space, "raw")) && isfinite(l->scale) && isfinite(l->offset) &&
             isfinite(l->weight) && (!n || !strcmp(l->space, v[0].space));
        if (!ok) {
            snprintf(err, errn, "%s:%d: expected %sspace (log or raw),%srun_id,weight,study, the same space on every line",
                     path, lineno, format == 2 ? "stratum," : "", format ? "scale,offset," : "");
            rc = 1;
            break;
        }
        n++;
    }
    fclose(fp);
    if (!rc && !n) { snprintf(err, errn, "%s: no members", path); rc = 1; }
    /* The groups: the first stratum's lines name the members; every stratum after repeats
     * them in order, with one scale and offset, under a label of its own. */
    size_t m = 0;
    while (!rc && m < n && !strcmp(v[m].stratum, v[0].stratum)) m++;
    for (size_t i = 0; !rc && i < n; i++) {
        const member_line *g = &v[i - i % m];
        int ok = !strcmp(v[i].stratum, g->stratum) && v[i].run == v[i % m].run && v[i].scale == g->scale &&
                 v[i].offset == g->offset && (format < 2 || (i < m) == !strcmp(v[i].stratum, "pooled"));
        for (size_t q = 0; ok && i % m == 0 && q < i; q += m) ok = strcmp(v[q].stratum, v[i].stratum) != 0;
        if (!ok || (i + 1 == n && n % m)) {
            snprintf(err, errn, "%s:%zu: the strata must be groups of the same member runs in the same order, one scale "
                     "and offset per group, \"pooled\" first and each other label once", path, i + 2);
            rc = 1;
        }
    }
    *n_members = m;
    if (rc) { free(v); return 1; }
    *out = v;
    *n_lines = n;
    return 0;
}

/* A blend run has no model: its `blend_members` artifact names the member runs (same store),
 * their weights, the space they are combined in and the scale and offset after (blend.c),
 * per stratum when the blend has strata (blend_strata.h); each member predicts the rows as a
 * run of its own and the blend combines them as blend_fit did for the test part. */
static int predict_blend_run(store *st, const char *store_path, const char *members_csv, const char *csv,
                             const char *images, registry *reg, int verbosity, long long **row_ids, double **out,
                             size_t *n_out, char *err, size_t errn)
{
    member_line *lines = NULL;
    size_t n_lines = 0, m = 0, n_groups;
    if (read_member_lines(members_csv, &lines, &n_lines, &m, err, errn)) return 1;
    n_groups = n_lines / m;
    /* Every stratum's label must parse and name the same columns, in the same order: a label
     * no row can have would quietly send its rows to the pooled weights. */
    strata_spec ss = { 0 };
    for (size_t g = 1; g < n_groups; g++) {
        strata_spec one;
        int same = !strata_from_label(lines[g * m].stratum, &one);
        if (same && g == 1) ss = one;
        else if (same) {
            same = one.n == ss.n;
            for (size_t k = 0; same && k < one.n; k++) same = !strcmp(one.cols[k], ss.cols[k]);
            strata_free(&one);
        }
        if (!same) {
            snprintf(err, errn, "%s:%zu: '%s' is not a stratum label (column:missing or column:present, joined by '&'; "
                     "the same columns on every stratum)", members_csv, g * m + 2, lines[g * m].stratum);
            strata_free(&ss);
            free(lines);
            return 1;
        }
    }
    int logspace = !strcmp(lines[0].space, "log"), rc = 0;
    int *codes = NULL;
    size_t *group_of = NULL;   /* per row: the line group (0 = pooled) its stratum predicts with */
    double *sum = NULL;
    *row_ids = NULL;
    for (size_t k = 0; k < m && !rc; k++) {
        long long *ids = NULL;
        double *p = NULL;
        size_t n = 0;
        char merr[4096] = "";
        if (predict_model_run(st, store_path, lines[k].run, csv, images, reg, verbosity, k == 0 && ss.n ? &ss : NULL,
                              &codes, &ids, &p, &n, merr, sizeof merr)) {
            snprintf(err, errn, "blend member %s (run %lld): %s", lines[k].study, lines[k].run, merr);
            rc = 1;
            break;
        }
        if (k == 0) {
            sum = calloc(n ? n : 1, sizeof *sum);
            group_of = calloc(n ? n : 1, sizeof *group_of);
            *row_ids = ids;
            *n_out = n;
            ids = NULL;
            if (!sum || !group_of) { snprintf(err, errn, "out of memory"); rc = 1; }
            char label[512];
            for (size_t i = 0; !rc && ss.n && i < n; i++) {
                strata_label(&ss, codes[i], label, sizeof label);
                for (size_t g = 1; g < n_groups; g++)
                    if (!strcmp(lines[g * m].stratum, label)) group_of[i] = g;
            }
        } else if (n != *n_out) {
            snprintf(err, errn, "blend member %s (run %lld) predicted %zu rows, the first member %zu", lines[k].study,
                     lines[k].run, n, *n_out);
            rc = 1;
        }
        for (size_t i = 0; !rc && i < n; i++) {
            if (ids && ids[i] != (*row_ids)[i]) {
                snprintf(err, errn, "blend member %s (run %lld) predicted other rows than the first member", lines[k].study,
                         lines[k].run);
                rc = 1;
                break;
            }
            sum[i] += lines[group_of[i] * m + k].weight * (logspace ? log1p(fmax(p[i], 0)) : p[i]);
        }
        free(ids);
        free(p);
    }
    for (size_t i = 0; !rc && i < *n_out; i++) {
        const member_line *g = &lines[group_of[i] * m];
        sum[i] = g->offset + g->scale * sum[i];
        if (logspace) sum[i] = expm1(sum[i]);
    }
    free(lines);
    free(codes);
    free(group_of);
    strata_free(&ss);
    if (rc) {
        free(sum);
        free(*row_ids);
        *row_ids = NULL;
        return rc;
    }
    *out = sum;
    return 0;
}

/* `runner predict --run ID data.csv`: a model run predicts with its model, a blend run with
 * its members' models. Prints `row,prediction` lines. */
int run_predict(const char *store_path, long long run_id, const char *csv, const char *images, registry *reg,
                int verbosity)
{
    char err[4096] = "";
    store *st = NULL;
    char *members = NULL;
    long long *ids = NULL;
    double *pred = NULL;
    size_t n = 0;
    int rc = 1;
    /* store_open creates a missing database; predict only reads one, so a mistyped --store
     * must fail here rather than leave an empty database behind. */
    struct stat sb;
    if (!store_is_url(store_path) && stat(store_path, &sb)) {
        fprintf(stderr, "runner predict: store %s: %s (give the experiment database with --store)\n", store_path,
                strerror(errno));
        return 2;
    }
    if (store_open(store_path, &st, err, sizeof err)) goto out;
    cache_dir_for(store_path);
    /* Messages name the store without a URL's password. */
    char *shown = store_display_path(store_path);
    if (!shown) { snprintf(err, sizeof err, "out of memory"); goto out; }
    int brc = checked_artifact(st, shown, run_id, "blend_members", &members, err, sizeof err);
    if (!brc)
        rc = predict_blend_run(st, shown, members, csv, images, reg, verbosity, &ids, &pred, &n, err, sizeof err);
    else if (brc == XP_ENOTFOUND) {   /* not a blend: a model run */
        err[0] = 0;
        rc = predict_model_run(st, shown, run_id, csv, images, reg, verbosity, NULL, NULL, &ids, &pred, &n, err,
                               sizeof err);
    } else
        rc = 1;
    free(shown);
    if (!rc) {
        printf("row,prediction\n");
        for (size_t i = 0; i < n; i++) printf("%lld,%.17g\n", ids[i], pred[i]);
        if (fflush(stdout)) { snprintf(err, sizeof err, "writing the predictions: %s", strerror(errno)); rc = 1; }
    }
out:
    if (rc) fprintf(stderr, "runner predict: %s\n", err[0] ? err : "failed");
    free(members);
    free(ids);
    free(pred);
    if (st) store_close(st);
    return rc ? 1 : 0;
}
