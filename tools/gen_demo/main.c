/* tools/gen_demo/main.c — command line of the demo-data generator.
 *
 *     gen_demo --out data --seed 42            # default set: 40,292 rows, 6,000 items
 *     gen_demo --small --out /tmp/d --seed 7   # 3,000 rows, 400 items, for tests
 *
 * Writes <out>/candidates_data.csv, <out>/spacecraft_images/, <out>/ORACLE.json and
 * <out>/TRUTH.csv. Same seed and options give byte-identical files, whatever --threads.
 * Bad options exit with status 2 and a message naming the option.
 */
#include "gd.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void gd_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_demo: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gen_demo [options]\n"
            "  --rows N       rows of candidates_data.csv (default 40292)\n"
            "  --items N      distinct items = distinct descriptions (default 6000; <= rows/3)\n"
            "  --seed S       random seed, unsigned integer (default 42)\n"
            "  --out DIR      output folder (default data); old images in DIR/spacecraft_images\n"
            "                 (*.jpg, *.jpeg, *.png) are removed first\n"
            "  --min-size PX  smallest image side (default 96)\n"
            "  --max-size PX  largest image side (default 320)\n"
            "  --small        test set: 3000 rows, 400 items (unless --rows/--items given)\n"
            "  --threads N    worker threads (default: online CPUs, at most 8); output does not\n"
            "                 depend on it\n"
            "  --no-images    skip spacecraft_images/ (table, ORACLE.json, TRUTH.csv only)\n"
            "  --help         this text\n");
}

static void bad(const char *opt, const char *want, const char *got)
{
    fprintf(stderr, "gen_demo: %s: expected %s, got '%s'\n", opt, want, got ? got : "(nothing)");
    usage(stderr);
    exit(2);
}

static long long parse_int(const char *opt, const char *s, long long lo, long long hi)
{
    char want[96];
    snprintf(want, sizeof want, "an integer from %lld to %lld", lo, hi);
    if (!s || !*s) bad(opt, want, s);
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi) bad(opt, want, s);
    return v;
}

int gd_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
            buf[i] = c;
        }
    }
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static void clear_images(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || (strcmp(dot, ".jpg") && strcmp(dot, ".jpeg") && strcmp(dot, ".png"))) continue;
        snprintf(path, sizeof path, "%.3500s/%.255s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && unlink(path) != 0)
            gd_die("cannot remove old image %s: %s", path, strerror(errno));
    }
    closedir(d);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    gd_options o = {0};
    o.seed = 42;
    o.out = "data";
    o.min_px = 96;
    o.max_px = 320;
    o.holdout_frac = 0.2;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (int)ncpu;
    long rows = -1, items = -1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--small")) o.small = 1;
        else if (!strcmp(a, "--no-images")) o.no_images = 1;
        else if (!strcmp(a, "--rows")) rows = (long)parse_int(a, v, 200, 1000000), i++;
        else if (!strcmp(a, "--items")) items = (long)parse_int(a, v, 20, 3333333), i++;
        else if (!strcmp(a, "--seed"))
            o.seed = (uint64_t)parse_int(a, v, 0, 9223372036854775807LL), i++;
        else if (!strcmp(a, "--min-size")) o.min_px = (int)parse_int(a, v, 16, 2048), i++;
        else if (!strcmp(a, "--max-size")) o.max_px = (int)parse_int(a, v, 16, 2048), i++;
        else if (!strcmp(a, "--threads")) o.threads = (int)parse_int(a, v, 1, 64), i++;
        else if (!strcmp(a, "--out")) {
            if (!v || !*v) bad(a, "a folder name", v);
            o.out = v;
            i++;
        } else {
            fprintf(stderr, "gen_demo: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    o.rows = rows > 0 ? rows : o.small ? 3000 : 40292;
    o.items = items > 0 ? items : o.small ? 400 : 6000;
    if (o.min_px > o.max_px) {
        fprintf(stderr, "gen_demo: --min-size %d is larger than --max-size %d\n", o.min_px, o.max_px);
        return 2;
    }
    if (o.items * 3 > o.rows) {
        fprintf(stderr, "gen_demo: --items %ld: at most rows/3 = %ld items for %ld rows\n", o.items,
                o.rows / 3, o.rows);
        return 2;
    }

    double t0 = now();
    char path[4096];
    snprintf(path, sizeof path, "%s/spacecraft_images", o.out);
    if (strlen(path) > 3000) gd_die("--out path too long");
    if (gd_mkdirs(path) != 0) gd_die("cannot create folder %s: %s", path, strerror(errno));
    clear_images(path);

    gd_model_init();
    gd_item *it;
    gd_row *rw;
    long n_items, n_rows, n_clipped, redraws;
    gd_items_make(&o, &it, &n_items, &redraws);
    gd_rows_make(&o, it, n_items, &rw, &n_rows, &n_clipped);
    long n_desc = 0;
    for (long i = 0; i < n_items; i++) n_desc += it[i].n_desc_rows > 0;
    snprintf(path, sizeof path, "%s/candidates_data.csv", o.out);
    gd_csv_write(path, rw, n_rows, it);
    double t1 = now();
    fprintf(stderr, "gen_demo: %ld rows, %ld items, %ld distinct descriptions -> %s (%.1fs)\n",
            n_rows, n_items, n_desc, path, t1 - t0);

    long n_img = o.no_images ? 0 : gd_images_write(&o, it, n_items);
    double t2 = now();
    if (!o.no_images)
        fprintf(stderr, "gen_demo: %ld images -> %s/spacecraft_images (%.1fs)\n", n_img, o.out,
                t2 - t1);

    gd_oracle_write(&o, it, n_items, rw, n_rows, n_clipped, redraws, n_img, n_desc);
    fprintf(stderr, "gen_demo: %s/ORACLE.json, %s/TRUTH.csv (%.1fs); total %.1fs\n", o.out, o.out,
            now() - t2, now() - t0);
    free(it);
    free(rw);
    return 0;
}
