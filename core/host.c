/* core/host.c — the xp_host table: the services plugins call (messages, config reads,
 * randomness, progress, frames, records).
 *
 *     host_call call; xp_ctx ctx;
 *     host_call_init(&ctx, &call, &env, "xgboost", trial_number);
 *     if (ops->fit(&ctx, model, ...)) fprintf(stderr, "%s\n", host_call_error(&call));
 *
 * Each call stream has its own error buffer and RNG, so parallel trials share nothing.
 */
#include "host.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "columns.h"
#include "logsum.h"
#include "config.h"
#include "embcache.h"
#include "frame.h"
#include "inputs.h"
#include "sha256.h"
#include "store.h"

static host_call *call_of(xp_ctx *ctx) { return (host_call *)ctx->host_data; }

static const char *level_name(int level)
{
    switch (level) {
    case XP_LOG_ERROR: return "error";
    case XP_LOG_WARN: return "warning";
    case XP_LOG_INFO: return "info";
    default: return "debug";
    }
}

/* A progress line is on screen without its newline (host_progress_line). */
static _Atomic int progress_open;

int host_progress_tty(void)
{
    static int tty = -1;
    if (tty < 0) tty = isatty(STDERR_FILENO);
    return tty;
}

void host_progress_line(const char *line)
{
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    progress_open = 1;
}

void host_progress_done(void)
{
    if (progress_open) {
        progress_open = 0;
        fputc('\n', stderr);
    }
}

static void vlog_line(const host_env *env, int level, const char *who, const char *fmt, va_list ap)
{
    int verbosity = env ? env->verbosity : XP_LOG_INFO;
    if (level > verbosity) return;
    char line[4096];
    vsnprintf(line, sizeof line, fmt, ap);
    if (env && env->logsum && level >= XP_LOG_WARN && level <= XP_LOG_INFO &&
        logsum_add(env->logsum, who, level, line) == 0)
        return;
    host_progress_done();
    fprintf(stderr, "[%s] %s: %s\n", who ? who : "xp", level_name(level), line);
}

void host_log(const host_env *env, int level, const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog_line(env, level, who, fmt, ap);
    va_end(ap);
}

static void h_log(xp_ctx *ctx, int level, const char *fmt, va_list ap)
{
    host_call *c = call_of(ctx);
    vlog_line(c->env, level, c->who, fmt, ap);
}

static int h_fail(xp_ctx *ctx, int code, const char *fmt, va_list ap)
{
    host_call *c = call_of(ctx);
    c->code = code < 0 ? code : XP_EINTERNAL;
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    return c->code;
}

static int fail_msg(xp_ctx *ctx, int code, const char *msg)
{
    host_call *c = call_of(ctx);
    c->code = code;
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    return code;
}

/* ------------------------------------------------------------------ config */

static int h_cfg_str(xp_ctx *ctx, const xp_cfg *map, const char *key, int required, const char **out)
{
    char err[1024];
    int rc = cfg_read_str(map, key, required, out, err, sizeof err);
    return rc ? fail_msg(ctx, rc, err) : XP_OK;
}

static int h_cfg_int(xp_ctx *ctx, const xp_cfg *map, const char *key, int required, int64_t *out)
{
    char err[1024];
    int rc = cfg_read_int(map, key, required, out, err, sizeof err);
    return rc ? fail_msg(ctx, rc, err) : XP_OK;
}

static int h_cfg_num(xp_ctx *ctx, const xp_cfg *map, const char *key, int required, double *out)
{
    char err[1024];
    int rc = cfg_read_num(map, key, required, out, err, sizeof err);
    return rc ? fail_msg(ctx, rc, err) : XP_OK;
}

static int h_cfg_bool(xp_ctx *ctx, const xp_cfg *map, const char *key, int required, int *out)
{
    char err[1024];
    int rc = cfg_read_bool(map, key, required, out, err, sizeof err);
    return rc ? fail_msg(ctx, rc, err) : XP_OK;
}

static int h_cfg_choice(xp_ctx *ctx, const xp_cfg *map, const char *key, const char *const *names,
                        int n_names, int required, int *out)
{
    char err[1024];
    int rc = cfg_read_choice(map, key, names, n_names, required, out, err, sizeof err);
    return rc ? fail_msg(ctx, rc, err) : XP_OK;
}

static const xp_cfg *h_cfg_root(xp_ctx *ctx)
{
    host_call *c = call_of(ctx);
    return c->env ? c->env->root : NULL;
}

/* ------------------------------------------------------------------ randomness */

/* xoshiro256** seeded through splitmix64: fast, well distributed, and a stream per
 * (seed, stream id, plugin name) so adding a plugin never shifts another's draws. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t h_rng_u64(xp_ctx *ctx)
{
    uint64_t *s = call_of(ctx)->rng;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static double h_rng_uniform(xp_ctx *ctx) { return (double)(h_rng_u64(ctx) >> 11) * 0x1.0p-53; }

/* ------------------------------------------------------------------ progress */

static void h_progress(xp_ctx *ctx, const char *stage, size_t done, size_t total)
{
    host_call *c = call_of(ctx);
    if (!c->env || c->env->verbosity < XP_LOG_INFO) return;
    if (host_progress_tty()) {
        /* The same line as the search's progress: the latest of the two shows, in place. */
        char line[512];
        snprintf(line, sizeof line, "[%s] %s %zu/%zu", c->who, stage, done, total);
        host_progress_line(line);
    } else if (done >= total && c->env->verbosity >= XP_LOG_DEBUG) {
        /* Not a terminal: the search prints one line per trial; stage ends only with -v. */
        fprintf(stderr, "[%s] %s %zu/%zu\n", c->who, stage, done, total);
    }
}

/* ------------------------------------------------------------------ interruption */

/* Written by the signal handler only; sig_atomic_t is the one type it may store to. */
static volatile sig_atomic_t interrupt_sig;

static void on_stop_signal(int sig)
{
    if (!interrupt_sig) interrupt_sig = sig;
}

void host_interrupt_install(void)
{
    static int installed;
    if (installed) return;
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* SA_RESTART: a read or an SQLite lock wait in flight is not failed with EINTR by the
     * first signal; SA_RESETHAND: the second one takes the default action (dies). */
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int host_interrupted(void) { return (int)interrupt_sig; }

const char *host_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

static int h_report(xp_ctx *ctx, int64_t step, double value)
{
    host_call *c = call_of(ctx);
    /* An interrupted run stops a model's loop (boosting rounds, epochs) at its next report,
     * as a prune request would; the core then sees host_interrupted() and does not count
     * the trial as pruned. */
    if (interrupt_sig) return 1;
    return c->on_report ? c->on_report(c->report_user, step, value) : 0;
}

int host_threads(const host_env *env)
{
    if (env && env->threads > 0) return env->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int h_threads(xp_ctx *ctx)
{
    host_call *c = call_of(ctx);
    return c->threads > 0 ? c->threads : host_threads(c->env);
}

/* ------------------------------------------------------------------ records */

static int mkdir_p(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) && errno != EEXIST) return -1;
    return 0;
}

static const char *h_artifact_dir(xp_ctx *ctx)
{
    host_call *c = call_of(ctx);
    if (!c->env || !c->env->artifact_dir) return NULL;
    if (mkdir_p(c->env->artifact_dir)) return NULL;
    return c->env->artifact_dir;
}

static int h_artifact(xp_ctx *ctx, const char *path, const char *kind)
{
    host_call *c = call_of(ctx);
    char hex[65];
    if (sha256_file_hex(path, hex))
        return xp_fail(ctx, XP_EIO, "artifact %s: cannot read: %s", path, strerror(errno));
    if (!c->env || !c->env->store) return XP_OK;
    int rc = store_artifact(c->env->store, c->env->run_id, path, hex, kind);
    if (rc) c->store_failed = 1;
    if (rc) return xp_fail(ctx, rc, "%s", store_errmsg(c->env->store));
    return XP_OK;
}

static int h_record(xp_ctx *ctx, const char *kind, const char *json)
{
    host_call *c = call_of(ctx);
    if (!c->env || !c->env->store) return XP_OK;
    int rc = store_record(c->env->store, c->env->run_id, kind, json);
    if (rc) c->store_failed = 1;
    if (rc) return xp_fail(ctx, rc, "%s", store_errmsg(c->env->store));
    return XP_OK;
}

static int h_metric(xp_ctx *ctx, const char *name, double value)
{
    host_call *c = call_of(ctx);
    if (c->on_metric) c->on_metric(c->metric_user, name, value);
    if (!c->env || !c->env->store) return XP_OK;
    int rc = store_metric(c->env->store, c->env->run_id, c->trial_id, c->fold,
                          c->split ? c->split : "train", -1, name, value);
    if (rc) c->store_failed = 1;
    if (rc) return xp_fail(ctx, rc, "%s", store_errmsg(c->env->store));
    return XP_OK;
}

/* ------------------------------------------------------------------ vectors and the cache */

static void h_sha256(const void *data, size_t n, uint8_t out[32])
{
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, data, n);
    sha256_final(&c, out);
}

static int h_cache_get(xp_ctx *ctx, const char *space, const uint8_t key[32], size_t dim, float *out)
{
    (void)ctx;
    return embcache_get(space, key, dim, out);
}

static void h_column_ref(xp_ctx *ctx, const xp_cfg *node, const char *name)
{
    host_call *c = call_of(ctx);
    if (c->env && c->env->colcheck && name)
        colcheck_note(c->env->colcheck, c->who, node, name, 0);
}

static void h_column_add(xp_ctx *ctx, const char *name)
{
    host_call *c = call_of(ctx);
    if (c->env && c->env->colcheck && name) colcheck_note(c->env->colcheck, c->who, NULL, name, 1);
}

static int h_cache_put(xp_ctx *ctx, const char *space, const uint8_t key[32], size_t dim, const float *v)
{
    if (embcache_put(space, key, dim, v))
        return xp_fail(ctx, XP_ENOMEM, "embedding cache '%s': out of memory, or the space is open with another width than %zu", space, dim);
    return XP_OK;
}

/* ------------------------------------------------------------------ input files (inputs.h) */

static int h_input_dir(xp_ctx *ctx, const char *dir, const char **out)
{
    host_call *c = call_of(ctx);
    if (!out) return xp_fail(ctx, XP_EINVAL, "input_dir: out is NULL");
    *out = dir;
    if (!dir) return xp_fail(ctx, XP_EINVAL, "input_dir: no folder given");
    if (!c->env || !c->env->inputs) return XP_OK;
    char err[2048];
    int rc = inputs_dir(c->env->inputs, dir, out, err, sizeof err);
    return rc ? xp_fail(ctx, rc, "%s", err) : XP_OK;
}

/* Plugins call this from their decoding threads, all on one ctx: the error message is
 * written under a lock so two failing threads do not interleave it. */
static pthread_mutex_t input_fail_mu = PTHREAD_MUTEX_INITIALIZER;

static int h_input_used(xp_ctx *ctx, const char *dir, const char *name, const void *data, size_t n)
{
    host_call *c = call_of(ctx);
    if (!c->env || !c->env->inputs) return XP_OK;
    char err[2048];
    if (!dir || !name || (!data && n)) {
        pthread_mutex_lock(&input_fail_mu);
        xp_fail(ctx, XP_EINVAL, "input_used: a folder, a name and the bytes read are required");
        pthread_mutex_unlock(&input_fail_mu);
        return XP_EINVAL;
    }
    int rc = inputs_used(c->env->inputs, dir, name, data, n, err, sizeof err);
    if (rc) {
        pthread_mutex_lock(&input_fail_mu);
        xp_fail(ctx, rc, "%s", err);
        pthread_mutex_unlock(&input_fail_mu);
    }
    return rc;
}

/* ------------------------------------------------------------------ the table */

const xp_host host_table = {
    .abi_version = XP_ABI_VERSION,
    .struct_size = sizeof(xp_host),
    .log = h_log,
    .fail = h_fail,
    .cfg_kind = cfg_kind,
    .cfg_get = cfg_get,
    .cfg_len = cfg_len,
    .cfg_at = cfg_at,
    .cfg_key_at = cfg_key_at,
    .cfg_scalar = cfg_scalar,
    .cfg_str = h_cfg_str,
    .cfg_int = h_cfg_int,
    .cfg_num = h_cfg_num,
    .cfg_bool = h_cfg_bool,
    .cfg_where = cfg_where,
    .cfg_root = h_cfg_root,
    .rng_u64 = h_rng_u64,
    .rng_uniform = h_rng_uniform,
    .progress = h_progress,
    .report = h_report,
    .threads = h_threads,
    .frame_new = frame_new,
    .frame_free = frame_free,
    .frame_add = frame_add,
    .frame_find = frame_find,
    .frame_index = frame_index,
    .frame_drop = frame_drop,
    .col_level = col_level,
    .frame_take = frame_take,
    .frame_copy = frame_copy,
    .col_set_text = col_set_text,
    .artifact_dir = h_artifact_dir,
    .artifact = h_artifact,
    .record = h_record,
    .metric = h_metric,
    .col_vectors = col_vectors,
    .sha256 = h_sha256,
    .cache_get = h_cache_get,
    .cache_put = h_cache_put,
    .column_ref = h_column_ref,
    .column_add = h_column_add,
    .input_dir = h_input_dir,
    .input_used = h_input_used,
    .cfg_choice = h_cfg_choice,
};

void host_call_init(xp_ctx *ctx, host_call *call, const host_env *env, const char *who,
                    uint64_t stream)
{
    memset(call, 0, sizeof *call);
    call->env = env;
    call->who = who ? who : "xp";
    call->trial_id = -1;
    call->fold = -1;
    uint64_t x = (env ? env->seed : 0) ^ (stream * 0xD1B54A32D192ED03ull);
    for (const char *p = call->who; *p; p++) x = x * 131 + (unsigned char)*p;
    for (int i = 0; i < 4; i++) call->rng[i] = splitmix64(&x);
    ctx->host = &host_table;
    ctx->host_data = call;
}

const char *host_call_error(const host_call *call) { return call->msg; }
