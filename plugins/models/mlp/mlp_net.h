/* mlp_net.h — the C API of the mlp model's network (mlp_net.cc, libtorch 1.13, CPU): late
 * fusion of tabular inputs, pretrained vectors, a token tower and an image tower into an MLP
 * head, trained with AdamW one batch per call. The mlp plugin (mlp.c) does everything else
 * (preprocessing, batching order, schedules, early stopping, the model file).
 *
 *     mlp_err e;
 *     mlp_net *net;
 *     if (mlp_net_new(&spec, seed, &net, &e)) return xp_fail(ctx, e.code, "%s", e.msg);
 *     mlp_data *d;
 *     mlp_data_new(net, &desc, &d, &e);                    // copies the inputs
 *     mlp_net_optimizer(net, 1e-4, &e);                     // AdamW, weight decay 1e-4
 *     mlp_net_train_batch(net, d, rows, n, lr, &loss, &e);  // one step on rows[0..n)
 *     mlp_net_predict(net, d, rows, n, 1024, out, &e);      // eval mode, out[i] for rows[i]
 *     mlp_data_free(d); mlp_net_free(net);
 *
 * Rules (those of the torch shim): opaque handles with create/free pairs, *_free(NULL) is a
 * no-op; every fallible call returns XP_OK or a negative XP_E* code (xp/error.h) and puts its
 * message into the caller's mlp_err (may be NULL) — no global last error; every extern "C"
 * function catches every C++ exception (c10::Error -> XP_EMODEL, std::bad_alloc -> XP_ENOMEM,
 * anything else -> XP_EINTERNAL). Inputs are borrowed for the call and copied when kept.
 *
 * Determinism: all randomness (initial weights, dropout) comes from a generator owned by the
 * net, seeded by mlp_net_new's seed; nothing touches libtorch's global generator. With the same
 * seed, data, call sequence and intra-op thread count, results are bit-identical.
 */
#ifndef XP_MLP_NET_H
#define XP_MLP_NET_H

#include <stddef.h>
#include <stdint.h>

#include "xp/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlp_err {
    int code;
    char msg[512];
} mlp_err;

enum { MLP_ACT_GELU = 0, MLP_ACT_RELU = 1 };
enum { MLP_TEXT_BAG = 0, MLP_TEXT_GRU = 1, MLP_TEXT_BAG_SUM = 2 };
/* Training-time image augmentation: none; a random left-right mirror; a random element of
 * the square's symmetry group (mirror, then 0/90/180/270 degree rotation: 8 poses). */
enum { MLP_AUG_NONE = 0, MLP_AUG_FLIP = 1, MLP_AUG_DIHEDRAL = 2 };

#define MLP_MAX_HIDDEN 8
#define MLP_MAX_CONV 6

/* The architecture. Arrays are borrowed for the call. */
typedef struct mlp_spec {
    int64_t n_num;                /* dense inputs (standardised numbers and missing indicators) */
    int64_t n_cat;                /* categorical inputs: */
    const int64_t *cat_card;      /*   rows of each embedding table (levels + 1 for missing) */
    const int64_t *cat_width;     /*   its width */
    int64_t n_vec;                /* pretrained vector inputs: */
    const int64_t *vec_dim;       /*   width of each; each gets Linear(dim, proj_dim) + act */
    int64_t proj_dim;             /* width of each modality's projection */
    /* token tower (text_vocab 0 = none): ids 0 = padding, 1 = unknown, < text_vocab */
    int64_t text_vocab;
    int64_t text_len;             /* ids per text */
    int64_t text_dim;             /* embedding width */
    int text_kind;                /* MLP_TEXT_BAG (masked mean), MLP_TEXT_BAG_SUM (sum: additive
                                   * word effects keep their size whatever the text's length) or
                                   * MLP_TEXT_GRU (last state) */
    int64_t text_hidden;          /* GRU state width */
    int text_norm;                /* 1: LayerNorm over the pooled text vector before its
                                   * projection (keeps summed GloVe vectors on one scale) */
    const float *text_init;       /* text_vocab x text_dim initial embedding, or NULL (random) */
    /* image tower (image_size 0 = none): 3 x size x size floats in [0,1], CHW */
    int64_t image_size;
    int64_t n_conv;               /* conv blocks (3x3, stride 2, act), then global mean pool */
    int64_t conv[MLP_MAX_CONV];   /* their channels */
    int image_norm;               /* 1: BatchNorm after each conv (bias-free convs); its running
                                   * statistics are saved with the weights */
    int image_augment;            /* MLP_AUG_*: in training mode each distinct picture of a
                                   * batch is shown in a random pose (the net's generator) */
    double image_words;           /* > 0 (needs the token tower too): in training, an extra
                                   * head on the image tower's pooled features predicts which
                                   * vocabulary words the row's text holds (binary cross-
                                   * entropy, summed over the vocabulary, mean over rows with
                                   * a picture and a word), added to the loss with this weight.
                                   * The head is training-only: not in the parameters. */
    /* head */
    int64_t n_hidden;
    int64_t hidden[MLP_MAX_HIDDEN];
    double dropout;
    int act;                      /* MLP_ACT_* */
    int wide;                     /* 1: a linear path from the head's input (the dense inputs,
                                   * embeddings and projections, concatenated) straight to the
                                   * output, added to the head's: additive effects need not be
                                   * learnt through the hidden layers' dropout ("wide & deep") */
    float out_bias;               /* initial output bias (the standardised target mean: 0) */
} mlp_spec;

/* One frame's inputs, in the layout of the spec. Vector, token and image inputs are tables of
 * distinct values with one index per row (-1 = missing: zeros / all padding). */
typedef struct mlp_data_desc {
    int64_t n_rows;
    const float *num;                 /* n_rows x n_num */
    const int64_t *cat;               /* n_rows x n_cat, each in [0, cat_card) */
    const float *const *vec_table;    /* n_vec tables of vec_count[j] x vec_dim[j] */
    const int64_t *vec_count;
    const int32_t *const *vec_row;    /* n_vec arrays of n_rows */
    const int64_t *text_table;        /* text_count x text_len ids */
    int64_t text_count;
    const int32_t *text_row;
    const float *image_table;         /* image_count x 3*size*size */
    int64_t image_count;
    const int32_t *image_row;
    const float *y;                   /* n_rows targets (NULL: predict only) */
    const float *w;                   /* n_rows weights (NULL: all 1) */
} mlp_data_desc;

typedef struct mlp_net mlp_net;
typedef struct mlp_data mlp_data;

int mlp_net_new(const mlp_spec *spec, uint64_t seed, mlp_net **out, mlp_err *e);
void mlp_net_free(mlp_net *net);

/* Copies desc into tensors checked against the net's spec (sizes, index ranges). */
int mlp_data_new(const mlp_net *net, const mlp_data_desc *desc, mlp_data **out, mlp_err *e);
void mlp_data_free(mlp_data *d);

/* (Re)creates the AdamW optimizer: weight decay on weight matrices and kernels only (not on
 * biases or embedding tables). */
int mlp_net_optimizer(mlp_net *net, double weight_decay, mlp_err *e);

/* One AdamW step at learning rate lr on rows[0..n) of d (training mode: dropout on), loss =
 * sum(w (pred - y)^2) / sum(w). *loss gets the batch loss. Each distinct image / text of the
 * batch goes through its tower once. grad_clip > 0 clips the global gradient norm. */
int mlp_net_train_batch(mlp_net *net, const mlp_data *d, const int64_t *rows, size_t n, double lr,
                        double grad_clip, double *loss, mlp_err *e);

/* Predictions for rows[0..n) of d in eval mode (no dropout), `batch` rows at a time;
 * out[i] belongs to rows[i]. */
int mlp_net_predict(mlp_net *net, const mlp_data *d, const int64_t *rows, size_t n, size_t batch,
                    float *out, mlp_err *e);

/* Keeps a copy of the current weights / puts the kept copy back (early stopping). */
int mlp_net_snapshot(mlp_net *net, mlp_err *e);
int mlp_net_restore(mlp_net *net, mlp_err *e);

/* All trainable values in a fixed order (the spec decides it): count, read, write. */
size_t mlp_net_param_count(const mlp_net *net);
int mlp_net_get_params(const mlp_net *net, float *buf, size_t n, mlp_err *e);
int mlp_net_set_params(mlp_net *net, const float *buf, size_t n, mlp_err *e);

#ifdef __cplusplus
}
#endif

#endif
