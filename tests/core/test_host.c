/* test_host.c — core/host.c's config getters as plugins see them, through a call context:
 * host->cfg_choice (absent, present, wrong value, not a scalar; the message copied into the
 * call, file:line:col and key path included), and xp_cfg_choice on a host older than
 * cfg_choice (XP_HOST_HAS false: XP_EUNSUPPORTED, nothing read).
 *
 *     meson test -C build test_host
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "host.h"

static const char *const modes[] = { "explicit", "auto" };

int main(void)
{
    char err[512];
    xp_cfg *cfg = cfg_load_string("transforms:\n"
                                  "  - {kind: placeholders, mode: auto}\n"
                                  "  - {kind: placeholders, mode: sometimes}\n"
                                  "  - {kind: placeholders, mode: [auto]}\n"
                                  "  - {kind: placeholders}\n",
                                  "h.yaml", err, sizeof err);
    CHECK(cfg != NULL);
    if (!cfg) { fprintf(stderr, "%s\n", err); return check_done(); }
    const xp_cfg *list = cfg_get(cfg, "transforms");
    host_env env = { .verbosity = XP_LOG_ERROR };
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &env, "placeholders", 0);
    const xp_host *h = ctx.host;
    CHECK(XP_HOST_HAS(h, cfg_choice) && h->cfg_choice != NULL);

    int mode = -1;
    CHECK_EQ_INT(h->cfg_choice(&ctx, cfg_at(list, 0), "mode", modes, 2, 1, &mode), XP_OK);
    CHECK_EQ_INT(mode, 1);
    mode = 0;                                                     /* absent: the default stays */
    CHECK_EQ_INT(xp_cfg_choice(&ctx, cfg_at(list, 3), "mode", modes, 2, 0, &mode), XP_OK);
    CHECK_EQ_INT(mode, 0);
    CHECK_EQ_INT(xp_cfg_choice(&ctx, cfg_at(list, 3), "mode", modes, 2, 1, &mode), XP_ECONFIG);
    CHECK_STR(host_call_error(&call), "h.yaml:5:5: transforms[3]: missing required key 'mode'");
    CHECK_EQ_INT(xp_cfg_choice(&ctx, cfg_at(list, 1), "mode", modes, 2, 0, &mode), XP_ECONFIG);
    CHECK_STR(host_call_error(&call),
              "h.yaml:3:32: transforms[1].mode: expected one of explicit, auto, got 'sometimes'");
    CHECK_EQ_INT(xp_cfg_choice(&ctx, cfg_at(list, 2), "mode", modes, 2, 0, &mode), XP_ECONFIG);
    CHECK_STR(host_call_error(&call), "h.yaml:4:32: transforms[2].mode: expected one of explicit, auto, got a list");
    CHECK_EQ_INT(mode, 0);
    CHECK_EQ_INT(xp_cfg_choice(&ctx, cfg_at(list, 0), "mode", modes, 0, 0, &mode), XP_EINVAL);

    /* A runner built before cfg_choice: its table ends before the field. */
    xp_host old = host_table;
    old.struct_size = (uint32_t)offsetof(xp_host, cfg_choice);
    ctx.host = &old;
    CHECK(!XP_HOST_HAS(&old, cfg_choice));
    mode = 0;
    CHECK_EQ_INT(xp_cfg_choice(&ctx, cfg_at(list, 0), "mode", modes, 2, 0, &mode), XP_EUNSUPPORTED);
    CHECK_EQ_INT(mode, 0);
    CHECK(strstr(host_call_error(&call), "'mode'") && strstr(host_call_error(&call), "cfg_choice"));

    cfg_free(cfg);
    return check_done();
}
