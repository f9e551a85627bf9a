/* txu_stats.c — the statistics the transforms learn from training rows: sorted values,
 * distinct counts, quantiles, moments, pairwise-complete Pearson correlation, and the
 * placeholder-code rule shared by `profile` and `placeholders`.
 *
 *     tx_sorted s;
 *     tx_sorted_make(col->num, n_rows, &s);
 *     double med = tx_quantile(s.v, s.n, 0.5);
 *     tx_ph_code codes[8];
 *     size_t k = tx_ph_detect(&s, &rule, codes, 8);    // e.g. -5 (0.70), -2 (0.15)
 *     tx_sorted_free(&s);
 */
#include "txu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int tx_sorted_make(const double *x, size_t n_rows, tx_sorted *out)
{
    memset(out, 0, sizeof *out);
    out->v = malloc((n_rows ? n_rows : 1) * sizeof *out->v);
    if (!out->v) return XP_ENOMEM;
    for (size_t i = 0; i < n_rows; i++) {
        if (isnan(x[i])) out->n_missing++;
        else out->v[out->n++] = x[i];
    }
    qsort(out->v, out->n, sizeof *out->v, cmp_double);
    return XP_OK;
}

void tx_sorted_free(tx_sorted *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

size_t tx_sorted_distinct(const tx_sorted *s)
{
    size_t d = 0;
    for (size_t i = 0; i < s->n; i++)
        if (i == 0 || s->v[i] != s->v[i - 1]) d++;
    return d;
}

size_t tx_sorted_top(const tx_sorted *s, double *value)
{
    size_t best = 0;
    *value = NAN;
    for (size_t i = 0; i < s->n;) {
        size_t k = i;
        while (k < s->n && s->v[k] == s->v[i]) k++;
        if (k - i > best) { best = k - i; *value = s->v[i]; }
        i = k;
    }
    return best;
}

double tx_quantile(const double *sorted, size_t n, double q)
{
    if (n == 0) return NAN;
    if (q <= 0) return sorted[0];
    if (q >= 1) return sorted[n - 1];
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    double frac = pos - (double)lo;
    if (lo + 1 >= n) return sorted[n - 1];
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int tx_col_counts(const xp_column *c, size_t n_rows, tx_counts *out)
{
    memset(out, 0, sizeof *out);
    out->top_num = NAN;
    if (c->type == XP_COL_NUMERIC || c->type == XP_COL_BOOL) {
        tx_sorted s;
        if (tx_sorted_make(c->num, n_rows, &s)) return XP_ENOMEM;
        out->present = s.n;
        out->distinct = tx_sorted_distinct(&s);
        out->top_count = tx_sorted_top(&s, &out->top_num);
        tx_sorted_free(&s);
        return XP_OK;
    }
    if (c->type == XP_COL_CATEGORICAL) {
        size_t *cnt = calloc(c->n_levels ? c->n_levels : 1, sizeof *cnt);
        if (!cnt) return XP_ENOMEM;
        for (size_t i = 0; i < n_rows; i++)
            if (c->codes[i] >= 0 && (size_t)c->codes[i] < c->n_levels) cnt[c->codes[i]]++;
        for (size_t k = 0; k < c->n_levels; k++) {
            out->present += cnt[k];
            if (cnt[k]) out->distinct++;
            if (cnt[k] > out->top_count) { out->top_count = cnt[k]; out->top_text = c->levels[k]; }
        }
        free(cnt);
        return XP_OK;
    }
    char **v = malloc((n_rows ? n_rows : 1) * sizeof *v);
    if (!v) return XP_ENOMEM;
    for (size_t i = 0; i < n_rows; i++)
        if (c->text[i]) v[out->present++] = c->text[i];
    qsort(v, out->present, sizeof *v, cmp_str);
    for (size_t i = 0; i < out->present;) {
        size_t k = i;
        while (k < out->present && strcmp(v[k], v[i]) == 0) k++;
        out->distinct++;
        if (k - i > out->top_count) { out->top_count = k - i; out->top_text = v[i]; }
        i = k;
    }
    free(v);
    return XP_OK;
}

void tx_moments_of(const double *x, size_t n_rows, tx_moments *m)
{
    memset(m, 0, sizeof *m);
    m->mean = m->std = m->skew = m->min = m->max = NAN;
    double sum = 0;
    for (size_t i = 0; i < n_rows; i++) {
        if (isnan(x[i])) continue;
        if (m->n == 0 || x[i] < m->min) m->min = x[i];
        if (m->n == 0 || x[i] > m->max) m->max = x[i];
        sum += x[i];
        m->n++;
    }
    if (m->n == 0) return;
    m->mean = sum / (double)m->n;
    /* Second pass on centred values: one-pass sums lose everything on 1e10-scale columns. */
    double m2 = 0, m3 = 0;
    for (size_t i = 0; i < n_rows; i++) {
        if (isnan(x[i])) continue;
        double d = x[i] - m->mean;
        m2 += d * d;
        m3 += d * d * d;
    }
    m2 /= (double)m->n;
    m3 /= (double)m->n;
    m->std = sqrt(m2);
    m->skew = m2 > 0 ? m3 / pow(m2, 1.5) : NAN;
}

double tx_pearson(const double *x, const double *y, size_t n_rows, double mx, double my,
                  size_t *n_used)
{
    if (!isfinite(mx)) mx = 0;
    if (!isfinite(my)) my = 0;
    size_t n = 0;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n_rows; i++) {
        double a = x[i], b = y[i];
        if (isnan(a) || isnan(b)) continue;
        a -= mx;
        b -= my;
        sx += a;
        sy += b;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
        n++;
    }
    if (n_used) *n_used = n;
    if (n < 2) return NAN;
    double dn = (double)n;
    double cxx = sxx - sx * sx / dn, cyy = syy - sy * sy / dn, cxy = sxy - sx * sy / dn;
    /* Relative floor: a column constant over the shared rows has only rounding noise left. */
    if (cxx <= 1e-12 * sxx || cyy <= 1e-12 * syy || cxx <= 0 || cyy <= 0) return NAN;
    double r = cxy / sqrt(cxx * cyy);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

void tx_ph_rule_default(tx_ph_rule *r)
{
    r->min_share = 0.01;
    r->min_code = -99;
    r->min_other_distinct = 3;
    r->max_codes = 4;
    r->min_ratio = 5;
}

int tx_ph_rule_read(xp_ctx *ctx, const xp_cfg *map, tx_ph_rule *r)
{
    const xp_host *h = ctx->host;
    int64_t distinct = (int64_t)r->min_other_distinct, codes = (int64_t)r->max_codes;
    int rc;
    if ((rc = h->cfg_num(ctx, map, "min_share", 0, &r->min_share))) return rc;
    if ((rc = h->cfg_num(ctx, map, "min_code", 0, &r->min_code))) return rc;
    if ((rc = h->cfg_int(ctx, map, "min_other_distinct", 0, &distinct))) return rc;
    if ((rc = h->cfg_int(ctx, map, "max_codes", 0, &codes))) return rc;
    if ((rc = h->cfg_num(ctx, map, "min_ratio", 0, &r->min_ratio))) return rc;
    if ((rc = tx_cfg_range(ctx, map, "min_ratio", r->min_ratio, 0, 1e9))) return rc;
    if ((rc = tx_cfg_range(ctx, map, "max_codes", (double)codes, 1, 16))) return rc;
    if ((rc = tx_cfg_range(ctx, map, "min_share", r->min_share, 0.005, 1))) return rc;
    if ((rc = tx_cfg_range(ctx, map, "min_code", r->min_code, -1e15, -1))) return rc;
    if ((rc = tx_cfg_range(ctx, map, "min_other_distinct", (double)distinct, 1, 1e9))) return rc;
    r->min_other_distinct = (double)distinct;
    r->max_codes = (double)codes;
    return XP_OK;
}

static int is_candidate(double v, size_t count, size_t n, const tx_ph_rule *r)
{
    return v < 0 && v >= r->min_code && v == floor(v) &&
           (double)count >= r->min_share * (double)n && count > 0;
}

size_t tx_ph_detect(const tx_sorted *s, const tx_ph_rule *r, tx_ph_code *out, size_t max)
{
    if (s->n == 0) return 0;
    /* One pass over the runs of equal values: the candidates, and what the rest looks like. */
    size_t n_cand = 0, other_n = 0, other_distinct = 0, other_nonint = 0;
    double other_min = NAN;
    tx_ph_code cand[256];   /* min_share >= 0.005 allows at most 200 */
    for (size_t i = 0; i < s->n;) {
        size_t k = i;
        while (k < s->n && s->v[k] == s->v[i]) k++;
        double v = s->v[i];
        size_t count = k - i;
        if (is_candidate(v, count, s->n, r) && n_cand < sizeof cand / sizeof cand[0]) {
            cand[n_cand].value = v;
            cand[n_cand].count = count;
            cand[n_cand].share = (double)count / (double)s->n;
            n_cand++;
        } else {
            if (other_n == 0) other_min = v;   /* sorted: the first non-candidate is the minimum */
            other_n += count;
            other_distinct++;
            if (v != floor(v)) other_nonint += count;
        }
        i = k;
    }
    if (n_cand == 0 || (double)n_cand > r->max_codes ||
        (double)other_distinct < r->min_other_distinct)
        return 0;
    int continuous = 2 * other_nonint >= other_n;
    double avg_other = (double)other_n / (double)other_distinct;
    size_t found = 0;
    for (size_t c = 0; c < n_cand && found < max; c++)
        if ((cand[c].value < other_min || continuous) &&
            (double)cand[c].count >= r->min_ratio * avg_other)
            out[found++] = cand[c];
    return found;
}
