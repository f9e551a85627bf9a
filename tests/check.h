/* tests/check.h — tiny assertion helpers for the C unit tests (libuv's task.h style).
 *
 *     #include "check.h"
 *     int main(void) { CHECK_EQ_INT(1 + 1, 2); CHECK_STR(name, "x"); return check_done(); }
 *
 * A failed check prints file:line, the expression and both values, counts the failure and
 * carries on, so one run shows every broken expectation. check_done() prints a summary and
 * returns the exit code for meson (0 ok, 1 failures).
 */
#ifndef XP_TESTS_CHECK_H
#define XP_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures_ = 0;
static int check_count_ = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        check_count_++;                                                               \
        if (!(cond)) {                                                                \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                            \
    do {                                                                              \
        long long a_ = (long long)(a), b_ = (long long)(b);                           \
        check_count_++;                                                               \
        if (a_ != b_) {                                                               \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,       \
                    __LINE__, #a, #b, a_, b_);                                        \
        }                                                                             \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                         \
    do {                                                                              \
        double a_ = (double)(a), b_ = (double)(b);                                    \
        check_count_++;                                                               \
        if (!(fabs(a_ - b_) <= (tol)) && !(isnan(a_) && isnan(b_))) {                 \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: %s ~= %s failed: %.17g vs %.17g (tol %g)\n",      \
                    __FILE__, __LINE__, #a, #b, a_, b_, (double)(tol));               \
        }                                                                             \
    } while (0)

#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        const char *a_ = (a), *b_ = (b);                                              \
        check_count_++;                                                               \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                      \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" vs \"%s\"\n", __FILE__,   \
                    __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");        \
        }                                                                             \
    } while (0)

/* Substring check, for error messages. */
#define CHECK_CONTAINS(hay, needle)                                                   \
    do {                                                                              \
        const char *h_ = (hay), *n_ = (needle);                                       \
        check_count_++;                                                               \
        if (!h_ || !strstr(h_, n_)) {                                                 \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,      \
                    __LINE__, h_ ? h_ : "(null)", n_);                                \
        }                                                                             \
    } while (0)

static inline int check_done(void)
{
    fprintf(stderr, "%d checks, %d failed\n", check_count_, check_failures_);
    return check_failures_ ? 1 : 0;
}

#endif
