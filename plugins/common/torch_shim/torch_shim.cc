/* torch_shim.cc — the C API of torch_shim.h over libtorch 1.13 (CPU).
 *
 * Every extern "C" function body sits between XPT_TRY and XPT_CATCH(e): a c10::Error becomes
 * XP_EMODEL with libtorch's message (without its backtrace), std::bad_alloc XP_ENOMEM, any
 * other exception XP_EINTERNAL; the message goes into the caller's xpt_err only.
 *
 * xpt_net runs the ops of an .xpw file (xpw_format.h) with libtorch's conv2d (groups
 * for depthwise), TensorFlow SAME padding (the extra row/column at the bottom/right, as TF
 * does), fused bias and Relu/Relu6, avg_pool2d and a final flatten. Intermediate values are
 * released after their last use, so peak memory is a few activations of one batch.
 * Activations and kernels are kept channels-last (NHWC in memory, NCHW logically): libtorch
 * 1.13 then runs the convolutions through oneDNN, about 3x faster than its NCHW path here.
 */
#include "torch_shim.h"

#include <torch/torch.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "xpw_format.h"

#include "torch_boundary.hh"

namespace {
using xpt::first_line;
using xpt::ok;
using xpt::set_err;
using shim_error = xpt::error;   /* thrown by our own checks; becomes its code */
}  // namespace

struct xpt_tensor {
    at::Tensor t;
};

namespace {

struct net_op {
    uint32_t type, stride, ksize, act, pad;
    int32_t in0, in1;
    float scalar;
    at::Tensor w, b;
};

}  // namespace

struct xpt_net {
    int in_h = 0, in_w = 0, in_c = 0;
    size_t out_dim = 0;
    std::string source;
    std::vector<net_op> ops;
    std::vector<int32_t> last_use;   /* value id -> index of the last op reading it */
};

extern "C" {

const char *xpt_version(void)
{
    return "libtorch " TORCH_VERSION;
}

int xpt_set_threads(int n, xpt_err *e)
{
    XPT_TRY
    if (n < 1) return set_err(e, XP_EINVAL, "threads must be >= 1, got %d", n);
    if (at::get_num_threads() != n) at::set_num_threads(n);
    return ok(e);
    XPT_CATCH(e)
}

int xpt_get_threads(void)
{
    try {
        return at::get_num_threads();
    } catch (...) {
        return 1;
    }
}

int xpt_seed(uint64_t seed, xpt_err *e)
{
    XPT_TRY
    torch::manual_seed(seed);
    return ok(e);
    XPT_CATCH(e)
}

void xpt_blas_library(char *buf, size_t cap)
{
    if (!buf || !cap) return;
    buf[0] = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *p = strchr(line, '/');
        if (!p) continue;
        p[strcspn(p, "\n")] = 0;
        const char *base = strrchr(p, '/');
        base = base ? base + 1 : p;
        if (strstr(base, "blas") && !strstr(base, "lapack")) {
            snprintf(buf, cap, "%s", p);
            if (strstr(p, "openblas")) break;   /* prefer naming OpenBLAS when both are mapped */
        }
    }
    fclose(f);
}

/* ------------------------------------------------------------------ tensors */

int xpt_tensor_from(const float *data, const int64_t *shape, int ndim, xpt_tensor **out, xpt_err *e)
{
    XPT_TRY
    if (!out) return set_err(e, XP_EINVAL, "xpt_tensor_from: out is NULL");
    *out = nullptr;
    if (!shape || ndim < 1 || ndim > 8) return set_err(e, XP_EINVAL, "xpt_tensor_from: ndim must be 1..8, got %d", ndim);
    std::vector<int64_t> dims(shape, shape + ndim);
    int64_t n = 1;
    for (int64_t d : dims) {
        if (d < 0) return set_err(e, XP_EINVAL, "xpt_tensor_from: negative dimension %lld", (long long)d);
        n *= d;
    }
    if (n > 0 && !data) return set_err(e, XP_EINVAL, "xpt_tensor_from: data is NULL");
    at::Tensor t = n > 0 ? torch::from_blob(const_cast<float *>(data), dims, torch::kFloat32).clone()
                         : torch::empty(dims, torch::kFloat32);
    *out = new xpt_tensor{ std::move(t) };
    return ok(e);
    XPT_CATCH(e)
}

int xpt_tensor_ndim(const xpt_tensor *t)
{
    return t ? (int)t->t.dim() : -1;
}

int xpt_tensor_shape(const xpt_tensor *t, int64_t *shape, int cap)
{
    if (!t) return -1;
    int nd = (int)t->t.dim();
    for (int i = 0; i < nd && i < cap; i++) shape[i] = t->t.size(i);
    return nd;
}

size_t xpt_tensor_numel(const xpt_tensor *t)
{
    return t ? (size_t)t->t.numel() : 0;
}

int xpt_tensor_read(const xpt_tensor *t, float *buf, size_t n, xpt_err *e)
{
    XPT_TRY
    if (!t || (!buf && n)) return set_err(e, XP_EINVAL, "xpt_tensor_read: NULL argument");
    size_t need = (size_t)t->t.numel();
    if (n < need) return set_err(e, XP_EINVAL, "xpt_tensor_read: buffer holds %zu floats, tensor has %zu", n, need);
    at::Tensor c = t->t.to(torch::kFloat32).contiguous();
    if (need) memcpy(buf, c.data_ptr<float>(), need * sizeof(float));
    return ok(e);
    XPT_CATCH(e)
}

int xpt_tensor_matmul(const xpt_tensor *a, const xpt_tensor *b, xpt_tensor **out, xpt_err *e)
{
    XPT_TRY
    if (!a || !b || !out) return set_err(e, XP_EINVAL, "xpt_tensor_matmul: NULL argument");
    *out = nullptr;
    c10::InferenceMode guard;
    at::Tensor r = torch::matmul(a->t, b->t);
    *out = new xpt_tensor{ std::move(r) };
    return ok(e);
    XPT_CATCH(e)
}

void xpt_tensor_free(xpt_tensor *t)
{
    try {
        delete t;
    } catch (...) {
    }
}

}  // extern "C"

/* ------------------------------------------------------------------ .xpw networks */

namespace {

class reader {
public:
    reader(const std::vector<uint8_t> &b, const std::string &path) : b_(b), path_(path) {}
    uint32_t u32()
    {
        need(4);
        uint32_t v = (uint32_t)b_[p_] | ((uint32_t)b_[p_ + 1] << 8) | ((uint32_t)b_[p_ + 2] << 16) |
                     ((uint32_t)b_[p_ + 3] << 24);
        p_ += 4;
        return v;
    }
    float f32()
    {
        uint32_t u = u32();
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    std::string bytes(size_t n)
    {
        need(n);
        std::string s((const char *)&b_[p_], n);
        p_ += n;
        return s;
    }
    at::Tensor tensor()
    {
        uint32_t nd = u32();
        if (nd < 1 || nd > 4) bad("tensor with " + std::to_string(nd) + " dimensions");
        std::vector<int64_t> dims;
        uint64_t n = 1;
        for (uint32_t i = 0; i < nd; i++) {
            uint32_t d = u32();
            if (d == 0 || d > (1u << 20)) bad("tensor dimension " + std::to_string(d));
            dims.push_back(d);
            n *= d;
        }
        if (n > (uint64_t)(b_.size() - p_) / 4) bad("tensor runs past the end of the file");
        at::Tensor t = torch::empty(dims, torch::kFloat32);
        float *dst = t.data_ptr<float>();
        for (uint64_t i = 0; i < n; i++) dst[i] = f32();
        return t;
    }
    bool at_end() const { return p_ == b_.size(); }
    [[noreturn]] void bad(const std::string &what) const
    {
        throw shim_error(XP_EFORMAT, path_ + ": not a valid .xpw network (" + what + " at byte " +
                                         std::to_string(p_) + "); rebuild it with `make weights`");
    }

private:
    void need(size_t n) const
    {
        if (n > b_.size() - p_) bad("file ends early");
    }
    const std::vector<uint8_t> &b_;
    const std::string &path_;
    size_t p_ = 0;
};

/* TensorFlow SAME padding along one axis: (before, after); after gets the odd pixel. */
std::pair<int64_t, int64_t> same_pad(int64_t in, int64_t k, int64_t s)
{
    int64_t out = (in + s - 1) / s;
    int64_t total = std::max<int64_t>((out - 1) * s + k - in, 0);
    return { total / 2, total - total / 2 };
}

at::Tensor conv(const net_op &op, const at::Tensor &x)
{
    int64_t k = op.w.size(2);
    int64_t groups = op.type == XPW_OP_DWCONV2D ? x.size(1) : 1;
    at::Tensor in = x;
    std::vector<int64_t> padding = { 0, 0 };
    if (op.pad == XPW_PAD_SAME) {
        auto ph = same_pad(x.size(2), k, op.stride), pw = same_pad(x.size(3), k, op.stride);
        if (ph.first == ph.second && pw.first == pw.second)
            padding = { ph.first, pw.first };
        else
            in = at::constant_pad_nd(x, { pw.first, pw.second, ph.first, ph.second }, 0)
                     .contiguous(at::MemoryFormat::ChannelsLast);
    }
    at::Tensor y = at::conv2d(in, op.w, op.b, { op.stride, op.stride }, padding, { 1, 1 }, groups);
    if (op.act == XPW_ACT_RELU6) y.clamp_(0, 6);
    else if (op.act == XPW_ACT_RELU) y.clamp_min_(0);
    return y;
}

}  // namespace

extern "C" {

int xpt_net_load(const char *path, xpt_net **out, xpt_err *e)
{
    XPT_TRY
    if (!path || !out) return set_err(e, XP_EINVAL, "xpt_net_load: NULL argument");
    *out = nullptr;
    std::ifstream in(path, std::ios::binary);
    if (!in) return set_err(e, XP_EIO, "cannot read %s: %s", path, strerror(errno));
    std::vector<uint8_t> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return set_err(e, XP_EIO, "cannot read %s", path);
    std::string p(path);
    reader r(buf, p);
    std::string magic = r.bytes(8);
    if (memcmp(magic.data(), XPW_MAGIC, 8) != 0) r.bad("bad magic");
    uint32_t ver = r.u32();
    if (ver != XPW_VERSION) r.bad("version " + std::to_string(ver) + ", expected " + std::to_string(XPW_VERSION));
    std::unique_ptr<xpt_net> net(new xpt_net);
    net->in_h = (int)r.u32();
    net->in_w = (int)r.u32();
    net->in_c = (int)r.u32();
    net->out_dim = r.u32();
    uint32_t n_ops = r.u32();
    if (net->in_h < 1 || net->in_h > 4096 || net->in_w < 1 || net->in_w > 4096 || net->in_c < 1 ||
        net->in_c > 16 || net->out_dim < 1 || n_ops < 1 || n_ops > 100000)
        r.bad("header");
    uint32_t slen = r.u32();
    if (slen > 4096) r.bad("source text");
    net->source = r.bytes(slen);
    std::vector<int64_t> ch(n_ops + 1, 0);   /* channels per value, for shape checks */
    ch[0] = net->in_c;
    net->last_use.assign(n_ops + 1, -1);
    for (uint32_t i = 0; i < n_ops; i++) {
        net_op op;
        op.type = r.u32();
        op.in0 = (int32_t)r.u32();
        op.in1 = (int32_t)r.u32();
        op.stride = r.u32();
        op.ksize = r.u32();
        op.act = r.u32();
        op.pad = r.u32();
        op.scalar = r.f32();
        uint32_t nt = r.u32();
        if (nt > 2) r.bad("op with " + std::to_string(nt) + " tensors");
        if (nt > 0) op.w = r.tensor();
        if (nt > 0 && op.w.dim() == 4) op.w = op.w.contiguous(at::MemoryFormat::ChannelsLast);
        if (nt > 1) op.b = r.tensor();
        std::string where = "op " + std::to_string(i);
        if (op.in0 < 0 || op.in0 > (int32_t)i) r.bad(where + ": input " + std::to_string(op.in0));
        if (op.type == XPW_OP_ADD && (op.in1 < 0 || op.in1 > (int32_t)i)) r.bad(where + ": second input");
        if (op.act > XPW_ACT_RELU6 || op.pad > XPW_PAD_SAME) r.bad(where + ": activation/padding");
        int64_t c_in = ch[op.in0], c_out = c_in;
        switch (op.type) {
        case XPW_OP_MUL_SCALAR:
        case XPW_OP_SUB_SCALAR:
        case XPW_OP_ADD_SCALAR:
        case XPW_OP_SQUEEZE:
            if (nt) r.bad(where + ": unexpected tensors");
            break;
        case XPW_OP_ADD:
            if (ch[op.in1] != c_in) r.bad(where + ": adds values of different widths");
            break;
        case XPW_OP_AVGPOOL:
            if (!op.ksize || !op.stride || op.pad != XPW_PAD_VALID) r.bad(where + ": pool window");
            break;
        case XPW_OP_CONV2D:
        case XPW_OP_DWCONV2D: {
            if (nt != 2 || op.w.dim() != 4 || op.b.dim() != 1 || op.b.size(0) != op.w.size(0) || !op.stride ||
                op.w.size(2) != op.w.size(3))
                r.bad(where + ": convolution tensors");
            bool dw = op.type == XPW_OP_DWCONV2D;
            if (dw ? (op.w.size(1) != 1 || op.w.size(0) % c_in) : op.w.size(1) != c_in)
                r.bad(where + ": kernel does not match " + std::to_string(c_in) + " input channels");
            c_out = op.w.size(0);
            break;
        }
        default: r.bad(where + ": unknown op type " + std::to_string(op.type));
        }
        ch[i + 1] = c_out;
        net->last_use[op.in0] = (int32_t)i;
        if (op.type == XPW_OP_ADD) net->last_use[op.in1] = (int32_t)i;
        net->ops.push_back(std::move(op));
    }
    if (!r.at_end()) r.bad("trailing bytes");
    if ((size_t)ch[n_ops] != net->out_dim) r.bad("output width does not match the header");
    *out = net.release();
    return ok(e);
    XPT_CATCH(e)
}

void xpt_net_input(const xpt_net *net, int *h, int *w, int *c)
{
    if (h) *h = net ? net->in_h : 0;
    if (w) *w = net ? net->in_w : 0;
    if (c) *c = net ? net->in_c : 0;
}

size_t xpt_net_out_dim(const xpt_net *net)
{
    return net ? net->out_dim : 0;
}

const char *xpt_net_source(const xpt_net *net)
{
    return net ? net->source.c_str() : "";
}

int xpt_net_forward(const xpt_net *net, const float *nhwc, size_t n, int h, int w, float *out, xpt_err *e)
{
    XPT_TRY
    if (!net || (n && (!nhwc || !out))) return set_err(e, XP_EINVAL, "xpt_net_forward: NULL argument");
    if (h < 1 || w < 1 || h > 4096 || w > 4096) return set_err(e, XP_EINVAL, "xpt_net_forward: bad image size %dx%d", h, w);
    if (n == 0) return ok(e);
    c10::InferenceMode guard;
    std::vector<at::Tensor> val(net->ops.size() + 1);
    val[0] = torch::from_blob(const_cast<float *>(nhwc), { (int64_t)n, h, w, net->in_c }, torch::kFloat32)
                 .permute({ 0, 3, 1, 2 })
                 .clone(at::MemoryFormat::ChannelsLast);
    for (size_t i = 0; i < net->ops.size(); i++) {
        const net_op &op = net->ops[i];
        const at::Tensor &x = val[op.in0];
        at::Tensor y;
        switch (op.type) {
        case XPW_OP_MUL_SCALAR: y = x * op.scalar; break;
        case XPW_OP_SUB_SCALAR: y = x - op.scalar; break;
        case XPW_OP_ADD_SCALAR: y = x + op.scalar; break;
        case XPW_OP_CONV2D:
        case XPW_OP_DWCONV2D: y = conv(op, x); break;
        case XPW_OP_ADD: y = x + val[op.in1]; break;
        case XPW_OP_AVGPOOL:
            if (x.size(2) < (int64_t)op.ksize || x.size(3) < (int64_t)op.ksize)
                return set_err(e, XP_EINVAL, "xpt_net_forward: %dx%d images are too small for this network "
                               "(made for %dx%d)", h, w, net->in_h, net->in_w);
            y = at::avg_pool2d(x, { op.ksize, op.ksize }, { op.stride, op.stride });
            break;
        case XPW_OP_SQUEEZE:
            if (x.dim() == 4 && (x.size(2) != 1 || x.size(3) != 1))
                return set_err(e, XP_EINVAL, "xpt_net_forward: %dx%d images do not pool to 1x1 in this network "
                               "(made for %dx%d)", h, w, net->in_h, net->in_w);
            y = x.flatten(1);
            break;
        }
        val[i + 1] = std::move(y);
        if (net->last_use[op.in0] == (int32_t)i) val[op.in0].reset();
        if (op.type == XPW_OP_ADD && net->last_use[op.in1] == (int32_t)i) val[op.in1].reset();
    }
    at::Tensor r = val.back().contiguous();
    if (r.dim() != 2 || (size_t)r.size(0) != n || (size_t)r.size(1) != net->out_dim)
        return set_err(e, XP_EINTERNAL, "xpt_net_forward: output has shape %s, expected [%zu, %zu]",
                       c10::str(r.sizes()).c_str(), n, net->out_dim);
    memcpy(out, r.data_ptr<float>(), n * net->out_dim * sizeof(float));
    return ok(e);
    XPT_CATCH(e)
}

int xpt_net_forward_parallel(const xpt_net *net, const float *nhwc, size_t n, int h, int w, float *out,
                             int workers, xpt_err *e)
{
    XPT_TRY
    if (!net || (n && (!nhwc || !out))) return set_err(e, XP_EINVAL, "xpt_net_forward_parallel: NULL argument");
    if (workers <= 1 || n <= 1) {
        for (size_t i = 0; i < n; i++) {
            size_t px = (size_t)h * (size_t)w * (size_t)net->in_c;
            int rc = xpt_net_forward(net, nhwc + i * px, 1, h, w, out + i * net->out_dim, e);
            if (rc) return rc;
        }
        return ok(e);
    }
    size_t nw = std::min((size_t)workers, n);
    std::vector<xpt_err> errs(nw);
    std::vector<int> rcs(nw, XP_OK);
    std::vector<std::thread> pool;
    size_t px = (size_t)h * (size_t)w * (size_t)net->in_c;
    try {
        for (size_t k = 0; k < nw; k++) {
            size_t b = n * k / nw, end = n * (k + 1) / nw;
            pool.emplace_back([&, k, b, end]() {
                /* Never throws: xpt_set_threads / xpt_net_forward catch everything. */
                rcs[k] = xpt_set_threads(1, &errs[k]);
                for (size_t i = b; i < end && rcs[k] == XP_OK; i++)
                    rcs[k] = xpt_net_forward(net, nhwc + i * px, 1, h, w, out + i * net->out_dim, &errs[k]);
            });
        }
    } catch (...) {   /* a thread could not start: let the started ones finish first */
        for (std::thread &t : pool) t.join();
        throw;
    }
    for (std::thread &t : pool) t.join();
    for (size_t k = 0; k < nw; k++)
        if (rcs[k]) return set_err(e, rcs[k], "%s", errs[k].msg);
    return ok(e);
    XPT_CATCH(e)
}

void xpt_net_free(xpt_net *net)
{
    try {
        delete net;
    } catch (...) {
    }
}

}  // extern "C"
