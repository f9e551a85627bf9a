/* core/worker.c — `runner worker CONFIG [OVERRIDE ...]`: a runner that joins a study and never
 * starts one.
 *
 * The plain `runner CONFIG` gets or creates its study, which is right for one machine and
 * wrong for a fleet: a worker whose store URL, database or `name` differs by one character
 * from the others' would silently start a study of its own and search it alone, and nobody
 * would notice until the end. Optuna separates the two for the same reason (create_study
 * once, load_study in every worker). So a worker first checks that the store exists and
 * holds the config's study — started by `runner CONFIG` (which also runs trials) or by
 * optuna.create_study — and refuses otherwise; then it is an ordinary run: it claims trials
 * against search.trials, stops at the budget or search.timeout, and exactly one of the
 * runners on the study refits and tests the best trial (claim.c, store_refit_claim).
 * A blend config is refused: its members are studies of their own, each with its workers.
 */
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"
#include "store_cfg.h"
#include "xp/xp.h"

int worker_check(const xp_cfg *root, char *err, size_t n)
{
    const char *name = "default";
    store_cfg sc;
    int rc;
    if ((rc = cfg_read_str(root, "name", 0, &name, err, n)) || (rc = store_cfg_read(root, &sc, err, n))) return rc;
    if (cfg_get(root, "blend")) {
        snprintf(err, n, "%s is a blend (blend:): its members are studies of their own; start workers on the "
                 "members' configs, then run the blend once", cfg_where(cfg_get(root, "blend")));
        return XP_ECONFIG;
    }
    char *shown = store_display_path(sc.target);
    if (!shown) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    struct stat sb;
    if (!sc.is_url && stat(sc.target, &sb)) {
        /* store_open would create the file: a worker only ever joins. */
        snprintf(err, n, "%s: %s; a worker joins an existing study: start it with `runner CONFIG` (it runs trials too) "
                 "or optuna.create_study, then start the workers", shown, strerror(errno));
        free(shown);
        return errno == ENOENT ? XP_ENOTFOUND : XP_EIO;
    }
    store *st = NULL;
    char e2[1024];
    if (store_open(sc.target, &st, e2, sizeof e2)) {
        snprintf(err, n, "%s", e2);
        free(shown);
        return XP_EIO;
    }
    int64_t id;
    rc = store_study_find(st, name, &id);
    if (rc == XP_ENOTFOUND)
        snprintf(err, n, "%s has no study '%s' (the config's name) to join: start it with `runner CONFIG` (it runs "
                 "trials too) or optuna.create_study(study_name=\"%s\", storage=...), then start the workers; "
                 "or check name and the store against the study's", shown, name, name);
    else if (rc)
        snprintf(err, n, "%s", store_errmsg(st));
    store_close(st);
    free(shown);
    return rc == XP_OK || rc == XP_ENOTFOUND ? rc : XP_EIO;
}
