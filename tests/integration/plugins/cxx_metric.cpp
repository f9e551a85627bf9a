// Out-of-tree test plugin written in C++: proves the headers and XP_PLUGINS work from C++
// (C-linkage entry point, loadable by the C runner) and that XP_TRY / XP_CATCH turn a C++
// exception into an error code and message instead of letting it cross into C.
// Mean absolute error; throws on purpose when the first target is -12345 (the test's trigger).
#include <cmath>
#include <stdexcept>
#include <vector>

#include <xp/cxx.h>

static int mae_cxx(xp_ctx *ctx, const double *y, const double *p, const double *w, size_t n, double *out)
{
    (void)w;
    XP_TRY
        if (n && y[0] == -12345.0) throw std::runtime_error("cxx_mae: the test's trigger value");
        std::vector<double> err(n);
        double s = 0;
        for (size_t i = 0; i < n; i++) s += (err[i] = std::fabs(y[i] - p[i]));
        *out = n ? s / (double)n : 0.0;
        return XP_OK;
    XP_CATCH(ctx)
}

static const xp_metric_ops ops = { sizeof(xp_metric_ops), XP_MINIMIZE, mae_cxx };
static const xp_plugin plugin = XP_PLUGIN(XP_KIND_METRIC, "cxx_mae", "0.1.0",
                                          "mean absolute error, written in C++ (test plugin)", &ops);
XP_PLUGINS(&plugin)
