/* core/columns.h — every column a config names, checked against the data file's header
 * before anything is fitted; all missing ones reported in one message.
 *
 *     if ((rc = columns_check(x, "data/my.csv", err, sizeof err))) return rc;   // data.c
 *
 * The core's own keys (data.target, data.source, data.drop, data.types, data.roles,
 * validation.group) are read here; stages say what their options name and add through the
 * host's column_ref / column_add while columns_check creates them once (see xp/host.h).
 */
#ifndef XP_CORE_COLUMNS_H
#define XP_CORE_COLUMNS_H

#include <stddef.h>

#include "xp/xp.h"

typedef struct colcheck_entry {
    char *who;                   /* stage ("pipeline[2] impute") or "data" */
    char *where;                 /* file:line:col (key.path) of the naming node */
    char *name;
    int added;                   /* 1: a column the stage adds; 0: one it names */
} colcheck_entry;

typedef struct colcheck {
    colcheck_entry *v;
    size_t n, cap;
    int oom;                     /* a note was lost: the check is skipped, not wrong */
} colcheck;

/* Appends one note (host.c's column_ref / column_add). node may be NULL (a default). */
void colcheck_note(colcheck *cc, const char *who, const xp_cfg *node, const char *name, int added);
void colcheck_free(colcheck *cc);

struct experiment;
/* x->target, x->source_col and x->group_col must be read already (data_setup). */
int columns_check(struct experiment *x, const char *path, char *err, size_t n);

#endif
