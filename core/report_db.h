/* core/report_db.h — read-only queries of an experiment store, for `runner report` and
 * `runner compare` (the writer is store.c; these never write, so they are safe while a search
 * runs in another process).
 *
 *     char err[512];
 *     sqlite3 *db = rdb_open("experiments/experiments.db", err, sizeof err);
 *     double cv = rdb_num(db, "SELECT value FROM xp_metrics WHERE run_id = ?1 AND metric = ?2",
 *                         "it", (long long)run, "rmsle");                  // NaN when no row
 *     char *yaml = rdb_text(db, "SELECT config_yaml FROM xp_runs WHERE id = ?1", "i", run);
 *     sqlite3_stmt *st = rdb_query(db, "SELECT id, name FROM xp_runs", "");
 *     while (st && sqlite3_step(st) == SQLITE_ROW) ...
 *     sqlite3_finalize(st);
 *
 * `binds` has one letter per parameter, in order: i (long long), d (double), t (const char *,
 * NULL binds SQL NULL). JSON inside records is read with SQLite's own json_extract/json_each.
 */
#ifndef XP_CORE_REPORT_DB_H
#define XP_CORE_REPORT_DB_H

#include <sqlite3.h>
#include <stddef.h>

/* Opens read-only with a busy timeout and checks it is an experiment store (xp_runs exists).
 * NULL with a message naming the path on failure. */
sqlite3 *rdb_open(const char *path, char *err, size_t errlen);
void rdb_close(sqlite3 *db);

/* A prepared, bound statement (caller finalizes), or NULL (the error goes to stderr once, with
 * the SQL, as it is a bug in the caller rather than in the data). */
sqlite3_stmt *rdb_query(sqlite3 *db, const char *sql, const char *binds, ...);
/* First column of the first row: a number (NaN if none or NULL), or a copy of the text (NULL
 * if none; caller frees). */
double rdb_num(sqlite3 *db, const char *sql, const char *binds, ...);
char *rdb_text(sqlite3 *db, const char *sql, const char *binds, ...);
/* The column as text in a caller buffer ("" when NULL). */
const char *rdb_col(sqlite3_stmt *st, int i, char *buf, size_t n);

#endif
