/* core/store_db.h — what the experiment store (store.c) needs from a database, and the two
 * backends that provide it: store_sqlite.c (one file, the default) and store_pg.c (a
 * PostgreSQL server through libpq). store.c writes Optuna's semantics once, in SQL that both
 * accept, against this interface; each backend owns its connection, its DDL, how a study is
 * locked and its dialect's few differences.
 *
 *     const db_ops *ops = store_db_pick(target);          // by the target's form
 *     db *d; char err[512];
 *     if (ops->open(target, &d, err, sizeof err)) ...
 *     ops->begin(d, 1); ops->setup_schema(d); ...; ops->commit(d);   // created or checked
 *     db_stmt *st = ops->prepare(d, "SELECT count(*) FROM trials WHERE study_id = ?1");
 *     ops->bind_int64(st, 1, study);
 *     if (ops->step(st) == DB_ROW) n = ops->column_int64(st, 0);
 *     ops->finalize(st);
 *
 * Statements use SQLite's numbered parameters (?1, ?2, ...) in every backend; PostgreSQL's
 * rewrites them to $1, $2. Values cross as int64, double (NaN binds as NULL, as SQLite does;
 * infinities stay infinite) and text (NULL binds NULL). A bind that fails (out of memory)
 * is reported by the statement's next step, so binds return nothing. Failures return a
 * negative XP_E* code and leave a message for errmsg(); DB_EUNIQUE tells a unique-constraint
 * violation apart.
 * A db is used by one thread at a time (store.c holds its mutex around every call).
 */
#ifndef XP_CORE_STORE_DB_H
#define XP_CORE_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

typedef struct db db;
typedef struct db_stmt db_stmt;

enum { DB_DONE = 0, DB_ROW = 1 };
/* errcode() of a unique-constraint violation (its XP_E* class is XP_EINVAL). */
enum { DB_EUNIQUE = -1000 };

typedef struct db_ops {
    const char *name;                    /* "sqlite", "postgresql" */
    /* Connects (err names the target: a URL without its password). */
    int (*open)(const char *target, db **out, char *err, size_t errlen);
    void (*close)(db *d);
    /* Inside a write transaction: creates the tables that are absent, checks the ones
     * present against the expected definitions, and keeps concurrent openers out until the
     * transaction ends (store.c then writes the version rows in the same transaction). */
    int (*setup_schema)(db *d);
    /* The name that tells this store apart in a folder shared by several stores: the file's
     * base name, or the PostgreSQL database's name. */
    const char *(*label)(const db *d);
    /* write: the transaction will write (SQLite takes the write lock at BEGIN). */
    int (*begin)(db *d, int write);
    int (*commit)(db *d);
    void (*rollback)(db *d);             /* a no-op outside a transaction */
    /* Serialises trial creation on a study across processes and hosts until the transaction
     * ends (PostgreSQL: the study's row locked, as Optuna's own create_new_trial does;
     * SQLite: BEGIN IMMEDIATE already holds the whole file). */
    int (*lock_study)(db *d, int64_t study_id);
    db_stmt *(*prepare)(db *d, const char *sql);     /* NULL on failure (see errmsg) */
    void (*bind_int64)(db_stmt *st, int i, int64_t v);
    void (*bind_double)(db_stmt *st, int i, double v);
    void (*bind_text)(db_stmt *st, int i, const char *v);
    int (*step)(db_stmt *st);            /* DB_ROW, DB_DONE or a negative XP_E* */
    int (*column_is_null)(db_stmt *st, int col);
    int64_t (*column_int64)(db_stmt *st, int col);
    double (*column_double)(db_stmt *st, int col);   /* NaN for NULL */
    const char *(*column_text)(db_stmt *st, int col); /* NULL for NULL; valid until the next step */
    void (*finalize)(db_stmt *st);       /* accepts NULL */
    const char *(*errmsg)(const db *d);
    int (*errcode)(const db *d);         /* XP_E* of the last failure, or DB_EUNIQUE */
    /* Dialect: the database's local time, as Optuna's heartbeats compare it
     * (SQLAlchemy's func.now()), and the seconds elapsed since a timestamp column. */
    const char *sql_now;
    const char *sql_age_prefix, *sql_age_suffix;    /* prefix COLUMN suffix */
} db_ops;

extern const db_ops store_sqlite_ops;
extern const db_ops store_pg_ops;        /* store_pg.c, or store_pg_none.c without libpq */

/* 1 when target names a PostgreSQL database (postgresql:// or postgres://). */
int store_db_is_url(const char *target);

#endif
