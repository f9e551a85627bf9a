/* txu_select.c — reading transform options: column lists (exact names or globs), enums,
 * number lists, role names.
 *
 *     tx_sel sel = {0};
 *     rc = tx_sel_read(ctx, cfg, "exclude", &sel);      // exclude: [target, "feature_4*"]
 *     ...at fit: rc = tx_sel_check(ctx, &sel, train, "exclude");
 *     if (tx_sel_match(&sel, col->name) >= 0) continue;
 *
 * Globs use fnmatch(3) without flags: `*` any run of characters, `?` one character,
 * `[3-5]` a set. An entry without those characters is an exact name, and an exact name
 * that is not a column of the training frame is an error (it is almost always a typo);
 * a glob that matches nothing is only a warning.
 */
#include "txu.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

char *tx_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

int tx_sel_add(tx_sel *s, const char *pat, const char *where)
{
    tx_pat *v = realloc(s->v, (s->n + 1) * sizeof *v);
    if (!v) return XP_ENOMEM;
    s->v = v;
    tx_pat *p = &s->v[s->n];
    p->pat = tx_strdup(pat);
    p->where = tx_strdup(where ? where : "?");
    p->glob = strpbrk(pat, "*?[") != NULL;
    if (!p->pat || !p->where) { free(p->pat); free(p->where); return XP_ENOMEM; }
    s->n++;
    return XP_OK;
}

int tx_sel_read(xp_ctx *ctx, const xp_cfg *map, const char *key, tx_sel *out)
{
    const xp_host *h = ctx->host;
    const xp_cfg *node = h->cfg_get(map, key);
    int kind = h->cfg_kind(node);
    if (kind == XP_CFG_MISSING || kind == XP_CFG_NULL) return XP_OK;
    out->given = 1;
    /* The config check (host column_ref): exact names are looked up in the data's header
     * before anything is fitted. A lone `auto` is parse_prefixed's "detect", no name. */
    int declare = XP_HOST_HAS(h, column_ref) && h->column_ref;
    if (kind == XP_CFG_SCALAR) {
        const char *s = h->cfg_scalar(node);
        if (tx_sel_add(out, s, h->cfg_where(node)))
            return xp_fail(ctx, XP_ENOMEM, "out of memory");
        if (declare && strcmp(s, "auto") != 0) h->column_ref(ctx, node, s);
        return XP_OK;
    }
    if (kind != XP_CFG_LIST)
        return xp_fail(ctx, XP_ECONFIG, "%s: `%s` must be a column name or a list of names/globs",
                       h->cfg_where(node), key);
    for (size_t i = 0; i < h->cfg_len(node); i++) {
        const xp_cfg *it = h->cfg_at(node, i);
        const char *s = h->cfg_scalar(it);
        if (!s || !*s)
            return xp_fail(ctx, XP_ECONFIG, "%s: `%s` entries must be column names or globs",
                           h->cfg_where(it), key);
        if (tx_sel_add(out, s, h->cfg_where(it))) return xp_fail(ctx, XP_ENOMEM, "out of memory");
        if (declare) h->column_ref(ctx, it, s);
    }
    return XP_OK;
}

void tx_sel_free(tx_sel *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].pat);
        free(s->v[i].where);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

int tx_pat_match(const tx_pat *p, const char *name)
{
    return p->glob ? fnmatch(p->pat, name, 0) == 0 : strcmp(p->pat, name) == 0;
}

int tx_sel_match(const tx_sel *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (tx_pat_match(&s->v[i], name)) return (int)i;
    return -1;
}

int tx_sel_check(xp_ctx *ctx, const tx_sel *s, const xp_frame *f, const char *what)
{
    for (size_t i = 0; i < s->n; i++) {
        const tx_pat *p = &s->v[i];
        size_t hits = 0;
        for (size_t j = 0; j < f->n_cols; j++) hits += (size_t)tx_pat_match(p, f->cols[j]->name);
        if (hits) continue;
        if (!p->glob)
            return xp_fail(ctx, XP_ENOTFOUND, "%s: %s: no column named '%s' in the data", p->where,
                           what, p->pat);
        xp_log(ctx, XP_LOG_WARN, "%s: %s: pattern '%s' matches no column", p->where, what, p->pat);
    }
    return XP_OK;
}

int tx_names_add(tx_names *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return XP_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = tx_strdup(s))) return XP_ENOMEM;
    l->n++;
    return XP_OK;
}

int tx_names_find(const tx_names *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0) return (int)i;
    return -1;
}

void tx_names_clear(tx_names *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

int tx_parse_num(const char *s, double *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || isnan(v)) return -1;
    *out = v;
    return 0;
}

int tx_cfg_nums(xp_ctx *ctx, const xp_cfg *node, double **out, size_t *n)
{
    const xp_host *h = ctx->host;
    int kind = h->cfg_kind(node);
    size_t m = kind == XP_CFG_LIST ? h->cfg_len(node) : 1;
    if (kind != XP_CFG_LIST && kind != XP_CFG_SCALAR)
        return xp_fail(ctx, XP_ECONFIG, "%s: expected a number or a list of numbers",
                       h->cfg_where(node));
    double *v = malloc((m ? m : 1) * sizeof *v);
    if (!v) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < m; i++) {
        const xp_cfg *it = kind == XP_CFG_LIST ? h->cfg_at(node, i) : node;
        const char *s = h->cfg_scalar(it);
        if (tx_parse_num(s, &v[i])) {
            free(v);
            return xp_fail(ctx, XP_ECONFIG, "%s: expected a number, got %s%s%s", h->cfg_where(it),
                           s ? "'" : "", s ? s : "a list or map", s ? "'" : "");
        }
    }
    *out = v;
    *n = m;
    return XP_OK;
}

int tx_cfg_range(xp_ctx *ctx, const xp_cfg *map, const char *key, double v, double lo, double hi)
{
    if (v >= lo && v <= hi) return XP_OK;
    const xp_host *h = ctx->host;
    return xp_fail(ctx, XP_ECONFIG, "%s: `%s` must be between %g and %g, got %g",
                   h->cfg_where(h->cfg_get(map, key)), key, lo, hi, v);
}

int tx_role_protected(xp_role r)
{
    return r == XP_ROLE_TARGET || r == XP_ROLE_WEIGHT || r == XP_ROLE_GROUP || r == XP_ROLE_ID;
}
