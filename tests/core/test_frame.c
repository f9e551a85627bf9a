/* Unit test of core/frame.c: columns start missing, take() copies rows and keeps row ids
 * and categorical levels, drop() removes, duplicate names are refused. */
#include <math.h>

#include "check.h"
#include "frame.h"

int main(void)
{
    xp_frame *f = frame_new(4);
    xp_column *a = frame_add(f, "a", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    xp_column *c = frame_add(f, "c", XP_COL_CATEGORICAL, XP_ROLE_FEATURE);
    xp_column *t = frame_add(f, "t", XP_COL_TEXT, XP_ROLE_IGNORE);
    CHECK(a && c && t);
    CHECK(frame_add(f, "a", XP_COL_NUMERIC, XP_ROLE_FEATURE) == NULL);
    CHECK(isnan(a->num[3]));
    CHECK_EQ_INT(c->codes[0], -1);
    CHECK(t->text[0] == NULL);
    for (int i = 0; i < 4; i++) {
        a->num[i] = i * 1.5;
        c->codes[i] = col_level(c, i % 2 ? "odd" : "even");
        col_set_text(t, (size_t)i, i == 2 ? NULL : "x");
    }
    CHECK_EQ_INT(c->n_levels, 2);
    size_t rows[] = { 3, 1 };
    xp_frame *g = frame_take(f, rows, 2);
    CHECK_EQ_INT(g->n_rows, 2);
    CHECK_EQ_INT(g->row_id[0], 3);
    CHECK_NEAR(frame_find(g, "a")->num[0], 4.5, 0);
    CHECK_STR(frame_find(g, "c")->levels[frame_find(g, "c")->codes[1]], "odd");
    CHECK_STR(frame_find(g, "t")->text[1], "x");
    size_t bad[] = { 9 };
    CHECK(frame_take(f, bad, 1) == NULL);
    frame_drop(g, (size_t)frame_index(g, "c"));
    CHECK_EQ_INT(g->n_cols, 2);
    CHECK(frame_find(g, "c") == NULL);
    xp_frame *h = frame_copy(f);
    CHECK_EQ_INT(h->n_cols, 3);
    CHECK(frame_role(h, XP_ROLE_IGNORE) == frame_find(h, "t"));
    frame_free(h);
    frame_free(g);
    frame_free(f);
    return check_done();
}
