/* test_ridge_encode.c — the `ridge_encode` transform through the real host: the full fit
 * against ridge normal equations solved here by Gaussian elimination (weights, an
 * unpenalised intercept, missing as 0); out of fold by group (a column only one group has
 * cannot tell a training row its own target, but tells a new row of that group); numeric
 * group keys; the record; and the errors.
 *
 *     ./test_ridge_encode path/to/ridge_encode.so
 */
#include "check.h"
#include "harness.h"

/* Solves the m x m system M x = r by Gaussian elimination with partial pivoting. */
static void gauss_solve(double *M, double *r, size_t m, double *x)
{
    for (size_t c = 0; c < m; c++) {
        size_t piv = c;
        for (size_t i = c + 1; i < m; i++)
            if (fabs(M[i * m + c]) > fabs(M[piv * m + c])) piv = i;
        for (size_t k = 0; k < m; k++) { double t = M[c * m + k]; M[c * m + k] = M[piv * m + k]; M[piv * m + k] = t; }
        double t = r[c]; r[c] = r[piv]; r[piv] = t;
        for (size_t i = c + 1; i < m; i++) {
            double f = M[i * m + c] / M[c * m + c];
            for (size_t k = c; k < m; k++) M[i * m + k] -= f * M[c * m + k];
            r[i] -= f * r[c];
        }
    }
    for (size_t i = m; i-- > 0;) {
        double v = r[i];
        for (size_t k = i + 1; k < m; k++) v -= M[i * m + k] * x[k];
        x[i] = v / M[i * m + i];
    }
}

/* The full fit, checked on rows of groups the training rows do not have. */
static void test_full_fit(const char *so)
{
    enum { N = 300, P = 3 };
    txh h;
    if (txh_open(&h, so, "ridge_encode")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "columns: [\"w_*\", z]\nout: enc\ngroup: item\nalpha: 2.5\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    rng r = { 11 };
    double x[P][N], y[N], w[N];
    char names[N][16];
    const char *item[N];
    for (size_t i = 0; i < N; i++) {
        for (int j = 0; j < P; j++) x[j][i] = rng_unif(&r) < 0.4 ? (double)(1 + (int)(3 * rng_unif(&r))) : 0;
        if (i % 17 == 0) x[1][i] = NAN;                       /* missing: counts as 0 */
        y[i] = 0.5 + 1.5 * x[0][i] - 0.7 * (isnan(x[1][i]) ? 0 : x[1][i]) + 0.2 * x[2][i] + rng_normal(&r);
        w[i] = 0.5 + rng_unif(&r);
        snprintf(names[i], sizeof names[i], "it%zu", i / 3);
        item[i] = names[i];
    }
    xp_frame *tr = frame_new(N);
    fr_num(tr, "w_a", XP_ROLE_FEATURE, x[0]);
    fr_num(tr, "w_b", XP_ROLE_FEATURE, x[1]);
    fr_num(tr, "z", XP_ROLE_FEATURE, x[2]);
    fr_num(tr, "target", XP_ROLE_TARGET, y);
    fr_num(tr, "wt", XP_ROLE_WEIGHT, w);
    fr_text(tr, "item", item);
    fr_text(tr, "w_text", item);                             /* a glob passes over a text column */
    CHECK_EQ_INT(txh_fit(&h, tr), XP_OK);
    /* The normal equations, here: [1 x]' W [1 x] + alpha diag(0, 1, 1, 1). */
    double M[16] = { 0 }, rhs[4] = { 0 }, beta[4];
    for (size_t i = 0; i < N; i++) {
        double v[4] = { 1, x[0][i], isnan(x[1][i]) ? 0 : x[1][i], x[2][i] };
        for (int a = 0; a < 4; a++) {
            rhs[a] += w[i] * v[a] * y[i];
            for (int c = 0; c < 4; c++) M[a * 4 + c] += w[i] * v[a] * v[c];
        }
    }
    for (int a = 1; a < 4; a++) M[a * 4 + a] += 2.5;
    gauss_solve(M, rhs, 4, beta);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.intercept') FROM xp_records WHERE kind = 'ridge_encode'"),
               beta[0], 1e-9);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.columns') FROM xp_records WHERE kind = 'ridge_encode'"),
               3, 0);
    char *top = txh_record_str(&h, "ridge_encode", "$.largest[0].column");
    CHECK_STR(top, "w_a");                                   /* |1.5| is the largest effect */
    free(top);
    /* New items: the full fit. */
    double nx[3][4] = { { 1, 0, 2, 0 }, { 0, 3, NAN, 0 }, { 2, 1, 0, INFINITY } };
    const char *nitem[4] = { "new1", "new2", NULL, "new3" };
    xp_frame *te = frame_new(4);
    fr_num(te, "w_a", XP_ROLE_FEATURE, nx[0]);
    fr_num(te, "w_b", XP_ROLE_FEATURE, nx[1]);
    fr_num(te, "z", XP_ROLE_FEATURE, nx[2]);
    fr_text(te, "item", nitem);
    CHECK_EQ_INT(txh_apply(&h, te), XP_OK);
    const xp_column *e = frame_find(te, "enc");
    CHECK(e && e->type == XP_COL_NUMERIC && e->role == XP_ROLE_FEATURE);
    for (int i = 0; e && i < 4; i++) {
        double want = beta[0] + beta[1] * nx[0][i] + beta[2] * (isnan(nx[1][i]) ? 0 : nx[1][i]) +
                      beta[3] * (isfinite(nx[2][i]) ? nx[2][i] : 0);   /* missing or infinite: 0 */
        CHECK_NEAR(e->num[i], want, 1e-9);
    }
    /* Applying twice replaces the column. */
    size_t cols = te->n_cols;
    CHECK_EQ_INT(txh_apply(&h, te), XP_OK);
    CHECK_EQ_INT((int)te->n_cols, (int)cols);
    frame_free(tr);
    frame_free(te);
    txh_close(&h);
}

/* Each group has a column of its own and a target of its own. Fitted on all rows, the column
 * carries the group's mean; a training row must not get that (its own target), a new row of
 * the same group must. group_numeric: the group key is a number column. */
static void test_out_of_fold(const char *so, int group_numeric)
{
    enum { G = 40, R = 5, N = G * R };
    txh h;
    if (txh_open(&h, so, "ridge_encode")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, group_numeric ? "columns: [\"g_*\"]\nout: enc\nalpha: 0.01\n"
                                              : "columns: [\"g_*\"]\nout: enc\ngroup: item\nalpha: 0.01\n"), XP_OK);
    rng r = { 5 };
    double level[G], y[N], gid[N];
    static double x[G][N];
    static char names[N][16];
    const char *item[N];
    for (int g = 0; g < G; g++) level[g] = 3 * rng_normal(&r);
    for (int i = 0; i < N; i++) {
        int g = i / R;
        for (int k = 0; k < G; k++) x[k][i] = k == g;
        y[i] = level[g] + 0.01 * rng_normal(&r);
        gid[i] = g;
        snprintf(names[i], sizeof names[i], "item %d", g);
        item[i] = names[i];
    }
    xp_frame *tr = frame_new(N);
    for (int k = 0; k < G; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "g_%d", k);
        fr_num(tr, nm, XP_ROLE_FEATURE, x[k]);
    }
    fr_num(tr, "target", XP_ROLE_TARGET, y);
    if (group_numeric) fr_num(tr, "item_id", XP_ROLE_GROUP, gid);   /* the group role: no `group:` */
    else fr_text(tr, "item", item);
    CHECK_EQ_INT(txh_fit_apply(&h, tr), XP_OK);
    const xp_column *e = frame_find(tr, "enc");
    double mean = 0, own = 0, other = 0;
    for (int g = 0; g < G; g++) mean += level[g] / G;
    for (int i = 0; e && i < N; i++) {
        int g = i / R;
        own += fabs(e->num[i] - level[g]) / N;
        other += fabs(e->num[i] - mean) / N;
    }
    CHECK(e && own > 1.0);       /* not its own group's level (the levels' SD is 3) */
    CHECK(e && other < 0.5);     /* about the other groups' mean: the intercept */
    /* The same rows as a new file of known items: out of fold again, so the same values. */
    xp_frame *again = frame_copy(tr);
    CHECK_EQ_INT(txh_apply(&h, again), XP_OK);
    const xp_column *e2 = frame_find(again, "enc");
    for (int i = 0; e && e2 && i < N; i++) CHECK_NEAR(e2->num[i], e->num[i], 0);
    /* A row of group 7's column under a group value not seen in training: the full fit. */
    xp_frame *nw = frame_new(1);
    for (int k = 0; k < G; k++) {
        char nm[16];
        double v = k == 7;
        snprintf(nm, sizeof nm, "g_%d", k);
        fr_num(nw, nm, XP_ROLE_FEATURE, &v);
    }
    double unseen = 1000;
    const char *unseen_text = "item new";
    if (group_numeric) fr_num(nw, "item_id", XP_ROLE_GROUP, &unseen);
    else fr_text(nw, "item", &unseen_text);
    CHECK_EQ_INT(txh_apply(&h, nw), XP_OK);
    CHECK_NEAR(frame_find(nw, "enc")->num[0], level[7], 0.05);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.groups') FROM xp_records WHERE kind = 'ridge_encode'"),
               G, 0);
    frame_free(tr);
    frame_free(again);
    frame_free(nw);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "ridge_encode")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "out: enc\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "needs `columns:`");
    CHECK_EQ_INT(txh_create(&h, "columns: [a]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "out");
    CHECK_EQ_INT(txh_create(&h, "columns: [a]\nout: e\nfolds: 1\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "folds must be in [2, 100]");
    CHECK_EQ_INT(txh_create(&h, "columns: [a]\nout: e\nalpha: -1\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "alpha must be");
    double v[4] = { 1, 2, 3, 4 };
    const char *t[4] = { "p", "q", "r", "s" };
    /* No group option and no group column. */
    CHECK_EQ_INT(txh_create(&h, "columns: [a]\nout: e\n"), XP_OK);
    xp_frame *f = frame_new(4);
    fr_num(f, "a", XP_ROLE_FEATURE, v);
    fr_num(f, "target", XP_ROLE_TARGET, v);
    fr_text(f, "txt", t);
    fr_text(f, "other", t);
    CHECK_EQ_INT(txh_fit(&h, f), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "give `group:`");
    /* A column named exactly that is not numeric; one that is absent. */
    CHECK_EQ_INT(txh_create(&h, "columns: [a, other]\nout: e\ngroup: txt\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, f), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "column other is a feature text column");
    CHECK_EQ_INT(txh_create(&h, "columns: [a, nope]\nout: e\ngroup: txt\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "nope");
    /* The group column absent from the rows. */
    CHECK_EQ_INT(txh_create(&h, "columns: [a]\nout: e\ngroup: item\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "group column item");
    /* A vector column cannot name a group: a config error, not a missing column. */
    CHECK_EQ_INT(txh_create(&h, "columns: [a]\nout: e\ngroup: emb\n"), XP_OK);
    xp_column *vc = frame_add(f, "emb", XP_COL_VECTOR, XP_ROLE_FEATURE);
    col_vectors(vc, 2, 1);
    for (int i = 0; i < 4; i++) vc->vec_row[i] = 0;
    CHECK_EQ_INT(txh_fit(&h, f), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "group column emb is a vector column");
    /* Fitted, then applied to rows without a regressor or without the group column. */
    CHECK_EQ_INT(txh_create(&h, "columns: [a]\nout: e\ngroup: txt\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    xp_frame *g = frame_new(4);
    fr_text(g, "txt", t);
    CHECK_EQ_INT(txh_apply(&h, g), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "column a (a regressor of e) is missing");
    xp_frame *k = frame_new(4);
    fr_num(k, "a", XP_ROLE_FEATURE, v);
    CHECK_EQ_INT(txh_apply(&h, k), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "group column txt is not in these rows");
    /* No usable target. */
    double nan4[4] = { NAN, NAN, NAN, NAN };
    xp_frame *u = frame_new(4);
    fr_num(u, "a", XP_ROLE_FEATURE, v);
    fr_num(u, "target", XP_ROLE_TARGET, nan4);
    fr_text(u, "txt", t);
    CHECK_EQ_INT(txh_fit_apply(&h, u), XP_OK);                 /* nothing to learn: missing */
    CHECK(isnan(frame_find(u, "e")->num[0]));
    /* One group value for every training row: nothing to fit without it, so its rows get a
     * missing value (the full fit would be their own targets); a new value the full fit. */
    double yy[4] = { 1, 5, 2, 8 };
    const char *same[4] = { "one", "one", "one", "one" };
    xp_frame *o = frame_new(4);
    fr_num(o, "a", XP_ROLE_FEATURE, v);
    fr_num(o, "target", XP_ROLE_TARGET, yy);
    fr_text(o, "txt", same);
    CHECK_EQ_INT(txh_fit_apply(&h, o), XP_OK);
    for (int i = 0; i < 4; i++) CHECK(isnan(frame_find(o, "e")->num[i]));
    const char *other[4] = { "two", "two", "two", "two" };
    xp_frame *o2 = frame_new(4);
    fr_num(o2, "a", XP_ROLE_FEATURE, v);
    fr_text(o2, "txt", other);
    CHECK_EQ_INT(txh_apply(&h, o2), XP_OK);
    CHECK(isfinite(frame_find(o2, "e")->num[0]));
    frame_free(o);
    frame_free(o2);
    frame_free(f);
    frame_free(g);
    frame_free(k);
    frame_free(u);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s ridge_encode.so\n", argv[0]); return 2; }
    test_full_fit(argv[1]);
    test_out_of_fold(argv[1], 0);
    test_out_of_fold(argv[1], 1);
    test_errors(argv[1]);
    return check_done();
}
