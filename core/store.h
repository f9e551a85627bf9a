/* core/store.h — the experiment store: one database holding Optuna's RDB schema (so
 * optuna.load_study() reads our studies) plus our own tables for runs, metrics, artifacts
 * and dataset records. The database is an SQLite file (the default) or, for many workers
 * on many hosts, a PostgreSQL database named by a postgresql:// URL (store_db.h).
 *
 *     store *s; char err[512];
 *     if (store_open("experiments/experiments.db", &s, err, sizeof err)) ...
 *     // or store_open("postgresql://xp@db.example:5432/xp", ...)
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
 * Each state change is its own transaction, so a crash loses at most the change in flight.
 * Opening a study marks trials left RUNNING by a dead process (their run ended, or its pid
 * on this host no longer alive) as FAIL; with heartbeats on (store_set_heartbeat), claims
 * also fail RUNNING trials whose heartbeat is older than the grace period, on any host.
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

/* path: an SQLite file (created if missing), or a postgresql:// (postgres://) URL, e.g.
 * postgresql://user@host:5432/db or postgresql:///db?host=/run/postgresql (a socket folder);
 * the password comes from the URL, PGPASSWORD or ~/.pgpass. Messages show URLs without it. */
int store_open(const char *path, store **out, char *err, size_t errlen);
void store_close(store *s);
const char *store_errmsg(const store *s);
/* 1 when path is a PostgreSQL URL rather than a file. */
int store_is_url(const char *path);
/* path as messages show it: a URL's password replaced by *** (caller frees; NULL: no memory). */
char *store_display_path(const char *path);
/* What tells this store apart in a folder several stores share: the SQLite file's base name,
 * or the PostgreSQL database's name. */
const char *store_label(const store *s);
const char *store_backend(const store *s);   /* "sqlite" or "postgresql" */

/* Get-or-create an Optuna study with one objective; direction XP_MINIMIZE / XP_MAXIMIZE.
 * Marks orphaned RUNNING trials of that study as FAIL. */
int store_study_open(store *s, const char *name, int direction, int64_t *study_id);
/* An existing study's id; XP_ENOTFOUND (nothing created) when the store has no such study:
 * what `runner worker` joins. */
int store_study_find(store *s, const char *name, int64_t *study_id);

int store_run_begin(store *s, int64_t study_id, const store_run_info *info, int64_t *run_id);
/* status: "COMPLETE", "FAIL", "INTERRUPTED" */
int store_run_end(store *s, int64_t run_id, const char *status, double wall_s, double cpu_s);

/* run_id <= 0: no run link (orphan detection then never covers the trial). */
int store_trial_begin(store *s, int64_t study_id, int64_t run_id, int64_t *trial_id, int64_t *number);
/* The same, claimed against a budget shared by every process on the study, on any host: in
 * one transaction holding the study's lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the study's
 * row locked, which Optuna's own workers also take to create a trial), counts the study's
 * COMPLETE, PRUNED and RUNNING trials and creates the trial only while they are fewer than
 * `budget` (XP_EEXHAUSTED otherwise), so concurrent runners never run more trials than asked. */
int store_trial_claim(store *s, int64_t study_id, int64_t run_id, int64_t budget, int64_t *trial_id, int64_t *number);

/* Heartbeats, Optuna's heartbeat_interval / grace_period (grace <= 0: twice the interval;
 * interval <= 0: off, the default). While on, every trial this handle creates gets a
 * heartbeat row at once, the caller refreshes it (store_trial_heartbeat) every interval, and
 * claims first fail the study's RUNNING trials whose heartbeat is older than the grace period
 * (fail_reason says so; their run, if still RUNNING, becomes FAIL). Times are the database's
 * clock, so hosts with skewed clocks agree. */
void store_set_heartbeat(store *s, double interval_s, double grace_s);
int store_trial_heartbeat(store *s, int64_t trial_id);

/* What the other workers on a study are doing (stale trials are failed first, as a claim does). */
typedef struct store_activity {
    int64_t finished;            /* COMPLETE and PRUNED trials */
    int64_t running_elsewhere;   /* RUNNING trials of other live runs (Optuna's own workers' not counted) */
    int64_t other_run;           /* one of those runs (the smallest id), or -1 */
    int64_t stale_failed;        /* trials this call failed for want of a heartbeat */
} store_activity;
int store_study_activity(store *s, int64_t study_id, int64_t run_id, store_activity *a);

/* Which of several runners that searched one study together refits and tests its best trial:
 * exactly one. *mine = 1 for the caller when no other live run still has a trial RUNNING
 * (else *running_run names one: the runner that finishes last refits) and no other run has
 * claimed the refit of the same finished trials (else *by_run names it) — a claimant counts
 * while it runs, and once COMPLETE if it overlapped this run in time or ran the same config
 * (xp_runs.config_sha256: a late worker, a plain rerun). The claim is an xp_records row
 * 'refit_claim' of the caller's run. New trials, or a changed config, refit again. */
int store_refit_claim(store *s, int64_t study_id, int64_t run_id, int *mine, int64_t *by_run, int64_t *running_run);
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
    int64_t last_step;           /* PRUNED: largest step with an intermediate value; else -1 */
} store_trial;
int store_trials_load(store *s, int64_t study_id, const char *const *names, size_t n_names,
                      store_trial **out, size_t *n_out);
void store_trials_free(store_trial *t, size_t n);
/* A trial's intermediate values at steps 0..n_steps-1 into out (NaN where it reported none):
 * the median pruner's evidence from trials other runs finished (Optuna's pruner counts every
 * complete trial of the study). */
int store_trial_intermediates(store *s, int64_t trial_id, int64_t n_steps, double *out);

/* For `runner predict`: the run's config text and the path of an artifact of a kind. */
int store_run_config(store *s, int64_t run_id, char **config_yaml);   /* caller frees */
int store_run_artifact(store *s, int64_t run_id, const char *kind, char **path); /* caller frees */
/* The same with the sha256 recorded when it was written (to check the file is unchanged). */
int store_run_artifact_sha(store *s, int64_t run_id, const char *kind, char **path, char sha256[65]);
/* A user attribute of the study a run belongs to (caller frees); XP_ENOTFOUND when not set. */
int store_run_study_attr_get(store *s, int64_t run_id, const char *key, char **json_value);
/* The id of the latest COMPLETE run of a study that has the study's result (a run that only
 * searched, record 'search_only', is skipped); XP_ENOTFOUND when there is none. */
int store_latest_run(store *s, const char *study_name, int64_t *run_id);

#endif
