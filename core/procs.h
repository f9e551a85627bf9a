/* core/procs.h — child processes run a few at a time, their output relayed line by line
 * under a label (procs.c). The blend runs its members this way, each a runner of its own.
 *
 *     proc_job jobs[2] = { { argv_a, "step2_xgb" }, { argv_b, "step2_mlp" } };
 *     if (procs_run(jobs, 2, 2, err, sizeof err)) ...;   // then read jobs[i].status
 */
#ifndef XP_CORE_PROCS_H
#define XP_CORE_PROCS_H

#include <stddef.h>

typedef struct proc_job {
    char *const *argv;           /* argv[0]: the program's path; NULL-terminated */
    const char *label;           /* each relayed line starts "[label] " */
    int status;                  /* out: exit code, 128 + signal if killed, -1 never started */
} proc_job;

/* Runs jobs in order, at most `width` at a time, each child's stdout and stderr relayed to
 * ours a whole line at a time. After a job fails (status != 0) or host_interrupted(), no
 * new job starts; the running ones are waited for, and an interrupt is passed on to them
 * once (children sit in their own process group, so a terminal's Ctrl-C reaches only us,
 * and they get SIGTERM if we die). Returns XP_OK when every started job was waited for;
 * an error (err set) when a pipe or a child could not be made — the jobs already running
 * are still waited for. */
int procs_run(proc_job *jobs, size_t n, int width, char *err, size_t errlen);

#endif
