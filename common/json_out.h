/* common/json_out.h — the project's one JSON writer: the records and attributes the core
 * stores and the records plugins hand to host->record are all written with it.
 *
 *     json_out j; json_out_init(&j);
 *     json_out_object(&j);
 *     json_out_kv_str(&j, "group", group_col);      // escaped: any name gives valid JSON
 *     json_out_kv_int(&j, "folds", 5);
 *     json_out_end(&j);
 *     char *text = json_out_take(&j);                // {"group": "...", "folds": 5}; caller frees
 *     if (!text) ...out of memory...
 *
 *     // in a plugin: build the same way, then store and free in one call
 *     return json_out_record(ctx, &j, "tokens");
 *
 * Where it lives: common/ holds code that both the runner and the plugins link, and that
 * depends on neither (only libc and, for json_out_record, the public include/xp/ headers).
 * It is built as its own static library (common/meson.build: pic, hidden visibility) and
 * linked into xpcore and, separately, into each plugin .so that writes records: the core
 * never links plugin code, and a dlopen()ed plugin never needs a symbol of the runner (its
 * copy is private to it, as it exports only xp_plugin_entry).
 *
 * Why: records built with printf put user strings (column names, study names, config paths)
 * between quotes as they were, so a `"` or a control character made the record invalid and a
 * `\` could silently change its meaning; fixed buffers truncated long ones.
 *
 * Commas and ": " are written by the writer. Strings: `"` `\` and bytes below 0x20 escaped,
 * valid UTF-8 passed through, each byte of an invalid UTF-8 sequence written as U+FFFD (JSON
 * text is UTF-8). Numbers: the shortest of %.15g/%.16g/%.17g that reads back as the same
 * double (as exact as %.17g, but 0.1 stays 0.1); NaN and infinities, which JSON lacks, are
 * written as null.
 *
 * Errors: after an allocation failure, or a call out of order (a key outside an object, an
 * end without an open container, nesting deeper than JSON_OUT_MAX_DEPTH: a bug), every call
 * is a no-op and json_out_take returns NULL, as it does while a container is still open.
 * The struct holds no pointer but its buffer: json_out_free (or take) releases everything.
 */
#ifndef XP_COMMON_JSON_OUT_H
#define XP_COMMON_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JSON_OUT_MAX_DEPTH 32
enum { JSON_OUT_ORDER = 1, JSON_OUT_NOMEM = 2 };   /* json_out.failed: a call out of order, out of memory */

typedef struct json_out {
    char *s;
    size_t len, cap;
    int depth;
    unsigned char empty[JSON_OUT_MAX_DEPTH];   /* per open container: nothing in it yet */
    char closer[JSON_OUT_MAX_DEPTH];           /* per open container: '}' or ']' */
    int after_key;                             /* a key was written: its value comes next */
    int failed;                                /* JSON_OUT_ORDER or JSON_OUT_NOMEM; 0: fine */
} json_out;

void json_out_init(json_out *j);
void json_out_object(json_out *j);                    /* { */
void json_out_array(json_out *j);                     /* [ */
void json_out_end(json_out *j);                       /* } or ] */
void json_out_key(json_out *j, const char *key);      /* inside an object only */
void json_out_str(json_out *j, const char *s);        /* NULL -> null */
void json_out_num(json_out *j, double v);             /* non-finite -> null */
/* v with exactly `decimals` digits after the point (printf %.*f, 0..17), for values whose
 * record keeps a fixed precision (seconds, shares); non-finite -> null. */
void json_out_fixed(json_out *j, double v, int decimals);
void json_out_int(json_out *j, int64_t v);
void json_out_bool(json_out *j, int v);
void json_out_null(json_out *j);
void json_out_kv_str(json_out *j, const char *key, const char *s);
void json_out_kv_num(json_out *j, const char *key, double v);
void json_out_kv_int(json_out *j, const char *key, int64_t v);
void json_out_kv_fixed(json_out *j, const char *key, double v, int decimals);
void json_out_kv_bool(json_out *j, const char *key, int v);
/* The document (caller frees), or NULL after a failure or with a container still open; j is
 * empty afterwards either way. */
char *json_out_take(json_out *j);
void json_out_free(json_out *j);

/* For plugins (json_out_record.c): takes j's document and stores it as a record of `kind`
 * through ctx->host->record; j is empty afterwards. Returns XP_OK, the host's code, or
 * XP_ENOMEM / XP_EINTERNAL (with xp_fail) when j holds no finished document (out of memory,
 * or calls out of order: a bug). */
struct xp_ctx;
int json_out_record(struct xp_ctx *ctx, json_out *j, const char *kind);

#ifdef __cplusplus
}
#endif

#endif
