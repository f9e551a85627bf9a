/* test_step_prune.c — core/step_prune.c: the within-fold median pruner compares a fold's best
 * value so far with the complete trials' at the same step of the same fold; warm-up and
 * start-up rules; early-stopped trials count with their final best; steps a model skipped.
 *
 *     meson test -C build test_step_prune
 */
#include "check.h"
#include "step_prune.h"

/* One complete trial whose fold f reports vals[0..n) at steps 0..n-1. */
static void complete(step_prune *p, int k, const double *vals, int n)
{
    step_prune_begin(p);
    for (int f = 0; f < k; f++)
        for (int s = 0; s < n; s++) CHECK_EQ_INT(step_prune_report(p, f, s, vals[s] + f), 0);
    step_prune_commit(p);
}

int main(void)
{
    /* No evidence yet (n_startup 2): nothing prunes, however bad. */
    step_prune *p = step_prune_new(2, 2, 1);
    CHECK(p != NULL);
    const double a[] = { 1.0, 0.8, 0.6, 0.5, 0.45, 0.44 };
    complete(p, 2, a, 6);
    step_prune_begin(p);
    CHECK_EQ_INT(step_prune_report(p, 0, 3, 100.0), 0);   /* one complete trial < n_startup */
    const double b[] = { 1.2, 1.0, 0.7, 0.6, 0.55 };       /* early-stopped after 5 steps */
    complete(p, 2, b, 5);

    /* Two complete trials: median at step s of fold 0 = mean of a[s] and b[s]. */
    step_prune_begin(p);
    CHECK_EQ_INT(step_prune_report(p, 0, 0, 50.0), 0);    /* step 0 < warm-up 1 */
    CHECK_EQ_INT(step_prune_report(p, 0, 1, 0.85), 0);    /* median (0.8 + 1.0) / 2 = 0.9 */
    CHECK_EQ_INT(step_prune_report(p, 0, 2, 0.70), 1);    /* best so far 0.70 > (0.6 + 0.7) / 2 */
    /* Its best so far is what counts: a worse report after a good one keeps the good one. */
    step_prune_begin(p);
    CHECK_EQ_INT(step_prune_report(p, 0, 1, 0.5), 0);
    CHECK_EQ_INT(step_prune_report(p, 0, 2, 9.0), 0);     /* best 0.5 <= 0.65 */
    /* Beyond b's last step b counts with its final best 0.55: median at step 5 (0.44 + 0.55) / 2. */
    CHECK_EQ_INT(step_prune_report(p, 0, 5, 9.0), 1);     /* best 0.5 > 0.495 */
    step_prune_begin(p);
    CHECK_EQ_INT(step_prune_report(p, 0, 5, 0.50), 1);    /* 0.50 > 0.495 */
    step_prune_begin(p);
    CHECK_EQ_INT(step_prune_report(p, 0, 5, 0.49), 0);
    /* Folds are separate: fold 1's values are a[s] + 1 and b[s] + 1. */
    step_prune_begin(p);
    CHECK_EQ_INT(step_prune_report(p, 1, 2, 1.6), 0);     /* median 1.65 */
    CHECK_EQ_INT(step_prune_report(p, 1, 3, 1.6), 1);     /* median (1.5 + 1.6) / 2 = 1.55 */
    /* Steps the model did not report take the best before them; odd steps never prune. */
    step_prune_begin(p);
    CHECK_EQ_INT(step_prune_report(p, 0, 1, 0.75), 0);
    CHECK_EQ_INT(step_prune_report(p, 0, 4, 0.75), 1);    /* 0.75 > (0.45 + 0.55) / 2 */
    CHECK_EQ_INT(step_prune_report(p, 0, -1, 99.0), 0);
    CHECK_EQ_INT(step_prune_report(p, 0, 5000000, 99.0), 0);
    CHECK_EQ_INT(step_prune_report(p, 7, 3, 99.0), 0);    /* no such fold */
    /* A non-finite report does not become the best. */
    step_prune_begin(p);
    CHECK_EQ_INT(step_prune_report(p, 0, 1, 0.7), 0);
    CHECK_EQ_INT(step_prune_report(p, 0, 2, NAN), 1);     /* best stays 0.7 > 0.65 */
    step_prune_free(p);
    step_prune_free(NULL);
    return check_done();
}
