/* xp/cxx.h — for plugins written in C++: no exception may cross into the C runner.
 *
 * Wrap the body of every function the runner calls (every ops slot) in XP_TRY / XP_CATCH,
 * the pattern of XGBoost's API_BEGIN/API_END:
 *
 *     static int fit(xp_ctx *ctx, void *m, const xp_frame *train, ...)
 *     {
 *         XP_TRY
 *             model_of(m)->train(train);        // may throw (c10::Error, std::bad_alloc, ...)
 *             return XP_OK;
 *         XP_CATCH(ctx)
 *     }
 *
 * An exception becomes XP_ENOMEM (std::bad_alloc) or XP_EINTERNAL with its what() as the
 * call's message. For slots without a context (destroy), use XP_TRY / XP_CATCH_VOID.
 * The XP_PLUGINS macro already exports the entry point with C linkage.
 */
#ifndef XP_CXX_H
#define XP_CXX_H

#ifndef __cplusplus
#error "xp/cxx.h is for C++ plugins"
#endif

#include <exception>
#include <new>

#include "xp.h"

#define XP_TRY try {
#define XP_CATCH(ctx)                                                                    \
    }                                                                                    \
    catch (const std::bad_alloc &) { return xp_fail((ctx), XP_ENOMEM, "out of memory"); } \
    catch (const std::exception &e_) {                                                   \
        return xp_fail((ctx), XP_EINTERNAL, "C++ exception: %s", e_.what());             \
    }                                                                                    \
    catch (...) { return xp_fail((ctx), XP_EINTERNAL, "unknown C++ exception"); }
#define XP_CATCH_VOID \
    }                 \
    catch (...) {}

#endif
