/* core/worker.h — `runner worker CONFIG`: what a worker checks before it joins a study.
 *
 *     char err[1024];
 *     if (worker_check(root, err, sizeof err)) { fprintf(stderr, "runner worker: %s\n", err); return 2; }
 *     run_experiment(root, reg, &opt);          // then a run like any other
 */
#ifndef XP_CORE_WORKER_H
#define XP_CORE_WORKER_H

#include <stddef.h>

#include "config.h"

/* XP_OK when the config's store exists and holds the config's study (`name`); XP_ENOTFOUND
 * when either is missing (nothing is created: an SQLite file that does not exist is not
 * opened), XP_ECONFIG for a blend config or a bad store section, XP_EIO when the store cannot
 * be read. err says which and what to do. */
int worker_check(const xp_cfg *root, char *err, size_t n);

#endif
