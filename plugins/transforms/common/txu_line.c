/* txu_line.c — bounded "a, b, c (+12 more)" lists for the one-line summaries transforms log.
 *
 *     tx_line l; tx_line_init(&l);
 *     tx_line_add(&l, "%s (%.0f%% missing)", name, 100 * share);
 *     xp_log(ctx, XP_LOG_INFO, "dropped: %s", tx_line_text(&l));
 *
 * A log line should stay readable on 80 columns of data: once the buffer is nearly full the
 * remaining items are only counted.
 */
#include "txu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tx_line_init(tx_line *l)
{
    memset(l, 0, sizeof *l);
}

void tx_line_add(tx_line *l, const char *fmt, ...)
{
    char item[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(item, sizeof item, fmt, ap);
    va_end(ap);
    size_t need = strlen(item) + (l->items ? 2 : 0);
    /* keep room for " (+NNNNNNNNNN more)" */
    if (l->dropped || l->len + need + 24 >= sizeof l->s) {
        l->dropped++;
        return;
    }
    if (l->items) { memcpy(l->s + l->len, ", ", 2); l->len += 2; }
    memcpy(l->s + l->len, item, strlen(item) + 1);
    l->len += strlen(item);
    l->items++;
}

const char *tx_line_text(tx_line *l)
{
    if (l->dropped)
        snprintf(l->s + l->len, sizeof l->s - l->len, " (+%zu more)", l->dropped);
    else if (!l->items)
        snprintf(l->s, sizeof l->s, "none");
    return l->s;
}
