/* fuzz_resolve.c — libFuzzer harness for the description -> image-file resolver
 * (plugins/encoders/common/image_io.c: image_index_open lists spacecraft_images/, then
 * image_index_find maps a row's description to <slug>.<ext>, as image_pixels does per row).
 *
 *     make fuzz FUZZ_SECONDS=60                       # every harness, as CI runs them
 *     ninja -C build-fuzz tests/fuzz/fuzz_resolve
 *     build-fuzz/tests/fuzz/fuzz_resolve -max_total_time=60 /tmp/resolve_work \
 *         tests/fuzz/corpus/resolve
 *
 * Input format (text, one item per line), the folder's entries, a line "%%", descriptions:
 *
 *     ion_thruster-mk2.jpg        a regular (empty) file
 *     Heat_Shield_Tile.PNG
 *     link.jpg -> ion_thruster-mk2.jpg   a symbolic link (target relative to the folder;
 *     out.png -> ../outside.png          ../outside.png is a real file outside the folder)
 *     nested.jpg/                 a directory
 *     %%
 *     Ion Thruster-Mk2            a description, looked up with image_index_find
 *
 * Without "%%" every line is a description and the folder holds the entries above. The
 * folder is made afresh for each input (in a private temporary folder), so the fuzzer
 * explores the listing (extensions, duplicates, symlinks) as well as the matching.
 * Checked besides memory safety (the header's promises, image_io.h):
 *  - a description containing '/' never resolves;
 *  - a resolved path is a regular file inside the folder (never outside, whatever the
 *    description or the symlinks), and image_index_resolve / image_resolve agree with it;
 *  - for a regular file the match is explained: EXACT / TRIMMED means the file's name
 *    (lower case, without extension) is the description lower-cased with ' ' -> '_' and
 *    each '-' as '_', dropped or kept (after trimming for TRIMMED); LOOSE means both are
 *    equal once '_', '-' and white space are removed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_io.h"
#include "xp/error.h"

static char top[256], dir[300], realdir[PATH_MAX];

#define REQUIRE(cond, ...)                                                             \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz_resolve: %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
            abort();                                                                   \
        }                                                                              \
    } while (0)

static const char default_entries[] =
    "ion_thruster-mk2.jpg\nheat_shield_tile.jpg\nheatshield_tile.png\nstar-tracker.JPEG\n"
    "dup.jpg\ndup.png\nab_c.jpg\na_bc.png\nlink.jpg -> dup.png\nout.png -> ../outside.png\n";

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) rm_tree(sub);
            else unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

static void cleanup(void) { rm_tree(top); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Every input writes files: a memory file system (/dev/shm) runs 2-3x more of them. */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(top, sizeof top, "%s/xp_fuzz_resolve.XXXXXX", tmp);
    if (!mkdtemp(top)) {
        perror("fuzz_resolve: mkdtemp");
        exit(1);
    }
    atexit(cleanup);
    snprintf(dir, sizeof dir, "%s/images", top);
    char outside[300];
    snprintf(outside, sizeof outside, "%s/outside.png", top);
    FILE *f = fopen(outside, "w");
    if (!f) exit(1);
    fclose(f);
    return 0;
}

/* Creates one entry from a line: "name", "name/" (a folder) or "name -> target". */
static void make_entry(const char *line)
{
    char name[256];
    const char *arrow = strstr(line, " -> ");
    size_t n = arrow ? (size_t)(arrow - line) : strlen(line);
    int is_dir = !arrow && n > 1 && line[n - 1] == '/';
    if (is_dir) n--;
    if (n == 0 || n >= sizeof name) return;
    memcpy(name, line, n);
    name[n] = '\0';
    if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (arrow) {
        if (symlink(arrow + 4, path) != 0) return;
    } else if (is_dir) {
        mkdir(path, 0700);
    } else {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd >= 0) close(fd);
    }
}

static void norm(const char *s, size_t n, int hyphen, char *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ') c = '_';
        else if (c == '-') {
            if (hyphen == 1) continue;
            if (hyphen == 0) c = '_';
        } else if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        *out++ = c;
    }
    *out = 0;
}

static int sp(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static void loose(const char *s, char *out)
{
    for (; *s; s++)
        if (*s != '_' && *s != '-' && !sp(*s)) *out++ = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
    *out = 0;
}

/* Is the match `how` of desc to the file `name` (in the folder) explained by the rule? */
static int explained(const char *desc, const char *name, int how)
{
    size_t dlen = strlen(desc);
    const char *dot = strrchr(name, '.');
    char stem[256], buf[8200], l2[256];
    if (!dot || dot == name || (size_t)(dot - name) >= sizeof stem || dlen >= sizeof buf) return 0;
    size_t sl = (size_t)(dot - name);
    for (size_t i = 0; i < sl; i++) stem[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] - 'A' + 'a') : name[i];
    stem[sl] = 0;
    int kind = IMAGE_MATCH_KIND(how);
    if (kind == IMAGE_MATCH_LOOSE) {
        loose(desc, buf);
        loose(stem, l2);
        return !strcmp(buf, l2);
    }
    if (kind != IMAGE_MATCH_EXACT && kind != IMAGE_MATCH_TRIMMED) return 0;
    size_t b = 0, e = dlen;
    if (kind == IMAGE_MATCH_TRIMMED) {
        while (b < e && sp(desc[b])) b++;
        while (e > b && sp(desc[e - 1])) e--;
    }
    for (int hy = 0; hy < 3; hy++) {
        norm(desc + b, e - b, hy, buf);
        if (!strcmp(buf, stem)) return 1;
    }
    return 0;
}

/* The folder entry (a file, or a symlink to it) whose name explains desc -> p. */
static void check_explained(const char *desc, const char *p, int how)
{
    DIR *d = opendir(dir);
    REQUIRE(d, "cannot list %s", dir);
    int ok = 0;
    struct dirent *de;
    while (!ok && (de = readdir(d)) != NULL) {
        char full[PATH_MAX], real[PATH_MAX];
        snprintf(full, sizeof full, "%s/%s", realdir, de->d_name);
        if (realpath(full, real) && !strcmp(real, p)) ok = explained(desc, de->d_name, how);
    }
    closedir(d);
    REQUIRE(ok, "'%s' -> '%s' (how %d) is not explained by the rule", desc, p, how);
}

static void lookup(const image_index *ix, const char *desc, int first)
{
    int how = -1;
    const char *p = image_index_find(ix, desc, &how);
    if (strchr(desc, '/')) REQUIRE(!p, "'%s' contains '/' but resolved to %s", desc, p);
    char path[PATH_MAX];
    int rc = image_index_resolve(ix, desc, path, sizeof path);
    if (!p) {
        REQUIRE(how == IMAGE_MATCH_NONE, "'%s': not found but how = %d", desc, how);
        REQUIRE(rc == XP_ENOTFOUND, "'%s': resolve says %d", desc, rc);
        return;
    }
    REQUIRE(rc == XP_OK && !strcmp(path, p), "'%s': resolve gives '%s', find '%s'", desc, path, p);
    size_t rl = strlen(realdir);
    REQUIRE(!strncmp(p, realdir, rl) && p[rl] == '/', "'%s' resolved outside the folder: %s", desc, p);
    REQUIRE(!strstr(p + rl, "/../") && !strstr(p + rl, "/./"), "'%s' -> %s", desc, p);
    struct stat st;
    REQUIRE(stat(p, &st) == 0 && S_ISREG(st.st_mode), "'%s' -> %s is not a regular file", desc, p);
    check_explained(desc, p, how);
    if (first) {
        char again[PATH_MAX];
        REQUIRE(image_resolve(dir, desc, again, sizeof again) == XP_OK && !strcmp(again, p),
                "'%s': image_resolve disagrees", desc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192) return -1;   /* one description of this size says all a longer one would */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* The folder's entries: the input's lines before "%%", or the defaults. */
    char *descs = text;
    char *sep = !strncmp(text, "%%\n", 3) ? text : strstr(text, "\n%%\n");
    rm_tree(dir);
    if (mkdir(dir, 0700) != 0) abort();
    char *entries = NULL;
    if (sep) {
        *sep = '\0';
        entries = text;
        descs = sep + (sep == text ? 3 : 4);
    }
    char *defaults = strdup(default_entries);
    char *list = entries ? entries : defaults;
    int made = 0;
    for (char *save = NULL, *line = strtok_r(list, "\n", &save); line && made < 64;
         line = strtok_r(NULL, "\n", &save), made++)
        make_entry(line);
    free(defaults);
    if (!realpath(dir, realdir)) abort();

    image_index *ix = NULL;
    char msg[512];
    REQUIRE(image_index_open(dir, &ix, msg, sizeof msg) == XP_OK, "%s", msg);
    image_index_stats st;
    image_index_stats_get(ix, &st);
    REQUIRE(!strcmp(image_index_dir(ix), realdir), "index dir %s", image_index_dir(ix));
    /* Each line is a description (a NUL in the input ends the list: C strings). */
    int n = 0;
    for (char *line = descs; line && n < 64; n++) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        lookup(ix, line, n == 0);
        line = nl ? nl + 1 : NULL;
    }
    image_index_close(ix);
    free(text);
    return 0;
}
