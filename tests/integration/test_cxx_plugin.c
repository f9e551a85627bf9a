/* A plugin written in C++ loads through the real registry, runs through the real host, and
 * a C++ exception inside it comes back as an error code and message (XP_TRY / XP_CATCH).
 * usage: test_cxx_plugin PATH/cxx_metric.so */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "host.h"
#include "registry.h"

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    registry *r = registry_new();
    char err[4096] = "";
    int rc = registry_load_file(r, argv[1], err, sizeof err);
    if (rc) fprintf(stderr, "%s\n", err);
    CHECK_EQ_INT(rc, XP_OK);
    const xp_plugin *p = registry_find(r, XP_KIND_METRIC, "cxx_mae");
    CHECK(p != NULL);
    const xp_metric_ops *ops = p->ops;
    host_env env = { 0 };
    env.verbosity = XP_LOG_ERROR;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &env, "cxx_mae", 0);
    double y[3] = { 1, 2, 3 }, pr[3] = { 2, 2, 5 }, v = 0;
    CHECK_EQ_INT(ops->compute(&ctx, y, pr, NULL, 3, &v), XP_OK);
    CHECK(v == 1.0);
    y[0] = -12345.0;
    rc = ops->compute(&ctx, y, pr, NULL, 3, &v);
    CHECK_EQ_INT(rc, XP_EINTERNAL);
    CHECK(strstr(host_call_error(&call), "C++ exception: cxx_mae: the test's trigger value") != NULL);
    registry_free(r);
    return check_done();
}
