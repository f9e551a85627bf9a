/* txu_json.c — a small streaming JSON writer for the records transforms store (profile,
 * placeholders, dropped columns).
 *
 *     tx_json j; tx_json_init(&j);
 *     tx_json_obj(&j); tx_json_kv_str(&j, "name", "feature_54"); tx_json_kv_num(&j, "r", 0.99);
 *     tx_json_end(&j);
 *     tx_json_record(ctx, &j, "profile");     // {"name": "feature_54", "r": 0.99}
 *
 * Numbers are written in their shortest round-trip form so records stay readable (0.7, not
 * 0.69999999999999996); JSON has no NaN, so NaN and infinities become null.
 */
#include "txu.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tx_json_init(tx_json *j)
{
    memset(j, 0, sizeof *j);
}

static void put(tx_json *j, const char *s, size_t n)
{
    if (j->oom) return;
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap < j->len + n + 1) cap *= 2;
        char *p = realloc(j->s, cap);
        if (!p) { j->oom = 1; return; }
        j->s = p;
        j->cap = cap;
    }
    memcpy(j->s + j->len, s, n);
    j->len += n;
    j->s[j->len] = '\0';
}

static void puts_(tx_json *j, const char *s)
{
    put(j, s, strlen(s));
}

/* Separator before a value (or a key) inside the current container. */
static void sep(tx_json *j)
{
    if (j->after_key) { j->after_key = 0; return; }
    if (j->depth > 0) {
        if (!j->first[j->depth - 1]) puts_(j, ", ");
        j->first[j->depth - 1] = 0;
    }
}

static void open_(tx_json *j, char open, char close)
{
    sep(j);
    if (j->depth >= (int)sizeof j->closer) { j->oom = 1; return; }  /* deeper than any record */
    put(j, &open, 1);
    j->first[j->depth] = 1;
    j->closer[j->depth] = close;
    j->depth++;
}

void tx_json_obj(tx_json *j) { open_(j, '{', '}'); }
void tx_json_arr(tx_json *j) { open_(j, '[', ']'); }

void tx_json_end(tx_json *j)
{
    if (j->depth <= 0) { j->oom = 1; return; }
    j->depth--;
    put(j, &j->closer[j->depth], 1);
}

void tx_json_str(tx_json *j, const char *s)
{
    sep(j);
    if (!s) { puts_(j, "null"); return; }
    puts_(j, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': puts_(j, "\\\""); break;
        case '\\': puts_(j, "\\\\"); break;
        case '\n': puts_(j, "\\n"); break;
        case '\r': puts_(j, "\\r"); break;
        case '\t': puts_(j, "\\t"); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                puts_(j, esc);
            } else {
                put(j, (const char *)p, 1);
            }
        }
    }
    puts_(j, "\"");
}

void tx_json_key(tx_json *j, const char *k)
{
    tx_json_str(j, k);
    puts_(j, ": ");
    j->after_key = 1;
}

void tx_json_num(tx_json *j, double v)
{
    sep(j);
    if (!isfinite(v)) { puts_(j, "null"); return; }
    char buf[40];
    tx_num_text(v, buf, sizeof buf);
    puts_(j, buf);
}

void tx_json_int(tx_json *j, int64_t v)
{
    sep(j);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    puts_(j, buf);
}

void tx_json_bool(tx_json *j, int v)
{
    sep(j);
    puts_(j, v ? "true" : "false");
}

void tx_json_null(tx_json *j)
{
    sep(j);
    puts_(j, "null");
}

void tx_json_kv_str(tx_json *j, const char *k, const char *s) { tx_json_key(j, k); tx_json_str(j, s); }
void tx_json_kv_num(tx_json *j, const char *k, double v) { tx_json_key(j, k); tx_json_num(j, v); }
void tx_json_kv_int(tx_json *j, const char *k, int64_t v) { tx_json_key(j, k); tx_json_int(j, v); }
void tx_json_kv_bool(tx_json *j, const char *k, int v) { tx_json_key(j, k); tx_json_bool(j, v); }

char *tx_json_take(tx_json *j)
{
    if (j->oom || j->depth != 0 || !j->s) { tx_json_free(j); return NULL; }
    char *s = j->s;
    j->s = NULL;
    j->len = j->cap = 0;
    return s;
}

void tx_json_free(tx_json *j)
{
    free(j->s);
    tx_json_init(j);
}

int tx_json_record(xp_ctx *ctx, tx_json *j, const char *kind)
{
    int unbalanced = j->depth != 0;
    char *text = tx_json_take(j);
    if (!text)
        return unbalanced ? xp_fail(ctx, XP_EINTERNAL, "record %s: unbalanced JSON", kind)
                          : xp_fail(ctx, XP_ENOMEM, "record %s: out of memory", kind);
    int rc = ctx->host->record(ctx, kind, text);
    free(text);
    return rc;
}
