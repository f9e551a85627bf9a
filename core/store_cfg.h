/* core/store_cfg.h — the `store:` section of a config: which database, where the artifacts go,
 * heartbeats.
 *
 *     store:
 *       path: experiments/experiments.db   # an SQLite file (the default when url is null)
 *       url: null                          # or a PostgreSQL database many workers share:
 *                                          # postgresql://user@host:5432/db (not with path)
 *       artifacts: null                    # folder of the runs' files; with url: required, a
 *                                          # folder every worker reaches at the same path
 *       heartbeat_interval: null           # seconds between a running trial's heartbeats
 *       grace_period: null                 # a RUNNING trial silent this long is failed by the
 *                                          # other workers (default 2 x heartbeat_interval)
 *
 *     store_cfg sc;
 *     if (store_cfg_read(root, &sc, err, sizeof err)) return XP_ECONFIG;
 */
#ifndef XP_CORE_STORE_CFG_H
#define XP_CORE_STORE_CFG_H

#include "config.h"

typedef struct store_cfg {
    const char *target;          /* the file, or the URL (borrowed from the config) */
    int is_url;
    const char *artifacts;       /* NULL: <store dir>/artifacts (SQLite only) */
    double heartbeat_interval;   /* 0: off */
    double grace_period;         /* 0: 2 x heartbeat_interval */
} store_cfg;

/* XP_OK, or XP_ECONFIG with err naming the key(s) and what was expected. */
int store_cfg_read(const xp_cfg *root, store_cfg *out, char *err, size_t n);

#endif
