/* core/embcache.h — the process-wide embedding cache behind host->cache_get/cache_put
 * (memory, plus one append-only file per space under a folder). See embcache.c.
 *
 *     embcache_set_dir("experiments/cache");
 *     if (!embcache_get("image_mobilenet/224/ab12...", key, 1792, v)) { ...; embcache_put(...); }
 */
#ifndef XP_CORE_EMBCACHE_H
#define XP_CORE_EMBCACHE_H

#include <stddef.h>

typedef struct embcache_stats {
    size_t hits, misses, stored;
    size_t loaded;               /* vectors read back from disk */
} embcache_stats;

/* Folder for the cache files (created on demand); NULL: memory only. Affects spaces opened
 * after the call. */
void embcache_set_dir(const char *dir);
/* 1 and out[dim] filled on a hit, 0 on a miss. */
int embcache_get(const char *space, const unsigned char key[32], size_t dim, float *out);
/* 0, or -1 on ENOMEM / a space already open with another dim. */
int embcache_put(const char *space, const unsigned char key[32], size_t dim, const float *v);
embcache_stats embcache_get_stats(void);
/* Forgets every space (memory only; files stay) and resets the stats and folder. */
void embcache_clear(void);

#endif
