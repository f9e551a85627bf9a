/* mlp.h — internals of the mlp model plugin shared by its C files:
 *   mlp.c    the xp_model_ops (create / fit / predict / save / load), config reading, training loop
 *   prep.c   the preprocessing learned on the training rows (the input schema and its statistics)
 *            and the conversion of a frame into the network's data (mlp_data)
 *   file.c   the model file: preprocessing + architecture + weights in one binary file
 * The network itself is C++ behind mlp_net.h.
 */
#ifndef XP_MLP_H
#define XP_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "mlp_net.h"
#include "xp/xp.h"

enum { SCHED_COSINE = 0, SCHED_ONECYCLE = 1, SCHED_CONSTANT = 2 };
enum { GROUP_AUTO = -1, GROUP_OFF = 0, GROUP_ON = 1 };

typedef struct mlp_config {
    int64_t epochs, batch_size, patience, proj_dim, threads, cat_width, eval_batch;
    int64_t group_rows;          /* grouped batches: rows of one group per run (0 = all) */
    double lr, weight_decay, dropout, warmup, grad_clip, input_clip;
    int64_t hidden[MLP_MAX_HIDDEN];
    int64_t n_hidden;
    int act;                     /* MLP_ACT_* */
    int wide;                    /* wide: a linear path from the head's input to the output */
    int schedule;                /* SCHED_* */
    int group;                   /* GROUP_*: batches of rows that share an image (or text) */
    int has_seed;
    uint64_t seed;
    int malloc_tuning;           /* fixed glibc malloc thresholds (mlp.c tune_malloc) */
    /* text tower (text_column NULL = none) */
    char *text_column;
    char *glove;                 /* resolved path of the word vectors, NULL = random init */
    int text_kind;               /* MLP_TEXT_* */
    int64_t text_dim, text_hidden;
    int text_norm;               /* text_tower.norm: layer (1) | none (0) */
    /* image tower (image_column NULL = none) */
    char *image_column;
    int64_t image_size;          /* 0 = from the column's width */
    int64_t conv[MLP_MAX_CONV];
    int64_t n_conv;
    int image_norm;              /* image_tower.norm: batch (1) | none (0) */
    int image_augment;           /* image_tower.augment: MLP_AUG_* (training only, not saved) */
    double image_words;          /* image_tower.words: auxiliary loss weight (training only) */
} mlp_config;

enum { IN_NUM = 1, IN_CAT = 2, IN_VEC = 3, IN_TEXT = 4, IN_IMAGE = 5 };

/* One model input: a FEATURE column of the training frame and what fit learned about it. */
typedef struct mlp_input {
    char *name;
    int kind;                    /* IN_* */
    int col_type;                /* xp_col_type it had in training */
    int indicator;               /* it had missing values in training: one more dense input */
    double mean, sd;             /* IN_NUM */
    char **levels;               /* IN_CAT levels; IN_TEXT vocabulary (id k <-> levels[k]) */
    size_t n_levels;
    int64_t width;               /* IN_CAT embedding width */
    size_t dim;                  /* IN_VEC / IN_TEXT / IN_IMAGE floats per vector */
    float *vmean, *vsd;          /* IN_VEC per-dimension statistics */
} mlp_input;

typedef struct mlp_schema {
    mlp_input *in;
    size_t n;
    size_t n_dense, n_cat, n_vec;
    int text, image;             /* index in `in`, -1 = none */
    double y_mean, y_sd;         /* the target is standardised inside the model */
} mlp_schema;

typedef struct mlp_model {
    mlp_config cfg;
    mlp_schema sc;
    mlp_net *net;
    int64_t best_epoch;          /* -1 unknown (no validation) */
    int64_t epochs_run;
    double best_loss;
} mlp_model;

/* prep.c */
void mlp_schema_free(mlp_schema *s);
/* Learns the schema and statistics from train's FEATURE columns (weighted by `w`, n_rows). */
int mlp_schema_fit(xp_ctx *ctx, const mlp_config *cfg, const xp_frame *train, const double *w,
                   mlp_schema *s);
/* Target and weights of f: y (finite) and w (finite, >= 0; 1 without a WEIGHT column).
 * need_target = 0: y may be NULL / absent. Allocates *y and *w (free both). */
int mlp_target_weights(xp_ctx *ctx, const xp_frame *f, int need_target, double **y, double **w,
                       const char *which);
/* Builds the network's data for f (targets standardised when y != NULL). *order receives the
 * grouped row order (rows sharing an image / text next to each other), *groups the group
 * start offsets into it (n_groups + 1 entries); both may be NULL. */
int mlp_data_build(xp_ctx *ctx, const mlp_model *m, const xp_frame *f, const double *y,
                   const double *w, mlp_data **out, int64_t **order, size_t **groups,
                   size_t *n_groups);
/* The architecture for this schema and config; arrays point into `buf` (3 * n_in int64). */
void mlp_make_spec(const mlp_model *m, mlp_spec *spec, int64_t *buf);
char *mlp_strdup(const char *s);

/* file.c */
int mlp_file_save(xp_ctx *ctx, const mlp_model *m, const char *path);
/* Reads the file into m (its cfg already read from the config: the file's architecture
 * replaces those keys) and creates m->net with the saved weights. */
int mlp_file_load(xp_ctx *ctx, mlp_model *m, const char *path);

#endif
