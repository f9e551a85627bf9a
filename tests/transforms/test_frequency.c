/* test_frequency.c — the `frequency` transform through the real host: shares learned on the
 * training rows (unseen -> 0, missing -> missing), word counts of text, text made `ignore`,
 * the level threshold, declared columns, and errors.
 *
 *     ./test_frequency path/to/frequency.so
 */
#include "check.h"
#include "harness.h"

static void test_defaults(const char *so)
{
    txh h;
    if (txh_open(&h, so, "frequency")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "min_levels: 2\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *tr = frame_new(4);
    fr_cat(tr, "dist", (const char *const[]){ "a", "b", "a", "c" });           /* 3 levels > 2 */
    fr_cat(tr, "genre", (const char *const[]){ "x", "y", "x", "y" });          /* 2 levels: left */
    fr_text(tr, "title", (const char *const[]){ "big night", "  war ", NULL, "a b c" });
    double y[4] = { 1, 2, 3, 4 };
    fr_num(tr, "target", XP_ROLE_TARGET, y);
    CHECK_EQ_INT(txh_fit_apply(&h, tr), XP_OK);
    const xp_column *df = frame_find(tr, "dist_freq"), *tf = frame_find(tr, "title_freq"),
                    *tw = frame_find(tr, "title_words"), *title = frame_find(tr, "title");
    CHECK(frame_find(tr, "genre_freq") == NULL);
    CHECK(df && tf && tw && title);
    if (df && tf && tw && title) {
        CHECK_NEAR(df->num[0], 0.5, 1e-15);
        CHECK_NEAR(df->num[1], 0.25, 1e-15);
        CHECK_NEAR(tf->num[0], 0.25, 1e-15);
        CHECK(isnan(tf->num[2]) && isnan(tw->num[2]));
        CHECK_NEAR(tw->num[0], 2, 0);
        CHECK_NEAR(tw->num[1], 1, 0);
        CHECK_NEAR(tw->num[3], 3, 0);
        CHECK_EQ_INT(title->role, XP_ROLE_IGNORE);       /* no longer a model input */
        CHECK_EQ_INT(frame_find(tr, "dist")->role, XP_ROLE_FEATURE);
    }
    /* Other rows: shares from training; an unseen value is 0. */
    xp_frame *va = frame_new(2);
    fr_cat(va, "dist", (const char *const[]){ "c", "zzz" });
    fr_cat(va, "genre", (const char *const[]){ "x", "y" });
    fr_text(va, "title", (const char *const[]){ "new one", "war" });
    fr_num(va, "target", XP_ROLE_TARGET, y);
    CHECK_EQ_INT(txh_apply(&h, va), XP_OK);
    df = frame_find(va, "dist_freq");
    tf = frame_find(va, "title_freq");
    if (df && tf) {
        CHECK_NEAR(df->num[0], 0.25, 1e-15);
        CHECK_NEAR(df->num[1], 0, 0);
        CHECK_NEAR(tf->num[0], 0, 0);
        CHECK_NEAR(tf->num[1], 0, 0);   /* "  war " was the training value, not "war" */
    }
    frame_free(tr);
    frame_free(va);
    txh_close(&h);
}

static void test_options(const char *so)
{
    txh h;
    if (txh_open(&h, so, "frequency")) { CHECK(0); return; }
    /* Declared columns only; text kept as a feature. */
    CHECK_EQ_INT(txh_create(&h, "columns: [genre]\nignore_text: false\ntext: false\n"), XP_OK);
    xp_frame *f = frame_new(2);
    fr_cat(f, "genre", (const char *const[]){ "x", "x" });
    fr_text(f, "title", (const char *const[]){ "a", "b" });
    double y[2] = { 1, 2 };
    fr_num(f, "target", XP_ROLE_TARGET, y);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK(frame_find(f, "genre_freq") != NULL);
    CHECK(frame_find(f, "title_freq") == NULL);
    CHECK_EQ_INT(frame_find(f, "title")->role, XP_ROLE_FEATURE);
    frame_free(f);
    CHECK_EQ_INT(txh_create(&h, "min_levels: -1\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "min_levels");
    CHECK_EQ_INT(txh_create(&h, "columns: [nope]\n"), XP_OK);
    f = frame_new(1);
    fr_text(f, "title", (const char *const[]){ "a" });
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "nope");
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s frequency.so\n", argv[0]);
        return 2;
    }
    test_defaults(argv[1]);
    test_options(argv[1]);
    return check_done();
}
