/* xp/frame.h — the columnar table every plugin reads and writes.
 *
 * A frame is n_rows rows by n_cols columns. Each column has one storage type and one role:
 *   XP_COL_NUMERIC      num[]   double, NAN = missing
 *   XP_COL_BOOL         num[]   0.0 / 1.0, NAN = missing
 *   XP_COL_CATEGORICAL  codes[] int32 index into levels[], -1 = missing
 *   XP_COL_TEXT         text[]  NUL-terminated UTF-8, NULL = missing
 *   XP_COL_VECTOR       vec_row[] int32 index into vectors (a shared table of `dim` floats per
 *                       distinct input: an embedding), -1 = missing. Row i's vector is
 *                       vectors->data + (size_t)vec_row[i] * dim. 40k rows that show 6k
 *                       distinct images cost 6k vectors, and slices share the table.
 * Roles tell models what a column is for: features are inputs, exactly one column may be
 * the target, one the sample weight, one the group key (for grouped folds), one the row id.
 *
 * Plugins read the structs directly. They create, extend and slice frames only through the
 * host's frame functions (host.h: frame_new, frame_add, frame_take, ...), so every frame is
 * allocated and freed by the same code. A frame owns its columns and their storage.
 *
 * row_id[i] is the 0-based data-row number of row i in the file it was read from, so any
 * slice can be traced back to the input (prediction files are written in that order).
 */
#ifndef XP_FRAME_H
#define XP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    XP_COL_NUMERIC = 1,
    XP_COL_BOOL = 2,
    XP_COL_CATEGORICAL = 3,
    XP_COL_TEXT = 4,
    XP_COL_VECTOR = 5
} xp_col_type;

/* The vectors of a VECTOR column: count × dim float32, row-major. Created and filled through
 * the host (col_vectors), then read-only: frame slices share it and the host frees it with
 * the last column that refers to it (refs is the host's reference count; do not touch). */
typedef struct xp_vectors {
    size_t dim;
    size_t count;
    float *data;
    long refs;
} xp_vectors;

typedef enum {
    XP_ROLE_FEATURE = 0,
    XP_ROLE_TARGET = 1,
    XP_ROLE_WEIGHT = 2,
    XP_ROLE_GROUP = 3,
    XP_ROLE_ID = 4,
    XP_ROLE_IGNORE = 5   /* kept in the frame (e.g. description for grouping) but not a model input */
} xp_role;

typedef struct xp_column {
    char *name;
    xp_col_type type;
    xp_role role;
    double *num;        /* NUMERIC, BOOL */
    int32_t *codes;     /* CATEGORICAL */
    char **levels;      /* CATEGORICAL: level strings, owned */
    size_t n_levels;
    size_t cap_levels;
    char **text;        /* TEXT: owned strings */
    /* Fields below were added after the first release; xp_column is always allocated by the
     * host, so a plugin built against these headers may read them. */
    int32_t *vec_row;   /* VECTOR: index into vectors->data per row, -1 = missing */
    xp_vectors *vectors;/* VECTOR: shared table, NULL until col_vectors() */
    size_t dim;         /* VECTOR: floats per vector (0 until col_vectors()) */
} xp_column;

typedef struct xp_frame {
    size_t n_rows;
    size_t n_cols;
    size_t cap_cols;
    xp_column **cols;
    int64_t *row_id;    /* n_rows entries */
} xp_frame;

static inline const char *xp_col_type_name(xp_col_type t)
{
    switch (t) {
    case XP_COL_NUMERIC: return "numeric";
    case XP_COL_BOOL: return "bool";
    case XP_COL_CATEGORICAL: return "categorical";
    case XP_COL_TEXT: return "text";
    case XP_COL_VECTOR: return "vector";
    }
    return "?";
}

static inline const char *xp_role_name(xp_role r)
{
    switch (r) {
    case XP_ROLE_FEATURE: return "feature";
    case XP_ROLE_TARGET: return "target";
    case XP_ROLE_WEIGHT: return "weight";
    case XP_ROLE_GROUP: return "group";
    case XP_ROLE_ID: return "id";
    case XP_ROLE_IGNORE: return "ignore";
    }
    return "?";
}

#ifdef __cplusplus
}
#endif

#endif
