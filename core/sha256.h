/* core/sha256.h — SHA-256 (FIPS 180-4) for config fingerprints and artifact checksums.
 *
 *     char hex[65];
 *     sha256_hex("abc", 3, hex);                 // "ba7816bf..."
 *     if (sha256_file_hex("model.json", hex)) perror("model.json");
 *
 *     sha256_ctx c; unsigned char d[32];        // streaming
 *     sha256_init(&c); sha256_update(&c, buf, n); ...; sha256_final(&c, d);
 */
#ifndef XP_CORE_SHA256_H
#define XP_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t nbytes;             /* total bytes fed so far */
    unsigned char buf[64];       /* pending partial block */
    size_t nbuf;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, unsigned char digest[32]);

/* Lower-case hex digest, NUL-terminated. */
void sha256_hex(const void *data, size_t n, char out[65]);
/* Hashes a whole file. Returns 0, or -1 with errno set (out is then "" ). */
int sha256_file_hex(const char *path, char out[65]);

#endif
