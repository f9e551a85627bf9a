/* image_io.h — images for the encoder plugins: description -> file, file -> float RGB tensor.
 *
 * A static library (`enc_common_dep` in meson) linked into the image encoders
 * (image_pixels, image_mobilenet). Built with hidden visibility: nothing here is exported
 * from a plugin .so. Decoding is stb_image (JPEG and PNG only), resizing stb_image_resize.
 *
 *     image_index *ix;
 *     char msg[512];
 *     if (image_index_open("data/spacecraft_images", &ix, msg, sizeof msg)) fail(msg);
 *     const char *path = image_index_find(ix, "Ion Thruster-Mk2", NULL);  // NULL: no file
 *     float px[64 * 64 * 3];
 *     if (path && image_load_rgb(path, 64, 64, 1.0f, px, msg, sizeof msg) == 0) ...
 *     image_index_close(ix);
 *
 * Resolving (the real data's rule, challenge-data.md): the description is lower-cased
 * (ASCII), spaces become '_', and a hyphen is tried as '_', dropped, and kept (in that
 * order); the result is matched case-insensitively against the folder's `.jpg`, `.jpeg` and
 * `.png` files (extension case ignored). If no name matches exactly, the same is tried with
 * surrounding white space trimmed, then a "loose" match: the name with every '_', '-' and
 * white space removed, accepted only when exactly one file has that loose name (this
 * catches descriptions whose hyphens were treated inconsistently within one name). When one
 * name has several files (x.jpg and x.png), the first of .jpg, .jpeg, .png wins, then the
 * byte order of the file names.
 *
 * Safety: the folder is listed once at open; a description is only ever compared with
 * those names and never becomes part of a path, so no description ("../etc/passwd",
 * "/abs", "a/../../b", embedded NUL) can make the resolver name a file outside the folder.
 * Symbolic links in the folder are followed only when their target (realpath) is a regular
 * file inside the folder; others are skipped (counted in image_index_stats).
 *
 * Decoding (image_load_rgb / image_decode_rgb): the header is read first and images wider
 * or taller than IMAGE_MAX_SIDE or larger than IMAGE_MAX_PIXELS are refused before any pixel
 * buffer is allocated; files above IMAGE_MAX_FILE_BYTES are refused before reading. Grey is
 * expanded to RGB, an alpha channel is composited onto a uniform grey `background` (0 black
 * … 1 white), and the image is resized to w × h: stretched, aspect ratio not kept
 * (IMAGE_FIT_STRETCH, the default), or its largest centred region of the output's aspect
 * ratio is cut out first (IMAGE_FIT_CROP: what the part shows relative to the short side,
 * its apparent size, survives any aspect ratio; a stretch distorts it by up to the ratio).
 *
 * Colour: by default (IMAGE_SRGB) resizing and alpha compositing happen in linear light
 * (8-bit sRGB values are linearised, filtered with premultiplied alpha, composited, then
 * encoded back to sRGB), so a downscaled checkerboard keeps its brightness and dark fringes
 * do not appear around transparent edges. IMAGE_LINEAR treats the 8-bit values as linear,
 * as PIL / TensorFlow resize do (use it to match a network's training pipeline exactly).
 * Filter: for downscaling a box pre-shrink by the integer factor floor(src / (2·dst)) (exact
 * area average), then Mitchell-Netravali (B = C = 1/3) for the rest; for upscaling
 * Catmull-Rom (stb_image_resize's defaults). Edges are clamped. Output: float RGB in [0, 1]
 * (sRGB-encoded unless IMAGE_LINEAR), HWC order (row-major, 3 floats per pixel).
 * EXIF orientation is ignored (stb_image does not read it).
 *
 * Errors: functions return 0 (XP_OK) or a negative XP_E* code (xp/error.h) and write a
 * message naming the file into msg (cap bytes, may be 0). Nothing writes to stderr.
 * Thread safety: an open index is read-only, so image_index_find may be called from many
 * threads at once; the decode functions share no state.
 */
#ifndef XP_ENC_IMAGE_IO_H
#define XP_ENC_IMAGE_IO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IMAGE_MAX_SIDE 16384                    /* pixels per side, from the header */
#define IMAGE_MAX_PIXELS (64u * 1024u * 1024u)  /* width × height, from the header */
#define IMAGE_MAX_FILE_BYTES (256u * 1024u * 1024u)
#define IMAGE_MAX_OUT_SIDE 4096                 /* largest w or h a caller may ask for */

/* ------------------------------------------------------------------ resolving */

typedef struct image_index image_index;

/* How image_index_find matched (optional out parameter). */
enum {
    IMAGE_MATCH_NONE = 0,
    IMAGE_MATCH_EXACT = 1,   /* lower case, ' ' -> '_', hyphen as '_', dropped or kept */
    IMAGE_MATCH_TRIMMED = 2, /* the same after trimming surrounding white space */
    IMAGE_MATCH_LOOSE = 3,   /* unique match ignoring '_', '-' and white space */
    /* Flag or'ed onto EXACT / TRIMMED: another hyphen variant names a different file too
     * ("Heat-Shield Tile" -> heat_shield_tile.jpg, but heatshield_tile.png exists): the first
     * variant in the order '_', dropped, kept was taken. Worth counting on real data. */
    IMAGE_MATCH_AMBIGUOUS = 0x100
};
#define IMAGE_MATCH_KIND(how) ((how) & 0xff)

typedef struct image_index_stats {
    size_t files;           /* image files indexed (distinct names) */
    size_t duplicates;      /* files hidden by another file of the same name (x.png beside x.jpg) */
    size_t skipped;         /* entries ignored: other extensions, directories, unsafe symlinks */
} image_index_stats;

/* Lists `dir` once (image files only) into a new index (*out; free with image_index_close).
 * XP_EIO if the folder cannot be read, XP_ENOMEM. An empty folder is a valid, empty index. */
int image_index_open(const char *dir, image_index **out, char *msg, size_t cap);
void image_index_close(image_index *ix);

/* The file for a description: its path (borrowed from the index, valid until close), or
 * NULL when no file matches (also for NULL/empty descriptions and any containing '/').
 * *how (may be NULL) receives an IMAGE_MATCH_* value (IMAGE_MATCH_KIND(how)), possibly with
 * the IMAGE_MATCH_AMBIGUOUS flag. Thread-safe. */
const char *image_index_find(const image_index *ix, const char *description, int *how);

/* image_index_find that also gives the file's name in the folder (*name, borrowed like the
 * path; NULL when nothing matches): the name the resolver matched — for a symbolic link the
 * link's own name, not its target's. A folder holding files of these names resolves every
 * description to the same name again (the host keeps a run's images by name: host.h,
 * input_used). */
const char *image_index_find_named(const image_index *ix, const char *description, int *how,
                                   const char **name);

/* image_index_find copying the path into path[cap]: 0 found, XP_ENOTFOUND not found,
 * XP_EINVAL if cap is too small (path then holds ""). */
int image_index_resolve(const image_index *ix, const char *description, char *path, size_t cap);

void image_index_stats_get(const image_index *ix, image_index_stats *out);

/* Keeps *ix a listing of `dir` for a plugin whose folder may change between calls (the host's
 * input_dir at predict): lists `dir` unless *ix was opened for it (*listed, a malloc'ed copy
 * of that name, kept beside *ix and freed with it by the caller), closing the old listing.
 * 1 listed anew, 0 unchanged, or a negative code (XP_EIO, XP_ENOMEM) with msg. */
int image_index_follow(image_index **ix, char **listed, const char *dir, char *msg, size_t cap);
/* The folder as opened (its realpath). */
const char *image_index_dir(const image_index *ix);

/* One-shot convenience: open `dir`, resolve, close. 0 found, XP_ENOTFOUND not found (also
 * when dir cannot be read), other negative codes for ENOMEM / a too small path buffer.
 * Lists the folder on every call: for many descriptions use an image_index. */
int image_resolve(const char *dir, const char *description, char *path, size_t cap);

/* ------------------------------------------------------------------ decoding */

enum { IMAGE_SRGB = 0, IMAGE_LINEAR = 1 };

enum {
    IMAGE_FILTER_DEFAULT = 0,   /* box pre-shrink + Mitchell down, Catmull-Rom up */
    IMAGE_FILTER_BOX = 1,
    IMAGE_FILTER_TRIANGLE = 2,  /* bilinear when upscaling */
    IMAGE_FILTER_MITCHELL = 3,
    IMAGE_FILTER_CATMULLROM = 4
};

enum { IMAGE_FIT_STRETCH = 0, IMAGE_FIT_CROP = 1 };

typedef struct image_opts {
    int w, h;               /* output size, 1 … IMAGE_MAX_OUT_SIDE */
    float background;       /* grey level behind transparent pixels, 0 … 1 (sRGB-encoded) */
    int colorspace;         /* IMAGE_SRGB (default) or IMAGE_LINEAR */
    int filter;             /* IMAGE_FILTER_* */
    int fit;                /* IMAGE_FIT_STRETCH (default) or IMAGE_FIT_CROP */
} image_opts;

/* Defaults: w × h, white background, IMAGE_SRGB, IMAGE_FILTER_DEFAULT, IMAGE_FIT_STRETCH. */
image_opts image_opts_default(int w, int h);

/* What the header says (filled by image_decode_rgb when info != NULL, also on a refusal). */
typedef struct image_info {
    int width, height;
    int channels;           /* in the file: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
} image_info;

/* Reads a whole regular file into a malloc'ed buffer (*buf, freed by the caller; *n bytes)
 * — e.g. to hash its content (host->sha256) and decode it without reading it twice.
 * Refuses files over max_bytes (0: IMAGE_MAX_FILE_BYTES) with XP_EFORMAT, non-regular
 * files with XP_EIO. */
int image_read_file(const char *path, size_t max_bytes, unsigned char **buf, size_t *n,
                    char *msg, size_t cap);

/* Decodes an in-memory JPEG or PNG (`name` is used in messages only) into out_hwc
 * (o->h × o->w × 3 floats). XP_EFORMAT for an undecodable or too large image, XP_EINVAL for
 * bad options, XP_ENOMEM. */
int image_decode_rgb(const unsigned char *buf, size_t n, const char *name, const image_opts *o,
                     float *out_hwc, image_info *info, char *msg, size_t cap);

/* The width and height of an in-memory JPEG or PNG, read from its header (no pixel is
 * decoded), refused as image_decode_rgb refuses it when larger than the limits: 0, or
 * XP_EFORMAT with a message naming `name`. For a caller that sizes its output from the
 * picture's own (image_stats: the short side kept, the aspect ratio too). */
int image_size_of(const unsigned char *buf, size_t n, const char *name, int *w, int *h,
                  char *msg, size_t cap);

/* Reads and decodes a file: image_read_file + image_decode_rgb with
 * image_opts_default(w, h) and the given background. */
int image_load_rgb(const char *path, int w, int h, float background, float *out_hwc,
                   char *msg, size_t cap);

/* image_load_rgb with all options. */
int image_load_rgb_opts(const char *path, const image_opts *o, float *out_hwc, image_info *info,
                        char *msg, size_t cap);

/* ------------------------------------------------------------------ running over pictures */

/* Calls fn(arg, k, &local) once for every k in [0, n), on `threads` threads (clamped to
 * 1 .. 16 and to n; the calling thread is one of them), each taking the next k from a
 * shared counter. `local` is the calling worker's own pointer (NULL at first) for scratch it
 * allocates and reuses; local_free (may be NULL) gets each worker's pointer at the end. A
 * thread that cannot be started leaves its share to the others. */
void image_for_each(size_t n, int threads, void (*fn)(void *arg, size_t k, void **local),
                    void (*local_free)(void *local), void *arg);

#ifdef __cplusplus
}
#endif

#endif
