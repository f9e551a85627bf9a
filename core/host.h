/* core/host.h — the runner's side of the host API: the xp_host table plugins call, and the
 * per-call context behind each xp_ctx.
 *
 *     host_env env = {0};                 // per run: config, store, seed, verbosity
 *     env.verbosity = XP_LOG_INFO;
 *     host_call call; xp_ctx ctx;
 *     host_call_init(&ctx, &call, &env, "csv", 0);
 *     int rc = ops->load(&ctx, NULL, &opts, &frame);
 *     if (rc) fprintf(stderr, "%s\n", host_call_error(&call));
 *
 * Tests use exactly this to drive a real plugin without the runner's main().
 */
#ifndef XP_CORE_HOST_H
#define XP_CORE_HOST_H

#include <stdint.h>

#include "xp/xp.h"

struct store;

typedef struct host_env {
    const xp_cfg *root;          /* resolved config (may be NULL in tests) */
    int verbosity;               /* highest XP_LOG_* level printed */
    int threads;                 /* 0 = number of online CPUs */
    uint64_t seed;
    struct store *store;         /* NULL: records and artifacts are only logged */
    int64_t run_id;
    const char *artifact_dir;    /* NULL: a temp folder is not made; artifact() fails */
    /* Set only while columns.c creates the stages for the config check: column_ref and
     * column_add calls are collected here. NULL otherwise (the calls do nothing). */
    struct colcheck *colcheck;
    /* Set while the folds are built (folds.c): warnings and info lines are held there and
     * said once per distinct message (logsum.h), not once per fold. */
    struct logsum *logsum;
    /* The files plugins read beside the data (input_dir, input_used; inputs.h): recorded
     * during a run, given back at predict. NULL: folders as configured, nothing recorded. */
    struct inputs *inputs;
} host_env;

typedef struct host_call {
    const host_env *env;
    const char *who;             /* plugin or stage name, prefixes log lines */
    int code;                    /* last error code set through fail() */
    char msg[4096];              /* its message */
    uint64_t rng[4];             /* xoshiro256** state */
    int64_t trial_id;            /* -1 outside trials */
    int fold;                    /* -1 outside folds */
    const char *split;           /* "valid", "test", ... for metric() records */
    /* Called by report(); returns 1 to prune. NULL: never prunes. */
    int (*on_report)(void *user, int64_t step, double value);
    void *report_user;
    /* Called by metric() besides storing it (e.g. the search collects best_iteration). */
    void (*on_metric)(void *user, const char *name, double value);
    void *metric_user;
    int threads;                 /* > 0: this call's thread budget (folds trained in parallel) */
    /* Set when a record, metric or artifact write to the store failed: the plugin sees an
     * error, and the core fails the run rather than only the plugin's call (a trial). */
    int store_failed;
} host_call;

extern const xp_host host_table;

/* Sets up ctx/call for one plugin call stream. `stream` separates RNG streams (trial, fold...). */
void host_call_init(xp_ctx *ctx, host_call *call, const host_env *env, const char *who,
                    uint64_t stream);
/* The message of the last failure on this call, "" if none. */
const char *host_call_error(const host_call *call);

/* The run's thread budget: env->threads, or the number of online CPUs. */
int host_threads(const host_env *env);

/* Ctrl-C and SIGTERM (what `timeout` and `docker stop` send): the handler only records the
 * signal; the core polls host_interrupted() at safe points (between trials, folds, stages)
 * and models see it through report(), which then asks them to stop. The handlers are
 * installed with SA_RESETHAND, so a second Ctrl-C kills at once. Idempotent. */
void host_interrupt_install(void);
/* The signal number that asked the run to stop, 0 if none. */
int host_interrupted(void);
/* Name of a signal we handle ("SIGINT", "SIGTERM"). */
const char *host_signal_name(int sig);

/* A progress line on a terminal: rewritten in place (carriage return, clear to the end of the
 * line); the next log line or host_progress_done() ends it with a newline first. */
int host_progress_tty(void);                 /* stderr is a terminal */
void host_progress_line(const char *line);
void host_progress_done(void);

/* Plain logging for the core itself, honouring verbosity (stderr). */
void host_log(const host_env *env, int level, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
