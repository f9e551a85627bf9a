/* core/run.h — `runner CONFIG`: one experiment from resolved config to stored results, and
 * `runner predict`: predictions from a finished run.
 */
#ifndef XP_CORE_RUN_H
#define XP_CORE_RUN_H

#include "registry.h"
#include "xp/xp.h"

typedef struct run_options {
    const char *config_path;
    const char *command_line;    /* recorded with the run */
    int verbosity;
    /* The command line's overrides, passed on to a blend's members (blend.c). */
    const char *const *overrides;
    size_t n_overrides;
    int run_members;             /* blend: run the members first (blend.run_members) */
    /* The command line's --plugin-dir folders, passed on to members run as processes. */
    const char *const *plugin_dirs;
    size_t n_plugin_dirs;
    int check_only;              /* stop after the config check (plugins, keys, data): exit 0 */
} run_options;

/* Returns 0 on success, 1 when the run failed, 2 on a configuration error. */
int run_experiment(xp_cfg *root, registry *reg, const run_options *opt);
/* images: the folder of the rows in csv for the image encoders (--images; NULL: the run's
 * configured folder as it is now). The run's own rows always use the images it kept. */
int run_predict(const char *store_path, long long run_id, const char *csv, const char *images, registry *reg,
                int verbosity);

/* The folders a config's plugin_path names (one folder or a list of them), in order; *dirs
 * is NULL when there are none. The strings belong to root; the caller frees *dirs. */
int run_plugin_path(const xp_cfg *root, const char ***dirs, size_t *n_dirs, char *err, size_t n);

/* Plugin search path from --plugin-dir, config plugin_path, XP_PLUGIN_PATH, ./plugins and the
 * build's or install's plugin folder. */
int run_load_plugins(registry *reg, const char *const *dirs, size_t n_dirs, const xp_cfg *root,
                     char *err, size_t n);

#endif
