/* plugins/models/xgboost/log.c — routes XGBoost's log lines to the host, captures its
 * "Parameters: { ... } are not used" warning, and turns XGBGetLastError() into xp errors.
 *
 *     xgb_logscope ls;
 *     xgb_log_begin(&ls, ctx, cfg.verbosity);
 *     if (XGBoosterUpdateOneIter(b, 0, dm)) rc = xgb_fail(ctx, "boosting round 0");
 *     xgb_log_end(&ls);
 *     if (ls.unused[0]) ... fail naming ls.unused ...
 *
 * Why a thread-local: XGBRegisterLogCallback takes a bare function pointer without user
 * data, and XGBoost 1.7 keeps the callback per thread (it runs on the registering thread).
 * Parallel trials on other threads therefore never see each other's scopes.
 */
#include "xgb.h"

#include <stdio.h>
#include <string.h>

static _Thread_local xgb_logscope *current;

/* Skips "[hh:mm:ss] " and returns the level tag found right after it (or -1). */
static const char *strip_prefix(const char *msg, int *level)
{
    const char *p = msg;
    *level = XP_LOG_INFO;
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (e) p = e + 1;
        while (*p == ' ') p++;
    }
    static const struct { const char *tag; int level; } tags[] = {
        { "WARNING: ", XP_LOG_WARN }, { "INFO: ", XP_LOG_INFO }, { "DEBUG: ", XP_LOG_DEBUG },
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        size_t n = strlen(tags[i].tag);
        if (strncmp(p, tags[i].tag, n) == 0) {
            *level = tags[i].level;
            p += n;
            /* Drop the "./src/learner.cc:767: " source location that follows the tag. */
            const char *colon = strstr(p, ": ");
            const char *nl = strchr(p, '\n');
            if (colon && (!nl || colon < nl) && strncmp(p, "./", 2) == 0) p = colon + 2;
            break;
        }
    }
    while (*p == '\n' || *p == ' ') p++;
    return p;
}

/* "Parameters: { "max_dept", "etaa" } are not used." -> appends max_dept, etaa. */
static int capture_unused(xgb_logscope *s, const char *msg)
{
    const char *p = strstr(msg, "Parameters: {");
    if (!p) return 0;
    const char *end = strchr(p, '}');
    if (!end || !strstr(end, "not used")) return 0;
    p += strlen("Parameters: {");
    while (p < end) {
        const char *q1 = memchr(p, '"', (size_t)(end - p));
        if (!q1) break;
        const char *q2 = memchr(q1 + 1, '"', (size_t)(end - q1 - 1));
        if (!q2) break;
        size_t used = strlen(s->unused);
        size_t room = sizeof s->unused - used;
        int w = snprintf(s->unused + used, room, "%s%.*s", used ? ", " : "", (int)(q2 - q1 - 1),
                         q1 + 1);
        if (w < 0 || (size_t)w >= room) break;
        p = q2 + 1;
    }
    return 1;
}

static void on_log(const char *msg)
{
    xgb_logscope *s = current;
    if (!s) {
        /* A thread whose scope has ended (rare): keep XGBoost's default behaviour. */
        fprintf(stderr, "xgboost: %s\n", msg);
        return;
    }
    if (capture_unused(s, msg)) return;
    int level;
    const char *text = strip_prefix(msg, &level);
    /* XGBoost verbosity: 0 silent, 1 warning, 2 info, 3 debug. */
    int allowed = level == XP_LOG_WARN ? 1 : level == XP_LOG_INFO ? 2 : 3;
    if (s->verbosity < allowed) return;
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' ')) n--;
    xp_log(s->ctx, level, "xgboost: %.*s", (int)n, text);
}

void xgb_log_begin(xgb_logscope *s, xp_ctx *ctx, int verbosity)
{
    s->ctx = ctx;
    s->verbosity = verbosity;
    s->unused[0] = '\0';
    s->prev = current;
    current = s;
    /* Cheap and idempotent; registering on every scope covers every thread that calls us. */
    if (XGBRegisterLogCallback(on_log) != 0)
        xp_log(ctx, XP_LOG_WARN, "xgboost: cannot capture its log (%s); misspelt parameters will "
               "only be warned about", XGBGetLastError());
}

void xgb_log_end(xgb_logscope *s)
{
    current = s->prev;
}

int xgb_fail(xp_ctx *ctx, const char *what)
{
    const char *e = XGBGetLastError();
    if (!e || !*e) e = "unknown error";
    int level;
    const char *text = strip_prefix(e, &level);
    /* "[10:03:06] ./src/data/data.cc:461: Check failed: ..." -> "Check failed: ..." */
    if (strncmp(text, "./", 2) == 0 || strncmp(text, "/", 1) == 0) {
        const char *colon = strstr(text, ": ");
        if (colon) text = colon + 2;
    }
    const char *stack = strstr(text, "\nStack trace:");
    size_t n = stack ? (size_t)(stack - text) : strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' ')) n--;
    return xp_fail(ctx, XP_EMODEL, "xgboost: %s: %.*s", what, (int)n, text);
}
