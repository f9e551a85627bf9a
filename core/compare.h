/* core/compare.h — `runner compare RUN_A RUN_B`: two runs of a store side by side. */
#ifndef XP_CORE_COMPARE_H
#define XP_CORE_COMPARE_H

/* Prints Markdown to stdout: the runs, their config diff (resolved configs, key by key), the
 * scores of both with the change, and the test objective per source. Returns 0, 1 (store
 * error or unknown run, message on stderr). */
int compare_runs(const char *store_path, long long run_a, long long run_b);

#endif
