/* xp/host.h — the services the runner hands to plugins.
 *
 * Plugins never link against the runner. Every call into a plugin receives an xp_ctx whose
 * `host` field points at this table of function pointers (the SQLite-extension pattern).
 * The table only ever grows at the end: check `struct_size` before using a field added
 * after XP_ABI_VERSION 1 (XP_HOST_HAS(h, field)).
 *
 * Errors: fail with `return xp_fail(ctx, XP_EINVAL, "column %s: ...", name);` — the host
 * copies the message into the context, so nothing global is touched.
 *
 * Config: a plugin receives its own config node (`const xp_cfg *`). Read it with the
 * cfg_* getters. Every key a plugin reads is marked as used; after the plugin is created
 * the runner reports any key nobody read as "unknown key", with file:line:col. So a plugin
 * must read every key it supports, even those left at their defaults.
 *
 * Ownership: strings returned by cfg_* are borrowed from the config and live as long as it.
 * Frames returned by frame_* are owned by the caller and freed with frame_free.
 */
#ifndef XP_HOST_H
#define XP_HOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "frame.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xp_cfg xp_cfg;      /* opaque node of the resolved YAML config */
typedef struct xp_host xp_host;

/* Per-call context. Created by the host; plugins only pass it back. */
typedef struct xp_ctx {
    const xp_host *host;
    void *host_data;            /* the runner's private state; do not touch */
} xp_ctx;

enum { XP_LOG_ERROR = 0, XP_LOG_WARN = 1, XP_LOG_INFO = 2, XP_LOG_DEBUG = 3 };

enum { XP_CFG_MISSING = 0, XP_CFG_NULL = 1, XP_CFG_SCALAR = 2, XP_CFG_LIST = 3, XP_CFG_MAP = 4 };

struct xp_host {
    uint32_t abi_version;
    uint32_t struct_size;

    /* --- messages --- */
    void (*log)(xp_ctx *ctx, int level, const char *fmt, va_list ap);
    /* Records the message for the current call and returns `code` (a negative XP_E*). */
    int (*fail)(xp_ctx *ctx, int code, const char *fmt, va_list ap);

    /* --- config (node may be NULL: behaves as an empty map) --- */
    int (*cfg_kind)(const xp_cfg *node);                         /* XP_CFG_* */
    const xp_cfg *(*cfg_get)(const xp_cfg *map, const char *key); /* NULL if absent; marks key used */
    size_t (*cfg_len)(const xp_cfg *node);                       /* items of a list / entries of a map */
    const xp_cfg *(*cfg_at)(const xp_cfg *node, size_t i);       /* list item or map value */
    const char *(*cfg_key_at)(const xp_cfg *map, size_t i);      /* map key; marks it used */
    const char *(*cfg_scalar)(const xp_cfg *node);               /* raw scalar text, NULL if not a scalar */
    /* Typed getters: `required` != 0 makes a missing key an error; otherwise *out keeps its
     * value (the default). Wrong types are errors naming file:line:col and the key path. */
    int (*cfg_str)(xp_ctx *ctx, const xp_cfg *map, const char *key, int required, const char **out);
    int (*cfg_int)(xp_ctx *ctx, const xp_cfg *map, const char *key, int required, int64_t *out);
    int (*cfg_num)(xp_ctx *ctx, const xp_cfg *map, const char *key, int required, double *out);
    int (*cfg_bool)(xp_ctx *ctx, const xp_cfg *map, const char *key, int required, int *out);
    /* "file:line:col (key.path)" of a node, for messages. Borrowed until the next call. */
    const char *(*cfg_where)(const xp_cfg *node);
    /* The whole resolved config (e.g. to read data.images). Reads through it mark keys used. */
    const xp_cfg *(*cfg_root)(xp_ctx *ctx);

    /* --- randomness: a stream seeded from (run seed, trial, fold, plugin) --- */
    uint64_t (*rng_u64)(xp_ctx *ctx);
    double (*rng_uniform)(xp_ctx *ctx);                          /* [0,1) */

    /* --- progress and intermediate values --- */
    void (*progress)(xp_ctx *ctx, const char *stage, size_t done, size_t total);
    /* Reports an intermediate value of the fit at `step` (a boosting round, an epoch): the
     * validation loss, lower is better (report a score that grows as its negative). Returns 1
     * when the pruner says stop (the plugin should then return XP_EPRUNED), 0 otherwise.
     * Values are compared only with other trials' reports at the same step of the same fold. */
    int (*report)(xp_ctx *ctx, int64_t step, double value);
    int (*threads)(xp_ctx *ctx);                                 /* threads a plugin may use */

    /* --- frames --- */
    xp_frame *(*frame_new)(size_t n_rows);
    void (*frame_free)(xp_frame *f);
    /* Appends a column filled with "missing"; returns it (NULL on ENOMEM or duplicate name). */
    xp_column *(*frame_add)(xp_frame *f, const char *name, xp_col_type type, xp_role role);
    xp_column *(*frame_find)(const xp_frame *f, const char *name);
    int (*frame_index)(const xp_frame *f, const char *name);     /* -1 if absent */
    void (*frame_drop)(xp_frame *f, size_t col_index);           /* removes and frees a column */
    /* Index of `level` in a categorical column, adding it if new; -1 on ENOMEM. */
    int32_t (*col_level)(xp_column *c, const char *level);
    xp_frame *(*frame_take)(const xp_frame *f, const size_t *rows, size_t n);  /* copy of rows */
    xp_frame *(*frame_copy)(const xp_frame *f);
    /* Sets text[row] to a copy of s (NULL = missing). Returns XP_OK or XP_ENOMEM. */
    int (*col_set_text)(xp_column *c, size_t row, const char *s);

    /* --- the record --- */
    /* Folder where this run's artifacts go (created on demand). */
    const char *(*artifact_dir)(xp_ctx *ctx);
    /* Records a file written under artifact_dir (its sha256 is computed by the host). */
    int (*artifact)(xp_ctx *ctx, const char *path, const char *kind);
    /* Stores a JSON document about the data or a stage (profile, source noise, ...). */
    int (*record)(xp_ctx *ctx, const char *kind, const char *json);
    /* Stores a named scalar for the current trial/fold (e.g. "best_iteration"). */
    int (*metric)(xp_ctx *ctx, const char *name, double value);

    /* ---- added after the first release: check XP_HOST_HAS(host, field) before use ---- */

    /* --- vector columns (frame.h, XP_COL_VECTOR) --- */
    /* Gives a VECTOR column a new table of `count` zeroed vectors of `dim` floats and returns
     * its data to fill (count × dim, row-major); the column's rows are left missing (vec_row
     * -1) for the caller to point at the table. Replaces any earlier table of the column.
     * NULL on ENOMEM, a zero dim, or a column that is not VECTOR. */
    float *(*col_vectors)(xp_column *c, size_t dim, size_t count);

    /* --- content hashing and the embedding cache --- */
    void (*sha256)(const void *data, size_t n, uint8_t out[32]);
    /* Frozen encoders (a pure function of the input and fixed weights) look each distinct
     * input up here before computing it, and store what they computed. `space` names the
     * encoder, its settings and its weights' hash ("image_mobilenet/224/<sha256 of weights>");
     * `key` is the input's content hash. The host keeps the vectors for the process (every
     * fold, the refit and predict share them) and on disk next to the store, across runs.
     * cache_get returns 1 and fills out[dim] on a hit, 0 on a miss; cache_put returns XP_OK
     * or a negative code (a failed disk write is logged, not an error: the value stays in
     * memory). Both are thread-safe. */
    int (*cache_get)(xp_ctx *ctx, const char *space, const uint8_t key[32], size_t dim, float *out);
    int (*cache_put)(xp_ctx *ctx, const char *space, const uint8_t key[32], size_t dim,
                     const float *v);

    /* --- the config check: columns a stage names and adds --- */
    /* Called from create(): `name` is a column the stage's options name (`node` is the config
     * node that names it, for the message; NULL for a default), or one the stage will add
     * (column_add, e.g. quantity's "log_quantity"). Before anything is fitted the runner
     * looks every named column up in the data file's header, or among the columns an earlier
     * stage adds, and lists all missing ones at once with their file:line:col. Names with
     * glob characters (* ? [) are not checked. Outside that check both calls do nothing. */
    void (*column_ref)(xp_ctx *ctx, const xp_cfg *node, const char *name);
    void (*column_add)(xp_ctx *ctx, const char *name);

    /* --- input files beside the data file (an image folder) --- */
    /* A run keeps the files its plugins read from such a folder, so `runner predict` fits
     * on the same bytes, not on what the folder holds by then. A plugin asks, before it lists
     * the folder its config names (`dir`, exactly as configured) in create() and in each
     * fit()/apply(), which folder to read: *out is `dir` itself during a run; at predict, for
     * the run's own rows a folder holding exactly the files the run read (its stored copies,
     * under their names), for the rows to predict the folder given with `--images` (default
     * `dir`). *out is borrowed until the plugin is destroyed; when it differs from the folder
     * listed before, list it again and forget what was resolved in the old one. */
    int (*input_dir)(xp_ctx *ctx, const char *dir, const char **out);
    /* Says the plugin read the file `name` (a name in the folder input_dir gave for `dir`,
     * no '/') whose bytes are data[n], and uses it: a run keeps a content-addressed copy and
     * lists it in its manifest (artifact input_files). Call it for every file read, before
     * decoding (an undecodable file is part of what the run saw). A name read again with
     * other bytes in the same run is an error (the folder changed under the run): return
     * the code. Thread-safe; does nothing outside a run. */
    int (*input_used)(xp_ctx *ctx, const char *dir, const char *name, const void *data, size_t n);

    /* --- enumerated config keys --- */
    /* Reads map[key], a string that must be one of names[0 .. n_names-1] (compared exactly,
     * quoted or not), and sets *out to its index. Absent: XP_OK and *out unchanged, unless
     * `required`. Otherwise XP_ECONFIG naming file:line:col, the key path, the allowed values
     * and what was given, like the typed getters:
     *   "cfg.yaml:7:9: encoders[0].as: expected one of ids, counts, binary, got 'bag'"
     * Write the chosen value back (records, logs) from the same table: names[*out].
     * Plugins call it through xp_cfg_choice (below), which checks that the host has it. */
    int (*cfg_choice)(xp_ctx *ctx, const xp_cfg *map, const char *key, const char *const *names,
                      int n_names, int required, int *out);
};

#define XP_HOST_HAS(h, field) \
    ((h)->struct_size >= offsetof(xp_host, field) + sizeof(((xp_host *)0)->field))

/* Convenience wrappers: xp_fail(ctx, XP_EINVAL, "bad %s", k) and xp_log(ctx, XP_LOG_INFO, ...). */
static inline int xp_fail(xp_ctx *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int xp_fail(xp_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = ctx->host->fail(ctx, code, fmt, ap);
    va_end(ap);
    return r;
}

static inline void xp_log(xp_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void xp_log(xp_ctx *ctx, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx->host->log(ctx, level, fmt, ap);
    va_end(ap);
}

/* host->cfg_choice when the host has it; a host older than cfg_choice fails with
 * XP_EUNSUPPORTED. names is a table of n_names strings; XP_COUNT gives a table's length, so
 * adding a name cannot leave a hand-written count behind:
 *     static const char *const modes[] = { "explicit", "auto" };
 *     if ((rc = xp_cfg_choice(ctx, cfg, "mode", modes, XP_COUNT(modes), 0, &s->mode))) return rc;  */
#define XP_COUNT(a) ((int)(sizeof(a) / sizeof *(a)))
static inline int xp_cfg_choice(xp_ctx *ctx, const xp_cfg *map, const char *key,
                                const char *const *names, int n_names, int required, int *out)
{
    const xp_host *h = ctx->host;
    if (!XP_HOST_HAS(h, cfg_choice) || !h->cfg_choice)
        return xp_fail(ctx, XP_EUNSUPPORTED, "config key '%s': this runner is older than the plugin "
                       "(its host has no cfg_choice)", key ? key : "");
    return h->cfg_choice(ctx, map, key, names, n_names, required, out);
}

#ifdef __cplusplus
}
#endif

#endif
