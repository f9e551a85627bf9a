/* test_set_role.c — the `set_role` transform through the real host: roles by name and glob,
 * absent columns, the one-target/weight/group/id rule, and config errors.
 *
 *     ./test_set_role path/to/set_role.so
 */
#include "check.h"
#include "harness.h"

static xp_frame *frame5(void)
{
    xp_frame *f = frame_new(2);
    fr_num(f, "source_id", XP_ROLE_GROUP, (double[]){ 1, 2 });
    fr_text(f, "description", (const char *const[]){ "a b", "c" });
    fr_num(f, "img_0", XP_ROLE_FEATURE, (double[]){ 1, 2 });
    fr_num(f, "img_1", XP_ROLE_FEATURE, (double[]){ 1, 2 });
    fr_num(f, "target", XP_ROLE_TARGET, (double[]){ 1, 2 });
    return f;
}

static void test_roles(const char *so)
{
    txh h;
    if (txh_open(&h, so, "set_role")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "plugin: set_role\n"
                                "roles: {description: group, source_id: feature, \"img_*\": ignore}\n"),
                 XP_OK);
    xp_frame *f = frame5();
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK_EQ_INT(frame_find(f, "description")->role, XP_ROLE_GROUP);
    CHECK_EQ_INT(frame_find(f, "source_id")->role, XP_ROLE_FEATURE);
    CHECK_EQ_INT(frame_find(f, "img_0")->role, XP_ROLE_IGNORE);
    CHECK_EQ_INT(frame_find(f, "img_1")->role, XP_ROLE_IGNORE);
    CHECK_EQ_INT(frame_find(f, "target")->role, XP_ROLE_TARGET);
    frame_free(f);

    /* New data: absent columns are skipped. */
    f = frame_new(1);
    fr_text(f, "description", (const char *const[]){ "x" });
    CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
    CHECK_EQ_INT(frame_find(f, "description")->role, XP_ROLE_GROUP);
    frame_free(f);

    /* Two groups would result: source_id keeps its role when not remapped. */
    CHECK_EQ_INT(txh_create(&h, "roles: {description: group}\n"), XP_OK);
    f = frame5();
    CHECK_EQ_INT(txh_fit(&h, f), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "source_id and description would have role group");
    CHECK_EQ_INT(txh_apply(&h, f), XP_ECONFIG);
    CHECK_EQ_INT(frame_find(f, "description")->role, XP_ROLE_FEATURE);   /* unchanged */
    frame_free(f);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "set_role")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "{}\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "needs `roles`");
    CHECK_EQ_INT(txh_create(&h, "roles: [a]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_EQ_INT(txh_create(&h, "roles:\n  description: label\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:2:16");
    CHECK_CONTAINS(h.call.msg, "got 'label'");
    CHECK_EQ_INT(txh_create(&h, "roles: {descripton: ignore}\n"), XP_OK);
    xp_frame *f = frame5();
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "no column named 'descripton'");
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s set_role.so\n", argv[0]);
        return 2;
    }
    test_roles(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
