/* core/claim.c — a runner's next trial of a study that other workers (other runners, on this
 * host or others) share: claimed against the study's budget, or waited for.
 *
 *     int rc = claim_trial(x, search_trials, deadline, &trial_id, &number);
 *     if (rc == XP_EEXHAUSTED) ... the budget is met: stop searching
 *
 * Why wait: a claim counts RUNNING trials toward the budget, so the last places of a study are
 * taken by trials other workers are still evaluating. If such a worker dies, its trial is
 * failed once its heartbeat is older than the grace period, and its place is free again; a
 * runner that had stopped at "budget taken" would leave the study short. So with heartbeats
 * on, a runner waits until no other worker has a trial running — then the budget is met by
 * finished trials — polling the store, and claims any place that frees up. Without heartbeats
 * a dead worker on another host would be waited for forever: the runner stops at once, as
 * before. Waiting also means every runner is done searching before the refit is decided, so
 * exactly one of them refits (store_refit_claim).
 */
#include <stdio.h>
#include <time.h>

#include "experiment.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void nap(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) == -1 && !host_interrupted()) {}
}

int claim_trial(experiment *x, int64_t budget, double deadline, int64_t *trial_id, int64_t *number)
{
    int said = 0;
    /* Often enough to take a freed place or notice the end promptly; one small query each. */
    double poll = x->hb_interval < 2.0 ? x->hb_interval : 2.0;
    for (;;) {
        int rc = store_trial_claim(x->st, x->study_id, x->run_id, budget, trial_id, number);
        if (rc == XP_OK) heartbeat_trial(x->hb, *trial_id);
        if (rc != XP_EEXHAUSTED || !x->hb) return rc;
        store_activity a;
        if (store_study_activity(x->st, x->study_id, x->run_id, &a)) return XP_EIO;
        if (a.stale_failed) {
            host_log(&x->env, XP_LOG_WARN, "search", "%lld trial%s of a worker without a heartbeat for %s failed: "
                     "claiming %s place", (long long)a.stale_failed, a.stale_failed > 1 ? "s" : "",
                     "the grace period", a.stale_failed > 1 ? "their" : "its");
            continue;
        }
        if (a.running_elsewhere == 0 || host_interrupted() || (deadline > 0 && now_s() >= deadline))
            return XP_EEXHAUSTED;
        if (!said++)
            host_log(&x->env, XP_LOG_INFO, "search", "the budget of %lld trials is taken; %lld still running in other "
                     "workers (run %lld%s): waiting for them to finish, or to be failed if their heartbeat stops",
                     (long long)budget, (long long)a.running_elsewhere, (long long)a.other_run,
                     a.running_elsewhere > 1 ? " and others" : "");
        nap(poll);
    }
}
