/* core/store_export.h — a copy of a store's studies in a new SQLite file, for the commands
 * that read SQLite only (`runner report`, `runner compare`) and for keeping a shared study.
 *
 *     store_export_counts c;
 *     char err[1024];
 *     if (store_export("postgresql://xp@db/xp", "study.db", "step1", &c, err, sizeof err)) ...
 *     // runner report --store study.db
 */
#ifndef XP_CORE_STORE_EXPORT_H
#define XP_CORE_STORE_EXPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct store_export_counts {
    int64_t studies, runs, trials, rows;   /* rows: of every table */
} store_export_counts;

/* Copies the study named `study` (NULL: every study) from the store `from` (a postgresql://
 * URL or an SQLite file) into `to`, a new SQLite file: Optuna's tables and the xp_* tables,
 * every row with its ids (so run ids and trial numbers stay what they were), read in one
 * snapshot of the source (PostgreSQL: one REPEATABLE READ transaction) while workers may go
 * on writing. `to` must not exist; the file appears only complete (written under a temporary
 * name, then renamed). Artifact paths are copied as they are. XP_OK, or an XP_E* code with
 * err saying what failed (XP_ENOTFOUND: no such study; XP_EEXIST-like refusals are XP_EINVAL). */
int store_export(const char *from, const char *to, const char *study, store_export_counts *counts, char *err,
                 size_t n);

#endif
