/* test_torch_shim.c — the libtorch shim's C API (plugins/common/torch_shim/torch_shim.h),
 * called from C as the plugins do.
 *
 * - threads and seed; the thread count is per calling thread (two threads set 1 and 2 and
 *   each reads back its own, which lets the runner train folds side by side); the BLAS
 *   library the process mapped is reported;
 * - tensors round-trip through plain float buffers; matmul computes;
 * - libtorch's exceptions come back as codes with a message and never reach C: matmul of
 *   mismatched shapes -> XP_EMODEL with libtorch's text, on the caller's xpt_err only;
 * - bad arguments -> XP_EINVAL; a missing file -> XP_EIO; a corrupt .xpw -> XP_EFORMAT
 *   (with the fix), a truncated one too; NULL handles are accepted by every *_free.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "torch_shim.h"

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n) {
        perror(path);
        exit(2);
    }
    fclose(f);
}

/* Each side sets its count, waits until the other has set its own, then reads its count. */
static pthread_barrier_t threads_set;

static void *one_thread_side(void *arg)
{
    int *seen = arg;
    int rc = xpt_set_threads(1, NULL);
    pthread_barrier_wait(&threads_set);
    *seen = rc ? -1 : xpt_get_threads();
    return NULL;
}

static void test_threads_per_caller(void)
{
    int seen = 0;
    pthread_t t;
    CHECK_EQ_INT(pthread_barrier_init(&threads_set, NULL, 2), 0);
    CHECK_EQ_INT(pthread_create(&t, NULL, one_thread_side, &seen), 0);
    CHECK_EQ_INT(xpt_set_threads(2, NULL), XP_OK);
    pthread_barrier_wait(&threads_set);
    CHECK_EQ_INT(xpt_get_threads(), 2);
    pthread_join(t, NULL);
    CHECK_EQ_INT(seen, 1);
    pthread_barrier_destroy(&threads_set);
}

int main(void)
{
    xpt_err e;
    printf("%s\n", xpt_version());
    CHECK_CONTAINS(xpt_version(), "libtorch 1.");
    CHECK_EQ_INT(xpt_set_threads(2, &e), XP_OK);
    CHECK_EQ_INT(xpt_get_threads(), 2);
    CHECK_EQ_INT(xpt_set_threads(0, &e), XP_EINVAL);
    CHECK_CONTAINS(e.msg, "threads");
    CHECK_EQ_INT(xpt_set_threads(1, NULL), XP_OK);   /* a NULL xpt_err is allowed */
    test_threads_per_caller();
    CHECK_EQ_INT(xpt_seed(42, &e), XP_OK);
    CHECK_EQ_INT(e.code, XP_OK);
    CHECK_STR(e.msg, "");

    /* Tensors. */
    const float a_data[6] = { 1, 2, 3, 4, 5, 6 }, b_data[6] = { 1, 0, 0, 1, 1, 1 };
    const int64_t a_shape[2] = { 2, 3 }, b_shape[2] = { 3, 2 };
    xpt_tensor *a = NULL, *b = NULL, *c = NULL;
    CHECK_EQ_INT(xpt_tensor_from(a_data, a_shape, 2, &a, &e), XP_OK);
    CHECK_EQ_INT(xpt_tensor_from(b_data, b_shape, 2, &b, &e), XP_OK);
    CHECK_EQ_INT(xpt_tensor_ndim(a), 2);
    int64_t sh[4] = { 0 };
    CHECK_EQ_INT(xpt_tensor_shape(b, sh, 4), 2);
    CHECK_EQ_INT(sh[0], 3);
    CHECK_EQ_INT(sh[1], 2);
    CHECK_EQ_INT(xpt_tensor_numel(a), 6);
    CHECK_EQ_INT(xpt_tensor_matmul(a, b, &c, &e), XP_OK);
    float out[4] = { 0 };
    CHECK_EQ_INT(xpt_tensor_read(c, out, 4, &e), XP_OK);
    CHECK_NEAR(out[0], 4, 0);   /* [1 2 3] . [1 0 1] */
    CHECK_NEAR(out[1], 5, 0);   /* [1 2 3] . [0 1 1] */
    CHECK_NEAR(out[2], 10, 0);
    CHECK_NEAR(out[3], 11, 0);
    CHECK_EQ_INT(xpt_tensor_read(c, out, 3, &e), XP_EINVAL);   /* buffer too small */
    CHECK_CONTAINS(e.msg, "3 floats");
    xpt_tensor_free(c);
    c = NULL;

    /* The exception path: libtorch throws c10::Error; the shim returns a code and a message. */
    xpt_err e2 = { 0, "untouched" };
    CHECK_EQ_INT(xpt_tensor_matmul(a, a, &c, &e), XP_EMODEL);
    CHECK(c == NULL);
    CHECK_EQ_INT(e.code, XP_EMODEL);
    CHECK_CONTAINS(e.msg, "libtorch: ");
    CHECK(strchr(e.msg, '\n') == NULL);   /* first line only, no backtrace */
    printf("mismatched matmul -> %d: %s\n", e.code, e.msg);
    CHECK_STR(e2.msg, "untouched");       /* another caller's xpt_err is not touched */
    CHECK_EQ_INT(xpt_tensor_matmul(a, a, &c, NULL), XP_EMODEL);   /* and without an xpt_err */
    /* ... and the shim still works afterwards. */
    CHECK_EQ_INT(xpt_tensor_matmul(a, b, &c, &e), XP_OK);
    xpt_tensor_free(c);

    /* Bad arguments. */
    CHECK_EQ_INT(xpt_tensor_from(a_data, a_shape, 0, &c, &e), XP_EINVAL);
    const int64_t neg[1] = { -3 };
    CHECK_EQ_INT(xpt_tensor_from(a_data, neg, 1, &c, &e), XP_EINVAL);
    CHECK_EQ_INT(xpt_tensor_from(NULL, a_shape, 2, &c, &e), XP_EINVAL);
    CHECK_EQ_INT(xpt_tensor_matmul(NULL, b, &c, &e), XP_EINVAL);
    CHECK_EQ_INT(xpt_tensor_ndim(NULL), -1);
    xpt_tensor_free(a);
    xpt_tensor_free(b);
    xpt_tensor_free(NULL);

    /* Networks: missing, corrupt and truncated files. */
    xpt_net *net = (xpt_net *)&e;   /* must be reset to NULL on failure */
    CHECK_EQ_INT(xpt_net_load("/nonexistent/x.xpw", &net, &e), XP_EIO);
    CHECK(net == NULL);
    CHECK_CONTAINS(e.msg, "/nonexistent/x.xpw");
    char path[64];
    snprintf(path, sizeof path, "/tmp/xp_shim_test_%ld.xpw", (long)getpid());
    write_file(path, "NOTANET!garbage garbage garbage garbage", 39);
    CHECK_EQ_INT(xpt_net_load(path, &net, &e), XP_EFORMAT);
    CHECK_CONTAINS(e.msg, "make weights");
    /* A valid header announcing one conv op whose tensors are cut off. */
    unsigned char buf[128] = "XPWNET1";
    unsigned u[] = { 1, 224, 224, 3, 1792, 1, 0, /* op: */ 4, 0, (unsigned)-1, 2, 0, 2, 1, 0, 2, 4, 1792 };
    memcpy(buf + 8, u, sizeof u);
    write_file(path, buf, 8 + sizeof u);
    CHECK_EQ_INT(xpt_net_load(path, &net, &e), XP_EFORMAT);
    CHECK_CONTAINS(e.msg, "ends early");
    unlink(path);
    CHECK_EQ_INT(xpt_net_out_dim(NULL), 0);
    xpt_net_free(NULL);
    CHECK_EQ_INT(xpt_net_forward(NULL, NULL, 0, 224, 224, NULL, &e), XP_EINVAL);

    char blas[512];
    xpt_blas_library(blas, sizeof blas);
    printf("BLAS mapped: %s\n", blas[0] ? blas : "(none)");
    return check_done();
}
