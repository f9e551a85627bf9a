/* core/store.c — the experiment store: Optuna 3.1's RDB schema (alembic v3.0.0.d) plus our
 * xp_* tables, in one SQLite file that optuna.load_study() can read and extend.
 *
 *     store *s; char err[512]; int64_t study, run, trial, number;
 *     if (store_open("experiments/experiments.db", &s, err, sizeof err)) die(err);
 *     store_study_open(s, "step1", XP_MINIMIZE, &study);
 *     store_run_begin(s, study, &info, &run);
 *     store_trial_begin(s, study, run, &trial, &number);
 *     store_trial_param(s, trial, "eta", 0.05, "{\"name\": \"FloatDistribution\", ...}");
 *     store_trial_finish(s, trial, XP_TRIAL_COMPLETE, &(double){0.40});
 *     store_close(s);
 *
 * Rows are written exactly as Optuna's RDBStorage writes them (state names, value types,
 * local naive datetimes with microseconds, per-study 0-based trial numbers counted from
 * the trials with a smaller trial_id), so Optuna's tools and ours can share a study.
 * Each call is one BEGIN IMMEDIATE ... COMMIT; a mutex serialises calls on one handle
 * because the runner's parallel trials share it.
 */
#include "store.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"
#include "xp/error.h"
#include "xp/plugin.h"

#define OPTUNA_ALEMBIC_VERSION "v3.0.0.d"
#define OPTUNA_SCHEMA_VERSION 12          /* version_info.schema_version, frozen since 2.x */
#define OPTUNA_LIBRARY_VERSION "3.1.0"
#define XP_SCHEMA_VERSION "1"

struct store {
    uint64_t id;                 /* unique per handle, even if an address is reused */
    sqlite3 *db;
    char *path;
    char host[256];
    pthread_mutex_t mu;
    int code;                    /* XP_E* of the last failure, for callers of prep() */
    char err[1024];
};

/* The failing thread reads its own message even if another thread errs meanwhile. */
static _Atomic uint64_t next_id = 1;
static _Thread_local uint64_t tl_id;
static _Thread_local char tl_err[1024];

/* ------------------------------------------------------------------ schema */

typedef struct schema_obj {
    const char *type, *name, *sql;
} schema_obj;

/* Optuna 3.1.0's DDL, read off a database it created (sqlite_master.sql), byte for byte and
 * in its creation order, so a schema diff against Optuna's own database is empty. */
static const schema_obj optuna_schema[] = {
    { "table", "studies",
      "CREATE TABLE studies (\n\tstudy_id INTEGER NOT NULL, \n\tstudy_name VARCHAR(512) NOT NULL, \n\tPRIMARY KEY (study_id)\n)" },
    { "index", "ix_studies_study_name",
      "CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)" },
    { "table", "version_info",
      "CREATE TABLE version_info (\n\tversion_info_id INTEGER NOT NULL, \n\tschema_version INTEGER, \n\tlibrary_version VARCHAR(256), \n\tPRIMARY KEY (version_info_id), \n\tCHECK (version_info_id=1)\n)" },
    { "table", "study_directions",
      "CREATE TABLE study_directions (\n\tstudy_direction_id INTEGER NOT NULL, \n\tdirection VARCHAR(8) NOT NULL, \n\tstudy_id INTEGER NOT NULL, \n\tobjective INTEGER NOT NULL, \n\tPRIMARY KEY (study_direction_id), \n\tUNIQUE (study_id, objective), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)" },
    { "table", "study_user_attributes",
      "CREATE TABLE study_user_attributes (\n\tstudy_user_attribute_id INTEGER NOT NULL, \n\tstudy_id INTEGER, \n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (study_user_attribute_id), \n\tUNIQUE (study_id, \"key\"), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)" },
    { "table", "study_system_attributes",
      "CREATE TABLE study_system_attributes (\n\tstudy_system_attribute_id INTEGER NOT NULL, \n\tstudy_id INTEGER, \n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (study_system_attribute_id), \n\tUNIQUE (study_id, \"key\"), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)" },
    { "table", "trials",
      "CREATE TABLE trials (\n\ttrial_id INTEGER NOT NULL, \n\tnumber INTEGER, \n\tstudy_id INTEGER, \n\tstate VARCHAR(8) NOT NULL, \n\tdatetime_start DATETIME, \n\tdatetime_complete DATETIME, \n\tPRIMARY KEY (trial_id), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)" },
    { "table", "trial_user_attributes",
      "CREATE TABLE trial_user_attributes (\n\ttrial_user_attribute_id INTEGER NOT NULL, \n\ttrial_id INTEGER, \n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (trial_user_attribute_id), \n\tUNIQUE (trial_id, \"key\"), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)" },
    { "table", "trial_system_attributes",
      "CREATE TABLE trial_system_attributes (\n\ttrial_system_attribute_id INTEGER NOT NULL, \n\ttrial_id INTEGER, \n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (trial_system_attribute_id), \n\tUNIQUE (trial_id, \"key\"), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)" },
    { "table", "trial_params",
      "CREATE TABLE trial_params (\n\tparam_id INTEGER NOT NULL, \n\ttrial_id INTEGER, \n\tparam_name VARCHAR(512), \n\tparam_value FLOAT, \n\tdistribution_json TEXT, \n\tPRIMARY KEY (param_id), \n\tUNIQUE (trial_id, param_name), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)" },
    { "table", "trial_values",
      "CREATE TABLE trial_values (\n\ttrial_value_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\tobjective INTEGER NOT NULL, \n\tvalue FLOAT, \n\tvalue_type VARCHAR(7) NOT NULL, \n\tPRIMARY KEY (trial_value_id), \n\tUNIQUE (trial_id, objective), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)" },
    { "table", "trial_intermediate_values",
      "CREATE TABLE trial_intermediate_values (\n\ttrial_intermediate_value_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\tstep INTEGER NOT NULL, \n\tintermediate_value FLOAT, \n\tintermediate_value_type VARCHAR(7) NOT NULL, \n\tPRIMARY KEY (trial_intermediate_value_id), \n\tUNIQUE (trial_id, step), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)" },
    { "table", "trial_heartbeats",
      "CREATE TABLE trial_heartbeats (\n\ttrial_heartbeat_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\theartbeat DATETIME NOT NULL, \n\tPRIMARY KEY (trial_heartbeat_id), \n\tUNIQUE (trial_id), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)" },
    { "table", "alembic_version",
      "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)" },
};

/* Our tables. Timestamps use Optuna's format (local time, microseconds) so they compare
 * with trials.datetime_start directly. xp_trial_runs links a trial to the run (process)
 * that evaluates it: the orphan check needs the run's host and pid. */
static const schema_obj xp_schema[] = {
    { "table", "xp_meta",
      "CREATE TABLE xp_meta (\n\t\"key\" TEXT NOT NULL PRIMARY KEY, \n\tvalue TEXT\n)" },
    { "table", "xp_runs",
      "CREATE TABLE xp_runs (\n\tid INTEGER NOT NULL PRIMARY KEY, \n\tstudy_id INTEGER REFERENCES studies (study_id), \n"
      "\tname TEXT NOT NULL, \n\tconfig_yaml TEXT, \n\tconfig_sha256 TEXT, \n\tseed INTEGER, \n\tgit_rev TEXT, \n"
      "\thost TEXT, \n\tpid INTEGER, \n\tcommand TEXT, \n\tstarted_at DATETIME NOT NULL, \n\tended_at DATETIME, \n"
      "\tstatus TEXT NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'COMPLETE', 'FAIL', 'INTERRUPTED')), \n"
      "\twall_seconds REAL, \n\tcpu_seconds REAL\n)" },
    { "index", "xp_runs_study", "CREATE INDEX xp_runs_study ON xp_runs (study_id)" },
    { "table", "xp_trial_runs",
      "CREATE TABLE xp_trial_runs (\n\ttrial_id INTEGER NOT NULL PRIMARY KEY REFERENCES trials (trial_id), \n"
      "\trun_id INTEGER NOT NULL REFERENCES xp_runs (id)\n)" },
    { "index", "xp_trial_runs_run", "CREATE INDEX xp_trial_runs_run ON xp_trial_runs (run_id)" },
    { "table", "xp_metrics",
      "CREATE TABLE xp_metrics (\n\tid INTEGER NOT NULL PRIMARY KEY, \n\trun_id INTEGER NOT NULL REFERENCES xp_runs (id), \n"
      "\ttrial_id INTEGER REFERENCES trials (trial_id), \n\tfold INTEGER, \n\tsplit TEXT NOT NULL, \n"
      "\tsource INTEGER, \n\tmetric TEXT NOT NULL, \n\tvalue REAL\n)" },
    { "index", "xp_metrics_run", "CREATE INDEX xp_metrics_run ON xp_metrics (run_id, trial_id)" },
    { "table", "xp_artifacts",
      "CREATE TABLE xp_artifacts (\n\tid INTEGER NOT NULL PRIMARY KEY, \n\trun_id INTEGER NOT NULL REFERENCES xp_runs (id), \n"
      "\tpath TEXT NOT NULL, \n\tsha256 TEXT NOT NULL, \n\tkind TEXT NOT NULL, \n\tcreated_at DATETIME NOT NULL\n)" },
    { "index", "xp_artifacts_run", "CREATE INDEX xp_artifacts_run ON xp_artifacts (run_id, kind)" },
    { "table", "xp_records",
      "CREATE TABLE xp_records (\n\tid INTEGER NOT NULL PRIMARY KEY, \n\trun_id INTEGER NOT NULL REFERENCES xp_runs (id), \n"
      "\tkind TEXT NOT NULL, \n\tjson TEXT NOT NULL, \n\tcreated_at DATETIME NOT NULL\n)" },
    { "index", "xp_records_run", "CREATE INDEX xp_records_run ON xp_records (run_id, kind)" },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ errors */

static int fail(store *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(store *s, int code, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(s->err, sizeof s->err, "store %s: %s", s->path, msg);
    s->code = code;
    memcpy(tl_err, s->err, sizeof tl_err);
    tl_id = s->id;
    return code;
}

/* An SQLite failure: what we were doing plus sqlite's own message. */
static int dbfail(store *s, const char *what)
{
    int ec = sqlite3_errcode(s->db);
    int code = (ec == SQLITE_CONSTRAINT || ec == SQLITE_MISMATCH || ec == SQLITE_TOOBIG)
                   ? XP_EINVAL
                   : (ec == SQLITE_NOTADB || ec == SQLITE_CORRUPT) ? XP_EFORMAT
                   : (ec == SQLITE_NOMEM) ? XP_ENOMEM : XP_EIO;
    return fail(s, code, "%s: %s", what, sqlite3_errmsg(s->db));
}

const char *store_errmsg(const store *s)
{
    if (!s) return "store: NULL handle";
    return tl_id == s->id ? tl_err : s->err;
}

/* ------------------------------------------------------------------ sqlite helpers */

static sqlite3_stmt *prep(store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        dbfail(s, "preparing a statement");
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

static int exec(store *s, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int code = fail(s, sqlite3_errcode(s->db) == SQLITE_NOTADB ? XP_EFORMAT : XP_EIO, "%s: %s",
                        what, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return code;
    }
    return XP_OK;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

/* Runs a statement that returns no rows (or ignores them), then finalizes it. */
static int step_done(store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    while (rc == SQLITE_ROW) rc = sqlite3_step(st);
    int ret = rc == SQLITE_DONE ? XP_OK : dbfail(s, what);
    sqlite3_finalize(st);
    return ret;
}

static void now_text(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
    unsigned us = (unsigned)(ts.tv_nsec / 1000) % 1000000u;
    snprintf(out + n, 32 - n, ".%06u", us);
}

/* Each public call holds the handle's mutex and one transaction; txn_end commits on
 * success and rolls back on failure, so a failed call leaves the database untouched. */
static int txn_begin(store *s, int write)
{
    pthread_mutex_lock(&s->mu);
    int rc = exec(s, write ? "BEGIN IMMEDIATE" : "BEGIN", "starting a transaction");
    if (rc) pthread_mutex_unlock(&s->mu);
    return rc;
}

static int txn_end(store *s, int rc)
{
    if (rc == XP_OK) {
        rc = exec(s, "COMMIT", "committing");
    }
    if (rc != XP_OK && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ------------------------------------------------------------------ open / schema */

/* Compare DDL with runs of whitespace treated as one space: a database written by Optuna
 * itself (or by SQLAlchemy with other line breaks) has the same schema. */
static int is_ws(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

static int ddl_equal(const char *a, const char *b)
{
    while (is_ws(*a)) a++;
    while (is_ws(*b)) b++;
    while (*a && *b) {
        if (is_ws(*a) || is_ws(*b)) {
            if (!is_ws(*a) || !is_ws(*b)) return 0;
            while (is_ws(*a)) a++;
            while (is_ws(*b)) b++;
            continue;
        }
        if (*a++ != *b++) return 0;
    }
    while (is_ws(*a)) a++;
    while (is_ws(*b)) b++;
    return *a == *b;
}

/* Creates missing objects of `objs` and checks existing ones against the expected DDL. */
static int ensure_objects(store *s, const schema_obj *objs, size_t n, const char *owner)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = prep(s, "SELECT sql FROM sqlite_master WHERE type = ?1 AND name = ?2");
        if (!st) return s->code;
        bind_text(st, 1, objs[i].type);
        bind_text(st, 2, objs[i].name);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *sql = (const char *)sqlite3_column_text(st, 0);
            int same = sql && ddl_equal(sql, objs[i].sql);
            if (!same)
                fail(s, XP_EFORMAT, "%s %s does not have the definition %s expects (found: %.300s); "
                     "this database was not created by a compatible version",
                     objs[i].type, objs[i].name, owner, sql ? sql : "(none)");
            sqlite3_finalize(st);
            if (!same) return XP_EFORMAT;
            continue;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return dbfail(s, "reading the schema");
        char what[128];
        snprintf(what, sizeof what, "creating %s %s", objs[i].type, objs[i].name);
        if ((rc = exec(s, objs[i].sql, what))) return rc;
    }
    return XP_OK;
}

static int count_objects(store *s, const char *where, int64_t *n)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE %s", where);
    sqlite3_stmt *st = prep(s, sql);
    if (!st) return s->code;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = dbfail(s, "reading the schema");
        sqlite3_finalize(st);
        return rc;
    }
    *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return XP_OK;
}

/* Optuna's version rows: version_info (schema 12, library 3.1.0) and the alembic head. */
static int check_versions(store *s)
{
    sqlite3_stmt *st = prep(s, "SELECT version_num FROM alembic_version");
    if (!st) return s->code;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        int ok = v && strcmp(v, OPTUNA_ALEMBIC_VERSION) == 0;
        if (!ok) {
            rc = fail(s, XP_EFORMAT,
                      "Optuna schema version is %s, expected %s (optuna %s); convert it with "
                      "`optuna storage upgrade` for that version or use a new database",
                      v ? v : "(null)", OPTUNA_ALEMBIC_VERSION, OPTUNA_LIBRARY_VERSION);
            sqlite3_finalize(st);
            return rc;
        }
        sqlite3_finalize(st);
    } else {
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return dbfail(s, "reading alembic_version");
        st = prep(s, "INSERT INTO alembic_version (version_num) VALUES ('" OPTUNA_ALEMBIC_VERSION "')");
        if (!st) return s->code;
        if ((rc = step_done(s, st, "writing alembic_version"))) return rc;
    }

    st = prep(s, "SELECT schema_version, library_version FROM version_info WHERE version_info_id = 1");
    if (!st) return s->code;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int64_t v = sqlite3_column_int64(st, 0);
        if (v != OPTUNA_SCHEMA_VERSION) {
            rc = fail(s, XP_EFORMAT, "Optuna version_info.schema_version is %lld, expected %d",
                      (long long)v, OPTUNA_SCHEMA_VERSION);
            sqlite3_finalize(st);
            return rc;
        }
        sqlite3_finalize(st);
    } else {
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return dbfail(s, "reading version_info");
        st = prep(s, "INSERT INTO version_info (version_info_id, schema_version, library_version) "
                     "VALUES (1, ?1, ?2)");
        if (!st) return s->code;
        sqlite3_bind_int(st, 1, OPTUNA_SCHEMA_VERSION);
        bind_text(st, 2, OPTUNA_LIBRARY_VERSION);
        if ((rc = step_done(s, st, "writing version_info"))) return rc;
    }

    st = prep(s, "SELECT value FROM xp_meta WHERE \"key\" = 'schema_version'");
    if (!st) return s->code;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        int ok = v && strcmp(v, XP_SCHEMA_VERSION) == 0;
        if (!ok) {
            rc = fail(s, XP_EFORMAT, "xp schema version is %s, this build writes %s",
                      v ? v : "(null)", XP_SCHEMA_VERSION);
            sqlite3_finalize(st);
            return rc;
        }
        sqlite3_finalize(st);
        return XP_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return dbfail(s, "reading xp_meta");
    st = prep(s, "INSERT INTO xp_meta (\"key\", value) VALUES ('schema_version', '" XP_SCHEMA_VERSION "')");
    return st ? step_done(s, st, "writing xp_meta") : s->code;
}

static int setup_schema(store *s)
{
    int64_t n_all, n_optuna;
    int rc = count_objects(s, "name NOT LIKE 'sqlite_%'", &n_all);
    if (rc) return rc;
    if ((rc = count_objects(s, "type = 'table' AND name IN ('studies', 'alembic_version')", &n_optuna)))
        return rc;
    if (n_all > 0 && n_optuna == 0)
        return fail(s, XP_EFORMAT, "not an xp/Optuna database: it has other tables and no "
                                   "Optuna 'studies' or 'alembic_version' table");
    if (n_optuna == 1)
        return fail(s, XP_EFORMAT, "incomplete Optuna database: one of the 'studies' and "
                                   "'alembic_version' tables is missing (Optuna older than 1.x?)");
    if ((rc = ensure_objects(s, optuna_schema, N_OF(optuna_schema), "optuna " OPTUNA_LIBRARY_VERSION)))
        return rc;
    if ((rc = ensure_objects(s, xp_schema, N_OF(xp_schema), "xp")))
        return rc;
    return check_versions(s);
}

int store_open(const char *path, store **out, char *err, size_t errlen)
{
    if (out) *out = NULL;
    if (!path || !*path || !out) {
        if (err && errlen) snprintf(err, errlen, "store_open: %s", !out ? "out is NULL" : "empty path");
        return XP_EINVAL;
    }
    store *s = calloc(1, sizeof *s);
    char *p = s ? strdup(path) : NULL;
    if (!p) {
        free(s);
        if (err && errlen) snprintf(err, errlen, "store %s: out of memory", path);
        return XP_ENOMEM;
    }
    s->path = p;
    s->id = next_id++;
    pthread_mutex_init(&s->mu, NULL);
    if (gethostname(s->host, sizeof s->host - 1) != 0) strcpy(s->host, "localhost");

    int rc = XP_OK;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        rc = s->db ? dbfail(s, "cannot open") : fail(s, XP_ENOMEM, "cannot open: out of memory");
        goto done;
    }
    sqlite3_busy_timeout(s->db, 10000);
    /* journal_mode answers with the mode in force: WAL lets readers (optuna-dashboard, the
     * report) run while a search writes. ":memory:" databases cannot use WAL. */
    sqlite3_stmt *st = prep(s, "PRAGMA journal_mode=WAL");
    if (!st) { rc = s->code; goto done; }
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = dbfail(s, "setting journal_mode=WAL");
        sqlite3_finalize(st);
        goto done;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
        rc = fail(s, XP_EIO, "cannot enable WAL journal mode (got '%s'); is the file on a network "
                             "file system?", mode ? mode : "(null)");
        sqlite3_finalize(st);
        goto done;
    }
    sqlite3_finalize(st);
    /* NORMAL is safe under WAL: a process crash loses nothing committed. */
    if ((rc = exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", "setting pragmas"))) goto done;

    if ((rc = txn_begin(s, 1))) goto done;
    rc = txn_end(s, setup_schema(s));

done:
    if (rc) {
        if (err && errlen) snprintf(err, errlen, "%s", s->err);
        store_close(s);
        return rc;
    }
    *out = s;
    return XP_OK;
}

void store_close(store *s)
{
    if (!s) return;
    if (s->db) sqlite3_close_v2(s->db);   /* every statement is finalized by its caller */
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}

/* ------------------------------------------------------------------ small queries */

/* Runs a one-row query binding an int64 id; *found says whether a row came back. */
static int row_exists(store *s, const char *sql, int64_t id, int *found)
{
    sqlite3_stmt *st = prep(s, sql);
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return dbfail(s, "querying");
    *found = rc == SQLITE_ROW;
    return XP_OK;
}

static int need_study(store *s, int64_t study_id)
{
    int found = 0;
    int rc = row_exists(s, "SELECT 1 FROM studies WHERE study_id = ?1", study_id, &found);
    if (rc) return rc;
    return found ? XP_OK : fail(s, XP_ENOTFOUND, "study id %lld does not exist", (long long)study_id);
}

static int need_run(store *s, int64_t run_id)
{
    int found = 0;
    int rc = row_exists(s, "SELECT 1 FROM xp_runs WHERE id = ?1", run_id, &found);
    if (rc) return rc;
    return found ? XP_OK : fail(s, XP_ENOTFOUND, "run id %lld does not exist", (long long)run_id);
}

/* Optuna only lets RUNNING trials change; so do we (a finished trial is history). */
static int need_running_trial(store *s, int64_t trial_id, int64_t *study_id)
{
    sqlite3_stmt *st = prep(s, "SELECT state, number, study_id FROM trials WHERE trial_id = ?1");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, trial_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return fail(s, XP_ENOTFOUND, "trial id %lld does not exist", (long long)trial_id);
    }
    if (rc != SQLITE_ROW) {
        rc = dbfail(s, "reading a trial");
        sqlite3_finalize(st);
        return rc;
    }
    const char *state = (const char *)sqlite3_column_text(st, 0);
    if (!state || strcmp(state, "RUNNING") != 0) {
        rc = fail(s, XP_EINVAL, "trial %lld (id %lld) is %s, not RUNNING: it cannot be changed",
                  (long long)sqlite3_column_int64(st, 1), (long long)trial_id, state ? state : "(null)");
        sqlite3_finalize(st);
        return rc;
    }
    if (study_id) *study_id = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    return XP_OK;
}

static int need_str(store *s, const char *v, const char *what)
{
    return v && *v ? XP_OK : fail(s, XP_EINVAL, "%s must be a non-empty string", what);
}

static int need_json(store *s, const char *json, const char *what)
{
    if (!json) return fail(s, XP_EINVAL, "%s: JSON text is NULL", what);
    sqlite3_stmt *st = prep(s, "SELECT json_valid(?1)");
    if (!st) return s->code;
    bind_text(st, 1, json);
    int rc = sqlite3_step(st);
    int ok = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) return dbfail(s, "checking JSON");
    return ok ? XP_OK : fail(s, XP_EINVAL, "%s: not valid JSON: %.200s", what, json);
}

/* ------------------------------------------------------------------ studies */

static const char *direction_name(int d)
{
    return d == XP_MINIMIZE ? "MINIMIZE" : d == XP_MAXIMIZE ? "MAXIMIZE" : NULL;
}

typedef struct orphan {
    int64_t trial_id, run_id;
    int run_dead;                /* the run's process is gone but the run was never ended */
} orphan;

/* A RUNNING trial is orphaned when its run has ended, or its run ran on this host and the
 * pid is gone (kill(pid, 0) == ESRCH). Runs on other hosts can't be checked: left alone,
 * as are trials with no run (e.g. written by Optuna itself). */
static int fail_orphans(store *s, int64_t study_id)
{
    sqlite3_stmt *st = prep(s,
        "SELECT t.trial_id, r.id, r.host, r.pid, r.status, r.ended_at FROM trials t "
        "JOIN xp_trial_runs tr ON tr.trial_id = t.trial_id JOIN xp_runs r ON r.id = tr.run_id "
        "WHERE t.study_id = ?1 AND t.state = 'RUNNING'");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, study_id);
    orphan *list = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *host = (const char *)sqlite3_column_text(st, 2);
        int64_t pid = sqlite3_column_int64(st, 3);
        const char *status = (const char *)sqlite3_column_text(st, 4);
        int ended = sqlite3_column_type(st, 5) != SQLITE_NULL || (status && strcmp(status, "RUNNING") != 0);
        int dead = !ended && host && strcmp(host, s->host) == 0 && pid > 0 && pid != (int64_t)getpid() &&
                   kill((pid_t)pid, 0) == -1 && errno == ESRCH;
        if (!ended && !dead) continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 8;
            orphan *nl = realloc(list, nc * sizeof *nl);
            if (!nl) {
                free(list);
                sqlite3_finalize(st);
                return fail(s, XP_ENOMEM, "out of memory");
            }
            list = nl, cap = nc;
        }
        list[n++] = (orphan){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), dead };
    }
    if (rc != SQLITE_DONE) rc = dbfail(s, "looking for orphaned trials");
    else rc = XP_OK;
    sqlite3_finalize(st);

    char now[32];
    now_text(now);
    for (size_t i = 0; i < n && !rc; i++) {
        st = prep(s, "UPDATE trials SET state = 'FAIL', datetime_complete = ?2 WHERE trial_id = ?1");
        if (!st) { rc = s->code; break; }
        sqlite3_bind_int64(st, 1, list[i].trial_id);
        bind_text(st, 2, now);
        if ((rc = step_done(s, st, "failing an orphaned trial"))) break;
        if (!list[i].run_dead) continue;
        /* The process died without store_run_end: record the run as failed. */
        st = prep(s, "UPDATE xp_runs SET status = 'FAIL' WHERE id = ?1 AND status = 'RUNNING'");
        if (!st) { rc = s->code; break; }
        sqlite3_bind_int64(st, 1, list[i].run_id);
        rc = step_done(s, st, "marking a dead run as failed");
    }
    free(list);
    return rc;
}

static int study_open(store *s, const char *name, int direction, int64_t *study_id)
{
    const char *dir = direction_name(direction);
    int rc = need_str(s, name, "study name");
    if (rc) return rc;
    if (!dir) return fail(s, XP_EINVAL, "study %s: direction must be XP_MINIMIZE or XP_MAXIMIZE, got %d",
                          name, direction);
    sqlite3_stmt *st = prep(s, "SELECT study_id FROM studies WHERE study_name = ?1");
    if (!st) return s->code;
    bind_text(st, 1, name);
    rc = sqlite3_step(st);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return dbfail(s, "looking up the study");

    if (rc == SQLITE_ROW) {
        st = prep(s, "SELECT direction, objective FROM study_directions WHERE study_id = ?1 ORDER BY objective");
        if (!st) return s->code;
        sqlite3_bind_int64(st, 1, id);
        int n = 0, same = 0;
        char found[16] = "";
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(st, 0);
            if (n++ == 0 && d) {
                snprintf(found, sizeof found, "%s", d);
                same = strcmp(d, dir) == 0;
            }
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return dbfail(s, "reading the study's direction");
        if (n != 1)
            return fail(s, XP_EUNSUPPORTED, "study '%s' has %d objectives; xp handles single-objective "
                        "studies only", name, n);
        if (!same)
            return fail(s, XP_EINVAL, "study '%s' exists with direction %s, but %s was asked for; "
                        "use another study name", name, found, dir);
    } else {
        st = prep(s, "INSERT INTO studies (study_name) VALUES (?1)");
        if (!st) return s->code;
        bind_text(st, 1, name);
        if ((rc = step_done(s, st, "creating the study"))) return rc;
        id = sqlite3_last_insert_rowid(s->db);
        st = prep(s, "INSERT INTO study_directions (direction, study_id, objective) VALUES (?1, ?2, 0)");
        if (!st) return s->code;
        bind_text(st, 1, dir);
        sqlite3_bind_int64(st, 2, id);
        if ((rc = step_done(s, st, "writing the study's direction"))) return rc;
    }
    if ((rc = fail_orphans(s, id))) return rc;
    if (study_id) *study_id = id;
    return XP_OK;
}

int store_study_open(store *s, const char *name, int direction, int64_t *study_id)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, study_open(s, name, direction, study_id));
}

/* ------------------------------------------------------------------ runs */

static int run_begin(store *s, int64_t study_id, const store_run_info *info, int64_t *run_id)
{
    if (!info) return fail(s, XP_EINVAL, "run info is NULL");
    int rc = need_str(s, info->name, "run name");
    if (rc) return rc;
    if (study_id > 0 && (rc = need_study(s, study_id))) return rc;
    sqlite3_stmt *st = prep(s,
        "INSERT INTO xp_runs (study_id, name, config_yaml, config_sha256, seed, git_rev, host, pid, "
        "command, started_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'RUNNING')");
    if (!st) return s->code;
    char now[32];
    now_text(now);
    if (study_id > 0) sqlite3_bind_int64(st, 1, study_id);
    else sqlite3_bind_null(st, 1);
    bind_text(st, 2, info->name);
    bind_text(st, 3, info->config_yaml);
    bind_text(st, 4, info->config_sha256);
    sqlite3_bind_int64(st, 5, info->seed);
    bind_text(st, 6, info->git_rev);
    bind_text(st, 7, info->host ? info->host : s->host);
    sqlite3_bind_int64(st, 8, (int64_t)getpid());
    bind_text(st, 9, info->command);
    bind_text(st, 10, now);
    if ((rc = step_done(s, st, "recording the run"))) return rc;
    if (run_id) *run_id = sqlite3_last_insert_rowid(s->db);
    return XP_OK;
}

int store_run_begin(store *s, int64_t study_id, const store_run_info *info, int64_t *run_id)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, run_begin(s, study_id, info, run_id));
}

static int run_end(store *s, int64_t run_id, const char *status, double wall_s, double cpu_s)
{
    if (!status || (strcmp(status, "COMPLETE") && strcmp(status, "FAIL") && strcmp(status, "INTERRUPTED")))
        return fail(s, XP_EINVAL, "run %lld: status must be COMPLETE, FAIL or INTERRUPTED, got '%s'",
                    (long long)run_id, status ? status : "(null)");
    int rc = need_run(s, run_id);
    if (rc) return rc;
    sqlite3_stmt *st = prep(s, "UPDATE xp_runs SET status = ?2, ended_at = ?3, wall_seconds = ?4, "
                               "cpu_seconds = ?5 WHERE id = ?1");
    if (!st) return s->code;
    char now[32];
    now_text(now);
    sqlite3_bind_int64(st, 1, run_id);
    bind_text(st, 2, status);
    bind_text(st, 3, now);
    sqlite3_bind_double(st, 4, wall_s);
    sqlite3_bind_double(st, 5, cpu_s);
    return step_done(s, st, "ending the run");
}

int store_run_end(store *s, int64_t run_id, const char *status, double wall_s, double cpu_s)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, run_end(s, run_id, status, wall_s, cpu_s));
}

/* ------------------------------------------------------------------ trials */

static int trial_begin(store *s, int64_t study_id, int64_t run_id, int64_t *trial_id, int64_t *number)
{
    int rc = need_study(s, study_id);
    if (rc) return rc;
    if (run_id > 0) {
        sqlite3_stmt *st = prep(s, "SELECT study_id FROM xp_runs WHERE id = ?1");
        if (!st) return s->code;
        sqlite3_bind_int64(st, 1, run_id);
        rc = sqlite3_step(st);
        int other = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
                    sqlite3_column_int64(st, 0) != study_id;
        sqlite3_finalize(st);
        if (rc == SQLITE_DONE) return fail(s, XP_ENOTFOUND, "run id %lld does not exist", (long long)run_id);
        if (rc != SQLITE_ROW) return dbfail(s, "reading the run");
        if (other)
            return fail(s, XP_EINVAL, "run id %lld belongs to another study than study id %lld",
                        (long long)run_id, (long long)study_id);
    }
    char now[32];
    now_text(now);
    sqlite3_stmt *st = prep(s, "INSERT INTO trials (number, study_id, state, datetime_start) "
                               "VALUES (NULL, ?1, 'RUNNING', ?2)");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, study_id);
    bind_text(st, 2, now);
    if ((rc = step_done(s, st, "creating the trial"))) return rc;
    int64_t id = sqlite3_last_insert_rowid(s->db);
    /* Optuna's numbering (TrialModel.count_past_trials): trials of the study with a smaller
     * id. BEGIN IMMEDIATE makes the count and the insert atomic across processes. */
    st = prep(s, "UPDATE trials SET number = (SELECT count(*) FROM trials WHERE study_id = ?1 "
                 "AND trial_id < ?2) WHERE trial_id = ?2 RETURNING number");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, study_id);
    sqlite3_bind_int64(st, 2, id);
    rc = sqlite3_step(st);
    int64_t num = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if ((rc = step_done(s, st, "numbering the trial"))) return rc;
    if (run_id > 0) {
        st = prep(s, "INSERT INTO xp_trial_runs (trial_id, run_id) VALUES (?1, ?2)");
        if (!st) return s->code;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, run_id);
        if ((rc = step_done(s, st, "linking the trial to its run"))) return rc;
    }
    if (trial_id) *trial_id = id;
    if (number) *number = num;
    return XP_OK;
}

int store_trial_begin(store *s, int64_t study_id, int64_t run_id, int64_t *trial_id, int64_t *number)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_begin(s, study_id, run_id, trial_id, number));
}

static int trial_claim(store *s, int64_t study_id, int64_t run_id, int64_t budget, int64_t *trial_id, int64_t *number)
{
    sqlite3_stmt *st = prep(s, "SELECT count(*) FROM trials WHERE study_id = ?1 AND state IN ('COMPLETE', 'PRUNED', 'RUNNING')");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, study_id);
    int rc = sqlite3_step(st);
    int64_t used = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) return dbfail(s, "counting the study's trials");
    if (used >= budget)
        return fail(s, XP_EEXHAUSTED, "study id %lld: budget of %lld trials reached (%lld finished or running)",
                    (long long)study_id, (long long)budget, (long long)used);
    return trial_begin(s, study_id, run_id, trial_id, number);
}

int store_trial_claim(store *s, int64_t study_id, int64_t run_id, int64_t budget, int64_t *trial_id, int64_t *number)
{
    if (!s) return XP_EINVAL;
    /* IMMEDIATE takes the write lock first: no other process can count or insert in between. */
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_claim(s, study_id, run_id, budget, trial_id, number));
}

/* What a distribution's JSON tells us, read with SQLite's JSON functions. */
typedef struct dist_info {
    char name[32];
    int has_low, has_high, log;
    double low, high, step;      /* step 0: none */
    int64_t n_choices;           /* categorical */
} dist_info;

static int parse_distribution(store *s, const char *param, const char *json, dist_info *d)
{
    memset(d, 0, sizeof *d);
    int rc = need_json(s, json, "distribution");
    if (rc) return fail(s, rc, "param '%s': distribution is not valid JSON: %.200s", param, json);
    sqlite3_stmt *st = prep(s,
        "SELECT json_extract(?1, '$.name'), json_type(?1, '$.attributes'), "
        "json_extract(?1, '$.attributes.low'), json_extract(?1, '$.attributes.high'), "
        "json_extract(?1, '$.attributes.step'), json_extract(?1, '$.attributes.log'), "
        "json_type(?1, '$.attributes.choices'), json_array_length(?1, '$.attributes.choices')");
    if (!st) return s->code;
    bind_text(st, 1, json);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = dbfail(s, "reading the distribution");
        sqlite3_finalize(st);
        return rc;
    }
    const char *name = (const char *)sqlite3_column_text(st, 0);
    const char *attrs = (const char *)sqlite3_column_text(st, 1);
    snprintf(d->name, sizeof d->name, "%s", name ? name : "");
    int is_int = strcmp(d->name, "IntDistribution") == 0;
    int is_float = strcmp(d->name, "FloatDistribution") == 0;
    int is_cat = strcmp(d->name, "CategoricalDistribution") == 0;
    rc = XP_OK;
    if (!is_int && !is_float && !is_cat)
        rc = fail(s, XP_EINVAL, "param '%s': distribution name must be IntDistribution, "
                  "FloatDistribution or CategoricalDistribution, got '%s' in %.200s", param, d->name, json);
    else if (!attrs || strcmp(attrs, "object") != 0)
        rc = fail(s, XP_EINVAL, "param '%s': distribution needs an \"attributes\" object: %.200s", param, json);
    else if (is_cat) {
        const char *ct = (const char *)sqlite3_column_text(st, 6);
        d->n_choices = sqlite3_column_int64(st, 7);
        if (!ct || strcmp(ct, "array") != 0 || d->n_choices < 1)
            rc = fail(s, XP_EINVAL, "param '%s': CategoricalDistribution needs a non-empty "
                      "\"choices\" array: %.200s", param, json);
    } else {
        int tl = sqlite3_column_type(st, 2), th = sqlite3_column_type(st, 3), ts = sqlite3_column_type(st, 4);
        int numeric_ok = (tl == SQLITE_INTEGER || tl == SQLITE_FLOAT) && (th == SQLITE_INTEGER || th == SQLITE_FLOAT) &&
                         (ts == SQLITE_NULL || ts == SQLITE_INTEGER || ts == SQLITE_FLOAT);
        if (!numeric_ok) {
            rc = fail(s, XP_EINVAL, "param '%s': %s needs numeric \"low\", \"high\" and a numeric or null "
                      "\"step\": %.200s", param, d->name, json);
        } else {
            d->low = sqlite3_column_double(st, 2);
            d->high = sqlite3_column_double(st, 3);
            d->step = ts == SQLITE_NULL ? 0 : sqlite3_column_double(st, 4);
            d->log = sqlite3_column_int(st, 5);
            if (!(d->low <= d->high) || d->step < 0 || (is_int && d->step < 1))
                rc = fail(s, XP_EINVAL, "param '%s': bad bounds or step in %.200s", param, json);
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* The same checks as Optuna's Distribution._contains, so load_study() never meets a value
 * that its distribution rejects (e.g. a categorical index out of range). */
static int check_value(store *s, const char *param, const dist_info *d, double v)
{
    if (!isfinite(v)) return fail(s, XP_EINVAL, "param '%s': value %g is not finite", param, v);
    if (strcmp(d->name, "CategoricalDistribution") == 0) {
        if (v != floor(v) || v < 0 || v >= (double)d->n_choices)
            return fail(s, XP_EINVAL, "param '%s': categorical choice index %g is not an integer in "
                        "[0, %lld)", param, v, (long long)d->n_choices);
        return XP_OK;
    }
    if (v < d->low || v > d->high)
        return fail(s, XP_EINVAL, "param '%s': value %.17g outside [%.17g, %.17g]", param, v, d->low, d->high);
    if (strcmp(d->name, "IntDistribution") == 0) {
        if (v != floor(v) || fmod(v - d->low, d->step) != 0)
            return fail(s, XP_EINVAL, "param '%s': value %.17g is not low %.17g plus a multiple of step %.17g",
                        param, v, d->low, d->step);
    } else if (d->step > 0) {
        double k = (v - d->low) / d->step;
        if (fabs(k - round(k)) >= 1e-8)
            return fail(s, XP_EINVAL, "param '%s': value %.17g is not on the step-%.17g grid from %.17g",
                        param, v, d->step, d->low);
    }
    return XP_OK;
}

/* Optuna's check_distribution_compatibility: within a study a parameter keeps its
 * distribution class, and a categorical parameter keeps its choices. */
static int check_compatible(store *s, int64_t study_id, const char *param, const char *json)
{
    sqlite3_stmt *st = prep(s,
        "SELECT p.distribution_json, json_extract(p.distribution_json, '$.name') = json_extract(?3, '$.name'), "
        "json_extract(?3, '$.name') != 'CategoricalDistribution' OR "
        "json_extract(p.distribution_json, '$.attributes.choices') = json_extract(?3, '$.attributes.choices') "
        "FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id "
        "WHERE t.study_id = ?1 AND p.param_name = ?2 AND json_valid(p.distribution_json) LIMIT 1");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, study_id);
    bind_text(st, 2, param);
    bind_text(st, 3, json);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int same_class = sqlite3_column_int(st, 1), same_choices = sqlite3_column_int(st, 2);
        rc = same_class && same_choices ? XP_OK
             : fail(s, XP_EINVAL, "param '%s': distribution %.200s is incompatible with the one earlier "
                    "trials of this study used: %.200s", param, json,
                    (const char *)sqlite3_column_text(st, 0));
    } else {
        rc = rc == SQLITE_DONE ? XP_OK : dbfail(s, "reading earlier distributions");
    }
    sqlite3_finalize(st);
    return rc;
}

static int trial_param(store *s, int64_t trial_id, const char *name, double value, const char *json)
{
    int64_t study_id;
    int rc = need_str(s, name, "param name");
    if (rc || (rc = need_running_trial(s, trial_id, &study_id))) return rc;
    dist_info d;
    if ((rc = parse_distribution(s, name, json, &d)) || (rc = check_value(s, name, &d, value)) ||
        (rc = check_compatible(s, study_id, name, json)))
        return rc;
    sqlite3_stmt *st = prep(s, "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) "
                               "VALUES (?1, ?2, ?3, ?4)");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, trial_id);
    bind_text(st, 2, name);
    sqlite3_bind_double(st, 3, value);
    bind_text(st, 4, json);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE
                 ? fail(s, XP_EINVAL, "param '%s' is already set for trial id %lld", name, (long long)trial_id)
                 : dbfail(s, "writing the param");
    }
    sqlite3_finalize(st);
    return rc;
}

int store_trial_param(store *s, int64_t trial_id, const char *name, double value_internal,
                      const char *distribution_json)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_param(s, trial_id, name, value_internal, distribution_json));
}

/* Optuna stores non-finite floats as NULL plus a type tag. */
static const char *value_type(double v, int allow_nan)
{
    if (isnan(v)) return allow_nan ? "NAN" : NULL;
    if (isinf(v)) return v > 0 ? "INF_POS" : "INF_NEG";
    return "FINITE";
}

static void bind_value(sqlite3_stmt *st, int i, double v)
{
    if (isfinite(v)) sqlite3_bind_double(st, i, v);
    else sqlite3_bind_null(st, i);
}

static int trial_intermediate(store *s, int64_t trial_id, int64_t step, double value)
{
    if (step < 0) return fail(s, XP_EINVAL, "trial id %lld: intermediate step must be >= 0, got %lld",
                              (long long)trial_id, (long long)step);
    int rc = need_running_trial(s, trial_id, NULL);
    if (rc) return rc;
    /* Reporting a step twice overwrites it, as Optuna 3.1 does. */
    sqlite3_stmt *st = prep(s,
        "INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (trial_id, step) DO UPDATE SET "
        "intermediate_value = excluded.intermediate_value, intermediate_value_type = excluded.intermediate_value_type");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, trial_id);
    sqlite3_bind_int64(st, 2, step);
    bind_value(st, 3, value);
    bind_text(st, 4, value_type(value, 1));
    return step_done(s, st, "writing the intermediate value");
}

int store_trial_intermediate(store *s, int64_t trial_id, int64_t step, double value)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_intermediate(s, trial_id, step, value));
}

static int trial_finish(store *s, int64_t trial_id, int state, const double *value)
{
    const char *name = state == XP_TRIAL_COMPLETE ? "COMPLETE" : state == XP_TRIAL_PRUNED ? "PRUNED"
                     : state == XP_TRIAL_FAIL ? "FAIL" : NULL;
    if (!name) return fail(s, XP_EINVAL, "trial id %lld: finish state must be XP_TRIAL_COMPLETE, PRUNED "
                           "or FAIL, got %d", (long long)trial_id, state);
    int rc = need_running_trial(s, trial_id, NULL);
    if (rc) return rc;
    double v = NAN;
    int has = 0;
    if (state == XP_TRIAL_COMPLETE) {
        if (!value || isnan(*value))
            return fail(s, XP_EINVAL, "trial id %lld: a COMPLETE trial needs a value that is not NaN "
                        "(finish it as FAIL instead)", (long long)trial_id);
        v = *value, has = 1;
    } else if (state == XP_TRIAL_PRUNED) {
        if (value && !isnan(*value)) {
            v = *value, has = 1;
        } else {
            /* Optuna's tell(PRUNED) takes the last reported intermediate value, if not NaN. */
            sqlite3_stmt *st = prep(s, "SELECT intermediate_value, intermediate_value_type FROM "
                                       "trial_intermediate_values WHERE trial_id = ?1 ORDER BY step DESC LIMIT 1");
            if (!st) return s->code;
            sqlite3_bind_int64(st, 1, trial_id);
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                const char *t = (const char *)sqlite3_column_text(st, 1);
                if (t && strcmp(t, "FINITE") == 0) v = sqlite3_column_double(st, 0), has = 1;
                else if (t && strcmp(t, "INF_POS") == 0) v = INFINITY, has = 1;
                else if (t && strcmp(t, "INF_NEG") == 0) v = -INFINITY, has = 1;
            }
            sqlite3_finalize(st);
            if (rc != SQLITE_ROW && rc != SQLITE_DONE) return dbfail(s, "reading the last intermediate value");
        }
    }
    if (has) {
        sqlite3_stmt *st = prep(s, "INSERT INTO trial_values (trial_id, objective, value, value_type) "
                                   "VALUES (?1, 0, ?2, ?3) ON CONFLICT (trial_id, objective) DO UPDATE SET "
                                   "value = excluded.value, value_type = excluded.value_type");
        if (!st) return s->code;
        sqlite3_bind_int64(st, 1, trial_id);
        bind_value(st, 2, v);
        bind_text(st, 3, value_type(v, 0));
        if ((rc = step_done(s, st, "writing the trial value"))) return rc;
    }
    char now[32];
    now_text(now);
    sqlite3_stmt *st = prep(s, "UPDATE trials SET state = ?2, datetime_complete = ?3 WHERE trial_id = ?1");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, trial_id);
    bind_text(st, 2, name);
    bind_text(st, 3, now);
    return step_done(s, st, "finishing the trial");
}

int store_trial_finish(store *s, int64_t trial_id, int state, const double *value)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_finish(s, trial_id, state, value));
}

/* User attributes (what Optuna shows as user_attrs); may be set after the trial ends,
 * e.g. to attach the path of the model it saved. */
static int set_attr(store *s, int trial, int64_t id, const char *key, const char *json)
{
    const char *what = trial ? "trial attribute" : "study attribute";
    int rc = need_str(s, key, "attribute key");
    if (rc || (rc = need_json(s, json, what))) return rc;
    if (trial) {
        int found = 0;
        if ((rc = row_exists(s, "SELECT 1 FROM trials WHERE trial_id = ?1", id, &found))) return rc;
        if (!found) return fail(s, XP_ENOTFOUND, "trial id %lld does not exist", (long long)id);
    } else if ((rc = need_study(s, id))) {
        return rc;
    }
    sqlite3_stmt *st = prep(s, trial
        ? "INSERT INTO trial_user_attributes (trial_id, \"key\", value_json) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (trial_id, \"key\") DO UPDATE SET value_json = excluded.value_json"
        : "INSERT INTO study_user_attributes (study_id, \"key\", value_json) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (study_id, \"key\") DO UPDATE SET value_json = excluded.value_json");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, key);
    bind_text(st, 3, json);
    return step_done(s, st, what);
}

int store_trial_attr(store *s, int64_t trial_id, const char *key, const char *json_value)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, set_attr(s, 1, trial_id, key, json_value));
}

int store_study_attr(store *s, int64_t study_id, const char *key, const char *json_value)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, set_attr(s, 0, study_id, key, json_value));
}

static int query_text(store *s, sqlite3_stmt *st, char **out, const char *what);

/* A study user attribute's JSON text, of study `id` or (by_run) of the study run `id` belongs to. */
static int study_attr_query(store *s, int64_t id, int by_run, const char *key, char **json_value)
{
    if (!s) return XP_EINVAL;
    if (!json_value) return fail(s, XP_EINVAL, "study_attr_get: json_value is NULL");
    *json_value = NULL;
    int rc = txn_begin(s, 0);
    if (rc) return rc;
    if (!(rc = need_str(s, key, "attribute key")) && !(rc = by_run ? need_run(s, id) : need_study(s, id))) {
        sqlite3_stmt *st = prep(s, by_run ? "SELECT a.value_json FROM study_user_attributes a JOIN xp_runs r "
                                            "ON r.study_id = a.study_id WHERE r.id = ?1 AND a.\"key\" = ?2"
                                          : "SELECT value_json FROM study_user_attributes WHERE study_id = ?1 AND \"key\" = ?2");
        if (!st) rc = s->code;
        else {
            char what[160];
            snprintf(what, sizeof what, "%s id %lld%s has no attribute '%.80s'", by_run ? "run" : "study", (long long)id,
                     by_run ? "'s study" : "", key);
            sqlite3_bind_int64(st, 1, id);
            bind_text(st, 2, key);
            rc = query_text(s, st, json_value, what);
        }
    }
    return txn_end(s, rc);
}

int store_study_attr_get(store *s, int64_t study_id, const char *key, char **json_value)
{
    return study_attr_query(s, study_id, 0, key, json_value);
}

int store_run_study_attr_get(store *s, int64_t run_id, const char *key, char **json_value)
{
    return study_attr_query(s, run_id, 1, key, json_value);
}

/* ------------------------------------------------------------------ metrics, artifacts, records */

static int metric(store *s, int64_t run_id, int64_t trial_id, int fold, const char *split, int source,
                  const char *name, double value)
{
    int rc = need_str(s, split, "metric split");
    if (rc || (rc = need_str(s, name, "metric name")) || (rc = need_run(s, run_id))) return rc;
    if (trial_id >= 0) {
        int found = 0;
        if ((rc = row_exists(s, "SELECT 1 FROM trials WHERE trial_id = ?1", trial_id, &found))) return rc;
        if (!found) return fail(s, XP_ENOTFOUND, "metric %s: trial id %lld does not exist", name,
                                (long long)trial_id);
    }
    sqlite3_stmt *st = prep(s, "INSERT INTO xp_metrics (run_id, trial_id, fold, split, source, metric, value) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, run_id);
    if (trial_id >= 0) sqlite3_bind_int64(st, 2, trial_id);
    else sqlite3_bind_null(st, 2);
    if (fold >= 0) sqlite3_bind_int(st, 3, fold);
    else sqlite3_bind_null(st, 3);
    bind_text(st, 4, split);
    if (source >= 0) sqlite3_bind_int(st, 5, source);
    else sqlite3_bind_null(st, 5);
    bind_text(st, 6, name);
    sqlite3_bind_double(st, 7, value);   /* NaN binds as NULL */
    return step_done(s, st, "writing the metric");
}

int store_metric(store *s, int64_t run_id, int64_t trial_id, int fold, const char *split,
                 int source, const char *metric_name, double value)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, metric(s, run_id, trial_id, fold, split, source, metric_name, value));
}

static int artifact(store *s, int64_t run_id, const char *path, const char *sha, const char *kind)
{
    int rc = need_str(s, path, "artifact path");
    if (rc || (rc = need_str(s, kind, "artifact kind")) || (rc = need_run(s, run_id))) return rc;
    char hex[65];
    if (!sha) {
        /* Callers may leave the checksum to us. */
        if (sha256_file_hex(path, hex) != 0)
            return fail(s, XP_EIO, "artifact %s: cannot read it to checksum: %s", path, strerror(errno));
        sha = hex;
    } else {
        size_t n = strlen(sha);
        if (n != 64 || strspn(sha, "0123456789abcdef") != 64)
            return fail(s, XP_EINVAL, "artifact %s: sha256 must be 64 lower-case hex digits, got '%.80s'",
                        path, sha);
    }
    char now[32];
    now_text(now);
    sqlite3_stmt *st = prep(s, "INSERT INTO xp_artifacts (run_id, path, sha256, kind, created_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, run_id);
    bind_text(st, 2, path);
    bind_text(st, 3, sha);
    bind_text(st, 4, kind);
    bind_text(st, 5, now);
    return step_done(s, st, "recording the artifact");
}

int store_artifact(store *s, int64_t run_id, const char *path, const char *sha256, const char *kind)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, artifact(s, run_id, path, sha256, kind));
}

/* Copies src to a temporary file in dir, hashing the bytes as they are written, then renames
 * it to dir/<sha256><ext>: a content-addressed copy, so every run on the same bytes shares
 * one file, and a copy is always whole (rename is atomic; a same-named file already there
 * holds the same bytes, or was damaged and is replaced). */
static int snapshot_copy(store *s, const char *src, const char *dir, char **path, char sha256[65])
{
    *path = NULL;
    if (mkdir(dir, 0777) && errno != EEXIST) return fail(s, XP_EIO, "%s: cannot create: %s", dir, strerror(errno));
    static _Atomic unsigned seq;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/.partial.%ld.%u", dir, (long)getpid(), seq++);
    FILE *in = fopen(src, "rb");
    if (!in) return fail(s, XP_EIO, "%s: cannot read: %s", src, strerror(errno));
    FILE *out = fopen(tmp, "wb");
    if (!out) {
        int e = errno;
        fclose(in);
        return fail(s, XP_EIO, "%s: cannot write: %s", tmp, strerror(e));
    }
    sha256_ctx c;
    unsigned char buf[65536], d[32];
    size_t n;
    int werr = 0;
    sha256_init(&c);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        sha256_update(&c, buf, n);
        if (fwrite(buf, 1, n, out) != n) { werr = errno ? errno : EIO; break; }
    }
    int rerr = ferror(in) ? (errno ? errno : EIO) : 0;
    fclose(in);
    if (fclose(out) && !werr) werr = errno ? errno : EIO;
    if (rerr || werr) {
        unlink(tmp);
        return rerr ? fail(s, XP_EIO, "%s: cannot read: %s", src, strerror(rerr))
                    : fail(s, XP_EIO, "%s: cannot write: %s", tmp, strerror(werr));
    }
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++) snprintf(sha256 + 2 * i, 3, "%02x", d[i]);
    const char *base = strrchr(src, '/'), *dot = strrchr(base ? base + 1 : src, '.');
    char final[4200];
    snprintf(final, sizeof final, "%s/%s%.16s", dir, sha256, dot && dot[1] ? dot : "");
    if (rename(tmp, final)) {
        int e = errno;
        unlink(tmp);
        return fail(s, XP_EIO, "%s: cannot create: %s", final, strerror(e));
    }
    if (!(*path = strdup(final))) return fail(s, XP_ENOMEM, "out of memory");
    return XP_OK;
}

int store_artifact_snapshot(store *s, int64_t run_id, const char *src, const char *dir, const char *kind,
                            char **path, char sha256[65])
{
    if (!s) return XP_EINVAL;
    if (!path || !sha256) return fail(s, XP_EINVAL, "artifact_snapshot: NULL output");
    sha256[0] = 0;
    int rc = need_str(s, src, "snapshot source");
    if (rc || (rc = need_str(s, dir, "snapshot folder")) || (rc = snapshot_copy(s, src, dir, path, sha256))) return rc;
    if ((rc = txn_begin(s, 1)) || (rc = txn_end(s, artifact(s, run_id, *path, sha256, kind)))) {
        free(*path);
        *path = NULL;
    }
    return rc;
}

static int record(store *s, int64_t run_id, const char *kind, const char *json)
{
    int rc = need_str(s, kind, "record kind");
    if (rc || (rc = need_json(s, json, "record")) || (rc = need_run(s, run_id))) return rc;
    char now[32];
    now_text(now);
    sqlite3_stmt *st = prep(s, "INSERT INTO xp_records (run_id, kind, json, created_at) VALUES (?1, ?2, ?3, ?4)");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, run_id);
    bind_text(st, 2, kind);
    bind_text(st, 3, json);
    bind_text(st, 4, now);
    return step_done(s, st, "writing the record");
}

int store_record(store *s, int64_t run_id, const char *kind, const char *json)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, record(s, run_id, kind, json));
}

/* ------------------------------------------------------------------ reading back */

static int state_code(const char *st)
{
    if (!st) return -1;
    if (!strcmp(st, "COMPLETE")) return XP_TRIAL_COMPLETE;
    if (!strcmp(st, "PRUNED")) return XP_TRIAL_PRUNED;
    if (!strcmp(st, "FAIL")) return XP_TRIAL_FAIL;
    if (!strcmp(st, "RUNNING")) return XP_TRIAL_RUNNING;
    return -1;
}

static int cmp_trial_id(const void *key, const void *elem)
{
    int64_t k = *(const int64_t *)key, e = ((const store_trial *)elem)->trial_id;
    return k < e ? -1 : k > e;
}

static int trials_load(store *s, int64_t study_id, const char *const *names, size_t n_names,
                       store_trial **out, size_t *n_out)
{
    int rc = need_study(s, study_id);
    if (rc) return rc;
    if (n_names && !names) return fail(s, XP_EINVAL, "trials_load: names is NULL but n_names is %zu", n_names);
    /* Sorted by trial_id, which also sorts by number (numbers count smaller ids). */
    sqlite3_stmt *st = prep(s,
        "SELECT t.trial_id, t.number, t.state, v.value, v.value_type FROM trials t "
        "LEFT JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0 "
        "WHERE t.study_id = ?1 AND t.state IN ('COMPLETE', 'PRUNED', 'FAIL') ORDER BY t.trial_id");
    if (!st) return s->code;
    sqlite3_bind_int64(st, 1, study_id);
    store_trial *t = NULL;
    size_t n = 0, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            store_trial *nt = realloc(t, nc * sizeof *nt);
            if (!nt) { rc = SQLITE_NOMEM; break; }
            t = nt, cap = nc;
        }
        store_trial *r = &t[n];
        r->trial_id = sqlite3_column_int64(st, 0);
        r->number = sqlite3_column_int64(st, 1);
        r->state = state_code((const char *)sqlite3_column_text(st, 2));
        const char *vt = (const char *)sqlite3_column_text(st, 4);
        r->value = !vt ? NAN
                 : !strcmp(vt, "INF_POS") ? INFINITY
                 : !strcmp(vt, "INF_NEG") ? -INFINITY
                 : sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
        r->params = NULL;
        n++;
        if (n_names) {
            r->params = malloc(n_names * sizeof *r->params);
            if (!r->params) { rc = SQLITE_NOMEM; break; }
            for (size_t j = 0; j < n_names; j++) r->params[j] = NAN;
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_NOMEM) {
        store_trials_free(t, n);
        return fail(s, XP_ENOMEM, "out of memory loading %zu trials", n);
    }
    if (rc != SQLITE_DONE) {
        store_trials_free(t, n);
        return dbfail(s, "loading trials");
    }
    if (n && n_names) {
        st = prep(s, "SELECT p.trial_id, p.param_name, p.param_value FROM trial_params p "
                     "JOIN trials t ON t.trial_id = p.trial_id "
                     "WHERE t.study_id = ?1 AND t.state IN ('COMPLETE', 'PRUNED', 'FAIL')");
        if (!st) {
            store_trials_free(t, n);
            return s->code;
        }
        sqlite3_bind_int64(st, 1, study_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(st, 0);
            const char *pn = (const char *)sqlite3_column_text(st, 1);
            store_trial *r = bsearch(&id, t, n, sizeof *t, cmp_trial_id);
            if (!r || !pn || sqlite3_column_type(st, 2) == SQLITE_NULL) continue;
            for (size_t j = 0; j < n_names; j++)
                if (names[j] && strcmp(names[j], pn) == 0) r->params[j] = sqlite3_column_double(st, 2);
        }
        int ok = rc == SQLITE_DONE;
        if (!ok) dbfail(s, "loading params");
        sqlite3_finalize(st);
        if (!ok) {
            store_trials_free(t, n);
            return s->code;
        }
    }
    *out = t;
    *n_out = n;
    return XP_OK;
}

int store_trials_load(store *s, int64_t study_id, const char *const *names, size_t n_names,
                      store_trial **out, size_t *n_out)
{
    if (!s) return XP_EINVAL;
    if (!out || !n_out) return fail(s, XP_EINVAL, "trials_load: out or n_out is NULL");
    *out = NULL;
    *n_out = 0;
    int rc = txn_begin(s, 0);
    return rc ? rc : txn_end(s, trials_load(s, study_id, names, n_names, out, n_out));
}

void store_trials_free(store_trial *t, size_t n)
{
    if (!t) return;
    for (size_t i = 0; i < n; i++) free(t[i].params);
    free(t);
}

/* One text column of one row, duplicated; XP_ENOTFOUND when there is no row or it is NULL. */
static int query_text(store *s, sqlite3_stmt *st, char **out, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        *out = strdup(v ? v : "");
        rc = *out ? XP_OK : fail(s, XP_ENOMEM, "out of memory");
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        rc = fail(s, XP_ENOTFOUND, "%s", what);
    } else {
        rc = dbfail(s, what);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_run_config(store *s, int64_t run_id, char **config_yaml)
{
    if (!s) return XP_EINVAL;
    if (!config_yaml) return fail(s, XP_EINVAL, "run_config: config_yaml is NULL");
    *config_yaml = NULL;
    int rc = txn_begin(s, 0);
    if (rc) return rc;
    if (!(rc = need_run(s, run_id))) {
        sqlite3_stmt *st = prep(s, "SELECT config_yaml FROM xp_runs WHERE id = ?1");
        if (!st) rc = s->code;
        else {
            char what[96];
            snprintf(what, sizeof what, "run id %lld has no config recorded", (long long)run_id);
            sqlite3_bind_int64(st, 1, run_id);
            rc = query_text(s, st, config_yaml, what);
        }
    }
    return txn_end(s, rc);
}

int store_run_artifact(store *s, int64_t run_id, const char *kind, char **path)
{
    if (!s) return XP_EINVAL;
    if (!path) return fail(s, XP_EINVAL, "run_artifact: path is NULL");
    *path = NULL;
    int rc = txn_begin(s, 0);
    if (rc) return rc;
    if (!(rc = need_str(s, kind, "artifact kind")) && !(rc = need_run(s, run_id))) {
        sqlite3_stmt *st = prep(s, "SELECT path FROM xp_artifacts WHERE run_id = ?1 AND kind = ?2 "
                                   "ORDER BY id DESC LIMIT 1");
        if (!st) rc = s->code;
        else {
            char what[160];
            snprintf(what, sizeof what, "run id %lld has no artifact of kind '%.80s'", (long long)run_id, kind);
            sqlite3_bind_int64(st, 1, run_id);
            bind_text(st, 2, kind);
            rc = query_text(s, st, path, what);
        }
    }
    if (rc && *path) { free(*path); *path = NULL; }
    return txn_end(s, rc);
}

int store_latest_run(store *s, const char *study_name, int64_t *run_id)
{
    if (!s) return XP_EINVAL;
    if (!run_id) return fail(s, XP_EINVAL, "latest_run: run_id is NULL");
    *run_id = -1;
    int rc = txn_begin(s, 0);
    if (rc) return rc;
    if (!(rc = need_str(s, study_name, "study name"))) {
        sqlite3_stmt *st = prep(s, "SELECT max(r.id) FROM xp_runs r JOIN studies s ON s.study_id = r.study_id "
                                   "WHERE s.study_name = ?1 AND r.status = 'COMPLETE'");
        if (!st) rc = s->code;
        else {
            bind_text(st, 1, study_name);
            int step = sqlite3_step(st);
            if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) *run_id = sqlite3_column_int64(st, 0);
            else if (step == SQLITE_ROW || step == SQLITE_DONE)
                rc = fail(s, XP_ENOTFOUND, "study '%.200s' has no complete run in this store", study_name);
            else rc = dbfail(s, "latest run");
            sqlite3_finalize(st);
        }
    }
    return txn_end(s, rc);
}

int store_run_artifact_sha(store *s, int64_t run_id, const char *kind, char **path, char sha256[65])
{
    if (!s) return XP_EINVAL;
    if (!path || !sha256) return fail(s, XP_EINVAL, "run_artifact_sha: NULL output");
    *path = NULL;
    sha256[0] = 0;
    int rc = txn_begin(s, 0);
    if (rc) return rc;
    if (!(rc = need_str(s, kind, "artifact kind")) && !(rc = need_run(s, run_id))) {
        sqlite3_stmt *st = prep(s, "SELECT path, sha256 FROM xp_artifacts WHERE run_id = ?1 AND kind = ?2 "
                                   "ORDER BY id DESC LIMIT 1");
        if (!st) rc = s->code;
        else {
            sqlite3_bind_int64(st, 1, run_id);
            bind_text(st, 2, kind);
            int step = sqlite3_step(st);
            if (step == SQLITE_ROW) {
                const char *p = (const char *)sqlite3_column_text(st, 0);
                const char *h = (const char *)sqlite3_column_text(st, 1);
                *path = strdup(p ? p : "");
                snprintf(sha256, 65, "%s", h ? h : "");
                if (!*path) rc = fail(s, XP_ENOMEM, "out of memory");
            } else if (step == SQLITE_DONE) {
                rc = fail(s, XP_ENOTFOUND, "run id %lld has no artifact of kind '%.80s'", (long long)run_id, kind);
            } else rc = dbfail(s, "artifact");
            sqlite3_finalize(st);
        }
    }
    return txn_end(s, rc);
}
