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
    /* Vector columns: one table per distinct input, rows point into it, slices share it. */
    {
        xp_frame *v = frame_new(4);
        xp_column *c = frame_add(v, "emb", XP_COL_VECTOR, XP_ROLE_FEATURE);
        CHECK(c != NULL);
        CHECK_EQ_INT(c->vec_row[0], -1);
        CHECK(col_vectors(c, 0, 2) == NULL);                 /* zero width refused */
        float *d = col_vectors(c, 3, 2);
        CHECK(d != NULL);
        CHECK_EQ_INT(c->dim, 3);
        for (int k = 0; k < 6; k++) d[k] = (float)k;
        c->vec_row[0] = 1; c->vec_row[1] = 0; c->vec_row[2] = 1;   /* row 3 stays missing */
        CHECK_EQ_INT(col_level(c, "<pad>"), 0);               /* vocabulary of a token column */
        CHECK(isnan(col_value(c, 0)));
        xp_frame *t = frame_take(v, (size_t[]){ 2, 3 }, 2);
        CHECK(t != NULL);
        xp_column *tc = frame_find(t, "emb");
        CHECK(tc->vectors == c->vectors);                     /* shared, not copied */
        CHECK_EQ_INT(tc->vectors->refs, 2);
        CHECK_EQ_INT(tc->vec_row[0], 1);
        CHECK_EQ_INT(tc->vec_row[1], -1);
        CHECK_EQ_INT(tc->n_levels, 1);
        CHECK(tc->vectors->data[tc->vec_row[0] * 3 + 2] == 5.0f);
        frame_free(v);                                        /* the slice keeps the table alive */
        CHECK_EQ_INT(tc->vectors->refs, 1);
        CHECK(tc->vectors->data[4] == 4.0f);
        xp_column *txt = frame_add(t, "s", XP_COL_TEXT, XP_ROLE_FEATURE);
        CHECK(col_vectors(txt, 3, 1) == NULL);                /* not a vector column */
        frame_free(t);
    }
    return check_done();
}
