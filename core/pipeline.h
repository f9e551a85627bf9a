/* core/pipeline.h — the chain of transform and encoder stages from the config's `pipeline:`.
 *
 *     pipeline p;
 *     pipeline_create(&p, reg, cfg_path(root, "pipeline"), env, err, sizeof err);
 *     pipeline_fit(&p, train, err, sizeof err);     // each stage: fit on train, apply to train
 *     pipeline_apply(&p, valid, err, sizeof err);   // same learned state on other rows
 *     pipeline_inverse(&p, preds, n, ...);          // back to the original target space
 *     pipeline_free(&p);
 *
 * Each list item is a map with `plugin: NAME` (a transform or encoder) and that plugin's
 * options. A pipeline instance is fitted once; folds each get their own instance.
 */
#ifndef XP_CORE_PIPELINE_H
#define XP_CORE_PIPELINE_H

#include "host.h"
#include "registry.h"

typedef struct pipeline_stage {
    const xp_plugin *plugin;
    const xp_transform_ops *ops;
    const xp_cfg *cfg;
    void *state;
    char who[96];                /* "pipeline[2] impute" */
} pipeline_stage;

typedef struct pipeline {
    pipeline_stage *stages;
    size_t n;
    const host_env *env;
} pipeline;

int pipeline_create(pipeline *p, const registry *reg, const xp_cfg *list, const host_env *env,
                    char *err, size_t errlen);
int pipeline_fit(pipeline *p, xp_frame *train, char *err, size_t errlen);
int pipeline_apply(pipeline *p, xp_frame *f, char *err, size_t errlen);
int pipeline_inverse(pipeline *p, double *y, size_t n, char *err, size_t errlen);
void pipeline_free(pipeline *p);

#endif
