/* core/main.c — the `runner` command line.
 *
 *     runner CONFIG.yaml [key.path=value ...]     run an experiment (Hydra-style overrides)
 *     runner CONFIG.yaml --print-config           print the resolved config and exit
 *     runner worker CONFIG.yaml [key.path=value]  join an existing study (never creates one)
 *     runner plugins                              list the plugins found
 *     runner predict --run ID DATA.csv            predict with a finished run's model
 *     runner report [--html [--out DIR]]          the studies side by side (Markdown, or a web page)
 *     runner compare RUN_A RUN_B                  two runs side by side
 *     runner export --store URL --out FILE.db     a store's studies copied into an SQLite file
 *
 * Exit codes: 0 success, 1 run failed, 2 usage or configuration error, 130 / 143 a run stopped
 * by Ctrl-C / SIGTERM (recorded INTERRUPTED).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"
#include "config.h"
#include "registry.h"
#include "report.h"
#include "run.h"
#include "store.h"
#include "store_export.h"
#include "worker.h"
#include "xp/xp.h"

static const char *const usage_main =
    "usage: runner [OPTIONS] CONFIG.yaml [OVERRIDE ...]\n"
    "       runner worker [OPTIONS] CONFIG.yaml [OVERRIDE ...]\n"
    "       runner plugins [--plugin-dir DIR]\n"
    "       runner predict --run ID [--store DB] DATA.csv\n"
    "       runner report [--store DB] [--html [--out DIR]]\n"
    "       runner compare [--store DB] RUN_A RUN_B\n"
    "       runner export [--store DB] [--study NAME] --out FILE.db\n"
    "\n"
    "Runs the experiment a YAML config describes: loads the data, holds out the test part,\n"
    "searches hyperparameters with K-fold CV, refits the best (or, with validation.final:\n"
    "folds, averages its fold models), scores the test part once, and records every run,\n"
    "trial and score in the store (Optuna-compatible): an SQLite file (store.path), or a\n"
    "PostgreSQL database many runners share (store.url=postgresql://USER@HOST:PORT/DB).\n"
    "\n"
    "Overrides (Hydra grammar): a.b=3 sets an existing key, +a.new=x adds one, ++a.b=x sets\n"
    "or adds, ~a.b deletes; values are YAML: [1,2], {k: v}, null, \"text\".\n"
    "\n"
    "Options:\n"
    "  --print-config     print the resolved config (extends and overrides applied) and exit\n"
    "  --plugin-dir DIR   also load plugins from DIR (repeatable; searched first)\n"
    "  -q, --quiet        only errors on stderr\n"
    "  -v, --verbose      debug messages on stderr\n"
    "  -h, --help         this help; `runner SUBCOMMAND --help` for a subcommand\n"
    "  --version          print the runner and plugin ABI versions\n"
    "\n"
    "Plugins are searched in: --plugin-dir, the config's plugin_path, $XP_PLUGIN_PATH\n"
    "(colon-separated), ./plugins (recursively, *.so), then the runner's own plugin folder.\n"
    "Exit status: 0 success, 1 run failed, 2 usage or configuration error, 130 / 143 stopped by\n"
    "Ctrl-C / SIGTERM (the trial in flight recorded FAIL, the run INTERRUPTED).\n";

static const char *const usage_worker =
    "usage: runner worker [OPTIONS] CONFIG.yaml [OVERRIDE ...]\n"
    "\n"
    "Joins the study the config names (name, in store.url or store.path) as one more worker,\n"
    "and never creates one: a worker whose store or name differs from the others' is refused\n"
    "(exit 2) instead of searching a study of its own. Start the study once with\n"
    "`runner CONFIG.yaml` (that runner searches too) or optuna.create_study, then start any\n"
    "number of workers, on any host, with the same config and data. Each claims trials against\n"
    "search.trials, sees every finished trial of the study (other runners' and Optuna workers')\n"
    "before each sampler ask, and stops at the budget or search.timeout; exactly one runner on\n"
    "the study refits and tests the best trial. Options and overrides as for a run.\n";

static const char *const usage_export =
    "usage: runner export [--store DB] [--study NAME] --out FILE.db\n"
    "\n"
    "Copies the store's studies (Optuna's tables and the runs, metrics, artifacts and records)\n"
    "into FILE.db, a new SQLite store with the same ids, read in one snapshot while workers may\n"
    "go on writing. `runner report` and `runner compare` read SQLite only: export a PostgreSQL\n"
    "study, then `runner report --store FILE.db`. Artifact paths are copied as they are.\n"
    "  --store DB    the store to read (default experiments/experiments.db), or a\n"
    "                PostgreSQL store's postgresql:// URL\n"
    "  --study NAME  only this study (default: every study; a blend's members are studies\n"
    "                of their own, so export them too, or everything)\n"
    "  --out FILE.db the file to write; it must not exist\n";

static const char *const usage_plugins =
    "usage: runner plugins [--plugin-dir DIR] [CONFIG.yaml]\n"
    "       runner plugins [--plugin-dir DIR] --help NAME [NAME ...]\n"
    "\n"
    "Lists every plugin found on the search path: kind, name, version, file, description.\n"
    "With a config, its plugin_path is searched too. With --help NAME, prints that plugin's\n"
    "options as the plugin itself documents them (a commented YAML example).\n";

static const char *const usage_predict =
    "usage: runner predict --run ID [--store DB] [--images DIR] [--plugin-dir DIR] DATA.csv > predictions.csv\n"
    "\n"
    "Predicts DATA.csv (same columns as the training data; the target column may be absent)\n"
    "with the model a finished run saved. The run's transforms are refitted on its training\n"
    "rows (deterministic), the saved model is loaded, and `row,prediction` lines are printed\n"
    "in input order, in the original target space.\n"
    "  --run ID     run id (see the xp_runs table, or the summary a run prints)\n"
    "  --store DB   experiment database (default experiments/experiments.db), or a\n"
    "               PostgreSQL store's postgresql:// URL\n"
    "  --images DIR the images of DATA.csv's rows (default: the run's data.images folder as\n"
    "               it is now). The training rows' images come from the run's own copies.\n";

static const char *const usage_report =
    "usage: runner report [--store DB] > report.md\n"
    "       runner report [--store DB] --html [--out DIR]\n"
    "\n"
    "Compares the latest complete run of every study in the store: trials, wall time, best\n"
    "CV score and what a random split would have claimed, the test metrics, and the objective\n"
    "per source on the test part. Markdown on stdout.\n"
    "With --html, writes DIR/index.html — one self-contained page (inline SVG charts and CSS,\n"
    "nothing fetched, printable): the methodology as run, the data, the search, the leakage\n"
    "gap, per-source scores, predictions, the ablation, every run, the gap to the noise floor\n"
    "(when data/ORACLE.json exists) — and DIR/report.md (the Markdown tables).\n"
    "  --store DB   experiment database (default experiments/experiments.db)\n"
    "  --html       write the web page instead of printing Markdown\n"
    "  --out DIR    where the page goes (default experiments/report)\n";

static const char *const usage_compare =
    "usage: runner compare [--store DB] RUN_A RUN_B > compare.md\n"
    "\n"
    "Two runs side by side, in Markdown: times, trials, seed, git revision and config hash; the\n"
    "diff of their resolved configs, key by key; every run-level score (CV, random-split CV,\n"
    "test) with the change; the test objective per source.\n"
    "  --store DB   experiment database (default experiments/experiments.db)\n";

/* The report and compare read the store with SQLite's own SQL (JSON functions, the file's
 * read-only mode) and were not ported to PostgreSQL: a URL gets this instead of a confusing
 * "cannot open" (and never echoes the URL, which may hold a password). */
static int sqlite_only(const char *cmd, const char *store)
{
    if (!store_is_url(store)) return 0;
    fprintf(stderr, "runner %s: reads SQLite stores (--store FILE.db) only, and %s names a PostgreSQL database. "
            "Copy it into an SQLite file first: runner export --store URL --out FILE.db, then runner %s --store "
            "FILE.db (README: \"Many workers on one study\")\n", cmd, "--store", cmd);
    return 1;
}

static int cmd_report(int argc, char **argv)
{
    const char *store = "experiments/experiments.db", *out = "experiments/report";
    int html = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(usage_report, stdout); return 0; }
        if (!strcmp(argv[i], "--store") && i + 1 < argc) store = argv[++i];
        else if (!strcmp(argv[i], "--html")) html = 1;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else { fprintf(stderr, "runner report: unexpected argument '%s'\n%s", argv[i], usage_report); return 2; }
    }
    if (sqlite_only("report", store)) return 2;
    return html ? report_html(store, out) : report_print(store);
}

static int cmd_export(int argc, char **argv)
{
    const char *store = "experiments/experiments.db", *out = NULL, *study = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(usage_export, stdout); return 0; }
        if (!strcmp(argv[i], "--store") && i + 1 < argc) store = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--study") && i + 1 < argc) study = argv[++i];
        else { fprintf(stderr, "runner export: unexpected argument '%s'\n%s", argv[i], usage_export); return 2; }
    }
    if (!out) { fprintf(stderr, "runner export: --out FILE.db is required\n%s", usage_export); return 2; }
    char err[2048];
    store_export_counts k;
    int rc = store_export(store, out, study, &k, err, sizeof err);
    if (rc) {
        fprintf(stderr, "runner export: %s\n", err);
        return rc == XP_EINVAL || rc == XP_ENOTFOUND ? 2 : 1;
    }
    fprintf(stderr, "runner export: %lld stud%s, %lld run%s, %lld trial%s (%lld rows) written to %s\n",
            (long long)k.studies, k.studies == 1 ? "y" : "ies", (long long)k.runs, k.runs == 1 ? "" : "s",
            (long long)k.trials, k.trials == 1 ? "" : "s", (long long)k.rows, out);
    return 0;
}

static int cmd_compare(int argc, char **argv)
{
    const char *store = "experiments/experiments.db";
    long long ids[2];
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(usage_compare, stdout); return 0; }
        if (!strcmp(argv[i], "--store") && i + 1 < argc) { store = argv[++i]; continue; }
        char *end;
        long long v = strtoll(argv[i], &end, 10);
        if (argv[i][0] == '-' || *end || end == argv[i] || v <= 0 || n == 2) {
            fprintf(stderr, "runner compare: unexpected argument '%s' (run ids are positive integers)\n%s", argv[i], usage_compare);
            return 2;
        }
        ids[n++] = v;
    }
    if (n != 2) { fprintf(stderr, "runner compare: two run ids are needed\n%s", usage_compare); return 2; }
    if (sqlite_only("compare", store)) return 2;
    return compare_runs(store, ids[0], ids[1]);
}

/* `runner plugins --help NAME`: every plugin of that name (a transform and a metric may
 * share one), with the options text its descriptor carries. */
static int plugin_help(const registry *reg, const char *name)
{
    int found = 0;
    for (size_t i = 0; i < registry_count(reg); i++) {
        const char *file;
        const xp_plugin *p = registry_at(reg, i, &file);
        if (strcmp(p->name, name)) continue;
        printf("%s%s %s %s — %s\n  %s\n\n", found++ ? "\n" : "", xp_kind_name(p->kind), p->name, p->version,
               p->description, file);
        const char *opts = XP_PLUGIN_HAS(p, options) ? p->options : NULL;
        if (opts && *opts) fputs(opts, stdout);
        else if (p->kind == XP_KIND_METRIC) printf("(a metric has no options: name it in `metrics:` or `objective:`)\n");
        else printf("(this plugin's descriptor carries no options text: see the comment at the top of its source)\n");
    }
    if (found) return 0;
    const char *why = registry_why_missing(reg, name);
    if (why) fprintf(stderr, "runner: plugin '%s' is unavailable on this machine: %s\n", name, why);
    else fprintf(stderr, "runner: no plugin named '%s' (see `runner plugins`)\n", name);
    return 2;
}

static int cmd_plugins(int argc, char **argv)
{
    /* As many folders and names as there are arguments: none is dropped for want of room. */
    const char **dirs = calloc((size_t)argc + 1, sizeof *dirs), **help_names = calloc((size_t)argc + 1, sizeof *help_names);
    size_t nd = 0, n_help = 0;
    const char *config = NULL;
    if (!dirs || !help_names) { free(dirs); free(help_names); fprintf(stderr, "runner: out of memory\n"); return 1; }
    for (int i = 0; i < argc; i++) {
        if ((!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) && i + 1 < argc && argv[i + 1][0] != '-') {
            while (i + 1 < argc && argv[i + 1][0] != '-') help_names[n_help++] = argv[++i];
            continue;
        }
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage_plugins, stdout);
            free(dirs); free(help_names);
            return 0;
        }
        if (!strcmp(argv[i], "--plugin-dir") && i + 1 < argc) dirs[nd++] = argv[++i];
        else if (argv[i][0] != '-' && !config) config = argv[i];
        else {
            fprintf(stderr, "runner plugins: unexpected argument '%s'\n%s", argv[i], usage_plugins);
            free(dirs); free(help_names);
            return 2;
        }
    }
    char err[4096];
    xp_cfg *root = NULL;
    if (config && !(root = cfg_load_file(config, err, sizeof err))) {
        fprintf(stderr, "runner: %s\n", err);
        free(dirs); free(help_names);
        return 2;
    }
    registry *reg = registry_new();
    int rc = run_load_plugins(reg, dirs, nd, root, err, sizeof err);
    free(dirs);
    if (rc) {
        fprintf(stderr, "runner: %s\n", err);
        registry_free(reg);
        cfg_free(root);
        free(help_names);
        return 2;
    }
    if (n_help) {
        for (size_t k = 0; k < n_help; k++) {
            if (k) printf("\n");
            int r = plugin_help(reg, help_names[k]);
            if (r) rc = r;
        }
        registry_free(reg);
        cfg_free(root);
        free(help_names);
        return rc;
    }
    free(help_names);
    printf("%-10s %-16s %-8s %s\n", "KIND", "NAME", "VERSION", "FILE / DESCRIPTION");
    for (size_t i = 0; i < registry_count(reg); i++) {
        const char *file;
        const xp_plugin *p = registry_at(reg, i, &file);
        printf("%-10s %-16s %-8s %s\n%38s%s\n", xp_kind_name(p->kind), p->name, p->version, file, "", p->description);
    }
    if (registry_broken_count(reg)) {
        printf("\nUnavailable (these files did not load; configs that use their plugins fail):\n");
        for (size_t i = 0; i < registry_broken_count(reg); i++) {
            const char *why;
            registry_broken_at(reg, i, &why);
            printf("  %s\n", why);
        }
    }
    registry_free(reg);
    cfg_free(root);
    return 0;
}

/* dirs has room for every argument, so no --plugin-dir is dropped. */
static int predict_with(int argc, char **argv, int verbosity, const char **dirs)
{
    const char *store = "experiments/experiments.db", *csv = NULL, *images = NULL;
    size_t nd = 0;
    long long run = -1;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(usage_predict, stdout); return 0; }
        if (!strcmp(argv[i], "--run") && i + 1 < argc) {
            char *end;
            run = strtoll(argv[++i], &end, 10);
            if (*end || run <= 0) { fprintf(stderr, "runner predict: --run expects a positive run id, got '%s'\n", argv[i]); return 2; }
        } else if (!strcmp(argv[i], "--store") && i + 1 < argc) store = argv[++i];
        else if (!strcmp(argv[i], "--images") && i + 1 < argc) images = argv[++i];
        else if (!strcmp(argv[i], "--plugin-dir") && i + 1 < argc) dirs[nd++] = argv[++i];
        else if (!strcmp(argv[i], "-q")) verbosity = XP_LOG_ERROR;
        else if (!strcmp(argv[i], "-v")) verbosity = XP_LOG_DEBUG;
        else if (argv[i][0] != '-' && !csv) csv = argv[i];
        else { fprintf(stderr, "runner predict: unexpected argument '%s'\n%s", argv[i], usage_predict); return 2; }
    }
    if (run < 0 || !csv) { fprintf(stderr, "runner predict: --run ID and DATA.csv are required\n%s", usage_predict); return 2; }
    struct stat sb;
    if (images && stat(images, &sb)) {
        fprintf(stderr, "runner predict: --images %s: %s\n", images, strerror(errno));
        return 2;
    }
    if (images && !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "runner predict: --images %s: not a folder\n", images);
        return 2;
    }
    char err[4096];
    registry *reg = registry_new();
    int rc = run_load_plugins(reg, dirs, nd, NULL, err, sizeof err);
    if (rc) { fprintf(stderr, "runner: %s\n", err); registry_free(reg); return 2; }
    rc = run_predict(store, run, csv, images, reg, verbosity);
    registry_free(reg);
    return rc;
}

static int cmd_predict(int argc, char **argv, int verbosity)
{
    const char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
    if (!dirs) { fprintf(stderr, "runner: out of memory\n"); return 1; }
    int rc = predict_with(argc, argv, verbosity, dirs);
    free(dirs);
    return rc;
}

int main(int argc, char **argv)
{
    /* OpenMP worker threads (XGBoost) spin while waiting by default; when the cores are
     * shared that spinning starves the threads doing work (measured: 144 -> 25-32 ms per
     * boosting round on 2 busy cores). libgomp reads this once, when a plugin first loads
     * it, so it is set before any dlopen(); a user's own setting wins. */
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    /* The runner spreads its threads itself (folds in parallel, each model given its share);
     * OpenBLAS's own pool (libtorch's matrix products) on top of that only contends: one
     * step-2 network trial took 302 CPU s (92 s of it system time, 1.6 M involuntary context
     * switches) with it and 219 s (31 s system) with OPENBLAS_NUM_THREADS=1, same result. */
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    int verbosity = XP_LOG_INFO, print_config = 0;
    const char *config = NULL;
    size_t nd = 0;
    /* Room for every argument as an override or a --plugin-dir (a blend passes its config's
     * plugin_path on to its member processes as more of them): none is dropped. */
    const char **overrides = calloc((size_t)argc + 1, sizeof *overrides);
    const char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
    size_t no = 0;
    if (!overrides || !dirs) { free(overrides); free(dirs); return 1; }
    if (argc >= 2 && !strcmp(argv[1], "plugins")) { free(overrides); free(dirs); return cmd_plugins(argc - 2, argv + 2); }
    if (argc >= 2 && !strcmp(argv[1], "report")) { free(overrides); free(dirs); return cmd_report(argc - 2, argv + 2); }
    if (argc >= 2 && !strcmp(argv[1], "compare")) { free(overrides); free(dirs); return cmd_compare(argc - 2, argv + 2); }
    if (argc >= 2 && !strcmp(argv[1], "export")) { free(overrides); free(dirs); return cmd_export(argc - 2, argv + 2); }
    int worker = argc >= 2 && !strcmp(argv[1], "worker");
    if (argc >= 2 && !strcmp(argv[1], "predict")) { free(overrides); free(dirs); return cmd_predict(argc - 2, argv + 2, verbosity); }
    for (int i = 1 + worker; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(worker ? usage_worker : usage_main, stdout); free(overrides); free(dirs); return 0; }
        else if (!strcmp(a, "--version")) { printf("runner 0.1.0 (plugin ABI %u)\n", XP_ABI_VERSION); free(overrides); free(dirs); return 0; }
        else if (!strcmp(a, "--print-config")) print_config = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) verbosity = XP_LOG_ERROR;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) verbosity = XP_LOG_DEBUG;
        else if (!strcmp(a, "--plugin-dir")) {
            if (i + 1 >= argc) { fprintf(stderr, "runner: --plugin-dir needs a directory\n"); free(overrides); free(dirs); return 2; }
            dirs[nd++] = argv[++i];
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "runner: unknown option '%s' (see runner --help)\n", a);
            free(overrides); free(dirs);
            return 2;
        } else if (!config && !strchr(a, '=') && a[0] != '~' && a[0] != '+') config = a;
        else overrides[no++] = a;
    }
    if (!config) { fputs(worker ? usage_worker : usage_main, stderr); free(overrides); free(dirs); return 2; }
    char err[4096];
    xp_cfg *root = cfg_load_file(config, err, sizeof err);
    if (!root) { fprintf(stderr, "runner: %s\n", err); free(overrides); free(dirs); return 2; }
    for (size_t i = 0; i < no; i++)
        if (cfg_override(root, overrides[i], err, sizeof err)) {
            fprintf(stderr, "runner: %s\n", err);
            cfg_free(root);
            free(overrides); free(dirs);
            return 2;
        }
    if (print_config) {
        char *yaml = cfg_to_yaml(root);
        if (yaml) fputs(yaml, stdout);
        free(yaml);
        cfg_free(root);
        free(overrides); free(dirs);
        return yaml ? 0 : 1;
    }
    int wrc = worker ? worker_check(root, err, sizeof err) : XP_OK;   /* before any data is read */
    if (wrc) {
        fprintf(stderr, "runner worker: %s\n", err);
        cfg_free(root);
        free(overrides); free(dirs);
        return wrc == XP_EIO ? 1 : 2;   /* the store unreachable: not a usage error */
    }
    registry *reg = registry_new();
    int rc = run_load_plugins(reg, dirs, nd, root, err, sizeof err);
    if (rc) {
        fprintf(stderr, "runner: %s\n", err);
        registry_free(reg);
        cfg_free(root);
        free(overrides); free(dirs);
        return 2;
    }
    /* The whole command line goes into the run record, however long (no fixed buffer to
     * cut it short): it is what reruns the run. */
    size_t cmd_len = 1;
    for (int i = 0; i < argc; i++) cmd_len += strlen(argv[i]) + 1;
    char *cmd = malloc(cmd_len);
    if (!cmd) {
        fprintf(stderr, "runner: out of memory\n");
        registry_free(reg); cfg_free(root); free(overrides); free(dirs);
        return 1;
    }
    size_t o = 0;
    cmd[0] = 0;
    for (int i = 0; i < argc; i++) o += (size_t)snprintf(cmd + o, cmd_len - o, "%s%s", i ? " " : "", argv[i]);
    run_options opt = { .config_path = config, .command_line = cmd, .verbosity = verbosity, .overrides = overrides,
                        .n_overrides = no, .run_members = 1, .plugin_dirs = dirs, .n_plugin_dirs = nd };
    rc = run_experiment(root, reg, &opt);
    free(overrides); free(dirs); free(cmd);
    cfg_free(root);
    registry_free(reg);   /* after the config: plugins may hold nothing past their destroy */
    return rc;
}
