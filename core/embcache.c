/* core/embcache.c — the embedding cache behind host->cache_get / cache_put.
 *
 *     embcache_set_dir("experiments/cache");          // once per run; NULL = memory only
 *     if (!embcache_get(space, key, dim, v)) { compute(v); embcache_put(space, key, dim, v); }
 *
 * A frozen encoder is a pure function of (its weights and settings, the input's bytes), so
 * its output is computed once per distinct input and process: every fold's pipeline, the
 * refit, the random-split check and predict read the same vectors. On disk each space is
 * one append-only file `<dir>/<space, sanitised>-<sha256 of space, 16 hex>.emb`:
 *
 *     "XPEMB001" | u32 dim | u32 space length | space bytes | records...
 *     record = 32-byte key | dim float32 (host byte order)
 *
 * A record is appended with one write() on an O_APPEND descriptor, so runners sharing the
 * folder interleave whole records; a torn last record (a crash mid-write) is ignored when
 * the file is read back. A file whose header names another dim or space is left alone and
 * the space stays in memory only (logged), never misread.
 */
#include "embcache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"

#define MAGIC "XPEMB001"

typedef struct space {
    char *name;
    size_t dim;
    unsigned char *keys;         /* cap × 32; all-zero slot = empty */
    float *vals;                 /* cap × dim */
    unsigned char *used;         /* cap */
    size_t n, cap;
    int fd;                      /* append descriptor, -1 = memory only */
    struct space *next;
} space;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static space *spaces;
static char *cache_dir;
static embcache_stats stats;

static int mkdir_p(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

static size_t slot_of(const space *s, const unsigned char *key)
{
    uint64_t h;
    memcpy(&h, key, sizeof h);   /* a sha256: its first bytes are already uniform */
    return (size_t)(h & (s->cap - 1));
}

static int grow(space *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    unsigned char *keys = calloc(cap, 32), *used = calloc(cap, 1);
    float *vals = malloc(cap * s->dim * sizeof *vals);
    if (!keys || !used || !vals) { free(keys); free(used); free(vals); return -1; }
    space t = *s;
    s->keys = keys; s->used = used; s->vals = vals; s->cap = cap; s->n = 0;
    for (size_t i = 0; i < t.cap; i++) {
        if (!t.used[i]) continue;
        size_t j = slot_of(s, t.keys + i * 32);
        while (s->used[j]) j = (j + 1) & (cap - 1);
        s->used[j] = 1;
        memcpy(s->keys + j * 32, t.keys + i * 32, 32);
        memcpy(s->vals + j * s->dim, t.vals + i * s->dim, s->dim * sizeof *s->vals);
        s->n++;
    }
    free(t.keys); free(t.used); free(t.vals);
    return 0;
}

static long find(const space *s, const unsigned char *key)
{
    if (!s->cap) return -1;
    for (size_t j = slot_of(s, key);; j = (j + 1) & (s->cap - 1)) {
        if (!s->used[j]) return -1;
        if (!memcmp(s->keys + j * 32, key, 32)) return (long)j;
    }
}

/* Inserts or overwrites in memory. */
static int insert(space *s, const unsigned char *key, const float *v)
{
    long at = find(s, key);
    if (at < 0) {
        if ((s->n + 1) * 4 > s->cap * 3 && grow(s)) return -1;
        size_t j = slot_of(s, key);
        while (s->used[j]) j = (j + 1) & (s->cap - 1);
        s->used[j] = 1;
        memcpy(s->keys + j * 32, key, 32);
        s->n++;
        at = (long)j;
    }
    memcpy(s->vals + (size_t)at * s->dim, v, s->dim * sizeof *v);
    return 0;
}

static void file_name(const char *name, char *out, size_t cap)
{
    char hex[65], clean[64];
    sha256_hex(name, strlen(name), hex);
    size_t k = 0;
    for (const char *p = name; *p && k + 1 < sizeof clean; p++)
        clean[k++] = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_') ? *p : '_';
    clean[k] = 0;
    snprintf(out, cap, "%s/%s-%.16s.emb", cache_dir, clean, hex);
}

/* Reads the space's file (if any) into memory and opens it for appending. */
static void attach_file(space *s)
{
    s->fd = -1;
    if (!cache_dir || mkdir_p(cache_dir)) return;
    char path[4400];
    file_name(s->name, path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) { fprintf(stderr, "[cache] warning: %s: %s; embeddings kept in memory only\n", path, strerror(errno)); return; }
    uint32_t nl = (uint32_t)strlen(s->name), dim32 = (uint32_t)s->dim;
    size_t hlen = 8 + 4 + 4 + nl;
    struct stat st;
    if (fstat(fd, &st)) { close(fd); return; }
    if (st.st_size == 0) {
        unsigned char *h = malloc(hlen);
        if (!h) { close(fd); return; }
        memcpy(h, MAGIC, 8); memcpy(h + 8, &dim32, 4); memcpy(h + 12, &nl, 4); memcpy(h + 16, s->name, nl);
        ssize_t w = write(fd, h, hlen);
        free(h);
        if (w != (ssize_t)hlen) { close(fd); return; }
        s->fd = fd;
        return;
    }
    FILE *f = fdopen(dup(fd), "rb");
    unsigned char *h = malloc(hlen);
    int ok = f && h && fread(h, 1, hlen, f) == hlen && !memcmp(h, MAGIC, 8) &&
             !memcmp(h + 8, &dim32, 4) && !memcmp(h + 12, &nl, 4) && !memcmp(h + 16, s->name, nl);
    free(h);
    if (!ok) {
        fprintf(stderr, "[cache] warning: %s: not a cache file of '%s' (%zu floats); left alone, embeddings kept in memory only\n",
                path, s->name, s->dim);
        if (f) fclose(f);
        close(fd);
        return;
    }
    size_t rec = 32 + s->dim * sizeof(float);
    unsigned char *buf = malloc(rec);
    size_t loaded = 0;
    while (buf && fread(buf, 1, rec, f) == rec) {
        if (insert(s, buf, (const float *)(const void *)(buf + 32))) break;
        loaded++;
    }
    free(buf);
    fclose(f);
    stats.loaded += loaded;
    s->fd = fd;
}

static space *space_of(const char *name, size_t dim)
{
    for (space *s = spaces; s; s = s->next)
        if (!strcmp(s->name, name)) return s->dim == dim ? s : NULL;
    space *s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(name))) { free(s); return NULL; }
    s->dim = dim;
    attach_file(s);
    s->next = spaces;
    spaces = s;
    return s;
}

void embcache_set_dir(const char *dir)
{
    pthread_mutex_lock(&lock);
    free(cache_dir);
    cache_dir = dir ? strdup(dir) : NULL;
    pthread_mutex_unlock(&lock);
}

int embcache_get(const char *name, const unsigned char key[32], size_t dim, float *out)
{
    if (!name || !key || !dim || !out) return 0;
    pthread_mutex_lock(&lock);
    space *s = space_of(name, dim);
    long at = s ? find(s, key) : -1;
    if (at >= 0) { memcpy(out, s->vals + (size_t)at * dim, dim * sizeof *out); stats.hits++; }
    else stats.misses++;
    pthread_mutex_unlock(&lock);
    return at >= 0;
}

int embcache_put(const char *name, const unsigned char key[32], size_t dim, const float *v)
{
    if (!name || !key || !dim || !v) return -1;
    pthread_mutex_lock(&lock);
    space *s = space_of(name, dim);
    int rc = -1;
    if (s && !insert(s, key, v)) {
        rc = 0;
        stats.stored++;
        if (s->fd >= 0) {
            size_t rec = 32 + dim * sizeof(float);
            unsigned char *buf = malloc(rec);
            if (buf) {
                memcpy(buf, key, 32);
                memcpy(buf + 32, v, dim * sizeof(float));
                if (write(s->fd, buf, rec) != (ssize_t)rec) {
                    fprintf(stderr, "[cache] warning: cannot append to the cache of '%s': %s; in memory only from now on\n",
                            s->name, strerror(errno));
                    close(s->fd);
                    s->fd = -1;
                }
                free(buf);
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

embcache_stats embcache_get_stats(void)
{
    pthread_mutex_lock(&lock);
    embcache_stats r = stats;
    pthread_mutex_unlock(&lock);
    return r;
}

void embcache_clear(void)
{
    pthread_mutex_lock(&lock);
    while (spaces) {
        space *s = spaces;
        spaces = s->next;
        if (s->fd >= 0) close(s->fd);
        free(s->name); free(s->keys); free(s->vals); free(s->used); free(s);
    }
    memset(&stats, 0, sizeof stats);
    free(cache_dir);
    cache_dir = NULL;
    pthread_mutex_unlock(&lock);
}
