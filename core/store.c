/* core/store.c — the experiment store: Optuna 3.1's RDB schema (alembic v3.0.0.d) plus our
 * xp_* tables, in an SQLite file or a PostgreSQL database that optuna.load_study() can read
 * and extend.
 *
 *     store *s; char err[512]; int64_t study, run, trial, number;
 *     if (store_open("experiments/experiments.db", &s, err, sizeof err)) die(err);
 *     // or store_open("postgresql://xp@db.example:5432/xp", ...)
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
 * Everything here is SQL both backends accept (store_db.h); the database itself — its
 * connection, DDL, locks and dialect — is store_sqlite.c's or store_pg.c's. Each call is one
 * transaction; a mutex serialises calls on one handle because the runner's parallel trials
 * (and the heartbeat thread) share it.
 */
#include "store.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"
#include "store_db.h"
#include "store_json.h"
#include "xp/error.h"
#include "xp/plugin.h"

#define OPTUNA_ALEMBIC_VERSION "v3.0.0.d"
#define OPTUNA_SCHEMA_VERSION 12          /* version_info.schema_version, frozen since 2.x */
#define OPTUNA_LIBRARY_VERSION "3.1.0"
#define XP_SCHEMA_VERSION "1"

struct store {
    uint64_t id;                 /* unique per handle, even if an address is reused */
    const db_ops *ops;
    db *d;
    store_json *js;
    char *path;                  /* for messages: the file, or the URL without its password */
    char host[256];
    double hb_interval, hb_grace; /* heartbeats (store_set_heartbeat); 0 = off */
    pthread_mutex_t mu;
    int code;                    /* XP_E* of the last failure, for callers of prep() */
    char err[1024];
};

/* The failing thread reads its own message even if another thread errs meanwhile. */
static _Atomic uint64_t next_id = 1;
static _Thread_local uint64_t tl_id;
static _Thread_local char tl_err[1024];

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

/* A database failure: what we were doing plus the backend's own message. */
static int dbfail(store *s, const char *what)
{
    int code = s->ops->errcode(s->d);
    return fail(s, code == DB_EUNIQUE ? XP_EINVAL : code < 0 ? code : XP_EIO, "%s: %s", what, s->ops->errmsg(s->d));
}

const char *store_errmsg(const store *s)
{
    if (!s) return "store: NULL handle";
    return tl_id == s->id ? tl_err : s->err;
}

/* ------------------------------------------------------------------ statement helpers */

static db_stmt *prep(store *s, const char *sql)
{
    db_stmt *st = s->ops->prepare(s->d, sql);
    if (!st) dbfail(s, "preparing a statement");
    return st;
}

static void bind_int(store *s, db_stmt *st, int i, int64_t v) { s->ops->bind_int64(st, i, v); }
static void bind_dbl(store *s, db_stmt *st, int i, double v) { s->ops->bind_double(st, i, v); }
static void bind_text(store *s, db_stmt *st, int i, const char *v) { s->ops->bind_text(st, i, v); }
static void bind_null(store *s, db_stmt *st, int i) { s->ops->bind_text(st, i, NULL); }
static int step(store *s, db_stmt *st) { return s->ops->step(st); }
static void done(store *s, db_stmt *st) { s->ops->finalize(st); }
static int col_null(store *s, db_stmt *st, int c) { return s->ops->column_is_null(st, c); }
static int64_t col_int(store *s, db_stmt *st, int c) { return s->ops->column_int64(st, c); }
static double col_dbl(store *s, db_stmt *st, int c) { return s->ops->column_double(st, c); }
static const char *col_text(store *s, db_stmt *st, int c) { return s->ops->column_text(st, c); }

/* Runs a statement that returns no rows (or ignores them), then finalizes it. */
static int step_done(store *s, db_stmt *st, const char *what)
{
    int rc = step(s, st);
    while (rc == DB_ROW) rc = step(s, st);
    int ret = rc == DB_DONE ? XP_OK : dbfail(s, what);
    done(s, st);
    return ret;
}

/* Steps a statement to its one row of one int64 (a RETURNING id, a count) and on to its end
 * (SQLite completes an INSERT ... RETURNING only then), then finalizes it. */
static int step_int(store *s, db_stmt *st, int64_t *v, const char *what)
{
    int rc = step(s, st);
    int got = rc == DB_ROW;
    if (got) *v = col_int(s, st, 0);
    while (rc == DB_ROW) rc = step(s, st);
    rc = rc != DB_DONE ? dbfail(s, what) : got ? XP_OK : fail(s, XP_EINTERNAL, "%s: no row came back", what);
    done(s, st);
    return rc;
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
    if (s->ops->begin(s->d, write)) {
        int rc = dbfail(s, "starting a transaction");
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    return XP_OK;
}

static int txn_end(store *s, int rc)
{
    if (rc == XP_OK && s->ops->commit(s->d)) rc = dbfail(s, "committing");
    if (rc != XP_OK) s->ops->rollback(s->d);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ------------------------------------------------------------------ open / versions */

/* One version row: checks it if present, writes it if absent. */
static int version_row(store *s, const char *select_sql, const char *insert_sql, const char *expect,
                       const char *what, const char *hint)
{
    db_stmt *st = prep(s, select_sql);
    if (!st) return s->code;
    int rc = step(s, st);
    if (rc == DB_ROW) {
        const char *v = col_text(s, st, 0);
        if (!v || strcmp(v, expect) != 0)
            rc = fail(s, XP_EFORMAT, "%s is %s, expected %s%s", what, v ? v : "(null)", expect, hint);
        else rc = XP_OK;
        done(s, st);
        return rc;
    }
    done(s, st);
    if (rc != DB_DONE) return dbfail(s, what);
    st = prep(s, insert_sql);
    return st ? step_done(s, st, what) : s->code;
}

/* Optuna's version rows (version_info: schema 12, library 3.1.0; the alembic head) and ours. */
static int check_versions(store *s)
{
    int rc = version_row(s, "SELECT version_num FROM alembic_version",
                         "INSERT INTO alembic_version (version_num) VALUES ('" OPTUNA_ALEMBIC_VERSION "')",
                         OPTUNA_ALEMBIC_VERSION, "Optuna schema version",
                         " (optuna " OPTUNA_LIBRARY_VERSION "); convert it with `optuna storage upgrade` for that "
                         "version or use a new database");
    if (rc) return rc;
    char want[16];
    snprintf(want, sizeof want, "%d", OPTUNA_SCHEMA_VERSION);
    rc = version_row(s, "SELECT CAST(schema_version AS TEXT) FROM version_info WHERE version_info_id = 1",
                     "INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, 12, '"
                     OPTUNA_LIBRARY_VERSION "')",
                     want, "Optuna version_info.schema_version", "");
    if (rc) return rc;
    return version_row(s, "SELECT value FROM xp_meta WHERE \"key\" = 'schema_version'",
                       "INSERT INTO xp_meta (\"key\", value) VALUES ('schema_version', '" XP_SCHEMA_VERSION "')",
                       XP_SCHEMA_VERSION, "xp schema version", " (the version this build writes)");
}

int store_db_is_url(const char *target)
{
    return target && (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11));
}

int store_is_url(const char *target)
{
    return store_db_is_url(target);
}

/* A URL as messages show it: the password (user:PASSWORD@ or password=...) replaced by ***. */
char *store_display_path(const char *target)
{
    size_t n = strlen(target);
    char *out = malloc(2 * n + 16);   /* each password becomes ***, maybe longer */
    if (!out) return NULL;
    if (!store_db_is_url(target)) return memcpy(out, target, n + 1);
    const char *auth = strstr(target, "://");
    auth = auth ? auth + 3 : target;
    const char *at = strchr(auth, '@'), *slash = strchr(auth, '/');
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    size_t o = 0;
    if (at && colon && (!slash || at < slash)) {
        memcpy(out, target, (size_t)(colon - target) + 1);
        o = (size_t)(colon - target) + 1;
        memcpy(out + o, "***", 3);
        o += 3;
        target = at;
    }
    for (const char *p = target; *p;) {
        if (!strncmp(p, "password=", 9)) {
            memcpy(out + o, "password=***", 12);
            o += 12;
            p += 9;
            while (*p && *p != '&') p++;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = 0;
    return out;
}

int store_open(const char *path, store **out, char *err, size_t errlen)
{
    if (out) *out = NULL;
    if (!path || !*path || !out) {
        if (err && errlen) snprintf(err, errlen, "store_open: %s", !out ? "out is NULL" : "empty path");
        return XP_EINVAL;
    }
    store *s = calloc(1, sizeof *s);
    char *p = s ? store_display_path(path) : NULL;
    if (!p) {
        free(s);
        if (err && errlen) snprintf(err, errlen, "store: out of memory");
        return XP_ENOMEM;
    }
    s->path = p;
    s->id = next_id++;
    s->ops = store_db_is_url(path) ? &store_pg_ops : &store_sqlite_ops;
    pthread_mutex_init(&s->mu, NULL);
    if (gethostname(s->host, sizeof s->host - 1) != 0) strcpy(s->host, "localhost");

    char berr[900];
    int rc = s->ops->open(path, &s->d, berr, sizeof berr);
    if (rc) {
        fail(s, rc, "%s", berr);
    } else if (store_json_open(&s->js)) {
        rc = fail(s, XP_ENOMEM, "out of memory");
    } else if (!(rc = txn_begin(s, 1))) {
        /* The backend keeps other openers out until this transaction ends, so concurrent
         * workers on a new database create the schema and the version rows once. */
        rc = s->ops->setup_schema(s->d);
        if (rc) rc = fail(s, rc, "%s", s->ops->errmsg(s->d));
        else rc = check_versions(s);
        rc = txn_end(s, rc);
    }
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
    if (s->d) s->ops->close(s->d);
    store_json_close(s->js);
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}

const char *store_label(const store *s)
{
    return s && s->d ? s->ops->label(s->d) : "";
}

const char *store_backend(const store *s)
{
    return s ? s->ops->name : "";
}

/* ------------------------------------------------------------------ small queries */

/* Runs a one-row query binding an int64 id; *found says whether a row came back. */
static int row_exists(store *s, const char *sql, int64_t id, int *found)
{
    db_stmt *st = prep(s, sql);
    if (!st) return s->code;
    bind_int(s, st, 1, id);
    int rc = step(s, st);
    int ret = rc == DB_ROW || rc == DB_DONE ? XP_OK : dbfail(s, "querying");
    done(s, st);
    *found = rc == DB_ROW;
    return ret;
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
    db_stmt *st = prep(s, "SELECT state, number, study_id FROM trials WHERE trial_id = ?1");
    if (!st) return s->code;
    bind_int(s, st, 1, trial_id);
    int rc = step(s, st);
    if (rc == DB_DONE) {
        done(s, st);
        return fail(s, XP_ENOTFOUND, "trial id %lld does not exist", (long long)trial_id);
    }
    if (rc != DB_ROW) {
        rc = dbfail(s, "reading a trial");
        done(s, st);
        return rc;
    }
    const char *state = col_text(s, st, 0);
    if (!state || strcmp(state, "RUNNING") != 0) {
        rc = fail(s, XP_EINVAL, "trial %lld (id %lld) is %s, not RUNNING: it cannot be changed",
                  (long long)col_int(s, st, 1), (long long)trial_id, state ? state : "(null)");
        done(s, st);
        return rc;
    }
    if (study_id) *study_id = col_int(s, st, 2);
    done(s, st);
    return XP_OK;
}

static int need_str(store *s, const char *v, const char *what)
{
    return v && *v ? XP_OK : fail(s, XP_EINVAL, "%s must be a non-empty string", what);
}

static int need_json(store *s, const char *json, const char *what)
{
    if (!json) return fail(s, XP_EINVAL, "%s: JSON text is NULL", what);
    int ok = 0;
    if (store_json_valid(s->js, json, &ok)) return fail(s, XP_EIO, "%s", store_json_errmsg(s->js));
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
 * pid is gone (kill(pid, 0) == ESRCH). Runs on other hosts can't be checked this way: left
 * alone (heartbeats cover them, store_set_heartbeat), as are trials with no run (e.g.
 * written by Optuna itself). */
static int fail_orphans(store *s, int64_t study_id)
{
    db_stmt *st = prep(s,
        "SELECT t.trial_id, r.id, r.host, r.pid, r.status, r.ended_at FROM trials t "
        "JOIN xp_trial_runs tr ON tr.trial_id = t.trial_id JOIN xp_runs r ON r.id = tr.run_id "
        "WHERE t.study_id = ?1 AND t.state = 'RUNNING'");
    if (!st) return s->code;
    bind_int(s, st, 1, study_id);
    orphan *list = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = step(s, st)) == DB_ROW) {
        const char *host = col_text(s, st, 2);
        int64_t pid = col_int(s, st, 3);
        const char *status = col_text(s, st, 4);
        int ended = !col_null(s, st, 5) || (status && strcmp(status, "RUNNING") != 0);
        int dead = !ended && host && strcmp(host, s->host) == 0 && pid > 0 && pid != (int64_t)getpid() &&
                   kill((pid_t)pid, 0) == -1 && errno == ESRCH;
        if (!ended && !dead) continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 8;
            orphan *nl = realloc(list, nc * sizeof *nl);
            if (!nl) {
                free(list);
                done(s, st);
                return fail(s, XP_ENOMEM, "out of memory");
            }
            list = nl, cap = nc;
        }
        list[n++] = (orphan){ col_int(s, st, 0), col_int(s, st, 1), dead };
    }
    rc = rc == DB_DONE ? XP_OK : dbfail(s, "looking for orphaned trials");
    done(s, st);

    char now[32];
    now_text(now);
    for (size_t i = 0; i < n && !rc; i++) {
        st = prep(s, "UPDATE trials SET state = 'FAIL', datetime_complete = ?2 WHERE trial_id = ?1");
        if (!st) { rc = s->code; break; }
        bind_int(s, st, 1, list[i].trial_id);
        bind_text(s, st, 2, now);
        if ((rc = step_done(s, st, "failing an orphaned trial"))) break;
        if (!list[i].run_dead) continue;
        /* The process died without store_run_end: record the run as failed. */
        st = prep(s, "UPDATE xp_runs SET status = 'FAIL' WHERE id = ?1 AND status = 'RUNNING'");
        if (!st) { rc = s->code; break; }
        bind_int(s, st, 1, list[i].run_id);
        rc = step_done(s, st, "marking a dead run as failed");
    }
    free(list);
    return rc;
}

static int study_find(store *s, const char *name, int64_t *id, int *found)
{
    db_stmt *st = prep(s, "SELECT study_id FROM studies WHERE study_name = ?1");
    if (!st) return s->code;
    bind_text(s, st, 1, name);
    int rc = step(s, st);
    *found = rc == DB_ROW;
    if (*found) *id = col_int(s, st, 0);
    done(s, st);
    return rc == DB_ROW || rc == DB_DONE ? XP_OK : dbfail(s, "looking up the study");
}

static int study_open(store *s, const char *name, int direction, int64_t *study_id)
{
    const char *dir = direction_name(direction);
    int rc = need_str(s, name, "study name");
    if (rc) return rc;
    if (!dir) return fail(s, XP_EINVAL, "study %s: direction must be XP_MINIMIZE or XP_MAXIMIZE, got %d",
                          name, direction);
    int64_t id = 0;
    int found = 0, created = 0;
    if ((rc = study_find(s, name, &id, &found))) return rc;
    if (!found) {
        /* Workers starting at once on PostgreSQL may both get here: the unique name makes the
         * second insert a no-op (it waits for the first to commit), and it reads that study. */
        db_stmt *st = prep(s, "INSERT INTO studies (study_name) VALUES (?1) ON CONFLICT (study_name) DO NOTHING "
                              "RETURNING study_id");
        if (!st) return s->code;
        bind_text(s, st, 1, name);
        rc = step(s, st);
        created = rc == DB_ROW;
        if (created) id = col_int(s, st, 0);
        while (rc == DB_ROW) rc = step(s, st);
        done(s, st);
        if (rc != DB_DONE) return dbfail(s, "creating the study");
        if (!created && ((rc = study_find(s, name, &id, &found)) || !found))
            return rc ? rc : fail(s, XP_EINTERNAL, "study '%s' was neither created nor found", name);
    }
    if (created) {
        db_stmt *st = prep(s, "INSERT INTO study_directions (direction, study_id, objective) VALUES (?1, ?2, 0)");
        if (!st) return s->code;
        bind_text(s, st, 1, dir);
        bind_int(s, st, 2, id);
        if ((rc = step_done(s, st, "writing the study's direction"))) return rc;
    } else {
        db_stmt *st = prep(s, "SELECT direction, objective FROM study_directions WHERE study_id = ?1 ORDER BY objective");
        if (!st) return s->code;
        bind_int(s, st, 1, id);
        int n = 0, same = 0;
        char seen[16] = "";
        while ((rc = step(s, st)) == DB_ROW) {
            const char *d = col_text(s, st, 0);
            if (n++ == 0 && d) {
                snprintf(seen, sizeof seen, "%s", d);
                same = strcmp(d, dir) == 0;
            }
        }
        done(s, st);
        if (rc != DB_DONE) return dbfail(s, "reading the study's direction");
        if (n != 1)
            return fail(s, XP_EUNSUPPORTED, "study '%s' has %d objectives; xp handles single-objective "
                        "studies only", name, n);
        if (!same)
            return fail(s, XP_EINVAL, "study '%s' exists with direction %s, but %s was asked for; "
                        "use another study name", name, seen, dir);
    }
    if ((rc = fail_orphans(s, id))) return rc;
    if (study_id) *study_id = id;
    return XP_OK;
}

int store_study_find(store *s, const char *name, int64_t *study_id)
{
    if (!s) return XP_EINVAL;
    if (!study_id) return fail(s, XP_EINVAL, "study_find: study_id is NULL");
    *study_id = -1;
    int rc = txn_begin(s, 0);
    if (rc) return rc;
    int found = 0;
    if (!(rc = need_str(s, name, "study name")) && !(rc = study_find(s, name, study_id, &found)) && !found)
        rc = fail(s, XP_ENOTFOUND, "no study named '%.200s' in this store", name);
    return txn_end(s, rc);
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
    db_stmt *st = prep(s,
        "INSERT INTO xp_runs (study_id, name, config_yaml, config_sha256, seed, git_rev, host, pid, "
        "command, started_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'RUNNING') RETURNING id");
    if (!st) return s->code;
    char now[32];
    now_text(now);
    if (study_id > 0) bind_int(s, st, 1, study_id);
    else bind_null(s, st, 1);
    bind_text(s, st, 2, info->name);
    bind_text(s, st, 3, info->config_yaml);
    bind_text(s, st, 4, info->config_sha256);
    bind_int(s, st, 5, info->seed);
    bind_text(s, st, 6, info->git_rev);
    bind_text(s, st, 7, info->host ? info->host : s->host);
    bind_int(s, st, 8, (int64_t)getpid());
    bind_text(s, st, 9, info->command);
    bind_text(s, st, 10, now);
    int64_t id = 0;
    if ((rc = step_int(s, st, &id, "recording the run"))) return rc;
    if (run_id) *run_id = id;
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
    db_stmt *st = prep(s, "UPDATE xp_runs SET status = ?2, ended_at = ?3, wall_seconds = ?4, "
                          "cpu_seconds = ?5 WHERE id = ?1");
    if (!st) return s->code;
    char now[32];
    now_text(now);
    bind_int(s, st, 1, run_id);
    bind_text(s, st, 2, status);
    bind_text(s, st, 3, now);
    bind_dbl(s, st, 4, wall_s);
    bind_dbl(s, st, 5, cpu_s);
    return step_done(s, st, "ending the run");
}

int store_run_end(store *s, int64_t run_id, const char *status, double wall_s, double cpu_s)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, run_end(s, run_id, status, wall_s, cpu_s));
}

/* ------------------------------------------------------------------ trials */

static int heartbeat(store *s, int64_t trial_id)
{
    char sql[300];
    snprintf(sql, sizeof sql, "INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?1, %s) "
             "ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat", s->ops->sql_now);
    db_stmt *st = prep(s, sql);
    if (!st) return s->code;
    bind_int(s, st, 1, trial_id);
    return step_done(s, st, "recording the trial's heartbeat");
}

/* The study's creation lock must be held (trial numbers count the trials with smaller ids). */
static int trial_insert(store *s, int64_t study_id, int64_t run_id, int64_t *trial_id, int64_t *number)
{
    int rc = need_study(s, study_id);
    if (rc) return rc;
    if (run_id > 0) {
        db_stmt *st = prep(s, "SELECT study_id FROM xp_runs WHERE id = ?1");
        if (!st) return s->code;
        bind_int(s, st, 1, run_id);
        rc = step(s, st);
        int other = rc == DB_ROW && !col_null(s, st, 0) && col_int(s, st, 0) != study_id;
        done(s, st);
        if (rc == DB_DONE) return fail(s, XP_ENOTFOUND, "run id %lld does not exist", (long long)run_id);
        if (rc != DB_ROW) return dbfail(s, "reading the run");
        if (other)
            return fail(s, XP_EINVAL, "run id %lld belongs to another study than study id %lld",
                        (long long)run_id, (long long)study_id);
    }
    char now[32];
    now_text(now);
    db_stmt *st = prep(s, "INSERT INTO trials (number, study_id, state, datetime_start) "
                          "VALUES (NULL, ?1, 'RUNNING', ?2) RETURNING trial_id");
    if (!st) return s->code;
    bind_int(s, st, 1, study_id);
    bind_text(s, st, 2, now);
    int64_t id = 0, num = -1;
    if ((rc = step_int(s, st, &id, "creating the trial"))) return rc;
    /* Optuna's numbering (TrialModel.count_past_trials): trials of the study with a smaller id. */
    st = prep(s, "UPDATE trials SET number = (SELECT count(*) FROM trials WHERE study_id = ?1 "
                 "AND trial_id < ?2) WHERE trial_id = ?2 RETURNING number");
    if (!st) return s->code;
    bind_int(s, st, 1, study_id);
    bind_int(s, st, 2, id);
    if ((rc = step_int(s, st, &num, "numbering the trial"))) return rc;
    if (run_id > 0) {
        st = prep(s, "INSERT INTO xp_trial_runs (trial_id, run_id) VALUES (?1, ?2)");
        if (!st) return s->code;
        bind_int(s, st, 1, id);
        bind_int(s, st, 2, run_id);
        if ((rc = step_done(s, st, "linking the trial to its run"))) return rc;
    }
    /* A claimed trial is never without a heartbeat, so a worker dying right after the claim
     * still leaves a trial the others can fail. */
    if (s->hb_interval > 0 && (rc = heartbeat(s, id))) return rc;
    if (trial_id) *trial_id = id;
    if (number) *number = num;
    return XP_OK;
}

static int trial_begin(store *s, int64_t study_id, int64_t run_id, int64_t *trial_id, int64_t *number)
{
    if (s->ops->lock_study(s->d, study_id)) return dbfail(s, "locking the study");
    return trial_insert(s, study_id, run_id, trial_id, number);
}

int store_trial_begin(store *s, int64_t study_id, int64_t run_id, int64_t *trial_id, int64_t *number)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_begin(s, study_id, run_id, trial_id, number));
}

/* Optuna's fail_stale_trials: RUNNING trials of the study whose heartbeat is older than the
 * grace period become FAIL (their worker is gone); their runs, still RUNNING, become FAIL. */
static int fail_stale(store *s, int64_t study_id, int64_t *n_failed)
{
    *n_failed = 0;
    if (s->hb_interval <= 0) return XP_OK;
    char sql[600];
    snprintf(sql, sizeof sql,
             "SELECT t.trial_id, t.number, %sh.heartbeat%s FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id "
             "WHERE t.study_id = ?1 AND t.state = 'RUNNING' AND %sh.heartbeat%s > ?2",
             s->ops->sql_age_prefix, s->ops->sql_age_suffix, s->ops->sql_age_prefix, s->ops->sql_age_suffix);
    db_stmt *st = prep(s, sql);
    if (!st) return s->code;
    bind_int(s, st, 1, study_id);
    bind_dbl(s, st, 2, s->hb_grace);
    enum { MAX_STALE = 64 };     /* more are failed by the next call */
    int64_t ids[MAX_STALE];
    double age[MAX_STALE];
    int n = 0, rc;
    while ((rc = step(s, st)) == DB_ROW)
        if (n < MAX_STALE) ids[n] = col_int(s, st, 0), age[n] = col_dbl(s, st, 2), n++;
    rc = rc == DB_DONE ? XP_OK : dbfail(s, "looking for trials without a recent heartbeat");
    done(s, st);
    char now[32];
    now_text(now);
    for (int i = 0; i < n && !rc; i++) {
        /* Another worker may have failed it meanwhile (PostgreSQL re-checks the WHERE after
         * waiting for its row lock): only the one whose UPDATE changed the row goes on. */
        st = prep(s, "UPDATE trials SET state = 'FAIL', datetime_complete = ?2 WHERE trial_id = ?1 AND state = 'RUNNING' "
                     "RETURNING trial_id");
        if (!st) return s->code;
        bind_int(s, st, 1, ids[i]);
        bind_text(s, st, 2, now);
        int step_rc = step(s, st), changed = step_rc == DB_ROW;
        while (step_rc == DB_ROW) step_rc = step(s, st);
        rc = step_rc == DB_DONE ? XP_OK : dbfail(s, "failing a trial without a heartbeat");
        done(s, st);
        if (rc) break;
        if (!changed) continue;
        char json[160];
        snprintf(json, sizeof json, "\"no heartbeat for %.0f s (grace period %.0f s): its worker is gone\"", age[i],
                 s->hb_grace);
        st = prep(s, "INSERT INTO trial_user_attributes (trial_id, \"key\", value_json) VALUES (?1, 'fail_reason', ?2) "
                     "ON CONFLICT (trial_id, \"key\") DO UPDATE SET value_json = excluded.value_json");
        if (!st) return s->code;
        bind_int(s, st, 1, ids[i]);
        bind_text(s, st, 2, json);
        if ((rc = step_done(s, st, "recording why a trial failed"))) break;
        st = prep(s, "UPDATE xp_runs SET status = 'FAIL', ended_at = ?2 WHERE status = 'RUNNING' AND id = "
                     "(SELECT run_id FROM xp_trial_runs WHERE trial_id = ?1)");
        if (!st) return s->code;
        bind_int(s, st, 1, ids[i]);
        bind_text(s, st, 2, now);
        if ((rc = step_done(s, st, "marking the dead worker's run as failed"))) break;
        (*n_failed)++;
    }
    return rc;
}

static int count_trials(store *s, int64_t study_id, const char *states, int64_t *n)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM trials WHERE study_id = ?1 AND state IN (%s)", states);
    db_stmt *st = prep(s, sql);
    if (!st) return s->code;
    bind_int(s, st, 1, study_id);
    return step_int(s, st, n, "counting the study's trials");
}

static int trial_claim(store *s, int64_t study_id, int64_t run_id, int64_t budget, int64_t *trial_id, int64_t *number)
{
    /* The lock first: the count below then sees every claim committed before ours. */
    if (s->ops->lock_study(s->d, study_id)) return dbfail(s, "locking the study");
    int64_t stale = 0, used = 0;
    int rc = fail_stale(s, study_id, &stale);
    if (rc || (rc = count_trials(s, study_id, "'COMPLETE', 'PRUNED', 'RUNNING'", &used))) return rc;
    if (used >= budget)
        return fail(s, XP_EEXHAUSTED, "study id %lld: budget of %lld trials reached (%lld finished or running)",
                    (long long)study_id, (long long)budget, (long long)used);
    return trial_insert(s, study_id, run_id, trial_id, number);
}

int store_trial_claim(store *s, int64_t study_id, int64_t run_id, int64_t budget, int64_t *trial_id, int64_t *number)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_claim(s, study_id, run_id, budget, trial_id, number));
}

void store_set_heartbeat(store *s, double interval_s, double grace_s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->hb_interval = interval_s > 0 ? interval_s : 0;
    /* Optuna's default grace period: twice the interval. */
    s->hb_grace = s->hb_interval <= 0 ? 0 : grace_s > 0 ? grace_s : 2 * s->hb_interval;
    pthread_mutex_unlock(&s->mu);
}

int store_trial_heartbeat(store *s, int64_t trial_id)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, heartbeat(s, trial_id));
}

static int study_activity(store *s, int64_t study_id, int64_t run_id, store_activity *a)
{
    memset(a, 0, sizeof *a);
    a->other_run = -1;
    int rc = need_study(s, study_id);
    if (rc || (rc = fail_stale(s, study_id, &a->stale_failed)) ||
        (rc = count_trials(s, study_id, "'COMPLETE', 'PRUNED'", &a->finished)))
        return rc;
    /* Trials other live runs of ours are still evaluating; Optuna's own workers' trials (no
     * run) are theirs to finish and never wait for a refit. */
    db_stmt *st = prep(s, "SELECT count(*), min(r.id) FROM trials t JOIN xp_trial_runs tr ON tr.trial_id = t.trial_id "
                          "JOIN xp_runs r ON r.id = tr.run_id WHERE t.study_id = ?1 AND t.state = 'RUNNING' "
                          "AND r.status = 'RUNNING' AND r.id != ?2");
    if (!st) return s->code;
    bind_int(s, st, 1, study_id);
    bind_int(s, st, 2, run_id);
    if ((rc = step(s, st)) == DB_ROW) {
        a->running_elsewhere = col_int(s, st, 0);
        if (!col_null(s, st, 1)) a->other_run = col_int(s, st, 1);
        rc = XP_OK;
    } else {
        rc = dbfail(s, "counting the study's running trials");
    }
    done(s, st);
    return rc;
}

int store_study_activity(store *s, int64_t study_id, int64_t run_id, store_activity *a)
{
    if (!s) return XP_EINVAL;
    if (!a) return fail(s, XP_EINVAL, "study_activity: NULL output");
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, study_activity(s, study_id, run_id, a));
}

static int refit_claim(store *s, int64_t study_id, int64_t run_id, int *mine, int64_t *by_run, int64_t *running_run)
{
    if (s->ops->lock_study(s->d, study_id)) return dbfail(s, "locking the study");
    int rc = need_run(s, run_id);
    store_activity a;
    if (rc || (rc = study_activity(s, study_id, run_id, &a))) return rc;
    if (a.running_elsewhere) {
        /* That run finishes after us and sees every trial: it, or whichever runner ends
         * last, refits. */
        *running_run = a.other_run;
        return XP_OK;
    }
    char json[64];
    snprintf(json, sizeof json, "{\"finished\": %lld}", (long long)a.finished);
    /* Another run claimed the refit of the same finished trials: the study's best is refitted
     * once. That run counts while it runs, and once COMPLETE if it overlapped ours in time or
     * ran the same config (a worker that started late, or a plain rerun: the refit would be
     * the same); a claimant that failed does not count. A rerun with a changed config (say
     * validation.final or polish) refits again, as do new trials. */
    db_stmt *st = prep(s, "SELECT r.id FROM xp_records c JOIN xp_runs r ON r.id = c.run_id "
                          "JOIN xp_runs me ON me.id = ?2 "
                          "WHERE r.study_id = ?1 AND c.kind = 'refit_claim' AND c.json = ?3 AND r.id != ?2 "
                          "AND (r.status = 'RUNNING' OR (r.status = 'COMPLETE' AND "
                          "(r.ended_at >= me.started_at OR r.config_sha256 = me.config_sha256))) "
                          "ORDER BY r.id LIMIT 1");
    if (!st) return s->code;
    bind_int(s, st, 1, study_id);
    bind_int(s, st, 2, run_id);
    bind_text(s, st, 3, json);
    rc = step(s, st);
    if (rc == DB_ROW) *by_run = col_int(s, st, 0);
    done(s, st);
    if (rc == DB_ROW) return XP_OK;
    if (rc != DB_DONE) return dbfail(s, "looking for another runner's refit");
    char now[32];
    now_text(now);
    st = prep(s, "INSERT INTO xp_records (run_id, kind, json, created_at) VALUES (?1, 'refit_claim', ?2, ?3)");
    if (!st) return s->code;
    bind_int(s, st, 1, run_id);
    bind_text(s, st, 2, json);
    bind_text(s, st, 3, now);
    if ((rc = step_done(s, st, "claiming the refit"))) return rc;
    *mine = 1;
    return XP_OK;
}

int store_refit_claim(store *s, int64_t study_id, int64_t run_id, int *mine, int64_t *by_run, int64_t *running_run)
{
    if (!s) return XP_EINVAL;
    if (!mine || !by_run || !running_run) return fail(s, XP_EINVAL, "refit_claim: NULL output");
    *mine = 0;
    *by_run = *running_run = -1;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, refit_claim(s, study_id, run_id, mine, by_run, running_run));
}

/* ------------------------------------------------------------------ params */

/* What a distribution's JSON tells us. */
typedef struct dist_info {
    char name[32];
    int log;
    double low, high, step;      /* step 0: none */
    int64_t n_choices;           /* categorical */
} dist_info;

static int parse_distribution(store *s, const char *param, const char *json, dist_info *d)
{
    memset(d, 0, sizeof *d);
    int rc = need_json(s, json, "distribution");
    if (rc) return fail(s, rc, "param '%s': distribution is not valid JSON: %.200s", param, json);
    dist_fields f;
    if (store_json_distribution(s->js, json, &f)) return fail(s, XP_EIO, "%s", store_json_errmsg(s->js));
    snprintf(d->name, sizeof d->name, "%s", f.name);
    int is_int = strcmp(d->name, "IntDistribution") == 0;
    int is_float = strcmp(d->name, "FloatDistribution") == 0;
    int is_cat = strcmp(d->name, "CategoricalDistribution") == 0;
    if (!is_int && !is_float && !is_cat)
        return fail(s, XP_EINVAL, "param '%s': distribution name must be IntDistribution, "
                    "FloatDistribution or CategoricalDistribution, got '%s' in %.200s", param, d->name, json);
    if (!f.attributes_is_object)
        return fail(s, XP_EINVAL, "param '%s': distribution needs an \"attributes\" object: %.200s", param, json);
    if (is_cat) {
        d->n_choices = f.n_choices;
        if (!f.choices_is_array || d->n_choices < 1)
            return fail(s, XP_EINVAL, "param '%s': CategoricalDistribution needs a non-empty "
                        "\"choices\" array: %.200s", param, json);
        return XP_OK;
    }
    if (f.low_kind != 1 || f.high_kind != 1 || f.step_kind == 2)
        return fail(s, XP_EINVAL, "param '%s': %s needs numeric \"low\", \"high\" and a numeric or null "
                    "\"step\": %.200s", param, d->name, json);
    d->low = f.low;
    d->high = f.high;
    d->step = f.step;
    d->log = f.log;
    if (!(d->low <= d->high) || d->step < 0 || (is_int && d->step < 1))
        return fail(s, XP_EINVAL, "param '%s': bad bounds or step in %.200s", param, json);
    return XP_OK;
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
    db_stmt *st = prep(s, "SELECT p.distribution_json FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id "
                          "WHERE t.study_id = ?1 AND p.param_name = ?2 LIMIT 1");
    if (!st) return s->code;
    bind_int(s, st, 1, study_id);
    bind_text(s, st, 2, param);
    int rc = step(s, st);
    if (rc == DB_ROW) {
        const char *old = col_text(s, st, 0);
        int valid = 0, same_class = 0, same_choices = 0;
        if (old && (rc = store_json_valid(s->js, old, &valid)) == XP_OK && valid)
            rc = store_json_compatible(s->js, old, json, &same_class, &same_choices);
        if (rc) rc = fail(s, XP_EIO, "%s", store_json_errmsg(s->js));
        else if (old && valid && !(same_class && same_choices))   /* unreadable old JSON: not evidence */
            rc = fail(s, XP_EINVAL, "param '%s': distribution %.200s is incompatible with the one earlier "
                      "trials of this study used: %.200s", param, json, old);
    } else {
        rc = rc == DB_DONE ? XP_OK : dbfail(s, "reading earlier distributions");
    }
    done(s, st);
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
    db_stmt *st = prep(s, "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) "
                          "VALUES (?1, ?2, ?3, ?4)");
    if (!st) return s->code;
    bind_int(s, st, 1, trial_id);
    bind_text(s, st, 2, name);
    bind_dbl(s, st, 3, value);
    bind_text(s, st, 4, json);
    if (step(s, st) != DB_DONE) {
        rc = s->ops->errcode(s->d) == DB_EUNIQUE
                 ? fail(s, XP_EINVAL, "param '%s' is already set for trial id %lld", name, (long long)trial_id)
                 : dbfail(s, "writing the param");
    }
    done(s, st);
    return rc;
}

int store_trial_param(store *s, int64_t trial_id, const char *name, double value_internal,
                      const char *distribution_json)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_param(s, trial_id, name, value_internal, distribution_json));
}

/* ------------------------------------------------------------------ values */

/* Optuna stores non-finite floats as NULL plus a type tag. */
static const char *value_type(double v, int allow_nan)
{
    if (isnan(v)) return allow_nan ? "NAN" : NULL;
    if (isinf(v)) return v > 0 ? "INF_POS" : "INF_NEG";
    return "FINITE";
}

static void bind_value(store *s, db_stmt *st, int i, double v)
{
    if (isfinite(v)) bind_dbl(s, st, i, v);
    else bind_null(s, st, i);
}

static int trial_intermediate(store *s, int64_t trial_id, int64_t step_no, double value)
{
    if (step_no < 0) return fail(s, XP_EINVAL, "trial id %lld: intermediate step must be >= 0, got %lld",
                                 (long long)trial_id, (long long)step_no);
    int rc = need_running_trial(s, trial_id, NULL);
    if (rc) return rc;
    /* Reporting a step twice overwrites it, as Optuna 3.1 does. */
    db_stmt *st = prep(s,
        "INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (trial_id, step) DO UPDATE SET "
        "intermediate_value = excluded.intermediate_value, intermediate_value_type = excluded.intermediate_value_type");
    if (!st) return s->code;
    bind_int(s, st, 1, trial_id);
    bind_int(s, st, 2, step_no);
    bind_value(s, st, 3, value);
    bind_text(s, st, 4, value_type(value, 1));
    return step_done(s, st, "writing the intermediate value");
}

int store_trial_intermediate(store *s, int64_t trial_id, int64_t step_no, double value)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_intermediate(s, trial_id, step_no, value));
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
            db_stmt *st = prep(s, "SELECT intermediate_value, intermediate_value_type FROM "
                                  "trial_intermediate_values WHERE trial_id = ?1 ORDER BY step DESC LIMIT 1");
            if (!st) return s->code;
            bind_int(s, st, 1, trial_id);
            rc = step(s, st);
            if (rc == DB_ROW) {
                const char *t = col_text(s, st, 1);
                if (t && strcmp(t, "FINITE") == 0) v = col_dbl(s, st, 0), has = 1;
                else if (t && strcmp(t, "INF_POS") == 0) v = INFINITY, has = 1;
                else if (t && strcmp(t, "INF_NEG") == 0) v = -INFINITY, has = 1;
            }
            done(s, st);
            if (rc != DB_ROW && rc != DB_DONE) return dbfail(s, "reading the last intermediate value");
        }
    }
    if (has) {
        db_stmt *st = prep(s, "INSERT INTO trial_values (trial_id, objective, value, value_type) "
                              "VALUES (?1, 0, ?2, ?3) ON CONFLICT (trial_id, objective) DO UPDATE SET "
                              "value = excluded.value, value_type = excluded.value_type");
        if (!st) return s->code;
        bind_int(s, st, 1, trial_id);
        bind_value(s, st, 2, v);
        bind_text(s, st, 3, value_type(v, 0));
        if ((rc = step_done(s, st, "writing the trial value"))) return rc;
    }
    char now[32];
    now_text(now);
    db_stmt *st = prep(s, "UPDATE trials SET state = ?2, datetime_complete = ?3 WHERE trial_id = ?1");
    if (!st) return s->code;
    bind_int(s, st, 1, trial_id);
    bind_text(s, st, 2, name);
    bind_text(s, st, 3, now);
    return step_done(s, st, "finishing the trial");
}

int store_trial_finish(store *s, int64_t trial_id, int state, const double *value)
{
    if (!s) return XP_EINVAL;
    int rc = txn_begin(s, 1);
    return rc ? rc : txn_end(s, trial_finish(s, trial_id, state, value));
}

/* ------------------------------------------------------------------ attributes */

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
    db_stmt *st = prep(s, trial
        ? "INSERT INTO trial_user_attributes (trial_id, \"key\", value_json) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (trial_id, \"key\") DO UPDATE SET value_json = excluded.value_json"
        : "INSERT INTO study_user_attributes (study_id, \"key\", value_json) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (study_id, \"key\") DO UPDATE SET value_json = excluded.value_json");
    if (!st) return s->code;
    bind_int(s, st, 1, id);
    bind_text(s, st, 2, key);
    bind_text(s, st, 3, json);
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

/* One text column of one row, duplicated; XP_ENOTFOUND when there is no row or it is NULL. */
static int query_text(store *s, db_stmt *st, char **out, const char *what)
{
    int rc = step(s, st);
    if (rc == DB_ROW && !col_null(s, st, 0)) {
        const char *v = col_text(s, st, 0);
        *out = strdup(v ? v : "");
        rc = *out ? XP_OK : fail(s, XP_ENOMEM, "out of memory");
    } else if (rc == DB_ROW || rc == DB_DONE) {
        rc = fail(s, XP_ENOTFOUND, "%s", what);
    } else {
        rc = dbfail(s, what);
    }
    done(s, st);
    return rc;
}

/* A study user attribute's JSON text, of study `id` or (by_run) of the study run `id` belongs to. */
static int study_attr_query(store *s, int64_t id, int by_run, const char *key, char **json_value)
{
    if (!s) return XP_EINVAL;
    if (!json_value) return fail(s, XP_EINVAL, "study_attr_get: json_value is NULL");
    *json_value = NULL;
    int rc = txn_begin(s, 0);
    if (rc) return rc;
    if (!(rc = need_str(s, key, "attribute key")) && !(rc = by_run ? need_run(s, id) : need_study(s, id))) {
        db_stmt *st = prep(s, by_run ? "SELECT a.value_json FROM study_user_attributes a JOIN xp_runs r "
                                       "ON r.study_id = a.study_id WHERE r.id = ?1 AND a.\"key\" = ?2"
                                     : "SELECT value_json FROM study_user_attributes WHERE study_id = ?1 AND \"key\" = ?2");
        if (!st) rc = s->code;
        else {
            char what[160];
            snprintf(what, sizeof what, "%s id %lld%s has no attribute '%.80s'", by_run ? "run" : "study", (long long)id,
                     by_run ? "'s study" : "", key);
            bind_int(s, st, 1, id);
            bind_text(s, st, 2, key);
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
    db_stmt *st = prep(s, "INSERT INTO xp_metrics (run_id, trial_id, fold, split, source, metric, value) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return s->code;
    bind_int(s, st, 1, run_id);
    if (trial_id >= 0) bind_int(s, st, 2, trial_id);
    else bind_null(s, st, 2);
    if (fold >= 0) bind_int(s, st, 3, fold);
    else bind_null(s, st, 3);
    bind_text(s, st, 4, split);
    if (source >= 0) bind_int(s, st, 5, source);
    else bind_null(s, st, 5);
    bind_text(s, st, 6, name);
    bind_dbl(s, st, 7, value);   /* NaN binds as NULL */
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
    db_stmt *st = prep(s, "INSERT INTO xp_artifacts (run_id, path, sha256, kind, created_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return s->code;
    bind_int(s, st, 1, run_id);
    bind_text(s, st, 2, path);
    bind_text(s, st, 3, sha);
    bind_text(s, st, 4, kind);
    bind_text(s, st, 5, now);
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
 * holds the same bytes, or was damaged and is replaced). The temporary name carries the
 * host too: workers on several hosts may write into one shared folder. */
static int snapshot_copy(store *s, const char *src, const char *dir, char **path, char sha256[65])
{
    *path = NULL;
    if (mkdir(dir, 0777) && errno != EEXIST) return fail(s, XP_EIO, "%s: cannot create: %s", dir, strerror(errno));
    static _Atomic unsigned seq;
    char tmp[4400];
    snprintf(tmp, sizeof tmp, "%s/.partial.%.64s.%ld.%u", dir, s->host, (long)getpid(), seq++);
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
    db_stmt *st = prep(s, "INSERT INTO xp_records (run_id, kind, json, created_at) VALUES (?1, ?2, ?3, ?4)");
    if (!st) return s->code;
    bind_int(s, st, 1, run_id);
    bind_text(s, st, 2, kind);
    bind_text(s, st, 3, json);
    bind_text(s, st, 4, now);
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
    db_stmt *st = prep(s,
        "SELECT t.trial_id, t.number, t.state, v.value, v.value_type, "
        /* A pruned trial's last step, as Optuna's trial.last_step (the largest step with an
         * intermediate value): TPE ranks pruned trials that got further as better. In this
         * query, not a second one: a sampler reads the history before every ask, and on a
         * database server each query is a round trip. */
        "CASE WHEN t.state = 'PRUNED' THEN (SELECT max(i.step) FROM trial_intermediate_values i "
        "WHERE i.trial_id = t.trial_id) END FROM trials t "
        "LEFT JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0 "
        "WHERE t.study_id = ?1 AND t.state IN ('COMPLETE', 'PRUNED', 'FAIL') ORDER BY t.trial_id");
    if (!st) return s->code;
    bind_int(s, st, 1, study_id);
    store_trial *t = NULL;
    size_t n = 0, cap = 0;
    int oom = 0;
    while ((rc = step(s, st)) == DB_ROW) {
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            store_trial *nt = realloc(t, nc * sizeof *nt);
            if (!nt) { oom = 1; break; }
            t = nt, cap = nc;
        }
        store_trial *r = &t[n];
        r->trial_id = col_int(s, st, 0);
        r->number = col_int(s, st, 1);
        r->state = state_code(col_text(s, st, 2));
        const char *vt = col_text(s, st, 4);
        r->value = !vt ? NAN
                 : !strcmp(vt, "INF_POS") ? INFINITY
                 : !strcmp(vt, "INF_NEG") ? -INFINITY
                 : col_null(s, st, 3) ? NAN : col_dbl(s, st, 3);
        r->params = NULL;
        r->last_step = col_null(s, st, 5) ? -1 : col_int(s, st, 5);
        n++;
        if (n_names) {
            r->params = malloc(n_names * sizeof *r->params);
            if (!r->params) { oom = 1; break; }
            for (size_t j = 0; j < n_names; j++) r->params[j] = NAN;
        }
    }
    done(s, st);
    if (oom) {
        store_trials_free(t, n);
        return fail(s, XP_ENOMEM, "out of memory loading %zu trials", n);
    }
    if (rc != DB_DONE) {
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
        bind_int(s, st, 1, study_id);
        while ((rc = step(s, st)) == DB_ROW) {
            int64_t id = col_int(s, st, 0);
            const char *pn = col_text(s, st, 1);
            store_trial *r = bsearch(&id, t, n, sizeof *t, cmp_trial_id);
            if (!r || !pn || col_null(s, st, 2)) continue;
            for (size_t j = 0; j < n_names; j++)
                if (names[j] && strcmp(names[j], pn) == 0) r->params[j] = col_dbl(s, st, 2);
        }
        int ok = rc == DB_DONE;
        if (!ok) dbfail(s, "loading params");
        done(s, st);
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

int store_trial_intermediates(store *s, int64_t trial_id, int64_t n_steps, double *out)
{
    if (!s) return XP_EINVAL;
    if (n_steps < 0) return fail(s, XP_EINVAL, "trial_intermediates: n_steps must be >= 0, got %lld", (long long)n_steps);
    if (n_steps && !out) return fail(s, XP_EINVAL, "trial_intermediates: out is NULL");
    for (int64_t i = 0; i < n_steps; i++) out[i] = NAN;
    int rc = txn_begin(s, 0);
    if (rc) return rc;
    db_stmt *st = prep(s, "SELECT step, intermediate_value FROM trial_intermediate_values "
                          "WHERE trial_id = ?1 AND step >= 0 AND step < ?2");
    if (!st) return txn_end(s, s->code);
    bind_int(s, st, 1, trial_id);
    bind_int(s, st, 2, n_steps);
    while ((rc = step(s, st)) == DB_ROW)
        if (!col_null(s, st, 1)) out[col_int(s, st, 0)] = col_dbl(s, st, 1);
    rc = rc == DB_DONE ? XP_OK : dbfail(s, "loading intermediate values");
    done(s, st);
    return txn_end(s, rc);
}

void store_trials_free(store_trial *t, size_t n)
{
    if (!t) return;
    for (size_t i = 0; i < n; i++) free(t[i].params);
    free(t);
}

int store_run_config(store *s, int64_t run_id, char **config_yaml)
{
    if (!s) return XP_EINVAL;
    if (!config_yaml) return fail(s, XP_EINVAL, "run_config: config_yaml is NULL");
    *config_yaml = NULL;
    int rc = txn_begin(s, 0);
    if (rc) return rc;
    if (!(rc = need_run(s, run_id))) {
        db_stmt *st = prep(s, "SELECT config_yaml FROM xp_runs WHERE id = ?1");
        if (!st) rc = s->code;
        else {
            char what[96];
            snprintf(what, sizeof what, "run id %lld has no config recorded", (long long)run_id);
            bind_int(s, st, 1, run_id);
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
        db_stmt *st = prep(s, "SELECT path FROM xp_artifacts WHERE run_id = ?1 AND kind = ?2 "
                              "ORDER BY id DESC LIMIT 1");
        if (!st) rc = s->code;
        else {
            char what[160];
            snprintf(what, sizeof what, "run id %lld has no artifact of kind '%.80s'", (long long)run_id, kind);
            bind_int(s, st, 1, run_id);
            bind_text(s, st, 2, kind);
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
        /* A worker that only searched (another runner refitted: record 'search_only') is
         * not the study's result. */
        db_stmt *st = prep(s, "SELECT max(r.id) FROM xp_runs r JOIN studies s ON s.study_id = r.study_id "
                              "WHERE s.study_name = ?1 AND r.status = 'COMPLETE' AND NOT EXISTS "
                              "(SELECT 1 FROM xp_records c WHERE c.run_id = r.id AND c.kind = 'search_only')");
        if (!st) rc = s->code;
        else {
            bind_text(s, st, 1, study_name);
            int sr = step(s, st);
            if (sr == DB_ROW && !col_null(s, st, 0)) *run_id = col_int(s, st, 0);
            else if (sr == DB_ROW || sr == DB_DONE)
                rc = fail(s, XP_ENOTFOUND, "study '%.200s' has no complete run in this store", study_name);
            else rc = dbfail(s, "latest run");
            done(s, st);
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
        db_stmt *st = prep(s, "SELECT path, sha256 FROM xp_artifacts WHERE run_id = ?1 AND kind = ?2 "
                              "ORDER BY id DESC LIMIT 1");
        if (!st) rc = s->code;
        else {
            bind_int(s, st, 1, run_id);
            bind_text(s, st, 2, kind);
            int sr = step(s, st);
            if (sr == DB_ROW) {
                const char *p = col_text(s, st, 0);
                const char *h = col_text(s, st, 1);
                *path = strdup(p ? p : "");
                snprintf(sha256, 65, "%s", h ? h : "");
                if (!*path) rc = fail(s, XP_ENOMEM, "out of memory");
            } else if (sr == DB_DONE) {
                rc = fail(s, XP_ENOTFOUND, "run id %lld has no artifact of kind '%.80s'", (long long)run_id, kind);
            } else rc = dbfail(s, "artifact");
            done(s, st);
        }
    }
    return txn_end(s, rc);
}
