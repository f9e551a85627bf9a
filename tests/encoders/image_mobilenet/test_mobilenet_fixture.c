/* test_mobilenet_fixture.c — the converted MobileNetV2 (tools/weights/mobilenet_convert, run by
 * the torch shim) against TensorFlow.js's own output on the same input.
 *
 *     test_mobilenet_fixture WEIGHTS.xpw fixture_feature.txt
 *
 * fixture_feature.txt was made once by make_fixture.js with npm @tensorflow/tfjs@4.22.0 (pure
 * JS CPU backend) from the original graph model in nsfwjs@4.3.0: the 1792-d pooled feature of a
 * synthetic 224x224 image whose pixel (h, w, c) is ((h*7 + w*13 + c*71 + (h*w) % 37) % 256) / 255.
 * Every value must match to 1e-3 absolute. The same image is also run in a batch of 3 (next to
 * two other images) to check that batching does not change a row, and the three on 2 worker
 * threads (xpt_net_forward_parallel). Skips (77) when the weights are absent.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "torch_shim.h"

#define S 224
#define D 1792

static int fails;
#define CHECK(c)                                                                   \
    do {                                                                           \
        if (!(c)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
            fails++;                                                               \
        }                                                                          \
    } while (0)

static void make_image(float *x, int variant)
{
    for (int h = 0; h < S; h++)
        for (int w = 0; w < S; w++)
            for (int c = 0; c < 3; c++) {
                int k = variant == 0 ? (h * 7 + w * 13 + c * 71 + (h * w) % 37) % 256
                                     : (h * 3 * variant + w * 5 + c * 40 * variant) % 256;
                x[(h * S + w) * 3 + c] = (float)((double)k / 255.0);
            }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s WEIGHTS.xpw fixture_feature.txt\n", argv[0]);
        return 2;
    }
    if (access(argv[1], R_OK) != 0) {
        fprintf(stderr, "SKIP: %s is absent; fetch and convert the weights with `make weights` "
                        "(bash tools/weights/mobilenet.sh weights BUILD)\n", argv[1]);
        return 77;
    }
    static float want[D];
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#' && n < D) want[n++] = strtof(line, NULL);
    fclose(f);
    CHECK(n == D);

    xpt_err e;
    xpt_net *net = NULL;
    CHECK(xpt_set_threads(2, &e) == XP_OK);
    if (xpt_net_load(argv[1], &net, &e) != XP_OK) {
        fprintf(stderr, "load: %s\n", e.msg);
        return 1;
    }
    int h, w, c;
    xpt_net_input(net, &h, &w, &c);
    CHECK(h == S && w == S && c == 3);
    CHECK(xpt_net_out_dim(net) == D);

    float *x = malloc(sizeof(float) * 3 * S * S * 3), *got = malloc(sizeof(float) * 3 * D);
    make_image(x, 0);
    CHECK(xpt_net_forward(net, x, 1, S, S, got, &e) == XP_OK);
    double maxabs = 0, dot = 0, na = 0, nb = 0, maxv = 0;
    for (int i = 0; i < D; i++) {
        double d = fabs((double)got[i] - want[i]);
        if (d > maxabs) maxabs = d;
        dot += (double)got[i] * want[i];
        na += (double)got[i] * got[i];
        nb += (double)want[i] * want[i];
        if (want[i] > maxv) maxv = want[i];
    }
    printf("max |ours - tfjs| = %.3g over %d values (max value %.3f), cosine %.9f\n", maxabs, D, maxv,
           dot / sqrt(na * nb));
    CHECK(maxabs < 1e-3);

    /* Batch of 3: the fixture image in the middle. */
    make_image(x, 1);
    make_image(x + S * S * 3, 0);
    make_image(x + 2 * S * S * 3, 2);
    CHECK(xpt_net_forward(net, x, 3, S, S, got, &e) == XP_OK);
    double maxb = 0;
    for (int i = 0; i < D; i++) maxb = fmax(maxb, fabs((double)got[D + i] - want[i]));
    printf("batched: max |ours - tfjs| = %.3g\n", maxb);
    CHECK(maxb < 1e-3);

    /* The same 3 images, one per worker thread (each on one libtorch thread). */
    static float par[3 * D];
    CHECK(xpt_net_forward_parallel(net, x, 3, S, S, par, 2, &e) == XP_OK);
    double maxp = 0;
    for (int i = 0; i < 3 * D; i++) maxp = fmax(maxp, fabs((double)par[i] - got[i]));
    printf("parallel vs batched: max diff %.3g\n", maxp);
    CHECK(maxp < 1e-4);

    /* A size the network cannot pool to 1x1 is an error with a message, not a crash. */
    CHECK(xpt_net_forward(net, x, 1, 100, 100, got, &e) == XP_EINVAL && strstr(e.msg, "224"));
    free(x);
    free(got);
    xpt_net_free(net);
    if (fails) fprintf(stderr, "%d check(s) failed\n", fails);
    return fails ? 1 : 0;
}
