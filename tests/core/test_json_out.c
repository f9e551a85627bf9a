/* test_json_out.c — common/json_out.c: strings escaped (quote, backslash, newline, other
 * control characters), UTF-8 passed through and invalid bytes replaced, nesting and commas,
 * NaN and infinities as null, fixed decimals, calls out of order refused; every document checked with
 * SQLite's json_valid and read back with json_extract, which must return the exact input.
 *
 *     meson test -C build test_json_out
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json_out.h"

static sqlite3 *db;

/* json_valid(text) from SQLite: 1, 0, or -1 if the query itself failed. */
static int valid(const char *text)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, "SELECT json_valid(?1)", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* json_extract(text, path) as text (caller frees), NULL for SQL NULL or an error. */
static char *extract(const char *text, const char *path)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT json_extract(?1, ?2)", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
        sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_type(st, 0) != SQLITE_NULL) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        out = t ? strdup(t) : NULL;
    }
    sqlite3_finalize(st);
    return out;
}

/* {"k": s} is valid JSON, written as `want`, and reads back as s exactly. */
static void string_case(const char *s, const char *want)
{
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "k", s);
    json_out_end(&j);
    char *text = json_out_take(&j);
    CHECK(text != NULL);
    if (!text) return;
    CHECK_STR(text, want);
    CHECK_EQ_INT(valid(text), 1);
    char *back = extract(text, "$.k");
    CHECK_STR(back, s);
    free(back);
    free(text);
}

/* A document from one number alone. */
static void number_case(double v, const char *want)
{
    json_out j;
    json_out_init(&j);
    json_out_num(&j, v);
    char *text = json_out_take(&j);
    CHECK_STR(text, want);
    if (text) CHECK_EQ_INT(valid(text), 1);
    free(text);
}

/* json_out_fixed(v, decimals) alone is `want`, valid JSON. */
static void fixed_case(double v, int decimals, const char *want)
{
    json_out j;
    json_out_init(&j);
    json_out_fixed(&j, v, decimals);
    char *text = json_out_take(&j);
    CHECK_STR(text, want);
    if (text) CHECK_EQ_INT(valid(text), 1);
    free(text);
}

int main(void)
{
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        fprintf(stderr, "cannot open an in-memory SQLite database\n");
        return 1;
    }

    /* Escapes. A raw quote or control character would make the record invalid; a raw
     * backslash could turn "a\b" into a backspace. */
    string_case("plain", "{\"k\": \"plain\"}");
    string_case("src\"id", "{\"k\": \"src\\\"id\"}");
    string_case("a\\b", "{\"k\": \"a\\\\b\"}");
    string_case("C:\\new\\table", "{\"k\": \"C:\\\\new\\\\table\"}");
    string_case("line1\nline2", "{\"k\": \"line1\\nline2\"}");
    string_case("tab\there\rcr", "{\"k\": \"tab\\there\\rcr\"}");
    string_case("bell\x07 esc\x1b unit\x1f", "{\"k\": \"bell\\u0007 esc\\u001b unit\\u001f\"}");
    string_case("del\x7f", "{\"k\": \"del\x7f\"}");
    string_case("", "{\"k\": \"\"}");
    /* UTF-8 passes through: 2-, 3- and 4-byte sequences, U+2028 included. */
    string_case("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8",
                "{\"k\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8\"}");

    /* Invalid UTF-8 (a Latin-1 byte, a truncated sequence, an overlong '/', a surrogate):
     * each byte becomes U+FFFD, so the text stays UTF-8. */
    {
        json_out j;
        json_out_init(&j);
        json_out_str(&j, "x\xe9y \xe2\x82 \xc0\xaf \xed\xa0\x80");
        char *text = json_out_take(&j);
        CHECK_STR(text, "\"x\\ufffdy \\ufffd\\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd\"");
        if (text) CHECK_EQ_INT(valid(text), 1);
        free(text);
    }
    /* An escape needed in a key too. */
    {
        json_out j;
        json_out_init(&j);
        json_out_object(&j);
        json_out_kv_int(&j, "model.params.\"eta\"", 3);
        json_out_end(&j);
        char *text = json_out_take(&j);
        CHECK_STR(text, "{\"model.params.\\\"eta\\\"\": 3}");
        if (text) CHECK_EQ_INT(valid(text), 1);
        free(text);
    }

    /* Nesting, commas, every kind of value; NaN and infinities as null. */
    {
        json_out j;
        json_out_init(&j);
        json_out_object(&j);
        json_out_kv_str(&j, "column", "src\"id");
        json_out_key(&j, "sources");
        json_out_array(&j);
        for (int s = 0; s < 2; s++) {
            json_out_object(&j);
            json_out_kv_int(&j, "source", s);
            json_out_kv_num(&j, "weight", s ? 0.5 : 1.25);
            json_out_end(&j);
        }
        json_out_end(&j);
        json_out_key(&j, "odd");
        json_out_array(&j);
        json_out_num(&j, NAN);
        json_out_num(&j, INFINITY);
        json_out_num(&j, -INFINITY);
        json_out_null(&j);
        json_out_str(&j, NULL);
        json_out_bool(&j, 1);
        json_out_bool(&j, 0);
        json_out_int(&j, INT64_MIN);
        json_out_end(&j);
        json_out_key(&j, "empty");
        json_out_object(&j);
        json_out_end(&j);
        json_out_key(&j, "none");
        json_out_array(&j);
        json_out_end(&j);
        json_out_kv_bool(&j, "used", 1);
        json_out_end(&j);
        char *text = json_out_take(&j);
        CHECK_STR(text, "{\"column\": \"src\\\"id\", \"sources\": [{\"source\": 0, \"weight\": 1.25}, "
                        "{\"source\": 1, \"weight\": 0.5}], \"odd\": [null, null, null, null, null, true, false, "
                        "-9223372036854775808], \"empty\": {}, \"none\": [], \"used\": true}");
        if (text) {
            CHECK_EQ_INT(valid(text), 1);
            char *v = extract(text, "$.column");
            CHECK_STR(v, "src\"id");
            free(v);
            v = extract(text, "$.sources[1].weight");
            CHECK_STR(v, "0.5");
            free(v);
            v = extract(text, "$.odd[7]");
            CHECK_STR(v, "-9223372036854775808");
            free(v);
        }
        free(text);
    }

    /* Numbers: exact (they read back as the same double) and no longer than needed. */
    number_case(0.1, "0.1");
    number_case(1.0 / 3.0, "0.3333333333333333");
    number_case(0.1 + 0.2, "0.30000000000000004");
    number_case(60, "60");
    number_case(-2.5e-300, "-2.5e-300");
    number_case(1e300 * 10, "1e+301");
    number_case(NAN, "null");

    /* Fixed decimals, for records that keep a set precision (seconds, shares). */
    fixed_case(1.0 / 3.0, 6, "0.333333");
    fixed_case(0, 6, "0.000000");
    fixed_case(2.5, 0, "2");                         /* printf rounds half to even */
    fixed_case(-1234.56789, 1, "-1234.6");
    fixed_case(INFINITY, 3, "null");
    fixed_case(NAN, 3, "null");
    {
        json_out j;
        json_out_init(&j);
        json_out_object(&j);
        json_out_kv_fixed(&j, "seconds", 0.12345, 4);
        json_out_kv_fixed(&j, "big", 1e300, 2);         /* 301 digits: no fixed buffer cuts it */
        json_out_end(&j);
        char *text = json_out_take(&j);
        CHECK(text && !strncmp(text, "{\"seconds\": 0.1235, \"big\": 1000000000000000052504760255204420248704", 64));
        if (text) {
            CHECK_EQ_INT(valid(text), 1);
            char *big = extract(text, "$.big");
            CHECK(big && strtod(big, NULL) == 1e300);
            free(big);
        }
        free(text);
    }
    {
        double vs[] = { 0.7, 1.0 / 7.0, 2.0 / 3.0, 123456.789e10, 5e-324, 1.7976931348623157e308 };
        for (size_t i = 0; i < sizeof vs / sizeof *vs; i++) {
            json_out j;
            json_out_init(&j);
            json_out_num(&j, vs[i]);
            char *text = json_out_take(&j);
            CHECK(text != NULL);
            if (text) CHECK(strtod(text, NULL) == vs[i]);
            free(text);
        }
    }

    /* A long string grows the buffer; nothing is cut. */
    {
        size_t n = 100000;
        char *big = malloc(n + 1);
        CHECK(big != NULL);
        if (big) {
            for (size_t i = 0; i < n; i++) big[i] = i % 1000 == 999 ? '"' : 'a' + (char)(i % 26);
            big[n] = 0;
            json_out j;
            json_out_init(&j);
            json_out_object(&j);
            json_out_kv_str(&j, "big", big);
            json_out_end(&j);
            char *text = json_out_take(&j);
            CHECK(text != NULL);
            if (text) {
                CHECK_EQ_INT(strlen(text), n + n / 1000 + strlen("{\"big\": \"\"}"));
                CHECK_EQ_INT(valid(text), 1);
                char *back = extract(text, "$.big");
                CHECK(back && !strcmp(back, big));
                free(back);
            }
            free(text);
            free(big);
        }
    }

    /* Calls out of order: take returns NULL, later calls change nothing. */
    {
        json_out j;
        json_out_init(&j);
        json_out_object(&j);
        json_out_int(&j, 1);                  /* a value without its key */
        json_out_end(&j);
        CHECK(j.failed);
        CHECK(json_out_take(&j) == NULL);

        json_out_init(&j);
        json_out_array(&j);
        json_out_key(&j, "k");                /* a key in an array */
        CHECK(j.failed);
        json_out_free(&j);

        json_out_init(&j);
        json_out_object(&j);                  /* still open */
        CHECK(json_out_take(&j) == NULL);

        json_out_init(&j);
        json_out_end(&j);                     /* nothing to end */
        CHECK(json_out_take(&j) == NULL);

        json_out_init(&j);
        json_out_object(&j);
        json_out_key(&j, "k");
        json_out_end(&j);                     /* a key without its value */
        CHECK(json_out_take(&j) == NULL);

        json_out_init(&j);
        json_out_int(&j, 1);
        json_out_int(&j, 2);                  /* a second document */
        CHECK(json_out_take(&j) == NULL);

        json_out_init(&j);
        for (int d = 0; d <= JSON_OUT_MAX_DEPTH; d++) json_out_array(&j);
        CHECK(j.failed);
        json_out_free(&j);

        /* Exactly the deepest nesting allowed works. */
        json_out_init(&j);
        for (int d = 0; d < JSON_OUT_MAX_DEPTH; d++) json_out_array(&j);
        for (int d = 0; d < JSON_OUT_MAX_DEPTH; d++) json_out_end(&j);
        char *text = json_out_take(&j);
        CHECK(text != NULL);
        if (text) CHECK_EQ_INT(valid(text), 1);
        free(text);
    }

    sqlite3_close(db);
    return check_done();
}
