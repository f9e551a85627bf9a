/* test_images.c — image_io (plugins/encoders/common): the description -> file resolver
 * (naming quirks, case, duplicates, symlinks, path traversal) and decoding (PNG, JPEG,
 * RGBA, grey, corrupt, truncated, absurd headers) with resize checks on constant, gradient
 * and checkerboard images. All fixtures are written by the test into a scratch folder.
 *
 *     ./test_images
 */
#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "image_io.h"
#include "imgfix.h"
#include "xp/error.h"

static char root[256], dir[300];

static float srgb_to_lin(float v) { return v <= 0.04045f ? v / 12.92f : powf((v + 0.055f) / 1.055f, 2.4f); }
static float lin_to_srgb(float l) { return l <= 0.0031308f ? 12.92f * l : 1.055f * powf(l, 1 / 2.4f) - 0.055f; }

static void make_fixtures(void)
{
    fx_tmpdir(root, sizeof root);
    snprintf(dir, sizeof dir, "%s/spacecraft_images", root);
    if (mkdir(dir, 0755)) { perror("mkdir"); exit(2); }
    int red[4] = { 200, 100, 50, 255 };
    fx_png(dir, "ion_thruster.png", 40, 30, 3, fx_const(40, 30, 3, red));
    fx_png(dir, "Heat_Shield_Tile.PNG", 8, 8, 3, fx_const(8, 8, 3, red));      /* case + ext case */
    fx_jpg(dir, "solarpanel_array.jpeg", 16, 16, 3, fx_const(16, 16, 3, red), 95); /* hyphen dropped */
    fx_png(dir, "star-tracker.png", 8, 8, 3, fx_const(8, 8, 3, red));          /* hyphen kept */
    fx_png(dir, "fuel_cell.png", 4, 4, 3, fx_const(4, 4, 3, red));             /* both hyphen */
    fx_png(dir, "fuelcell.png", 4, 4, 3, fx_const(4, 4, 3, red));              /* variants */
    fx_png(dir, "nav_computer_mk2.png", 8, 8, 3, fx_const(8, 8, 3, red));      /* loose */
    fx_png(dir, "ab_c.png", 4, 4, 3, fx_const(4, 4, 3, red));                  /* ambiguous loose */
    fx_png(dir, "a_bc.png", 4, 4, 3, fx_const(4, 4, 3, red));
    fx_jpg(dir, "dup.jpg", 4, 4, 3, fx_const(4, 4, 3, red), 90);               /* jpg beats png */
    fx_png(dir, "dup.png", 4, 4, 3, fx_const(4, 4, 3, red));
    fx_png(dir, "DUP.jpeg", 4, 4, 3, fx_const(4, 4, 3, red));
    fx_png(dir, ".hidden.png", 4, 4, 3, fx_const(4, 4, 3, red));
    fx_bytes(dir, "notes.txt", "hello", 5);
    fx_bytes(dir, "noext", "x", 1);
    fx_bytes(dir, ".png", "x", 1);
    char p[600], q[600];
    fx_path(p, sizeof p, dir, "folder.png");
    if (mkdir(p, 0755)) exit(2);                                          /* a directory */
    /* Outside the folder: a real image and /etc/passwd, reachable only through traversal. */
    fx_png(root, "secret.png", 4, 4, 3, fx_const(4, 4, 3, red));
    fx_path(p, sizeof p, root, "secret.png");
    fx_path(q, sizeof q, dir, "outside_link.png");
    if (symlink(p, q)) exit(2);                                           /* points out: skipped */
    fx_path(q, sizeof q, dir, "passwd_link.jpg");
    if (symlink("/etc/passwd", q)) exit(2);
    fx_path(q, sizeof q, dir, "dotdot_link.png");
    if (symlink("../secret.png", q)) exit(2);
    fx_path(q, sizeof q, dir, "inside_link.png");
    if (symlink("ion_thruster.png", q)) exit(2);                          /* inside: kept */
    fx_path(q, sizeof q, dir, "dangling.png");
    if (symlink("nothing_here.png", q)) exit(2);
}

static void test_resolver(void)
{
    image_index *ix;
    char msg[512], path[600], want[600];
    CHECK_EQ_INT(image_index_open(dir, &ix, msg, sizeof msg), XP_OK);
    image_index_stats st;
    image_index_stats_get(ix, &st);
    /* ion_thruster, heat_shield_tile, solarpanel_array, star-tracker, fuel_cell, fuelcell,
     * nav_computer_mk2, ab_c, a_bc, dup, inside_link = 11 names; dup.png and DUP.jpeg hidden
     * by dup.jpg. */
    CHECK_EQ_INT(st.files, 11);
    CHECK_EQ_INT(st.duplicates, 2);
    /* .hidden.png, notes.txt, noext, .png, folder.png, 4 bad links */
    CHECK_EQ_INT(st.skipped, 9);
    char *real = realpath(dir, NULL);
    CHECK_STR(image_index_dir(ix), real);

    int how;
    const char *f = image_index_find(ix, "Ion Thruster", &how);
    snprintf(want, sizeof want, "%s/ion_thruster.png", real);
    CHECK_STR(f, want);
    CHECK_EQ_INT(how, IMAGE_MATCH_EXACT);
    f = image_index_find(ix, "heat shield-tile", &how);               /* hyphen -> '_' */
    snprintf(want, sizeof want, "%s/Heat_Shield_Tile.PNG", real);
    CHECK_STR(f, want);
    CHECK_EQ_INT(how, IMAGE_MATCH_EXACT);
    f = image_index_find(ix, "Solar-Panel ARRAY", &how);              /* hyphen dropped */
    snprintf(want, sizeof want, "%s/solarpanel_array.jpeg", real);
    CHECK_STR(f, want);
    CHECK_EQ_INT(how, IMAGE_MATCH_EXACT);
    f = image_index_find(ix, "Star-Tracker", &how);                   /* hyphen kept */
    snprintf(want, sizeof want, "%s/star-tracker.png", real);
    CHECK_STR(f, want);
    f = image_index_find(ix, "  Ion Thruster\t", &how);               /* trimmed */
    snprintf(want, sizeof want, "%s/ion_thruster.png", real);
    CHECK_STR(f, want);
    CHECK_EQ_INT(how, IMAGE_MATCH_TRIMMED);
    /* Both hyphen variants exist: '_' is taken, and the match says it was ambiguous. */
    f = image_index_find(ix, "Fuel-Cell", &how);
    snprintf(want, sizeof want, "%s/fuel_cell.png", real);
    CHECK_STR(f, want);
    CHECK_EQ_INT(how, IMAGE_MATCH_EXACT | IMAGE_MATCH_AMBIGUOUS);
    CHECK_EQ_INT(IMAGE_MATCH_KIND(how), IMAGE_MATCH_EXACT);
    f = image_index_find(ix, "Fuel Cell", &how);                      /* no hyphen: plain */
    CHECK_STR(f, want);
    CHECK_EQ_INT(how, IMAGE_MATCH_EXACT);
    image_index_find(ix, " Fuel-Cell ", &how);
    CHECK_EQ_INT(how, IMAGE_MATCH_TRIMMED | IMAGE_MATCH_AMBIGUOUS);
    f = image_index_find(ix, "Solar-Panel Array", &how);              /* one variant only */
    CHECK_EQ_INT(how, IMAGE_MATCH_EXACT);
    f = image_index_find(ix, "Nav Computer-Mk 2", &how);              /* loose, unique */
    snprintf(want, sizeof want, "%s/nav_computer_mk2.png", real);
    CHECK_STR(f, want);
    CHECK_EQ_INT(how, IMAGE_MATCH_LOOSE);
    CHECK(image_index_find(ix, "abc", &how) == NULL);                 /* loose, ambiguous */
    CHECK_EQ_INT(how, IMAGE_MATCH_NONE);
    snprintf(want, sizeof want, "%s/ab_c.png", real);
    CHECK_STR(image_index_find(ix, "AB C", NULL), want);              /* exact wins */
    snprintf(want, sizeof want, "%s/dup.jpg", real);
    CHECK_STR(image_index_find(ix, "Dup", NULL), want);               /* .jpg first */
    snprintf(want, sizeof want, "%s/ion_thruster.png", real);
    CHECK_STR(image_index_find(ix, "inside link", NULL), want);       /* symlink -> its target */
    /* The name the resolver matched, which a folder of copies must use (the host keeps a
     * run's images by name): the link's own name, the file's with its case and extension. */
    const char *name = NULL;
    CHECK_STR(image_index_find_named(ix, "inside link", NULL, &name), want);
    CHECK_STR(name, "inside_link.png");
    image_index_find_named(ix, "Dup", NULL, &name);
    CHECK_STR(name, "dup.jpg");
    CHECK(image_index_find_named(ix, "abc", &how, &name) == NULL && name == NULL);

    /* Never anything outside the folder, nor non-image entries. */
    static const char *bad[] = {
        "../secret", "../secret.png", "..", ".", "", "/", "a/../../b", "../../etc/passwd",
        "/etc/passwd", "..\\secret", "outside link", "passwd link", "dotdot link", "dangling",
        "secret", "notes", "folder", ".hidden", "hidden", "noext", "spacecraft_images/../secret",
        "%2e%2e/secret", "ion_thruster.png", "ion_thruster/", "/ion_thruster", "  ", "-", "_",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *r = image_index_find(ix, bad[i], NULL);
        if (r) fprintf(stderr, "'%s' resolved to %s\n", bad[i], r);
        CHECK(r == NULL);
    }
    CHECK(image_index_find(ix, NULL, NULL) == NULL);
    /* An embedded NUL ends the C string: only the part before it is looked up. */
    const char nul[] = "ion thruster\0/../../secret";
    snprintf(want, sizeof want, "%s/ion_thruster.png", real);
    CHECK_STR(image_index_find(ix, nul, NULL), want);
    /* Every path handed out lies inside the folder. */
    static const char *good[] = { "ion thruster", "heat shield-tile", "solar-panel array",
                                  "star-tracker", "nav computer-mk 2", "dup", "inside link" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *r = image_index_find(ix, good[i], NULL);
        CHECK(r && strncmp(r, real, strlen(real)) == 0 && r[strlen(real)] == '/' &&
              !strchr(r + strlen(real) + 1, '/'));
    }
    /* Long descriptions (heap path in the resolver). */
    char longd[2000];
    memset(longd, 'x', sizeof longd - 1);
    longd[sizeof longd - 1] = 0;
    CHECK(image_index_find(ix, longd, NULL) == NULL);

    CHECK_EQ_INT(image_index_resolve(ix, "ion thruster", path, sizeof path), XP_OK);
    CHECK_STR(path, want);
    CHECK_EQ_INT(image_index_resolve(ix, "ion thruster", path, 8), XP_EINVAL);
    CHECK_STR(path, "");
    CHECK_EQ_INT(image_index_resolve(ix, "no such thing", path, sizeof path), XP_ENOTFOUND);
    image_index_close(ix);

    /* The one-shot form. */
    CHECK_EQ_INT(image_resolve(dir, "Heat Shield Tile", path, sizeof path), XP_OK);
    snprintf(want, sizeof want, "%s/Heat_Shield_Tile.PNG", real);
    CHECK_STR(path, want);
    CHECK_EQ_INT(image_resolve(dir, "../secret", path, sizeof path), XP_ENOTFOUND);
    CHECK_EQ_INT(image_resolve("/nonexistent/xp", "ion thruster", path, sizeof path), XP_ENOTFOUND);
    CHECK_EQ_INT(image_index_open("/nonexistent/xp", &ix, msg, sizeof msg), XP_EIO);
    CHECK_CONTAINS(msg, "/nonexistent/xp");
    CHECK(ix == NULL);
    /* A file is not a folder; an empty folder is an empty index. */
    char p[600];
    fx_path(p, sizeof p, dir, "ion_thruster.png");
    CHECK_EQ_INT(image_index_open(p, &ix, msg, sizeof msg), XP_EIO);
    fx_path(p, sizeof p, dir, "folder.png");
    CHECK_EQ_INT(image_index_open(p, &ix, msg, sizeof msg), XP_OK);
    CHECK(image_index_find(ix, "anything", NULL) == NULL);
    image_index_close(ix);
    image_index_close(NULL);
    free(real);
}

/* ------------------------------------------------------------------ decoding */

static float max_abs_diff_const(const float *px, int n, float r, float g, float b)
{
    float m = 0;
    for (int i = 0; i < n; i++) {
        float d[3] = { fabsf(px[i * 3] - r), fabsf(px[i * 3 + 1] - g), fabsf(px[i * 3 + 2] - b) };
        for (int k = 0; k < 3; k++) if (d[k] > m) m = d[k];
    }
    return m;
}

static void test_constant(void)
{
    char p[600], msg[512];
    float out[40 * 40 * 3];
    /* Exact PNG colour survives down- and upscaling, in both colour spaces and all filters. */
    fx_path(p, sizeof p, dir, "ion_thruster.png");                    /* 40 x 30, (200,100,50) */
    int sizes[][2] = { { 8, 8 }, { 32, 32 }, { 5, 17 }, { 1, 1 }, { 40, 30 } };
    for (int s = 0; s < 5; s++)
        for (int cs = 0; cs < 2; cs++)
            for (int fl = 0; fl <= IMAGE_FILTER_CATMULLROM; fl++) {
                image_opts o = image_opts_default(sizes[s][0], sizes[s][1]);
                o.colorspace = cs;
                o.filter = fl;
                image_info info;
                memset(out, 0x7f, sizeof out);
                CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, &info, msg, sizeof msg), XP_OK);
                CHECK_NEAR(max_abs_diff_const(out, o.w * o.h, 200 / 255.f, 100 / 255.f, 50 / 255.f), 0, 1e-4);
                CHECK_EQ_INT(info.width, 40);
                CHECK_EQ_INT(info.height, 30);
                CHECK_EQ_INT(info.channels, 3);
            }
    /* JPEG (lossy): close. */
    fx_path(p, sizeof p, dir, "solarpanel_array.jpeg");
    CHECK_EQ_INT(image_load_rgb(p, 7, 9, 1.0f, out, msg, sizeof msg), XP_OK);
    CHECK_NEAR(max_abs_diff_const(out, 63, 200 / 255.f, 100 / 255.f, 50 / 255.f), 0, 0.03);
}

static void test_gradient(void)
{
    /* 512 x 4 horizontal ramp, value = x / 2 (0..255.5 -> bytes 0..255). */
    int W = 512, H = 4;
    unsigned char *px = malloc((size_t)W * H * 3);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++) px[(y * W + x) * 3 + c] = (unsigned char)(x / 2);
    fx_png(dir, "ramp.png", W, H, 3, px);
    char p[600], msg[512];
    fx_path(p, sizeof p, dir, "ramp.png");
    float out[64 * 2 * 3];
    /* LINEAR: a symmetric normalised filter keeps a linear ramp linear away from the edges:
     * output pixel i is centred on source x = 8i + 3.5, i.e. byte value (8i + 3.5 - 0.5) / 2
     * averaged over the pair structure = 4i + 1.5 (bytes 4i .. 4i+3 each twice). */
    for (int fl = 0; fl <= IMAGE_FILTER_CATMULLROM; fl++) {
        image_opts o = image_opts_default(64, 2);
        o.colorspace = IMAGE_LINEAR;
        o.filter = fl;
        CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
        float worst = 0;
        for (int i = 3; i < 61; i++)
            for (int y = 0; y < 2; y++) {
                float want = (4 * i + 1.5f) / 255.f;
                for (int c = 0; c < 3; c++) {
                    float d = fabsf(out[(y * 64 + i) * 3 + c] - want);
                    if (d > worst) worst = d;
                }
            }
        if (worst > 2e-3) fprintf(stderr, "filter %d: worst %g\n", fl, worst);
        CHECK(worst <= 2e-3);
    }
    /* sRGB (default): the ramp is averaged in linear light. With a box filter on exact
     * 8-pixel blocks the expected value is the sRGB encoding of the mean linear value. */
    image_opts o = image_opts_default(64, 2);
    o.filter = IMAGE_FILTER_BOX;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
    float worst = 0;
    for (int i = 1; i < 63; i++) {
        float m = 0;
        for (int b = 4 * i; b < 4 * i + 4; b++) m += srgb_to_lin(b / 255.f) / 4;
        float d = fabsf(out[i * 3] - lin_to_srgb(m));
        if (d > worst) worst = d;
    }
    CHECK_NEAR(worst, 0, 2e-3);
    /* No resizing in sRGB mode: every byte value comes back as v / 255 through linearise ->
     * encode (the encoder's table interpolation is within 1e-4 of the formula). */
    unsigned char *all = malloc(256 * 8 * 3);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 256; x++)
            for (int c = 0; c < 3; c++) all[(y * 256 + x) * 3 + c] = (unsigned char)(c == 1 ? 255 - x : x);
    fx_png(dir, "all_bytes.png", 256, 8, 3, all);
    char pa[600];
    fx_path(pa, sizeof pa, dir, "all_bytes.png");
    float *rt = malloc(256 * 8 * 3 * sizeof *rt);
    CHECK_EQ_INT(image_load_rgb(pa, 256, 8, 1.0f, rt, msg, sizeof msg), XP_OK);
    float wrt = 0;
    for (int i = 0; i < 256 * 8; i++) {
        int x = i % 256;
        float d0 = fabsf(rt[i * 3] - x / 255.f), d1 = fabsf(rt[i * 3 + 1] - (255 - x) / 255.f);
        if (d0 > wrt) wrt = d0;
        if (d1 > wrt) wrt = d1;
    }
    CHECK_NEAR(wrt, 0, 1e-4);
    free(rt);
    /* default filter: monotone non-decreasing, within [0, 1] */
    o = image_opts_default(64, 2);
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
    int mono = 1;
    for (int i = 1; i < 64; i++) mono &= out[i * 3] >= out[(i - 1) * 3] - 1e-6f;
    CHECK(mono);
    /* Upscaling a 2-pixel ramp (0, 255) to 9: Catmull-Rom is interpolating, ends clamp. */
    unsigned char two[6] = { 0, 0, 0, 255, 255, 255 };
    px = malloc(6);
    memcpy(px, two, 6);
    fx_png(dir, "two.png", 2, 1, 3, px);
    fx_path(p, sizeof p, dir, "two.png");
    float up[9 * 3];
    o = image_opts_default(9, 1);
    o.colorspace = IMAGE_LINEAR;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, up, NULL, msg, sizeof msg), XP_OK);
    CHECK_NEAR(up[0], 0, 1e-4);
    CHECK_NEAR(up[8 * 3], 1, 1e-4);
    CHECK_NEAR(up[4 * 3], 0.5, 1e-4);
    for (int i = 1; i < 9; i++) CHECK(up[i * 3] >= up[(i - 1) * 3] - 1e-5f);
}

/* fit: crop keeps the largest centred region of the output's aspect ratio. Fixtures: a 60 x 20
 * picture red | green | blue in thirds and its 20 x 60 transpose (top to bottom), and a
 * 60 x 20 RGBA one whose centre is transparent. The centred square of each is exactly the
 * green third, so every output pixel is green, whatever the filter; a stretch shows all three
 * colours. An output of the picture's own aspect ratio crops nothing: crop equals stretch. */
static void test_crop(void)
{
    const int W = 60, H = 20;
    unsigned char *wide = malloc((size_t)W * H * 3), *tall = malloc((size_t)W * H * 3),
                  *holed = malloc((size_t)W * H * 4);
    if (!wide || !tall || !holed) exit(2);
    const unsigned char cols[3][3] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 } };
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++) {
                unsigned char v = cols[x / 20][c];
                wide[(y * W + x) * 3 + c] = v;
                tall[(x * H + y) * 3 + c] = v;          /* row x, column y of the 20 x 60 */
                holed[(y * W + x) * 4 + c] = v;
                holed[(y * W + x) * 4 + 3] = x / 20 == 1 ? 0 : 255;
            }
    fx_png(dir, "crop_wide.png", W, H, 3, wide);           /* fx_png frees each */
    fx_png(dir, "crop_tall.png", H, W, 3, tall);
    fx_png(dir, "crop_holed.png", W, H, 4, holed);
    char p[600], msg[512];
    float out[16 * 16 * 3], ref[16 * 16 * 3];
    const char *names[] = { "crop_wide.png", "crop_tall.png" };
    for (int f = 0; f < 2; f++) {
        fx_path(p, sizeof p, dir, names[f]);
        for (int cs = 0; cs < 2; cs++)
            for (int fl = 0; fl <= IMAGE_FILTER_CATMULLROM; fl++) {
                image_opts o = image_opts_default(8, 8);
                o.colorspace = cs;
                o.filter = fl;
                o.fit = IMAGE_FIT_CROP;
                image_info info;
                CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, &info, msg, sizeof msg), XP_OK);
                CHECK_NEAR(max_abs_diff_const(out, 64, 0, 1, 0), 0, 1e-4);
                CHECK_EQ_INT(info.width, f ? H : W);    /* the file's size, not the crop's */
                CHECK_EQ_INT(info.height, f ? W : H);
                o.fit = IMAGE_FIT_STRETCH;
                CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
                CHECK(max_abs_diff_const(out, 64, 0, 1, 0) > 0.9f);
                /* first and last pixel: red and blue, along x for the wide, y for the tall */
                CHECK_NEAR(out[0], 1, 1e-3);
                CHECK_NEAR(out[63 * 3 + 2], 1, 1e-3);
            }
    }
    /* The transparent centre is what a crop keeps: the background everywhere. */
    fx_path(p, sizeof p, dir, "crop_holed.png");
    image_opts o = image_opts_default(4, 4);
    o.fit = IMAGE_FIT_CROP;
    o.background = 0.5f;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
    CHECK_NEAR(max_abs_diff_const(out, 16, 0.5f, 0.5f, 0.5f), 0, 1e-4);
    /* A wide output of the picture's own 3:1 ratio: nothing is cut. */
    fx_path(p, sizeof p, dir, "crop_wide.png");
    o = image_opts_default(12, 4);
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, ref, NULL, msg, sizeof msg), XP_OK);
    o.fit = IMAGE_FIT_CROP;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
    CHECK(memcmp(out, ref, 12 * 4 * 3 * sizeof *out) == 0);
    /* A 2:1 output of the 3:1 picture: its centred 40 x 20, i.e. the red third's right half,
     * the green third, the blue third's left half: red at the left edge, green in the middle. */
    o = image_opts_default(16, 8);
    o.fit = IMAGE_FIT_CROP;
    o.filter = IMAGE_FILTER_BOX;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
    CHECK_NEAR(out[0], 1, 1e-4);                                  /* (0, 0) red */
    CHECK_NEAR(out[(4 * 16 + 8) * 3 + 1], 1, 1e-4);                /* (8, 4) green */
    CHECK_NEAR(out[(4 * 16 + 15) * 3 + 2], 1, 1e-4);               /* (15, 4) blue */
    /* An unknown fit is refused. */
    o.fit = 7;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_EINVAL);
    CHECK(strstr(msg, "fit") != NULL);
}

static void test_checkerboard(void)
{
    /* 1-pixel black/white checkerboard: linear light mean is 0.5 -> sRGB 0.7354; the naive
     * (LINEAR) mean is 0.5. */
    int W = 64;
    unsigned char *px = malloc((size_t)W * W * 3);
    for (int y = 0; y < W; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++) px[(y * W + x) * 3 + c] = ((x + y) & 1) ? 255 : 0;
    fx_png(dir, "checker.png", W, W, 3, px);
    char p[600], msg[512];
    fx_path(p, sizeof p, dir, "checker.png");
    float out[8 * 8 * 3];
    CHECK_EQ_INT(image_load_rgb(p, 8, 8, 1.0f, out, msg, sizeof msg), XP_OK);
    CHECK_NEAR(max_abs_diff_const(out, 64, lin_to_srgb(0.5f), lin_to_srgb(0.5f), lin_to_srgb(0.5f)), 0, 2e-3);
    image_opts o = image_opts_default(8, 8);
    o.colorspace = IMAGE_LINEAR;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
    CHECK_NEAR(max_abs_diff_const(out, 64, 0.5f, 0.5f, 0.5f), 0, 2e-3);
}

static void test_alpha_grey(void)
{
    char p[600], msg[512];
    /* RGBA: left half opaque red, right half fully transparent green (must not bleed). */
    int W = 64, H = 32;
    unsigned char *px = malloc((size_t)W * H * 4);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            unsigned char *q = px + (y * W + x) * 4;
            if (x < W / 2) { q[0] = 255; q[1] = 0; q[2] = 0; q[3] = 255; }
            else { q[0] = 0; q[1] = 255; q[2] = 0; q[3] = 0; }
        }
    fx_png(dir, "rgba_cap.png", W, H, 4, px);
    fx_path(p, sizeof p, dir, "rgba_cap.png");
    float out[16 * 8 * 3];
    image_info info;
    image_opts o = image_opts_default(16, 8);
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, &info, msg, sizeof msg), XP_OK);
    CHECK_EQ_INT(info.channels, 4);
    float gmax = 0;                               /* green above blue = the hidden green bled */
    for (int i = 0; i < 16 * 8; i++) if (out[i * 3 + 1] - out[i * 3 + 2] > gmax) gmax = out[i * 3 + 1] - out[i * 3 + 2];
    CHECK_NEAR(gmax, 0, 1e-4);
    CHECK_NEAR(out[(4 * 16 + 1) * 3 + 0], 1, 1e-4);   /* left: red */
    CHECK_NEAR(out[(4 * 16 + 1) * 3 + 2], 0, 1e-4);
    for (int c = 0; c < 3; c++) CHECK_NEAR(out[(4 * 16 + 14) * 3 + c], 1, 1e-4);  /* right: white */
    o.background = 0.0f;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
    for (int c = 0; c < 3; c++) CHECK_NEAR(out[(4 * 16 + 14) * 3 + c], 0, 1e-4);  /* black */
    CHECK_NEAR(out[(4 * 16 + 1) * 3 + 0], 1, 1e-4);

    /* Half-transparent black on white: linear light mix (1 - a) vs naive. */
    int half[4] = { 0, 0, 0, 128 };
    fx_png(dir, "half.png", 4, 4, 4, fx_const(4, 4, 4, half));
    fx_path(p, sizeof p, dir, "half.png");
    float a = 128 / 255.f;
    CHECK_EQ_INT(image_load_rgb(p, 4, 4, 1.0f, out, msg, sizeof msg), XP_OK);
    CHECK_NEAR(out[0], lin_to_srgb(1 - a), 1e-4);
    o = image_opts_default(4, 4);
    o.colorspace = IMAGE_LINEAR;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
    CHECK_NEAR(out[0], 1 - a, 1e-4);
    /* background 0.5 sRGB grey behind a fully transparent image */
    int clear[4] = { 10, 20, 30, 0 };
    fx_png(dir, "clear.png", 5, 5, 4, fx_const(5, 5, 4, clear));
    fx_path(p, sizeof p, dir, "clear.png");
    CHECK_EQ_INT(image_load_rgb(p, 3, 3, 0.5f, out, msg, sizeof msg), XP_OK);
    CHECK_NEAR(max_abs_diff_const(out, 9, 0.5f, 0.5f, 0.5f), 0, 1e-4);

    /* Grey and grey+alpha are expanded to RGB. */
    int g[1] = { 77 };
    fx_png(dir, "grey_panel.png", 10, 10, 1, fx_const(10, 10, 1, g));
    fx_path(p, sizeof p, dir, "grey_panel.png");
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, &info, msg, sizeof msg), XP_OK);
    CHECK_EQ_INT(info.channels, 1);
    CHECK_NEAR(max_abs_diff_const(out, 16, 77 / 255.f, 77 / 255.f, 77 / 255.f), 0, 1e-4);
    int ga[2] = { 0, 0 };
    fx_png(dir, "grey_alpha.png", 10, 10, 2, fx_const(10, 10, 2, ga));
    fx_path(p, sizeof p, dir, "grey_alpha.png");
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, &info, msg, sizeof msg), XP_OK);
    CHECK_EQ_INT(info.channels, 2);
    CHECK_NEAR(max_abs_diff_const(out, 16, 1, 1, 1), 0, 1e-4);   /* transparent -> white */
    fx_jpg(dir, "grey.jpg", 16, 16, 1, fx_const(16, 16, 1, g), 95);
    fx_path(p, sizeof p, dir, "grey.jpg");
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, &info, msg, sizeof msg), XP_OK);
    CHECK_NEAR(max_abs_diff_const(out, 16, 77 / 255.f, 77 / 255.f, 77 / 255.f), 0, 0.02);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void test_bad_files(void)
{
    char p[600], msg[512];
    float out[8 * 8 * 3];
    /* Truncated PNG and JPEG, garbage, empty file, text with an image extension. */
    int v[3] = { 1, 2, 3 };
    unsigned char *noise = malloc(200 * 200 * 3);
    uint32_t s = 12345;
    for (int i = 0; i < 200 * 200 * 3; i++) { s = s * 1103515245u + 12345u; noise[i] = (unsigned char)(s >> 16); }
    fx_png(dir, "big_noise.png", 200, 200, 3, noise);
    fx_truncated(dir, "big_noise.png", "cut.png", 0.5);
    fx_jpg(dir, "flat.jpg", 64, 64, 3, fx_const(64, 64, 3, v), 90);
    fx_truncated(dir, "flat.jpg", "cut.jpg", 0.05);
    fx_bytes(dir, "garbage.jpg", "\xff\xd8\xff\xe0 this is not a jpeg at all", 30);
    fx_bytes(dir, "empty.png", "", 0);
    fx_bytes(dir, "text.png", "just some text\n", 15);
    static const char *names[] = { "cut.png", "cut.jpg", "garbage.jpg", "empty.png", "text.png" };
    for (int i = 0; i < 5; i++) {
        fx_path(p, sizeof p, dir, names[i]);
        msg[0] = 0;
        int rc = image_load_rgb(p, 8, 8, 1.0f, out, msg, sizeof msg);
        if (rc != XP_EFORMAT) fprintf(stderr, "%s: rc %d (%s)\n", names[i], rc, msg);
        CHECK_EQ_INT(rc, XP_EFORMAT);
        CHECK_CONTAINS(msg, names[i]);
    }
    /* Headers claiming absurd sizes: refused from the header, before any pixel allocation
     * (under ASan a 30 GB malloc would abort the test; the time bound shows no work done). */
    fx_png_claiming(dir, "huge.png", 100000, 100000);
    fx_png_claiming(dir, "wide.png", 16000, 16000);          /* sides fine, 256 Mpixel not */
    fx_png_claiming(dir, "toowide.png", 20000, 10);
    fx_jpg_claiming(dir, "huge.jpg", 60000, 60000);
    fx_jpg_claiming(dir, "wide.jpeg", 12000, 12000);        /* 144 Mpixel */
    static const char *huge[] = { "huge.png", "wide.png", "toowide.png", "huge.jpg", "wide.jpeg" };
    for (int i = 0; i < 5; i++) {
        fx_path(p, sizeof p, dir, huge[i]);
        image_info info;
        image_opts o = image_opts_default(8, 8);
        double t0 = now();
        int rc = image_load_rgb_opts(p, &o, out, &info, msg, sizeof msg);
        CHECK_EQ_INT(rc, XP_EFORMAT);
        CHECK_CONTAINS(msg, "larger than allowed");
        CHECK_CONTAINS(msg, huge[i]);
        CHECK(now() - t0 < 0.5);
    }
    image_info info;
    image_opts o = image_opts_default(8, 8);
    fx_path(p, sizeof p, dir, "huge.png");
    image_load_rgb_opts(p, &o, out, &info, msg, sizeof msg);
    CHECK_EQ_INT(info.width, 100000);
    CHECK_EQ_INT(info.height, 100000);
    /* A small valid-looking claim with no data is just undecodable. */
    fx_png_claiming(dir, "small_claim.png", 4, 4);
    fx_path(p, sizeof p, dir, "small_claim.png");
    CHECK_EQ_INT(image_load_rgb(p, 8, 8, 1.0f, out, msg, sizeof msg), XP_EFORMAT);

    /* Files that are not there or not files; options out of range. */
    fx_path(p, sizeof p, dir, "missing.png");
    CHECK_EQ_INT(image_load_rgb(p, 8, 8, 1.0f, out, msg, sizeof msg), XP_ENOTFOUND);
    CHECK_CONTAINS(msg, "missing.png");
    fx_path(p, sizeof p, dir, "folder.png");
    CHECK_EQ_INT(image_load_rgb(p, 8, 8, 1.0f, out, msg, sizeof msg), XP_EIO);
    fx_path(p, sizeof p, dir, "ion_thruster.png");
    CHECK_EQ_INT(image_load_rgb(p, 0, 8, 1.0f, out, msg, sizeof msg), XP_EINVAL);
    CHECK_EQ_INT(image_load_rgb(p, 8, IMAGE_MAX_OUT_SIDE + 1, 1.0f, out, msg, sizeof msg), XP_EINVAL);
    CHECK_EQ_INT(image_load_rgb(p, 8, 8, 1.5f, out, msg, sizeof msg), XP_EINVAL);
    CHECK_EQ_INT(image_load_rgb(p, 8, 8, NAN, out, msg, sizeof msg), XP_EINVAL);
    o = image_opts_default(8, 8);
    o.filter = 99;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_EINVAL);
    /* File size limit of image_read_file, and reading for hashing. */
    unsigned char *buf;
    size_t n;
    CHECK_EQ_INT(image_read_file(p, 10, &buf, &n, msg, sizeof msg), XP_EFORMAT);
    CHECK(buf == NULL);
    CHECK_EQ_INT(image_read_file(p, 0, &buf, &n, msg, sizeof msg), XP_OK);
    CHECK(n > 8 && buf[1] == 'P' && buf[2] == 'N' && buf[3] == 'G');
    /* decode from memory gives the same as from the file */
    float a[8 * 8 * 3], b[8 * 8 * 3];
    CHECK_EQ_INT(image_decode_rgb(buf, n, "mem", &o, a, NULL, msg, sizeof msg), XP_EINVAL);  /* filter 99 */
    o = image_opts_default(8, 8);
    CHECK_EQ_INT(image_decode_rgb(buf, n, "mem", &o, a, NULL, msg, sizeof msg), XP_OK);
    CHECK_EQ_INT(image_load_rgb(p, 8, 8, 1.0f, b, msg, sizeof msg), XP_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK_EQ_INT(image_decode_rgb(buf, 20, "short", &o, a, NULL, msg, sizeof msg), XP_EFORMAT);
    CHECK_CONTAINS(msg, "short");
    CHECK_EQ_INT(image_decode_rgb(NULL, 0, "none", &o, a, NULL, msg, sizeof msg), XP_EFORMAT);
    free(buf);
    /* msg may be NULL / cap 0 */
    fx_path(p, sizeof p, dir, "garbage.jpg");
    CHECK_EQ_INT(image_load_rgb(p, 8, 8, 1.0f, out, NULL, 0), XP_EFORMAT);
}

/* A large image: box pre-shrink path, and a time figure for the log. */
static void test_large(void)
{
    int W = 1500, H = 1000;
    unsigned char *px = malloc((size_t)W * H * 3);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            unsigned char *q = px + ((size_t)y * W + x) * 3;
            q[0] = (unsigned char)(x * 255 / (W - 1));
            q[1] = (unsigned char)(y * 255 / (H - 1));
            q[2] = 128;
        }
    fx_jpg(dir, "large.jpg", W, H, 3, px, 90);
    char p[600], msg[512];
    fx_path(p, sizeof p, dir, "large.jpg");
    float out[64 * 64 * 3];
    double t0 = now();
    image_opts o = image_opts_default(64, 64);
    o.colorspace = IMAGE_LINEAR;
    CHECK_EQ_INT(image_load_rgb_opts(p, &o, out, NULL, msg, sizeof msg), XP_OK);
    fprintf(stderr, "1500x1000 JPEG -> 64x64: %.1f ms\n", (now() - t0) * 1e3);
    /* red follows x, green follows y (the JPEG is lossy: 0.02) */
    float worst = 0;
    for (int y = 2; y < 62; y++)
        for (int x = 2; x < 62; x++) {
            float wr = ((x + 0.5f) / 64 * W - 0.5f) / (W - 1);
            float wg = ((y + 0.5f) / 64 * H - 0.5f) / (H - 1);
            float d1 = fabsf(out[(y * 64 + x) * 3] - wr), d2 = fabsf(out[(y * 64 + x) * 3 + 1] - wg);
            if (d1 > worst) worst = d1;
            if (d2 > worst) worst = d2;
        }
    CHECK_NEAR(worst, 0, 0.02);
}

/* Inputs tests/fuzz/fuzz_image found; each failed on the code before its fix (here by its
 * message; under `make asan` UBSan stops on stb's out-of-bounds write). */
/* A scan naming a Huffman table that no DHT defined: stb 2.27 decoded it from uninitialised
 * heap memory (tests/fuzz/fuzz_image: UBSan index 964 out of bounds for stbi_uc[257], stb's
 * assert in stbi__jpeg_huff_decode in CI). A real file with its DHT segments cut out, and one
 * whose scan points its components at table 1, which the file never defines. */
static void test_undefined_huffman_table(const image_opts *o)
{
    float out[8 * 8 * 3];
    char msg[512], p[600];
    int v[3] = { 40, 90, 200 };
    fx_jpg(dir, "undef_src.jpg", 16, 16, 3, fx_const(16, 16, 3, v), 90);
    fx_path(p, sizeof p, dir, "undef_src.jpg");
    unsigned char *buf;
    size_t n;
    CHECK_EQ_INT(image_read_file(p, 0, &buf, &n, msg, sizeof msg), XP_OK);
    if (!buf) return;
    unsigned char *cut = malloc(n);
    CHECK(cut != NULL);
    if (!cut) { free(buf); return; }
    size_t i = 2, m = 2, sos = 0;
    memcpy(cut, buf, 2);
    while (i + 4 <= n && buf[i] == 0xFF) {             /* copy every segment up to SOS but DHT */
        size_t len = (size_t)buf[i + 2] << 8 | buf[i + 3];
        if (buf[i + 1] == 0xDA) { sos = m; memcpy(cut + m, buf + i, n - i); m += n - i; break; }
        if (buf[i + 1] != 0xC4) { memcpy(cut + m, buf + i, 2 + len); m += 2 + len; }
        i += 2 + len;
    }
    CHECK(sos > 0 && m < n);
    msg[0] = 0;
    CHECK_EQ_INT(image_decode_rgb(cut, m, "nodht.jpg", o, out, NULL, msg, sizeof msg), XP_EFORMAT);
    CHECK_CONTAINS(msg, "nodht.jpg: corrupt JPEG (scan 1 uses Huffman table DC 0, which no DHT segment before it defines)");
    /* The file itself decodes; its scan rewired to tables DC 2 / AC 2 (it defines 0 and 1) does not. */
    CHECK_EQ_INT(image_decode_rgb(buf, n, "undef_src.jpg", o, out, NULL, msg, sizeof msg), XP_OK);
    size_t at = 0;
    for (size_t k = 2; k + 1 < n && !at; k++)
        if (buf[k] == 0xFF && buf[k + 1] == 0xDA) at = k;
    CHECK(at > 0 && buf[at + 4] == 3);                 /* three components */
    if (at > 0 && buf[at + 4] == 3) {
        buf[at + 6] = 0x22;                            /* component 1: DC 2, AC 2 */
        msg[0] = 0;
        CHECK_EQ_INT(image_decode_rgb(buf, n, "rewired.jpg", o, out, NULL, msg, sizeof msg), XP_EFORMAT);
        CHECK_CONTAINS(msg, "uses Huffman table DC 2");
    }
    free(cut);
    free(buf);
}

static void test_fuzz_found(void)
{
    float out[8 * 8 * 3];
    char msg[512];
    image_opts o = image_opts_default(8, 8);
    /* A DHT table whose 16 code counts add up to more than 256 (here 16 x 17 = 272): stb 2.27
     * wrote the code sizes past its 257-entry array. Before the frame header (stbi_info
     * reads it) and after it, as a table id stb accepts (AC 3) and with counts of 255. */
    unsigned char dht[64] = { 0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x13, 0x00 };
    memset(dht + 7, 17, 16);
    msg[0] = 0;
    CHECK_EQ_INT(image_decode_rgb(dht, 23, "dht.jpg", &o, out, NULL, msg, sizeof msg), XP_EFORMAT);
    CHECK_CONTAINS(msg, "Huffman table with more than 256 codes");
    dht[6] = 0x13;
    memset(dht + 7, 255, 16);
    CHECK_EQ_INT(image_decode_rgb(dht, 23, "dht.jpg", &o, out, NULL, msg, sizeof msg), XP_EFORMAT);
    CHECK_CONTAINS(msg, "Huffman table with more than 256 codes");
    /* After a real file's frame header: the DHT segment of a valid JPEG, counts raised. */
    int v[3] = { 10, 200, 30 };
    fx_jpg(dir, "dht_src.jpg", 16, 16, 3, fx_const(16, 16, 3, v), 90);
    char p[600];
    fx_path(p, sizeof p, dir, "dht_src.jpg");
    unsigned char *buf;
    size_t n;
    CHECK_EQ_INT(image_read_file(p, 0, &buf, &n, msg, sizeof msg), XP_OK);
    CHECK_EQ_INT(image_decode_rgb(buf, n, "dht_src.jpg", &o, out, NULL, msg, sizeof msg), XP_OK);
    size_t at = 0;
    for (size_t i = 2; i + 1 < n && !at; i++)
        if (buf[i] == 0xFF && buf[i + 1] == 0xC4) at = i;
    CHECK(at > 0);
    if (at) {
        memset(buf + at + 5, 0xFF, 16);     /* first table's counts: 16 x 255 */
        msg[0] = 0;
        CHECK_EQ_INT(image_decode_rgb(buf, n, "dht_src.jpg", &o, out, NULL, msg, sizeof msg), XP_EFORMAT);
        CHECK_CONTAINS(msg, "Huffman table with more than 256 codes");
    }
    free(buf);
    /* A PNG whose IDAT chunk states 1.7 GB, in a 60-byte file: stb reallocated its buffer to
     * that size before finding the data missing (6 s and 260 MB under ASan; "out of
     * memory" for the whole run where such an allocation is refused). */
    unsigned char png[60] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                              0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 5, 0, 0, 0, 7, 8, 6, 0, 0, 0,
                              0x6a, 0x6f, 0x75, 0x74,                  /* CRC (not checked) */
                              0x65, 0x58, 0x00, 0x00, 'I', 'D', 'A', 'T', 0x78, 0x5e, 0x63, 0x60 };
    double t0 = now();
    msg[0] = 0;
    CHECK_EQ_INT(image_decode_rgb(png, sizeof png, "idat.png", &o, out, NULL, msg, sizeof msg), XP_EFORMAT);
    CHECK_CONTAINS(msg, "truncated or corrupt PNG");
    CHECK(now() - t0 < 0.5);
    /* Exactly 256 codes is what the standard allows: not refused by that check. */
    memset(dht + 7, 16, 16);
    dht[6] = 0x00;
    msg[0] = 0;
    image_decode_rgb(dht, 23, "dht256.jpg", &o, out, NULL, msg, sizeof msg);
    CHECK(strstr(msg, "Huffman table") == NULL);
    test_undefined_huffman_table(&o);
}

int main(void)
{
    make_fixtures();
    test_resolver();
    test_constant();
    test_gradient();
    test_crop();
    test_checkerboard();
    test_alpha_grey();
    test_bad_files();
    test_large();
    test_fuzz_found();
    fx_rmrf(root);
    return check_done();
}
