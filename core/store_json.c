/* core/store_json.c — JSON checks for the experiment store through SQLite's JSON1 functions
 * on a private ":memory:" database (see store_json.h).
 *
 *     int ok; store_json_valid(j, text, &ok);    // 1 when text is valid JSON
 *
 * The PostgreSQL backend could ask the server instead, but a cast of invalid text to json
 * aborts the whole transaction there, and the answers would differ in corner cases from the
 * SQLite backend's; one implementation keeps the two stores' checks identical.
 */
#include "store_json.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp/error.h"

struct store_json {
    sqlite3 *db;
    char err[300];
};

int store_json_open(store_json **out)
{
    *out = NULL;
    store_json *j = calloc(1, sizeof *j);
    if (!j) return XP_ENOMEM;
    if (sqlite3_open_v2(":memory:", &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK) {
        sqlite3_close(j->db);
        free(j);
        return XP_ENOMEM;
    }
    *out = j;
    return XP_OK;
}

void store_json_close(store_json *j)
{
    if (!j) return;
    sqlite3_close(j->db);
    free(j);
}

const char *store_json_errmsg(const store_json *j)
{
    return j ? j->err : "store_json: NULL handle";
}

/* Prepares sql and binds texts a and b (b may be unused) as ?1 and ?2; steps to the row. */
static sqlite3_stmt *row(store_json *j, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        (b && sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT) != SQLITE_OK) || sqlite3_step(st) != SQLITE_ROW) {
        snprintf(j->err, sizeof j->err, "checking JSON: %s", sqlite3_errmsg(j->db));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

int store_json_valid(store_json *j, const char *json, int *valid)
{
    *valid = 0;
    sqlite3_stmt *st = row(j, "SELECT json_valid(?1)", json, NULL);
    if (!st) return XP_EIO;
    *valid = sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return XP_OK;
}

static int kind(sqlite3_stmt *st, int col)
{
    int t = sqlite3_column_type(st, col);
    return t == SQLITE_NULL ? 0 : (t == SQLITE_INTEGER || t == SQLITE_FLOAT) ? 1 : 2;
}

int store_json_distribution(store_json *j, const char *json, dist_fields *f)
{
    memset(f, 0, sizeof *f);
    sqlite3_stmt *st = row(j,
        "SELECT json_extract(?1, '$.name'), json_type(?1, '$.attributes'), "
        "json_extract(?1, '$.attributes.low'), json_extract(?1, '$.attributes.high'), "
        "json_extract(?1, '$.attributes.step'), json_extract(?1, '$.attributes.log'), "
        "json_type(?1, '$.attributes.choices'), json_array_length(?1, '$.attributes.choices')", json, NULL);
    if (!st) return XP_EIO;
    const char *name = (const char *)sqlite3_column_text(st, 0);
    const char *attrs = (const char *)sqlite3_column_text(st, 1);
    const char *ct = (const char *)sqlite3_column_text(st, 6);
    snprintf(f->name, sizeof f->name, "%s", name ? name : "");
    f->attributes_is_object = attrs && strcmp(attrs, "object") == 0;
    f->low_kind = kind(st, 2);
    f->high_kind = kind(st, 3);
    f->step_kind = kind(st, 4);
    f->low = sqlite3_column_double(st, 2);
    f->high = sqlite3_column_double(st, 3);
    f->step = f->step_kind == 1 ? sqlite3_column_double(st, 4) : 0;
    f->log = sqlite3_column_int(st, 5);
    f->choices_is_array = ct && strcmp(ct, "array") == 0;
    f->n_choices = sqlite3_column_int64(st, 7);
    sqlite3_finalize(st);
    return XP_OK;
}

int store_json_compatible(store_json *j, const char *a, const char *b, int *same_class, int *same_choices)
{
    sqlite3_stmt *st = row(j,
        "SELECT json_extract(?1, '$.name') = json_extract(?2, '$.name'), "
        "json_extract(?2, '$.name') != 'CategoricalDistribution' OR "
        "json_extract(?1, '$.attributes.choices') = json_extract(?2, '$.attributes.choices')", a, b);
    if (!st) return XP_EIO;
    *same_class = sqlite3_column_int(st, 0);
    *same_choices = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    return XP_OK;
}
