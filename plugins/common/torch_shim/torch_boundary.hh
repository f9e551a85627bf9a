/* torch_boundary.hh — the exception boundary shared by the C++ files behind our C APIs over
 * libtorch (torch_shim.cc, models/mlp/mlp_net.cc). No exception may cross into C: every
 * extern "C" body sits between XPT_TRY and XPT_CATCH(e), which turn
 *   xpt::error (our own checks, thrown by xpt::fail)  -> its code and message
 *   c10::Error (libtorch)                            -> XP_EMODEL, first line of the message
 *   std::bad_alloc                                   -> XP_ENOMEM
 *   any other exception                              -> XP_EINTERNAL
 * and write the message into the caller's error struct (any struct with `int code` and a
 * `char msg[]` array: xpt_err, mlp_err; may be NULL). Include after <torch/torch.h>; C++ only,
 * internal to the plugins (not part of include/xp/). */
#ifndef XP_TORCH_BOUNDARY_HH
#define XP_TORCH_BOUNDARY_HH

#include <xp/error.h>

#include <cstdarg>
#include <cstdio>
#include <new>
#include <stdexcept>
#include <string>

namespace xpt {

/* Our own checks: thrown by fail(), returned by XPT_CATCH as their code. */
struct error : std::runtime_error {
    int code;
    error(int c, const std::string &m) : std::runtime_error(m), code(c) {}
};

[[noreturn]] inline void fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
[[noreturn]] inline void fail(int code, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    throw error(code, buf);
}

/* First line of a libtorch message (they carry long notes and backtraces after it). */
inline std::string first_line(const char *s)
{
    std::string m(s ? s : "");
    size_t nl = m.find('\n');
    if (nl != std::string::npos) m.resize(nl);
    return m;
}

template <class Err>
int set_err(Err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
template <class Err>
int set_err(Err *e, int code, const char *fmt, ...)
{
    if (e) {
        e->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

template <class Err>
int ok(Err *e)
{
    if (e) {
        e->code = XP_OK;
        e->msg[0] = 0;
    }
    return XP_OK;
}

}  // namespace xpt

#define XPT_TRY try {
#define XPT_CATCH(e)                                                                              \
    }                                                                                             \
    catch (const xpt::error &x_) { return xpt::set_err((e), x_.code, "%s", x_.what()); }          \
    catch (const c10::Error &x_) {                                                                \
        return xpt::set_err((e), XP_EMODEL, "libtorch: %s", xpt::first_line(x_.what_without_backtrace()).c_str()); \
    }                                                                                             \
    catch (const std::bad_alloc &) { return xpt::set_err((e), XP_ENOMEM, "out of memory"); }      \
    catch (const std::exception &x_) {                                                            \
        return xpt::set_err((e), XP_EINTERNAL, "C++ exception: %s", xpt::first_line(x_.what()).c_str()); \
    }                                                                                             \
    catch (...) { return xpt::set_err((e), XP_EINTERNAL, "unknown C++ exception"); }

#endif
