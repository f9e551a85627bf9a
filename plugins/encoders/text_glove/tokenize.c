/* tokenize.c — see tokenize.h: the word tokeniser and the distinct-text index of the text
 * encoders.
 *
 *     while ((n = tk_next(&p, 1, tok, sizeof tok, &cut)) > 0) ...
 */
#include "tokenize.h"

#include <stdlib.h>
#include <string.h>

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* U+2010..U+201F (dashes, quotes) encoded as E2 80 90..9F: a separator of 3 bytes. */
static int utf8_punct(const unsigned char *s)
{
    return s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0x90 && s[2] <= 0x9F;
}

size_t tk_next(const char **p, int lowercase, char *out, size_t cap, int *cut)
{
    const unsigned char *s = (const unsigned char *)*p;
    *cut = 0;
    out[0] = '\0';
    if (!s) return 0;
    /* Skip separators (and possessive 's after a word). */
    for (;;) {
        if (!*s) { *p = (const char *)s; return 0; }
        if (utf8_punct(s)) { s += 3; continue; }
        if (is_word(*s)) break;
        s++;
    }
    size_t n = 0;
    for (;;) {
        unsigned char c = *s;
        if (!c || utf8_punct(s)) break;
        if (!is_word(c)) {
            unsigned char prev = s > (const unsigned char *)*p ? s[-1] : 0, nx = s[1];
            int join = (c == '-' && is_word(prev) && is_word(nx) && !utf8_punct(s + 1)) ||
                       ((c == '.' || c == ',') && is_digit(prev) && is_digit(nx));
            if (c == '\'' && (nx == 's' || nx == 'S') && !is_word(s[2]) && is_word(prev)) {
                s += 2;              /* possessive: "ship's" -> "ship" */
                break;
            }
            if (!join) break;
        }
        if (n + 1 < cap) out[n] = (char)(lowercase && c >= 'A' && c <= 'Z' ? c + 32 : c);
        else *cut = 1;
        n++;
        s++;
    }
    size_t len = n < cap ? n : cap - 1;
    out[len] = '\0';
    *p = (const char *)s;
    return n;
}

size_t tk_parts(char *tok, char **parts, size_t max)
{
    size_t k = 0;
    char *s = tok;
    while (*s && k < max) {
        char *e = strchr(s, '-');
        if (e) *e = '\0';
        if (*s) parts[k++] = s;
        if (!e) break;
        s = e + 1;
    }
    return k;
}

/* ------------------------------------------------------------ distinct texts */

uint64_t tk_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ^ (h >> 29);
}

int tk_distinct_build(const xp_column *c, size_t n_rows, tk_distinct *d)
{
    memset(d, 0, sizeof *d);
    size_t cap = 16;
    while (cap < 2 * n_rows + 16) cap *= 2;
    int32_t *slot = malloc(cap * sizeof *slot);
    d->of_row = malloc((n_rows ? n_rows : 1) * sizeof *d->of_row);
    d->text = malloc((n_rows ? n_rows : 1) * sizeof *d->text);
    d->rows = calloc(n_rows ? n_rows : 1, sizeof *d->rows);
    if (!slot || !d->of_row || !d->text || !d->rows) {
        free(slot);
        tk_distinct_free(d);
        return -1;
    }
    memset(slot, 0xFF, cap * sizeof *slot);
    for (size_t i = 0; i < n_rows; i++) {
        const char *t = c->text[i];
        if (!t) { d->of_row[i] = -1; continue; }
        size_t j = (size_t)tk_hash(t) & (cap - 1);
        while (slot[j] >= 0 && strcmp(d->text[slot[j]], t) != 0) j = (j + 1) & (cap - 1);
        if (slot[j] < 0) {
            slot[j] = (int32_t)d->n;
            d->text[d->n++] = t;
        }
        d->of_row[i] = slot[j];
        d->rows[slot[j]]++;
    }
    free(slot);
    return 0;
}

void tk_distinct_free(tk_distinct *d)
{
    free(d->text);
    free(d->rows);
    free(d->of_row);
    memset(d, 0, sizeof *d);
}
