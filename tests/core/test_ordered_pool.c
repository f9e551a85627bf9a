/* test_ordered_pool.c — core/ordered_pool.c: every job runs once, results come back in job
 * order, a free thread takes the next job without waiting for its slower neighbour, a stop
 * lets no new job start, and width 1 runs the jobs on the calling thread.
 *
 *     meson test -C build test_ordered_pool
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ordered_pool.h"

enum { N = 9 };

typedef struct jobs {
    _Atomic int runs[N];
    _Atomic int started[N];
    _Atomic int running, max_running;
    pthread_t thread[N];
    int slow_until_started;      /* -1, or: job 0 waits (up to 5 s) until this job has started */
    int saw_it;                  /* job 0 saw it start */
    int block_from;              /* jobs from this one on wait (up to 5 s) for `release`; 0: none */
    _Atomic int release;
} jobs;

static void run(void *user, int job)
{
    jobs *j = user;
    j->thread[job] = pthread_self();
    j->started[job] = 1;
    int now = ++j->running;
    for (int m = j->max_running; now > m && !atomic_compare_exchange_weak(&j->max_running, &m, now);) {}
    if (job == 0 && j->slow_until_started >= 0) {
        for (int i = 0; i < 5000 && !j->started[j->slow_until_started]; i++) usleep(1000);
        j->saw_it = j->started[j->slow_until_started];
    } else if (j->block_from && job >= j->block_from) {
        for (int i = 0; i < 5000 && !j->release; i++) usleep(1000);
    } else {
        usleep(2000);
    }
    j->runs[job]++;
    j->running--;
}

static jobs *fresh(int slow_until)
{
    static jobs j;
    j = (jobs){ .slow_until_started = slow_until };
    return &j;
}

int main(void)
{
    /* Every job once, in order to the caller; with width 2, job 2 starts while job 0 still
     * runs (job 1 finished first): no waiting for the wave's slowest. */
    jobs *j = fresh(2);
    ordered_pool *p = ordered_pool_start(N, 2, run, j);
    CHECK(p != NULL);
    for (int f = 0; f < N; f++) {
        CHECK_EQ_INT(ordered_pool_wait(p, f), 1);
        CHECK_EQ_INT(j->runs[f], 1);
    }
    ordered_pool_finish(p);
    CHECK_EQ_INT(j->saw_it, 1);
    CHECK(j->max_running >= 2 && j->max_running <= 2);
    for (int f = 0; f < N; f++) CHECK_EQ_INT(j->runs[f], 1);

    /* Stop after job 1: jobs taken already finish (and report 1), none starts after. Jobs
     * from 2 on hold their thread until the test releases them after the stop, so at most
     * jobs 2..4 (three threads) can have been taken by then, whatever the timing. */
    j = fresh(-1);
    j->block_from = 2;
    p = ordered_pool_start(N, 3, run, j);
    CHECK_EQ_INT(ordered_pool_wait(p, 1), 1);
    ordered_pool_stop(p);
    j->release = 1;
    int ran = 0, prefix = 1;
    for (int f = 0; f < N; f++) {
        int r = ordered_pool_wait(p, f);
        CHECK_EQ_INT(r, j->runs[f]);
        if (r && !prefix) CHECK(!"a job ran after one that never started");
        prefix = prefix && r;
        ran += r;
    }
    ordered_pool_finish(p);
    CHECK(ran >= 2 && ran <= 5);
    int total = 0;
    for (int f = 0; f < N; f++) total += j->runs[f];
    CHECK_EQ_INT(total, ran);

    /* Width 1: on the calling thread, in order, up to the job asked for. */
    j = fresh(-1);
    p = ordered_pool_start(N, 1, run, j);
    CHECK_EQ_INT(ordered_pool_wait(p, 3), 1);
    for (int f = 0; f < N; f++) CHECK_EQ_INT(j->runs[f], f <= 3);
    CHECK(pthread_equal(j->thread[2], pthread_self()));
    ordered_pool_stop(p);
    CHECK_EQ_INT(ordered_pool_wait(p, 3), 1);
    CHECK_EQ_INT(ordered_pool_wait(p, 4), 0);
    ordered_pool_finish(p);
    CHECK_EQ_INT(j->runs[4], 0);

    /* Out of range and empty pools. */
    p = ordered_pool_start(0, 4, run, fresh(-1));
    CHECK(p != NULL);
    CHECK_EQ_INT(ordered_pool_wait(p, 0), 0);
    ordered_pool_finish(p);
    ordered_pool_finish(NULL);
    return check_done();
}
