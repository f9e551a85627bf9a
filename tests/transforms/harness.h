/* tests/transforms/harness.h — drives a real transform plugin .so through the real host
 * (core/host.c, core/registry.c, core/config.c, core/store.c) for the transform tests.
 *
 *     txh h;
 *     if (txh_open(&h, argv[1], "placeholders")) return 1;  // loads the .so, temp store
 *     CHECK_EQ_INT(txh_create(&h, "mode: auto\n"), XP_OK);    // every key must be read
 *     CHECK_EQ_INT(txh_fit(&h, train), XP_OK);
 *     CHECK_EQ_INT(txh_apply(&h, valid), XP_OK);               // h.call.msg: last error
 *     char *json = txh_record(&h, "placeholders");            // latest record, caller frees
 *     txh_close(&h);
 *
 * Records go into a real store (a temporary SQLite file) and are read back with SQL, so the
 * tests see exactly what the runner would store.
 */
#ifndef XP_TESTS_TRANSFORMS_HARNESS_H
#define XP_TESTS_TRANSFORMS_HARNESS_H

#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "frame.h"
#include "host.h"
#include "registry.h"
#include "store.h"

typedef struct txh {
    registry *reg;
    const xp_transform_ops *ops;
    host_env env;
    host_call call;
    xp_ctx ctx;
    store *st;
    char db[64];
    xp_cfg *cfg;
    void *state;
    size_t unused;               /* config keys the plugin did not read at create */
} txh;

static inline xp_ctx *txh_ctx(txh *h)
{
    host_call_init(&h->ctx, &h->call, &h->env, "test", 1);
    return &h->ctx;
}

static inline int txh_open(txh *h, const char *so_path, const char *name)
{
    memset(h, 0, sizeof *h);
    const char *v = getenv("XP_TEST_VERBOSE");
    h->env.verbosity = v && *v ? XP_LOG_DEBUG : XP_LOG_ERROR;
    h->env.threads = 1;
    h->env.seed = 7;
    char err[1024];
    h->reg = registry_new();
    if (!h->reg || registry_load_file(h->reg, so_path, err, sizeof err)) {
        fprintf(stderr, "cannot load %s: %s\n", so_path, h->reg ? err : "out of memory");
        return -1;
    }
    const xp_plugin *p = registry_find(h->reg, XP_KIND_TRANSFORM, name);
    if (!p) {
        fprintf(stderr, "%s does not provide transform plugin %s\n", so_path, name);
        return -1;
    }
    h->ops = p->ops;
    static int opened = 0;   /* several harnesses may be open at once in one test */
    snprintf(h->db, sizeof h->db, "/tmp/xp_tx_test_%ld_%d.db", (long)getpid(), opened++);
    unlink(h->db);
    int64_t study;
    store_run_info info = { .name = "transforms-test", .config_yaml = "{}",
                            .config_sha256 = "0", .seed = 7, .host = "test", .command = "test" };
    if (store_open(h->db, &h->st, err, sizeof err) ||
        store_study_open(h->st, "transforms-test", 1, &study) ||
        store_run_begin(h->st, study, &info, &h->env.run_id)) {
        fprintf(stderr, "store: %s\n", h->st ? store_errmsg(h->st) : err);
        return -1;
    }
    h->env.store = h->st;
    txh_ctx(h);
    return 0;
}

static void txh_count_unused(const xp_cfg *key, void *user)
{
    fprintf(stderr, "unread config key: %s\n", cfg_where(key));
    (*(size_t *)user)++;
}

/* Destroys the current plugin state and its config. */
static inline void txh_destroy(txh *h)
{
    if (h->state && h->ops->destroy) h->ops->destroy(h->state);
    h->state = NULL;
    cfg_free(h->cfg);
    h->cfg = NULL;
}

/* Parses yaml ("test.yaml") and creates the plugin. A YAML error is a bug in the test: exit.
 * After a successful create, h->unused counts keys the plugin did not read. */
static inline int txh_create(txh *h, const char *yaml)
{
    char err[1024];
    txh_destroy(h);
    h->cfg = cfg_load_string(yaml, "test.yaml", err, sizeof err);
    if (!h->cfg) {
        fprintf(stderr, "bad test config: %s\n", err);
        exit(2);
    }
    int rc = h->ops->create(txh_ctx(h), h->cfg, &h->state);
    h->unused = 0;
    if (rc == XP_OK) cfg_unused(h->cfg, txh_count_unused, &h->unused);
    else h->state = NULL;
    return rc;
}

static inline int txh_fit(txh *h, const xp_frame *train)
{
    return h->ops->fit ? h->ops->fit(txh_ctx(h), h->state, train) : XP_OK;
}

static inline int txh_apply(txh *h, xp_frame *f)
{
    return h->ops->apply(txh_ctx(h), h->state, f);
}

/* fit on train, then apply to train (what the runner's pipeline does). */
static inline int txh_fit_apply(txh *h, xp_frame *train)
{
    int rc = txh_fit(h, train);
    return rc ? rc : txh_apply(h, train);
}

/* First column of the first row of `sql` on the test store, as text (malloc'ed), or NULL.
 * Records are JSON, so SQLite's json_extract / json_each can pick them apart:
 *   txh_sql(&h, "SELECT json_extract(json, '$.columns[0].name') FROM xp_records") */
static inline char *txh_sql(txh *h, const char *sql)
{
    sqlite3 *db;
    char *out = NULL;
    if (sqlite3_open_v2(h->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "test SQL error: %s\n  %s\n", sqlite3_errmsg(db), sql);
    } else {
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(st, 0);
            if (t) {
                out = malloc(strlen(t) + 1);
                if (out) strcpy(out, t);
            }
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

/* Makes the store refuse every record of one kind, as a full disk or a locked file would
 * (a trigger, written through a connection of its own). Returns 0 on success. */
static inline int txh_refuse_records(txh *h, const char *kind)
{
    sqlite3 *db;
    char sql[512];
    snprintf(sql, sizeof sql, "CREATE TRIGGER refuse_%s BEFORE INSERT ON xp_records WHEN NEW.kind = '%s' "
             "BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END", kind, kind);
    int rc = sqlite3_open(h->db, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK;
    if (rc) fprintf(stderr, "test SQL error: %s\n  %s\n", sqlite3_errmsg(db), sql);
    sqlite3_close(db);
    return rc;
}

/* txh_sql as a number (NAN when there is no row or no value). */
static inline double txh_sql_num(txh *h, const char *sql)
{
    char *t = txh_sql(h, sql);
    double v = t ? strtod(t, NULL) : NAN;
    free(t);
    return v;
}

/* The newest record of `kind` (malloc'ed), or NULL; "INVALID JSON" if SQLite rejects it. */
static inline char *txh_record(txh *h, const char *kind)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT CASE WHEN json_valid(json) THEN json ELSE 'INVALID JSON' END FROM xp_records "
             "WHERE kind = '%s' ORDER BY id DESC LIMIT 1", kind);
    return txh_sql(h, sql);
}

/* The value at JSON `path` ("$.column") of the newest record of `kind`, as text (malloc'ed),
 * or NULL; "INVALID JSON" if SQLite rejects the record. */
static inline char *txh_record_str(txh *h, const char *kind, const char *path)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT CASE WHEN json_valid(json) THEN json_extract(json, '%s') ELSE 'INVALID JSON' END "
             "FROM xp_records WHERE kind = '%s' ORDER BY id DESC LIMIT 1", path, kind);
    return txh_sql(h, sql);
}

/* A name of len bytes for record tests: `head` (quotes, backslashes, ...), then letters. */
static inline void txh_long_name(char *buf, size_t len, const char *head)
{
    size_t k = (size_t)snprintf(buf, len + 1, "%s", head);
    for (; k < len; k++) buf[k] = (char)('a' + k % 26);
    buf[len] = '\0';
}

/* Number of records of `kind` stored so far. */
static inline int txh_record_count(txh *h, const char *kind)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM xp_records WHERE kind = '%s'", kind);
    double n = txh_sql_num(h, sql);
    return isnan(n) ? -1 : (int)n;
}

static inline void txh_close(txh *h)
{
    txh_destroy(h);
    if (h->st) store_close(h->st);
    unlink(h->db);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", h->db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", h->db);
    unlink(side);
    registry_free(h->reg);
}

/* ------------------------------------------------------------------ frames */

static inline xp_column *fr_col(xp_frame *f, const char *name, xp_col_type t, xp_role r)
{
    xp_column *c = frame_add(f, name, t, r);
    if (!c) {
        fprintf(stderr, "frame_add %s failed\n", name);
        exit(2);
    }
    return c;
}

/* Numeric (or bool) column from n values (NAN = missing). */
static inline xp_column *fr_num(xp_frame *f, const char *name, xp_role r, const double *v)
{
    xp_column *c = fr_col(f, name, XP_COL_NUMERIC, r);
    for (size_t i = 0; i < f->n_rows; i++) c->num[i] = v[i];
    return c;
}

/* Categorical column from strings (NULL = missing); levels in order of first appearance. */
static inline xp_column *fr_cat(xp_frame *f, const char *name, const char *const *v)
{
    xp_column *c = fr_col(f, name, XP_COL_CATEGORICAL, XP_ROLE_FEATURE);
    for (size_t i = 0; i < f->n_rows; i++) c->codes[i] = v[i] ? col_level(c, v[i]) : -1;
    return c;
}

static inline xp_column *fr_text(xp_frame *f, const char *name, const char *const *v)
{
    xp_column *c = fr_col(f, name, XP_COL_TEXT, XP_ROLE_FEATURE);
    for (size_t i = 0; i < f->n_rows; i++) col_set_text(c, i, v[i]);
    return c;
}

/* Value of a categorical row as its level text (NULL if missing). */
static inline const char *fr_level(const xp_column *c, size_t i)
{
    return c && c->type == XP_COL_CATEGORICAL && c->codes[i] >= 0 ? c->levels[c->codes[i]] : NULL;
}

/* splitmix64 stream: the same rows on every run. */
typedef struct rng { uint64_t s; } rng;

static inline uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline double rng_unif(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

static inline double rng_normal(rng *r)
{
    double u = rng_unif(r), v = rng_unif(r);
    if (u < 1e-300) u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#endif
