/* mobilenet_convert — turns the TensorFlow.js graph model shipped in npm nsfwjs@4.3.0
 * (package/dist/models/mobilenet_v2_mid/) into one ".xpw" file the torch shim runs
 * (xpt_net_load). No Python, no node: the package's files are read and decoded here.
 *
 *     mobilenet_convert MODEL_DIR OUT.xpw [OUTPUT_NODE]
 *
 * Input files, each a UMD JavaScript module exporting one value:
 *   model.min.js                 the model.json object (a JS object literal: bare keys, !0/!1,
 *                                numbers such as -.5): modelTopology.node[] (the graph) and
 *                                weightsManifest[].weights[] (name, shape, dtype, quantization)
 *   group1-shard1of2.min.js ...  a base64 string per shard (weightsManifest[].paths + ".min.js");
 *                                the decoded shards concatenated in order are the weight bytes,
 *                                one tensor after the other in manifest order.
 * Quantized tensors (quantization.dtype uint8 / uint16) are dequantized as q * scale + min
 * (computed in double, stored as float32, as TensorFlow.js does); float16 and plain float32 /
 * int32 are read as such.
 *
 * The graph is walked backwards from OUTPUT_NODE (default: the 1792-d pooled feature
 * `.../predict/feature_vector/SpatialSqueeze`) and written in topological order. Supported
 * ops: Placeholder, Const, Mul/Sub/AddV2 with a scalar constant, AddV2 of two values,
 * _FusedConv2D and FusedDepthwiseConv2dNative (BiasAdd, optionally Relu or Relu6; NHWC, no
 * dilation), AvgPool (VALID), Squeeze, Identity. Anything else is refused by name. Kernels are
 * moved from TensorFlow's HWIO (depthwise: H W C M) to torch's OIHW. The output format is
 * described in plugins/common/torch_shim/xpw_format.h. The file is written to OUT.xpw.tmp and
 * renamed, so an interrupted run leaves no half file.
 *
 * Exit status: 0 ok, 1 bad input (message on stderr), 2 usage.
 */
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "xpw_format.h"

namespace {

[[noreturn]] void die(const std::string &msg) { throw std::runtime_error(msg); }

/* ------------------------------------------------------------ a JS object-literal reader */

struct Value {
    enum Kind { NUL, BOOL, NUM, STR, ARR, OBJ } kind = NUL;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<Value> arr;
    std::vector<std::pair<std::string, Value>> obj;

    const Value *get(const std::string &key) const
    {
        if (kind != OBJ) return nullptr;
        for (const auto &kv : obj)
            if (kv.first == key) return &kv.second;
        return nullptr;
    }
    const Value &at(const std::string &key) const
    {
        const Value *v = get(key);
        if (!v) die("model.json: missing key '" + key + "'");
        return *v;
    }
};

class Parser {
public:
    Parser(const std::string &s, size_t pos) : s_(s), p_(pos) {}
    Value value()
    {
        ws();
        if (p_ >= s_.size()) fail("unexpected end");
        char c = s_[p_];
        if (c == '{') return object();
        if (c == '[') return array();
        if (c == '"' || c == '\'') {
            Value v;
            v.kind = Value::STR;
            v.str = string();
            return v;
        }
        if (c == '!') {   /* minified booleans: !0 true, !1 false */
            p_++;
            Value v;
            v.kind = Value::BOOL;
            if (p_ < s_.size() && s_[p_] == '0') v.b = true;
            else if (p_ < s_.size() && s_[p_] == '1') v.b = false;
            else fail("expected !0 or !1");
            p_++;
            return v;
        }
        if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) return number();
        std::string id = ident();
        Value v;
        if (id == "true" || id == "false") {
            v.kind = Value::BOOL;
            v.b = id == "true";
        } else if (id == "null" || id == "void") {
            if (id == "void") {   /* void 0 */
                ws();
                number();
            }
        } else {
            fail("unexpected '" + id + "'");
        }
        return v;
    }
    size_t pos() const { return p_; }

private:
    const std::string &s_;
    size_t p_;

    [[noreturn]] void fail(const std::string &what) const
    {
        die("model.min.js: " + what + " at offset " + std::to_string(p_));
    }
    void ws()
    {
        while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\n' || s_[p_] == '\r' || s_[p_] == '\t'))
            p_++;
    }
    void expect(char c)
    {
        ws();
        if (p_ >= s_.size() || s_[p_] != c) fail(std::string("expected '") + c + "'");
        p_++;
    }
    static bool idch(char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '$';
    }
    std::string ident()
    {
        size_t b = p_;
        while (p_ < s_.size() && idch(s_[p_])) p_++;
        if (b == p_) fail("expected a name or value");
        return s_.substr(b, p_ - b);
    }
    std::string string()
    {
        char q = s_[p_++];
        std::string out;
        while (p_ < s_.size() && s_[p_] != q) {
            char c = s_[p_++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (p_ >= s_.size()) break;
            char e = s_[p_++];
            switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                if (p_ + 4 > s_.size()) fail("bad \\u escape");
                unsigned cp = (unsigned)std::stoul(s_.substr(p_, 4), nullptr, 16);
                p_ += 4;
                if (cp < 0x80) out += (char)cp;
                else if (cp < 0x800) {
                    out += (char)(0xC0 | (cp >> 6));
                    out += (char)(0x80 | (cp & 0x3F));
                } else {
                    out += (char)(0xE0 | (cp >> 12));
                    out += (char)(0x80 | ((cp >> 6) & 0x3F));
                    out += (char)(0x80 | (cp & 0x3F));
                }
                break;
            }
            default: out += e;
            }
        }
        if (p_ >= s_.size()) fail("unterminated string");
        p_++;
        return out;
    }
    Value number()
    {
        size_t b = p_;
        if (s_[p_] == '-' || s_[p_] == '+') p_++;
        while (p_ < s_.size() && (isdigit((unsigned char)s_[p_]) || s_[p_] == '.' || s_[p_] == 'e' ||
                                  s_[p_] == 'E' ||
                                  ((s_[p_] == '-' || s_[p_] == '+') && (s_[p_ - 1] == 'e' || s_[p_ - 1] == 'E'))))
            p_++;
        std::string t = s_.substr(b, p_ - b);
        char *end = nullptr;
        Value v;
        v.kind = Value::NUM;
        v.num = strtod(t.c_str(), &end);
        if (t.empty() || *end) fail("bad number '" + t + "'");
        return v;
    }
    Value array()
    {
        Value v;
        v.kind = Value::ARR;
        p_++;
        ws();
        if (p_ < s_.size() && s_[p_] == ']') {
            p_++;
            return v;
        }
        for (;;) {
            v.arr.push_back(value());
            ws();
            if (p_ < s_.size() && s_[p_] == ',') {
                p_++;
                continue;
            }
            expect(']');
            return v;
        }
    }
    Value object()
    {
        Value v;
        v.kind = Value::OBJ;
        p_++;
        ws();
        if (p_ < s_.size() && s_[p_] == '}') {
            p_++;
            return v;
        }
        for (;;) {
            ws();
            if (p_ >= s_.size()) fail("unexpected end");
            std::string key = (s_[p_] == '"' || s_[p_] == '\'') ? string() : ident();
            expect(':');
            v.obj.emplace_back(key, value());
            ws();
            if (p_ < s_.size() && s_[p_] == ',') {
                p_++;
                continue;
            }
            expect('}');
            return v;
        }
    }
};

std::string read_file(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path + ": " + strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/* The value a UMD bundle exports: the text after the first "exports=" that starts `want`. */
size_t exported_at(const std::string &js, char want, const std::string &path)
{
    const std::string tag = "exports=";
    for (size_t p = js.find(tag); p != std::string::npos; p = js.find(tag, p + 1)) {
        size_t q = p + tag.size();
        if (q < js.size() && js[q] == want) return q;
    }
    die(path + ": no `exports=" + want + "...` found (not a UMD bundle of nsfwjs@4.3.0?)");
}

std::vector<uint8_t> base64(const std::string &s, size_t b, size_t e, const std::string &path)
{
    static int8_t tab[256];
    static bool init = false;
    if (!init) {
        memset(tab, -1, sizeof tab);
        const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; i++) tab[(unsigned char)a[i]] = (int8_t)i;
        init = true;
    }
    std::vector<uint8_t> out;
    out.reserve((e - b) / 4 * 3);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=') break;
        if (c == '\n' || c == '\r') continue;
        if (tab[c] < 0) die(path + ": bad base64 character at offset " + std::to_string(i));
        acc = (acc << 6) | (uint32_t)tab[c];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back((uint8_t)(acc >> bits));
        }
    }
    return out;
}

std::string base64_text(const std::string &s)
{
    std::vector<uint8_t> b = base64(s, 0, s.size(), "attribute");
    return std::string(b.begin(), b.end());
}

float half_to_float(uint16_t h)
{
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 0) v = std::ldexp((double)m, -24);
    else if (e == 31) v = m ? NAN : INFINITY;
    else v = std::ldexp((double)(m | 1024), e - 25);
    return (float)(s ? -v : v);
}

/* ------------------------------------------------------------ weights */

struct Tensor {
    std::vector<int64_t> shape;
    std::vector<float> data;
};

std::map<std::string, Tensor> read_weights(const Value &model, const std::string &dir)
{
    std::map<std::string, Tensor> out;
    const Value &man = model.at("weightsManifest");
    if (man.kind != Value::ARR) die("weightsManifest is not a list");
    for (const Value &group : man.arr) {
        std::vector<uint8_t> bytes;
        for (const Value &p : group.at("paths").arr) {
            std::string path = dir + "/" + p.str + ".min.js";
            std::string js = read_file(path);
            size_t q = exported_at(js, '"', path);
            size_t end = js.find('"', q + 1);
            if (end == std::string::npos) die(path + ": unterminated base64 string");
            std::vector<uint8_t> b = base64(js, q + 1, end, path);
            bytes.insert(bytes.end(), b.begin(), b.end());
        }
        size_t off = 0;
        for (const Value &w : group.at("weights").arr) {
            Tensor t;
            size_t count = 1;
            for (const Value &d : w.at("shape").arr) {
                t.shape.push_back((int64_t)d.num);
                count *= (size_t)d.num;
            }
            const std::string &name = w.at("name").str, &dtype = w.at("dtype").str;
            const Value *q = w.get("quantization");
            t.data.resize(count);
            auto need = [&](size_t n) {
                if (off + n > bytes.size())
                    die("weights: tensor " + name + " runs past the end of the shards (" +
                        std::to_string(bytes.size()) + " bytes)");
            };
            if (q) {
                const std::string &qd = q->at("dtype").str;
                if (qd == "uint8" || qd == "uint16") {
                    double scale = q->at("scale").num, mn = q->at("min").num;
                    size_t w8 = qd == "uint8" ? 1 : 2;
                    need(count * w8);
                    for (size_t i = 0; i < count; i++) {
                        unsigned v = w8 == 1 ? bytes[off + i]
                                             : (unsigned)(bytes[off + 2 * i] | (bytes[off + 2 * i + 1] << 8));
                        t.data[i] = (float)(v * scale + mn);
                    }
                    off += count * w8;
                } else if (qd == "float16") {
                    need(count * 2);
                    for (size_t i = 0; i < count; i++)
                        t.data[i] = half_to_float((uint16_t)(bytes[off + 2 * i] | (bytes[off + 2 * i + 1] << 8)));
                    off += count * 2;
                } else {
                    die("weights: tensor " + name + ": unsupported quantization " + qd);
                }
            } else if (dtype == "float32" || dtype == "int32") {
                need(count * 4);
                for (size_t i = 0; i < count; i++) {
                    uint32_t u = (uint32_t)bytes[off + 4 * i] | ((uint32_t)bytes[off + 4 * i + 1] << 8) |
                                 ((uint32_t)bytes[off + 4 * i + 2] << 16) | ((uint32_t)bytes[off + 4 * i + 3] << 24);
                    if (dtype == "int32") {
                        t.data[i] = (float)(int32_t)u;
                    } else {
                        float f;
                        memcpy(&f, &u, 4);
                        t.data[i] = f;
                    }
                }
                off += count * 4;
            } else {
                die("weights: tensor " + name + ": unsupported dtype " + dtype);
            }
            out[name] = std::move(t);
        }
        if (off != bytes.size())
            die("weights: manifest describes " + std::to_string(off) + " bytes, shards hold " +
                std::to_string(bytes.size()));
    }
    return out;
}

/* ------------------------------------------------------------ graph */

struct Op {
    uint32_t type = 0;
    int32_t in0 = -1, in1 = -1;
    uint32_t stride = 0, ksize = 0, act = XPW_ACT_NONE, pad = XPW_PAD_VALID;
    float scalar = 0;
    std::vector<Tensor> tensors;
};

struct Converter {
    std::map<std::string, const Value *> nodes;
    std::map<std::string, Tensor> &weights;
    std::map<std::string, int32_t> value_of;   /* node name -> value id */
    std::map<int32_t, int64_t> channels;       /* value id -> channels */
    std::set<std::string> visiting;
    std::vector<Op> ops;
    int64_t in_h = 0, in_w = 0, in_c = 0;

    explicit Converter(std::map<std::string, Tensor> &w) : weights(w) {}

    static std::string clean(const std::string &in)
    {
        std::string s = in;
        size_t c = s.rfind(':');
        if (c != std::string::npos && c + 1 < s.size() &&
            s.find_first_not_of("0123456789", c + 1) == std::string::npos)
            s.resize(c);
        return s;
    }
    static std::vector<std::string> inputs(const Value &n)
    {
        std::vector<std::string> r;
        if (const Value *in = n.get("input"))
            for (const Value &v : in->arr)
                if (!v.str.empty() && v.str[0] != '^') r.push_back(clean(v.str));
        return r;
    }
    static const Value *attr(const Value &n, const std::string &k)
    {
        const Value *a = n.get("attr");
        return a ? a->get(k) : nullptr;
    }
    static std::string attr_s(const Value &n, const std::string &k)
    {
        const Value *a = attr(n, k);
        return a && a->get("s") ? base64_text(a->get("s")->str) : std::string();
    }
    static std::vector<int64_t> attr_ints(const Value &n, const std::string &k)
    {
        std::vector<int64_t> r;
        const Value *a = attr(n, k);
        const Value *l = a ? a->get("list") : nullptr;
        const Value *i = l ? l->get("i") : nullptr;
        if (i)
            for (const Value &v : i->arr) r.push_back(v.kind == Value::STR ? std::stoll(v.str) : (int64_t)v.num);
        return r;
    }
    static std::vector<std::string> attr_strs(const Value &n, const std::string &k)
    {
        std::vector<std::string> r;
        const Value *a = attr(n, k);
        const Value *l = a ? a->get("list") : nullptr;
        const Value *s = l ? l->get("s") : nullptr;
        if (s)
            for (const Value &v : s->arr) r.push_back(base64_text(v.str));
        return r;
    }

    const Value &node(const std::string &name)
    {
        auto it = nodes.find(name);
        if (it == nodes.end()) die("graph: no node named " + name);
        return *it->second;
    }
    bool is_const(const std::string &name) { return node(name).at("op").str == "Const"; }
    const Tensor &constant(const std::string &name)
    {
        auto it = weights.find(name);
        if (it == weights.end()) die("graph: constant " + name + " has no weights in the manifest");
        return it->second;
    }

    int32_t emit(Op op, int64_t ch)
    {
        ops.push_back(std::move(op));
        int32_t id = (int32_t)ops.size();
        channels[id] = ch;
        return id;
    }

    void conv_common(const Value &n, const std::string &name, Op &op)
    {
        if (attr_s(n, "data_format") != "NHWC" && !attr_s(n, "data_format").empty())
            die("graph: " + name + ": data_format " + attr_s(n, "data_format") + " not supported");
        std::vector<int64_t> st = attr_ints(n, "strides"), dil = attr_ints(n, "dilations");
        if (st.size() != 4 || st[1] != st[2] || st[0] != 1 || st[3] != 1)
            die("graph: " + name + ": unsupported strides");
        for (int64_t d : dil)
            if (d != 1) die("graph: " + name + ": dilation not supported");
        op.stride = (uint32_t)st[1];
        std::string pad = attr_s(n, "padding");
        if (pad == "SAME") op.pad = XPW_PAD_SAME;
        else if (pad == "VALID") op.pad = XPW_PAD_VALID;
        else die("graph: " + name + ": padding '" + pad + "' not supported");
        std::vector<std::string> fused = attr_strs(n, "fused_ops");
        if (fused.empty() || fused[0] != "BiasAdd" || fused.size() > 2)
            die("graph: " + name + ": fused ops must be BiasAdd[,Relu|Relu6]");
        if (fused.size() == 2) {
            if (fused[1] == "Relu6") op.act = XPW_ACT_RELU6;
            else if (fused[1] == "Relu") op.act = XPW_ACT_RELU;
            else die("graph: " + name + ": fused activation " + fused[1] + " not supported");
        }
    }

    /* Value id of node `name`, emitting it (and what it needs) first. */
    int32_t visit(const std::string &name)
    {
        auto it = value_of.find(name);
        if (it != value_of.end()) return it->second;
        if (visiting.count(name)) die("graph: cycle at " + name);
        visiting.insert(name);
        const Value &n = node(name);
        const std::string &type = n.at("op").str;
        std::vector<std::string> in = inputs(n);
        int32_t id = -1;
        auto need_inputs = [&](size_t k) {
            if (in.size() < k) die("graph: " + name + " (" + type + ") has too few inputs");
        };
        if (type == "Placeholder") {
            if (in_c) die("graph: more than one Placeholder (" + name + ")");
            const Value *sh = attr(n, "shape");
            const Value *s2 = sh ? sh->get("shape") : nullptr;
            const Value *dim = s2 ? s2->get("dim") : nullptr;
            if (!dim || dim->arr.size() != 4) die("graph: input " + name + " is not NHWC 4-d");
            in_h = std::stoll(dim->arr[1].at("size").str);
            in_w = std::stoll(dim->arr[2].at("size").str);
            in_c = std::stoll(dim->arr[3].at("size").str);
            id = 0;
            channels[0] = in_c;
        } else if (type == "Identity") {
            need_inputs(1);
            id = visit(in[0]);
        } else if (type == "Mul" || type == "Sub" || type == "AddV2" || type == "Add") {
            need_inputs(2);
            bool c0 = is_const(in[0]), c1 = is_const(in[1]);
            if (c0 && c1) die("graph: " + name + ": constant folding not supported");
            if (!c0 && !c1) {
                if (type == "Mul" || type == "Sub") die("graph: " + name + ": " + type + " of two tensors not supported");
                Op op;
                op.type = XPW_OP_ADD;
                op.in0 = visit(in[0]);
                op.in1 = visit(in[1]);
                int64_t ch = channels[op.in0];
                if (ch != channels[op.in1]) die("graph: " + name + ": channel mismatch");
                id = emit(std::move(op), ch);
            } else {
                if (type == "Sub" && c0) die("graph: " + name + ": constant - tensor not supported");
                const Tensor &k = constant(c0 ? in[0] : in[1]);
                if (k.data.size() != 1) die("graph: " + name + ": only scalar constants supported");
                Op op;
                op.type = type == "Mul" ? XPW_OP_MUL_SCALAR : type == "Sub" ? XPW_OP_SUB_SCALAR : XPW_OP_ADD_SCALAR;
                op.scalar = k.data[0];
                op.in0 = visit(c0 ? in[1] : in[0]);
                int64_t ch = channels[op.in0];
                id = emit(std::move(op), ch);
            }
        } else if (type == "_FusedConv2D" || type == "FusedDepthwiseConv2dNative") {
            need_inputs(3);
            bool dw = type != "_FusedConv2D";
            Op op;
            op.type = dw ? XPW_OP_DWCONV2D : XPW_OP_CONV2D;
            conv_common(n, name, op);
            op.in0 = visit(in[0]);
            const Tensor &w = constant(in[1]), &b = constant(in[2]);
            if (w.shape.size() != 4) die("graph: " + name + ": kernel is not 4-d");
            int64_t kh = w.shape[0], kw = w.shape[1], ci = w.shape[2], co = w.shape[3];
            if (kh != kw) die("graph: " + name + ": non-square kernel not supported");
            if (ci != channels[op.in0])
                die("graph: " + name + ": kernel expects " + std::to_string(ci) + " input channels, got " +
                    std::to_string(channels[op.in0]));
            int64_t out_c = dw ? ci * co : co;
            if ((int64_t)b.data.size() != out_c) die("graph: " + name + ": bias size mismatch");
            Tensor tw;
            /* conv: HWIO -> OIHW; depthwise: H W C M -> [C*M, 1, H, W] (out channel c*M+m). */
            tw.shape = dw ? std::vector<int64_t>{ ci * co, 1, kh, kw } : std::vector<int64_t>{ co, ci, kh, kw };
            tw.data.resize(w.data.size());
            for (int64_t y = 0; y < kh; y++)
                for (int64_t x = 0; x < kw; x++)
                    for (int64_t i = 0; i < ci; i++)
                        for (int64_t o = 0; o < co; o++) {
                            float v = w.data[((y * kw + x) * ci + i) * co + o];
                            size_t dst = dw ? (size_t)(((i * co + o) * kh + y) * kw + x)
                                            : (size_t)(((o * ci + i) * kh + y) * kw + x);
                            tw.data[dst] = v;
                        }
            Tensor tb;
            tb.shape = { out_c };
            tb.data = b.data;
            op.tensors.push_back(std::move(tw));
            op.tensors.push_back(std::move(tb));
            id = emit(std::move(op), out_c);
        } else if (type == "AvgPool") {
            need_inputs(1);
            std::vector<int64_t> k = attr_ints(n, "ksize"), st = attr_ints(n, "strides");
            if (k.size() != 4 || k[1] != k[2] || st.size() != 4 || st[1] != st[2])
                die("graph: " + name + ": only square pooling supported");
            if (attr_s(n, "padding") != "VALID") die("graph: " + name + ": only VALID pooling supported");
            Op op;
            op.type = XPW_OP_AVGPOOL;
            op.ksize = (uint32_t)k[1];
            op.stride = (uint32_t)st[1];
            op.pad = XPW_PAD_VALID;
            op.in0 = visit(in[0]);
            int64_t ch = channels[op.in0];
            id = emit(std::move(op), ch);
        } else if (type == "Squeeze") {
            need_inputs(1);
            std::vector<int64_t> d = attr_ints(n, "squeeze_dims");
            if (d != std::vector<int64_t>{ 1, 2 }) die("graph: " + name + ": only Squeeze of dims [1,2] supported");
            Op op;
            op.type = XPW_OP_SQUEEZE;
            op.in0 = visit(in[0]);
            int64_t ch = channels[op.in0];
            id = emit(std::move(op), ch);
        } else {
            die("graph: op " + type + " (node " + name + ") is not supported by this converter");
        }
        visiting.erase(name);
        value_of[name] = id;
        return id;
    }
};

void put_u32(std::vector<uint8_t> &b, uint32_t v)
{
    for (int i = 0; i < 4; i++) b.push_back((uint8_t)(v >> (8 * i)));
}
void put_f32(std::vector<uint8_t> &b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u32(b, u);
}

int run(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s MODEL_DIR OUT.xpw [OUTPUT_NODE]\n"
                        "  MODEL_DIR: package/dist/models/mobilenet_v2_mid of npm nsfwjs@4.3.0\n", argv[0]);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    std::string dir = argv[1], out = argv[2];
    std::string target = argc > 3 ? argv[3]
        : "StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/"
          "StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze";
    std::string mpath = dir + "/model.min.js";
    std::string js = read_file(mpath);
    Parser p(js, exported_at(js, '{', mpath));
    Value model = p.value();
    if (model.at("format").str != "graph-model") die(mpath + ": not a TensorFlow.js graph model");
    std::map<std::string, Tensor> weights = read_weights(model, dir);

    Converter cv(weights);
    for (const Value &n : model.at("modelTopology").at("node").arr) cv.nodes[n.at("name").str] = &n;
    int32_t last = cv.visit(target);
    if (last <= 0 || last != (int32_t)cv.ops.size()) die("graph: output node " + target + " is not computed by an op");
    if (!cv.in_c) die("graph: no Placeholder input reached");

    std::string source = "npm nsfwjs@4.3.0 dist/models/mobilenet_v2_mid (" + model.at("convertedBy").str +
                         ") up to " + target;
    std::vector<uint8_t> b;
    const char magic[8] = XPW_MAGIC;
    b.insert(b.end(), magic, magic + 8);
    put_u32(b, XPW_VERSION);
    put_u32(b, (uint32_t)cv.in_h);
    put_u32(b, (uint32_t)cv.in_w);
    put_u32(b, (uint32_t)cv.in_c);
    put_u32(b, (uint32_t)cv.channels[last]);
    put_u32(b, (uint32_t)cv.ops.size());
    put_u32(b, (uint32_t)source.size());
    b.insert(b.end(), source.begin(), source.end());
    size_t params = 0;
    for (const Op &op : cv.ops) {
        put_u32(b, op.type);
        put_u32(b, (uint32_t)op.in0);
        put_u32(b, (uint32_t)op.in1);
        put_u32(b, op.stride);
        put_u32(b, op.ksize);
        put_u32(b, op.act);
        put_u32(b, op.pad);
        put_f32(b, op.scalar);
        put_u32(b, (uint32_t)op.tensors.size());
        for (const Tensor &t : op.tensors) {
            put_u32(b, (uint32_t)t.shape.size());
            for (int64_t d : t.shape) put_u32(b, (uint32_t)d);
            for (float f : t.data) put_f32(b, f);
            params += t.data.size();
        }
    }
    std::string tmp = out + ".tmp";
    FILE *f = fopen(tmp.c_str(), "wb");
    if (!f) die("cannot write " + tmp + ": " + strerror(errno));
    bool ok = fwrite(b.data(), 1, b.size(), f) == b.size();
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp.c_str(), out.c_str()) != 0) {
        remove(tmp.c_str());
        die("cannot write " + out + ": " + strerror(errno));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("mobilenet_convert: %s: %zu ops, %zu parameters, input %lldx%lldx%lld, output %lld-d, "
           "%.1f MB, %.2f s\n", out.c_str(), cv.ops.size(), params, (long long)cv.in_h, (long long)cv.in_w,
           (long long)cv.in_c, (long long)cv.channels[last], b.size() / 1e6,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}

}  // namespace

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        fprintf(stderr, "mobilenet_convert: %s\n", e.what());
        return 1;
    }
}
