/* test_parse_prefixed.c — the `parse_prefixed` transform through the real host: "nr_12" -> 12
 * for categorical and text columns, auto detection with min_match, unparseable values, the
 * exact pattern, and config errors.
 *
 *     ./test_parse_prefixed path/to/parse_prefixed.so
 */
#include "check.h"
#include "harness.h"

enum { N = 200 };

static xp_frame *train_frame(void)
{
    static char f1[N][16], mostly[N][8], half[N][8];
    const char *a[N], *b[N], *c[N], *d[N], *e[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(f1[i], sizeof f1[i], "nr_%d", (int)(i % 50) - 5);
        a[i] = f1[i];
        b[i] = i == 3 ? NULL : i % 2 ? "sh_1" : "sh_0";
        c[i] = i % 2 ? "red bolt" : "blue nut";
        snprintf(mostly[i], sizeof mostly[i], "ab_%zu", i % 7);
        d[i] = i == 10 ? "junk" : mostly[i];
        snprintf(half[i], sizeof half[i], "x_%zu", i);
        e[i] = i % 2 ? half[i] : "none";
    }
    xp_frame *f = frame_new(N);
    fr_cat(f, "feature_1", a);
    fr_text(f, "feature_2", b);
    fr_text(f, "desc", c);
    fr_cat(f, "mostly", d);
    fr_cat(f, "half", e);
    fr_num(f, "num", XP_ROLE_FEATURE, (double[N]){ 0 });
    return f;
}

static void test_auto(const char *so)
{
    txh h;
    if (txh_open(&h, so, "parse_prefixed")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "plugin: parse_prefixed\n"), XP_OK);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *c = f->cols[0];
    CHECK_STR(c->name, "feature_1");
    CHECK_EQ_INT(c->type, XP_COL_NUMERIC);
    CHECK_NEAR(c->num[0], -5, 0);
    CHECK_NEAR(c->num[17], 12, 0);
    c = f->cols[1];
    CHECK_STR(c->name, "feature_2");
    CHECK_EQ_INT(c->type, XP_COL_NUMERIC);
    CHECK_NEAR(c->num[0], 0, 0);
    CHECK_NEAR(c->num[1], 1, 0);
    CHECK(isnan(c->num[3]));                            /* missing stays missing */
    CHECK_EQ_INT(frame_find(f, "desc")->type, XP_COL_TEXT);
    c = frame_find(f, "mostly");                       /* 199 of 200 match: >= 99% */
    CHECK_EQ_INT(c->type, XP_COL_NUMERIC);
    CHECK(isnan(c->num[10]));                           /* "junk" */
    CHECK_NEAR(c->num[11], 4, 0);
    CHECK_EQ_INT(frame_find(f, "half")->type, XP_COL_CATEGORICAL);

    /* Validation rows: the same columns, whatever their values look like. */
    xp_frame *v = frame_new(9);
    fr_cat(v, "feature_1", (const char *const[]){ "nr_x", "NR_7", "_5", "nr_", "nr_5a", "a_b_3",
                                                    "nr_0012", "nr_-0", NULL });
    fr_text(v, "feature_2", (const char *const[]){ "sh_2", "zz", NULL, NULL, NULL, NULL, NULL,
                                                     NULL, NULL });
    fr_text(v, "desc", (const char *const[]){ "ab_1", "ab_2", "ab_3", "ab_4", "ab_5", "ab_6",
                                                "ab_7", "ab_8", "ab_9" });
    fr_cat(v, "mostly", (const char *const[]){ "ab_1", "ab_2", "ab_3", "ab_4", "ab_5", "ab_6",
                                                 "ab_7", "ab_8", "ab_9" });
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    c = frame_find(v, "feature_1");
    CHECK(isnan(c->num[0]));
    CHECK_NEAR(c->num[1], 7, 0);
    CHECK(isnan(c->num[2]) && isnan(c->num[3]) && isnan(c->num[4]) && isnan(c->num[5]));
    CHECK_NEAR(c->num[6], 12, 0);
    CHECK_NEAR(c->num[7], 0, 0);
    CHECK(isnan(c->num[8]));
    CHECK_NEAR(frame_find(v, "feature_2")->num[0], 2, 0);
    CHECK_EQ_INT(frame_find(v, "desc")->type, XP_COL_TEXT);   /* not learned at fit */
    CHECK_NEAR(frame_find(v, "mostly")->num[8], 9, 0);
    frame_free(v);
    frame_free(f);

    /* min_match 0.5 also takes `half` (every other value matches). */
    CHECK_EQ_INT(txh_create(&h, "columns: auto\nmin_match: 0.5\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(frame_find(f, "half")->type, XP_COL_NUMERIC);
    CHECK_NEAR(frame_find(f, "half")->num[1], 1, 0);
    CHECK(isnan(frame_find(f, "half")->num[0]));
    frame_free(f);
    txh_close(&h);
}

static void test_explicit(const char *so)
{
    txh h;
    if (txh_open(&h, so, "parse_prefixed")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "columns: [feature_1, num, half]\n"), XP_OK);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(frame_find(f, "feature_1")->type, XP_COL_NUMERIC);
    CHECK_EQ_INT(frame_find(f, "feature_2")->type, XP_COL_TEXT);     /* not listed */
    CHECK_EQ_INT(frame_find(f, "num")->type, XP_COL_NUMERIC);        /* already numeric: skipped */
    CHECK_EQ_INT(frame_find(f, "half")->type, XP_COL_NUMERIC);       /* listed: parsed anyway */
    CHECK_NEAR(frame_find(f, "half")->num[3], 3, 0);
    frame_free(f);

    /* A learned column missing later, or no longer text, is an error. */
    xp_frame *v = frame_new(1);
    fr_num(v, "feature_1", XP_ROLE_FEATURE, (double[]){ 1 });
    fr_cat(v, "half", (const char *const[]){ "x_1" });
    CHECK_EQ_INT(txh_apply(&h, v), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "feature_1");
    frame_free(v);
    v = frame_new(1);
    fr_cat(v, "feature_1", (const char *const[]){ "x_1" });
    CHECK_EQ_INT(txh_apply(&h, v), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "half");
    frame_free(v);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "parse_prefixed")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "min_match: 2\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:12");
    CHECK_CONTAINS(h.call.msg, "min_match");
    CHECK_EQ_INT(txh_create(&h, "columns: {feature_1: yes}\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "columns");
    CHECK_EQ_INT(txh_create(&h, "columns: [feature_3]\n"), XP_OK);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "feature_3");
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s parse_prefixed.so\n", argv[0]);
        return 2;
    }
    test_auto(argv[1]);
    test_explicit(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
