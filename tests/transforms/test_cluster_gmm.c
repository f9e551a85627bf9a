/* test_cluster_gmm.c — the `cluster_gmm` transform through the real host: it must find the
 * groups of columns that read one hidden property (and leave noise alone), turn each into a
 * feature that recovers the property's effect better than any single column, learn from
 * training rows only, be deterministic, cope with missing cells, record what it learned, and
 * reject bad configs and frames with clear messages.
 *
 *     ./test_cluster_gmm path/to/cluster_gmm.so
 *
 * The data: items with a hidden class Z (6 levels, effects spread over 3 units) read by three
 * noisy columns (levels 2.5 apart, noise sd 0.8) through different monotone maps (identity, exp, logistic), a hidden
 * continuous q read by three more, four noise columns, and target = effect[Z] + 0.5 q + noise.
 * Each item appears on several rows (item-level cells repeat, as in the challenge data).
 */
#include "check.h"
#include "harness.h"

enum { ITEMS = 1500, PER_ITEM = 3, N = ITEMS * PER_ITEM, LEVELS = 6 };

static const double effect[LEVELS] = { -1.5, -0.9, -0.2, 0.4, 1.0, 1.6 };
static const double level_mean[LEVELS] = { 2.5, -2.5, 7.5, 0, -5, 5 };   /* not ordered by effect */

typedef struct truth {
    double fx[N];        /* effect[Z] per row */
} truth;

static xp_frame *make_frame(uint64_t seed, int with_target, int missing, truth *t)
{
    xp_frame *f = frame_new(N);
    static double z1[N], z2[N], z3[N], q1[N], q2[N], q3[N], n1[N], n2[N], n3[N], n4[N], y[N];
    rng r = { seed };
    for (size_t it = 0; it < ITEMS; it++) {
        int z = (int)(rng_unif(&r) * LEVELS);
        double q = rng_normal(&r);
        double a = level_mean[z] + 0.8 * rng_normal(&r);
        double b = exp(0.5 * (level_mean[z] + 0.8 * rng_normal(&r)));
        double c = 1 / (1 + exp(-(level_mean[z] + 0.8 * rng_normal(&r))));
        double qa = q + 0.5 * rng_normal(&r), qb = exp(q + 0.5 * rng_normal(&r)), qc = -(q + 0.5 * rng_normal(&r));
        double u = rng_normal(&r), v = rng_unif(&r);
        for (size_t k = 0; k < PER_ITEM; k++) {
            size_t i = it * PER_ITEM + k;
            z1[i] = a; z2[i] = b; z3[i] = c;
            q1[i] = qa; q2[i] = qb; q3[i] = qc;
            n1[i] = u;
            n2[i] = v;
            n3[i] = rng_normal(&r);                          /* row-level noise */
            n4[i] = floor(rng_unif(&r) * 50);
            if (missing && i % 7 == 0) z2[i] = NAN;
            if (missing && i % 11 == 0) { z1[i] = NAN; q1[i] = NAN; }
            if (missing && i % 97 == 0) z1[i] = z2[i] = z3[i] = NAN;   /* nothing to go on */
            y[i] = effect[z] + 0.5 * q + 0.2 * rng_normal(&r);
            if (t) t->fx[i] = effect[z];
        }
    }
    fr_num(f, "n1", XP_ROLE_FEATURE, n1);
    fr_num(f, "z1", XP_ROLE_FEATURE, z1);
    fr_num(f, "q1", XP_ROLE_FEATURE, q1);
    fr_num(f, "n2", XP_ROLE_FEATURE, n2);
    fr_num(f, "z2", XP_ROLE_FEATURE, z2);
    fr_num(f, "q2", XP_ROLE_FEATURE, q2);
    fr_num(f, "n3", XP_ROLE_FEATURE, n3);
    fr_num(f, "z3", XP_ROLE_FEATURE, z3);
    fr_num(f, "q3", XP_ROLE_FEATURE, q3);
    fr_num(f, "n4", XP_ROLE_FEATURE, n4);
    if (with_target) fr_num(f, "target", XP_ROLE_TARGET, y);
    return f;
}

/* R^2 of the best line through (x, t): the share of t's variance x explains. */
static double r2_linear(const double *x, const double *t, size_t n)
{
    double mx = 0, mt = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) if (!isnan(x[i])) { mx += x[i]; mt += t[i]; m++; }
    mx /= (double)m;
    mt /= (double)m;
    double sxx = 0, stt = 0, sxt = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) continue;
        sxx += (x[i] - mx) * (x[i] - mx);
        stt += (t[i] - mt) * (t[i] - mt);
        sxt += (x[i] - mx) * (t[i] - mt);
    }
    return sxt * sxt / (sxx * stt);
}

static truth train_truth, valid_truth;

static void test_groups_and_signal(const char *so)
{
    txh h;
    if (txh_open(&h, so, "cluster_gmm")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "threshold: 0.3\nclasses: 8\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *train = make_frame(11, 1, 0, &train_truth);
    size_t before = train->n_cols;
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    /* Two groups, named after their first member in column order; the noise is left alone. */
    CHECK_EQ_INT(train->n_cols, before + 2);
    CHECK(frame_find(train, "gmm_z1") != NULL);
    CHECK(frame_find(train, "gmm_q1") != NULL);
    CHECK(frame_find(train, "gmm_n1") == NULL && frame_find(train, "gmm_n2") == NULL);
    char *members = txh_sql(&h, "SELECT group_concat(m.value, ',') FROM xp_records r, json_each(r.json, '$.groups') g, "
                                "json_each(g.value, '$.members') m WHERE r.kind = 'cluster_gmm' "
                                "AND json_extract(g.value, '$.feature') = 'gmm_z1'");
    CHECK_STR(members, "z1,z2,z3");
    free(members);
    members = txh_sql(&h, "SELECT group_concat(m.value, ',') FROM xp_records r, json_each(r.json, '$.groups') g, "
                          "json_each(g.value, '$.members') m WHERE r.kind = 'cluster_gmm' "
                          "AND json_extract(g.value, '$.feature') = 'gmm_q1'");
    CHECK_STR(members, "q1,q2,q3");
    free(members);
    /* Fitted on the distinct rows: the 1,500 items, not the 4,500 rows. */
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(g.value, '$.rows_fitted') FROM xp_records r, "
                               "json_each(r.json, '$.groups') g WHERE r.kind = 'cluster_gmm' "
                               "AND json_extract(g.value, '$.feature') = 'gmm_z1'"), ITEMS, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(r.json, '$.candidates') FROM xp_records r WHERE r.kind = 'cluster_gmm'"), 10, 0);

    /* On new rows (no target), the group feature recovers the hidden class's effect far
     * better than any one column does. */
    xp_frame *valid = make_frame(12, 0, 0, &valid_truth);
    CHECK_EQ_INT(txh_apply(&h, valid), XP_OK);
    double r2_group = r2_linear(frame_find(valid, "gmm_z1")->num, valid_truth.fx, N);
    double r2_best_single = 0;
    static const char *const zs[] = { "z1", "z2", "z3" };
    for (int k = 0; k < 3; k++) {
        double r2 = r2_linear(frame_find(valid, zs[k])->num, valid_truth.fx, N);
        if (r2 > r2_best_single) r2_best_single = r2;
    }
    fprintf(stderr, "  R^2 with the hidden effect: group feature %.3f, best single column %.3f\n", r2_group, r2_best_single);
    CHECK(r2_group > 0.85);
    CHECK(r2_group > r2_best_single + 0.3);
    frame_free(valid);

    /* Same data, same seed: the same feature, bit for bit; another seed starts elsewhere. */
    xp_frame *again = make_frame(11, 1, 0, NULL);
    CHECK_EQ_INT(txh_create(&h, "threshold: 0.3\nclasses: 8\n"), XP_OK);
    CHECK_EQ_INT(txh_fit_apply(&h, again), XP_OK);
    CHECK(memcmp(frame_find(again, "gmm_z1")->num, frame_find(train, "gmm_z1")->num, N * sizeof(double)) == 0);
    frame_free(again);
    again = make_frame(11, 1, 0, NULL);
    CHECK_EQ_INT(txh_create(&h, "threshold: 0.3\nclasses: 8\nseed: 5\n"), XP_OK);
    CHECK_EQ_INT(txh_fit_apply(&h, again), XP_OK);
    CHECK(memcmp(frame_find(again, "gmm_z1")->num, frame_find(train, "gmm_z1")->num, N * sizeof(double)) != 0);
    frame_free(again);
    frame_free(train);
    txh_close(&h);
}

static void test_missing_and_options(const char *so)
{
    txh h;
    if (txh_open(&h, so, "cluster_gmm")) { CHECK(0); return; }
    /* Missing cells are left out of the likelihood: every row gets a finite value, and rows
     * with nothing to go on get the overall mixture's mean. */
    CHECK_EQ_INT(txh_create(&h, "threshold: 0.3\nclasses: 8\n"), XP_OK);
    xp_frame *train = make_frame(21, 1, 1, NULL);
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    const xp_column *g = frame_find(train, "gmm_z1");
    CHECK(g != NULL);
    size_t finite = 0;
    for (size_t i = 0; g && i < N; i++) finite += isfinite(g->num[i]) != 0;
    CHECK_EQ_INT(finite, N);
    if (g) CHECK_NEAR(g->num[0], g->num[97 * 3], 1e-12);   /* rows 0 and 291: all z missing */
    frame_free(train);

    /* columns: only the listed candidates; min_size 4 drops the groups of three. */
    CHECK_EQ_INT(txh_create(&h, "threshold: 0.3\ncolumns: [\"z*\", n1, n2]\n"), XP_OK);
    train = make_frame(11, 1, 0, NULL);
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK(frame_find(train, "gmm_z1") && !frame_find(train, "gmm_q1"));
    frame_free(train);
    CHECK_EQ_INT(txh_create(&h, "threshold: 0.3\nmin_size: 4\n"), XP_OK);
    train = make_frame(11, 1, 0, NULL);
    size_t before = train->n_cols;
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK_EQ_INT(train->n_cols, before);
    frame_free(train);
    /* A threshold of 1 joins nothing. */
    CHECK_EQ_INT(txh_create(&h, "threshold: 1\n"), XP_OK);
    train = make_frame(11, 1, 0, NULL);
    before = train->n_cols;
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK_EQ_INT(train->n_cols, before);
    frame_free(train);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "cluster_gmm")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "classes: 0\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_CONTAINS(h.call.msg, "classes");
    CHECK_EQ_INT(txh_create(&h, "threshold: 2\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "threshold");
    CHECK_EQ_INT(txh_create(&h, "min_size: 1\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "min_size");
    CHECK_EQ_INT(txh_create(&h, "smoothing: lots\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "smoothing");
    /* The class means need the target. */
    CHECK_EQ_INT(txh_create(&h, "threshold: 0.3\n"), XP_OK);
    xp_frame *f = make_frame(11, 0, 0, NULL);
    CHECK_EQ_INT(txh_fit(&h, f), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "target");
    frame_free(f);
    /* A member missing from the rows to transform is named. */
    f = make_frame(11, 1, 0, NULL);
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    frame_drop(f, (size_t)frame_index(f, "z2"));
    CHECK_EQ_INT(txh_apply(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "z2");
    CHECK_CONTAINS(h.call.msg, "gmm_z1");
    frame_free(f);
    /* No target values: nothing to learn, no failure, no feature. */
    f = make_frame(11, 1, 0, NULL);
    xp_column *y = frame_find(f, "target");
    for (size_t i = 0; i < N; i++) y->num[i] = NAN;
    size_t before = f->n_cols;
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(f->n_cols, before);
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s cluster_gmm.so\n", argv[0]);
        return 2;
    }
    test_groups_and_signal(argv[1]);
    test_missing_and_options(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
