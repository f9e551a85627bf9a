/* xp/plugin.h — what a plugin shared object exports, and the ops table of each kind.
 *
 * A .so exports exactly one symbol, `xp_plugin_entry`, returning a const list of plugin
 * descriptors (a .so may provide several). Write it with the XP_PLUGINS macro:
 *
 *     static const xp_metric_ops rmse_ops = { sizeof(xp_metric_ops), XP_MINIMIZE, rmse };
 *     static const xp_plugin rmse = XP_PLUGIN(XP_KIND_METRIC, "rmse", "1.0.0",
 *                                             "root mean squared error", &rmse_ops);
 *     XP_PLUGINS(&rmse)
 *
 * XP_PLUGIN_OPTS(..., &ops, options_text) also gives the plugin's options as a commented YAML
 * example, which `runner plugins --help NAME` prints: keep it next to the code reading them.
 *
 * Build with -fvisibility=hidden: XP_PLUGINS marks only the entry point visible.
 * The runner dlopen()s with RTLD_NOW|RTLD_LOCAL, checks abi_version and struct sizes,
 * rejects duplicate kind/name pairs, and hands each call an xp_ctx (host.h).
 *
 * Ops tables start with their own size; optional slots are NULL. Lifecycle is
 * create -> work -> destroy; state is freed only by the plugin's own destroy.
 * Inputs are borrowed for the duration of the call.
 */
#ifndef XP_PLUGIN_H
#define XP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "frame.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XP_ABI_VERSION 1u
#define XP_PLUGIN_ENTRY_SYMBOL "xp_plugin_entry"

typedef enum {
    XP_KIND_LOADER = 1,
    XP_KIND_TRANSFORM = 2,   /* cleaning, imputation, feature engineering, target transforms */
    XP_KIND_ENCODER = 3,     /* text / image encoders: fit on train, append embedding columns */
    XP_KIND_MODEL = 4,
    XP_KIND_METRIC = 5,
    XP_KIND_SAMPLER = 6
} xp_kind;

static inline const char *xp_kind_name(xp_kind k)
{
    switch (k) {
    case XP_KIND_LOADER: return "loader";
    case XP_KIND_TRANSFORM: return "transform";
    case XP_KIND_ENCODER: return "encoder";
    case XP_KIND_MODEL: return "model";
    case XP_KIND_METRIC: return "metric";
    case XP_KIND_SAMPLER: return "sampler";
    }
    return "?";
}

typedef struct xp_plugin {
    uint32_t abi_version;        /* XP_ABI_VERSION the plugin was built against */
    uint32_t struct_size;        /* sizeof(xp_plugin) */
    xp_kind kind;
    const char *name;            /* unique per kind, [a-z0-9_]+ */
    const char *version;         /* the plugin's own version, e.g. "1.2.0" */
    const char *description;     /* one line */
    const void *ops;             /* xp_<kind>_ops table */

    /* ---- added after the first release: read them through XP_PLUGIN_HAS ---- */
    /* The plugin's options as a commented YAML example, exactly as a config writes them
     * (what `runner plugins --help NAME` prints). NULL: none given. Kept next to the code
     * that reads the keys, so the documentation of the options cannot drift from it. */
    const char *options;
} xp_plugin;

/* Does descriptor p have `field`? One built against older headers is shorter. */
#define XP_PLUGIN_HAS(p, field) XP_OPS_HAS(p, xp_plugin, field)

typedef struct xp_plugin_list {
    uint32_t abi_version;
    uint32_t struct_size;        /* sizeof(xp_plugin_list) */
    size_t count;
    const xp_plugin *const *plugins;
} xp_plugin_list;

typedef const xp_plugin_list *(*xp_plugin_entry_fn)(void);

/* Does an ops table (of type `type`, starting with its struct_size) have `field`? A plugin
 * built against older headers has a shorter table: its missing optional slots are NULL/0. */
#define XP_OPS_HAS(ops, type, field) \
    ((ops)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

#ifdef __cplusplus
#define XP_EXTERN_C_ extern "C"
#else
#define XP_EXTERN_C_
#endif

#define XP_PLUGIN(kind, name, version, description, ops) \
    { XP_ABI_VERSION, (uint32_t)sizeof(xp_plugin), (kind), (name), (version), (description), (ops), NULL }
/* The same with the options text (a string literal of commented YAML). */
#define XP_PLUGIN_OPTS(kind, name, version, description, ops, options) \
    { XP_ABI_VERSION, (uint32_t)sizeof(xp_plugin), (kind), (name), (version), (description), (ops), (options) }

#define XP_PLUGINS(...)                                                                   \
    XP_EXTERN_C_ __attribute__((visibility("default"))) const xp_plugin_list *xp_plugin_entry(void); \
    XP_EXTERN_C_ __attribute__((visibility("default"))) const xp_plugin_list *xp_plugin_entry(void)  \
    {                                                                                     \
        static const xp_plugin *const list_[] = { __VA_ARGS__ };                          \
        static const xp_plugin_list set_ = { XP_ABI_VERSION, (uint32_t)sizeof(xp_plugin_list), \
                                             sizeof(list_) / sizeof(list_[0]), list_ };    \
        return &set_;                                                                     \
    }

/* ---------------------------------------------------------------- loader */

typedef struct xp_type_override {
    const char *column;
    xp_col_type type;
} xp_type_override;

/* What the runner has already parsed from the config's `data` section. */
typedef struct xp_load_options {
    uint32_t struct_size;
    const char *path;                    /* file to read */
    const char *target;                  /* target column name, or NULL (role TARGET) */
    const char *const *drop;             /* columns not to load */
    size_t n_drop;
    const xp_type_override *types;       /* forced column types */
    size_t n_types;
    int64_t nrows;                       /* read at most this many data rows; 0 = all */
    /* The last n_schema_types of `types` are not the user's: they are a trained model's column
     * types, forced on new rows whose own guess differs (runner predict). A value such a
     * numeric or bool column cannot hold reads as missing, counted in a warning, as the
     * training file's few stray labels did; data.types' own stay errors. Absent (older
     * struct_size): 0. */
    size_t n_schema_types;
} xp_load_options;

typedef struct xp_loader_ops {
    uint32_t struct_size;
    /* Reads opts->path into a new frame (*out, freed by the caller with host->frame_free).
     * `cfg` is the loader's own options node (data.options), possibly NULL. */
    int (*load)(xp_ctx *ctx, const xp_cfg *cfg, const xp_load_options *opts, xp_frame **out);
} xp_loader_ops;

/* ---------------------------------------------------------------- transform / encoder */

typedef struct xp_transform_ops {
    uint32_t struct_size;
    int (*create)(xp_ctx *ctx, const xp_cfg *cfg, void **state);
    /* Learns from training rows only (the frame includes the target column). Optional. */
    int (*fit)(xp_ctx *ctx, void *state, const xp_frame *train);
    /* Rewrites `f` in place: replace, add or drop columns (never rows). Used on train,
     * validation, test and new data alike, with what fit learned. */
    int (*apply)(xp_ctx *ctx, void *state, xp_frame *f);
    /* Optional: maps model-space targets/predictions back to the original target space
     * (for target transforms such as log). Called in reverse pipeline order. */
    int (*inverse_target)(xp_ctx *ctx, void *state, double *y, size_t n);
    void (*destroy)(void *state);
} xp_transform_ops;

/* Encoders have the same lifecycle as transforms; they append embedding columns. */
typedef xp_transform_ops xp_encoder_ops;

/* ---------------------------------------------------------------- model */

/* Models read features (role FEATURE), the target (role TARGET) and optional weights
 * (role WEIGHT) from the frames. `prepare` turns a frame into the library's own data
 * structure once (e.g. a DMatrix); the runner caches it per fold and reuses it across
 * trials, so it must not depend on hyperparameters. */
typedef struct xp_model_ops {
    uint32_t struct_size;
    int (*prepare)(xp_ctx *ctx, const xp_frame *f, void **data);        /* optional */
    void (*release)(void *data);                                        /* optional */
    /* `params` is the model's config node with this trial's sampled values merged in. */
    int (*create)(xp_ctx *ctx, const xp_cfg *params, void **model);
    /* `valid`/`valid_data` may be NULL; when given, used for early stopping. */
    int (*fit)(xp_ctx *ctx, void *model, const xp_frame *train, void *train_data,
               const xp_frame *valid, void *valid_data);
    /* Writes f->n_rows predictions (model/target-transform space) into out. */
    int (*predict)(xp_ctx *ctx, void *model, const xp_frame *f, void *data, double *out);
    int (*save)(xp_ctx *ctx, void *model, const char *path);            /* optional */
    int (*load)(xp_ctx *ctx, const xp_cfg *params, const char *path, void **model); /* optional */
    void (*destroy)(void *model);

    /* ---- added after the first release: read them through XP_OPS_HAS ---- */
    /* File name save() writes in the run's artifact folder ("model.json"); NULL: "model.bin". */
    const char *model_file;
    /* Early stopping: fit() reports the step it chose through host->metric(stop_metric, v)
     * (e.g. "best_iteration"); the runner averages it over the folds and, for the refit on
     * all rows (which has no validation set), writes round((mean + 1) * k / (k - 1)) into the
     * model config key `stop_key` (e.g. "num_boost_round", "epochs"). NULL: no such step. */
    const char *stop_metric;
    const char *stop_key;
    /* XP_MODEL_* flags. */
    uint32_t flags;
} xp_model_ops;

/* The model uses host->threads() threads itself in one fit and gains nothing from folds
 * trained side by side (or is not reentrant): the runner trains folds one at a time, each
 * with every thread. */
#define XP_MODEL_SERIAL_FOLDS 0x1u
/* The early-stopping step counts passes over the training rows (epochs), not updates of a
 * fixed size (boosting rounds): on all rows a pass already makes k/(k-1) times the updates,
 * so the refit keeps the averaged step instead of scaling it by k/(k-1). */
#define XP_MODEL_STOP_IS_PASS 0x2u

/* ---------------------------------------------------------------- metric */

enum { XP_MINIMIZE = 1, XP_MAXIMIZE = 2 };

typedef struct xp_metric_ops {
    uint32_t struct_size;
    int direction;                       /* XP_MINIMIZE or XP_MAXIMIZE */
    /* y and pred in the original target space; w may be NULL (unweighted). */
    int (*compute)(xp_ctx *ctx, const double *y, const double *pred, const double *w,
                   size_t n, double *out);
} xp_metric_ops;

/* ---------------------------------------------------------------- sampler */

typedef enum { XP_PARAM_INT = 1, XP_PARAM_FLOAT = 2, XP_PARAM_CATEGORICAL = 3 } xp_param_type;

/* One dimension of the search space. Values travel in Optuna's internal representation:
 * the number itself for int/float, the choice index (as a double) for categorical. */
typedef struct xp_param_spec {
    const char *name;                    /* config path it sets, e.g. "model.params.max_depth" */
    xp_param_type type;
    double low, high;                    /* inclusive bounds (int/float) */
    double step;                         /* 0 = continuous (float); int default 1 */
    int log;                             /* sample on a log scale */
    size_t n_choices;                    /* categorical */
    const char *const *choices;          /* categorical choices, as YAML scalars */
} xp_param_spec;

enum { XP_TRIAL_RUNNING = 0, XP_TRIAL_COMPLETE = 1, XP_TRIAL_PRUNED = 2, XP_TRIAL_FAIL = 3 };

typedef struct xp_trial_view {
    int64_t number;
    int state;                           /* XP_TRIAL_* */
    double value;                        /* objective; meaningful when COMPLETE (or PRUNED: last) */
    const double *params;                /* n_params values in xp_param_spec order */
    int64_t step;                        /* PRUNED: step of `value` (last intermediate), -1 if
                                          * unknown; -1 for other states */
} xp_trial_view;

typedef struct xp_sampler_ops {
    uint32_t struct_size;
    int (*create)(xp_ctx *ctx, const xp_cfg *cfg, const xp_param_spec *space, size_t n_params,
                  int direction, void **state);
    /* Proposes the next point from the history of finished trials (all states).
     * Returns XP_EEXHAUSTED when it has nothing left (e.g. grid done). Randomness comes
     * from ctx->host->rng_*, seeded per trial, so a study is reproducible. */
    int (*suggest)(xp_ctx *ctx, void *state, const xp_trial_view *history, size_t n_history,
                   double *params_out);
    void (*destroy)(void *state);
} xp_sampler_ops;

#ifdef __cplusplus
}
#endif

#endif
