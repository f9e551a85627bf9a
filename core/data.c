/* core/data.c — reads the `data` section, loads the table(s) through a loader plugin and
 * separates the untouched test part from the rows the search may see.
 *
 *     data:
 *       path: data/candidates_data.csv   # required
 *       test_path: null                  # optional: a given test set instead of a holdout
 *       target: target
 *       loader: csv
 *       drop: [feature_12]
 *       types: {description: text, feature_58: categorical}
 *       roles: {description: ignore}     # feature|target|weight|group|id|ignore
 *       source: source_id                # per-source metrics
 *       nrows: 0
 *       options: {}                      # passed to the loader plugin
 *       images: data/spacecraft_images   # read by image encoders
 *
 * `runner predict` takes the training rows from the run's stored copy of the training file
 * (data_setup_predict, run.c) and reads new rows with the training frame's column types
 * (data_load_like), so neither today's data.path nor a small file's guesses change them.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "config.h"
#include "experiment.h"
#include "frame.h"

static int parse_type(const char *s, xp_col_type *t)
{
    static const struct { const char *name; xp_col_type t; } map[] = {
        { "numeric", XP_COL_NUMERIC }, { "float", XP_COL_NUMERIC }, { "int", XP_COL_NUMERIC },
        { "bool", XP_COL_BOOL }, { "categorical", XP_COL_CATEGORICAL }, { "text", XP_COL_TEXT },
        { "string", XP_COL_TEXT },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(s, map[i].name)) { *t = map[i].t; return 0; }
    return -1;
}

static int parse_role(const char *s, xp_role *r)
{
    static const char *names[] = { "feature", "target", "weight", "group", "id", "ignore" };
    for (int i = 0; i < 6; i++)
        if (!strcmp(s, names[i])) { *r = (xp_role)i; return 0; }
    return -1;
}

/* data_load with extra forced types (after data.types, so they win): a trained model's, so
 * the loader reads what they cannot hold as missing (xp_load_options.n_schema_types). */
static int load_typed(experiment *x, const char *path, int with_target, const xp_type_override *extra,
                      size_t n_extra, xp_frame **out, char *err, size_t n)
{
    const xp_cfg *data = cfg_get(x->root, "data");
    const char *loader = "csv";
    int64_t nrows = 0;
    int rc;
    if ((rc = cfg_read_str(data, "loader", 0, &loader, err, n)) ||
        (rc = cfg_read_int(data, "nrows", 0, &nrows, err, n)))
        return rc;
    if (nrows < 0) { snprintf(err, n, "%s: data.nrows must be >= 0", cfg_where(cfg_get(data, "nrows"))); return XP_ECONFIG; }
    const xp_plugin *pl = registry_find(x->reg, XP_KIND_LOADER, loader);
    if (!pl) {
        return registry_not_found(x->reg, XP_KIND_LOADER, loader,
                                  cfg_where(cfg_get(data, "loader") ? cfg_get(data, "loader") : data), err, n);
    }
    const xp_cfg *drop = cfg_get(data, "drop"), *types = cfg_get(data, "types");
    if (drop && cfg_kind(drop) != XP_CFG_LIST) { snprintf(err, n, "%s: expected a list of column names", cfg_where(drop)); return XP_ECONFIG; }
    if (types && cfg_kind(types) != XP_CFG_MAP) { snprintf(err, n, "%s: expected a map column: type", cfg_where(types)); return XP_ECONFIG; }
    size_t n_drop = cfg_len(drop), n_types = cfg_len(types);
    const char **drops = calloc(n_drop + 1, sizeof *drops);
    xp_type_override *ov = calloc(n_types + n_extra + 1, sizeof *ov);
    if (!drops || !ov) { free(drops); free(ov); snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    rc = XP_OK;
    for (size_t i = 0; i < n_drop && !rc; i++)
        if (!(drops[i] = cfg_scalar(cfg_at(drop, i)))) {
            snprintf(err, n, "%s: expected a column name", cfg_where(cfg_at(drop, i)));
            rc = XP_ECONFIG;
        }
    for (size_t i = 0; i < n_types && !rc; i++) {
        ov[i].column = cfg_key_at(types, i);
        const char *t = cfg_scalar(cfg_at(types, i));
        if (!t || parse_type(t, &ov[i].type)) {
            snprintf(err, n, "%s: expected numeric, bool, categorical or text", cfg_where(cfg_at(types, i)));
            rc = XP_ECONFIG;
        }
    }
    if (n_extra) memcpy(ov + n_types, extra, n_extra * sizeof *ov);
    if (!rc) {
        xp_load_options opts = { sizeof opts, path, with_target ? x->target : NULL, drops, n_drop, ov, n_types + n_extra, nrows,
                                 n_extra };
        host_call call;
        xp_ctx ctx;
        host_call_init(&ctx, &call, &x->env, pl->name, 0x10AD);
        rc = ((const xp_loader_ops *)pl->ops)->load(&ctx, cfg_get(data, "options"), &opts, out);
        if (rc) snprintf(err, n, "%s", call.msg[0] ? call.msg : xp_strerror(rc));
    }
    free(drops);
    free(ov);
    if (rc) return rc;

    /* Without a target (predict on new data) a column named like it must not be a feature. */
    if (!with_target) {
        xp_column *t = frame_find(*out, x->target);
        if (t) t->role = XP_ROLE_IGNORE;
    }
    const xp_cfg *roles = cfg_get(data, "roles");
    for (size_t i = 0; i < cfg_len(roles); i++) {
        const char *col = cfg_key_at(roles, i), *r = cfg_scalar(cfg_at(roles, i));
        xp_role role;
        xp_column *c = frame_find(*out, col);
        if (!r || parse_role(r, &role)) {
            snprintf(err, n, "%s: expected feature, target, weight, group, id or ignore", cfg_where(cfg_at(roles, i)));
            return XP_ECONFIG;
        }
        if (!c) {
            snprintf(err, n, "%s: data.roles: no column '%s' in %s", cfg_where(cfg_at(roles, i)), col, path);
            return XP_ECONFIG;
        }
        if (role == XP_ROLE_TARGET) {
            snprintf(err, n, "%s: set the target with data.target", cfg_where(cfg_at(roles, i)));
            return XP_ECONFIG;
        }
        c->role = role;
    }
    return XP_OK;
}

/* Rows whose target is empty or not finite can be neither learned from nor scored: left out,
 * said with a count and the first one's data row, rather than failing every trial in the
 * model (an empty cell in a public table's target column is common). None left: an error. */
static int drop_rows_without_target(experiment *x, const char *path, xp_frame **f, char *err, size_t n)
{
    const xp_column *t = frame_role(*f, XP_ROLE_TARGET);
    if (!t || !t->num) return XP_OK;   /* no target column (target_is_numeric checked its type) */
    size_t keep = 0, first = 0, rows = (*f)->n_rows;
    for (size_t i = 0; i < rows; i++) keep += isfinite(t->num[i]) != 0;
    if (keep == rows) return XP_OK;
    if (keep == 0) {
        snprintf(err, n, "%s: no row has a value in the target column '%s' (all %zu empty or not a finite number)",
                 path, x->target, rows);
        return XP_EINVAL;
    }
    size_t *idx = malloc(keep * sizeof *idx);
    if (!idx) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    size_t k = 0, n_bad = 0;
    for (size_t i = 0; i < rows; i++) {
        if (isfinite(t->num[i])) idx[k++] = i;
        else if (n_bad++ == 0) first = i;
    }
    xp_frame *kept = frame_take(*f, idx, keep);
    free(idx);
    if (!kept) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    host_log(&x->env, XP_LOG_WARN, "data", "%s: %zu of %zu rows have no value in the target column '%s' (the first: "
             "data row %lld): left out, they can be neither learned from nor scored", path, n_bad, rows, x->target,
             (long long)(*f)->row_id[first] + 1);
    frame_free(*f);
    *f = kept;
    return XP_OK;
}

/* Metrics score numbers (xp_metric_ops.compute takes doubles), so a target of labels can be
 * neither learned nor scored here: said right after loading, not after the folds' pipelines
 * have been fitted, with the labels the file holds. */
static int target_is_numeric(experiment *x, const char *path, const xp_frame *f, char *err, size_t n)
{
    const xp_column *t = frame_role(f, XP_ROLE_TARGET);
    if (!t || t->type == XP_COL_NUMERIC || t->type == XP_COL_BOOL) return XP_OK;
    char seen[200] = "";
    if (t->type == XP_COL_CATEGORICAL)
        for (size_t l = 0; l < t->n_levels && l < 3; l++) {
            size_t used = strlen(seen);
            snprintf(seen + used, sizeof seen - used, "%s'%.40s'", l ? ", " : "", t->levels[l]);
        }
    else
        for (size_t i = 0, k = 0; i < f->n_rows && k < 3; i++)
            if (t->text && t->text[i]) {
                size_t used = strlen(seen);
                snprintf(seen + used, sizeof seen - used, "%s'%.40s'", k++ ? ", " : "", t->text[i]);
            }
    snprintf(err, n,
             "%s: the target column '%s' holds labels, not numbers (read as %s%s%s): the metrics score "
             "numbers, so this is a regression tool; if the labels stand for numbers, write them as numbers "
             "(a column of numbers with a few stray labels reads as numbers, the strays as missing)",
             path, x->target, xp_col_type_name(t->type), seen[0] ? ", e.g. " : "", seen);
    return XP_EINVAL;
}

int data_load(experiment *x, const char *path, int with_target, xp_frame **out, char *err, size_t n)
{
    int rc = load_typed(x, path, with_target, NULL, 0, out, err, n);
    if (rc || !with_target) return rc;
    if ((rc = target_is_numeric(x, path, *out, err, n)) || (rc = drop_rows_without_target(x, path, out, err, n))) {
        frame_free(*out);
        *out = NULL;
    }
    return rc;
}

/* The loader guesses each column's type from the file it reads, and a few rows guess
 * differently (20 distinct labels in 20 rows read as text; a column left empty reads as
 * numbers): columns whose guess differs from the training frame's type are read again with
 * that type forced, as the model and the fitted transforms expect. A value the training type
 * cannot hold then reads as missing, said by the loader with file, line and column (as the
 * training file's few stray labels in a number column did); a column with none it can hold
 * is the loader's error. */
int data_load_like(experiment *x, const char *path, const xp_frame *schema, xp_frame **out, char *err, size_t n)
{
    int rc = load_typed(x, path, 0, NULL, 0, out, err, n);
    if (rc || !schema) return rc;
    xp_type_override *ov = calloc((*out)->n_cols + 1, sizeof *ov);
    if (!ov) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    size_t k = 0;
    char names[512] = "";
    for (size_t j = 0; j < (*out)->n_cols; j++) {
        const xp_column *c = (*out)->cols[j], *t = frame_find(schema, c->name);
        if (!t || t->type == c->type || t->type == XP_COL_VECTOR || !strcmp(c->name, x->target)) continue;
        ov[k].column = c->name;
        ov[k++].type = t->type;
        size_t len = strlen(names);
        if (len < sizeof names - 80) snprintf(names + len, sizeof names - len, "%s%.60s", len ? ", " : "", c->name);
    }
    if (k) {
        host_log(&x->env, XP_LOG_INFO, "data", "%s: %zu column%s read with the training file's types (%s)", path, k,
                 k == 1 ? "" : "s", names);
        xp_frame *again = NULL;
        rc = load_typed(x, path, 0, ov, k, &again, err, n);
        /* The names in ov point into the first frame: it is freed only now. */
        frame_free(*out);
        *out = again;
    }
    free(ov);
    return rc;
}

/* Whole groups go to the test part until it holds test_fraction of the rows, so one big group
 * can make it far larger (or the dev part far smaller) than asked: the realised share is
 * checked. A little off is a warning; more than 25 points off is refused, since the search
 * would then run on a fraction of the data and the test score describe a few items. */
static int holdout_check(experiment *x, const xp_frame *all, const split_plan *hold, int grouped, char *err, size_t n)
{
    size_t rows = all->n_rows;
    if (!rows || x->test_fraction <= 0) return XP_OK;
    double share = (double)hold->n_test / (double)rows, off = fabs(share - x->test_fraction);
    double warn_at = fmax(0.05, 0.25 * x->test_fraction);
    if (off <= warn_at) return XP_OK;
    char why[1024] = "";
    if (grouped && hold->largest_test_group) {
        char value[128] = "?";
        const xp_column *gc = frame_find(all, x->group_col);
        size_t r = hold->largest_test_row;
        if (gc && gc->type == XP_COL_TEXT && gc->text[r]) snprintf(value, sizeof value, "%.100s", gc->text[r]);
        else if (gc && gc->type == XP_COL_CATEGORICAL && gc->codes[r] >= 0) snprintf(value, sizeof value, "%.100s", gc->levels[gc->codes[r]]);
        else if (gc && (gc->type == XP_COL_NUMERIC || gc->type == XP_COL_BOOL)) snprintf(value, sizeof value, "%.17g", gc->num[r]);
        snprintf(why, sizeof why,
                 ": whole groups of '%s' go to one side, and the test part's %zu group%s include '%s' with %zu rows "
                 "(%.1f%% of the file; %zu groups in all)",
                 x->group_col, hold->n_test_groups, hold->n_test_groups == 1 ? "" : "s", value, hold->largest_test_group,
                 100.0 * (double)hold->largest_test_group / (double)rows, hold->n_groups);
    }
    const char *fix = "use a finer validation.group, another seed, or a given test set (data.test_path)";
    if (off > 0.25) {
        snprintf(err, n, "%s: the grouped holdout put %.1f%% of the rows in the test part, asked %.1f%%%s; %s",
                 cfg_where(cfg_path(x->root, "validation.test_fraction") ? cfg_path(x->root, "validation.test_fraction") : x->root),
                 100 * share, 100 * x->test_fraction, why, fix);
        return XP_ECONFIG;
    }
    host_log(&x->env, XP_LOG_WARN, "data", "the holdout put %.1f%% of the rows in the test part, asked %.1f%%%s; %s",
             100 * share, 100 * x->test_fraction, why, fix);
    return XP_OK;
}

/* A fold or test part of one row cannot be scored (R² needs two targets, and one row says
 * nothing of a method), and on a tiny table that is found only when the first trials have all
 * failed, or at the very end: said before any work, with the folds that would fit. */
static int parts_big_enough(experiment *x, const char *test_path, char *err, size_t n)
{
    enum { MIN_PART = 2 };
    size_t *size = calloc((size_t)x->folds, sizeof *size), smallest = SIZE_MAX;
    if (!size) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (size_t i = 0; i < x->plan.n_dev; i++)
        if (x->plan.fold[i] >= 0 && x->plan.fold[i] < x->folds) size[x->plan.fold[i]]++;
    for (int k = 0; k < x->folds; k++) smallest = size[k] < smallest ? size[k] : smallest;
    free(size);
    const xp_cfg *folds_key = cfg_path(x->root, "validation.folds");
    const char *where = cfg_where(folds_key ? folds_key : x->root);
    size_t rows = x->dev->n_rows;
    if (smallest < MIN_PART) {
        if (rows < 2 * MIN_PART)
            snprintf(err, n, "%s: %zu dev rows are too few to validate on: %d folds leave a fold of %zu row%s; "
                     "a method needs at least %d rows to be searched and scored", where, rows, x->folds, smallest,
                     smallest == 1 ? "" : "s", 2 * MIN_PART);
        else
            snprintf(err, n, "%s: %zu dev rows in %d folds leave a fold of %zu row%s to score, too few (one row says nothing of a method, and R² needs two); "
                     "set validation.folds=%zu or fewer%s, or give more rows", where, rows, x->folds, smallest,
                     smallest == 1 ? "" : "s", rows / MIN_PART > 100 ? 100 : rows / MIN_PART,
                     x->plan.n_groups && x->group_col ? " (whole groups go to one fold)" : "");
        return XP_ECONFIG;
    }
    if (x->test && x->test->n_rows < MIN_PART) {
        const xp_cfg *tf = cfg_path(x->root, "validation.test_fraction");
        snprintf(err, n, "%s: the test part holds %zu row%s, too few to score (R² needs two); %s",
                 test_path ? test_path : cfg_where(tf ? tf : x->root), x->test->n_rows, x->test->n_rows == 1 ? "" : "s",
                 test_path ? "give a test file of more rows" : "raise validation.test_fraction or give more rows");
        return XP_ECONFIG;
    }
    return XP_OK;
}

/* train_path: the file the rows come from (NULL: data.path). for_predict: a given test file
 * (data.test_path) is not read, and x->test stays NULL. */
static int setup(experiment *x, const char *train_path, int for_predict, char *err, size_t n)
{
    const xp_cfg *data = cfg_get(x->root, "data"), *val = cfg_get(x->root, "validation");
    const char *path = NULL, *test_path = NULL, *images = NULL;
    int64_t folds = 5, grouped = 1;
    int rc, group_flag = 1;
    x->target = "target";
    x->test_fraction = 0.15;
    x->group_col = NULL;
    x->source_col = NULL;
    if ((rc = cfg_read_str_or_null(data, "path", &path, err, n)) ||
        (rc = cfg_read_str_or_null(data, "target", &x->target, err, n)) ||
        (rc = cfg_read_str_or_null(data, "test_path", &test_path, err, n)) ||
        (rc = cfg_read_str_or_null(data, "images", &images, err, n)) ||
        (rc = cfg_read_str_or_null(data, "source", &x->source_col, err, n)) ||
        (rc = cfg_read_num(val, "test_fraction", 0, &x->test_fraction, err, n)) ||
        (rc = cfg_read_int(val, "folds", 0, &folds, err, n)) ||
        (rc = cfg_read_str_or_null(val, "group", &x->group_col, err, n)) ||
        (rc = cfg_read_bool(val, "grouped", 0, &group_flag, err, n)))
        return rc;
    /* base.yaml names no file and no column: say which override is missing. */
    if (!path || !*path) {
        snprintf(err, n, "%s: data.path is not set: give the CSV to learn from, e.g. data.path=my.csv",
                 cfg_where(cfg_get(data, "path") ? cfg_get(data, "path") : x->root));
        return XP_ECONFIG;
    }
    if (!x->target || !*x->target) {
        snprintf(err, n, "%s: data.target is not set: name the column to predict, e.g. data.target=\"my target\"",
                 cfg_where(cfg_get(data, "target") ? cfg_get(data, "target") : x->root));
        return XP_ECONFIG;
    }
    if (train_path) path = train_path;
    grouped = group_flag && x->group_col;
    /* Every column the config names, against the header, all at once, before any work. */
    if ((rc = columns_check(x, path, err, n))) return rc;
    if (folds < 2 || folds > 100) { snprintf(err, n, "%s: validation.folds must be in [2, 100]", cfg_where(cfg_get(val, "folds"))); return XP_ECONFIG; }
    x->folds = (int)folds;
    (void)images;   /* read here so it is known; encoders read it through cfg_root */

    xp_frame *all = NULL;
    size_t held_groups = 0, all_groups = 0;
    if ((rc = data_load(x, path, 1, &all, err, n))) return rc;
    if (!frame_role(all, XP_ROLE_TARGET)) {
        frame_free(all);
        snprintf(err, n, "%s: the loader did not mark a target column '%s'", path, x->target);
        return XP_EINVAL;
    }
    if (x->source_col && !frame_find(all, x->source_col)) {
        frame_free(all);
        snprintf(err, n, "%s: data.source: no column '%s' in %s", cfg_where(cfg_get(data, "source")), x->source_col, path);
        return XP_ECONFIG;
    }
    if (test_path && for_predict) {
        x->dev = all;
    } else if (test_path) {
        xp_frame *test = NULL;
        if ((rc = data_load(x, test_path, 1, &test, err, n))) { frame_free(all); return rc; }
        x->dev = all;
        x->test = test;
    } else {
        split_plan hold;
        if ((rc = split_make(all, x->group_col, x->test_fraction, 2, (int)grouped, x->env.seed, &hold, err, n))) {
            frame_free(all);
            return rc;
        }
        if ((rc = holdout_check(x, all, &hold, grouped, err, n))) {
            split_free(&hold);
            frame_free(all);
            return rc;
        }
        held_groups = hold.n_test_groups;
        all_groups = hold.n_groups;
        x->test = frame_take(all, hold.test, hold.n_test);
        x->dev = frame_take(all, hold.dev, hold.n_dev);
        split_free(&hold);
        frame_free(all);
        if (!x->test || !x->dev) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    }
    /* Folds of the dev rows: salted differently from the test holdout. */
    rc = split_make(x->dev, x->group_col, 0.0, x->folds, (int)grouped, x->env.seed * 31 + 7, &x->plan, err, n);
    if (rc) {
        /* Say which rows were split: the groups the holdout left. */
        char inner[2048];
        snprintf(inner, sizeof inner, "%s", err);
        if (held_groups && grouped)
            snprintf(err, n, "folds of the dev part (%zu of %zu groups went to the test part): %s", held_groups,
                     all_groups, inner);
        return rc;
    }
    if ((rc = parts_big_enough(x, test_path, err, n))) return rc;
    if (!x->test) return XP_OK;   /* predict: the dev rows are all it needs */
    if (grouped)
        host_log(&x->env, XP_LOG_INFO, "data", "%zu dev rows (%zu groups, %d folds grouped by %s), %zu test rows%s",
                 x->dev->n_rows, x->plan.n_groups, x->folds, x->group_col, x->test->n_rows,
                 test_path ? " from data.test_path" : " held out");
    else
        /* Said plainly: rows of one item in both train and validation make CV optimistic. */
        host_log(&x->env, XP_LOG_INFO, "data", "%zu dev rows, %d folds: plain K-fold on rows (%s; when several rows "
                 "share an item, set validation.group=COLUMN), %zu test rows%s", x->dev->n_rows, x->folds,
                 x->group_col ? "validation.grouped is false" : "no validation.group", x->test->n_rows,
                 test_path ? " from data.test_path" : " held out at random");
    return XP_OK;
}

int data_setup(experiment *x, char *err, size_t n)
{
    return setup(x, NULL, 0, err, n);
}

int data_setup_predict(experiment *x, const char *train_path, char *err, size_t n)
{
    return setup(x, train_path, 1, err, n);
}
