/* test_challenge.c — the transforms as the step-1 pipeline runs them, on a synthetic frame
 * with the challenge data's quirks (challenge_frame.h, 40,292 rows x 80 columns): each stage
 * fitted on the training rows and applied to training and validation rows. Checks that each
 * quirk is found, that both frames end with the same columns, and how long it all takes.
 *
 *     ./test_challenge build/plugins/transforms        # the folder holding <name>/<name>.so
 */
#include <time.h>

#include "challenge_frame.h"
#include "check.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct stage {
    const char *plugin;
    const char *yaml;
} stage;

static const stage STEP1[] = {
    { "profile", "plugin: profile\n" },
    { "parse_prefixed", "plugin: parse_prefixed\ncolumns: [feature_1, feature_2]\n" },
    { "quantity", "plugin: quantity\ncolumn: quantity\n" },
    { "placeholders", "plugin: placeholders\nmode: auto\nexclude: [source_id, quantity, quantity_known]\n" },
    { "drop_columns", "plugin: drop_columns\n" },
    { "categorical", "plugin: categorical\ncolumns: [source_id, feature_58, feature_59]\n" },
    { "impute", "plugin: impute\nindicators: true\n" },
    { "target_log", "plugin: target_log\n" },
};
enum { N_STAGES = sizeof STEP1 / sizeof STEP1[0] };

static int has(const xp_frame *f, const char *name) { return frame_find(f, name) != NULL; }

/* SQL on the profile record: codes found for a column, as "v1,v2". */
static char *profile_codes(txh *h, const char *col)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT group_concat(json_extract(p.value, '$.value')) FROM xp_records r, "
             "json_each(r.json, '$.columns') c, json_each(c.value, '$.placeholders') p "
             "WHERE r.kind = 'profile' AND json_extract(c.value, '$.name') = '%s'", col);
    return txh_sql(h, sql);
}

static int profile_pair(txh *h, const char *a, const char *b)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM xp_records r, json_each(r.json, '$.correlated_pairs') p "
             "WHERE r.kind = 'profile' AND ((json_extract(p.value, '$.a') = '%s' AND "
             "json_extract(p.value, '$.b') = '%s') OR (json_extract(p.value, '$.a') = '%s' AND "
             "json_extract(p.value, '$.b') = '%s'))", a, b, b, a);
    return (int)txh_sql_num(h, sql);
}

static void check_profile(txh *h)
{
    char *s;
    s = profile_codes(h, "feature_54"); CHECK_STR(s, "-5,-2"); free(s);
    s = profile_codes(h, "feature_29"); CHECK_STR(s, "-8"); free(s);
    s = profile_codes(h, "quantity"); CHECK_STR(s, "-2"); free(s);
    static const char *const none[] = { "feature_64", "feature_75", "feature_58", "feature_59",
                                        "feature_22", "feature_47", "feature_62", "feature_30" };
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        s = profile_codes(h, none[i]);
        if (s) fprintf(stderr, "  %s: unexpected codes %s\n", none[i], s);
        CHECK(s == NULL);
        free(s);
    }
    CHECK(profile_pair(h, "feature_36", "feature_44"));
    CHECK(profile_pair(h, "feature_27", "feature_43"));
    CHECK(profile_pair(h, "feature_3", "feature_5"));
    CHECK(profile_pair(h, "feature_48", "feature_50"));
    CHECK(!profile_pair(h, "feature_48", "feature_51"));
    CHECK_NEAR(txh_sql_num(h, "SELECT json_extract(c.value, '$.missing_share') FROM xp_records r, "
                              "json_each(r.json, '$.columns') c WHERE r.kind = 'profile' AND "
                              "json_extract(c.value, '$.name') = 'feature_12'"), 1, 0);
    CHECK_EQ_INT(txh_sql_num(h, "SELECT json_extract(c.value, '$.near_constant') FROM xp_records r, "
                                "json_each(r.json, '$.columns') c WHERE r.kind = 'profile' AND "
                                "json_extract(c.value, '$.name') = 'feature_22'"), 1);
    double med = txh_sql_num(h, "SELECT json_extract(json, '$.target.median') FROM xp_records "
                                "WHERE kind = 'profile'");
    double lskew = txh_sql_num(h, "SELECT json_extract(json, '$.target.log1p.skew') FROM xp_records "
                                  "WHERE kind = 'profile'");
    double skew = txh_sql_num(h, "SELECT json_extract(json, '$.target.skew') FROM xp_records "
                                 "WHERE kind = 'profile'");
    CHECK(med > 2000 && med < 20000);
    CHECK(skew > 3 && fabs(lskew) < 0.5);   /* right-skewed; log1p nearly symmetric */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PLUGIN_DIR   (holding <name>/<name>.so)\n", argv[0]);
        return 2;
    }
    xp_frame *full = challenge_frame(40292, 1);
    CHECK_EQ_INT(full->n_cols, 80);
    size_t n_train = 0, n_valid = 0;
    size_t *tr = malloc(full->n_rows * sizeof *tr), *va = malloc(full->n_rows * sizeof *va);
    for (size_t i = 0; i < full->n_rows; i++) {
        if (i % 10 < 7) tr[n_train++] = i;
        else va[n_valid++] = i;
    }
    xp_frame *train = frame_take(full, tr, n_train), *valid = frame_take(full, va, n_valid);
    free(tr);
    free(va);

    txh h[N_STAGES];
    double total = 0;
    for (size_t k = 0; k < N_STAGES; k++) {
        char so[4096];
        snprintf(so, sizeof so, "%s/%s/%s.so", argv[1], STEP1[k].plugin, STEP1[k].plugin);
        if (txh_open(&h[k], so, STEP1[k].plugin)) return 1;
        int rc = txh_create(&h[k], STEP1[k].yaml);
        CHECK_EQ_INT(rc, XP_OK);
        CHECK_EQ_INT(h[k].unused, 1);   /* only `plugin`, which is the runner's */
        double t0 = now_s();
        if (!rc) rc = txh_fit_apply(&h[k], train);
        if (!rc) rc = txh_apply(&h[k], valid);
        double dt = now_s() - t0;
        total += dt;
        fprintf(stderr, "  %-15s %6.3f s  -> %zu columns\n", STEP1[k].plugin, dt, train->n_cols);
        if (rc) {
            fprintf(stderr, "%s failed: %s\n", STEP1[k].plugin, h[k].call.msg);
            CHECK_EQ_INT(rc, XP_OK);
            return check_done();
        }
        if (k == 0) {
            check_profile(&h[k]);
            CHECK(dt < 10);   /* profile of 28k x 80 incl. ~2.3k correlations: ~0.2 s optimised */
        }
    }
    fprintf(stderr, "  pipeline total %.3f s on %zu + %zu rows\n", total, train->n_rows,
            valid->n_rows);

    /* Both frames end with the same columns, types and roles, in the same order. */
    CHECK_EQ_INT(train->n_cols, valid->n_cols);
    for (size_t j = 0; j < train->n_cols && j < valid->n_cols; j++) {
        CHECK_STR(train->cols[j]->name, valid->cols[j]->name);
        CHECK_EQ_INT(train->cols[j]->type, valid->cols[j]->type);
        CHECK_EQ_INT(train->cols[j]->role, valid->cols[j]->role);
    }
    /* parse_prefixed, quantity */
    CHECK_EQ_INT(frame_find(train, "feature_1")->type, XP_COL_NUMERIC);
    CHECK(has(train, "quantity_known") && has(train, "log_quantity"));
    /* drop_columns: empty, constant, near-duplicates (the one with more missing / later) */
    static const char *const gone[] = { "feature_12", "feature_17", "feature_14", "feature_21",
                                        "feature_22", "feature_44", "feature_43", "feature_49",
                                        "feature_50", "feature_52", "feature_4", "feature_5" };
    static const char *const kept[] = { "feature_3", "feature_36", "feature_27", "feature_48",
                                        "feature_51", "feature_8", "feature_64", "feature_9",
                                        "description", "target", "feature_29", "feature_54" };
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
        if (has(train, gone[i])) fprintf(stderr, "  %s should be dropped\n", gone[i]);
        CHECK(!has(train, gone[i]));
    }
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        if (!has(train, kept[i])) fprintf(stderr, "  %s should be kept\n", kept[i]);
        CHECK(has(train, kept[i]));
    }
    /* placeholders: codes became missing, then impute filled them and flagged them */
    CHECK(has(train, "feature_54_missing") && has(train, "feature_29_missing"));
    CHECK(!has(train, "feature_64_missing"));          /* flags are data */
    const xp_column *m54 = frame_find(valid, "feature_54_missing");
    if (m54) {
        size_t k = 0;
        for (size_t i = 0; i < valid->n_rows; i++) k += m54->num[i] == 1;
        CHECK(k > valid->n_rows * 80 / 100 && k < valid->n_rows * 90 / 100);   /* ~85% codes */
    }
    /* categorical */
    CHECK_EQ_INT(frame_find(train, "source_id")->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(frame_find(train, "source_id")->n_levels, 20);
    CHECK_EQ_INT(frame_find(valid, "feature_58")->n_levels, 3);
    /* target_log: both frames in log space, and back */
    CHECK(frame_find(valid, "target")->num[0] < 15);
    double p = frame_find(valid, "target")->num[0];
    CHECK_EQ_INT(h[N_STAGES - 1].ops->inverse_target(txh_ctx(&h[N_STAGES - 1]), h[N_STAGES - 1].state,
                                                     &p, 1), XP_OK);
    CHECK_NEAR(p, frame_find(full, "target")->num[7], 1e-6 * p);   /* row 7 is valid row 0 */

    for (size_t k = 0; k < N_STAGES; k++) txh_close(&h[k]);
    frame_free(train);
    frame_free(valid);
    frame_free(full);
    return check_done();
}
