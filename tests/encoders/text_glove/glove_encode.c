/* glove_encode.c — runs `text_glove` through the real host on texts read from stdin (one per
 * line, an empty line = missing) and writes each row's vector as float32 (NaN when the row
 * has none) to OUT, for the signal check (bench_ridge.py) and timings. fit + apply on all
 * the rows (the weighting is fitted on them: for timing and a quick check only).
 *
 *     ./glove_encode text_glove.so "column: description\nweighting: sif" OUT.f32 < texts.txt
 * Prints create (mmap), fit and apply times and the record on stderr.
 */
#include <time.h>

#include "check.h"
#include "enc_harness.h"

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
    if (argc != 4) {
        fprintf(stderr, "usage: %s text_glove.so YAML OUT.f32 < texts\n", argv[0]);
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
    xp_frame *f = frame_new(n);
    xp_column *c = fr_col(f, "description", XP_COL_TEXT, XP_ROLE_IGNORE);
    for (size_t i = 0; i < n; i++) col_set_text(c, i, lines[i]);
    txh h;
    if (enc_open(&h, argv[1], "text_glove")) return 1;
    h.env.verbosity = XP_LOG_INFO;
    double t0 = now(), c0 = cpu();
    int rc = txh_create(&h, argv[2]);
    double t1 = now(), c1 = cpu();
    if (rc == XP_OK) rc = txh_fit(&h, f);
    double t2 = now(), c2 = cpu();
    if (rc == XP_OK) rc = txh_apply(&h, f);
    double t3 = now(), c3 = cpu();
    if (rc != XP_OK) {
        fprintf(stderr, "text_glove: %s\n", h.call.msg);
        return 1;
    }
    const xp_column *e = frame_find(f, "description_glove");
    FILE *o = fopen(argv[3], "wb");
    float *nanv = malloc(e->dim * sizeof *nanv);
    for (size_t j = 0; j < e->dim; j++) nanv[j] = NAN;
    for (size_t i = 0; i < n; i++) {
        const float *v = enc_vec(e, i);
        fwrite(v ? v : nanv, sizeof(float), e->dim, o);
    }
    fclose(o);
    char *rec = txh_record(&h, "text_glove");
    fprintf(stderr, "rows %zu, vectors %zu: create %.1f ms, fit %.1f ms, apply %.1f ms (wall); "
            "%.1f / %.1f / %.1f ms CPU\nrecord %s\n", n, e->vectors ? e->vectors->count : 0,
            1e3 * (t1 - t0), 1e3 * (t2 - t1), 1e3 * (t3 - t2), 1e3 * (c1 - c0), 1e3 * (c2 - c1),
            1e3 * (c3 - c2), rec ? rec : "-");
    free(rec);
    free(nanv);
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    frame_free(f);
    txh_close(&h);
    return 0;
}
