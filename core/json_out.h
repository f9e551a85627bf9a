/* core/json_out.h — the core's one JSON writer, for the records and attributes it stores
 * (plugins have their own, tx_json in plugins/transforms/common/txu.h: the core never links
 * plugin code).
 *
 *     json_out j; json_out_init(&j);
 *     json_out_object(&j);
 *     json_out_kv_str(&j, "group", group_col);      // escaped: any name gives valid JSON
 *     json_out_kv_int(&j, "folds", 5);
 *     json_out_end(&j);
 *     char *text = json_out_take(&j);                // {"group": "...", "folds": 5}; caller frees
 *     if (!text) ...out of memory...
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
#ifndef XP_CORE_JSON_OUT_H
#define XP_CORE_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>

#define JSON_OUT_MAX_DEPTH 32

typedef struct json_out {
    char *s;
    size_t len, cap;
    int depth;
    unsigned char empty[JSON_OUT_MAX_DEPTH];   /* per open container: nothing in it yet */
    char closer[JSON_OUT_MAX_DEPTH];           /* per open container: '}' or ']' */
    int after_key;                             /* a key was written: its value comes next */
    int failed;                                /* out of memory or a call out of order */
} json_out;

void json_out_init(json_out *j);
void json_out_object(json_out *j);                    /* { */
void json_out_array(json_out *j);                     /* [ */
void json_out_end(json_out *j);                       /* } or ] */
void json_out_key(json_out *j, const char *key);      /* inside an object only */
void json_out_str(json_out *j, const char *s);        /* NULL -> null */
void json_out_num(json_out *j, double v);             /* non-finite -> null */
void json_out_int(json_out *j, int64_t v);
void json_out_bool(json_out *j, int v);
void json_out_null(json_out *j);
void json_out_kv_str(json_out *j, const char *key, const char *s);
void json_out_kv_num(json_out *j, const char *key, double v);
void json_out_kv_int(json_out *j, const char *key, int64_t v);
void json_out_kv_bool(json_out *j, const char *key, int v);
/* The document (caller frees), or NULL after a failure or with a container still open; j is
 * empty afterwards either way. */
char *json_out_take(json_out *j);
void json_out_free(json_out *j);

#endif
