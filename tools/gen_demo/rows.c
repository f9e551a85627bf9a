/* tools/gen_demo/rows.c — the rows of candidates_data.csv: which item each source lists, at
 * what quantity, with what label noise, and the row-level cells.
 *
 *     gd_row *rows; long n, clipped;
 *     gd_rows_make(&opt, items, n_items, &rows, &n, &clipped);
 *
 * Row counts per source are the real file's, scaled to --rows. Each source prefers some
 * component types and sizes (w_s), so the prior of a row's item given its source is
 * prior(v) * w_s(v), normalised, for C and S — in both passes below:
 *   1. every item gets one row, from source s with probability ∝ n_s w_s(item) / Z_s;
 *   2. the other rows of s pick items with probability ∝ popularity * w_s(item).
 * About 2% of each source's rows are then exact copies of another row of that source, and
 * each source's rows are shuffled (rows stay grouped by source_id, in order).
 */
#include "gd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_ASSIGN = 10, STREAM_ROWS = 11, STREAM_ORDER = 12 };

static const double DUP_FRAC = 813.0 / 40292.0;

static double item_weight(int s, const gd_item *it)
{
    return gd_m.tilt_weight[s][GD_P_C][it->prop[GD_P_C]] *
           gd_m.tilt_weight[s][GD_P_S][it->prop[GD_P_S]];
}

static double logistic(double z) { return 1.0 / (1.0 + exp(-z)); }

/* Row-level cells and the label. */
static void fill_row(gd_row *row, const gd_item *it, gd_rng *r)
{
    const gd_source *src = &gd_m.src[row->src];
    memcpy(row->val, it->val, sizeof row->val);
    for (int c = 0; c < GD_NCOL; c++)
        if (!gd_m.col_item_level[c]) row->val[c] = NAN;

    row->rush = gd_rng_unif(r) < 0.006;
    int qi = gd_rng_pick(r, gd_m.qty_pmf[row->src], GD_NQV);
    row->qty_true = gd_m.qty_value[qi];
    row->qty_known = gd_rng_unif(r) >= src->qty_unknown;
    row->desc_shown = gd_rng_unif(r) >= src->desc_missing;

    double mu = gd_m.c0 + src->bias + (row->rush ? gd_m.rush_effect : 0) + gd_m.b_q * it->q -
                gd_m.beta_qty * log(row->qty_true);
    for (int k = 0; k < GD_NPROP; k++) mu += gd_m.alpha[k][it->prop[k]];
    int j = gd_rng_pick(r, src->noise.w, src->noise.ncomp);
    row->mu_log = mu;
    row->eps = src->noise.mu[j] + src->noise.sd[j] * gd_rng_normal(r);
    row->y = exp(mu + row->eps);
    double t = floor(row->y + 0.5);
    row->clipped = t < 10 || t > 2e6;
    row->target = (long long)(t < 10 ? 10 : t > 2e6 ? 2e6 : t);

    double *v = row->val;
    double x3 = it->val[3];
    v[4] = (isnan(x3) || gd_rng_unif(r) < 0.02) ? NAN : gd_p6(x3 * (1 + 0.003 * gd_rng_normal(r)));
    double x4 = isnan(v[4]) ? x3 : v[4];
    v[5] = (isnan(x3) || gd_rng_unif(r) < 0.01) ? NAN
                                                : gd_p6((x3 + x4) / 2 + 0.002 * gd_rng_normal(r));
    v[8] = row->rush;
    v[9] = gd_rng_unif(r) < src->miss9 ? NAN : gd_p6(exp(3 + 1.2 * gd_rng_normal(r)));
    v[10] = gd_rng_unif(r) < src->miss10 ? NAN : gd_p6(exp(1 + 1.5 * gd_rng_normal(r)));
    v[11] = gd_rng_unif(r) < src->miss11 ? NAN : gd_p6(exp(5 + gd_rng_normal(r)));
    v[13] = gd_rng_unif(r) < src->miss13 ? NAN : gd_p6(exp(2 + 2 * gd_rng_normal(r)));
    static const double rare_miss[] = {0.98, 0.99, 0.9998, 0, 0.985, 0.99, 0.995, 0.999};
    for (int c = 14; c <= 21; c++) {
        double u = gd_rng_unif(r), z = gd_rng_normal(r);
        if (c == 17) continue;
        v[c] = u < rare_miss[c - 14] ? NAN : gd_p6(c * 3 + (c % 3 + 1) * z);
    }
    v[22] = gd_rng_unif(r) < 0.0007 ? -2 : -5;
    v[32] = gd_p6(100 * gd_rng_normal(r));
    v[35] = gd_p6(-5 + 3 * logistic(1.5 * gd_rng_normal(r)));
    {
        double u = gd_rng_unif(r), z = gd_rng_normal(r);
        v[37] = u < 0.8 ? 0 : gd_p6(exp(3 + 2 * z));
    }
    v[41] = gd_p6(-exp(4 + 2.2 * gd_rng_normal(r)));
    v[43] = gd_p6(it->val[27] + 0.5 * gd_rng_normal(r));
    v[44] = gd_rng_unif(r) < 0.0002 ? NAN : gd_p6(-7 - it->val[36]);
    if (gd_rng_unif(r) < 0.0002) v[45] = NAN;
    for (int c = 49; c <= 52; c++) {
        double u = gd_rng_unif(r), z = gd_rng_normal(r);
        double same = c == 51 ? 0.45 : 0.6, sd = c == 51 ? 0.15 : 0.05;
        v[c] = isnan(it->val[48]) ? NAN : u < same ? it->val[48] : gd_p6(it->val[48] + sd * z);
    }
    {
        double u = gd_rng_unif(r);
        if (u < 0.70) v[54] = -5;
        else if (u < 0.85) v[54] = -2;
        else {
            int k = 0;
            while (k < 98 && gd_rng_unif(r) > 0.12) k++;
            v[54] = 1 + 3 * k;
        }
    }
    v[57] = gd_p6(-5 + exp(gd_rng_normal(r)));
    {
        double u = gd_rng_unif(r), w = gd_rng_unif(r);
        v[59] = u < 0.5 ? NAN : w < 0.5 ? 1 : w < 0.8 ? -2 : 4;
    }
    v[61] = gd_p6(-5 + 5e-4 * gd_rng_normal(r));
    {
        double x = 3943 - exp(7 + 1.2 * gd_rng_normal(r));
        v[62] = gd_p6(x < -94389 ? -94389 : x);
    }
    v[64] = gd_rng_unif(r) < 0.3 ? -2 : -5;
    v[76] = gd_rng_unif(r) < 0.1 ? -2 : -5;
    v[77] = gd_rng_unif(r) < 0.45 ? -2 : -5;
}

static long pick_cum(const double *cum, long n, double u)
{
    long lo = 0, hi = n - 1;
    while (lo < hi) {
        long mid = (lo + hi) / 2;
        if (cum[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

int gd_rows_make(const gd_options *o, gd_item *items, long n_items, gd_row **out, long *n_out,
                 long *n_clipped)
{
    long n_src[GD_NSRC], base[GD_NSRC], first[GD_NSRC] = {0}, total = 0, big = 0;
    for (int s = 0; s < GD_NSRC; s++) {
        n_src[s] = (long)floor(gd_m.src[s].real_rows * (double)o->rows / 40292.0 + 0.5);
        if (n_src[s] < 1) n_src[s] = 1;
        total += n_src[s];
        if (n_src[s] > n_src[big]) big = s;
    }
    n_src[big] += o->rows - total;
    for (int s = 0; s < GD_NSRC; s++) base[s] = n_src[s] - (long)floor(DUP_FRAC * n_src[s] + 0.5);

    /* pass 1: one row per item */
    int *first_src = malloc((size_t)n_items * sizeof *first_src);
    double *cum = malloc((size_t)n_items * sizeof *cum);
    gd_row *rows = calloc((size_t)o->rows, sizeof *rows);
    if (!first_src || !cum || !rows) gd_die("out of memory for %ld rows", o->rows);
    double zc[GD_NSRC];
    for (int s = 0; s < GD_NSRC; s++) {
        double a = 0, b = 0;
        for (int v = 0; v < GD_NC; v++) a += gd_m.prior[GD_P_C][v] * gd_m.tilt_weight[s][GD_P_C][v];
        for (int v = 0; v < GD_NS; v++) b += gd_m.prior[GD_P_S][v] * gd_m.tilt_weight[s][GD_P_S][v];
        zc[s] = a * b;
    }
    gd_rng r;
    gd_rng_seed(&r, o->seed, STREAM_ASSIGN, 0);
    for (long i = 0; i < n_items; i++) {
        double w[GD_NSRC];
        for (int s = 0; s < GD_NSRC; s++) w[s] = (double)base[s] * item_weight(s, &items[i]) / zc[s];
        int s = gd_rng_pick(&r, w, GD_NSRC);
        first_src[i] = s;
        if (++first[s] > base[s])
            gd_die("--items %ld is too many for --rows %ld (source %d overflows); use fewer items",
                   n_items, o->rows, s);
    }

    /* pass 2 and the rows themselves, source by source */
    long at = 0;
    *n_clipped = 0;
    for (int s = 0; s < GD_NSRC; s++) {
        long start = at;
        for (long i = 0; i < n_items; i++)
            if (first_src[i] == s) rows[at++].item = (int)i;
        double acc = 0;
        for (long i = 0; i < n_items; i++) {
            acc += items[i].pop * item_weight(s, &items[i]);
            cum[i] = acc;
        }
        for (long k = first[s]; k < base[s]; k++)
            rows[at++].item = (int)pick_cum(cum, n_items, gd_rng_unif(&r) * acc);
        gd_rng rr;
        gd_rng_seed(&rr, o->seed, STREAM_ROWS, (uint64_t)s);
        for (long k = start; k < at; k++) {
            rows[k].src = s;
            fill_row(&rows[k], &items[rows[k].item], &rr);
        }
        /* exact copies (the description may be shown in one copy and not the other) */
        long n_base = at - start;
        for (long k = base[s]; k < n_src[s]; k++) {
            long from = start + (long)(gd_rng_unif(&rr) * (double)n_base);
            rows[at] = rows[from];
            rows[at].dup = 1;
            rows[at].desc_shown = gd_rng_unif(&rr) >= gd_m.src[s].desc_missing;
            at++;
        }
        gd_rng ro;
        gd_rng_seed(&ro, o->seed, STREAM_ORDER, (uint64_t)s);
        for (long k = at - 1; k > start; k--) {
            long j = start + (long)(gd_rng_unif(&ro) * (double)(k - start + 1));
            gd_row t = rows[k];
            rows[k] = rows[j];
            rows[j] = t;
        }
    }
    if (at != o->rows) gd_die("internal: made %ld rows, expected %ld", at, o->rows);
    for (long k = 0; k < at; k++) {
        items[rows[k].item].n_rows++;
        items[rows[k].item].n_desc_rows += rows[k].desc_shown;
        *n_clipped += rows[k].clipped;
    }
    free(first_src);
    free(cum);
    *out = rows;
    *n_out = at;
    return 0;
}
