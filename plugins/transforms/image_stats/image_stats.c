/* image_stats.c — transform `image_stats`: a few numbers that describe the object in a
 * picture (how much of the frame it fills, how far it reaches, its colour, its texture),
 * read from an image encoder's pixel column, as numeric features any model reads.
 *
 *     runner plugins --help image_stats    # its options, as the plugin documents them
 *
 *     pipeline:
 *       - plugin: image_pixels             # description -> its picture, 64 x 64 RGB
 *         column: description
 *         out: description_px64
 *         size: 64
 *       - plugin: image_stats
 *         column: description_px64
 *         out: description_image           # description_image_fill, ..._reach90, ...
 *
 * Why: a learned tower has to discover from the target alone that the share of the frame a
 * part fills says how big it is; with a few thousand pictures and a noisy target it mostly
 * does not (README, "The image, measured"). Product photographs have a subject in front of
 * a background that reaches the border, so the subject can be found without learning: what
 * differs from the border's colour. Its extent, colour and texture are then plain numbers a
 * tree can split on.
 *
 * How, per picture (the pixels as the encoder gave them: [0, 1] RGB, stretched to a square):
 *  - The background is a plane per channel (a + b·x + c·y: a gradient or a flat studio
 *    backdrop), least squares over the border ring (`border` × side on each edge).
 *  - A pixel is the object when some channel differs from the plane by more than a
 *    threshold relative to the plane's brightness: max(min_contrast, 1.5 × the 90th
 *    percentile of the ring's own differences), so a textured backdrop raises the bar.
 *  - Only pixels with at least 6 of their 8 neighbours in the object count (speckle and
 *    one-pixel noise are dropped); fewer than 4 such pixels: no object (fill 0, the rest
 *    missing).
 * Features (<out>_...): fill (object pixels / all), spread (RMS distance from the object's
 * centroid, in sides), reach50 / reach90 (median and 90th percentile of that distance), box
 * (square root of the area between the 2nd and 98th percentiles of x and y, in sides), red /
 * green / blue (mean chromaticity: channel / sum of channels), light and light_sd (mean and
 * SD of the object's brightness), edges (mean absolute brightness gradient inside the object:
 * texture), contrast (object brightness minus the backdrop's); for the surface: saturation
 * (mean (max − min) / max of a pixel's channels: a dyed or tinted finish against bare
 * metal), bright_tail and dark_tail (the 95th percentile of brightness minus the median, the
 * median minus the 5th: a specular highlight, deep shading), fine (mean absolute Laplacian
 * of brightness inside the object: grain and streaks, blind to a smooth lighting gradient)
 * and coherence (how much of the brightness gradient runs one way, 0 … 1, from the summed
 * structure tensor: brushing). The same surface relative to the object's own brightness
 * (÷ light): grain (the median absolute Laplacian: the texture most of the surface has, not
 * the outline's or a few rivets'), detail (SD of each pixel's difference from its 3 × 3
 * neighbourhood's mean), shading (the slope of a brightness plane fitted over the object,
 * per side: how strongly the light falls across it) and uneven (SD of the brightness about
 * that plane), dark_rel (dark_tail ÷ light); and sat_p90 (the 90th percentile of
 * saturation: a tint that covers part of the object). Why relative: a surface's streaks,
 * grain and highlights scale the material's own colour, so absolute figures mostly measure
 * how dark the material is; ÷ light, the finish reads alike on dark and bright materials.
 * Measured through word_infer on the demo data (64 px; its classifier of the finish, four
 * levels, scored on held-out labelled items, mean of 5 folds): 0.668 of items right with
 * the absolute figures, 0.731 with these six added. A row without a picture gets missing
 * values; the encoder's
 * <column>_missing flag says so.
 *
 * Nothing is learned: each picture's numbers depend on that picture only, so fit does
 * nothing and no target can leak. The pixel column is dropped after unless `keep: true`.
 * Records kind "image_stats": the column, the side, pictures read, objects found and the
 * mean fill, once per apply.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "xp/xp.h"

enum { L_CHW, L_HWC };
static const char *const layouts[] = { "chw", "hwc" };

enum { F_FILL, F_SPREAD, F_REACH50, F_REACH90, F_BOX, F_RED, F_GREEN, F_BLUE, F_LIGHT,
       F_LIGHT_SD, F_EDGES, F_CONTRAST, F_SATURATION, F_BRIGHT_TAIL, F_DARK_TAIL, F_FINE,
       F_COHERENCE, F_GRAIN, F_DETAIL, F_SHADING, F_UNEVEN, F_DARK_REL, F_SAT_P90, N_FEAT };
static const char *const feat_names[N_FEAT] = { "fill", "spread", "reach50", "reach90", "box",
    "red", "green", "blue", "light", "light_sd", "edges", "contrast", "saturation",
    "bright_tail", "dark_tail", "fine", "coherence", "grain", "detail", "shading", "uneven", "dark_rel",
    "sat_p90" };

#define MIN_OBJECT_PIXELS 4

typedef struct state {
    const char *column, *out;
    int layout, keep;
    double border, min_contrast;
} state;

static void destroy(void *st) { free(st); }

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->border = 0.06;
    s->min_contrast = 0.12;
    int rc;
    if ((rc = h->cfg_str(ctx, cfg, "column", 0, &s->column)) ||
        (rc = h->cfg_str(ctx, cfg, "out", 0, &s->out)) ||
        (rc = xp_cfg_choice(ctx, cfg, "layout", layouts, XP_COUNT(layouts), 0, &s->layout)) ||
        (rc = h->cfg_num(ctx, cfg, "border", 0, &s->border)) ||
        (rc = h->cfg_num(ctx, cfg, "min_contrast", 0, &s->min_contrast)) ||
        (rc = h->cfg_bool(ctx, cfg, "keep", 0, &s->keep)))
        goto fail;
    if (!s->column || !*s->column) {
        rc = xp_fail(ctx, XP_ECONFIG, "image_stats needs `column:` (the pixel column an image "
                     "encoder adds, e.g. image_pixels' out)");
        goto fail;
    }
    if (!(s->border > 0 && s->border <= 0.25)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: border must be in (0, 0.25] (a share of the side), got %g",
                     h->cfg_where(h->cfg_get(cfg, "border")), s->border);
        goto fail;
    }
    if (!(s->min_contrast > 0 && s->min_contrast < 1)) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: min_contrast must be in (0, 1), got %g",
                     h->cfg_where(h->cfg_get(cfg, "min_contrast")), s->min_contrast);
        goto fail;
    }
    if (!s->out) s->out = s->column;
    if (!*s->out) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: out must not be empty", h->cfg_where(h->cfg_get(cfg, "out")));
        goto fail;
    }
    if (XP_HOST_HAS(h, column_add) && h->column_ref && h->column_add) {   /* the config check */
        h->column_ref(ctx, h->cfg_get(cfg, "column"), s->column);
        char name[512];
        for (int k = 0; k < N_FEAT; k++) {
            snprintf(name, sizeof name, "%s_%s", s->out, feat_names[k]);
            h->column_add(ctx, name);
        }
    }
    *out = s;
    return XP_OK;
fail:
    destroy(s);
    return rc;
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

/* Scratch for one picture of side S. */
typedef struct scratch {
    size_t side;
    double *px;             /* S² × 3, HWC */
    double *res;            /* S²: largest relative difference from the backdrop */
    unsigned char *mask;    /* S² */
    double *tmp, *xs, *ys;  /* S² each: quantile work */
    double *light;          /* S²: the object pixels' brightness */
    double *sat;            /* S²: the object pixels' saturation */
    double *lap;            /* S²: interior pixels' |Laplacian| (for its median) */
} scratch;

/* One picture (vector v of the given layout) -> feat[N_FEAT]; returns 1 when an object was
 * found. */
static int describe(const state *s, const float *v, scratch *w, double feat[N_FEAT])
{
    size_t S = w->side, np = S * S;
    for (size_t p = 0; p < np; p++)
        for (int c = 0; c < 3; c++) {
            float x = s->layout == L_CHW ? v[(size_t)c * np + p] : v[p * 3 + (size_t)c];
            w->px[p * 3 + (size_t)c] = isfinite(x) ? x : 0;
        }
    size_t b = (size_t)lround(s->border * (double)S);
    if (b < 1) b = 1;
    /* the backdrop: a plane per channel over the border ring, coordinates centred, in sides */
    double A[9] = { 0 }, rhs[3][3] = { { 0 } }, coef[3][3];
    for (size_t y = 0; y < S; y++)
        for (size_t x = 0; x < S; x++) {
            if (x >= b && x + b < S && y >= b && y + b < S) continue;
            double g[3] = { 1, ((double)x + 0.5) / (double)S - 0.5, ((double)y + 0.5) / (double)S - 0.5 };
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) A[i * 3 + j] += g[i] * g[j];
                for (int c = 0; c < 3; c++) rhs[c][i] += g[i] * w->px[(y * S + x) * 3 + (size_t)c];
            }
        }
    for (int c = 0; c < 3; c++)
        if (solve3(A, rhs[c], coef[c])) return 0;   /* not reached for S >= 8: the ring spans x and y */
    size_t nring = 0;
    for (size_t y = 0; y < S; y++)
        for (size_t x = 0; x < S; x++) {
            double gx = ((double)x + 0.5) / (double)S - 0.5, gy = ((double)y + 0.5) / (double)S - 0.5, m = 0;
            for (int c = 0; c < 3; c++) {
                double plane = coef[c][0] + coef[c][1] * gx + coef[c][2] * gy;
                double d = fabs(w->px[(y * S + x) * 3 + (size_t)c] - plane) / (fabs(plane) + 0.05);
                if (d > m) m = d;
            }
            w->res[y * S + x] = m;
            if (!(x >= b && x + b < S && y >= b && y + b < S)) w->tmp[nring++] = m;
        }
    sort_values(w->tmp, nring);
    double thr = 1.5 * quantile(w->tmp, nring, 0.9);
    if (thr < s->min_contrast) thr = s->min_contrast;
    for (size_t p = 0; p < np; p++) w->mask[p] = w->res[p] > thr;
    /* object pixels: in the mask with >= 6 of 8 neighbours in it */
    double n = 0, sx = 0, sy = 0, chrom[3] = { 0 }, lsum = 0, lsum2 = 0, grad = 0, ngrad = 0;
    double sat = 0, lap = 0, jxx = 0, jyy = 0, jxy = 0;
    double P[9] = { 0 }, prhs[3] = { 0 }, hp_sum = 0, hp_sum2 = 0;   /* the brightness plane's sums */
    size_t k = 0, ni = 0;
    for (size_t y = 1; y + 1 < S; y++)
        for (size_t x = 1; x + 1 < S; x++) {
            size_t p = y * S + x;
            if (!w->mask[p]) continue;
            int nb = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) nb += w->mask[(size_t)((long)p + dy * (long)S + dx)];
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
            double g[3] = { 1, ((double)x + 0.5) / (double)S - 0.5, ((double)y + 0.5) / (double)S - 0.5 };
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) P[i * 3 + j] += g[i] * g[j];
                prhs[i] += g[i] * l;
            }
            for (int c = 0; c < 3; c++) chrom[c] += sum > 1e-6 ? q[c] / sum : 1.0 / 3;
            lsum += l;
            lsum2 += l * l;
            if (nb == 9) {   /* all neighbours in the mask: a gradient that does not cross the outline */
                const double *le = w->px + (p - 1) * 3, *ri = w->px + (p + 1) * 3;
                const double *up = w->px + (p - S) * 3, *dn = w->px + (p + S) * 3;
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
                        const double *o = w->px + (size_t)((long)p + dy * (long)S + dx) * 3;
                        box += o[0] + o[1] + o[2];
                    }
                double d = l - box / 27;
                w->lap[ni++] = lp;
                hp_sum += d;
                hp_sum2 += d * d;
            }
        }
    for (int f = 0; f < N_FEAT; f++) feat[f] = NAN;
    feat[F_FILL] = n / (double)np;
    if (k < MIN_OBJECT_PIXELS) return 0;
    double mx = sx / n, my = sy / n, s2 = 0;
    for (size_t i = 0; i < k; i++) {
        double d = hypot(w->xs[i] - mx, w->ys[i] - my) / (double)S;
        w->tmp[i] = d;
        s2 += d * d;
    }
    feat[F_SPREAD] = sqrt(s2 / n);
    sort_values(w->tmp, k);             /* each array sorted once, then read at its quantiles */
    sort_values(w->xs, k);
    sort_values(w->ys, k);
    sort_values(w->light, k);
    feat[F_REACH50] = quantile(w->tmp, k, 0.5);
    feat[F_REACH90] = quantile(w->tmp, k, 0.9);
    double x_lo = quantile(w->xs, k, 0.02), x_hi = quantile(w->xs, k, 0.98);
    double y_lo = quantile(w->ys, k, 0.02), y_hi = quantile(w->ys, k, 0.98);
    feat[F_BOX] = sqrt((x_hi - x_lo + 1) * (y_hi - y_lo + 1)) / (double)S;
    feat[F_RED] = chrom[0] / n;
    feat[F_GREEN] = chrom[1] / n;
    feat[F_BLUE] = chrom[2] / n;
    feat[F_LIGHT] = lsum / n;
    feat[F_LIGHT_SD] = sqrt(fmax(0, lsum2 / n - feat[F_LIGHT] * feat[F_LIGHT]));
    feat[F_EDGES] = ngrad > 0 ? grad / ngrad : NAN;
    feat[F_CONTRAST] = feat[F_LIGHT] - (coef[0][0] + coef[1][0] + coef[2][0]) / 3;
    feat[F_SATURATION] = sat / n;
    double l05 = quantile(w->light, k, 0.05), l50 = quantile(w->light, k, 0.5), l95 = quantile(w->light, k, 0.95);
    feat[F_BRIGHT_TAIL] = l95 - l50;
    feat[F_DARK_TAIL] = l50 - l05;
    feat[F_FINE] = ngrad > 0 ? lap / ngrad : NAN;
    double tr = jxx + jyy;
    feat[F_COHERENCE] = tr > 1e-12 ? sqrt((jxx - jyy) * (jxx - jyy) + 4 * jxy * jxy) / tr : NAN;
    /* relative to the object's brightness; a black object (light ~0) has no such figures */
    double light = feat[F_LIGHT];
    if (light > 1e-3) {
        feat[F_DARK_REL] = feat[F_DARK_TAIL] / light;
        if (ni > 0) {
            sort_values(w->lap, ni);
            feat[F_GRAIN] = quantile(w->lap, ni, 0.5) / light;
            double mh = hp_sum / (double)ni;
            feat[F_DETAIL] = sqrt(fmax(0, hp_sum2 / (double)ni - mh * mh)) / light;
        }
        double pc[3];
        if (solve3(P, prhs, pc) == 0) {   /* singular when the object is one line of pixels */
            feat[F_SHADING] = hypot(pc[1], pc[2]) / light;
            /* residual sum of squares of a least-squares fit: sum l^2 - coef . rhs */
            double ssr = lsum2 - (pc[0] * prhs[0] + pc[1] * prhs[1] + pc[2] * prhs[2]);
            feat[F_UNEVEN] = sqrt(fmax(0, ssr / n)) / light;
        }
    }
    sort_values(w->sat, k);
    feat[F_SAT_P90] = quantile(w->sat, k, 0.9);
    return 1;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    const xp_host *h = ctx->host;
    int at = h->frame_index(f, s->column);
    if (at < 0) return xp_fail(ctx, XP_ENOTFOUND, "image_stats: no column %s in this frame", s->column);
    const xp_column *c = f->cols[at];
    if (c->type != XP_COL_VECTOR)
        return xp_fail(ctx, XP_EINVAL, "image_stats: column %s is %s; expected a vector of pixels "
                       "(an image encoder's output, e.g. image_pixels)", s->column, xp_col_type_name(c->type));
    size_t side = (size_t)lround(sqrt((double)c->dim / 3));
    if (side < 8 || side * side * 3 != c->dim)
        return xp_fail(ctx, XP_EINVAL, "image_stats: column %s has width %zu; expected 3 x side x side "
                       "pixels with side >= 8 (image_pixels' size)", s->column, c->dim);
    char name[512];
    for (int k = 0; k < N_FEAT; k++) {
        snprintf(name, sizeof name, "%s_%s", s->out, feat_names[k]);
        if (h->frame_find(f, name))
            return xp_fail(ctx, XP_EINVAL, "image_stats: cannot add %s: a column of that name exists", name);
    }
    size_t count = c->vectors ? c->vectors->count : 0, np = side * side;
    double *feat = malloc((count ? count : 1) * N_FEAT * sizeof *feat);
    unsigned char *used = calloc(count ? count : 1, 1);
    scratch w = { .side = side };
    w.px = malloc(np * 3 * sizeof *w.px);
    w.res = malloc(np * sizeof *w.res);
    w.mask = malloc(np);
    w.tmp = malloc(np * sizeof *w.tmp);
    w.xs = malloc(np * sizeof *w.xs);
    w.ys = malloc(np * sizeof *w.ys);
    w.light = malloc(np * sizeof *w.light);
    w.sat = malloc(np * sizeof *w.sat);
    w.lap = malloc(np * sizeof *w.lap);
    int rc = XP_OK;
    if (!feat || !used || !w.px || !w.res || !w.mask || !w.tmp || !w.xs || !w.ys || !w.light || !w.sat ||
        !w.lap) {
        rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < f->n_rows; r++)
        if (c->vec_row[r] >= 0 && (size_t)c->vec_row[r] < count) used[c->vec_row[r]] = 1;
    size_t pictures = 0, found = 0;
    double fill_sum = 0;
    for (size_t v = 0; v < count; v++) {                    /* each distinct picture once */
        if (!used[v]) continue;
        pictures++;
        found += (size_t)describe(s, c->vectors->data + v * c->dim, &w, feat + v * N_FEAT);
        fill_sum += feat[v * N_FEAT + F_FILL];
    }
    xp_column *out[N_FEAT];
    for (int k = 0; k < N_FEAT; k++) {
        snprintf(name, sizeof name, "%s_%s", s->out, feat_names[k]);
        if (!(out[k] = h->frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE))) {
            rc = xp_fail(ctx, XP_ENOMEM, "image_stats: cannot add column %s", name);
            goto done;
        }
    }
    c = f->cols[h->frame_index(f, s->column)];              /* frame_add may move the array */
    for (size_t r = 0; r < f->n_rows; r++) {
        int32_t v = c->vec_row[r];
        for (int k = 0; k < N_FEAT; k++)
            out[k]->num[r] = v >= 0 && (size_t)v < count ? feat[(size_t)v * N_FEAT + (size_t)k] : NAN;
    }
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "column", s->column);
    json_out_kv_str(&j, "out", s->out);
    json_out_kv_int(&j, "side", (int64_t)side);
    json_out_kv_int(&j, "rows", (int64_t)f->n_rows);
    json_out_kv_int(&j, "pictures", (int64_t)pictures);
    json_out_kv_int(&j, "objects_found", (int64_t)found);
    json_out_kv_fixed(&j, "mean_fill", pictures ? fill_sum / (double)pictures : 0.0, 4);
    json_out_end(&j);
    if ((rc = json_out_record(ctx, &j, "image_stats"))) goto done;
    if (pictures && found < pictures)
        xp_log(ctx, XP_LOG_DEBUG, "image_stats: no object found in %zu of %zu pictures of %s (features "
               "missing there but fill = 0)", pictures - found, pictures, s->column);
    if (!s->keep) h->frame_drop(f, (size_t)h->frame_index(f, s->column));
done:
    free(feat);
    free(used);
    free(w.px);
    free(w.res);
    free(w.mask);
    free(w.tmp);
    free(w.xs);
    free(w.ys);
    free(w.light);
    free(w.sat);
    free(w.lap);
    return rc;
}

static const xp_transform_ops ops = {
    .struct_size = sizeof(xp_transform_ops),
    .create = create,
    .apply = apply,
    .destroy = destroy,
};

/* The options, as `runner plugins --help image_stats` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: image_stats\n"
    "    column: description_px64      # VECTOR column of pixels (image_pixels' out), required\n"
    "    layout: chw                   # the encoder's layout: chw | hwc\n"
    "    out: description_image        # prefix of the 23 columns (default: column)\n"
    "    border: 0.06                  # share of each side read as the backdrop, (0, 0.25]\n"
    "    min_contrast: 0.12            # least relative difference from the backdrop that is object\n"
    "    keep: false                   # keep the pixel column too (e.g. for pca after)\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "image_stats", "1.0.0",
    "pixels of a picture -> the object's fill, reach, colour and texture against the border's backdrop",
    &ops, options_text);

XP_PLUGINS(&plugin)
