/* core/store_sqlite.c — the experiment store's SQLite backend (store_db.h): one database file,
 * WAL journal, Optuna 3.1's DDL byte for byte plus our xp_* tables.
 *
 *     db *d; char err[512];
 *     if (store_sqlite_ops.open("experiments/experiments.db", &d, err, sizeof err)) ...
 *
 * WAL lets readers (optuna-dashboard, the report) run while a search writes; a busy timeout
 * makes concurrent runners on one file wait for each other instead of failing; every write
 * transaction is BEGIN IMMEDIATE, so it holds the file's write lock from its first statement
 * (a count and the insert it decides are atomic across processes).
 */
#include "store_db.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "xp/error.h"

struct db {
    sqlite3 *h;
    char label[256];
    int code;
    char err[900];
};

/* A statement carries its db so a failed step can leave its message there, and the first
 * failed bind, which its next step reports. */
struct db_stmt {
    sqlite3_stmt *st;
    db *d;
    int bind_rc;
};

static int set_err(db *d, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(db *d, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    d->code = code;
    return code;
}

/* The XP_E* class of SQLite's last error on d. */
static int sqfail(db *d)
{
    int ec = sqlite3_errcode(d->h);
    int code = sqlite3_extended_errcode(d->h) == SQLITE_CONSTRAINT_UNIQUE ? DB_EUNIQUE
             : (ec == SQLITE_CONSTRAINT || ec == SQLITE_MISMATCH || ec == SQLITE_TOOBIG) ? XP_EINVAL
             : (ec == SQLITE_NOTADB || ec == SQLITE_CORRUPT) ? XP_EFORMAT
             : (ec == SQLITE_NOMEM) ? XP_ENOMEM : XP_EIO;
    return set_err(d, code, "%s", sqlite3_errmsg(d->h));
}

static int exec(db *d, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = sqfail(d);
        if (msg) snprintf(d->err, sizeof d->err, "%s", msg);
        sqlite3_free(msg);
        return rc;
    }
    return XP_OK;
}

/* ------------------------------------------------------------------ statements */

static db_stmt *prepare(db *d, const char *sql)
{
    db_stmt *s = malloc(sizeof *s);
    if (!s) {
        set_err(d, XP_ENOMEM, "out of memory");
        return NULL;
    }
    s->d = d;
    s->st = NULL;
    s->bind_rc = SQLITE_OK;
    if (sqlite3_prepare_v2(d->h, sql, -1, &s->st, NULL) != SQLITE_OK) {
        sqfail(d);
        sqlite3_finalize(s->st);
        free(s);
        return NULL;
    }
    return s;
}

static void bound(db_stmt *s, int rc)
{
    if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK) s->bind_rc = rc;
}

static void bind_int64(db_stmt *s, int i, int64_t v) { bound(s, sqlite3_bind_int64(s->st, i, v)); }
/* SQLite itself stores a NaN as NULL. */
static void bind_double(db_stmt *s, int i, double v) { bound(s, sqlite3_bind_double(s->st, i, v)); }
static void bind_text(db_stmt *s, int i, const char *v)
{
    bound(s, v ? sqlite3_bind_text(s->st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s->st, i));
}

static int step(db_stmt *s)
{
    if (s->bind_rc != SQLITE_OK)
        return set_err(s->d, s->bind_rc == SQLITE_NOMEM ? XP_ENOMEM : XP_EINVAL, "binding a value: %s",
                       sqlite3_errstr(s->bind_rc));
    int rc = sqlite3_step(s->st);
    return rc == SQLITE_ROW ? DB_ROW : rc == SQLITE_DONE ? DB_DONE : sqfail(s->d);
}

static int column_is_null(db_stmt *s, int c) { return sqlite3_column_type(s->st, c) == SQLITE_NULL; }
static int64_t column_int64(db_stmt *s, int c) { return sqlite3_column_int64(s->st, c); }
static double column_double(db_stmt *s, int c)
{
    return sqlite3_column_type(s->st, c) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(s->st, c);
}
static const char *column_text(db_stmt *s, int c) { return (const char *)sqlite3_column_text(s->st, c); }

static void finalize(db_stmt *s)
{
    if (!s) return;
    sqlite3_finalize(s->st);
    free(s);
}

static const char *errmsg(const db *d) { return d->err; }
static int errcode(const db *d) { return d->code; }
static const char *label(const db *d) { return d->label; }

/* ------------------------------------------------------------------ transactions */

static int begin(db *d, int write) { return exec(d, write ? "BEGIN IMMEDIATE" : "BEGIN"); }
static int commit(db *d) { return exec(d, "COMMIT"); }
static void rollback(db *d)
{
    if (!sqlite3_get_autocommit(d->h)) sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
}
/* BEGIN IMMEDIATE already holds the file's write lock. */
static int lock_study(db *d, int64_t study_id)
{
    (void)d, (void)study_id;
    return XP_OK;
}

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

static int schema_fail(db *d, const char *what)
{
    int rc = sqfail(d);
    char msg[sizeof d->err];
    snprintf(msg, sizeof msg, "%s: %s", what, d->err);
    memcpy(d->err, msg, sizeof msg);
    return rc;
}

/* Creates missing objects of `objs` and checks existing ones against the expected DDL. */
static int ensure_objects(db *d, const schema_obj *objs, size_t n, const char *owner)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(d->h, "SELECT sql FROM sqlite_master WHERE type = ?1 AND name = ?2", -1, &st, NULL) !=
            SQLITE_OK)
            return schema_fail(d, "reading the schema");
        sqlite3_bind_text(st, 1, objs[i].type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, objs[i].name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *sql = (const char *)sqlite3_column_text(st, 0);
            int same = sql && ddl_equal(sql, objs[i].sql);
            if (!same) {
                d->code = XP_EFORMAT;
                snprintf(d->err, sizeof d->err, "%s %s does not have the definition %s expects (found: %.300s); "
                         "this database was not created by a compatible version",
                         objs[i].type, objs[i].name, owner, sql ? sql : "(none)");
            }
            sqlite3_finalize(st);
            if (!same) return XP_EFORMAT;
            continue;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return schema_fail(d, "reading the schema");
        if (exec(d, objs[i].sql)) {
            char what[128];
            snprintf(what, sizeof what, "creating %s %s", objs[i].type, objs[i].name);
            char msg[sizeof d->err];
            snprintf(msg, sizeof msg, "%s: %s", what, d->err);
            memcpy(d->err, msg, sizeof msg);
            return d->code;
        }
    }
    return XP_OK;
}

static int count_objects(db *d, const char *where, int64_t *n)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE %s", where);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return schema_fail(d, "reading the schema");
    }
    *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return XP_OK;
}

static int setup_schema(db *d)
{
    int64_t n_all, n_optuna;
    int rc = count_objects(d, "name NOT LIKE 'sqlite_%'", &n_all);
    if (rc) return rc;
    if ((rc = count_objects(d, "type = 'table' AND name IN ('studies', 'alembic_version')", &n_optuna)))
        return rc;
    if (n_all > 0 && n_optuna == 0)
        return set_err(d, XP_EFORMAT, "not an xp/Optuna database: it has other tables and no "
                       "Optuna 'studies' or 'alembic_version' table");
    if (n_optuna == 1)
        return set_err(d, XP_EFORMAT, "incomplete Optuna database: one of the 'studies' and "
                       "'alembic_version' tables is missing (Optuna older than 1.x?)");
    if ((rc = ensure_objects(d, optuna_schema, N_OF(optuna_schema), "optuna 3.1.0")))
        return rc;
    return ensure_objects(d, xp_schema, N_OF(xp_schema), "xp");
}

/* ------------------------------------------------------------------ open / close */

static void close_db(db *d)
{
    if (!d) return;
    if (d->h) sqlite3_close_v2(d->h);   /* every statement is finalized by its caller */
    free(d);
}

enum { BUSY_TIMEOUT_MS = 10000, WAL_RETRY_MS = 20 };

/* Steps "PRAGMA journal_mode=WAL", retrying while it reports SQLITE_BUSY. Switching a new,
 * still rollback-journal file to WAL reads it and then needs its write lock; when another
 * connection holds that lock (a blend member creating the same store's schema in its BEGIN
 * IMMEDIATE), SQLite answers SQLITE_BUSY at once instead of calling the busy handler, because
 * waiting while holding a read lock could deadlock. So the switch is retried here, for up to
 * the busy timeout (test_store.c: test_open_while_locked). */
static int step_wal_pragma(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    for (int waited = 0; (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited < BUSY_TIMEOUT_MS;
         waited += WAL_RETRY_MS) {
        sqlite3_reset(st);
        sqlite3_sleep(WAL_RETRY_MS);
        rc = sqlite3_step(st);
    }
    return rc;
}

static int open_db(const char *path, db **out, char *err, size_t errlen)
{
    *out = NULL;
    db *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return XP_ENOMEM;
    }
    const char *slash = strrchr(path, '/');
    snprintf(d->label, sizeof d->label, "%s", slash ? slash + 1 : path);
    int rc = XP_OK;
    if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        rc = d->h ? schema_fail(d, "cannot open") : set_err(d, XP_ENOMEM, "cannot open: out of memory");
        goto done;
    }
    sqlite3_busy_timeout(d->h, BUSY_TIMEOUT_MS);
    /* journal_mode answers with the mode in force. ":memory:" databases cannot use WAL. */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->h, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK ||
        step_wal_pragma(st) != SQLITE_ROW) {
        rc = schema_fail(d, "setting journal_mode=WAL");
        sqlite3_finalize(st);
        goto done;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
        rc = set_err(d, XP_EIO, "cannot enable WAL journal mode (got '%s'); is the file on a network file system?",
                     mode ? mode : "(null)");
        sqlite3_finalize(st);
        goto done;
    }
    sqlite3_finalize(st);
    /* NORMAL is safe under WAL: a process crash loses nothing committed. */
    if ((rc = exec(d, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL"))) {
        char msg[sizeof d->err];
        snprintf(msg, sizeof msg, "setting pragmas: %s", d->err);
        memcpy(d->err, msg, sizeof msg);
    }
done:
    if (rc) {
        snprintf(err, errlen, "%s", d->err);
        close_db(d);
        return rc;
    }
    *out = d;
    return XP_OK;
}

const db_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = open_db,
    .close = close_db,
    .setup_schema = setup_schema,
    .label = label,
    .begin = begin,
    .commit = commit,
    .rollback = rollback,
    .lock_study = lock_study,
    .prepare = prepare,
    .bind_int64 = bind_int64,
    .bind_double = bind_double,
    .bind_text = bind_text,
    .step = step,
    .column_is_null = column_is_null,
    .column_int64 = column_int64,
    .column_double = column_double,
    .column_text = column_text,
    .finalize = finalize,
    .errmsg = errmsg,
    .errcode = errcode,
    /* Local time with microseconds, as the store writes every other timestamp. */
    .sql_now = "strftime('%Y-%m-%d %H:%M:%f000', 'now', 'localtime')",
    .sql_age_prefix = "((julianday('now', 'localtime') - julianday(",
    .sql_age_suffix = ")) * 86400.0)",
};
