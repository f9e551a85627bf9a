/* bench/search/bare_loop.c — the baseline for the runner's overhead: a plain C loop that trains
 * XGBoost (C API) on the folds of a finished xp run with the parameters of that run's trials,
 * the same early stopping, on the same feature matrices, and nothing else (no plugins, no
 * config tree, no store writes, no sampler).
 *
 *     bare_loop --db bench/xp.db --run 1 --data data/candidates_data.csv \
 *               --param objective=reg:squarederror --param tree_method=hist ... \
 *               --rounds 2000 --early-stop 50 --monotone quantity=-1 --monotone log_quantity=-1
 *
 * From the store it reads: the run's folds artifact (row,part,fold), each trial's parameters
 * (trial_params; integers by their IntDistribution) and how many folds the run evaluated for it
 * (fold-level `valid` rmsle rows in xp_metrics: fewer than k for a pruned trial), and, per fold,
 * the placeholder codes and dropped columns the run's pipeline learned (the first k
 * `placeholders` and `drop_columns` records: folds are built in order). The matrix of each fold
 * is rebuilt here from the CSV with the step-1 transforms in plain C: numbers parsed, nr_/sh_
 * prefixes stripped (--prefixed), True/False as 1/0, quantity -2 -> NaN plus quantity_known and
 * log_quantity appended, recorded codes -> NaN, recorded columns dropped, --categorical columns
 * coded by their sorted training values (unseen -> NaN), log1p target. Each fold's RMSLE is
 * compared with the one the run stored, so "same work" is checked, not assumed.
 * Folds are trained on the runner's schedule (--fold-jobs = search.fold_jobs): that many folds
 * at once, each fit on threads / fold-jobs XGBoost threads, the next fold starting as soon as a
 * thread is free; a pruned trial trains only the folds the run scored.
 * Prints one `bare_loop:` summary line; --out also writes it as JSON. Exit 0 on success.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xgboost/c_api.h>

#define MAX_KV 64

typedef struct kv {
    char *key, *value;
} kv;

typedef struct options {
    const char *db, *data, *folds, *out, *target, *quantity;
    long long run;
    kv params[MAX_KV], monotone[MAX_KV];
    int n_params, n_monotone;
    char *prefixed[MAX_KV], *categorical[MAX_KV], *ignore[MAX_KV];
    int n_prefixed, n_categorical, n_ignore;
    int rounds, early_stop, threads, k, fold_jobs;
    long long only_trial;        /* -1 = every trial */
} options;

typedef struct table {           /* the CSV as doubles; text columns are skipped (NaN) */
    size_t rows, cols;
    char **names;
    double *v;                   /* rows x cols */
} table;

typedef struct trial {
    long long id, number;
    char state[16];
    int n_folds;                 /* folds the run evaluated */
    double xp_rmsle[16];         /* the run's per-fold values */
    kv params[MAX_KV];
    int n_params;
} trial;

typedef struct fold_rec {        /* what the run's pipeline learned on this fold's training rows */
    char **drop;
    int n_drop;
    char **code_col;
    double *code_val;
    int n_codes;
} fold_rec;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "bare_loop: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    exit(1);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) die("out of memory%s%s", "", "");
    return d;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory%s%s", "", "");
    return p;
}

static void xgb_check(int rc, const char *what)
{
    if (rc) die("XGBoost: %s: %s", what, XGBGetLastError());
}

/* ------------------------------------------------------------------ options */

static int split_list(char *s, char **out, int max)
{
    int n = 0;
    for (char *save = NULL, *t = strtok_r(s, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
        out[n++] = t;
    return n;
}

static void add_kv(kv *list, int *n, const char *arg, const char *flag)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) die("%s expects KEY=VALUE, got '%s'", flag, arg);
    if (*n == MAX_KV) die("too many %s options%s", flag, "");
    for (int i = 0; i < *n; i++)          /* a later value replaces an earlier one */
        if (strlen(list[i].key) == (size_t)(eq - arg) && !strncmp(list[i].key, arg, (size_t)(eq - arg))) {
            free(list[i].value);
            list[i].value = xstrdup(eq + 1);
            return;
        }
    list[*n].key = strndup(arg, (size_t)(eq - arg));
    list[*n].value = xstrdup(eq + 1);
    (*n)++;
}

static int to_int(const char *s, const char *flag)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || !*s || v < 0 || v > 10000000) die("%s expects a non-negative integer, got '%s'", flag, s);
    return (int)v;
}

static void usage(void)
{
    fputs("usage: bare_loop --db STORE.db --run ID --data FILE.csv [options]\n"
          "  --folds FILE          folds CSV (row,part,fold); default: the run's folds artifact\n"
          "  --param KEY=VALUE     an XGBoost parameter (repeatable); trial parameters override\n"
          "  --rounds N            num_boost_round (default 2000)\n"
          "  --early-stop N        early_stopping_rounds, 0 = off (default 50)\n"
          "  --monotone COL=DIR    monotone constraint by feature name (repeatable)\n"
          "  --threads N           thread budget (default: online CPUs)\n"
          "  --fold-jobs N         folds trained at once, each on threads/N threads, as the runner\n"
          "                        does (search.fold_jobs; 0 = one per thread; default 1)\n"
          "  --folds-k K           number of folds (default 5)\n"
          "  --target COL          (default target)    --quantity COL (default quantity)\n"
          "  --prefixed A,B        columns with nr_/sh_ prefixes (default feature_1,feature_2)\n"
          "  --categorical A,B,C   (default source_id,feature_58,feature_59)\n"
          "  --ignore A,B          non-feature text columns (default description)\n"
          "  --only-trial N        replay only the trial numbered N (to check one trial again)\n"
          "  --out FILE.json       also write the summary as JSON\n", stderr);
}

static void parse_options(int argc, char **argv, options *o)
{
    static char prefixed[] = "feature_1,feature_2", cats[] = "source_id,feature_58,feature_59",
                ign[] = "description";
    memset(o, 0, sizeof *o);
    o->run = -1;
    o->only_trial = -1;
    o->rounds = 2000;
    o->early_stop = 50;
    o->k = 5;
    o->fold_jobs = 1;
    o->target = "target";
    o->quantity = "quantity";
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cpus > 0 ? (int)cpus : 1;
    o->n_prefixed = split_list(prefixed, o->prefixed, MAX_KV);
    o->n_categorical = split_list(cats, o->categorical, MAX_KV);
    o->n_ignore = split_list(ign, o->ignore, MAX_KV);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(); exit(0); }
        if (i + 1 >= argc) { usage(); die("%s needs a value%s", a, ""); }
        char *v = argv[++i];
        if (!strcmp(a, "--db")) o->db = v;
        else if (!strcmp(a, "--run")) o->run = to_int(v, a);
        else if (!strcmp(a, "--data")) o->data = v;
        else if (!strcmp(a, "--folds")) o->folds = v;
        else if (!strcmp(a, "--out")) o->out = v;
        else if (!strcmp(a, "--param")) add_kv(o->params, &o->n_params, v, a);
        else if (!strcmp(a, "--monotone")) add_kv(o->monotone, &o->n_monotone, v, a);
        else if (!strcmp(a, "--rounds")) o->rounds = to_int(v, a);
        else if (!strcmp(a, "--early-stop")) o->early_stop = to_int(v, a);
        else if (!strcmp(a, "--threads")) o->threads = to_int(v, a);
        else if (!strcmp(a, "--fold-jobs")) o->fold_jobs = to_int(v, a);
        else if (!strcmp(a, "--only-trial")) o->only_trial = to_int(v, a);
        else if (!strcmp(a, "--folds-k")) o->k = to_int(v, a);
        else if (!strcmp(a, "--target")) o->target = v;
        else if (!strcmp(a, "--quantity")) o->quantity = v;
        else if (!strcmp(a, "--prefixed")) o->n_prefixed = split_list(v, o->prefixed, MAX_KV);
        else if (!strcmp(a, "--categorical")) o->n_categorical = split_list(v, o->categorical, MAX_KV);
        else if (!strcmp(a, "--ignore")) o->n_ignore = split_list(v, o->ignore, MAX_KV);
        else { usage(); die("unknown option %s%s", a, ""); }
    }
    if (!o->db || !o->data || o->run < 0) { usage(); die("--db, --run and --data are required%s%s", "", ""); }
    if (o->rounds < 1) die("--rounds must be >= 1%s%s", "", "");
    if (o->k < 2 || o->k > 16) die("--folds-k must be in [2, 16]%s%s", "", "");
    if (o->threads < 1) o->threads = 1;
    if (o->fold_jobs == 0) o->fold_jobs = o->threads;
    if (o->fold_jobs > o->k) o->fold_jobs = o->k;
}

static int in_list(char *const *list, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], s)) return 1;
    return 0;
}

/* ------------------------------------------------------------------ CSV */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 20, n = 0;
    char *buf = xmalloc(cap);
    for (size_t r; (r = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += r;
        if (cap - n < 2) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) die("out of memory reading %s%s", path, "");
            buf = nb;
        }
    }
    if (ferror(f)) die("%s: read error: %s", path, strerror(errno));
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

/* "nr_12" -> 12; 0 on a match. */
static int parse_prefixed(const char *s, double *v)
{
    const char *p = s;
    while (isalpha((unsigned char)*p)) p++;
    if (p == s || *p != '_') return -1;
    char *end;
    long long x = strtoll(p + 1, &end, 10);
    if (end == p + 1 || *end) return -1;
    *v = (double)x;
    return 0;
}

static void load_csv(const char *path, const options *o, table *t)
{
    size_t len;
    char *buf = slurp(path, &len);
    if (memchr(buf, '"', len)) die("%s: quoted fields are not supported by this bench loop%s", path, "");
    /* header */
    char *line = buf, *nl = strchr(line, '\n');
    if (!nl) die("%s: no header line%s", path, "");
    *nl = 0;
    if (nl > line && nl[-1] == '\r') nl[-1] = 0;
    size_t cols = 1;
    for (char *p = line; *p; p++) cols += *p == ',';
    t->cols = cols;
    t->names = xmalloc(cols * sizeof *t->names);
    size_t j = 0;
    for (char *p = line; j < cols; j++) {
        char *c = strchr(p, ',');
        if (c) *c = 0;
        t->names[j] = xstrdup(p);
        p = c ? c + 1 : p + strlen(p);
    }
    int *kind = xmalloc(cols * sizeof *kind);   /* 0 number, 1 prefixed, 2 skipped text */
    for (j = 0; j < cols; j++)
        kind[j] = in_list(o->ignore, o->n_ignore, t->names[j]) ? 2 : in_list(o->prefixed, o->n_prefixed, t->names[j]) ? 1 : 0;
    size_t rows = 0;
    for (char *p = nl + 1; *p; p++) rows += *p == '\n';
    if (len && buf[len - 1] != '\n') rows++;
    t->v = xmalloc(rows * cols * sizeof *t->v);
    size_t r = 0, lineno = 1;
    for (char *p = nl + 1; *p && r < rows; lineno++) {
        char *e = strchr(p, '\n');
        if (e) *e = 0;
        if (e && e > p && e[-1] == '\r') e[-1] = 0;
        if (!*p) { p = e ? e + 1 : p + strlen(p); continue; }   /* blank line */
        char *f = p;
        for (j = 0; j < cols; j++) {
            char *c = strchr(f, ',');
            if (!c && j + 1 < cols) {
                char where[64];
                snprintf(where, sizeof where, "line %zu", lineno + 1);
                die("%s: %s has fewer fields than the header", path, where);
            }
            if (c) *c = 0;
            double v = NAN;
            if (kind[j] == 2 || !*f) v = NAN;
            else if (kind[j] == 1) {
                if (parse_prefixed(f, &v)) v = NAN;        /* as xp: a non-match is missing */
            } else if (!strcmp(f, "True") || !strcmp(f, "true") || !strcmp(f, "TRUE")) v = 1;
            else if (!strcmp(f, "False") || !strcmp(f, "false") || !strcmp(f, "FALSE")) v = 0;
            else {
                char *end;
                v = strtod(f, &end);
                if (*end) {
                    char where[128];
                    snprintf(where, sizeof where, "line %zu, column %zu (%s)", lineno + 1, j + 1, t->names[j]);
                    fprintf(stderr, "bare_loop: %s: %s: '%s' is not a number\n", path, where, f);
                    exit(1);
                }
            }
            t->v[r * cols + j] = v;
            f = c ? c + 1 : f + strlen(f);
        }
        r++;
        p = e ? e + 1 : p + strlen(p);
    }
    t->rows = r;
    free(kind);
    free(buf);
}

static int column(const table *t, const char *name)
{
    for (size_t j = 0; j < t->cols; j++)
        if (!strcmp(t->names[j], name)) return (int)j;
    return -1;
}

/* ------------------------------------------------------------------ the store */

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) die("sqlite: %s (in: %s)", sqlite3_errmsg(db), sql);
    return s;
}

static trial *load_trials(sqlite3 *db, long long run, int k, int *n_out)
{
    sqlite3_stmt *s = prep(db, "SELECT t.trial_id, t.number, t.state FROM trials t JOIN xp_trial_runs r "
                               "ON r.trial_id = t.trial_id WHERE r.run_id = ?1 ORDER BY t.number");
    sqlite3_bind_int64(s, 1, run);
    int cap = 64, n = 0;
    trial *tr = xmalloc((size_t)cap * sizeof *tr);
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            trial *nt = realloc(tr, (size_t)cap * sizeof *tr);
            if (!nt) die("out of memory%s%s", "", "");
            tr = nt;
        }
        memset(&tr[n], 0, sizeof tr[n]);
        tr[n].id = sqlite3_column_int64(s, 0);
        tr[n].number = sqlite3_column_int64(s, 1);
        snprintf(tr[n].state, sizeof tr[n].state, "%s", (const char *)sqlite3_column_text(s, 2));
        n++;
    }
    sqlite3_finalize(s);
    sqlite3_stmt *p = prep(db, "SELECT param_name, param_value, distribution_json FROM trial_params "
                               "WHERE trial_id = ?1 ORDER BY param_id");
    sqlite3_stmt *m = prep(db, "SELECT fold, value FROM xp_metrics WHERE trial_id = ?1 AND split = 'valid' "
                               "AND metric = 'rmsle' AND fold >= 0 ORDER BY fold");
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int64(p, 1, tr[i].id);
        while (sqlite3_step(p) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(p, 0);
            double v = sqlite3_column_double(p, 1);
            const char *dist = (const char *)sqlite3_column_text(p, 2);
            const char *key = strncmp(name, "model.params.", 13) ? NULL : name + 13;
            if (!key) die("trial parameter %s is not an XGBoost parameter (model.params.*)%s", name, "");
            char text[64];
            if (dist && strstr(dist, "IntDistribution")) snprintf(text, sizeof text, "%lld", (long long)llround(v));
            else snprintf(text, sizeof text, "%.17g", v);
            if (tr[i].n_params == MAX_KV) die("too many trial parameters%s%s", "", "");
            tr[i].params[tr[i].n_params].key = xstrdup(key);
            tr[i].params[tr[i].n_params].value = xstrdup(text);
            tr[i].n_params++;
        }
        sqlite3_reset(p);
        sqlite3_bind_int64(m, 1, tr[i].id);
        while (sqlite3_step(m) == SQLITE_ROW) {
            int f = sqlite3_column_int(m, 0);
            if (f >= 0 && f < k) {
                tr[i].xp_rmsle[f] = sqlite3_column_double(m, 1);
                if (f + 1 > tr[i].n_folds) tr[i].n_folds = f + 1;
            }
        }
        sqlite3_reset(m);
    }
    sqlite3_finalize(p);
    sqlite3_finalize(m);
    *n_out = n;
    return tr;
}

/* The first k records of a kind are the k folds; returns their ids. */
static void record_ids(sqlite3 *db, long long run, const char *kind, int k, long long *ids)
{
    sqlite3_stmt *s = prep(db, "SELECT id FROM xp_records WHERE run_id = ?1 AND kind = ?2 ORDER BY id LIMIT ?3");
    sqlite3_bind_int64(s, 1, run);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, k);
    int n = 0;
    while (sqlite3_step(s) == SQLITE_ROW) ids[n++] = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (n < k) die("the run has fewer '%s' records than folds (%s)", kind, "was it run with this pipeline?");
}

static void load_fold_records(sqlite3 *db, long long run, int k, fold_rec *fr)
{
    long long ph[16], dc[16];
    record_ids(db, run, "placeholders", k, ph);
    record_ids(db, run, "drop_columns", k, dc);
    sqlite3_stmt *d = prep(db, "SELECT json_extract(d.value, '$.name') FROM xp_records r, "
                               "json_each(r.json, '$.dropped') d WHERE r.id = ?1");
    sqlite3_stmt *c = prep(db, "SELECT json_extract(c.value, '$.name'), json_extract(v.value, '$.value') "
                               "FROM xp_records r, json_each(r.json, '$.columns') c, "
                               "json_each(c.value, '$.codes') v WHERE r.id = ?1");
    for (int f = 0; f < k; f++) {
        fold_rec *x = &fr[f];
        memset(x, 0, sizeof *x);
        x->drop = xmalloc(512 * sizeof *x->drop);
        x->code_col = xmalloc(512 * sizeof *x->code_col);
        x->code_val = xmalloc(512 * sizeof *x->code_val);
        sqlite3_bind_int64(d, 1, dc[f]);
        while (sqlite3_step(d) == SQLITE_ROW && x->n_drop < 512)
            x->drop[x->n_drop++] = xstrdup((const char *)sqlite3_column_text(d, 0));
        sqlite3_reset(d);
        sqlite3_bind_int64(c, 1, ph[f]);
        while (sqlite3_step(c) == SQLITE_ROW && x->n_codes < 512) {
            x->code_col[x->n_codes] = xstrdup((const char *)sqlite3_column_text(c, 0));
            x->code_val[x->n_codes++] = sqlite3_column_double(c, 1);
        }
        sqlite3_reset(c);
    }
    sqlite3_finalize(d);
    sqlite3_finalize(c);
}

static char *folds_path(sqlite3 *db, long long run)
{
    sqlite3_stmt *s = prep(db, "SELECT path FROM xp_artifacts WHERE run_id = ?1 AND kind = 'folds' ORDER BY id DESC LIMIT 1");
    sqlite3_bind_int64(s, 1, run);
    char *path = NULL;
    if (sqlite3_step(s) == SQLITE_ROW) path = xstrdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    if (!path) die("run has no 'folds' artifact in the store; pass --folds%s%s", "", "");
    return path;
}

/* fold[row] = fold of a dev row, -1 test, -2 not listed. */
static int *load_folds(const char *path, size_t rows, int k)
{
    FILE *f = fopen(path, "r");
    if (!f) die("%s: cannot open: %s", path, strerror(errno));
    int *fold = xmalloc(rows * sizeof *fold);
    for (size_t i = 0; i < rows; i++) fold[i] = -2;
    char line[256];
    size_t lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "row,part,fold", 13)) die("%s: expected the header row,part,fold%s", path, "");
            continue;
        }
        long long row;
        char part[16];
        int fd = -1, got = sscanf(line, "%lld,%15[a-z],%d", &row, part, &fd);
        char where[64];
        snprintf(where, sizeof where, "line %zu", lineno);
        if (got < 2 || row < 0 || (size_t)row >= rows) die("%s: %s: bad row (or row beyond the data)", path, where);
        if (!strcmp(part, "dev")) {
            if (got < 3 || fd < 0 || fd >= k) die("%s: %s: dev row without a fold in [0, k)", path, where);
            fold[row] = fd;
        } else fold[row] = -1;
    }
    fclose(f);
    return fold;
}

/* ------------------------------------------------------------------ fold matrices */

typedef struct fold_mat {
    DMatrixHandle train, valid;
    double *valid_y;             /* raw target of the validation rows */
    size_t n_valid, n_train, p;
    char *monotone;
} fold_mat;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct feature {
    int src;                     /* CSV column, or -1 quantity_known, -2 log_quantity */
    const char *name;
    int is_cat;
    double *levels;              /* categorical: sorted training values */
    size_t n_levels;
    double codes[16];            /* placeholder codes -> NaN */
    int n_codes;
} feature;

static double feature_value(const feature *ft, const double *row, int qcol)
{
    double q = qcol >= 0 ? row[qcol] : NAN, v;
    int known = !isnan(q) && q != -2;
    if (ft->src == -1) v = known;
    else if (ft->src == -2) v = known && q > 0 ? log(q) : NAN;
    else v = ft->src == qcol && row[qcol] == -2 ? NAN : row[ft->src];
    for (int c = 0; c < ft->n_codes; c++)
        if (v == ft->codes[c]) return NAN;
    return v;
}

static DMatrixHandle matrix(const table *t, const options *o, const int *fold, int f, int valid,
                            const feature *ft, size_t p, int qcol, int ycol, double *raw_y, size_t *n_out)
{
    size_t n = 0;
    for (size_t i = 0; i < t->rows; i++) n += fold[i] >= 0 && ((fold[i] == f) == (valid != 0));
    float *X = xmalloc(n * p * sizeof *X), *y = xmalloc(n * sizeof *y);
    size_t r = 0;
    for (size_t i = 0; i < t->rows; i++) {
        if (!(fold[i] >= 0 && ((fold[i] == f) == (valid != 0)))) continue;
        const double *row = t->v + i * t->cols;
        for (size_t j = 0; j < p; j++) {
            double v = feature_value(&ft[j], row, qcol);
            if (ft[j].is_cat && !isnan(v)) {
                const double *hit = bsearch(&v, ft[j].levels, ft[j].n_levels, sizeof(double), cmp_double);
                v = hit ? (double)(hit - ft[j].levels) : NAN;   /* unseen in training: missing */
            }
            X[r * p + j] = (float)v;
        }
        y[r] = (float)log1p(row[ycol]);
        if (raw_y) raw_y[r] = row[ycol];
        r++;
    }
    DMatrixHandle dm;
    xgb_check(XGDMatrixCreateFromMat_omp(X, (bst_ulong)n, (bst_ulong)p, NAN, &dm, o->threads), "creating a DMatrix");
    xgb_check(XGDMatrixSetFloatInfo(dm, "label", y, (bst_ulong)n), "setting labels");
    const char **types = xmalloc(p * sizeof *types);
    for (size_t j = 0; j < p; j++) types[j] = ft[j].is_cat ? "c" : "q";
    xgb_check(XGDMatrixSetStrFeatureInfo(dm, "feature_type", types, (bst_ulong)p), "setting feature types");
    free(types);
    free(X);
    free(y);
    *n_out = n;
    return dm;
}

static int dropped(const fold_rec *rec, const char *name)
{
    for (int i = 0; i < rec->n_drop; i++)
        if (!strcmp(rec->drop[i], name)) return 1;
    return 0;
}

static void build_fold(const table *t, const options *o, const int *fold, int f, const fold_rec *rec, fold_mat *fm)
{
    int ycol = column(t, o->target), qcol = column(t, o->quantity);
    if (ycol < 0) die("no target column '%s'%s", o->target, "");
    /* Features in xp's frame order: CSV columns (minus target, ignored, dropped), then the two
     * columns the quantity step appends. */
    feature *ft = calloc(t->cols + 2, sizeof *ft);
    if (!ft) die("out of memory%s%s", "", "");
    size_t p = 0;
    for (size_t j = 0; j < t->cols; j++) {
        if ((int)j == ycol || in_list(o->ignore, o->n_ignore, t->names[j]) || dropped(rec, t->names[j])) continue;
        ft[p++] = (feature){ .src = (int)j, .name = t->names[j] };
    }
    char known_name[256], log_name[256];
    snprintf(known_name, sizeof known_name, "%s_known", o->quantity);
    snprintf(log_name, sizeof log_name, "log_%s", o->quantity);
    if (qcol >= 0) {
        if (!dropped(rec, known_name)) ft[p++] = (feature){ .src = -1, .name = known_name };
        if (!dropped(rec, log_name)) ft[p++] = (feature){ .src = -2, .name = log_name };
    }
    for (size_t j = 0; j < p; j++)
        for (int c = 0; c < rec->n_codes; c++)
            if (!strcmp(rec->code_col[c], ft[j].name) && ft[j].n_codes < 16) ft[j].codes[ft[j].n_codes++] = rec->code_val[c];
    /* Category levels: sorted distinct training values after the codes became NaN. */
    for (size_t j = 0; j < p; j++) {
        if (ft[j].src < 0 || !in_list(o->categorical, o->n_categorical, ft[j].name)) continue;
        ft[j].is_cat = 1;
        double *lv = xmalloc(t->rows * sizeof *lv);
        size_t m = 0;
        for (size_t i = 0; i < t->rows; i++) {
            if (fold[i] < 0 || fold[i] == f) continue;
            double v = feature_value(&ft[j], t->v + i * t->cols, qcol);
            if (!isnan(v)) lv[m++] = v;
        }
        qsort(lv, m, sizeof *lv, cmp_double);
        size_t d = 0;
        for (size_t i = 0; i < m; i++)
            if (d == 0 || lv[i] != lv[d - 1]) lv[d++] = lv[i];
        ft[j].levels = lv;
        ft[j].n_levels = d;
    }
    fm->p = p;
    fm->train = matrix(t, o, fold, f, 0, ft, p, qcol, ycol, NULL, &fm->n_train);
    size_t nv = 0;
    for (size_t i = 0; i < t->rows; i++) nv += fold[i] == f;
    fm->valid_y = xmalloc(nv * sizeof *fm->valid_y);
    fm->valid = matrix(t, o, fold, f, 1, ft, p, qcol, ycol, fm->valid_y, &fm->n_valid);
    /* "(0,0,-1,...)" in feature order. */
    fm->monotone = NULL;
    if (o->n_monotone) {
        size_t cap = 4 * p + 3, len = 0;
        fm->monotone = xmalloc(cap);
        fm->monotone[len++] = '(';
        for (size_t j = 0; j < p; j++) {
            const char *dir = "0";
            for (int m = 0; m < o->n_monotone; m++)
                if (!strcmp(o->monotone[m].key, ft[j].name)) dir = o->monotone[m].value;
            len += (size_t)snprintf(fm->monotone + len, cap - len, "%s%s", j ? "," : "", dir);
        }
        snprintf(fm->monotone + len, cap - len, ")");
    }
    for (size_t j = 0; j < p; j++) free(ft[j].levels);
    free(ft);
}

/* ------------------------------------------------------------------ training */

/* Last value of "[3]\tvalid-rmse:0.51". */
static double eval_value(const char *s)
{
    const char *colon = strrchr(s, ':');
    return colon ? strtod(colon + 1, NULL) : NAN;
}

typedef struct fold_result {
    double rmsle;
    int rounds;                  /* boosting rounds done */
    int best;
} fold_result;

static fold_result train_fold(const options *o, const trial *t, const fold_mat *fm, int nthread)
{
    DMatrixHandle cache[2] = { fm->train, fm->valid };
    BoosterHandle b;
    xgb_check(XGBoosterCreate(cache, 2, &b), "creating a booster");
    char buf[32];
    snprintf(buf, sizeof buf, "%d", nthread);
    xgb_check(XGBoosterSetParam(b, "nthread", buf), "nthread");
    for (int i = 0; i < o->n_params; i++) {
        const char *v = o->params[i].value;
        for (int j = 0; j < t->n_params; j++)
            if (!strcmp(t->params[j].key, o->params[i].key)) v = t->params[j].value;
        xgb_check(XGBoosterSetParam(b, o->params[i].key, v), o->params[i].key);
    }
    for (int j = 0; j < t->n_params; j++) {      /* trial parameters not in the base set */
        int base = 0;
        for (int i = 0; i < o->n_params; i++) base |= !strcmp(t->params[j].key, o->params[i].key);
        if (!base) xgb_check(XGBoosterSetParam(b, t->params[j].key, t->params[j].value), t->params[j].key);
    }
    if (fm->monotone) xgb_check(XGBoosterSetParam(b, "monotone_constraints", fm->monotone), "monotone_constraints");
    const char *names[1] = { "valid" };
    int best = -1, since = 0, done = 0;
    double best_score = NAN;
    for (int i = 0; i < o->rounds; i++) {
        xgb_check(XGBoosterUpdateOneIter(b, i, fm->train), "boosting");
        done = i + 1;
        const char *res;
        xgb_check(XGBoosterEvalOneIter(b, i, (DMatrixHandle *)&fm->valid, names, 1, &res), "evaluating");
        double s = eval_value(res);
        if (best < 0 ? !isnan(s) : s < best_score) { best = i; best_score = s; since = 0; }
        else since++;
        if (o->early_stop > 0 && since >= o->early_stop) break;
    }
    int last = o->early_stop > 0 && best >= 0 ? best : done - 1;
    char conf[200];
    snprintf(conf, sizeof conf, "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
             "\"iteration_end\": %d, \"strict_shape\": false}", last + 1);
    const bst_ulong *shape;
    bst_ulong dim;
    const float *pred;
    xgb_check(XGBoosterPredictFromDMatrix(b, fm->valid, conf, &shape, &dim, &pred), "predicting");
    double s = 0;
    for (size_t i = 0; i < fm->n_valid; i++) {
        double p = expm1((double)pred[i]);
        if (p < 0) p = 0;
        double d = log1p(p) - log1p(fm->valid_y[i]);
        s += d * d;
    }
    XGBoosterFree(b);
    return (fold_result){ sqrt(s / (double)fm->n_valid), done, last };
}

typedef struct job {
    const options *o;
    const trial *t;
    const fold_mat *fm;
    int nthread;
    fold_result r;
} job;

/* Folds handed out in order to whichever thread is free. */
typedef struct queue {
    job *jobs;
    int n;
    _Atomic int next;
} queue;

static void *run_queue(void *arg)
{
    queue *q = arg;
    for (int f; (f = q->next++) < q->n;) q->jobs[f].r = train_fold(q->jobs[f].o, q->jobs[f].t, q->jobs[f].fm, q->jobs[f].nthread);
    return NULL;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    double t0 = now_s();
    options o;
    parse_options(argc, argv, &o);
    sqlite3 *db;
    if (sqlite3_open_v2(o.db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) die("%s: %s", o.db, sqlite3_errmsg(db));
    int n_trials;
    trial *tr = load_trials(db, o.run, o.k, &n_trials);
    if (n_trials == 0) die("%s: run has no trials", o.db, "");
    fold_rec rec[16];
    load_fold_records(db, o.run, o.k, rec);
    char *fpath = o.folds ? xstrdup(o.folds) : folds_path(db, o.run);
    sqlite3_close(db);

    table t;
    load_csv(o.data, &o, &t);
    int *fold = load_folds(fpath, t.rows, o.k);
    for (size_t i = 0; i < t.rows; i++)
        if (fold[i] == -2) {
            char row[32];
            snprintf(row, sizeof row, "%zu", i);
            die("%s: data row %s is in no part (a different data file?)", fpath, row);
        }
    double t_load = now_s();
    fold_mat fm[16];
    for (int f = 0; f < o.k; f++) build_fold(&t, &o, fold, f, &rec[f], &fm[f]);
    double t_build = now_s();

    /* The runner's schedule (core/folds.c, core/ordered_pool.h): fold_jobs folds at once, each
     * on threads / fold_jobs XGBoost threads, the next fold starting as soon as one finishes;
     * all threads when folds run one at a time. Only the folds the run used are trained: the
     * runner stops a pruned trial's folds that had already started at their next round, work
     * this loop leaves out (so it is, if anything, the faster side). */
    int width = o.fold_jobs, nthread = width > 1 ? o.threads / width : o.threads;
    if (nthread < 1) nthread = 1;
    long long fits = 0, rounds = 0;
    int compared = 0, same = 0;
    double max_diff = 0;
    for (int i = 0; i < n_trials; i++) {
        trial *x = &tr[i];
        if (strcmp(x->state, "COMPLETE") && strcmp(x->state, "PRUNED")) continue;   /* failed: no work to redo */
        if (o.only_trial >= 0 && x->number != o.only_trial) continue;
        int todo = x->n_folds;
        job jobs[16];
        for (int f = 0; f < todo; f++) jobs[f] = (job){ &o, x, &fm[f], nthread, { 0, 0, 0 } };
        queue q = { .jobs = jobs, .n = todo };
        int workers = width < todo ? width : todo;
        pthread_t tid[16];
        for (int w = 1; w < workers; w++)
            if (pthread_create(&tid[w], NULL, run_queue, &q)) die("cannot start a thread%s%s", "", "");
        run_queue(&q);
        for (int w = 1; w < workers; w++) pthread_join(tid[w], NULL);
        double sum = 0;
        for (int f = 0; f < todo; f++) {
            fits++;
            rounds += jobs[f].r.rounds;
            sum += jobs[f].r.rmsle;
            double d = fabs(jobs[f].r.rmsle - x->xp_rmsle[f]);
            compared++;
            same += d <= 1e-9 * fabs(x->xp_rmsle[f]);
            if (d > max_diff) max_diff = d;
        }
        fprintf(stderr, "[bare %8.1fs] trial %lld %s: %d fold(s) used, %d trained, mean rmsle %.6g; per fold "
                "(bare/run):", now_s() - t0, x->number, x->state, x->n_folds, todo, x->n_folds ? sum / x->n_folds : NAN);
        for (int f = 0; f < x->n_folds; f++) fprintf(stderr, " %.9g/%.9g", jobs[f].r.rmsle, x->xp_rmsle[f]);
        fprintf(stderr, "\n");
    }
    double t_end = now_s();
    char line[1024];
    snprintf(line, sizeof line,
             "{\"trials\": %d, \"fits\": %lld, \"rounds\": %lld, \"threads\": %d, \"fold_jobs\": %d, "
             "\"threads_per_fit\": %d, \"features\": %zu, "
             "\"load_s\": %.3f, \"build_s\": %.3f, \"train_s\": %.3f, \"total_s\": %.3f, "
             "\"folds_compared\": %d, \"folds_identical\": %d, \"max_abs_rmsle_diff\": %.3g}",
             n_trials, fits, rounds, o.threads, width, nthread, fm[0].p, t_load - t0, t_build - t_load, t_end - t_build,
             t_end - t0, compared, same, max_diff);
    printf("bare_loop: %s\n", line);
    if (o.out) {
        FILE *f = fopen(o.out, "w");
        if (!f || fprintf(f, "%s\n", line) < 0 || fclose(f)) die("%s: cannot write: %s", o.out, strerror(errno));
    }
    for (int f = 0; f < o.k; f++) {
        XGDMatrixFree(fm[f].train);
        XGDMatrixFree(fm[f].valid);
        free(fm[f].valid_y);
        free(fm[f].monotone);
    }
    return 0;
}
