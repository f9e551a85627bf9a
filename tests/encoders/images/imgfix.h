/* tests/encoders/images/imgfix.h — image fixtures made by the tests themselves: PNG and JPEG
 * files written with stb_image_write, a PNG whose header claims any size, a scratch folder.
 * Link imgfix_stbw.c (stb_image_write's implementation; meson: imgfix_dep).
 *
 *     char dir[256];
 *     fx_tmpdir(dir, sizeof dir);                          // /tmp/xp_img_XXXXXX
 *     fx_png(dir, "ion_thruster.png", 32, 32, 3, fx_const(32, 32, 3, (int[]){200, 100, 50, 255}));
 *     fx_rmrf(dir);
 */
#ifndef XP_TESTS_IMGFIX_H
#define XP_TESTS_IMGFIX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stb_image_write.h"   /* implementation: imgfix_stbw.c (built without UBSan) */

static inline void fx_path(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static inline void fx_tmpdir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/xp_img_XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(2); }
}

static inline void fx_rmrf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* w × h × ch bytes, every pixel = v[0..ch). Caller frees. */
static inline unsigned char *fx_const(int w, int h, int ch, const int *v)
{
    unsigned char *p = malloc((size_t)w * h * ch);
    for (int i = 0; i < w * h; i++)
        for (int c = 0; c < ch; c++) p[i * ch + c] = (unsigned char)v[c];
    return p;
}

/* Writes and frees px. */
static inline void fx_png(const char *dir, const char *name, int w, int h, int ch, unsigned char *px)
{
    char path[512];
    fx_path(path, sizeof path, dir, name);
    if (!stbi_write_png(path, w, h, ch, px, w * ch)) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
    free(px);
}

static inline void fx_jpg(const char *dir, const char *name, int w, int h, int ch, unsigned char *px, int q)
{
    char path[512];
    fx_path(path, sizeof path, dir, name);
    if (!stbi_write_jpg(path, w, h, ch, px, q)) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
    free(px);
}

static inline void fx_bytes(const char *dir, const char *name, const void *data, size_t n)
{
    char path[512];
    fx_path(path, sizeof path, dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
    fclose(f);
}

/* Copies the first `keep` bytes of dir/src into dir/dst (a truncated file). */
static inline void fx_truncated(const char *dir, const char *src, const char *dst, double keep_frac)
{
    char path[512];
    fx_path(path, sizeof path, dir, src);
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    fx_bytes(dir, dst, buf, (size_t)(n * keep_frac));
}

static inline uint32_t fx_crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static inline void fx_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}

/* A PNG with a valid IHDR claiming w × h RGB pixels, a tiny IDAT and IEND (valid CRCs): a
 * decoder that trusts the header would allocate w·h·3 bytes. */
static inline void fx_png_claiming(const char *dir, const char *name, uint32_t w, uint32_t h)
{
    unsigned char b[128];
    size_t n = 0;
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    memcpy(b, sig, 8); n = 8;
    /* IHDR */
    fx_be32(b + n, 13); memcpy(b + n + 4, "IHDR", 4);
    fx_be32(b + n + 8, w); fx_be32(b + n + 12, h);
    b[n + 16] = 8; b[n + 17] = 2; b[n + 18] = 0; b[n + 19] = 0; b[n + 20] = 0;
    fx_be32(b + n + 21, fx_crc32(b + n + 4, 17)); n += 25;
    /* IDAT: an empty zlib stream */
    static const unsigned char z[8] = { 0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 };
    fx_be32(b + n, 8); memcpy(b + n + 4, "IDAT", 4); memcpy(b + n + 8, z, 8);
    fx_be32(b + n + 16, fx_crc32(b + n + 4, 12)); n += 20;
    fx_be32(b + n, 0); memcpy(b + n + 4, "IEND", 4);
    fx_be32(b + n + 8, fx_crc32(b + n + 4, 4)); n += 12;
    fx_bytes(dir, name, b, n);
}

/* A baseline JPEG header (SOI, SOF0 claiming w × h, 3 components) followed by EOI. */
static inline void fx_jpg_claiming(const char *dir, const char *name, unsigned w, unsigned h)
{
    unsigned char b[32] = { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08,
                            (unsigned char)(h >> 8), (unsigned char)h,
                            (unsigned char)(w >> 8), (unsigned char)w, 3,
                            1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 0xFF, 0xD9 };
    fx_bytes(dir, name, b, 23);
}

#endif
