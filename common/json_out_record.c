/* common/json_out_record.c — json_out_record: a plugin's finished JSON document stored as a
 * record through the host, then freed (see json_out.h).
 *
 *     json_out j; json_out_init(&j);
 *     json_out_object(&j); json_out_kv_str(&j, "column", c->name); json_out_end(&j);
 *     if ((rc = json_out_record(ctx, &j, "pca"))) return rc;
 *
 * Apart from the public include/xp/ headers this knows nothing of the runner: it calls
 * ctx->host->record like any plugin code, so the runner's copy of the library is never used
 * by a plugin.
 */
#include "json_out.h"

#include <stdlib.h>

#include "xp/host.h"

int json_out_record(xp_ctx *ctx, json_out *j, const char *kind)
{
    int failed = j->failed, open = j->depth != 0 || j->after_key;
    char *text = json_out_take(j);
    if (!text) {
        if (failed == JSON_OUT_NOMEM) return xp_fail(ctx, XP_ENOMEM, "record %s: out of memory", kind);
        return xp_fail(ctx, XP_EINTERNAL, "record %s: %s", kind,
                       open ? "unfinished JSON (a container left open)" : "JSON written out of order");
    }
    int rc = ctx->host->record(ctx, kind, text);
    free(text);
    return rc;
}
