/* core/space.h — the search space from the config's `search.space`, in the form samplers
 * (xp_param_spec) and Optuna (distribution JSON) understand.
 *
 *     search:
 *       space:
 *         model.params.max_depth: {type: int, low: 3, high: 10}
 *         model.params.eta: {type: float, low: 0.01, high: 0.3, log: true}
 *         model.params.grow_policy: {type: categorical, choices: [depthwise, lossguide]}
 *
 *     space sp; space_parse(&sp, cfg_path(root, "search.space"), err, sizeof err);
 *     space_value_text(&sp, i, internal, buf, sizeof buf);   // "0.0412", "lossguide"
 *     space_free(&sp);
 *
 * Each key is the dotted config path the sampled value is written to for the trial.
 */
#ifndef XP_CORE_SPACE_H
#define XP_CORE_SPACE_H

#include <stddef.h>

#include "xp/xp.h"

typedef struct space {
    xp_param_spec *params;
    char **distribution_json;    /* Optuna's JSON for each param */
    char ***choice_yaml;         /* categorical: each choice as YAML flow text for cfg_set */
    size_t n;
} space;

int space_parse(space *sp, const xp_cfg *node, char *err, size_t errlen);
void space_free(space *sp);
/* YAML text of a value in internal representation, for cfg_set. */
void space_value_text(const space *sp, size_t i, double internal, char *buf, size_t n);
/* Index of a param by name, -1 if absent. */
int space_find(const space *sp, const char *name);

#endif
