/* test_quantity.c — the `quantity` transform through the real host: the known flag, the log,
 * the placeholder to NaN, options, and errors.
 *
 *     ./test_quantity path/to/quantity.so
 */
#include "check.h"
#include "harness.h"

static xp_frame *frame_q(const char *name, const double *q, size_t n)
{
    xp_frame *f = frame_new(n);
    fr_num(f, name, XP_ROLE_FEATURE, q);
    fr_num(f, "target", XP_ROLE_TARGET, q);
    return f;
}

static void test_defaults(const char *so)
{
    txh h;
    if (txh_open(&h, so, "quantity")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "plugin: quantity\n"), XP_OK);
    double q[6] = { -2, 1, 100, NAN, 0, 9.7e7 };
    xp_frame *f = frame_q("quantity", q, 6);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *c = frame_find(f, "quantity"), *k = frame_find(f, "quantity_known"),
                    *l = frame_find(f, "log_quantity");
    CHECK(k && k->type == XP_COL_BOOL && k->role == XP_ROLE_FEATURE);
    CHECK(l && l->type == XP_COL_NUMERIC && l->role == XP_ROLE_FEATURE);
    if (!k || !l) { frame_free(f); txh_close(&h); return; }
    double want_k[6] = { 0, 1, 1, 0, 1, 1 };
    for (int i = 0; i < 6; i++) CHECK_NEAR(k->num[i], want_k[i], 0);
    CHECK(isnan(c->num[0]));                   /* the placeholder became missing */
    CHECK_NEAR(c->num[2], 100, 0);
    CHECK(isnan(l->num[0]) && isnan(l->num[3]) && isnan(l->num[4]));   /* unknown, 0 */
    CHECK_NEAR(l->num[1], 0, 0);
    CHECK_NEAR(l->num[2], log(100), 1e-15);
    CHECK_NEAR(l->num[5], log(9.7e7), 1e-15);
    CHECK_NEAR(frame_find(f, "target")->num[0], -2, 0);   /* only the quantity column */

    /* Adding the columns twice is an error. */
    CHECK_EQ_INT(txh_apply(&h, f), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "quantity_known");
    frame_free(f);
    txh_close(&h);
}

static void test_options(const char *so)
{
    txh h;
    if (txh_open(&h, so, "quantity")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "column: qty\nplaceholder: -5\nset_missing: false\nlog: false\n"),
                 XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    double q[3] = { -5, -2, 3 };
    xp_frame *f = frame_q("qty", q, 3);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK(frame_find(f, "log_qty") == NULL);
    const xp_column *k = frame_find(f, "qty_known");
    CHECK(k && k->num[0] == 0 && k->num[1] == 1 && k->num[2] == 1);
    CHECK_NEAR(frame_find(f, "qty")->num[0], -5, 0);   /* set_missing: false */
    frame_free(f);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "quantity")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "placeholder: unknown\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:");
    CHECK_CONTAINS(h.call.msg, "placeholder");
    CHECK_EQ_INT(txh_create(&h, "column: [a, b]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "column");
    CHECK_EQ_INT(txh_create(&h, "column: \"\"\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "must not be empty");
    CHECK_EQ_INT(txh_create(&h, "{}\n"), XP_OK);
    double q[2] = { 1, 2 };
    xp_frame *f = frame_q("qty", q, 2);
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "no column named 'quantity'");
    CHECK_EQ_INT(txh_apply(&h, f), XP_ENOTFOUND);
    frame_free(f);
    f = frame_new(1);
    fr_text(f, "quantity", (const char *const[]){ "3" });
    CHECK_EQ_INT(txh_fit(&h, f), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "text");
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s quantity.so\n", argv[0]);
        return 2;
    }
    test_defaults(argv[1]);
    test_options(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
