/* core/pipeline.c — runs transform/encoder stages in config order (see pipeline.h).
 *
 * fit() learns each stage on the training rows as the earlier stages left them, then
 * applies it to those rows before the next stage learns: the same order the stages will
 * see validation, test and new data in.
 */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int pipeline_create(pipeline *p, const registry *reg, const xp_cfg *list, const host_env *env,
                    char *err, size_t n)
{
    memset(p, 0, sizeof *p);
    p->env = env;
    int kind = cfg_kind(list);
    if (kind == XP_CFG_MISSING || kind == XP_CFG_NULL) return XP_OK;
    if (kind != XP_CFG_LIST) {
        snprintf(err, n, "%s: expected a list of stages ({plugin: NAME, ...})", cfg_where(list));
        return XP_ECONFIG;
    }
    size_t count = cfg_len(list);
    p->stages = calloc(count ? count : 1, sizeof *p->stages);
    if (!p->stages) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (size_t i = 0; i < count; i++) {
        const xp_cfg *item = cfg_at(list, i);
        const char *name = NULL;
        char e2[1024];
        if (cfg_kind(item) != XP_CFG_MAP) {
            snprintf(err, n, "%s: expected a map with a 'plugin' key", cfg_where(item));
            return XP_ECONFIG;
        }
        if (cfg_read_str(item, "plugin", 1, &name, e2, sizeof e2)) {
            snprintf(err, n, "%s", e2);
            return XP_ECONFIG;
        }
        const xp_plugin *pl = registry_find(reg, XP_KIND_TRANSFORM, name);
        if (!pl) pl = registry_find(reg, XP_KIND_ENCODER, name);
        if (!pl) {
            const char *why = registry_why_missing(reg, name);
            if (why)
                snprintf(err, n, "%s: the plugin '%s' is unavailable on this machine: %s",
                         cfg_where(cfg_get(item, "plugin")), name, why);
            else
                snprintf(err, n, "%s: no transform or encoder plugin named '%s' (see `runner plugins`)",
                         cfg_where(cfg_get(item, "plugin")), name);
            return XP_ECONFIG;
        }
        pipeline_stage *s = &p->stages[p->n];
        s->plugin = pl;
        s->ops = pl->ops;
        s->cfg = item;
        snprintf(s->who, sizeof s->who, "pipeline[%zu] %s", i, name);
        host_call call;
        xp_ctx ctx;
        host_call_init(&ctx, &call, env, s->who, 0x5747 + i);
        int rc = s->ops->create ? s->ops->create(&ctx, item, &s->state) : XP_OK;
        if (rc) {
            snprintf(err, n, "%s: %s", s->who, call.msg[0] ? call.msg : xp_strerror(rc));
            return rc;
        }
        p->n++;
    }
    return XP_OK;
}

static int stage_apply(pipeline *p, pipeline_stage *s, xp_frame *f, char *err, size_t n)
{
    if (!s->ops->apply) return XP_OK;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, p->env, s->who, 0xA991);
    int rc = s->ops->apply(&ctx, s->state, f);
    if (rc) snprintf(err, n, "%s: apply: %s", s->who, call.msg[0] ? call.msg : xp_strerror(rc));
    return rc;
}

int pipeline_fit(pipeline *p, xp_frame *train, char *err, size_t n)
{
    for (size_t i = 0; i < p->n; i++) {
        pipeline_stage *s = &p->stages[i];
        if (s->ops->fit) {
            host_call call;
            xp_ctx ctx;
            host_call_init(&ctx, &call, p->env, s->who, 0xF17 + i);
            int rc = s->ops->fit(&ctx, s->state, train);
            if (rc) {
                snprintf(err, n, "%s: fit: %s", s->who, call.msg[0] ? call.msg : xp_strerror(rc));
                return rc;
            }
        }
        int rc = stage_apply(p, s, train, err, n);
        if (rc) return rc;
    }
    return XP_OK;
}

int pipeline_apply(pipeline *p, xp_frame *f, char *err, size_t n)
{
    for (size_t i = 0; i < p->n; i++) {
        int rc = stage_apply(p, &p->stages[i], f, err, n);
        if (rc) return rc;
    }
    return XP_OK;
}

int pipeline_inverse(pipeline *p, double *y, size_t count, char *err, size_t n)
{
    for (size_t i = p->n; i-- > 0;) {
        pipeline_stage *s = &p->stages[i];
        if (!s->ops->inverse_target) continue;
        host_call call;
        xp_ctx ctx;
        host_call_init(&ctx, &call, p->env, s->who, 0x1F7);
        int rc = s->ops->inverse_target(&ctx, s->state, y, count);
        if (rc) {
            snprintf(err, n, "%s: inverse_target: %s", s->who, call.msg[0] ? call.msg : xp_strerror(rc));
            return rc;
        }
    }
    return XP_OK;
}

void pipeline_free(pipeline *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->stages[i].ops->destroy) p->stages[i].ops->destroy(p->stages[i].state);
    free(p->stages);
    memset(p, 0, sizeof *p);
}
