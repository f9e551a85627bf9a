/* core/store.h — the experiment store: one SQLite database holding Optuna's RDB schema
 * (so optuna.load_study() reads our studies) plus our own tables for runs, metrics,
 * artifacts and dataset records.
 *
 *     store *s; char err[512];
 *     if (store_open("experiments/experiments.db", &s, err, sizeof err)) ...
 *     int64_t study, run, trial, number;
 *     store_study_open(s, "step1", XP_MINIMIZE, &study);          // get or create
 *     store_run_begin(s, study, &info, &run);
 *     store_trial_begin(s, study, run, &trial, &number);
 *     store_trial_param(s, trial, "max_depth", 6, "{\"name\": \"IntDistribution\", ...}");
 *     store_trial_intermediate(s, trial, 0, 0.41);
 *     store_trial_finish(s, trial, XP_TRIAL_COMPLETE, &(double){0.40});
 *     store_run_end(s, run, "COMPLETE", wall, cpu);
 *     store_close(s);
 *
 * WAL journal, a busy timeout, and each state change in its own transaction, so a crash
 * loses at most the change in flight. Opening a study marks trials left RUNNING by a dead
 * process (their run's pid no longer alive, or the run not ours) as FAIL.
 * Functions return XP_OK or a negative XP_E* with a message in the store's error buffer
 * (store_errmsg).
 */
#ifndef XP_CORE_STORE_H
#define XP_CORE_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct store store;

typedef struct store_run_info {
    const char *name;            /* study / run name */
    const char *config_yaml;     /* resolved config text */
    const char *config_sha256;   /* hex */
    int64_t seed;
    const char *git_rev;         /* may be NULL */
    const char *host;
    const char *command;         /* argv joined */
} store_run_info;

int store_open(const char *path, store **out, char *err, size_t errlen);
void store_close(store *s);
const char *store_errmsg(const store *s);

/* Get-or-create an Optuna study with one objective; direction XP_MINIMIZE / XP_MAXIMIZE.
 * Marks orphaned RUNNING trials of that study as FAIL. */
int store_study_open(store *s, const char *name, int direction, int64_t *study_id);

int store_run_begin(store *s, int64_t study_id, const store_run_info *info, int64_t *run_id);
/* status: "COMPLETE", "FAIL", "INTERRUPTED" */
int store_run_end(store *s, int64_t run_id, const char *status, double wall_s, double cpu_s);

/* run_id <= 0: no run link (orphan detection then never covers the trial). */
int store_trial_begin(store *s, int64_t study_id, int64_t run_id, int64_t *trial_id, int64_t *number);
/* The same, claimed against a budget shared by every process on the study: in one
 * BEGIN IMMEDIATE transaction, counts the study's COMPLETE, PRUNED and RUNNING trials and
 * creates the trial only while they are fewer than `budget` (XP_EEXHAUSTED otherwise), so
 * concurrent runners never run more trials than asked, as Optuna's shared storage. */
int store_trial_claim(store *s, int64_t study_id, int64_t run_id, int64_t budget, int64_t *trial_id, int64_t *number);
/* value_internal: number for int/float, choice index for categorical (Optuna's convention). */
int store_trial_param(store *s, int64_t trial_id, const char *name, double value_internal,
                      const char *distribution_json);
int store_trial_intermediate(store *s, int64_t trial_id, int64_t step, double value);
/* state: XP_TRIAL_COMPLETE / PRUNED / FAIL (plugin.h). value NULL = none (FAIL).
 * COMPLETE needs a finite value (XP_EINVAL otherwise; the trial stays RUNNING). A PRUNED
 * trial without a value takes its last intermediate value, as Optuna's tell() does. */
int store_trial_finish(store *s, int64_t trial_id, int state, const double *value);
int store_trial_attr(store *s, int64_t trial_id, const char *key, const char *json_value);
int store_study_attr(store *s, int64_t study_id, const char *key, const char *json_value);
/* A study user attribute's JSON text (caller frees); XP_ENOTFOUND when it is not set. */
int store_study_attr_get(store *s, int64_t study_id, const char *key, char **json_value);

/* Metrics: trial_id/fold/source < 0 mean "none / all". split: "train", "valid", "test", "cv". */
int store_metric(store *s, int64_t run_id, int64_t trial_id, int fold, const char *split,
                 int source, const char *metric, double value);
/* sha256 NULL: the store computes it from the file. */
int store_artifact(store *s, int64_t run_id, const char *path, const char *sha256, const char *kind);
int store_record(store *s, int64_t run_id, const char *kind, const char *json);
/* Copies the file src into the folder dir (created if missing; its parent must exist) as
 * dir/<sha256 of the bytes copied><src's extension> and records that copy as run_id's
 * artifact of `kind` with that sha256. Content-addressed: runs on the same bytes share one
 * file. *path (caller frees) names the copy. */
int store_artifact_snapshot(store *s, int64_t run_id, const char *src, const char *dir, const char *kind,
                            char **path, char sha256[65]);

/* Finished trials of a study, for resuming a search. Param values are returned in the order
 * of `names` (NaN where a trial lacks one). Caller frees with store_trials_free. */
typedef struct store_trial {
    int64_t trial_id, number;
    int state;
    double value;                /* NaN when none */
    double *params;              /* n_names values */
} store_trial;
int store_trials_load(store *s, int64_t study_id, const char *const *names, size_t n_names,
                      store_trial **out, size_t *n_out);
void store_trials_free(store_trial *t, size_t n);

/* For `runner predict`: the run's config text and the path of an artifact of a kind. */
int store_run_config(store *s, int64_t run_id, char **config_yaml);   /* caller frees */
int store_run_artifact(store *s, int64_t run_id, const char *kind, char **path); /* caller frees */
/* The same with the sha256 recorded when it was written (to check the file is unchanged). */
int store_run_artifact_sha(store *s, int64_t run_id, const char *kind, char **path, char sha256[65]);
/* A user attribute of the study a run belongs to (caller frees); XP_ENOTFOUND when not set. */
int store_run_study_attr_get(store *s, int64_t run_id, const char *key, char **json_value);
/* The id of the latest COMPLETE run of a study (XP_ENOTFOUND when there is none). */
int store_latest_run(store *s, const char *study_name, int64_t *run_id);

#endif
