/* test_placeholders.c — the `placeholders` transform through the real host: auto detection
 * on a feature_54-like column, what must not be flagged, explicit codes with globs, the
 * training-rows-only rule, the record, and config errors.
 *
 *     ./test_placeholders path/to/placeholders.so
 */
#include "check.h"
#include "harness.h"

enum { N = 1000 };

static size_t count_nan(const xp_column *c, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += isnan(c->num[i]);
    return k;
}

static size_t count_eq(const xp_column *c, size_t n, double v)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += c->num[i] == v;
    return k;
}

/* The training frame:
 *   feature_54  -5 (70%), -2 (15%), then 1, 4, 7, ... (15%)        -> -5 and -2 are codes
 *   feature_29  -8 (30%), else continuous N(0, 10)                  -> -8 is a code
 *   flag        -5 / -2 only (a binary flag)                        -> data, not codes
 *   signed      integers -10..10, -1 frequent (20%)                 -> -1 sits amid values: data
 *   rare        -2 in 0.5% of rows, else 1..100                     -> below min_share
 *   level       58-like: {1, 4} and -2 (30%)                        -> too few other values
 *   uniform     integers -3..3, equally frequent                    -> -3..-1 are no spikes: data
 *   target      -2 (20%), else 10..1000: never touched (role target) */
static xp_frame *train_frame(void)
{
    xp_frame *f = frame_new(N);
    double v[N];
    for (size_t i = 0; i < N; i++) v[i] = i < 700 ? -5 : i < 850 ? -2 : 1 + 3.0 * (double)(i - 850);
    fr_num(f, "feature_54", XP_ROLE_FEATURE, v);
    rng r = { 11 };
    for (size_t i = 0; i < N; i++) v[i] = i % 10 < 3 ? -8 : 10 * rng_normal(&r);
    fr_num(f, "feature_29", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = i % 3 ? -5 : -2;
    fr_num(f, "flag", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = i % 5 == 0 ? -1 : (double)((int)(i % 21) - 10);
    fr_num(f, "signed", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = i % 200 == 0 ? -2 : (double)(1 + i % 100);
    fr_num(f, "rare", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = i % 10 < 3 ? -2 : i % 2 ? 1 : 4;
    fr_num(f, "level", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = (double)((int)(i % 7) - 3);
    fr_num(f, "uniform", XP_ROLE_FEATURE, v);
    for (size_t i = 0; i < N; i++) v[i] = i % 5 == 0 ? -2 : 10 + (double)i;
    fr_num(f, "target", XP_ROLE_TARGET, v);
    return f;
}

static void test_auto(const char *so)
{
    txh h;
    if (txh_open(&h, so, "placeholders")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "plugin: placeholders\nmode: auto\n"), XP_OK);
    xp_frame *train = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK_EQ_INT(count_nan(frame_find(train, "feature_54"), N), 850);
    CHECK_EQ_INT(count_eq(frame_find(train, "feature_54"), N, 1), 1);   /* real values kept */
    CHECK_EQ_INT(count_nan(frame_find(train, "feature_29"), N), 300);
    CHECK_EQ_INT(count_nan(frame_find(train, "flag"), N), 0);
    CHECK_EQ_INT(count_nan(frame_find(train, "signed"), N), 0);
    CHECK_EQ_INT(count_nan(frame_find(train, "rare"), N), 0);
    CHECK_EQ_INT(count_nan(frame_find(train, "level"), N), 0);
    CHECK_EQ_INT(count_nan(frame_find(train, "uniform"), N), 0);
    CHECK_EQ_INT(count_eq(frame_find(train, "target"), N, -2), 200);

    /* The record says what was learned, with shares. */
    char *rec = txh_record(&h, "placeholders");
    CHECK(rec && strcmp(rec, "INVALID JSON") != 0);
    free(rec);
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_array_length(json, '$.columns') FROM xp_records "
                                 "WHERE kind = 'placeholders'"), 2);
    char *s = txh_sql(&h, "SELECT json_extract(value, '$.codes') FROM xp_records, "
                          "json_each(xp_records.json, '$.columns') WHERE kind = 'placeholders' "
                          "AND json_extract(value, '$.name') = 'feature_54'");
    CHECK_STR(s, "[{\"value\":-5,\"share\":0.7,\"source\":\"auto\"},"
                 "{\"value\":-2,\"share\":0.15,\"source\":\"auto\"}]");
    free(s);

    /* Validation rows: learned codes apply; codes seen only here are not learned. */
    xp_frame *valid = frame_new(4);
    fr_num(valid, "feature_54", XP_ROLE_FEATURE, (double[]){ -5, -2, 7, -8 });
    fr_num(valid, "feature_29", XP_ROLE_FEATURE, (double[]){ -8, -5, 3.5, -8 });
    fr_num(valid, "flag", XP_ROLE_FEATURE, (double[]){ -5, -5, -5, -5 });
    fr_num(valid, "signed", XP_ROLE_FEATURE, (double[]){ -3, -3, -3, -1 });
    fr_num(valid, "rare", XP_ROLE_FEATURE, (double[]){ -2, -2, -2, -2 });
    fr_num(valid, "level", XP_ROLE_FEATURE, (double[]){ -2, 1, 4, -2 });
    fr_num(valid, "uniform", XP_ROLE_FEATURE, (double[]){ -3, 1, 4, -2 });
    fr_num(valid, "target", XP_ROLE_TARGET, (double[]){ -2, 5, 6, 7 });
    CHECK_EQ_INT(txh_apply(&h, valid), XP_OK);
    const xp_column *c = frame_find(valid, "feature_54");
    CHECK(isnan(c->num[0]) && isnan(c->num[1]) && c->num[2] == 7 && c->num[3] == -8);
    c = frame_find(valid, "feature_29");
    CHECK(isnan(c->num[0]) && c->num[1] == -5 && c->num[2] == 3.5 && isnan(c->num[3]));
    CHECK_EQ_INT(count_nan(frame_find(valid, "rare"), 4), 0);
    CHECK_EQ_INT(count_nan(frame_find(valid, "signed"), 4), 0);
    CHECK_EQ_INT(frame_find(valid, "target")->num[0], -2);

    /* A frame without a learned column is an error naming it. */
    xp_frame *bad = frame_new(2);
    fr_num(bad, "feature_29", XP_ROLE_FEATURE, (double[]){ 1, 2 });
    CHECK_EQ_INT(txh_apply(&h, bad), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "feature_54");
    frame_free(bad);
    frame_free(valid);
    frame_free(train);
    txh_close(&h);
}

static void test_rule_options(const char *so)
{
    txh h;
    if (txh_open(&h, so, "placeholders")) { CHECK(0); return; }
    /* min_ratio 0.5: the uniform column's -3..-1 now count as spikes below 0..3. */
    CHECK_EQ_INT(txh_create(&h, "min_ratio: 0.5\n"), XP_OK);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(count_nan(frame_find(f, "uniform"), N), 3 * N / 7 + 1);
    frame_free(f);
    /* min_share 0.2: only -5 (70%) of feature_54, not -2 (15%); -8 (30%) of feature_29. */
    CHECK_EQ_INT(txh_create(&h, "min_share: 0.2\n"), XP_OK);
    f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(count_nan(frame_find(f, "feature_54"), N), 700);
    CHECK_EQ_INT(count_nan(frame_find(f, "feature_29"), N), 300);
    frame_free(f);
    /* min_code -4: -5 and -8 are out of range, so they count as ordinary values; -2 is then
     * no longer below every ordinary value of feature_54. */
    CHECK_EQ_INT(txh_create(&h, "min_code: -4\n"), XP_OK);
    f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(count_nan(frame_find(f, "feature_54"), N), 0);
    CHECK_EQ_INT(count_nan(frame_find(f, "feature_29"), N), 0);
    frame_free(f);
    /* max_codes 1: feature_54 has two codes, so none are taken. */
    CHECK_EQ_INT(txh_create(&h, "max_codes: 1\n"), XP_OK);
    f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(count_nan(frame_find(f, "feature_54"), N), 0);
    CHECK_EQ_INT(count_nan(frame_find(f, "feature_29"), N), 300);
    frame_free(f);
    txh_close(&h);
}

static void test_train_only(const char *so)
{
    /* Same column, two fits: on train rows, and on train + a block of "valid" rows where -3
     * is frequent. Only the second may learn -3: fitting never sees other splits. */
    txh h;
    if (txh_open(&h, so, "placeholders")) { CHECK(0); return; }
    xp_frame *train = frame_new(400);
    double v[400];
    for (size_t i = 0; i < 400; i++) v[i] = i < 100 ? -5 : (double)(i % 37);
    fr_num(train, "x", XP_ROLE_FEATURE, v);
    xp_frame *both = frame_new(400);
    for (size_t i = 0; i < 400; i++) v[i] = i < 100 ? -5 : i < 200 ? -3 : (double)(i % 37);
    fr_num(both, "x", XP_ROLE_FEATURE, v);

    CHECK_EQ_INT(txh_create(&h, "mode: auto\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, train), XP_OK);
    xp_frame *valid = frame_new(3);
    fr_num(valid, "x", XP_ROLE_FEATURE, (double[]){ -3, -5, 4 });
    CHECK_EQ_INT(txh_apply(&h, valid), XP_OK);
    CHECK(valid->cols[0]->num[0] == -3 && isnan(valid->cols[0]->num[1]) && valid->cols[0]->num[2] == 4);
    frame_free(valid);

    /* A refit on other rows replaces (not accumulates) what was learned. */
    CHECK_EQ_INT(txh_fit(&h, both), XP_OK);
    valid = frame_new(3);
    fr_num(valid, "x", XP_ROLE_FEATURE, (double[]){ -3, -5, 4 });
    CHECK_EQ_INT(txh_apply(&h, valid), XP_OK);
    CHECK(isnan(valid->cols[0]->num[0]) && isnan(valid->cols[0]->num[1]));
    CHECK_EQ_INT(txh_fit(&h, train), XP_OK);
    frame_free(valid);
    valid = frame_new(1);
    fr_num(valid, "x", XP_ROLE_FEATURE, (double[]){ -3 });
    CHECK_EQ_INT(txh_apply(&h, valid), XP_OK);
    CHECK_EQ_INT(valid->cols[0]->num[0], -3);
    frame_free(valid);
    frame_free(both);
    frame_free(train);
    txh_close(&h);
}

static void test_explicit(const char *so)
{
    txh h;
    if (txh_open(&h, so, "placeholders")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "codes: {feature_29: [-8], \"*\": [-5, -2]}\nexclude: [flag]\n"),
                 XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *train = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK_EQ_INT(count_nan(frame_find(train, "feature_54"), N), 850);
    CHECK_EQ_INT(count_nan(frame_find(train, "feature_29"), N), 300);
    CHECK_EQ_INT(count_nan(frame_find(train, "flag"), N), 0);         /* excluded */
    CHECK_EQ_INT(count_nan(frame_find(train, "rare"), N), 5);         /* "*" applies everywhere */
    CHECK_EQ_INT(count_nan(frame_find(train, "level"), N), 300);
    CHECK_EQ_INT(count_eq(frame_find(train, "target"), N, -2), 200);  /* never the target */
    CHECK_EQ_INT(txh_sql_num(&h, "SELECT json_array_length(value, '$.codes') FROM xp_records, "
                                 "json_each(xp_records.json, '$.columns') WHERE kind = "
                                 "'placeholders' AND json_extract(value, '$.name') = 'feature_29'"),
                 3);
    frame_free(train);

    /* Globs: feature_5* is feature_54 only. */
    CHECK_EQ_INT(txh_create(&h, "codes: {\"feature_5*\": -5}\n"), XP_OK);
    train = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK_EQ_INT(count_nan(frame_find(train, "feature_54"), N), 700);
    CHECK_EQ_INT(count_nan(frame_find(train, "feature_29"), N), 0);
    frame_free(train);

    /* mode: auto with codes: both. */
    CHECK_EQ_INT(txh_create(&h, "mode: auto\ncodes: {rare: [-2]}\ncolumns: [rare, \"feature_*\"]\n"),
                 XP_OK);
    train = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, train), XP_OK);
    CHECK_EQ_INT(count_nan(frame_find(train, "rare"), N), 5);
    CHECK_EQ_INT(count_nan(frame_find(train, "feature_54"), N), 850);
    CHECK_EQ_INT(count_nan(frame_find(train, "level"), N), 0);
    frame_free(train);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "placeholders")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "codes: [-5, -2]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_CONTAINS(h.call.msg, "must be a map");
    CHECK_EQ_INT(txh_create(&h, "codes:\n  feature_29: [-8, minus]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:2:");
    CHECK_CONTAINS(h.call.msg, "expected a number, got 'minus'");
    CHECK_EQ_INT(txh_create(&h, "mode: sometimes\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:7: mode: expected one of explicit, auto, got 'sometimes'");
    CHECK_EQ_INT(txh_create(&h, "mode: explicit\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "needs `codes`");
    CHECK_EQ_INT(txh_create(&h, "min_share: lots\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_CONTAINS(h.call.msg, "min_share");
    CHECK_EQ_INT(txh_create(&h, "min_share: 2\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "between");
    CHECK_EQ_INT(txh_create(&h, "exclude: {a: 1}\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "exclude");

    /* Every supported key is read; an unknown one is left for the runner to report. */
    CHECK_EQ_INT(txh_create(&h, "plugin: placeholders\nmode: auto\ncodes: {x: -1}\nexclude: [a]\n"
                                "columns: [b]\nmin_share: 0.02\nmin_code: -9\nmax_codes: 3\nmin_other_distinct: 4\n"
                                "min_ratio: 2\n"),
                 XP_OK);
    CHECK_EQ_INT(h.unused, 1);   /* `plugin` is the runner's key, not the plugin's */
    CHECK_EQ_INT(txh_create(&h, "mode: auto\nmin_shares: 0.02\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 1);

    /* At most 16 codes per column. */
    CHECK_EQ_INT(txh_create(&h, "codes:\n  \"*\": [-1, -2, -3, -4, -5, -6, -7, -8]\n"
                                "  \"f*\": [-11, -12, -13, -14, -15, -16, -17, -18]\n"
                                "  feature_54: [-21]\n"), XP_OK);
    xp_frame *many = train_frame();
    CHECK_EQ_INT(txh_fit(&h, many), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:4:");
    CHECK_CONTAINS(h.call.msg, "more than 16 codes");
    frame_free(many);

    /* Names checked at fit: a typo, and the target named explicitly. */
    xp_frame *train = train_frame();
    CHECK_EQ_INT(txh_create(&h, "codes: {feature_92: [-5]}\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, train), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_CONTAINS(h.call.msg, "no column named 'feature_92'");
    CHECK_EQ_INT(txh_create(&h, "codes: {target: [-2]}\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, train), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "role target");
    frame_free(train);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s placeholders.so\n", argv[0]);
        return 2;
    }
    test_auto(argv[1]);
    test_rule_options(argv[1]);
    test_train_only(argv[1]);
    test_explicit(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
