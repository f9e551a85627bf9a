/* tools/gen_demo/oracle.c — the Bayes predictor of a row's target, given what one view of the
 * data reveals (the table; the table plus text; ... ; everything hidden).
 *
 *     gd_pred p;
 *     gd_oracle_predict(&items[row.item], &row, GD_OR_TABLE, &p);
 *     // p.mean minimises squared error, p.median absolute error, p.logmean squared log error
 *
 * The model (model.c) is additive in log space:
 *   ln y = c0 + bias_s + rush + sum_k alpha_k[v_k] + b_q q - beta ln Q + eps,
 *   eps ~ the source's Gaussian mixture.
 * Given a row's table cells, the properties are independent a posteriori (each proxy reads
 * one property, priors factorise given the source), so:
 *   - each discrete property k has an exact posterior p_k(v) ∝ prior_s(v) * prod lik(cell | v);
 *   - q has a Gaussian posterior N(m, v) (its proxies are Gaussian after an invertible map);
 *   - an unknown quantity (-2) has the source's quantity distribution.
 * Means and moments use the moment generating function M(t) = E[y^t], which factorises:
 *   E[y] = M(1), E[ln y] = sum of posterior means, E[ln(1+y)] = E[ln y] + M(-1) - M(-2)/2
 *   (the series ln(1+1/y) = 1/y - 1/(2y^2) + ..., truncation error < 1/(3 y^3) <= 3e-4 at y = 10).
 * The median needs the whole distribution: the discrete part (sum of alphas and -beta ln Q)
 * is convolved exactly but merged into 0.01-wide bins at their mass-weighted location, then
 * mixed with the Gaussian part; the median solves CDF(t) = 1/2 (Newton with bisection).
 * Rounding the target to an integer and clipping it to [10, 2e6] are ignored (README.md).
 */
#include "gd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *gd_oracle_name[GD_NOR] = {"table", "table_text", "table_image", "table_text_image",
                                      "all_hidden"};
const char *gd_oracle_about[GD_NOR] = {
    "Bayes predictor given the row's table cells only (source_id, quantity, feature_*)",
    "table + the row's description: component and material always; size, finish, grade when "
    "their word is present; nothing when the description is empty",
    "table + an ideal reader of the image (found by the row's description): component, size, "
    "finish; material unless the image is greyscale; nothing if no description or no file",
    "table + description + ideal image reader (union of the two above)",
    "knows every hidden property of the item (incl. q) and the true quantity: only the "
    "label noise remains (the noise floor)"};

enum { GRID_HALF = 4000 };
static const double GRID_H = 0.01;

typedef struct {
    double mass[2 * GRID_HALF + 1], mloc[2 * GRID_HALF + 1];
    double loc[2 * GRID_HALF + 1], w[2 * GRID_HALF + 1], cw[2 * GRID_HALF + 2];
    int n;
} atoms_t;

static _Thread_local atoms_t *scratch;

static double tinv(const gd_proxy *p, double x)
{
    double u = (x - p->off) / p->scale;
    switch (p->xform) {
    case GD_X_EXP: return u > 0 ? log(u) : -INFINITY;
    case GD_X_LOGIT:
        if (u <= 0) return -INFINITY;
        if (u >= 1) return INFINITY;
        return log(u / (1 - u));
    default: return u;
    }
}

/* log(Phi(b) - Phi(a)) for a < b, accurate in both tails. */
static double log_phi_interval(double a, double b)
{
    const double r2 = 0.70710678118654752;
    double p;
    if (a > 0) p = 0.5 * erfc(a * r2) - 0.5 * erfc(b * r2);
    else if (b < 0) p = 0.5 * erfc(-b * r2) - 0.5 * erfc(-a * r2);
    else p = 1 - 0.5 * erfc(b * r2) - 0.5 * erfc(-a * r2);
    if (p > 1e-300) return log(p);
    double t = a > 0 ? a : -b, d = a > 0 ? b * b - a * a : a * a - b * b;
    return -0.5 * t * t - 0.9189385332046727 - log(t) + log1p(-exp(-0.5 * d));
}

static int is_missing(const gd_proxy *p, double x)
{
    return isnan(x) || (!isnan(p->miss_code) && x == p->miss_code);
}

static void posterior(int k, const gd_row *r, double *post)
{
    int n = gd_m.card[k];
    double lp[GD_MAXV];
    for (int v = 0; v < n; v++) lp[v] = log(gd_m.src_prior[r->src][k][v]);
    for (int i = 0; i < gd_m.n_proxy; i++) {
        const gd_proxy *p = &gd_m.proxy[i];
        if (p->group != k) continue;
        double x = r->val[p->col];
        if (is_missing(p, x)) continue;
        if (p->kind == GD_PK_GAUSS) {
            double z = tinv(p, x);
            for (int v = 0; v < n; v++) {
                double d = (z - p->mean[v]) / p->sd;
                lp[v] -= 0.5 * d * d;
            }
        } else if (p->kind == GD_PK_ROUND) {
            double za = tinv(p, x - 0.5), zb = tinv(p, x + 0.5);
            for (int v = 0; v < n; v++)
                lp[v] += log_phi_interval((za - p->mean[v]) / p->sd, (zb - p->mean[v]) / p->sd);
        } else if (p->kind == GD_PK_CAT) {
            int j = 0;
            while (j < p->ncode && p->codes[j] != x) j++;
            for (int v = 0; v < n; v++)
                lp[v] += j == p->code_of[v] ? log(p->r) : log((1 - p->r) / (p->ncode - 1));
        } else {
            int one = x == p->codes[1];
            for (int v = 0; v < n; v++) lp[v] += log(one ? p->p1[v] : 1 - p->p1[v]);
        }
    }
    double mx = -INFINITY, tot = 0;
    for (int v = 0; v < n; v++) mx = lp[v] > mx ? lp[v] : mx;
    for (int v = 0; v < n; v++) tot += post[v] = exp(lp[v] - mx);
    for (int v = 0; v < n; v++) post[v] /= tot;
}

static void q_posterior(const gd_row *r, double *m, double *var)
{
    double prec = 1, num = 0;
    for (int i = 0; i < gd_m.n_proxy; i++) {
        const gd_proxy *p = &gd_m.proxy[i];
        if (p->group != GD_GRP_Q || is_missing(p, r->val[p->col])) continue;
        double z = tinv(p, r->val[p->col]), L = p->mean[0], s2 = p->sd * p->sd;
        prec += L * L / s2;
        num += L * z / s2;
    }
    *m = num / prec;
    *var = 1 / prec;
}

/* atoms <- atoms (+) {(a[v], p[v])}, merged into GRID_H bins at mass-weighted locations */
static void convolve(atoms_t *A, const double *a, const double *p, int n)
{
    int bmin = 2 * GRID_HALF, bmax = 0;
    for (int i = 0; i < A->n; i++)
        for (int v = 0; v < n; v++) {
            double w = A->w[i] * p[v];
            if (w < 1e-15) continue;
            double L = A->loc[i] + a[v];
            long b = lrint(L / GRID_H) + GRID_HALF;
            if (b < 0) b = 0;
            if (b > 2 * GRID_HALF) b = 2 * GRID_HALF;
            A->mass[b] += w;
            A->mloc[b] += w * L;
            if (b < bmin) bmin = (int)b;
            if (b > bmax) bmax = (int)b;
        }
    A->n = 0;
    for (int b = bmin; b <= bmax; b++) {
        if (A->mass[b] > 0) {
            A->loc[A->n] = A->mloc[b] / A->mass[b];
            A->w[A->n++] = A->mass[b];
        }
        A->mass[b] = A->mloc[b] = 0;
    }
}

static double median_log(atoms_t *A, double off, const gd_noise *nz, double gv, double guess)
{
    const double r2 = 0.70710678118654752;
    double s[3], lo = INFINITY, hi = -INFINITY;
    A->cw[0] = 0;
    for (int i = 0; i < A->n; i++) A->cw[i + 1] = A->cw[i] + A->w[i];
    double tot = A->cw[A->n];
    for (int j = 0; j < nz->ncomp; j++) {
        s[j] = sqrt(gv + nz->sd[j] * nz->sd[j]);
        double a = off + nz->mu[j] + A->loc[0] - 10 * s[j], b = off + nz->mu[j] + A->loc[A->n - 1] + 10 * s[j];
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
    }
    double t = guess < lo || guess > hi ? 0.5 * (lo + hi) : guess;
    for (int it = 0; it < 200; it++) {
        double F = 0, f = 0;
        for (int j = 0; j < nz->ncomp; j++) {
            double c = t - off - nz->mu[j], wlo = c - 8.5 * s[j], whi = c + 8.5 * s[j];
            int i0 = 0, i1 = A->n;
            { int l = 0, h = A->n; while (l < h) { int m = (l + h) / 2; if (A->loc[m] < wlo) l = m + 1; else h = m; } i0 = l; }
            { int l = i0, h = A->n; while (l < h) { int m = (l + h) / 2; if (A->loc[m] <= whi) l = m + 1; else h = m; } i1 = l; }
            double Fj = A->cw[i0], fj = 0;
            for (int i = i0; i < i1; i++) {
                double z = (c - A->loc[i]) / s[j];
                Fj += A->w[i] * 0.5 * erfc(-z * r2);
                fj += A->w[i] * exp(-0.5 * z * z);
            }
            F += nz->w[j] * Fj;
            f += nz->w[j] * fj * 0.3989422804014327 / s[j];
        }
        F /= tot;
        f /= tot;
        if (F < 0.5) lo = t;
        else hi = t;
        double nt = f > 0 ? t - (F - 0.5) / f : 0.5 * (lo + hi);
        if (!(nt > lo && nt < hi)) nt = 0.5 * (lo + hi);
        if (fabs(nt - t) < 1e-10 || hi - lo < 1e-10) return nt;
        t = nt;
    }
    return t;
}

void gd_oracle_thread_done(void)
{
    free(scratch);
    scratch = NULL;
}

void gd_oracle_predict(const gd_item *it, const gd_row *r, int variant, gd_pred *out)
{
    if (!scratch) {
        scratch = calloc(1, sizeof *scratch);
        if (!scratch) gd_die("out of memory");
    }
    atoms_t *A = scratch;
    const gd_source *src = &gd_m.src[r->src];
    int known[GD_NPROP] = {0}, q_known = 0, qty_known = r->qty_known;
    int text = (variant == GD_OR_TEXT || variant == GD_OR_TEXT_IMAGE) && r->desc_shown;
    int image = (variant == GD_OR_IMAGE || variant == GD_OR_TEXT_IMAGE) && r->desc_shown &&
                it->img_kind != GD_IMG_NONE;
    if (text) {
        known[GD_P_C] = known[GD_P_M] = 1;
        known[GD_P_S] |= it->has_size_word;
        known[GD_P_F] |= it->has_finish_word;
        known[GD_P_G] |= it->has_grade_word;
    }
    if (image) {
        known[GD_P_C] = known[GD_P_S] = known[GD_P_F] = 1;
        known[GD_P_M] |= it->img_kind != GD_IMG_PNG_GREY;
    }
    if (variant == GD_OR_ALL) {
        for (int k = 0; k < GD_NPROP; k++) known[k] = 1;
        q_known = qty_known = 1;
    }

    double off = gd_m.c0 + src->bias + (r->rush ? gd_m.rush_effect : 0);
    double logmean = 0, logvar = 0, lm1 = 0, lmm1 = 0, lmm2 = 0; /* lm(t) = log E[y^t] pieces */
    A->n = 1;
    A->loc[0] = 0;
    A->w[0] = 1;
    for (int k = 0; k < GD_NPROP; k++) {
        const double *al = gd_m.alpha[k];
        if (known[k]) {
            off += al[it->prop[k]];
            continue;
        }
        double p[GD_MAXV], e = 0, e2 = 0, m1 = 0, mm1 = 0, mm2 = 0;
        posterior(k, r, p);
        for (int v = 0; v < gd_m.card[k]; v++) {
            e += p[v] * al[v];
            e2 += p[v] * al[v] * al[v];
            m1 += p[v] * exp(al[v]);
            mm1 += p[v] * exp(-al[v]);
            mm2 += p[v] * exp(-2 * al[v]);
        }
        logmean += e;
        logvar += e2 - e * e;
        lm1 += log(m1);
        lmm1 += log(mm1);
        lmm2 += log(mm2);
        convolve(A, al, p, gd_m.card[k]);
    }
    double gm = 0, gv = 0;
    if (q_known) off += gd_m.b_q * it->q;
    else {
        double m, v;
        q_posterior(r, &m, &v);
        gm = gd_m.b_q * m;
        gv = gd_m.b_q * gd_m.b_q * v;
    }
    if (qty_known) off -= gd_m.beta_qty * log(r->qty_true);
    else {
        double g[GD_NQV], e = 0, e2 = 0, m1 = 0, mm1 = 0, mm2 = 0;
        const double *pmf = gd_m.qty_pmf[r->src];
        for (int i = 0; i < GD_NQV; i++) {
            g[i] = -gd_m.beta_qty * log(gd_m.qty_value[i]);
            e += pmf[i] * g[i];
            e2 += pmf[i] * g[i] * g[i];
            m1 += pmf[i] * exp(g[i]);
            mm1 += pmf[i] * exp(-g[i]);
            mm2 += pmf[i] * exp(-2 * g[i]);
        }
        logmean += e;
        logvar += e2 - e * e;
        lm1 += log(m1);
        lmm1 += log(mm1);
        lmm2 += log(mm2);
        convolve(A, g, pmf, GD_NQV);
    }
    const gd_noise *nz = &src->noise;
    double ne = 0, ne2 = 0, n1 = 0, nm1 = 0, nm2 = 0;
    for (int j = 0; j < nz->ncomp; j++) {
        double mu = nz->mu[j], s2 = nz->sd[j] * nz->sd[j];
        ne += nz->w[j] * mu;
        ne2 += nz->w[j] * (s2 + mu * mu);
        n1 += nz->w[j] * exp(mu + 0.5 * s2);
        nm1 += nz->w[j] * exp(-mu + 0.5 * s2);
        nm2 += nz->w[j] * exp(-2 * mu + 2 * s2);
    }
    double base = off + gm;
    out->logmean = base + logmean + ne;
    out->logvar = logvar + gv + ne2 - ne * ne;
    out->mean = exp(base + 0.5 * gv + lm1 + log(n1));
    double inv1 = exp(-base + 0.5 * gv + lmm1 + log(nm1));
    double inv2 = exp(-2 * base + 2 * gv + lmm2 + log(nm2));
    out->log1p = out->logmean + inv1 - 0.5 * inv2;
    out->median = exp(median_log(A, base, nz, gv, out->logmean));
}
