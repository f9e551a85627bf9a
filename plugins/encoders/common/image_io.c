/* image_io.c — description -> image file resolver and JPEG/PNG -> float RGB decoding with
 * proper resizing, for the encoder plugins (see image_io.h for the rules and the API).
 *
 *     const char *p = image_index_find(ix, "Heat Shield-Tile", NULL);
 *     image_load_rgb(p, 64, 64, 1.0f, px, msg, sizeof msg);
 *
 * The stb implementations live in this file (and only here). Their own warnings are
 * silenced around the #include, not project-wide. Only JPEG and PNG decoders are compiled
 * in (smaller attack surface). The size limits are checked on the header (stbi_info) before
 * decoding, so a refusal can say which size the file claims. The stb symbols are not static (Debian's stb_image.h then declares functions it
 * never defines) but hidden: the library is built with -fvisibility=hidden, so they stay
 * inside each plugin .so that links it.
 */
#include "image_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xp/error.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wtype-limits"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wcast-qual"
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_MAX_DIMENSIONS (1 << 24)   /* stb's default; our own, smaller limit is checked first */
/* Zeroed allocations: Debian's stb 2.27 mallocs its JPEG decoder state without clearing it,
 * so a scan naming a Huffman table that no DHT defined decoded whatever the heap held there
 * (valgrind: "depends on uninitialised value" in stbi__jpeg_huff_decode; tests/fuzz/fuzz_image
 * hit stb's assert on such garbage). stb 2.28 clears that state itself. jpeg_tables_ok below
 * refuses such files with a message; zeroing keeps stb deterministic for what it misses. */
#define STBI_MALLOC(sz) calloc(1, (sz))
#define STBI_REALLOC(p, sz) realloc((p), (sz))
#define STBI_FREE(p) free(p)
/* stb's internal consistency checks: a failed one marks the decode as refused instead of
 * aborting the whole process (image_decode_rgb checks the flag after each stb call). */
static _Thread_local int stb_check_failed;
#define STBI_ASSERT(x) do { if (!(x)) stb_check_failed = 1; } while (0)
#define STB_IMAGE_IMPLEMENTATION
#include "stb_image.h"
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include "stb_image_resize.h"
#pragma GCC diagnostic pop

static void say(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t cap, const char *fmt, ...)
{
    if (!msg || !cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
}

static char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* ================================================================== the index */

typedef struct entry {
    char *key;      /* lower-cased file name without its extension */
    char *loose;    /* key without '_', '-' and white space */
    char *path;     /* realdir/name, or the resolved target of a symlink */
    char *name;     /* the file's name in the folder (a symlink's own name) */
    int ext_rank;   /* 0 jpg, 1 jpeg, 2 png */
} entry;

struct image_index {
    char *dir;
    entry *e;           /* sorted by key, keys unique */
    size_t n;
    entry **by_loose;   /* the same entries sorted by loose key */
    image_index_stats stats;
};

static int ext_rank_of(const char *ext)
{
    static const char *const exts[] = { "jpg", "jpeg", "png" };
    for (int i = 0; i < 3; i++) {
        const char *a = ext, *b = exts[i];
        while (*a && *b && lower_ascii(*a) == *b) { a++; b++; }
        if (!*a && !*b) return i;
    }
    return -1;
}

static void loose_of(const char *s, char *out)
{
    for (; *s; s++)
        if (*s != '_' && *s != '-' && !is_space(*s)) *out++ = lower_ascii(*s);
    *out = 0;
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (x->ext_rank != y->ext_rank) return x->ext_rank - y->ext_rank;
    return strcmp(x->path, y->path);
}

static int cmp_loose(const void *a, const void *b)
{
    const entry *x = *(entry *const *)a, *y = *(entry *const *)b;
    return strcmp(x->loose, y->loose);
}

static void free_entry(entry *e)
{
    free(e->key);
    free(e->loose);
    free(e->path);
    free(e->name);
}

void image_index_close(image_index *ix)
{
    if (!ix) return;
    for (size_t i = 0; i < ix->n; i++) free_entry(&ix->e[i]);
    free(ix->e);
    free(ix->by_loose);
    free(ix->dir);
    free(ix);
}

/* Path of a directory entry if it is a safe image file (regular file, or a symlink whose
 * real target is a regular file inside realdir); NULL (and *skip) otherwise. */
static char *safe_path(int dfd, const char *realdir, const char *name, int *oom)
{
    struct stat st;
    *oom = 0;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return NULL;
    size_t nd = strlen(realdir), nn = strlen(name);
    char *full = malloc(nd + nn + 2);
    if (!full) { *oom = 1; return NULL; }
    memcpy(full, realdir, nd);
    full[nd] = '/';
    memcpy(full + nd + 1, name, nn + 1);
    if (S_ISREG(st.st_mode)) return full;
    if (!S_ISLNK(st.st_mode)) { free(full); return NULL; }
    char *real = realpath(full, NULL);
    free(full);
    if (!real) return NULL;
    struct stat tst;
    int inside = strncmp(real, realdir, nd) == 0 && real[nd] == '/' &&
                 stat(real, &tst) == 0 && S_ISREG(tst.st_mode);
    if (!inside) { free(real); return NULL; }
    return real;
}

int image_index_open(const char *dir, image_index **out, char *msg, size_t cap)
{
    *out = NULL;
    if (!dir || !*dir) { say(msg, cap, "no images folder given"); return XP_EINVAL; }
    image_index *ix = calloc(1, sizeof *ix);
    if (!ix) { say(msg, cap, "out of memory"); return XP_ENOMEM; }
    ix->dir = realpath(dir, NULL);
    if (!ix->dir) {
        say(msg, cap, "images folder %s: %s", dir, strerror(errno));
        image_index_close(ix);
        return XP_EIO;
    }
    DIR *d = opendir(ix->dir);
    if (!d) {
        say(msg, cap, "images folder %s: %s", dir, strerror(errno));
        image_index_close(ix);
        return XP_EIO;
    }
    size_t cap_e = 0, n = 0;
    entry *all = NULL;
    int rc = XP_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (name[0] == '.') {                      /* ".", "..", hidden and AppleDouble files */
            if (strcmp(name, ".") && strcmp(name, "..")) ix->stats.skipped++;
            continue;
        }
        const char *dot = strrchr(name, '.');
        int rank = dot ? ext_rank_of(dot + 1) : -1;
        if (rank < 0 || dot == name) { ix->stats.skipped++; continue; }
        int oom;
        char *path = safe_path(dirfd(d), ix->dir, name, &oom);
        if (!path) {
            if (oom) { rc = XP_ENOMEM; break; }
            ix->stats.skipped++;
            continue;
        }
        if (n == cap_e) {
            size_t nc = cap_e ? cap_e * 2 : 256;
            entry *ne = realloc(all, nc * sizeof *ne);
            if (!ne) { free(path); rc = XP_ENOMEM; break; }
            all = ne;
            cap_e = nc;
        }
        entry *e = &all[n];
        size_t stem = (size_t)(dot - name);
        e->path = path;
        e->ext_rank = rank;
        e->key = malloc(stem + 1);
        e->loose = malloc(stem + 1);
        e->name = strdup(name);
        if (!e->key || !e->loose || !e->name) { free_entry(e); rc = XP_ENOMEM; break; }
        for (size_t i = 0; i < stem; i++) e->key[i] = lower_ascii(name[i]);
        e->key[stem] = 0;
        loose_of(e->key, e->loose);
        n++;
    }
    closedir(d);
    if (rc) {
        for (size_t i = 0; i < n; i++) free_entry(&all[i]);
        free(all);
        image_index_close(ix);
        say(msg, cap, "out of memory listing %s", dir);
        return rc;
    }
    if (n) qsort(all, n, sizeof *all, cmp_entry);
    size_t k = 0;                                   /* keep the first of each key */
    for (size_t i = 0; i < n; i++) {
        if (k && strcmp(all[k - 1].key, all[i].key) == 0) {
            free_entry(&all[i]);
            ix->stats.duplicates++;
            continue;
        }
        all[k++] = all[i];
    }
    ix->e = all;
    ix->n = k;
    ix->stats.files = k;
    ix->by_loose = malloc((k ? k : 1) * sizeof *ix->by_loose);
    if (!ix->by_loose) {
        image_index_close(ix);
        say(msg, cap, "out of memory listing %s", dir);
        return XP_ENOMEM;
    }
    for (size_t i = 0; i < k; i++) ix->by_loose[i] = &ix->e[i];
    if (k) qsort(ix->by_loose, k, sizeof *ix->by_loose, cmp_loose);
    *out = ix;
    return XP_OK;
}

static const entry *find_key(const image_index *ix, const char *key)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ix->e[mid].key, key);
        if (c == 0) return &ix->e[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static const entry *find_loose(const image_index *ix, const char *loose)
{
    if (!*loose) return NULL;
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {                               /* first entry with loose >= key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->by_loose[mid]->loose, loose) < 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo >= ix->n || strcmp(ix->by_loose[lo]->loose, loose) != 0) return NULL;
    if (lo + 1 < ix->n && strcmp(ix->by_loose[lo + 1]->loose, loose) == 0) return NULL;  /* ambiguous */
    return ix->by_loose[lo];
}

/* s[0..n) -> lower case, ' ' -> '_', hyphen per mode (0 '_', 1 dropped, 2 kept). */
static void normalise(const char *s, size_t n, int hyphen, char *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ') c = '_';
        else if (c == '-') {
            if (hyphen == 1) continue;
            if (hyphen == 0) c = '_';
        } else c = lower_ascii(c);
        *out++ = c;
    }
    *out = 0;
}

const char *image_index_find(const image_index *ix, const char *desc, int *how)
{
    return image_index_find_named(ix, desc, how, NULL);
}

const char *image_index_find_named(const image_index *ix, const char *desc, int *how, const char **name)
{
    if (how) *how = IMAGE_MATCH_NONE;
    if (name) *name = NULL;
    if (!ix || !desc || !*desc || strchr(desc, '/') || ix->n == 0) return NULL;
    size_t n = strlen(desc);
    char small[256], *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) return NULL;
    const entry *hit = NULL;
    int kind = IMAGE_MATCH_NONE;
    size_t b = 0, e = n;
    while (b < e && is_space(desc[b])) b++;
    while (e > b && is_space(desc[e - 1])) e--;
    for (int pass = 0; pass < 2 && !hit; pass++) {
        if (pass == 1 && b == 0 && e == n) break;   /* nothing to trim */
        const char *s = pass ? desc + b : desc;
        size_t len = pass ? e - b : n;
        if (!len) break;
        int has_hyphen = memchr(s, '-', len) != NULL, hy = 0;
        for (; hy < (has_hyphen ? 3 : 1) && !hit; hy++) {
            normalise(s, len, hy, buf);
            hit = find_key(ix, buf);
        }
        if (!hit) continue;
        kind = pass ? IMAGE_MATCH_TRIMMED : IMAGE_MATCH_EXACT;
        for (; hy < 3 && has_hyphen; hy++) {        /* another hyphen variant names a file too? */
            normalise(s, len, hy, buf);
            const entry *other = find_key(ix, buf);
            if (other && other != hit) kind |= IMAGE_MATCH_AMBIGUOUS;
        }
    }
    if (!hit) {
        loose_of(desc, buf);
        hit = find_loose(ix, buf);
        if (hit) kind = IMAGE_MATCH_LOOSE;
    }
    if (buf != small) free(buf);
    if (how) *how = kind;
    if (name && hit) *name = hit->name;
    return hit ? hit->path : NULL;
}

int image_index_resolve(const image_index *ix, const char *description, char *path, size_t cap)
{
    if (path && cap) path[0] = 0;
    const char *p = image_index_find(ix, description, NULL);
    if (!p) return XP_ENOTFOUND;
    size_t n = strlen(p);
    if (!path || n >= cap) return XP_EINVAL;
    memcpy(path, p, n + 1);
    return XP_OK;
}

void image_index_stats_get(const image_index *ix, image_index_stats *out)
{
    if (ix) *out = ix->stats;
    else memset(out, 0, sizeof *out);
}

const char *image_index_dir(const image_index *ix) { return ix ? ix->dir : NULL; }

int image_resolve(const char *dir, const char *description, char *path, size_t cap)
{
    if (path && cap) path[0] = 0;
    image_index *ix;
    int rc = image_index_open(dir, &ix, NULL, 0);
    if (rc == XP_ENOMEM) return rc;
    if (rc) return XP_ENOTFOUND;
    rc = image_index_resolve(ix, description, path, cap);
    image_index_close(ix);
    return rc;
}

/* ================================================================== decoding */

image_opts image_opts_default(int w, int h)
{
    image_opts o = { w, h, 1.0f, IMAGE_SRGB, IMAGE_FILTER_DEFAULT, IMAGE_FIT_STRETCH };
    return o;
}

int image_read_file(const char *path, size_t max_bytes, unsigned char **buf, size_t *n,
                    char *msg, size_t cap)
{
    *buf = NULL;
    *n = 0;
    if (!max_bytes) max_bytes = IMAGE_MAX_FILE_BYTES;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { say(msg, cap, "%s: %s", path, strerror(errno)); return errno == ENOENT ? XP_ENOTFOUND : XP_EIO; }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        say(msg, cap, "%s: not a regular file", path);
        close(fd);
        return XP_EIO;
    }
    if ((uint64_t)st.st_size > (uint64_t)max_bytes) {
        say(msg, cap, "%s: %lld bytes, more than the %zu allowed for an image", path,
            (long long)st.st_size, max_bytes);
        close(fd);
        return XP_EFORMAT;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *b = malloc(size ? size : 1);
    if (!b) { close(fd); say(msg, cap, "%s: out of memory", path); return XP_ENOMEM; }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, b + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            say(msg, cap, "%s: %s", path, strerror(errno));
            free(b);
            close(fd);
            return XP_EIO;
        }
        if (r == 0) break;                          /* the file shrank: take what is there */
        got += (size_t)r;
    }
    close(fd);
    *buf = b;
    *n = got;
    return XP_OK;
}

static float srgb_to_linear(float v)
{
    return v <= 0.04045f ? v / 12.92f : powf((v + 0.055f) / 1.055f, 2.4f);
}

static float linear_to_srgb_exact(float l)
{
    if (l <= 0.0f) return 0.0f;
    if (l >= 1.0f) return 1.0f;
    return l <= 0.0031308f ? 12.92f * l : 1.055f * powf(l, 1.0f / 2.4f) - 0.055f;
}

/* sRGB encoding by table: 4096 steps with linear interpolation (error < 2e-5, measured by
 * the test against the formula), instead of a powf per output value. */
#define ENC_STEPS 4096
static float enc_lut[ENC_STEPS + 2];
static pthread_once_t enc_once = PTHREAD_ONCE_INIT;

static void enc_init(void)
{
    for (int i = 0; i <= ENC_STEPS; i++) enc_lut[i] = linear_to_srgb_exact((float)i / ENC_STEPS);
    enc_lut[ENC_STEPS + 1] = 1.0f;
}

static float linear_to_srgb(float l)
{
    if (!(l > 0.0f)) return 0.0f;
    if (l >= 1.0f) return 1.0f;
    if (l <= 0.0031308f) return 12.92f * l;
    float x = l * ENC_STEPS;
    int i = (int)x;
    float t = x - (float)i;
    return enc_lut[i] + t * (enc_lut[i + 1] - enc_lut[i]);
}

static float clamp01(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }

/* 8-bit pixels (ch = 3 or 4) -> float, linearised per `lut`, alpha premultiplied, averaged
 * over kx × ky blocks (the last block of a row/column may be partial). */
static void to_float_shrunk(const unsigned char *px, int sw, int sh, int ch, int kx, int ky,
                            const float *lut, float *out, int ow, int oh, double *acc)
{
    if (kx == 1 && ky == 1) {                       /* no pre-shrink: convert only */
        size_t np = (size_t)sw * (size_t)sh;
        for (size_t i = 0; i < np; i++) {
            const unsigned char *p = px + i * (size_t)ch;
            float *o = out + i * (size_t)ch;
            if (ch == 4) {
                float al = p[3] * (1.0f / 255.0f);
                o[0] = lut[p[0]] * al;
                o[1] = lut[p[1]] * al;
                o[2] = lut[p[2]] * al;
                o[3] = al;
            } else {
                o[0] = lut[p[0]];
                o[1] = lut[p[1]];
                o[2] = lut[p[2]];
            }
        }
        return;
    }
    for (int by = 0; by < oh; by++) {
        int y0 = by * ky, y1 = y0 + ky < sh ? y0 + ky : sh;
        memset(acc, 0, (size_t)ow * (size_t)ch * sizeof *acc);
        for (int y = y0; y < y1; y++) {
            const unsigned char *row = px + (size_t)y * (size_t)sw * (size_t)ch;
            for (int bx = 0; bx < ow; bx++) {
                int x0 = bx * kx, x1 = x0 + kx < sw ? x0 + kx : sw;
                double *a = acc + (size_t)bx * (size_t)ch;
                for (int x = x0; x < x1; x++) {
                    const unsigned char *p = row + (size_t)x * (size_t)ch;
                    if (ch == 4) {
                        double al = p[3] / 255.0;
                        a[0] += lut[p[0]] * al;
                        a[1] += lut[p[1]] * al;
                        a[2] += lut[p[2]] * al;
                        a[3] += al;
                    } else {
                        a[0] += lut[p[0]];
                        a[1] += lut[p[1]];
                        a[2] += lut[p[2]];
                    }
                }
            }
        }
        for (int bx = 0; bx < ow; bx++) {
            int x0 = bx * kx, x1 = x0 + kx < sw ? x0 + kx : sw;
            double cnt = (double)(x1 - x0) * (double)(y1 - y0);
            float *o = out + ((size_t)by * (size_t)ow + (size_t)bx) * (size_t)ch;
            const double *a = acc + (size_t)bx * (size_t)ch;
            for (int c = 0; c < ch; c++) o[c] = (float)(a[c] / cnt);
        }
    }
}

static int shrink_factor(int src, int dst, int filter)
{
    if (filter != IMAGE_FILTER_DEFAULT) return 1;
    int k = src / (2 * dst);
    return k >= 2 ? k : 1;
}

static int size_ok(uint32_t w, uint32_t h)
{
    return w <= IMAGE_MAX_SIDE && h <= IMAGE_MAX_SIDE && (uint64_t)w * h <= (uint64_t)IMAGE_MAX_PIXELS;
}

static uint32_t be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const unsigned char *p) { return be16(p) << 16 | be16(p + 2); }

/* Width and height as the PNG IHDR or the JPEG SOFn segment states them; 0 if neither is
 * found (stb_image then decides). */
static int header_size(const unsigned char *b, size_t n, uint32_t *w, uint32_t *h)
{
    if (n >= 24 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4)) {
        *w = be32(b + 16);
        *h = be32(b + 20);
        return 1;
    }
    if (n < 4 || b[0] != 0xFF || b[1] != 0xD8) return 0;
    size_t i = 2;
    while (i + 4 <= n) {
        if (b[i] != 0xFF) return 0;
        unsigned m = b[i + 1];
        if (m == 0xFF) { i++; continue; }                        /* fill byte */
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }
        if (m == 0xD9 || m == 0xDA) return 0;                    /* end / scan before a frame */
        size_t len = be16(b + i + 2);
        if (len < 2) return 0;
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (i + 9 > n) return 0;
            *h = be16(b + i + 5);
            *w = be16(b + i + 7);
            return 1;
        }
        i += 2 + len;
    }
    return 0;
}

/* Debian bookworm's stb_image (2.27) trusts the 16 code counts of a JPEG DHT table: their sum
 * (up to 16 x 255) indexes arrays of 257 and 256 entries (stbi__build_huffman and the values
 * loop after it), so a crafted file writes past them, through the decoder's state and beyond
 * its heap block. stb 2.28 refuses a sum above 256, as the JPEG standard does. Found by
 * tests/fuzz/fuzz_image (UBSan: index 257 out of bounds for stbi_uc[257]).
 * stb takes a DHT wherever it meets the bytes FF C4 as a marker (before or after the frame
 * header, between scans) and reads zeros past the end of the buffer, so every FF C4 in the
 * file is parsed here the way stb would parse it. Returns 0 if any table has more than 256
 * codes. (Bytes FF C4 inside a valid file's metadata that happen to look like such a table
 * would be refused too: a false alarm, never a missed one.) */
static int jpeg_huffman_ok(const unsigned char *b, size_t n)
{
    for (const unsigned char *q = b; (q = memchr(q, 0xFF, (size_t)(b + n - q))) != NULL; q++) {
        size_t p = (size_t)(q - b) + 1;
        if (p >= n || b[p] != 0xC4) continue;
        p++;
#define AT(i) ((i) < n ? b[i] : 0u)
        long len = (long)(AT(p) << 8 | AT(p + 1)) - 2;
        p += 2;
        while (len > 0 && p < n) {
            unsigned tc_th = AT(p);
            if ((tc_th >> 4) > 1 || (tc_th & 15) > 3) break;   /* stb stops: "bad DHT header" */
            long codes = 0;
            for (size_t i = 1; i <= 16; i++) codes += AT(p + i);
            if (codes > 256) return 0;
            p += 17 + (size_t)codes;
            len -= 17 + codes;
        }
#undef AT
    }
    return 1;
}

/* Every scan of a JPEG must use Huffman tables that a DHT segment before it defined; stb
 * 2.27 does not check, and decodes such a scan with an empty table (see STBI_MALLOC above):
 * a flat grey picture instead of a refusal. Walks the segments as the standard lays them out
 * (fill bytes, entropy-coded data up to the next marker other than FF 00 and RSTn) and checks
 * each SOS against the tables defined so far: sequential scans use the DC and the AC table of
 * each component, progressive ones the DC table in a first DC pass, the AC table in AC passes.
 * Returns 0 and a description in why[] if a scan uses an undefined table; 1 otherwise, also
 * when the layout is not understood (stb then decides, safely, see above). */
static int jpeg_tables_ok(const unsigned char *b, size_t n, char *why, size_t cap)
{
    if (n < 4 || b[0] != 0xFF || b[1] != 0xD8) return 1;
    int defined[2][4] = { { 0 } };    /* [0 DC, 1 AC][table id] */
    int huffman_frame = 0, progressive = 0, scans = 0;
    size_t i = 2;
    while (i + 1 < n) {
        if (b[i] != 0xFF) return 1;
        unsigned m = b[i + 1];
        if (m == 0xFF) { i++; continue; }
        if (m == 0xD9) return 1;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { i += 2; continue; }
        if (i + 4 > n) return 1;
        size_t len = be16(b + i + 2), end = i + 2 + len;
        if (len < 2 || end > n) return 1;
        const unsigned char *seg = b + i + 4;
        size_t sl = len - 2;
        /* Other frame types (lossless, arithmetic coding) stb does not decode: it says so. */
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (m > 0xC2) return 1;
            huffman_frame = 1;
            progressive = m == 0xC2;
        }
        if (m == 0xC4) {
            size_t p = 0;
            while (p + 17 <= sl) {
                unsigned tc = seg[p] >> 4, th = seg[p] & 15;
                if (tc > 1 || th > 3) break;
                size_t codes = 0;
                for (size_t k = 1; k <= 16; k++) codes += seg[p + k];
                defined[tc][th] = 1;
                p += 17 + codes;
            }
        } else if (m == 0xDA) {
            scans++;
            if (!huffman_frame || sl < 1) return 1;
            unsigned ns = seg[0];
            if (sl < 1 + 2 * (size_t)ns + 3) return 1;
            unsigned ss = seg[1 + 2 * ns], ah = seg[3 + 2 * ns] >> 4;
            int need_dc = !progressive || (ss == 0 && ah == 0), need_ac = !progressive || ss > 0;
            for (unsigned c = 0; c < ns; c++) {
                unsigned td = seg[2 + 2 * c] >> 4, ta = seg[2 + 2 * c] & 15;
                int bad_dc = need_dc && td <= 3 && !defined[0][td];
                int bad_ac = need_ac && ta <= 3 && !defined[1][ta];
                if (bad_dc || bad_ac) {
                    say(why, cap, "scan %d uses Huffman table %s %u, which no DHT segment before it defines",
                        scans, bad_dc ? "DC" : "AC", bad_dc ? td : ta);
                    return 0;
                }
            }
            /* The entropy-coded data runs to the next marker: FF followed by neither 00 (a
             * stuffed FF) nor a restart marker D0..D7. */
            for (i = end; i + 1 < n; i++)
                if (b[i] == 0xFF && b[i + 1] != 0x00 && !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7) &&
                    b[i + 1] != 0xFF)
                    break;
            continue;
        }
        i = end;
    }
    return 1;
}

/* stb_image grows its buffer for the compressed data to each IDAT chunk's stated length
 * (up to 2^30 per chunk, doubling) before it reads the chunk, and only then finds the data
 * missing: a 146-byte file made it realloc ~2 GB (found by tests/fuzz/fuzz_image as a
 * 6-second, 260 MB unit under ASan; without overcommit, or in a small container, the
 * allocation fails and the image encoder gives up the whole run with "out of memory"
 * instead of skipping one bad file). Every chunk before IEND whose stated length runs past
 * the end of the file makes stb fail anyway (IDAT: "outofdata"; others: the next chunk
 * header reads as zeros), so refusing them first changes no outcome, only the cost.
 * Returns 0 and the offending chunk in *at / *len if one runs past the end. */
static int png_chunks_ok(const unsigned char *b, size_t n, size_t *at, uint32_t *len)
{
    size_t p = 8;
    while (p + 8 <= n) {
        uint32_t l = be32(b + p);
        if (!memcmp(b + p + 4, "IEND", 4)) return 1;   /* stb reads no further */
        if (l > n - p - 8) {
            *at = p;
            *len = l;
            return 0;
        }
        p += 12 + (size_t)l;
    }
    return 1;
}

/* Cuts the largest centred region of aspect ratio ow : oh out of the sw × sh pixels (ch bytes
 * each) in place and updates the size. Row y of the region starts no later in the buffer than
 * row y of the source did, so moving rows front to back never overwrites one not yet moved. */
static void crop_centre(unsigned char *px, int *sw, int *sh, int ch, int ow, int oh)
{
    int w = *sw, h = *sh, cw = w, chh = h;
    if ((int64_t)w * oh > (int64_t)h * ow) {                /* wider than the output */
        cw = (int)(((int64_t)h * ow + oh / 2) / oh);
        if (cw < 1) cw = 1;
    } else {
        chh = (int)(((int64_t)w * oh + ow / 2) / ow);
        if (chh < 1) chh = 1;
    }
    if (cw == w && chh == h) return;
    int ox = (w - cw) / 2, oy = (h - chh) / 2;
    for (int y = 0; y < chh; y++)
        memmove(px + (size_t)y * (size_t)cw * (size_t)ch,
                px + ((size_t)(oy + y) * (size_t)w + (size_t)ox) * (size_t)ch, (size_t)cw * (size_t)ch);
    *sw = cw;
    *sh = chh;
}

int image_decode_rgb(const unsigned char *buf, size_t n, const char *name, const image_opts *o,
                     float *out, image_info *info, char *msg, size_t cap)
{
    if (!name) name = "(image)";
    if (info) memset(info, 0, sizeof *info);
    if (!o || !out || o->w < 1 || o->h < 1 || o->w > IMAGE_MAX_OUT_SIDE || o->h > IMAGE_MAX_OUT_SIDE) {
        say(msg, cap, "%s: output size must be 1..%d per side", name, IMAGE_MAX_OUT_SIDE);
        return XP_EINVAL;
    }
    if (!(o->background >= 0.0f && o->background <= 1.0f)) {
        say(msg, cap, "%s: background must be in [0, 1]", name);
        return XP_EINVAL;
    }
    if ((o->colorspace != IMAGE_SRGB && o->colorspace != IMAGE_LINEAR) ||
        o->filter < IMAGE_FILTER_DEFAULT || o->filter > IMAGE_FILTER_CATMULLROM ||
        (o->fit != IMAGE_FIT_STRETCH && o->fit != IMAGE_FIT_CROP)) {
        say(msg, cap, "%s: unknown colour space, filter or fit", name);
        return XP_EINVAL;
    }
    if (!buf || n == 0) { say(msg, cap, "%s: empty file", name); return XP_EFORMAT; }
    if (n > (size_t)INT_MAX) { say(msg, cap, "%s: file too large", name); return XP_EFORMAT; }
    int sw, sh, comp;
    /* Our own look at the header first: stb_image refuses some huge sizes itself but then
     * reports only "unknown image type". */
    uint32_t hw, hh;
    if (header_size(buf, n, &hw, &hh) && !size_ok(hw, hh)) {
        if (info) { info->width = (int)(hw > INT_MAX ? INT_MAX : hw); info->height = (int)(hh > INT_MAX ? INT_MAX : hh); }
        say(msg, cap, "%s: %u x %u pixels is larger than allowed (%d per side, %u pixels)", name,
            hw, hh, IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
        return XP_EFORMAT;
    }
    int png = n >= 8 && !memcmp(buf, "\x89PNG\r\n\x1a\n", 8);
    size_t chunk_at;
    uint32_t chunk_len;
    if (png && !png_chunks_ok(buf, n, &chunk_at, &chunk_len)) {
        say(msg, cap, "%s: truncated or corrupt PNG (the chunk at byte %zu states %u bytes, %zu are left)",
            name, chunk_at, chunk_len, n - chunk_at - 8);
        return XP_EFORMAT;
    }
    if (!png && !jpeg_huffman_ok(buf, n)) {
        say(msg, cap, "%s: corrupt JPEG (a Huffman table with more than 256 codes)", name);
        return XP_EFORMAT;
    }
    char why[160];
    if (!png && !jpeg_tables_ok(buf, n, why, sizeof why)) {
        say(msg, cap, "%s: corrupt JPEG (%s)", name, why);
        return XP_EFORMAT;
    }
    stb_check_failed = 0;
    if (!stbi_info_from_memory(buf, (int)n, &sw, &sh, &comp)) {
        const char *why = stbi_failure_reason();
        say(msg, cap, "%s: not a readable JPEG or PNG (%s)", name, why ? why : "unknown");
        return XP_EFORMAT;
    }
    if (info) { info->width = sw; info->height = sh; info->channels = comp; }
    if (sw < 1 || sh < 1 || !size_ok((uint32_t)sw, (uint32_t)sh)) {
        say(msg, cap, "%s: %d x %d pixels is larger than allowed (%d per side, %u pixels)", name,
            sw, sh, IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
        return XP_EFORMAT;
    }
    int ch = (comp == 2 || comp == 4) ? 4 : 3;
    int x, y, c;
    unsigned char *px = stbi_load_from_memory(buf, (int)n, &x, &y, &c, ch);
    if (stb_check_failed) {
        stbi_image_free(px);
        say(msg, cap, "%s: corrupt image (stb_image's own consistency check failed while decoding)", name);
        return XP_EFORMAT;
    }
    if (!px) {
        const char *why = stbi_failure_reason();
        say(msg, cap, "%s: cannot decode (%s)", name, why ? why : "unknown");
        return why && !strcmp(why, "outofmem") ? XP_ENOMEM : XP_EFORMAT;
    }
    if (x != sw || y != sh) {
        stbi_image_free(px);
        say(msg, cap, "%s: header and data disagree on the size", name);
        return XP_EFORMAT;
    }
    if (o->fit == IMAGE_FIT_CROP) crop_centre(px, &sw, &sh, ch, o->w, o->h);
    float lut[256];
    for (int i = 0; i < 256; i++)
        lut[i] = o->colorspace == IMAGE_SRGB ? srgb_to_linear((float)i / 255.0f) : (float)i / 255.0f;
    int kx = shrink_factor(sw, o->w, o->filter), ky = shrink_factor(sh, o->h, o->filter);
    int mw = (sw + kx - 1) / kx, mh = (sh + ky - 1) / ky;
    size_t mid_n = (size_t)mw * (size_t)mh * (size_t)ch;
    float *mid = malloc(mid_n * sizeof *mid);
    double *acc = malloc((size_t)mw * (size_t)ch * sizeof *acc);
    float *res = NULL;
    int rc = XP_OK;
    if (!mid || !acc) { rc = XP_ENOMEM; goto done; }
    to_float_shrunk(px, sw, sh, ch, kx, ky, lut, mid, mw, mh, acc);
    stbi_image_free(px);
    px = NULL;
    const float *img = mid;
    if (mw != o->w || mh != o->h) {
        static const stbir_filter filters[] = { STBIR_FILTER_DEFAULT, STBIR_FILTER_BOX,
            STBIR_FILTER_TRIANGLE, STBIR_FILTER_MITCHELL, STBIR_FILTER_CATMULLROM };
        res = malloc((size_t)o->w * (size_t)o->h * (size_t)ch * sizeof *res);
        if (!res) { rc = XP_ENOMEM; goto done; }
        if (!stbir_resize_float_generic(mid, mw, mh, 0, res, o->w, o->h, 0, ch,
                                        ch == 4 ? 3 : STBIR_ALPHA_CHANNEL_NONE,
                                        ch == 4 ? STBIR_FLAG_ALPHA_PREMULTIPLIED : 0,
                                        STBIR_EDGE_CLAMP, filters[o->filter],
                                        STBIR_COLORSPACE_LINEAR, NULL)) {
            rc = XP_ENOMEM;
            goto done;
        }
        img = res;
    }
    if (o->colorspace == IMAGE_SRGB) pthread_once(&enc_once, enc_init);
    float bg = o->colorspace == IMAGE_SRGB ? srgb_to_linear(o->background) : o->background;
    size_t npx = (size_t)o->w * (size_t)o->h;
    for (size_t i = 0; i < npx; i++) {
        const float *p = img + i * (size_t)ch;
        float a = ch == 4 ? clamp01(p[3]) : 1.0f;
        for (int k = 0; k < 3; k++) {
            float v = p[k];
            if (ch == 4) v += bg * (1.0f - a);
            out[i * 3 + (size_t)k] = o->colorspace == IMAGE_SRGB ? linear_to_srgb(v) : clamp01(v);
        }
    }
done:
    if (rc == XP_ENOMEM) say(msg, cap, "%s: out of memory resizing %d x %d", name, sw, sh);
    stbi_image_free(px);
    free(mid);
    free(acc);
    free(res);
    return rc;
}

int image_index_follow(image_index **ix, char **listed, const char *dir, char *msg, size_t cap)
{
    if (*ix && *listed && !strcmp(*listed, dir)) return 0;
    size_t len = strlen(dir) + 1;
    char *copy = malloc(len);
    if (!copy) { say(msg, cap, "out of memory"); return XP_ENOMEM; }
    memcpy(copy, dir, len);
    image_index *fresh = NULL;
    int rc = image_index_open(dir, &fresh, msg, cap);
    if (rc) { free(copy); return rc; }
    image_index_close(*ix);
    free(*listed);
    *ix = fresh;
    *listed = copy;
    return 1;
}

typedef struct for_each {
    size_t n, next;
    pthread_mutex_t mu;
    void (*fn)(void *, size_t, void **);
    void (*local_free)(void *);
    void *arg;
} for_each;

static void *for_each_worker(void *p)
{
    for_each *fe = p;
    void *local = NULL;
    for (;;) {
        pthread_mutex_lock(&fe->mu);
        size_t k = fe->next++;
        pthread_mutex_unlock(&fe->mu);
        if (k >= fe->n) break;
        fe->fn(fe->arg, k, &local);
    }
    if (fe->local_free) fe->local_free(local);
    return NULL;
}

void image_for_each(size_t n, int threads, void (*fn)(void *arg, size_t k, void **local),
                    void (*local_free)(void *local), void *arg)
{
    if (threads > 16) threads = 16;
    if ((size_t)threads > n) threads = (int)n;
    if (threads < 1) threads = 1;
    for_each fe = { .n = n, .fn = fn, .local_free = local_free, .arg = arg };
    pthread_mutex_init(&fe.mu, NULL);
    pthread_t tid[16];
    int started = 0;
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, for_each_worker, &fe) == 0) started++;
    for_each_worker(&fe);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&fe.mu);
}

int image_size_of(const unsigned char *buf, size_t n, const char *name, int *w, int *h,
                  char *msg, size_t cap)
{
    if (!name) name = "(image)";
    *w = *h = 0;
    if (!buf || n == 0 || n > (size_t)INT_MAX) { say(msg, cap, "%s: empty or too large file", name); return XP_EFORMAT; }
    uint32_t hw, hh;
    if (header_size(buf, n, &hw, &hh) && !size_ok(hw, hh)) {
        say(msg, cap, "%s: %u x %u pixels is larger than allowed (%d per side, %u pixels)", name,
            hw, hh, IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
        return XP_EFORMAT;
    }
    int sw, sh, comp;
    if (!stbi_info_from_memory(buf, (int)n, &sw, &sh, &comp)) {
        const char *why = stbi_failure_reason();
        say(msg, cap, "%s: not a readable JPEG or PNG (%s)", name, why ? why : "unknown");
        return XP_EFORMAT;
    }
    if (sw < 1 || sh < 1 || !size_ok((uint32_t)sw, (uint32_t)sh)) {
        say(msg, cap, "%s: %d x %d pixels is larger than allowed (%d per side, %u pixels)", name,
            sw, sh, IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
        return XP_EFORMAT;
    }
    *w = sw;
    *h = sh;
    return XP_OK;
}

int image_load_rgb_opts(const char *path, const image_opts *o, float *out_hwc, image_info *info,
                        char *msg, size_t cap)
{
    unsigned char *buf;
    size_t n;
    if (info) memset(info, 0, sizeof *info);
    int rc = image_read_file(path, 0, &buf, &n, msg, cap);
    if (rc) return rc;
    rc = image_decode_rgb(buf, n, path, o, out_hwc, info, msg, cap);
    free(buf);
    return rc;
}

int image_load_rgb(const char *path, int w, int h, float background, float *out_hwc,
                   char *msg, size_t cap)
{
    image_opts o = image_opts_default(w, h);
    o.background = background;
    return image_load_rgb_opts(path, &o, out_hwc, NULL, msg, cap);
}
