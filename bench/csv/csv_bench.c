/* csv_bench.c — loads a CSV with the "csv" plugin and reports time (and optionally dumps it).
 *
 *     csv_bench build/plugins/loaders/csv/csv.so data.csv [--target target] [--repeat 5]
 *               [--nrows N] [--text col]... [--dump frame.jsonl]
 *
 * Drives the plugin exactly as the runner does (dlopen, xp_plugin_entry, host_call_init),
 * so bench/csv/run.sh can compare its wall time and peak RSS with pandas.read_csv.
 * --dump writes one JSON line per column ({"name","type","role","values"}; numbers as C99
 * hex floats so nothing is lost, missing as null) for tests/csv/pandas_oracle.py.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "host.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(fp, "\\%c", *p);
        else if (*p < 0x20) fprintf(fp, "\\u%04x", *p);
        else fputc(*p, fp);
    }
    fputc('"', fp);
}

static int dump(const xp_frame *f, const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp) { perror(path); return 1; }
    fprintf(fp, "{\"rows\": %zu, \"row_id\": [", f->n_rows);
    for (size_t i = 0; i < f->n_rows; i++)
        fprintf(fp, "%s%lld", i ? "," : "", (long long)f->row_id[i]);
    fputs("]}\n", fp);
    for (size_t j = 0; j < f->n_cols; j++) {
        const xp_column *c = f->cols[j];
        fputs("{\"name\": ", fp);
        json_str(fp, c->name);
        fprintf(fp, ", \"type\": \"%s\", \"role\": \"%s\", \"values\": [",
                xp_col_type_name(c->type), xp_role_name(c->role));
        for (size_t i = 0; i < f->n_rows; i++) {
            if (i) fputc(',', fp);
            switch (c->type) {
            case XP_COL_NUMERIC:
            case XP_COL_BOOL:
                if (c->num[i] != c->num[i]) fputs("null", fp);
                else fprintf(fp, "\"%a\"", c->num[i]);
                break;
            case XP_COL_CATEGORICAL:
                if (c->codes[i] < 0) fputs("null", fp);
                else json_str(fp, c->levels[c->codes[i]]);
                break;
            case XP_COL_TEXT:
                if (!c->text[i]) fputs("null", fp);
                else json_str(fp, c->text[i]);
                break;
            case XP_COL_VECTOR:
                fputs("null", fp);   /* the CSV loader makes no vector columns */
                break;
            }
        }
        fputs("]}\n", fp);
    }
    return fclose(fp) ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PLUGIN.so FILE.csv [--target NAME] [--repeat N] [--nrows N] "
                        "[--text COL]... [--dump OUT.jsonl]\n", argv[0]);
        return 2;
    }
    const char *so_path = argv[1], *csv = argv[2], *target = NULL, *out = NULL;
    int repeat = 1;
    long long nrows = 0;
    xp_type_override types[64];
    size_t n_types = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--target") == 0) target = argv[i + 1];
        else if (strcmp(argv[i], "--repeat") == 0) repeat = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--nrows") == 0) nrows = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--dump") == 0) out = argv[i + 1];
        else if (strcmp(argv[i], "--text") == 0 && n_types < 64)
            types[n_types++] = (xp_type_override){ argv[i + 1], XP_COL_TEXT };
        else { fprintf(stderr, "unknown argument %s\n", argv[i]); return 2; }
    }
    if (repeat < 1) repeat = 1;

    void *so = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!so) { fprintf(stderr, "cannot load %s: %s\n", so_path, dlerror()); return 1; }
    xp_plugin_entry_fn entry;
    *(void **)&entry = dlsym(so, XP_PLUGIN_ENTRY_SYMBOL);
    if (!entry) { fprintf(stderr, "%s: no %s\n", so_path, XP_PLUGIN_ENTRY_SYMBOL); return 1; }
    const xp_plugin_list *list = entry();
    const xp_loader_ops *ops = NULL;
    for (size_t i = 0; i < list->count; i++)
        if (list->plugins[i]->kind == XP_KIND_LOADER && strcmp(list->plugins[i]->name, "csv") == 0)
            ops = list->plugins[i]->ops;
    if (!ops) { fprintf(stderr, "%s: no csv loader\n", so_path); return 1; }

    host_env env = {0};
    env.verbosity = getenv("XP_CSV_DEBUG") ? XP_LOG_DEBUG : XP_LOG_WARN;
    xp_load_options o = { sizeof o, csv, target, NULL, 0, types, n_types, nrows, 0 };
    double best = 1e30, total = 0;
    xp_frame *f = NULL;
    for (int r = 0; r < repeat; r++) {
        host_call call;
        xp_ctx ctx;
        host_call_init(&ctx, &call, &env, "csv", 0);
        if (f) frame_free(f);
        f = NULL;
        double t0 = now_s();
        int rc = ops->load(&ctx, NULL, &o, &f);
        double dt = now_s() - t0;
        if (rc) {
            fprintf(stderr, "load failed (%s): %s\n", xp_strerror(rc), host_call_error(&call));
            return 1;
        }
        total += dt;
        if (dt < best) best = dt;
    }
    size_t count[5] = {0};
    for (size_t j = 0; j < f->n_cols; j++) count[f->cols[j]->type]++;
    printf("rows=%zu cols=%zu numeric=%zu bool=%zu categorical=%zu text=%zu "
           "load_best_s=%.4f load_mean_s=%.4f\n",
           f->n_rows, f->n_cols, count[XP_COL_NUMERIC], count[XP_COL_BOOL],
           count[XP_COL_CATEGORICAL], count[XP_COL_TEXT], best, total / repeat);
    int rc = out ? dump(f, out) : 0;
    frame_free(f);
    dlclose(so);
    return rc;
}
