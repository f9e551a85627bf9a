/* fuzz_image.c — libFuzzer harness for the image decoder wrapper
 * (plugins/encoders/common/image_io.c: image_decode_rgb = our header check and size limits,
 * stb_image's JPEG/PNG decoders, the box pre-shrink, stb_image_resize, alpha compositing,
 * sRGB encoding).
 *
 *     make fuzz FUZZ_SECONDS=60                       # every harness, as CI runs them
 *     ninja -C build-fuzz tests/fuzz/fuzz_image
 *     build-fuzz/tests/fuzz/fuzz_image -max_total_time=60 -dict=tests/fuzz/image.dict \
 *         /tmp/image_work tests/fuzz/corpus/image
 *
 * The input is the whole image file, decoded from memory (as image_pixels does after
 * image_read_file) twice: 32 x 32 with the default options (the step-2 configs' size:
 * box pre-shrink + Mitchell, sRGB, white background), and 5 x 3 linear on a grey
 * background with a filter chosen by the input's length (every stb_image_resize filter,
 * upscaling and downscaling). Checked besides memory safety: a refusal always says why;
 * a decoded image never exceeds the documented limits (IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
 * every output value is a number in [0, 1].
 * The limits make the largest acceptable image 64 Mpixels, which decodes into ~1.3 GB
 * (8-bit RGBA plus the float copy); make fuzz runs with -rss_limit_mb=4096 for that reason.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_io.h"
#include "xp/error.h"

#define REQUIRE(cond, ...)                                                             \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz_image: %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
            abort();                                                                   \
        }                                                                              \
    } while (0)

static void decode(const uint8_t *data, size_t size, const image_opts *o)
{
    float out[32 * 32 * 3];
    char msg[512];
    msg[0] = '\0';
    image_info info;
    int rc = image_decode_rgb(data, size, "fuzz", o, out, &info, msg, sizeof msg);
    if (rc) {
        REQUIRE(rc == XP_EFORMAT || rc == XP_ENOMEM, "unexpected code %d (%s)", rc, msg);
        REQUIRE(msg[0], "refused without a message");
        return;
    }
    REQUIRE(info.width >= 1 && info.height >= 1 && info.width <= IMAGE_MAX_SIDE &&
                info.height <= IMAGE_MAX_SIDE &&
                (uint64_t)info.width * (uint64_t)info.height <= IMAGE_MAX_PIXELS,
            "decoded a %d x %d image", info.width, info.height);
    REQUIRE(info.channels >= 1 && info.channels <= 4, "%d channels", info.channels);
    size_t n = (size_t)o->w * (size_t)o->h * 3;
    for (size_t i = 0; i < n; i++)
        REQUIRE(out[i] >= 0.0f && out[i] <= 1.0f, "value %g at %zu (w %d h %d filter %d cs %d)",
                (double)out[i], i, o->w, o->h, o->filter, o->colorspace);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    image_opts a = image_opts_default(32, 32);
    decode(data, size, &a);
    image_opts b = image_opts_default(5, 3);
    b.colorspace = IMAGE_LINEAR;
    b.background = 0.5f;
    b.filter = (int)(size % 5);
    decode(data, size, &b);
    image_opts c = image_opts_default(7, 2);     /* a centred crop of any shape to 7:2 */
    c.fit = IMAGE_FIT_CROP;
    decode(data, size, &c);
    return 0;
}
