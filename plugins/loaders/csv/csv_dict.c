/* csv_dict.c — distinct values of a string column, for categorical codes.
 *
 *     csv_dict d = {0};
 *     int64_t code = csv_dict_get(&d, "red", 3);     // 0; same text -> same index
 *     int32_t remap[d.n]; csv_dict_sort(&d, remap);  // sorted levels, codes remapped
 *     csv_dict_free(&d);
 *
 * Why not the host's col_level: it scans the levels linearly (fine when adding a few), while
 * the loader looks up every row of every string column. Open addressing, FNV-1a hashes.
 * Levels are sorted before they reach the frame so the same set of values always gets the
 * same codes whatever the row order (numbers by value: "-2" < "1" < "4", like pandas).
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

void csv_dict_free(csv_dict *d)
{
    free(d->lv);
    free(d->lv_len);
    free(d->lv_hash);
    free(d->slot);
    memset(d, 0, sizeof *d);
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

static int rehash(csv_dict *d, size_t n_slot)
{
    uint32_t *slot = calloc(n_slot, sizeof *slot);
    if (!slot) return -1;
    for (size_t i = 0; i < d->n; i++) {
        size_t k = (size_t)d->lv_hash[i] & (n_slot - 1);
        while (slot[k]) k = (k + 1) & (n_slot - 1);
        slot[k] = (uint32_t)(i + 1);
    }
    free(d->slot);
    d->slot = slot;
    d->n_slot = n_slot;
    return 0;
}

int64_t csv_dict_get(csv_dict *d, const char *s, size_t n)
{
    if (!d->n_slot && rehash(d, 64)) return -1;
    uint64_t h = hash(s, n);
    size_t k = (size_t)h & (d->n_slot - 1);
    for (; d->slot[k]; k = (k + 1) & (d->n_slot - 1)) {
        size_t i = d->slot[k] - 1;
        if (d->lv_hash[i] == h && d->lv_len[i] == n && memcmp(d->lv[i], s, n) == 0)
            return (int64_t)i;
    }
    if (d->n >= INT32_MAX - 1) return -1;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        const char **lv = realloc(d->lv, cap * sizeof *lv);
        if (lv) d->lv = lv;
        size_t *ln = realloc(d->lv_len, cap * sizeof *ln);
        if (ln) d->lv_len = ln;
        uint64_t *lh = realloc(d->lv_hash, cap * sizeof *lh);
        if (lh) d->lv_hash = lh;
        if (!lv || !ln || !lh) return -1;
        d->cap = cap;
    }
    size_t i = d->n++;
    d->lv[i] = s;
    d->lv_len[i] = n;
    d->lv_hash[i] = h;
    d->slot[k] = (uint32_t)(i + 1);
    if (d->n * 2 > d->n_slot && rehash(d, d->n_slot * 2)) return -1;
    return (int64_t)i;
}

typedef struct level_key {
    const char *s;
    size_t n;
    double v;
    uint64_t h;
    size_t old;
} level_key;

static int cmp_bytes(const void *a, const void *b)
{
    const level_key *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, m);
    if (c) return c;
    return (x->n > y->n) - (x->n < y->n);
}

static int cmp_value(const void *a, const void *b)
{
    const level_key *x = a, *y = b;
    if (x->v < y->v) return -1;
    if (x->v > y->v) return 1;
    return cmp_bytes(a, b);   /* "1" vs "1.0": same value, still distinct levels */
}

int csv_dict_sort(csv_dict *d, int32_t *remap)
{
    if (d->n == 0) return XP_OK;
    level_key *k = malloc(d->n * sizeof *k);
    if (!k) return XP_ENOMEM;
    int numeric = 1;
    for (size_t i = 0; i < d->n; i++) {
        k[i].s = d->lv[i];
        k[i].n = d->lv_len[i];
        k[i].h = d->lv_hash[i];
        k[i].old = i;
        k[i].v = 0;
        /* Levels are NUL-terminated fields; a number with spaces around is not one here. */
        if (numeric && (!csv_num_parse(d->lv[i], d->lv_len[i], &k[i].v) || k[i].v != k[i].v))
            numeric = 0;
    }
    qsort(k, d->n, sizeof *k, numeric ? cmp_value : cmp_bytes);
    for (size_t i = 0; i < d->n; i++) {
        remap[k[i].old] = (int32_t)i;
        d->lv[i] = k[i].s;
        d->lv_len[i] = k[i].n;
        d->lv_hash[i] = k[i].h;
    }
    free(k);
    /* The slots hold old indices: rebuild them so lookups keep working. */
    return rehash(d, d->n_slot) ? XP_ENOMEM : XP_OK;
}
