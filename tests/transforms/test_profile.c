/* test_profile.c — the `profile` transform through the real host, on a small frame whose
 * statistics are known by hand: per-column fields, constant flags, placeholder codes,
 * correlated pairs, the target distribution, the record's shape, and config errors.
 * (profile_oracle.py checks the same record against pandas on 40k x 80.)
 *
 *     ./test_profile path/to/profile.so
 */
#include "check.h"
#include "harness.h"

static xp_frame *small_frame(void)
{
    xp_frame *f = frame_new(10);
    fr_num(f, "x", XP_ROLE_FEATURE, (double[]){ 1, 2, 3, 4, 5, 6, 7, 8, 9, NAN });
    fr_num(f, "y", XP_ROLE_FEATURE, (double[]){ 3, 5, 7, 9, 11, 13, 15, 17, 19, 21 });
    fr_num(f, "z", XP_ROLE_FEATURE, (double[]){ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 });
    fr_num(f, "k", XP_ROLE_FEATURE, (double[]){ 3, 3, 3, 3, 3, 3, 3, 3, 3, 3 });
    fr_num(f, "c54", XP_ROLE_FEATURE, (double[]){ 1, -5, 4, -5, -5, 7, -5, -5, 10, -5 });
    fr_cat(f, "cat", (const char *const[]){ "a", "a", "b", NULL, "a", "b", "a", "a", "c", "a" });
    fr_text(f, "txt", (const char *const[]){ "p q", NULL, NULL, "r", "p q", "s", "t", "u", "v", "w" });
    fr_num(f, "target", XP_ROLE_TARGET, (double[]){ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
    return f;
}

static double col_field(txh *h, const char *col, const char *field)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT json_extract(c.value, '$.%s') FROM xp_records r, json_each(r.json, '$.columns') c "
             "WHERE r.kind = 'profile' AND json_extract(c.value, '$.name') = '%s' "
             "ORDER BY r.id DESC LIMIT 1", field, col);
    return txh_sql_num(h, sql);
}

static char *col_text(txh *h, const char *col, const char *field)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT json_extract(c.value, '$.%s') FROM xp_records r, json_each(r.json, '$.columns') c "
             "WHERE r.kind = 'profile' AND json_extract(c.value, '$.name') = '%s' "
             "ORDER BY r.id DESC LIMIT 1", field, col);
    return txh_sql(h, sql);
}

static double top(txh *h, const char *path)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT json_extract(json, '%s') FROM xp_records WHERE kind = 'profile' "
             "ORDER BY id DESC LIMIT 1", path);
    return txh_sql_num(h, sql);
}

static void test_small(const char *so)
{
    txh h;
    if (txh_open(&h, so, "profile")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "plugin: profile\n"), XP_OK);
    xp_frame *f = small_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(f->n_cols, 8);                        /* apply changes nothing */
    CHECK_NEAR(f->cols[0]->num[0], 1, 0);
    char *rec = txh_record(&h, "profile");
    CHECK(rec && strcmp(rec, "INVALID JSON") != 0);
    free(rec);
    CHECK_EQ_INT(top(&h, "$.n_rows"), 10);
    CHECK_EQ_INT(top(&h, "$.n_cols"), 8);

    CHECK_NEAR(col_field(&h, "x", "missing_share"), 0.1, 1e-15);
    CHECK_EQ_INT(col_field(&h, "x", "missing"), 1);
    CHECK_EQ_INT(col_field(&h, "x", "distinct"), 9);
    CHECK_NEAR(col_field(&h, "x", "median"), 5, 0);
    CHECK_NEAR(col_field(&h, "x", "mean"), 5, 1e-15);
    CHECK_NEAR(col_field(&h, "x", "std"), sqrt(60.0 / 9), 1e-14);
    CHECK_NEAR(col_field(&h, "x", "min"), 1, 0);
    CHECK_NEAR(col_field(&h, "x", "max"), 9, 0);
    CHECK_EQ_INT(col_field(&h, "x", "constant"), 0);
    char *t = col_text(&h, "x", "type");
    CHECK_STR(t, "numeric");
    free(t);
    t = col_text(&h, "target", "role");
    CHECK_STR(t, "target");
    free(t);

    CHECK_EQ_INT(col_field(&h, "k", "constant"), 1);
    CHECK_EQ_INT(col_field(&h, "k", "distinct"), 1);
    CHECK_NEAR(col_field(&h, "k", "top_share"), 1, 0);

    CHECK_NEAR(col_field(&h, "c54", "top_value"), -5, 0);
    CHECK_NEAR(col_field(&h, "c54", "top_share"), 0.6, 1e-15);
    CHECK_NEAR(col_field(&h, "c54", "placeholders[0].value"), -5, 0);
    CHECK_NEAR(col_field(&h, "c54", "placeholders[0].share"), 0.6, 1e-15);
    CHECK_EQ_INT(col_field(&h, "c54", "placeholders[0].count"), 6);
    CHECK(isnan(col_field(&h, "x", "placeholders[0].value")));

    CHECK_EQ_INT(col_field(&h, "cat", "distinct"), 3);
    t = col_text(&h, "cat", "top_value");
    CHECK_STR(t, "a");
    free(t);
    CHECK_NEAR(col_field(&h, "cat", "top_share"), 6.0 / 9, 1e-15);
    CHECK_EQ_INT(col_field(&h, "txt", "distinct"), 7);
    CHECK_NEAR(col_field(&h, "txt", "missing_share"), 0.2, 1e-15);
    t = col_text(&h, "txt", "top_value");
    CHECK_STR(t, "p q");
    free(t);

    /* x~y (r = 1), x~z and y~z (r = -1); nothing else passes 0.95. */
    CHECK_EQ_INT(top(&h, "$.n_correlated_pairs"), 3);
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT count(*) FROM xp_records r, "
                                 "json_each(r.json, '$.correlated_pairs') p WHERE r.kind = 'profile' "
                                 "AND abs(abs(json_extract(p.value, '$.r')) - 1) < 1e-12"), 3);
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_extract(p.value, '$.n') FROM xp_records r, "
                                 "json_each(r.json, '$.correlated_pairs') p WHERE r.kind = 'profile' "
                                 "AND json_extract(p.value, '$.a') = 'x' "
                                 "AND json_extract(p.value, '$.b') = 'y'"), 9);   /* pairwise */

    /* Target 1..10: numpy-style quantiles, zero skew, log1p of the same. */
    CHECK_NEAR(top(&h, "$.target.min"), 1, 0);
    CHECK_NEAR(top(&h, "$.target.q25"), 3.25, 1e-15);
    CHECK_NEAR(top(&h, "$.target.median"), 5.5, 0);
    CHECK_NEAR(top(&h, "$.target.q95"), 9.55, 1e-14);
    CHECK_NEAR(top(&h, "$.target.max"), 10, 0);
    CHECK_NEAR(top(&h, "$.target.mean"), 5.5, 1e-15);
    CHECK_NEAR(top(&h, "$.target.skew"), 0, 1e-14);
    CHECK_NEAR(top(&h, "$.target.log1p.median"), (log(6) + log(7)) / 2, 1e-14);
    CHECK_NEAR(top(&h, "$.target.log1p.max"), log(11), 1e-14);
    CHECK(top(&h, "$.target.log1p.skew") < 0);    /* log pulls the right tail in */
    /* Correlations with the target need >= 30 shared rows: none on 10 rows. */
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_array_length(json, '$.target_correlations') FROM "
                                 "xp_records WHERE kind = 'profile' ORDER BY id DESC LIMIT 1"), 0);
    frame_free(f);

    /* 60 rows: a (r = 1), b (r = -1), c (weak), sparse (r = 1 on 20 rows: too few). */
    f = frame_new(60);
    double a[60], b[60], c[60], sp[60], y[60];
    for (int i = 0; i < 60; i++) {
        a[i] = i;
        b[i] = -3.0 * i;
        c[i] = i % 7;
        sp[i] = i < 20 ? i : NAN;
        y[i] = 10 + 2.0 * i;
    }
    fr_num(f, "c", XP_ROLE_FEATURE, c);
    fr_num(f, "sparse", XP_ROLE_FEATURE, sp);
    fr_num(f, "b", XP_ROLE_FEATURE, b);
    fr_num(f, "a", XP_ROLE_FEATURE, a);
    fr_num(f, "y", XP_ROLE_TARGET, y);
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_array_length(json, '$.target_correlations') FROM "
                                 "xp_records WHERE kind = 'profile' ORDER BY id DESC LIMIT 1"), 3);
    CHECK_NEAR(fabs(top(&h, "$.target_correlations[0].r")), 1, 1e-12);
    CHECK_NEAR(fabs(top(&h, "$.target_correlations[1].r")), 1, 1e-12);
    char *third = txh_sql(&h, "SELECT json_extract(json, '$.target_correlations[2].name') FROM "
                              "xp_records WHERE kind = 'profile' ORDER BY id DESC LIMIT 1");
    CHECK_STR(third, "c");
    free(third);
    frame_free(f);
    txh_close(&h);
}

static void test_options(const char *so)
{
    txh h;
    if (txh_open(&h, so, "profile")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "near_constant: 0.6\nmax_missing: 0.5\ncorr_threshold: 0.99\n"
                                "max_pairs: 1\ntop_target_corr: 2\nmin_share: 0.7\nmin_code: -9\n"
                                "max_codes: 2\nmin_ratio: 1\nmin_other_distinct: 2\n"),
                 XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *f = small_frame();
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    CHECK_EQ_INT(col_field(&h, "c54", "near_constant"), 1);    /* top share 0.6 >= 0.6 */
    CHECK(isnan(col_field(&h, "c54", "placeholders[0].value")));   /* 60% < min_share 70% */
    CHECK_EQ_INT(top(&h, "$.n_correlated_pairs"), 3);
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_array_length(json, '$.correlated_pairs') FROM "
                                 "xp_records WHERE kind = 'profile' ORDER BY id DESC LIMIT 1"), 1);
    CHECK_EQ_INT(txh_record_count(&h, "profile"), 1);
    frame_free(f);

    /* top_target_corr caps the list. */
    xp_frame *g = frame_new(40);
    double a[40], b[40], c[40];
    for (int i = 0; i < 40; i++) { a[i] = i; b[i] = i % 5; c[i] = i * i; }
    fr_num(g, "a", XP_ROLE_FEATURE, a);
    fr_num(g, "b", XP_ROLE_FEATURE, b);
    fr_num(g, "c", XP_ROLE_FEATURE, c);
    fr_num(g, "t", XP_ROLE_TARGET, a);
    CHECK_EQ_INT(txh_fit(&h, g), XP_OK);
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_array_length(json, '$.target_correlations') FROM "
                                 "xp_records WHERE kind = 'profile' ORDER BY id DESC LIMIT 1"), 2);
    frame_free(g);

    /* No target: the record says null. A target below -1 has no log1p part. */
    f = frame_new(3);
    fr_num(f, "a", XP_ROLE_FEATURE, (double[]){ 1, 2, 3 });
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    CHECK(isnan(top(&h, "$.target")));
    fr_num(f, "t", XP_ROLE_TARGET, (double[]){ -5, 2, 3 });
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    CHECK_NEAR(top(&h, "$.target.min"), -5, 0);
    CHECK(isnan(top(&h, "$.target.log1p.median")));
    frame_free(f);

    /* An empty frame profiles without crashing. */
    f = frame_new(0);
    fr_num(f, "a", XP_ROLE_FEATURE, NULL);
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    CHECK_EQ_INT(top(&h, "$.n_rows"), 0);
    frame_free(f);
    txh_close(&h);
}

/* What `runner report` draws: the log1p(target) histogram, missing shares per source, and
 * the target per bin of a `versus` column with its placeholder code apart. */
static void test_report_views(const char *so)
{
    txh h;
    if (txh_open(&h, so, "profile")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "source: src\nversus: [q]\nbins: 4\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *f = frame_new(10);
    fr_num(f, "src", XP_ROLE_FEATURE, (double[]){ 0, 0, 0, 0, 0, 1, 1, 1, 1, 1 });
    fr_num(f, "m", XP_ROLE_FEATURE, (double[]){ NAN, NAN, 1, 2, 3, 4, 5, 6, 7, NAN });
    fr_num(f, "q", XP_ROLE_FEATURE, (double[]){ -2, -2, -2, -2, -2, -2, 1, 2, 3, 4 });
    fr_num(f, "target", XP_ROLE_TARGET, (double[]){ 0, 1, 3, 7, 15, 31, 63, 127, 255, 511 });
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    /* log1p(target) = 0, ln 2, ..., 9 ln 2: four equal bins over [0, 9 ln 2] */
    CHECK_NEAR(top(&h, "$.target.log1p.histogram.lo"), 0, 1e-12);
    CHECK_NEAR(top(&h, "$.target.log1p.histogram.hi"), 9 * log(2), 1e-12);
    CHECK_EQ_INT(top(&h, "$.target.log1p.histogram.counts[0]"), 3);   /* 0, 1, 2 (x ln 2) < 2.25 */
    CHECK_EQ_INT(top(&h, "$.target.log1p.histogram.counts[1]"), 2);   /* 3, 4 */
    CHECK_EQ_INT(top(&h, "$.target.log1p.histogram.counts[2]"), 2);   /* 5, 6 */
    CHECK_EQ_INT(top(&h, "$.target.log1p.histogram.counts[3]"), 3);   /* 7, 8, 9: the max counts */
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_array_length(json, '$.missing_by_source.sources') FROM xp_records "
                                 "WHERE kind = 'profile' ORDER BY id DESC LIMIT 1"), 2);
    CHECK_EQ_INT(top(&h, "$.missing_by_source.rows[1]"), 5);
    char *c0 = txh_sql(&h, "SELECT json_extract(json, '$.missing_by_source.columns[0].name') FROM xp_records "
                           "WHERE kind = 'profile' ORDER BY id DESC LIMIT 1");
    CHECK_STR(c0, "m");
    free(c0);
    CHECK_NEAR(top(&h, "$.missing_by_source.columns[0].share[0]"), 0.4, 1e-15);   /* 2 of 5 */
    CHECK_NEAR(top(&h, "$.missing_by_source.columns[0].share[1]"), 0.2, 1e-15);
    /* q: -2 is a code (60%, below 1..4); the others get a bin per value */
    CHECK_NEAR(top(&h, "$.versus[0].codes[0].x"), -2, 0);
    CHECK_EQ_INT(top(&h, "$.versus[0].codes[0].n"), 6);
    CHECK_NEAR(top(&h, "$.versus[0].codes[0].median"), 5, 1e-12);    /* of 0, 1, 3, 7, 15, 31 */
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_array_length(json, '$.versus[0].bins') FROM xp_records "
                                 "WHERE kind = 'profile' ORDER BY id DESC LIMIT 1"), 4);
    CHECK_NEAR(top(&h, "$.versus[0].bins[3].x"), 4, 0);
    CHECK_NEAR(top(&h, "$.versus[0].bins[3].median"), 511, 0);
    CHECK_EQ_INT(top(&h, "$.missing_by_source.columns[1].codes"), 1);   /* q: its code counts as missing */
    frame_free(f);
    /* an unknown `versus` column is an error naming it */
    CHECK_EQ_INT(txh_create(&h, "versus: [nope]\n"), XP_OK);
    f = frame_new(2);
    fr_num(f, "target", XP_ROLE_TARGET, (double[]){ 1, 2 });
    CHECK(txh_fit(&h, f) != XP_OK);
    CHECK_CONTAINS(h.call.msg, "nope");
    frame_free(f);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "profile")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "near_constant: 2\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:16");
    CHECK_CONTAINS(h.call.msg, "near_constant");
    CHECK_EQ_INT(txh_create(&h, "corr_threshold: high\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_CONTAINS(h.call.msg, "corr_threshold");
    CHECK_EQ_INT(txh_create(&h, "max_pairs: 1.5\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "max_pairs");
    CHECK_EQ_INT(txh_create(&h, "min_code: 3\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "min_code");
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s profile.so\n", argv[0]);
        return 2;
    }
    test_small(argv[1]);
    test_options(argv[1]);
    test_report_views(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
