/* common/json_out.c — a small streaming JSON writer into a growable buffer (see json_out.h).
 *
 *     json_out j; json_out_init(&j);
 *     json_out_object(&j); json_out_kv_str(&j, "column", "src\"id"); json_out_end(&j);
 *     char *text = json_out_take(&j);        // {"column": "src\"id"}
 */
#include "json_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_out_init(json_out *j)
{
    memset(j, 0, sizeof *j);
}

void json_out_free(json_out *j)
{
    free(j->s);
    json_out_init(j);
}

static void put(json_out *j, const char *s, size_t n)
{
    if (j->failed) return;
    if (n >= SIZE_MAX / 2 - j->len) { j->failed = JSON_OUT_NOMEM; return; }
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 128;
        while (cap < j->len + n + 1) cap *= 2;
        char *p = realloc(j->s, cap);
        if (!p) { j->failed = JSON_OUT_NOMEM; return; }
        j->s = p;
        j->cap = cap;
    }
    memcpy(j->s + j->len, s, n);
    j->len += n;
    j->s[j->len] = '\0';
}

static void put_text(json_out *j, const char *s)
{
    put(j, s, strlen(s));
}

static int in_object(const json_out *j)
{
    return j->depth > 0 && j->closer[j->depth - 1] == '}';
}

/* Before a value: the comma, and whether a value may stand here at all (after its key in
 * an object, anywhere in an array, once at the top). Returns 0 when it may not. */
static int value_slot(json_out *j)
{
    if (j->failed) return 0;
    if (j->after_key) { j->after_key = 0; return 1; }
    if (j->depth == 0) {
        if (j->len) j->failed = JSON_OUT_ORDER;     /* a second top-level value */
        return !j->failed;
    }
    if (in_object(j)) { j->failed = JSON_OUT_ORDER; return 0; }   /* a value without its key */
    if (!j->empty[j->depth - 1]) put_text(j, ", ");
    j->empty[j->depth - 1] = 0;
    return !j->failed;
}

static void open_container(json_out *j, char open, char close)
{
    if (!value_slot(j)) return;
    if (j->depth >= JSON_OUT_MAX_DEPTH) { j->failed = JSON_OUT_ORDER; return; }
    put(j, &open, 1);
    j->empty[j->depth] = 1;
    j->closer[j->depth] = close;
    j->depth++;
}

void json_out_object(json_out *j) { open_container(j, '{', '}'); }
void json_out_array(json_out *j) { open_container(j, '[', ']'); }

void json_out_end(json_out *j)
{
    if (j->failed) return;
    if (j->depth <= 0 || j->after_key) { j->failed = JSON_OUT_ORDER; return; }
    j->depth--;
    put(j, &j->closer[j->depth], 1);
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0. p is NUL-terminated and NUL is no continuation
 * byte, so the checks stop at the end of the string. */
static int utf8_len(const unsigned char *p)
{
#define CONT(c) ((c) >= 0x80 && (c) <= 0xBF)
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return CONT(p[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi && CONT(p[2]) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi && CONT(p[2]) && CONT(p[3]) ? 4 : 0;
    }
    return 0;
#undef CONT
}

static void put_string(json_out *j, const char *s)
{
    put_text(j, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (*p && !j->failed) {
        /* Runs of bytes that need nothing are copied at once. */
        size_t run = 0;
        int k;
        while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\' && (k = utf8_len(p + run)) > 0) run += (size_t)k;
        if (run) { put(j, (const char *)p, run); p += run; continue; }
        char esc[8];
        switch (*p) {
        case '"': put_text(j, "\\\""); break;
        case '\\': put_text(j, "\\\\"); break;
        case '\n': put_text(j, "\\n"); break;
        case '\r': put_text(j, "\\r"); break;
        case '\t': put_text(j, "\\t"); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", (unsigned)*p);
                put_text(j, esc);
            } else {
                put_text(j, "\\ufffd");     /* a byte of no valid UTF-8 sequence */
            }
        }
        p++;
    }
    put_text(j, "\"");
}

void json_out_str(json_out *j, const char *s)
{
    if (!value_slot(j)) return;
    if (s) put_string(j, s);
    else put_text(j, "null");
}

void json_out_key(json_out *j, const char *key)
{
    if (j->failed) return;
    if (!in_object(j) || j->after_key || !key) { j->failed = JSON_OUT_ORDER; return; }
    if (!j->empty[j->depth - 1]) put_text(j, ", ");
    j->empty[j->depth - 1] = 0;
    put_string(j, key);
    put_text(j, ": ");
    j->after_key = 1;
}

void json_out_num(json_out *j, double v)
{
    if (!value_slot(j)) return;
    if (!isfinite(v)) { put_text(j, "null"); return; }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    put_text(j, buf);
}

void json_out_fixed(json_out *j, double v, int decimals)
{
    if (!value_slot(j)) return;
    if (!isfinite(v)) { put_text(j, "null"); return; }
    if (decimals < 0) decimals = 0;
    if (decimals > 17) decimals = 17;
    char buf[352];                              /* %.17f of DBL_MAX: 309 digits + 18 */
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    put_text(j, buf);
}

void json_out_int(json_out *j, int64_t v)
{
    if (!value_slot(j)) return;
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    put_text(j, buf);
}

void json_out_bool(json_out *j, int v)
{
    if (value_slot(j)) put_text(j, v ? "true" : "false");
}

void json_out_null(json_out *j)
{
    if (value_slot(j)) put_text(j, "null");
}

void json_out_kv_str(json_out *j, const char *key, const char *s) { json_out_key(j, key); json_out_str(j, s); }
void json_out_kv_num(json_out *j, const char *key, double v) { json_out_key(j, key); json_out_num(j, v); }
void json_out_kv_int(json_out *j, const char *key, int64_t v) { json_out_key(j, key); json_out_int(j, v); }
void json_out_kv_fixed(json_out *j, const char *key, double v, int decimals) { json_out_key(j, key); json_out_fixed(j, v, decimals); }
void json_out_kv_bool(json_out *j, const char *key, int v) { json_out_key(j, key); json_out_bool(j, v); }

char *json_out_take(json_out *j)
{
    if (j->failed || j->depth != 0 || j->after_key || !j->s) { json_out_free(j); return NULL; }
    char *s = j->s;
    json_out_init(j);
    return s;
}
