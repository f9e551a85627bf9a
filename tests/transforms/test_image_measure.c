/* measure.c (image_stats' numbers of one picture) on pictures that are not square: lengths
 * are in units of the short side, so one disc reads the same in a wide, a tall and a square
 * frame of the same short side — and not in the same wide picture stretched to a square,
 * which is what reading it as square pixels used to do. A blob away from the centre is not
 * the object, and a part cut by a 1-px gap is still one. Also: the brightness plane's slope
 * (shading) is per short side in both directions, a ring narrower than 3 pixels is no
 * picture, and a picture larger than any before grows the scratch. */
#include <stdlib.h>

#include "check.h"
#include "measure.h"

static const double disc_rgb[3] = { 0.8, 0.3, 0.2 };

/* A disc of radius r at (cx, cy) on a flat grey backdrop, W × H, HWC; ramp != 0 brightens
 * the disc by `ramp` per short side to the right. */
static float *draw(int W, int H, double cx, double cy, double r, double ramp)
{
    float *v = malloc((size_t)W * (size_t)H * 3 * sizeof *v);
    double m = W < H ? W : H;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double dx = x + 0.5 - cx, dy = y + 0.5 - cy, px[3] = { 0.35, 0.4, 0.45 };
            if (dx * dx + dy * dy <= r * r)
                for (int c = 0; c < 3; c++) px[c] = disc_rgb[c] * (1 + ramp * dx / m);
            for (int c = 0; c < 3; c++) v[((size_t)y * (size_t)W + (size_t)x) * 3 + (size_t)c] = (float)px[c];
        }
    return v;
}

/* The W × H picture resized to S × S by nearest neighbour: a stretch. */
static float *stretch(const float *v, int W, int H, int S)
{
    float *o = malloc((size_t)S * (size_t)S * 3 * sizeof *o);
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            for (int c = 0; c < 3; c++)
                o[((size_t)y * (size_t)S + (size_t)x) * 3 + (size_t)c] =
                    v[((size_t)(y * H / S) * (size_t)W + (size_t)(x * W / S)) * 3 + (size_t)c];
    return o;
}

int main(void)
{
    im_scratch w = { 0 };
    double sq[IM_N_FEAT], wide[IM_N_FEAT], tall[IM_N_FEAT], st[IM_N_FEAT];
    const double r = 10;
    float *a = draw(50, 50, 25, 25, r, 0), *b = draw(90, 50, 45, 25, r, 0), *c = draw(50, 90, 25, 45, r, 0);
    CHECK_EQ_INT(im_measure(a, IM_HWC, 50, 50, 0.06, 0.12, &w, sq), 1);
    CHECK_EQ_INT(im_measure(b, IM_HWC, 90, 50, 0.06, 0.12, &w, wide), 1);   /* grows the scratch */
    CHECK_EQ_INT(im_measure(c, IM_HWC, 50, 90, 0.06, 0.12, &w, tall), 1);
    /* closed forms in short sides (the outline's pixels do not count: r - 1 px .. r) */
    double rs = r / 50, px1 = 1.0 / 50;
    CHECK_NEAR(sq[IM_SPREAD], rs / sqrt(2), 0.1 * rs);
    CHECK(sq[IM_FILL] >= M_PI * (rs - px1) * (rs - px1) && sq[IM_FILL] <= M_PI * rs * rs);
    /* the same disc, the same short side: the same numbers whichever way the frame is long */
    int same[] = { IM_FILL, IM_SPREAD, IM_REACH50, IM_REACH90, IM_BOX, IM_LIGHT, IM_RED, IM_CONTRAST };
    for (size_t k = 0; k < sizeof same / sizeof same[0]; k++) {
        CHECK_NEAR(wide[same[k]], sq[same[k]], 1e-9);
        CHECK_NEAR(tall[same[k]], sq[same[k]], 1e-9);
    }
    /* the wide picture stretched to 50 x 50 squeezes the disc across by 50/90: its spread is
     * then sqrt((1/2)(rs² (5/9)² + rs²)) / sqrt(2)·sqrt(2) — about 0.81 of the true one */
    float *d = stretch(b, 90, 50, 50);
    CHECK_EQ_INT(im_measure(d, IM_HWC, 50, 50, 0.06, 0.12, &w, st), 1);
    CHECK(st[IM_SPREAD] < 0.88 * sq[IM_SPREAD]);
    CHECK(st[IM_FILL] < 0.65 * sq[IM_FILL]);
    /* a ramp of +50 % per short side across the disc: shading 0.5 of the disc's mean
     * brightness... in the wide and the tall frame alike */
    float *e = draw(90, 50, 45, 25, 12, 0.5), *g = draw(50, 90, 25, 45, 12, 0.5);
    double fe[IM_N_FEAT], fg[IM_N_FEAT];
    CHECK_EQ_INT(im_measure(e, IM_HWC, 90, 50, 0.06, 0.12, &w, fe), 1);
    CHECK_EQ_INT(im_measure(g, IM_HWC, 50, 90, 0.06, 0.12, &w, fg), 1);
    CHECK_NEAR(fe[IM_SHADING], 0.5, 0.03);
    CHECK_NEAR(fg[IM_SHADING], fe[IM_SHADING], 1e-9);
    /* a stray blob of another colour away from the centre (clutter) is not the object: the
     * disc reads exactly as it does alone */
    float *k = draw(50, 50, 25, 25, r, 0);
    for (int y = 0; y < 50; y++)
        for (int x = 0; x < 50; x++)
            if ((x + 0.5 - 41) * (x + 0.5 - 41) + (y + 0.5 - 9) * (y + 0.5 - 9) <= 16) {
                float *q = k + ((size_t)y * 50 + (size_t)x) * 3;
                q[0] = 0.1f; q[1] = 0.7f; q[2] = 0.2f;
            }
    double fk[IM_N_FEAT];
    CHECK_EQ_INT(im_measure(k, IM_HWC, 50, 50, 0.06, 0.12, &w, fk), 1);
    for (int f = 0; f < IM_N_FEAT; f++)
        if (!isnan(sq[f])) CHECK_NEAR(fk[f], sq[f], 1e-9);
    /* the same disc cut in two by a 1-px gap is still one object: it reaches as far */
    float *c2 = draw(50, 50, 25, 25, r, 0);
    for (int y = 0; y < 50; y++)
        for (int c = 0; c < 3; c++) c2[((size_t)y * 50 + 25) * 3 + (size_t)c] = c == 0 ? 0.35f : c == 1 ? 0.4f : 0.45f;
    double fc[IM_N_FEAT];
    CHECK_EQ_INT(im_measure(c2, IM_HWC, 50, 50, 0.06, 0.12, &w, fc), 1);
    CHECK_NEAR(fc[IM_REACH90], sq[IM_REACH90], 0.05 * sq[IM_REACH90]);
    CHECK(fc[IM_FILL] > 0.8 * sq[IM_FILL]);
    free(k);
    free(c2);
    /* too small to have a border ring and an inside: no picture, everything missing */
    double tiny[IM_N_FEAT];
    CHECK_EQ_INT(im_measure(a, IM_HWC, 2, 50, 0.06, 0.12, &w, tiny), 0);
    CHECK(isnan(tiny[IM_FILL]) && isnan(tiny[IM_SPREAD]));
    im_scratch_free(&w);
    CHECK(w.cap == 0 && w.px == NULL);
    free(a); free(b); free(c); free(d); free(e); free(g);
    return check_done();
}
