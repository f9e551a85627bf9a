/* core/compare.c — `runner compare RUN_A RUN_B [--store DB]`: two runs side by side, in
 * Markdown on stdout.
 *
 *     ./runner compare 3 7 > diff.md
 *
 * - the runs: study, status, start, wall and CPU time, trials, seed, git revision, config hash;
 * - the config diff: both resolved configs (as recorded in xp_runs) flattened to
 *   `key.path = value` lines, and every key whose value differs or exists on one side only
 *   (list items are addressed by index: pipeline[3].plugin);
 * - the scores: every run-level metric (grouped/polished/random-split CV, test), A, B, B - A;
 * - the test objective per source.
 * Read-only, like `runner report`.
 */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "report_db.h"

/* ------------------------------------------------------------------ flattened configs */

typedef struct kv {
    char *key, *value;
} kv;

typedef struct kvs {
    kv *v;
    size_t n, cap;
    int oom;
} kvs;

static void kv_add(kvs *l, const char *key, const char *value)
{
    if (l->oom) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        kv *p = realloc(l->v, cap * sizeof *p);
        if (!p) { l->oom = 1; return; }
        l->v = p;
        l->cap = cap;
    }
    char *k = malloc(strlen(key) + 1), *v = malloc(strlen(value) + 1);
    if (!k || !v) { free(k); free(v); l->oom = 1; return; }
    strcpy(k, key);
    strcpy(v, value);
    l->v[l->n++] = (kv){ k, v };
}

static void kvs_free(kvs *l)
{
    for (size_t i = 0; i < l->n; i++) { free(l->v[i].key); free(l->v[i].value); }
    free(l->v);
}

/* Depth-first: scalars become "path = value", empty maps/lists "{}" / "[]". */
static void flatten(const xp_cfg *node, char *path, size_t len, size_t cap, kvs *out)
{
    int kind = cfg_kind(node);
    if (kind == XP_CFG_MAP || kind == XP_CFG_LIST) {
        size_t n = cfg_len(node);
        if (!n) { kv_add(out, path, kind == XP_CFG_MAP ? "{}" : "[]"); return; }
        for (size_t i = 0; i < n; i++) {
            int w = kind == XP_CFG_MAP ? snprintf(path + len, cap - len, "%s%s", len ? "." : "", cfg_key_at(node, i))
                                       : snprintf(path + len, cap - len, "[%zu]", i);
            if (w < 0 || (size_t)w >= cap - len) { kv_add(out, path, "(key path too long)"); continue; }
            flatten(cfg_at(node, i), path, len + (size_t)w, cap, out);
            path[len] = 0;
        }
        return;
    }
    const char *s = cfg_scalar(node);
    kv_add(out, path, kind == XP_CFG_NULL ? "null" : s ? s : "");
}

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const kv *)a)->key, ((const kv *)b)->key);
}

static int load_config(sqlite3 *db, long long run, kvs *out, char *err, size_t n)
{
    char *yaml = rdb_text(db, "SELECT config_yaml FROM xp_runs WHERE id = ?1", "i", run);
    if (!yaml) { snprintf(err, n, "run %lld has no recorded config", run); return -1; }
    char what[64], e[1024];
    snprintf(what, sizeof what, "run %lld config", run);
    xp_cfg *root = cfg_load_string(yaml, what, e, sizeof e);
    free(yaml);
    if (!root) { snprintf(err, n, "%s", e); return -1; }
    char path[1024] = "";
    flatten(root, path, 0, sizeof path, out);
    cfg_free(root);
    if (out->oom) { snprintf(err, n, "out of memory"); return -1; }
    if (out->n) qsort(out->v, out->n, sizeof *out->v, cmp_kv);
    return 0;
}

/* A Markdown cell: | and newlines would break the table. */
static void md(const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|') fputs("\\|", stdout);
        else if (*s == '\n') fputs(" ", stdout);
        else putchar(*s);
    }
}

static void config_diff(sqlite3 *db, long long a, long long b)
{
    kvs ka = { 0 }, kb = { 0 };
    char err[1024];
    printf("\n## Config diff (resolved configs)\n\n");
    if (load_config(db, a, &ka, err, sizeof err) || load_config(db, b, &kb, err, sizeof err)) {
        printf("Cannot compare the configs: %s\n", err);
        kvs_free(&ka);
        kvs_free(&kb);
        return;
    }
    size_t i = 0, j = 0, diffs = 0;
    while (i < ka.n || j < kb.n) {
        int c = i >= ka.n ? 1 : j >= kb.n ? -1 : strcmp(ka.v[i].key, kb.v[j].key);
        const char *key = c <= 0 ? ka.v[i].key : kb.v[j].key;
        const char *va = c <= 0 ? ka.v[i].value : NULL, *vb = c >= 0 ? kb.v[j].value : NULL;
        if (!va || !vb || strcmp(va, vb)) {
            if (!diffs++) printf("| key | run %lld | run %lld |\n|---|---|---|\n", a, b);
            printf("| `");
            md(key);
            printf("` | ");
            if (va) md(va); else printf("(absent)");
            printf(" | ");
            if (vb) md(vb); else printf("(absent)");
            printf(" |\n");
        }
        if (c <= 0) i++;
        if (c >= 0) j++;
    }
    if (!diffs) printf("The resolved configs are identical (%zu keys).\n", ka.n);
    kvs_free(&ka);
    kvs_free(&kb);
}

/* ------------------------------------------------------------------ runs and scores */

static void cell(double v)
{
    if (isnan(v)) printf(" – |");
    else printf(" %.6g |", v);
}

static void delta(double a, double b)
{
    if (isnan(a) || isnan(b)) printf(" – |");
    else if (a != 0) printf(" %+.4g (%+.1f%%) |", b - a, 100 * (b - a) / fabs(a));
    else printf(" %+.4g |", b - a);
}

static void run_table(sqlite3 *db, long long a, long long b)
{
    static const char *const rows[][2] = {
        { "study", "name" }, { "status", "status" }, { "started", "started_at" }, { "wall s", "round(wall_seconds, 1)" },
        { "CPU s", "round(cpu_seconds, 1)" }, { "seed", "seed" }, { "git revision", "git_rev" },
        { "config sha256", "config_sha256" }, { "command", "command" },
    };
    printf("| | run %lld | run %lld |\n|---|---|---|\n", a, b);
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT %s FROM xp_runs WHERE id = ?1", rows[r][1]);
        printf("| %s |", rows[r][0]);
        for (int k = 0; k < 2; k++) {
            char *v = rdb_text(db, sql, "i", k ? b : a);
            printf(" ");
            md(v ? v : "–");
            printf(" |");
            free(v);
        }
        printf("\n");
    }
    printf("| trials complete/pruned/failed |");
    for (int k = 0; k < 2; k++) {
        long long id = k ? b : a;
        const char *q = "SELECT count(*) FROM xp_trial_runs tr JOIN trials t ON t.trial_id = tr.trial_id WHERE tr.run_id = ?1 AND t.state = ?2";
        printf(" %.0f/%.0f/%.0f |", rdb_num(db, q, "it", id, "COMPLETE"), rdb_num(db, q, "it", id, "PRUNED"), rdb_num(db, q, "it", id, "FAIL"));
    }
    printf("\n");
}

static void scores(sqlite3 *db, long long a, long long b)
{
    /* every run-level (no trial, fold or source) metric either run recorded, in record order */
    sqlite3_stmt *st = rdb_query(db,
        "SELECT split, metric FROM xp_metrics WHERE run_id IN (?1, ?2) AND trial_id IS NULL AND fold IS NULL AND source IS NULL "
        "AND split IN ('cv_grouped', 'cv_polish', 'cv_random', 'cv_valid', 'test') GROUP BY split, metric ORDER BY min(id)", "ii", a, b);
    printf("\n## Scores\n\n| split | metric | run %lld | run %lld | change |\n|---|---|---|---|---|\n", a, b);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *split = (const char *)sqlite3_column_text(st, 0), *metric = (const char *)sqlite3_column_text(st, 1);
        const char *q = "SELECT value FROM xp_metrics WHERE run_id = ?1 AND split = ?2 AND metric = ?3 AND trial_id IS NULL "
                        "AND fold IS NULL AND source IS NULL ORDER BY id DESC LIMIT 1";
        double va = rdb_num(db, q, "itt", a, split, metric), vb = rdb_num(db, q, "itt", b, split, metric);
        printf("| %s | %s |", split, metric);
        cell(va);
        cell(vb);
        delta(va, vb);
        printf("\n");
    }
    sqlite3_finalize(st);
}

static void per_source(sqlite3 *db, long long a, long long b)
{
    char *obj = rdb_text(db, "SELECT metric FROM xp_metrics WHERE run_id IN (?1, ?2) AND split = 'cv_grouped' ORDER BY run_id LIMIT 1",
                         "ii", a, b);
    const char *metric = obj ? obj : "rmsle";
    sqlite3_stmt *st = rdb_query(db,
        "SELECT DISTINCT source FROM xp_metrics WHERE run_id IN (?1, ?2) AND split = 'test' AND source IS NOT NULL "
        "AND trial_id IS NULL AND metric = ?3 ORDER BY source", "iit", a, b, metric);
    int any = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        long long s = sqlite3_column_int64(st, 0);
        if (!any++)
            printf("\n## Test %s per source\n\n| source | run %lld | run %lld | change |\n|---|---|---|---|\n", metric, a, b);
        const char *q = "SELECT value FROM xp_metrics WHERE run_id = ?1 AND split = 'test' AND source = ?2 AND metric = ?3 "
                        "AND trial_id IS NULL ORDER BY id DESC LIMIT 1";
        double va = rdb_num(db, q, "iit", a, s, metric), vb = rdb_num(db, q, "iit", b, s, metric);
        printf("| %lld |", s);
        cell(va);
        cell(vb);
        delta(va, vb);
        printf("\n");
    }
    sqlite3_finalize(st);
    free(obj);
}

int compare_runs(const char *store_path, long long a, long long b)
{
    char err[1024];
    sqlite3 *db = rdb_open(store_path, err, sizeof err);
    if (!db) { fprintf(stderr, "runner compare: %s\n", err); return 1; }
    for (int k = 0; k < 2; k++) {
        long long id = k ? b : a;
        if (!(rdb_num(db, "SELECT count(*) FROM xp_runs WHERE id = ?1", "i", id) > 0)) {
            double max = rdb_num(db, "SELECT max(id) FROM xp_runs", "");
            fprintf(stderr, "runner compare: %s has no run %lld (run ids go from 1 to %.0f; see `runner report --html` or the xp_runs table)\n",
                    store_path, id, isnan(max) ? 0 : max);
            rdb_close(db);
            return 1;
        }
    }
    printf("# Run %lld vs run %lld (%s)\n\n", a, b, store_path);
    run_table(db, a, b);
    config_diff(db, a, b);
    scores(db, a, b);
    per_source(db, a, b);
    rdb_close(db);
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "runner compare: write to stdout failed\n");
        return 1;
    }
    return 0;
}
