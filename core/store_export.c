/* core/store_export.c — a store's studies copied into a new SQLite file (see store_export.h).
 *
 * Why a copy rather than a PostgreSQL port of the report: `runner report` and `runner compare`
 * ask 86 questions in SQLite's own SQL (56 uses of json_extract / json_each over the records,
 * julianday, group_concat), across four files; a second dialect of each would double what
 * must be kept right, while a copy is one generic loop over the schema both backends already
 * share — and the copy is also a file one can keep, mail or open with Optuna.
 *
 * The loop is driven by the target's own schema (store_open creates it, so it is exactly what
 * the SQLite backend writes): for each table, its columns and declared types, copied row by
 * row with the rows' ids, parents before children. A table the list below does not know fails
 * the export, so a table added to the schema later cannot be silently left out.
 */
#include "store_export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_db.h"
#include "xp/xp.h"

/* How a table's rows belong to a study: ?1 is the study's name. Parents first. */
#define STUDY_IDS "(SELECT study_id FROM studies WHERE study_name = ?1)"
#define TRIAL_IDS "(SELECT trial_id FROM trials WHERE study_id IN " STUDY_IDS ")"
#define RUN_IDS "(SELECT id FROM xp_runs WHERE study_id IN " STUDY_IDS ")"
static const struct { const char *table, *of_study; } tables[] = {
    { "studies", "study_id IN " STUDY_IDS },
    { "study_directions", "study_id IN " STUDY_IDS },
    { "study_user_attributes", "study_id IN " STUDY_IDS },
    { "study_system_attributes", "study_id IN " STUDY_IDS },
    { "xp_runs", "study_id IN " STUDY_IDS },
    { "trials", "study_id IN " STUDY_IDS },
    { "trial_params", "trial_id IN " TRIAL_IDS },
    { "trial_values", "trial_id IN " TRIAL_IDS },
    { "trial_intermediate_values", "trial_id IN " TRIAL_IDS },
    { "trial_user_attributes", "trial_id IN " TRIAL_IDS },
    { "trial_system_attributes", "trial_id IN " TRIAL_IDS },
    { "trial_heartbeats", "trial_id IN " TRIAL_IDS },
    { "xp_trial_runs", "run_id IN " RUN_IDS },
    { "xp_metrics", "run_id IN " RUN_IDS },
    { "xp_artifacts", "run_id IN " RUN_IDS },
    { "xp_records", "run_id IN " RUN_IDS },
};
/* Written by store_open for the new file itself (the schema's versions). */
static const char *const own_tables[] = { "version_info", "alembic_version", "xp_meta" };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct col { char *name; char type; } col;   /* type: i (INTEGER), d (FLOAT/REAL), t, s (DATETIME) */

typedef struct ctx {
    const db_ops *src_ops;
    db *src, *dst;
    char *err;
    size_t n;
} ctx;

static int src_fail(ctx *c, const char *what)
{
    snprintf(c->err, c->n, "%s: %s", what, c->src_ops->errmsg(c->src));
    return c->src_ops->errcode(c->src) < 0 && c->src_ops->errcode(c->src) != DB_EUNIQUE ? c->src_ops->errcode(c->src)
                                                                                        : XP_EIO;
}

static int dst_fail(ctx *c, const char *what)
{
    snprintf(c->err, c->n, "%s: %s", what, store_sqlite_ops.errmsg(c->dst));
    return XP_EIO;
}

static void cols_free(col *cols, size_t k)
{
    for (size_t i = 0; i < k; i++) free(cols[i].name);
    free(cols);
}

/* The target table's columns and how each is bound, from its declared type. */
static int table_cols(ctx *c, const char *table, col **out, size_t *k)
{
    const db_ops *o = &store_sqlite_ops;
    *out = NULL;
    *k = 0;
    db_stmt *st = o->prepare(c->dst, "SELECT name, upper(type) FROM pragma_table_info(?1) ORDER BY cid");
    if (!st) return dst_fail(c, "reading the new file's schema");
    o->bind_text(st, 1, table);
    col *cols = NULL;
    size_t n = 0;
    int rc;
    while ((rc = o->step(st)) == DB_ROW) {
        const char *name = o->column_text(st, 0), *type = o->column_text(st, 1);
        if (!name) { rc = XP_ENOMEM; break; }   /* SQLite returns NULL text only when out of memory */
        col *nc = realloc(cols, (n + 1) * sizeof *nc);
        if (!nc) { rc = XP_ENOMEM; break; }
        cols = nc;
        cols[n].name = strdup(name);
        if (!cols[n].name) { rc = XP_ENOMEM; break; }
        type = type ? type : "";
        cols[n].type = strstr(type, "INT") ? 'i'
                     : strstr(type, "FLOAT") || strstr(type, "REAL") || strstr(type, "DOUB") ? 'd'
                     : strstr(type, "DATETIME") ? 's' : 't';
        n++;
    }
    o->finalize(st);
    if (rc == XP_ENOMEM) { cols_free(cols, n); snprintf(c->err, c->n, "out of memory"); return XP_ENOMEM; }
    if (rc != DB_DONE) { cols_free(cols, n); return dst_fail(c, "reading the new file's schema"); }
    if (!n) { snprintf(c->err, c->n, "the new file has no table %s", table); return XP_EINTERNAL; }
    *out = cols;
    *k = n;
    return XP_OK;
}

/* "a", "b" ... with each DATETIME of a PostgreSQL source spelled as Optuna's SQLite files
 * hold it (microseconds always written: PostgreSQL drops trailing zeros). */
static char *select_list(ctx *c, const col *cols, size_t k)
{
    size_t cap = 64;
    for (size_t i = 0; i < k; i++) cap += 2 * strlen(cols[i].name) + 64;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < k; i++) {
        if (cols[i].type == 's' && c->src_ops == &store_pg_ops)
            o += (size_t)snprintf(s + o, cap - o, "%sto_char(\"%s\", 'YYYY-MM-DD HH24:MI:SS.US')", i ? ", " : "", cols[i].name);
        else
            o += (size_t)snprintf(s + o, cap - o, "%s\"%s\"", i ? ", " : "", cols[i].name);
    }
    return s;
}

static int copy_table(ctx *c, const char *table, const char *of_study, const char *study, int64_t *rows)
{
    col *cols;
    size_t k;
    int rc = table_cols(c, table, &cols, &k);
    if (rc) return rc;
    char *list = select_list(c, cols, k), *names = NULL, *sel = NULL, *ins = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < k; i++) cap += strlen(cols[i].name) + 16;
    names = malloc(cap + 1);
    char *marks = malloc(k * 8 + 1);
    if (list && names && marks) {
        size_t o = 0, m = 0;
        for (size_t i = 0; i < k; i++) {
            o += (size_t)snprintf(names + o, cap + 1 - o, "%s\"%s\"", i ? ", " : "", cols[i].name);
            m += (size_t)snprintf(marks + m, k * 8 + 1 - m, "%s?%zu", i ? ", " : "", i + 1);
        }
        size_t ls = strlen(list) + strlen(table) + (study ? strlen(of_study) : 0) + 64;
        size_t li = strlen(names) + strlen(marks) + strlen(table) + 64;
        sel = malloc(ls);
        ins = malloc(li);
        if (sel) snprintf(sel, ls, "SELECT %s FROM %s%s%s", list, table, study ? " WHERE " : "", study ? of_study : "");
        if (ins) snprintf(ins, li, "INSERT INTO %s (%s) VALUES (%s)", table, names, marks);
    }
    free(list);
    free(names);
    free(marks);
    if (!sel || !ins) {
        free(sel);
        free(ins);
        cols_free(cols, k);
        snprintf(c->err, c->n, "out of memory");
        return XP_ENOMEM;
    }
    const db_ops *so = c->src_ops, *d = &store_sqlite_ops;
    db_stmt *st = so->prepare(c->src, sel), *wr = NULL;
    char what[160];
    snprintf(what, sizeof what, "reading %s", table);
    if (!st) rc = src_fail(c, what);
    else {
        if (study) so->bind_text(st, 1, study);
        int sr;
        while ((sr = so->step(st)) == DB_ROW) {
            if (!wr && !(wr = d->prepare(c->dst, ins))) { rc = dst_fail(c, "preparing the copy"); break; }
            for (size_t i = 0; i < k; i++) {
                int ci = (int)i, pi = (int)i + 1;
                if (so->column_is_null(st, ci)) d->bind_text(wr, pi, NULL);
                else if (cols[i].type == 'i') d->bind_int64(wr, pi, so->column_int64(st, ci));
                else if (cols[i].type == 'd') d->bind_double(wr, pi, so->column_double(st, ci));
                else d->bind_text(wr, pi, so->column_text(st, ci));
            }
            int wrc = d->step(wr);
            d->finalize(wr);   /* one statement per row: the interface has no reset */
            wr = NULL;
            if (wrc != DB_DONE) {
                snprintf(what, sizeof what, "writing a row of %s", table);
                rc = dst_fail(c, what);
                break;
            }
            (*rows)++;
        }
        if (!rc && sr != DB_DONE) rc = src_fail(c, what);
    }
    so->finalize(st);
    d->finalize(wr);
    free(sel);
    free(ins);
    cols_free(cols, k);
    return rc;
}

/* Every table of the new file is copied or is the file's own: else the list above is stale. */
static int check_tables_known(ctx *c)
{
    const db_ops *o = &store_sqlite_ops;
    db_stmt *st = o->prepare(c->dst, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    if (!st) return dst_fail(c, "reading the new file's schema");
    int rc, bad = 0;
    while (!bad && (rc = o->step(st)) == DB_ROW) {
        const char *t = o->column_text(st, 0);
        int known = 0;
        for (size_t i = 0; t && i < N_OF(tables); i++) known |= !strcmp(t, tables[i].table);
        for (size_t i = 0; t && i < N_OF(own_tables); i++) known |= !strcmp(t, own_tables[i]);
        if (!known) {
            snprintf(c->err, c->n, "table %s of the schema is not handled by the export (core/store_export.c)", t ? t : "?");
            bad = 1;
        }
    }
    o->finalize(st);
    if (bad) return XP_EINTERNAL;
    return rc == DB_DONE ? XP_OK : dst_fail(c, "reading the new file's schema");
}

static int count(const db_ops *o, db *d, const char *sql, int64_t *out)
{
    db_stmt *st = o->prepare(d, sql);
    int rc = st ? o->step(st) : XP_EIO;
    if (rc == DB_ROW) *out = o->column_int64(st, 0);
    o->finalize(st);
    return rc == DB_ROW ? XP_OK : XP_EIO;
}

static int copy_all(ctx *c, const char *study, store_export_counts *k)
{
    int rc;
    if ((rc = check_tables_known(c))) return rc;
    /* One snapshot of a source other workers may be writing: every table as of one moment
     * (SQLite: a read transaction sees one snapshot by itself). */
    if ((rc = c->src_ops->begin(c->src, 0))) return src_fail(c, "starting to read");
    if (c->src_ops == &store_pg_ops) {
        db_stmt *st = c->src_ops->prepare(c->src, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        rc = st ? c->src_ops->step(st) : XP_EIO;
        c->src_ops->finalize(st);
        if (rc != DB_DONE) { rc = src_fail(c, "starting a snapshot"); c->src_ops->rollback(c->src); return rc; }
    }
    if (study) {
        db_stmt *st = c->src_ops->prepare(c->src, "SELECT 1 FROM studies WHERE study_name = ?1");
        if (st) c->src_ops->bind_text(st, 1, study);
        int sr = st ? c->src_ops->step(st) : XP_EIO;
        c->src_ops->finalize(st);
        if (sr == DB_DONE) {
            snprintf(c->err, c->n, "no study named '%s' in the store", study);
            c->src_ops->rollback(c->src);
            return XP_ENOTFOUND;
        }
        if (sr != DB_ROW) { rc = src_fail(c, "looking up the study"); c->src_ops->rollback(c->src); return rc; }
    }
    if ((rc = store_sqlite_ops.begin(c->dst, 1))) { c->src_ops->rollback(c->src); return dst_fail(c, "starting to write"); }
    for (size_t i = 0; i < N_OF(tables) && !rc; i++) rc = copy_table(c, tables[i].table, tables[i].of_study, study, &k->rows);
    c->src_ops->rollback(c->src);   /* read only: nothing to keep */
    if (rc) { store_sqlite_ops.rollback(c->dst); return rc; }
    if (store_sqlite_ops.commit(c->dst)) return dst_fail(c, "writing the new file");
    if (count(&store_sqlite_ops, c->dst, "SELECT count(*) FROM studies", &k->studies) ||
        count(&store_sqlite_ops, c->dst, "SELECT count(*) FROM xp_runs", &k->runs) ||
        count(&store_sqlite_ops, c->dst, "SELECT count(*) FROM trials", &k->trials))
        return dst_fail(c, "counting what was copied");
    return XP_OK;
}

int store_export(const char *from, const char *to, const char *study, store_export_counts *counts, char *err,
                 size_t n)
{
    store_export_counts k = { 0 };
    if (counts) *counts = k;
    if (!from || !to) { snprintf(err, n, "export: a source and a target are needed"); return XP_EINVAL; }
    if (store_is_url(to)) { snprintf(err, n, "export writes an SQLite file, not a database URL"); return XP_EINVAL; }
    struct stat sb;
    int there = !stat(to, &sb);
    if (there || errno != ENOENT) {
        snprintf(err, n, "%s: %s; the export writes a new file (remove the old one to export again)", to,
                 there ? "exists" : strerror(errno));
        return XP_EINVAL;
    }
    if (!store_is_url(from) && stat(from, &sb)) {   /* store_open would create it */
        snprintf(err, n, "%s: %s", from, strerror(errno));
        return XP_ENOTFOUND;
    }
    /* Both through store_open first: the source's schema is checked (created if absent on
     * PostgreSQL, which then exports nothing), the target's created with its version rows. */
    size_t tl = strlen(to) + 32;
    char *tmp = malloc(tl);
    if (!tmp) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    snprintf(tmp, tl, "%s.tmp-%ld", to, (long)getpid());
    store *s = NULL;
    char e2[1024];
    int rc = XP_OK;
    if (store_open(from, &s, e2, sizeof e2)) { snprintf(err, n, "%s", e2); free(tmp); return XP_EIO; }
    store_close(s);
    s = NULL;
    if (store_open(tmp, &s, e2, sizeof e2)) { snprintf(err, n, "%s", e2); rc = XP_EIO; goto out; }
    store_close(s);
    ctx c = { store_db_is_url(from) ? &store_pg_ops : &store_sqlite_ops, NULL, NULL, err, n };
    if ((rc = c.src_ops->open(from, &c.src, e2, sizeof e2))) { snprintf(err, n, "%s", e2); goto out; }
    if ((rc = store_sqlite_ops.open(tmp, &c.dst, e2, sizeof e2))) { snprintf(err, n, "%s", e2); goto out_src; }
    rc = copy_all(&c, study, &k);
    store_sqlite_ops.close(c.dst);
out_src:
    c.src_ops->close(c.src);
out:
    if (!rc && rename(tmp, to)) {
        snprintf(err, n, "%s: cannot rename to %s: %s", tmp, to, strerror(errno));
        rc = XP_EIO;
    }
    if (rc) {
        /* Nothing half-written is left: the file and SQLite's companions. */
        size_t cl = tl + 8;
        char *comp = malloc(cl);
        unlink(tmp);
        if (comp) {
            snprintf(comp, cl, "%s-wal", tmp);
            unlink(comp);
            snprintf(comp, cl, "%s-shm", tmp);
            unlink(comp);
            snprintf(comp, cl, "%s-journal", tmp);
            unlink(comp);
            free(comp);
        }
    } else if (counts) *counts = k;
    free(tmp);
    return rc;
}
