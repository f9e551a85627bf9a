/* core/columns.c — the column check of the config (see columns.h).
 *
 *     data_setup(): read the data keys, then
 *     columns_check(x, path, err, n);   // header only (the loader reads one row), no fitting
 *
 * Why here and not in each stage: every stage checks its own names when it is fitted, but
 * one at a time and after the earlier stages' work, so a config written for another file
 * failed four times in a row before it ran. Names are checked in pipeline order: a name is
 * there if the header has it or an earlier stage says it adds it (quantity's log_quantity,
 * an encoder's `out`). The profile runs on the raw rows, so it is created first.
 */
#include "columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "experiment.h"
#include "frame.h"
#include "pipeline.h"

void colcheck_note(colcheck *cc, const char *who, const xp_cfg *node, const char *name, int added)
{
    if (cc->n == cc->cap) {
        size_t cap = cc->cap ? 2 * cc->cap : 32;
        colcheck_entry *v = realloc(cc->v, cap * sizeof *v);
        if (!v) { cc->oom = 1; return; }
        cc->v = v;
        cc->cap = cap;
    }
    char where[1024];
    if (node) snprintf(where, sizeof where, "%s", cfg_where(node));
    else snprintf(where, sizeof where, "%s (its default)", who ? who : "?");
    colcheck_entry *e = &cc->v[cc->n];
    e->who = strdup(who ? who : "?");
    e->where = strdup(where);
    e->name = strdup(name);
    e->added = added;
    if (!e->who || !e->where || !e->name) {
        free(e->who); free(e->where); free(e->name);
        cc->oom = 1;
        return;
    }
    cc->n++;
}

void colcheck_free(colcheck *cc)
{
    for (size_t i = 0; i < cc->n; i++) {
        free(cc->v[i].who);
        free(cc->v[i].where);
        free(cc->v[i].name);
    }
    free(cc->v);
    memset(cc, 0, sizeof *cc);
}

static void note_node(colcheck *cc, const xp_cfg *node, const char *name)
{
    if (name && *name) colcheck_note(cc, "data", node, name, 0);
}

/* Edit distance (case-insensitive), capped: for "did you mean". */
static size_t distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 64 || nb > 64) return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= nb; j++) row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            char x = a[i - 1], y = b[j - 1];
            if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
            size_t best = diag + (x != y);
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            if (up + 1 < best) best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* The file's header: the loader reads one data row, with no target, drop or types (those
 * are what is being checked). Quiet: the real load logs what it found. */
static int read_header(experiment *x, const char *path, xp_frame **out, char *err, size_t n)
{
    const xp_cfg *data = cfg_get(x->root, "data");
    const char *loader = "csv";
    int rc = cfg_read_str(data, "loader", 0, &loader, err, n);
    if (rc) return rc;
    const xp_plugin *pl = registry_find(x->reg, XP_KIND_LOADER, loader);
    if (!pl)
        return registry_not_found(x->reg, XP_KIND_LOADER, loader,
                                  cfg_where(cfg_get(data, "loader") ? cfg_get(data, "loader") : data), err, n);
    host_env quiet = x->env;
    quiet.verbosity = XP_LOG_ERROR;
    xp_load_options opts = { sizeof opts, path, NULL, NULL, 0, NULL, 0, 1, 0 };
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &quiet, pl->name, 0x10AD);
    rc = ((const xp_loader_ops *)pl->ops)->load(&ctx, cfg_get(data, "options"), &opts, out);
    if (rc) snprintf(err, n, "%s", call.msg[0] ? call.msg : xp_strerror(rc));
    return rc;
}

/* Creates the profile, the pipeline and the model once with the host collecting their
 * column notes. Errors here are the same config errors setup_components reports. */
static int collect_stages(experiment *x, colcheck *cc, char *err, size_t n)
{
    const xp_cfg *root = x->root;
    if (cfg_get(root, "blend")) return XP_OK;   /* members check their own configs */
    x->env.colcheck = cc;
    pipeline p;
    int rc = pipeline_create(&p, x->reg, cfg_get(root, "profile"), &x->env, err, n);
    pipeline_free(&p);
    if (!rc) {
        rc = pipeline_create(&p, x->reg, cfg_get(root, "pipeline"), &x->env, err, n);
        pipeline_free(&p);
    }
    if (!rc && x->model && x->mops) {
        host_call call;
        xp_ctx ctx;
        host_call_init(&ctx, &call, &x->env, "model", 1);
        void *m = NULL;
        rc = x->mops->create(&ctx, cfg_get(root, "model"), &m);
        if (m) x->mops->destroy(m);
        if (rc) {
            snprintf(err, n, "model %s: %s", x->model->name, call.msg[0] ? call.msg : xp_strerror(rc));
            rc = XP_ECONFIG;
        }
    }
    x->env.colcheck = NULL;
    return rc;
}

int columns_check(experiment *x, const char *path, char *err, size_t n)
{
    const xp_cfg *data = cfg_get(x->root, "data"), *val = cfg_get(x->root, "validation");
    colcheck cc = { 0 };
    note_node(&cc, cfg_get(data, "target"), x->target);
    if (x->source_col) note_node(&cc, cfg_get(data, "source"), x->source_col);
    if (x->group_col) note_node(&cc, cfg_get(val, "group"), x->group_col);
    const xp_cfg *drop = cfg_get(data, "drop"), *types = cfg_get(data, "types"), *roles = cfg_get(data, "roles");
    if (cfg_kind(drop) == XP_CFG_LIST)
        for (size_t i = 0; i < cfg_len(drop); i++) note_node(&cc, cfg_at(drop, i), cfg_scalar(cfg_at(drop, i)));
    if (cfg_kind(types) == XP_CFG_MAP)
        for (size_t i = 0; i < cfg_len(types); i++) note_node(&cc, cfg_at(types, i), cfg_key_at(types, i));
    if (cfg_kind(roles) == XP_CFG_MAP)
        for (size_t i = 0; i < cfg_len(roles); i++) note_node(&cc, cfg_at(roles, i), cfg_key_at(roles, i));
    int rc = collect_stages(x, &cc, err, n);
    xp_frame *hdr = NULL;
    if (!rc) rc = read_header(x, path, &hdr, err, n);
    if (rc || cc.oom) {
        colcheck_free(&cc);
        frame_free(hdr);
        return rc;   /* oom: no check rather than a wrong one; the stages still check at fit */
    }
    size_t missing = 0, len = 0;
    char list[3072] = "";
    for (size_t i = 0; i < cc.n; i++) {
        const colcheck_entry *e = &cc.v[i];
        if (e->added || strpbrk(e->name, "*?[") || frame_find(hdr, e->name)) continue;
        int made = 0;
        for (size_t k = 0; k < i && !made; k++) made = cc.v[k].added && !strcmp(cc.v[k].name, e->name);
        if (made) continue;
        missing++;
        const char *hint = NULL;
        size_t best = 3;
        for (size_t j = 0; j < hdr->n_cols; j++) {
            size_t d = distance(e->name, hdr->cols[j]->name);
            if (d < best) { best = d; hint = hdr->cols[j]->name; }
        }
        if (len < sizeof list - 200)
            len += (size_t)snprintf(list + len, sizeof list - len, "\n  %s: '%s'%s%s%s%s%s", e->where, e->name,
                                    hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "",
                                    strcmp(e->who, "data") ? ", read by " : "", strcmp(e->who, "data") ? e->who : "");
    }
    if (missing) {
        char cols[600];
        size_t cl = 0;
        cols[0] = '\0';
        for (size_t j = 0; j < hdr->n_cols && cl < sizeof cols - 100; j++)
            cl += (size_t)snprintf(cols + cl, sizeof cols - cl, "%s%s", j ? ", " : "", hdr->cols[j]->name);
        if (cl >= sizeof cols - 100) snprintf(cols + cl, sizeof cols - cl, ", ... (%zu in all)", hdr->n_cols);
        snprintf(err, n, "%zu column%s named by the config %s not in %s:%s\n%s has: %s%s", missing,
                 missing > 1 ? "s" : "", missing > 1 ? "are" : "is", path, list, path, cols,
                 hdr->n_cols == 1 ? "\n(one column only: is the delimiter right? see data.options.delimiter)" : "");
        rc = XP_ECONFIG;
    }
    colcheck_free(&cc);
    frame_free(hdr);
    return rc;
}
