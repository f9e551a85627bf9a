/* core/store_json.h — the JSON questions the experiment store asks about what it is given
 * (is this valid JSON; what does this Optuna distribution say; are two distributions
 * compatible), answered by SQLite's JSON1 functions in a private in-memory database, so
 * both store backends (SQLite and PostgreSQL) check JSON exactly alike.
 *
 *     store_json *j;
 *     if (store_json_open(&j)) ...
 *     int ok; store_json_valid(j, "{\"a\": 1}", &ok);
 *     dist_fields f; store_json_distribution(j, json, &f);
 *     store_json_close(j);
 *
 * Functions return XP_OK or a negative XP_E*; store_json_errmsg() says why. Not thread-safe:
 * the store calls it under its own mutex.
 */
#ifndef XP_CORE_STORE_JSON_H
#define XP_CORE_STORE_JSON_H

#include <stdint.h>

typedef struct store_json store_json;

/* What an Optuna distribution's JSON holds. *_kind: 0 absent or null, 1 a number, 2 else. */
typedef struct dist_fields {
    char name[32];
    int attributes_is_object;
    int low_kind, high_kind, step_kind;
    double low, high, step;
    int log;
    int choices_is_array;
    int64_t n_choices;
} dist_fields;

int store_json_open(store_json **out);
void store_json_close(store_json *j);
const char *store_json_errmsg(const store_json *j);
int store_json_valid(store_json *j, const char *json, int *valid);
/* json must be valid JSON. */
int store_json_distribution(store_json *j, const char *json, dist_fields *f);
/* Optuna's check_distribution_compatibility on two valid distributions: the same class, and
 * for a categorical one the same choices. */
int store_json_compatible(store_json *j, const char *a, const char *b, int *same_class, int *same_choices);

#endif
