/* core/report_db.c — read-only queries of an experiment store (see report_db.h).
 *
 *     sqlite3 *db = rdb_open(path, err, sizeof err);
 *     double v = rdb_num(db, "SELECT wall_seconds FROM xp_runs WHERE id = ?1", "i", 3LL);
 *
 * The helpers exist so the report's many one-value questions read as one line each, with the
 * bind types spelled next to the SQL instead of a dozen sqlite3_bind_* calls.
 */
#include "report_db.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sqlite3 *rdb_open(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, "SELECT count(*) FROM xp_runs", -1, &st, NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW;
    if (!ok) snprintf(err, errlen, "%s: not an experiment store (%s)", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (!ok) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

void rdb_close(sqlite3 *db)
{
    sqlite3_close(db);
}

static sqlite3_stmt *vquery(sqlite3 *db, const char *sql, const char *binds, va_list ap)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "runner: query failed: %s\n  %s\n", sqlite3_errmsg(db), sql);
        return NULL;
    }
    for (int i = 0; binds && binds[i]; i++) {
        int rc;
        if (binds[i] == 'i') rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, long long));
        else if (binds[i] == 'd') rc = sqlite3_bind_double(st, i + 1, va_arg(ap, double));
        else {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i + 1);
        }
        if (rc != SQLITE_OK) {
            fprintf(stderr, "runner: bind %d failed: %s\n  %s\n", i + 1, sqlite3_errmsg(db), sql);
            sqlite3_finalize(st);
            return NULL;
        }
    }
    return st;
}

sqlite3_stmt *rdb_query(sqlite3 *db, const char *sql, const char *binds, ...)
{
    va_list ap;
    va_start(ap, binds);
    sqlite3_stmt *st = vquery(db, sql, binds, ap);
    va_end(ap);
    return st;
}

double rdb_num(sqlite3 *db, const char *sql, const char *binds, ...)
{
    va_list ap;
    va_start(ap, binds);
    sqlite3_stmt *st = vquery(db, sql, binds, ap);
    va_end(ap);
    double v = NAN;
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

char *rdb_text(sqlite3 *db, const char *sql, const char *binds, ...)
{
    va_list ap;
    va_start(ap, binds);
    sqlite3_stmt *st = vquery(db, sql, binds, ap);
    va_end(ap);
    char *out = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        size_t n = s ? strlen(s) : 0;
        out = malloc(n + 1);
        if (out) memcpy(out, s ? s : "", n + 1);
    }
    sqlite3_finalize(st);
    return out;
}

const char *rdb_col(sqlite3_stmt *st, int i, char *buf, size_t n)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    snprintf(buf, n, "%s", s ? s : "");
    return buf;
}
