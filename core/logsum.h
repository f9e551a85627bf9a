/* core/logsum.h — one line per message for work repeated per fold: the lines the stages log
 * while the K folds are built are held, grouped by their text with the numbers taken out,
 * and printed once each, the numbers that differ between folds shown as a range.
 *
 *     logsum ls; logsum_init(&ls);
 *     env.logsum = &ls;  ...build 5 folds...  env.logsum = NULL;
 *     logsum_flush(&ls, &env, 5);   // "[pipeline[0] date] info: ... (507-509/514 parsed)  [5 folds]"
 *     logsum_free(&ls);
 *
 * Why: a 5-fold run said every stage's findings five times (~120 lines before the first
 * trial); what differs between folds is only a count or a share, which a range says.
 */
#ifndef XP_CORE_LOGSUM_H
#define XP_CORE_LOGSUM_H

#include <pthread.h>
#include <stddef.h>

typedef struct logsum_line {
    char *who, *text;
    int level;
} logsum_line;

typedef struct logsum {
    logsum_line *v;
    size_t n, cap;
    int lost;                    /* lines that could not be kept (out of memory): printed at once */
    pthread_mutex_t mu;          /* stages may log from worker threads */
} logsum;

void logsum_init(logsum *ls);
/* Keeps one line; returns 0, or -1 if it could not (the caller then prints it itself). */
int logsum_add(logsum *ls, const char *who, int level, const char *text);
/* Prints each group once on stderr in first-seen order and empties ls. `folds`: the number
 * of repetitions to name when a line came from more than one. */
void logsum_flush(logsum *ls, int folds);
void logsum_free(logsum *ls);
/* The summary of `n` lines of one group (same text once numbers are taken out): the first
 * line with each differing number replaced by "min-max". Caller frees. For tests. */
char *logsum_merge(const char *const *lines, size_t n);

#endif
