/* set_role.c — transform `set_role`: sets the role of named columns.
 *
 *     runner plugins --help set_role       # its options, as the plugin documents them
 *
 * Keys are column names or globs (the first matching entry wins); values are feature, target,
 * weight, group, id or ignore. `ignore` keeps a column in the frame without making it a model
 * input — e.g. description as the key of a grouped split. A frame may hold at most one column
 * each with role target, weight, group and id: to move a role, give the old holder a new role
 * in the same map. An exact name that is not in the data is an error at fit; at apply a column
 * that is absent (the target in new data) is skipped.
 */
#include <stdlib.h>

#include "txu.h"
#include "xp/xp.h"

typedef struct state {
    tx_sel keys;
    int *role;                   /* one per key */
} state;

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    tx_sel_free(&s->keys);
    free(s->role);
    free(s);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    const xp_cfg *roles = h->cfg_get(cfg, "roles");
    if (h->cfg_kind(roles) != XP_CFG_MAP || h->cfg_len(roles) == 0)
        return xp_fail(ctx, XP_ECONFIG,
                       "%s: set_role needs `roles`, a map of column (or glob) to a role "
                       "(feature, target, weight, group, id, ignore), e.g. {description: ignore}",
                       roles ? h->cfg_where(roles) : cfg ? h->cfg_where(cfg) : "set_role");
    state *s = calloc(1, sizeof *s);
    size_t n = h->cfg_len(roles);
    if (!s || !(s->role = calloc(n, sizeof *s->role))) {
        free(s);
        return xp_fail(ctx, XP_ENOMEM, "out of memory");
    }
    const char *role_names[XP_ROLE_IGNORE + 1];          /* by xp_role value, as the frame names them */
    for (int r = 0; r <= XP_ROLE_IGNORE; r++) role_names[r] = xp_role_name((xp_role)r);
    for (size_t i = 0; i < n; i++) {
        const char *key = h->cfg_key_at(roles, i);
        const xp_cfg *val = h->cfg_at(roles, i);
        int rc = xp_cfg_choice(ctx, roles, key, role_names, XP_ROLE_IGNORE + 1, 1, &s->role[i]);
        if (rc) {
            destroy(s);
            return rc;
        }
        if (tx_sel_add(&s->keys, key, h->cfg_where(val))) {
            destroy(s);
            return xp_fail(ctx, XP_ENOMEM, "out of memory");
        }
    }
    *out = s;
    return XP_OK;
}

/* Role column j would have after this transform. */
static xp_role role_after(const state *s, const xp_column *c)
{
    int k = tx_sel_match(&s->keys, c->name);
    return k >= 0 ? (xp_role)s->role[k] : c->role;
}

/* At most one target, weight, group and id column after the change. */
static int check_unique(xp_ctx *ctx, const state *s, const xp_frame *f)
{
    for (size_t a = 0; a < f->n_cols; a++) {
        xp_role r = role_after(s, f->cols[a]);
        if (!tx_role_protected(r)) continue;
        for (size_t b = a + 1; b < f->n_cols; b++)
            if (role_after(s, f->cols[b]) == r)
                return xp_fail(ctx, XP_ECONFIG,
                               "both %s and %s would have role %s; only one column may (give the "
                               "other a new role in `roles`)",
                               f->cols[a]->name, f->cols[b]->name, xp_role_name(r));
    }
    return XP_OK;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    const state *s = st;
    int rc = tx_sel_check(ctx, &s->keys, train, "roles");
    if (rc) return rc;
    return check_unique(ctx, s, train);
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    int rc = check_unique(ctx, s, f);
    if (rc) return rc;
    for (size_t j = 0; j < f->n_cols; j++) {
        xp_role r = role_after(s, f->cols[j]);
        if (r != f->cols[j]->role)
            xp_log(ctx, XP_LOG_DEBUG, "%s: %s -> %s", f->cols[j]->name,
                   xp_role_name(f->cols[j]->role), xp_role_name(r));
        f->cols[j]->role = r;
    }
    return XP_OK;
}

static const xp_transform_ops ops = { sizeof(xp_transform_ops), create, fit, apply, NULL, destroy };
/* The options, as `runner plugins --help set_role` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: set_role\n"
    "    roles: {description: ignore, source_id: feature, \"img_*\": ignore}\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "set_role", "1.0.0",
                                          "set column roles (feature, ignore, group, ...)", &ops, options_text);
XP_PLUGINS(&plugin)
