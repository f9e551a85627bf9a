/* core/store_pg_none.c — stands in for store_pg.c when the runner is built without libpq:
 * a postgresql:// store then fails at open, saying how to get PostgreSQL support.
 *
 *     store_open("postgresql://xp@db/xp", ...)   // -> "built without PostgreSQL support ..."
 */
#include "store_db.h"

#include <stdio.h>

#include "xp/error.h"

static int open_db(const char *url, db **out, char *err, size_t errlen)
{
    (void)url;
    *out = NULL;
    snprintf(err, errlen, "this runner was built without PostgreSQL support (libpq was not found when it was "
                          "configured): install libpq-dev (Debian) and rebuild (meson setup --reconfigure BUILD && "
                          "ninja -C BUILD), or use an SQLite store (store.path)");
    return XP_EUNSUPPORTED;
}

/* Never called: open always fails, so there is no db. */
const db_ops store_pg_ops = {
    .name = "postgresql",
    .open = open_db,
};
