/* test_drop_columns.c — the `drop_columns` transform through the real host: listed, empty,
 * constant and near-duplicate columns (target-aware: what a near-copy adds beyond its twin),
 * protected roles, `keep`, switches, training-rows-only decisions, the record (column names with quotes, backslashes and invalid UTF-8 in it), and
 * config errors.
 *
 *     ./test_drop_columns path/to/drop_columns.so
 */
#include "check.h"
#include "harness.h"

enum { N = 4000 };

static xp_frame *train_frame(void)
{
    xp_frame *f = frame_new(N);
    double *a = malloc(N * sizeof *a), *v = malloc(N * sizeof *v);
    rng r = { 5 };
    for (size_t i = 0; i < N; i++) a[i] = rng_normal(&r);
    /* c: a copy of a with noise and 10 missing values, placed before a: a has fewer missing,
     * so c goes although it comes first. */
    for (size_t i = 0; i < N; i++) v[i] = i % 400 == 0 ? NAN : a[i] + 0.01 * rng_normal(&r);
    fr_num(f, "c", XP_ROLE_FEATURE, v);
    fr_num(f, "a", XP_ROLE_FEATURE, a);
    for (size_t i = 0; i < N; i++) v[i] = 2 * a[i] + 1 + 0.05 * rng_normal(&r);   /* r ~ 0.9997 */
    fr_num(f, "b", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = -3 * a[i];
    fr_num(f, "neg", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = a[i] + 0.3 * rng_normal(&r);            /* r ~ 0.96 */
    fr_num(f, "loose", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = i % 10 < 3 ? a[i] : NAN;                /* 70% missing */
    fr_num(f, "part", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = rng_normal(&r);
    fr_num(f, "d", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = NAN;
    fr_num(f, "e", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = i < 30 ? (double)i : NAN;               /* 99.25% missing */
    fr_num(f, "mostly_empty", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = 5;
    fr_num(f, "g", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = i == 7 ? 2 : 1;                          /* top 99.975% */
    fr_num(f, "h", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = i % 400 == 0 ? 2 : 1;                    /* top 99.75% */
    fr_num(f, "h2", XP_ROLE_FEATURE, v);
    const char **s = malloc(N * sizeof *s);
    for (size_t i = 0; i < N; i++) s[i] = "x";
    fr_cat(f, "cat_const", s);
    char buf[N][8];
    for (size_t i = 0; i < N; i++) { snprintf(buf[i], sizeof buf[i], "t%zu", i); s[i] = buf[i]; }
    fr_text(f, "text", s);
    for (size_t i = 0; i < N; i++) v[i] = 1;
    fr_num(f, "target", XP_ROLE_TARGET, v);                  /* constant, but the target */
    fr_num(f, "w", XP_ROLE_WEIGHT, v);
    for (size_t i = 0; i < N; i++) v[i] = a[i];
    fr_num(f, "grp", XP_ROLE_GROUP, v);                      /* duplicate of a, but the group */
    for (size_t i = 0; i < N; i++) v[i] = NAN;
    fr_num(f, "ign", XP_ROLE_IGNORE, v);                     /* empty, but not a feature */
    free(s);
    free(a);
    free(v);
    return f;
}

static int has(const xp_frame *f, const char *name) { return frame_find(f, name) != NULL; }

static char *reason(txh *h, const char *name)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT json_extract(value, '$.reason') || coalesce(':' || json_extract(value, '$.of'), '') "
             "FROM xp_records, json_each(xp_records.json, '$.dropped') WHERE kind = 'drop_columns' "
             "AND json_extract(value, '$.name') = '%s' ORDER BY xp_records.id DESC LIMIT 1", name);
    return txh_sql(h, sql);
}

static void check_reason(txh *h, const char *name, const char *want)
{
    char *got = reason(h, name);
    CHECK_STR(got, want);
    free(got);
}

static void test_defaults(const char *so)
{
    txh h;
    if (txh_open(&h, so, "drop_columns")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "columns: [d]\n"), XP_OK);
    xp_frame *train = train_frame();
    size_t before = train->n_cols;
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    static const char *const gone[] = { "c", "b", "neg", "part", "d", "e", "mostly_empty", "g",
                                        "h", "cat_const" };
    static const char *const kept[] = { "a", "loose", "h2", "text", "target", "w", "grp", "ign" };
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
        if (has(train, gone[i])) fprintf(stderr, "  %s should be dropped\n", gone[i]);
        CHECK(!has(train, gone[i]));
    }
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        if (!has(train, kept[i])) fprintf(stderr, "  %s should be kept\n", kept[i]);
        CHECK(has(train, kept[i]));
    }
    CHECK_EQ_INT(train->n_cols, before - sizeof gone / sizeof *gone);
    check_reason(&h, "c", "duplicate:a");
    check_reason(&h, "b", "duplicate:a");
    check_reason(&h, "neg", "duplicate:a");
    check_reason(&h, "part", "duplicate:a");
    check_reason(&h, "d", "listed");
    check_reason(&h, "e", "empty");
    check_reason(&h, "mostly_empty", "empty");
    check_reason(&h, "g", "constant");
    check_reason(&h, "h", "constant");
    check_reason(&h, "cat_const", "constant");
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(value, '$.r') FROM xp_records, "
                               "json_each(xp_records.json, '$.dropped') WHERE kind = 'drop_columns' "
                               "AND json_extract(value, '$.name') = 'neg'"), -1, 1e-12);

    /* Decisions come from the training rows: in these validation rows g varies and d2 is
     * constant, yet the same columns go; a dropped column already absent is fine. */
    xp_frame *valid = frame_new(3);
    fr_num(valid, "a", XP_ROLE_FEATURE, (double[]){ 1, 2, 3 });
    fr_num(valid, "g", XP_ROLE_FEATURE, (double[]){ 1, 2, 3 });
    fr_num(valid, "h2", XP_ROLE_FEATURE, (double[]){ 1, 1, 1 });
    fr_num(valid, "b", XP_ROLE_FEATURE, (double[]){ 9, 1, 5 });
    CHECK_EQ_INT(txh_apply(&h, valid), XP_OK);
    CHECK_EQ_INT(valid->n_cols, 2);
    CHECK(has(valid, "a") && has(valid, "h2"));
    frame_free(valid);
    frame_free(train);
    txh_close(&h);
}

static void test_switches(const char *so)
{
    txh h;
    if (txh_open(&h, so, "drop_columns")) { CHECK(0); return; }
    /* keep b: it is visited first, so a (its duplicate) goes instead. */
    CHECK_EQ_INT(txh_create(&h, "keep: [b]\nempty: false\nconstant: false\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *train = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK(has(train, "b") && !has(train, "a") && !has(train, "c"));
    CHECK(has(train, "e") && has(train, "g") && has(train, "h") && has(train, "d"));
    check_reason(&h, "a", "duplicate:b");
    frame_free(train);

    /* Thresholds: min_corr 0.95 also takes `loose`; max_missing 0.995 keeps mostly_empty;
     * max_top_share 0.99 takes h2; duplicates off keeps b. */
    CHECK_EQ_INT(txh_create(&h, "min_corr: 0.95\nmax_missing: 0.995\nmax_top_share: 0.99\n"), XP_OK);
    train = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK(!has(train, "loose") && has(train, "mostly_empty") && !has(train, "h2"));
    frame_free(train);
    CHECK_EQ_INT(txh_create(&h, "duplicates: false\n"), XP_OK);
    train = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK(has(train, "b") && has(train, "c") && has(train, "neg") && !has(train, "e"));
    frame_free(train);

    /* "*" lists every column, but roles target/weight/group are never dropped. */
    CHECK_EQ_INT(txh_create(&h, "columns: \"*\"\n"), XP_OK);
    train = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK_EQ_INT(train->n_cols, 3);
    CHECK(has(train, "target") && has(train, "w") && has(train, "grp"));
    frame_free(train);
    txh_close(&h);
}

static void test_overlap(const char *so)
{
    txh h;
    if (txh_open(&h, so, "drop_columns")) { CHECK(0); return; }
    /* y equals x where both are present, but they share only 20 of y's 100 present rows. */
    xp_frame *f = frame_new(200);
    double x[200], y[200];
    for (size_t i = 0; i < 200; i++) {
        x[i] = i < 120 ? (double)(i * i % 97) : NAN;
        y[i] = i >= 100 ? (i < 120 ? x[i] : (double)(i % 13)) : NAN;
    }
    fr_num(f, "x", XP_ROLE_FEATURE, x);
    fr_num(f, "y", XP_ROLE_FEATURE, y);
    CHECK_EQ_INT(txh_create(&h, "{}\n"), XP_OK);
    xp_frame *g = frame_copy(f);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK(has(f, "x") && has(f, "y"));
    /* with no overlap requirement the 20 shared rows (r = 1) are enough */
    CHECK_EQ_INT(txh_create(&h, "min_overlap: 0\n"), XP_OK);
    CHECK_EQ_INT(txh_fit_apply(&h, g), XP_OK);
    CHECK(has(g, "x") && !has(g, "y"));
    frame_free(g);
    frame_free(f);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "drop_columns")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "empty: sometimes\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_EQ_INT(txh_create(&h, "min_corr: 0.1\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "min_corr");
    CHECK_CONTAINS(h.call.msg, "between 0.5 and 1");
    CHECK_EQ_INT(txh_create(&h, "max_missing: high\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "max_missing");
    CHECK_EQ_INT(txh_create(&h, "columns: {a: 1}\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_EQ_INT(txh_create(&h, "columns: [a, [b]]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_EQ_INT(txh_create(&h, "columns: [feature_120]\n"), XP_OK);
    xp_frame *train = train_frame();
    CHECK_EQ_INT(txh_fit(&h, train), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:11");
    CHECK_CONTAINS(h.call.msg, "feature_120");
    /* a glob matching nothing is only a warning */
    CHECK_EQ_INT(txh_create(&h, "columns: [\"feature_12*\"]\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, train), XP_OK);
    frame_free(train);
    txh_close(&h);
}

/* Column names go into the record through the JSON writer: quotes and backslashes escaped,
 * and a byte that is no UTF-8 (a Latin-1 name) written as U+FFFD, since JSON text is UTF-8
 * (it was copied as it was once, and the record was then no valid UTF-8). */
static void test_record_names(const char *so)
{
    txh h;
    if (txh_open(&h, so, "drop_columns")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "{}\n"), XP_OK);
    enum { R = 200 };
    double a[R], same[R], two[R];
    rng r = { 11 };
    for (size_t i = 0; i < R; i++) { a[i] = rng_normal(&r); same[i] = 5; two[i] = 2 * a[i]; }
    xp_frame *f = frame_new(R);
    fr_num(f, "say \"hi\"", XP_ROLE_FEATURE, same);
    fr_num(f, "caf\xe9", XP_ROLE_FEATURE, same);
    fr_num(f, "C:\\a\\", XP_ROLE_FEATURE, a);
    fr_num(f, "twice \"C:\\a\\\"", XP_ROLE_FEATURE, two);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(f->n_cols, 1);
    char *rec = txh_record(&h, "drop_columns");
    CHECK(rec && strcmp(rec, "INVALID JSON") != 0);
    free(rec);
    check_reason(&h, "say \"hi\"", "constant");
    check_reason(&h, "caf\xef\xbf\xbd", "constant");
    check_reason(&h, "twice \"C:\\a\\\"", "duplicate:C:\\a\\");
    frame_free(f);
    txh_close(&h);
}

/* With a numeric target, a near-duplicate whose difference from its twin follows the target is
 * kept (a trending price's day high beside its open), a noisy copy is dropped with its partial
 * r recorded, an exact affine copy is dropped whatever the target, and target_aware: false
 * drops by correlation alone. */
static void test_target_aware(const char *so)
{
    enum { R = 3000 };
    static double open[R], high[R], noisy[R], affine[R], close[R];
    rng r = { 17 };
    double level = 100;
    for (size_t i = 0; i < R; i++) {
        level += 1 + rng_normal(&r);                       /* a trend: r(open, high) ~ 0.9999 */
        double up = fabs(rng_normal(&r));
        open[i] = level;
        high[i] = level + up;
        close[i] = level + 0.8 * up + 0.1 * rng_normal(&r);
        noisy[i] = level + 0.5 * rng_normal(&r);           /* the same reading, noise added */
        affine[i] = 3 * level - 7;
    }
    xp_frame *f = frame_new(R);
    fr_num(f, "open", XP_ROLE_FEATURE, open);
    fr_num(f, "high", XP_ROLE_FEATURE, high);
    fr_num(f, "noisy", XP_ROLE_FEATURE, noisy);
    fr_num(f, "affine", XP_ROLE_FEATURE, affine);
    fr_num(f, "close", XP_ROLE_TARGET, close);
    txh h;
    if (txh_open(&h, so, "drop_columns")) { CHECK(0); frame_free(f); return; }
    CHECK_EQ_INT(txh_create(&h, "{}\n"), XP_OK);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK(has(f, "open") && has(f, "high") && !has(f, "noisy") && !has(f, "affine"));
    check_reason(&h, "noisy", "duplicate:open");
    check_reason(&h, "affine", "duplicate:open");
    double r_high = txh_sql_num(&h, "SELECT json_extract(value, '$.r') FROM xp_records, json_each(xp_records.json, "
                                    "'$.kept_near_duplicates') WHERE kind = 'drop_columns' AND "
                                    "json_extract(value, '$.name') = 'high'");
    double p_high = txh_sql_num(&h, "SELECT json_extract(value, '$.partial_r_target') FROM xp_records, "
                                    "json_each(xp_records.json, '$.kept_near_duplicates') WHERE kind = 'drop_columns' "
                                    "AND json_extract(value, '$.name') = 'high'");
    double p_noisy = txh_sql_num(&h, "SELECT json_extract(value, '$.partial_r_target') FROM xp_records, "
                                     "json_each(xp_records.json, '$.dropped') WHERE kind = 'drop_columns' "
                                     "AND json_extract(value, '$.name') = 'noisy'");
    CHECK(r_high > 0.999);
    CHECK(p_high > 0.9);
    CHECK(fabs(p_noisy) < 0.1);
    /* The exact copy has no partial r (its residual is float noise): none recorded. */
    char *p_affine = txh_sql(&h, "SELECT coalesce(json_extract(value, '$.partial_r_target'), 'none') FROM xp_records, "
                                 "json_each(xp_records.json, '$.dropped') WHERE kind = 'drop_columns' "
                                 "AND json_extract(value, '$.name') = 'affine' ORDER BY xp_records.id DESC LIMIT 1");
    CHECK_STR(p_affine, "none");
    free(p_affine);
    frame_free(f);

    f = frame_new(R);
    fr_num(f, "open", XP_ROLE_FEATURE, open);
    fr_num(f, "high", XP_ROLE_FEATURE, high);
    fr_num(f, "close", XP_ROLE_TARGET, close);
    CHECK_EQ_INT(txh_create(&h, "target_aware: false\n"), XP_OK);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK(has(f, "open") && !has(f, "high"));
    frame_free(f);
    CHECK_EQ_INT(txh_create(&h, "min_partial: 2\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "min_partial");
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s drop_columns.so\n", argv[0]);
        return 2;
    }
    test_defaults(argv[1]);
    test_switches(argv[1]);
    test_overlap(argv[1]);
    test_errors(argv[1]);
    test_record_names(argv[1]);
    test_target_aware(argv[1]);
    return check_done();
}
