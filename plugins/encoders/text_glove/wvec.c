/* wvec.c — maps and searches the word-vector file described in wvec.h.
 *
 *     wvec w; char err[256];
 *     if (wvec_open(path, &w, err, sizeof err) == 0) { ... wvec_find(&w, "hull") ... wvec_close(&w); }
 */
#include "wvec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int bad(char *err, size_t n, const char *path, const char *what)
{
    snprintf(err, n, "%s: not a valid word-vector file (%s); rebuild it with `make weights`",
             path, what);
    return -1;
}

int wvec_open(const char *path, wvec *w, char *err, size_t n)
{
    memset(w, 0, sizeof *w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    snprintf(err, n, "%s: word-vector files are little-endian; this host is not", path);
    return -1;
#endif
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    size_t size = (size_t)sb.st_size;
    if (size < WVEC_HEADER_BYTES) {
        close(fd);
        return bad(err, n, path, "shorter than its header");
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, n, "%s: mmap: %s", path, strerror(e));
        return -1;
    }
    const wvec_header *h = map;
    const char *why = NULL;
    uint64_t V = h->count, dim = h->dim;
    if (memcmp(h->magic, WVEC_MAGIC, 8) != 0) why = "bad magic";
    else if (h->version != WVEC_VERSION) why = "unsupported version";
    else if (h->file_size != size) why = "size differs from the header's (truncated?)";
    else if (dim == 0 || dim > 65536 || V == 0 || V > 0xFFFFFFF0u) why = "bad dimensions";
    else if (h->off_vectors % 4 || h->off_vectors < WVEC_HEADER_BYTES ||
             h->off_vectors > size || (size - h->off_vectors) / 4 / dim < V)
        why = "matrix out of bounds";
    else if (h->off_offsets % 4 || h->off_offsets > size || (size - h->off_offsets) / 4 < V + 1)
        why = "offsets out of bounds";
    else if (h->off_rank % 4 || h->off_rank > size || (size - h->off_rank) / 4 < V)
        why = "ranks out of bounds";
    else if (h->off_strings > size || size - h->off_strings < h->strings_bytes ||
             h->strings_bytes == 0)
        why = "strings out of bounds";
    if (!why) {
        const uint32_t *off = (const uint32_t *)((const char *)map + h->off_offsets);
        const char *s = (const char *)map + h->off_strings;
        if (off[V] != h->strings_bytes || s[h->strings_bytes - 1] != '\0') why = "string pool end";
        for (uint64_t k = 0; !why && k < V; k++) {
            if (off[k] >= off[k + 1] || s[off[k + 1] - 1] != '\0') why = "string offsets";
            else if (k && strcmp(s + off[k - 1], s + off[k]) >= 0) why = "words not sorted";
        }
    }
    if (why) {
        munmap(map, size);
        return bad(err, n, path, why);
    }
    w->map = map;
    w->map_bytes = size;
    w->dim = dim;
    w->count = V;
    w->vectors = (const float *)((const char *)map + h->off_vectors);
    w->offsets = (const uint32_t *)((const char *)map + h->off_offsets);
    w->strings = (const char *)map + h->off_strings;
    w->rank = (const uint32_t *)((const char *)map + h->off_rank);
    for (int i = 0; i < 32; i++) snprintf(w->sha_hex + 2 * i, 3, "%02x", h->sha256[i]);
    return 0;
}

void wvec_close(wvec *w)
{
    if (w->map) munmap((void *)w->map, w->map_bytes);
    memset(w, 0, sizeof *w);
}

/* strcmp of (a, len) against NUL-terminated b, in unsigned byte order. */
static int cmpn(const char *a, size_t len, const char *b)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y) return x < y ? -1 : 1;
        if (y == 0) return 1;            /* a NUL inside a (len) word: never a match */
    }
    return b[len] == '\0' ? 0 : -1;
}

int64_t wvec_findn(const wvec *w, const char *word, size_t len)
{
    size_t lo = 0, hi = w->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmpn(word, len, w->strings + w->offsets[mid]);
        if (c == 0) return (int64_t)mid;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return -1;
}

int64_t wvec_find(const wvec *w, const char *word)
{
    return wvec_findn(w, word, strlen(word));
}
