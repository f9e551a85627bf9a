/* core/store_pg.c — the experiment store's PostgreSQL backend (store_db.h), through libpq:
 * many runners on many hosts, and Optuna's own workers, share one study.
 *
 *     db *d; char err[512];
 *     if (store_pg_ops.open("postgresql://xp@db.example:5432/xp", &d, err, sizeof err)) ...
 *     // a server on a Unix socket: postgresql:///xp?host=/run/postgresql
 *
 * The schema is Optuna 3.1's as SQLAlchemy creates it on PostgreSQL (enum types, SERIAL ids,
 * DOUBLE PRECISION, TIMESTAMP WITHOUT TIME ZONE), so optuna.load_study(storage=
 * "postgresql://...") reads and extends our studies, plus our xp_* tables in PostgreSQL types.
 * Present tables are checked column by column (name, type, nullability) and enum types label
 * by label. Transactions run at READ COMMITTED: each statement sees what committed before it,
 * so a count made after taking the study's row lock (lock_study) sees every earlier claim.
 * Statements are sent with PQexecParams, parameters as text: the server infers each one's
 * type from where it is used (an enum column, a timestamp, an integer).
 */
#include "store_db.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp/error.h"

#define MAX_PARAMS 16
/* pg_advisory_xact_lock key held while the schema is created or checked ('xp' 'sc'). */
#define SCHEMA_LOCK_KEY "7870736300"

struct db {
    PGconn *c;
    char label[256];
    int code;
    char err[900];
};

struct db_stmt {
    db *d;
    char *sql;                   /* ?N rewritten to $N */
    int nparams;
    char *vals[MAX_PARAMS];      /* text of each parameter; NULL = SQL NULL */
    int bind_rc;                 /* first failed bind, reported by step */
    PGresult *res;
    int row, nrows, executed;
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

/* libpq's messages end in a newline and may span lines: one line for ours. */
static void one_line(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = 0;
    for (char *p = s; *p; p++)
        if (*p == '\n') *p = ' ';
}

/* A failed result: the server's message (and detail), classed by SQLSTATE. */
static int result_fail(db *d, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    int code = !state ? XP_EIO
             : !strcmp(state, "23505") ? DB_EUNIQUE
             : (!strncmp(state, "23", 2) || !strncmp(state, "22", 2)) ? XP_EINVAL
             : (!strcmp(state, "42P01") || !strcmp(state, "42703") || !strcmp(state, "42704")) ? XP_EFORMAT
             : !strcmp(state, "53200") ? XP_ENOMEM : XP_EIO;
    if (primary)
        set_err(d, code, "%s%s%s%s (SQLSTATE %s)", primary, detail ? " (" : "", detail ? detail : "", detail ? ")" : "",
                state ? state : "?");
    else
        set_err(d, code, "%s", PQstatus(d->c) == CONNECTION_BAD ? "the connection to the server was lost"
                                                                 : PQerrorMessage(d->c));
    one_line(d->err);
    return code;
}

/* Runs a statement without parameters whose rows, if any, are not needed. */
static int exec(db *d, const char *sql)
{
    PGresult *r = PQexec(d->c, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? XP_OK : result_fail(d, r);
    PQclear(r);
    return rc;
}

/* ------------------------------------------------------------------ statements */

/* ?N -> $N outside quoted strings and identifiers; *max gets the largest N. */
static char *rewrite_params(const char *sql, int *max)
{
    size_t n = strlen(sql);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    char quote = 0;
    *max = 0;
    for (size_t i = 0, o = 0; i <= n; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0;   /* a doubled quote closes and reopens: same result */
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            int k = atoi(sql + i + 1);
            if (k > *max) *max = k;
            c = '$';
        }
        out[o++] = c;
    }
    return out;
}

static db_stmt *prepare(db *d, const char *sql)
{
    db_stmt *s = calloc(1, sizeof *s);
    if (!s || !(s->sql = rewrite_params(sql, &s->nparams))) {
        free(s);
        set_err(d, XP_ENOMEM, "out of memory");
        return NULL;
    }
    if (s->nparams > MAX_PARAMS) {
        set_err(d, XP_EINTERNAL, "statement has %d parameters, at most %d are supported: %.200s", s->nparams,
                MAX_PARAMS, sql);
        free(s->sql);
        free(s);
        return NULL;
    }
    s->d = d;
    return s;
}

static void bind_str(db_stmt *s, int i, const char *v)
{
    if (i < 1 || i > s->nparams) {
        if (!s->bind_rc) s->bind_rc = XP_EINTERNAL;
        return;
    }
    free(s->vals[i - 1]);
    s->vals[i - 1] = NULL;
    if (v && !(s->vals[i - 1] = strdup(v)) && !s->bind_rc) s->bind_rc = XP_ENOMEM;
}

static void bind_int64(db_stmt *s, int i, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    bind_str(s, i, buf);
}

/* %.17g round-trips a double; the server spells infinities its own way. NaN is NULL, as in SQLite. */
static void bind_double(db_stmt *s, int i, double v)
{
    char buf[40];
    if (isnan(v)) {
        bind_str(s, i, NULL);
        return;
    }
    if (isinf(v)) snprintf(buf, sizeof buf, "%s", v > 0 ? "Infinity" : "-Infinity");
    else snprintf(buf, sizeof buf, "%.17g", v);
    bind_str(s, i, buf);
}

static void bind_text(db_stmt *s, int i, const char *v) { bind_str(s, i, v); }

static int step(db_stmt *s)
{
    if (!s->executed) {
        s->executed = 1;
        if (s->bind_rc)
            return set_err(s->d, s->bind_rc, "binding a value: %s", s->bind_rc == XP_ENOMEM ? "out of memory"
                                                                                          : "no such parameter");
        s->res = PQexecParams(s->d->c, s->sql, s->nparams, NULL, (const char *const *)s->vals, NULL, NULL, 0);
        ExecStatusType st = s->res ? PQresultStatus(s->res) : PGRES_FATAL_ERROR;
        if (st == PGRES_TUPLES_OK) s->nrows = PQntuples(s->res);
        else if (st != PGRES_COMMAND_OK) return result_fail(s->d, s->res);
        s->row = -1;
    }
    if (!s->res) return set_err(s->d, XP_EIO, "statement stepped after it failed");
    return ++s->row < s->nrows ? DB_ROW : (s->row = s->nrows, DB_DONE);
}

static int in_row(db_stmt *s, int c)
{
    return s->res && s->row >= 0 && s->row < s->nrows && c >= 0 && c < PQnfields(s->res);
}

static int column_is_null(db_stmt *s, int c) { return !in_row(s, c) || PQgetisnull(s->res, s->row, c); }
static const char *column_text(db_stmt *s, int c)
{
    return column_is_null(s, c) ? NULL : PQgetvalue(s->res, s->row, c);
}
static int64_t column_int64(db_stmt *s, int c)
{
    const char *v = column_text(s, c);
    return v ? strtoll(v, NULL, 10) : 0;
}
/* The server writes NaN, Infinity and -Infinity, which strtod reads. */
static double column_double(db_stmt *s, int c)
{
    const char *v = column_text(s, c);
    return v ? strtod(v, NULL) : (double)NAN;
}

static void finalize(db_stmt *s)
{
    if (!s) return;
    PQclear(s->res);
    for (int i = 0; i < s->nparams; i++) free(s->vals[i]);
    free(s->sql);
    free(s);
}

static const char *errmsg(const db *d) { return d->err; }
static int errcode(const db *d) { return d->code; }
static const char *label(const db *d) { return d->label; }

/* ------------------------------------------------------------------ transactions */

static int begin(db *d, int write)
{
    (void)write;   /* READ COMMITTED for both; writers that must be serialised lock the study */
    if (PQstatus(d->c) == CONNECTION_BAD) {
        /* The server restarted or the network dropped: one new connection between calls
         * (never inside a transaction, so nothing half-done is replayed). */
        PQreset(d->c);
        if (PQstatus(d->c) != CONNECTION_OK) {
            set_err(d, XP_EIO, "the connection to the server was lost and could not be re-established: %s",
                    PQerrorMessage(d->c));
            one_line(d->err);
            return XP_EIO;
        }
    }
    return exec(d, "BEGIN");
}

/* COMMIT of a transaction that failed answers "ROLLBACK", not an error. */
static int commit(db *d)
{
    PGresult *r = PQexec(d->c, "COMMIT");
    int rc;
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) rc = result_fail(d, r);
    else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) rc = set_err(d, XP_EIO, "the transaction was rolled back");
    else rc = XP_OK;
    PQclear(r);
    return rc;
}

static void rollback(db *d)
{
    if (PQtransactionStatus(d->c) != PQTRANS_IDLE) PQclear(PQexec(d->c, "ROLLBACK"));
}

/* The study's row, locked as Optuna's create_new_trial locks it (SELECT ... FOR UPDATE), so
 * our claims and Optuna workers' new trials take turns. NO KEY UPDATE conflicts with that and
 * with itself, but not with the key-share locks that inserting rows referencing the study
 * takes, so other workers' writes to their own runs and trials are not held up. */
static int lock_study(db *d, int64_t study_id)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)study_id);
    const char *vals[1] = { id };
    PGresult *r = PQexecParams(d->c, "SELECT 1 FROM studies WHERE study_id = $1 FOR NO KEY UPDATE", 1, NULL, vals,
                               NULL, NULL, 0);
    int rc = r && PQresultStatus(r) == PGRES_TUPLES_OK ? XP_OK : result_fail(d, r);
    PQclear(r);
    return rc;
}

/* ------------------------------------------------------------------ schema */

typedef struct pg_obj {
    const char *kind;            /* "type", "table", "index" */
    const char *name;
    const char *sql;
    /* What a present object must show: a type's enum labels, a table's columns as
     * "name type[ NOT NULL]" joined by ", " (information_schema's type names). */
    const char *expect;
} pg_obj;

/* What SQLAlchemy 1.4 emits for Optuna 3.1's models on PostgreSQL (create_all through a mock
 * engine), in its order, plus alembic's version table. */
static const pg_obj optuna_objs[] = {
    { "type", "studydirection", "CREATE TYPE studydirection AS ENUM ('NOT_SET', 'MINIMIZE', 'MAXIMIZE')",
      "NOT_SET, MINIMIZE, MAXIMIZE" },
    { "type", "trialstate", "CREATE TYPE trialstate AS ENUM ('RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING')",
      "RUNNING, COMPLETE, PRUNED, FAIL, WAITING" },
    { "type", "trialvaluetype", "CREATE TYPE trialvaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG')",
      "FINITE, INF_POS, INF_NEG" },
    { "type", "trialintermediatevaluetype",
      "CREATE TYPE trialintermediatevaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG', 'NAN')",
      "FINITE, INF_POS, INF_NEG, NAN" },
    { "table", "studies",
      "CREATE TABLE studies (\n\tstudy_id SERIAL NOT NULL, \n\tstudy_name VARCHAR(512) NOT NULL, \n\tPRIMARY KEY (study_id)\n)",
      "study_id integer NOT NULL, study_name character varying NOT NULL" },
    { "index", "ix_studies_study_name", "CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)", NULL },
    { "table", "version_info",
      "CREATE TABLE version_info (\n\tversion_info_id INTEGER NOT NULL, \n\tschema_version INTEGER, \n\tlibrary_version VARCHAR(256), \n\tPRIMARY KEY (version_info_id), \n\tCHECK (version_info_id=1)\n)",
      "version_info_id integer NOT NULL, schema_version integer, library_version character varying" },
    { "table", "study_directions",
      "CREATE TABLE study_directions (\n\tstudy_direction_id SERIAL NOT NULL, \n\tdirection studydirection NOT NULL, \n\tstudy_id INTEGER NOT NULL, \n\tobjective INTEGER NOT NULL, \n\tPRIMARY KEY (study_direction_id), \n\tUNIQUE (study_id, objective), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)",
      "study_direction_id integer NOT NULL, direction studydirection NOT NULL, study_id integer NOT NULL, objective integer NOT NULL" },
    { "table", "study_user_attributes",
      "CREATE TABLE study_user_attributes (\n\tstudy_user_attribute_id SERIAL NOT NULL, \n\tstudy_id INTEGER, \n\tkey VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (study_user_attribute_id), \n\tUNIQUE (study_id, key), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)",
      "study_user_attribute_id integer NOT NULL, study_id integer, key character varying, value_json text" },
    { "table", "study_system_attributes",
      "CREATE TABLE study_system_attributes (\n\tstudy_system_attribute_id SERIAL NOT NULL, \n\tstudy_id INTEGER, \n\tkey VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (study_system_attribute_id), \n\tUNIQUE (study_id, key), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)",
      "study_system_attribute_id integer NOT NULL, study_id integer, key character varying, value_json text" },
    { "table", "trials",
      "CREATE TABLE trials (\n\ttrial_id SERIAL NOT NULL, \n\tnumber INTEGER, \n\tstudy_id INTEGER, \n\tstate trialstate NOT NULL, \n\tdatetime_start TIMESTAMP WITHOUT TIME ZONE, \n\tdatetime_complete TIMESTAMP WITHOUT TIME ZONE, \n\tPRIMARY KEY (trial_id), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)",
      "trial_id integer NOT NULL, number integer, study_id integer, state trialstate NOT NULL, "
      "datetime_start timestamp without time zone, datetime_complete timestamp without time zone" },
    { "table", "trial_user_attributes",
      "CREATE TABLE trial_user_attributes (\n\ttrial_user_attribute_id SERIAL NOT NULL, \n\ttrial_id INTEGER, \n\tkey VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (trial_user_attribute_id), \n\tUNIQUE (trial_id, key), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
      "trial_user_attribute_id integer NOT NULL, trial_id integer, key character varying, value_json text" },
    { "table", "trial_system_attributes",
      "CREATE TABLE trial_system_attributes (\n\ttrial_system_attribute_id SERIAL NOT NULL, \n\ttrial_id INTEGER, \n\tkey VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (trial_system_attribute_id), \n\tUNIQUE (trial_id, key), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
      "trial_system_attribute_id integer NOT NULL, trial_id integer, key character varying, value_json text" },
    { "table", "trial_params",
      "CREATE TABLE trial_params (\n\tparam_id SERIAL NOT NULL, \n\ttrial_id INTEGER, \n\tparam_name VARCHAR(512), \n\tparam_value FLOAT(53), \n\tdistribution_json TEXT, \n\tPRIMARY KEY (param_id), \n\tUNIQUE (trial_id, param_name), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
      "param_id integer NOT NULL, trial_id integer, param_name character varying, param_value double precision, "
      "distribution_json text" },
    { "table", "trial_values",
      "CREATE TABLE trial_values (\n\ttrial_value_id SERIAL NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\tobjective INTEGER NOT NULL, \n\tvalue FLOAT(53), \n\tvalue_type trialvaluetype NOT NULL, \n\tPRIMARY KEY (trial_value_id), \n\tUNIQUE (trial_id, objective), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
      "trial_value_id integer NOT NULL, trial_id integer NOT NULL, objective integer NOT NULL, value double precision, "
      "value_type trialvaluetype NOT NULL" },
    { "table", "trial_intermediate_values",
      "CREATE TABLE trial_intermediate_values (\n\ttrial_intermediate_value_id SERIAL NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\tstep INTEGER NOT NULL, \n\tintermediate_value FLOAT(53), \n\tintermediate_value_type trialintermediatevaluetype NOT NULL, \n\tPRIMARY KEY (trial_intermediate_value_id), \n\tUNIQUE (trial_id, step), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
      "trial_intermediate_value_id integer NOT NULL, trial_id integer NOT NULL, step integer NOT NULL, "
      "intermediate_value double precision, intermediate_value_type trialintermediatevaluetype NOT NULL" },
    { "table", "trial_heartbeats",
      "CREATE TABLE trial_heartbeats (\n\ttrial_heartbeat_id SERIAL NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\theartbeat TIMESTAMP WITHOUT TIME ZONE NOT NULL, \n\tPRIMARY KEY (trial_heartbeat_id), \n\tUNIQUE (trial_id), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
      "trial_heartbeat_id integer NOT NULL, trial_id integer NOT NULL, heartbeat timestamp without time zone NOT NULL" },
    { "table", "alembic_version",
      "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)",
      "version_num character varying NOT NULL" },
};

/* store_sqlite.c's xp_* tables in PostgreSQL types: SERIAL ids (Optuna's ids are INTEGER too),
 * TIMESTAMP for the times (they compare with trials.datetime_start), DOUBLE PRECISION. */
static const pg_obj xp_objs[] = {
    { "table", "xp_meta", "CREATE TABLE xp_meta (\n\t\"key\" TEXT NOT NULL PRIMARY KEY, \n\tvalue TEXT\n)",
      "key text NOT NULL, value text" },
    { "table", "xp_runs",
      "CREATE TABLE xp_runs (\n\tid SERIAL NOT NULL PRIMARY KEY, \n\tstudy_id INTEGER REFERENCES studies (study_id), \n"
      "\tname TEXT NOT NULL, \n\tconfig_yaml TEXT, \n\tconfig_sha256 TEXT, \n\tseed BIGINT, \n\tgit_rev TEXT, \n"
      "\thost TEXT, \n\tpid INTEGER, \n\tcommand TEXT, \n\tstarted_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, \n"
      "\tended_at TIMESTAMP WITHOUT TIME ZONE, \n"
      "\tstatus TEXT NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'COMPLETE', 'FAIL', 'INTERRUPTED')), \n"
      "\twall_seconds DOUBLE PRECISION, \n\tcpu_seconds DOUBLE PRECISION\n)",
      "id integer NOT NULL, study_id integer, name text NOT NULL, config_yaml text, config_sha256 text, seed bigint, "
      "git_rev text, host text, pid integer, command text, started_at timestamp without time zone NOT NULL, "
      "ended_at timestamp without time zone, status text NOT NULL, wall_seconds double precision, "
      "cpu_seconds double precision" },
    { "index", "xp_runs_study", "CREATE INDEX xp_runs_study ON xp_runs (study_id)", NULL },
    { "table", "xp_trial_runs",
      "CREATE TABLE xp_trial_runs (\n\ttrial_id INTEGER NOT NULL PRIMARY KEY REFERENCES trials (trial_id), \n"
      "\trun_id INTEGER NOT NULL REFERENCES xp_runs (id)\n)",
      "trial_id integer NOT NULL, run_id integer NOT NULL" },
    { "index", "xp_trial_runs_run", "CREATE INDEX xp_trial_runs_run ON xp_trial_runs (run_id)", NULL },
    { "table", "xp_metrics",
      "CREATE TABLE xp_metrics (\n\tid SERIAL NOT NULL PRIMARY KEY, \n\trun_id INTEGER NOT NULL REFERENCES xp_runs (id), \n"
      "\ttrial_id INTEGER REFERENCES trials (trial_id), \n\tfold INTEGER, \n\tsplit TEXT NOT NULL, \n"
      "\tsource INTEGER, \n\tmetric TEXT NOT NULL, \n\tvalue DOUBLE PRECISION\n)",
      "id integer NOT NULL, run_id integer NOT NULL, trial_id integer, fold integer, split text NOT NULL, "
      "source integer, metric text NOT NULL, value double precision" },
    { "index", "xp_metrics_run", "CREATE INDEX xp_metrics_run ON xp_metrics (run_id, trial_id)", NULL },
    { "table", "xp_artifacts",
      "CREATE TABLE xp_artifacts (\n\tid SERIAL NOT NULL PRIMARY KEY, \n\trun_id INTEGER NOT NULL REFERENCES xp_runs (id), \n"
      "\tpath TEXT NOT NULL, \n\tsha256 TEXT NOT NULL, \n\tkind TEXT NOT NULL, \n"
      "\tcreated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL\n)",
      "id integer NOT NULL, run_id integer NOT NULL, path text NOT NULL, sha256 text NOT NULL, kind text NOT NULL, "
      "created_at timestamp without time zone NOT NULL" },
    { "index", "xp_artifacts_run", "CREATE INDEX xp_artifacts_run ON xp_artifacts (run_id, kind)", NULL },
    { "table", "xp_records",
      "CREATE TABLE xp_records (\n\tid SERIAL NOT NULL PRIMARY KEY, \n\trun_id INTEGER NOT NULL REFERENCES xp_runs (id), \n"
      "\tkind TEXT NOT NULL, \n\tjson TEXT NOT NULL, \n\tcreated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL\n)",
      "id integer NOT NULL, run_id integer NOT NULL, kind text NOT NULL, json text NOT NULL, "
      "created_at timestamp without time zone NOT NULL" },
    { "index", "xp_records_run", "CREATE INDEX xp_records_run ON xp_records (run_id, kind)", NULL },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* One text value from a one-parameter query; *found says whether a non-NULL value came back. */
static int query1(db *d, const char *sql, const char *param, char *out, size_t n, int *found)
{
    const char *vals[1] = { param };
    PGresult *r = PQexecParams(d->c, sql, param ? 1 : 0, NULL, vals, NULL, NULL, 0);
    int rc = r && PQresultStatus(r) == PGRES_TUPLES_OK ? XP_OK : result_fail(d, r);
    *found = !rc && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0);
    if (*found) snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

/* What a present object looks like ("" when it is absent): see pg_obj.expect. */
static int describe(db *d, const pg_obj *o, char *out, size_t n, int *present)
{
    static const char *const exists_sql[3] = {
        "SELECT 'yes' FROM pg_type t JOIN pg_namespace s ON s.oid = t.typnamespace "
        "WHERE s.nspname = current_schema() AND t.typname = $1",
        "SELECT 'yes' FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
        "SELECT 'yes' FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1",
    };
    static const char *const expect_sql[2] = {
        "SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
        "JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = current_schema() AND t.typname = $1",
        "SELECT string_agg(column_name || ' ' || CASE WHEN data_type = 'USER-DEFINED' THEN udt_name ELSE data_type END "
        "|| CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY ordinal_position) "
        "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
    };
    int k = !strcmp(o->kind, "type") ? 0 : !strcmp(o->kind, "table") ? 1 : 2;
    char yes[8];
    int rc = query1(d, exists_sql[k], o->name, yes, sizeof yes, present);
    out[0] = 0;
    if (rc || !*present || k == 2) return rc;
    int found;
    return query1(d, expect_sql[k], o->name, out, n, &found);
}

static int ensure_objects(db *d, const pg_obj *objs, size_t n, const char *owner)
{
    for (size_t i = 0; i < n; i++) {
        char seen[1024];
        int present = 0, rc = describe(d, &objs[i], seen, sizeof seen, &present);
        if (rc) {
            char msg[sizeof d->err];
            snprintf(msg, sizeof msg, "reading the schema: %s", d->err);
            memcpy(d->err, msg, sizeof msg);
            return rc;
        }
        if (present) {
            if (objs[i].expect && strcmp(seen, objs[i].expect) != 0)
                return set_err(d, XP_EFORMAT, "%s %s does not have the definition %s expects (found: %.300s; "
                               "expected: %.300s); this database was not created by a compatible version",
                               objs[i].kind, objs[i].name, owner, seen, objs[i].expect);
            continue;
        }
        if ((rc = exec(d, objs[i].sql))) {
            char msg[sizeof d->err];
            snprintf(msg, sizeof msg, "creating %s %s: %s", objs[i].kind, objs[i].name, d->err);
            memcpy(d->err, msg, sizeof msg);
            return rc;
        }
    }
    return XP_OK;
}

static int setup_schema(db *d)
{
    /* Workers started together on an empty database: one creates, the others then check. */
    int rc = exec(d, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")");
    char n_all[32], n_optuna[32];
    int found;
    if (rc || (rc = query1(d, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
                           NULL, n_all, sizeof n_all, &found)) ||
        (rc = query1(d, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
                        "AND table_name IN ('studies', 'alembic_version')", NULL, n_optuna, sizeof n_optuna, &found))) {
        char msg[sizeof d->err];
        snprintf(msg, sizeof msg, "reading the schema: %s", d->err);
        memcpy(d->err, msg, sizeof msg);
        return rc;
    }
    if (atoi(n_all) > 0 && atoi(n_optuna) == 0)
        return set_err(d, XP_EFORMAT, "not an xp/Optuna database: its schema has other tables and no Optuna "
                       "'studies' or 'alembic_version' table (use an empty database, or set search_path in the URL: "
                       "?options=-csearch_path%%3Dxp)");
    if (atoi(n_optuna) == 1)
        return set_err(d, XP_EFORMAT, "incomplete Optuna database: one of the 'studies' and "
                       "'alembic_version' tables is missing (Optuna older than 1.x?)");
    if ((rc = ensure_objects(d, optuna_objs, N_OF(optuna_objs), "optuna 3.1.0"))) return rc;
    return ensure_objects(d, xp_objs, N_OF(xp_objs), "xp");
}

/* ------------------------------------------------------------------ open / close */

static void quiet(void *arg, const char *message)
{
    (void)arg, (void)message;    /* NOTICEs (e.g. "relation exists") are not the user's business */
}

static void close_db(db *d)
{
    if (!d) return;
    PQfinish(d->c);
    free(d);
}

static int open_db(const char *url, db **out, char *err, size_t errlen)
{
    *out = NULL;
    db *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return XP_ENOMEM;
    }
    /* connect_timeout comes before the URL, so the URL's own setting wins; the application
     * name shows the runner in pg_stat_activity unless the URL names another. */
    const char *keys[] = { "connect_timeout", "dbname", "fallback_application_name", NULL };
    const char *vals[] = { "15", url, "xp-runner", NULL };
    d->c = PQconnectdbParams(keys, vals, 1);
    int rc = XP_OK;
    if (!d->c) {
        rc = set_err(d, XP_ENOMEM, "cannot connect: out of memory");
    } else if (PQstatus(d->c) != CONNECTION_OK) {
        rc = set_err(d, XP_EIO, "cannot connect: %s", PQerrorMessage(d->c));
        one_line(d->err);
    } else if (PQserverVersion(d->c) < 90500) {
        rc = set_err(d, XP_EUNSUPPORTED, "PostgreSQL server version %d is too old: 9.5 or newer is needed "
                     "(INSERT ... ON CONFLICT)", PQserverVersion(d->c));
    } else {
        PQsetNoticeProcessor(d->c, quiet, NULL);
        snprintf(d->label, sizeof d->label, "%s", PQdb(d->c));
    }
    if (rc) {
        snprintf(err, errlen, "%s", d->err);
        close_db(d);
        return rc;
    }
    *out = d;
    return XP_OK;
}

const db_ops store_pg_ops = {
    .name = "postgresql",
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
    /* What SQLAlchemy's func.now() stores into Optuna's TIMESTAMP WITHOUT TIME ZONE columns. */
    .sql_now = "LOCALTIMESTAMP",
    .sql_age_prefix = "EXTRACT(EPOCH FROM (LOCALTIMESTAMP - ",
    .sql_age_suffix = "))",
};
