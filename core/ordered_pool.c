/* core/ordered_pool.c — see ordered_pool.h. */
#include "ordered_pool.h"

#include <pthread.h>
#include <stdlib.h>

enum { MAX_THREADS = 64 };

struct ordered_pool {
    pthread_mutex_t mu;
    pthread_cond_t changed;      /* a job finished, or the pool stopped */
    void (*run)(void *user, int job);
    void *user;
    int n, next, stopped;
    unsigned char *done;         /* [n] */
    pthread_t tid[MAX_THREADS];
    int n_threads;               /* 0: jobs run inside ordered_pool_wait */
};

/* Takes the next job under the lock; -1 when none is left or the pool stopped. */
static int take(ordered_pool *p)
{
    pthread_mutex_lock(&p->mu);
    int job = p->stopped || p->next >= p->n ? -1 : p->next++;
    pthread_mutex_unlock(&p->mu);
    return job;
}

static void mark_done(ordered_pool *p, int job)
{
    pthread_mutex_lock(&p->mu);
    p->done[job] = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mu);
}

static void *worker(void *arg)
{
    ordered_pool *p = arg;
    for (int job; (job = take(p)) >= 0;) {
        p->run(p->user, job);
        mark_done(p, job);
    }
    return NULL;
}

ordered_pool *ordered_pool_start(int n, int width, void (*run)(void *user, int job), void *user)
{
    ordered_pool *p = calloc(1, sizeof *p);
    unsigned char *done = p ? calloc(n > 0 ? (size_t)n : 1, 1) : NULL;
    if (!done) {
        free(p);
        return NULL;
    }
    *p = (ordered_pool){ .run = run, .user = user, .n = n, .done = done };
    if (width > n) width = n;
    if (width > MAX_THREADS) width = MAX_THREADS;
    if (width <= 1 || pthread_mutex_init(&p->mu, NULL)) return p;
    if (pthread_cond_init(&p->changed, NULL)) { pthread_mutex_destroy(&p->mu); return p; }
    for (int i = 0; i < width; i++)
        if (pthread_create(&p->tid[p->n_threads], NULL, worker, p) == 0) p->n_threads++;
    if (!p->n_threads) {   /* no thread to be had: inline, as with width 1 */
        pthread_cond_destroy(&p->changed);
        pthread_mutex_destroy(&p->mu);
    }
    return p;
}

int ordered_pool_wait(ordered_pool *p, int job)
{
    if (job < 0 || job >= p->n) return 0;
    if (!p->n_threads) {
        /* Inline: jobs run in order on this thread, up to the one asked for. */
        while (!p->stopped && p->next <= job) {
            p->done[p->next] = 1;
            p->run(p->user, p->next++);
        }
        return p->done[job];
    }
    pthread_mutex_lock(&p->mu);
    /* A job below `next` was taken by a worker and will finish; one at or above it after a
     * stop never starts. */
    while (!p->done[job] && !(p->stopped && job >= p->next)) pthread_cond_wait(&p->changed, &p->mu);
    int ran = p->done[job];
    pthread_mutex_unlock(&p->mu);
    return ran;
}

void ordered_pool_stop(ordered_pool *p)
{
    if (!p->n_threads) { p->stopped = 1; return; }
    pthread_mutex_lock(&p->mu);
    p->stopped = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mu);
}

void ordered_pool_finish(ordered_pool *p)
{
    if (!p) return;
    ordered_pool_stop(p);
    for (int i = 0; i < p->n_threads; i++) pthread_join(p->tid[i], NULL);
    if (p->n_threads) {
        pthread_cond_destroy(&p->changed);
        pthread_mutex_destroy(&p->mu);
    }
    free(p->done);
    free(p);
}
