/* pca.c — transform `pca`: vector columns (embeddings) → a few principal components, as
 * numeric features any model reads.
 *
 *     runner plugins --help pca       # its options, as the plugin documents them
 *
 * Fitted on the training rows only: the mean and the directions are those of the rows (a
 * vector shared by 40 rows counts 40 times), computed by randomised subspace iteration on
 * the distinct vectors weighted by their row counts (Halko, Martinsson & Tropp 2011), so a
 * 1,792-wide embedding of 6k distinct images costs a few hundred Mflop, not a 1792² covariance.
 * Each column becomes <name>_pc1..<name>_pcK (NaN where the row's vector is missing; the
 * encoder's <name>_missing indicator stays). The explained variance of each component is
 * recorded (record `pca`).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "json_out.h"
#include "txu.h"
#include "xp/xp.h"

typedef struct learned {
    char *name;
    size_t dim, k;
    double *mean;                /* dim */
    double *dirs;                /* k × dim, unit rows, by decreasing variance */
    double *scale;               /* k: 1 / std (whiten) or 1 */
} learned;

typedef struct state {
    tx_sel columns;
    int64_t components, iterations;
    int whiten, keep;
    learned *cols;
    size_t n_cols;
} state;

static void clear_learned(state *s)
{
    for (size_t i = 0; i < s->n_cols; i++) {
        free(s->cols[i].name);
        free(s->cols[i].mean);
        free(s->cols[i].dirs);
        free(s->cols[i].scale);
    }
    free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s) return;
    tx_sel_free(&s->columns);
    clear_learned(s);
    free(s);
}

static int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    const xp_host *h = ctx->host;
    state *s = calloc(1, sizeof *s);
    if (!s) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    s->components = 16;
    s->iterations = 6;
    int rc;
    if ((rc = tx_sel_read(ctx, cfg, "columns", &s->columns)) ||
        (rc = h->cfg_int(ctx, cfg, "components", 0, &s->components)) ||
        (rc = h->cfg_int(ctx, cfg, "iterations", 0, &s->iterations)) ||
        (rc = h->cfg_bool(ctx, cfg, "whiten", 0, &s->whiten)) ||
        (rc = h->cfg_bool(ctx, cfg, "keep", 0, &s->keep))) {
        destroy(s);
        return rc;
    }
    if (s->components < 1 || s->components > 256) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: components must be in [1, 256], got %lld",
                     h->cfg_where(h->cfg_get(cfg, "components")), (long long)s->components);
        destroy(s);
        return rc;
    }
    if (s->iterations < 1 || s->iterations > 50) {
        rc = xp_fail(ctx, XP_ECONFIG, "%s: iterations must be in [1, 50], got %lld",
                     h->cfg_where(h->cfg_get(cfg, "iterations")), (long long)s->iterations);
        destroy(s);
        return rc;
    }
    *out = s;
    return XP_OK;
}

/* Orthonormalises the m columns of Q (d × m, column-major) in place (modified Gram-Schmidt);
 * a column that collapses is replaced by a unit vector along the first free axis. */
static void orthonormalise(double *Q, size_t d, size_t m)
{
    for (size_t j = 0; j < m; j++) {
        double *q = Q + j * d;
        for (int pass = 0; pass < 2; pass++)          /* twice: "twice is enough" */
            for (size_t i = 0; i < j; i++) {
                const double *p = Q + i * d;
                double dot = 0;
                for (size_t t = 0; t < d; t++) dot += p[t] * q[t];
                for (size_t t = 0; t < d; t++) q[t] -= dot * p[t];
            }
        double nrm = 0;
        for (size_t t = 0; t < d; t++) nrm += q[t] * q[t];
        nrm = sqrt(nrm);
        if (nrm < 1e-12) {
            memset(q, 0, d * sizeof *q);
            q[j % d] = 1;
            continue;                                  /* rare: re-orthogonalised next round */
        }
        for (size_t t = 0; t < d; t++) q[t] /= nrm;
    }
}

/* Eigen-decomposition of a small symmetric m × m matrix A (row-major) by cyclic Jacobi:
 * eigenvalues into w, eigenvectors into the columns of V. */
static void jacobi(double *A, size_t m, double *w, double *V)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) V[i * m + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0;
        for (size_t i = 0; i < m; i++)
            for (size_t j = i + 1; j < m; j++) off += A[i * m + j] * A[i * m + j];
        if (off < 1e-22) break;
        for (size_t p = 0; p < m; p++)
            for (size_t q = p + 1; q < m; q++) {
                double apq = A[p * m + q];
                if (fabs(apq) < 1e-300) continue;
                double theta = (A[q * m + q] - A[p * m + p]) / (2 * apq);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (size_t k = 0; k < m; k++) {
                    double akp = A[k * m + p], akq = A[k * m + q];
                    A[k * m + p] = c * akp - s * akq;
                    A[k * m + q] = s * akp + c * akq;
                }
                for (size_t k = 0; k < m; k++) {
                    double apk = A[p * m + k], aqk = A[q * m + k];
                    A[p * m + k] = c * apk - s * aqk;
                    A[q * m + k] = s * apk + c * aqk;
                }
                for (size_t k = 0; k < m; k++) {
                    double vkp = V[k * m + p], vkq = V[k * m + q];
                    V[k * m + p] = c * vkp - s * vkq;
                    V[k * m + q] = s * vkp + c * vkq;
                }
            }
    }
    for (size_t i = 0; i < m; i++) w[i] = A[i * m + i];
}

/* The centred matrix of distinct vectors is large (4k images × 3,072 pixels = 100 MB) and
 * fresh on every fold; in 4 KB pages, faulting it in costs as much as a product with it.
 * Aligned to 2 MB and marked for huge pages (Linux, where transparent huge pages are on
 * "madvise"), it faults in 512 times less often. Free with free(). */
static double *big_alloc(size_t count)
{
    size_t bytes = count * sizeof(double), align = (size_t)2 << 20;
    if (bytes < align) return malloc(bytes ? bytes : 1);
    void *p = aligned_alloc(align, (bytes + align - 1) / align * align);
#ifdef MADV_HUGEPAGE
    if (p) (void)madvise(p, (bytes + align - 1) / align * align, MADV_HUGEPAGE);  /* a hint only */
#endif
    return p;
}

/* Z = X Q for X (n × d, row-major) and Q (m columns of length d): four rows of X against
 * one column of Q at a time. Why: one dot product is a chain of dependent additions and
 * streams all of Q per row; four independent chains per pass keep the adder busy and read Q
 * a quarter as often. Each Z[a][j] is still summed over t in order, so the result is the
 * same to the bit as the plain loop's. */
static void times_q(const double *X, size_t n, size_t d, const double *Q, size_t m, double *Z)
{
    size_t a = 0;
    for (; a + 4 <= n; a += 4) {
        const double *x0 = X + a * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
        for (size_t j = 0; j < m; j++) {
            const double *q = Q + j * d;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (size_t t = 0; t < d; t++) {
                double qt = q[t];
                s0 += x0[t] * qt;
                s1 += x1[t] * qt;
                s2 += x2[t] * qt;
                s3 += x3[t] * qt;
            }
            Z[a * m + j] = s0;
            Z[(a + 1) * m + j] = s1;
            Z[(a + 2) * m + j] = s2;
            Z[(a + 3) * m + j] = s3;
        }
    }
    for (; a < n; a++)
        for (size_t j = 0; j < m; j++) {
            const double *x = X + a * d, *q = Q + j * d;
            double acc = 0;
            for (size_t t = 0; t < d; t++) acc += x[t] * q[t];
            Z[a * m + j] = acc;
        }
}

/* Q = X^T Z (Q as m columns of length d), in slices of the d coordinates so the slice of Q
 * being summed stays in cache while X is read once. Each Q[j][t] still adds its terms in row
 * order, so the result is the same to the bit as the plain loop's. */
#define PCA_SLICE 256
static void transpose_times(const double *X, size_t n, size_t d, const double *Z, size_t m, double *Q)
{
    memset(Q, 0, d * m * sizeof *Q);
    for (size_t t0 = 0; t0 < d; t0 += PCA_SLICE) {
        size_t w = d - t0 < PCA_SLICE ? d - t0 : PCA_SLICE;
        for (size_t a = 0; a < n; a++) {
            const double *x = X + a * d + t0;
            for (size_t j = 0; j < m; j++) {
                double z = Z[a * m + j];
                double *q = Q + j * d + t0;
                if (w == PCA_SLICE)                             /* fixed count: vectorised */
                    for (size_t t = 0; t < PCA_SLICE; t++) q[t] += z * x[t];
                else
                    for (size_t t = 0; t < w; t++) q[t] += z * x[t];
            }
        }
    }
}

static double gauss(xp_ctx *ctx)
{
    double u = ctx->host->rng_uniform(ctx), v = ctx->host->rng_uniform(ctx);
    return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

/* Learns mean and k directions of column c over the training rows. */
static int fit_column(xp_ctx *ctx, const state *s, const xp_column *c, size_t n_rows, learned *l,
                      json_out *rec)
{
    size_t d = c->dim, count = c->vectors ? c->vectors->count : 0;
    double *w = calloc(count ? count : 1, sizeof *w);          /* rows per distinct vector */
    if (!w) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    double total = 0;
    for (size_t i = 0; i < n_rows; i++) {
        int32_t r = c->vec_row[i];
        if (r >= 0 && (size_t)r < count) { w[r] += 1; total += 1; }
    }
    size_t n = 0;                                               /* distinct vectors in use */
    for (size_t r = 0; r < count; r++) n += w[r] > 0;
    if (n < 2) {
        free(w);
        return xp_fail(ctx, XP_EINVAL, "column %s: %zu distinct vector(s) in the training rows; PCA needs at least 2",
                       c->name, n);
    }
    size_t k = (size_t)s->components;
    if (k > d) k = d;
    if (k > n - 1) k = n - 1;
    size_t m = k + 8 < d ? k + 8 : d;                           /* oversampling */
    if (m > n) m = n;
    if (m < k) m = k;
    size_t *idx = malloc(n * sizeof *idx);
    double *X = big_alloc(n * d), *Q = malloc(d * m * sizeof *Q), *Z = malloc(n * m * sizeof *Z);
    double *B = malloc(m * m * sizeof *B), *V = malloc(m * m * sizeof *V), *ev = malloc(m * sizeof *ev);
    l->mean = calloc(d, sizeof *l->mean);
    l->dirs = malloc(k * d * sizeof *l->dirs);
    l->scale = malloc(k * sizeof *l->scale);
    int rc = XP_OK;
    if (!idx || !X || !Q || !Z || !B || !V || !ev || !l->mean || !l->dirs || !l->scale) {
        rc = xp_fail(ctx, XP_ENOMEM, "out of memory (PCA of %s: %zu x %zu)", c->name, n, d);
        goto out;
    }
    n = 0;
    for (size_t r = 0; r < count; r++) if (w[r] > 0) idx[n++] = r;
    const float *data = c->vectors->data;
    for (size_t a = 0; a < n; a++) {
        const float *v = data + idx[a] * d;
        for (size_t t = 0; t < d; t++) l->mean[t] += w[idx[a]] * v[t];
    }
    for (size_t t = 0; t < d; t++) l->mean[t] /= total;
    double tot_var = 0;
    for (size_t a = 0; a < n; a++) {                            /* X = sqrt(w) (v - mean) */
        const float *v = data + idx[a] * d;
        double sw = sqrt(w[idx[a]]);
        for (size_t t = 0; t < d; t++) {
            double x = sw * (v[t] - l->mean[t]);
            X[a * d + t] = x;
            tot_var += x * x;
        }
    }
    tot_var /= total;
    for (size_t j = 0; j < d * m; j++) Q[j] = gauss(ctx);
    orthonormalise(Q, d, m);
    for (int64_t it = 0; it <= s->iterations; it++) {
        times_q(X, n, d, Q, m, Z);                              /* Z = X Q */
        if (it == s->iterations) break;
        transpose_times(X, n, d, Z, m, Q);                      /* Q = orth(X^T Z) */
        orthonormalise(Q, d, m);
    }
    /* B = Z^T Z = Q^T (X^T X) Q: its eigenvectors rotate Q onto the principal directions. */
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) {
            double acc = 0;
            for (size_t a = 0; a < n; a++) acc += Z[a * m + i] * Z[a * m + j];
            B[i * m + j] = acc;
        }
    jacobi(B, m, ev, V);
    size_t *order = malloc(m * sizeof *order);
    if (!order) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); goto out; }
    for (size_t j = 0; j < m; j++) order[j] = j;
    for (size_t i = 0; i < m; i++)                              /* by decreasing eigenvalue */
        for (size_t j = i + 1; j < m; j++)
            if (ev[order[j]] > ev[order[i]]) { size_t t = order[i]; order[i] = order[j]; order[j] = t; }
    l->dim = d;
    l->k = k;
    json_out_object(rec);
    json_out_kv_str(rec, "column", c->name);
    json_out_kv_int(rec, "dim", (int64_t)d);
    json_out_kv_int(rec, "distinct_vectors", (int64_t)n);
    json_out_kv_int(rec, "components", (int64_t)k);
    json_out_key(rec, "explained_variance_ratio");
    json_out_array(rec);
    double explained = 0;
    for (size_t j = 0; j < k; j++) {
        const double *vcol = V;                                 /* column order[j] of V */
        double *u = l->dirs + j * d;
        for (size_t t = 0; t < d; t++) {
            double acc = 0;
            for (size_t i = 0; i < m; i++) acc += Q[i * d + t] * vcol[i * m + order[j]];
            u[t] = acc;
        }
        double var = ev[order[j]] > 0 ? ev[order[j]] / total : 0;
        l->scale[j] = s->whiten && var > 1e-30 ? 1 / sqrt(var) : 1;
        double ratio = tot_var > 0 ? var / tot_var : 0;
        explained += ratio;
        json_out_num(rec, ratio);
    }
    json_out_end(rec);
    json_out_kv_num(rec, "explained_total", explained);
    json_out_end(rec);
    xp_log(ctx, XP_LOG_DEBUG, "%s: %zu components explain %.1f%% of the variance (%zu distinct vectors of %zu)",
           c->name, k, 100 * explained, n, d);
    free(order);
out:
    free(w); free(idx); free(X); free(Q); free(Z); free(B); free(V); free(ev);
    return rc;
}

static int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    state *s = st;
    clear_learned(s);
    int rc = tx_sel_check(ctx, &s->columns, train, "columns");
    if (rc) return rc;
    s->cols = calloc(train->n_cols ? train->n_cols : 1, sizeof *s->cols);
    if (!s->cols) return xp_fail(ctx, XP_ENOMEM, "out of memory");
    json_out rec;
    json_out_init(&rec);
    json_out_array(&rec);
    for (size_t j = 0; j < train->n_cols && !rc; j++) {
        const xp_column *c = train->cols[j];
        int m = tx_sel_match(&s->columns, c->name);
        if (s->columns.given ? m < 0 : (c->role != XP_ROLE_FEATURE || c->type != XP_COL_VECTOR)) continue;
        if (c->type != XP_COL_VECTOR) {
            if (s->columns.v[m].glob) continue;
            rc = xp_fail(ctx, XP_ECONFIG, "%s: %s is %s, not a vector column", s->columns.v[m].where,
                         c->name, xp_col_type_name(c->type));
            break;
        }
        learned *l = &s->cols[s->n_cols++];
        if (!(l->name = tx_strdup(c->name))) { rc = xp_fail(ctx, XP_ENOMEM, "out of memory"); break; }
        rc = fit_column(ctx, s, c, train->n_rows, l, &rec);
    }
    json_out_end(&rec);
    if (!rc && s->n_cols == 0)
        xp_log(ctx, XP_LOG_WARN, "no vector column to reduce (nothing done)");
    if (!rc && s->n_cols) rc = json_out_record(ctx, &rec, "pca");
    json_out_free(&rec);
    return rc;
}

static int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    const state *s = st;
    const xp_host *h = ctx->host;
    for (size_t i = 0; i < s->n_cols; i++) {
        const learned *l = &s->cols[i];
        int at = h->frame_index(f, l->name);
        if (at < 0)
            return xp_fail(ctx, XP_ENOTFOUND, "column %s (learned at fit) is not in this frame", l->name);
        xp_column *c = f->cols[at];
        if (c->type != XP_COL_VECTOR || c->dim != l->dim)
            return xp_fail(ctx, XP_EINVAL, "column %s is %s of width %zu here but was a vector of width %zu at fit",
                           l->name, xp_col_type_name(c->type), c->dim, l->dim);
        size_t count = c->vectors ? c->vectors->count : 0;
        double *proj = malloc((count ? count : 1) * l->k * sizeof *proj);
        unsigned char *used = calloc(count ? count : 1, 1);
        xp_column **out = calloc(l->k, sizeof *out);
        if (!proj || !used || !out) { free(proj); free(used); free(out); return xp_fail(ctx, XP_ENOMEM, "out of memory"); }
        for (size_t r = 0; r < f->n_rows; r++)
            if (c->vec_row[r] >= 0 && (size_t)c->vec_row[r] < count) used[c->vec_row[r]] = 1;
        for (size_t v = 0; v < count; v++) {                    /* each distinct vector once */
            if (!used[v]) continue;
            const float *x = c->vectors->data + v * l->dim;
            for (size_t j = 0; j < l->k; j++) {
                const double *u = l->dirs + j * l->dim;
                double acc = 0;
                for (size_t t = 0; t < l->dim; t++) acc += (x[t] - l->mean[t]) * u[t];
                proj[v * l->k + j] = acc * l->scale[j];
            }
        }
        int rc = XP_OK;
        for (size_t j = 0; j < l->k && !rc; j++) {
            char name[512];
            snprintf(name, sizeof name, "%s_pc%zu", l->name, j + 1);
            if (h->frame_find(f, name)) rc = xp_fail(ctx, XP_EINVAL, "column %s already exists", name);
            else if (!(out[j] = h->frame_add(f, name, XP_COL_NUMERIC, XP_ROLE_FEATURE))) rc = xp_fail(ctx, XP_ENOMEM, "out of memory");
        }
        if (!rc) {
            c = f->cols[at];                                    /* frame_add may move the array */
            for (size_t r = 0; r < f->n_rows; r++) {
                int32_t v = c->vec_row[r];
                for (size_t j = 0; j < l->k; j++)
                    out[j]->num[r] = v >= 0 && (size_t)v < count ? proj[(size_t)v * l->k + j] : NAN;
            }
        }
        free(proj); free(used); free(out);
        if (rc) return rc;
        if (!s->keep) h->frame_drop(f, (size_t)h->frame_index(f, l->name));
    }
    return XP_OK;
}

static const xp_transform_ops ops = {
    .struct_size = sizeof(xp_transform_ops),
    .create = create,
    .fit = fit,
    .apply = apply,
    .destroy = destroy,
};

/* The options, as `runner plugins --help pca` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: pca\n"
    "    columns: [description_glove, image_mobilenet]  # vector columns (default: every\n"
    "                                  # vector feature column)\n"
    "    components: 16                # per column (capped at its width and its rows)\n"
    "    whiten: false                 # true: each component divided by its std deviation\n"
    "    keep: false                   # keep the vector column too (a model that reads it)\n"
    "    iterations: 6                 # subspace iterations of the randomised solver\n";
static const xp_plugin plugin = XP_PLUGIN_OPTS(XP_KIND_TRANSFORM, "pca", "1.0.0",
    "vector columns (embeddings) -> principal components fitted on training rows (randomised solver)",
    &ops, options_text);

XP_PLUGINS(&plugin)
