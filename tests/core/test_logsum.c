/* test_logsum.c — core/logsum.c: per-fold lines merged into one, numbers that differ shown as
 * "min-max", names with digits left alone; grouping keeps first-seen order.
 *
 *     meson test -C build test_logsum
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "logsum.h"

static void merged(const char *const *lines, size_t n, const char *want)
{
    char *got = logsum_merge(lines, n);
    CHECK(got != NULL);
    if (got) CHECK_STR(got, want);
    free(got);
}

int main(void)
{
    merged((const char *const[]){ "Release Date (507/514 parsed)", "Release Date (509/513 parsed)",
                                  "Release Date (508/514 parsed)" }, 3,
           "Release Date (507-509/513-514 parsed)");
    /* Equal numbers stay; digits inside names (feature_12, pc3) are no numbers. */
    merged((const char *const[]){ "dropping feature_12, pc3: 2 of 13", "dropping feature_12, pc3: 2 of 13" }, 2,
           "dropping feature_12, pc3: 2 of 13");
    /* Negative, fractional and exponent forms: the extremes as written. */
    merged((const char *const[]){ "r=-0.25 at 1e-3", "r=0.5 at 2.5e-3", "r=0.125 at 1e-3" }, 3,
           "r=-0.25-0.5 at 1e-3-2.5e-3");
    merged((const char *const[]){ "just one 7" }, 1, "just one 7");

    /* Flush: grouped by stage, level and shape, in first-seen order; printed to stderr. */
    char path[] = "/tmp/xp_logsum_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return check_done();
    fflush(stderr);
    int saved = dup(2);
    CHECK(dup2(fd, 2) >= 0);
    logsum ls;
    logsum_init(&ls);
    for (int f = 0; f < 5; f++) {
        char line[64];
        snprintf(line, sizeof line, "kept %d of 10 columns", 5 + f % 2);
        CHECK(logsum_add(&ls, "pipeline[1] drop", 2, line) == 0);
        CHECK(logsum_add(&ls, "pipeline[0] date", 1, f == 3 ? "no date in x" : "no date in y") == 0);
    }
    logsum_flush(&ls, 5);
    logsum_free(&ls);
    fflush(stderr);
    CHECK(dup2(saved, 2) >= 0);
    close(saved);
    char buf[1024] = "";
    FILE *in = fopen(path, "r");
    CHECK(in != NULL);
    size_t got = in ? fread(buf, 1, sizeof buf - 1, in) : 0;
    buf[got] = '\0';
    if (in) fclose(in);
    close(fd);
    unlink(path);
    CHECK_STR(buf, "[pipeline[1] drop] info: kept 5-6 of 10 columns  [5 of 5 folds]\n"
                   "[pipeline[0] date] warning: no date in y  [4 of 5 folds]\n"
                   "[pipeline[0] date] warning: no date in x  [1 of 5 folds]\n");
    return check_done();
}
