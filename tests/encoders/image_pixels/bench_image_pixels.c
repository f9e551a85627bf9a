/* bench_image_pixels.c — image_pixels on a real-sized frame through the real host, for the
 * numbers in the report (not a test). One description per line of DESCS (empty = missing).
 *
 *     bench_image_pixels image_pixels.so IMAGES DESCS [size=64] [threads=2] [cache=0] [instances=1]
 *     /usr/bin/time -v build/tests/encoders/image_pixels/bench_image_pixels \
 *         build/plugins/encoders/image_pixels/image_pixels.so data/spacecraft_images descs.txt
 *
 * Each instance is created afresh (as the runner does per fold) and applied to all rows;
 * the record of each apply is printed.
 */
#include <time.h>

#include "encoders/text_glove/enc_harness.h"

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s image_pixels.so IMAGES DESCS [size] [threads] [cache] [instances]\n", argv[0]);
        return 2;
    }
    int size = argc > 4 ? atoi(argv[4]) : 64, threads = argc > 5 ? atoi(argv[5]) : 2;
    int cache = argc > 6 ? atoi(argv[6]) : 0, inst = argc > 7 ? atoi(argv[7]) : 1;
    FILE *in = fopen(argv[3], "r");
    if (!in) { perror(argv[3]); return 2; }
    size_t cap = 1024, n = 0;
    char **d = malloc(cap * sizeof *d), line[4096];
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = 0;
        if (n == cap) d = realloc(d, (cap *= 2) * sizeof *d);
        d[n++] = line[0] ? strdup(line) : NULL;
    }
    fclose(in);
    txh h;
    if (enc_open(&h, argv[1], "image_pixels")) return 1;
    h.env.threads = threads;
    h.env.verbosity = XP_LOG_WARN;
    char yaml[4200];
    snprintf(yaml, sizeof yaml, "images: %s\nsize: %d\ncache: %s\n", argv[2], size, cache ? "true" : "false");
    for (int k = 0; k < inst; k++) {
        if (txh_create(&h, yaml)) { fprintf(stderr, "create: %s\n", h.call.msg); return 1; }
        xp_frame *f = frame_new(n);
        fr_text(f, "description", (const char *const *)d);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (txh_apply(&h, f)) { fprintf(stderr, "apply: %s\n", h.call.msg); return 1; }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        char *rec = txh_record(&h, "image_pixels");
        printf("instance %d: %.2f s wall: %s\n", k, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9, rec);
        free(rec);
        frame_free(f);
    }
    txh_close(&h);
    for (size_t i = 0; i < n; i++) free(d[i]);
    free(d);
    return 0;
}
