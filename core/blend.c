/* core/blend.c — a config with a `blend:` section: its members run first, each as its own
 * study on the same split, then their out-of-fold predictions fix the weights of one
 * combined prediction, which is scored once on the untouched test part.
 *
 *     # configs/step2_fusion.yaml
 *     extends: base.yaml
 *     name: step2_fusion
 *     blend:
 *       members: [step2_xgb.yaml, step2_mlp.yaml]   # relative to this file
 *       method: simplex       # weights >= 0 summing to 1, least squares | mean | best
 *       space: log            # fit on log1p(prediction) (what RMSLE scores) | raw
 *       calibrate: affine     # then a scale and an offset of the weighted sum, least squares
 *                             # on the same out-of-fold rows | none
 *       run_members: true     # false: blend the members' latest complete runs as they are
 *       jobs: 0               # members run at once, each a runner process with its share of
 *                             # the threads; 0 = as many as the threads allow, 1 = in turn
 *
 * Honesty: the weights see only out-of-fold predictions (never a test row). The blend's CV
 * is cross-fitted: fold k is predicted with weights fitted on the other folds' rows, so the
 * CV of a blend is as honest as a member's. Every member must have run on exactly this split
 * (its recorded folds.csv has the blend's sha256), and every file read must still have the
 * sha256 recorded when it was written; anything else is an error, never a silent mix.
 * Command-line overrides reach the members too (except `name` and `blend.*`).
 *
 * Why calibrate: members are regularised and the test part is predicted by the mean of five
 * fold models, so their predictions are pulled towards the mean; weights summing to 1 cannot
 * undo that. On the out-of-fold rows the target's least-squares slope on the blend was
 * 1.02-1.08 on three gen_demo datasets, and stretching by it lowered the test RMSLE on all
 * three (README, Step 2).
 */
#include "blend.h"
#include "blend_strata.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calibrate.h"
#include "config.h"
#include "frame.h"
#include "host.h"
#include "json_out.h"
#include "procs.h"
#include "run.h"
#include "sha256.h"

typedef struct member {
    char *study;
    int64_t run_id;
    double *oof;                 /* per dev row (x->dev order) */
    double *test;                /* per test row (x->test order) */
    double weight;
    double cv;                   /* its own pooled fold score (objective), for the record */
} member;

/* ------------------------------------------------------------------ members */

static int skip_override(const char *o)
{
    const char *p = o[0] == '~' ? o + 1 : o;   /* ~key, +key and ++key name the same key */
    while (*p == '+' && p - o < 2) p++;
    return !strncmp(p, "name=", 5) || !strncmp(p, "blend.", 6) || !strncmp(p, "blend=", 6);
}

enum { M_SIMPLEX, M_MEAN, M_BEST };
static const char *const method_names[] = { "simplex", "mean", "best" };   /* by M_* */

/* blend.method, blend.space and blend.calibrate, checked. */
static int blend_options(const xp_cfg *bl, int *method, int *logspace, int *affine, char *err, size_t n)
{
    const char *method_s = "simplex", *space = "log", *cal = "affine";
    int rc;
    if ((rc = cfg_read_str(bl, "method", 0, &method_s, err, n)) || (rc = cfg_read_str(bl, "space", 0, &space, err, n)) ||
        (rc = cfg_read_str(bl, "calibrate", 0, &cal, err, n)))
        return rc;
    *method = -1;
    for (int k = 0; k < (int)(sizeof method_names / sizeof *method_names); k++)
        if (!strcmp(method_s, method_names[k])) *method = k;
    if (*method < 0) {
        snprintf(err, n, "%s: blend.method must be simplex, mean or best, got '%s'", cfg_where(cfg_get(bl, "method")), method_s);
        return XP_ECONFIG;
    }
    if (strcmp(space, "log") && strcmp(space, "raw")) {
        snprintf(err, n, "%s: blend.space must be log or raw, got '%s'", cfg_where(cfg_get(bl, "space")), space);
        return XP_ECONFIG;
    }
    if (strcmp(cal, "affine") && strcmp(cal, "none")) {
        snprintf(err, n, "%s: blend.calibrate must be affine or none, got '%s'", cfg_where(cfg_get(bl, "calibrate")), cal);
        return XP_ECONFIG;
    }
    *logspace = !strcmp(space, "log");
    *affine = !strcmp(cal, "affine");
    return XP_OK;
}

int blend_members(xp_cfg *root, char ***names, size_t *n_names, int *run_them, int *jobs, char *err, size_t n)
{
    *names = NULL;
    *n_names = 0;
    *jobs = 0;
    const xp_cfg *bl = cfg_get(root, "blend");
    const xp_cfg *ml = cfg_get(bl, "members");
    if (cfg_kind(ml) != XP_CFG_LIST || cfg_len(ml) < 1 || cfg_len(ml) > 16) {
        snprintf(err, n, "%s: blend.members must be a list of 1 to 16 config files", cfg_where(ml ? ml : bl));
        return XP_ECONFIG;
    }
    *run_them = 1;
    int rc = cfg_read_bool(bl, "run_members", 0, run_them, err, n);
    if (rc) return rc;
    int64_t j = 0;
    if ((rc = cfg_read_int(bl, "jobs", 0, &j, err, n))) return rc;
    if (j < 0 || j > 16) {
        snprintf(err, n, "%s: blend.jobs must be in [0, 16] (0 = as many members at once as the threads allow)",
                 cfg_where(cfg_get(bl, "jobs")));
        return XP_ECONFIG;
    }
    *jobs = (int)j;
    /* Checked now, not after the members' minutes of work. */
    int method, logspace, affine;
    if ((rc = blend_options(bl, &method, &logspace, &affine, err, n))) return rc;
    strata_spec ss;
    if ((rc = strata_read(bl, &ss, err, n))) return rc;
    strata_free(&ss);
    size_t count = cfg_len(ml);
    char **paths = calloc(count, sizeof *paths);
    if (!paths) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (size_t i = 0; i < count; i++) {
        const xp_cfg *item = cfg_at(ml, i);
        const char *p = cfg_scalar(item);
        if (!p || !*p) {
            snprintf(err, n, "%s: expected a config file name", cfg_where(item));
            rc = XP_ECONFIG;
            break;
        }
        /* Relative to the file that lists it, like `extends`. */
        char full[4096];
        const char *file = cfg_file(item);
        const char *slash = file ? strrchr(file, '/') : NULL;
        if (p[0] == '/' || !slash) snprintf(full, sizeof full, "%s", p);
        else snprintf(full, sizeof full, "%.*s/%s", (int)(slash - file), file, p);
        if (!(paths[i] = strdup(full))) { snprintf(err, n, "out of memory"); rc = XP_ENOMEM; break; }
    }
    if (!rc) { *names = paths; *n_names = count; }
    else { for (size_t i = 0; i < count; i++) free(paths[i]); free(paths); }
    return rc;
}

/* The blend config's own plugin_path folders that exist: an in-process member uses the
 * blend's registry, which has them; a member process loads its own, so they are passed on
 * as --plugin-dir (which, unlike plugin_path, refuses a missing folder). Relative folders
 * stay relative to the working directory, which the child shares. Filters *dirs in place. */
static int blend_plugin_path(const xp_cfg *root, const char ***dirs, size_t *n_dirs, char *err, size_t n)
{
    int rc = run_plugin_path(root, dirs, n_dirs, err, n);
    if (rc) return rc;
    size_t k = 0;
    for (size_t i = 0; i < *n_dirs; i++) {
        struct stat sb;
        if (!stat((*dirs)[i], &sb) && S_ISDIR(sb.st_mode)) (*dirs)[k++] = (*dirs)[i];
    }
    *n_dirs = k;
    return XP_OK;
}

/* The members side by side, each a runner process of its own (procs.c) with its share of
 * the threads: on 2 cores two members on one thread each finish sooner than each member on
 * two, whose 5 folds leave a core idle at the end of every trial. Each
 * child gets the same command-line overrides as an in-process member, plus its thread
 * count, so a member runs exactly as `runner MEMBER.yaml OVERRIDES threads=T` would. */
static int run_members_at_once(const xp_cfg *root, char **paths, size_t count, char **studies, const int *threads,
                               int width, const run_options *opt, char *err, size_t n)
{
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        snprintf(err, n, "cannot find the runner's own program (/proc/self/exe: %s); blend.jobs=1 runs the members in turn",
                 strerror(errno));
        return XP_EIO;
    }
    exe[len] = 0;
    const char **own_dirs;
    size_t n_own;
    int rc = blend_plugin_path(root, &own_dirs, &n_own, err, n);
    if (rc) return rc;
    size_t per = 2 + 2 * (opt->n_plugin_dirs + n_own) + 1 + opt->n_overrides + 2;
    char **argv = calloc(count * per, sizeof *argv);
    char (*thr)[40] = calloc(count, sizeof *thr);
    proc_job *jobs = calloc(count, sizeof *jobs);
    if (!argv || !thr || !jobs) {
        free(argv); free(thr); free(jobs); free(own_dirs);
        snprintf(err, n, "out of memory");
        return XP_ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        char **a = argv + i * per;
        size_t k = 0;
        a[k++] = exe;
        if (opt->verbosity <= XP_LOG_ERROR) a[k++] = "-q";
        else if (opt->verbosity >= XP_LOG_DEBUG) a[k++] = "-v";
        for (size_t d = 0; d < opt->n_plugin_dirs; d++) {
            a[k++] = "--plugin-dir";
            a[k++] = (char *)opt->plugin_dirs[d];
        }
        for (size_t d = 0; d < n_own; d++) {
            a[k++] = "--plugin-dir";
            a[k++] = (char *)own_dirs[d];
        }
        a[k++] = paths[i];
        for (size_t o = 0; o < opt->n_overrides; o++)
            if (!skip_override(opt->overrides[o])) a[k++] = (char *)opt->overrides[o];
        snprintf(thr[i], sizeof thr[i], "++threads=%d", threads[i]);
        a[k++] = thr[i];
        a[k] = NULL;
        jobs[i] = (proc_job){ .argv = a, .label = studies[i] };
        fprintf(stderr, "[blend] member %zu/%zu: %s (study %s), %d thread%s, %d member%s at once\n", i + 1, count,
                paths[i], studies[i], threads[i], threads[i] > 1 ? "s" : "", width, width > 1 ? "s" : "");
    }
    rc = procs_run(jobs, count, width, err, n);
    if (!rc && host_interrupted()) {
        snprintf(err, n, "interrupted by %s (passed on to the members running, which record their runs as INTERRUPTED)",
                 host_signal_name(host_interrupted()));
        rc = XP_EINTERRUPTED;
    }
    for (size_t i = 0; i < count && !rc; i++) {
        if (jobs[i].status <= 0) continue;   /* 0 = done, -1 = not started after a failure */
        snprintf(err, n, "blend member %s (study %s) failed (exit %d); see its messages above", paths[i], studies[i],
                 jobs[i].status);
        rc = jobs[i].status == 2 ? XP_ECONFIG : XP_EMODEL;
    }
    free(argv);
    free(thr);
    free(jobs);
    free(own_dirs);
    return rc;
}

int blend_run_members(const xp_cfg *root, char **paths, size_t count, registry *reg, const run_options *opt, int jobs,
                      int threads, char ***studies, char *err, size_t n)
{
    *studies = calloc(count ? count : 1, sizeof **studies);
    int *member_threads = calloc(count ? count : 1, sizeof *member_threads);
    if (!*studies || !member_threads) { free(member_threads); snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    /* The thread budget is the blend's (its `threads`, else the machine's), shared by the
     * members that run at once; a member asking for fewer threads keeps its own count. */
    host_env env = { .threads = threads };
    int budget = host_threads(&env);
    int width = jobs > 0 ? jobs : budget;
    if ((size_t)width > count) width = (int)count;
    if (width < 1) width = 1;
    int share = budget / width > 0 ? budget / width : 1;
    int at_once = opt->run_members && width > 1;
    int rc = XP_OK;
    /* Pass 0 checks every member's config (plugins, keys, data) before pass 1 runs any: a
     * typo in the last member must not cost the first member's minutes. */
    for (int pass = opt->run_members ? 0 : 1; pass < 2 && !rc; pass++)
    for (size_t i = 0; i < count && !rc; i++) {
        xp_cfg *mroot = cfg_load_file(paths[i], err, n);
        if (!mroot) { rc = XP_ECONFIG; break; }
        for (size_t k = 0; k < opt->n_overrides && !rc; k++)
            if (!skip_override(opt->overrides[k])) rc = cfg_override(mroot, opt->overrides[k], err, n);
        const char *name = "default";
        int64_t own = 0;
        if (!rc) rc = cfg_read_str(mroot, "name", 0, &name, err, n);
        if (!rc) rc = cfg_read_int(mroot, "threads", 0, &own, err, n);
        if (!rc && cfg_get(mroot, "blend")) {
            snprintf(err, n, "%s: a blend member is itself a blend; list its members instead", paths[i]);
            rc = XP_ECONFIG;
        }
        if (!rc && pass == 1 && !((*studies)[i] = strdup(name))) { snprintf(err, n, "out of memory"); rc = XP_ENOMEM; }
        member_threads[i] = own > 0 && own < share ? (int)own : share;
        if (!rc && (pass == 0 || (opt->run_members && !at_once))) {
            if (pass == 1) fprintf(stderr, "[blend] member %zu/%zu: %s (study %s)\n", i + 1, count, paths[i], name);
            run_options mo = *opt;
            mo.config_path = paths[i];
            mo.check_only = pass == 0;
            mo.verbosity = pass == 0 ? XP_LOG_ERROR : opt->verbosity;
            int ec = run_experiment(mroot, reg, &mo);
            if (ec) {
                snprintf(err, n, "blend member %s (study %s) %s (exit %d); see its messages above", paths[i], name,
                         pass == 0 ? "does not pass the config check" : "failed", ec);
                rc = ec == 2 ? XP_ECONFIG : XP_EMODEL;
            }
        }
        cfg_free(mroot);
    }
    if (!rc && at_once) rc = run_members_at_once(root, paths, count, *studies, member_threads, width, opt, err, n);
    free(member_threads);
    return rc;
}

/* ------------------------------------------------------------------ reading a member's run */

/* Maps a file row id to the index of the frame row that has it (-1: none). */
typedef struct row_map {
    int64_t *at;
    int64_t max;
} row_map;

static int row_map_make(const xp_frame *f, row_map *m)
{
    m->max = -1;
    for (size_t i = 0; i < f->n_rows; i++) if (f->row_id[i] > m->max) m->max = f->row_id[i];
    m->at = malloc((size_t)(m->max + 1 > 0 ? m->max + 1 : 1) * sizeof *m->at);
    if (!m->at) return XP_ENOMEM;
    for (int64_t i = 0; i <= m->max; i++) m->at[i] = -1;
    for (size_t i = 0; i < f->n_rows; i++) m->at[f->row_id[i]] = (int64_t)i;
    return XP_OK;
}

/* Reads the artifact `kind` of a run (checking its recorded sha256) into out[frame row]:
 * every frame row must appear exactly once, with a prediction, and no other row. */
static int read_predictions(store *st, int64_t run_id, const char *study, const char *kind,
                            const xp_frame *f, const row_map *map, double *out, char *err, size_t n)
{
    char *path = NULL, want[65], got[65];
    err[0] = 0;
    if (store_run_artifact_sha(st, run_id, kind, &path, want)) {
        snprintf(err, n, "blend: study %s, run %lld: %s (rerun the member; runs from before out-of-fold predictions were recorded cannot be blended)",
                 study, (long long)run_id, store_errmsg(st));
        return XP_ENOTFOUND;
    }
    int rc = XP_OK;
    if (sha256_file_hex(path, got)) {
        snprintf(err, n, "blend: %s (study %s, run %lld): cannot read: %s", path, study, (long long)run_id, strerror(errno));
        free(path);
        return XP_EIO;
    }
    if (strcmp(got, want)) {
        snprintf(err, n, "blend: %s (study %s, run %lld) has changed since the run wrote it (sha256 %.12s…, recorded %.12s…)",
                 path, study, (long long)run_id, got, want);
        free(path);
        return XP_EIO;
    }
    FILE *fp = fopen(path, "r");
    char line[512];
    size_t seen = 0, lineno = 1;
    for (size_t i = 0; i < f->n_rows; i++) out[i] = NAN;
    if (!fp || !fgets(line, sizeof line, fp) || strncmp(line, "row,target,prediction", 21)) {
        snprintf(err, n, "blend: %s: expected the header row,target,prediction", path);
        rc = XP_EFORMAT;
    }
    while (!rc && fgets(line, sizeof line, fp)) {
        lineno++;
        char *e1, *e2, *e3;
        long long row = strtoll(line, &e1, 10);
        if (*e1 != ',') { rc = XP_EFORMAT; break; }
        strtod(e1 + 1, &e2);
        if (*e2 != ',') { rc = XP_EFORMAT; break; }
        double p = strtod(e2 + 1, &e3);
        if (e3 == e2 + 1) {
            snprintf(err, n, "blend: %s:%zu: row %lld has no prediction", path, lineno, row);
            rc = XP_EFORMAT;
            break;
        }
        if (row < 0 || row > map->max || map->at[row] < 0) {
            snprintf(err, n, "blend: %s:%zu: row %lld is not a %s row of this split: the member ran on another split or data",
                     path, lineno, row, strcmp(kind, "test_predictions") ? "dev" : "test");
            rc = XP_EINVAL;
            break;
        }
        if (!isnan(out[map->at[row]])) {
            snprintf(err, n, "blend: %s:%zu: row %lld appears twice", path, lineno, row);
            rc = XP_EFORMAT;
            break;
        }
        out[map->at[row]] = p;
        seen++;
    }
    if (rc == XP_EFORMAT && !err[0]) snprintf(err, n, "blend: %s:%zu: expected row,target,prediction", path, lineno);
    if (!rc && seen != f->n_rows) {
        snprintf(err, n, "blend: %s has %zu of the split's %zu rows: the member ran on another split or data", path, seen, f->n_rows);
        rc = XP_EINVAL;
    }
    if (fp) fclose(fp);
    free(path);
    return rc;
}

/* ------------------------------------------------------------------ weights */

/* min ||A w - b||^2 over rows with use[i], w on the simplex; A is rows × m (row-major). */
static void fit_weights(int method, const double *A, const double *b, const unsigned char *use,
                        size_t rows, size_t m, double *w)
{
    for (size_t j = 0; j < m; j++) w[j] = 1.0 / (double)m;
    if (method == M_MEAN || m == 1) return;
    double *G = calloc(m * m, sizeof *G), *c = calloc(m, sizeof *c);
    if (!G || !c) { free(G); free(c); return; }
    size_t cnt = 0;
    for (size_t i = 0; i < rows; i++) {
        if (use && !use[i]) continue;
        cnt++;
        for (size_t a = 0; a < m; a++) {
            c[a] += A[i * m + a] * b[i];
            for (size_t k = 0; k < m; k++) G[a * m + k] += A[i * m + a] * A[i * m + k];
        }
    }
    if (method == M_BEST) {                   /* the single member with the least error */
        double best = INFINITY;
        size_t arg = 0;
        double bb = 0;
        for (size_t i = 0; i < rows; i++) if (!use || use[i]) bb += b[i] * b[i];
        for (size_t a = 0; a < m; a++) {
            double e = G[a * m + a] - 2 * c[a] + bb;
            if (e < best) { best = e; arg = a; }
        }
        for (size_t a = 0; a < m; a++) w[a] = a == arg;
    } else if (cnt) {
        /* Exact: the least-squares weights of every subset of members with the sum-to-one
         * constraint (its KKT system), keeping the best that is non-negative. Members are
         * few (2^m subsets); projected gradient crawls when members agree closely, as good
         * ones do. */
        double ridge = 0;
        for (size_t a = 0; a < m; a++) ridge += G[a * m + a];
        ridge *= 1e-12;
        double best = INFINITY;
        size_t sz = m + 1;
        double *K = malloc(sz * (sz + 1) * sizeof *K), *sol = malloc(sz * sizeof *sol);
        size_t *idx = malloc(m * sizeof *idx);
        for (unsigned long mask = 1; K && sol && idx && m < 20 && mask < (1ul << m); mask++) {
            size_t q = 0;
            for (size_t a = 0; a < m; a++) if (mask & (1ul << a)) idx[q++] = a;
            size_t r = q + 1, cols = q + 2;            /* augmented [G_S 1 | c_S; 1' 0 | 1] */
            for (size_t u = 0; u < q; u++) {
                for (size_t v = 0; v < q; v++) K[u * cols + v] = G[idx[u] * m + idx[v]] + (u == v ? ridge : 0);
                K[u * cols + q] = 1;
                K[u * cols + q + 1] = c[idx[u]];
            }
            for (size_t v = 0; v < q; v++) K[q * cols + v] = 1;
            K[q * cols + q] = 0;
            K[q * cols + q + 1] = 1;
            int ok = 1;
            for (size_t col = 0; col < r && ok; col++) {  /* Gaussian elimination, partial pivoting */
                size_t piv = col;
                for (size_t u = col + 1; u < r; u++) if (fabs(K[u * cols + col]) > fabs(K[piv * cols + col])) piv = u;
                if (fabs(K[piv * cols + col]) < 1e-300) { ok = 0; break; }
                if (piv != col)
                    for (size_t v = 0; v < cols; v++) { double t = K[col * cols + v]; K[col * cols + v] = K[piv * cols + v]; K[piv * cols + v] = t; }
                for (size_t u = 0; u < r; u++) {
                    if (u == col) continue;
                    double f = K[u * cols + col] / K[col * cols + col];
                    for (size_t v = col; v < cols; v++) K[u * cols + v] -= f * K[col * cols + v];
                }
            }
            if (!ok) continue;
            for (size_t u = 0; u < q; u++) {
                sol[u] = K[u * cols + q + 1] / K[u * cols + u];
                if (sol[u] < 0) ok = 0;
            }
            if (!ok) continue;
            double f = 0;                               /* w'Gw - 2c'w on the subset */
            for (size_t u = 0; u < q; u++) {
                f -= 2 * c[idx[u]] * sol[u];
                for (size_t v = 0; v < q; v++) f += sol[u] * G[idx[u] * m + idx[v]] * sol[v];
            }
            if (f < best) {
                best = f;
                for (size_t a = 0; a < m; a++) w[a] = 0;
                for (size_t u = 0; u < q; u++) w[idx[u]] = sol[u];
            }
        }
        free(K); free(sol); free(idx);
    }
    free(G); free(c);
}

static double weighted(const double *row, const double *w, size_t m)
{
    double v = 0;
    for (size_t k = 0; k < m; k++) v += w[k] * row[k];
    return v;
}

/* blend.calibrate: affine — the least-squares scale and offset of the weighted sum on the
 * rows with use[i] (calibrate.c's affine_fit, as validation.calibrate uses). */
static int fit_affine(const double *A, const double *b, const unsigned char *use, size_t rows, size_t m,
                      const double *w, double *scale, double *offset)
{
    double *z = malloc((rows ? rows : 1) * sizeof *z);
    if (!z) return XP_ENOMEM;
    for (size_t i = 0; i < rows; i++) z[i] = weighted(A + i * m, w, m);
    affine_fit(z, b, use, rows, scale, offset);
    free(z);
    return XP_OK;
}

/* Weights, scale and offset per stratum (blend_strata.h): slot 0 the pooled fit, slot 1 + c
 * stratum c's own when own[c] (enough rows), else its rows take slot 0. Without strata there
 * is one stratum, code 0, and it keeps the pooled fit. */
typedef struct fitted {
    size_t m, n_codes;
    double *w;                  /* (n_codes + 1) × m */
    double *scale, *offset;     /* n_codes + 1 */
    unsigned char *own;         /* n_codes */
    long *rows;                 /* n_codes: fitted rows of each stratum */
} fitted;

static int fitted_init(fitted *ft, size_t m, const strata_spec *ss)
{
    memset(ft, 0, sizeof *ft);
    ft->m = m;
    ft->n_codes = (size_t)1 << ss->n;
    size_t slots = ft->n_codes + 1;
    ft->w = calloc(slots * m, sizeof *ft->w);
    ft->scale = calloc(slots, sizeof *ft->scale);
    ft->offset = calloc(slots, sizeof *ft->offset);
    ft->own = calloc(ft->n_codes, 1);
    ft->rows = calloc(ft->n_codes, sizeof *ft->rows);
    return ft->w && ft->scale && ft->offset && ft->own && ft->rows ? XP_OK : XP_ENOMEM;
}

static void fitted_free(fitted *ft)
{
    free(ft->w); free(ft->scale); free(ft->offset); free(ft->own); free(ft->rows);
    memset(ft, 0, sizeof *ft);
}

/* The slot row i's stratum predicts with. */
static size_t slot_of(const fitted *ft, int code)
{
    return ft->own[code] ? 1 + (size_t)code : 0;
}

/* Fits slot 0 on the rows with use[i] (NULL: all), then each stratum with at least
 * ss->min_rows of them on its own rows (only when strata are configured). */
static int fit_stratified(int method, int affine, const double *A, const double *b, const unsigned char *use,
                          const int *codes, size_t rows, const strata_spec *ss, fitted *ft)
{
    size_t m = ft->m;
    unsigned char *sub = malloc(rows ? rows : 1);
    if (!sub) return XP_ENOMEM;
    int rc = XP_OK;
    for (size_t c = 0; c < ft->n_codes; c++) { ft->own[c] = 0; ft->rows[c] = 0; }
    for (size_t i = 0; i < rows; i++) if (!use || use[i]) ft->rows[codes[i]]++;
    for (size_t slot = 0; slot <= ft->n_codes && !rc; slot++) {
        const unsigned char *u = use;
        if (slot > 0) {
            size_t c = slot - 1;
            if (!ss->n || ft->rows[c] < ss->min_rows) continue;
            for (size_t i = 0; i < rows; i++) sub[i] = (!use || use[i]) && (size_t)codes[i] == c;
            u = sub;
            ft->own[c] = 1;
        }
        double *w = ft->w + slot * m;
        fit_weights(method, A, b, u, rows, m, w);
        ft->scale[slot] = 1;
        ft->offset[slot] = 0;
        if (affine) rc = fit_affine(A, b, u, rows, m, w, &ft->scale[slot], &ft->offset[slot]);
    }
    free(sub);
    return rc;
}

static double predict_row(const fitted *ft, const double *row, int code)
{
    size_t s = slot_of(ft, code);
    return ft->offset[s] + ft->scale[s] * weighted(row, ft->w + s * ft->m, ft->m);
}

/* ------------------------------------------------------------------ the blend run */

/* The artifact `runner predict` reads to predict with a blend run: which member runs, with
 * which weights, combined in which space, with which scale and offset. A CSV (not the JSON record) so predict needs no JSON
 * reader; it is recorded with its sha256 like every artifact. */
static int write_members(const experiment *x, const char *artifact_dir, const char *space_s, const strata_spec *ss,
                         const fitted *ft, const member *mem, char *err, size_t n)
{
    char path[4096], hex[65], label[512];
    snprintf(path, sizeof path, "%s/blend_members.csv", artifact_dir);
    FILE *fp = fopen(path, "w");
    int bad = !fp;
    if (fp) {
        /* scale and offset repeat on every line, like space: one line per member (per
         * stratum: "pooled" first, then each stratum that has weights of its own). */
        fprintf(fp, "%sspace,scale,offset,run_id,weight,study\n", ss->n ? "stratum," : "");
        for (size_t slot = 0; slot <= ft->n_codes; slot++) {
            if (slot > 0 && (!ss->n || !ft->own[slot - 1])) continue;
            if (slot > 0) strata_label(ss, (int)(slot - 1), label, sizeof label);
            for (size_t k = 0; k < ft->m; k++) {
                if (ss->n) fprintf(fp, "%s,", slot ? label : "pooled");
                fprintf(fp, "%s,%.17g,%.17g,%lld,%.17g,%s\n", space_s, ft->scale[slot], ft->offset[slot],
                        (long long)mem[k].run_id, ft->w[slot * ft->m + k], mem[k].study);
            }
        }
        bad = fclose(fp) != 0;
    }
    if (bad || sha256_file_hex(path, hex) || store_artifact(x->st, x->run_id, path, hex, "blend_members")) {
        snprintf(err, n, "%s: cannot write or record: %s", path, errno ? strerror(errno) : store_errmsg(x->st));
        return XP_EIO;
    }
    return 0;
}

int *source_codes(const experiment *x, const xp_frame *f);   /* folds.c */

/* The members' format, source column included (run.c write_predictions). */
static int write_preds(const char *path, const experiment *x, const xp_frame *f, const double *y, const double *p)
{
    int *src = source_codes(x, f);   /* NULL: no source column */
    FILE *fp = fopen(path, "w");
    if (!fp) { free(src); return -1; }
    fprintf(fp, "row,target,prediction%s\n", src ? ",source" : "");
    for (size_t i = 0; i < f->n_rows; i++) {   /* dev and test rows are kept in file order */
        fprintf(fp, "%lld,%.17g,%.17g", (long long)f->row_id[i], y[i], p[i]);
        if (src && src[i] >= 0) fprintf(fp, ",%d\n", src[i]);
        else fprintf(fp, "%s\n", src ? "," : "");
    }
    free(src);
    return fclose(fp);
}

static double *target_of(const xp_frame *f)
{
    const xp_column *t = frame_role(f, XP_ROLE_TARGET);
    double *y = malloc((f->n_rows ? f->n_rows : 1) * sizeof *y);
    if (!y || !t) { free(y); return NULL; }
    for (size_t i = 0; i < f->n_rows; i++) y[i] = col_value(t, i);
    return y;
}

int blend_fit(experiment *x, char **studies, size_t m, const char *artifact_dir, const char *folds_sha,
              blend_outcome *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    const xp_cfg *bl = cfg_get(x->root, "blend");
    int method, logspace, affine, rc;
    if ((rc = blend_options(bl, &method, &logspace, &affine, err, n))) return rc;
    const char *space_s = logspace ? "log" : "raw";
    strata_spec ss;
    if ((rc = strata_read(bl, &ss, err, n))) return rc;
    fitted ft;

    size_t nd = x->dev->n_rows, nt = x->test->n_rows;
    member *mem = calloc(m, sizeof *mem);
    double *A = malloc((nd ? nd : 1) * m * sizeof *A), *T = malloc((nt ? nt : 1) * m * sizeof *T);
    double *ydev = target_of(x->dev), *ytest = target_of(x->test), *b = malloc((nd ? nd : 1) * sizeof *b);
    double *oof = malloc((nd ? nd : 1) * sizeof *oof), *pred = malloc((nt ? nt : 1) * sizeof *pred);
    int *fold = malloc((nd ? nd : 1) * sizeof *fold);
    unsigned char *use = malloc(nd ? nd : 1);
    double *w = calloc(m, sizeof *w), *mv = calloc(x->n_metrics, sizeof *mv), *msum = calloc(x->n_metrics, sizeof *msum);
    double *fy = malloc((nd ? nd : 1) * sizeof *fy), *fp = malloc((nd ? nd : 1) * sizeof *fp);
    int *dcode = calloc(nd ? nd : 1, sizeof *dcode), *tcode = calloc(nt ? nt : 1, sizeof *tcode);
    row_map dmap = { 0 }, tmap = { 0 };
    char *json = NULL;
    rc = XP_ENOMEM;
    if (fitted_init(&ft, m, &ss) || !mem || !A || !T || !ydev || !ytest || !b || !oof || !pred || !fold || !use || !w ||
        !mv || !msum || !fy || !fp || !dcode || !tcode || row_map_make(x->dev, &dmap) || row_map_make(x->test, &tmap)) {
        snprintf(err, n, "out of memory");
        goto done;
    }
    if ((rc = strata_codes(&ss, x->dev, dcode, err, n)) || (rc = strata_codes(&ss, x->test, tcode, err, n))) goto done;
    for (size_t i = 0; i < nd; i++) fold[i] = -1;
    for (size_t i = 0; i < x->plan.n_dev; i++) fold[x->plan.dev[i]] = x->plan.fold[i];
    rc = XP_OK;
    for (size_t k = 0; k < m && !rc; k++) {
        member *me = &mem[k];
        me->study = studies[k];
        if (store_latest_run(x->st, studies[k], &me->run_id)) {
            snprintf(err, n, "blend: %s", store_errmsg(x->st));
            rc = XP_ENOTFOUND;
            break;
        }
        char *fpath = NULL, fsha[65];
        if (store_run_artifact_sha(x->st, me->run_id, "folds", &fpath, fsha) || strcmp(fsha, folds_sha)) {
            snprintf(err, n, "blend: study %s (run %lld) ran on another split than this blend (its folds.csv differs): "
                     "members need the same data, seed and validation settings", studies[k], (long long)me->run_id);
            free(fpath);
            rc = XP_EINVAL;
            break;
        }
        free(fpath);
        fpath = NULL;
        /* A calibrated member's test predictions went through a line its out-of-fold ones did
         * not: weights fitted on the one would be applied to the other. */
        int crc = store_run_artifact(x->st, me->run_id, "calibration", &fpath);
        if (crc && crc != XP_ENOTFOUND) {
            snprintf(err, n, "blend: study %s (run %lld): %s", studies[k], (long long)me->run_id, store_errmsg(x->st));
            rc = crc;
            break;
        }
        if (!crc) {
            snprintf(err, n, "blend: study %s (run %lld) calibrated its test predictions (validation.calibrate: affine) "
                     "but not its out-of-fold ones; a blend member needs validation.calibrate: none (the blend "
                     "calibrates its sum: blend.calibrate)", studies[k], (long long)me->run_id);
            free(fpath);
            rc = XP_EINVAL;
            break;
        }
        if (!(me->oof = malloc((nd ? nd : 1) * sizeof *me->oof)) || !(me->test = malloc((nt ? nt : 1) * sizeof *me->test))) {
            snprintf(err, n, "out of memory");
            rc = XP_ENOMEM;
            break;
        }
        if ((rc = read_predictions(x->st, me->run_id, studies[k], "oof_predictions", x->dev, &dmap, me->oof, err, n)) ||
            (rc = read_predictions(x->st, me->run_id, studies[k], "test_predictions", x->test, &tmap, me->test, err, n)))
            break;
        for (size_t i = 0; i < nd; i++) A[i * m + k] = pred_to_space(logspace, me->oof[i]);
        for (size_t i = 0; i < nt; i++) T[i * m + k] = pred_to_space(logspace, me->test[i]);
        if ((rc = metrics_compute(x, ydev, me->oof, nd, mv, err, n))) break;
        me->cv = mv[x->objective];
    }
    if (rc) goto done;
    for (size_t i = 0; i < nd; i++) b[i] = pred_to_space(logspace, ydev[i]);

    /* Cross-fitted CV: each fold predicted with weights fitted on the other folds. */
    int k_folds = x->folds;
    out->cv = 0;
    for (int f = 0; f < k_folds && !rc; f++) {
        for (size_t i = 0; i < nd; i++) use[i] = fold[i] >= 0 && fold[i] != f;
        if (fit_stratified(method, affine, A, b, use, dcode, nd, &ss, &ft)) {
            snprintf(err, n, "out of memory");
            rc = XP_ENOMEM;
            break;
        }
        size_t c = 0;
        for (size_t i = 0; i < nd; i++) {
            if (fold[i] != f) continue;
            oof[i] = pred_from_space(logspace, predict_row(&ft, A + i * m, dcode[i]));
            fy[c] = ydev[i];
            fp[c] = oof[i];
            c++;
        }
        if ((rc = metrics_compute(x, fy, fp, c, mv, err, n))) break;
        for (size_t q = 0; q < x->n_metrics && !rc; q++) {
            msum[q] += mv[q];
            if ((rc = store_metric(x->st, x->run_id, -1, f, "valid", -1, x->metrics[q].plugin->name, mv[q])))
                snprintf(err, n, "recording the blend's fold %d %s: %s", f, x->metrics[q].plugin->name, store_errmsg(x->st));
        }
    }
    if (rc) goto done;
    /* A failed write fails the blend: its record would lack the scores it reports. */
    for (size_t q = 0; q < x->n_metrics && !rc; q++)
        if ((rc = store_metric(x->st, x->run_id, -1, -1, "cv_valid", -1, x->metrics[q].plugin->name, msum[q] / k_folds)))
            snprintf(err, n, "recording the blend's cv_valid %s: %s", x->metrics[q].plugin->name, store_errmsg(x->st));
    out->cv = msum[x->objective] / k_folds;
    if (!rc && (rc = store_metric(x->st, x->run_id, -1, -1, "cv_grouped", -1, x->metrics[x->objective].plugin->name, out->cv)))
        snprintf(err, n, "recording the blend's cv_grouped: %s", store_errmsg(x->st));
    if (rc) goto done;

    /* The weights for the test part: fitted on every dev row's out-of-fold prediction. */
    if (fit_stratified(method, affine, A, b, NULL, dcode, nd, &ss, &ft)) {
        snprintf(err, n, "out of memory");
        rc = XP_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < nt; i++) pred[i] = pred_from_space(logspace, predict_row(&ft, T + i * m, tcode[i]));
    for (size_t k = 0; k < m; k++) w[k] = ft.w[k];   /* the pooled weights: what the summary shows */
    out->test = calloc(x->n_metrics, sizeof *out->test);
    if (!out->test) { snprintf(err, n, "out of memory"); rc = XP_ENOMEM; goto done; }
    if ((rc = test_metrics_store(x, x->test, ytest, pred, out->test, err, n))) goto done;

    /* The record: members, their weights and own scores. */
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "method", method_names[method]);
    json_out_kv_str(&j, "space", space_s);
    json_out_kv_str(&j, "calibrate", affine ? "affine" : "none");
    json_out_kv_num(&j, "scale", ft.scale[0]);     /* prediction = offset + scale * weighted sum (in space) */
    json_out_kv_num(&j, "offset", ft.offset[0]);
    json_out_kv_str(&j, "metric", x->metrics[x->objective].plugin->name);
    json_out_kv_num(&j, "cv", out->cv);
    json_out_key(&j, "members");
    json_out_array(&j);
    for (size_t k = 0; k < m; k++) {
        mem[k].weight = w[k];
        json_out_object(&j);
        json_out_kv_str(&j, "study", mem[k].study);
        json_out_kv_int(&j, "run_id", mem[k].run_id);
        json_out_kv_num(&j, "weight", w[k]);
        json_out_kv_num(&j, "oof", mem[k].cv);
        json_out_end(&j);
    }
    json_out_end(&j);
    if (ss.n) {
        /* Each stratum: its rows among the dev rows and, where it has its own, its weights
         * (by member, in the order above), scale and offset; the others use the pooled ones. */
        json_out_kv_int(&j, "strata_min_rows", ss.min_rows);
        json_out_key(&j, "strata");
        json_out_array(&j);
        char label[512];
        for (size_t c = 0; c < ft.n_codes; c++) {
            if (!ft.rows[c]) continue;
            strata_label(&ss, (int)c, label, sizeof label);
            json_out_object(&j);
            json_out_kv_str(&j, "stratum", label);
            json_out_kv_int(&j, "rows", ft.rows[c]);
            json_out_kv_bool(&j, "own_weights", ft.own[c]);
            if (ft.own[c]) {
                json_out_kv_num(&j, "scale", ft.scale[1 + c]);
                json_out_kv_num(&j, "offset", ft.offset[1 + c]);
                json_out_key(&j, "weights");
                json_out_array(&j);
                for (size_t k = 0; k < m; k++) json_out_num(&j, ft.w[(1 + c) * m + k]);
                json_out_end(&j);
            }
            json_out_end(&j);
        }
        json_out_end(&j);
    }
    json_out_end(&j);
    if (!(json = json_out_take(&j))) { snprintf(err, n, "out of memory"); rc = XP_ENOMEM; goto done; }
    if (store_record(x->st, x->run_id, "blend", json)) { snprintf(err, n, "%s", store_errmsg(x->st)); rc = XP_EIO; goto done; }

    if (artifact_dir) {
        char path[4096];
        const char *kinds[2] = { "test_predictions", "oof_predictions" };
        for (int a = 0; a < 2 && !rc; a++) {
            snprintf(path, sizeof path, "%s/%s.csv", artifact_dir, kinds[a]);
            char hex[65];
            if ((a == 0 ? write_preds(path, x, x->test, ytest, pred) : write_preds(path, x, x->dev, ydev, oof)) ||
                sha256_file_hex(path, hex) || store_artifact(x->st, x->run_id, path, hex, kinds[a])) {
                snprintf(err, n, "%s: cannot write or record: %s", path, errno ? strerror(errno) : store_errmsg(x->st));
                rc = XP_EIO;
            }
        }
    }
    if (!rc && artifact_dir) rc = write_members(x, artifact_dir, space_s, &ss, &ft, mem, err, n);
    if (rc) goto done;
    out->n_members = m;
    out->weights = w;
    w = NULL;
    out->member_cv = malloc(m * sizeof *out->member_cv);
    if (out->member_cv) for (size_t k = 0; k < m; k++) out->member_cv[k] = mem[k].cv;
    if (ss.n) {   /* the summary's lines: what each stratum predicts with */
        size_t len = 0;
        FILE *sf = open_memstream(&out->strata, &len);
        if (sf) {
            char label[512];
            fprintf(sf, "  weights by stratum (blend.strata), in the members' order:\n");
            for (size_t c = 0; c < ft.n_codes; c++) {
                if (!ft.rows[c]) continue;
                strata_label(&ss, (int)c, label, sizeof label);
                fprintf(sf, "    %-28s %7ld rows  ", label, ft.rows[c]);
                if (!ft.own[c]) { fprintf(sf, "the pooled weights (fewer than %ld rows)\n", ss.min_rows); continue; }
                for (size_t k = 0; k < m; k++) fprintf(sf, "%s%.4f", k ? " / " : "", ft.w[(1 + c) * m + k]);
                fprintf(sf, "  (scale %.4f, offset %.4f)\n", ft.scale[1 + c], ft.offset[1 + c]);
            }
            if (fclose(sf)) { free(out->strata); out->strata = NULL; }
        }
    }

done:
    for (size_t k = 0; mem && k < m; k++) { free(mem[k].oof); free(mem[k].test); }
    free(mem); free(A); free(T); free(ydev); free(ytest); free(b); free(oof); free(pred); free(fold); free(use);
    free(w); free(mv); free(msum); free(fy); free(fp); free(dmap.at); free(tmap.at); free(json);
    free(dcode); free(tcode);
    fitted_free(&ft);
    strata_free(&ss);
    if (rc) blend_outcome_free(out);
    return rc;
}

void blend_outcome_free(blend_outcome *o)
{
    free(o->test);
    free(o->weights);
    free(o->member_cv);
    free(o->strata);
    memset(o, 0, sizeof *o);
}
