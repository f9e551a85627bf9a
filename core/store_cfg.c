/* core/store_cfg.c — reads and checks the config's `store:` section (see store_cfg.h).
 *
 *     ./runner configs/step1_xgb.yaml store.url=postgresql://xp@db:5432/xp \
 *         store.artifacts=/shared/xp store.heartbeat_interval=30
 *
 * Only one database per run: store.path and store.url both set is an error naming both,
 * rather than a silent choice. A PostgreSQL store is shared by workers on several hosts, so
 * its artifacts must go to a folder all of them reach: store.artifacts is required there and
 * made absolute, so the paths recorded mean the same file on every host that mounts it at
 * the same place.
 */
#include "store_cfg.h"

#include <stdio.h>
#include <string.h>

#include "store.h"
#include "xp/error.h"

/* A number of seconds > 0, or null / absent (0). */
static int read_seconds(const xp_cfg *sc, const char *key, double *out, char *err, size_t n)
{
    *out = 0;
    const xp_cfg *v = cfg_get(sc, key);
    if (!v || cfg_kind(v) == XP_CFG_NULL) return XP_OK;
    int rc = cfg_read_num(sc, key, 0, out, err, n);
    if (rc) return rc;
    if (!(*out > 0)) {
        snprintf(err, n, "%s: store.%s must be a number of seconds > 0 (or null: no heartbeats), got %g",
                 cfg_where(v), key, *out);
        return XP_ECONFIG;
    }
    return XP_OK;
}

int store_cfg_read(const xp_cfg *root, store_cfg *out, char *err, size_t n)
{
    const xp_cfg *sc = cfg_get(root, "store");
    const char *path = NULL, *url = NULL;
    *out = (store_cfg){ 0 };
    int rc;
    if ((rc = cfg_read_str_or_null(sc, "path", &path, err, n)) || (rc = cfg_read_str_or_null(sc, "url", &url, err, n)) ||
        (rc = cfg_read_str_or_null(sc, "artifacts", &out->artifacts, err, n)) ||
        (rc = read_seconds(sc, "heartbeat_interval", &out->heartbeat_interval, err, n)) ||
        (rc = read_seconds(sc, "grace_period", &out->grace_period, err, n)))
        return rc;
    if (path && url) {
        char wp[300];
        snprintf(wp, sizeof wp, "%s", cfg_where(cfg_get(sc, "path")));
        snprintf(err, n, "%s and %s: store.path (an SQLite file) and store.url (a PostgreSQL database) are both set; "
                 "a run uses one store: set store.path=null to use store.url, or store.url=null", wp,
                 cfg_where(cfg_get(sc, "url")));
        return XP_ECONFIG;
    }
    if (path && !*path) {
        snprintf(err, n, "%s: store.path must name a file (or be null)", cfg_where(cfg_get(sc, "path")));
        return XP_ECONFIG;
    }
    if (url && !store_is_url(url)) {
        snprintf(err, n, "%s: store.url must be a PostgreSQL URL, postgresql://USER@HOST:PORT/DB (or "
                 "postgresql:///DB?host=/socket/folder), got '%.200s'; an SQLite file goes in store.path",
                 cfg_where(cfg_get(sc, "url")), url);
        return XP_ECONFIG;
    }
    if (url && (!out->artifacts || !*out->artifacts)) {
        snprintf(err, n, "%s: store.url needs store.artifacts: the folder where every worker's runs keep their files "
                 "(models, predictions, folds), reachable at the same path from every host (e.g. an NFS mount)",
                 cfg_where(cfg_get(sc, "url")));
        return XP_ECONFIG;
    }
    if (out->grace_period > 0 && out->heartbeat_interval <= 0) {
        snprintf(err, n, "%s: store.grace_period needs store.heartbeat_interval (heartbeats are off without it)",
                 cfg_where(cfg_get(sc, "grace_period")));
        return XP_ECONFIG;
    }
    out->is_url = url != NULL;
    out->target = url ? url : path ? path : "experiments/experiments.db";
    return XP_OK;
}
