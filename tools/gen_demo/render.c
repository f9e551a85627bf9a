/* tools/gen_demo/render.c — draws one item's picture procedurally.
 *
 *     gd_image im;
 *     gd_render(&items[i], i, seed, 96, 320, &im);   // im.px: im.w * im.h * im.ch bytes
 *     free(im.px);
 *
 * What the picture shows depends on the hidden properties: the outline on the component
 * type, the colour on the material (carbon fibre also shows its weave), the surface on the
 * finish (matte: flat, brushed: streaks, anodized: tinted, polished: a specular band), the
 * share of the frame the part fills and its number of rivets on the size class. Rotation,
 * mirroring, position, lighting, backgrounds, shadows, clutter and pixel noise vary per image
 * so no fixed pixel carries a property. The grade is never drawn.
 */
#include "gd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_IMAGE = 20 };
enum { OUT = 0, BODY = 1, WHITE = 2, CELL = 3, DARK = 4 };

static const float mat_rgb[GD_NM][3] = {
    {0.78f, 0.80f, 0.82f}, {0.55f, 0.55f, 0.60f}, {0.68f, 0.69f, 0.70f}, {0.78f, 0.46f, 0.25f},
    {0.50f, 0.48f, 0.42f}, {0.16f, 0.16f, 0.18f}, {0.90f, 0.88f, 0.82f}, {0.80f, 0.68f, 0.26f},
    {0.60f, 0.65f, 0.60f}, {0.25f, 0.35f, 0.65f}};
static const float tints[6][3] = {{0.20f, 0.30f, 0.80f}, {0.70f, 0.15f, 0.20f},
                                  {0.85f, 0.65f, 0.20f}, {0.50f, 0.20f, 0.60f},
                                  {0.20f, 0.60f, 0.30f}, {0.15f, 0.15f, 0.18f}};
static const double size_frac[GD_NS] = {0.30, 0.45, 0.62, 0.78, 0.95};
static const int rivets_per_size[GD_NS] = {0, 2, 4, 7, 10};

static double frac(double x) { return x - floor(x); }
static double sq(double x) { return x * x; }

static int in_circle(double u, double v, double cu, double cv, double r)
{
    return sq(u - cu) + sq(v - cv) <= r * r;
}

static double seg_dist(double u, double v, double au, double av, double bu, double bv)
{
    double du = bu - au, dv = bv - av, t = ((u - au) * du + (v - av) * dv) / (du * du + dv * dv);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double x = u - au - t * du, y = v - av - t * dv;
    return sqrt(x * x + y * y);
}

/* Outline of each component type in local coordinates (about [-1, 1]^2). Returns what the
 * point shows (OUT, BODY, ...) and multiplies *shade for grooves, seams and curvature. */
static int shape(int type, double u, double v, double *shade)
{
    if (u < -1 || u > 1 || v < -1 || v > 1) return OUT; /* every outline fits [-1, 1]^2 */
    double r = sqrt(u * u + v * v), th = 0;
    if (type == 6 || type == 7 || type == 17) th = atan2(v, u);
    switch (type) {
    case 0: { /* bolt: hexagon head and threaded shaft */
        double x = fabs(u + 0.62), y = fabs(v), R = 0.34;
        if (y <= 0.866 * R && 1.732 * x + y <= 1.732 * R) {
            *shade *= 0.9 + 0.2 * (u + 0.62 < 0);
            return BODY;
        }
        if (u >= -0.35 && u <= 0.95 && y <= 0.16) {
            *shade *= 1 - 0.35 * sq(v / 0.16);
            if (u > 0.1 && frac(u * 14) < 0.35) *shade *= 0.72;
            return BODY;
        }
        return OUT;
    }
    case 1: /* bracket: an L with two holes */
        if (in_circle(u, v, 0.5, 0.65, 0.09) || in_circle(u, v, -0.7, -0.4, 0.09)) return OUT;
        if ((u >= -0.9 && u <= 0.9 && v >= 0.45 && v <= 0.85) ||
            (u >= -0.9 && u <= -0.5 && v >= -0.85 && v <= 0.85)) {
            if (u < -0.5 && v > 0.45) *shade *= 0.92;
            return BODY;
        }
        return OUT;
    case 2: /* hinge: two leaves and a knuckle */
        if (fabs(u) <= 0.12 && fabs(v) <= 0.75) {
            *shade *= (1 - 0.4 * sq(u / 0.12)) * (frac(v * 2.5 + 0.5) < 0.06 ? 0.6 : 1);
            return BODY;
        }
        if (fabs(u) >= 0.1 && fabs(u) <= 0.95 && fabs(v) <= 0.6) {
            if (in_circle(fabs(u), fabs(v), 0.55, 0.3, 0.07)) return DARK;
            return BODY;
        }
        return OUT;
    case 3: /* strut: a bar with two eyes */
        if (in_circle(u, v, 0.85, 0, 0.08) || in_circle(u, v, -0.85, 0, 0.08)) return OUT;
        if (in_circle(u, v, 0.85, 0, 0.18) || in_circle(u, v, -0.85, 0, 0.18)) return BODY;
        if (fabs(u) <= 0.85 && fabs(v) <= 0.1) {
            *shade *= 1 - 0.35 * sq(v / 0.1);
            return BODY;
        }
        return OUT;
    case 4: /* panel: a plate with a grid of stiffeners */
        if (fabs(u) <= 0.95 && fabs(v) <= 0.65) {
            if (frac((u + 0.95) / 0.38) < 0.08 || frac((v + 0.65) / 0.325) < 0.08) *shade *= 0.62;
            if (fabs(u) > 0.9 || fabs(v) > 0.6) *shade *= 0.8;
            return BODY;
        }
        return OUT;
    case 5: { /* heat-shield tile: bevelled rounded square */
        double x = fabs(u) - 0.65, y = fabs(v) - 0.65;
        double d = (x > 0 && y > 0) ? hypot(x, y) : (x > y ? x : y);
        if (d <= 0.15) {
            if (d > 0.05) *shade *= 0.72;
            return BODY;
        }
        return OUT;
    }
    case 6: { /* gear: toothed wheel with a bore */
        double R = 0.72 + (cos(12 * th) > 0 ? 0.14 : 0);
        if (r <= 0.18 || r > R) return OUT;
        if (r < 0.32) *shade *= 0.85;
        return BODY;
    }
    case 7: /* bearing: two races and balls */
        if ((r >= 0.62 && r <= 0.9) || (r >= 0.25 && r <= 0.45)) {
            if (fabs(r - 0.76) < 0.02 || fabs(r - 0.35) < 0.02) *shade *= 0.75;
            return BODY;
        }
        if (r > 0.45 && r < 0.62) {
            double a = floor(th / (6.283185307 / 9) + 0.5) * (6.283185307 / 9);
            if (in_circle(u, v, 0.535 * cos(a), 0.535 * sin(a), 0.08)) {
                *shade *= 1.15;
                return BODY;
            }
            return DARK;
        }
        return OUT;
    case 8: { /* spring: a zigzag coil between two end plates */
        if (fabs(u) >= 0.88 && fabs(u) <= 0.95 && fabs(v) <= 0.6) return BODY;
        double t = frac(u * 1.75 + 0.25), z = 0.55 * (4 * fabs(t - 0.5) - 1);
        if (fabs(u) < 0.9 && fabs(v - z) < 0.09) {
            *shade *= 1 - 0.3 * sq((v - z) / 0.09);
            return BODY;
        }
        return OUT;
    }
    case 9: /* valve: body, pipes with flanges, stem and hand wheel */
        if (fabs(sq(u / 0.35) + sq((v - 0.82) / 0.1) - 1) < 0.45) return BODY;
        if (fabs(u) <= 0.06 && v >= 0.3 && v <= 0.8) return BODY;
        if (in_circle(u, v, 0, 0, 0.4)) {
            *shade *= 1 - 0.3 * sq(r / 0.4);
            return BODY;
        }
        if (fabs(u) >= 0.8 && fabs(u) <= 0.9 && fabs(v) <= 0.28) {
            *shade *= 0.85;
            return BODY;
        }
        if (fabs(u) <= 0.95 && fabs(v) <= 0.17) {
            *shade *= 1 - 0.35 * sq(v / 0.17);
            return BODY;
        }
        return OUT;
    case 10: /* propellant tank: a capsule with weld seams */
        if ((fabs(u) <= 0.45 && fabs(v) <= 0.5) || in_circle(u, v, 0.45, 0, 0.5) ||
            in_circle(u, v, -0.45, 0, 0.5)) {
            *shade *= 1 - 0.4 * sq(v / 0.5);
            if (fabs(fabs(u) - 0.45) < 0.02) *shade *= 0.7;
            return BODY;
        }
        return OUT;
    case 11: { /* thruster nozzle: chamber and a bell */
        if (u >= -0.95 && u < -0.6 && fabs(v) <= 0.22) {
            *shade *= 1 - 0.35 * sq(v / 0.22);
            return BODY;
        }
        if (u >= -0.6 && u <= 0.95) {
            double w = 0.12 + 0.45 * pow((u + 0.6) / 1.55, 1.6);
            if (fabs(v) <= w) {
                *shade *= 1 - 0.4 * sq(v / w);
                if (fabs(u + 0.6) < 0.02 || fabs(u - 0.1) < 0.015) *shade *= 0.7;
                if (u > 0.88) return DARK;
                return BODY;
            }
        }
        return OUT;
    }
    case 12: /* pressure regulator: body, ports and a gauge */
        if (in_circle(u, v, 0, 0.5, 0.3)) {
            if (!in_circle(u, v, 0, 0.5, 0.24)) return BODY;
            if (seg_dist(u, v, 0, 0.5, 0.13, 0.62) < 0.02) return DARK;
            return WHITE;
        }
        if (u >= -0.7 && u <= 0.7 && v >= -0.5 && v <= 0.2) return BODY;
        if (fabs(u) <= 0.95 && fabs(v + 0.15) <= 0.1) {
            *shade *= 0.9;
            return BODY;
        }
        return OUT;
    case 13: { /* antenna dish: a parabolic reflector, feed, struts and mast */
        double vd = 0.55 * u * u - 0.45;
        if (fabs(u) <= 0.85 && v >= vd && v <= vd + 0.12) {
            *shade *= 0.85 + 0.3 * (v - vd) / 0.12;
            return BODY;
        }
        if (fabs(u) <= 0.08 && v >= 0.25 && v <= 0.4) return BODY;
        if (seg_dist(fabs(u), v, 0.78, 0.55 * 0.78 * 0.78 - 0.45, 0.04, 0.28) < 0.025) return BODY;
        if (fabs(u) <= 0.05 && v >= -0.95 && v <= -0.4) return BODY;
        return OUT;
    }
    case 14: /* solar cell: a framed grid of cells */
        if (fabs(u) <= 0.9 && fabs(v) <= 0.6) {
            double a = frac((u + 0.9) / 0.3), b = frac((v + 0.6) / 0.3);
            if (fabs(u) > 0.86 || fabs(v) > 0.56 || a < 0.07 || b < 0.07) return BODY;
            if (frac(a * 4) < 0.08) *shade *= 1.25;
            return CELL;
        }
        return OUT;
    case 15: /* connector: body, ridged nut and pins */
        if (u >= -0.6 && u <= 0.3 && fabs(v) <= 0.35) {
            *shade *= 1 - 0.3 * sq(v / 0.35);
            return BODY;
        }
        if (u > 0.3 && u <= 0.55 && fabs(v) <= 0.28) {
            *shade *= frac(v * 12) < 0.3 ? 0.7 : 1;
            return BODY;
        }
        if (u >= -0.95 && u < -0.6) {
            double k = floor(v / 0.14 + 0.5);
            if (fabs(k) <= 2 && fabs(v - k * 0.14) <= 0.03) {
                *shade *= 1.2;
                return BODY;
            }
        }
        return OUT;
    case 16: /* gyroscope: gimbal rings around a rotor */
        if (fabs(r - 0.85) <= 0.06) return BODY;
        if (fabs(sq(u / 0.6) + sq(v / 0.85) - 1) <= 0.15) {
            *shade *= 0.9;
            return BODY;
        }
        if (r <= 0.3) {
            *shade *= 1 - 0.4 * sq(r / 0.3);
            return BODY;
        }
        if (fabs(u) <= 0.03 && fabs(v) <= 0.85) return DARK;
        return OUT;
    default: /* 17, reaction wheel: rim, spokes and hub */
        if (r > 0.9) return OUT;
        if (r >= 0.72) {
            *shade *= 0.85;
            return BODY;
        }
        if (r <= 0.2) {
            if (r <= 0.07) return DARK;
            return BODY;
        }
        if (fabs(sin(3 * th)) < 0.2) return BODY;
        return OUT;
    }
}

/* hashed value noise in [0, 1] */
static double lattice(long x, long y, uint32_t seed)
{
    uint32_t h = (uint32_t)x * 374761393u + (uint32_t)y * 668265263u + seed * 2246822519u;
    h = (h ^ (h >> 13)) * 1274126177u;
    return (double)((h ^ (h >> 16)) & 0xffffff) / 16777215.0;
}

static double vnoise(double x, double y, uint32_t seed)
{
    double fx = floor(x), fy = floor(y), tx = x - fx, ty = y - fy;
    long ix = (long)fx, iy = (long)fy;
    tx = tx * tx * (3 - 2 * tx);
    ty = ty * ty * (3 - 2 * ty);
    double a = lattice(ix, iy, seed), b = lattice(ix + 1, iy, seed);
    double c = lattice(ix, iy + 1, seed), d = lattice(ix + 1, iy + 1, seed);
    return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

int gd_render(const gd_item *it, long item_id, uint64_t seed, int min_px, int max_px, gd_image *im)
{
    gd_rng r;
    gd_rng_seed(&r, seed, STREAM_IMAGE, (uint64_t)item_id);
    int w = min_px + gd_rng_below(&r, max_px - min_px + 1);
    int h = (int)(w * (0.8 + 0.45 * gd_rng_unif(&r)));
    h = h < min_px ? min_px : h > max_px ? max_px : h;
    int ch = it->img_kind == GD_IMG_PNG_RGBA ? 4 : it->img_kind == GD_IMG_PNG_GREY ? 1 : 3;
    unsigned char *px = malloc((size_t)w * h * 4);
    if (!px) return -1;

    /* background: studio white, studio dark or a coloured gradient; some texture */
    double bg[2][3];
    double style = gd_rng_unif(&r);
    for (int k = 0; k < 2; k++)
        for (int c = 0; c < 3; c++) {
            double u = gd_rng_unif(&r);
            bg[k][c] = style < 0.25 ? 0.85 + 0.15 * u : style < 0.45 ? 0.03 + 0.15 * u : 0.1 + 0.8 * u;
        }
    double ga = 6.283185307 * gd_rng_unif(&r), gx = cos(ga), gy = sin(ga);
    int bg_tex = gd_rng_below(&r, 4); /* 0 none, 1 stripes, 2 checker, 3 blotches */
    double bg_freq = 4 + 12 * gd_rng_unif(&r);
    int clutter = gd_rng_unif(&r) < 0.3;
    double cl_u = gd_rng_unif(&r) * w, cl_v = gd_rng_unif(&r) * h, cl_r = (0.05 + 0.1 * gd_rng_unif(&r)) * w;
    double cl_rgb[3] = {gd_rng_unif(&r), gd_rng_unif(&r), gd_rng_unif(&r)};

    /* the part: placement, pose, light */
    int S = it->prop[GD_P_S], M = it->prop[GD_P_M], F = it->prop[GD_P_F];
    double minwh = w < h ? w : h;
    double scale = 0.5 * minwh * size_frac[S] * (0.9 + 0.2 * gd_rng_unif(&r));
    double cx = 0.5 * w + (gd_rng_unif(&r) - 0.5) * 0.16 * w;
    double cy = 0.5 * h + (gd_rng_unif(&r) - 0.5) * 0.16 * h;
    double rot = 6.283185307 * gd_rng_unif(&r), cr = cos(rot), sr = sin(rot);
    double mirror = gd_rng_unif(&r) < 0.5 ? -1 : 1;
    double la = 6.283185307 * gd_rng_unif(&r), lx = cos(la), ly = sin(la);
    double bright = 0.75 + 0.45 * gd_rng_unif(&r);
    double base[3];
    for (int c = 0; c < 3; c++) base[c] = mat_rgb[M][c] * (0.94 + 0.12 * gd_rng_unif(&r));
    const float *tint = tints[gd_rng_below(&r, 6)];
    if (F == 2)
        for (int c = 0; c < 3; c++) base[c] = 0.45 * base[c] + 0.55 * tint[c];
    double spec_off = (gd_rng_unif(&r) - 0.5) * 0.8;
    double noise_amp = 0.004 + 0.016 * gd_rng_unif(&r);
    if (ch != 3 || it->img_kind == GD_IMG_PNG_RGB) noise_amp = 0; /* PNGs are clean renders (and stay small) */
    uint32_t tex_seed = (uint32_t)gd_rng_u64(&r);
    double sh_dx = -lx * 0.07 * scale, sh_dy = -ly * 0.07 * scale;
    int transparent_bg = ch == 4 && gd_rng_unif(&r) < 0.5;

    /* rivets: positions on the body, more for larger classes */
    double riv[10][2];
    int n_riv = 0;
    for (int k = 0; k < rivets_per_size[S]; k++)
        for (int tries = 0; tries < 30; tries++) {
            double u = 1.8 * gd_rng_unif(&r) - 0.9, v = 1.8 * gd_rng_unif(&r) - 0.9, s = 1;
            if (shape(it->prop[GD_P_C], u, v, &s) == BODY) {
                riv[n_riv][0] = u;
                riv[n_riv][1] = v;
                n_riv++;
                break;
            }
        }
    uint64_t pix_state = gd_rng_u64(&r) | 1;

    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double t = ((x - 0.5 * w) * gx + (y - 0.5 * h) * gy) / minwh + 0.5;
            t = clamp01(t);
            double col[3], a = 255;
            for (int c = 0; c < 3; c++) col[c] = bg[0][c] + (bg[1][c] - bg[0][c]) * t;
            double tex = 1;
            if (bg_tex == 1) tex = frac((x * gy - y * gx) / minwh * bg_freq) < 0.5 ? 0.95 : 1.03;
            else if (bg_tex == 2) tex = (((int)(x / minwh * bg_freq) + (int)(y / minwh * bg_freq)) & 1) ? 0.96 : 1.03;
            else if (bg_tex == 3) tex = 0.9 + 0.2 * vnoise(x / minwh * bg_freq * 0.5, y / minwh * bg_freq * 0.5, tex_seed ^ 0x55u);
            for (int c = 0; c < 3; c++) col[c] *= tex;
            if (clutter && sq(x - cl_u) + sq((y - cl_v) * 1.6) < cl_r * cl_r)
                for (int c = 0; c < 3; c++) col[c] = 0.5 * col[c] + 0.5 * cl_rgb[c];
            if (transparent_bg) a = 0;

            /* shadow: the outline shifted away from the light */
            double dx = x - cx - sh_dx, dy = y - cy - sh_dy, s = 1;
            double su = mirror * (dx * cr + dy * sr) / scale, sv = (-dx * sr + dy * cr) / scale;
            if (shape(it->prop[GD_P_C], su, sv, &s) != OUT) {
                for (int c = 0; c < 3; c++) col[c] *= 0.6;
                if (transparent_bg) a = 90;
            }

            dx = x - cx;
            dy = y - cy;
            double u = mirror * (dx * cr + dy * sr) / scale, v = (-dx * sr + dy * cr) / scale;
            double shade = 1;
            int what = shape(it->prop[GD_P_C], u, v, &shade);
            if (what != OUT) {
                double lu = mirror * (lx * cr + ly * sr), lv = -lx * sr + ly * cr;
                double light = 0.78 + 0.28 * (u * lu + v * lv);
                double pc[3];
                if (what == WHITE) pc[0] = pc[1] = pc[2] = 0.92;
                else if (what == CELL) { pc[0] = 0.10; pc[1] = 0.14; pc[2] = 0.38; }
                else if (what == DARK) pc[0] = pc[1] = pc[2] = 0.08;
                else memcpy(pc, base, sizeof pc);
                if (what == BODY) {
                    for (int k = 0; k < n_riv; k++)
                        if (in_circle(u, v, riv[k][0], riv[k][1], 0.035)) {
                            shade *= in_circle(u, v, riv[k][0] - 0.01, riv[k][1] - 0.01, 0.015) ? 1.3 : 0.55;
                            break;
                        }
                    if (M == 5) shade *= (((int)floor(u * 12) + (int)floor(v * 12)) & 1) ? 0.8 : 1.15;
                    if (F == 0) { /* matte: flat light, fine grain */
                        light = 0.85 + 0.4 * (light - 0.85);
                        shade *= 0.97 + 0.06 * vnoise(u * 40, v * 40, tex_seed);
                    } else if (F == 1) { /* brushed: streaks along the part */
                        shade *= 0.86 + 0.28 * vnoise(u * 2, v * 70, tex_seed);
                    } else if (F == 2) { /* anodized: smooth, slight sheen */
                        shade *= 0.98 + 0.04 * vnoise(u * 8, v * 8, tex_seed);
                    } else { /* polished: high contrast and a specular band */
                        light = 0.78 + 1.6 * (light - 0.78);
                        double d = (u * lv - v * lu) - spec_off;
                        double sp = 0.9 * exp(-d * d / 0.012);
                        for (int c = 0; c < 3; c++) pc[c] = pc[c] * 0.8 + 0.2 * col[c] + sp;
                    }
                }
                for (int c = 0; c < 3; c++) col[c] = pc[c] * light * shade;
                a = 255;
            }
            for (int c = 0; c < 3; c++) {
                double n = 0;
                if (noise_amp > 0) {
                    pix_state = pix_state * 6364136223846793005ull + 1442695040888963407ull;
                    n = ((double)((pix_state >> 40) & 0xffff) + (double)((pix_state >> 20) & 0xffff)) / 65535.0 - 1;
                }
                col[c] = clamp01(col[c] * bright + noise_amp * 1.7 * n);
            }
            unsigned char *p = px + ((size_t)y * w + x) * ch;
            if (ch == 1) {
                p[0] = (unsigned char)lrint(255 * (0.299 * col[0] + 0.587 * col[1] + 0.114 * col[2]));
            } else {
                for (int c = 0; c < 3; c++) p[c] = (unsigned char)lrint(255 * col[c]);
                if (ch == 4) p[3] = (unsigned char)a;
            }
        }
    im->w = w;
    im->h = h;
    im->ch = ch;
    im->px = px;
    return 0;
}
