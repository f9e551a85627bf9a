/* measure.c — one picture -> the object's numbers (measure.h; what they mean: image_stats.c). */
#include "measure.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define MIN_OBJECT_PIXELS 4

const char *const im_feat_names[IM_N_FEAT] = { "fill", "spread", "reach50", "reach90", "box",
    "red", "green", "blue", "light", "light_sd", "edges", "contrast", "saturation",
    "bright_tail", "dark_tail", "fine", "coherence", "grain", "detail", "shading", "uneven", "dark_rel",
    "sat_p90" };

void im_scratch_free(im_scratch *w)
{
    free(w->px);
    free(w->res);
    free(w->mask);
    free(w->tmp);
    free(w->xs);
    free(w->ys);
    free(w->light);
    free(w->sat);
    free(w->lap);
    free(w->grown);
    free(w->rows);
    free(w->label);
    free(w->queue);
    *w = (im_scratch){ 0 };
}

/* Room for np pixels; 0 ok, -1 out of memory (the scratch is then empty). */
static int grow(im_scratch *w, size_t np)
{
    if (np <= w->cap) return 0;
    im_scratch_free(w);
    w->px = malloc(np * 3 * sizeof *w->px);
    w->res = malloc(np * sizeof *w->res);
    w->mask = malloc(np);
    w->tmp = malloc(np * sizeof *w->tmp);
    w->xs = malloc(np * sizeof *w->xs);
    w->ys = malloc(np * sizeof *w->ys);
    w->light = malloc(np * sizeof *w->light);
    w->sat = malloc(np * sizeof *w->sat);
    w->lap = malloc(np * sizeof *w->lap);
    w->grown = malloc(np);
    w->rows = malloc(np);
    w->label = malloc(np * sizeof *w->label);
    w->queue = malloc(np * sizeof *w->queue);
    if (!w->px || !w->res || !w->mask || !w->tmp || !w->xs || !w->ys || !w->light || !w->sat || !w->lap ||
        !w->grown || !w->rows || !w->label || !w->queue) {
        im_scratch_free(w);
        return -1;
    }
    w->cap = np;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void sort_values(double *v, size_t n) { qsort(v, n, sizeof *v, cmp_double); }

/* The q-quantile of the sorted v[0..n), n > 0. */
static double quantile(const double *v, size_t n, double q)
{
    size_t k = (size_t)(q * (double)(n - 1) + 0.5);
    return v[k < n ? k : n - 1];
}

/* Solves the 3 × 3 system A x = b by Gaussian elimination with partial pivoting; 0 ok, -1
 * singular. */
static int solve3(const double A_in[9], const double b_in[3], double x[3])
{
    double M[3][4];
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) M[i][j] = A_in[i * 3 + j];
        M[i][3] = b_in[i];
    }
    for (int c = 0; c < 3; c++) {
        int p = c;
        for (int r = c + 1; r < 3; r++)
            if (fabs(M[r][c]) > fabs(M[p][c])) p = r;
        if (fabs(M[p][c]) < 1e-12) return -1;
        for (int j = 0; j < 4; j++) {
            double t = M[c][j];
            M[c][j] = M[p][j];
            M[p][j] = t;
        }
        for (int r = 0; r < 3; r++) {
            if (r == c) continue;
            double f = M[r][c] / M[c][c];
            for (int j = c; j < 4; j++) M[r][j] -= f * M[c][j];
        }
    }
    for (int i = 0; i < 3; i++) x[i] = M[i][3] / M[i][i];
    return 0;
}

/* out[k·stride] = 1 where in[j·stride] is set for some |j - k| <= r, for k < len: one line of
 * a square dilation (two passes: the nearest set pixel to the left, then to the right). */
static void dilate_line(const unsigned char *in, unsigned char *out, size_t len, size_t stride, size_t r)
{
    long last = -1 - (long)r;
    for (size_t k = 0; k < len; k++) {
        if (in[k * stride]) last = (long)k;
        out[k * stride] = (long)k - last <= (long)r;
    }
    last = (long)len + (long)r;
    for (size_t k = len; k-- > 0;) {
        if (in[k * stride]) last = (long)k;
        if (last - (long)k <= (long)r) out[k * stride] = 1;
    }
}

/* Keeps of mask[W × H] only the pixels in the connected region nearest the centre: the mask
 * is dilated by r pixels (a square: gaps up to 2r wide close, so a part drawn in strokes or
 * cut by its own holes stays one region), its 8-connected regions labelled, and the region
 * of the mask pixel nearest the centre kept. */
static void keep_central(im_scratch *w, size_t W, size_t H, size_t r)
{
    size_t np = W * H;
    unsigned char *g = w->grown, *m = w->mask;
    for (size_t y = 0; y < H; y++) dilate_line(m + y * W, w->rows + y * W, W, 1, r);   /* separable */
    for (size_t x = 0; x < W; x++) dilate_line(w->rows + x, g + x, H, W, r);
    /* the mask pixel nearest the centre */
    double best = INFINITY;
    size_t seed = np;
    for (size_t y = 0; y < H; y++)
        for (size_t x = 0; x < W; x++) {
            if (!m[y * W + x]) continue;
            double dx = (double)x + 0.5 - 0.5 * (double)W, dy = (double)y + 0.5 - 0.5 * (double)H, d = dx * dx + dy * dy;
            if (d < best) { best = d; seed = y * W + x; }
        }
    if (seed == np) return;           /* an empty mask stays empty */
    /* its region of the dilated mask: a flood fill, 8-connected */
    for (size_t p = 0; p < np; p++) w->label[p] = 0;
    size_t head = 0, tail = 0;
    w->queue[tail++] = (int32_t)seed;
    w->label[seed] = 1;
    while (head < tail) {
        size_t p = (size_t)w->queue[head++], y = p / W, x = p % W;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                long yy = (long)y + dy, xx = (long)x + dx;
                if (yy < 0 || xx < 0 || yy >= (long)H || xx >= (long)W) continue;
                size_t q = (size_t)yy * W + (size_t)xx;
                if (g[q] && !w->label[q]) {
                    w->label[q] = 1;
                    w->queue[tail++] = (int32_t)q;
                }
            }
    }
    for (size_t p = 0; p < np; p++) m[p] = m[p] && w->label[p];
}

int im_measure(const float *v, int layout, size_t W, size_t H, double border, double min_contrast,
               im_scratch *w, double feat[IM_N_FEAT])
{
    for (int f = 0; f < IM_N_FEAT; f++) feat[f] = NAN;
    size_t np = W * H;
    if (W < 3 || H < 3) return 0;
    if (grow(w, np)) return -1;
    double m = (double)(W < H ? W : H);   /* the short side: the unit of lengths */
    for (size_t p = 0; p < np; p++)
        for (int c = 0; c < 3; c++) {
            float x = layout == IM_CHW ? v[(size_t)c * np + p] : v[p * 3 + (size_t)c];
            w->px[p * 3 + (size_t)c] = isfinite(x) ? x : 0;
        }
    size_t b = (size_t)lround(border * m);
    if (b < 1) b = 1;
    /* the backdrop: a plane per channel over the border ring, coordinates centred, in sides */
    double A[9] = { 0 }, rhs[3][3] = { { 0 } }, coef[3][3];
    for (size_t y = 0; y < H; y++)
        for (size_t x = 0; x < W; x++) {
            if (x >= b && x + b < W && y >= b && y + b < H) continue;
            double g[3] = { 1, ((double)x + 0.5) / (double)W - 0.5, ((double)y + 0.5) / (double)H - 0.5 };
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) A[i * 3 + j] += g[i] * g[j];
                for (int c = 0; c < 3; c++) rhs[c][i] += g[i] * w->px[(y * W + x) * 3 + (size_t)c];
            }
        }
    for (int c = 0; c < 3; c++)
        if (solve3(A, rhs[c], coef[c])) return 0;   /* not reached for sides >= 3: the ring spans x and y */
    size_t nring = 0;
    for (size_t y = 0; y < H; y++)
        for (size_t x = 0; x < W; x++) {
            double gx = ((double)x + 0.5) / (double)W - 0.5, gy = ((double)y + 0.5) / (double)H - 0.5, dm = 0;
            for (int c = 0; c < 3; c++) {
                double plane = coef[c][0] + coef[c][1] * gx + coef[c][2] * gy;
                double d = fabs(w->px[(y * W + x) * 3 + (size_t)c] - plane) / (fabs(plane) + 0.05);
                if (d > dm) dm = d;
            }
            w->res[y * W + x] = dm;
            if (!(x >= b && x + b < W && y >= b && y + b < H)) w->tmp[nring++] = dm;
        }
    sort_values(w->tmp, nring);
    double thr = 1.5 * quantile(w->tmp, nring, 0.9);
    if (thr < min_contrast) thr = min_contrast;
    for (size_t p = 0; p < np; p++) w->mask[p] = w->res[p] > thr;
    size_t gap = (size_t)lround(0.03 * m);
    keep_central(w, W, H, gap < 1 ? 1 : gap);
    /* object pixels: in the mask with >= 6 of 8 neighbours in it */
    double n = 0, sx = 0, sy = 0, chrom[3] = { 0 }, lsum = 0, lsum2 = 0, grad = 0, ngrad = 0;
    double sat = 0, lap = 0, jxx = 0, jyy = 0, jxy = 0;
    double P[9] = { 0 }, prhs[3] = { 0 }, hp_sum = 0, hp_sum2 = 0;   /* the brightness plane's sums */
    size_t k = 0, ni = 0;
    for (size_t y = 1; y + 1 < H; y++)
        for (size_t x = 1; x + 1 < W; x++) {
            size_t p = y * W + x;
            if (!w->mask[p]) continue;
            int nb = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) nb += w->mask[(size_t)((long)p + dy * (long)W + dx)];
            if (nb - 1 < 6) continue;
            const double *q = w->px + p * 3;
            double sum = q[0] + q[1] + q[2], l = sum / 3;
            n++;
            sx += (double)x;
            sy += (double)y;
            w->xs[k] = (double)x;
            w->ys[k] = (double)y;
            w->light[k] = l;
            k++;
            double hi = fmax(q[0], fmax(q[1], q[2])), lo = fmin(q[0], fmin(q[1], q[2]));
            w->sat[k - 1] = hi > 1e-6 ? (hi - lo) / hi : 0;
            sat += w->sat[k - 1];
            /* centred, in short sides (a square picture: the same as in its own side) */
            double g[3] = { 1, ((double)x + 0.5 - 0.5 * (double)W) / m, ((double)y + 0.5 - 0.5 * (double)H) / m };
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) P[i * 3 + j] += g[i] * g[j];
                prhs[i] += g[i] * l;
            }
            for (int c = 0; c < 3; c++) chrom[c] += sum > 1e-6 ? q[c] / sum : 1.0 / 3;
            lsum += l;
            lsum2 += l * l;
            if (nb == 9) {   /* all neighbours in the mask: a gradient that does not cross the outline */
                const double *le = w->px + (p - 1) * 3, *ri = w->px + (p + 1) * 3;
                const double *up = w->px + (p - W) * 3, *dn = w->px + (p + W) * 3;
                double lx = (ri[0] + ri[1] + ri[2] - le[0] - le[1] - le[2]) / 6;
                double ly = (dn[0] + dn[1] + dn[2] - up[0] - up[1] - up[2]) / 6;
                grad += fabs(lx) + fabs(ly);
                ngrad++;
                jxx += lx * lx;
                jyy += ly * ly;
                jxy += lx * ly;
                double lp = fabs((le[0] + le[1] + le[2] + ri[0] + ri[1] + ri[2] + up[0] + up[1] + up[2] +
                                  dn[0] + dn[1] + dn[2]) / 3 - 4 * l);
                lap += lp;
                double box = 0;                      /* the 3 × 3 mean, all inside the object */
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        const double *o = w->px + (size_t)((long)p + dy * (long)W + dx) * 3;
                        box += o[0] + o[1] + o[2];
                    }
                double d = l - box / 27;
                w->lap[ni++] = lp;
                hp_sum += d;
                hp_sum2 += d * d;
            }
        }
    feat[IM_FILL] = n / (m * m);
    if (k < MIN_OBJECT_PIXELS) return 0;
    double mx = sx / n, my = sy / n, s2 = 0;
    for (size_t i = 0; i < k; i++) {
        double d = hypot(w->xs[i] - mx, w->ys[i] - my) / m;
        w->tmp[i] = d;
        s2 += d * d;
    }
    feat[IM_SPREAD] = sqrt(s2 / n);
    sort_values(w->tmp, k);             /* each array sorted once, then read at its quantiles */
    sort_values(w->xs, k);
    sort_values(w->ys, k);
    sort_values(w->light, k);
    feat[IM_REACH50] = quantile(w->tmp, k, 0.5);
    feat[IM_REACH90] = quantile(w->tmp, k, 0.9);
    double x_lo = quantile(w->xs, k, 0.02), x_hi = quantile(w->xs, k, 0.98);
    double y_lo = quantile(w->ys, k, 0.02), y_hi = quantile(w->ys, k, 0.98);
    feat[IM_BOX] = sqrt((x_hi - x_lo + 1) * (y_hi - y_lo + 1)) / m;
    feat[IM_RED] = chrom[0] / n;
    feat[IM_GREEN] = chrom[1] / n;
    feat[IM_BLUE] = chrom[2] / n;
    feat[IM_LIGHT] = lsum / n;
    feat[IM_LIGHT_SD] = sqrt(fmax(0, lsum2 / n - feat[IM_LIGHT] * feat[IM_LIGHT]));
    feat[IM_EDGES] = ngrad > 0 ? grad / ngrad : NAN;
    feat[IM_CONTRAST] = feat[IM_LIGHT] - (coef[0][0] + coef[1][0] + coef[2][0]) / 3;
    feat[IM_SATURATION] = sat / n;
    double l05 = quantile(w->light, k, 0.05), l50 = quantile(w->light, k, 0.5), l95 = quantile(w->light, k, 0.95);
    feat[IM_BRIGHT_TAIL] = l95 - l50;
    feat[IM_DARK_TAIL] = l50 - l05;
    feat[IM_FINE] = ngrad > 0 ? lap / ngrad : NAN;
    double tr = jxx + jyy;
    feat[IM_COHERENCE] = tr > 1e-12 ? sqrt((jxx - jyy) * (jxx - jyy) + 4 * jxy * jxy) / tr : NAN;
    /* relative to the object's brightness; a black object (light ~0) has no such figures */
    double light = feat[IM_LIGHT];
    if (light > 1e-3) {
        feat[IM_DARK_REL] = feat[IM_DARK_TAIL] / light;
        if (ni > 0) {
            sort_values(w->lap, ni);
            feat[IM_GRAIN] = quantile(w->lap, ni, 0.5) / light;
            double mh = hp_sum / (double)ni;
            feat[IM_DETAIL] = sqrt(fmax(0, hp_sum2 / (double)ni - mh * mh)) / light;
        }
        double pc[3];
        if (solve3(P, prhs, pc) == 0) {   /* singular when the object is one line of pixels */
            feat[IM_SHADING] = hypot(pc[1], pc[2]) / light;
            /* residual sum of squares of a least-squares fit: sum l^2 - coef . rhs */
            double ssr = lsum2 - (pc[0] * prhs[0] + pc[1] * prhs[1] + pc[2] * prhs[2]);
            feat[IM_UNEVEN] = sqrt(fmax(0, ssr / n)) / light;
        }
    }
    sort_values(w->sat, k);
    feat[IM_SAT_P90] = quantile(w->sat, k, 0.9);
    return 1;
}

