/* wvec.h — the word-vector file written by tools/weights/glove_convert and read (mmap) by the
 * text_glove plugin: one file holding a sorted vocabulary and its float32 matrix, so that
 * loading costs one mmap and a lookup is a binary search over the mapped strings.
 *
 *     wvec w;
 *     char err[256];
 *     if (wvec_open("weights/glove-100d.bin", &w, err, sizeof err)) { puts(err); return; }
 *     int64_t k = wvec_find(&w, "the");          // -1 if out of vocabulary
 *     const float *v = wvec_row(&w, k);           // w.dim floats, borrowed from the mapping
 *     wvec_close(&w);
 *
 * Layout (all integers little-endian; the file is refused on a big-endian host):
 *
 *   offset  size  field
 *        0     8  magic "XPWVEC1\0"
 *        8     4  version (1)
 *       12     4  dim (floats per word)
 *       16     8  count V (words)
 *       24     8  off_vectors   float32 [V][dim], row k = k-th word in sorted order (64-aligned)
 *       32     8  off_offsets   uint32 [V+1]: word k is strings + offsets[k], NUL-terminated,
 *                               offsets[V] = bytes of the string pool
 *       40     8  off_strings   the words, UTF-8, each followed by NUL, in strcmp (byte) order
 *       48     8  strings_bytes
 *       56     8  off_rank      uint32 [V]: the word's row in the source file (GloVe's order,
 *                               i.e. its frequency rank in the GloVe corpus; 0 = "the")
 *       64    32  sha256 of bytes [128, file_size): names the weights in cache keys
 *       96     8  file_size
 *      104    24  reserved (0)
 *      128        data
 *
 * Words are unique. The matrix comes first so that it is page- and cache-line aligned.
 */
#ifndef XP_WVEC_H
#define XP_WVEC_H

#include <stddef.h>
#include <stdint.h>

#define WVEC_MAGIC "XPWVEC1"
#define WVEC_VERSION 1u
#define WVEC_HEADER_BYTES 128u
#define WVEC_FILE_NAME "glove-100d.bin"

typedef struct wvec_header {
    char magic[8];
    uint32_t version;
    uint32_t dim;
    uint64_t count;
    uint64_t off_vectors;
    uint64_t off_offsets;
    uint64_t off_strings;
    uint64_t strings_bytes;
    uint64_t off_rank;
    uint8_t sha256[32];
    uint64_t file_size;
    uint8_t reserved[24];
} wvec_header;

_Static_assert(sizeof(wvec_header) == WVEC_HEADER_BYTES, "wvec header layout");

typedef struct wvec {
    const void *map;             /* the whole file, read-only */
    size_t map_bytes;
    size_t dim;
    size_t count;
    const float *vectors;
    const uint32_t *offsets;
    const char *strings;
    const uint32_t *rank;
    char sha_hex[65];            /* sha256 from the header, lower-case hex */
} wvec;

/* Maps and validates a file (every offset and string checked, so a corrupt file is refused
 * instead of read out of bounds). Returns 0, or -1 with a message in err. */
int wvec_open(const char *path, wvec *w, char *err, size_t n);
void wvec_close(wvec *w);

/* Row of `word` (exact bytes, NUL-terminated), or -1. */
int64_t wvec_find(const wvec *w, const char *word);
/* Same for the first `len` bytes of word (need not be NUL-terminated). */
int64_t wvec_findn(const wvec *w, const char *word, size_t len);

static inline const float *wvec_row(const wvec *w, int64_t k)
{
    return w->vectors + (size_t)k * w->dim;
}

static inline const char *wvec_word(const wvec *w, int64_t k)
{
    return w->strings + w->offsets[k];
}

#endif
