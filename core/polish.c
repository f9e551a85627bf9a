/* core/polish.c — after the search, the best point once more with a few values scaled, on
 * the same folds; kept for the refit only if its CV score is better.
 *
 *     polish:
 *       scale: {model.params.eta: 0.25, model.num_boost_round: 4}
 *
 * Why: a boosted model's learning rate trades time for a little accuracy. Searching at
 * moderate rates keeps every trial cheap; the usual last step is to divide the rate of the
 * chosen point and let early stopping find the (larger) number of rounds. This stage does
 * that step on the search's own folds, so the gain is measured, not assumed, and the rounds
 * the refit uses come from early stopping at the final rate.
 *
 * Each key is a config path whose value (the best trial's, if it is a search parameter) is
 * multiplied by the factor; values written as integers stay integers. The per-fold and mean
 * scores go to xp_metrics (split "polish"), the outcome to xp_records (kind "polish").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "experiment.h"
#include "json_out.h"
#include "polish.h"

static int is_integer_text(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

int polish_check(experiment *x, char *err, size_t n)
{
    const xp_cfg *pc = cfg_get(x->root, "polish");
    if (!pc || cfg_kind(pc) == XP_CFG_NULL) return XP_OK;
    if (cfg_kind(pc) != XP_CFG_MAP) {
        snprintf(err, n, "%s: polish: expected a map with 'scale'", cfg_where(pc));
        return XP_ECONFIG;
    }
    const xp_cfg *sc = cfg_get(pc, "scale");
    if (!sc || cfg_kind(sc) != XP_CFG_MAP || cfg_len(sc) == 0) {
        snprintf(err, n, "%s: polish.scale: expected a map of config path: factor", cfg_where(sc ? sc : pc));
        return XP_ECONFIG;
    }
    /* Paths are probed on a copy: reading through the real config would mark keys as used
     * and hide a misspelt one from the unknown-key check. */
    xp_cfg *probe = cfg_clone(x->root);
    if (!probe) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    int rc = XP_OK;
    for (size_t i = 0; i < cfg_len(sc) && !rc; i++) {
        const char *path = cfg_key_at(sc, i);
        double f = 0;
        if ((rc = cfg_read_num(sc, path, 1, &f, err, n))) break;
        if (!(f > 0) || !isfinite(f)) {
            snprintf(err, n, "%s: polish.scale.%s: factor must be a positive number", cfg_where(cfg_at(sc, i)), path);
            rc = XP_ECONFIG;
            break;
        }
        /* The path must name a number, either in the config or as a search parameter. */
        int in_space = 0;
        for (size_t p = 0; p < x->sp.n; p++) in_space |= !strcmp(x->sp.params[p].name, path);
        const char *v = cfg_scalar(cfg_path(probe, path));
        char *end = NULL;
        int numeric = v && (strtod(v, &end), end != v && *end == 0);
        if (!numeric && !in_space) {
            snprintf(err, n, "%s: polish.scale: '%s' is not a number in the config nor a search parameter",
                     cfg_where(cfg_at(sc, i)), path);
            rc = XP_ECONFIG;
        }
    }
    cfg_free(probe);
    return rc;
}

/* One scaled value: before and after, as integers when the config wrote an integer. */
typedef struct change {
    const char *path;
    int integer;
    long long old_i, new_i;
    double old_d, new_d;
} change;

/* {"path": [old, new], ...}: the log line and the record say the same. */
static void write_changes(json_out *j, const change *c, size_t k)
{
    json_out_object(j);
    for (size_t i = 0; i < k; i++) {
        json_out_key(j, c[i].path);
        json_out_array(j);
        if (c[i].integer) { json_out_int(j, c[i].old_i); json_out_int(j, c[i].new_i); }
        else { json_out_num(j, c[i].old_d); json_out_num(j, c[i].new_d); }
        json_out_end(j);
    }
    json_out_end(j);
}

int polish_run(experiment *x, double best_value, xp_cfg **best_cfg, double *rounds, double *value,
               int *used, char *err, size_t n)
{
    *used = 0;
    const xp_cfg *pc = cfg_get(x->root, "polish");
    const xp_cfg *sc = pc ? cfg_get(pc, "scale") : NULL;
    if (!sc || cfg_kind(sc) != XP_CFG_MAP) return XP_OK;
    xp_cfg *cand = cfg_clone(*best_cfg);
    change *ch = calloc(cfg_len(sc) ? cfg_len(sc) : 1, sizeof *ch);
    if (!cand || !ch) { cfg_free(cand); free(ch); snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    size_t k = 0;
    int rc = XP_OK;
    for (size_t i = 0; i < cfg_len(sc) && !rc; i++) {
        const char *path = cfg_key_at(sc, i);
        double f = 1;
        cfg_read_num(sc, path, 1, &f, err, n);
        const char *old = cfg_scalar(cfg_path(cand, path));
        char *end = NULL;
        double v = old ? strtod(old, &end) : NAN;
        if (!old || end == old || *end) {
            snprintf(err, n, "%s: polish.scale: '%s' has no numeric value in the best configuration", cfg_where(cfg_at(sc, i)), path);
            rc = XP_ECONFIG;
            break;
        }
        char text[64];
        change *c = &ch[k++];
        c->path = path;
        c->integer = is_integer_text(old);
        if (c->integer) {
            c->old_i = strtoll(old, NULL, 10);
            c->new_i = llround(v * f);
            snprintf(text, sizeof text, "%lld", c->new_i);
        } else {
            c->old_d = v;
            c->new_d = v * f;
            snprintf(text, sizeof text, "%.17g", v * f);
        }
        rc = cfg_set(cand, path, text, err, n);
    }
    char *changes = NULL;
    if (!rc) {
        json_out j;
        json_out_init(&j);
        write_changes(&j, ch, k);
        if (!(changes = json_out_take(&j))) { snprintf(err, n, "out of memory"); rc = XP_ENOMEM; }
    }
    if (rc) { cfg_free(cand); free(ch); return rc; }
    host_log(&x->env, XP_LOG_INFO, "polish", "best point again with %s (old, new)", changes);
    free(changes);
    eval_result r;
    rc = folds_evaluate_cfg(x, x->fd, x->folds, cand, -1, "polish", NULL, NULL, &r, err, n);
    if (rc) { eval_result_free(&r); cfg_free(cand); free(ch); return rc; }
    const char *metric = x->metrics[x->objective].plugin->name;
    for (int f = 0; f <= x->folds && !rc; f++)   /* the folds, then their mean */
        rc = f < x->folds ? store_metric(x->st, x->run_id, -1, f, "polish", -1, metric, r.fold_values[f])
                          : store_metric(x->st, x->run_id, -1, -1, "cv_polish", -1, metric, r.value);
    if (rc) {
        snprintf(err, n, "recording the polish scores: %s", store_errmsg(x->st));
        eval_result_free(&r);
        cfg_free(cand);
        free(ch);
        return rc;
    }
    int better = x->direction == XP_MINIMIZE ? r.value < best_value : r.value > best_value;
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_key(&j, "changes");
    write_changes(&j, ch, k);
    json_out_kv_str(&j, "metric", metric);
    json_out_kv_num(&j, "search_best", best_value);
    json_out_kv_num(&j, "polished", r.value);
    json_out_kv_num(&j, "mean_best_iteration", isnan(r.mean_best_iteration) ? -1.0 : r.mean_best_iteration);
    json_out_kv_bool(&j, "used", better);
    json_out_end(&j);
    free(ch);
    char *json = json_out_take(&j);
    if (!json) { snprintf(err, n, "recording the polish record: out of memory"); rc = XP_ENOMEM; }
    else {
        rc = store_record(x->st, x->run_id, "polish", json);
        free(json);
        if (rc) snprintf(err, n, "recording the polish record: %s", store_errmsg(x->st));
    }
    if (rc) {
        eval_result_free(&r);
        cfg_free(cand);
        return rc;
    }
    host_log(&x->env, XP_LOG_INFO, "polish", "CV %s %.6g (search best %.6g): %s", metric, r.value, best_value,
             better ? "used for the final model" : "not better, the search's best is kept");
    if (better) {
        /* The polished configuration replaces the best one; the refit uses its rounds. */
        cfg_free(*best_cfg);
        *best_cfg = cand;
        cand = NULL;
        *rounds = r.mean_best_iteration;
        *value = r.value;
        eval_result_keep_best(x, &r);
        *used = 1;
    }
    eval_result_free(&r);
    cfg_free(cand);
    return XP_OK;
}
