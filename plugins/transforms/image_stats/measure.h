/* measure.h — the numbers image_stats reads off one picture: the object against a backdrop
 * fitted to the picture's border ring (its size, colour, texture and surface).
 *
 *     im_scratch w = { 0 };
 *     double feat[IM_N_FEAT];
 *     int found = im_measure(px, IM_HWC, width, height, 0.06, 0.12, &w, feat);  // -1: no memory
 *     im_scratch_free(&w);
 *
 * The object is the part of the mask (pixels unlike the backdrop) in the connected region,
 * gaps up to 3% of the short side closed, nearest the picture's centre: a product photo
 * centres its subject, and a stray blob elsewhere (another object, a reflection, a textured
 * patch of backdrop) is not part of it.
 *
 * px holds width × height RGB pixels in [0, 1] (IM_HWC: 3 floats per pixel, row-major;
 * IM_CHW: three planes); non-finite values count as 0. Lengths are in units of the picture's
 * short side and areas in its square, so a square picture reads as it did when image_stats
 * only read square pixel tables, and a wide picture's part is measured against its height,
 * not stretched. What each number means: image_stats.c. The scratch grows to the largest
 * picture seen and is reused. Returns 1 when an object was found, 0 when not (feat[IM_FILL]
 * = 0 or the share found, every other number NaN), -1 when out of memory (feat all NaN).
 */
#ifndef XP_IMAGE_STATS_MEASURE_H
#define XP_IMAGE_STATS_MEASURE_H

#include <stddef.h>
#include <stdint.h>

enum { IM_CHW, IM_HWC };

enum { IM_FILL, IM_SPREAD, IM_REACH50, IM_REACH90, IM_BOX, IM_RED, IM_GREEN, IM_BLUE, IM_LIGHT,
       IM_LIGHT_SD, IM_EDGES, IM_CONTRAST, IM_SATURATION, IM_BRIGHT_TAIL, IM_DARK_TAIL, IM_FINE,
       IM_COHERENCE, IM_GRAIN, IM_DETAIL, IM_SHADING, IM_UNEVEN, IM_DARK_REL, IM_SAT_P90, IM_N_FEAT };

/* Column suffixes, by the enum above. */
extern const char *const im_feat_names[IM_N_FEAT];

typedef struct im_scratch {
    size_t cap;             /* pixels the arrays hold */
    double *px;             /* cap × 3, HWC */
    double *res;            /* largest relative difference from the backdrop */
    unsigned char *mask;
    double *tmp, *xs, *ys;  /* quantile work */
    double *light, *sat;    /* the object pixels' brightness and saturation */
    double *lap;            /* interior pixels' |Laplacian| (for its median) */
    unsigned char *grown;   /* the mask dilated (gaps closed) */
    unsigned char *rows;    /* the mask dilated along rows only */
    int32_t *label;         /* its 8-connected regions */
    int32_t *queue;         /* flood fill work */
} im_scratch;

int im_measure(const float *px, int layout, size_t width, size_t height, double border,
               double min_contrast, im_scratch *w, double feat[IM_N_FEAT]);
void im_scratch_free(im_scratch *w);

#endif
