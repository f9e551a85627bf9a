/* tools/gen_demo/images.c — writes spacecraft_images/<slug>.<ext>, one per description that
 * appears in the table (a few items deliberately get no file).
 *
 *     long n = gd_images_write(&opt, items, n_items);
 *
 * Workers take items from a shared counter; every image has its own random stream, so the
 * files do not depend on the thread count. Encoding uses Debian's libstb (stb_image_write).
 */
#include "gd.h"

#include <errno.h>
#include <pthread.h>
#include <stb/stb_image_write.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const gd_options *o;
    const gd_item *items;
    long n_items;
    long next;
    long written;
    pthread_mutex_t lock;
    int failed;
    char error[4200];
} shared_t;

static int wanted(const gd_item *it) { return it->img_kind != GD_IMG_NONE && it->n_desc_rows > 0; }

static void *work(void *arg)
{
    shared_t *sh = arg;
    for (;;) {
        pthread_mutex_lock(&sh->lock);
        long i = sh->next++;
        int stop = sh->failed;
        pthread_mutex_unlock(&sh->lock);
        if (i >= sh->n_items || stop) break;
        const gd_item *it = &sh->items[i];
        if (!wanted(it)) continue;
        gd_image im;
        char path[4200];
        snprintf(path, sizeof path, "%s/spacecraft_images/%s%s", sh->o->out, it->slug,
                 gd_img_ext(it->img_kind));
        int ok = gd_render(it, i, sh->o->seed, sh->o->min_px, sh->o->max_px, &im) == 0;
        if (ok) {
            if (it->img_kind == GD_IMG_JPG || it->img_kind == GD_IMG_JPEG) {
                int quality = 70 + (int)(i * 2654435761u % 26); /* fixed per item */
                ok = stbi_write_jpg(path, im.w, im.h, im.ch, im.px, quality) != 0;
            } else {
                ok = stbi_write_png(path, im.w, im.h, im.ch, im.px, im.w * im.ch) != 0;
            }
            free(im.px);
        }
        pthread_mutex_lock(&sh->lock);
        if (ok) sh->written++;
        else if (!sh->failed) {
            sh->failed = 1;
            snprintf(sh->error, sizeof sh->error, "cannot write image %.4000s: %.150s", path,
                     errno ? strerror(errno) : "encoder failed");
        }
        pthread_mutex_unlock(&sh->lock);
    }
    return NULL;
}

long gd_images_write(const gd_options *o, const gd_item *items, long n_items)
{
    shared_t sh = {.o = o, .items = items, .n_items = n_items};
    pthread_mutex_init(&sh.lock, NULL);
    stbi_write_png_compression_level = 5; /* speed over size; still valid zlib */
    int nt = o->threads < 1 ? 1 : o->threads > 64 ? 64 : o->threads;
    pthread_t th[64];
    for (int t = 0; t < nt; t++)
        if (pthread_create(&th[t], NULL, work, &sh) != 0) gd_die("cannot start a thread");
    for (int t = 0; t < nt; t++) pthread_join(th[t], NULL);
    pthread_mutex_destroy(&sh.lock);
    if (sh.failed) gd_die("%s", sh.error);
    return sh.written;
}
