/* core/heartbeat.c — the heartbeat thread (see heartbeat.h).
 *
 *     heartbeat_start(st, 30, &hb); heartbeat_trial(hb, id); ...; heartbeat_stop(hb);
 *
 * A thread of its own, not a call between folds: a fold can train for longer than the grace
 * period, and a trial must not be failed by the other workers while its folds still run. The
 * thread shares the run's store handle, whose mutex serialises it with the folds' writes. A
 * failed heartbeat is said once and retried at the next beat: a short network outage should
 * not end the run, and a long one shows up as the trial failed by the others.
 */
#include "heartbeat.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "xp/error.h"

struct heartbeat {
    store *st;
    double interval;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t trial;               /* -1: none */
    int stop;
};

static void *beat(void *arg)
{
    heartbeat *h = arg;
    int complained = 0;
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double t = (double)until.tv_sec + until.tv_nsec * 1e-9 + h->interval;
        until.tv_sec = (time_t)t;
        until.tv_nsec = (long)((t - (double)until.tv_sec) * 1e9);
        int rc = 0;
        while (!h->stop && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&h->cv, &h->mu, &until);
        if (h->stop) break;
        int64_t trial = h->trial;
        if (trial < 0) continue;
        pthread_mutex_unlock(&h->mu);
        if (store_trial_heartbeat(h->st, trial)) {
            if (!complained++)
                fprintf(stderr, "[store] warning: heartbeat of trial id %lld not recorded (retried every %.0f s): %s\n",
                        (long long)trial, h->interval, store_errmsg(h->st));
        } else {
            complained = 0;
        }
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

int heartbeat_start(store *st, double interval_s, heartbeat **out)
{
    *out = NULL;
    heartbeat *h = calloc(1, sizeof *h);
    if (!h) return XP_ENOMEM;
    h->st = st;
    h->interval = interval_s;
    h->trial = -1;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if (pthread_create(&h->thread, NULL, beat, h)) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return XP_EIO;
    }
    *out = h;
    return XP_OK;
}

void heartbeat_trial(heartbeat *h, int64_t trial_id)
{
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->trial = trial_id;
    pthread_mutex_unlock(&h->mu);
}

void heartbeat_stop(heartbeat *h)
{
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->stop = 1;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
