/* fuzz_config.c — libFuzzer harness for the YAML config loader (core/config.c): parsing,
 * `extends` across two files, command-line overrides, and printing back.
 *
 *     make fuzz FUZZ_SECONDS=60                       # every harness, as CI runs them
 *     ninja -C build-fuzz tests/fuzz/fuzz_config
 *     build-fuzz/tests/fuzz/fuzz_config -max_total_time=60 -dict=tests/fuzz/config.dict \
 *         /tmp/config_work tests/fuzz/corpus/config
 *
 * Input format: up to three parts separated by a line holding only "%%":
 *
 *     BASE YAML          -> written to <tmpdir>/base.yaml
 *     %%
 *     CHILD YAML         -> written to <tmpdir>/child.yaml, loaded with cfg_load_file
 *     %%
 *     OVERRIDES          -> one per line, applied in order with cfg_override
 *
 * With one part the input is the child alone (no base file); with two, base and child.
 * Why this format: `extends` resolves file names relative to the including file and follows
 * realpath() for cycle detection, so it needs real files; an in-memory variant would skip
 * exactly the code (join_dir, read_all, the cycle check, merge_into) worth fuzzing. Two named
 * files in one private folder let the fuzzer write `extends: base.yaml`, lists of bases,
 * self-extension (child -> child.yaml), cycles (base -> child.yaml) and missing files, while
 * everything else about the input stays plain YAML. "%%" on a line of its own is a YAML
 * directive marker, so it cannot be part of a document's content and the split is unambiguous.
 * Seeds (tests/fuzz/corpus/config) are real configs in this format.
 *
 * Checked besides memory safety: a failed load or override always writes a message; the
 * resolved tree prints (cfg_to_yaml), that text loads again, and printing it again gives the
 * same text (what the runner's --print-config promises); cfg_clone prints the same; every
 * key reads through cfg_path and the typed reads without crashing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char dir[256], base_path[300], child_path[300];

#define REQUIRE(cond, ...)                                                             \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz_config: %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
            abort();                                                                   \
        }                                                                              \
    } while (0)

static void cleanup(void)
{
    unlink(base_path);
    unlink(child_path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Every input writes files: a memory file system (/dev/shm) runs 2-3x more of them. */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/xp_fuzz_config.XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        perror("fuzz_config: mkdtemp");
        exit(1);
    }
    snprintf(base_path, sizeof base_path, "%s/base.yaml", dir);
    snprintf(child_path, sizeof child_path, "%s/child.yaml", dir);
    atexit(cleanup);
    /* `extends: /dev/stdin` would wait for input forever. */
    if (!freopen("/dev/null", "r", stdin)) exit(1);
    return 0;
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f, "cannot write %s", path);
    if (n) REQUIRE(fwrite(p, 1, n, f) == n, "short write");
    fclose(f);
}

/* Finds "\n%%\n" (or "%%\n" at the very start) from p; returns the part's end, *next the
 * start of the following part, or NULL when there is no further separator. */
static const uint8_t *split(const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
    if (end - p >= 3 && !memcmp(p, "%%\n", 3)) {
        *next = p + 3;
        return p;
    }
    for (const uint8_t *q = p; end - q >= 4; q++)
        if (!memcmp(q, "\n%%\n", 4)) {
            *next = q + 4;
            return q + 1;   /* the part keeps its last newline */
        }
    *next = end;
    return NULL;
}

/* Reads every key of every map below n with each typed read (values are ignored). */
static void read_all_keys(const xp_cfg *n, int depth)
{
    char err[256];
    if (depth > 300) return;
    if (cfg_kind(n) == XP_CFG_MAP) {
        for (size_t i = 0; i < cfg_len(n); i++) {
            const char *k = cfg_key_at(n, i);
            const char *s;
            int64_t iv;
            double d;
            int b;
            cfg_read_str(n, k, 0, &s, err, sizeof err);
            cfg_read_int(n, k, 0, &iv, err, sizeof err);
            cfg_read_num(n, k, 0, &d, err, sizeof err);
            cfg_read_bool(n, k, 0, &b, err, sizeof err);
            cfg_read_str_or_null(n, k, &s, err, sizeof err);
            (void)cfg_where(cfg_at(n, i));
            read_all_keys(cfg_at(n, i), depth + 1);
        }
    } else if (cfg_kind(n) == XP_CFG_LIST) {
        for (size_t i = 0; i < cfg_len(n); i++) read_all_keys(cfg_at(n, i), depth + 1);
    }
}

static void count_unused(const xp_cfg *key, void *user)
{
    (void)cfg_where(key);
    (*(size_t *)user)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size, *p1, *p2 = end;
    const uint8_t *e0 = split(data, end, &p1);
    const uint8_t *e1 = e0 ? split(p1, end, &p2) : NULL;
    if (!e0) {                                   /* child only */
        unlink(base_path);
        write_file(child_path, data, size);
        p2 = end;
    } else {
        write_file(base_path, data, (size_t)(e0 - data));
        write_file(child_path, p1, (size_t)((e1 ? e1 : end) - p1));
        if (!e1) p2 = end;
    }

    char err[1024];
    err[0] = '\0';
    xp_cfg *root = cfg_load_file(child_path, err, sizeof err);
    if (!root) {
        REQUIRE(err[0], "load failed without a message");
        return 0;
    }
    unsigned n_ov = 0;
    for (const uint8_t *q = p2; q < end && n_ov < 16;) {
        const uint8_t *nl = memchr(q, '\n', (size_t)(end - q));
        size_t len = (size_t)((nl ? nl : end) - q);
        char ov[512];
        if (len < sizeof ov && !memchr(q, '\0', len)) {
            memcpy(ov, q, len);
            ov[len] = '\0';
            err[0] = '\0';
            if (cfg_override(root, ov, err, sizeof err)) REQUIRE(err[0], "override failed silently");
            n_ov++;
        }
        q = nl ? nl + 1 : end;
    }

    read_all_keys(root, 0);
    (void)cfg_path(root, "search.trials");
    (void)cfg_path(root, "model.params[0]");
    size_t unused = 0;
    cfg_unused(root, count_unused, &unused);

    char *y1 = cfg_to_yaml(root);
    REQUIRE(y1, "cfg_to_yaml failed");
    xp_cfg *copy = cfg_clone(root);
    REQUIRE(copy, "cfg_clone failed");
    char *yc = cfg_to_yaml(copy);
    REQUIRE(yc && !strcmp(y1, yc), "the clone prints differently");
    free(yc);
    cfg_free(copy);

    /* A top-level `extends` key can only come from an override (`+extends=x`): printed and
     * loaded again it would be resolved as a file name, so that round trip is skipped. */
    if (!cfg_get(root, "extends")) {
        xp_cfg *again = cfg_load_string(y1, "printed.yaml", err, sizeof err);
        REQUIRE(again, "the printed config does not load: %s\n--- printed:\n%s", err, y1);
        char *y2 = cfg_to_yaml(again);
        REQUIRE(y2 && !strcmp(y1, y2), "printing is not stable\n--- first:\n%s--- second:\n%s",
                y1, y2 ? y2 : "(null)");
        free(y2);
        cfg_free(again);
    }
    free(y1);
    cfg_free(root);
    return 0;
}
