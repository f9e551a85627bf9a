/* tests/store/test_store_pg.c — the experiment store on a real PostgreSQL server: schema created
 * and checked as Optuna's SQLAlchemy models define it, the API's contract, trials claimed by
 * several processes against one budget, heartbeats, the refit decision, and Optuna 3.1 reading
 * and extending what we wrote (optuna_pg.py).
 *
 *     test_store_pg SOCKET_DIR PYTHON3 optuna_pg.py [SQLITE_DIR]
 *
 * Run by test_store_pg.sh, which starts the server (a Unix socket in SOCKET_DIR, database user
 * xp, trust authentication). Each part uses a database of its own, created here. Given
 * SQLITE_DIR, the claim race also runs on an SQLite file there, and both claim latencies are
 * printed (what the README reports).
 */
#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "xp/error.h"
#include "xp/plugin.h"

static const char *sockdir;

static const char *D_DEPTH =
    "{\"name\": \"IntDistribution\", \"attributes\": {\"log\": false, \"step\": 1, \"low\": 2, \"high\": 10}}";
static const char *D_ETA =
    "{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, \"low\": 0.01, \"high\": 0.3, \"log\": true}}";
static const char *D_BOOSTER =
    "{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [\"gbtree\", \"dart\"]}}";

static void url_of(char *out, size_t n, const char *dbname)
{
    snprintf(out, n, "postgresql:///%s?host=%s&user=xp", dbname, sockdir);
}

static PGconn *connect_db(const char *dbname)
{
    char url[600];
    url_of(url, sizeof url, dbname);
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) fprintf(stderr, "connect %s: %s", url, PQerrorMessage(c));
    return c;
}

/* Runs sql on database dbname; returns the first value as an integer (-999 on error/no row). */
static int64_t q_int(const char *dbname, const char *sql)
{
    PGconn *c = connect_db(dbname);
    PGresult *r = PQexec(c, sql);
    int64_t v = -999;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "q_int %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return v;
}

static void q_text(const char *dbname, const char *sql, char *out, size_t n)
{
    PGconn *c = connect_db(dbname);
    PGresult *r = PQexec(c, sql);
    out[0] = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
}

static void createdb(const char *dbname)
{
    char sql[200];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    q_int("postgres", sql);
}

static store *open_ok(const char *dbname)
{
    char url[600], err[1024];
    url_of(url, sizeof url, dbname);
    store *s = NULL;
    int rc = store_open(url, &s, err, sizeof err);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) fprintf(stderr, "  store_open %s: %s\n", url, err);
    return s;
}

static store_run_info run_info(const char *name)
{
    store_run_info info = { 0 };
    info.name = name;
    info.config_yaml = "search: {trials: 5}\n";
    info.config_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    info.seed = 42;
    info.command = "test_store_pg";
    return info;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------ schema */

static void test_schema(void)
{
    createdb("schema_db");
    store *s = open_ok("schema_db");
    store_close(s);
    CHECK_EQ_INT(q_int("schema_db", "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"), 19);
    CHECK_EQ_INT(q_int("schema_db", "SELECT count(*) FROM pg_type WHERE typname IN ('studydirection', 'trialstate', "
                                    "'trialvaluetype', 'trialintermediatevaluetype') AND typtype = 'e'"), 4);
    char v[64];
    q_text("schema_db", "SELECT version_num FROM alembic_version", v, sizeof v);
    CHECK_STR(v, "v3.0.0.d");
    CHECK_EQ_INT(q_int("schema_db", "SELECT schema_version FROM version_info"), 12);
    s = open_ok("schema_db");                         /* present: checked, not created again */
    if (s) CHECK_STR(store_label(s), "schema_db");
    if (s) CHECK_STR(store_backend(s), "postgresql");
    store_close(s);

    /* Workers opening an empty database at once: one creates the schema, all succeed, one study. */
    createdb("race_db");
    enum { N = 4 };
    pid_t pids[N];
    fflush(NULL);
    for (int i = 0; i < N; i++) {
        if ((pids[i] = fork()) == 0) {
            char url[600], err[1024];
            url_of(url, sizeof url, "race_db");
            store *c;
            int64_t study;
            if (store_open(url, &c, err, sizeof err)) { fprintf(stderr, "child %d: %s\n", i, err); _exit(2); }
            if (store_study_open(c, "same", XP_MINIMIZE, &study)) { fprintf(stderr, "child %d: %s\n", i, store_errmsg(c)); _exit(3); }
            store_close(c);
            _exit(0);
        }
    }
    for (int i = 0; i < N; i++) {
        int st = 0;
        CHECK(pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_EQ_INT(q_int("race_db", "SELECT count(*) FROM studies"), 1);
    CHECK_EQ_INT(q_int("race_db", "SELECT count(*) FROM study_directions"), 1);
    CHECK_EQ_INT(q_int("race_db", "SELECT count(*) FROM alembic_version"), 1);

    /* A changed table, another schema version, a foreign database: refused, saying why. */
    char url[600], err[1024];
    url_of(url, sizeof url, "schema_db");
    q_int("schema_db", "ALTER TABLE trial_heartbeats ADD COLUMN extra INTEGER");
    CHECK_EQ_INT(store_open(url, &s, err, sizeof err), XP_EFORMAT);
    CHECK(s == NULL);
    CHECK_CONTAINS(err, "trial_heartbeats");
    CHECK_CONTAINS(err, "extra integer");
    q_int("schema_db", "ALTER TABLE trial_heartbeats DROP COLUMN extra");
    q_int("schema_db", "UPDATE alembic_version SET version_num = 'v2.6.0.a'");
    CHECK_EQ_INT(store_open(url, &s, err, sizeof err), XP_EFORMAT);
    CHECK_CONTAINS(err, "v2.6.0.a");
    CHECK_CONTAINS(err, "v3.0.0.d");
    createdb("foreign_db");
    q_int("foreign_db", "CREATE TABLE foo (x INTEGER)");
    url_of(url, sizeof url, "foreign_db");
    CHECK_EQ_INT(store_open(url, &s, err, sizeof err), XP_EFORMAT);
    CHECK_CONTAINS(err, "not an xp/Optuna database");

    /* No server there; a password never shows in messages. */
    CHECK(store_open("postgresql://xp:s3cret@/nodb?host=/nonexistent-xp-dir", &s, err, sizeof err) != XP_OK);
    CHECK_CONTAINS(err, "cannot connect");
    CHECK_CONTAINS(err, "xp:***@");
    CHECK(strstr(err, "s3cret") == NULL);
    char *shown = store_display_path("postgres://u:pw@h:5/d?password=zz&sslmode=require");
    CHECK_STR(shown, "postgres://u:***@h:5/d?password=***&sslmode=require");
    free(shown);
    CHECK_EQ_INT(store_is_url("postgresql://h/d"), 1);
    CHECK_EQ_INT(store_is_url("experiments/experiments.db"), 0);
}

/* ------------------------------------------------------------------ the API on PostgreSQL */

static void test_api(void)
{
    createdb("api_db");
    store *s = open_ok("api_db");
    if (!s) return;
    int64_t study, run, t, num;
    CHECK_EQ_INT(store_study_open(s, "api", XP_MINIMIZE, &study), XP_OK);
    CHECK_EQ_INT(store_study_open(s, "api", XP_MAXIMIZE, &study), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "exists with direction MINIMIZE");
    CHECK_EQ_INT(store_study_attr(s, study, "metric", "\"rmse\""), XP_OK);
    store_run_info info = run_info("api");
    CHECK_EQ_INT(store_run_begin(s, study, &info, &run), XP_OK);

    /* #0 COMPLETE with intermediate values (one infinite, one NaN) and params of each kind. */
    CHECK_EQ_INT(store_trial_begin(s, study, run, &t, &num), XP_OK);
    CHECK_EQ_INT(num, 0);
    CHECK_EQ_INT(store_trial_param(s, t, "max_depth", 6, D_DEPTH), XP_OK);
    CHECK_EQ_INT(store_trial_param(s, t, "eta", 0.05, D_ETA), XP_OK);
    CHECK_EQ_INT(store_trial_param(s, t, "booster", 1, D_BOOSTER), XP_OK);
    CHECK_EQ_INT(store_trial_param(s, t, "max_depth", 7, D_DEPTH), XP_EINVAL);     /* unique violation */
    CHECK_CONTAINS(store_errmsg(s), "already set");
    CHECK_EQ_INT(store_trial_param(s, t, "x", 1, "{oops"), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "not valid JSON");
    CHECK_EQ_INT(store_trial_intermediate(s, t, 0, 0.5), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t, 1, INFINITY), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t, 2, NAN), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t, 2, 0.42), XP_OK);                   /* overwritten */
    CHECK_EQ_INT(store_trial_attr(s, t, "fold_scores", "[0.41, 0.43]"), XP_OK);
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_COMPLETE, NULL), XP_EINVAL);
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_COMPLETE, &(double){ 0.42 }), XP_OK);
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_COMPLETE, &(double){ 0.1 }), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "is COMPLETE, not RUNNING");
    int64_t t0 = t;
    /* #1 the best; #2 PRUNED takes its last intermediate value; #3 FAIL. */
    CHECK_EQ_INT(store_trial_begin(s, study, run, &t, &num), XP_OK);
    CHECK_EQ_INT(num, 1);
    CHECK_EQ_INT(store_trial_param(s, t, "max_depth", 4, D_DEPTH), XP_OK);
    CHECK_EQ_INT(store_trial_param(s, t, "booster", 0, "{\"name\": \"CategoricalDistribution\", \"attributes\": "
                                                       "{\"choices\": [\"a\", \"b\"]}}"), XP_EINVAL);
    CHECK_CONTAINS(store_errmsg(s), "incompatible");
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_COMPLETE, &(double){ 0.38 }), XP_OK);
    CHECK_EQ_INT(store_trial_begin(s, study, run, &t, &num), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t, 0, 0.9), XP_OK);
    CHECK_EQ_INT(store_trial_intermediate(s, t, 1, 0.95), XP_OK);
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_PRUNED, NULL), XP_OK);
    CHECK_EQ_INT(store_trial_begin(s, study, run, &t, &num), XP_OK);
    CHECK_EQ_INT(store_trial_finish(s, t, XP_TRIAL_FAIL, &(double){ 1.0 }), XP_OK);
    CHECK_EQ_INT(num, 3);

    /* Our tables: NaN metrics are NULL, infinities stay. */
    CHECK_EQ_INT(store_metric(s, run, t0, 0, "valid", -1, "rmse", 0.41), XP_OK);
    CHECK_EQ_INT(store_metric(s, run, -1, -1, "cv", 2, "rmse", NAN), XP_OK);
    CHECK_EQ_INT(store_metric(s, run, -1, -1, "cv", 3, "rmse", INFINITY), XP_OK);
    CHECK_EQ_INT(store_metric(s, run, 4242, -1, "cv", -1, "rmse", 1), XP_ENOTFOUND);
    CHECK_EQ_INT(store_record(s, run, "profile", "{\"rows\": 10}"), XP_OK);
    CHECK_EQ_INT(store_record(s, run, "profile", "[1, 2"), XP_EINVAL);
    CHECK_EQ_INT(store_artifact(s, run, "/nonexistent/m.bin", NULL, "model"), XP_EIO);
    CHECK_EQ_INT(store_artifact(s, run, "/shared/m.bin", "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12",
                                "model"), XP_OK);
    char *path = NULL, sha[65];
    CHECK_EQ_INT(store_run_artifact_sha(s, run, "model", &path, sha), XP_OK);
    CHECK_STR(path, "/shared/m.bin");
    free(path);
    CHECK_EQ_INT(q_int("api_db", "SELECT count(*) FROM xp_metrics WHERE split = 'cv' AND source = 2 AND value IS NULL"), 1);
    CHECK_EQ_INT(q_int("api_db", "SELECT count(*) FROM xp_metrics WHERE value = 'Infinity'"), 1);
    CHECK_EQ_INT(q_int("api_db", "SELECT count(*) FROM trial_intermediate_values WHERE intermediate_value IS NULL "
                                 "AND intermediate_value_type = 'INF_POS'"), 1);
    CHECK_EQ_INT(q_int("api_db", "SELECT count(*) FROM trial_values WHERE value_type = 'FINITE'"), 3);

    store_trial *tr = NULL;
    size_t n = 0;
    const char *names[] = { "max_depth", "eta", "booster" };
    CHECK_EQ_INT(store_trials_load(s, study, names, 3, &tr, &n), XP_OK);
    CHECK_EQ_INT(n, 4);
    if (n == 4) {
        CHECK(tr[0].state == XP_TRIAL_COMPLETE && tr[0].value == 0.42 && tr[0].params[0] == 6 &&
              tr[0].params[1] == 0.05 && tr[0].params[2] == 1);
        CHECK(tr[1].value == 0.38 && isnan(tr[1].params[1]));
        CHECK(tr[2].state == XP_TRIAL_PRUNED && tr[2].value == 0.95);
        CHECK(tr[3].state == XP_TRIAL_FAIL && isnan(tr[3].value));
    }
    store_trials_free(tr, n);
    char *json = NULL;
    CHECK_EQ_INT(store_study_attr_get(s, study, "metric", &json), XP_OK);
    CHECK_STR(json, "\"rmse\"");
    free(json);

    /* Which of two runners refits: not while the other still runs a trial; then exactly one. */
    int64_t run2, t2, by, running;
    int mine;
    CHECK_EQ_INT(store_run_begin(s, study, &info, &run2), XP_OK);
    CHECK_EQ_INT(store_trial_begin(s, study, run2, &t2, &num), XP_OK);
    CHECK_EQ_INT(store_refit_claim(s, study, run, &mine, &by, &running), XP_OK);
    CHECK(mine == 0 && running == run2 && by == -1);
    CHECK_EQ_INT(store_trial_finish(s, t2, XP_TRIAL_COMPLETE, &(double){ 0.5 }), XP_OK);
    CHECK_EQ_INT(store_refit_claim(s, study, run2, &mine, &by, &running), XP_OK);
    CHECK(mine == 1 && by == -1 && running == -1);
    CHECK_EQ_INT(store_refit_claim(s, study, run, &mine, &by, &running), XP_OK);
    CHECK(mine == 0 && by == run2);
    CHECK_EQ_INT(store_record(s, run, "search_only", "{\"refit_by_run\": 2}"), XP_OK);
    CHECK_EQ_INT(store_run_end(s, run2, "COMPLETE", 1, 1), XP_OK);
    CHECK_EQ_INT(store_run_end(s, run, "COMPLETE", 1, 1), XP_OK);
    int64_t latest = -1;
    CHECK_EQ_INT(store_latest_run(s, "api", &latest), XP_OK);
    CHECK_EQ_INT(latest, run2);                      /* the search-only run is not the result */
    /* Later: a rerun of the same config (a late worker) finds the refit done; another config
     * (say validation.final changed) refits again. */
    int64_t run3, run4;
    CHECK_EQ_INT(store_run_begin(s, study, &info, &run3), XP_OK);
    CHECK_EQ_INT(store_refit_claim(s, study, run3, &mine, &by, &running), XP_OK);
    CHECK(mine == 0 && by == run2);
    store_run_info other = info;
    other.config_sha256 = "1111111111111111111111111111111111111111111111111111111111111111";
    CHECK_EQ_INT(store_run_begin(s, study, &other, &run4), XP_OK);
    CHECK_EQ_INT(store_refit_claim(s, study, run4, &mine, &by, &running), XP_OK);
    CHECK_EQ_INT(mine, 1);
    CHECK_EQ_INT(store_run_end(s, run3, "COMPLETE", 1, 1), XP_OK);
    CHECK_EQ_INT(store_run_end(s, run4, "COMPLETE", 1, 1), XP_OK);
    store_close(s);
}

/* ------------------------------------------------------------------ claims */

/* PROCS processes claim trials of one study against BUDGET until it is taken, each trial
 * finished at once. Exactly BUDGET trials, numbers 0..BUDGET-1; returns the mean claim time. */
static double claim_race(const char *target, const char *label)
{
    enum { PROCS = 4, BUDGET = 60 };
    char err[1024];
    store *s;
    int64_t study;
    int rc = store_open(target, &s, err, sizeof err);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) { fprintf(stderr, "  %s\n", err); return NAN; }
    CHECK_EQ_INT(store_study_open(s, "claims", XP_MINIMIZE, &study), XP_OK);
    int fds[PROCS][2];
    pid_t pids[PROCS];
    fflush(NULL);
    for (int p = 0; p < PROCS; p++) {
        if (pipe(fds[p])) { CHECK(0); return NAN; }
        if ((pids[p] = fork()) == 0) {
            close(fds[p][0]);
            store *c;
            int64_t st, run, tid, num;
            if (store_open(target, &c, err, sizeof err)) { fprintf(stderr, "worker %d: %s\n", p, err); _exit(2); }
            store_run_info info = run_info("claimer");
            if (store_study_open(c, "claims", XP_MINIMIZE, &st) || store_run_begin(c, st, &info, &run)) _exit(3);
            double spent = 0;
            int claimed = 0;
            for (;;) {
                double t0 = now_s();
                int r = store_trial_claim(c, st, run, BUDGET, &tid, &num);
                spent += now_s() - t0;
                if (r == XP_EEXHAUSTED) break;
                if (r) { fprintf(stderr, "worker %d: %s\n", p, store_errmsg(c)); _exit(4); }
                claimed++;
                double v = num;
                if (store_trial_param(c, tid, "max_depth", 2 + num % 9, D_DEPTH) ||
                    store_trial_finish(c, tid, XP_TRIAL_COMPLETE, &v)) {
                    fprintf(stderr, "worker %d: %s\n", p, store_errmsg(c));
                    _exit(5);
                }
            }
            store_run_end(c, run, "COMPLETE", 0, 0);
            store_close(c);
            char line[64];
            int len = snprintf(line, sizeof line, "%d %.9f\n", claimed, spent);
            _exit(write(fds[p][1], line, (size_t)len) == len ? 0 : 6);
        }
        close(fds[p][1]);
    }
    int total = 0;
    double spent = 0;
    for (int p = 0; p < PROCS; p++) {
        char line[64] = "";
        ssize_t got = read(fds[p][0], line, sizeof line - 1);
        close(fds[p][0]);
        int k = 0;
        double sp = 0;
        if (got > 0 && sscanf(line, "%d %lf", &k, &sp) == 2) total += k, spent += sp;
        int st = 0;
        CHECK(pids[p] > 0 && waitpid(pids[p], &st, 0) == pids[p]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_EQ_INT(total, BUDGET);
    store_trial *tr = NULL;
    size_t n = 0;
    CHECK_EQ_INT(store_trials_load(s, study, NULL, 0, &tr, &n), XP_OK);
    CHECK_EQ_INT(n, BUDGET);
    for (size_t i = 0; i < n; i++) CHECK_EQ_INT(tr[i].number, (int64_t)i);   /* sorted, 0..BUDGET-1, no gaps */
    store_trials_free(tr, n);
    store_close(s);
    double per = spent / (total + PROCS);            /* each worker's last claim found the budget taken */
    printf("claim latency (%s, %d processes, %d trials): %.2f ms per claim\n", label, PROCS, BUDGET, 1e3 * per);
    return per;
}

/* ------------------------------------------------------------------ heartbeats */

static void test_heartbeats(void)
{
    createdb("hb_db");
    store *a = open_ok("hb_db"), *b = open_ok("hb_db"), *c = open_ok("hb_db");
    if (!a || !b || !c) { store_close(a); store_close(b); store_close(c); return; }
    store_set_heartbeat(a, 0.5, 1.5);
    store_set_heartbeat(b, 0.5, 1.5);
    store_set_heartbeat(c, 0.5, 1.5);
    int64_t study, ra, rb, rc_, ta, tc, tb, num;
    store_run_info info = run_info("worker");
    CHECK_EQ_INT(store_study_open(a, "hb", XP_MINIMIZE, &study), XP_OK);
    CHECK_EQ_INT(store_run_begin(a, study, &info, &ra), XP_OK);
    CHECK_EQ_INT(store_run_begin(b, study, &info, &rb), XP_OK);
    CHECK_EQ_INT(store_run_begin(c, study, &info, &rc_), XP_OK);
    /* A's trial gets its heartbeat with the claim, then none: A "died". */
    CHECK_EQ_INT(store_trial_claim(a, study, ra, 2, &ta, &num), XP_OK);
    CHECK_EQ_INT(q_int("hb_db", "SELECT count(*) FROM trial_heartbeats"), 1);
    /* C's trial is kept alive. */
    CHECK_EQ_INT(store_trial_claim(c, study, rc_, 2, &tc, &num), XP_OK);
    CHECK_EQ_INT(store_trial_claim(b, study, rb, 2, &tb, &num), XP_EEXHAUSTED);
    for (int i = 0; i < 5; i++) {
        struct timespec ts = { 0, 400000000 };
        nanosleep(&ts, NULL);
        CHECK_EQ_INT(store_trial_heartbeat(c, tc), XP_OK);
    }
    /* 2 s after the claims: A's trial is stale (grace 1.5 s), C's is not. B's claim fails A's
     * trial and takes its place. */
    CHECK_EQ_INT(store_trial_claim(b, study, rb, 2, &tb, &num), XP_OK);
    CHECK_EQ_INT(num, 2);
    char q[300], got[300];
    snprintf(q, sizeof q, "SELECT state FROM trials WHERE trial_id = %lld", (long long)ta);
    q_text("hb_db", q, got, sizeof got);
    CHECK_STR(got, "FAIL");
    snprintf(q, sizeof q, "SELECT state FROM trials WHERE trial_id = %lld", (long long)tc);
    q_text("hb_db", q, got, sizeof got);
    CHECK_STR(got, "RUNNING");
    snprintf(q, sizeof q, "SELECT value_json FROM trial_user_attributes WHERE trial_id = %lld AND key = 'fail_reason'",
             (long long)ta);
    q_text("hb_db", q, got, sizeof got);
    CHECK_CONTAINS(got, "no heartbeat");
    snprintf(q, sizeof q, "SELECT status FROM xp_runs WHERE id = %lld", (long long)ra);
    q_text("hb_db", q, got, sizeof got);
    CHECK_STR(got, "FAIL");
    /* B's view of the others: C's trial runs elsewhere (its heartbeat fresh again: the
     * queries above may take a while on a loaded machine). */
    CHECK_EQ_INT(store_trial_heartbeat(c, tc), XP_OK);
    store_activity act;
    CHECK_EQ_INT(store_study_activity(b, study, rb, &act), XP_OK);
    CHECK_EQ_INT(act.running_elsewhere, 1);
    CHECK_EQ_INT(act.other_run, rc_);
    CHECK_EQ_INT(act.finished, 0);
    store_close(a);
    store_close(b);
    store_close(c);
}

/* ------------------------------------------------------------------ Optuna */

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

/* optuna_pg.py loads api_db's study "api" and adds a trial; ours then sees it. */
static void test_optuna(const char *python, const char *script)
{
    char url[600];
    url_of(url, sizeof url, "api_db");
    char *argv[] = { (char *)python, (char *)script, url, NULL };
    int st = run_argv(argv);
    CHECK_EQ_INT(st, 0);
    store *s = open_ok("api_db");
    if (!s) return;
    int64_t study;
    CHECK_EQ_INT(store_study_open(s, "api", XP_MINIMIZE, &study), XP_OK);
    const char *names[] = { "max_depth", "eta", "booster" };
    store_trial *tr = NULL;
    size_t n = 0;
    CHECK_EQ_INT(store_trials_load(s, study, names, 3, &tr, &n), XP_OK);
    CHECK_EQ_INT(n, 6);
    if (n == 6) {
        CHECK_EQ_INT(tr[5].number, 5);
        CHECK(tr[5].state == XP_TRIAL_COMPLETE && tr[5].value == 0.25);
        CHECK(tr[5].params[0] == 3 && tr[5].params[1] == 0.2 && tr[5].params[2] == 0);
    }
    store_trials_free(tr, n);
    store_close(s);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s SOCKET_DIR PYTHON3 optuna_pg.py [SQLITE_DIR]\n", argv[0]);
        return 2;
    }
    sockdir = argv[1];
    double t = now_s();
    test_schema();
    printf("schema: %.1f s\n", now_s() - t), t = now_s();
    test_api();
    test_optuna(argv[2], argv[3]);
    printf("api + optuna: %.1f s\n", now_s() - t), t = now_s();
    test_heartbeats();
    printf("heartbeats: %.1f s\n", now_s() - t), t = now_s();
    createdb("claims_db");
    char url[600];
    url_of(url, sizeof url, "claims_db");
    double pg = claim_race(url, "PostgreSQL");
    if (argc > 4) {
        char db[600];
        snprintf(db, sizeof db, "%s/claims.db", argv[4]);
        double lite = claim_race(db, "SQLite");
        printf("claim latency PostgreSQL / SQLite: %.1fx\n", pg / lite);
    }
    return check_done();
}
