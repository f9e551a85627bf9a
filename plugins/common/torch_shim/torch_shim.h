/* torch_shim.h — a small C API over Debian's libtorch (1.13, CPU) for the torch-backed plugins.
 *
 *     #include "torch_shim.h"
 *
 *     xpt_err e;
 *     xpt_net *net;
 *     xpt_set_threads(host->threads(ctx), &e);
 *     if (xpt_net_load("weights/mobilenet_v2_mid.xpw", &net, &e))
 *         return xp_fail(ctx, e.code, "%s", e.msg);
 *     float *feat = malloc(n * xpt_net_out_dim(net) * sizeof *feat);
 *     if (xpt_net_forward(net, images_nhwc, n, 224, 224, feat, &e)) ...
 *     xpt_net_free(net);
 *
 * Rules of the API (the XGBoost C API pattern, without its global last-error):
 * - Opaque handles (xpt_tensor, xpt_net) with strict create/free pairs; *_free(NULL) is a no-op.
 * - Every fallible function returns an int: XP_OK (0) or a negative XP_E* code (xp/error.h):
 *   XP_EINVAL (bad argument), XP_ENOMEM, XP_EIO / XP_EFORMAT (files), XP_EMODEL (libtorch
 *   raised an error), XP_EINTERNAL (any other C++ exception). The message for THAT call goes
 *   into the caller's `xpt_err` (may be NULL): no global or thread-local "last error", so
 *   parallel callers never see each other's messages.
 * - Every extern "C" function catches every C++ exception: nothing is thrown into C.
 * - Inputs are borrowed for the duration of the call and copied when kept. Outputs are
 *   written into caller buffers; sizes are always passed in so nothing is overrun.
 * - Threads: libtorch's intra-op thread count (at::set_num_threads; OpenMP underneath) holds
 *   for the thread that sets it, so set it from host->threads(ctx) in the thread that does
 *   the heavy work: folds trained side by side each run on their own share (tested in
 *   test_torch_shim). A new thread starts from the count last set anywhere.
 *   xpt_net_forward may be called from several threads on the same net (it keeps no
 *   mutable state).
 *
 * Built as a static library (hidden visibility, PIC) linked into each torch plugin, so a
 * plugin .so still exports only xp_plugin_entry; only those plugins link libtorch.
 *
 * Training: a plugin with its own network code may instead compile a C++ file against
 * libtorch directly (meson: dependencies : torch_sys_dep, set in this folder's meson.build;
 * plugins/models/mlp does) and keep this shim for threads, seeding and the BLAS check.
 * Trainable networks added here later follow the same rules: an opaque handle with
 * create / fit (AdamW, schedule, early stopping with an epoch callback) / predict / save /
 * load / free.
 */
#ifndef XP_TORCH_SHIM_H
#define XP_TORCH_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "xp/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The outcome of one call: code (XP_OK or XP_E*) and a message (empty on success). */
typedef struct xpt_err {
    int code;
    char msg[512];
} xpt_err;

/* "libtorch 1.13.1" (static string). */
const char *xpt_version(void);

/* Intra-op threads for libtorch (at::set_num_threads; n >= 1), for the calling thread. */
int xpt_set_threads(int n, xpt_err *e);
int xpt_get_threads(void);

/* Seeds libtorch's default generator (weight init, dropout, randperm). Process-wide. */
int xpt_seed(uint64_t seed, xpt_err *e);

/* Which BLAS library this process has mapped (from /proc/self/maps), e.g.
 * "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", or "" when none is mapped yet.
 * Debian's reference BLAS is ~8x slower than OpenBLAS for linear layers. */
void xpt_blas_library(char *buf, size_t cap);

/* ------------------------------------------------------------------ tensors (float32, CPU) */

typedef struct xpt_tensor xpt_tensor;

/* A new tensor of `shape` (ndim 1..8) holding a copy of data (prod(shape) floats). */
int xpt_tensor_from(const float *data, const int64_t *shape, int ndim, xpt_tensor **out, xpt_err *e);
int xpt_tensor_ndim(const xpt_tensor *t);
/* Writes min(ndim, cap) sizes into shape; returns ndim (or -1 for NULL). */
int xpt_tensor_shape(const xpt_tensor *t, int64_t *shape, int cap);
size_t xpt_tensor_numel(const xpt_tensor *t);
/* Copies the values (row-major) into buf, which holds n floats; n must be >= numel. */
int xpt_tensor_read(const xpt_tensor *t, float *buf, size_t n, xpt_err *e);
/* *out = a @ b (torch::matmul rules). Mismatched shapes: XP_EMODEL with libtorch's message. */
int xpt_tensor_matmul(const xpt_tensor *a, const xpt_tensor *b, xpt_tensor **out, xpt_err *e);
void xpt_tensor_free(xpt_tensor *t);

/* ------------------------------------------------------------------ converted networks */

/* A frozen feed-forward image network read from an ".xpw" file (xpw_format.h; written by
 * tools/weights/mobilenet_convert). Inference only (no autograd). */
typedef struct xpt_net xpt_net;

/* Reads and checks the whole file; XP_EIO (cannot read) or XP_EFORMAT (what is wrong). */
int xpt_net_load(const char *path, xpt_net **out, xpt_err *e);
/* The input size the graph was made for (e.g. 224 x 224 x 3) and the output width (1792). */
void xpt_net_input(const xpt_net *net, int *h, int *w, int *c);
size_t xpt_net_out_dim(const xpt_net *net);
/* Free text saying where the weights came from (borrowed, lives as long as net). */
const char *xpt_net_source(const xpt_net *net);
/* Runs n images, NHWC float32 (n x h x w x c, c = the graph's channels, values as the
 * graph expects: [0,1] for mobilenet), writing n x out_dim floats to out. */
int xpt_net_forward(const xpt_net *net, const float *nhwc, size_t n, int h, int w, float *out,
                    xpt_err *e);
/* xpt_net_forward with the n images split over `workers` threads (contiguous shares), each
 * running one image at a time on ONE libtorch thread. On a shared or busy machine this beats
 * intra-op threads (their OpenMP barriers spin while other processes hold the cores) and a
 * single image per pass is the cheapest here (activations stay in cache). workers <= 1 or
 * n == 1: the calling thread does the work with the current intra-op thread count.
 * The first failing image's error is returned. */
int xpt_net_forward_parallel(const xpt_net *net, const float *nhwc, size_t n, int h, int w, float *out,
                             int workers, xpt_err *e);
void xpt_net_free(xpt_net *net);

#ifdef __cplusplus
}
#endif

#endif
