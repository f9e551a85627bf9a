/* core/report.c — `runner report [--store DB]`: what every study's latest complete run
 * achieved, side by side, straight from the store (so step 1 and step 2, or a config and its
 * ablation, compare on the same footing).
 *
 *     ./runner report --store experiments/experiments.db > report.md
 *
 * Tables: runs (trials, wall time, best CV, what a random split would claim), test metrics,
 * and the objective per source on the test part. Read-only: safe while a search runs.
 */
#include "report.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct run_row {
    long long run, study;
    char name[128], objective[64];
} run_row;

/* A study's latest complete run that has its result: runners that only searched (another
 * runner of the study refitted: record 'search_only') are skipped. */
static int collect_runs(sqlite3 *db, run_row **out, int *n)
{
    const char *sql =
        "SELECT r.id, r.study_id, r.name FROM xp_runs r WHERE r.status = 'COMPLETE' AND r.id = "
        "(SELECT max(id) FROM xp_runs r2 WHERE r2.study_id = r.study_id AND r2.status = 'COMPLETE' "
        "AND NOT EXISTS (SELECT 1 FROM xp_records c WHERE c.run_id = r2.id AND c.kind = 'search_only')) ORDER BY r.id";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    int cap = 16;
    *n = 0;
    *out = malloc((size_t)cap * sizeof **out);
    while (*out && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            run_row *p = realloc(*out, (size_t)(cap *= 2) * sizeof *p);
            if (!p) break;
            *out = p;
        }
        run_row *r = &(*out)[(*n)++];
        r->run = sqlite3_column_int64(st, 0);
        r->study = sqlite3_column_int64(st, 1);
        snprintf(r->name, sizeof r->name, "%s", (const char *)sqlite3_column_text(st, 2));
        r->objective[0] = 0;
    }
    sqlite3_finalize(st);
    return *out ? 0 : -1;
}

static double scalar(sqlite3 *db, const char *sql, long long a, const char *b)
{
    sqlite3_stmt *st;
    double v = 0.0 / 0.0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return v;
    sqlite3_bind_int64(st, 1, a);
    if (b) sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void cell(FILE *out, double v)
{
    if (v != v) fprintf(out, " – |");
    else fprintf(out, " %.4g |", v);
}

int report_print(const char *path)
{
    return report_markdown(path, stdout);
}

int report_markdown(const char *path, FILE *out)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "runner report: %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    sqlite3_busy_timeout(db, 10000);
    run_row *runs = NULL;
    int n = 0;
    if (collect_runs(db, &runs, &n)) {
        fprintf(stderr, "runner report: %s: not an experiment store (%s)\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        free(runs);
        return 1;
    }
    if (!n) {
        fprintf(out, "No complete runs in %s.\n", path);
        sqlite3_close(db);
        free(runs);
        return 0;
    }
    /* The objective is the metric the study's cv_grouped row names (recorded at the end). */
    for (int i = 0; i < n; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "SELECT metric FROM xp_metrics WHERE run_id = ?1 AND split = 'cv_grouped' LIMIT 1",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, runs[i].run);
            if (sqlite3_step(st) == SQLITE_ROW)
                snprintf(runs[i].objective, sizeof runs[i].objective, "%s", (const char *)sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
        }
        if (!runs[i].objective[0]) strcpy(runs[i].objective, "rmsle");
    }

    fprintf(out, "# Experiment report: %s\n\n## Runs (latest complete run per study)\n\n", path);
    fprintf(out, "| study | run | trials (complete/pruned/failed) | wall s | objective | best CV | polished CV | random-split CV | test |\n");
    fprintf(out, "|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        run_row *r = &runs[i];
        fprintf(out, "| %s | %lld |", r->name, r->run);
        int c = (int)scalar(db, "SELECT count(*) FROM trials WHERE study_id = ?1 AND state = 'COMPLETE'", r->study, NULL);
        int p = (int)scalar(db, "SELECT count(*) FROM trials WHERE study_id = ?1 AND state = 'PRUNED'", r->study, NULL);
        int f = (int)scalar(db, "SELECT count(*) FROM trials WHERE study_id = ?1 AND state = 'FAIL'", r->study, NULL);
        fprintf(out, " %d/%d/%d |", c, p, f);
        cell(out, scalar(db, "SELECT wall_seconds FROM xp_runs WHERE id = ?1", r->run, NULL));
        fprintf(out, " %s |", r->objective);
        cell(out, scalar(db, "SELECT value FROM xp_metrics WHERE run_id = ?1 AND split = 'cv_grouped' AND metric = ?2", r->run, r->objective));
        cell(out, scalar(db, "SELECT value FROM xp_metrics WHERE run_id = ?1 AND split = 'cv_polish' AND metric = ?2", r->run, r->objective));
        cell(out, scalar(db, "SELECT value FROM xp_metrics WHERE run_id = ?1 AND split = 'cv_random' AND metric = ?2", r->run, r->objective));
        cell(out, scalar(db, "SELECT value FROM xp_metrics WHERE run_id = ?1 AND split = 'test' AND trial_id IS NULL AND source IS NULL AND metric = ?2",
                    r->run, r->objective));
        fprintf(out, "\n");
    }

    /* Every metric the reported runs scored on the test part (plugins may add their own), in
     * the order they were first recorded. */
    enum { MAX_METRICS = 32 };
    char metrics[MAX_METRICS][64];
    size_t n_metrics = 0;
    sqlite3_stmt *ms;
    if (sqlite3_prepare_v2(db,
                           "SELECT metric FROM xp_metrics m WHERE split = 'test' AND trial_id IS NULL AND source IS NULL "
                           "AND run_id IN (SELECT max(id) FROM xp_runs r2 WHERE status = 'COMPLETE' "
                           "AND NOT EXISTS (SELECT 1 FROM xp_records c WHERE c.run_id = r2.id AND c.kind = 'search_only') GROUP BY study_id) "
                           "GROUP BY metric ORDER BY min(m.id)", -1, &ms, NULL) == SQLITE_OK) {
        while (n_metrics < MAX_METRICS && sqlite3_step(ms) == SQLITE_ROW)
            snprintf(metrics[n_metrics++], sizeof metrics[0], "%s", (const char *)sqlite3_column_text(ms, 0));
        sqlite3_finalize(ms);
    }
    fprintf(out, "\n## Test part, scored once\n\n| study |");
    for (size_t m = 0; m < n_metrics; m++) fprintf(out, " %s |", metrics[m]);
    fprintf(out, "\n|---|");
    for (size_t m = 0; m < n_metrics; m++) fprintf(out, "---|");
    fprintf(out, "\n");
    for (int i = 0; i < n; i++) {
        fprintf(out, "| %s |", runs[i].name);
        for (size_t m = 0; m < n_metrics; m++)
            cell(out, scalar(db, "SELECT value FROM xp_metrics WHERE run_id = ?1 AND split = 'test' AND trial_id IS NULL AND source IS NULL AND metric = ?2",
                        runs[i].run, metrics[m]));
        fprintf(out, "\n");
    }

    int max_src = -1;
    for (int i = 0; i < n; i++) {
        double v = scalar(db, "SELECT max(source) FROM xp_metrics WHERE run_id = ?1 AND split = 'test'", runs[i].run, NULL);
        if (v == v && v > max_src) max_src = (int)v;
    }
    if (max_src >= 0) {
        fprintf(out, "\n## Test objective per source\n\n| source |");
        for (int i = 0; i < n; i++) fprintf(out, " %s (%s) |", runs[i].name, runs[i].objective);
        fprintf(out, "\n|---|");
        for (int i = 0; i < n; i++) fprintf(out, "---|");
        fprintf(out, "\n");
        for (int s = 0; s <= max_src; s++) {
            fprintf(out, "| %d |", s);
            for (int i = 0; i < n; i++) {
                sqlite3_stmt *st;
                double v = 0.0 / 0.0;
                if (sqlite3_prepare_v2(db, "SELECT value FROM xp_metrics WHERE run_id = ?1 AND split = 'test' AND source = ?2 AND metric = ?3",
                                       -1, &st, NULL) == SQLITE_OK) {
                    sqlite3_bind_int64(st, 1, runs[i].run);
                    sqlite3_bind_int(st, 2, s);
                    sqlite3_bind_text(st, 3, runs[i].objective, -1, SQLITE_STATIC);
                    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_double(st, 0);
                    sqlite3_finalize(st);
                }
                cell(out, v);
            }
            fprintf(out, "\n");
        }
    }
    free(runs);
    sqlite3_close(db);
    return 0;
}
