/* image_mobilenet.cc — encoder `image_mobilenet`: the image named by a text column -> the
 * 1792-d pooled feature of the pretrained MobileNetV2 (width 1.4, 224x224) in npm nsfwjs@4.3.0,
 * run with libtorch through the torch shim.
 *
 *     runner plugins --help image_mobilenet       # its options, as the plugin documents them
 *
 * Weights: `make weights` (tools/weights/mobilenet.sh) converts the package's TensorFlow.js
 * graph model into mobilenet_v2_mid.xpw; without it create() fails naming the paths tried.
 *
 * Per distinct description (rows showing the same description share one vector): resolve it
 * to a file in `images` (image_io.h: lower case, spaces -> '_', hyphen as '_' or dropped, any
 * of .jpg/.jpeg/.png), read the file, hash its bytes (host->sha256) and look the hash up in the
 * host's embedding cache, space "image_mobilenet/<size>/linear/<sha256 of the weights file>";
 * only misses are decoded (stb, alpha on white, resized to size x size treating 8-bit values
 * as linear, as TensorFlow's pipeline does), batched through the network and put in the
 * cache. A rerun, every fold, the refit and predict thus encode each image once per process
 * and the cache on disk skips them on the next run.
 *
 * The cache holds the raw feature. postprocess sqrt_center_l2 (helped retrieval in a quick
 * test, pretrained-encoders.md) maps it to sqrt(v), minus the mean of sqrt(v) over the
 * distinct images of the TRAINING rows (fitted in fit()), divided by its L2 norm.
 *
 * A row whose description is missing, names no file, or names a file that cannot be decoded
 * gets no vector (vec_row -1) and <out>_missing = 1 — never a zero vector. fit() (when it
 * encodes: sqrt_center_l2) and each apply() record their counts (host->record, kind
 * "image_mobilenet": stage fit|apply, rows, distinct, found, no_file,
 * undecodable, missing_rows, cache_hits, encoded, seconds, images_per_second, found_share)
 * and logs ONE warning line with the counts when it meets descriptions without a usable
 * image that no instance has warned about yet in this process.
 * Threads: host->threads(ctx) images run side by side, each on one libtorch thread
 * (xpt_net_forward_parallel). Measured on this 2-core machine: one image per forward pass
 * costs the least CPU (27 ms/image on one thread; batches of 2 images 41 ms/image, 4: 57,
 * 16: 120 — larger activations leave the caches and are page-faulted anew on every op) and
 * the least memory (204 MB peak RSS for the network vs 480 MB at 16); and libtorch's own
 * intra-op threads spin in OpenMP barriers whenever other processes hold the cores (a busy
 * machine: 0.2-0.35 CPU-s per image with 2 intra-op threads vs 0.03-0.05 with one).
 */
#include <dlfcn.h>
#include <sys/stat.h>
#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "image_io.h"
#include "json_out.h"
#include "torch_shim.h"
#include "xp/cxx.h"
#include "xp/xp.h"

namespace {

const char *const WEIGHTS_FILE = "mobilenet_v2_mid.xpw";

/* ------------------------------------------------------------ weights shared by instances */

/* One per weights file (real path) in the process: its hash, header and (loaded on the
 * first cache miss) the network. Folds create many instances; they share this. */
struct weights {
    std::string path;
    std::string sha_hex;
    int in_h = 0, in_w = 0, in_c = 0;
    size_t dim = 0;
    std::mutex mu;
    xpt_net *net = nullptr;
    ~weights() { xpt_net_free(net); }
};

std::mutex g_mu;
std::map<std::string, std::weak_ptr<weights>> g_weights;

uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

std::string hex(const uint8_t *b, size_t n)
{
    static const char *d = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; i++) {
        s += d[b[i] >> 4];
        s += d[b[i] & 15];
    }
    return s;
}

double now()
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

bool is_file(const std::string &p)
{
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string &p)
{
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/* The weights file: `opt` (a file or a folder), else the default places. */
int find_weights(xp_ctx *ctx, const char *opt, std::string *out)
{
    std::vector<std::string> tried;
    if (opt && *opt) {
        std::string p = opt;
        if (is_dir(p)) p += std::string("/") + WEIGHTS_FILE;
        if (is_file(p)) {
            *out = p;
            return XP_OK;
        }
        tried.push_back(p);
    } else {
        const char *env = getenv("XP_WEIGHTS_DIR");
        if (env && *env) tried.push_back(std::string(env) + "/" + WEIGHTS_FILE);
        tried.push_back(std::string("weights/") + WEIGHTS_FILE);
        Dl_info info;
        if (dladdr((void *)&find_weights, &info) && info.dli_fname) {
            std::string so = info.dli_fname;
            size_t slash = so.rfind('/');
            std::string dir = slash == std::string::npos ? "." : so.substr(0, slash);
            tried.push_back(dir + "/../../../share/xp/weights/" + WEIGHTS_FILE);
        }
        for (const std::string &p : tried)
            if (is_file(p)) {
                *out = p;
                return XP_OK;
            }
    }
    std::string list;
    for (const std::string &p : tried) list += (list.empty() ? "" : ", ") + p;
    return xp_fail(ctx, XP_ENOTFOUND,
                   "image_mobilenet: weights not found (tried %s); fetch and convert them with "
                   "`make weights` (bash tools/weights/mobilenet.sh weights BUILD), or set `weights:` "
                   "or $XP_WEIGHTS_DIR", list.c_str());
}

/* Reads, checks and hashes the weights file once per process (per real path). */
int open_weights(xp_ctx *ctx, const std::string &path, std::shared_ptr<weights> *out)
{
    const xp_host *h = ctx->host;
    char real[4096];
    if (!realpath(path.c_str(), real)) return xp_fail(ctx, XP_EIO, "image_mobilenet: %s: %s", path.c_str(), strerror(errno));
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_weights.find(real);
    if (it != g_weights.end())
        if ((*out = it->second.lock())) return XP_OK;
    unsigned char *buf = nullptr;
    size_t n = 0;
    char msg[512];
    int rc = image_read_file(real, (size_t)1 << 31, &buf, &n, msg, sizeof msg);
    if (rc) return xp_fail(ctx, rc, "image_mobilenet: weights: %s", msg);
    auto w = std::make_shared<weights>();
    w->path = real;
    if (n < 36 || memcmp(buf, "XPWNET1", 8) != 0 || le32(buf + 8) != 1) {
        free(buf);
        return xp_fail(ctx, XP_EFORMAT, "image_mobilenet: %s is not a version-1 .xpw network; rebuild it "
                       "with `make weights`", real);
    }
    w->in_h = (int)le32(buf + 12);
    w->in_w = (int)le32(buf + 16);
    w->in_c = (int)le32(buf + 20);
    w->dim = le32(buf + 24);
    uint8_t sha[32];
    h->sha256(buf, n, sha);
    free(buf);
    w->sha_hex = hex(sha, 32);
    if (w->in_c != 3 || w->dim < 1 || w->dim > 65536)
        return xp_fail(ctx, XP_EFORMAT, "image_mobilenet: %s: expected an RGB network, got %d channels, "
                       "%zu outputs", real, w->in_c, w->dim);
    g_weights[real] = w;
    *out = w;
    return XP_OK;
}

/* ------------------------------------------------------------ state */

enum { P_NONE, P_SQRT_CENTER_L2 };
const char *const postprocesses[] = { "none", "sqrt_center_l2" };   /* by P_* */
enum { S_NO_FILE = 0, S_FOUND = 1, S_UNDECODABLE = 2 };

struct entry {
    int status = S_NO_FILE;
    uint8_t key[32];
};

/* Descriptions (folder + '\0' + text) already counted in a warning line by any instance:
 * folds create many instances, the log says each missing image once per process. */
std::mutex g_warn_mu;
std::set<std::string> g_warned;

bool first_warning(const std::string &images, const std::string &desc)
{
    std::lock_guard<std::mutex> lock(g_warn_mu);
    return g_warned.insert(images + std::string(1, '\0') + desc).second;
}

struct state {
    std::string column = "description", images, out, weights_path;
    int64_t size = 224, batch = 0;
    int post = P_SQRT_CENTER_L2;
    std::shared_ptr<weights> w;
    std::string space;
    image_index *ix = nullptr;
    std::string ix_for;                                   /* the folder ix lists (input_dir) */
    std::unordered_map<std::string, entry> seen;          /* description -> file status + hash */
    std::unordered_map<std::string, std::vector<float>> local;   /* key hex -> raw vector, when
                                                                  * the host has no cache */
    std::vector<float> mean;                              /* sqrt_center_l2: fitted centre */
    bool fitted = false;
    ~state() { image_index_close(ix); }
};

struct counts {
    size_t rows = 0, distinct = 0, found = 0, no_file = 0, undecodable = 0, hits = 0, encoded = 0;
    size_t new_no_file = 0, new_undecodable = 0, missing_rows = 0;
    std::string first_missing;  /* an example for the warning */
    bool warn = false;          /* apply(): count descriptions not warned about yet */
};

bool host_has_cache(const xp_host *h)
{
    return XP_HOST_HAS(h, cache_get) && XP_HOST_HAS(h, cache_put) && h->cache_get && h->cache_put;
}

int cache_get(xp_ctx *ctx, state *s, const uint8_t key[32], float *out)
{
    const xp_host *h = ctx->host;
    if (host_has_cache(h)) return h->cache_get(ctx, s->space.c_str(), key, s->w->dim, out);
    auto it = s->local.find(hex(key, 32));
    if (it == s->local.end()) return 0;
    memcpy(out, it->second.data(), s->w->dim * sizeof(float));
    return 1;
}

int cache_put(xp_ctx *ctx, state *s, const uint8_t key[32], const float *v)
{
    const xp_host *h = ctx->host;
    if (host_has_cache(h)) return h->cache_put(ctx, s->space.c_str(), key, s->w->dim, v);
    s->local[hex(key, 32)] = std::vector<float>(v, v + s->w->dim);
    return XP_OK;
}

bool host_keeps_inputs(const xp_host *h)
{
    return XP_HOST_HAS(h, input_used) && h->input_dir && h->input_used;
}

/* Lists the folder to read: the configured one, or the one the host names instead
 * (input_dir: at `runner predict`, the images the run kept while its own rows are encoded,
 * the --images folder for the rows to predict). When that changes, the folder is listed
 * again and what was resolved in the old one is forgotten. */
int ensure_index(xp_ctx *ctx, state *s)
{
    const xp_host *h = ctx->host;
    const char *dir = s->images.c_str();
    int rc;
    if (host_keeps_inputs(h) && (rc = h->input_dir(ctx, s->images.c_str(), &dir))) return rc;
    if (s->ix && s->ix_for == dir) return XP_OK;
    char msg[512];
    image_index *ix = nullptr;
    if ((rc = image_index_open(dir, &ix, msg, sizeof msg)))
        return xp_fail(ctx, rc, "image_mobilenet: images folder: %s", msg);
    image_index_close(s->ix);
    s->ix = ix;
    s->ix_for = dir;
    s->seen.clear();
    return XP_OK;
}

/* Tells the host the file was read (it keeps a copy for predict); before decoding, since an
 * undecodable file is part of what the run saw. */
int keep_input(xp_ctx *ctx, const state *s, const char *name, const unsigned char *buf, size_t n)
{
    const xp_host *h = ctx->host;
    if (!host_keeps_inputs(h)) return XP_OK;
    return h->input_used(ctx, s->images.c_str(), name, buf, n);
}

/* The raw features of `keys` (distinct, all S_FOUND) into out (n x dim): cache hits are
 * copied, misses decoded from `paths`, run in batches and put in the cache. A file that
 * cannot be decoded marks its description S_UNDECODABLE (ok[i] = 0). */
struct pending {
    std::string desc;
    std::string path;
    size_t slot;       /* row of out */
};

int run_batch(xp_ctx *ctx, state *s, std::vector<pending> &batch, std::vector<float> &pixels,
              float *out, counts *c)
{
    if (batch.empty()) return XP_OK;
    weights &w = *s->w;
    std::vector<float> feat(batch.size() * w.dim);
    {
        std::lock_guard<std::mutex> lock(w.mu);
        xpt_err e;
        if (!w.net) {
            int rc = xpt_net_load(w.path.c_str(), &w.net, &e);
            if (rc) return xp_fail(ctx, rc, "image_mobilenet: %s", e.msg);
            char blas[512];
            xpt_blas_library(blas, sizeof blas);   /* the reference BLAS is ~8x slower */
            xp_log(ctx, XP_LOG_INFO, "image_mobilenet: %s loaded (%s), %s, BLAS %s", w.path.c_str(),
                   xpt_net_source(w.net), xpt_version(), blas[0] ? blas : "not mapped");
        }
        int threads = ctx->host->threads(ctx);
        if (threads < 1) threads = 1;
        if (threads == 1 && xpt_set_threads(1, &e)) return xp_fail(ctx, e.code, "image_mobilenet: %s", e.msg);
        int rc = xpt_net_forward_parallel(w.net, pixels.data(), batch.size(), (int)s->size, (int)s->size,
                                          feat.data(), threads, &e);
        if (rc) return xp_fail(ctx, rc, "image_mobilenet: %s", e.msg);
    }
    for (size_t i = 0; i < batch.size(); i++) {
        const entry &en = s->seen[batch[i].desc];
        float *v = feat.data() + i * w.dim;
        int rc = cache_put(ctx, s, en.key, v);
        if (rc < 0) return rc;
        memcpy(out + batch[i].slot * w.dim, v, w.dim * sizeof(float));
        c->encoded++;
    }
    batch.clear();
    return XP_OK;
}

/* Raw features for the distinct descriptions `descs` of a frame: fills raw (n x dim) and
 * has[i] (1 = vector present). Updates s->seen and the counts. */
int raw_features(xp_ctx *ctx, state *s, const std::vector<std::string> &descs, std::vector<float> &raw,
                 std::vector<char> &has, counts *c)
{
    const xp_host *h = ctx->host;
    int rc = ensure_index(ctx, s);
    if (rc) return rc;
    const size_t dim = s->w->dim, px = (size_t)s->size * (size_t)s->size * 3;
    raw.assign(descs.size() * dim, 0.0f);
    has.assign(descs.size(), 0);
    std::vector<pending> batch;
    int threads = h->threads(ctx);
    const int64_t nb = s->batch > 0 ? s->batch : (threads > 0 ? threads : 1);   /* images per round */
    std::vector<float> pixels((size_t)nb * px);
    image_opts o = image_opts_default((int)s->size, (int)s->size);
    o.colorspace = IMAGE_LINEAR;
    o.background = 1.0f;
    char msg[512];
    for (size_t i = 0; i < descs.size(); i++) {
        const std::string &d = descs[i];
        auto it = s->seen.find(d);
        unsigned char *buf = nullptr;
        size_t n = 0;
        std::string path;
        if (it == s->seen.end()) {
            entry en;
            const char *name = nullptr;
            const char *p = image_index_find_named(s->ix, d.c_str(), nullptr, &name);
            if (p) {
                path = p;
                rc = image_read_file(p, 0, &buf, &n, msg, sizeof msg);
                if (rc == XP_ENOMEM) return xp_fail(ctx, rc, "image_mobilenet: %s", msg);
                if (!rc && (rc = keep_input(ctx, s, name, buf, n))) {
                    free(buf);
                    return rc;
                }
                if (rc) {
                    en.status = S_UNDECODABLE;
                    xp_log(ctx, XP_LOG_DEBUG, "image_mobilenet: %s", msg);
                } else {
                    en.status = S_FOUND;
                    h->sha256(buf, n, en.key);
                }
            }
            it = s->seen.emplace(d, en).first;
        }
        entry &en = it->second;
        if (en.status == S_FOUND) {
            if (cache_get(ctx, s, en.key, raw.data() + i * dim) == 1) {
                c->hits++;
                has[i] = 1;
            } else {
                if (!buf) {   /* seen before but not in the cache (e.g. evicted): read again */
                    const char *name = nullptr;
                    const char *p = image_index_find_named(s->ix, d.c_str(), nullptr, &name);
                    if (p) path = p;
                    rc = p ? image_read_file(p, 0, &buf, &n, msg, sizeof msg) : XP_ENOTFOUND;
                    if (rc == XP_ENOMEM) return xp_fail(ctx, rc, "image_mobilenet: %s", msg);
                    if (!rc && (rc = keep_input(ctx, s, name, buf, n))) {
                        free(buf);
                        return rc;
                    }
                    if (rc) en.status = S_UNDECODABLE;
                }
                if (buf) {
                    float *dst = pixels.data() + batch.size() * px;
                    rc = image_decode_rgb(buf, n, path.c_str(), &o, dst, nullptr, msg, sizeof msg);
                    if (rc == XP_ENOMEM) {
                        free(buf);
                        return xp_fail(ctx, rc, "image_mobilenet: %s", msg);
                    }
                    if (rc) {
                        xp_log(ctx, XP_LOG_DEBUG, "image_mobilenet: %s", msg);
                        en.status = S_UNDECODABLE;
                    } else {
                        batch.push_back(pending{ d, path, i });
                        has[i] = 1;
                    }
                }
            }
        }
        free(buf);
        if (en.status == S_FOUND) c->found++;
        else if (en.status == S_NO_FILE) c->no_file++;
        else c->undecodable++;
        if (en.status != S_FOUND && c->warn && first_warning(s->images, d)) {
            (en.status == S_NO_FILE ? c->new_no_file : c->new_undecodable)++;
            if (c->first_missing.empty()) c->first_missing = d;
        }
        if ((int64_t)batch.size() == nb) {
            h->progress(ctx, "image_mobilenet", i + 1, descs.size());
            if ((rc = run_batch(ctx, s, batch, pixels, raw.data(), c))) return rc;
        }
    }
    if ((rc = run_batch(ctx, s, batch, pixels, raw.data(), c))) return rc;
    return XP_OK;
}

/* Distinct non-missing descriptions of a text column, in order of first appearance, and
 * per row its index (-1 missing). */
void distinct_texts(const xp_column *col, size_t n_rows, std::vector<std::string> &descs, std::vector<int32_t> &idx)
{
    std::unordered_map<std::string, int32_t> at;
    idx.assign(n_rows, -1);
    for (size_t r = 0; r < n_rows; r++) {
        const char *t = col->text[r];
        if (!t) continue;
        auto it = at.find(t);
        if (it == at.end()) {
            it = at.emplace(t, (int32_t)descs.size()).first;
            descs.push_back(t);
        }
        idx[r] = it->second;
    }
}

int text_column(xp_ctx *ctx, state *s, const xp_frame *f, const xp_column **out)
{
    const xp_column *col = ctx->host->frame_find(f, s->column.c_str());
    if (!col) return xp_fail(ctx, XP_ENOTFOUND, "image_mobilenet: no column '%s' in the frame", s->column.c_str());
    if (col->type != XP_COL_TEXT)
        return xp_fail(ctx, XP_EINVAL, "image_mobilenet: column '%s' is %s, expected text", s->column.c_str(),
                       xp_col_type_name(col->type));
    *out = col;
    return XP_OK;
}

void postprocess(const state *s, float *v, size_t dim)
{
    if (s->post != P_SQRT_CENTER_L2) return;
    double nn = 0;
    for (size_t j = 0; j < dim; j++) {
        float x = std::sqrt(v[j] > 0 ? v[j] : 0.0f) - s->mean[j];
        v[j] = x;
        nn += (double)x * x;
    }
    if (nn > 0) {
        float inv = (float)(1.0 / std::sqrt(nn));
        for (size_t j = 0; j < dim; j++) v[j] *= inv;
    }
}

/* The counts of one fit/apply as a record (kind "image_mobilenet") and a debug line. A record
 * the store refused fails the stage, as in every transform: no run ends without it. */
int record(xp_ctx *ctx, const state *s, const counts &c, double secs, const char *stage)
{
    json_out j;
    json_out_init(&j);
    json_out_object(&j);
    json_out_kv_str(&j, "stage", stage);
    json_out_kv_str(&j, "column", s->column.c_str());
    json_out_kv_str(&j, "out", s->out.c_str());
    json_out_kv_int(&j, "rows", (int64_t)c.rows);
    json_out_kv_int(&j, "distinct", (int64_t)c.distinct);
    json_out_kv_int(&j, "found", (int64_t)c.found);
    json_out_kv_int(&j, "no_file", (int64_t)c.no_file);
    json_out_kv_int(&j, "undecodable", (int64_t)c.undecodable);
    json_out_kv_int(&j, "missing_rows", (int64_t)c.missing_rows);
    json_out_kv_int(&j, "cache_hits", (int64_t)c.hits);
    json_out_kv_int(&j, "encoded", (int64_t)c.encoded);
    json_out_kv_fixed(&j, "seconds", secs, 3);
    json_out_kv_fixed(&j, "images_per_second", c.encoded && secs > 0 ? c.encoded / secs : 0.0, 2);
    json_out_kv_fixed(&j, "found_share", c.distinct ? (double)c.found / c.distinct : 0.0, 4);
    json_out_end(&j);
    xp_log(ctx, XP_LOG_DEBUG, "image_mobilenet: %s: %zu rows, %zu distinct, %zu encoded, %zu from the cache",
           stage, c.rows, c.distinct, c.encoded, c.hits);
    return json_out_record(ctx, &j, "image_mobilenet");
}

/* ------------------------------------------------------------ ops */

int create(xp_ctx *ctx, const xp_cfg *cfg, void **out)
{
    XP_TRY
    const xp_host *h = ctx->host;
    *out = nullptr;
    if (!XP_HOST_HAS(h, col_vectors) || !XP_HOST_HAS(h, sha256) || !h->col_vectors || !h->sha256)
        return xp_fail(ctx, XP_EUNSUPPORTED, "image_mobilenet: the runner is too old (no vector columns)");
    std::unique_ptr<state> s(new state);
    const char *column = s->column.c_str(), *images = nullptr, *outname = nullptr, *wopt = nullptr;
    int rc;
    if ((rc = h->cfg_str(ctx, cfg, "column", 0, &column)) || (rc = h->cfg_str(ctx, cfg, "images", 0, &images)) ||
        (rc = h->cfg_str(ctx, cfg, "out", 0, &outname)) || (rc = h->cfg_str(ctx, cfg, "weights", 0, &wopt)) ||
        (rc = h->cfg_int(ctx, cfg, "size", 0, &s->size)) ||
        (rc = xp_cfg_choice(ctx, cfg, "postprocess", postprocesses,
                            XP_COUNT(postprocesses), 0, &s->post)) ||
        (rc = h->cfg_int(ctx, cfg, "batch", 0, &s->batch)))
        return rc;
    s->column = column;
    s->out = outname ? outname : s->column + "_mnv2";
    if (s->batch < 0 || s->batch > 1024)
        return xp_fail(ctx, XP_ECONFIG, "%s: batch must be 0..1024, got %lld", h->cfg_where(h->cfg_get(cfg, "batch")),
                       (long long)s->batch);
    if (!images) {
        const xp_cfg *data = h->cfg_get(h->cfg_root(ctx), "data");
        if (data && (rc = h->cfg_str(ctx, data, "images", 0, &images))) return rc;
    }
    if (!images || !*images)
        return xp_fail(ctx, XP_ECONFIG, "image_mobilenet: no image folder: set `images:` or data.images");
    s->images = images;
    if ((rc = find_weights(ctx, wopt, &s->weights_path)) || (rc = open_weights(ctx, s->weights_path, &s->w)))
        return rc;
    if (s->size != s->w->in_h || s->size != s->w->in_w)
        return xp_fail(ctx, XP_ECONFIG, "%s: size %lld: this network needs %dx%d images",
                       h->cfg_where(h->cfg_get(cfg, "size")), (long long)s->size, s->w->in_h, s->w->in_w);
    s->space = "image_mobilenet/" + std::to_string(s->size) + "/linear/" + s->w->sha_hex;
    if (XP_HOST_HAS(h, column_add) && h->column_ref && h->column_add) {   // the config check
        h->column_ref(ctx, h->cfg_get(cfg, "column"), s->column.c_str());
        h->column_add(ctx, s->out.c_str());
        h->column_add(ctx, (s->out + "_missing").c_str());
    }
    *out = s.release();
    return XP_OK;
    XP_CATCH(ctx)
}

int fit(xp_ctx *ctx, void *st, const xp_frame *train)
{
    XP_TRY
    state *s = static_cast<state *>(st);
    if (s->post == P_NONE) {
        s->fitted = true;
        return XP_OK;
    }
    const xp_column *col;
    int rc = text_column(ctx, s, train, &col);
    if (rc) return rc;
    std::vector<std::string> descs;
    std::vector<int32_t> idx;
    distinct_texts(col, train->n_rows, descs, idx);
    std::vector<float> raw;
    std::vector<char> has;
    counts c;
    c.rows = train->n_rows;
    c.distinct = descs.size();
    double t0 = now();
    if ((rc = raw_features(ctx, s, descs, raw, has, &c))) return rc;
    for (size_t r = 0; r < train->n_rows; r++)
        if (idx[r] < 0 || !has[idx[r]]) c.missing_rows++;
    if ((rc = record(ctx, s, c, now() - t0, "fit"))) return rc;
    const size_t dim = s->w->dim;
    std::vector<double> sum(dim, 0.0);
    size_t n = 0;
    for (size_t i = 0; i < descs.size(); i++) {
        if (!has[i]) continue;
        for (size_t j = 0; j < dim; j++) {
            float v = raw[i * dim + j];
            sum[j] += std::sqrt(v > 0 ? v : 0.0f);
        }
        n++;
    }
    s->mean.assign(dim, 0.0f);
    if (n)
        for (size_t j = 0; j < dim; j++) s->mean[j] = (float)(sum[j] / (double)n);
    else
        xp_log(ctx, XP_LOG_WARN, "image_mobilenet: no training row has an image; features are not centred");
    s->fitted = true;
    return XP_OK;
    XP_CATCH(ctx)
}

int apply(xp_ctx *ctx, void *st, xp_frame *f)
{
    XP_TRY
    const xp_host *h = ctx->host;
    state *s = static_cast<state *>(st);
    if (!s->fitted && s->post != P_NONE)
        return xp_fail(ctx, XP_EINVAL, "image_mobilenet: apply before fit (postprocess %s needs the training mean)",
                       postprocesses[s->post]);
    double t0 = now();
    const xp_column *col;
    int rc = text_column(ctx, s, f, &col);
    if (rc) return rc;
    std::vector<std::string> descs;
    std::vector<int32_t> idx;
    distinct_texts(col, f->n_rows, descs, idx);
    std::vector<float> raw;
    std::vector<char> has;
    counts c;
    c.rows = f->n_rows;
    c.distinct = descs.size();
    c.warn = true;
    if ((rc = raw_features(ctx, s, descs, raw, has, &c))) return rc;

    const size_t dim = s->w->dim;
    /* One vector per distinct image content: two descriptions naming the same file (or
     * files with the same bytes) share it. */
    std::vector<int32_t> slot(descs.size(), -1);
    std::vector<size_t> first;   /* slot -> a description index holding it */
    std::unordered_map<std::string, int32_t> by_key;
    for (size_t i = 0; i < descs.size(); i++) {
        if (!has[i]) continue;
        std::string k((const char *)s->seen[descs[i]].key, 32);
        auto it = by_key.find(k);
        if (it == by_key.end()) {
            it = by_key.emplace(k, (int32_t)first.size()).first;
            first.push_back(i);
        }
        slot[i] = it->second;
    }
    size_t n_vec = first.size();
    std::string miss = s->out + "_missing";
    for (const std::string &name : { s->out, miss }) {
        int at = h->frame_index(f, name.c_str());
        if (at >= 0) h->frame_drop(f, (size_t)at);
    }
    xp_column *vc = h->frame_add(f, s->out.c_str(), XP_COL_VECTOR, XP_ROLE_FEATURE);
    if (!vc) return xp_fail(ctx, XP_ENOMEM, "image_mobilenet: cannot add column %s", s->out.c_str());
    xp_column *mc = h->frame_add(f, miss.c_str(), XP_COL_BOOL, XP_ROLE_FEATURE);
    if (!mc) return xp_fail(ctx, XP_ENOMEM, "image_mobilenet: cannot add column %s", miss.c_str());
    float *data = h->col_vectors(vc, dim, n_vec);   /* n_vec may be 0: the column still has dim */
    if (!data) return xp_fail(ctx, XP_ENOMEM, "image_mobilenet: out of memory for %zu vectors", n_vec);
    for (size_t k = 0; k < n_vec; k++) {
        float *v = data + k * dim;
        memcpy(v, raw.data() + first[k] * dim, dim * sizeof(float));
        postprocess(s, v, dim);
    }
    for (size_t r = 0; r < f->n_rows; r++) {
        int32_t k = idx[r] >= 0 ? slot[idx[r]] : -1;
        vc->vec_row[r] = k;
        mc->num[r] = k < 0 ? 1.0 : 0.0;
        if (k < 0) c.missing_rows++;
    }
    double secs = now() - t0;
    if (c.new_no_file || c.new_undecodable)
        xp_log(ctx, XP_LOG_WARN,
               "image_mobilenet: %zu of %zu descriptions have no image file in %s and %zu an undecodable one "
               "(e.g. '%s'); their rows get %s = 1 and no vector",
               c.new_no_file, c.distinct, s->images.c_str(), c.new_undecodable, c.first_missing.c_str(), miss.c_str());
    return record(ctx, s, c, secs, "apply");
    XP_CATCH(ctx)
}

void destroy(void *st)
{
    XP_TRY
    delete static_cast<state *>(st);
    XP_CATCH_VOID
}

const xp_encoder_ops ops = {
    sizeof(xp_encoder_ops), create, fit, apply, nullptr, destroy,
};

/* The options, as `runner plugins --help image_mobilenet` prints them. */
static const char options_text[] =
    "pipeline:\n"
    "  - plugin: image_mobilenet\n"
    "    column: description           # TEXT column naming the image (default description)\n"
    "    images: data/spacecraft_images # folder; default: the config's data.images\n"
    "    out: description_mnv2         # VECTOR column (default <column>_mnv2); a BOOL column\n"
    "                                  # <out>_missing flags rows without an image\n"
    "    weights: weights/             # mobilenet_v2_mid.xpw or its folder; default:\n"
    "                                  # $XP_WEIGHTS_DIR, ./weights,\n"
    "                                  # <plugin .so>/../../../share/xp/weights\n"
    "    size: 224                     # input side; the network needs 224\n"
    "    postprocess: sqrt_center_l2   # sqrt_center_l2 | none\n"
    "    batch: 0                      # images decoded per round; 0: one per thread\n";
const xp_plugin image_mobilenet = XP_PLUGIN_OPTS(XP_KIND_ENCODER, "image_mobilenet", "1.0.0",
                                            "pretrained MobileNetV2 (nsfwjs@4.3.0) 1792-d image features via libtorch",
                                            &ops, options_text);

}  // namespace

XP_PLUGINS(&image_mobilenet)
