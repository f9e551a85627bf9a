/* core/ordered_pool.h — jobs 0..n-1 run on a few threads, each starting as soon as a thread is
 * free, and handed back to the caller in job order.
 *
 *     ordered_pool *p = ordered_pool_start(k, width, run_fold, folds);
 *     for (int f = 0; f < k; f++) {
 *         if (!ordered_pool_wait(p, f)) break;      // stopped before job f started
 *         ...use fold f's result; on a reason to stop: ordered_pool_stop(p); break;
 *     }
 *     ordered_pool_finish(p);                       // jobs already running finish first
 *
 * Why not waves of `width` jobs: a wave waits for its slowest job while the other threads
 * idle, and a short last wave leaves threads idle or gives one job several threads (which
 * costs more than it gains on small data: XGBoost's per-node thread handoffs). The caller
 * still sees results in order, so a decision taken after job f (a pruner) is the same as
 * with jobs run one by one; jobs after f that already started run to their end (the caller
 * can ask them to return early through its own flag).
 *
 * width <= 1, or no thread to be had: ordered_pool_wait runs job f on the calling thread.
 * `run` must not call back into the pool.
 */
#ifndef XP_ORDERED_POOL_H
#define XP_ORDERED_POOL_H

typedef struct ordered_pool ordered_pool;

/* NULL: out of memory. Without threads the pool runs each job inside ordered_pool_wait. */
ordered_pool *ordered_pool_start(int n, int width, void (*run)(void *user, int job), void *user);
/* Blocks until job `job` has run: 1. 0: it never will (ordered_pool_stop came first). */
int ordered_pool_wait(ordered_pool *p, int job);
/* No job starts after this call. */
void ordered_pool_stop(ordered_pool *p);
/* Stops, waits for the jobs that are running, frees the pool. NULL is fine. */
void ordered_pool_finish(ordered_pool *p);

#endif
