/* tests/transforms/challenge_frame.h — a synthetic frame with the quirks of the challenge data
 * (/work/shared/docs/challenge-data.md): 80 columns in the same order, prefixed strings,
 * empty and constant columns, near-duplicates, -5/-2/-8 codes, the quantity placeholder, a
 * right-skewed target. Deterministic for a given seed.
 *
 *     xp_frame *f = challenge_frame(40292, 1);   // source_id, feature_1..62, quantity, ...
 *     frame_free(f);
 *
 * What each column is meant to trigger is said next to it, so tests can check the
 * transforms find exactly that.
 */
#ifndef XP_TESTS_TRANSFORMS_CHALLENGE_FRAME_H
#define XP_TESTS_TRANSFORMS_CHALLENGE_FRAME_H

#include "harness.h"

static inline double cf_lognormal(rng *r, double mu, double sigma)
{
    return exp(mu + sigma * rng_normal(r));
}

static inline xp_column *cf_num(xp_frame *f, const char *name)
{
    return fr_col(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE);
}

static inline xp_frame *challenge_frame(size_t n, uint64_t seed)
{
    static const int src_count[20] = { 1142, 1777, 1359, 955, 2122, 949, 3636, 2698, 1074, 881,
                                       5319, 1436, 927, 4709, 1131, 2037, 1845, 1699, 1480, 3116 };
    rng r = { seed };
    xp_frame *f = frame_new(n);
    char name[32];
    /* source_id: unequal sources, rows sorted by source like the real file */
    xp_column *src = cf_num(f, "source_id");
    {
        double total = 0, acc = 0;
        for (int s = 0; s < 20; s++) total += src_count[s];
        int s = 0;
        for (size_t i = 0; i < n; i++) {
            while (s < 19 && (double)i >= (acc + src_count[s]) / total * (double)n) acc += src_count[s++];
            src->num[i] = s;
        }
    }
    /* feature_1: nr_<int>; feature_2: sh_0 / sh_1 (parse_prefixed) */
    xp_column *f1 = fr_col(f, "feature_1", XP_COL_CATEGORICAL, XP_ROLE_FEATURE);
    xp_column *f2 = fr_col(f, "feature_2", XP_COL_CATEGORICAL, XP_ROLE_FEATURE);
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "nr_%d", (int)(rng_unif(&r) * 300));
        f1->codes[i] = col_level(f1, name);
        f2->codes[i] = col_level(f2, rng_unif(&r) < 0.3 ? "sh_1" : "sh_0");
    }
    /* feature_3..7: floats with 1-5% missing; feature_5 = mean of 3 and 4 (near-duplicate) */
    xp_column *c[8];
    for (int k = 3; k <= 7; k++) {
        snprintf(name, sizeof name, "feature_%d", k);
        c[k] = cf_num(f, name);
    }
    for (size_t i = 0; i < n; i++) {
        double base = rng_normal(&r) * 10 + 50;
        c[3]->num[i] = rng_unif(&r) < 0.01 ? NAN : base + rng_normal(&r) * 0.5;
        c[4]->num[i] = rng_unif(&r) < 0.03 ? NAN : base + rng_normal(&r) * 0.5;
        c[5]->num[i] = rng_unif(&r) < 0.05 ? NAN : base + rng_normal(&r) * 0.3;
        c[6]->num[i] = rng_unif(&r) < 0.02 ? NAN : rng_normal(&r);
        c[7]->num[i] = rng_unif(&r) < 0.02 ? NAN : rng_unif(&r) * 100;
    }
    /* feature_8: bool, 99.4% false */
    xp_column *f8 = fr_col(f, "feature_8", XP_COL_BOOL, XP_ROLE_FEATURE);
    for (size_t i = 0; i < n; i++) f8->num[i] = rng_unif(&r) < 0.006;
    /* feature_9..21: sparse; 12 and 17 empty (drop: empty); 14..16, 18..21 almost empty */
    for (int k = 9; k <= 21; k++) {
        snprintf(name, sizeof name, "feature_%d", k);
        xp_column *col = cf_num(f, name);
        double miss = k == 12 || k == 17 ? 1.0
                      : (k >= 14 && k <= 21) ? 0.995
                      : k == 9 ? 0.67 : k == 10 ? 0.8 : k == 11 ? 0.9 : 0.95;
        for (size_t i = 0; i < n; i++) {
            int empty_source = k <= 13 && src->num[i] == 3;   /* empty for a whole source */
            col->num[i] = empty_source || rng_unif(&r) < miss ? NAN : cf_lognormal(&r, 3, 1.5);
        }
    }
    /* feature_22: -5 in 99.93%, else -2 (drop: constant) */
    xp_column *f22 = cf_num(f, "feature_22");
    for (size_t i = 0; i < n; i++) f22->num[i] = rng_unif(&r) < 0.0007 ? -2 : -5;
    xp_column *f23 = cf_num(f, "feature_23");
    for (size_t i = 0; i < n; i++) f23->num[i] = rng_unif(&r) < 0.95 ? NAN : rng_unif(&r) * 2.6e8;
    /* feature_24..43: heavy tails; 29 mostly -8 (placeholder); 30, 31 live in [-5, -2];
     * 43 ~ 27 (near-duplicate) */
    xp_column *h[44];
    for (int k = 24; k <= 43; k++) {
        snprintf(name, sizeof name, "feature_%d", k);
        h[k] = cf_num(f, name);
    }
    for (size_t i = 0; i < n; i++) {
        double size = rng_normal(&r);
        for (int k = 24; k <= 43; k++) {
            double v = cf_lognormal(&r, 5 + (k % 5), 2.5) * (k <= 27 ? exp(size) : 1);
            if (v > 1e10) v = 1e10;
            h[k]->num[i] = v;
        }
        h[29]->num[i] = rng_unif(&r) < 0.6 ? -8 : h[29]->num[i];
        h[30]->num[i] = -5 + 3 * rng_unif(&r);
        h[31]->num[i] = -5 + 3 * rng_unif(&r);
        h[43]->num[i] = h[27]->num[i] * 1.01 + rng_normal(&r);
    }
    /* feature_44 = -7 - feature_36 (r = -1); 45 nearly complete */
    xp_column *f44 = cf_num(f, "feature_44"), *f45 = cf_num(f, "feature_45");
    for (size_t i = 0; i < n; i++) {
        f44->num[i] = rng_unif(&r) < 0.0002 ? NAN : -7 - h[36]->num[i];
        f45->num[i] = rng_unif(&r) < 0.0002 ? NAN : rng_normal(&r);
    }
    /* feature_46, 47: int-like */
    xp_column *f46 = cf_num(f, "feature_46"), *f47 = cf_num(f, "feature_47");
    for (size_t i = 0; i < n; i++) {
        f46->num[i] = floor(rng_unif(&r) * 40);
        f47->num[i] = floor(rng_unif(&r) * 7) - 3;
    }
    /* feature_48..52: 69% missing on the same rows, 49/50/52 ~ 48 */
    xp_column *g[53];
    for (int k = 48; k <= 52; k++) {
        snprintf(name, sizeof name, "feature_%d", k);
        g[k] = cf_num(f, name);
    }
    for (size_t i = 0; i < n; i++) {
        int miss = rng_unif(&r) < 0.69;
        double base = rng_normal(&r) * 3;
        g[48]->num[i] = miss ? NAN : base;
        g[49]->num[i] = miss ? NAN : base + rng_normal(&r) * 0.01;
        g[50]->num[i] = miss ? NAN : base * 2;
        g[51]->num[i] = miss ? NAN : rng_normal(&r);
        g[52]->num[i] = miss ? NAN : base - 1;
    }
    /* feature_53..57; 54: -5 (70%), -2 (15%), then 1, 4, 7, ... up to 295 (placeholders) */
    for (int k = 53; k <= 57; k++) {
        snprintf(name, sizeof name, "feature_%d", k);
        xp_column *col = cf_num(f, name);
        for (size_t i = 0; i < n; i++) {
            double u = rng_unif(&r);
            if (k == 54) col->num[i] = u < 0.70 ? -5 : u < 0.85 ? -2 : 1 + 3 * floor(rng_unif(&r) * 99);
            else col->num[i] = rng_normal(&r) * k;
        }
    }
    /* feature_58, 59: codes {1, -2, 4}, 50% missing (categorical, not placeholders) */
    for (int k = 58; k <= 59; k++) {
        snprintf(name, sizeof name, "feature_%d", k);
        xp_column *col = cf_num(f, name);
        static const double lv[3] = { 1, -2, 4 };
        for (size_t i = 0; i < n; i++)
            col->num[i] = rng_unif(&r) < 0.5 ? NAN : lv[(int)(rng_unif(&r) * 3)];
    }
    xp_column *f60 = cf_num(f, "feature_60"), *f61 = cf_num(f, "feature_61"),
              *f62 = cf_num(f, "feature_62");
    for (size_t i = 0; i < n; i++) {
        f60->num[i] = rng_unif(&r) < 0.44 ? NAN : rng_normal(&r);
        f61->num[i] = -5 + 5e-4 * rng_normal(&r);   /* not constant by count: distinct values */
        f62->num[i] = -94389 + (94389 + 3943) * rng_unif(&r);
    }
    /* quantity: -2 = unknown (27%), else heavy-tailed counts */
    xp_column *q = cf_num(f, "quantity");
    for (size_t i = 0; i < n; i++)
        q->num[i] = rng_unif(&r) < 0.27 ? -2 : fmin(9.7e7, floor(cf_lognormal(&r, 1, 2)) + 1);
    /* feature_64..77: 64, 75, 76, 77 flags {-5, -2}; 65..69 20% missing; 70..74 28% missing */
    xp_column *t[78];
    for (int k = 64; k <= 77; k++) {
        snprintf(name, sizeof name, "feature_%d", k);
        t[k] = cf_num(f, name);
    }
    for (size_t i = 0; i < n; i++) {
        int m20 = rng_unif(&r) < 0.2, m28 = rng_unif(&r) < 0.28;
        for (int k = 64; k <= 77; k++) {
            if (k == 64 || k >= 75) t[k]->num[i] = rng_unif(&r) < 0.3 ? -2 : -5;
            else if (k <= 69) t[k]->num[i] = m20 ? NAN : rng_normal(&r) + k;
            else t[k]->num[i] = m28 ? NAN : rng_unif(&r) * k;
        }
    }
    /* target: right-skewed, depends on source, feature_46 and quantity */
    xp_column *y = fr_col(f, "target", XP_COL_NUMERIC, XP_ROLE_TARGET);
    for (size_t i = 0; i < n; i++) {
        double v = 8.5 + 0.08 * (src->num[i] - 10) + 0.03 * f46->num[i] + 1.0 * rng_normal(&r);
        v = floor(exp(v));
        y->num[i] = fmax(10, fmin(1943965, v));
    }
    /* description: short text, repeated, some missing */
    static const char *const words[] = { "carbon", "thruster", "valve", "panel", "heat-shield",
                                         "antenna", "gyro", "battery", "nozzle", "frame" };
    xp_column *d = fr_col(f, "description", XP_COL_TEXT, XP_ROLE_IGNORE);
    for (size_t i = 0; i < n; i++) {
        if (rng_unif(&r) < 0.01) continue;
        uint64_t item = rng_next(&r) % 500;
        snprintf(name, sizeof name, "%s %s mk%d", words[item % 10], words[(item / 10) % 10],
                 (int)(item / 100));
        col_set_text(d, i, name);
    }
    return f;
}

#endif
