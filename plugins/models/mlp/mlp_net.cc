/* mlp_net.cc — the mlp model's network behind the C API of mlp_net.h (libtorch 1.13, CPU).
 *
 *   numbers ─────────────────────────────────────────────┐
 *   categorical codes ── Embedding(card, width) each ────┤
 *   vector j ── Linear(dim_j, proj) + act ───────────────┼─ concat ─ [Linear + act + dropout]*
 *   token ids ── Embedding(vocab, D) ─ masked mean | GRU ─ Linear(., proj) + act ─┤  ─ Linear(., 1)
 *   pixels ── [Conv3x3 stride 2 + act]* ─ mean pool ─ Linear(., proj) + act ──────┘
 *
 * The towers run once per DISTINCT text / image of a batch (torch::_unique over the batch's
 * table indexes, outputs gathered back per row), so a batch whose rows share pictures costs
 * its distinct pictures. Every extern "C" function body sits between MLP_TRY and MLP_CATCH(e).
 */
#include "mlp_net.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "torch_boundary.hh"

namespace {
using xpt::fail;
using xpt::first_line;
using xpt::ok;
using xpt::set_err;
}  // namespace

#define MLP_TRY XPT_TRY
#define MLP_CATCH(e) XPT_CATCH(e)

namespace {

namespace nn = torch::nn;

/* The spec with its arrays copied. */
struct spec_copy {
    mlp_spec s;
    std::vector<int64_t> cat_card, cat_width, vec_dim;
    explicit spec_copy(const mlp_spec &in) : s(in)
    {
        if (in.n_cat > 0) {
            cat_card.assign(in.cat_card, in.cat_card + in.n_cat);
            cat_width.assign(in.cat_width, in.cat_width + in.n_cat);
        }
        if (in.n_vec > 0) vec_dim.assign(in.vec_dim, in.vec_dim + in.n_vec);
        s.cat_card = cat_card.data();
        s.cat_width = cat_width.data();
        s.vec_dim = vec_dim.data();
        s.text_init = nullptr;
    }
};

void check_spec(const mlp_spec &s)
{
    if (s.n_num < 0 || s.n_cat < 0 || s.n_vec < 0) fail(XP_EINVAL, "mlp_net: negative input count");
    if (s.n_cat && (!s.cat_card || !s.cat_width)) fail(XP_EINVAL, "mlp_net: cat_card/cat_width missing");
    for (int64_t j = 0; j < s.n_cat; j++)
        if (s.cat_card[j] < 1 || s.cat_width[j] < 1)
            fail(XP_EINVAL, "mlp_net: categorical input %lld: card %lld, width %lld", (long long)j,
                 (long long)s.cat_card[j], (long long)s.cat_width[j]);
    if (s.n_vec && !s.vec_dim) fail(XP_EINVAL, "mlp_net: vec_dim missing");
    for (int64_t j = 0; j < s.n_vec; j++)
        if (s.vec_dim[j] < 1) fail(XP_EINVAL, "mlp_net: vector input %lld has width %lld", (long long)j, (long long)s.vec_dim[j]);
    if ((s.n_vec || s.text_vocab || s.image_size) && s.proj_dim < 1)
        fail(XP_EINVAL, "mlp_net: proj_dim must be >= 1, got %lld", (long long)s.proj_dim);
    if (s.text_vocab < 0 || (s.text_vocab && (s.text_vocab < 2 || s.text_len < 1 || s.text_dim < 1)))
        fail(XP_EINVAL, "mlp_net: text tower needs vocab >= 2, len >= 1, dim >= 1");
    if (s.text_vocab && s.text_kind != MLP_TEXT_BAG && s.text_kind != MLP_TEXT_GRU && s.text_kind != MLP_TEXT_BAG_SUM)
        fail(XP_EINVAL, "mlp_net: unknown text kind %d", s.text_kind);
    if (s.text_vocab && s.text_kind == MLP_TEXT_GRU && s.text_hidden < 1)
        fail(XP_EINVAL, "mlp_net: GRU text tower needs text_hidden >= 1");
    if (s.image_size < 0 || (s.image_size && (s.n_conv < 1 || s.n_conv > MLP_MAX_CONV)))
        fail(XP_EINVAL, "mlp_net: image tower needs 1..%d conv blocks", MLP_MAX_CONV);
    for (int64_t k = 0; s.image_size && k < s.n_conv; k++)
        if (s.conv[k] < 1) fail(XP_EINVAL, "mlp_net: conv block %lld has %lld channels", (long long)k, (long long)s.conv[k]);
    if (!(s.image_words >= 0 && std::isfinite(s.image_words))) fail(XP_EINVAL, "mlp_net: image_words must be >= 0");
    if (s.image_words > 0 && (!s.image_size || !s.text_vocab))
        fail(XP_EINVAL, "mlp_net: image_words needs both an image tower and a token tower");
    if (s.image_augment < MLP_AUG_NONE || s.image_augment > MLP_AUG_DIHEDRAL)
        fail(XP_EINVAL, "mlp_net: unknown image augmentation %d", s.image_augment);
    if (s.n_hidden < 0 || s.n_hidden > MLP_MAX_HIDDEN) fail(XP_EINVAL, "mlp_net: 0..%d hidden layers", MLP_MAX_HIDDEN);
    for (int64_t k = 0; k < s.n_hidden; k++)
        if (s.hidden[k] < 1) fail(XP_EINVAL, "mlp_net: hidden layer %lld has %lld units", (long long)k, (long long)s.hidden[k]);
    if (!(s.dropout >= 0 && s.dropout < 1)) fail(XP_EINVAL, "mlp_net: dropout must be in [0, 1)");
    if (s.act != MLP_ACT_GELU && s.act != MLP_ACT_RELU) fail(XP_EINVAL, "mlp_net: unknown activation %d", s.act);
    int64_t width = s.n_num + s.n_vec * s.proj_dim + (s.text_vocab ? s.proj_dim : 0) + (s.image_size ? s.proj_dim : 0);
    for (int64_t j = 0; j < s.n_cat; j++) width += s.cat_width[j];
    if (width < 1) fail(XP_EINVAL, "mlp_net: the model has no inputs");
}

}  // namespace

struct mlp_data {
    int64_t n = 0;
    at::Tensor num, cat, y, w;                /* [n, n_num] f32, [n, n_cat] i64, [n], [n] */
    std::vector<at::Tensor> vec_table, vec_row;   /* [count + 1, dim] (last row zeros), [n] i64 */
    at::Tensor text_table, text_row;          /* [count + 1, len] i64 (last row padding), [n] */
    at::Tensor image_table, image_row;        /* [count + 1, 3, s, s], [n] */
    bool has_y = false;
};

struct mlp_net : nn::Module {
    spec_copy sc;
    at::Generator gen;
    std::vector<nn::Embedding> cat_emb;
    std::vector<nn::Linear> vec_proj;
    nn::Embedding text_emb{ nullptr };
    nn::GRU text_gru{ nullptr };
    nn::Linear text_proj{ nullptr };
    nn::LayerNorm text_ln{ nullptr };
    std::vector<nn::Conv2d> convs;
    std::vector<nn::BatchNorm2d> conv_bn;
    nn::Linear image_proj{ nullptr };
    nn::Linear words_head{ nullptr };   /* image_words: not registered, so not in params() */
    at::Tensor words_loss;              /* the last training forward's auxiliary loss */
    std::vector<nn::Linear> head;
    nn::Linear out{ nullptr };
    nn::Linear wide{ nullptr };          /* spec.wide: the head's input -> the output, linearly */
    std::unique_ptr<torch::optim::AdamW> opt;
    std::vector<at::Tensor> best;

    mlp_net(const mlp_spec &s, uint64_t seed) : sc(s), gen(at::detail::createCPUGenerator(seed))
    {
        const mlp_spec &p = sc.s;
        int64_t width = p.n_num;
        for (int64_t j = 0; j < p.n_cat; j++) {
            cat_emb.push_back(register_module("cat" + std::to_string(j),
                                              nn::Embedding(p.cat_card[j], p.cat_width[j])));
            width += p.cat_width[j];
        }
        for (int64_t j = 0; j < p.n_vec; j++) {
            vec_proj.push_back(register_module("vec" + std::to_string(j), nn::Linear(p.vec_dim[j], p.proj_dim)));
            width += p.proj_dim;
        }
        if (p.text_vocab) {
            text_emb = register_module("text_emb", nn::Embedding(p.text_vocab, p.text_dim));
            int64_t tw = p.text_dim;
            if (p.text_kind == MLP_TEXT_GRU) {
                text_gru = register_module("text_gru", nn::GRU(nn::GRUOptions(p.text_dim, p.text_hidden).batch_first(true)));
                tw = p.text_hidden;
            }
            if (p.text_norm)
                text_ln = register_module("text_ln", nn::LayerNorm(nn::LayerNormOptions({ tw })));
            text_proj = register_module("text_proj", nn::Linear(tw, p.proj_dim));
            width += p.proj_dim;
        }
        if (p.image_size) {
            int64_t c = 3;
            for (int64_t k = 0; k < p.n_conv; k++) {
                /* with batch norm after it a conv's bias is redundant (the norm's shift) */
                convs.push_back(register_module("conv" + std::to_string(k),
                    nn::Conv2d(nn::Conv2dOptions(c, p.conv[k], 3).stride(2).padding(1).bias(!p.image_norm))));
                if (p.image_norm)
                    conv_bn.push_back(register_module("conv_bn" + std::to_string(k), nn::BatchNorm2d(p.conv[k])));
                c = p.conv[k];
            }
            image_proj = register_module("image_proj", nn::Linear(c, p.proj_dim));
            width += p.proj_dim;
            if (p.image_words > 0) words_head = nn::Linear(c, p.text_vocab);
        }
        int64_t concat_width = width;
        for (int64_t k = 0; k < p.n_hidden; k++) {
            head.push_back(register_module("head" + std::to_string(k), nn::Linear(width, p.hidden[k])));
            width = p.hidden[k];
        }
        out = register_module("out", nn::Linear(width, 1));
        if (p.wide) wide = register_module("wide", nn::Linear(concat_width, 1));
        init_weights(s.text_init);
    }

    /* He-uniform for layers followed by an activation, LeCun-uniform for the output; biases 0;
     * embeddings N(0, 1/sqrt(width)) (the text table from text_init when given). */
    void init_weights(const float *text_init)
    {
        torch::NoGradGuard ng;
        const mlp_spec &p = sc.s;
        auto he = [&](at::Tensor &w, int64_t fan_in) {
            double b = std::sqrt(6.0 / (double)fan_in);
            w.uniform_(-b, b, gen);
        };
        for (auto &m : cat_emb) m->weight.normal_(0, 1.0 / std::sqrt((double)m->weight.size(1)), gen);
        for (auto &m : vec_proj) { he(m->weight, m->weight.size(1)); m->bias.zero_(); }
        if (p.text_vocab) {
            if (text_init) {
                text_emb->weight.copy_(torch::from_blob(const_cast<float *>(text_init), { p.text_vocab, p.text_dim }, torch::kFloat32));
            } else {
                text_emb->weight.normal_(0, 1.0 / std::sqrt((double)p.text_dim), gen);
            }
            /* 0 = padding (masked out anyway) and 1 = unknown start at zero and, as no row
             * the vocabulary was fitted on has an unknown word, stay there: a word unseen in
             * training adds nothing. A random start would stay untrained and shift every
             * unseen item's text vector by the same noise. */
            text_emb->weight[0].zero_();
            text_emb->weight[1].zero_();
            if (p.text_kind == MLP_TEXT_GRU) {
                double b = 1.0 / std::sqrt((double)p.text_hidden);
                for (auto &t : text_gru->parameters()) t.uniform_(-b, b, gen);
            }
            he(text_proj->weight, text_proj->weight.size(1));
            text_proj->bias.zero_();
        }
        for (auto &c : convs) {
            he(c->weight, c->weight.size(1) * 9);
            if (c->bias.defined()) c->bias.zero_();
        }
        if (p.image_size) { he(image_proj->weight, image_proj->weight.size(1)); image_proj->bias.zero_(); }
        for (auto &l : head) { he(l->weight, l->weight.size(1)); l->bias.zero_(); }
        double b = std::sqrt(3.0 / (double)out->weight.size(1));
        out->weight.uniform_(-b, b, gen);
        out->bias.fill_(p.out_bias);
        if (wide) {   /* starts at zero (no draw): the head's start is the same with or without it */
            wide->weight.zero_();
            wide->bias.zero_();
        }
        if (words_head) {   /* last: the draws above are the same with or without it */
            double bw = std::sqrt(3.0 / (double)words_head->weight.size(1));
            words_head->weight.uniform_(-bw, bw, gen);
            words_head->bias.zero_();
        }
    }

    at::Tensor act(const at::Tensor &x) const
    {
        return sc.s.act == MLP_ACT_GELU ? torch::gelu(x) : torch::relu(x);
    }

    at::Tensor dropout(const at::Tensor &x)
    {
        double p = sc.s.dropout;
        if (!is_training() || p <= 0) return x;
        at::Tensor mask = torch::empty_like(x).bernoulli_(1.0 - p, gen);
        return x * mask * (1.0 / (1.0 - p));
    }

    /* Runs `tower` on the distinct table rows that `idx` refers to; returns one output row
     * per idx entry. */
    template <class F>
    at::Tensor per_distinct(const at::Tensor &table, const at::Tensor &idx, F tower)
    {
        auto uq = at::_unique(idx, /*sorted=*/true, /*return_inverse=*/true);
        at::Tensor u = std::get<0>(uq), inv = std::get<1>(uq);
        at::Tensor outs = tower(table.index_select(0, u));
        return outs.index_select(0, inv);
    }

    at::Tensor text_tower(const at::Tensor &ids)   /* [u, len] -> [u, proj] */
    {
        at::Tensor e = text_emb->forward(ids);                 /* [u, len, D] */
        at::Tensor mask = ids.ne(0);
        at::Tensor len = mask.sum(1);                          /* [u] */
        at::Tensor h;
        if (sc.s.text_kind == MLP_TEXT_GRU) {
            at::Tensor o = std::get<0>(text_gru->forward(e));   /* [u, len, H] */
            at::Tensor last = (len - 1).clamp_min(0).view({ -1, 1, 1 }).expand({ o.size(0), 1, o.size(2) });
            h = o.gather(1, last).squeeze(1) * len.gt(0).unsqueeze(1).to(torch::kFloat32);
        } else {
            at::Tensor m = mask.unsqueeze(2).to(torch::kFloat32);
            h = (e * m).sum(1);
            if (sc.s.text_kind == MLP_TEXT_BAG) h = h / len.clamp_min(1).unsqueeze(1).to(torch::kFloat32);
        }
        if (sc.s.text_norm) h = text_ln->forward(h);
        return act(text_proj->forward(h));
    }

    /* A random pose per picture (training only). Each picture has one file, so without this
     * the tower sees every item's picture in one pose only and can learn the pose; rotation
     * and mirroring keep what a picture shows. Masks come from the net's generator. */
    at::Tensor augment(const at::Tensor &px)
    {
        if (!is_training() || sc.s.image_augment == MLP_AUG_NONE) return px;
        auto coin = [&]() {
            return torch::empty({ px.size(0), 1, 1, 1 }, torch::kFloat32).bernoulli_(0.5, gen).to(torch::kBool);
        };
        at::Tensor x = torch::where(coin(), px.flip({ 3 }), px);
        if (sc.s.image_augment == MLP_AUG_DIHEDRAL) {   /* square pictures: shapes unchanged */
            x = torch::where(coin(), x.rot90(1, { 2, 3 }), x);
            x = torch::where(coin(), x.rot90(2, { 2, 3 }), x);
        }
        return x;
    }

    at::Tensor image_features(const at::Tensor &px)   /* [u, 3, s, s] in [0,1] -> [u, c] */
    {
        at::Tensor x = (augment(px) - 0.5) * 4.0;
        for (size_t k = 0; k < convs.size(); k++) {
            x = convs[k]->forward(x);
            if (sc.s.image_norm) x = conv_bn[k]->forward(x);
            x = act(x);
        }
        return x.mean({ 2, 3 });
    }

    /* The image_words loss of a batch: rows' pooled picture features [n, c] against the
     * words of their texts. Rows without a picture or without a known word do not count. */
    at::Tensor words_aux_loss(const mlp_data &d, const at::Tensor &rows, const at::Tensor &img_idx,
                              const at::Tensor &feats)
    {
        at::Tensor ids = d.text_table.index_select(0, d.text_row.index_select(0, rows));   /* [n, L] */
        at::Tensor target = torch::zeros({ ids.size(0), sc.s.text_vocab }, torch::kFloat32);
        target.scatter_(1, ids, 1.0);
        target.narrow(1, 0, 2).zero_();   /* padding and the unknown word are not words */
        at::Tensor has_picture = img_idx.ne(d.image_table.size(0) - 1);   /* last row: missing */
        at::Tensor use = has_picture.logical_and(target.sum(1).gt(0)).to(torch::kFloat32);
        at::Tensor bce = torch::binary_cross_entropy_with_logits(words_head->forward(feats), target,
                                                                 {}, {}, at::Reduction::None).sum(1);
        return (bce * use).sum() / use.sum().clamp_min(1.0);
    }

    at::Tensor forward(const mlp_data &d, const at::Tensor &rows)
    {
        const mlp_spec &p = sc.s;
        std::vector<at::Tensor> parts;
        if (p.n_num) parts.push_back(d.num.index_select(0, rows));
        if (p.n_cat) {
            at::Tensor codes = d.cat.index_select(0, rows);
            for (int64_t j = 0; j < p.n_cat; j++) parts.push_back(cat_emb[j]->forward(codes.select(1, j)));
        }
        for (int64_t j = 0; j < p.n_vec; j++)   /* rows of one item share its vector */
            parts.push_back(per_distinct(d.vec_table[j], d.vec_row[j].index_select(0, rows),
                                         [&](const at::Tensor &t) { return act(vec_proj[j]->forward(t)); }));
        if (p.text_vocab)
            parts.push_back(per_distinct(d.text_table, d.text_row.index_select(0, rows),
                                         [&](const at::Tensor &t) { return text_tower(t); }));
        words_loss = at::Tensor();
        if (p.image_size) {
            /* per_distinct's steps written out: the projection runs per distinct picture (as
             * before image_words) and image_words needs the pooled features per row */
            at::Tensor idx = d.image_row.index_select(0, rows);
            auto uq = at::_unique(idx, /*sorted=*/true, /*return_inverse=*/true);
            at::Tensor inv = std::get<1>(uq);
            at::Tensor feats = image_features(d.image_table.index_select(0, std::get<0>(uq)));
            parts.push_back(act(image_proj->forward(feats)).index_select(0, inv));
            if (words_head && is_training()) words_loss = words_aux_loss(d, rows, idx, feats.index_select(0, inv));
        }
        at::Tensor x = parts.size() == 1 ? parts[0] : torch::cat(parts, 1);
        at::Tensor linear = wide ? wide->forward(x) : at::Tensor();
        for (auto &l : head) x = dropout(act(l->forward(x)));
        at::Tensor y = out->forward(x);
        return (wide ? y + linear : y).squeeze(1);
    }

    /* What a snapshot, the saved file and get/set_params hold: the parameters, then the
     * floating-point buffers (batch norm's running mean and variance, which predict uses);
     * batch norm's integer batch counter is not needed with its fixed momentum. */
    std::vector<at::Tensor> params()
    {
        std::vector<at::Tensor> v = parameters(/*recurse=*/true);
        for (auto &b : buffers(/*recurse=*/true))
            if (b.is_floating_point()) v.push_back(b);
        return v;
    }
};

namespace {

at::Tensor rows_tensor(const int64_t *rows, size_t n, int64_t limit)
{
    if (n && !rows) fail(XP_EINVAL, "mlp_net: rows is NULL");
    at::Tensor t = torch::from_blob(const_cast<int64_t *>(rows), { (int64_t)n }, torch::kInt64).clone();
    if (n) {
        int64_t lo = t.min().item<int64_t>(), hi = t.max().item<int64_t>();
        if (lo < 0 || hi >= limit)
            fail(XP_EINVAL, "mlp_net: row index out of range [0, %lld): %lld", (long long)limit,
                 (long long)(lo < 0 ? lo : hi));
    }
    return t;
}

/* idx (n rows, -1 = missing) -> int64 tensor with -1 replaced by `count` (the extra row). */
at::Tensor row_index(const int32_t *idx, int64_t n, int64_t count, const char *what)
{
    if (n && !idx) fail(XP_EINVAL, "mlp_net: %s row index is NULL", what);
    at::Tensor t = torch::empty({ n }, torch::kInt64);
    int64_t *p = t.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; i++) {
        int64_t v = idx[i];
        if (v < -1 || v >= count) fail(XP_EINVAL, "mlp_net: %s row %lld points at %lld of %lld", what, (long long)i, (long long)v, (long long)count);
        p[i] = v < 0 ? count : v;
    }
    return t;
}

}  // namespace

extern "C" {

int mlp_net_new(const mlp_spec *spec, uint64_t seed, mlp_net **out, mlp_err *e)
{
    MLP_TRY
    if (!out || !spec) return set_err(e, XP_EINVAL, "mlp_net_new: NULL argument");
    *out = nullptr;
    check_spec(*spec);
    auto *n = new mlp_net(*spec, seed);
    *out = n;
    return ok(e);
    MLP_CATCH(e)
}

void mlp_net_free(mlp_net *net)
{
    try {
        delete net;
    } catch (...) {
    }
}

int mlp_data_new(const mlp_net *net, const mlp_data_desc *in, mlp_data **out, mlp_err *e)
{
    MLP_TRY
    if (!net || !in || !out) return set_err(e, XP_EINVAL, "mlp_data_new: NULL argument");
    *out = nullptr;
    const mlp_spec &p = net->sc.s;
    auto d = std::make_unique<mlp_data>();
    int64_t n = in->n_rows;
    if (n < 0) fail(XP_EINVAL, "mlp_data_new: negative row count");
    d->n = n;
    auto f32 = [](const float *src, std::vector<int64_t> shape) {
        int64_t k = 1;
        for (int64_t s : shape) k *= s;
        if (k == 0) return torch::zeros(shape, torch::kFloat32);
        return torch::from_blob(const_cast<float *>(src), shape, torch::kFloat32).clone();
    };
    if (p.n_num && n && !in->num) fail(XP_EINVAL, "mlp_data_new: num is NULL");
    d->num = f32(in->num, { n, p.n_num });
    if (p.n_cat) {
        if (n && !in->cat) fail(XP_EINVAL, "mlp_data_new: cat is NULL");
        d->cat = n ? torch::from_blob(const_cast<int64_t *>(in->cat), { n, p.n_cat }, torch::kInt64).clone()
                   : torch::zeros({ 0, p.n_cat }, torch::kInt64);
        /* Out-of-range codes are left to the embedding, which raises c10::Error (tested). */
    }
    for (int64_t j = 0; j < p.n_vec; j++) {
        int64_t c = in->vec_count ? in->vec_count[j] : 0, dim = p.vec_dim[j];
        if (c < 0 || (c && (!in->vec_table || !in->vec_table[j]))) fail(XP_EINVAL, "mlp_data_new: vector table %lld missing", (long long)j);
        at::Tensor t = torch::zeros({ c + 1, dim }, torch::kFloat32);
        if (c) t.narrow(0, 0, c).copy_(torch::from_blob(const_cast<float *>(in->vec_table[j]), { c, dim }, torch::kFloat32));
        d->vec_table.push_back(t);
        d->vec_row.push_back(row_index(in->vec_row ? in->vec_row[j] : nullptr, n, c, "vector"));
    }
    if (p.text_vocab) {
        int64_t c = in->text_count, L = p.text_len;
        if (c < 0 || (c && !in->text_table)) fail(XP_EINVAL, "mlp_data_new: text table missing");
        at::Tensor t = torch::zeros({ c + 1, L }, torch::kInt64);
        if (c) t.narrow(0, 0, c).copy_(torch::from_blob(const_cast<int64_t *>(in->text_table), { c, L }, torch::kInt64));
        if (c) {
            int64_t lo = t.min().item<int64_t>(), hi = t.max().item<int64_t>();
            if (lo < 0 || hi >= p.text_vocab)
                fail(XP_EINVAL, "mlp_data_new: token id %lld outside the vocabulary [0, %lld)",
                     (long long)(lo < 0 ? lo : hi), (long long)p.text_vocab);
        }
        d->text_table = t;
        d->text_row = row_index(in->text_row, n, c, "text");
    }
    if (p.image_size) {
        int64_t c = in->image_count, s = p.image_size;
        if (c < 0 || (c && !in->image_table)) fail(XP_EINVAL, "mlp_data_new: image table missing");
        at::Tensor t = torch::zeros({ c + 1, 3, s, s }, torch::kFloat32);
        if (c) t.narrow(0, 0, c).copy_(torch::from_blob(const_cast<float *>(in->image_table), { c, 3, s, s }, torch::kFloat32));
        d->image_table = t;
        d->image_row = row_index(in->image_row, n, c, "image");
    }
    if (in->y) {
        d->y = f32(in->y, { n });
        d->has_y = true;
        d->w = in->w ? f32(in->w, { n }) : torch::ones({ n }, torch::kFloat32);
    }
    *out = d.release();
    return ok(e);
    MLP_CATCH(e)
}

void mlp_data_free(mlp_data *d)
{
    try {
        delete d;
    } catch (...) {
    }
}

int mlp_net_optimizer(mlp_net *net, double weight_decay, mlp_err *e)
{
    MLP_TRY
    if (!net) return set_err(e, XP_EINVAL, "mlp_net_optimizer: NULL net");
    std::vector<at::Tensor> decay, no_decay;
    for (auto &kv : net->named_parameters(true)) {
        const std::string &name = kv.key();
        bool is_bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
        bool is_emb = name.find("cat") == 0 || name.find("text_emb") == 0;
        bool is_norm = kv.value().dim() <= 1;   /* layer / batch norm scales and shifts */
        (is_bias || is_emb || is_norm ? no_decay : decay).push_back(kv.value());
    }
    if (net->words_head) {
        decay.push_back(net->words_head->weight);
        no_decay.push_back(net->words_head->bias);
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(1e-3).weight_decay(weight_decay)));
    if (!no_decay.empty())
        groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(1e-3).weight_decay(0)));
    net->opt = std::make_unique<torch::optim::AdamW>(std::move(groups));
    return ok(e);
    MLP_CATCH(e)
}

int mlp_net_train_batch(mlp_net *net, const mlp_data *d, const int64_t *rows, size_t n, double lr,
                        double grad_clip, double *loss, mlp_err *e)
{
    MLP_TRY
    if (!net || !d || !loss) return set_err(e, XP_EINVAL, "mlp_net_train_batch: NULL argument");
    if (!net->opt) return set_err(e, XP_EINVAL, "mlp_net_train_batch: call mlp_net_optimizer first");
    if (!d->has_y) return set_err(e, XP_EINVAL, "mlp_net_train_batch: the data has no targets");
    *loss = NAN;
    if (n == 0) return ok(e);
    at::Tensor r = rows_tensor(rows, n, d->n);
    at::Tensor w = d->w.index_select(0, r);
    double wsum = w.sum().item<double>();
    if (!(wsum > 0)) { *loss = 0; return ok(e); }   /* only zero-weight rows: nothing to learn */
    net->train(true);
    at::Tensor pred = net->forward(*d, r);
    at::Tensor diff = pred - d->y.index_select(0, r);
    at::Tensor l = (w * diff * diff).sum() / wsum;
    at::Tensor total = net->words_loss.defined() ? l + net->sc.s.image_words * net->words_loss : l;
    for (auto &g : net->opt->param_groups())
        static_cast<torch::optim::AdamWOptions &>(g.options()).lr(lr);
    net->opt->zero_grad();
    total.backward();
    if (grad_clip > 0) {   /* the training-only words head is clipped with the rest */
        std::vector<at::Tensor> ps = net->parameters();
        if (net->words_head)
            for (auto &t : net->words_head->parameters()) ps.push_back(t);
        torch::nn::utils::clip_grad_norm_(ps, grad_clip);
    }
    net->opt->step();
    *loss = l.item<double>();
    if (!std::isfinite(*loss))
        return set_err(e, XP_EMODEL, "mlp: the training loss is not finite (%g); lower lr", *loss);
    return ok(e);
    MLP_CATCH(e)
}

int mlp_net_predict(mlp_net *net, const mlp_data *d, const int64_t *rows, size_t n, size_t batch,
                    float *out, mlp_err *e)
{
    MLP_TRY
    if (!net || !d || (n && !out)) return set_err(e, XP_EINVAL, "mlp_net_predict: NULL argument");
    if (batch == 0) batch = 1024;
    torch::NoGradGuard ng;
    net->train(false);
    at::Tensor all = rows_tensor(rows, n, d->n);
    for (size_t at = 0; at < n; at += batch) {
        size_t k = n - at < batch ? n - at : batch;
        at::Tensor p = net->forward(*d, all.narrow(0, (int64_t)at, (int64_t)k)).contiguous();
        memcpy(out + at, p.data_ptr<float>(), k * sizeof(float));
    }
    return ok(e);
    MLP_CATCH(e)
}

int mlp_net_snapshot(mlp_net *net, mlp_err *e)
{
    MLP_TRY
    if (!net) return set_err(e, XP_EINVAL, "mlp_net_snapshot: NULL net");
    torch::NoGradGuard ng;
    auto ps = net->params();
    if (net->best.size() != ps.size()) {
        net->best.clear();
        for (auto &t : ps) net->best.push_back(t.detach().clone());
    } else {
        for (size_t i = 0; i < ps.size(); i++) net->best[i].copy_(ps[i]);
    }
    return ok(e);
    MLP_CATCH(e)
}

int mlp_net_restore(mlp_net *net, mlp_err *e)
{
    MLP_TRY
    if (!net) return set_err(e, XP_EINVAL, "mlp_net_restore: NULL net");
    torch::NoGradGuard ng;
    auto ps = net->params();
    if (net->best.size() != ps.size()) return set_err(e, XP_EINVAL, "mlp_net_restore: no snapshot");
    for (size_t i = 0; i < ps.size(); i++) ps[i].copy_(net->best[i]);
    return ok(e);
    MLP_CATCH(e)
}

size_t mlp_net_param_count(const mlp_net *net)
{
    if (!net) return 0;
    try {
        size_t k = 0;
        for (auto &t : const_cast<mlp_net *>(net)->params()) k += (size_t)t.numel();
        return k;
    } catch (...) {
        return 0;
    }
}

int mlp_net_get_params(const mlp_net *net, float *buf, size_t n, mlp_err *e)
{
    MLP_TRY
    if (!net || !buf) return set_err(e, XP_EINVAL, "mlp_net_get_params: NULL argument");
    size_t k = 0;
    for (auto &t : const_cast<mlp_net *>(net)->params()) {
        at::Tensor c = t.detach().contiguous();
        size_t m = (size_t)c.numel();
        if (k + m > n) return set_err(e, XP_EINVAL, "mlp_net_get_params: buffer of %zu floats is too small", n);
        memcpy(buf + k, c.data_ptr<float>(), m * sizeof(float));
        k += m;
    }
    return ok(e);
    MLP_CATCH(e)
}

int mlp_net_set_params(mlp_net *net, const float *buf, size_t n, mlp_err *e)
{
    MLP_TRY
    if (!net || !buf) return set_err(e, XP_EINVAL, "mlp_net_set_params: NULL argument");
    size_t total = mlp_net_param_count(net);
    if (n != total) return set_err(e, XP_EFORMAT, "mlp_net_set_params: %zu values for a network of %zu", n, total);
    torch::NoGradGuard ng;
    size_t k = 0;
    for (auto &t : net->params()) {
        int64_t m = t.numel();
        t.copy_(torch::from_blob(const_cast<float *>(buf + k), t.sizes(), torch::kFloat32));
        k += (size_t)m;
    }
    return ok(e);
    MLP_CATCH(e)
}

}  /* extern "C" */
