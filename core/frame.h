/* core/frame.h — the runner's implementation of the xp_frame functions that host.h exposes
 * to plugins (frame_new, frame_add, ...). Tests and tools link frame.c directly. */
#ifndef XP_CORE_FRAME_H
#define XP_CORE_FRAME_H

#include "xp/frame.h"

xp_frame *frame_new(size_t n_rows);
void frame_free(xp_frame *f);
xp_column *frame_add(xp_frame *f, const char *name, xp_col_type type, xp_role role);
xp_column *frame_find(const xp_frame *f, const char *name);
int frame_index(const xp_frame *f, const char *name);
void frame_drop(xp_frame *f, size_t col_index);
int32_t col_level(xp_column *c, const char *level);
xp_frame *frame_take(const xp_frame *f, const size_t *rows, size_t n);
xp_frame *frame_copy(const xp_frame *f);
int col_set_text(xp_column *c, size_t row, const char *s);
/* A new zeroed table of count × dim floats for a VECTOR column (host.h col_vectors). */
float *col_vectors(xp_column *c, size_t dim, size_t count);
/* Column with the given role, or NULL (first one if several). */
xp_column *frame_role(const xp_frame *f, xp_role role);
/* Value of row i as a double: numeric/bool value, categorical code (NaN if missing). */
double col_value(const xp_column *c, size_t i);

#endif
