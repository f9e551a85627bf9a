/* test_categorical.c — the `categorical` transform through the real host: numeric codes and
 * text become categorical with training levels, unseen values become missing, the auto
 * rule (max_levels), numeric codes (as: codes, all_categorical), and config errors.
 *
 *     ./test_categorical path/to/categorical.so
 */
#include "check.h"
#include "harness.h"

static xp_frame *train_frame(void)
{
    xp_frame *f = frame_new(8);
    fr_num(f, "source_id", XP_ROLE_FEATURE, (double[]){ 10, 13, 6, 10, 13, NAN, 6, 10 });
    fr_num(f, "feature_58", XP_ROLE_FEATURE, (double[]){ 1, -2, 4, NAN, 1, 1, -2, 4 });
    fr_text(f, "desc", (const char *const[]){ "b", "a", NULL, "b", "a", "a", "b", "b" });
    xp_column *k = fr_cat(f, "kind", (const char *const[]){ "q", "p", "q", "p", "q", "p", "q", "p" });
    col_level(k, "r");   /* a level no training row uses */
    fr_num(f, "small_int", XP_ROLE_FEATURE, (double[]){ 0, 1, 2, 0, 1, 2, 0, 1 });
    fr_num(f, "floaty", XP_ROLE_FEATURE, (double[]){ 0.5, 1.5, 0.5, 1.5, 0.5, 1.5, 0.5, 1.5 });
    fr_num(f, "many", XP_ROLE_FEATURE, (double[]){ 1, 2, 3, 4, 5, 6, 7, 8 });
    fr_num(f, "target", XP_ROLE_TARGET, (double[]){ 1, 2, 1, 2, 1, 2, 1, 2 });
    return f;
}

static void test_explicit(const char *so)
{
    txh h;
    if (txh_open(&h, so, "categorical")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "columns: [source_id, \"feature_5*\", desc, kind]\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *s = f->cols[0];
    CHECK_STR(s->name, "source_id");              /* same position */
    CHECK_EQ_INT(s->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(s->role, XP_ROLE_FEATURE);
    CHECK_EQ_INT(s->n_levels, 3);
    if (s->n_levels == 3) {
        CHECK_STR(s->levels[0], "6");              /* numeric order, not first appearance */
        CHECK_STR(s->levels[1], "10");
        CHECK_STR(s->levels[2], "13");
    }
    CHECK_STR(fr_level(s, 0), "10");
    CHECK_STR(fr_level(s, 2), "6");
    CHECK_EQ_INT(s->codes[5], -1);
    const xp_column *c58 = frame_find(f, "feature_58");
    CHECK_EQ_INT(c58->n_levels, 3);
    CHECK_STR(fr_level(c58, 1), "-2");
    CHECK_STR(fr_level(c58, 2), "4");
    const xp_column *d = frame_find(f, "desc");
    CHECK_EQ_INT(d->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(d->n_levels, 2);
    CHECK_STR(fr_level(d, 1), "a");
    CHECK_EQ_INT(d->codes[2], -1);
    const xp_column *k = frame_find(f, "kind");
    CHECK_EQ_INT(k->n_levels, 2);                 /* "r" never seen in training */
    CHECK_EQ_INT(frame_find(f, "small_int")->type, XP_COL_NUMERIC);   /* not listed */

    /* Validation rows: training levels only; unseen values become missing. */
    xp_frame *v = frame_new(3);
    fr_num(v, "source_id", XP_ROLE_FEATURE, (double[]){ 7, 10, NAN });
    fr_num(v, "feature_58", XP_ROLE_FEATURE, (double[]){ 4, 5, -2 });
    fr_text(v, "desc", (const char *const[]){ "c", "b", "a" });
    fr_cat(v, "kind", (const char *const[]){ "r", "p", "q" });
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    s = frame_find(v, "source_id");
    CHECK_EQ_INT(s->n_levels, 3);
    CHECK_EQ_INT(s->codes[0], -1);
    CHECK_STR(fr_level(s, 1), "10");
    CHECK_EQ_INT(s->codes[1], 1);                 /* same code as in training */
    CHECK_EQ_INT(frame_find(v, "feature_58")->codes[1], -1);
    CHECK_STR(fr_level(frame_find(v, "feature_58"), 2), "-2");
    CHECK_EQ_INT(frame_find(v, "desc")->codes[0], -1);
    CHECK_STR(fr_level(frame_find(v, "desc"), 1), "b");
    CHECK_EQ_INT(frame_find(v, "kind")->codes[0], -1);
    CHECK_STR(fr_level(frame_find(v, "kind"), 2), "q");
    frame_free(v);

    /* A column whose type changed is an error. */
    v = frame_new(1);
    fr_text(v, "source_id", (const char *const[]){ "10" });
    fr_num(v, "feature_58", XP_ROLE_FEATURE, (double[]){ 4 });
    fr_text(v, "desc", (const char *const[]){ "c" });
    fr_cat(v, "kind", (const char *const[]){ "r" });
    CHECK_EQ_INT(txh_apply(&h, v), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "source_id");
    frame_free(v);
    frame_free(f);
    txh_close(&h);
}

static void test_auto(const char *so)
{
    txh h;
    if (txh_open(&h, so, "categorical")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "max_levels: 3\n"), XP_OK);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(frame_find(f, "source_id")->type, XP_COL_CATEGORICAL);   /* 3 integers */
    CHECK_EQ_INT(frame_find(f, "feature_58")->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(frame_find(f, "small_int")->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(frame_find(f, "floaty")->type, XP_COL_NUMERIC);          /* not integers */
    CHECK_EQ_INT(frame_find(f, "many")->type, XP_COL_NUMERIC);            /* 8 values */
    CHECK_EQ_INT(frame_find(f, "target")->type, XP_COL_NUMERIC);          /* not a feature */
    CHECK_EQ_INT(frame_find(f, "desc")->type, XP_COL_TEXT);
    frame_free(f);
    txh_close(&h);
}

/* as: codes with all_categorical: every categorical feature (and the listed columns) becomes a
 * numeric column holding its level's index in sorted order, NaN for missing and unseen. */
static void test_codes(const char *so)
{
    txh h;
    if (txh_open(&h, so, "categorical")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "columns: [desc]\nall_categorical: true\nas: codes\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *k = frame_find(f, "kind");
    CHECK_EQ_INT(k->type, XP_COL_NUMERIC);
    CHECK_EQ_INT(k->role, XP_ROLE_FEATURE);
    CHECK(k->num[0] == 1 && k->num[1] == 0);      /* levels p < q ("r" unused in training) */
    const xp_column *d = frame_find(f, "desc");
    CHECK_EQ_INT(d->type, XP_COL_NUMERIC);
    CHECK(d->num[0] == 1 && d->num[1] == 0 && isnan(d->num[2]));
    CHECK_EQ_INT(frame_find(f, "source_id")->type, XP_COL_NUMERIC);
    CHECK(frame_find(f, "source_id")->num[0] == 10);   /* a numeric column is not picked */
    xp_frame *v = frame_new(3);
    fr_text(v, "desc", (const char *const[]){ "c", "b", NULL });
    fr_cat(v, "kind", (const char *const[]){ "r", "q", "p" });
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    k = frame_find(v, "kind");
    CHECK_EQ_INT(k->type, XP_COL_NUMERIC);
    CHECK(isnan(k->num[0]) && k->num[1] == 1 && k->num[2] == 0);   /* "r": unseen */
    d = frame_find(v, "desc");
    CHECK(isnan(d->num[0]) && d->num[1] == 1 && isnan(d->num[2]));
    frame_free(v);
    frame_free(f);
    /* unseen: code keeps a value never seen in training apart from a missing one. */
    CHECK_EQ_INT(txh_create(&h, "columns: [desc]\nall_categorical: true\nas: codes\nunseen: code\n"), XP_OK);
    f = train_frame();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK(isnan(frame_find(f, "desc")->num[2]));   /* missing in training stays missing */
    v = frame_new(3);
    fr_text(v, "desc", (const char *const[]){ "c", "b", NULL });
    fr_cat(v, "kind", (const char *const[]){ "r", "q", "p" });
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    d = frame_find(v, "desc");
    CHECK(d->num[0] == -1 && d->num[1] == 1 && isnan(d->num[2]));
    CHECK(frame_find(v, "kind")->num[0] == -1);
    frame_free(v);
    frame_free(f);
    CHECK_EQ_INT(txh_create(&h, "all_categorical: true\nas: codes\nunseen: zero\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "missing");
    CHECK_EQ_INT(txh_create(&h, "all_categorical: true\nas: ordinal\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "codes");
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "categorical")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "max_levels: -1\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "max_levels");
    CHECK_EQ_INT(txh_create(&h, "max_levels: few\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_EQ_INT(txh_create(&h, "columns: [target]\n"), XP_OK);
    xp_frame *f = train_frame();
    CHECK_EQ_INT(txh_fit(&h, f), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "is the target");
    CHECK_EQ_INT(txh_create(&h, "columns: [source]\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "no column named 'source'");
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s categorical.so\n", argv[0]);
        return 2;
    }
    test_explicit(argv[1]);
    test_auto(argv[1]);
    test_codes(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
