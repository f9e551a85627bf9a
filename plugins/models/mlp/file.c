/* file.c — the mlp model file (ops.model_file "model.mlp"): everything predict needs in one
 * binary file, little-endian, written and read field by field:
 *
 *   "XPMLP\0\0\0"  u32 version (3; versions 1 (without the norms) and 2 (without wide) are read too)
 *   architecture   i64 proj_dim, n_hidden, hidden[n_hidden], f64 dropout, i32 act,
 *                  i32 text_kind, i64 text_dim, text_hidden, n_conv, conv[n_conv],
 *                  i32 text_norm, image_norm (version 2), i32 wide (version 3)
 *   target         f64 y_mean, y_sd; i64 best_epoch, epochs_run; f64 best_loss
 *   inputs         u64 n; per input: str name, i32 kind, col_type, indicator, f64 mean, sd,
 *                  i64 width, u64 dim, u64 n_levels, str levels[n_levels],
 *                  IN_VEC: f32 vmean[dim], vsd[dim]
 *   weights        u64 count, f32 values[count] (mlp_net_get_params order: the parameters,
 *                  then batch norm's running statistics)
 *   "XPMLPEND"
 * A str is u64 length + bytes (no NUL). Every length is checked against the file's size, so a
 * truncated or foreign file is refused with a message instead of read out of bounds.
 *
 *     mlp_file_save(ctx, m, "run/model.mlp");
 *     mlp_file_load(ctx, m, "run/model.mlp");   // m->cfg from the config; creates m->net
 */
#include "mlp.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "XPMLP\0\0\0"
#define MAGIC_END "XPMLPEND"
#define VERSION 3u

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the mlp model file is little-endian"
#endif

/* ------------------------------------------------------------------ writing */

typedef struct wr {
    FILE *f;
    int bad;
} wr;

static void w_raw(wr *w, const void *p, size_t n)
{
    if (!w->bad && n && fwrite(p, 1, n, w->f) != n) w->bad = 1;
}
static void w_u32(wr *w, uint32_t v) { w_raw(w, &v, sizeof v); }
static void w_i32(wr *w, int32_t v) { w_raw(w, &v, sizeof v); }
static void w_u64(wr *w, uint64_t v) { w_raw(w, &v, sizeof v); }
static void w_i64(wr *w, int64_t v) { w_raw(w, &v, sizeof v); }
static void w_f64(wr *w, double v) { w_raw(w, &v, sizeof v); }
static void w_str(wr *w, const char *s)
{
    uint64_t n = strlen(s);
    w_u64(w, n);
    w_raw(w, s, n);
}

int mlp_file_save(xp_ctx *ctx, const mlp_model *m, const char *path)
{
    if (!m->net) return xp_fail(ctx, XP_EINVAL, "mlp: save called before fit");
    size_t np = mlp_net_param_count(m->net);
    float *params = malloc((np ? np : 1) * sizeof *params);
    if (!params) return xp_fail(ctx, XP_ENOMEM, "mlp: out of memory");
    mlp_err e = { 0, "" };
    int rc = mlp_net_get_params(m->net, params, np, &e);
    if (rc) { free(params); return xp_fail(ctx, rc, "mlp: %s", e.msg); }
    wr w = { fopen(path, "wb"), 0 };
    if (!w.f) {
        free(params);
        return xp_fail(ctx, XP_EIO, "mlp: cannot write %s: %s", path, strerror(errno));
    }
    const mlp_config *c = &m->cfg;
    w_raw(&w, MAGIC, 8);
    w_u32(&w, VERSION);
    w_i64(&w, c->proj_dim);
    w_i64(&w, c->n_hidden);
    for (int64_t k = 0; k < c->n_hidden; k++) w_i64(&w, c->hidden[k]);
    w_f64(&w, c->dropout);
    w_i32(&w, c->act);
    w_i32(&w, c->text_kind);
    w_i64(&w, c->text_dim);
    w_i64(&w, c->text_hidden);
    w_i64(&w, c->n_conv);
    for (int64_t k = 0; k < c->n_conv; k++) w_i64(&w, c->conv[k]);
    w_i32(&w, c->text_norm);
    w_i32(&w, c->image_norm);
    w_i32(&w, c->wide);
    const mlp_schema *s = &m->sc;
    w_f64(&w, s->y_mean);
    w_f64(&w, s->y_sd);
    w_i64(&w, m->best_epoch);
    w_i64(&w, m->epochs_run);
    w_f64(&w, m->best_loss);
    w_u64(&w, s->n);
    for (size_t i = 0; i < s->n; i++) {
        const mlp_input *in = &s->in[i];
        w_str(&w, in->name);
        w_i32(&w, in->kind);
        w_i32(&w, in->col_type);
        w_i32(&w, in->indicator);
        w_f64(&w, in->mean);
        w_f64(&w, in->sd);
        w_i64(&w, in->width);
        w_u64(&w, in->dim);
        w_u64(&w, in->n_levels);
        for (size_t k = 0; k < in->n_levels; k++) w_str(&w, in->levels[k]);
        if (in->kind == IN_VEC) {
            w_raw(&w, in->vmean, in->dim * sizeof(float));
            w_raw(&w, in->vsd, in->dim * sizeof(float));
        }
    }
    w_u64(&w, np);
    w_raw(&w, params, np * sizeof(float));
    w_raw(&w, MAGIC_END, 8);
    free(params);
    int err = errno;
    if (fclose(w.f) != 0) w.bad = 1;
    if (w.bad) return xp_fail(ctx, XP_EIO, "mlp: writing %s failed: %s", path, strerror(err));
    return XP_OK;
}

/* ------------------------------------------------------------------ reading */

typedef struct rd {
    const unsigned char *p, *end;
    int bad;
} rd;

static void r_raw(rd *r, void *out, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) { r->bad = 1; memset(out, 0, n); return; }
    memcpy(out, r->p, n);
    r->p += n;
}
static uint32_t r_u32(rd *r) { uint32_t v; r_raw(r, &v, sizeof v); return v; }
static int32_t r_i32(rd *r) { int32_t v; r_raw(r, &v, sizeof v); return v; }
static uint64_t r_u64(rd *r) { uint64_t v; r_raw(r, &v, sizeof v); return v; }
static int64_t r_i64(rd *r) { int64_t v; r_raw(r, &v, sizeof v); return v; }
static double r_f64(rd *r) { double v; r_raw(r, &v, sizeof v); return v; }
static char *r_str(rd *r)
{
    uint64_t n = r_u64(r);
    if (r->bad || n > (uint64_t)(r->end - r->p)) { r->bad = 1; return NULL; }
    char *s = malloc(n + 1);
    if (!s) { r->bad = 2; return NULL; }
    memcpy(s, r->p, n);
    s[n] = 0;
    r->p += n;
    return s;
}

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len == cap) {
            size_t nc = cap ? 2 * cap : 1 << 20;
            unsigned char *p = realloc(buf, nc);
            if (!p) { free(buf); fclose(f); errno = ENOMEM; return NULL; }
            buf = p;
            cap = nc;
        }
        size_t k = fread(buf + len, 1, cap - len, f);
        len += k;
        if (k == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) { free(buf); errno = EIO; return NULL; }
    *n = len;
    return buf;
}

int mlp_file_load(xp_ctx *ctx, mlp_model *m, const char *path)
{
    size_t size = 0;
    unsigned char *buf = read_all(path, &size);
    if (!buf) return xp_fail(ctx, XP_EIO, "mlp: cannot read %s: %s", path, strerror(errno));
    rd r = { buf, buf + size, 0 };
    int rc = XP_OK;
    char magic[8];
    r_raw(&r, magic, 8);
    if (r.bad || memcmp(magic, MAGIC, 8)) {
        free(buf);
        return xp_fail(ctx, XP_EFORMAT, "mlp: %s is not an mlp model file (bad magic)", path);
    }
    uint32_t version = r_u32(&r);
    if (version < 1 || version > VERSION) {
        free(buf);
        return xp_fail(ctx, XP_EFORMAT, "mlp: %s has format version %u; this plugin reads 1 .. %u", path,
                       version, VERSION);
    }
    mlp_config *c = &m->cfg;
    c->proj_dim = r_i64(&r);
    c->n_hidden = r_i64(&r);
    if (c->n_hidden < 0 || c->n_hidden > MLP_MAX_HIDDEN) r.bad = 1;
    for (int64_t k = 0; !r.bad && k < c->n_hidden; k++) c->hidden[k] = r_i64(&r);
    c->dropout = r_f64(&r);
    c->act = r_i32(&r);
    c->text_kind = r_i32(&r);
    c->text_dim = r_i64(&r);
    c->text_hidden = r_i64(&r);
    c->n_conv = r_i64(&r);
    if (c->n_conv < 0 || c->n_conv > MLP_MAX_CONV) r.bad = 1;
    for (int64_t k = 0; !r.bad && k < c->n_conv; k++) c->conv[k] = r_i64(&r);
    c->text_norm = version >= 2 ? r_i32(&r) : 0;
    c->image_norm = version >= 2 ? r_i32(&r) : 0;
    c->wide = version >= 3 ? r_i32(&r) : 0;
    if (c->text_norm < 0 || c->text_norm > 1 || c->image_norm < 0 || c->image_norm > 1 || c->wide < 0 ||
        c->wide > 1)
        r.bad = 1;
    mlp_schema *s = &m->sc;
    mlp_schema_free(s);
    s->y_mean = r_f64(&r);
    s->y_sd = r_f64(&r);
    m->best_epoch = r_i64(&r);
    m->epochs_run = r_i64(&r);
    m->best_loss = r_f64(&r);
    uint64_t n_in = r_u64(&r);
    if (r.bad || n_in == 0 || n_in > (uint64_t)(r.end - r.p) / 8) goto bad;
    s->in = calloc((size_t)n_in, sizeof *s->in);
    if (!s->in) { rc = xp_fail(ctx, XP_ENOMEM, "mlp: out of memory"); goto out; }
    for (size_t i = 0; i < (size_t)n_in && !r.bad; i++) {
        mlp_input *in = &s->in[i];
        s->n = i + 1;
        in->name = r_str(&r);
        in->kind = r_i32(&r);
        in->col_type = r_i32(&r);
        in->indicator = r_i32(&r) != 0;
        in->mean = r_f64(&r);
        in->sd = r_f64(&r);
        in->width = r_i64(&r);
        uint64_t dim = r_u64(&r), nl = r_u64(&r);
        if (r.bad || in->kind < IN_NUM || in->kind > IN_IMAGE || dim > (1u << 28) ||
            nl > (uint64_t)(r.end - r.p) / 8)
            goto bad;
        in->dim = (size_t)dim;
        in->levels = calloc(nl ? (size_t)nl : 1, sizeof *in->levels);
        if (!in->levels) { rc = xp_fail(ctx, XP_ENOMEM, "mlp: out of memory"); goto out; }
        for (size_t k = 0; k < (size_t)nl && !r.bad; k++) {
            in->levels[k] = r_str(&r);
            in->n_levels = k + 1;
        }
        if (in->kind == IN_VEC) {
            if (dim == 0 || dim * 8 > (uint64_t)(r.end - r.p)) goto bad;
            in->vmean = malloc(in->dim * sizeof(float));
            in->vsd = malloc(in->dim * sizeof(float));
            if (!in->vmean || !in->vsd) { rc = xp_fail(ctx, XP_ENOMEM, "mlp: out of memory"); goto out; }
            r_raw(&r, in->vmean, in->dim * sizeof(float));
            r_raw(&r, in->vsd, in->dim * sizeof(float));
        }
        switch (in->kind) {
        case IN_NUM: s->n_dense += 1 + (size_t)in->indicator; break;
        case IN_CAT: s->n_cat++; break;
        case IN_VEC: s->n_vec++; s->n_dense += (size_t)in->indicator; break;
        case IN_TEXT: s->text = (int)i; s->n_dense += (size_t)in->indicator; break;
        case IN_IMAGE: s->image = (int)i; s->n_dense += (size_t)in->indicator; break;
        }
    }
    if (r.bad) goto bad;
    uint64_t np = r_u64(&r);
    if (r.bad || np > (uint64_t)(r.end - r.p) / sizeof(float)) goto bad;
    const unsigned char *weights = r.p;
    r.p += np * sizeof(float);
    char end[8];
    r_raw(&r, end, 8);
    if (r.bad || memcmp(end, MAGIC_END, 8) || r.p != r.end) goto bad;

    int64_t *sbuf = malloc(3 * s->n * sizeof *sbuf);
    float *params = malloc((np ? np : 1) * sizeof *params);
    if (!sbuf || !params) { free(sbuf); free(params); rc = xp_fail(ctx, XP_ENOMEM, "mlp: out of memory"); goto out; }
    memcpy(params, weights, np * sizeof(float));
    mlp_spec spec;
    mlp_make_spec(m, &spec, sbuf);
    mlp_err e = { 0, "" };
    rc = mlp_net_new(&spec, 1, &m->net, &e);
    if (!rc) rc = mlp_net_set_params(m->net, params, (size_t)np, &e);
    free(sbuf);
    free(params);
    if (rc) rc = xp_fail(ctx, rc == XP_EINVAL ? XP_EFORMAT : rc, "mlp: %s: %s", path, e.msg);
    goto out;
bad:
    rc = xp_fail(ctx, r.bad == 2 ? XP_ENOMEM : XP_EFORMAT, "mlp: %s is truncated or corrupt", path);
out:
    free(buf);
    if (rc) {
        mlp_net_free(m->net);
        m->net = NULL;
        mlp_schema_free(s);
    }
    return rc;
}
