/* Unit test of core/split.c: grouped holdout and folds never split a group, sizes are
 * balanced, the test share is respected, results are deterministic by seed, and random
 * (ungrouped) splits do put one item on both sides. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "frame.h"
#include "split.h"
#include "xp/error.h"

static xp_frame *make_frame(size_t rows, size_t items)
{
    xp_frame *f = frame_new(rows);
    xp_column *g = frame_add(f, "item", XP_COL_TEXT, XP_ROLE_IGNORE);
    xp_column *x = frame_add(f, "x", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    char buf[32];
    uint64_t s = 1;
    for (size_t i = 0; i < rows; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        size_t it = (size_t)((s >> 33) % items);
        snprintf(buf, sizeof buf, "item %zu", it);
        col_set_text(g, i, i % 50 == 0 ? NULL : buf);   /* some missing keys: own groups */
        x->num[i] = (double)it;
    }
    return f;
}

int main(void)
{
    char err[512];
    xp_frame *f = make_frame(5000, 300);
    split_plan p, q;
    CHECK_EQ_INT(split_make(f, "item", 0.2, 5, 1, 42, &p, err, sizeof err), 0);
    CHECK_EQ_INT(p.n_test + p.n_dev, 5000);
    CHECK(fabs((double)p.n_test / 5000 - 0.2) < 0.02);
    /* side of each item: -1 test, else fold; must be unique per item */
    int side[300];
    for (int i = 0; i < 300; i++) side[i] = -2;
    const xp_column *g = frame_find(f, "item"), *x = frame_find(f, "x");
    int straddle = 0;
    for (size_t i = 0; i < p.n_test; i++) {
        size_t r = p.test[i];
        if (!g->text[r]) continue;
        int it = (int)x->num[r];
        if (side[it] != -2 && side[it] != -1) straddle++;
        side[it] = -1;
    }
    size_t fold_n[5] = { 0 };
    for (size_t i = 0; i < p.n_dev; i++) {
        size_t r = p.dev[i];
        fold_n[p.fold[i]]++;
        if (!g->text[r]) continue;
        int it = (int)x->num[r];
        if (side[it] != -2 && side[it] != p.fold[i]) straddle++;
        side[it] = p.fold[i];
    }
    CHECK_EQ_INT(straddle, 0);
    for (int k = 0; k < 5; k++) CHECK(fabs((double)fold_n[k] / p.n_dev - 0.2) < 0.03);

    /* Deterministic by seed; another seed differs. */
    CHECK_EQ_INT(split_make(f, "item", 0.2, 5, 1, 42, &q, err, sizeof err), 0);
    int same = q.n_test == p.n_test;
    for (size_t i = 0; same && i < p.n_test; i++) same = p.test[i] == q.test[i];
    CHECK(same);
    split_free(&q);
    CHECK_EQ_INT(split_make(f, "item", 0.2, 5, 1, 43, &q, err, sizeof err), 0);
    same = q.n_test == p.n_test;
    for (size_t i = 0; same && i < p.n_test; i++) same = p.test[i] == q.test[i];
    CHECK(!same);
    split_free(&q);

    /* fold rows helper partitions dev rows */
    size_t nv, nt;
    size_t *va = split_fold_rows(&p, 2, 1, &nv), *tr = split_fold_rows(&p, 2, 0, &nt);
    CHECK_EQ_INT(nv, fold_n[2]);
    CHECK_EQ_INT(nv + nt, p.n_dev);
    free(va);
    free(tr);

    /* Random split: some item lands on both sides (that is the leak grouping prevents). */
    CHECK_EQ_INT(split_make(f, NULL, 0.2, 5, 0, 42, &q, err, sizeof err), 0);
    for (int i = 0; i < 300; i++) side[i] = -2;
    straddle = 0;
    for (size_t i = 0; i < q.n_dev; i++) {
        int it = (int)x->num[q.dev[i]];
        if (side[it] != -2 && side[it] != q.fold[i]) straddle++;
        side[it] = q.fold[i];
    }
    CHECK(straddle > 100);
    split_free(&q);

    /* Errors: unknown group column, too few groups, bad fraction. */
    CHECK_EQ_INT(split_make(f, "nope", 0.2, 5, 1, 1, &q, err, sizeof err), XP_ECONFIG);
    CHECK_CONTAINS(err, "no column 'nope'");
    CHECK_EQ_INT(split_make(f, "item", 1.5, 5, 1, 1, &q, err, sizeof err), XP_ECONFIG);
    xp_frame *tiny = make_frame(40, 2);
    for (size_t i = 0; i < 40; i++) col_set_text(frame_find(tiny, "item"), i, i % 2 ? "a" : "b");
    CHECK_EQ_INT(split_make(tiny, "item", 0.0, 5, 1, 1, &q, err, sizeof err), XP_EINVAL);
    CHECK_CONTAINS(err, "fold");
    frame_free(tiny);
    split_free(&p);
    frame_free(f);
    return check_done();
}
