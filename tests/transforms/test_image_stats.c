/* image_stats: pixels -> the object's fill, reach, colour and texture. Checked on pictures
 * drawn here whose answers are known in closed form: a flat disc of radius r on a gradient
 * backdrop fills pi r^2 / S^2 of the frame, its RMS distance from the centre is r / sqrt(2),
 * its median distance r sqrt(1/2), its 90th percentile r sqrt(0.9), its colour is the one
 * drawn (and its saturation), it has no texture, no highlight and no shading. Then: a bigger
 * disc reads bigger on every size feature, the hwc layout gives the chw numbers, a textured
 * backdrop without an object finds nothing, a striped disc has texture (grain, one
 * direction, highlights and shading in closed form), the same relative to the disc's
 * brightness, a disc lit by a linear ramp has the ramp's slope as its shading and nothing
 * else, a row without a picture gets missing values, and the errors. */
#include "check.h"
#include "harness.h"

enum { S = 48, NPIC = 5 };

static const double disc_rgb[3] = { 0.8, 0.3, 0.2 };

/* Picture `which`: 0 a disc of radius 8 px, 1 of radius 16 px, 2 no object (a checker
 * backdrop at +-3 %), 3 a disc of radius 12 px in vertical stripes of three brightnesses,
 * 4 a disc of radius 12 px whose brightness rises linearly to the right (+50 % per side).
 * Backdrop: a horizontal gradient from dark to light blue-grey. hwc != 0 writes HWC, else CHW. */
static void draw(int which, int hwc, float *v)
{
    double cx = 25.5, cy = 22.5, r = which == 0 ? 8 : which == 1 ? 16 : 12;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            double t = (x + 0.5) / S, px[3] = { 0.3 + 0.4 * t, 0.35 + 0.4 * t, 0.45 + 0.4 * t };
            if (which == 2) {
                double tex = ((x / 6 + y / 6) & 1) ? 0.97 : 1.03;
                for (int c = 0; c < 3; c++) px[c] *= tex;
            } else if ((x + 0.5 - cx) * (x + 0.5 - cx) + (y + 0.5 - cy) * (y + 0.5 - cy) <= r * r) {
                double stripe = which != 3 ? 1 : (x / 2) % 3 == 1 ? 0.6 : (x / 2) % 3 == 2 ? 0.8 : 1;
                if (which == 4) stripe = 1 + 0.5 * (x + 0.5 - cx) / S;
                for (int c = 0; c < 3; c++) px[c] = disc_rgb[c] * stripe;
            }
            for (int c = 0; c < 3; c++) {
                size_t p = (size_t)y * S + (size_t)x;
                if (hwc) v[p * 3 + (size_t)c] = (float)px[c];
                else v[(size_t)c * S * S + p] = (float)px[c];
            }
        }
}

/* Rows: 3 per picture, then one row without a picture. */
static xp_frame *make(int hwc)
{
    size_t n = 3 * NPIC + 1;
    xp_frame *f = frame_new(n);
    xp_column *c = frame_add(f, "px", XP_COL_VECTOR, XP_ROLE_FEATURE);
    float *d = col_vectors(c, 3 * S * S, NPIC);
    for (int k = 0; k < NPIC; k++) draw(k, hwc, d + (size_t)k * 3 * S * S);
    for (size_t i = 0; i < n; i++) c->vec_row[i] = i + 1 < n ? (int32_t)(i / 3) : -1;
    double y[3 * NPIC + 1];
    for (size_t i = 0; i < n; i++) y[i] = (double)i;
    fr_num(f, "target", XP_ROLE_TARGET, y);
    return f;
}

static double val(const xp_frame *f, const char *feat, size_t row)
{
    char name[64];
    snprintf(name, sizeof name, "img_%s", feat);
    const xp_column *c = frame_find(f, name);
    return c ? c->num[row] : -999;
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    txh h;
    if (txh_open(&h, argv[1], "image_stats")) return 1;
    CHECK_EQ_INT(txh_create(&h, "column: px\nout: img\nlayout: chw\nborder: 0.06\nmin_contrast: 0.12\nkeep: false\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *f = make(0);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK(frame_find(f, "px") == NULL);                 /* keep: false drops the pixels */

    /* the small disc (rows 0-2): closed forms, in sides. The outline's pixels have fewer
     * than 6 of 8 neighbours in the object and do not count: the disc reads as one of
     * radius r - 1 px to r. */
    double r = 8.0 / S, px1 = 1.0 / S;
    CHECK(val(f, "fill", 0) >= M_PI * (r - px1) * (r - px1));
    CHECK(val(f, "fill", 0) <= M_PI * r * r);
    CHECK_NEAR(val(f, "spread", 0), r / sqrt(2), 0.1 * r);
    CHECK_NEAR(val(f, "reach50", 0), r * sqrt(0.5), 0.12 * r);
    CHECK_NEAR(val(f, "reach90", 0), r * sqrt(0.9), 0.12 * r);
    /* 2 % of a disc's area lies left of x = -0.82 r (a circular segment): the box's side
     * is about 1.64 r plus a pixel, r shrunk by the half pixel lost to the outline */
    CHECK_NEAR(val(f, "box", 0), 1.64 * (r - 0.5 * px1) + px1, 0.1 * r);
    double sum = disc_rgb[0] + disc_rgb[1] + disc_rgb[2];
    CHECK_NEAR(val(f, "red", 0), disc_rgb[0] / sum, 1e-5);
    CHECK_NEAR(val(f, "green", 0), disc_rgb[1] / sum, 1e-5);
    CHECK_NEAR(val(f, "blue", 0), disc_rgb[2] / sum, 1e-5);
    CHECK_NEAR(val(f, "light", 0), sum / 3, 1e-5);
    CHECK_NEAR(val(f, "light_sd", 0), 0, 1e-4);
    CHECK_NEAR(val(f, "edges", 0), 0, 1e-5);
    /* the surface of a flat disc: its drawn saturation, no tails, no grain, no direction */
    CHECK_NEAR(val(f, "saturation", 0), (disc_rgb[0] - disc_rgb[2]) / disc_rgb[0], 1e-5);
    CHECK_NEAR(val(f, "bright_tail", 0), 0, 1e-6);
    CHECK_NEAR(val(f, "dark_tail", 0), 0, 1e-6);
    CHECK_NEAR(val(f, "fine", 0), 0, 1e-5);
    CHECK(isnan(val(f, "coherence", 0)));
    CHECK_NEAR(val(f, "grain", 0), 0, 1e-5);
    CHECK_NEAR(val(f, "detail", 0), 0, 1e-5);
    CHECK_NEAR(val(f, "shading", 0), 0, 1e-4);
    CHECK_NEAR(val(f, "uneven", 0), 0, 1e-4);
    CHECK_NEAR(val(f, "dark_rel", 0), 0, 1e-6);
    CHECK_NEAR(val(f, "sat_p90", 0), val(f, "saturation", 0), 1e-6);
    /* the backdrop's brightness at the centre: the gradient's mean, (0.3 + 0.35 + 0.45) / 3 + 0.2 */
    CHECK_NEAR(val(f, "contrast", 0), sum / 3 - (1.1 / 3 + 0.2), 0.01);
    CHECK_NEAR(val(f, "fill", 1), val(f, "fill", 0), 0);    /* rows of one picture agree */
    CHECK_NEAR(val(f, "reach90", 2), val(f, "reach90", 0), 0);

    /* the big disc (rows 3-5) reads bigger on every size feature */
    CHECK(val(f, "fill", 3) > 3.5 * val(f, "fill", 0));
    CHECK(val(f, "spread", 3) > 1.8 * val(f, "spread", 0));
    CHECK(val(f, "reach90", 3) > 1.8 * val(f, "reach90", 0));
    CHECK(val(f, "box", 3) > 1.8 * val(f, "box", 0));
    CHECK_NEAR(val(f, "spread", 3), 2 * r / sqrt(2), 0.1 * r);

    /* the checker backdrop alone (rows 6-8): no object, fill 0, the rest missing */
    CHECK_NEAR(val(f, "fill", 6), 0, 0);
    CHECK(isnan(val(f, "spread", 6)));
    CHECK(isnan(val(f, "red", 6)));

    /* the striped disc (rows 9-11): texture, and brightness spread */
    CHECK(val(f, "edges", 9) > 0.05);
    CHECK(val(f, "light_sd", 9) > 0.05);   /* stripes at 1, 0.6 and 0.8: SD ~0.071 */
    CHECK(val(f, "fine", 9) > 0.05);
    /* the stripes run one way (vertical: every gradient is along x) */
    CHECK_NEAR(val(f, "coherence", 9), 1, 1e-9);
    /* three brightnesses in about equal shares, 1, 0.8 and 0.6 of the disc's: the median is
     * the middle one, the 95th percentile the brightest, the 5th the darkest */
    CHECK_NEAR(val(f, "bright_tail", 9), 0.2 * sum / 3, 1e-5);
    CHECK_NEAR(val(f, "dark_tail", 9), 0.2 * sum / 3, 1e-5);
    CHECK_NEAR(val(f, "saturation", 9), val(f, "saturation", 0), 1e-5);   /* a stripe dims, not greys */
    CHECK_NEAR(val(f, "sat_p90", 9), val(f, "saturation", 0), 1e-5);
    /* relative to the disc's brightness: two pixels in three of a 2-px stripe pattern
     * 1, 1, .6, .6, .8, .8 have one neighbour 0.2 apart and one equal, so the median
     * |Laplacian| is 0.2 of the disc's colour (the mean, 0.267, would not be); the dark tail
     * ÷ light; the 3 x 3 high-pass spreads (SD ~0.094 of the colour) */
    double light9 = val(f, "light", 9);
    CHECK_NEAR(val(f, "grain", 9) * light9, 0.2 * sum / 3, 1e-5);
    CHECK_NEAR(val(f, "dark_rel", 9) * light9, val(f, "dark_tail", 9), 1e-9);
    CHECK(val(f, "detail", 9) > 0.05);
    CHECK(val(f, "uneven", 9) > 0.05);      /* stripes are no plane */

    /* the ramp-lit disc (rows 12-14): brightness = colour x (1 + 0.5 x offset in sides), so
     * the fitted plane's slope is 0.5 of the colour's brightness, nothing is left about it,
     * and a linear ramp has no grain and no 3 x 3 detail */
    double light12 = val(f, "light", 12);
    CHECK_NEAR(light12, sum / 3, 0.02 * sum / 3);
    CHECK_NEAR(val(f, "shading", 12) * light12, 0.5 * sum / 3, 1e-4);
    CHECK_NEAR(val(f, "uneven", 12), 0, 1e-4);
    CHECK_NEAR(val(f, "grain", 12), 0, 1e-4);
    CHECK_NEAR(val(f, "detail", 12), 0, 1e-4);
    CHECK(val(f, "shading", 12) > 10 * val(f, "shading", 0) + 0.4);

    /* no picture (the last row): every feature missing */
    CHECK(isnan(val(f, "fill", 3 * NPIC)));
    CHECK(isnan(val(f, "contrast", 3 * NPIC)));
    CHECK(isnan(val(f, "grain", 3 * NPIC)));

    /* the record */
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.pictures') FROM xp_records WHERE kind = 'image_stats'"), NPIC, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.objects_found') FROM xp_records WHERE kind = 'image_stats'"), NPIC - 1, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.side') FROM xp_records WHERE kind = 'image_stats'"), S, 0);

    /* hwc gives the chw numbers; keep: true keeps the pixels */
    CHECK_EQ_INT(txh_create(&h, "column: px\nout: img\nlayout: hwc\nkeep: true\n"), XP_OK);
    xp_frame *g = make(1);
    CHECK_EQ_INT(txh_fit_apply(&h, g), XP_OK);
    CHECK(frame_find(g, "px") != NULL);
    static const char *const feats[] = { "fill", "spread", "reach50", "reach90", "box", "red", "green",
                                         "blue", "light", "light_sd", "edges", "contrast", "saturation",
                                         "bright_tail", "dark_tail", "fine", "coherence", "grain", "detail",
                                         "shading", "uneven", "dark_rel", "sat_p90" };
    for (size_t k = 0; k < sizeof feats / sizeof *feats; k++)
        for (size_t i = 0; i < 3 * NPIC; i += 3) {
            double a = val(f, feats[k], i), b = val(g, feats[k], i);
            CHECK((isnan(a) && isnan(b)) || fabs(a - b) < 1e-9);
        }
    /* the same column again: its outputs exist, refused by name */
    CHECK_EQ_INT(txh_apply(&h, g), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "img_fill");
    frame_free(g);

    /* the default out is the column's name */
    CHECK_EQ_INT(txh_create(&h, "column: px\n"), XP_OK);
    g = make(0);
    CHECK_EQ_INT(txh_fit_apply(&h, g), XP_OK);
    CHECK(frame_find(g, "px_reach90") != NULL);
    frame_free(g);

    /* errors: no column, a bad border or contrast, a column that is not pixels */
    CHECK_EQ_INT(txh_create(&h, "out: img\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "needs `column:`");
    CHECK_EQ_INT(txh_create(&h, "column: px\nborder: 0.5\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:2");
    CHECK_CONTAINS(h.call.msg, "border must be in (0, 0.25]");
    CHECK_EQ_INT(txh_create(&h, "column: px\nmin_contrast: 0\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "min_contrast must be in (0, 1)");
    CHECK_EQ_INT(txh_create(&h, "column: px\nlayout: nhwc\n"), XP_ECONFIG);
    CHECK_EQ_INT(txh_create(&h, "column: target\n"), XP_OK);
    g = make(0);
    CHECK_EQ_INT(txh_fit_apply(&h, g), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "column target is numeric; expected text naming each row's picture, or a vector of pixels");
    frame_free(g);
    CHECK_EQ_INT(txh_create(&h, "column: odd\n"), XP_OK);
    g = make(0);
    float *d = col_vectors(frame_add(g, "odd", XP_COL_VECTOR, XP_ROLE_FEATURE), 100, 1);
    CHECK(d != NULL);
    CHECK_EQ_INT(txh_fit_apply(&h, g), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "has width 100; expected 3 x side x side");
    frame_free(g);
    CHECK_EQ_INT(txh_create(&h, "column: nothere\n"), XP_OK);
    g = make(0);
    CHECK_EQ_INT(txh_fit_apply(&h, g), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "no column nothere");
    frame_free(g);

    frame_free(f);
    txh_close(&h);
    return check_done();
}
