/* tests/models/mlp/bench_mlp.c — times the mlp plugin's fit on challenge-sized synthetic rows
 * (not a test): 27,400 training and 6,850 validation rows of 5,700 items, 60 numeric columns
 * (10% missing), 3 categoricals, a 100-d and a 1,792-d vector per item, 16 token ids per item
 * and 3 x 32 x 32 pixels per item — the shapes of the demo data after step 2's encoders.
 *
 *     bench_mlp build/plugins/models/mlp/mlp.so [THREADS] [EPOCHS] [towers: 0|1] [YAML]
 *
 * YAML (optional) replaces the image tower's settings, e.g. "{column: px, channels: [8, 16]}".
 *
 * Prints the seconds per epoch (training only; the validation pass is timed separately).
 */
#include <stdlib.h>
#include <time.h>

#include "harness.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double epoch_s = 0, best = NAN;
static void on_metric(void *u, const char *name, double v)
{
    (void)u;
    if (!strcmp(name, "epoch_seconds")) epoch_s = v;
    if (!strcmp(name, "best_epoch")) best = v;
}

enum { ITEMS = 5700, NNUM = 60, L = 16, S = 32 };

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: bench_mlp mlp.so [threads] [epochs] [towers]\n"); return 2; }
    int threads = argc > 2 ? atoi(argv[2]) : 2, epochs = argc > 3 ? atoi(argv[3]) : 3;
    int towers = argc > 4 ? atoi(argv[4]) : 1;
    const char *img = argc > 5 ? argv[5] : "{column: px, channels: [16, 32, 64]}";
    harness H;
    if (harness_open(&H, argv[1], "mlp")) return 1;
    H.env.threads = threads;
    size_t n = 34250;
    rng r = { 3 };
    xp_frame *f = frame_new(n);
    xp_column *num[NNUM];
    for (int j = 0; j < NNUM; j++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", j);
        num[j] = add_uniform(f, name, &r, -1, 1);
    }
    xp_column *cats[3];
    int levels[3] = { 20, 30, 12 };
    for (int j = 0; j < 3; j++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", j);
        cats[j] = frame_add(f, name, XP_COL_CATEGORICAL, XP_ROLE_FEATURE);
        for (int k = 0; k < levels[j]; k++) {
            snprintf(name, sizeof name, "l%d", k);
            col_level(cats[j], name);
        }
    }
    xp_column *g = frame_add(f, "glove", XP_COL_VECTOR, XP_ROLE_FEATURE);
    float *gv = col_vectors(g, 100, ITEMS);
    xp_column *mb = frame_add(f, "mnv2", XP_COL_VECTOR, XP_ROLE_FEATURE);
    float *mv = col_vectors(mb, 1792, ITEMS);
    for (size_t k = 0; k < (size_t)ITEMS * 100; k++) gv[k] = (float)rng_normal(&r);
    for (size_t k = 0; k < (size_t)ITEMS * 1792; k++) mv[k] = (float)rng_unif(&r);
    xp_column *tok = NULL, *px = NULL;
    if (towers) {
        tok = frame_add(f, "tok", XP_COL_VECTOR, XP_ROLE_FEATURE);
        col_level(tok, "<pad>");
        col_level(tok, "<unk>");
        for (int k = 2; k < 100; k++) {
            char name[16];
            snprintf(name, sizeof name, "w%d", k);
            col_level(tok, name);
        }
        float *tv = col_vectors(tok, L, ITEMS);
        for (size_t i = 0; i < ITEMS; i++)
            for (int k = 0; k < L; k++) tv[i * L + k] = k < 8 ? (float)(2 + rng_next(&r) % 98) : 0;
        px = frame_add(f, "px", XP_COL_VECTOR, XP_ROLE_FEATURE);
        float *pv = col_vectors(px, 3 * S * S, ITEMS);
        for (size_t k = 0; k < (size_t)ITEMS * 3 * S * S; k++) pv[k] = (float)rng_unif(&r);
    }
    xp_column *y = add_target(f, "y");
    for (size_t i = 0; i < n; i++) {
        int it = (int)(rng_next(&r) % ITEMS);
        g->vec_row[i] = mb->vec_row[i] = it;
        if (tok) tok->vec_row[i] = px->vec_row[i] = it;
        for (int j = 0; j < 3; j++) cats[j]->codes[i] = (int32_t)(rng_next(&r) % (uint64_t)levels[j]);
        for (int j = 0; j < NNUM; j++) if (rng_unif(&r) < 0.1) num[j]->num[i] = NAN;
        y->num[i] = gv[it * 100] + (isnan(num[0]->num[i]) ? 0 : num[0]->num[i]) + 0.3 * rng_normal(&r);
    }
    xp_frame *tr = slice(f, 0, 27400), *va = slice(f, 27400, n);
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "epochs: %d\npatience: 0\nbatch_size: 256\nhidden: [256, 128]\nproj_dim: 32\n%s%s%s",
             epochs, towers ? "text_tower: {column: tok}\nimage_tower: " : "", towers ? img : "",
             towers ? "\n" : "");
    xp_cfg *cfg = harness_cfg(yaml);
    xp_ctx *ctx = harness_ctx(&H);
    H.call.on_metric = on_metric;
    void *m = NULL;
    double t0 = now_s(), c0 = cpu_s();
    int rc = H.ops->create(ctx, cfg, &m);
    if (!rc) rc = H.ops->fit(ctx, m, tr, NULL, va, NULL);
    double t1 = now_s(), c1 = cpu_s();
    if (rc) { fprintf(stderr, "fit: %s\n", H.call.msg); return 1; }
    printf("threads %d, towers %d: %d epochs, fit %.2f s wall (%.2f s CPU), %.3f s per training "
           "epoch (%.2f epochs/s), best epoch %.0f\n", threads, towers, epochs, t1 - t0, c1 - c0,
           epoch_s, 1 / epoch_s, best);
    H.ops->destroy(m);
    cfg_free(cfg);
    frame_free(f); frame_free(tr); frame_free(va);
    harness_close(&H);
    return 0;
}
