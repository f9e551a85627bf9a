/* tests/models/test_xgboost_oracle.c — the xgboost plugin against Python's xgboost as an
 * independent oracle: same rows, same parameters, Python's own early stopping.
 *
 *     test_xgboost_oracle build/plugins/models/xgboost/xgboost.so /usr/bin/python3 tests/models/xgb_oracle.py
 *
 * The oracle script writes the data and its results; this test trains the plugin on the same
 * rows (numeric features with missing values, a native categorical, and a mostly-zero count
 * column whose zeros the oracle passes as missing: what the plugin does) and requires the same
 * best_iteration and the same validation predictions. Exit 77 (skip) when the oracle cannot
 * run (no Python xgboost).
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static harness H;

static xp_frame *read_rows(FILE *fp, size_t n)
{
    xp_frame *f = frame_new(n);
    xp_column *x1 = frame_add(f, "x1", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    xp_column *x2 = frame_add(f, "x2", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    xp_column *x3 = frame_add(f, "x3", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    xp_column *c = frame_add(f, "kind", XP_COL_CATEGORICAL, XP_ROLE_FEATURE);
    xp_column *w = frame_add(f, "words", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    xp_column *y = frame_add(f, "y", XP_COL_NUMERIC, XP_ROLE_TARGET);
    /* Levels "0".."4" in code order, as the oracle's integer categories. */
    for (int k = 0; k < 5; k++) {
        char name[8];
        snprintf(name, sizeof name, "%d", k);
        col_level(c, name);
    }
    for (size_t i = 0; i < n; i++) {
        int code;
        if (fscanf(fp, "%lf %lf %lf %d %lf %lf", &x1->num[i], &x2->num[i], &x3->num[i], &code,
                   &w->num[i], &y->num[i]) != 6) {
            fprintf(stderr, "data.txt: bad row %zu\n", i);
            exit(1);
        }
        c->codes[i] = code;
    }
    return f;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s xgboost.so python3 xgb_oracle.py\n", argv[0]);
        return 2;
    }
    char dir[] = "/tmp/xp_test_xgb_oracle_XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s'", argv[2], argv[3], dir);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        int code = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
        fprintf(stderr, "oracle failed (exit %d): %s\n", code, cmd);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
        return code == 77 ? 77 : 1;
    }
    if (harness_open(&H, argv[1], "xgboost")) return 1;

    char path[600];
    snprintf(path, sizeof path, "%s/data.txt", dir);
    FILE *fp = fopen(path, "r");
    size_t n_train, n_valid;
    if (!fp || fscanf(fp, "%zu %zu", &n_train, &n_valid) != 2) { fprintf(stderr, "cannot read %s\n", path); return 1; }
    xp_frame *tr = read_rows(fp, n_train), *va = read_rows(fp, n_valid);
    fclose(fp);

    snprintf(path, sizeof path, "%s/expected.txt", dir);
    fp = fopen(path, "r");
    int best;
    if (!fp || fscanf(fp, "best_iteration %d", &best) != 1) { fprintf(stderr, "cannot read %s\n", path); return 1; }
    double *want = malloc(n_valid * sizeof *want), *got = malloc(n_valid * sizeof *got);
    for (size_t i = 0; i < n_valid; i++)
        if (fscanf(fp, "%lf", &want[i]) != 1) { fprintf(stderr, "expected.txt: short\n"); return 1; }
    fclose(fp);

    xp_cfg *cfg = harness_cfg("plugin: xgboost\n"
                              "params: {max_depth: 5, eta: 0.1, subsample: 0.8, colsample_bytree: 0.8,\n"
                              "         seed: 123}\n"
                              "num_boost_round: 500\nearly_stopping_rounds: 15\neval_metric: rmse\n"
                              "threads: 1\n");
    void *m;
    int rc = harness_fit(&H, cfg, tr, va, &m);
    CHECK_EQ_INT(rc, XP_OK);
    if (rc) fprintf(stderr, "fit: %s\n", H.call.msg);
    if (!rc) {
        CHECK_EQ_INT((int)H.best_iteration, best);
        CHECK_EQ_INT(harness_predict(&H, m, va, 1, got), XP_OK);
        double worst = 0;
        for (size_t i = 0; i < n_valid; i++)
            if (fabs(got[i] - want[i]) > worst) worst = fabs(got[i] - want[i]);
        fprintf(stderr, "oracle: best_iteration %d (plugin %.0f), max |pred diff| %.3g over %zu rows\n",
                best, H.best_iteration, worst, n_valid);
        CHECK(worst <= 1e-5);
        H.ops->destroy(m);
    }
    free(want);
    free(got);
    cfg_free(cfg);
    frame_free(tr);
    frame_free(va);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    harness_close(&H);
    return check_done();
}
