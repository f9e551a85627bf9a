/* core/blend.h — `blend:` configs (see blend.c): members run as their own studies on one
 * split, then weights fitted on their out-of-fold predictions combine them.
 *
 *     char **paths; size_t k; int run, jobs;
 *     blend_members(root, &paths, &k, &run, &jobs, err, n);        // member config files
 *     blend_run_members(root, paths, k, reg, opt, jobs, threads, &studies, err, n);   // each a full run
 *     ... the blend's own run: data, split, store ...
 *     blend_fit(x, studies, k, artifact_dir, folds_sha, &out, err, n);
 */
#ifndef XP_CORE_BLEND_H
#define XP_CORE_BLEND_H

#include <stddef.h>

#include "experiment.h"
#include "run.h"

typedef struct blend_outcome {
    double cv;                   /* cross-fitted CV of the objective */
    double *test;                /* n_metrics test values */
    size_t n_members;
    double *weights;             /* n_members */
    double *member_cv;           /* each member's own out-of-fold score (objective) */
    char *strata;                /* blend.strata: lines for the summary (each stratum's rows and
                                  * weights), or NULL */
} blend_outcome;

/* The member config files of root's blend section, resolved against the file listing them
 * (caller frees each and the array); *run_them from blend.run_members (default 1), *jobs
 * from blend.jobs (default 0). */
int blend_members(xp_cfg *root, char ***paths, size_t *n, int *run_them, int *jobs, char *err, size_t errlen);
/* Loads each member (overrides in opt applied, but name and blend.*), records its study name
 * in *studies (caller frees), and runs it when opt->run_members: `jobs` at once (0: as many
 * as the thread budget `threads` allows; 0 = the machine's), each a runner process with an
 * equal share of the threads (root's plugin_path passed on as --plugin-dir), or in turn in
 * this process when one runs at a time. */
int blend_run_members(const xp_cfg *root, char **paths, size_t n, registry *reg, const run_options *opt, int jobs,
                      int threads, char ***studies, char *err, size_t errlen);
/* Fits and scores the blend of the members' latest complete runs into x's run. folds_sha: the
 * sha256 of this run's folds.csv, which every member's must equal. */
int blend_fit(experiment *x, char **studies, size_t n, const char *artifact_dir, const char *folds_sha,
              blend_outcome *out, char *err, size_t errlen);
void blend_outcome_free(blend_outcome *o);

#endif
