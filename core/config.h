/* core/config.h — the runner's YAML config tree: load (with `extends`), override, check, print.
 *
 *     char err[1024];
 *     xp_cfg *root = cfg_load_file("configs/step1_xgb.yaml", err, sizeof err);
 *     if (!root || cfg_override(root, "search.trials=5", err, sizeof err)) { fputs(err, stderr); ... }
 *     const xp_cfg *trials = cfg_path(root, "search.trials");
 *
 * Every node remembers where it came from (file, line, column from libyaml's marks; a
 * command-line override says "override #N"), its key path ("search.trials") and whether any
 * code has read it. cfg_unused() lists every key that nothing read: the runner reports them
 * as unknown keys, so no config value is silently ignored.
 *
 * `extends: base.yaml` (a string or list, resolved relative to the including file) merges
 * maps deeply: the extending file wins; lists and scalars are replaced whole. Cycles are errors.
 *
 * Overrides follow Hydra's grammar: `a.b=3` sets an existing key (error if it does not exist),
 * `+a.new=x` adds a key (error if it exists), `++a.b=x` sets or adds, `~a.b` deletes (`~a.b=v`
 * only if its value is v). Values parse as YAML flow scalars/collections: `[1,2]`, `{k: v}`,
 * `null`, quoted strings.
 *
 * Errors are written into err as "FILE:LINE:COL: key.path: message" and the function returns
 * NULL / a negative XP_E* code. Node pointers stay valid until cfg_free(root).
 */
#ifndef XP_CORE_CONFIG_H
#define XP_CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "xp/host.h"   /* xp_cfg, XP_CFG_* kinds */

xp_cfg *cfg_load_file(const char *path, char *err, size_t errlen);
xp_cfg *cfg_load_string(const char *text, const char *name, char *err, size_t errlen);
void cfg_free(xp_cfg *root);
xp_cfg *cfg_clone(const xp_cfg *node);              /* deep copy, marks and "used" flags kept */

int cfg_override(xp_cfg *root, const char *override, char *err, size_t errlen);
/* Sets (creating intermediate maps as needed) `path` to the YAML flow text `value`. */
int cfg_set(xp_cfg *root, const char *path, const char *value, char *err, size_t errlen);

/* Resolved YAML text (block style, keys in file order). Caller frees. */
char *cfg_to_yaml(const xp_cfg *root);

/* Navigation. These do not mark keys as used unless stated. */
int cfg_kind(const xp_cfg *node);                   /* XP_CFG_*; NULL node -> XP_CFG_MISSING */
const xp_cfg *cfg_get(const xp_cfg *map, const char *key);   /* marks used */
const xp_cfg *cfg_path(const xp_cfg *root, const char *dotted); /* "a.b.c"; marks each step used */
size_t cfg_len(const xp_cfg *node);
const xp_cfg *cfg_at(const xp_cfg *node, size_t i);
const char *cfg_key_at(const xp_cfg *map, size_t i);        /* marks used */
const char *cfg_scalar(const xp_cfg *node);                 /* NULL unless scalar */
int cfg_scalar_quoted(const xp_cfg *node);                  /* 1 if the YAML scalar was quoted */
void cfg_mark_used(const xp_cfg *node);                     /* node and all below it */

/* "file:line:col (key.path)" — borrowed, valid until the next cfg_where call in this thread. */
const char *cfg_where(const xp_cfg *node);
const char *cfg_file(const xp_cfg *node);
int cfg_line(const xp_cfg *node);
int cfg_col(const xp_cfg *node);
const char *cfg_keypath(const xp_cfg *node);

/* Typed reads of map[key]. required=0: absent leaves *out untouched. Return XP_OK or
 * XP_ECONFIG with err = "file:line:col: key.path: expected an integer, got 'abc'". */
int cfg_read_str(const xp_cfg *map, const char *key, int required, const char **out, char *err, size_t n);
int cfg_read_int(const xp_cfg *map, const char *key, int required, int64_t *out, char *err, size_t n);
/* Like cfg_read_str, but an explicit `null` sets *out = NULL ("none") instead of failing. */
int cfg_read_str_or_null(const xp_cfg *map, const char *key, const char **out, char *err, size_t n);
int cfg_read_num(const xp_cfg *map, const char *key, int required, double *out, char *err, size_t n);
int cfg_read_bool(const xp_cfg *map, const char *key, int required, int *out, char *err, size_t n);
/* map[key] as one of names[0 .. n_names-1] (a string compared exactly); *out = its index.
 * err: "file:line:col: key.path: expected one of a, b, c, got 'x'". XP_EINVAL without names. */
int cfg_read_choice(const xp_cfg *map, const char *key, const char *const *names, int n_names,
                    int required, int *out, char *err, size_t n);

/* Calls fn for every map key under node that has not been read (depth first, file order).
 * Returns how many there were. */
size_t cfg_unused(const xp_cfg *node, void (*fn)(const xp_cfg *key_node, void *user), void *user);

#endif
