/* xp/error.h — error codes shared by the runner and every plugin.
 *
 * Every fallible function returns an int: XP_OK (0) on success, a negative XP_E* code on
 * failure. The human-readable detail travels separately, through xp_fail() on the call's
 * context (see host.h), so parallel trials never share a global "last error".
 *
 *   if (n < 0) return xp_fail(ctx, XP_EINVAL, "nrows must be >= 0, got %d", n);
 */
#ifndef XP_ERROR_H
#define XP_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
    XP_OK = 0,
    XP_EINVAL = -1,      /* bad argument or value */
    XP_ENOMEM = -2,      /* allocation failed */
    XP_EIO = -3,         /* file or OS error */
    XP_EFORMAT = -4,     /* malformed input file (CSV, image, model) */
    XP_ECONFIG = -5,     /* config key missing, unknown or of the wrong type */
    XP_EPLUGIN = -6,     /* plugin could not be loaded or is incompatible */
    XP_EMODEL = -7,      /* the model library reported an error */
    XP_ENOTFOUND = -8,   /* named thing (column, plugin, run) does not exist */
    XP_EPRUNED = -9,     /* trial stopped early by the pruner (not a failure) */
    XP_EEXHAUSTED = -10, /* sampler has no more points (grid done) */
    XP_EUNSUPPORTED = -11, /* operation not provided by this plugin */
    XP_EINTERRUPTED = -12, /* stopped by a signal or the time budget */
    XP_EINTERNAL = -13   /* bug: should not happen */
};

/* Short constant description of an XP_E* code ("invalid argument", ...). */
static inline const char *xp_strerror(int code)
{
    switch (code) {
    case XP_OK: return "ok";
    case XP_EINVAL: return "invalid argument";
    case XP_ENOMEM: return "out of memory";
    case XP_EIO: return "I/O error";
    case XP_EFORMAT: return "malformed input";
    case XP_ECONFIG: return "configuration error";
    case XP_EPLUGIN: return "plugin error";
    case XP_EMODEL: return "model error";
    case XP_ENOTFOUND: return "not found";
    case XP_EPRUNED: return "pruned";
    case XP_EEXHAUSTED: return "search space exhausted";
    case XP_EUNSUPPORTED: return "not supported";
    case XP_EINTERRUPTED: return "interrupted";
    case XP_EINTERNAL: return "internal error";
    default: return "unknown error";
    }
}

#ifdef __cplusplus
}
#endif

#endif
