/* tests/store/test_store.c — the experiment store and SHA-256, checked against independent
 * oracles: /usr/bin/sha256sum for hashes, Optuna 3.1 itself (optuna_interop.py) for the
 * database it must be able to read and extend.
 *
 *     test_store /usr/bin/python3 tests/store/optuna_interop.py
 *
 * Writes studies through the store API (COMPLETE/PRUNED/FAIL trials, one left RUNNING by a
 * process that dies), records what it wrote in expected.json, runs the Python script on
 * the database, then reopens the database to continue the study Optuna extended.
 * Everything lives in a fresh temp directory, so parallel meson tests never collide.
 */
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "sha256.h"
#include "store.h"
#include "xp/error.h"
#include "xp/plugin.h"

static char tmpdir[256];

static void path_in(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", tmpdir, name); }

/* Runs argv (no shell) and returns its exit status, or -1. */
static int run_argv(char *const argv[])
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int64_t query_int(const char *db, const char *sql)
{
    sqlite3 *h;
    int64_t v = -999;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        } else {
            fprintf(stderr, "query_int %s: %s\n", sql, sqlite3_errmsg(h));
        }
    }
    sqlite3_close(h);
    return v;
}

static void query_text(const char *db, const char *sql, char *out, size_t n)
{
    sqlite3 *h;
    out[0] = '\0';
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
                snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(h);
}

static void exec_sql(const char *db, const char *sql)
{
    sqlite3 *h;
    if (sqlite3_open(db, &h) != SQLITE_OK || sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
        fprintf(stderr, "exec_sql %s: %s\n", sql, sqlite3_errmsg(h));
    sqlite3_close(h);
}

/* ------------------------------------------------------------------ sha256 */

static void test_sha256(void)
{
    char hex[65];
    sha256_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  /* 2 blocks */
    sha256_hex(two, strlen(two), hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    /* One million 'a' fed in uneven pieces exercises the streaming buffer. */
    static char a[1024];
    memset(a, 'a', sizeof a);
    sha256_ctx c;
    unsigned char d[32];
    sha256_init(&c);
    size_t left = 1000000, piece = 1;
    while (left) {
        size_t k = piece < left ? piece : left;
        sha256_update(&c, a, k);
        left -= k;
        piece = piece % 997 + 13;
    }
    sha256_final(&c, d);
    char h2[65];
    for (int i = 0; i < 32; i++) snprintf(h2 + 2 * i, 3, "%02x", d[i]);
    CHECK_STR(h2, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* A file of pseudo-random bytes against the system's sha256sum. */
    char path[300];
    path_in(path, sizeof path, "blob.bin");
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    uint32_t x = 12345;
    for (int i = 0; i < 200001; i++) {
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 16) & 0xff, f);
    }
    fclose(f);
    CHECK_EQ_INT(sha256_file_hex(path, hex), 0);
    char cmd[400], want[65] = "";
    snprintf(cmd, sizeof cmd, "/usr/bin/sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (p) {
        CHECK(fscanf(p, "%64s", want) == 1);
        pclose(p);
    }
    CHECK_STR(hex, want);

    errno = 0;
    CHECK_EQ_INT(sha256_file_hex("/nonexistent/xp/file", hex), -1);
    CHECK_EQ_INT(errno, ENOENT);
    CHECK_STR(hex, "");
}

/* ------------------------------------------------------------------ expected trials */

static const char *D_DEPTH =
    "{\"name\": \"IntDistribution\", \"attributes\": {\"log\": false, \"step\": 1, \"low\": 2, \"high\": 10}}";
static const char *D_ETA =
    "{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, \"low\": 0.01, \"high\": 0.3, \"log\": true}}";
static const char *D_BOOSTER =
    "{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [\"gbtree\", \"dart\"]}}";
static const char *D_SUB =
    "{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": 0.1, \"low\": 0.5, \"high\": 1.0, \"log\": false}}";
static const char *D_MCW =
    "{\"name\": \"IntDistribution\", \"attributes\": {\"log\": true, \"step\": 1, \"low\": 1, \"high\": 64}}";
static const char *const BOOSTER_CHOICES[] = { "\"gbtree\"", "\"dart\"" };

typedef struct tparam {
    const char *name, *dist;
    double internal;
    const char *external;        /* JSON of Optuna's external value */
} tparam;

typedef struct texp {
    int64_t number;
    const char *state;
    int has_value;
    double value;
    size_t n_params;
    tparam params[5];
    size_t n_inter;
    int64_t steps[4];
    double inter[4];
    const char *attr_key, *attr_json;
} texp;

typedef struct sexp {
    const char *name, *direction;
    int64_t best;
    const char *attr_key, *attr_json;
    size_t n;
    texp t[12];
} sexp;

static void jnum(FILE *f, double v)
{
    if (isnan(v)) fputs("NaN", f);
    else if (isinf(v)) fputs(v > 0 ? "Infinity" : "-Infinity", f);
    else fprintf(f, "%.17g", v);
}

/* The five params of a trial with the given internal values; booster is a choice index. */
static void set_params(texp *e, double depth, double eta, double booster, double sub, double mcw)
{
    e->n_params = 5;
    e->params[0] = (tparam){ "max_depth", D_DEPTH, depth, NULL };
    e->params[1] = (tparam){ "eta", D_ETA, eta, NULL };
    e->params[2] = (tparam){ "booster", D_BOOSTER, booster, BOOSTER_CHOICES[(int)booster] };
    e->params[3] = (tparam){ "subsample", D_SUB, sub, NULL };
    e->params[4] = (tparam){ "min_child_weight", D_MCW, mcw, NULL };
}

/* Writes one trial through the API as e describes it, checking the number it gets. */
static int64_t write_trial(store *s, int64_t study, int64_t run, texp *e, int state, const double *value)
{
    int64_t tid = -1, num = -1;
    CHECK_EQ_INT(store_trial_begin(s, study, run, &tid, &num), XP_OK);
    CHECK_EQ_INT(num, e->number);
    for (size_t i = 0; i < e->n_params; i++)
        CHECK_EQ_INT(store_trial_param(s, tid, e->params[i].name, e->params[i].internal, e->params[i].dist), XP_OK);
    for (size_t i = 0; i < e->n_inter; i++)
        CHECK_EQ_INT(store_trial_intermediate(s, tid, e->steps[i], e->inter[i]), XP_OK);
    if (e->attr_key) CHECK_EQ_INT(store_trial_attr(s, tid, e->attr_key, e->attr_json), XP_OK);
    if (state != XP_TRIAL_RUNNING) {
        int rc = store_trial_finish(s, tid, state, value);
        CHECK_EQ_INT(rc, XP_OK);
        if (rc) fprintf(stderr, "  %s\n", store_errmsg(s));
    }
    return tid;
}

static void write_expected(const char *path, const sexp *studies, size_t n_studies, const char *db)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "{\n \"xp_counts\": {\"xp_runs\": %lld, \"xp_metrics\": %lld, \"xp_artifacts\": %lld, "
               "\"xp_records\": %lld},\n",
            (long long)query_int(db, "SELECT count(*) FROM xp_runs"),
            (long long)query_int(db, "SELECT count(*) FROM xp_metrics"),
            (long long)query_int(db, "SELECT count(*) FROM xp_artifacts"),
            (long long)query_int(db, "SELECT count(*) FROM xp_records"));
    /* Optuna appends this trial through ask/tell; the C side checks it afterwards. */
    fprintf(f, " \"optuna_adds\": {\"study\": \"interop\", \"value\": 0.39, \"params\": "
               "{\"max_depth\": 5, \"eta\": 0.2, \"booster\": \"gbtree\", \"subsample\": 0.6, "
               "\"min_child_weight\": 2},\n  \"distributions\": {\"max_depth\": %s, \"eta\": %s, "
               "\"booster\": %s, \"subsample\": %s, \"min_child_weight\": %s}},\n",
            D_DEPTH, D_ETA, D_BOOSTER, D_SUB, D_MCW);
    fputs(" \"studies\": [\n", f);
    for (size_t k = 0; k < n_studies; k++) {
        const sexp *S = &studies[k];
        fprintf(f, "  {\"name\": \"%s\", \"direction\": \"%s\", \"best_number\": %lld, \"user_attrs\": {",
                S->name, S->direction, (long long)S->best);
        if (S->attr_key) fprintf(f, "\"%s\": %s", S->attr_key, S->attr_json);
        fputs("},\n   \"trials\": [\n", f);
        for (size_t i = 0; i < S->n; i++) {
            const texp *e = &S->t[i];
            fprintf(f, "    {\"number\": %lld, \"state\": \"%s\", \"value\": ", (long long)e->number, e->state);
            if (e->has_value) jnum(f, e->value);
            else fputs("null", f);
            fputs(", \"params\": {", f);
            for (size_t j = 0; j < e->n_params; j++) {
                fprintf(f, "%s\"%s\": ", j ? ", " : "", e->params[j].name);
                if (e->params[j].external) fputs(e->params[j].external, f);
                else jnum(f, e->params[j].internal);
            }
            fputs("}, \"distributions\": {", f);
            for (size_t j = 0; j < e->n_params; j++)
                fprintf(f, "%s\"%s\": %s", j ? ", " : "", e->params[j].name, e->params[j].dist);
            fputs("}, \"intermediate\": {", f);
            for (size_t j = 0; j < e->n_inter; j++) {
                fprintf(f, "%s\"%lld\": ", j ? ", " : "", (long long)e->steps[j]);
                jnum(f, e->inter[j]);
            }
            fputs("}, \"user_attrs\": {", f);
            if (e->attr_key) fprintf(f, "\"%s\": %s", e->attr_key, e->attr_json);
            fprintf(f, "}}%s\n", i + 1 < S->n ? "," : "");
        }
        fprintf(f, "   ]}%s\n", k + 1 < n_studies ? "," : "");
    }
    fputs(" ]\n}\n", f);
    fclose(f);
}

static store_run_info run_info(const char *name)
{
    store_run_info info = { 0 };
    info.name = name;
    info.config_yaml = "model: {name: xgboost}\nsearch: {trials: 5}\n";
    info.config_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    info.seed = 42;
    info.git_rev = "ceaf2b0";
    info.host = NULL;            /* the store fills in gethostname() */
    info.command = "runner search configs/step1_xgb.yaml";
    return info;
}

/* A child process that starts a trial and dies without finishing it or closing the store. */
static void die_with_running_trial(const char *db, const char *study_name, int direction, texp *e)
{
    fflush(NULL);
    int failures_before = check_failures_;
    pid_t pid = fork();
    if (pid == 0) {
        store *s;
        char err[512];
        int64_t study, run;
        if (store_open(db, &s, err, sizeof err)) {
            fprintf(stderr, "child: %s\n", err);
            _exit(2);
        }
        store_run_info info = run_info("doomed");
        if (store_study_open(s, study_name, direction, &study) || store_run_begin(s, study, &info, &run)) {
            fprintf(stderr, "child: %s\n", store_errmsg(s));
            _exit(3);
        }
        write_trial(s, study, run, e, XP_TRIAL_RUNNING, NULL);
        _exit(check_failures_ > failures_before ? 4 : 0);   /* no store_close, no run end: a crash */
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ------------------------------------------------------------------ the interop scenario */

static void test_interop(const char *python, const char *script)
{
    char db[300], expected[300], blob[300], model[300];
    path_in(db, sizeof db, "interop.db");
    path_in(expected, sizeof expected, "expected.json");
    path_in(blob, sizeof blob, "blob.bin");
    path_in(model, sizeof model, "model.json");
    FILE *mf = fopen(model, "w");
    if (mf) { fputs("{\"trees\": []}\n", mf); fclose(mf); }

    static sexp S[2];
    memset(S, 0, sizeof S);
    S[0] = (sexp){ .name = "interop", .direction = "MINIMIZE", .best = 1,
                   .attr_key = "metric", .attr_json = "\"rmse\"" };
    S[1] = (sexp){ .name = "interop_max", .direction = "MAXIMIZE", .best = 1 };

    store *s = NULL;
    char err[512];
    int rc = store_open(db, &s, err, sizeof err);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) { fprintf(stderr, "%s\n", err); return; }
    int64_t study, study2, run, run2;
    CHECK_EQ_INT(store_study_open(s, "interop", XP_MINIMIZE, &study), XP_OK);
    CHECK_EQ_INT(store_study_open(s, "interop_max", XP_MAXIMIZE, &study2), XP_OK);
    CHECK_EQ_INT(store_study_attr(s, study, "metric", "\"rmse\""), XP_OK);
    store_run_info info = run_info("interop");
    CHECK_EQ_INT(store_run_begin(s, study, &info, &run), XP_OK);
    CHECK_EQ_INT(store_run_begin(s, study2, &info, &run2), XP_OK);

    /* #0 COMPLETE with per-fold intermediate values and a user attribute. */
    texp *e = &S[0].t[S[0].n++];
    *e = (texp){ .number = 0, .state = "COMPLETE", .has_value = 1, .value = 0.42, .n_inter = 3,
                 .steps = { 0, 1, 2 }, .inter = { 0.5, 0.45, 0.42 },
                 .attr_key = "fold_scores", .attr_json = "[0.41, 0.43]" };
    set_params(e, 6, 0.05, 1, 0.8, 8);
    int64_t t0 = write_trial(s, study, run, e, XP_TRIAL_COMPLETE, &e->value);
    /* #1 COMPLETE, the best. */
    e = &S[0].t[S[0].n++];
    *e = (texp){ .number = 1, .state = "COMPLETE", .has_value = 1, .value = 0.38, .n_inter = 2,
                 .steps = { 0, 1 }, .inter = { 0.4, 0.38 } };
    set_params(e, 4, 0.1, 0, 0.5, 1);
    write_trial(s, study, run, e, XP_TRIAL_COMPLETE, &e->value);
    /* #2 PRUNED: a NaN step in between; the value is the last step's (Optuna's rule). */
    e = &S[0].t[S[0].n++];
    *e = (texp){ .number = 2, .state = "PRUNED", .has_value = 1, .value = 0.95, .n_inter = 3,
                 .steps = { 0, 1, 2 }, .inter = { 0.9, NAN, 0.95 } };
    set_params(e, 10, 0.3, 0, 1.0, 64);
    write_trial(s, study, run, e, XP_TRIAL_PRUNED, NULL);
    /* #3 FAIL: a value passed with FAIL is not stored. */
    e = &S[0].t[S[0].n++];
    *e = (texp){ .number = 3, .state = "FAIL" };
    set_params(e, 2, 0.01, 1, 0.7, 3);
    write_trial(s, study, run, e, XP_TRIAL_FAIL, &(double){ 1.0 });
    /* #4 left RUNNING by a process that dies: FAIL when the study is next opened. */
    e = &S[0].t[S[0].n++];
    *e = (texp){ .number = 4, .state = "FAIL", .n_inter = 1, .steps = { 0 }, .inter = { 0.7 } };
    set_params(e, 3, 0.2, 1, 0.9, 5);
    die_with_running_trial(db, "interop", XP_MINIMIZE, e);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM trials WHERE state = 'RUNNING'"), 1);

    /* The maximize study: its numbering starts at 0 again. */
    e = &S[1].t[S[1].n++];
    *e = (texp){ .number = 0, .state = "COMPLETE", .has_value = 1, .value = 0.7 };
    set_params(e, 5, 0.02, 0, 0.6, 2);
    write_trial(s, study2, run2, e, XP_TRIAL_COMPLETE, &e->value);
    e = &S[1].t[S[1].n++];
    *e = (texp){ .number = 1, .state = "COMPLETE", .has_value = 1, .value = 0.9 };
    set_params(e, 7, 0.03, 1, 0.6, 2);
    write_trial(s, study2, run2, e, XP_TRIAL_COMPLETE, &e->value);
    e = &S[1].t[S[1].n++];
    *e = (texp){ .number = 2, .state = "COMPLETE", .has_value = 1, .value = -INFINITY };
    set_params(e, 8, 0.04, 0, 0.5, 1);
    write_trial(s, study2, run2, e, XP_TRIAL_COMPLETE, &e->value);

    /* Our own tables. */
    CHECK_EQ_INT(store_metric(s, run, t0, 0, "valid", -1, "rmse", 0.41), XP_OK);
    CHECK_EQ_INT(store_metric(s, run, t0, 1, "valid", -1, "rmse", 0.43), XP_OK);
    CHECK_EQ_INT(store_metric(s, run, -1, -1, "cv", 2, "rmse", 0.42), XP_OK);
    CHECK_EQ_INT(store_artifact(s, run, blob, NULL, "data"), XP_OK);   /* checksum computed */
    char mhex[65];
    CHECK_EQ_INT(sha256_file_hex(model, mhex), 0);
    CHECK_EQ_INT(store_artifact(s, run, "/old/model.json", mhex, "model"), XP_OK);
    CHECK_EQ_INT(store_artifact(s, run, model, mhex, "model"), XP_OK);
    CHECK_EQ_INT(store_record(s, run, "dataset_profile", "{\"rows\": 10, \"cols\": [\"a\", \"b\"]}"), XP_OK);
    CHECK_EQ_INT(store_run_end(s, run2, "COMPLETE", 1.5, 2.5), XP_OK);

    char *text = NULL;
    CHECK_EQ_INT(store_run_config(s, run, &text), XP_OK);
    CHECK_STR(text, info.config_yaml);
    free(text);
    CHECK_EQ_INT(store_run_artifact(s, run, "model", &text), XP_OK);
    CHECK_STR(text, model);
    free(text);
    text = (char *)"untouched";
    CHECK_EQ_INT(store_run_artifact(s, run, "no_such_kind", &text), XP_ENOTFOUND);
    CHECK(text == NULL);
    CHECK_CONTAINS(store_errmsg(s), "no_such_kind");
    store_close(s);

    /* Reopen: the dead child's trial becomes FAIL, its run FAIL; numbering continues. */
    rc = store_open(db, &s, err, sizeof err);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) { fprintf(stderr, "%s\n", err); return; }
    CHECK_EQ_INT(store_study_open(s, "interop", XP_MINIMIZE, &study), XP_OK);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM trials WHERE state = 'RUNNING'"), 0);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM trials WHERE number = 4 AND state = 'FAIL' "
                               "AND datetime_complete IS NOT NULL AND study_id = "
                               "(SELECT study_id FROM studies WHERE study_name = 'interop')"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_runs WHERE name = 'doomed' AND status = 'FAIL'"), 1);
    info = run_info("interop-resume");
    CHECK_EQ_INT(store_run_begin(s, study, &info, &run), XP_OK);
    e = &S[0].t[S[0].n++];
    /* Finite: Optuna 3.1 stores +-inf as NULL and its best_trial query sorts NULL first. */
    *e = (texp){ .number = 5, .state = "COMPLETE", .has_value = 1, .value = 0.55, .n_inter = 2,
                 .steps = { 0, 3 }, .inter = { -INFINITY, 1e300 } };
    set_params(e, 9, 0.29, 1, 0.6, 64);
    write_trial(s, study, run, e, XP_TRIAL_COMPLETE, &e->value);
    CHECK_EQ_INT(store_run_end(s, run, "COMPLETE", 0.25, 0.5), XP_OK);

    /* Rows in our tables, with NULLs where "none" was passed. */
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_metrics WHERE trial_id IS NULL AND fold IS NULL "
                               "AND source = 2 AND split = 'cv' AND value = 0.42"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_metrics WHERE trial_id IS NOT NULL AND source IS NULL"), 2);
    char hx[80], bhex[65];
    query_text(db, "SELECT sha256 FROM xp_artifacts WHERE kind = 'data'", hx, sizeof hx);
    CHECK_EQ_INT(sha256_file_hex(blob, bhex), 0);
    CHECK_STR(hx, bhex);
    CHECK_EQ_INT(query_int(db, "SELECT json_extract(json, '$.rows') FROM xp_records WHERE kind = 'dataset_profile'"), 10);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_runs WHERE status = 'COMPLETE' AND ended_at IS NOT NULL "
                               "AND wall_seconds = 0.25 AND cpu_seconds = 0.5 AND pid > 0 AND host IS NOT NULL"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_trial_runs"), 9);
    char mode[32];
    query_text(db, "PRAGMA journal_mode", mode, sizeof mode);
    CHECK_STR(mode, "wal");
    store_close(s);

    /* Optuna reads it all back, then appends a trial through ask/tell. */
    write_expected(expected, S, 2, db);
    if (access(python, X_OK) != 0) {
        fprintf(stderr, "FAIL: %s not found or not executable: the Optuna interop test needs Debian's "
                        "python3 with python3-optuna\n", python);
        CHECK(0);
        return;
    }
    char *argv[] = { (char *)python, (char *)script, db, expected, NULL };
    int st = run_argv(argv);
    CHECK_EQ_INT(st, 0);
    if (st) fprintf(stderr, "FAIL: %s %s %s %s exited with %d\n", python, script, db, expected, st);

    /* Resume after Optuna: store_trials_load sees its trial, numbering continues at 7. */
    rc = store_open(db, &s, err, sizeof err);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) { fprintf(stderr, "%s\n", err); return; }
    CHECK_EQ_INT(store_study_open(s, "interop", XP_MINIMIZE, &study), XP_OK);
    const char *names[] = { "max_depth", "eta", "booster", "subsample", "min_child_weight", "absent" };
    store_trial *tr = NULL;
    size_t n = 0;
    CHECK_EQ_INT(store_trials_load(s, study, names, 6, &tr, &n), XP_OK);
    CHECK_EQ_INT(n, 7);
    if (n == 7) {
        for (size_t i = 0; i < 6; i++) {
            const texp *x = &S[0].t[i];
            CHECK_EQ_INT(tr[i].number, x->number);
            CHECK_EQ_INT(tr[i].state, !strcmp(x->state, "COMPLETE") ? XP_TRIAL_COMPLETE
                                      : !strcmp(x->state, "PRUNED") ? XP_TRIAL_PRUNED : XP_TRIAL_FAIL);
            if (x->has_value) CHECK(tr[i].value == x->value);
            else CHECK(isnan(tr[i].value));
            for (size_t j = 0; j < 5; j++) CHECK(tr[i].params[j] == x->params[j].internal);
            CHECK(isnan(tr[i].params[5]));
        }
        CHECK_EQ_INT(tr[6].number, 6);
        CHECK_EQ_INT(tr[6].state, XP_TRIAL_COMPLETE);
        CHECK(tr[6].value == 0.39);
        CHECK(tr[6].params[0] == 5 && tr[6].params[1] == 0.2 && tr[6].params[2] == 0);
        CHECK(tr[6].params[3] == 0.6 && tr[6].params[4] == 2);
    }
    store_trials_free(tr, n);
    int64_t tid, num;
    CHECK_EQ_INT(store_trial_begin(s, study, -1, &tid, &num), XP_OK);
    CHECK_EQ_INT(num, 7);
    CHECK_EQ_INT(store_trial_finish(s, tid, XP_TRIAL_FAIL, NULL), XP_OK);
    store_close(s);

    /* A database Optuna created itself (by the script): we accept its schema as ours. */
    char ref[300];
    path_in(ref, sizeof ref, "optuna_ref.db");
    rc = store_open(ref, &s, err, sizeof err);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) { fprintf(stderr, "%s\n", err); return; }
    CHECK_EQ_INT(store_study_open(s, "ref", XP_MINIMIZE, &study), XP_OK);
    CHECK_EQ_INT(store_trial_begin(s, study, -1, &tid, &num), XP_OK);
    CHECK_EQ_INT(num, 0);
    store_close(s);
    CHECK_EQ_INT(query_int(ref, "SELECT count(*) FROM sqlite_master WHERE name = 'xp_runs'"), 1);
}

/* ------------------------------------------------------------------ orphans and liveness */

static void test_liveness(void)
{
    char db[300], err[512];
    path_in(db, sizeof db, "live.db");
    store *a, *b;
    CHECK_EQ_INT(store_open(db, &a, err, sizeof err), XP_OK);
    CHECK_EQ_INT(store_open(db, &b, err, sizeof err), XP_OK);   /* a second handle, same process */
    int64_t study, r_live, r_other, r_ended, t;
    CHECK_EQ_INT(store_study_open(a, "live", XP_MAXIMIZE, &study), XP_OK);
    store_run_info info = run_info("live");
    CHECK_EQ_INT(store_run_begin(a, study, &info, &r_live), XP_OK);
    store_run_info other = run_info("elsewhere");
    other.host = "some-other-host.invalid";
    CHECK_EQ_INT(store_run_begin(a, study, &other, &r_other), XP_OK);
    CHECK_EQ_INT(store_run_begin(a, study, &info, &r_ended), XP_OK);
    CHECK_EQ_INT(store_trial_begin(a, study, r_live, &t, NULL), XP_OK);
    CHECK_EQ_INT(store_trial_begin(a, study, r_other, &t, NULL), XP_OK);
    CHECK_EQ_INT(store_trial_begin(a, study, r_ended, &t, NULL), XP_OK);
    CHECK_EQ_INT(store_trial_begin(a, study, -1, &t, NULL), XP_OK);   /* no run: unknown owner */
    /* The other host's pid is dead here, but that proves nothing about the other host. */
    exec_sql(db, "UPDATE xp_runs SET pid = 999999999 WHERE name = 'elsewhere'");
    CHECK_EQ_INT(store_run_end(a, r_ended, "INTERRUPTED", 1, 1), XP_OK);
    CHECK_EQ_INT(store_study_open(b, "live", XP_MAXIMIZE, &study), XP_OK);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM trials WHERE state = 'RUNNING'"), 3);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM trials t JOIN xp_trial_runs r ON r.trial_id = t.trial_id "
                               "WHERE t.state = 'FAIL' AND r.run_id = (SELECT id FROM xp_runs WHERE status = 'INTERRUPTED')"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_runs WHERE status = 'RUNNING'"), 2);
    store_close(a);
    store_close(b);
}

/* What a runner worker and a sampler read: store_study_find never creates; a pruned trial's
 * last step is the largest step it reported (Optuna's trial.last_step), -1 for the others. */
static void test_find_and_last_step(void)
{
    char db[300], err[512];
    path_in(db, sizeof db, "find.db");
    store *s;
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_OK);
    int64_t study, found = 0, t0, t1, t2;
    CHECK_EQ_INT(store_study_find(s, "absent", &found), XP_ENOTFOUND);
    CHECK_EQ_INT(found, -1);
    CHECK(strstr(store_errmsg(s), "no study named 'absent'") != NULL);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM studies"), 0);
    CHECK_EQ_INT(store_study_open(s, "steps", XP_MINIMIZE, &study), XP_OK);
    CHECK_EQ_INT(store_study_find(s, "steps", &found), XP_OK);
    CHECK_EQ_INT(found, study);
    CHECK_EQ_INT(store_trial_begin(s, study, -1, &t0, NULL), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t0, 0, 0.5), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t0, 2, 0.7), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t0, 1, 0.6), XP_OK);
    CHECK_EQ_INT(store_trial_finish(s, t0, XP_TRIAL_PRUNED, NULL), XP_OK);
    CHECK_EQ_INT(store_trial_begin(s, study, -1, &t1, NULL), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t1, 0, 0.4), XP_OK);
    CHECK_EQ_INT(store_trial_finish(s, t1, XP_TRIAL_COMPLETE, &(double){ 0.4 }), XP_OK);
    CHECK_EQ_INT(store_trial_begin(s, study, -1, &t2, NULL), XP_OK);
    CHECK_EQ_INT(store_trial_finish(s, t2, XP_TRIAL_PRUNED, &(double){ 0.9 }), XP_OK);   /* no steps */
    store_trial *tr = NULL;
    size_t n = 0;
    CHECK_EQ_INT(store_trials_load(s, study, NULL, 0, &tr, &n), XP_OK);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_INT(tr[0].last_step, 2);
        CHECK_EQ_INT(tr[1].last_step, -1);
        CHECK_EQ_INT(tr[2].last_step, -1);
    }
    store_trials_free(tr, n);
    /* A trial's values by step, as the median pruner reads another run's trials: steps it
     * did not report and steps past n_steps stay out (NaN / untouched). */
    double v[4] = { -1, -1, -1, 42 };
    CHECK_EQ_INT(store_trial_intermediates(s, t0, 3, v), XP_OK);
    CHECK(v[0] == 0.5 && v[1] == 0.6 && v[2] == 0.7 && v[3] == 42);
    CHECK_EQ_INT(store_trial_intermediates(s, t1, 3, v), XP_OK);
    CHECK(v[0] == 0.4 && isnan(v[1]) && isnan(v[2]));
    v[2] = -1;
    CHECK_EQ_INT(store_trial_intermediates(s, t0, 2, v), XP_OK);
    CHECK(v[0] == 0.5 && v[1] == 0.6 && v[2] == -1);   /* step 2 is past n_steps: not read, not reset */
    CHECK_EQ_INT(store_trial_intermediates(s, t0, -1, v), XP_EINVAL);
    store_close(s);
}

/* Two processes number trials of one study at once: 0..N-1, no gaps, no duplicates. */
static void test_concurrent(void)
{
    char db[300], err[512];
    path_in(db, sizeof db, "concurrent.db");
    store *s;
    int64_t study;
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_OK);
    CHECK_EQ_INT(store_study_open(s, "c", XP_MINIMIZE, &study), XP_OK);
    store_close(s);
    enum { PROCS = 3, EACH = 20 };
    pid_t pids[PROCS];
    fflush(NULL);
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            int64_t st, run, tid, num;
            if (store_open(db, &s, err, sizeof err)) _exit(2);
            store_run_info info = run_info("worker");
            if (store_study_open(s, "c", XP_MINIMIZE, &st) || store_run_begin(s, st, &info, &run)) _exit(3);
            for (int i = 0; i < EACH; i++) {
                double v = p * 100 + i;
                if (store_trial_begin(s, st, run, &tid, &num) ||
                    store_trial_param(s, tid, "x", v, "{\"name\": \"FloatDistribution\", \"attributes\": "
                                      "{\"step\": null, \"low\": 0, \"high\": 1000, \"log\": false}}") ||
                    store_trial_finish(s, tid, XP_TRIAL_COMPLETE, &v)) {
                    fprintf(stderr, "worker %d: %s\n", p, store_errmsg(s));
                    _exit(4);
                }
            }
            store_run_end(s, run, "COMPLETE", 0, 0);
            store_close(s);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int st = 0;
        CHECK(pids[p] > 0 && waitpid(pids[p], &st, 0) == pids[p]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_EQ_INT(query_int(db, "SELECT count(DISTINCT number) FROM trials"), PROCS * EACH);
    CHECK_EQ_INT(query_int(db, "SELECT min(number) FROM trials"), 0);
    CHECK_EQ_INT(query_int(db, "SELECT max(number) FROM trials"), PROCS * EACH - 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM trials WHERE state = 'COMPLETE'"), PROCS * EACH);
}

/* The deterministic form of the race below: another connection holds the write lock of a new,
 * still rollback-journal file while the store opens it. SQLite answers the WAL switch with
 * SQLITE_BUSY at once there (no busy handler); the store must wait and open. */
static void test_open_while_locked(void)
{
    char db[300], err[512];
    path_in(db, sizeof db, "locked_new.db");
    int gate[2];
    CHECK(pipe(gate) == 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sqlite3 *h;
        close(gate[0]);
        if (sqlite3_open(db, &h) != SQLITE_OK || sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            _exit(2);
        if (write(gate[1], "x", 1) != 1) _exit(3);
        usleep(300000);
        if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) _exit(4);
        sqlite3_close(h);
        _exit(0);
    }
    close(gate[1]);
    char c = 0;
    CHECK(read(gate[0], &c, 1) == 1);   /* the child holds the lock from here */
    close(gate[0]);
    store *s = NULL;
    int64_t study = -1;
    int rc = store_open(db, &s, err, sizeof err);
    if (rc) fprintf(stderr, "store_open while locked: %s\n", err);
    CHECK_EQ_INT(rc, XP_OK);
    if (!rc) {
        CHECK_EQ_INT(store_study_open(s, "after_lock", XP_MINIMIZE, &study), XP_OK);
        store_close(s);
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM studies WHERE study_name = 'after_lock'"), 1);
}

/* Processes that create one new store at the same moment (blend members starting together)
 * all open it: switching a new file to WAL must wait for the others, not fail with "database
 * is locked". Several rounds, each a fresh file, the processes released by one pipe. */
static void test_concurrent_create(void)
{
    enum { ROUNDS = 30, PROCS = 8 };
    int failed = 0;
    for (int r = 0; r < ROUNDS; r++) {
        char db[300], name[64];
        snprintf(name, sizeof name, "create_%d.db", r);
        path_in(db, sizeof db, name);
        int gate[2];
        CHECK(pipe(gate) == 0);
        pid_t pids[PROCS];
        fflush(NULL);
        for (int p = 0; p < PROCS; p++) {
            pids[p] = fork();
            if (pids[p] == 0) {
                char err[512], c;
                close(gate[1]);
                if (read(gate[0], &c, 1) != 0) _exit(5);   /* EOF when the parent closes the pipe */
                store *s;
                int64_t st;
                if (store_open(db, &s, err, sizeof err)) {
                    fprintf(stderr, "round %d process %d: %s\n", r, p, err);
                    _exit(2);
                }
                if (store_study_open(s, "c", XP_MINIMIZE, &st)) {
                    fprintf(stderr, "round %d process %d: %s\n", r, p, store_errmsg(s));
                    _exit(3);
                }
                store_close(s);
                _exit(0);
            }
        }
        close(gate[0]);
        close(gate[1]);
        for (int p = 0; p < PROCS; p++) {
            int st = 0;
            if (pids[p] <= 0 || waitpid(pids[p], &st, 0) != pids[p] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                failed++;
        }
        CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM studies"), 1);
    }
    CHECK_EQ_INT(failed, 0);
}

/* Threads share one handle (parallel trials do): calls are serialised, numbers unique. */
typedef struct thread_arg {
    store *s;
    int64_t study, run;
    int fails;
} thread_arg;

static void *thread_trials(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < 25; i++) {
        int64_t tid, num;
        double v = i;
        if (store_trial_begin(a->s, a->study, a->run, &tid, &num) ||
            store_trial_intermediate(a->s, tid, 0, v) ||
            store_metric(a->s, a->run, tid, 0, "valid", -1, "rmse", v) ||
            store_trial_finish(a->s, tid, XP_TRIAL_COMPLETE, &v))
            a->fails++;
    }
    return NULL;
}

static void test_threads(void)
{
    char db[300], err[512];
    path_in(db, sizeof db, "threads.db");
    store *s;
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_OK);
    thread_arg a[4];
    pthread_t th[4];
    int64_t study, run;
    CHECK_EQ_INT(store_study_open(s, "t", XP_MINIMIZE, &study), XP_OK);
    store_run_info info = run_info("threads");
    CHECK_EQ_INT(store_run_begin(s, study, &info, &run), XP_OK);
    for (int i = 0; i < 4; i++) {
        a[i] = (thread_arg){ s, study, run, 0 };
        CHECK_EQ_INT(pthread_create(&th[i], NULL, thread_trials, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(a[i].fails, 0);
    }
    store_close(s);
    CHECK_EQ_INT(query_int(db, "SELECT count(DISTINCT number) FROM trials WHERE state = 'COMPLETE'"), 100);
    CHECK_EQ_INT(query_int(db, "SELECT max(number) FROM trials"), 99);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_metrics"), 100);
}

/* ------------------------------------------------------------------ errors */

static void test_errors(void)
{
    char db[300], err[512];
    store *s = (store *)1;

    /* Bad paths and files: the message names the file and says what went wrong. */
    CHECK(store_open("/nonexistent-dir/xp/e.db", &s, err, sizeof err) != XP_OK);
    CHECK(s == NULL);
    CHECK_CONTAINS(err, "/nonexistent-dir/xp/e.db");
    CHECK_CONTAINS(err, "unable to open");
    path_in(db, sizeof db, "garbage.db");
    FILE *f = fopen(db, "w");
    if (f) { for (int i = 0; i < 300; i++) fputs("not a database ", f); fclose(f); }
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_EFORMAT);
    CHECK_CONTAINS(err, db);
    CHECK_CONTAINS(err, "file is not a database");
    path_in(db, sizeof db, "other.db");
    exec_sql(db, "CREATE TABLE foo (x INTEGER)");
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_EFORMAT);
    CHECK_CONTAINS(err, "not an xp/Optuna database");

    /* A database from another Optuna schema version. */
    path_in(db, sizeof db, "oldoptuna.db");
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_OK);
    store_close(s);
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_OK);      /* idempotent */
    store_close(s);
    exec_sql(db, "UPDATE alembic_version SET version_num = 'v2.6.0.a'");
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_EFORMAT);
    CHECK_CONTAINS(err, db);
    CHECK_CONTAINS(err, "v2.6.0.a");
    CHECK_CONTAINS(err, "v3.0.0.d");
    exec_sql(db, "UPDATE alembic_version SET version_num = 'v3.0.0.d'; DROP TABLE trial_heartbeats; "
                 "CREATE TABLE trial_heartbeats (x INTEGER)");
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_EFORMAT);
    CHECK_CONTAINS(err, "trial_heartbeats");

    /* Misuse of the API: clear errors, nothing written. */
    path_in(db, sizeof db, "errors.db");
    CHECK_EQ_INT(store_open(db, &s, err, sizeof err), XP_OK);
    int64_t study, run, t, num;
    CHECK_EQ_INT(store_study_open(s, "e", 7, &study), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "direction");
    CHECK_EQ_INT(store_study_open(s, "", XP_MINIMIZE, &study), XP_EINVAL);
    CHECK_EQ_INT(store_study_open(s, "e", XP_MINIMIZE, &study), XP_OK);
    CHECK_EQ_INT(store_study_open(s, "e", XP_MAXIMIZE, &study), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "exists with direction MINIMIZE");
    CHECK_CONTAINS(store_errmsg(s), db);
    CHECK_EQ_INT(store_trial_begin(s, 12345, -1, &t, &num), XP_ENOTFOUND);
    CHECK_CONTAINS(store_errmsg(s), "study id 12345");
    store_run_info info = run_info("e");
    CHECK_EQ_INT(store_run_begin(s, study, &info, &run), XP_OK);
    CHECK_EQ_INT(store_trial_begin(s, study, 999, &t, &num), XP_ENOTFOUND);
    CHECK_EQ_INT(store_trial_begin(s, study, run, &t, &num), XP_OK);
    CHECK_EQ_INT(num, 0);
    CHECK_EQ_INT(store_trial_param(s, t, "booster", 2, D_BOOSTER), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "index 2");
    CHECK_EQ_INT(store_trial_param(s, t, "max_depth", 11, D_DEPTH), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "outside");
    CHECK_EQ_INT(store_trial_param(s, t, "max_depth", 2.5, D_DEPTH), XP_EINVAL);
    CHECK_EQ_INT(store_trial_param(s, t, "subsample", 0.55, D_SUB), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "grid");
    CHECK_EQ_INT(store_trial_param(s, t, "x", 1, "{\"name\": \"Bogus\", \"attributes\": {}}"), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "Bogus");
    CHECK_EQ_INT(store_trial_param(s, t, "x", 1, "{not json"), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "not valid JSON");
    CHECK_EQ_INT(store_trial_param(s, t, "x", 1, NULL), XP_EINVAL);
    CHECK_EQ_INT(store_trial_param(s, t, "max_depth", 3, D_DEPTH), XP_OK);
    CHECK_EQ_INT(store_trial_param(s, t, "max_depth", 4, D_DEPTH), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "already set");
    CHECK_EQ_INT(store_trial_param(s, t, "booster", 0, D_BOOSTER), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t, -1, 0.5), XP_EINVAL);
    CHECK_EQ_INT(store_trial_intermediate(s, t, 0, 0.5), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t, 0, 0.25), XP_OK);   /* same step: overwritten */
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_RUNNING, NULL), XP_EINVAL);
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_COMPLETE, NULL), XP_EINVAL);
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_COMPLETE, &(double){ NAN }), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "NaN");
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_COMPLETE, &(double){ 1.0 }), XP_OK);
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_COMPLETE, &(double){ 2.0 }), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "is COMPLETE, not RUNNING");
    CHECK_EQ_INT(store_trial_param(s, t, "eta", 0.1, D_ETA), XP_EINVAL);
    CHECK_EQ_INT(store_trial_intermediate(s, t, 1, 0.5), XP_EINVAL);
    CHECK_EQ_INT(store_trial_attr(s, t, "late", "{\"ok\": true}"), XP_OK);   /* attrs may follow */
    CHECK_EQ_INT(store_trial_attr(s, t, "bad", "{oops"), XP_EINVAL);
    CHECK_EQ_INT(store_study_attr(s, 777, "k", "1"), XP_ENOTFOUND);
    /* A second trial: booster's choices must stay the same within the study. */
    CHECK_EQ_INT(store_trial_begin(s, study, run, &t, &num), XP_OK);
    CHECK_EQ_INT(num, 1);
    CHECK_EQ_INT(store_trial_param(s, t, "booster", 0,
                                   "{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [\"a\", \"b\"]}}"),
                 XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "incompatible");
    CHECK_EQ_INT(store_trial_param(s, t, "max_depth", 0.05, D_ETA), XP_EINVAL);   /* class changed */
    CHECK_CONTAINS(store_errmsg(s), "incompatible");
    /* Int bounds may move between trials (Optuna allows it). */
    CHECK_EQ_INT(store_trial_param(s, t, "max_depth", 12,
                                   "{\"name\": \"IntDistribution\", \"attributes\": {\"log\": false, \"step\": 1, "
                                   "\"low\": 2, \"high\": 20}}"), XP_OK);
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_PRUNED, NULL), XP_OK);    /* no steps: no value */
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM trial_values"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT intermediate_value * 100 FROM trial_intermediate_values"), 25);

    CHECK_EQ_INT(store_metric(s, 4242, -1, -1, "cv", -1, "rmse", 1), XP_ENOTFOUND);
    CHECK_EQ_INT(store_metric(s, run, 4242, -1, "cv", -1, "rmse", 1), XP_ENOTFOUND);
    CHECK_EQ_INT(store_metric(s, run, -1, -1, NULL, -1, "rmse", 1), XP_EINVAL);
    CHECK_EQ_INT(store_metric(s, run, -1, -1, "cv", -1, "", 1), XP_EINVAL);
    CHECK_EQ_INT(store_artifact(s, run, "/nonexistent/m.bin", NULL, "model"), XP_EIO);
    CHECK_CONTAINS(store_errmsg(s), "/nonexistent/m.bin");
    CHECK_EQ_INT(store_artifact(s, run, "m.bin", "ABC", "model"), XP_EINVAL);
    CHECK_EQ_INT(store_record(s, run, "profile", "[1, 2"), XP_EINVAL);
    CHECK_EQ_INT(store_record(s, run, "", "{}"), XP_EINVAL);
    CHECK_EQ_INT(store_run_end(s, run, "DONE", 0, 0), XP_EINVAL);
    CHECK_EQ_INT(store_run_end(s, 31337, "FAIL", 0, 0), XP_ENOTFOUND);
    CHECK_EQ_INT(store_run_begin(s, study, NULL, &run), XP_EINVAL);
    char *txt = NULL;
    CHECK_EQ_INT(store_run_config(s, 31337, &txt), XP_ENOTFOUND);
    CHECK(txt == NULL);
    store_trial *tr = NULL;
    size_t n = 99;
    CHECK_EQ_INT(store_trials_load(s, 31337, NULL, 0, &tr, &n), XP_ENOTFOUND);
    CHECK_EQ_INT(store_trials_load(s, study, NULL, 0, &tr, &n), XP_OK);   /* no names: values only */
    CHECK_EQ_INT(n, 2);
    if (n == 2) CHECK(tr[0].params == NULL && tr[0].value == 1.0 && isnan(tr[1].value));
    store_trials_free(tr, n);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_metrics"), 0);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_artifacts"), 0);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM xp_records"), 0);
    store_close(s);

    CHECK_EQ_INT(store_study_open(NULL, "x", XP_MINIMIZE, &study), XP_EINVAL);
    CHECK_STR(store_errmsg(NULL), "store: NULL handle");
    store_close(NULL);
}

static void rm_tmpdir(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PYTHON3 optuna_interop.py\n", argv[0]);
        return 2;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/xp_test_store.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_sha256();
    test_errors();
    test_liveness();
    test_find_and_last_step();
    test_concurrent();
    test_open_while_locked();
    test_concurrent_create();
    test_threads();
    test_interop(argv[1], argv[2]);
    int rc = check_done();
    if (rc == 0 || !getenv("XP_KEEP_TMP")) rm_tmpdir();
    else fprintf(stderr, "kept %s\n", tmpdir);
    return rc;
}
