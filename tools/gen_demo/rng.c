/* tools/gen_demo/rng.c — deterministic random numbers for the demo generator.
 *
 *     gd_rng r; gd_rng_seed(&r, seed, STREAM_ITEMS, item_id);
 *     double z = gd_rng_normal(&r);
 *
 * xoshiro256** seeded through splitmix64 from (seed, stream, sub): every item, row block and
 * image gets its own stream, so output is byte-identical for a seed whatever the thread count.
 */
#include "gd.h"

#include <math.h>

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void gd_rng_seed(gd_rng *r, uint64_t seed, uint64_t stream, uint64_t sub)
{
    uint64_t x = seed * 0xD1B54A32D192ED03ull ^ (stream + 1) * 0x8CB92BA72F3D8DD7ull ^
                 (sub + 0x51ED27) * 0xABC98388FB8FAC03ull;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t gd_rng_u64(gd_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double gd_rng_unif(gd_rng *r) { return (double)(gd_rng_u64(r) >> 11) * 0x1.0p-53; }

double gd_rng_normal(gd_rng *r)
{
    /* Box-Muller without caching: one normal per call keeps streams easy to reason about. */
    double u = 1.0 - gd_rng_unif(r), v = gd_rng_unif(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

int gd_rng_below(gd_rng *r, int n) { return (int)(gd_rng_unif(r) * n); }

int gd_rng_pick(gd_rng *r, const double *w, int n)
{
    double tot = 0;
    for (int i = 0; i < n; i++) tot += w[i];
    double u = gd_rng_unif(r) * tot;
    for (int i = 0; i < n; i++) {
        if (u < w[i]) return i;
        u -= w[i];
    }
    for (int i = n - 1; i >= 0; i--)
        if (w[i] > 0) return i;
    return 0;
}

double gd_hash_normal(uint64_t a, uint64_t b)
{
    gd_rng r;
    gd_rng_seed(&r, 0x5EEDC0DEull, a, b);
    return gd_rng_normal(&r);
}
