/* fuzz_csv.c — libFuzzer harness for the CSV loader (plugins/loaders/csv), through the
 * plugin's own entry point (xp_plugin_entry -> load) and the real host (core/host.c).
 *
 *     make fuzz FUZZ_SECONDS=60                       # every harness, as CI runs them
 *     ninja -C build-fuzz tests/fuzz/fuzz_csv
 *     build-fuzz/tests/fuzz/fuzz_csv -max_total_time=60 /tmp/csv_work tests/fuzz/corpus/csv
 *     build-fuzz/tests/fuzz/fuzz_csv crash-1234...    # replay one input
 *
 * The input is the whole CSV file. It is put into a memfd and loaded by path
 * (/proc/self/fd/N), so the file reading (csv_read_file), delimiter sniffing, tokenizer,
 * number parser, type inference and frame building all run exactly as for a real file.
 * Each input is loaded three times with different settings, each of which may fail early
 * (a missing column name) without hiding the others:
 *   1. no options, no target (delimiter detected, every column a feature);
 *   2. quote ', extra missing tokens (- ? 1: the tokenizer's fast number path is off),
 *      max_levels 2, target column "target", first 3 rows only;
 *   3. types forced on columns a (numeric), b (bool), c (categorical), d (text), column e
 *      dropped (seed corpus: forced.csv has them).
 * After a successful load the frame is walked and checked against frame.h's contract
 * (n_rows entries per column, category codes within their levels, readable strings);
 * a violation aborts, so the fuzzer reports it like a crash.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "frame.h"
#include "host.h"
#include "xp/xp.h"

const xp_plugin_list *xp_plugin_entry(void);   /* csv_plugin.c, linked in */

static const xp_loader_ops *ops;
static host_env env;
static int fd = -1;
static char path[64];
static xp_cfg *opts2;

#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz_csv: %s:%d: frame contract broken: %s\n", __FILE__,  \
                    __LINE__, #cond);                                                  \
            abort();                                                                   \
        }                                                                              \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const xp_plugin_list *l = xp_plugin_entry();
    for (size_t i = 0; i < l->count; i++)
        if (l->plugins[i]->kind == XP_KIND_LOADER && !strcmp(l->plugins[i]->name, "csv"))
            ops = l->plugins[i]->ops;
    fd = memfd_create("fuzz.csv", 0);
    if (!ops || fd < 0) {
        fprintf(stderr, "fuzz_csv: no csv loader or no memfd\n");
        exit(1);
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    env.verbosity = -1;   /* the loader's info lines would flood the fuzzer's output */
    char err[512];
    opts2 = cfg_load_string("quote: \"'\"\nna_values: [\"-\", \"?\", \"1\"]\n"
                            "max_levels: 2\nmax_level_ratio: 1\n", "opts2.yaml", err, sizeof err);
    if (!opts2) {
        fprintf(stderr, "fuzz_csv: %s\n", err);
        exit(1);
    }
    return 0;
}

static void check_frame(const xp_frame *f)
{
    REQUIRE(f->n_rows > 0 && f->n_cols > 0 && f->row_id);
    for (size_t i = 0; i < f->n_rows; i++)
        REQUIRE(f->row_id[i] >= 0 && (i == 0 || f->row_id[i] > f->row_id[i - 1]));
    size_t targets = 0;
    for (size_t j = 0; j < f->n_cols; j++) {
        const xp_column *c = f->cols[j];
        REQUIRE(c && c->name && c->name[0]);
        targets += c->role == XP_ROLE_TARGET;
        volatile double sum = 0;
        switch (c->type) {
        case XP_COL_NUMERIC:
        case XP_COL_BOOL:
            for (size_t i = 0; i < f->n_rows; i++) sum += c->num[i];
            break;
        case XP_COL_CATEGORICAL:
            for (size_t l = 0; l < c->n_levels; l++) {
                REQUIRE(c->levels[l]);
                sum += (double)strlen(c->levels[l]);
            }
            for (size_t i = 0; i < f->n_rows; i++)
                REQUIRE(c->codes[i] >= -1 && c->codes[i] < (int32_t)c->n_levels);
            break;
        case XP_COL_TEXT:
            for (size_t i = 0; i < f->n_rows; i++)
                if (c->text[i]) sum += (double)strlen(c->text[i]);
            break;
        default:
            REQUIRE(!"a CSV column of another type");
        }
        (void)sum;
    }
    REQUIRE(targets <= 1);
}

static void load(const xp_cfg *cfg, const char *target, const char *const *drop, size_t n_drop,
                 const xp_type_override *types, size_t n_types, int64_t nrows, size_t n_schema_types)
{
    xp_load_options o = { sizeof o, path, target, drop, n_drop, types, n_types, nrows, n_schema_types };
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &env, "csv", 0);
    xp_frame *f = NULL;
    int rc = ops->load(&ctx, cfg, &o, &f);
    if (rc) {
        REQUIRE(f == NULL && call.msg[0]);   /* an error always says why */
        return;
    }
    REQUIRE(f != NULL);
    check_frame(f);
    if (target) REQUIRE(frame_role(f, XP_ROLE_TARGET) != NULL);
    frame_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) abort();
    load(NULL, NULL, NULL, 0, NULL, 0, 0, 0);
    load(opts2, "target", NULL, 0, NULL, 0, 3, 0);
    static const char *const drop[] = { "e" };
    static const xp_type_override types[] = {
        { "a", XP_COL_NUMERIC }, { "b", XP_COL_BOOL }, { "c", XP_COL_CATEGORICAL }, { "d", XP_COL_TEXT },
    };
    load(NULL, NULL, drop, 1, types, 4, 0, 0);
    load(NULL, NULL, drop, 1, types, 4, 0, 2);   /* a and b as a trained model's types (predict) */
    return 0;
}
