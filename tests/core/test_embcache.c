/* The embedding cache behind host->cache_get/cache_put: hits and misses, the on-disk file
 * read back by a later "process" (the memory cleared), a torn last record ignored, a file of
 * another width left alone, and the host wrappers. usage: test_embcache (makes a temp dir) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "embcache.h"
#include "host.h"

static void key_of(int i, unsigned char k[32])
{
    char s[32];
    snprintf(s, sizeof s, "input-%d", i);
    host_table.sha256(s, strlen(s), k);
}

static long file_size(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cat %s/*.emb 2>/dev/null | wc -c", dir);
    FILE *p = popen(cmd, "r");
    long n = -1;
    if (p) { if (fscanf(p, "%ld", &n) != 1) n = -1; pclose(p); }
    return n;
}

int main(void)
{
    char dir[] = "/tmp/xp-embcache-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    embcache_set_dir(cache);
    unsigned char k[32];
    float v[4], out[4];
    const char *sp = "test_encoder/w=abc";

    /* 3000 vectors: the table grows several times. */
    for (int i = 0; i < 3000; i++) {
        key_of(i, k);
        CHECK_EQ_INT(embcache_get(sp, k, 4, out), 0);
        for (int d = 0; d < 4; d++) v[d] = (float)(i * 10 + d);
        CHECK_EQ_INT(embcache_put(sp, k, 4, v), 0);
    }
    key_of(1234, k);
    CHECK_EQ_INT(embcache_get(sp, k, 4, out), 1);
    CHECK(out[0] == 12340.0f && out[3] == 12343.0f);
    CHECK_EQ_INT(embcache_put(sp, k, 5, v), -1);                   /* same space, other width */
    embcache_stats st = embcache_get_stats();
    CHECK_EQ_INT(st.stored, 3000);
    CHECK_EQ_INT(st.hits, 1);

    /* A new process: memory empty, the file read back. */
    embcache_clear();
    embcache_set_dir(cache);
    key_of(2999, k);
    CHECK_EQ_INT(embcache_get(sp, k, 4, out), 1);
    CHECK(out[1] == 29991.0f);
    CHECK_EQ_INT(embcache_get_stats().loaded, 3000);

    /* A torn last record (a crash mid-write) is ignored, the rest still read. */
    embcache_clear();
    long size = file_size(cache);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "for f in %s/*.emb; do truncate -s %ld \"$f\"; done", cache, size - 7);
    CHECK_EQ_INT(system(cmd), 0);
    embcache_set_dir(cache);
    key_of(0, k);
    CHECK_EQ_INT(embcache_get(sp, k, 4, out), 1);
    CHECK_EQ_INT(embcache_get_stats().loaded, 2999);
    key_of(2999, k);
    CHECK_EQ_INT(embcache_get(sp, k, 4, out), 0);                  /* the torn one is a miss */

    /* The same space asked with another width in a new process: the file is not misread. */
    embcache_clear();
    embcache_set_dir(cache);
    float w[8];
    key_of(5, k);
    CHECK_EQ_INT(embcache_get(sp, k, 8, w), 0);
    CHECK_EQ_INT(embcache_get_stats().loaded, 0);

    /* Memory only (no folder) through the host table. */
    embcache_clear();
    host_env env = { 0 };
    env.verbosity = XP_LOG_ERROR;
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &env, "t", 0);
    CHECK(XP_HOST_HAS(&host_table, cache_put));
    key_of(7, k);
    CHECK_EQ_INT(host_table.cache_get(&ctx, "mem", k, 4, out), 0);
    CHECK_EQ_INT(host_table.cache_put(&ctx, "mem", k, 4, v), XP_OK);
    CHECK_EQ_INT(host_table.cache_get(&ctx, "mem", k, 4, out), 1);
    CHECK_EQ_INT(host_table.cache_put(&ctx, "mem", k, 3, v), XP_ENOMEM);
    CHECK(strstr(host_call_error(&call), "another width") != NULL);
    embcache_clear();

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    return check_done();
}
