/* mnv2_encode.c — runs `image_mobilenet` through the real host on descriptions read from
 * stdin (one per line, an empty line = missing), for timings and the signal check: fit +
 * apply on all rows (postprocess fitted on them), then writes each row's vector as float32
 * (NaN when the row has none) to OUT (optional).
 *
 *     ./mnv2_encode image_mobilenet.so "images: /tmp/demo/spacecraft_images" [OUT.f32]
 *                   < descriptions.txt
 * Environment: XP_THREADS (default 2) threads; XP_CACHE_DIR: keep the embedding cache on disk
 * there (a second run then encodes nothing). Prints the times, the BLAS library mapped and
 * the plugin's record on stderr.
 */
#include <time.h>

#include "check.h"
#include "embcache.h"
#include "encoders/text_glove/enc_harness.h"

#include "../../../plugins/common/torch_shim/torch_shim.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s image_mobilenet.so YAML [OUT.f32] < descriptions\n", argv[0]);
        return 2;
    }
    size_t cap = 1024, n = 0;
    char **lines = malloc(cap * sizeof *lines);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, stdin)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[n++] = len ? strdup(line) : NULL;
    }
    free(line);
    const char *cdir = getenv("XP_CACHE_DIR");
    if (cdir && *cdir) embcache_set_dir(cdir);
    xp_frame *f = frame_new(n);
    xp_column *c = fr_col(f, "description", XP_COL_TEXT, XP_ROLE_IGNORE);
    for (size_t i = 0; i < n; i++) col_set_text(c, i, lines[i]);
    txh h;
    if (enc_open(&h, argv[1], "image_mobilenet")) return 1;
    h.env.verbosity = XP_LOG_INFO;
    const char *th = getenv("XP_THREADS");
    h.env.threads = th && *th ? atoi(th) : 2;
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "%s\n", argv[2]);
    for (char *p = yaml; (p = strstr(p, "\\n")); ) { *p = '\n'; memmove(p + 1, p + 2, strlen(p + 2) + 1); }
    double t0 = now(), c0 = cpu();
    int rc = txh_create(&h, yaml);
    double t1 = now();
    if (rc == XP_OK) rc = txh_fit(&h, f);
    double t2 = now();
    if (rc == XP_OK) rc = txh_apply(&h, f);
    double t3 = now(), c3 = cpu();
    if (rc) {
        fprintf(stderr, "error %d: %s\n", rc, h.call.msg);
        return 1;
    }
    char blas[512];
    xpt_blas_library(blas, sizeof blas);
    fprintf(stderr, "rows %zu: create %.2f s, fit %.2f s, apply %.2f s, total %.2f s wall, %.2f s CPU, "
                    "%d threads\nBLAS mapped: %s\n", n, t1 - t0, t2 - t1, t3 - t2, t3 - t0, c3 - c0,
            h.env.threads, blas[0] ? blas : "(none)");
    char *rec = txh_record(&h, "image_mobilenet");
    fprintf(stderr, "record (apply): %s\n", rec ? rec : "(none)");
    free(rec);
    if (argc == 4) {
        xp_column *v = frame_find(f, "description_mnv2");
        FILE *o = fopen(argv[3], "wb");
        if (!o || !v) return 1;
        static float nanv[1792];
        for (size_t j = 0; j < v->dim && j < 1792; j++) nanv[j] = NAN;
        for (size_t i = 0; i < n; i++) {
            const float *x = enc_vec(v, i);
            fwrite(x ? x : nanv, sizeof(float), v->dim, o);
        }
        fclose(o);
    }
    frame_free(f);
    txh_close(&h);
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    return 0;
}
